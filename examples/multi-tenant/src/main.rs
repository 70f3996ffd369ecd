//! `DATABASE_URL=postgres://… cargo run -p multi-tenant [tenants] [parallelism]` migrates the
//! schemas `tenant_1` … `tenant_N` (50 by default), 8 at a time, and prints a line per tenant.

use std::process::ExitCode;

use sqlx::postgres::PgPoolOptions;

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!(
            "error: DATABASE_URL is not set; set it to a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/app"
        );
        return ExitCode::from(2);
    };
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let parallelism: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let pool = match PgPoolOptions::new()
        .max_connections(parallelism as u32 + 1)
        .connect(&url)
        .await
    {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!(
                "error: cannot connect to the database in DATABASE_URL; check that it is running and the URL is right: {e}"
            );
            return ExitCode::FAILURE;
        }
    };
    let tenants: Vec<String> = (1..=count).map(|i| format!("tenant_{i}")).collect();
    let reports = multi_tenant::migrate_tenants(&pool, &tenants, parallelism).await;
    let mut failed = 0;
    for r in &reports {
        match &r.result {
            Ok(applied) => println!(
                "{}: applied {} ({} ms)",
                r.tenant,
                applied.len(),
                r.took.as_millis()
            ),
            Err(e) => {
                failed += 1;
                eprintln!("{}: {e}", r.tenant);
            }
        }
    }
    println!(
        "{} tenants migrated, {failed} failed",
        reports.len() - failed
    );
    pool.close().await;
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
