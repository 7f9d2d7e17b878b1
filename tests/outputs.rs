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
// Item 6: links are followed; devices, FIFOs and sockets are never replaced; `-` is
// stdout.

#[test]
fn outputs_through_a_symlink_write_its_target_and_keep_the_link() {
    let wd = Workdir::new();
    let (text, _) = random_dump(2, 200);
    wd.create("d.csv", text);
    wd.create("bad.csv", dump_with_two_bad_rows());
    fs::create_dir(wd.path("real")).unwrap();
    let results = wd.stdout(&["search", "d.csv", "--ordered", "--format", "json"]);
    let dump = wd.stdout(&["gen", "--rows", "50", "--seed", "9"]);

    // (link, what it points to, command, check of the target's contents)
    type Check<'a> = Box<dyn Fn(&str) + 'a>;
    let cases: Vec<(&str, &str, Vec<&str>, Check<'_>)> = vec![
        (
            "out.json",
            "real/out.json",
            vec![
                "search",
                "d.csv",
                "--ordered",
                "--format",
                "json",
                "-o",
                "out.json",
            ],
            Box::new(|got| assert_eq!(got, results)),
        ),
        (
            "gen.csv",
            "real/gen.csv",
            vec!["gen", "--rows", "50", "--seed", "9", "-o", "gen.csv"],
            Box::new(|got| assert_eq!(got, dump)),
        ),
        (
            "stats.json",
            "real/stats.json",
            vec!["search", "d.csv", "--count", "--stats-json", "stats.json"],
            Box::new(|got| {
                let s: serde_json::Value = serde_json::from_str(got).unwrap();
                assert_eq!(s["records_read"], 200);
            }),
        ),
        (
            "rejects.csv",
            "real/rejects.csv",
            vec![
                "search",
                "bad.csv",
                "--count",
                "--on-error",
                "skip",
                "--rejects",
                "rejects.csv",
            ],
            Box::new(|got| assert_eq!(got.lines().count(), 3, "{got}")),
        ),
    ];
    for (link, target, args, check) in &cases {
        for existing in [true, false] {
            let _ = fs::remove_file(wd.path(link));
            let _ = fs::remove_file(wd.path(target));
            if existing {
                wd.create(target, "previous contents\n");
            }
            std::os::unix::fs::symlink(target, wd.path(link)).unwrap();
            // A link to the link: followed all the way.
            let _ = fs::remove_file(wd.path("chain"));
            std::os::unix::fs::symlink(link, wd.path("chain")).unwrap();
            let mut via_chain = args.clone();
            *via_chain.last_mut().unwrap() = "chain";
            for args in [args, &via_chain] {
                let out = wd.output(args);
                succeeded(args, &out);
                assert!(
                    file_type(&wd.path(link)).is_symlink()
                        && file_type(&wd.path("chain")).is_symlink(),
                    "the link was replaced\n{}",
                    describe(args, &out)
                );
                assert_eq!(fs::read_link(wd.path(link)).unwrap(), Path::new(target));
                assert!(file_type(&wd.path(target)).is_file());
                check(&wd.read(target));
                assert!(temporaries(&wd.path(".")).is_empty());
                assert!(temporaries(&wd.path("real")).is_empty());
            }
        }
    }
}

#[test]
fn outputs_into_a_fifo_are_written_through_it() {
    let wd = Workdir::new();
    let (text, _) = random_dump(7, 500);
    wd.create("d.csv", text);
    wd.create("bad.csv", dump_with_two_bad_rows());

    let results = ["search", "d.csv", "--ordered", "--format", "json"];
    let expected = wd.stdout(&results);
    let mut args = results.to_vec();
    args.extend(["-o", "results.fifo"]);
    let (out, got) = run_into_fifo(&wd, "results.fifo", &args);
    succeeded(&args, &out);
    assert_eq!(String::from_utf8(got).unwrap(), expected);
    assert!(out.stdout.is_empty());

    let gen = ["gen", "--rows", "300", "--seed", "4"];
    let expected = wd.stdout(&gen);
    let mut args = gen.to_vec();
    args.extend(["-o", "gen.fifo"]);
    let (out, got) = run_into_fifo(&wd, "gen.fifo", &args);
    succeeded(&args, &out);
    assert_eq!(String::from_utf8(got).unwrap(), expected);

    let args = ["search", "d.csv", "--count", "--stats-json", "stats.fifo"];
    let (out, got) = run_into_fifo(&wd, "stats.fifo", &args);
    succeeded(&args, &out);
    let s: serde_json::Value = serde_json::from_slice(&got).unwrap();
    assert_eq!(s["records_read"], 500);

    let args = [
        "search",
        "bad.csv",
        "--on-error",
        "skip",
        "--rejects",
        "rejects.fifo",
        "-o",
        "good.csv",
    ];
    let (out, got) = run_into_fifo(&wd, "rejects.fifo", &args);
    succeeded(&args, &out);
    let rejects = String::from_utf8(got).unwrap();
    assert_eq!(rejects.lines().count(), 3, "{rejects}");
    assert!(
        rejects.contains("bad.csv,3,number,duration_min"),
        "{rejects}"
    );
    assert_eq!(wd.read("good.csv").lines().count(), 4);
    assert!(temporaries(&wd.path(".")).is_empty());
}

/// Makes a character device node in the working directory (as root), so a regression
/// can only replace our own node, never the system's `/dev/null` or `/dev/full`.
fn own_device(wd: &Workdir, name: &str, major: &str, minor: &str) -> bool {
    let path = wd.path(name);
    let made = Command::new("mknod")
        .arg(&path)
        .args(["c", major, minor])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    // A file system mounted `nodev` holds the node but refuses to open it.
    made && fs::OpenOptions::new().write(true).open(&path).is_ok()
}

#[test]
fn outputs_onto_a_device_write_it_in_place() {
    let wd = Workdir::new();
    if !own_device(&wd, "null", "1", "3") || !own_device(&wd, "full", "1", "7") {
        eprintln!("skipped: cannot make usable device nodes here (needs root and a dev mount)");
        return;
    }
    let (text, _) = random_dump(3, 3000);
    wd.create("d.csv", text);
    wd.create("bad.csv", dump_with_two_bad_rows());
    let still_devices = |args: &[&str]| {
        for name in ["null", "full"] {
            assert!(
                file_type(&wd.path(name)).is_char_device(),
                "{name} was replaced by: flightsift {}",
                args.join(" ")
            );
        }
        assert!(temporaries(&wd.path(".")).is_empty());
    };
    for args in [
        &["search", "d.csv", "-o", "null"][..],
        &["gen", "--rows", "100", "-o", "null"],
        &["search", "d.csv", "--count", "--stats-json", "null"],
        &[
            "search",
            "bad.csv",
            "--count",
            "--on-error",
            "skip",
            "--rejects",
            "null",
        ],
    ] {
        let out = wd.output(args);
        succeeded(args, &out);
        still_devices(args);
    }
    for args in [
        &["search", "d.csv", "-o", "full"][..],
        &["gen", "--rows", "20000", "-o", "full"],
    ] {
        let stderr = wd.fails_with(2, args);
        assert!(
            stderr.contains("full") && stderr.contains("No space left"),
            "{stderr}"
        );
        still_devices(args);
    }
}

#[test]
fn an_output_onto_a_socket_is_an_error_and_the_socket_stays() {
    let wd = Workdir::new();
    wd.create("d.csv", format!("{HEADER}\n{GOOD}\n"));
    let _listener = std::os::unix::net::UnixListener::bind(wd.path("s.sock")).unwrap();
    for args in [
        &["search", "d.csv", "-o", "s.sock"][..],
        &["search", "d.csv", "--stats-json", "s.sock", "-o", "out.csv"],
        &["gen", "-o", "s.sock"],
    ] {
        let out = wd.output(args);
        assert_eq!(out.status.code(), Some(2), "{}", describe(args, &out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("s.sock") && stderr.contains("socket"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
        assert!(file_type(&wd.path("s.sock")).is_socket());
        assert!(!wd.path("out.csv").exists(), "checked before the run");
    }
}

#[test]
fn dash_means_stdout_for_every_output_option() {
    let wd = Workdir::new();
    let (text, _) = random_dump(4, 100);
    wd.create("d.csv", text);
    wd.create("bad.csv", dump_with_two_bad_rows());

    let plain = wd.stdout(&["search", "d.csv", "--ordered"]);
    assert_eq!(
        wd.stdout(&["search", "d.csv", "--ordered", "-o", "-"]),
        plain
    );
    assert_eq!(
        wd.stdout(&["gen", "--rows", "30", "-o", "-"]),
        wd.stdout(&["gen", "--rows", "30"])
    );
    assert_eq!(
        wd.stdout(&["search", "d.csv", "--count", "-o", "-"]),
        "100\n"
    );

    let stats = wd.stdout(&["search", "d.csv", "-o", "out.csv", "--stats-json", "-"]);
    let s: serde_json::Value = serde_json::from_str(&stats).expect("the summary on stdout");
    assert_eq!(s["emitted"], 100);
    assert_eq!(wd.read("out.csv"), plain);

    let rejects = wd.stdout(&[
        "search",
        "bad.csv",
        "--on-error",
        "skip",
        "-o",
        "good.csv",
        "--rejects",
        "-",
    ]);
    assert_eq!(rejects.lines().count(), 3, "{rejects}");
    assert!(rejects.starts_with("input,line,reason,field,message,record\n"));
    assert!(!wd.path("-").exists(), "`-` is not a file name");

    // Two documents cannot share stdout.
    for args in [
        &["search", "d.csv", "--stats-json", "-"][..],
        &["search", "d.csv", "--count", "--stats-json", "-"],
        &["search", "bad.csv", "--on-error", "skip", "--rejects", "-"],
        &["search", "d.csv", "-o", "-", "--stats-json", "-"],
    ] {
        let out = wd.output(args);
        assert_eq!(out.status.code(), Some(2), "{}", describe(args, &out));
        assert!(out.stdout.is_empty(), "{}", describe(args, &out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("stdout"), "{stderr}");
    }
    assert!(!wd.path("-").exists());
}

// ----------------------------------------------------------------------------
// Item 7: --count honours -o and --format.

#[test]
fn count_honours_output_and_format() {
    let wd = Workdir::new();
    let (text, rows) = random_dump(6, 400);
    wd.create("d.csv", text);
    let n = rows.iter().filter(|r| r.price_cents <= 50_000).count();
    let search = ["search", "d.csv", "--max-price", "500", "--count"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut a = search.to_vec();
        a.extend_from_slice(extra);
        a
    };
    let object = |text: &str| {
        let v: serde_json::Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(v, serde_json::json!({ "count": n }), "{text}");
    };

    assert_eq!(wd.stdout(&search), format!("{n}\n"));
    assert_eq!(wd.stdout(&with(&["--format", "csv"])), format!("{n}\n"));
    object(&wd.stdout(&with(&["--format", "json"])));
    let ndjson = wd.stdout(&with(&["--format", "ndjson"]));
    assert_eq!(ndjson.lines().count(), 1, "{ndjson}");
    assert!(ndjson.ends_with('\n'));
    object(&ndjson);

    // -o: the count goes to the file, nothing to stdout; the format from its extension.
    for (file, extra) in [
        ("n.txt", &[][..]),
        ("n.json", &[][..]),
        ("n.ndjson", &[][..]),
        ("n.out", &["--format", "json"][..]),
    ] {
        let mut args = with(&["-o", file]);
        args.extend_from_slice(extra);
        assert_eq!(wd.stdout(&args), "", "{args:?}");
        let got = wd.read(file);
        if file == "n.txt" {
            assert_eq!(got, format!("{n}\n"));
        } else {
            object(&got);
        }
    }

    // Atomically: a failed count leaves the previous file.
    wd.create("bad.csv", dump_with_two_bad_rows());
    wd.create("n.txt", "previous contents\n");
    wd.fails_with(2, &["search", "bad.csv", "--count", "-o", "n.txt"]);
    assert_eq!(wd.read("n.txt"), "previous contents\n");
    assert!(temporaries(&wd.path(".")).is_empty());
}

// ----------------------------------------------------------------------------
// Item 8: gen -o under SIGINT/SIGTERM.

fn gen_interrupted(signal: &str, code: i32) {
    let wd = Workdir::new();
    // Far more rows than can be written before the signal arrives.
    let mut child = wd
        .command(&["gen", "--rows", "20000000", "-o", "big.csv"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Signal once writing is under way (the temporary file holds data).
    loop {
        let busy = fs::read_dir(wd.path("."))
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| {
                e.file_name().to_string_lossy().ends_with(".tmp")
                    && e.metadata().is_ok_and(|m| m.len() > 0)
            });
        if busy {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "gen finished before it could be signalled"
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "gen never wrote"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let signalled = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if signalled.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gen still running 10 s after {signal}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!wd.path("big.csv").exists(), "a partial dump was published");
    assert_eq!(temporaries(&wd.path(".")), Vec::<String>::new());
}

#[test]
fn gen_stops_cleanly_on_sigterm_without_publishing() {
    gen_interrupted("-TERM", 143);
}

#[test]
fn gen_stops_cleanly_on_sigint_without_publishing() {
    gen_interrupted("-INT", 130);
}

// ----------------------------------------------------------------------------
// Item 15: output failures, named once and found before the run.

#[test]
fn each_cause_is_printed_once() {
    let wd = Workdir::new();
    wd.create("d.csv", format!("{HEADER}\n{GOOD}\n"));
    fs::create_dir(wd.path("dir")).unwrap();
    for (args, cause) in [
        (&["search", "d.csv", "-o", "dir"][..], "is a directory"),
        (
            &["search", "d.csv", "--stats-json", "dir"],
            "is a directory",
        ),
        (&["gen", "-o", "dir"], "is a directory"),
        // An input directory stands for its dump files; this one has none.
        (&["search", "dir"], "no dump files in this directory"),
    ] {
        let stderr = wd.fails_with(2, args);
        assert_eq!(stderr.to_lowercase().matches(cause).count(), 1, "{stderr}");
        assert!(stderr.contains("dir"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[test]
fn output_failures_name_the_given_path_and_are_found_before_the_run() {
    let wd = Workdir::new();
    let (text, _) = random_dump(8, 100);
    wd.create("d.csv", text);
    wd.create("bad.csv", dump_with_two_bad_rows());
    fs::create_dir(wd.path("dir")).unwrap();
    wd.create("out.csv", "previous contents\n");
    for (option, path) in [
        ("-o", "missing/out.csv"),
        ("--stats-json", "missing/stats.json"),
        ("--rejects", "missing/rejects.csv"),
        ("--stats-json", "dir"),
        ("--rejects", "dir"),
        ("--stats-json", "d.csv/stats.json"),
    ] {
        for also in [&[][..], &["-o", "out.csv"], &["--count"]] {
            if option == "-o" && also.contains(&"-o") {
                continue;
            }
            let mut args = vec!["search", "bad.csv", "--on-error", "skip", option, path];
            args.extend_from_slice(also);
            let out = wd.output(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{}", describe(&args, &out));
            assert!(out.stdout.is_empty(), "{}", describe(&args, &out));
            assert!(stderr.contains(path), "{stderr}");
            assert!(!stderr.contains(".tmp"), "{stderr}");
            assert_eq!(wd.read("out.csv"), "previous contents\n");
            assert!(!wd.path("missing").exists());
            assert!(temporaries(&wd.path(".")).is_empty());
            assert!(temporaries(&wd.path("dir")).is_empty());
        }
    }
    let stderr = wd.fails_with(2, &["gen", "-o", "missing/g.csv"]);
    assert!(
        stderr.contains("missing/g.csv") && !stderr.contains(".tmp"),
        "{stderr}"
    );
}

/// An extension that names no format we write is an error naming the formats, not
/// CSV under a misleading name; `--format` overrides it; no extension means CSV.
#[test]
fn an_unknown_output_extension_is_refused_unless_the_format_is_given() {
    let wd = Workdir::new();
    wd.create("d.csv", format!("{HEADER}\n{GOOD}\n"));
    for (args, names) in [
        (
            vec!["search", "d.csv", "-o", "out.tsv"],
            ".csv, .json or .ndjson",
        ),
        (
            vec!["gen", "--rows", "3", "-o", "out.json"],
            ".csv or .ndjson",
        ),
        (
            vec!["gen", "--rows", "3", "-o", "out.tsv"],
            ".csv or .ndjson",
        ),
    ] {
        let err = wd.fails_with(2, &args);
        assert!(
            err.contains(names) && err.contains("--format"),
            "{args:?}: {err}"
        );
        let target = args.last().unwrap();
        assert!(!wd.path(target).exists(), "{args:?} created {target}");
    }
    wd.stdout(&["search", "d.csv", "-o", "out.tsv", "--format", "csv"]);
    assert!(wd.read("out.tsv").starts_with(HEADER));
    // A count is a number whatever the name; `.json` still makes it JSON.
    wd.stdout(&["search", "d.csv", "--count", "-o", "n.txt"]);
    assert_eq!(wd.read("n.txt").trim(), "1");
    wd.stdout(&["search", "d.csv", "-o", "plain"]);
    assert!(wd.read("plain").starts_with(HEADER));
    wd.stdout(&["gen", "--rows", "3", "-o", "g.ndjson"]);
    assert!(wd.read("g.ndjson").starts_with('{'));
    wd.stdout(&["gen", "--rows", "3", "-o", "g.txt", "--format", "ndjson"]);
    assert!(wd.read("g.txt").starts_with('{'));
}
