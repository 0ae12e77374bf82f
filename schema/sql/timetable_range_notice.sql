-- sqlfiles.sh before: ALTER TABLE gtfs.calendar ADD gtfs2pgsql_line integer;
-- sqlfiles.sh parameters: 'code', 'info', 'kept'
-- A calendar.txt range that ends before it starts gives no day and a
-- notice (start_and_end_range_out_of_order).  $1, $2, $3: the kind's code,
-- severity and action, as notice.c's table gives them; gtfs2pgsql_line is
-- the staging tables' DDL_LINE_COLUMN.
INSERT INTO @s.import_notices
	(file, line, "column", code, severity, value, message, action)
SELECT 'calendar.txt', gtfs2pgsql_line, 'end_date', $1, $2,
	to_char(end_date, 'YYYYMMDD'),
	format('end_date before start_date %s: service %s has no day '
		'from calendar.txt', to_char(start_date, 'YYYYMMDD'), service_id),
	$3
FROM @s.calendar WHERE end_date < start_date
