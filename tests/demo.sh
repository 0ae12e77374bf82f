#!/bin/bash
#
# demo.sh: loads the sample feed of fixtures/ and shows what a user gets.
# Run by "make demo" under tests/with-postgres (a throwaway server).
#
set -eu
cd "$(dirname "$0")/.."

echo "== ./gtfs2pgsql --report - fixtures/sample"
./gtfs2pgsql --report - fixtures/sample

q() {
	echo
	echo "== $1"
	psql -X -P pager=off -c "$2"
}

q "Trips per route, first departure and last arrival (night trips pass 24:00)" "
SELECT r.route_short_name, r.route_long_name, count(DISTINCT t.trip_id) AS trips,
       min(st.departure_time) AS first_departure,
       max(st.arrival_time) AS last_arrival
FROM gtfs.routes r
JOIN gtfs.trips t USING (route_id)
JOIN gtfs.stop_times st USING (trip_id)
GROUP BY 1, 2 ORDER BY 1"

q "Times are intervals: the night bus on a given day, as timestamps" "
SELECT t.trip_id, s.stop_name,
       date '2026-03-02' + st.departure_time AS departs
FROM gtfs.stop_times st
JOIN gtfs.trips t USING (trip_id)
JOIN gtfs.stops s USING (stop_id)
WHERE st.departure_time >= interval '24:00'
ORDER BY st.departure_time LIMIT 5"

q "Quoted values survive: commas, quotes and line breaks" "
SELECT stop_id, stop_name, stop_desc FROM gtfs.stops
WHERE stop_name LIKE '%,%' OR stop_name LIKE '%\"%' OR stop_desc LIKE E'%\n%'"

q "Geometry: each route's length, from the route_lines view over shape_lines" "
SELECT route_id, round((ST_Length(geom::geography) / 1000)::numeric, 2) AS km,
       ST_NumGeometries(geom) AS lines
FROM gtfs.route_lines ORDER BY 1"

q "The registry of loaded feeds" "
SELECT feed_id, schema_name, file_name, left(sha256, 12) AS sha256, options
FROM gtfs2pgsql.feeds"
