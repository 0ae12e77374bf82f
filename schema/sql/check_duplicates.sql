-- sqlfiles.sh before: ALTER TABLE gtfs.stops ADD gtfs2pgsql_line integer;
-- sqlfiles.sh fill: s/@x/stops/g; s/@k/PARTITION BY stop_id/g; s/@w//
-- The rows of table "@x" of schema "@s" after the first of each key
-- (src/load/check.c, when the key could not be built): their lines, with
-- the line of the first of their key, into the temporary table
-- gtfs2pgsql_lines, which the notices of the duplicates read, and the
-- rows deleted; the DELETE's count says how many.  "@k" partitions by
-- the key's columns ("PARTITION BY a, b"); "@w" leaves out the rows the
-- key leaves out (ddl_key_where: " WHERE ...", or nothing).
CREATE TEMPORARY TABLE gtfs2pgsql_lines ON COMMIT DROP AS
SELECT line, first_line FROM (
	SELECT gtfs2pgsql_line AS line,
		min(gtfs2pgsql_line) OVER (@k) AS first_line,
		row_number() OVER (@k ORDER BY gtfs2pgsql_line) AS n
	FROM @s.@x@w) AS rows
WHERE n > 1;
DELETE FROM @s.@x AS t USING pg_temp.gtfs2pgsql_lines AS d
WHERE t.gtfs2pgsql_line = d.line
