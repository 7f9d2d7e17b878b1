//! `--replay-latency`: how long a replayed provider takes to serve each page.
//!
//! A recorded dump arrives as fast as the disk reads it; a live provider does not.
//! Making each input's producer wait before handing over every page, each with its
//! own random stream, replays what a search fanning out to several providers sees:
//! when the first results arrive, and how much paging the early stop saves.
//!
//! [`Latency`] is the distribution, [`Delays`] an input's stream of draws, and
//! `Replayed` the page source wrapper that waits them out before each page.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};

use crate::source::{Next, OnOversized, PageSource, SourceInfo};

/// The 95th percentile of a standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

/// A distribution of per-page delays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Latency {
    /// Every page takes this long: `150ms`.
    Fixed(Duration),
    /// Uniform between the bounds, inclusive: `80ms..400ms`.
    Uniform(Duration, Duration),
    /// Log-normal with this median and 95th percentile (`lognormal:200ms,900ms`): the
    /// long right tail of real provider response times.
    LogNormal {
        /// Half the pages take less than this.
        median: Duration,
        /// 95% of the pages take less than this.
        p95: Duration,
    },
}

impl Latency {
    /// A repeatable stream of delays: the same `seed` and `stream` (an input's place
    /// on the command line) give the same delays with the same build.
    pub fn delays(self, seed: u64, stream: u64) -> Delays {
        // Streams far apart in the seed space, so inputs do not wait in lockstep.
        let mixed = seed ^ stream.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Delays {
            latency: self,
            rng: SmallRng::seed_from_u64(mixed),
        }
    }
}

/// The delays of one input's pages (see [`Latency::delays`]).
#[derive(Clone, Debug)]
pub struct Delays {
    latency: Latency,
    rng: SmallRng,
}

impl Iterator for Delays {
    type Item = Duration;
    fn next(&mut self) -> Option<Duration> {
        Some(match self.latency {
            Latency::Fixed(d) => d,
            Latency::Uniform(lo, hi) => {
                let nanos = self.rng.random_range(lo.as_nanos()..=hi.as_nanos());
                Duration::from_nanos(nanos.min(u64::MAX as u128) as u64)
            }
            Latency::LogNormal { median, p95 } => {
                let mu = median.as_secs_f64().ln();
                let sigma = (p95.as_secs_f64().ln() - mu) / Z95;
                // Checked when parsed: sigma is finite and positive.
                let secs = LogNormal::new(mu, sigma)
                    .map(|d| d.sample(&mut self.rng))
                    .unwrap_or(median.as_secs_f64());
                Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
            }
        })
    }
}

/// A page source that waits before each page as a live provider would: the delays
/// of one input (shared by its files), cut short when the run stops. Without
/// delays it passes pages straight through.
pub(crate) struct Replayed<'a, S> {
    inner: S,
    delays: Option<&'a mut Delays>,
    stopped: &'a dyn Fn() -> bool,
    /// Where the time spent waiting is added (nanoseconds).
    waited: &'a AtomicU64,
}

impl<'a, S: PageSource> Replayed<'a, S> {
    pub(crate) fn new(
        inner: S,
        delays: Option<&'a mut Delays>,
        stopped: &'a dyn Fn() -> bool,
        waited: &'a AtomicU64,
    ) -> Self {
        Replayed {
            inner,
            delays,
            stopped,
            waited,
        }
    }

    /// Waits `delay`; false if the run stopped meanwhile.
    fn wait(&self, delay: Duration) -> bool {
        let started = Instant::now();
        let until = started + delay;
        let done = loop {
            if (self.stopped)() {
                break false;
            }
            let now = Instant::now();
            if now >= until {
                break true;
            }
            thread::sleep((until - now).min(Duration::from_millis(5)));
        };
        self.waited
            .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
        done
    }
}

impl<S: PageSource> PageSource for Replayed<'_, S> {
    fn info(&self) -> &Arc<SourceInfo> {
        self.inner.info()
    }

    fn next_page(
        &mut self,
        spare: Vec<u8>,
        on_oversized: &mut OnOversized<'_>,
    ) -> crate::Result<Next> {
        // A live provider answers each request after a while.
        if let Some(delay) = self.delays.as_mut().and_then(|d| d.next()) {
            if !self.wait(delay) {
                return Ok(Next::Stopped);
            }
        }
        self.inner.next_page(spare, on_oversized)
    }

    fn bytes_read(&self) -> u64 {
        self.inner.bytes_read()
    }

    fn line(&mut self) -> u64 {
        self.inner.line()
    }
}

fn duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|e| format!("`{}`: {e}", s.trim()))
}

const EXPECTED: &str =
    "expected a duration (150ms), a range (80ms..400ms) or lognormal:MEDIAN,P95 (lognormal:200ms,900ms)";

impl FromStr for Latency {
    type Err = String;
    fn from_str(s: &str) -> Result<Latency, String> {
        let bad = |why: String| format!("{why}; {EXPECTED}");
        if let Some(rest) = s.strip_prefix("lognormal:") {
            let (median, p95) = rest
                .split_once(',')
                .ok_or_else(|| bad("a log-normal needs a median and a 95th percentile".into()))?;
            let (median, p95) = (duration(median).map_err(bad)?, duration(p95).map_err(bad)?);
            if median.is_zero() || p95 <= median {
                return Err(bad(format!(
                    "the median must be above zero and the 95th percentile above the median (got {} and {})",
                    humantime::format_duration(median),
                    humantime::format_duration(p95)
                )));
            }
            return Ok(Latency::LogNormal { median, p95 });
        }
        if let Some((lo, hi)) = s.split_once("..") {
            let (lo, hi) = (duration(lo).map_err(bad)?, duration(hi).map_err(bad)?);
            if lo > hi {
                return Err(bad(
                    "the range's lower bound is above its upper bound".into()
                ));
            }
            return Ok(Latency::Uniform(lo, hi));
        }
        duration(s).map(Latency::Fixed).map_err(bad)
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = humantime::format_duration;
        match self {
            Latency::Fixed(x) => write!(f, "{}", d(*x)),
            Latency::Uniform(a, b) => write!(f, "{}..{}", d(*a), d(*b)),
            Latency::LogNormal { median, p95 } => write!(f, "lognormal:{},{}", d(*median), d(*p95)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn parses_the_three_forms_and_refuses_nonsense() {
        assert_eq!("150ms".parse(), Ok(Latency::Fixed(ms(150))));
        assert_eq!("80ms..400ms".parse(), Ok(Latency::Uniform(ms(80), ms(400))));
        assert_eq!(
            "lognormal:200ms,900ms".parse(),
            Ok(Latency::LogNormal {
                median: ms(200),
                p95: ms(900)
            })
        );
        for bad in [
            "",
            "fast",
            "400ms..80ms",
            "lognormal:200ms",
            "lognormal:900ms,200ms",
            "lognormal:0s,1s",
        ] {
            let err = bad.parse::<Latency>().unwrap_err();
            assert!(err.contains("expected a duration"), "{bad}: {err}");
        }
        for text in ["150ms", "80ms..400ms", "lognormal:200ms,900ms"] {
            assert_eq!(text.parse::<Latency>().unwrap().to_string(), text);
        }
    }

    #[test]
    fn delays_are_repeatable_per_seed_and_stream_and_follow_the_distribution() {
        let l: Latency = "lognormal:200ms,900ms".parse().unwrap();
        let a: Vec<_> = l.delays(7, 0).take(50).collect();
        assert_eq!(a, l.delays(7, 0).take(50).collect::<Vec<_>>());
        assert_ne!(a, l.delays(7, 1).take(50).collect::<Vec<_>>());
        assert_ne!(a, l.delays(8, 0).take(50).collect::<Vec<_>>());
        let mut many: Vec<_> = l.delays(1, 0).take(20_000).collect();
        many.sort();
        let median = many[10_000].as_secs_f64();
        let p95 = many[19_000].as_secs_f64();
        assert!((median - 0.2).abs() < 0.02, "median {median}");
        assert!((p95 - 0.9).abs() < 0.09, "p95 {p95}");
        let u: Latency = "80ms..400ms".parse().unwrap();
        assert!(u
            .delays(3, 2)
            .take(1000)
            .all(|d| d >= ms(80) && d <= ms(400)));
        let f: Latency = "50ms".parse().unwrap();
        assert!(f.delays(3, 2).take(10).all(|d| d == ms(50)));
    }
}
