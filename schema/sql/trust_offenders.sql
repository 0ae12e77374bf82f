-- The objects that break trust.h's rule, for the feed schema $1 (the
-- shared schemas only when $1 names one of them), as rows (object text,
-- problem text), schemas first.  Run by trust.c (trust_load_allowed) and,
-- through EXECUTE ... USING, by the DO blocks of swap.sql, which read it
-- from the setting gtfs2pgsql.trust_offenders: one query, one rule.
-- Aliases start with t so that no DO block's variable is shadowed.
-- sqlfiles.sh parameters: 'gtfs2pgsql'
WITH tns AS (
	SELECT tn.oid, tn.nspname, tn.nspowner, tn.nspacl
	FROM pg_catalog.pg_namespace tn
	WHERE tn.nspname IN ($1::text, 'gtfs2pgsql', 'gtfs2pgsql_buckets',
		'gtfs2pgsql_dropped')
	OR tn.nspname = (SELECT 'gtfs2pgsql_data_' || tt.oid
		FROM pg_catalog.pg_namespace tt WHERE tt.nspname = $1::text)),
-- the relations of these schemas, found through pg_depend (see db.h's
-- DB_SCHEMA_RELATIONS)
ttab AS (
	SELECT d.objid FROM pg_catalog.pg_depend d
	WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
	AND d.refobjid = ANY (SELECT tns.oid FROM tns)
	AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass),
-- with their indexes, whose owner is the table's (0: not checked)
trel AS (
	SELECT tc.oid, tc.relowner FROM pg_catalog.pg_class tc
	WHERE tc.oid IN (SELECT ttab.objid FROM ttab)
	UNION SELECT ti.indexrelid, 0 FROM pg_catalog.pg_index ti
	WHERE ti.indrelid IN (SELECT ttab.objid FROM ttab)),
-- the functions their expressions, triggers, policies, rules, defaults and
-- constraints call
tcode AS (
	SELECT td.classid, td.objid, tp.oid AS fn, tp.proowner
	FROM pg_catalog.pg_depend td JOIN pg_catalog.pg_proc tp
	ON tp.oid = td.refobjid
	WHERE td.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND (
		(td.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
		AND td.objid IN (SELECT trel.oid FROM trel))
		OR (td.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass
		AND td.objid IN (SELECT tt.oid FROM pg_catalog.pg_trigger tt
			WHERE tt.tgrelid IN (SELECT trel.oid FROM trel)))
		OR (td.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass
		AND td.objid IN (SELECT tpo.oid FROM pg_catalog.pg_policy tpo
			WHERE tpo.polrelid IN (SELECT trel.oid FROM trel)))
		OR (td.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
		AND td.objid IN (SELECT tw.oid FROM pg_catalog.pg_rewrite tw
			WHERE tw.ev_class IN (SELECT trel.oid FROM trel)))
		OR (td.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
		AND td.objid IN (SELECT ta.oid FROM pg_catalog.pg_attrdef ta
			WHERE ta.adrelid IN (SELECT trel.oid FROM trel)))
		OR (td.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
		AND td.objid IN (SELECT tk.oid FROM pg_catalog.pg_constraint tk
			WHERE tk.conrelid IN (SELECT trel.oid FROM trel))))),
-- the role that runs us, and whether it is a superuser
tme AS (
	SELECT tr.oid, tr.rolsuper FROM pg_catalog.pg_roles tr
	WHERE tr.rolname = CURRENT_USER),
-- an owner is ours when it is us, or a superuser when we are one
tsuper AS (
	SELECT ts.oid FROM pg_catalog.pg_roles ts WHERE ts.rolsuper)
SELECT tany.object, tany.problem FROM (
	SELECT 1 AS rank,
		'schema ' || pg_catalog.quote_ident(tns.nspname) AS object,
		'belongs to role ' || pg_catalog.quote_ident(
		pg_catalog.pg_get_userbyid(tns.nspowner)) AS problem
	FROM tns, tme
	WHERE tns.nspowner <> tme.oid
	AND NOT (tme.rolsuper AND tns.nspowner IN (SELECT tsuper.oid FROM tsuper))
	UNION ALL
	SELECT 2, 'schema ' || pg_catalog.quote_ident(tns.nspname),
		'lets ' || CASE WHEN ta.grantee = 0 THEN 'every role'
		ELSE 'role ' || pg_catalog.quote_ident(
		pg_catalog.pg_get_userbyid(ta.grantee)) END
		|| ' create objects in it'
	FROM tns, LATERAL pg_catalog.aclexplode(tns.nspacl) ta
	WHERE ta.privilege_type = 'CREATE' AND ta.grantee <> tns.nspowner
	AND (ta.grantee = 0 OR ta.grantee NOT IN (SELECT tsuper.oid FROM tsuper))
	UNION ALL
	SELECT 3, 'relation ' || tc.oid::pg_catalog.regclass::text,
		'belongs to role ' || pg_catalog.quote_ident(
		pg_catalog.pg_get_userbyid(tc.relowner))
	FROM pg_catalog.pg_class tc, tme
	WHERE tc.oid IN (SELECT trel.oid FROM trel WHERE trel.relowner <> 0)
	AND tc.relowner <> tme.oid
	AND NOT (tme.rolsuper AND tc.relowner IN (SELECT tsuper.oid FROM tsuper))
	UNION ALL
	SELECT 4, pg_catalog.pg_describe_object(tcode.classid, tcode.objid, 0),
		'calls ' || tcode.fn::pg_catalog.regprocedure::text
		|| ', which belongs to role ' || pg_catalog.quote_ident(
		pg_catalog.pg_get_userbyid(tcode.proowner))
	FROM tcode, tme
	WHERE tcode.proowner <> tme.oid
	AND tcode.proowner NOT IN (SELECT tsuper.oid FROM tsuper)) AS tany
ORDER BY tany.rank, tany.object
