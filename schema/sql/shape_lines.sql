-- shape_lines, built from shapes in the server once the data is in (see
-- src/load/ddl.c); ddl.c adds the tables' storage options.
-- sqlfiles.sh before: DROP TABLE gtfs.shape_lines CASCADE;
CREATE TABLE @s.shape_lines (
	@fshape_id text COLLATE "C" NOT NULL,
	geom @g.geometry CHECK (@g.ST_SRID(geom) = @r),
	npoints integer NOT NULL
)
