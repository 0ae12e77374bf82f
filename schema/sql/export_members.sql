-- The files of the feed in schema $1 ("@s" quoted) that pgsql2gtfs writes
-- back (src/export/member.c), from its import_files: a row per column of
-- each file, in the order of its header: the file, its table, the column
-- and its header's name, the column's type, whether the table is there,
-- whether import_files has no columns for it, whether the table has the
-- jsonb column $2 (ddl.h's DDL_EXTRA_COLUMN) for the file's other columns,
-- and whether the file had no columns (a member of 0 bytes).
-- sqlfiles.sh before: INSERT INTO gtfs.import_files VALUES ('stops.txt', 'stops', '{stop_id,stop_name}', '{stop_id,stop_name}');
-- sqlfiles.sh parameters: 'gtfs', 'extra'
SELECT f.file, f."table", c.col, c.head,
	pg_catalog.format_type(a.atttypid, NULL), r.oid IS NOT NULL,
	f.columns IS NULL, x.attname IS NOT NULL,
	pg_catalog.cardinality(f.columns) = 0
FROM @s.import_files f
LEFT JOIN (pg_catalog.pg_class r JOIN pg_catalog.pg_namespace s
	ON s.oid = r.relnamespace AND s.nspname = $1::name)
ON r.relname = f."table"
LEFT JOIN LATERAL ROWS FROM (pg_catalog.unnest(f.columns),
	pg_catalog.unnest(f.header)) WITH ORDINALITY AS c (col, head, n) ON true
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid
	AND a.attname = c.col AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_attribute x ON x.attrelid = r.oid
	AND x.attname = $2::name AND NOT x.attisdropped
	AND x.atttypid = 'pg_catalog.jsonb'::pg_catalog.regtype
ORDER BY f.file, c.n
