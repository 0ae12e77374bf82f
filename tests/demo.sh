#!/bin/bash
#
# demo.sh: loads the sample feed of fixtures/ and shows what a user gets.
# Run by "make demo" under tests/with-postgres --throwaway (a server of its
# own); run alone, it writes to the database PG* reaches, and says so first.
#
set -eu
cd "$(dirname "$0")/.."

where=$(psql -X -c '\conninfo' | sed -n 's/^You are connected to //p')
if [ -n "${WITH_POSTGRES_THROWAWAY:-}" ]; then
	echo "== on a throwaway PostgreSQL made for this demo by pg_virtualenv, dropped at its end: ${where%.}"
else
	echo "== on the server the PG* environment reaches (not a throwaway one): ${where%.}"
fi
echo

echo "== ./gtfs2pgsql -s gtfs --report - fixtures/sample"
./gtfs2pgsql -s gtfs --report - fixtures/sample

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

q "Timetable 1: departures from a stop between 08:00 and 09:00 on Monday 2026-03-02
(the day before too: its trips past 24:00:00 run that morning)" "
SELECT to_char(t_departure AT TIME ZONE agency_timezone, 'HH24:MI') AS departs,
       route_id, trip_headsign, trip_id, frequencies_it
FROM gtfs.arrivals_departures
WHERE stop_id = 'P05'
  AND date BETWEEN date '2026-03-02' - 1 AND date '2026-03-02'
  AND t_departure >= timestamptz '2026-03-02 08:00 America/Toronto'
  AND t_departure <  timestamptz '2026-03-02 09:00 America/Toronto'
ORDER BY t_departure"

q "Timetable 2: trips per hour per route on 2026-03-02 (local hour of each trip's start)" "
SELECT route_id, string_agg(hour || 'h ' || trips, ', ' ORDER BY hour) AS trips_per_hour
FROM (SELECT route_id, hour, count(*) AS trips
      FROM (SELECT route_id, trip_id, frequencies_it,
                   extract(hour FROM min(t_departure) AT TIME ZONE 'America/Toronto')::int AS hour
            FROM gtfs.arrivals_departures WHERE date = '2026-03-02'
            GROUP BY 1, 2, 3) AS starts
      GROUP BY 1, 2) AS per_hour
GROUP BY 1 ORDER BY 1"

q "Timetable 3: first and last departure of each route on Saturday 2026-03-07" "
SELECT route_id,
       min(t_departure) AT TIME ZONE 'America/Toronto' AS first_departure,
       max(t_departure) AT TIME ZONE 'America/Toronto' AS last_departure
FROM gtfs.arrivals_departures WHERE date = '2026-03-07'
GROUP BY 1 ORDER BY 1"

q "Timetable 4: the service span of each day around a DST change (2026-03-08)" "
SELECT date, count(DISTINCT (trip_id, frequencies_it)) AS trips,
       min(t_departure) AT TIME ZONE 'America/Toronto' AS first,
       max(t_arrival) AT TIME ZONE 'America/Toronto' AS last,
       max(t_arrival) - min(t_departure) AS span
FROM gtfs.arrivals_departures
WHERE date BETWEEN '2026-03-06' AND '2026-03-09'
GROUP BY 1 ORDER BY 1"

q "Timetable 5: connections out of a stop on 2026-03-02 before 07:30 (the input of a connection-scan router)" "
SELECT to_char(t_departure AT TIME ZONE agency_timezone, 'HH24:MI') AS departs,
       to_stop_id,
       to_char(t_arrival AT TIME ZONE agency_timezone, 'HH24:MI') AS arrives,
       route_id, trip_id, frequencies_it
FROM gtfs.connections
WHERE from_stop_id = 'U01' AND date = '2026-03-02'
  AND t_departure < timestamptz '2026-03-02 07:30 America/Toronto'
ORDER BY t_departure"

q "The registry of loaded feeds" "
SELECT feed_id, schema_name, file_name, left(sha256, 12) AS sha256, options
FROM gtfs2pgsql.feeds"

echo
echo "== pgsql2gtfs: the feed back out as GTFS, then loaded again as sample_again"
out=$(mktemp -d)/sample-again.zip
./pgsql2gtfs -s gtfs "$out"
unzip -l "$out"
./gtfs2pgsql -q --feed-id sample_again "$out"
q "The sample and its reload: rows of each, and rows of one not in the other
(every column but feed_id, which names each copy)" "
SELECT t, (xpath('/row/n/text()', query_to_xml(format(
         'SELECT count(*) AS n FROM gtfs.%I', t), false, true, '')))[1]::text AS rows,
       (xpath('/row/n/text()', query_to_xml(format(
         'SELECT count(*) AS n FROM (SELECT to_jsonb(a) - ''feed_id'' FROM gtfs.%1\$I a
          EXCEPT ALL SELECT to_jsonb(b) - ''feed_id'' FROM sample_again.%1\$I b) AS d',
         t), false, true, '')))[1]::text AS differing
FROM unnest(ARRAY['agency', 'stops', 'routes', 'trips', 'stop_times', 'calendar',
                  'calendar_dates', 'shapes', 'frequencies', 'transfers',
                  'fare_attributes', 'fare_rules', 'feed_info']) AS t"
rm -rf "$(dirname "$out")"

