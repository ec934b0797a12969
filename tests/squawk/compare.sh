#!/usr/bin/env bash
# Runs squawk (pip install squawk-cli, or npm install -g squawk-cli) over fixtures/lint and prints
# what it flagged, one `fixture-file<TAB>squawk-rule` line each, sorted, after a version line.
# `tests/squawk/compare.sh > tests/squawk/flagged.tsv` refreshes the committed table that
# `tests/integration/squawk.rs` holds brainmig to (with SQUAWK=/path/to/squawk if not on PATH).
set -euo pipefail
cd "$(dirname "$0")/../../fixtures/lint"
squawk="${SQUAWK:-squawk}"
echo "# $("$squawk" --version)"
# brainmig runs a transactional section in one transaction, as squawk assumes with this flag.
# squawk exits non-zero when it flags anything: that is the point here.
{ "$squawk" --reporter json --assume-in-transaction ./*/fire.sql ./*/safe.sql || true; } |
    python3 -c '
import json, sys
rows = {(f["file"].removeprefix("./"), f["rule_name"]) for f in json.load(sys.stdin)}
for file, rule in sorted(rows):
    print(f"{file}\t{rule}")
'
