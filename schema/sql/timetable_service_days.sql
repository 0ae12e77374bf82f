-- sqlfiles.sh before: DROP TABLE gtfs.service_days CASCADE;
-- The days of each service (src/load/timetable.c): calendar.txt, plus and
-- minus calendar_dates.txt, filled by timetable_days_fill.sql.
-- "@s" is the schema and "@f" the feed_id column (ddl_template).
CREATE TABLE @s.service_days (
	@fservice_id text COLLATE "C" NOT NULL,
	date date NOT NULL
) WITH (autovacuum_enabled = false)
