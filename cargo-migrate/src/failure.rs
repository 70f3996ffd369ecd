//! The failures the subcommand expects, each with its documented exit code.

use std::fmt;

/// Exit codes (SPEC §6).
pub(crate) mod code {
    pub(crate) const DATABASE: u8 = 1;
    pub(crate) const USAGE: u8 = 2;
    pub(crate) const VALIDATION: u8 = 3;
    pub(crate) const PENDING: u8 = 4;
    /// `verify` or `drift` found a difference.
    pub(crate) const DIFFERENCE: u8 = 5;
}

/// An expected failure: one sentence saying what failed, where and what to do, then the cause
/// chain.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: u8,
    pub headline: String,
    pub causes: Vec<String>,
    /// Under `--format json`: the failure is in the document the command printed already
    /// (a fan-out's report), so no second document follows it.
    pub in_document: bool,
}

impl Failure {
    pub(crate) fn usage(headline: impl Into<String>) -> Failure {
        Failure {
            code: code::USAGE,
            headline: headline.into(),
            causes: Vec::new(),
            in_document: false,
        }
    }

    pub(crate) fn database(headline: impl Into<String>) -> Failure {
        Failure {
            code: code::DATABASE,
            headline: headline.into(),
            causes: Vec::new(),
            in_document: false,
        }
    }

    pub(crate) fn validation(headline: impl Into<String>) -> Failure {
        Failure {
            code: code::VALIDATION,
            headline: headline.into(),
            causes: Vec::new(),
            in_document: false,
        }
    }

    /// Puts the health check's ending before the headline: `the health check `CMD` exited 1,
    /// so …`.
    pub(crate) fn with_health(mut self, command: &str, ending: &str) -> Failure {
        self.headline = format!("the health check `{command}` {ending}, {}", self.headline);
        self
    }

    /// Adds one line of cause, as it is.
    pub(crate) fn with_cause(mut self, cause: String) -> Failure {
        self.causes.push(cause);
        self
    }

    pub(crate) fn caused_by(mut self, cause: &dyn std::error::Error) -> Failure {
        let mut next = Some(cause);
        while let Some(e) = next {
            let text = e.to_string();
            let repeated =
                self.headline.contains(&text) || self.causes.iter().any(|c| c.contains(&text));
            if !repeated {
                self.causes.push(text);
            }
            next = e.source();
        }
        self
    }
}

impl From<migrate_runtime::Error> for Failure {
    fn from(e: migrate_runtime::Error) -> Failure {
        let code = match &e {
            migrate_runtime::Error::BadIdentifier { .. }
            | migrate_runtime::Error::UnknownVersion { .. }
            | migrate_runtime::Error::TargetAhead { .. }
            | migrate_runtime::Error::ScratchNotEmpty { .. }
            | migrate_runtime::Error::ExplainSetup { .. } => code::USAGE,
            _ => code::DATABASE,
        };
        let headline = e.to_string();
        let mut failure = Failure {
            code,
            headline,
            causes: Vec::new(),
            in_document: false,
        };
        if let Some(source) = std::error::Error::source(&e) {
            failure = failure.caused_by(source);
        }
        failure
    }
}

impl From<migrate_core::ConfigError> for Failure {
    fn from(e: migrate_core::ConfigError) -> Failure {
        Failure::usage(format!("the configuration is invalid: {e}"))
    }
}

impl Failure {
    /// The JSON object of an error: `{"code", "message", "hint", "causes"}`, where `code` is
    /// the exit code, `message` what happened and `hint` what to do (the headline's part after
    /// its first `; `). Every URL's password is masked.
    pub(crate) fn json(&self) -> serde_json::Value {
        let text = crate::output::redact(&self.headline);
        let (message, hint) = match text.split_once("; ") {
            Some((message, hint)) => (message.to_owned(), Some(hint.to_owned())),
            None => (text.clone(), None),
        };
        let causes: Vec<String> = self
            .causes
            .iter()
            .map(|c| crate::output::redact(c))
            .collect();
        serde_json::json!({ "code": self.code, "message": message, "hint": hint, "causes": causes })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.headline)?;
        for cause in &self.causes {
            write!(f, "\n  caused by: {cause}")?;
        }
        Ok(())
    }
}
