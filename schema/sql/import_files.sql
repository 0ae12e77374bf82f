-- The files the load read into tables, with their header as written, so
-- that pgsql2gtfs writes each one back with its columns in their order.
-- ddl.c adds the tables' storage options.
-- sqlfiles.sh before: DROP TABLE gtfs.import_files CASCADE;
CREATE TABLE @s.import_files (
	@ffile text NOT NULL,
	"table" text NOT NULL,
	columns text[],
	header text[]
)
