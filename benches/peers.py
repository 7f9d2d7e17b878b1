#!/usr/bin/env python3
"""Side-by-side benchmark of flightsift against DuckDB (CLI) and Polars on workloads W1-W7.

Run it through `benches/peers.sh`, which builds flightsift, generates the dumps and installs the
peers, then calls this script. It only uses the standard library: Polars runs in child processes
(`python -c ...`), DuckDB as its CLI binary (or, as a fallback, the `duckdb` Python package in a
child process).

What it does:
  1. preflight: counts the matches of every filter over the whole file with flightsift
     (`--count`), DuckDB reading price as DOUBLE and DuckDB reading price as DECIMAL(18,6);
     all must agree, which gives the expected output row count of every workload; for W7
     (prices converted to USD, so no DOUBLE/DECIMAL pair) flightsift and the SQL of
     `flightsift sql` count the matching offers and the distinct itineraries, and that SQL
     gives the reference top 10 (+1, to see a tie at the cut);
  2. `--runs` rounds; in each round the page cache is warmed (the files are read to /dev/null)
     and every workload is run once per engine, the engines alternating (their order rotates
     from round to round); each run is a whole process under `/usr/bin/time -v` (wall time is
     taken around it with a monotonic clock, peak RSS from time's report);
  3. after every round: every engine produced the expected number of rows (counts for W3/W6),
     every W1/W2/W4 row of every engine satisfies the filter (re-counted by DuckDB), no offer
     appears twice, and the W4 outputs of all engines hold the same offers; the W7 outputs of
     all engines hold the reference prices in order, the same itineraries at every price (bar a
     price tied at the cut, where any tied one is right), no itinerary twice, and satisfy the
     filter;
  4. prints the table (medians, ratios, peak RSS, extras) and writes it as markdown to
     bench-data/peers.md, the raw measurements to bench-data/peers.json.
Any disagreement aborts with a message naming the workload and the counts of each engine.
"""

import argparse
import csv
import datetime
import decimal
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

# ---------------------------------------------------------------------------------------------
# The dump: 21 columns, read by every peer with the same explicit schema (no type sniffing).
# kinds: text, int, price, bool, text_list (`;`-joined in CSV), int_list.
COLUMNS = [
    ("provider", "text"), ("offer_id", "text"), ("origin", "text"), ("destination", "text"),
    ("departure", "text"), ("arrival", "text"), ("duration_min", "int"), ("stops", "int"),
    ("via", "text_list"), ("carriers", "text_list"), ("flight_numbers", "text_list"),
    ("layover_min", "int_list"), ("cabin", "text"), ("price", "price"), ("currency", "text"),
    ("seats", "int"), ("bags", "int"), ("refundable", "bool"), ("co2_kg", "int"),
    ("return_departure", "text"), ("return_arrival", "text"),
]

DUCK_TYPES = {"text": "VARCHAR", "int": "BIGINT", "bool": "BOOLEAN"}
DUCK_JSON_LISTS = {"text_list": "VARCHAR[]", "int_list": "BIGINT[]"}
POLARS_TYPES = {"text": "pl.String", "int": "pl.Int64", "bool": "pl.Boolean",
                "price": "pl.Float64"}
POLARS_JSON_LISTS = {"text_list": "pl.List(pl.String)", "int_list": "pl.List(pl.Int64)"}


def duck_source(path, fmt, price_type="DOUBLE"):
    cols = []
    for name, kind in COLUMNS:
        if kind == "price":
            t = price_type
        elif kind.endswith("_list"):
            t = DUCK_JSON_LISTS[kind] if fmt == "ndjson" else "VARCHAR"
        else:
            t = DUCK_TYPES[kind]
        cols.append(f"'{name}': '{t}'")
    cols = ", ".join(cols)
    if fmt == "ndjson":
        return f"read_json({sql_str(path)}, format = 'newline_delimited', columns = {{{cols}}})"
    return (f"read_csv({sql_str(path)}, header = true, auto_detect = false, delim = ',', "
            f"quote = '\"', escape = '\"', columns = {{{cols}}})")


def polars_schema(fmt):
    items = []
    for name, kind in COLUMNS:
        if kind.endswith("_list"):
            t = POLARS_JSON_LISTS[kind] if fmt == "ndjson" else "pl.String"
        else:
            t = POLARS_TYPES[kind]
        items.append(f"{name!r}: {t}")
    return "{" + ", ".join(items) + "}"


def polars_w7(src, out, limit):
    """Polars code for W7: the same as the SQL of `flightsift sql`, step by step.

    The rates file is joined as exact fractions num/den (the direct pair X->USD, else the
    inverse pair USD->X as den/num; rows without a rate are dropped, as in the SQL); the price is
    read as DECIMAL(18,6), taken in millionths and converted with integer arithmetic, rounded
    half-even to cents (Polars' Float64 `round(2)` is half-even too, but on the binary value, so
    an amount that should end in exactly half a cent could round either way: this avoids it).
    Then the filter, the sort by price (ties by provider, offer_id, as in the SQL), the dedupe
    keeping the first (cheapest) offer of every itinerary, the first `limit` rows."""
    names = ", ".join(repr(n) for n, _ in COLUMNS)
    schema = polars_schema("csv").replace("'price': pl.Float64", "'price': pl.Decimal(18, 6)")
    cur = W7_CURRENCY
    return "\n".join([
        "import polars as pl",
        "c = pl.col",
        f"r = pl.scan_csv({RATES!r}, schema={{'from': pl.String, 'to': pl.String, "
        "'rate': pl.String})",
        "dot = c('rate').str.find('.', literal=True)",
        "r = r.with_columns(num=c('rate').str.replace('.', '', literal=True).cast(pl.Int64),"
        " den=pl.when(dot.is_null()).then(1).otherwise(pl.lit(10, pl.Int64)"
        ".pow(c('rate').str.len_chars() - 1 - dot)).cast(pl.Int64))",
        f"direct = r.filter(c('to') == {cur!r}).select(c('from').alias('currency'), 'num', 'den')",
        f"inverse = r.filter(c('from') == {cur!r}).select(c('to').alias('currency'), "
        "c('den').alias('num'), c('num').alias('den'))",
        f"same = pl.LazyFrame({{'currency': [{cur!r}], 'num': [1], 'den': [1]}}, "
        "schema={'currency': pl.String, 'num': pl.Int64, 'den': pl.Int64})",
        "rates = pl.concat([same, direct, inverse]).unique('currency', keep='first', "
        "maintain_order=True)",
        f"lf = pl.scan_csv({src!r}, schema={schema})",
        "q = lf.filter((c('origin') == 'JFK') & (c('destination') == 'LAX'))",
        "q = q.join(rates, on='currency', how='inner')",
        # millionths of the price times num, over den * 10^4: the amount in cents
        "q = q.with_columns(n=(c('price') * 1000000).cast(pl.Int64) * c('num'), "
        "d=c('den') * 10000)",
        "q = q.with_columns(i=c('n') // c('d'), m=c('n') % c('d'))",
        "q = q.with_columns(cents=c('i') + ((2 * c('m') > c('d')) | ((2 * c('m') == c('d')) "
        "& (c('i') % 2 == 1))).cast(pl.Int64))",
        f"q = q.with_columns(price=c('cents').cast(pl.Decimal(18, 2)) / 100, "
        f"currency=pl.lit({cur!r}))",
        f"q = q.filter(c('price') < {W7_PRICE})",
        "dep = lambda x: c(x).str.slice(0, 10) + 'T' + c(x).str.slice(11, 8)",
        "q = q.with_columns(dep_key=dep('departure'), ret_key=dep('return_departure'))",
        "q = q.sort(['cents', 'provider', 'offer_id'])",
        "q = q.unique(['flight_numbers', 'dep_key', 'ret_key'], keep='first', "
        "maintain_order=True)",
        f"q = q.head({limit}).select([{names}])",
        f"q.sink_csv({out!r})",  # streaming engine
    ])


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------
# The filters, stated for each engine exactly as in the peer-workloads design note.
# Local hour = characters 12-13 of the departure text; empty list cells are NULL in the CSV
# readers, hence coalesce / fill_null; membership by substring is exact for 3-letter airport and
# 2-letter airline codes; on NDJSON the list operators are used.
FILTERS = {
    "q1": {
        "sql": "origin = 'JFK' AND destination = 'LAX' AND price <= 250 AND stops <= 1 "
               "AND NOT contains(coalesce(carriers, ''), 'NK')",
        "polars": '(c("origin") == "JFK") & (c("destination") == "LAX") & (c("price") <= 250)'
                  ' & (c("stops") <= 1)'
                  ' & ~c("carriers").fill_null("").str.contains("NK", literal=True)',
        "flightsift": ["--from", "JFK", "--to", "LAX", "--max-price", "250", "--max-stops", "1",
                       "--exclude-airline", "NK"],
    },
    "q2": {
        "sql": "price < 400 AND stops <= 1",
        "polars": '(c("price") < 400) & (c("stops") <= 1)',
        "flightsift": ["--where", "price < 400 and stops <= 1"],
    },
    "q3": {
        "sql": "price BETWEEN 150 AND 600 AND stops <= 1 "
               "AND CAST(substr(departure, 12, 2) AS INTEGER) BETWEEN 6 AND 11 "
               "AND duration_min <= 420 AND cabin = 'economy' "
               "AND NOT contains(coalesce(via, ''), 'ORD')",
        "polars": 'c("price").is_between(150, 600) & (c("stops") <= 1)'
                  ' & c("departure").str.slice(11, 2).cast(pl.Int32).is_between(6, 11)'
                  ' & (c("duration_min") <= 420) & (c("cabin") == "economy")'
                  ' & ~c("via").fill_null("").str.contains("ORD", literal=True)',
        # hour 6..11 inclusive = local time of day in [06:00, 12:00)
        "flightsift": ["--where", "price between 150 and 600 and stops <= 1 and "
                       "depart_time >= 06:00 and depart_time < 12:00 and duration <= 420 and "
                       "cabin = economy and not via has ORD"],
    },
    "q3json": {
        "sql": "price BETWEEN 150 AND 600 AND stops <= 1 "
               "AND CAST(substr(departure, 12, 2) AS INTEGER) BETWEEN 6 AND 11 "
               "AND duration_min <= 420 AND cabin = 'economy' "
               "AND NOT list_contains(via, 'ORD')",
        "polars": 'c("price").is_between(150, 600) & (c("stops") <= 1)'
                  ' & c("departure").str.slice(11, 2).cast(pl.Int32).is_between(6, 11)'
                  ' & (c("duration_min") <= 420) & (c("cabin") == "economy")'
                  ' & ~c("via").list.contains("ORD")',
        "flightsift": None,  # same flags as q3
    },
    "q5": {
        "sql": "price < 0",
        "polars": 'c("price") < 0',
        "flightsift": ["--where", "price < 0"],
    },
}
FILTERS["q3json"]["flightsift"] = FILTERS["q3"]["flightsift"]

# W7: the ten cheapest distinct itineraries JFK->LAX under a price in USD. Prices are converted
# to USD with the rates file before the filter, the sort and the dedupe (exactly, rounded
# half-even to cents). The SQL is not written here: it is what `flightsift sql` prints for the
# same flags (see Bench.gen_sql), so the benchmark and the translation agree by construction.
# Polars: polars_w7 above.
RATES = "data/rates.csv"
W7_CURRENCY = "USD"
W7_PRICE = 600
FILTERS["q7"] = {
    "sql": None,
    "polars": None,
    "flightsift": ["--from", "JFK", "--to", "LAX", "--currency", W7_CURRENCY, "--rates", RATES,
                   "--where", f"price < {W7_PRICE}"],
}
# ranking flags of a workload (flightsift and `flightsift sql` alike)
RANKING = {"W7": ["--sort", "price", "--dedupe"]}

# workload: (description, input format, filter, limit or None, kind)
WORKLOADS = {
    "W1": ("selective filter, LIMIT 10, write CSV", "csv", "q1", 10, "export"),
    "W2": ("broad filter, LIMIT 100000, write CSV", "csv", "q2", 100000, "export"),
    "W3": ("6-predicate filter, count all matches", "csv", "q3", None, "count"),
    "W4": ("same filter, write all matches as CSV", "csv", "q3", None, "export"),
    "W5": ("filter matching nothing, LIMIT 10 (reads all)", "csv", "q5", 10, "export"),
    "W6": ("W3 count on the NDJSON", "ndjson", "q3json", None, "count"),
    "W7": (f"10 cheapest distinct itineraries JFK-LAX under {W7_PRICE} {W7_CURRENCY}", "csv",
           "q7", 10, "export"),
}
# flightsift / DuckDB wall-time targets from the performance issues (round two)
GOALS = {"W1": 0.2, "W2": 0.15, "W3": 0.25, "W4": 0.25, "W5": 0.12, "W6": 0.5,
         "W7": 1.0}  # W7: issue 9, "at or below DuckDB's wall time", and flat memory
RSS_GOAL_MIB = 64
BIG_GOAL = 1.2
SPEEDUP_GOAL = 1.85
FLOOR_GOAL = 3.0

ENGINES = ["flightsift", "duckdb", "polars"]
ENGINE_NAMES = {"flightsift": "flightsift", "duckdb": "DuckDB", "polars": "Polars"}


class Disagreement(Exception):
    pass


class Bench:
    def __init__(self, a):
        self.a = a
        self.root = os.path.abspath(a.root)
        os.chdir(self.root)  # every path below is relative to the repository root
        self.data = os.path.relpath(a.data, self.root)
        self.out = os.path.join(self.data, "out")
        os.makedirs(self.out, exist_ok=True)
        self.fs = os.path.relpath(a.flightsift, self.root)
        self.duck_mode = "cli" if a.duckdb_cli else "python"
        self.files = {
            "csv": os.path.join(self.data, f"flights_{a.rows}.csv"),
            "ndjson": os.path.join(self.data, f"flights_{a.rows}.ndjson"),
        }
        if a.big:
            self.files["big"] = os.path.join(self.data, f"flights_{a.rows * 10}.csv")
        for f in self.files.values():
            if not os.path.exists(f):
                sys.exit(f"peers: missing dump {f} (run benches/peers.sh)")
        self.samples = []  # dicts: workload, engine, round, wall, rss_kib
        self.stats = {}  # label -> list of flightsift --stats-json summaries
        self.matches = {}  # filter/format -> matches in the whole file
        self.expected = {}  # workload -> expected output rows
        self.sql_cache = {}  # (source, flags) -> SQL printed by `flightsift sql`
        self.w7_ref = []  # W7 reference from DuckDB: (price, itinerary), limit + 1 rows
        self.w7_distinct = None  # distinct itineraries matching the W7 filter
        self.load = [os.getloadavg()[0]]  # 1-minute load average at start (and at the end)

    # -- process helpers ---------------------------------------------------------------------
    def env(self, engine):
        env = dict(os.environ)
        if engine == "polars":
            env["POLARS_MAX_THREADS"] = str(self.a.threads)
        return env

    def run(self, argv, env=None, stdout_path=None, what=""):
        """Runs argv under /usr/bin/time -v; returns (wall seconds, max RSS KiB, stdout text)."""
        tfile = os.path.join(self.out, ".time-v.txt")
        full = [self.a.time_bin, "-v", "-o", tfile] + argv
        out = open(stdout_path, "wb") if stdout_path else subprocess.PIPE
        try:
            t0 = time.perf_counter()
            p = subprocess.run(full, env=env, stdout=out, stderr=subprocess.PIPE,
                               timeout=self.a.timeout)
            wall = time.perf_counter() - t0
        finally:
            if stdout_path:
                out.close()
        if p.returncode != 0:
            err = p.stderr.decode(errors="replace")[-3000:]
            raise SystemExit(f"peers: {what} failed (exit {p.returncode}):\n  "
                             f"{' '.join(argv)[:600]}\n{err}")
        with open(tfile) as f:
            tv = f.read()
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", tv)
        rss = int(m.group(1)) if m else 0
        if stdout_path:
            with open(stdout_path, "rb") as f:
                text = f.read(1 << 16).decode(errors="replace")  # counts are short
        else:
            text = p.stdout.decode(errors="replace")
        return wall, rss, text

    def duck_argv(self, stmts):
        """Statements (a list) run by DuckDB in one process; the last one's result is printed
        as headerless CSV."""
        sql = "; ".join(stmts) + ";"
        if self.duck_mode == "cli":
            return [self.a.duckdb_cli, "-csv", "-noheader", "-c", sql]
        code = ("import duckdb\ncon = duckdb.connect()\n"
                f"stmts = {stmts!r}\n"
                "for s in stmts[:-1]:\n    con.execute(s)\n"
                "rows = con.execute(stmts[-1]).fetchall()\n"
                "print('\\n'.join(','.join('' if v is None else str(v) for v in r) for r in rows))\n")
        return [self.a.python, "-c", code]

    def duck_query(self, sql, what):
        _, _, text = self.run(self.duck_argv([f"SET threads = {self.a.threads}", sql]),
                              what=what)
        return [line.split(",") for line in text.strip().splitlines() if line.strip()]

    def gen_sql(self, src, flags):
        """The DuckDB query `flightsift sql FLAGS SRC` prints (without the final ';')."""
        key = (src, tuple(flags))
        if key not in self.sql_cache:
            _, _, text = self.run([self.fs, "sql"] + flags + [src], what="flightsift sql")
            sql = text.strip()
            if not sql.endswith(";"):
                raise Disagreement(f"flightsift sql {flags}: unexpected output {text[-200:]!r}")
            self.sql_cache[key] = sql[:-1].rstrip()
        return self.sql_cache[key]

    # -- workload commands -------------------------------------------------------------------
    def out_path(self, w, engine):
        return os.path.join(self.out, f"{engine}_{w}.csv")

    def command(self, w, engine, threads=None, src=None, variant=""):
        """(argv, stdout_path, output_csv_or_None) for workload w on engine."""
        _, fmt, q, limit, kind = WORKLOADS[w]
        threads = threads or self.a.threads
        src = src or self.files[fmt]
        flt = FILTERS[q]
        tag = engine + variant
        out = self.out_path(w, tag) if kind == "export" else None
        stdout_path = os.path.join(self.out, f"{tag}_{w}.stdout.txt")
        if engine.startswith("flightsift"):
            argv = ([self.fs, "search", src, "-j", str(threads)] + flt["flightsift"]
                    + RANKING.get(w, []))
            if limit is not None:
                argv += ["-n", str(limit)]
            if kind == "count":
                argv += ["--count"]
            elif variant == "-stdout":
                stdout_path = out  # the same bytes, written by a shell-style redirect
            else:
                argv += ["-o", out]
        elif engine == "duckdb":
            lim = f" LIMIT {limit}" if limit is not None else ""
            source = duck_source(src, fmt)
            if w in RANKING:  # the query `flightsift sql` prints for the same flags
                sql = self.gen_sql(src, flt["flightsift"] + RANKING[w] + ["-n", str(limit)])
                stmt = f"COPY ({sql}) TO {sql_str(out)} (FORMAT csv, HEADER)"
            elif kind == "count":
                stmt = f"SELECT count(*) FROM {source} WHERE {flt['sql']}"
            else:
                stmt = (f"COPY (SELECT * FROM {source} WHERE {flt['sql']}{lim}) "
                        f"TO {sql_str(out)} (FORMAT csv, HEADER)")
            argv = self.duck_argv([f"SET threads = {threads}", stmt])
        elif engine == "polars" and w == "W7":
            argv = [self.a.python, "-c", polars_w7(src, out, limit)]
        elif engine == "polars":
            scan = "scan_ndjson" if fmt == "ndjson" else "scan_csv"
            code = ["import polars as pl", "c = pl.col",
                    f"lf = pl.{scan}({src!r}, schema={polars_schema(fmt)})",
                    f"q = lf.filter({flt['polars']})"]
            if limit is not None:
                code.append(f"q = q.head({limit})")
            if kind == "count":
                code.append('print(q.select(pl.len()).collect(engine="streaming").item())')
            else:
                code.append(f"q.sink_csv({out!r})")  # streaming engine
            argv = [self.a.python, "-c", "\n".join(code)]
        else:
            raise ValueError(engine)
        return argv, stdout_path, out

    # -- counting ------------------------------------------------------------------------------
    @staticmethod
    def csv_rows(path):
        if not os.path.exists(path):
            return None
        n, last, first = 0, b"\n", b""
        with open(path, "rb") as f:
            while True:
                buf = f.read(1 << 20)
                if not buf:
                    break
                if not first:
                    first = buf[:16]
                n += buf.count(b"\n")
                last = buf[-1:]
        if last != b"\n":
            n += 1
        if first.startswith(b"provider,"):
            n -= 1
        return n

    @staticmethod
    def printed_count(text, what):
        lines = [x.strip() for x in text.strip().splitlines() if x.strip()]
        try:
            return int(lines[-1].replace('"', ""))
        except (IndexError, ValueError):
            raise Disagreement(f"{what}: expected a count on stdout, got {text[-200:]!r}")

    def result_rows(self, w, tag, text):
        kind = WORKLOADS[w][4]
        if kind == "count":
            return self.printed_count(text, f"{w} {tag}")
        return self.csv_rows(self.out_path(w, tag))

    # -- phases ----------------------------------------------------------------------------------
    def warm(self, names):
        for name in names:
            with open(self.files[name], "rb") as f:
                while f.read(1 << 22):
                    pass

    def preflight(self):
        """Matches of every filter in the whole file, by three independent routes."""
        log("preflight: counting the matches of every filter in the whole file "
            "(flightsift --count, DuckDB with price DOUBLE and DECIMAL(18,6))")
        self.warm(["csv", "ndjson"])
        checks = [("q1", "csv"), ("q2", "csv"), ("q3", "csv"), ("q5", "csv"),
                  ("q3json", "ndjson")]
        for q, fmt in checks:
            src = self.files[fmt]
            got = {}
            _, _, t = self.run([self.fs, "search", src, "-j", str(self.a.threads)]
                               + FILTERS[q]["flightsift"] + ["--count"],
                               what=f"flightsift --count {q}")
            got["flightsift"] = self.printed_count(t, q)
            for ptype in ("DOUBLE", "DECIMAL(18,6)"):
                rows = self.duck_query(f"SELECT count(*) FROM {duck_source(src, fmt, ptype)} "
                                       f"WHERE {FILTERS[q]['sql']}", f"DuckDB count {q}")
                got[f"DuckDB price {ptype}"] = int(rows[0][0])
            if len(set(got.values())) != 1:
                raise Disagreement(f"matches of filter {q} on {src} differ: {got}")
            self.matches[q] = got["flightsift"]
            log(f"  {q:7s} on {fmt:6s}: {got['flightsift']} matches (all three agree)")
        if self.matches["q3"] != self.matches["q3json"]:
            raise Disagreement(f"W3 on CSV ({self.matches['q3']}) and W6 on NDJSON "
                               f"({self.matches['q3json']}) differ: the dumps hold different "
                               "records")
        if self.a.big:
            # W3 on the 10x dump: its own count, by flightsift and DuckDB.
            self.warm(["big"])
            big = self.files["big"]
            _, _, t = self.run([self.fs, "search", big, "-j", str(self.a.threads)]
                               + FILTERS["q3"]["flightsift"] + ["--count"],
                               what="flightsift --count q3 on the 10x dump")
            fs = self.printed_count(t, "q3 10x")
            rows = self.duck_query(f"SELECT count(*) FROM {duck_source(big, 'csv')} "
                                   f"WHERE {FILTERS['q3']['sql']}", "DuckDB count q3 10x")
            if fs != int(rows[0][0]):
                raise Disagreement(f"W3 on the 10x dump: flightsift {fs}, DuckDB {rows[0][0]}")
            self.matches["q3-10x"] = fs
            log(f"  q3      on 10x   : {fs} matches (flightsift and DuckDB agree)")
        self.preflight_w7()
        for w, (_, _, q, limit, _) in WORKLOADS.items():
            m = self.w7_distinct if w == "W7" else self.matches[q]
            self.expected[w] = m if limit is None else min(limit, m)

    def preflight_w7(self):
        """W7: matching offers and distinct itineraries by flightsift and by the SQL of
        `flightsift sql`; the reference top limit + 1 from that SQL."""
        src, flags = self.files["csv"], FILTERS["q7"]["flightsift"]
        limit = WORKLOADS["W7"][3]
        got = {}
        for label, extra in (("offers", []), ("itineraries", ["--dedupe"])):
            _, _, t = self.run([self.fs, "search", src, "-j", str(self.a.threads)] + flags
                               + extra + ["--count"], what=f"flightsift --count W7 {label}")
            fs = self.printed_count(t, f"W7 {label}")
            rows = self.duck_query(f"SELECT count(*) FROM ({self.gen_sql(src, flags + extra)})",
                                   f"DuckDB count W7 {label}")
            got[label] = {"flightsift": fs, "DuckDB (flightsift sql)": int(rows[0][0])}
            if len(set(got[label].values())) != 1:
                raise Disagreement(f"W7 {label} matching on {src} differ: {got[label]}")
        self.matches["q7"] = got["offers"]["flightsift"]
        self.w7_distinct = got["itineraries"]["flightsift"]
        ref = os.path.join(self.out, "reference_W7.csv")
        sql = self.gen_sql(src, flags + RANKING["W7"] + ["-n", str(limit + 1)])
        self.duck_query(f"COPY ({sql}) TO {sql_str(ref)} (FORMAT csv, HEADER)", "W7 reference")
        self.w7_ref = [(decimal.Decimal(r["price"]), itinerary(r)) for r in read_csv(ref)]
        if len(self.w7_ref) != min(limit + 1, self.w7_distinct):
            raise Disagreement(f"W7 reference: {len(self.w7_ref)} rows, expected "
                               f"min({limit + 1}, {self.w7_distinct})")
        log(f"  q7      on csv   : {self.matches['q7']} matches, {self.w7_distinct} distinct "
            "itineraries (flightsift and the SQL of `flightsift sql` agree)")

    def check_w7(self):
        """Every engine's W7 output: the reference prices in order, at each price the same
        itineraries (but at a price tied with the first itinerary left out, where any of the
        tied ones is right), no itinerary twice, every row satisfies the filter."""
        limit = WORKLOADS["W7"][3]
        want = self.w7_ref[:limit]
        cut = self.w7_ref[limit][0] if len(self.w7_ref) > limit else None
        by_price = {}
        for price, it in want:
            by_price.setdefault(price, set()).add(it)
        bad = []
        for tag in ENGINES:
            path = self.out_path("W7", tag)
            if not os.path.exists(path):
                continue
            rows = read_csv(path)
            prices = [decimal.Decimal(r["price"]) for r in rows]
            its = [itinerary(r) for r in rows]
            if prices != [p for p, _ in want]:
                bad.append(f"{tag}: prices {[f'{p:.2f}' for p in prices]}, reference "
                           f"{[f'{p:.2f}' for p, _ in want]}")
                continue
            if len(set(its)) != len(its):
                bad.append(f"{tag}: an itinerary appears twice")
            for r, p in zip(rows, prices):
                if not (r["origin"] == "JFK" and r["destination"] == "LAX"
                        and r["currency"] == W7_CURRENCY and p < W7_PRICE):
                    bad.append(f"{tag}: row {r['offer_id']} does not satisfy the filter")
            got = {}
            for p, it in zip(prices, its):
                got.setdefault(p, set()).add(it)
            for p, ref_its in by_price.items():
                if p != cut and got.get(p) != ref_its:
                    bad.append(f"{tag}: at price {p:.2f}, itineraries {sorted(got.get(p, []))}, "
                               f"reference {sorted(ref_its)}")
        if bad:
            raise Disagreement("W7 outputs differ from the reference (`flightsift sql`, "
                               "DuckDB):\n  " + "\n  ".join(bad))

    def cells(self, r):
        """The runs of one round: per workload, the engines in an order rotated by round."""
        cells = []
        for w in WORKLOADS:
            group = [(w, e, self.command(w, e)) for e in ENGINES]
            if w == "W3":
                group.append(("W3", "flightsift-j1",
                              self.command(w, "flightsift", threads=1, variant="-j1")))
                # Scaling is compared, not only our own: DuckDB on one thread too.
                group.append(("W3", "duckdb-j1",
                              self.command(w, "duckdb", threads=1, variant="-j1")))
                # The floor: one thread reading the same file at memchr speed.
                group.append(("W3", "floor-wc", (["wc", "-l", self.files["csv"]],
                                                 os.path.join(self.out, "floor-wc.stdout.txt"),
                                                 None)))
            if w in ("W2", "W4"):
                group.append((w, "flightsift-stdout",
                              self.command(w, "flightsift", variant="-stdout")))
            if w == "W3" and self.a.big:
                # Linear in the dump, and the ratio to DuckDB at 10x.
                for e in ("flightsift", "duckdb"):
                    group.append(("W3", f"{e}-10x",
                                  self.command(w, e, src=self.files["big"], variant="-10x")))
            if w == "W1" and self.a.big:
                group.append(("W1", "flightsift-10x",
                              self.command(w, "flightsift", src=self.files["big"],
                                           variant="-10x")))
            k = r % len(group)
            cells += group[k:] + group[:k]
        return cells

    def check_round(self, r, results):
        bad = []
        for (w, tag), rows in results.items():
            want = (self.matches["q3-10x"] if (w, tag[-4:]) == ("W3", "-10x")
                    else self.expected[w])
            if rows != want:
                bad.append(f"{w} {tag}: {rows} rows, expected {want}")
        if bad:
            raise Disagreement(f"round {r + 1}: engines disagree with the expected row counts "
                               f"(matches in the file: {self.matches}):\n  " + "\n  ".join(bad))

    def deep_check(self):
        """Every W1/W2 row of every engine satisfies the filter; no duplicates; W4 sets equal."""
        log("checking outputs: W1/W2/W4 rows satisfy their filter, no duplicate offers, "
            "the W4 outputs hold the same offers, the W7 outputs the reference top 10")
        tags = ["flightsift", "duckdb", "polars", "flightsift-stdout"]
        for w in ("W1", "W2", "W4", "W5"):
            q = WORKLOADS[w][2]
            for tag in tags:
                path = self.out_path(w, tag)
                if not os.path.exists(path):
                    continue
                if self.csv_rows(path) == 0:
                    continue  # a header only (W5): nothing to re-check
                src = duck_source(path, "csv")
                rows = self.duck_query(
                    f"SELECT count(*), count(*) FILTER (WHERE {FILTERS[q]['sql']}), "
                    f"count(DISTINCT offer_id) FROM {src}", f"re-count {path}")
                total, ok, distinct = map(int, rows[0])
                if not (total == ok == distinct == self.expected[w]):
                    raise Disagreement(
                        f"{w} {tag}: output {path} has {total} rows, {ok} satisfy the filter, "
                        f"{distinct} distinct offers; expected {self.expected[w]} of each")
        ref = duck_source(self.out_path("W4", "duckdb"), "csv")
        for tag in ("flightsift", "polars", "flightsift-stdout"):
            path = self.out_path("W4", tag)
            if not os.path.exists(path):
                continue
            other = duck_source(path, "csv")
            rows = self.duck_query(
                f"SELECT (SELECT count(*) FROM (SELECT offer_id FROM {ref} EXCEPT "
                f"SELECT offer_id FROM {other})), (SELECT count(*) FROM (SELECT offer_id FROM "
                f"{other} EXCEPT SELECT offer_id FROM {ref}))", f"compare W4 {tag}")
            a_b, b_a = map(int, rows[0])
            if a_b or b_a:
                raise Disagreement(f"W4: DuckDB and {tag} outputs differ: {a_b} offers only in "
                                   f"DuckDB's, {b_a} only in {tag}'s")
        self.check_w7()
        log("  all outputs agree")

    def stats_run(self, label, w, src=None):
        """An untimed flightsift run with --stats-json (it fsyncs one more file)."""
        argv, _, _ = self.command(w, "flightsift", src=src, variant="-stats")
        sj = os.path.join(self.out, f"flightsift_{label}.stats.json")
        self.run(argv + ["--stats-json", sj], what=f"flightsift {label} --stats-json")
        with open(sj) as f:
            self.stats.setdefault(label, []).append(json.load(f))

    def rounds(self):
        for r in range(self.a.runs):
            warm = ["csv", "ndjson"] + (["big"] if self.a.big else [])
            self.warm(warm)
            results = {}
            for w, tag, (argv, stdout_path, out) in self.cells(r):
                if out and os.path.exists(out):
                    os.remove(out)
                engine = tag.split("-")[0]
                wall, rss, text = self.run(argv, env=self.env(engine), stdout_path=stdout_path,
                                           what=f"{w} {tag}")
                self.samples.append({"workload": w, "engine": tag, "round": r + 1,
                                     "wall_s": wall, "max_rss_kib": rss})
                if tag == "floor-wc":  # counts lines, not matches
                    log(f"  round {r + 1}/{self.a.runs} {w} {tag:18s} {wall:8.3f} s")
                    continue
                results[(w, tag)] = self.result_rows(w, tag, text)
                log(f"  round {r + 1}/{self.a.runs} {w} {tag:18s} {wall:8.3f} s "
                    f"{rss / 1024:8.1f} MiB  rows {results[(w, tag)]}")
            self.check_round(r, results)
            self.deep_check()
            self.stats_run("W1", "W1")
            self.stats_run("W2", "W2")
            if self.a.big:
                self.stats_run("W1-10x", "W1", src=self.files["big"])

    # -- report ------------------------------------------------------------------------------------
    def med(self, w, tag):
        v = [s["wall_s"] for s in self.samples if s["workload"] == w and s["engine"] == tag]
        return statistics.median(v) if v else None

    def rss(self, w, tag):
        v = [s["max_rss_kib"] for s in self.samples if s["workload"] == w and s["engine"] == tag]
        return max(v) / 1024 if v else None

    def versions(self):
        v = {}
        v["flightsift"] = self.run([self.fs, "--version"], what="flightsift --version")[2].strip()
        try:
            commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True).stdout.strip()
            dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                   capture_output=True, text=True).stdout.strip()
            if commit:
                v["flightsift"] += f" (commit {commit}{', modified' if dirty else ''})"
        except OSError:
            pass
        if self.duck_mode == "cli":
            v["duckdb"] = "DuckDB CLI " + self.run([self.a.duckdb_cli, "--version"],
                                                  what="duckdb --version")[2].strip()
        else:
            v["duckdb"] = "DuckDB Python package " + self.run(
                [self.a.python, "-c", "import duckdb; print(duckdb.__version__)"],
                what="duckdb version")[2].strip() + " (the CLI was not available)"
        v["polars"] = "Polars " + self.run(
            [self.a.python, "-c", "import polars, sys; print(polars.__version__, 'on Python',"
             " sys.version.split()[0])"], what="polars version")[2].strip()
        return v

    def report(self):
        a = self.a
        cpu = "unknown"
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        cpu = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
        mem = ""
        try:
            with open("/proc/meminfo") as f:
                kb = int(f.readline().split()[1])
                mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
        except (OSError, ValueError, IndexError):
            pass
        ver = self.versions()
        self.load.append(os.getloadavg()[0])
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        size = lambda p: os.path.getsize(p) / 1e6

        def fmt_s(x):
            return "n/a" if x is None else (f"{x:.3f} s" if x < 10 else f"{x:.1f} s")

        def fmt_mib(x):
            return "n/a" if x is None else f"{x:.0f}"

        L = []
        L.append(f"## flightsift vs DuckDB and Polars ({a.rows:,} rows)")
        L.append("")
        L.append(f"- date: {date}; machine: {nproc} cores (`nproc`), {cpu}{mem}, "
                 f"{platform.system()} {platform.release()}")
        L.append(f"- engines: {ver['flightsift']}; {ver['duckdb']}; {ver['polars']}")
        L.append(f"- dumps: `flightsift gen --rows {a.rows} --seed 1`: CSV "
                 f"{size(self.files['csv']):.0f} MB, NDJSON {size(self.files['ndjson']):.0f} MB"
                 + (f"; 10x CSV {size(self.files['big']):.0f} MB" if a.big else ""))
        L.append(f"- {a.threads} threads for every engine (`-j {a.threads}`, "
                 f"`SET threads={a.threads}`, `POLARS_MAX_THREADS={a.threads}`); page cache warm; "
                 f"median wall time of {a.runs} runs, each a whole process (start-up included), "
                 "engines alternating; peak RSS = max over the runs (`/usr/bin/time -v`)")
        L.append("- command: `" + " ".join(["benches/peers.sh"] + a.cmdline) + "`; 1-minute load "
                 f"average at start / end: {self.load[0]:.1f} / {self.load[1]:.1f} (load from "
                 "other work on the machine makes the times noisy; compare the ratios)")
        L.append("")
        L.append("| workload | matches in file | rows out | flightsift | DuckDB | Polars | "
                 "flightsift/DuckDB (goal) | flightsift/Polars | peak RSS MiB fs / DuckDB / Polars |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for w, (desc, _, q, _, kind) in WORKLOADS.items():
            fs, dk, pl_ = self.med(w, "flightsift"), self.med(w, "duckdb"), self.med(w, "polars")
            r_dk = fs / dk if fs and dk else None
            r_pl = fs / pl_ if fs and pl_ else None
            goal = GOALS[w]
            mark = "" if r_dk is None else (" met" if r_dk <= goal else " **not met**")
            rows_out = "count" if kind == "count" else f"{self.expected[w]:,}"
            L.append(f"| {w} {desc} | {self.matches[q]:,} | {rows_out} | {fmt_s(fs)} | "
                     f"{fmt_s(dk)} | {fmt_s(pl_)} | {r_dk:.2f}x (<= {goal}x{mark}) | "
                     f"{r_pl:.2f}x | {fmt_mib(self.rss(w, 'flightsift'))} / "
                     f"{fmt_mib(self.rss(w, 'duckdb'))} / {fmt_mib(self.rss(w, 'polars'))} |")
        L.append("")
        fs_rss = max(self.rss(w, "flightsift") for w in WORKLOADS)
        extra_rss = [self.rss(w, t) for w, t in (("W3", "flightsift-j1"),
                                                 ("W1", "flightsift-10x")) if self.rss(w, t)]
        fs_rss = max([fs_rss] + extra_rss)
        L.append(f"- flightsift peak RSS over all workloads: {fs_rss:.1f} MiB "
                 f"(goal < {RSS_GOAL_MIB} MiB: {'met' if fs_rss < RSS_GOAL_MIB else '**not met**'})")
        w7 = [self.rss("W7", e) for e in ENGINES]
        cut = len(self.w7_ref) > self.expected["W7"] and \
            self.w7_ref[self.expected["W7"]][0] == self.w7_ref[self.expected["W7"] - 1][0]
        L.append(f"- W7 (`--currency {W7_CURRENCY} --rates {RATES} --where 'price < {W7_PRICE}' "
                 f"--sort price --dedupe -n 10`): {self.matches['q7']:,} offers JFK-LAX under "
                 f"{W7_PRICE} {W7_CURRENCY} after conversion, {self.w7_distinct:,} distinct "
                 f"itineraries; cheapest {self.w7_ref[0][0]:.2f}, 10th "
                 f"{self.w7_ref[self.expected['W7'] - 1][0]:.2f} {W7_CURRENCY}"
                 f"{' (tied with the 11th)' if cut else ''}; DuckDB runs the query "
                 "`flightsift sql` prints for the same flags, Polars the same steps (exact "
                 "integer conversion, half-even to cents); peak RSS flightsift / DuckDB / Polars "
                 f"{' / '.join(fmt_mib(x) for x in w7)} MiB (goal flat, < {RSS_GOAL_MIB} MiB: "
                 f"{'met' if w7[0] < RSS_GOAL_MIB else '**not met**'})")
        j1, jn = self.med("W3", "flightsift-j1"), self.med("W3", "flightsift")
        sp = j1 / jn
        L.append(f"- W3 flightsift 1 thread vs {a.threads} threads: {fmt_s(j1)} vs {fmt_s(jn)}, "
                 f"speedup {sp:.2f}x (goal >= {SPEEDUP_GOAL}x: "
                 f"{'met' if sp >= SPEEDUP_GOAL else '**not met**'})")
        d1, dn = self.med("W3", "duckdb-j1"), self.med("W3", "duckdb")
        L.append(f"- W3 DuckDB 1 thread vs {a.threads} threads: {fmt_s(d1)} vs {fmt_s(dn)}, "
                 f"speedup {d1 / dn:.2f}x (flightsift/DuckDB on one thread: {j1 / d1:.2f}x)")
        floor = self.med("W3", "floor-wc")
        L.append(f"- W3 on one thread vs the floor (`wc -l` on the same CSV): {fmt_s(j1)} vs "
                 f"{fmt_s(floor)}, {j1 / floor:.2f}x the floor (goal <= {FLOOR_GOAL}x: "
                 f"{'met' if j1 / floor <= FLOOR_GOAL else '**not met**'})")
        if a.big:
            b, s = self.med("W1", "flightsift-10x"), self.med("W1", "flightsift")
            L.append(f"- W1 early stop on the 10x dump ({a.rows * 10:,} rows) vs {a.rows:,} rows: "
                     f"{fmt_s(b)} vs {fmt_s(s)}, ratio {b / s:.2f}x (goal <= {BIG_GOAL}x: "
                     f"{'met' if b / s <= BIG_GOAL else '**not met**'})")
            f10, f1 = self.med("W3", "flightsift-10x"), self.med("W3", "flightsift")
            d10, d1 = self.med("W3", "duckdb-10x"), self.med("W3", "duckdb")
            L.append(f"- W3 on the 10x dump vs {a.rows:,} rows: flightsift {fmt_s(f10)} vs "
                     f"{fmt_s(f1)} ({f10 / f1:.1f}x the time for 10x the rows), DuckDB "
                     f"{fmt_s(d10)} vs {fmt_s(d1)} ({d10 / d1:.1f}x); flightsift/DuckDB at "
                     f"10x: {f10 / d10:.2f}x; flightsift peak RSS at 10x: "
                     f"{self.rss('W3', 'flightsift-10x'):.1f} MiB (at 1x: "
                     f"{self.rss('W3', 'flightsift'):.1f} MiB), W1 at 10x: "
                     f"{self.rss('W1', 'flightsift-10x'):.1f} MiB")
        else:
            L.append("- W1 and W3 on a 10x dump: not measured (run with `--big`)")
        for label, sts in self.stats.items():
            after = [s["pages_read_after_limit"] for s in sts]
            pages = [s["pages_read"] for s in sts]
            outcomes = sorted({s["outcome"] for s in sts})
            bound = sts[0]["channel_capacity"] + sts[0]["threads"]
            ok = max(after) <= bound
            L.append(f"- {label} pages read after the limit (`--stats-json`, {len(sts)} untimed "
                     f"runs, outcome {'/'.join(outcomes)}): {', '.join(map(str, after))} of "
                     f"{', '.join(map(str, pages))} pages read (goal <= channel capacity + "
                     f"threads = {bound}: {'met' if ok else '**not met**'})")
        for w in ("W2", "W4"):
            o, s = self.med(w, "flightsift"), self.med(w, "flightsift-stdout")
            L.append(f"- {w} flightsift writing to stdout redirected to the file instead of `-o` "
                     f"(which fsyncs the file and renames it): {fmt_s(s)} vs {fmt_s(o)} "
                     f"({s / self.med(w, 'duckdb'):.2f}x DuckDB)")
        L.append("- agreement: every engine's row count equalled the expected one in every run; "
                 "matches in the whole file agree between `flightsift --count` and DuckDB with "
                 "price as DOUBLE and as DECIMAL(18,6); after every round, every W1/W2/W4 row of "
                 "every engine satisfies the filter (re-counted by DuckDB), no offer appears "
                 "twice, and the W4 outputs of all engines hold the same offers; W7 matches and "
                 "distinct itineraries agree between flightsift and the SQL of `flightsift sql`, "
                 "and every engine's W7 output holds the reference's prices in order and, except "
                 "at a price tied at the cut, its itineraries")
        if self.duck_mode != "cli":
            L.append("- note: the DuckDB CLI could not be installed; DuckDB ran through its "
                     "Python package (`python -c`), so its times include Python start-up")
        L.append("")
        md = "\n".join(L)
        with open(os.path.join(self.data, "peers.md"), "w") as f:
            f.write(md)
        with open(os.path.join(self.data, "peers.json"), "w") as f:
            json.dump({"date": date, "rows": a.rows, "runs": a.runs, "threads": a.threads,
                       "versions": ver, "cpu": cpu, "nproc": nproc, "matches": self.matches,
                       "samples": self.samples, "stats": self.stats,
                       "w7": {"distinct_itineraries": self.w7_distinct,
                              "reference": [[str(p), list(it)] for p, it in self.w7_ref]}},
                      f, indent=1)
        print()
        print(md)
        log(f"written: {os.path.join(self.data, 'peers.md')}, "
            f"{os.path.join(self.data, 'peers.json')}")


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def itinerary(row):
    """What `--dedupe` compares: flight numbers, local departure and return departure."""
    local = lambda t: f"{t[:10]}T{t[11:19]}" if t and t != "NULL" else ""
    return (row["flight_numbers"], local(row["departure"]), local(row["return_departure"]))


def log(msg):
    print(f"peers: {msg}", file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--root", default=".")
    p.add_argument("--data", default="bench-data")
    p.add_argument("--rows", type=int, default=2000000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--big", action="store_true")
    p.add_argument("--flightsift", default="target/release/flightsift")
    p.add_argument("--duckdb-cli", default="", help="DuckDB CLI binary; empty: Python package")
    p.add_argument("--python", default=sys.executable, help="Python with polars (and duckdb)")
    p.add_argument("--time-bin", default="/usr/bin/time")
    p.add_argument("--timeout", type=float, default=1800)
    p.add_argument("--cmdline", nargs=argparse.REMAINDER, default=[],
                   help="the options peers.sh was given (for the report)")
    a = p.parse_args()
    b = Bench(a)
    try:
        b.preflight()
        log(f"{a.runs} rounds x {len(WORKLOADS)} workloads x 3 engines ({a.threads} threads)")
        b.rounds()
    except Disagreement as e:
        print(f"\npeers: DISAGREEMENT, aborting: {e}", file=sys.stderr)
        sys.exit(1)
    b.report()


if __name__ == "__main__":
    main()
