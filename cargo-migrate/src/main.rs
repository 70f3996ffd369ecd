//! `cargo migrate`: main only parses, dispatches and maps failures to exit codes (SPEC §6):
//! 0 success · 1 database or migration failure · 2 usage or configuration · 3 validation ·
//! 4 `status --exit-code` found something to do · 5 `verify`/`drift` found a difference.

mod backup;
mod cli;
mod commands;
mod context;
mod db;
mod dump;
mod failure;
mod fleet;
mod output;
mod report;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cargo, Command};
use crate::output::Output;

fn main() -> ExitCode {
    // Run directly as `cargo-migrate status`, the `migrate` Cargo adds is missing: add it.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_none_or(|a| a != "migrate") {
        args.insert(1, "migrate".into());
    }
    let Cargo::Migrate(mut migrate) = match Cargo::try_parse_from(&args) {
        Ok(parsed) => parsed,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                failure::code::USAGE
            } else {
                0
            });
        }
    };
    migrate.global.order_lint_levels(&args);
    migrate.global.destructive = match &migrate.command {
        Command::Down(_) => Some("down"),
        Command::Redo(_) => Some("redo"),
        Command::Database(commands::database::Command::Drop) => Some("database drop"),
        Command::Database(commands::database::Command::Reset) => Some("database reset"),
        _ => None,
    };
    migrate.global.applies = matches!(&migrate.command, Command::Run(a) if !a.dry_run);
    migrate.global.backs_up = match &migrate.command {
        Command::Run(a) => a.backup.backup.is_some(),
        Command::Down(a) => a.backup.backup.is_some(),
        Command::Redo(a) => a.backup.backup.is_some(),
        _ => false,
    };
    let global = migrate.global;
    let out = Output::new(global.color, global.quiet, global.verbose, global.format);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(failure::code::DATABASE);
        }
    };
    let result = runtime.block_on(async {
        if fleet::asked(&global) {
            return match migrate.command {
                Command::Run(args) => {
                    let to = args.to.as_deref().map(commands::version).transpose();
                    match to {
                        Ok(to) => fleet::exec(&global, fleet::Action::Run { to }, &out).await,
                        Err(e) => Err(e),
                    }
                }
                Command::Status(args) => {
                    let action = fleet::Action::Status {
                        exit_code: args.exit_code,
                    };
                    fleet::exec(&global, action, &out).await
                }
                Command::Down(args) => match commands::down::target(&args) {
                    Ok(target) => fleet::exec(&global, fleet::Action::Down { target }, &out).await,
                    Err(e) => Err(e),
                },
                Command::Drift(args) if args.scratch_url.is_none() => {
                    fleet::exec(&global, fleet::Action::Drift, &out).await
                }
                Command::Drift(_) => Err(failure::Failure::usage(
                    "--scratch-url names one scratch database, and a fan-out needs one per target; leave it out and each target gets its own beside it",
                )),
                Command::Check(args) => commands::check::exec(&global, &args, &out),
                _ => Err(failure::Failure::usage(
                    "--schemas and --targets fan out `run`, `status`, `down` and `drift` (`check` runs once); run this command on one database",
                )),
            };
        }
        match migrate.command {
            Command::Init(args) => commands::init::exec(&global, &args, &out),
            Command::New(args) => commands::new::exec(&global, &args, &out),
            Command::Check(args) => commands::check::exec(&global, &args, &out),
            Command::Run(args) => commands::run::exec(&global, &args, &out).await,
            Command::Down(args) => commands::down::exec(&global, &args, &out).await,
            Command::Redo(args) => commands::redo::exec(&global, &args, &out).await,
            Command::Status(args) => commands::status::exec(&global, &args, &out).await,
            Command::Baseline(args) => commands::baseline::exec(&global, &args, &out).await,
            Command::Adopt(args) => commands::adopt::exec(&global, &args, &out).await,
            Command::Resolve(args) => commands::resolve::exec(&global, &args, &out).await,
            Command::Repair(args) => commands::repair::exec(&global, &args, &out).await,
            Command::Verify(args) => commands::verify::exec(&global, &args, &out).await,
            Command::Wait(args) => commands::wait::exec(&global, &args, &out).await,
            Command::Dump(args) => commands::dump::exec(&global, &args, &out).await,
            Command::Backup(args) => commands::backup::exec(&global, &args, &out).await,
            Command::Restore(args) => commands::restore::exec(&global, &args, &out).await,
            Command::Drift(args) => commands::drift::exec(&global, &args, &out).await,
            Command::Database(cmd) => commands::database::exec(&global, &cmd, &out).await,
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            let text = output::redact(&f.to_string());
            let label = out.paint("error", "31");
            eprintln!("{}", text.replacen("error", &label, 1));
            ExitCode::from(f.code)
        }
    }
}
