//! Every kind of bad input, each with the error it must get: malformed folders, bad URLs, a
//! tampered history table, an identifier meant to inject SQL, a read-only database and a full
//! disk. Each case asserts the exit code and the words of the first error line, searches the
//! output for the URL's password, and adds a row to `target/tmp/reliability/bad-input.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use migrate_core::Dialect;

use crate::support::{Inspect, SECRET, Target, each_db, report, run};

/// Asserts one case and reports it.
#[track_caller]
fn case(category: &str, input: &str, out: &Output, code: i32, words: &[&str]) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The first error line, with the location line `check` prints under it.
    let lines: Vec<&str> = stderr.lines().chain(stdout.lines()).collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("error"))
        .unwrap_or_else(|| panic!("{input}: no error line in\n{stdout}{stderr}"));
    let first = match lines.get(at + 1) {
        Some(next) if next.trim_start().starts_with("-->") => {
            format!("{} {}", lines[at], next.trim())
        }
        _ => lines[at].to_owned(),
    };
    assert_eq!(out.status.code(), Some(code), "{input}:\n{stdout}{stderr}");
    for w in words {
        assert!(first.contains(w), "{input}: `{w}` is not in `{first}`");
    }
    report(
        "bad-input",
        &format!(
            "| {category} | {input} | {code} | {} |",
            first.replace('|', "\\|")
        ),
    );
}

fn folder(root: &Path, name: &str, files: Files) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (file, bytes) in files {
        std::fs::write(dir.join(file), bytes).expect("write");
    }
    dir
}

fn bin() -> Command {
    let mut cmd = Command::new(crate::support::cargo_migrate());
    cmd.arg("migrate")
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1");
    cmd
}

/// Files of a folder: name and bytes.
type Files<'a> = &'a [(&'a str, &'a [u8])];

const TWO: Files = &[
    ("1_users.sql", b"CREATE TABLE users (id INT PRIMARY KEY);\n"),
    ("2_items.sql", b"CREATE TABLE items (id INT PRIMARY KEY);\n"),
];

#[test]
fn malformed_folders() {
    let root = std::env::temp_dir().join(migrate_tests::unique("bad-folders"));
    let cases: &[(&str, Files, &[&str])] = &[
        (
            "two files with one version",
            &[("1_a.sql", b"SELECT 1;\n"), ("001_b.sql", b"SELECT 2;\n")],
            &["duplicate", "001_b.sql"],
        ),
        (
            "a file that is not UTF-8",
            &[("1_a.sql", b"SELECT '\xff\xfe';\n")],
            &["UTF-8", "1_a.sql"],
        ),
        (
            "two up files for one golang-migrate version",
            &[
                ("1_a.up.sql", b"SELECT 1;\n"),
                ("1_b.up.sql", b"SELECT 2;\n"),
            ],
            &["duplicate", "1_b.up.sql"],
        ),
        (
            "an unknown `-- migrate:` directive",
            &[("1_a.sql", b"-- migrate:sideways\nSELECT 1;\n")],
            &["1_a.sql:1", "sideways"],
        ),
        (
            "`.sql` files named as no layout names a migration",
            &[
                ("create_users.sql", b"CREATE TABLE users (id INT);\n"),
                (
                    "add_email.sql",
                    b"ALTER TABLE users ADD COLUMN email TEXT;\n",
                ),
            ],
            &["unknown-layout", "add_email.sql"],
        ),
        (
            "a statement SQLite rejects",
            &[(
                "1_a.sql",
                b"CREATE TABLE a (id INTEGER);\nSELEC id FROM a;\n",
            )],
            &["syntax-error", "1_a.sql:2"],
        ),
    ];
    for (i, (input, files, words)) in cases.iter().enumerate() {
        let dir = folder(&root, &format!("f{i}"), files);
        let out = run(input, {
            let mut cmd = bin();
            cmd.current_dir(&root)
                .arg("--dir")
                .arg(&dir)
                .args(["--dialect", "sqlite", "check"]);
            cmd
        });
        case("malformed folder (`check`)", input, &out, 3, words);
    }
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn bad_urls() {
    let root = std::env::temp_dir().join(migrate_tests::unique("bad-urls"));
    let dir = folder(&root, "m", TWO);
    let cases: &[(&str, String, i32, &[&str])] = &[
        (
            "a URL with an unknown scheme",
            format!("ftp://app:{SECRET}@127.0.0.1/db"),
            2,
            &["ftp"],
        ),
        (
            "a host that does not resolve",
            format!("postgres://app:{SECRET}@no-such-host.invalid:5432/db"),
            1,
            &["connect"],
        ),
        (
            "a port where nothing listens",
            format!("mysql://app:{SECRET}@127.0.0.1:1/db"),
            1,
            &["connect"],
        ),
    ];
    for (input, url, code, words) in cases {
        let mut cmd = bin();
        cmd.current_dir(&root)
            .arg("--dir")
            .arg(&dir)
            .arg("run")
            .env("DATABASE_URL", url);
        let out = run(input, cmd);
        case("URL", input, &out, *code, words);
    }
    let _ = std::fs::remove_dir_all(root);
}

/// Runs `cargo migrate <args>` on the target's database and the two-migration folder.
fn on(target: &Target, url: &str, dir: &Path, args: &[&str]) -> Output {
    run(
        "cargo migrate",
        crate::support::cli(target.db.dir(), target.db.dialect, url, dir, args),
    )
}

async fn tampered_history(dialect: Dialect) {
    let Some(target) = Target::create(dialect).await else {
        return;
    };
    let dir = folder(target.db.dir(), "m", TWO);
    let url = target.url.clone();
    assert!(on(&target, &url, &dir, &["run"]).status.success());
    let inspect = target.inspect().await;
    let label = format!("tampered history ({dialect})");

    inspect
        .exec("UPDATE _migrations SET checksum = '00' WHERE version = '2'")
        .await;
    let out = on(&target, &url, &dir, &["run"]);
    case(
        &label,
        "a row's checksum edited",
        &out,
        1,
        &["migration 2", "repair"],
    );
    on(&target, &url, &dir, &["repair"]);

    inspect
        .exec("UPDATE _migrations SET status = 'done' WHERE version = '2'")
        .await;
    let out = on(&target, &url, &dir, &["status"]);
    case(
        &label,
        "a row's status edited",
        &out,
        1,
        &["_migrations", "`done`"],
    );
    inspect
        .exec("UPDATE _migrations SET status = 'applied' WHERE version = '2'")
        .await;

    inspect
        .exec("DELETE FROM _migrations WHERE version = '1'")
        .await;
    let out = on(&target, &url, &dir, &["run"]);
    case(
        &label,
        "a row removed",
        &out,
        1,
        &["migration 1", "resolve --applied 1"],
    );
    let out = on(&target, &url, &dir, &["resolve", "--applied", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(on(&target, &url, &dir, &["run"]).status.success());

    inspect
        .exec("ALTER TABLE _migrations DROP COLUMN checksum")
        .await;
    let out = on(&target, &url, &dir, &["status"]);
    case(
        &label,
        "a column dropped",
        &out,
        1,
        &["_migrations", "does not have the columns"],
    );
    inspect.close().await;
    target.drop().await;
}

each_db!(tampered_history);

/// `table = "x; DROP TABLE users"` in the package's config, and the same through `--table`:
/// both rejected before any connection, and the `users` table is still there.
#[test]
fn identifiers_meant_to_inject_sql() {
    let root = std::env::temp_dir().join(migrate_tests::unique("bad-table"));
    std::fs::create_dir_all(root.join("src")).expect("mkdir");
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n\n[package.metadata.migrate]\ntable = \"x; DROP TABLE users\"\n",
    )
    .expect("write Cargo.toml");
    std::fs::write(root.join("src/main.rs"), "fn main() {}\n").expect("write main.rs");
    folder(&root, "migrations", TWO);
    let db = root.join("app.db");
    let setup = Command::new("sqlite3")
        .arg(&db)
        .arg("CREATE TABLE users (id INTEGER);")
        .status()
        .expect("the sqlite3 client (.ci/run installs it)");
    assert!(setup.success());
    let url = format!("sqlite://{}", db.display());
    let mut cmd = bin();
    cmd.current_dir(&root).arg("run").env("DATABASE_URL", &url);
    let out = run("injection in config", cmd);
    case(
        "identifier in config",
        "`table = \"x; DROP TABLE users\"` in `[package.metadata.migrate]`",
        &out,
        2,
        &["table", "Cargo.toml"],
    );
    let mut cmd = bin();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .expect("rewrite Cargo.toml");
    cmd.current_dir(&root)
        .args(["--table", "x; DROP TABLE users", "run"])
        .env("DATABASE_URL", &url);
    let out = run("injection by flag", cmd);
    case(
        "identifier in config",
        "`--table 'x; DROP TABLE users'`",
        &out,
        2,
        &["x; DROP TABLE users"],
    );
    let tables = Command::new("sqlite3")
        .arg(&db)
        .arg(".tables")
        .output()
        .expect("sqlite3");
    assert_eq!(String::from_utf8_lossy(&tables.stdout).trim(), "users");
    let _ = std::fs::remove_dir_all(root);
}

async fn read_only(dialect: Dialect) {
    let Some(target) = Target::create(dialect).await else {
        return;
    };
    let dir = folder(target.db.dir(), "m", TWO);
    let (input, url, words): (&str, String, &[&str]) = match dialect {
        Dialect::Postgres => {
            let inspect = target.inspect().await;
            inspect
                .exec(&format!(
                    "ALTER DATABASE {} SET default_transaction_read_only = on",
                    target.db.name
                ))
                .await;
            inspect.close().await;
            (
                "a database whose transactions are read-only",
                target.url.clone(),
                &["read-only"],
            )
        }
        Dialect::Mysql => {
            let inspect = target.inspect().await;
            let user = "migrate_reader";
            for host in ["%", "localhost", "127.0.0.1"] {
                inspect
                    .exec(&format!(
                        "CREATE USER IF NOT EXISTS '{user}'@'{host}' IDENTIFIED BY '{SECRET}'; \
                         GRANT SELECT ON {}.* TO '{user}'@'{host}'",
                        target.db.name
                    ))
                    .await;
            }
            inspect.close().await;
            let server = target.db.url.split_once('@').map_or("", |(_, h)| h);
            (
                "a user that may only read",
                format!("mysql://{user}:{SECRET}@{server}"),
                &["denied"],
            )
        }
        Dialect::Sqlite => {
            // An existing file opened read-only.
            let inspect = target.inspect().await;
            inspect.exec("CREATE TABLE keep (id INTEGER)").await;
            inspect.close().await;
            let path = target
                .db
                .url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned();
            (
                "a file opened read-only (`?mode=ro`)",
                format!("sqlite://{path}?mode=ro"),
                &["readonly"],
            )
        }
    };
    let out = on(&target, &url, &dir, &["run"]);
    case(
        &format!("read-only database ({dialect})"),
        input,
        &out,
        1,
        words,
    );
    target.drop().await;
}

each_db!(read_only);

/// SQLite on a 1 MiB tmpfs, mostly filled: a migration that writes more than is left fails with
/// the database's "full" error, the history holds only what committed, and once space is freed
/// a plain re-run completes.
#[tokio::test]
async fn disk_full_sqlite() {
    let mount = std::env::temp_dir().join(migrate_tests::unique("full-disk"));
    std::fs::create_dir_all(&mount).expect("mkdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&mount)
        .output();
    match &mounted {
        Ok(out) if out.status.success() => {}
        other => {
            let why = match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                Err(e) => e.to_string(),
            };
            migrate_tests::skip(&format!(
                "cannot mount a small tmpfs to fill ({why}); this needs root"
            ));
            let _ = std::fs::remove_dir(&mount);
            return;
        }
    }
    let work = std::env::temp_dir().join(migrate_tests::unique("full-disk-work"));
    let dir = folder(
        &work,
        "m",
        &[
            ("1_small.sql", b"CREATE TABLE small (id INTEGER PRIMARY KEY);\n"),
            (
                "2_big.sql",
                b"CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT);\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)\nINSERT INTO big SELECT i, hex(randomblob(64)) FROM n;\n",
            ),
        ],
    );
    // Leave about 200 KiB free.
    let filler = mount.join("filler");
    std::fs::write(&filler, vec![0u8; 800 * 1024]).expect("fill the tmpfs");
    let url = format!("sqlite://{}?mode=rwc", mount.join("app.db").display());
    let mut cmd = bin();
    cmd.current_dir(&work)
        .arg("--dir")
        .arg(&dir)
        .arg("run")
        .env("DATABASE_URL", &url);
    let out = run("disk full", cmd);
    let result = std::panic::catch_unwind(|| {
        case(
            "full disk (SQLite on a 1 MiB tmpfs)",
            "a migration that writes 2.6 MB with 200 KiB free",
            &out,
            1,
            &["migration 2", "full", "whole run"],
        );
    });
    let inspect = Inspect::connect(Dialect::Sqlite, &url).await;
    let tables = inspect.tables().await;
    let history = if tables.contains("_migrations") {
        inspect.texts("SELECT version FROM _migrations").await
    } else {
        Vec::new()
    };
    inspect.close().await;
    std::fs::remove_file(&filler).expect("free the space");
    let mut big_enough = Command::new("mount");
    big_enough.args(["-o", "remount,size=64m"]).arg(&mount);
    let _ = big_enough.status();
    let mut cmd = bin();
    cmd.current_dir(&work)
        .arg("--dir")
        .arg(&dir)
        .arg("run")
        .env("DATABASE_URL", &url);
    let rerun = run("re-run after freeing space", cmd);
    let _ = Command::new("umount").arg(&mount).status();
    let _ = std::fs::remove_dir(&mount);
    let _ = std::fs::remove_dir_all(&work);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    // SQLite ends the whole transaction on a full disk: the run leaves nothing, and nothing of
    // migration 2 was committed on its own afterwards.
    assert!(
        history.is_empty() && !tables.contains("big") && !tables.contains("small"),
        "the failed run left a trace: {history:?} {tables:?}"
    );
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
}
