//! Checking a migration folder offline: syntax per dialect and the lint rules of SPEC §7, each
//! finding with its rule, level, `path:line:column`, the statement, why it is dangerous and the
//! safe recipe. The macro and `cargo migrate check` both call [`check`].
//!
//! The library returns data; rendering is in [`render`], and only the CLI prints.

#[cfg(feature = "mysql")]
pub(crate) mod mysql;
mod rules;
mod schema;
#[cfg(feature = "sqlite")]
mod sqlite;
mod statement;
mod syntax;
mod tokens;

pub mod render;

use std::path::PathBuf;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::migration::{Migration, Section, TransactionMode};
use crate::position::{Position, line_at};
use crate::rules::Level;
use crate::set::MigrationSet;
use crate::split::split;
use crate::{Dialect, rules as registry};

/// One finding of [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule id (SPEC §7), or a loader code such as `bad-name`.
    pub rule: &'static str,
    pub level: Level,
    pub path: PathBuf,
    pub position: Option<Position>,
    /// The line at `position`, quoted in renderings.
    pub line: Option<String>,
    /// The statement the finding is about.
    pub statement: Option<String>,
    /// What is wrong.
    pub message: String,
    /// Why it is dangerous (empty for plain errors).
    pub why: String,
    /// The safe recipe, or what to do.
    pub fix: String,
    /// When the folder is checked for several dialects: the ones this finding holds for, if
    /// not all of them (a statement one of them refuses). Empty otherwise.
    pub dialects: Vec<Dialect>,
}

impl Finding {
    /// A loader diagnostic as a finding, so one rendering covers both.
    pub fn from_diagnostic(d: &Diagnostic) -> Finding {
        let rule = registry::find_code(d.kind.code()).map_or(d.kind.code(), |r| r.id);
        Finding {
            rule,
            level: d.level,
            path: d.path.clone(),
            position: d.position,
            line: d.line.clone(),
            statement: None,
            message: d.kind.message(),
            why: String::new(),
            fix: d.kind.help(),
            dialects: Vec::new(),
        }
    }
}

/// Everything [`check`] found, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub findings: Vec<Finding>,
}

impl CheckReport {
    /// Whether any finding is at `deny` level.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.level == Level::Deny)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.level == Level::Deny)
    }
}

/// Checks a loaded folder for `config.dialect`, or once for each of `config.dialects` when the
/// folder runs on several. Without a dialect only the dialect-free rules run. The set's own
/// warnings (ignored files, rules set to `warn`) come first.
///
/// With several dialects, a finding every dialect reports is reported once; one that only some
/// report (a statement one of them refuses) names them in [`Finding::dialects`].
pub fn check(set: &MigrationSet, config: &Config) -> CheckReport {
    let dialects = config.checked_dialects();
    if dialects.len() < 2 {
        let mut one = config.clone();
        one.dialect = dialects.first().copied();
        return check_one(set, &one);
    }
    let mut merged: Vec<Finding> = Vec::new();
    for dialect in &dialects {
        let mut one = config.clone();
        one.dialect = Some(*dialect);
        for f in check_one(set, &one).findings {
            let same = merged.iter_mut().find(|m| {
                (m.rule, &m.path, m.position, &m.message, m.level)
                    == (f.rule, &f.path, f.position, &f.message, f.level)
            });
            match same {
                Some(m) => m.dialects.push(*dialect),
                None => merged.push(Finding {
                    dialects: vec![*dialect],
                    ..f
                }),
            }
        }
    }
    for f in &mut merged {
        if f.dialects.len() == dialects.len() {
            f.dialects.clear();
        }
    }
    merged.sort_by(|a, b| (&a.path, a.position).cmp(&(&b.path, b.position)));
    CheckReport { findings: merged }
}

fn check_one(set: &MigrationSet, config: &Config) -> CheckReport {
    let mut checker = Checker {
        config,
        dialect: config.dialect,
        schema: schema::Schema::default(),
        executed: execute(set, config),
        findings: set.warnings.iter().map(Finding::from_diagnostic).collect(),
    };
    for (index, m) in set.migrations.iter().enumerate() {
        checker.migration(index, m);
    }
    for (index, r) in set.repeatable.iter().enumerate() {
        let problems = checker
            .executed
            .as_mut()
            .map(|e| std::mem::take(&mut e.repeatable[index]));
        checker.section(usize::MAX, &r.up, Direction::Up, false, problems);
    }
    let mut findings = checker.findings;
    findings.sort_by(|a, b| (&a.path, a.position).cmp(&(&b.path, b.position)));
    CheckReport { findings }
}

/// Whether the SQLite check can execute migrations: the `sqlite` feature builds it in.
pub const SQLITE_EXECUTION: bool = cfg!(feature = "sqlite");

/// The SQLite dialect's check executes the whole folder first; the other dialects parse each
/// section as it is checked.
#[cfg(feature = "sqlite")]
fn execute(set: &MigrationSet, config: &Config) -> Option<sqlite::Executed> {
    (config.dialect == Some(Dialect::Sqlite))
        .then(|| sqlite::execute(set, &config.lint.sqlite_functions))
}

#[cfg(not(feature = "sqlite"))]
fn execute(_: &MigrationSet, _: &Config) -> Option<NotExecuted> {
    None
}

/// Without the `sqlite` feature nothing is executed.
#[cfg(not(feature = "sqlite"))]
struct NotExecuted {
    up: Vec<Vec<syntax::SyntaxProblem>>,
    down: Vec<Vec<syntax::SyntaxProblem>>,
    repeatable: Vec<Vec<syntax::SyntaxProblem>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

/// A statement with what the rules need to know about where it is.
pub(crate) struct Context<'a> {
    /// Byte offset of the statement in the section's SQL.
    pub start: usize,
    pub text: &'a str,
    pub migration: usize,
    pub dialect: Option<Dialect>,
    pub transactional: bool,
    /// Whether a `SET lock_timeout` came before, in this section.
    pub lock_timeout_set: bool,
    /// The section's SQL after this statement.
    pub after: &'a str,
    /// SQLite: whether the section turns foreign keys off, so the runner runs it with
    /// enforcement off in a transaction of its own.
    pub foreign_keys_off: bool,
}

struct Checker<'a> {
    config: &'a Config,
    dialect: Option<Dialect>,
    schema: schema::Schema,
    /// What executing the folder found (SQLite only).
    #[cfg(feature = "sqlite")]
    executed: Option<sqlite::Executed>,
    #[cfg(not(feature = "sqlite"))]
    executed: Option<NotExecuted>,
    findings: Vec<Finding>,
}

/// A finding before its level and allowances are applied.
pub(crate) struct Raw {
    pub rule: &'static str,
    /// Byte offset in the section's SQL.
    pub offset: usize,
    pub statement: Option<String>,
    pub message: String,
    pub why: String,
    pub fix: String,
    /// The highest level this finding may have, whatever its rule's level: a case the server
    /// only warns about, under a rule that is otherwise an error.
    pub cap: Option<Level>,
}

impl Checker<'_> {
    fn migration(&mut self, index: usize, m: &Migration) {
        let (up, down) = match self.executed.as_mut() {
            Some(e) => (
                Some(std::mem::take(&mut e.up[index])),
                Some(std::mem::take(&mut e.down[index])),
            ),
            None => (None, None),
        };
        let mut used = self.section(index, &m.up, Direction::Up, m.down.is_none(), up);
        if let Some(section) = &m.down {
            used.extend(self.section(index, section, Direction::Down, false, down));
        }
        // A whole-file allow is unused only when it silenced nothing in either direction.
        for allow in m.up.allows.iter().filter(|a| a.whole_file) {
            if !used.contains(&allow.line) {
                self.unused_allow(&m.up, allow);
            }
        }
    }

    fn unused_allow(&mut self, section: &Section, allow: &crate::migration::Allow) {
        self.findings.push(Finding {
            rule: "unused-allow",
            level: Level::Warn,
            path: section.path.clone(),
            position: Some(Position {
                line: allow.line,
                column: 1,
            }),
            line: None,
            statement: None,
            message: format!(
                "`-- migrate:allow {}` silences nothing",
                allow.rules.join(", ")
            ),
            why: "a stale allow hides the rule from the next statement written below it".to_owned(),
            fix: "remove the line, or move it above the statement it is meant for".to_owned(),
            dialects: Vec::new(),
        });
    }

    /// Checks one section; `executed` is what executing it found, where the dialect's check
    /// executes. Returns the lines of the whole-file allows it used.
    fn section(
        &mut self,
        index: usize,
        section: &Section,
        direction: Direction,
        irreversible: bool,
        executed: Option<Vec<syntax::SyntaxProblem>>,
    ) -> Vec<u32> {
        let sql = section.sql.as_str();
        let transactional = section.transaction == TransactionMode::Transaction;
        let mut raw: Vec<Raw> = Vec::new();

        // Syntax.
        let problems = match (executed, self.dialect) {
            (Some(found), _) => found,
            (None, Some(Dialect::Postgres)) => syntax::postgres(sql),
            (None, Some(Dialect::Mysql)) => syntax::mysql(sql),
            // Without the `sqlite` feature: the lexical checks only.
            (None, Some(Dialect::Sqlite)) => syntax::lexical(split(sql, Dialect::Sqlite).issues),
            (None, None) => Vec::new(),
        };
        for p in problems {
            raw.push(Raw {
                rule: p.rule,
                offset: p.offset,
                statement: None,
                message: p.message,
                why: String::new(),
                fix: p.fix,
                cap: None,
            });
        }

        if direction == Direction::Up && irreversible {
            raw.push(Raw {
                rule: "irreversible",
                offset: 0,
                statement: None,
                message: "the migration has no down section, so it cannot be reverted".to_owned(),
                why: "`cargo migrate down` refuses it, and a bad deploy cannot be rolled back"
                    .to_owned(),
                fix: "add a `-- migrate:down` section (or a `.down.sql` file) that undoes it"
                    .to_owned(),
                cap: None,
            });
        }

        // Rules, statement by statement; the schema follows the up sections.
        let dialect = self.dialect.unwrap_or(Dialect::Postgres);
        let mut lock_timeout_set = false;
        let mut pending_fks = Vec::new();
        let foreign_keys_off =
            self.dialect == Some(Dialect::Sqlite) && crate::sqlite::foreign_keys_off(sql);
        for s in split(sql, dialect).sql() {
            let text = s.text(sql);
            let toks = tokens::tokens(text, dialect);
            let st = statement::classify(&toks);
            let ctx = Context {
                start: s.body.start,
                text,
                migration: index,
                dialect: self.dialect,
                transactional,
                lock_timeout_set,
                after: &sql[s.span.end..],
                foreign_keys_off,
            };
            rules::structural(&ctx, &toks, &self.schema, &mut raw);
            if direction == Direction::Up {
                rules::safety(&ctx, &toks, &st, &self.schema, &mut raw, &mut pending_fks);
                rules::tenant(&ctx, &st, &self.schema, &self.config.lint, &mut raw);
                self.schema.apply(&st, index);
            }
            if st == statement::Statement::SetLockTimeout {
                lock_timeout_set = true;
            }
        }
        // Foreign keys are judged with the indexes the whole migration created.
        for fk in pending_fks {
            rules::fk_without_index(fk, &self.schema, &mut raw);
        }

        self.emit(section, raw)
    }

    /// Applies levels and `-- migrate:allow` lines, and reports statement allows that silenced
    /// nothing. Returns the lines of the whole-file allows that silenced something.
    fn emit(&mut self, section: &Section, raw: Vec<Raw>) -> Vec<u32> {
        let sql = &section.sql;
        let statements: Vec<(usize, u32)> = split(sql, self.dialect.unwrap_or(Dialect::Postgres))
            .sql()
            .map(|s| (s.body.start, section.position_of(s.body.start).line))
            .collect();
        let mut used = vec![false; section.allows.len()];
        let mut seen = std::collections::HashSet::new();
        for r in raw {
            // The executed check and the rules may both see one problem.
            if !seen.insert((r.rule, r.offset)) {
                continue;
            }
            let Some(rule) = registry::find(r.rule) else {
                debug_assert!(false, "`{}` is not in the rule registry", r.rule);
                continue;
            };
            if !rule.dialects.is_empty()
                && !self.dialect.is_some_and(|d| rule.dialects.contains(&d))
            {
                continue;
            }
            let level = self.config.lint.level(r.rule);
            let level = r.cap.map_or(level, |cap| level.min(cap));
            if level == Level::Allow {
                continue;
            }
            let line = section.position_of(r.offset).line;
            // The statement holding the finding starts at or before it.
            let statement_line = statements
                .iter()
                .rev()
                .find(|(start, _)| *start <= r.offset)
                .map_or(line, |(_, l)| *l);
            let silenced = section.allows.iter().enumerate().find(|(_, a)| {
                a.rules.iter().any(|id| id == r.rule)
                    && (a.whole_file
                        || next_statement_line(&statements, a.line) == Some(statement_line))
            });
            if let Some((i, _)) = silenced {
                used[i] = true;
                continue;
            }
            let position = section.position_of(r.offset);
            self.findings.push(Finding {
                rule: rule.id,
                level,
                path: section.path.clone(),
                position: Some(position),
                line: Some(line_at(sql, r.offset).to_owned()),
                statement: r.statement,
                message: r.message,
                why: r.why,
                fix: r.fix,
                dialects: Vec::new(),
            });
        }
        let mut whole_file_used = Vec::new();
        for (allow, used) in section.allows.iter().zip(used) {
            match (allow.whole_file, used) {
                (true, true) => whole_file_used.push(allow.line),
                (false, false) => self.unused_allow(section, allow),
                _ => {}
            }
        }
        whole_file_used
    }
}

/// The line of the first statement after an allow on `line`.
fn next_statement_line(statements: &[(usize, u32)], line: u32) -> Option<u32> {
    statements.iter().map(|(_, l)| *l).find(|l| *l > line)
}
