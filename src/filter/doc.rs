//! The reference of the `--where` language, written or generated once here and
//! rendered three ways: Markdown for the guide's filter page, `docs/filters.md` (a test
//! in `tests/self_docs.rs` keeps the page's copy equal), plain text for
//! `flightsift help where`, and the man page. The tables come from the code (the
//! fields from [`Field::ALL`], the flags from [`FilterFlags::to_expr`]) so the
//! documentation cannot drift from what the parser and compiler accept; the prose is
//! kept in light Markdown (backticks, `**`, `*` bullets, links) that [`plain`] strips.

use super::field::{Field, FieldType};
use super::flags::FilterFlags;
use super::literal::INT_MAX;

/// Example expressions, one per line, with `--` comments.
pub const EXAMPLES: &str = r##"price <= 450 and stops <= 1
origin = JFK and destination in (LAX, SFO, SAN)
cabin = economy or cabin = premium_economy
carriers has AA                 -- list field contains a value
not via has ORD                 -- no connection at ORD
carriers in (AA, DL, B6)        -- list field: every element is in the set
depart_time between 06:00 and 11:59     -- local time of day at the origin
arrive_time < 22:00
departure >= 2026-12-01 and departure < 2026-12-08   -- a date means local midnight
duration <= 7h30m               -- also 450, 90m, 7h
max_layover <= 3h and min_layover >= 45m
refundable and bags >= 1
seats >= 2 and co2_kg < 500
bags is null                    -- unknown values: is null / is not null
(price < 300 or cabin = business) and not (provider = kiwi)
"##;

/// What expressions mean: unknown values, lists, time, case, money, flags.
pub const MEANING: &str = r##"* **Unknown values.** `seats`, `bags`, `refundable`, `co2_kg` are unknown when their cell is
  empty (in NDJSON: `null` or absent); `return_*` when the offer is one-way; `max_layover`/`min_layover` for a nonstop. The logic
  is SQL's three-valued logic: a comparison with an unknown value is unknown, `not unknown` is
  unknown, `unknown and false` is false, `unknown or true` is true, and a flight is emitted only
  when the whole filter is *true*. So `not (bags >= 1)` does not select flights whose bags are
  unknown; write `not (bags >= 1) or bags is null` for that. `x is null` on a field that is never
  unknown is simply false.
* **Lists** (`via`, `carriers`, `flight_numbers`, `layover_min`) are never unknown; a nonstop has
  an empty `via` and `layover_min`. `list has X` is true when X is a member. `list in (A, B)` is
  true when *every* member is in the set, so it is true for an empty list; `list not in (...)` is
  its negation.
* **Time.** `departure`, `arrival` and `return_*` are written with the local time and UTC offset of
  their airport (`2026-12-01T06:35:00-05:00`). Compared with a date (`2026-12-01`, local midnight)
  or a local date-time (`2026-12-01T06:00`), the local wall-clock reading is compared, as written.
  Compared with a literal that has an offset or `Z`, instants are compared.
  `depart_time`, `arrive_time`, `return_depart_time` are local times of day; `depart_date`,
  `arrive_date` local dates. `06:00` means 06:00:00, so `depart_time <= 11:59` excludes 11:59:30.
* **Case.** Keywords and field names are case-insensitive, and so are codes (`origin = jfk`),
  cabins and booleans. `provider` compares ignoring ASCII case (`kiwi` = `Kiwi`); `offer_id`
  compares exactly.
* **Money** is exact: `price <= 250.10` compares decimals, never floating point. Prices of
  different currencies are not converted.
* **Flags are sugar** for expressions, ANDed together: see the table under [Search flags](#search-flags).
"##;

/// The grammar, in EBNF.
pub const GRAMMAR: &str = r##"expr      = or ;
or        = and , { "or" , and } ;
and       = unary , { "and" , unary } ;
unary     = "not" , unary | primary ;
primary   = "(" , expr , ")" | "true" | "false" | predicate ;
predicate = field , [ cmp_op , value
                    | [ "not" ] , "in" , "(" , value , { "," , value } , ")"
                    | [ "not" ] , "between" , value , "and" , value      (* inclusive *)
                    | "has" , value
                    | "is" , [ "not" ] , "null" ] ;                       (* bare field: a boolean *)
cmp_op    = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" ;
value     = bare | string ;
bare      = { letter | digit | "_" | "." | ":" | "-" | "+" }- ;   (* not containing "--" *)
string    = "'" , { any char but "'" | "''" } , "'"
          | '"' , { any char but '"' | '""' } , '"' ;
comment   = "--" , { any char but newline } ;
"##;

/// Precedence, keywords, quoting and limits.
pub const GRAMMAR_NOTES: &str = r##"`not` binds tighter than `and`, which binds tighter than `or`: `not a and b or c` is
`((not a) and b) or c`. The `and` of `between x and y` belongs to the `between`. Keywords (`and or
not in between has is null true false`) are case-insensitive; `true`/`false` may also be values
(`refundable = false`). A value that is not a bare word (spaces, non-ASCII letters, a keyword)
is written in quotes: `offer_id = 'off 12'`, `provider = 'São'`. Quoting never changes the type of
a value: the field decides how it is read (`7h30m` is a duration next to `duration`).

Limits: an expression is at most 64 KiB long and nests at most 64 levels (parentheses and `not`
included; the `and`s at the top level are not a level, and neither is the `and` that joins the
flags to `--where`, so adding a flag never makes an accepted expression too deep); beyond that it
is an error, not a crash.
"##;

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

/// One field of the language, as every rendering shows it.
#[derive(Clone, Debug)]
pub struct FieldDoc {
    /// The name written in expressions.
    pub name: &'static str,
    /// Its type, in words.
    pub ty: &'static str,
    /// The operators it takes.
    pub operators: &'static str,
    /// What its literals look like.
    pub literals: String,
    /// Whether it can be unknown (null).
    pub nullable: bool,
    /// An expression using it.
    pub example: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

/// Every field, in [`Field::ALL`] order.
pub fn fields() -> Vec<FieldDoc> {
    Field::ALL
        .iter()
        .map(|&f| FieldDoc {
            name: f.name(),
            ty: f.ty().describe(),
            operators: operators(f.ty()),
            literals: literals(f.ty(), f),
            nullable: f.nullable(),
            example: f.example(),
            meaning: f.doc(),
        })
        .collect()
}

/// The Markdown table of every field.
pub fn fields_markdown() -> String {
    let mut out = String::from(
        "| field | type | operators | literals | can be unknown | example | meaning |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for f in fields() {
        out += &format!(
            "| `{}` | {} | {} | {} | {} | `{}` | {} |\n",
            f.name,
            f.ty,
            f.operators,
            f.literals,
            if f.nullable { "yes" } else { "no" },
            f.example,
            f.meaning
        );
    }
    out
}

/// The search flags, with an example value, and the expressions they stand for.
pub fn flags() -> Vec<(&'static str, String)> {
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
    rows.into_iter()
        .map(|(flag, flags)| (flag, flags.to_expr().to_string()))
        .collect()
}

/// The Markdown table of the search flags and the expressions they stand for.
pub fn flags_markdown() -> String {
    let mut out = String::from("| flag | is the expression |\n| --- | --- |\n");
    for (flag, expr) in flags() {
        out += &format!("| `{flag}` | `{expr}` |\n");
    }
    out
}

/// The language's blocks of `docs/filters.md`: (name, Markdown), each copied there
/// between `<!-- NAME:begin -->` and `<!-- NAME:end -->`. Only generated here: the
/// library reads and writes no documentation file.
pub fn markdown_blocks() -> Vec<(&'static str, String)> {
    vec![
        ("where-examples", format!("```\n{EXAMPLES}```\n")),
        ("where-meaning", MEANING.to_string()),
        (
            "where-grammar",
            format!("```ebnf\n{GRAMMAR}```\n\n{GRAMMAR_NOTES}"),
        ),
        ("fields", fields_markdown()),
        ("flags", flags_markdown()),
    ]
}

/// Light Markdown as plain text: code marks and emphasis dropped, links reduced to
/// their text, `*` bullets kept (they read well as they are).
pub fn plain(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut rest = md;
    while let Some(i) = rest.find('[') {
        // `[text](#anchor)` -> `text`; any other bracket stays.
        let (before, from) = rest.split_at(i);
        out.push_str(before);
        match from
            .find("](")
            .and_then(|c| from[c..].find(')').map(|e| (c, c + e)))
        {
            Some((c, e)) if !from[..c].contains(['\n', '(']) => {
                out.push_str(&from[1..c]);
                rest = &from[e + 1..];
            }
            _ => {
                out.push('[');
                rest = &from[1..];
            }
        }
    }
    out.push_str(rest);
    out.replace("**", "").replace('`', "")
}

/// `flightsift help where`: the whole language, as plain text for a terminal.
pub fn language_text() -> String {
    let mut out = String::from(
        "The --where language: search --where EXPR keeps the flights for which EXPR is\n\
         true, ANDed with the filter flags; sql --where EXPR prints the same filter as SQL.\n\n",
    );
    out += "EXAMPLES\n";
    for line in EXAMPLES.lines() {
        out += &format!("  {line}\n");
    }
    out += "\nMEANING\n";
    out += &indent(&plain(MEANING));
    out += "\nGRAMMAR\n";
    out += &indent(GRAMMAR);
    out += "\n";
    out += &indent(&plain(GRAMMAR_NOTES));
    out += "\nFIELDS (name, type; can it be unknown; example; operators; literals)\n";
    for f in fields() {
        out += &format!(
            "  {} ({}{})\n      {}\n      e.g. {}\n      operators: {}; literals: {}\n",
            f.name,
            f.ty,
            if f.nullable { ", can be unknown" } else { "" },
            f.meaning.replace('`', ""),
            f.example,
            plain(f.operators),
            plain(&f.literals),
        );
    }
    out += "\nFLAGS (each is sugar for an expression)\n";
    let width = flags().iter().map(|(f, _)| f.len()).max().unwrap_or(0);
    for (flag, expr) in flags() {
        out += &format!("  {flag:<width$}  {expr}\n");
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("  {l}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_markdown() {
        assert_eq!(
            plain("**Flags** see [Search flags](#search-flags), `x` [y]"),
            "Flags see Search flags, x [y]"
        );
    }

    #[test]
    fn help_where_names_every_field_and_flag() {
        let text = language_text();
        for f in Field::ALL {
            assert!(
                text.contains(&format!("\n  {} (", f.name())),
                "{}",
                f.name()
            );
        }
        for (flag, _) in flags() {
            assert!(text.contains(flag), "{flag}");
        }
        assert!(!text.contains('`'), "Markdown left in the plain text");
    }

    #[test]
    fn every_field_example_parses_and_compiles() {
        for f in Field::ALL {
            crate::filter::parse_and_compile(f.example())
                .unwrap_or_else(|e| panic!("{}: {}", f.example(), e.render(Some(f.example()))));
        }
    }
}
