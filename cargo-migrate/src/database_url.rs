//! The database URL, read once at the edge: its dialect, its database, the parts the servers'
//! tools take (percent-decoded), and how it prints, with the password masked. Nothing
//! downstream reads the URL's text again.

use std::fmt;
use std::path::PathBuf;

use migrate_core::Dialect;
use percent_encoding::percent_decode_str;

/// A database URL whose scheme names a dialect.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct DatabaseUrl {
    text: String,
    dialect: Dialect,
}

impl DatabaseUrl {
    /// The URL, when its scheme is `postgres://`, `mysql://` or `sqlite:`; `None` otherwise.
    pub(crate) fn parse(text: &str) -> Option<DatabaseUrl> {
        Dialect::from_url(text).map(|dialect| DatabaseUrl {
            text: text.to_owned(),
            dialect,
        })
    }

    /// The URL as given, password included: for connecting, never for printing.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The URL with its password masked (`postgres://app:***@host/db`).
    pub(crate) fn masked(&self) -> String {
        crate::output::mask_url(&self.text)
    }

    /// The file of a SQLite URL; `None` for an in-memory database or another dialect.
    pub(crate) fn sqlite_file(&self) -> Option<PathBuf> {
        if self.dialect != Dialect::Sqlite {
            return None;
        }
        let rest = self
            .text
            .strip_prefix("sqlite://")
            .or_else(|| self.text.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next()?;
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    /// A server URL, read by the `url` crate; the reason when it does not read (a bad port,
    /// a password with `/` in it).
    fn server(&self) -> Result<url::Url, String> {
        url::Url::parse(&self.text).map_err(|e| e.to_string())
    }

    /// The server's parts, decoded, for its command-line tools; the reason when the URL does
    /// not read.
    pub(crate) fn parts(&self) -> Result<ServerParts, String> {
        let url = self.server()?;
        let decoded = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        Ok(ServerParts {
            host: url.host_str().map(str::to_owned),
            port: url.port(),
            user: (!url.username().is_empty()).then(|| decoded(url.username())),
            password: url.password().map(decoded),
            database: decoded(url.path().trim_start_matches('/')),
            sslmode: url
                .query_pairs()
                .find(|(k, _)| k == "sslmode")
                .map(|(_, v)| v.into_owned()),
        })
    }

    /// The database a server URL names, decoded; `None` when it names none or does not read.
    pub(crate) fn database(&self) -> Option<String> {
        self.parts()
            .ok()
            .map(|p| p.database)
            .filter(|d| !d.is_empty())
    }

    /// `host:port` (or `host`) of a server URL, without user or password.
    pub(crate) fn host(&self) -> Option<String> {
        let parts = self.parts().ok()?;
        let host = parts.host?;
        Some(match parts.port {
            Some(port) => format!("{host}:{port}"),
            None => host,
        })
    }

    /// The same server, another database.
    pub(crate) fn with_database(&self, name: &str) -> Result<DatabaseUrl, String> {
        let mut url = self.server()?;
        url.set_path(&format!("/{name}"));
        Ok(DatabaseUrl {
            text: url.to_string(),
            dialect: self.dialect,
        })
    }
}

/// What a server's tools need to connect, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerParts {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub database: String,
    pub sslmode: Option<String>,
}

/// Prints masked: a URL never shows its password.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Debug prints masked too, so a `{:?}` of a struct holding one shows no password.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_dialect_and_masks_its_password() {
        let pg =
            DatabaseUrl::parse("postgres://app:p%40ss%2Bw+rd@db:5433/my%20app?sslmode=require")
                .expect("a URL");
        assert_eq!(pg.dialect(), Dialect::Postgres);
        assert_eq!(
            pg.to_string(),
            "postgres://app:***@db:5433/my%20app?sslmode=require"
        );
        assert!(!format!("{pg:?}").contains("p%40ss"));
        let parts = pg.parts().expect("parts");
        assert_eq!(parts.password.as_deref(), Some("p@ss+w+rd"));
        assert_eq!(parts.user.as_deref(), Some("app"));
        assert_eq!(parts.database, "my app");
        assert_eq!(parts.sslmode.as_deref(), Some("require"));
        assert_eq!(pg.host().as_deref(), Some("db:5433"));
        assert_eq!(
            pg.with_database("other").expect("URL").as_str(),
            "postgres://app:p%40ss%2Bw+rd@db:5433/other?sslmode=require"
        );
        let sqlite = DatabaseUrl::parse("sqlite://dev.db?mode=rwc").expect("a URL");
        assert_eq!(sqlite.sqlite_file(), Some(PathBuf::from("dev.db")));
        assert_eq!(
            DatabaseUrl::parse("sqlite::memory:").and_then(|u| u.sqlite_file()),
            None
        );
        assert!(DatabaseUrl::parse("ftp://x/y").is_none());
        // A URL that does not read is still masked, and says why it does not read.
        let bad = DatabaseUrl::parse("mysql://u:pa/ss@h/db").expect("a MySQL URL");
        assert_eq!(bad.to_string(), "mysql://u:***@h/db");
        assert!(bad.parts().is_err());
    }
}
