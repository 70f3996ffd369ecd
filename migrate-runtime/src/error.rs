//! The runtime's errors: each names the migration, the statement's line and the database's own
//! message where there is one, and says what to do next.

use std::time::Duration;

/// A SQLite migration run with foreign keys off left a row that refers to nothing:
/// `PRAGMA foreign_key_check` found it before the commit, and the migration was rolled back.
#[derive(Debug, thiserror::Error)]
#[error(
    "migration {version} `{name}` ({path}) left a row of `{table}`{} that refers to a row of `{parent}` that does not exist, so it was rolled back and nothing of it was applied; copy every referenced row into the rebuilt table before the old one is dropped (or delete the rows that refer to nothing), then run again",
    rowid.map(|r| format!(" (rowid {r})")).unwrap_or_default()
)]
pub struct DanglingReference {
    pub version: String,
    pub name: String,
    pub path: String,
    /// The table with the dangling reference.
    pub table: String,
    pub rowid: Option<i64>,
    /// The table it refers to.
    pub parent: String,
}

/// Why a runtime operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Talking to the database failed outside any migration (connecting, the history table).
    #[error(
        "{action} failed on the database: {source}; check that the database is reachable and the user may {action_hint}"
    )]
    Database {
        action: &'static str,
        action_hint: &'static str,
        #[source]
        source: sqlx::Error,
    },

    /// Writing a migration's history row failed.
    #[error("{}", recording_message(version, name, table, source))]
    Recording {
        version: String,
        name: String,
        table: String,
        #[source]
        source: sqlx::Error,
    },

    /// A migration's SQL failed.
    #[error(transparent)]
    Migration(Box<MigrationFailure>),

    /// A SQLite migration run with foreign keys off left a row that refers to nothing.
    #[error(transparent)]
    DanglingReference(Box<DanglingReference>),

    /// A migration is marked `dirty`, read under the migration lock: a run failed or was
    /// interrupted during it.
    #[error(
        "migration {version} `{name}` is marked dirty in {table}: a run failed or was interrupted while it ran outside a transaction (this was read holding the migration lock, so no other run is applying it now). Check its objects in the database, then run `cargo migrate resolve --applied {version}` if it completed or `cargo migrate resolve --rolled-back {version}` if it did not"
    )]
    Dirty {
        version: String,
        name: String,
        table: String,
    },

    /// An applied migration's file was edited.
    #[error(
        "migration {version} `{name}` was edited after it was applied (checksum {recorded} recorded, {current} now); restore the file, or run `cargo migrate repair` to record the new checksum (or allow modified migrations)"
    )]
    Modified {
        version: String,
        name: String,
        recorded: String,
        current: String,
    },

    /// An applied migration has no file any more.
    #[error(
        "migration {version} `{name}` is applied in the database but missing from the migrations; restore its file, or allow missing migrations to run anyway"
    )]
    Missing { version: String, name: String },

    /// A pending migration is older than the newest applied one and the policy refuses it.
    #[error(
        "migration {version} `{name}` is pending but older than the newest applied migration {newest}; give it a newer version, or set `out-of-order = \"warn\"` to apply it"
    )]
    OutOfOrder {
        version: String,
        name: String,
        newest: String,
    },

    /// The lock file that spans a SQLite run could not be opened or locked.
    #[error(
        "cannot lock {path}, the file that keeps other runs of this SQLite database waiting while one runs: {source}; check that the database's folder is writable"
    )]
    LockFile {
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// Another process held the migration lock for longer than the timeout.
    #[error(
        "waited {timeout:?} for the migration lock on {table} and another process still holds it{}; it may be applying a long migration: wait and run again, or raise the lock timeout",
        held_by(.holder)
    )]
    LockTimeout {
        table: String,
        timeout: Duration,
        /// Who holds it, where the server says: a PostgreSQL backend, a MySQL connection,
        /// the table lock's owner.
        holder: Option<String>,
    },

    /// The table lock was lost while the run held it: the run stopped where it stood.
    #[error(
        "the migration lock on {table} was lost during the run ({reason}), so the run stopped: a migration in a transaction was rolled back, one outside a transaction may be left dirty; check `cargo migrate status`, make sure the runner reaches the database steadily (or raise `lock-lease`), then run again"
    )]
    LockLost { table: String, reason: &'static str },

    /// The check given to [`crate::Migrator::run_checked`] failed, and what the run applied was
    /// reverted.
    #[error(
        "the health check failed ({message}), so the migrations this run applied were reverted, newest first: {}",
        if reverted.is_empty() { "none".to_owned() } else { reverted.join(", ") }
    )]
    HealthCheck {
        message: String,
        /// The versions reverted, newest first.
        reverted: Vec<String>,
    },

    /// A revert reached a migration that has no down SQL.
    #[error(
        "migration {version} `{name}` cannot be reverted: it has no down SQL, in its file or in the history table; write a down section, then run `cargo migrate repair` to record it"
    )]
    Irreversible { version: String, name: String },

    /// The server is a read-only standby: migrations run on the primary. (PostgreSQL.)
    #[error(
        "the server is a read-only standby (pg_is_in_recovery() is true), so nothing was applied and no lock was taken; migrations run on the primary: point the URL at it, or let replicas that start the same binary skip (`Migrator::skip_if_read_only`, `run --skip-if-read-only`)"
    )]
    ReadOnly,

    /// A setup statement of a queries file (`verify --explain`) failed.
    #[error(
        "the setup statement at {path}:{line} failed on the migrated schema: {message}; fix the statement (it runs before the queries, to create sample rows)"
    )]
    ExplainSetup {
        path: String,
        line: u32,
        message: String,
    },

    /// The scratch database given to `verify` already has migrations applied.
    #[error(
        "the scratch database already has migrations applied (version {version} in {table}); give `verify` an empty database, or let it make one beside the target"
    )]
    ScratchNotEmpty { table: String, version: String },

    /// A version given by the caller is in neither the folder nor the history.
    #[error(
        "no migration has version {version}, in the folder or in the history{}; nothing was changed: give a version that exists (`cargo migrate status` lists them)",
        nearest_text(nearest)
    )]
    UnknownVersion {
        version: String,
        /// The nearest versions that exist: the one before it and the one after it, where
        /// there is one.
        nearest: Vec<String>,
    },

    /// A revert to a version newer than the newest applied one: it would undo nothing, so the
    /// version is likely mistyped.
    #[error(
        "{version} is newer than the newest applied migration ({newest}), so reverting to it would undo nothing; nothing was changed: give an applied version (`cargo migrate status` lists them)"
    )]
    TargetAhead { version: String, newest: String },

    /// A table or schema name that cannot be written into SQL safely.
    #[error(
        "`{name}` is not a valid table or schema name; use letters, digits and `_` (at most 63), optionally `schema.table`"
    )]
    BadIdentifier { name: String },

    /// The history table lacks a column the runtime reads: altered by hand, or another tool's.
    #[error(
        "the history table {table} does not have the columns cargo-migrate keeps ({detail}): it was altered by hand or belongs to another tool; restore its columns (version, name, checksum, down_sql, applied_at, duration_ms, status, tool_version), or point `table` at a different history table"
    )]
    HistoryShape { table: String, detail: String },

    /// The history table holds a row the runtime does not understand.
    #[error(
        "the history table {table} holds a row it cannot read ({detail}); fix or remove the row, or point `table` at a different history table"
    )]
    BadHistory { table: String, detail: String },

    /// Another tool's history cannot be adopted as it stands.
    #[cfg(feature = "adopt")]
    #[error(transparent)]
    Adopt(#[from] migrate_core::adopt::AdoptError),
}

/// A migration whose SQL failed: which one, where, the database's message, and what it left.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
#[non_exhaustive]
pub struct MigrationFailure {
    pub version: String,
    pub name: String,
    /// The file of the failing SQL, relative to the package where known.
    pub path: String,
    /// The line in the file where the failing statement starts.
    pub line: u32,
    /// The failing statement, when it could be told apart.
    pub statement: Option<String>,
    /// The database's message.
    pub message: String,
    pub state: FailedState,
    /// The newest applied version, when this migration was applied out of order after it.
    pub older_than: Option<String>,
    #[source]
    pub source: sqlx::Error,
}

impl MigrationFailure {
    /// Whether the connection was lost (the server went away or ended the session), rather
    /// than the SQL being refused.
    pub fn connection_lost(&self) -> bool {
        connection_lost(&self.source)
    }

    fn render(&self) -> String {
        let (version, name, path, line) = (&self.version, &self.name, &self.path, self.line);
        let next = match (self.state, self.connection_lost()) {
            (FailedState::RolledBack, false) => match &self.older_than {
                Some(newest) => format!(
                    "nothing of it was applied. It is older than the newest applied migration {newest}: if its objects already exist, its history row was lost, and `cargo migrate resolve --applied {version}` records it; otherwise fix the SQL and run again"
                ),
                None => "nothing of it was applied, so fix the SQL and run again".to_owned(),
            },
            (FailedState::RolledBack, true) => {
                "nothing of it was applied: run again once the database is reachable".to_owned()
            }
            (FailedState::Dirty, false) => format!(
                "it is now marked dirty: repair the database by hand, then run `cargo migrate resolve --applied {version}` or `--rolled-back {version}`"
            ),
            (FailedState::Dirty, true) => format!(
                "its row stays marked dirty: once the database is back, check its objects, then run `cargo migrate resolve --applied {version}` if it completed or `--rolled-back {version}` if it did not, and run again"
            ),
        };
        if self.connection_lost() {
            format!(
                "the connection to the database was lost while migration {version} `{name}` ran ({path}:{line}): {}; {next}",
                self.message
            )
        } else {
            format!(
                "migration {version} `{name}` failed at {path}:{line}: {}; {next}",
                self.message
            )
        }
    }
}

/// Whether an error means the connection is gone: an I/O or protocol failure, or the server
/// ending the session (PostgreSQL SQLSTATE class 57P, MariaDB's killed-connection and
/// shutdown codes).
pub(crate) fn connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or("");
            // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now; MariaDB's
            // codes arrive as SQLSTATE 70100 (query/connection killed) or HY000 with a message.
            code.starts_with("57P")
                || code == "70100"
                || db.message().contains("Connection was killed")
                || db.message().contains("Server shutdown in progress")
        }
        _ => false,
    }
}

/// What a failed migration left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedState {
    /// Its transaction was rolled back: no trace.
    RolledBack,
    /// It ran outside a transaction: its row is `dirty`.
    Dirty,
}

fn recording_message(version: &str, name: &str, table: &str, source: &sqlx::Error) -> String {
    if connection_lost(source) {
        format!(
            "the connection to the database was lost while recording migration {version} `{name}` in {table}: {source}; once the database is back, run `cargo migrate status`: if the migration shows dirty, check its objects and run `cargo migrate resolve --applied {version}` or `--rolled-back {version}`, then run again"
        )
    } else {
        format!(
            "recording migration {version} `{name}` in {table} failed: {source}; check that the user may write the history table"
        )
    }
}

impl Error {
    /// Maps a failure to write migration `m`'s history row.
    #[cfg_attr(
        not(any(feature = "postgres", feature = "mysql", feature = "sqlite")),
        allow(dead_code, reason = "used by the backends only")
    )]
    pub(crate) fn recording(
        m: &crate::Migration,
        table: &str,
    ) -> impl FnOnce(sqlx::Error) -> Error + use<> {
        let (version, name, table) = (
            m.version().to_owned(),
            m.name().to_owned(),
            table.to_owned(),
        );
        move |source| Error::Recording {
            version,
            name,
            table,
            source,
        }
    }

    /// Maps a failure to read the history table: a missing column is the table's shape, not
    /// the connection.
    #[cfg_attr(
        not(any(feature = "postgres", feature = "mysql", feature = "sqlite")),
        allow(dead_code, reason = "used by the backends only")
    )]
    pub(crate) fn history_read(table: &str) -> impl FnOnce(sqlx::Error) -> Error + '_ {
        move |source| {
            let undefined_column = match &source {
                sqlx::Error::Database(db) => {
                    let code = db.code();
                    matches!(code.as_deref(), Some("42703" | "42S22"))
                        || db.message().contains("no such column")
                }
                sqlx::Error::ColumnNotFound(_) => true,
                _ => false,
            };
            if undefined_column {
                let detail = match &source {
                    sqlx::Error::Database(db) => db.message().to_owned(),
                    other => other.to_string(),
                };
                Error::HistoryShape {
                    table: table.to_owned(),
                    detail,
                }
            } else {
                Error::db("reading the history table", "read it")(source)
            }
        }
    }

    pub(crate) fn db(
        action: &'static str,
        action_hint: &'static str,
    ) -> impl FnOnce(sqlx::Error) -> Error {
        move |source| Error::Database {
            action,
            action_hint,
            source,
        }
    }
}

/// ` (held by …)` for a lock's holder, when known.
fn held_by(holder: &Option<String>) -> String {
    holder
        .as_deref()
        .map(|h| format!(" (held by {h})"))
        .unwrap_or_default()
}

/// `; the nearest are 10 and 20`, for [`Error::UnknownVersion`].
fn nearest_text(nearest: &[String]) -> String {
    match nearest {
        [] => String::new(),
        [one] => format!("; the nearest is {one}"),
        [a, b, ..] => format!("; the nearest are {a} and {b}"),
    }
}
