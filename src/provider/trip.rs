//! The part of the mapping every provider shares: from segments, grouped by
//! direction, to the canonical route and time fields.
//!
//! | canonical | rule |
//! |---|---|
//! | origin, departure | first segment of the outbound direction |
//! | destination, arrival | last segment of the outbound direction |
//! | duration_min | outbound arrival − departure, in absolute time (the clock, not the stated duration) |
//! | return_departure, return_arrival | first / last segment of the return direction (round trips) |
//! | stops | connections (segments − 1) per direction, the maximum over directions |
//! | via | departure airport of every segment but the first of its direction, outbound then return |
//! | layover_min | departure − previous arrival inside a direction, in absolute time, same order as `via` |
//! | carriers, flight_numbers | marketing carrier and designator of every segment, outbound then return |
//! | cabin | lowest over segments; unknown if any segment's is |
//! | bags | lowest over segments: 0 if any segment has 0, else unknown if any is unknown |
//!
//! Technical stops (a stop inside one segment) are not connections and are left out.
//! Offers with more than two directions (multi-city) have no canonical form yet and
//! are a record error (`unsupported`).

use crate::error::RecordError;
use crate::record::{Airline, Airport, Cabin, Flight, FlightNumber, Stamp};

use super::decoder::DurationMismatch;

/// One flight, as a provider describes it, with both ends placed in time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seg {
    pub from: Airport,
    pub to: Airport,
    pub dep: Stamp,
    pub arr: Stamp,
    pub carrier: Airline,
    pub number: FlightNumber,
    pub cabin: Option<Cabin>,
    pub bags: Option<u32>,
}

/// The segments of one offer, reused from offer to offer.
#[derive(Debug, Default)]
pub(crate) struct Trip {
    segs: Vec<Seg>,
    /// Start index into `segs` and stated duration (seconds) of each direction.
    dirs: Vec<(usize, Option<i64>)>,
}

/// What [`Trip::finish`] found beyond the fields it wrote.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TripFacts {
    pub cabin: Option<Cabin>,
    pub bags: Option<u32>,
    pub mismatch: Option<DurationMismatch>,
}

impl Trip {
    pub fn clear(&mut self) {
        self.segs.clear();
        self.dirs.clear();
    }

    /// Starts a direction (outbound first) with its stated duration in seconds.
    pub fn direction(&mut self, stated_secs: Option<i64>) {
        self.dirs.push((self.segs.len(), stated_secs));
    }

    /// Adds a segment to the current direction.
    pub fn push(&mut self, seg: Seg) {
        debug_assert!(!self.dirs.is_empty());
        self.segs.push(seg);
    }

    /// Directions started so far.
    pub fn directions(&self) -> usize {
        self.dirs.len()
    }

    /// Segments of direction `d`.
    fn dir(&self, d: usize) -> &[Seg] {
        let start = self.dirs[d].0;
        let end = self.dirs.get(d + 1).map_or(self.segs.len(), |n| n.0);
        &self.segs[start..end]
    }

    /// Writes the route, time and list fields of `f` and aggregates cabin and bags.
    pub fn finish(&self, f: &mut Flight) -> Result<TripFacts, RecordError> {
        if self.dirs.is_empty() {
            return Err(RecordError::new(
                "departure",
                "missing",
                "the offer has no flights",
            ));
        }
        if self.dirs.len() > 2 {
            return Err(RecordError::record(
                "unsupported",
                format!(
                    "a multi-city offer ({} directions) has no canonical form; only one-way and round trips are mapped",
                    self.dirs.len()
                ),
            ));
        }
        for d in 0..self.dirs.len() {
            if self.dir(d).is_empty() {
                return Err(RecordError::new(
                    if d == 0 {
                        "departure"
                    } else {
                        "return_departure"
                    },
                    "missing",
                    format!("the {} direction has no flights", direction_name(d)),
                ));
            }
        }
        for (i, s) in self.segs.iter().enumerate() {
            if s.arr.instant() < s.dep.instant() {
                return Err(RecordError::new(
                    "arrival",
                    "consistency",
                    format!(
                        "flight {} {}-{} (segment {}) lands at {} before it leaves at {}",
                        s.number.as_str(),
                        s.from,
                        s.to,
                        i + 1,
                        s.arr,
                        s.dep
                    ),
                ));
            }
        }

        let out = self.dir(0);
        let (first, last) = (out[0], out[out.len() - 1]);
        f.origin = first.from;
        f.destination = last.to;
        f.departure = first.dep;
        f.arrival = last.arr;
        f.duration_min = minutes(last.arr.instant() - first.dep.instant());
        f.stops = 0;
        let mut mismatch = None;
        for d in 0..self.dirs.len() {
            let segs = self.dir(d);
            f.stops = f.stops.max(segs.len() as u32 - 1);
            for pair in segs.windows(2) {
                let (prev, next) = (pair[0], pair[1]);
                let gap = next.dep.instant() - prev.arr.instant();
                if gap < 0 {
                    return Err(RecordError::new(
                        "layover_min",
                        "consistency",
                        format!(
                            "at {}, flight {} leaves at {}, before flight {} lands at {}",
                            next.from,
                            next.number.as_str(),
                            next.dep,
                            prev.number.as_str(),
                            prev.arr
                        ),
                    ));
                }
                f.via.push(next.from);
                f.layover_min.push(minutes(gap));
            }
            let clock = segs[segs.len() - 1].arr.instant() - segs[0].dep.instant();
            if let (None, Some(stated)) = (mismatch, self.dirs[d].1) {
                if (clock - stated).abs() >= 60 {
                    mismatch = Some(DurationMismatch {
                        direction: d,
                        stated_min: stated.div_euclid(60),
                        clock_min: clock.div_euclid(60),
                    });
                }
            }
        }
        for s in &self.segs {
            f.carriers.push(s.carrier);
            f.flight_numbers.push(s.number);
        }
        if self.dirs.len() == 2 {
            let back = self.dir(1);
            f.return_departure = Some(back[0].dep);
            f.return_arrival = Some(back[back.len() - 1].arr);
        }

        let cabin = self
            .segs
            .iter()
            .try_fold(None::<Cabin>, |low, s| {
                s.cabin.map(|c| Some(low.map_or(c, |l| l.min(c))))
            })
            .flatten();
        let bags = if self.segs.iter().any(|s| s.bags == Some(0)) {
            Some(0)
        } else {
            self.segs
                .iter()
                .try_fold(u32::MAX, |low, s| s.bags.map(|b| low.min(b)))
        };
        Ok(TripFacts {
            cabin,
            bags,
            mismatch,
        })
    }
}

fn minutes(secs: i64) -> u32 {
    u32::try_from(secs.div_euclid(60)).unwrap_or(u32::MAX)
}

pub(crate) fn direction_name(d: usize) -> &'static str {
    if d == 0 {
        "outbound"
    } else {
        "return"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(from: &str, to: &str, dep: &str, arr: &str, fno: &str) -> Seg {
        Seg {
            from: Airport::parse(from.as_bytes()).unwrap(),
            to: Airport::parse(to.as_bytes()).unwrap(),
            dep: Stamp::parse(dep.as_bytes()).unwrap(),
            arr: Stamp::parse(arr.as_bytes()).unwrap(),
            carrier: Airline::parse(&fno.as_bytes()[..2]).unwrap(),
            number: FlightNumber::parse(fno.as_bytes()).unwrap(),
            cabin: Some(Cabin::Economy),
            bags: Some(1),
        }
    }

    #[test]
    fn round_trip_lists_cover_both_directions_and_stops_is_the_max() {
        let mut t = Trip::default();
        t.direction(Some(10 * 3600));
        t.push(seg(
            "AAA",
            "BBB",
            "2026-01-01T08:00:00+01:00",
            "2026-01-01T10:00:00+01:00",
            "XX1",
        ));
        t.push(seg(
            "BBB",
            "CCC",
            "2026-01-01T11:30:00+01:00",
            "2026-01-01T13:00:00+00:00",
            "XX2",
        ));
        t.direction(None);
        t.push(seg(
            "CCC",
            "AAA",
            "2026-01-05T08:00:00+00:00",
            "2026-01-05T12:00:00+01:00",
            "YY3",
        ));
        let mut f = Flight::default();
        let facts = t.finish(&mut f).unwrap();
        assert_eq!(f.stops, 1);
        assert_eq!(f.via.len(), 1);
        assert_eq!(f.layover_min, [90]);
        assert_eq!(f.flight_numbers.len(), 3);
        assert_eq!(f.carriers.len(), 3);
        assert_eq!(f.duration_min, 360);
        assert_eq!(f.destination.as_str(), "CCC");
        assert_eq!(
            f.return_arrival.unwrap().to_string(),
            "2026-01-05T12:00:00+01:00"
        );
        let m = facts.mismatch.unwrap();
        assert_eq!((m.direction, m.stated_min, m.clock_min), (0, 600, 360));
        assert_eq!(facts.bags, Some(1));
    }

    #[test]
    fn bags_and_cabin_aggregate_with_unknowns() {
        let mut t = Trip::default();
        t.direction(None);
        let mut a = seg(
            "AAA",
            "BBB",
            "2026-01-01T08:00:00+01:00",
            "2026-01-01T10:00:00+01:00",
            "XX1",
        );
        let mut b = seg(
            "BBB",
            "CCC",
            "2026-01-01T11:00:00+01:00",
            "2026-01-01T12:00:00+01:00",
            "XX2",
        );
        a.bags = Some(2);
        b.bags = None;
        a.cabin = Some(Cabin::Business);
        t.push(a);
        t.push(b);
        let facts = t.finish(&mut Flight::default()).unwrap();
        assert_eq!(facts.bags, None, "unknown on one segment could be 0");
        assert_eq!(facts.cabin, Some(Cabin::Economy));
        t.clear();
        t.direction(None);
        b.bags = Some(0);
        b.cabin = None;
        t.push(a);
        t.push(b);
        let facts = t.finish(&mut Flight::default()).unwrap();
        assert_eq!(facts.bags, Some(0), "a zero allowance decides the minimum");
        assert_eq!(facts.cabin, None);
    }

    #[test]
    fn impossible_times_are_record_errors() {
        let mut t = Trip::default();
        t.direction(None);
        t.push(seg(
            "AAA",
            "BBB",
            "2026-01-01T08:00:00+01:00",
            "2026-01-01T10:00:00+01:00",
            "XX1",
        ));
        t.push(seg(
            "BBB",
            "CCC",
            "2026-01-01T09:00:00+01:00",
            "2026-01-01T12:00:00+01:00",
            "XX2",
        ));
        let e = t.finish(&mut Flight::default()).unwrap_err();
        assert_eq!((e.field, e.reason), (Some("layover_min"), "consistency"));
        t.clear();
        t.direction(None);
        t.push(seg(
            "AAA",
            "BBB",
            "2026-01-01T08:00:00+01:00",
            "2026-01-01T08:00:00+05:00",
            "XX1",
        ));
        let e = t.finish(&mut Flight::default()).unwrap_err();
        assert_eq!((e.field, e.reason), (Some("arrival"), "consistency"));
        t.clear();
        for _ in 0..3 {
            t.direction(None);
            t.push(seg(
                "AAA",
                "BBB",
                "2026-01-01T08:00:00+01:00",
                "2026-01-01T10:00:00+01:00",
                "XX1",
            ));
        }
        assert_eq!(
            t.finish(&mut Flight::default()).unwrap_err().reason,
            "unsupported"
        );
    }
}
