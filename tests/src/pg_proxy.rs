//! A proxy between PostgreSQL clients and the server that counts the statements clients send,
//! by reading the wire protocol: the no-op test and the no-op benchmark use it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Counts the statements clients send: simple queries (`Q`) and executions of prepared
/// statements (`E`).
#[derive(Debug, Default)]
pub struct Counter {
    statements: AtomicUsize,
}

impl Counter {
    /// Statements counted since the last reset.
    pub fn get(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    pub fn reset(&self) {
        self.statements.store(0, Ordering::SeqCst);
    }
}

/// Listens on a free local port and relays every connection to `upstream` (`host:port`),
/// counting into the returned counter. Returns the port.
pub async fn start(upstream: &str) -> (u16, Arc<Counter>) {
    let counter = Arc::new(Counter::default());
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the proxy");
    let port = listener.local_addr().expect("local addr").port();
    let upstream = upstream.to_owned();
    let shared = counter.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(&upstream)
                .await
                .expect("connect upstream");
            tokio::spawn(relay(client, server, shared.clone()));
        }
    });
    (port, counter)
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
