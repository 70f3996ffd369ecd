//! Reading a migration folder. This file holds what every layout shares: the scan of the
//! folder, reading files, and the checks every migration gets. Each tool's own rules are in a
//! file of their own, next to this one, with the tool's source or documentation cited:
//!
//! | file | layout |
//! |---|---|
//! | [`native`] | cargo-migrate's and dbmate's `-- migrate:up` files, sqlx's simple files |
//! | [`sqlx`] | sqlx's reversible `.up.sql` / `.down.sql` pairs (and authelia's `V…` pairs) |
//! | [`golang_migrate`] | golang-migrate's `.up.sql` / `.down.sql`, paired by version alone |
//! | [`diesel`] | diesel's `<version>_<name>/up.sql` folders |
//! | [`prisma`] | Prisma Migrate's `<version>_<name>/migration.sql` folders |
//! | [`flyway`] | Flyway's and refinery's `V`/`U`/`R` files |
//!
//! A new layout is one more file: its naming rules, how it pairs and runs a migration, and how
//! `cargo migrate new` names the next one.

pub(crate) mod diesel;
pub(crate) mod flyway;
pub(crate) mod golang_migrate;
pub(crate) mod native;
pub(crate) mod prisma;
pub(crate) mod sqlx;

use std::path::{Path, PathBuf};

use crate::Dialect;
use crate::checksum::Checksum;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::migration::{Layout, Migration, RepeatableMigration, Section, TransactionMode};
use crate::name::{NameOutcome, ParsedName, Prefix, Suffix, parse_name};
use crate::position::Position;
use crate::rules::Level;
use crate::sections::{self, FileShape, Part};
use crate::split;
use crate::version::Version;

/// A migration source found while scanning, before its files are read.
#[derive(Debug)]
pub(crate) enum Found {
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
pub(crate) enum FolderKind {
    Diesel,
    Prisma,
}

/// What a migration is made of before its checks: the version, the names and where it lives.
pub(crate) struct Identity {
    pub(crate) version: Version,
    pub(crate) version_text: String,
    pub(crate) name: String,
    pub(crate) layout: Layout,
    pub(crate) path: PathBuf,
}

impl Identity {
    pub(crate) fn of(name: ParsedName, layout: Layout, path: PathBuf) -> Option<Identity> {
        Some(Identity {
            version: name.version?,
            version_text: name.version_text,
            name: name.name,
            layout,
            path,
        })
    }
}

/// How [`Loader::finish`] judges a migration's empty directions.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Finish {
    /// The up file is missing and runs as nothing (golang-migrate).
    pub(crate) up_missing: bool,
    /// An empty down runs as nothing instead of making the migration irreversible.
    pub(crate) empty_down_runs: bool,
}

pub(crate) struct Loader<'a> {
    pub(crate) config: &'a Config,
    pub(crate) dialect: Dialect,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Migration files found in subfolders, where only Flyway and refinery look: reported once
    /// the folder's layout is known.
    subfolder_files: Vec<PathBuf>,
    /// `.sql` files named like no migration, and how many files were read as migrations.
    unnamed: Vec<PathBuf>,
}

/// Files in a migration folder that are never migrations and never worth a warning.
fn quietly_ignored(file_name: &str, top: bool) -> bool {
    file_name.starts_with('.')
        || (top && file_name == "schema.sql")
        || file_name.ends_with(".toml")
        || file_name.ends_with(".md")
        || file_name.ends_with(".sql.conf")
}

/// Reads the folder `dir`: every migration, the repeatable ones, and every problem.
pub(crate) fn load(
    dir: &Path,
    config: &Config,
) -> (Vec<Migration>, Vec<RepeatableMigration>, Vec<Diagnostic>) {
    let mut loader = Loader {
        config,
        dialect: config.dialect.unwrap_or(Dialect::Postgres),
        diagnostics: Vec::new(),
        subfolder_files: Vec::new(),
        unnamed: Vec::new(),
    };
    let found = loader.scan(dir);
    let (migrations, repeatable) = loader.build(dir, found);
    (migrations, repeatable, loader.diagnostics)
}

impl Loader<'_> {
    pub(crate) fn diag(&mut self, kind: DiagnosticKind, level: Level, path: &Path) {
        if level != Level::Allow {
            self.diagnostics.push(Diagnostic::new(kind, level, path));
        }
    }

    pub(crate) fn diag_at(
        &mut self,
        kind: DiagnosticKind,
        level: Level,
        path: &Path,
        text: &str,
        at: usize,
    ) {
        if level != Level::Allow {
            self.diagnostics
                .push(Diagnostic::new(kind, level, path).at(text, at));
        }
    }

    pub(crate) fn diag_push(&mut self, d: Diagnostic) {
        if d.level != Level::Allow {
            self.diagnostics.push(d);
        }
    }

    pub(crate) fn rule_level(&self, rule: &str) -> Level {
        self.config.lint.level(rule)
    }

    /// Sorted entries of a folder, or a diagnostic.
    pub(crate) fn entries(&mut self, dir: &Path) -> Vec<(String, PathBuf, bool)> {
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
                NameOutcome::Migration(_) => self.subfolder_files.push(path),
                NameOutcome::Malformed(reason) => {
                    self.diag(DiagnosticKind::BadName { reason }, Level::Deny, &path);
                }
                NameOutcome::NotMigration => self.unnamed.push(path),
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
            NameOutcome::Migration(name)
                if name.prefix == Prefix::None && name.suffix == Suffix::Plain =>
            {
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
    pub(crate) fn read_text(&mut self, path: &Path) -> Option<String> {
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
    pub(crate) fn read_parts(
        &mut self,
        path: &Path,
        shape: FileShape,
    ) -> Option<(String, sections::Parts)> {
        let text = self.read_text(path)?;
        let parts = sections::parse(&text, shape);
        for (kind, at) in &parts.problems {
            let level = self.rule_level(kind.code());
            self.diag_at(kind.clone(), level, path, &text, *at);
        }
        Some((text, parts))
    }

    pub(crate) fn section(
        &self,
        text: &str,
        part: Part,
        path: &Path,
        mode: TransactionMode,
    ) -> Section {
        Section {
            sql: text[part.range.clone()].to_owned(),
            path: path.to_owned(),
            start: Position::of_offset(text, part.range.start),
            transaction: mode,
            allows: part.allows,
        }
    }

    pub(crate) fn is_blank(&self, sql: &str) -> bool {
        split::split(sql, self.dialect).sql().next().is_none()
    }

    /// A file that runs its own `BEGIN`/`COMMIT`.
    pub(crate) fn manages_own_transaction(&self, sql: &str) -> bool {
        split::split(sql, self.dialect)
            .sql()
            .any(|s| split::is_transaction_control(s.text(sql)))
    }

    /// Reads a whole file as one direction, in `mode` unless the file's own directive
    /// (`-- no-transaction`) takes it out of a transaction.
    pub(crate) fn whole(&mut self, path: &Path, mode: TransactionMode) -> Option<Section> {
        let (text, parts) = self.read_parts(path, FileShape::Whole)?;
        let mode = if parts.up.transaction == Some(false) && mode == TransactionMode::Transaction {
            TransactionMode::NoTransaction
        } else {
            mode
        };
        Some(self.section(&text, parts.up, path, mode))
    }

    /// A direction with nothing to run: golang-migrate's missing file, which it runs as an
    /// empty migration.
    pub(crate) fn nothing(&self, path: &Path, mode: TransactionMode) -> Section {
        Section {
            sql: String::new(),
            path: path.to_owned(),
            start: Position::START,
            transaction: mode,
            allows: Vec::new(),
        }
    }

    /// The checks every migration gets, and its checksum. An up with no statement is recorded
    /// like any other, with `empty-migration` (a warning by default: every tool read here runs
    /// and records one), unless `rules.up_missing` (golang-migrate's missing up file, reported
    /// as `missing-pair`). A down with no statement makes the migration irreversible, unless
    /// `rules.empty_down_runs` (golang-migrate runs a missing down as an empty migration).
    pub(crate) fn finish(
        &mut self,
        id: Identity,
        up: Section,
        down: Option<Section>,
        rules: Finish,
    ) -> Option<Migration> {
        if !rules.up_missing && self.is_blank(&up.sql) {
            let level = self.rule_level("empty-migration");
            let mut d = Diagnostic::new(DiagnosticKind::EmptyMigration, level, &up.path);
            d.position = Some(up.start);
            self.diag_push(d);
            if level == Level::Deny {
                return None;
            }
        }
        let down = down.filter(|d| rules.empty_down_runs || !self.is_blank(&d.sql));
        Some(Migration {
            checksum: Checksum::of(&up.sql),
            version: id.version,
            version_text: id.version_text,
            name: id.name,
            layout: id.layout,
            up,
            down,
            path: id.path,
        })
    }

    fn build(
        &mut self,
        dir: &Path,
        found: Vec<Found>,
    ) -> (Vec<Migration>, Vec<RepeatableMigration>) {
        let mut migrations = Vec::new();
        let mut pairs = Vec::new();
        let mut flyway_files = Vec::new();
        for item in found {
            match item {
                Found::Folder { path, name, kind } => {
                    let m = match kind {
                        FolderKind::Diesel => self.diesel_migration(path, name),
                        FolderKind::Prisma => self.prisma_migration(path, name),
                    };
                    migrations.extend(m);
                }
                Found::File { path, name } => match (name.prefix, name.suffix) {
                    (Prefix::None, Suffix::Up | Suffix::Down) => pairs.push((path, name)),
                    (Prefix::None, Suffix::Plain) => {
                        migrations.extend(self.file_migration(path, name))
                    }
                    // `V…`, `U…`, `R…`, `B…`: Flyway and refinery (and authelia's
                    // `V0001.Name.up.sql` pairs, read as sqlx pairs).
                    (Prefix::Versioned, Suffix::Up | Suffix::Down) => pairs.push((path, name)),
                    _ => flyway_files.push((path, name)),
                },
            }
        }
        // golang-migrate reads only its own pairs; a folder with other migrations is not its.
        let only_pairs = migrations.is_empty() && flyway_files.is_empty();
        let golang = golang_migrate::is_golang_migrate(self.config, &pairs, only_pairs);
        if golang {
            migrations.extend(self.golang_migrate_migrations(pairs));
        } else {
            migrations.extend(self.sqlx_pair_migrations(pairs));
        }
        let (flyway, repeatable) = self.flyway_migrations(flyway_files);
        migrations.extend(flyway);

        for path in std::mem::take(&mut self.subfolder_files) {
            if golang {
                // golang-migrate reads no subfolder.
                self.diag(
                    DiagnosticKind::IgnoredFile {
                        reason: "golang-migrate reads no subfolder, so this file is not read"
                            .to_owned(),
                    },
                    Level::Warn,
                    &path,
                );
            } else {
                self.diag(
                    DiagnosticKind::Misplaced {
                        reason: "a migration in a subfolder is not read; only Flyway and refinery (`V<version>__<name>.sql`) read subfolders, so move it into the migration folder".to_owned(),
                    },
                    Level::Deny,
                    &path,
                );
            }
        }
        let unnamed = std::mem::take(&mut self.unnamed);
        let nothing_read = migrations.is_empty()
            && repeatable.is_empty()
            && !self.diagnostics.iter().any(Diagnostic::is_error);
        match unnamed.first() {
            // A folder whose `.sql` files fit no layout: one error, not one per file.
            Some(first) if nothing_read => self.diag(
                DiagnosticKind::UnknownLayout {
                    first: first.clone(),
                    files: unnamed.len(),
                },
                Level::Deny,
                dir,
            ),
            _ => {
                for path in unnamed {
                    self.diag(
                        DiagnosticKind::IgnoredFile {
                            reason:
                                "this `.sql` file is not named like a migration, so it is not read"
                                    .to_owned(),
                        },
                        Level::Warn,
                        &path,
                    );
                }
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
        (migrations, repeatable)
    }
}

/// `dir/1_a.up.sql` → `dir/1_a.down.sql`.
pub(crate) fn sibling(path: &Path, from: &str, to: &str) -> PathBuf {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = file_name.strip_suffix(from).unwrap_or(&file_name);
    path.with_file_name(format!("{stem}{to}"))
}

/// A folder's layout, as `cargo migrate new` writes the next migration in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderLayout {
    /// `<version>_<name>.sql` with `-- migrate:up` / `-- migrate:down` (cargo-migrate, dbmate).
    Native,
    /// `<version>_<name>.sql`, all up (sqlx simple).
    SqlxSimple,
    /// `<version>_<name>.up.sql` and `.down.sql` (sqlx reversible).
    SqlxReversible,
    /// `<version>_<name>.up.sql` and `.down.sql` (golang-migrate).
    GolangMigrate,
    /// `<version>_<name>/up.sql` and `down.sql`.
    Diesel,
    /// `<version>_<name>/migration.sql`.
    Prisma,
    /// `V<version>__<name>.sql`.
    Flyway,
}

/// The migration `cargo migrate new` writes: its name (a slug), its SQL, and whether it runs
/// outside a transaction.
#[derive(Debug, Clone, Copy)]
pub struct NewMigration<'a> {
    pub name: &'a str,
    pub up: &'a str,
    /// `None`: no down (irreversible, or the layout keeps none).
    pub down: Option<&'a str>,
    pub no_transaction: bool,
}

impl FolderLayout {
    /// The layout of the folder's newest migration; `None` for a folder with none.
    pub fn of(set: &crate::MigrationSet) -> Option<FolderLayout> {
        let newest = set.migrations.last()?;
        Some(match newest.layout {
            Layout::File => {
                let marked = set.migrations.iter().any(|m| {
                    m.layout == Layout::File
                        && std::fs::read_to_string(&m.path).is_ok_and(|text| {
                            text.contains("-- migrate:up") || text.contains("--migrate:up")
                        })
                });
                if marked {
                    FolderLayout::Native
                } else {
                    FolderLayout::SqlxSimple
                }
            }
            Layout::Pair => FolderLayout::SqlxReversible,
            Layout::GolangMigrate => FolderLayout::GolangMigrate,
            Layout::Diesel => FolderLayout::Diesel,
            Layout::Prisma => FolderLayout::Prisma,
            Layout::Flyway | Layout::RefineryUnversioned => FolderLayout::Flyway,
        })
    }

    /// The next version in the folder's own numbering: timestamps (never colliding with an
    /// existing one) or a sequence that keeps the folder's width; diesel's dashed timestamps;
    /// Flyway's next number in the last part of the newest version.
    pub fn next_version(
        self,
        set: &crate::MigrationSet,
        versioning: crate::Versioning,
        now_secs: u64,
    ) -> String {
        let texts: Vec<String> = set
            .migrations
            .iter()
            .map(|m| m.version_text.clone())
            .collect();
        match self {
            FolderLayout::Flyway => flyway::next_version(&texts),
            FolderLayout::Diesel => diesel::next_version(&texts, now_secs),
            FolderLayout::Prisma => next_version(&texts, crate::Versioning::Timestamp, now_secs),
            _ => next_version(&texts, versioning, now_secs),
        }
    }

    /// The files of the new migration, relative paths under the folder, with their text.
    pub fn files(
        self,
        set: &crate::MigrationSet,
        version: &str,
        m: &NewMigration<'_>,
    ) -> Vec<(PathBuf, String)> {
        match self {
            FolderLayout::Native => native::new_files(version, m),
            FolderLayout::SqlxSimple => sqlx::new_simple_files(version, m),
            FolderLayout::SqlxReversible => sqlx::new_reversible_files(version, m),
            FolderLayout::GolangMigrate => golang_migrate::new_files(version, m),
            FolderLayout::Diesel => diesel::new_files(version, m),
            FolderLayout::Prisma => prisma::new_files(set, version, m),
            FolderLayout::Flyway => flyway::new_files(set, version, m),
        }
    }
}

/// `YYYYMMDDHHMMSS` in UTC for a Unix time: the version `new` writes, and the time in a
/// backup's name.
pub fn utc_timestamp(secs: u64) -> u64 {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    year as u64 * 10_000_000_000
        + month as u64 * 100_000_000
        + day as u64 * 1_000_000
        + h * 10_000
        + m * 100
        + s
}

/// The next version: timestamps never collide (two calls in one second get consecutive
/// numbers); sequential numbers keep the folder's width.
pub fn next_version(existing: &[String], scheme: crate::Versioning, now_secs: u64) -> String {
    let numbers: Vec<u64> = existing
        .iter()
        .filter_map(|v| v.replace('-', "").parse().ok())
        .collect();
    let max = numbers.iter().copied().max();
    match scheme {
        crate::Versioning::Timestamp => {
            let now = utc_timestamp(now_secs);
            let next = match max {
                Some(m) if m >= now && m >= 10_000_000_000_000 => m + 1,
                _ => now,
            };
            next.to_string()
        }
        crate::Versioning::Sequential => {
            let width = existing
                .iter()
                .filter(|v| v.len() < 14)
                .map(String::len)
                .max()
                .unwrap_or(4);
            format!("{:0width$}", max.map_or(1, |m| m + 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Versioning;

    #[test]
    fn timestamps_are_utc_and_never_collide() {
        // 2024-02-29 23:59:59 UTC
        assert_eq!(utc_timestamp(1_709_251_199), 20_240_229_235_959);
        let now = 1_709_251_199;
        let first = next_version(&[], Versioning::Timestamp, now);
        let second = next_version(std::slice::from_ref(&first), Versioning::Timestamp, now);
        assert_eq!(first, "20240229235959");
        assert_eq!(second, "20240229235960");
    }

    #[test]
    fn sequential_keeps_the_width() {
        assert_eq!(
            next_version(&["018".into(), "017".into()], Versioning::Sequential, 0),
            "019"
        );
        assert_eq!(
            next_version(&["0001".into()], Versioning::Sequential, 0),
            "0002"
        );
        assert_eq!(next_version(&[], Versioning::Sequential, 0), "0001");
    }

    #[test]
    fn diesel_and_flyway_number_the_next_one_their_way() {
        let now = 1_709_251_199; // 2024-02-29 23:59:59 UTC
        assert_eq!(
            diesel::next_version(&["2024-01-01-000000".into()], now),
            "2024-02-29-235959"
        );
        assert_eq!(
            diesel::next_version(&["20140924113530".into()], now),
            "20240229235959"
        );
        assert_eq!(
            flyway::next_version(&["1_12_9".into(), "1_12_10".into()]),
            "1_12_11"
        );
        assert_eq!(flyway::next_version(&["1.2".into()]), "1.3");
        assert_eq!(flyway::next_version(&["3".into()]), "4");
        assert_eq!(flyway::next_version(&["0009".into()]), "0010");
        assert_eq!(flyway::next_version(&[]), "1");
    }
}
