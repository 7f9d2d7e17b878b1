//! Raw provider responses, compressed dumps and directories through the real binary:
//! `search` and `convert` must read what travel-tech teams record, exactly as they
//! read canonical dumps.

use std::io::Write;
use std::path::Path;

use crate::util::*;

use flightsift::provider::Provider;

/// The registered providers' names (each has its fixtures under
/// `tests/fixtures/providers/<name>/`).
fn providers() -> Vec<&'static str> {
    Provider::ALL.into_iter().map(Provider::name).collect()
}

/// The providers whose pages `gen` writes.
fn generated() -> Vec<&'static str> {
    let names: Vec<_> = Provider::ALL
        .into_iter()
        .filter(|p| p.has_generator())
        .map(Provider::name)
        .collect();
    assert!(!names.is_empty());
    names
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/providers")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

/// Copies the shared fixtures (and only the response pages) into `dir` of `wd`.
fn copy_fixtures(wd: &Workdir, dir: &str) -> Vec<String> {
    let mut names = Vec::new();
    for p in providers() {
        std::fs::create_dir_all(wd.path(&format!("{dir}/{p}"))).unwrap();
        let mut files: Vec<_> = std::fs::read_dir(fixtures().join(p))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let name = format!("{dir}/{p}/{}", f.file_name().unwrap().to_string_lossy());
            wd.create(&name, std::fs::read(&f).unwrap());
            names.push(name);
        }
    }
    names
}

/// The committed golden output of `convert` over every shared fixture. Its rows were
/// checked against the worked examples of the provider notes (see
/// tests/providers.rs for the per-field checks); rerun with FLIGHTSIFT_BLESS=1 after
/// a deliberate mapping change and review the diff.
#[test]
fn every_fixture_converts_to_the_golden_rows() {
    let wd = Workdir::new();
    copy_fixtures(&wd, "pages");
    let got = wd.stdout(&["convert", "pages"]);
    let golden = fixtures().with_file_name("providers-expected.csv");
    if std::env::var_os("FLIGHTSIFT_BLESS").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden).expect("tests/fixtures/providers-expected.csv");
    assert_eq!(got, want, "convert output differs from the golden rows");
    // Every fixture contributes, in name order: directory order is input order.
    let ids = got.lines().skip(1).map(|l| l.split(',').next().unwrap());
    let providers: Vec<&str> = ids.collect();
    let mut sorted = providers.clone();
    sorted.sort();
    assert_eq!(
        providers, sorted,
        "providers' directories come in name order"
    );
    for p in self::providers() {
        assert!(providers.contains(&p), "{p} has rows");
    }
    // NDJSON output carries the same records.
    let nd = wd.stdout(&["convert", "pages", "--format", "ndjson"]);
    wd.create("back.ndjson", &nd);
    assert_eq!(wd.stdout(&["search", "back.ndjson", "--ordered"]), got);
}

/// Every format, plain, gzip and zstd, file by file and as one directory: the same
/// rows. A mixed directory holds raw pages of every provider and canonical dumps.
#[test]
fn compressed_and_plain_inputs_give_the_same_rows() {
    let wd = Workdir::new();
    let mut plain = Vec::new();
    for (i, p) in generated().into_iter().enumerate() {
        let name = format!("{p}.ndjson");
        wd.stdout(&[
            "gen",
            "--format",
            p,
            "--rows",
            "300",
            "--seed",
            &i.to_string(),
            "-o",
            &name,
        ]);
        plain.push(name);
    }
    wd.stdout(&["gen", "--rows", "300", "--seed", "9", "-o", "canon.csv"]);
    wd.stdout(&["gen", "--rows", "300", "--seed", "8", "-o", "canon.ndjson"]);
    plain.push("canon.csv".into());
    plain.push("canon.ndjson".into());
    std::fs::create_dir_all(wd.path("mixed/z")).unwrap();
    for (i, name) in plain.iter().enumerate() {
        let bytes = std::fs::read(wd.path(name)).unwrap();
        let want = wd.stdout(&["convert", name]);
        assert_eq!(want.lines().count(), 301, "{name}");
        wd.create(&format!("{name}.gz"), gzip(&bytes));
        wd.create(&format!("{name}.zst"), zstd(&bytes));
        for variant in [format!("{name}.gz"), format!("{name}.zst")] {
            assert_eq!(wd.stdout(&["convert", &variant]), want, "{variant}");
            // stdin: the magic bytes decide, there is no name.
            let out = wd
                .command(&["convert", "-"])
                .stdin(std::fs::File::open(wd.path(&variant)).unwrap())
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8(out.stdout).unwrap(),
                want,
                "stdin {variant}"
            );
        }
        // Into the mixed directory, alternating compressions, in a known order.
        let target = match i % 3 {
            0 => format!("mixed/{i}-{name}"),
            1 => format!("mixed/{i}-{name}.gz"),
            _ => format!("mixed/z/{i}-{name}.zst"),
        };
        let data = match i % 3 {
            0 => bytes,
            1 => gzip(&bytes),
            _ => zstd(&bytes),
        };
        wd.create(&target, data);
    }
    wd.create("mixed/NOTES.md", "not a dump: left out by name");
    // The directory is its entries in name order: the numbered files (0-, 1-, 3-,
    // 4-, ...), then the directory z/ (2-, 5-, ...).
    assert!(plain.len() <= 10, "single-digit numbers sort as numbers");
    let n = plain.len();
    let order: Vec<usize> = (0..n)
        .filter(|i| i % 3 != 2)
        .chain((0..n).filter(|i| i % 3 == 2))
        .collect();
    let mut want = String::new();
    for i in order {
        let rows = wd.stdout(&["convert", &plain[i]]);
        if want.is_empty() {
            want = rows;
        } else {
            want.extend(rows.lines().skip(1).map(|l| format!("{l}\n")));
        }
    }
    assert_eq!(wd.stdout(&["convert", "mixed"]), want);
    let count = wd.stdout(&["search", "mixed", "--count", "--max-stops", "1"]);
    wd.create("want.csv", &want);
    assert_eq!(
        count,
        wd.stdout(&["search", "want.csv", "--count", "--max-stops", "1"])
    );
}

#[test]
fn a_truncated_or_corrupt_compressed_input_is_an_error_naming_it() {
    let wd = Workdir::new();
    wd.stdout(&["gen", "--format", "kiwi", "--rows", "400", "-o", "k.ndjson"]);
    let bytes = std::fs::read(wd.path("k.ndjson")).unwrap();
    let gz = gzip(&bytes);
    let z = zstd(&bytes);
    for (name, data, what) in [
        (
            "cut.ndjson.gz",
            gz[..gz.len() / 2].to_vec(),
            "gzip stream is truncated",
        ),
        (
            "tail.ndjson.gz",
            gz[..gz.len() - 4].to_vec(),
            "gzip stream is truncated",
        ),
        (
            "cut.ndjson.zst",
            z[..z.len() / 2].to_vec(),
            "zstd stream is",
        ),
    ] {
        wd.create(name, data);
        for cmd in ["convert", "search"] {
            let err = wd.fails_with(2, &[cmd, name]);
            assert!(err.contains(name) && err.contains(what), "{name}: {err}");
            // Skipped, the rest of the file is counted and said, never silent; what
            // came before the fault is kept.
            let out = wd.output(&[cmd, name, "--on-error", "skip", "--stats"]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{name}: {err}");
            assert!(
                err.contains("skipped") && err.contains(name) && err.contains(what),
                "{name}: {err}"
            );
            assert!(
                err.contains(&format!("{name}: unreadable 1")),
                "{name}: {err}"
            );
            let kept = String::from_utf8_lossy(&out.stdout).into_owned();
            let full = wd.stdout(&[cmd, "k.ndjson"]);
            if cmd == "convert" {
                assert!(full.starts_with(&kept), "{name}: a prefix of the whole");
            } else {
                let all: std::collections::HashSet<&str> = full.lines().collect();
                assert!(
                    kept.lines().all(|l| all.contains(l)),
                    "{name}: part of the whole"
                );
            }
        }
        // Nothing is published for a failed conversion.
        wd.fails_with(2, &["convert", name, "-o", "out.csv"]);
        assert!(!wd.path("out.csv").exists(), "{name}");
    }
}

/// A directory of pages with a corrupt page and an error body in the middle: under
/// `fail` the run names the file; under `skip` exactly those two responses are
/// counted and written to the rejects, and every other offer is read.
#[test]
fn a_corrupt_page_and_an_error_body_in_a_directory_follow_the_policy() {
    let wd = Workdir::new();
    let names = copy_fixtures(&wd, "pages");
    let all = wd.stdout(&["convert", "pages"]);
    // One NDJSON file of responses too: its line numbers appear in the messages.
    let kiwi = std::fs::read_to_string(wd.path(&names[names.len() - 2])).unwrap();
    let one_line: serde_json::Value = serde_json::from_str(&kiwi).unwrap();
    let one_line = serde_json::to_string(&one_line).unwrap();
    wd.create(
        "pages/kiwi/lines.ndjson",
        format!(
            "{one_line}\n{{\"error\": \"rate limit exceeded\"}}\n{one_line}\n{}\n",
            &one_line[..one_line.len() / 2]
        ),
    );
    // A cut-off Amadeus page and a Duffel error body, between good pages.
    let amadeus = std::fs::read(wd.path(&names[0])).unwrap();
    wd.create("pages/amadeus/m-cut.json", &amadeus[..amadeus.len() / 3]);
    wd.create(
        "pages/duffel/m-error.json",
        r#"{"errors":[{"type":"validation_error","code":"invalid_parameter","title":"Invalid parameter","message":"origin must be an IATA code"}],"meta":{"request_id":"x"}}"#,
    );

    let err = wd.fails_with(2, &["convert", "pages", "-o", "out.csv"]);
    assert!(err.contains("m-cut.json"), "{err}");
    assert!(!wd.path("out.csv").exists());

    let out = wd.output(&[
        "convert",
        "pages",
        "--on-error",
        "skip",
        "--rejects",
        "rej.csv",
        "--stats",
    ]);
    assert!(out.status.success(), "{}", describe(&[], &out));
    let got = String::from_utf8(out.stdout).unwrap();
    let stats = String::from_utf8(out.stderr).unwrap();
    // Every offer of the good pages, plus the two good lines of lines.ndjson.
    let kiwi_rows = wd.stdout(&["convert", &names[names.len() - 2]]);
    let kiwi_n = kiwi_rows.lines().count() - 1;
    assert_eq!(
        got.lines().count(),
        all.lines().count() + 2 * kiwi_n,
        "{stats}"
    );
    let mut want_ids = csv_ids(&all);
    want_ids.extend(csv_ids(&kiwi_rows));
    want_ids.extend(csv_ids(&kiwi_rows));
    want_ids.sort();
    assert_eq!(csv_ids(&got), want_ids);
    assert!(stats.contains("bad records:      4"), "{stats}");
    let rejects = wd.read("rej.csv");
    let mut rdr = csv::Reader::from_reader(rejects.as_bytes());
    let mut seen: Vec<(String, String, String)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string(), r[2].to_string())
        })
        .collect();
    seen.sort();
    let want = [
        ("pages/amadeus/m-cut.json", "1", "truncated"),
        ("pages/duffel/m-error.json", "1", "error_body"),
        ("pages/kiwi/lines.ndjson", "2", "error_body"),
        ("pages/kiwi/lines.ndjson", "4", "truncated"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(seen, want);
}

/// An airport the bundled table does not know is a record error naming the code:
/// fatal by default, counted under skip, never a guessed offset.
#[test]
fn an_unknown_airport_follows_the_policy() {
    let wd = Workdir::new();
    let page =
        std::fs::read_to_string(fixtures().join("amadeus/spec-example-get-syd-bkk-oneway.json"))
            .unwrap();
    // The first offer's first segment leaves from SYD; make it QQX.
    let bad = page.replacen("\"SYD\"", "\"QQX\"", 1);
    assert_ne!(bad, page);
    wd.create("good.json", &page);
    wd.create("bad.json", &bad);
    let err = wd.fails_with(2, &["search", "bad.json"]);
    assert!(err.contains("bad.json:1") && err.contains("QQX"), "{err}");
    let good = wd.stdout(&["search", "good.json", "--count"]);
    let out = wd.output(&[
        "search",
        "bad.json",
        "--count",
        "--on-error",
        "skip",
        "--stats",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("unknown_airport 1"), "{stderr}");
    let skipped: u64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(skipped + 1, good.trim().parse::<u64>().unwrap());
}

/// Generated pages of every provider: `convert | search` equals `search` on the
/// pages, and exact-N and `--ordered` hold over threads and channel capacities, as
/// for canonical input.
#[test]
fn searching_pages_equals_searching_their_conversion() {
    let wd = Workdir::new();
    let mut rng = Rng(2026);
    let filters: [&[&str]; 5] = [
        &["--max-price", "400", "--max-stops", "1"],
        &["--cabin", "economy,business", "--depart-after", "08:00"],
        &[
            "--where",
            "carriers has AA or via has ORD or duration <= 240",
        ],
        &["--where", "refundable or bags >= 1 or seats >= 4"],
        &[],
    ];
    for (i, p) in generated().into_iter().enumerate() {
        let pages = format!("{p}.ndjson");
        wd.stdout(&[
            "gen",
            "--format",
            p,
            "--rows",
            "1500",
            "--seed",
            &(40 + i).to_string(),
            "-o",
            &pages,
        ]);
        let canon = format!("{p}.csv");
        std::fs::write(wd.path(&canon), wd.stdout(&["convert", &pages])).unwrap();
        for filter in filters {
            let flags = random_flags(&mut rng).args();
            for extra in [
                filter.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                flags,
            ] {
                let run = |input: &str, more: &[&str]| {
                    let mut args = vec!["search", input];
                    args.extend(extra.iter().map(String::as_str));
                    args.extend_from_slice(more);
                    wd.stdout(&args)
                };
                let want = run(&canon, &["--ordered"]);
                assert_eq!(run(&pages, &["--ordered"]), want, "{p} {extra:?}");
                let matches = want.lines().count() - 1;
                let threads = (1 + rng.below(4)).to_string();
                let capacity = (1 + rng.below(4)).to_string();
                let n = (1 + rng.below(matches as u64 + 3)).to_string();
                let shape = ["-j", &threads, "--channel-capacity", &capacity];
                // Exactly min(N, matches), each one a match.
                let got = run(&pages, &[&["-n", &n][..], &shape].concat());
                let got_ids = csv_ids(&got);
                assert_eq!(got_ids.len(), matches.min(n.parse().unwrap()), "{p} -n {n}");
                let all_ids = csv_ids(&want);
                assert!(got_ids.iter().all(|id| all_ids.binary_search(id).is_ok()));
                // Ordered with a limit: the first N in input order.
                let ordered = run(&pages, &[&["-n", &n, "--ordered"][..], &shape].concat());
                let first: Vec<&str> = want.lines().take(1 + n.parse::<usize>().unwrap()).collect();
                assert_eq!(
                    ordered.lines().collect::<Vec<_>>(),
                    first,
                    "{p} -n {n} --ordered"
                );
                let count = run(&pages, &["--count"]);
                assert_eq!(count.trim(), matches.to_string(), "{p} --count");
            }
        }
    }
}

/// `--provider` overrides detection; a wrong one is an error naming the file, and
/// `--provider canonical` never reads responses.
#[test]
fn the_provider_flag_forces_the_format() {
    let wd = Workdir::new();
    wd.stdout(&[
        "gen", "--format", "duffel", "--rows", "60", "-o", "d.ndjson",
    ]);
    let auto = wd.stdout(&["convert", "d.ndjson"]);
    assert_eq!(
        wd.stdout(&["convert", "--provider", "duffel", "d.ndjson"]),
        auto
    );
    let err = wd.fails_with(2, &["convert", "--provider", "kiwi", "d.ndjson"]);
    assert!(err.contains("d.ndjson:1"), "{err}");
    let err = wd.fails_with(2, &["convert", "--provider", "canonical", "d.ndjson"]);
    assert!(err.contains("d.ndjson:1"), "{err}");
    let err = wd.fails_with(
        2,
        &[
            "convert",
            "--provider",
            "kiwi",
            "--input-format",
            "csv",
            "d.ndjson",
        ],
    );
    assert!(err.contains("cannot be used with"), "{err}");
    // A response whose markers name two providers asks for the flag.
    wd.create(
        "two.json",
        r#"{"search_id":"x","dictionaries":{},"data":[]}"#,
    );
    let err = wd.fails_with(2, &["convert", "two.json"]);
    assert!(
        err.contains("two.json") && err.contains("--provider"),
        "{err}"
    );
}
