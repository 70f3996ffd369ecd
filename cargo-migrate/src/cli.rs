//! The command line: `cargo migrate <command>`, as Cargo invokes it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::output::{ColorChoice, Format};

/// Cargo runs `cargo-migrate migrate …`; the one variant swallows the `migrate`.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo", styles = clap::builder::Styles::plain())]
pub(crate) enum Cargo {
    Migrate(Migrate),
}

/// Scaffold, check, apply and revert SQL migrations (PostgreSQL, MySQL/MariaDB, SQLite).
#[derive(Debug, Args)]
#[command(version, about, long_about = None)]
pub(crate) struct Migrate {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DialectArg {
    Postgres,
    Mysql,
    Sqlite,
}

impl From<DialectArg> for migrate_core::Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Postgres => migrate_core::Dialect::Postgres,
            DialectArg::Mysql => migrate_core::Dialect::Mysql,
            DialectArg::Sqlite => migrate_core::Dialect::Sqlite,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LockArg {
    Session,
    Table,
    None,
}

impl From<LockArg> for migrate_core::config::LockStrategy {
    fn from(l: LockArg) -> Self {
        match l {
            LockArg::Session => migrate_core::config::LockStrategy::Session,
            LockArg::Table => migrate_core::config::LockStrategy::Table,
            LockArg::None => migrate_core::config::LockStrategy::None,
        }
    }
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    /// Path to the package's Cargo.toml
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// The package to work on, in a workspace
    #[arg(short, long, global = true, value_name = "NAME")]
    pub package: Option<String>,
    /// The migration folder; with it, no Cargo package is needed
    #[arg(long, global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The SQL dialect, or several (`sqlite,mysql`) to check the folder for each (default: from
    /// the config, else the URL's scheme)
    #[arg(long, global = true, value_enum, value_delimiter = ',')]
    pub dialect: Vec<DialectArg>,
    /// The database URL (default: DATABASE_URL, .env, the config, then a SQLite file)
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// The environment: its URL from `[package.metadata.migrate.env.NAME]`, else from
    /// `<NAME>_DATABASE_URL`
    #[arg(long, global = true, value_name = "NAME", env = "MIGRATE_ENV")]
    pub env: Option<String>,
    /// Go ahead without asking: `restore`, `database drop` and `database reset` ask first (and
    /// refuse with no terminal to ask on), as do `down` and `redo` over many targets; on a
    /// protected environment `run` asks and `down` and `redo` refuse without it
    #[arg(long, global = true)]
    pub yes: bool,
    /// Wait for the database to accept connections, at most this long (`30s`, `2m`; `--wait`
    /// alone: 60s)
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "60s",
        value_parser = parse_duration
    )]
    pub wait: Option<std::time::Duration>,
    /// Run `run`, `down`, `redo`, `status`, `drift`, `baseline`, `resolve` or `repair` on every
    /// PostgreSQL schema whose name matches (`tenant_*`), each with its own history table and
    /// lock
    #[arg(long, global = true, value_name = "PATTERN")]
    pub schemas: Option<String>,
    /// Run those commands on the databases of a file: one URL (or `env:VAR`) per line
    #[arg(long, global = true, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// With --schemas or --targets: how many targets at a time (default 4). With verify: on how
    /// many scratch databases at once (default: one per core, at most 4)
    #[arg(short, long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// With --schemas or --targets: start no new target once one failed
    #[arg(long, global = true)]
    pub fail_fast: bool,
    /// With --schemas or --targets: the first N targets alone first; stop if any fails
    #[arg(long, global = true, value_name = "N")]
    pub canary: Option<usize>,
    /// The history table, `name` or `schema.name`
    #[arg(long, global = true, value_name = "NAME")]
    pub table: Option<String>,
    /// How concurrent runners are kept apart, over the config's `lock`: `session` (the default
    /// on a single server), `table` (the default on Galera; set it behind PgBouncer), `none`
    #[arg(long, global = true, value_enum, value_name = "STRATEGY")]
    pub lock: Option<LockArg>,
    /// When to use colour
    #[arg(long, global = true, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Print only data and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more about what is done
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Output format; `sarif` and `github` are for `check`
    #[arg(long, global = true, value_enum, default_value = "human")]
    pub format: Format,
    /// Set a lint rule to `allow`, over the config (repeatable; the last level given wins)
    #[arg(short = 'A', long = "allow", global = true, value_name = "RULE")]
    pub allow: Vec<String>,
    /// Set a lint rule to `warn`, over the config
    #[arg(short = 'W', long = "warn", global = true, value_name = "RULE")]
    pub warn: Vec<String>,
    /// Set a lint rule to `deny`, over the config
    #[arg(short = 'D', long = "deny", global = true, value_name = "RULE")]
    pub deny: Vec<String>,
    /// `-A`, `-W` and `-D` in the order they were given, so the last one wins.
    #[arg(skip)]
    pub lint_levels: Vec<(migrate_core::Level, String)>,
    /// The command, when it changes what a protected environment has without `run`'s question
    /// (`down`, `redo`, `database drop`, `database reset`): set by `main`.
    #[arg(skip)]
    pub destructive: Option<&'static str>,
    /// Whether the command applies migrations (`run`, not `--dry-run`), which asks first on a
    /// protected environment: set by `main`.
    #[arg(skip)]
    pub applies: bool,
    /// Whether the command was asked to back up first (`--backup`): set by `main`.
    #[arg(skip)]
    pub backs_up: bool,
}

pub(crate) use migrate_core::config::parse_duration;

impl Global {
    /// Orders `-A/-W/-D` as they appear in `args`, the raw command line.
    pub(crate) fn order_lint_levels(&mut self, args: &[std::ffi::OsString]) {
        use migrate_core::Level;
        let mut ordered = Vec::new();
        let mut args = args.iter().map(|a| a.to_string_lossy().into_owned());
        while let Some(arg) = args.next() {
            if arg == "--" {
                break;
            }
            let (level, attached) = match arg.as_str() {
                "-A" | "--allow" => (Level::Allow, None),
                "-W" | "--warn" => (Level::Warn, None),
                "-D" | "--deny" => (Level::Deny, None),
                a if a.starts_with("--allow=") => {
                    (Level::Allow, Some(a["--allow=".len()..].to_owned()))
                }
                a if a.starts_with("--warn=") => {
                    (Level::Warn, Some(a["--warn=".len()..].to_owned()))
                }
                a if a.starts_with("--deny=") => {
                    (Level::Deny, Some(a["--deny=".len()..].to_owned()))
                }
                a if a.len() > 2 && a.starts_with("-A") => (Level::Allow, Some(a[2..].to_owned())),
                a if a.len() > 2 && a.starts_with("-W") => (Level::Warn, Some(a[2..].to_owned())),
                a if a.len() > 2 && a.starts_with("-D") => (Level::Deny, Some(a[2..].to_owned())),
                _ => continue,
            };
            if let Some(rule) = attached.or_else(|| args.next()) {
                ordered.push((level, rule));
            }
        }
        // What clap parsed is the truth; the scan only gives the order. Should they disagree
        // (an unusual spelling), the levels apply as allow, then warn, then deny.
        if ordered.len() != self.allow.len() + self.warn.len() + self.deny.len() {
            ordered = self
                .allow
                .iter()
                .map(|r| (Level::Allow, r.clone()))
                .chain(self.warn.iter().map(|r| (Level::Warn, r.clone())))
                .chain(self.deny.iter().map(|r| (Level::Deny, r.clone())))
                .collect();
        }
        self.lint_levels = ordered;
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create the migration folder, the config section and the build.rs line
    Init(commands::init::Args),
    /// Write the next migration, with SQL drawn from its name
    New(commands::new::Args),
    /// Check every migration offline: names, syntax and lint rules (exit 3 on errors)
    Check(commands::check::Args),
    /// Apply pending migrations
    #[command(alias = "up")]
    Run(commands::run::Args),
    /// Revert applied migrations (the last one by default)
    #[command(alias = "revert", alias = "rollback")]
    Down(commands::down::Args),
    /// Revert, then re-apply, the last N migrations
    Redo(commands::redo::Args),
    /// List every migration and its state (applied, pending, modified, missing, dirty)
    Status(commands::status::Args),
    /// Record migrations up to a version as applied, without running them
    Baseline(commands::baseline::Args),
    /// Record as applied what another tool (sqlx, diesel, golang-migrate, dbmate, Flyway,
    /// Prisma, refinery) recorded in its own history table
    Adopt(commands::adopt::Args),
    /// Mark one migration applied or rolled back after a manual repair
    Resolve(commands::resolve::Args),
    /// Re-record checksums and down SQL of applied migrations from the files
    Repair(commands::repair::Args),
    /// On a scratch database: apply each migration, run its down and its up again, and
    /// compare schema snapshots (exit 5 when a down does not restore the schema)
    Verify(commands::verify::Args),
    /// Compare the database's schema with what its applied migrations make (exit 5 on drift)
    Drift(commands::drift::Args),
    /// Back the database up with the server's own tool (SQLite: a consistent copy)
    Backup(commands::backup::Args),
    /// Replace the database's contents with a backup's (asks first)
    Restore(commands::restore::Args),
    /// Write the schema as the server's dump tool prints it, then the history rows, as
    /// schema.sql (deterministic: two dumps of one database are the same bytes)
    Dump(commands::dump::Args),
    /// Wait until the database accepts connections (exit 1 with the last error after the
    /// timeout)
    Wait(commands::wait::Args),
    /// Create, drop or reset the database in the URL
    #[command(subcommand)]
    Database(commands::database::Command),
}

impl Command {
    /// The command's name, as typed.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Command::Init(_) => "init",
            Command::New(_) => "new",
            Command::Check(_) => "check",
            Command::Run(_) => "run",
            Command::Down(_) => "down",
            Command::Redo(_) => "redo",
            Command::Status(_) => "status",
            Command::Baseline(_) => "baseline",
            Command::Adopt(_) => "adopt",
            Command::Resolve(_) => "resolve",
            Command::Repair(_) => "repair",
            Command::Verify(_) => "verify",
            Command::Drift(_) => "drift",
            Command::Backup(_) => "backup",
            Command::Restore(_) => "restore",
            Command::Dump(_) => "dump",
            Command::Wait(_) => "wait",
            Command::Database(commands::database::Command::Create) => "database create",
            Command::Database(commands::database::Command::Drop) => "database drop",
            Command::Database(commands::database::Command::Reset) => "database reset",
        }
    }

    /// The `--format` values the command prints: `human` everywhere, `json` where the output
    /// is data, `sarif` and `github` for `check`. Any other is refused before anything runs.
    pub(crate) fn formats(&self) -> &'static [Format] {
        match self {
            Command::Check(_) => &[Format::Human, Format::Json, Format::Sarif, Format::Github],
            Command::Run(_)
            | Command::Down(_)
            | Command::Redo(_)
            | Command::Status(_)
            | Command::Baseline(_)
            | Command::Adopt(_)
            | Command::Resolve(_)
            | Command::Repair(_)
            | Command::Verify(_)
            | Command::Drift(_)
            | Command::Backup(_) => &[Format::Human, Format::Json],
            Command::Init(_)
            | Command::New(_)
            | Command::Restore(_)
            | Command::Dump(_)
            | Command::Wait(_)
            | Command::Database(_) => &[Format::Human],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cargo::command().debug_assert();
    }

    #[test]
    fn durations() {
        use std::time::Duration;
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("2 weeks").is_err());
        assert!(parse_duration("s").is_err());
    }
}
