-- What a load replaces (src/load/feeds.c, feeds_replaced): the feeds of
-- the registry with id $1 or in schema $2 whose schema is there, its own
-- first, each with its schema, file and import time, and a row per file of
-- its report with the file's rows (one row with NULLs when it has none).
-- sqlfiles.sh before: CREATE SCHEMA gtfs2pgsql; CREATE TABLE gtfs2pgsql.feeds (feed_id text, schema_name text, file_name text, imported_at timestamptz, report jsonb); INSERT INTO gtfs2pgsql.feeds VALUES ('f', 'gtfs', 'f.zip', now(), '{"files": [{"file": "stops.txt", "rows": 2}]}');
-- sqlfiles.sh parameters: 'f', 'gtfs'
SELECT f.feed_id, f.schema_name, f.file_name,
	pg_catalog.to_char(f.imported_at, 'YYYY-MM-DD HH24:MI:SSOF'),
	e.v->>'file', e.v->>'rows'
FROM gtfs2pgsql.feeds f
LEFT JOIN LATERAL pg_catalog.jsonb_array_elements(
	CASE WHEN pg_catalog.jsonb_typeof(f.report->'files') = 'array'
	THEN f.report->'files' ELSE '[]'::pg_catalog.jsonb END)
	WITH ORDINALITY AS e (v, n) ON e.v->>'file' IS NOT NULL
WHERE (f.feed_id = $1::text OR f.schema_name = $2::text)
AND pg_catalog.to_regnamespace(pg_catalog.quote_ident(f.schema_name))
	IS NOT NULL
ORDER BY f.feed_id <> $1::text, f.feed_id, e.n
