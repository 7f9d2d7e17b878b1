#!/usr/bin/env bash
# `flightsift eval` with K = 1, 10, 100 queries on one dump, against K separate
# `search --count` runs and against DuckDB computing the K counts in one statement.
# Usage: benches/eval.sh [ROWS] [SEPARATE_MAX]   (defaults: 2000000 rows; the separate
# searches are run for K <= SEPARATE_MAX, default 10, and scaled linearly above).
# DuckDB: the Python package of FLIGHTSIFT_PYTHON (default python3), if importable.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2000000}
separate_max=${2:-10}
py=${FLIGHTSIFT_PYTHON:-python3}
bin=target/release/flightsift
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dump="$work/d.csv"
"$bin" gen --rows "$rows" --seed 1 -o "$dump"

# K queries from a fixed pool of conjuncts, each query 2-3 of them.
make_queries() { # K FILE
  "$py" - "$1" "$2" <<'PY'
import random, sys
k, path = int(sys.argv[1]), sys.argv[2]
r = random.Random(7)
pool = ["price <= {p}", "stops <= {s}", "cabin = economy", "cabin = business",
        "duration <= {d}", "not via has ORD", "depart_time >= 06:00", "depart_time < 12:00",
        "origin in (JFK, LAX, LHR)", "carriers has AA", "bags >= 1"]
with open(path, "w") as f:
    for i in range(k):
        parts = r.sample(pool, r.choice([2, 3]))
        w = " and ".join(p.format(p=r.choice([150, 300, 600, 900]), s=r.choice([0, 1]),
                                   d=r.choice([240, 420, 900])) for p in parts)
        f.write(f'[[query]]\nname = "q{i}"\nwhere = "{w}"\n\n')
PY
}

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }

printf '%-5s %12s %18s %12s\n' K eval_s separate_search_s duckdb_s
for k in 1 10 100; do
  q="$work/q$k.toml"
  make_queries "$k" "$q"
  t_eval=$(secs "$bin" eval --queries "$q" "$dump" --format csv)
  wheres=$(grep '^where' "$q" | sed 's/^where = "\(.*\)"$/\1/')
  if [ "$k" -le "$separate_max" ]; then
    t_sep=$(secs bash -c 'while IFS= read -r w; do "$0" search "$1" --count --where "$w"; done <<<"$2"' "$bin" "$dump" "$wheres")
  else
    t1=$(secs bash -c 'while IFS= read -r w; do "$0" search "$1" --count --where "$w"; done <<<"$2"' "$bin" "$dump" "$(echo "$wheres" | head -n "$separate_max")")
    t_sep="$(echo "$t1 * $k / $separate_max" | bc -l | xargs printf '%.2f')(scaled)"
  fi
  t_duck=n/a
  if "$py" -c 'import duckdb' 2>/dev/null; then
    sql=$(while IFS= read -r w; do "$bin" sql "$dump" --where "$w" | sed -n '/^WHERE /,$p' | sed 's/^WHERE //; s/;$//' | tr '\n' ' '; echo; done <<<"$wheres" \
      | awk '{printf "%scount(*) FILTER (WHERE %s)", (NR>1?", ":""), $0}')
    from=$("$bin" sql "$dump" --where true | sed -n '/^FROM /,/^WHERE /p' | grep -v '^WHERE' | sed 's/;$//')
    echo "SELECT $sql $from" > "$work/duck.sql"
    t_duck=$(secs "$py" -c 'import duckdb,sys; duckdb.connect().execute(open(sys.argv[1]).read()).fetchall()' "$work/duck.sql")
  fi
  printf '%-5s %12s %18s %12s\n' "$k" "$t_eval" "$t_sep" "$t_duck"
done
