//! Knowing the schema: a snapshot of a database's schema, the drift between a database and
//! what its applied migrations make, and the round trip of every down (`verify`).
//!
//! The snapshot itself (the catalog query per dialect and the comparison) is
//! [`migrate_core::snapshot`]; this module runs it through a pool and drives the migrations on
//! a scratch database.

use migrate_core::snapshot::{Diff, Snapshot};
use migrate_core::{TransactionMode, Version};
use sqlx::Pool;

use crate::backend::{Backend, Catalog, CatalogCache, Direction, Step, scratch_name};
use crate::error::Error;
use crate::history::{RowStatus, Table};
use crate::migration::Migration;
use crate::migrator::{Migrator, acquire};

/// A database made for one comparison and dropped after it: beside the pool's database on the
/// same server, or a temporary file for SQLite.
#[derive(Debug)]
pub struct Scratch<DB: Backend> {
    pool: Pool<DB>,
    name: String,
}

impl<DB: Backend> Scratch<DB> {
    /// Creates an empty database beside `pool`'s, with the same user and options. The user
    /// needs the right to create databases (`CREATEDB` on PostgreSQL).
    pub async fn beside(pool: &Pool<DB>) -> Result<Scratch<DB>, Error> {
        let name = scratch_name();
        let pool = DB::create_scratch(pool, &name).await?;
        Ok(Scratch { pool, name })
    }

    /// The scratch database's pool.
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// The scratch database's name (the file's stem for SQLite).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Closes and drops the scratch database, through `pool` (the one it was made beside).
    pub async fn drop_with(self, pool: &Pool<DB>) -> Result<(), Error> {
        DB::drop_scratch(pool, self.pool, &self.name).await
    }
}

/// The difference between a database and what its applied migrations make.
#[derive(Debug, Clone, Default)]
pub struct Drift {
    /// From what the migrations make to what the database has: `+` is in the database only
    /// (an index added by hand), `-` is missing from it, `~` differs.
    pub diff: Diff,
    /// How many applied migrations the expected schema was built from.
    pub applied: usize,
}

impl Drift {
    /// Whether the database is as its migrations make it.
    pub fn is_empty(&self) -> bool {
        self.diff.is_empty()
    }
}

/// What `verify` found for one migration.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Its down restored the schema, and its up made the same schema again.
    RoundTrip,
    /// Older than `--from`: applied once, not verified.
    AppliedOnly,
    /// It has no down, or a down with no statement.
    Irreversible,
    /// Its down ran, but the schema differs from the one before its up (`diff` goes from the
    /// schema before the up to the one after the down). `again` is the difference after the
    /// second up, when there is one.
    NotRestored { diff: Diff, again: Option<Diff> },
    /// Its down failed; the migration stays applied and the verification goes on.
    DownFailed { error: Error },
    /// Its down restored the schema, but its second up made a different one.
    UpAgainDiffers { diff: Diff },
    /// Its second up failed; the verification stops here.
    UpAgainFailed { error: Error },
    /// Its up failed; the verification stops here.
    UpFailed { error: Error },
    /// Not reached: an earlier migration stopped the verification.
    NotReached,
}

impl Outcome {
    /// Whether this is a finding: a down that does not restore, or a step that fails.
    pub fn is_problem(&self) -> bool {
        !matches!(
            self,
            Outcome::RoundTrip | Outcome::AppliedOnly | Outcome::Irreversible | Outcome::NotReached
        )
    }

    /// `round-trip`, `applied`, `irreversible`, `not-restored`, … as JSON output spells it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::RoundTrip => "round-trip",
            Outcome::AppliedOnly => "applied",
            Outcome::Irreversible => "irreversible",
            Outcome::NotRestored { .. } => "not-restored",
            Outcome::DownFailed { .. } => "down-failed",
            Outcome::UpAgainDiffers { .. } => "up-again-differs",
            Outcome::UpAgainFailed { .. } => "up-again-failed",
            Outcome::UpFailed { .. } => "up-failed",
            Outcome::NotReached => "not-reached",
        }
    }
}

/// One migration's result.
#[derive(Debug)]
pub struct Verified {
    pub version: String,
    pub name: String,
    /// The file its down comes from, for messages.
    pub down_path: Option<String>,
    pub outcome: Outcome,
}

/// How `verify` runs.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Verify only the migrations from this version on; the older ones are applied once.
    pub from: Option<Version>,
    /// Read every snapshot in full. By default, where the database records which objects
    /// each statement changes (PostgreSQL, with the right to create event triggers), only
    /// those are read again after each step.
    pub full_snapshots: bool,
}

impl VerifyOptions {
    /// Verify from `version` on.
    pub fn from(mut self, version: Option<Version>) -> VerifyOptions {
        self.from = version;
        self
    }

    /// Read every snapshot in full.
    pub fn full_snapshots(mut self, full: bool) -> VerifyOptions {
        self.full_snapshots = full;
        self
    }
}

/// What `verify` found, migration by migration, in order.
#[derive(Debug, Default)]
pub struct Verification {
    pub migrations: Vec<Verified>,
    /// Whether the verification reached the end: the scratch database holds the schema every
    /// migration makes.
    pub completed: bool,
    /// Where only changed objects were read again after each step: what a full snapshot at
    /// the end found that the recorded changes missed (a migration that writes to the system
    /// catalog itself). `None` when nothing was missed; when something was, verify again
    /// with [`VerifyOptions::full_snapshots`].
    pub untracked: Option<Diff>,
}

impl Verification {
    /// The migrations with a finding.
    pub fn problems(&self) -> impl Iterator<Item = &Verified> {
        self.migrations.iter().filter(|m| m.outcome.is_problem())
    }
}

impl Migrator {
    /// The schema of the database behind `pool`, without the history table (and, for a
    /// migrator [in a schema](Migrator::in_schema), only that schema). One query.
    pub async fn snapshot<DB: Backend>(&self, pool: &Pool<DB>) -> Result<Snapshot, Error> {
        let table = self.table()?;
        let mut conn = acquire(pool).await?;
        snapshot::<DB>(&mut conn, &table).await
    }

    /// Compares the database behind `pool` with what its applied migrations make: builds a
    /// scratch database beside it ([`Scratch::beside`]), applies there the migrations the
    /// history says are applied, and compares the two snapshots. A service can call it at
    /// start-up and refuse to serve a database someone changed by hand. For a scratch
    /// database of your own, see [`Migrator::drift_with`].
    pub async fn verify_against<DB: Backend>(&self, pool: &Pool<DB>) -> Result<Drift, Error> {
        on_scratch(pool, async |scratch| self.drift_with(pool, scratch).await).await
    }

    /// [`Migrator::verify`] on a scratch database made beside `pool`'s and dropped
    /// afterwards ([`Scratch::beside`]).
    pub async fn verify_beside<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        options: &VerifyOptions,
    ) -> Result<Verification, Error> {
        on_scratch(pool, async |scratch| self.verify(scratch, options).await).await
    }

    /// [`Migrator::verify_against`] with an empty scratch database of the caller's.
    pub async fn drift_with<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        scratch: &Pool<DB>,
    ) -> Result<Drift, Error> {
        let table = self.table()?;
        let mut conn = acquire(pool).await?;
        let rows = DB::read_history(&mut conn, &table)
            .await?
            .unwrap_or_default();
        if let Some(dirty) = rows.iter().find(|r| r.status == RowStatus::Dirty) {
            return Err(Error::Dirty {
                version: dirty.version.clone(),
                name: dirty.name.clone(),
                table: table.qualified(),
            });
        }
        for row in &rows {
            let known = self
                .migrations()
                .iter()
                .chain(self.repeatable())
                .any(|m| m.version() == row.version);
            if !known {
                return Err(Error::Missing {
                    version: row.version.clone(),
                    name: row.name.clone(),
                });
            }
        }
        // In the migrations' order (the history's may differ: out-of-order runs, versions
        // that sort differently as text), then the repeatable ones, each as the checksum
        // recorded says: with its file as it is now only when that is the recorded one.
        let recorded = |m: &Migration| rows.iter().find(|r| r.version == m.version());
        let applied: Vec<Migration> = self
            .migrations()
            .iter()
            .filter(|m| recorded(m).is_some())
            .chain(
                self.repeatable()
                    .iter()
                    .filter(|m| recorded(m).is_some_and(|r| r.checksum == m.checksum())),
            )
            .cloned()
            .collect();
        let expected = self.with_migrations(applied);
        let count = rows.len();
        expected.run(scratch).await?;
        let actual = snapshot::<DB>(&mut conn, &table).await?;
        drop(conn);
        let built = self.snapshot(scratch).await?;
        Ok(Drift {
            diff: built.diff(&actual),
            applied: count,
        })
    }

    /// Applies every migration to `scratch`, an empty database, one by one; for each that has
    /// a down: takes a snapshot, runs the down, compares with the snapshot before the up, runs
    /// the up again and compares with the snapshot after it. Migrations older than `from` are
    /// applied once and not verified. Everything runs on one connection under the migration
    /// lock.
    pub async fn verify<DB: Backend>(
        &self,
        scratch: &Pool<DB>,
        options: &VerifyOptions,
    ) -> Result<Verification, Error> {
        let table = self.table()?;
        let mut conn = acquire(scratch).await?;
        self.locked_here(scratch, &mut conn, &table, async |conn, table| {
            let result = self.verify_locked::<DB>(conn, table, options).await;
            DB::untrack_catalog(conn).await;
            result
        })
        .await
    }

    async fn verify_locked<DB: Backend>(
        &self,
        conn: &mut DB::Connection,
        table: &Table,
        options: &VerifyOptions,
    ) -> Result<Verification, Error> {
        let from = options.from.as_ref();
        DB::prepare(conn, table).await?;
        if let Some(row) = DB::read_history(conn, table)
            .await?
            .unwrap_or_default()
            .first()
        {
            return Err(Error::ScratchNotEmpty {
                table: table.qualified(),
                version: row.version.clone(),
            });
        }
        let mut report = Verification::default();
        let mut cache = CatalogCache {
            tracking: !options.full_snapshots && DB::track_catalog(conn).await?,
            ..CatalogCache::default()
        };
        let cache = &mut cache;
        // The schema as it is before the next migration, when known. Catalogs are compared
        // as the rows the server returned; a snapshot is built only where they differ.
        let mut before: Option<Catalog> = None;
        let mut stopped = false;
        for m in self.migrations().iter() {
            let mut verified = Verified {
                version: m.version().to_owned(),
                name: m.name().to_owned(),
                down_path: m.down_sql().map(|_| m.down_path().to_owned()),
                outcome: Outcome::NotReached,
            };
            if stopped {
                report.migrations.push(verified);
                continue;
            }
            let checked = from.is_none_or(|f| m.version_parts() >= f.parts());
            // A down with no statement (an empty file, `-- Not reversible`) reverts nothing:
            // the migration is irreversible, whichever layout it comes from.
            let down = m
                .down_sql()
                .filter(|d| checked && has_statement(d, DB::DIALECT));
            if down.is_some() && before.is_none() {
                before = Some(cached::<DB>(conn, cache).await?);
            }
            if let Err(error) = self.step_on::<DB>(conn, table, up_step(m)).await {
                verified.outcome = Outcome::UpFailed { error };
                report.migrations.push(verified);
                stopped = true;
                continue;
            }
            let Some(down) = down else {
                verified.outcome = if checked {
                    Outcome::Irreversible
                } else {
                    Outcome::AppliedOnly
                };
                before = None;
                report.migrations.push(verified);
                continue;
            };
            let after = cached::<DB>(conn, cache).await?;
            let step = Step {
                migration: m,
                direction: Direction::Down,
                sql: down,
                path: m.down_path(),
                mode: m.down_mode,
                first_line: m.down_line,
                replace: false,
            };
            if let Err(error) = self.step_on::<DB>(conn, table, step).await {
                verified.outcome = Outcome::DownFailed { error };
                report.migrations.push(verified);
                // A down in a transaction rolled back: the schema is the one after the up. One
                // outside a transaction may have run in part: the migration is marked applied
                // again and the schema read afresh.
                if m.down_mode == TransactionMode::Transaction {
                    before = Some(after);
                } else {
                    DB::mark_applied(conn, table, m.version()).await?;
                    before = None;
                }
                continue;
            }
            let restored = cached::<DB>(conn, cache).await?;
            let diff = difference::<DB>(&before.take().unwrap_or_default(), &restored, table);
            if let Err(error) = self.step_on::<DB>(conn, table, up_step(m)).await {
                verified.outcome = if diff.is_empty() {
                    Outcome::UpAgainFailed { error }
                } else {
                    Outcome::NotRestored { diff, again: None }
                };
                report.migrations.push(verified);
                // A down that changed nothing (an empty one, say) leaves the schema as the up
                // made it, and the up then fails on what already exists: the migration is
                // recorded as applied and the verification goes on. Otherwise the schema is
                // in a state no later migration expects, and it stops.
                let now = cached::<DB>(conn, cache).await?;
                if difference::<DB>(&now, &after, table).is_empty() {
                    DB::record(conn, table, m).await?;
                    before = Some(after);
                } else {
                    stopped = true;
                }
                continue;
            }
            let again = cached::<DB>(conn, cache).await?;
            let again_diff = difference::<DB>(&after, &again, table);
            verified.outcome = match (diff.is_empty(), again_diff.is_empty()) {
                (true, true) => Outcome::RoundTrip,
                (true, false) => Outcome::UpAgainDiffers { diff: again_diff },
                (false, _) => Outcome::NotRestored {
                    diff,
                    again: (!again_diff.is_empty()).then_some(again_diff),
                },
            };
            before = Some(again);
            report.migrations.push(verified);
        }
        report.completed = !stopped;
        if cache.tracking {
            let tracked = cached::<DB>(conn, cache).await?;
            let full = snapshot::<DB>(conn, table).await?;
            let missed = build::<DB>(&tracked, table).diff(&full);
            report.untracked = (!missed.is_empty()).then_some(missed);
        }
        Ok(report)
    }

    /// Runs one step on a connection that holds the lock.
    async fn step_on<DB: Backend>(
        &self,
        conn: &mut DB::Connection,
        table: &Table,
        step: Step<'_>,
    ) -> Result<(), Error> {
        self.step::<DB>(conn, table, step).await.map(drop)
    }
}

/// Runs `body` on a scratch database beside `pool`'s, and drops it whatever `body` returned.
async fn on_scratch<DB: Backend, T>(
    pool: &Pool<DB>,
    body: impl AsyncFnOnce(&Pool<DB>) -> Result<T, Error>,
) -> Result<T, Error> {
    let scratch = Scratch::beside(pool).await?;
    let result = body(scratch.pool()).await;
    let dropped = scratch.drop_with(pool).await;
    let value = result?;
    dropped?;
    Ok(value)
}

fn has_statement(sql: &str, dialect: migrate_core::Dialect) -> bool {
    migrate_core::split::split(sql, dialect)
        .sql()
        .next()
        .is_some()
}

fn up_step(m: &Migration) -> Step<'_> {
    Step {
        migration: m,
        direction: Direction::Up,
        sql: m.up_sql(),
        path: m.path(),
        mode: m.up_mode,
        first_line: m.up_line,
        replace: false,
    }
}

/// The catalog as it is now, read again only where something changed since the cache was
/// filled, where the database records it.
async fn cached<DB: Backend>(
    conn: &mut DB::Connection,
    cache: &mut CatalogCache,
) -> Result<Catalog, Error> {
    DB::catalog_since(conn, cache).await?;
    Ok(cache.catalog())
}

/// The snapshot of a catalog's rows.
fn build<DB: Backend>(catalog: &Catalog, table: &Table) -> Snapshot {
    let rows: Vec<&Vec<Option<String>>> = catalog.values().flat_map(|g| g.iter()).collect();
    Snapshot::from_catalog(DB::DIALECT, &rows, table.schema.as_deref(), &table.name)
}

/// What changes from one catalog to another: nothing when the server returned the same rows
/// (a group a step did not touch is even the same allocation), else the snapshots' diff.
fn difference<DB: Backend>(before: &Catalog, after: &Catalog, table: &Table) -> Diff {
    if before == after {
        return Diff::default();
    }
    build::<DB>(before, table).diff(&build::<DB>(after, table))
}

async fn snapshot<DB: Backend>(
    conn: &mut DB::Connection,
    table: &Table,
) -> Result<Snapshot, Error> {
    let rows = DB::catalog(conn).await?;
    Ok(Snapshot::from_catalog(
        DB::DIALECT,
        &rows,
        table.schema.as_deref(),
        &table.name,
    ))
}
