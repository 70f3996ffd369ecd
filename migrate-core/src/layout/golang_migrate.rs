//! golang-migrate: `<version>_<title>.up.<ext>` and `.down.<ext>` (`.sql` here).
//!
//! Its rules, from its source (github.com/golang-migrate/migrate):
//!
//! - File names match `^([0-9]+)_(.*)\.(down|up)\.(.*)$` (`source/parse.go`); the title is only
//!   for people.
//! - Up and down pair by version alone: migrations are kept as
//!   `map[version]map[direction]` (`source/migration.go`), so the two titles may differ.
//! - A second file with the same version and direction is refused (`Migrations.Append`,
//!   "duplicate migration file"): here `duplicate-version`.
//! - A version may have only an up or only a down: `newMigration` (`migrate.go`) creates an
//!   "empty" migration when the file for that direction is missing, which sets the version and
//!   runs nothing. Here a missing down reverts as nothing and a missing up applies as nothing,
//!   each with a `missing-pair` warning that says so.
//! - The reader is not recursive and skips names that do not parse (`source/iofs/iofs.go`):
//!   here subfolders and other files are reported as ignored, never as errors.
//! - Each file runs as it is, with no transaction of the tool's own around it: the postgres
//!   and mysql drivers send the file in one `Exec` (`database/postgres/postgres.go`,
//!   `database/mysql/mysql.go`). Here each file is sent as one script, its history row written
//!   `dirty` first (`TransactionMode::Script`), as golang-migrate sets its dirty flag first.
//!
//! Which folders: sqlx's reversible files are named the same way, so a folder of nothing but
//! `.up.sql`/`.down.sql` files is read by these rules when it shows what only golang-migrate
//! allows (a version with one direction only, or two titles for one version), or when the
//! config says `layout = "golang-migrate"` (`layout = "sqlx"` says the opposite).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::Config;
use crate::diagnostic::DiagnosticKind;
use crate::migration::{Layout, Migration, TransactionMode};
use crate::name::{ParsedName, Prefix, Suffix};
use crate::rules::Level;
use crate::version::Version;

use super::{Finish, Identity, Loader, sibling};

/// Whether a folder's pair files follow golang-migrate's rules rather than sqlx's. `only_pairs`:
/// the folder holds no other kind of migration.
pub(crate) fn is_golang_migrate(
    config: &Config,
    files: &[(PathBuf, ParsedName)],
    only_pairs: bool,
) -> bool {
    if let Some(layout) = &config.layout {
        return layout == "golang-migrate";
    }
    if !only_pairs {
        return false;
    }
    let mut by_version: BTreeMap<&Version, [Vec<&str>; 2]> = BTreeMap::new();
    for (_, name) in files {
        if name.prefix != Prefix::None {
            return false;
        }
        if let Some(v) = &name.version {
            by_version.entry(v).or_default()[usize::from(name.suffix == Suffix::Down)]
                .push(&name.name);
        }
    }
    by_version.values().any(|[up, down]| {
        up.is_empty() || down.is_empty() || up.iter().any(|u| down.iter().any(|d| u != d))
    })
}

impl Loader<'_> {
    pub(crate) fn golang_migrate_migrations(
        &mut self,
        files: Vec<(PathBuf, ParsedName)>,
    ) -> Vec<Migration> {
        let mut by_version: BTreeMap<Version, [Vec<(PathBuf, ParsedName)>; 2]> = BTreeMap::new();
        for (path, name) in files {
            let Some(version) = name.version.clone() else {
                continue;
            };
            by_version.entry(version).or_default()[usize::from(name.suffix == Suffix::Down)]
                .push((path, name));
        }
        let mut out = Vec::new();
        for (version, [mut ups, mut downs]) in by_version {
            // Two files for one version and direction: golang-migrate refuses the folder.
            for extra in ups.iter().skip(1).chain(downs.iter().skip(1)) {
                let kind = DiagnosticKind::DuplicateVersion {
                    version: version.clone(),
                    other: ups
                        .first()
                        .or(downs.first())
                        .map(|f| f.0.clone())
                        .unwrap_or_default(),
                };
                self.diag(kind, Level::Deny, &extra.0);
            }
            let (up, down) = (ups.drain(..).next(), downs.drain(..).next());
            out.extend(self.golang_migrate_version(up, down));
        }
        out
    }

    fn golang_migrate_version(
        &mut self,
        up: Option<(PathBuf, ParsedName)>,
        down: Option<(PathBuf, ParsedName)>,
    ) -> Option<Migration> {
        let level = self.rule_level("missing-pair");
        let mode = TransactionMode::Script;
        let (up_section, id, up_missing) = match (&up, &down) {
            (Some((path, name)), _) => {
                let section = self.whole(path, mode)?;
                let id = Identity::of(name.clone(), Layout::GolangMigrate, path.clone())?;
                (section, id, false)
            }
            (None, Some((path, name))) => {
                let expected = sibling(path, ".down.sql", ".up.sql");
                self.diag(
                    DiagnosticKind::MissingDirection {
                        expected: expected.clone(),
                        direction: "up",
                    },
                    level,
                    path,
                );
                if level == Level::Deny {
                    return None;
                }
                let id = Identity::of(name.clone(), Layout::GolangMigrate, path.clone())?;
                (self.nothing(&expected, mode), id, true)
            }
            (None, None) => return None,
        };
        let down_section = match down {
            Some((path, _)) => Some(self.whole(&path, mode)?),
            None => {
                let expected = sibling(&id.path, ".up.sql", ".down.sql");
                self.diag(
                    DiagnosticKind::MissingDirection {
                        expected: expected.clone(),
                        direction: "down",
                    },
                    level,
                    &id.path,
                );
                if level == Level::Deny {
                    return None;
                }
                Some(self.nothing(&expected, mode))
            }
        };
        self.finish(
            id,
            up_section,
            down_section,
            Finish {
                up_missing,
                empty_down_runs: true,
            },
        )
    }
}

/// golang-migrate's pair, as `migrate create -ext sql` names it; it runs each file as it is, so
/// no transaction directive is needed.
pub(crate) fn new_files(version: &str, m: &super::NewMigration<'_>) -> Vec<(PathBuf, String)> {
    vec![
        (
            PathBuf::from(format!("{version}_{}.up.sql", m.name)),
            m.up.to_owned(),
        ),
        (
            PathBuf::from(format!("{version}_{}.down.sql", m.name)),
            m.down.unwrap_or_default().to_owned(),
        ),
    ]
}
