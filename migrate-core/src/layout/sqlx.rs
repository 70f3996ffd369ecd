//! sqlx's reversible migrations: `<version>_<description>.up.sql` and `.down.sql`, and the same
//! with a `V` before the version (authelia's `V0001.Name.up.sql`).
//!
//! - sqlx reads each file as one migration of its direction, keyed by version
//!   (`sqlx-core/src/migrate/source.rs`, `resolve_blocking`); the up runs in a transaction
//!   unless its first line is `-- no-transaction` (`sqlx-core/src/migrate/migration.rs`).
//! - A file that runs its own `BEGIN`/`COMMIT` is sent as one script, with the history row
//!   written `dirty` first (`TransactionMode::Script`), so its own transaction stands.
//! - A missing `.down.sql` makes the migration irreversible (`missing-pair`, a warning by
//!   default); a lone `.down.sql` is not read (`missing-pair`).
//!
//! A folder whose pairs follow golang-migrate's rules (a version with one direction only, or
//! two names for one version) is read by [`super::golang_migrate`] instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::DiagnosticKind;
use crate::migration::{Layout, Migration, TransactionMode};
use crate::name::{ParsedName, Suffix};
use crate::rules::Level;
use crate::version::Version;

use super::{Finish, Identity, Loader, sibling};

impl Loader<'_> {
    pub(crate) fn sqlx_pair_migrations(
        &mut self,
        files: Vec<(PathBuf, ParsedName)>,
    ) -> Vec<Migration> {
        // By folder, version and name, as the two files of a pair share them.
        type Key = (PathBuf, Version, String);
        let mut pairs: BTreeMap<Key, [Option<(PathBuf, ParsedName)>; 2]> = BTreeMap::new();
        for (path, name) in files {
            let Some(version) = name.version.clone() else {
                continue;
            };
            let slot = usize::from(name.suffix == Suffix::Down);
            let folder = path.parent().map(Path::to_owned).unwrap_or_default();
            let key = (folder, version, name.name.clone());
            pairs.entry(key).or_default()[slot] = Some((path, name));
        }
        let mut out = Vec::new();
        for (_, [up, down]) in pairs {
            out.extend(self.sqlx_pair(up, down));
        }
        out
    }

    fn sqlx_pair_mode(&self, path: &Path) -> TransactionMode {
        let own =
            std::fs::read_to_string(path).is_ok_and(|text| self.manages_own_transaction(&text));
        if own {
            TransactionMode::Script
        } else {
            TransactionMode::Transaction
        }
    }

    fn sqlx_pair(
        &mut self,
        up: Option<(PathBuf, ParsedName)>,
        down: Option<(PathBuf, ParsedName)>,
    ) -> Option<Migration> {
        let level = self.rule_level("missing-pair");
        match (up, down) {
            (Some((up_path, name)), down) => {
                let down_section = match down {
                    Some((down_path, _)) => {
                        let mode = self.sqlx_pair_mode(&down_path);
                        self.whole(&down_path, mode)
                    }
                    None => {
                        let expected = sibling(&up_path, ".up.sql", ".down.sql");
                        self.diag(DiagnosticKind::MissingPair { expected }, level, &up_path);
                        if level == Level::Deny {
                            return None;
                        }
                        None
                    }
                };
                let mode = self.sqlx_pair_mode(&up_path);
                let up = self.whole(&up_path, mode)?;
                let id = Identity::of(name, Layout::Pair, up_path)?;
                self.finish(id, up, down_section, Finish::default())
            }
            (None, Some((down_path, _))) => {
                let expected = sibling(&down_path, ".down.sql", ".up.sql");
                self.diag(DiagnosticKind::MissingPair { expected }, level, &down_path);
                None
            }
            (None, None) => None,
        }
    }
}

fn header(m: &super::NewMigration<'_>) -> &'static str {
    if m.no_transaction {
        "-- no-transaction\n"
    } else {
        ""
    }
}

/// sqlx's simple migration: `<version>_<name>.sql`, all up (it keeps no down).
pub(crate) fn new_simple_files(
    version: &str,
    m: &super::NewMigration<'_>,
) -> Vec<(PathBuf, String)> {
    vec![(
        PathBuf::from(format!("{version}_{}.sql", m.name)),
        format!("{}{}", header(m), m.up),
    )]
}

/// sqlx's reversible migration: `.up.sql` and `.down.sql`.
pub(crate) fn new_reversible_files(
    version: &str,
    m: &super::NewMigration<'_>,
) -> Vec<(PathBuf, String)> {
    let mut files = vec![(
        PathBuf::from(format!("{version}_{}.up.sql", m.name)),
        format!("{}{}", header(m), m.up),
    )];
    if let Some(down) = m.down {
        files.push((
            PathBuf::from(format!("{version}_{}.down.sql", m.name)),
            format!("{}{down}", header(m)),
        ));
    }
    files
}
