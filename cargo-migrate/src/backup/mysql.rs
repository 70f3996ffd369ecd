//! MySQL/MariaDB backups: `mariadb-dump` (or `mysqldump`) of one database, checked by the
//! dump's own `-- Dump completed` trailer.
//!
//! MySQL has no transactional DDL, so a restore cannot be one transaction. It runs one of two
//! ways:
//!
//! - **Swap** (tables only): the dump is loaded into a scratch database on the same server;
//!   once it loaded whole, one `RENAME TABLE` statement moves the database's tables out and the
//!   scratch database's tables in. `RENAME TABLE` of many tables is atomic, so the database
//!   holds its old tables or the backup's, never a mix. The old tables are dropped after.
//! - **In place, with a way back**: `RENAME TABLE` cannot move views, and triggers, routines
//!   and events belong to their database, so where the database or the dump has any of them
//!   (or the user may not create the scratch database) the database is cleared and the dump
//!   loaded into it; a safety backup taken just before is loaded back automatically if that
//!   fails.

use std::path::Path;
use std::process::Command;

use super::{MYSQL_TOOLS, tool};
use crate::context::Database;
use crate::db::Pool;
use crate::failure::Failure;

/// Writes the dump of `db` to `path`; the tool, as it names itself.
pub(super) fn write(db: &Database, path: &Path) -> Result<String, Failure> {
    let dump = tool(&["mariadb-dump", "mysqldump"], MYSQL_TOOLS)?;
    let mut cmd = Command::new(&dump);
    cmd.args([
        "--single-transaction",
        "--routines",
        "--triggers",
        "--events",
    ]);
    cmd.arg(format!("--result-file={}", path.display()));
    crate::dump::mysql_args(&mut cmd, db)?;
    super::run(db, cmd, None)?;
    Ok(super::tool_version(&dump))
}

/// The dump is one of a MySQL/MariaDB database and ends with the tool's completion line.
pub(super) fn verify(path: &Path) -> Result<(), String> {
    match super::manifest::identify(path) {
        Ok(super::manifest::Kind::MysqlDump { complete: true, .. }) => Ok(()),
        Ok(super::manifest::Kind::MysqlDump {
            complete: false, ..
        }) => Err(
            "it does not end with the dump tool's `-- Dump completed` line: it was cut short"
                .to_owned(),
        ),
        Ok(kind) => Err(format!("it is {}", kind.describe())),
        Err(e) => Err(e.to_string()),
    }
}

/// What the dump holds besides tables, and whether it names a database of its own.
struct Contents {
    /// A view, trigger, routine or event.
    objects: bool,
    /// A `USE` or `CREATE DATABASE` line (a dump made with `--databases`).
    names_database: bool,
}

fn contents(file: &Path) -> Result<Contents, Failure> {
    use std::io::BufRead;
    let reader = std::fs::File::open(file)
        .map(std::io::BufReader::new)
        .map_err(|e| {
            Failure::usage(format!("cannot read the backup {}", file.display())).caused_by(&e)
        })?;
    let mut found = Contents {
        objects: false,
        names_database: false,
    };
    for line in reader.split(b'\n') {
        let line = line.map_err(|e| {
            Failure::usage(format!("cannot read the backup {}", file.display())).caused_by(&e)
        })?;
        let line = String::from_utf8_lossy(&line);
        if line.starts_with("USE `") || line.starts_with("CREATE DATABASE") {
            found.names_database = true;
        }
        let definition = line.starts_with("/*!50001 CREATE")
            || line.starts_with("/*!50003 CREATE")
            || line.starts_with("/*!50106 CREATE")
            || line.starts_with("CREATE DEFINER")
            || line.starts_with("CREATE ALGORITHM");
        if definition
            && [
                "VIEW `",
                "TRIGGER `",
                "PROCEDURE `",
                "FUNCTION `",
                "EVENT `",
            ]
            .iter()
            .any(|k| line.contains(k))
        {
            found.objects = true;
        }
    }
    Ok(found)
}

/// How a restore will run, decided before anything is touched.
pub(super) enum Strategy {
    /// Through the scratch database made already, of this name.
    Swap(String),
    /// In place, and why.
    InPlace(&'static str),
}

/// Chooses the strategy, and refuses a dump that names its own database.
pub(super) async fn strategy(db: &Database, pool: &Pool, file: &Path) -> Result<Strategy, Failure> {
    let Pool::Mysql(p) = pool else {
        unreachable!("a MySQL database has a MySQL pool")
    };
    let found = contents(file)?;
    if found.names_database {
        return Err(Failure::usage(format!(
            "{} names a database of its own (`USE` or `CREATE DATABASE`: a dump made with --databases), so restoring it could write into another database than {}; nothing was changed: restore a dump of one database, as `cargo migrate backup` writes",
            file.display(),
            db.shown()
        )));
    }
    let here: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()) \
         + (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()) \
         + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()) \
         + (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE())",
    )
    .fetch_one(p)
    .await
    .map_err(|e| read_failure(db, &e))?;
    if here > 0 || found.objects {
        return Ok(Strategy::InPlace(
            "the database or the backup has views, triggers, routines or events, which RENAME TABLE cannot move",
        ));
    }
    let (charset, collation): (String, String) = sqlx::query_as(
        "SELECT CAST(DEFAULT_CHARACTER_SET_NAME AS CHAR), CAST(DEFAULT_COLLATION_NAME AS CHAR) \
         FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()",
    )
    .fetch_one(p)
    .await
    .map_err(|e| read_failure(db, &e))?;
    let scratch = format!("_migrate_restore_{}", suffix());
    let made = exec(
        p,
        &format!("CREATE DATABASE `{scratch}` CHARACTER SET {charset} COLLATE {collation}"),
    )
    .await;
    Ok(match made {
        Ok(()) => Strategy::Swap(scratch),
        Err(_) => Strategy::InPlace("the user may not create the scratch database to load it into"),
    })
}

/// `<process id>_<nanoseconds>`, for the names of a restore's scratch databases.
fn suffix() -> String {
    format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    )
}

fn read_failure(db: &Database, e: &sqlx::Error) -> Failure {
    Failure::database(format!(
        "reading what {} holds failed, so nothing was changed",
        db.shown()
    ))
    .caused_by(e)
}

/// Loads the dump into the scratch database `scratch` (made by [`strategy`]), then swaps its
/// tables in with one `RENAME TABLE`.
pub(super) async fn swap(
    db: &Database,
    pool: &Pool,
    file: &Path,
    scratch: &str,
) -> Result<(), Failure> {
    let Pool::Mysql(p) = pool else {
        unreachable!("a MySQL database has a MySQL pool")
    };
    let target: String = sqlx::query_scalar("SELECT CAST(DATABASE() AS CHAR)")
        .fetch_one(p)
        .await
        .map_err(|e| read_failure(db, &e))?;
    let scratch = scratch.to_owned();
    let replaced = format!("_migrate_replaced_{}", suffix());
    let loaded = load(&with_database(db, &scratch)?, file);
    if let Err(failure) = loaded {
        let _ = exec(p, &format!("DROP DATABASE IF EXISTS `{scratch}`")).await;
        return Err(Failure::database(format!(
            "loading {} failed, so nothing was changed in {}",
            file.display(),
            db.shown()
        ))
        .with_cause(failure.headline)
        .with_cause(failure.causes.join("\n")));
    }
    let tables = |schema: String| async move {
        sqlx::query_scalar::<_, String>(
            "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
        )
        .bind(schema)
        .fetch_all(p)
        .await
    };
    let old = tables(target.clone())
        .await
        .map_err(|e| read_failure(db, &e))?;
    let new = tables(scratch.clone())
        .await
        .map_err(|e| read_failure(db, &e))?;
    let q = |name: &str| format!("`{}`", name.replace('`', "``"));
    let mut renames: Vec<String> = old
        .iter()
        .map(|t| format!("{}.{} TO {}.{}", q(&target), q(t), q(&replaced), q(t)))
        .collect();
    renames.extend(
        new.iter()
            .map(|t| format!("{}.{} TO {}.{}", q(&scratch), q(t), q(&target), q(t))),
    );
    let swapped = async {
        exec(p, &format!("CREATE DATABASE `{replaced}`")).await?;
        if !renames.is_empty() {
            exec(p, &format!("RENAME TABLE {}", renames.join(", "))).await?;
        }
        Ok::<(), sqlx::Error>(())
    }
    .await;
    if let Err(e) = swapped {
        let _ = exec(p, &format!("DROP DATABASE IF EXISTS `{scratch}`")).await;
        let _ = exec(p, &format!("DROP DATABASE IF EXISTS `{replaced}`")).await;
        return Err(Failure::database(format!(
            "swapping the backup's tables into {} failed, so nothing was changed",
            db.shown()
        ))
        .caused_by(&e));
    }
    for leftover in [&replaced, &scratch] {
        if let Err(e) = exec(p, &format!("DROP DATABASE IF EXISTS `{leftover}`")).await {
            return Err(Failure::database(format!(
                "the backup was restored into {}, and dropping the database `{leftover}` that held the old tables failed; drop it by hand",
                db.shown()
            ))
            .caused_by(&e));
        }
    }
    Ok(())
}

/// Drops a scratch database made for a restore that does not go ahead.
pub(super) async fn discard(pool: &Pool, scratch: &str) {
    if let Pool::Mysql(p) = pool {
        let _ = exec(p, &format!("DROP DATABASE IF EXISTS `{scratch}`")).await;
    }
}

/// Clears the database and loads the dump into it; on failure, clears it again and loads
/// `safety` back.
pub(super) async fn in_place(
    db: &Database,
    pool: &Pool,
    file: &Path,
    safety: &Path,
) -> Result<(), Failure> {
    clear(db, pool).await?;
    let Err(failure) = load(db, file) else {
        return Ok(());
    };
    let back = async {
        clear(db, pool).await?;
        load(db, safety)
    }
    .await;
    match back {
        Ok(()) => Err(Failure::database(format!(
            "loading {} into {} failed; the safety backup {} was loaded back, so the database holds what it held before",
            file.display(),
            db.shown(),
            safety.display()
        ))
        .with_cause(failure.headline)
        .with_cause(failure.causes.join("\n"))),
        Err(second) => Err(Failure::database(format!(
            "loading {} into {} failed, and so did loading the safety backup back: the database may be partly restored; restore {} by hand with the mariadb client",
            file.display(),
            db.shown(),
            safety.display()
        ))
        .with_cause(failure.headline)
        .with_cause(second.headline)),
    }
}

/// Drops every table, view, routine and event of the database.
async fn clear(db: &Database, pool: &Pool) -> Result<(), Failure> {
    let Pool::Mysql(p) = pool else {
        unreachable!("a MySQL database has a MySQL pool")
    };
    let cleared = |e: sqlx::Error| {
        Failure::database(format!(
            "clearing {} before the restore failed; check that the user owns its objects",
            db.shown()
        ))
        .caused_by(&e)
    };
    let objects: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(TABLE_TYPE AS CHAR), CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
         UNION ALL SELECT CAST(ROUTINE_TYPE AS CHAR), CAST(ROUTINE_NAME AS CHAR) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() \
         UNION ALL SELECT 'EVENT', CAST(EVENT_NAME AS CHAR) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()",
    )
    .fetch_all(p)
    .await
    .map_err(cleared)?;
    let mut sql = String::from("SET FOREIGN_KEY_CHECKS = 0;\n");
    for (kind, name) in &objects {
        let name = name.replace('`', "``");
        let what = match kind.as_str() {
            "VIEW" => "VIEW",
            "SEQUENCE" => "SEQUENCE",
            "FUNCTION" => "FUNCTION",
            "PROCEDURE" => "PROCEDURE",
            "EVENT" => "EVENT",
            _ => "TABLE",
        };
        sql.push_str(&format!("DROP {what} IF EXISTS `{name}`;\n"));
    }
    sql.push_str("SET FOREIGN_KEY_CHECKS = 1;\n");
    let mut conn = p.acquire().await.map_err(cleared)?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await
        .map_err(cleared)?;
    Ok(())
}

/// Feeds a dump to the client, connected to `db`.
fn load(db: &Database, file: &Path) -> Result<(), Failure> {
    let client = tool(&["mariadb", "mysql"], MYSQL_TOOLS)?;
    let mut cmd = Command::new(client);
    cmd.arg("--binary-mode");
    crate::dump::mysql_args(&mut cmd, db)?;
    let input = std::fs::File::open(file).map_err(|e| {
        Failure::usage(format!("cannot read the backup {}", file.display())).caused_by(&e)
    })?;
    super::run(db, cmd, Some(input))
}

/// The same server, another database.
fn with_database(db: &Database, name: &str) -> Result<Database, Failure> {
    let url = db.url.with_database(name).map_err(|e| {
        Failure::usage(format!(
            "the URL {} (from {}) cannot be read: {e}; check its spelling",
            db.shown(),
            db.source
        ))
    })?;
    Ok(Database { url, ..db.clone() })
}

async fn exec(pool: &sqlx::MySqlPool, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .map(drop)
}
