-- A feed of another server, attached here (src/load/remote.c): the
-- tables of feed gtfs2pgsql.remote_feed, which gtfs2pgsql loaded on the
-- foreign server gtfs2pgsql.remote_server (postgres_fdw, with a user
-- mapping of ours), imported as foreign tables into the schema that holds
-- the feed there, each the partition of the feed in the bucket of its
-- cross-feed table (made when missing, as swap.sql does); the feed
-- recorded in the registry with its server.  An attached feed is replaced
-- (a refresh, after the feed was reloaded there, with its new tables and
-- columns) in the same transaction: the coordinator sees the old foreign
-- tables or the new ones.  One DO block, as swap.sql: the values come from
-- settings of the transaction (remote.c sets them from parameters), with
-- gtfs2pgsql.leaves and gtfs2pgsql.trust_offenders as swap.sql's.
-- sqlfiles.sh before: SELECT pg_catalog.set_config('gtfs2pgsql.remote_server', 'sqlfiles_nowhere', true), pg_catalog.set_config('gtfs2pgsql.remote_feed', 'f', true), pg_catalog.set_config('gtfs2pgsql.leaves', '{}', true), pg_catalog.set_config('gtfs2pgsql.trust_offenders', 'SELECT NULL, NULL WHERE $1 IS NULL', true);
-- sqlfiles.sh fails: no foreign server sqlfiles_nowhere in this database
DO $gtfs2pgsql$
DECLARE
	server text := pg_catalog.current_setting('gtfs2pgsql.remote_server');
	feed text := pg_catalog.current_setting('gtfs2pgsql.remote_feed');
-- the tables that are partitions of cross-feed tables, then those of them
-- that are partitions of the feed there
	leaves text[] := pg_catalog.current_setting('gtfs2pgsql.leaves')::text[];
-- made and renamed in this transaction: no other session ever sees it
	staging text := 'gtfs2pgsql_remote_' || pg_catalog.pg_backend_pid();
	me oid := (SELECT r.oid FROM pg_catalog.pg_roles r
		WHERE r.rolname = CURRENT_USER);
	me_super bool := (SELECT r.rolsuper FROM pg_catalog.pg_roles r
		WHERE r.rolname = CURRENT_USER);
	target text;
	reg record;
	col record;
	old text;
	ns oid;
	top regclass;
	parent regclass;
	bucket int;
	r record;
BEGIN
-- the server's options say where the feed's rows come from: its owner's
	SELECT s.srvowner, w.fdwname INTO r FROM pg_catalog.pg_foreign_server s
		JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
		WHERE s.srvname = server;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no foreign server % in this database', server
			USING HINT = 'CREATE SERVER ... FOREIGN DATA WRAPPER postgres_fdw, '
				'and a USER MAPPING for you on it';
	END IF;
	IF r.fdwname <> 'postgres_fdw' THEN
		RAISE EXCEPTION 'server % is of foreign data wrapper %, not postgres_fdw',
			server, r.fdwname;
	END IF;
	IF NOT (r.srvowner = me OR (me_super AND (SELECT s.rolsuper
		FROM pg_catalog.pg_roles s WHERE s.oid = r.srvowner)))
	THEN
		RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
			MESSAGE = 'server ' || server || ' belongs to role '
				|| r.srvowner::pg_catalog.regrole || ', not to you',
			HINT = 'gtfs2pgsql uses only what the role that runs it owns';
	END IF;
	LOCK TABLE gtfs2pgsql.feeds IN SHARE ROW EXCLUSIVE MODE;
	EXECUTE pg_catalog.format('CREATE SCHEMA %I', staging);
	EXECUTE pg_catalog.format('IMPORT FOREIGN SCHEMA gtfs2pgsql LIMIT TO '
		'(feeds) FROM SERVER %I INTO %I', server, staging);
	EXECUTE pg_catalog.format('SELECT f.schema_name, f.file_name, f.sha256, '
		'f.imported_at, f.importer_version, f.options, f.report '
		'FROM %I.feeds f WHERE f.feed_id = $1', staging) INTO reg USING feed;
	IF reg.schema_name IS NULL THEN
		RAISE EXCEPTION 'server % holds no feed %', server, feed
			USING HINT = 'load it there with gtfs2pgsql first';
	END IF;
	EXECUTE pg_catalog.format('DROP FOREIGN TABLE %I.feeds', staging);
	target := reg.schema_name;
	FOR r IN EXECUTE pg_catalog.current_setting('gtfs2pgsql.trust_offenders')
		USING target
	LOOP
		RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
			MESSAGE = r.object || ' ' || r.problem,
			HINT = 'gtfs2pgsql uses only what the role that runs it owns';
	END LOOP;
-- a feed loaded here is not replaced by one of another server
	SELECT f.feed_id INTO r FROM gtfs2pgsql.feeds f
		WHERE (f.feed_id = feed OR f.schema_name = target)
		AND f.server_name IS NULL;
	IF FOUND THEN
		RAISE EXCEPTION 'feed % is loaded in schema % of this database',
			r.feed_id, target
			USING HINT = 'drop it first (gtfs2pgsql --drop)';
	END IF;
-- nor one of another server: two servers may hold a schema of one name,
-- and the second would detach the first's feed
	SELECT f.feed_id, f.server_name INTO r FROM gtfs2pgsql.feeds f
		WHERE f.schema_name = target AND f.feed_id <> feed
		AND f.server_name <> server;
	IF FOUND THEN
		RAISE EXCEPTION 'schema % holds feed % of server %', target,
			r.feed_id, r.server_name
			USING HINT = 'detach it first (gtfs2pgsql --drop ' || r.feed_id
				|| '), or load feed ' || feed || ' into another schema on '
				|| 'server ' || server;
	END IF;
	ns := pg_catalog.to_regnamespace(pg_catalog.quote_ident(target));
	IF ns IS NOT NULL AND coalesce(pg_catalog.obj_description(ns,
		'pg_namespace'), '') NOT LIKE 'gtfs2pgsql%' THEN
		RAISE EXCEPTION 'schema % exists and was not made by gtfs2pgsql',
			target;
	END IF;
-- Its relations that are no partition there (views, empty files' tables,
-- which read as empty and are no partition here either), then its
-- partitions, which postgres_fdw imports only when named: those attached.
	EXECUTE pg_catalog.format('IMPORT FOREIGN SCHEMA %I FROM SERVER %I INTO %I',
		target, server, staging);
	leaves := ARRAY(SELECT l.n FROM pg_catalog.unnest(leaves) AS l (n)
		WHERE pg_catalog.to_regclass(pg_catalog.format('%I.%I', staging, l.n))
		IS NULL);
	IF leaves <> '{}' THEN
		EXECUTE pg_catalog.format('IMPORT FOREIGN SCHEMA %I LIMIT TO (%s) '
			'FROM SERVER %I INTO %I', target, (SELECT pg_catalog.string_agg(
			pg_catalog.quote_ident(l.n), ', ') FROM pg_catalog.unnest(leaves)
			AS l (n)), server, staging);
	END IF;
-- The feed attached before, of this id or of this schema: its foreign
-- tables go (a view of yours over them refuses the refresh), and its row.
	FOR old IN SELECT DISTINCT v.s FROM (VALUES (target), ((SELECT f.schema_name
		FROM gtfs2pgsql.feeds f WHERE f.feed_id = feed))) AS v (s)
		WHERE v.s IS NOT NULL
	LOOP
		ns := pg_catalog.to_regnamespace(pg_catalog.quote_ident(old));
		CONTINUE WHEN ns IS NULL;
		FOR r IN SELECT c.oid::pg_catalog.regclass AS t, c.relkind,
			i.inhparent::pg_catalog.regclass AS parent
			FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_inherits i
			ON i.inhrelid = c.oid WHERE c.relnamespace = ns
		LOOP
			IF r.relkind <> 'f' THEN
				RAISE EXCEPTION 'schema % holds % (not a foreign table of a '
					'feed of another server)', old, r.t;
			END IF;
			IF r.parent IS NOT NULL THEN
				EXECUTE pg_catalog.format('ALTER TABLE %s DETACH PARTITION %s',
					r.parent, r.t);
			END IF;
			EXECUTE 'DROP FOREIGN TABLE ' || r.t;
		END LOOP;
		EXECUTE pg_catalog.format('DROP SCHEMA %I', old);
	END LOOP;
	DELETE FROM gtfs2pgsql.feeds f WHERE f.schema_name = target
		OR f.feed_id = feed;
	EXECUTE pg_catalog.format('ALTER SCHEMA %I RENAME TO %I', staging, target);
	EXECUTE pg_catalog.format('COMMENT ON SCHEMA %I IS %L', target,
		'gtfs2pgsql: feed ' || feed || ' of server ' || server);
	ns := pg_catalog.to_regnamespace(pg_catalog.quote_ident(target));
-- each partition of the feed there in its bucket here (see swap.sql)
	FOR r IN SELECT c.oid::pg_catalog.regclass AS t, c.relname
		FROM pg_catalog.pg_class c WHERE c.relnamespace = ns
		AND c.relkind = 'f' AND c.relname = ANY (leaves)
		ORDER BY c.relname
	LOOP
		top := pg_catalog.to_regclass(pg_catalog.format('gtfs2pgsql.%I',
			r.relname));
		IF top IS NULL THEN
			EXECUTE pg_catalog.format('CREATE TABLE gtfs2pgsql.%I (LIKE %s) '
				'PARTITION BY HASH (feed_id)', r.relname, r.t);
			EXECUTE pg_catalog.format('COMMENT ON TABLE gtfs2pgsql.%I IS %L',
				r.relname, 'gtfs2pgsql: ' || r.relname || ' of every feed, by feed_id');
			top := pg_catalog.format('gtfs2pgsql.%I', r.relname)::pg_catalog.regclass;
		END IF;
-- the same columns on both sides: the foreign table cannot have one its
-- server lacks (every query of the cross-feed table would fail there)
		FOR col IN SELECT a.attname, a.atttypid, a.atttypmod,
			b.atttypid AS other, b.atttypmod AS other_mod, a.attrelid = top AS on_top
			FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attribute b
			ON b.attrelid = CASE WHEN a.attrelid = top THEN r.t ELSE top END
			AND b.attname = a.attname AND b.attnum > 0 AND NOT b.attisdropped
			WHERE a.attrelid IN (top, r.t) AND a.attnum > 0 AND NOT a.attisdropped
			AND (b.attname IS NULL OR b.atttypid <> a.atttypid
				OR b.atttypmod <> a.atttypmod)
		LOOP
			IF col.other IS NOT NULL THEN
				RAISE EXCEPTION 'column % of % is % in gtfs2pgsql.% but % on server %',
					col.attname, r.relname, pg_catalog.format_type(CASE WHEN col.on_top
					THEN col.atttypid ELSE col.other END, CASE WHEN col.on_top
					THEN col.atttypmod ELSE col.other_mod END), r.relname,
					pg_catalog.format_type(CASE WHEN col.on_top THEN col.other
					ELSE col.atttypid END, CASE WHEN col.on_top THEN col.other_mod
					ELSE col.atttypmod END), server;
			ELSIF col.on_top THEN
				RAISE EXCEPTION 'table % of feed % on server % lacks column % of gtfs2pgsql.%',
					r.relname, feed, server, col.attname, r.relname
					USING HINT = 'reload the feed there with this version of gtfs2pgsql';
			END IF;
			EXECUTE pg_catalog.format('ALTER TABLE %s ADD COLUMN %I %s', top,
				col.attname, pg_catalog.format_type(col.atttypid, col.atttypmod));
		END LOOP;
		parent := top;
		IF (SELECT p.partstrat FROM pg_catalog.pg_partitioned_table p
			WHERE p.partrelid = top) = 'h'
		THEN
			bucket := (SELECT b FROM pg_catalog.generate_series(0, 63) b
				WHERE pg_catalog.satisfies_hash_partition(top, 64, b, feed));
			parent := pg_catalog.to_regclass(pg_catalog.format(
				'gtfs2pgsql_buckets.%I', r.relname || '_' || bucket));
			IF parent IS NULL THEN
				CREATE SCHEMA IF NOT EXISTS gtfs2pgsql_buckets;
				IF NOT (SELECT n.nspowner = me OR (me_super AND s.rolsuper)
					FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles s
					ON s.oid = n.nspowner WHERE n.nspname = 'gtfs2pgsql_buckets')
				THEN
					RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
						MESSAGE = 'schema gtfs2pgsql_buckets was made by another role';
				END IF;
				COMMENT ON SCHEMA gtfs2pgsql_buckets IS 'gtfs2pgsql: the '
					'cross-feed tables'' hash partitions, each partitioned '
					'by feed_id';
				EXECUTE pg_catalog.format('CREATE TABLE gtfs2pgsql_buckets.%I '
					'(LIKE %s INCLUDING CONSTRAINTS) PARTITION BY LIST (feed_id)',
					r.relname || '_' || bucket, top);
				EXECUTE pg_catalog.format('ALTER TABLE %s ATTACH PARTITION '
					'gtfs2pgsql_buckets.%I FOR VALUES WITH (MODULUS 64, '
					'REMAINDER %s)', top, r.relname || '_' || bucket, bucket);
				parent := pg_catalog.format('gtfs2pgsql_buckets.%I',
					r.relname || '_' || bucket)::pg_catalog.regclass;
			END IF;
		END IF;
-- a partition has its parent's CHECK constraints: on a foreign table they
-- are declared, not checked (the rows are checked where they are loaded)
		FOR col IN SELECT k.conname, pg_catalog.pg_get_constraintdef(k.oid) AS def
			FROM pg_catalog.pg_constraint k WHERE k.conrelid = parent
			AND k.contype = 'c'
		LOOP
			EXECUTE pg_catalog.format('ALTER FOREIGN TABLE %s ADD CONSTRAINT %I %s',
				r.t, col.conname, col.def);
		END LOOP;
		EXECUTE pg_catalog.format('ALTER TABLE %s ATTACH PARTITION %s '
			'FOR VALUES IN (%L)', parent, r.t, feed);
	END LOOP;
	INSERT INTO gtfs2pgsql.feeds (feed_id, schema_name, file_name, sha256,
		imported_at, importer_version, options, report, server_name)
	VALUES (feed, target, reg.file_name, reg.sha256, reg.imported_at,
		reg.importer_version, reg.options, reg.report, server);
END
$gtfs2pgsql$;
