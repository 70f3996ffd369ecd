//! Query plans on a migrated database: the queries file of `cargo migrate verify --explain`,
//! read by [`migrate_core::explain`], run here.

use migrate_core::explain::{QueriesFile, judge, whole_table_reads};
use sqlx::{Connection, Pool};

use crate::backend::{Backend, db_message};
use crate::error::Error;
use crate::migrator::Migrator;

/// A query of the file whose plan reads a whole table it should not, or that fails.
#[derive(Debug, Clone)]
pub struct PlanFinding {
    /// The query's line in the file.
    pub line: u32,
    /// The query's text.
    pub query: String,
    /// The table read whole, or `None` when the query failed.
    pub table: Option<String>,
    /// Why it is reported.
    pub message: String,
    /// Whether the query itself failed (rather than reading a whole table).
    pub failed: bool,
    /// The plan, as the server prints it.
    pub plan: Vec<String>,
}

impl Migrator {
    /// Runs the file's setup statements, then `EXPLAIN`s each of its queries on the database
    /// behind `pool` (migrated already), and returns the queries whose plan reads a whole
    /// table that has an index the query could use, or one over the file's `max-scan-rows`,
    /// and the queries that fail. Everything runs in one transaction that is rolled back, so
    /// the sample rows are not kept.
    pub async fn explain<DB: Backend>(
        &self,
        pool: &Pool<DB>,
        file: &QueriesFile,
        path: &str,
    ) -> Result<Vec<PlanFinding>, Error>
    where
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let mut conn = pool
            .acquire()
            .await
            .map_err(Error::db("connecting", "connect"))?;
        let mut tx = conn
            .begin()
            .await
            .map_err(Error::db("starting a transaction", "run queries"))?;
        for statement in &file.setup {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.sql.clone()))
                .execute(&mut *tx)
                .await
                .map_err(|e| Error::ExplainSetup {
                    path: path.to_owned(),
                    line: statement.start.line,
                    message: db_message(&e),
                })?;
        }
        let mut findings = Vec::new();
        let savepoint = |sql: &'static str| sqlx::raw_sql(sql);
        for query in &file.queries {
            // Each query in a savepoint: one that fails does not end the transaction, and
            // what the plan set for itself (PostgreSQL's planner settings) goes with it.
            savepoint("SAVEPOINT migrate_explain")
                .execute(&mut *tx)
                .await
                .map_err(Error::db("starting a savepoint", "run queries"))?;
            let plan = DB::plan(&mut tx, &query.sql).await;
            savepoint("ROLLBACK TO SAVEPOINT migrate_explain")
                .execute(&mut *tx)
                .await
                .map_err(Error::db("rolling back to a savepoint", "run queries"))?;
            let plan = match plan {
                Ok(plan) => plan,
                Err(e) => {
                    findings.push(PlanFinding {
                        line: query.start.line,
                        query: query.sql.clone(),
                        table: None,
                        message: format!("fails on the migrated schema: {}", db_message(&e)),
                        failed: true,
                        plan: Vec::new(),
                    });
                    continue;
                }
            };
            for read in whole_table_reads(DB::DIALECT, &plan) {
                let (has_index, rows) = DB::table_facts(&mut tx, &read.table).await;
                if let Some(message) = judge(
                    DB::DIALECT,
                    &read,
                    has_index,
                    rows.unwrap_or(0),
                    file.max_scan_rows,
                ) {
                    findings.push(PlanFinding {
                        line: query.start.line,
                        query: query.sql.clone(),
                        table: Some(read.table.clone()),
                        message,
                        failed: false,
                        plan: plan.clone(),
                    });
                }
            }
        }
        tx.rollback()
            .await
            .map_err(Error::db("rolling back the sample rows", "run queries"))?;
        Ok(findings)
    }
}
