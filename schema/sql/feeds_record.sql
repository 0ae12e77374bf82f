-- The registry's row of a feed just swapped in (src/load/feeds.c,
-- feeds_record): $1 feed_id, $2 schema, $3 file name, $4 SHA-256, $5
-- importer version, $6 options, $7 the report (JSON).  Another feed that
-- was in this schema is gone (swap_feed put it aside): its row goes too.
-- sqlfiles.sh before: CREATE SCHEMA gtfs2pgsql; CREATE TABLE gtfs2pgsql.feeds (feed_id text PRIMARY KEY, schema_name text, file_name text, sha256 text, imported_at timestamptz, importer_version text, options text, report jsonb);
-- sqlfiles.sh parameters: 'f', 'gtfs', 'f.zip', 'x', '1', '', '{}'
WITH gone AS (
	DELETE FROM gtfs2pgsql.feeds
	WHERE schema_name = $2::text AND feed_id <> $1::text)
INSERT INTO gtfs2pgsql.feeds VALUES
	($1::text, $2::text, $3::text, $4::text, pg_catalog.now(), $5::text,
	$6::text, $7::jsonb)
ON CONFLICT (feed_id) DO UPDATE SET
	schema_name = $2::text, file_name = $3::text, sha256 = $4::text,
	imported_at = pg_catalog.now(), importer_version = $5::text,
	options = $6::text, report = $7::jsonb
RETURNING 1
