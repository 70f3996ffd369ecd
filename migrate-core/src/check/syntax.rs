//! Syntax, per dialect, behind one interface: PostgreSQL through an exact parser, SQLite by
//! executing the migrations in an in-memory database, MySQL through lexical checks and a list
//! of PostgreSQL-only and SQLite-only syntax.

use crate::Dialect;
use crate::split::{LexicalIssue, split};

use super::tokens::{Tok, tokens};

/// A syntax problem at a byte offset of the checked text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxProblem {
    pub(crate) offset: usize,
    pub(crate) message: String,
    pub(crate) fix: String,
}

fn lexical(issues: Vec<LexicalIssue>) -> Vec<SyntaxProblem> {
    issues
        .into_iter()
        .map(|i| SyntaxProblem {
            offset: i.offset,
            message: i.kind.describe(),
            fix: "close it; the rest of the file is read as part of it".to_owned(),
        })
        .collect()
}

/// PostgreSQL: squawk-syntax's parser, which matched PostgreSQL's own on every DDL statement
/// tried.
pub(crate) fn postgres(sql: &str) -> Vec<SyntaxProblem> {
    let parse = squawk_syntax::SourceFile::parse(sql);
    let mut out: Vec<SyntaxProblem> = parse
        .errors()
        .iter()
        .map(|e| SyntaxProblem {
            offset: usize::from(e.range().start()).min(sql.len()),
            message: format!("PostgreSQL syntax error: {}", e.message()),
            fix: "fix the statement; the migration would fail on PostgreSQL".to_owned(),
        })
        .collect();
    // One finding per statement: later errors in it usually follow from the first. An error
    // just past a statement's end (a missing token before `;`) belongs to that statement.
    let starts: Vec<usize> = split(sql, Dialect::Postgres)
        .sql()
        .map(|s| s.body.start)
        .collect();
    let statement_of = |offset: usize| starts.iter().rposition(|&start| start <= offset);
    out.dedup_by(|b, a| statement_of(a.offset) == statement_of(b.offset));
    out
}

/// Words that exist only in PostgreSQL or SQLite and that MySQL/MariaDB reject, with what to
/// write instead. Only unambiguous cases: a guess never fails a build.
const NOT_MYSQL: &[(&[&str], &str, &str)] = &[
    (
        &["CONCURRENTLY"],
        "`CONCURRENTLY` is PostgreSQL syntax",
        "MySQL builds most indexes online; use `ALGORITHM=INPLACE, LOCK=NONE`",
    ),
    (
        &["ILIKE"],
        "`ILIKE` is PostgreSQL syntax",
        "use `LIKE` with a case-insensitive collation",
    ),
    (
        &["TIMESTAMPTZ"],
        "`TIMESTAMPTZ` is a PostgreSQL type",
        "use `TIMESTAMP` or `DATETIME`",
    ),
    (&["JSONB"], "`JSONB` is a PostgreSQL type", "use `JSON`"),
    (
        &["BIGSERIAL"],
        "`BIGSERIAL` is a PostgreSQL type",
        "use `BIGINT UNSIGNED AUTO_INCREMENT`",
    ),
    (
        &["SMALLSERIAL"],
        "`SMALLSERIAL` is a PostgreSQL type",
        "use `SMALLINT AUTO_INCREMENT`",
    ),
    (
        &["BYTEA"],
        "`BYTEA` is a PostgreSQL type",
        "use `BLOB` or `VARBINARY`",
    ),
    (
        &["CREATE", "EXTENSION"],
        "`CREATE EXTENSION` is PostgreSQL syntax",
        "remove it; MySQL has no extensions",
    ),
    (
        &["LANGUAGE", "PLPGSQL"],
        "PL/pgSQL is PostgreSQL's language",
        "write the routine as a MySQL procedure",
    ),
    (
        &["AUTOINCREMENT"],
        "`AUTOINCREMENT` is SQLite's spelling",
        "use `AUTO_INCREMENT`",
    ),
    (
        &["WITHOUT", "ROWID"],
        "`WITHOUT ROWID` is SQLite syntax",
        "remove it",
    ),
    (
        &["PRAGMA"],
        "`PRAGMA` is SQLite syntax",
        "remove it, or use the MySQL setting it stands for",
    ),
    (
        &["AS", "IDENTITY"],
        "identity columns are PostgreSQL syntax",
        "use `AUTO_INCREMENT`",
    ),
    (
        &["SET", "NOT", "NULL"],
        "`ALTER COLUMN … SET NOT NULL` is PostgreSQL syntax",
        "use `MODIFY COLUMN c <type> NOT NULL`",
    ),
    (
        &["DROP", "NOT", "NULL"],
        "`ALTER COLUMN … DROP NOT NULL` is PostgreSQL syntax",
        "use `MODIFY COLUMN c <type> NULL`",
    ),
];

/// MySQL/MariaDB: unclosed constructs, PostgreSQL dollar quotes and casts, and the words above.
pub(crate) fn mysql(sql: &str) -> Vec<SyntaxProblem> {
    let split = split(sql, Dialect::Mysql);
    let mut out = lexical(split.issues.clone());
    for s in split.sql() {
        let text = s.text(sql);
        let toks = tokens(text, Dialect::Mysql);
        let words: Vec<&str> = toks
            .iter()
            .map(|t| match &t.tok {
                Tok::Word { upper, .. } => upper.as_str(),
                _ => "",
            })
            .collect();
        let mut found = None;
        for (i, t) in toks.iter().enumerate() {
            if t.is_punct("::") {
                found = Some((
                    t.offset,
                    "`::` casts are PostgreSQL syntax".to_owned(),
                    "use `CAST(x AS type)`".to_owned(),
                ));
                break;
            }
            if t.is_punct("$") && toks.get(i + 1).is_some_and(|n| n.is_punct("$")) {
                found = Some((
                    t.offset,
                    "`$$` quoting is PostgreSQL syntax".to_owned(),
                    "write the body as a MySQL `BEGIN … END` block".to_owned(),
                ));
                break;
            }
            if t.is_punct("[") && toks.get(i + 1).is_some_and(|n| n.is_punct("]")) {
                found = Some((
                    t.offset,
                    "array types are PostgreSQL syntax".to_owned(),
                    "use `JSON`".to_owned(),
                ));
                break;
            }
            if let Some((words_, what, fix)) = NOT_MYSQL
                .iter()
                .find(|(w, _, _)| words.get(i..i + w.len()) == Some(w))
            {
                let _ = words_;
                found = Some((
                    t.offset,
                    format!("{what}, which MySQL and MariaDB reject"),
                    (*fix).to_owned(),
                ));
                break;
            }
        }
        if let Some((offset, message, fix)) = found {
            out.push(SyntaxProblem {
                offset: s.body.start + offset,
                message,
                fix,
            });
        }
    }
    out
}

/// SQLite: the migrations executed in order in one in-memory database, so unknown tables and
/// columns fail too.
pub(crate) struct SqliteRunner {
    conn: Option<rusqlite::Connection>,
    functions: Vec<String>,
}

impl std::fmt::Debug for SqliteRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteRunner").finish_non_exhaustive()
    }
}

impl SqliteRunner {
    /// An in-memory database with the application's functions (declared in config) registered
    /// as stubs.
    pub(crate) fn new(functions: &[String]) -> SqliteRunner {
        let conn = rusqlite::Connection::open_in_memory().ok();
        if let Some(conn) = &conn {
            for name in functions {
                let _ = conn.create_scalar_function(
                    name.as_str(),
                    -1,
                    rusqlite::functions::FunctionFlags::SQLITE_UTF8,
                    |_| Ok(rusqlite::types::Value::Null),
                );
            }
        }
        SqliteRunner {
            conn,
            functions: functions.to_vec(),
        }
    }

    /// Runs an up section; the statements stay applied for the migrations after it.
    pub(crate) fn up(&self, sql: &str) -> Vec<SyntaxProblem> {
        self.run(sql)
    }

    /// Runs a down section right after its up, inside a savepoint that is rolled back, so the
    /// schema stays as the up left it. Sections that cannot run in a transaction (`VACUUM`)
    /// are checked with `sqlite3_prepare` only.
    pub(crate) fn down(&self, sql: &str, transactional: bool) -> Vec<SyntaxProblem> {
        let Some(conn) = &self.conn else {
            return Vec::new();
        };
        if !transactional {
            return self.prepare_only(sql);
        }
        if conn.execute_batch("SAVEPOINT migrate_check_down").is_err() {
            return Vec::new();
        }
        let problems = self.run(sql);
        let _ = conn.execute_batch("ROLLBACK TO migrate_check_down; RELEASE migrate_check_down");
        problems
    }

    fn run(&self, sql: &str) -> Vec<SyntaxProblem> {
        let Some(conn) = &self.conn else {
            return Vec::new();
        };
        let split = split(sql, Dialect::Sqlite);
        let mut out = lexical(split.issues.clone());
        if !out.is_empty() {
            return out;
        }
        for s in split.sql() {
            if let Err(e) = conn.execute_batch(s.text(sql)) {
                out.push(self.problem(s.body.start + error_offset(&e), &e));
                // Later statements would only fail because of this one.
                break;
            }
        }
        out
    }

    fn prepare_only(&self, sql: &str) -> Vec<SyntaxProblem> {
        let Some(conn) = &self.conn else {
            return Vec::new();
        };
        let split = split(sql, Dialect::Sqlite);
        let mut out = lexical(split.issues.clone());
        for s in split.sql() {
            if let Err(e) = conn.prepare(s.text(sql)) {
                out.push(self.problem(s.body.start + error_offset(&e), &e));
                break;
            }
        }
        out
    }

    fn problem(&self, offset: usize, e: &rusqlite::Error) -> SyntaxProblem {
        let text = match e {
            rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
            rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
            other => other.to_string(),
        };
        let fix = match text.strip_prefix("no such function: ") {
            Some(name) if !self.functions.iter().any(|f| f.eq_ignore_ascii_case(name)) => format!(
                "SQLite has no function `{name}`; if the application registers it on its connections, declare it with `sqlite-functions = [\"{name}\"]` in [package.metadata.migrate.lint]"
            ),
            _ => "fix the statement; SQLite rejected it when the migrations were run in order in an in-memory database".to_owned(),
        };
        SyntaxProblem {
            offset,
            message: format!("SQLite: {text}"),
            fix,
        }
    }
}

/// Where in the statement SQLite says a syntax error is; 0 (the statement's start) when it
/// does not say.
fn error_offset(e: &rusqlite::Error) -> usize {
    match e {
        rusqlite::Error::SqlInputError { offset, .. } => usize::try_from(*offset).unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(sql: &str, offset: usize) -> usize {
        sql[..offset.min(sql.len())].matches('\n').count()
    }

    #[test]
    fn postgres_errors_point_at_the_statement() {
        assert!(
            postgres("CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY i ON a (id);").is_empty()
        );
        let p = postgres("CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN;");
        assert_eq!(p.len(), 1);
        assert_eq!(
            line_of(
                "CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN;",
                p[0].offset
            ),
            1
        );
    }

    #[test]
    fn sqlite_runs_in_order_and_catches_unknown_columns() {
        let r = SqliteRunner::new(&[]);
        assert!(
            r.up("CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT);")
                .is_empty()
        );
        let p = r.up("INSERT INTO a (id, nope) VALUES (1, 2);");
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("nope"), "{}", p[0].message);
        let p = r.down("alter table a drop index name_uniq_idx;", true);
        assert_eq!(p.len(), 1);
        assert!(
            r.up("SELECT name FROM a;").is_empty(),
            "the down was rolled back"
        );
        let p = r.up("SELECT my_fn(1);");
        assert!(p[0].fix.contains("sqlite-functions"), "{}", p[0].fix);
        assert!(
            SqliteRunner::new(&["my_fn".into()])
                .up("SELECT my_fn(1);")
                .is_empty()
        );
    }

    #[test]
    fn mysql_flags_foreign_syntax_only() {
        assert!(mysql("CREATE TABLE a (id BIGINT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\nALTER TABLE a ADD INDEX i (id), ALGORITHM=INPLACE, LOCK=NONE;").is_empty());
        assert_eq!(mysql("CREATE INDEX CONCURRENTLY i ON a (id);").len(), 1);
        assert_eq!(mysql("SELECT x::text FROM a;").len(), 1);
        assert_eq!(
            mysql("CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);").len(),
            1
        );
        assert_eq!(mysql("SELECT 'unterminated").len(), 1);
    }
}
