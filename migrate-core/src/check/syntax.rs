//! Syntax, per dialect: PostgreSQL through an exact parser; MySQL through lexical checks, a list
//! of PostgreSQL-only and SQLite-only syntax and, with the `mysql` feature, sqlparser's MySQL
//! grammar where it models MySQL well ([`super::mysql`]). SQLite is checked by executing the
//! migrations, in [`super::sqlite`].

use crate::Dialect;
use crate::split::{LexicalIssue, split};

use super::tokens::{Tok, tokens};

/// A syntax problem at a byte offset of the checked text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxProblem {
    /// `syntax-error`, or the rule of a statement the server refuses for another reason
    /// (`concurrent-in-transaction`, `foreign-key-check`).
    pub(crate) rule: &'static str,
    pub(crate) offset: usize,
    pub(crate) message: String,
    pub(crate) fix: String,
}

pub(crate) fn lexical(issues: Vec<LexicalIssue>) -> Vec<SyntaxProblem> {
    issues
        .into_iter()
        .map(|i| SyntaxProblem {
            rule: "syntax-error",
            offset: i.offset,
            message: i.kind.describe(),
            fix: "close it; the rest of the file is read as part of it".to_owned(),
        })
        .collect()
}

/// PostgreSQL: squawk-syntax's parser, which matched PostgreSQL's own on every DDL statement
/// tried.
pub(crate) fn postgres(sql: &str) -> Vec<SyntaxProblem> {
    let parse = squawk_syntax::SourceFile::parse(sql);
    let mut out: Vec<SyntaxProblem> = parse
        .errors()
        .iter()
        .map(|e| SyntaxProblem {
            rule: "syntax-error",
            offset: usize::from(e.range().start()).min(sql.len()),
            message: format!("PostgreSQL syntax error: {}", e.message()),
            fix: "fix the statement; the migration would fail on PostgreSQL".to_owned(),
        })
        .collect();
    // One finding per statement: later errors in it usually follow from the first. An error
    // just past a statement's end (a missing token before `;`) belongs to that statement.
    let starts: Vec<usize> = split(sql, Dialect::Postgres)
        .sql()
        .map(|s| s.body.start)
        .collect();
    let statement_of = |offset: usize| starts.iter().rposition(|&start| start <= offset);
    out.dedup_by(|b, a| statement_of(a.offset) == statement_of(b.offset));
    out
}

/// Words that exist only in PostgreSQL or SQLite and that MySQL/MariaDB reject, with what to
/// write instead. Only unambiguous cases: a guess never fails a build. (Type names such as
/// `JSONB` are not here: a column may be called that. sqlparser's check judges types where a
/// type is written.)
const NOT_MYSQL: &[(&[&str], &str, &str)] = &[
    (
        &["CONCURRENTLY"],
        "`CONCURRENTLY` is PostgreSQL syntax",
        "MySQL builds most indexes online; use `ALGORITHM=INPLACE, LOCK=NONE`",
    ),
    (
        &["ILIKE"],
        "`ILIKE` is PostgreSQL syntax",
        "use `LIKE` with a case-insensitive collation",
    ),
    (
        &["CREATE", "EXTENSION"],
        "`CREATE EXTENSION` is PostgreSQL syntax",
        "remove it; MySQL has no extensions",
    ),
    (
        &["LANGUAGE", "PLPGSQL"],
        "PL/pgSQL is PostgreSQL's language",
        "write the routine as a MySQL procedure",
    ),
    (
        &["AUTOINCREMENT"],
        "`AUTOINCREMENT` is SQLite's spelling",
        "use `AUTO_INCREMENT`",
    ),
    (
        &["WITHOUT", "ROWID"],
        "`WITHOUT ROWID` is SQLite syntax",
        "remove it",
    ),
    (
        &["PRAGMA"],
        "`PRAGMA` is SQLite syntax",
        "remove it, or use the MySQL setting it stands for",
    ),
    (
        &["AS", "IDENTITY"],
        "identity columns are PostgreSQL syntax",
        "use `AUTO_INCREMENT`",
    ),
    (
        &["SET", "NOT", "NULL"],
        "`ALTER COLUMN … SET NOT NULL` is PostgreSQL syntax",
        "use `MODIFY COLUMN c <type> NOT NULL`",
    ),
    (
        &["DROP", "NOT", "NULL"],
        "`ALTER COLUMN … DROP NOT NULL` is PostgreSQL syntax",
        "use `MODIFY COLUMN c <type> NULL`",
    ),
];

/// MySQL/MariaDB: unclosed constructs, PostgreSQL dollar quotes and casts, and the words above.
pub(crate) fn mysql(sql: &str) -> Vec<SyntaxProblem> {
    let split = split(sql, Dialect::Mysql);
    let mut out = lexical(split.issues.clone());
    for s in split.sql() {
        let text = s.text(sql);
        let toks = tokens(text, Dialect::Mysql);
        let words: Vec<&str> = toks
            .iter()
            .map(|t| match &t.tok {
                Tok::Word { upper, .. } => upper.as_str(),
                _ => "",
            })
            .collect();
        let mut found = None;
        for (i, t) in toks.iter().enumerate() {
            if t.is_punct("::") {
                found = Some((
                    t.offset,
                    "`::` casts are PostgreSQL syntax".to_owned(),
                    "use `CAST(x AS type)`".to_owned(),
                ));
                break;
            }
            if t.is_punct("$") && toks.get(i + 1).is_some_and(|n| n.is_punct("$")) {
                found = Some((
                    t.offset,
                    "`$$` quoting is PostgreSQL syntax".to_owned(),
                    "write the body as a MySQL `BEGIN … END` block".to_owned(),
                ));
                break;
            }
            if t.is_punct("[") && toks.get(i + 1).is_some_and(|n| n.is_punct("]")) {
                found = Some((
                    t.offset,
                    "array types are PostgreSQL syntax".to_owned(),
                    "use `JSON`".to_owned(),
                ));
                break;
            }
            if let Some((words_, what, fix)) = NOT_MYSQL
                .iter()
                .find(|(w, _, _)| words.get(i..i + w.len()) == Some(w))
            {
                let _ = words_;
                found = Some((
                    t.offset,
                    format!("{what}, which MySQL and MariaDB reject"),
                    (*fix).to_owned(),
                ));
                break;
            }
        }
        if let Some((offset, message, fix)) = found {
            out.push(SyntaxProblem {
                rule: "syntax-error",
                offset: s.body.start + offset,
                message,
                fix,
            });
        }
    }
    // The parser's findings, for the statements the word list found nothing in.
    #[cfg(feature = "mysql")]
    {
        let spans: Vec<std::ops::Range<usize>> = split.sql().map(|s| s.span.clone()).collect();
        let statement_of = |offset: usize| spans.iter().position(|r| r.contains(&offset));
        let judged: Vec<Option<usize>> = out.iter().map(|p| statement_of(p.offset)).collect();
        for p in super::mysql::problems(sql) {
            if !judged.contains(&statement_of(p.offset)) {
                out.push(p);
            }
        }
        out.sort_by_key(|p| p.offset);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(sql: &str, offset: usize) -> usize {
        sql[..offset.min(sql.len())].matches('\n').count()
    }

    #[test]
    fn postgres_errors_point_at_the_statement() {
        assert!(
            postgres("CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY i ON a (id);").is_empty()
        );
        let p = postgres("CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN;");
        assert_eq!(p.len(), 1);
        assert_eq!(
            line_of(
                "CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN;",
                p[0].offset
            ),
            1
        );
    }

    #[test]
    fn mysql_flags_foreign_syntax_only() {
        assert!(mysql("CREATE TABLE a (id BIGINT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\nALTER TABLE a ADD INDEX i (id), ALGORITHM=INPLACE, LOCK=NONE;").is_empty());
        assert_eq!(mysql("CREATE INDEX CONCURRENTLY i ON a (id);").len(), 1);
        assert_eq!(mysql("SELECT x::text FROM a;").len(), 1);
        assert_eq!(
            mysql("CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);").len(),
            1
        );
        assert_eq!(mysql("SELECT 'unterminated").len(), 1);
    }
}
