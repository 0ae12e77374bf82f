/*
 * replace.c: the guard against a replacement that loses what the old feed
 * had.
 */
#include "replace.h"

#include <stdio.h>
#include <string.h>

/* The files a feed cannot lose; calendar.txt and calendar_dates.txt apart. */
static const char *const kept_files[] = {
	"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt"
};

/* The files that may not shrink below half. */
static const char *const halved_files[] = {"trips.txt", "stop_times.txt"};

/* Appends a reason to why, after "; " when it holds one; true. */
static bool
add_reason(char *why, size_t whysize, const char *reason)
{
	size_t		len = whysize > 0 ? strlen(why) : 0;

	if (len + 1 < whysize)
		snprintf(why + len, whysize - len, "%s%s", len ? "; " : "", reason);
	return true;
}

/* The rows of file in old or new (report_rows_of), 0 when it has none. */
static long
rows_of(const Report *new, const ReportReplaced *old, const char *file)
{
	long		rows = report_rows_of(new, old, file);

	return rows > 0 ? rows : 0;
}

bool
replace_shrinks(const ReportReplaced *old, const Report *new, char *why,
				size_t whysize)
{
	char		reason[256];
	bool		shrinks = false;

	if (whysize > 0)
		why[0] = '\0';
	for (size_t i = 0; i < sizeof(kept_files) / sizeof(kept_files[0]); i++)
	{
		long		before = rows_of(NULL, old, kept_files[i]);

		if (before > 0 && rows_of(new, NULL, kept_files[i]) == 0)
		{
			snprintf(reason, sizeof(reason), "%s has no rows (it had %ld)",
					 kept_files[i], before);
			shrinks = add_reason(why, whysize, reason);
		}
	}
	if ((rows_of(NULL, old, "calendar.txt") > 0 ||
		 rows_of(NULL, old, "calendar_dates.txt") > 0) &&
		rows_of(new, NULL, "calendar.txt") == 0 &&
		rows_of(new, NULL, "calendar_dates.txt") == 0)
		shrinks = add_reason(why, whysize, "calendar.txt and "
							 "calendar_dates.txt have no rows (it had some)");
	for (size_t i = 0; i < sizeof(halved_files) / sizeof(halved_files[0]);
		 i++)
	{
		long		before = rows_of(NULL, old, halved_files[i]);
		long		now = rows_of(new, NULL, halved_files[i]);

		/* a file gone is said above */
		if (now > 0 && now < before - before / 2)
		{
			snprintf(reason, sizeof(reason), "%s has %ld rows, less than "
					 "half of its %ld", halved_files[i], now, before);
			shrinks = add_reason(why, whysize, reason);
		}
	}
	return shrinks;
}
