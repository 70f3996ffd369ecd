//! `DATABASE_URL=postgres://… cargo run -p service-postgres [--verify-only]` migrates (or
//! verifies) the schema, then answers `ok` on 127.0.0.1:8080 (PORT to change).

use std::process::ExitCode;

use service_postgres::{Startup, prepare};
use sqlx::postgres::PgPoolOptions;
use tokio::io::AsyncWriteExt;

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!(
            "error: DATABASE_URL is not set; set it to a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/app"
        );
        return ExitCode::from(2);
    };
    let mode = if std::env::args().any(|a| a == "--verify-only") {
        Startup::Verify
    } else {
        Startup::Migrate
    };
    let pool = match PgPoolOptions::new().max_connections(5).connect(&url).await {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!(
                "error: cannot connect to the database in DATABASE_URL; check that it is running and the URL is right: {e}"
            );
            return ExitCode::FAILURE;
        }
    };
    match prepare(&pool, mode).await {
        Ok(applied) => println!("schema ready ({applied} migrations applied now)"),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_owned());
    let listener = match tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}; choose another PORT: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on 127.0.0.1:{port}");
    loop {
        if let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nok\n")
                .await;
        }
    }
}
