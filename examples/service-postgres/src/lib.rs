//! The start-up pattern for a service with many replicas.
//!
//! - `Startup::Migrate` (the default): every replica runs the migrations. The advisory lock
//!   lets one apply them while the others wait, then find nothing to do; a replica starting
//!   later pays one query.
//! - `Startup::Verify`: the replica migrates nothing and refuses to start unless every
//!   migration is applied, so a deploy can migrate once (a job, or one replica) and start the
//!   rest in this mode.
//!
//! Either way the service fails fast, with a message that says what to do, on a database
//! with a dirty, edited or unknown migration.

use migrate_runtime::{Migrator, State, embed_migrations};
use sqlx::PgPool;

/// Checked and embedded at compile time.
pub static MIGRATOR: Migrator = embed_migrations!();

/// What a replica does with the schema at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Startup {
    Migrate,
    Verify,
}

/// Brings the schema up to date (or checks it is), or says why the service must not start.
pub async fn prepare(pool: &PgPool, mode: Startup) -> Result<usize, String> {
    match mode {
        Startup::Migrate => MIGRATOR
            .run(pool)
            .await
            .map(|report| report.applied.len())
            .map_err(|e| {
                format!("migrating at start-up failed, so the service will not start: {e}")
            }),
        Startup::Verify => {
            let status = MIGRATOR
                .status(pool)
                .await
                .map_err(|e| format!("reading the migration history failed: {e}"))?;
            let behind: Vec<String> = status
                .iter()
                .filter(|s| s.state != State::Applied)
                .map(|s| format!("{} {} is {}", s.version, s.name, s.state.as_str()))
                .collect();
            if behind.is_empty() {
                Ok(0)
            } else {
                Err(format!(
                    "the database is not at this build's schema ({}); run `cargo migrate run` (or start one replica with migrations on) before starting replicas that only verify",
                    behind.join("; ")
                ))
            }
        }
    }
}
