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
#   -- sqlfiles.sh fails: TEXT       the run must fail with TEXT in its
#                                   message (a body that needs another
#                                   server runs up to where it reaches it)
# A template of a feed's schema runs on schema/gtfs.sql's schema "gtfs"
# (made first, with PostGIS when the server has it), its placeholders
# given those values: "@s" gtfs, "@g" public, "@r" 4326, "@f" nothing,
# "@p" geom, "@l" 'gtfs', "@t" a dollar quote, "@c" (ddl_drop_line_views's
# condition) true, "@d" (timetable_template's) its service_days.  Each file ends
# its statement.
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
	if [ -z "$schema" ] && grep -v '^--' "$f" | grep -q '@[a-z]'; then
		echo "ok - $f # SKIP a template: no PostGIS for schema/gtfs.sql"
		continue
	fi
	before=$(sed -n 's/^-- sqlfiles\.sh before: //p' "$f")
	parameters=$(sed -n 's/^-- sqlfiles\.sh parameters: //p' "$f")
	fill=$(sed -n 's/^-- sqlfiles\.sh fill: //p' "$f")
	fails=$(sed -n 's/^-- sqlfiles\.sh fails: //p' "$f")
	if {
		echo 'BEGIN;'
		printf '%s\n' "$before"
		[ -z "$parameters" ] || echo 'PREPARE sqlfiles_statement AS'
		sed -e "${fill:-s/^//}" \
			-e 's/@s/"gtfs"/g; s/@g/public/g; s/@r/4326/g; s/@f//g' \
			-e "s/@p/geom/g; s/@l/'gtfs'/g; s/@t/\$sqlfiles\$/g" \
			-e 's/@c/true/g' \
			-e 's/@d/(SELECT service_id, date FROM "gtfs".service_days)/g' \
			"$f"
		echo ';'
		[ -z "$parameters" ] ||
			printf 'EXECUTE sqlfiles_statement (%s);\n' "$parameters"
		echo 'ROLLBACK;'
	} | psql -X -q -v ON_ERROR_STOP=1 -d "$db" -o /dev/null \
		2>"/tmp/sqlfiles.$$"; then
		if [ -z "$fails" ]; then
			echo "ok - $f"
		else
			echo "not ok - $f: ran, where it should fail with \"$fails\""
			bad=1
		fi
	elif [ -n "$fails" ] && grep -qF "$fails" "/tmp/sqlfiles.$$"; then
		echo "ok - $f # fails as expected: $fails"
	else
		echo "not ok - $f: $(cat "/tmp/sqlfiles.$$")"
		bad=1
	fi
done
# The rules of schema/rules/ (src/load/validate.c): each a SELECT over the
# feed's tables while each row's line is in gtfs2pgsql_line, taking the
# day of the load as $1, after its "before" lines (the load's temporary
# tables)
for f in schema/rules/*.sql; do
	if [ -z "$schema" ]; then
		echo "ok - $f # SKIP a rule: no PostGIS for schema/gtfs.sql"
		continue
	fi
	if {
		echo 'BEGIN;'
		echo "DO \$\$ DECLARE t record; BEGIN FOR t IN SELECT table_name
			FROM information_schema.tables WHERE table_schema = 'gtfs'
			AND table_type = 'BASE TABLE' LOOP EXECUTE format(
			'ALTER TABLE gtfs.%I ADD gtfs2pgsql_line integer',
			t.table_name); END LOOP; END \$\$;"
		sed -n 's/^-- sqlfiles\.sh before: //p' "$f"
		echo 'PREPARE sqlfiles_rule (date) AS'
		sed -e 's/@s/"gtfs"/g; s/@g/public/g; s/@r/4326/g' "$f"
		echo ';'
		echo "EXECUTE sqlfiles_rule ('2026-01-01');"
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
