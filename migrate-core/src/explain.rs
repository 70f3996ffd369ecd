//! Query plans after the migrations: the queries file of `cargo migrate verify --explain`.
//!
//! The file holds SQL for the dialect. Its `SELECT` (and `WITH`, `VALUES`) statements are the
//! queries to check; every other statement is setup (sample rows, `ANALYZE`), run first, in
//! order. A line `-- migrate:max-scan-rows N` sets a size: a query that reads the whole of a
//! table with more rows than `N` is reported even when no index could help.
//!
//! The runtime runs `EXPLAIN` for each query on the migrated scratch database and passes the
//! plan here as text; [`whole_table_reads`] finds the tables a plan reads whole, the way each
//! server says so:
//!
//! - PostgreSQL: `Seq Scan on t`, with sequential scans disabled for the `EXPLAIN`
//!   (`enable_seqscan = off`), so that a small sample table does not hide a usable index: a
//!   sequential scan left in that plan is one no index can replace;
//! - MySQL/MariaDB: a row of access type `ALL` (every row) or `index` (every entry of an
//!   index); its `possible_keys` names the indexes the server could have used;
//! - SQLite: `SCAN t` in `EXPLAIN QUERY PLAN`, with or without `USING … INDEX` (a whole index
//!   is still every row; SQLite's planner assumes large tables until `ANALYZE`, so it
//!   `SEARCH`es with any index it can use).
//!
//! A whole-table read is reported when the table has an index the query could use (PostgreSQL
//! and SQLite: the table has an index and the plan still scans it; MySQL: `possible_keys`), or
//! when the table holds more rows than the file's `max-scan-rows`.

use crate::Dialect;
use crate::position::Position;
use crate::split::split;

/// A statement of the queries file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStatement {
    pub sql: String,
    /// Where the statement starts in the file.
    pub start: Position,
}

/// The queries file, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueriesFile {
    /// Statements run before the queries, in order.
    pub setup: Vec<FileStatement>,
    /// The queries whose plans are checked.
    pub queries: Vec<FileStatement>,
    /// `-- migrate:max-scan-rows N`.
    pub max_scan_rows: Option<u64>,
}

/// A line of the file that is not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct QueriesFileError {
    pub line: u32,
    pub message: String,
}

impl QueriesFile {
    /// Reads the file's text for a dialect.
    pub fn parse(text: &str, dialect: Dialect) -> Result<QueriesFile, QueriesFileError> {
        let mut file = QueriesFile::default();
        for (i, line) in text.lines().enumerate() {
            let Some(rest) = line.trim().strip_prefix("-- migrate:max-scan-rows") else {
                continue;
            };
            let value = rest.trim().trim_start_matches('=').trim();
            let rows = value.parse::<u64>().map_err(|_| QueriesFileError {
                line: i as u32 + 1,
                message: format!(
                    "`-- migrate:max-scan-rows` wants a number of rows, as `-- migrate:max-scan-rows 1000`, not `{value}`"
                ),
            })?;
            file.max_scan_rows = Some(rows);
        }
        for statement in split(text, dialect).sql() {
            let sql = statement.text(text).to_owned();
            let first = sql
                .split(|c: char| !c.is_ascii_alphabetic())
                .find(|w| !w.is_empty())
                .unwrap_or_default()
                .to_ascii_uppercase();
            let item = FileStatement {
                sql,
                start: statement.start,
            };
            if matches!(first.as_str(), "SELECT" | "WITH" | "VALUES") {
                file.queries.push(item);
            } else {
                file.setup.push(item);
            }
        }
        Ok(file)
    }
}

/// A table a plan reads whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRead {
    pub table: String,
    /// The plan's line that says so.
    pub plan_line: String,
    /// MySQL: the indexes the server could have used (`possible_keys`).
    pub possible_keys: Option<String>,
}

/// The whole-table reads in a plan. PostgreSQL's and SQLite's plans are their text lines;
/// MySQL's are one line per row, `table=<t> type=<type> possible_keys=<keys|NULL>`, as the
/// runtime writes them.
pub fn whole_table_reads(dialect: Dialect, plan: &[String]) -> Vec<TableRead> {
    let mut reads = Vec::new();
    for line in plan {
        let text = line.trim().trim_start_matches("->").trim();
        match dialect {
            Dialect::Postgres => {
                let rest = text
                    .strip_prefix("Parallel Seq Scan on ")
                    .or_else(|| text.strip_prefix("Seq Scan on "));
                if let Some(rest) = rest {
                    let table = rest.split_whitespace().next().unwrap_or_default();
                    reads.push(TableRead {
                        table: table.trim_matches('"').to_owned(),
                        plan_line: text.to_owned(),
                        possible_keys: None,
                    });
                }
            }
            Dialect::Sqlite => {
                // Every `SCAN` is a pass over the whole table (or a whole index of it); a
                // `SEARCH` uses an index.
                if let Some(rest) = text.strip_prefix("SCAN ") {
                    let table = rest.split_whitespace().next().unwrap_or_default();
                    // `SCAN CONSTANT ROW`, subqueries and CTEs name no table of the schema.
                    if !table.is_empty() && table != "CONSTANT" && !table.starts_with('(') {
                        reads.push(TableRead {
                            table: table.to_owned(),
                            plan_line: text.to_owned(),
                            possible_keys: None,
                        });
                    }
                }
            }
            Dialect::Mysql => {
                let field = |name: &str| {
                    text.split_whitespace()
                        .find_map(|f| f.strip_prefix(&format!("{name}=")))
                        .map(str::to_owned)
                };
                // `ALL` reads every row; `index` reads every entry of an index.
                if matches!(field("type").as_deref(), Some("ALL" | "index"))
                    && let Some(table) = field("table")
                    && !table.starts_with('<')
                {
                    reads.push(TableRead {
                        table,
                        plan_line: text.to_owned(),
                        possible_keys: field("possible_keys").filter(|k| k != "NULL"),
                    });
                }
            }
        }
    }
    reads
}

/// Why a whole-table read is reported, or `None` when it is fine. `has_index`: whether the
/// table has any index (PostgreSQL, SQLite: the plan scans it anyway, so none serves the
/// query); MySQL says it with `possible_keys`. `rows`: the table's rows after the setup.
pub fn judge(
    dialect: Dialect,
    read: &TableRead,
    has_index: bool,
    rows: u64,
    max_scan_rows: Option<u64>,
) -> Option<String> {
    let table = &read.table;
    match (dialect, &read.possible_keys) {
        (Dialect::Mysql, Some(keys)) => {
            return Some(format!(
                "reads all of `{table}` although it has an index the query could use ({keys})"
            ));
        }
        (Dialect::Postgres | Dialect::Sqlite, _) if has_index => {
            return Some(format!(
                "reads all of `{table}` although the table has indexes: none of them serves this query"
            ));
        }
        _ => {}
    }
    match max_scan_rows {
        Some(limit) if rows > limit => Some(format!(
            "reads all of `{table}`, which has {rows} rows, more than the file's max-scan-rows {limit}"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_and_queries_are_told_apart() {
        let text = "-- sample rows\nINSERT INTO users VALUES (1, 'a');\nANALYZE users;\n-- migrate:max-scan-rows 500\nSELECT * FROM users WHERE email = 'a';\nWITH x AS (SELECT 1) SELECT * FROM x;\n";
        let file = QueriesFile::parse(text, Dialect::Postgres).expect("parses");
        assert_eq!(file.setup.len(), 2);
        assert_eq!(file.queries.len(), 2);
        assert_eq!(file.queries[0].start.line, 5);
        assert_eq!(file.max_scan_rows, Some(500));
        let bad = QueriesFile::parse("-- migrate:max-scan-rows many\n", Dialect::Postgres);
        assert_eq!(bad.expect_err("refused").line, 1);
    }

    #[test]
    fn each_server_says_whole_table_in_its_own_words() {
        let pg = vec![
            "Nested Loop  (cost=0.00..1.00 rows=1 width=4)".to_owned(),
            "  ->  Seq Scan on users  (cost=10000000000.00..10000000001.01 rows=1 width=36)"
                .to_owned(),
            "  ->  Index Scan using posts_pkey on posts  (cost=0.15..8.17 rows=1 width=4)"
                .to_owned(),
        ];
        let reads = whole_table_reads(Dialect::Postgres, &pg);
        assert_eq!(reads.len(), 1);
        assert_eq!(reads[0].table, "users");
        let sqlite = vec![
            "SCAN users".to_owned(),
            "SEARCH posts USING INDEX posts_user (user_id=?)".to_owned(),
            "SCAN tags USING COVERING INDEX tags_name".to_owned(),
            "SCAN CONSTANT ROW".to_owned(),
        ];
        let reads = whole_table_reads(Dialect::Sqlite, &sqlite);
        assert_eq!(
            reads.iter().map(|r| r.table.as_str()).collect::<Vec<_>>(),
            ["users", "tags"]
        );
        let mysql = vec![
            "table=users type=ALL possible_keys=users_email".to_owned(),
            "table=posts type=ref possible_keys=posts_user".to_owned(),
            "table=tags type=ALL possible_keys=NULL".to_owned(),
        ];
        let reads = whole_table_reads(Dialect::Mysql, &mysql);
        assert_eq!(reads.len(), 2);
        assert!(judge(Dialect::Mysql, &reads[0], true, 3, None).is_some());
        // No index could help `tags`, and it is small: fine.
        assert!(judge(Dialect::Mysql, &reads[1], true, 3, None).is_none());
        assert!(judge(Dialect::Mysql, &reads[1], true, 3, Some(2)).is_some());
    }
}
