//! The model of one migration.

use std::path::PathBuf;

use crate::checksum::Checksum;
use crate::position::Position;
use crate::version::Version;

/// One versioned migration, whatever layout it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub version: Version,
    /// The version as the file name writes it (`2019-03-22-170700`, `0001`, `1_12_10`).
    pub version_text: String,
    /// The name part of the file or folder name, as written.
    pub name: String,
    pub layout: Layout,
    pub up: Section,
    /// `None` when there is no down SQL (no section, an empty one, or no down file): the
    /// migration is irreversible.
    pub down: Option<Section>,
    /// SPEC §2.3: SHA-256 of the up section, BOM removed and line endings normalised.
    pub checksum: Checksum,
    /// The file (or, for diesel and Prisma, the folder) the migration was read from.
    pub path: PathBuf,
}

impl Migration {
    /// How the up section runs.
    pub fn transaction(&self) -> TransactionMode {
        self.up.transaction
    }
}

/// A Flyway/refinery repeatable migration (`R__name.sql`): no version; it runs after the
/// versioned migrations whenever its checksum changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatableMigration {
    pub name: String,
    pub up: Section,
    pub checksum: Checksum,
    pub path: PathBuf,
}

/// The SQL of one direction of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The SQL as written (BOM removed), without the `-- migrate:` marker lines.
    pub sql: String,
    /// The file it comes from.
    pub path: PathBuf,
    /// Where `sql` starts in that file.
    pub start: Position,
    pub transaction: TransactionMode,
    /// `-- migrate:allow` lines in this section (and, for the up section, at the top of the file).
    pub allows: Vec<Allow>,
}

impl Section {
    /// The position in the file of byte `offset` of [`Section::sql`].
    pub fn position_of(&self, offset: usize) -> Position {
        let inner = Position::of_offset(&self.sql, offset);
        if inner.line == 1 {
            Position {
                line: self.start.line,
                column: self.start.column + inner.column - 1,
            }
        } else {
            Position {
                line: self.start.line + inner.line - 1,
                column: inner.column,
            }
        }
    }
}

/// A `-- migrate:allow <rule-id>[, <rule-id>]` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    pub rules: Vec<String>,
    /// The line of the directive in its file.
    pub line: u32,
    /// At the top of the file (before any SQL): it silences the rules for the whole file.
    /// Otherwise it silences them for the next statement.
    pub whole_file: bool,
}

/// How a migration's SQL is run, keeping each layout's original semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionMode {
    /// In one transaction with its history row (the default of every layout).
    Transaction,
    /// Outside any transaction, statement by statement; the history row is written `dirty`
    /// first. From `-- migrate:up transaction:false` (dbmate), `-- no-transaction` (sqlx) or
    /// `run_in_transaction = false` (diesel).
    NoTransaction,
    /// Sent as one script that manages its own transaction, as golang-migrate runs a file: an
    /// `.up.sql`/`.down.sql` file with its own `BEGIN`/`COMMIT`. The history row is written
    /// `dirty` first.
    Script,
}

impl TransactionMode {
    /// Whether the runner wraps the SQL and its history row in a transaction of its own.
    pub fn is_transactional(self) -> bool {
        self == TransactionMode::Transaction
    }
}

/// The layout a migration was read from (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// One `<version>_<name>.sql` file: cargo-migrate's own and dbmate's `-- migrate:up` /
    /// `-- migrate:down` sections, or sqlx's simple files (all up).
    File,
    /// `<version>_<name>.up.sql` and `.down.sql` read by sqlx's rules (and
    /// `V<version>.<name>.up.sql`).
    Pair,
    /// `<version>_<title>.up.sql` and `.down.sql` read by golang-migrate's rules: paired by
    /// version, a missing direction runs as nothing, each file sent as it is.
    GolangMigrate,
    /// A `<version>_<name>/` folder with `up.sql`, `down.sql` and `metadata.toml`.
    Diesel,
    /// A `<version>_<name>/` folder with `migration.sql` (and `down.sql`).
    Prisma,
    /// `V<version>__<name>.sql`, with `U<version>__<name>.sql` as its undo.
    Flyway,
    /// A refinery unversioned migration: `U<version>__<name>.sql` with no `V` of that version.
    RefineryUnversioned,
}
