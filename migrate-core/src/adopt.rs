//! Adopting a database from another migration tool: which of a folder's migrations that tool's
//! own history table records as applied, judged by the tool's own rules.
//!
//! The database side (reading the table, recording the result in one transaction) is
//! `migrate-runtime`'s `Migrator::adopt`; this module holds what is the same on every database:
//! each tool's table, how its rows name a migration, and its own checksum. docs/MIGRATING.md
//! cites each tool's source for every rule here.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sha2::{Digest, Sha256, Sha384};

use crate::migration::{Layout, Migration};
use crate::{Dialect, MigrationSet, Version};

/// A migration tool whose history table can be adopted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    Sqlx,
    Diesel,
    GolangMigrate,
    Dbmate,
    Flyway,
    Prisma,
    Refinery,
}

impl Tool {
    /// Every tool, in the order the docs list them.
    pub const ALL: [Tool; 7] = [
        Tool::Sqlx,
        Tool::Diesel,
        Tool::GolangMigrate,
        Tool::Dbmate,
        Tool::Flyway,
        Tool::Prisma,
        Tool::Refinery,
    ];

    /// The name `--from` takes.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Sqlx => "sqlx",
            Tool::Diesel => "diesel",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Dbmate => "dbmate",
            Tool::Flyway => "flyway",
            Tool::Prisma => "prisma",
            Tool::Refinery => "refinery",
        }
    }

    /// The history table the tool writes unless configured otherwise.
    pub fn default_table(self) -> &'static str {
        match self {
            Tool::Sqlx => "_sqlx_migrations",
            Tool::Diesel => "__diesel_schema_migrations",
            Tool::GolangMigrate | Tool::Dbmate => "schema_migrations",
            Tool::Flyway => "flyway_schema_history",
            Tool::Prisma => "_prisma_migrations",
            Tool::Refinery => "refinery_schema_history",
        }
    }

    /// The query that reads the tool's rows from `table` (a checked, possibly schema-qualified
    /// name), every column as text so that one decoder serves every database.
    pub fn query(self, table: &str, dialect: Dialect) -> String {
        let text = |column: &str| match dialect {
            Dialect::Mysql => format!("CAST({column} AS CHAR)"),
            Dialect::Postgres | Dialect::Sqlite => format!("CAST({column} AS TEXT)"),
        };
        let flag = |condition: &str| format!("CASE WHEN {condition} THEN 'y' ELSE 'n' END");
        let hex = |column: &str| match dialect {
            Dialect::Postgres => format!("encode({column}, 'hex')"),
            Dialect::Mysql | Dialect::Sqlite => format!("lower(hex({column}))"),
        };
        let columns = match self {
            Tool::Sqlx => vec![text("version"), flag("success"), hex("checksum")],
            Tool::Diesel | Tool::Dbmate => vec![text("version")],
            Tool::GolangMigrate => vec![text("version"), flag("dirty")],
            Tool::Flyway => vec![
                text("installed_rank"),
                text("version"),
                text("description"),
                text("type"),
                text("checksum"),
                flag("success"),
            ],
            Tool::Prisma => vec![
                text("migration_name"),
                text("checksum"),
                flag("finished_at IS NOT NULL"),
                flag("rolled_back_at IS NOT NULL"),
            ],
            Tool::Refinery => vec![text("version"), text("name"), text("checksum")],
        };
        let order = match self {
            Tool::Flyway => " ORDER BY installed_rank",
            Tool::Prisma => " ORDER BY started_at",
            _ => "",
        };
        format!("SELECT {} FROM {table}{order}", columns.join(", "))
    }

    /// A query that succeeds only on a table this tool did not write though it has the tool's
    /// default name: dbmate and golang-migrate both call theirs `schema_migrations`, and only
    /// golang-migrate's has a `dirty` column.
    pub fn foreign_probe(self, table: &str) -> Option<String> {
        (self == Tool::Dbmate).then(|| format!("SELECT dirty FROM {table} WHERE 1 = 0"))
    }

    /// What the tool's own repair looks like, for messages.
    fn repair_hint(self, version: &str) -> String {
        match self {
            Tool::Sqlx => {
                "repair the database by hand and delete that row (or run `sqlx migrate run` until it succeeds)"
                    .to_owned()
            }
            Tool::GolangMigrate => format!(
                "repair the database by hand, then run `migrate force {version}` (or the version before it if it did not apply)"
            ),
            Tool::Prisma => format!(
                "run `prisma migrate resolve --applied {version}` or `--rolled-back {version}` after repairing the database"
            ),
            Tool::Flyway => {
                "repair the database by hand, then run `flyway repair` to remove the failed row"
                    .to_owned()
            }
            Tool::Diesel | Tool::Dbmate | Tool::Refinery => {
                "repair the database by hand and remove that row".to_owned()
            }
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Tool {
    type Err = String;

    fn from_str(s: &str) -> Result<Tool, String> {
        let wanted = s.to_ascii_lowercase().replace('_', "-");
        let wanted = match wanted.as_str() {
            "golang" | "migrate" | "go-migrate" => "golang-migrate",
            "sqlx-cli" => "sqlx",
            "diesel-cli" => "diesel",
            other => other,
        };
        Tool::ALL
            .into_iter()
            .find(|t| t.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Tool::ALL.iter().map(|t| t.name()).collect();
                format!(
                    "`{s}` is not a tool adopt reads; use one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Why the other tool's history cannot be adopted. Each names the version and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdoptError {
    #[error(
        "{tool}'s table `{table}` records version {version} as {what}: {tool} stopped part-way through it; {hint}, then run `cargo migrate adopt` again"
    )]
    NotFinished {
        tool: Tool,
        table: String,
        version: String,
        /// `failed`, `dirty` or `started and never finished`.
        what: &'static str,
        hint: String,
    },
    #[error(
        "{tool}'s table `{table}` records version {version} as applied, but no migration in {dir} has that version; restore its file (or point --dir at the folder {tool} used), then run `cargo migrate adopt` again"
    )]
    MissingFile {
        tool: Tool,
        table: String,
        version: String,
        dir: String,
    },
    #[error(
        "{path}: {tool} recorded checksum {recorded} for version {version}, but the file's is {actual}: the file changed after {tool} applied it; restore the text that was applied, then run `cargo migrate adopt` again"
    )]
    ChecksumMismatch {
        tool: Tool,
        version: String,
        path: String,
        recorded: String,
        actual: String,
    },
    #[error(
        "`{table}` cannot be read as {tool}'s history table ({detail}); check that --from names the tool that wrote it and --from-table its table"
    )]
    BadRow {
        tool: Tool,
        table: String,
        detail: String,
    },
    #[error(
        "no table `{table}` in the database: {tool} has not applied anything there; check the database URL, --from and --from-table"
    )]
    NoTable { tool: Tool, table: String },
    #[error(
        "`{table}` has a `dirty` column, so golang-migrate wrote it, not dbmate; run `cargo migrate adopt --from golang-migrate`"
    )]
    WrongTool { table: String },
    #[error("{path}: cannot read the file ({source}); check its permissions and run adopt again")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What the other tool recorded, as migrations of the folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adopted {
    /// Versioned migrations the tool applied, in version order.
    pub versions: Vec<Version>,
    /// Repeatable migrations (by name) whose last run had the file's present checksum.
    pub repeatable: Vec<String>,
    /// Repeatable migrations the tool ran with other text: left pending, as the tool itself
    /// would run them again.
    pub repeatable_changed: Vec<String>,
}

/// One migration of the folder, as the tool would name and checksum it.
#[derive(Debug, Clone)]
struct Entry {
    version: Version,
    /// The tool's name for it (its version as the tool writes it, or Prisma's folder name).
    key: String,
    path: PathBuf,
    /// The file the tool checksums, read once when the tool keeps checksums.
    text: Option<String>,
    name: String,
    layout: Layout,
}

/// Reads a folder's migrations as `tool` names them and decides, from the tool's rows, which
/// of them it applied.
#[derive(Debug, Clone)]
pub struct Adopter {
    tool: Tool,
    dir: PathBuf,
    entries: Vec<Entry>,
    /// Flyway repeatables: (description as Flyway writes it, name, file text).
    repeatable: Vec<(String, String, String)>,
}

impl Adopter {
    /// Reads the files of `set` that `tool` checksums.
    pub fn new(tool: Tool, set: &MigrationSet) -> Result<Adopter, AdoptError> {
        let keeps_checksums = matches!(
            tool,
            Tool::Sqlx | Tool::Flyway | Tool::Prisma | Tool::Refinery
        );
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| AdoptError::Read {
                path: path.display().to_string(),
                source,
            })
        };
        let mut entries = Vec::with_capacity(set.migrations.len());
        for m in &set.migrations {
            let text = if keeps_checksums {
                Some(read(&m.up.path)?)
            } else {
                None
            };
            entries.push(Entry {
                version: m.version.clone(),
                key: key_of(tool, m),
                path: m.up.path.clone(),
                text,
                name: m.name.clone(),
                layout: m.layout,
            });
        }
        let mut repeatable = Vec::new();
        if tool == Tool::Flyway {
            for r in &set.repeatable {
                repeatable.push((r.name.replace('_', " "), r.name.clone(), read(&r.path)?));
            }
        }
        Ok(Adopter {
            tool,
            dir: set.dir.clone(),
            entries,
            repeatable,
        })
    }

    pub fn tool(&self) -> Tool {
        self.tool
    }

    /// Decides from the tool's rows (as [`Tool::query`] reads them; `None` when the table does
    /// not exist) which migrations it applied. Refuses, naming the version, a failed, dirty or
    /// unfinished entry, an applied version with no file, and a checksum that differs.
    pub fn decide(
        &self,
        table: &str,
        rows: Option<Vec<Vec<Option<String>>>>,
    ) -> Result<Adopted, AdoptError> {
        let Some(rows) = rows else {
            return Err(AdoptError::NoTable {
                tool: self.tool,
                table: table.to_owned(),
            });
        };
        let ctx = Ctx {
            adopter: self,
            table,
        };
        let rows: Vec<Row<'_>> = rows
            .iter()
            .map(|r| Row {
                cells: r.as_slice(),
            })
            .collect();
        match self.tool {
            Tool::Sqlx => ctx.sqlx(&rows),
            Tool::Diesel | Tool::Dbmate => ctx.one_row_per_version(&rows),
            Tool::GolangMigrate => ctx.golang_migrate(&rows),
            Tool::Flyway => ctx.flyway(&rows),
            Tool::Prisma => ctx.prisma(&rows),
            Tool::Refinery => ctx.refinery(&rows),
        }
    }
}

/// The tool's name for a migration of the folder.
fn key_of(tool: Tool, m: &Migration) -> String {
    match tool {
        // Integers: leading zeros do not count.
        Tool::Sqlx | Tool::GolangMigrate | Tool::Refinery => numeric_key(&m.version),
        // diesel: the folder name up to its first `_`, every `-` removed
        // (migrations_internals `version_from_string`).
        Tool::Diesel => m.version_text.replace('-', ""),
        // dbmate: the leading digits as written, a string (`001` is not `1`).
        Tool::Dbmate => m.version_text.clone(),
        Tool::Flyway => flyway_key(m.version.parts()),
        // Prisma: the migration folder's name.
        Tool::Prisma => m
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}

fn numeric_key(v: &Version) -> String {
    v.to_string()
}

/// Flyway compares versions part by part with trailing zero parts dropped (`1.0` is `1`).
fn flyway_key(parts: &[u64]) -> String {
    let mut parts = parts.to_vec();
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// A row's version text as the tool's key, or `None` when it is not one.
fn row_key(tool: Tool, text: &str) -> Option<String> {
    let text = text.trim();
    match tool {
        Tool::Sqlx | Tool::GolangMigrate | Tool::Refinery => {
            text.parse::<u64>().ok().map(|n| n.to_string())
        }
        Tool::Flyway => {
            let parts: Option<Vec<u64>> = text.split(['.', '_']).map(|p| p.parse().ok()).collect();
            parts.filter(|p| !p.is_empty()).map(|p| flyway_key(&p))
        }
        Tool::Diesel | Tool::Dbmate | Tool::Prisma => Some(text.to_owned()),
    }
}

/// A row of text columns.
struct Row<'a> {
    cells: &'a [Option<String>],
}

impl Row<'_> {
    fn get(&self, i: usize) -> Option<&str> {
        self.cells.get(i).and_then(|c| c.as_deref())
    }

    fn flag(&self, i: usize) -> bool {
        self.get(i) == Some("y")
    }
}

struct Ctx<'a> {
    adopter: &'a Adopter,
    table: &'a str,
}

impl Ctx<'_> {
    fn tool(&self) -> Tool {
        self.adopter.tool
    }

    fn bad(&self, detail: impl Into<String>) -> AdoptError {
        AdoptError::BadRow {
            tool: self.tool(),
            table: self.table.to_owned(),
            detail: detail.into(),
        }
    }

    fn version_cell<'r>(&self, row: &'r Row<'_>, i: usize) -> Result<&'r str, AdoptError> {
        row.get(i).ok_or_else(|| self.bad("a row has no version"))
    }

    fn key(&self, text: &str) -> Result<String, AdoptError> {
        row_key(self.tool(), text).ok_or_else(|| {
            self.bad(format!(
                "version `{text}` is not one {} writes",
                self.tool()
            ))
        })
    }

    fn entry(&self, key: &str, shown: &str) -> Result<&Entry, AdoptError> {
        self.adopter
            .entries
            .iter()
            .find(|e| e.key == key)
            .ok_or_else(|| AdoptError::MissingFile {
                tool: self.tool(),
                table: self.table.to_owned(),
                version: shown.to_owned(),
                dir: self.adopter.dir.display().to_string(),
            })
    }

    fn not_finished(&self, version: &str, what: &'static str) -> AdoptError {
        AdoptError::NotFinished {
            tool: self.tool(),
            table: self.table.to_owned(),
            version: version.to_owned(),
            what,
            hint: self.tool().repair_hint(version),
        }
    }

    fn mismatch(&self, e: &Entry, recorded: &str, actual: String) -> AdoptError {
        AdoptError::ChecksumMismatch {
            tool: self.tool(),
            version: e.key.clone(),
            path: e.path.display().to_string(),
            recorded: recorded.to_owned(),
            actual,
        }
    }

    fn finish(&self, mut versions: Vec<Version>) -> Adopted {
        versions.sort();
        versions.dedup();
        Adopted {
            versions,
            ..Adopted::default()
        }
    }

    /// `version, success, checksum`: SHA-384 of the file's bytes as read, no normalisation
    /// (sqlx-core `migrate/migration.rs`, `checksum`).
    fn sqlx(&self, rows: &[Row<'_>]) -> Result<Adopted, AdoptError> {
        let mut versions = Vec::new();
        for row in rows {
            let shown = self.version_cell(row, 0)?;
            if !row.flag(1) {
                return Err(self.not_finished(shown, "failed (success = false)"));
            }
            let e = self.entry(&self.key(shown)?, shown)?;
            let recorded = row.get(2).unwrap_or_default();
            let actual = hex(&Sha384::digest(e.text.as_deref().unwrap_or_default()));
            if !recorded.eq_ignore_ascii_case(&actual) {
                return Err(self.mismatch(e, recorded, actual));
            }
            versions.push(e.version.clone());
        }
        Ok(self.finish(versions))
    }

    /// diesel and dbmate: one row per applied version, no checksum, no failure marker.
    fn one_row_per_version(&self, rows: &[Row<'_>]) -> Result<Adopted, AdoptError> {
        let mut versions = Vec::new();
        for row in rows {
            let shown = self.version_cell(row, 0)?;
            versions.push(self.entry(&self.key(shown)?, shown)?.version.clone());
        }
        Ok(self.finish(versions))
    }

    /// At most one row: the newest version applied and a dirty flag. Every migration up to
    /// that version counts as applied, as golang-migrate runs them in order.
    fn golang_migrate(&self, rows: &[Row<'_>]) -> Result<Adopted, AdoptError> {
        let Some(row) = rows.first() else {
            return Ok(Adopted::default());
        };
        if rows.len() > 1 {
            return Err(self.bad(format!(
                "{} rows where golang-migrate keeps one",
                rows.len()
            )));
        }
        let shown = self.version_cell(row, 0)?;
        if row.flag(1) {
            return Err(self.not_finished(shown, "dirty"));
        }
        // NilVersion (-1) with a clean flag: nothing applied.
        if shown.trim() == "-1" {
            return Ok(Adopted::default());
        }
        let newest = self.entry(&self.key(shown)?, shown)?.version.clone();
        let versions = self
            .adopter
            .entries
            .iter()
            .filter(|e| e.version <= newest)
            .map(|e| e.version.clone())
            .collect();
        Ok(self.finish(versions))
    }

    /// `installed_rank, version, description, type, checksum, success`, in rank order: one row
    /// per execution. `BASELINE` rows count every version up to theirs; `DELETE` and `UNDO_*`
    /// rows take a version back; repeatables have no version and the latest row per
    /// description holds their checksum (Flyway `MigrationInfoServiceImpl`).
    fn flyway(&self, rows: &[Row<'_>]) -> Result<Adopted, AdoptError> {
        let mut applied: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
        let mut baseline: Option<Vec<u64>> = None;
        let mut repeatable: HashMap<String, Option<String>> = HashMap::new();
        for row in rows {
            let kind = row.get(3).unwrap_or_default().to_ascii_uppercase();
            let version = row.get(1);
            let checksum = row.get(4).map(str::to_owned);
            if kind == "SCHEMA" {
                continue;
            }
            if !row.flag(5) {
                let shown = version.or(row.get(2)).unwrap_or_default();
                return Err(self.not_finished(shown, "failed (success = false)"));
            }
            let Some(version) = version else {
                let description = row.get(2).unwrap_or_default().to_owned();
                repeatable.insert(description, checksum);
                continue;
            };
            let key = self.key(version)?;
            if kind.ends_with("BASELINE") {
                let parts: Vec<u64> = key.split('.').filter_map(|p| p.parse().ok()).collect();
                baseline = Some(parts);
            } else if kind == "DELETE" || kind.starts_with("UNDO") {
                applied.remove(&key);
            } else {
                applied.insert(key, (version.to_owned(), checksum));
            }
        }
        let mut versions = Vec::new();
        if let Some(baseline) = &baseline {
            versions.extend(
                self.adopter
                    .entries
                    .iter()
                    .filter(|e| flyway_parts(&e.key) <= *baseline)
                    .map(|e| e.version.clone()),
            );
        }
        for (key, (shown, checksum)) in &applied {
            let e = self.entry(key, shown)?;
            if let Some(recorded) = checksum {
                let actual = flyway_checksum(e.text.as_deref().unwrap_or_default()).to_string();
                if recorded.trim() != actual {
                    return Err(self.mismatch(e, recorded, actual));
                }
            }
            versions.push(e.version.clone());
        }
        let mut adopted = self.finish(versions);
        for (description, checksum) in repeatable {
            let Some((_, name, text)) = self
                .adopter
                .repeatable
                .iter()
                .find(|(d, _, _)| *d == description)
            else {
                return Err(AdoptError::MissingFile {
                    tool: Tool::Flyway,
                    table: self.table.to_owned(),
                    version: format!("R__{}", description.replace(' ', "_")),
                    dir: self.adopter.dir.display().to_string(),
                });
            };
            if checksum.as_deref().map(str::trim) == Some(&flyway_checksum(text).to_string()) {
                adopted.repeatable.push(name.clone());
            } else {
                adopted.repeatable_changed.push(name.clone());
            }
        }
        adopted.repeatable.sort();
        adopted.repeatable_changed.sort();
        Ok(adopted)
    }

    /// `migration_name, checksum, finished, rolled_back`: one row per attempt. Applied when
    /// finished and not rolled back; started and neither is unfinished (Prisma's
    /// `apply_migrations.rs` refuses to go on); rolled back alone is not applied.
    fn prisma(&self, rows: &[Row<'_>]) -> Result<Adopted, AdoptError> {
        let mut versions = Vec::new();
        for row in rows {
            let name = self.version_cell(row, 0)?;
            let (finished, rolled_back) = (row.flag(2), row.flag(3));
            if rolled_back {
                continue;
            }
            if !finished {
                return Err(self.not_finished(name, "started and never finished"));
            }
            let e = self.entry(name, name)?;
            let recorded = row.get(1).unwrap_or_default();
            let text = e.text.as_deref().unwrap_or_default();
            if !prisma_checksum_matches(text, recorded) {
                return Err(self.mismatch(e, recorded, hex(&Sha256::digest(text))));
            }
            versions.push(e.version.clone());
        }
        Ok(self.finish(versions))
    }

    /// `version, name, checksum`: SipHash-1-3 with zero keys over the name, the version as an
    /// `i32` and the file's text, printed in decimal (refinery `migration.rs`, `unapplied`).
    fn refinery(&self, rows: &[Row<'_>]) -> Result<Adopted, AdoptError> {
        let mut versions = Vec::new();
        for row in rows {
            let shown = self.version_cell(row, 0)?;
            let e = self.entry(&self.key(shown)?, shown)?;
            let recorded = row.get(2).unwrap_or_default();
            let actual = refinery_checksums(e);
            if let Some(first) = actual.first()
                && !actual.iter().any(|a| recorded.trim() == a.to_string())
            {
                return Err(self.mismatch(e, recorded, first.to_string()));
            }
            versions.push(e.version.clone());
        }
        Ok(self.finish(versions))
    }
}

fn flyway_parts(key: &str) -> Vec<u64> {
    key.split('.').filter_map(|p| p.parse().ok()).collect()
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Flyway's checksum (`ChecksumCalculator`): one CRC-32 over the UTF-8 bytes of every line,
/// line terminators (`\n`, `\r\n`, `\r`) removed and a BOM on the first line dropped, as a
/// signed 32-bit integer. Line endings and blank lines do not change it.
pub fn flyway_checksum(text: &str) -> i32 {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut crc = crc32fast::Hasher::new();
    for line in text.split(['\n', '\r']) {
        crc.update(line.as_bytes());
    }
    crc.finalize() as i32
}

/// Prisma's check (`schema-connector/src/checksum.rs`): SHA-256 in lowercase hex of the script,
/// of its LF form or of its CRLF form; a stored value that is not 64 digits long is the old
/// unpadded hex (`{byte:x}`).
fn prisma_checksum_matches(text: &str, recorded: &str) -> bool {
    let recorded = recorded.trim().to_ascii_lowercase();
    let variants = [
        text.to_owned(),
        text.replace("\r\n", "\n"),
        text.replace("\r\n", "\n").replace('\n', "\r\n"),
    ];
    variants.iter().any(|v| {
        let digest = Sha256::digest(v.as_bytes());
        if recorded.len() == 64 {
            hex(&digest) == recorded
        } else {
            let unpadded: String = digest.iter().map(|b| format!("{b:x}")).collect();
            unpadded == recorded
        }
    })
}

/// refinery's checksums of a migration of the Flyway layout (`V…`/`U…`): the version hashed as
/// an `i32`, and as an `i64` (refinery's `int8-versions` feature); empty for a file refinery
/// would not have read (another layout, or a version of several parts).
fn refinery_checksums(e: &Entry) -> Vec<u64> {
    if !matches!(e.layout, Layout::Flyway | Layout::RefineryUnversioned) {
        return Vec::new();
    }
    let [version] = e.version.parts() else {
        return Vec::new();
    };
    let sql = e.text.as_deref().unwrap_or_default();
    let hash = |version: &dyn Fn(&mut siphasher::sip::SipHasher13)| {
        let mut hasher = siphasher::sip::SipHasher13::new();
        e.name.hash(&mut hasher);
        version(&mut hasher);
        sql.hash(&mut hasher);
        hasher.finish()
    };
    let mut out = Vec::new();
    if let Ok(v) = i32::try_from(*version) {
        out.push(hash(&|h| v.hash(h)));
    }
    if let Ok(v) = i64::try_from(*version) {
        out.push(hash(&|h| v.hash(h)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flyway_checksum_ignores_line_endings_and_bom() {
        // zlib.crc32(b"SELECT 1;SELECT 2;") as a signed 32-bit integer.
        let expected = flyway_checksum("SELECT 1;SELECT 2;");
        assert_eq!(flyway_checksum("SELECT 1;\nSELECT 2;\n"), expected);
        assert_eq!(
            flyway_checksum("\u{feff}SELECT 1;\r\nSELECT 2;\r\n"),
            expected
        );
        assert_eq!(flyway_checksum("SELECT 1;\r\n\r\nSELECT 2;"), expected);
        assert_eq!(flyway_checksum(""), 0);
    }

    #[test]
    fn flyway_checksum_matches_a_known_value() {
        // CRC-32 (IEEE) of "123456789" is 0xCBF43926, the standard check value.
        assert_eq!(flyway_checksum("123456789"), 0xCBF4_3926_u32 as i32);
    }

    #[test]
    fn prisma_accepts_both_line_endings_and_unpadded_hex() {
        let lf = "CREATE TABLE a (id INT);\nSELECT 1;\n";
        let digest = hex(&Sha256::digest(lf.as_bytes()));
        assert!(prisma_checksum_matches(lf, &digest));
        assert!(prisma_checksum_matches(&lf.replace('\n', "\r\n"), &digest));
        assert!(!prisma_checksum_matches("SELECT 2;", &digest));
        let unpadded: String = Sha256::digest(lf.as_bytes())
            .iter()
            .map(|b| format!("{b:x}"))
            .collect();
        if unpadded.len() != 64 {
            assert!(prisma_checksum_matches(lf, &unpadded));
        }
    }

    #[test]
    fn refinery_checksums_match_refinery_core() {
        // Printed by refinery-core 0.9.2's `Migration::unapplied("V1__create_users", sql)`,
        // without and with its `int8-versions` feature.
        let e = Entry {
            version: Version::parse("1").expect("version"),
            key: "1".into(),
            path: PathBuf::from("V1__create_users.sql"),
            text: Some("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50));\n".into()),
            name: "create_users".into(),
            layout: Layout::Flyway,
        };
        assert_eq!(
            refinery_checksums(&e),
            vec![1_771_633_948_091_593_877, 5_017_268_875_676_178_570]
        );
    }

    #[test]
    fn versions_are_keyed_as_each_tool_writes_them() {
        assert_eq!(
            row_key(Tool::Sqlx, "20240101000000"),
            Some("20240101000000".into())
        );
        assert_eq!(row_key(Tool::GolangMigrate, "0001"), Some("1".into()));
        assert_eq!(row_key(Tool::Flyway, "1.0"), Some("1".into()));
        assert_eq!(row_key(Tool::Flyway, "1.2.0"), Some("1.2".into()));
        assert_eq!(row_key(Tool::Flyway, "1.x"), None);
        assert_eq!(row_key(Tool::Dbmate, "001"), Some("001".into()));
        assert_eq!(flyway_key(&[1, 12, 10]), "1.12.10");
    }

    #[test]
    fn tools_parse_by_their_usual_names() {
        assert_eq!("golang-migrate".parse::<Tool>(), Ok(Tool::GolangMigrate));
        assert_eq!("migrate".parse::<Tool>(), Ok(Tool::GolangMigrate));
        assert_eq!("Flyway".parse::<Tool>(), Ok(Tool::Flyway));
        assert_eq!("sqlx-cli".parse::<Tool>(), Ok(Tool::Sqlx));
        let err = "liquibase".parse::<Tool>().err().unwrap_or_default();
        assert!(err.contains("sqlx, diesel, golang-migrate"), "{err}");
    }

    #[test]
    fn queries_read_every_column_as_text() {
        let q = Tool::Sqlx.query("_sqlx_migrations", Dialect::Postgres);
        assert_eq!(
            q,
            "SELECT CAST(version AS TEXT), CASE WHEN success THEN 'y' ELSE 'n' END, encode(checksum, 'hex') FROM _sqlx_migrations"
        );
        let q = Tool::GolangMigrate.query("schema_migrations", Dialect::Mysql);
        assert!(q.contains("CAST(version AS CHAR)"), "{q}");
    }
}
