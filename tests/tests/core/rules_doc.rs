//! The rule registry as users read it: `docs/RULES.md` is generated from it, and every example
//! it shows makes its rule fire.

use std::path::Path;

use migrate_core::rules::{self, Level, RuleGroup};
use migrate_core::{Config, MigrationSet, check};

use crate::support::TempDir;

#[test]
fn rules_md_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/RULES.md");
    let expected = rules::catalogue();
    if std::env::var_os("MIGRATE_BLESS").is_some() {
        std::fs::write(&path, &expected).expect("write docs/RULES.md");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/RULES.md is out of date with the rule registry; regenerate it with `MIGRATE_BLESS=1 cargo test -p migrate-tests --test core rules_md`"
    );
}

/// The codes checking (or loading) the example's folder reports.
fn codes(example: &rules::Example, rule: &rules::Rule) -> Vec<String> {
    let dir = TempDir::new("rule-example");
    for (path, text) in example.files {
        dir.write(path, text);
    }
    let mut config = Config::default();
    config.dialect = Some(example.dialect);
    if rule.default == Level::Allow {
        config
            .lint
            .set_level(rule.id, Level::Warn)
            .expect("settable");
    }
    if rule.group == RuleGroup::Tenant {
        config.lint.tenant_column = Some("tenant_id".to_owned());
    }
    match MigrationSet::load(&dir.0, &config) {
        Ok(set) => check(&set, &config)
            .findings
            .iter()
            .map(|f| f.rule.to_owned())
            .collect(),
        Err(e) => e
            .diagnostics
            .iter()
            .map(|d| d.kind.code().to_owned())
            .collect(),
    }
}

#[test]
fn every_example_fires_its_rule() {
    let mut failures = Vec::new();
    let mut tried = 0;
    for rule in rules::all() {
        let Some(example) = &rule.example else {
            continue;
        };
        tried += 1;
        let found = codes(example, rule);
        if !found.iter().any(|c| c == rule.id) {
            failures.push(format!("{}: the example reports {found:?}", rule.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(tried >= 35, "only {tried} examples");
}

#[test]
fn every_lint_rule_has_an_example() {
    for rule in rules::RULES {
        assert!(rule.example.is_some(), "{} has no example", rule.id);
    }
}
