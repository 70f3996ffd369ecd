//! Every exit code, each produced by a named case, and the password of a URL in no output.

use migrate_core::Dialect;

use crate::support::{Package, block_on, expect, run_in};

fn package_with(files: &[(&str, &str)]) -> Package {
    let p = Package::new(
        "codes",
        "\n[package.metadata.migrate]\ndialect = \"sqlite\"\n",
    );
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    for (name, text) in files {
        std::fs::write(p.path(&format!("migrations/{name}")), text).expect("write");
    }
    p
}

#[test]
fn exit_0_when_check_passes() {
    let p = package_with(&[("0001_a.sql", "CREATE TABLE a (id INTEGER);\n")]);
    expect(p.run(&["check"], &[]), 0);
}

#[test]
fn exit_1_when_a_migration_fails() {
    let p = package_with(&[(
        "0001_a.sql",
        "CREATE TABLE a (id INTEGER);\nINSERT INTO b VALUES (1);\n",
    )]);
    let run = expect(p.run(&["run"], &[]), 1);
    assert!(
        run.stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .is_some_and(
                |l| l.starts_with("error: migration 1 `a` failed at migrations/0001_a.sql:2")
            ),
        "{}",
        run.stderr
    );
}

#[test]
fn exit_2_on_a_bad_config_key_and_a_bad_flag() {
    let p = Package::new(
        "codes-config",
        "\n[package.metadata.migrate]\ncolour = \"red\"\n",
    );
    let run = expect(p.run(&["status"], &[]), 2);
    assert!(
        run.stderr.contains("package.metadata.migrate.colour"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Cargo.toml:9:1"), "{}", run.stderr);
    expect(p.run(&["run", "--no-such-flag"], &[]), 2);
}

#[test]
fn exit_3_when_check_finds_an_error() {
    let p = package_with(&[(
        "0001_a.sql",
        "CREATE TABLE a (id INTEGER);\nSELECT nope FROM a;\n",
    )]);
    let run = expect(p.run(&["check"], &[]), 3);
    assert!(
        run.stdout
            .contains("error[syntax-error]: SQLite: no such column: nope"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("--> migrations/0001_a.sql:2:8"),
        "{}",
        run.stdout
    );
    // A malformed folder is a validation failure too, for every command that reads it.
    let p = package_with(&[("0001_a.sql", "SELECT 1;\n"), ("1_b.sql", "SELECT 2;\n")]);
    expect(p.run(&["check"], &[]), 3);
    expect(p.run(&["run"], &[]), 3);
}

#[test]
fn exit_4_when_status_finds_something_to_do() {
    let p = package_with(&[("0001_a.sql", "CREATE TABLE a (id INTEGER);\n")]);
    expect(p.run(&["status", "--exit-code"], &[]), 4);
    expect(p.run(&["status"], &[]), 0);
}

#[test]
fn exit_5_when_verify_finds_a_down_that_does_not_restore() {
    let p = package_with(&[
        (
            "0001_a.sql",
            "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n",
        ),
        (
            "0002_contact.sql",
            "-- migrate:up\nALTER TABLE a ADD COLUMN email TEXT;\nALTER TABLE a ADD COLUMN phone TEXT;\n-- migrate:down\nALTER TABLE a DROP COLUMN email;\n",
        ),
    ]);
    let run = expect(p.run(&["verify"], &[]), 5);
    assert!(
        run.stdout.contains(
            "migration 2 `contact`: its down (migrations/0002_contact.sql) does not restore the schema its up changed"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\n    + column a.phone: text\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("verified 2 migrations: 1 round-trip, 0 irreversible, 1 with a problem\n"),
        "{}",
        run.stdout
    );
    let json = expect(p.run(&["verify", "--format", "json"], &[]), 5);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(value["problems"], 1);
    assert_eq!(value["migrations"][1]["outcome"], "not-restored");
    assert_eq!(value["migrations"][1]["diff"][0]["change"], "added");
    assert_eq!(value["migrations"][1]["diff"][0]["name"], "a.phone");
    // Verifying only the first: it round-trips, and nothing was ever written beside the
    // package (SQLite verifies in a temporary file).
    let first = expect(p.run(&["verify", "--from", "1"], &[]), 5);
    assert!(first.stdout.contains("1 round-trip"), "{}", first.stdout);
    assert!(!p.path("app.db").exists());
}

/// `-j 2` verifies a folder of 40 on two scratch databases at once, with the findings and the
/// exit code of one.
#[test]
fn verify_on_two_databases_reports_what_one_does() {
    let files: Vec<(String, String)> = (1..=40)
        .map(|i| {
            let sql = if i == 30 {
                // The down forgets the table the up makes if it is not there.
                "-- migrate:up\nCREATE TABLE t30 (id INTEGER);\nCREATE TABLE IF NOT EXISTS extra (id INTEGER);\n-- migrate:down\nDROP TABLE t30;\n".to_owned()
            } else {
                format!("-- migrate:up\nCREATE TABLE t{i} (id INTEGER);\n-- migrate:down\nDROP TABLE t{i};\n")
            };
            (format!("{i:04}_t{i}.sql"), sql)
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    let p = package_with(&files);
    let one = expect(p.run(&["verify", "-j", "1", "-v"], &[]), 5);
    let two = expect(p.run(&["verify", "-j", "2", "-v"], &[]), 5);
    let findings = |out: &str| -> String {
        out.lines()
            .filter(|l| !l.starts_with("scratch database: "))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    assert_eq!(findings(&one.stdout), findings(&two.stdout));
    assert!(
        two.stdout
            .contains("migration 30 `t30`: its down (migrations/0030_t30.sql) does not restore"),
        "{}",
        two.stdout
    );
    assert!(
        two.stdout
            .ends_with("verified 40 migrations: 39 round-trip, 0 irreversible, 1 with a problem\n"),
        "{}",
        two.stdout
    );
    let made = |r: &str| r.matches("scratch database: ").count();
    assert_eq!(
        (made(&one.stderr), made(&two.stderr)),
        (1, 2),
        "{}",
        two.stdout
    );
}

#[test]
fn exit_5_when_drift_finds_a_difference() {
    let p = package_with(&[(
        "0001_a.sql",
        "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n",
    )]);
    expect(p.run(&["run"], &[]), 0);
    let clean = expect(p.run(&["drift"], &[]), 0);
    assert!(
        clean
            .stdout
            .contains("no drift: the schema is what its 1 applied migrations make"),
        "{}",
        clean.stdout
    );
    expect(p.run(&["status", "--drift", "--exit-code"], &[]), 0);
    // The file now makes a column the database does not have.
    std::fs::write(
        p.path("migrations/0001_a.sql"),
        "-- migrate:up\nCREATE TABLE a (id INTEGER, extra TEXT);\n-- migrate:down\nDROP TABLE a;\n",
    )
    .expect("write");
    let drifted = expect(p.run(&["drift"], &[]), 5);
    assert!(
        drifted.stdout.contains("\n  - column a.extra: text\n"),
        "{}",
        drifted.stdout
    );
    // A modified migration is something to do (4), which comes before drift.
    let status = expect(p.run(&["status", "--drift", "--exit-code"], &[]), 4);
    assert!(
        status.stdout.contains("- column a.extra"),
        "{}",
        status.stdout
    );
    expect(p.run(&["status", "--drift"], &[]), 0);
}

#[test]
fn exit_5_when_status_finds_an_index_made_by_hand() {
    let p = package_with(&[(
        "0001_a.sql",
        "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n",
    )]);
    expect(p.run(&["run"], &[]), 0);
    let url = format!("sqlite://{}", p.path("app.db").display());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("connect");
            sqlx::raw_sql("CREATE INDEX a_id ON a (id)")
                .execute(&mut conn)
                .await
                .expect("an index by hand");
        });
    let status = expect(p.run(&["status", "--drift", "--exit-code"], &[]), 5);
    assert!(
        status
            .stdout
            .contains("\n  + index a_id: create index a_id on a(id)\n"),
        "{}",
        status.stdout
    );
}

#[test]
fn check_formats() {
    let p = package_with(&[(
        "0001_a.sql",
        "CREATE TABLE a (id INTEGER);\nSELECT nope FROM a;\n",
    )]);
    let github = expect(p.run(&["check", "--format", "github"], &[]), 3);
    assert!(
        github
            .stdout
            .starts_with("::error file=migrations/0001_a.sql,line=2,col=8,title=syntax-error::"),
        "{}",
        github.stdout
    );
    let sarif = expect(p.run(&["check", "--format", "sarif"], &[]), 3);
    assert!(sarif.stdout.contains("\"version\":\"2.1.0\""));
    let json = expect(p.run(&["check", "--format", "json"], &[]), 3);
    assert!(json.stdout.starts_with("{\"migrations\":[{\"version\":\"1\",\"name\":\"a\",\"path\":\"migrations/0001_a.sql\",\"transactional\":true,\"has_down\":false}],\"findings\":[{\"rule\":\"syntax-error\",\"level\":\"deny\",\"path\":\"migrations/0001_a.sql\",\"line\":2,\"column\":8,"), "{}", json.stdout);
}

#[test]
fn dir_works_without_a_package() {
    let dir = std::env::temp_dir().join(migrate_tests::unique("cli-bare"));
    std::fs::create_dir_all(dir.join("db")).expect("mkdir");
    std::fs::write(dir.join("db/1_a.sql"), "CREATE TABLE a (id INTEGER);\n").expect("write");
    let url = format!("sqlite://{}/bare.db", dir.display());
    expect(
        run_in(&dir, &["--dir", "db", "run"], &[("DATABASE_URL", &url)]),
        0,
    );
    let check = expect(
        run_in(&dir, &["--dir", "db", "--dialect", "sqlite", "check"], &[]),
        0,
    );
    assert!(
        check.stdout.contains("checked 1 migrations in db"),
        "{}",
        check.stdout
    );
    let _ = std::fs::remove_dir_all(dir);
}

const SECRET: &str = "s3cretPassw0rd";

/// Every command, on success and on failure, with a password in the URL: it appears nowhere.
/// The URLs include ones that do not parse (a `/`, `#`, `?` or `@` in the password, a bad
/// port), which are masked as they are written; and the URL reaches the commands through
/// `--database-url`, `DATABASE_URL`, a targets file and `--scratch-url`.
#[test]
fn passwords_never_appear() {
    let mut urls = vec![
        // Wrong host: the connection fails.
        format!("postgres://app:{SECRET}@127.0.0.1:1/nowhere"),
        // URLs that do not parse.
        format!("postgres://u:pa/{SECRET}@127.0.0.1/db"),
        format!("postgres://u:pa#{SECRET}@127.0.0.1/db"),
        format!("postgres://u:pa?{SECRET}@127.0.0.1/db"),
        format!("postgres://u:pa@{SECRET}@127.0.0.1/db"),
        format!("postgres://u:{SECRET}@127.0.0.1:99999/db"),
        format!("mysql://u:x/{SECRET}@127.0.0.1/db"),
        format!("mysql://u:{SECRET}@127.0.0.1:port/db"),
    ];
    // The database the trusted PostgreSQL URL names: the commands create it (`run`, `database
    // create`), so the test drops it at the end.
    let mut made = None;
    if let Some(server) = migrate_tests::server_url(Dialect::Postgres) {
        // The local server trusts the user, so this password is accepted and ignored.
        let db = migrate_tests::unique("cli_mask");
        urls.push(migrate_tests::with_database(
            &server.replacen("postgres@", &format!("postgres:{SECRET}@"), 1),
            &db,
        ));
        made = Some((server, db));
    }
    if let Some(server) = migrate_tests::server_url(Dialect::Mysql) {
        // root has no password here, so this one is wrong: authentication fails.
        urls.push(migrate_tests::with_database(
            &server.replacen("root@", &format!("root:{SECRET}@"), 1),
            "test",
        ));
    }
    let p = Package::new("mask", "");
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    std::fs::write(
        p.path("migrations/0001_a.sql"),
        "-- migrate:up\nCREATE TABLE a (id INT);\n-- migrate:down\nDROP TABLE a;\n",
    )
    .expect("write");
    let commands: &[&[&str]] = &[
        &["database", "create"],
        &["run"],
        &["run", "--dry-run"],
        &["status"],
        &["status", "--format", "json"],
        &["down", "--dry-run"],
        &["redo"],
        &["down"],
        &["baseline", "--version", "1"],
        &["resolve", "--rolled-back", "1"],
        &["repair"],
        &["run", "-v"],
        &["run", "--format", "json"],
        &["--yes", "database", "reset"],
        &["--yes", "database", "drop"],
        &["database", "drop"],
        &["init"],
        &["check"],
        &["verify"],
        &["drift"],
        &["dump"],
        &["backup"],
        &["--yes", "restore", "migrations/0001_a.sql"],
        &["wait", "--timeout", "1s"],
        &["adopt", "--from", "sqlx", "--dry-run"],
        &["status", "--format", "sarif"],
    ];
    let mut ran = 0;
    let mut check = |all: &[&str], env: &[(&str, &str)]| {
        let run = p.run(all, env);
        assert!(
            !run.all().contains(SECRET),
            "{all:?} printed the password:\n{}",
            run.all()
        );
        ran += 1;
    };
    for url in &urls {
        for args in commands {
            for how in [&["--database-url", url.as_str()][..], &[][..]] {
                let mut all: Vec<&str> = how.to_vec();
                all.extend_from_slice(args);
                check(&all, &[("DATABASE_URL", url)]);
            }
        }
        // In a targets file, and as the scratch database.
        std::fs::write(p.path("targets.txt"), format!("{url}\n")).expect("write");
        for args in [&["run"][..], &["status", "--format", "json"], &["drift"]] {
            let mut all = vec!["--targets", "targets.txt"];
            all.extend_from_slice(args);
            check(&all, &[]);
        }
        let sqlite = format!("sqlite://{}", p.path("mask.db").display());
        check(
            &["--database-url", &sqlite, "drift", "--scratch-url", url],
            &[],
        );
        check(
            &["--database-url", &sqlite, "verify", "--scratch-url", url],
            &[],
        );
    }
    for url in &urls {
        // A URL with a password shows as user:***.
        let run = p.run(&["status"], &[("DATABASE_URL", url)]);
        assert!(run.all().contains(":***@"), "{}", run.all());
    }
    assert!(ran >= commands.len() * 2);
    if let Some((server, db)) = made {
        block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&server).await.expect("connect");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await
            .expect("drop the test's database");
        });
    }
}

#[test]
fn check_explain_prints_every_entry_and_refuses_an_unknown_id() {
    let dir = std::env::temp_dir();
    for rule in migrate_core::rules::all() {
        let run = expect(run_in(&dir, &["check", "--explain", rule.id], &[]), 0);
        assert_eq!(
            run.stdout.trim_end(),
            migrate_core::rules::explain(rule).trim_end(),
            "{}",
            rule.id
        );
    }
    let run = expect(run_in(&dir, &["check", "--explain", "drop-tables"], &[]), 2);
    assert!(
        run.stderr.contains("`drop-tables` is not a rule")
            && run.stderr.contains("drop-table, drop-column"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_common_or_one_letter_password_masks_only_the_url() {
    let p = Package::new("mask-short", "");
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    for (url, shown) in [
        (
            "postgres://postgres:postgres@127.0.0.1:1/postgres",
            "postgres://postgres:***@127.0.0.1:1/postgres",
        ),
        (
            "mysql://a:a@127.0.0.1:1/app",
            "mysql://a:***@127.0.0.1:1/app",
        ),
    ] {
        let run = expect(p.run(&["--database-url", url, "status"], &[]), 1);
        let all = run.all();
        assert!(all.contains(shown), "{all}");
        assert!(!all.contains(url), "{all}");
        // Only the password field is masked: no other word became `***`.
        assert_eq!(
            all.matches("***").count(),
            all.matches(shown).count(),
            "{all}"
        );
    }
}

#[test]
fn check_for_two_dialects_names_the_one_that_refuses() {
    let dir = std::env::temp_dir().join(migrate_tests::unique("cli-two-dialects"));
    std::fs::create_dir_all(dir.join("migrations")).expect("mkdir");
    std::fs::write(
        dir.join("migrations/0001_a.sql"),
        "CREATE TABLE a (id INT PRIMARY KEY, name VARCHAR(50));\nALTER TABLE a MODIFY COLUMN name VARCHAR(80);\n",
    )
    .expect("write");
    let run = expect(
        run_in(
            &dir,
            &["--dir", "migrations", "--dialect", "sqlite,mysql", "check"],
            &[],
        ),
        3,
    );
    assert!(
        run.stdout
            .contains("error[syntax-error] (sqlite only): SQLite:"),
        "{}",
        run.stdout
    );
    let json = expect(
        run_in(
            &dir,
            &[
                "--dir",
                "migrations",
                "--dialect",
                "sqlite,mysql",
                "check",
                "--format",
                "json",
            ],
            &[],
        ),
        3,
    );
    assert!(
        json.stdout.contains("\"dialects\":[\"sqlite\"]"),
        "{}",
        json.stdout
    );
    // Each alone: MySQL accepts it.
    expect(
        run_in(
            &dir,
            &["--dir", "migrations", "--dialect", "mysql", "check"],
            &[],
        ),
        0,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
