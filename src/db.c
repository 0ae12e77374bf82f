/*
 * db.c: connecting like createdb, running statements, quoting names.
 */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

PGconn *
db_connect(const DbParams *p)
{
	const char *keywords[7];
	const char *values[7];
	char	   *password = NULL;
	PGconn	   *conn;
	PGresult   *res;

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

		if (p->prompt_password && password == NULL)
			password = getpass("Password: ");
		values[3] = password;
		conn = PQconnectdbParams(keywords, values, 1);
		if (conn == NULL)
		{
			log_error("out of memory");
			return NULL;
		}
		/* like createdb: ask once when the server wants a password */
		if (PQstatus(conn) == CONNECTION_BAD &&
			PQconnectionNeedsPassword(conn) && password == NULL &&
			isatty(fileno(stdin)))
		{
			PQfinish(conn);
			password = getpass("Password: ");
			continue;
		}
		break;
	}
	if (PQstatus(conn) == CONNECTION_BAD)
	{
		log_error("could not connect to database: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	/* server notices such as "already exists, skipping" are noise here */
	res = PQexec(conn, "SELECT pg_catalog.set_config('search_path', '', false), "
				 "pg_catalog.set_config('client_min_messages', 'warning', false)");
	if (PQresultStatus(res) != PGRES_TUPLES_OK ||
		PQsetClientEncoding(conn, "UTF8") != 0)
	{
		log_error("could not set up the session: %s", PQerrorMessage(conn));
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	return conn;
}

bool
db_exec(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
		PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
	{
		log_error("%s", PQresultErrorMessage(res));
		log_detail("statement: %s", sql);
	}
	PQclear(res);
	return ok;
}

PGresult *
db_query(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL,
								   NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		log_error("%s", PQresultErrorMessage(res));
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
