#!/bin/sh
# sqlfiles.sh: each SQL body of schema/sql/ (embedded in the programs by the
# Makefile) runs as written with psql -f, in a transaction rolled back, on
# the server the PG* environment names: a body the server cannot parse or
# run fails here, not in a load.  A file says in comment lines (which the
# programs never see) what it needs:
#   -- sqlfiles.sh before: SQL     run first (settings a DO block reads, a
#                                   scratch schema)
#   -- sqlfiles.sh parameters: V, ...   the file is one statement taking
#                                   $1...: it is prepared and run with these
# A template of a feed's schema ("@s": the schema, "@f": the feed_id column,
# "@d": every day of every service, as timetable.c expands them) runs in
# schema gtfs as "gtfs2pgsql --print-schema" makes it (with PostGIS).
cd "$(dirname "$0")/.." || exit 1
db=gtfs2pgsql_sqlfiles_$$
createdb "$db" || exit 1
# a file as the programs see it (no comment lines), its templates expanded
expand() {
	awk -v days="$(grep -v '^[[:space:]]*--' schema/sql/timetable_days.sql)" '
		/^[ \t]*--/ { next }
		{ gsub(/@d/, days); gsub(/@s/, "gtfs"); gsub(/@f/, ""); print }
		END { print ";" }' "$1"
}
bad=0
if grep -q '@s' schema/sql/*.sql; then
	{ echo 'CREATE EXTENSION postgis;'; ./gtfs2pgsql --print-schema; } |
		psql -X -q -v ON_ERROR_STOP=1 -d "$db" -o /dev/null || bad=1
fi
for f in schema/sql/*.sql; do
	before=$(sed -n 's/^-- sqlfiles\.sh before: //p' "$f")
	parameters=$(sed -n 's/^-- sqlfiles\.sh parameters: //p' "$f")
	if {
		echo 'BEGIN;'
		printf '%s\n' "$before"
		if [ -n "$parameters" ]; then
			echo 'PREPARE sqlfiles_statement AS'
			expand "$f"
			printf ';\nEXECUTE sqlfiles_statement (%s);\n' "$parameters"
		else
			expand "$f"
		fi
		echo 'ROLLBACK;'
	} | psql -X -q -v ON_ERROR_STOP=1 -d "$db" -o /dev/null 2>"/tmp/sqlfiles.$$"; then
		echo "ok - $f"
	else
		echo "not ok - $f: $(cat "/tmp/sqlfiles.$$")"
		bad=1
	fi
done
rm -f "/tmp/sqlfiles.$$"
dropdb "$db"
exit $bad
