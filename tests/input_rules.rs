//! The rules every input path applies alike: a record is one line, text holds no
//! control characters, CSV quoting is strict, the two NDJSON decoders judge a line the
//! same way, absent NDJSON members are unknown, and integers cover their whole type.

use proptest::prelude::*;

use crate::util::{Workdir, HEADER};

const GOOD_CSV: &str = "duffel,a1,JFK,LAX,2026-12-01T06:35:00-05:00,2026-12-01T09:50:00-08:00,375,0,,AA,AA1,,economy,250.10,USD,4,1,false,300,,";

/// A canonical NDJSON line: flat and ASCII, so the fast decoder takes it.
const GOOD_NDJSON: &str = r#"{"provider":"duffel","offer_id":"o1","origin":"JFK","destination":"LAX","departure":"2026-12-01T06:35:00-05:00","arrival":"2026-12-01T09:50:00-08:00","duration_min":375,"stops":0,"via":[],"carriers":["AA"],"flight_numbers":["AA1"],"layover_min":[],"cabin":"economy","price":250.1,"currency":"USD","seats":4,"bags":1,"refundable":false,"co2_kg":300}"#;

/// The same line with an unrelated non-ASCII member, which sends it to the general
/// decoder: it must not change how the line is judged.
fn with_note(line: &str) -> String {
    format!(
        "{},\"note\":\"é\"}}",
        line.strip_suffix('}').expect("an object")
    )
}

fn csv_dump(bad: &str) -> String {
    format!("{HEADER}\n{GOOD_CSV}\n{GOOD_CSV}\n{bad}\n{GOOD_CSV}\n")
}

fn ndjson_dump(bad: &str) -> String {
    format!("{GOOD_NDJSON}\n{bad}\n{GOOD_NDJSON}\n")
}

/// Runs `search FILE ARGS...` and returns (exit code, stdout, stderr).
fn run(wd: &Workdir, file: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["search", file];
    all.extend_from_slice(args);
    let out = wd.output(&all);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn text_with_a_control_character_is_a_record_error_naming_the_field() {
    let wd = Workdir::new();
    let ndjson: &[(&str, &str)] = &[
        (r#""provider":"acme\nair""#, "provider"),
        (r#""provider":"acme\rair""#, "provider"),
        (r#""offer_id":"o\u00001""#, "offer_id"),
        (r#""offer_id":"o\t1""#, "offer_id"),
        (r#""offer_id":"o\u007f1""#, "offer_id"),
        // A raw control byte is not JSON; the field is still named.
        ("\"provider\":\"acme\tair\"", "provider"),
        ("\"offer_id\":\"o\x011\"", "offer_id"),
    ];
    for (member, field) in ndjson {
        let replaced = if member.starts_with("\"provider\"") {
            GOOD_NDJSON.replace(r#""provider":"duffel""#, member)
        } else {
            GOOD_NDJSON.replace(r#""offer_id":"o1""#, member)
        };
        for line in [replaced.clone(), with_note(&replaced)] {
            wd.create("bad.ndjson", ndjson_dump(&line));
            let stderr = wd.fails_with(2, &["search", "bad.ndjson"]);
            assert!(
                stderr.contains(&format!("bad.ndjson:2: field `{field}`")),
                "{line:?}: {stderr}"
            );
            // Skipped, the record is counted and the next line is still read.
            let (code, out, stderr) = run(&wd, "bad.ndjson", &["--on-error", "skip", "--count"]);
            assert_eq!((code, out.trim()), (0, "2"), "{line:?}: {stderr}");
        }
    }
    let csv: &[(&str, &str)] = &[
        ("acme\tair", "provider"),
        ("acme\0air", "provider"),
        ("acme\x7fair", "provider"),
        ("\"acme\x1bair\"", "provider"),
    ];
    for (provider, field) in csv {
        let line = GOOD_CSV.replacen("duffel", provider, 1);
        wd.create("bad.csv", csv_dump(&line));
        let stderr = wd.fails_with(2, &["search", "bad.csv"]);
        assert!(
            stderr.contains(&format!("bad.csv:4: field `{field}`"))
                && stderr.contains("control character"),
            "{line:?}: {stderr}"
        );
    }
}

/// A provider or offer id built from the characters that trouble CSV and JSON.
fn awkward_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a", "B", "7", " ", ",", ";", "\"", "\"\"", "'", "\\", "é", "☃", "\n", "\r", "\r\n", "\t",
        "\0", "\x7f", "\x1b", "{", "}", "[",
    ]);
    prop::collection::vec(pieces, 1..8).prop_map(|p| p.concat())
}

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_control())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever flightsift emits as CSV reads back as the same flights: text that
    /// cannot live on one line never gets in, and everything else survives quoting.
    #[test]
    fn what_is_emitted_as_csv_reads_back_to_the_same_flights(
        texts in prop::collection::vec((awkward_text(), awkward_text()), 1..12),
    ) {
        let wd = Workdir::new();
        let mut input = String::new();
        for (provider, offer_id) in &texts {
            let line = GOOD_NDJSON
                .replace(r#""provider":"duffel""#, &format!("\"provider\":{}", serde_json::to_string(provider).unwrap()))
                .replace(r#""offer_id":"o1""#, &format!("\"offer_id\":{}", serde_json::to_string(offer_id).unwrap()));
            input.push_str(&line);
            input.push('\n');
        }
        wd.create("in.ndjson", &input);
        let skip = ["--on-error", "skip", "--ordered"];
        let direct = wd.stdout(&[&["search", "in.ndjson", "--format", "ndjson"][..], &skip].concat());
        wd.stdout(&[&["search", "in.ndjson", "-o", "out.csv"][..], &skip].concat());
        let back = wd.stdout(&["search", "out.csv", "--format", "ndjson", "--ordered"]);
        prop_assert_eq!(&back, &direct);
        let kept: Vec<&(String, String)> = texts
            .iter()
            .filter(|(p, o)| !has_control(p) && !has_control(o))
            .collect();
        let got: Vec<(String, String)> = back
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["provider"].as_str().unwrap().to_string(), v["offer_id"].as_str().unwrap().to_string())
            })
            .collect();
        prop_assert_eq!(got.iter().collect::<Vec<_>>(), kept);
    }
}

#[test]
fn csv_quoting_errors_name_file_line_and_field() {
    let wd = Workdir::new();
    let cases: &[(String, &str, &str)] = &[
        // An unclosed quote in the last field.
        (
            format!("{GOOD_CSV}\"2026"),
            "return_arrival",
            "unclosed quote",
        ),
        (format!("{GOOD_CSV}\""), "return_arrival", "unclosed quote"),
        // A lone quote as a whole field.
        (
            GOOD_CSV.replacen("a1", "\"", 1),
            "offer_id",
            "unclosed quote",
        ),
        // Text after a closing quote.
        (
            GOOD_CSV.replacen("duffel", "\"duf\"fel", 1),
            "provider",
            "after the closing quote",
        ),
        (
            GOOD_CSV.replacen(",USD,", ",\"USD\" ,", 1),
            "currency",
            "after the closing quote",
        ),
        // A bare CR, with and without quotes, in a text field and in a code.
        (
            GOOD_CSV.replacen("duffel", "duf\rfel", 1),
            "provider",
            "carriage return",
        ),
        (
            GOOD_CSV.replacen("duffel", "\"duf\rfel\"", 1),
            "provider",
            "carriage return",
        ),
        (
            GOOD_CSV.replacen(",USD,", ",US\rD,", 1),
            "currency",
            "carriage return",
        ),
    ];
    for (line, field, what) in cases {
        wd.create("bad.csv", csv_dump(line));
        let stderr = wd.fails_with(2, &["search", "bad.csv"]);
        assert!(
            stderr.contains(&format!("bad.csv:4: field `{field}`")) && stderr.contains(what),
            "{line:?}: {stderr}"
        );
        // The error spoils its own line only.
        let (code, out, stderr) = run(&wd, "bad.csv", &["--on-error", "skip", "--count"]);
        assert_eq!((code, out.trim()), (0, "3"), "{line:?}: {stderr}");
    }
    // A bare CR in a column flightsift does not read is refused too, naming the column
    // (other CSV readers end the record there).
    let header = format!("{HEADER},note");
    let good = format!("{GOOD_CSV},x");
    wd.create(
        "extra.csv",
        format!("{header}\n{good}\n{}\n", good.replace(",x", ",x\ry")),
    );
    let stderr = wd.fails_with(2, &["search", "extra.csv"]);
    assert!(
        stderr.contains("extra.csv:3:")
            && stderr.contains("`note`")
            && stderr.contains("carriage return"),
        "{stderr}"
    );
    // Well-formed quoting and CRLF line ends stay fine, and a quote inside a field
    // that does not start with one is an ordinary character (as DuckDB reads it).
    let fine = GOOD_CSV
        .replacen("duffel", "\"duf,\"\"fel\"\"\"", 1)
        .replacen(",,", ",\"\",", 1);
    let inner = GOOD_CSV.replacen("a1", "a\"1", 1);
    wd.create(
        "fine.csv",
        format!("{HEADER}\r\n{fine}\r\n{GOOD_CSV}\r\n{inner}\r\n"),
    );
    let out = wd.stdout(&["search", "fine.csv", "--format", "ndjson", "--ordered"]);
    assert!(out.contains(r#""provider":"duf,\"fel\"""#), "{out}");
    assert!(out.contains(r#""offer_id":"a\"1""#), "{out}");
    assert_eq!(out.lines().count(), 3, "{out}");
}

/// Outcome of one run, as compared between the two NDJSON decoders.
fn outcome(wd: &Workdir, file: &str, args: &[&str]) -> (i32, String, Option<String>) {
    let (code, out, stderr) = run(wd, file, args);
    // The message names the field: keep the part that follows the location.
    let error = stderr
        .lines()
        .find_map(|l| l.split_once("bad.ndjson:2: ").map(|(_, e)| e.to_string()));
    (code, out, error)
}

#[test]
fn both_ndjson_decoders_judge_a_line_alike() {
    let wd = Workdir::new();
    let lines = [
        // A raw TAB inside a string: not JSON, whichever decoder reads it.
        GOOD_NDJSON.replace("\"o1\"", "\"o\t1\""),
        // Raw TABs between tokens are JSON whitespace.
        GOOD_NDJSON
            .replace(",\"stops\"", ",\t\"stops\"")
            .replace("\":", "\":\t"),
        // An invalid value in a member the filter does not read.
        GOOD_NDJSON.replace("\"co2_kg\":300", "\"co2_kg\":\"x\""),
        GOOD_NDJSON.replace("\"layover_min\":[]", "\"layover_min\":[\"x\"]"),
        GOOD_NDJSON.replace("\"via\":[]", "\"via\":[\"ORD\",7]"),
        GOOD_NDJSON.replace("\"seats\":4", "\"seats\":-4"),
        // Invalid values the filter reads.
        GOOD_NDJSON.replace("\"origin\":\"JFK\"", "\"origin\":\"jfk\""),
        GOOD_NDJSON.replace("\"origin\":\"JFK\"", "\"origin\":7"),
        // A member twice.
        GOOD_NDJSON.replace("\"bags\":1", "\"bags\":1,\"bags\":2"),
        // Escapes.
        GOOD_NDJSON.replace("\"o1\"", "\"o\\u0031\""),
        GOOD_NDJSON.replace("\"LAX\"", "\"L\\u0041X\""),
        GOOD_NDJSON.replace("[\"AA\"]", "[\"A\\u0041\"]"),
    ];
    let runs: &[&[&str]] = &[
        &[],
        &["--count"],
        &["--from", "JFK", "--count"],
        &["--from", "BOS", "--count"],
        &["--from", "BOS", "--validate-all", "--count"],
        &["--max-co2", "500", "--count"],
        &["--on-error", "skip", "--format", "ndjson"],
    ];
    for line in &lines {
        for args in runs {
            wd.create("bad.ndjson", ndjson_dump(line));
            let plain = outcome(&wd, "bad.ndjson", args);
            wd.create("bad.ndjson", ndjson_dump(&with_note(line)));
            let noted = outcome(&wd, "bad.ndjson", args);
            assert_eq!(plain, noted, "{line:?} with {args:?}");
        }
    }
    // The issue's cases, spelled out: a raw TAB in a string is refused naming the
    // field; an invalid member the filter does not read is decoded only for kept
    // records, on either decoder.
    for with in [false, true] {
        let tab = GOOD_NDJSON.replace("\"o1\"", "\"o\t1\"");
        let bad_co2 = GOOD_NDJSON.replace("\"co2_kg\":300", "\"co2_kg\":\"x\"");
        let (tab, bad_co2) = if with {
            (with_note(&tab), with_note(&bad_co2))
        } else {
            (tab, bad_co2)
        };
        wd.create("bad.ndjson", ndjson_dump(&tab));
        let stderr = wd.fails_with(2, &["search", "bad.ndjson", "--from", "BOS", "--count"]);
        assert!(
            stderr.contains("bad.ndjson:2: field `offer_id`"),
            "{stderr}"
        );
        wd.create("bad.ndjson", ndjson_dump(&bad_co2));
        assert_eq!(
            wd.stdout(&["search", "bad.ndjson", "--from", "BOS", "--count"])
                .trim(),
            "0"
        );
        let stderr = wd.fails_with(2, &["search", "bad.ndjson", "--from", "JFK", "--count"]);
        assert!(stderr.contains("bad.ndjson:2: field `co2_kg`"), "{stderr}");
    }
}

#[test]
fn absent_ndjson_members_are_unknown_and_required_ones_are_named() {
    let wd = Workdir::new();
    let sparse = GOOD_NDJSON
        .replace(",\"seats\":4", "")
        .replace(",\"bags\":1", "")
        .replace(",\"refundable\":false", "")
        .replace(",\"co2_kg\":300", "");
    for line in [sparse.clone(), with_note(&sparse)] {
        wd.create("sparse.ndjson", format!("{line}\n"));
        let out = wd.stdout(&["search", "sparse.ndjson"]);
        assert!(out.ends_with(",USD,,,,,,\n"), "{out}");
        // Unknown never satisfies a bound, and `is null` sees it.
        let count = |args: &[&str]| {
            wd.stdout(&[&["search", "sparse.ndjson", "--count"][..], args].concat())
                .trim()
                .to_string()
        };
        assert_eq!(count(&["--min-bags", "0"]), "0");
        assert_eq!(count(&["--where", "co2_kg is null and seats is null"]), "1");
    }
    // Required members stay required, on both decoders.
    for member in [
        ",\"price\":250.1",
        ",\"stops\":0",
        ",\"via\":[]",
        ",\"layover_min\":[]",
        ",\"currency\":\"USD\"",
    ] {
        let field = member[2..].split('"').next().unwrap();
        let line = GOOD_NDJSON.replace(member, "");
        for line in [line.clone(), with_note(&line)] {
            wd.create("bad.ndjson", ndjson_dump(&line));
            let stderr = wd.fails_with(2, &["search", "bad.ndjson"]);
            assert!(
                stderr.contains(&format!(
                    "bad.ndjson:2: field `{field}`: required member is absent"
                )),
                "{line}: {stderr}"
            );
        }
    }
}

#[test]
fn a_byte_order_mark_starts_an_ndjson_input_as_it_starts_a_csv_one() {
    let wd = Workdir::new();
    wd.create(
        "bom.ndjson",
        format!("\u{FEFF}{GOOD_NDJSON}\n{GOOD_NDJSON}\n"),
    );
    assert_eq!(wd.stdout(&["search", "bom.ndjson", "--count"]).trim(), "2");
    wd.create("bom.csv", format!("\u{FEFF}{HEADER}\n{GOOD_CSV}\n"));
    assert_eq!(wd.stdout(&["search", "bom.csv", "--count"]).trim(), "1");
    // Only at the start of the input: elsewhere it is a stray character.
    wd.create(
        "late.ndjson",
        format!("{GOOD_NDJSON}\n\u{FEFF}{GOOD_NDJSON}\n"),
    );
    let stderr = wd.fails_with(2, &["search", "late.ndjson"]);
    assert!(stderr.contains("late.ndjson:2:"), "{stderr}");
    // The same on standard input, with the format given or found from the content.
    for args in [&["--input-format", "ndjson"][..], &[]] {
        let out = wd
            .command(&[&["search", "-", "--count"][..], args].concat())
            .stdin(std::fs::File::open(wd.path("bom.ndjson")).unwrap())
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2", "{out:?}");
    }
}

#[test]
fn integers_hold_every_value_of_their_type() {
    let wd = Workdir::new();
    let max = u32::MAX.to_string();
    for (value, want) in [
        ("1000000000", "1000000000"),
        ("0000000001", "1"),
        ("00000000000000000000300", "300"),
        (max.as_str(), max.as_str()),
    ] {
        let line = GOOD_CSV.replace(",300,", &format!(",{value},"));
        wd.create("ok.csv", csv_dump(&line));
        let out = wd.stdout(&["search", "ok.csv", "--format", "ndjson", "--ordered"]);
        let third = out.lines().nth(2).unwrap();
        assert!(
            third.contains(&format!("\"co2_kg\":{want}")),
            "{value}: {third}"
        );
        let ndjson = GOOD_NDJSON.replace("\"co2_kg\":300", &format!("\"co2_kg\":{want}"));
        wd.create("ok.ndjson", ndjson_dump(&ndjson));
        assert_eq!(wd.stdout(&["search", "ok.ndjson", "--count"]).trim(), "3");
    }
    // Leading zeros everywhere an integer goes.
    let zeros = GOOD_CSV
        .replace(",375,0,", ",0375,00,")
        .replace(",4,1,", ",04,001,");
    wd.create("zeros.csv", csv_dump(&zeros));
    assert_eq!(
        wd.stdout(&["search", "zeros.csv", "--max-duration", "375", "--count"])
            .trim(),
        "4"
    );
    let too_large = format!("too large (at most {max})");
    for value in ["4294967296", "99999999999999999999", "000004294967296"] {
        let line = GOOD_CSV.replace(",300,", &format!(",{value},"));
        wd.create("big.csv", csv_dump(&line));
        let stderr = wd.fails_with(2, &["search", "big.csv"]);
        assert!(
            stderr.contains("big.csv:4: field `co2_kg`") && stderr.contains(&too_large),
            "{value}: {stderr}"
        );
    }
    let line = GOOD_NDJSON.replace("\"seats\":4", "\"seats\":4294967296");
    for line in [line.clone(), with_note(&line)] {
        wd.create("big.ndjson", ndjson_dump(&line));
        let stderr = wd.fails_with(2, &["search", "big.ndjson"]);
        assert!(
            stderr.contains("big.ndjson:2: field `seats`") && stderr.contains(&too_large),
            "{stderr}"
        );
    }
    // Not an integer at all keeps its own message.
    let line = GOOD_CSV.replace(",300,", ",3x0,");
    wd.create("bad.csv", csv_dump(&line));
    let stderr = wd.fails_with(2, &["search", "bad.csv"]);
    assert!(
        stderr.contains("expected a non-negative integer"),
        "{stderr}"
    );
}
