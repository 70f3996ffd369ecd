//! Property tests: no input panics the name parser, the section parser or the splitter, and the
//! splitter's pieces always cover the input exactly.

use migrate_core::__fuzz::{parse_name, parse_sections};
use migrate_core::Dialect;
use migrate_core::split::{StatementKind, split};
use proptest::prelude::*;

/// Text built from the characters that matter to the lexer, so the cases hit quotes, comments,
/// dollar quotes and blocks far more often than random Unicode would.
fn sqlish() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("`".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("$".to_owned()),
        Just("$$".to_owned()),
        Just("$tag$".to_owned()),
        Just("E'".to_owned()),
        Just("\\".to_owned()),
        Just(";".to_owned()),
        Just("--".to_owned()),
        Just("#".to_owned()),
        Just("/*".to_owned()),
        Just("*/".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just(" ".to_owned()),
        Just("BEGIN".to_owned()),
        Just("END".to_owned()),
        Just("CASE".to_owned()),
        Just("IF".to_owned()),
        Just("CREATE TRIGGER t ".to_owned()),
        Just("CREATE PROCEDURE p() ".to_owned()),
        Just("DELIMITER //\n".to_owned()),
        Just("DELIMITER ;\n".to_owned()),
        Just("-- migrate:up".to_owned()),
        Just("-- migrate:down".to_owned()),
        Just(" transaction:false".to_owned()),
        Just("-- migrate:allow drop-table".to_owned()),
        Just("-- no-transaction\n".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("é".to_owned()),
        "[a-z0-9_(),.=]{1,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn splitter_covers_the_input(text in sqlish()) {
        for dialect in Dialect::ALL {
            let result = split(&text, dialect);
            let mut end = 0;
            for s in &result.statements {
                prop_assert_eq!(s.span.start, end);
                prop_assert!(s.span.start <= s.body.start && s.body.end <= s.span.end);
                prop_assert!(text.is_char_boundary(s.body.start) && text.is_char_boundary(s.body.end));
                if s.kind == StatementKind::Sql {
                    let body = s.text(&text);
                    prop_assert!(!body.bytes().all(migrate_core::split::is_sql_space), "{:?}", body);
                }
                end = s.span.end;
            }
            prop_assert_eq!(end, text.len());
            for issue in &result.issues {
                prop_assert!(issue.offset <= text.len());
            }
        }
    }

    #[test]
    fn sections_never_panic(text in sqlish()) {
        parse_sections(&text);
    }

    #[test]
    fn names_never_panic(stem in "[VURB0-9_.a-z-]{0,30}(\\.up|\\.down)?") {
        parse_name(&stem);
    }

    #[test]
    fn arbitrary_names_never_panic(stem in any::<String>()) {
        parse_name(&stem);
    }
}
