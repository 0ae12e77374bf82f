#!/bin/bash
#
# bench/queries.sh: gtfs-via-postgres's query benchmark (bench/queries.py)
# on FEED.zip, loaded by each tool into a database of its own.
#
#   bench/queries.sh [FEED.zip]      # default: MTA Brooklyn of ../shared/feeds
#
# Databases bench_q_gvp_NAME and bench_q_g2p_NAME, NAME "brooklyn" for
# MTA Brooklyn, else the feed's file name in lower case letters, digits and
# "_" (made, marked and dropped as bench/databases.sh says), so that the
# loads of several feeds stay side by side; BENCH_QUERY_KEEP=1 reuses them
# as loaded by the last run, BENCH_QUERY_LOAD=gvp or g2p loads that side
# only (gtfs-via-postgres takes 5 min for Brooklyn, 15-25 for 10 million
# stop times).  gtfs-via-postgres is bench/node_modules'
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
case $name in
mta-bus-brooklyn-*) short=brooklyn ;;
*) short=$(printf '%s' "$name" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9' _) ;;
esac
db_gvp=bench_q_gvp_$short
db_g2p=bench_q_g2p_$short
load=${BENCH_QUERY_LOAD:-gvp g2p}
gvp=${BENCH_GVP:-bench/node_modules/.bin/gtfs-to-sql}
out=bench/out
if [ ! -x "$gvp" ] && [ -z "${BENCH_GVP:-}" ] && command -v npm >/dev/null; then
	npm install --prefix bench --no-audit --no-fund >&2	# version: bench/package.json
fi
[ -x "$gvp" ] || { echo "bench/queries.sh: no $gvp (npm and node needed)" >&2; exit 1; }
. bench/databases.sh
bench_db_server bench/queries.sh "$db_gvp" "$db_g2p"
bench_db_check bench/queries.sh "$db_gvp" "$db_g2p"
make -s gtfs2pgsql
mkdir -p "$out"
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# DB: made again, with PostGIS
fresh_db() {
	bench_db_drop bench/queries.sh "$1"
	bench_db_create "$1"
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" -c 'CREATE EXTENSION postgis'
}
if [ -z "${BENCH_QUERY_KEEP:-}" ] && [[ " $load " == *" g2p "* ]]; then
	fresh_db "$db_g2p"
	log "gtfs2pgsql: loading $name"
	/usr/bin/time -f '%e s' ./gtfs2pgsql -q -d "$db_g2p" -s bench "$feed"
	/usr/bin/time -f '%e s (stats_by_route_date)' \
		psql -X -q -d "$db_g2p" -c 'REFRESH MATERIALIZED VIEW bench.stats_by_route_date'
fi
if [ -z "${BENCH_QUERY_KEEP:-}" ] && [[ " $load " == *" gvp "* ]]; then
	fresh_db "$db_gvp"
	log "gtfs-via-postgres: loading $name"
	unzipped=$out/queries-unzipped-$short
	rm -rf "$unzipped"
	mkdir -p "$unzipped"
	unzip -q -j "$feed" '*.txt' -d "$unzipped"
	# the awk: bench/run's, for psql 15.20 (bench/README.md)
	/usr/bin/time -f '%e s' bash -o pipefail -c '"$0" --require-dependencies -u \
		--stops-location-index --stats-by-route-date=view -- "$1"/*.txt |
		awk '\''$0 == ";" && p == "\\." {next} /./ {p = $0} {print}'\'' |
		psql -X -b -q -v ON_ERROR_STOP=1 -d "$2"' "$gvp" "$unzipped" "$db_gvp"
	rm -rf "$unzipped"
fi
[ "$load" = "gvp g2p" ] || [ -n "${BENCH_QUERY_KEEP:-}" ] ||
	exit 0	# one side loaded: the queries need both
python3 bench/queries.py "$name" "$db_gvp" "$db_g2p" bench "$out/queries-$name.md"
