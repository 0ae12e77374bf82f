/*
 * report_html.h: the report as one page to look at, read from the loaded
 * feed: its registry row, its files, steps and notices, and a map of its
 * geometry.  One self-contained HTML file: no script, nothing fetched.
 */
#ifndef REPORT_HTML_H
#define REPORT_HTML_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "report.h"

/* Whether the report at path is wanted as HTML (it ends in .html, .htm). */
extern bool report_html_wanted(const char *path);

/*
 * Writes the page of r to sink and ends sink (as report_write_json), once
 * the feed feed_id was committed into schema: the registry row, the
 * notices and, with geometry, the map are read over conn.  Memory stays
 * flat whatever the feed: rows are written as they arrive.  False (logged)
 * on error, the temporary file removed.
 */
extern bool report_html_write(PGconn *conn, const Report *r,
							  const char *feed_id, const char *schema,
							  bool geometry, ReportSink *sink);

#endif
