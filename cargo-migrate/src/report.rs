//! The machine-readable renderings of `check`: the stable JSON document, SARIF 2.1.0 (through
//! serde-sarif's types, the ones the test suite validates against the published schema) and
//! GitHub workflow annotations. Text for people is `migrate_core::check::render`.

use std::path::Path;

use migrate_core::check::Finding;
use migrate_core::{Level, MigrationSet};
use serde::Serialize;
use serde_sarif::sarif;

fn shown(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[derive(Serialize)]
struct CheckDocument<'a> {
    migrations: Vec<CheckedMigration>,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct CheckedMigration {
    version: String,
    name: String,
    path: String,
    transactional: bool,
    has_down: bool,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    level: &'a str,
    path: String,
    line: u32,
    column: u32,
    message: &'a str,
    why: &'a str,
    fix: &'a str,
    /// Checked for several dialects: the ones the finding holds for, when not all.
    dialects: Vec<&'static str>,
}

/// The `check --format json` document: `{"migrations": […], "findings": […]}`, fields as
/// documented in the README; stable.
pub(crate) fn json(set: Option<&MigrationSet>, findings: &[Finding], base: &Path) -> String {
    let document = CheckDocument {
        migrations: set.map_or_else(Vec::new, |set| {
            set.migrations
                .iter()
                .map(|m| CheckedMigration {
                    version: m.version.to_string(),
                    name: m.name.clone(),
                    path: shown(&m.path, base),
                    transactional: m.transaction().is_transactional(),
                    has_down: m.down.is_some(),
                })
                .collect()
        }),
        findings: findings
            .iter()
            .map(|f| {
                let (line, column) = f.position.map_or((0, 0), |p| (p.line, p.column));
                JsonFinding {
                    rule: f.rule,
                    level: f.level.as_str(),
                    path: shown(&f.path, base),
                    line,
                    column,
                    message: &f.message,
                    why: &f.why,
                    fix: &f.fix,
                    dialects: f.dialects.iter().map(|d| d.as_str()).collect(),
                }
            })
            .collect(),
    };
    to_json(&document)
}

/// A value as one line of JSON.
pub(crate) fn to_json(value: &impl Serialize) -> String {
    // Serializing plain structs of strings, numbers and booleans cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// SARIF 2.1.0, for code-scanning upload.
pub(crate) fn sarif(findings: &[Finding], base: &Path) -> String {
    let mut ids: Vec<&str> = findings.iter().map(|f| f.rule).collect();
    ids.sort_unstable();
    ids.dedup();
    let rules: Vec<sarif::ReportingDescriptor> = ids
        .iter()
        .map(|id| {
            let descriptor = sarif::ReportingDescriptor::builder().id(*id);
            match migrate_core::rules::find_code(id) {
                Some(rule) => descriptor
                    .short_description(text(rule.summary))
                    .help(text(&format!("{} {}", rule.why, rule.fix)))
                    .build(),
                None => descriptor.build(),
            }
        })
        .collect();
    let results: Vec<sarif::Result> = findings
        .iter()
        .map(|f| {
            let (line, column) = f.position.map_or((1, 1), |p| (p.line, p.column));
            let fix = sentence(&f.fix);
            let message = if f.why.is_empty() {
                format!("{}{}. {fix}.", only(f), f.message)
            } else {
                format!("{}{}: {}. {fix}.", only(f), f.message, f.why)
            };
            let region = sarif::Region::builder()
                .start_line(i64::from(line))
                .start_column(i64::from(column))
                .build();
            let artifact = sarif::ArtifactLocation::builder()
                .uri(uri_reference(&shown(&f.path, base)))
                .build();
            let location = sarif::Location::builder()
                .physical_location(
                    sarif::PhysicalLocation::builder()
                        .artifact_location(artifact)
                        .region(region)
                        .build(),
                )
                .build();
            sarif::Result::builder()
                .rule_id(f.rule)
                .level(if f.level == Level::Deny {
                    sarif::ResultLevel::Error
                } else {
                    sarif::ResultLevel::Warning
                })
                .message(sarif::Message::builder().text(message).build())
                .locations(vec![location])
                .build()
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("cargo-migrate")
        .information_uri("https://crates.io/crates/cargo-migrate")
        .version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let log = sarif::Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    to_json(&log)
}

fn text(s: &str) -> sarif::MultiformatMessageString {
    sarif::MultiformatMessageString::builder().text(s).build()
}

/// `(sqlite only) ` before the message of a finding that holds for some of the checked
/// dialects.
fn only(f: &Finding) -> String {
    if f.dialects.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = f.dialects.iter().map(|d| d.as_str()).collect();
    format!("({} only) ", names.join(", "))
}

/// A relative path as a URI reference (RFC 3986): `/` separates segments, and every byte outside
/// the unreserved set is percent-encoded, so `db migrations/1_a.sql` is `db%20migrations/1_a.sql`.
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
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
pub(crate) fn github(findings: &[Finding], base: &Path) -> String {
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
        out.push_str(&format!(
            "::{kind} file={},line={line},col={column},title={}::{}\n",
            escape_prop(&shown(&f.path, base)),
            escape_prop(f.rule),
            escape(&format!("{}{} — {}", only(f), f.message, f.fix))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use migrate_core::Position;

    use super::*;

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
        let j = json(None, &f, base);
        assert_eq!(
            j,
            "{\"migrations\":[],\"findings\":[{\"rule\":\"drop-table\",\"level\":\"warn\",\"path\":\"migrations/1_a.sql\",\"line\":3,\"column\":5,\"message\":\"`DROP TABLE \\\"a\\\"` loses data\",\"why\":\"why\",\"fix\":\"fix: later, 100%\",\"dialects\":[]}]}"
        );
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
