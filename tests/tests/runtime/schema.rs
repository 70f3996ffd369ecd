//! Knowing the schema on each database: `verify` finds a down that forgets a column, `drift`
//! finds exactly the changes made by hand, and an untouched database has no drift.

use migrate_core::Dialect;
use migrate_runtime::{ChangeKind, Outcome, Scratch, VerifyOptions, Version};
use migrate_tests::{TestDb, migrator, write_migrations};
use sqlx::Pool;

use crate::support::{Probe, each_db};

const FILES: &[(&str, &str)] = &[
    (
        "20240101000000_create_users.sql",
        "-- migrate:up\nCREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL DEFAULT 'x');\nCREATE INDEX users_name ON users (name);\n-- migrate:down\nDROP TABLE users;\n",
    ),
    (
        "20240102000000_create_posts.sql",
        "-- migrate:up\nCREATE TABLE posts (id INT PRIMARY KEY, user_id INT NOT NULL REFERENCES users (id), body VARCHAR(200));\nCREATE VIEW post_bodies AS SELECT id, body FROM posts;\n-- migrate:down\nDROP VIEW post_bodies;\nDROP TABLE posts;\n",
    ),
    (
        "20240103000000_add_contact_columns.sql",
        // The down forgets `phone`.
        "-- migrate:up\nALTER TABLE users ADD COLUMN email VARCHAR(100);\nALTER TABLE users ADD COLUMN phone VARCHAR(20);\n-- migrate:down\nALTER TABLE users DROP COLUMN email;\n",
    ),
];

async fn verify_from_reports_the_forgotten_column<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = db.dir().join("migrations");
    write_migrations(&dir, FILES);
    let m = migrator(&dir, db.dialect);
    let from = Version::parse("20240103000000").expect("a version");
    let report = m
        .verify_beside(&pool, &VerifyOptions::default().from(Some(from)))
        .await;
    let report = report.expect("verify runs");
    let outcomes: Vec<&str> = report
        .migrations
        .iter()
        .map(|m| m.outcome.as_str())
        .collect();
    assert_eq!(outcomes, ["applied", "applied", "not-restored"]);
    let Outcome::NotRestored { diff, again } = &report.migrations[2].outcome else {
        unreachable!()
    };
    // From before the up to after the down: `phone` is still there.
    assert_eq!(diff.changes.len(), 1, "{diff}");
    let change = &diff.changes[0];
    assert_eq!(change.kind, ChangeKind::Added, "{diff}");
    assert_eq!(change.object.kind, "column", "{diff}");
    assert!(change.object.name.ends_with("users.phone"), "{diff}");
    assert!(diff.to_string().starts_with("+ column "), "{diff}");
    // The up, run again, fails on the column that is still there: the down changed
    // something, so the second up's failure is part of the same finding.
    assert!(again.is_none(), "{again:?}");
}
each_db!(verify_from_reports_the_forgotten_column);

async fn verify_passes_downs_that_restore<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = db.dir().join("migrations");
    write_migrations(&dir, &FILES[..2]);
    let m = migrator(&dir, db.dialect);
    let report = m.verify_beside(&pool, &VerifyOptions::default()).await;
    let report = report.expect("verify runs");
    let outcomes: Vec<&str> = report
        .migrations
        .iter()
        .map(|m| m.outcome.as_str())
        .collect();
    assert_eq!(outcomes, ["round-trip", "round-trip"]);
    // Everything ran on the scratch database: the target has no table.
    let target = m.snapshot(&pool).await.expect("snapshot");
    assert!(
        !target.objects().any(|(k, _)| k.kind == "table"),
        "the target was touched: {target:?}"
    );
}
each_db!(verify_passes_downs_that_restore);

/// Each finding of a verification, as the report shows it.
fn shown(report: &migrate_runtime::Verification) -> Vec<String> {
    report
        .migrations
        .iter()
        .map(|v| match &v.outcome {
            Outcome::NotRestored { diff, again } => {
                format!("{} not restored:\n{diff}\nagain: {again:?}", v.version)
            }
            Outcome::UpAgainDiffers { diff } => format!("{} up again differs:\n{diff}", v.version),
            other => format!("{} {}", v.version, other.as_str()),
        })
        .collect()
}

/// Verifies `m` on one scratch database and on `parts` at once, and returns both reports.
async fn one_and_in_parts<DB: Probe>(
    m: &migrate_runtime::Migrator,
    pool: &Pool<DB>,
    options: &VerifyOptions,
    parts: usize,
) -> (Vec<String>, Vec<String>) {
    let one = m.verify_beside(pool, options).await.expect("verify runs");
    let mut scratches = Vec::new();
    for _ in 0..parts {
        scratches.push(Scratch::beside(pool).await.expect("a scratch database"));
    }
    let pools: Vec<Pool<DB>> = scratches.iter().map(|s| s.pool().clone()).collect();
    let split = m.verify_split(&pools, options).await;
    for scratch in scratches {
        scratch
            .drop_with(pool)
            .await
            .expect("the scratch database is dropped");
    }
    let split = split.expect("verify in parts runs");
    assert_eq!(one.completed, split.completed);
    (shown(&one), shown(&split))
}

/// Forty migrations, two of whose downs forget a table (one early, one late) and one without
/// a down: verified in two parts at once, the findings are the ones a single database gives,
/// from the start and from a version on.
async fn verify_in_parts_agrees_with_one_database<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = db.dir().join("migrations");
    let files: Vec<(String, String)> = (1..=40)
        .map(|i| {
            let name = format!("{:03}_step.sql", i);
            let sql = match i {
                // The down forgets a table the up makes if it is not there.
                5 | 33 => format!(
                    "-- migrate:up\nCREATE TABLE t{i} (id INT PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS extra{i} (id INT);\n-- migrate:down\nDROP TABLE t{i};\n"
                ),
                21 => "-- migrate:up\nCREATE TABLE kept (id INT PRIMARY KEY);\n".to_owned(),
                _ => format!(
                    "-- migrate:up\nCREATE TABLE t{i} (id INT PRIMARY KEY, a VARCHAR(20));\nCREATE INDEX t{i}_a ON t{i} (a);\n-- migrate:down\nDROP TABLE t{i};\n"
                ),
            };
            (name, sql)
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    write_migrations(&dir, &files);
    let m = migrator(&dir, db.dialect);
    let whole = VerifyOptions::default();
    let from = VerifyOptions::default().from(Some(Version::parse("3").expect("a version")));
    for options in [whole, from] {
        assert_eq!(m.verify_parts(db.dialect, &options, 2), 2);
        let (one, split) = one_and_in_parts(&m, &pool, &options, 2).await;
        assert_eq!(one, split);
        let problems: Vec<&str> = split
            .iter()
            .filter(|s| s.contains("not restored"))
            .map(|s| s.split(' ').next().unwrap_or_default())
            .collect();
        assert_eq!(problems, ["5", "33"], "{split:#?}");
        assert!(split.contains(&"21 irreversible".to_owned()), "{split:#?}");
    }
}
each_db!(verify_in_parts_agrees_with_one_database);

/// An up that makes another schema the second time (it creates an index only once a row it
/// inserts is there) leaves the first part's database unlike the one the second part starts
/// from, where it ran once: the second part's findings are set aside and verification goes on from the first
/// part's schema, where migration 30 drops that index and its down does not put it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_in_parts_goes_on_where_a_part_leaves_another_schema() {
    let Some(db) = TestDb::create(Dialect::Postgres).await else {
        return;
    };
    let dir = db.dir().join("migrations");
    let files: Vec<(String, String)> = (1..=40)
        .map(|i| {
            let name = format!("{:03}_step.sql", i);
            let sql = match i {
                2 => "-- migrate:up\nCREATE TABLE IF NOT EXISTS seen (n INT);\nDO $$ BEGIN IF EXISTS (SELECT 1 FROM seen) THEN CREATE INDEX seen_n ON seen (n); END IF; END $$;\nINSERT INTO seen VALUES (1);\n-- migrate:down\nDROP INDEX IF EXISTS seen_n;\n".to_owned(),
                30 => "-- migrate:up\nDROP INDEX IF EXISTS seen_n;\nCREATE TABLE t30 (id INT);\n-- migrate:down\nDROP TABLE t30;\n".to_owned(),
                _ => format!(
                    "-- migrate:up\nCREATE TABLE t{i} (id INT PRIMARY KEY, a VARCHAR(20));\n-- migrate:down\nDROP TABLE t{i};\n"
                ),
            };
            (name, sql)
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    write_migrations(&dir, &files);
    let m = migrator(&dir, Dialect::Postgres);
    let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
    let options = VerifyOptions::default();
    assert_eq!(m.verify_parts(Dialect::Postgres, &options, 2), 2);
    let (one, split) = one_and_in_parts(&m, &pool, &options, 2).await;
    assert_eq!(one, split);
    // The down leaves `seen`, and the second up makes the index as well.
    assert!(split[1].starts_with("2 not restored"), "{split:#?}");
    assert!(split[1].contains("seen_n"), "{split:#?}");
    assert!(split[29].starts_with("30 not restored"), "{split:#?}");
    assert!(split[29].contains("seen_n"), "{split:#?}");
    pool.close().await;
    db.drop().await;
}

async fn drift_reports_exactly_the_changes_made_by_hand<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = db.dir().join("migrations");
    write_migrations(&dir, &FILES[..2]);
    let m = migrator(&dir, db.dialect);
    m.run(&pool).await.expect("the migrations apply");
    let drift = m.verify_against(&pool).await.expect("drift is measured");
    assert!(
        drift.is_empty(),
        "an untouched database drifted:\n{}",
        drift.diff
    );
    assert_eq!(drift.applied, 2);

    DB::exec(&pool, "CREATE INDEX posts_body ON posts (body)").await;
    DB::exec(&pool, "ALTER TABLE users ADD COLUMN nickname VARCHAR(30)").await;
    DB::exec(&pool, "DROP VIEW post_bodies").await;
    let drift = m.verify_against(&pool).await.expect("drift is measured");
    // Names are qualified per dialect (`public.users.nickname`, `posts.posts_body`): the
    // last part is compared.
    let mut changes: Vec<(ChangeKind, &str, &str)> = drift
        .diff
        .changes
        .iter()
        .map(|c| {
            let last = c.object.name.rsplit('.').next().unwrap_or_default();
            (c.kind, c.object.kind.as_str(), last)
        })
        .collect();
    changes.sort_by_key(|c| c.1);
    assert_eq!(
        changes,
        [
            (ChangeKind::Added, "column", "nickname"),
            (ChangeKind::Added, "index", "posts_body"),
            (ChangeKind::Removed, "view", "post_bodies"),
        ],
        "{}",
        drift.diff
    );
}
each_db!(drift_reports_exactly_the_changes_made_by_hand);

/// Every corpus set that applies cleanly on the servers here, by dialect. (umami's MySQL set
/// needs MySQL 8's `BIN_TO_UUID`; authelia's SQLite set calls functions its application
/// registers; one sqlx fixture creates a database outside the one it migrates.)
const CLEAN_SETS: &[(&str, Dialect)] = &[
    ("rust-lang__crates-io/migrations", Dialect::Postgres),
    (
        "rust-lang__docs-rs/crates/lib/docs_rs_database/migrations",
        Dialect::Postgres,
    ),
    (
        "umami-software__umami/db/postgresql/migrations",
        Dialect::Postgres,
    ),
    (
        "authelia__authelia/internal/storage/migrations/postgres",
        Dialect::Postgres,
    ),
    (
        "authelia__authelia/internal/storage/migrations/mysql",
        Dialect::Mysql,
    ),
    (
        "eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/POSTGRESQL",
        Dialect::Postgres,
    ),
    (
        "eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/MYSQL",
        Dialect::Mysql,
    ),
    (
        "atuinsh__atuin/crates/atuin-server-postgres/migrations",
        Dialect::Postgres,
    ),
    (
        "atuinsh__atuin/crates/atuin-client/migrations",
        Dialect::Sqlite,
    ),
    (
        "atuinsh__atuin/crates/atuin-server-sqlite/migrations",
        Dialect::Sqlite,
    ),
    ("atuinsh__atuin/crates/atuin-kv/migrations", Dialect::Sqlite),
    (
        "atuinsh__atuin/crates/atuin-scripts/migrations",
        Dialect::Sqlite,
    ),
    ("atuinsh__atuin/crates/atuin-ai/migrations", Dialect::Sqlite),
    ("sqlx-fixtures/tests/postgres/migrations", Dialect::Postgres),
    ("sqlx-fixtures/tests/mysql/migrations", Dialect::Mysql),
    ("sqlx-fixtures/tests/sqlite/migrations", Dialect::Sqlite),
];

async fn corpus_sets_have_no_drift<DB: Probe>(dialect: Dialect) {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (folder, _) in CLEAN_SETS.iter().filter(|(_, d)| *d == dialect) {
        let Some(db) = TestDb::create(dialect).await else {
            return;
        };
        let pool = sqlx::pool::PoolOptions::<DB>::new()
            .max_connections(2)
            .connect(&db.url)
            .await
            .expect("connect");
        let m = migrator(&corpus.join(folder), dialect);
        m.run(&pool)
            .await
            .unwrap_or_else(|e| panic!("{folder}: {e}"));
        let drift = m
            .verify_against(&pool)
            .await
            .unwrap_or_else(|e| panic!("{folder}: {e}"));
        assert!(
            drift.is_empty(),
            "{folder} drifted untouched:\n{}",
            drift.diff
        );
        assert_eq!(
            drift.applied,
            m.migrations().len() + m.repeatable().len(),
            "{folder}"
        );
        pool.close().await;
        db.drop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_sets_have_no_drift_on_postgres() {
    corpus_sets_have_no_drift::<sqlx::Postgres>(Dialect::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_sets_have_no_drift_on_mysql() {
    corpus_sets_have_no_drift::<sqlx::MySql>(Dialect::Mysql).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_sets_have_no_drift_on_sqlite() {
    corpus_sets_have_no_drift::<sqlx::Sqlite>(Dialect::Sqlite).await;
}

const QUERIES: &str = "-- sample rows
INSERT INTO users (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');
-- migrate:max-scan-rows 2
SELECT id FROM users WHERE name = 'a';
SELECT id FROM users WHERE lower(name) = 'a';
SELECT id FROM posts WHERE body = 'x';
SELECT nope FROM users;
";

async fn explain_reports_whole_table_reads_and_failing_queries<DB: Probe>(
    db: &TestDb,
    pool: Pool<DB>,
) where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let dir = db.dir().join("migrations");
    write_migrations(&dir, &FILES[..2]);
    let m = migrator(&dir, db.dialect);
    m.run(&pool).await.expect("the migrations apply");
    let file = migrate_core::explain::QueriesFile::parse(QUERIES, db.dialect).expect("parses");
    let findings = m
        .explain(&pool, &file, "queries.sql")
        .await
        .expect("the queries are explained");
    let lines: Vec<(u32, bool)> = findings.iter().map(|f| (f.line, f.failed)).collect();
    // Line 4 uses `users_name`. Line 5 cannot (a function of the column): PostgreSQL and
    // SQLite scan a table that has indexes; MySQL reads a whole index of a table over the
    // file's 2 rows. Line 6 reads `posts`, which has indexes (its key) that cannot serve
    // `body`, except on MySQL where `posts` is empty and below the size. Line 7 fails.
    let expected: &[(u32, bool)] = match db.dialect {
        Dialect::Mysql => &[(5, false), (7, true)],
        _ => &[(5, false), (6, false), (7, true)],
    };
    assert_eq!(lines, expected, "{findings:#?}");
    // The sample rows were rolled back.
    assert_eq!(DB::int(&pool, "SELECT count(*) FROM users").await, 0);
}
each_db!(explain_reports_whole_table_reads_and_failing_queries);

/// Renames, a dropped index, a dropped table referenced by a view, a replaced function and a
/// comment: what PostgreSQL records for the incremental snapshots must give the same findings
/// as reading every snapshot in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_snapshots_agree_with_full_ones() {
    let Some(db) = TestDb::create(Dialect::Postgres).await else {
        return;
    };
    let dir = db.dir().join("migrations");
    write_migrations(
        &dir,
        &[
            (
                "1_base.sql",
                "-- migrate:up\nCREATE TABLE t (a INT, b TEXT);\nCREATE INDEX t_a ON t (a);\nCREATE TABLE u (id INT PRIMARY KEY, t_a INT);\nCREATE VIEW v AS SELECT a FROM t;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n-- migrate:down\nDROP FUNCTION f();\nDROP VIEW v;\nDROP TABLE u;\nDROP TABLE t;\n",
            ),
            (
                // The view prints the new name: another group changes through a rename.
                "2_rename.sql",
                "-- migrate:up\nALTER TABLE t RENAME COLUMN a TO c;\n-- migrate:down\nALTER TABLE t RENAME COLUMN c TO a;\n",
            ),
            (
                // The down puts the index back under another name.
                "3_drop_index.sql",
                "-- migrate:up\nDROP INDEX IF EXISTS t_a;\n-- migrate:down\nCREATE INDEX t_a_again ON t (c);\n",
            ),
            (
                "4_function_and_comment.sql",
                "-- migrate:up\nCREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';\nCOMMENT ON COLUMN u.t_a IS 'the a of t';\n-- migrate:down\nCOMMENT ON COLUMN u.t_a IS NULL;\n",
            ),
            (
                "5_rename_table.sql",
                "-- migrate:up\nALTER TABLE u RENAME TO w;\nALTER TABLE w ADD CONSTRAINT w_t FOREIGN KEY (id) REFERENCES w (id);\n-- migrate:down\nALTER TABLE w DROP CONSTRAINT w_t;\nALTER TABLE w RENAME TO u;\n",
            ),
        ],
    );
    let m = migrator(&dir, Dialect::Postgres);
    let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
    let mut results = Vec::new();
    for full in [false, true] {
        let report = m
            .verify_beside(&pool, &VerifyOptions::default().full_snapshots(full))
            .await;
        let report = report.expect("verify runs");
        assert!(report.untracked.is_none(), "{:?}", report.untracked);
        let shown: Vec<String> = report
            .migrations
            .iter()
            .map(|v| match &v.outcome {
                Outcome::NotRestored { diff, .. } => format!("{} not restored:\n{diff}", v.version),
                other => format!("{} {}", v.version, other.as_str()),
            })
            .collect();
        results.push(shown);
    }
    assert_eq!(results[0], results[1]);
    // Migration 3's down adds `t_a_again` where `t_a` was; 4's down keeps the new body of
    // `f`; the others round-trip.
    assert_eq!(results[0][0], "1 round-trip");
    assert_eq!(results[0][1], "2 round-trip");
    assert!(
        results[0][2].starts_with("3 not restored"),
        "{}",
        results[0][2]
    );
    assert!(results[0][2].contains("t_a_again"), "{}", results[0][2]);
    assert!(
        results[0][3].starts_with("4 not restored"),
        "{}",
        results[0][3]
    );
    assert!(
        results[0][3].contains("function public.f()"),
        "{}",
        results[0][3]
    );
    assert_eq!(results[0][4], "5 round-trip");
    pool.close().await;
    db.drop().await;
}
