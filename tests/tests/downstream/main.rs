//! A new application outside the workspace, as a user starts one: a crate that depends on
//! `migrate-runtime` by path, resolves its own dependencies from the registry (no lockfile of
//! ours), and embeds a folder. It builds on the pinned toolchain with editions 2021 and 2024,
//! and an application without the `sqlite` feature compiles no SQLite C library.
//!
//! Resolving needs the registry (crates.io); the builds share `target/downstream`, so only the
//! first run compiles the dependencies.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_owned()
}

/// Writes the application: `Cargo.toml`, `src/main.rs` embedding `migrations/`, one migration.
fn application(name: &str, edition: &str, features: &str) -> PathBuf {
    let root = workspace();
    let dir = root
        .join("target/tmp/downstream")
        .join(format!("{name}-{edition}-{}", features.replace(',', "-")));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).expect("mkdir src");
    std::fs::create_dir_all(dir.join("migrations")).expect("mkdir migrations");
    let manifest = format!(
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"{edition}\"\n\n[dependencies]\nmigrate-runtime = {{ path = {:?}, features = [{}] }}\n\n[workspace]\n",
        root.join("migrate-runtime").display().to_string(),
        features
            .split(',')
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    std::fs::write(
        dir.join("src/main.rs"),
        "static MIGRATOR: migrate_runtime::Migrator = migrate_runtime::embed_migrations!();\n\nfn main() {\n    println!(\"{}\", MIGRATOR.migrations().len());\n}\n",
    )
    .expect("write main.rs");
    let table = if features == "mysql" {
        "VARCHAR(100)"
    } else {
        "TEXT"
    };
    std::fs::write(
        dir.join("migrations/0001_users.sql"),
        format!("-- migrate:up\nCREATE TABLE users (id BIGINT PRIMARY KEY, email {table});\n\n-- migrate:down\nDROP TABLE users;\n"),
    )
    .expect("write a migration");
    dir
}

fn cargo(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/downstream"))
        // The application's own resolution, not one inherited from this test's cargo.
        .env_remove("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS")
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "`cargo {}` failed in {}:\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The packages of the application's build (normal and build dependencies, for the host and
/// the target), one `name vX.Y.Z` per line.
fn packages(dir: &Path) -> Vec<String> {
    cargo(
        dir,
        &[
            "tree",
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ],
    )
    .lines()
    .map(|l| l.trim_end_matches(" (*)").to_owned())
    .collect()
}

fn has(packages: &[String], name: &str) -> bool {
    packages.iter().any(|p| p.split(' ').next() == Some(name))
}

fn builds(edition: &str, feature: &str) -> Vec<String> {
    let dir = application("app", edition, feature);
    cargo(&dir, &["generate-lockfile"]);
    let packages = packages(&dir);
    cargo(&dir, &["build", "--quiet"]);
    let _ = std::fs::remove_dir_all(&dir);
    packages
}

#[test]
fn edition_2021_and_2024_applications_build_with_sqlite_and_postgres() {
    for edition in ["2021", "2024"] {
        let sqlite = builds(edition, "sqlite");
        assert!(has(&sqlite, "libsqlite3-sys"), "{edition}: {sqlite:?}");
        let postgres = builds(edition, "postgres");
        for c_library in ["libsqlite3-sys", "rusqlite"] {
            assert!(
                !has(&postgres, c_library),
                "a PostgreSQL-only application (edition {edition}) pulls {c_library}"
            );
        }
        assert!(has(&postgres, "sqlx-postgres"), "{postgres:?}");
        assert!(
            !has(&postgres, "sqlparser"),
            "a PostgreSQL-only application builds the MySQL parser"
        );
    }
}

#[test]
fn a_mysql_only_application_pulls_no_sqlite() {
    let dir = application("app", "2024", "mysql");
    cargo(&dir, &["generate-lockfile"]);
    let mysql = packages(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(has(&mysql, "sqlx-mysql"), "{mysql:?}");
    for c_library in ["libsqlite3-sys", "rusqlite"] {
        assert!(
            !has(&mysql, c_library),
            "a MySQL-only application pulls {c_library}"
        );
    }
}

/// `cargo check` of the application, expected to fail; returns what cargo printed.
fn check_fails(dir: &Path) -> String {
    cargo(dir, &["generate-lockfile"]);
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["check", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/downstream"))
        .output()
        .expect("run cargo");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let _ = std::fs::remove_dir_all(dir);
    assert!(!out.status.success(), "the build passed:\n{stderr}");
    stderr
}

#[test]
fn a_sqlite_folder_without_the_sqlite_feature_fails_the_build_and_says_why() {
    let dir = application("sqlite-dialect", "2024", "postgres");
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(
        &manifest,
        format!("{text}\n[package.metadata.migrate]\ndialect = \"sqlite\"\n"),
    )
    .expect("write");
    let stderr = check_fails(&dir);
    assert!(
        stderr.contains("the dialect is sqlite, but migrate-runtime's `sqlite` feature is off"),
        "{stderr}"
    );
}

#[test]
fn several_backends_and_no_dialect_fail_the_build_and_ask_for_one() {
    let dir = application("several", "2024", "postgres,sqlite");
    let stderr = check_fails(&dir);
    assert!(
        stderr.contains("several backends (postgres, sqlite)")
            && stderr.contains("set `dialect` in [package.metadata.migrate]"),
        "{stderr}"
    );
}

#[test]
fn a_folder_for_two_dialects_fails_the_build_naming_the_one_that_refuses() {
    let dir = application("two-dialects", "2024", "sqlite,mysql");
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(
        &manifest,
        format!("{text}\n[package.metadata.migrate]\ndialects = [\"sqlite\", \"mysql\"]\n"),
    )
    .expect("write");
    std::fs::write(
        dir.join("migrations/0002_modify.sql"),
        "ALTER TABLE users MODIFY COLUMN email VARCHAR(200) NOT NULL;\n",
    )
    .expect("write");
    let stderr = check_fails(&dir);
    assert!(
        stderr.contains("[syntax-error] (sqlite only): SQLite:"),
        "{stderr}"
    );
}
