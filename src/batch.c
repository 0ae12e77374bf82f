/*
 * batch.c: several feeds, a child process each, jobs at once.
 *
 * Processes rather than threads, as pg_restore -j on Unix: each feed runs
 * the one-feed load untouched (its connection, its signal handling, its
 * memory freed by its exit), and a feed that fails, even by crashing,
 * takes no other with it.  The parent holds a Run per feed and the
 * children write their figures into a shared anonymous mapping.
 */
#include "batch.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "report.h"

#define EXIT_NOT_RUN	1		/* a feed that could not be started */
#define EXIT_SIGNAL		128

/* The parent's record of one feed. */
typedef struct
{
	pid_t		pid;			/* its process while it runs, else 0 */
	int			code;			/* its exit code; -1: not run */
	double		started;
	double		seconds;
	long		peak_rss_kb;	/* the child's, from wait4 */
} Run;

static volatile sig_atomic_t stop_signal;	/* the signal, or 0 */
static Run *signal_runs;		/* for forward_signal, NULL in children */
static int	signal_nruns;

/*
 * SIGINT, SIGTERM in the parent: each child cancels its load on its own
 * (kill is safe in a signal handler), and no more feeds start.  The runs
 * change only while these signals are blocked.
 */
static void
forward_signal(int sig)
{
	stop_signal = sig;
	for (int i = 0; signal_runs && i < signal_nruns; i++)
		if (signal_runs[i].pid > 0)
			kill(signal_runs[i].pid, sig);
}

/* Whether code is a feed's that SIGINT or SIGTERM canceled (not a crash). */
static bool
canceled(int code)
{
	return code == EXIT_SIGNAL + SIGINT || code == EXIT_SIGNAL + SIGTERM;
}

static const char *
status_of(const Run *run, const BatchResult *result)
{
	if (run->code < 0)
		return "not run";
	if (run->code == 0)
		return result->skipped ? "skipped" : "loaded";
	return canceled(run->code) ? "canceled" : "failed";
}

/* s in width columns: its head and tail, where names of a series differ */
static void
cut(char *out, size_t width, const char *s)
{
	size_t		len = strlen(s);
	size_t		head = (width - 1) / 2;

	if (len <= width)
		memcpy(out, s, len + 1);
	else
		snprintf(out, width + 1, "%.*s~%s", (int) head, s,
				 s + len - (width - 1 - head));
}

/* One line per feed, in 80 columns, then the counts. */
static void
print_summary(const BatchFeed *feeds, const Run *runs,
			  const BatchResult *results, int nfeeds)
{
	int			counts[5] = {0};	/* loaded, skipped, failed, canceled,
									 * not run */

	fprintf(stderr, "%-15s %-15s %-8s %9s %6s %5s %7s %6s\n", "feed",
			"schema", "status", "rows", "errors", "warns", "seconds",
			"RSS MB");
	for (int i = 0; i < nfeeds; i++)
	{
		const Run  *r = &runs[i];
		const BatchResult *res = &results[i];
		char		id[16],
					schema[16],
					status[16];

		cut(id, 15, feeds[i].feed_id);
		cut(schema, 15, feeds[i].schema);
		if (r->code > 0)
			snprintf(status, sizeof(status), "exit %d", r->code);
		else
			snprintf(status, sizeof(status), "%s", status_of(r, res));
		fprintf(stderr, "%-15s %-15s %-8s", id, schema, status);
		if (r->code == 0 && !res->skipped)
			fprintf(stderr, " %9ld %6ld %5ld", res->rows, res->errors,
					res->warnings);
		else
			fprintf(stderr, " %9s %6s %5s", "-", "-", "-");
		if (r->code >= 0)
			fprintf(stderr, " %7.2f %6.1f", r->seconds,
					(double) r->peak_rss_kb / 1024.0);
		fputc('\n', stderr);
		counts[r->code < 0 ? 4 : canceled(r->code) ? 3 :
			   r->code > 0 ? 2 : res->skipped ? 1 : 0]++;
	}
	fprintf(stderr, "%d feeds: %d loaded, %d skipped, %d failed", nfeeds,
			counts[0], counts[1], counts[2]);
	if (counts[3] > 0)
		fprintf(stderr, ", %d canceled", counts[3]);
	if (counts[4] > 0)
		fprintf(stderr, ", %d not run", counts[4]);
	fputc('\n', stderr);
}

/* dir/N.json, where child N writes its report (malloc'd, NULL if no dir). */
static char *
report_of(const char *dir, int feed)
{
	char	   *path;

	if (dir == NULL || asprintf(&path, "%s/%d.json", dir, feed) < 0)
		return NULL;
	return path;
}

/* Copies the file at path to out, or "null" when there is none. */
static void
copy_report(FILE *out, const char *path)
{
	FILE	   *in = path ? fopen(path, "r") : NULL;
	char		chunk[65536];
	size_t		n;

	if (in == NULL)
	{
		fputs("null", out);
		return;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, out);
	fclose(in);
}

/*
 * The JSON array of the feeds' reports into path: each feed's own, as
 * one feed's run writes it, read back from dir; false (logged) on error.
 */
static bool
write_reports(const char *path, const char *dir, const BatchFeed *feeds,
			  const Run *runs, const BatchResult *results, int nfeeds)
{
	ReportSink	sink;

	if (!report_open(&sink, path))
		return false;
	fputc('[', sink.out);
	for (int i = 0; i < nfeeds; i++)
	{
		char	   *child = report_of(dir, i);

		fputs(i ? ",\n {\"file\": " : "\n {\"file\": ", sink.out);
		report_write_string(sink.out, feeds[i].file);
		fputs(", \"feed_id\": ", sink.out);
		report_write_string(sink.out, feeds[i].feed_id);
		fputs(", \"schema\": ", sink.out);
		report_write_string(sink.out, feeds[i].schema);
		fputs(", \"status\": ", sink.out);
		report_write_string(sink.out, status_of(&runs[i], &results[i]));
		if (runs[i].code < 0)
			fputs(", \"exit\": null", sink.out);
		else
			fprintf(sink.out, ", \"exit\": %d, \"seconds\": %.3f, "
					"\"peak_rss_kb\": %ld", runs[i].code, runs[i].seconds,
					runs[i].peak_rss_kb);
		fputs(",\n  \"report\": ", sink.out);
		copy_report(sink.out, runs[i].code == 0 ? child : NULL);
		fputc('}', sink.out);
		free(child);
	}
	fputs("]\n", sink.out);
	return report_commit(&sink);
}

/* Removes dir and the children's reports in it. */
static void
remove_reports(char *dir, int nfeeds)
{
	if (dir == NULL)
		return;
	for (int i = 0; i < nfeeds; i++)
	{
		char	   *path = report_of(dir, i);

		if (path)
			unlink(path);
		free(path);
	}
	rmdir(dir);
}

/* The exit code of a child's wait status. */
static int
exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return EXIT_SIGNAL + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int
batch_run(const BatchFeed *feeds, int nfeeds, int jobs,
		  const char *report_path, bool quiet, BatchLoad load, void *arg,
		  bool *child)
{
	static char stderr_buf[8192];
	Run		   *runs = calloc((size_t) nfeeds, sizeof(Run));
	size_t		shared_size = sizeof(BatchResult) * (size_t) nfeeds;
	BatchResult *results = mmap(NULL, shared_size, PROT_READ | PROT_WRITE,
								MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char	   *dir = NULL;
	struct sigaction sa,
				old_int,
				old_term;
	sigset_t	block,
				unblocked;
	int			next = 0,
				running = 0,
				worst = 0;

	*child = false;
	if (runs == NULL || results == MAP_FAILED)
	{
		log_error("out of memory");
		worst = EXIT_NOT_RUN;
		goto cleanup;
	}
	if (report_path)
	{
		const char *tmp = getenv("TMPDIR");

		if (asprintf(&dir, "%s/gtfs2pgsql-XXXXXX",
					 tmp && tmp[0] ? tmp : "/tmp") < 0)
			dir = NULL;
		if (dir == NULL || mkdtemp(dir) == NULL)
		{
			log_error("could not create a directory for the reports: %m");
			free(dir);
			dir = NULL;
			worst = EXIT_NOT_RUN;
			goto cleanup;
		}
	}
	for (int i = 0; i < nfeeds; i++)
		runs[i].code = -1;
	stop_signal = 0;
	signal_runs = runs;
	signal_nruns = nfeeds;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* blocked but while waiting: the runs change with no handler between */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &unblocked);

	while (next < nfeeds || running > 0)
	{
		struct rusage ru;
		int			status;
		pid_t		pid;

		while (running < jobs && next < nfeeds && !stop_signal)
		{
			fflush(stdout);
			fflush(stderr);
			pid = fork();
			if (pid == 0)
			{
				char	   *path = report_of(dir, next);
				int			code;

				/* a signal pending since the fork ends the child here */
				signal(SIGINT, SIG_DFL);
				signal(SIGTERM, SIG_DFL);
				signal_runs = NULL;
				sigprocmask(SIG_SETMASK, &unblocked, NULL);
				/* whole lines, each one write, not mixed with others' */
				setvbuf(stderr, stderr_buf, _IOLBF, sizeof(stderr_buf));
				code = load(next, path, &results[next], arg);
				free(path);
				free(runs);
				free(dir);
				munmap(results, shared_size);
				*child = true;
				return code;
			}
			if (pid < 0)
			{
				log_error("could not start a process for feed \"%s\": %m",
						  feeds[next].feed_id);
				runs[next++].code = EXIT_NOT_RUN;
				stop_signal = -1;	/* no more: the next would fail too */
				break;
			}
			runs[next].pid = pid;
			runs[next].started = report_now();
			running++;
			next++;
		}
		if (running == 0)
			break;
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		pid = wait4(-1, &status, 0, &ru);
		sigprocmask(SIG_BLOCK, &block, NULL);
		if (pid < 0)
		{
			if (errno == EINTR)
				continue;
			log_error("could not wait for the loads: %m");
			break;
		}
		for (int i = 0; i < nfeeds; i++)
			if (runs[i].pid == pid)
			{
				runs[i].pid = 0;
				runs[i].code = exit_code(status);
				runs[i].seconds = report_now() - runs[i].started;
				runs[i].peak_rss_kb = ru.ru_maxrss;
				running--;
				break;
			}
	}
	signal_runs = NULL;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigprocmask(SIG_SETMASK, &unblocked, NULL);

	for (int i = 0; i < nfeeds; i++)
	{
		int			code = runs[i].code >= 0 ? runs[i].code :
			stop_signal > 0 ? EXIT_SIGNAL + stop_signal : EXIT_NOT_RUN;

		if (code > worst)
			worst = code;
	}
	if (stop_signal > 0)
		log_error("canceled: the feeds under way are unchanged, %d not "
				  "started", nfeeds - next);
	if (!quiet)
		print_summary(feeds, runs, results, nfeeds);
	if (report_path &&
		!write_reports(report_path, dir, feeds, runs, results, nfeeds) &&
		worst == 0)
		worst = EXIT_NOT_RUN;

cleanup:
	remove_reports(dir, nfeeds);
	free(dir);
	free(runs);
	if (results != MAP_FAILED)
		munmap(results, shared_size);
	return worst;
}
