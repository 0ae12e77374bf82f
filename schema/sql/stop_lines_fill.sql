-- stop_lines filled, in a DO block so that the INSERT is planned only
-- for a feed that has trips without a shape line: planned without
-- statistics, its query per trip made the planner's estimate large enough
-- for JIT (0.6 s of compiling on MTA Brooklyn, which has no such trip).
-- "@t" is a dollar quote that the schema's name cannot end.
DO @t
BEGIN
IF EXISTS (SELECT FROM @s.trips t LEFT JOIN @s.shape_lines l
	ON l.shape_id = t.shape_id AND l.geom IS NOT NULL
	WHERE l.shape_id IS NULL) THEN
INSERT INTO @s.stop_lines (trip_id, geom)
-- the line through the stops of each trip without a shape line, one
-- trip at a time through the stop_times key
SELECT bare.trip_id, line.geom
FROM (SELECT t.trip_id FROM @s.trips t LEFT JOIN @s.shape_lines l
	ON l.shape_id = t.shape_id AND l.geom IS NOT NULL
	WHERE l.shape_id IS NULL) AS bare
CROSS JOIN LATERAL (SELECT
	@g.ST_MakeLine(s.geom ORDER BY st.stop_sequence) AS geom
	FROM @s.stop_times st JOIN @s.stops s USING (stop_id)
	WHERE st.trip_id = bare.trip_id
	HAVING count(DISTINCT s.geom) > 1) AS line;
END IF;
END
@t
