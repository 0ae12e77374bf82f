#!/bin/bash
#
# generated.sh: the committed generated files match their generators:
# src/gtfs/catalog_gtfs.c the GTFS reference (when ../shared has it), and
# schema/gtfs.sql what gtfs2pgsql --print-schema writes.
#
set -eu
cd "$(dirname "$0")/.."

reference=../shared/gtfs-reference.tsv
if [ -f "$reference" ]; then
	awk -f schema/catalog.awk "$reference" | diff -u src/gtfs/catalog_gtfs.c - ||
		{ echo "src/gtfs/catalog_gtfs.c is stale: run make catalog" >&2; exit 1; }
	echo "ok - src/gtfs/catalog_gtfs.c matches $reference"
else
	echo "skip - $reference absent"
fi
notices=../shared/validator-notices.tsv
if [ -f "$notices" ]; then
	awk -f schema/validator.awk "$notices" | diff -u src/gtfs/validator_codes.c - ||
		{ echo "src/gtfs/validator_codes.c is stale: run make catalog" >&2; exit 1; }
	echo "ok - src/gtfs/validator_codes.c matches $notices"
else
	echo "skip - $notices absent"
fi
./gtfs2pgsql --print-schema | diff -u schema/gtfs.sql - ||
	{ echo "schema/gtfs.sql is stale: run make schema/gtfs.sql" >&2; exit 1; }
echo "ok - schema/gtfs.sql matches gtfs2pgsql --print-schema"

# debian/copyright's PostgreSQL paragraph is LICENSE's text, from its
# permission notice on (DEP-5: a leading space, "." for a blank line)
grep -q '^License: PostgreSQL$' debian/copyright &&
	sed -n '/^ Permission/,$p' debian/copyright | sed 's/^ //;s/^\.$//' |
	diff -u <(sed -n '/^Permission/,$p' LICENSE) - ||
	{ echo "debian/copyright and LICENSE give different texts" >&2; exit 1; }
grep -q '^Copyright (c) [0-9]*, The gtfs2pgsql authors$' LICENSE ||
	{ echo "LICENSE lacks its copyright line" >&2; exit 1; }
echo "ok - debian/copyright gives LICENSE's text (PostgreSQL License)"
