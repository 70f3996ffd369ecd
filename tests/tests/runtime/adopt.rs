//! `adopt` from each tool's own history table, on every database the tool is used with.
//!
//! The tool's table is created exactly as the tool's source defines it (named at each
//! `ddl` arm), its rows written as the tool writes them, after running the first migrations of
//! a folder (`tests/fixtures/layouts`) as the tool would. Then `adopt` records those, the other
//! tool's table is left as it was, and `run` applies the rest: every migration runs once.
//! `tests/adopt-real-tools.sh` does the same with the real sqlx-cli, dbmate and diesel_cli.

use std::path::{Path, PathBuf};

use migrate_core::adopt::{AdoptError, Adopter, Tool};
use migrate_core::{Config, Dialect, Migration, MigrationSet};
use migrate_runtime::{Error, Migrator, State};
use sha2::{Digest, Sha256, Sha384};
use sqlx::Pool;

use crate::support::Probe;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/layouts")
        .join(name)
}

fn load(name: &str, dialect: Dialect) -> (MigrationSet, Config) {
    let mut config = Config::default();
    config.dialect = Some(dialect);
    let set = MigrationSet::load(&fixture(name), &config).unwrap_or_else(|e| panic!("{name}: {e}"));
    (set, config)
}

/// The tool's history table, as its source creates it.
fn ddl(tool: Tool, dialect: Dialect) -> &'static str {
    use Dialect::{Mysql, Postgres, Sqlite};
    match (tool, dialect) {
        // sqlx-postgres/src/migrate.rs, `ensure_migrations_table`.
        (Tool::Sqlx, Postgres) => {
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)"
        }
        // sqlx-mysql/src/migrate.rs and sqlx-sqlite/src/migrate.rs.
        (Tool::Sqlx, Mysql | Sqlite) => {
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)"
        }
        // diesel/src/migration/setup_migration_table.sql, the same on every backend.
        (Tool::Diesel, _) => {
            "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        }
        // golang-migrate database/postgres/postgres.go and database/mysql/mysql.go, `ensureVersionTable`.
        (Tool::GolangMigrate, Postgres | Mysql) => {
            "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)"
        }
        // golang-migrate database/sqlite3/sqlite3.go, `ensureVersionTable`.
        (Tool::GolangMigrate, Sqlite) => {
            "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool); CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);"
        }
        // dbmate pkg/driver/postgres/postgres.go, `CreateMigrationsTable`.
        (Tool::Dbmate, Postgres) => {
            "create table if not exists schema_migrations (version varchar primary key)"
        }
        // dbmate pkg/driver/mysql/mysql.go and pkg/driver/sqlite/sqlite.go.
        (Tool::Dbmate, Mysql | Sqlite) => {
            "create table if not exists schema_migrations (version varchar(128) primary key)"
        }
        // flyway-database-postgresql PostgreSQLDatabase.java, `getRawCreateScript`.
        (Tool::Flyway, Postgres) => {
            r#"CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL); ALTER TABLE "flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"); CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success");"#
        }
        // flyway-mysql MySQLDatabase.java, `getRawCreateScript`.
        (Tool::Flyway, Mysql) => {
            "CREATE TABLE `flyway_schema_history` (`installed_rank` INT NOT NULL, `version` VARCHAR(50), `description` VARCHAR(200) NOT NULL, `type` VARCHAR(20) NOT NULL, `script` VARCHAR(1000) NOT NULL, `checksum` INT, `installed_by` VARCHAR(100) NOT NULL, `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, `execution_time` INT NOT NULL, `success` BOOL NOT NULL, CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`)) ENGINE=InnoDB; CREATE INDEX `flyway_schema_history_s_idx` ON `flyway_schema_history` (`success`);"
        }
        // flyway-core .../database/sqlite/createMetaDataTable.sql.
        (Tool::Flyway, Sqlite) => {
            r#"CREATE TABLE "flyway_schema_history" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')), "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL); CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success");"#
        }
        // prisma-engines schema-engine/connectors/sql-schema-connector/src/flavour/postgres.rs.
        (Tool::Prisma, Postgres) => {
            "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0)"
        }
        // prisma-engines .../flavour/mysql.rs.
        (Tool::Prisma, Mysql) => {
            "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL, finished_at DATETIME(3), migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at DATETIME(3), started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), applied_steps_count INTEGER UNSIGNED NOT NULL DEFAULT 0) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        }
        // prisma-engines .../flavour/sqlite.rs.
        (Tool::Prisma, Sqlite) => {
            r#"CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)"#
        }
        // refinery_core/src/traits/mod.rs, `ASSERT_MIGRATIONS_TABLE_QUERY` (version INT4 without
        // the `int8-versions` feature).
        (Tool::Refinery, _) => {
            "CREATE TABLE IF NOT EXISTS refinery_schema_history(version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255))"
        }
    }
}

/// Flyway's checksums of the `flyway` fixture's files, computed outside this project with
/// Python's `zlib.crc32` over each line, terminators removed, as Flyway's `ChecksumCalculator`
/// does.
fn flyway_checksum(file: &str) -> i32 {
    match file {
        "V1__create_users.sql" => -784_971_038,
        "V1_1__settings.sql" => 934_627_214,
        "R__settings_seed.sql" => -1_004_854_531,
        other => panic!("no Flyway checksum for {other}"),
    }
}

/// refinery's checksums of the `refinery` fixture's files, printed by refinery-core 0.9.2's
/// `Migration::unapplied(name, sql).checksum()`.
fn refinery_checksum(version: &str) -> &'static str {
    match version {
        "1" => "1771633948091593877",
        "2" => "8806462330897784674",
        "3" => "12799404588876989603",
        other => panic!("no refinery checksum for {other}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn blob(dialect: Dialect, bytes: &[u8]) -> String {
    match dialect {
        Dialect::Postgres => format!("decode('{}', 'hex')", hex(bytes)),
        Dialect::Mysql | Dialect::Sqlite => format!("X'{}'", hex(bytes)),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The rows the tool writes for `applied` (in order), as SQL.
fn rows(tool: Tool, dialect: Dialect, applied: &[&Migration]) -> String {
    let bytes = |m: &Migration| std::fs::read(&m.up.path).expect("read the fixture");
    let mut sql = String::new();
    for (i, m) in applied.iter().enumerate() {
        let row = match tool {
            Tool::Sqlx => format!(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ({}, '{}', TRUE, {}, 1000)",
                m.version_text,
                m.name.replace('_', " "),
                blob(dialect, &Sha384::digest(bytes(m)))
            ),
            Tool::Diesel => format!(
                "INSERT INTO __diesel_schema_migrations (version) VALUES ('{}')",
                m.version_text.replace('-', "")
            ),
            Tool::Dbmate => format!(
                "insert into schema_migrations (version) values ('{}')",
                m.version_text
            ),
            // One row: the newest version, clean.
            Tool::GolangMigrate if i + 1 == applied.len() => format!(
                "INSERT INTO schema_migrations (version, dirty) VALUES ({}, FALSE)",
                m.version.parts()[0]
            ),
            Tool::GolangMigrate => continue,
            Tool::Flyway => format!(
                "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES ({}, '{}', '{}', 'SQL', '{}', {}, 'app', 3, TRUE)",
                i + 1,
                m.version_text.replace('_', "."),
                m.name.replace('_', " "),
                file_name(&m.up.path),
                flyway_checksum(&file_name(&m.up.path))
            ),
            Tool::Prisma => format!(
                "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ('{i}-id', '{}', CURRENT_TIMESTAMP, '{}', 1)",
                hex(&Sha256::digest(bytes(m))),
                file_name(&m.path)
            ),
            Tool::Refinery => format!(
                "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES ({}, '{}', '2024-01-01T00:00:00Z', '{}')",
                m.version_text,
                m.name,
                refinery_checksum(&m.version_text)
            ),
        };
        sql.push_str(&row);
        sql.push_str(";\n");
    }
    sql
}

/// Runs the up SQL of `applied` as the tool would, then writes its history.
async fn tool_applies<DB: Probe>(pool: &Pool<DB>, tool: Tool, applied: &[&Migration]) {
    for m in applied {
        let has_sql =
            m.up.sql
                .lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"));
        if has_sql {
            DB::exec(pool, &m.up.sql).await;
        }
    }
    DB::exec(pool, ddl(tool, DB::DIALECT_OF)).await;
    DB::exec(pool, &rows(tool, DB::DIALECT_OF, applied)).await;
}

/// The tool applied the first `k` migrations of `name`; adopt records exactly those, twice
/// records nothing, leaves the tool's table as it was; status shows the rest pending and run
/// applies them, each once.
async fn adopt_then_run<DB: Probe>(pool: Pool<DB>, tool: Tool, name: &str, k: usize) {
    let dialect = DB::DIALECT_OF;
    let (set, config) = load(name, dialect);
    let first: Vec<&Migration> = set.migrations.iter().take(k).collect();
    tool_applies(&pool, tool, &first).await;
    let theirs = DB::int(
        &pool,
        &format!("SELECT count(*) FROM {}", tool.default_table()),
    )
    .await;

    let migrator = Migrator::from_set(&set, &config, &set.dir);
    let adopter = Adopter::new(tool, &set).expect("read the folder");
    let expected: Vec<String> = first.iter().map(|m| m.version.to_string()).collect();

    let dry = migrator
        .adopt(&pool, &adopter, None, true)
        .await
        .unwrap_or_else(|e| panic!("{tool} on {dialect}: dry run: {e}"));
    assert_eq!(dry.recorded, expected, "{tool} on {dialect}: dry run");
    assert!(
        migrator
            .status(&pool)
            .await
            .expect("status")
            .iter()
            .all(|s| s.state == State::Pending),
        "{tool} on {dialect}: a dry run wrote nothing"
    );

    let adopted = migrator
        .adopt(&pool, &adopter, None, false)
        .await
        .unwrap_or_else(|e| panic!("{tool} on {dialect}: {e}"));
    assert_eq!(adopted.recorded, expected, "{tool} on {dialect}");
    assert_eq!(adopted.applied, expected, "{tool} on {dialect}");
    let again = migrator
        .adopt(&pool, &adopter, None, false)
        .await
        .expect("adopt again");
    assert!(again.recorded.is_empty(), "{tool} on {dialect}: {again:?}");
    assert_eq!(
        DB::int(
            &pool,
            &format!("SELECT count(*) FROM {}", tool.default_table())
        )
        .await,
        theirs,
        "{tool} on {dialect}: the tool's table is left as it was"
    );

    let status = migrator.status(&pool).await.expect("status");
    let pending: Vec<&str> = status
        .iter()
        .filter(|s| s.state == State::Pending)
        .map(|s| s.version.as_str())
        .collect();
    let rest: Vec<String> = set
        .migrations
        .iter()
        .skip(k)
        .map(|m| m.version.to_string())
        .chain(set.repeatable.iter().map(|r| format!("R__{}", r.name)))
        .collect();
    assert_eq!(pending, rest, "{tool} on {dialect}: {status:?}");
    let report = migrator
        .run(&pool)
        .await
        .unwrap_or_else(|e| panic!("{tool} on {dialect}: run: {e}"));
    let ran: Vec<&str> = report.applied.iter().map(|r| r.version.as_str()).collect();
    assert_eq!(ran, rest, "{tool} on {dialect}");
    if name != "flyway" {
        // The seed runs in one of the two halves: once in all.
        assert_eq!(
            DB::int(&pool, "SELECT count(*) FROM users").await,
            1,
            "{tool} on {dialect}"
        );
    }
}

macro_rules! adopt_tests {
    ($($test:ident: $tool:expr, $name:literal, first $k:literal, on [$($db:ident),*];)*) => {
        $(
            mod $test {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $db() {
                        crate::support::with_db::<adopt_tests!(@db $db), _>(
                            adopt_tests!(@dialect $db),
                            2,
                            async |_, pool| super::adopt_then_run(pool, $tool, $name, $k).await,
                        )
                        .await;
                    }
                )*
            }
        )*
    };
    (@db postgres) => { sqlx::Postgres };
    (@db mysql) => { sqlx::MySql };
    (@db sqlite) => { sqlx::Sqlite };
    (@dialect postgres) => { migrate_core::Dialect::Postgres };
    (@dialect mysql) => { migrate_core::Dialect::Mysql };
    (@dialect sqlite) => { migrate_core::Dialect::Sqlite };
}

adopt_tests! {
    from_sqlx: migrate_core::adopt::Tool::Sqlx, "sqlx", first 1, on [postgres, mysql, sqlite];
    from_diesel: migrate_core::adopt::Tool::Diesel, "diesel", first 2, on [postgres, mysql, sqlite];
    from_golang_migrate: migrate_core::adopt::Tool::GolangMigrate, "golang-migrate", first 2, on [postgres, mysql, sqlite];
    from_dbmate: migrate_core::adopt::Tool::Dbmate, "dbmate", first 2, on [postgres, mysql, sqlite];
    from_flyway: migrate_core::adopt::Tool::Flyway, "flyway", first 1, on [postgres, mysql, sqlite];
    from_prisma: migrate_core::adopt::Tool::Prisma, "prisma", first 1, on [postgres, mysql, sqlite];
    from_refinery: migrate_core::adopt::Tool::Refinery, "refinery", first 2, on [postgres, mysql, sqlite];
}

/// Adopting must fail, naming `version`, and record nothing.
async fn refused<DB: Probe>(
    pool: &Pool<DB>,
    tool: Tool,
    name: &str,
    version: &str,
    what: fn(&AdoptError) -> bool,
) {
    let dialect = DB::DIALECT_OF;
    let (set, config) = load(name, dialect);
    let migrator = Migrator::from_set(&set, &config, &set.dir);
    let adopter = Adopter::new(tool, &set).expect("read the folder");
    let err = migrator
        .adopt(pool, &adopter, None, false)
        .await
        .expect_err("refused");
    let Error::Adopt(inner) = &err else {
        panic!("{tool} on {dialect}: not an adopt error: {err}");
    };
    assert!(what(inner), "{tool} on {dialect}: {err:?}");
    assert!(
        err.to_string().contains(version),
        "{tool} on {dialect}: the message names {version}: {err}"
    );
    assert!(
        migrator
            .status(pool)
            .await
            .expect("status")
            .iter()
            .all(|s| s.state == State::Pending),
        "{tool} on {dialect}: nothing recorded"
    );
}

/// golang-migrate's dirty row, sqlx's failed row and Prisma's unfinished row are refused with
/// the version named; so are an applied version with no file and a checksum that differs.
async fn refusals<DB: Probe>(_: &migrate_tests::TestDb, pool: Pool<DB>) {
    let dialect = DB::DIALECT_OF;
    let not_finished = |e: &AdoptError| matches!(e, AdoptError::NotFinished { .. });

    DB::exec(&pool, ddl(Tool::GolangMigrate, dialect)).await;
    DB::exec(
        &pool,
        "INSERT INTO schema_migrations (version, dirty) VALUES (2, TRUE)",
    )
    .await;
    refused(
        &pool,
        Tool::GolangMigrate,
        "golang-migrate",
        "2",
        not_finished,
    )
    .await;

    let (sqlx_set, _) = load("sqlx", dialect);
    let first = &sqlx_set.migrations[0];
    DB::exec(&pool, ddl(Tool::Sqlx, dialect)).await;
    DB::exec(&pool, &format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ({}, 'create users', FALSE, {}, -1)",
        first.version_text,
        blob(dialect, &Sha384::digest(std::fs::read(&first.up.path).expect("read")))
    ))
    .await;
    refused(&pool, Tool::Sqlx, "sqlx", &first.version_text, not_finished).await;
    // A checksum that differs: the file changed after sqlx applied it.
    DB::exec(&pool, &format!(
        "DELETE FROM _sqlx_migrations; INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ({}, 'create users', TRUE, {}, 1)",
        first.version_text,
        blob(dialect, &Sha384::digest(b"CREATE TABLE users (id INT);"))
    ))
    .await;
    refused(&pool, Tool::Sqlx, "sqlx", &first.version_text, |e| {
        matches!(e, AdoptError::ChecksumMismatch { .. })
    })
    .await;

    DB::exec(&pool, ddl(Tool::Prisma, dialect)).await;
    DB::exec(
        &pool,
        "INSERT INTO _prisma_migrations (id, checksum, migration_name, applied_steps_count) VALUES ('a', 'x', '20240101000000_init', 0)",
    )
    .await;
    refused(
        &pool,
        Tool::Prisma,
        "prisma",
        "20240101000000_init",
        not_finished,
    )
    .await;

    // dbmate recorded a version the folder does not have. (golang-migrate's table of the same
    // name goes first.)
    DB::exec(&pool, "DROP TABLE schema_migrations").await;
    DB::exec(&pool, ddl(Tool::Dbmate, dialect)).await;
    DB::exec(
        &pool,
        "insert into schema_migrations (version) values ('20240101000000'), ('20231231000000')",
    )
    .await;
    refused(&pool, Tool::Dbmate, "dbmate", "20231231000000", |e| {
        matches!(e, AdoptError::MissingFile { .. })
    })
    .await;
}
crate::support::each_db!(refusals);

/// A table of the same name written by the other tool is named, not misread: golang-migrate's
/// `schema_migrations` read as dbmate's, and dbmate's as golang-migrate's.
async fn wrong_tool<DB: Probe>(_: &migrate_tests::TestDb, pool: Pool<DB>) {
    let dialect = DB::DIALECT_OF;
    DB::exec(&pool, ddl(Tool::GolangMigrate, dialect)).await;
    DB::exec(
        &pool,
        "INSERT INTO schema_migrations (version, dirty) VALUES (1, FALSE)",
    )
    .await;
    let (set, config) = load("dbmate", dialect);
    let migrator = Migrator::from_set(&set, &config, &set.dir);
    let adopter = Adopter::new(Tool::Dbmate, &set).expect("read");
    let err = migrator
        .adopt(&pool, &adopter, None, false)
        .await
        .expect_err("golang-migrate's table is not dbmate's");
    assert!(
        matches!(err, Error::Adopt(AdoptError::WrongTool { .. })),
        "{dialect}: {err}"
    );

    DB::exec(&pool, "DROP TABLE schema_migrations").await;
    DB::exec(&pool, ddl(Tool::Dbmate, dialect)).await;
    let (set, config) = load("golang-migrate", dialect);
    let migrator = Migrator::from_set(&set, &config, &set.dir);
    let adopter = Adopter::new(Tool::GolangMigrate, &set).expect("read");
    let err = migrator
        .adopt(&pool, &adopter, None, false)
        .await
        .expect_err("dbmate's table is not golang-migrate's");
    assert!(
        matches!(err, Error::Adopt(AdoptError::BadRow { .. })),
        "{dialect}: {err}"
    );
    assert!(err.to_string().contains("--from"), "{err}");
}
crate::support::each_db!(wrong_tool);

/// Flyway's baseline row counts every version up to its own; a repeatable migration whose last
/// run had the file's checksum is adopted, one with another checksum stays pending.
async fn flyway_baseline_and_repeatable<DB: Probe>(_: &migrate_tests::TestDb, pool: Pool<DB>) {
    let dialect = DB::DIALECT_OF;
    let (set, config) = load("flyway", dialect);
    DB::exec(&pool, ddl(Tool::Flyway, dialect)).await;
    for m in &set.migrations {
        DB::exec(&pool, &m.up.sql).await;
    }
    DB::exec(&pool, &set.repeatable[0].up.sql).await;
    let insert = |rank: u32, version: &str, description: &str, kind: &str, checksum: &str| {
        format!(
            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES ({rank}, {version}, '{description}', '{kind}', '{description}', {checksum}, 'app', 0, TRUE)"
        )
    };
    let rows = [
        insert(1, "'1'", "<< Flyway Baseline >>", "BASELINE", "NULL"),
        insert(
            2,
            "'1.1'",
            "settings",
            "SQL",
            &flyway_checksum("V1_1__settings.sql").to_string(),
        ),
        // An earlier run of the repeatable with other text, then the current one.
        insert(3, "NULL", "settings seed", "SQL", "12345"),
        insert(
            4,
            "NULL",
            "settings seed",
            "SQL",
            &flyway_checksum("R__settings_seed.sql").to_string(),
        ),
    ];
    DB::exec(&pool, &rows.join(";\n")).await;
    let migrator = Migrator::from_set(&set, &config, &set.dir);
    let adopter = Adopter::new(Tool::Flyway, &set).expect("read");
    let adopted = migrator
        .adopt(&pool, &adopter, None, false)
        .await
        .unwrap_or_else(|e| panic!("{dialect}: {e}"));
    assert_eq!(
        adopted.recorded,
        ["1", "1.1", "R__settings_seed"],
        "{dialect}"
    );
    let report = migrator.run(&pool).await.expect("run");
    assert!(report.applied.is_empty(), "{dialect}: {report:?}");

    // The repeatable's last run had other text: Flyway would run it again, and so will run.
    DB::exec(
        &pool,
        &format!(
            "DELETE FROM {}; {}",
            config.table,
            insert(5, "NULL", "settings seed", "SQL", "12345")
        ),
    )
    .await;
    let adopted = migrator
        .adopt(&pool, &adopter, None, false)
        .await
        .expect("adopt");
    assert_eq!(adopted.changed, ["settings_seed"], "{dialect}");
    assert_eq!(adopted.recorded, ["1", "1.1"], "{dialect}");
    DB::exec(&pool, "DELETE FROM settings").await;
    let report = migrator.run(&pool).await.expect("run");
    let ran: Vec<&str> = report.applied.iter().map(|r| r.version.as_str()).collect();
    assert_eq!(ran, ["R__settings_seed"], "{dialect}");
}
crate::support::each_db!(flyway_baseline_and_repeatable);
