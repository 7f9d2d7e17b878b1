//! The exit statuses of `flightsift`, defined once: `main` returns them, and the
//! "Exit status" text of `--help`, the man page and the guide's table
//! (`docs/guarantees.md`) are generated from [`Exit::ALL`], so the documented numbers
//! cannot drift from the returned ones.

use std::fmt::Write as _;

/// The guide's generated blocks, checked (or rewritten with `FLIGHTSIFT_BLESS=1`) by
/// the integration tests' own code: the exit statuses are known only to the binary.
#[cfg(test)]
#[path = "../tests/doc_blocks.rs"]
mod doc_blocks;

/// How a run ended, as the process sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything asked for was done.
    Success = 0,
    /// `eval`: an expectation of the queries file does not hold.
    ExpectationFailed = 1,
    /// Nothing useful could be done: bad input, bad flags, an I/O or write error.
    /// clap also exits 2 for a usage error, so every error shares one number.
    Error = 2,
    /// `--timeout` expired; 124 is what timeout(1) returns, so scripts read it alike.
    TimedOut = 124,
    /// The first Ctrl-C (SIGINT): 128 + 2, as a shell reports a death by SIGINT.
    Interrupted = 130,
    /// The first SIGTERM: 128 + 15.
    Terminated = 143,
}

impl Exit {
    /// Every status, in the order the documentation lists them.
    pub const ALL: [Exit; 6] = [
        Exit::Success,
        Exit::ExpectationFailed,
        Exit::Error,
        Exit::TimedOut,
        Exit::Interrupted,
        Exit::Terminated,
    ];

    /// The number the process exits with.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The status for a run stopped by signal `sig` (SIGINT or SIGTERM).
    pub fn for_signal(sig: i32) -> Exit {
        match sig {
            signal_hook::consts::SIGTERM => Exit::Terminated,
            _ => Exit::Interrupted,
        }
    }

    /// One line of documentation, in Markdown-light: backticks mark code.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Success => {
                "success, including a closed output pipe (`flightsift ... | head -1`)"
            }
            Exit::ExpectationFailed => {
                "`eval`: an expectation (`expect_matched`, `expect_ids`) does not hold; the differences are on stderr"
            }
            Exit::Error => {
                "error: malformed input (file, line and field named), bad flag, I/O or write error (e.g. a full disk)"
            }
            Exit::TimedOut => "`--timeout` expired; the output is valid and holds what was found",
            Exit::Interrupted => {
                "interrupted by Ctrl-C (SIGINT); the output is valid and partial (`gen -o` publishes nothing). A second signal exits at once, removing temporary files."
            }
            Exit::Terminated => "stopped by SIGTERM; as for Ctrl-C",
        }
    }

    /// The "Exit status" block of `--help`, wrapped with a hanging indent (clap would
    /// wrap it flush left).
    pub fn help_text() -> String {
        const WIDTH: usize = 90;
        let mut out = String::from("Exit status:");
        for e in Exit::ALL {
            let mut line = format!("\n  {:<4} ", e.code());
            for word in e.meaning().replace('`', "").split(' ') {
                if line.len() + word.len() > WIDTH && !line.ends_with(' ') {
                    out += &line;
                    line = format!("\n{:7}", "");
                } else if !line.ends_with(' ') {
                    line.push(' ');
                }
                line += word;
            }
            out += &line;
        }
        out
    }

    /// The exit-code table of the guide's `docs/guarantees.md`.
    pub fn markdown() -> String {
        let mut out = String::from("| code | meaning |\n|---|---|\n");
        for e in Exit::ALL {
            let _ = writeln!(
                out,
                "| {} | {} |",
                e.code(),
                e.meaning().replace('|', "\\|")
            );
        }
        out
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guide_lists_every_exit_status() {
        super::doc_blocks::check(
            "docs/guarantees.md",
            &[("exit-codes".to_string(), Exit::markdown())],
        );
    }

    /// Each status its own number, wherever in [`Exit::ALL`] a repeat would stand
    /// (a set, not `dedup`, which only drops a repeat next to its twin).
    #[test]
    fn codes_are_distinct() {
        let mut seen = std::collections::BTreeMap::new();
        for e in Exit::ALL {
            if let Some(first) = seen.insert(e.code(), e) {
                panic!("{first:?} and {e:?} both exit {}", e.code());
            }
        }
    }
}
