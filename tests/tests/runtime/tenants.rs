//! `in_schema`: the same migrations applied into several PostgreSQL schemas, each with its own
//! history table, concurrently.

use migrate_core::Dialect;
use migrate_tests::{TestDb, migrator, write_migrations};
use sqlx::postgres::PgPoolOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tenant_schema_gets_its_own_history() {
    let Some(db) = TestDb::create(Dialect::Postgres).await else {
        return;
    };
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect(&db.url)
        .await
        .expect("connect");
    let dir = db.dir().join("migrations");
    write_migrations(
        &dir,
        &[
            (
                "1_users.sql",
                "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL);\n",
            ),
            (
                "2_orders.sql",
                "CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id BIGINT REFERENCES users (id));\n",
            ),
        ],
    );
    let m = migrator(&dir, Dialect::Postgres);
    let tenants: Vec<String> = (1..=6).map(|i| format!("tenant_{i}")).collect();
    let mut handles = Vec::new();
    for t in &tenants {
        let (m, pool, t) = (m.clone(), pool.clone(), t.clone());
        handles.push(tokio::spawn(async move {
            m.in_schema(&t).run(&pool).await.map(|r| r.applied.len())
        }));
    }
    for h in handles {
        assert_eq!(h.await.expect("task").expect("tenant run"), 2);
    }
    for t in &tenants {
        let tables: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('users', 'orders', '_migrations')",
        )
        .bind(t)
        .fetch_one(&pool)
        .await
        .expect("catalog");
        assert_eq!(tables, 3, "{t} has its tables and its own history");
        let status = m.in_schema(t).status(&pool).await.expect("status");
        assert!(
            status
                .iter()
                .all(|s| s.state == migrate_runtime::State::Applied)
        );
    }
    // Nothing leaked into the default schema, and a re-run per tenant is a no-op.
    let public: i64 = sqlx::query_scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'users'")
        .fetch_one(&pool)
        .await
        .expect("catalog");
    assert_eq!(public, 0);
    assert!(
        m.in_schema("tenant_1")
            .run(&pool)
            .await
            .expect("no-op")
            .applied
            .is_empty()
    );
    pool.close().await;
    db.drop().await;
}
