-- The registry of feeds, gtfs2pgsql.feeds (src/load/feeds.c, feeds_setup),
-- made or brought up to date under the registry's lock.  The cross-feed
-- tables beside it are made by swap.sql.
-- sqlfiles.sh before: SELECT pg_catalog.set_config('gtfs2pgsql.trust_offenders', 'SELECT NULL, NULL WHERE $1::text IS NULL', true);
CREATE SCHEMA IF NOT EXISTS gtfs2pgsql;
CREATE TABLE IF NOT EXISTS gtfs2pgsql.feeds (
	feed_id text PRIMARY KEY,
	schema_name text NOT NULL,
	file_name text NOT NULL,
	sha256 text NOT NULL,
	imported_at timestamptz NOT NULL,
	importer_version text NOT NULL,
	options text NOT NULL,
	report jsonb NOT NULL
);
-- made by another role meanwhile: refused before it is altered (the check
-- of trust.h, which trust_set_check put in the setting)
DO $gtfs2pgsql$
DECLARE
	r record;
BEGIN
	FOR r IN EXECUTE pg_catalog.current_setting('gtfs2pgsql.trust_offenders')
		USING 'gtfs2pgsql'
	LOOP
		RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
			MESSAGE = r.object || ' ' || r.problem,
			HINT = 'gtfs2pgsql uses only what the role that runs it owns';
	END LOOP;
END
$gtfs2pgsql$;
ALTER TABLE gtfs2pgsql.feeds
	ADD COLUMN IF NOT EXISTS errors integer GENERATED ALWAYS AS
		((report->'notice_counts'->>'error')::integer) STORED,
	ADD COLUMN IF NOT EXISTS warnings integer GENERATED ALWAYS AS
		((report->'notice_counts'->>'warning')::integer) STORED,
	ADD COLUMN IF NOT EXISTS infos integer GENERATED ALWAYS AS
		((report->'notice_counts'->>'info')::integer) STORED;
-- the foreign server of a feed attached from another server
-- (remote_attach.sql); NULL for a feed loaded here
ALTER TABLE gtfs2pgsql.feeds ADD COLUMN IF NOT EXISTS server_name text;
