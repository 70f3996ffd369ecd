//! Findings as rustc-like text, for the macro's compile errors and `cargo migrate check`.
//! Each returns a string; the caller prints. (The machine formats, JSON, SARIF and GitHub
//! annotations, are the CLI's own.)

use std::fmt::Write as _;
use std::path::Path;

use crate::rules::Level;

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
        if f.dialects.is_empty() {
            let _ = writeln!(out, "{severity}[{}]: {}", f.rule, f.message);
        } else {
            let names: Vec<&str> = f.dialects.iter().map(|d| d.as_str()).collect();
            let _ = writeln!(
                out,
                "{severity}[{}] ({} only): {}",
                f.rule,
                names.join(", "),
                f.message
            );
        }
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
            dialects: Vec::new(),
        }
    }

    #[test]
    fn renders_text() {
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
    }
}
