-- Each end of a transfer, the stop, route and trip it names: the
-- validator's TransfersStopTypeValidator, TransfersTripReferenceValidator,
-- TransfersInSeatTransferTypeValidator, TransferDistanceValidator and
-- InconsistentRouteTypeForInSeatTransferValidator.  An end whose stop,
-- route or trip does not exist is foreign_key_violation's, not these.
--   transfer_with_invalid_stop_location_type (error): a stop id names a
--     location that is no stop nor station, or a station in an in-seat
--     transfer (transfer_type 4 or 5).
--   transfer_with_invalid_trip_and_route (error): a trip id whose trip is
--     of another route than the route id beside it.
--   transfer_with_invalid_trip_and_stop (error): a trip id whose trip does
--     not stop at the stop id beside it (at a stop of it, for a station).
--   transfer_with_suspicious_mid_trip_in_seat (warning): an in-seat
--     transfer from a stop that is not its trip's last, or to one that is
--     not its trip's first, the trip stopping there.
--   transfer_distance_too_large (warning), transfer_distance_above_2_km
--     (info): the stops (or, without a position, their parents) are more
--     than 10 km, or 2 km, apart; the great circle of a sphere of radius
--     6371.01 km (the validator's S2).
--   inconsistent_route_type_for_in_seat_transfer (warning): a transfer of
--     type 4 between routes (from_route_id, to_route_id) of different
--     route_type.  The validator is silent when the routes are given by
--     the trips only.
-- The probes of stop_times go by its key (trip_id, stop_sequence).
-- sqlfiles.sh parameters: '2026-01-01'
WITH transfer_end AS (
	SELECT x.gtfs2pgsql_line AS line, x.transfer_type, e.*,
		coalesce(s.location_type, 0) AS location_type,
		s.stop_id IS NOT NULL AS stop_found, t.route_id AS trip_route_id,
		t.trip_id IS NOT NULL AS trip_found
	FROM @s.transfers AS x
	CROSS JOIN LATERAL (VALUES
		('from', x.from_stop_id, x.from_route_id, x.from_trip_id),
		('to', x.to_stop_id, x.to_route_id, x.to_trip_id))
		AS e(side, stop_id, route_id, trip_id)
	LEFT JOIN @s.stops AS s ON s.stop_id = e.stop_id
	LEFT JOIN @s.trips AS t ON t.trip_id = e.trip_id
), trip_stop AS (
	SELECT e.*,
		EXISTS (SELECT FROM @s.stop_times AS st
			WHERE st.trip_id = e.trip_id
				AND (st.stop_id = e.stop_id
					OR (e.location_type = 1 AND st.stop_id IN
						(SELECT c.stop_id FROM @s.stops AS c
						WHERE c.parent_station = e.stop_id))))
			AS stops_there,
		EXISTS (SELECT FROM @s.stop_times AS st
			WHERE st.trip_id = e.trip_id AND st.stop_id = e.stop_id)
			AS stops_at_stop,
		(SELECT st.stop_id FROM @s.stop_times AS st
			WHERE st.trip_id = e.trip_id
			ORDER BY CASE WHEN e.side = 'from' THEN -st.stop_sequence
				ELSE st.stop_sequence END
			LIMIT 1) AS edge_stop_id
	FROM transfer_end AS e
	WHERE e.trip_found AND e.stop_found
), located AS (
	SELECT x.gtfs2pgsql_line AS line, x.from_stop_id, x.to_stop_id,
		radians(coalesce(a.stop_lat, ap.stop_lat, ag.stop_lat)) AS lat1,
		radians(coalesce(a.stop_lon, ap.stop_lon, ag.stop_lon)) AS lon1,
		radians(coalesce(b.stop_lat, bp.stop_lat, bg.stop_lat)) AS lat2,
		radians(coalesce(b.stop_lon, bp.stop_lon, bg.stop_lon)) AS lon2
	FROM @s.transfers AS x
	JOIN @s.stops AS a ON a.stop_id = x.from_stop_id
	LEFT JOIN @s.stops AS ap ON ap.stop_id = a.parent_station
	LEFT JOIN @s.stops AS ag ON ag.stop_id = ap.parent_station
	JOIN @s.stops AS b ON b.stop_id = x.to_stop_id
	LEFT JOIN @s.stops AS bp ON bp.stop_id = b.parent_station
	LEFT JOIN @s.stops AS bg ON bg.stop_id = bp.parent_station
), distance AS (
	SELECT line, from_stop_id, to_stop_id,
		2 * 6371.01 * asin(least(1, sqrt(
			sin((lat2 - lat1) / 2) ^ 2
			+ cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ^ 2))) AS km
	FROM located
)
SELECT 'transfers.txt' AS file, line, side || '_stop_id' AS "column",
	'transfer_with_invalid_stop_location_type' AS code, NULL::text AS severity,
	stop_id AS value,
	format('%s_stop_id %s has location_type %s%s', side, stop_id,
		location_type, CASE WHEN location_type = 1
			THEN ', a station, in an in-seat transfer' END) AS message
FROM transfer_end
WHERE stop_found AND (location_type NOT IN (0, 1)
	OR (location_type = 1 AND transfer_type IN (4, 5)))
UNION ALL
SELECT 'transfers.txt', line, side || '_route_id',
	'transfer_with_invalid_trip_and_route' AS code, NULL, route_id,
	format('%s_trip_id %s is a trip of route %s, not %s', side, trip_id,
		trip_route_id, route_id)
FROM transfer_end
WHERE trip_found AND route_id IS NOT NULL AND trip_route_id <> route_id
UNION ALL
SELECT 'transfers.txt', line, side || '_stop_id',
	'transfer_with_invalid_trip_and_stop' AS code, NULL, stop_id,
	format('%s_trip_id %s does not stop at %s', side, trip_id, stop_id)
FROM trip_stop
WHERE NOT stops_there
UNION ALL
SELECT 'transfers.txt', line, side || '_stop_id',
	'transfer_with_suspicious_mid_trip_in_seat' AS code, NULL, stop_id,
	format('in-seat transfer %s stop %s of trip %s, whose %s stop is %s',
		side, stop_id, trip_id,
		CASE WHEN side = 'from' THEN 'last' ELSE 'first' END, edge_stop_id)
FROM trip_stop
WHERE transfer_type IN (4, 5) AND stops_at_stop AND edge_stop_id <> stop_id
UNION ALL
SELECT 'transfers.txt', line, 'to_stop_id',
	CASE WHEN km > 10 THEN 'transfer_distance_too_large' -- code
		ELSE 'transfer_distance_above_2_km' -- code
	END, NULL, to_char(km, 'FM999990.000'),
	format('%s to %s: %s km', from_stop_id, to_stop_id, round(km::numeric, 3))
FROM distance
WHERE km > 2
UNION ALL
SELECT 'transfers.txt', x.gtfs2pgsql_line, 'to_route_id',
	'inconsistent_route_type_for_in_seat_transfer' AS code, 'warning',
	x.to_route_id,
	format('in-seat transfer from route %s (route_type %s) to route %s '
		'(route_type %s)', x.from_route_id, f.route_type, x.to_route_id,
		t.route_type)
FROM @s.transfers AS x
JOIN @s.routes AS f ON f.route_id = x.from_route_id
JOIN @s.routes AS t ON t.route_id = x.to_route_id
WHERE x.transfer_type = 4 AND f.route_type <> t.route_type
