-- locations.geojson's table (src/load/geojson.c fills it).  ddl.c adds
-- the tables' storage options.
-- sqlfiles.sh before: DROP TABLE gtfs.locations CASCADE;
CREATE TABLE @s.locations (
	@fid text COLLATE "C" NOT NULL,
	stop_name text,
	stop_desc text,
	properties jsonb,
	geom @g.geometry(MultiPolygon, @r)
)
