//! Fan-out over tenants on the real servers: 50 PostgreSQL schemas, then 50 SQLite files and 20
//! MariaDB databases in one targets file; one tenant made to fail is reported while the others
//! finish, and a re-run applies only that tenant's remainder once it is fixed; `drift` over the
//! tenants finds the one changed by hand.

use migrate_core::Dialect;
use migrate_tests::TestDb;

use crate::support::{Package, Run, block_on, expect};

/// A package whose 20 migrations each create a table `tNN`.
fn package(count: usize) -> Package {
    let p = Package::new("fleet", "");
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    for i in 1..=count {
        std::fs::write(
            p.path(&format!("migrations/{i:04}_t{i:02}.sql")),
            format!("-- migrate:up\nCREATE TABLE t{i:02} (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE t{i:02};\n"),
        )
        .expect("write");
    }
    p
}

fn pg_exec(url: &str, sql: &str) {
    block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    });
}

fn pg_count(url: &str, sql: &str) -> i64 {
    block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    })
}

/// The JSON targets of a run, by target.
fn targets(run: &Run) -> Vec<(String, String, u64)> {
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    value["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            (
                t["target"].as_str().unwrap_or_default().to_owned(),
                t["state"].as_str().unwrap_or_default().to_owned(),
                t["applied"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn schemas_fan_out_report_the_failing_tenant_and_resume() {
    let Some(db) = block_on(TestDb::create(Dialect::Postgres)) else {
        return;
    };
    let schemas: String = (1..=50)
        .map(|i| format!("CREATE SCHEMA tenant_{i:02};\n"))
        .collect();
    pg_exec(&db.url, &schemas);
    // Tenant 17 already has what migration 5 creates.
    pg_exec(&db.url, "CREATE TABLE tenant_17.t05 (x INT)");
    let p = package(20);
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> = ["run", "--schemas", "tenant_*", "-j", "8", "--database-url"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        v.push(db.url.clone());
        v.extend(extra.iter().map(|s| (*s).to_owned()));
        v
    };
    let run = |extra: &[&'static str], code: i32| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        expect(p.run(&a, &[]), code)
    };
    let first = run(&[], 1);
    assert!(
        first.stderr.contains("1 of 50 targets failed"),
        "{}",
        first.stderr
    );
    assert!(
        first.stderr.contains("tenant_17: migration 5 `t05` failed"),
        "{}",
        first.stderr
    );
    assert!(
        first.stdout.contains("tenant_17  failed"),
        "{}",
        first.stdout
    );
    assert_eq!(
        first.stdout.matches("  applied  ").count(),
        49,
        "{}",
        first.stdout
    );
    let rows = |schema: &str| {
        pg_count(
            &db.url,
            &format!("SELECT count(*) FROM {schema}._migrations WHERE status = 'applied'"),
        )
    };
    assert_eq!(rows("tenant_01"), 20);
    assert_eq!(rows("tenant_50"), 20);
    assert_eq!(
        rows("tenant_17"),
        4,
        "migrations 1-4 committed before 5 failed"
    );

    // Fixed, a re-run applies only tenant 17's remainder.
    pg_exec(&db.url, "DROP TABLE tenant_17.t05");
    let again = run(&["--format", "json"], 0);
    let outcome = targets(&again);
    assert_eq!(outcome.len(), 50);
    for (target, state, applied) in &outcome {
        if target == "tenant_17" {
            assert_eq!((state.as_str(), *applied), ("applied", 16));
        } else {
            assert_eq!((state.as_str(), *applied), ("up to date", 0), "{target}");
        }
    }
    let status = expect(
        p.run(
            &[
                "status",
                "--schemas",
                "tenant_*",
                "--exit-code",
                "--database-url",
                &db.url,
            ],
            &[],
        ),
        0,
    );
    assert_eq!(
        status.stdout.matches("up to date").count(),
        50,
        "{}",
        status.stdout
    );

    // Drift over tenants: each against what its migrations make, on a scratch database of its
    // own. An index made by hand in one tenant is that tenant's drift, and exit 5.
    pg_exec(&db.url, "CREATE INDEX by_hand ON tenant_03.t07 (id)");
    let drift = expect(
        p.run(
            &["drift", "--schemas", "tenant_0*", "--database-url", &db.url],
            &[],
        ),
        5,
    );
    assert_eq!(
        drift.stdout.matches("no drift").count(),
        8,
        "{}",
        drift.stdout
    );
    assert!(
        drift.stdout.contains("tenant_03  drifted            1"),
        "{}",
        drift.stdout
    );
    assert!(
        drift.stderr.contains("1 of 9 targets differ"),
        "{}",
        drift.stderr
    );
    pg_exec(&db.url, "DROP INDEX tenant_03.by_hand");

    // A canary of 3 that fails stops the rest from starting.
    std::fs::write(
        p.path("migrations/0021_t21.sql"),
        "-- migrate:up\nCREATE TABLE t21 (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE t21;\n",
    )
    .expect("write");
    pg_exec(&db.url, "CREATE TABLE tenant_02.t21 (x INT)");
    let canary = run(&["--canary", "3"], 1);
    assert!(
        canary
            .stderr
            .contains("1 of 50 targets failed and 47 were not started"),
        "{}",
        canary.stderr
    );
    assert_eq!(rows("tenant_01"), 21, "the canaries ran");
    assert_eq!(rows("tenant_50"), 20, "the rest did not start");
    // `down` over every tenant needs --yes.
    let down = expect(
        p.run(
            &["down", "--schemas", "tenant_*", "--database-url", &db.url],
            &[],
        ),
        2,
    );
    assert!(down.stderr.contains("pass --yes"), "{}", down.stderr);
    block_on(db.drop());
}

#[test]
fn targets_fan_out_over_sqlite_files_and_mariadb_databases() {
    if migrate_tests::server_url(Dialect::Mysql).is_none() {
        return;
    }
    let mut databases = Vec::new();
    for _ in 0..20 {
        let Some(db) = block_on(TestDb::create(Dialect::Mysql)) else {
            return;
        };
        databases.push(db);
    }
    let p = package(20);
    let files = p.path("tenants");
    std::fs::create_dir_all(&files).expect("mkdir");
    let mut lines = vec!["# tenants: a SQLite file each, and MariaDB databases".to_owned()];
    for i in 1..=50 {
        lines.push(format!("sqlite://{}/tenant_{i:02}.db", files.display()));
    }
    // Two MariaDB tenants come through a variable.
    for (i, db) in databases.iter().enumerate() {
        if i < 2 {
            lines.push(format!("env:TENANT_URL_{i}"));
        } else {
            lines.push(db.url.clone());
        }
    }
    std::fs::write(p.path("targets.txt"), lines.join("\n")).expect("write");
    let env: Vec<(String, String)> = databases
        .iter()
        .take(2)
        .enumerate()
        .map(|(i, db)| (format!("TENANT_URL_{i}"), db.url.clone()))
        .collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // The fifth MariaDB tenant already has what migration 7 creates.
    let broken = &databases[4];
    block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::MySqlConnection::connect(&broken.url)
            .await
            .expect("connect");
        sqlx::raw_sql("CREATE TABLE t07 (x INT)")
            .execute(&mut conn)
            .await
            .expect("a table in the way");
    });
    let run = |code: i32| {
        expect(
            p.run(
                &[
                    "run",
                    "--targets",
                    "targets.txt",
                    "-j",
                    "8",
                    "--format",
                    "json",
                ],
                &env,
            ),
            code,
        )
    };
    let first = run(1);
    // Under --format json the failure is part of the one document on stdout.
    let document: serde_json::Value = serde_json::from_str(&first.stdout).expect("JSON");
    assert!(
        document["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("1 of 70 targets failed")),
        "{}",
        first.stdout
    );
    assert_eq!(document["error"]["code"], 1, "{}", first.stdout);
    let outcome = targets(&first);
    assert_eq!(outcome.len(), 70);
    let failed: Vec<&(String, String, u64)> =
        outcome.iter().filter(|(_, s, _)| s == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].0.ends_with(&broken.name), "{failed:?}");
    assert_eq!(
        outcome
            .iter()
            .filter(|(_, s, n)| s == "applied" && *n == 20)
            .count(),
        69
    );
    // Fixed, a re-run applies only that tenant's remainder (migrations 7 to 20).
    block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::MySqlConnection::connect(&broken.url)
            .await
            .expect("connect");
        // MariaDB runs DDL outside transactions: migration 7 is marked dirty, so it is
        // resolved as a person would after removing what was in the way.
        sqlx::raw_sql("DROP TABLE t07; DELETE FROM _migrations WHERE status = 'dirty'")
            .execute(&mut conn)
            .await
            .expect("fixed");
    });
    let again = targets(&run(0));
    for (target, state, applied) in &again {
        if target.ends_with(&broken.name) {
            assert_eq!((state.as_str(), *applied), ("applied", 14), "{target}");
        } else {
            assert_eq!((state.as_str(), *applied), ("up to date", 0), "{target}");
        }
    }
    for db in databases {
        block_on(db.drop());
    }
}

/// A protected environment's schemas: `run` over them refuses without `--yes` where there is
/// no terminal to ask on, `down` over them refuses without it, and with it both go ahead.
#[test]
fn a_protected_environment_fans_out_only_with_yes() {
    let Some(db) = block_on(TestDb::create(Dialect::Postgres)) else {
        return;
    };
    pg_exec(&db.url, "CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b");
    let p = Package::new(
        "fleet-protected",
        "\n[package.metadata.migrate.env.production]\ndatabase-url = \"env:PROD_URL\"\n",
    );
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    std::fs::write(
        p.path("migrations/0001_t01.sql"),
        "-- migrate:up\nCREATE TABLE t01 (id INT);\n-- migrate:down\nDROP TABLE t01;\n",
    )
    .expect("write");
    let env = [("PROD_URL", db.url.as_str())];
    let applied = || {
        pg_count(
            &db.url,
            "SELECT count(*) FROM pg_tables WHERE tablename = 't01'",
        )
    };
    let fan = |extra: &[&str]| {
        let mut args = vec!["--env", "production", "--schemas", "tenant_*"];
        args.extend_from_slice(extra);
        p.run(&args, &env)
    };
    let refused = expect(fan(&["run"]), 2);
    assert!(
        refused.stderr.contains("protected environment"),
        "{}",
        refused.stderr
    );
    assert_eq!(applied(), 0, "nothing was applied");
    expect(fan(&["--yes", "run"]), 0);
    assert_eq!(applied(), 2);
    let down = expect(fan(&["down"]), 2);
    assert!(down.stderr.contains("--yes"), "{}", down.stderr);
    assert_eq!(applied(), 2, "nothing was reverted");
    expect(fan(&["--yes", "down"]), 0);
    assert_eq!(applied(), 0);
    block_on(db.drop());
}
