#!/usr/bin/env bash
# Raw provider responses against canonical NDJSON of the same offers, side by side.
#
#   benches/providers.sh [--rows N] [--runs R] [--threads T]
#
#   --rows N      offers per dump (default 500000)
#   --runs R      measured runs per dump (default 5); the median is reported
#   --threads T   worker threads (default 2)
#
# Generates, with one seed, canonical NDJSON and the same offers as Amadeus, Duffel,
# Kiwi and Sabre response pages (one page of 5-250 offers per line), plus a
# zstd-compressed copy of each, into bench-data/providers/ (git-ignored; reused
# when present). Then times `flightsift search --count` with the W3 filter on each,
# whole process, runs interleaved so machine noise hits every dump alike, and prints
# offers/s and the ratio of each dump's time to canonical NDJSON's.
set -euo pipefail

ROWS=500000
RUNS=5
THREADS=2
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) ROWS="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "providers.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cargo build --release --quiet
BIN=target/release/flightsift
DATA=bench-data/providers
mkdir -p "$DATA"
W3="price between 150 and 600 and stops <= 1 and depart_time >= 06:00 and depart_time < 12:00 and duration <= 420 and cabin = economy and not via has ORD"

FORMATS=(ndjson amadeus duffel kiwi sabre)
for f in "${FORMATS[@]}"; do
    file="$DATA/$f-$ROWS.ndjson"
    if [ ! -s "$file" ]; then
        "$BIN" gen --format "$f" --rows "$ROWS" --seed 1 -o "$file"
    fi
    if [ ! -s "$file.zst" ]; then
        zstd -q -3 -T0 -f "$file" -o "$file.zst" 2>/dev/null \
            || "$BIN" convert --help >/dev/null  # zstd CLI absent: compressed rows are skipped
    fi
done

now() { date +%s.%N; }
declare -A TIMES
INPUTS=()
for f in "${FORMATS[@]}"; do
    INPUTS+=("$DATA/$f-$ROWS.ndjson")
    [ -s "$DATA/$f-$ROWS.ndjson.zst" ] && INPUTS+=("$DATA/$f-$ROWS.ndjson.zst")
done
for input in "${INPUTS[@]}"; do "$BIN" search "$input" --count -j "$THREADS" --where "$W3" >/dev/null; done
for _ in $(seq "$RUNS"); do
    for input in "${INPUTS[@]}"; do
        start=$(now)
        "$BIN" search "$input" --count -j "$THREADS" --where "$W3" >/dev/null
        end=$(now)
        TIMES[$input]+="$(echo "$end - $start" | bc) "
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(echo "${TIMES[$DATA/ndjson-$ROWS.ndjson]}" | median)
printf '%-28s %10s %12s %14s %10s\n' input MB "median s" "offers/s" "x NDJSON"
for input in "${INPUTS[@]}"; do
    t=$(echo "${TIMES[$input]}" | median)
    mb=$(( $(stat -c %s "$input") / 1000000 ))
    printf '%-28s %10s %12.3f %14.0f %10.2f\n' "$(basename "$input")" "$mb" "$t" \
        "$(echo "$ROWS / $t" | bc -l)" "$(echo "$t / $base" | bc -l)"
done
echo "($ROWS offers per dump, $THREADS threads, median of $RUNS runs, W3 --count, $(date -u +%F))"
