//! Every statement PostgreSQL refuses inside a transaction block (the callers of
//! `PreventInTransactionBlock` in its source), held against the real server: it fails inside
//! `BEGIN … ROLLBACK` with SQLSTATE 25001, and `cargo migrate check` denies it in a migration
//! that runs in a transaction (`concurrent-in-transaction`) and passes it in one marked
//! `transaction:false`.

use migrate_core::{Config, Dialect, Level, MigrationSet, check};
use migrate_tests::{TestDb, write_migrations};
use sqlx::{Connection, PgConnection};

/// (what the server calls it, setup run first outside a transaction, the statement, cleanup).
/// `{db}` is the test database's name, `{s}` a name unique to the test.
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "CREATE INDEX CONCURRENTLY",
        "CREATE TABLE t1 (id INT, v TEXT);",
        "CREATE INDEX CONCURRENTLY t1_v ON t1 (v)",
        "",
    ),
    (
        "DROP INDEX CONCURRENTLY",
        "CREATE TABLE t1 (id INT); CREATE INDEX t1_id ON t1 (id);",
        "DROP INDEX CONCURRENTLY t1_id",
        "",
    ),
    (
        "REINDEX CONCURRENTLY",
        "CREATE TABLE t1 (id INT); CREATE INDEX t1_id ON t1 (id);",
        "REINDEX TABLE CONCURRENTLY t1",
        "",
    ),
    (
        "REINDEX CONCURRENTLY",
        "CREATE TABLE t1 (id INT); CREATE INDEX t1_id ON t1 (id);",
        "REINDEX (CONCURRENTLY) INDEX t1_id",
        "",
    ),
    ("REINDEX SCHEMA", "", "REINDEX SCHEMA public", ""),
    ("REINDEX DATABASE", "", "REINDEX DATABASE {db}", ""),
    ("REINDEX SYSTEM", "", "REINDEX SYSTEM {db}", ""),
    (
        "REINDEX TABLE",
        "CREATE TABLE pt (id INT) PARTITION BY RANGE (id); CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (10); CREATE INDEX pt_id ON pt (id);",
        "REINDEX TABLE pt",
        "",
    ),
    (
        "CLUSTER",
        "CREATE TABLE pt (id INT) PARTITION BY RANGE (id); CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (10); CREATE INDEX pt_id ON pt (id);",
        "CLUSTER pt USING pt_id",
        "",
    ),
    ("CLUSTER", "", "CLUSTER", ""),
    ("VACUUM", "CREATE TABLE t1 (id INT);", "VACUUM t1", ""),
    (
        "VACUUM",
        "CREATE TABLE t1 (id INT);",
        "VACUUM (ANALYZE) t1",
        "",
    ),
    ("CREATE DATABASE", "", "CREATE DATABASE {s}", ""),
    ("DROP DATABASE", "", "DROP DATABASE IF EXISTS {s}", ""),
    (
        "ALTER DATABASE SET TABLESPACE",
        "",
        "ALTER DATABASE {db} SET TABLESPACE pg_default",
        "",
    ),
    (
        "CREATE TABLESPACE",
        "",
        "CREATE TABLESPACE {s} LOCATION '/nonexistent/{s}'",
        "",
    ),
    ("DROP TABLESPACE", "", "DROP TABLESPACE IF EXISTS {s}", ""),
    ("ALTER SYSTEM", "", "ALTER SYSTEM SET work_mem = '5MB'", ""),
    ("DISCARD ALL", "", "DISCARD ALL", ""),
    ("COMMIT PREPARED", "", "COMMIT PREPARED '{s}'", ""),
    ("ROLLBACK PREPARED", "", "ROLLBACK PREPARED '{s}'", ""),
    (
        "ALTER TABLE ... DETACH CONCURRENTLY",
        "CREATE TABLE pt (id INT) PARTITION BY RANGE (id); CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (10);",
        "ALTER TABLE pt DETACH PARTITION pt_1 CONCURRENTLY",
        "",
    ),
    // Subscriptions: created without connecting, so no publisher is needed. The refusal comes
    // before any connection is tried.
    (
        "CREATE SUBSCRIPTION ... WITH (create_slot = true)",
        "",
        "CREATE SUBSCRIPTION {s} CONNECTION 'host=127.0.0.1 port=1 dbname=none' PUBLICATION p",
        "",
    ),
    (
        "ALTER SUBSCRIPTION ... REFRESH",
        "CREATE SUBSCRIPTION {s} CONNECTION 'host=127.0.0.1 port=1 dbname=none' PUBLICATION p WITH (connect = false); ALTER SUBSCRIPTION {s} ENABLE;",
        "ALTER SUBSCRIPTION {s} REFRESH PUBLICATION",
        "ALTER SUBSCRIPTION {s} DISABLE; ALTER SUBSCRIPTION {s} SET (slot_name = NONE); DROP SUBSCRIPTION {s};",
    ),
    (
        "ALTER SUBSCRIPTION with refresh",
        "CREATE SUBSCRIPTION {s} CONNECTION 'host=127.0.0.1 port=1 dbname=none' PUBLICATION p WITH (connect = false); ALTER SUBSCRIPTION {s} ENABLE;",
        "ALTER SUBSCRIPTION {s} SET PUBLICATION p2",
        "ALTER SUBSCRIPTION {s} DISABLE; ALTER SUBSCRIPTION {s} SET (slot_name = NONE); DROP SUBSCRIPTION {s};",
    ),
    (
        "DROP SUBSCRIPTION",
        "CREATE SUBSCRIPTION {s} CONNECTION 'host=127.0.0.1 port=1 dbname=none' PUBLICATION p WITH (connect = false);",
        "DROP SUBSCRIPTION {s}",
        "ALTER SUBSCRIPTION {s} SET (slot_name = NONE); DROP SUBSCRIPTION {s};",
    ),
];

/// The rules `check` reports on `migration` (the setup as the first migration, so the schema
/// model knows the objects).
fn rules(dir: &std::path::Path, setup: &str, migration: &str) -> Vec<&'static str> {
    let mut files = Vec::new();
    if !setup.is_empty() {
        files.push(("0001_setup.sql", setup));
    }
    files.push(("0002_case.sql", migration));
    write_migrations(dir, &files);
    let mut config = Config::default();
    config.dialect = Some(Dialect::Postgres);
    config
        .lint
        .set_level("empty-migration", Level::Warn)
        .expect("lowerable");
    let set = MigrationSet::load(dir, &config).unwrap_or_else(|e| panic!("{e}"));
    check(&set, &config)
        .findings
        .iter()
        .filter(|f| f.path.ends_with("0002_case.sql"))
        .map(|f| f.rule)
        .collect()
}

#[tokio::test]
async fn each_statement_the_server_refuses_in_a_transaction_is_denied() {
    let Some(db) = TestDb::create(Dialect::Postgres).await else {
        return;
    };
    let mut conn = PgConnection::connect(&db.url).await.expect("connect");
    let mut failures = Vec::new();
    for (i, (what, setup, statement, cleanup)) in CASES.iter().enumerate() {
        let unique = format!("{}_{i}", db.name);
        let fill = |sql: &str| sql.replace("{db}", &db.name).replace("{s}", &unique);
        let (setup, statement, cleanup) = (fill(setup), fill(statement), fill(cleanup));
        // A fresh schema for each case.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public; {setup}"
        )))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("setup of `{statement}`: {e}"));
        sqlx::raw_sql("BEGIN")
            .execute(&mut conn)
            .await
            .expect("begin");
        let refused = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&mut conn)
            .await;
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut conn)
            .await
            .expect("rollback");
        if !cleanup.is_empty() {
            sqlx::raw_sql(sqlx::AssertSqlSafe(cleanup))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("cleanup of `{statement}`: {e}"));
        }
        match refused {
            Err(e)
                if e.as_database_error().and_then(|d| d.code()).as_deref() == Some("25001")
                    && e.to_string()
                        .contains(&format!("{what} cannot run inside a transaction block")) => {}
            other => failures.push(format!(
                "the server did not refuse `{statement}` as `{what}` in a transaction: {other:?}"
            )),
        }
        let dir = db.dir().join(format!("case{i}"));
        let found = rules(&dir, &setup, &format!("{statement};\n"));
        if !found.contains(&"concurrent-in-transaction") {
            failures.push(format!(
                "check does not deny `{statement}` in a transaction: {found:?}"
            ));
        }
        let outside = rules(
            &dir,
            &setup,
            &format!("-- migrate:up transaction:false\n{statement};\n"),
        );
        if outside.contains(&"concurrent-in-transaction") {
            failures.push(format!("check denies `{statement}` outside a transaction"));
        }
    }
    let _ = conn.close().await;
    db.drop().await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn statements_that_may_run_in_a_transaction_are_not_denied() {
    let dir = std::env::temp_dir().join(migrate_tests::unique("no-transaction-allowed"));
    for statement in [
        "ANALYZE t1",
        "REINDEX TABLE t1",
        "REINDEX (CONCURRENTLY false) TABLE t1",
        "CLUSTER t1 USING t1_id",
        "DISCARD TEMP",
        "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p WITH (connect = false)",
        "ALTER SUBSCRIPTION s SET PUBLICATION p2 WITH (refresh = false)",
        "ALTER DATABASE app SET work_mem = '5MB'",
        "CREATE INDEX t1_v ON t1 (v)",
    ] {
        let found = rules(
            &dir,
            "CREATE TABLE t1 (id INT, v TEXT);\nCREATE INDEX t1_id ON t1 (id);\n",
            &format!("{statement};\n"),
        );
        assert!(
            !found.contains(&"concurrent-in-transaction"),
            "`{statement}` is denied: {found:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
