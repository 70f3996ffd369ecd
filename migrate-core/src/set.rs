//! [`MigrationSet`]: a migration folder read in any supported layout (the reading itself, one
//! file per layout, is in `crate::layout`).

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diagnostic::{Diagnostic, LoadError};
use crate::migration::{Migration, RepeatableMigration};
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
        let (migrations, repeatable, mut diagnostics) = crate::layout::load(dir, config);
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
