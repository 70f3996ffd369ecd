//! The manifest beside every backup (`<file>.manifest.json`), and what a backup file is when
//! it has none, read from its own header and trailer.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use migrate_core::Dialect;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What was backed up, by what, and what the file must be: written when the backup is
/// complete and checked, and read before a restore touches anything. It holds no password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    /// The manifest's own format, 1.
    pub format: u32,
    /// `postgres`, `mysql` or `sqlite`.
    pub dialect: String,
    pub server_version: String,
    /// The database's name (for SQLite, the file's path).
    pub database: String,
    /// The server's host and port, without user or password; for SQLite, empty.
    pub host: String,
    /// The newest migration applied when the backup was taken, if any.
    pub head: Option<String>,
    /// When the backup was taken, UTC (`20261130T114500Z`).
    pub taken_at: String,
    /// The backup file's size in bytes and its SHA-256, hex.
    pub size: u64,
    pub sha256: String,
    /// The tool that wrote it (`pg_dump (PostgreSQL) 15.19`, `VACUUM INTO`) and its exit
    /// status.
    pub tool: String,
    pub tool_exit: i32,
}

impl Manifest {
    /// Where the manifest of `backup` lies.
    pub(crate) fn path_of(backup: &Path) -> PathBuf {
        let mut name = backup.as_os_str().to_owned();
        name.push(".manifest.json");
        PathBuf::from(name)
    }

    /// The manifest of `backup`: `Ok(None)` when there is none, an error when it cannot be
    /// read.
    pub(crate) fn read(backup: &Path) -> Result<Option<Manifest>, String> {
        let path = Manifest::path_of(backup);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The manifest as it is written.
    pub(crate) fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    pub(crate) fn dialect(&self) -> Option<Dialect> {
        match self.dialect.as_str() {
            "postgres" => Some(Dialect::Postgres),
            "mysql" => Some(Dialect::Mysql),
            "sqlite" => Some(Dialect::Sqlite),
            _ => None,
        }
    }
}

/// The SHA-256 of a file, hex, and its size.
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buffer[..n]);
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, size))
}

/// What a backup file is, by its own header and trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `pg_dump --format=custom`: starts with `PGDMP`.
    PostgresArchive,
    /// A `mysqldump`/`mariadb-dump` file: its database as its header names it, and whether it
    /// ends with the tool's `-- Dump completed` line.
    MysqlDump {
        database: Option<String>,
        complete: bool,
    },
    /// A SQLite database file.
    Sqlite,
    /// A plain SQL script of PostgreSQL's (`pg_dump` without `--format=custom`).
    PostgresScript,
    /// Nothing a backup is.
    Unknown,
}

impl Kind {
    /// The dialect a file of this kind restores into.
    pub(crate) fn dialect(&self) -> Option<Dialect> {
        match self {
            Kind::PostgresArchive | Kind::PostgresScript => Some(Dialect::Postgres),
            Kind::MysqlDump { .. } => Some(Dialect::Mysql),
            Kind::Sqlite => Some(Dialect::Sqlite),
            Kind::Unknown => None,
        }
    }

    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Kind::PostgresArchive => "a PostgreSQL archive (pg_dump --format=custom)",
            Kind::PostgresScript => "a PostgreSQL SQL script, which `restore` does not read",
            Kind::MysqlDump { .. } => "a MySQL/MariaDB dump",
            Kind::Sqlite => "a SQLite database",
            Kind::Unknown => "not a backup of any database cargo migrate knows",
        }
    }
}

/// Reads what `path` is from its first and last bytes.
pub(crate) fn identify(path: &Path) -> std::io::Result<Kind> {
    let mut file = std::fs::File::open(path)?;
    let mut head = vec![0u8; 4096];
    let n = read_up_to(&mut file, &mut head)?;
    head.truncate(n);
    if head.starts_with(b"PGDMP") {
        return Ok(Kind::PostgresArchive);
    }
    if head.starts_with(b"SQLite format 3\0") {
        return Ok(Kind::Sqlite);
    }
    let text = String::from_utf8_lossy(&head);
    if text.contains("-- PostgreSQL database dump") {
        return Ok(Kind::PostgresScript);
    }
    let dump_header = text
        .lines()
        .take(4)
        .any(|l| l.starts_with("-- MariaDB dump") || l.starts_with("-- MySQL dump"));
    if dump_header {
        let database = text
            .lines()
            .find_map(|l| l.split_once("Database: ").map(|(_, d)| d.trim().to_owned()))
            .filter(|d| !d.is_empty());
        let len = file.seek(SeekFrom::End(0))?;
        file.seek(SeekFrom::Start(len.saturating_sub(512)))?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail)?;
        let tail = String::from_utf8_lossy(&tail);
        let complete = tail
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.starts_with("-- Dump completed"));
        return Ok(Kind::MysqlDump { database, complete });
    }
    Ok(Kind::Unknown)
}

fn read_up_to(file: &mut std::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        let n = file.read(&mut buffer[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_header_and_trailer() {
        let dir = std::env::temp_dir().join(format!("manifest-kinds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let file = |name: &str, bytes: &[u8]| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).expect("write");
            identify(&path).expect("identify")
        };
        assert_eq!(file("a.dump", b"PGDMP\x01\x0e\x00"), Kind::PostgresArchive);
        assert_eq!(file("a.db", b"SQLite format 3\0rest"), Kind::Sqlite);
        let dump = "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n--\n-- Host: 127.0.0.1    Database: app\n-- ---\nCREATE TABLE t (id int);\n\n-- Dump completed on 2026-12-08  0:54:58\n";
        assert_eq!(
            file("a.sql", dump.as_bytes()),
            Kind::MysqlDump {
                database: Some("app".to_owned()),
                complete: true
            }
        );
        let cut = &dump[..dump.len() - 45];
        assert_eq!(
            file("b.sql", cut.as_bytes()),
            Kind::MysqlDump {
                database: Some("app".to_owned()),
                complete: false
            }
        );
        assert_eq!(file("junk", b"\x00\x01garbage"), Kind::Unknown);
        assert_eq!(
            file("p.sql", b"--\n-- PostgreSQL database dump\n--\n"),
            Kind::PostgresScript
        );
        let (sha, size) = sha256_file(&dir.join("junk")).expect("sha");
        assert_eq!(size, 9);
        assert_eq!(sha.len(), 64);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
