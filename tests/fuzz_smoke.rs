//! The fuzz targets `read_csv` and `read_ndjson`, in miniature, in the normal test
//! suite: arbitrary bytes and mutated valid dumps (from `flightsift::gen`, then byte
//! flips, truncations, inserted quotes and line breaks) through the real reader under
//! both error policies. The checks are the fuzz targets' own (`reader_common.rs`): no
//! panic, a defined outcome (a summary, or an error naming the input and, for a bad
//! record, its line), and with `skip` every record either read or counted as bad.

use flightsift::gen::{generate, GenFormat, GenOptions};
use flightsift::InputFormat;
use proptest::prelude::*;
use proptest::sample::Index;

#[allow(dead_code)]
mod reader_common {
    include!("../fuzz/fuzz_targets/reader_common.rs");
}

use reader_common::check;

/// One edit of a dump.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(Index, u8),
    Truncate(Index),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    DuplicateLine(Index),
}

/// Bytes that mean something to a CSV or JSON reader.
const SPECIAL: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b"\n",
    b"\r",
    b"\r\n",
    b",",
    b";",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"null",
    b" ",
    b"\t",
    b"\xEF\xBB\xBF",
    b"\xFF",
    b"\0",
    b"-",
    b"0",
    b"9999999999",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), prop::sample::select(SPECIAL))
            .prop_map(|(i, b)| Mutation::Insert(i, b.to_vec())),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<Index>(), 1..40usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<Index>().prop_map(Mutation::DuplicateLine),
    ]
}

fn apply(data: &mut Vec<u8>, m: &Mutation) {
    let at = |i: &Index, len: usize| i.index(len + 1);
    match m {
        Mutation::Flip(i, x) if !data.is_empty() => {
            let at = i.index(data.len());
            data[at] ^= x;
        }
        Mutation::Flip(..) => {}
        Mutation::Truncate(i) => data.truncate(at(i, data.len())),
        Mutation::Insert(i, bytes) => {
            let at = at(i, data.len());
            data.splice(at..at, bytes.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let start = at(i, data.len());
            data.drain(start..(start + n).min(data.len()));
        }
        Mutation::DuplicateLine(i) => {
            let lines: Vec<Vec<u8>> = data.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let line = lines[i.index(lines.len())].clone();
            let at = at(i, data.len());
            let at = data[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            data.splice(at..at, line.into_iter().chain([b'\n']));
        }
    }
}

fn dump(seed: u64, rows: u64, format: InputFormat) -> Vec<u8> {
    let format = match format {
        InputFormat::Csv => GenFormat::Csv,
        InputFormat::Ndjson => GenFormat::Ndjson,
        InputFormat::Responses(_) => panic!("the smoke tests cover the canonical formats"),
    };
    let mut out = Vec::new();
    generate(&GenOptions { rows, seed, format }, &mut out).expect("generate");
    out
}

fn format() -> impl Strategy<Value = InputFormat> {
    prop_oneof![Just(InputFormat::Csv), Just(InputFormat::Ndjson)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_dumps_are_read_or_counted(
        seed in any::<u64>(),
        rows in 0u64..24,
        format in format(),
        mutations in prop::collection::vec(mutation(), 0..6),
    ) {
        let mut data = dump(seed, rows, format);
        for m in &mutations {
            apply(&mut data, m);
        }
        check(&data, format);
    }

    #[test]
    fn arbitrary_bytes_are_read_or_counted(
        format in format(),
        header in any::<bool>(),
        bytes in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        // With a valid header in front, arbitrary bytes reach the record decoder.
        let mut data = if header && format == InputFormat::Csv {
            flightsift::record::CSV_HEADER.as_bytes().to_vec()
        } else {
            Vec::new()
        };
        data.extend_from_slice(&bytes);
        check(&data, format);
    }
}

/// Valid dumps pass every check and lose nothing.
#[test]
fn generated_dumps_pass_unchanged() {
    for format in [InputFormat::Csv, InputFormat::Ndjson] {
        for rows in [0, 1, 5, 50] {
            let data = dump(rows, rows, format);
            check(&data, format);
            let records = reader_common::expected_records(&data, format);
            assert_eq!(records.len() as u64, rows);
            let knobs = reader_common::Knobs::from_len(data.len());
            let all = flightsift::Filter::all();
            let skip = reader_common::run(
                &data,
                format,
                knobs,
                flightsift::ErrorPolicy::Skip,
                &all,
                None,
                2,
                false,
            );
            let summary = skip.result.expect("a generated dump reads");
            assert_eq!((summary.records_read, summary.bad_records), (rows, 0));
        }
    }
}

/// Regression (found by the fuzzer): a quoted CSV line with a bare `\r` inside used to
/// end at the `\r` in csv-core, silently dropping the rest of the line. Only `\n`
/// ends a record, and a `\r` anywhere else is refused, with or without the quote.
#[test]
fn a_bare_cr_after_a_quote_does_not_hide_fields() {
    let data = String::from_utf8(dump(3, 1, InputFormat::Csv)).expect("UTF-8");
    let (header, row) = data.split_once('\n').expect("a header line");
    let row = row.trim_end();
    let (first, rest) = row.split_once(',').expect("fields");
    for line in [
        format!("{row}\rjunk,more"),
        format!("\"{first}\",{rest}\rjunk,more"),
    ] {
        let data = format!("{header}\n{line}\n");
        let all = flightsift::Filter::all();
        let knobs = reader_common::Knobs::from_len(data.len());
        let skip = reader_common::run(
            data.as_bytes(),
            InputFormat::Csv,
            knobs,
            flightsift::ErrorPolicy::Skip,
            &all,
            None,
            1,
            false,
        );
        let summary = skip.result.expect("a skip run succeeds");
        assert_eq!(
            (summary.records_read, summary.bad_records),
            (0, 1),
            "{line:?} must be rejected"
        );
        let why: Vec<_> = skip
            .rejects
            .iter()
            .map(|r| (r.error.field, r.error.reason))
            .collect();
        assert_eq!(why, vec![(Some("return_arrival"), "control")], "{line:?}");
    }
}
