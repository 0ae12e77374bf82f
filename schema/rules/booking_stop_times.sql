-- The stop times that must be booked (pickup_type or drop_off_type 2,
-- "must phone agency") without the booking rule that says how: the
-- validator's PickupBookingRuleIdValidator, a warning, and only when the
-- feed has a booking_rules.txt (a feed without one is not told of GTFS-Flex
-- it does not use).
--   missing_pickup_drop_off_booking_rule_id: one notice per missing id
--     (a row may lack both).
-- stop_times is the big table: the one-time filter on import_files spares
-- its scan to every feed without booking_rules.txt.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'stop_times.txt' AS file, st.gtfs2pgsql_line AS line, n."column",
	'missing_pickup_drop_off_booking_rule_id' AS code, 'warning' AS severity,
	NULL::text AS value,
	format('trip %s, stop_sequence %s: %s 2 (must book) without %s',
		st.trip_id, st.stop_sequence, n.type_column, n."column") AS message
FROM @s.stop_times AS st
CROSS JOIN LATERAL (VALUES
	(st.pickup_type = 2 AND st.pickup_booking_rule_id IS NULL,
	 'pickup_type', 'pickup_booking_rule_id'),
	(st.drop_off_type = 2 AND st.drop_off_booking_rule_id IS NULL,
	 'drop_off_type', 'drop_off_booking_rule_id')
) AS n (fires, type_column, "column")
WHERE (st.pickup_type = 2 OR st.drop_off_type = 2) AND n.fires
	AND EXISTS (SELECT FROM @s.import_files
		WHERE file = 'booking_rules.txt')
