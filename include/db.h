/*
 * db.h: the connection and the statements that are not COPY.
 */
#ifndef DB_H
#define DB_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "log.h"

/* PostgreSQL's limit on names, NUL included */
#define NAMEDATALEN	64

/*
 * SQL: the relations of schema ns_expr (an oid expression), found through
 * their dependencies on it: pg_class has no index on the schema alone, and
 * a database of a thousand feeds has hundreds of thousands of relations.
 */
#define DB_SCHEMA_RELATIONS(ns_expr) \
	"SELECT d.objid FROM pg_catalog.pg_depend d " \
	"WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass " \
	"AND d.refobjid = " ns_expr " " \
	"AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"

typedef struct
{
	const char *dbname;			/* a name, a conninfo string or a URI */
	const char *host;
	const char *port;
	const char *user;
	const char *password;		/* known already (NULL: PG*, or ask) */
	bool		prompt_password;	/* -W */
	bool		no_password;	/* -w: never prompt */
	const char *progname;		/* fallback_application_name */
} DbParams;

/*
 * Connects like PostgreSQL's connectDatabase: unset parameters come from
 * the PG* environment, dbname may be a full conninfo or URI, a password is
 * asked for when the server wants one (unless no_password or given).  Refuses a
 * server older than PostgreSQL 15.  Then sets an empty search_path, ISO
 * dates, UTF8 client encoding.  Logs and returns NULL on failure; PQfinish
 * the connection.
 */
extern PGconn *db_connect(const DbParams *params);

/*
 * A second connection to the server and database of conn, with its
 * parameters (user, password, options, ...; the host it reached, not a list
 * of them), and the session of db_connect.  Never asks for a password.
 * Logs and returns NULL on failure; PQfinish the connection.
 */
extern PGconn *db_connect_like(const PGconn *conn);

/*
 * db_connect_like for a connection the caller can do without (it does the
 * work on conn instead): a refusal by the server (too many connections for
 * the server, the role or the database) is said as a notice, not an error.
 * NULL when refused or failed.
 */
extern PGconn *db_connect_spare(const PGconn *conn);

/*
 * Logs what failed with the server's message, detail and hint taken from
 * res, or the connection's message when res is NULL.
 */
extern void db_log_error(PGconn *conn, const PGresult *res, const char *what);

/* Runs a statement; false (logged, with the statement) on failure. */
extern bool db_exec(PGconn *conn, const char *sql);

/*
 * BEGIN and COMMIT of a transaction that a signal cancels (see
 * db_catch_signals), as db_exec.  Once db_commit has succeeded, the work
 * is in the database whatever comes: a signal (one during the COMMIT too)
 * no longer cancels, so that what follows (a clean-up, a report) runs to
 * its end; db_signal_after_commit says which came.  The next db_begin
 * fails at once when one came: the signal cancels what is not begun.
 */
extern bool db_begin(PGconn *conn);
extern bool db_commit(PGconn *conn);

/* The signal that came after the last db_commit, or 0. */
extern int	db_signal_after_commit(void);

/*
 * Runs fmt formatted as printf does (the names in it quoted already); as
 * db_exec.
 */
extern bool db_execf(PGconn *conn, const char *fmt,...) PRINTF_LIKE(2, 3);

/*
 * Runs a query, optionally with text parameters; the result or NULL
 * (logged) on failure.  PQclear the result.
 */
extern PGresult *db_query(PGconn *conn, const char *sql, int nparams,
						  const char *const *params);

/*
 * Runs a query whose first value is a boolean: 1 when it is true, 0 when
 * false or there is no row, -1 (logged) on failure.
 */
extern int	db_query_bool(PGconn *conn, const char *sql, int nparams,
						  const char *const *params);

/* What db_run came to. */
typedef enum
{
	DB_FAILED,					/* failed, logged (or canceled) */
	DB_REFUSED,					/* refused with an SQLSTATE the caller
								 * allowed: the caller's, not logged */
	DB_DONE						/* ran */
} DbOutcome;

/*
 * Runs sql with nparams text parameters ($1, ...; params NULL when none;
 * without any, sql may hold several statements), unless a signal canceled
 * the run (DB_FAILED at once).  DB_DONE when it ran (PGRES_COMMAND_OK,
 * PGRES_TUPLES_OK, or PGRES_COPY_IN/OUT for a COPY, which the caller then
 * streams).  DB_REFUSED when the server refused it with an SQLSTATE listed
 * in allowed ("55P03 40P01"; "*": any the server sends while the session
 * lasts; NULL: none): the caller handles it and nothing is logged.
 * DB_FAILED otherwise: logged, with the server's message, as what ("could
 * not ...", which names the statement) or, what NULL, as "statement
 * failed" with the statement.  *res, when res is not NULL, gets the result
 * whatever the outcome (NULL after a cancel or out of memory): PQclear it;
 * db_sqlstate reads its SQLSTATE.
 */
extern DbOutcome db_run(PGconn *conn, const char *sql, int nparams,
						const char *const *params, const char *allowed,
						const char *what, PGresult **res);

/* The SQLSTATE of a failed result; "" when it has none (or res is NULL). */
extern const char *db_sqlstate(const PGresult *res);

/*
 * Runs sql once the transaction is over or aborted (ROLLBACK, a clean-up),
 * even after a cancel, which is what a cancel asks for: nothing is logged,
 * as the session may be gone with the transaction.  False when it failed.
 */
extern bool db_cleanup(PGconn *conn, const char *sql);

/*
 * Catches SIGINT and SIGTERM for conn's lifetime: the server is asked to
 * cancel what it runs and db_exec, db_query then fail at once, so that
 * the load rolls back.  Undo with db_release_signals before PQfinish.
 */
extern void db_catch_signals(PGconn *conn);
extern void db_release_signals(void);

/* The signal that canceled the run, or 0. */
extern int	db_canceled(void);

/*
 * Names the step under way (a file, "swap", ...) in the messages of the
 * failures that follow; step is copied (NULL: none).  progress_file and
 * progress_step call it, so that a failure names the step the progress
 * line shows.
 */
extern void db_set_step(const char *step);

/* name quoted as an SQL identifier; PQfreemem it.  NULL (logged) on error. */
extern char *db_ident(PGconn *conn, const char *name);

#endif
