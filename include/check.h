/*
 * check.h: what can only be checked once a file is in the database: that
 * its key is unique and that its references point somewhere.
 *
 * The server finds the offending values; the member is then read again to
 * name the lines they are on (only on that error path).  Without rejects,
 * each problem is a data error; with rejects (--skip-invalid) the rows are
 * deleted, recorded there, and the load goes on.
 */
#ifndef CHECK_H
#define CHECK_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "ddl.h"
#include "reject.h"
#include "source.h"

typedef struct
{
	PGconn	   *conn;
	const Ddl  *ddl;			/* names the tables being checked */
	FeedSource *src;
	Rejects    *rejects;		/* NULL: problems are data errors */
	long		max_errors;
} CheckRun;

/*
 * Makes the key of cat's table.  Duplicate keys are reported (or deleted,
 * keeping the first row of the file).  False (logged) when the database
 * failed; data errors are counted by log_data_errors().
 */
extern bool check_key(CheckRun *cr, const CatalogFile *cat);

/*
 * Checks the references of cat's fields whose bit is set in present (bit i
 * for field i: a column the file has; the others are all NULL).  Returns
 * as check_key.
 */
extern bool check_references(CheckRun *cr, const CatalogFile *cat,
							 uint64_t present);

#endif
