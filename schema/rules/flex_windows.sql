-- The stop times of GTFS-Flex: their places and their windows, the
-- validator's StopTimesGeographyIdPresenceValidator and
-- PickupDropOffWindowValidator (errors):
--   forbidden_geography_id: more than one of stop_id, location_group_id
--     and location_id;
--   missing_pickup_or_drop_off_window: one of start_pickup_drop_off_window
--     and end_pickup_drop_off_window without the other;
--   invalid_pickup_drop_off_window: a window whose start is not before its
--     end.
-- One notice per row and code.  Only the stop_times.txt whose header names
-- a column of Flex are read (a one-time filter): the others cannot give
-- these codes, and stop_times is the big table.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'stop_times.txt' AS file, st.gtfs2pgsql_line AS line, n."column",
	n.code, NULL::text AS severity, n.value,
	format('trip %s, stop_sequence %s: %s', st.trip_id, st.stop_sequence,
		n.message) AS message
FROM @s.stop_times AS st
CROSS JOIN LATERAL (VALUES
	((st.stop_id IS NOT NULL)::int + (st.location_group_id IS NOT NULL)::int +
	 (st.location_id IS NOT NULL)::int > 1,
	 'forbidden_geography_id' -- code
	 , coalesce(st.location_id, st.location_group_id),
	 CASE WHEN st.location_id IS NOT NULL THEN 'location_id'
		ELSE 'location_group_id' END,
	 format('only one of stop_id (%s), location_group_id (%s) and location_id (%s) may be given',
		coalesce(st.stop_id, 'none'), coalesce(st.location_group_id, 'none'),
		coalesce(st.location_id, 'none'))),
	((st.start_pickup_drop_off_window IS NULL) <>
	 (st.end_pickup_drop_off_window IS NULL),
	 'missing_pickup_or_drop_off_window' -- code
	 , NULL,
	 CASE WHEN st.start_pickup_drop_off_window IS NULL
		THEN 'start_pickup_drop_off_window'
		ELSE 'end_pickup_drop_off_window' END,
	 'start_pickup_drop_off_window and end_pickup_drop_off_window go together'),
	(st.start_pickup_drop_off_window >= st.end_pickup_drop_off_window,
	 'invalid_pickup_drop_off_window' -- code
	 , to_char(st.end_pickup_drop_off_window, 'HH24:MI:SS'),
	 'end_pickup_drop_off_window',
	 format('the window ends at %s, not after it starts at %s',
		to_char(st.end_pickup_drop_off_window, 'HH24:MI:SS'),
		to_char(st.start_pickup_drop_off_window, 'HH24:MI:SS')))
) AS n (fires, code, value, "column", message)
WHERE n.fires
	AND EXISTS (SELECT FROM @s.import_files
		WHERE file = 'stop_times.txt' AND columns &&
			ARRAY['location_group_id', 'location_id',
				'start_pickup_drop_off_window', 'end_pickup_drop_off_window'])
