/*
 * replace.h: whether a load may replace the feed it replaces.  Agencies
 * reload nightly from a URL: a download that lost a file, or most of its
 * trips, must not replace yesterday's good feed unless told to (--force).
 */
#ifndef REPLACE_H
#define REPLACE_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

/*
 * Whether the load of new, replacing old, loses what a broken download
 * loses: a file old had rows of among agency, stops, routes, trips and
 * stop_times now without rows; both calendar.txt and calendar_dates.txt
 * when old had rows of either; or less than half of old's trips or
 * stop_times.  When so, the reasons, joined by "; ", into why (cut to
 * whysize bytes).
 */
extern bool replace_shrinks(const ReportReplaced *old, const Report *new,
							char *why, size_t whysize);

#endif
