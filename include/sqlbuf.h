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
 * subst['x' - 'a'], appended as it is: the caller quotes what it gives.
 * False when the buffer is full or a letter has no substitute (NULL),
 * which is a slip of the template's writer.
 */
extern bool sqlbuf_template(Buf *sql, const char *template,
							const char *const subst[26]);

#endif
