#!/usr/bin/env python3
"""Regenerates airports.csv (IATA airport code -> IANA time zone) from the MIT-licensed
`airportsdata` package (https://github.com/mborsetti/airportsdata).

    python3 -m pip download airportsdata --no-deps -d DIR
    unzip DIR/airportsdata-*.whl -d DIR
    python3 src/provider/gen_airports.py DIR/airportsdata > src/provider/airports.csv

Keep AIRPORTS-LICENSE in step with the package's LICENSE file. Only rows with a
three-character IATA code and a time zone are kept, sorted by code.
"""
import csv
import pathlib
import re
import sys


def main() -> None:
    pkg = pathlib.Path(sys.argv[1])
    version = '?'
    init = (pkg / '__init__.py').read_text(encoding='utf-8')
    m = re.search(r"__version__ = '([^']+)'", init)
    if m:
        version = m.group(1)
    rows = {}
    with (pkg / 'airports.csv').open(encoding='utf-8', newline='') as f:
        for row in csv.DictReader(f):
            code, tz = row['iata'].strip(), row['tz'].strip()
            if not re.fullmatch(r'[A-Z0-9]{3}', code) or not tz:
                continue
            if code in rows and rows[code] != tz:
                sys.exit(f'{code}: two time zones ({rows[code]}, {tz})')
            rows[code] = tz
    out = sys.stdout
    out.write(f'# IATA airport -> IANA time zone; airportsdata {version} (MIT, see AIRPORTS-LICENSE);'
              ' regenerate with gen_airports.py\n')
    out.write('iata,tz\n')
    for code in sorted(rows):
        out.write(f'{code},{rows[code]}\n')


if __name__ == '__main__':
    main()
