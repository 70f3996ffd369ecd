//! Where lint levels come from, in order: the defaults, `[workspace.metadata.migrate]`, a
//! `migrate.toml` beside the folder (or in the current folder), `[package.metadata.migrate]`,
//! then `-A/-W/-D` on the command line, the last of which wins.

use crate::support::{Package, expect, run_in};

const DROP: &str = "-- migrate:up\nDROP TABLE users;\n";

fn folder(root: &std::path::Path) {
    std::fs::create_dir_all(root.join("migrations")).expect("mkdir");
    std::fs::write(root.join("migrations/0001_drop.sql"), DROP).expect("write");
}

#[test]
fn flags_and_migrate_toml_set_levels_without_a_package() {
    let root = std::env::temp_dir().join(migrate_tests::unique("cli-levels"));
    folder(&root);
    let check = |args: &[&str]| {
        let mut all = vec!["--dir", "migrations", "--dialect", "postgres"];
        all.extend_from_slice(args);
        all.push("check");
        run_in(&root, &all, &[])
    };
    // The default: `drop-table` warns.
    expect(check(&[]), 0);
    // A migrate.toml beside the folder raises it.
    std::fs::write(root.join("migrate.toml"), "[lint]\ndrop-table = \"deny\"\n").expect("write");
    let denied = expect(check(&[]), 3);
    assert!(
        denied.stdout.contains("error[drop-table]"),
        "{}",
        denied.stdout
    );
    // A flag wins over the file; of several flags, the last one.
    expect(check(&["-A", "drop-table"]), 0);
    expect(check(&["-A", "drop-table", "-D", "drop-table"]), 3);
    expect(check(&["--deny=drop-table", "-Adrop-table"]), 0);
    expect(check(&["-W", "drop-table"]), 0);
    // An unknown rule, and a rule that cannot be lowered, are usage errors.
    let unknown = expect(check(&["-A", "drop-tables"]), 2);
    assert!(
        unknown.stderr.contains("-A drop-tables"),
        "{}",
        unknown.stderr
    );
    expect(check(&["-A", "duplicate-version"]), 2);
    // With no `--dir`: a migrate.toml in the current folder names the folder.
    std::fs::write(
        root.join("migrate.toml"),
        "dir = \"migrations\"\ndialect = \"postgres\"\n[lint]\ndrop-table = \"deny\"\n",
    )
    .expect("write");
    expect(run_in(&root, &["check"], &[]), 3);
    expect(run_in(&root, &["-A", "drop-table", "check"], &[]), 0);
    // A bad key is named with its file.
    std::fs::write(root.join("migrate.toml"), "colour = \"red\"\n").expect("write");
    let bad = expect(run_in(&root, &["check"], &[]), 2);
    assert!(
        bad.stderr.contains("migrate.toml:1:1: `colour`"),
        "{}",
        bad.stderr
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_package_config_wins_over_migrate_toml_and_flags_win_over_both() {
    let p = Package::new(
        "levels",
        "\n[package.metadata.migrate]\ndialect = \"postgres\"\n[package.metadata.migrate.lint]\ndrop-table = \"allow\"\n",
    );
    folder(&p.root);
    std::fs::write(
        p.path("migrate.toml"),
        "[lint]\ndrop-table = \"deny\"\nrename-table = \"deny\"\n",
    )
    .expect("write");
    // The package allows drop-table over the file's deny.
    expect(p.run(&["check"], &[]), 0);
    // The file's other setting still counts under the package's.
    std::fs::write(
        p.path("migrations/0002_rename.sql"),
        "ALTER TABLE users RENAME TO accounts;\n",
    )
    .expect("write");
    let run = expect(p.run(&["check"], &[]), 3);
    assert!(run.stdout.contains("error[rename-table]"), "{}", run.stdout);
    // And a flag wins over both.
    expect(p.run(&["-W", "rename-table", "check"], &[]), 0);
    expect(
        p.run(&["-D", "drop-table", "-W", "rename-table", "check"], &[]),
        3,
    );
}
