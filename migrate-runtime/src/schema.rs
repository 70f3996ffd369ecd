//! Knowing the schema: a snapshot of a database's schema, the drift between a database and
//! what its applied migrations make, and the round trip of every down (`verify`).
//!
//! The snapshot itself (the catalog query per dialect and the comparison) is
//! [`migrate_core::snapshot`]; this module runs it through a pool and drives the migrations on
//! a scratch database.

use migrate_core::snapshot::{Diff, Snapshot};
use migrate_core::{Dialect, TransactionMode, Version};
use std::ops::Range;

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

impl Verified {
    fn new(m: &Migration, outcome: Outcome) -> Verified {
        Verified {
            version: m.version().to_owned(),
            name: m.name().to_owned(),
            down_path: m.down_sql().map(|_| m.down_path().to_owned()),
            outcome,
        }
    }
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
    /// Of the scratch databases given to [`Migrator::verify_split`], the one whose schema the
    /// verification ended with: the last part's, unless the rest was verified on an earlier
    /// one.
    pub ended_on: usize,
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
    /// lock. [`Migrator::verify_split`] does the same on several scratch databases at once.
    pub async fn verify<DB: Backend>(
        &self,
        scratch: &Pool<DB>,
        options: &VerifyOptions,
    ) -> Result<Verification, Error> {
        self.verify_split(std::slice::from_ref(scratch), options)
            .await
    }

    /// [`Migrator::verify`] in consecutive parts, one per scratch database, all at once. The
    /// part on the second database first applies the migrations before it once, as a
    /// deployment has them, then verifies its own; and so on. The parts are sized to end
    /// together, and a folder too small to gain from it uses fewer databases. Each part's
    /// schema at its start is compared with the one the part before it left: where they
    /// differ (an up that makes another schema when run again), the later parts' findings are
    /// set aside and the verification goes on from there on the earlier part's database, so
    /// the result is the one a single database gives (schemas are compared, not rows). With
    /// no database in `scratches`, nothing is verified.
    pub async fn verify_split<DB: Backend>(
        &self,
        scratches: &[Pool<DB>],
        options: &VerifyOptions,
    ) -> Result<Verification, Error> {
        let migrations = self.migrations();
        let starts = self.part_starts(DB::DIALECT, options, scratches.len());
        let parts = starts
            .iter()
            .zip(scratches)
            .enumerate()
            .map(|(i, (&start, scratch))| {
                let end = starts.get(i + 1).copied().unwrap_or(migrations.len());
                let part = Part {
                    range: start..end,
                    resume: false,
                    follows: i > 0,
                };
                self.verify_part(scratch, options, part)
            });
        let mut done = futures_util::future::join_all(parts).await.into_iter();
        let mut report = match done.next() {
            Some(part) => part?,
            None => return Ok(Verification::default()),
        };
        // The database whose part the report ends with.
        let mut on = 0;
        for (i, part) in (1..).zip(done) {
            let part = part?;
            if !report.verification.completed {
                let unreached = migrations[part.range.clone()]
                    .iter()
                    .map(|m| Verified::new(m, Outcome::NotReached));
                report.verification.migrations.extend(unreached);
                continue;
            }
            let continues = match (&report.end, &part.start) {
                (Some(end), Some(start)) => end.diff(start).is_empty(),
                _ => false,
            };
            if !continues {
                tracing::debug!(
                    "the schema part {} starts from is not the one part {} left: the rest is verified on one database",
                    i + 1,
                    on + 1
                );
                let rest = Part {
                    range: part.range.start..migrations.len(),
                    resume: true,
                    follows: false,
                };
                let rest = self.verify_part(&scratches[on], options, rest).await?;
                report.append(rest);
                break;
            }
            report.append(part);
            on = i;
        }
        report.verification.ended_on = on;
        Ok(report.verification)
    }

    /// On how many of `jobs` scratch databases [`Migrator::verify_split`] verifies: fewer
    /// where the folder is too small to gain from more.
    pub fn verify_parts(&self, dialect: Dialect, options: &VerifyOptions, jobs: usize) -> usize {
        self.part_starts(dialect, options, jobs).len()
    }

    /// Where each part starts.
    fn part_starts(&self, dialect: Dialect, options: &VerifyOptions, jobs: usize) -> Vec<usize> {
        let migrations = self.migrations();
        let first = options.from.as_ref().map_or(0, |f| {
            migrations
                .iter()
                .position(|m| m.version_parts() >= f.parts())
                .unwrap_or(migrations.len())
        });
        let reversible: Vec<bool> = migrations[first..]
            .iter()
            .map(|m| m.down_sql().is_some_and(|d| has_statement(d, dialect)))
            .collect();
        split(first, &reversible, jobs.max(1))
    }

    /// Verifies one part on `scratch`, under the migration lock.
    async fn verify_part<DB: Backend>(
        &self,
        scratch: &Pool<DB>,
        options: &VerifyOptions,
        part: Part,
    ) -> Result<PartReport, Error> {
        let table = self.table()?;
        let mut conn = acquire(scratch).await?;
        self.locked_here(scratch, &mut conn, &table, async |conn, table| {
            let result = self.verify_locked::<DB>(conn, table, options, part).await;
            DB::untrack_catalog(conn).await;
            result
        })
        .await
    }

    /// Applies the migrations before `part.range` once (when resuming, those the history
    /// does not have yet), then verifies the ones in it. The report holds every migration up
    /// to the range's end.
    async fn verify_locked<DB: Backend>(
        &self,
        conn: &mut DB::Connection,
        table: &Table,
        options: &VerifyOptions,
        part: Part,
    ) -> Result<PartReport, Error> {
        DB::prepare(conn, table).await?;
        let history = DB::read_history(conn, table).await?.unwrap_or_default();
        if let (false, Some(row)) = (part.resume, history.first()) {
            return Err(Error::ScratchNotEmpty {
                table: table.qualified(),
                version: row.version.clone(),
            });
        }
        let applied: std::collections::HashSet<&str> =
            history.iter().map(|r| r.version.as_str()).collect();
        let migrations = self.migrations();
        let mut report = PartReport {
            range: part.range.clone(),
            ..PartReport::default()
        };
        let mut reader = Reader::new(options.full_snapshots);
        // The schema as it is before the next migration, when known. Catalogs are compared
        // as the rows the server returned; a snapshot is built only where they differ.
        let mut before: Option<Catalog> = None;
        let mut stopped = false;
        for (i, m) in migrations[..part.range.end].iter().enumerate() {
            let checked = i >= part.range.start;
            if stopped {
                report.push(m, Outcome::NotReached);
                continue;
            }
            if !checked && applied.contains(m.version()) {
                report.push(m, Outcome::AppliedOnly);
                continue;
            }
            if i == part.range.start && part.follows {
                report.start = Some(snapshot::<DB>(conn, table).await?);
            }
            // A down with no statement (an empty file, `-- Not reversible`) reverts nothing:
            // the migration is irreversible, whichever layout it comes from.
            let down = m
                .down_sql()
                .filter(|d| checked && has_statement(d, DB::DIALECT));
            if down.is_some() && before.is_none() {
                before = Some(reader.read::<DB>(conn).await?);
            }
            if let Err(error) = self.step_on::<DB>(conn, table, up_step(m)).await {
                report.push(m, Outcome::UpFailed { error });
                stopped = true;
                continue;
            }
            let Some(down) = down else {
                let outcome = if checked {
                    Outcome::Irreversible
                } else {
                    Outcome::AppliedOnly
                };
                before = None;
                report.push(m, outcome);
                continue;
            };
            let after = reader.read::<DB>(conn).await?;
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
                report.push(m, Outcome::DownFailed { error });
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
            let restored = reader.read::<DB>(conn).await?;
            let diff = difference::<DB>(&before.take().unwrap_or_default(), &restored, table);
            if let Err(error) = self.step_on::<DB>(conn, table, up_step(m)).await {
                let outcome = if diff.is_empty() {
                    Outcome::UpAgainFailed { error }
                } else {
                    Outcome::NotRestored { diff, again: None }
                };
                report.push(m, outcome);
                // A down that changed nothing (an empty one, say) leaves the schema as the up
                // made it, and the up then fails on what already exists: the migration is
                // recorded as applied and the verification goes on. Otherwise the schema is
                // in a state no later migration expects, and it stops.
                let now = reader.read::<DB>(conn).await?;
                if difference::<DB>(&now, &after, table).is_empty() {
                    DB::record(conn, table, m).await?;
                    before = Some(after);
                } else {
                    stopped = true;
                }
                continue;
            }
            let again = reader.read::<DB>(conn).await?;
            let again_diff = difference::<DB>(&after, &again, table);
            let outcome = match (diff.is_empty(), again_diff.is_empty()) {
                (true, true) => Outcome::RoundTrip,
                (true, false) => Outcome::UpAgainDiffers { diff: again_diff },
                (false, _) => Outcome::NotRestored {
                    diff,
                    again: (!again_diff.is_empty()).then_some(again_diff),
                },
            };
            before = Some(again);
            report.push(m, outcome);
        }
        report.verification.completed = !stopped;
        let mut full = None;
        if reader.cache.tracking {
            let tracked = reader.read::<DB>(conn).await?;
            let now = full.insert(snapshot::<DB>(conn, table).await?);
            let missed = build::<DB>(&tracked, table).diff(now);
            report.verification.untracked = (!missed.is_empty()).then_some(missed);
        }
        // A later part goes on from here: the schema this one leaves, to compare with the one
        // that part starts from.
        if !stopped && part.range.end < migrations.len() {
            report.end = Some(match full {
                Some(full) => full,
                None => snapshot::<DB>(conn, table).await?,
            });
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

/// The migrations one scratch database verifies: those in `range`, after applying the older
/// ones once.
#[derive(Debug, Clone)]
struct Part {
    range: Range<usize>,
    /// The database goes on from where its own part ended: the older migrations its history
    /// has are not applied again.
    resume: bool,
    /// Another part verifies the migrations before this one's: the schema at the start is
    /// kept, to compare with the one that part leaves.
    follows: bool,
}

/// What one part found.
#[derive(Debug, Default)]
struct PartReport {
    range: Range<usize>,
    /// Every migration up to the end of the range, the older ones as applied once.
    verification: Verification,
    /// The schema before the first migration of the range, for a part after the first.
    start: Option<Snapshot>,
    /// The schema after the last, for a part with another after it.
    end: Option<Snapshot>,
}

impl PartReport {
    fn push(&mut self, m: &Migration, outcome: Outcome) {
        self.verification.migrations.push(Verified::new(m, outcome));
    }

    /// Continues this report with what the next part (or the resumed rest) found for the
    /// migrations of its range.
    fn append(&mut self, next: PartReport) {
        let PartReport {
            range,
            verification,
            end,
            ..
        } = next;
        let own = verification.migrations.into_iter().skip(range.start);
        self.verification.migrations.extend(own);
        self.verification.completed = verification.completed;
        if self.verification.untracked.is_none() {
            self.verification.untracked = verification.untracked;
        }
        self.range.end = range.end;
        self.end = end;
    }
}

/// The catalog of one part's database, read in full the first time and then, where the
/// server records changes, only where a step changed it. Changes are recorded from the first
/// read on: migrations applied once before it need no snapshot.
#[derive(Debug)]
struct Reader {
    cache: CatalogCache,
    started: bool,
    full_snapshots: bool,
}

impl Reader {
    fn new(full_snapshots: bool) -> Reader {
        Reader {
            cache: CatalogCache::default(),
            started: false,
            full_snapshots,
        }
    }

    async fn read<DB: Backend>(&mut self, conn: &mut DB::Connection) -> Result<Catalog, Error> {
        if !self.started {
            self.started = true;
            self.cache.tracking = !self.full_snapshots && DB::track_catalog(conn).await?;
        }
        DB::catalog_since(conn, &mut self.cache).await?;
        Ok(self.cache.catalog())
    }
}

/// Where each part starts, for `parts` scratch databases verifying the migrations from
/// `first` on (`reversible[i]`: whether migration `first + i` has a down to verify). A part
/// costs the migrations before it, applied once, plus its own, verified: about four and a
/// half applies for each with a down (up, down and up, each followed by a snapshot), one and a
/// half for one without. The parts are cut so that the longest is as short as it can be;
/// fewer parts are used where more would not make it shorter, or would verify fewer than
/// [`MIN_PART`] migrations each.
fn split(first: usize, reversible: &[bool], parts: usize) -> Vec<usize> {
    // In halves of an apply.
    const APPLY: u64 = 2;
    let cost = |r: &bool| if *r { 9 } else { 3 };
    let n = reversible.len();
    let parts = parts.min(n / MIN_PART).max(1);
    if parts == 1 {
        return vec![first];
    }
    // Greedy cut for a bound on the longest part: each part takes migrations while it stays
    // within it; the bound is feasible when the parts cover every migration.
    let cut = |bound: u64| -> Option<Vec<usize>> {
        let mut starts = Vec::with_capacity(parts);
        let mut at = 0;
        while at < n && starts.len() < parts {
            starts.push(first + at);
            let mut spent = APPLY * (first + at) as u64;
            let from = at;
            while at < n && spent + cost(&reversible[at]) <= bound {
                spent += cost(&reversible[at]);
                at += 1;
            }
            if at == from {
                return None;
            }
        }
        (at == n).then_some(starts)
    };
    let (mut low, mut high) = (
        1,
        APPLY * (first + n) as u64 + reversible.iter().map(cost).sum::<u64>(),
    );
    let mut best = vec![first];
    while low <= high {
        let mid = low + (high - low) / 2;
        match cut(mid) {
            Some(starts) => {
                best = starts;
                high = mid - 1;
            }
            None => low = mid + 1,
        }
    }
    best
}

/// The fewest migrations a part verifies: below it, the scratch database costs more than the
/// part saves.
const MIN_PART: usize = 16;

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

fn has_statement(sql: &str, dialect: Dialect) -> bool {
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

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn parts_end_together() {
        // 285 migrations with a down on two databases: the second applies the first part's
        // migrations once before verifying its own, so the first part is the longer one.
        let starts = split(0, &[true; 285], 2);
        assert_eq!(starts.len(), 2);
        let k = starts[1];
        let first = 9 * k;
        let second = 2 * k + 9 * (285 - k);
        assert!(
            first.abs_diff(second) <= 9,
            "{starts:?}: {first} against {second}"
        );
        assert!(k > 285 / 2, "{starts:?}");
    }

    #[test]
    fn older_migrations_count_for_every_part() {
        // From migration 100 on: each part first applies the 100 older ones.
        let starts = split(100, &[true; 100], 2);
        assert_eq!(starts[0], 100);
        let k = starts[1] - 100;
        let first = 2 * 100 + 9 * k;
        let second = 2 * (100 + k) + 9 * (100 - k);
        assert!(
            first.abs_diff(second) <= 9,
            "{starts:?}: {first} against {second}"
        );
    }

    #[test]
    fn small_folders_use_one_database() {
        assert_eq!(split(0, &[true; 31], 2), [0]);
        assert_eq!(split(0, &[true; 32], 2).len(), 2);
        assert_eq!(split(0, &[true; 40], 8).len(), 2);
        assert_eq!(split(5, &[], 4), [5]);
    }
}
