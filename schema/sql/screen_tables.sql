-- The screen of stop_times.txt (src/load/load_screen.c), in the load's
-- session for its transaction: a line per run of a trip's rows, in the
-- columns of src/gtfs/tripscreen.c's end_run, and the stops' places as the
-- screen had them (degrees; NULL where a stop has none; none without the
-- validator's rules).  Read by timetable_trip_starts_fill.sql and by the
-- rules (schema/rules/stop_times_rows.sql, shapes_stop_distance.sql...).
CREATE TEMPORARY TABLE gtfs2pgsql_trip_runs (
	trip_id text,
	first_line integer,
	last_line integer,
	rows integer,
	sorted boolean,			-- stop_sequence rising, row after row
	suspect boolean,		-- the rules must read its rows
	min_sequence integer,	-- the first stop's, its times in seconds
	min_arrival integer,
	min_departure integer,
	max_sequence integer,	-- the last stop's
	max_arrival integer,
	max_departure integer,
	calls_hash bigint,		-- the calls, summed as hashes
	max_kph float8,			-- the fastest between timed stops
	far_mask integer,		-- the limits of SCREEN_LIMITS far stops break
	stops_hash bigint,		-- the stops called at, summed as hashes
	max_line integer,		-- the last stop's row: its line, its stop
	max_stop_id text,
	max_distance float8,	-- and its shape_dist_traveled
	any_distance boolean,	-- a row has shape_dist_traveled
	as_written boolean,		-- no row with a value not taken as written
	top_arrival integer,	-- the largest times of its rows
	top_departure integer
) ON COMMIT DROP;
CREATE TEMPORARY TABLE gtfs2pgsql_stop_places (
	stop_id text,
	lat float8,
	lon float8
) ON COMMIT DROP;
