//! One NDJSON line decoded: the scanners against each other and the slow paths.

use super::*;

/// Decodes one line in full with a fresh [`Members`].
fn decode_line(line: &[u8], flight: &mut Flight) -> Result<(), RecordError> {
    decode_any(line, &mut Members::new(), flight)
}

const LINE: &str = r#"{"provider":"duffel","offer_id":"off_1","origin":"JFK","destination":"LAX","departure":"2026-12-01T06:35:00-05:00","arrival":"2026-12-01T12:10:00-08:00","duration_min":515,"stops":1,"via":["ORD"],"carriers":["AA","AA"],"flight_numbers":["AA1","AA2"],"layover_min":[70],"cabin":"economy","price":"250.10","currency":"USD","seats":null,"bags":1,"refundable":false,"co2_kg":null,"extra":{"x":[1,2]}}"#;

#[test]
fn decodes_a_full_line() {
    let mut f = Flight::default();
    decode_line(LINE.as_bytes(), &mut f).unwrap();
    assert_eq!(f.via.len(), 1);
    assert_eq!(f.price.micros, 250_100_000);
    assert_eq!(f.seats, None);
    assert_eq!(f.bags, Some(1));
    assert_eq!(f.refundable, Some(false));
    assert_eq!(f.layover_min, vec![70]);
}

/// The flat scan's judgement of a line with every column, if it applies.
fn fast(line: &[u8]) -> Option<Result<Flight, RecordError>> {
    judge_with_each_scanner(line, ALL_COLUMNS).0
}

/// The line with an unrelated non-ASCII member added, which only the JSON scan reads.
fn with_note(line: &[u8]) -> Option<Vec<u8>> {
    let end = line.iter().rposition(|&b| b == b'}')?;
    let body = line[..end].trim_ascii_end();
    let sep: &[u8] = if body.ends_with(b"{") { b"" } else { b"," };
    Some([body, sep, "\"note\":\"é\"".as_bytes(), &line[end..]].concat())
}

/// First-pass column sets of real filters: none, one, a few, all.
const MASKS: [u32; 4] = [
    0,
    1 << col::ORIGIN,
    1 << col::PRICE | 1 << col::STOPS | 1 << col::VIA | 1 << col::DEPARTURE,
    ALL_COLUMNS,
];

/// Both scanners judge `line` alike for every mask, and so does the JSON scan once
/// an unrelated member is added (which only changes an error's JSON position).
/// Returns whether the flat scan applied.
fn assert_scanner_never_matters(line: &[u8]) -> bool {
    let shown = String::from_utf8_lossy(line);
    let mut applied = false;
    for mask in MASKS {
        let (flat, json) = judge_with_each_scanner(line, mask);
        if let Some(flat) = flat {
            applied = true;
            assert_eq!(flat, json, "mask {mask:#x}: {shown}");
        }
        let Some(noted) = with_note(line) else {
            continue;
        };
        let (_, noted) = judge_with_each_scanner(&noted, mask);
        match (&json, &noted) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "mask {mask:#x}: {shown}"),
            (Err(a), Err(b)) if a.reason != "json" => {
                assert_eq!((a.field, a.reason), (b.field, b.reason), "mask {mask:#x}: {shown}")
            }
            // A JSON error may move or change with the bytes around it.
            (Err(_), Err(_)) => {}
            _ => panic!("an unrelated member changes the outcome of {shown} with mask {mask:#x}: {json:?} vs {noted:?}"),
        }
    }
    applied
}

#[test]
#[cfg(feature = "gen")] // its lines come from the generator
fn the_scanner_never_changes_how_a_line_is_judged() {
    let opts = crate::gen::GenOptions {
        rows: 3000,
        seed: 5,
        format: crate::gen::GenFormat::Ndjson,
    };
    let mut text = Vec::new();
    crate::gen::generate(&opts, &mut text).unwrap();
    let mut rng = 0x1234_5678_u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let (mut fast_lines, mut mutated) = (0, 0);
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let mut general = Flight::default();
        let want = decode_line(line, &mut general).map(|()| general);
        assert!(want.is_ok(), "{want:?}");
        assert_eq!(
            fast(line).expect("generated lines take the flat scan"),
            want
        );
        assert!(assert_scanner_never_matters(line));
        fast_lines += 1;
        // Mutated lines: an edited byte, or an inserted one (whitespace, a control,
        // an escape, a quote...). Both scanners must accept or reject them alike,
        // with the same error, whatever the filter reads.
        let mut bad = line.to_vec();
        let at = (next() % bad.len() as u64) as usize;
        let alphabet = b"0a\"[]{},:-. nZ\t\\\x01\x7f";
        let byte = alphabet[(next() % alphabet.len() as u64) as usize];
        if next() % 2 == 0 {
            bad[at] = byte;
        } else {
            bad.insert(at, byte);
        }
        mutated += assert_scanner_never_matters(&bad) as usize;
    }
    assert_eq!(fast_lines, 3000);
    assert!(
        mutated > 1000,
        "most mutations still take the flat scan: {mutated}"
    );
}

#[test]
fn the_issues_lines_are_judged_alike() {
    let tab = LINE.replace("off_1", "off\t1");
    let bad_co2 = LINE.replace("\"co2_kg\":null", "\"co2_kg\":\"x\"");
    let flat = |l: &str| l.replace("\"extra\":{\"x\":[1,2]}", "\"extra\":1");
    for line in [tab.clone(), flat(&tab), bad_co2.clone(), flat(&bad_co2)] {
        assert_scanner_never_matters(line.as_bytes());
    }
    // A raw TAB is not JSON: refused whatever the filter reads, naming the member.
    let (_, e) = judge_with_each_scanner(flat(&tab).as_bytes(), 0);
    assert_eq!(e.unwrap_err().field, Some("offer_id"));
    // An invalid member is found when it is decoded, on either scanner.
    let (fast, json) = judge_with_each_scanner(flat(&bad_co2).as_bytes(), 1 << col::ORIGIN);
    assert!(fast.unwrap().is_ok() && json.is_ok());
    let (fast, json) = judge_with_each_scanner(flat(&bad_co2).as_bytes(), ALL_COLUMNS);
    assert_eq!(fast.unwrap().unwrap_err().field, Some("co2_kg"));
    assert_eq!(json.unwrap_err().field, Some("co2_kg"));
}

#[test]
fn escapes_nesting_duplicates_and_controls_take_the_json_scan() {
    let general = [
        LINE.replace("off_1", "off\\u0031"),
        LINE.replace(
            "\"cabin\":\"economy\"",
            "\"cabin\":\"economy\",\"cabin\":\"first\"",
        ),
        LINE.replace("duffel", "düffel"),
        LINE.replace(",\"bags\"", ",\t\"bags\""),
        LINE.replace("[70]", "[70 1]"),
    ];
    for line in general {
        assert!(fast(line.as_bytes()).is_none(), "{line}");
    }
    let flat = LINE.replace("\"extra\":{\"x\":[1,2]}", "\"extra\":[1, \"a,b\" ,null]");
    assert!(fast(flat.as_bytes()).is_some_and(|r| r.is_ok()), "{flat}");
    // The original test line has a nested unknown member: JSON scan.
    assert!(fast(LINE.as_bytes()).is_none());
}

#[test]
fn the_one_pass_scalar_end_agrees_with_cutting_then_judging() {
    let alphabet = b"019-+.eEnulltruefalse,}] x\"";
    let mut line = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    // Every text of up to four bytes of the alphabet, behind a one-byte prefix.
    for len in 0..=4u32 {
        for mut n in 0..alphabet.len().pow(len) {
            line.clear();
            line.push(b':');
            for _ in 0..len {
                line.push(alphabet[n % alphabet.len()]);
                n /= alphabet.len();
            }
            let (fast, slow) = (scalar_end(&line, 1), scalar_end_slow(&line, 1));
            assert_eq!(fast, slow, "{}", String::from_utf8_lossy(&line));
            if fast.is_some() {
                accepted += 1;
            } else {
                rejected += 1;
            }
            // And with more behind it, so that a word of eight bytes is there.
            for tail in [
                &b",\"a\":1}"[..],
                b"]       ",
                b"0123456789",
                b"e5}      ",
                b".5 ]     ",
            ] {
                let long = [&line[..], tail].concat();
                let (fast, slow) = (scalar_end(&long, 1), scalar_end_slow(&long, 1));
                assert_eq!(fast, slow, "{}", String::from_utf8_lossy(&long));
            }
        }
    }
    assert!(accepted > 100 && rejected > 100, "{accepted} {rejected}");
    // Longer texts, mostly digits, at random.
    let mut rng = 0x2545_f491_u64;
    for _ in 0..200_000 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let len = 1 + (rng % 14) as usize;
        line.clear();
        line.push(b':');
        for k in 0..len {
            let r = (rng >> (4 * k)) as usize;
            line.push(if r.is_multiple_of(4) {
                alphabet[(r / 4) % alphabet.len()]
            } else {
                b'0' + (r % 10) as u8
            });
        }
        assert_eq!(
            scalar_end(&line, 1),
            scalar_end_slow(&line, 1),
            "{}",
            String::from_utf8_lossy(&line)
        );
    }
    for text in [
        "null",
        "nulls",
        "true,",
        "false]",
        "fals",
        "-0.5e+10}",
        "1e",
        "-",
        "01",
        "0.",
        "12 ",
        "1.5E-3",
        "-12.25,",
        "truex",
        "nul",
    ] {
        let line = [b"\"a\":", text.as_bytes()].concat();
        assert_eq!(scalar_end(&line, 4), scalar_end_slow(&line, 4), "{text}");
    }
}

#[test]
fn the_one_step_name_match_agrees_with_the_lookup() {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for name in COLUMNS {
        let name = name.as_bytes();
        keys.push(name.to_vec());
        keys.push(name[..name.len() - 1].to_vec());
        keys.push([name, b"x"].concat());
        keys.push([name, b"\\"].concat());
        keys.push([b"x", &name[1..]].concat());
    }
    keys.push(b"".to_vec());
    keys.push(b"note".to_vec());
    let mut hits = 0;
    for key in &keys {
        for (pad, colon) in [
            (0, &b"\":"[..]),
            (1, b"\":"),
            (5, b"\":"),
            (20, b"\":"),
            (20, b"\" :"),
            (20, b"\"x"),
        ] {
            let line = [b"\"", &key[..], colon, &b"1".repeat(pad)[..], b"}"].concat();
            let slow = string_end(&line, 1)
                .filter(|&e| line[e] == b'"' && line[e + 1] == b':')
                .and_then(|e| Some((column_index(&line[1..e])?, e + 2)));
            for column in 0..=COLUMNS.len() {
                let fast = name_at(&line, 1, column);
                let want = slow.filter(|&(c, _)| c == column).map(|(_, e)| e);
                if line.len() >= 17 {
                    assert_eq!(fast, want, "{} {column}", String::from_utf8_lossy(&line));
                    hits += usize::from(fast.is_some());
                } else {
                    assert!(fast.is_none() || fast == want);
                }
            }
        }
    }
    assert!(hits >= COLUMNS.len(), "{hits}");
}

#[test]
fn the_word_at_a_time_digit_run_counts_every_digit() {
    let alphabet = b"0123456789/:.e -\x00\x80\xb0\xb9";
    let mut rng = 0x9e37_79b9_u64;
    for _ in 0..20_000 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let len = (rng % 24) as usize;
        let text: Vec<u8> = (0..len)
            .map(|k| {
                let r = (rng >> (k % 48)) as usize;
                // Mostly digits, so runs are long.
                if r.is_multiple_of(3) {
                    alphabet[r / 3 % alphabet.len()]
                } else {
                    b'0' + (r % 10) as u8
                }
            })
            .collect();
        for from in 0..=len {
            let want = text[from..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            assert_eq!(digit_run(&text, from), want, "{text:?} from {from}");
        }
    }
}

#[test]
fn a_string_ends_at_every_quote_backslash_control_and_non_ascii_byte() {
    for len in 0..40 {
        let line = vec![b'a'; len];
        assert_eq!(string_end(&line, 0), None);
        for at in 0..len {
            for b in 0..=255u8 {
                let mut l = line.clone();
                l[at] = b;
                let stops = b == b'"' || b == b'\\' || !(0x20..0x80).contains(&b);
                for from in 0..=at {
                    assert_eq!(
                        string_end(&l, from),
                        stops.then_some(at),
                        "{b:#x} at {at} from {from}"
                    );
                }
            }
        }
    }
}

#[test]
fn errors_name_the_field() {
    let mut f = Flight::default();
    let bad = LINE.replace("\"stops\":1", "\"stops\":\"1\"");
    let e = decode_line(bad.as_bytes(), &mut f).unwrap_err();
    assert_eq!(e.field, Some("stops"));
    let bad = LINE.replace("\"origin\":\"JFK\",", "");
    let e = decode_line(bad.as_bytes(), &mut f).unwrap_err();
    assert_eq!(e.field, Some("origin"));
    let bad = LINE.replace("[70]", "[\"x\"]");
    let e = decode_line(bad.as_bytes(), &mut f).unwrap_err();
    assert_eq!(e.field, Some("layover_min"));
    let e = decode_line(b"{\"provider\":", &mut f).unwrap_err();
    assert_eq!(e.reason, "json");
    let bad = LINE.replace("\"price\":\"250.10\"", "\"price\":2.5e2");
    let e = decode_line(bad.as_bytes(), &mut f).unwrap_err();
    assert_eq!(e.field, Some("price"));
    let bad = LINE.replace("\"price\":\"250.10\"", "\"price\":\"250.1\u{1}\"");
    let e = decode_line(bad.as_bytes(), &mut f).unwrap_err();
    assert_eq!(e.field, Some("price"));
}

#[test]
fn absent_members_are_unknown_unless_required() {
    let mut f = Flight::default();
    let mut line = LINE.to_string();
    for member in [
        ",\"seats\":null",
        ",\"bags\":1",
        ",\"refundable\":false",
        ",\"co2_kg\":null",
    ] {
        line = line.replace(member, "");
    }
    decode_line(line.as_bytes(), &mut f).unwrap();
    assert_eq!(
        (f.seats, f.bags, f.refundable, f.co2_kg),
        (None, None, None, None)
    );
    let required = ALL_COLUMNS & !col::MAY_BE_UNKNOWN;
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(LINE).unwrap();
    for column in super::super::each_column(required) {
        let name = COLUMNS[column];
        let mut object = object.clone();
        object.remove(name).unwrap();
        let bad = serde_json::to_string(&object).unwrap();
        let e = decode_line(bad.as_bytes(), &mut f).unwrap_err();
        assert_eq!((e.field, e.reason), (Some(name), "missing"), "{bad}");
    }
}
