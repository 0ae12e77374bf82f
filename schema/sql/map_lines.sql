-- Each shape line in report_html.c's map frame ($1..$4: ST_Affine's xx,
-- yy, xoff, yoff), simplified to 0.4 units of the map's width (under a
-- pixel on screen), with the colour and name of a route of its trips
-- (any: with min() or ORDER BY the planner walks trips by route_id, 30 ms
-- a shape).
-- sqlfiles.sh parameters: 1, 1, 0, 0
SELECT CASE WHEN r.route_color ~ '^[0-9A-Fa-f]{6}$' THEN r.route_color END,
	coalesce(r.route_short_name, r.route_long_name, r.route_id), l.shape_id,
	@g.ST_AsSVG(@g.ST_Simplify(@g.ST_Affine(@g.ST_Force2D(l.geom),
		$1::float8, 0::float8, 0::float8, $2::float8, $3::float8, $4::float8),
	0.4::float8, true), 1, 1)
FROM @s.shape_lines l LEFT JOIN @s.routes r ON r.route_id = (
	SELECT t.route_id FROM @s.trips t WHERE t.shape_id = l.shape_id LIMIT 1)
WHERE l.geom IS NOT NULL ORDER BY r.route_id, l.shape_id
