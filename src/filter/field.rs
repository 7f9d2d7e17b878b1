//! The fields a filter can name: every canonical column plus a few derived ones.

use std::fmt;

/// The type of a field's values, which decides which literals and operators apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Free text (`provider`, `offer_id`).
    Text,
    /// IATA airport code.
    Airport,
    /// ISO 4217 currency code.
    Currency,
    /// `economy|premium_economy|business|first`.
    Cabin,
    /// A non-negative integer.
    Int,
    /// Minutes; literals may be written `450`, `90m`, `7h`, `7h30m`.
    Minutes,
    /// Exact decimal money.
    Price,
    /// `true|false`.
    Bool,
    /// RFC 3339 timestamp with offset.
    Stamp,
    /// Local calendar date.
    Date,
    /// Local time of day.
    TimeOfDay,
    /// A list of airports.
    AirportList,
    /// A list of airline codes.
    AirlineList,
    /// A list of flight designators.
    FlightNumberList,
    /// A list of minutes.
    MinutesList,
}

impl FieldType {
    /// Whether values of this type are lists (`has`, `in` = every member).
    pub fn is_list(self) -> bool {
        matches!(
            self,
            FieldType::AirportList
                | FieldType::AirlineList
                | FieldType::FlightNumberList
                | FieldType::MinutesList
        )
    }
    /// Whether `< <= > >=` make sense.
    pub fn is_ordered(self) -> bool {
        matches!(
            self,
            FieldType::Int
                | FieldType::Minutes
                | FieldType::Price
                | FieldType::Stamp
                | FieldType::Date
                | FieldType::TimeOfDay
        )
    }
    /// How the guide's field table (`docs/filters.md`) and error messages describe the type.
    pub fn describe(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Airport => "airport code",
            FieldType::Currency => "currency code",
            FieldType::Cabin => "cabin",
            FieldType::Int => "integer",
            FieldType::Minutes => "duration in minutes",
            FieldType::Price => "decimal amount",
            FieldType::Bool => "boolean",
            FieldType::Stamp => "timestamp",
            FieldType::Date => "date",
            FieldType::TimeOfDay => "time of day",
            FieldType::AirportList => "list of airport codes",
            FieldType::AirlineList => "list of airline codes",
            FieldType::FlightNumberList => "list of flight numbers",
            FieldType::MinutesList => "list of durations in minutes",
        }
    }

    /// The description with its article ("an airport code", but "text"), for
    /// sentences such as "`origin` is an airport code".
    pub fn with_article(self) -> String {
        let d = self.describe();
        let article = match self {
            FieldType::Text => return d.to_string(),
            _ if d.starts_with(['a', 'e', 'i', 'o', 'u']) => "an",
            _ => "a",
        };
        format!("{article} {d}")
    }
}

macro_rules! fields {
    ($($variant:ident = $name:literal : $ty:ident, nullable: $null:literal, $doc:literal, example: $ex:literal;)*) => {
        /// A field a filter can test.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Field {
            $(#[doc = $doc] $variant,)*
        }

        impl Field {
            /// Every field, in documentation order.
            pub const ALL: &'static [Field] = &[$(Field::$variant,)*];

            /// The name used in expressions.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name,)* }
            }
            /// The type of its values.
            pub fn ty(self) -> FieldType {
                match self { $(Field::$variant => FieldType::$ty,)* }
            }
            /// Whether the value can be unknown.
            pub fn nullable(self) -> bool {
                match self { $(Field::$variant => $null,)* }
            }
            /// One-line description.
            pub fn doc(self) -> &'static str {
                match self { $(Field::$variant => $doc,)* }
            }
            /// An example expression using the field.
            pub fn example(self) -> &'static str {
                match self { $(Field::$variant => $ex,)* }
            }
        }
    };
}

fields! {
    Provider = "provider": Text, nullable: false, "Provider the offer came from (compared case-insensitively).", example: "provider = duffel";
    OfferId = "offer_id": Text, nullable: false, "The provider's offer id (exact).", example: "offer_id = 'off_123'";
    Origin = "origin": Airport, nullable: false, "Departure airport.", example: "origin in (JFK, EWR, LGA)";
    Destination = "destination": Airport, nullable: false, "Final arrival airport.", example: "destination = LAX";
    Departure = "departure": Stamp, nullable: false, "Outbound departure (local time at the origin, with offset).", example: "departure >= 2026-12-01";
    Arrival = "arrival": Stamp, nullable: false, "Outbound arrival (local time at the destination, with offset).", example: "arrival < 2026-12-02T08:00";
    DurationMin = "duration_min": Minutes, nullable: false, "Total outbound travel time.", example: "duration_min <= 450";
    Duration = "duration": Minutes, nullable: false, "Same as duration_min.", example: "duration <= 7h30m";
    Stops = "stops": Int, nullable: false, "Number of connections.", example: "stops <= 1";
    Via = "via": AirportList, nullable: false, "Connection airports (empty for a nonstop).", example: "not via has ORD";
    Carriers = "carriers": AirlineList, nullable: false, "Marketing carrier of each segment.", example: "carriers in (AA, DL, B6)";
    FlightNumbers = "flight_numbers": FlightNumberList, nullable: false, "Flight designator of each segment.", example: "flight_numbers has AA100";
    LayoverMin = "layover_min": MinutesList, nullable: false, "Layover before each connection.", example: "layover_min has 45";
    Cabin = "cabin": Cabin, nullable: true, "Cabin class (unknown when a provider does not say).", example: "cabin = business";
    Price = "price": Price, nullable: false, "Total price, exact decimal, in `currency`.", example: "price <= 250.10";
    Currency = "currency": Currency, nullable: false, "ISO 4217 currency of the price.", example: "currency = USD";
    Seats = "seats": Int, nullable: true, "Seats left at this price.", example: "seats >= 2";
    Bags = "bags": Int, nullable: true, "Included checked bags.", example: "bags >= 1";
    Refundable = "refundable": Bool, nullable: true, "Whether the fare is refundable.", example: "refundable";
    Co2Kg = "co2_kg": Int, nullable: true, "Estimated emissions in kg.", example: "co2_kg < 500";
    ReturnDeparture = "return_departure": Stamp, nullable: true, "Return departure (round trips only).", example: "return_departure is not null";
    ReturnArrival = "return_arrival": Stamp, nullable: true, "Return arrival (round trips only).", example: "return_arrival < 2027-01-10";
    DepartTime = "depart_time": TimeOfDay, nullable: false, "Local time of day of the departure.", example: "depart_time between 06:00 and 11:59";
    ArriveTime = "arrive_time": TimeOfDay, nullable: false, "Local time of day of the arrival.", example: "arrive_time < 22:00";
    DepartDate = "depart_date": Date, nullable: false, "Local date of the departure.", example: "depart_date = 2026-12-24";
    ArriveDate = "arrive_date": Date, nullable: false, "Local date of the arrival.", example: "arrive_date <= 2026-12-24";
    ReturnDepartTime = "return_depart_time": TimeOfDay, nullable: true, "Local time of day of the return departure.", example: "return_depart_time >= 17:00";
    MaxLayover = "max_layover": Minutes, nullable: true, "Longest layover (unknown for a nonstop).", example: "max_layover <= 3h";
    MinLayover = "min_layover": Minutes, nullable: true, "Shortest layover (unknown for a nonstop).", example: "min_layover >= 45m";
}

impl Field {
    /// Looks a field up by name, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The known field whose name is closest to `name`, for "did you mean" hints.
    pub fn suggest(name: &str) -> Option<Field> {
        let name = name.to_ascii_lowercase();
        Field::ALL
            .iter()
            .copied()
            .map(|f| (edit_distance(&name, f.name()), f))
            .filter(|(d, f)| *d <= 2.max(f.name().len() / 3))
            .min_by_key(|(d, _)| *d)
            .map(|(_, f)| f)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_resolve() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(*f));
            assert_eq!(Field::from_name(&f.name().to_uppercase()), Some(*f));
        }
        assert_eq!(Field::suggest("pirce"), Some(Field::Price));
        assert_eq!(Field::suggest("orign"), Some(Field::Origin));
        assert_eq!(Field::suggest("zzzzzzzz"), None);
    }

    #[test]
    fn descriptions_take_their_article() {
        assert_eq!(FieldType::Airport.with_article(), "an airport code");
        assert_eq!(FieldType::Int.with_article(), "an integer");
        assert_eq!(FieldType::Date.with_article(), "a date");
        assert_eq!(FieldType::Text.with_article(), "text");
    }
}
