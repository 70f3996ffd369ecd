//! `embed_migrations!`: every kind of malformed folder fails the build with its
//! `path:line:column` and the quoted line, and the corpus folders embed exactly what
//! `migrate-core` reads from disk.

// Findings lowered to `warn` in this package's metadata come out as deprecation warnings, and
// so does the note that no build script tracks the (vendored, unchanging) folders.
#![allow(deprecated)]

mod rebuild;

use std::path::Path;

use migrate_core::{Config, Dialect, MigrationSet, TransactionMode};
use migrate_runtime::Migrator;

/// One case per error kind; the `.stderr` files beside them pin every message. Regenerate with
/// `TRYBUILD=overwrite cargo test -p migrate-runtime --test embed` on the pinned toolchain.
// What every tool read here accepts, the build accepts too, with a warning: an empty up is
// applied and recorded, and golang-migrate's missing down reverts as nothing.
static EMPTY_UP: Migrator =
    migrate_runtime::embed_migrations!("tests/embed/fixtures/empty_up", dialect = "sqlite");
static UP_ONLY: Migrator =
    migrate_runtime::embed_migrations!("tests/embed/fixtures/up_only", dialect = "sqlite");

#[test]
fn empty_ups_and_missing_downs_embed() {
    assert_eq!(EMPTY_UP.migrations().len(), 1);
    assert!(
        EMPTY_UP.migrations()[0]
            .up_sql()
            .trim()
            .starts_with("-- nothing")
    );
    assert_eq!(UP_ONLY.migrations().len(), 1);
    assert_eq!(UP_ONLY.migrations()[0].down_sql(), Some(""));
}

#[test]
fn malformed_folders_fail_the_build() {
    trybuild::TestCases::new().compile_fail("tests/embed/fail/*.rs");
}

// Every folder of the corpus, in its dialect (H2 is none of the three: no dialect).
static F00: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/rust-lang__crates-io/migrations",
    dialect = "postgres"
);
static F01: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/rust-lang__docs-rs/crates/lib/docs_rs_database/migrations",
    dialect = "postgres"
);
static F02: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/atuinsh__atuin/crates/atuin-server-postgres/migrations",
    dialect = "postgres"
);
static F03: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/atuinsh__atuin/crates/atuin-server-sqlite/migrations",
    dialect = "sqlite"
);
static F04: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/atuinsh__atuin/crates/atuin-client/migrations",
    dialect = "sqlite"
);
static F05: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/atuinsh__atuin/crates/atuin-client/meta-migrations",
    dialect = "sqlite"
);
static F06: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/atuinsh__atuin/crates/atuin-client/record-migrations",
    dialect = "sqlite"
);
static F07: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/atuinsh__atuin/crates/atuin-kv/migrations",
    dialect = "sqlite"
);
static F08: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/atuinsh__atuin/crates/atuin-scripts/migrations",
    dialect = "sqlite"
);
static F09: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/atuinsh__atuin/crates/atuin-ai/migrations",
    dialect = "sqlite"
);
static F10: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/umami-software__umami/db/mysql/migrations",
    dialect = "mysql"
);
static F11: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/umami-software__umami/db/postgresql/migrations",
    dialect = "postgres"
);
static F12: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/authelia__authelia/internal/storage/migrations/mysql",
    dialect = "mysql"
);
static F13: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/authelia__authelia/internal/storage/migrations/postgres",
    dialect = "postgres"
);
static F14: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/authelia__authelia/internal/storage/migrations/sqlite",
    dialect = "sqlite"
);
static F15: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/MYSQL",
    dialect = "mysql"
);
static F16: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/POSTGRESQL",
    dialect = "postgres"
);
// H2 is none of the three dialects; the folder is read (and, leniently, parsed) as PostgreSQL,
// since a build with several backends needs a dialect.
static F17: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/H2",
    dialect = "postgres"
);
static F18: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/examples/postgres/multi-database/accounts/migrations",
    dialect = "postgres"
);
static F19: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/examples/postgres/multi-database/payments/migrations",
    dialect = "postgres"
);
static F20: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/examples/postgres/multi-database/src/migrations",
    dialect = "postgres"
);
static F21: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/examples/postgres/multi-tenant/accounts/migrations",
    dialect = "postgres"
);
static F22: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/examples/postgres/multi-tenant/payments/migrations",
    dialect = "postgres"
);
static F23: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/examples/postgres/multi-tenant/src/migrations",
    dialect = "postgres"
);
static F24: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/sqlx-cli/tests/migrations_reversible",
    dialect = "sqlite"
);
static F25: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/sqlx-cli/tests/ignored-chars/LF",
    dialect = "sqlite"
);
static F26: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/migrate/migrations_reversible",
    dialect = "postgres"
);
static F27: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/migrate/migrations_simple",
    dialect = "postgres"
);
static F28: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/mysql/migrations",
    dialect = "mysql"
);
static F29: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/mysql/migrations_reversible",
    dialect = "mysql"
);
static F30: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/mysql/migrations_simple",
    dialect = "mysql"
);
static F31: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/postgres/migrations",
    dialect = "postgres"
);
static F32: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/postgres/migrations_no_tx",
    dialect = "postgres"
);
static F33: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/postgres/migrations_reversible",
    dialect = "postgres"
);
static F34: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/postgres/migrations_simple",
    dialect = "postgres"
);
static F35: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/sqlite/migrations",
    dialect = "sqlite"
);
static F36: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/sqlite/migrations_no_tx",
    dialect = "sqlite"
);
static F37: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/sqlite/migrations_no_tx_reversible",
    dialect = "sqlite"
);
static F38: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/sqlite/migrations_reversible",
    dialect = "sqlite"
);
static F39: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/sqlx-fixtures/tests/sqlite/migrations_simple",
    dialect = "sqlite"
);
static F40: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/refinery-fixtures/examples/migrations",
    dialect = "sqlite"
);
static F41: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/refinery-fixtures/refinery/tests/migrations",
    dialect = "sqlite"
);
static F42: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/refinery-fixtures/refinery/tests/migrations_broken",
    dialect = "sqlite"
);
static F43: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/refinery-fixtures/refinery/tests/migrations_int8",
    dialect = "sqlite"
);
static F44: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/refinery-fixtures/refinery/tests/migrations_missing",
    dialect = "sqlite"
);
static F45: Migrator = migrate_runtime::embed_migrations!(
    "../tests/corpus/refinery-fixtures/refinery/tests/migrations_unversioned",
    dialect = "sqlite"
);

fn same_as_disk(embedded: &Migrator, rel: &str, dialect: Option<Dialect>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/corpus")
        .join(rel);
    let mut config = Config::default();
    config.dialect = dialect;
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
    // The vendored corpus (tests/corpus) is read at compile time.
    let folders: &[(&Migrator, &str, Option<Dialect>)] = &[
        (
            &F00,
            "rust-lang__crates-io/migrations",
            Some(Dialect::Postgres),
        ),
        (
            &F01,
            "rust-lang__docs-rs/crates/lib/docs_rs_database/migrations",
            Some(Dialect::Postgres),
        ),
        (
            &F02,
            "atuinsh__atuin/crates/atuin-server-postgres/migrations",
            Some(Dialect::Postgres),
        ),
        (
            &F03,
            "atuinsh__atuin/crates/atuin-server-sqlite/migrations",
            Some(Dialect::Sqlite),
        ),
        (
            &F04,
            "atuinsh__atuin/crates/atuin-client/migrations",
            Some(Dialect::Sqlite),
        ),
        (
            &F05,
            "atuinsh__atuin/crates/atuin-client/meta-migrations",
            Some(Dialect::Sqlite),
        ),
        (
            &F06,
            "atuinsh__atuin/crates/atuin-client/record-migrations",
            Some(Dialect::Sqlite),
        ),
        (
            &F07,
            "atuinsh__atuin/crates/atuin-kv/migrations",
            Some(Dialect::Sqlite),
        ),
        (
            &F08,
            "atuinsh__atuin/crates/atuin-scripts/migrations",
            Some(Dialect::Sqlite),
        ),
        (
            &F09,
            "atuinsh__atuin/crates/atuin-ai/migrations",
            Some(Dialect::Sqlite),
        ),
        (
            &F10,
            "umami-software__umami/db/mysql/migrations",
            Some(Dialect::Mysql),
        ),
        (
            &F11,
            "umami-software__umami/db/postgresql/migrations",
            Some(Dialect::Postgres),
        ),
        (
            &F12,
            "authelia__authelia/internal/storage/migrations/mysql",
            Some(Dialect::Mysql),
        ),
        (
            &F13,
            "authelia__authelia/internal/storage/migrations/postgres",
            Some(Dialect::Postgres),
        ),
        (
            &F14,
            "authelia__authelia/internal/storage/migrations/sqlite",
            Some(Dialect::Sqlite),
        ),
        (
            &F15,
            "eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/MYSQL",
            Some(Dialect::Mysql),
        ),
        (
            &F16,
            "eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/POSTGRESQL",
            Some(Dialect::Postgres),
        ),
        (
            &F17,
            "eclipse-hawkbit__hawkbit/hawkbit-repository/hawkbit-repository-jpa-flyway/src/main/resources/db/migration/H2",
            None,
        ),
        (
            &F18,
            "sqlx-fixtures/examples/postgres/multi-database/accounts/migrations",
            Some(Dialect::Postgres),
        ),
        (
            &F19,
            "sqlx-fixtures/examples/postgres/multi-database/payments/migrations",
            Some(Dialect::Postgres),
        ),
        (
            &F20,
            "sqlx-fixtures/examples/postgres/multi-database/src/migrations",
            Some(Dialect::Postgres),
        ),
        (
            &F21,
            "sqlx-fixtures/examples/postgres/multi-tenant/accounts/migrations",
            Some(Dialect::Postgres),
        ),
        (
            &F22,
            "sqlx-fixtures/examples/postgres/multi-tenant/payments/migrations",
            Some(Dialect::Postgres),
        ),
        (
            &F23,
            "sqlx-fixtures/examples/postgres/multi-tenant/src/migrations",
            Some(Dialect::Postgres),
        ),
        (
            &F24,
            "sqlx-fixtures/sqlx-cli/tests/migrations_reversible",
            Some(Dialect::Sqlite),
        ),
        (
            &F25,
            "sqlx-fixtures/sqlx-cli/tests/ignored-chars/LF",
            Some(Dialect::Sqlite),
        ),
        (
            &F26,
            "sqlx-fixtures/tests/migrate/migrations_reversible",
            Some(Dialect::Postgres),
        ),
        (
            &F27,
            "sqlx-fixtures/tests/migrate/migrations_simple",
            Some(Dialect::Postgres),
        ),
        (
            &F28,
            "sqlx-fixtures/tests/mysql/migrations",
            Some(Dialect::Mysql),
        ),
        (
            &F29,
            "sqlx-fixtures/tests/mysql/migrations_reversible",
            Some(Dialect::Mysql),
        ),
        (
            &F30,
            "sqlx-fixtures/tests/mysql/migrations_simple",
            Some(Dialect::Mysql),
        ),
        (
            &F31,
            "sqlx-fixtures/tests/postgres/migrations",
            Some(Dialect::Postgres),
        ),
        (
            &F32,
            "sqlx-fixtures/tests/postgres/migrations_no_tx",
            Some(Dialect::Postgres),
        ),
        (
            &F33,
            "sqlx-fixtures/tests/postgres/migrations_reversible",
            Some(Dialect::Postgres),
        ),
        (
            &F34,
            "sqlx-fixtures/tests/postgres/migrations_simple",
            Some(Dialect::Postgres),
        ),
        (
            &F35,
            "sqlx-fixtures/tests/sqlite/migrations",
            Some(Dialect::Sqlite),
        ),
        (
            &F36,
            "sqlx-fixtures/tests/sqlite/migrations_no_tx",
            Some(Dialect::Sqlite),
        ),
        (
            &F37,
            "sqlx-fixtures/tests/sqlite/migrations_no_tx_reversible",
            Some(Dialect::Sqlite),
        ),
        (
            &F38,
            "sqlx-fixtures/tests/sqlite/migrations_reversible",
            Some(Dialect::Sqlite),
        ),
        (
            &F39,
            "sqlx-fixtures/tests/sqlite/migrations_simple",
            Some(Dialect::Sqlite),
        ),
        (
            &F40,
            "refinery-fixtures/examples/migrations",
            Some(Dialect::Sqlite),
        ),
        (
            &F41,
            "refinery-fixtures/refinery/tests/migrations",
            Some(Dialect::Sqlite),
        ),
        (
            &F42,
            "refinery-fixtures/refinery/tests/migrations_broken",
            Some(Dialect::Sqlite),
        ),
        (
            &F43,
            "refinery-fixtures/refinery/tests/migrations_int8",
            Some(Dialect::Sqlite),
        ),
        (
            &F44,
            "refinery-fixtures/refinery/tests/migrations_missing",
            Some(Dialect::Sqlite),
        ),
        (
            &F45,
            "refinery-fixtures/refinery/tests/migrations_unversioned",
            Some(Dialect::Sqlite),
        ),
    ];
    assert_eq!(folders.len(), 46);
    for (embedded, rel, dialect) in folders {
        same_as_disk(embedded, rel, *dialect);
    }
    let crates_io = folders[0].0;
    assert_eq!(crates_io.migrations().len(), 285);
    assert_eq!(
        crates_io
            .migrations()
            .iter()
            .filter(|m| m.transaction() == TransactionMode::NoTransaction)
            .count(),
        7
    );
}
