-- Each feature of locations.geojson (src/load/geojson.c) with what sets
-- it aside (problem, why), or NULL: checked here, before any is loaded, so
-- that one bad feature costs only itself.  A later feature with an id seen
-- is a duplicate.  "@n": the bound on an id's bytes.
-- sqlfiles.sh fill: s/@n/255/g
-- sqlfiles.sh before: CREATE TABLE gtfs.locations_parts AS SELECT 1::bigint AS n, '{"id": 1}'::text AS raw, '{"id": 1}'::jsonb AS f, NULL::text AS why, 'array' AS kind;
CREATE TABLE @s.locations_features AS
SELECT n, f, raw, CASE WHEN problem IS NULL AND row_number() OVER (
		PARTITION BY problem, f->>'id' ORDER BY n) > 1 THEN 'duplicate'
	ELSE problem END AS problem, why
FROM (SELECT n, f, raw, why, CASE
	WHEN f IS NULL THEN 'json'
	WHEN coalesce(jsonb_typeof(f->'id') NOT IN ('string', 'number'), true)
		THEN 'id'
	WHEN octet_length(f->>'id') > @n THEN 'long'
	WHEN jsonb_typeof(f->'geometry') IS DISTINCT FROM 'object'
		THEN 'geometry'
	WHEN coalesce(f->'geometry'->>'type' NOT IN ('Polygon', 'MultiPolygon'),
		true) THEN 'type'
	END AS problem
	FROM @s.locations_parts WHERE n IS NOT NULL) AS checked
