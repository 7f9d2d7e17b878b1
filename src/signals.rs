//! Ctrl-C and SIGTERM: the first one stops the run cleanly (the output is finished
//! and valid, the summary says it is partial); a second one exits at once.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;

use flightsift::Canceller;
use signal_hook::consts::{SIGINT, SIGTERM};

use crate::output::Output;

static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// Temporary files to remove if a second signal forces an immediate exit.
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remembers an output's temporary file for the emergency exit.
pub fn register_temp(out: &Output) {
    if let Some(p) = out.temp_path() {
        TEMPS.lock().unwrap_or_else(|p| p.into_inner()).push(p);
    }
}

/// Routes SIGINT/SIGTERM to `canceller`. Best effort: if handlers cannot be
/// installed the default action (immediate exit) remains.
pub fn install(canceller: Canceller) {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        for sig in signals.forever() {
            if RECEIVED.swap(sig, Ordering::SeqCst) == 0 {
                canceller.interrupt();
            } else {
                for p in TEMPS.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                    let _ = std::fs::remove_file(p);
                }
                std::process::exit(128 + sig);
            }
        }
    });
}

/// 130 after SIGINT, 143 after SIGTERM.
pub fn exit_code() -> u8 {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => 130,
        sig => (128 + sig) as u8,
    }
}
