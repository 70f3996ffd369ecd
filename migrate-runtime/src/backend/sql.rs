//! The statements on the history table and on the lock table, written once for the three
//! dialects. Values are written into the text as literals, not bound as parameters: each call
//! is one simple query, which costs one round trip and prepares no statement, so the same path
//! works through a transaction pooler (PgBouncer), where a statement prepared on one server
//! connection is unknown on the next.

use migrate_core::Dialect;

use super::{Direction, Step};
use crate::history::Table;
use crate::migration::Migration;

/// The statements for one history table on one dialect.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sql<'t> {
    pub dialect: Dialect,
    pub table: &'t Table,
}

impl<'t> Sql<'t> {
    pub(crate) fn new(dialect: Dialect, table: &'t Table) -> Sql<'t> {
        Sql { dialect, table }
    }

    /// A string literal that reads back exactly on this dialect, whatever the session's
    /// settings: PostgreSQL's `E'…'` with backslashes escaped; on MySQL a hex literal with
    /// the `utf8mb4` introducer when the text holds a backslash (which `NO_BACKSLASH_ESCAPES`
    /// would read differently), else quotes doubled; on SQLite quotes doubled.
    pub(crate) fn lit(&self, s: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''")),
            Dialect::Mysql if s.contains('\\') => {
                let hex: String = s.bytes().map(|b| format!("{b:02X}")).collect();
                format!("_utf8mb4 X'{hex}'")
            }
            Dialect::Mysql | Dialect::Sqlite => format!("'{}'", s.replace('\'', "''")),
        }
    }

    fn opt(&self, s: Option<&str>) -> String {
        s.map_or_else(|| "NULL".to_owned(), |s| self.lit(s))
    }

    fn t(&self) -> String {
        self.table.qualified()
    }

    /// The current UTC time as the `applied_at` column stores it.
    fn now(&self) -> &'static str {
        match self.dialect {
            Dialect::Postgres => "now()",
            Dialect::Mysql => "UTC_TIMESTAMP(6)",
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        }
    }

    /// The server's clock in milliseconds since 1970, for the lock's lease: every runner
    /// compares against the same clock, whatever the clients' clocks say.
    fn now_ms(&self) -> &'static str {
        match self.dialect {
            Dialect::Postgres => "(extract(epoch from clock_timestamp()) * 1000)::bigint",
            Dialect::Mysql => "CAST(UNIX_TIMESTAMP(NOW(6)) * 1000 AS SIGNED)",
            Dialect::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
        }
    }

    /// A column cast to text, so every column of a read decodes the same way.
    fn text(&self, column: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("{column}::text"),
            Dialect::Mysql => format!("CAST({column} AS CHAR)"),
            Dialect::Sqlite => format!("CAST({column} AS TEXT)"),
        }
    }

    /// `version, name, checksum, status, applied_at (UTC, ISO 8601), duration_ms`, all text.
    pub(crate) fn select_history(&self) -> String {
        let applied_at = match self.dialect {
            Dialect::Postgres => {
                "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                    .to_owned()
            }
            Dialect::Mysql => "DATE_FORMAT(applied_at, '%Y-%m-%dT%H:%i:%s.%fZ')".to_owned(),
            Dialect::Sqlite => "applied_at".to_owned(),
        };
        format!(
            "SELECT version, name, checksum, status, {applied_at}, {} FROM {}",
            self.text("duration_ms"),
            self.t()
        )
    }

    /// One column (of text) of a version's row.
    pub(crate) fn select_value(&self, column: &str, version: &str) -> String {
        format!(
            "SELECT {column} FROM {} WHERE version = {}",
            self.t(),
            self.lit(version)
        )
    }

    /// The row of `m` with `status`; `duration_ms` is an expression.
    pub(crate) fn insert(&self, m: &Migration, status: &str, duration_ms: &str) -> String {
        format!(
            "INSERT INTO {} (version, name, checksum, down_sql, applied_at, duration_ms, status, tool_version) VALUES ({}, {}, {}, {}, {}, {duration_ms}, {}, {})",
            self.t(),
            self.lit(m.version()),
            self.lit(m.name()),
            self.lit(m.checksum()),
            self.opt(m.down_sql()),
            self.now(),
            self.lit(status),
            self.lit(super::TOOL_VERSION),
        )
    }

    /// The row of `m` as applied, unless its version has one already.
    pub(crate) fn insert_if_absent(&self, m: &Migration) -> String {
        let insert = self.insert(m, "applied", "0");
        match self.dialect {
            Dialect::Postgres => format!("{insert} ON CONFLICT (version) DO NOTHING"),
            Dialect::Mysql => insert.replacen("INSERT INTO", "INSERT IGNORE INTO", 1),
            Dialect::Sqlite => insert.replacen("INSERT INTO", "INSERT OR IGNORE INTO", 1),
        }
    }

    /// What records a step that ran: going up, its row with `status` (replacing a repeatable
    /// migration's earlier row); going down, the deletion of its row.
    pub(crate) fn record_step(&self, step: &Step<'_>, status: &str, duration_ms: &str) -> String {
        let m = step.migration;
        match step.direction {
            Direction::Up if step.replace => format!(
                "{};\n{}",
                self.delete(m.version()),
                self.insert(m, status, duration_ms)
            ),
            Direction::Up => self.insert(m, status, duration_ms),
            Direction::Down => self.delete(m.version()),
        }
    }

    /// What marks a step `dirty` before it runs outside a transaction: going up, its new row;
    /// going down, its row's status.
    pub(crate) fn mark_dirty(&self, step: &Step<'_>) -> String {
        match step.direction {
            Direction::Up => self.record_step(step, "dirty", "0"),
            Direction::Down => self.set_status(step.migration.version(), "dirty"),
        }
    }

    pub(crate) fn delete(&self, version: &str) -> String {
        format!(
            "DELETE FROM {} WHERE version = {}",
            self.t(),
            self.lit(version)
        )
    }

    pub(crate) fn set_status(&self, version: &str, status: &str) -> String {
        format!(
            "UPDATE {} SET status = {} WHERE version = {}",
            self.t(),
            self.lit(status),
            self.lit(version)
        )
    }

    /// Marks a row applied after its SQL ran, with how long it took and when it finished.
    pub(crate) fn finish(&self, version: &str, duration_ms: u128) -> String {
        format!(
            "UPDATE {} SET status = 'applied', duration_ms = {duration_ms}, applied_at = {} WHERE version = {}",
            self.t(),
            self.now(),
            self.lit(version)
        )
    }

    pub(crate) fn rewrite(&self, m: &Migration) -> String {
        format!(
            "UPDATE {} SET name = {}, checksum = {}, down_sql = {} WHERE version = {}",
            self.t(),
            self.lit(m.name()),
            self.lit(m.checksum()),
            self.opt(m.down_sql()),
            self.lit(m.version())
        )
    }

    /// `statements` all or none, and what undoes them when one failed. SQLite's run is one
    /// transaction already (its lock), so a savepoint inside it.
    pub(crate) fn atomic(&self, statements: &str) -> (String, &'static str) {
        match self.dialect {
            Dialect::Sqlite => (
                format!("SAVEPOINT migrate_atomic;\n{statements}\nRELEASE migrate_atomic"),
                "ROLLBACK TO migrate_atomic; RELEASE migrate_atomic",
            ),
            Dialect::Postgres | Dialect::Mysql => {
                (format!("BEGIN;\n{statements}\nCOMMIT"), "ROLLBACK")
            }
        }
    }

    /// The lock table: beside the history table, named after it with `_lock`.
    pub(crate) fn lock_table(&self) -> String {
        format!("{}_lock", self.t())
    }

    /// The statements that make the lock table where it is missing, with its schema (a
    /// MySQL database) when the table has one: one row at most (`id = 1`), saying who holds
    /// the lock, since when and until when, in the server's milliseconds. InnoDB on MySQL,
    /// which Galera replicates.
    pub(crate) fn create_lock_table(&self) -> Vec<String> {
        let mut statements = Vec::new();
        match (&self.table.schema, self.dialect) {
            (Some(schema), Dialect::Postgres) => {
                statements.push(format!("CREATE SCHEMA IF NOT EXISTS {schema}"));
            }
            (Some(schema), Dialect::Mysql) => {
                statements.push(format!("CREATE DATABASE IF NOT EXISTS {schema}"));
            }
            _ => {}
        }
        let engine = match self.dialect {
            Dialect::Mysql => " ENGINE=InnoDB",
            Dialect::Postgres | Dialect::Sqlite => "",
        };
        statements.push(format!(
            "CREATE TABLE IF NOT EXISTS {} (id INTEGER NOT NULL PRIMARY KEY, owner VARCHAR(255) NOT NULL, acquired_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL){engine}",
            self.lock_table()
        ));
        statements
    }

    /// Takes a free lock: inserts the row unless there is one. One row changed: taken.
    pub(crate) fn take_lock(&self, owner: &str, lease_ms: u128) -> String {
        let insert = format!(
            "INSERT INTO {} (id, owner, acquired_ms, expires_ms) VALUES (1, {}, {now}, {now} + {lease_ms})",
            self.lock_table(),
            self.lit(owner),
            now = self.now_ms(),
        );
        match self.dialect {
            Dialect::Postgres => format!("{insert} ON CONFLICT (id) DO NOTHING"),
            Dialect::Mysql => insert.replacen("INSERT INTO", "INSERT IGNORE INTO", 1),
            Dialect::Sqlite => insert.replacen("INSERT INTO", "INSERT OR IGNORE INTO", 1),
        }
    }

    /// Takes over a lock whose lease has expired. One row changed: taken.
    pub(crate) fn take_over_lock(&self, owner: &str, lease_ms: u128) -> String {
        format!(
            "UPDATE {} SET owner = {}, acquired_ms = {now}, expires_ms = {now} + {lease_ms} WHERE id = 1 AND expires_ms < {now}",
            self.lock_table(),
            self.lit(owner),
            now = self.now_ms(),
        )
    }

    /// Extends the lease of the lock `owner` holds. No row changed: it holds it no more.
    pub(crate) fn renew_lock(&self, owner: &str, lease_ms: u128) -> String {
        format!(
            "UPDATE {} SET expires_ms = {} + {lease_ms} WHERE id = 1 AND owner = {}",
            self.lock_table(),
            self.now_ms(),
            self.lit(owner),
        )
    }

    pub(crate) fn release_lock(&self, owner: &str) -> String {
        format!(
            "DELETE FROM {} WHERE id = 1 AND owner = {}",
            self.lock_table(),
            self.lit(owner)
        )
    }

    /// The holder and the milliseconds left on its lease, for messages.
    pub(crate) fn lock_holder(&self) -> String {
        format!(
            "SELECT owner, {} FROM {} WHERE id = 1",
            self.text(&format!("(expires_ms - {})", self.now_ms())),
            self.lock_table()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table::new(None, "_migrations").expect("a plain name")
    }

    #[test]
    fn literals_read_back_on_every_dialect() {
        let t = table();
        assert_eq!(Sql::new(Dialect::Postgres, &t).lit("a'b\\c"), r"E'a''b\\c'");
        assert_eq!(Sql::new(Dialect::Sqlite, &t).lit("a'b\\c"), r"'a''b\c'");
        assert_eq!(Sql::new(Dialect::Mysql, &t).lit("it's"), "'it''s'");
        // A backslash would read differently under NO_BACKSLASH_ESCAPES: hex instead.
        assert_eq!(
            Sql::new(Dialect::Mysql, &t).lit("a\\b"),
            "_utf8mb4 X'615C62'"
        );
    }

    #[test]
    fn the_lock_table_sits_beside_the_history() {
        let t = Table::new(Some("tenant_1"), "_migrations").expect("plain names");
        let sql = Sql::new(Dialect::Postgres, &t);
        assert_eq!(sql.lock_table(), "tenant_1._migrations_lock");
        assert!(
            sql.take_lock("me", 30_000)
                .ends_with("ON CONFLICT (id) DO NOTHING")
        );
        assert!(
            Sql::new(Dialect::Mysql, &t)
                .take_lock("me", 30_000)
                .starts_with("INSERT IGNORE INTO tenant_1._migrations_lock")
        );
    }
}
