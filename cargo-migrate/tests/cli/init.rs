//! `cargo migrate init` on manifests written by people: dotted keys, inline tables, a
//! workspace that holds the settings. The manifest stays one cargo accepts.

use crate::support::{Package, expect};

fn cargo_accepts(p: &Package) {
    let out = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(&p.root)
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo refuses the manifest:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(p.path("Cargo.toml")).unwrap_or_default()
    );
}

#[test]
fn dotted_keys_are_the_section_already() {
    let p = Package::new(
        "init-dotted",
        "\n[package.metadata]\nmigrate.dir = \"db\"\n",
    );
    let before = std::fs::read_to_string(p.path("Cargo.toml")).expect("read");
    let run = expect(p.run(&["init"], &[]), 0);
    assert!(
        run.stderr
            .contains("already has [package.metadata.migrate]"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(p.path("Cargo.toml")).expect("read"),
        before
    );
    assert!(p.path("db").is_dir(), "init creates the configured folder");
    cargo_accepts(&p);
}

#[test]
fn an_inline_metadata_table_gets_the_section_inside() {
    let p = Package::new("init-inline", "");
    let manifest = p.path("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("read").replace(
        "edition = \"2024\"\n",
        "edition = \"2024\"\nmetadata = { docs = true } # kept\n",
    );
    std::fs::write(&manifest, text).expect("write");
    expect(p.run(&["init"], &[]), 0);
    let after = std::fs::read_to_string(&manifest).expect("read");
    assert!(
        after.contains("migrate = { dir = \"migrations\" }"),
        "{after}"
    );
    assert!(after.contains("# kept"), "{after}");
    cargo_accepts(&p);
    // A second init changes nothing.
    expect(p.run(&["init"], &[]), 0);
    assert_eq!(std::fs::read_to_string(&manifest).expect("read"), after);
}

#[test]
fn a_workspace_section_configures_the_member() {
    let root = std::env::temp_dir().join(migrate_tests::unique("cli-init-ws"));
    std::fs::create_dir_all(root.join("app/src")).expect("mkdir");
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"app\"]\nresolver = \"3\"\n\n[workspace.metadata.migrate]\ndialect = \"sqlite\"\n",
    )
    .expect("write");
    let member = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n";
    std::fs::write(root.join("app/Cargo.toml"), member).expect("write");
    std::fs::write(root.join("app/src/main.rs"), "fn main() {}\n").expect("write");
    let run = expect(
        crate::support::run_in(&root, &["-p", "app", "init"], &[]),
        0,
    );
    assert!(
        run.stderr.contains("[workspace.metadata.migrate]"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(root.join("app/Cargo.toml")).expect("read"),
        member
    );
    assert!(root.join("app/migrations").is_dir());
    let _ = std::fs::remove_dir_all(&root);
}
