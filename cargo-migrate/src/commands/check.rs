//! `cargo migrate check`: everything the macro checks, offline, plus warnings.

use migrate_core::check::{Finding, render};
use migrate_core::{MigrationSet, check};

use crate::cli::Global;
use crate::context::Project;
use crate::failure::{Failure, code};
use crate::output::{Format, Output};
use crate::report;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print what a rule or code finds, why it matters, what to do and an example, then exit
    /// (docs/RULES.md lists them all)
    #[arg(long, value_name = "RULE")]
    explain: Option<String>,
}

pub(crate) fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    if let Some(id) = &args.explain {
        return explain(id, out);
    }
    let mut project = Project::resolve(global)?;
    project.infer_dialect(global);
    let (set, findings) = match MigrationSet::load(&project.dir, &project.config) {
        Ok(set) => {
            let report = check(&set, &project.config);
            (Some(set), report.findings)
        }
        Err(e) => (
            None,
            e.diagnostics.iter().map(Finding::from_diagnostic).collect(),
        ),
    };
    if project.config.dialect.is_none() && out.human() {
        out.warn("no dialect is known, so the SQL is not checked against a database's syntax; pass --dialect or set `dialect` in [package.metadata.migrate]");
    }
    let base = &project.root;
    // CI reads file paths from the directory it runs in (a repository's root, for GitHub), so
    // the machine formats name files from there when the package lies under it.
    let cwd = std::env::current_dir().ok();
    let ci_base = cwd
        .as_deref()
        .filter(|cwd| project.root.starts_with(cwd))
        .unwrap_or(base);
    let text = match out.format {
        Format::Human => {
            let count = set.as_ref().map_or(0, |s| s.migrations.len());
            let mut text = render::human(&findings, base);
            text.insert_str(
                0,
                &format!(
                    "checked {count} migrations in {}\n",
                    project.shown(&project.dir)
                ),
            );
            text
        }
        Format::Json => report::json(set.as_ref(), &findings, base),
        Format::Sarif => report::sarif(&findings, ci_base),
        Format::Github => report::github(&findings, ci_base),
    };
    out.data(text.trim_end());
    let failed = set.is_none()
        || findings
            .iter()
            .any(|f| f.level == migrate_core::Level::Deny);
    Ok(if failed { code::VALIDATION } else { 0 })
}

/// `check --explain <id>`: the rule's entry of docs/RULES.md.
fn explain(id: &str, out: &Output) -> Result<u8, Failure> {
    match migrate_core::rules::find_code(id) {
        Some(rule) => {
            out.data(migrate_core::rules::explain(rule).trim_end());
            Ok(0)
        }
        None => {
            let ids: Vec<&str> = migrate_core::rules::all().map(|r| r.id).collect();
            Err(Failure::usage(format!(
                "`{id}` is not a rule or code of cargo migrate check; the ids are: {}",
                ids.join(", ")
            )))
        }
    }
}
