//! Deterministic generator of realistic canonical flight-offer dumps.
//!
//! [`generate`] writes `rows` synthetic offers as canonical CSV (with a
//! header) or NDJSON. Each offer is generated once from a hand-written PRNG
//! (xoshiro256** seeded by SplitMix64) and then formatted, so the CSV and the
//! NDJSON for one seed describe exactly the same offers, and the same options
//! always produce the same bytes. The same offers can also be written as raw
//! provider search responses (`pages.rs` drives them, `amadeus.rs`, `duffel.rs`,
//! ... write each provider's shape; which provider has a writer is the provider
//! registry's line), which the decoders of [`crate::provider`] read back into the
//! canonical records.
//!
//! Realism, in brief:
//! * ~70 real airports with IANA zones, coordinates and traffic weights; the
//!   destination follows a gravity model (same region more likely) and a few
//!   busy city pairs (JFK-LAX above all) are injected on top.
//! * Connections go through real hubs that keep the detour small; long-haul
//!   trips connect more often, ultra-long ones always.
//! * Carriers are weighted by market share and by how plausibly they serve
//!   each segment (hubs, home region, no foreign domestic flying); a partner
//!   from the same alliance operates segments its primary carrier would not.
//! * Block time is great-circle distance at ~800 km/h plus 30 min taxi;
//!   timestamps are local at each airport with the offset in force at that
//!   instant (DST-correct, computed from the bundled tz database via jiff).
//! * Prices are log-normal around a base growing with distance and cabin.

mod amadeus;
mod data;
mod duffel;
mod kiwi;
mod math;
mod pages;
mod sabre;

use data::{Alliance, Currency, AIRLINES, AIRPORTS, CABINS, POPULAR_ROUTES, PROVIDERS};
use math::{cumulative, days_from_civil, great_circle_km, mix64, Rng};

use crate::provider::Provider;

/// Output format of [`generate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenFormat {
    /// Canonical CSV with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// A provider's raw search responses, one whole response page per line,
    /// decodable by [`crate::provider`] ([`Provider::unstated`] lists what each
    /// provider cannot state). Providers without a page writer
    /// ([`Provider::has_generator`]) are an `Unsupported` error.
    Provider(Provider),
}

/// Options of [`generate`].
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Offers to write.
    pub rows: u64,
    /// PRNG seed: the same seed gives the same bytes, on any machine.
    pub seed: u64,
    /// Output format.
    pub format: GenFormat,
}

/// Writes `rows` offers (plus a header for CSV) to `out`. Same options, same bytes.
pub fn generate<W: std::io::Write>(opts: &GenOptions, out: W) -> std::io::Result<()> {
    let tables = Tables::new();
    if let GenFormat::Provider(p) = opts.format {
        return write_pages(&tables, p, opts, out);
    }
    let mut rng = Rng::new(opts.seed);
    let mut out = out;
    // One reusable 1 MiB output buffer: lines are formatted straight into it
    // and it is handed to `out` whenever it fills up (a hand-rolled
    // `BufWriter` that saves a copy per line).
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + LINE_MAX);
    let mut line = Line::new();
    if opts.format == GenFormat::Csv {
        buf.extend_from_slice(crate::record::CSV_HEADER.as_bytes());
    }
    for row in 0..opts.rows {
        let offer = tables.offer(&mut rng, row);
        line.n = 0;
        match opts.format {
            GenFormat::Csv => tables.write_csv(&mut line, &offer),
            GenFormat::Ndjson => tables.write_ndjson(&mut line, &offer),
            GenFormat::Provider(_) => unreachable!("written by write_pages"),
        }
        buf.extend_from_slice(line.as_bytes());
        if buf.len() >= CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    out.flush()
}

/// Generates `write_pages` from the provider registry: a provider marked `gen` has
/// its page writer in `gen/<module>.rs`, a type named like its variant
/// (`kiwi::Kiwi`) implementing `pages::PageFormat`.
macro_rules! page_writers {
    ($( #[doc = $doc:literal] $variant:ident $module:ident $($gen:ident)? ;)*) => {
        /// Writes `provider`'s pages of the offers `opts` asks for.
        fn write_pages<W: std::io::Write>(
            t: &Tables,
            provider: Provider,
            opts: &GenOptions,
            out: W,
        ) -> std::io::Result<()> {
            match provider {
                $(Provider::$variant => page_writers!(@write $($gen)? $module::$variant, t, opts, out),)*
            }
        }
    };
    (@write gen $writer:path, $t:ident, $opts:ident, $out:ident) => {
        pages::write($t, &$writer, $opts, $out)
    };
    (@write $writer:path, $t:ident, $opts:ident, $out:ident) => {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            format!("no page writer for {}", stringify!($writer)),
        ))
    };
}

crate::provider::registry!(page_writers);

// ---------------------------------------------------------------------------
// Time zones

/// 2026-11-01T00:00:00Z: start of the window covered by the offset caches.
const WINDOW_START: i64 = days_from_civil(2026, 11, 1) * 86_400;
/// 2027-06-01T00:00:00Z: end of that window (all generated instants fall well
/// before it: departures end 2027-02-28, returns at most ~16 days later).
const WINDOW_END: i64 = days_from_civil(2027, 6, 1) * 86_400;
/// First departure date, 2026-12-01, in days since the Unix epoch.
const FIRST_DAY: i64 = days_from_civil(2026, 12, 1);
/// Departure dates span 2026-12-01 ..= 2027-02-28.
const DEPARTURE_DAYS: u64 = (days_from_civil(2027, 3, 1) - FIRST_DAY) as u64;

/// UTC offsets of one zone over the generation window: the offset at the
/// window start plus every transition inside the window.
struct ZoneOffsets {
    initial: i32,
    transitions: Vec<(i64, i32)>,
}

impl ZoneOffsets {
    fn new(db: &jiff::tz::TimeZoneDatabase, name: &str) -> ZoneOffsets {
        let tz = db
            .get(name)
            .unwrap_or_else(|e| panic!("bundled tz database lacks {name}: {e}"));
        let start = jiff::Timestamp::from_second(WINDOW_START).expect("valid timestamp");
        let initial = tz.to_offset(start).seconds();
        let transitions = tz
            .following(start)
            .take_while(|t| t.timestamp().as_second() < WINDOW_END)
            .map(|t| (t.timestamp().as_second(), t.offset().seconds()))
            .collect();
        ZoneOffsets {
            initial,
            transitions,
        }
    }

    /// UTC offset in seconds in force at Unix time `t`.
    #[inline]
    fn at(&self, t: i64) -> i32 {
        debug_assert!((WINDOW_START..WINDOW_END).contains(&t));
        let mut off = self.initial;
        for &(when, o) in &self.transitions {
            if t < when {
                break;
            }
            off = o;
        }
        off
    }

    /// The instant at which local wall-clock time `local` (seconds since the
    /// epoch as if it were UTC) happens, disambiguated like RFC 9557
    /// "compatible": a repeated time takes the earlier instant, a time skipped
    /// by a DST gap is pushed forward by the length of the gap.
    #[inline]
    fn local_to_utc(&self, local: i64) -> i64 {
        // Transitions are far more than two days apart, so the offsets a day
        // before and after cover every candidate.
        let before = self.at(local - 86_400);
        let after = self.at(local + 86_400);
        let (tb, ta) = (local - before as i64, local - after as i64);
        if before == after {
            return tb;
        }
        match (self.at(tb) == before, self.at(ta) == after) {
            (true, true) => tb.min(ta),
            (true, false) => tb,
            (false, true) => ta,
            (false, false) => tb,
        }
    }
}

// ---------------------------------------------------------------------------
// Precomputed tables

const MAX_SEGS: usize = 3;
/// Number of airlines.
const NA: usize = AIRLINES.len();

struct Tables {
    n: usize,
    /// Great-circle distance in whole km, `n * n`.
    dist: Vec<u32>,
    zones: Vec<ZoneOffsets>,
    origin: Alias,
    /// Per origin, destination sampler (gravity model).
    dest: Vec<Alias>,
    popular: Vec<(u8, u8)>,
    popular_cum: Vec<u32>,
    /// Connection candidates of pair `(a, b)`:
    /// `via_ap[via_start[a*n+b]..via_start[a*n+b+1]]`, with cumulative weights.
    via_start: Vec<u32>,
    via_ap: Vec<u8>,
    via_cum: Vec<u32>,
    /// How plausibly airline `k` serves airport `a`: `aff[a][k]`.
    aff: Vec<[f32; NA]>,
    /// Country ids of airports and airlines (for the cabotage rule).
    ap_country: Vec<u8>,
    al_country: [u8; NA],
    airline_weight: [f32; NA],
    /// Per airline, the indices of its alliance (itself included).
    alliance_members: Vec<Vec<u8>>,
    /// Plausible carriers of pair `(a, b)`: `cand[cand_start[a*n+b]..cand_start[a*n+b+1]]`.
    cand_start: Vec<u32>,
    cand: Vec<u8>,
    /// Weighted score of each candidate on that segment alone, and their sum.
    cand_w: Vec<f32>,
    cand_total: Vec<f32>,
    provider: Alias,
    cabin: Alias,
    /// Local departure hour: short/medium haul and long haul.
    hour_short: Alias,
    hour_long: Alias,
    /// Fixed-size codes, so formatting copies them without a `memcpy` call.
    ap_code: Vec<[u8; 3]>,
    al_code: Vec<[u8; 2]>,
    /// Provider and cabin names, zero-padded to 16 bytes, with their lengths.
    provider_name: Vec<([u8; 16], usize)>,
    cabin_name: Vec<([u8; 16], usize)>,
    /// `YYYY-MM-DD` for every local date from `DATE_TABLE_FIRST` on.
    dates: Vec<[u8; 10]>,
}

/// First day of the `dates` table, a little before the window (local dates
/// west of UTC are earlier than UTC dates).
const DATE_TABLE_FIRST: i64 = WINDOW_START / 86_400 - 2;
const DATE_TABLE_LEN: usize = ((WINDOW_END - WINDOW_START) / 86_400 + 4) as usize;

fn airport_index(code: &str) -> usize {
    AIRPORTS
        .iter()
        .position(|a| a.code == code)
        .unwrap_or_else(|| panic!("unknown airport {code}"))
}

/// How plausible it is for `airline` to serve airport `ap`: hub > home
/// country > home region > elsewhere; low-cost carriers stay home.
fn affinity(airline: &data::Airline, ap: &data::Airport) -> f32 {
    if airline.hubs.contains(&ap.code) {
        8.0
    } else if ap.country == airline.country {
        2.0
    } else if airline.domestic {
        if airline.country == "US" && ap.country == "MX" {
            0.5
        } else {
            0.0
        }
    } else if ap.region == airline.home {
        0.3
    } else {
        0.1
    }
}

/// How plausibly airline `k` flies segment `a -> b`: the product of its
/// affinities to both airports; foreign carriers fly no domestic segments.
#[inline]
fn seg_score(
    aff: &[[f32; NA]],
    ap_country: &[u8],
    al_country: &[u8; NA],
    a: usize,
    b: usize,
    k: usize,
) -> f32 {
    let s = aff[a][k] * aff[b][k];
    if ap_country[a] == ap_country[b] && ap_country[a] != al_country[k] {
        s * 0.01
    } else {
        s
    }
}

impl Tables {
    fn new() -> Tables {
        let n = AIRPORTS.len();
        let na = NA;
        assert!(n < 256 && na < 256);

        let mut dist = vec![0u32; n * n];
        for (i, a) in AIRPORTS.iter().enumerate() {
            for (j, b) in AIRPORTS.iter().enumerate() {
                if i != j {
                    let km = great_circle_km(a.lat, a.lon, b.lat, b.lon);
                    dist[i * n + j] = math::round_i64(km) as u32;
                }
            }
        }

        let db = jiff::tz::TimeZoneDatabase::bundled();
        let zones = AIRPORTS
            .iter()
            .map(|a| ZoneOffsets::new(&db, a.tz))
            .collect();

        let origin = Alias::new(AIRPORTS.iter().map(|a| a.weight));
        let dest = AIRPORTS
            .iter()
            .enumerate()
            .map(|(i, o)| {
                Alias::new(AIRPORTS.iter().enumerate().map(|(j, d)| {
                    if i == j {
                        return 0;
                    }
                    let gravity = if o.region == d.region {
                        6
                    } else if o.region.group() == d.region.group() {
                        3
                    } else {
                        2
                    };
                    let far = if dist[i * n + j] > 14_000 { 1 } else { 2 };
                    d.weight * gravity * far
                }))
            })
            .collect();

        let popular = POPULAR_ROUTES
            .iter()
            .map(|&(a, b, _)| (airport_index(a) as u8, airport_index(b) as u8))
            .collect();
        let popular_cum = cumulative(POPULAR_ROUTES.iter().map(|r| r.2));

        let hub_count: Vec<u32> = AIRPORTS
            .iter()
            .map(|a| AIRLINES.iter().filter(|l| l.hubs.contains(&a.code)).count() as u32)
            .collect();
        let mut via_start = Vec::with_capacity(n * n + 1);
        let mut via_ap = Vec::new();
        let mut via_cum = Vec::new();
        for a in 0..n {
            for b in 0..n {
                via_start.push(via_ap.len() as u32);
                if a == b {
                    continue;
                }
                let direct = dist[a * n + b] as f64;
                let mut acc = 0u32;
                for h in 0..n {
                    if h == a || h == b || hub_count[h] == 0 {
                        continue;
                    }
                    let (l1, l2) = (dist[a * n + h], dist[h * n + b]);
                    if l1 < 250 || l2 < 250 || (l1 + l2) as f64 > 1.25 * direct + 300.0 {
                        continue;
                    }
                    acc += AIRPORTS[h].weight * (1 + 2 * hub_count[h]);
                    via_ap.push(h as u8);
                    via_cum.push(acc);
                }
            }
        }
        via_start.push(via_ap.len() as u32);

        let aff: Vec<[f32; NA]> = AIRPORTS
            .iter()
            .map(|ap| {
                let mut row = [0f32; NA];
                for (r, l) in row.iter_mut().zip(AIRLINES) {
                    *r = affinity(l, ap);
                }
                row
            })
            .collect();
        let mut countries: Vec<&str> = AIRPORTS.iter().map(|a| a.country).collect();
        countries.extend(AIRLINES.iter().map(|l| l.country));
        countries.sort_unstable();
        countries.dedup();
        let country_id = |c: &str| countries.binary_search(&c).expect("known country") as u8;
        let ap_country: Vec<u8> = AIRPORTS.iter().map(|a| country_id(a.country)).collect();
        let mut al_country = [0u8; NA];
        for (c, l) in al_country.iter_mut().zip(AIRLINES) {
            *c = country_id(l.country);
        }
        let seg_score =
            |a: usize, b: usize, k: usize| seg_score(&aff, &ap_country, &al_country, a, b, k);
        let mut airline_weight = [0f32; NA];
        for (w, l) in airline_weight.iter_mut().zip(AIRLINES) {
            *w = l.weight as f32;
        }
        // Carriers whose weighted score on a segment is at least 1.5% of
        // the best one's.
        let mut cand_start = Vec::with_capacity(n * n + 1);
        let mut cand = Vec::new();
        let mut cand_w = Vec::new();
        let mut cand_total = Vec::new();
        for p in 0..n * n {
            cand_start.push(cand.len() as u32);
            let (a, b) = (p / n, p % n);
            let w = |k: usize| {
                if a == b {
                    0.0
                } else {
                    seg_score(a, b, k) * airline_weight[k]
                }
            };
            let best = (0..na).map(w).fold(0f32, f32::max);
            let mut total = 0f32;
            if best > 0.0 {
                for k in (0..na).filter(|&k| w(k) >= 0.015 * best) {
                    cand.push(k as u8);
                    cand_w.push(w(k));
                    total += w(k);
                }
            }
            cand_total.push(total);
        }
        cand_start.push(cand.len() as u32);
        let alliance_members = AIRLINES
            .iter()
            .enumerate()
            .map(|(k, l)| {
                (0..na)
                    .filter(|&j| {
                        j == k
                            || (l.alliance != Alliance::None && AIRLINES[j].alliance == l.alliance)
                    })
                    .map(|j| j as u8)
                    .collect()
            })
            .collect();

        Tables {
            n,
            dist,
            zones,
            origin,
            dest,
            popular,
            popular_cum,
            via_start,
            via_ap,
            via_cum,
            aff,
            ap_country,
            al_country,
            airline_weight,
            alliance_members,
            cand_start,
            cand,
            cand_w,
            cand_total,
            provider: Alias::new(PROVIDERS.iter().map(|p| p.2)),
            cabin: Alias::new(CABINS.iter().map(|c| c.1)),
            // Waves of departures through the day; long haul leans evening.
            hour_short: Alias::new([
                1, 0, 0, 0, 0, 3, 9, 10, 9, 8, 7, 7, 7, 7, 7, 7, 8, 8, 8, 7, 6, 4, 3, 1,
            ]),
            hour_long: Alias::new([
                3, 3, 2, 1, 1, 1, 2, 3, 4, 4, 5, 5, 5, 5, 5, 5, 6, 7, 8, 9, 9, 9, 8, 5,
            ]),
            provider_name: PROVIDERS.iter().map(|p| padded(p.0)).collect(),
            cabin_name: CABINS.iter().map(|c| padded(c.0)).collect(),
            ap_code: AIRPORTS
                .iter()
                .map(|a| a.code.as_bytes().try_into().expect("3-letter code"))
                .collect(),
            al_code: AIRLINES
                .iter()
                .map(|a| a.code.as_bytes().try_into().expect("2-letter code"))
                .collect(),
            dates: (0..DATE_TABLE_LEN as i64)
                .map(|i| {
                    let (y, m, d) = math::civil_from_days(DATE_TABLE_FIRST + i);
                    let s = format!("{y:04}-{m:02}-{d:02}");
                    s.as_bytes().try_into().expect("10 bytes")
                })
                .collect(),
        }
    }

    #[inline]
    fn dist(&self, a: u8, b: u8) -> u32 {
        self.dist[a as usize * self.n + b as usize]
    }

    /// Picks a connection airport for `a -> b`, if any is plausible.
    #[inline]
    fn pick_via(&self, rng: &mut Rng, a: u8, b: u8) -> Option<u8> {
        let p = a as usize * self.n + b as usize;
        let (s, e) = (self.via_start[p] as usize, self.via_start[p + 1] as usize);
        if s == e {
            return None;
        }
        Some(self.via_ap[s + rng.pick_cum(&self.via_cum[s..e])])
    }

    /// How plausibly airline `k` flies segment `a -> b`.
    #[inline]
    fn seg_score(&self, a: u8, b: u8, k: usize) -> f32 {
        seg_score(
            &self.aff,
            &self.ap_country,
            &self.al_country,
            a as usize,
            b as usize,
            k,
        )
    }

    /// Weighted pick of an index with `f32` weights (total must be > 0).
    #[inline]
    fn pick_f32(rng: &mut Rng, weights: &[f32], total: f32) -> usize {
        let mut r = rng.f64() as f32 * total;
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return i;
            }
            r -= w;
        }
        // Rounding left a sliver: take the last positive weight.
        weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
    }

    fn offer(&self, rng: &mut Rng, row: u64) -> Offer {
        let provider = self.provider.pick(rng) as u8;

        // Route.
        let (origin, dest) = if rng.chance(0.06) {
            self.popular[rng.pick_cum(&self.popular_cum)]
        } else {
            let o = self.origin.pick(rng);
            (o as u8, self.dest[o].pick(rng) as u8)
        };
        let direct = self.dist(origin, dest);

        // Stops: long-haul connects more often; beyond ~15,400 km always.
        let (p0, p2) = match direct {
            0..=1_199 => (0.90, 0.01),
            1_200..=2_499 => (0.72, 0.03),
            2_500..=4_999 => (0.60, 0.06),
            5_000..=8_999 => (0.46, 0.10),
            9_000..=12_999 => (0.33, 0.18),
            13_000..=15_399 => (0.22, 0.24),
            _ => (0.0, 0.28),
        };
        let u = rng.f64();
        let mut stops: u8 = if u < p0 {
            0
        } else if u < 1.0 - p2 {
            1
        } else {
            2
        };
        let mut via = [0u8; 2];
        if stops >= 1 {
            match self.pick_via(rng, origin, dest) {
                Some(h) => via[0] = h,
                None => stops = 0,
            }
        }
        if stops == 2 {
            let limit = 1.4 * direct as f64 + 500.0;
            let mut found = false;
            for _ in 0..6 {
                if let Some(h2) = self.pick_via(rng, via[0], dest) {
                    let legs = [
                        self.dist(origin, via[0]),
                        self.dist(via[0], h2),
                        self.dist(h2, dest),
                    ];
                    let total: u32 = legs.iter().sum();
                    let short = legs.iter().any(|&l| l < 500);
                    if h2 != origin && !short && (total as f64) <= limit {
                        via[1] = h2;
                        found = true;
                        break;
                    }
                }
            }
            if !found {
                stops = 1;
            }
        }
        let nseg = stops as usize + 1;
        let mut pts = [origin; MAX_SEGS + 1];
        pts[1..nseg].copy_from_slice(&via[..stops as usize]);
        pts[nseg] = dest;

        // Carriers: a primary weighted by market share times its weakest
        // segment; partners of the same alliance may operate some segments.
        // Only carriers plausible on the first segment are considered (the
        // weakest-link score of any other is negligible anyway).
        let p0 = pts[0] as usize * self.n + pts[1] as usize;
        let cands = &self.cand[self.cand_start[p0] as usize..self.cand_start[p0 + 1] as usize];
        let primary = if nseg == 1 {
            let w = &self.cand_w[self.cand_start[p0] as usize..self.cand_start[p0 + 1] as usize];
            cands[Self::pick_f32(rng, w, self.cand_total[p0])]
        } else {
            let mut score = [0f32; NA];
            let mut total = 0f32;
            for (i, &k) in cands.iter().enumerate() {
                let k = k as usize;
                let mut m = self.seg_score(pts[0], pts[1], k);
                for s in 1..nseg {
                    m = m.min(self.seg_score(pts[s], pts[s + 1], k));
                }
                score[i] = m * self.airline_weight[k];
                total += score[i];
            }
            if total > 0.0 {
                cands[Self::pick_f32(rng, &score[..cands.len()], total)]
            } else {
                cands[0]
            }
        };
        let mut carriers = [primary; MAX_SEGS];
        for s in 0..nseg {
            let (a, b) = (pts[s], pts[s + 1]);
            // Below this a carrier does not really serve a segment.
            const WEAK: f32 = 0.3;
            let weak = self.seg_score(a, b, primary as usize) < WEAK;
            let swap = stops > 0 && rng.chance(0.08);
            if weak || swap {
                // A partner from the same alliance that serves the segment.
                let members = &self.alliance_members[primary as usize];
                let mut w = [0f32; NA];
                let mut t = 0f32;
                let mut served = false;
                for (i, &m) in members.iter().enumerate() {
                    let score = self.seg_score(a, b, m as usize);
                    served |= score >= WEAK;
                    w[i] = self.airline_weight[m as usize] * score;
                    t += w[i];
                }
                if served {
                    carriers[s] = members[Self::pick_f32(rng, &w[..members.len()], t)];
                } else if weak {
                    // No partner does: interline with a carrier that does.
                    let p = a as usize * self.n + b as usize;
                    let range = self.cand_start[p] as usize..self.cand_start[p + 1] as usize;
                    let i = Self::pick_f32(rng, &self.cand_w[range.clone()], self.cand_total[p]);
                    carriers[s] = self.cand[range][i];
                }
            }
        }
        let mut flight_numbers = [0u16; MAX_SEGS];
        for s in 0..nseg {
            let variant = rng.below(3);
            flight_numbers[s] = self.flight_number(carriers[s], pts[s], pts[s + 1], variant);
        }

        // Times.
        let long_haul = direct >= 6_000;
        let day = FIRST_DAY + rng.below(DEPARTURE_DAYS) as i64;
        let local = day * 86_400 + self.local_time_of_day(rng, long_haul);
        let oz = &self.zones[origin as usize];
        let dz = &self.zones[dest as usize];
        let dep = oz.local_to_utc(local);
        let mut layovers = [0u16; 2];
        let mut blocks = [0u16; MAX_SEGS];
        let duration_min = self.trip_minutes(rng, &pts[..=nseg], &mut layovers, &mut blocks);
        let arr = dep + duration_min as i64 * 60;

        // Cabin (low-cost carriers sell no business or first).
        let mut cabin = self.cabin.pick(rng) as u8;
        let low_cost = AIRLINES[primary as usize].domestic;
        if low_cost && cabin >= 2 {
            cabin = 1;
        }

        // Round trip.
        let round_trip = rng.chance(0.30);
        let mut ret_layovers = [0u16; 2];
        let mut ret_blocks = [0u16; MAX_SEGS];
        let ret = if round_trip {
            // 2..=14 days after the departure date, on a date after the
            // arrival date, and at least 12 hours after arrival.
            let arr_day = (arr + dz.at(arr) as i64).div_euclid(86_400);
            let min_days = (arr_day - day + 1).max(2);
            let days = min_days + rng.below((15 - min_days).max(1) as u64) as i64;
            let mut rlocal = (day + days) * 86_400 + self.local_time_of_day(rng, long_haul);
            let mut rdep = dz.local_to_utc(rlocal);
            while rdep < arr + 12 * 3_600 {
                rlocal += 86_400;
                rdep = dz.local_to_utc(rlocal);
            }
            let mut rpts = pts;
            rpts[..=nseg].reverse();
            let rdur = self.trip_minutes(rng, &rpts[..=nseg], &mut ret_layovers, &mut ret_blocks);
            let rarr = rdep + rdur as i64 * 60;
            Some((rdep, dz.at(rdep), rarr, oz.at(rarr)))
        } else {
            None
        };

        // Price: log-normal around a base growing with distance and cabin.
        let mut usd = 45.0 + 0.085 * direct as f64;
        usd *= [1.0, 0.88, 0.8][stops as usize];
        usd *= CABINS[cabin as usize].2;
        if low_cost {
            usd *= 0.72;
        }
        if provider == 2 {
            usd *= 0.95; // kiwi
        }
        if round_trip {
            usd *= 1.85;
        }
        usd = (usd * rng.lognormal(1.0, 0.3)).max(29.0);
        let local_cur = AIRPORTS[origin as usize].currency;
        let currency = if local_cur != Currency::Usd && rng.chance(0.45) {
            local_cur
        } else if rng.chance(0.02) {
            Currency::Eur
        } else {
            Currency::Usd
        };
        let amount = usd * currency.per_usd();
        let price_minor = if currency == Currency::Jpy {
            math::round_i64(amount * 0.1) as u64 * 10
        } else {
            math::round_i64(amount * 100.0) as u64
        };

        // Optional attributes.
        let seats = if rng.chance(0.10) {
            None
        } else if rng.chance(0.35) {
            Some(9)
        } else {
            Some(1 + rng.below(8) as u8)
        };
        let bags = if rng.chance(0.08) {
            None
        } else {
            let u = rng.f64();
            Some(match (cabin, low_cost) {
                (0, true) => u8::from(u > 0.8),
                (0, false) => {
                    if u < 0.4 {
                        0
                    } else if u < 0.85 {
                        1
                    } else {
                        2
                    }
                }
                (1, _) => 1 + u8::from(u < 0.5),
                _ => 1 + u8::from(u < 0.9),
            })
        };
        let refundable = if rng.chance(0.15) {
            None
        } else {
            Some(rng.chance([0.12, 0.2, 0.35, 0.5][cabin as usize]))
        };
        let co2_kg = if rng.chance(0.12) {
            None
        } else {
            let mut flown = 0u32;
            for s in 0..nseg {
                flown += self.dist(pts[s], pts[s + 1]);
            }
            let per_km = [0.085, 0.13, 0.25, 0.34][cabin as usize];
            let legs = if round_trip { 2.0 } else { 1.0 };
            let kg = (flown as f64 * per_km + 12.0 * nseg as f64) * legs * (0.9 + 0.2 * rng.f64());
            Some(math::round_i64(kg) as u32)
        };

        Offer {
            provider,
            row,
            origin,
            dest,
            dep,
            dep_off: oz.at(dep),
            arr,
            arr_off: dz.at(arr),
            duration_min,
            stops,
            via,
            carriers,
            flight_numbers,
            layovers,
            cabin,
            price_minor,
            currency,
            seats,
            bags,
            refundable,
            co2_kg,
            ret,
            blocks,
            ret_blocks,
            ret_layovers,
        }
    }

    /// The flight number of `carrier` on `a -> b` in one of a few variants
    /// (a route is flown at several times of day).
    #[inline]
    fn flight_number(&self, carrier: u8, a: u8, b: u8, variant: u64) -> u16 {
        let key = (carrier as u64) << 24 | (a as u64) << 16 | (b as u64) << 8 | variant;
        let h = mix64(key ^ 0x0F11_6475_1F75_0000);
        if self.dist(a, b) >= 3_000 {
            1 + (h % 999) as u16
        } else {
            100 + (h % 9_900) as u16
        }
    }

    /// Local departure time of day in seconds: waves of departures through the
    /// day, long-haul skewed to the evening; minutes are multiples of 5.
    #[inline]
    fn local_time_of_day(&self, rng: &mut Rng, long_haul: bool) -> i64 {
        let table = if long_haul {
            &self.hour_long
        } else {
            &self.hour_short
        };
        let hour = table.pick(rng) as i64;
        let minute = 5 * rng.below(12) as i64;
        hour * 3_600 + minute * 60
    }

    /// Total trip minutes through `pts` (block times plus layovers), filling
    /// one block time per segment and one layover per connection.
    fn trip_minutes(
        &self,
        rng: &mut Rng,
        pts: &[u8],
        layovers: &mut [u16; 2],
        blocks: &mut [u16; MAX_SEGS],
    ) -> u32 {
        let mut total = 0u32;
        for s in 0..pts.len() - 1 {
            let km = self.dist(pts[s], pts[s + 1]) as f64;
            let air = km / 800.0 * 60.0 * (0.96 + 0.08 * rng.f64());
            let block = round5(30.0 + air);
            blocks[s] = block as u16;
            total += block;
            if s + 2 < pts.len() {
                let lay = if rng.chance(0.03) {
                    480 + 5 * rng.below(85) as u32
                } else {
                    round5(rng.lognormal(100.0, 0.5)).clamp(35, 900)
                };
                layovers[s] = lay as u16;
                total += lay;
            }
        }
        total
    }
}

/// Walker/Vose alias table: O(1) weighted sampling from one `u64`, built
/// with integer arithmetic only (so it is exactly reproducible).
struct Alias {
    /// Keep index `i` when the low 32 bits of the draw are below `keep[i]`.
    keep: Vec<u64>,
    alias: Vec<u8>,
}

impl Alias {
    fn new(weights: impl IntoIterator<Item = u32>) -> Alias {
        let w: Vec<u64> = weights.into_iter().map(u64::from).collect();
        let n = w.len() as u64;
        let total: u64 = w.iter().sum();
        assert!(n > 0 && n <= 256 && total > 0);
        // Scaled so that the average bucket holds exactly `total`.
        let mut p: Vec<u64> = w.iter().map(|&x| x * n).collect();
        let mut keep = vec![total; w.len()];
        let mut alias: Vec<u8> = (0..w.len()).map(|i| i as u8).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..w.len()).partition(|&i| p[i] < total);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            keep[s] = p[s];
            alias[s] = l as u8;
            p[l] -= total - p[s];
            if p[l] < total {
                large.pop();
                small.push(l);
            }
        }
        let keep = keep.iter().map(|&k| (k << 32) / total).collect();
        Alias { keep, alias }
    }

    #[inline]
    fn pick(&self, rng: &mut Rng) -> usize {
        let x = rng.next_u64();
        let i = (((x >> 32) * self.keep.len() as u64) >> 32) as usize;
        if (x & 0xffff_ffff) < self.keep[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

fn padded(name: &str) -> ([u8; 16], usize) {
    let mut b = [0u8; 16];
    b[..name.len()].copy_from_slice(name.as_bytes());
    (b, name.len())
}

#[inline]
fn round5(minutes: f64) -> u32 {
    math::round_i64(minutes * 0.2) as u32 * 5
}

// ---------------------------------------------------------------------------
// Offers and formatting

/// One generated offer; plain data, no heap.
struct Offer {
    provider: u8,
    row: u64,
    origin: u8,
    dest: u8,
    dep: i64,
    dep_off: i32,
    arr: i64,
    arr_off: i32,
    duration_min: u32,
    stops: u8,
    via: [u8; 2],
    carriers: [u8; MAX_SEGS],
    flight_numbers: [u16; MAX_SEGS],
    layovers: [u16; 2],
    cabin: u8,
    /// Cents, or whole yen for JPY.
    price_minor: u64,
    currency: Currency,
    seats: Option<u8>,
    bags: Option<u8>,
    refundable: Option<bool>,
    co2_kg: Option<u32>,
    /// Return departure and arrival instants with their offsets.
    ret: Option<(i64, i32, i64, i32)>,
    /// Block minutes of each outbound segment (the provider formats list
    /// segments; the canonical ones only need the total).
    blocks: [u16; MAX_SEGS],
    /// Block minutes and layovers of the return, over the same airports in
    /// reverse (round trips only).
    ret_blocks: [u16; MAX_SEGS],
    ret_layovers: [u16; 2],
}

const DIGITS2: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

#[inline]
fn digits2(v: u32) -> [u8; 2] {
    let i = (v as usize % 100) * 2;
    [DIGITS2[i], DIGITS2[i + 1]]
}

/// Output chunk handed to the writer at a time.
const CHUNK: usize = 1 << 20;

/// Upper bound of one formatted line (NDJSON lines stay under ~600 bytes).
const LINE_MAX: usize = 1024;

/// One output line, formatted on the stack and then appended to the output
/// buffer with a single copy.
struct Line {
    b: [u8; LINE_MAX],
    n: usize,
}

impl Line {
    fn new() -> Line {
        Line {
            b: [0; LINE_MAX],
            n: 0,
        }
    }

    #[inline(always)]
    fn byte(&mut self, c: u8) {
        self.b[self.n] = c;
        self.n += 1;
    }

    #[inline(always)]
    fn put(&mut self, s: &[u8]) {
        self.b[self.n..self.n + s.len()].copy_from_slice(s);
        self.n += s.len();
    }

    /// A single decimal digit.
    #[inline(always)]
    fn digit(&mut self, v: u8) {
        debug_assert!(v < 10);
        self.byte(b'0' + v);
    }

    /// Copies all 16 bytes of a padded name, then keeps only its length: a
    /// fixed-size copy is cheaper than a variable-length `memcpy` call.
    #[inline(always)]
    fn put_padded(&mut self, s: &[u8; 16], len: usize) {
        self.b[self.n..self.n + 16].copy_from_slice(s);
        self.n += len;
    }

    #[inline]
    fn as_bytes(&self) -> &[u8] {
        &self.b[..self.n]
    }
}

/// Where formatting helpers write: a canonical [`Line`] or a provider page.
trait Sink {
    fn byte(&mut self, c: u8);
    fn put(&mut self, s: &[u8]);
}

impl Sink for Line {
    #[inline(always)]
    fn byte(&mut self, c: u8) {
        Line::byte(self, c)
    }
    #[inline(always)]
    fn put(&mut self, s: &[u8]) {
        Line::put(self, s)
    }
}

impl Sink for Vec<u8> {
    #[inline(always)]
    fn byte(&mut self, c: u8) {
        self.push(c)
    }
    #[inline(always)]
    fn put(&mut self, s: &[u8]) {
        self.extend_from_slice(s)
    }
}

#[inline]
fn push_int<I: itoa::Integer>(buf: &mut impl Sink, v: I) {
    let mut b = itoa::Buffer::new();
    buf.put(b.format(v).as_bytes());
}

#[inline]
fn push_offer_id(buf: &mut impl Sink, o: &Offer) {
    buf.put(PROVIDERS[o.provider as usize].1.as_bytes());
    buf.byte(b'-');
    let mut b = itoa::Buffer::new();
    let s = b.format(o.row + 1).as_bytes();
    for _ in s.len()..9 {
        buf.byte(b'0');
    }
    buf.put(s);
}

#[inline]
fn push_price(buf: &mut impl Sink, o: &Offer) {
    push_money(buf, o.price_minor, o.currency);
}

/// An amount in minor units (cents; whole yen for JPY) as a decimal text.
#[inline]
fn push_money(buf: &mut impl Sink, minor: u64, currency: Currency) {
    if currency == Currency::Jpy {
        push_int(buf, minor);
    } else {
        push_int(buf, minor / 100);
        buf.byte(b'.');
        buf.put(&digits2((minor % 100) as u32));
    }
}

#[inline]
fn push_opt_int<I: itoa::Integer>(buf: &mut Line, v: Option<I>) {
    match v {
        Some(v) => push_int(buf, v),
        None => buf.put(b"null"),
    }
}

#[inline]
fn push_opt_digit(buf: &mut Line, v: Option<u8>) {
    match v {
        Some(v) => buf.digit(v),
        None => buf.put(b"null"),
    }
}

#[inline]
fn push_key(buf: &mut Line, key: &str) {
    buf.put(b",\"");
    buf.put(key.as_bytes());
    buf.put(b"\":");
}

#[inline]
fn push_str(buf: &mut impl Sink, s: &[u8]) {
    buf.byte(b'"');
    buf.put(s);
    buf.byte(b'"');
}

impl Tables {
    #[inline(always)]
    fn put_name(&self, buf: &mut Line, name: &([u8; 16], usize)) {
        buf.put_padded(&name.0, name.1);
    }

    /// RFC 3339 local time with numeric offset, e.g. `2026-12-01T06:35:00-05:00`.
    #[inline]
    fn push_timestamp(&self, buf: &mut Line, utc: i64, offset: i32) {
        buf.put(&self.timestamp(utc, offset));
    }

    /// The text of [`Tables::push_timestamp`]; its first 19 bytes are the local time.
    #[inline]
    fn timestamp(&self, utc: i64, offset: i32) -> [u8; 25] {
        let local = utc + offset as i64;
        let days = local.div_euclid(86_400);
        let sod = local.rem_euclid(86_400) as u32;
        let a = offset.unsigned_abs() / 60;
        let mut t = *b"YYYY-MM-DDTHH:MM:SS+HH:MM";
        t[..10].copy_from_slice(&self.dates[(days - DATE_TABLE_FIRST) as usize]);
        t[11..13].copy_from_slice(&digits2(sod / 3_600));
        t[14..16].copy_from_slice(&digits2(sod / 60 % 60));
        t[17..19].copy_from_slice(&digits2(sod % 60));
        t[19] = if offset < 0 { b'-' } else { b'+' };
        t[20..22].copy_from_slice(&digits2(a / 60));
        t[23..25].copy_from_slice(&digits2(a % 60));
        t
    }

    #[inline]
    fn push_quoted_timestamp(&self, buf: &mut Line, utc: i64, offset: i32) {
        buf.byte(b'"');
        self.push_timestamp(buf, utc, offset);
        buf.byte(b'"');
    }

    #[inline]
    fn push_flight_number(&self, buf: &mut Line, o: &Offer, s: usize) {
        buf.put(&self.al_code[o.carriers[s] as usize]);
        push_int(buf, o.flight_numbers[s]);
    }

    fn write_csv(&self, buf: &mut Line, o: &Offer) {
        let nseg = o.stops as usize + 1;
        self.put_name(buf, &self.provider_name[o.provider as usize]);
        buf.byte(b',');
        push_offer_id(buf, o);
        buf.byte(b',');
        buf.put(&self.ap_code[o.origin as usize]);
        buf.byte(b',');
        buf.put(&self.ap_code[o.dest as usize]);
        buf.byte(b',');
        self.push_timestamp(buf, o.dep, o.dep_off);
        buf.byte(b',');
        self.push_timestamp(buf, o.arr, o.arr_off);
        buf.byte(b',');
        push_int(buf, o.duration_min);
        buf.byte(b',');
        buf.digit(o.stops);
        buf.byte(b',');
        for s in 0..o.stops as usize {
            if s > 0 {
                buf.byte(b';');
            }
            buf.put(&self.ap_code[o.via[s] as usize]);
        }
        buf.byte(b',');
        for s in 0..nseg {
            if s > 0 {
                buf.byte(b';');
            }
            buf.put(&self.al_code[o.carriers[s] as usize]);
        }
        buf.byte(b',');
        for s in 0..nseg {
            if s > 0 {
                buf.byte(b';');
            }
            self.push_flight_number(buf, o, s);
        }
        buf.byte(b',');
        for s in 0..o.stops as usize {
            if s > 0 {
                buf.byte(b';');
            }
            push_int(buf, o.layovers[s]);
        }
        buf.byte(b',');
        self.put_name(buf, &self.cabin_name[o.cabin as usize]);
        buf.byte(b',');
        push_price(buf, o);
        buf.byte(b',');
        buf.put(o.currency.code());
        buf.byte(b',');
        if let Some(v) = o.seats {
            buf.digit(v);
        }
        buf.byte(b',');
        if let Some(v) = o.bags {
            buf.digit(v);
        }
        buf.byte(b',');
        if let Some(v) = o.refundable {
            buf.put(if v { b"true" } else { b"false" });
        }
        buf.byte(b',');
        if let Some(v) = o.co2_kg {
            push_int(buf, v);
        }
        buf.byte(b',');
        if let Some((rd, rdo, ra, rao)) = o.ret {
            self.push_timestamp(buf, rd, rdo);
            buf.byte(b',');
            self.push_timestamp(buf, ra, rao);
        } else {
            buf.byte(b',');
        }
        buf.byte(b'\n');
    }

    fn write_ndjson(&self, buf: &mut Line, o: &Offer) {
        let nseg = o.stops as usize + 1;
        buf.put(b"{\"provider\":");
        buf.byte(b'"');
        self.put_name(buf, &self.provider_name[o.provider as usize]);
        buf.byte(b'"');
        push_key(buf, "offer_id");
        buf.byte(b'"');
        push_offer_id(buf, o);
        buf.byte(b'"');
        push_key(buf, "origin");
        push_str(buf, &self.ap_code[o.origin as usize]);
        push_key(buf, "destination");
        push_str(buf, &self.ap_code[o.dest as usize]);
        push_key(buf, "departure");
        self.push_quoted_timestamp(buf, o.dep, o.dep_off);
        push_key(buf, "arrival");
        self.push_quoted_timestamp(buf, o.arr, o.arr_off);
        push_key(buf, "duration_min");
        push_int(buf, o.duration_min);
        push_key(buf, "stops");
        buf.digit(o.stops);
        push_key(buf, "via");
        buf.byte(b'[');
        for s in 0..o.stops as usize {
            if s > 0 {
                buf.byte(b',');
            }
            push_str(buf, &self.ap_code[o.via[s] as usize]);
        }
        buf.byte(b']');
        push_key(buf, "carriers");
        buf.byte(b'[');
        for s in 0..nseg {
            if s > 0 {
                buf.byte(b',');
            }
            push_str(buf, &self.al_code[o.carriers[s] as usize]);
        }
        buf.byte(b']');
        push_key(buf, "flight_numbers");
        buf.byte(b'[');
        for s in 0..nseg {
            if s > 0 {
                buf.byte(b',');
            }
            buf.byte(b'"');
            self.push_flight_number(buf, o, s);
            buf.byte(b'"');
        }
        buf.byte(b']');
        push_key(buf, "layover_min");
        buf.byte(b'[');
        for s in 0..o.stops as usize {
            if s > 0 {
                buf.byte(b',');
            }
            push_int(buf, o.layovers[s]);
        }
        buf.byte(b']');
        push_key(buf, "cabin");
        buf.byte(b'"');
        self.put_name(buf, &self.cabin_name[o.cabin as usize]);
        buf.byte(b'"');
        push_key(buf, "price");
        push_price(buf, o);
        push_key(buf, "currency");
        push_str(buf, o.currency.code());
        push_key(buf, "seats");
        push_opt_digit(buf, o.seats);
        push_key(buf, "bags");
        push_opt_digit(buf, o.bags);
        push_key(buf, "refundable");
        buf.put(match o.refundable {
            Some(true) => b"true",
            Some(false) => b"false",
            None => b"null",
        });
        push_key(buf, "co2_kg");
        push_opt_int(buf, o.co2_kg);
        match o.ret {
            Some((rd, rdo, ra, rao)) => {
                push_key(buf, "return_departure");
                self.push_quoted_timestamp(buf, rd, rdo);
                push_key(buf, "return_arrival");
                self.push_quoted_timestamp(buf, ra, rao);
            }
            None => buf.put(b",\"return_departure\":null,\"return_arrival\":null"),
        }
        buf.put(b"}\n");
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod pages_tests;
