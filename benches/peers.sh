#!/usr/bin/env bash
# Side-by-side benchmark: flightsift vs DuckDB (CLI) and Polars on workloads W1-W7.
#
#   benches/peers.sh [--rows N] [--runs R] [--threads T] [--quick] [--big]
#
#   --rows N      rows of the generated dump (default 2000000)
#   --runs R      measured runs per engine and workload (default 5); the median is reported
#   --threads T   threads for every engine (default 2)
#   --quick       smoke run: 200000 rows, 2 runs
#   --big         also W1 and W3 on a 10x-rows CSV (early stop flat, full scan linear, RSS flat, ratio to DuckDB at 10x; ~3 GB at 2M)
#
# Builds flightsift in release, generates the dumps once into bench-data/ (git-ignored; reused
# when present with the right number of lines), installs the peers into bench-data/venv if they
# are absent (PyPI packages `duckdb-cli` and `polars`; falls back to the `duckdb` Python package
# if the CLI cannot be had), then runs benches/peers.py, which measures, checks that every engine
# agrees and prints the table; the table is also written to bench-data/peers.md.
# See benches/README.md.
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

ROWS=2000000
RUNS=5
THREADS=2
BIG=0
ORIG_ARGS=("$@")
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) ROWS="$2"; shift 2 ;;
        --rows=*) ROWS="${1#*=}"; shift ;;
        --runs) RUNS="$2"; shift 2 ;;
        --runs=*) RUNS="${1#*=}"; shift ;;
        --threads) THREADS="$2"; shift 2 ;;
        --threads=*) THREADS="${1#*=}"; shift ;;
        --quick) ROWS=200000; RUNS=2; shift ;;
        --big) BIG=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "peers.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
for v in "$ROWS" "$RUNS" "$THREADS"; do
    case "$v" in ''|*[!0-9]*|0) echo "peers.sh: --rows, --runs and --threads take a positive integer" >&2; exit 2 ;; esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA=bench-data
VENV="$DATA/venv"
mkdir -p "$DATA/out"
say() { echo "peers.sh: $*" >&2; }

APT_UPDATED=0
apt_install() {
    if ! command -v apt-get >/dev/null; then
        say "cannot install $* (no apt-get): install it and run again"; exit 1
    fi
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ "$APT_UPDATED" -eq 0 ]; then $sudo apt-get update -qq; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# 1. tools: GNU time for peak RSS, Python 3 with venv
if [ ! -x /usr/bin/time ]; then
    say "installing GNU time (/usr/bin/time)"
    apt_install time
fi
if ! command -v python3 >/dev/null; then
    say "installing python3"
    apt_install python3 python3-venv
fi

# 2. flightsift, release build
say "building flightsift (cargo build --release)"
cargo build --release --quiet
FS="${CARGO_TARGET_DIR:-target}/release/flightsift"
[ -x "$FS" ] || { say "no binary at $FS"; exit 1; }

# 3. the dumps, generated once
lines() { wc -l < "$1" | tr -d ' '; }
gen() { # rows format file expected-lines
    local rows="$1" fmt="$2" file="$3" want="$4"
    if [ -f "$file" ] && [ "$(lines "$file")" = "$want" ]; then
        say "reusing $file"
        return
    fi
    say "generating $file ($rows rows, $fmt)"
    "$FS" gen --rows "$rows" --seed 1 --format "$fmt" -o "$file"
}
gen "$ROWS" csv "$DATA/flights_$ROWS.csv" $((ROWS + 1))
gen "$ROWS" ndjson "$DATA/flights_$ROWS.ndjson" "$ROWS"
if [ "$BIG" = 1 ]; then
    BIGROWS=$((ROWS * 10))
    gen "$BIGROWS" csv "$DATA/flights_$BIGROWS.csv" $((BIGROWS + 1))
fi

# 4. the peers, in a venv under bench-data/
if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    if ! python3 -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        say "installing python3-venv"
        apt_install python3-venv
        python3 -m venv "$VENV"
    fi
fi
PY="$VENV/bin/python"
have() { "$PY" -c "import $1" 2>/dev/null; }
if ! have polars; then
    say "installing polars into $VENV"
    "$PY" -m pip install -q polars
fi
# The `duckdb` entry point of the duckdb-cli package is a Python wrapper that starts the real
# CLI binary shipped next to it; the benchmark runs that binary directly so that the wrapper's
# Python start-up is not counted.
cli_path() { "$PY" -c 'import duckdb_cli, os; print(os.path.join(os.path.dirname(duckdb_cli.__file__), "duckdb"))' 2>/dev/null; }
DUCKDB_CLI=""
if ! have duckdb_cli; then
    say "installing duckdb-cli into $VENV"
    "$PY" -m pip install -q duckdb-cli || say "duckdb-cli could not be installed"
fi
if have duckdb_cli; then
    DUCKDB_CLI="$(cli_path)"
    if [ ! -x "$DUCKDB_CLI" ] || ! "$DUCKDB_CLI" --version >/dev/null 2>&1; then
        say "the duckdb-cli package has no working binary ($DUCKDB_CLI)"
        DUCKDB_CLI=""
    fi
fi
if [ -z "$DUCKDB_CLI" ]; then
    say "NOTE: no DuckDB CLI; falling back to the duckdb Python package (run with python -c," \
        "so DuckDB's times include Python start-up)"
    have duckdb || "$PY" -m pip install -q duckdb
fi

# 5. measure, check, report
exec "$PY" benches/peers.py --root . --data "$DATA" --rows "$ROWS" --runs "$RUNS" \
    --threads "$THREADS" $([ "$BIG" = 1 ] && echo --big) --flightsift "$FS" \
    --duckdb-cli "$DUCKDB_CLI" --python "$PY" --cmdline "${ORIG_ARGS[@]}"
