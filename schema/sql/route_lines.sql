-- Each route's lines, a table that a GIS client opens (see
-- src/load/ddl.c); ddl.c adds the tables' storage options.
-- sqlfiles.sh before: DROP TABLE gtfs.route_lines CASCADE;
CREATE TABLE @s.route_lines (
	@froute_id text COLLATE "C",
	geom @g.geometry(MultiLineString, @r)
)
