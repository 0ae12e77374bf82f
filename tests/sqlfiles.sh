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
cd "$(dirname "$0")/.." || exit 1
db=gtfs2pgsql_sqlfiles_$$
createdb "$db" || exit 1
bad=0
for f in schema/sql/*.sql; do
	before=$(sed -n 's/^-- sqlfiles\.sh before: //p' "$f")
	parameters=$(sed -n 's/^-- sqlfiles\.sh parameters: //p' "$f")
	if {
		echo 'BEGIN;'
		printf '%s\n' "$before"
		if [ -n "$parameters" ]; then
			echo 'PREPARE sqlfiles_statement AS'
			cat "$f"
			printf ';\nEXECUTE sqlfiles_statement (%s);\n' "$parameters"
		else
			cat "$f"
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
