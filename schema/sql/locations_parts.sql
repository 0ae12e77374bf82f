-- The features of locations.geojson's document (src/load/geojson.c),
-- numbered n from 1, each as written (raw), with what the array of
-- features is (kind, on every row; one row with n NULL when there are
-- none).  PostgreSQL's JSON functions unescape every string they pass, and
-- refuse \u0000 or a lone surrogate, which would cost the whole document:
-- so the escaped backslashes, then the \u escapes, are first replaced by
-- random markers, found in no document, that the raw text of each feature
-- gets back.
-- sqlfiles.sh before: CREATE TABLE gtfs.locations_document AS SELECT '{"type": "FeatureCollection", "features": [{"id": "a\u0000"}]}'::text AS document;
CREATE TABLE @s.locations_parts AS
WITH marker AS (SELECT gen_random_uuid()::text AS b,
		gen_random_uuid()::text AS u),
neutral AS MATERIALIZED (SELECT b, u, (replace(replace(document, '\\', b),
		'\u', u)::json)->'features' AS features
	FROM @s.locations_document, marker)
SELECT n, replace(replace(part::text, u, '\u'), b, '\\') AS raw,
	NULL::jsonb AS f, NULL::text AS why, json_typeof(features) AS kind
FROM neutral LEFT JOIN LATERAL json_array_elements(CASE
	WHEN json_typeof(features) = 'array' THEN features END)
	WITH ORDINALITY AS parts(part, n) ON true
