//! A newcomer's session on a fresh package: init, new, check, run, status, dry run, down,
//! redo, down --all, database reset; on the SQLite default, PostgreSQL and MariaDB.

use migrate_core::Dialect;
use migrate_tests::TestDb;

use crate::support::{Package, expect};

/// The states `status --format json` reports, in order.
fn states(p: &Package, env: &[(&str, &str)]) -> Vec<String> {
    let run = expect(p.run(&["status", "--format", "json"], env), 0);
    run.stdout
        .split("\"state\":\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap_or_default().to_owned())
        .collect()
}

fn session(dialect: Option<Dialect>, url: Option<&str>) {
    let extra = match dialect {
        Some(d) => {
            format!("\n[package.metadata.migrate]\ndir = \"migrations\"\ndialect = \"{d}\"\n")
        }
        None => String::new(),
    };
    let p = Package::new("newcomer", "");
    if !extra.is_empty() {
        // A package whose config names the dialect: init keeps it.
        let manifest = p.path("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).expect("read");
        std::fs::write(&manifest, format!("{text}{extra}")).expect("write");
    }
    let env: Vec<(&str, &str)> = url.map(|u| vec![("DATABASE_URL", u)]).unwrap_or_default();
    let env = env.as_slice();

    let init = expect(p.run(&["init"], env), 0);
    assert!(
        init.stderr.contains("created migrations/"),
        "{}",
        init.stderr
    );
    assert!(p.path("build.rs").is_file());
    let manifest = std::fs::read_to_string(p.path("Cargo.toml")).expect("read");
    assert_eq!(
        manifest.matches("[package.metadata.migrate]").count(),
        1,
        "{manifest}"
    );

    expect(p.run(&["new", "create_features_table"], env), 0);
    let check = expect(p.run(&["check"], env), 0);
    assert!(check.stdout.contains("0 errors"), "{}", check.stdout);
    let run = expect(p.run(&["run"], env), 0);
    assert!(
        run.stderr.contains("create_features_table"),
        "{}",
        run.stderr
    );
    if url.is_none() {
        assert!(
            run.stderr.contains("the default SQLite database"),
            "names the database it used: {}",
            run.stderr
        );
        assert!(p.path("app.db").is_file());
    }
    expect(p.run(&["status", "--exit-code"], env), 0);

    expect(p.run(&["new", "add_priority_to_features"], env), 0);
    expect(p.run(&["check"], env), 0);
    expect(p.run(&["status", "--exit-code"], env), 4);
    let dry = expect(p.run(&["run", "--dry-run"], env), 0);
    assert!(dry.stdout.contains("ADD COLUMN priority"), "{}", dry.stdout);
    assert_eq!(
        states(&p, env),
        ["applied", "pending"],
        "the dry run changed nothing"
    );
    expect(p.run(&["run"], env), 0);
    assert_eq!(states(&p, env), ["applied", "applied"]);
    expect(p.run(&["down"], env), 0);
    assert_eq!(states(&p, env), ["applied", "pending"]);
    expect(p.run(&["run"], env), 0);
    let redo = expect(p.run(&["redo"], env), 0);
    assert!(
        redo.stderr.contains("reverted") && redo.stderr.contains("applied"),
        "{}",
        redo.stderr
    );
    assert_eq!(states(&p, env), ["applied", "applied"]);
    expect(p.run(&["down", "--all"], env), 0);
    assert_eq!(states(&p, env), ["pending", "pending"]);
    // `database reset` drops everything: off a terminal it needs --yes, and without it
    // changes nothing.
    let refused = expect(p.run(&["database", "reset"], env), 2);
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.stderr);
    assert_eq!(
        states(&p, env),
        ["pending", "pending"],
        "the refusal changed nothing"
    );
    let reset = expect(p.run(&["--yes", "database", "reset"], env), 0);
    assert!(
        reset.stderr.contains("dropped") && reset.stderr.contains("created"),
        "{}",
        reset.stderr
    );
    assert_eq!(states(&p, env), ["applied", "applied"]);
    if url.is_some() {
        expect(p.run(&["database", "drop"], env), 2);
        expect(p.run(&["--yes", "database", "drop"], env), 0);
    }
}

#[test]
fn on_the_sqlite_default() {
    session(None, None);
}

#[test]
fn on_postgres() {
    let Some(server) = migrate_tests::server_url(Dialect::Postgres) else {
        return;
    };
    let url = migrate_tests::with_database(&server, &migrate_tests::unique("cli_pg"));
    session(Some(Dialect::Postgres), Some(&url));
}

#[test]
fn on_mariadb() {
    let Some(server) = migrate_tests::server_url(Dialect::Mysql) else {
        return;
    };
    let url = migrate_tests::with_database(&server, &migrate_tests::unique("cli_my"));
    session(Some(Dialect::Mysql), Some(&url));
}

#[allow(dead_code)]
fn _uses(_: TestDb) {}
