/*
 * sqlbuf.h: SQL text built in a Buf: names quoted as identifiers, and
 * templates whose "@x" stand for names given by the caller.
 */
#ifndef SQLBUF_H
#define SQLBUF_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "buf.h"

/* Appends name quoted as an identifier (db_ident); false (logged) on error. */
extern bool sqlbuf_ident(Buf *sql, PGconn *conn, const char *name);

/*
 * Appends template with each "@x" (x a lower-case letter) replaced by
 * subst['x' - 'a'], appended as it is (the caller quotes what it gives;
 * a substitute is not expanded again).  An "@x" whose substitute is NULL
 * stays as it is, so that a template may be filled in two steps (what a
 * first step puts in may hold "@x" of the second).  False when the
 * buffer is full.
 */
extern bool sqlbuf_template(Buf *sql, const char *template,
							const char *const subst[26]);

#endif
