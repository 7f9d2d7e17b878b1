//! Arbitrary bytes as a CSV dump through the real reader (page cutting, record
//! splitting, decoding) under both error policies: no panic, no hang, bounded memory,
//! and the accounting checks of `reader_common.rs`.
//!
//! Run with `cargo +nightly fuzz run read_csv` (from the repository root).

#![no_main]

use libfuzzer_sys::fuzz_target;

mod reader_common;

/// Each run starts its own worker pool, and a dropped rayon pool's threads exit on
/// their own time: when LeakSanitizer looks between inputs, the state of a thread that
/// is still exiting (its deque, glibc's list of its thread-local destructors) can look
/// unreferenced. That is not a leak: suppress exactly those two.
#[no_mangle]
pub extern "C" fn __lsan_default_suppressions() -> *const std::os::raw::c_char {
    c"leak:__cxa_thread_atexit_impl\nleak:rayon_core::registry::ThreadBuilder\n".as_ptr()
}

fuzz_target!(|data: &[u8]| {
    reader_common::check(data, flightsift::InputFormat::Csv);
});
