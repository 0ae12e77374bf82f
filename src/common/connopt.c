/*
 * connopt.c: the connection options of gtfs2pgsql and pgsql2gtfs.
 */
#include "connopt.h"

bool
connopt_take(DbParams *db, int c, const char *arg)
{
	switch (c)
	{
		case 'd':
			db->dbname = arg;
			return true;
		case 'h':
			db->host = arg;
			return true;
		case 'p':
			db->port = arg;
			return true;
		case 'U':
			db->user = arg;
			return true;
		case 'w':
			db->no_password = true;
			return true;
		case 'W':
			db->prompt_password = true;
			return true;
	}
	return false;
}

void
connopt_help(FILE *out)
{
	fprintf(out, "\nConnection options:\n");
	fprintf(out, "  -d, --dbname=DBNAME       "
			"database name, conninfo string or URI\n");
	fprintf(out, "  -h, --host=HOSTNAME       "
			"database server host or socket directory\n");
	fprintf(out, "  -p, --port=PORT           database server port\n");
	fprintf(out, "  -U, --username=USERNAME   user name to connect as\n");
	fprintf(out, "  -w, --no-password         never prompt for password\n");
	fprintf(out, "  -W, --password            force password prompt\n");
	fprintf(out, "\nThe PG* environment variables (PGHOST, PGDATABASE, ...) "
			"are honoured.\n");
}
