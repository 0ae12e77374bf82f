/*
 * report.c: per-file figures, as JSON and as a table for people.
 */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "textfmt.h"

#define REPORT_STRING_MAX	(64 * 1024 * 1024)	/* bytes of one escaped string */

double
report_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

long
report_peak_rss_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return ru.ru_maxrss;		/* kB on Linux */
}

void
report_init(Report *r, const char *feed)
{
	memset(r, 0, sizeof(Report));
	r->feed = feed;
	r->started = report_now();
}

bool
report_add(Report *r, const char *file, long rows, long set_aside,
		   unsigned long long bytes, double started)
{
	ReportFile *f = realloc(r->files,
							sizeof(ReportFile) * (size_t) (r->nfiles + 1));

	if (f == NULL)
	{
		log_error("out of memory");
		return false;
	}
	r->files = f;
	f += r->nfiles;
	f->file = strdup(file);
	if (f->file == NULL)
	{
		log_error("out of memory");
		return false;
	}
	f->rows = rows;
	f->set_aside = set_aside;
	f->bytes = bytes;
	f->seconds = report_now() - started;
	f->peak_rss_kb = report_peak_rss_kb();
	f->concurrent = false;
	r->nfiles++;
	return true;
}

bool
report_add_replaced(Report *r, const char *feed_id, const char *schema,
					const char *file, const char *imported_at)
{
	ReportReplaced *old = realloc(r->replaced, sizeof(ReportReplaced) *
								  (size_t) (r->nreplaced + 1));

	if (old == NULL)
	{
		log_error("out of memory");
		return false;
	}
	r->replaced = old;
	old += r->nreplaced;
	memset(old, 0, sizeof(ReportReplaced));
	old->feed_id = strdup(feed_id);
	old->schema = strdup(schema);
	old->file = strdup(file);
	old->imported_at = strdup(imported_at);
	r->nreplaced++;
	if (old->feed_id && old->schema && old->file && old->imported_at)
		return true;
	log_error("out of memory");
	return false;
}

bool
report_add_replaced_file(Report *r, const char *file, long rows)
{
	ReportReplaced *old = &r->replaced[r->nreplaced - 1];
	ReportFile *f = realloc(old->files,
							sizeof(ReportFile) * (size_t) (old->nfiles + 1));

	if (f == NULL)
	{
		log_error("out of memory");
		return false;
	}
	old->files = f;
	f += old->nfiles;
	memset(f, 0, sizeof(ReportFile));
	f->file = strdup(file);
	if (f->file == NULL)
	{
		log_error("out of memory");
		return false;
	}
	f->rows = rows;
	old->nfiles++;
	return true;
}

long
report_rows_of(const Report *r, const ReportReplaced *replaced,
			   const char *file)
{
	const ReportFile *files = replaced ? replaced->files : r->files;
	int			nfiles = replaced ? replaced->nfiles : r->nfiles;

	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i].file, file) == 0)
			return files[i].rows;
	return -1;
}

/* Records one step that took seconds; false when out of memory. */
static bool
add_step(Report *r, const char *step, double seconds, bool concurrent)
{
	ReportStep *s = realloc(r->steps,
							sizeof(ReportStep) * (size_t) (r->nsteps + 1));

	if (s == NULL)
	{
		log_error("out of memory");
		return false;
	}
	r->steps = s;
	s += r->nsteps;
	s->step = strdup(step);
	if (s->step == NULL)
	{
		log_error("out of memory");
		return false;
	}
	s->seconds = seconds;
	s->concurrent = concurrent;
	r->nsteps++;
	return true;
}

bool
report_add_step(Report *r, const char *step, double started)
{
	return add_step(r, step, report_now() - started, false);
}

bool
report_add_concurrent_step(Report *r, const char *step, double seconds)
{
	return add_step(r, step, seconds, true);
}

void
report_set_aside(Report *r, const char *file, long set_aside)
{
	for (int i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i].file, file) == 0)
		{
			/* they were deleted from the table */
			r->files[i].rows -= set_aside;
			r->files[i].set_aside += set_aside;
		}
}

void
report_finish(Report *r)
{
	long		rss = report_peak_rss_kb();

	r->seconds = report_now() - r->started;
	/* a process of the load's (load.c's side load) may have set more */
	if (rss > r->peak_rss_kb)
		r->peak_rss_kb = rss;
}

/* s as a JSON string (textfmt_json_string). */
static void
json_string(FILE *out, const char *s)
{
	Buf			b;

	buf_init(&b, REPORT_STRING_MAX);
	if (textfmt_json_string(&b, s, strlen(s), NULL))
		fwrite(b.data, 1, b.len, out);
	else
		fputs("null", out);
	buf_free(&b);
}

/* s as a JSON string, or null when NULL. */
static void
json_string_or_null(FILE *out, const char *s)
{
	if (s)
		json_string(out, s);
	else
		fputs("null", out);
}

/* The feeds the load replaced, a JSON array. */
static void
write_replaced_json(const Report *r, FILE *out)
{
	fputc('[', out);
	for (int i = 0; i < r->nreplaced; i++)
	{
		const ReportReplaced *old = &r->replaced[i];

		fputs(i ? ",\n  {\"feed_id\": " : "\n  {\"feed_id\": ", out);
		json_string(out, old->feed_id);
		fputs(", \"schema\": ", out);
		json_string(out, old->schema);
		fputs(", \"file\": ", out);
		json_string(out, old->file);
		fputs(", \"imported_at\": ", out);
		json_string(out, old->imported_at);
		fputs(", \"files\": [", out);
		for (int f = 0; f < old->nfiles; f++)
		{
			fputs(f ? ", {\"file\": " : "{\"file\": ", out);
			json_string(out, old->files[f].file);
			fprintf(out, ", \"rows\": %ld}", old->files[f].rows);
		}
		fputs("]}", out);
	}
	fputc(']', out);
}

static void
write_json(const Report *r, FILE *out)
{
	long		rows = 0;

	fputs("{\"feed\": ", out);
	json_string(out, r->feed);
	fputs(", \"feed_id\": ", out);
	json_string_or_null(out, r->feed_id);
	fputs(", \"schema\": ", out);
	json_string_or_null(out, r->schema);
	fprintf(out, ", \"skipped\": %s,\n \"replaced\": ",
			r->skipped ? "true" : "false");
	write_replaced_json(r, out);
	fputs(",\n \"files\": [", out);
	for (int i = 0; i < r->nfiles; i++)
	{
		const ReportFile *f = &r->files[i];

		fputs(i ? ",\n  {\"file\": " : "\n  {\"file\": ", out);
		json_string(out, f->file);
		fprintf(out, ", \"rows\": %ld, \"set_aside\": %ld, \"bytes\": %llu, "
				"\"seconds\": %.3f, \"peak_rss_kb\": %ld%s}",
				f->rows, f->set_aside, f->bytes, f->seconds, f->peak_rss_kb,
				f->concurrent ? ", \"concurrent\": true" : "");
		rows += f->rows;
	}
	fputs("],\n \"steps\": [", out);
	for (int i = 0; i < r->nsteps; i++)
	{
		fputs(i ? ",\n  {\"step\": " : "\n  {\"step\": ", out);
		json_string(out, r->steps[i].step);
		/*
		 * to the microsecond: a feed's steps take well under a millisecond
		 * each on a fast server, and rounded they would no longer add up
		 */
		fprintf(out, ", \"seconds\": %.6f%s}", r->steps[i].seconds,
				r->steps[i].concurrent ? ", \"concurrent\": true" : "");
	}
	fprintf(out, "],\n \"total\": {\"rows\": %ld, \"seconds\": %.3f, "
			"\"index_seconds\": %.3f, \"peak_rss_kb\": %ld},\n"
			" \"notice_counts\": {\"error\": %ld, \"warning\": %ld, "
			"\"info\": %ld},\n \"notices\": %s,\n \"as_of\": ",
			rows, r->seconds, r->index_seconds, r->peak_rss_kb,
			r->notice_counts[0], r->notice_counts[1], r->notice_counts[2],
			r->notices_json ? r->notices_json : "[]");
	json_string_or_null(out, r->as_of);
	fprintf(out, ",\n \"summary\": %s}\n",
			r->summary_json ? r->summary_json : "null");
}

bool
report_open(ReportSink *sink, const char *path)
{
	struct stat st;
	const char *slash;
	mode_t		mask;
	int			fd;

	memset(sink, 0, sizeof(ReportSink));
	if (strcmp(path, "-") == 0)
	{
		sink->out = stdout;
		return true;
	}
	/* a link is followed: the file it names is replaced */
	sink->path = realpath(path, NULL);
	if (sink->path == NULL && errno == ENOENT)
		sink->path = strdup(path);
	if (sink->path == NULL)
	{
		log_error("could not open report \"%s\": %s", path, strerror(errno));
		return false;
	}
	/* a device or a pipe is written as it is */
	if (stat(sink->path, &st) == 0 && !S_ISREG(st.st_mode))
	{
		sink->out = fopen(sink->path, "w");
		if (sink->out == NULL)
			log_error("could not open report \"%s\": %s", path,
					  strerror(errno));
		return sink->out != NULL;
	}
	/* hidden, so that a feed folder holding it does not list it */
	slash = strrchr(sink->path, '/');
	if (asprintf(&sink->tmp, "%.*s.%s.XXXXXX",
				 slash ? (int) (slash - sink->path + 1) : 0, sink->path,
				 slash ? slash + 1 : sink->path) < 0)
	{
		sink->tmp = NULL;
		log_error("out of memory");
		return false;
	}
	fd = mkstemp(sink->tmp);
	if (fd < 0)
	{
		log_error("could not create a temporary file for report \"%s\": %s",
				  path, strerror(errno));
		free(sink->tmp);
		sink->tmp = NULL;
		return false;
	}
	/* the mode a new file would have had */
	mask = umask(0);
	umask(mask);
	sink->out = fdopen(fd, "w");
	if (fchmod(fd, 0666 & ~mask) != 0 || sink->out == NULL)
	{
		log_error("could not open report \"%s\": %s", path, strerror(errno));
		if (sink->out == NULL)
			close(fd);
		report_discard(sink);
		return false;
	}
	return true;
}

bool
report_write_json(const Report *r, ReportSink *sink)
{
	write_json(r, sink->out);
	return report_commit(sink);
}

void
report_write_string(FILE *out, const char *s)
{
	json_string(out, s);
}

bool
report_commit(ReportSink *sink)
{
	bool		ok;

	ok = fflush(sink->out) == 0 && !ferror(sink->out) &&
		(sink->tmp == NULL || fsync(fileno(sink->out)) == 0);
	if (sink->out != stdout && fclose(sink->out) != 0)
		ok = false;
	sink->out = NULL;
	if (ok && sink->tmp && rename(sink->tmp, sink->path) != 0)
		ok = false;
	if (!ok)
		log_error("could not write report \"%s\": %s", sink->path ?
				  sink->path : "-", strerror(errno));
	else
	{
		free(sink->tmp);
		sink->tmp = NULL;
	}
	report_discard(sink);
	return ok;
}

void
report_discard(ReportSink *sink)
{
	if (sink->out && sink->out != stdout)
		fclose(sink->out);
	if (sink->tmp)
		unlink(sink->tmp);
	free(sink->tmp);
	free(sink->path);
	memset(sink, 0, sizeof(ReportSink));
}

char *
report_json(const Report *r)
{
	char	   *json = NULL;
	size_t		len;
	FILE	   *out = open_memstream(&json, &len);

	if (out == NULL)
	{
		log_error("out of memory");
		return NULL;
	}
	write_json(r, out);
	if (fclose(out) != 0)
	{
		log_error("out of memory");
		free(json);
		return NULL;
	}
	return json;
}

/* Columns of the table: it fits in 80. */
#define NAME_WIDTH		26		/* a file's name */
#define STEP_WIDTH		48		/* a step's name, over rows and MB */
#define STEP_SHOWN_MIN	0.05	/* seconds: shorter steps make one line */

/*
 * name cut to width bytes on a character boundary, with its control
 * characters as '?' (a member's name may hold terminal codes), into out.
 */
static const char *
shown_name(const char *name, int width, char *out, size_t outsize)
{
	size_t		len = strlen(name);

	if (len > (size_t) width)
	{
		len = (size_t) width;
		while (len > 0 && ((unsigned char) name[len] & 0xC0) == 0x80)
			len--;
	}
	snprintf(out, outsize, "%.*s", (int) len, name);
	for (char *p = out; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7F)
			*p = '?';
	return out;
}

/*
 * One line of the table; concurrent: the file was loaded by another
 * process, whose memory it shows, marked '*' (report_print_table's note).
 */
static void
table_line(FILE *out, const char *name, long rows, long set_aside, double mb,
		   double seconds, long rss_kb, bool concurrent)
{
	char		shown[256];

	fprintf(out, "%-*s %11ld %9.1f %8.2f %11.0f %8.1f%s\n", NAME_WIDTH,
			shown_name(name, NAME_WIDTH, shown, sizeof(shown)), rows, mb,
			seconds, seconds > 0 ? (double) rows / seconds : 0.0,
			(double) rss_kb / 1024.0,
			concurrent ? "*" : "");
	if (set_aside > 0)
		fprintf(out, "%-*s %11ld\n", NAME_WIDTH, "  set aside", set_aside);
}

/*
 * The steps after the files, each with its seconds; those shorter than
 * STEP_SHOWN_MIN together on one line (the JSON report has each).
 */
static void
steps_lines(const Report *r, FILE *out)
{
	char		shown[256];
	int			short_steps = 0;
	double		short_seconds = 0;

	if (r->nsteps == 0)
		return;
	fprintf(out, "%-*s %8s\n", STEP_WIDTH, "step", "seconds");
	for (int i = 0; i < r->nsteps; i++)
	{
		const ReportStep *s = &r->steps[i];

		if (s->seconds < STEP_SHOWN_MIN && !s->concurrent)
		{
			short_steps++;
			short_seconds += s->seconds;
			continue;
		}
		fprintf(out, "%-*s %8.2f%s\n", STEP_WIDTH,
				shown_name(s->step, STEP_WIDTH, shown, sizeof(shown)),
				s->seconds, s->concurrent ? "  (2nd connection)" : "");
	}
	if (short_steps > 0)
	{
		snprintf(shown, sizeof(shown), "(%d step%s under %.2f s)",
				 short_steps, short_steps == 1 ? "" : "s", STEP_SHOWN_MIN);
		fprintf(out, "%-*s %8.2f\n", STEP_WIDTH, shown, short_seconds);
	}
}

void
report_print_table(const Report *r, FILE *out)
{
	long		rows = 0,
				set_aside = 0;
	double		mb = 0;
	bool		concurrent = false;

	fprintf(out, "%-*s %11s %9s %8s %11s %8s\n", NAME_WIDTH, "file", "rows",
			"MB", "seconds", "rows/s", "RSS MB");
	for (int i = 0; i < r->nfiles; i++)
	{
		const ReportFile *f = &r->files[i];

		table_line(out, f->file, f->rows, f->set_aside, (double) f->bytes / 1e6,
				   f->seconds, f->peak_rss_kb, f->concurrent);
		rows += f->rows;
		set_aside += f->set_aside;
		mb += (double) f->bytes / 1e6;
		concurrent = concurrent || f->concurrent;
	}
	steps_lines(r, out);
	table_line(out, "total", rows, set_aside, mb, r->seconds, r->peak_rss_kb,
			   false);
	if (concurrent)
		fprintf(out, "* RSS of the 2nd connection's process, which loaded "
				"it; total: the larger\n");
}

void
report_print_replaced(const Report *r, FILE *out)
{
	char		shown[256];

	for (int i = 0; i < r->nreplaced; i++)
	{
		const ReportReplaced *old = &r->replaced[i];

		fprintf(out, "%-*s %11s %11s\n", NAME_WIDTH, "file", "rows before",
				"rows now");
		for (int f = 0; f < r->nfiles; f++)
		{
			long		before = report_rows_of(r, old, r->files[f].file);

			fprintf(out, "%-*s ", NAME_WIDTH,
					shown_name(r->files[f].file, NAME_WIDTH, shown,
							   sizeof(shown)));
			if (before < 0)
				fprintf(out, "%11s", "-");
			else
				fprintf(out, "%11ld", before);
			fprintf(out, " %11ld\n", r->files[f].rows);
		}
		/* the files the new feed lacks */
		for (int f = 0; f < old->nfiles; f++)
			if (report_rows_of(r, NULL, old->files[f].file) < 0)
				fprintf(out, "%-*s %11ld %11s\n", NAME_WIDTH,
						shown_name(old->files[f].file, NAME_WIDTH, shown,
								   sizeof(shown)), old->files[f].rows, "-");
	}
}

void
report_free(Report *r)
{
	for (int i = 0; i < r->nreplaced; i++)
	{
		ReportReplaced *old = &r->replaced[i];

		for (int f = 0; f < old->nfiles; f++)
			free(old->files[f].file);
		free(old->files);
		free(old->feed_id);
		free(old->schema);
		free(old->file);
		free(old->imported_at);
	}
	free(r->replaced);
	r->replaced = NULL;
	r->nreplaced = 0;
	for (int i = 0; i < r->nfiles; i++)
		free(r->files[i].file);
	free(r->files);
	for (int i = 0; i < r->nsteps; i++)
		free(r->steps[i].step);
	free(r->steps);
	free(r->notices_json);
	free(r->summary_json);
	r->summary_json = NULL;
	r->files = NULL;
	r->nfiles = 0;
	r->steps = NULL;
	r->nsteps = 0;
	r->notices_json = NULL;
}
