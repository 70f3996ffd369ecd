//! The splitter never panics, and its pieces cover the input exactly, in every dialect.
#![no_main]

use libfuzzer_sys::fuzz_target;
use migrate_core::Dialect;
use migrate_core::split::split;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for dialect in Dialect::ALL {
        let result = split(text, dialect);
        let mut end = 0;
        for s in &result.statements {
            assert_eq!(s.span.start, end);
            assert!(s.span.start <= s.body.start && s.body.end <= s.span.end);
            end = s.span.end;
        }
        assert_eq!(end, text.len());
    }
});
