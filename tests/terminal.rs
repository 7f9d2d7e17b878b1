//! What a person at a terminal sees on stderr: the progress bar (only on a terminal,
//! never on a pipe, never over results written to the terminal, cleared before any
//! other message) and the one line that says a run's output is partial.
//!
//! The terminal is a real pseudo-terminal made by `script`; a run that lasts is a FIFO
//! whose writer sends a few rows and then stalls, ended by `--timeout` or a signal.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{random_dump, Workdir};

/// Text of every frame of the bar, whichever form it takes.
const BAR_MARK: &str = " matches · ";
/// What indicatif writes to clear a line.
const CLEAR: &str = "\x1b[2K";

/// Starts `child` on the FIFO `fifo`, sends it 40 rows and keeps it open: the run
/// lasts until it is stopped. The returned writer keeps the input stalled.
fn feed(wd: &Workdir, fifo: &str, child: Child) -> (Child, std::fs::File) {
    // Opening blocks until flightsift opens its end.
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(wd.path(fifo))
        .unwrap();
    let (text, _) = random_dump(3, 40);
    writer.write_all(text.as_bytes()).unwrap();
    writer.flush().unwrap();
    (child, writer)
}

/// Waits for the child; the bound only keeps a broken build from hanging the suite.
fn wait(mut child: Child) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still running after 30 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The run outlasts the bar's one-second delay by a wide margin (3 s timeout), so the
/// bar is drawn; it is gone before the notice and the count are written.
#[test]
fn a_long_run_on_a_terminal_shows_the_bar_then_clears_it() {
    let wd = Workdir::new();
    wd.fifo("feed.csv");
    let child = wd
        .pty_command(&["search", "feed.csv", "--timeout", "3s", "--count"])
        .spawn()
        .unwrap();
    let (child, writer) = feed(&wd, "feed.csv", child);
    let out = wait(child);
    drop(writer);
    let screen = text(&out.stdout);
    assert_eq!(out.status.code(), Some(124), "{screen}");
    // Stdin is not a file of known size: records and their rate.
    assert!(
        screen.contains(" records (") && screen.contains(BAR_MARK),
        "no bar on the terminal: {screen:?}"
    );
    let notice = screen
        .find("flightsift: partial: timed out after 3s; 40 matches so far\r\n")
        .unwrap_or_else(|| panic!("no partial notice: {screen:?}"));
    let last_frame = screen.rfind(BAR_MARK).unwrap();
    let last_clear = screen.rfind(CLEAR).unwrap();
    assert!(
        last_frame < last_clear && last_clear < notice,
        "the bar was not cleared before the notice: {screen:?}"
    );
    // The count follows the cleared bar.
    assert!(
        screen[last_clear..].starts_with(&format!("{CLEAR}40\r\n")),
        "{screen:?}"
    );
}

/// `--progress` draws at once: files of known size show bytes of their total, and
/// the limit is shown with the matches.
#[test]
fn forced_bar_shows_bytes_of_the_total_and_the_limit() {
    let wd = Workdir::new();
    let (dump, _) = random_dump(8, 2000);
    wd.create("a.csv", &dump);
    wd.create("b.csv", &dump);
    let out = wd
        .pty_command(&[
            "search",
            "a.csv",
            "b.csv",
            "--progress",
            "-n",
            "5",
            "-o",
            "out.csv",
        ])
        .output()
        .unwrap();
    let screen = text(&out.stdout);
    assert!(out.status.success(), "{screen}");
    let total = indicatif::HumanBytes(2 * dump.len() as u64).to_string();
    assert!(
        screen.contains(&format!("/{total} [")),
        "no bytes of {total}: {screen:?}"
    );
    assert!(screen.contains(" of 5 matches · "), "{screen:?}");
    assert!(
        screen.trim_end_matches(['\r', '\n']).ends_with(CLEAR),
        "{screen:?}"
    );
}

/// Results written to the terminal are never mixed with a bar, even a forced one.
#[test]
fn no_bar_over_results_on_the_terminal() {
    let wd = Workdir::new();
    let (dump, _) = random_dump(8, 500);
    wd.create("a.csv", &dump);
    let out = wd
        .pty_command(&["search", "a.csv", "--progress", "-n", "3"])
        .output()
        .unwrap();
    let screen = text(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(!screen.contains(BAR_MARK), "{screen:?}");
    assert_eq!(screen.lines().count(), 4, "{screen:?}");
}

/// A pipe gets no bar, however long the run; the partial notice is its only line.
#[test]
fn stderr_on_a_pipe_gets_no_bar_only_the_partial_notice() {
    let wd = Workdir::new();
    wd.fifo("feed.csv");
    let child = wd
        .command(&["search", "feed.csv", "--timeout", "2s", "--count"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (child, writer) = feed(&wd, "feed.csv", child);
    let out = wait(child);
    drop(writer);
    assert_eq!(out.status.code(), Some(124));
    assert_eq!(
        text(&out.stderr),
        "flightsift: partial: timed out after 2s; 40 matches so far\n"
    );
    assert_eq!(text(&out.stdout), "40\n");
}

/// `--progress` is the way to get frames on something that is not a terminal.
#[test]
fn forced_bar_goes_to_a_pipe_and_stdout_stays_clean() {
    let wd = Workdir::new();
    let (dump, _) = random_dump(8, 2000);
    wd.create("a.csv", &dump);
    let out = wd.output(&["search", "a.csv", "--progress", "--count"]);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains(BAR_MARK), "{stderr:?}");
    assert!(stderr.ends_with(CLEAR), "{stderr:?}");
    assert_eq!(text(&out.stdout), "2000\n");
}

#[test]
fn quiet_shows_neither_bar_nor_notice_on_a_terminal() {
    let wd = Workdir::new();
    wd.fifo("feed.csv");
    let child = wd
        .pty_command(&[
            "search",
            "feed.csv",
            "--timeout",
            "3s",
            "--count",
            "--quiet",
        ])
        .spawn()
        .unwrap();
    let (child, writer) = feed(&wd, "feed.csv", child);
    let out = wait(child);
    drop(writer);
    assert_eq!(out.status.code(), Some(124));
    assert_eq!(text(&out.stdout), "40\r\n");
}

/// SIGINT once the 40 rows are out (read from stdout, so the signal cannot come
/// before the handlers): the notice says interrupted, and `--quiet` drops it.
#[cfg(unix)]
#[test]
fn an_interrupted_run_says_it_is_partial_unless_quiet() {
    for (quiet, want) in [
        (
            false,
            "flightsift: partial: interrupted; 40 matches so far\n",
        ),
        (true, ""),
    ] {
        let wd = Workdir::new();
        wd.fifo("feed.csv");
        let mut args = vec!["search", "feed.csv"];
        if quiet {
            args.push("-q");
        }
        let child = wd
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (mut child, writer) = feed(&wd, "feed.csv", child);
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut lines = 0;
        let mut line = String::new();
        while lines < 41 && stdout.read_line(&mut line).unwrap() > 0 {
            lines += 1;
        }
        assert_eq!(lines, 41, "header and 40 rows before the signal");
        let killed = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let out = wait(child);
        drop(writer);
        assert_eq!(out.status.code(), Some(130));
        assert_eq!(text(&out.stderr), want);
    }
}
