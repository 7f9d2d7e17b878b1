//! Several inputs at once: a producer per input, `--sort`, `--dedupe`, replayed
//! latency and faults in one provider, against a sequential reference.

use std::collections::HashSet;
use std::io::Cursor;

use flightsift::provider::Provider;
use flightsift::{Filter, Input, InputFormat, Outcome, Search, SearchConfig};
use serde_json::Value;

use crate::util::{random_dump, random_flags, Rng, Row, Workdir};

/// One offer of the reference: where it is in the input order and what the sort
/// keys and the itinerary read, computed here from the row's text.
#[derive(Clone, Debug)]
struct Offer {
    place: (usize, usize),
    id: String,
    keys: [Option<i64>; 6],
    itinerary: String,
    row: Row,
}

/// The field names `--sort` takes, in the order of [`Offer::keys`].
const KEYS: [&str; 6] = [
    "price",
    "duration",
    "departure",
    "arrival",
    "stops",
    "co2_kg",
];

fn instant(stamp: &str) -> i64 {
    stamp
        .parse::<flightsift::jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("{stamp}: {e}"))
        .as_second()
}

fn offer(input: usize, pos: usize, row: Row) -> Offer {
    let fields: Vec<&str> = row.line.split(',').collect();
    let stops = fields[7].parse::<i64>().unwrap();
    let itinerary = format!(
        "{}|{}|{}",
        fields[10],
        &fields[4][..19],
        fields[19].get(..19).unwrap_or("")
    );
    Offer {
        place: (input, pos),
        id: row.offer_id.clone(),
        keys: [
            Some(row.price_cents),
            Some(row.duration),
            Some(instant(&row.departure)),
            Some(instant(&row.arrival)),
            Some(stops),
            row.co2,
        ],
        itinerary,
        row,
    }
}

/// `inputs` dumps where later ones resell some of the first one's itineraries at
/// other prices (so `--dedupe` has work), with ids unique across all of them.
fn dumps(seed: u64, inputs: usize, rows: usize) -> (Vec<String>, Vec<Offer>) {
    let mut rng = Rng(seed);
    let mut texts = Vec::new();
    let mut offers = Vec::new();
    let (_, first) = random_dump(seed, rows);
    for input in 0..inputs {
        let own = if input == 0 {
            first.clone()
        } else {
            random_dump(seed * 31 + input as u64, rows).1
        };
        let mut text = format!("{}\n", crate::util::HEADER);
        for (pos, mut row) in own.into_iter().enumerate() {
            if input > 0 && rng.chance(40) {
                // The same seats, sold again: another id and price.
                let copy = &first[rng.below(first.len() as u64) as usize];
                let cents = 5_000 + rng.below(100_000) as i64;
                let mut fields: Vec<String> = copy.line.split(',').map(String::from).collect();
                fields[1] = format!("i{input}-{pos}");
                fields[13] = format!("{}.{:02}", cents / 100, cents % 100);
                row = Row {
                    offer_id: fields[1].clone(),
                    price_cents: cents,
                    line: fields.join(","),
                    ..copy.clone()
                };
            } else {
                let mut fields: Vec<String> = row.line.split(',').map(String::from).collect();
                fields[1] = format!("i{input}-{pos}");
                row.offer_id = fields[1].clone();
                row.line = fields.join(",");
            }
            text.push_str(&row.line);
            text.push('\n');
            offers.push(offer(input, pos, row));
        }
        texts.push(text);
    }
    (texts, offers)
}

/// A random sort: one to three distinct keys, each either way.
fn random_sort(rng: &mut Rng) -> Vec<(usize, bool)> {
    let mut keys: Vec<(usize, bool)> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let k = rng.below(KEYS.len() as u64) as usize;
        if keys.iter().all(|(e, _)| *e != k) {
            keys.push((k, rng.chance(30)));
        }
    }
    keys
}

/// The reference order: each key (unknown last either way), then input order.
fn reference_sort(offers: &mut [Offer], keys: &[(usize, bool)]) {
    offers.sort_by(|a, b| {
        for &(k, descending) in keys {
            let o = match (a.keys[k], b.keys[k]) {
                (Some(x), Some(y)) if descending => y.cmp(&x),
                (Some(x), Some(y)) => x.cmp(&y),
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
            };
            if o.is_ne() {
                return o;
            }
        }
        a.place.cmp(&b.place)
    });
}

fn first_of_each(offers: Vec<Offer>) -> Vec<Offer> {
    let mut seen = HashSet::new();
    offers
        .into_iter()
        .filter(|o| seen.insert(o.itinerary.clone()))
        .collect()
}

/// Library level: random filters, sorts, dedupe, limits and ordering over 2 to 4
/// inputs, swept over threads, channel capacities and page sizes, each run checked
/// against the sequential reference.
#[test]
fn fan_in_runs_equal_the_sequential_reference() {
    let mut rng = Rng(4242);
    for case in 0..80u64 {
        let inputs = 2 + rng.below(3) as usize;
        let (texts, offers) = dumps(case + 1, inputs, 20 + rng.below(120) as usize);
        let flags = random_flags(&mut rng);
        let filter = Filter::compile(&flags.to_library().to_expr()).unwrap();
        let matched: Vec<Offer> = offers
            .iter()
            .filter(|o| flags.matches(&o.row))
            .cloned()
            .collect();
        let sort = rng.chance(60).then(|| random_sort(&mut rng));
        let dedupe = rng.chance(50);
        let ordered = rng.chance(50);
        let limit = rng.chance(70).then(|| rng.below(matched.len() as u64 + 4));
        let (threads, capacity, page) = (
            1 + rng.below(4) as usize,
            1 + rng.below(4) as usize,
            1 + rng.below(20) as usize,
        );
        let mut config = SearchConfig::new(
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    Input::from_reader(
                        format!("in{i}.csv"),
                        InputFormat::Csv,
                        Box::new(Cursor::new(t.clone().into_bytes())),
                    )
                })
                .collect(),
        );
        config.filter = filter;
        config.limit = limit;
        config.ordered = ordered;
        config.dedupe = dedupe;
        config.threads = threads;
        config.channel_capacity = capacity;
        config.page_size = page;
        let spec = sort.as_ref().map(|keys| {
            keys.iter()
                .map(|(k, d)| format!("{}{}", if *d { "-" } else { "" }, KEYS[*k]))
                .collect::<Vec<_>>()
                .join(",")
        });
        config.sort = spec.as_ref().map(|s| s.parse().unwrap());
        let what = format!(
            "case {case}: {inputs} inputs, {} matches, sort {spec:?}, dedupe {dedupe}, ordered {ordered}, limit {limit:?}, threads {threads}, capacity {capacity}, page {page}",
            matched.len()
        );
        let mut handle = Search::start(config).unwrap();
        let got: Vec<String> = handle.flights().map(|f| f.offer_id).collect();
        let summary = handle.join().unwrap_or_else(|e| panic!("{what}: {e}"));
        let take = |v: Vec<Offer>| -> Vec<String> {
            v.into_iter()
                .take(limit.map_or(usize::MAX, |n| n as usize))
                .map(|o| o.id)
                .collect()
        };
        if let Some(keys) = &sort {
            let mut want = matched.clone();
            reference_sort(&mut want, keys);
            let want = if dedupe { first_of_each(want) } else { want };
            assert_eq!(got, take(want), "{what}");
        } else if ordered {
            let want = if dedupe {
                first_of_each(matched.clone())
            } else {
                matched.clone()
            };
            assert_eq!(got, take(want), "{what}");
        } else {
            // Any matches, each once, as many as the limit allows.
            let by_id: std::collections::HashMap<&str, &Offer> =
                matched.iter().map(|o| (o.id.as_str(), o)).collect();
            let distinct: HashSet<&str> = matched.iter().map(|o| o.itinerary.as_str()).collect();
            let available = if dedupe {
                distinct.len()
            } else {
                matched.len()
            };
            let want_len = limit.map_or(available, |n| available.min(n as usize));
            assert_eq!(got.len(), want_len, "{what}");
            let mut itineraries = HashSet::new();
            let mut ids = HashSet::new();
            for id in &got {
                let o = by_id
                    .get(id.as_str())
                    .unwrap_or_else(|| panic!("{what}: {id} is not a match"));
                assert!(ids.insert(id), "{what}: {id} twice");
                if dedupe {
                    assert!(
                        itineraries.insert(&o.itinerary),
                        "{what}: {id} repeats an itinerary"
                    );
                }
            }
        }
        assert_eq!(summary.emitted, got.len() as u64, "{what}");
        // The per-input accounts add up to the run's.
        assert_eq!(summary.inputs.len(), inputs, "{what}");
        let sum =
            |f: fn(&flightsift::InputSummary) -> u64| summary.inputs.iter().map(f).sum::<u64>();
        assert_eq!(sum(|i| i.counts.emitted), summary.emitted, "{what}");
        assert_eq!(
            sum(|i| i.counts.records_read),
            summary.records_read,
            "{what}"
        );
        assert_eq!(sum(|i| i.counts.pages_read), summary.pages_read, "{what}");
        if limit == Some(0) {
            assert_eq!(summary.outcome, Outcome::LimitReached, "{what}");
            assert_eq!(summary.records_read, 0, "{what}");
        } else if limit.is_none() || sort.is_some() {
            assert_eq!(summary.outcome, Outcome::Complete, "{what}");
            assert_eq!(summary.records_read, offers.len() as u64, "{what}");
        }
    }
}

/// `gen` pages of the same offers from every registered provider that `gen` writes;
/// their file names.
fn every_provider(wd: &Workdir, rows: &str, seed: &str) -> Vec<String> {
    let files: Vec<String> = Provider::ALL
        .into_iter()
        .filter(|p| p.has_generator())
        .map(|p| provider_pages(wd, p.name(), rows, seed))
        .collect();
    assert!(files.len() >= 2, "several providers: {files:?}");
    files
}

/// One provider's pages of `gen`'s offers, as `<provider>.ndjson`: its name.
fn provider_pages(wd: &Workdir, provider: &str, rows: &str, seed: &str) -> String {
    let name = format!("{provider}.ndjson");
    let out = wd.path(&name);
    wd.stdout(&[
        "gen",
        "--format",
        provider,
        "--rows",
        rows,
        "--seed",
        seed,
        "-o",
        out.to_str().unwrap(),
    ]);
    name
}

/// Every provider's pages of the same offers: `--dedupe` keeps one of each
/// itinerary whatever the provider, and `--sort price --dedupe -n N` the N cheapest.
#[test]
fn dedupe_across_raw_providers_keeps_one_offer_per_itinerary() {
    let wd = Workdir::new();
    let files = every_provider(&wd, "400", "9");
    let mut args = vec!["search", "--format", "ndjson"];
    args.extend(files.iter().map(String::as_str));
    let all = wd.stdout(&args);
    let distinct = |text: &str| -> usize {
        text.lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                format!(
                    "{}|{}|{}",
                    v["flight_numbers"], v["departure"], v["return_departure"]
                )
            })
            .collect::<HashSet<_>>()
            .len()
    };
    let total = all.lines().count();
    let want = distinct(&all);
    assert!(
        want < total,
        "the providers share itineraries: {want} of {total}"
    );
    for extra in [
        &["--dedupe"][..],
        &["--dedupe", "--ordered"],
        &["--dedupe", "--sort", "price"],
    ] {
        let mut a = args.clone();
        a.extend_from_slice(extra);
        let out = wd.stdout(&a);
        assert_eq!(out.lines().count(), want, "{extra:?}");
        assert_eq!(distinct(&out), want, "{extra:?}");
    }
    // The ten cheapest distinct itineraries, cheapest first.
    let mut a = args.clone();
    a.extend_from_slice(&["--sort", "price", "--dedupe", "-n", "10"]);
    let top = wd.stdout(&a);
    let prices: Vec<f64> = top
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["price"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert_eq!(prices.len(), 10);
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let mut every: Vec<f64> = all
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["price"]
                .as_f64()
                .unwrap()
        })
        .collect();
    every.sort_by(f64::total_cmp);
    assert_eq!(prices[0], every[0]);
}

fn stats_json(wd: &Workdir, args: &[&str]) -> Value {
    let stats = wd.path("stats.json");
    let mut a = args.to_vec();
    a.extend_from_slice(&["--stats-json", stats.to_str().unwrap()]);
    wd.stdout(&a);
    serde_json::from_str(&wd.read("stats.json")).unwrap()
}

/// Every provider at 50 ms a page and a small limit: the run ends after about one
/// page per provider instead of reading every page, and says when results came.
#[test]
fn replayed_latency_stops_every_provider_after_about_a_page() {
    let wd = Workdir::new();
    let files = every_provider(&wd, "3000", "5");
    let mut args = vec![
        "search",
        "-n",
        "3",
        "--replay-latency",
        "50ms",
        "-o",
        "out.csv",
    ];
    args.extend(files.iter().map(String::as_str));
    let mut count = vec!["search", "--count"];
    count.extend(files.iter().map(String::as_str));
    let full = stats_json(&wd, &count);
    let total_pages = full["pages_read"].as_u64().unwrap();
    assert!(total_pages >= 40, "{full}");
    for _ in 0..3 {
        let s = stats_json(&wd, &args);
        assert_eq!(s["outcome"], "limit_reached", "{s}");
        assert_eq!(s["emitted"], 3, "{s}");
        let providers_seen = s["providers"].as_object().unwrap();
        assert_eq!(providers_seen.len(), files.len(), "{s}");
        for (name, p) in providers_seen {
            assert!(p["pages_read"].as_u64().unwrap() <= 3, "{name}: {s}");
            assert!(p["waiting_secs"].as_f64().unwrap() > 0.0, "{name}: {s}");
            for key in ["records_read", "matched", "emitted", "bad_records"] {
                assert!(p[key].is_u64(), "{name} {key}: {s}");
            }
        }
        let first = s["time_to_first_secs"].as_f64().unwrap();
        assert!(first >= 0.05, "the first page comes after one wait: {s}");
        assert!(s["time_to_last_secs"].as_f64().unwrap() >= first, "{s}");
        let most = 3 * files.len() as u64;
        assert!(s["pages_read"].as_u64().unwrap() <= most, "{s}");
    }
}

/// A corrupt compressed input and a corrupt page in another provider: with
/// `--on-error skip` every other provider's results are all there; by default the
/// run fails naming the file.
#[test]
fn a_fault_in_one_provider_loses_nothing_of_the_others() {
    let wd = Workdir::new();
    for p in ["amadeus", "kiwi", "duffel"] {
        provider_pages(&wd, p, "500", "2");
    }
    // Duffel's pages with one page cut in half.
    let text = wd.read("duffel.ndjson");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let cut = lines[1].len() / 2;
    lines[1].truncate(cut);
    wd.create("duffel.ndjson", lines.join("\n") + "\n");
    // A gzip stream cut short.
    let gz = {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(wd.read("kiwi.ndjson").as_bytes()).unwrap();
        let mut bytes = e.finish().unwrap();
        bytes.truncate(bytes.len() / 2);
        bytes
    };
    wd.create("broken.ndjson.gz", gz);
    let one = |f: &str| -> Vec<String> {
        let out = wd.stdout(&["search", "--on-error", "skip", "--format", "ndjson", f]);
        out.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["offer_id"].to_string())
            .collect()
    };
    // What the broken file holds before its fault is kept too (read alone, the same).
    let mut want = [
        one("amadeus.ndjson"),
        one("broken.ndjson.gz"),
        one("kiwi.ndjson"),
        one("duffel.ndjson"),
    ]
    .concat();
    want.sort();
    let names = [
        "amadeus.ndjson",
        "broken.ndjson.gz",
        "kiwi.ndjson",
        "duffel.ndjson",
    ];
    for threads in ["1", "2", "4"] {
        let mut args = vec![
            "search",
            "--on-error",
            "skip",
            "--format",
            "ndjson",
            "-j",
            threads,
        ];
        args.extend_from_slice(&names);
        let out = wd.stdout(&args);
        let mut got: Vec<String> = out
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["offer_id"].to_string())
            .collect();
        got.sort();
        assert_eq!(got, want, "threads {threads}");
        let s = stats_json(&wd, &args);
        let broken = &s["bad_records_by_input"]["broken.ndjson.gz"];
        assert_eq!(broken["unreadable"], 1, "{s}");
        assert_eq!(s["inputs"][3]["bad_records"], 1, "{s}");
        assert_eq!(s["inputs"][1]["bad_records"], 1, "{s}");
        let said = s["unreadable"][0].as_str().unwrap();
        assert!(
            said.starts_with("broken.ndjson.gz: the gzip stream is truncated"),
            "{said}"
        );
    }
    let mut args = vec!["search"];
    args.extend_from_slice(&names);
    let err = wd.fails_with(2, &args);
    assert!(
        err.contains("broken.ndjson.gz") || err.contains("duffel.ndjson"),
        "{err}"
    );
}

/// An ordered run over a slow first input and fast later ones still gives the
/// first N in command-line order, and does not hold the later inputs in memory:
/// their producers wait (pages read stay bounded).
#[test]
fn ordered_runs_keep_command_line_order_across_slow_inputs() {
    let wd = Workdir::new();
    let mut names = Vec::new();
    for i in 0..3 {
        let out = wd.path(&format!("d{i}.csv"));
        wd.stdout(&[
            "gen",
            "--rows",
            "20000",
            "--seed",
            &format!("{}", 10 + i),
            "-o",
            out.to_str().unwrap(),
        ]);
        names.push(format!("d{i}.csv"));
    }
    let mut sequential = Vec::new();
    for n in &names {
        sequential.extend(
            wd.stdout(&["search", "--ordered", "-j", "1", n])
                .lines()
                .skip(1)
                .map(String::from)
                .collect::<Vec<_>>(),
        );
    }
    for (limit, page) in [("25000", "100"), ("41000", "7"), ("100", "1000")] {
        let mut args = vec![
            "search",
            "--ordered",
            "-n",
            limit,
            "--page-size",
            page,
            "--replay-latency",
            "0ms..2ms",
        ];
        args.extend(names.iter().map(String::as_str));
        let out = wd.stdout(&args);
        let got: Vec<&str> = out.lines().skip(1).collect();
        let n: usize = limit.parse().unwrap();
        assert_eq!(got.len(), n.min(sequential.len()));
        assert!(
            got.iter().zip(&sequential).all(|(a, b)| a == b),
            "limit {limit}, page {page}"
        );
    }
}

/// `--currency`: a filter at exactly the converted amount (rounded half-even to
/// the target's minor unit) keeps the offer and one a cent below does not; a price
/// in a currency the rates cannot convert follows `--on-error`.
#[test]
fn currency_conversion_is_exact_at_the_boundary_and_a_missing_rate_follows_the_policy() {
    let wd = Workdir::new();
    let sample = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample.csv"),
    )
    .unwrap();
    let row = sample.lines().nth(1).unwrap();
    let with = |id: &str, price: &str, currency: &str| -> String {
        let mut f: Vec<&str> = row.split(',').collect();
        f[1] = id;
        f[13] = price;
        f[14] = currency;
        f.join(",")
    };
    // 33.33 GBP x 1.27 = 42.3291 -> 42.33 USD; 10.125 USD -> 10.12 (half-even, to
    // even); 10.135 USD -> 10.14; 100 EUR x 1.08 = 108.00 USD; 5000 JPY / 150 =
    // 33.333... -> 33.33 USD (the inverse of USD->JPY).
    let rows = [
        with("gbp", "33.33", "GBP"),
        with("even-down", "10.125", "USD"),
        with("even-up", "10.135", "USD"),
        with("eur", "100", "EUR"),
        with("jpy", "5000", "JPY"),
    ];
    wd.create(
        "d.csv",
        format!("{}\n{}\n", crate::util::HEADER, rows.join("\n")),
    );
    let rates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/rates.csv");
    let rates = rates.to_str().unwrap();
    let in_usd = |more: &[&str]| {
        let args = [
            "search",
            "d.csv",
            "--currency",
            "USD",
            "--rates",
            rates,
            "--ordered",
        ];
        wd.stdout(&[&args[..], more].concat())
    };
    let ids = |expr: &str| crate::util::csv_ids(&in_usd(&["--where", expr]));
    assert_eq!(ids("price = 42.33"), ["gbp"]);
    assert_eq!(ids("price < 42.33 and price > 42.32"), Vec::<String>::new());
    assert_eq!(ids("price = 10.12"), ["even-down"]);
    assert_eq!(ids("price = 10.14"), ["even-up"]);
    assert_eq!(ids("price <= 108 and price >= 108"), ["eur"]);
    assert_eq!(ids("price = 33.33"), ["jpy"]);
    // The output says the target currency, with its minor unit's decimals.
    let out = in_usd(&[]);
    let prices: Vec<(String, String)> = out
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[13].to_string(), f[14].to_string())
        })
        .collect();
    let want = [
        ("42.33", "USD"),
        ("10.12", "USD"),
        ("10.14", "USD"),
        ("108.00", "USD"),
        ("33.33", "USD"),
    ];
    assert_eq!(
        prices,
        want.map(|(p, c)| (p.to_string(), c.to_string())).to_vec()
    );
    // No rate for CHF: fatal by default, naming file, line and currency; skipped
    // and counted under skip, the others kept.
    wd.create(
        "chf.csv",
        format!(
            "{}\n{}\n{}\n",
            crate::util::HEADER,
            rows[0],
            with("chf", "80", "CHF")
        ),
    );
    let err = wd.fails_with(
        2,
        &["search", "chf.csv", "--currency", "USD", "--rates", rates],
    );
    assert!(err.contains("chf.csv:3") && err.contains("CHF"), "{err}");
    let s = stats_json(
        &wd,
        &[
            "search",
            "chf.csv",
            "--currency",
            "USD",
            "--rates",
            rates,
            "--on-error",
            "skip",
            "-o",
            "o.csv",
        ],
    );
    assert_eq!(s["bad_records_by_input"]["chf.csv"]["currency"], 1, "{s}");
    assert_eq!(crate::util::csv_ids(&wd.read("o.csv")), ["gbp"]);
    // A bad rates file is an error naming its line, before anything runs.
    wd.create(
        "bad-rates.csv",
        "from,to,rate\nEUR,USD,1.08\nGBP,USD,lots\n",
    );
    let err = wd.fails_with(
        2,
        &[
            "search",
            "d.csv",
            "--currency",
            "USD",
            "--rates",
            "bad-rates.csv",
        ],
    );
    assert!(
        err.contains("bad-rates.csv:3: field `rate`: expected a positive decimal")
            && err.contains("found `lots`"),
        "{err}"
    );
}
