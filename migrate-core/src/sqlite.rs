//! What the SQLite runner and the SQLite check must agree on about a migration's pragmas.
//!
//! SQLite ignores `PRAGMA foreign_keys` inside a transaction, and the runner runs migrations in
//! one. A migration that turns enforcement off gets what SQLite's documentation prescribes for
//! schema changes (<https://www.sqlite.org/lang_altertable.html#otheralter>): enforcement off
//! before its own transaction begins, `PRAGMA foreign_key_check` before the commit, enforcement
//! on again after it. Both the runtime and the check call [`foreign_keys_off`] to decide.

use crate::Dialect;
use crate::split::split;

/// A `PRAGMA` statement: its name (lowercase, without a schema) and its value, if set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pragma {
    pub name: String,
    /// The value as written, without quotes or parentheses, lowercase; `None` for a query.
    pub value: Option<String>,
}

/// Reads a statement as a pragma: `PRAGMA [schema.]name [= value | (value)]`.
pub fn pragma(statement: &str) -> Option<Pragma> {
    let rest = strip_keyword(statement.trim_start(), "PRAGMA")?;
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    let qualified = &rest[..end];
    let name = qualified.rsplit('.').next().unwrap_or(qualified);
    if name.is_empty() {
        return None;
    }
    let tail = rest[end..].trim();
    let value = tail
        .strip_prefix('=')
        .or_else(|| tail.strip_prefix('(').map(|t| t.trim_end_matches(')')))
        .map(|v| {
            v.trim()
                .trim_matches(|c| c == '\'' || c == '"')
                .to_ascii_lowercase()
        });
    Some(Pragma {
        name: name.to_ascii_lowercase(),
        value,
    })
}

fn strip_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let head = text.get(..keyword.len())?;
    let rest = &text[keyword.len()..];
    (head.eq_ignore_ascii_case(keyword)
        && rest
            .chars()
            .next()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_')))
    .then_some(rest)
}

/// Whether a pragma value turns a boolean setting off (`OFF`, `0`, `false`, `no`).
pub fn is_off(value: &str) -> bool {
    matches!(value, "off" | "0" | "false" | "no")
}

/// Whether the migration's SQL says `PRAGMA foreign_keys = OFF` anywhere: the runner then
/// runs it with enforcement off, in a transaction of its own, and checks the references
/// before it commits.
pub fn foreign_keys_off(sql: &str) -> bool {
    split(sql, Dialect::Sqlite).sql().any(|s| {
        pragma(s.text(sql))
            .is_some_and(|p| p.name == "foreign_keys" && p.value.as_deref().is_some_and(is_off))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pragmas() {
        let p = pragma("PRAGMA foreign_keys = OFF").expect("a pragma");
        assert_eq!(
            (p.name.as_str(), p.value.as_deref()),
            ("foreign_keys", Some("off"))
        );
        let p = pragma("pragma main.journal_mode('WAL')").expect("a pragma");
        assert_eq!(
            (p.name.as_str(), p.value.as_deref()),
            ("journal_mode", Some("wal"))
        );
        assert_eq!(
            pragma("PRAGMA foreign_key_check").map(|p| p.value),
            Some(None)
        );
        assert!(pragma("PRAGMATIC").is_none());
        assert!(pragma("SELECT 1").is_none());
    }

    #[test]
    fn finds_foreign_keys_off() {
        assert!(foreign_keys_off(
            "-- rebuild\nPRAGMA foreign_keys=0;\nCREATE TABLE a (id INTEGER);\nPRAGMA foreign_keys = ON;"
        ));
        assert!(!foreign_keys_off(
            "PRAGMA foreign_keys = ON; CREATE TABLE a (id INTEGER);"
        ));
        assert!(!foreign_keys_off(
            "-- PRAGMA foreign_keys = OFF\nSELECT 'PRAGMA foreign_keys = OFF';"
        ));
    }
}
