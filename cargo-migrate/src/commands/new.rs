//! `cargo migrate new <name>`: the next migration, with up and down SQL drawn from its name.

use std::path::Path;

use migrate_core::layout::{FolderLayout, NewMigration, next_version};
use migrate_core::{Dialect, MigrationSet, Versioning};

use crate::cli::Global;
use crate::context::Project;
use crate::failure::Failure;
use crate::output::Output;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Layout {
    /// One file with `-- migrate:up` and `-- migrate:down` sections
    File,
    /// `.up.sql` and `.down.sql`
    Pair,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// What the migration does: `create_<table>_table`, `add_<column>_to_<table>`,
    /// `add_index_on_<table>_<columns>`, `drop_<table>_table`, or anything else
    pub name: String,
    /// Write no down section (an irreversible migration)
    #[arg(long)]
    pub no_down: bool,
    /// File layout (default: the folder's own, from its newest migration; `file` for a new
    /// folder)
    #[arg(long, value_enum)]
    pub layout: Option<Layout>,
    /// Number it sequentially (0001, 0002, …)
    #[arg(long, conflicts_with = "timestamp")]
    pub sequential: bool,
    /// Number it with a UTC timestamp (YYYYMMDDHHMMSS)
    #[arg(long)]
    pub timestamp: bool,
}

/// The up and down SQL for a name, and whether each must run outside a transaction.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Template {
    pub up: String,
    pub down: String,
    pub no_transaction: bool,
}

/// Draws SQL from the name's verb, for the dialect; every template passes `cargo migrate check`.
pub(crate) fn template(name: &str, dialect: Option<Dialect>) -> Template {
    let pg = dialect == Some(Dialect::Postgres);
    let lock = if pg { "SET lock_timeout = '5s';\n" } else { "" };
    let plain = |up: String, down: String| Template {
        up,
        down,
        no_transaction: false,
    };
    if let Some(table) = name
        .strip_prefix("create_")
        .and_then(|n| n.strip_suffix("_table"))
    {
        let columns = match dialect {
            Some(Dialect::Postgres) => {
                "    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    created_at TIMESTAMPTZ NOT NULL DEFAULT now()"
            }
            Some(Dialect::Mysql) => {
                "    id BIGINT AUTO_INCREMENT PRIMARY KEY,\n    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
            }
            Some(Dialect::Sqlite) => {
                "    id INTEGER PRIMARY KEY,\n    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP"
            }
            None => "    id BIGINT PRIMARY KEY",
        };
        return plain(
            format!("CREATE TABLE IF NOT EXISTS {table} (\n{columns}\n);\n"),
            format!("DROP TABLE IF EXISTS {table};\n"),
        );
    }
    if let Some(table) = name
        .strip_prefix("drop_")
        .and_then(|n| n.strip_suffix("_table"))
    {
        return plain(
            format!("{lock}DROP TABLE IF EXISTS {table};\n"),
            format!("-- Recreate {table} here to make this migration reversible.\n"),
        );
    }
    if let Some(rest) = name.strip_prefix("add_index_on_")
        && let Some((table, cols)) = rest.split_once('_')
    {
        let columns: Vec<&str> = cols.split("_and_").collect();
        let index = format!("{table}_{}_idx", columns.join("_"));
        let list = columns.join(", ");
        return match dialect {
            Some(Dialect::Postgres) => Template {
                up: format!(
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS {index} ON {table} ({list});\n"
                ),
                down: format!("DROP INDEX CONCURRENTLY IF EXISTS {index};\n"),
                no_transaction: true,
            },
            Some(Dialect::Mysql) => plain(
                format!("CREATE INDEX {index} ON {table} ({list}) ALGORITHM=INPLACE LOCK=NONE;\n"),
                format!("DROP INDEX {index} ON {table};\n"),
            ),
            _ => plain(
                format!("CREATE INDEX IF NOT EXISTS {index} ON {table} ({list});\n"),
                format!("DROP INDEX IF EXISTS {index};\n"),
            ),
        };
    }
    if let Some(rest) = name.strip_prefix("add_")
        && let Some((column, table)) = rest.rsplit_once("_to_")
    {
        return plain(
            format!("{lock}ALTER TABLE {table} ADD COLUMN {column} TEXT;\n"),
            format!("{lock}ALTER TABLE {table} DROP COLUMN {column};\n"),
        );
    }
    plain(
        "-- Write the migration here.\n".to_owned(),
        "-- Write the SQL that undoes it here.\n".to_owned(),
    )
}

/// `Create users table!` → `create_users_table`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// The numbers of the migration files already in the folder: version text of each.
fn existing_versions(dir: &Path, project: &Project) -> Vec<String> {
    if let Ok(set) = MigrationSet::load(dir, &project.config) {
        return set
            .migrations
            .iter()
            .map(|m| m.version_text.clone())
            .collect();
    }
    // A folder with problems: read the leading digits of the names.
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                })
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn exec(global: &Global, args: &Args, out: &Output) -> Result<u8, Failure> {
    let mut project = Project::resolve(global)?;
    project.infer_dialect(global);
    let name = slug(&args.name);
    if name.is_empty() {
        return Err(Failure::usage(format!(
            "`{}` has no letters or digits to name a migration with; try `create_users_table`",
            args.name
        )));
    }
    if !project.dir.is_dir() {
        return Err(Failure::usage(format!(
            "the migration folder {} does not exist; run `cargo migrate init` first",
            project.shown(&project.dir)
        )));
    }
    let set = MigrationSet::load(&project.dir, &project.config).ok();
    let folder_layout = match args.layout {
        Some(Layout::File) => FolderLayout::Native,
        Some(Layout::Pair) if args.no_down => FolderLayout::SqlxSimple,
        Some(Layout::Pair) => FolderLayout::SqlxReversible,
        None => set
            .as_ref()
            .and_then(FolderLayout::of)
            .unwrap_or(FolderLayout::Native),
    };
    let existing = existing_versions(&project.dir, &project);
    let scheme = if args.sequential {
        Versioning::Sequential
    } else if args.timestamp {
        Versioning::Timestamp
    } else if existing.is_empty() {
        project.config.versioning
    } else if existing.iter().any(|v| v.replace('-', "").len() >= 14) {
        Versioning::Timestamp
    } else {
        Versioning::Sequential
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let version = match (&set, folder_layout) {
        (Some(set), FolderLayout::Diesel | FolderLayout::Prisma | FolderLayout::Flyway) => {
            folder_layout.next_version(set, scheme, now)
        }
        _ => next_version(&existing, scheme, now),
    };
    let t = template(&name, project.config.dialect);
    let new = NewMigration {
        name: &name,
        up: &t.up,
        down: (!args.no_down).then_some(t.down.as_str()),
        no_transaction: t.no_transaction,
    };
    let empty;
    let set_ref = match &set {
        Some(set) => set,
        None => {
            empty = MigrationSet {
                dir: project.dir.clone(),
                migrations: Vec::new(),
                repeatable: Vec::new(),
                warnings: Vec::new(),
            };
            &empty
        }
    };
    let written: Vec<(std::path::PathBuf, String)> = folder_layout
        .files(set_ref, &version, &new)
        .into_iter()
        .map(|(path, text)| (project.dir.join(path), text))
        .collect();
    if folder_layout == FolderLayout::SqlxSimple && !args.no_down {
        out.say("the folder's migrations are whole files with no `-- migrate:down` section (sqlx's simple layout), so this one is too; pass `--layout file` for a file with both sections");
    }
    for (path, text) in &written {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Failure::usage(format!(
                    "cannot create {}; check the folder's permissions",
                    parent.display()
                ))
                .caused_by(&e)
            })?;
        }
        if path.exists() {
            return Err(Failure::usage(format!(
                "{} already exists; choose another name",
                project.shown(path)
            )));
        }
        std::fs::write(path, text).map_err(|e| {
            Failure::usage(format!(
                "cannot write {}; check the folder's permissions",
                path.display()
            ))
            .caused_by(&e)
        })?;
        out.data(&format!("created {}", project.shown(path)));
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every template, for every dialect, passes `check` with no error.
    #[test]
    fn templates_pass_check() {
        let names = [
            "create_features_table",
            "add_priority_to_features",
            "add_index_on_features_priority",
            "add_index_on_features_id_and_priority",
            "drop_features_table",
        ];
        for dialect in Dialect::ALL {
            let dir =
                std::env::temp_dir().join(format!("migrate-new-{dialect}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("mkdir");
            for (i, name) in names.iter().enumerate() {
                let t = template(name, Some(dialect));
                let directive = if t.no_transaction {
                    " transaction:false"
                } else {
                    ""
                };
                let text = format!(
                    "-- migrate:up{directive}\n{}\n-- migrate:down{directive}\n{}",
                    t.up, t.down
                );
                std::fs::write(dir.join(format!("{:04}_{name}.sql", i + 1)), text).expect("write");
            }
            let mut config = migrate_core::Config::default();
            config.dialect = Some(dialect);
            let set =
                MigrationSet::load(&dir, &config).unwrap_or_else(|e| panic!("{dialect}: {e}"));
            let report = migrate_core::check(&set, &config);
            let errors: Vec<String> = report
                .errors()
                .map(|f| format!("{}: {}", f.rule, f.message))
                .collect();
            assert!(errors.is_empty(), "{dialect}: {errors:?}");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn slugs_and_templates() {
        assert_eq!(slug("Create users table!"), "create_users_table");
        let t = template("add_priority_to_features", Some(Dialect::Postgres));
        assert_eq!(
            t.up,
            "SET lock_timeout = '5s';\nALTER TABLE features ADD COLUMN priority TEXT;\n"
        );
        let t = template(
            "add_index_on_users_tenant_id_and_email",
            Some(Dialect::Postgres),
        );
        assert!(t.no_transaction);
        assert!(t.up.contains("ON users (tenant_id, email)"), "{}", t.up);
        assert!(
            template("create_features_table", Some(Dialect::Sqlite))
                .up
                .starts_with("CREATE TABLE IF NOT EXISTS features")
        );
    }
}
