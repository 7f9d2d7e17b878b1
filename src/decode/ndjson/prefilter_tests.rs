//! The text prefilter on NDJSON lines: whenever it rejects a line, the line is sound
//! (its structure, and every member the filter reads) and fails the filter.

use super::super::Cursor;
use super::*;
use crate::filter::{parse_and_compile, Filter};
use proptest::prelude::*;

use crate::filter::raw::FILTERS;

/// Member values near the valid ones, and far from them.
const VALUES: &[&str] = &[
    "null",
    "\"\"",
    "\" \"",
    "0",
    "1",
    "-0",
    "-1",
    "01",
    "1e2",
    "1E+2",
    "1.0",
    "0.5",
    "250.10",
    "250.1",
    "2.5e2",
    "192.99",
    "4294967295",
    "4294967296",
    "99999999999999999999999",
    "true",
    "false",
    "\"true\"",
    "\"false\"",
    "\"9\"",
    "\"250.10\"",
    "\"250.1\"",
    "\"economy\"",
    "\"Economy\"",
    "\"first\"",
    "\"business\"",
    "\"premium_economy\"",
    "\"econ\\u006fmy\"",
    "\"JFK\"",
    "\"LHR\"",
    "\"J\\u0046K\"",
    "\"jfk\"",
    "\"JFKX\"",
    "\"EUR\"",
    "\"USD\"",
    "\"sabre\"",
    "\"SABRE\"",
    "\"kiwi\"",
    "\"sa-000000001\"",
    "\"s\\ta\"",
    "\"a\\\"b\"",
    "\"é\"",
    "\"\u{7f}\"",
    "\"2026-12-01T06:35:00-05:00\"",
    "\"2026-12-01T06:35:00Z\"",
    "\"2026-12-02T10:00:00+00:00\"",
    "\"2027-01-04T07:59:00+01:00\"",
    "\"2026-12-01T25:35:00Z\"",
    "\"2026-12-01 06:35:00Z\"",
    "\"2026-12-01\"",
    "[]",
    "[ ]",
    "[\"ORD\"]",
    "[\"SYD\",\"PVG\"]",
    "[ \"SYD\" , \"ORD\" ]",
    "[\"SYD\",\"S\\u0059D\"]",
    "[\"AA\"]",
    "[\"KL\",\"AA\"]",
    "[\"LH400\",\"AA1\"]",
    "[\"\"]",
    "[\"A;B\"]",
    "[\"ORD;SYD\"]",
    "[null]",
    "[true]",
    "[\"ORD\",1]",
    "[70]",
    "[180,0]",
    "[180, 70 ]",
    "[01]",
    "[-1]",
    "[1e2]",
    "[1.5]",
    "[\"70\"]",
    "[4294967296]",
    "[[1]]",
    "[{}]",
    "{}",
    "{\"a\":1}",
    "[\"é\"]",
];

fn lines(seed: u64, rows: u64) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    crate::gen::generate(
        &crate::gen::GenOptions {
            rows,
            seed,
            format: crate::gen::GenFormat::Ndjson,
        },
        &mut out,
    )
    .unwrap();
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// A generated line edited: a member's value replaced, the member removed or
/// repeated, an unrelated member added, or a byte changed or inserted.
fn edit(line: &[u8], how: u8, column: usize, value: usize, at: usize, byte: u8) -> Vec<u8> {
    let mut members = Members::new();
    members.scan_json(line).expect("a generated line is JSON");
    let name = COLUMNS[column];
    let value = VALUES[value % VALUES.len()].as_bytes();
    let (a, b) = members.raw[column];
    let (a, b) = (a as usize, b as usize);
    let key = format!("\"{name}\":");
    let key_start = a - key.len();
    assert_eq!(&line[key_start..a], key.as_bytes());
    let end = line.len() - 1; // the closing brace
    match how % 8 {
        0 | 1 => [&line[..a], value, &line[b..]].concat(),
        2 => {
            // The member removed, with the comma before it.
            let from = key_start - usize::from(line[key_start - 1] == b',');
            let to = if from == key_start && line[b] == b',' {
                b + 1
            } else {
                b
            };
            [&line[..from], &line[to..]].concat()
        }
        3 => [&line[..end], b",", key.as_bytes(), value, &line[end..]].concat(),
        4 => [&line[..end], b",\"note\":", value, &line[end..]].concat(),
        5 => {
            let mut l = line.to_vec();
            l[at % line.len()] = byte;
            l
        }
        6 => {
            let mut l = line.to_vec();
            l.insert(at % line.len(), byte);
            l
        }
        _ => {
            // Spaces around the value.
            [&line[..a], b" ", &line[a..b], b" ", &line[b..]].concat()
        }
    }
}

/// The first pass of a worker without the prefilter: the line's structure, then
/// the filter's members.
fn first_pass(line: &[u8], columns: u32) -> Result<Flight, RecordError> {
    let mut members = Members::new();
    let mut flight = Flight::default();
    members.find(line)?;
    members.check_required()?;
    members.decode(line, columns, &mut flight)?;
    Ok(flight)
}

/// Runs the cursor over the page with the filter's prefilter: for each line,
/// its verdict, and what the first pass then gave.
fn judged(filter: &Filter, page: &[u8]) -> Vec<(Option<bool>, Result<Flight, RecordError>)> {
    let raw = filter.raw().expect("every leaf here is judged on text");
    let mut members = Members::with_prefilter(Some(raw), filter.columns());
    let mut cursor = NdjsonCursor::new(&mut members);
    let mut out = Vec::new();
    while cursor.next_record(page).is_some() {
        let verdict = cursor.verdict(page);
        let mut flight = Flight::default();
        let first = cursor
            .first(page, filter.columns(), &mut flight)
            .map(|()| flight);
        out.push((verdict, first));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Generated lines, edited at random (see [`check`]).
    #[test]
    fn the_prefilter_rejects_only_sound_lines_the_filter_fails(
        seed in any::<u64>(),
        edits in proptest::collection::vec(
            (0usize..30, any::<u8>(), 0usize..COLUMNS.len(), any::<usize>(), any::<usize>(), any::<u8>()),
            1..60,
        ),
    ) {
        let mut lines = lines(seed, 30);
        let pristine = lines.len();
        for &(row, how, column, value, at, byte) in &edits {
            let edited = edit(&lines[row % pristine], how, column, value, at, byte);
            // A line break would split the line in two, and a blank line is none.
            if !edited.contains(&b'\n') && !edited.trim_ascii().is_empty() {
                lines.push(edited);
            }
        }
        check(&lines, pristine)?;
    }
}

/// Every value in every member of a few generated lines, and each member removed
/// or repeated.
#[test]
fn the_prefilter_rejects_no_line_with_any_value_in_any_member_unsoundly() {
    let mut lines = lines(7, 4);
    let pristine = lines.len();
    for row in 0..pristine {
        for column in 0..COLUMNS.len() {
            for value in 0..VALUES.len() {
                lines.push(edit(&lines[row], 0, column, value, 0, 0));
            }
            for how in [2, 3, 7] {
                lines.push(edit(&lines[row], how, column, 0, 0, 0));
            }
        }
    }
    check(&lines, pristine).unwrap();
}

/// Checks the prefilter of each filter on the lines (the first `pristine` of
/// them as generated): whenever it decides a line, the line's first pass
/// succeeds and the filter says the same; it decides every generated line; and
/// it never changes what the first pass gives.
fn check(lines: &[Vec<u8>], pristine: usize) -> Result<(), TestCaseError> {
    let page = lines.join(&b'\n');
    for text in FILTERS {
        let filter = parse_and_compile(text).unwrap();
        let got = judged(&filter, &page);
        prop_assert_eq!(got.len(), lines.len());
        for (i, (line, (verdict, first))) in lines.iter().zip(got).enumerate() {
            let shown = String::from_utf8_lossy(line);
            // The cursor reads a line without the whitespace around it.
            let want = first_pass(line.trim_ascii(), filter.columns());
            prop_assert_eq!(&first, &want, "{} on {}", text, shown);
            if let Some(passes) = verdict {
                let flight = want.as_ref().map_err(|e| format!("{e}"));
                prop_assert!(
                    flight.is_ok(),
                    "judged {}, but the first pass fails: {} on {}: {:?}",
                    passes,
                    text,
                    shown,
                    flight
                );
                prop_assert_eq!(
                    filter.eval(flight.unwrap()) == Some(true),
                    passes,
                    "judged otherwise than the filter: {} on {}",
                    text,
                    shown
                );
            } else {
                prop_assert!(
                    i >= pristine,
                    "a generated line was left undecided: {} on {}",
                    text,
                    shown
                );
            }
        }
    }
    Ok(())
}

#[test]
fn the_cursor_rejects_only_sound_lines_the_filter_fails() {
    let filter = parse_and_compile("price < 400 and stops <= 1 and not via has ORD").unwrap();
    let line = |price: &str, stops: &str, via: &str| {
        format!("{{\"provider\":\"sabre\",\"offer_id\":\"sa-1\",\"origin\":\"FCO\",\"destination\":\"AMS\",\"departure\":\"2027-01-04T19:30:00+01:00\",\"arrival\":\"2027-01-04T21:40:00+01:00\",\"duration_min\":130,\"stops\":{stops},\"via\":{via},\"carriers\":[\"KL\"],\"flight_numbers\":[\"KL6638\"],\"layover_min\":[],\"cabin\":\"economy\",\"price\":{price},\"currency\":\"USD\",\"seats\":9}}\n")
    };
    let page = [
        line("500.00", "0", "[]"),                // fails: rejected
        line("\"500.00\"", "0", "[]"),            // fails, the price a string: rejected
        line("300.00", "1", "[\"AMS\"]"),         // passes: known to match
        line("300.00", "1", "[\"ORD\"]"),         // fails on via: rejected
        line("300.00", "1", "[\"O\\u0052D\"]"),   // an escape: decoded
        line("5e2", "0", "[]"),                   // not a price: decoded, to report it
        line("500.00", "\"0\"", "[]"),            // stops a string, though the price fails
        line("500.00", "null", "[]"),             // stops unknown, though required
        line("500.00", "0", "null"),              // no via (as an empty CSV cell): rejected
        line("500.00", "0", "[\"\"]"),            // an empty airport: decoded
        line("500.00", "0", "[], \"stops\":0"),   // a member twice: decoded
        "{\"provider\":\"sabre\"}\n".to_string(), // required members absent
        "{\"price\":1,\n".to_string(),            // not JSON
    ]
    .concat();
    let got: Vec<Option<bool>> = judged(&filter, page.as_bytes())
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    let (yes, no) = (Some(true), Some(false));
    assert_eq!(
        got,
        [no, no, yes, no, None, None, None, None, no, None, None, None, None]
    );
    // Without a prefilter nothing is judged.
    let mut members = Members::new();
    let mut plain = NdjsonCursor::new(&mut members);
    while plain.next_record(page.as_bytes()).is_some() {
        assert_eq!(plain.verdict(page.as_bytes()), None);
    }
}
