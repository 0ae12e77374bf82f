/*
 * drop.c: --drop, each feed removed in a transaction of its own, so that
 * one that cannot be dropped keeps no other; a feed of another server
 * (remote.h) is detached.
 */
#include "drop.h"

#include <libpq-fe.h>

#include "exitcode.h"
#include "log.h"
#include "remote.h"
#include "run.h"
#include "side.h"
#include "swap.h"
#include "trust.h"

int
drop_feeds(const DbParams *db, char *const *feed_ids, int nfeeds,
		   double wait_seconds)
{
	PGconn	   *conn = db_connect(db);
	int			code = EXIT_OK;

	if (conn == NULL)
		return EXIT_BADCONN;
	/* the registry is read only once it is known to be ours */
	switch (trust_load_allowed(conn, NULL, false))
	{
		case 0:
			PQfinish(conn);
			return EXIT_BAD_INPUT;
		case -1:
			PQfinish(conn);
			return EXIT_DB_FAILED;
	}
	db_catch_signals(conn);
	/* the orphans of side loads killed after their commit (side.h) */
	if (!side_clean(conn))
		code = EXIT_DB_FAILED;
	for (int i = 0; i < nfeeds && !db_canceled(); i++)
	{
		SwapStatus	status = SWAP_FAILED;
		int			remote = remote_is_attached(conn, feed_ids[i]);

		db_set_step(feed_ids[i]);
		/* a feed of another server is detached, and stays there */
		if (remote > 0 && db_begin(conn))
			status = remote_detach_feed(conn, feed_ids[i], wait_seconds) ?
				SWAP_OK : SWAP_FAILED;
		else if (remote == 0 && db_begin(conn))
			status = swap_drop_feed(conn, feed_ids[i], wait_seconds);
		if (status == SWAP_OK && db_commit(conn))
			log_notice("feed \"%s\" dropped", feed_ids[i]);
		else
		{
			db_cleanup(conn, "ROLLBACK");
			if (code != EXIT_DB_FAILED)
				code = status == SWAP_REFUSED ? EXIT_BAD_INPUT :
					EXIT_DB_FAILED;
		}
	}
	if (db_canceled())
		code = EXIT_SIGNAL + db_canceled();
	else
	{
		swap_clear_dropped(conn);
		run_warn_signal_after_commit("the feeds are dropped");
	}
	db_release_signals();
	PQfinish(conn);
	return code;
}
