//! Applies SQL migrations through sqlx when an application starts, on PostgreSQL,
//! MySQL/MariaDB and SQLite.
//!
//! ```ignore
//! static MIGRATOR: migrate_runtime::Migrator = migrate_runtime::embed_migrations!();
//!
//! let pool = sqlx::SqlitePool::connect("sqlite://app.db?mode=rwc").await?;
//! let report = MIGRATOR.run(&pool).await?;        // applies what is pending
//! let status = MIGRATOR.status(&pool).await?;     // applied / pending / modified / missing / dirty
//! ```
//!
//! - Each migration and its history row commit together where the database allows it; where
//!   it cannot (MySQL DDL, `transaction:false`), the row is written `dirty` first, and a dirty
//!   row stops later runs until `cargo migrate resolve`.
//! - Concurrent starts apply each migration once: a PostgreSQL advisory lock keyed by schema and
//!   table, MySQL `GET_LOCK`, SQLite `BEGIN IMMEDIATE` with a re-check. No lock is taken when
//!   nothing is pending, and that path costs one query.
//! - Enable the backend you use with the `postgres`, `mysql` or `sqlite` feature.

mod backend;
mod error;
mod history;
mod migration;
mod migrator;

pub use backend::{Backend, Direction};
pub use error::{Error, FailedState, MigrationFailure};
pub use history::{HistoryRow, MigrationStatus, RowStatus, State};
pub use migrate_core::{Level, TransactionMode, Version};
pub use migration::Migration;
pub use migrator::{
    DEFAULT_LOCK_TIMEOUT, Hooks, Migrator, Plan, PlannedRevert, Ran, Repaired, Report, RevertTarget,
};

/// Checks a migration folder at compile time and embeds it: see the crate docs.
pub use migrate_macros::embed_migrations;

/// For `build.rs`: rebuild when a file is added to or removed from the migration folder.
///
/// The one line it prints can also be written by hand, which keeps `build.rs` free of
/// dependencies; `cargo migrate init` writes that line:
///
/// ```text
/// // build.rs
/// fn main() {
///     println!("cargo:rerun-if-changed=migrations");
/// }
/// ```
pub mod build {
    use std::path::Path;

    /// Prints `cargo:rerun-if-changed=<dir>`, so a new migration file triggers a rebuild. Call
    /// it from `build.rs` with the folder `embed_migrations!` reads (relative to the package).
    pub fn track(dir: impl AsRef<Path>) {
        println!("cargo:rerun-if-changed={}", dir.as_ref().display());
    }
}

/// Paths the `embed_migrations!` macro expands to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::migration::{Migration, embedded};
    pub use crate::migrator::Migrator;
    pub use migrate_core::{Level, TransactionMode};
}
