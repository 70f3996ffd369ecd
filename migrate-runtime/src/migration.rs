//! A migration ready to run: everything precomputed, nothing to parse at run time.

use std::borrow::Cow;

use migrate_core::TransactionMode;

/// One migration as the runtime runs it. Built at compile time by `embed_migrations!`, or from a
/// folder read by `migrate-core` with [`crate::Migrator::from_set`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub(crate) version: Cow<'static, str>,
    pub(crate) version_parts: Cow<'static, [u64]>,
    pub(crate) name: Cow<'static, str>,
    pub(crate) up: Cow<'static, str>,
    pub(crate) down: Option<Cow<'static, str>>,
    pub(crate) checksum: Cow<'static, str>,
    pub(crate) up_mode: TransactionMode,
    pub(crate) down_mode: TransactionMode,
    pub(crate) path: Cow<'static, str>,
    pub(crate) down_path: Cow<'static, str>,
    pub(crate) up_line: u32,
    pub(crate) down_line: u32,
    /// A repeatable migration (Flyway's `R__name.sql`): its version is `R__<name>`, it runs
    /// after the versioned ones and again whenever its checksum changes.
    pub(crate) repeatable: bool,
}

impl Migration {
    /// The canonical version text, as stored in the history table (`20240101000000`, `1.12.10`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The version's parts, for ordering.
    pub fn version_parts(&self) -> &[u64] {
        &self.version_parts
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn up_sql(&self) -> &str {
        &self.up
    }

    pub fn down_sql(&self) -> Option<&str> {
        self.down.as_deref()
    }

    /// SHA-256 of the up section (SPEC §2.3), as 64 lowercase hex digits.
    pub fn checksum(&self) -> &str {
        &self.checksum
    }

    pub fn transaction(&self) -> TransactionMode {
        self.up_mode
    }

    /// Whether this is a repeatable migration (Flyway's `R__name.sql`).
    pub fn is_repeatable(&self) -> bool {
        self.repeatable
    }

    /// The file it was read from, relative to the package root where known.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The line of the file where the up SQL starts.
    pub fn up_line(&self) -> u32 {
        self.up_line
    }

    /// The file the down SQL was read from (the same file for single-file migrations).
    pub fn down_path(&self) -> &str {
        &self.down_path
    }

    pub(crate) fn from_core(
        m: &migrate_core::Migration,
        path: String,
        down_path: String,
    ) -> Migration {
        Migration {
            version: Cow::Owned(m.version.to_string()),
            version_parts: Cow::Owned(m.version.parts().to_vec()),
            name: Cow::Owned(m.name.clone()),
            up: Cow::Owned(m.up.sql.clone()),
            down: m.down.as_ref().map(|d| Cow::Owned(d.sql.clone())),
            checksum: Cow::Owned(m.checksum.to_string()),
            up_mode: m.up.transaction,
            down_mode: m
                .down
                .as_ref()
                .map_or(TransactionMode::Transaction, |d| d.transaction),
            path: Cow::Owned(path),
            down_path: Cow::Owned(down_path),
            up_line: m.up.start.line,
            down_line: m.down.as_ref().map_or(1, |d| d.start.line),
            repeatable: false,
        }
    }

    pub(crate) fn repeatable_from_core(
        r: &migrate_core::RepeatableMigration,
        path: String,
    ) -> Migration {
        Migration {
            version: Cow::Owned(format!("{REPEATABLE_PREFIX}{}", r.name)),
            version_parts: Cow::Owned(Vec::new()),
            name: Cow::Owned(r.name.clone()),
            up: Cow::Owned(r.up.sql.clone()),
            down: None,
            checksum: Cow::Owned(r.checksum.to_string()),
            up_mode: r.up.transaction,
            down_mode: TransactionMode::Transaction,
            path: Cow::Owned(path.clone()),
            down_path: Cow::Owned(path),
            up_line: r.up.start.line,
            down_line: 1,
            repeatable: true,
        }
    }
}

/// What a repeatable migration's version starts with in the history table: `R__<name>`.
pub(crate) const REPEATABLE_PREFIX: &str = "R__";

/// Builds a [`Migration`] from parts computed at compile time. Used by `embed_migrations!`.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)]
pub const fn embedded(
    version: &'static str,
    version_parts: &'static [u64],
    name: &'static str,
    up: &'static str,
    down: Option<&'static str>,
    checksum: &'static str,
    up_mode: TransactionMode,
    down_mode: TransactionMode,
    path: &'static str,
    down_path: &'static str,
    up_line: u32,
    down_line: u32,
    repeatable: bool,
) -> Migration {
    Migration {
        version: Cow::Borrowed(version),
        version_parts: Cow::Borrowed(version_parts),
        name: Cow::Borrowed(name),
        up: Cow::Borrowed(up),
        down: match down {
            Some(d) => Some(Cow::Borrowed(d)),
            None => None,
        },
        checksum: Cow::Borrowed(checksum),
        up_mode,
        down_mode,
        path: Cow::Borrowed(path),
        down_path: Cow::Borrowed(down_path),
        up_line,
        down_line,
        repeatable,
    }
}
