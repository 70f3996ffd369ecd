//! A dialect-aware statement splitter.
//!
//! [`split`] cuts SQL text into pieces that cover it exactly: joined back, the pieces give the
//! text again, byte for byte. Each piece is one statement with the comments and whitespace before
//! it and its terminator, or trailing trivia at the end. The splitter knows each dialect's quotes
//! and comments, PostgreSQL `$tag$` dollar quoting and `E'…'` strings, MySQL `DELIMITER` lines,
//! and the `BEGIN … END` bodies of triggers, procedures and functions, which hold semicolons of
//! their own (SQLite triggers, MySQL procedures written without `DELIMITER`, PostgreSQL
//! `BEGIN ATOMIC`).
//!
//! It never fails: text that ends inside a string, comment or block is reported as a
//! [`LexicalIssue`] next to the pieces.

use std::ops::Range;

use crate::Dialect;
use crate::position::Position;

/// One piece of split SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The whole piece: leading trivia, the statement and its terminator. The spans of all
    /// pieces cover the input in order, without gaps or overlap.
    pub span: Range<usize>,
    /// The statement itself, from its first token to the end of its last token, without the
    /// terminator. Empty for [`StatementKind::Trivia`].
    pub body: Range<usize>,
    /// Where the body starts.
    pub start: Position,
    pub kind: StatementKind,
}

impl Statement {
    /// The statement text (the body).
    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        &sql[self.body.clone()]
    }
}

/// What a piece holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// A statement to send to the database.
    Sql,
    /// Comments and whitespace only, or an empty statement (`;;`): nothing to send.
    Trivia,
    /// A MySQL client `DELIMITER` line: it changes the terminator and is never sent.
    Delimiter,
}

/// Text that ends inside a construct that needs closing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexicalIssue {
    pub kind: LexicalIssueKind,
    /// Byte offset where the unclosed construct starts.
    pub offset: usize,
    pub position: Position,
}

/// The kinds of [`LexicalIssue`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LexicalIssueKind {
    UnterminatedString,
    UnterminatedQuotedIdentifier,
    UnterminatedBlockComment,
    UnterminatedDollarQuote {
        tag: String,
    },
    /// A `BEGIN` (or `CASE`) of a trigger, procedure or function body with no matching `END`.
    UnclosedBlock,
}

impl LexicalIssueKind {
    /// A sentence fragment describing the issue.
    pub fn describe(&self) -> String {
        match self {
            LexicalIssueKind::UnterminatedString => "a string literal is never closed".into(),
            LexicalIssueKind::UnterminatedQuotedIdentifier => {
                "a quoted identifier is never closed".into()
            }
            LexicalIssueKind::UnterminatedBlockComment => "a `/*` comment is never closed".into(),
            LexicalIssueKind::UnterminatedDollarQuote { tag } => {
                format!("the dollar quote `${tag}$` is never closed")
            }
            LexicalIssueKind::UnclosedBlock => "a `BEGIN` block has no matching `END`".into(),
        }
    }
}

/// The result of [`split`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    pub statements: Vec<Statement>,
    pub issues: Vec<LexicalIssue>,
}

impl Split {
    /// The pieces that hold SQL to send.
    pub fn sql(&self) -> impl Iterator<Item = &Statement> {
        self.statements
            .iter()
            .filter(|s| s.kind == StatementKind::Sql)
    }
}

/// Splits `sql` into statements for `dialect`.
pub fn split(sql: &str, dialect: Dialect) -> Split {
    Splitter::new(sql, dialect).run()
}

/// Whether a statement's text starts or ends a transaction: `BEGIN`, `START TRANSACTION`,
/// `COMMIT`, `END`, `ROLLBACK` (but not `ROLLBACK TO SAVEPOINT`, nor MariaDB's
/// `BEGIN NOT ATOMIC` block).
pub fn is_transaction_control(statement: &str) -> bool {
    let mut words = statement
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase);
    let first = words.next();
    let second = words.next();
    matches!(
        (first.as_deref(), second.as_deref()),
        (
            Some("BEGIN"),
            None | Some(
                "TRANSACTION"
                    | "WORK"
                    | "ISOLATION"
                    | "READ"
                    | "DEFERRED"
                    | "IMMEDIATE"
                    | "EXCLUSIVE",
            ),
        ) | (Some("START"), Some("TRANSACTION"))
            | (
                Some("COMMIT" | "END" | "ROLLBACK" | "ABORT"),
                None | Some("TRANSACTION" | "WORK" | "AND"),
            )
    )
}

/// Words that open a block in a compound statement body.
fn opens_block(word: &str) -> bool {
    word.eq_ignore_ascii_case("BEGIN") || word.eq_ignore_ascii_case("CASE")
}

/// Words after `END` that close a construct we do not count (`END IF`, `END LOOP`, …).
fn closes_uncounted(word: &str) -> bool {
    ["IF", "LOOP", "WHILE", "REPEAT", "FOR"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

/// Words that make a `CREATE` statement one whose body may hold `;`.
fn is_routine_word(word: &str) -> bool {
    ["TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

/// Words after `CREATE` that name an object kind without a `BEGIN … END` body.
fn is_object_word(word: &str) -> bool {
    [
        "TABLE",
        "INDEX",
        "UNIQUE",
        "VIEW",
        "SCHEMA",
        "DATABASE",
        "SEQUENCE",
        "TYPE",
        "EXTENSION",
        "DOMAIN",
        "MATERIALIZED",
        "POLICY",
        "ROLE",
        "USER",
        "RULE",
        "COLLATION",
        "CAST",
        "SERVER",
        "TABLESPACE",
        "PUBLICATION",
        "SUBSCRIPTION",
        "STATISTICS",
        "VIRTUAL",
        "FULLTEXT",
        "SPATIAL",
        "UNLOGGED",
    ]
    .iter()
    .any(|w| word.eq_ignore_ascii_case(w))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Head {
    Start,
    AfterCreate,
    AfterBegin,
    Decided,
}

struct Splitter<'a> {
    sql: &'a str,
    bytes: &'a [u8],
    dialect: Dialect,
    pos: usize,
    out: Split,
    /// The terminator; `;` unless a MySQL `DELIMITER` line changed it.
    delimiter: String,
    // State of the current statement.
    piece_start: usize,
    body_start: Option<usize>,
    body_end: usize,
    /// How far the first words of the statement have told whether it is a routine.
    head: Head,
    compound: bool,
    depth: u32,
    block_start: usize,
    after_end: bool,
}

impl<'a> Splitter<'a> {
    fn new(sql: &'a str, dialect: Dialect) -> Self {
        Splitter {
            sql,
            bytes: sql.as_bytes(),
            dialect,
            pos: 0,
            out: Split::default(),
            delimiter: ";".to_owned(),
            piece_start: 0,
            body_start: None,
            body_end: 0,
            head: Head::Start,
            compound: false,
            depth: 0,
            block_start: 0,
            after_end: false,
        }
    }

    fn run(mut self) -> Split {
        while self.pos < self.bytes.len() {
            if self.body_start.is_none()
                && self.dialect == Dialect::Mysql
                && self.at_delimiter_line()
            {
                continue;
            }
            if self.skip_trivia() {
                continue;
            }
            if (self.depth == 0 || self.delimiter != ";")
                && self.bytes[self.pos..].starts_with(self.delimiter.as_bytes())
            {
                let end = self.pos + self.delimiter.len();
                self.finish_piece(end);
                continue;
            }
            self.token();
        }
        if self.depth > 0 {
            self.issue(LexicalIssueKind::UnclosedBlock, self.block_start);
        }
        if self.piece_start < self.bytes.len() {
            self.finish_piece(self.bytes.len());
        }
        self.out
    }

    fn issue(&mut self, kind: LexicalIssueKind, offset: usize) {
        let position = Position::of_offset(self.sql, offset);
        self.out.issues.push(LexicalIssue {
            kind,
            offset,
            position,
        });
    }

    fn finish_piece(&mut self, end: usize) {
        let (body, kind) = match self.body_start {
            Some(start) => (start..self.body_end, StatementKind::Sql),
            None => {
                let at = end.min(self.bytes.len());
                (at..at, StatementKind::Trivia)
            }
        };
        self.push(self.piece_start..end, body, kind);
    }

    fn push(&mut self, span: Range<usize>, body: Range<usize>, kind: StatementKind) {
        let start = Position::of_offset(self.sql, body.start);
        self.out.statements.push(Statement {
            span: span.clone(),
            body,
            start,
            kind,
        });
        self.piece_start = span.end;
        self.pos = span.end;
        self.body_start = None;
        self.head = Head::Start;
        self.compound = false;
        self.depth = 0;
        self.after_end = false;
    }

    /// A MySQL client `DELIMITER xx` line at the start of a statement.
    fn at_delimiter_line(&mut self) -> bool {
        // Only at the start of a line, after the trivia that precedes a statement.
        let line_start = self.sql[..self.pos].rfind('\n').map_or(0, |i| i + 1);
        if !self.sql[line_start..self.pos].trim().is_empty() {
            return false;
        }
        let rest = &self.sql[self.pos..];
        let keyword = "DELIMITER";
        if rest.len() <= keyword.len()
            || !rest.is_char_boundary(keyword.len())
            || !rest[..keyword.len()].eq_ignore_ascii_case(keyword)
            || !matches!(rest.as_bytes()[keyword.len()], b' ' | b'\t')
        {
            return false;
        }
        let line_end = rest.find('\n').map_or(self.sql.len(), |i| self.pos + i);
        let mut end = line_end;
        if end > self.pos && self.bytes[end - 1] == b'\r' {
            end -= 1;
        }
        let new_delimiter = self.sql[self.pos + keyword.len()..end].trim();
        if new_delimiter.is_empty() {
            return false;
        }
        self.delimiter = new_delimiter.to_owned();
        let body = self.pos..end;
        self.push(self.piece_start..end, body, StatementKind::Delimiter);
        true
    }

    /// Skips whitespace and comments; returns whether it moved.
    fn skip_trivia(&mut self) -> bool {
        let start = self.pos;
        let b = self.bytes[self.pos];
        if is_sql_space(b) {
            self.pos += 1;
        } else if (b == b'-' && self.peek(1) == Some(b'-') && self.line_comment_allowed())
            || (b == b'#' && self.dialect == Dialect::Mysql)
        {
            self.skip_line();
        } else if b == b'/' && self.peek(1) == Some(b'*') {
            self.skip_block_comment();
        }
        self.pos != start
    }

    fn line_comment_allowed(&self) -> bool {
        // MySQL needs whitespace (or the end) after `--`.
        self.dialect != Dialect::Mysql
            || self
                .peek(2)
                .is_none_or(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    }

    fn skip_line(&mut self) {
        self.pos = self.sql[self.pos..]
            .find('\n')
            .map_or(self.bytes.len(), |i| self.pos + i);
    }

    fn skip_block_comment(&mut self) {
        let start = self.pos;
        let nests = self.dialect == Dialect::Postgres;
        let mut level = 0u32;
        while self.pos < self.bytes.len() {
            if self.bytes[self.pos] == b'/' && self.peek(1) == Some(b'*') {
                if level == 0 || nests {
                    level += 1;
                }
                self.pos += 2;
            } else if self.bytes[self.pos] == b'*' && self.peek(1) == Some(b'/') {
                self.pos += 2;
                level -= 1;
                if level == 0 {
                    return;
                }
            } else {
                self.pos += 1;
            }
        }
        self.issue(LexicalIssueKind::UnterminatedBlockComment, start);
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    /// Consumes one token of the statement body.
    fn token(&mut self) {
        let start = self.pos;
        if self.body_start.is_none() {
            self.body_start = Some(start);
        }
        let b = self.bytes[start];
        let mut word = None;
        match b {
            b'\'' => self.quoted(b'\'', self.dialect == Dialect::Mysql, false),
            b'"' => {
                let is_string = self.dialect == Dialect::Mysql;
                self.quoted(b'"', is_string, !is_string);
            }
            b'`' if self.dialect != Dialect::Postgres => self.quoted(b'`', false, true),
            b'[' if self.dialect == Dialect::Sqlite => self.bracketed(),
            b'$' if self.dialect == Dialect::Postgres && self.dollar_quote() => {}
            b'e' | b'E'
                if self.dialect == Dialect::Postgres
                    && self.peek(1) == Some(b'\'')
                    && !self.preceded_by_word_char(start) =>
            {
                self.pos += 1;
                self.quoted(b'\'', true, false);
            }
            _ if is_word_start(b) => {
                self.pos += 1;
                let custom = self.delimiter != ";";
                while self.pos < self.bytes.len()
                    && is_word_char(self.bytes[self.pos])
                    && !(custom && self.bytes[self.pos..].starts_with(self.delimiter.as_bytes()))
                {
                    self.pos += 1;
                }
                word = Some(start..self.pos);
            }
            _ => {
                // One character of anything else (operators, digits, punctuation).
                let len = self.sql[start..].chars().next().map_or(1, char::len_utf8);
                self.pos += len;
            }
        }
        self.body_end = self.pos;
        match word {
            Some(range) => self.on_word(range),
            None => {
                self.after_end = false;
                if b == b'(' && self.head == Head::AfterCreate {
                    self.head = Head::Decided;
                }
            }
        }
    }

    fn preceded_by_word_char(&self, at: usize) -> bool {
        at > 0 && is_word_char(self.bytes[at - 1])
    }

    fn on_word(&mut self, range: Range<usize>) {
        let word = &self.sql[range.clone()];
        match self.head {
            Head::Start => {
                self.head = if word.eq_ignore_ascii_case("CREATE") {
                    Head::AfterCreate
                } else if word.eq_ignore_ascii_case("BEGIN") {
                    Head::AfterBegin
                } else {
                    Head::Decided
                };
            }
            Head::AfterCreate => {
                if is_routine_word(word) {
                    self.compound = true;
                    self.head = Head::Decided;
                } else if is_object_word(word) {
                    self.head = Head::Decided;
                }
            }
            Head::AfterBegin => {
                // `BEGIN NOT ATOMIC …` (MariaDB) is a block of its own; `BEGIN WORK` is not.
                if word.eq_ignore_ascii_case("NOT") {
                    self.compound = true;
                    self.depth = 1;
                    self.block_start = self.body_start.unwrap_or(range.start);
                }
                self.head = Head::Decided;
            }
            Head::Decided => {}
        }
        if !self.compound {
            return;
        }
        if self.after_end {
            self.after_end = false;
            if closes_uncounted(word) {
                // `END IF` and the like: the `END` closed nothing we counted.
                self.depth += 1;
                return;
            }
            if word.eq_ignore_ascii_case("CASE") {
                return;
            }
        }
        if opens_block(word) {
            if self.depth == 0 {
                self.block_start = range.start;
            }
            self.depth += 1;
        } else if word.eq_ignore_ascii_case("END") && self.depth > 0 {
            self.depth -= 1;
            self.after_end = true;
        }
    }

    /// A quoted string or identifier closed by `quote`, where a doubled quote stands for itself.
    fn quoted(&mut self, quote: u8, backslash_escapes: bool, identifier: bool) {
        let start = self.pos;
        self.pos += 1;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if backslash_escapes && b == b'\\' {
                self.pos += 2;
                continue;
            }
            self.pos += 1;
            if b == quote {
                if self.peek(0) == Some(quote) {
                    self.pos += 1;
                    continue;
                }
                return;
            }
        }
        self.pos = self.bytes.len();
        let kind = if identifier {
            LexicalIssueKind::UnterminatedQuotedIdentifier
        } else {
            LexicalIssueKind::UnterminatedString
        };
        self.issue(kind, start);
    }

    /// A SQLite `[identifier]`.
    fn bracketed(&mut self) {
        let start = self.pos;
        match self.sql[start..].find(']') {
            Some(i) => self.pos = start + i + 1,
            None => {
                self.pos = self.bytes.len();
                self.issue(LexicalIssueKind::UnterminatedQuotedIdentifier, start);
            }
        }
    }

    /// A PostgreSQL `$tag$ … $tag$` string. Returns false (consuming nothing) when the `$` does
    /// not open one, as in `$1` or an identifier containing `$`.
    fn dollar_quote(&mut self) -> bool {
        let start = self.pos;
        if self.preceded_by_word_char(start) {
            return false;
        }
        let mut end = start + 1;
        while end < self.bytes.len() && self.bytes[end] != b'$' {
            let c = self.bytes[end];
            let ok = if end == start + 1 {
                c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
            } else {
                c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
            };
            if !ok {
                return false;
            }
            end += 1;
        }
        if end >= self.bytes.len() {
            return false;
        }
        let opener = &self.sql[start..=end];
        match self.sql[end + 1..].find(opener) {
            Some(i) => self.pos = end + 1 + i + opener.len(),
            None => {
                self.pos = self.bytes.len();
                let tag = opener.trim_matches('$').to_owned();
                self.issue(LexicalIssueKind::UnterminatedDollarQuote { tag }, start);
            }
        }
        true
    }
}

/// Whitespace as PostgreSQL and SQLite read it: ASCII whitespace and the vertical tab.
pub fn is_sql_space(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0b
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(sql: &str, dialect: Dialect) -> Vec<&str> {
        let split = split(sql, dialect);
        assert!(split.issues.is_empty(), "{:?}", split.issues);
        let joined: String = split
            .statements
            .iter()
            .map(|s| &sql[s.span.clone()])
            .collect();
        assert_eq!(joined, sql);
        split.sql().map(|s| s.text(sql)).collect()
    }

    #[test]
    fn splits_simple_statements_and_keeps_trivia() {
        let sql =
            "-- lead\nCREATE TABLE a (x int);\n\n/* c; */ INSERT INTO a VALUES (1) ;\n-- tail\n";
        assert_eq!(
            bodies(sql, Dialect::Postgres),
            ["CREATE TABLE a (x int)", "INSERT INTO a VALUES (1)"]
        );
        let split = split(sql, Dialect::Postgres);
        assert_eq!(
            split.statements[1].start,
            Position {
                line: 4,
                column: 10
            }
        );
        assert_eq!(
            split.statements.last().map(|s| s.kind),
            Some(StatementKind::Trivia)
        );
    }

    #[test]
    fn statement_without_terminator_at_end() {
        assert_eq!(
            bodies("SELECT 1; SELECT 2", Dialect::Sqlite),
            ["SELECT 1", "SELECT 2"]
        );
    }

    #[test]
    fn quotes_hide_semicolons() {
        let sql = "SELECT 'a;''b', \"c;\"\"d\"; SELECT 2;";
        assert_eq!(bodies(sql, Dialect::Postgres).len(), 2);
        let sql = r#"SELECT 'it\'s;', "x\";"; SELECT `a;b`;"#;
        assert_eq!(bodies(sql, Dialect::Mysql).len(), 2);
        let sql = "SELECT [a;b], `c;d` FROM t; SELECT 2;";
        assert_eq!(bodies(sql, Dialect::Sqlite).len(), 2);
    }

    #[test]
    fn postgres_escape_strings_and_standard_strings() {
        // In E'' strings a backslash escapes the quote; in standard strings it does not.
        let sql = r"SELECT E'a\';b'; SELECT 'c\'; SELECT 3;";
        assert_eq!(
            bodies(sql, Dialect::Postgres),
            [r"SELECT E'a\';b'", r"SELECT 'c\'", "SELECT 3"]
        );
    }

    #[test]
    fn dollar_quoting() {
        let sql = "CREATE FUNCTION f() RETURNS trigger AS $body$\nBEGIN\n  x := 'a;$$';\n  RETURN NEW;\nEND;\n$body$ LANGUAGE plpgsql;\nDO $$ BEGIN PERFORM 1; END $$;\nSELECT $1, a$b$ FROM t;";
        let got = bodies(sql, Dialect::Postgres);
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got[0].ends_with("LANGUAGE plpgsql"));
    }

    #[test]
    fn nested_block_comments_in_postgres_only() {
        let sql = "/* a /* b; */ c; */ SELECT 1; SELECT 2;";
        assert_eq!(bodies(sql, Dialect::Postgres), ["SELECT 1", "SELECT 2"]);
        // MySQL and SQLite close at the first `*/`.
        let sql = "/* a /* b */ SELECT 1; SELECT 2;";
        assert_eq!(bodies(sql, Dialect::Sqlite), ["SELECT 1", "SELECT 2"]);
    }

    #[test]
    fn sqlite_trigger_body_stays_whole() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  UPDATE b SET n = n + 1;\n  UPDATE c SET k = CASE WHEN n > 1 THEN 1 ELSE 0 END;\nEND;\nSELECT 1;";
        let got = bodies(sql, Dialect::Sqlite);
        assert_eq!(got.len(), 2, "{got:#?}");
        assert!(got[0].ends_with("END"));
    }

    #[test]
    fn mysql_procedure_without_delimiter() {
        let sql = "DROP PROCEDURE IF EXISTS p;\nCREATE PROCEDURE p(IN t VARCHAR(64))\nBEGIN\n  IF EXISTS(SELECT 1) THEN\n    SET @q = CONCAT('ALTER TABLE ', t, ';');\n    PREPARE s FROM @q;\n    EXECUTE s;\n  END IF;\n  CASE WHEN 1 THEN SELECT 1; END CASE;\n  WHILE 0 DO SELECT 2; END WHILE;\nEND;\nCALL p('x');";
        let got = bodies(sql, Dialect::Mysql);
        assert_eq!(got.len(), 3, "{got:#?}");
    }

    #[test]
    fn mysql_delimiter_lines() {
        let sql =
            "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\nCALL p();\n";
        let split = split(sql, Dialect::Mysql);
        let kinds: Vec<_> = split.statements.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                StatementKind::Delimiter,
                StatementKind::Sql,
                StatementKind::Delimiter,
                StatementKind::Sql,
                StatementKind::Trivia
            ]
        );
        assert_eq!(
            split.statements[1].text(sql),
            "CREATE PROCEDURE p() BEGIN SELECT 1; END"
        );
    }

    #[test]
    fn mysql_comments() {
        let sql =
            "# hash; comment\nSELECT 1 --not a comment in mysql\n;-- real; comment\nSELECT 2;";
        assert_eq!(
            bodies(sql, Dialect::Mysql),
            ["SELECT 1 --not a comment in mysql", "SELECT 2"]
        );
    }

    #[test]
    fn begin_transaction_is_not_a_block() {
        let sql = "BEGIN;\nCREATE TABLE a (x int);\nCOMMIT;";
        assert_eq!(bodies(sql, Dialect::Postgres).len(), 3);
        assert_eq!(bodies(sql, Dialect::Mysql).len(), 3);
    }

    #[test]
    fn transaction_control() {
        for yes in [
            "BEGIN",
            "begin transaction",
            "START TRANSACTION",
            "COMMIT",
            "end",
            "ROLLBACK",
            "BEGIN IMMEDIATE",
        ] {
            assert!(is_transaction_control(yes), "{yes}");
        }
        for no in [
            "BEGIN NOT ATOMIC SELECT 1; END",
            "ROLLBACK TO SAVEPOINT a",
            "CREATE TABLE begin (x int)",
            "SELECT 1",
        ] {
            assert!(!is_transaction_control(no), "{no}");
        }
    }

    #[test]
    fn object_words_stop_routine_detection() {
        let sql = "CREATE TABLE events (function text, begin int, b int);\nSELECT 1;";
        assert_eq!(bodies(sql, Dialect::Mysql).len(), 2);
        let sql = "CREATE DEFINER=`root`@`%` PROCEDURE p() BEGIN SELECT 1; END;\nSELECT 2;";
        assert_eq!(bodies(sql, Dialect::Mysql).len(), 2);
    }

    #[test]
    fn postgres_begin_atomic() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT f();";
        assert_eq!(bodies(sql, Dialect::Postgres).len(), 2);
    }

    #[test]
    fn reports_unterminated_constructs() {
        let cases: [(&str, Dialect, LexicalIssueKind); 5] = [
            (
                "SELECT 'abc",
                Dialect::Postgres,
                LexicalIssueKind::UnterminatedString,
            ),
            (
                "SELECT \"abc",
                Dialect::Sqlite,
                LexicalIssueKind::UnterminatedQuotedIdentifier,
            ),
            (
                "SELECT 1 /* x",
                Dialect::Mysql,
                LexicalIssueKind::UnterminatedBlockComment,
            ),
            (
                "DO $x$ BEGIN",
                Dialect::Postgres,
                LexicalIssueKind::UnterminatedDollarQuote { tag: "x".into() },
            ),
            (
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1;",
                Dialect::Sqlite,
                LexicalIssueKind::UnclosedBlock,
            ),
        ];
        for (sql, dialect, kind) in cases {
            let split = split(sql, dialect);
            assert_eq!(split.issues.len(), 1, "{sql}");
            assert_eq!(split.issues[0].kind, kind, "{sql}");
            let joined: String = split
                .statements
                .iter()
                .map(|s| &sql[s.span.clone()])
                .collect();
            assert_eq!(joined, sql);
        }
    }
}
