//! Reliability promises: ordered first-N, faults at any page, timeouts and signals on
//! slow inputs, skip-and-count with a rejects file.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use flightsift::{ErrorPolicy, Filter, Flight, Input, InputFormat, Outcome, Search, SearchConfig};

use crate::util::{random_dump, random_flags, temp_file, Rng, Workdir, HEADER};

#[test]
fn ordered_equals_the_sequential_first_n() {
    for seed in 0..6u64 {
        let (text, rows) = random_dump(1000 + seed, 700);
        let (_dir, path) = temp_file("dump.csv", &text);
        let flags = random_flags(&mut Rng(seed));
        let filter = Filter::compile(&flags.to_library().to_expr()).unwrap();
        let sequential: Vec<String> = rows
            .iter()
            .filter(|r| flags.matches(r))
            .map(|r| r.offer_id.clone())
            .collect();
        for threads in [1, 2, 8] {
            for capacity in [1, 2, 16] {
                for page in [1, 3, 1024] {
                    for n in [1u64, 7, 50, sequential.len() as u64 + 1] {
                        let mut config = SearchConfig::new(vec![Input::from_path(&path)]);
                        config.filter = filter.clone();
                        config.limit = Some(n);
                        config.ordered = true;
                        config.threads = threads;
                        config.channel_capacity = capacity;
                        config.page_size = page;
                        let mut handle = Search::start(config).unwrap();
                        let got: Vec<String> = handle.flights().map(|f| f.offer_id).collect();
                        let summary = handle.join().unwrap();
                        let want: Vec<String> =
                            sequential.iter().take(n as usize).cloned().collect();
                        assert_eq!(
                            got, want,
                            "seed {seed} threads {threads} capacity {capacity} page {page} n {n}"
                        );
                        assert_eq!(summary.emitted, want.len() as u64);
                    }
                }
            }
        }
    }
}

#[test]
fn ordered_cli_output_is_the_head_of_a_sequential_scan() {
    let wd = Workdir::new();
    let (text, rows) = random_dump(5, 3000);
    wd.create("d.csv", &text);
    let want: Vec<String> = rows
        .iter()
        .filter(|r| r.via.len() <= 1)
        .take(25)
        .map(|r| r.offer_id.clone())
        .collect();
    for j in ["1", "2", "4"] {
        let out = wd.stdout(&[
            "search",
            "d.csv",
            "--ordered",
            "-n",
            "25",
            "--max-stops",
            "1",
            "-j",
            j,
            "--page-size",
            "7",
        ]);
        let mut rdr = csv::Reader::from_reader(out.as_bytes());
        let got: Vec<String> = rdr.records().map(|r| r.unwrap()[1].to_string()).collect();
        assert_eq!(got, want, "-j {j}");
    }
}

/// A reader that serves `data` and then fails, like a disk error or a dropped mount.
struct FailingReader {
    data: std::io::Cursor<Vec<u8>>,
}

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Small reads, so the failure lands between pages.
        let len = buf.len().min(4096);
        let n = self.data.read(&mut buf[..len])?;
        if n == 0 {
            return Err(std::io::Error::other("injected read failure"));
        }
        Ok(n)
    }
}

#[test]
fn a_read_error_at_any_page_fails_the_run_with_its_location() {
    let (text, _) = random_dump(9, 2000);
    let bytes = text.into_bytes();
    for cut_page in 0..12usize {
        let cut = (bytes.len() / 12) * cut_page + 300;
        for threads in [1, 2, 8] {
            let reader = FailingReader {
                data: std::io::Cursor::new(bytes[..cut].to_vec()),
            };
            let mut config = SearchConfig::new(vec![Input::from_reader(
                "flaky.csv",
                InputFormat::Csv,
                Box::new(reader),
            )]);
            config.threads = threads;
            config.page_size = 16;
            let started = Instant::now();
            let mut handle = Search::start(config).unwrap();
            let emitted: usize = handle.by_ref().map(|b| b.len()).sum();
            let err = handle
                .join()
                .expect_err("an I/O error must fail the run, never look like EOF");
            assert!(started.elapsed() < Duration::from_secs(10), "no hang");
            let msg = err.to_string();
            assert!(msg.starts_with("flaky.csv: injected read failure"), "{msg}");
            assert!(emitted <= 2000);
        }
    }
}

#[test]
fn a_bad_record_at_any_page_leaves_no_partial_output_file() {
    let wd = Workdir::new();
    let (text, _) = random_dump(10, 600);
    let lines: Vec<String> = text.lines().map(String::from).collect();
    for (k, bad_line) in [2usize, 100, 350, 600].iter().enumerate() {
        let mut broken = lines.clone();
        // Lower-case currency codes are invalid in a dump.
        broken[*bad_line - 1] = lines[*bad_line - 1]
            .replacen(",USD,", ",usd,", 1)
            .replacen(",EUR,", ",eur,", 1);
        assert_ne!(broken[*bad_line - 1], lines[*bad_line - 1]);
        wd.create("bad.csv", broken.join("\n") + "\n");
        for page in ["1", "13", "4096"] {
            let stderr = wd.fails_with(
                2,
                &["search", "bad.csv", "--page-size", page, "-o", "out.json"],
            );
            assert!(
                stderr.contains(&format!("bad.csv:{bad_line}:")),
                "case {k} page {page}: {stderr}"
            );
            assert!(
                !wd.path("out.json").exists(),
                "a failed run must not leave output"
            );
            let temps = std::fs::read_dir(wd.path("."))
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                .count();
            assert_eq!(temps, 0);
        }
    }
}

/// Spawns `flightsift ARGS` reading a FIFO that receives `rows` and then stays open.
#[cfg(unix)]
fn slow_run(wd: &Workdir, args: &[&str]) -> (std::process::Child, std::fs::File) {
    let fifo = wd.path("slow.csv");
    if !fifo.exists() {
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
    }
    let mut full = vec!["search", "slow.csv"];
    full.extend_from_slice(args);
    let child = wd
        .command(&full)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let (text, _) = random_dump(3, 40);
    writer.write_all(text.as_bytes()).unwrap();
    writer.flush().unwrap();
    (child, writer)
}

#[cfg(unix)]
fn wait(child: std::process::Child, within: Duration) -> std::process::Output {
    let started = Instant::now();
    let mut child = child;
    while child.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < within, "still running after {within:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn timeout_finishes_valid_output_and_exits_124() {
    let wd = Workdir::new();
    let (child, writer) = slow_run(
        &wd,
        &[
            "--timeout",
            "400ms",
            "-o",
            "out.json",
            "--stats-json",
            "s.json",
        ],
    );
    let out = wait(child, Duration::from_secs(10));
    drop(writer);
    assert_eq!(
        out.status.code(),
        Some(124),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&wd.read("out.json")).expect("valid JSON after a timeout");
    assert_eq!(
        v.as_array().unwrap().len(),
        40,
        "everything that arrived was emitted"
    );
    let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    assert_eq!(s["outcome"], "timed_out");
    assert_eq!(s["partial"], true);
}

#[cfg(unix)]
fn interrupt(signal: &str, code: i32) {
    let wd = Workdir::new();
    let (mut child, writer) = slow_run(&wd, &["--format", "json", "--stats-json", "s.json"]);
    // Signal once the 40 rows that arrived are out (each JSON object ends in the
    // only `}` it holds), not after a guessed delay: then the handlers are in place
    // and every row was processed. The rest of stdout is read after the exit.
    let mut stdout = child.stdout.take().unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while head.iter().filter(|&&b| b == b'}').count() < 40 {
        let n = stdout.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "stdout ended before 40 rows: {}",
            String::from_utf8_lossy(&head)
        );
        head.extend_from_slice(&buf[..n]);
    }
    assert!(std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let out = wait(child, Duration::from_secs(10));
    drop(writer);
    stdout.read_to_end(&mut head).unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&head).expect("valid JSON after an interruption");
    assert_eq!(v.as_array().unwrap().len(), 40);
    let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    assert_eq!(s["outcome"], "interrupted");
    assert_eq!(s["partial"], true);
}

#[cfg(unix)]
#[test]
fn sigint_stops_cleanly_with_exit_130() {
    interrupt("-INT", 130);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_cleanly_with_exit_143() {
    interrupt("-TERM", 143);
}

const GOOD: &str = "duffel,g,JFK,LAX,2026-12-01T06:35:00-05:00,2026-12-01T09:50:00-08:00,375,0,,AA,AA1,,economy,250.10,USD,4,1,false,300,,";

/// The malformed-input corpus: (name, bytes of one bad record, reason it is counted under).
fn corpus() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let mut bad_utf8 = GOOD.replace("duffel", "duf?el").into_bytes();
    let q = bad_utf8.iter().position(|&b| b == b'?').unwrap();
    bad_utf8[q] = 0xC3;
    vec![
        (
            "truncated line",
            GOOD.as_bytes()[..60].to_vec(),
            "field_count",
        ),
        (
            "stray quote",
            GOOD.replace(",g,", ",\"g,").into_bytes(),
            "quote",
        ),
        ("bad utf-8", bad_utf8, "utf8"),
        (
            "bad number",
            GOOD.replace(",375,", ",3.75,").into_bytes(),
            "number",
        ),
        (
            "bad date",
            GOOD.replace("2026-12-01T06:35", "2026-12-32T06:35")
                .into_bytes(),
            "timestamp",
        ),
        (
            "huge field",
            GOOD.replace(",g,", &format!(",{},", "x".repeat(2 << 20)))
                .into_bytes(),
            "too_large",
        ),
    ]
}

#[test]
fn malformed_corpus_under_both_policies() {
    let wd = Workdir::new();
    for (name, bad, reason) in corpus() {
        let mut file = format!("{HEADER}\n{GOOD}\n").into_bytes();
        file.extend_from_slice(&bad);
        file.extend_from_slice(format!("\n{GOOD}\n{GOOD}\n").as_bytes());
        wd.create("m.csv", &file);

        // fail: exit 2, the line named.
        let stderr = wd.fails_with(2, &["search", "m.csv"]);
        assert!(stderr.contains("m.csv:3:"), "{name}: {stderr}");

        // skip: the three good rows, the bad one counted and kept verbatim.
        let out = wd.output(&[
            "search",
            "m.csv",
            "--on-error",
            "skip",
            "--rejects",
            "rej.csv",
            "--stats-json",
            "s.json",
            "--count",
        ]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "3", "{name}");
        let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
        assert_eq!(s["bad_records"], 1, "{name}");
        assert_eq!(s["bad_records_by_input"]["m.csv"][reason], 1, "{name}: {s}");
        let mut rdr = csv::ReaderBuilder::new()
            .from_path(wd.path("rej.csv"))
            .unwrap();
        let rejects: Vec<csv::ByteRecord> = rdr.byte_records().map(|r| r.unwrap()).collect();
        assert_eq!(rejects.len(), 1, "{name}");
        assert_eq!(&rejects[0][1], b"3", "{name}: line");
        assert_eq!(&rejects[0][2], reason.as_bytes(), "{name}: reason");
        if reason == "too_large" {
            assert_eq!(
                rejects[0][5].len(),
                1024,
                "{name}: oversized records keep their first KiB"
            );
        } else {
            assert_eq!(
                &rejects[0][5],
                &bad[..],
                "{name}: the record is kept verbatim"
            );
        }
    }
}

#[test]
fn skip_counts_per_file_and_io_errors_stay_fatal() {
    let wd = Workdir::new();
    wd.create("a.csv", format!("{HEADER}\n{GOOD}\nbroken\n{GOOD}\n"));
    wd.create(
        "b.csv",
        format!("{HEADER}\nx,y\n{}\n", GOOD.replace("USD", "usd")),
    );
    let out = wd.output(&[
        "search",
        "a.csv",
        "b.csv",
        "--on-error",
        "skip",
        "--stats-json",
        "s.json",
        "--count",
    ]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2");
    let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    assert_eq!(s["bad_records"], 3);
    assert_eq!(s["bad_records_by_input"]["a.csv"]["field_count"], 1);
    assert_eq!(s["bad_records_by_input"]["b.csv"]["field_count"], 1);
    assert_eq!(s["bad_records_by_input"]["b.csv"]["code"], 1);
    // Skipping never applies to I/O errors.
    std::fs::create_dir(wd.path("dir.csv")).unwrap();
    wd.fails_with(2, &["search", "a.csv", "dir.csv", "--on-error", "skip"]);
}

#[test]
fn library_skip_policy_reports_rejects() {
    let text = format!("{HEADER}\n{GOOD}\nnot,a,row\n{GOOD}\n");
    let (_dir, path) = temp_file("d.csv", &text);
    let mut config = SearchConfig::new(vec![Input::from_path(&path)]);
    config.on_error = ErrorPolicy::Skip;
    config.rejects = flightsift::Rejects::Stream { capacity: 1024 };
    let mut handle = Search::start(config).unwrap();
    let rejects = handle.rejects().unwrap();
    let drain = std::thread::spawn(move || rejects.iter().collect::<Vec<_>>());
    let flights: Vec<Flight> = handle.flights().collect();
    let summary = handle.join().unwrap();
    let rejects = drain.join().unwrap();
    assert_eq!(flights.len(), 2);
    assert_eq!(summary.outcome, Outcome::Complete);
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].location.line, 3);
    assert_eq!(rejects[0].raw, b"not,a,row");
    let ids: HashSet<_> = flights.iter().map(|f| f.offer_id.as_str()).collect();
    assert_eq!(ids.len(), 1);
}
