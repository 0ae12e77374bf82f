#!/bin/bash
#
# generated.sh: the committed generated files match their generators:
# src/catalog_gtfs.c the GTFS reference (when ../shared has it), and
# schema/gtfs.sql what gtfs2pgsql --print-schema writes.
#
set -eu
cd "$(dirname "$0")/.."

reference=../shared/gtfs-reference.tsv
if [ -f "$reference" ]; then
	awk -f schema/catalog.awk "$reference" | diff -u src/catalog_gtfs.c - ||
		{ echo "src/catalog_gtfs.c is stale: run make catalog" >&2; exit 1; }
	echo "ok - src/catalog_gtfs.c matches $reference"
else
	echo "skip - $reference absent"
fi
./gtfs2pgsql --print-schema | diff -u schema/gtfs.sql - ||
	{ echo "schema/gtfs.sql is stale: run make schema/gtfs.sql" >&2; exit 1; }
echo "ok - schema/gtfs.sql matches gtfs2pgsql --print-schema"
