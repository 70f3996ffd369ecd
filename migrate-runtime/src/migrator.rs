//! [`Migrator`]: the generic algorithm (plan, lock, apply, record), written once for every
//! backend.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use migrate_core::{Config, Level, MigrationSet, Version};
use sqlx::Pool;
use sqlx::pool::PoolConnection;
use tracing::Instrument;

use crate::backend::{Backend, Direction, Step};
use crate::error::Error;
use crate::history::{self, HistoryRow, MigrationStatus, RowStatus, Table};
use crate::lock::{DEFAULT_LOCK_LEASE, LockPlan, LockStrategy, TableLock, while_held};
use crate::migration::Migration;

/// Called before and after each migration step.
pub trait Hooks: Send + Sync {
    fn before(&self, _migration: &Migration, _direction: Direction) {}
    fn after(&self, _migration: &Migration, _direction: Direction, _duration: Duration) {}
}

/// One step that ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub version: String,
    pub name: String,
    pub duration: Duration,
}

/// What a call did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub applied: Vec<Ran>,
    pub reverted: Vec<Ran>,
    /// Versions recorded without running (baseline, resolve).
    pub recorded: Vec<String>,
    /// Things worth a look that did not stop the run (out-of-order migrations).
    pub warnings: Vec<String>,
    /// The server was a read-only standby and [`Migrator::skip_if_read_only`] let the run end
    /// there: nothing was applied.
    pub skipped_read_only: bool,
    /// The lock the call took; `None` when it took none (nothing was pending).
    pub lock: Option<LockStrategy>,
    /// The server is a Galera node (so the table lock is the default).
    pub galera: bool,
}

/// What [`Migrator::plan`] would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Pending migrations in the order `run` applies them.
    pub pending: Vec<Migration>,
    pub warnings: Vec<String>,
}

/// A history row whose name, checksum or down SQL [`Migrator::repair`] rewrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    pub version: String,
    pub name: String,
    pub old_checksum: String,
    pub new_checksum: String,
}

/// Applies, reverts and reports a fixed list of migrations against a database.
///
/// Built by `embed_migrations!` as a `static`, or from a folder with [`Migrator::from_set`].
#[derive(Clone)]
pub struct Migrator {
    migrations: Cow<'static, [Migration]>,
    /// Repeatable migrations, in name order: applied after the versioned ones whenever their
    /// checksum differs from the one recorded.
    repeatable: Cow<'static, [Migration]>,
    table: Cow<'static, str>,
    schema: Option<Cow<'static, str>>,
    out_of_order: Level,
    allow_missing: bool,
    allow_modified: bool,
    pub(crate) lock_timeout: Duration,
    lock: Option<LockStrategy>,
    lock_lease: Duration,
    hooks: Option<Arc<dyn Hooks>>,
    skip_if_read_only: bool,
}

impl fmt::Debug for Migrator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migrator")
            .field("migrations", &self.migrations.len())
            .field("table", &self.table)
            .field("schema", &self.schema)
            .field("out_of_order", &self.out_of_order)
            .field("allow_missing", &self.allow_missing)
            .field("allow_modified", &self.allow_modified)
            .field("lock_timeout", &self.lock_timeout)
            .field("lock", &self.lock)
            .field("lock_lease", &self.lock_lease)
            .finish_non_exhaustive()
    }
}

/// The default wait for another process's migration lock.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

impl Migrator {
    /// A migrator over migrations embedded at compile time. Used by `embed_migrations!`.
    #[doc(hidden)]
    pub const fn __embedded(
        migrations: &'static [Migration],
        repeatable: &'static [Migration],
        table: &'static str,
        out_of_order: Level,
    ) -> Migrator {
        Migrator {
            migrations: Cow::Borrowed(migrations),
            repeatable: Cow::Borrowed(repeatable),
            table: Cow::Borrowed(table),
            schema: None,
            out_of_order,
            allow_missing: false,
            allow_modified: false,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            lock: None,
            lock_lease: DEFAULT_LOCK_LEASE,
            hooks: None,
            skip_if_read_only: false,
        }
    }

    /// A migrator over a folder read by `migrate-core`, with the config's table and policies.
    /// Paths in messages are shown relative to `base` when they are under it.
    pub fn from_set(set: &MigrationSet, config: &Config, base: &std::path::Path) -> Migrator {
        let migrations = set
            .migrations
            .iter()
            .map(|m| {
                let shown =
                    |p: &std::path::Path| p.strip_prefix(base).unwrap_or(p).display().to_string();
                let down = m.down.as_ref().map_or(&m.up.path, |d| &d.path);
                Migration::from_core(m, shown(&m.up.path), shown(down))
            })
            .collect::<Vec<_>>();
        let repeatable = set
            .repeatable
            .iter()
            .map(|r| {
                let shown = r
                    .path
                    .strip_prefix(base)
                    .unwrap_or(&r.path)
                    .display()
                    .to_string();
                Migration::repeatable_from_core(r, shown)
            })
            .collect::<Vec<_>>();
        Migrator {
            migrations: Cow::Owned(migrations),
            repeatable: Cow::Owned(repeatable),
            table: Cow::Owned(config.table.to_string()),
            schema: None,
            out_of_order: config.out_of_order,
            allow_missing: false,
            allow_modified: false,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            lock: config.lock,
            lock_lease: config.lock_lease.unwrap_or(DEFAULT_LOCK_LEASE),
            hooks: None,
            skip_if_read_only: false,
        }
    }

    /// The same migrator over other migrations (versioned and repeatable mixed), applied in
    /// the order given, with no hooks: the schema a history says is applied.
    pub(crate) fn with_migrations(&self, migrations: Vec<Migration>) -> Migrator {
        let (repeatable, versioned): (Vec<Migration>, Vec<Migration>) =
            migrations.into_iter().partition(|m| m.repeatable);
        Migrator {
            migrations: Cow::Owned(versioned),
            repeatable: Cow::Owned(repeatable),
            out_of_order: Level::Allow,
            hooks: None,
            ..self.clone()
        }
    }

    /// The same migrator, applying into one PostgreSQL schema (created if missing, with the
    /// history table inside it and the lock keyed by it), or one MySQL database.
    pub fn in_schema(&self, schema: &str) -> Migrator {
        Migrator {
            schema: Some(Cow::Owned(schema.to_owned())),
            ..self.clone()
        }
    }

    /// Uses another history table (`name` or `schema.name`).
    pub fn with_table(&self, table: &str) -> Migrator {
        Migrator {
            table: Cow::Owned(table.to_owned()),
            ..self.clone()
        }
    }

    /// What to do with a pending migration older than the newest applied one: `Warn` (the
    /// default) applies it with a warning, `Deny` refuses, `Allow` applies it silently.
    pub fn out_of_order(mut self, level: Level) -> Migrator {
        self.out_of_order = level;
        self
    }

    /// Runs even when an applied migration's file is gone.
    pub fn allow_missing(mut self, allow: bool) -> Migrator {
        self.allow_missing = allow;
        self
    }

    /// Runs even when an applied migration's file was edited.
    pub fn allow_modified(mut self, allow: bool) -> Migrator {
        self.allow_modified = allow;
        self
    }

    /// The lock configured for a migrator embedded at compile time (`lock` and `lock-lease`
    /// in the config). Used by `embed_migrations!`.
    #[doc(hidden)]
    pub const fn __lock(mut self, lock: Option<LockStrategy>, lease: Option<Duration>) -> Migrator {
        self.lock = lock;
        if let Some(lease) = lease {
            self.lock_lease = lease;
        }
        self
    }

    /// How concurrent runners are kept apart: [`LockStrategy::Session`] (the default on a
    /// single server), [`LockStrategy::Table`] (the default on a Galera cluster; behind a
    /// transaction pooler such as PgBouncer, set it), or [`LockStrategy::None`] for a single
    /// deployer. SQLite always takes its write lock.
    pub fn lock_strategy(mut self, strategy: LockStrategy) -> Migrator {
        self.lock = Some(strategy);
        self
    }

    /// How long the table lock lasts when its holder stops renewing it (killed, cut off)
    /// before another runner takes it over (default 30 s, at least 1 s). The holder renews
    /// it every third of that.
    pub fn lock_lease(mut self, lease: Duration) -> Migrator {
        self.lock_lease = lease.max(Duration::from_secs(1));
        self
    }

    /// How long to wait for another process's migration lock (default 60 s).
    pub fn lock_timeout(mut self, timeout: Duration) -> Migrator {
        self.lock_timeout = timeout;
        self
    }

    /// Calls `hooks` before and after each migration.
    /// On a read-only standby, end `run` with nothing applied instead of failing with
    /// [`Error::ReadOnly`]: for replicas that start the same binary as the primary.
    pub fn skip_if_read_only(mut self, skip: bool) -> Migrator {
        self.skip_if_read_only = skip;
        self
    }

    pub fn with_hooks(mut self, hooks: impl Hooks + 'static) -> Migrator {
        self.hooks = Some(Arc::new(hooks));
        self
    }

    /// The migrations, in version order.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// The repeatable migrations, in name order.
    pub fn repeatable(&self) -> &[Migration] {
        &self.repeatable
    }

    pub(crate) fn table(&self) -> Result<Table, Error> {
        Table::new(self.schema.as_deref(), &self.table)
    }

    fn find(&self, version: &Version) -> Result<&Migration, Error> {
        self.migrations
            .iter()
            .find(|m| m.version_parts() == version.parts())
            .ok_or_else(|| self.unknown(version.parts(), &[]))
    }

    /// The error for a version in neither the folder nor `rows`, naming the nearest versions
    /// of both on either side.
    fn unknown(&self, parts: &[u64], rows: &[HistoryRow]) -> Error {
        let known = self
            .migrations
            .iter()
            .map(|m| (m.version_parts().to_vec(), m.version().to_owned()))
            .chain(
                rows.iter()
                    .filter(|r| !history::is_repeatable(&r.version))
                    .map(|r| (history::parts_of(&r.version), r.version.clone())),
            );
        let mut below: Option<(Vec<u64>, String)> = None;
        let mut above: Option<(Vec<u64>, String)> = None;
        for (p, text) in known {
            if p.as_slice() < parts && below.as_ref().is_none_or(|(b, _)| p > *b) {
                below = Some((p, text));
            } else if p.as_slice() > parts && above.as_ref().is_none_or(|(a, _)| p < *a) {
                above = Some((p, text));
            }
        }
        Error::UnknownVersion {
            version: version_text(parts),
            nearest: below.into_iter().chain(above).map(|(_, t)| t).collect(),
        }
    }

    /// Refuses a revert target that names no known version, or one newer than the newest
    /// applied: a mistyped `--to` must not revert anything.
    fn check_revert_target(&self, rows: &[HistoryRow], target: &RevertTarget) -> Result<(), Error> {
        let RevertTarget::Above(parts) = target else {
            return Ok(());
        };
        let in_history = rows.iter().any(|r| history::parts_of(&r.version) == *parts);
        let in_folder = self.migrations.iter().any(|m| m.version_parts() == parts);
        if !in_history && !in_folder {
            return Err(self.unknown(parts, rows));
        }
        let newest = rows
            .iter()
            .filter(|r| !history::is_repeatable(&r.version))
            .max_by_key(|r| history::parts_of(&r.version));
        match newest {
            Some(newest) if history::parts_of(&newest.version) < *parts => {
                Err(Error::TargetAhead {
                    version: version_text(parts),
                    newest: newest.version.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Checks the history against the migrations and returns what is pending, in order, up
    /// to `target`.
    fn pending(
        &self,
        rows: &[HistoryRow],
        target: Option<&[u64]>,
        table: &Table,
    ) -> Result<Plan, Error> {
        let by_version: HashMap<&str, &HistoryRow> =
            rows.iter().map(|r| (r.version.as_str(), r)).collect();
        if let Some(dirty) = rows
            .iter()
            .filter(|r| r.status == RowStatus::Dirty)
            .min_by_key(|r| history::parts_of(&r.version))
        {
            return Err(Error::Dirty {
                version: dirty.version.clone(),
                name: dirty.name.clone(),
                table: table.qualified(),
            });
        }
        let mut pending = Vec::new();
        // Repeatable migrations' rows are judged apart from the versioned ones.
        let rows: Vec<HistoryRow> = rows
            .iter()
            .filter(|r| !history::is_repeatable(&r.version))
            .cloned()
            .collect();
        let rows = rows.as_slice();
        // Rows that match a migration; any other row is a migration whose file is gone.
        let mut matched = 0;
        for m in self.migrations.iter() {
            if by_version.contains_key(m.version()) {
                matched += 1;
            }
            match by_version.get(m.version()) {
                Some(row) if row.checksum != m.checksum() && !self.allow_modified => {
                    return Err(Error::Modified {
                        version: m.version().to_owned(),
                        name: m.name().to_owned(),
                        recorded: row.checksum.clone(),
                        current: m.checksum().to_owned(),
                    });
                }
                Some(_) => {}
                None if target.is_none_or(|t| m.version_parts() <= t) => pending.push(m.clone()),
                None => {}
            }
        }
        if !self.allow_missing && rows.len() > matched {
            let known: HashMap<&str, ()> =
                self.migrations.iter().map(|m| (m.version(), ())).collect();
            if let Some(row) = rows
                .iter()
                .find(|r| !known.contains_key(r.version.as_str()))
            {
                return Err(Error::Missing {
                    version: row.version.clone(),
                    name: row.name.clone(),
                });
            }
        }
        let mut warnings = Vec::new();
        if let Some(newest) = rows.iter().map(|r| history::parts_of(&r.version)).max() {
            let newest_text = rows
                .iter()
                .find(|r| history::parts_of(&r.version) == newest)
                .map(|r| r.version.clone())
                .unwrap_or_default();
            for m in pending
                .iter()
                .filter(|m| m.version_parts() < newest.as_slice())
            {
                match self.out_of_order {
                    Level::Deny => {
                        return Err(Error::OutOfOrder {
                            version: m.version().to_owned(),
                            name: m.name().to_owned(),
                            newest: newest_text,
                        });
                    }
                    Level::Warn => warnings.push(format!(
                        "migration {} `{}` is older than the newest applied migration {newest_text}; applying it out of order",
                        m.version(),
                        m.name()
                    )),
                    Level::Allow => {}
                }
            }
        }
        // Then the repeatable migrations that are new or changed, in name order, as Flyway
        // runs them: after every versioned one (so not with `--to`).
        if target.is_none() {
            for r in self.repeatable.iter() {
                let recorded = by_version.get(r.version()).map(|row| row.checksum.as_str());
                if recorded != Some(r.checksum()) {
                    pending.push(r.clone());
                }
            }
        }
        Ok(Plan { pending, warnings })
    }

    /// Applies every pending migration. When nothing is pending this costs one query and
    /// takes no lock.
    pub async fn run<DB: Backend>(&self, pool: &Pool<DB>) -> Result<Report, Error> {
        self.apply_up(pool, None).await
    }

    /// Applies every pending migration, then awaits `check` (a health check of the
    /// application, say); when it fails, reverts exactly the migrations this run applied,
    /// newest first, from their stored downs, and returns [`Error::HealthCheck`] with the
    /// check's message. Before anything is applied it refuses a pending migration with no down
    /// ([`Error::Irreversible`]), since it could not be rolled back.
    ///
    /// ```no_run
    /// # async fn f(pool: sqlx::SqlitePool, migrator: migrate_runtime::Migrator) -> Result<(), migrate_runtime::Error> {
    /// migrator
    ///     .run_checked(&pool, async |_report| {
    ///         let healthy = true; // ask the application
    ///         if healthy { Ok(()) } else { Err("the health endpoint answered 503".to_owned()) }
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn run_checked<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        check: impl AsyncFnOnce(&Report) -> Result<(), String>,
    ) -> Result<Report, Error> {
        let plan = self.plan(pool).await?;
        if let Some(m) = plan.pending.iter().find(|m| m.down_sql().is_none()) {
            return Err(Error::Irreversible {
                version: m.version().to_owned(),
                name: m.name().to_owned(),
            });
        }
        let report = self.run(pool).await?;
        let Err(message) = check(&report).await else {
            return Ok(report);
        };
        let applied: Vec<Vec<u64>> = report
            .applied
            .iter()
            .map(|r| history::parts_of(&r.version))
            .collect();
        let reverted = self.revert(pool, RevertTarget::Only(applied)).await?;
        Err(Error::HealthCheck {
            message,
            reverted: reverted.reverted.into_iter().map(|r| r.version).collect(),
        })
    }

    /// Applies pending migrations up to and including `version`.
    pub async fn run_to<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        version: &Version,
    ) -> Result<Report, Error> {
        self.find(version)?;
        self.apply_up(pool, Some(version.parts())).await
    }

    /// What `run` would apply, without applying it.
    pub async fn plan<DB: Backend>(&self, pool: &Pool<DB>) -> Result<Plan, Error> {
        let table = self.table()?;
        let mut conn = acquire(pool).await?;
        let rows = DB::read_history(&mut conn, &table)
            .await?
            .unwrap_or_default();
        self.pending(&rows, None, &table)
    }

    /// Every migration and every history row with its state.
    pub async fn status<DB: Backend>(
        &self,
        pool: &Pool<DB>,
    ) -> Result<Vec<MigrationStatus>, Error> {
        let table = self.table()?;
        let mut conn = acquire(pool).await?;
        let rows = DB::read_history(&mut conn, &table)
            .await?
            .unwrap_or_default();
        Ok(history::status(&self.migrations, &self.repeatable, &rows))
    }

    async fn apply_up<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        target: Option<&[u64]>,
    ) -> Result<Report, Error> {
        let table = self.table()?;
        let span =
            tracing::info_span!("migrate.run", table = %table.qualified(), dialect = %DB::DIALECT);
        async {
            let mut conn = acquire(pool).await?;
            let rows = DB::read_history(&mut conn, &table).await?;
            let rows = rows.as_deref().unwrap_or_default();
            // Without the lock a `dirty` row may be another process's migration in progress,
            // so it is judged only under the lock.
            if !rows.iter().any(|r| r.status == RowStatus::Dirty) {
                let plan = self.pending(rows, target, &table)?;
                if plan.pending.is_empty() {
                    return Ok(Report {
                        warnings: plan.warnings,
                        ..Report::default()
                    });
                }
            }
            // Something to apply: the server is asked what it is first, before the lock (a
            // standby accepts the lock and fails at the first write).
            let plan = match self.lock_plan::<DB>(&mut conn).await {
                Err(Error::ReadOnly) if self.skip_if_read_only => {
                    return Ok(Report {
                        skipped_read_only: true,
                        ..Report::default()
                    });
                }
                plan => plan?,
            };
            let lock = plan.clone();
            self.locked(pool, &mut conn, &table, &plan, async |conn, table| {
                DB::prepare(conn, table).await?;
                // Re-read under the lock: another process may have applied some already.
                let rows = DB::read_history(conn, table).await?.unwrap_or_default();
                let plan = self.pending(&rows, target, table)?;
                let mut report = Report {
                    warnings: lock.warnings.iter().cloned().chain(plan.warnings).collect(),
                    lock: Some(lock.strategy),
                    galera: lock.galera,
                    ..Report::default()
                };
                for warning in &report.warnings {
                    tracing::warn!("{warning}");
                }
                let newest = rows.iter().max_by(|a, b| {
                    history::parts_of(&a.version).cmp(&history::parts_of(&b.version))
                });
                let mut queue: VecDeque<Migration> = plan.pending.into();
                while let Some(m) = queue.pop_front() {
                    let m = &m;
                    let step = Step {
                        migration: m,
                        direction: Direction::Up,
                        sql: m.up_sql(),
                        path: m.path(),
                        mode: m.up_mode,
                        first_line: m.up_line,
                        replace: m.repeatable,
                    };
                    match self.step::<DB>(conn, table, step).await {
                        Ok((ran, relocked)) => {
                            report.applied.extend(ran);
                            if relocked {
                                // The lock was let go of (SQLite, around a migration outside
                                // the transaction): what is left is planned again from the
                                // history as it is now.
                                let rows = DB::read_history(conn, table).await?.unwrap_or_default();
                                queue = self.pending(&rows, target, table)?.pending.into();
                            }
                        }
                        // An out-of-order migration that fails may be one whose row was lost:
                        // the error says so.
                        Err(Error::Migration(mut failure)) => {
                            failure.older_than = newest
                                .filter(|n| {
                                    history::parts_of(&n.version).as_slice() > m.version_parts()
                                })
                                .map(|n| n.version.clone());
                            return Err(Error::Migration(failure));
                        }
                        Err(e) => return Err(e),
                    }
                }
                Ok(report)
            })
            .await
        }
        .instrument(span)
        .await
    }

    /// Runs one step; returns what ran (`None` when another process had done it) and whether
    /// the backend let go of its lock meanwhile.
    pub(crate) async fn step<DB: Backend>(
        &self,
        conn: &mut DB::Connection,
        table: &Table,
        step: Step<'_>,
    ) -> Result<(Option<Ran>, bool), Error> {
        let m = step.migration;
        let span = tracing::info_span!("migrate.step", version = m.version(), name = m.name(), direction = ?step.direction);
        async {
            if let Some(hooks) = &self.hooks {
                hooks.before(m, step.direction);
            }
            let started = Instant::now();
            let applied = DB::apply(conn, table, step).await?;
            let duration = started.elapsed();
            if !applied.ran {
                return Ok((None, applied.relocked));
            }
            tracing::info!(duration_ms = duration.as_millis() as u64, "done");
            if let Some(hooks) = &self.hooks {
                hooks.after(m, step.direction, duration);
            }
            let ran = Ran {
                version: m.version().to_owned(),
                name: m.name().to_owned(),
                duration,
            };
            Ok((Some(ran), applied.relocked))
        }
        .instrument(span)
        .await
    }

    /// Asks the server what it is and decides the lock: refuses a read-only standby
    /// ([`Error::ReadOnly`]), takes the table lock on a Galera node unless told otherwise.
    pub(crate) async fn lock_plan<DB: Backend>(
        &self,
        conn: &mut DB::Connection,
    ) -> Result<LockPlan, Error> {
        let server = DB::server(conn).await?;
        LockPlan::decide(DB::DIALECT, self.lock, &server)
    }

    /// Runs `body` holding the migration lock `plan` chose, and releases the lock on every
    /// path. With the table lock, a heartbeat on `pool`'s connect options keeps it; if the lock
    /// is lost all the same, the body stops where it stands ([`Error::LockLost`]).
    pub(crate) async fn locked<DB: Backend, T>(
        &self,
        pool: &Pool<DB>,
        conn: &mut PoolConnection<DB>,
        table: &Table,
        plan: &LockPlan,
        body: impl AsyncFnOnce(&mut DB::Connection, &Table) -> Result<T, Error>,
    ) -> Result<T, Error> {
        // If this future is dropped half-way, the connection is closed rather than returned to
        // the pool, which ends the session and with it the lock and any `search_path`.
        conn.close_on_drop();
        match plan.strategy {
            LockStrategy::Session => {
                let run_lock = DB::run_lock(conn, table, self.lock_timeout).await?;
                DB::lock(conn, table, self.lock_timeout).await?;
                let result = body(conn, table).await;
                let settled = DB::settle(conn, table).await;
                let unlocked = DB::unlock(conn, table).await;
                drop(run_lock);
                let value = result?;
                settled?;
                unlocked?;
                Ok(value)
            }
            LockStrategy::Table => {
                let held =
                    TableLock::acquire::<DB>(conn, table, self.lock_timeout, self.lock_lease)
                        .await?;
                let keep = held.keep::<DB>(pool.connect_options(), table.clone());
                // A lost lock is another runner's now: nothing is released.
                let result = while_held(body(conn, table), keep).await?;
                let settled = DB::settle(conn, table).await;
                let released = held.release::<DB>(conn, table).await;
                let value = result?;
                settled?;
                released?;
                Ok(value)
            }
            LockStrategy::None => {
                let result = body(conn, table).await;
                let settled = DB::settle(conn, table).await;
                let value = result?;
                settled?;
                Ok(value)
            }
        }
    }

    /// [`Migrator::locked`] with the lock decided from the server first; its warnings go to
    /// `tracing`.
    pub(crate) async fn locked_here<DB: Backend, T>(
        &self,
        pool: &Pool<DB>,
        conn: &mut PoolConnection<DB>,
        table: &Table,
        body: impl AsyncFnOnce(&mut DB::Connection, &Table) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let plan = self.lock_plan::<DB>(conn).await?;
        for warning in &plan.warnings {
            tracing::warn!("{warning}");
        }
        self.locked(pool, conn, table, &plan, body).await
    }

    /// Reverts the last `n` applied migrations, newest first, using the down SQL stored in the
    /// history table (or, where none is stored, the file's).
    pub async fn revert_last<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        n: usize,
    ) -> Result<Report, Error> {
        self.revert(pool, RevertTarget::Last(n)).await
    }

    /// Reverts every applied migration newer than `version`.
    pub async fn revert_to<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        version: &Version,
    ) -> Result<Report, Error> {
        self.revert(pool, RevertTarget::Above(version.parts().to_vec()))
            .await
    }

    /// Reverts every applied migration.
    pub async fn revert_all<DB: Backend>(&self, pool: &Pool<DB>) -> Result<Report, Error> {
        self.revert(pool, RevertTarget::All).await
    }

    /// What a revert would undo, and the SQL it would run, without running it.
    pub async fn revert_plan<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        target: RevertTarget,
    ) -> Result<Vec<PlannedRevert>, Error> {
        let table = self.table()?;
        let mut conn = acquire(pool).await?;
        let rows = DB::read_history(&mut conn, &table).await?;
        self.check_revert_target(rows.as_deref().unwrap_or_default(), &target)?;
        let Some(rows) = rows else {
            return Ok(Vec::new());
        };
        let mut planned = Vec::new();
        for row in choose(&rows, &target) {
            let stored = DB::stored_down(&mut conn, &table, &row.version).await?;
            let file = self.migrations.iter().find(|m| m.version() == row.version);
            planned.push(PlannedRevert {
                version: row.version.clone(),
                name: row.name.clone(),
                sql: stored.or_else(|| file.and_then(|m| m.down_sql().map(str::to_owned))),
            });
        }
        Ok(planned)
    }

    /// Reverts the applied migrations `target` chooses, newest first.
    pub async fn revert<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        target: RevertTarget,
    ) -> Result<Report, Error> {
        let table = self.table()?;
        let mut conn = acquire(pool).await?;
        let lock = self.lock_plan::<DB>(&mut conn).await?;
        self.locked(pool, &mut conn, &table, &lock, async |conn, table| {
            let rows = DB::read_history(conn, table).await?;
            self.check_revert_target(rows.as_deref().unwrap_or_default(), &target)?;
            let Some(rows) = rows else {
                return Ok(Report::default());
            };
            if let Some(dirty) = rows.iter().find(|r| r.status == RowStatus::Dirty) {
                return Err(Error::Dirty {
                    version: dirty.version.clone(),
                    name: dirty.name.clone(),
                    table: table.qualified(),
                });
            }
            let chosen = choose(&rows, &target);
            DB::prepare(conn, table).await?;
            let mut report = Report {
                warnings: lock.warnings.clone(),
                lock: Some(lock.strategy),
                galera: lock.galera,
                ..Report::default()
            };
            // Versions another process reverted while the lock was let go of.
            let mut gone: Vec<String> = Vec::new();
            for row in chosen {
                if gone.contains(&row.version) {
                    continue;
                }
                let file = self.migrations.iter().find(|m| m.version() == row.version);
                let stored = DB::stored_down(conn, table, &row.version).await?;
                let down = stored.or_else(|| file.and_then(|m| m.down_sql().map(str::to_owned)));
                let Some(down) = down else {
                    return Err(Error::Irreversible {
                        version: row.version.clone(),
                        name: row.name.clone(),
                    });
                };
                // A migration whose file is gone still reverts, from the stored SQL.
                let fallback;
                let migration = match file {
                    Some(m) => m,
                    None => {
                        fallback = Migration {
                            version: Cow::Owned(row.version.clone()),
                            version_parts: Cow::Owned(history::parts_of(&row.version)),
                            name: Cow::Owned(row.name.clone()),
                            up: Cow::Borrowed(""),
                            down: Some(Cow::Owned(down.clone())),
                            checksum: Cow::Owned(row.checksum.clone()),
                            up_mode: migrate_core::TransactionMode::Transaction,
                            down_mode: migrate_core::TransactionMode::Transaction,
                            path: Cow::Owned(format!("{} (history table)", table.qualified())),
                            down_path: Cow::Owned(format!("{} (history table)", table.qualified())),
                            up_line: 1,
                            down_line: 1,
                            repeatable: false,
                        };
                        &fallback
                    }
                };
                let step = Step {
                    migration,
                    direction: Direction::Down,
                    sql: &down,
                    path: migration.down_path(),
                    mode: migration.down_mode,
                    first_line: migration.down_line,
                    replace: false,
                };
                let (ran, relocked) = self.step::<DB>(conn, table, step).await?;
                report.reverted.extend(ran);
                if relocked {
                    let now = DB::read_history(conn, table).await?.unwrap_or_default();
                    if let Some(dirty) = now.iter().find(|r| r.status == RowStatus::Dirty) {
                        return Err(Error::Dirty {
                            version: dirty.version.clone(),
                            name: dirty.name.clone(),
                            table: table.qualified(),
                        });
                    }
                    gone = rows
                        .iter()
                        .filter(|r| !now.iter().any(|n| n.version == r.version))
                        .map(|r| r.version.clone())
                        .collect();
                }
            }
            Ok(report)
        })
        .await
    }

    /// Records every migration up to and including `version` as applied, without running it:
    /// adopting a database whose schema already exists.
    pub async fn baseline<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        version: &Version,
    ) -> Result<Report, Error> {
        self.find(version)?;
        let table = self.table()?;
        let mut conn = acquire(pool).await?;
        self.locked_here(pool, &mut conn, &table, async |conn, table| {
            DB::prepare(conn, table).await?;
            let rows = DB::read_history(conn, table).await?.unwrap_or_default();
            let known: HashMap<&str, ()> = rows.iter().map(|r| (r.version.as_str(), ())).collect();
            let mut report = Report::default();
            for m in self.migrations.iter().filter(|m| {
                m.version_parts() <= version.parts() && !known.contains_key(m.version())
            }) {
                DB::record(conn, table, m).await?;
                report.recorded.push(m.version().to_owned());
            }
            Ok(report)
        })
        .await
    }

    /// Adopts a database from another migration tool: reads that tool's history table
    /// (`table`, or the tool's default name; in [`Migrator::in_schema`]'s schema when set),
    /// decides with `adopter` which of the migrations it applied, and records those not yet in
    /// the history as applied, with their down SQL, all in one transaction under the migration
    /// lock. The other tool's table is only read. With `dry_run` nothing is written.
    #[cfg(feature = "adopt")]
    pub async fn adopt<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        adopter: &migrate_core::adopt::Adopter,
        table: Option<&str>,
        dry_run: bool,
    ) -> Result<Adoption, Error> {
        use migrate_core::adopt::AdoptError;
        let ours = self.table()?;
        let tool = adopter.tool();
        let theirs = Table::new(
            self.schema.as_deref(),
            table.unwrap_or(tool.default_table()),
        )?;
        let mut conn = acquire(pool).await?;
        let body = async |conn: &mut DB::Connection, ours: &Table| {
            if !dry_run {
                DB::prepare(conn, ours).await?;
            }
            let shown = theirs.qualified();
            if let Some(probe) = tool.foreign_probe(&shown)
                && matches!(DB::text_rows(conn, &theirs, &probe).await, Ok(Some(_)))
            {
                return Err(AdoptError::WrongTool { table: shown }.into());
            }
            let rows = DB::text_rows(conn, &theirs, &tool.query(&shown, DB::DIALECT))
                .await
                .map_err(|e| match e {
                    // Not the columns the tool writes: another tool's table, or another name.
                    Error::HistoryShape { detail, .. } | Error::BadHistory { detail, .. } => {
                        AdoptError::BadRow {
                            tool,
                            table: shown.clone(),
                            detail,
                        }
                        .into()
                    }
                    other => other,
                })?;
            let decided = adopter.decide(&shown, rows)?;
            let history = DB::read_history(conn, ours).await?.unwrap_or_default();
            let known: HashMap<&str, ()> =
                history.iter().map(|r| (r.version.as_str(), ())).collect();
            let mut adoption = Adoption {
                table: shown,
                ..Adoption::default()
            };
            let mut todo: Vec<&Migration> = Vec::new();
            let repeatable = decided.repeatable.iter().map(|name| {
                let version = format!("{}{name}", crate::migration::REPEATABLE_PREFIX);
                self.repeatable
                    .iter()
                    .find(|r| r.version() == version)
                    .ok_or(Error::UnknownVersion {
                        version,
                        nearest: Vec::new(),
                    })
            });
            for m in decided
                .versions
                .iter()
                .map(|v| self.find(v))
                .chain(repeatable)
            {
                let m = m?;
                adoption.applied.push(m.version().to_owned());
                if !known.contains_key(m.version()) {
                    adoption.recorded.push(m.version().to_owned());
                    todo.push(m);
                }
            }
            adoption.changed = decided.repeatable_changed;
            if dry_run {
                return Ok(adoption);
            }
            if !todo.is_empty() {
                DB::record_all(conn, ours, &todo).await?;
            }
            Ok(adoption)
        };
        if dry_run {
            // Only reads, as `status` does: no lock, no history table created.
            body(&mut conn, &ours).await
        } else {
            self.locked_here(pool, &mut conn, &ours, body).await
        }
    }

    /// Marks a migration applied after a manual repair: a `dirty` row becomes `applied`, and a
    /// migration with no row gets one.
    pub async fn resolve_applied<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        version: &Version,
    ) -> Result<Report, Error> {
        let m = self.find(version)?.clone();
        let table = self.table()?;
        let mut conn = acquire(pool).await?;
        self.locked_here(pool, &mut conn, &table, async |conn, table| {
            DB::prepare(conn, table).await?;
            if DB::mark_applied(conn, table, m.version()).await? == 0 {
                DB::record(conn, table, &m).await?;
            }
            Ok(Report {
                recorded: vec![m.version().to_owned()],
                ..Report::default()
            })
        })
        .await
    }

    /// Removes a migration's row after a manual rollback, so the next run applies it again.
    pub async fn resolve_rolled_back<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        version: &Version,
    ) -> Result<Report, Error> {
        let table = self.table()?;
        let text = version.to_string();
        let mut conn = acquire(pool).await?;
        self.locked_here(pool, &mut conn, &table, async |conn, table| {
            if DB::read_history(conn, table).await?.is_none()
                || DB::forget(conn, table, &text).await? == 0
            {
                let rows = DB::read_history(conn, table).await?.unwrap_or_default();
                return Err(self.unknown(version.parts(), &rows));
            }
            Ok(Report {
                recorded: vec![text.clone()],
                ..Report::default()
            })
        })
        .await
    }

    /// Re-records the name, checksum and down SQL of every applied migration from its file,
    /// returning the rows whose checksum changed.
    pub async fn repair<DB: Backend>(&self, pool: &Pool<DB>) -> Result<Vec<Repaired>, Error> {
        let table = self.table()?;
        let mut conn = acquire(pool).await?;
        self.locked_here(pool, &mut conn, &table, async |conn, table| {
            let rows = DB::read_history(conn, table).await?.unwrap_or_default();
            let mut changed = Vec::new();
            for row in &rows {
                let Some(m) = self.migrations.iter().find(|m| m.version() == row.version) else {
                    continue;
                };
                DB::rewrite(conn, table, m).await?;
                if row.checksum != m.checksum() {
                    changed.push(Repaired {
                        version: row.version.clone(),
                        name: m.name().to_owned(),
                        old_checksum: row.checksum.clone(),
                        new_checksum: m.checksum().to_owned(),
                    });
                }
            }
            Ok(changed)
        })
        .await
    }
}

/// What [`Migrator::adopt`] read and recorded.
#[cfg(feature = "adopt")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adoption {
    /// The other tool's history table, as it was read.
    pub table: String,
    /// The versions (and repeatable migrations, as `R__<name>`) the other tool applied, in
    /// order.
    pub applied: Vec<String>,
    /// Of those, the ones not yet in the history: recorded by this call, or on a dry run the
    /// ones it would record. Empty when every one is recorded already.
    pub recorded: Vec<String>,
    /// Repeatable migrations the other tool ran with different text: left pending, so the next
    /// run applies them again, as that tool would.
    pub changed: Vec<String>,
}

/// Which applied migrations a revert undoes, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevertTarget {
    /// The last `n` applied.
    Last(usize),
    /// Every applied migration newer than this version.
    Above(Vec<u64>),
    /// Every applied migration.
    All,
    /// Exactly these applied versions (what one run applied, say), newest first; a version
    /// that is not applied is passed over.
    Only(Vec<Vec<u64>>),
}

/// One migration a revert would undo, and the SQL it would run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRevert {
    pub version: String,
    pub name: String,
    /// The stored down SQL, else the file's; `None` when the migration is irreversible.
    pub sql: Option<String>,
}

/// A version's canonical text, as [`Version`] prints it.
fn version_text(parts: &[u64]) -> String {
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn choose<'r>(rows: &'r [HistoryRow], target: &RevertTarget) -> Vec<&'r HistoryRow> {
    // Repeatable migrations are not reverted, as Flyway does not undo them.
    let mut applied: Vec<&HistoryRow> = rows
        .iter()
        .filter(|r| !history::is_repeatable(&r.version))
        .collect();
    applied.sort_by_key(|r| std::cmp::Reverse(history::parts_of(&r.version)));
    match target {
        RevertTarget::Last(n) => applied.into_iter().take(*n).collect(),
        RevertTarget::Above(v) => applied
            .into_iter()
            .filter(|r| history::parts_of(&r.version) > *v)
            .collect(),
        RevertTarget::All => applied,
        RevertTarget::Only(versions) => applied
            .into_iter()
            .filter(|r| versions.contains(&history::parts_of(&r.version)))
            .collect(),
    }
}

pub(crate) async fn acquire<DB: Backend>(pool: &Pool<DB>) -> Result<PoolConnection<DB>, Error> {
    pool.acquire()
        .await
        .map_err(Error::db("connecting", "connect"))
}
