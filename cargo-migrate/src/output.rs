//! Everything the subcommand prints goes through here: colour, quiet/verbose, progress bars,
//! and the masking of database passwords, which no line escapes.

use std::io::{IsTerminal, Write};

use clap::ValueEnum;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

impl Format {
    /// The value as given to `--format`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }
}

/// `postgres://user:***@host/db`: the URL with its password field masked. The text is read as
/// it is, never parsed first, so a URL that does not parse (a `/`, `#`, `?` or `@` in the
/// password, a bad port) is masked too. Text without a password is returned as it is.
pub(crate) fn mask_url(url: &str) -> String {
    match password_span(url) {
        Some(span) => format!("{}***{}", &url[..span.start], &url[span.end..]),
        None => url.to_owned(),
    }
}

/// Where the password of the URL `text` is, when it has one: from the first `:` after the
/// scheme's `://` to the last `@`. A password may hold `/`, `?`, `#` and `@` unescaped, so the
/// last `@` ends the user-info; in the rare URL whose path or query holds an `@` too, more than
/// the password is masked, never less.
fn password_span(text: &str) -> Option<std::ops::Range<usize>> {
    let start = text.find("://")? + 3;
    let at = start + text[start..].rfind('@')?;
    let colon = start + text[start..at].find(':')?;
    (colon + 1 < at).then_some(colon + 1..at)
}

/// Masks the password field of every URL in `text`, wherever a message quotes one. Only the
/// field is touched: the rest of the line, and any word that happens to equal the password,
/// stay as they are.
pub(crate) fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_sep) = rest.find("://") {
        // The URL runs from its scheme to the first character no URL holds unescaped.
        let start = rest[..scheme_sep]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |i| i + 1);
        let end = rest[scheme_sep..]
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>' | ')' | ']')
            })
            .map_or(rest.len(), |i| scheme_sep + i);
        let candidate = &rest[start..end];
        out.push_str(&rest[..start]);
        out.push_str(&mask_url(candidate));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The printer of one invocation.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub color: bool,
    pub quiet: bool,
    pub verbose: bool,
    pub format: Format,
    pub terminal: bool,
}

impl Output {
    pub(crate) fn new(color: ColorChoice, quiet: bool, verbose: bool, format: Format) -> Output {
        let terminal = std::io::stdout().is_terminal();
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
        };
        Output {
            color,
            quiet,
            verbose,
            format,
            terminal,
        }
    }

    /// An output that prints only data and errors, for work done on the side.
    pub(crate) fn silent() -> Output {
        Output::new(ColorChoice::Never, true, false, Format::Human)
    }

    /// Whether human progress output is wanted.
    pub(crate) fn human(&self) -> bool {
        self.format == Format::Human
    }

    /// A line of data on stdout (always printed, even with `-q`).
    pub(crate) fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error.
        let _ = writeln!(out, "{}", redact(text));
    }

    /// A progress or status line for humans, on stderr: stdout carries only the data the
    /// command was asked for (`dump > schema.sql` stays loadable). Quiet with `-q` or
    /// `--format json`.
    pub(crate) fn say(&self, text: &str) {
        if !self.quiet && self.human() {
            eprintln!("{}", redact(text));
        }
    }

    /// A line on stderr shown with `-v` only.
    pub(crate) fn detail(&self, text: &str) {
        if self.verbose {
            eprintln!("{}", redact(text));
        }
    }

    /// A warning on stderr.
    pub(crate) fn warn(&self, text: &str) {
        if !self.quiet {
            let label = self.paint("warning", "33");
            eprintln!("{label}: {}", redact(text));
        }
    }

    pub(crate) fn paint(&self, text: &str, ansi: &str) -> String {
        if self.color {
            format!("\x1b[{ansi}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Asks a yes/no question on the terminal; `false` when there is none to ask on (stdin or
    /// stderr not a terminal) or the answer is not yes.
    pub(crate) fn confirm(&self, question: &str) -> bool {
        if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
            return false;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{} [y/N] ", redact(question));
        let _ = err.flush();
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err() {
            return false;
        }
        matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
    }

    /// Whether there is a terminal to ask a question on.
    pub(crate) fn can_ask(&self) -> bool {
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    }

    /// Whether a progress bar would be shown: a terminal, human output, not quiet.
    pub(crate) fn wants_progress(&self) -> bool {
        self.terminal && !self.quiet && self.human()
    }

    /// A progress bar on a terminal, else nothing.
    pub(crate) fn progress(&self, len: usize) -> Option<indicatif::ProgressBar> {
        if !self.wants_progress() || len < 2 {
            return None;
        }
        let bar = indicatif::ProgressBar::new(len as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        Some(bar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_password_field_only() {
        assert_eq!(
            mask_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(mask_url("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(mask_url("sqlite://dev.db"), "sqlite://dev.db");
        assert_eq!(
            mask_url("mysql://root:p%40ss@h/db"),
            "mysql://root:***@h/db"
        );
        // A common development password, and a one-letter one: only the field is masked.
        assert_eq!(
            redact("connected to postgres://postgres:postgres@127.0.0.1:5432/postgres as postgres"),
            "connected to postgres://postgres:***@127.0.0.1:5432/postgres as postgres"
        );
        assert_eq!(
            redact("applied 2 migrations to `mysql://a:a@localhost/app`; a database"),
            "applied 2 migrations to `mysql://a:***@localhost/app`; a database"
        );
        assert_eq!(redact("no url here: a:b@c"), "no url here: a:b@c");
        // URLs that do not parse are masked all the same.
        for (given, shown) in [
            ("postgres://u:pa/ss99@host/db", "postgres://u:***@host/db"),
            ("postgres://u:pa#ss99@host/db", "postgres://u:***@host/db"),
            ("postgres://u:pa?ss99@host/db", "postgres://u:***@host/db"),
            ("postgres://u:pa@ss99@host/db", "postgres://u:***@host/db"),
            (
                "postgres://u:pass99@host:99999/db",
                "postgres://u:***@host:99999/db",
            ),
            ("mysql://u:pass99@/db", "mysql://u:***@/db"),
        ] {
            assert_eq!(mask_url(given), shown);
            assert_eq!(
                redact(&format!("bad URL {given}: x")),
                format!("bad URL {shown}: x")
            );
        }
        assert_eq!(
            redact("two: postgres://u:x@h/a and mysql://v:y@h/b."),
            "two: postgres://u:***@h/a and mysql://v:***@h/b."
        );
    }
}
