//! Bad input and bad flags: a clear message naming the place, exit code 2, no panic.

use crate::util::{Workdir, HEADER};

const GOOD: &str = "duffel,a1,JFK,LAX,2026-12-01T06:35:00-05:00,2026-12-01T09:50:00-08:00,375,0,,AA,AA1,,economy,250.10,USD,4,1,false,300,,";

fn dump_with(bad: &str) -> String {
    format!("{HEADER}\n{GOOD}\n{GOOD}\n{bad}\n{GOOD}\n")
}

#[test]
fn malformed_rows_name_file_line_and_field() {
    let cases: &[(&str, &str, &str)] = &[
        (
            &GOOD.replace(",375,", ",37x5,"),
            "field `duration_min`",
            "non-negative integer",
        ),
        (
            &GOOD.replace("2026-12-01T06:35:00-05:00", "2026-13-01T06:35:00-05:00"),
            "field `departure`",
            "RFC 3339",
        ),
        (
            &GOOD.replace("economy", "coach"),
            "field `cabin`",
            "economy|premium_economy|business|first",
        ),
        (&GOOD.replace("250.10", "2.5e2"), "field `price`", "decimal"),
        (
            &GOOD.replace(",JFK,", ",JFKX,"),
            "field `origin`",
            "airport code",
        ),
        (
            &GOOD.replace(",false,", ",maybe,"),
            "field `refundable`",
            "true, false or empty",
        ),
        (
            &GOOD.replace(",0,,AA,", ",1,,AA,"),
            "field `via`",
            "stops is 1",
        ),
        (&GOOD[..GOOD.len() - 2], "expected 21 fields", "found 19"),
    ];
    for (bad, field, expected) in cases {
        let wd = Workdir::new();
        wd.create("bad.csv", dump_with(bad));
        let stderr = wd.fails_with(2, &["search", "bad.csv"]);
        assert!(
            stderr.contains("bad.csv:4:"),
            "line number missing for {bad}: {stderr}"
        );
        assert!(stderr.contains(field), "field missing for {bad}: {stderr}");
        assert!(
            stderr.contains(expected),
            "expectation missing for {bad}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn invalid_utf8_is_reported_not_replaced() {
    let wd = Workdir::new();
    let mut bytes = dump_with(&GOOD.replace("duffel", "duf\u{1}fel")).into_bytes();
    let at = bytes.iter().position(|&b| b == 1).unwrap();
    bytes[at] = 0xFF;
    wd.create("bad.csv", bytes);
    let stderr = wd.fails_with(2, &["search", "bad.csv"]);
    assert!(
        stderr.contains("bad.csv:4: field `provider`: invalid UTF-8"),
        "{stderr}"
    );
}

#[test]
fn ndjson_errors_name_line_and_field() {
    let wd = Workdir::new();
    let good = r#"{"provider":"duffel","offer_id":"o","origin":"JFK","destination":"LAX","departure":"2026-12-01T06:35:00-05:00","arrival":"2026-12-01T09:50:00-08:00","duration_min":375,"stops":0,"via":[],"carriers":["AA"],"flight_numbers":["AA1"],"layover_min":[],"cabin":"economy","price":250.1,"currency":"USD","seats":null,"bags":1,"refundable":null,"co2_kg":300}"#;
    let bad = good.replace("\"bags\":1", "\"bags\":-1");
    wd.create("bad.ndjson", format!("{good}\n\n{good}\n{bad}\n"));
    let stderr = wd.fails_with(2, &["search", "bad.ndjson"]);
    assert!(stderr.contains("bad.ndjson:4: field `bags`"), "{stderr}");
    wd.create("trunc.ndjson", format!("{good}\n{}", &good[..50]));
    let stderr = wd.fails_with(2, &["search", "trunc.ndjson"]);
    assert!(
        stderr.contains("trunc.ndjson:2:") && stderr.contains("JSON"),
        "{stderr}"
    );
}

#[test]
fn header_problems() {
    let wd = Workdir::new();
    wd.create("missing.csv", "provider,offer_id,origin\nx,y,z\n");
    let stderr = wd.fails_with(2, &["search", "missing.csv"]);
    assert!(
        stderr.contains("missing required columns") && stderr.contains("`destination`"),
        "{stderr}"
    );
    wd.create("empty.csv", "");
    let stderr = wd.fails_with(2, &["search", "empty.csv"]);
    assert!(
        stderr.contains("empty.csv") && stderr.contains("header"),
        "{stderr}"
    );
    // A header alone is a valid, empty dump.
    wd.create("header.csv", format!("{HEADER}\n"));
    assert_eq!(wd.stdout(&["search", "header.csv", "--count"]).trim(), "0");
}

#[test]
fn bad_flag_values_name_the_flag() {
    let wd = Workdir::new();
    wd.create("f.csv", dump_with(GOOD));
    let cases: &[(&[&str], &str)] = &[
        (
            &["--max-price", "abc"],
            "--max-price: expected a decimal amount",
        ),
        (
            &["--depart-after", "06:75"],
            "--depart-after: expected a time of day",
        ),
        (
            &["--from", "JFKX"],
            "--from: expected a 3-letter airport code",
        ),
        (
            &["--max-duration", "7x"],
            "--max-duration: expected a duration",
        ),
        (
            &["--date", "2026-02-30"],
            "--date: 2026-02-30 is not a date: February 2026 has 28 days",
        ),
        (&["--cabin", "coach"], "--cabin: expected a cabin"),
    ];
    for (flags, msg) in cases {
        let mut args = vec!["search", "f.csv"];
        args.extend_from_slice(flags);
        let stderr = wd.fails_with(2, &args);
        assert!(stderr.contains(msg), "{flags:?}: {stderr}");
    }
}

#[test]
fn io_errors_are_fatal_and_named() {
    let wd = Workdir::new();
    let stderr = wd.fails_with(2, &["search", "nope.csv"]);
    assert!(stderr.contains("nope.csv"), "{stderr}");
    // Reading a directory fails mid-read (EISDIR), not at open: it must not look like EOF.
    std::fs::create_dir(wd.path("dir.csv")).unwrap();
    let stderr = wd.fails_with(2, &["search", "dir.csv"]);
    assert!(stderr.contains("dir.csv"), "{stderr}");
}

#[test]
fn a_failed_run_leaves_no_output_file() {
    let wd = Workdir::new();
    wd.create("bad.csv", dump_with(&GOOD.replace(",375,", ",x,")));
    wd.create("out.csv", "previous contents\n");
    wd.fails_with(2, &["search", "bad.csv", "-o", "out.csv"]);
    assert_eq!(wd.read("out.csv"), "previous contents\n");
    let leftovers: Vec<_> = std::fs::read_dir(wd.path("."))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );
}

#[test]
fn full_disk_is_an_error() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let wd = Workdir::new();
    let (text, _) = crate::util::random_dump(1, 5000);
    wd.create("r.csv", text);
    let out = wd
        .command(&["search", "r.csv"])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("<stdout>") && stderr.contains("No space left"),
        "{stderr}"
    );
}

#[test]
fn kept_records_are_always_fully_checked_and_validate_all_checks_every_record() {
    let wd = Workdir::new();
    // Row 3 has a bad co2 value; the filter reads only `origin`.
    let bad = GOOD.replace(",300,", ",3x0,").replace("JFK", "BOS");
    wd.create("d.csv", dump_with(&bad));
    wd.create("d.ndjson", {
        let out = wd.stdout(&["search", "d.csv", "--from", "JFK", "--format", "ndjson"]);
        let line = out.lines().next().unwrap().to_string();
        let broken = line
            .replace("\"co2_kg\":300", "\"co2_kg\":\"3x0\"")
            .replace("JFK", "BOS");
        format!("{line}\n{line}\n{broken}\n{line}\n")
    });
    for file in ["d.csv", "d.ndjson"] {
        // Rejected by the filter on a field it reads: not decoded further.
        assert_eq!(
            wd.stdout(&["search", file, "--from", "JFK", "--count"])
                .trim(),
            "3",
            "{file}"
        );
        // Kept (it matches): checked in full, so the bad value stops the run.
        let stderr = wd.fails_with(2, &["search", file, "--from", "BOS"]);
        assert!(
            stderr.contains(&format!("{file}:")) && stderr.contains("co2_kg"),
            "{file}: {stderr}"
        );
        // --validate-all checks every record whatever the filter.
        let stderr = wd.fails_with(
            2,
            &["search", file, "--from", "JFK", "--validate-all", "--count"],
        );
        assert!(stderr.contains("co2_kg"), "{file}: {stderr}");
    }
}
