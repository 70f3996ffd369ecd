//! Migration versions: ordered lists of unsigned integers.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A migration version: one or more unsigned integers, compared part by part.
///
/// Most layouts have one part (`20240101000000`, `0001`). Flyway and refinery allow several
/// (`V1_12_10`, `V1.2`), and newer diesel versions add a counter (`2024-10-25-112826-0000`).
/// Leading zeros carry no meaning: `0001` and `1` are the same version. Trailing zero parts do:
/// `1` and `1.0` are different versions, with `1` first, as Flyway orders them.
///
/// The canonical text, stored in the history table, joins the parts with `.`: `1.12.10`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    parts: Vec<u64>,
}

/// Why a version's text did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    #[error("a version must start with a digit, and `{0}` does not")]
    NotNumeric(String),
    #[error("the version part `{0}` is larger than 18446744073709551615")]
    TooLarge(String),
}

impl Version {
    /// A version made of the given parts. An empty list is not a version.
    pub fn from_parts(parts: Vec<u64>) -> Option<Version> {
        (!parts.is_empty()).then_some(Version { parts })
    }

    /// Parses the canonical text or any common spelling: parts separated by `.`, `_` or `-`,
    /// each made of ASCII digits. A diesel timestamp (`YYYY-MM-DD-HHMMSS`) at the start is one
    /// part, so it sorts with the 14-digit timestamps of older diesel and sqlx; what follows it
    /// (diesel's `-0000` counter) is further parts.
    pub fn parse(text: &str) -> Result<Version, VersionError> {
        let mut parts = Vec::new();
        let rest = match diesel_timestamp(text) {
            Some((timestamp, rest)) => {
                parts.push(parse_part(&timestamp, text)?);
                match rest.strip_prefix(['.', '_', '-']) {
                    Some(rest) => rest,
                    None if rest.is_empty() => return Ok(Version { parts }),
                    None => return Err(VersionError::NotNumeric(text.to_owned())),
                }
            }
            None => text,
        };
        for part in rest.split(['.', '_', '-']) {
            parts.push(parse_part(part, text)?);
        }
        Ok(Version { parts })
    }

    /// The parts, most significant first.
    pub fn parts(&self) -> &[u64] {
        &self.parts
    }
}

/// `YYYY-MM-DD-HHMMSS` at the start of `text`: its digits, and what follows.
fn diesel_timestamp(text: &str) -> Option<(String, &str)> {
    let head = text.get(..17)?;
    let b = head.as_bytes();
    let dashes = [4, 7, 10];
    let shaped = b.iter().enumerate().all(|(i, c)| {
        if dashes.contains(&i) {
            *c == b'-'
        } else {
            c.is_ascii_digit()
        }
    });
    shaped.then(|| (head.replace('-', ""), &text[17..]))
}

pub(crate) fn parse_part(part: &str, whole: &str) -> Result<u64, VersionError> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VersionError::NotNumeric(whole.to_owned()));
    }
    part.parse::<u64>()
        .map_err(|_| VersionError::TooLarge(part.to_owned()))
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // Lexicographic over parts; a version that is a prefix of another sorts first.
        self.parts.cmp(&other.parts)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{part}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).expect("valid version")
    }

    #[test]
    fn orders_parts_numerically() {
        assert!(v("1_12_10") > v("1_12_9"));
        assert!(v("1.2") < v("1.10"));
        assert!(v("1") < v("1.0"));
        assert_eq!(v("0001"), v("1"));
        assert!(v("20260626100902-0") < v("20260709214605"));
    }

    #[test]
    fn a_diesel_timestamp_is_one_part() {
        assert_eq!(v("2024-10-25-112826").parts(), [20_241_025_112_826]);
        assert_eq!(v("2024-10-25-112826-0001").parts(), [20_241_025_112_826, 1]);
        assert_eq!(v("2024-10-25-112826"), v("20241025112826"));
        // Not diesel's shape: every group is a part, as Flyway reads it.
        assert_eq!(v("2024_10_25_112826").parts(), [2024, 10, 25, 112_826]);
        assert_eq!(v("1-2").parts(), [1, 2]);
        assert!(Version::parse("2024-10-25-112826x").is_err());
        assert!(Version::parse("2024-10-25-112826-").is_err());
    }

    #[test]
    fn canonical_text_round_trips() {
        for text in ["1", "1.12.10", "20240101000000", "0.0.3"] {
            assert_eq!(v(text).to_string(), text);
            assert_eq!(v(&v(text).to_string()), v(text));
        }
        assert_eq!(v("0001").to_string(), "1");
    }

    #[test]
    fn rejects_bad_text() {
        assert_eq!(
            Version::parse(""),
            Err(VersionError::NotNumeric(String::new()))
        );
        assert!(matches!(
            Version::parse("1..2"),
            Err(VersionError::NotNumeric(_))
        ));
        assert!(matches!(
            Version::parse("v1"),
            Err(VersionError::NotNumeric(_))
        ));
        assert!(matches!(
            Version::parse("99999999999999999999"),
            Err(VersionError::TooLarge(_))
        ));
    }
}
