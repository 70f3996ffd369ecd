//! The registry of lint rule ids (SPEC §7). Ids are stable: config files, `-- migrate:allow`
//! lines and machine-readable output all use them.

use std::fmt;
use std::str::FromStr;

use crate::Dialect;

/// How a finding of a rule is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported; the build and `check` still pass.
    Warn,
    /// Fails the build and `check` (exit 3).
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

impl FromStr for Level {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "allow" => Ok(Level::Allow),
            "warn" => Ok(Level::Warn),
            "deny" => Ok(Level::Deny),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which group a rule belongs to; the group decides when it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleGroup {
    /// Syntax and structure: a migration that breaks these cannot be trusted to run.
    Structure,
    /// Statements that lock, rewrite or lose data on a live database.
    Safety,
    /// On only when `tenant-column` is configured.
    Tenant,
}

/// One rule of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub group: RuleGroup,
    /// The level when the config says nothing.
    pub default: Level,
    /// Whether the config may set it below `deny`. Some structural problems leave no way to
    /// order or run the folder, so they stay errors.
    pub lowerable: bool,
    /// The dialects it applies to; empty means all.
    pub dialects: &'static [Dialect],
}

const PG: &[Dialect] = &[Dialect::Postgres];
const SQLITE: &[Dialect] = &[Dialect::Sqlite];
const ALL: &[Dialect] = &[];

const fn rule(
    id: &'static str,
    group: RuleGroup,
    default: Level,
    lowerable: bool,
    dialects: &'static [Dialect],
) -> Rule {
    Rule {
        id,
        group,
        default,
        lowerable,
        dialects,
    }
}

use Level::{Allow, Deny, Warn};
use RuleGroup::{Safety, Structure, Tenant};

/// Every rule, in the order SPEC §7 lists them.
pub const RULES: &[Rule] = &[
    rule("syntax-error", Structure, Deny, true, ALL),
    rule("duplicate-version", Structure, Deny, false, ALL),
    rule("missing-pair", Structure, Deny, true, ALL),
    rule("bad-directive", Structure, Deny, false, ALL),
    rule("empty-migration", Structure, Deny, true, ALL),
    rule("transaction-nesting", Structure, Deny, true, ALL),
    rule("concurrent-in-transaction", Structure, Deny, true, PG),
    rule("index-not-concurrent", Safety, Warn, true, PG),
    rule("drop-index-not-concurrent", Safety, Warn, true, PG),
    rule("add-required-column", Safety, Warn, true, ALL),
    rule("set-not-null", Safety, Warn, true, ALL),
    rule("fk-validated-inline", Safety, Warn, true, PG),
    rule("check-validated-inline", Safety, Warn, true, PG),
    rule("unique-constraint-inline", Safety, Warn, true, PG),
    rule("column-type-change", Safety, Warn, true, ALL),
    rule("drop-table", Safety, Warn, true, ALL),
    rule("drop-column", Safety, Warn, true, ALL),
    rule("rename-table", Safety, Warn, true, ALL),
    rule("rename-column", Safety, Warn, true, ALL),
    rule("truncate", Safety, Warn, true, ALL),
    rule("volatile-default", Safety, Warn, true, PG),
    rule("lock-timeout-missing", Safety, Warn, true, PG),
    rule("fk-without-index", Safety, Warn, true, ALL),
    // Opt-in rules: off unless the config sets a level.
    rule("not-idempotent", Safety, Allow, true, ALL),
    rule("irreversible", Safety, Allow, true, ALL),
    rule("sqlite-version-gated", Safety, Warn, true, SQLITE),
    rule("identifier-too-long", Safety, Warn, true, ALL),
    rule("tenant-column-missing", Tenant, Warn, true, ALL),
    rule("tenant-unique-unscoped", Tenant, Warn, true, ALL),
    rule("tenant-index-order", Tenant, Warn, true, ALL),
    rule("tenant-fk-unscoped", Tenant, Warn, true, ALL),
];

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        for (i, a) in RULES.iter().enumerate() {
            assert!(
                a.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                a.id
            );
            assert!(RULES[i + 1..].iter().all(|b| b.id != a.id), "{}", a.id);
        }
        assert_eq!(find("missing-pair").map(|r| r.default), Some(Level::Deny));
        assert!(find("no-such-rule").is_none());
    }
}
