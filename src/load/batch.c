/*
 * batch.c: several feeds, jobs at once, each job a worker process.
 *
 * Processes rather than threads, as pg_restore -j on Unix: a feed that
 * fails, even by crashing, takes no other with it.  Each worker keeps its
 * connection from feed to feed: the server's caches of a session stay
 * warm, and a new feed's ATTACH to the cross-feed tables then reads the
 * other feeds' partitions from memory, not from the catalog (about 8x
 * less at 1,000 feeds).  The parent hands out the feeds one at a time
 * over a socket per worker, holds a Run per feed, and the workers write
 * their figures into a shared anonymous mapping.  A worker dies with the
 * parent (PR_SET_PDEATHSIG), so that a command killed with -9 leaves no
 * load to commit behind it.
 */
#include "batch.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcode.h"
#include "fdio.h"
#include "log.h"
#include "report.h"

/* The parent's record of one feed. */
typedef struct
{
	int			code;			/* its exit code; -1: not run */
	double		started;
	double		seconds;
	long		peak_rss_kb;	/* of the worker that loaded it, so far */
} Run;

/* The parent's record of one worker. */
typedef struct
{
	pid_t		pid;			/* 0: none */
	int			fd;				/* the parent's end of its socket */
	int			feed;			/* the feed it loads, or -1 */
} Worker;

/* What a worker says when it has loaded a feed. */
typedef struct
{
	int			feed;
	int			code;
	long		peak_rss_kb;
} Done;

static volatile sig_atomic_t stop_signal;	/* the signal, or 0 */
static Worker *signal_workers;	/* for forward_signal, NULL in workers */
static int	signal_nworkers;

/*
 * SIGINT, SIGTERM in the parent: each worker cancels its load on its own
 * (kill is safe in a signal handler), and no more feeds start.  The
 * workers change only while these signals are blocked.
 */
static void
forward_signal(int sig)
{
	stop_signal = sig;
	for (int i = 0; signal_workers && i < signal_nworkers; i++)
		if (signal_workers[i].pid > 0)
			kill(signal_workers[i].pid, sig);
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
			  const Run *runs, const BatchResult *results, int nfeeds,
			  double began)
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
			fprintf(sink.out, ", \"exit\": %d, \"started\": %.3f, "
					"\"seconds\": %.3f, \"peak_rss_kb\": %ld", runs[i].code,
					runs[i].started - began, runs[i].seconds,
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

/* The exit code of a process's wait status. */
static int
exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return EXIT_SIGNAL + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/*
 * A worker: loads each feed number the parent sends on fd, and answers
 * with a Done, until the socket closes or a load is canceled.
 */
static void
work(int fd, const char *dir, BatchResult *results, BatchLoad load,
	 void *arg)
{
	int			feed;

	while (fdio_transfer(fd, &feed, sizeof(feed), false))
	{
		char	   *path = report_of(dir, feed);
		struct rusage ru;
		Done		done = {feed, 0, 0};

		done.code = load(feed, path, &results[feed], arg);
		free(path);
		getrusage(RUSAGE_SELF, &ru);
		done.peak_rss_kb = ru.ru_maxrss;
		if (!fdio_transfer(fd, &done, sizeof(done), true) || canceled(done.code))
			break;
	}
}

/*
 * Forks worker w, which works until told to stop and then returns with
 * *child true; false (logged) when it could not be started.
 */
static bool
start_worker(Worker *workers, int w, int jobs, const sigset_t *unblocked,
			 bool *child)
{
	int			pair[2];
	pid_t		parent = getpid();
	pid_t		pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0)
	{
		log_error("could not create a socket for a worker: %m");
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
	{
		log_error("could not start a worker process: %m");
		close(pair[0]);
		close(pair[1]);
		return false;
	}
	if (pid == 0)
	{
		/*
		 * Dies with the parent, even one that died before this line: its
		 * feed rolls back, as any killed session's, rather than commit
		 * with nobody to report it (with _exit, as side.c's child: the
		 * parent's buffers are the parent's).
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		{
			log_error("could not tie a worker process to its parent: %m");
			_exit(EXIT_BAD_INPUT);
		}
		if (getppid() != parent)
			_exit(EXIT_BAD_INPUT);
		/* the others' sockets closed, so that each sees its own EOF */
		for (int i = 0; i < jobs; i++)
			if (workers[i].pid > 0)
				close(workers[i].fd);
		close(pair[0]);
		workers[w].fd = pair[1];
		*child = true;
		signal_workers = NULL;
		sigprocmask(SIG_SETMASK, unblocked, NULL);
		return true;
	}
	close(pair[1]);
	workers[w].pid = pid;
	workers[w].fd = pair[0];
	workers[w].feed = -1;
	return true;
}

/*
 * Worker w has ended (its socket closed): reaped, and the feed it was
 * loading, if any, gets its exit status (a crash, a signal).
 */
static void
end_worker(Worker *worker, Run *runs)
{
	int			status = 0;
	struct rusage ru = {0};

	while (wait4(worker->pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	close(worker->fd);
	if (worker->feed >= 0)
	{
		Run		   *run = &runs[worker->feed];

		run->code = exit_code(status);
		if (run->code == 0)
			run->code = EXIT_BAD_INPUT;	/* ended without a word */
		run->seconds = report_now() - run->started;
		run->peak_rss_kb = ru.ru_maxrss;
	}
	worker->pid = 0;
	worker->feed = -1;
}

/* Feeds to hand out, biggest first, in the order given when equal. */
static int
by_size(const void *a, const void *b)
{
	const BatchFeed *f = *(const BatchFeed *const *) a;
	const BatchFeed *g = *(const BatchFeed *const *) b;

	if (f->bytes != g->bytes)
		return f->bytes > g->bytes ? -1 : 1;
	return f < g ? -1 : f > g;
}

int
batch_run(const BatchFeed *feeds, int nfeeds, int jobs,
		  const char *report_path, bool quiet, BatchLoad load, void *arg,
		  bool *child)
{
	static char stderr_buf[8192];
	Run		   *runs = calloc((size_t) nfeeds, sizeof(Run));
	Worker	   *workers = calloc((size_t) jobs, sizeof(Worker));
	size_t		shared_size = sizeof(BatchResult) * (size_t) nfeeds;
	BatchResult *results = mmap(NULL, shared_size, PROT_READ | PROT_WRITE,
								MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct pollfd *polled = calloc((size_t) jobs, sizeof(struct pollfd));
	const BatchFeed **order = calloc((size_t) nfeeds, sizeof(BatchFeed *));
	char	   *dir = NULL;
	struct sigaction sa,
				old_int,
				old_term,
				old_pipe;
	sigset_t	block,
				unblocked;
	double		began = report_now();
	int			next = 0,
				worst = 0,
				stopped_by,
				ncanceled = 0;

	*child = false;
	if (runs == NULL || workers == NULL || polled == NULL || order == NULL ||
		results == MAP_FAILED)
	{
		log_error("out of memory");
		worst = EXIT_BAD_INPUT;
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
			worst = EXIT_BAD_INPUT;
			goto cleanup;
		}
	}
	for (int i = 0; i < nfeeds; i++)
	{
		runs[i].code = -1;
		order[i] = &feeds[i];
	}
	qsort(order, (size_t) nfeeds, sizeof(*order), by_size);
	if (jobs > nfeeds)
		jobs = nfeeds;
	stop_signal = 0;
	signal_workers = workers;
	signal_nworkers = jobs;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* a worker that dies must not kill the parent writing to it */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	/* blocked but while polling: workers change with no handler between */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &unblocked);

	for (;;)
	{
		int			busy = 0;

		/* each idle worker, started if need be, gets the next feed */
		for (int w = 0; w < jobs && next < nfeeds && !stop_signal; w++)
		{
			if (workers[w].pid == 0)
			{
				if (!start_worker(workers, w, jobs, &unblocked, child))
				{
					stop_signal = -1;	/* the next would fail too */
					break;
				}
				if (*child)
				{
					signal(SIGINT, old_int.sa_handler);
					signal(SIGTERM, old_term.sa_handler);
					/* whole lines, each one write, not mixed with others' */
					setvbuf(stderr, stderr_buf, _IOLBF, sizeof(stderr_buf));
					work(workers[w].fd, dir, results, load, arg);
					close(workers[w].fd);
					goto cleanup;
				}
			}
			if (workers[w].feed >= 0)
				continue;
			workers[w].feed = (int) (order[next] - feeds);
			runs[workers[w].feed].started = report_now();
			if (!fdio_transfer(workers[w].fd, &workers[w].feed, sizeof(int), true))
			{
				/* it died idle: the feed goes to a new one */
				workers[w].feed = -1;
				end_worker(&workers[w], runs);
				w--;
				continue;
			}
			next++;
		}
		for (int w = 0; w < jobs; w++)
		{
			polled[w].fd = workers[w].feed >= 0 ? workers[w].fd : -1;
			polled[w].events = POLLIN;
			polled[w].revents = 0;
			busy += workers[w].feed >= 0;
		}
		if (busy == 0)
			break;
		if (ppoll(polled, (nfds_t) jobs, NULL, &unblocked) < 0)
		{
			if (errno == EINTR)
				continue;
			log_error("could not wait for the loads: %m");
			break;
		}
		for (int w = 0; w < jobs; w++)
		{
			Done		done;

			if (polled[w].revents == 0)
				continue;
			if (!fdio_transfer(workers[w].fd, &done, sizeof(done), false) ||
				done.feed != workers[w].feed)
			{
				end_worker(&workers[w], runs);
				continue;
			}
			runs[done.feed].code = done.code;
			runs[done.feed].seconds = report_now() - runs[done.feed].started;
			runs[done.feed].peak_rss_kb = done.peak_rss_kb;
			workers[w].feed = -1;
		}
	}
	/* the workers see their socket close, and end */
	for (int w = 0; w < jobs; w++)
		if (workers[w].pid > 0)
		{
			shutdown(workers[w].fd, SHUT_WR);
			end_worker(&workers[w], runs);
		}
	signal_workers = NULL;
	/* what stopped the run: a signal from now on changes no feed's fate */
	stopped_by = stop_signal;
	sigprocmask(SIG_SETMASK, &unblocked, NULL);

	for (int i = 0; i < nfeeds; i++)
	{
		int			code = runs[i].code >= 0 ? runs[i].code :
			stopped_by > 0 ? EXIT_SIGNAL + stopped_by : EXIT_BAD_INPUT;

		if (code > worst)
			worst = code;
		if (canceled(code))
			ncanceled++;
	}
	/* a signal that came when every feed was done canceled nothing */
	if (stopped_by > 0 && ncanceled > 0)
		log_error("canceled: the feeds under way are unchanged, %d not "
				  "started", nfeeds - next);
	if (!quiet)
		print_summary(feeds, runs, results, nfeeds);
	if (report_path &&
		!write_reports(report_path, dir, feeds, runs, results, nfeeds,
					   began) &&
		worst == 0)
		worst = EXIT_BAD_INPUT;
	/* caught to the end: a signal during the summary kills no loaded run */
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);

cleanup:
	/* the reports are the parent's to remove, once written */
	if (!*child)
		remove_reports(dir, nfeeds);
	free(dir);
	free(runs);
	free(workers);
	free(polled);
	free(order);
	if (results != MAP_FAILED)
		munmap(results, shared_size);
	return worst;
}
