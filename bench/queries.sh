#!/bin/bash
#
# bench/queries.sh: gtfs-via-postgres's query benchmark (bench/queries.py)
# on FEED.zip, loaded by each tool into a database of its own.
#
#   bench/queries.sh [FEED.zip]      # default: MTA Brooklyn of ../shared/feeds
#
# Databases bench_q_gvp and bench_q_g2p (made, marked and dropped as
# bench/databases.sh says); BENCH_QUERY_KEEP=1 reuses them as loaded by
# the last run (same feed).  gtfs-via-postgres is bench/node_modules'
# (installed by npm when missing; BENCH_GVP names another), with --stops-location-index and
# --stats-by-route-date=view (the objects its table queries); gtfs2pgsql
# fills stats_by_route_date by REFRESH after its load (--stats would fill
# the other statistics too).  Writes bench/out/queries-FEED.md.
set -euo pipefail

bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
cd "$root"
feed=${1:-../shared/feeds/mta-bus-brooklyn-2026-reconstructed.zip}
name=$(basename "$feed" .zip)
gvp=${BENCH_GVP:-bench/node_modules/.bin/gtfs-to-sql}
out=bench/out
if [ ! -x "$gvp" ] && [ -z "${BENCH_GVP:-}" ] && command -v npm >/dev/null; then
	npm install --prefix bench --no-audit --no-fund >&2	# version: bench/package.json
fi
[ -x "$gvp" ] || { echo "bench/queries.sh: no $gvp (npm and node needed)" >&2; exit 1; }
. bench/databases.sh
bench_db_server bench/queries.sh bench_q_gvp bench_q_g2p
bench_db_check bench/queries.sh bench_q_gvp bench_q_g2p
make -s gtfs2pgsql
mkdir -p "$out"
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [ -z "${BENCH_QUERY_KEEP:-}" ]; then
	for db in bench_q_gvp bench_q_g2p; do
		bench_db_drop bench/queries.sh "$db"
		bench_db_create "$db"
		psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION postgis'
	done
	log "gtfs2pgsql: loading $name"
	/usr/bin/time -f '%e s' ./gtfs2pgsql -q -d bench_q_g2p -s bench "$feed"
	/usr/bin/time -f '%e s (stats_by_route_date)' \
		psql -X -q -d bench_q_g2p -c 'REFRESH MATERIALIZED VIEW bench.stats_by_route_date'
	log "gtfs-via-postgres: loading $name"
	rm -rf "$out/queries-unzipped"
	mkdir -p "$out/queries-unzipped"
	unzip -q -j "$feed" '*.txt' -d "$out/queries-unzipped"
	# the awk: bench/run's, for psql 15.20 (bench/README.md)
	/usr/bin/time -f '%e s' bash -o pipefail -c '"$0" --require-dependencies -u \
		--stops-location-index --stats-by-route-date=view -- "$1"/*.txt |
		awk '\''$0 == ";" && p == "\\." {next} /./ {p = $0} {print}'\'' |
		psql -X -b -q -v ON_ERROR_STOP=1 -d bench_q_gvp' "$gvp" "$out/queries-unzipped"
	rm -rf "$out/queries-unzipped"
fi
python3 bench/queries.py "$name" bench_q_gvp bench_q_g2p bench "$out/queries-$name.md"
