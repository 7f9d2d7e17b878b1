//! Stopping: a closed stdout, a stalled input, and early stop on a large dump.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{random_dump, Workdir};

fn big_dump(wd: &Workdir, rows: usize) -> std::path::PathBuf {
    let (text, _) = random_dump(77, rows);
    wd.create("big.csv", text)
}

#[test]
fn early_stop_reads_a_small_fraction_of_a_large_input() {
    let wd = Workdir::new();
    big_dump(&wd, 200_000);
    for threads in ["1", "2", "8"] {
        wd.stdout(&[
            "search",
            "big.csv",
            "-n",
            "5",
            "--page-size",
            "256",
            "-j",
            threads,
            "--stats-json",
            "s.json",
        ]);
        let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
        let total_pages = 200_000 / 256 + 1;
        let read = s["pages_read"].as_u64().unwrap();
        assert_eq!(s["emitted"], 5);
        assert_eq!(s["outcome"], "limit_reached");
        // At most the channel's pages plus one per worker plus the page in hand.
        let threads: u64 = threads.parse().unwrap();
        assert!(
            read <= 3 * threads + 2,
            "read {read} of {total_pages} pages with {threads} threads"
        );
        assert!(s["pages_read_after_limit"].as_u64().unwrap() <= 1);
    }
}

/// The input never ends (a writer thread feeds stdin until the pipe breaks), so the
/// run ends only if closing its stdout stops it: waiting for it proves it stopped
/// reading. The bound is generous; it keeps a broken build from hanging the suite.
#[test]
fn closed_stdout_exits_zero_quietly_and_stops_reading() {
    let wd = Workdir::new();
    let (text, _) = random_dump(77, 2_000);
    let (header, rows) = text.split_once('\n').unwrap();
    let mut child = wd
        .command(&["search", "-", "--page-size", "64"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (header, rows) = (format!("{header}\n"), rows.to_string());
    let feeder = std::thread::spawn(move || -> std::io::Error {
        if let Err(e) = stdin.write_all(header.as_bytes()) {
            return e;
        }
        loop {
            if let Err(e) = stdin.write_all(rows.as_bytes()) {
                return e;
            }
        }
    });
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("provider,"));
    drop(out); // like `| head -1`
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still reading an endless input 60 s after its stdout closed");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
    // Its stdin closed with it: the feeder stopped on a broken pipe, not by itself.
    let fed = feeder.join().unwrap();
    assert_eq!(fed.kind(), std::io::ErrorKind::BrokenPipe, "{fed}");
}

#[cfg(unix)]
#[test]
fn a_stalled_input_does_not_keep_a_finished_run_alive() {
    let wd = Workdir::new();
    let fifo = wd.path("feed.csv");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let (text, _) = random_dump(5, 50);
    let start = Instant::now();
    let mut child = wd
        .command(&["search", "feed.csv", "-n", "3"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Open the writer side, send a few rows, and keep it open (a stalled provider).
    let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    writer.write_all(text.as_bytes()).unwrap();
    writer.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "run still alive with its limit reached and the input stalled"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = child.wait_with_output().unwrap();
    assert!(status.success());
    assert_eq!(
        crate::util::csv_ids(&String::from_utf8(out.stdout).unwrap()).len(),
        3
    );
    assert!(start.elapsed() < Duration::from_secs(10));
    drop(writer);
}
