/*
 * copy.c: COPY FROM STDIN, after psql's handleCopyIn and pg_dump's
 * EndDBCopyMode; COPY TO STDOUT, after psql's handleCopyOut.
 */
#include "copy.h"

#include "db.h"
#include "log.h"

/* What begins and ends a binary COPY stream. */
static const char binary_header[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
#define BINARY_HEADER_SIZE 19	/* signature 11, flags 4, extension 4 */
static const char binary_trailer[] = "\377\377";

bool
copy_begin(CopyStream *cs, PGconn *conn, const char *sql, int binary_fields)
{
	PGresult   *res;
	bool		ok = db_run(conn, sql, 0, NULL, NULL, "could not start COPY",
							&res) == DB_DONE;

	if (ok && PQresultStatus(res) != PGRES_COPY_IN)
	{
		log_error("could not start COPY: not a COPY FROM STDIN");
		ok = false;
	}
	if (!ok && !db_canceled())
		log_detail("statement: %s", sql);
	PQclear(res);
	cs->conn = conn;
	buf_init(&cs->buf, COPY_MAX_SIZE);
	cs->row_start = 0;
	cs->row_fields = 0;
	cs->binary_fields = binary_fields;
	cs->field_start = 0;
	cs->field_open = false;
	cs->discard = false;
	cs->failed = !ok;
	/* sent at once, so that a stream discarded later stays well-formed */
	if (ok && binary_fields > 0 &&
		PQputCopyData(conn, binary_header, BINARY_HEADER_SIZE) <= 0)
	{
		db_log_error(conn, NULL, "could not send COPY data");
		cs->failed = true;
		ok = false;
	}
	return ok;
}

static bool
send_buffer(CopyStream *cs)
{
	if (cs->buf.len == 0 || cs->failed)
		return !cs->failed;
	if (cs->discard)
	{
		buf_reset(&cs->buf);
		return true;
	}
	if (PQputCopyData(cs->conn, cs->buf.data, (int) cs->buf.len) <= 0)
	{
		db_log_error(cs->conn, NULL, "could not send COPY data");
		cs->failed = true;
		return false;
	}
	buf_reset(&cs->buf);
	return true;
}

bool
copy_flush(CopyStream *cs)
{
	if (cs->buf.len >= COPY_FLUSH_SIZE)
		return send_buffer(cs);
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
	return copy_flush(cs);
}

bool
copy_end(CopyStream *cs, const char *abort_msg)
{
	PGresult   *res;
	bool		ok;

	ok = abort_msg == NULL && send_buffer(cs);
	/* even a discarded binary stream ends with its trailer */
	if (ok && cs->binary_fields > 0 &&
		PQputCopyData(cs->conn, binary_trailer, 2) <= 0)
	{
		db_log_error(cs->conn, NULL, "could not send COPY data");
		ok = false;
	}
	buf_free(&cs->buf);
	if (PQputCopyEnd(cs->conn, ok ? NULL : (abort_msg ? abort_msg :
											"aborted by gtfs2pgsql")) <= 0)
	{
		db_log_error(cs->conn, NULL, "could not end COPY");
		ok = false;
	}
	for (;;)
	{
		res = PQgetResult(cs->conn);
		if (res == NULL)
			break;
		/* as psql's handleCopyIn: still in COPY if ending it failed */
		if (PQresultStatus(res) == PGRES_COPY_IN)
		{
			PQclear(res);
			ok = false;
			if (PQputCopyEnd(cs->conn, "trying to exit copy mode") <= 0 ||
				PQstatus(cs->conn) != CONNECTION_OK)
				break;
			continue;
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK && abort_msg == NULL)
		{
			db_log_error(cs->conn, res, "COPY failed");
			ok = false;
		}
		PQclear(res);
	}
	return ok;
}

bool
copy_out_begin(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COPY_OUT;

	if (!ok)
		db_log_error(conn, res, "COPY failed");
	PQclear(res);
	return ok;
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
