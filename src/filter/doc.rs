//! Reference tables of the `--where` language, generated from the code (the fields
//! from [`Field::ALL`], the flags from [`FilterFlags::to_expr`]) so the documentation
//! cannot drift from what the parser and compiler accept. A test keeps
//! `README.md` equal to them.

use super::field::{Field, FieldType};
use super::flags::FilterFlags;
use super::literal::INT_MAX;

/// What literals of a type look like, and their unit.
fn literals(ty: FieldType, field: Field) -> String {
    let text = match (ty, field) {
        (FieldType::Int, Field::Co2Kg) => return format!("integer, kg: `0` to `{INT_MAX}`"),
        (FieldType::Int, _) => return format!("integer: `0` to `{INT_MAX}`"),
        (FieldType::Text, _) => "text (quote it if it is not a bare word)",
        (FieldType::Airport, _) => "IATA code: `JFK` (any case)",
        (FieldType::Currency, _) => "ISO 4217 code: `USD` (any case)",
        (FieldType::Cabin, _) => "`economy`, `premium_economy`, `business`, `first`",
        (FieldType::Minutes, _) => "minutes: `450`, `90m`, `7h`, `7h30m`",
        (FieldType::Price, _) => "exact decimal, at most 6 decimals: `250.10`",
        (FieldType::Bool, _) => "`true`, `false`",
        (FieldType::Stamp, _) => {
            "`2026-12-01` (local midnight), `2026-12-01T06:30[:00]` (local), `2026-12-01T06:30:00-05:00` / `Z` (instant)"
        }
        (FieldType::Date, _) => "`2026-12-01`",
        (FieldType::TimeOfDay, _) => "`06:30` (or `6:30`) or `06:30:15`",
        (FieldType::AirportList, _) => "airport codes",
        (FieldType::AirlineList, _) => "2-character airline codes: `B6`",
        (FieldType::FlightNumberList, _) => "designators: `AA100`, `B61234A`",
        (FieldType::MinutesList, _) => "minutes: `45`, `45m`, `1h`",
    };
    text.to_string()
}

fn operators(ty: FieldType) -> &'static str {
    if ty.is_list() {
        "`has`, `in`, `not in`"
    } else if ty.is_ordered() {
        "`= != < <= > >=`, `[not] between`, `[not] in`"
    } else if ty == FieldType::Bool {
        "bare, `= !=`, `[not] in`"
    } else {
        "`= !=`, `[not] in`"
    }
}

/// The Markdown table of every field.
pub fn fields_markdown() -> String {
    let mut out = String::from(
        "| field | type | operators | literals | can be unknown | example | meaning |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for &f in Field::ALL {
        out += &format!(
            "| `{}` | {} | {} | {} | {} | `{}` | {} |\n",
            f.name(),
            f.ty().describe(),
            operators(f.ty()),
            literals(f.ty(), f),
            if f.nullable() { "yes" } else { "no" },
            f.example(),
            f.doc()
        );
    }
    out
}

/// The Markdown table of the search flags and the expressions they stand for.
pub fn flags_markdown() -> String {
    let s = |v: &str| Some(v.to_string());
    let v = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let d = FilterFlags::default;
    let rows: Vec<(&str, FilterFlags)> = vec![
        (
            "--from JFK,EWR",
            FilterFlags {
                from: v(&["JFK", "EWR"]),
                ..d()
            },
        ),
        (
            "--to LAX",
            FilterFlags {
                to: v(&["LAX"]),
                ..d()
            },
        ),
        (
            "--date 2026-12-24",
            FilterFlags {
                date: s("2026-12-24"),
                ..d()
            },
        ),
        (
            "--date-from 2026-12-01",
            FilterFlags {
                date_from: s("2026-12-01"),
                ..d()
            },
        ),
        (
            "--date-to 2026-12-31",
            FilterFlags {
                date_to: s("2026-12-31"),
                ..d()
            },
        ),
        (
            "--min-price 100",
            FilterFlags {
                min_price: s("100"),
                ..d()
            },
        ),
        (
            "--max-price 250.10",
            FilterFlags {
                max_price: s("250.10"),
                ..d()
            },
        ),
        (
            "--max-stops 1",
            FilterFlags {
                max_stops: s("1"),
                ..d()
            },
        ),
        (
            "--airline AA,DL",
            FilterFlags {
                airline: v(&["AA", "DL"]),
                ..d()
            },
        ),
        (
            "--exclude-airline NK",
            FilterFlags {
                exclude_airline: v(&["NK"]),
                ..d()
            },
        ),
        (
            "--avoid ORD",
            FilterFlags {
                avoid: v(&["ORD"]),
                ..d()
            },
        ),
        (
            "--cabin economy,business",
            FilterFlags {
                cabin: v(&["economy", "business"]),
                ..d()
            },
        ),
        (
            "--depart-after 06:00",
            FilterFlags {
                depart_after: s("06:00"),
                ..d()
            },
        ),
        (
            "--depart-before 12:00",
            FilterFlags {
                depart_before: s("12:00"),
                ..d()
            },
        ),
        (
            "--arrive-after 08:00",
            FilterFlags {
                arrive_after: s("08:00"),
                ..d()
            },
        ),
        (
            "--arrive-before 22:00",
            FilterFlags {
                arrive_before: s("22:00"),
                ..d()
            },
        ),
        (
            "--max-duration 7h30m",
            FilterFlags {
                max_duration: s("7h30m"),
                ..d()
            },
        ),
        (
            "--max-layover 3h",
            FilterFlags {
                max_layover: s("3h"),
                ..d()
            },
        ),
        (
            "--min-layover 45m",
            FilterFlags {
                min_layover: s("45m"),
                ..d()
            },
        ),
        (
            "--min-bags 1",
            FilterFlags {
                min_bags: s("1"),
                ..d()
            },
        ),
        (
            "--min-seats 2",
            FilterFlags {
                min_seats: s("2"),
                ..d()
            },
        ),
        (
            "--refundable",
            FilterFlags {
                refundable: true,
                ..d()
            },
        ),
        (
            "--max-co2 500",
            FilterFlags {
                max_co2: s("500"),
                ..d()
            },
        ),
    ];
    let mut out = String::from("| flag | is the expression |\n| --- | --- |\n");
    for (flag, flags) in rows {
        out += &format!("| `{flag}` | `{}` |\n", flags.to_expr());
    }
    out
}

/// Replaces the block between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in `doc`.
#[cfg(test)]
pub(crate) fn splice(doc: &str, name: &str, generated: &str) -> String {
    let begin = format!("<!-- {name}:begin -->\n");
    let end = format!("<!-- {name}:end -->");
    let b = doc
        .find(&begin)
        .unwrap_or_else(|| panic!("no {begin} in the doc"))
        + begin.len();
    let e = doc
        .find(&end)
        .unwrap_or_else(|| panic!("no {end} in the doc"));
    format!("{}{generated}{}", &doc[..b], &doc[e..])
}

/// Checks that `README.md` holds the generated block `name`; with
/// `FLIGHTSIFT_BLESS=1` it rewrites the file instead.
#[cfg(test)]
pub(crate) fn check_doc_block(name: &str, generated: &str) {
    // Tests run in parallel; blessing is a read-modify-write of one file.
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let doc = std::fs::read_to_string(path).expect("read README.md");
    let want = splice(&doc, name, generated);
    if want != doc {
        if std::env::var_os("FLIGHTSIFT_BLESS").is_some() {
            std::fs::write(path, want).expect("write README.md");
        } else {
            panic!("README.md: the `{name}` table is stale; rerun with FLIGHTSIFT_BLESS=1");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_list_every_field_and_flag() {
        check_doc_block("fields", &fields_markdown());
        check_doc_block("flags", &flags_markdown());
    }

    #[test]
    fn every_field_example_parses_and_compiles() {
        for f in Field::ALL {
            crate::filter::parse_and_compile(f.example())
                .unwrap_or_else(|e| panic!("{}: {}", f.example(), e.render(Some(f.example()))));
        }
    }
}
