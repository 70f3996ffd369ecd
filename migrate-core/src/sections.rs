//! `-- migrate:` lines: sections, directives and lint allowances inside a migration file.

use std::ops::Range;

use crate::diagnostic::DiagnosticKind;
use crate::migration::Allow;
use crate::position::Position;
use crate::rules;

/// One direction of a file, as the directives describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    /// Byte range of the SQL in the file text.
    pub range: Range<usize>,
    /// `Some(false)` for `transaction:false` or `-- no-transaction`.
    pub transaction: Option<bool>,
    pub allows: Vec<Allow>,
}

/// A file's sections and the problems found in its directives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parts {
    pub up: Part,
    pub down: Option<Part>,
    /// Problems with the byte offset they point at.
    pub problems: Vec<(DiagnosticKind, usize)>,
}

/// Whether the file may hold `-- migrate:up` / `-- migrate:down` sections (the single-file
/// layout), or is all one direction (pair files, diesel, Prisma, Flyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileShape {
    Sections,
    Whole,
}

enum Marker<'a> {
    Up(&'a str),
    Down(&'a str),
    Allow(&'a str),
    Unknown(&'a str),
}

/// Recognises `--migrate:up`, `-- migrate:down transaction:false`, `-- migrate:allow x`. The
/// returned text is what follows the marker word; the offset is where that text starts.
fn marker(line: &str) -> Option<(Marker<'_>, usize)> {
    let trimmed = line.trim_start();
    let lead = line.len() - trimmed.len();
    let after_dashes = trimmed.strip_prefix("--")?;
    let body = after_dashes.trim_start();
    let rest = body.strip_prefix("migrate:")?;
    let word_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    let (word, args) = rest.split_at(word_len);
    let args_offset = lead + 2 + (after_dashes.len() - body.len()) + "migrate:".len() + word_len;
    let marker = match word {
        "up" => Marker::Up(args),
        "down" => Marker::Down(args),
        "allow" => Marker::Allow(args),
        _ => Marker::Unknown(word),
    };
    Some((marker, args_offset))
}

/// Lines of `text`: where each starts, its text without the line ending, and where the next
/// line starts.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str, usize)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        (start, raw.trim_end_matches(['\n', '\r']), offset)
    })
}

/// Whether a line holds SQL (not blank, not only a `--` comment).
fn is_sql_line(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with("--")
}

/// Reads the directives of a file's text (BOM already removed).
pub(crate) fn parse(text: &str, shape: FileShape) -> Parts {
    let mut problems = Vec::new();
    let mut up_marker: Option<(usize, usize, Option<bool>)> = None; // (line start, sql start, tx)
    let mut down_marker: Option<(usize, usize, Option<bool>)> = None;
    let mut allows: Vec<(usize, Allow)> = Vec::new();
    let mut seen_sql = false;
    let mut sql_before_up: Option<usize> = None;

    // sqlx: `-- no-transaction` as the first line.
    let no_transaction = text
        .lines()
        .next()
        .is_some_and(|l| l.trim_end() == "-- no-transaction");

    for (start, line, next_line) in lines(text) {
        let Some((marker, args_at)) = marker(line) else {
            if is_sql_line(line) {
                seen_sql = true;
                if up_marker.is_none() && sql_before_up.is_none() {
                    sql_before_up = Some(start + (line.len() - line.trim_start().len()));
                }
            }
            continue;
        };
        let args_offset = start + args_at;
        match marker {
            Marker::Up(_) | Marker::Down(_) if shape == FileShape::Whole => {
                problems.push((
                    DiagnosticKind::BadDirective {
                        reason: "`-- migrate:up` and `-- migrate:down` lines only divide single-file migrations; this file is all one direction, so remove the line".to_owned(),
                    },
                    start,
                ));
            }
            Marker::Up(args) => {
                let tx = directives(args, args_offset, &mut problems);
                if up_marker.is_some() {
                    problems.push((
                        bad("a second `-- migrate:up` line; a file has one up section"),
                        start,
                    ));
                } else if down_marker.is_some() {
                    problems.push((bad("`-- migrate:up` comes after `-- migrate:down`; put the up section first"), start));
                } else {
                    up_marker = Some((start, next_line, tx));
                }
            }
            Marker::Down(args) => {
                let tx = directives(args, args_offset, &mut problems);
                if down_marker.is_some() {
                    problems.push((
                        bad("a second `-- migrate:down` line; a file has one down section"),
                        start,
                    ));
                } else if up_marker.is_none() {
                    problems.push((bad("`-- migrate:down` has no `-- migrate:up` above it; mark the up SQL with `-- migrate:up`"), start));
                } else {
                    down_marker = Some((start, next_line, tx));
                }
            }
            Marker::Allow(args) => {
                let rule_ids = allow_rules(args, args_offset, &mut problems);
                if !rule_ids.is_empty() {
                    let line_number = Position::of_offset(text, start).line;
                    allows.push((
                        start,
                        Allow {
                            rules: rule_ids,
                            line: line_number,
                            // Above the up marker, or above all SQL of a file without one.
                            whole_file: !seen_sql && up_marker.is_none(),
                        },
                    ));
                }
            }
            Marker::Unknown(word) => problems.push((
                bad(&format!("`-- migrate:{word}` is not a directive")),
                start,
            )),
        }
    }

    if let (Some(_), Some(at)) = (up_marker, sql_before_up) {
        problems.push((
            bad("SQL before the `-- migrate:up` line belongs to no section; move it below the marker"),
            at,
        ));
    }

    let end = text.len();
    let (up_range, up_tx, down) = match (up_marker, down_marker) {
        (Some((_, up_start, up_tx)), Some((down_line, down_start, down_tx))) => {
            (up_start..down_line, up_tx, Some((down_start..end, down_tx)))
        }
        (Some((_, up_start, up_tx)), None) => (up_start..end, up_tx, None),
        _ => (0..end, None, None),
    };
    let no_tx = no_transaction.then_some(false);
    let allows_in = |range: &Range<usize>| -> Vec<Allow> {
        allows
            .iter()
            .filter(|(at, a)| a.whole_file || range.contains(at))
            .map(|(_, a)| a.clone())
            .collect()
    };
    Parts {
        up: Part {
            allows: allows_in(&up_range),
            range: up_range,
            transaction: up_tx.or(no_tx),
        },
        down: down.map(|(range, tx)| Part {
            allows: allows_in(&range),
            range,
            transaction: tx.or(no_tx),
        }),
        problems,
    }
}

fn bad(reason: &str) -> DiagnosticKind {
    DiagnosticKind::BadDirective {
        reason: reason.to_owned(),
    }
}

/// `transaction:false` and `transaction:true` after a section marker.
fn directives(
    args: &str,
    args_offset: usize,
    problems: &mut Vec<(DiagnosticKind, usize)>,
) -> Option<bool> {
    let mut transaction = None;
    let mut cursor = 0;
    for token in args.split_whitespace() {
        let at = args_offset + cursor + args[cursor..].find(token).unwrap_or(0);
        cursor = at - args_offset + token.len();
        match token {
            "transaction:false" => transaction = Some(false),
            "transaction:true" => transaction = Some(true),
            _ => problems.push((
                bad(&format!(
                    "unknown directive `{token}`; after a section marker only `transaction:false` or `transaction:true` may follow"
                )),
                at,
            )),
        }
    }
    transaction
}

/// The rule ids of `-- migrate:allow a, b`.
fn allow_rules(
    args: &str,
    args_offset: usize,
    problems: &mut Vec<(DiagnosticKind, usize)>,
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor = 0;
    for token in args.split([',', ' ', '\t']).filter(|t| !t.is_empty()) {
        let at = args_offset + cursor + args[cursor..].find(token).unwrap_or(0);
        cursor = at - args_offset + token.len();
        if rules::find(token).is_some() {
            ids.push(token.to_owned());
        } else {
            problems.push((
                bad(&format!(
                    "`{token}` is not a lint rule id, so `-- migrate:allow` cannot silence it"
                )),
                at,
            ));
        }
    }
    if ids.is_empty() && args.trim().is_empty() {
        problems.push((
            bad("`-- migrate:allow` names no rule; write `-- migrate:allow <rule-id>`"),
            args_offset,
        ));
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Parts {
        parse(text, FileShape::Sections)
    }

    #[test]
    fn plain_file_is_all_up() {
        let p = parts("CREATE TABLE a (x int);\n");
        assert_eq!(p.up.range, 0..24);
        assert_eq!(p.down, None);
        assert!(p.problems.is_empty());
    }

    #[test]
    fn dbmate_sections_with_directives() {
        let text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (x);\n\n-- migrate:down\nDROP INDEX i;\n";
        let p = parts(text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(
            &text[p.up.range.clone()],
            "CREATE INDEX CONCURRENTLY i ON a (x);\n\n"
        );
        assert_eq!(p.up.transaction, Some(false));
        let down = p.down.expect("down section");
        assert_eq!(&text[down.range], "DROP INDEX i;\n");
        assert_eq!(down.transaction, None);
    }

    #[test]
    fn sqlx_no_transaction_first_line() {
        let p = parts("-- no-transaction\nVACUUM;\n");
        assert_eq!(p.up.transaction, Some(false));
        let p = parts("SELECT 1;\n-- no-transaction\n");
        assert_eq!(p.up.transaction, None);
    }

    #[test]
    fn allow_lines() {
        let text = "-- migrate:allow drop-table\n-- migrate:up\nDROP TABLE a;\n-- migrate:allow rename-table, drop-column\nALTER TABLE b RENAME TO c;\n";
        let p = parts(text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.up.allows.len(), 2);
        assert!(p.up.allows[0].whole_file);
        assert_eq!(p.up.allows[1].rules, ["rename-table", "drop-column"]);
        assert_eq!(p.up.allows[1].line, 4);
        assert!(!p.up.allows[1].whole_file);
    }

    #[test]
    fn problems_point_at_the_directive() {
        let text = "-- migrate:up transaction:maybe\nSELECT 1;\n-- migrate:sideways\n-- migrate:allow no-such-rule\n-- migrate:down\n-- migrate:up\n";
        let p = parts(text);
        let offsets: Vec<usize> = p.problems.iter().map(|(_, at)| *at).collect();
        assert_eq!(p.problems.len(), 4, "{:?}", p.problems);
        assert_eq!(offsets[0], 14);
        assert_eq!(Position::of_offset(text, offsets[1]).line, 3);
        assert_eq!(
            Position::of_offset(text, offsets[2]),
            Position {
                line: 4,
                column: 18
            }
        );
        assert_eq!(Position::of_offset(text, offsets[3]).line, 6);
    }

    #[test]
    fn sql_outside_sections_and_markers_in_whole_files() {
        let p = parts("SELECT 0;\n-- migrate:up\nSELECT 1;\n");
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].1, 0);
        let p = parts("-- migrate:down\nDROP TABLE a;\n");
        assert_eq!(p.problems.len(), 1);
        let p = parse("-- migrate:up\nSELECT 1;\n", FileShape::Whole);
        assert_eq!(p.problems.len(), 1);
    }
}
