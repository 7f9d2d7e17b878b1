//! The search flags (`--from`, `--max-price`, ...) as sugar for filter expressions.
//!
//! Each flag becomes exactly the expression the guide documents for it (the table in
//! `docs/filters.md`, generated from [`FilterFlags::to_expr`]), so a flag
//! and its `--where` spelling can never disagree, and `flightsift sql` translates
//! both the same way.

use super::ast::{CmpOp, Expr, FieldRef, Literal, Origin};
use super::field::Field;
use crate::record::{Cabin, Price};

/// The search flags: each one given is a condition, all of them must hold.
///
/// The fields are the values as given on the command line (comma lists already
/// split), kept as text: compilation types them and an error names the flag at fault
/// (`--max-price: expected a decimal amount ...`). A program builds them typed with
/// the builder methods instead, which write the canonical text of each value, so
/// both routes give the same [`Expr`] and the same errors for the same values.
///
/// ```
/// use flightsift::filter::FilterFlags;
/// use flightsift::jiff::civil::{date, time};
/// use flightsift::record::{Cabin, Price};
/// use flightsift::Filter;
///
/// let flags = FilterFlags::new()
///     .from(["JFK", "EWR"])
///     .date(date(2026, 12, 1))
///     .depart_after(time(6, 0, 0, 0))
///     .max_price("450.00".parse::<Price>()?)
///     .max_stops(1)
///     .max_layover(180)
///     .cabin([Cabin::Economy, Cabin::PremiumEconomy])
///     .avoid(["ORD"]);
/// assert_eq!(
///     flags.to_expr().to_string(),
///     "origin in (JFK, EWR) and depart_date = 2026-12-01 and price <= 450.00 and stops <= 1 \
///      and depart_time >= 06:00:00 and cabin in (economy, premium_economy) \
///      and (stops = 0 or max_layover <= 180) and not via has ORD"
/// );
/// // The same filter from the text fields, as the command line fills them.
/// let cli = FilterFlags { from: vec!["JFK".into(), "EWR".into()], max_stops: Some("1".into()), ..Default::default() };
/// let filter = Filter::compile(&cli.to_expr())?;
/// assert_eq!(filter.expr().to_string(), "origin in (JFK, EWR) and stops <= 1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct FilterFlags {
    /// `--from`: origin is any of these.
    pub from: Vec<String>,
    /// `--to`: destination is any of these.
    pub to: Vec<String>,
    /// `--date`: local departure date.
    pub date: Option<String>,
    /// `--date-from`: local departure date on or after.
    pub date_from: Option<String>,
    /// `--date-to`: local departure date on or before.
    pub date_to: Option<String>,
    /// `--min-price`.
    pub min_price: Option<String>,
    /// `--max-price`.
    pub max_price: Option<String>,
    /// `--max-stops`.
    pub max_stops: Option<String>,
    /// `--airline`: every carrier is one of these.
    pub airline: Vec<String>,
    /// `--exclude-airline`: no carrier is one of these.
    pub exclude_airline: Vec<String>,
    /// `--avoid`: no connection in these airports.
    pub avoid: Vec<String>,
    /// `--cabin`: any of these cabins.
    pub cabin: Vec<String>,
    /// `--depart-after` (inclusive).
    pub depart_after: Option<String>,
    /// `--depart-before` (exclusive).
    pub depart_before: Option<String>,
    /// `--arrive-after` (inclusive).
    pub arrive_after: Option<String>,
    /// `--arrive-before` (exclusive).
    pub arrive_before: Option<String>,
    /// `--max-duration`.
    pub max_duration: Option<String>,
    /// `--max-layover`: every layover at most this; nonstops pass.
    pub max_layover: Option<String>,
    /// `--min-layover`: every layover at least this; nonstops pass.
    pub min_layover: Option<String>,
    /// `--min-bags`.
    pub min_bags: Option<String>,
    /// `--min-seats`.
    pub min_seats: Option<String>,
    /// `--refundable`.
    pub refundable: bool,
    /// `--max-co2`.
    pub max_co2: Option<String>,
}

fn cmp(field: Field, op: CmpOp, value: &str, flag: &'static str) -> Expr {
    Expr::Cmp {
        field: FieldRef::new(field, Origin::Flag(flag)),
        op,
        value: Literal::new(value, Origin::Flag(flag)),
    }
}

fn one_of(field: Field, values: &[String], flag: &'static str) -> Expr {
    Expr::In {
        field: FieldRef::new(field, Origin::Flag(flag)),
        values: values
            .iter()
            .map(|v| Literal::new(v.trim(), Origin::Flag(flag)))
            .collect(),
        negated: false,
    }
}

fn none_has(field: Field, values: &[String], flag: &'static str) -> Vec<Expr> {
    values
        .iter()
        .map(|v| {
            Expr::Not(Box::new(Expr::Has {
                field: FieldRef::new(field, Origin::Flag(flag)),
                value: Literal::new(v.trim(), Origin::Flag(flag)),
            }))
        })
        .collect()
}

fn nonstop_or(e: Expr, flag: &'static str) -> Expr {
    Expr::Or(vec![cmp(Field::Stops, CmpOp::Eq, "0", flag), e])
}

fn texts<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Vec<String> {
    values.into_iter().map(|v| v.as_ref().to_string()).collect()
}

/// The typed builder. Codes (airports, airlines) are text, checked when the filter is
/// compiled; every other value is typed, so it cannot be malformed. Each method sets
/// its flag (a list replaces the previous one); durations are whole minutes.
impl FilterFlags {
    /// No flags: every flight passes.
    pub fn new() -> FilterFlags {
        FilterFlags::default()
    }

    /// `--from`: the origin is any of these airports (IATA codes, any case).
    pub fn from<S: AsRef<str>>(mut self, airports: impl IntoIterator<Item = S>) -> Self {
        self.from = texts(airports);
        self
    }

    /// `--to`: the destination is any of these airports.
    pub fn to<S: AsRef<str>>(mut self, airports: impl IntoIterator<Item = S>) -> Self {
        self.to = texts(airports);
        self
    }

    /// `--date`: departs on this local date.
    pub fn date(mut self, day: jiff::civil::Date) -> Self {
        self.date = Some(day.to_string());
        self
    }

    /// `--date-from`: departs on or after this local date.
    pub fn date_from(mut self, day: jiff::civil::Date) -> Self {
        self.date_from = Some(day.to_string());
        self
    }

    /// `--date-to`: departs on or before this local date.
    pub fn date_to(mut self, day: jiff::civil::Date) -> Self {
        self.date_to = Some(day.to_string());
        self
    }

    /// `--min-price`: costs at least this.
    pub fn min_price(mut self, price: Price) -> Self {
        self.min_price = Some(price.to_string());
        self
    }

    /// `--max-price`: costs at most this.
    pub fn max_price(mut self, price: Price) -> Self {
        self.max_price = Some(price.to_string());
        self
    }

    /// `--max-stops`: at most this many connections.
    pub fn max_stops(mut self, stops: u32) -> Self {
        self.max_stops = Some(stops.to_string());
        self
    }

    /// `--airline`: every carrier is one of these (IATA codes).
    pub fn airline<S: AsRef<str>>(mut self, airlines: impl IntoIterator<Item = S>) -> Self {
        self.airline = texts(airlines);
        self
    }

    /// `--exclude-airline`: no carrier is one of these.
    pub fn exclude_airline<S: AsRef<str>>(mut self, airlines: impl IntoIterator<Item = S>) -> Self {
        self.exclude_airline = texts(airlines);
        self
    }

    /// `--avoid`: no connection in these airports.
    pub fn avoid<S: AsRef<str>>(mut self, airports: impl IntoIterator<Item = S>) -> Self {
        self.avoid = texts(airports);
        self
    }

    /// `--cabin`: in any of these cabins (a flight of unknown cabin never matches).
    pub fn cabin(mut self, cabins: impl IntoIterator<Item = Cabin>) -> Self {
        self.cabin = cabins.into_iter().map(|c| c.as_str().to_string()).collect();
        self
    }

    /// `--depart-after`: departs at or after this local time of day (to the second).
    pub fn depart_after(mut self, at: jiff::civil::Time) -> Self {
        self.depart_after = Some(time_text(at));
        self
    }

    /// `--depart-before`: departs before this local time of day.
    pub fn depart_before(mut self, at: jiff::civil::Time) -> Self {
        self.depart_before = Some(time_text(at));
        self
    }

    /// `--arrive-after`: arrives at or after this local time of day.
    pub fn arrive_after(mut self, at: jiff::civil::Time) -> Self {
        self.arrive_after = Some(time_text(at));
        self
    }

    /// `--arrive-before`: arrives before this local time of day.
    pub fn arrive_before(mut self, at: jiff::civil::Time) -> Self {
        self.arrive_before = Some(time_text(at));
        self
    }

    /// `--max-duration`: the outbound trip takes at most this many minutes.
    pub fn max_duration(mut self, minutes: u32) -> Self {
        self.max_duration = Some(minutes.to_string());
        self
    }

    /// `--max-layover`: every layover at most this many minutes; nonstops pass.
    pub fn max_layover(mut self, minutes: u32) -> Self {
        self.max_layover = Some(minutes.to_string());
        self
    }

    /// `--min-layover`: every layover at least this many minutes; nonstops pass.
    pub fn min_layover(mut self, minutes: u32) -> Self {
        self.min_layover = Some(minutes.to_string());
        self
    }

    /// `--min-bags`: at least this many checked bags included.
    pub fn min_bags(mut self, bags: u32) -> Self {
        self.min_bags = Some(bags.to_string());
        self
    }

    /// `--min-seats`: at least this many seats left at this price.
    pub fn min_seats(mut self, seats: u32) -> Self {
        self.min_seats = Some(seats.to_string());
        self
    }

    /// `--refundable`: only refundable fares (when `true`).
    pub fn refundable(mut self, refundable: bool) -> Self {
        self.refundable = refundable;
        self
    }

    /// `--max-co2`: estimated emissions of at most this many kilograms.
    pub fn max_co2(mut self, kg: u32) -> Self {
        self.max_co2 = Some(kg.to_string());
        self
    }
}

/// `HH:MM:SS`, the filter's time-of-day literal (sub-second parts cannot be compared
/// against the dumps' whole-second times, and are dropped).
fn time_text(at: jiff::civil::Time) -> String {
    format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second())
}

impl FilterFlags {
    /// Every flag's name in a file of queries (`flightsift eval`): the long flag's name
    /// with `_` for `-` (`max_stops` is `--max-stops`).
    pub const KEYS: [&'static str; 23] = [
        "from",
        "to",
        "date",
        "date_from",
        "date_to",
        "min_price",
        "max_price",
        "max_stops",
        "airline",
        "exclude_airline",
        "avoid",
        "cabin",
        "depart_after",
        "depart_before",
        "arrive_after",
        "arrive_before",
        "max_duration",
        "max_layover",
        "min_layover",
        "min_bags",
        "min_seats",
        "refundable",
        "max_co2",
    ];

    /// Sets the flag named `key` (one of [`FilterFlags::KEYS`]) as the command line
    /// would: list flags take any number of values (each may be a comma list), the
    /// others exactly one, `refundable` `true` or `false`. `Err` says what is wrong.
    pub fn set(&mut self, key: &str, values: &[String]) -> Result<(), String> {
        let list = |v: &mut Vec<String>| {
            v.extend(
                values
                    .iter()
                    .flat_map(|s| s.split(','))
                    .map(|s| s.trim().to_string()),
            );
            Ok(())
        };
        let one = |v: &mut Option<String>| match values {
            [single] => {
                *v = Some(single.clone());
                Ok(())
            }
            _ => Err(format!("`{key}` takes one value, not {}", values.len())),
        };
        match key {
            "from" => list(&mut self.from),
            "to" => list(&mut self.to),
            "airline" => list(&mut self.airline),
            "exclude_airline" => list(&mut self.exclude_airline),
            "avoid" => list(&mut self.avoid),
            "cabin" => list(&mut self.cabin),
            "date" => one(&mut self.date),
            "date_from" => one(&mut self.date_from),
            "date_to" => one(&mut self.date_to),
            "min_price" => one(&mut self.min_price),
            "max_price" => one(&mut self.max_price),
            "max_stops" => one(&mut self.max_stops),
            "depart_after" => one(&mut self.depart_after),
            "depart_before" => one(&mut self.depart_before),
            "arrive_after" => one(&mut self.arrive_after),
            "arrive_before" => one(&mut self.arrive_before),
            "max_duration" => one(&mut self.max_duration),
            "max_layover" => one(&mut self.max_layover),
            "min_layover" => one(&mut self.min_layover),
            "min_bags" => one(&mut self.min_bags),
            "min_seats" => one(&mut self.min_seats),
            "max_co2" => one(&mut self.max_co2),
            "refundable" => match values {
                [v] if v == "true" => {
                    self.refundable = true;
                    Ok(())
                }
                [v] if v == "false" => {
                    self.refundable = false;
                    Ok(())
                }
                _ => Err("`refundable` is true or false".into()),
            },
            _ => Err(format!("unknown key `{key}`")),
        }
    }

    /// The conjunction of every flag that was given (`true` when none was).
    pub fn to_expr(&self) -> Expr {
        use CmpOp::*;
        let mut parts = Vec::new();
        let mut push = |cond: bool, e: Expr| {
            if cond {
                parts.push(e)
            }
        };
        push(
            !self.from.is_empty(),
            one_of(Field::Origin, &self.from, "--from"),
        );
        push(
            !self.to.is_empty(),
            one_of(Field::Destination, &self.to, "--to"),
        );
        let scalar = [
            (&self.date, Field::DepartDate, Eq, "--date"),
            (&self.date_from, Field::DepartDate, Ge, "--date-from"),
            (&self.date_to, Field::DepartDate, Le, "--date-to"),
            (&self.min_price, Field::Price, Ge, "--min-price"),
            (&self.max_price, Field::Price, Le, "--max-price"),
            (&self.max_stops, Field::Stops, Le, "--max-stops"),
            (&self.depart_after, Field::DepartTime, Ge, "--depart-after"),
            (
                &self.depart_before,
                Field::DepartTime,
                Lt,
                "--depart-before",
            ),
            (&self.arrive_after, Field::ArriveTime, Ge, "--arrive-after"),
            (
                &self.arrive_before,
                Field::ArriveTime,
                Lt,
                "--arrive-before",
            ),
            (&self.max_duration, Field::Duration, Le, "--max-duration"),
            (&self.min_bags, Field::Bags, Ge, "--min-bags"),
            (&self.min_seats, Field::Seats, Ge, "--min-seats"),
            (&self.max_co2, Field::Co2Kg, Le, "--max-co2"),
        ];
        for (value, field, op, flag) in scalar {
            if let Some(v) = value {
                push(true, cmp(field, op, v.trim(), flag));
            }
        }
        push(
            !self.airline.is_empty(),
            one_of(Field::Carriers, &self.airline, "--airline"),
        );
        push(
            !self.cabin.is_empty(),
            one_of(Field::Cabin, &self.cabin, "--cabin"),
        );
        if let Some(v) = &self.max_layover {
            push(
                true,
                nonstop_or(
                    cmp(Field::MaxLayover, Le, v.trim(), "--max-layover"),
                    "--max-layover",
                ),
            );
        }
        if let Some(v) = &self.min_layover {
            push(
                true,
                nonstop_or(
                    cmp(Field::MinLayover, Ge, v.trim(), "--min-layover"),
                    "--min-layover",
                ),
            );
        }
        push(
            self.refundable,
            Expr::Truthy(FieldRef::new(
                Field::Refundable,
                Origin::Flag("--refundable"),
            )),
        );
        parts.extend(none_has(
            Field::Carriers,
            &self.exclude_airline,
            "--exclude-airline",
        ));
        parts.extend(none_has(Field::Via, &self.avoid, "--avoid"));
        Expr::and(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_sets_its_flag() {
        for key in FilterFlags::KEYS {
            let mut flags = FilterFlags::default();
            let value = if key == "refundable" { "true" } else { "1" };
            flags.set(key, &[value.to_string()]).unwrap();
            let flag = format!("--{}", key.replace('_', "-"));
            assert!(
                format!("{:?}", flags.to_expr()).contains(&flag),
                "{key} does not set {flag}"
            );
        }
        assert!(FilterFlags::default().set("frm", &[]).is_err());
    }

    #[test]
    fn flags_print_as_the_documented_expressions() {
        let flags = FilterFlags {
            from: vec!["JFK".into(), "EWR".into()],
            max_price: Some("250.10".into()),
            min_layover: Some("45m".into()),
            avoid: vec!["ORD".into()],
            refundable: true,
            ..Default::default()
        };
        assert_eq!(
            flags.to_expr().to_string(),
            "origin in (JFK, EWR) and price <= 250.10 and (stops = 0 or min_layover >= 45m) and refundable and not via has ORD"
        );
        assert_eq!(FilterFlags::default().to_expr().to_string(), "true");
    }

    #[test]
    fn the_builder_writes_what_the_command_line_would() {
        use jiff::civil::{date, time};
        let built = FilterFlags::new()
            .from(["JFK", "ewr"])
            .to(["LAX"])
            .date(date(2026, 12, 1))
            .date_from(date(2026, 11, 30))
            .date_to(date(2027, 1, 2))
            .min_price("99.5".parse().unwrap())
            .max_price("450.00".parse().unwrap())
            .max_stops(1)
            .airline(["B6", "AA"])
            .exclude_airline(["UA"])
            .avoid(["ORD"])
            .cabin([Cabin::Business, Cabin::PremiumEconomy])
            .depart_after(time(6, 5, 0, 0))
            .depart_before(time(11, 59, 30, 999))
            .arrive_after(time(0, 0, 0, 0))
            .arrive_before(time(23, 0, 0, 0))
            .max_duration(420)
            .max_layover(180)
            .min_layover(45)
            .min_bags(1)
            .min_seats(2)
            .refundable(true)
            .max_co2(300);
        let cli = FilterFlags {
            from: vec!["JFK".into(), "ewr".into()],
            to: vec!["LAX".into()],
            date: Some("2026-12-01".into()),
            date_from: Some("2026-11-30".into()),
            date_to: Some("2027-01-02".into()),
            min_price: Some("99.5".into()),
            max_price: Some("450.00".into()),
            max_stops: Some("1".into()),
            airline: vec!["B6".into(), "AA".into()],
            exclude_airline: vec!["UA".into()],
            avoid: vec!["ORD".into()],
            cabin: vec!["business".into(), "premium_economy".into()],
            depart_after: Some("06:05:00".into()),
            depart_before: Some("11:59:30".into()),
            arrive_after: Some("00:00:00".into()),
            arrive_before: Some("23:00:00".into()),
            max_duration: Some("420".into()),
            max_layover: Some("180".into()),
            min_layover: Some("45".into()),
            min_bags: Some("1".into()),
            min_seats: Some("2".into()),
            refundable: true,
            max_co2: Some("300".into()),
        };
        assert_eq!(built.to_expr(), cli.to_expr());
        assert_eq!(built.to_expr().to_string(), cli.to_expr().to_string());
        // Every typed value compiles: the builder cannot produce a malformed literal.
        crate::Filter::compile(&built.to_expr()).unwrap();
    }
}
