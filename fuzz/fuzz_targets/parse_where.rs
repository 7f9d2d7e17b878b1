//! The `--where` parser and compiler on arbitrary input: no panic, no hang, and what
//! parses prints back to text that parses to the same expression.
//!
//! Run with `cargo +nightly fuzz run parse_where` (from the repository root).

#![no_main]

use flightsift::filter::{parse, Filter, MAX_LEN};
use flightsift::sql::{condition, Dialect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let expr = match parse(text) {
        Ok(expr) => expr,
        Err(e) => {
            assert!(e.span.start <= e.span.end && e.span.end <= text.len());
            let _ = e.render(text);
            return;
        }
    };
    let printed = expr.to_string();
    if printed.len() <= MAX_LEN {
        let again = parse(&printed).expect("printed expressions parse");
        assert_eq!(again.to_string(), printed, "print . parse . print is print");
    }
    match Filter::compile(&expr) {
        Ok(filter) => {
            let _ = filter.eval(&flightsift::Flight::default());
            for d in Dialect::ALL {
                let _ = condition(&filter, d);
            }
        }
        Err(e) => {
            let _ = e.render(Some(text));
        }
    }
});
