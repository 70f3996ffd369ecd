//! The start-up pattern on PostgreSQL: eight replicas starting at once migrate exactly once;
//! verify-only replicas refuse a database that is behind or dirty, and start on one that is
//! up to date.

use migrate_core::Dialect;
use migrate_tests::TestDb;
use service_postgres::{Startup, prepare};
use sqlx::postgres::PgPoolOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_start_safely() {
    let Some(db) = TestDb::create(Dialect::Postgres).await else {
        return;
    };
    let connect = || PgPoolOptions::new().max_connections(2).connect(&db.url);

    // Behind: a verify-only replica refuses to start, naming what is pending.
    let pool = connect().await.expect("connect");
    let refused = prepare(&pool, Startup::Verify).await.expect_err("behind");
    assert!(
        refused.contains("20250101000000 create_orders is pending"),
        "{refused}"
    );
    assert!(refused.contains("cargo migrate run"), "{refused}");

    // Eight replicas start at once: the migrations are applied once in all.
    let mut replicas = Vec::new();
    for _ in 0..8 {
        let url = db.url.clone();
        replicas.push(tokio::spawn(async move {
            let pool = PgPoolOptions::new()
                .max_connections(2)
                .connect(&url)
                .await
                .expect("connect");
            prepare(&pool, Startup::Migrate).await
        }));
    }
    let mut applied = 0;
    for r in replicas {
        applied += r.await.expect("task").expect("a replica failed to start");
    }
    assert_eq!(applied, 2);
    assert_eq!(prepare(&pool, Startup::Verify).await, Ok(0));

    // Dirty: every replica refuses to start, and the message names the way out.
    sqlx::query("UPDATE _migrations SET status = 'dirty' WHERE version = '20250102000000'")
        .execute(&pool)
        .await
        .expect("mark dirty");
    let dirty = prepare(&pool, Startup::Migrate).await.expect_err("dirty");
    assert!(dirty.contains("cargo migrate resolve"), "{dirty}");
    assert!(
        prepare(&pool, Startup::Verify)
            .await
            .expect_err("dirty")
            .contains("is dirty")
    );
    pool.close().await;
    db.drop().await;
}
