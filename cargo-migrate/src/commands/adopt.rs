//! `cargo migrate adopt --from <tool>`: take over a database another migration tool has been
//! migrating, by recording as applied exactly what that tool's history table says it applied.

use migrate_core::adopt::{Adopter, Tool};
use migrate_runtime::State;
use serde_json::json;

use super::Session;
use crate::cli::Global;
use crate::db::with_pool;
use crate::failure::Failure;
use crate::output::{Format, Output};
use crate::report::to_json;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The tool whose history table to read: sqlx, diesel, golang-migrate, dbmate, flyway,
    /// prisma or refinery
    #[arg(long, value_name = "TOOL", value_parser = parse_tool)]
    pub from: Tool,
    /// That tool's history table, when it is not the tool's default (`schema.name` allowed;
    /// `--table` names cargo-migrate's own)
    #[arg(long, value_name = "NAME")]
    pub from_table: Option<String>,
    /// Print what would be recorded, and record nothing
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_tool(text: &str) -> Result<Tool, String> {
    text.parse()
}

pub(crate) async fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let session = Session::open(global, out).await?;
    let adopter =
        Adopter::new(args.from, &session.set).map_err(|e| Failure::usage(e.to_string()))?;
    let table = args.from_table.as_deref();
    let result = with_pool!(&session.pool, p => async {
        let adoption = session.migrator.adopt(p, &adopter, table, args.dry_run).await?;
        // What stays pending afterwards (on a dry run: would), as `status` will show it.
        let status = session.migrator.status(p).await?;
        Ok::<_, migrate_runtime::Error>((adoption, status))
    }.await);
    session.pool.close().await;
    let (adoption, status) = result?;
    let tool = args.from;
    let pending = status
        .iter()
        .filter(|s| s.state == State::Pending && !adoption.recorded.contains(&s.version))
        .count();
    if out.format == Format::Json {
        out.data(&to_json(&json!({
            "from": tool.name(),
            "table": adoption.table,
            "dry_run": args.dry_run,
            "applied": adoption.applied,
            "recorded": adoption.recorded,
            "changed": adoption.changed,
            "pending": pending,
        })));
        return Ok(0);
    }
    for name in &adoption.changed {
        out.warn(&format!(
            "repeatable migration `{name}` changed since {tool} last ran it: the next `cargo migrate run` applies it again, as {tool} would"
        ));
    }
    let verb = if args.dry_run {
        "would record"
    } else {
        "recorded"
    };
    for version in &adoption.recorded {
        let name = session
            .migrator
            .migrations()
            .iter()
            .chain(session.migrator.repeatable())
            .find(|m| m.version() == version)
            .map_or("", |m| m.name());
        // A dry run's list is the plan the user asked for: data, like `run --dry-run`'s.
        if args.dry_run {
            out.data(&format!("{verb} {version} {name}"));
        } else {
            out.say(&format!("{verb} {version} {name}"));
        }
    }
    let applied = adoption.applied.len();
    let s = |n: usize| if n == 1 { "" } else { "s" };
    if adoption.recorded.is_empty() {
        out.say(&format!(
            "nothing to record: {tool}'s table `{}` lists {applied} applied migration{}, all in the history already",
            adoption.table,
            s(applied)
        ));
    } else {
        out.say(&format!(
            "{verb} {} of the {applied} migration{} {tool}'s table `{}` lists as applied; nothing was run, and `{}` was only read",
            adoption.recorded.len(),
            s(applied),
            adoption.table,
            adoption.table,
        ));
    }
    if pending > 0 {
        out.say(&format!(
            "{pending} migration{} pending; `cargo migrate status` lists {}, `cargo migrate run` applies {}",
            if pending == 1 { " is" } else { "s are" },
            if pending == 1 { "it" } else { "them" },
            if pending == 1 { "it" } else { "them" },
        ));
    }
    if args.dry_run {
        out.say("dry run: nothing was written");
    }
    Ok(0)
}
