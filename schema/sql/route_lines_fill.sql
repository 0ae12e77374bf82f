-- route_lines filled from the lines of its trips (src/load/ddl.c).
INSERT INTO @s.route_lines (route_id, geom)
-- each route's geometry: the union of its trips' distinct lines, merged
SELECT route_id, @g.ST_Multi(@g.ST_LineMerge(@g.ST_CollectionExtract(
	@g.ST_Union(geom), 2)))
FROM (SELECT t.route_id, @g.ST_Force2D(l.geom) AS geom
	FROM (SELECT DISTINCT route_id, shape_id FROM @s.trips) AS t
	JOIN @s.shape_lines l ON l.shape_id = t.shape_id
	WHERE l.geom IS NOT NULL
	UNION
	SELECT t.route_id, sl.geom
	FROM @s.trips t JOIN @s.stop_lines sl ON sl.trip_id = t.trip_id) AS lines
GROUP BY route_id
