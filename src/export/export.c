/*
 * export.c: a loaded feed back out as GTFS files; the order of the steps.
 *
 * The feed is found through the registry, its tables checked safe to
 * read and locked, and one REPEATABLE READ transaction takes its
 * snapshot; then the cut is made (cut.c), the files listed (member.c)
 * and written (zipwrite.c, folder.c) under a temporary name beside
 * OUTPUT, which they replace at the end.  Signals remove what was made.
 */
#include "export.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cut.h"
#include "db.h"
#include "folder.h"
#include "log.h"
#include "member.h"
#include "postgis.h"
#include "sqlbuf.h"
#include "zipwrite.h"

#define SQL_MAX			(4 * 1024 * 1024)
#define LOCK_TRIES		5		/* the feed changed between its lookup and
								 * its lock */

/* One run of export_feed. */
typedef struct
{
	PGconn	   *conn;
	const ExportOptions *opt;
	char	   *schema;			/* quoted */
	char	   *postgis;		/* quoted PostGIS schema, or NULL */
	MemberList	files;
	bool		db_failed;		/* the server failed (logged) */
} Export;

/*
 * The signals that end the program, and what their handler removes: the
 * temporary zip or folder and its files, paths recorded in advance (a
 * handler may only unlink and rmdir), the last first.
 */
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static char *const *volatile doomed;
static volatile sig_atomic_t ndoomed;
static PGcancel *volatile cancel_handle;
static char canceled_message[128];

static void
remove_output_and_die(int sig)
{
	char		errbuf[256];
	ssize_t		n;

	if (cancel_handle != NULL)
		PQcancel(cancel_handle, errbuf, sizeof(errbuf));
	for (int i = ndoomed; i-- > 0;)
		if (unlink(doomed[i]) != 0)
			rmdir(doomed[i]);
	n = write(STDERR_FILENO, canceled_message, strlen(canceled_message));
	(void) n;
	/* ends the program by sig once the handler returns */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Blocks (block true) or unblocks the signals of remove_output_and_die. */
static void
block_signals(bool block)
{
	sigset_t	set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
		 i++)
		sigaddset(&set, fatal_signals[i]);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/*
 * What remove_output_and_die removes from now on: paths[0..n), kept by
 * the caller, who blocks the signals meanwhile.
 */
static void
doom(char *const *paths, int n)
{
	doomed = paths;
	ndoomed = n;
}

void
export_catch_signals(PGconn *conn, const char *progname)
{
	struct sigaction sa;

	snprintf(canceled_message, sizeof(canceled_message),
			 "%s: canceled; nothing was written\n", progname);
	cancel_handle = PQgetCancel(conn);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = remove_output_and_die;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
		 i++)
		sigaddset(&sa.sa_mask, fatal_signals[i]);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
		 i++)
		sigaction(fatal_signals[i], &sa, NULL);
	/* a reader gone: EPIPE, an error like any other */
	signal(SIGPIPE, SIG_IGN);
}

void
export_release_signals(void)
{
	PGcancel   *handle = cancel_handle;

	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
		 i++)
		signal(fatal_signals[i], SIG_DFL);
	cancel_handle = NULL;
	PQfreeCancel(handle);
}

/* Where the feed goes, and what is made on the way there. */
typedef struct
{
	const char *shown;			/* OUTPUT in messages */
	char		target[PATH_MAX];	/* the zip or folder replaced ("": stdout) */
	bool		folder;
	bool		exists;			/* target is there */
	int			fd;				/* the zip being written, or -1 */
	char	  **paths;			/* the temporary zip or folder, then the
								 * folder's files: removed on failure */
	int			npaths;
} Output;

/* The mode of a new file (folder: 0777) under the umask. */
static mode_t
new_mode(mode_t mode)
{
	mode_t		mask = umask(0);

	umask(mask);
	return mode & ~mask;
}

/* Appends a copy of path to o->paths; false (logged) when out of memory. */
static bool
add_path(Output *o, const char *dir, const char *name)
{
	size_t		len = strlen(dir) + 1 + strlen(name) + 1;
	char	  **grown = realloc(o->paths, sizeof(char *) * (size_t) (o->npaths + 1));
	char	   *path = malloc(len);

	if (grown)
		o->paths = grown;
	if (grown == NULL || path == NULL)
	{
		free(path);
		log_error("out of memory");
		return false;
	}
	snprintf(path, len, "%s%s%s", dir, name[0] ? "/" : "", name);
	o->paths[o->npaths++] = path;
	return true;
}

/*
 * Makes the temporary zip or folder of OUTPUT beside it, before anything
 * is asked of the server (so that a failure to write there comes first),
 * and records it for remove_output_and_die.  "-": a zip in TMPDIR, removed
 * at once (it has no name left to leave behind).  False (logged).
 */
static bool
output_open(Output *o, const ExportOptions *opt)
{
	const char *dir = getenv("TMPDIR");
	char		tmp[PATH_MAX + 8];
	struct stat st;
	size_t		len = strlen(opt->output);
	int			fd;

	o->fd = -1;
	o->shown = opt->output;
	o->folder = opt->to_folder || (len > 0 && opt->output[len - 1] == '/') ||
		(stat(opt->output, &st) == 0 && S_ISDIR(st.st_mode));
	if (strcmp(opt->output, "-") == 0)
	{
		o->shown = "stdout";
		snprintf(tmp, sizeof(tmp), "%s/pgsql2gtfs.XXXXXX",
				 dir && dir[0] ? dir : "/tmp");
		o->fd = mkstemp(tmp);
		if (o->fd < 0)
			log_error("could not create a temporary file in %s: %s",
					  dir && dir[0] ? dir : "/tmp", strerror(errno));
		else
			unlink(tmp);
		return o->fd >= 0;
	}
	/* the folder without its trailing slashes */
	while (len > 1 && opt->output[len - 1] == '/')
		len--;
	if (len >= sizeof(o->target) - 8)
	{
		log_error("output name too long: \"%s\"", opt->output);
		return false;
	}
	memcpy(o->target, opt->output, len);
	o->target[len] = '\0';
	o->exists = stat(o->target, &st) == 0;
	if (o->folder && o->exists && !folder_replaceable(o->target))
		return false;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", o->target);
	block_signals(true);
	if (o->folder)
		fd = mkdtemp(tmp) ? 0 : -1;
	else
		fd = o->fd = mkstemp(tmp);
	if (fd < 0)
		log_error("could not write \"%s\": %s", opt->output, strerror(errno));
	else if (!add_path(o, tmp, ""))
	{
		if (o->folder)
			rmdir(tmp);
		else
			unlink(tmp);
		fd = -1;
	}
	doom(o->paths, o->npaths);
	block_signals(false);
	if (fd < 0)
		return false;
	/* the mode OUTPUT had, or a new one's */
	if (o->folder)
		chmod(tmp, o->exists ? st.st_mode & 07777 : new_mode(0777));
	else
		fchmod(o->fd, o->exists ? st.st_mode & 07777 : new_mode(0666));
	return true;
}

/* The files of the temporary folder, recorded for remove_output_and_die. */
static bool
output_add_files(Output *o, const Export *ex)
{
	bool		ok = true;

	/* realloc moves the paths that remove_output_and_die reads */
	block_signals(true);
	for (int i = 0; ok && o->folder && i < ex->files.nmembers; i++)
		ok = add_path(o, o->paths[0], ex->files.members[i].file);
	doom(o->paths, o->npaths);
	block_signals(false);
	return ok;
}

/*
 * Puts what was written in OUTPUT's place (signals held off meanwhile,
 * so that nothing is removed half-way), or copies it to stdout.  False
 * (logged).
 */
static bool
output_commit(Output *o)
{
	bool		ok;

	if (o->target[0] == '\0')
		return zipwrite_to_stdout(o->fd);
	block_signals(true);
	ok = o->folder ?
		folder_replace(o->paths[0], o->target, o->exists, o->shown) :
		rename(o->paths[0], o->target) == 0;
	if (ok)
		doom(NULL, 0);
	else
		log_error("could not replace \"%s\": %s", o->shown, strerror(errno));
	block_signals(false);
	return ok;
}

/* Frees o, and removes what it made unless it was committed. */
static void
output_close(Output *o, bool committed)
{
	block_signals(true);
	for (int i = o->npaths; i-- > 0;)
		if (!committed && unlink(o->paths[i]) != 0)
			rmdir(o->paths[i]);
	doom(NULL, 0);
	block_signals(false);
	for (int i = 0; i < o->npaths; i++)
		free(o->paths[i]);
	free(o->paths);
	if (o->fd >= 0)
		close(o->fd);
}

/*
 * SQL bodies of schema/sql/, embedded by the Makefile: the roles the
 * export trusts (export_trusted.sql), the "@o" of the two others
 */
extern const char sql_export_trusted[];
extern const char sql_export_unsafe[];
extern const char sql_export_tables[];

/*
 * Runs template (export_unsafe.sql, export_tables.sql), "@o" filled, with
 * params; the result or NULL (logged, ex->db_failed).  PQclear it.
 */
static PGresult *
query_trusted(Export *ex, const char *template, int nparams,
			  const char *const *params)
{
	const char *subst[26] = {['o' - 'a'] = sql_export_trusted};
	PGresult   *res = NULL;
	Buf			sql;

	buf_init(&sql, SQL_MAX);
	if (sqlbuf_template(&sql, template, subst))
		res = db_query(ex->conn, sql.data, nparams, params);
	else
		log_error("out of memory");
	buf_free(&sql);
	ex->db_failed = ex->db_failed || res == NULL;
	return res;
}

/*
 * The tables a cut reads beside the files' (cut.c, schema/sql/cut_kept.sql),
 * for a text[] literal.
 */
#define CUT_TABLES "trips,stop_times,stops,routes,agency,service_days"

/*
 * Refuses (logged) to read the relations names (a text[] value) of schema
 * when schema/sql/export_unsafe.sql finds anything that forbids it: false
 * when it found anything, or the server failed (ex->db_failed).
 */
static bool
refuse_unsafe(Export *ex, const char *schema, const char *names)
{
	const char *params[2] = {schema, names};
	PGresult   *res = query_trusted(ex, sql_export_unsafe, 2, params);
	bool		ok;

	if (res == NULL)
		return false;
	for (int i = 0; i < PQntuples(res); i++)
		log_error("refusing to read %s, owned by role %s: %s",
				  PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
				  PQgetvalue(res, i, 2));
	if (PQntuples(res) > 0)
		log_hint("pgsql2gtfs reads only tables without row-level security, "
				 "owned by you, a superuser or the owner of the registry");
	ok = PQntuples(res) == 0;
	PQclear(res);
	return ok;
}

/* The first value of the one row of sql, copied, or NULL (logged). */
static char *
query_value(Export *ex, const char *sql, int nparams, const char *const *params,
			bool *is_null)
{
	PGresult   *res = db_query(ex->conn, sql, nparams, params);
	char	   *v = NULL;

	if (res == NULL)
	{
		ex->db_failed = true;
		return NULL;
	}
	*is_null = PQntuples(res) == 0 || PQgetisnull(res, 0, 0);
	v = strdup(*is_null ? "" : PQgetvalue(res, 0, 0));
	if (v == NULL)
		log_error("out of memory");
	PQclear(res);
	return v;
}

/* SQL: the registry's schema of the feed ($1 the id, or $2 the schema). */
#define REGISTRY_SCHEMA \
	"SELECT f.schema_name FROM gtfs2pgsql.feeds f " \
	"WHERE f.feed_id = $1 OR (f.schema_name = $2 AND $1 IS NULL)"

#define FEEDS_SHOWN		20		/* feeds named when the one asked is not */

/*
 * Says which feeds the registry has, for a feed id or schema that is none
 * of them: the first FEEDS_SHOWN by id, each with its schema, and how many
 * in all.  The registry is trusted by then (refuse_unsafe).
 */
static void
say_feeds(Export *ex)
{
	char		shown[16];
	const char *params[1] = {shown};
	PGresult   *res;
	long		n;

	snprintf(shown, sizeof(shown), "%d", FEEDS_SHOWN);
	res = db_query(ex->conn,
				   "SELECT (SELECT pg_catalog.count(*) FROM gtfs2pgsql.feeds), "
				   "pg_catalog.string_agg(pg_catalog.format('%s (schema %s)', "
				   "f.feed_id, f.schema_name), ', ' ORDER BY f.feed_id) "
				   "FROM (SELECT feed_id, schema_name FROM gtfs2pgsql.feeds "
				   "ORDER BY feed_id LIMIT $1) f", 1, params);

	if (res == NULL)
		return;
	n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	if (n == 0)
		log_detail("the registry gtfs2pgsql.feeds has no feed");
	else if (n <= FEEDS_SHOWN)
		log_detail("the feeds of gtfs2pgsql.feeds (%ld): %s", n,
				   PQgetvalue(res, 0, 1));
	else
		log_detail("the feeds of gtfs2pgsql.feeds (%ld), the first %d: %s, "
				   "...", n, FEEDS_SHOWN, PQgetvalue(res, 0, 1));
	PQclear(res);
}

/*
 * The feed's schema, from the registry only (a schema's comment proves
 * nothing), found in a statement of its own.  Into *name (malloc'd), or
 * false (logged).
 */
static bool
registry_lookup(Export *ex, char **name)
{
	const char *params[2] = {ex->opt->feed_id, ex->opt->schema};
	PGresult   *res;
	bool		is_null;
	bool		ok;

	*name = NULL;
	res = db_query(ex->conn, "SELECT pg_catalog.to_regclass("
				   "'gtfs2pgsql.feeds') IS NOT NULL, pg_catalog.to_regnamespace("
				   "pg_catalog.quote_ident($1)) IS NOT NULL", 1, params + 1);
	if (res == NULL)
	{
		ex->db_failed = true;
		return false;
	}
	ok = PQgetvalue(res, 0, 0)[0] == 't';
	if (!ok && ex->opt->feed_id)
		log_error("no feed \"%s\": this database has no feed registry "
				  "(gtfs2pgsql.feeds)", ex->opt->feed_id);
	else if (!ok && PQgetvalue(res, 0, 1)[0] != 't')
		log_error("schema \"%s\" does not exist", ex->opt->schema);
	else if (!ok)
		log_error("schema \"%s\" is not a feed: this database has no feed "
				  "registry (gtfs2pgsql.feeds)", ex->opt->schema);
	if (ok && ex->opt->schema && PQgetvalue(res, 0, 1)[0] != 't')
	{
		log_error("schema \"%s\" does not exist", ex->opt->schema);
		ok = false;
	}
	PQclear(res);
	if (!ok || !refuse_unsafe(ex, "gtfs2pgsql", "{feeds}"))
		return false;
	*name = query_value(ex, REGISTRY_SCHEMA, 2, params, &is_null);
	if (*name && is_null)
	{
		if (ex->opt->feed_id)
			log_error("no feed \"%s\" in gtfs2pgsql.feeds", ex->opt->feed_id);
		else
			log_error("schema \"%s\" is not a feed of the registry "
					  "gtfs2pgsql.feeds", ex->opt->schema);
		say_feeds(ex);
		free(*name);
		*name = NULL;
	}
	return *name != NULL;
}

/*
 * One try at the feed's snapshot, found as registry_lookup did: its
 * tables locked (ACCESS SHARE: a reload's swap waits for the export),
 * then, in the same REPEATABLE READ transaction, the snapshot taken by
 * the first query after LOCK TABLE, which takes none.  1: the feed is
 * the one locked; 0: it changed between the lookup and the lock (a table
 * dropped or added, the feed moved: rolled back, try again); -1: failed
 * or refused (logged).
 */
static int
lock_feed(Export *ex, const char *name)
{
	const char *params[2] = {ex->opt->feed_id, ex->opt->schema};
	const char *lock_params[1] = {name};
	PGresult   *res;
	Buf			sql;
	char	   *locked;
	DbOutcome	outcome;
	bool		no_tables;
	bool		ok;
	int			done;

	res = query_trusted(ex, sql_export_tables, 1, lock_params);
	if (res == NULL)
		return -1;
	locked = strdup(PQgetvalue(res, 0, 1));
	no_tables = PQgetisnull(res, 0, 1);
	buf_init(&sql, SQL_MAX);
	ok = locked && buf_puts(&sql, "LOCK TABLE gtfs2pgsql.feeds") &&
		(PQgetisnull(res, 0, 0) || (buf_puts(&sql, ", ") &&
									buf_puts(&sql, PQgetvalue(res, 0, 0)))) &&
		buf_puts(&sql, " IN ACCESS SHARE MODE");
	PQclear(res);
	if (!ok)
	{
		log_error("out of memory");
		free(locked);
		buf_free(&sql);
		return -1;
	}
	ok = db_exec(ex->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ");
	/* a table dropped since (42P01): the feed changed */
	outcome = ok ? db_run(ex->conn, sql.data, 0, NULL, "42P01",
						  "could not lock the feed", NULL) : DB_FAILED;
	buf_free(&sql);
	done = outcome == DB_DONE ? 1 : outcome == DB_REFUSED ? 0 : -1;
	ex->db_failed = done < 0;
	/* the snapshot: the registry checked again, then read */
	if (done > 0 && !refuse_unsafe(ex, "gtfs2pgsql", "{feeds}"))
		done = -1;
	if (done > 0)
	{
		const char *check_params[3] = {params[0], params[1], name};

		res = db_query(ex->conn, "SELECT pg_catalog.set_config("
					   "'extra_float_digits', '1', true), "
					   "(" REGISTRY_SCHEMA ") IS NOT DISTINCT FROM $3",
					   3, check_params);
		done = res == NULL ? -1 : PQgetvalue(res, 0, 1)[0] == 't';
		ex->db_failed = res == NULL;
		PQclear(res);
		/* the same tables as locked */
		res = done > 0 ?
			query_trusted(ex, sql_export_tables, 1, lock_params) : NULL;
		if (res != NULL)
			done = no_tables ? PQgetisnull(res, 0, 1) :
				!PQgetisnull(res, 0, 1) &&
				strcmp(PQgetvalue(res, 0, 1), locked) == 0;
		else if (done > 0)
			done = -1;
		PQclear(res);
		PQfreemem(ex->postgis);
		ex->postgis = NULL;
		if (done > 0 && !postgis_find(ex->conn, &ex->postgis))
		{
			ex->db_failed = true;
			done = -1;
		}
	}
	free(locked);
	if (done <= 0)
		db_cleanup(ex->conn, "ROLLBACK");
	return done;
}

/*
 * Finds the feed and takes its snapshot: see lock_feed, tried again
 * while the feed changes under it.  Then what it reads first must be
 * safe to read, and import_files must be there.  The schema's name into
 * *name (malloc'd); false (logged).
 */
static bool
open_feed(Export *ex, char **name)
{
	int			done = 0;
	bool		is_null;
	char	   *has_files;
	const char *params[1];

	*name = NULL;
	for (int i = 0; done == 0 && i < LOCK_TRIES; i++)
	{
		free(*name);
		done = registry_lookup(ex, name) ? lock_feed(ex, *name) : -1;
	}
	if (done == 0)
	{
		log_error("the feed of schema \"%s\" changed at each of %d tries "
				  "to lock it", *name, LOCK_TRIES);
		ex->db_failed = true;
	}
	if (done <= 0)
		return false;
	ex->schema = db_ident(ex->conn, *name);
	if (ex->schema == NULL ||
		!refuse_unsafe(ex, *name, cut_wanted(ex->opt) ?
					   "{import_files," CUT_TABLES "}" : "{import_files}"))
		return false;
	params[0] = *name;
	has_files = query_value(ex, "SELECT pg_catalog.to_regclass(pg_catalog."
							"format('%I.%I', $1::text, 'import_files'))::text",
							1, params, &is_null);
	if (has_files && is_null)
	{
		log_error("the feed in schema \"%s\" has no import_files table",
				  *name);
		log_hint("it was loaded by an older gtfs2pgsql: load it again");
	}
	free(has_files);
	return has_files && !is_null;
}

/* The members of the feed, read and checked, then its cut made. */
static bool
read_feed(Export *ex)
{
	const char *postgis = ex->postgis ? ex->postgis : "public";
	const char *subst[26] = {['s' - 'a'] = ex->schema};
	Buf			sql;
	char	   *tables;
	bool		is_null;
	bool		ok;

	ex->files.conn = ex->conn;
	if (!member_list_read(&ex->files, ex->opt, ex->schema, postgis))
		return false;
	if (ex->files.nmembers == 0)
	{
		log_error("the feed in schema \"%s\" lists no file in import_files: "
				  "there is nothing to write", ex->opt->schema);
		return false;
	}
	/* the tables of the files, which import_files (found safe) lists */
	buf_init(&sql, SQL_MAX);
	if (!sqlbuf_template(&sql, "SELECT pg_catalog.array_agg(f.\"table\")"
						 "::text FROM @s.import_files f", subst))
	{
		log_error("out of memory");
		return false;
	}
	tables = query_value(ex, sql.data, 0, NULL, &is_null);
	buf_free(&sql);
	ok = tables != NULL &&
		refuse_unsafe(ex, ex->opt->schema, is_null ? "{}" : tables);
	free(tables);
	return ok &&
		(!cut_wanted(ex->opt) ||
		 cut_make(ex->conn, ex->opt, ex->schema, postgis, &ex->db_failed));
}

ExportStatus
export_feed(PGconn *conn, const ExportOptions *opt, long long *rows,
			int *files)
{
	Export		ex = {.conn = conn, .files.mtime = time(NULL)};
	ExportOptions resolved = *opt;
	Output		out = {0};
	char	   *name = NULL;
	bool		ok;

	*rows = 0;
	*files = 0;
	ex.opt = &resolved;
	ok = output_open(&out, opt);
	if (!ok)
	{
		output_close(&out, false);
		return EXPORT_BAD_INPUT;
	}
	ok = open_feed(&ex, &name);
	resolved.schema = name;
	ok = ok && read_feed(&ex) && output_add_files(&out, &ex);
	if (ok && out.folder)
		ok = folder_write(&ex.files, out.paths[0]);
	else if (ok)
		ok = zipwrite_members(&ex.files, out.fd, out.shown);
	ex.db_failed = ex.db_failed || ex.files.db_failed;
	/* the transaction only read: its end is no news */
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		db_cleanup(conn, ok ? "COMMIT" : "ROLLBACK");
	ok = ok && output_commit(&out);
	output_close(&out, ok);
	*rows = ex.files.rows;
	*files = ex.files.nmembers;
	member_list_free(&ex.files);
	PQfreemem(ex.postgis);
	PQfreemem(ex.schema);
	free(name);
	return ok ? EXPORT_OK : ex.db_failed ? EXPORT_DB_FAILED :
		EXPORT_BAD_INPUT;
}
