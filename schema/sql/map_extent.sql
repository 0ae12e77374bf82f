-- The frame of report_html.c's map: the shape lines' extent and that of
-- the stops but their outer 0.1% on each side (a stop at 0,0 would shrink
-- the rest to a dot), and whether the coordinates are longitude and
-- latitude.
WITH s AS (SELECT geom FROM @s.stops WHERE geom IS NOT NULL),
p AS (SELECT
	percentile_disc(0.001) WITHIN GROUP (ORDER BY @g.ST_X(geom)) AS x0,
	percentile_disc(0.001) WITHIN GROUP (ORDER BY @g.ST_Y(geom)) AS y0,
	percentile_disc(0.999) WITHIN GROUP (ORDER BY @g.ST_X(geom)) AS x1,
	percentile_disc(0.999) WITHIN GROUP (ORDER BY @g.ST_Y(geom)) AS y1
	FROM s),
l AS (SELECT @g.ST_Extent(geom) AS e FROM @s.shape_lines)
SELECT least(p.x0, @g.ST_XMin(l.e)), least(p.y0, @g.ST_YMin(l.e)),
	greatest(p.x1, @g.ST_XMax(l.e)), greatest(p.y1, @g.ST_YMax(l.e)),
	coalesce((SELECT r.proj4text LIKE '%+proj=longlat%'
		FROM @g.spatial_ref_sys r WHERE r.srid = (SELECT @g.ST_SRID(geom)
		FROM (SELECT geom FROM s UNION ALL SELECT geom FROM @s.shape_lines
		WHERE geom IS NOT NULL) AS g LIMIT 1)), false)
FROM p, l
