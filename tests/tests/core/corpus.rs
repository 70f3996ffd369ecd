//! Every corpus folder loads, with the counts its README reports.

use std::path::Path;

use migrate_core::{Config, Dialect, Layout, Level, TransactionMode, Version};

use crate::support::{config, corpus, load};

/// (folder under the corpus, dialect, migrations, with a down, outside a transaction,
/// warnings, whether its deliberately empty up files are allowed by config)
pub(crate) const FOLDERS: &[(&str, Dialect, usize, usize, usize, usize, bool)] = &[
    (
        "rust-lang__crates-io/migrations",
        Dialect::Postgres,
        285,
        // Every folder has a down.sql; nine hold no statement, which diesel runs as a revert
        // that does nothing.
        285,
        7,
        1,
        false,
    ),
    (
        "rust-lang__docs-rs/crates/lib/docs_rs_database/migrations",
        Dialect::Postgres,
        33,
        31,
        0,
        2,
        true,
    ),
    (
        "atuinsh__atuin/crates/atuin-server-postgres/migrations",
        Dialect::Postgres,
        20,
        0,
        0,
        0,
        false,
    ),
    (
        "atuinsh__atuin/crates/atuin-server-sqlite/migrations",
        Dialect::Sqlite,
        7,
        0,
        0,
        0,
        false,
    ),
    (
        "atuinsh__atuin/crates/atuin-client/migrations",
        Dialect::Sqlite,
        12,
        0,
        0,
        0,
        false,
    ),
    (
        "atuinsh__atuin/crates/atuin-client/meta-migrations",
        Dialect::Sqlite,
        1,
        0,
        0,
        0,
        false,
    ),
    (
        "atuinsh__atuin/crates/atuin-client/record-migrations",
        Dialect::Sqlite,
        3,
        0,
        0,
        0,
        false,
    ),
    (
        "atuinsh__atuin/crates/atuin-kv/migrations",
        Dialect::Sqlite,
        1,
        1,
        0,
        0,
        false,
    ),
    (
        "atuinsh__atuin/crates/atuin-scripts/migrations",
        Dialect::Sqlite,
        2,
        2,
        0,
        0,
        false,
    ),
    (
        "atuinsh__atuin/crates/atuin-ai/migrations",
        Dialect::Sqlite,
        3,
        0,
        0,
        0,
        false,
    ),
    (
        "umami-software__umami/db/mysql/migrations",
        Dialect::Mysql,
        10,
        0,
        0,
        0,
        false,
    ),
    (
        "umami-software__umami/db/postgresql/migrations",
        Dialect::Postgres,
        10,
        0,
        0,
        0,
        false,
    ),
    (
        "authelia__authelia/internal/storage/migrations/mysql",
        Dialect::Mysql,
        26,
        22,
        0,
        3,
        true,
    ),
    (
        "authelia__authelia/internal/storage/migrations/postgres",
        Dialect::Postgres,
        26,
        21,
        0,
        3,
        true,
    ),
    (
        "authelia__authelia/internal/storage/migrations/sqlite",
        Dialect::Sqlite,
        26,
        20,
        0,
        5,
        true,
    ),
    (HAWKBIT_MYSQL, Dialect::Mysql, 58, 0, 0, 1, false),
    (HAWKBIT_POSTGRES, Dialect::Postgres, 25, 0, 0, 1, false),
    (HAWKBIT_H2, Dialect::Postgres, 58, 0, 0, 1, false),
    (
        "sqlx-fixtures/examples/postgres/multi-database/accounts/migrations",
        Dialect::Postgres,
        3,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/examples/postgres/multi-database/payments/migrations",
        Dialect::Postgres,
        2,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/examples/postgres/multi-database/src/migrations",
        Dialect::Postgres,
        2,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/examples/postgres/multi-tenant/accounts/migrations",
        Dialect::Postgres,
        3,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/examples/postgres/multi-tenant/payments/migrations",
        Dialect::Postgres,
        2,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/examples/postgres/multi-tenant/src/migrations",
        Dialect::Postgres,
        2,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/sqlx-cli/tests/migrations_reversible",
        Dialect::Sqlite,
        5,
        5,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/sqlx-cli/tests/ignored-chars/LF",
        Dialect::Sqlite,
        3,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/migrate/migrations_reversible",
        Dialect::Postgres,
        2,
        2,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/migrate/migrations_simple",
        Dialect::Postgres,
        2,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/mysql/migrations",
        Dialect::Mysql,
        3,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/mysql/migrations_reversible",
        Dialect::Mysql,
        2,
        2,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/mysql/migrations_simple",
        Dialect::Mysql,
        2,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/postgres/migrations",
        Dialect::Postgres,
        4,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/postgres/migrations_no_tx",
        Dialect::Postgres,
        1,
        0,
        1,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/postgres/migrations_reversible",
        Dialect::Postgres,
        2,
        2,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/postgres/migrations_simple",
        Dialect::Postgres,
        2,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/sqlite/migrations",
        Dialect::Sqlite,
        3,
        0,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/sqlite/migrations_no_tx",
        Dialect::Sqlite,
        1,
        0,
        1,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/sqlite/migrations_no_tx_reversible",
        Dialect::Sqlite,
        1,
        1,
        1,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/sqlite/migrations_reversible",
        Dialect::Sqlite,
        2,
        2,
        0,
        0,
        false,
    ),
    (
        "sqlx-fixtures/tests/sqlite/migrations_simple",
        Dialect::Sqlite,
        2,
        0,
        0,
        0,
        false,
    ),
    (
        "refinery-fixtures/examples/migrations",
        Dialect::Sqlite,
        2,
        0,
        0,
        0,
        false,
    ),
    (
        "refinery-fixtures/refinery/tests/migrations",
        Dialect::Sqlite,
        2,
        0,
        0,
        0,
        false,
    ),
    (
        "refinery-fixtures/refinery/tests/migrations_broken",
        Dialect::Sqlite,
        3,
        0,
        0,
        0,
        false,
    ),
    (
        "refinery-fixtures/refinery/tests/migrations_int8",
        Dialect::Sqlite,
        2,
        0,
        0,
        0,
        false,
    ),
    (
        "refinery-fixtures/refinery/tests/migrations_missing",
        Dialect::Sqlite,
        1,
        0,
        0,
        0,
        false,
    ),
    (
        "refinery-fixtures/refinery/tests/migrations_unversioned",
        Dialect::Sqlite,
        1,
        0,
        0,
        0,
        false,
    ),
];

const HAWKBIT: &str = "eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration";
const HAWKBIT_MYSQL: &str = "eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/MYSQL";
const HAWKBIT_POSTGRES: &str = "eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/POSTGRESQL";
const HAWKBIT_H2: &str = "eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/H2";

pub(crate) fn folder_config(dialect: Dialect, allow_empty: bool) -> Config {
    let mut config = config(Some(dialect));
    if allow_empty {
        // docs-rs and authelia keep deliberately empty up files to hold a version number.
        config
            .lint
            .set_level("empty-migration", Level::Warn)
            .expect("lowerable rule");
    }
    config
}

#[test]
fn every_folder_loads_with_the_expected_counts() {
    let root = corpus();
    let mut failures = Vec::new();
    for &(folder, dialect, count, downs, outside, warnings, allow_empty) in FOLDERS {
        let set = match load(&root.join(folder), &folder_config(dialect, allow_empty)) {
            Ok(set) => set,
            Err(e) => {
                failures.push(format!("{folder}: {e}"));
                continue;
            }
        };
        let got = (
            set.migrations.len(),
            set.migrations.iter().filter(|m| m.down.is_some()).count(),
            set.migrations
                .iter()
                .filter(|m| !m.transaction().is_transactional())
                .count(),
            set.warnings.len(),
        );
        if got != (count, downs, outside, warnings) {
            failures.push(format!(
                "{folder}: expected (migrations, downs, outside a transaction, warnings) = {:?}, got {got:?}",
                (count, downs, outside, warnings)
            ));
        }
        // Sorted by version, strictly.
        assert!(
            set.migrations
                .windows(2)
                .all(|w| w[0].version < w[1].version),
            "{folder}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn empty_up_files_are_applied_with_a_warning() {
    let root = corpus();
    let dir = root.join("rust-lang__docs-rs/crates/lib/docs_rs_database/migrations");
    let set = load(&dir, &config(Some(Dialect::Postgres))).expect("empty ups load");
    let empty: Vec<_> = set
        .warnings
        .iter()
        .filter(|d| d.kind.code() == "empty-migration")
        .map(|d| d.to_string())
        .collect();
    assert_eq!(empty.len(), 2, "{empty:?}");
    assert!(
        empty[0].contains("20240221114302_ensure_no_buildless_releases_exist.up.sql:1:1"),
        "{empty:?}"
    );
    assert!(
        set.migrations
            .iter()
            .any(|m| m.version_text == "20240221114302"),
        "the empty migration is kept, to be applied and recorded"
    );
}

#[test]
fn crates_io_reads_diesel_folders_exactly() {
    let root = corpus();
    let set = load(
        &root.join("rust-lang__crates-io/migrations"),
        &config(Some(Dialect::Postgres)),
    )
    .expect("loads");
    assert!(set.migrations.iter().all(|m| m.layout == Layout::Diesel));
    // The seven `run_in_transaction = false` folders, all `CONCURRENTLY`.
    let outside: Vec<_> = set
        .migrations
        .iter()
        .filter(|m| m.transaction() == TransactionMode::NoTransaction)
        .collect();
    assert_eq!(outside.len(), 7);
    for m in &outside {
        assert!(
            m.path.join("metadata.toml").is_file(),
            "{}",
            m.path.display()
        );
        assert!(
            m.up.sql.to_uppercase().contains("CONCURRENTLY"),
            "{}",
            m.path.display()
        );
    }
    // Old 14-digit versions and dashed diesel versions sort together by date.
    let v = |text: &str| {
        set.migrations
            .iter()
            .position(|m| m.version_text == text)
            .unwrap_or_else(|| panic!("{text} missing"))
    };
    assert!(v("20170502181306") < v("2019-03-22-170700"));
    assert!(v("2024-10-25-112826") < v("2026-06-26-100902-0000"));
    assert!(v("2026-06-26-100902-0000") < v("2026-07-30-140000-0000"));
    let m = &set.migrations[v("2026-06-26-100902-0000")];
    assert_eq!(m.version.to_string(), "20260626100902.0");
    assert_eq!(m.name, "versions_num_max_length");
    // The one stray `.sql` at the root is reported, not silently skipped.
    assert_eq!(set.warnings[0].kind.code(), "ignored-file");
    assert!(set.warnings[0].path.ends_with("data_oauth_github.sql"));
    // A folder name with spaces is still a migration.
    assert!(
        set.migrations
            .iter()
            .any(|m| m.name == "Add email notifications to crate owners")
    );
}

#[test]
fn flyway_multi_part_versions_sort_numerically() {
    let root = corpus();
    let set = load(&root.join(HAWKBIT_MYSQL), &config(Some(Dialect::Mysql))).expect("loads");
    let position = |text: &str| set.migrations.iter().position(|m| m.version_text == text);
    let (Some(nine), Some(ten)) = (position("1_12_9"), position("1_12_10")) else {
        panic!("hawkbit 1_12_9 and 1_12_10 are in the corpus");
    };
    assert!(nine < ten);
    assert_eq!(position("1_2_0").map(|p| p < nine), Some(true));
    assert_eq!(
        set.migrations.first().map(|m| m.version.clone()),
        Version::parse("1.0.1").ok()
    );
    assert!(set.migrations.iter().all(|m| m.layout == Layout::Flyway));
    // The Flyway baseline script is reported as not read.
    assert!(set.warnings[0].path.to_string_lossy().contains("B1_20_0__"));
}

#[test]
fn a_parent_of_several_dialect_folders_reports_duplicate_versions() {
    let root = corpus();
    let err = load(&root.join(HAWKBIT), &config(None)).expect_err("three dialects in one tree");
    assert!(err.errors().all(|d| d.kind.code() == "duplicate-version"));
    // One error for every file past the first of each version.
    let mut versions = std::collections::BTreeSet::new();
    let mut files = 0;
    for folder in [HAWKBIT_MYSQL, HAWKBIT_POSTGRES, HAWKBIT_H2] {
        let set = load(&root.join(folder), &config(None)).expect("one dialect loads");
        files += set.migrations.len();
        versions.extend(set.migrations.into_iter().map(|m| m.version));
    }
    assert_eq!(files, 58 + 25 + 58);
    assert_eq!(err.errors().count(), files - versions.len());
}

#[test]
fn authelia_pairs_with_a_v_prefix() {
    let root = corpus();
    let dir = root.join("authelia__authelia/internal/storage/migrations/postgres");
    let set = load(&dir, &folder_config(Dialect::Postgres, true)).expect("loads");
    let first = &set.migrations[0];
    assert_eq!(
        (first.version_text.as_str(), first.name.as_str()),
        ("0001", "Initial_Schema")
    );
    assert_eq!(first.layout, Layout::Pair);
    assert!(
        first
            .down
            .as_ref()
            .is_some_and(|d| d.path.ends_with("V0001.Initial_Schema.down.sql"))
    );
}

#[test]
fn refinery_unversioned_and_nested_folders() {
    let root = corpus();
    let set = load(
        &root.join("refinery-fixtures/refinery/tests/migrations_int8"),
        &config(None),
    )
    .expect("loads");
    assert!(
        set.migrations
            .iter()
            .all(|m| m.layout == Layout::RefineryUnversioned)
    );
    assert_eq!(set.migrations[0].version.to_string(), "20240504090301");
    let nested = load(
        &root.join("refinery-fixtures/refinery/tests/migrations"),
        &config(None),
    )
    .expect("loads");
    let names: Vec<_> = nested.migrations.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["add_cars_and_motos_table", "add_brand_to_cars_table"]
    );
}

#[test]
fn sqlx_no_transaction_is_kept_per_direction() {
    let root = corpus();
    let set = load(
        &root.join("sqlx-fixtures/tests/sqlite/migrations_no_tx_reversible"),
        &config(Some(Dialect::Sqlite)),
    )
    .expect("loads");
    let m = &set.migrations[0];
    assert_eq!(m.transaction(), TransactionMode::NoTransaction);
    assert_eq!(
        m.down.as_ref().map(|d| d.transaction),
        Some(TransactionMode::NoTransaction)
    );
}

pub(crate) fn dialect_of(path: &Path) -> Option<Dialect> {
    let text = path.to_string_lossy().to_lowercase();
    if text.contains("/h2/") {
        None
    } else if text.contains("mysql") {
        Some(Dialect::Mysql)
    } else if text.contains("sqlite")
        || text.contains("atuin-client")
        || text.contains("atuin-kv")
        || text.contains("atuin-scripts")
        || text.contains("atuin-ai")
        || text.contains("ignored-chars")
        || text.contains("sqlx-cli/tests/migrations_reversible")
        || text.contains("refinery")
    {
        Some(Dialect::Sqlite)
    } else {
        Some(Dialect::Postgres)
    }
}
