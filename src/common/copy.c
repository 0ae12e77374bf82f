/*
 * copy.c: COPY FROM STDIN, after psql's handleCopyIn and pg_dump's
 * EndDBCopyMode; COPY TO STDOUT, after psql's handleCopyOut.
 */
#include "copy.h"

#include <errno.h>
#include <poll.h>

#include "db.h"
#include "log.h"

/* What begins and ends a binary COPY stream. */
static const char binary_header[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
#define BINARY_HEADER_SIZE 19	/* signature 11, flags 4, extension 4 */
static const char binary_trailer[] = "\377\377";
#define COPY_WAIT_MS	100		/* how often a wait looks for a cancel */

/* Sends the binary header on conn: false (logged) if it could not. */
static bool
send_header(PGconn *conn)
{
	if (PQputCopyData(conn, binary_header, BINARY_HEADER_SIZE) > 0)
		return true;
	db_log_error(conn, NULL, "could not send COPY data");
	return false;
}

/*
 * Runs sql on conn: false (logged) if it did not start a COPY in the
 * direction want (PGRES_COPY_IN or PGRES_COPY_OUT).
 */
static bool
begin_copy(PGconn *conn, const char *sql, ExecStatusType want)
{
	PGresult   *res;
	bool		ok = db_run(conn, sql, 0, NULL, NULL, "could not start COPY",
							&res) == DB_DONE;

	if (ok && PQresultStatus(res) != want)
	{
		log_error("could not start COPY: not a %s", want == PGRES_COPY_IN ?
				  "COPY FROM STDIN" : "COPY TO STDOUT");
		ok = false;
	}
	PQclear(res);
	return ok;
}

/* Runs sql on conn: false (logged) if it did not start a COPY FROM STDIN. */
static bool
start_copy(PGconn *conn, const char *sql)
{
	bool		ok = begin_copy(conn, sql, PGRES_COPY_IN);

	if (!ok && !db_canceled())
		log_detail("statement: %s", sql);
	return ok;
}

bool
copy_begin(CopyStream *cs, PGconn *conn, const char *sql, int binary_fields)
{
	bool		ok = start_copy(conn, sql);

	cs->conns[0] = conn;
	cs->conns[1] = NULL;
	cs->nconns = 1;
	cs->last = 0;
	cs->row_split = false;
	buf_init(&cs->buf, COPY_MAX_SIZE);
	cs->row_start = 0;
	cs->row_fields = 0;
	cs->binary_fields = binary_fields;
	cs->field_start = 0;
	cs->field_open = false;
	cs->discard = false;
	/* sent at once, so that a stream discarded later stays well-formed */
	cs->failed = !(ok && (binary_fields == 0 || send_header(conn)));
	return !cs->failed;
}

bool
copy_share(CopyStream *cs, PGconn *conn2, const char *sql)
{
	if (cs->failed)
		return false;
	if (!start_copy(conn2, sql))
	{
		cs->failed = true;
		return false;
	}
	cs->conns[1] = conn2;
	cs->nconns = 2;
	/*
	 * Non-blocking: a piece goes to a server that has taken in the last
	 * one, while the other may still be reading its own.
	 */
	for (int c = 0; c < 2; c++)
		if (PQsetnonblocking(cs->conns[c], 1) != 0)
		{
			db_log_error(cs->conns[c], NULL, "could not send COPY data");
			cs->failed = true;
		}
	if (!cs->failed && cs->binary_fields > 0 && !send_header(conn2))
		cs->failed = true;
	return !cs->failed;
}

/*
 * Waits until one of conns[want] (want 0 or 1), or of both (want -1), has
 * sent all it was given, the other one first (they take turns).  Returns
 * its index, or -1 (logged unless canceled) if sending failed.
 */
static int
drained_connection(CopyStream *cs, int want)
{
	for (;;)
	{
		struct pollfd pfd[2];

		for (int k = 0; k < 2; k++)
		{
			int			c = (cs->last + 1 + k) % 2;
			int			r;

			if (want >= 0 && c != want)
				continue;
			r = PQflush(cs->conns[c]);
			if (r < 0)
			{
				db_log_error(cs->conns[c], NULL, "could not send COPY data");
				return -1;
			}
			if (r == 0)
				return c;
		}
		if (db_canceled())
			return -1;
		/* as libpq says: readable, consume; writable, flush again */
		for (int c = 0; c < 2; c++)
		{
			pfd[c].fd = PQsocket(cs->conns[c]);
			pfd[c].events = POLLIN | POLLOUT;
			pfd[c].revents = 0;
		}
		if (poll(pfd, 2, COPY_WAIT_MS) < 0 && errno != EINTR)
		{
			log_error("could not wait for the server: %m");
			return -1;
		}
		for (int c = 0; c < 2; c++)
			if ((pfd[c].revents & POLLIN) && !PQconsumeInput(cs->conns[c]))
			{
				db_log_error(cs->conns[c], NULL, "could not send COPY data");
				return -1;
			}
	}
}

/* Sends the buffer; row_ended: it ends at the end of a row. */
static bool
send_buffer(CopyStream *cs, bool row_ended)
{
	int			c = 0;

	if (cs->buf.len == 0 || cs->failed)
		return !cs->failed;
	if (cs->discard)
	{
		buf_reset(&cs->buf);
		return true;
	}
	if (cs->nconns == 2)
		c = drained_connection(cs, cs->row_split ? cs->last : -1);
	if (c < 0 || PQputCopyData(cs->conns[c], cs->buf.data,
							   (int) cs->buf.len) <= 0)
	{
		if (c >= 0)
			db_log_error(cs->conns[c], NULL, "could not send COPY data");
		cs->failed = true;
		return false;
	}
	cs->last = c;
	cs->row_split = !row_ended;
	buf_reset(&cs->buf);
	return true;
}

bool
copy_flush(CopyStream *cs)
{
	if (cs->buf.len >= COPY_FLUSH_SIZE)
		return send_buffer(cs, false);
	return !cs->failed;
}

bool
copy_row_end(CopyStream *cs)
{
	bool		ok;

	if (cs->binary_fields > 0)
	{
		copy_close_field(cs);
		ok = true;
	}
	else
		ok = buf_putc(&cs->buf, '\n');
	/* an append past the cap freed the buffer: rows were lost */
	if (!ok || cs->buf.lost)
	{
		log_error("COPY buffer over its cap of %d bytes", COPY_MAX_SIZE);
		cs->failed = true;
	}
	if (cs->buf.len >= COPY_FLUSH_SIZE)
		return send_buffer(cs, true);
	return !cs->failed;
}

/*
 * Ends the COPY on conn: ok, the trailer (binary) and the end, else the
 * abort (abort_msg, or a message of ours); drains every result.  True
 * only if the COPY completed.
 */
static bool
end_copy(CopyStream *cs, PGconn *conn, bool ok, const char *abort_msg)
{
	PGresult   *res;

	/* even a discarded binary stream ends with its trailer */
	if (ok && cs->binary_fields > 0 &&
		PQputCopyData(conn, binary_trailer, 2) <= 0)
	{
		db_log_error(conn, NULL, "could not send COPY data");
		ok = false;
	}
	if (PQputCopyEnd(conn, ok ? NULL : (abort_msg ? abort_msg :
										"aborted by gtfs2pgsql")) <= 0)
	{
		db_log_error(conn, NULL, "could not end COPY");
		ok = false;
	}
	for (;;)
	{
		res = PQgetResult(conn);
		if (res == NULL)
			break;
		/* as psql's handleCopyIn: still in COPY if ending it failed */
		if (PQresultStatus(res) == PGRES_COPY_IN)
		{
			PQclear(res);
			ok = false;
			if (PQputCopyEnd(conn, "trying to exit copy mode") <= 0 ||
				PQstatus(conn) != CONNECTION_OK)
				break;
			continue;
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK && abort_msg == NULL)
		{
			db_log_error(conn, res, "COPY failed");
			ok = false;
		}
		PQclear(res);
	}
	return ok;
}

bool
copy_end(CopyStream *cs, const char *abort_msg)
{
	bool		ok = abort_msg == NULL && send_buffer(cs, true);

	buf_free(&cs->buf);
	/* each drained, then blocking again: ending it waits for the server */
	for (int c = 0; c < cs->nconns && cs->nconns == 2; c++)
		if (drained_connection(cs, c) < 0 ||
			PQsetnonblocking(cs->conns[c], 0) != 0)
			ok = false;
	/* the second aborted quietly when the first failed (logged) */
	for (int c = 0; c < cs->nconns; c++)
		ok = end_copy(cs, cs->conns[c], ok, abort_msg == NULL && !ok &&
					  c > 0 ? "aborted by gtfs2pgsql" : abort_msg) && ok;
	return ok;
}

bool
copy_out_begin(PGconn *conn, const char *sql)
{
	return begin_copy(conn, sql, PGRES_COPY_OUT);
}

int
copy_out_row(PGconn *conn, char **row)
{
	PGresult   *res;
	int			len = PQgetCopyData(conn, row, 0);
	bool		ok = len == -1;

	if (len > 0)
		return len;
	if (len == -2)
		db_log_error(conn, NULL, "COPY failed");
	/* as pg_dump's EndDBCopyMode: the COPY's result, then no other */
	while ((res = PQgetResult(conn)) != NULL)
	{
		if (PQresultStatus(res) != PGRES_COMMAND_OK && len == -1)
		{
			db_log_error(conn, res, "COPY failed");
			ok = false;
		}
		PQclear(res);
	}
	return ok ? 0 : -1;
}

void
copy_out_cancel(PGconn *conn)
{
	PGcancel   *cancel = PQgetCancel(conn);
	char		errbuf[256];
	char	   *row;
	PGresult   *res;

	if (cancel)
		PQcancel(cancel, errbuf, sizeof(errbuf));
	PQfreeCancel(cancel);
	/* what the server sent before it stopped: read and dropped */
	while (PQgetCopyData(conn, &row, 0) > 0)
		PQfreemem(row);
	/* "canceling statement due to user request", or the COPY's end */
	while ((res = PQgetResult(conn)) != NULL)
		PQclear(res);
}
