-- shape_lines filled from shapes: "@p" is each point, with its measure
-- when every point of the feed has shape_dist_traveled (src/load/ddl.c).
INSERT INTO @s.shape_lines (shape_id, geom, npoints)
-- one point makes no valid line: NULL then
SELECT shape_id, CASE WHEN count(geom) > 1
	THEN @g.ST_MakeLine(@p ORDER BY shape_pt_sequence) END, count(*)
-- points without a shape_id (kept, with a notice) make no line
FROM @s.shapes WHERE shape_id IS NOT NULL GROUP BY shape_id
