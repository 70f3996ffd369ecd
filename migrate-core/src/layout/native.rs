//! cargo-migrate's own layout, dbmate's, and sqlx's simple files: one `<version>_<name>.sql`
//! file per migration.
//!
//! - dbmate: `-- migrate:up` and `-- migrate:down` lines split the file; `transaction:false` on
//!   the line runs that direction outside a transaction
//!   (<https://github.com/amacneil/dbmate#creating-migrations>, `pkg/dbmate/migration.go`).
//! - sqlx: a simple migration is the whole file, up only; `-- no-transaction` as its first line
//!   runs it outside a transaction (`sqlx-core/src/migrate/migration.rs`,
//!   <https://docs.rs/sqlx/latest/sqlx/migrate/struct.Migrator.html>).
//! - A file with no marker is all up, so sqlx's simple files read as they are.

use std::path::PathBuf;

use crate::migration::{Layout, Migration, TransactionMode};
use crate::name::ParsedName;
use crate::sections::FileShape;

use super::{Finish, Identity, Loader};

impl Loader<'_> {
    pub(crate) fn file_migration(&mut self, path: PathBuf, name: ParsedName) -> Option<Migration> {
        let (text, parts) = self.read_parts(&path, FileShape::Sections)?;
        let mode = |transaction: Option<bool>| match transaction {
            Some(false) => TransactionMode::NoTransaction,
            _ => TransactionMode::Transaction,
        };
        let up_mode = mode(parts.up.transaction);
        let up = self.section(&text, parts.up, &path, up_mode);
        let down = parts.down.map(|part| {
            let mode = mode(part.transaction);
            self.section(&text, part, &path, mode)
        });
        let id = Identity::of(name, Layout::File, path)?;
        self.finish(id, up, down, Finish::default())
    }
}

/// `<version>_<name>.sql` with both sections; `transaction:false` on the markers when needed.
pub(crate) fn new_files(version: &str, m: &super::NewMigration<'_>) -> Vec<(PathBuf, String)> {
    let directive = if m.no_transaction {
        " transaction:false"
    } else {
        ""
    };
    let mut text = format!("-- migrate:up{directive}\n{}", m.up);
    if let Some(down) = m.down {
        text.push_str(&format!("\n-- migrate:down{directive}\n{down}"));
    }
    vec![(PathBuf::from(format!("{version}_{}.sql", m.name)), text)]
}
