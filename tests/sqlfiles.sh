#!/bin/sh
# sqlfiles.sh: each SQL body of schema/sql/ (embedded in the programs by the
# Makefile) runs as written with psql -f, in a transaction rolled back, on
# the server the PG* environment names: a body the server cannot parse or
# run fails here, not in a load.  A template of a feed's schema (ddl.h's
# "@s", analysis.c's "@d") runs on schema/gtfs.sql's schema "gtfs" (made
# first, with PostGIS when the server has it), "@d" its service_days.
cd "$(dirname "$0")/.." || exit 1
db=gtfs2pgsql_sqlfiles_$$
createdb "$db" || exit 1
bad=0
# schema/gtfs.sql's geometry columns and lines need PostGIS
schema=
if psql -X -q -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS postgis' \
	>/dev/null 2>&1; then
	if psql -X -q -v ON_ERROR_STOP=1 -d "$db" -o /dev/null \
		-f schema/gtfs.sql 2>"/tmp/sqlfiles.$$"; then
		echo "ok - schema/gtfs.sql (the schema the templates run on)"
		schema=gtfs
	else
		echo "not ok - schema/gtfs.sql: $(cat "/tmp/sqlfiles.$$")"
		bad=1
	fi
fi
for f in schema/sql/*.sql; do
	if [ -z "$schema" ] && grep -q '@[sd]' "$f"; then
		echo "ok - $f # SKIP a template: no PostGIS for schema/gtfs.sql"
		continue
	fi
	if { echo 'BEGIN;'
		sed -e 's/@s/"gtfs"/g' \
			-e 's/@d/(SELECT service_id, date FROM "gtfs".service_days)/g' "$f"
		echo 'ROLLBACK;'; } |
		psql -X -q -v ON_ERROR_STOP=1 -d "$db" -o /dev/null 2>"/tmp/sqlfiles.$$"; then
		echo "ok - $f"
	else
		echo "not ok - $f: $(cat "/tmp/sqlfiles.$$")"
		bad=1
	fi
done
rm -f "/tmp/sqlfiles.$$"
dropdb "$db"
exit $bad
