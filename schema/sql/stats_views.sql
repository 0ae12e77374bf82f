-- The feed's time frame (src/load/analysis.c), a view: computed when
-- queried, from the first and last days of service only.  "@s" is the
-- feed's schema, "@d" every day of every service (timetable.h's
-- timetable_service_days).
--
-- min: the first arrival or departure of the feed, max: the last.
-- gtfs-via-postgres's feed_time_frame (a materialized view) gives the same
-- min; its max is the first instant of the last days (its max_dep and
-- max_arr take min()), which we do not copy.
--
-- An instant of a day is at most "reach" days after its start: the
-- largest time of stop_times.txt, and frequencies.txt's largest end_time
-- for the shift of its instances; the first and last instants are within
-- that many days of the first and last days.
CREATE OR REPLACE VIEW @s.feed_time_frame AS
WITH days AS (
	SELECT min(date) AS first, max(date) AS last FROM @d AS d
), reach AS (
	SELECT 1 + ceil(extract(epoch FROM coalesce(greatest(
			(SELECT max(greatest(arrival_time, departure_time))
				FROM @s.stop_times),
			interval '0'), interval '0')
		+ coalesce((SELECT max(end_time) FROM @s.frequencies),
			interval '0')) / 86400)::integer AS days
)
SELECT (SELECT min(least(t_arrival, t_departure))
		FROM @s.arrivals_departures
		WHERE date <= (SELECT first + days FROM days, reach)) AS min,
	(SELECT max(greatest(t_arrival, t_departure))
		FROM @s.arrivals_departures
		WHERE date >= (SELECT last - days FROM days, reach)) AS max;

-- Every instant from the feed's first to its last, truncated to time_unit
-- (hour, day, week...) in the session's time zone, one time_unit apart.
-- A body of SQL, not a string: the schema's name may hold any quote
CREATE OR REPLACE FUNCTION @s.feed_time_series(time_unit text)
RETURNS SETOF timestamptz
LANGUAGE sql STABLE
BEGIN ATOMIC
	SELECT generate_series(date_trunc(time_unit, min),
		date_trunc(time_unit, max), ('1 ' || time_unit)::interval)
	FROM @s.feed_time_frame;
END;
