/*
 * copy.c: COPY FROM STDIN, after psql's handleCopyIn and pg_dump's
 * EndDBCopyMode.
 */
#include "copy.h"

#include "log.h"

bool
copy_begin(CopyStream *cs, PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COPY_IN;

	if (!ok)
	{
		log_error("could not start COPY: %s", PQerrorMessage(conn));
		log_detail("statement: %s", sql);
	}
	PQclear(res);
	cs->conn = conn;
	buf_init(&cs->buf, COPY_MAX_SIZE);
	cs->row_start = 0;
	cs->row_fields = 0;
	cs->discard = false;
	cs->failed = !ok;
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
		log_error("could not send COPY data: %s", PQerrorMessage(cs->conn));
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
	buf_putc(&cs->buf, '\n');
	return copy_flush(cs);
}

bool
copy_end(CopyStream *cs, const char *abort_msg)
{
	PGresult   *res;
	bool		ok;

	ok = abort_msg == NULL && send_buffer(cs);
	buf_free(&cs->buf);
	if (PQputCopyEnd(cs->conn, ok ? NULL : (abort_msg ? abort_msg :
											"aborted by gtfs2pgsql")) <= 0)
	{
		log_error("could not end COPY: %s", PQerrorMessage(cs->conn));
		ok = false;
	}
	while ((res = PQgetResult(cs->conn)) != NULL)
	{
		if (PQresultStatus(res) != PGRES_COMMAND_OK && abort_msg == NULL)
		{
			log_error("COPY failed: %s", PQresultErrorMessage(res));
			ok = false;
		}
		PQclear(res);
	}
	return ok;
}
