//! Judging a record on its raw field text, before decoding it.
//!
//! Most records of a scan fail the filter, and decoding them into a [`Flight`] only
//! to throw it away is most of a scan's work. A [`RawFilter`] evaluates the same
//! compiled tree on the field texts themselves: each leaf reads its field with the
//! same parser the decoder uses (or, for a time of day, a shortcut that checks the
//! canonical timestamp exactly as the parser does and skips the day number), so a
//! text that decodes gives the same value, and a text that does not leaves the
//! record undecided: it then goes the ordinary way, which reports the error.
//!
//! Every field the filter reads is read first, each once, before the tree is
//! evaluated: a record judged here must have every column the filter reads checked,
//! as decoding them would, so that a malformed field is never hidden by a cheaper
//! predicate that already said no. The tree then short-circuits on plain values.

use super::ast::CmpOp;
use super::compile::{Filter, Key, ListKey, Node, TextKey, Truth};
use crate::columns::ALL_COLUMNS;
use crate::record::{parse_int, Airline, Airport, Cabin, Currency, FlightNumber, Price, Stamp};
use crate::text::one_line_text;

/// A filter that can be judged on field texts; see the module documentation.
#[derive(Clone, Debug)]
pub(crate) struct RawFilter {
    root: RawNode,
    /// The canonical columns the leaves read, each once: a reader binds these to
    /// where its fields are once per page, and then hands out texts by index here.
    columns: Box<[usize]>,
    /// The scalar keys the leaves read, each read once per record into a slot, with
    /// the index of its column in `columns`.
    slots: Box<[(Key, usize)]>,
    /// The text and list leaves, each judged once per record into a slot, with the
    /// index of its column in `columns`.
    others: Box<[(Node, usize)]>,
}

/// The compiled tree with leaves reading slots instead of records: evaluating it
/// is arithmetic only, once every slot is filled.
#[derive(Clone, Debug)]
enum RawNode {
    Const(Truth),
    /// Nested conjunctions are flattened into one, whose comparisons of one slot
    /// are merged into one range.
    And(Box<[RawNode]>),
    Or(Box<[RawNode]>),
    Not(Box<RawNode>),
    /// `lo <= value <= hi` (every comparison but `!=` is one).
    Range {
        slot: usize,
        lo: i64,
        hi: i64,
    },
    Cmp {
        slot: usize,
        op: CmpOp,
        rhs: i64,
    },
    InSet {
        slot: usize,
        set: Box<[i64]>,
    },
    IsNull {
        slot: usize,
    },
    Other(usize),
}

/// A field's text could not be judged here (it does not decode, or its column is
/// not in the input): the record must be decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Undecided;

/// Most distinct scalar keys, and most text or list leaves, a filter may have to be
/// judged here.
const MAX_SLOTS: usize = 16;

impl RawFilter {
    /// The raw form of a compiled tree, if every leaf can be judged on text and the
    /// filter does not read every column (then a rejected record is also checked
    /// for consistency across fields, which needs the decoded record).
    pub(crate) fn new(root: &Node, columns: u32) -> Option<RawFilter> {
        if columns == ALL_COLUMNS || !supported(root) {
            return None;
        }
        // A constant filter has nothing to save.
        if matches!(root, Node::Const(_)) {
            return None;
        }
        let (mut slots, mut others) = (Vec::new(), Vec::new());
        let root = lower(root, &mut slots, &mut others);
        if slots.len() > MAX_SLOTS || others.len() > MAX_SLOTS {
            return None;
        }
        let mut read = Vec::new();
        let mut index = |column: usize| {
            read.iter().position(|&c| c == column).unwrap_or_else(|| {
                read.push(column);
                read.len() - 1
            })
        };
        let slots: Box<[(Key, usize)]> =
            slots.into_iter().map(|k| (k, index(k.column()))).collect();
        let others: Box<[(Node, usize)]> = others
            .into_iter()
            .map(|node| {
                let column = other_column(&node);
                (node, index(column))
            })
            .collect();
        Some(RawFilter {
            root,
            columns: read.into(),
            slots,
            others,
        })
    }

    /// The canonical columns the filter reads, in the order [`RawFilter::verdict_at`]
    /// asks for them by index.
    pub(crate) fn columns(&self) -> &[usize] {
        &self.columns
    }

    /// What decoding the record and running the filter would say, when its texts
    /// can tell: every field the filter reads decodes, and the filter's result is a
    /// definite `true` (`Some(true)`) or not (`Some(false)`: the record is rejected).
    /// `None` when the record must be decoded to know.
    #[inline]
    pub(crate) fn verdict<'a>(&self, field: impl Fn(usize) -> Option<&'a [u8]>) -> Option<bool> {
        verdict(self.eval(field))
    }

    /// [`RawFilter::verdict`] with the texts given by their index in
    /// [`RawFilter::columns`], every one present.
    #[inline]
    pub(crate) fn verdict_at<'a>(&self, text: impl Fn(usize) -> &'a [u8]) -> Option<bool> {
        verdict(self.eval_at(text))
    }

    /// The filter's three-valued result for the record whose canonical column `c`
    /// has the text `field(c)` (`None`: not in the input).
    #[inline]
    pub(crate) fn eval<'a>(
        &self,
        field: impl Fn(usize) -> Option<&'a [u8]>,
    ) -> Result<Truth, Undecided> {
        let mut texts: [&[u8]; 2 * MAX_SLOTS] = [&[]; 2 * MAX_SLOTS];
        for (text, &column) in texts.iter_mut().zip(self.columns.iter()) {
            *text = field(column).ok_or(Undecided)?;
        }
        self.eval_at(|i| texts[i])
    }

    /// The filter's three-valued result, the text of `columns()[i]` being `text(i)`.
    #[inline]
    fn eval_at<'a>(&self, text: impl Fn(usize) -> &'a [u8]) -> Result<Truth, Undecided> {
        // Every field the filter reads, each once (so every one is checked, whatever
        // the verdict): any that does not decode leaves the record to the decoder.
        let mut values = [None; MAX_SLOTS];
        for (value, &(key, i)) in values.iter_mut().zip(self.slots.iter()) {
            *value = key_value(key, text(i))?;
        }
        let mut others = [None; MAX_SLOTS];
        for (truth, (node, i)) in others.iter_mut().zip(self.others.iter()) {
            *truth = other(node, text(*i))?;
        }
        Ok(eval(&self.root, &values, &others))
    }
}

/// A judgement on texts as a verdict: decided when every field decodes, and then
/// passing only on a definite `true` (unknown fails, as in the decoded filter).
#[inline]
fn verdict(judged: Result<Truth, Undecided>) -> Option<bool> {
    judged.ok().map(|t| t == Some(true))
}

fn lower(node: &Node, slots: &mut Vec<Key>, others: &mut Vec<Node>) -> RawNode {
    let mut slot = |key: Key| {
        slots.iter().position(|&k| k == key).unwrap_or_else(|| {
            slots.push(key);
            slots.len() - 1
        })
    };
    match node {
        Node::Const(t) => RawNode::Const(*t),
        Node::And(parts) => {
            let mut flat = Vec::new();
            for p in parts.iter() {
                match lower(p, slots, others) {
                    RawNode::And(inner) => flat.extend(inner.into_vec()),
                    one => flat.push(one),
                }
            }
            RawNode::And(merge_ranges(flat).into())
        }
        Node::Or(parts) => RawNode::Or(parts.iter().map(|p| lower(p, slots, others)).collect()),
        Node::Not(inner) => RawNode::Not(Box::new(lower(inner, slots, others))),
        Node::Cmp { key, op, rhs } => {
            let slot = slot(*key);
            let (op, rhs) = (*op, *rhs);
            let range = match op {
                CmpOp::Eq => Some((rhs, rhs)),
                CmpOp::Le => Some((i64::MIN, rhs)),
                CmpOp::Ge => Some((rhs, i64::MAX)),
                // An empty range (lo > hi) when nothing is below the minimum.
                CmpOp::Lt => Some(
                    rhs.checked_sub(1)
                        .map_or((i64::MAX, i64::MIN), |hi| (i64::MIN, hi)),
                ),
                CmpOp::Gt => Some(
                    rhs.checked_add(1)
                        .map_or((i64::MAX, i64::MIN), |lo| (lo, i64::MAX)),
                ),
                CmpOp::Ne => None,
            };
            match range {
                Some((lo, hi)) => RawNode::Range { slot, lo, hi },
                None => RawNode::Cmp { slot, op, rhs },
            }
        }
        Node::InSet { key, set } => RawNode::InSet {
            slot: slot(*key),
            set: set.clone(),
        },
        Node::IsNull { key } => RawNode::IsNull { slot: slot(*key) },
        other => {
            others.push(other.clone());
            RawNode::Other(others.len() - 1)
        }
    }
}

/// A conjunction's ranges over one slot, merged into their intersection: for a
/// null value each range and the merged one are unknown, and for any other value
/// all hold exactly when it lies in the intersection.
fn merge_ranges(parts: Vec<RawNode>) -> Vec<RawNode> {
    let mut out: Vec<RawNode> = Vec::with_capacity(parts.len());
    for part in parts {
        if let RawNode::Range { slot, lo, hi } = part {
            let same = out
                .iter_mut()
                .find(|p| matches!(p, RawNode::Range { slot: s, .. } if *s == slot));
            if let Some(RawNode::Range { lo: l, hi: h, .. }) = same {
                *l = (*l).max(lo);
                *h = (*h).min(hi);
                continue;
            }
        }
        out.push(part);
    }
    out
}

fn supported(node: &Node) -> bool {
    match node {
        Node::Const(_) => true,
        Node::And(parts) | Node::Or(parts) => parts.iter().all(supported),
        Node::Not(inner) => supported(inner),
        Node::Cmp { key, .. } | Node::InSet { key, .. } | Node::IsNull { key } => {
            !matches!(key, Key::MaxLayover | Key::MinLayover)
        }
        Node::TextEq { .. } | Node::TextIn { .. } => true,
        Node::ListHas { .. } | Node::ListAllIn { .. } => true,
    }
}

/// The tree's three-valued result, as `Node::eval` gives it, from filled slots. A
/// conjunction or disjunction tests its leaves in line; only nested connectives
/// recurse.
fn eval(node: &RawNode, values: &[Option<i64>; MAX_SLOTS], others: &[Truth; MAX_SLOTS]) -> Truth {
    match node {
        RawNode::And(parts) => {
            let mut acc = Some(true);
            for p in parts.iter() {
                match test(p, values, others) {
                    Some(false) => return Some(false),
                    None => acc = None,
                    Some(true) => {}
                }
            }
            acc
        }
        RawNode::Or(parts) => {
            let mut acc = Some(false);
            for p in parts.iter() {
                match test(p, values, others) {
                    Some(true) => return Some(true),
                    None => acc = None,
                    Some(false) => {}
                }
            }
            acc
        }
        leaf => test(leaf, values, others),
    }
}

/// One node's result: a leaf's in line, a connective's by [`eval`].
#[inline(always)]
fn test(node: &RawNode, values: &[Option<i64>; MAX_SLOTS], others: &[Truth; MAX_SLOTS]) -> Truth {
    match node {
        RawNode::Range { slot, lo, hi } => values[*slot].map(|v| *lo <= v && v <= *hi),
        RawNode::Cmp { slot, op, rhs } => values[*slot].map(|v| op.test(v, *rhs)),
        RawNode::InSet { slot, set } => values[*slot].map(|v| set.contains(&v)),
        RawNode::IsNull { slot } => Some(values[*slot].is_none()),
        RawNode::Other(i) => others[*i],
        RawNode::Const(t) => *t,
        RawNode::Not(inner) => eval(inner, values, others).map(|b| !b),
        RawNode::And(_) | RawNode::Or(_) => eval(node, values, others),
    }
}

/// The column a text or list leaf reads.
fn other_column(node: &Node) -> usize {
    use crate::columns::col;
    match node {
        Node::TextEq { key, .. } | Node::TextIn { key, .. } => match key {
            TextKey::Provider => col::PROVIDER,
            TextKey::OfferId => col::OFFER_ID,
        },
        Node::ListHas { list, .. } | Node::ListAllIn { list, .. } => match list {
            ListKey::Via => col::VIA,
            ListKey::Carriers => col::CARRIERS,
            ListKey::FlightNumbers => col::FLIGHT_NUMBERS,
            ListKey::LayoverMin => col::LAYOVER_MIN,
        },
        _ => unreachable!("only text and list leaves are lowered to others"),
    }
}

/// A text or list leaf's result from its column's text, checked as decoding checks it.
fn other(node: &Node, field: &[u8]) -> Result<Truth, Undecided> {
    Ok(match node {
        Node::TextEq { key, rhs, negated } => {
            Some(text_matches(*key, text(field)?, rhs) != *negated)
        }
        Node::TextIn { key, set } => {
            let text = text(field)?;
            Some(set.iter().any(|s| text_matches(*key, text, s)))
        }
        Node::ListHas { list, rhs } => Some(list_any(*list, field, |v| v == *rhs)?),
        Node::ListAllIn { list, set } => Some(!list_any(*list, field, |v| !set.contains(&v))?),
        _ => return Err(Undecided),
    })
}

/// What `Key::get` gives for the decoded record, from the field's text.
#[inline]
fn key_value(key: Key, text: &[u8]) -> Result<Option<i64>, Undecided> {
    let int = |t: &[u8]| parse_int(t).map(i64::from).map_err(|_| Undecided);
    let optional_int = |t: &[u8]| {
        if t.is_empty() {
            Ok(None)
        } else {
            int(t).map(Some)
        }
    };
    let stamp = |t: &[u8]| Stamp::parse(t).map_err(|_| Undecided);
    let optional_stamp = |t: &[u8]| {
        if t.is_empty() {
            Ok(None)
        } else {
            stamp(t).map(Some)
        }
    };
    let time_of_day = |t: &[u8]| match Stamp::canonical_time_of_day(t) {
        Some(v) => Ok(v),
        None => stamp(t).map(|s| s.time_of_day()),
    };
    Ok(match key {
        Key::Origin | Key::Destination => Some(Airport::parse(text).ok_or(Undecided)?.key()),
        Key::Currency => Some(Currency::parse(text).ok_or(Undecided)?.key()),
        Key::DepartureLocal | Key::ArrivalLocal => Some(stamp(text)?.local),
        Key::DepartureInstant | Key::ArrivalInstant => Some(stamp(text)?.instant()),
        Key::DepartTime | Key::ArriveTime => Some(time_of_day(text)?),
        Key::DepartDate | Key::ArriveDate => Some(stamp(text)?.local_day()),
        Key::ReturnDepartureLocal | Key::ReturnArrivalLocal => {
            optional_stamp(text)?.map(|s| s.local)
        }
        Key::ReturnDepartureInstant | Key::ReturnArrivalInstant => {
            optional_stamp(text)?.map(|s| s.instant())
        }
        Key::ReturnDepartTime => {
            if text.is_empty() {
                None
            } else {
                Some(time_of_day(text)?)
            }
        }
        Key::DurationMin | Key::Stops => Some(int(text)?),
        Key::Seats | Key::Bags | Key::Co2Kg => optional_int(text)?,
        Key::Cabin if text.is_empty() => None,
        Key::Cabin => Some(Cabin::parse(text).ok_or(Undecided)? as i64),
        Key::Price => Some(price_micros(text)?),
        Key::Refundable => match text {
            b"" => None,
            b"true" => Some(true as i64),
            b"false" => Some(false as i64),
            _ => return Err(Undecided),
        },
        Key::MaxLayover | Key::MinLayover => return Err(Undecided),
    })
}

/// A price in millionths, as [`Price::parse`] reads it. The usual form, up to eight
/// digits, a point and two decimals, is read here in one pass.
#[inline]
fn price_micros(text: &[u8]) -> Result<i64, Undecided> {
    let n = text.len();
    if (4..=11).contains(&n) && text[n - 3] == b'.' {
        let (int, frac) = (&text[..n - 3], &text[n - 2..]);
        if int.iter().all(u8::is_ascii_digit) && frac.iter().all(u8::is_ascii_digit) {
            let whole = int
                .iter()
                .fold(0i64, |acc, &b| acc * 10 + (b - b'0') as i64);
            let cents = ((frac[0] - b'0') * 10 + (frac[1] - b'0')) as i64;
            return Ok(whole * 1_000_000 + cents * 10_000);
        }
    }
    Price::parse(text).map(|p| p.micros).map_err(|_| Undecided)
}

/// Whether any element of the list satisfies `pred`, every element checked.
#[inline]
fn list_any(
    list: ListKey,
    text: &[u8],
    mut pred: impl FnMut(i64) -> bool,
) -> Result<bool, Undecided> {
    if text.is_empty() {
        return Ok(false);
    }
    let mut any = false;
    for part in text.split(|&b| b == b';') {
        let v = match list {
            ListKey::Via => Airport::parse(part).map(|c| c.key()),
            ListKey::Carriers => Airline::parse(part).map(|c| c.key()),
            ListKey::FlightNumbers => FlightNumber::parse(part).map(|c| c.key()),
            ListKey::LayoverMin => parse_int(part).ok().map(i64::from),
        }
        .ok_or(Undecided)?;
        any |= pred(v);
    }
    Ok(any)
}

fn text(field: &[u8]) -> Result<&str, Undecided> {
    one_line_text("", field).map_err(|_| Undecided)
}

fn text_matches(key: TextKey, text: &str, rhs: &str) -> bool {
    match key {
        TextKey::Provider => text.eq_ignore_ascii_case(rhs),
        TextKey::OfferId => text == rhs,
    }
}

/// Filters over every kind of leaf, on every column a leaf can read (the NDJSON
/// prefilter's tests use them too).
impl Filter {
    /// The filter judged on field texts, when it can be (see [`RawFilter`]). Defined
    /// here, beside the judge, so that the compiled tree knows nothing of it.
    pub(crate) fn raw(&self) -> Option<RawFilter> {
        RawFilter::new(self.root(), self.columns())
    }
}

#[cfg(all(test, feature = "gen"))]
pub(crate) const FILTERS: &[&str] = &[
    "price between 150 and 600 and stops <= 1 and depart_time >= 06:00 and depart_time < 12:00 and duration <= 420 and cabin = economy and not via has ORD",
    "price < 400 and stops <= 1",
    "price < 0",
    "origin = JFK or destination in (LHR, CDG)",
    "currency = EUR and not refundable",
    "refundable and seats >= 2",
    "bags is null or bags > 0",
    "co2_kg < 300 and arrive_time < 08:00",
    "departure >= 2026-12-01T00:00:00Z and arrival < 2027-01-01",
    "depart_date = 2026-12-02 or arrive_date >= 2027-01-04",
    "return_departure is null",
    "return_departure is not null and return_depart_time >= 10:00",
    "return_arrival > 2026-12-10",
    "carriers has AA or flight_numbers has LH400",
    "layover_min has 180 and not via has SYD",
    "provider = sabre and offer_id != sa-000000001",
    "provider in (kiwi, duffel) or cabin in (business, first)",
    "cabin is null or cabin != premium_economy",
    "not (price > 1000 or stops = 0)",
    // Comparisons of one key in one conjunction merge into a range, empty or not.
    "price > 300 and price <= 300",
    "stops != 1 and stops >= 0 and stops < 3 and (duration > 100 and duration < 900)",
    "(price < 300 and (stops = 0 and duration > 100)) or not (cabin = economy and price >= 500)",
    "seats > 2 and seats < 2 or bags >= 1 and bags <= 1",
    "seats is null and co2_kg is not null",
    "layover_min has 0 or carriers has KL",
];

#[cfg(feature = "gen")]
#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::csv::CsvRecords;
    use crate::decode::{decode_field, Schema};
    use crate::filter::parse_and_compile;
    use crate::record::{Flight, COLUMNS};
    use proptest::prelude::*;

    /// The decoded record's verdict for the filter's columns, or the decode error.
    fn slow(filter: &super::super::Filter, fields: &[Vec<u8>]) -> Result<Truth, ()> {
        let mut f = Flight::default();
        for (c, text) in fields.iter().enumerate() {
            if filter.columns() & (1 << c) != 0 {
                decode_field(&mut f, c, text).map_err(|_| ())?;
            }
        }
        Ok(filter.eval(&f))
    }

    /// Field texts near the valid ones: the generator's, edited.
    fn edit(text: &[u8], how: u8, at: usize, byte: u8) -> Vec<u8> {
        let mut t = text.to_vec();
        match how % 8 {
            0 => t.clear(),
            1 if !t.is_empty() => {
                let i = at % t.len();
                t[i] = byte;
            }
            2 if !t.is_empty() => {
                t.remove(at % t.len());
            }
            3 => t.insert(at % (t.len() + 1), byte),
            4 => t = t.to_ascii_lowercase(),
            5 => t.insert(0, b'0'),
            6 if t.len() == 25 => {
                // The same instant written another valid way.
                t.truncate(19);
                t.extend_from_slice(b"Z");
            }
            _ => t.extend_from_slice(b";ORD"),
        }
        t
    }

    fn rows(seed: u64) -> Vec<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        crate::gen::generate(
            &crate::gen::GenOptions {
                rows: 40,
                seed,
                format: crate::gen::GenFormat::Csv,
            },
            &mut out,
        )
        .unwrap();
        let mut rdr = csv::ReaderBuilder::new().from_reader(&out[..]);
        rdr.byte_records()
            .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Whenever the text judgement decides, it agrees with decoding and the
        /// compiled filter; and it decides the generator's own records.
        #[test]
        fn the_text_judgement_agrees_with_decoding(
            seed in any::<u64>(),
            edits in proptest::collection::vec((0usize..40, 0usize..21, any::<u8>(), 0usize..30, any::<u8>()), 0..30),
        ) {
            let mut records = rows(seed);
            let pristine = records.len();
            for &(row, column, how, at, byte) in &edits {
                let r = row % records.len();
                let mut edited = records[r].clone();
                edited[column] = edit(&edited[column], how, at, byte);
                records.push(edited);
            }
            for text in FILTERS {
                let filter = parse_and_compile(text).unwrap();
                let raw = filter.raw().expect("every leaf here is judged on text");
                for (i, fields) in records.iter().enumerate() {
                    let got = raw.eval(|c| Some(&fields[c][..]));
                    let want = slow(&filter, fields);
                    match got {
                        Ok(t) => prop_assert_eq!(Ok(t), want, "{} on {:?}", text, fields),
                        Err(Undecided) => prop_assert!(
                            i >= pristine,
                            "a generated record was left undecided: {} on {:?}", text, fields
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn the_csv_reader_rejects_only_sound_records_the_filter_fails() {
        let header = COLUMNS.iter().map(|c| c.as_bytes()).collect::<Vec<_>>();
        let schema = Schema::from_header(header).unwrap();
        let filter = parse_and_compile("price < 400 and stops <= 1").unwrap();
        let mut records = CsvRecords::with_prefilter(filter.raw());
        let row = |price: &str, stops: &str| {
            format!("sabre,sa-1,FCO,AMS,2027-01-04T19:30:00+01:00,2027-01-04T21:40:00+01:00,130,{stops},,KL,KL6638,,economy,{price},USD,9,,false,119,,\n")
        };
        let page = [
            row("500.00", "0"),  // fails: rejected
            row("300.00", "0"),  // passes: known to match
            row("5x0.00", "0"),  // malformed price: decoded, to report it
            row("500.00", "x"),  // malformed stops, though the price already fails
            "a,b\n".to_string(), // wrong width
        ]
        .concat();
        let page = page.as_bytes();
        let mut got = Vec::new();
        records.reset(&schema);
        while records.next(page).is_some() {
            got.push(records.verdict(page, &schema));
        }
        assert_eq!(got, vec![Some(false), Some(true), None, None, None]);
        // Without a prefilter nothing is judged.
        let mut plain = CsvRecords::new();
        while plain.next(page).is_some() {
            assert_eq!(plain.verdict(page, &schema), None);
        }
    }
}
