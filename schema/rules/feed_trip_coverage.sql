-- The days most trips run cover the next seven: the validator's
-- DateTripsValidator and TripCalendarUtil.computeMajorityServiceCoverage
-- (MAX_SERVICE_DATE_TRIP_COUNT_RATIO 0.9, MAX_SERVICE_DATE_TRIP_COUNT_LIMIT
-- 30, MAJORITY_TRIP_COUNT_RATIO 0.75).
--   trip_coverage_not_active_for_next7_days (warning): the trips of each
--     day are counted; the reference count is the one at rank
--     max(floor(0.9 n), n - 30) of the n days' counts sorted (from 0), the
--     majority window runs from the first to the last day with at least
--     floor(0.75 x) of it trips; a notice when it starts after $1 or ends
--     before $1 + 7 days.  One notice for the feed (trips.txt, no line),
--     its value the window's last day.
-- A trip of frequencies.txt counts once a day, as a trip of stop_times.txt.
-- sqlfiles.sh parameters: '2026-01-01'
WITH per_day AS (
	SELECT d.date, sum(t.trips) AS trips
	FROM (SELECT service_id, count(*) AS trips FROM @s.trips
		  GROUP BY service_id) AS t
	JOIN @s.service_days AS d USING (service_id)
	GROUP BY d.date
), ranked AS (
	SELECT trips, row_number() OVER (ORDER BY trips) - 1 AS rank,
		count(*) OVER () AS n
	FROM per_day
), threshold AS (
	SELECT floor(0.75 * trips) AS trips
	FROM ranked
	WHERE rank = greatest(floor(0.9 * n), n - 30)
), majority AS (
	SELECT min(p.date) AS first_date, max(p.date) AS last_date
	FROM per_day AS p CROSS JOIN threshold AS h
	WHERE p.trips >= h.trips
)
SELECT 'trips.txt' AS file, NULL::integer AS line, NULL::text AS "column",
	'trip_coverage_not_active_for_next7_days' AS code, NULL::text AS severity,
	to_char(m.last_date, 'YYYYMMDD') AS value,
	format('most trips run from %s to %s, which does not cover %s to %s',
		to_char(m.first_date, 'YYYY-MM-DD'), to_char(m.last_date, 'YYYY-MM-DD'),
		to_char($1::date, 'YYYY-MM-DD'),
		to_char($1::date + 7, 'YYYY-MM-DD')) AS message
FROM majority AS m
WHERE m.first_date > $1::date OR m.last_date < $1::date + 7
