/*
 * validate.h: the validator's semantic rules, computed by the server over
 * a feed once it is loaded.
 *
 * Each rule is a file of schema/rules/: one SELECT over the tables of the
 * feed's staging schema "@s" (keyed and analyzed, each row's line still in
 * gtfs2pgsql_line), with the day the rules take for "today" as $1 (a
 * date), giving one row per notice:
 *
 *   file text, line integer, "column" text, code text, severity text,
 *   value text, message text
 *
 * code is one of validator.h's; severity NULL takes the code's (a code of
 * severity "varies" must say).  validate_feed inserts the rows into the
 * feed's import_notices (action "kept": a rule only adds notices), one
 * rule at a time, each a step of the report.  schema/rules/README says how
 * to write one and how to test it.
 */
#ifndef VALIDATE_H
#define VALIDATE_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "ddl.h"
#include "report.h"

/*
 * Runs every rule over the feed in d's schema, as of the day as_of
 * ("YYYY-MM-DD"), in the caller's transaction.  False (logged) when the
 * database failed.
 */
extern bool validate_feed(PGconn *conn, const Ddl *d, const char *as_of,
						  Report *rep);

/*
 * The day "today" is for a load: as_of (an option's value, "YYYY-MM-DD"
 * or "YYYYMMDD") written as "YYYY-MM-DD" into out, or with as_of NULL
 * today's local date.  False (logged) when as_of is no such date.
 */
extern bool validate_as_of(const char *as_of, char out[11]);

#endif
