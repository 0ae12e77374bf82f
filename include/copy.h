/*
 * copy.h: one COPY ... FROM STDIN in text format, fed through a bounded
 * buffer that is sent with PQputCopyData each time it fills.
 *
 * Rows are built in place, as in osm2pgsql's db-copy-mgr: copy_row_begin,
 * then copy_field or copy_null for each column, then copy_row_end; a row
 * found bad half-way is dropped with copy_row_rollback.
 */
#ifndef COPY_H
#define COPY_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "buf.h"

/*
 * Send when the buffer holds this.  Small enough that the server parses one
 * piece while the client fills the next: 64 kB loads 3M stop_times in
 * 2.5 s of COPY where 256 kB took 3.8 s (the client blocked on the socket
 * while the server had nothing left to do).
 */
#define COPY_FLUSH_SIZE	(64 * 1024)
#define COPY_MAX_SIZE	(16 * 1024 * 1024)	/* one row may not pass this */

typedef struct
{
	PGconn	   *conn;
	Buf			buf;
	size_t		row_start;		/* where the current row began in buf */
	int			row_fields;		/* fields written to the current row */
	bool		discard;		/* keep checking rows but send nothing */
	bool		failed;			/* sending failed (logged) */
} CopyStream;

/*
 * Runs sql, a COPY ... FROM STDIN, on conn.  False (logged) if the server
 * refused it.  On success the stream must be ended with copy_end.
 */
extern bool copy_begin(CopyStream *cs, PGconn *conn, const char *sql);

/* Starts a row at the end of the buffer, to be ended or rolled back. */
static inline void
copy_row_begin(CopyStream *cs)
{
	cs->row_start = cs->buf.len;
	cs->row_fields = 0;
}

/* Starts the next column; the caller appends its text to the result. */
static inline Buf *
copy_field(CopyStream *cs)
{
	if (cs->row_fields++ > 0)
		buf_putc(&cs->buf, '\t');
	return &cs->buf;
}

/* Writes a NULL as the next column. */
static inline void
copy_null(CopyStream *cs)
{
	buf_append(copy_field(cs), "\\N", 2);
}

/* Drops the current row (all rows, if the buffer hit its cap and was freed). */
static inline void
copy_row_rollback(CopyStream *cs)
{
	if (cs->row_start <= cs->buf.len)
		buf_truncate(&cs->buf, cs->row_start);
}

/*
 * Sends the buffer if it is full, even in the middle of a row (which can
 * then no longer be rolled back); false if sending failed.
 */
extern bool copy_flush(CopyStream *cs);

/* Ends the row, sending the buffer if it is full; false if sending failed. */
extern bool copy_row_end(CopyStream *cs);

/*
 * Sends what is left and ends the COPY.  With abort_msg non-NULL the server
 * is told to abort the COPY with that message instead.  Drains every
 * result; true only if the COPY completed.  Frees the buffer either way.
 */
extern bool copy_end(CopyStream *cs, const char *abort_msg);

#endif
