/*
 * db.h: the connection and the statements that are not COPY.
 */
#ifndef DB_H
#define DB_H

#include <libpq-fe.h>
#include <stdbool.h>

typedef struct
{
	const char *dbname;			/* a name, a conninfo string or a URI */
	const char *host;
	const char *port;
	const char *user;
	bool		prompt_password;	/* -W */
	const char *progname;		/* fallback_application_name */
} DbParams;

/*
 * Connects like PostgreSQL's connectDatabase: unset parameters come from
 * the PG* environment, dbname may be a full conninfo or URI, a password is
 * asked for when the server wants one.  Then sets a safe search_path and
 * UTF8 client encoding.  Logs and returns NULL on failure; PQfinish it.
 */
extern PGconn *db_connect(const DbParams *params);

/* Runs a statement that returns no rows; false (logged) on failure. */
extern bool db_exec(PGconn *conn, const char *sql);

/*
 * Runs a query, optionally with text parameters; the result or NULL
 * (logged) on failure.  PQclear the result.
 */
extern PGresult *db_query(PGconn *conn, const char *sql, int nparams,
						  const char *const *params);

/* name quoted as an SQL identifier; PQfreemem it.  NULL (logged) on error. */
extern char *db_ident(PGconn *conn, const char *name);

#endif
