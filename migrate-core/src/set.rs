//! [`MigrationSet::load`]: reading a migration folder in any supported layout.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Dialect;
use crate::checksum::Checksum;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, DiagnosticKind, LoadError};
use crate::migration::{Layout, Migration, RepeatableMigration, Section, TransactionMode};
use crate::name::{NameOutcome, ParsedName, Prefix, Suffix, parse_name};
use crate::position::Position;
use crate::rules::Level;
use crate::sections::{self, FileShape, Part};
use crate::split;
use crate::version::Version;

/// Every migration of a folder, sorted by version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationSet {
    /// The folder it was read from.
    pub dir: PathBuf,
    /// Versioned migrations, in version order.
    pub migrations: Vec<Migration>,
    /// Flyway/refinery repeatable migrations (`R__name.sql`), in name order.
    pub repeatable: Vec<RepeatableMigration>,
    /// Problems that did not stop the folder from loading: ignored files, and rules the
    /// config set to `warn`.
    pub warnings: Vec<Diagnostic>,
}

impl MigrationSet {
    /// Reads the migration folder `dir`. Every problem is collected: when any is at `deny`
    /// level the error lists them all, with the warnings.
    pub fn load(dir: &Path, config: &Config) -> Result<MigrationSet, LoadError> {
        let mut loader = Loader {
            config,
            dialect: config.dialect.unwrap_or(Dialect::Postgres),
            diagnostics: Vec::new(),
        };
        let found = loader.scan(dir);
        let (migrations, repeatable) = loader.build(found);
        let mut diagnostics = loader.diagnostics;
        diagnostics.sort_by(|a, b| (&a.path, a.position).cmp(&(&b.path, b.position)));
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(LoadError { diagnostics });
        }
        Ok(MigrationSet {
            dir: dir.to_owned(),
            migrations,
            repeatable,
            warnings: diagnostics,
        })
    }

    /// The migration with this version.
    pub fn get(&self, version: &Version) -> Option<&Migration> {
        self.migrations
            .binary_search_by(|m| m.version.cmp(version))
            .ok()
            .map(|i| &self.migrations[i])
    }
}

/// `.up.sql` and `.down.sql` files by folder, version and name.
type PairMap = BTreeMap<(PathBuf, Version, String), [Option<(PathBuf, ParsedName)>; 2]>;

/// A migration source found while scanning, before its files are read.
#[derive(Debug)]
enum Found {
    File {
        path: PathBuf,
        name: ParsedName,
    },
    Folder {
        path: PathBuf,
        name: ParsedName,
        kind: FolderKind,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FolderKind {
    Diesel,
    Prisma,
}

struct Loader<'a> {
    config: &'a Config,
    dialect: Dialect,
    diagnostics: Vec<Diagnostic>,
}

/// Files in a migration folder that are never migrations and never worth a warning.
fn quietly_ignored(file_name: &str, top: bool) -> bool {
    file_name.starts_with('.')
        || (top && file_name == "schema.sql")
        || file_name.ends_with(".toml")
        || file_name.ends_with(".md")
        || file_name.ends_with(".sql.conf")
}

impl Loader<'_> {
    fn diag(&mut self, kind: DiagnosticKind, level: Level, path: &Path) {
        if level != Level::Allow {
            self.diagnostics.push(Diagnostic::new(kind, level, path));
        }
    }

    fn diag_at(&mut self, kind: DiagnosticKind, level: Level, path: &Path, text: &str, at: usize) {
        if level != Level::Allow {
            self.diagnostics
                .push(Diagnostic::new(kind, level, path).at(text, at));
        }
    }

    fn rule_level(&self, rule: &str) -> Level {
        self.config.lint.level(rule)
    }

    /// Sorted entries of a folder, or a diagnostic.
    fn entries(&mut self, dir: &Path) -> Vec<(String, PathBuf, bool)> {
        let read = match std::fs::read_dir(dir) {
            Ok(read) => read,
            Err(e) => {
                self.diag(
                    DiagnosticKind::Unreadable {
                        error: e.to_string(),
                    },
                    Level::Deny,
                    dir,
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for entry in read {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    self.diag(
                        DiagnosticKind::Unreadable {
                            error: e.to_string(),
                        },
                        Level::Deny,
                        dir,
                    );
                    continue;
                }
            };
            let path = entry.path();
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if file_name.starts_with('.') {
                continue;
            }
            // Follow symbolic links, as the other tools do.
            match std::fs::metadata(&path) {
                Ok(meta) => out.push((file_name, path, meta.is_dir())),
                Err(e) => self.diag(
                    DiagnosticKind::Unreadable {
                        error: e.to_string(),
                    },
                    Level::Deny,
                    &path,
                ),
            }
        }
        out.sort();
        out
    }

    fn scan(&mut self, dir: &Path) -> Vec<Found> {
        if !dir.is_dir() {
            self.diag(DiagnosticKind::MissingFolder, Level::Deny, dir);
            return Vec::new();
        }
        let mut found = Vec::new();
        self.scan_folder(dir, true, &mut found);
        found
    }

    fn scan_folder(&mut self, dir: &Path, top: bool, found: &mut Vec<Found>) {
        for (file_name, path, is_dir) in self.entries(dir) {
            if is_dir {
                let kind = if path.join("up.sql").is_file() {
                    Some(FolderKind::Diesel)
                } else if path.join("migration.sql").is_file() {
                    Some(FolderKind::Prisma)
                } else {
                    None
                };
                match kind {
                    Some(kind) if top => self.migration_folder(&file_name, path, kind, found),
                    Some(_) => self.diag(
                        DiagnosticKind::Misplaced {
                            reason: "a migration folder inside a subfolder is not read; diesel and Prisma folders sit directly in the migration folder".to_owned(),
                        },
                        Level::Deny,
                        &path,
                    ),
                    // Flyway and refinery read subfolders too.
                    None => self.scan_folder(&path, false, found),
                }
                continue;
            }
            if quietly_ignored(&file_name, top) {
                continue;
            }
            let Some(stem) = file_name.strip_suffix(".sql") else {
                // Not SQL. Warn when the name says migration (`V1__init.rs`), else ignore.
                let stem = file_name.split('.').next().unwrap_or_default();
                if matches!(parse_name(stem), NameOutcome::Migration(_)) {
                    self.diag(
                        DiagnosticKind::IgnoredFile {
                            reason:
                                "named like a migration but not a `.sql` file, so it is not read"
                                    .to_owned(),
                        },
                        Level::Warn,
                        &path,
                    );
                }
                continue;
            };
            if matches!(stem, "up" | "down" | "migration") {
                self.diag(
                    DiagnosticKind::Misplaced {
                        reason: format!(
                            "`{file_name}` is only read inside a `<version>_<name>/` migration folder"
                        ),
                    },
                    Level::Deny,
                    &path,
                );
                continue;
            }
            match parse_name(stem) {
                NameOutcome::Migration(name) if top || name.prefix != Prefix::None => {
                    found.push(Found::File { path, name });
                }
                NameOutcome::Migration(_) => self.diag(
                    DiagnosticKind::Misplaced {
                        reason: "a migration in a subfolder is not read; only Flyway and refinery (`V<version>__<name>.sql`) read subfolders, so move it into the migration folder".to_owned(),
                    },
                    Level::Deny,
                    &path,
                ),
                NameOutcome::Malformed(reason) => {
                    self.diag(DiagnosticKind::BadName { reason }, Level::Deny, &path);
                }
                NameOutcome::NotMigration => self.diag(
                    DiagnosticKind::IgnoredFile {
                        reason: "this `.sql` file is not named like a migration, so it is not read".to_owned(),
                    },
                    Level::Warn,
                    &path,
                ),
            }
        }
    }

    fn migration_folder(
        &mut self,
        file_name: &str,
        path: PathBuf,
        kind: FolderKind,
        found: &mut Vec<Found>,
    ) {
        let expected = match kind {
            FolderKind::Diesel => ["up.sql", "down.sql"],
            FolderKind::Prisma => ["migration.sql", "down.sql"],
        };
        for (inner, inner_path, is_dir) in self.entries(&path) {
            let stray = if is_dir {
                true
            } else {
                inner.ends_with(".sql") && !expected.contains(&inner.as_str())
            };
            if stray {
                let reason = format!(
                    "only {} and {} are read in a migration folder; `{inner}` is not",
                    expected[0], expected[1]
                );
                self.diag(
                    DiagnosticKind::Misplaced { reason },
                    Level::Deny,
                    &inner_path,
                );
            }
        }
        match parse_name(file_name) {
            NameOutcome::Migration(name) if name.prefix == Prefix::None && name.suffix == Suffix::Plain => {
                found.push(Found::Folder { path, name, kind });
            }
            NameOutcome::Malformed(reason) => {
                self.diag(DiagnosticKind::BadName { reason }, Level::Deny, &path);
            }
            _ => self.diag(
                DiagnosticKind::BadName {
                    reason: format!(
                        "the folder `{file_name}` holds {} but its name has no version; name it `<version>_<name>`",
                        expected[0]
                    ),
                },
                Level::Deny,
                &path,
            ),
        }
    }

    /// Reads a file as UTF-8 text without a BOM.
    fn read_text(&mut self, path: &Path) -> Option<String> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                self.diag(
                    DiagnosticKind::Unreadable {
                        error: e.to_string(),
                    },
                    Level::Deny,
                    path,
                );
                return None;
            }
        };
        match String::from_utf8(bytes) {
            Ok(mut text) => {
                if text.starts_with('\u{feff}') {
                    text.drain(..'\u{feff}'.len_utf8());
                }
                Some(text)
            }
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
                self.diag_at(
                    DiagnosticKind::InvalidUtf8,
                    Level::Deny,
                    path,
                    &prefix,
                    valid,
                );
                None
            }
        }
    }

    /// Reads one file and its sections.
    fn read_parts(&mut self, path: &Path, shape: FileShape) -> Option<(String, sections::Parts)> {
        let text = self.read_text(path)?;
        let parts = sections::parse(&text, shape);
        for (kind, at) in &parts.problems {
            let level = self.rule_level(kind.code());
            self.diag_at(kind.clone(), level, path, &text, *at);
        }
        Some((text, parts))
    }

    fn section(&self, text: &str, part: Part, path: &Path, mode: TransactionMode) -> Section {
        Section {
            sql: text[part.range.clone()].to_owned(),
            path: path.to_owned(),
            start: Position::of_offset(text, part.range.start),
            transaction: mode,
            allows: part.allows,
        }
    }

    fn is_blank(&self, sql: &str) -> bool {
        split::split(sql, self.dialect).sql().next().is_none()
    }

    /// A golang-migrate style file: it runs its own `BEGIN`/`COMMIT`.
    fn manages_own_transaction(&self, sql: &str) -> bool {
        split::split(sql, self.dialect)
            .sql()
            .any(|s| split::is_transaction_control(s.text(sql)))
    }

    fn mode(&self, part: &Part, sql: &str, layout: Layout, forced_off: bool) -> TransactionMode {
        if forced_off || part.transaction == Some(false) {
            TransactionMode::NoTransaction
        } else if layout == Layout::Pair
            && part.transaction.is_none()
            && self.manages_own_transaction(sql)
        {
            TransactionMode::Script
        } else {
            TransactionMode::Transaction
        }
    }

    /// Reads a whole file as one direction.
    fn whole(&mut self, path: &Path, layout: Layout, forced_off: bool) -> Option<Section> {
        let (text, parts) = self.read_parts(path, FileShape::Whole)?;
        let mode = self.mode(&parts.up, &text[parts.up.range.clone()], layout, forced_off);
        Some(self.section(&text, parts.up, path, mode))
    }

    /// Checks the up section and computes the checksum.
    fn finish(
        &mut self,
        found: (Version, String, String, Layout, PathBuf),
        up: Section,
        down: Option<Section>,
    ) -> Option<Migration> {
        let (version, version_text, name, layout, path) = found;
        if self.is_blank(&up.sql) {
            let level = self.rule_level("empty-migration");
            let mut d = Diagnostic::new(DiagnosticKind::EmptyMigration, level, &up.path);
            d.position = Some(up.start);
            if level != Level::Allow {
                self.diagnostics.push(d);
            }
            if level == Level::Deny {
                return None;
            }
        }
        let down = down.filter(|d| !self.is_blank(&d.sql));
        Some(Migration {
            checksum: Checksum::of(&up.sql),
            version,
            version_text,
            name,
            layout,
            up,
            down,
            path,
        })
    }

    fn build(&mut self, found: Vec<Found>) -> (Vec<Migration>, Vec<RepeatableMigration>) {
        let mut migrations = Vec::new();
        let mut repeatable = Vec::new();
        let mut pairs: PairMap = BTreeMap::new();
        let mut undo: BTreeMap<Version, (PathBuf, ParsedName)> = BTreeMap::new();
        let mut flyway: Vec<(PathBuf, ParsedName)> = Vec::new();

        for item in found {
            match item {
                Found::Folder { path, name, kind } => {
                    if let Some(m) = self.folder_migration(path, name, kind) {
                        migrations.push(m);
                    }
                }
                Found::File { path, name } => match (name.prefix, name.suffix, name.version.clone()) {
                    (Prefix::Repeatable, _, _) => {
                        if let Some(up) = self.whole(&path, Layout::Flyway, false) {
                            if self.is_blank(&up.sql) {
                                let level = self.rule_level("empty-migration");
                                let mut d = Diagnostic::new(DiagnosticKind::EmptyMigration, level, &path);
                                d.position = Some(up.start);
                                self.diag_push(d);
                            }
                            // Read and checked, so a broken one still fails the build,
                            // but never applied: say so rather than skip it in silence.
                            self.diag(
                                DiagnosticKind::IgnoredFile {
                                    reason: "a repeatable migration (`R__`) is checked but not applied: cargo-migrate applies versioned migrations only; give it a version (`V<n>__…`) to apply it".to_owned(),
                                },
                                Level::Warn,
                                &path,
                            );
                            repeatable.push(RepeatableMigration {
                                name: name.name,
                                checksum: Checksum::of(&up.sql),
                                up,
                                path,
                            });
                        }
                    }
                    (Prefix::Baseline, _, _) => self.diag(
                        DiagnosticKind::IgnoredFile {
                            reason: "a Flyway baseline script is not read; the versioned migrations build the same schema".to_owned(),
                        },
                        Level::Warn,
                        &path,
                    ),
                    (Prefix::Undo, _, Some(version)) => {
                        undo.insert(version, (path, name));
                    }
                    (_, suffix @ (Suffix::Up | Suffix::Down), Some(version)) => {
                        let slot = usize::from(suffix == Suffix::Down);
                        let folder = path.parent().map(Path::to_owned).unwrap_or_default();
                        let key = (folder, version, name.name.clone());
                        pairs.entry(key).or_default()[slot] = Some((path, name));
                    }
                    (Prefix::Versioned, Suffix::Plain, Some(_)) => flyway.push((path, name)),
                    (_, _, Some(_)) => {
                        if let Some(m) = self.file_migration(path, name) {
                            migrations.push(m);
                        }
                    }
                    (_, _, None) => {}
                },
            }
        }

        for (_, [up, down]) in pairs {
            if let Some(m) = self.pair_migration(up, down) {
                migrations.push(m);
            }
        }

        // `U` files undo the `V` of the same version (Flyway). In a folder where no `U` pairs
        // with a `V`, they are refinery's unversioned migrations instead.
        let flyway_undo = flyway
            .iter()
            .any(|(_, n)| n.version.as_ref().is_some_and(|v| undo.contains_key(v)));
        for (path, name) in flyway {
            let undo_file = name.version.as_ref().and_then(|v| undo.remove(v));
            if let Some(m) = self.flyway_migration(path, name, undo_file) {
                migrations.push(m);
            }
        }
        for (_, (path, name)) in undo {
            if flyway_undo {
                let expected =
                    path.with_file_name(format!("V{}__{}.sql", name.version_text, name.name));
                let level = self.rule_level("missing-pair");
                self.diag(DiagnosticKind::MissingPair { expected }, level, &path);
            } else if let Some(m) = self.refinery_unversioned(path, name) {
                migrations.push(m);
            }
        }

        migrations.sort_by(|a, b| a.version.cmp(&b.version).then_with(|| a.path.cmp(&b.path)));
        for pair in migrations.windows(2) {
            if pair[0].version == pair[1].version {
                let kind = DiagnosticKind::DuplicateVersion {
                    version: pair[1].version.clone(),
                    other: pair[0].path.clone(),
                };
                self.diag(kind, Level::Deny, &pair[1].path);
            }
        }
        repeatable.sort_by(|a, b| a.name.cmp(&b.name));
        (migrations, repeatable)
    }

    fn diag_push(&mut self, d: Diagnostic) {
        if d.level != Level::Allow {
            self.diagnostics.push(d);
        }
    }

    fn file_migration(&mut self, path: PathBuf, name: ParsedName) -> Option<Migration> {
        let (text, parts) = self.read_parts(&path, FileShape::Sections)?;
        let layout = Layout::File;
        let up_mode = self.mode(&parts.up, "", layout, false);
        let up = self.section(&text, parts.up, &path, up_mode);
        let down = parts.down.map(|part| {
            let mode = self.mode(&part, "", layout, false);
            self.section(&text, part, &path, mode)
        });
        let version = name.version?;
        self.finish(
            (version, name.version_text, name.name, layout, path),
            up,
            down,
        )
    }

    fn pair_migration(
        &mut self,
        up: Option<(PathBuf, ParsedName)>,
        down: Option<(PathBuf, ParsedName)>,
    ) -> Option<Migration> {
        let level = self.rule_level("missing-pair");
        match (up, down) {
            (Some((up_path, name)), down) => {
                let down_section = match down {
                    Some((down_path, _)) => self.whole(&down_path, Layout::Pair, false),
                    None => {
                        let expected = sibling(&up_path, ".up.sql", ".down.sql");
                        self.diag(DiagnosticKind::MissingPair { expected }, level, &up_path);
                        if level == Level::Deny {
                            return None;
                        }
                        None
                    }
                };
                let up = self.whole(&up_path, Layout::Pair, false)?;
                let version = name.version?;
                self.finish(
                    (version, name.version_text, name.name, Layout::Pair, up_path),
                    up,
                    down_section,
                )
            }
            (None, Some((down_path, _))) => {
                let expected = sibling(&down_path, ".down.sql", ".up.sql");
                self.diag(DiagnosticKind::MissingPair { expected }, level, &down_path);
                None
            }
            (None, None) => None,
        }
    }

    fn folder_migration(
        &mut self,
        path: PathBuf,
        name: ParsedName,
        kind: FolderKind,
    ) -> Option<Migration> {
        let (layout, up_file, forced_off) = match kind {
            FolderKind::Diesel => (Layout::Diesel, "up.sql", self.diesel_no_transaction(&path)),
            FolderKind::Prisma => (Layout::Prisma, "migration.sql", false),
        };
        let up = self.whole(&path.join(up_file), layout, forced_off)?;
        let down_path = path.join("down.sql");
        let down = if down_path.is_file() {
            self.whole(&down_path, layout, forced_off)
        } else {
            None
        };
        let version = name.version?;
        self.finish(
            (version, name.version_text, name.name, layout, path),
            up,
            down,
        )
    }

    /// diesel's `metadata.toml`: `run_in_transaction = false`.
    fn diesel_no_transaction(&mut self, folder: &Path) -> bool {
        let path = folder.join("metadata.toml");
        if !path.is_file() {
            return false;
        }
        let Some(text) = self.read_text(&path) else {
            return false;
        };
        let doc = match toml::de::DeTable::parse(&text) {
            Ok(doc) => doc.into_inner(),
            Err(e) => {
                let at = e.span().map_or(0, |s| s.start);
                let reason = format!("metadata.toml is not valid TOML: {}", e.message().trim());
                self.diag_at(
                    DiagnosticKind::BadDirective { reason },
                    Level::Deny,
                    &path,
                    &text,
                    at,
                );
                return false;
            }
        };
        for (key, value) in doc.iter() {
            if key.get_ref().as_ref() != "run_in_transaction" {
                continue;
            }
            return match value.get_ref() {
                toml::de::DeValue::Boolean(b) => !*b,
                _ => {
                    let reason = "`run_in_transaction` must be `true` or `false`".to_owned();
                    let at = value.span().start;
                    self.diag_at(
                        DiagnosticKind::BadDirective { reason },
                        Level::Deny,
                        &path,
                        &text,
                        at,
                    );
                    false
                }
            };
        }
        false
    }

    fn flyway_migration(
        &mut self,
        path: PathBuf,
        name: ParsedName,
        undo_file: Option<(PathBuf, ParsedName)>,
    ) -> Option<Migration> {
        let forced_off = self.flyway_conf_no_transaction(&path);
        let up = self.whole(&path, Layout::Flyway, forced_off)?;
        let down = undo_file.and_then(|(undo_path, _)| {
            let forced = self.flyway_conf_no_transaction(&undo_path);
            self.whole(&undo_path, Layout::Flyway, forced)
        });
        let version = name.version?;
        self.finish(
            (version, name.version_text, name.name, Layout::Flyway, path),
            up,
            down,
        )
    }

    /// Flyway's per-script `V1__x.sql.conf` with `executeInTransaction=false`.
    fn flyway_conf_no_transaction(&mut self, script: &Path) -> bool {
        let mut conf = script.as_os_str().to_owned();
        conf.push(".conf");
        let conf = PathBuf::from(conf);
        if !conf.is_file() {
            return false;
        }
        let Some(text) = self.read_text(&conf) else {
            return false;
        };
        let mut off = false;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim();
            if let Some(value) = trimmed.strip_prefix("executeInTransaction") {
                match value.trim_start().strip_prefix('=').map(str::trim) {
                    Some("false") => off = true,
                    Some("true") => off = false,
                    _ => {
                        let reason =
                            "`executeInTransaction` must be `=true` or `=false`".to_owned();
                        self.diag_at(
                            DiagnosticKind::BadDirective { reason },
                            Level::Deny,
                            &conf,
                            &text,
                            offset,
                        );
                    }
                }
            }
            offset += line.len();
        }
        off
    }

    fn refinery_unversioned(&mut self, path: PathBuf, name: ParsedName) -> Option<Migration> {
        let up = self.whole(&path, Layout::RefineryUnversioned, false)?;
        let version = name.version?;
        self.finish(
            (
                version,
                name.version_text,
                name.name,
                Layout::RefineryUnversioned,
                path,
            ),
            up,
            None,
        )
    }
}

/// `dir/1_a.up.sql` → `dir/1_a.down.sql`.
fn sibling(path: &Path, from: &str, to: &str) -> PathBuf {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = file_name.strip_suffix(from).unwrap_or(&file_name);
    path.with_file_name(format!("{stem}{to}"))
}
