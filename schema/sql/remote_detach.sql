-- The removal of a feed attached from another server (remote_attach.sql),
-- gtfs2pgsql.remote_feed, by --drop (src/load/remote.c): its foreign
-- tables detached from their buckets and dropped (a view of yours over
-- them refuses the drop), its schema dropped, its row deleted; the feed
-- stays on its server.  One transaction.
-- sqlfiles.sh before: CREATE SCHEMA IF NOT EXISTS gtfs2pgsql; CREATE TABLE IF NOT EXISTS gtfs2pgsql.feeds (feed_id text, schema_name text, server_name text); SELECT pg_catalog.set_config('gtfs2pgsql.remote_feed', 'sqlfiles_none', true), pg_catalog.set_config('gtfs2pgsql.trust_offenders', 'SELECT NULL, NULL WHERE $1 IS NULL', true);
DO $gtfs2pgsql$
DECLARE
	feed text := pg_catalog.current_setting('gtfs2pgsql.remote_feed');
	target text;
	ns oid;
	r record;
BEGIN
	LOCK TABLE gtfs2pgsql.feeds IN SHARE ROW EXCLUSIVE MODE;
	SELECT f.schema_name INTO target FROM gtfs2pgsql.feeds f
		WHERE f.feed_id = feed AND f.server_name IS NOT NULL;
	IF target IS NULL THEN
		RETURN;
	END IF;
	FOR r IN EXECUTE pg_catalog.current_setting('gtfs2pgsql.trust_offenders')
		USING target
	LOOP
		RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
			MESSAGE = r.object || ' ' || r.problem,
			HINT = 'gtfs2pgsql uses only what the role that runs it owns';
	END LOOP;
	ns := pg_catalog.to_regnamespace(pg_catalog.quote_ident(target));
	FOR r IN SELECT c.oid::pg_catalog.regclass AS t, c.relkind,
		i.inhparent::pg_catalog.regclass AS parent
		FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_inherits i
		ON i.inhrelid = c.oid WHERE c.relnamespace = ns
	LOOP
		IF r.relkind <> 'f' THEN
			RAISE EXCEPTION 'schema % holds % (not a foreign table of a feed '
				'of another server)', target, r.t;
		END IF;
		IF r.parent IS NOT NULL THEN
			EXECUTE pg_catalog.format('ALTER TABLE %s DETACH PARTITION %s',
				r.parent, r.t);
		END IF;
		EXECUTE 'DROP FOREIGN TABLE ' || r.t;
	END LOOP;
	IF ns IS NOT NULL THEN
		EXECUTE pg_catalog.format('DROP SCHEMA %I', target);
	END IF;
	DELETE FROM gtfs2pgsql.feeds f WHERE f.feed_id = feed;
END
$gtfs2pgsql$;
