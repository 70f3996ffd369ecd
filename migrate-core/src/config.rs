//! Configuration (SPEC §3): `[package.metadata.migrate]` in the package's Cargo.toml, each key
//! falling back to `[workspace.metadata.migrate]` in the workspace's root manifest.
//!
//! The macro and the CLI both read it through [`Config::from_manifest`], so they agree.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::Dialect;
use crate::position::Position;
use crate::rules::{self, Level, RuleGroup};

/// The settings of one package.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The migration folder, relative to the package root.
    pub dir: PathBuf,
    pub dialect: Option<Dialect>,
    /// Every dialect the folder runs on (`dialects = ["sqlite", "mysql"]`), when it is checked
    /// for more than one: development on SQLite, production on MySQL. Empty: just `dialect`.
    pub dialects: Vec<Dialect>,
    /// The layout of the folder where its files alone cannot tell: `golang-migrate` or `sqlx`
    /// for `.up.sql`/`.down.sql` pairs. `None`: told from the files.
    pub layout: Option<String>,
    /// The history table.
    pub table: TableName,
    /// How `cargo migrate new` numbers a migration in a folder that has none yet.
    pub versioning: Versioning,
    /// A development default; `DATABASE_URL` and `--database-url` win over it.
    pub database_url: Option<String>,
    /// What to do with a pending migration older than the newest applied one.
    pub out_of_order: Level,
    /// The queries file `cargo migrate verify` checks the plans of, relative to the package
    /// root (`explain = "queries.sql"`).
    pub explain: Option<PathBuf>,
    /// The schema file `run`, `down` and `redo` rewrite after every change (`dump =
    /// "schema.sql"`), relative to the package root.
    pub dump: Option<PathBuf>,
    /// How concurrent runners are kept apart (`lock = "session" | "table" | "none"`); `None`:
    /// the session lock, or the table lock on a Galera cluster.
    pub lock: Option<LockStrategy>,
    /// How long the table lock lasts without a heartbeat before another runner may take it
    /// over (`lock-lease = "30s"`); `None`: the runtime's default.
    pub lock_lease: Option<std::time::Duration>,
    /// Named environments (`[package.metadata.migrate.env.staging]`), by name.
    pub environments: std::collections::BTreeMap<String, Environment>,
    pub lint: LintConfig,
    /// The manifest sections this config was read from, in the order they were applied (the
    /// workspace's first, then the package's). Empty for the defaults.
    pub sources: Vec<ConfigSource>,
}

/// A manifest section the config was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSource {
    pub path: PathBuf,
    /// `package.metadata.migrate`, `workspace.metadata.migrate`, or `migrate.toml` (the whole
    /// file).
    pub section: &'static str,
}

/// The name of the config file read beside a migration folder (or in the current folder),
/// with the keys of `[package.metadata.migrate]` at its top level.
pub const CONFIG_FILE: &str = "migrate.toml";

impl Default for Config {
    fn default() -> Self {
        Config {
            dir: PathBuf::from("migrations"),
            dialect: None,
            dialects: Vec::new(),
            layout: None,
            table: TableName::default(),
            versioning: Versioning::Timestamp,
            database_url: None,
            out_of_order: Level::Warn,
            explain: None,
            dump: None,
            lock: None,
            lock_lease: None,
            environments: std::collections::BTreeMap::new(),
            lint: LintConfig::default(),
            sources: Vec::new(),
        }
    }
}

/// One named environment of `[package.metadata.migrate.env.NAME]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Environment {
    /// Its database URL, or `env:VAR` to read it from a variable.
    pub database_url: Option<String>,
    /// Whether destructive commands need `--yes` there; `None`: the default (an environment
    /// named `production` is protected).
    pub protected: Option<bool>,
    /// The folder `run`, `down` and `redo` back up into before every change there.
    pub backup: Option<PathBuf>,
}

impl Environment {
    /// Whether the environment `name` is protected.
    pub fn is_protected(&self, name: &str) -> bool {
        self.protected.unwrap_or(name == "production")
    }
}

/// How concurrent runners of the same migrations are kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockStrategy {
    /// A lock that lives as long as the runner's session: PostgreSQL's advisory lock, MySQL's
    /// `GET_LOCK`, SQLite's write lock. The default on a single server.
    Session,
    /// A row in a table beside the history, taken with an autocommitted write, kept alive by a
    /// heartbeat and taken over only after its lease expired: it survives DDL's implicit
    /// commits and works through transaction poolers and on Galera clusters.
    Table,
    /// No lock: for a single deployer.
    None,
}

impl LockStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            LockStrategy::Session => "session",
            LockStrategy::Table => "table",
            LockStrategy::None => "none",
        }
    }
}

impl std::str::FromStr for LockStrategy {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "session" => Ok(LockStrategy::Session),
            "table" => Ok(LockStrategy::Table),
            "none" => Ok(LockStrategy::None),
            _ => Err(()),
        }
    }
}

impl std::fmt::Display for LockStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A duration as `500ms`, `30s`, `2m` or `1h`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write it as 30s, 2m, 500ms or 1h"))?;
    let seconds = |s: u64| std::time::Duration::from_secs(s);
    match unit {
        "" | "s" => Ok(seconds(n)),
        "ms" => Ok(std::time::Duration::from_millis(n)),
        "m" => Ok(seconds(n * 60)),
        "h" => Ok(seconds(n * 3600)),
        _ => Err(format!(
            "`{text}` has an unknown unit `{unit}`; use ms, s, m or h (30s, 2m)"
        )),
    }
}

/// Version numbering for new migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioning {
    /// `YYYYMMDDHHMMSS`, UTC.
    Timestamp,
    /// Zero-padded counters: `0001`, `0002`, …
    Sequential,
}

/// Lint settings: a level per rule id, and the multi-tenant settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintConfig {
    levels: BTreeMap<&'static str, Level>,
    /// The column every tenant table must have; setting it turns the tenant rules on.
    pub tenant_column: Option<String>,
    /// Tables shared by all tenants, exempt from the tenant rules.
    pub global_tables: Vec<String>,
    /// SQL functions the application registers on its SQLite connections; the SQLite check
    /// registers stubs of them, so migrations that call them run.
    pub sqlite_functions: Vec<String>,
}

impl LintConfig {
    /// The level in force for `rule_id`: the configured one, else the rule's default. Tenant
    /// rules are off until `tenant-column` is set. Unknown ids are `allow`.
    pub fn level(&self, rule_id: &str) -> Level {
        let Some(rule) = rules::find(rule_id) else {
            return Level::Allow;
        };
        if rule.group == RuleGroup::Tenant && self.tenant_column.is_none() {
            return Level::Allow;
        }
        self.levels.get(rule.id).copied().unwrap_or(rule.default)
    }

    /// Sets the level of a rule. Returns an error for an unknown id or for lowering a rule that
    /// must stay an error.
    pub fn set_level(&mut self, rule_id: &str, level: Level) -> Result<(), ConfigErrorKind> {
        let rule = rules::find(rule_id).ok_or_else(|| ConfigErrorKind::UnknownRule {
            rule: rule_id.to_owned(),
        })?;
        if !rule.lowerable && level != Level::Deny {
            return Err(ConfigErrorKind::NotLowerable {
                rule: rule.id.to_owned(),
            });
        }
        self.levels.insert(rule.id, level);
        Ok(())
    }
}

/// A validated, optionally schema-qualified table name. Each part is an unquoted SQL identifier
/// (`[A-Za-z_][A-Za-z0-9_]*`, at most 63 bytes), so it can be written into SQL as it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableName {
    schema: Option<String>,
    name: String,
}

impl Default for TableName {
    fn default() -> Self {
        TableName {
            schema: None,
            name: "_migrations".to_owned(),
        }
    }
}

impl TableName {
    /// Parses `table` or `schema.table`.
    pub fn parse(text: &str) -> Result<TableName, ConfigErrorKind> {
        let invalid = || ConfigErrorKind::BadTableName {
            value: text.to_owned(),
        };
        let mut parts = text.split('.');
        let first = parts.next().ok_or_else(invalid)?;
        let (schema, name) = match (parts.next(), parts.next()) {
            (None, _) => (None, first),
            (Some(second), None) => (Some(first), second),
            (Some(_), Some(_)) => return Err(invalid()),
        };
        for part in schema.iter().chain([&name]) {
            if !is_plain_identifier(part) {
                return Err(invalid());
            }
        }
        Ok(TableName {
            schema: schema.map(str::to_owned),
            name: name.to_owned(),
        })
    }

    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// Whether `s` can be written into SQL unquoted in every dialect: letters, digits and `_`, not
/// starting with a digit, at most 63 bytes (PostgreSQL's limit).
pub fn is_plain_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && s.len() <= 63
}

/// A configuration problem, naming the file and the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ConfigError {
    pub path: PathBuf,
    /// The full dotted key, e.g. `package.metadata.migrate.lint.tenant-column`.
    pub key: Option<String>,
    pub position: Option<Position>,
    pub kind: ConfigErrorKind,
}

impl ConfigError {
    fn render(&self) -> String {
        let mut out = self.path.display().to_string();
        if let Some(position) = self.position {
            out.push_str(&format!(":{position}"));
        }
        out.push_str(": ");
        if let Some(key) = &self.key {
            out.push_str(&format!("`{key}`: "));
        }
        out.push_str(&self.kind.to_string());
        out
    }
}

/// What is wrong with a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    #[error("the file cannot be read ({0}); check the path and its permissions")]
    Unreadable(String),
    #[error("the file is not valid TOML: {0}")]
    Toml(String),
    #[error("unknown key; the keys are {expected}")]
    UnknownKey { expected: &'static str },
    #[error("expected {expected}")]
    WrongType { expected: &'static str },
    #[error("`{value}` is not one of {expected}")]
    BadValue {
        value: String,
        expected: &'static str,
    },
    #[error(
        "`{value}` is not a valid table name; use letters, digits and `_` (at most 63), optionally `schema.table`"
    )]
    BadTableName { value: String },
    #[error("`{rule}` is not a lint rule id; see the list of rules in the docs")]
    UnknownRule { rule: String },
    #[error("the rule `{rule}` cannot be set below `deny`: the folder cannot be run with it")]
    NotLowerable { rule: String },
    #[error("`{value}` is not a valid identifier; use letters, digits and `_` (at most 63)")]
    BadIdentifier { value: String },
    #[error("the dialect `{dialect}` is not one of `dialects`; add it there, or remove `dialect`")]
    DialectNotListed { dialect: Dialect },
}

const TOP_KEYS: &str = "dir, dialect, dialects, layout, table, versioning, database-url, out-of-order, explain, dump, lock, lock-lease, env and lint";
const ENV_KEYS: &str = "database-url, protected and backup";
const LINT_KEYS: &str = "a rule id, tenant-column, global-tables and sqlite-functions";

impl Config {
    /// Reads the configuration of the package whose manifest is `manifest`. Keys missing from
    /// `[package.metadata.migrate]` are taken from `[workspace.metadata.migrate]` of the
    /// workspace root (found through `package.workspace`, or by looking upwards as Cargo does).
    /// The dialects the folder is checked for: `dialects` when given, else `dialect`.
    pub fn checked_dialects(&self) -> Vec<Dialect> {
        if self.dialects.is_empty() {
            self.dialect.into_iter().collect()
        } else {
            self.dialects.clone()
        }
    }

    pub fn from_manifest(manifest: &Path) -> Result<Config, ConfigError> {
        let text = read(manifest)?;
        let doc = parse(manifest, &text)?;
        let mut config = Config::default();

        let package_section = section(&doc, &["package", "metadata", "migrate"]);
        let own_workspace = section(&doc, &["workspace", "metadata", "migrate"]);
        if let Some(ws) = own_workspace {
            // The package is the workspace root: its workspace section is the fallback.
            apply(
                &mut config,
                ws,
                manifest,
                &text,
                "workspace.metadata.migrate",
            )?;
        } else if let Some(root) = workspace_root(manifest, &doc) {
            let root_text = read(&root)?;
            let root_doc = parse(&root, &root_text)?;
            if let Some(ws) = section(&root_doc, &["workspace", "metadata", "migrate"]) {
                apply(
                    &mut config,
                    ws,
                    &root,
                    &root_text,
                    "workspace.metadata.migrate",
                )?;
            }
        }
        // A `migrate.toml` of the package: under the package's own section, over the workspace's.
        let root = manifest.parent().unwrap_or(Path::new("."));
        let mut beside = vec![root.join(CONFIG_FILE)];
        if let Some(pkg) = package_section
            && let Some(DeValue::String(dir)) = get(pkg, "dir").map(Spanned::get_ref)
        {
            let folder = root.join(dir.as_ref());
            beside.push(folder.join(CONFIG_FILE));
            if let Some(parent) = folder.parent() {
                beside.push(parent.join(CONFIG_FILE));
            }
        } else {
            beside.push(root.join("migrations").join(CONFIG_FILE));
        }
        if let Some(file) = beside.into_iter().find(|p| p.is_file()) {
            config.merge_file(&file)?;
        }
        if let Some(pkg) = package_section {
            apply(
                &mut config,
                pkg,
                manifest,
                &text,
                "package.metadata.migrate",
            )?;
        }
        if let Some(d) = config.dialect
            && !config.dialects.is_empty()
            && !config.dialects.contains(&d)
        {
            return Err(ConfigError {
                path: manifest.to_owned(),
                key: Some("package.metadata.migrate.dialect".to_owned()),
                position: None,
                kind: ConfigErrorKind::DialectNotListed { dialect: d },
            });
        }
        Ok(config)
    }
}

impl Config {
    /// The config of a folder with no Cargo package: the defaults, under the first
    /// `migrate.toml` of `candidates` that exists (none: the defaults alone).
    pub fn from_config_file(candidates: &[PathBuf]) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some(file) = candidates.iter().find(|p| p.is_file()) {
            config.merge_file(file)?;
        }
        Ok(config)
    }

    /// Applies a `migrate.toml`: the keys of `[package.metadata.migrate]` at its top level. Its
    /// `dir` is relative to the file's own folder.
    pub fn merge_file(&mut self, file: &Path) -> Result<(), ConfigError> {
        let text = read(file)?;
        let doc = parse(file, &text)?;
        apply(self, &doc, file, &text, "")?;
        if get(&doc, "dir").is_some()
            && self.dir.is_relative()
            && let Some(folder) = file.parent()
        {
            self.dir = folder.join(&self.dir);
        }
        if let Some(source) = self.sources.last_mut() {
            source.section = CONFIG_FILE;
        }
        Ok(())
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_owned(),
        key: None,
        position: None,
        kind: ConfigErrorKind::Unreadable(e.to_string()),
    })
}

fn parse<'i>(path: &Path, text: &'i str) -> Result<DeTable<'i>, ConfigError> {
    DeTable::parse(text)
        .map(Spanned::into_inner)
        .map_err(|e| ConfigError {
            path: path.to_owned(),
            key: None,
            position: e.span().map(|s| Position::of_offset(text, s.start)),
            kind: ConfigErrorKind::Toml(e.message().trim().to_owned()),
        })
}

fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

fn section<'a, 'i>(doc: &'a DeTable<'i>, path: &[&str]) -> Option<&'a DeTable<'i>> {
    let mut table = doc;
    for key in path {
        match get(table, key)?.get_ref() {
            DeValue::Table(t) => table = t,
            _ => return None,
        }
    }
    Some(table)
}

/// The workspace root manifest of a package manifest that is not itself a workspace root.
fn workspace_root(manifest: &Path, doc: &DeTable<'_>) -> Option<PathBuf> {
    let dir = manifest.parent()?;
    if let Some(DeValue::String(explicit)) = section(doc, &["package"])
        .and_then(|p| get(p, "workspace"))
        .map(Spanned::get_ref)
    {
        return Some(dir.join(explicit.as_ref()).join("Cargo.toml"));
    }
    let mut current = dir.parent();
    while let Some(candidate_dir) = current {
        let candidate = candidate_dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&candidate)
            && let Ok(doc) = DeTable::parse(&text)
            && get(doc.get_ref(), "workspace").is_some()
        {
            return Some(candidate);
        }
        current = candidate_dir.parent();
    }
    None
}

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
    prefix: &'a str,
}

impl Ctx<'_> {
    fn error(&self, key: &str, span: Range<usize>, kind: ConfigErrorKind) -> ConfigError {
        ConfigError {
            path: self.path.to_owned(),
            key: Some(if self.prefix.is_empty() {
                key.to_owned()
            } else {
                format!("{}.{key}", self.prefix)
            }),
            position: Some(Position::of_offset(self.text, span.start)),
            kind,
        }
    }

    fn string<'v>(
        &self,
        key: &str,
        value: &'v Spanned<DeValue<'_>>,
    ) -> Result<&'v str, ConfigError> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s.as_ref()),
            _ => Err(self.error(
                key,
                value.span(),
                ConfigErrorKind::WrongType {
                    expected: "a string",
                },
            )),
        }
    }
}

fn apply(
    config: &mut Config,
    table: &DeTable<'_>,
    path: &Path,
    text: &str,
    prefix: &'static str,
) -> Result<(), ConfigError> {
    config.sources.push(ConfigSource {
        path: path.to_owned(),
        section: prefix,
    });
    let ctx = Ctx { path, text, prefix };
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        match name {
            "dir" => config.dir = PathBuf::from(ctx.string(name, value)?),
            "layout" => {
                let s = ctx.string(name, value)?;
                if !matches!(s, "golang-migrate" | "sqlx") {
                    return Err(ctx.error(
                        name,
                        value.span(),
                        ConfigErrorKind::BadValue {
                            value: s.to_owned(),
                            expected: "golang-migrate, sqlx",
                        },
                    ));
                }
                config.layout = Some(s.to_owned());
            }
            "dialects" => {
                let mut dialects = Vec::new();
                for s in string_array(&ctx, name, value)? {
                    let d: Dialect = s.parse().map_err(|_| {
                        ctx.error(
                            name,
                            value.span(),
                            ConfigErrorKind::BadValue {
                                value: s.clone(),
                                expected: "a list of postgres, mysql, sqlite",
                            },
                        )
                    })?;
                    if !dialects.contains(&d) {
                        dialects.push(d);
                    }
                }
                config.dialects = dialects;
            }
            "dialect" => {
                let s = ctx.string(name, value)?;
                config.dialect = Some(s.parse().map_err(|_| {
                    ctx.error(
                        name,
                        value.span(),
                        ConfigErrorKind::BadValue {
                            value: s.to_owned(),
                            expected: "postgres, mysql, sqlite",
                        },
                    )
                })?);
            }
            "table" => {
                let s = ctx.string(name, value)?;
                config.table =
                    TableName::parse(s).map_err(|kind| ctx.error(name, value.span(), kind))?;
            }
            "versioning" => {
                config.versioning = match ctx.string(name, value)? {
                    "timestamp" => Versioning::Timestamp,
                    "sequential" => Versioning::Sequential,
                    other => {
                        return Err(ctx.error(
                            name,
                            value.span(),
                            ConfigErrorKind::BadValue {
                                value: other.to_owned(),
                                expected: "timestamp, sequential",
                            },
                        ));
                    }
                }
            }
            "database-url" => config.database_url = Some(ctx.string(name, value)?.to_owned()),
            "out-of-order" => config.out_of_order = level(&ctx, name, value)?,
            "explain" => config.explain = Some(PathBuf::from(ctx.string(name, value)?)),
            "dump" => config.dump = Some(PathBuf::from(ctx.string(name, value)?)),
            "lock" => {
                let s = ctx.string(name, value)?;
                config.lock = Some(s.parse().map_err(|()| {
                    ctx.error(
                        name,
                        value.span(),
                        ConfigErrorKind::BadValue {
                            value: s.to_owned(),
                            expected: "session, table, none",
                        },
                    )
                })?);
            }
            "lock-lease" => {
                let s = ctx.string(name, value)?;
                let lease = parse_duration(s)
                    .ok()
                    .filter(|d| *d >= std::time::Duration::from_secs(1));
                config.lock_lease = Some(lease.ok_or_else(|| {
                    ctx.error(
                        name,
                        value.span(),
                        ConfigErrorKind::BadValue {
                            value: s.to_owned(),
                            expected: "a duration of at least 1s, as 30s or 2m",
                        },
                    )
                })?);
            }
            "env" => apply_environments(&mut config.environments, value, &ctx)?,
            "lint" => match value.get_ref() {
                DeValue::Table(lint) => apply_lint(&mut config.lint, lint, &ctx)?,
                _ => {
                    return Err(ctx.error(
                        name,
                        value.span(),
                        ConfigErrorKind::WrongType {
                            expected: "a table",
                        },
                    ));
                }
            },
            _ => {
                return Err(ctx.error(
                    name,
                    key.span(),
                    ConfigErrorKind::UnknownKey { expected: TOP_KEYS },
                ));
            }
        }
    }
    Ok(())
}

fn level(ctx: &Ctx<'_>, key: &str, value: &Spanned<DeValue<'_>>) -> Result<Level, ConfigError> {
    let s = ctx.string(key, value)?;
    s.parse().map_err(|()| {
        ctx.error(
            key,
            value.span(),
            ConfigErrorKind::BadValue {
                value: s.to_owned(),
                expected: "deny, warn, allow",
            },
        )
    })
}

fn string_array(
    ctx: &Ctx<'_>,
    key: &str,
    value: &Spanned<DeValue<'_>>,
) -> Result<Vec<String>, ConfigError> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err(ctx.error(
            key,
            value.span(),
            ConfigErrorKind::WrongType {
                expected: "an array of strings",
            },
        ));
    };
    let mut out = Vec::new();
    for item in items.iter() {
        out.push(ctx.string(key, item)?.to_owned());
    }
    Ok(out)
}

/// `env.NAME` tables: each key of a later section wins over the same key of an earlier one.
fn apply_environments(
    environments: &mut std::collections::BTreeMap<String, Environment>,
    value: &Spanned<DeValue<'_>>,
    ctx: &Ctx<'_>,
) -> Result<(), ConfigError> {
    fn table_of<'a, 'v>(
        ctx: &Ctx<'_>,
        key: &str,
        value: &'a Spanned<DeValue<'v>>,
    ) -> Result<&'a DeTable<'v>, ConfigError> {
        match value.get_ref() {
            DeValue::Table(t) => Ok(t),
            _ => Err(ctx.error(
                key,
                value.span(),
                ConfigErrorKind::WrongType {
                    expected: "a table",
                },
            )),
        }
    }
    for (name, settings) in table_of(ctx, "env", value)?.iter() {
        let name = name.get_ref().as_ref();
        let prefix = format!("env.{name}");
        let environment = environments.entry(name.to_owned()).or_default();
        for (key, value) in table_of(ctx, &prefix, settings)?.iter() {
            let key_name = key.get_ref().as_ref();
            let full = format!("{prefix}.{key_name}");
            match key_name {
                "database-url" => {
                    environment.database_url = Some(ctx.string(&full, value)?.to_owned());
                }
                "backup" => {
                    environment.backup = Some(PathBuf::from(ctx.string(&full, value)?));
                }
                "protected" => match value.get_ref() {
                    DeValue::Boolean(b) => environment.protected = Some(*b),
                    _ => {
                        return Err(ctx.error(
                            &full,
                            value.span(),
                            ConfigErrorKind::WrongType {
                                expected: "true or false",
                            },
                        ));
                    }
                },
                _ => {
                    return Err(ctx.error(
                        &full,
                        key.span(),
                        ConfigErrorKind::UnknownKey { expected: ENV_KEYS },
                    ));
                }
            }
        }
    }
    Ok(())
}

fn apply_lint(
    lint: &mut LintConfig,
    table: &DeTable<'_>,
    ctx: &Ctx<'_>,
) -> Result<(), ConfigError> {
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        let full = format!("lint.{name}");
        match name {
            "tenant-column" => {
                let s = ctx.string(&full, value)?;
                if !is_plain_identifier(s) {
                    return Err(ctx.error(
                        &full,
                        value.span(),
                        ConfigErrorKind::BadIdentifier {
                            value: s.to_owned(),
                        },
                    ));
                }
                lint.tenant_column = Some(s.to_owned());
            }
            "global-tables" => lint.global_tables = string_array(ctx, &full, value)?,
            "sqlite-functions" => lint.sqlite_functions = string_array(ctx, &full, value)?,
            _ if rules::find(name).is_some() => {
                let level = level(ctx, &full, value)?;
                lint.set_level(name, level)
                    .map_err(|kind| ctx.error(&full, value.span(), kind))?;
            }
            _ => {
                let kind = if name.contains('-') || name.chars().all(|c| c.is_ascii_lowercase()) {
                    ConfigErrorKind::UnknownRule {
                        rule: name.to_owned(),
                    }
                } else {
                    ConfigErrorKind::UnknownKey {
                        expected: LINT_KEYS,
                    }
                };
                return Err(ctx.error(&full, key.span(), kind));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
        path
    }

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("migrate-core-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn package_keys_override_workspace_keys() {
        let dir = temp("merge");
        write(
            &dir,
            "Cargo.toml",
            "[workspace]\nmembers = [\"app\"]\n[workspace.metadata.migrate]\ndialect = \"postgres\"\ntable = \"app._history\"\n",
        );
        let manifest = write(
            &dir,
            "app/Cargo.toml",
            "[package]\nname = \"app\"\n[package.metadata.migrate]\ndir = \"db/migrations\"\n[package.metadata.migrate.lint]\nindex-not-concurrent = \"deny\"\ntenant-column = \"tenant_id\"\nglobal-tables = [\"tenants\"]\n",
        );
        let config = Config::from_manifest(&manifest).expect("valid config");
        assert_eq!(config.dir, PathBuf::from("db/migrations"));
        assert_eq!(config.dialect, Some(Dialect::Postgres));
        assert_eq!(config.table.to_string(), "app._history");
        assert_eq!(config.lint.level("index-not-concurrent"), Level::Deny);
        assert_eq!(config.lint.level("tenant-index-order"), Level::Warn);
        assert_eq!(config.lint.global_tables, ["tenants"]);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn environments_merge_key_by_key_and_production_is_protected() {
        let dir = temp("environments");
        write(
            &dir,
            "Cargo.toml",
            "[workspace]\nmembers = [\"app\"]\n[workspace.metadata.migrate.env.production]\ndatabase-url = \"env:PROD_URL\"\n[workspace.metadata.migrate.env.staging]\ndatabase-url = \"postgres://staging/app\"\n",
        );
        let manifest = write(
            &dir,
            "app/Cargo.toml",
            "[package]\nname = \"app\"\n[package.metadata.migrate.env.staging]\nprotected = true\n[package.metadata.migrate.env.qa]\nprotected = false\n",
        );
        let config = Config::from_manifest(&manifest).expect("valid config");
        let env = |n: &str| config.environments.get(n).expect("declared");
        assert_eq!(
            env("production").database_url.as_deref(),
            Some("env:PROD_URL")
        );
        assert!(env("production").is_protected("production"));
        assert_eq!(
            env("staging").database_url.as_deref(),
            Some("postgres://staging/app")
        );
        assert!(env("staging").is_protected("staging"));
        assert!(!env("qa").is_protected("qa"));
        let bad = write(
            &dir,
            "bad/Cargo.toml",
            "[package]\nname = \"bad\"\n[package.metadata.migrate.env.staging]\nurl = \"x\"\n",
        );
        let err = Config::from_manifest(&bad).expect_err("unknown key");
        assert!(err.to_string().contains("env.staging.url"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn the_lock_and_its_lease() {
        let dir = temp("lock");
        let manifest = write(
            &dir,
            "Cargo.toml",
            "[package]\nname = \"x\"\n[package.metadata.migrate]\nlock = \"table\"\nlock-lease = \"2m\"\n",
        );
        let config = Config::from_manifest(&manifest).expect("valid config");
        assert_eq!(config.lock, Some(LockStrategy::Table));
        assert_eq!(config.lock_lease, Some(std::time::Duration::from_secs(120)));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn defaults_without_metadata() {
        let dir = temp("defaults");
        let manifest = write(&dir, "Cargo.toml", "[package]\nname = \"x\"\n");
        let config = Config::from_manifest(&manifest).expect("valid config");
        assert_eq!(config, Config::default());
        assert_eq!(config.lint.level("tenant-column-missing"), Level::Allow);
        assert_eq!(config.lint.level("not-idempotent"), Level::Allow);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn errors_name_the_file_the_key_and_the_line() {
        let dir = temp("errors");
        let cases = [
            (
                "dialect = \"oracle\"",
                "package.metadata.migrate.dialect",
                "oracle",
            ),
            (
                "colour = \"red\"",
                "package.metadata.migrate.colour",
                "unknown key",
            ),
            (
                "table = \"x; DROP TABLE users\"",
                "package.metadata.migrate.table",
                "not a valid table name",
            ),
            (
                "dir = 3",
                "package.metadata.migrate.dir",
                "expected a string",
            ),
            (
                "[package.metadata.migrate.lint]\nno-such-rule = \"deny\"",
                "package.metadata.migrate.lint.no-such-rule",
                "not a lint rule",
            ),
            (
                "[package.metadata.migrate.lint]\nduplicate-version = \"warn\"",
                "package.metadata.migrate.lint.duplicate-version",
                "cannot be set below",
            ),
            (
                "lock = \"advisory\"",
                "package.metadata.migrate.lock",
                "session, table, none",
            ),
            (
                "lock-lease = \"500ms\"",
                "package.metadata.migrate.lock-lease",
                "at least 1s",
            ),
            (
                "[package.metadata.migrate.lint]\ndrop-table = \"loud\"",
                "package.metadata.migrate.lint.drop-table",
                "deny, warn, allow",
            ),
        ];
        for (body, key, words) in cases {
            let manifest = write(
                &dir,
                "Cargo.toml",
                &format!("[package]\nname = \"x\"\n[package.metadata.migrate]\n{body}\n"),
            );
            let err = Config::from_manifest(&manifest).expect_err(body);
            assert_eq!(err.key.as_deref(), Some(key), "{body}");
            assert!(err.position.is_some_and(|p| p.line >= 4), "{body}: {err}");
            let text = err.to_string();
            assert!(text.starts_with(&manifest.display().to_string()), "{text}");
            assert!(text.contains(words), "{text}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn invalid_toml_is_reported_with_a_position() {
        let dir = temp("toml");
        let manifest = write(&dir, "Cargo.toml", "[package\nname = 1\n");
        let err = Config::from_manifest(&manifest).expect_err("bad toml");
        assert!(matches!(err.kind, ConfigErrorKind::Toml(_)));
        assert_eq!(err.position.map(|p| p.line), Some(1));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn table_names() {
        assert!(TableName::parse("_migrations").is_ok());
        assert_eq!(
            TableName::parse("app._m")
                .map(|t| (t.schema().map(str::to_owned), t.name().to_owned())),
            Ok((Some("app".to_owned()), "_m".to_owned()))
        );
        for bad in [
            "",
            "a.b.c",
            "1abc",
            "x; DROP TABLE users",
            "a-b",
            "\"q\"",
            &"x".repeat(64),
        ] {
            assert!(TableName::parse(bad).is_err(), "{bad}");
        }
    }
}
