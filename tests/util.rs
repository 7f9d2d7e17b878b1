//! Test support: a scratch directory per test that runs the real binary (in the
//! manner of xsv's `Workdir`), and a seeded generator of canonical dumps together
//! with an independent reference implementation of the search flags.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The canonical header line without its newline, from the library's one definition
/// of the columns (whose own test checks the text).
pub const HEADER: &str = {
    let (_newline, line) = flightsift::record::CSV_HEADER
        .as_bytes()
        .split_last()
        .expect("a header line");
    match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(_) => panic!("the header is ASCII"),
    }
};

/// A temporary directory with helpers to create inputs and run `flightsift` in it.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::Builder::new()
                .prefix("flightsift-test")
                .tempdir()
                .expect("tempdir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn create(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write input");
        p
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("read output")
    }

    /// `flightsift ARGS...` with the working directory set here.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flightsift"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    /// `flightsift ARGS...` on a pseudo-terminal: stdin, stdout and stderr are all the
    /// terminal, whose whole output is the returned command's stdout (`\r\n` lines and
    /// escape sequences included). `script` (util-linux, on every Debian) makes the
    /// terminal; it needs no terminal itself, so this works with stdin at /dev/null.
    pub fn pty_command(&self, args: &[&str]) -> Command {
        let mut line = sh_quote(env!("CARGO_BIN_EXE_flightsift"));
        for a in args {
            line.push(' ');
            line.push_str(&sh_quote(a));
        }
        let mut cmd = Command::new("script");
        // -q: no banner; -e: the command's exit status; -c: the command; /dev/null:
        // no typescript file.
        cmd.args(["-q", "-e", "-c", &line, "/dev/null"])
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// A FIFO named `name` here: an input that stalls for as long as its writer wants.
    pub fn fifo(&self, name: &str) -> PathBuf {
        let p = self.path(name);
        let made = Command::new("mkfifo").arg(&p).status().expect("mkfifo");
        assert!(made.success());
        p
    }

    /// Runs and returns the output, whatever the status.
    pub fn output(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("spawn flightsift")
    }

    /// Runs, requires success, returns stdout.
    pub fn stdout(&self, args: &[&str]) -> String {
        let out = self.output(args);
        if !out.status.success() {
            panic!("{}", describe(args, &out));
        }
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs, requires exit code `code`, returns stderr.
    pub fn fails_with(&self, code: i32, args: &[&str]) -> String {
        let out = self.output(args);
        if out.status.code() != Some(code) {
            panic!("expected exit {code}\n{}", describe(args, &out));
        }
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

pub fn describe(args: &[&str], out: &Output) -> String {
    format!(
        "command: flightsift {}\nstatus: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `offer_id`s of a CSV output (header skipped), sorted.
pub fn csv_ids(csv: &str) -> Vec<String> {
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers = rdr.headers().expect("header").clone();
    let at = headers
        .iter()
        .position(|h| h == "offer_id")
        .expect("offer_id column");
    let mut ids: Vec<String> = rdr
        .records()
        .map(|r| r.expect("valid csv")[at].to_string())
        .collect();
    ids.sort();
    ids
}

pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// SplitMix64: tiny, seedable, good enough to spread test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

pub const AIRPORTS: [&str; 7] = ["JFK", "LAX", "SFO", "ORD", "BOS", "LHR", "DEN"];
pub const AIRLINES: [&str; 6] = ["AA", "DL", "UA", "B6", "NK", "BA"];
pub const CABINS: [&str; 4] = ["economy", "premium_economy", "business", "first"];
const OFFSETS: [&str; 6] = ["-05:00", "-08:00", "+00:00", "+05:30", "+09:00", "-03:00"];

/// One generated offer, kept as the plain values the reference filter reads.
#[derive(Clone, Debug)]
pub struct Row {
    pub offer_id: String,
    pub origin: String,
    pub destination: String,
    pub departure: String,
    pub arrival: String,
    pub duration: i64,
    pub via: Vec<String>,
    pub carriers: Vec<String>,
    pub layovers: Vec<i64>,
    pub cabin: String,
    pub price_cents: i64,
    pub seats: Option<i64>,
    pub bags: Option<i64>,
    pub refundable: Option<bool>,
    pub co2: Option<i64>,
    pub line: String,
}

fn stamp(rng: &mut Rng) -> String {
    let day = rng.range(28, 35); // 2026-11-28 .. 2026-12-05
    let (month, d) = if day > 30 { (12, day - 30) } else { (11, day) };
    let minute = match rng.below(10) {
        0 => 0,
        1 => 23 * 60 + 59,
        2 => 6 * 60,
        _ => rng.range(0, 24 * 60 - 1),
    };
    format!(
        "2026-{month:02}-{d:02}T{:02}:{:02}:00{}",
        minute / 60,
        minute % 60,
        rng.pick(&OFFSETS)
    )
}

/// A random but valid canonical row; `id` makes `offer_id` unique.
pub fn random_row(rng: &mut Rng, id: usize) -> Row {
    let origin = rng.pick(&AIRPORTS).to_string();
    let destination = loop {
        let d = rng.pick(&AIRPORTS).to_string();
        if d != origin {
            break d;
        }
    };
    let stops = *rng.pick(&[0, 0, 0, 1, 1, 2]);
    let via: Vec<String> = (0..stops)
        .map(|_| rng.pick(&AIRPORTS).to_string())
        .collect();
    let layovers: Vec<i64> = (0..stops)
        .map(|_| *rng.pick(&[30, 45, 60, 90, 180, 240, 600]))
        .collect();
    let carrier = rng.pick(&AIRLINES).to_string();
    let carriers: Vec<String> = (0..=stops)
        .map(|_| {
            if rng.chance(80) {
                carrier.clone()
            } else {
                rng.pick(&AIRLINES).to_string()
            }
        })
        .collect();
    let flight_numbers: Vec<String> = carriers
        .iter()
        .map(|c| format!("{c}{}", rng.range(1, 9999)))
        .collect();
    let price_cents = match rng.below(8) {
        0 => 25_010,
        1 => 30_000,
        _ => rng.range(5_000, 150_000),
    };
    let price = if price_cents % 100 == 0 && rng.chance(50) {
        format!("{}", price_cents / 100)
    } else {
        format!("{}.{:02}", price_cents / 100, price_cents % 100)
    };
    let opt = |rng: &mut Rng, lo: i64, hi: i64| {
        if rng.chance(20) {
            None
        } else {
            Some(rng.range(lo, hi))
        }
    };
    let seats = opt(rng, 1, 9);
    let bags = opt(rng, 0, 2);
    let co2 = opt(rng, 50, 900);
    let refundable = if rng.chance(20) {
        None
    } else {
        Some(rng.chance(30))
    };
    let row_return = rng.chance(30);
    let departure = stamp(rng);
    let arrival = stamp(rng);
    let duration = *rng.pick(&[60, 180, 300, 420, 450, 451, 900]);
    // Some providers do not state the cabin: unknown, an empty cell.
    let cabin = if rng.chance(5) {
        String::new()
    } else {
        rng.pick(&CABINS).to_string()
    };
    let provider = rng
        .pick(&["amadeus", "duffel", "kiwi", "Sabre"])
        .to_string();
    let offer_id = format!("r{id}");
    let show = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut line = String::new();
    write!(
        line,
        "{provider},{offer_id},{origin},{destination},{departure},{arrival},{duration},{stops},{},{},{},{},{cabin},{price},{},{},{},{},{},{},{}",
        via.join(";"),
        carriers.join(";"),
        flight_numbers.join(";"),
        layovers.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(";"),
        if rng.chance(90) { "USD" } else { "EUR" },
        show(seats),
        show(bags),
        refundable.map(|r| r.to_string()).unwrap_or_default(),
        show(co2),
        if row_return { stamp(rng) } else { String::new() },
        if row_return { stamp(rng) } else { String::new() },
    )
    .unwrap();
    Row {
        offer_id,
        origin,
        destination,
        departure,
        arrival,
        duration,
        via,
        carriers,
        layovers,
        cabin,
        price_cents,
        seats,
        bags,
        refundable,
        co2,
        line,
    }
}

pub fn random_dump(seed: u64, rows: usize) -> (String, Vec<Row>) {
    let mut rng = Rng(seed);
    let rows: Vec<Row> = (0..rows).map(|i| random_row(&mut rng, i)).collect();
    let mut text = String::with_capacity(rows.len() * 200);
    text.push_str(HEADER);
    text.push('\n');
    for r in &rows {
        text.push_str(&r.line);
        text.push('\n');
    }
    (text, rows)
}

/// A random combination of search flags, as CLI arguments and as library flags.
#[derive(Clone, Debug, Default)]
pub struct FlagSet {
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    pub max_price_cents: Option<i64>,
    pub min_price_cents: Option<i64>,
    pub max_stops: Option<i64>,
    pub airline: Vec<String>,
    pub exclude_airline: Vec<String>,
    pub avoid: Vec<String>,
    pub cabin: Vec<String>,
    pub depart_after: Option<String>,
    pub depart_before: Option<String>,
    pub arrive_before: Option<String>,
    pub max_duration: Option<i64>,
    pub max_layover: Option<i64>,
    pub min_layover: Option<i64>,
    pub min_bags: Option<i64>,
    pub min_seats: Option<i64>,
    pub refundable: bool,
    pub max_co2: Option<i64>,
}

pub fn random_flags(rng: &mut Rng) -> FlagSet {
    let mut f = FlagSet::default();
    let p = 25;
    let codes = |rng: &mut Rng, from: &[&str]| -> Vec<String> {
        (0..rng.range(1, 3))
            .map(|_| rng.pick(from).to_string())
            .collect()
    };
    let hhmm = |rng: &mut Rng| *rng.pick(&["00:00", "06:00", "11:59", "12:00", "18:30", "23:59"]);
    if rng.chance(p) {
        f.from = codes(rng, &AIRPORTS)
    }
    if rng.chance(p) {
        f.to = codes(rng, &AIRPORTS)
    }
    if rng.chance(p) {
        f.date_from = Some(format!("2026-12-0{}", rng.range(1, 3)))
    }
    if rng.chance(p) {
        f.date_to = Some(format!("2026-12-0{}", rng.range(1, 5)))
    }
    if rng.chance(p) {
        f.max_price_cents = Some(*rng.pick(&[25_010, 30_000, 80_000]))
    }
    if rng.chance(p) {
        f.min_price_cents = Some(*rng.pick(&[25_010, 10_000]))
    }
    if rng.chance(p) {
        f.max_stops = Some(rng.range(0, 2))
    }
    if rng.chance(p) {
        f.airline = codes(rng, &AIRLINES)
    }
    if rng.chance(p) {
        f.exclude_airline = codes(rng, &AIRLINES)
    }
    if rng.chance(p) {
        f.avoid = codes(rng, &AIRPORTS)
    }
    if rng.chance(p) {
        f.cabin = codes(rng, &CABINS)
    }
    if rng.chance(p) {
        f.depart_after = Some(hhmm(rng).into())
    }
    if rng.chance(p) {
        f.depart_before = Some(hhmm(rng).into())
    }
    if rng.chance(p) {
        f.arrive_before = Some(hhmm(rng).into())
    }
    if rng.chance(p) {
        f.max_duration = Some(*rng.pick(&[450, 300]))
    }
    if rng.chance(p) {
        f.max_layover = Some(*rng.pick(&[60, 240]))
    }
    if rng.chance(p) {
        f.min_layover = Some(*rng.pick(&[45, 90]))
    }
    if rng.chance(p) {
        f.min_bags = Some(rng.range(0, 2))
    }
    if rng.chance(p) {
        f.min_seats = Some(rng.range(1, 5))
    }
    f.refundable = rng.chance(10);
    if rng.chance(p) {
        f.max_co2 = Some(rng.range(100, 800))
    }
    f
}

fn cents(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

fn minutes(m: i64) -> String {
    // Exercise every duration spelling.
    match m % 3 {
        0 if m % 60 == 0 => format!("{}h", m / 60),
        1 => format!("{}h{}m", m / 60, m % 60),
        _ => format!("{m}"),
    }
}

impl FlagSet {
    pub fn args(&self) -> Vec<String> {
        let mut a = Vec::new();
        let mut list = |name: &str, v: &[String]| {
            if !v.is_empty() {
                a.push(format!("--{name}={}", v.join(",")));
            }
        };
        list("from", &self.from);
        list("to", &self.to);
        list("airline", &self.airline);
        list("exclude-airline", &self.exclude_airline);
        list("avoid", &self.avoid);
        list("cabin", &self.cabin);
        let mut one = |name: &str, v: Option<String>| {
            if let Some(v) = v {
                a.push(format!("--{name}={v}"));
            }
        };
        one("date-from", self.date_from.clone());
        one("date-to", self.date_to.clone());
        one("max-price", self.max_price_cents.map(cents));
        one("min-price", self.min_price_cents.map(cents));
        one("max-stops", self.max_stops.map(|v| v.to_string()));
        one("depart-after", self.depart_after.clone());
        one("depart-before", self.depart_before.clone());
        one("arrive-before", self.arrive_before.clone());
        one("max-duration", self.max_duration.map(minutes));
        one("max-layover", self.max_layover.map(minutes));
        one("min-layover", self.min_layover.map(minutes));
        one("min-bags", self.min_bags.map(|v| v.to_string()));
        one("min-seats", self.min_seats.map(|v| v.to_string()));
        one("max-co2", self.max_co2.map(|v| v.to_string()));
        if self.refundable {
            a.push("--refundable".into());
        }
        a
    }

    pub fn to_library(&self) -> flightsift::FilterFlags {
        let s = |v: &Option<i64>| v.map(|v| v.to_string());
        flightsift::FilterFlags {
            from: self.from.clone(),
            to: self.to.clone(),
            date_from: self.date_from.clone(),
            date_to: self.date_to.clone(),
            max_price: self.max_price_cents.map(cents),
            min_price: self.min_price_cents.map(cents),
            max_stops: s(&self.max_stops),
            airline: self.airline.clone(),
            exclude_airline: self.exclude_airline.clone(),
            avoid: self.avoid.clone(),
            cabin: self.cabin.clone(),
            depart_after: self.depart_after.clone(),
            depart_before: self.depart_before.clone(),
            arrive_before: self.arrive_before.clone(),
            max_duration: self.max_duration.map(minutes),
            max_layover: self.max_layover.map(minutes),
            min_layover: self.min_layover.map(minutes),
            min_bags: s(&self.min_bags),
            min_seats: s(&self.min_seats),
            refundable: self.refundable,
            max_co2: s(&self.max_co2),
            ..Default::default()
        }
    }

    /// The reference: the documented meaning of each flag, written directly over the
    /// generated values (string dates and times compare correctly as text).
    pub fn matches(&self, r: &Row) -> bool {
        let date = &r.departure[..10];
        let dep_time = &r.departure[11..16];
        let arr_time = &r.arrival[11..16];
        let within = |v: Option<i64>, ok: &dyn Fn(i64) -> bool| v.is_some_and(ok);
        (self.from.is_empty() || self.from.contains(&r.origin))
            && (self.to.is_empty() || self.to.contains(&r.destination))
            && self.date_from.as_deref().is_none_or(|d| date >= d)
            && self.date_to.as_deref().is_none_or(|d| date <= d)
            && self.max_price_cents.is_none_or(|p| r.price_cents <= p)
            && self.min_price_cents.is_none_or(|p| r.price_cents >= p)
            && self.max_stops.is_none_or(|s| r.via.len() as i64 <= s)
            && (self.airline.is_empty() || r.carriers.iter().all(|c| self.airline.contains(c)))
            && !r.carriers.iter().any(|c| self.exclude_airline.contains(c))
            && !r.via.iter().any(|v| self.avoid.contains(v))
            && (self.cabin.is_empty() || self.cabin.contains(&r.cabin))
            && self.depart_after.as_deref().is_none_or(|t| dep_time >= t)
            && self.depart_before.as_deref().is_none_or(|t| dep_time < t)
            && self.arrive_before.as_deref().is_none_or(|t| arr_time < t)
            && self.max_duration.is_none_or(|m| r.duration <= m)
            && self
                .max_layover
                .is_none_or(|m| r.layovers.iter().all(|&l| l <= m))
            && self
                .min_layover
                .is_none_or(|m| r.layovers.iter().all(|&l| l >= m))
            && self.min_bags.is_none_or(|n| within(r.bags, &|b| b >= n))
            && self.min_seats.is_none_or(|n| within(r.seats, &|s| s >= n))
            && (!self.refundable || r.refundable == Some(true))
            && self.max_co2.is_none_or(|n| within(r.co2, &|c| c <= n))
    }
}

/// Writes `text` into a fresh temporary file and keeps it alive with the returned guard.
pub fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// `s` quoted for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
