/*
 * copy.c: COPY FROM STDIN, after psql's handleCopyIn and pg_dump's
 * EndDBCopyMode.
 */
#include "copy.h"

#include "db.h"
#include "log.h"

bool
copy_begin(CopyStream *cs, PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COPY_IN;

	if (!ok)
	{
		db_log_error(conn, res, "could not start COPY");
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
	/* an append past the cap freed the buffer: rows were lost */
	if (!buf_putc(&cs->buf, '\n') || cs->buf.lost)
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
	buf_free(&cs->buf);
	if (PQputCopyEnd(cs->conn, ok ? NULL : (abort_msg ? abort_msg :
											"aborted by gtfs2pgsql")) <= 0)
	{
		log_error("could not end COPY: %s", PQerrorMessage(cs->conn));
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
