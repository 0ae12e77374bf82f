-- The files the validator recommends: its MissingFeedInfoValidator and
-- MissingShapesFileValidator.
--   missing_recommended_file (warning): feed_info.txt absent while
--     translations.txt is absent too (with translations it is required:
--     missing_required_file, read); shapes.txt absent while no stop_times.txt
--     row names a location_id or location_group_id and location_groups.txt
--     has no row (Flex zones have no shape).  One notice per file, no line.
-- A file is present when import_files lists it.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT m.file, NULL::integer AS line, NULL::text AS "column",
	'missing_recommended_file' AS code, NULL::text AS severity,
	NULL::text AS value, m.message
FROM (VALUES
	('feed_info.txt', 'feed_info.txt is missing: it is recommended',
		NOT EXISTS (SELECT FROM @s.import_files
			WHERE "table" IN ('feed_info', 'translations'))),
	('shapes.txt', 'shapes.txt is missing: it is recommended',
		NOT EXISTS (SELECT FROM @s.import_files WHERE "table" = 'shapes')
		AND NOT EXISTS (SELECT FROM @s.location_groups)
		AND NOT EXISTS (SELECT FROM @s.stop_times
			WHERE location_id IS NOT NULL OR location_group_id IS NOT NULL))
) AS m (file, message, missing)
WHERE m.missing
