/*
 * side.c: a child process with a connection of its own, whose work the
 * parent takes over once it is committed.
 *
 * Between the child's commit and the parent's, the side schema is in the
 * database for all to see: the parent's session advisory lock, taken
 * before the fork and released once the schema is gone, tells a live side
 * schema from an orphan (the parent killed, or its server session ended).
 * The child dies with the parent (PR_SET_PDEATHSIG); before its commit,
 * its death leaves nothing, as any session's.
 */
#include "side.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "fdio.h"
#include "lockwait.h"
#include "log.h"
#include "trust.h"

/* The first key of the side schemas' advisory locks (the second: a pid). */
#define SIDE_LOCK_SPACE	"gtfs2pgsql side"
#define SIDE_LOCK_KEY	"pg_catalog.hashtext('" SIDE_LOCK_SPACE "')"
#define SIDE_PREFIX		"gtfs2pgsql_side_"
#define SIDE_COMMENT	"gtfs2pgsql side load"
#define WAIT_POLL_MS	100		/* how often a wait looks for a cancel */

struct SideLoad
{
	pid_t		pid;			/* the child, 0 once reaped */
	int			fd;				/* its report, -1 once closed */
	FILE	   *messages;		/* its stderr, replayed by side_wait */
	int			backend;		/* the parent's backend pid: the lock */
	size_t		result_size;
	char	   *schema;			/* quoted */
};

/*
 * Drops the side schema named quoted, in a transaction of its own, unless
 * a lock on it is not free at once: a reader of its tables (a pg_dump's,
 * say) would make the drop wait for it, where it is left to side_clean of
 * a later load, as it is when the drop fails.  Through db_cleanup, which
 * runs even after a cancel (which asks for it) and logs nothing.  conn out
 * of any transaction.
 */
static void
drop_side(PGconn *conn, const char *quoted)
{
	char		sql[NAMEDATALEN * 4];

	snprintf(sql, sizeof(sql), "BEGIN; SET LOCAL lock_timeout = '200ms'; "
			 "DROP SCHEMA IF EXISTS %s CASCADE; COMMIT", quoted);
	if (!db_cleanup(conn, sql) && PQtransactionStatus(conn) != PQTRANS_IDLE)
		db_cleanup(conn, "ROLLBACK");
}

bool
side_clean(PGconn *conn)
{
	PGresult   *res;
	bool		ok = true;

	res = db_query(conn, "SELECT n.nspname, pg_catalog.substr(n.nspname, "
				   "pg_catalog.length('" SIDE_PREFIX "') + 1) "
				   "FROM pg_catalog.pg_namespace n "
				   "WHERE n.nspname ~ '^" SIDE_PREFIX "[0-9]{1,9}$' AND "
				   "pg_catalog.obj_description(n.oid, 'pg_namespace') = '"
				   SIDE_COMMENT "' AND n.nspowner = " TRUST_ME, 0, NULL);
	if (res == NULL)
		return false;
	for (int i = 0; ok && i < PQntuples(res); i++)
	{
		const char *params[1] = {PQgetvalue(res, i, 1)};
		char	   *quoted;
		int			free_lock;

		free_lock = db_query_bool(conn, "SELECT pg_catalog."
								  "pg_try_advisory_lock(" SIDE_LOCK_KEY
								  ", $1::integer)", 1, params);
		ok = free_lock >= 0;
		if (free_lock <= 0)
			continue;
		/* an orphan: its parent's session is gone */
		quoted = db_ident(conn, PQgetvalue(res, i, 0));
		ok = quoted != NULL;
		if (ok)
			drop_side(conn, quoted);
		PQfreemem(quoted);
		ok = db_query_bool(conn, "SELECT pg_catalog.pg_advisory_unlock("
						   SIDE_LOCK_KEY ", $1::integer)", 1, params) >= 0 &&
			ok;
	}
	PQclear(res);
	return ok;
}

/*
 * The child, with its copy of side: connects, works, reports "ok" and the
 * result on fd, and ends the process (with _exit: the parent's buffers and
 * handlers are the parent's).
 */
static void
run_child(SideLoad *side, PGconn *parent, pid_t parent_pid, int fd,
		  SideWork work, void *arg)
{
	const char *schema = side->schema;
	size_t		result_size = side->result_size;
	PGconn	   *conn;
	void	   *result = calloc(1, result_size);
	char		done;
	bool		ok;

	/* dies with the parent, even one that died before this line */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
	{
		log_error("could not tie the second connection's process to its "
				  "parent: %m");
		_exit(1);
	}
	if (getppid() != parent_pid)
		_exit(1);
	/*
	 * Its messages wait for the parent to wait for it: when the parent
	 * fails first, its own message is the one said (the child's would be
	 * an echo of the same cause, a server gone or a timeout).
	 */
	fflush(stderr);
	if (dup2(fileno(side->messages), STDERR_FILENO) < 0)
	{
		log_error("could not redirect the second connection's messages: "
				  "%m");
		_exit(1);
	}
	/* the parent's cancel handle is the parent's */
	db_release_signals();
	if (result == NULL)
		log_error("out of memory");
	conn = result ? db_connect_like(parent) : NULL;
	ok = conn != NULL;
	if (ok)
	{
		db_catch_signals(conn);
		ok = db_exec(conn, "BEGIN") &&
			db_execf(conn, "CREATE SCHEMA %s", schema) &&
			db_execf(conn, "COMMENT ON SCHEMA %s IS '" SIDE_COMMENT "'",
					 schema) &&
			work(conn, schema, arg, result) &&
			db_exec(conn, "COMMIT");
		db_release_signals();
	}
	done = ok;
	ok = fdio_transfer(fd, &done, 1, true) && result &&
		fdio_transfer(fd, result, result_size, true) && ok;
	PQfinish(conn);
	free(result);
	PQfreemem(side->schema);
	free(side);
	_exit(ok ? 0 : 1);
}

SideLoad *
side_start(PGconn *conn, SideWork work, void *arg, size_t result_size,
		   double wait_seconds)
{
	SideLoad   *side = calloc(1, sizeof(SideLoad));
	char		backend[16];
	char		name[NAMEDATALEN];
	pid_t		parent = getpid();
	int			pipefd[2];

	if (side == NULL)
	{
		log_error("out of memory");
		return NULL;
	}
	side->fd = -1;
	side->backend = PQbackendPID(conn);
	side->result_size = result_size;
	snprintf(backend, sizeof(backend), "%d", side->backend);
	snprintf(name, sizeof(name), SIDE_PREFIX "%d", side->backend);
	side->schema = db_ident(conn, name);
	if (side->schema == NULL)
	{
		free(side);
		return NULL;
	}
	/* held by nobody but a role that took it to be in the way */
	if (!lockwait_advisory(conn, true, SIDE_LOCK_SPACE, "$2::integer",
						   backend, "the lock of the second connection's "
						   "schema", wait_seconds))
	{
		side->backend = 0;		/* no lock to release */
		side_end(side, conn, true);
		return NULL;
	}
	side->messages = tmpfile();
	if (side->messages == NULL)
	{
		log_error("could not create a temporary file: %m");
		side_end(side, conn, true);
		return NULL;
	}
	if (pipe2(pipefd, O_CLOEXEC) != 0)
	{
		log_error("could not create a pipe: %m");
		side_end(side, conn, true);
		return NULL;
	}
	fflush(stdout);
	fflush(stderr);
	side->pid = fork();
	if (side->pid == 0)
	{
		close(pipefd[0]);
		run_child(side, conn, parent, pipefd[1], work, arg);
	}
	close(pipefd[1]);
	side->fd = pipefd[0];
	if (side->pid < 0)
	{
		log_error("could not start a process for a second connection: %m");
		side->pid = 0;
		side_end(side, conn, true);
		return NULL;
	}
	return side;
}

const char *
side_schema(const SideLoad *side)
{
	return side->schema;
}

/*
 * Reads the child's report into buf (len bytes) as it comes, looking for a
 * cancel between reads: the child is then sent the same signal.  False at
 * a cancel, or when the child ended before it had reported all.
 */
static bool
read_report(SideLoad *side, char *buf, size_t len)
{
	size_t		got = 0;

	while (got < len)
	{
		struct pollfd pfd = {.fd = side->fd,.events = POLLIN};
		ssize_t		n;

		if (db_canceled())
		{
			kill(side->pid, db_canceled());
			return false;
		}
		if (poll(&pfd, 1, WAIT_POLL_MS) <= 0)
			continue;
		n = read(side->fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t) n;
	}
	return true;
}

/* The child's messages, once it has ended, as if they were ours. */
static void
replay_messages(SideLoad *side)
{
	char	   *line = NULL;
	size_t		size = 0;

	rewind(side->messages);
	while (getline(&line, &size, side->messages) > 0)
		log_replay(line);
	free(line);
}

bool
side_wait(SideLoad *side, void *result)
{
	char	   *report = calloc(1, side->result_size + 1);
	bool		ok = report != NULL &&
		read_report(side, report, side->result_size + 1) && report[0];
	int			status = 0;

	if (report == NULL)
		log_error("out of memory");
	else if (db_canceled())
		ok = false;
	while (waitpid(side->pid, &status, 0) < 0 && errno == EINTR)
		;
	side->pid = 0;
	if (!db_canceled())
		replay_messages(side);
	if (ok && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		memcpy(result, report + 1, side->result_size);
	else if (db_canceled())
		ok = false;
	else
	{
		/* a child that ended by itself said why */
		ok = false;
		if (WIFSIGNALED(status))
			log_error("the process loading on a second connection was "
					  "killed by signal %d (%s)", WTERMSIG(status),
					  strsignal(WTERMSIG(status)));
		else if (!WIFEXITED(status))
			log_error("the process loading on a second connection "
					  "ended unexpectedly");
	}
	free(report);
	return ok;
}

void
side_end(SideLoad *side, PGconn *conn, bool taken)
{
	char		sql[128];
	int			status;

	if (side == NULL)
		return;
	if (side->pid > 0)
	{
		kill(side->pid, SIGTERM);
		while (waitpid(side->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (side->fd >= 0)
		close(side->fd);
	if (side->messages)
		fclose(side->messages);
	/* the rollback is done: quick, unless a reader holds its tables */
	if (!taken && PQtransactionStatus(conn) == PQTRANS_IDLE)
		drop_side(conn, side->schema);
	if (side->backend != 0)
	{
		snprintf(sql, sizeof(sql), "SELECT pg_catalog.pg_advisory_unlock("
				 SIDE_LOCK_KEY ", %d)", side->backend);
		db_cleanup(conn, sql);
	}
	PQfreemem(side->schema);
	free(side);
}
