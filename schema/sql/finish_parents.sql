-- The statistics of the feed's partitioned tables that arrivals_departures
-- and connections join, once the swap made the load's tables their
-- partitions (src/load/load_finish.c).  A query names the feed's table, a
-- partitioned one, and the planner estimates its joins from that table's
-- own statistics, not its partition's; autovacuum never analyzes a
-- partitioned table, and without statistics a join on trip_id is taken
-- to match 1 row in 200: on MTA Brooklyn a stop's day came out 85 times
-- too large, past jit_above_cost, and JIT took 2 s of a 30 ms query;
-- without stop_times.stop_id's, a station's 20 minutes of the generated
-- 10M feed joined its 948 stop times with every trip (a scan of 313,000:
-- 131 ms, where 10 ms through the trips' key).
-- PostgreSQL 15 analyzes the partition again with its parent (ONLY is
-- 17's), so: only the columns joined on, whose statistics the partition
-- had from the load (the others keep theirs), and a sample of 3,000 rows,
-- not 30,000: on Brooklyn 0.1-0.25 s, where the full statistics took 2 s.
-- Tables under 3,000 rows are read whole.  SET LOCAL: it ends with the
-- load's transaction, a few statements on.  "@l" is the schema's name as
-- a literal, "@t" a dollar quote that it cannot end.
SET LOCAL default_statistics_target = 10;
-- stop_times' trip_id has as many values as trips has rows: given, as
-- a sample cannot tell (a page holds a trip's stop times, so that 3,000
-- rows from 3,000 pages count a tenth of Brooklyn's 58,357 trips and its
-- trips' every stop time is taken to weigh 421 rows), to the feed's table
-- (n_distinct_inherited) and its partition (n_distinct: the option is
-- not passed down)
DO @t
DECLARE
	trips bigint := (SELECT pg_catalog.count(*) FROM @s.trips);
	parent regclass := pg_catalog.to_regclass(@l || '.stop_times');
	r record;
BEGIN
IF trips > 0 THEN
	FOR r IN SELECT parent AS rel
		UNION ALL SELECT i.inhrelid FROM pg_catalog.pg_inherits i
		WHERE i.inhparent = parent
	LOOP
		EXECUTE pg_catalog.format('ALTER TABLE %s ALTER COLUMN trip_id SET '
			'(n_distinct = %s, n_distinct_inherited = %s)',
			r.rel::regclass, trips, trips);
	END LOOP;
END IF;
END
@t;
ANALYZE @s.stop_times (trip_id, stop_id),
	@s.trips (trip_id, route_id, service_id),
	@s.service_days (service_id, date), @s.stops (stop_id, parent_station),
	@s.routes (route_id, agency_id), @s.agency (agency_id),
	@s.frequencies (trip_id), @s.trip_starts (trip_id);
