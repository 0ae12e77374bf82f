/*
 * db.c: connecting like createdb, running statements, quoting names.
 */
#include "db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

#define MIN_SERVER_VERSION 150000	/* UNIQUE ... NULLS NOT DISTINCT */
#define SQL_MAX	(16 * 1024 * 1024)

/* The session every load relies on: see db_connect. */
static const char *const session_sql =
"SELECT pg_catalog.set_config('search_path', '', false),\n"
/* keys are matched with the file's text: dates and times print as ISO */
"\tpg_catalog.set_config('datestyle', 'ISO, YMD', false),\n"
"\tpg_catalog.set_config('intervalstyle', 'postgres', false),\n"
/* server notices such as "already exists, skipping" are noise here */
"\tpg_catalog.set_config('client_min_messages', 'warning', false)";

PGconn *
db_connect(const DbParams *p)
{
	const char *keywords[7];
	const char *values[7];
	char	   *password = NULL;
	PGconn	   *conn;
	PGresult   *res;
	bool		ok;

	if (p->prompt_password)
		password = getpass("Password: ");
	for (;;)
	{
		int			n = 0;

		keywords[n] = "host", values[n++] = p->host;
		keywords[n] = "port", values[n++] = p->port;
		keywords[n] = "user", values[n++] = p->user;
		keywords[n] = "password", values[n++] = password;
		keywords[n] = "dbname", values[n++] = p->dbname;
		keywords[n] = "fallback_application_name", values[n++] = p->progname;
		keywords[n] = NULL, values[n] = NULL;
		conn = PQconnectdbParams(keywords, values, 1);
		if (conn == NULL)
		{
			log_error("out of memory");
			return NULL;
		}
		/* like createdb: ask once when the server wants a password */
		if (PQstatus(conn) == CONNECTION_BAD &&
			PQconnectionNeedsPassword(conn) && password == NULL &&
			!p->no_password && isatty(fileno(stdin)))
		{
			PQfinish(conn);
			password = getpass("Password: ");
			continue;
		}
		break;
	}
	if (PQstatus(conn) == CONNECTION_BAD)
	{
		db_log_error(conn, NULL, "could not connect to database");
		PQfinish(conn);
		return NULL;
	}
	if (PQserverVersion(conn) < MIN_SERVER_VERSION)
	{
		log_error("the server runs PostgreSQL %d.%d; gtfs2pgsql needs 15 or "
				  "later", PQserverVersion(conn) / 10000,
				  PQserverVersion(conn) % 10000);
		PQfinish(conn);
		return NULL;
	}
	res = PQexec(conn, session_sql);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK &&
		PQsetClientEncoding(conn, "UTF8") == 0;
	if (!ok)
		db_log_error(conn, res, "could not set up the session");
	PQclear(res);
	if (!ok)
	{
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

void
db_log_error(PGconn *conn, const PGresult *res, const char *what)
{
	const char *primary = res ?
		PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ?
		PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ?
		PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;

	if (primary)
		log_error("%s: %s", what, primary);
	else
		log_error("%s: %s", what, PQerrorMessage(conn));
	if (detail)
		log_detail("%s", detail);
	if (hint)
		log_hint("%s", hint);
}

bool
db_exec(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
		PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
	{
		db_log_error(conn, res, "statement failed");
		log_detail("statement: %s", sql);
	}
	PQclear(res);
	return ok;
}

bool
db_execf(PGconn *conn, const char *fmt,...)
{
	va_list		ap;
	Buf			sql;
	bool		ok = true;

	buf_init(&sql, SQL_MAX);
	va_start(ap, fmt);
	for (const char *p = fmt; ok && *p; p++)
	{
		if (p[0] == '%' && p[1] == 's')
		{
			ok = buf_puts(&sql, va_arg(ap, const char *));
			p++;
		}
		else
			ok = buf_putc(&sql, *p);
	}
	va_end(ap);
	if (!ok)
		log_error("statement too long or out of memory");
	ok = ok && db_exec(conn, sql.data);
	buf_free(&sql);
	return ok;
}

PGresult *
db_query(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL,
								   NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		db_log_error(conn, res, "query failed");
		log_detail("statement: %s", sql);
		PQclear(res);
		return NULL;
	}
	return res;
}

char *
db_ident(PGconn *conn, const char *name)
{
	char	   *q = PQescapeIdentifier(conn, name, strlen(name));

	if (q == NULL)
		log_error("could not quote \"%s\": %s", name, PQerrorMessage(conn));
	return q;
}
