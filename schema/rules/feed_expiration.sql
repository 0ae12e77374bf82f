-- The feed's validity in feed_info.txt against the day $1 (the load's date,
-- or --as-of): the validator's FeedExpirationDateValidator and
-- FeedValidTodayValidator.
--   feed_expiration_date7_days (warning): a row's feed_end_date is before
--     $1 + 7 days ("Dataset should be valid for at least the next 7 days");
--   feed_expiration_date30_days (warning): else it is on or before $1 + 30
--     days; one notice per feed_info.txt row, as the validator.
--   future_feed (info): the earliest feed_start_date of the rows is after
--     $1 ("The feed covers the future only"); one notice, on that row.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'feed_info.txt' AS file, f.gtfs2pgsql_line AS line,
	'feed_end_date' AS "column",
	CASE WHEN f.feed_end_date < $1::date + 7
		THEN 'feed_expiration_date7_days' -- code
		ELSE 'feed_expiration_date30_days' -- code
	END AS code,
	NULL::text AS severity, to_char(f.feed_end_date, 'YYYYMMDD') AS value,
	format('the feed ends on %s, before %s (%s days after %s)',
		to_char(f.feed_end_date, 'YYYY-MM-DD'),
		to_char($1::date + CASE WHEN f.feed_end_date < $1::date + 7
			THEN 7 ELSE 31 END, 'YYYY-MM-DD'),
		CASE WHEN f.feed_end_date < $1::date + 7 THEN 7 ELSE 30 END,
		to_char($1::date, 'YYYY-MM-DD')) AS message
FROM @s.feed_info AS f
WHERE f.feed_end_date <= $1::date + 30
UNION ALL
SELECT 'feed_info.txt', s.gtfs2pgsql_line, 'feed_start_date',
	'future_feed' AS code, NULL, to_char(s.feed_start_date, 'YYYYMMDD'),
	format('the feed starts on %s, after %s: it covers the future only',
		to_char(s.feed_start_date, 'YYYY-MM-DD'),
		to_char($1::date, 'YYYY-MM-DD'))
FROM (SELECT f.gtfs2pgsql_line, f.feed_start_date
	FROM @s.feed_info AS f
	WHERE f.feed_start_date IS NOT NULL
	ORDER BY f.feed_start_date, f.gtfs2pgsql_line
	LIMIT 1) AS s
WHERE s.feed_start_date > $1::date
