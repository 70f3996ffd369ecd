//! Rebuilds: an edited migration changes the embedded SQL on the next `cargo build`, and a new
//! file (with the `build.rs` line `cargo migrate init` writes) adds a migration.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

/// Builds and runs the crate; returns what it printed.
fn build_and_run(dir: &Path, target: &Path) -> String {
    let out = cargo()
        .args(["run", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "cargo run failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds the crate and expects the build to fail; returns what cargo printed.
fn build_fails(dir: &Path, target: &Path) -> String {
    let out = cargo()
        .args(["build", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .expect("run cargo");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "the build passed:\n{stderr}");
    stderr
}

#[test]
fn edits_and_new_files_trigger_a_rebuild() {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir: PathBuf = std::env::temp_dir().join(format!("migrate-rebuild-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::create_dir_all(dir.join("migrations")).expect("mkdir");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"rebuild-probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\nmigrate-runtime = {{ path = {:?}, features = [\"sqlite\"] }}\n\n[package.metadata.migrate]\ndialect = \"sqlite\"\n\n[workspace]\n",
            runtime.display().to_string()
        ),
    )
    .expect("write Cargo.toml");
    std::fs::write(
        dir.join("build.rs"),
        "fn main() {\n    println!(\"cargo:rerun-if-changed=migrations\");\n}\n",
    )
    .expect("write build.rs");
    std::fs::write(
        dir.join("src/main.rs"),
        "static M: migrate_runtime::Migrator = migrate_runtime::embed_migrations!();\n\nfn main() {\n    for m in M.migrations() {\n        println!(\"{} {}\", m.version(), m.up_sql().trim());\n    }\n}\n",
    )
    .expect("write main.rs");
    std::fs::write(
        dir.join("migrations/1_a.sql"),
        "CREATE TABLE a (id INTEGER);\n",
    )
    .expect("write");
    // The workspace's lock file, so the probe builds the same dependency versions.
    std::fs::copy(runtime.join("../Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    // Shared between runs of this test, so only the first one builds the dependencies.
    let target = runtime.join("../target/rebuild-probe");

    assert_eq!(
        build_and_run(&dir, &target),
        "1 CREATE TABLE a (id INTEGER);\n"
    );
    std::fs::write(
        dir.join("migrations/1_a.sql"),
        "CREATE TABLE a (id INTEGER, name TEXT);\n",
    )
    .expect("edit");
    assert_eq!(
        build_and_run(&dir, &target),
        "1 CREATE TABLE a (id INTEGER, name TEXT);\n",
        "an edit rebuilds"
    );
    std::fs::write(
        dir.join("migrations/2_b.sql"),
        "CREATE TABLE b (id INTEGER);\n",
    )
    .expect("add");
    assert_eq!(
        build_and_run(&dir, &target),
        "1 CREATE TABLE a (id INTEGER, name TEXT);\n2 CREATE TABLE b (id INTEGER);\n",
        "a new file rebuilds"
    );

    // The cached check cannot be stale. A whole-file allow silences a rule the manifest
    // raises to deny; the build passes and its check is cached.
    let manifest = dir.join("Cargo.toml");
    let manifest_text = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(
        &manifest,
        manifest_text.replace(
            "dialect = \"sqlite\"\n",
            "dialect = \"sqlite\"\n\n[package.metadata.migrate.lint]\ndrop-table = \"deny\"\n",
        ),
    )
    .expect("write");
    let allowed = "-- migrate:allow drop-table\n-- migrate:up\nDROP TABLE b;\n";
    std::fs::write(dir.join("migrations/3_c.sql"), allowed).expect("add");
    build_and_run(&dir, &target);
    std::fs::write(
        dir.join("src/main.rs"),
        std::fs::read(dir.join("src/main.rs")).expect("read"),
    )
    .expect("touch");
    build_and_run(&dir, &target);
    // Deleting the allow line fails the next build, though the SQL did not change.
    std::fs::write(
        dir.join("migrations/3_c.sql"),
        "-- migrate:up\nDROP TABLE b;\n",
    )
    .expect("edit");
    let stderr = build_fails(&dir, &target);
    assert!(stderr.contains("[drop-table]"), "{stderr}");
    // Back as it was: the cached pass is valid again.
    std::fs::write(dir.join("migrations/3_c.sql"), allowed).expect("edit");
    build_and_run(&dir, &target);
    // Raising another rule to deny in Cargo.toml fails the next build: the manifest is tracked
    // and part of the key.
    let raised = std::fs::read_to_string(&manifest).expect("read").replace(
        "drop-table = \"deny\"\n",
        "drop-table = \"deny\"\nnot-idempotent = \"deny\"\n",
    );
    std::fs::write(&manifest, raised).expect("write");
    let stderr = build_fails(&dir, &target);
    assert!(stderr.contains("[not-idempotent]"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_crate_without_a_build_script_is_told_new_files_are_not_tracked() {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir: PathBuf =
        std::env::temp_dir().join(format!("migrate-untracked-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    std::fs::create_dir_all(dir.join("migrations")).expect("mkdir");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"untracked-probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\nmigrate-runtime = {{ path = {:?}, features = [\"sqlite\"] }}\n\n[workspace]\n",
            runtime.display().to_string()
        ),
    )
    .expect("write Cargo.toml");
    std::fs::write(
        dir.join("src/main.rs"),
        "static M: migrate_runtime::Migrator = migrate_runtime::embed_migrations!();\n\nfn main() {\n    println!(\"{}\", M.migrations().len());\n}\n",
    )
    .expect("write main.rs");
    std::fs::write(
        dir.join("migrations/1_a.sql"),
        "CREATE TABLE a (id INTEGER);\n",
    )
    .expect("write");
    std::fs::copy(runtime.join("../Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    let target = runtime.join("../target/rebuild-probe");
    for _ in 0..2 {
        // Every build says so, the cached ones too.
        std::fs::write(
            dir.join("src/main.rs"),
            std::fs::read(dir.join("src/main.rs")).expect("read"),
        )
        .expect("touch");
        let out = cargo()
            .args(["build"])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("run cargo");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(
            stderr.contains("this crate has no build script")
                && stderr.contains("println!(\"cargo:rerun-if-changed=migrations\");"),
            "{stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
