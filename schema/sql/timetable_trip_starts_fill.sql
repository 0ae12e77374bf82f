-- trip_starts filled (timetable_trip_starts.sql): in a load, a trip whose
-- rows the screen summed up in one run, in order, each as written
-- (schema/sql/screen_tables.sql), numbered from its first onwards with no
-- gap, comes from its summary; any other trip of trips is read through
-- the stop_times key (every trip when there is no screen: --print-schema's
-- user).  A trip without stop times has no row.  The numbers' span is
-- counted in bigint (0 to 2^31-1 overflowed integer); a stop time without
-- stop_sequence (NULL, with an error) is neither counted nor in sequences,
-- which width_bucket searches.  "@t" is a dollar quote the schema's name
-- cannot end.
DO @t
BEGIN
IF pg_catalog.to_regclass('pg_temp.gtfs2pgsql_trip_runs') IS NOT NULL THEN
	INSERT INTO @s.trip_starts (trip_id, first_sequence, start_time)
	SELECT r.trip_id, r.min_sequence, pg_catalog.make_interval(secs =>
		coalesce(r.min_departure, r.min_arrival))
	FROM pg_temp.gtfs2pgsql_trip_runs r
	WHERE r.trip_id IS NOT NULL AND r.sorted AND r.as_written
	AND r.max_sequence::bigint - r.min_sequence + 1 = r.rows
	AND NOT EXISTS (SELECT FROM pg_temp.gtfs2pgsql_trip_runs o
		WHERE o.trip_id = r.trip_id AND o.first_line <> r.first_line);
END IF;
INSERT INTO @s.trip_starts (trip_id, first_sequence, start_time, sequences)
SELECT t.trip_id, s.first_sequence, s.start_time,
	CASE WHEN s.last_sequence::bigint - s.first_sequence + 1 <> s.stop_times
		THEN s.sequences END
FROM @s.trips t
CROSS JOIN LATERAL (SELECT pg_catalog.min(x.stop_sequence) AS first_sequence,
		pg_catalog.max(x.stop_sequence) AS last_sequence,
		pg_catalog.count(x.stop_sequence) AS stop_times,
		(pg_catalog.array_agg(coalesce(x.departure_time, x.arrival_time)
			ORDER BY x.stop_sequence))[1] AS start_time,
		pg_catalog.array_agg(x.stop_sequence ORDER BY x.stop_sequence)
			FILTER (WHERE x.stop_sequence IS NOT NULL) AS sequences
	FROM @s.stop_times x WHERE x.trip_id = t.trip_id
	HAVING pg_catalog.count(*) > 0) s
WHERE t.trip_id IS NOT NULL
AND NOT EXISTS (SELECT FROM @s.trip_starts e WHERE e.trip_id = t.trip_id);
END
@t
