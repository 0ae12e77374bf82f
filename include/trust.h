/*
 * trust.h: a load, a drop and a swap touch only objects that no other
 * role could have made or changed, so that no other role's code ever runs
 * as the role that runs gtfs2pgsql (an index expression, a trigger, a
 * default, a policy, a rule, a view).
 *
 * The objects gtfs2pgsql reuses are the schemas gtfs2pgsql (the registry
 * and the cross-feed tables), gtfs2pgsql_buckets, gtfs2pgsql_dropped, a
 * feed's schema and its data schema gtfs2pgsql_data_N, and every relation
 * in them.  Each must belong to the role that runs the load (or, when that
 * role is a superuser, to a superuser: another superuser could do anything
 * anyway).  Membership in the owning role is not enough: code that another
 * member put there would run as us, and RESET ROLE undoes a SET ROLE.  No
 * role but its owner may create objects in these schemas, and nothing on
 * their relations may call a function that belongs to a role other than
 * ours or a superuser.
 */
#ifndef TRUST_H
#define TRUST_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "db.h"

/*
 * SQL, with aliases no DO block's variable has: the oid of the role that
 * runs us; whether the role of oid expression role is a superuser; whether
 * an object of that role is ours by the rule above.
 */
#define TRUST_ME \
	"(SELECT tr.oid FROM pg_catalog.pg_roles tr WHERE tr.rolname = CURRENT_USER)"
#define TRUST_SUPER(role) \
	"(SELECT ts.rolsuper FROM pg_catalog.pg_roles ts WHERE ts.oid = " role ")"
#define TRUST_OWNER_OK(role) \
	"(" role " = " TRUST_ME " OR (" TRUST_SUPER(role) " AND " \
	TRUST_SUPER(TRUST_ME) "))"
/*
 * SQL: the objects of the schemas above, for the feed schema named by
 * the text expression schema_expr (the shared schemas only when it names
 * one of them), that break the rule, as rows (object text, problem text),
 * schemas first.
 */
#define TRUST_OFFENDERS(schema_expr) \
	"WITH tns AS (SELECT tn.oid, tn.nspname, tn.nspowner, tn.nspacl " \
	"FROM pg_catalog.pg_namespace tn WHERE tn.nspname IN (" schema_expr ", " \
	"'gtfs2pgsql', 'gtfs2pgsql_buckets', 'gtfs2pgsql_dropped') " \
	"OR tn.nspname = (SELECT 'gtfs2pgsql_data_' || tt.oid " \
	"FROM pg_catalog.pg_namespace tt WHERE tt.nspname = " schema_expr ")), " \
	"ttab AS (" DB_SCHEMA_RELATIONS("ANY (SELECT tns.oid FROM tns)") "), " \
	"trel AS (SELECT tc.oid, tc.relowner FROM pg_catalog.pg_class tc " \
	"WHERE tc.oid IN (SELECT ttab.objid FROM ttab) " \
	"UNION SELECT ti.indexrelid, 0 FROM pg_catalog.pg_index ti " \
	"WHERE ti.indrelid IN (SELECT ttab.objid FROM ttab)), " \
	"tcode AS (SELECT td.classid, td.objid, tp.oid AS fn, tp.proowner " \
	"FROM pg_catalog.pg_depend td JOIN pg_catalog.pg_proc tp " \
	"ON tp.oid = td.refobjid " \
	"WHERE td.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND (" \
	"(td.classid = 'pg_catalog.pg_class'::pg_catalog.regclass " \
	"AND td.objid IN (SELECT trel.oid FROM trel)) " \
	"OR (td.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass " \
	"AND td.objid IN (SELECT tt.oid FROM pg_catalog.pg_trigger tt " \
	"WHERE tt.tgrelid IN (SELECT trel.oid FROM trel))) " \
	"OR (td.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass " \
	"AND td.objid IN (SELECT tpo.oid FROM pg_catalog.pg_policy tpo " \
	"WHERE tpo.polrelid IN (SELECT trel.oid FROM trel))) " \
	"OR (td.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass " \
	"AND td.objid IN (SELECT tw.oid FROM pg_catalog.pg_rewrite tw " \
	"WHERE tw.ev_class IN (SELECT trel.oid FROM trel))) " \
	"OR (td.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass " \
	"AND td.objid IN (SELECT ta.oid FROM pg_catalog.pg_attrdef ta " \
	"WHERE ta.adrelid IN (SELECT trel.oid FROM trel))) " \
	"OR (td.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass " \
	"AND td.objid IN (SELECT tk.oid FROM pg_catalog.pg_constraint tk " \
	"WHERE tk.conrelid IN (SELECT trel.oid FROM trel))))) " \
	"SELECT tany.object, tany.problem FROM (" \
	"SELECT 1 AS rank, 'schema ' || pg_catalog.quote_ident(tns.nspname) AS object, " \
	"'belongs to role ' || pg_catalog.quote_ident(" \
	"pg_catalog.pg_get_userbyid(tns.nspowner)) AS problem FROM tns " \
	"WHERE NOT " TRUST_OWNER_OK("tns.nspowner") " " \
	"UNION ALL SELECT 2, 'schema ' || pg_catalog.quote_ident(tns.nspname), " \
	"'lets ' || CASE WHEN ta.grantee = 0 THEN 'every role' ELSE 'role ' || " \
	"pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(ta.grantee)) END || " \
	"' create objects in it' FROM tns, " \
	"LATERAL pg_catalog.aclexplode(tns.nspacl) ta " \
	"WHERE ta.privilege_type = 'CREATE' AND ta.grantee <> tns.nspowner " \
	"AND (ta.grantee = 0 OR NOT " TRUST_SUPER("ta.grantee") ") " \
	"UNION ALL SELECT 3, 'relation ' || tc.oid::pg_catalog.regclass::text, " \
	"'belongs to role ' || pg_catalog.quote_ident(" \
	"pg_catalog.pg_get_userbyid(tc.relowner)) FROM pg_catalog.pg_class tc " \
	"WHERE tc.oid IN (SELECT trel.oid FROM trel WHERE trel.relowner <> 0) " \
	"AND NOT " TRUST_OWNER_OK("tc.relowner") " " \
	"UNION ALL SELECT 4, pg_catalog.pg_describe_object(tcode.classid, " \
	"tcode.objid, 0), 'calls ' || tcode.fn::pg_catalog.regprocedure::text || " \
	"', which belongs to role ' || pg_catalog.quote_ident(" \
	"pg_catalog.pg_get_userbyid(tcode.proowner)) FROM tcode " \
	"WHERE tcode.proowner <> " TRUST_ME " " \
	"AND NOT " TRUST_SUPER("tcode.proowner") ") AS tany " \
	"ORDER BY tany.rank, tany.object"

/*
 * SQL for a DO block: raises insufficient_privilege
 * (42501) naming the first object of TRUST_OFFENDERS(schema_expr); needs
 * a variable r of type record.
 */
#define TRUST_DO(schema_expr) \
	"FOR r IN " TRUST_OFFENDERS(schema_expr) " LOOP\n" \
	"\tRAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', " \
	"MESSAGE = r.object || ' ' || r.problem, HINT = " \
	"'gtfs2pgsql uses only what the role that runs it owns';\n" \
	"END LOOP;\n"

/*
 * Whether the role of conn may load into schema (NULL: may use the
 * shared schemas, as a drop does first): nothing there breaks the rule
 * above, and it holds the privileges a load needs (CREATE on the
 * database; PostGIS there, or the right to create it, when geometry), in
 * a database whose encoding holds any feed's text (UTF8, SQL_ASCII).
 * 1 if so; 0 if not (logged, each object named with its owner, and a
 * hint with what to run); -1 (logged) when the database failed.  Reads
 * only the catalogs, so that it runs nothing of anyone's.
 */
extern int	trust_load_allowed(PGconn *conn, const char *schema,
							   bool geometry);

#endif
