-- The rows of stop_times.txt, each with its neighbours in its trip (one
-- pass in the order of the key, trip_id and stop_sequence), and the trip,
-- route and stop it names: the validator's rules of one row or of two
-- consecutive rows (see schema/rules/README for the columns).
--   stop_time_with_only_arrival_or_departure_time (error): one of the two
--     times (StopTimeArrivalAndDepartureTimeValidator); column: the one given.
--   stop_time_with_arrival_before_previous_departure_time (error): arrival
--     before the departure of the last earlier row that has one (same).
--   decreasing_or_equal_stop_time_distance (error): shape_dist_traveled not
--     above the previous row's, both given (StopTimeIncreasingDistanceValidator).
--   missing_trip_edge (error): the first or last row of a trip without
--     arrival_time or departure_time, one notice per field (MissingTripEdgeValidator),
--     but for a row of a pickup/drop-off window, whose times the reference
--     forbids (the validator asks for them there too).
--   stop_time_timepoint_without_times (error): timepoint 1 without
--     arrival_time or departure_time, one per field (TimepointTimeValidator).
--   missing_timepoint_value (warning): a row with a time and no timepoint,
--     when the file has the column (same).
--   forbidden_arrival_or_departure_time (error): a time beside a pickup/drop-off
--     window (PickupDropOffWindowValidator).
--   forbidden_pickup_type, forbidden_drop_off_type (error): a window with
--     pickup_type 0 (or empty) or 3, drop_off_type 0 (or empty) (PickupDropOffTypeValidator).
--   forbidden_shape_dist_traveled (error): a distance on a row of a location
--     or location group, no stop_id (StopTimesShapeDistTraveledPresenceValidator).
--   forbidden_continuous_pickup_drop_off (error): a window on a trip of a
--     route of continuous_pickup or continuous_drop_off 0, 2 or 3; the
--     route's row, once per window (ContinuousPickupDropOffValidator).
--   missing_stop_times_record (error): the only row of its trip, a window
--     and pickup_type and drop_off_type 2 (StopTimesRecordValidator).
--   unusable_trip (warning): a trip of one row; the trip's row
--     (TripUsabilityValidator; a trip of none: trips_usage.sql).
--   trip_headsign_matches_intermediate_stop (info): the headsign is, case
--     aside, the name of a stop before the last; the trip's row, once per
--     such stop (TripHeadsignValidator).
--   unsorted_stop_times (info): a trip whose rows are not together in the
--     file, or not in the order of stop_sequence; its first row
--     (StopTimesTripBlockOrderValidator).  Together means lines without a
--     gap: a row the load dropped (a duplicate key) leaves one.
-- sqlfiles.sh parameters: '2026-01-01'
WITH timepoint_column AS (
	SELECT coalesce(bool_or('timepoint' = ANY (header)), false) AS given
	FROM @s.import_files
	WHERE file = 'stop_times.txt'
),
ranked AS (
	SELECT st.trip_id, st.stop_sequence, st.gtfs2pgsql_line, st.stop_id,
		st.location_id, st.location_group_id, st.arrival_time,
		st.departure_time, st.start_pickup_drop_off_window,
		st.end_pickup_drop_off_window, st.pickup_type, st.drop_off_type,
		st.shape_dist_traveled, st.timepoint, t.gtfs2pgsql_line AS trip_line,
		t.trip_headsign, r.gtfs2pgsql_line AS route_line,
		r.continuous_pickup AS route_pickup,
		r.continuous_drop_off AS route_drop_off, s.stop_name,
		(st.start_pickup_drop_off_window IS NOT NULL OR
		 st.end_pickup_drop_off_window IS NOT NULL) AS windowed,
		lag(st.stop_sequence) OVER w IS NULL AS first_row,
		lead(st.stop_sequence) OVER w IS NULL AS last_row,
		lag(st.shape_dist_traveled) OVER w AS previous_distance,
		lag(st.gtfs2pgsql_line) OVER w > st.gtfs2pgsql_line AS line_back,
		-- the last earlier departure: stop_sequence * 2^21 + seconds, the
		-- greatest of the earlier rows that have one (one window, a bigint)
		max(st.stop_sequence::bigint * 2097152 +
			extract(epoch FROM st.departure_time)::bigint) OVER w
			AS previous_departure,
		-- the earlier rows of the trip: at its last row, all the others
		count(*) OVER w AS earlier_rows,
		min(st.gtfs2pgsql_line) OVER w AS earlier_first_line,
		max(st.gtfs2pgsql_line) OVER w AS earlier_last_line
	FROM @s.stop_times AS st
	LEFT JOIN @s.trips AS t USING (trip_id)
	LEFT JOIN @s.routes AS r USING (route_id)
	LEFT JOIN @s.stops AS s ON s.stop_id = st.stop_id
	WINDOW w AS (PARTITION BY st.trip_id ORDER BY st.stop_sequence
		ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
checked AS (
	SELECT ranked.*,
		(previous_departure % 2097152)::float8 AS previous_departure_seconds,
		previous_departure / 2097152 AS previous_departure_sequence,
		earlier_rows + 1 AS trip_rows,
		least(earlier_first_line, gtfs2pgsql_line) AS trip_first_line,
		greatest(earlier_last_line, gtfs2pgsql_line) AS trip_last_line,
		-- at the last row, whether any row came before the previous in the file
		bool_or(line_back) OVER (PARTITION BY trip_id ORDER BY stop_sequence
			ROWS UNBOUNDED PRECEDING) AS trip_line_back
	FROM ranked
),
-- which checks a row fails, by number: most rows fail none
flagged AS (
	SELECT c.*, ARRAY[
		/* 1 */ (c.arrival_time IS NULL) <> (c.departure_time IS NULL),
		/* 2 */ extract(epoch FROM c.arrival_time) < c.previous_departure_seconds,
		/* 3 */ c.shape_dist_traveled <= c.previous_distance,
		/* 4 */ (c.first_row OR c.last_row) AND c.arrival_time IS NULL AND NOT c.windowed,
		/* 5 */ (c.first_row OR c.last_row) AND c.departure_time IS NULL AND NOT c.windowed,
		/* 6 */ c.timepoint = 1 AND c.arrival_time IS NULL,
		/* 7 */ c.timepoint = 1 AND c.departure_time IS NULL,
		/* 8 */ tc.given AND c.timepoint IS NULL AND
				(c.arrival_time IS NOT NULL OR c.departure_time IS NOT NULL),
		/* 9 */ c.windowed AND (c.arrival_time IS NOT NULL OR c.departure_time IS NOT NULL),
		/* 10 */ c.windowed AND coalesce(c.pickup_type, 0) IN (0, 3),
		/* 11 */ c.windowed AND coalesce(c.drop_off_type, 0) = 0,
		/* 12 */ c.stop_id IS NULL AND c.shape_dist_traveled IS NOT NULL AND
				(c.location_id IS NOT NULL OR c.location_group_id IS NOT NULL),
		/* 13 */ c.windowed AND (c.route_pickup IN (0, 2, 3) OR c.route_drop_off IN (0, 2, 3)),
		/* 14 */ c.first_row AND c.last_row AND c.start_pickup_drop_off_window IS NOT NULL AND
				c.end_pickup_drop_off_window IS NOT NULL AND c.pickup_type = 2 AND
				c.drop_off_type = 2,
		/* 15 */ c.first_row AND c.last_row AND c.trip_line IS NOT NULL,
		/* 16 */ NOT c.last_row AND lower(c.stop_name) = lower(c.trip_headsign),
		/* 17 */ c.last_row AND (c.trip_line_back OR
				c.trip_last_line - c.trip_first_line + 1 > c.trip_rows)] AS fails
	FROM checked AS c
	CROSS JOIN timepoint_column AS tc
)
SELECT n.file, n.line, n."column", n.code, NULL::text AS severity, n.value,
	n.message
FROM flagged AS c
CROSS JOIN LATERAL (VALUES
	(1, 'stop_times.txt', c.gtfs2pgsql_line,
	 CASE WHEN c.arrival_time IS NULL THEN 'departure_time' ELSE 'arrival_time' END,
	 'stop_time_with_only_arrival_or_departure_time' -- code
	 , coalesce(c.arrival_time, c.departure_time)::text,
	 format('trip %s, stop_sequence %s: %s without %s', c.trip_id, c.stop_sequence,
		CASE WHEN c.arrival_time IS NULL THEN 'departure_time' ELSE 'arrival_time' END,
		CASE WHEN c.arrival_time IS NULL THEN 'arrival_time' ELSE 'departure_time' END)),
	(2, 'stop_times.txt', c.gtfs2pgsql_line, 'arrival_time',
	 'stop_time_with_arrival_before_previous_departure_time' -- code
	 , c.arrival_time::text,
	 format('trip %s: arrival %s at stop_sequence %s before the departure %s at stop_sequence %s',
		c.trip_id, c.arrival_time, c.stop_sequence,
		make_interval(secs => c.previous_departure_seconds), c.previous_departure_sequence)),
	(3, 'stop_times.txt', c.gtfs2pgsql_line, 'shape_dist_traveled',
	 'decreasing_or_equal_stop_time_distance' -- code
	 , c.shape_dist_traveled::text,
	 format('trip %s, stop_sequence %s: shape_dist_traveled %s, the previous stop''s %s',
		c.trip_id, c.stop_sequence, c.shape_dist_traveled, c.previous_distance)),
	(4, 'stop_times.txt', c.gtfs2pgsql_line, 'arrival_time',
	 'missing_trip_edge' -- code
	 , NULL,
	 format('trip %s: its %s stop (stop_sequence %s) has no arrival_time', c.trip_id,
		CASE WHEN c.first_row THEN 'first' ELSE 'last' END, c.stop_sequence)),
	(5, 'stop_times.txt', c.gtfs2pgsql_line, 'departure_time',
	 'missing_trip_edge' -- code
	 , NULL,
	 format('trip %s: its %s stop (stop_sequence %s) has no departure_time', c.trip_id,
		CASE WHEN c.first_row THEN 'first' ELSE 'last' END, c.stop_sequence)),
	(6, 'stop_times.txt', c.gtfs2pgsql_line, 'arrival_time',
	 'stop_time_timepoint_without_times' -- code
	 , NULL,
	 format('trip %s, stop_sequence %s: a timepoint without arrival_time',
		c.trip_id, c.stop_sequence)),
	(7, 'stop_times.txt', c.gtfs2pgsql_line, 'departure_time',
	 'stop_time_timepoint_without_times' -- code
	 , NULL,
	 format('trip %s, stop_sequence %s: a timepoint without departure_time',
		c.trip_id, c.stop_sequence)),
	(8, 'stop_times.txt', c.gtfs2pgsql_line, 'timepoint',
	 'missing_timepoint_value' -- code
	 , NULL,
	 format('trip %s, stop_sequence %s: times and no timepoint', c.trip_id, c.stop_sequence)),
	(9, 'stop_times.txt', c.gtfs2pgsql_line,
	 CASE WHEN c.arrival_time IS NULL THEN 'departure_time' ELSE 'arrival_time' END,
	 'forbidden_arrival_or_departure_time' -- code
	 , coalesce(c.arrival_time, c.departure_time)::text,
	 format('trip %s, stop_sequence %s: times beside a pickup/drop-off window',
		c.trip_id, c.stop_sequence)),
	(10, 'stop_times.txt', c.gtfs2pgsql_line, 'pickup_type',
	 'forbidden_pickup_type' -- code
	 , c.pickup_type::text,
	 format('trip %s, stop_sequence %s: pickup_type %s with a pickup/drop-off window',
		c.trip_id, c.stop_sequence, coalesce(c.pickup_type, 0))),
	(11, 'stop_times.txt', c.gtfs2pgsql_line, 'drop_off_type',
	 'forbidden_drop_off_type' -- code
	 , c.drop_off_type::text,
	 format('trip %s, stop_sequence %s: drop_off_type 0 with a pickup/drop-off window',
		c.trip_id, c.stop_sequence)),
	(12, 'stop_times.txt', c.gtfs2pgsql_line, 'shape_dist_traveled',
	 'forbidden_shape_dist_traveled' -- code
	 , c.shape_dist_traveled::text,
	 format('trip %s, stop_sequence %s: shape_dist_traveled on a row of %s',
		c.trip_id, c.stop_sequence, coalesce('location ' || c.location_id,
			'location group ' || c.location_group_id))),
	(13, 'routes.txt', c.route_line,
	 CASE WHEN c.route_pickup IN (0, 2, 3) THEN 'continuous_pickup'
		ELSE 'continuous_drop_off' END,
	 'forbidden_continuous_pickup_drop_off' -- code
	 , CASE WHEN c.route_pickup IN (0, 2, 3) THEN c.route_pickup
		ELSE c.route_drop_off END::text,
	 format('route of trip %s: continuous stops and a pickup/drop-off window at stop_times.txt line %s',
		c.trip_id, c.gtfs2pgsql_line)),
	(14, 'stop_times.txt', c.gtfs2pgsql_line, 'trip_id',
	 'missing_stop_times_record' -- code
	 , c.trip_id,
	 format('trip %s: one stop time, a pickup/drop-off window to book, where two are needed',
		c.trip_id)),
	(15, 'trips.txt', c.trip_line, 'trip_id',
	 'unusable_trip' -- code
	 , c.trip_id,
	 format('trip %s has one stop time (stop_times.txt line %s)', c.trip_id,
		c.gtfs2pgsql_line)),
	(16, 'trips.txt', c.trip_line, 'trip_headsign',
	 'trip_headsign_matches_intermediate_stop' -- code
	 , c.trip_headsign,
	 format('trip %s: headsign "%s" names stop %s (stop_sequence %s), not its last stop',
		c.trip_id, c.trip_headsign, c.stop_id, c.stop_sequence)),
	(17, 'stop_times.txt', c.trip_first_line, 'trip_id',
	 'unsorted_stop_times' -- code
	 , c.trip_id,
	 format('trip %s: its %s rows, lines %s to %s, are %s', c.trip_id, c.trip_rows,
		c.trip_first_line, c.trip_last_line,
		CASE WHEN c.trip_line_back THEN 'not in the order of stop_sequence'
			ELSE 'not together' END))
) AS n (check_number, file, line, "column", code, value, message)
WHERE true = ANY (c.fails) AND c.fails[n.check_number]
