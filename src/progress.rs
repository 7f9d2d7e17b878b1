//! The progress bar of `search`: drawn on stderr by a thread of its own from the
//! run's atomic counters, a few times a second, so that the workers and the writer
//! never pay for it per record.
//!
//! It appears only once a run has lasted about a second (a quick run should not
//! flash a bar), only on a terminal (a log file or a pipe would fill with frames),
//! and never while the results are written to the terminal (the two would tear each
//! other's lines). [`Bar::finish`] clears it before anything else is written to stderr.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use flightsift::{Canceller, Progress};
use indicatif::{
    HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle, TermLike,
};

/// How long a run goes before its bar appears.
const DELAY: Duration = Duration::from_secs(1);
/// How often the bar is redrawn from the counters.
const TICK: Duration = Duration::from_millis(200);

/// Whether to draw the bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `--quiet`, or the results go to the terminal: no bar.
    Never,
    /// After [`DELAY`], when stderr is a terminal.
    Auto,
    /// `--progress`: from the start, whatever stderr is.
    Forced,
}

impl Mode {
    /// The mode for a run: `quiet` and `forced` are the flags; `results_on_stdout`
    /// says the results (not a count, written at the end) stream to stdout.
    pub fn choose(quiet: bool, forced: bool, results_on_stdout: bool) -> Mode {
        if quiet || (results_on_stdout && io::stdout().is_terminal()) {
            Mode::Never
        } else if forced {
            Mode::Forced
        } else if io::stderr().is_terminal() {
            Mode::Auto
        } else {
            Mode::Never
        }
    }
}

/// What the bar measures against: the inputs' total size when every input is a
/// regular, uncompressed file (so "bytes of total" means something), else nothing.
pub fn total_bytes(inputs: &[PathBuf]) -> Option<u64> {
    if inputs.is_empty() {
        return None; // stdin
    }
    inputs.iter().try_fold(0u64, |sum, p| {
        let m = std::fs::metadata(p).ok().filter(|m| m.is_file())?;
        // The run counts decompressed bytes, which a compressed file's size says
        // nothing about.
        let mut head = [0u8; 4];
        let n = std::io::Read::read(&mut std::fs::File::open(p).ok()?, &mut head).ok()?;
        if flightsift::Compression::from_magic(&head[..n]).is_some() {
            return None;
        }
        Some(sum + m.len())
    })
}

/// A running bar; [`Bar::finish`] (or dropping it) clears it and stops its thread.
pub struct Bar {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Bar {
    /// Starts the bar's thread for a run whose counters `source` reads.
    pub fn start(mode: Mode, source: Canceller, total: Option<u64>, limit: Option<u64>) -> Bar {
        if mode == Mode::Never {
            return Bar {
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let started = Instant::now();
        let thread = std::thread::spawn(move || {
            // Auto: a run that ends before the delay is never drawn. Forced: the first
            // frame is drawn however short the run.
            if mode == Mode::Auto
                && stopped.recv_timeout(DELAY) != Err(mpsc::RecvTimeoutError::Timeout)
            {
                return;
            }
            let (bar, matched) = new_bar(mode, total, limit);
            // The run's time, not the bar's: the rate and the clock count from the start.
            let bar = bar.with_elapsed(started.elapsed());
            loop {
                show(&bar, &matched, source.progress(), total);
                if stopped.recv_timeout(TICK) != Err(mpsc::RecvTimeoutError::Timeout) {
                    break;
                }
            }
            bar.finish_and_clear();
        });
        Bar {
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Clears the bar and waits until it is gone from the screen.
    pub fn finish(mut self) {
        self.end();
    }

    fn end(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.end();
    }
}

/// The bar, and where its thread puts the matches so far for the template to read.
fn new_bar(mode: Mode, total: Option<u64>, limit: Option<u64>) -> (ProgressBar, Arc<AtomicU64>) {
    // The draw rate is ours (TICK); indicatif's own limit only has to allow it.
    let target = if io::stderr().is_terminal() {
        ProgressDrawTarget::stderr_with_hz(20)
    } else if mode == Mode::Forced {
        ProgressDrawTarget::term_like_with_hz(Box::new(PlainStderr), 20)
    } else {
        ProgressDrawTarget::hidden()
    };
    // Files of known size: bytes of the total. Otherwise records and their rate.
    let template = match total {
        Some(_) => "{bytes}/{total_bytes} [{wide_bar}] {percent:>3}% · {matches} · {elapsed}",
        None => "{spinner} {human_pos} records ({rate}) · {matches} · {elapsed}",
    };
    let matched = Arc::new(AtomicU64::new(0));
    let seen = matched.clone();
    let style = ProgressStyle::with_template(template)
        .expect("a valid template")
        .progress_chars("=> ")
        .with_key(
            "matches",
            move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                let n = seen.load(Relaxed);
                let _ = match limit {
                    Some(limit) => write!(
                        w,
                        "{} of {} matches",
                        HumanCount(n.min(limit)),
                        HumanCount(limit)
                    ),
                    None => write!(w, "{} matches", HumanCount(n)),
                };
            },
        );
    let style = style.with_key(
        "rate",
        |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            // The mean over the run: steadier to read than indicatif's recent rate.
            let secs = state.elapsed().as_secs_f64();
            let rate = if secs > 0.0 {
                state.pos() as f64 / secs
            } else {
                0.0
            };
            let _ = write!(w, "{}/s", HumanCount(rate as u64));
        },
    );
    let bar = ProgressBar::with_draw_target(total, target).with_style(style);
    (bar, matched)
}

/// Redraws the bar from one snapshot of the counters.
fn show(bar: &ProgressBar, matched: &AtomicU64, p: Progress, total: Option<u64>) {
    matched.store(p.matched, Relaxed);
    let pos = match total {
        Some(_) => p.bytes_read,
        None => p.records_read,
    };
    // One draw per tick, whatever changed.
    bar.update(|state| state.set_pos(pos));
}

/// stderr when `--progress` forces a bar onto something that is not a terminal: the
/// same frames a terminal gets, in plain ANSI, at an assumed width.
#[derive(Debug)]
struct PlainStderr;

impl PlainStderr {
    /// A cursor move; `ESC[0A` would move one line, so a move by 0 writes nothing.
    fn cursor(&self, n: usize, direction: char) -> io::Result<()> {
        match n {
            0 => Ok(()),
            n => self.write_str(&format!("\x1b[{n}{direction}")),
        }
    }
}

impl TermLike for PlainStderr {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.cursor(n, 'A')
    }
    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.cursor(n, 'B')
    }
    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.cursor(n, 'C')
    }
    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.cursor(n, 'D')
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        writeln!(io::stderr(), "{s}")
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        write!(io::stderr(), "{s}")
    }
    fn clear_line(&self) -> io::Result<()> {
        self.write_str("\r\x1b[2K")
    }
    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}
