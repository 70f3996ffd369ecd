//! diesel: a `<version>_<name>/` folder with `up.sql` and `down.sql`, and an optional
//! `metadata.toml` whose `run_in_transaction = false` runs both outside a transaction
//! (diesel_migrations: `file_based_migrations.rs`, `migration_from_dir`; the `metadata.toml`
//! format in <https://docs.rs/diesel_migrations>). Versions are the folder name's leading
//! digits and dashes (`2024-10-25-112826`, or 14 digits in older folders).

use std::path::{Path, PathBuf};

use crate::diagnostic::DiagnosticKind;
use crate::migration::{Layout, Migration, TransactionMode};
use crate::name::ParsedName;
use crate::rules::Level;

use super::{Finish, Identity, Loader};

impl Loader<'_> {
    pub(crate) fn diesel_migration(
        &mut self,
        path: PathBuf,
        name: ParsedName,
    ) -> Option<Migration> {
        let mode = if self.diesel_no_transaction(&path) {
            TransactionMode::NoTransaction
        } else {
            TransactionMode::Transaction
        };
        let up = self.whole(&path.join("up.sql"), mode)?;
        let down_path = path.join("down.sql");
        let down = if down_path.is_file() {
            self.whole(&down_path, mode)
        } else {
            None
        };
        let id = Identity::of(name, Layout::Diesel, path)?;
        // diesel runs a `down.sql` that holds no statement (its template's comment alone) as
        // a revert that does nothing; only a missing one makes the migration irreversible.
        let rules = Finish {
            empty_down_runs: down.is_some(),
            ..Finish::default()
        };
        self.finish(id, up, down, rules)
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
}

/// diesel's next version: `YYYY-MM-DD-HHMMSS` as `diesel migration generate` writes it, or 14
/// digits where the folder's newest migration has them; after every existing one.
pub(crate) fn next_version(existing: &[String], now_secs: u64) -> String {
    let dashed = existing.last().is_none_or(|v| v.contains('-'));
    let plain = super::next_version(existing, crate::Versioning::Timestamp, now_secs);
    if !dashed || plain.len() != 14 {
        return plain;
    }
    format!(
        "{}-{}-{}-{}",
        &plain[..4],
        &plain[4..6],
        &plain[6..8],
        &plain[8..]
    )
}

/// diesel's folder: `up.sql`, `down.sql`, and `metadata.toml` to run outside a transaction.
pub(crate) fn new_files(version: &str, m: &super::NewMigration<'_>) -> Vec<(PathBuf, String)> {
    let folder = PathBuf::from(format!("{version}_{}", m.name));
    let mut files = vec![(folder.join("up.sql"), m.up.to_owned())];
    files.push((
        folder.join("down.sql"),
        m.down.unwrap_or_default().to_owned(),
    ));
    if m.no_transaction {
        files.push((
            folder.join("metadata.toml"),
            "run_in_transaction = false\n".to_owned(),
        ));
    }
    files
}
