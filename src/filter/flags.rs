//! The search flags (`--from`, `--max-price`, ...) as sugar for filter expressions.
//!
//! Each flag becomes exactly the expression the README documents for it, so a flag
//! and its `--where` spelling can never disagree, and `flightsift sql` translates
//! both the same way.

use super::ast::{CmpOp, Expr, FieldRef, Literal, Origin};
use super::field::Field;

/// Flag values as given on the command line (comma lists already split). Values stay
/// text: compilation types them and names the flag in any error.
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
}
