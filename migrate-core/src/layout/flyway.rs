//! Flyway and refinery: `V<version>__<description>.sql` versioned migrations, `U<version>__…`
//! undo scripts, `R__<description>.sql` repeatable migrations, `B<version>__…` baselines.
//!
//! - Versions may have several parts, separated by `.` or `_` (`V1_12_10` after `V1_12_9`);
//!   files are found in subfolders too (<https://documentation.red-gate.com/fd/migrations-184127470.html>).
//! - A `V…sql.conf` file beside a script with `executeInTransaction=false` runs it outside a
//!   transaction (Flyway's script configuration).
//! - `U<version>` is the undo script of `V<version>` (Flyway Teams). In a folder where no `U`
//!   has its `V`, `U` files are refinery's unversioned migrations instead (refinery:
//!   `refinery_core/src/util.rs`, `Type::Unversioned`).
//! - Repeatable migrations are read and checked; the runtime applies them after the versioned
//!   ones.
//! - Baselines (`B…`) are not read: the versioned migrations build the same schema.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::checksum::Checksum;
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::migration::{Layout, Migration, RepeatableMigration, TransactionMode};
use crate::name::{ParsedName, Prefix};
use crate::rules::Level;
use crate::version::Version;

use super::{Finish, Identity, Loader};

impl Loader<'_> {
    /// The `V`, `U`, `R` and `B` files of a folder.
    pub(crate) fn flyway_migrations(
        &mut self,
        files: Vec<(PathBuf, ParsedName)>,
    ) -> (Vec<Migration>, Vec<RepeatableMigration>) {
        let mut migrations = Vec::new();
        let mut repeatable = Vec::new();
        let mut undo: BTreeMap<Version, (PathBuf, ParsedName)> = BTreeMap::new();
        let mut versioned: Vec<(PathBuf, ParsedName)> = Vec::new();
        for (path, name) in files {
            match (name.prefix, name.version.clone()) {
                (Prefix::Repeatable, _) => repeatable.extend(self.repeatable_migration(path, name)),
                (Prefix::Baseline, _) => self.diag(
                    DiagnosticKind::IgnoredFile {
                        reason: "a Flyway baseline script is not read; the versioned migrations build the same schema".to_owned(),
                    },
                    Level::Warn,
                    &path,
                ),
                (Prefix::Undo, Some(version)) => {
                    undo.insert(version, (path, name));
                }
                (_, Some(_)) => versioned.push((path, name)),
                (_, None) => {}
            }
        }
        // `U` files undo the `V` of the same version (Flyway). In a folder where no `U` pairs
        // with a `V`, they are refinery's unversioned migrations instead.
        let flyway_undo = versioned
            .iter()
            .any(|(_, n)| n.version.as_ref().is_some_and(|v| undo.contains_key(v)));
        for (path, name) in versioned {
            let undo_file = name.version.as_ref().and_then(|v| undo.remove(v));
            migrations.extend(self.flyway_migration(path, name, undo_file));
        }
        for (_, (path, name)) in undo {
            if flyway_undo {
                let expected =
                    path.with_file_name(format!("V{}__{}.sql", name.version_text, name.name));
                let level = self.rule_level("missing-pair");
                self.diag(DiagnosticKind::MissingPair { expected }, level, &path);
            } else {
                migrations.extend(self.refinery_unversioned(path, name));
            }
        }
        repeatable.sort_by(|a, b| a.name.cmp(&b.name));
        (migrations, repeatable)
    }

    fn repeatable_migration(
        &mut self,
        path: PathBuf,
        name: ParsedName,
    ) -> Option<RepeatableMigration> {
        let mode = if self.flyway_conf_no_transaction(&path) {
            TransactionMode::NoTransaction
        } else {
            TransactionMode::Transaction
        };
        let up = self.whole(&path, mode)?;
        if self.is_blank(&up.sql) {
            let level = self.rule_level("empty-migration");
            let mut d = Diagnostic::new(DiagnosticKind::EmptyMigration, level, &path);
            d.position = Some(up.start);
            self.diag_push(d);
        }
        Some(RepeatableMigration {
            name: name.name,
            checksum: Checksum::of(&up.sql),
            up,
            path,
        })
    }

    fn flyway_migration(
        &mut self,
        path: PathBuf,
        name: ParsedName,
        undo_file: Option<(PathBuf, ParsedName)>,
    ) -> Option<Migration> {
        let up_mode = self.flyway_mode(&path);
        let up = self.whole(&path, up_mode)?;
        let down = undo_file.and_then(|(undo_path, _)| {
            let mode = self.flyway_mode(&undo_path);
            self.whole(&undo_path, mode)
        });
        let id = Identity::of(name, Layout::Flyway, path)?;
        self.finish(id, up, down, Finish::default())
    }

    fn flyway_mode(&mut self, script: &Path) -> TransactionMode {
        if self.flyway_conf_no_transaction(script) {
            TransactionMode::NoTransaction
        } else {
            TransactionMode::Transaction
        }
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
        let up = self.whole(&path, TransactionMode::Transaction)?;
        let id = Identity::of(name, Layout::RefineryUnversioned, path)?;
        self.finish(id, up, None, Finish::default())
    }
}

/// Flyway's next version: the newest version with its last part one higher, in the folder's
/// own spelling (`1_12_10` → `1_12_11`, `3` → `4`).
pub(crate) fn next_version(existing: &[String]) -> String {
    let newest = existing.iter().max_by_key(|v| {
        v.split(['.', '_'])
            .map(|p| p.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    let Some(newest) = newest else {
        return "1".to_owned();
    };
    let cut = newest.rfind(['.', '_']).map_or(0, |i| i + 1);
    let (head, last) = newest.split_at(cut);
    let next = last.parse::<u64>().map_or(1, |n| n + 1);
    format!("{head}{next:0width$}", width = last.len())
}

/// `V<version>__<name>.sql`; its `U` undo script where the folder keeps them; a `.sql.conf` to
/// run outside a transaction.
pub(crate) fn new_files(
    set: &crate::MigrationSet,
    version: &str,
    m: &super::NewMigration<'_>,
) -> Vec<(PathBuf, String)> {
    let script = format!("V{version}__{}.sql", m.name);
    let mut files = vec![(PathBuf::from(&script), m.up.to_owned())];
    if m.no_transaction {
        files.push((
            PathBuf::from(format!("{script}.conf")),
            "executeInTransaction=false\n".to_owned(),
        ));
    }
    let keeps_undo = set
        .migrations
        .iter()
        .any(|x| x.layout == Layout::Flyway && x.down.is_some());
    if let (Some(down), true) = (m.down, keeps_undo) {
        files.push((
            PathBuf::from(format!("U{version}__{}.sql", m.name)),
            down.to_owned(),
        ));
    }
    files
}
