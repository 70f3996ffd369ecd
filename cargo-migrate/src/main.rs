//! `cargo migrate`: main only parses, dispatches and maps failures to exit codes (SPEC §6):
//! 0 success · 1 database or migration failure · 2 usage or configuration · 3 validation ·
//! 4 `status --exit-code` found something to do · 5 `verify`/`drift` found a difference.

mod backup;
mod child;
mod cli;
mod commands;
mod context;
mod database_url;
mod db;
mod dump;
mod failure;
mod fleet;
mod health;
mod output;
mod report;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cargo, Command};
use crate::output::Output;

fn main() -> ExitCode {
    // A panic is a bug, and its message may quote a URL: it is masked like every other line.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{}", output::redact(&info.to_string()));
    }));
    // Run directly as `cargo-migrate status`, the `migrate` Cargo adds is missing: add it.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_none_or(|a| a != "migrate") {
        args.insert(1, "migrate".into());
    }
    let Cargo::Migrate(mut migrate) = match Cargo::try_parse_from(&args) {
        Ok(parsed) => parsed,
        Err(e) => {
            if !e.use_stderr() {
                // --help and --version.
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let rendered = output::redact(&e.render().to_string());
            if json_asked(&args) {
                let failure =
                    failure::Failure::usage(rendered.trim_start_matches("error: ").trim());
                print_failure(&failure, true, &Output::silent());
            } else {
                eprint!("{rendered}");
            }
            return ExitCode::from(failure::code::USAGE);
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
    let formats = migrate.command.formats();
    if !formats.contains(&global.format) {
        let names: Vec<&str> = formats.iter().map(|f| f.as_str()).collect();
        let failure = failure::Failure::usage(format!(
            "`{}` prints no `{}` output, so nothing was done; its formats are {}",
            migrate.command.name(),
            global.format.as_str(),
            names.join(", ")
        ));
        print_failure(&failure, global.format == output::Format::Json, &out);
        return ExitCode::from(failure.code);
    }
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
        let name = migrate.command.name();
        fleet::refuse_fan_out_options(&global, name)?;
        let fans_out = matches!(
            migrate.command,
            Command::Run(_)
                | Command::Down(_)
                | Command::Redo(_)
                | Command::Status(_)
                | Command::Drift(_)
                | Command::Baseline(_)
                | Command::Resolve(_)
                | Command::Repair(_)
                | Command::Check(_)
        );
        if fleet::asked(&global) && !fans_out {
            return Err(failure::Failure::usage(format!(
                "`{name}` works on one database, and --schemas/--targets name many; nothing was done: run it on each database (`run`, `down`, `redo`, `status`, `drift`, `baseline`, `resolve` and `repair` fan out; `check` runs once)"
            )));
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
            print_failure(&f, out.format == output::Format::Json, &out);
            ExitCode::from(f.code)
        }
    }
}

/// Prints a failure: for people, `error: …` and its causes on stderr; under `--format json`,
/// one JSON object on stdout, `{"error": {"code", "message", "hint", "causes"}}`, where
/// `code` is the exit code. Either way every URL's password is masked.
fn print_failure(f: &failure::Failure, json: bool, out: &Output) {
    if json {
        if !f.in_document {
            out.data(&report::to_json(&serde_json::json!({ "error": f.json() })));
        }
    } else {
        let text = output::redact(&f.to_string());
        let label = out.paint("error", "31");
        eprintln!("{}", text.replacen("error", &label, 1));
    }
}

/// Whether the raw command line asks for `--format json`, for errors found before it parsed.
fn json_asked(args: &[std::ffi::OsString]) -> bool {
    args.windows(2)
        .any(|w| w[0] == "--format" && w[1] == "json")
        || args.iter().any(|a| a == "--format=json")
}
