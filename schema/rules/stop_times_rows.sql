-- The rows of stop_times.txt, each with its neighbours in its trip, and
-- the trip, route and stop it names: every rule of the validator over
-- stop_times rows in one pass in the order of the key, trip_id and
-- stop_sequence (see schema/rules/README for the columns), over the trips
-- the screen of the file flags (below).  The trips as wholes (their use,
-- blocks, duplicates) are stop_times_trips.sql's.
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
--     (TripUsabilityValidator; of none: stop_times_trips.sql).
--   trip_headsign_matches_intermediate_stop (info): the headsign is, case
--     aside, the name of a stop before the last; the trip's row, once per
--     such stop (TripHeadsignValidator).
--   unsorted_stop_times (info): a trip whose rows are not together in the
--     file, or not in the order of stop_sequence; its first row
--     (StopTimesTripBlockOrderValidator).  Together means lines without a
--     gap: a row the load dropped (a duplicate key) leaves one.
-- How fast a trip goes from stop to stop, over the rows whose stop (or its
-- parent station) has coordinates: the validator's
-- StopTimeTravelSpeedValidator.  Distances are great circles (radius
-- 6371.01 km); the limit is the route_type's: 100 km/h light rail (0), 150
-- subway, bus, trolleybus, monorail (1, 3, 11, 12), 500 rail (2), 80 ferry
-- (4), 30 cable tram (5), 50 aerial lift, funicular (6, 7), 200 any other
-- (the extended types too, as the validator).  The time from a departure
-- to an arrival is at least a minute, and a minute more when both are on
-- the minute (schedules rounded to the minute).
--   fast_travel_between_consecutive_stops (warning): from the last earlier
--     row with a departure_time to a row with an arrival_time, over the
--     limit; the second row, once per pair.
--   fast_travel_between_far_stops (warning): a row with an arrival_time
--     more than 10 km, along the trip's stops, from an earlier row with a
--     departure_time, over the limit; the first such row, once per trip.
-- The validator measures consecutive stops between the timed ones only,
-- in a straight line, as here.
-- Checks of stop_times.txt people ask the validators for, codes of our own
-- (src/gtfs/validator.c), read in the same pass:
--   too_many_consecutive_stop_times_with_same_time (info): a run of more
--     than five consecutive stop times of a trip, each with its arrival
--     and departure at one same time (MobilityData gtfs-validator #178 and
--     its pull request #2185, after Google's transitfeed, which warned
--     past five; #1794 asks for three); one notice per run, at its first
--     row, its value the time.  A row with other times ends the run.
--   consecutive_same_stop (info): a stop time at the stop of the one
--     before it in its trip (gtfs-validator #166: "not to have twice the
--     same stop consecutively"; a layover can be written so: CUTR
--     gtfs-realtime-validator #117); one per second row, its value the
--     stop_id.
-- The rows read are those of the trips the load's screen of stop_times.txt
-- (src/gtfs/tripscreen.c) calls suspect, or could not judge: their runs
-- apart or out of order, a row a check above might fire on, a speed over
-- their route's limit, a stop whose place the screen had otherwise than
-- the stops loaded, a headsign naming a stop of the trip.
-- sqlfiles.sh parameters: '2026-01-01'
-- sqlfiles.sh before: \i schema/sql/screen_tables.sql
/* validate.c: in the key's order */
WITH timepoint_column AS (
	SELECT coalesce(bool_or('timepoint' = ANY (header)), false) AS given
	FROM @s.import_files
	WHERE file = 'stop_times.txt'
),
-- each trip's speed limit, as below (its bit in the runs' far_mask is its
-- place in tripscreen.h's SCREEN_LIMITS)
-- each trip's runs, together
trip_run AS (
	SELECT trip_id, count(*) AS runs, bool_or(suspect) AS suspect,
		max(max_kph) AS max_kph, bit_or(far_mask) AS far_mask,
		max(max_sequence) AS max_sequence
	FROM pg_temp.gtfs2pgsql_trip_runs
	GROUP BY trip_id
),
trip_limit AS (
	SELECT t.trip_id, CASE WHEN r.route_type IS NOT NULL THEN CASE r.route_type
			WHEN 0 THEN 100 WHEN 1 THEN 150 WHEN 2 THEN 500 WHEN 3 THEN 150
			WHEN 4 THEN 80 WHEN 5 THEN 30 WHEN 6 THEN 50 WHEN 7 THEN 50
			WHEN 11 THEN 150 WHEN 12 THEN 150 ELSE 200 END
		END AS limit_kph
	FROM @s.trips AS t
	LEFT JOIN @s.routes AS r USING (route_id)
),
-- the stops whose place (as the pass below reads it) the screen had
-- otherwise: a row it read that the load set aside, a repeated stop_id
placed AS (
	SELECT s.stop_id,
		CASE WHEN coalesce(s.stop_lon, ps.stop_lon) IS NOT NULL THEN
			coalesce(s.stop_lat, ps.stop_lat) END AS lat,
		CASE WHEN coalesce(s.stop_lat, ps.stop_lat) IS NOT NULL THEN
			coalesce(s.stop_lon, ps.stop_lon) END AS lon
	FROM @s.stops AS s
	LEFT JOIN @s.stops AS ps ON ps.stop_id = s.parent_station
),
misplaced AS (
	SELECT coalesce(p.stop_id, c.stop_id) AS stop_id
	FROM placed AS p
	FULL JOIN pg_temp.gtfs2pgsql_stop_places AS c ON c.stop_id = p.stop_id
	WHERE p.stop_id IS NULL OR c.stop_id IS NULL OR
		p.lat IS DISTINCT FROM c.lat OR p.lon IS DISTINCT FROM c.lon
),
-- the trips whose rows are read
suspect AS MATERIALIZED (
	SELECT r.trip_id
	FROM trip_run AS r
	LEFT JOIN trip_limit AS l USING (trip_id)
	WHERE r.runs > 1 OR r.suspect OR r.max_kph > l.limit_kph * (1 - 1e-9) OR
		(r.far_mask >> (array_position('{30,50,80,100,150,200,500}'::int[],
			l.limit_kph) - 1)) & 1 = 1
	UNION
	SELECT st.trip_id
	FROM @s.stop_times AS st
	WHERE st.stop_id = ANY (ARRAY(SELECT stop_id FROM misplaced))
	UNION
	-- the rows at a stop named as some headsign, by the stop_id index:
	-- linear however many trips and stops share a name (a probe per trip
	-- and stop named alike made n^2 of them)
	SELECT st.trip_id
	FROM @s.stop_times AS st
	JOIN @s.stops AS s ON s.stop_id = st.stop_id
	JOIN @s.trips AS t ON t.trip_id = st.trip_id
	JOIN trip_run AS r ON r.trip_id = st.trip_id
	WHERE st.stop_id = ANY (ARRAY(SELECT n.stop_id FROM @s.stops AS n
			WHERE lower(n.stop_name) IN (SELECT lower(h.trip_headsign)
				FROM @s.trips AS h)))
		AND lower(s.stop_name) = lower(t.trip_headsign)
		AND st.stop_sequence < r.max_sequence
),
-- their rows in the order of the key, and those without a trip_id
suspect_row AS (
	SELECT st.*
	FROM @s.stop_times AS st
	WHERE st.trip_id = ANY (ARRAY(SELECT trip_id FROM suspect
		WHERE trip_id IS NOT NULL))
	UNION ALL
	SELECT st.*
	FROM @s.stop_times AS st
	WHERE st.trip_id IS NULL
),
-- each row, read in the key's order, with its stop's place, its trip and
-- the last earlier rows that matter
neighboured AS (
	SELECT st.trip_id, st.stop_sequence, st.gtfs2pgsql_line, st.stop_id,
		st.location_id, st.location_group_id, st.arrival_time,
		st.departure_time, st.start_pickup_drop_off_window,
		st.end_pickup_drop_off_window, st.pickup_type, st.drop_off_type,
		st.shape_dist_traveled, st.timepoint, t.gtfs2pgsql_line AS trip_line,
		t.trip_headsign, t.block_id, t.service_id, t.route_id,
		r.gtfs2pgsql_line AS route_line, r.continuous_pickup AS route_pickup,
		r.continuous_drop_off AS route_drop_off,
		CASE WHEN r.route_type IS NOT NULL THEN CASE r.route_type
			WHEN 0 THEN 100 WHEN 1 THEN 150 WHEN 2 THEN 500 WHEN 3 THEN 150
			WHEN 4 THEN 80 WHEN 5 THEN 30 WHEN 6 THEN 50 WHEN 7 THEN 50
			WHEN 11 THEN 150 WHEN 12 THEN 150 ELSE 200 END
		END::float8 AS limit_kph,
		lower(s.stop_name) = lower(t.trip_headsign) AS names_headsign,
		extract(epoch FROM st.arrival_time)::float8 AS arrival,
		extract(epoch FROM st.departure_time)::float8 AS departure,
		p.lat, p.lon,
		(st.start_pickup_drop_off_window IS NOT NULL OR
		 st.end_pickup_drop_off_window IS NOT NULL) AS windowed,
		lag(st.stop_sequence) OVER w IS NULL AS first_row,
		lead(st.stop_sequence) OVER w IS NULL AS last_row,
		lag(st.shape_dist_traveled) OVER w AS previous_distance,
		lag(st.gtfs2pgsql_line) OVER w AS previous_line,
		lag(st.stop_id) OVER w AS previous_stop,
		-- a time of arrival and departure at once, and the row before's
		CASE WHEN st.arrival_time = st.departure_time THEN st.arrival_time
			END AS same_time,
		lag(CASE WHEN st.arrival_time = st.departure_time
			THEN st.arrival_time END) OVER w AS previous_same_time,
		row_number() OVER w AS n,
		-- the last earlier departure: (stop_sequence + 2^31) * 2^22 +
		-- seconds (a time is below 1000 hours, 3.6M s, under 2^22; 2^21 is
		-- 582 hours; the load keeps a stop_sequence below 0, and % keeps the
		-- dividend's sign), the greatest of the earlier rows that have one
		-- (a bigint, not an array)
		max((st.stop_sequence::bigint + 2147483648) * 4194304 +
			extract(epoch FROM st.departure_time)::bigint) OVER w
			AS previous_departure,
		-- the last earlier place, and departure from a place
		max(ARRAY[st.stop_sequence, p.lat, p.lon])
			FILTER (WHERE p.lat IS NOT NULL) OVER w AS previous_place,
		max(ARRAY[st.stop_sequence, extract(epoch FROM st.departure_time),
			p.lat, p.lon])
			FILTER (WHERE p.lat IS NOT NULL AND st.departure_time IS NOT NULL)
			OVER w AS previous_timed
	FROM suspect_row AS st
	LEFT JOIN @s.trips AS t USING (trip_id)
	LEFT JOIN @s.routes AS r USING (route_id)
	LEFT JOIN @s.stops AS s ON s.stop_id = st.stop_id
	LEFT JOIN @s.stops AS ps ON ps.stop_id = s.parent_station
	CROSS JOIN LATERAL (SELECT
		CASE WHEN coalesce(s.stop_lon, ps.stop_lon) IS NOT NULL THEN
			radians(coalesce(s.stop_lat, ps.stop_lat)) END AS lat,
		CASE WHEN coalesce(s.stop_lat, ps.stop_lat) IS NOT NULL THEN
			radians(coalesce(s.stop_lon, ps.stop_lon)) END AS lon) AS p
	WINDOW w AS (PARTITION BY st.trip_id ORDER BY st.stop_sequence
		ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
-- the distance along the trip's places (great circles, radius 6371.01 km)
along AS (
	SELECT n.*,
		sum(CASE WHEN n.lat IS NOT NULL THEN
			coalesce(2 * 6371.01 * asin(least(1, sqrt(
			sin((n.lat - n.previous_place[2]) / 2) ^ 2 +
			cos(n.previous_place[2]) * cos(n.lat) *
			sin((n.lon - n.previous_place[3]) / 2) ^ 2))), 0) END)
			OVER (PARTITION BY n.trip_id ORDER BY n.stop_sequence
				  ROWS UNBOUNDED PRECEDING) AS km
	FROM neighboured AS n
),
measured AS (
	SELECT a.*,
		-- over the limit from s to e: km(e) - km(s) > limit * (time) / 3600,
		-- or (km(e) * 3600 / limit - arrival(e)) - (km(s) * 3600 / limit
		-- - departure(s)) > the minute added; the least second term of
		-- the departures at least 10 km before, on the minute and not
		min(a.km * 3600 / a.limit_kph - a.departure)
			FILTER (WHERE a.departure::bigint % 60 = 0 AND a.lat IS NOT NULL)
			OVER far AS far_on_minute,
		min(a.km * 3600 / a.limit_kph - a.departure)
			FILTER (WHERE a.departure::bigint % 60 <> 0 AND a.lat IS NOT NULL)
			OVER far AS far_off_minute
	FROM along AS a
	WINDOW far AS (PARTITION BY a.trip_id ORDER BY a.km
		RANGE BETWEEN UNBOUNDED PRECEDING AND 10 PRECEDING)
),
timed AS (
	SELECT m.*, d.km_between,
		d.km_between * 3600 / CASE
			WHEN m.arrival - m.previous_timed[2] <= 0 THEN 60
			WHEN m.arrival::bigint % 60 = 0 AND
				m.previous_timed[2]::bigint % 60 = 0
				THEN m.arrival - m.previous_timed[2] + 60
			ELSE m.arrival - m.previous_timed[2] END AS kph
	FROM measured AS m
	CROSS JOIN LATERAL (SELECT CASE WHEN m.lat IS NOT NULL AND
		m.arrival IS NOT NULL THEN 2 * 6371.01 * asin(least(1, sqrt(
		sin((m.lat - m.previous_timed[3]) / 2) ^ 2 +
		cos(m.previous_timed[3]) * cos(m.lat) *
		sin((m.lon - m.previous_timed[4]) / 2) ^ 2))) END AS km_between) AS d
),
-- which checks a row fails, by number: most rows fail none
flagged AS (
	SELECT c.*, ARRAY[
		/* 1 */ (c.arrival_time IS NULL) <> (c.departure_time IS NULL),
		/* 2 */ c.arrival < (c.previous_departure % 4194304)::float8,
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
		/* 16 */ NOT c.last_row AND c.names_headsign,
		/* 17 */ c.gtfs2pgsql_line <> c.previous_line + 1,
		/* 18 */ c.kph > c.limit_kph,
		/* 19 */ c.arrival IS NOT NULL AND c.lat IS NOT NULL AND
				((c.arrival::bigint % 60 = 0 AND
				  c.km * 3600 / c.limit_kph - c.arrival - c.far_on_minute > 60) OR
				 (c.arrival::bigint % 60 <> 0 AND
				  c.km * 3600 / c.limit_kph - c.arrival - c.far_on_minute > 0) OR
				 c.km * 3600 / c.limit_kph - c.arrival - c.far_off_minute > 0),
		/* 20 */ c.stop_id = c.previous_stop,
		/* 21 */ c.same_time = c.previous_same_time
		] AS fails
	FROM timed AS c
	CROSS JOIN timepoint_column AS tc
),
-- the rows failing a check, and the first and last rows of each trip (for
-- its blocks and its use): a few of each trip's rows
kept AS MATERIALIZED (
	SELECT flagged.*, true = ANY (fails) AS failing FROM flagged
	WHERE true = ANY (fails) OR first_row OR last_row
),
unsorted AS (
	SELECT trip_id, bool_or(previous_line > gtfs2pgsql_line) AS line_back
	FROM kept
	WHERE fails[17]
	GROUP BY trip_id
),
-- runs of rows at the time of the row before (the run's first is the row
-- before its first): n less their rank is one number along a run
run AS (
	SELECT trip_id, same_time AS t, (array_agg(previous_line ORDER BY n))[1] AS line,
		count(*) + 1 AS calls
	FROM (SELECT trip_id, same_time, previous_line, n,
			n - row_number() OVER (PARTITION BY trip_id ORDER BY n) AS run
		FROM kept
		WHERE fails[21]) AS r
	GROUP BY trip_id, same_time, run
	HAVING count(*) + 1 > 5
)
SELECT n.file, n.line, n."column", n.code, NULL::text AS severity, n.value,
	n.message
FROM (SELECT * FROM kept WHERE failing) AS c
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
		make_interval(secs => (c.previous_departure % 4194304)::float8),
		c.previous_departure / 4194304 - 2147483648)),
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
	(18, 'stop_times.txt', c.gtfs2pgsql_line, 'arrival_time',
	 'fast_travel_between_consecutive_stops' -- code
	 , c.arrival_time::text,
	 format('trip %s: %s km from stop_sequence %s to %s (stop %s) at %s km/h, over %s',
		c.trip_id, round(c.km_between::numeric, 2), c.previous_timed[1],
		c.stop_sequence, c.stop_id, round(c.kph::numeric), c.limit_kph)),
	(20, 'stop_times.txt', c.gtfs2pgsql_line, 'stop_id',
	 'consecutive_same_stop' -- code
	 , c.stop_id,
	 format('trip %s: stop %s again at stop_sequence %s', c.trip_id, c.stop_id,
		c.stop_sequence))
) AS n (check_number, file, line, "column", code, value, message)
WHERE c.fails[n.check_number]
UNION ALL
(SELECT DISTINCT ON (trip_id) 'stop_times.txt', gtfs2pgsql_line, 'arrival_time',
	'fast_travel_between_far_stops' AS code, NULL, arrival_time::text,
	format('trip %s: at stop_sequence %s (stop %s), more than 10 km from an earlier stop and over %s km/h from there',
		trip_id, stop_sequence, stop_id, limit_kph)
FROM kept
WHERE fails[19]
ORDER BY trip_id, stop_sequence)
UNION ALL
SELECT 'stop_times.txt', min(st.gtfs2pgsql_line), 'trip_id',
	'unsorted_stop_times' AS code, NULL, st.trip_id,
	format('trip %s: its %s rows, lines %s to %s, are %s', st.trip_id, count(*),
		min(st.gtfs2pgsql_line), max(st.gtfs2pgsql_line),
		CASE WHEN bool_or(u.line_back) THEN 'not in the order of stop_sequence'
			ELSE 'not together' END)
FROM unsorted AS u
JOIN @s.stop_times AS st ON st.trip_id = u.trip_id
GROUP BY st.trip_id
UNION ALL
SELECT 'stop_times.txt', line, 'arrival_time',
	'too_many_consecutive_stop_times_with_same_time' AS code, NULL,
	to_char(t, 'HH24:MI:SS'), format('trip %s: %s consecutive stop times at %s',
		trip_id, calls, to_char(t, 'HH24:MI:SS'))
FROM run
