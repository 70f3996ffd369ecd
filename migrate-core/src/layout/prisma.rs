//! Prisma Migrate: a `<timestamp>_<name>/` folder with `migration.sql` (and, where a team
//! keeps one, `down.sql`); `migration_lock.toml` at the top is not a migration
//! (<https://www.prisma.io/docs/orm/prisma-migrate/understanding-prisma-migrate/migration-histories>).
//! Prisma sends `migration.sql` as one script; here it runs in one transaction with its history
//! row.

use std::path::PathBuf;

use crate::migration::{Layout, Migration, TransactionMode};
use crate::name::ParsedName;

use super::{Finish, Identity, Loader};

impl Loader<'_> {
    pub(crate) fn prisma_migration(
        &mut self,
        path: PathBuf,
        name: ParsedName,
    ) -> Option<Migration> {
        let mode = TransactionMode::Transaction;
        let up = self.whole(&path.join("migration.sql"), mode)?;
        let down_path = path.join("down.sql");
        let down = if down_path.is_file() {
            self.whole(&down_path, mode)
        } else {
            None
        };
        let id = Identity::of(name, Layout::Prisma, path)?;
        self.finish(id, up, down, Finish::default())
    }
}

/// Prisma's folder: `migration.sql`, as `prisma migrate dev` writes it; and a `down.sql` (which
/// this tool reads and Prisma ignores) where the folder keeps them already.
pub(crate) fn new_files(
    set: &crate::MigrationSet,
    version: &str,
    m: &super::NewMigration<'_>,
) -> Vec<(PathBuf, String)> {
    let folder = PathBuf::from(format!("{version}_{}", m.name));
    let mut files = vec![(folder.join("migration.sql"), m.up.to_owned())];
    let keeps_downs = set
        .migrations
        .iter()
        .any(|x| x.layout == Layout::Prisma && x.down.is_some());
    if let (Some(down), true) = (m.down, keeps_downs) {
        files.push((folder.join("down.sql"), down.to_owned()));
    }
    files
}
