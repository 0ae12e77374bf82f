/*
 * drop.h: --drop, the removal of feeds by their ids, each in a
 * transaction of its own (swap_drop_feed).
 */
#ifndef DROP_H
#define DROP_H

#include "db.h"

/*
 * Connects with db and drops the nfeeds feeds of feed_ids, each
 * atomically, waiting at most wait_seconds (negative: for ever) for their
 * readers and other imports; first the orphans of killed side loads
 * (side.h) are cleaned.  SIGINT and SIGTERM cancel the feed under way and
 * start no other.  Returns the exit code (exitcode.h): the worst of the
 * feeds', 1 for a feed that does not exist; each failure logged.
 */
extern int	drop_feeds(const DbParams *db, char *const *feed_ids, int nfeeds,
					   double wait_seconds);

#endif
