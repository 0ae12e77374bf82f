-- sqlfiles.sh before: DROP TABLE gtfs.trip_starts CASCADE;
-- Each trip's first stop time and the numbering of its stop times
-- (src/load/timetable.c), for arrivals_departures' and connections'
-- trip_start_time and stop_sequence_consec: as subqueries per stop time
-- (an index read of the trip's rows each) they were most of a window
-- query's estimated cost, which then crossed jit_above_cost (MTA Brooklyn,
-- every departure of 20 minutes: 3.4 s with JIT, 0.55 s without).
-- sequences: the trip's stop_sequence values in order, when they are not
-- first_sequence, first_sequence + 1, ... (NULL for the many that are),
-- where a stop time's rank is found by width_bucket's binary search
-- (array_position's scan: a trip of 30,000 stop times took 5.5 s, 0.5 s
-- now; what is left is the array read whole for each stop time, from
-- TOAST past ~500 stops: a stop time's cost still grows with its trip).
-- first_sequence is NULL when no stop time of the trip has a
-- stop_sequence (the value missing, loaded as NULL with an error).
-- "@s" is the schema and "@f" the feed_id column (ddl_template).
CREATE TABLE @s.trip_starts (
	@ftrip_id text COLLATE "C" NOT NULL,
	first_sequence integer,
	start_time interval,
	sequences integer[]
) WITH (autovacuum_enabled = false)
