//! A `run` with nothing pending sends one statement to PostgreSQL, counted by a proxy that
//! reads the PostgreSQL wire protocol between the pool and the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use migrate_core::Dialect;
use migrate_tests::{TestDb, migrator, with_database, write_migrations};
use sqlx::postgres::PgPoolOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Counts the statements clients send: simple queries (`Q`) and executions of prepared
/// statements (`E`).
#[derive(Default)]
struct Counter {
    statements: AtomicUsize,
}

async fn proxy(upstream: String, counter: Arc<Counter>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the proxy");
    let port = listener.local_addr().expect("local addr").port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(&upstream)
                .await
                .expect("connect upstream");
            let counter = counter.clone();
            tokio::spawn(relay(client, server, counter));
        }
    });
    port
}

async fn relay(client: TcpStream, server: TcpStream, counter: Arc<Counter>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    // Untyped start-up messages (SSLRequest, StartupMessage) come first; then typed ones.
    let mut started = false;
    loop {
        let mut head = [0u8; 5];
        let kind = if started {
            if client_read.read_exact(&mut head).await.is_err() {
                return;
            }
            Some(head[0])
        } else {
            if client_read.read_exact(&mut head[1..]).await.is_err() {
                return;
            }
            None
        };
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len.saturating_sub(4)];
        if client_read.read_exact(&mut body).await.is_err() {
            return;
        }
        match kind {
            Some(b'Q' | b'E') => {
                counter.statements.fetch_add(1, Ordering::SeqCst);
            }
            None => {
                // SSLRequest (80877103) is followed by another untyped start-up message.
                let code = body
                    .get(..4)
                    .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
                started = code != Some(80_877_103);
            }
            Some(_) => {}
        }
        let frame: &[u8] = if started && kind.is_some() {
            &head
        } else {
            &head[1..]
        };
        if server_write.write_all(frame).await.is_err()
            || server_write.write_all(&body).await.is_err()
        {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn noop_run_sends_one_statement() {
    let Some(db) = TestDb::create(Dialect::Postgres).await else {
        return;
    };
    let counter = Arc::new(Counter::default());
    let host = db
        .url
        .split('@')
        .nth(1)
        .and_then(|h| h.split('/').next())
        .expect("host in the URL")
        .to_owned();
    let port = proxy(host, counter.clone()).await;
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
    assert!(
        counter.statements.load(Ordering::SeqCst) > 1,
        "the proxy sees the traffic"
    );

    for _ in 0..3 {
        counter.statements.store(0, Ordering::SeqCst);
        let report = m.run(&pool).await.expect("no-op run");
        assert!(report.applied.is_empty());
        assert_eq!(
            counter.statements.load(Ordering::SeqCst),
            1,
            "a no-op run sends one statement"
        );
    }
    pool.close().await;
    db.drop().await;
}
