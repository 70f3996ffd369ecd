//! One test per kind of malformed folder: the exact kind, file and line.

use std::path::Path;

use migrate_core::{Diagnostic, Dialect, Level, LoadError, MigrationSet, Position};

use crate::support::{TempDir, config};

fn load_err(dir: &TempDir) -> LoadError {
    MigrationSet::load(&dir.0, &config(Some(Dialect::Postgres)))
        .expect_err("the folder is malformed")
}

/// The single error of a load, checked for its code, file and line.
fn single(err: &LoadError, code: &str, file: &str, line: Option<u32>) -> Diagnostic {
    let errors: Vec<_> = err.errors().collect();
    assert_eq!(errors.len(), 1, "{err}");
    let d = errors[0].clone();
    assert_eq!(d.kind.code(), code, "{err}");
    assert!(d.path.ends_with(file), "{} is not {file}", d.path.display());
    assert_eq!(d.position.map(|p| p.line), line, "{err}");
    d
}

#[test]
fn unparsable_name() {
    let dir = TempDir::new("bad-name");
    dir.write("20240101create_users.sql", "CREATE TABLE users (id int);");
    dir.write("V1a__x.sql", "SELECT 1;");
    let err = load_err(&dir);
    let codes: Vec<_> = err
        .errors()
        .map(|d| {
            (
                d.kind.code(),
                d.path.file_name().map(|n| n.to_string_lossy().into_owned()),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("bad-name", Some("20240101create_users.sql".to_owned())),
            ("bad-name", Some("V1a__x.sql".to_owned()))
        ]
    );
    assert!(
        err.to_string()
            .contains("`20240101create_users`: the version `20240101` is followed by `c`"),
        "{err}"
    );
}

#[test]
fn duplicate_version_with_different_padding() {
    let dir = TempDir::new("dup");
    dir.write("0001_a.sql", "SELECT 1;");
    dir.write("1_b.sql", "SELECT 2;");
    let err = load_err(&dir);
    let d = single(&err, "duplicate-version", "1_b.sql", None);
    assert!(
        d.kind.message().contains("version 1 is used twice"),
        "{}",
        d.kind.message()
    );
    assert!(d.kind.message().contains("0001_a.sql"));
}

/// golang-migrate runs a missing direction as an empty migration (its `newMigration`), so an
/// up-only or down-only folder loads, with a warning that says so.
#[test]
fn up_without_down_runs_a_down_of_nothing() {
    let dir = TempDir::new("no-down");
    dir.write("2_x.up.sql", "CREATE TABLE x (id int);");
    let set = MigrationSet::load(&dir.0, &config(Some(Dialect::Postgres))).expect("loads");
    let m = &set.migrations[0];
    assert_eq!(m.layout, migrate_core::Layout::GolangMigrate);
    assert_eq!(m.down.as_ref().map(|d| d.sql.as_str()), Some(""));
    assert_eq!(set.warnings[0].kind.code(), "missing-pair");
    assert!(
        set.warnings[0]
            .kind
            .message()
            .contains("2_x.down.sql is missing: as golang-migrate does"),
        "{}",
        set.warnings[0].kind.message()
    );
    // Raised to deny, it is an error.
    let mut strict = config(Some(Dialect::Postgres));
    strict
        .lint
        .set_level("missing-pair", Level::Deny)
        .expect("settable");
    let err = MigrationSet::load(&dir.0, &strict).expect_err("denied");
    single(&err, "missing-pair", "2_x.up.sql", None);
}

/// In a sqlx folder a missing down makes the migration irreversible instead.
#[test]
fn up_without_down_in_a_sqlx_folder_is_irreversible() {
    let dir = TempDir::new("no-down-sqlx");
    dir.write("2_x.up.sql", "CREATE TABLE x (id int);");
    let mut config = config(None);
    config.layout = Some("sqlx".to_owned());
    let set = MigrationSet::load(&dir.0, &config).expect("loads with a warning");
    assert_eq!(set.migrations.len(), 1);
    assert!(set.migrations[0].down.is_none());
    assert_eq!(set.warnings[0].kind.code(), "missing-pair");
}

#[test]
fn down_without_up_applies_nothing() {
    let dir = TempDir::new("no-up");
    dir.write("3_y.down.sql", "DROP TABLE y;");
    let set = MigrationSet::load(&dir.0, &config(Some(Dialect::Postgres))).expect("loads");
    assert_eq!(set.migrations[0].up.sql, "");
    assert!(
        set.warnings[0]
            .kind
            .message()
            .contains("3_y.up.sql is missing")
    );
}

#[test]
fn unknown_directive_points_at_the_word() {
    let dir = TempDir::new("directive");
    dir.write("1_a.sql", "-- migrate:up transaction:maybe\nSELECT 1;\n");
    let err = load_err(&dir);
    let d = single(&err, "bad-directive", "1_a.sql", Some(1));
    assert_eq!(
        d.position,
        Some(Position {
            line: 1,
            column: 15
        })
    );
    assert_eq!(d.line.as_deref(), Some("-- migrate:up transaction:maybe"));
}

#[test]
fn unknown_marker_and_unknown_allow_rule() {
    let dir = TempDir::new("marker");
    dir.write("1_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:sideways\n");
    dir.write("2_b.sql", "-- migrate:allow drop-tables\nDROP TABLE a;\n");
    let err = load_err(&dir);
    let got: Vec<_> = err
        .errors()
        .map(|d| {
            (
                d.kind.code(),
                d.path.file_name().map(|n| n.to_string_lossy().into_owned()),
                d.position,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "bad-directive",
                Some("1_a.sql".to_owned()),
                Some(Position { line: 3, column: 1 })
            ),
            (
                "bad-directive",
                Some("2_b.sql".to_owned()),
                Some(Position {
                    line: 1,
                    column: 18
                })
            ),
        ]
    );
}

#[test]
fn invalid_utf8_points_at_the_first_bad_byte() {
    let dir = TempDir::new("utf8");
    dir.write("1_a.sql", b"SELECT 1;\nSELECT '\xff';\n");
    let err = load_err(&dir);
    let d = single(&err, "invalid-utf8", "1_a.sql", Some(2));
    assert_eq!(d.position, Some(Position { line: 2, column: 9 }));
}

#[test]
fn empty_up_section_is_applied_with_a_warning() {
    let dir = TempDir::new("empty");
    dir.write(
        "1_a.sql",
        "-- migrate:up\n-- nothing yet\n\n-- migrate:down\nDROP TABLE a;\n",
    );
    let set = MigrationSet::load(&dir.0, &config(Some(Dialect::Postgres))).expect("loads");
    assert_eq!(set.migrations.len(), 1);
    assert_eq!(set.warnings[0].kind.code(), "empty-migration");
    assert_eq!(set.warnings[0].position.map(|p| p.line), Some(2));
    // At deny, an entirely empty file is an error.
    let dir = TempDir::new("empty-file");
    dir.write("1_a.sql", "");
    let mut strict = config(Some(Dialect::Postgres));
    strict
        .lint
        .set_level("empty-migration", Level::Deny)
        .expect("settable");
    let err = MigrationSet::load(&dir.0, &strict).expect_err("denied");
    single(&err, "empty-migration", "1_a.sql", Some(1));
}

#[test]
fn files_in_the_wrong_place() {
    let dir = TempDir::new("misplaced-up");
    dir.write("up.sql", "SELECT 1;");
    single(&load_err(&dir), "misplaced-file", "up.sql", None);

    let dir = TempDir::new("misplaced-sub");
    dir.write("1_a.sql", "SELECT 1;");
    dir.write("old/2_b.sql", "SELECT 2;");
    single(&load_err(&dir), "misplaced-file", "old/2_b.sql", None);

    let dir = TempDir::new("misplaced-diesel");
    dir.write("2024-01-01-000000_a/up.sql", "SELECT 1;");
    dir.write("2024-01-01-000000_a/extra.sql", "SELECT 2;");
    single(
        &load_err(&dir),
        "misplaced-file",
        "2024-01-01-000000_a/extra.sql",
        None,
    );

    let dir = TempDir::new("unnamed-diesel");
    dir.write("initial/up.sql", "SELECT 1;");
    single(&load_err(&dir), "bad-name", "initial", None);
}

#[test]
fn stray_sql_is_a_warning_not_silence() {
    let dir = TempDir::new("stray");
    dir.write("1_a.sql", "SELECT 1;");
    dir.write("seed_data.sql", "INSERT INTO a VALUES (1);");
    dir.write("V2__init.rs", "fn migration() {}");
    dir.write("README.md", "notes");
    dir.write("schema.sql", "-- dump");
    dir.write(".gitkeep", "");
    let set = MigrationSet::load(&dir.0, &config(None)).expect("loads");
    assert_eq!(set.migrations.len(), 1);
    let warned: Vec<_> = set
        .warnings
        .iter()
        .map(|d| {
            (
                d.kind.code(),
                d.path.file_name().map(|n| n.to_string_lossy().into_owned()),
            )
        })
        .collect();
    assert_eq!(
        warned,
        [
            ("ignored-file", Some("V2__init.rs".to_owned())),
            ("ignored-file", Some("seed_data.sql".to_owned()))
        ]
    );
}

#[test]
fn repeatable_migrations_are_read_in_name_order() {
    let dir = TempDir::new("repeatable");
    dir.write("V1__users.sql", "CREATE TABLE users (id int);");
    dir.write(
        "R__users_view.sql",
        "CREATE OR REPLACE VIEW v AS SELECT id FROM users;",
    );
    dir.write("R__a_first.sql", "SELECT 1;");
    let set = MigrationSet::load(&dir.0, &config(None)).expect("loads");
    assert_eq!(set.migrations.len(), 1);
    let names: Vec<&str> = set.repeatable.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["a_first", "users_view"]);
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
}

#[test]
fn missing_folder() {
    let err = MigrationSet::load(Path::new("/nonexistent/migrations"), &config(None))
        .expect_err("no folder");
    let d = err.errors().next().expect("one error");
    assert_eq!(d.kind.code(), "missing-folder");
    assert!(d.to_string().contains("cargo migrate init"));
}

#[test]
fn diesel_metadata_with_a_bad_value() {
    let dir = TempDir::new("metadata");
    dir.write("2024-01-01-000000_a/up.sql", "SELECT 1;");
    dir.write(
        "2024-01-01-000000_a/metadata.toml",
        "run_in_transaction = \"no\"\n",
    );
    let d = single(&load_err(&dir), "bad-directive", "metadata.toml", Some(1));
    assert_eq!(d.position.map(|p| p.column), Some(22));
}

#[test]
fn flyway_undo_without_its_versioned_script() {
    let dir = TempDir::new("flyway-undo");
    dir.write("V1__a.sql", "CREATE TABLE a (x int);");
    dir.write("U1__a.sql", "DROP TABLE a;");
    dir.write("U2__b.sql", "DROP TABLE b;");
    let set = MigrationSet::load(&dir.0, &config(None)).expect("loads with a warning");
    assert_eq!(set.migrations.len(), 1);
    let d = &set.warnings[0];
    assert_eq!(d.kind.code(), "missing-pair");
    assert!(d.path.ends_with("U2__b.sql"));
    assert!(d.kind.message().contains("V2__b.sql is missing"));
}

#[test]
fn several_problems_are_all_reported() {
    let dir = TempDir::new("several");
    dir.write("0001_a.sql", "-- migrate:up transaction:nope\nSELECT 1;\n");
    dir.write("1_dup.sql", "SELECT 1;");
    dir.write("3_c.sql", b"\xfe");
    dir.write("5x.sql", "SELECT 5;");
    dir.write("sub/6_e.sql", "SELECT 6;");
    let err = load_err(&dir);
    let mut codes: Vec<_> = err.errors().map(|d| d.kind.code()).collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        [
            "bad-directive",
            "bad-name",
            "duplicate-version",
            "invalid-utf8",
            "misplaced-file",
        ]
    );
    let text = err.to_string();
    assert!(
        text.starts_with("the migration folder has 5 problems"),
        "{text}"
    );
}
