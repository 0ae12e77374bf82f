/*
 * swap.h: the life cycle of a feed's schema around a load: waiting for
 * another import of the same schema, and the swap that replaces the old
 * feed by the staging schema.
 *
 * Every wait is visible and bounded: locks are tried with a short
 * lock_timeout inside a savepoint, so that between two tries nothing is
 * held (no reader of another feed waits for us, no deadlock with a reader
 * that takes its locks in another order), and while waiting the sessions
 * in the way are named on stderr.
 */
#ifndef SWAP_H
#define SWAP_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "feeds.h"

typedef enum
{
	SWAP_OK,
	SWAP_REFUSED,				/* the target is not ours (logged) */
	SWAP_FAILED					/* the database failed, or the wait was too
								 * long (logged) */
} SwapStatus;

/*
 * In the load's transaction, takes the lock that makes a second import of
 * schema wait for this one, waiting at most wait_seconds (negative: for
 * ever), saying so on stderr while another import holds it.  False
 * (logged) when the wait was too long or the database failed.
 */
extern bool swap_wait_for_import(PGconn *conn, const char *schema,
								 double wait_seconds);

/*
 * Replaces schema (quoted: target) by the staging schema (name and quoted:
 * staging) in the load's transaction: takes every lock the swap needs at
 * once (waiting at most wait_seconds), carries the old schema's owner and
 * privileges over, drops the old feed, renames staging, comments it and
 * records the feed in the registry.  The caller commits.
 */
extern SwapStatus swap_feed(PGconn *conn, const FeedRecord *record,
							const char *target, const char *staging_name,
							const char *staging, const char *comment,
							double wait_seconds);

#endif
