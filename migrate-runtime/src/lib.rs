//! Applies SQL migrations through sqlx when an application starts, on PostgreSQL,
//! MySQL/MariaDB and SQLite. The migrations are checked when the application compiles and
//! embedded in it by [`embed_migrations!`], so a malformed migration fails the build, not the
//! deploy.
//!
//! ```no_run
//! use migrate_runtime::{Migrator, embed_migrations};
//!
//! // The folder is `migrations/` by default, relative to the package; this example embeds the
//! // crate's own test folder.
//! static MIGRATOR: Migrator = embed_migrations!("tests/doc", dialect = "sqlite");
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let pool = sqlx::SqlitePool::connect("sqlite://app.db?mode=rwc").await?;
//! let report = MIGRATOR.run(&pool).await?; // applies what is pending, under a lock
//! for ran in &report.applied {
//!     println!("applied {} {} in {:?}", ran.version, ran.name, ran.duration);
//! }
//! for m in MIGRATOR.status(&pool).await? {
//!     println!("{} {} {:?}", m.version, m.name, m.state); // applied, pending, modified, …
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Set-up
//!
//! - Enable the backend you use: the `postgres`, `mysql` or `sqlite` feature.
//! - Say the dialect in `Cargo.toml`, so the macro checks the SQL as that database would:
//!   `[package.metadata.migrate] dialect = "postgres"` (or the macro's `dialect = "…"`).
//! - Add a `build.rs` with `println!("cargo:rerun-if-changed=migrations");` (or
//!   [`build::track`]), so that a new file in the folder triggers a rebuild.
//!
//! `cargo migrate init` (the `cargo-migrate` crate) does the last two and scaffolds migrations.
//!
//! # What a run guarantees
//!
//! - **Exactly once under concurrency.** Many replicas may call [`Migrator::run`] at once:
//!   a PostgreSQL advisory lock keyed by schema and table, MySQL `GET_LOCK`, or SQLite
//!   `BEGIN IMMEDIATE`, each with a timeout ([`DEFAULT_LOCK_TIMEOUT`], see
//!   [`Migrator::lock_timeout`]) and released on every path. The history is re-read under the
//!   lock, so each migration is applied once. On a Galera cluster, where `GET_LOCK` does not
//!   replicate, and behind a transaction pooler, the table lock ([`LockStrategy::Table`], see
//!   [`Migrator::lock_strategy`]) does the same with a leased row beside the history.
//! - **Cheap when there is nothing to do.** A run with nothing pending costs one query and
//!   takes no lock.
//! - **Whole or not at all.** Each migration and its history row commit together where the
//!   database allows it. Where it cannot (MySQL DDL, `transaction:false`), the row is written
//!   `dirty` first; a dirty row stops later runs with [`Error::Dirty`], which names the way out
//!   (`cargo migrate resolve`).
//! - **Errors that say what to do.** [`Error::Migration`] names the migration, the file and
//!   line of the failing statement, and the database's own message; an edited applied
//!   migration ([`Error::Modified`]), a missing one ([`Error::Missing`]) and a lost connection
//!   each say so and what to do next.
//!
//! # More
//!
//! - Revert: [`Migrator::revert_last`], [`Migrator::revert_to`], [`Migrator::revert_all`],
//!   from the down SQL kept in the history table, so a revert works after the file is gone.
//! - Adopt an existing database: [`Migrator::baseline`]; after a manual repair:
//!   [`Migrator::resolve_applied`], [`Migrator::resolve_rolled_back`], [`Migrator::repair`].
//! - Tenants: [`Migrator::in_schema`] applies into one PostgreSQL schema, with its own history
//!   table and lock, so tenants migrate in parallel.
//! - Observe: [`Hooks`] before and after each migration, `tracing` spans, and the [`Report`].

mod backend;
mod error;
mod explain;
mod history;
mod lock;
mod migration;
mod migrator;
mod schema;

pub use backend::{Backend, Direction};
pub use error::{DanglingReference, Error, FailedState, MigrationFailure};
pub use explain::PlanFinding;
pub use history::{HistoryRow, MigrationStatus, RowStatus, State};
pub use lock::{DEFAULT_LOCK_LEASE, LockStrategy};
pub use migrate_core::snapshot::{Change, ChangeKind, Diff, ObjectKey, Snapshot};
pub use migrate_core::{Level, TransactionMode, Version};
pub use migration::Migration;
#[cfg(feature = "adopt")]
pub use migrator::Adoption;
pub use migrator::{
    DEFAULT_LOCK_TIMEOUT, Hooks, Migrator, Plan, PlannedRevert, Ran, Repaired, Report, RevertTarget,
};
pub use schema::{Drift, Outcome, Scratch, Verification, Verified, VerifyOptions};

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
    pub use migrate_core::config::LockStrategy;
    pub use migrate_core::{Level, TransactionMode};
}
