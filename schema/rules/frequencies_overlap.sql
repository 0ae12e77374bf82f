-- Frequencies of one trip whose times overlap (see schema/rules/README for
-- the columns):
--   overlapping_frequency (error): in the order of start_time, end_time and
--     headway_secs, a row that starts before the previous one ends; the
--     later row (OverlappingFrequencyValidator).
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'frequencies.txt' AS file, f.gtfs2pgsql_line AS line,
	'start_time' AS "column", 'overlapping_frequency' AS code,
	NULL::text AS severity, f.start_time::text AS value,
	format('trip %s: starts at %s, before %s, the end of the row at line %s',
		f.trip_id, f.start_time, f.previous_end, f.previous_line) AS message
FROM (
	SELECT fr.*,
		lag(fr.end_time) OVER w AS previous_end,
		lag(fr.gtfs2pgsql_line) OVER w AS previous_line
	FROM @s.frequencies AS fr
	WINDOW w AS (PARTITION BY fr.trip_id
		ORDER BY fr.start_time, fr.end_time, fr.headway_secs)
) AS f
WHERE f.start_time < f.previous_end
