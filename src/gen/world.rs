//! The generator's world: airports, airlines and the tables drawn from them.
//!
//! Everything here is computed once per run from the hand-written data in
//! `data.rs` ([`Tables::new`]): distances, time-zone offsets over the generation
//! window, weighted samplers (origins, destinations by a gravity model, connection
//! hubs, plausible carriers per segment, cabins, departure hours) and the fixed-size
//! codes and dates the writers copy. Drawing one offer from these tables is `offer.rs`.

use super::data::{self, Alliance, AIRLINES, AIRPORTS, CABINS, POPULAR_ROUTES, PROVIDERS};
use super::math::{self, cumulative, days_from_civil, great_circle_km, Rng};

// ---------------------------------------------------------------------------
// Time zones

/// 2026-11-01T00:00:00Z: start of the window covered by the offset caches.
pub(super) const WINDOW_START: i64 = days_from_civil(2026, 11, 1) * 86_400;
/// 2027-06-01T00:00:00Z: end of that window (all generated instants fall well
/// before it: departures end 2027-02-28, returns at most ~16 days later).
pub(super) const WINDOW_END: i64 = days_from_civil(2027, 6, 1) * 86_400;
/// First departure date, 2026-12-01, in days since the Unix epoch.
pub(super) const FIRST_DAY: i64 = days_from_civil(2026, 12, 1);
/// Departure dates span 2026-12-01 ..= 2027-02-28.
pub(super) const DEPARTURE_DAYS: u64 = (days_from_civil(2027, 3, 1) - FIRST_DAY) as u64;

/// UTC offsets of one zone over the generation window: the offset at the
/// window start plus every transition inside the window.
pub(super) struct ZoneOffsets {
    pub(super) initial: i32,
    pub(super) transitions: Vec<(i64, i32)>,
}

impl ZoneOffsets {
    pub(super) fn new(db: &jiff::tz::TimeZoneDatabase, name: &str) -> ZoneOffsets {
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
    pub(super) fn at(&self, t: i64) -> i32 {
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
    pub(super) fn local_to_utc(&self, local: i64) -> i64 {
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

pub(super) const MAX_SEGS: usize = 3;
/// Number of airlines.
pub(super) const NA: usize = AIRLINES.len();

pub(super) struct Tables {
    pub(super) n: usize,
    /// Great-circle distance in whole km, `n * n`.
    pub(super) dist: Vec<u32>,
    pub(super) zones: Vec<ZoneOffsets>,
    pub(super) origin: Alias,
    /// Per origin, destination sampler (gravity model).
    pub(super) dest: Vec<Alias>,
    pub(super) popular: Vec<(u8, u8)>,
    pub(super) popular_cum: Vec<u32>,
    /// Connection candidates of pair `(a, b)`:
    /// `via_ap[via_start[a*n+b]..via_start[a*n+b+1]]`, with cumulative weights.
    pub(super) via_start: Vec<u32>,
    pub(super) via_ap: Vec<u8>,
    pub(super) via_cum: Vec<u32>,
    /// How plausibly airline `k` serves airport `a`: `aff[a][k]`.
    pub(super) aff: Vec<[f32; NA]>,
    /// Country ids of airports and airlines (for the cabotage rule).
    pub(super) ap_country: Vec<u8>,
    pub(super) al_country: [u8; NA],
    pub(super) airline_weight: [f32; NA],
    /// Per airline, the indices of its alliance (itself included).
    pub(super) alliance_members: Vec<Vec<u8>>,
    /// Plausible carriers of pair `(a, b)`: `cand[cand_start[a*n+b]..cand_start[a*n+b+1]]`.
    pub(super) cand_start: Vec<u32>,
    pub(super) cand: Vec<u8>,
    /// Weighted score of each candidate on that segment alone, and their sum.
    pub(super) cand_w: Vec<f32>,
    pub(super) cand_total: Vec<f32>,
    pub(super) provider: Alias,
    pub(super) cabin: Alias,
    /// Local departure hour: short/medium haul and long haul.
    pub(super) hour_short: Alias,
    pub(super) hour_long: Alias,
    /// Fixed-size codes, so formatting copies them without a `memcpy` call.
    pub(super) ap_code: Vec<[u8; 3]>,
    pub(super) al_code: Vec<[u8; 2]>,
    /// `YYYY-MM-DD` for every local date from `DATE_TABLE_FIRST` on.
    pub(super) dates: Vec<[u8; 10]>,
}

/// First day of the `dates` table, a little before the window (local dates
/// west of UTC are earlier than UTC dates).
pub(super) const DATE_TABLE_FIRST: i64 = WINDOW_START / 86_400 - 2;
pub(super) const DATE_TABLE_LEN: usize = ((WINDOW_END - WINDOW_START) / 86_400 + 4) as usize;

pub(super) fn airport_index(code: &str) -> usize {
    AIRPORTS
        .iter()
        .position(|a| a.code == code)
        .unwrap_or_else(|| panic!("unknown airport {code}"))
}

/// How plausible it is for `airline` to serve airport `ap`: hub > home
/// country > home region > elsewhere; low-cost carriers stay home.
pub(super) fn affinity(airline: &data::Airline, ap: &data::Airport) -> f32 {
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
pub(super) fn seg_score(
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
    pub(super) fn new() -> Tables {
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
    pub(super) fn dist(&self, a: u8, b: u8) -> u32 {
        self.dist[a as usize * self.n + b as usize]
    }

    /// `YYYY-MM-DDTHH:MM:SS±HH:MM`, the local time of `utc` at `offset`, from the
    /// dates table (its first 19 bytes are the local wall-clock time).
    #[inline]
    pub(super) fn timestamp(&self, utc: i64, offset: i32) -> [u8; 25] {
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

    /// Picks a connection airport for `a -> b`, if any is plausible.
    #[inline]
    pub(super) fn pick_via(&self, rng: &mut Rng, a: u8, b: u8) -> Option<u8> {
        let p = a as usize * self.n + b as usize;
        let (s, e) = (self.via_start[p] as usize, self.via_start[p + 1] as usize);
        if s == e {
            return None;
        }
        Some(self.via_ap[s + rng.pick_cum(&self.via_cum[s..e])])
    }

    /// How plausibly airline `k` flies segment `a -> b`.
    #[inline]
    pub(super) fn seg_score(&self, a: u8, b: u8, k: usize) -> f32 {
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
    pub(super) fn pick_f32(rng: &mut Rng, weights: &[f32], total: f32) -> usize {
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
}

/// Walker/Vose alias table: O(1) weighted sampling from one `u64`, built
/// with integer arithmetic only (so it is exactly reproducible).
pub(super) struct Alias {
    /// Keep index `i` when the low 32 bits of the draw are below `keep[i]`.
    pub(super) keep: Vec<u64>,
    pub(super) alias: Vec<u8>,
}

impl Alias {
    pub(super) fn new(weights: impl IntoIterator<Item = u32>) -> Alias {
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
    pub(super) fn pick(&self, rng: &mut Rng) -> usize {
        let x = rng.next_u64();
        let i = (((x >> 32) * self.keep.len() as u64) >> 32) as usize;
        if (x & 0xffff_ffff) < self.keep[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

#[inline]
pub(super) fn round5(minutes: f64) -> u32 {
    math::round_i64(minutes * 0.2) as u32 * 5
}

const DIGITS2: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The last two decimal digits of `v`.
#[inline]
pub(super) fn digits2(v: u32) -> [u8; 2] {
    let i = (v as usize % 100) * 2;
    [DIGITS2[i], DIGITS2[i + 1]]
}
