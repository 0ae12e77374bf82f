#!/bin/bash
#
# bench/export.sh: pgsql2gtfs against the floor of an export.
#
#   bench/export.sh FEED.zip [RUNS]     (run by bench/run on the largest
#                                        real feed; PG* names the server)
#
# Loads FEED once into schema bench_export of database bench_export, then
# alternately, RUNS times (default 3), measures with GNU time:
#   pgsql2gtfs         ./pgsql2gtfs -q -s bench_export OUT.zip
#   floor-stop_times   psql -c "\copy (SELECT <its columns>) TO ... csv
#                      header" of stop_times alone, then zip -q of it
#   floor-all          the same for every file pgsql2gtfs writes, then
#                      zip -q of them all
# and prints wall seconds, peak RSS (kB) and the ratio to each floor.
# It says first which server it writes to, and drops only a bench_export
# it made (bench/databases.sh).
#
set -euo pipefail
cd "$(dirname "$0")/.."
feed=$1
runs=${2:-3}
out=bench/out/export
db=bench_export
rm -rf "$out"
mkdir -p "$out"
. bench/databases.sh
bench_db_server bench/export.sh $db
bench_db_check bench/export.sh $db
make -s gtfs2pgsql pgsql2gtfs >&2
bench_db_drop bench/export.sh $db
bench_db_create $db
PGDATABASE=$db ./gtfs2pgsql -q -s bench_export "$feed"

# one \copy per file, with the columns pgsql2gtfs writes, in their order
floor_sql() {
	psql -X -At -d $db -c "SELECT format('\\copy (SELECT %s FROM bench_export.%I) TO %L WITH (FORMAT csv, HEADER)', (SELECT string_agg(quote_ident(c), ', ') FROM unnest(columns) c), \"table\", '$out/floor/' || file) FROM bench_export.import_files WHERE columns IS NOT NULL $1"
}
floor_sql "AND file = 'stop_times.txt'" >"$out/floor-stop_times.sql"
floor_sql "" >"$out/floor-all.sql"

measure() {
	local tool=$1
	shift
	rm -rf "$out/floor" "$out"/*.zip
	mkdir -p "$out/floor"
	/usr/bin/time -f '%e %M' -o "$out/time.txt" "$@" >/dev/null
	echo "$tool $(tail -1 "$out/time.txt")" >>"$out/results.txt"
	echo "$tool $(tail -1 "$out/time.txt")" >&2
}
: >"$out/results.txt"
for run in $(seq 1 "$runs"); do
	measure pgsql2gtfs ./pgsql2gtfs -q -d $db -s bench_export "$out/feed.zip"
	for f in stop_times all; do
		measure "floor-$f" bash -c "psql -X -q -d $db -f $out/floor-$f.sql &&
			cd $out/floor && zip -q ../floor.zip *.txt"
	done
done
bench_db_drop bench/export.sh $db
rm -rf "$out/floor" "$out"/*.zip
# medians
sort -k1,1 -k2,2n "$out/results.txt" | awk '
	{ t[$1] = t[$1] " " $2; m[$1] = m[$1] " " $3; n[$1]++ }
	END {
		for (k in t) {
			split(substr(t[k], 2), a, " "); split(substr(m[k], 2), b, " ")
			med[k] = a[int((n[k] + 1) / 2)]; rss[k] = b[int((n[k] + 1) / 2)]
		}
		printf "%-18s %8s %10s\n", "tool", "wall_s", "rss_kb"
		for (k in med) printf "%-18s %8s %10s\n", k, med[k], rss[k]
		printf "pgsql2gtfs / floor-stop_times: %.2f\n", med["pgsql2gtfs"] / med["floor-stop_times"]
		printf "pgsql2gtfs / floor-all: %.2f\n", med["pgsql2gtfs"] / med["floor-all"]
	}'
