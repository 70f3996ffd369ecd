//! What the migration lock is keyed by. MySQL's `GET_LOCK` names are server-wide, so the name
//! holds the database: two databases on one server migrate at the same time. PostgreSQL keys
//! the advisory lock by the schema the table really lives in, so two spellings of one table
//! are one lock.

use std::time::Duration;

use migrate_core::Dialect;
use migrate_runtime::{Error, LockStrategy};
use migrate_tests::{TestDb, migrator, write_migrations};
use sqlx::Pool;
use sqlx::pool::PoolOptions;

use crate::support::Probe;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_mariadb_databases_migrate_at_the_same_time() {
    let (Some(a), Some(b)) = (
        TestDb::create(Dialect::Mysql).await,
        TestDb::create(Dialect::Mysql).await,
    ) else {
        return;
    };
    let files = [
        (
            "0001_start.sql",
            "CREATE TABLE marks (what VARCHAR(10), at DATETIME(6));\nINSERT INTO marks VALUES ('start', NOW(6));\n",
        ),
        ("0002_wait.sql", "DO SLEEP(1);\n"),
        (
            "0003_end.sql",
            "INSERT INTO marks VALUES ('end', NOW(6));\n",
        ),
    ];
    let mut pools = Vec::new();
    for db in [&a, &b] {
        write_migrations(&db.dir().join("migrations"), &files);
        pools.push(
            PoolOptions::<sqlx::MySql>::new()
                .max_connections(1)
                .connect(&db.url)
                .await
                .expect("connect"),
        );
    }
    let (ma, mb) = (
        migrator(&a.dir().join("migrations"), Dialect::Mysql),
        migrator(&b.dir().join("migrations"), Dialect::Mysql),
    );
    let (ra, rb) = tokio::join!(ma.run(&pools[0]), mb.run(&pools[1]));
    ra.expect("database a migrates");
    rb.expect("database b migrates");
    let mut spans = Vec::new();
    for pool in &pools {
        let (start, end): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT CAST(UNIX_TIMESTAMP(at) * 1000000 AS SIGNED) FROM marks WHERE what = 'start'), \
                    (SELECT CAST(UNIX_TIMESTAMP(at) * 1000000 AS SIGNED) FROM marks WHERE what = 'end')",
        )
        .fetch_one(pool)
        .await
        .expect("read the marks");
        spans.push((start, end));
        pool.close().await;
    }
    let ((sa, ea), (sb, eb)) = (spans[0], spans[1]);
    assert!(
        sa < eb && sb < ea,
        "the runs did not overlap: a {sa}..{ea}, b {sb}..{eb} (µs)"
    );
    a.drop().await;
    b.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_spellings_of_one_table_share_one_lock() {
    let Some(db) = TestDb::create(Dialect::Postgres).await else {
        return;
    };
    let dir = db.dir().join("migrations");
    write_migrations(
        &dir,
        &[
            ("0001_a.sql", "CREATE TABLE a (id INT);\n"),
            ("0002_wait.sql", "SELECT pg_sleep(2);\n"),
        ],
    );
    let pool = PoolOptions::<sqlx::Postgres>::new()
        .max_connections(2)
        .connect(&db.url)
        .await
        .expect("connect");
    let holder = migrator(&dir, Dialect::Postgres);
    let other = migrator(&dir, Dialect::Postgres)
        .with_table("public._migrations")
        .lock_timeout(Duration::from_millis(300));
    let first = {
        let pool = pool.clone();
        tokio::spawn(async move { holder.run(&pool).await })
    };
    // The first run holds the lock while its second migration sleeps.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let second = other.run(&pool).await;
    assert!(
        matches!(second, Err(Error::LockTimeout { .. })),
        "`public._migrations` did not wait for the run on `_migrations`: {second:?}"
    );
    first
        .await
        .expect("task")
        .expect("the first run applies both");
    pool.close().await;
    db.drop().await;
}

/// The error of a run that gave up waiting for the lock names who holds it, as the server
/// shows it: the PostgreSQL backend holding the advisory lock, the MySQL connection holding
/// `GET_LOCK`, or the table lock's owner (this process).
async fn a_lock_timeout_names_the_holder<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let (sleeper, session_holder, shown_as) = match db.dialect {
        Dialect::Postgres => (
            "SELECT pg_sleep(2);\n",
            "SELECT pid::text FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid()",
            "PostgreSQL backend {} from ",
        ),
        _ => (
            "SELECT SLEEP(2);\n",
            "SELECT CAST(ID AS CHAR) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(2)%' AND ID <> CONNECTION_ID()",
            "MySQL connection {} (",
        ),
    };
    for (i, strategy) in [LockStrategy::Session, LockStrategy::Table]
        .into_iter()
        .enumerate()
    {
        let table = format!("_migrations_{i}");
        let holder = held_while(db, &pool, strategy, &table, sleeper).await;
        let expected = match strategy {
            LockStrategy::Session => shown_as.replace("{}", &DB::text(&pool, session_holder).await),
            _ => format!(":{}:", std::process::id()),
        };
        let message = holder.await;
        assert!(message.contains(&expected), "{strategy:?}: {message}");
    }
}

mod a_lock_timeout_names_the_holder {
    use migrate_core::Dialect;

    use crate::support::with_db;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        with_db::<sqlx::Postgres, _>(Dialect::Postgres, 3, super::a_lock_timeout_names_the_holder)
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn mysql() {
        with_db::<sqlx::MySql, _>(Dialect::Mysql, 3, super::a_lock_timeout_names_the_holder).await;
    }
}

/// Starts a run that holds the lock while its second migration sleeps, and once it does,
/// another run with a short timeout; the future gives that run's error message, after the
/// first run ended.
async fn held_while<DB: Probe>(
    db: &TestDb,
    pool: &Pool<DB>,
    strategy: LockStrategy,
    table: &str,
    sleeper: &str,
) -> impl std::future::Future<Output = String> + use<DB> {
    let dir = db.dir().join(table);
    let files = [
        (
            format!("0001_{table}.sql"),
            format!("CREATE TABLE t{table} (id INT);\n"),
        ),
        ("0002_wait.sql".to_owned(), sleeper.to_owned()),
    ];
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    write_migrations(&dir, &files);
    let holder = migrator(&dir, db.dialect)
        .with_table(table)
        .lock_strategy(strategy);
    let other = migrator(&dir, db.dialect)
        .with_table(table)
        .lock_strategy(strategy)
        .lock_timeout(Duration::from_millis(300));
    let first = {
        let pool = pool.clone();
        tokio::spawn(async move { holder.run(&pool).await.map(drop) })
    };
    tokio::time::sleep(Duration::from_millis(600)).await;
    let second = other.run(pool).await;
    async move {
        first
            .await
            .expect("task")
            .expect("the first run applies both");
        match second {
            Err(
                e @ Error::LockTimeout {
                    holder: Some(_), ..
                },
            ) => e.to_string(),
            other => panic!("the second run did not time out naming the holder: {other:?}"),
        }
    }
}
