//! A `run` with nothing pending sends one statement to PostgreSQL, counted by a proxy that
//! reads the PostgreSQL wire protocol between the pool and the server.

use migrate_core::Dialect;
use migrate_tests::{TestDb, migrator, pg_proxy, with_database, write_migrations};
use sqlx::postgres::PgPoolOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn noop_run_sends_one_statement() {
    let Some(db) = TestDb::create(Dialect::Postgres).await else {
        return;
    };
    let host = db
        .url
        .split('@')
        .nth(1)
        .and_then(|h| h.split('/').next())
        .expect("host in the URL")
        .to_owned();
    let (port, counter) = pg_proxy::start(&host).await;
    let through_proxy = with_database(
        &format!("postgres://postgres@127.0.0.1:{port}/x?sslmode=disable"),
        &db.name,
    );
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(&through_proxy)
        .await
        .expect("connect through the proxy");

    let dir = db.dir().join("migrations");
    write_migrations(
        &dir,
        &[
            ("1_a.sql", "CREATE TABLE a (id INT);\n"),
            ("2_b.sql", "CREATE TABLE b (id INT);\n"),
        ],
    );
    let m = migrator(&dir, Dialect::Postgres);
    assert_eq!(m.run(&pool).await.expect("apply").applied.len(), 2);
    assert!(counter.get() > 1, "the proxy sees the traffic");

    for _ in 0..3 {
        counter.reset();
        let report = m.run(&pool).await.expect("no-op run");
        assert!(report.applied.is_empty());
        assert_eq!(counter.get(), 1, "a no-op run sends one statement");
    }
    pool.close().await;
    db.drop().await;
}
