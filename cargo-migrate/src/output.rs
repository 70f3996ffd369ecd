//! Everything the subcommand prints goes through here: colour, quiet/verbose, progress bars,
//! and the masking of database passwords, which no line escapes.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

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

/// Secrets that must never be printed: passwords of the URLs in use.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Registers the password of `url` (if any) so no output shows it.
pub(crate) fn register_url(url: &str) {
    if let Some(password) = password_of(url)
        && !password.is_empty()
        && let Ok(mut secrets) = SECRETS.lock()
    {
        secrets.push(password.clone());
        let decoded = percent_decode(&password);
        if decoded != password {
            secrets.push(decoded);
        }
    }
}

fn password_of(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let userinfo = &rest[..rest.find('@')?];
    Some(userinfo.split_once(':')?.1.to_owned())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `postgres://user:***@host/db`.
pub(crate) fn mask_url(url: &str) -> String {
    match (url.find("://"), password_of(url)) {
        (Some(scheme_end), Some(password)) if !password.is_empty() => {
            let start = scheme_end + 3;
            let rest = &url[start..];
            let colon = rest.find(':').unwrap_or(0);
            let at = rest.find('@').unwrap_or(rest.len());
            format!("{}{}:***{}", &url[..start], &rest[..colon], &rest[at..])
        }
        _ => url.to_owned(),
    }
}

/// Replaces every registered secret in `text`.
pub(crate) fn redact(text: &str) -> String {
    let mut out = text.to_owned();
    if let Ok(secrets) = SECRETS.lock() {
        for s in secrets.iter() {
            out = out.replace(s.as_str(), "***");
        }
    }
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

    /// A progress or status line on stdout, for humans; quiet with `-q` or `--format json`.
    pub(crate) fn say(&self, text: &str) {
        if !self.quiet && self.human() {
            self.data(text);
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
    fn masks_passwords() {
        assert_eq!(
            mask_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(mask_url("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(mask_url("sqlite://dev.db"), "sqlite://dev.db");
        register_url("mysql://root:p%40ss@h/db");
        assert_eq!(
            redact("failed for p@ss and p%40ss"),
            "failed for *** and ***"
        );
    }
}
