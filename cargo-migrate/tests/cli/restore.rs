//! Backups and restores under faults, on PostgreSQL, MariaDB and SQLite: a truncated file, a
//! junk file, another dialect's backup, another database's backup, a file whose checksum does
//! not match its manifest, and SIGKILL of a restore and of a backup at random moments. After
//! each, the database holds exactly what it held before (its tables, their columns, and each
//! table's row count and sum of ids), or, for a killed restore, exactly the backup's contents;
//! and every file under a backup's name is whole and matches its manifest.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use migrate_core::Dialect;
use migrate_tests::TestDb;

use crate::support::{Package, Run, block_on, each_dialect, expect, sql};

/// The rows migration 1 inserts: enough that a restore takes a while to kill in the middle of.
fn rows(dialect: Dialect) -> u32 {
    match dialect {
        Dialect::Postgres => 200_000,
        Dialect::Mysql => 60_000,
        Dialect::Sqlite => 200_000,
    }
}

fn package(dialect: Dialect) -> Package {
    let n = rows(dialect);
    let fill = match dialect {
        Dialect::Postgres => {
            format!("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, {n}) g;")
        }
        Dialect::Mysql => format!("INSERT INTO t SELECT seq, MD5(seq) FROM seq_1_to_{n};"),
        Dialect::Sqlite => format!(
            "INSERT INTO t SELECT n, hex(randomblob(16)) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {n}) SELECT n FROM c);"
        ),
    };
    let p = Package::new("restore", "");
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    std::fs::write(
        p.path("migrations/0001_t.sql"),
        format!("-- migrate:up\nCREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(64));\n{fill}\n-- migrate:down\nDROP TABLE t;\n"),
    )
    .expect("write");
    p
}

/// One dialect's SQL for [`state`]: the columns of every table, and a table's row count and
/// sum of ids (`NULL` for a table without an `id`).
struct Queries {
    columns: &'static str,
    count: fn(table: &str, has_id: bool) -> String,
}

/// [`state`] on one connection type.
macro_rules! state_on {
    ($conn:ty, $url:expr, $queries:expr) => {{
        use sqlx::Connection;
        let queries: Queries = $queries;
        let mut c = <$conn>::connect($url).await.expect("connect");
        let cols: Vec<(String, String, String)> = sqlx::query_as(queries.columns)
            .fetch_all(&mut c)
            .await
            .expect("columns");
        let mut out = format!("{cols:?}\n");
        let mut names: Vec<&String> = cols.iter().map(|c| &c.0).collect();
        names.dedup();
        for table in names {
            let has_id = cols.iter().any(|c| &c.0 == table && c.1 == "id");
            let (n, sum): (i64, Option<i64>) =
                sqlx::query_as(sqlx::AssertSqlSafe((queries.count)(table, has_id)))
                    .fetch_one(&mut c)
                    .await
                    .expect("count");
            out.push_str(&format!("{table}: {n} {sum:?}\n"));
        }
        out
    }};
}

/// What the database holds: every table with its columns, row count and sum of ids.
fn state(dialect: Dialect, url: &str) -> String {
    block_on(async {
        match dialect {
            Dialect::Postgres => state_on!(
                sqlx::PgConnection,
                url,
                Queries {
                    columns: "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
                          WHERE table_schema = 'public' ORDER BY 1, 2",
                    count: |t, id| format!(
                        "SELECT count(*), {} FROM \"{t}\"",
                        if id {
                            "sum(id)::bigint"
                        } else {
                            "NULL::bigint"
                        }
                    ),
                }
            ),
            Dialect::Mysql => state_on!(
                sqlx::MySqlConnection,
                url,
                Queries {
                    columns: "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR) \
                          FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 2",
                    count: |t, id| format!(
                        "SELECT CAST(COUNT(*) AS SIGNED), {} FROM `{t}`",
                        if id {
                            "CAST(SUM(id) AS SIGNED)"
                        } else {
                            "CAST(NULL AS SIGNED)"
                        }
                    ),
                }
            ),
            Dialect::Sqlite => state_on!(
                sqlx::SqliteConnection,
                url,
                Queries {
                    columns: "SELECT m.name, p.name, p.type FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                          WHERE m.type = 'table' ORDER BY 1, 2",
                    count: |t, id| format!(
                        "SELECT count(*), {} FROM \"{t}\"",
                        if id { "sum(id)" } else { "NULL" }
                    ),
                }
            ),
        }
    })
}

/// Starts `cmd`, SIGKILLs it after `delay`, and waits until what it left settles.
fn kill_after(mut cmd: Command, delay: Duration, dialect: Dialect, url: &str) {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    std::thread::sleep(delay);
    let _ = child.kill();
    let _ = child.wait();
    settle(dialect, url, pid);
}

/// A random part of `most`, from the clock's nanoseconds.
fn jitter(most: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    most.mul_f64(f64::from(nanos % 1000) / 1000.0)
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|e| e.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Waits until no other session uses the database (a killed restore's client may still be
/// ending), and drops the scratch databases a killed MariaDB restore of `pid` left behind.
fn settle(dialect: Dialect, url: &str, pid: u32) {
    let started = Instant::now();
    block_on(async {
        use sqlx::Connection;
        match dialect {
            Dialect::Postgres => {
                let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
                while started.elapsed() < Duration::from_secs(60) {
                    let others: i64 = sqlx::query_scalar(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    )
                    .fetch_one(&mut c)
                    .await
                    .expect("activity");
                    if others == 0 {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                panic!("a killed restore's session did not end within 60 s");
            }
            Dialect::Mysql => {
                let mut c = sqlx::MySqlConnection::connect(url).await.expect("connect");
                let pattern = format!("\\_migrate\\_%\\_{pid}\\_%");
                while started.elapsed() < Duration::from_secs(60) {
                    let others: i64 = sqlx::query_scalar(
                        "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND (DB = DATABASE() OR DB LIKE ?)",
                    )
                    .bind(&pattern)
                    .fetch_one(&mut c)
                    .await
                    .expect("processes");
                    if others == 0 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                let left: Vec<String> = sqlx::query_scalar(
                    "SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?",
                )
                .bind(&pattern)
                .fetch_all(&mut c)
                .await
                .expect("schemata");
                for name in left {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE `{name}`")))
                        .execute(&mut c)
                        .await
                        .expect("drop a leftover");
                }
            }
            Dialect::Sqlite => {}
        }
    });
}

fn cli(p: &Package, url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-migrate"));
    cmd.arg("migrate")
        .args(["--database-url", url, "--dir", "migrations"])
        .args(args)
        .current_dir(&p.root)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1");
    cmd
}

fn run(p: &Package, url: &str, args: &[&str]) -> Run {
    let out = cli(p, url, args).output().expect("run cargo-migrate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Takes a backup into `backups`, returning its path.
fn backup(p: &Package, url: &str) -> PathBuf {
    backup_into(p, url, "backups")
}

fn backup_into(p: &Package, url: &str, dir: &str) -> PathBuf {
    let run = expect(run(p, url, &["backup", "--output", dir]), 0);
    p.root.join(run.stdout.trim())
}

/// Every file under a backup's name in `dir` has its manifest, and matches it.
fn every_backup_whole(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name.starts_with('.') || name.ends_with(".json") {
            continue;
        }
        let manifest = std::fs::read_to_string(format!("{}.manifest.json", path.display()))
            .unwrap_or_else(|_| panic!("{name} has no manifest"));
        let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
        let bytes = std::fs::read(&path).expect("read");
        let sha = {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(&bytes);
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        assert_eq!(manifest["sha256"].as_str(), Some(sha.as_str()), "{name}");
        assert_eq!(
            manifest["size"].as_u64(),
            Some(bytes.len() as u64),
            "{name}"
        );
    }
}

/// A file of another dialect's backup format, as its header says.
fn other_dialect_file(dialect: Dialect, dir: &Path) -> PathBuf {
    let path = dir.join("other-dialect.bak");
    let bytes: Vec<u8> = match dialect {
        Dialect::Postgres => b"-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n--\n-- Host: 127.0.0.1    Database: app\n-- ---\nDROP TABLE IF EXISTS `t`;\nCREATE TABLE `t` (`id` int);\n\n-- Dump completed on 2026-12-08  0:54:58\n".to_vec(),
        Dialect::Mysql => {
            let mut b = b"PGDMP\x01\x0e\x00\x04\x08\x01\x01".to_vec();
            b.extend(std::iter::repeat_n(0u8, 512));
            b
        }
        Dialect::Sqlite => b"PGDMP\x01\x0e\x00\x04\x08\x01\x01".to_vec(),
    };
    std::fs::write(&path, bytes).expect("write");
    path
}

fn restore_refuses_bad_files_and_survives_kills(dialect: Dialect) {
    let Some(db) = block_on(TestDb::create(dialect)) else {
        return;
    };
    let Some(other) = block_on(TestDb::create(dialect)) else {
        return;
    };
    let p = package(dialect);
    let url = db.url.as_str();
    expect(run(&p, url, &["run"]), 0);
    let good = backup(&p, url);
    let restored_state = state(dialect, url);
    // What the database holds now differs from the backup: fewer rows, one more table.
    sql(
        dialect,
        url,
        "DELETE FROM t WHERE id > 10; CREATE TABLE extra (x INT)",
    );
    let before = state(dialect, url);
    assert_ne!(before, restored_state);
    let before_backup = backup(&p, url);
    let work = p.path("faults");
    std::fs::create_dir_all(&work).expect("mkdir");
    let size = std::fs::metadata(&good).expect("size").len() as usize;
    let backups_before = files_in(&p.path("backups"));
    let bytes = std::fs::read(&good).expect("read");

    let refused = |file: &Path, extra: &[&str], words: &str| {
        let mut args = vec!["--yes", "restore"];
        let file = file.display().to_string();
        args.push(&file);
        args.extend_from_slice(extra);
        let r = expect(run(&p, url, &args), 2);
        assert!(
            r.stderr.contains(words) && r.stderr.contains("nothing was changed"),
            "{dialect}: {file}: {}",
            r.stderr
        );
        assert_eq!(
            state(dialect, url),
            before,
            "{dialect}: {file} changed the database"
        );
    };
    // A truncated file without its manifest, and with it.
    let cut = work.join("cut.bak");
    std::fs::write(&cut, &bytes[..size / 2]).expect("write");
    refused(&cut, &[], "it is not whole");
    std::fs::copy(
        format!("{}.manifest.json", good.display()),
        format!("{}.manifest.json", cut.display()),
    )
    .expect("copy");
    refused(&cut, &[], "is not the file its manifest describes");
    // One byte changed in the middle, with the manifest.
    let changed = work.join("changed.bak");
    let mut flipped = bytes.clone();
    flipped[size / 2] ^= 0x55;
    std::fs::write(&changed, &flipped).expect("write");
    std::fs::copy(
        format!("{}.manifest.json", good.display()),
        format!("{}.manifest.json", changed.display()),
    )
    .expect("copy");
    refused(&changed, &[], "is not the file its manifest describes");
    // Junk, and another dialect's backup.
    let junk = work.join("junk.bak");
    std::fs::write(
        &junk,
        (0..4096u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<u8>>(),
    )
    .expect("write");
    refused(&junk, &[], "not a backup of any database");
    refused(
        &other_dialect_file(dialect, &work),
        &[],
        &format!("this database is {dialect}"),
    );
    // Another database's backup needs --from-other-database.
    expect(run(&p, &other.url, &["run"]), 0);
    sql(dialect, &other.url, "DELETE FROM t WHERE id > 5");
    let theirs = backup_into(&p, &other.url, "their-backups");
    refused(&theirs, &[], "it was taken from the database");
    // A refusal comes before the safety backup: none was written.
    assert_eq!(files_in(&p.path("backups")), backups_before);

    // SIGKILL of a restore at random moments: the database holds what it held before, or the
    // whole backup; never a part of it.
    let started = Instant::now();
    expect(
        run(
            &p,
            url,
            &[
                "--yes",
                "restore",
                &good.display().to_string(),
                "--no-safety-backup",
            ],
        ),
        0,
    );
    let whole = started.elapsed();
    assert_eq!(
        state(dialect, url),
        restored_state,
        "{dialect}: a full restore"
    );
    // Puts back the contents from before the full restore, with no safety backup.
    let back_to_before = || {
        expect(
            run(
                &p,
                url,
                &[
                    "--yes",
                    "restore",
                    &before_backup.display().to_string(),
                    "--no-safety-backup",
                ],
            ),
            0,
        )
    };
    back_to_before();
    assert_eq!(
        state(dialect, url),
        before,
        "{dialect}: back to the state before"
    );
    let mut seen = (0, 0);
    for trial in 0..8u32 {
        // From the start to past the end of a restore, each moment moved by a random part of
        // a tenth; every other one without the safety backup, so that more of them land in
        // the restore itself.
        let delay = whole * (trial * 2 + 1) / 10 + jitter(whole / 10);
        let mut args = vec!["--yes", "restore"];
        let good_path = good.display().to_string();
        args.push(&good_path);
        if trial % 2 == 1 {
            args.push("--no-safety-backup");
        }
        kill_after(cli(&p, url, &args), delay, dialect, url);
        let now = state(dialect, url);
        if now == before {
            seen.0 += 1;
        } else {
            assert_eq!(
                now, restored_state,
                "{dialect}: a restore killed after {delay:?} left a part of the backup"
            );
            seen.1 += 1;
            back_to_before();
        }
    }
    eprintln!(
        "{dialect}: a restore takes {whole:?}; killed restores left the old contents {} times, the backup's {} times, and never a part of it",
        seen.0, seen.1
    );
    // SIGKILL of a backup at random moments: the database is untouched, and every file under a
    // backup's name is whole.
    for trial in 0..5u32 {
        let delay = whole * (trial * 2 + 1) / 10 + jitter(whole / 10);
        kill_after(
            cli(&p, url, &["backup", "--output", "killed-backups"]),
            delay,
            dialect,
            url,
        );
        assert_eq!(
            state(dialect, url),
            before,
            "{dialect}: a killed backup changed the database"
        );
    }
    every_backup_whole(&p.path("killed-backups"));
    every_backup_whole(&p.path("backups"));
    let listed = expect(
        run(
            &p,
            url,
            &[
                "backup",
                "--list",
                "--output",
                "killed-backups",
                "--format",
                "json",
            ],
        ),
        0,
    );
    let listed: serde_json::Value = serde_json::from_str(&listed.stdout).expect("JSON");
    for b in listed["backups"].as_array().expect("backups") {
        assert!(
            ["complete", "interrupted"].contains(&b["state"].as_str().unwrap_or_default()),
            "{b}"
        );
    }
    // With --from-other-database, the other database's backup is restored, and what was here
    // is in the safety backup, which restores it.
    let r = expect(
        run(
            &p,
            url,
            &[
                "--yes",
                "restore",
                &theirs.display().to_string(),
                "--from-other-database",
            ],
        ),
        0,
    );
    assert_eq!(state(dialect, url), state(dialect, &other.url));
    let safety = r
        .stderr
        .lines()
        .find_map(|l| l.split_once(" before the restore: ").map(|(_, path)| path))
        .unwrap_or_else(|| panic!("no safety backup named: {}", r.stderr))
        .to_owned();
    expect(
        run(
            &p,
            url,
            &["--yes", "restore", &safety, "--no-safety-backup"],
        ),
        0,
    );
    assert_eq!(
        state(dialect, url),
        before,
        "{dialect}: the safety backup brings it back"
    );
    block_on(other.drop());
    block_on(db.drop());
}

each_dialect!(restore_refuses_bad_files_and_survives_kills);

/// A MariaDB database with a view cannot have its tables swapped in, so the restore runs in
/// place; when loading the backup fails half-way, the safety backup is loaded back and the
/// database holds what it held before.
#[test]
fn a_failed_restore_in_place_puts_the_safety_backup_back() {
    let dialect = Dialect::Mysql;
    let Some(db) = block_on(TestDb::create(dialect)) else {
        return;
    };
    let p = package(dialect);
    let url = db.url.as_str();
    expect(run(&p, url, &["run"]), 0);
    sql(
        dialect,
        url,
        "CREATE VIEW small AS SELECT id FROM t WHERE id < 5",
    );
    let good = backup(&p, url);
    sql(
        dialect,
        url,
        "DELETE FROM t WHERE id > 10; CREATE TABLE extra (x INT)",
    );
    let before = state(dialect, url);
    // The backup with a statement the server refuses in its middle, after the table was
    // cleared: no manifest, but its header and trailer are a dump's.
    let text = std::fs::read_to_string(&good).expect("read");
    let at = text.find("INSERT INTO `t`").expect("the rows of t");
    let broken = p.path("broken.sql");
    std::fs::write(
        &broken,
        format!(
            "{}INSERT INTO no_such_table VALUES (1);\n{}",
            &text[..at],
            &text[at..]
        ),
    )
    .expect("write");
    let failed = expect(
        run(
            &p,
            url,
            &["--yes", "-v", "restore", &broken.display().to_string()],
        ),
        1,
    );
    assert!(
        failed.stderr.contains("in place") && failed.stderr.contains("was loaded back"),
        "{}",
        failed.stderr
    );
    assert_eq!(
        state(dialect, url),
        before,
        "the safety backup brought it back"
    );
    block_on(db.drop());
}
