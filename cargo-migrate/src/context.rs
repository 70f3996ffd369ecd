//! Which package, which folder, which config and which database a command works on.

use std::path::{Path, PathBuf};

use migrate_core::{Config, Dialect, MigrationSet, TableName};

use crate::cli::Global;
use crate::database_url::DatabaseUrl;
use crate::failure::Failure;
use crate::output::mask_url;

/// The package (or, with `--dir`, the bare folder) a command works on.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    /// The package root, or the current folder with `--dir` and no package.
    pub root: PathBuf,
    pub name: String,
    /// The package's Cargo.toml, when there is a package.
    pub manifest: Option<PathBuf>,
    pub config: Config,
    /// The migration folder, absolute.
    pub dir: PathBuf,
}

impl Project {
    /// Resolves the project from the global options.
    pub(crate) fn resolve(global: &Global) -> Result<Project, Failure> {
        let cwd = std::env::current_dir().map_err(|e| {
            Failure::usage("the current folder cannot be read; run from an existing folder")
                .caused_by(&e)
        })?;
        let own_config = cwd.join(migrate_core::config::CONFIG_FILE);
        let no_package = global.manifest_path.is_none()
            && global.package.is_none()
            && (global.dir.is_some() || (own_config.is_file() && !cwd.join("Cargo.toml").exists()));
        if no_package {
            // With `--dir` (or a `migrate.toml` here and no Cargo package), no package is
            // needed: the settings come from a `migrate.toml` beside the folder or here.
            let mut candidates = Vec::new();
            if let Some(dir) = &global.dir {
                let dir = cwd.join(dir);
                candidates.push(dir.join(migrate_core::config::CONFIG_FILE));
                if let Some(parent) = dir.parent() {
                    candidates.push(parent.join(migrate_core::config::CONFIG_FILE));
                }
            }
            candidates.push(own_config);
            let mut config = Config::from_config_file(&candidates).map_err(Failure::from)?;
            apply_flags(&mut config, global)?;
            let dir = match &global.dir {
                Some(dir) => cwd.join(dir),
                None => cwd.join(&config.dir),
            };
            let name = cwd.file_name().map_or_else(
                || "migrate".to_owned(),
                |n| n.to_string_lossy().into_owned(),
            );
            return Ok(Project {
                root: cwd,
                name,
                manifest: None,
                config,
                dir,
            });
        }
        let package = find_package(global, &cwd)?;
        let root = package
            .manifest
            .parent()
            .map_or_else(|| cwd.clone(), Path::to_path_buf);
        let mut config = Config::from_manifest(&package.manifest)?;
        apply_flags(&mut config, global)?;
        let dir = match &global.dir {
            Some(d) => cwd.join(d),
            None => root.join(&config.dir),
        };
        Ok(Project {
            root,
            name: package.name,
            manifest: Some(package.manifest),
            config,
            dir,
        })
    }

    /// Loads the migration folder, or fails with every problem listed (exit 3).
    pub(crate) fn load(&self) -> Result<MigrationSet, Failure> {
        MigrationSet::load(&self.dir, &self.config).map_err(|e| {
            let mut f = Failure::validation(format!(
                "the migration folder {} has {} problem{}; fix them, then run the command again (`cargo migrate check` shows them with context)",
                self.shown(&self.dir),
                e.errors().count(),
                if e.errors().count() == 1 { "" } else { "s" }
            ));
            f.causes = e.errors().map(|d| self.shown_diagnostic(d)).collect();
            f
        })
    }

    /// The configured dialect, else the one of the database URL the commands would use
    /// (which is SQLite when no URL is set anywhere).
    pub(crate) fn infer_dialect(&mut self, global: &Global) {
        if self.config.dialect.is_none()
            && let Ok(db) = Database::resolve(global, self)
        {
            self.config.dialect = Some(db.dialect);
        }
    }

    /// A path relative to the package root, for messages.
    pub(crate) fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    fn shown_diagnostic(&self, d: &migrate_core::Diagnostic) -> String {
        let mut shown = d.clone();
        if let Ok(rel) = d.path.strip_prefix(&self.root) {
            shown.path = rel.to_owned();
        }
        shown.to_string()
    }
}

fn apply_flags(config: &mut Config, global: &Global) -> Result<(), Failure> {
    if let Some(first) = global.dialect.first() {
        config.dialect = Some((*first).into());
        config.dialects = global.dialect.iter().map(|d| (*d).into()).collect();
    }
    if let Some(lock) = global.lock {
        config.lock = Some(lock.into());
    }
    if let Some(t) = &global.table {
        config.table = TableName::parse(t).map_err(|e| Failure::usage(format!("--table: {e}")))?;
    }
    if let Some(dir) = &global.dir {
        config.dir = dir.clone();
    }
    for (level, rule) in &global.lint_levels {
        config.lint.set_level(rule, *level).map_err(|e| {
            let ids: Vec<&str> = migrate_core::rules::RULES.iter().map(|r| r.id).collect();
            Failure::usage(format!(
                "{} {rule}: {e}; the rules are {}",
                match level {
                    migrate_core::Level::Allow => "-A",
                    migrate_core::Level::Warn => "-W",
                    migrate_core::Level::Deny => "-D",
                },
                ids.join(", ")
            ))
        })?;
    }
    Ok(())
}

struct Package {
    name: String,
    manifest: PathBuf,
}

/// The package to work on, from `--manifest-path`, `-p` and the current folder, through
/// `cargo metadata --no-deps` (honouring `$CARGO`).
fn find_package(global: &Global, cwd: &Path) -> Result<Package, Failure> {
    let mut cmd = cargo_metadata::MetadataCommand::new();
    cmd.no_deps();
    if let Some(path) = &global.manifest_path {
        cmd.manifest_path(path);
    }
    cmd.current_dir(cwd);
    let metadata = cmd.exec().map_err(|e| {
        Failure::usage(
            "`cargo metadata` failed, so the package is unknown; run inside a Cargo package, pass --manifest-path, or pass --dir to work on a bare folder",
        )
        .caused_by(&e)
    })?;
    let members: Vec<&cargo_metadata::Package> = metadata.workspace_packages();
    if let Some(name) = &global.package {
        return members
            .iter()
            .find(|p| p.name.as_str() == name)
            .map(|p| Package {
                name: p.name.to_string(),
                manifest: p.manifest_path.clone().into(),
            })
            .ok_or_else(|| {
                let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
                Failure::usage(format!(
                    "no package `{name}` in this workspace; the packages are {}",
                    names.join(", ")
                ))
            });
    }
    // The package whose folder holds the current folder (the deepest one), as cargo does.
    let here = global.manifest_path.as_ref().map_or_else(
        || cwd.to_path_buf(),
        |m| {
            let m = cwd.join(m);
            m.parent().map_or(m.clone(), Path::to_path_buf)
        },
    );
    let containing = members
        .iter()
        .filter(|p| {
            p.manifest_path
                .parent()
                .is_some_and(|d| here.starts_with(d.as_std_path()))
        })
        .max_by_key(|p| p.manifest_path.as_str().len());
    if let Some(p) = containing {
        return Ok(Package {
            name: p.name.to_string(),
            manifest: p.manifest_path.clone().into(),
        });
    }
    // At a virtual workspace root: the one member with a migration folder.
    let with_migrations: Vec<&&cargo_metadata::Package> = members
        .iter()
        .filter(|p| {
            let manifest: PathBuf = p.manifest_path.clone().into();
            Config::from_manifest(&manifest)
                .is_ok_and(|c| manifest.parent().is_some_and(|d| d.join(&c.dir).is_dir()))
        })
        .collect();
    match with_migrations.as_slice() {
        [one] => Ok(Package {
            name: one.name.to_string(),
            manifest: one.manifest_path.clone().into(),
        }),
        [] => Err(Failure::usage(
            "this is a virtual workspace and no member has a migration folder; pass -p <package> (and run `cargo migrate init` there first)",
        )),
        many => {
            let names: Vec<&str> = many.iter().map(|p| p.name.as_str()).collect();
            Err(Failure::usage(format!(
                "several packages have migrations ({}); pass -p <package> to choose one",
                names.join(", ")
            )))
        }
    }
}

/// The database a command uses and where its URL came from.
#[derive(Debug, Clone)]
pub(crate) struct Database {
    pub url: DatabaseUrl,
    pub dialect: Dialect,
    /// Where the URL came from, for messages (`--database-url`, `--env staging:
    /// STAGING_DATABASE_URL`, …).
    pub source: String,
    /// The `--env` environment, when one was named.
    pub environment: Option<String>,
    /// Whether that environment is protected.
    pub protected: bool,
    /// `--wait`: how long to wait for the server to accept a connection.
    pub wait: Option<std::time::Duration>,
    /// The environment's `backup` folder, relative to the package root.
    pub backup: Option<PathBuf>,
}

impl Database {
    /// URL order: `--database-url`, `DATABASE_URL` (environment, then `.env` in the package
    /// root), the metadata default, else a SQLite file named after the package.
    pub(crate) fn resolve(global: &Global, project: &Project) -> Result<Database, Failure> {
        let env_file = |name: &str| {
            dotenvy::from_path_iter(project.root.join(".env"))
                .ok()
                .and_then(|iter| {
                    iter.filter_map(Result::ok)
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v)
                })
        };
        // A variable from the environment, then from the package's `.env`.
        let variable = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .or_else(|| env_file(name))
        };
        let mut environment = None;
        let mut protected = false;
        let (url, source) = if let Some(name) = &global.env {
            if global.database_url.is_some() {
                return Err(Failure::usage(format!(
                    "--env {name} and --database-url both name a database; give one of them"
                )));
            }
            let (url, source, is_protected) = environment_url(name, project, &variable)?;
            environment = Some(name.clone());
            protected = is_protected;
            (url, source)
        } else if let Some(url) = &global.database_url {
            (url.clone(), "--database-url".to_owned())
        } else if let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            (url, "DATABASE_URL".to_owned())
        } else if let Some(url) = env_file("DATABASE_URL") {
            (url, ".env".to_owned())
        } else if let Some(url) = &project.config.database_url {
            (
                url.clone(),
                "[package.metadata.migrate] database-url".to_owned(),
            )
        } else {
            match project.config.dialect {
                None | Some(Dialect::Sqlite) => {
                    let file = project.root.join(format!("{}.db", project.name));
                    (
                        format!("sqlite://{}", file.display()),
                        "the default SQLite database".to_owned(),
                    )
                }
                Some(d) => {
                    return Err(Failure::usage(format!(
                        "no database URL for this {d} package; pass --database-url or --env, set DATABASE_URL (or put it in .env), or set `database-url` in [package.metadata.migrate]"
                    )));
                }
            }
        };
        if let (true, Some(command), false) = (protected, global.destructive, global.yes) {
            let name = environment.as_deref().unwrap_or_default();
            return Err(Failure::usage(format!(
                "`{name}` is a protected environment, so `{command}` changes nothing there without --yes; nothing was changed: run it again with --yes if you mean it"
            )));
        }
        let Some(url) = DatabaseUrl::parse(&url) else {
            return Err(Failure::usage(format!(
                "the database URL {} (from {source}) has an unknown scheme; use postgres://, mysql:// or sqlite://",
                mask_url(&url)
            )));
        };
        let dialect = url.dialect();
        let configured = project.config.checked_dialects();
        if !configured.is_empty() && !configured.contains(&dialect) {
            let names: Vec<&str> = configured.iter().map(|d| d.as_str()).collect();
            return Err(Failure::usage(format!(
                "the database URL {url} (from {source}) is {dialect}, but the dialect is {}; use a {} URL or change `dialect`",
                names.join(", "),
                names.join(" or ")
            )));
        }
        Ok(Database {
            url,
            dialect,
            source,
            backup: environment
                .as_ref()
                .and_then(|e| project.config.environments.get(e))
                .and_then(|e| e.backup.clone()),
            environment,
            protected,
            wait: global.wait,
        })
    }

    pub(crate) fn shown(&self) -> String {
        self.url.masked()
    }

    /// Says which database a command uses and where its URL came from.
    pub(crate) fn announce(&self, out: &crate::output::Output) {
        out.say(&format!(
            "database: {} (from {})",
            self.shown(),
            self.source
        ));
    }
}

/// The URL of the environment `name`, where it came from, and whether the environment is
/// protected: `database-url` of `[package.metadata.migrate.env.NAME]` (`env:VAR` reads a
/// variable), else `<NAME>_DATABASE_URL`. An unknown name is a usage error that lists the
/// known ones.
fn environment_url(
    name: &str,
    project: &Project,
    variable: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, String, bool), Failure> {
    let declared = project.config.environments.get(name);
    let protected = declared.is_some_and(|e| e.is_protected(name));
    let fallback = format!("{}_DATABASE_URL", name.to_uppercase().replace('-', "_"));
    if let Some(configured) = declared.and_then(|e| e.database_url.as_deref()) {
        let section = format!("`env.{name}.database-url` in the config");
        return match configured.strip_prefix("env:") {
            Some(var) => match variable(var) {
                Some(url) => Ok((url, format!("--env {name}: {var}"), protected)),
                None => Err(Failure::usage(format!(
                    "the environment `{name}` reads its URL from {var} (`database-url = \"env:{var}\"`), which is not set; set {var} (in the environment or .env)"
                ))),
            },
            None => Ok((
                configured.to_owned(),
                format!("--env {name}: {section}"),
                protected,
            )),
        };
    }
    if let Some(url) = variable(&fallback) {
        return Ok((url, format!("--env {name}: {fallback}"), protected));
    }
    if declared.is_some() {
        return Err(Failure::usage(format!(
            "the environment `{name}` has no `database-url` and {fallback} is not set; set one of them"
        )));
    }
    let mut known: Vec<String> = project.config.environments.keys().cloned().collect();
    let from_variables = std::env::vars()
        .map(|(k, _)| k)
        .chain(
            dotenvy::from_path_iter(project.root.join(".env"))
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
                .map(|(k, _)| k),
        )
        .filter_map(|k| {
            k.strip_suffix("_DATABASE_URL")
                .filter(|n| !n.is_empty())
                .map(|n| n.to_lowercase().replace('_', "-"))
        });
    known.extend(from_variables);
    known.sort();
    known.dedup();
    let listed = if known.is_empty() {
        "none is declared".to_owned()
    } else {
        format!("the known ones are {}", known.join(", "))
    };
    Err(Failure::usage(format!(
        "there is no environment `{name}` ({listed}); declare it in [package.metadata.migrate.env.{name}] or set {fallback}"
    )))
}
