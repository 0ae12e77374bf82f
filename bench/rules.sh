#!/bin/bash
#
# bench/rules.sh: what the validator's rules add to a load (issue 26):
# loads with the rules and with --no-validate, alternating, ROUNDS times
# each, into a fresh database each time, and prints each run's seconds and
# peak memory, the medians and their ratio, and the rules' steps of the
# last load with them.
#
#   bench/rules.sh [FEED.zip...]     # default: MTA Brooklyn of ../shared/feeds
#                                    #          and a generated 10M feed
#   BENCH_ROUNDS=3 bench/rules.sh    # rounds (default 3)
#
# The generated feed is bench/genfeed.c's, cached in bench/out/feeds/ as
# bench/run does.  Database bench_rules (made, marked and dropped as
# bench/databases.sh says).  --as-of 2026-06-15 for every load.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
cd "$root"
out=bench/out
rounds=${BENCH_ROUNDS:-3}
db=bench_rules
. bench/databases.sh
bench_db_server bench/rules.sh "$db"
bench_db_check bench/rules.sh "$db"
make -s gtfs2pgsql
mkdir -p "$out/feeds"

feeds=("$@")
if [ ${#feeds[@]} -eq 0 ]; then
	brooklyn=../shared/feeds/mta-bus-brooklyn-2026-reconstructed.zip
	[ -f "$brooklyn" ] && feeds+=("$brooklyn")
	cc -O2 -std=c11 -Wall -o "$out/genfeed" bench/genfeed.c -lm
	gen_sum=$(sha256sum bench/genfeed.c | cut -c1-16)
	if [ "$(cat "$out/feeds/.genfeed" 2>/dev/null)" != "$gen_sum" ]; then
		rm -f "$out"/feeds/*.zip
		echo "$gen_sum" >"$out/feeds/.genfeed"
	fi
	[ -f "$out/feeds/synthetic-10m.zip" ] ||
		"$out/genfeed" --stop-times 10M "$out/feeds/synthetic-10m.zip" >&2
	feeds+=("$out/feeds/synthetic-10m.zip")
fi

# load FEED MODE: one load into a fresh database; prints "seconds kB"
load() {
	local extra=()
	[ "$2" = without ] && extra=(--no-validate)
	bench_db_drop bench/rules.sh "$db"
	bench_db_create "$db"
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION postgis'
	/usr/bin/time -f '%e %M' -o "$out/rules.time" ./gtfs2pgsql -q -d "$db" \
		--as-of 2026-06-15 --report "$out/rules-$2.json" "${extra[@]}" "$1" \
		>/dev/null
	cat "$out/rules.time"
}

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

for feed in "${feeds[@]}"; do
	name=$(basename "$feed" .zip)
	: >"$out/rules-with.txt"
	: >"$out/rules-without.txt"
	for r in $(seq "$rounds"); do
		for mode in with without; do
			t=$(load "$feed" "$mode")
			echo "$t" >>"$out/rules-$mode.txt"
			echo "$name round $r $mode rules: ${t% *} s, ${t#* } kB peak" >&2
		done
	done
	with=$(cut -d' ' -f1 "$out/rules-with.txt" | median)
	without=$(cut -d' ' -f1 "$out/rules-without.txt" | median)
	echo "$name: median $with s with the rules, $without s without: $(echo "$with $without" | awk '{printf "%.2f", $1 / $2}')x"
	python3 - "$out/rules-with.json" <<'EOF'
import json, sys
steps = json.load(open(sys.argv[1]))['steps']
rules = [(s['step'], s['seconds']) for s in steps
         if s['step'].startswith('rule ') or s['step'] == 'stop_times screen']
print('  the rules\' steps of the last load: %.2f s in all; the longest: %s'
      % (sum(t for _, t in rules), ', '.join('%s %.2f s' % r for r in
         sorted(rules, key=lambda r: -r[1])[:5])))
EOF
done
bench_db_drop bench/rules.sh "$db"
