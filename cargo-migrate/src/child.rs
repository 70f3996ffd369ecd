//! The output of the tools a command starts (pg_restore, psql, a health check), read on
//! threads of their own so that no pipe fills while another is waited on.

use std::io::Read;
use std::thread::JoinHandle;

/// Reads a child's stream to its end on a thread of its own.
pub(crate) fn drain<R: Read + Send + 'static>(stream: Option<R>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stream) = stream {
            let _ = stream.read_to_string(&mut text);
        }
        text
    })
}

/// What a [`drain`] read, trimmed.
pub(crate) fn collected(read: JoinHandle<String>) -> String {
    read.join().unwrap_or_default().trim().to_owned()
}
