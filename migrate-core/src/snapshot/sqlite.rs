//! SQLite: `sqlite_master` holds each table, index, view and trigger as the `CREATE`
//! statement that makes it (SQLite keeps the text it was given, with `IF NOT EXISTS` and
//! `TEMP` taken out, and rewrites it on `ALTER TABLE`). The snapshot reads those statements:
//!
//! - a table is cut into its columns, each with its declaration (`integer not null default 0
//!   references users(id)`), its table constraints and its options (`without rowid`,
//!   `strict`), so a column a down adds back at the end compares equal to the one that was in
//!   the middle;
//! - indexes, views and triggers keep their whole statement.
//!
//! Every statement is normalized: comments and line breaks go, words and identifiers are
//! lower-cased (SQLite's identifiers ignore ASCII case) and unquoted where they can be, and
//! spacing is made uniform, so `"Users"` written by a rebuild equals `users` written by hand.
//! String literals stay as written. An unnamed table constraint is named by its text, and the
//! indexes SQLite makes for `UNIQUE` and `PRIMARY KEY` (`sqlite_autoindex_*`, which have no
//! statement) are described by those constraints.

use super::{Row, Snapshot, cell};

/// The catalog query: `(type, name, tbl_name, sql)` of every object but SQLite's own.
pub const QUERY: &str = "SELECT type, name, tbl_name, sql FROM sqlite_master \
     WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";

/// The snapshot of the query's rows, without the history table `table`.
pub fn snapshot<R: Row>(rows: &[R], table: &str) -> Snapshot {
    let history = table.to_lowercase();
    let lock = format!("{history}_lock");
    let mut snapshot = Snapshot::default();
    for row in rows {
        let text = |i: usize| cell(row, i);
        let (Some(kind), Some(name), Some(sql)) = (text(0), text(1), text(3)) else {
            continue;
        };
        let name = name.to_lowercase();
        let table = text(2).unwrap_or_default().to_lowercase();
        if table == history || table == lock {
            continue;
        }
        match kind.as_str() {
            "table" => table_objects(&mut snapshot, &name, &sql),
            "index" | "view" | "trigger" => {
                snapshot.insert(&kind, &name, Some(&table), "definition", &normalize(&sql));
            }
            _ => {}
        }
    }
    snapshot
}

/// A table's columns, constraints and options.
fn table_objects(snapshot: &mut Snapshot, table: &str, sql: &str) {
    let tokens = tokenize(sql);
    let t = Some(table);
    snapshot.insert("table", table, t, "exists", "");
    let virtual_table = tokens.iter().take(3).any(|tok| tok.is_word("virtual"));
    let Some(open) = tokens.iter().position(|tok| tok.is_punct("(")) else {
        snapshot.insert("table", table, t, "definition", &render(&tokens));
        return;
    };
    if virtual_table {
        snapshot.insert("table", table, t, "definition", &render(&tokens));
        return;
    }
    let mut depth = 0usize;
    let mut items: Vec<&[Token]> = Vec::new();
    let mut start = open + 1;
    let mut close = tokens.len();
    for (i, tok) in tokens.iter().enumerate().skip(open) {
        if tok.is_punct("(") {
            depth += 1;
        } else if tok.is_punct(")") {
            depth -= 1;
            if depth == 0 {
                items.push(&tokens[start..i]);
                close = i;
                break;
            }
        } else if depth == 1 && tok.is_punct(",") {
            items.push(&tokens[start..i]);
            start = i + 1;
        }
    }
    for item in items.into_iter().filter(|item| !item.is_empty()) {
        let first = &item[0];
        let constraint = ["constraint", "primary", "unique", "check", "foreign"]
            .iter()
            .any(|w| first.is_word(w));
        if !constraint {
            let column = first.name();
            snapshot.insert(
                "column",
                &format!("{table}.{column}"),
                t,
                "definition",
                &render(&item[1..]),
            );
        } else if first.is_word("constraint") && item.len() > 1 {
            let name = item[1].name();
            snapshot.insert(
                "constraint",
                &format!("{table}.{name}"),
                t,
                "definition",
                &render(&item[2..]),
            );
        } else {
            snapshot.insert(
                "constraint",
                &format!("{table}.{}", render(item)),
                t,
                "exists",
                "",
            );
        }
    }
    let options = render(tokens.get(close + 1..).unwrap_or_default());
    if !options.is_empty() {
        snapshot.insert("table", table, t, "options", &options);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A bare word or identifier, lower-cased.
    Word(String),
    /// A quoted identifier, unquoted and lower-cased.
    Quoted(String),
    /// A string or number literal, or an operator, as written.
    Other(String),
}

impl Token {
    fn is_word(&self, word: &str) -> bool {
        matches!(self, Token::Word(w) if w == word)
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self, Token::Other(o) if o == p)
    }

    /// The identifier the token names, written bare when it can be.
    fn name(&self) -> String {
        match self {
            Token::Word(w) => w.clone(),
            Token::Quoted(q) if is_bare(q) => q.clone(),
            Token::Quoted(q) => format!("\"{}\"", q.replace('"', "\"\"")),
            Token::Other(o) => o.clone(),
        }
    }
}

fn is_bare(ident: &str) -> bool {
    let mut bytes = ident.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The statement normalized: see the module's documentation.
pub fn normalize(sql: &str) -> String {
    render(&tokenize(sql))
}

/// Tokens joined by single spaces, with none inside parentheses or before a comma.
fn render(tokens: &[Token]) -> String {
    let mut out = String::new();
    let mut previous: Option<&Token> = None;
    for tok in tokens {
        let tight = tok.is_punct(")")
            || tok.is_punct(",")
            || tok.is_punct(".")
            || previous.is_some_and(|p| p.is_punct("(") || p.is_punct("."))
            || (tok.is_punct("(") && previous.is_some_and(|p| !matches!(p, Token::Other(_))));
        if previous.is_some() && !tight {
            out.push(' ');
        }
        out.push_str(&tok.name());
        previous = Some(tok);
    }
    out
}

fn tokenize(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let text = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && next == Some('-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(chars.len());
        } else if c == '\'' {
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.push(Token::Other(text(start, i)));
        } else if c == '"' || c == '`' || c == '[' {
            let end = if c == '[' { ']' } else { c };
            let mut ident = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == end {
                    if end != ']' && chars.get(i + 1) == Some(&end) {
                        ident.push(end);
                        i += 2;
                        continue;
                    }
                    break;
                }
                ident.push(chars[i]);
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.push(Token::Quoted(ident.to_lowercase()));
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let word = text(start, i);
            if c.is_ascii_digit() {
                // A number keeps its spelling (`0x1F`, `1e3`, `1.5` is cut at the dot).
                out.push(Token::Other(word));
            } else {
                out.push(Token::Word(word.to_lowercase()));
            }
        } else {
            const TWO: [&str; 9] = ["||", "<=", ">=", "!=", "<>", "==", "<<", ">>", "->"];
            let pair: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if TWO.contains(&pair.as_str()) {
                out.push(Token::Other(pair));
                i += 2;
            } else {
                out.push(Token::Other(c.to_string()));
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, name: &str, table: &str, sql: &str) -> Vec<Option<String>> {
        vec![
            Some(kind.to_owned()),
            Some(name.to_owned()),
            Some(table.to_owned()),
            Some(sql.to_owned()),
        ]
    }

    fn snapshot_of(rows: &super::super::Rows) -> Snapshot {
        snapshot(rows, "_migrations")
    }

    fn describe(rows: &super::super::Rows) -> Vec<String> {
        snapshot(rows, "_migrations")
            .objects()
            .map(|(k, o)| format!("{k}: {}", o.summary()))
            .collect()
    }

    #[test]
    fn tables_are_cut_into_columns_and_constraints() {
        let rows = vec![row(
            "table",
            "orders",
            "orders",
            "CREATE TABLE \"Orders\" (\n  id INTEGER PRIMARY KEY, -- the key\n  user_id integer NOT NULL REFERENCES users(id),\n  total REAL DEFAULT 0,\n  CONSTRAINT positive CHECK (total >= 0),\n  UNIQUE (user_id, total)\n) STRICT",
        )];
        assert_eq!(
            describe(&rows),
            [
                "column orders.id: integer primary key",
                "column orders.total: real default 0",
                "column orders.user_id: integer not null references users(id)",
                "constraint orders.positive: check(total >= 0)",
                "constraint orders.unique(user_id, total): ",
                "table orders: options strict",
            ]
        );
    }

    #[test]
    fn a_column_moved_to_the_end_and_requoted_is_the_same_column() {
        let a = snapshot_of(&vec![row(
            "table",
            "t",
            "t",
            "CREATE TABLE t (a int, b text not null, c blob)",
        )]);
        let b = snapshot_of(&vec![row(
            "table",
            "t",
            "t",
            "CREATE TABLE \"t\" (a INT, c BLOB, \"B\" TEXT  NOT NULL)",
        )]);
        assert!(a.diff(&b).is_empty(), "{}", a.diff(&b));
    }

    #[test]
    fn a_lost_default_is_a_difference() {
        let a = snapshot_of(&vec![row(
            "table",
            "t",
            "t",
            "CREATE TABLE t (a int default 1)",
        )]);
        let b = snapshot_of(&vec![row("table", "t", "t", "CREATE TABLE t (a int)")]);
        assert_eq!(
            a.diff(&b).to_string(),
            "~ column t.a: int default 1 → int\n"
        );
    }

    #[test]
    fn strings_keep_their_case_and_indexes_their_statement() {
        assert_eq!(
            normalize("CREATE INDEX \"Idx\" ON t (lower(name)) WHERE kind = 'A'"),
            "create index idx on t(lower(name)) where kind = 'A'"
        );
    }
}
