//! The history table and the comparison of its rows with the migrations.

use std::collections::HashMap;

use migrate_core::config::is_plain_identifier;

use crate::error::Error;
use crate::migration::Migration;

/// The history table: an optional schema and a name, both checked to be plain identifiers, so
/// they are written into SQL as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub schema: Option<String>,
    pub name: String,
}

impl Table {
    pub(crate) fn new(schema: Option<&str>, table: &str) -> Result<Table, Error> {
        let (schema, name) = match table.split_once('.') {
            // A schema in the table name wins over none; `in_schema` wins over both.
            Some((s, n)) => (schema.or(Some(s)), n),
            None => (schema, table),
        };
        for part in schema.iter().chain([&name]) {
            if !is_plain_identifier(part) {
                return Err(Error::BadIdentifier {
                    name: (*part).to_owned(),
                });
            }
        }
        Ok(Table {
            schema: schema.map(str::to_owned),
            name: name.to_owned(),
        })
    }

    /// `schema.name` or `name`, for SQL and messages.
    pub(crate) fn qualified(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// `applied` or `dirty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    Applied,
    Dirty,
}

/// One row of the history table (without its down SQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub version: String,
    pub name: String,
    pub checksum: String,
    pub status: RowStatus,
    /// UTC, as the database prints it.
    pub applied_at: String,
    pub duration_ms: i64,
}

impl HistoryRow {
    #[cfg_attr(
        not(any(feature = "postgres", feature = "mysql", feature = "sqlite")),
        allow(dead_code)
    )]
    pub(crate) fn parse_status(text: &str, table: &Table) -> Result<RowStatus, Error> {
        match text {
            "applied" => Ok(RowStatus::Applied),
            "dirty" => Ok(RowStatus::Dirty),
            other => Err(Error::BadHistory {
                table: table.qualified(),
                detail: format!("status `{other}` is neither `applied` nor `dirty`"),
            }),
        }
    }
}

/// Where a migration stands against the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Applied,
    Pending,
    /// Applied, but its file changed since.
    Modified,
    /// Applied, but no file has its version.
    Missing,
    /// Failed or interrupted outside a transaction.
    Dirty,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Modified => "modified",
            State::Missing => "missing",
            State::Dirty => "dirty",
        }
    }
}

/// One line of [`crate::Migrator::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub version: String,
    pub name: String,
    pub state: State,
    pub applied_at: Option<String>,
    pub duration_ms: Option<i64>,
}

/// Parses canonical version text into parts for ordering rows that have no file.
pub(crate) fn parts_of(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map(|p| p.parse().unwrap_or(u64::MAX))
        .collect()
}

/// Whether a history row's version is a repeatable migration's (`R__<name>`).
pub(crate) fn is_repeatable(version: &str) -> bool {
    version.starts_with(crate::migration::REPEATABLE_PREFIX)
}

/// Every migration and every history row, in version order, with its state; then the
/// repeatable migrations, in name order (`pending` when new or changed since they last ran).
pub(crate) fn status(
    migrations: &[Migration],
    repeatable: &[Migration],
    rows: &[HistoryRow],
) -> Vec<MigrationStatus> {
    let by_version: HashMap<&str, &HistoryRow> =
        rows.iter().map(|r| (r.version.as_str(), r)).collect();
    let mut out: Vec<(Vec<u64>, MigrationStatus)> = Vec::with_capacity(migrations.len());
    for m in migrations {
        let row = by_version.get(m.version()).copied();
        let state = match row {
            None => State::Pending,
            Some(r) if r.status == RowStatus::Dirty => State::Dirty,
            Some(r) if r.checksum != m.checksum() => State::Modified,
            Some(_) => State::Applied,
        };
        out.push((
            m.version_parts().to_vec(),
            MigrationStatus {
                version: m.version().to_owned(),
                name: m.name().to_owned(),
                state,
                applied_at: row.map(|r| r.applied_at.clone()),
                duration_ms: row.map(|r| r.duration_ms),
            },
        ));
    }
    let known: HashMap<&str, ()> = migrations
        .iter()
        .chain(repeatable)
        .map(|m| (m.version(), ()))
        .collect();
    for r in rows
        .iter()
        .filter(|r| !known.contains_key(r.version.as_str()))
    {
        out.push((
            parts_of(&r.version),
            MigrationStatus {
                version: r.version.clone(),
                name: r.name.clone(),
                state: if r.status == RowStatus::Dirty {
                    State::Dirty
                } else {
                    State::Missing
                },
                applied_at: Some(r.applied_at.clone()),
                duration_ms: Some(r.duration_ms),
            },
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<MigrationStatus> = out.into_iter().map(|(_, s)| s).collect();
    for r in repeatable {
        let row = by_version.get(r.version()).copied();
        let state = match row {
            Some(row) if row.status == RowStatus::Dirty => State::Dirty,
            Some(row) if row.checksum == r.checksum() => State::Applied,
            // New, or changed since it last ran: the next run applies it.
            _ => State::Pending,
        };
        out.push(MigrationStatus {
            version: r.version().to_owned(),
            name: r.name().to_owned(),
            state,
            applied_at: row.map(|r| r.applied_at.clone()),
            duration_ms: row.map(|r| r.duration_ms),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_checked() {
        assert_eq!(
            Table::new(None, "_migrations").map(|t| t.qualified()).ok(),
            Some("_migrations".into())
        );
        assert_eq!(
            Table::new(None, "app._m").map(|t| t.qualified()).ok(),
            Some("app._m".into())
        );
        assert_eq!(
            Table::new(Some("tenant_1"), "app._m")
                .map(|t| t.qualified())
                .ok(),
            Some("tenant_1._m".into())
        );
        assert!(Table::new(None, "x; DROP TABLE users").is_err());
        assert!(Table::new(Some("a\"b"), "_m").is_err());
    }

    #[test]
    fn versions_order_numerically() {
        assert!(parts_of("1.12.10") > parts_of("1.12.9"));
    }
}
