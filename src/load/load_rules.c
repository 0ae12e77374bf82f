/*
 * load_rules.c: the rules on a feed's files: which it must have, what
 * table a file the reference lacks gets, and the notices of a file as a
 * whole once it is read.
 */
#include "load_run.h"

#include <string.h>

#include "log.h"
#include "swap.h"

/*
 * Whether the feed must have rows of this file: agency, routes, trips and
 * stop_times; stops unless locations.geojson gives the places.  (calendar
 * or calendar_dates: see rules_check_required_files.)
 */
bool
rules_required_file(const FeedSource *src, const char *member)
{
	static const char *const required[] = {
		"agency.txt", "routes.txt", "trips.txt", "stop_times.txt"
	};

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (strcmp(member, required[i]) == 0)
			return true;
	return strcmp(member, "stops.txt") == 0 &&
		source_find(src, "locations.geojson") < 0;
}

/*
 * The table of a .txt member the reference does not define: its name
 * without ".txt".  False, with a notice, when that name is empty, too long
 * for PostgreSQL, or taken by a table of the catalog or of gtfs2pgsql, or
 * by an object of the user's in the feed's schema, which the swap would
 * meet (run->failed set when the database failed).
 */
bool
rules_table_name(LoadRun *run, const char *member, char table[NAMEDATALEN])
{
	static const char *const reserved[] = {
		"shape_lines", "trip_lines", "route_lines", "stop_lines", "locations",
		"locations_document", "import_notices", "import_files",
		"service_days", "trip_starts", "arrivals_departures", "connections"
	};
	size_t		len = strlen(member) - strlen(".txt");
	bool		ok = len > 0 && len < NAMEDATALEN;
	int			taken;

	snprintf(table, NAMEDATALEN, "%.*s", (int) (ok ? len : 0), member);
	for (int f = 0; ok && f < catalog_nfiles; f++)
		ok = strcmp(table, catalog_files[f].table) != 0;
	for (size_t i = 0; ok && i < sizeof(reserved) / sizeof(reserved[0]); i++)
		ok = strcmp(table, reserved[i]) != 0;
	if (!ok)
		notice_add(run->notices, NK_UNNAMEABLE_FILE, member, 0, 0, NULL,
				   NULL, 0, "no table can be named after this file: "
				   "skipped");
	taken = ok ? swap_name_taken(run->conn, run->opt->feed.schema, table) : 0;
	if (taken > 0)
		notice_add(run->notices, NK_UNNAMEABLE_FILE, member, 0, 0, NULL,
				   NULL, 0, "schema \"%s\" holds \"%s\", not made by "
				   "gtfs2pgsql: it is left as it is, and the file skipped",
				   run->opt->feed.schema, table);
	run->failed = run->failed || taken < 0;
	return ok && taken == 0;
}

/* The notices of a file that are counted while it streams. */
void
rules_file_notices(FileLoad *fl, CsvReader *reader, bool read_whole)
{
	Notices    *nt = fl->run->notices;
	long		line;
	const char *why = csvread_error(reader, &line);

	if (why)
		notice_add(nt, NK_CSV_PARSING_FAILED, fl->member, line, 0, NULL, NULL,
				   0, "%s: the rest of the file is not loaded", why);
	if (fl->short_rows > 0)
		notice_add(nt, NK_ROW_TOO_SHORT, fl->member, fl->first_short, 0, NULL,
				   NULL, 0, "%ld rows have fewer fields than the header, "
				   "the first on this line: the missing ones are read as "
				   "empty", fl->short_rows);
	if (fl->padded_rows > 0)
		notice_add(nt, NK_ROW_TOO_SHORT, fl->member, fl->first_padded, 0,
				   NULL, NULL, 0, "%ld rows have empty fields past the "
				   "header, the first on this line: ignored",
				   fl->padded_rows);
	if (read_whole && !fl->header_seen)
		notice_add(nt, NK_EMPTY_FILE, fl->member, 0, 0, NULL, NULL, 0,
				   "empty file");
	else if (read_whole && fl->rows == 0 &&
			 notice_set_aside(nt, fl->member) == 0 &&
			 rules_required_file(fl->run->src, fl->member))
		notice_add(nt, NK_EMPTY_FILE, fl->member, 0, 0, NULL, NULL, 0,
				   "required file has no rows");
}

/* The files a feed must have: see rules_required_file; and a calendar. */
void
rules_check_required_files(LoadRun *run)
{
	for (int f = 0; f < catalog_nfiles; f++)
		if (rules_required_file(run->src, catalog_files[f].file) &&
			source_find(run->src, catalog_files[f].file) < 0)
			notice_add(run->notices, NK_MISSING_REQUIRED_FILE,
					   catalog_files[f].file, 0, 0, NULL, NULL, 0,
					   "required file missing");
	if (source_find(run->src, "calendar.txt") < 0 &&
		source_find(run->src, "calendar_dates.txt") < 0)
		notice_add(run->notices, NK_MISSING_CALENDAR, "calendar.txt", 0, 0,
				   NULL, NULL, 0, "required file missing: neither "
				   "calendar.txt nor calendar_dates.txt");
}
