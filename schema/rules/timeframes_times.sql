-- The times of timeframes.txt: the validator's
-- TimeframeStartAndEndTimeValidator and TimeframeOverlapValidator
-- (errors):
--   timeframe_only_start_or_end_time_specified: one of start_time and
--     end_time without the other;
--   timeframe_start_or_end_time_greater_than_twenty_four_hours: a time
--     after 24:00:00, one notice per time;
--   timeframe_overlap: a timeframe that begins before the end of the
--     previous one of its timeframe_group_id and service_id (an absent
--     time is the day's bound, 00:00:00 or 24:00:00), one notice per
--     such row.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'timeframes.txt' AS file, t.gtfs2pgsql_line AS line, n."column",
	n.code, NULL::text AS severity, n.value,
	format('timeframe group %s, service %s: %s', t.timeframe_group_id,
		t.service_id, n.message) AS message
FROM (
	SELECT tf.*,
		lag(coalesce(tf.end_time, '24:00:00')) OVER w AS previous_end,
		lag(tf.gtfs2pgsql_line) OVER w AS previous_line
	FROM @s.timeframes AS tf
	WINDOW w AS (PARTITION BY tf.timeframe_group_id, tf.service_id
		ORDER BY coalesce(tf.start_time, '00:00:00'),
			coalesce(tf.end_time, '24:00:00'), tf.gtfs2pgsql_line)
) AS t
CROSS JOIN LATERAL (VALUES
	((t.start_time IS NULL) <> (t.end_time IS NULL),
	 'timeframe_only_start_or_end_time_specified' -- code
	 , CASE WHEN t.start_time IS NULL THEN 'end_time' ELSE 'start_time' END,
	 to_char(coalesce(t.start_time, t.end_time), 'HH24:MI:SS'),
	 'start_time and end_time go together'),
	(t.start_time > '24:00:00',
	 'timeframe_start_or_end_time_greater_than_twenty_four_hours' -- code
	 , 'start_time', to_char(t.start_time, 'HH24:MI:SS'),
	 'start_time after 24:00:00'),
	(t.end_time > '24:00:00',
	 'timeframe_start_or_end_time_greater_than_twenty_four_hours' -- code
	 , 'end_time', to_char(t.end_time, 'HH24:MI:SS'),
	 'end_time after 24:00:00'),
	(coalesce(t.start_time, '00:00:00') < t.previous_end,
	 'timeframe_overlap' -- code
	 , 'start_time', to_char(coalesce(t.start_time, '00:00:00'), 'HH24:MI:SS'),
	 format('begins before the end (%s) of the timeframe of line %s',
		to_char(t.previous_end, 'HH24:MI:SS'), t.previous_line))
) AS n (fires, code, "column", value, message)
WHERE n.fires
