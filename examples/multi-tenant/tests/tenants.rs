//! The example against PostgreSQL: 50 tenant schemas, each with its own tables and history.

use migrate_core::Dialect;
use migrate_runtime::State;
use migrate_tests::TestDb;
use sqlx::postgres::PgPoolOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_tenant_schemas_each_get_the_migrations() {
    let Some(db) = TestDb::create(Dialect::Postgres).await else {
        return;
    };
    let pool = PgPoolOptions::new()
        .max_connections(9)
        .connect(&db.url)
        .await
        .expect("connect");
    let tenants: Vec<String> = (1..=50).map(|i| format!("tenant_{i}")).collect();

    let reports = multi_tenant::migrate_tenants(&pool, &tenants, 8).await;
    assert_eq!(reports.len(), 50);
    for r in &reports {
        let applied = r
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", r.tenant));
        assert_eq!(
            applied,
            &["20250101000000", "20250102000000"],
            "{}",
            r.tenant
        );
    }
    for t in &tenants {
        // Each schema has its own history, all applied, and its own tables.
        let status = multi_tenant::MIGRATOR
            .in_schema(t)
            .status(&pool)
            .await
            .expect("status");
        assert!(
            status.len() == 2 && status.iter().all(|s| s.state == State::Applied),
            "{t}: {status:?}"
        );
        let rows: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('plans', 'projects', 'tasks', '_migrations')",
        )
        .bind(t)
        .fetch_one(&pool)
        .await
        .expect("catalog");
        assert_eq!(rows, 4, "{t}");
    }
    // A second run is a no-op for every tenant.
    let again = multi_tenant::migrate_tenants(&pool, &tenants, 8).await;
    assert!(
        again
            .iter()
            .all(|r| r.result.as_ref().is_ok_and(Vec::is_empty))
    );
    pool.close().await;
    db.drop().await;
}
