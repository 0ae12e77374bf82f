-- The line through the stops of each trip without a shape line (see
-- src/load/ddl.c); ddl.c adds the tables' storage options.
-- sqlfiles.sh before: DROP TABLE gtfs.stop_lines CASCADE;
CREATE TABLE @s.stop_lines (
	@ftrip_id text COLLATE "C" NOT NULL,
	geom @g.geometry(LineString, @r) NOT NULL
)
