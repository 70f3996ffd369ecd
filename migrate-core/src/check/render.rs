//! Renderings of findings: rustc-like text, stable JSON, SARIF 2.1.0 and GitHub workflow
//! annotations. Each returns a string; the caller prints.

use std::fmt::Write as _;
use std::path::Path;

use crate::migration::TransactionMode;
use crate::rules::Level;
use crate::set::MigrationSet;

use super::Finding;

fn shown(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// rustc-like text: a headline, the location, the quoted line with a caret, why, and the fix;
/// then a count.
pub fn human(findings: &[Finding], base: &Path) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&finding(f, base));
        out.push('\n');
    }
    let errors = findings.iter().filter(|f| f.level == Level::Deny).count();
    let warnings = findings.len() - errors;
    let _ = writeln!(
        out,
        "{errors} error{}, {warnings} warning{}",
        plural(errors),
        plural(warnings)
    );
    out
}

/// One finding as rustc-like text, without a trailing blank line.
pub fn finding(f: &Finding, base: &Path) -> String {
    let mut out = String::new();
    {
        let severity = if f.level == Level::Deny {
            "error"
        } else {
            "warning"
        };
        let _ = writeln!(out, "{severity}[{}]: {}", f.rule, f.message);
        let _ = write!(out, "  --> {}", shown(&f.path, base));
        if let Some(p) = f.position {
            let _ = write!(out, ":{p}");
        }
        out.push('\n');
        if let (Some(p), Some(line)) = (f.position, &f.line) {
            let number = p.line.to_string();
            let pad = " ".repeat(number.len());
            let caret: String = line
                .chars()
                .take(p.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} |\n{number} | {line}\n{pad} | {caret}^");
        }
        if !f.why.is_empty() {
            let _ = writeln!(out, "  = why: {}", f.why);
        }
        let _ = writeln!(out, "  = fix: {}", f.fix);
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `check --format json` document: `{"migrations": […], "findings": […]}`, fields as
/// documented in the README; stable.
pub fn json(set: Option<&MigrationSet>, findings: &[Finding], base: &Path) -> String {
    let mut out = String::from("{\"migrations\":[");
    if let Some(set) = set {
        for (i, m) in set.migrations.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(
                out,
                "{{\"version\":{},\"name\":{},\"path\":{},\"transactional\":{},\"has_down\":{}}}",
                json_string(&m.version.to_string()),
                json_string(&m.name),
                json_string(&shown(&m.path, base)),
                m.transaction() == TransactionMode::Transaction,
                m.down.is_some()
            );
        }
    }
    out.push_str("],\"findings\":[");
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let (line, column) = f.position.map_or((0, 0), |p| (p.line, p.column));
        let _ = write!(
            out,
            "{{\"rule\":{},\"level\":{},\"path\":{},\"line\":{line},\"column\":{column},\"message\":{},\"why\":{},\"fix\":{}}}",
            json_string(f.rule),
            json_string(f.level.as_str()),
            json_string(&shown(&f.path, base)),
            json_string(&f.message),
            json_string(&f.why),
            json_string(&f.fix)
        );
    }
    out.push_str("]}");
    out
}

/// SARIF 2.1.0, for code-scanning upload.
pub fn sarif(findings: &[Finding], base: &Path) -> String {
    let mut rules: Vec<&str> = findings.iter().map(|f| f.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    let mut out = String::from(
        "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"cargo-migrate\",\"informationUri\":\"https://crates.io/crates/cargo-migrate\",\"version\":",
    );
    out.push_str(&json_string(env!("CARGO_PKG_VERSION")));
    out.push_str(",\"rules\":[");
    for (i, r) in rules.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{{\"id\":{}}}", json_string(r));
    }
    out.push_str("]}},\"results\":[");
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let level = if f.level == Level::Deny {
            "error"
        } else {
            "warning"
        };
        let (line, column) = f.position.map_or((1, 1), |p| (p.line, p.column));
        let fix = sentence(&f.fix);
        let text = if f.why.is_empty() {
            format!("{}. {fix}.", f.message)
        } else {
            format!("{}: {}. {fix}.", f.message, f.why)
        };
        let _ = write!(
            out,
            "{{\"ruleId\":{},\"level\":\"{level}\",\"message\":{{\"text\":{}}},\"locations\":[{{\"physicalLocation\":{{\"artifactLocation\":{{\"uri\":{}}},\"region\":{{\"startLine\":{line},\"startColumn\":{column}}}}}}}]}}",
            json_string(f.rule),
            json_string(&text),
            json_string(&uri_reference(&shown(&f.path, base)))
        );
    }
    out.push_str("]}]}");
    out
}

/// A relative path as a URI reference (RFC 3986): `/` separates segments, and every byte outside
/// the unreserved set is percent-encoded, so `db migrations/1_a.sql` is `db%20migrations/1_a.sql`.
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A fix as a sentence: its first letter capitalised, without a final full stop.
fn sentence(fix: &str) -> String {
    let fix = fix.trim_end_matches('.');
    let mut chars = fix.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// GitHub Actions workflow commands: one `::error` or `::warning` line per finding.
pub fn github(findings: &[Finding], base: &Path) -> String {
    let escape = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let escape_prop = |s: &str| escape(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for f in findings {
        let kind = if f.level == Level::Deny {
            "error"
        } else {
            "warning"
        };
        let (line, column) = f.position.map_or((1, 1), |p| (p.line, p.column));
        let _ = writeln!(
            out,
            "::{kind} file={},line={line},col={column},title={}::{}",
            escape_prop(&shown(&f.path, base)),
            escape_prop(f.rule),
            escape(&format!("{} — {}", f.message, f.fix))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::position::Position;
    use std::path::PathBuf;

    fn finding() -> Finding {
        Finding {
            rule: "drop-table",
            level: Level::Warn,
            path: PathBuf::from("/p/migrations/1_a.sql"),
            position: Some(Position { line: 3, column: 5 }),
            line: Some("    DROP TABLE \"a\";".into()),
            statement: Some("DROP TABLE \"a\"".into()),
            message: "`DROP TABLE \"a\"` loses data".into(),
            why: "why".into(),
            fix: "fix: later, 100%".into(),
        }
    }

    #[test]
    fn sarif_paths_are_uri_references_and_fixes_are_sentences() {
        let mut f = finding();
        f.path = PathBuf::from("/p/db migrations/1_ä#.sql");
        let s = sarif(&[f], Path::new("/p"));
        assert!(
            s.contains("\"uri\":\"db%20migrations/1_%C3%A4%23.sql\""),
            "{s}"
        );
        assert!(
            s.contains("\"text\":\"`DROP TABLE \\\"a\\\"` loses data: why. Fix: later, 100%.\""),
            "{s}"
        );
        assert_eq!(sentence("run it again."), "Run it again");
        assert_eq!(sentence(""), "");
    }

    #[test]
    fn renders_every_format() {
        let base = Path::new("/p");
        let f = [finding()];
        let h = human(&f, base);
        assert!(
            h.contains(
                "warning[drop-table]: `DROP TABLE \"a\"` loses data\n  --> migrations/1_a.sql:3:5"
            ),
            "{h}"
        );
        assert!(h.contains("3 |     DROP TABLE \"a\";\n  |     ^"), "{h}");
        assert!(h.ends_with("0 errors, 1 warning\n"), "{h}");
        let j = json(None, &f, base);
        assert!(j.contains("\"rule\":\"drop-table\",\"level\":\"warn\",\"path\":\"migrations/1_a.sql\",\"line\":3,\"column\":5,\"message\":\"`DROP TABLE \\\"a\\\"` loses data\""), "{j}");
        let s = sarif(&f, base);
        assert!(
            s.contains("\"version\":\"2.1.0\"") && s.contains("\"startLine\":3"),
            "{s}"
        );
        let g = github(&f, base);
        assert_eq!(
            g,
            "::warning file=migrations/1_a.sql,line=3,col=5,title=drop-table::`DROP TABLE \"a\"` loses data — fix: later, 100%25\n"
        );
    }
}
