/*
 * db.c: connecting like createdb, running statements, quoting names.
 */
#include "db.h"

#include <signal.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define MIN_SERVER_VERSION 150000	/* UNIQUE ... NULLS NOT DISTINCT */
#define SQL_MAX	(16 * 1024 * 1024)
#define STATEMENT_SHOWN 300		/* bytes of a failed statement shown */

static PGcancel *volatile cancel_handle;	/* for the signal handler */
static volatile sig_atomic_t canceled_by;	/* the signal, or 0 */
static volatile sig_atomic_t committed;	/* db_commit done, no db_begin since */
static volatile sig_atomic_t held_signal;	/* one that came after it, or 0 */
static char step_name[256];		/* the step named in messages */
static const char *current_step;	/* step_name, or NULL: none */
static bool error_logged;		/* an error of this step was logged */
static bool session_end_logged;	/* the server's FATAL, read as a notice,
								 * was logged: what fails after it, in any
								 * step, is its echo */

/*
 * SIGINT, SIGTERM: ask the server to cancel what it runs (PQcancel is
 * safe in a signal handler), and remember, so that nothing else runs.
 * After a commit, only remember: what is committed is done (db_commit).
 */
static void
on_signal(int sig)
{
	char		errbuf[256];

	if (committed)
	{
		held_signal = sig;
		return;
	}
	canceled_by = sig;
	if (cancel_handle != NULL)
		PQcancel(cancel_handle, errbuf, sizeof(errbuf));
}

/* The length of s's first line. */
static int
first_line(const char *s)
{
	return (int) strcspn(s, "\n");
}

/*
 * The server's notices and the messages it sends while a COPY streams
 * (a FATAL when the session is ended): with our prefix, and an error only
 * when no message said it already.
 */
static void
on_server_notice(void *arg, const PGresult *res)
{
	const char *severity = PQresultErrorField(res,
											  PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	(void) arg;
	if (primary == NULL || canceled_by)
		return;
	if (severity && (strcmp(severity, "FATAL") == 0 ||
					 strcmp(severity, "PANIC") == 0 ||
					 strcmp(severity, "ERROR") == 0))
	{
		if (!error_logged)
			log_error("%s%sthe server ended the session: %s",
					  current_step ? current_step : "",
					  current_step ? ": " : "", primary);
		error_logged = true;
		session_end_logged = session_end_logged ||
			strcmp(severity, "ERROR") != 0;
		return;
	}
	log_warning("server: %s", primary);
}

/*
 * The session every load and export relies on: schema/sql/session.sql,
 * embedded by the Makefile.
 */
extern const char sql_session[];

/*
 * The session of a new connection: see sql_session.  False (logged, the
 * connection finished) on failure.
 */
static bool
setup_session(PGconn *conn)
{
	PGresult   *res;
	bool		ok;

	PQsetNoticeReceiver(conn, on_server_notice, NULL);
	/* a feed after one whose session the server ended says its own */
	session_end_logged = false;
	/* first, alone: a role's statement_timeout could end the rest */
	res = PQexec(conn, "SET statement_timeout = 0");
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
	{
		PQclear(res);
		res = PQexec(conn, sql_session);
	}
	ok = PQresultStatus(res) == PGRES_TUPLES_OK &&
		PQsetClientEncoding(conn, "UTF8") == 0;
	/* PostgreSQL 17 bounds whole transactions too */
	if (ok && PQserverVersion(conn) >= 170000)
	{
		PQclear(res);
		res = PQexec(conn, "SELECT pg_catalog.set_config("
					 "'transaction_timeout', '0', false)");
		ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	}
	if (!ok)
		db_log_error(conn, res, "could not set up the session");
	PQclear(res);
	if (!ok)
		PQfinish(conn);
	return ok;
}

PGconn *
db_connect(const DbParams *p)
{
	const char *keywords[7];
	const char *values[7];
	const char *password = p->password;
	PGconn	   *conn;

	if (password == NULL && p->prompt_password)
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
		log_error("could not connect to database: %s", PQerrorMessage(conn));
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
	return setup_session(conn) ? conn : NULL;
}

/*
 * db_connect_like, or db_connect_spare when spare: a refusal is said as a
 * notice.
 */
static PGconn *
connect_like(const PGconn *conn, bool spare)
{
	PQconninfoOption *opts = PQconninfo((PGconn *) conn);
	const char **keywords;
	const char **values;
	PGconn	   *like = NULL;
	int			n = 0;

	for (int i = 0; opts && opts[i].keyword; i++)
		n++;
	keywords = calloc((size_t) n + 3, sizeof(char *));
	values = calloc((size_t) n + 3, sizeof(char *));
	if (opts == NULL || keywords == NULL || values == NULL)
	{
		log_error("out of memory");
		goto done;
	}
	n = 0;
	/* the server conn reached, not the first of a list of hosts */
	keywords[n] = "host", values[n++] = PQhost(conn);
	keywords[n] = "port", values[n++] = PQport(conn);
	for (int i = 0; opts[i].keyword; i++)
		if (opts[i].val && opts[i].val[0] &&
			strcmp(opts[i].keyword, "host") != 0 &&
			strcmp(opts[i].keyword, "port") != 0 &&
			strcmp(opts[i].keyword, "hostaddr") != 0)
			keywords[n] = opts[i].keyword, values[n++] = opts[i].val;
	like = PQconnectdbParams(keywords, values, 0);
	if (like == NULL)
		log_error("out of memory");
	else if (PQstatus(like) == CONNECTION_BAD)
	{
		if (spare)
			log_notice("one connection fewer, the work goes on without it: %s",
					   PQerrorMessage(like));
		else
			log_error("could not connect to database: %s",
					  PQerrorMessage(like));
		PQfinish(like);
		like = NULL;
	}
	else if (!setup_session(like))
		like = NULL;
done:
	PQconninfoFree(opts);
	free(keywords);
	free(values);
	return like;
}

PGconn *
db_connect_like(const PGconn *conn)
{
	return connect_like(conn, false);
}

PGconn *
db_connect_spare(const PGconn *conn)
{
	return connect_like(conn, true);
}

void
db_catch_signals(PGconn *conn)
{
	struct sigaction sa;

	cancel_handle = PQgetCancel(conn);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void
db_release_signals(void)
{
	PGcancel   *handle = cancel_handle;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	cancel_handle = NULL;
	PQfreeCancel(handle);
}

int
db_canceled(void)
{
	return canceled_by;
}

void
db_set_step(const char *step)
{
	if (step)
		snprintf(step_name, sizeof(step_name), "%s", step);
	current_step = step ? step_name : NULL;
	error_logged = false;
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
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	/*
	 * One message per cause: what fails after it (a transaction already
	 * aborted, a connection already lost, a cancel asked for) is its echo.
	 */
	if (canceled_by ||
		(session_end_logged && PQstatus(conn) != CONNECTION_OK) ||
		(error_logged && (PQstatus(conn) != CONNECTION_OK ||
						  (state && strcmp(state, "25P02") == 0))))
		return;
	error_logged = true;
	if (PQstatus(conn) != CONNECTION_OK)
		log_error("%s%s%s: lost the connection to the server: %.*s",
				  current_step ? current_step : "", current_step ? ": " : "",
				  what, first_line(primary ? primary : PQerrorMessage(conn)),
				  primary ? primary : PQerrorMessage(conn));
	else if (primary)
		log_error("%s%s%s: %s", current_step ? current_step : "",
				  current_step ? ": " : "", what, primary);
	else
		log_error("%s%s%s: %s", current_step ? current_step : "",
				  current_step ? ": " : "", what, PQerrorMessage(conn));
	if (detail)
		log_detail("%s", detail);
	if (hint)
		log_hint("%s", hint);
}

/* The statement, cut for a message: a CREATE VIEW can run to kilobytes. */
static void
log_statement(const char *sql)
{
	size_t		len = strlen(sql);

	if (!canceled_by)
		log_detail("statement: %.*s%s", len > STATEMENT_SHOWN ?
				   STATEMENT_SHOWN : (int) len, sql,
				   len > STATEMENT_SHOWN ? "..." : "");
}

/* Whether state is one of the SQLSTATEs of allowed (see db_run). */
static bool
state_allowed(const char *state, const char *allowed)
{
	size_t		len = strlen(state);

	if (allowed == NULL || len == 0)
		return false;
	if (strcmp(allowed, "*") == 0)
		return true;
	for (const char *p = allowed; (p = strstr(p, state)) != NULL; p += len)
		if ((p == allowed || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
			return true;
	return false;
}

/*
 * db_run, and db_query's, with want the status of success (0: any of
 * db_run's), extended whether sql goes as one statement with parameters
 * even when there are none, and show_sql whether a failure shows sql.
 */
static DbOutcome
run(PGconn *conn, const char *sql, int nparams, const char *const *params,
	bool extended, ExecStatusType want, const char *allowed,
	const char *what, bool show_sql, PGresult **resp)
{
	PGresult   *res;
	ExecStatusType status;
	DbOutcome	outcome;

	if (resp)
		*resp = NULL;
	/* after a cancel, nothing but the rollback runs */
	if (canceled_by)
		return DB_FAILED;
	res = nparams > 0 || extended ?
		PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0) :
		PQexec(conn, sql);
	status = PQresultStatus(res);
	if (res == NULL)
		outcome = DB_FAILED;
	else if (want ? status == want :
			 status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ||
			 status == PGRES_COPY_IN || status == PGRES_COPY_OUT)
		outcome = DB_DONE;
	else if (PQstatus(conn) == CONNECTION_OK && !canceled_by &&
			 state_allowed(db_sqlstate(res), allowed))
		outcome = DB_REFUSED;
	else
		outcome = DB_FAILED;
	if (outcome == DB_FAILED)
	{
		bool		shown = !error_logged;

		db_log_error(conn, res, what);
		if (show_sql && shown && error_logged &&
			PQstatus(conn) == CONNECTION_OK)
			log_statement(sql);
	}
	if (resp)
		*resp = res;
	else
		PQclear(res);
	return outcome;
}

DbOutcome
db_run(PGconn *conn, const char *sql, int nparams, const char *const *params,
	   const char *allowed, const char *what, PGresult **res)
{
	return run(conn, sql, nparams, params, false, 0, allowed,
			   what ? what : "statement failed", what == NULL, res);
}

const char *
db_sqlstate(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return state ? state : "";
}

bool
db_cleanup(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
		PQresultStatus(res) == PGRES_TUPLES_OK;

	PQclear(res);
	return ok;
}

bool
db_exec(PGconn *conn, const char *sql)
{
	return run(conn, sql, 0, NULL, false, 0, NULL, "statement failed", true,
			   NULL) == DB_DONE;
}

bool
db_begin(PGconn *conn)
{
	/* a signal from here on cancels, as one held since the commit does */
	committed = 0;
	if (held_signal)
	{
		canceled_by = held_signal;
		held_signal = 0;
	}
	return db_exec(conn, "BEGIN");
}

bool
db_commit(PGconn *conn)
{
	if (!db_exec(conn, "COMMIT"))
		return false;
	/* a signal during the COMMIT, which the server did not cancel, too */
	committed = 1;
	if (canceled_by)
	{
		held_signal = canceled_by;
		canceled_by = 0;
	}
	return true;
}

int
db_signal_after_commit(void)
{
	return held_signal;
}

bool
db_execf(PGconn *conn, const char *fmt,...)
{
	va_list		ap;
	char	   *sql = NULL;
	int			len;
	bool		ok;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len >= 0 && len < SQL_MAX)
		sql = malloc((size_t) len + 1);
	if (sql == NULL)
	{
		log_error("statement too long or out of memory");
		return false;
	}
	va_start(ap, fmt);
	vsnprintf(sql, (size_t) len + 1, fmt, ap);
	va_end(ap);
	ok = db_exec(conn, sql);
	free(sql);
	return ok;
}

PGresult *
db_query(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res;

	if (run(conn, sql, nparams, params, true, PGRES_TUPLES_OK, NULL,
			"query failed", true, &res) == DB_DONE)
		return res;
	PQclear(res);
	return NULL;
}

int
db_query_bool(PGconn *conn, const char *sql, int nparams,
			  const char *const *params)
{
	PGresult   *res = db_query(conn, sql, nparams, params);
	int			yes;

	if (res == NULL)
		return -1;
	yes = PQntuples(res) > 0 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return yes;
}

char *
db_ident(PGconn *conn, const char *name)
{
	char	   *q = PQescapeIdentifier(conn, name, strlen(name));

	if (q == NULL)
		log_error("could not quote \"%s\": %s", name, PQerrorMessage(conn));
	return q;
}
