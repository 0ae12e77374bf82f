/*
 * report.h: what each file cost: rows, bytes, seconds, peak memory.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <stdio.h>

typedef struct
{
	char	   *file;
	long		rows;			/* rows in the table */
	long		set_aside;		/* rows set aside (in import_notices) */
	unsigned long long bytes;	/* bytes read from the member */
	double		seconds;
	long		peak_rss_kb;	/* peak resident set at the end of the file */
	bool		concurrent;		/* loaded by another process, on a second
								 * connection (load.c's side load): its
								 * peak_rss_kb is that process's */
} ReportFile;

/* One step after the files were read: a key, an index, the checks, ... */
typedef struct
{
	char	   *step;			/* "stop_times primary key" */
	double		seconds;
	bool		concurrent;		/* ran on a second connection, alongside
								 * the others (load.c's side load): not part
								 * of the run's sum */
} ReportStep;

/*
 * A feed that the load replaces, as the registry had it before the swap:
 * the same feed id, or another feed of the target schema.
 */
typedef struct
{
	char	   *feed_id;
	char	   *schema;
	char	   *file;			/* the file it was loaded from */
	char	   *imported_at;	/* when, as the server wrote it */
	ReportFile *files;			/* its files: only file and rows set */
	int			nfiles;
} ReportReplaced;

typedef struct
{
	const char *feed;			/* not owned */
	const char *feed_id;		/* not owned; NULL: not known */
	const char *schema;			/* not owned; NULL: not known */
	bool		skipped;		/* unchanged (--skip-unchanged): nothing
								 * was loaded */
	ReportReplaced *replaced;	/* the feeds the load replaces */
	int			nreplaced;
	ReportFile *files;
	int			nfiles;
	ReportStep *steps;
	int			nsteps;
	double		started;
	double		index_seconds;	/* building keys and indexes */
	double		seconds;		/* whole run, set by report_finish */
	long		peak_rss_kb;
	long		notice_counts[3];	/* by severity: error, warning, info */
	char	   *notices_json;	/* the notices by code and file, a JSON
								 * array (owned), or NULL */
	const char *as_of;			/* not owned: the validator's rules' today,
								 * NULL when they did not run */
	char	   *summary_json;	/* the feed's publisher, validity, agencies,
								 * counts and features, a JSON object
								 * (owned), or NULL */
} Report;

/* Monotonic clock in seconds. */
extern double report_now(void);

/* Peak resident set size of this process so far, in kB. */
extern long report_peak_rss_kb(void);

/*
 * Records a feed the load replaces (the strings copied), with none of its
 * files yet; false (logged) when out of memory.
 */
extern bool report_add_replaced(Report *r, const char *feed_id,
								const char *schema, const char *file,
								const char *imported_at);

/*
 * Records a file of the replaced feed last added, with its rows; false
 * (logged) when out of memory.
 */
extern bool report_add_replaced_file(Report *r, const char *file, long rows);

/*
 * The rows r had of file: of its files, or of replaced's when not NULL;
 * -1 when it had no such file.
 */
extern long report_rows_of(const Report *r, const ReportReplaced *replaced,
						   const char *file);

/* Starts the clock; feed is kept, not copied. */
extern void report_init(Report *r, const char *feed);

/*
 * Records one file that took from started to now, with the rows loaded and
 * those set aside while reading it; false when out of memory.
 */
extern bool report_add(Report *r, const char *file, long rows, long set_aside,
					   unsigned long long bytes, double started);

/*
 * Records one step (copied) that took from started to now; false when out
 * of memory.
 */
extern bool report_add_step(Report *r, const char *step, double started);

/*
 * A step that took seconds on a second connection, in another process,
 * while this one went on (ReportStep.concurrent); false when out of
 * memory.
 */
extern bool report_add_concurrent_step(Report *r, const char *step,
									   double seconds);

/*
 * Adds rows of file set aside after it was loaded: they were deleted from
 * the table, so they leave its row count.
 */
extern void report_set_aside(Report *r, const char *file, long set_aside);

/*
 * Stops the clock for the whole run; peak_rss_kb becomes this process's
 * peak unless it was set higher (by another process of the load).
 */
extern void report_finish(Report *r);

/*
 * Where the report goes (JSON, or HTML: report_html.h).  A regular file (or a path where there is
 * none yet) is written as a temporary file beside it, renamed over it at
 * the end, so that a run that fails leaves an existing report as it was.
 */
typedef struct
{
	FILE	   *out;
	char	   *path;			/* the report's path, links resolved */
	char	   *tmp;			/* the temporary file, or NULL when out is
								 * the report itself (stdout, a device) */
} ReportSink;

/*
 * Opens the report's output, path ("-" for stdout), before the load, so
 * that a path that cannot be written stops the run before anything is
 * done.  False (logged) on failure; either way, end sink with
 * report_write_json, report_commit or report_discard.
 */
extern bool report_open(ReportSink *sink, const char *path);

/*
 * Writes the JSON report to sink, closes it and moves the temporary file
 * into place; false (logged) on error, the temporary file removed.
 */
extern bool report_write_json(const Report *r, ReportSink *sink);

/* s as a JSON string, quoted and escaped. */
extern void report_write_string(FILE *out, const char *s);

/*
 * Ends sink once a report was written to sink->out: flushes and closes it
 * and moves the temporary file into place; false (logged) on error, the
 * temporary file removed.
 */
extern bool report_commit(ReportSink *sink);

/* Ends sink without a report: the temporary file is removed. */
extern void report_discard(ReportSink *sink);

/* The JSON report as a string (free it); NULL (logged) when out of memory. */
extern char *report_json(const Report *r);

/* The human table. */
extern void report_print_table(const Report *r, FILE *out);

/*
 * For each feed the load replaces, a table of its files: the rows the
 * replaced feed had, and those of the load.
 */
extern void report_print_replaced(const Report *r, FILE *out);

/*
 * Frees the files, steps and replaced feeds recorded in r (not r itself,
 * nor feed), leaving it with none.  r must not be NULL.
 */
extern void report_free(Report *r);

#endif
