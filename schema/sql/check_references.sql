-- sqlfiles.sh before: ALTER TABLE gtfs.trips ADD gtfs2pgsql_line integer;
-- sqlfiles.sh parameters: 'trips.txt', 'route_id', 'foreign_key_violation', 'error', '%s %s', 'kept'
-- sqlfiles.sh fill: s/@x/trips/; s/@v/route_id/g; s/@w/c.route_id IS NULL/
-- The notices of the values of column "@v" of table "@x" of schema "@s"
-- that break a check (src/load/check.c's check_references: "@w", a
-- condition on the table's row c, finds them: a reference to nothing, a
-- time zone the server does not know), one per value, at its first line:
-- file $1, column $2, code $3, severity $4, the message the format $5 of
-- the value and its count makes, action $6.
INSERT INTO @s.import_notices
	(file, line, "column", code, severity, value, message, action)
SELECT $1, min(c.gtfs2pgsql_line), $2, $3, $4, c.@v,
	format($5, c.@v, count(*)), $6
FROM @s.@x AS c
WHERE @w
GROUP BY c.@v
