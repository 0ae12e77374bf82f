-- Two stop times of a trip at different zones of locations.geojson whose
-- windows and areas overlap, with the same pickup_type or drop_off_type,
-- so that a rider there cannot tell which applies: the validator's
-- OverlappingPickupDropOffZoneValidator (error).
--   overlapping_zone_and_pickup_drop_off_window: windows that share more
--     than an instant and zones that overlap as the validator's JTS
--     overlaps() says (PostGIS's ST_Overlaps: interiors meet and neither
--     holds the other, so a zone inside another is not told); one notice
--     per pair, at the later row.  The same zone twice is the spec's way of
--     a trip within one zone (pickup at one row, drop-off at the other).
-- Only stop times with a location_id and both windows are read (a partial
-- index is not worth it: the filter on import_files spares the feeds
-- without Flex).
-- sqlfiles.sh parameters: '2026-01-01'
WITH zoned AS (
	SELECT st.trip_id, st.stop_sequence, st.location_id, st.gtfs2pgsql_line,
		st.start_pickup_drop_off_window AS w_start,
		st.end_pickup_drop_off_window AS w_end, l.geom,
		coalesce(st.pickup_type, 0) AS pickup_type,
		coalesce(st.drop_off_type, 0) AS drop_off_type
	FROM @s.stop_times AS st
	JOIN @s.locations AS l ON l.id = st.location_id
	WHERE st.start_pickup_drop_off_window IS NOT NULL
		AND st.end_pickup_drop_off_window IS NOT NULL
		AND EXISTS (SELECT FROM @s.import_files
			WHERE file = 'stop_times.txt' AND 'location_id' = ANY (columns))
)
SELECT 'stop_times.txt' AS file, b.gtfs2pgsql_line AS line,
	'location_id' AS "column",
	'overlapping_zone_and_pickup_drop_off_window' AS code,
	NULL::text AS severity, b.location_id AS value,
	format('trip %s: stop_sequence %s (zone %s, %s-%s) and stop_sequence %s (zone %s, %s-%s) overlap in time and space',
		a.trip_id, a.stop_sequence, a.location_id,
		to_char(a.w_start, 'HH24:MI:SS'), to_char(a.w_end, 'HH24:MI:SS'),
		b.stop_sequence, b.location_id,
		to_char(b.w_start, 'HH24:MI:SS'), to_char(b.w_end, 'HH24:MI:SS')) AS message
FROM zoned AS a
JOIN zoned AS b ON b.trip_id = a.trip_id
	AND b.gtfs2pgsql_line > a.gtfs2pgsql_line
	AND b.location_id <> a.location_id
	AND (b.pickup_type = a.pickup_type OR b.drop_off_type = a.drop_off_type)
	AND a.w_start < b.w_end AND b.w_start < a.w_end
WHERE @g.ST_Overlaps(a.geom, b.geom)
