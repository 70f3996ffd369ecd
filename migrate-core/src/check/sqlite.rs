//! The SQLite check: the migrations executed in an in-memory SQLite (the library sqlx links)
//! exactly the way the runtime runs them, so the build and the deploy agree on every statement.
//!
//! - The run is one transaction, each transactional migration in a savepoint of its own.
//! - A migration outside a transaction (`transaction:false`, `-- no-transaction`, a script)
//!   commits the run so far and runs in autocommit, so `VACUUM` works there and fails in a
//!   transactional migration, as on a real database.
//! - A migration that says `PRAGMA foreign_keys = OFF` runs as SQLite's documentation
//!   prescribes for schema changes (see [`crate::sqlite`]): enforcement off before its own
//!   transaction, `PRAGMA foreign_key_check` before the commit, enforcement on after.
//! - Foreign keys are enforced otherwise, as sqlx turns them on for every connection.
//! - The downs run once, after every up and the repeatable migrations, newest first, as a full
//!   revert runs them, each the way the runtime runs it. A down that fails after a migration
//!   that could not be reverted (or whose up failed) is checked again alone.
//!
//! The cost is one apply of the folder plus one revert (and, for a folder whose downs fail,
//! one more apply).

use rusqlite::Connection;

use crate::Dialect;
use crate::migration::TransactionMode;
use crate::set::MigrationSet;
use crate::split::{Split, split};
use crate::sqlite::foreign_keys_off;

use super::syntax::{SyntaxProblem, lexical};

/// What executing the folder found, per section.
#[derive(Debug, Default)]
pub(crate) struct Executed {
    /// Per migration, in the set's order.
    pub(crate) up: Vec<Vec<SyntaxProblem>>,
    pub(crate) down: Vec<Vec<SyntaxProblem>>,
    /// Per repeatable migration.
    pub(crate) repeatable: Vec<Vec<SyntaxProblem>>,
}

impl Executed {
    fn empty(set: &MigrationSet) -> Executed {
        Executed {
            up: vec![Vec::new(); set.migrations.len()],
            down: vec![Vec::new(); set.migrations.len()],
            repeatable: vec![Vec::new(); set.repeatable.len()],
        }
    }
}

/// Executes the whole folder; `functions` are the application's own SQL functions, registered
/// as stubs that return NULL.
pub(crate) fn execute(set: &MigrationSet, functions: &[String]) -> Executed {
    let mut found = Executed::empty(set);
    let Some(mut db) = Database::open(functions) else {
        return found;
    };
    let mut up_failed = vec![false; set.migrations.len()];
    for (i, m) in set.migrations.iter().enumerate() {
        found.up[i] = db.step(&m.up.sql, m.up.transaction);
        up_failed[i] = !found.up[i].is_empty();
    }
    for (i, r) in set.repeatable.iter().enumerate() {
        found.repeatable[i] = db.step(&r.up.sql, r.up.transaction);
    }
    // The full revert, newest first. While every newer migration was reverted, a down runs on
    // exactly the schema its up left, and what it reports stands. After a migration that
    // could not be reverted (no down, a failed down, a failed up), a down may fail only
    // because that migration's changes are still there: it is checked again, alone.
    let mut exact = true;
    let mut alone = Vec::new();
    for (i, m) in set.migrations.iter().enumerate().rev() {
        // A failed up left only what SQLite accepted of it: its down runs on a guess.
        exact &= !up_failed[i];
        match &m.down {
            Some(down) => {
                let problems = db.step(&down.sql, down.transaction);
                if problems.is_empty() {
                    continue;
                }
                if exact {
                    found.down[i] = problems;
                } else {
                    alone.push(i);
                }
                exact = false;
            }
            None => exact = false,
        }
    }
    if !alone.is_empty() {
        downs_alone(set, functions, &alone, &mut found);
    }
    found
}

/// Checks the downs of `indexes` each right after its own up, in a savepoint rolled back
/// afterwards: the migrations are applied once more, in a new database, up to the newest of
/// them. Only downs that failed in the full revert get here.
fn downs_alone(set: &MigrationSet, functions: &[String], indexes: &[usize], found: &mut Executed) {
    let Some(mut db) = Database::open(functions) else {
        return;
    };
    let last = indexes.iter().copied().max().unwrap_or(0);
    for (i, m) in set.migrations.iter().enumerate().take(last + 1) {
        let _ = db.step(&m.up.sql, m.up.transaction);
        let Some(down) = m.down.as_ref().filter(|_| indexes.contains(&i)) else {
            continue;
        };
        db.begin_run();
        let _ = db.exec("SAVEPOINT migrate_check_alone");
        let pieces = split(&down.sql, Dialect::Sqlite);
        let problem = db.statements(&down.sql, &pieces).filter(|p| {
            // Outside a transaction at run time: what only a transaction refuses is fine.
            down.transaction.is_transactional() || p.rule != "concurrent-in-transaction"
        });
        let _ = db.exec("ROLLBACK TO migrate_check_alone");
        let _ = db.exec("RELEASE migrate_check_alone");
        found.down[i] = problem.into_iter().collect();
    }
}

struct Database {
    conn: Connection,
    functions: Vec<String>,
}

impl Database {
    fn open(functions: &[String]) -> Option<Database> {
        let conn = Connection::open_in_memory().ok()?;
        // sqlx enables foreign keys on every SQLite connection it opens.
        conn.execute_batch("PRAGMA foreign_keys = ON").ok()?;
        for name in functions {
            let _ = conn.create_scalar_function(
                name.as_str(),
                -1,
                rusqlite::functions::FunctionFlags::SQLITE_UTF8,
                |_| Ok(rusqlite::types::Value::Null),
            );
        }
        Some(Database {
            conn,
            functions: functions.to_vec(),
        })
    }

    fn exec(&self, sql: &str) -> bool {
        self.conn.execute_batch(sql).is_ok()
    }

    /// Opens the run's transaction unless one is open. (A migration's own `COMMIT` may have
    /// ended it: SQLite says whether one is open.)
    fn begin_run(&mut self) {
        if self.conn.is_autocommit() {
            let _ = self.exec("BEGIN");
        }
    }

    fn commit_run(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.exec("COMMIT");
        }
    }

    /// Runs one section as the runtime would; returns what failed (at most one problem: the
    /// runtime stops a migration at its first failing statement).
    fn step(&mut self, sql: &str, mode: TransactionMode) -> Vec<SyntaxProblem> {
        let pieces = split(sql, Dialect::Sqlite);
        if !pieces.issues.is_empty() {
            return lexical(pieces.issues);
        }
        match mode {
            TransactionMode::Transaction if foreign_keys_off(sql) => {
                self.commit_run();
                let _ = self.exec("PRAGMA foreign_keys = OFF");
                let _ = self.exec("BEGIN");
                let mut problem = self.statements(sql, &pieces);
                if problem.is_none() {
                    problem = self.dangling_reference(sql, &pieces);
                }
                let _ = self.exec(if problem.is_some() {
                    "ROLLBACK"
                } else {
                    "COMMIT"
                });
                let _ = self.exec("PRAGMA foreign_keys = ON");
                problem.into_iter().collect()
            }
            TransactionMode::Transaction => {
                self.begin_run();
                let _ = self.exec("SAVEPOINT migrate_check");
                let problem = self.statements(sql, &pieces);
                if problem.is_some() {
                    // The runtime rolls the migration back and stops. The check goes on to
                    // the later migrations, on the schema the migration meant to leave as
                    // nearly as it can: every statement of it that SQLite accepts.
                    let _ = self.exec("ROLLBACK TO migrate_check");
                    for s in pieces.sql() {
                        let _ = self.exec(s.text(sql));
                    }
                }
                let _ = self.exec("RELEASE migrate_check");
                problem.into_iter().collect()
            }
            TransactionMode::NoTransaction | TransactionMode::Script => {
                self.commit_run();
                self.statements(sql, &pieces).into_iter().collect()
            }
        }
    }

    /// Executes the statements in order until one fails.
    fn statements(&self, sql: &str, pieces: &Split) -> Option<SyntaxProblem> {
        for s in pieces.sql() {
            if let Err(e) = self.conn.execute_batch(s.text(sql)) {
                return Some(self.problem(s.body.start + error_offset(&e), &e));
            }
        }
        None
    }

    /// `PRAGMA foreign_key_check` before the commit of a migration run with enforcement off:
    /// a row whose parent is gone fails the migration, as it does at run time.
    fn dangling_reference(&self, sql: &str, pieces: &Split) -> Option<SyntaxProblem> {
        let mut statement = self.conn.prepare("PRAGMA foreign_key_check").ok()?;
        let mut rows = statement.query([]).ok()?;
        let row = rows.next().ok()??;
        let table: String = row.get(0).ok()?;
        let rowid: Option<i64> = row.get(1).ok()?;
        let parent: String = row.get(2).ok()?;
        let at = pieces
            .sql()
            .find(|s| crate::sqlite::pragma(s.text(sql)).is_some_and(|p| p.name == "foreign_keys"))
            .map_or(0, |s| s.body.start);
        Some(SyntaxProblem {
            rule: "foreign-key-check",
            offset: at,
            message: format!(
                "after this migration, a row of `{table}`{} refers to a row of `{parent}` that does not exist",
                rowid.map(|r| format!(" (rowid {r})")).unwrap_or_default()
            ),
            fix: "copy every referenced row into the rebuilt table before the old one is dropped, or delete the rows that refer to nothing; the migration fails and changes nothing until then".to_owned(),
        })
    }

    fn problem(&self, offset: usize, e: &rusqlite::Error) -> SyntaxProblem {
        let text = match e {
            rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
            rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
            other => other.to_string(),
        };
        if text.contains("cannot start a transaction within a transaction") {
            return SyntaxProblem {
                rule: "transaction-nesting",
                offset,
                message: format!("SQLite: {text}"),
                fix: "remove the `BEGIN`: the runner already runs the migration in a transaction, or mark it `-- migrate:up transaction:false` to manage transactions itself".to_owned(),
            };
        }
        if refused_in_transaction(&text) {
            return SyntaxProblem {
                rule: "concurrent-in-transaction",
                offset,
                message: format!("SQLite: {text}"),
                fix: "move the statement into a migration that runs outside a transaction: `-- migrate:up transaction:false` (sqlx: `-- no-transaction` as the first line)".to_owned(),
            };
        }
        let fix = match text.strip_prefix("no such function: ") {
            Some(name) if !self.functions.iter().any(|f| f.eq_ignore_ascii_case(name)) => format!(
                "SQLite has no function `{name}`; if the application registers it on its connections, declare it with `sqlite-functions = [\"{name}\"]` in [package.metadata.migrate.lint]"
            ),
            _ => "fix the statement; SQLite refused it when the migrations were run in order, as the runtime runs them, in an in-memory database".to_owned(),
        };
        SyntaxProblem {
            rule: "syntax-error",
            offset,
            message: format!("SQLite: {text}"),
            fix,
        }
    }
}

/// SQLite's messages for statements it refuses inside a transaction.
fn refused_in_transaction(message: &str) -> bool {
    message.contains("within a transaction") || message.contains("inside a transaction")
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
    use crate::migration::{Layout, Migration, Section};
    use crate::position::Position;
    use crate::{Checksum, Version};

    use super::*;

    fn section(sql: &str, transaction: TransactionMode) -> Section {
        Section {
            sql: sql.to_owned(),
            path: "m.sql".into(),
            start: Position { line: 1, column: 1 },
            transaction,
            allows: Vec::new(),
        }
    }

    fn set(migrations: &[(&str, Option<&str>, TransactionMode)]) -> MigrationSet {
        MigrationSet {
            dir: ".".into(),
            migrations: migrations
                .iter()
                .enumerate()
                .map(|(i, (up, down, mode))| Migration {
                    version: Version::parse(&(i + 1).to_string()).expect("version"),
                    version_text: (i + 1).to_string(),
                    name: format!("m{i}"),
                    layout: Layout::File,
                    up: section(up, *mode),
                    down: down.map(|d| section(d, *mode)),
                    checksum: Checksum::of(up),
                    path: "m.sql".into(),
                })
                .collect(),
            repeatable: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn runs_in_order_and_catches_unknown_columns() {
        let s = set(&[
            (
                "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT);",
                Some("alter table a drop index name_uniq_idx;"),
                TransactionMode::Transaction,
            ),
            (
                "INSERT INTO a (id, nope) VALUES (1, 2);",
                None,
                TransactionMode::Transaction,
            ),
            ("SELECT my_fn(1);", None, TransactionMode::Transaction),
        ]);
        let found = execute(&s, &[]);
        assert_eq!(found.up[0], Vec::new());
        assert!(found.up[1][0].message.contains("nope"), "{:?}", found.up[1]);
        assert!(found.up[2][0].fix.contains("sqlite-functions"));
        assert_eq!(found.down[0].len(), 1, "the MySQL-syntax down fails");
        assert!(execute(&s, &["my_fn".into()]).up[2].is_empty());
    }

    #[test]
    fn vacuum_fails_in_a_transaction_only() {
        let s = set(&[
            ("VACUUM;", None, TransactionMode::Transaction),
            ("VACUUM;", None, TransactionMode::NoTransaction),
        ]);
        let found = execute(&s, &[]);
        assert_eq!(found.up[0].len(), 1);
        assert_eq!(found.up[0][0].rule, "concurrent-in-transaction");
        assert!(found.up[1].is_empty(), "{:?}", found.up[1]);
    }

    #[test]
    fn the_rebuild_recipe_keeps_child_rows_and_a_dangling_reference_fails() {
        let schema = "CREATE TABLE parent (id INTEGER PRIMARY KEY, v TEXT);
            CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);
            INSERT INTO parent VALUES (1, 'a'); INSERT INTO child VALUES (1, 1);";
        let rebuild = "PRAGMA foreign_keys = OFF;
            CREATE TABLE parent_new (id INTEGER PRIMARY KEY, v TEXT NOT NULL DEFAULT '');
            INSERT INTO parent_new SELECT id, v FROM parent;
            DROP TABLE parent;
            ALTER TABLE parent_new RENAME TO parent;
            PRAGMA foreign_keys = ON;";
        // Fails unless the child row is still there.
        let check = "CREATE TABLE probe (n INTEGER CHECK (n = 1)); INSERT INTO probe SELECT count(*) FROM child;";
        let found = execute(
            &set(&[
                (schema, None, TransactionMode::Transaction),
                (rebuild, None, TransactionMode::Transaction),
                (check, None, TransactionMode::Transaction),
            ]),
            &[],
        );
        assert!(found.up.iter().all(Vec::is_empty), "{:?}", found.up);

        let lossy = rebuild.replace(
            "SELECT id, v FROM parent",
            "SELECT id, v FROM parent WHERE 0",
        );
        let found = execute(
            &set(&[
                (schema, None, TransactionMode::Transaction),
                (&lossy, None, TransactionMode::Transaction),
            ]),
            &[],
        );
        assert_eq!(found.up[1].len(), 1, "{:?}", found.up);
        assert_eq!(found.up[1][0].rule, "foreign-key-check");
        assert!(
            found.up[1][0].message.contains("`child` (rowid 1)"),
            "{}",
            found.up[1][0].message
        );
    }

    #[test]
    fn downs_run_newest_first_after_every_up() {
        let s = set(&[
            (
                "CREATE TABLE a (id INTEGER PRIMARY KEY);",
                Some("DROP TABLE a;"),
                TransactionMode::Transaction,
            ),
            (
                "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));",
                Some("DROP TABLE b;"),
                TransactionMode::Transaction,
            ),
        ]);
        let found = execute(&s, &[]);
        assert!(found.down.iter().all(Vec::is_empty), "{:?}", found.down);
    }

    #[test]
    fn a_down_behind_an_irreversible_migration_is_judged_alone() {
        let s = set(&[
            (
                "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);",
                Some("DROP TABLE a;"),
                TransactionMode::Transaction,
            ),
            (
                "ALTER TABLE a ADD COLUMN w INT;",
                Some("ALTER TABLE a DROP COLUMN w;"),
                TransactionMode::Transaction,
            ),
            (
                "CREATE INDEX a_v ON a (v);",
                Some("DROP INDEX a_nope;"),
                TransactionMode::Transaction,
            ),
            ("DROP TABLE a;", None, TransactionMode::Transaction),
        ]);
        let found = execute(&s, &[]);
        assert!(
            found.down[0].is_empty() && found.down[1].is_empty(),
            "{:?}",
            found.down
        );
        assert_eq!(found.down[2].len(), 1, "{:?}", found.down);
        assert!(
            found.down[2][0].message.contains("a_nope"),
            "{:?}",
            found.down[2]
        );
    }
}
