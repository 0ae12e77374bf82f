-- The helpers of gtfs-via-postgres (lib/stop_times.js) for fast time-window
-- queries on arrivals_departures and connections:
--   WHERE t_departure >= t1 AND t_departure < t2
--   AND date >= dates_filter_min(t1) AND date <= dates_filter_max(t2)
-- lets the days come from service_days(date) index.  largest_arrival_time()
-- and largest_departure_time() are the largest times of an instance,
-- frequencies.txt's included (theirs leave those out: a window could miss
-- a frequency trip's late instances), over every trip (theirs: the trips
-- with a service day; a larger bound only widens the days read).  They
-- and the agencies' offsets from UTC are read once here, when the load
-- makes the views, and written into the functions as constants: read at
-- each call they would cost a scan of stop_times per query.
--
-- t0 of a day d (timetable_arrivals_departures.sql) is d 00:00 UTC minus
-- the offset at noon: with offsets from lo to hi, a row at or after t has
-- d >= the UTC date of t - largest + lo, and one at or before t has d <=
-- the UTC date of t + hi; lo and hi are the agencies' offsets of this
-- year's winter and summer, less and plus an hour more (a zone's offsets of
-- other years), or -12 and +14 hours when a time zone is unknown.
-- So the bounds hold in any session time zone (theirs use the session's
-- midnight and miss rows when it is not the feed's).  @s: the schema.
-- the schema's name, for the DO block: written in its body, a name holding
-- its dollar quote would end it (a setting of the session: psql runs
-- --print-schema's statements each in a transaction of its own)
SELECT pg_catalog.set_config('gtfs2pgsql.timetable_schema',
	t.typnamespace::pg_catalog.regnamespace::text, false)
FROM pg_catalog.pg_type t
WHERE t.oid = pg_catalog.pg_typeof(NULL::@s.stop_times);
DO $gtfs2pgsql$
DECLARE
	ns text := pg_catalog.current_setting('gtfs2pgsql.timetable_schema');
	arrival interval;
	departure interval;
	lo interval;
	hi interval;
BEGIN
-- in a load, from the screen of stop_times.txt (screen_tables.sql), which
-- saw every row: a scan of stop_times took 0.35 s of a load of MTA
-- Brooklyn's 2.4 million.  Else EXECUTE, with or without the name: a
-- query of PL/pgSQL's own runs without parallel workers, at twice the time
	IF pg_catalog.to_regclass('pg_temp.gtfs2pgsql_trip_runs') IS NOT NULL THEN
		SELECT pg_catalog.make_interval(secs => max(r.top_arrival)),
			pg_catalog.make_interval(secs => max(r.top_departure))
		INTO arrival, departure FROM pg_temp.gtfs2pgsql_trip_runs r;
	ELSE
		EXECUTE format('SELECT max(arrival_time), max(departure_time)'
			' FROM %s.stop_times', ns) INTO arrival, departure;
	END IF;
-- a frequency trip's times moved to its last instance: from its first
-- stop time, which trip_starts holds (a trip without one has no instance)
	EXECUTE format('SELECT greatest($1, max(st.arrival_time - b.start_time'
		' + f.end_time)), greatest($2, max(st.departure_time - b.start_time'
		' + f.end_time)) FROM %1$s.frequencies f JOIN %1$s.stop_times st'
		' ON st.trip_id = f.trip_id JOIN %1$s.trip_starts b'
		' ON b.trip_id = f.trip_id', ns)
		INTO arrival, departure USING arrival, departure;
-- the offsets of January and July (pg_timezone_names would read every
-- zone of the server: 0.13 s); a zone the server does not know (notice
-- invalid_timezone) leaves the widest
	BEGIN
		EXECUTE format('SELECT min(o) - interval ''1 hour'','
			' max(o) + interval ''1 hour'' FROM %s.agency a'
			' CROSS JOIN LATERAL (VALUES (date_trunc(''year'', now())),'
			' (date_trunc(''year'', now()) + interval ''6 months'')) AS m (t)'
			' CROSS JOIN LATERAL (SELECT (m.t AT TIME ZONE a.agency_timezone)'
			' - (m.t AT TIME ZONE ''UTC'') AS o) AS z', ns) INTO lo, hi;
	EXCEPTION WHEN invalid_parameter_value THEN
		NULL;
	END;
	lo := coalesce(lo, interval '-12 hours');
	hi := coalesce(hi, interval '14 hours');
	EXECUTE format('CREATE OR REPLACE FUNCTION %s.largest_arrival_time()'
		' RETURNS interval LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L',
		ns, format('SELECT %L::interval', arrival));
	EXECUTE format('CREATE OR REPLACE FUNCTION %s.largest_departure_time()'
		' RETURNS interval LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L',
		ns, format('SELECT %L::interval', departure));
	EXECUTE format('CREATE OR REPLACE FUNCTION %s.dates_filter_min('
		'_timestamp timestamptz) RETURNS date LANGUAGE sql IMMUTABLE'
		' PARALLEL SAFE AS %L', ns,
		format('SELECT ((_timestamp AT TIME ZONE %L) - %L::interval'
			' + %L::interval)::date', 'UTC',
			greatest(arrival, departure, interval '0'), lo));
	EXECUTE format('CREATE OR REPLACE FUNCTION %s.dates_filter_max('
		'_timestamp timestamptz) RETURNS date LANGUAGE sql IMMUTABLE'
		' PARALLEL SAFE AS %L', ns,
		format('SELECT ((_timestamp AT TIME ZONE %L) + %L::interval)::date',
			'UTC', hi));
END
$gtfs2pgsql$
