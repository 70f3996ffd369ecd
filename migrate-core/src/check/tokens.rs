//! Tokens of one statement, for the rules: words upper-cased, quoted identifiers unquoted,
//! strings and comments set aside, each with its byte offset in the statement.

use crate::Dialect;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A bare word, upper-cased (`CREATE`, `users`→`USERS`); `ident` keeps the original case.
    Word {
        upper: String,
        ident: String,
    },
    /// A quoted identifier, unquoted.
    Quoted(String),
    /// A string literal (content not kept).
    Str,
    Number,
    /// Punctuation or an operator, one or two characters (`(`, `,`, `::`).
    Punct(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) offset: usize,
}

impl Token {
    /// The word, upper-cased, if the token is a bare word.
    pub(crate) fn word(&self) -> Option<&str> {
        match &self.tok {
            Tok::Word { upper, .. } => Some(upper),
            _ => None,
        }
    }

    /// The identifier the token names (bare or quoted), as written for quoted ones and
    /// lower-cased for bare ones (how PostgreSQL folds them).
    pub(crate) fn ident(&self) -> Option<String> {
        match &self.tok {
            Tok::Word { ident, .. } => Some(ident.to_lowercase()),
            Tok::Quoted(s) => Some(s.clone()),
            _ => None,
        }
    }

    pub(crate) fn is(&self, word: &str) -> bool {
        self.word() == Some(word)
    }

    pub(crate) fn is_punct(&self, p: &str) -> bool {
        matches!(&self.tok, Tok::Punct(s) if s == p)
    }
}

/// Tokenizes one statement's text.
pub(crate) fn tokens(sql: &str, dialect: Dialect) -> Vec<Token> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        if crate::split::is_sql_space(b) {
            i += 1;
        } else if b == b'-' && bytes.get(i + 1) == Some(&b'-')
            || b == b'#' && dialect == Dialect::Mysql
        {
            i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = sql[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |n| i + 2 + n + 2);
        } else if b == b'\'' || (b == b'"' && dialect == Dialect::Mysql) {
            i = skip_quoted(bytes, i, b, dialect == Dialect::Mysql);
            out.push(Token {
                tok: Tok::Str,
                offset: start,
            });
        } else if (b == b'e' || b == b'E')
            && bytes.get(i + 1) == Some(&b'\'')
            && dialect == Dialect::Postgres
        {
            i = skip_quoted(bytes, i + 1, b'\'', true);
            out.push(Token {
                tok: Tok::Str,
                offset: start,
            });
        } else if b == b'"' || b == b'`' || (b == b'[' && dialect == Dialect::Sqlite) {
            let close = if b == b'[' { b']' } else { b };
            let end = skip_quoted(bytes, i, close, false);
            // Without its closing quote (at the end of the text) the name runs to the end.
            let closed = end > i + 1 && bytes[end - 1] == close;
            let inner = &sql[i + 1..if closed { end - 1 } else { end }];
            let doubled = [close as char, close as char].iter().collect::<String>();
            out.push(Token {
                tok: Tok::Quoted(inner.replace(&doubled, &(close as char).to_string())),
                offset: start,
            });
            i = end;
        } else if b == b'$' && dialect == Dialect::Postgres && dollar_end(sql, i).is_some() {
            i = dollar_end(sql, i).unwrap_or(bytes.len());
            out.push(Token {
                tok: Tok::Str,
                offset: start,
            });
        } else if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'$'
                    || bytes[i] >= 0x80)
            {
                i += 1;
            }
            let text = &sql[start..i];
            out.push(Token {
                tok: Tok::Word {
                    upper: text.to_ascii_uppercase(),
                    ident: text.to_owned(),
                },
                offset: start,
            });
        } else if b.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Number,
                offset: start,
            });
        } else {
            let two = sql.get(i..i + 2).unwrap_or("");
            let len = if matches!(two, "::" | "<>" | "!=" | "<=" | ">=" | "||" | "->") {
                2
            } else {
                sql[i..].chars().next().map_or(1, char::len_utf8)
            };
            out.push(Token {
                tok: Tok::Punct(sql[i..i + len].to_owned()),
                offset: start,
            });
            i += len;
        }
    }
    out
}

fn skip_quoted(bytes: &[u8], start: usize, quote: u8, backslash: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if backslash && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// The end of a `$tag$ … $tag$` string starting at `start`.
fn dollar_end(sql: &str, start: usize) -> Option<usize> {
    let rest = &sql[start + 1..];
    let tag_len = rest.find('$')?;
    let tag = &rest[..tag_len];
    if !tag.chars().all(|c| c.is_alphanumeric() || c == '_')
        || tag.starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    let opener = &sql[start..start + tag_len + 2];
    let body = start + opener.len();
    Some(
        sql[body..]
            .find(opener)
            .map_or(sql.len(), |n| body + n + opener.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `check` fuzz target: an unterminated quoted name ending inside a
    /// multi-byte character was sliced mid-character.
    #[test]
    fn unterminated_quoted_names_keep_char_boundaries() {
        // The fuzzer's input, as PostgreSQL text.
        let t = tokens("\u{1d}`\u{febf}", Dialect::Postgres);
        assert_eq!(
            t.last().map(|t| &t.tok),
            Some(&Tok::Quoted("\u{febf}".to_owned()))
        );
        let t = tokens("`\u{1d}`\u{febf}", Dialect::Mysql);
        assert_eq!(t[0].ident().as_deref(), Some("\u{1d}"));
        let t = tokens("\"ab\u{febf}", Dialect::Postgres);
        assert_eq!(t[0].ident().as_deref(), Some("ab\u{febf}"));
        let t = tokens("[x", Dialect::Sqlite);
        assert_eq!(t[0].ident().as_deref(), Some("x"));
        let t = tokens("`", Dialect::Mysql);
        assert_eq!(t[0].ident().as_deref(), Some(""));
    }

    #[test]
    fn words_strings_and_quotes() {
        let t = tokens(
            "CREATE TABLE \"My Table\" (x int DEFAULT 'a;b') -- c\n",
            Dialect::Postgres,
        );
        assert!(t[0].is("CREATE"));
        assert_eq!(t[2].ident().as_deref(), Some("My Table"));
        assert!(t.iter().any(|t| t.tok == Tok::Str));
        assert!(!t.iter().any(|t| t.is("C")));
        let t = tokens("SELECT $$ a ; b $$, x::text", Dialect::Postgres);
        assert_eq!(t[1].tok, Tok::Str);
        assert!(t.iter().any(|t| t.is_punct("::")));
    }
}
