//! Problems found while reading a migration folder, each with its file and position.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::position::Position;
use crate::rules::Level;
use crate::version::Version;

/// One problem: what, where, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    /// `Deny` makes loading fail; `Warn` is reported next to a usable set.
    pub level: Level,
    pub path: PathBuf,
    pub position: Option<Position>,
    /// The line at `position`, quoted in messages.
    pub line: Option<String>,
}

/// The kinds of [`Diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The migration folder does not exist or is not a folder.
    MissingFolder,
    /// A file or folder could not be read.
    Unreadable { error: String },
    /// A name that starts like a migration but does not parse.
    BadName { reason: String },
    /// Two migrations with the same version (`0001_a.sql` and `1_b.sql`).
    DuplicateVersion { version: Version, other: PathBuf },
    /// An `.up.sql` without its `.down.sql`, or the reverse.
    MissingPair { expected: PathBuf },
    /// An unknown or misplaced `-- migrate:` line or directive.
    BadDirective { reason: String },
    /// The file is not UTF-8.
    InvalidUtf8,
    /// An up section with no statement in it.
    EmptyMigration,
    /// A migration file where the layout does not read it, e.g. `up.sql` outside a folder.
    Misplaced { reason: String },
    /// A `.sql` file that is not read as a migration (warning).
    IgnoredFile { reason: String },
    /// golang-migrate's missing direction, which it runs as an empty migration.
    MissingDirection {
        expected: PathBuf,
        direction: &'static str,
    },
    /// A folder whose `.sql` files fit no layout.
    UnknownLayout { first: PathBuf, files: usize },
}

impl DiagnosticKind {
    /// A stable code: the lint rule id where SPEC §7 has one.
    pub fn code(&self) -> &'static str {
        match self {
            DiagnosticKind::MissingFolder => "missing-folder",
            DiagnosticKind::Unreadable { .. } => "unreadable",
            DiagnosticKind::BadName { .. } => "bad-name",
            DiagnosticKind::DuplicateVersion { .. } => "duplicate-version",
            DiagnosticKind::MissingPair { .. } => "missing-pair",
            DiagnosticKind::BadDirective { .. } => "bad-directive",
            DiagnosticKind::InvalidUtf8 => "invalid-utf8",
            DiagnosticKind::EmptyMigration => "empty-migration",
            DiagnosticKind::Misplaced { .. } => "misplaced-file",
            DiagnosticKind::IgnoredFile { .. } => "ignored-file",
            DiagnosticKind::MissingDirection { .. } => "missing-pair",
            DiagnosticKind::UnknownLayout { .. } => "unknown-layout",
        }
    }

    /// What happened, as one sentence fragment.
    pub fn message(&self) -> String {
        match self {
            DiagnosticKind::MissingFolder => "the migration folder does not exist".to_owned(),
            DiagnosticKind::Unreadable { error } => format!("cannot be read: {error}"),
            DiagnosticKind::BadName { reason } => {
                format!("the name does not parse as a migration: {reason}")
            }
            DiagnosticKind::DuplicateVersion { version, other } => format!(
                "version {version} is used twice, here and in {}",
                display_name(other)
            ),
            DiagnosticKind::MissingPair { expected } => {
                format!("{} is missing", display_name(expected))
            }
            DiagnosticKind::BadDirective { reason } => reason.clone(),
            DiagnosticKind::InvalidUtf8 => "the file is not valid UTF-8".to_owned(),
            DiagnosticKind::EmptyMigration => "the up section holds no SQL statement".to_owned(),
            DiagnosticKind::Misplaced { reason } => reason.clone(),
            DiagnosticKind::IgnoredFile { reason } => reason.clone(),
            DiagnosticKind::MissingDirection {
                expected,
                direction,
            } => format!(
                "{} is missing: as golang-migrate does, the {direction} of this version runs as an empty migration",
                display_name(expected)
            ),
            DiagnosticKind::UnknownLayout { first, files } => format!(
                "none of the {files} `.sql` file{} is named as a migration in a known layout (tried cargo-migrate and dbmate `<version>_<name>.sql`, sqlx, golang-migrate `<version>_<title>.up.sql`, diesel `<version>_<name>/up.sql`, Prisma `<version>_<name>/migration.sql`, Flyway and refinery `V<version>__<name>.sql`); the first is `{}`",
                if *files == 1 { "" } else { "s" },
                display_name(first)
            ),
        }
    }

    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            DiagnosticKind::MissingFolder => {
                "create it with `cargo migrate init`, or point `dir` in [package.metadata.migrate] at the right folder".to_owned()
            }
            DiagnosticKind::Unreadable { .. } => "check that the file exists and is readable".to_owned(),
            DiagnosticKind::BadName { .. } => {
                "rename it to `<version>_<name>.sql` (or `V<version>__<name>.sql`), or move it out of the folder".to_owned()
            }
            DiagnosticKind::DuplicateVersion { .. } => {
                "give one of them a new version, e.g. with `cargo migrate new`".to_owned()
            }
            DiagnosticKind::MissingPair { expected } => format!(
                "add {}; to keep the migration irreversible without this message, set `missing-pair = \"allow\"` in the lint config (or pass `-A missing-pair`)",
                display_name(expected)
            ),
            DiagnosticKind::BadDirective { .. } => {
                "the directives are `-- migrate:up`, `-- migrate:down` (each optionally followed by `transaction:false`) and `-- migrate:allow <rule-id>`".to_owned()
            }
            DiagnosticKind::InvalidUtf8 => "save the file as UTF-8".to_owned(),
            DiagnosticKind::EmptyMigration => {
                "write the migration's SQL or delete the file; for a placeholder kept on purpose, `empty-migration = \"allow\"` in the lint config (or `-A empty-migration`) silences this".to_owned()
            }
            DiagnosticKind::Misplaced { .. } => {
                "move it where its layout expects it, or out of the migration folder".to_owned()
            }
            DiagnosticKind::IgnoredFile { .. } => {
                "rename it to `<version>_<name>.sql` if it is a migration, or move it out of the migration folder".to_owned()
            }
            DiagnosticKind::MissingDirection { expected, direction } => format!(
                "add {} if the {direction} should do something",
                display_name(expected)
            ),
            DiagnosticKind::UnknownLayout { .. } => {
                "name the files as one of those layouts does, starting with a version (`0001_create_users.sql`), or point `dir` at the migration folder".to_owned()
            }
        }
    }
}

fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

impl Diagnostic {
    pub(crate) fn new(kind: DiagnosticKind, level: Level, path: &Path) -> Diagnostic {
        Diagnostic {
            kind,
            level,
            path: path.to_owned(),
            position: None,
            line: None,
        }
    }

    /// Points the diagnostic at byte `offset` of `text`, the file's content.
    pub(crate) fn at(mut self, text: &str, offset: usize) -> Diagnostic {
        self.position = Some(Position::of_offset(text, offset));
        self.line = Some(crate::position::line_at(text, offset).to_owned());
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Deny
    }

    /// A rustc-like rendering: a headline, the location, the quoted line with a caret, and help.
    pub fn render(&self) -> String {
        let severity = if self.is_error() { "error" } else { "warning" };
        let mut out = format!(
            "{severity}[{}]: {}\n",
            self.kind.code(),
            self.kind.message()
        );
        out.push_str(&format!("  --> {}", self.path.display()));
        if let Some(p) = self.position {
            out.push_str(&format!(":{p}"));
        }
        out.push('\n');
        if let (Some(p), Some(line)) = (self.position, &self.line) {
            let number = p.line.to_string();
            let pad = " ".repeat(number.len());
            let caret_pad: String = line
                .chars()
                .take(p.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "{pad} |\n{number} | {line}\n{pad} | {caret_pad}^\n"
            ));
        }
        out.push_str(&format!("  = help: {}\n", self.kind.help()));
        out
    }
}

impl fmt::Display for Diagnostic {
    /// One line: `path:line:column: message; help`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(p) = self.position {
            write!(f, ":{p}")?;
        }
        write!(f, ": {}; {}", self.kind.message(), self.kind.help())
    }
}

/// Loading failed: every problem found, errors and warnings, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    /// The diagnostics at `deny` level.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.errors().count();
        write!(
            f,
            "the migration folder has {count} problem{}",
            if count == 1 { "" } else { "s" }
        )?;
        for d in self.errors() {
            write!(f, "\n{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_line_with_a_caret() {
        let d = Diagnostic::new(
            DiagnosticKind::BadDirective {
                reason: "unknown directive `transaction:maybe`".into(),
            },
            Level::Deny,
            Path::new("migrations/1_a.sql"),
        )
        .at("-- migrate:up transaction:maybe\nSELECT 1;", 14);
        let text = d.render();
        assert!(
            text.starts_with("error[bad-directive]: unknown directive"),
            "{text}"
        );
        assert!(text.contains("--> migrations/1_a.sql:1:15"), "{text}");
        assert!(
            text.contains("1 | -- migrate:up transaction:maybe\n  |               ^"),
            "{text}"
        );
        assert_eq!(
            d.to_string().split(';').next(),
            Some("migrations/1_a.sql:1:15: unknown directive `transaction:maybe`")
        );
    }
}
