//! Where results go: output bytes that do not depend on how the input was paged, `-o`
//! (and `--rejects`, `--stats-json`, `gen -o`) onto links, FIFOs, devices and sockets,
//! `-` as stdout, `--count` into a file, `gen -o` under signals, and the messages of
//! output failures.
#![cfg(unix)]

use std::fs;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::util::{describe, random_dump, Workdir, HEADER};

const GOOD: &str = "duffel,a1,JFK,LAX,2026-12-01T06:35:00-05:00,2026-12-01T09:50:00-08:00,375,0,,AA,AA1,,economy,250.10,USD,4,1,false,300,,";

/// A dump with two malformed rows (lines 3 and 5) among good ones.
fn dump_with_two_bad_rows() -> String {
    let bad = GOOD.replace(",375,", ",3x5,");
    format!("{HEADER}\n{GOOD}\n{bad}\n{GOOD}\n{bad}\n{GOOD}\n")
}

/// Names of the temporary files left in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

fn file_type(path: &Path) -> fs::FileType {
    fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .file_type()
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

/// Runs `flightsift ARGS` while a thread reads the FIFO `name` (created here); checks
/// that `name` is still a FIFO afterwards and returns the run and what the reader got.
fn run_into_fifo(wd: &Workdir, name: &str, args: &[&str]) -> (std::process::Output, Vec<u8>) {
    let path = wd.path(name);
    mkfifo(&path);
    let (tx, rx) = mpsc::channel();
    let reader_path = path.clone();
    std::thread::spawn(move || {
        // Blocks until the writer opens the FIFO; a run that replaces the FIFO instead
        // leaves this thread waiting, and the timeout below reports it.
        let mut bytes = Vec::new();
        fs::File::open(&reader_path)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        let _ = tx.send(bytes);
    });
    let out = wd.output(args);
    assert!(
        file_type(&path).is_fifo(),
        "{name} is no longer a FIFO\n{}",
        describe(args, &out)
    );
    let got = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("nothing was written into {name}\n{}", describe(args, &out)));
    (out, got)
}

fn succeeded(args: &[&str], out: &std::process::Output) {
    assert!(out.status.success(), "{}", describe(args, out));
}

// ----------------------------------------------------------------------------
// Item 5: the bytes of an output do not depend on paging, threads or the target.

#[test]
fn output_bytes_do_not_depend_on_paging_threads_or_target() {
    let wd = Workdir::new();
    let (text, _) = random_dump(5, 3000);
    wd.create("d.csv", text);
    for format in ["json", "ndjson", "csv"] {
        let base = [
            "search",
            "d.csv",
            "--max-price",
            "900",
            "--ordered",
            "--format",
            format,
        ];
        // One page: one chunk, nothing for the writer to join.
        let mut one_page = base.to_vec();
        one_page.extend(["-j", "1", "--page-size", "100000"]);
        let reference = wd.stdout(&one_page);
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&reference).expect("valid JSON");
            assert!(v.as_array().unwrap().len() > 500, "a sizeable output");
            // One record per line, no blank line.
            let lines: Vec<&str> = reference.lines().collect();
            assert_eq!(lines[0], "[");
            assert_eq!(lines[lines.len() - 1], "]");
            let records = &lines[1..lines.len() - 1];
            for (i, line) in records.iter().enumerate() {
                let object = if i + 1 < records.len() {
                    line.strip_suffix(',').expect("records end with a comma")
                } else {
                    line
                };
                serde_json::from_str::<serde_json::Value>(object)
                    .unwrap_or_else(|e| panic!("line {}: {e}: {line}", i + 2));
            }
        }
        for threads in ["1", "2", "4"] {
            for page in ["1", "3", "7", "64", "2048"] {
                let mut args = base.to_vec();
                args.extend(["-j", threads, "--page-size", page]);
                let piped = wd.stdout(&args);
                assert!(
                    piped == reference,
                    "{format} to a pipe differs with -j {threads} --page-size {page}"
                );
                args.extend(["-o", "out.data"]);
                wd.stdout(&args);
                assert!(
                    wd.read("out.data") == reference,
                    "{format} to a file differs with -j {threads} --page-size {page}"
                );
            }
        }
    }
    // Unordered: the same records, each JSON document valid, whatever the cuts.
    let mut reference: Vec<String> = wd
        .stdout(&[
            "search",
            "d.csv",
            "--max-price",
            "900",
            "--format",
            "ndjson",
        ])
        .lines()
        .map(String::from)
        .collect();
    reference.sort();
    for page in ["1", "5", "2048"] {
        let json = wd.stdout(&[
            "search",
            "d.csv",
            "--max-price",
            "900",
            "--format",
            "json",
            "--page-size",
            page,
        ]);
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        let mut got: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| serde_json::to_string(r).unwrap())
            .collect();
        got.sort();
        let mut want: Vec<String> = reference
            .iter()
            .map(|l| {
                serde_json::to_string(&serde_json::from_str::<serde_json::Value>(l).unwrap())
                    .unwrap()
            })
            .collect();
        want.sort();
        assert_eq!(got, want, "--page-size {page}");
        assert!(
            !json.contains("\n\n"),
            "a blank line with --page-size {page}"
        );
    }
    // No match: an empty array.
    assert_eq!(
        wd.stdout(&["search", "d.csv", "--max-price", "1", "--format", "json"]),
        "[]\n"
    );
}

// ----------------------------------------------------------------------------
// Item 15: output failures, named once and found before the run.

#[test]
fn each_cause_is_printed_once() {
    let wd = Workdir::new();
    wd.create("d.csv", format!("{HEADER}\n{GOOD}\n"));
    fs::create_dir(wd.path("dir")).unwrap();
    for args in [
        &["search", "d.csv", "-o", "dir"][..],
        &["search", "d.csv", "--stats-json", "dir"],
        &["gen", "-o", "dir"],
        &["search", "dir"],
    ] {
        let stderr = wd.fails_with(2, args);
        assert_eq!(
            stderr.to_lowercase().matches("is a directory").count(),
            1,
            "{stderr}"
        );
        assert!(stderr.contains("dir"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}
