//! One offer drawn from the world's tables.
//!
//! An [`Offer`] is plain data (indices into the tables, instants, minor units): the
//! canonical record and every provider page are written from it, so they describe
//! the same offer.

use super::data::{Currency, AIRLINES, AIRPORTS, CABINS, PROVIDERS};
use super::math::{self, mix64, Rng};
use super::world::{digits2, round5, Tables, DEPARTURE_DAYS, FIRST_DAY, MAX_SEGS, NA};
use crate::record::{Cabin, Code, Flight, FlightNumber, Price, Stamp};

/// One generated offer; plain data, no heap.
#[derive(Default)]
pub(super) struct Offer {
    pub(super) provider: u8,
    pub(super) row: u64,
    pub(super) origin: u8,
    pub(super) dest: u8,
    pub(super) dep: i64,
    pub(super) dep_off: i32,
    pub(super) arr: i64,
    pub(super) arr_off: i32,
    pub(super) duration_min: u32,
    pub(super) stops: u8,
    pub(super) via: [u8; 2],
    pub(super) carriers: [u8; MAX_SEGS],
    pub(super) flight_numbers: [u16; MAX_SEGS],
    pub(super) layovers: [u16; 2],
    pub(super) cabin: u8,
    /// Cents, or whole yen for JPY.
    pub(super) price_minor: u64,
    pub(super) currency: Currency,
    pub(super) seats: Option<u8>,
    pub(super) bags: Option<u8>,
    pub(super) refundable: Option<bool>,
    pub(super) co2_kg: Option<u32>,
    /// Return departure and arrival instants with their offsets.
    pub(super) ret: Option<(i64, i32, i64, i32)>,
    /// Block minutes of each outbound segment (the provider formats list
    /// segments; the canonical ones only need the total).
    pub(super) blocks: [u16; MAX_SEGS],
    /// Block minutes and layovers of the return, over the same airports in
    /// reverse (round trips only).
    pub(super) ret_blocks: [u16; MAX_SEGS],
    pub(super) ret_layovers: [u16; 2],
}

impl Offer {
    /// The airports the offer touches outbound, in order (`..=segments` of them),
    /// and its number of segments.
    pub(super) fn points(&self) -> ([u8; MAX_SEGS + 1], usize) {
        let nseg = self.stops as usize + 1;
        let mut pts = [self.origin; MAX_SEGS + 1];
        pts[1..nseg].copy_from_slice(&self.via[..self.stops as usize]);
        pts[nseg] = self.dest;
        (pts, nseg)
    }
}

impl Tables {
    /// Draws offer number `row`. The steps below draw from `rng` in this fixed
    /// order, each filling its part of the offer from what the earlier ones chose:
    /// reordering or adding a draw changes every offer after it, and with them the
    /// committed sample dumps.
    pub(super) fn offer(&self, rng: &mut Rng, row: u64) -> Offer {
        let mut o = Offer {
            provider: self.provider.pick(rng) as u8,
            row,
            ..Offer::default()
        };
        self.draw_route(rng, &mut o);
        self.draw_connections(rng, &mut o);
        let primary = self.draw_carriers(rng, &mut o);
        self.draw_flight_numbers(rng, &mut o);
        let long_haul = self.dist(o.origin, o.dest) >= 6_000;
        let day = self.draw_outbound_times(rng, &mut o, long_haul);
        // Low-cost carriers sell no business or first, and are cheaper.
        let low_cost = AIRLINES[primary as usize].domestic;
        self.draw_cabin(rng, &mut o, low_cost);
        self.draw_return(rng, &mut o, day, long_haul);
        self.draw_price(rng, &mut o, low_cost);
        self.draw_extras(rng, &mut o, low_cost);
        o
    }

    /// Origin and destination: one of the busy city pairs now and then, else an
    /// origin by traffic and a destination by the gravity model.
    fn draw_route(&self, rng: &mut Rng, o: &mut Offer) {
        (o.origin, o.dest) = if rng.chance(0.06) {
            self.popular[rng.pick_cum(&self.popular_cum)]
        } else {
            let origin = self.origin.pick(rng);
            (origin as u8, self.dest[origin].pick(rng) as u8)
        };
    }

    /// Stops and the hubs they go through: long-haul connects more often, beyond
    /// ~15,400 km always; a second connection must keep the detour small.
    fn draw_connections(&self, rng: &mut Rng, o: &mut Offer) {
        let (origin, dest) = (o.origin, o.dest);
        let direct = self.dist(origin, dest);
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
        (o.stops, o.via) = (stops, via);
    }

    /// The carrier of each segment; returns the primary one. A primary weighted by
    /// market share times its weakest segment; partners of the same alliance may
    /// operate some segments, and a segment no partner serves is interlined. Only
    /// carriers plausible on the first segment are considered (the weakest-link
    /// score of any other is negligible anyway).
    fn draw_carriers(&self, rng: &mut Rng, o: &mut Offer) -> u8 {
        let (pts, nseg) = o.points();
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
            let swap = o.stops > 0 && rng.chance(0.08);
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
        o.carriers = carriers;
        primary
    }

    /// Each segment's flight number: its carrier's on that route, in one of a few
    /// variants.
    fn draw_flight_numbers(&self, rng: &mut Rng, o: &mut Offer) {
        let (pts, nseg) = o.points();
        for s in 0..nseg {
            let variant = rng.below(3);
            o.flight_numbers[s] = self.flight_number(o.carriers[s], pts[s], pts[s + 1], variant);
        }
    }

    /// The departure date and local time, each segment's block time and each
    /// layover; returns the departure day (days since the epoch).
    fn draw_outbound_times(&self, rng: &mut Rng, o: &mut Offer, long_haul: bool) -> i64 {
        let (pts, nseg) = o.points();
        let day = FIRST_DAY + rng.below(DEPARTURE_DAYS) as i64;
        let local = day * 86_400 + self.local_time_of_day(rng, long_haul);
        let (oz, dz) = (&self.zones[o.origin as usize], &self.zones[o.dest as usize]);
        o.dep = oz.local_to_utc(local);
        o.duration_min = self.trip_minutes(rng, &pts[..=nseg], &mut o.layovers, &mut o.blocks);
        o.arr = o.dep + o.duration_min as i64 * 60;
        (o.dep_off, o.arr_off) = (oz.at(o.dep), dz.at(o.arr));
        day
    }

    fn draw_cabin(&self, rng: &mut Rng, o: &mut Offer, low_cost: bool) {
        o.cabin = self.cabin.pick(rng) as u8;
        if low_cost && o.cabin >= 2 {
            o.cabin = 1;
        }
    }

    /// Whether the offer is a round trip, and then its return: 2..=14 days after
    /// the departure date, on a date after the arrival date and at least 12 hours
    /// after arrival, over the same airports in reverse.
    fn draw_return(&self, rng: &mut Rng, o: &mut Offer, day: i64, long_haul: bool) {
        if !rng.chance(0.30) {
            return;
        }
        let (oz, dz) = (&self.zones[o.origin as usize], &self.zones[o.dest as usize]);
        let arr_day = (o.arr + o.arr_off as i64).div_euclid(86_400);
        let min_days = (arr_day - day + 1).max(2);
        let days = min_days + rng.below((15 - min_days).max(1) as u64) as i64;
        let mut rlocal = (day + days) * 86_400 + self.local_time_of_day(rng, long_haul);
        let mut rdep = dz.local_to_utc(rlocal);
        while rdep < o.arr + 12 * 3_600 {
            rlocal += 86_400;
            rdep = dz.local_to_utc(rlocal);
        }
        let (mut rpts, nseg) = o.points();
        rpts[..=nseg].reverse();
        let rdur = self.trip_minutes(rng, &rpts[..=nseg], &mut o.ret_layovers, &mut o.ret_blocks);
        let rarr = rdep + rdur as i64 * 60;
        o.ret = Some((rdep, dz.at(rdep), rarr, oz.at(rarr)));
    }

    /// The price: log-normal around a base growing with distance and cabin, in
    /// dollars or now and then the origin's own currency.
    fn draw_price(&self, rng: &mut Rng, o: &mut Offer, low_cost: bool) {
        let mut usd = 45.0 + 0.085 * self.dist(o.origin, o.dest) as f64;
        usd *= [1.0, 0.88, 0.8][o.stops as usize];
        usd *= CABINS[o.cabin as usize].2;
        if low_cost {
            usd *= 0.72;
        }
        if o.provider == 2 {
            usd *= 0.95; // kiwi
        }
        if o.ret.is_some() {
            usd *= 1.85;
        }
        usd = (usd * rng.lognormal(1.0, 0.3)).max(29.0);
        let local_cur = AIRPORTS[o.origin as usize].currency;
        o.currency = if local_cur != Currency::Usd && rng.chance(0.45) {
            local_cur
        } else if rng.chance(0.02) {
            Currency::Eur
        } else {
            Currency::Usd
        };
        let amount = usd * o.currency.per_usd();
        o.price_minor = if o.currency == Currency::Jpy {
            math::round_i64(amount * 0.1) as u64 * 10
        } else {
            math::round_i64(amount * 100.0) as u64
        };
    }

    /// What may be unknown: seats left, included bags, refundability, emissions.
    fn draw_extras(&self, rng: &mut Rng, o: &mut Offer, low_cost: bool) {
        o.seats = if rng.chance(0.10) {
            None
        } else if rng.chance(0.35) {
            Some(9)
        } else {
            Some(1 + rng.below(8) as u8)
        };
        o.bags = if rng.chance(0.08) {
            None
        } else {
            let u = rng.f64();
            Some(match (o.cabin, low_cost) {
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
        o.refundable = if rng.chance(0.15) {
            None
        } else {
            Some(rng.chance([0.12, 0.2, 0.35, 0.5][o.cabin as usize]))
        };
        o.co2_kg = if rng.chance(0.12) {
            None
        } else {
            let (pts, nseg) = o.points();
            let mut flown = 0u32;
            for s in 0..nseg {
                flown += self.dist(pts[s], pts[s + 1]);
            }
            let per_km = [0.085, 0.13, 0.25, 0.34][o.cabin as usize];
            let legs = if o.ret.is_some() { 2.0 } else { 1.0 };
            let kg = (flown as f64 * per_km + 12.0 * nseg as f64) * legs * (0.9 + 0.2 * rng.f64());
            Some(math::round_i64(kg) as u32)
        };
    }

    /// The flight number of `carrier` on `a -> b` in one of a few variants
    /// (a route is flown at several times of day).
    #[inline]
    pub(super) fn flight_number(&self, carrier: u8, a: u8, b: u8, variant: u64) -> u16 {
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
    pub(super) fn local_time_of_day(&self, rng: &mut Rng, long_haul: bool) -> i64 {
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
    pub(super) fn trip_minutes(
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

// ---------------------------------------------------------------------------
// The canonical record of an offer, and the texts the provider pages share with it

impl Tables {
    /// Writes the canonical record of `o` into `f`, reusing its buffers: the
    /// canonical dump is this record as [`crate::encode`] writes it.
    pub(super) fn flight(&self, o: &Offer, f: &mut Flight) {
        f.clear();
        let nseg = o.stops as usize + 1;
        let stamp = |utc: i64, offset: i32| Stamp {
            local: utc + offset as i64,
            offset,
        };
        f.provider.push_str(PROVIDERS[o.provider as usize].0);
        offer_id(o, |piece| f.offer_id.push_str(piece));
        f.origin = Code(self.ap_code[o.origin as usize]);
        f.destination = Code(self.ap_code[o.dest as usize]);
        f.departure = stamp(o.dep, o.dep_off);
        f.arrival = stamp(o.arr, o.arr_off);
        f.duration_min = o.duration_min;
        f.stops = o.stops as u32;
        for &via in &o.via[..o.stops as usize] {
            f.via.push(Code(self.ap_code[via as usize]));
        }
        for s in 0..nseg {
            let carrier = self.al_code[o.carriers[s] as usize];
            f.carriers.push(Code(carrier));
            f.flight_numbers
                .push(designator(carrier, o.flight_numbers[s]));
        }
        for &layover in &o.layovers[..o.stops as usize] {
            f.layover_min.push(layover as u32);
        }
        f.cabin = Some(Cabin::ALL[o.cabin as usize]);
        f.price = match o.currency {
            // Whole yen, no decimals.
            Currency::Jpy => Price {
                micros: o.price_minor as i64 * 1_000_000,
                scale: 0,
            },
            _ => Price {
                micros: o.price_minor as i64 * 10_000,
                scale: 2,
            },
        };
        f.currency = Code(*o.currency.code());
        f.seats = o.seats.map(u32::from);
        f.bags = o.bags.map(u32::from);
        f.refundable = o.refundable;
        f.co2_kg = o.co2_kg;
        if let Some((rdep, rdep_off, rarr, rarr_off)) = o.ret {
            f.return_departure = Some(stamp(rdep, rdep_off));
            f.return_arrival = Some(stamp(rarr, rarr_off));
        }
    }
}

/// The designator of flight `number` of `carrier` (`AA100`).
fn designator(carrier: [u8; 2], number: u16) -> FlightNumber {
    let mut text = [0u8; 7];
    text[..2].copy_from_slice(&carrier);
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(number).as_bytes();
    text[2..2 + digits.len()].copy_from_slice(digits);
    FlightNumber::parse(&text[..2 + digits.len()]).expect("a 2-character code and 1-4 digits")
}

/// An offer's id, in pieces: its provider's prefix and its 1-based row, at least 9
/// digits (`sa-000000001`). Pieces, so that a `String` and a page take them without
/// a UTF-8 check.
fn offer_id(o: &Offer, mut put: impl FnMut(&str)) {
    put(PROVIDERS[o.provider as usize].1);
    put("-");
    let mut row = itoa::Buffer::new();
    let row = row.format(o.row + 1);
    put(&"000000000"[row.len().min(9)..]);
    put(row);
}

#[inline]
pub(super) fn push_offer_id(out: &mut Vec<u8>, o: &Offer) {
    offer_id(o, |piece| out.extend_from_slice(piece.as_bytes()));
}

#[inline]
pub(super) fn push_int<I: itoa::Integer>(out: &mut Vec<u8>, v: I) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// An amount in minor units (cents; whole yen for JPY) as a decimal text, as the
/// canonical record's price writes it.
#[inline]
pub(super) fn push_money(out: &mut Vec<u8>, minor: u64, currency: Currency) {
    if currency == Currency::Jpy {
        push_int(out, minor);
    } else {
        push_int(out, minor / 100);
        out.push(b'.');
        out.extend_from_slice(&digits2((minor % 100) as u32));
    }
}
