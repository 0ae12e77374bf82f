-- A range whose start and end are equal where the reference wants a
-- range: the validator's @EndRange(allowEqual = false) of
-- GtfsFrequencySchema (start_time, end_time); calendar.txt and
-- feed_info.txt allow equal dates.
--   start_and_end_range_equal (error): a frequencies.txt row whose
--     start_time is its end_time; one notice per row, its value start_time.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'frequencies.txt' AS file, f.gtfs2pgsql_line AS line,
	'end_time' AS "column", 'start_and_end_range_equal' AS code,
	NULL::text AS severity, r.raw AS value,
	format('trip %s: start_time %s is its end_time: no departure',
		f.trip_id, r.raw) AS message
FROM @s.frequencies AS f
CROSS JOIN LATERAL (SELECT format('%s:%s:%s',
	lpad((extract(epoch FROM f.start_time)::bigint / 3600)::text, 2, '0'),
	lpad((extract(epoch FROM f.start_time)::bigint / 60 % 60)::text, 2, '0'),
	lpad((extract(epoch FROM f.start_time)::bigint % 60)::text, 2, '0'))
	AS raw) AS r
WHERE f.start_time = f.end_time
