//! `embed_migrations!`: every kind of malformed folder fails the build with its
//! `path:line:column` and the quoted line, and the corpus folders embed exactly what
//! `migrate-core` reads from disk.

// Findings lowered to `warn` in this package's metadata come out as deprecation warnings.
#![allow(deprecated)]

mod rebuild;

use std::path::Path;

use migrate_core::{Config, Dialect, MigrationSet, TransactionMode};
use migrate_runtime::Migrator;

/// One case per error kind; the `.stderr` files beside them pin every message. Regenerate with
/// `TRYBUILD=overwrite cargo test -p migrate-runtime --test embed` on the pinned toolchain.
#[test]
fn malformed_folders_fail_the_build() {
    trybuild::TestCases::new().compile_fail("tests/embed/fail/*.rs");
}

static CRATES_IO: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/rust-lang__crates-io/migrations",
    dialect = "postgres"
);
static DOCS_RS: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/rust-lang__docs-rs/crates/lib/docs_rs_database/migrations",
    dialect = "postgres"
);
static ATUIN_CLIENT: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/atuinsh__atuin/crates/atuin-client/migrations",
    dialect = "sqlite"
);
static ATUIN_SERVER_SQLITE: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/atuinsh__atuin/crates/atuin-server-sqlite/migrations",
    dialect = "sqlite"
);
static ATUIN_SERVER_POSTGRES: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/atuinsh__atuin/crates/atuin-server-postgres/migrations",
    dialect = "postgres"
);
static SQLX_REVERSIBLE: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/sqlx-fixtures/tests/postgres/migrations_reversible",
    dialect = "postgres"
);
static SQLX_NO_TX: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/sqlx-fixtures/tests/sqlite/migrations_no_tx_reversible",
    dialect = "sqlite"
);
static SQLX_MYSQL: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/sqlx-fixtures/tests/mysql/migrations",
    dialect = "mysql"
);
static UMAMI_POSTGRES: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/umami-software__umami/db/postgresql/migrations",
    dialect = "postgres"
);
static AUTHELIA_MYSQL: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/authelia__authelia/internal/storage/migrations/mysql",
    dialect = "mysql"
);
static HAWKBIT_MYSQL: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/MYSQL",
    dialect = "mysql"
);
static REFINERY: Migrator = migrate_runtime::embed_migrations!(
    "../../shared/corpus/refinery-fixtures/refinery/tests/migrations_int8",
    dialect = "sqlite"
);

fn same_as_disk(embedded: &Migrator, rel: &str, dialect: Dialect) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let mut config = Config::default();
    config.dialect = Some(dialect);
    config
        .lint
        .set_level("empty-migration", migrate_core::Level::Warn)
        .expect("lowerable");
    let set = MigrationSet::load(&dir, &config).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let embedded = embedded.migrations();
    assert_eq!(embedded.len(), set.migrations.len(), "{rel}");
    for (e, d) in embedded.iter().zip(&set.migrations) {
        assert_eq!(e.version(), d.version.to_string(), "{rel}");
        assert_eq!(e.version_parts(), d.version.parts(), "{rel}");
        assert_eq!(e.name(), d.name, "{rel}");
        assert_eq!(e.up_sql(), d.up.sql, "{rel} {}", e.version());
        assert_eq!(
            e.down_sql(),
            d.down.as_ref().map(|s| s.sql.as_str()),
            "{rel} {}",
            e.version()
        );
        assert_eq!(
            e.checksum(),
            d.checksum.to_string(),
            "{rel} {}",
            e.version()
        );
        assert_eq!(e.transaction(), d.transaction(), "{rel} {}", e.version());
        assert_eq!(e.up_line(), d.up.start.line, "{rel} {}", e.version());
    }
}

#[test]
fn corpus_folders_embed_what_the_core_reads() {
    // The corpus is read at compile time: without ../shared/corpus this test does not build.
    same_as_disk(
        &CRATES_IO,
        "../../shared/corpus/rust-lang__crates-io/migrations",
        Dialect::Postgres,
    );
    same_as_disk(
        &DOCS_RS,
        "../../shared/corpus/rust-lang__docs-rs/crates/lib/docs_rs_database/migrations",
        Dialect::Postgres,
    );
    same_as_disk(
        &ATUIN_CLIENT,
        "../../shared/corpus/atuinsh__atuin/crates/atuin-client/migrations",
        Dialect::Sqlite,
    );
    same_as_disk(
        &ATUIN_SERVER_SQLITE,
        "../../shared/corpus/atuinsh__atuin/crates/atuin-server-sqlite/migrations",
        Dialect::Sqlite,
    );
    same_as_disk(
        &ATUIN_SERVER_POSTGRES,
        "../../shared/corpus/atuinsh__atuin/crates/atuin-server-postgres/migrations",
        Dialect::Postgres,
    );
    same_as_disk(
        &SQLX_REVERSIBLE,
        "../../shared/corpus/sqlx-fixtures/tests/postgres/migrations_reversible",
        Dialect::Postgres,
    );
    same_as_disk(
        &SQLX_NO_TX,
        "../../shared/corpus/sqlx-fixtures/tests/sqlite/migrations_no_tx_reversible",
        Dialect::Sqlite,
    );
    same_as_disk(
        &SQLX_MYSQL,
        "../../shared/corpus/sqlx-fixtures/tests/mysql/migrations",
        Dialect::Mysql,
    );
    same_as_disk(
        &UMAMI_POSTGRES,
        "../../shared/corpus/umami-software__umami/db/postgresql/migrations",
        Dialect::Postgres,
    );
    same_as_disk(
        &AUTHELIA_MYSQL,
        "../../shared/corpus/authelia__authelia/internal/storage/migrations/mysql",
        Dialect::Mysql,
    );
    same_as_disk(
        &HAWKBIT_MYSQL,
        "../../shared/corpus/eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/MYSQL",
        Dialect::Mysql,
    );
    same_as_disk(
        &REFINERY,
        "../../shared/corpus/refinery-fixtures/refinery/tests/migrations_int8",
        Dialect::Sqlite,
    );
    assert_eq!(CRATES_IO.migrations().len(), 285);
    assert_eq!(
        CRATES_IO
            .migrations()
            .iter()
            .filter(|m| m.transaction() == TransactionMode::NoTransaction)
            .count(),
        7
    );
}
