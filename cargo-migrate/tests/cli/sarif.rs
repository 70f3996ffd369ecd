//! `check --format sarif` against the SARIF 2.1.0 JSON schema, and `--format github` lines.
//!
//! The schema is the one the `serde-sarif` crate ships (the OASIS file, draft-07), found through
//! `cargo metadata`, so nothing of it is copied here.

use std::path::PathBuf;

use crate::support::{Package, expect};

/// The published SARIF 2.1.0 schema, as a JSON value.
fn sarif_schema() -> serde_json::Value {
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .exec()
        .expect("cargo metadata for the workspace");
    let package = metadata
        .packages
        .iter()
        .find(|p| p.name.as_str() == "serde-sarif")
        .expect("serde-sarif is a dev-dependency of cargo-migrate");
    let path: PathBuf = package
        .manifest_path
        .parent()
        .expect("manifest has a folder")
        .join("src/schema.json")
        .into();
    let text = std::fs::read_to_string(&path).expect("read the SARIF schema");
    let mut schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    // The published file's `language` patterns have a stray `]`, which a strict ECMA-262 regex
    // engine rejects while compiling the schema. Our output never sets `language`; each pattern is
    // replaced by the one the schema's description means (`en` or `en-US`).
    let replaced = fix_language_patterns(&mut schema);
    assert_eq!(replaced, 2, "the schema's two `language` patterns");
    schema
}

const BROKEN_LANGUAGE: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

fn fix_language_patterns(value: &mut serde_json::Value) -> usize {
    match value {
        serde_json::Value::String(s) if s == BROKEN_LANGUAGE => {
            *s = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".to_owned();
            1
        }
        serde_json::Value::Array(items) => items.iter_mut().map(fix_language_patterns).sum(),
        serde_json::Value::Object(map) => map.values_mut().map(fix_language_patterns).sum(),
        _ => 0,
    }
}

fn validator() -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&sarif_schema())
        .expect("the SARIF schema compiles")
}

/// Every way the document breaks the schema, one per line; empty when it is valid.
fn violations(validator: &jsonschema::Validator, document: &serde_json::Value) -> String {
    validator
        .iter_errors(document)
        .map(|e| format!("{} at {}\n", e, e.instance_path()))
        .collect()
}

/// A PostgreSQL folder with a warning, a syntax error, an unused allow, a message with quotes and
/// a backslash, and a file whose name has a space.
fn package_with_findings() -> Package {
    let p = Package::new(
        "sarif",
        "\n[package.metadata.migrate]\ndialect = \"postgres\"\n",
    );
    let dir = p.path("migrations");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let files = [
        (
            "0001_users.sql",
            "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n",
        ),
        (
            "0002_index.sql",
            "-- migrate:up\nCREATE INDEX users_email ON users (email);\nSELECT 'a \"quoted\" \\ value' FROM;\n",
        ),
        (
            "0003_drop.sql",
            "-- migrate:allow drop-column\nDROP TABLE users;\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write migration");
    }
    p
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let validator = validator();
    let p = package_with_findings();
    let run = expect(p.run(&["check", "--format", "sarif"], &[]), 3);
    let document: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("SARIF output is JSON");
    assert_eq!(violations(&validator, &document), "", "{}", run.stdout);

    // The object model agrees too.
    let typed: serde_sarif::sarif::Sarif = serde_json::from_value(document.clone())
        .expect("SARIF output reads as serde-sarif's Sarif");
    assert_eq!(typed.runs.len(), 1);

    let results = document["runs"][0]["results"]
        .as_array()
        .expect("results is an array");
    let rules: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().expect("ruleId"))
        .collect();
    for rule in [
        "index-not-concurrent",
        "syntax-error",
        "drop-table",
        "unused-allow",
    ] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
    let syntax = results
        .iter()
        .find(|r| r["ruleId"] == "syntax-error")
        .expect("syntax-error result");
    assert_eq!(syntax["level"], "error");
    let location = &syntax["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "migrations/0002_index.sql"
    );
    assert_eq!(location["region"]["startLine"], 3);
    // Every rule a result names is declared in the driver.
    let declared: Vec<&str> = document["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules is an array")
        .iter()
        .map(|r| r["id"].as_str().expect("rule id"))
        .collect();
    for rule in &rules {
        assert!(
            declared.contains(rule),
            "{rule} not declared in {declared:?}"
        );
    }
}

/// The schema check can fail: a document the schema forbids is reported.
#[test]
fn the_schema_check_rejects_what_sarif_forbids() {
    let validator = validator();
    let p = package_with_findings();
    let run = expect(p.run(&["check", "--format", "sarif"], &[]), 3);
    let mut document: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("SARIF output is JSON");
    document["runs"][0]["results"][0]["level"] = "fatal".into();
    document["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    let found = violations(&validator, &document);
    assert!(found.contains("/runs/0/results/0/level"), "{found}");
    assert!(
        found.contains("/runs/0/results/1/locations/0/physicalLocation/region/startLine"),
        "{found}"
    );
}

#[test]
fn github_output_is_one_workflow_command_per_finding() {
    let p = package_with_findings();
    let run = expect(p.run(&["check", "--format", "github"], &[]), 3);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.len() >= 4, "{}", run.stdout);
    for line in &lines {
        assert!(
            line.starts_with("::error file=migrations/")
                || line.starts_with("::warning file=migrations/"),
            "{line}"
        );
        let (props, _message) = line[2..].split_once("::").expect("`::` before the message");
        let props = props.split_once(' ').expect("kind, then properties").1;
        let keys: Vec<&str> = props
            .split(',')
            .map(|kv| kv.split_once('=').expect("key=value").0)
            .collect();
        assert_eq!(keys, ["file", "line", "col", "title"], "{line}");
    }
    assert!(
        lines.contains(&"::warning file=migrations/0002_index.sql,line=2,col=1,title=index-not-concurrent::`CREATE INDEX` on `users` without `CONCURRENTLY` — use `CREATE INDEX CONCURRENTLY` in its own migration marked `-- migrate:up transaction:false`"),
        "{}",
        run.stdout
    );
    assert!(
        lines.iter().any(
            |l| l.starts_with("::error file=migrations/0002_index.sql,line=3,col=")
                && l.contains("title=syntax-error::")
        ),
        "{}",
        run.stdout
    );
}

/// Run from a workspace's root, as CI runs, the machine formats name files from that root, which
/// is where GitHub looks for them.
#[test]
fn ci_formats_name_files_from_the_directory_ci_runs_in() {
    let root = std::env::temp_dir().join(migrate_tests::unique("cli-ci-root"));
    let member = root.join("crates/app");
    std::fs::create_dir_all(member.join("src")).expect("mkdir");
    std::fs::create_dir_all(member.join("db migrations")).expect("mkdir");
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"crates/app\"]\nresolver = \"3\"\n",
    )
    .expect("write workspace");
    std::fs::write(
        member.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[package.metadata.migrate]\ndir = \"db migrations\"\ndialect = \"sqlite\"\n",
    )
    .expect("write member");
    std::fs::write(member.join("src/main.rs"), "fn main() {}\n").expect("write main.rs");
    std::fs::write(
        member.join("db migrations/1_a.sql"),
        "CREATE TABLE a (id INTEGER);\nDROP TABLE a;\n",
    )
    .expect("write migration");

    let github = expect(
        crate::support::run_in(&root, &["-p", "app", "check", "--format", "github"], &[]),
        0,
    );
    assert!(
        github.stdout.starts_with(
            "::warning file=crates/app/db migrations/1_a.sql,line=2,col=1,title=drop-table::"
        ),
        "{}",
        github.stdout
    );
    let sarif = expect(
        crate::support::run_in(&root, &["-p", "app", "check", "--format", "sarif"], &[]),
        0,
    );
    let document: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("JSON");
    assert_eq!(violations(&validator(), &document), "", "{}", sarif.stdout);
    assert_eq!(
        document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "crates/app/db%20migrations/1_a.sql"
    );
    let _ = std::fs::remove_dir_all(root);
}
