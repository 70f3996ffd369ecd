//! `run --health-check CMD`: a failing or hanging check reverts exactly what the run applied;
//! a run whose rollback would be impossible is refused before anything is applied; with
//! `--backup`, a data-losing migration is rolled back by restoring the backup. On PostgreSQL,
//! MariaDB and SQLite.

use migrate_core::Dialect;
use migrate_tests::TestDb;

use crate::support::{Package, block_on, each_dialect, expect, sql, states};

fn write(p: &Package, name: &str, up: &str, down: Option<&str>) {
    let text = match down {
        Some(down) => format!("-- migrate:up\n{up}\n-- migrate:down\n{down}\n"),
        None => format!("-- migrate:up\n{up}\n"),
    };
    std::fs::write(p.path(&format!("migrations/{name}")), text).expect("write");
}

fn count(dialect: Dialect, url: &str, sql: &str) -> i64 {
    block_on(async {
        use sqlx::Connection;
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match dialect {
            Dialect::Postgres => {
                let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query_scalar(sql)
                    .fetch_one(&mut c)
                    .await
                    .expect("query")
            }
            Dialect::Mysql => {
                let mut c = sqlx::MySqlConnection::connect(url).await.expect("connect");
                sqlx::query_scalar(sql)
                    .fetch_one(&mut c)
                    .await
                    .expect("query")
            }
            Dialect::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(url).await.expect("connect");
                sqlx::query_scalar(sql)
                    .fetch_one(&mut c)
                    .await
                    .expect("query")
            }
        }
    })
}

fn a_failed_health_check_rolls_back(dialect: Dialect) {
    let Some(db) = block_on(TestDb::create(dialect)) else {
        return;
    };
    let url = db.url.as_str();
    let p = Package::new("health", "");
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    for v in [10, 30] {
        write(
            &p,
            &format!("{v:04}_t{v}.sql"),
            &format!("CREATE TABLE t{v} (id INT);"),
            Some(&format!("DROP TABLE t{v};")),
        );
    }
    expect(p.run(&["run", "--database-url", url], &[]), 0);
    // 20 arrives after 30 was applied, and 40 after it: the run applies 20 out of order, then
    // 40; a failed check reverts those two and leaves 30 alone.
    for v in [20, 40] {
        write(
            &p,
            &format!("{v:04}_t{v}.sql"),
            &format!("CREATE TABLE t{v} (id INT);"),
            Some(&format!("DROP TABLE t{v};")),
        );
    }
    let failed = expect(
        p.run(
            &[
                "run",
                "--health-check",
                "echo not healthy; exit 3",
                "--database-url",
                url,
            ],
            &[],
        ),
        1,
    );
    assert!(
        failed.stderr.contains(
            "exited 3, so the 2 migrations this run applied were reverted, newest first (40, 20)"
        ) && failed.stderr.contains("not healthy"),
        "{}",
        failed.stderr
    );
    let pending = vec![
        ("10".to_owned(), "applied".to_owned()),
        ("20".to_owned(), "pending".to_owned()),
        ("30".to_owned(), "applied".to_owned()),
        ("40".to_owned(), "pending".to_owned()),
    ];
    assert_eq!(states(&p, url), pending);
    // A check that hangs is stopped at its timeout, with what it started (the `sleep` holds
    // the output pipes: the run would wait for it otherwise), and counts as failed.
    let started = std::time::Instant::now();
    let hung = expect(
        p.run(
            &[
                "run",
                "--health-check",
                "sleep 30",
                "--health-timeout",
                "1s",
                "--database-url",
                url,
            ],
            &[],
        ),
        1,
    );
    assert!(
        hung.stderr.contains("did not finish within 1 s"),
        "{}",
        hung.stderr
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "the check's `sleep 30` was not stopped: {:?}",
        started.elapsed()
    );
    assert_eq!(states(&p, url), pending);
    // A healthy check keeps what was applied.
    let passed = expect(
        p.run(
            &["run", "--health-check", "true", "--database-url", url],
            &[],
        ),
        0,
    );
    assert!(
        passed.stderr.contains("health check passed"),
        "{}",
        passed.stderr
    );
    assert!(states(&p, url).iter().all(|(_, s)| s == "applied"));

    // A migration with no down cannot be rolled back: refused before anything is applied.
    write(&p, "0050_t50.sql", "CREATE TABLE t50 (id INT);", None);
    let refused = expect(
        p.run(
            &["run", "--health-check", "true", "--database-url", url],
            &[],
        ),
        2,
    );
    assert!(refused.stderr.contains("has no down"), "{}", refused.stderr);
    assert_eq!(
        states(&p, url).last().map(|s| s.1.as_str()),
        Some("pending")
    );
    std::fs::remove_file(p.path("migrations/0050_t50.sql")).expect("remove");

    // A migration that loses data: refused without --backup; with it, a failed check
    // restores the backup, rows and all.
    expect(p.run(&["run", "--database-url", url], &[]), 0);
    sql(dialect, url, "INSERT INTO t10 (id) VALUES (1), (2), (3)");
    write(
        &p,
        "0060_drop_t10.sql",
        "DROP TABLE t10;",
        Some("CREATE TABLE t10 (id INT);"),
    );
    let losing = expect(
        p.run(
            &["run", "--health-check", "false", "--database-url", url],
            &[],
        ),
        2,
    );
    assert!(
        losing
            .stderr
            .contains("loses data that its down cannot bring back")
            && losing.stderr.contains("add --backup"),
        "{}",
        losing.stderr
    );
    assert_eq!(count(dialect, url, "SELECT COUNT(*) FROM t10"), 3);
    let restored = expect(
        p.run(
            &[
                "run",
                "--health-check",
                "false",
                "--backup",
                "--database-url",
                url,
            ],
            &[],
        ),
        1,
    );
    assert!(
        restored
            .stderr
            .contains("so the backup taken before the run"),
        "{}",
        restored.stderr
    );
    assert_eq!(
        count(dialect, url, "SELECT COUNT(*) FROM t10"),
        3,
        "the rows came back"
    );
    assert_eq!(
        states(&p, url).last().map(|s| s.1.as_str()),
        Some("pending")
    );
    block_on(db.drop());
}

each_dialect!(a_failed_health_check_rolls_back);
