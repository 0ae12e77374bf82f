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
#   -- sqlfiles.sh fill: SED         fills the file's own placeholders
# The database holds the tables of a feed in schema gtfs (schema/gtfs.sql,
# PostGIS in public), for the templates of src/load/ddl.c (ddl_template),
# whose placeholders are given those values: "@s" gtfs, "@g" public, "@r"
# 4326, "@f" nothing, "@p" geom, "@l" 'gtfs', "@t" a dollar quote, "@c"
# (ddl_drop_line_views's condition) true.  Each file ends its statement.
cd "$(dirname "$0")/.." || exit 1
db=gtfs2pgsql_sqlfiles_$$
createdb "$db" || exit 1
if ! psql -X -q -v ON_ERROR_STOP=1 -d "$db" -o /dev/null \
	-c 'CREATE EXTENSION postgis' -f schema/gtfs.sql; then
	echo "not ok - schema/gtfs.sql: could not make the feed's tables"
	dropdb "$db"
	exit 1
fi
bad=0
for f in schema/sql/*.sql; do
	before=$(sed -n 's/^-- sqlfiles\.sh before: //p' "$f")
	parameters=$(sed -n 's/^-- sqlfiles\.sh parameters: //p' "$f")
	fill=$(sed -n 's/^-- sqlfiles\.sh fill: //p' "$f")
	if {
		echo 'BEGIN;'
		printf '%s\n' "$before"
		[ -z "$parameters" ] || echo 'PREPARE sqlfiles_statement AS'
		sed -e "${fill:-s/^//}" \
			-e 's/@s/gtfs/g; s/@g/public/g; s/@r/4326/g; s/@f//g' \
			-e "s/@p/geom/g; s/@l/'gtfs'/g; s/@t/\$sqlfiles\$/g" \
			-e 's/@c/true/g' "$f"
		echo ';'
		[ -z "$parameters" ] ||
			printf 'EXECUTE sqlfiles_statement (%s);\n' "$parameters"
		echo 'ROLLBACK;'
	} | psql -X -q -v ON_ERROR_STOP=1 -d "$db" -o /dev/null \
		2>"/tmp/sqlfiles.$$"; then
		echo "ok - $f"
	else
		echo "not ok - $f: $(cat "/tmp/sqlfiles.$$")"
		bad=1
	fi
done
rm -f "/tmp/sqlfiles.$$"
dropdb "$db"
exit $bad
