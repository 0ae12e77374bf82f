-- The statistics of gtfs-via-postgres that read the whole timetable
-- (src/load/analysis.c): materialized views, made empty (WITH NO DATA)
-- and filled by "REFRESH MATERIALIZED VIEW", which the load runs when
-- given --stats (and empties otherwise, so that none outlives its feed);
-- their indexes (stats_indexes.sql) come when the load fills them.
-- "@s" is the feed's schema.
--
-- stats_by_route_date: per route and day, the trips and the arrivals and
-- departures; is_effective false: by service day (date of
-- arrivals_departures), true: by the day of the stop time on the clock of
-- its agency (gtfs-via-postgres takes the session's time zone: run it in
-- the agency's for the same rows).  nr_of_trips counts the trips' first
-- stop times, as gtfs-via-postgres's stop_sequence_consec = 0.  Both kinds
-- in one pass (grouping sets).
CREATE MATERIALIZED VIEW IF NOT EXISTS @s.stats_by_route_date AS
WITH firsts AS (
	SELECT trip_id, min(stop_sequence) AS stop_sequence
	FROM @s.stop_times GROUP BY trip_id
), ad AS (
	SELECT ad.route_id, ad.date,
		(coalesce(ad.t_departure, ad.t_arrival)
			AT TIME ZONE ad.agency_timezone)::date AS effective_date,
		ad.stop_sequence = f.stop_sequence AS first
	FROM @s.arrivals_departures ad JOIN firsts f USING (trip_id)
)
SELECT route_id,
	CASE WHEN GROUPING(effective_date) = 0 THEN effective_date
		ELSE date END AS date,
	extract(dow FROM CASE WHEN GROUPING(effective_date) = 0
		THEN effective_date ELSE date END) AS dow,
	count(*) FILTER (WHERE first) AS nr_of_trips,
	count(*) AS nr_of_arrs_deps,
	GROUPING(effective_date) = 0 AS is_effective
FROM ad
GROUP BY GROUPING SETS ((route_id, date), (route_id, effective_date))
WITH NO DATA;

-- stats_by_agency_route_stop_hour: per agency, route, stop and hour (on
-- the agency's clock), the arrivals; service_date the first service day
-- among them (gtfs-via-postgres gives any one of them)
CREATE MATERIALIZED VIEW IF NOT EXISTS @s.stats_by_agency_route_stop_hour AS
SELECT ad.agency_id, ad.route_id, ad.stop_id, st.stop_id AS station_id,
	min(ad.date) AS service_date,
	date_trunc('hour', ad.t_arrival, ad.agency_timezone) AS effective_hour,
	count(*) AS nr_of_arrs
FROM @s.arrivals_departures ad
LEFT JOIN @s.stops s ON s.stop_id = ad.stop_id
LEFT JOIN @s.stops st ON st.stop_id = s.parent_station
GROUP BY ad.agency_id, ad.route_id, ad.stop_id, st.stop_id,
	date_trunc('hour', ad.t_arrival, ad.agency_timezone)
WITH NO DATA;

-- stats_active_trips_by_hour: per hour of feed_time_series('hour'), the
-- trips (route_id, trip_id) running in it: a connection of theirs departs
-- in it or before and arrives in it or after.  Each connection gives its
-- hours (one pass), where gtfs-via-postgres joins every hour with every
-- connection; an hour of no trip counts 0 (there: 1, its LEFT JOIN's
-- empty row).  Hours are truncated in the time zone of the session that
-- refreshes it, as gtfs-via-postgres's.
CREATE MATERIALIZED VIEW IF NOT EXISTS @s.stats_active_trips_by_hour AS
WITH active AS (
	SELECT DISTINCT h.hour, c.route_id, c.trip_id
	FROM @s.connections c
	CROSS JOIN LATERAL generate_series(date_trunc('hour', c.t_departure),
		date_trunc('hour', c.t_arrival), interval '1 hour') AS h (hour)
)
SELECT s.hour, count(a.trip_id) AS nr_of_active_trips
FROM @s.feed_time_series('hour') AS s (hour)
LEFT JOIN active a ON a.hour = s.hour
GROUP BY s.hour
WITH NO DATA;
