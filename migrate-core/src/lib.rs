//! The shared core of cargo-migrate: everything about reading and checking SQL migration
//! folders, with no database and no proc-macro machinery.
//!
//! The `embed_migrations!` macro, the runtime and the `cargo migrate` subcommand all call this
//! crate, so they agree on every folder:
//!
//! ```no_run
//! use migrate_core::{Config, MigrationSet};
//!
//! let config = Config::from_manifest("Cargo.toml".as_ref())?;
//! let set = MigrationSet::load(&config.dir, &config)?;
//! for m in &set.migrations {
//!     println!("{} {} ({:?}, checksum {})", m.version, m.name, m.transaction(), m.checksum);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`MigrationSet::load`] reads every layout of the spec (single files with `-- migrate:up` /
//! `-- migrate:down` sections, sqlx and golang-migrate pairs, diesel and Prisma folders,
//! Flyway/refinery `V`/`U`/`R` files) and reports every problem at once with its file, line and
//! column. [`split::split`] cuts SQL into statements for a [`Dialect`].

#[cfg(feature = "adopt")]
pub mod adopt;
pub mod check;
pub mod checksum;
pub mod config;
pub mod diagnostic;
pub mod dialect;
pub mod explain;
pub mod layout;
pub mod migration;
mod name;
pub mod position;
pub mod rules;
mod sections;
mod set;
pub mod snapshot;
pub mod split;
pub mod sqlite;
pub mod version;

pub use check::{CheckReport, Finding, check};
pub use checksum::Checksum;
pub use config::{Config, ConfigError, ConfigSource, Environment, TableName, Versioning};
pub use diagnostic::{Diagnostic, DiagnosticKind, LoadError};
pub use dialect::Dialect;
pub use migration::{Allow, Layout, Migration, RepeatableMigration, Section, TransactionMode};
pub use position::Position;
pub use rules::Level;
pub use set::MigrationSet;
pub use version::Version;

/// Internal entry points exposed for the fuzz targets and property tests; not a stable API.
#[doc(hidden)]
pub mod __fuzz {
    /// Parses a file name stem; returns whether it is a migration name.
    pub fn parse_name(stem: &str) -> bool {
        matches!(
            crate::name::parse_name(stem),
            crate::name::NameOutcome::Migration(_)
        )
    }

    /// Why the MySQL check leaves a statement to the server (`Some(reason)`), or `None` when
    /// sqlparser judges it.
    #[cfg(feature = "mysql")]
    pub fn mysql_not_judged(statement: &str) -> Option<&'static str> {
        match crate::check::mysql::judge(statement) {
            crate::check::mysql::Verdict::Judge => None,
            crate::check::mysql::Verdict::Skip(reason) => Some(reason),
        }
    }

    /// Parses a file's `-- migrate:` sections, as the loader does for single-file migrations.
    pub fn parse_sections(text: &str) {
        let parts = crate::sections::parse(text, crate::sections::FileShape::Sections);
        let _ = (parts.up, parts.down, parts.problems);
    }
}
