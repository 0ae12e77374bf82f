-- The stops in report_html.c's map frame ($1..$4: ST_Affine's xx, yy,
-- xoff, yoff; $5: the frame's left and top edge, $6 its right, $7 its
-- bottom, margins included), one dot per tenth of a unit, y down.
-- sqlfiles.sh parameters: 1, 1, 0, 0, 0, 1000, 1000
SELECT DISTINCT round(x::numeric, 1), round(-y::numeric, 1)
FROM (SELECT @g.ST_X(g) AS x, @g.ST_Y(g) AS y
	FROM (SELECT @g.ST_Affine(geom, $1::float8, 0::float8, 0::float8, $2::float8,
		$3::float8, $4::float8) AS g
		FROM @s.stops WHERE geom IS NOT NULL) AS a) AS b
WHERE x BETWEEN $5::float8 AND $6::float8
	AND y BETWEEN $5::float8 AND $7::float8
