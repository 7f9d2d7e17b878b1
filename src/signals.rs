//! Ctrl-C and SIGTERM: the first one stops the run cleanly (a search finishes its
//! output validly and says it is partial; `gen` publishes nothing); a second one
//! exits at once, removing temporary files.
//!
//! Handlers are installed before any output is opened, so there is no window in
//! which a signal kills the process with the default action and leaves a temporary
//! file behind; what the first signal does is set later with [`on_interrupt`].

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

use signal_hook::consts::{SIGINT, SIGTERM};

use crate::exit::Exit;
use crate::output::Output;

static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// Temporary files to remove if a second signal forces an immediate exit.
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// What the first signal does besides being recorded (e.g. interrupt a search).
static ON_FIRST: Mutex<Option<Box<dyn Fn() + Send>>> = Mutex::new(None);

/// Remembers an output's temporary file for the emergency exit.
pub fn register_temp(out: &Output) {
    if let Some(p) = out.temp_path() {
        TEMPS.lock().unwrap_or_else(|p| p.into_inner()).push(p);
    }
}

/// Routes SIGINT/SIGTERM to this module. Best effort: if handlers cannot be
/// installed the default action (immediate exit) remains.
pub fn install() {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        for sig in signals.forever() {
            // Under the hook's lock, so that `on_interrupt` sees either the signal
            // or the hook slot empty, never neither.
            let hook = ON_FIRST.lock().unwrap_or_else(|p| p.into_inner());
            if RECEIVED.swap(sig, Ordering::SeqCst) == 0 {
                if let Some(f) = hook.as_ref() {
                    f();
                }
            } else {
                for p in TEMPS.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                    let _ = std::fs::remove_file(p);
                }
                std::process::exit(Exit::for_signal(sig).code().into());
            }
        }
    });
}

/// Sets what the first signal does; runs it now if a signal already came.
pub fn on_interrupt(f: impl Fn() + Send + 'static) {
    let mut hook = ON_FIRST.lock().unwrap_or_else(|p| p.into_inner());
    if received() {
        f();
    }
    *hook = Some(Box::new(f));
}

/// Whether a first signal came.
pub fn received() -> bool {
    RECEIVED.load(Ordering::SeqCst) != 0
}

/// The exit status after the first signal: 130 after SIGINT, 143 after SIGTERM.
pub fn exit() -> Exit {
    Exit::for_signal(RECEIVED.load(Ordering::SeqCst))
}

/// A writer that fails once a signal came, so that a producer which only writes
/// (`gen`) stops at its next write.
pub struct StopOnSignal<W>(pub W);

impl<W: io::Write> io::Write for StopOnSignal<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if received() {
            // Not ErrorKind::Interrupted: `write_all` would retry that.
            return Err(io::Error::other("stopped by a signal"));
        }
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
