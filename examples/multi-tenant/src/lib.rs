//! One PostgreSQL schema per tenant: the same embedded migrations applied to every tenant's
//! schema, at most `parallelism` at a time. Each tenant's history table lives in its schema
//! and the migration lock is keyed by it, so tenants migrate in parallel without waiting on
//! each other.

use std::sync::Arc;
use std::time::{Duration, Instant};

use migrate_runtime::{Migrator, embed_migrations};
use sqlx::PgPool;
use tokio::sync::Semaphore;

/// Checked and embedded at compile time.
pub static MIGRATOR: Migrator = embed_migrations!();

/// What happened to one tenant.
#[derive(Debug)]
pub struct TenantReport {
    pub tenant: String,
    /// Versions applied in this run, or the error.
    pub result: Result<Vec<String>, migrate_runtime::Error>,
    pub took: Duration,
}

/// Applies the migrations to each tenant's schema, `parallelism` tenants at a time.
pub async fn migrate_tenants(
    pool: &PgPool,
    tenants: &[String],
    parallelism: usize,
) -> Vec<TenantReport> {
    let permits = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for tenant in tenants {
        let (pool, tenant, permits) = (pool.clone(), tenant.clone(), permits.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let started = Instant::now();
            let result = MIGRATOR
                .in_schema(&tenant)
                .run(&pool)
                .await
                .map(|report| report.applied.into_iter().map(|r| r.version).collect());
            TenantReport {
                tenant,
                result,
                took: started.elapsed(),
            }
        });
    }
    let mut reports = Vec::with_capacity(tenants.len());
    while let Some(done) = tasks.join_next().await {
        if let Ok(report) = done {
            reports.push(report);
        }
    }
    reports.sort_by(|a, b| a.tenant.cmp(&b.tenant));
    reports
}
