-- The ids a cut keeps (src/export/cut.c), each in a temporary table k_*,
-- filled from pg_temp.k_trips (the trips kept), "@s" the feed's schema.
-- Stops: those the trips call at, their stations, and everything in those
-- stations (entrances, nodes, other platforms), which pathways.txt may
-- link.
-- sqlfiles.sh before: CREATE TEMP TABLE k_trips ON COMMIT DROP AS SELECT ''::text AS id;
CREATE TEMP TABLE k_services ON COMMIT DROP AS
	SELECT DISTINCT service_id AS id FROM @s.trips
	WHERE trip_id IN (SELECT id FROM pg_temp.k_trips);
CREATE TEMP TABLE k_routes ON COMMIT DROP AS
	SELECT DISTINCT route_id AS id FROM @s.trips
	WHERE trip_id IN (SELECT id FROM pg_temp.k_trips);
CREATE TEMP TABLE k_shapes ON COMMIT DROP AS
	SELECT DISTINCT shape_id AS id FROM @s.trips
	WHERE trip_id IN (SELECT id FROM pg_temp.k_trips)
	AND shape_id IS NOT NULL;
CREATE TEMP TABLE k_stops ON COMMIT DROP AS
	WITH RECURSIVE up (id) AS (
		SELECT stop_id FROM @s.stop_times
		WHERE trip_id IN (SELECT id FROM pg_temp.k_trips)
		AND stop_id IS NOT NULL
		UNION SELECT s.parent_station FROM @s.stops s JOIN up
		ON s.stop_id = up.id WHERE s.parent_station IS NOT NULL),
	down (id) AS (
		SELECT id FROM up
		UNION SELECT s.stop_id FROM @s.stops s JOIN down
		ON s.parent_station = down.id)
	SELECT id FROM down;
CREATE TEMP TABLE k_zones ON COMMIT DROP AS
	SELECT DISTINCT zone_id AS id FROM @s.stops
	WHERE stop_id IN (SELECT id FROM pg_temp.k_stops)
	AND zone_id IS NOT NULL;
CREATE TEMP TABLE k_levels ON COMMIT DROP AS
	SELECT DISTINCT level_id AS id FROM @s.stops
	WHERE stop_id IN (SELECT id FROM pg_temp.k_stops)
	AND level_id IS NOT NULL;
-- a route without agency_id: the feed has one agency, kept
CREATE TEMP TABLE k_agency ON COMMIT DROP AS
	SELECT agency_id AS id FROM @s.routes
	WHERE route_id IN (SELECT id FROM pg_temp.k_routes)
	AND agency_id IS NOT NULL
	UNION SELECT agency_id FROM @s.agency
	WHERE EXISTS (SELECT FROM @s.routes
		WHERE route_id IN (SELECT id FROM pg_temp.k_routes)
		AND agency_id IS NULL);
ANALYZE pg_temp.k_trips, pg_temp.k_services, pg_temp.k_routes,
	pg_temp.k_shapes, pg_temp.k_stops, pg_temp.k_zones, pg_temp.k_levels,
	pg_temp.k_agency;
