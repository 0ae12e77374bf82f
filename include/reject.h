/*
 * reject.h: rows set aside under --skip-invalid, kept in a temporary file
 * (so that memory does not grow with their number) until they are copied
 * into the table import_errors(file, line, column, value, message).
 */
#ifndef REJECT_H
#define REJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "ddl.h"

typedef struct Rejects Rejects;

/* An empty set; NULL (logged) on failure.  Free with reject_destroy. */
extern Rejects *reject_create(void);

/*
 * Frees rj and closes (so deletes) its temporary file; rows not yet
 * stored are lost.  rj may be NULL.
 */
extern void reject_destroy(Rejects *rj);

/*
 * Records one rejected row: line 0 and column NULL when unknown; value may
 * be NULL.  False (logged) when the temporary file cannot be written.
 */
extern bool reject_add(Rejects *rj, const char *file, long line,
					   const char *column, const char *value, size_t value_len,
					   const char *message);

/* Whether the row of file on line was rejected already. */
extern bool reject_has(const Rejects *rj, const char *file, long line);

/* Rows recorded for file so far. */
extern long reject_count(const Rejects *rj, const char *file);

/*
 * Creates import_errors in d's schema and copies the rows in; false
 * (logged).
 */
extern bool reject_store(Rejects *rj, PGconn *conn, const Ddl *d);

#endif
