/*
 * check.h: what can only be checked once a file is in the database: that
 * its key is unique and that its references point somewhere.
 *
 * The server finds the offending rows by the line each came from (the
 * staging tables' DDL_LINE_COLUMN); what is found becomes notices.
 */
#ifndef CHECK_H
#define CHECK_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "ddl.h"
#include "notice.h"
#include "report.h"
#include "source.h"

typedef struct
{
	PGconn	   *conn;
	const Ddl  *ddl;			/* names the tables being checked */
	FeedSource *src;
	Notices    *notices;
	bool		strict;			/* list errors on stderr */
	long		max_errors;		/* ... up to this many in all */
	const int  *columns;		/* per field of the file checked: its
								 * column, 1-based, or 0 */
	Report	   *rep;			/* each key and check is a step of it */
} CheckRun;

/*
 * Makes the key of cat's table over the key fields in present (bit i: field
 * i is a column of the file), leaving out the rows with an empty required
 * key field of unkeyed (see ddl_key).  Every row after the first of a key is
 * deleted and set aside (a duplicate_key notice with the record read again
 * from the member); *set_aside gets their count.  False (logged) when the
 * database failed.
 */
extern bool check_key(CheckRun *cr, const CatalogFile *cat, uint64_t present,
					  uint64_t unkeyed, long *set_aside);

/*
 * Checks the references (and time zones) of cat's fields in present: one
 * notice per value that names nothing, inserted into import_notices by the
 * server, the rows left as they are.  False (logged) when the database
 * failed.
 */
extern bool check_references(CheckRun *cr, const CatalogFile *cat,
							 uint64_t present);

#endif
