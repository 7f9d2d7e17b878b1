//! Errors in ordered and unordered runs: a fatal error is never lost, an ordered run
//! ends exactly as a sequential scan would (errors included), inputs are checked
//! before any output, and the library never blocks on an undrained side stream.

use std::io::Read;

use flightsift::{ErrorPolicy, Filter, Input, InputFormat, Outcome, Rejects, Search, SearchConfig};

use crate::util::{random_dump, random_flags, Rng, Workdir};

/// A dump of `rows` rows whose line `bad_line` (1-based, header is line 1) has an
/// unparsable price.
fn dump_with_bad_line(seed: u64, rows: usize, bad_line: usize) -> (String, Vec<String>) {
    let (text, _) = random_dump(seed, rows);
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let fields: Vec<&str> = lines[bad_line - 1].split(',').collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let price = header.iter().position(|h| *h == "price").unwrap();
    let mut fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    fields[price] = "free".into();
    lines[bad_line - 1] = fields.join(",");
    let ids = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect();
    (lines.join("\n") + "\n", ids)
}

#[test]
fn ordered_count_never_swallows_a_fatal_error() {
    let wd = Workdir::new();
    let (text, _) = dump_with_bad_line(1, 300, 2);
    wd.create("d.csv", &text);
    for run in 0..100 {
        let threads = ["1", "2", "4"][run % 3];
        let page = ["1", "4", "64"][run % 3];
        let err = wd.fails_with(
            2,
            &[
                "search",
                "d.csv",
                "--ordered",
                "--count",
                "--threads",
                threads,
                "--page-size",
                page,
            ],
        );
        assert!(
            err.contains("d.csv:2") && err.contains("price"),
            "run {run}: {err}"
        );
    }
}

#[test]
fn ordered_output_file_is_untouched_by_a_fatal_error() {
    let wd = Workdir::new();
    let (text, _) = dump_with_bad_line(2, 200, 50);
    wd.create("d.csv", &text);
    for run in 0..100 {
        wd.create("out.json", "previous\n");
        let threads = ["1", "2", "3"][run % 3];
        let err = wd.fails_with(
            2,
            &[
                "search",
                "d.csv",
                "--ordered",
                "--page-size",
                "4",
                "--threads",
                threads,
                "-o",
                "out.json",
            ],
        );
        assert!(err.contains("d.csv:50"), "run {run}: {err}");
        assert_eq!(wd.read("out.json"), "previous\n", "run {run}");
    }
}

/// The outcome of an ordered run with a bad record is a sequential scan's: the first
/// N rows and success if the N-th match precedes the error, the error otherwise.
#[test]
fn ordered_runs_meet_errors_where_a_sequential_scan_would() {
    let wd = Workdir::new();
    let (text, ids) = dump_with_bad_line(3, 120, 60);
    wd.create("d.csv", &text);
    let mut run = 0;
    for threads in ["1", "2", "4"] {
        for page in ["1", "3", "7", "64"] {
            for _ in 0..5 {
                run += 1;
                // The 10th match (line 11) comes long before the bad line 60.
                let out = wd.stdout(&[
                    "search",
                    "d.csv",
                    "--ordered",
                    "-n",
                    "10",
                    "--threads",
                    threads,
                    "--page-size",
                    page,
                ]);
                assert_eq!(
                    crate::util::csv_ids(&out),
                    ids[..10].to_vec(),
                    "run {run} threads {threads} page {page}"
                );
                // 58 matches precede line 60: the 59th is never reached.
                let out = wd.stdout(&[
                    "search",
                    "d.csv",
                    "--ordered",
                    "-n",
                    "58",
                    "--threads",
                    threads,
                    "--page-size",
                    page,
                ]);
                assert_eq!(crate::util::csv_ids(&out).len(), 58, "run {run}");
                // With 59 wanted, the error comes first.
                let err = wd.fails_with(
                    2,
                    &[
                        "search",
                        "d.csv",
                        "--ordered",
                        "-n",
                        "59",
                        "--threads",
                        threads,
                        "--page-size",
                        page,
                    ],
                );
                assert!(err.contains("d.csv:60"), "run {run}: {err}");
            }
        }
    }
}

/// A reader that fails after `ok` bytes, as a disk or a network mount can.
struct FailsAfter {
    data: Vec<u8>,
    pos: usize,
    ok: usize,
}

impl Read for FailsAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.ok {
            return Err(std::io::Error::other("device went away"));
        }
        // Small reads, so pages are cut before the failure.
        let n = buf.len().min(self.ok - self.pos).min(97);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Library level, against a sequential reference: random filters, a random bad
/// record or read error, random limits, over threads, capacities and page sizes.
#[test]
fn ordered_library_outcome_equals_a_sequential_scan() {
    let mut rng = Rng(77);
    for case in 0..60u64 {
        let rows = 50 + rng.below(200) as usize;
        let bad_line = 2 + rng.below(rows as u64) as usize;
        let (text, _) = dump_with_bad_line(case, rows, bad_line);
        let flags = random_flags(&mut rng);
        let filter = Filter::compile(&flags.to_library().to_expr()).unwrap();
        let (_, parsed) = random_dump(case, rows);
        let read_error = rng.chance(30);
        // Byte offset of the bad line's start: a read error there stops the input
        // where the bad record would have been.
        let cut = text
            .split_inclusive('\n')
            .take(bad_line - 1)
            .map(str::len)
            .sum::<usize>();
        // Unless every field is checked, a record the filter rejects is decoded only
        // as far as the filter reads (documented): its bad price is then not met.
        let validate_all = rng.chance(50);
        let price_read = filter.columns() & (1 << 13) != 0;
        let bad_met =
            read_error || validate_all || price_read || flags.matches(&parsed[bad_line - 2]);
        let before: Vec<String> = parsed[..bad_line - 2]
            .iter()
            .filter(|r| flags.matches(r))
            .map(|r| r.offer_id.clone())
            .collect();
        let all: Vec<String> = parsed
            .iter()
            .enumerate()
            .filter(|(i, r)| *i != bad_line - 2 && flags.matches(r))
            .map(|(_, r)| r.offer_id.clone())
            .collect();
        let limit = 1 + rng.below(before.len() as u64 + 3);
        let threads = 1 + rng.below(4) as usize;
        let capacity = 1 + rng.below(4) as usize;
        let page = 1 + rng.below(20) as usize;
        let input = if read_error {
            let reader = FailsAfter {
                data: text.clone().into_bytes(),
                pos: 0,
                ok: cut,
            };
            Input::from_reader("r.csv", InputFormat::Csv, Box::new(reader))
        } else {
            Input::from_reader(
                "r.csv",
                InputFormat::Csv,
                Box::new(std::io::Cursor::new(text.clone().into_bytes())),
            )
        };
        let mut config = SearchConfig::new(vec![input]);
        config.filter = filter;
        config.limit = Some(limit);
        config.ordered = true;
        config.threads = threads;
        config.channel_capacity = capacity;
        config.page_size = page;
        config.validate_all = validate_all;
        let mut handle = Search::start(config).unwrap();
        let got: Vec<String> = handle.flights().map(|f| f.offer_id).collect();
        let result = handle.join();
        if !bad_met {
            result.unwrap();
            let want = all.len().min(limit as usize);
            assert_eq!(got, all[..want].to_vec(), "case {case}: bad record not met");
            continue;
        }
        let what = format!(
            "case {case}: bad line {bad_line}, read error {read_error}, {} matches before, limit {limit}, threads {threads}, capacity {capacity}, page {page}",
            before.len()
        );
        if before.len() as u64 >= limit {
            let summary = result.unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(summary.outcome, Outcome::LimitReached, "{what}");
            assert_eq!(got, before[..limit as usize].to_vec(), "{what}");
        } else {
            let err = result.err().unwrap_or_else(|| panic!("{what}: no error"));
            assert_eq!(got, before, "{what}: the matches before the error");
            let msg = err.to_string();
            if read_error {
                assert!(msg.contains("device went away"), "{what}: {msg}");
            } else {
                assert!(msg.contains(&format!("r.csv:{bad_line}")), "{what}: {msg}");
            }
        }
    }
}

#[test]
fn inputs_are_checked_before_any_output() {
    let wd = Workdir::new();
    let (text, _) = random_dump(4, 50);
    wd.create("d.csv", &text);
    std::fs::create_dir(wd.path("dir.csv")).unwrap();
    for args in [
        vec!["search", "missing.csv"],
        vec!["search", "dir.csv"],
        vec!["search", "missing.csv", "--format", "json"],
        // A limit reached in the first input does not hide a typo in the second.
        vec!["search", "d.csv", "missng.csv", "-n", "1"],
        vec!["search", "d.csv", "missng.csv", "-n", "1", "--ordered"],
        // `-n 0` reads no record but still checks the inputs.
        vec!["search", "d.csv", "missng.csv", "-n", "0"],
        vec!["search", "d.csv", "dir.csv", "--count"],
    ] {
        for _ in 0..10 {
            let out = wd.output(&args);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{}",
                crate::util::describe(&args, &out)
            );
            assert!(
                out.stdout.is_empty(),
                "{}",
                crate::util::describe(&args, &out)
            );
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("missing.csv")
                    || err.contains("missng.csv")
                    || err.contains("dir.csv"),
                "{err}"
            );
        }
    }
    // A directory stands for its dump files; one without any is an error, not an
    // empty dump.
    let err = wd.fails_with(2, &["search", "dir.csv"]);
    assert!(err.contains("no dump files in this directory"), "{err}");
}

#[test]
fn stdin_format_is_judged_by_its_first_byte() {
    let wd = Workdir::new();
    let (text, rows) = random_dump(6, 40);
    wd.create("d.csv", &text);
    let ndjson = wd.stdout(&["search", "d.csv", "--format", "ndjson"]);
    // The README's own pipeline: NDJSON out of one search, into another.
    for (input, what) in [
        (ndjson.clone(), "ndjson"),
        (format!("\u{feff}{ndjson}"), "ndjson with a BOM"),
        (text.clone(), "csv"),
    ] {
        let mut child = wd
            .command(&["search", "--count"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        std::io::Write::write_all(&mut stdin, input.as_bytes()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            rows.len().to_string(),
            "{what}"
        );
    }
}

#[test]
fn inputs_that_are_not_csv_get_a_one_line_hint() {
    let wd = Workdir::new();
    let (text, _) = random_dump(7, 5);
    wd.create("d.csv", &text);
    let ndjson = wd.stdout(&["search", "d.csv", "--format", "ndjson"]);
    let json = wd.stdout(&["search", "d.csv", "--format", "json"]);
    let tsv = text.replace(',', "\t");
    // The content decides, not the name: NDJSON named `.csv` is read as NDJSON.
    wd.create("a.csv", &ndjson);
    assert_eq!(wd.stdout(&["search", "a.csv"]), text);
    // Forced to CSV, or not JSON lines at all, it gets a hint instead of a list of
    // every missing column.
    let cases: [(&str, Vec<u8>, &[&str], &str); 3] = [
        (
            "a.csv",
            ndjson.into_bytes(),
            &["--input-format", "csv"],
            "looks like NDJSON",
        ),
        ("b.csv", json.into_bytes(), &[], "JSON document"),
        ("c.csv", tsv.into_bytes(), &[], "tab-separated"),
    ];
    for (name, bytes, flags, hint) in cases {
        wd.create(name, &bytes);
        let mut args = vec!["search", name];
        args.extend_from_slice(flags);
        let err = wd.fails_with(2, &args);
        assert!(err.contains(hint), "{name}: {err}");
        assert!(!err.contains("missing required columns"), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
    }
    // Compressed inputs are read through; a damaged stream is an error naming the
    // file and the compression.
    let damaged: [(&str, Vec<u8>, &str); 2] = [
        (
            "d.csv.gz",
            vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3],
            "gzip stream is",
        ),
        (
            "e.csv.zst",
            vec![0x28, 0xb5, 0x2f, 0xfd, 0, 0, 1, 2],
            "zstd stream is",
        ),
    ];
    for (name, bytes, hint) in damaged {
        wd.create(name, &bytes);
        let err = wd.fails_with(2, &["search", name]);
        assert!(err.contains(hint) && err.contains(name), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
    }
}

#[test]
fn stats_count_every_byte_and_agree_in_text_and_json() {
    let wd = Workdir::new();
    let (text, rows) = random_dump(8, 30);
    wd.create("d.csv", &text);
    for extra in [&[][..], &["-n", "5"][..]] {
        let mut args = vec!["search", "d.csv", "--stats", "--stats-json", "s.json"];
        args.extend_from_slice(extra);
        let out = wd.output(&args);
        assert!(
            out.status.success(),
            "{}",
            crate::util::describe(&args, &out)
        );
        let json: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
        let text_stats = String::from_utf8_lossy(&out.stderr);
        let field = |label: &str| -> u64 {
            let line = text_stats
                .lines()
                .find(|l| l.starts_with(label))
                .unwrap_or_else(|| panic!("no {label} in {text_stats}"));
            line[label.len()..]
                .trim()
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        // A small file is read whole with its header, and every byte counts.
        assert_eq!(json["bytes_read"], text.len() as u64, "{text_stats}");
        assert!(json["mb_per_sec"].as_f64().unwrap() > 0.0);
        for (label, key) in [
            ("records read:", "records_read"),
            ("bytes read:", "bytes_read"),
            ("pages read:", "pages_read"),
            ("matched:", "matched"),
            ("emitted:", "emitted"),
            ("bad records:", "bad_records"),
        ] {
            assert_eq!(json[key], field(label), "{label}\n{text_stats}");
        }
        let limited = !extra.is_empty();
        assert_eq!(
            text_stats.contains("after the limit"),
            limited,
            "{text_stats}"
        );
        if !limited {
            assert_eq!(json["records_read"], rows.len() as u64);
        }
        assert!(
            json["pages_read_after_limit"].as_u64().unwrap()
                <= json["pages_read"].as_u64().unwrap()
        );
    }
}

/// Half the records bad, skipped and kept for the caller, who never drains them:
/// the results still flow to the end, and the undelivered rejects are counted.
#[test]
fn an_undrained_rejects_stream_never_blocks_the_results() {
    let (text, rows) = random_dump(9, 9000);
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for line in lines.iter_mut().skip(1).step_by(2) {
        *line = format!("{line},extra");
    }
    let text = lines.join("\n") + "\n";
    let (_dir, path) = crate::util::temp_file("d.csv", &text);
    let bad = rows.len().div_ceil(2) as u64;
    for threads in [1, 2, 4] {
        let mut config = SearchConfig::new(vec![Input::from_path(&path)]);
        config.on_error = ErrorPolicy::Skip;
        config.rejects = Rejects::Keep { capacity: 100 };
        config.threads = threads;
        config.page_size = 64;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut handle = Search::start(config).unwrap();
            let n = handle.flights().count();
            let _kept = handle.rejects(); // taken, never drained
            let _ = tx.send((n, handle.join()));
        });
        let (n, summary) = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the results iterator must not block on undrained rejects");
        let summary = summary.unwrap();
        assert_eq!(n as u64 + bad, rows.len() as u64);
        assert_eq!(summary.bad_records, bad);
        assert_eq!(summary.rejects_dropped, bad - 100, "threads {threads}");
    }
}
