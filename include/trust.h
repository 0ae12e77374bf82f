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
 * SQL: the oid of the role that runs us; whether the role of oid
 * expression role is a superuser.
 */
#define TRUST_ME \
	"(SELECT tr.oid FROM pg_catalog.pg_roles tr WHERE tr.rolname = CURRENT_USER)"
#define TRUST_SUPER(role) \
	"(SELECT ts.rolsuper FROM pg_catalog.pg_roles ts WHERE ts.oid = " role ")"

/*
 * Sets, for the rest of conn's transaction, the setting
 * gtfs2pgsql.trust_offenders to the query of the objects that break the
 * rule (schema/sql/trust_offenders.sql, which takes the feed's schema as
 * $1), which the DO blocks of schema/sql/ run with EXECUTE ... USING right
 * after they take their locks: a DO block takes no parameters, and one
 * query states the rule for them and for trust_load_allowed.  False
 * (logged) on failure.
 */
extern bool trust_set_check(PGconn *conn);

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
