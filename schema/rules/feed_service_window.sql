-- The days the services of trips.txt run against feed_info.txt's
-- feed_start_date and feed_end_date (its first row, when it has both): the
-- validator's FeedServiceWindowValidator (THRESHOLD_DAYS = 14).
--   service_window_outside_feed_period (info): a service of trips.txt runs
--     on a day before feed_start_date or after feed_end_date; one notice
--     per service, on its calendar.txt line (else its first
--     calendar_dates.txt line), its value the service_id.
--   feed_valid_beyond_total_service_window (info): feed_start_date is more
--     than 14 days before the first day any service of trips.txt runs, or
--     feed_end_date more than 14 days after the last; one notice.
-- service_days holds at most 730 days of a calendar.txt line (ddl.h).
-- sqlfiles.sh parameters: '2026-01-01'
WITH feed AS (
	SELECT gtfs2pgsql_line AS line, feed_start_date, feed_end_date
	FROM @s.feed_info
	ORDER BY gtfs2pgsql_line
	LIMIT 1
), window_of AS (
	SELECT d.service_id, min(d.date) AS first_date, max(d.date) AS last_date
	FROM @s.service_days AS d
	WHERE d.service_id IN (SELECT service_id FROM @s.trips)
	GROUP BY d.service_id
), place AS (
	SELECT w.*, coalesce(c.gtfs2pgsql_line,
		(SELECT min(x.gtfs2pgsql_line) FROM @s.calendar_dates AS x
		 WHERE x.service_id = w.service_id)) AS line,
		c.service_id IS NULL AS dates_only
	FROM window_of AS w
	LEFT JOIN @s.calendar AS c USING (service_id)
)
SELECT CASE WHEN p.dates_only THEN 'calendar_dates.txt' ELSE 'calendar.txt' END
		AS file, p.line, 'service_id' AS "column",
	'service_window_outside_feed_period' AS code, NULL::text AS severity,
	p.service_id AS value,
	format('service %s runs from %s to %s, outside the feed''s %s to %s '
		'(feed_info.txt line %s): %s days before, %s days after',
		p.service_id, to_char(p.first_date, 'YYYY-MM-DD'),
		to_char(p.last_date, 'YYYY-MM-DD'),
		to_char(f.feed_start_date, 'YYYY-MM-DD'),
		to_char(f.feed_end_date, 'YYYY-MM-DD'), f.line,
		greatest(f.feed_start_date - p.first_date, 0),
		greatest(p.last_date - f.feed_end_date, 0)) AS message
FROM place AS p
CROSS JOIN feed AS f
WHERE f.feed_start_date IS NOT NULL AND f.feed_end_date IS NOT NULL
AND (p.first_date < f.feed_start_date OR p.last_date > f.feed_end_date)
UNION ALL
SELECT 'feed_info.txt', f.line,
	CASE WHEN f.feed_end_date > t.last_date + 14 THEN 'feed_end_date'
		ELSE 'feed_start_date' END,
	'feed_valid_beyond_total_service_window' AS code, NULL,
	to_char(CASE WHEN f.feed_end_date > t.last_date + 14 THEN f.feed_end_date
		ELSE f.feed_start_date END, 'YYYYMMDD'),
	format('the feed is valid from %s to %s, its services run from %s to %s '
		'(more than 14 days apart)',
		to_char(f.feed_start_date, 'YYYY-MM-DD'),
		to_char(f.feed_end_date, 'YYYY-MM-DD'),
		to_char(t.first_date, 'YYYY-MM-DD'), to_char(t.last_date, 'YYYY-MM-DD'))
FROM feed AS f
CROSS JOIN (SELECT min(first_date) AS first_date, max(last_date) AS last_date
	FROM window_of) AS t
WHERE f.feed_start_date IS NOT NULL AND f.feed_end_date IS NOT NULL
AND (f.feed_start_date < t.first_date - 14 OR f.feed_end_date > t.last_date + 14)
