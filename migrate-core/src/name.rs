//! Parsing migration file and folder names (SPEC §2).

use crate::version::{Version, VersionError};

/// What a file or folder name says about its migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedName {
    pub prefix: Prefix,
    /// `None` only for Flyway repeatable migrations (`R__name.sql`).
    pub version: Option<Version>,
    /// The version as written, e.g. `2019-03-22-170700` or `1_12_10`.
    pub version_text: String,
    pub name: String,
    pub suffix: Suffix,
}

/// The Flyway/refinery letter before the version, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prefix {
    None,
    /// `V`: versioned.
    Versioned,
    /// `U`: a Flyway undo script, or a refinery unversioned migration.
    Undo,
    /// `R`: repeatable.
    Repeatable,
    /// `B`: a Flyway baseline script.
    Baseline,
}

/// `.up.sql`, `.down.sql`, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Suffix {
    Plain,
    Up,
    Down,
}

/// The result of reading a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NameOutcome {
    Migration(ParsedName),
    /// Not a migration name at all (`README`, `data_seed`): the caller decides whether to warn.
    NotMigration,
    /// Looks like a migration (starts with a version) but does not parse. The text says why.
    Malformed(String),
}

/// Parses a file or folder name with its extension already removed (`.sql` for files; folders
/// have none).
pub(crate) fn parse_name(stem: &str) -> NameOutcome {
    let (stem, suffix) = if let Some(s) = stem.strip_suffix(".up") {
        (s, Suffix::Up)
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Suffix::Down)
    } else {
        (stem, Suffix::Plain)
    };
    let bytes = stem.as_bytes();
    let Some(&first) = bytes.first() else {
        return NameOutcome::NotMigration;
    };
    if first.is_ascii_digit() {
        return parse_plain(stem, suffix);
    }
    let prefix = match first {
        b'V' => Prefix::Versioned,
        b'U' => Prefix::Undo,
        b'B' => Prefix::Baseline,
        b'R' => Prefix::Repeatable,
        _ => return NameOutcome::NotMigration,
    };
    let rest = &stem[1..];
    if prefix == Prefix::Repeatable {
        return match rest.strip_prefix("__") {
            Some(name) if suffix == Suffix::Plain => NameOutcome::Migration(ParsedName {
                prefix,
                version: None,
                version_text: String::new(),
                name: name.to_owned(),
                suffix,
            }),
            Some(_) => NameOutcome::Malformed(
                "a repeatable migration (`R__name.sql`) has no `.up`/`.down` form".to_owned(),
            ),
            None => NameOutcome::NotMigration,
        };
    }
    if !rest.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return NameOutcome::NotMigration;
    }
    if suffix != Suffix::Plain && prefix != Prefix::Versioned {
        return NameOutcome::Malformed(format!(
            "`{}` scripts have no `.up`/`.down` form; name it `{}<version>__<name>.sql`",
            &stem[..1],
            &stem[..1]
        ));
    }
    parse_flyway(stem, rest, prefix, suffix)
}

/// `V1_12_10__name`, `V1.2__name`, or `V0001.Name` (no double underscore: the version is the
/// leading digits).
fn parse_flyway(stem: &str, rest: &str, prefix: Prefix, suffix: Suffix) -> NameOutcome {
    let (version_text, name) = match rest.split_once("__") {
        Some((version, name)) => (version, name),
        None => {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let (version, after) = rest.split_at(digits);
            let name = match after.as_bytes().first() {
                None => "",
                Some(b'.' | b'_' | b'-') => &after[1..],
                Some(_) => {
                    return NameOutcome::Malformed(format!(
                        "`{stem}`: after the version `{version}` comes `{}`; separate the name with `__`, as in `{}{version}__name`",
                        &after[..after.chars().next().map_or(1, char::len_utf8)],
                        &stem[..1]
                    ));
                }
            };
            (version, name)
        }
    };
    match Version::parse(version_text) {
        Ok(version) => NameOutcome::Migration(ParsedName {
            prefix,
            version: Some(version),
            version_text: version_text.to_owned(),
            name: name.to_owned(),
            suffix,
        }),
        Err(e) => NameOutcome::Malformed(version_problem(stem, version_text, &e)),
    }
}

/// `<version>_<name>`: sqlx, golang-migrate, dbmate, diesel (`2024-10-25-112826_name`,
/// `2024-10-25-112826-0000_name`) and Prisma (`20240101000000_name`, `01_init`).
fn parse_plain(stem: &str, suffix: Suffix) -> NameOutcome {
    // The version is digit groups joined by `-`; a `-` followed by a non-digit separates the
    // name instead.
    let bytes = stem.as_bytes();
    let mut end = 0;
    loop {
        while end < bytes.len() && bytes[end].is_ascii_digit() {
            end += 1;
        }
        if end + 1 < bytes.len() && bytes[end] == b'-' && bytes[end + 1].is_ascii_digit() {
            end += 1;
            continue;
        }
        break;
    }
    let version_text = &stem[..end];
    let after = &stem[end..];
    let name = match after.as_bytes().first() {
        None => "",
        Some(b'_' | b'-' | b'.') => &after[1..],
        Some(_) => {
            let shown = &after[..after.chars().next().map_or(1, char::len_utf8)];
            return NameOutcome::Malformed(format!(
                "`{stem}`: the version `{version_text}` is followed by `{shown}`; a migration is named `<version>_<name>`"
            ));
        }
    };
    match Version::parse(version_text) {
        Ok(version) => NameOutcome::Migration(ParsedName {
            prefix: Prefix::None,
            version: Some(version),
            version_text: version_text.to_owned(),
            name: name.to_owned(),
            suffix,
        }),
        Err(e) => NameOutcome::Malformed(version_problem(stem, version_text, &e)),
    }
}

fn version_problem(stem: &str, version_text: &str, e: &VersionError) -> String {
    match e {
        VersionError::TooLarge(part) => format!(
            "`{stem}`: the version part `{part}` is too large (at most 20 digits, below 18446744073709551616)"
        ),
        VersionError::NotNumeric(_) => format!(
            "`{stem}`: `{version_text}` is not a version; use digits, with `_` or `.` between parts"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(stem: &str) -> ParsedName {
        match parse_name(stem) {
            NameOutcome::Migration(p) => p,
            other => panic!("{stem}: {other:?}"),
        }
    }

    fn version(stem: &str) -> String {
        ok(stem).version.map(|v| v.to_string()).unwrap_or_default()
    }

    #[test]
    fn plain_names() {
        let p = ok("20220721124650_add_table.up");
        assert_eq!((p.name.as_str(), p.suffix), ("add_table", Suffix::Up));
        assert_eq!(version("20220721124650_add_table"), "20220721124650");
        assert_eq!(version("0001_init"), "1");
        assert_eq!(version("01_init"), "1");
        assert_eq!(
            version("2019-03-22-170700_remove_crate_downloads"),
            "20190322170700"
        );
        assert_eq!(
            version("2026-06-26-100902-0000_versions"),
            "20260626100902.0"
        );
        assert_eq!(
            ok("2019-11-15-182353_Add email notifications").name,
            "Add email notifications"
        );
        assert_eq!(ok("123").name, "");
        assert_eq!(ok("0_vacuum.down").suffix, Suffix::Down);
    }

    #[test]
    fn flyway_names() {
        let p = ok("V1_12_10__add_index___POSTGRESQL");
        assert_eq!(p.prefix, Prefix::Versioned);
        assert_eq!(p.version_text, "1_12_10");
        assert_eq!(p.name, "add_index___POSTGRESQL");
        assert_eq!(version("V1.2__x"), "1.2");
        assert_eq!(ok("U20240504090301__add_cars").prefix, Prefix::Undo);
        assert_eq!(ok("B1_20_0__1.0.0_baseline__H2").prefix, Prefix::Baseline);
        let r = ok("R__views");
        assert_eq!(
            (r.prefix, r.version, r.name.as_str()),
            (Prefix::Repeatable, None, "views")
        );
        // authelia: `V<digits>.<Name>.up.sql`
        let a = ok("V0001.Initial_Schema.up");
        assert_eq!(
            (a.version_text.as_str(), a.name.as_str()),
            ("0001", "Initial_Schema")
        );
        assert_eq!(a.suffix, Suffix::Up);
    }

    #[test]
    fn not_migrations() {
        for stem in [
            "data_oauth_github",
            "schema",
            "README",
            "Views",
            "Rollback",
            "",
            "R_x",
        ] {
            assert_eq!(parse_name(stem), NameOutcome::NotMigration, "{stem}");
        }
    }

    #[test]
    fn malformed() {
        for stem in [
            "2024create_users",
            "V1a__x",
            "V1x",
            "99999999999999999999999_big",
            "U1__x.up",
            "R__x.down",
        ] {
            assert!(
                matches!(parse_name(stem), NameOutcome::Malformed(_)),
                "{stem}"
            );
        }
    }
}
