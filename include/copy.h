/*
 * copy.h: both directions of COPY, as psql's copy.c.
 *
 * COPY ... FROM STDIN in text format, fed through a bounded buffer that is
 * sent with PQputCopyData each time it fills.  Rows are built in place, as
 * in osm2pgsql's db-copy-mgr: copy_row_begin, then copy_field or copy_null
 * for each column, then copy_row_end; a row found bad half-way is dropped
 * with copy_row_rollback.
 *
 * COPY ... TO STDOUT read a row at a time: copy_out_begin, copy_out_row
 * until it says the end, or copy_out_cancel to stop before it.
 */
#ifndef COPY_H
#define COPY_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/*
 * Send when the buffer holds this.  Small enough that the server parses one
 * piece while the client fills the next: 64 kB loads 3M stop_times in
 * 2.5 s of COPY where 256 kB took 3.8 s (the client blocked on the socket
 * while the server had nothing left to do).
 */
#define COPY_FLUSH_SIZE	(64 * 1024)
#define COPY_MAX_SIZE	(32 * 1024 * 1024)	/* the buffer never holds more */

typedef struct
{
	PGconn	   *conns[2];		/* the COPY's connections (copy_share) */
	int			nconns;
	int			last;			/* the one the last piece went to */
	bool		row_split;		/* that piece ended inside a row: the next
								 * goes there too */
	Buf			buf;
	size_t		row_start;		/* where the current row began in buf */
	int			row_fields;		/* fields written to the current row */
	int			binary_fields;	/* binary: fields per row; 0: text */
	size_t		field_begin;	/* where the last field began, separator
								 * or length word included */
	size_t		field_start;	/* binary: the open field's length word */
	bool		field_open;		/* binary: a field awaits its length */
	bool		discard;		/* keep checking rows but send nothing */
	bool		failed;			/* sending failed (logged) */
} CopyStream;

/*
 * Runs sql, a COPY ... FROM STDIN, on conn: in text format, or with
 * binary_fields > 0 in binary format (then sql must say FORMAT binary)
 * with that many fields per row.  False (logged) if the server refused it.
 * On success the stream must be ended with copy_end.
 */
extern bool copy_begin(CopyStream *cs, PGconn *conn, const char *sql,
					   int binary_fields);

/*
 * Starts sql, the same COPY as cs's, on conn2 too, before any row is
 * written: from then on each piece of rows goes to whichever of the two
 * servers has taken in what it was sent before, so that two backends parse
 * and store the rows at once (the server's COPY is one core per
 * connection).  A row is never split between the two, and the rows of each
 * are in the file's order.  The table must be one both can see (committed);
 * each COPY commits with its connection's transaction.  False (logged) if
 * the server refused it; the stream must still be ended with copy_end.
 */
extern bool copy_share(CopyStream *cs, PGconn *conn2, const char *sql);

/* Binary format: writes the length of the field just written. */
static inline void
copy_close_field(CopyStream *cs)
{
	size_t		n;
	unsigned char *p;

	if (!cs->field_open || cs->buf.data == NULL ||
		cs->field_start + 4 > cs->buf.len)
		return;
	n = cs->buf.len - cs->field_start - 4;
	p = (unsigned char *) cs->buf.data + cs->field_start;
	/* one by one, not a loop: one byte swap (see buf_put_be) */
	p[0] = (unsigned char) (n >> 24);
	p[1] = (unsigned char) (n >> 16);
	p[2] = (unsigned char) (n >> 8);
	p[3] = (unsigned char) n;
	cs->field_open = false;
}

/* Starts a row at the end of the buffer, to be ended or rolled back. */
static inline void
copy_row_begin(CopyStream *cs)
{
	cs->row_start = cs->buf.len;
	cs->row_fields = 0;
	cs->field_open = false;
	if (cs->binary_fields > 0)
		buf_put_be(&cs->buf, (uint64_t) cs->binary_fields, 2);
}

/*
 * Starts the next column; the caller appends its value to the result, in
 * the stream's format (conv_field or conv_field_binary).
 */
static inline Buf *
copy_field(CopyStream *cs)
{
	cs->field_begin = cs->buf.len;
	if (cs->binary_fields > 0)
	{
		copy_close_field(cs);
		cs->field_start = cs->buf.len;
		cs->field_open = true;
		buf_put_be(&cs->buf, 0, 4);
	}
	else if (cs->row_fields > 0)
		buf_putc(&cs->buf, '\t');
	cs->row_fields++;
	return &cs->buf;
}

/* Writes a NULL as the next column. */
static inline void
copy_null(CopyStream *cs)
{
	if (cs->binary_fields > 0)
	{
		copy_close_field(cs);
		buf_put_be(&cs->buf, 0xFFFFFFFF, 4);
		cs->row_fields++;
	}
	else
		buf_append(copy_field(cs), "\\N", 2);
}

/*
 * Takes back the field just started with copy_field (its value found
 * bad), so that another, such as copy_null, can take its place.
 */
static inline void
copy_field_undo(CopyStream *cs)
{
	if (cs->field_begin <= cs->buf.len)
		buf_truncate(&cs->buf, cs->field_begin);
	cs->field_open = false;
	cs->row_fields--;
}

/* Drops the current row (all rows, if the buffer hit its cap and was freed). */
static inline void
copy_row_rollback(CopyStream *cs)
{
	if (cs->row_start <= cs->buf.len)
		buf_truncate(&cs->buf, cs->row_start);
	cs->field_open = false;
}

/*
 * Sends the buffer if it is full, even in the middle of a row (which can
 * then no longer be rolled back); false if sending failed.
 */
extern bool copy_flush(CopyStream *cs);

/* Ends the row, sending the buffer if it is full; false if sending failed. */
extern bool copy_row_end(CopyStream *cs);

/*
 * Sends what is left and ends the COPY (on each of its connections).  With
 * abort_msg non-NULL the server is told to abort the COPY with that message
 * instead.  Drains every result; true only if the COPY completed.  Frees the
 * buffer either way.
 */
extern bool copy_end(CopyStream *cs, const char *abort_msg);

/*
 * Runs sql, a COPY ... TO STDOUT, on conn.  False (logged) if the server
 * refused it; else conn is in COPY OUT until copy_out_row returns 0 or
 * -1, or copy_out_cancel.
 */
extern bool copy_out_begin(PGconn *conn, const char *sql);

/*
 * The next row of conn's COPY OUT into *row, in the COPY's format and
 * with its line end (PQfreemem it): its length.  0 when the COPY has
 * ended well, -1 (logged) when it failed; either way it is over and its
 * results drained.
 */
extern int	copy_out_row(PGconn *conn, char **row);

/*
 * Ends the COPY ... TO STDOUT that conn runs, before its end, the rows
 * not wanted (their writer failed): the server is asked to cancel it, the
 * rows it sent meanwhile are dropped, and every result is drained, so
 * that conn takes a new statement (ROLLBACK: the transaction is aborted).
 * Reports nothing: the caller has said why it stopped.
 */
extern void copy_out_cancel(PGconn *conn);

#endif
