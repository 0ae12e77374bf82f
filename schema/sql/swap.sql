-- The partitioned layout of swap.h, as one PL/pgSQL block run in the
-- load's transaction (src/load/swap.c), so that its dozens of catalog
-- statements cost one round trip.  A DO block takes no parameters and no
-- name is ever pasted into it (one holding "$gtfs2pgsql$" would end it):
-- it reads its values from settings of the transaction that swap.c's
-- set_values sets from parameters.  gtfs2pgsql.swap_mode says what it does:
--   prepare: what a swap can do before it takes its locks, so that swaps,
--     which take turns, are shorter: the feed's schema and its partitioned
--     tables, when missing and their cross-feed table exists (made now,
--     they are out of others' sight until the commit), and the empty
--     files' tables of the staging schema dropped once the feed's table of
--     that name exists;
--   swap: the staging schema's tables named in leaves become the
--     partitions of feed in the target's partitioned tables (made when
--     missing), or are dropped when empty; its other tables move to the
--     target, and it becomes the feed's data schema gtfs2pgsql_data_<oid
--     of the target>.  A partitioned table of the target is attached to
--     its bucket of the cross-feed table of gtfs2pgsql (made with its
--     buckets when missing) when its file has rows: each ATTACH costs in
--     proportion to the partitions already there, and most feeds lack most
--     files;
--   drop: the feed's schema emptied, then dropped unless the user's
--     objects are still in it.
-- The values, gtfs2pgsql.<use>_* where use is drop for a drop and swap
-- otherwise: the feed's schema (target), the feed id ('': none, the feed
-- goes), the staging schema; gtfs2pgsql.leaves, the tables that are
-- partitions of cross-feed tables (text[]); gtfs2pgsql.analysis_matviews,
-- _functions, _views, analysis.h's objects (text[]), which go with the
-- feed's views; gtfs2pgsql.trust_offenders, schema/sql/trust_offenders.sql.
--
-- "LOCK TABLE gtfs2pgsql.feeds IN SHARE ROW EXCLUSIVE MODE" is swap.c's
-- REGISTRY_RAISE: what makes or changes objects that every feed shares
-- raises the registry's lock first, so that such swaps take turns, and
-- looks again once it holds it.
--
-- sqlfiles.sh before: CREATE SCHEMA sqlfiles_staging; SELECT pg_catalog.set_config('gtfs2pgsql.swap_mode', 'swap', true), pg_catalog.set_config('gtfs2pgsql.swap_target', 'sqlfiles_feed', true), pg_catalog.set_config('gtfs2pgsql.swap_feed', 'f', true), pg_catalog.set_config('gtfs2pgsql.swap_staging', 'sqlfiles_staging', true), pg_catalog.set_config('gtfs2pgsql.leaves', '{}', true), pg_catalog.set_config('gtfs2pgsql.analysis_matviews', '{}', true), pg_catalog.set_config('gtfs2pgsql.view_functions', '{}', true), pg_catalog.set_config('gtfs2pgsql.analysis_views', '{}', true), pg_catalog.set_config('gtfs2pgsql.trust_offenders', 'SELECT NULL, NULL WHERE $1 IS NULL', true);
DO $gtfs2pgsql$
DECLARE
	mode text := pg_catalog.current_setting('gtfs2pgsql.swap_mode');
	use text := CASE WHEN mode = 'drop' THEN 'drop' ELSE 'swap' END;
	target text := pg_catalog.current_setting('gtfs2pgsql.' || use || '_target');
	feed text := NULLIF(pg_catalog.current_setting(
		'gtfs2pgsql.' || use || '_feed'), '');
	staging text := pg_catalog.current_setting(
		'gtfs2pgsql.' || use || '_staging');
	leaves text[] := pg_catalog.current_setting('gtfs2pgsql.leaves')::text[];
-- the bound of feed's partitions as pg_get_expr prints it: quotes doubled,
-- and backslashes as they are (standard_conforming_strings is on: see
-- session.sql), where format's %L would write E'\\'
	bound text := 'FOR VALUES IN (''' || pg_catalog.replace(feed, '''', '''''')
		|| ''')';
	ns oid := pg_catalog.to_regnamespace(pg_catalog.quote_ident(target));
-- the role that runs us: a schema we make when missing must be ours (one
-- another role made meanwhile, after the trust check, is refused)
	me oid := (SELECT r.oid FROM pg_catalog.pg_roles r
		WHERE r.rolname = CURRENT_USER);
	me_super bool := (SELECT r.rolsuper FROM pg_catalog.pg_roles r
		WHERE r.rolname = CURRENT_USER);
	ours text;
	cleared regclass[] := '{}';
	top regclass;
	parent regclass;
	bucket int;
	sub regclass;
	staged regclass;
	leaf text;
	r record;
BEGIN
IF mode NOT IN ('prepare', 'swap', 'drop') THEN
	RAISE EXCEPTION 'gtfs2pgsql.swap_mode is %, not prepare, swap or drop',
		mode;
END IF;
IF mode <> 'prepare' THEN
	FOR r IN EXECUTE pg_catalog.current_setting('gtfs2pgsql.trust_offenders')
		USING target
	LOOP
		RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
			MESSAGE = r.object || ' ' || r.problem,
			HINT = 'gtfs2pgsql uses only what the role that runs it owns';
	END LOOP;
END IF;
IF mode = 'swap' AND ns IS NULL THEN
	EXECUTE pg_catalog.format('CREATE SCHEMA %I', target);
	ns := pg_catalog.to_regnamespace(pg_catalog.quote_ident(target));
END IF;
-- Empties the feed's schema, refusing when the feed goes (feed NULL) and
-- views of the user's read its tables: its plain tables go, and its views
-- when the feed goes or the tables they read are those of the layout
-- before partitions (else they stay, replaced by the load, keeping their
-- privileges and the views of users over them); each of its partitioned
-- tables loses its partitions (collected in "cleared").  Such a table
-- stays when it is the partition of feed, or a partition of nothing (an
-- empty file's: see below) unless the feed goes; else it is put aside in
-- gtfs2pgsql_dropped: that locks it alone, where dropping it would lock
-- its bucket for every reader of its feeds (see swap_clear_dropped).
IF mode <> 'prepare' AND ns IS NOT NULL AND (feed IS NULL OR EXISTS (
	SELECT FROM pg_catalog.pg_class c
	WHERE c.relname = ANY (leaves) AND c.relnamespace = ns
	AND c.relkind = 'r'))
THEN
	SELECT pg_catalog.string_agg(c.oid::pg_catalog.regclass::text, ', ')
		INTO leaf FROM pg_catalog.pg_class c WHERE c.relnamespace = ns
		AND c.relkind = 'm' AND c.relname = ANY (pg_catalog.current_setting(
		'gtfs2pgsql.analysis_matviews')::text[]);
	IF leaf IS NOT NULL THEN
		EXECUTE 'DROP MATERIALIZED VIEW ' || leaf;
	END IF;
	SELECT pg_catalog.string_agg(p.oid::pg_catalog.regprocedure::text, ', ')
		INTO leaf FROM pg_catalog.pg_proc p WHERE p.pronamespace = ns
		AND p.proname = ANY (pg_catalog.current_setting(
		'gtfs2pgsql.view_functions')::text[]);
	IF leaf IS NOT NULL THEN
		EXECUTE 'DROP FUNCTION ' || leaf;
	END IF;
	SELECT pg_catalog.string_agg(c.oid::pg_catalog.regclass::text, ', ')
		INTO leaf FROM pg_catalog.pg_class c WHERE c.relnamespace = ns
		AND c.relkind = 'v' AND (c.relname IN ('route_lines', 'trip_lines',
		'connections', 'arrivals_departures')
		OR c.relname = ANY (pg_catalog.current_setting(
		'gtfs2pgsql.analysis_views')::text[]));
	IF leaf IS NOT NULL THEN
		EXECUTE 'DROP VIEW ' || leaf;
	END IF;
END IF;
IF mode <> 'prepare' AND ns IS NOT NULL AND feed IS NULL THEN
-- views, and functions with an SQL body (kept by a drop's put aside
-- tables, where they would read nothing and keep them from going)
	SELECT pg_catalog.string_agg(DISTINCT coalesce(
		w.ev_class::pg_catalog.regclass::text,
		d.objid::pg_catalog.regprocedure::text), ', ') INTO leaf
		FROM pg_catalog.pg_depend d LEFT JOIN pg_catalog.pg_rewrite w
		ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
		AND w.oid = d.objid JOIN pg_catalog.pg_class c ON c.oid = d.refobjid
		WHERE (w.oid IS NOT NULL
			OR d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass)
		AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
		AND c.oid IN (SELECT s.objid FROM pg_catalog.pg_depend s
			WHERE s.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
			AND s.refobjid = ns
			AND s.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
		AND c.relkind = 'p' AND w.ev_class IS DISTINCT FROM c.oid;
	IF leaf IS NOT NULL THEN
		RAISE EXCEPTION 'cannot drop the feed of schema %: % depend on its tables',
			target, leaf
			USING HINT = 'drop them first';
	END IF;
END IF;
-- Another feed id: the tables of the old feed are put aside (below), and
-- the materialized views of analysis.h made again over the new ones
-- (analysis.c).  What of the user's reads them would read the emptied
-- tables put aside, not the new feed, and keep them from going: refused,
-- as a drop is.  Ours, replaced over the new tables, are left out.
IF mode = 'swap' AND ns IS NOT NULL AND feed IS NOT NULL THEN
	WITH aside AS (
		SELECT c.oid FROM pg_catalog.pg_class c
		WHERE c.oid IN (SELECT s.objid FROM pg_catalog.pg_depend s
			WHERE s.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
			AND s.refobjid = ns
			AND s.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
		AND c.relkind = 'p' AND c.relispartition
		AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) <> bound),
	remade AS (
		SELECT aside.oid FROM aside
		UNION ALL SELECT c.oid FROM pg_catalog.pg_class c
		WHERE EXISTS (SELECT FROM aside) AND c.relnamespace = ns
		AND c.relkind = 'm' AND c.relname = ANY (pg_catalog.current_setting(
			'gtfs2pgsql.analysis_matviews')::text[]))
	SELECT pg_catalog.string_agg(DISTINCT coalesce(
		w.ev_class::pg_catalog.regclass::text,
		d.objid::pg_catalog.regprocedure::text), ', ') INTO leaf
	FROM pg_catalog.pg_depend d LEFT JOIN pg_catalog.pg_rewrite w
	ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
	AND w.oid = d.objid LEFT JOIN pg_catalog.pg_class v ON v.oid = w.ev_class
	WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
	AND d.refobjid IN (SELECT remade.oid FROM remade) AND d.deptype = 'n'
	AND ((d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
		AND NOT EXISTS (SELECT FROM pg_catalog.pg_proc p
			WHERE p.oid = d.objid AND p.pronamespace = ns
			AND p.proname = ANY (pg_catalog.current_setting(
			'gtfs2pgsql.view_functions')::text[])))
		OR (v.oid NOT IN (SELECT remade.oid FROM remade)
		AND NOT (v.relnamespace = ns AND (v.relname IN ('route_lines',
			'trip_lines', 'connections', 'arrivals_departures')
			OR v.relname = ANY (pg_catalog.current_setting(
			'gtfs2pgsql.analysis_views')::text[])))));
	IF leaf IS NOT NULL THEN
		RAISE EXCEPTION 'cannot load feed % into schema %, which holds another feed: % read its tables or statistics',
			feed, target, leaf
			USING HINT = 'drop them, load, and make them again; or load '
				'the feed with the schema''s feed id, or into another schema';
	END IF;
END IF;
IF mode <> 'prepare' AND ns IS NOT NULL THEN
-- a table of a file is one gtfs2pgsql made: commented with ddl.h's
-- DDL_TABLE_MARK
	FOR r IN SELECT c.oid::pg_catalog.regclass AS t, c.relkind,
		c.relname, i.inhparent IS NULL AS alone,
		pg_catalog.pg_get_expr(c.relpartbound, c.oid) = bound
		AND i.inhparent IN (
			SELECT t.oid FROM (VALUES (pg_catalog.to_regclass(pg_catalog.format(
			'gtfs2pgsql.%I', c.relname))::pg_catalog.oid)) AS t (oid)
			UNION ALL SELECT j.inhrelid FROM pg_catalog.pg_inherits j
			WHERE j.inhparent = pg_catalog.to_regclass(pg_catalog.format(
			'gtfs2pgsql.%I', c.relname))) AS ours
		FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_inherits i
		ON i.inhrelid = c.oid WHERE c.oid IN (
			SELECT s.objid FROM pg_catalog.pg_depend s
			WHERE s.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
			AND s.refobjid = ns
			AND s.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
		AND (c.relkind = 'p' OR (c.relkind = 'r' AND
		pg_catalog.obj_description(c.oid, 'pg_class') = 'gtfs2pgsql'))
	LOOP
		IF r.relkind = 'r' THEN
			EXECUTE 'DROP TABLE ' || r.t;
			CONTINUE;
		END IF;
		FOR sub IN SELECT i.inhrelid FROM pg_catalog.pg_inherits i
			WHERE i.inhparent = r.t
		LOOP
			EXECUTE pg_catalog.format('ALTER TABLE %s DETACH PARTITION %s',
				r.t, sub);
			cleared := cleared || sub;
		END LOOP;
		IF r.alone AND feed IS NULL THEN
			EXECUTE 'DROP TABLE ' || r.t;
		ELSIF NOT r.alone AND NOT coalesce(r.ours, false) THEN
			LOCK TABLE gtfs2pgsql.feeds IN SHARE ROW EXCLUSIVE MODE;
			CREATE SCHEMA IF NOT EXISTS gtfs2pgsql_dropped;
			ours := 'gtfs2pgsql_dropped';
			IF NOT (SELECT n.nspowner = me OR (me_super AND s.rolsuper)
				FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles s
				ON s.oid = n.nspowner WHERE n.nspname = ours)
			THEN
				RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
					MESSAGE = 'schema ' || ours || ' was made by another role';
			END IF;
			EXECUTE pg_catalog.format('ALTER TABLE %s RENAME TO %I', r.t,
				pg_catalog.left(r.relname, 40) || '_' || r.t::oid);
			EXECUTE pg_catalog.format(
				'ALTER TABLE %I.%I SET SCHEMA gtfs2pgsql_dropped', target,
				pg_catalog.left(r.relname, 40) || '_' || r.t::oid);
		END IF;
	END LOOP;
END IF;
FOREACH leaf IN ARRAY CASE WHEN mode = 'drop' THEN '{}' ELSE leaves END LOOP
	staged := pg_catalog.to_regclass(pg_catalog.format('%I.%I', staging, leaf));
	top := pg_catalog.to_regclass(pg_catalog.format('gtfs2pgsql.%I', leaf));
-- what prepare makes, it makes for cross-feed tables already there
	CONTINUE WHEN top IS NULL AND (staged IS NULL OR mode = 'prepare');
	IF top IS NULL THEN
		LOCK TABLE gtfs2pgsql.feeds IN SHARE ROW EXCLUSIVE MODE;
		top := pg_catalog.to_regclass(pg_catalog.format('gtfs2pgsql.%I', leaf));
	END IF;
	IF top IS NULL THEN
		EXECUTE pg_catalog.format('CREATE TABLE gtfs2pgsql.%I (LIKE %I.%I '
			'INCLUDING CONSTRAINTS) PARTITION BY HASH (feed_id)', leaf,
			staging, leaf);
		EXECUTE pg_catalog.format('COMMENT ON TABLE gtfs2pgsql.%I IS %L',
			leaf, 'gtfs2pgsql: ' || leaf || ' of every feed, by feed_id');
-- a primary key made its columns NOT NULL in this feed, not in all
		FOR r IN SELECT a.attname FROM pg_catalog.pg_attribute a
			WHERE a.attrelid = pg_catalog.format('gtfs2pgsql.%I', leaf)::
			pg_catalog.regclass
			AND a.attnum > 0 AND a.attnotnull AND a.attname <> 'feed_id'
		LOOP
			EXECUTE pg_catalog.format(
				'ALTER TABLE gtfs2pgsql.%I ALTER %I DROP NOT NULL', leaf,
				r.attname);
		END LOOP;
-- made from the stand-in of a file the feed lacks, which has ddl.h's
-- DDL_LINE_COLUMN
		IF EXISTS (SELECT FROM pg_catalog.pg_attribute a
			WHERE a.attrelid = pg_catalog.format('gtfs2pgsql.%I', leaf)::
			pg_catalog.regclass
			AND a.attname = 'gtfs2pgsql_line')
		THEN
			EXECUTE pg_catalog.format(
				'ALTER TABLE gtfs2pgsql.%I DROP COLUMN gtfs2pgsql_line', leaf);
		END IF;
		top := pg_catalog.to_regclass(pg_catalog.format('gtfs2pgsql.%I', leaf));
	END IF;
	IF ns IS NULL THEN
		EXECUTE pg_catalog.format('CREATE SCHEMA %I', target);
		ns := pg_catalog.to_regnamespace(pg_catalog.quote_ident(target));
	END IF;
-- The feed's partitioned table of file leaf, in sub: made like its
-- cross-feed table when missing.  route_lines was a view of ours before it
-- was a table: that view goes (not a view of yours over it, which fails
-- the load).
	sub := pg_catalog.to_regclass(pg_catalog.format('%I.%I', target, leaf));
	IF leaf = 'route_lines' AND (SELECT c.relkind FROM pg_catalog.pg_class c
		WHERE c.oid = sub) = 'v' THEN
		EXECUTE 'DROP VIEW ' || sub;
		sub := NULL;
	END IF;
	IF sub IS NULL THEN
		EXECUTE pg_catalog.format('CREATE TABLE %I.%I (LIKE gtfs2pgsql.%I '
			'INCLUDING CONSTRAINTS) PARTITION BY LIST (feed_id)', target, leaf,
			leaf);
		EXECUTE pg_catalog.format('COMMENT ON TABLE %I.%I IS %L', target,
			leaf, 'gtfs2pgsql: the feed''s ' || leaf);
		sub := pg_catalog.format('%I.%I', target, leaf)::pg_catalog.regclass;
	END IF;
-- An empty file's table is no partition: a feed's every ATTACH reads all
-- of pg_constraint (looking for foreign keys to clone), so that the fewer
-- there are and the fewer constraints stay, the less a feed costs with a
-- thousand loaded.
	IF pg_catalog.pg_relation_size(staged) = 0 THEN
		EXECUTE 'DROP TABLE ' || staged;
		CONTINUE;
	END IF;
	CONTINUE WHEN staged IS NULL OR mode = 'prepare';
-- Where the feed's table of file leaf is attached, in parent: the bucket
-- of the cross-feed table top that feed hashes to, or top itself when top
-- is partitioned by LIST (the layout before buckets).  A cross-feed table
-- is partitioned by HASH (feed_id) into 64 buckets, each partitioned by
-- LIST (feed_id) into feeds: an ATTACH re-reads the bounds of every
-- partition of its parent, so a new feed costs in proportion to the feeds
-- of its bucket.  The bucket of remainder N, leaf_N, is made the first
-- time a feed falls in it: made apart and attached, it takes no lock that
-- readers of top wait for, as CREATE TABLE ... PARTITION OF would; made
-- with top, the 64 buckets of each table cost a new database's first load
-- a second.
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_inherits i WHERE i.inhrelid = sub)
	THEN
		parent := top;
		IF (SELECT p.partstrat FROM pg_catalog.pg_partitioned_table p
			WHERE p.partrelid = top) = 'h'
		THEN
			bucket := (SELECT b FROM pg_catalog.generate_series(0, 63) b
				WHERE pg_catalog.satisfies_hash_partition(top, 64, b, feed));
			parent := pg_catalog.to_regclass(pg_catalog.format(
				'gtfs2pgsql_buckets.%I', leaf || '_' || bucket));
			IF parent IS NULL THEN
				LOCK TABLE gtfs2pgsql.feeds IN SHARE ROW EXCLUSIVE MODE;
				parent := pg_catalog.to_regclass(pg_catalog.format(
					'gtfs2pgsql_buckets.%I', leaf || '_' || bucket));
			END IF;
			IF parent IS NULL THEN
				CREATE SCHEMA IF NOT EXISTS gtfs2pgsql_buckets;
				ours := 'gtfs2pgsql_buckets';
				IF NOT (SELECT n.nspowner = me OR (me_super AND s.rolsuper)
					FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles s
					ON s.oid = n.nspowner WHERE n.nspname = ours)
				THEN
					RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
						MESSAGE = 'schema ' || ours || ' was made by another role';
				END IF;
				COMMENT ON SCHEMA gtfs2pgsql_buckets IS 'gtfs2pgsql: the '
					'cross-feed tables'' hash partitions, each partitioned '
					'by feed_id';
				EXECUTE pg_catalog.format('CREATE TABLE gtfs2pgsql_buckets.%I '
					'(LIKE %s INCLUDING CONSTRAINTS) PARTITION BY LIST (feed_id)',
					leaf || '_' || bucket, top);
				EXECUTE pg_catalog.format('ALTER TABLE %s ATTACH PARTITION '
					'gtfs2pgsql_buckets.%I FOR VALUES WITH (MODULUS 64, '
					'REMAINDER %s)', top, leaf || '_' || bucket, bucket);
				parent := pg_catalog.format('gtfs2pgsql_buckets.%I',
					leaf || '_' || bucket)::pg_catalog.regclass;
			END IF;
		END IF;
-- a partition of feed left behind by a drop
		FOR r IN SELECT c.oid::pg_catalog.regclass AS t
			FROM pg_catalog.pg_class c WHERE c.oid IN (
				SELECT s.objid FROM pg_catalog.pg_depend s
				WHERE s.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
				AND s.refobjid = pg_catalog.to_regnamespace('gtfs2pgsql_dropped')
				AND s.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
			AND EXISTS (SELECT FROM pg_catalog.pg_inherits i
				WHERE i.inhrelid = c.oid AND i.inhparent = parent)
			AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) = bound
		LOOP
			EXECUTE 'DROP TABLE ' || r.t;
		END LOOP;
		EXECUTE pg_catalog.format('ALTER TABLE %s ATTACH PARTITION '
			'%s FOR VALUES IN (%L)', parent, sub, feed);
	END IF;
-- partitions have the same columns: a column one side lacks is added
	IF EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = staged
		AND a.attnum > 0 AND NOT a.attisdropped AND NOT EXISTS (SELECT
		FROM pg_catalog.pg_attribute b WHERE b.attrelid = top
		AND b.attname = a.attname AND NOT b.attisdropped))
	THEN
		LOCK TABLE gtfs2pgsql.feeds IN SHARE ROW EXCLUSIVE MODE;
	END IF;
	FOR r IN SELECT a.attname, a.atttypid, a.atttypmod, b.atttypid AS other,
		b.atttypmod AS other_mod, a.attrelid = top AS on_top
		FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attribute b
		ON b.attrelid = CASE WHEN a.attrelid = top THEN staged ELSE top END
		AND b.attname = a.attname AND b.attnum > 0 AND NOT b.attisdropped
		WHERE a.attrelid IN (top, staged)
		AND a.attnum > 0 AND NOT a.attisdropped
		AND (b.attname IS NULL OR b.atttypid <> a.atttypid
			OR b.atttypmod <> a.atttypmod)
	LOOP
		IF r.other IS NOT NULL THEN
			RAISE EXCEPTION 'column % of % is % in gtfs2pgsql.% but % here',
				r.attname, leaf,
				pg_catalog.format_type(CASE WHEN r.on_top THEN r.atttypid
					ELSE r.other END, CASE WHEN r.on_top THEN r.atttypmod
					ELSE r.other_mod END), leaf,
				pg_catalog.format_type(CASE WHEN r.on_top THEN r.other
					ELSE r.atttypid END, CASE WHEN r.on_top THEN r.other_mod
					ELSE r.atttypmod END);
		END IF;
		EXECUTE pg_catalog.format('ALTER TABLE %s ADD COLUMN %I %s',
			CASE WHEN r.on_top THEN staged::text ELSE top::text END, r.attname,
			pg_catalog.format_type(r.atttypid, r.atttypmod));
	END LOOP;
	EXECUTE pg_catalog.format('ALTER TABLE %s ATTACH PARTITION %s '
		'FOR VALUES IN (%L)', sub, staged, feed);
END LOOP;
IF mode = 'swap' THEN
	FOR r IN SELECT c.relname FROM pg_catalog.pg_class c
		WHERE c.oid IN (SELECT s.objid FROM pg_catalog.pg_depend s
			WHERE s.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
			AND s.refobjid = pg_catalog.to_regnamespace(
				pg_catalog.quote_ident(staging))
			AND s.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
		AND c.relkind = 'r' AND c.relname <> ALL (leaves)
	LOOP
		EXECUTE pg_catalog.format('ALTER TABLE %I.%I SET SCHEMA %I', staging,
			r.relname, target);
	END LOOP;
END IF;
-- the partitions the feed had go, and the schemas that held them
-- (gtfs2pgsql_data_N) once empty
FOR r IN SELECT DISTINCT c.relnamespace FROM pg_catalog.pg_class c
	WHERE c.oid = ANY (cleared)
LOOP
	FOREACH sub IN ARRAY cleared LOOP
		CONTINUE WHEN (SELECT c.relnamespace FROM pg_catalog.pg_class c
			WHERE c.oid = sub) <> r.relnamespace;
		EXECUTE 'DROP TABLE ' || sub;
	END LOOP;
	IF pg_catalog.starts_with(r.relnamespace::pg_catalog.regnamespace::text,
		'gtfs2pgsql_data_') AND NOT EXISTS (
		SELECT FROM pg_catalog.pg_depend s
		WHERE s.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
		AND s.refobjid = r.relnamespace
		AND s.classid = 'pg_catalog.pg_class'::pg_catalog.regclass)
	THEN
		EXECUTE 'DROP SCHEMA ' || r.relnamespace::pg_catalog.regnamespace;
	END IF;
END LOOP;
IF mode = 'swap' THEN
	EXECUTE pg_catalog.format('ALTER SCHEMA %I RENAME TO %I', staging,
		'gtfs2pgsql_data_' || ns);
	EXECUTE pg_catalog.format('COMMENT ON SCHEMA %I IS %L',
		'gtfs2pgsql_data_' || ns, 'gtfs2pgsql: the partitions of feed '
		|| feed || ', to be queried in schema ' || target);
ELSIF mode = 'drop' AND ns IS NOT NULL THEN
	BEGIN
		EXECUTE pg_catalog.format('DROP SCHEMA %I', target);
	EXCEPTION WHEN dependent_objects_still_exist THEN
		RAISE NOTICE 'schema % is kept: it holds objects of yours', target;
	END;
END IF;
END
$gtfs2pgsql$;
