/*
 * report_html.c: the report as one page for people.
 *
 * Whatever comes from the feed or the database (names, ids, values) goes
 * through put_html_text, which escapes it for HTML; a
 * Content-Security-Policy forbids scripts and fetches all the same, should
 * an escape be missed.
 *
 * The map is inline SVG in a frame MAP_WIDTH units wide.  The server moves
 * each line into the frame (stretching longitude by the cosine of the
 * latitude), simplifies it by less than a pixel and writes it with
 * relative moves and one decimal: Brooklyn's 84 thousand shape points take
 * about 60 KB.  The rows are written as they arrive (single-row mode), and
 * a byte budget keeps the page of a far larger feed under 2 MB: the lines
 * past it are left out, and the page says how many.
 */
#include "report_html.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "db.h"
#include "ddl.h"
#include "log.h"
#include "postgis.h"
#include "validator.h"

#define MAP_WIDTH		1000	/* the map's frame, in SVG units */
#define MAP_MARGIN		10
#define LINES_UNTIL		(1300 * 1000)	/* page bytes: no more lines past */
#define STOPS_UNTIL		(1850 * 1000)	/* page bytes: no more stops past */
#define EXAMPLES		"3"		/* per notice code */

/* schema/sql/, embedded by the Makefile: "@s", "@g" ddl_template's */
extern const char sql_map_extent[];
extern const char sql_map_lines[];
extern const char sql_map_stops[];
extern const char sql_report_notices[];
extern const char sql_report_summary[];

typedef struct
{
	FILE	   *out;
	size_t		bytes;			/* written so far */
	PGconn	   *conn;
	const char *schema;			/* as named */
	Ddl			ddl;			/* the feed's schema, PostGIS's: quoted */
} Page;

static const char *const style =
"body{font:14px/1.45 system-ui,sans-serif;color:#222;max-width:1100px;"
"margin:1.5em auto;padding:0 1em}\n"
"h1{margin:0 0 .1em;font-size:1.7em;overflow-wrap:anywhere}\n"
"h2{margin:1.8em 0 .5em;padding-bottom:.2em;border-bottom:1px solid #ddd}\n"
"p.sub,p.note{color:#555;margin:.3em 0}\n"
"table{border-collapse:collapse;width:100%}\n"
"th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;"
"vertical-align:top}\n"
"th{font-weight:600;background:#fafafa}\n"
"td{overflow-wrap:anywhere}\n"
"td.nw{white-space:nowrap}\n"
".n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
"td.b{background:linear-gradient(to right,#c9dcf2 var(--w),"
"transparent var(--w))}\n"
"tfoot td{font-weight:600;border-top:2px solid #ccc}\n"
"table.kv th{width:12em}\n"
".cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}\n"
".card{border:1px solid #ddd;border-radius:6px;padding:.4em .9em;"
"min-width:7em}\n"
".card b{display:block;font-size:1.35em}\n"
".error{color:#b00020}.warning{color:#9a5800}.info{color:#46627f}\n"
".sev{font-weight:600;font-size:.85em;text-transform:uppercase}\n"
"code{font-family:ui-monospace,monospace;font-size:.92em}\n"
"ul.ex{margin:0;padding-left:1.1em}\n"
"svg{display:block;width:100%;height:auto;max-height:90vh;"
"background:#f6f6f2;border:1px solid #ddd}\n"
"g.lines{filter:drop-shadow(0 0 .5px rgba(0,0,0,.6))}\n";

static void
put(Page *p, const char *s)
{
	size_t		len = strlen(s);

	fwrite(s, 1, len, p->out);
	p->bytes += len;
}

static void putf(Page *p, const char *fmt,...) PRINTF_LIKE(2, 3);

static void
putf(Page *p, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vfprintf(p->out, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->bytes += (size_t) n;
}

/*
 * Writes s as HTML text or attribute value: markup characters as
 * references, control characters (which HTML forbids) as U+FFFD.
 */
static void
put_html_text(Page *p, const char *s)
{
	const char *run = s;

	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;
		const char *ref;

		switch (c)
		{
			case '&':
				ref = "&amp;";
				break;
			case '<':
				ref = "&lt;";
				break;
			case '>':
				ref = "&gt;";
				break;
			case '"':
				ref = "&quot;";
				break;
			case '\'':
				ref = "&#39;";
				break;
			default:
				ref = (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F ?
					"&#xFFFD;" : NULL;
		}
		if (ref == NULL)
			continue;
		fwrite(run, 1, (size_t) (s - run), p->out);
		p->bytes += (size_t) (s - run);
		put(p, ref);
		run = s + 1;
	}
	put(p, run);
}

/* n with thousands separated by commas, into buf. */
static const char *
count_text(char *buf, size_t size, long long n)
{
	char		digits[32];
	int			len = snprintf(digits, sizeof(digits), "%lld", n < 0 ? -n : n);
	size_t		o = 0;

	if (n < 0 && o + 1 < size)
		buf[o++] = '-';
	for (int i = 0; i < len && o + 1 < size; i++)
	{
		if (i > 0 && (len - i) % 3 == 0 && o + 1 < size)
			buf[o++] = ',';
		if (o + 1 < size)
			buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* A number cell with a bar of value's share of max behind it. */
static void
put_bar(Page *p, const char *text, double value, double max)
{
	double		w = max > 0 && value > 0 ? 100.0 * value / max : 0;

	putf(p, "<td class=\"n b\" style=\"--w:%.1f%%\">", w > 100 ? 100 : w);
	put(p, text);
	put(p, "</td>");
}

/* A cell of count n with a bar. */
static void
put_count_bar(Page *p, long long n, double max)
{
	char		buf[40];

	put_bar(p, count_text(buf, sizeof(buf), n), (double) n, max);
}

/* A cell of v with decimals decimals and a bar. */
static void
put_real_bar(Page *p, double v, int decimals, double max)
{
	char		buf[40];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	put_bar(p, buf, v, max);
}

static double
rate(long rows, double seconds)
{
	return seconds > 0 ? (double) rows / seconds : 0;
}

/*
 * The next row of the query stream_open sent, or NULL at its end (*ok
 * true) or on error (*ok false, logged); the connection is idle again once
 * it returned NULL.  PQclear the row.
 */
static PGresult *
stream_next(PGconn *conn, bool *ok)
{
	PGresult   *res = PQgetResult(conn);

	if (res && PQresultStatus(res) == PGRES_SINGLE_TUPLE)
		return res;
	*ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!*ok)
		db_log_error(conn, res, "reading the feed for the report");
	while (res)
	{
		PQclear(res);
		res = PQgetResult(conn);
	}
	return NULL;
}

/*
 * Sends sql with its text parameters, whose rows stream_next then returns
 * one at a time; false (logged) on failure, the connection idle.
 */
static bool
stream_open(PGconn *conn, const char *sql, int nparams,
			const char *const *params)
{
	bool		ok;

	if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0))
	{
		db_log_error(conn, NULL, "reading the feed for the report");
		return false;
	}
	if (PQsetSingleRowMode(conn))
		return true;
	log_error("could not read the feed for the report row by row");
	while (stream_next(conn, &ok) != NULL)
		;
	return false;
}

/* A query with fixed text: template with "@s" and "@g" (see ddl.h). */
static PGresult *
query(Page *p, const char *template, int nparams, const char *const *params)
{
	Buf			sql;
	PGresult   *res = NULL;

	buf_init(&sql, DDL_SQL_MAX);
	if (ddl_template(&sql, &p->ddl, template))
		res = db_query(p->conn, sql.data, nparams, params);
	else
		log_error("out of memory");
	buf_free(&sql);
	return res;
}

static void
write_head(Page *p, const Report *r, const char *feed_id, const char *schema)
{
	char		rows[40];
	long long	total = 0;

	for (int i = 0; i < r->nfiles; i++)
		total += r->files[i].rows;
	put(p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
		"'none'; style-src 'unsafe-inline'\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, "
		"initial-scale=1\">\n<title>gtfs2pgsql: ");
	put_html_text(p, r->feed);
	put(p, "</title>\n<style>\n");
	put(p, style);
	put(p, "</style>\n</head>\n<body>\n<h1>");
	put_html_text(p, r->feed);
	put(p, "</h1>\n<p class=\"sub\">feed <b>");
	put_html_text(p, feed_id);
	put(p, r->skipped ? "</b> in schema <code>" :
		"</b> loaded into schema <code>");
	put_html_text(p, schema);
	put(p, r->skipped ? "</code> was unchanged (the same file and options): "
		"skipped by gtfs2pgsql, nothing loaded</p>\n<div class=\"cards\">\n" :
		"</code> by gtfs2pgsql</p>\n<div class=\"cards\">\n");
	putf(p, "<div class=\"card\">rows<b>%s</b></div>\n",
		 count_text(rows, sizeof(rows), total));
	putf(p, "<div class=\"card\">seconds<b>%.2f</b></div>\n", r->seconds);
	putf(p, "<div class=\"card\">peak memory<b>%.1f MB</b></div>\n",
		 (double) r->peak_rss_kb / 1024.0);
	putf(p, "<div class=\"card error\">errors<b>%ld</b></div>\n"
		 "<div class=\"card warning\">warnings<b>%ld</b></div>\n"
		 "<div class=\"card info\">infos<b>%ld</b></div>\n</div>\n",
		 r->notice_counts[0], r->notice_counts[1], r->notice_counts[2]);
}

/* The feed's row of the registry, but for the report it holds. */
static bool
write_registry(Page *p, const char *feed_id)
{
	const char *params[1] = {feed_id};
	PGresult   *res = query(p, "SELECT * FROM gtfs2pgsql.feeds "
							"WHERE feed_id = $1", 1, params);

	if (res == NULL)
		return false;
	put(p, "<h2>Registry</h2>\n<p class=\"note\">The feed's row of "
		"<code>gtfs2pgsql.feeds</code> (its <code>report</code> is this "
		"page).</p>\n<table class=\"kv\" id=\"registry\">\n");
	for (int c = 0; PQntuples(res) == 1 && c < PQnfields(res); c++)
	{
		if (strcmp(PQfname(res, c), "report") == 0)
			continue;
		put(p, "<tr><th>");
		put_html_text(p, PQfname(res, c));
		put(p, "</th><td>");
		if (PQgetisnull(res, 0, c))
			put(p, "<i>null</i>");
		else
			put_html_text(p, PQgetvalue(res, 0, c));
		put(p, "</td></tr>\n");
	}
	put(p, "</table>\n");
	PQclear(res);
	return true;
}

/* For each feed the load replaced, its files' rows then and now. */
static void
write_replaced(Page *p, const Report *r)
{
	char		before[40],
				now[40];

	for (int i = 0; i < r->nreplaced; i++)
	{
		const ReportReplaced *old = &r->replaced[i];

		put(p, "<h2>Replaced</h2>\n<p class=\"note\">This load replaced "
			"feed <b>");
		put_html_text(p, old->feed_id);
		put(p, "</b> of schema <code>");
		put_html_text(p, old->schema);
		put(p, "</code>, loaded from ");
		put_html_text(p, old->file);
		put(p, " at ");
		put_html_text(p, old->imported_at);
		put(p, ".</p>\n<table id=\"replaced\">\n<thead><tr><th>file</th>"
			"<th class=\"n\">rows before</th><th class=\"n\">rows now</th>"
			"</tr></thead>\n<tbody>\n");
		for (int f = 0; f < r->nfiles; f++)
		{
			long		rows = report_rows_of(r, old, r->files[f].file);

			put(p, "<tr><td>");
			put_html_text(p, r->files[f].file);
			putf(p, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
				 "</tr>\n", rows < 0 ? "-" :
				 count_text(before, sizeof(before), rows),
				 count_text(now, sizeof(now), r->files[f].rows));
		}
		for (int f = 0; f < old->nfiles; f++)
		{
			if (report_rows_of(r, NULL, old->files[f].file) >= 0)
				continue;
			put(p, "<tr><td>");
			put_html_text(p, old->files[f].file);
			putf(p, "</td><td class=\"n\">%s</td><td class=\"n\">-</td>"
				 "</tr>\n", count_text(before, sizeof(before),
										old->files[f].rows));
		}
		put(p, "</tbody>\n</table>\n");
	}
}

static void
write_files(Page *p, const Report *r)
{
	double		max_rows = 0,
				max_mb = 0,
				max_seconds = 0,
				max_rate = 0,
				max_mem = 0;
	long long	rows = 0,
				set_aside = 0;
	double		mb = 0;
	char		buf[40];

	for (int i = 0; i < r->nfiles; i++)
	{
		const ReportFile *f = &r->files[i];

		max_rows = fmax(max_rows, (double) f->rows);
		max_mb = fmax(max_mb, (double) f->bytes / 1e6);
		max_seconds = fmax(max_seconds, f->seconds);
		max_rate = fmax(max_rate, rate(f->rows, f->seconds));
		max_mem = fmax(max_mem, (double) f->peak_rss_kb / 1024.0);
	}
	put(p, "<h2>Files</h2>\n<p class=\"note\">Each file as it was read and "
		"sent with COPY; memory is the process's peak resident size when "
		"the file was done.</p>\n<table id=\"files\">\n<thead><tr>"
		"<th>file</th><th class=\"n\">rows</th><th class=\"n\">set aside</th>"
		"<th class=\"n\">MB</th><th class=\"n\">seconds</th>"
		"<th class=\"n\">rows/s</th><th class=\"n\">memory MB</th>"
		"</tr></thead>\n<tbody>\n");
	for (int i = 0; i < r->nfiles; i++)
	{
		const ReportFile *f = &r->files[i];

		put(p, "<tr><td>");
		put_html_text(p, f->file);
		put(p, "</td>");
		put_count_bar(p, f->rows, max_rows);
		putf(p, "<td class=\"n\">%s</td>",
			 count_text(buf, sizeof(buf), f->set_aside));
		put_real_bar(p, (double) f->bytes / 1e6, 2, max_mb);
		put_real_bar(p, f->seconds, 2, max_seconds);
		put_count_bar(p, (long long) rate(f->rows, f->seconds), max_rate);
		put_real_bar(p, (double) f->peak_rss_kb / 1024.0, 1, max_mem);
		put(p, "</tr>\n");
		rows += f->rows;
		set_aside += f->set_aside;
		mb += (double) f->bytes / 1e6;
	}
	putf(p, "</tbody>\n<tfoot><tr><td>total</td><td class=\"n\">%s</td>",
		 count_text(buf, sizeof(buf), rows));
	putf(p, "<td class=\"n\">%s</td>",
		 count_text(buf, sizeof(buf), set_aside));
	putf(p, "<td class=\"n\">%.2f</td><td class=\"n\">%.2f</td>", mb,
		 r->seconds);
	putf(p, "<td class=\"n\">%s</td>",
		 count_text(buf, sizeof(buf), (long long) rate((long) rows,
													   r->seconds)));
	putf(p, "<td class=\"n\">%.1f</td></tr></tfoot>\n</table>\n",
		 (double) r->peak_rss_kb / 1024.0);
}

/* A row of the steps' table: its seconds, and its share of the run. */
static void
step_row(Page *p, const char *name, double seconds, double whole)
{
	put(p, "<tr><td>");
	put_html_text(p, name);
	putf(p, "</td><td class=\"n\">%.2f</td>", seconds);
	put_real_bar(p, whole > 0 ? 100.0 * seconds / whole : 0, 1, 100);
	put(p, "</tr>\n");
}

static void
write_steps(Page *p, const Report *r)
{
	double		files = 0,
				steps = 0;

	for (int i = 0; i < r->nfiles; i++)
		files += r->files[i].seconds;
	put(p, "<h2>Steps</h2>\n<p class=\"note\">Where the time went.</p>\n"
		"<table id=\"steps\">\n<thead><tr><th>step</th>"
		"<th class=\"n\">seconds</th><th class=\"n\">% of the run</th>"
		"</tr></thead>\n<tbody>\n");
	step_row(p, "reading the files", files, r->seconds);
	for (int i = 0; i < r->nsteps; i++)
	{
		step_row(p, r->steps[i].step, r->steps[i].seconds, r->seconds);
		/* a second connection's ran alongside the rest: not in the sum */
		if (!r->steps[i].concurrent)
			steps += r->steps[i].seconds;
	}
	if (r->nsteps == 0)
	{
		step_row(p, "keys and indexes", r->index_seconds, r->seconds);
		steps = r->index_seconds;
	}
	if (r->seconds - files - steps >= 0.005)
		step_row(p, "everything else",
				 r->seconds - files - steps, r->seconds);
	putf(p, "</tbody>\n<tfoot><tr><td>the whole run</td>"
		 "<td class=\"n\">%.2f</td><td></td></tr></tfoot>\n</table>\n",
		 r->seconds);
}

/*
 * Ends the line of the code of row r of write_notices's result, of which
 * shown were listed: the query of the rest when there are more.
 */
static void
end_code(Page *p, const PGresult *res, int r, long long shown)
{
	long long	n = atoll(PQgetvalue(res, r, 2));

	put(p, "</ul>");
	if (n > shown)
	{
		putf(p, "<span class=\"note\">and %lld more: <code>SELECT * FROM ",
			 n - shown);
		put_html_text(p, p->ddl.schema);
		put(p, ".import_notices WHERE code = '");
		put_html_text(p, PQgetvalue(res, r, 1));
		put(p, "'</code></span>");
	}
	put(p, "</td></tr>\n");
}

/* The feed's summary, as the validator's report opens. */
static bool
write_summary(Page *p, const char *feed_id)
{
	const char *params[1] = {feed_id};
	PGresult   *res = query(p, sql_report_summary, 1, params);

	if (res == NULL)
		return false;
	if (PQntuples(res) > 0)
		put(p, "<h2>Summary</h2>\n<table class=\"kv\" id=\"summary\">\n");
	for (int r = 0; r < PQntuples(res); r++)
	{
		put(p, "<tr><th>");
		put_html_text(p, PQgetvalue(res, r, 0));
		put(p, "</th><td>");
		put_html_text(p, PQgetvalue(res, r, 1));
		put(p, "</td></tr>\n");
	}
	if (PQntuples(res) > 0)
		put(p, "</table>\n");
	PQclear(res);
	return true;
}

/* One line per notice code: its severity, count and first examples. */
static bool
write_notices(Page *p)
{
	Buf			descriptions;
	const char *params[2] = {EXAMPLES, NULL};
	PGresult   *res = NULL;
	char		buf[40];
	long long	shown = 0;

	buf_init(&descriptions, 1024 * 1024);
	if (validator_descriptions_json(&descriptions))
	{
		params[1] = descriptions.data;
		res = query(p, sql_report_notices, 2, params);
	}
	else
		log_error("out of memory");
	buf_free(&descriptions);
	if (res == NULL)
		return false;
	put(p, "<h2>Notices</h2>\n");
	if (PQntuples(res) == 0)
		put(p, "<p class=\"note\">None: nothing was found wrong with the "
			"feed.</p>\n");
	else
	{
		put(p, "<p class=\"note\">What the load found wrong, by code; every "
			"one is a row of <code>");
		put_html_text(p, p->schema);
		put(p, ".import_notices</code>.</p>\n<table id=\"notices\">\n"
			"<thead><tr><th>severity</th><th>code</th>"
			"<th class=\"n\">count</th><th>first examples</th></tr></thead>\n"
			"<tbody>\n");
	}
	for (int r = 0; r < PQntuples(res); r++)
	{
		bool		first = r == 0 ||
			strcmp(PQgetvalue(res, r, 0), PQgetvalue(res, r - 1, 0)) != 0 ||
			strcmp(PQgetvalue(res, r, 1), PQgetvalue(res, r - 1, 1)) != 0;

		if (first)
		{
			if (r > 0)
				end_code(p, res, r - 1, shown);
			shown = 0;
			put(p, "<tr><td class=\"sev ");
			put_html_text(p, PQgetvalue(res, r, 0));
			put(p, "\">");
			put_html_text(p, PQgetvalue(res, r, 0));
			put(p, "</td><td class=\"nw\"><code>");
			put_html_text(p, PQgetvalue(res, r, 1));
			put(p, "</code>");
			if (!PQgetisnull(res, r, 8))
			{
				put(p, "<br><span class=\"note\">");
				put_html_text(p, PQgetvalue(res, r, 8));
				put(p, "</span>");
			}
			putf(p, "</td><td class=\"n\">%s</td><td><ul class=\"ex\">",
				 count_text(buf, sizeof(buf), atoll(PQgetvalue(res, r, 2))));
		}
		shown++;
		put(p, "<li><code>");
		put_html_text(p, PQgetvalue(res, r, 3));
		if (!PQgetisnull(res, r, 4))
		{
			put(p, ":");
			put_html_text(p, PQgetvalue(res, r, 4));
		}
		if (!PQgetisnull(res, r, 5))
		{
			put(p, "</code> <code>");
			put_html_text(p, PQgetvalue(res, r, 5));
		}
		put(p, "</code>");
		if (!PQgetisnull(res, r, 6))
		{
			put(p, " &ldquo;");
			put_html_text(p, PQgetvalue(res, r, 6));
			put(p, "&rdquo;");
		}
		put(p, ": ");
		put_html_text(p, PQgetvalue(res, r, 7));
		put(p, "</li>");
	}
	if (PQntuples(res) > 0)
	{
		end_code(p, res, PQntuples(res) - 1, shown);
		put(p, "</tbody>\n</table>\n");
	}
	PQclear(res);
	return true;
}

/* The shape lines as paths, until the page is LINES_UNTIL bytes. */
static bool
write_lines(Page *p, const char *const *frame, long *drawn, long *left)
{
	Buf			sql;
	PGresult   *row;
	bool		ok = true;

	buf_init(&sql, DDL_SQL_MAX);
	if (!ddl_template(&sql, &p->ddl, sql_map_lines))
	{
		log_error("out of memory");
		return false;
	}
	ok = stream_open(p->conn, sql.data, 4, frame);
	buf_free(&sql);
	if (!ok)
		return false;
	put(p, "<g class=\"lines\" fill=\"none\" stroke=\"#777\" "
		"stroke-width=\"1.3\" stroke-linecap=\"round\" "
		"stroke-linejoin=\"round\">\n");
	while ((row = stream_next(p->conn, &ok)) != NULL)
	{
		/* the rest is read all the same: the connection must be idle */
		if (p->bytes > LINES_UNTIL)
			(*left)++;
		else
		{
			put(p, "<path d=\"");
			put_html_text(p, PQgetvalue(row, 0, 3));
			put(p, "\"");
			if (!PQgetisnull(row, 0, 0))
			{
				put(p, " stroke=\"#");
				put_html_text(p, PQgetvalue(row, 0, 0));
				put(p, "\"");
			}
			put(p, "><title>");
			if (!PQgetisnull(row, 0, 1))
			{
				put_html_text(p, PQgetvalue(row, 0, 1));
				put(p, ", ");
			}
			put(p, "shape ");
			put_html_text(p, PQgetvalue(row, 0, 2));
			put(p, "</title></path>\n");
			(*drawn)++;
		}
		PQclear(row);
	}
	put(p, "</g>\n");
	return ok;
}

/* The stops as dots of one path, until the page is STOPS_UNTIL bytes. */
static bool
write_stops(Page *p, const char *const *frame, long *drawn, long *left)
{
	Buf			sql;
	PGresult   *row;
	bool		ok = true;

	buf_init(&sql, DDL_SQL_MAX);
	if (!ddl_template(&sql, &p->ddl, sql_map_stops))
	{
		log_error("out of memory");
		return false;
	}
	ok = stream_open(p->conn, sql.data, 7, frame);
	buf_free(&sql);
	if (!ok)
		return false;
	put(p, "<path class=\"stops\" fill=\"none\" stroke=\"#222\" "
		"stroke-opacity=\".75\" stroke-width=\"2\" stroke-linecap=\"round\" "
		"d=\"");
	while ((row = stream_next(p->conn, &ok)) != NULL)
	{
		if (p->bytes > STOPS_UNTIL)
			(*left)++;
		else
		{
			put(p, "M");
			put_html_text(p, PQgetvalue(row, 0, 0));
			put(p, " ");
			put_html_text(p, PQgetvalue(row, 0, 1));
			put(p, "h0");
			(*drawn)++;
		}
		PQclear(row);
	}
	put(p, "\"/>\n");
	return ok;
}

/* PostGIS's schema, quoted (PQfreemem it); NULL (logged) on failure. */
static char *
find_postgis(Page *p)
{
	char	   *quoted = NULL;

	if (postgis_find(p->conn, &quoted) && quoted == NULL)
		log_error("PostGIS is not installed: the report has no map");
	return quoted;
}

/* The map: shape lines coloured by their route, stops as dots. */
static bool
write_map(Page *p)
{
	PGresult   *res;
	double		x0,
				y0,
				x1,
				y1,
				k,
				scale,
				w,
				h;
	char		params[7][32];
	const char *frame[7];
	long		lines = 0,
				lines_left = 0,
				stops = 0,
				stops_left = 0;
	char		buf[40];
	char	   *postgis = find_postgis(p);
	bool		ok;

	if (postgis == NULL)
		return false;
	p->ddl.postgis = postgis;
	res = query(p, sql_map_extent, 0, NULL);
	if (res == NULL)
	{
		PQfreemem(postgis);
		return false;
	}
	put(p, "<h2>Map</h2>\n");
	if (PQgetisnull(res, 0, 0))
	{
		put(p, "<p class=\"note\">The feed has no stops nor shapes with "
			"coordinates.</p>\n");
		PQclear(res);
		PQfreemem(postgis);
		return true;
	}
	x0 = atof(PQgetvalue(res, 0, 0));
	y0 = atof(PQgetvalue(res, 0, 1));
	x1 = atof(PQgetvalue(res, 0, 2));
	y1 = atof(PQgetvalue(res, 0, 3));
	/* a degree of longitude is shorter than one of latitude */
	k = strcmp(PQgetvalue(res, 0, 4), "t") == 0 ?
		cos((y0 + y1) / 2 * M_PI / 180) : 1;
	PQclear(res);
	w = (x1 - x0) * k;
	h = y1 - y0;
	scale = fmax(w, h) > 0 ? MAP_WIDTH / fmax(w, h) : 1;
	w = fmax(ceil(w * scale), 1);
	h = fmax(ceil(h * scale), 1);
	snprintf(params[0], sizeof(params[0]), "%.17g", k * scale);
	snprintf(params[1], sizeof(params[1]), "%.17g", scale);
	snprintf(params[2], sizeof(params[2]), "%.17g", -x0 * k * scale);
	snprintf(params[3], sizeof(params[3]), "%.17g", -y0 * scale);
	snprintf(params[4], sizeof(params[4]), "%d", -MAP_MARGIN);
	snprintf(params[5], sizeof(params[5]), "%.17g", w + MAP_MARGIN);
	snprintf(params[6], sizeof(params[6]), "%.17g", h + MAP_MARGIN);
	for (int i = 0; i < 7; i++)
		frame[i] = params[i];
	putf(p, "<svg id=\"map\" viewBox=\"%d %.0f %.0f %.0f\" role=\"img\" "
		 "aria-label=\"map of the feed\">\n", -MAP_MARGIN, -h - MAP_MARGIN,
		 w + 2 * MAP_MARGIN, h + 2 * MAP_MARGIN);
	ok = write_lines(p, frame, &lines, &lines_left) &&
		write_stops(p, frame, &stops, &stops_left);
	PQfreemem(postgis);
	p->ddl.postgis = NULL;
	if (!ok)
		return false;
	put(p, "</svg>\n<p class=\"note\">");
	if (lines > 0)
		putf(p, "%s shape lines, coloured by the <code>route_color</code> of "
			 "a route of their trips and simplified by less than a pixel; ",
			 count_text(buf, sizeof(buf), lines));
	else
		put(p, "No shape lines; ");
	putf(p, "%s stops as dots.", count_text(buf, sizeof(buf), stops));
	if (lines_left > 0 || stops_left > 0)
		putf(p, " Left out to keep the page small: %ld shape lines, %ld "
			 "stops.", lines_left, stops_left);
	put(p, "</p>\n");
	return true;
}

bool
report_html_wanted(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot && (strcasecmp(dot, ".html") == 0 ||
				   strcasecmp(dot, ".htm") == 0);
}

bool
report_html_write(PGconn *conn, const Report *r, const char *feed_id,
				  const char *schema, bool geometry, ReportSink *sink)
{
	Page		p = {.out = sink->out, .bytes = 0, .conn = conn,
	.schema = schema};
	char	   *quoted = db_ident(conn, schema);
	bool		ok;

	db_set_step("the HTML report");
	p.ddl.conn = conn;
	p.ddl.schema = quoted;
	ok = quoted != NULL;
	if (ok)
	{
		write_head(&p, r, feed_id, schema);
		ok = write_summary(&p, feed_id) && write_registry(&p, feed_id);
	}
	if (ok)
	{
		/* a feed skipped as unchanged has no files or steps of this run */
		if (!r->skipped)
		{
			write_replaced(&p, r);
			write_files(&p, r);
			write_steps(&p, r);
		}
		ok = write_notices(&p);
	}
	if (ok && geometry)
		ok = write_map(&p);
	put(&p, "</body>\n</html>\n");
	PQfreemem(quoted);
	db_set_step(NULL);
	if (!ok)
	{
		report_discard(sink);
		return false;
	}
	return report_commit(sink);
}
