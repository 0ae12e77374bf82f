-- What translations.txt refers to: the validator's
-- TranslationFieldAndReferenceValidator.
--   translation_unexpected_value (error): record_id or record_sub_id given
--     with field_value (which selects the rows itself), or given where the
--     table's key has no such part (feed_info has no key; only stop_times
--     has a record_sub_id, its stop_sequence); one notice per field;
--   translation_unknown_table_name (warning): a table_name that is none of
--     the tables GTFS lets translate (agency, stops, routes, trips,
--     stop_times, pathways, levels, feed_info, attributions), or one whose
--     file the feed does not have;
--   translation_foreign_key_violation: record_id (and record_sub_id) that
--     name no row of that table.
-- A record_id missing where the key needs one is missing_required_field,
-- not given here.
-- sqlfiles.sh parameters: '2026-01-01'
WITH t AS (
	SELECT tr.*, k.parts,
		tr.table_name IS NULL OR k.parts IS NULL OR NOT EXISTS (
			SELECT FROM @s.import_files AS f
			WHERE f.file = tr.table_name || '.txt') AS unknown
	FROM @s.translations AS tr
	LEFT JOIN (VALUES ('agency', 1), ('stops', 1), ('routes', 1),
		('trips', 1), ('stop_times', 2), ('pathways', 1), ('levels', 1),
		('feed_info', 0), ('attributions', 1)) AS k (table_name, parts)
		USING (table_name)
)
SELECT 'translations.txt' AS file, t.gtfs2pgsql_line AS line, n."column",
	n.code, NULL::text AS severity, n.value,
	format('translation of %s.%s (%s): %s', t.table_name, t.field_name,
		t.language, n.message) AS message
FROM t
CROSS JOIN LATERAL (VALUES
	(t.record_id IS NOT NULL AND (t.field_value IS NOT NULL OR
	 (NOT t.unknown AND t.parts < 1)),
	 'translation_unexpected_value' -- code
	 , 'record_id', t.record_id,
	 CASE WHEN t.field_value IS NOT NULL
		THEN 'record_id is forbidden with field_value'
		ELSE format('%s has no record_id', t.table_name) END),
	(t.record_sub_id IS NOT NULL AND (t.field_value IS NOT NULL OR
	 (NOT t.unknown AND t.parts < 2)),
	 'translation_unexpected_value' -- code
	 , 'record_sub_id', t.record_sub_id,
	 CASE WHEN t.field_value IS NOT NULL
		THEN 'record_sub_id is forbidden with field_value'
		ELSE format('%s has no record_sub_id', t.table_name) END),
	-- an empty table_name is the reader's missing_required_field (a
	-- GTFS-JP translations.txt has no such column at all)
	(t.unknown AND t.table_name IS NOT NULL,
	 'translation_unknown_table_name' -- code
	 , 'table_name', t.table_name,
	 CASE WHEN t.parts IS NULL THEN 'no such table to translate'
		ELSE format('the feed has no %s.txt', t.table_name) END)
) AS n (fires, code, "column", value, message)
WHERE n.fires
UNION ALL
SELECT 'translations.txt', t.gtfs2pgsql_line, 'record_id',
	'translation_foreign_key_violation' AS code, NULL, t.record_id,
	format('translation of %s.%s (%s): no row of %s.txt has the key %s',
		t.table_name, t.field_name, t.language, t.table_name,
		concat_ws(', ', t.record_id, t.record_sub_id))
FROM t
WHERE NOT t.unknown AND t.field_value IS NULL AND t.parts > 0
	AND t.record_id IS NOT NULL
	AND (t.record_sub_id IS NOT NULL) = (t.parts > 1)
	AND NOT CASE t.table_name
		WHEN 'agency' THEN EXISTS (SELECT FROM @s.agency AS r
			WHERE r.agency_id = t.record_id)
		WHEN 'stops' THEN EXISTS (SELECT FROM @s.stops AS r
			WHERE r.stop_id = t.record_id)
		WHEN 'routes' THEN EXISTS (SELECT FROM @s.routes AS r
			WHERE r.route_id = t.record_id)
		WHEN 'trips' THEN EXISTS (SELECT FROM @s.trips AS r
			WHERE r.trip_id = t.record_id)
		WHEN 'stop_times' THEN EXISTS (SELECT FROM @s.stop_times AS r
			WHERE r.trip_id = t.record_id
			AND r.stop_sequence = CASE WHEN t.record_sub_id ~ '^[0-9]{1,9}$'
				THEN t.record_sub_id::integer END)
		WHEN 'pathways' THEN EXISTS (SELECT FROM @s.pathways AS r
			WHERE r.pathway_id = t.record_id)
		WHEN 'levels' THEN EXISTS (SELECT FROM @s.levels AS r
			WHERE r.level_id = t.record_id)
		WHEN 'attributions' THEN EXISTS (SELECT FROM @s.attributions AS r
			WHERE r.attribution_id = t.record_id)
	END
