-- Each trip's line, a view: computed when queried, it costs the load
-- nothing (src/load/ddl.c).
CREATE OR REPLACE VIEW @s.trip_lines AS
-- each trip's line: its shape, else the line through its stops
SELECT t.trip_id, t.route_id, t.shape_id,
	coalesce(@g.ST_Force2D(l.geom), sl.geom)::@g.geometry(LineString, @r)
		AS geom,
	l.geom IS NOT NULL AS from_shape
FROM @s.trips t LEFT JOIN @s.shape_lines l USING (shape_id)
LEFT JOIN @s.stop_lines sl USING (trip_id)
