//! `cargo migrate new` in a folder of each layout writes the next migration in that layout and
//! numbering, and `check` passes it.

use crate::support::{expect, run_in};

/// (layout, files already there, a migrate.toml, the files `new create_users_table` must
/// write, each as a pattern where `*` is the version).
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static [&'static str],
);

const CASES: &[Case] = &[
    (
        "native",
        &[(
            "0001_a.sql",
            "-- migrate:up\nCREATE TABLE a (id INT);\n-- migrate:down\nDROP TABLE a;\n",
        )],
        "",
        &["0002_create_users_table.sql"],
    ),
    (
        "sqlx simple",
        &[("20240101000000_a.sql", "CREATE TABLE a (id INT);\n")],
        "",
        &["*_create_users_table.sql"],
    ),
    (
        "sqlx reversible",
        &[
            ("20240101000000_a.up.sql", "CREATE TABLE a (id INT);\n"),
            ("20240101000000_a.down.sql", "DROP TABLE a;\n"),
        ],
        "",
        &[
            "*_create_users_table.up.sql",
            "*_create_users_table.down.sql",
        ],
    ),
    (
        "golang-migrate",
        &[
            ("000001_create_a.up.sql", "CREATE TABLE a (id INT);\n"),
            ("000002_add_b.up.sql", "CREATE TABLE b (id INT);\n"),
        ],
        "",
        &[
            "000003_create_users_table.up.sql",
            "000003_create_users_table.down.sql",
        ],
    ),
    (
        "golang-migrate, named in migrate.toml",
        &[
            ("1_a.up.sql", "CREATE TABLE a (id INT);\n"),
            ("1_a.down.sql", "DROP TABLE a;\n"),
        ],
        "layout = \"golang-migrate\"\n",
        &[
            "2_create_users_table.up.sql",
            "2_create_users_table.down.sql",
        ],
    ),
    (
        "diesel",
        &[
            ("2024-01-01-000000_a/up.sql", "CREATE TABLE a (id INT);\n"),
            ("2024-01-01-000000_a/down.sql", "DROP TABLE a;\n"),
        ],
        "",
        &[
            "*_create_users_table/up.sql",
            "*_create_users_table/down.sql",
        ],
    ),
    (
        "Prisma",
        &[(
            "20240101000000_a/migration.sql",
            "CREATE TABLE a (id INT);\n",
        )],
        "",
        &["*_create_users_table/migration.sql"],
    ),
    (
        "Flyway",
        &[("V1_1__a.sql", "CREATE TABLE a (id INT);\n")],
        "",
        &["V1_2__create_users_table.sql"],
    ),
];

/// Whether a relative path matches a pattern where `*` stands for the version.
fn matches(pattern: &str, path: &str) -> bool {
    match pattern.split_once('*') {
        Some((head, tail)) => {
            path.starts_with(head) && path.ends_with(tail) && path.len() > head.len() + tail.len()
        }
        None => pattern == path,
    }
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read").filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("under").display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn new_writes_each_layouts_own_files_and_check_passes_them() {
    for (layout, existing, config, expected) in CASES {
        let root = std::env::temp_dir().join(migrate_tests::unique("cli-layout"));
        let dir = root.join("migrations");
        for (path, text) in *existing {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        if !config.is_empty() {
            std::fs::write(root.join("migrate.toml"), config).expect("write");
        }
        let before = files_under(&dir);
        let args = ["--dir", "migrations", "--dialect", "postgres"];
        let mut new = args.to_vec();
        new.extend(["new", "create_users_table"]);
        expect(run_in(&root, &new, &[]), 0);
        let added: Vec<String> = files_under(&dir)
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
        assert_eq!(added.len(), expected.len(), "{layout}: {added:?}");
        for pattern in *expected {
            assert!(
                added.iter().any(|a| matches(pattern, a)),
                "{layout}: nothing matches {pattern} in {added:?}"
            );
        }
        let mut check = args.to_vec();
        check.extend(["check", "--format", "json"]);
        let run = expect(run_in(&root, &check, &[]), 0);
        let migrations = run.stdout.matches("\"version\"").count();
        assert_eq!(
            migrations,
            existing
                .iter()
                .map(|(p, _)| p
                    .split(['/', '.'])
                    .next()
                    .unwrap_or_default()
                    .split('_')
                    .next()
                    .unwrap_or_default()
                    .to_owned())
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                + 1,
            "{layout}: {}",
            run.stdout
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
