-- feed_info.txt's own fields: the validator's FeedContactValidator,
-- FeedServiceDateValidator's missing dates, MatchingFeedAndAgencyLang-
-- Validator and the single row its schema asks for (singleRow).
--   missing_feed_contact_email_and_url (warning): a row with neither
--     feed_contact_email nor feed_contact_url;
--   missing_feed_info_date (warning): a row with one of feed_start_date and
--     feed_end_date, not the other (the column is the missing one);
--   missing_recommended_field (warning): a row without feed_start_date,
--     feed_end_date or feed_version (@RecommendedValue in the validator's
--     GtfsFeedInfoSchema; the contact fields, also marked, are left to
--     missing_feed_contact_email_and_url, which wants one of the two);
--   more_than_one_entity (warning): feed_info.txt has more than one row;
--     one notice, on the second row, its value the count of rows;
--   feed_info_lang_and_agency_lang_mismatch (warning): an agency.txt row
--     whose agency_lang is not the first feed_info.txt row's feed_lang
--     (case aside), unless that is "mul"; one per agency row.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'feed_info.txt' AS file, f.gtfs2pgsql_line AS line,
	'feed_contact_email' AS "column",
	'missing_feed_contact_email_and_url' AS code, NULL::text AS severity,
	NULL::text AS value,
	'feed_info.txt gives neither feed_contact_email nor feed_contact_url'
		AS message
FROM @s.feed_info AS f
WHERE coalesce(btrim(f.feed_contact_email), '') = ''
AND coalesce(btrim(f.feed_contact_url), '') = ''
UNION ALL
SELECT 'feed_info.txt', f.gtfs2pgsql_line,
	CASE WHEN f.feed_start_date IS NULL THEN 'feed_start_date'
		ELSE 'feed_end_date' END,
	'missing_feed_info_date' AS code, NULL, NULL,
	CASE WHEN f.feed_start_date IS NULL
		THEN format('feed_end_date is %s but feed_start_date is empty',
			to_char(f.feed_end_date, 'YYYY-MM-DD'))
		ELSE format('feed_start_date is %s but feed_end_date is empty',
			to_char(f.feed_start_date, 'YYYY-MM-DD')) END
FROM @s.feed_info AS f
WHERE (f.feed_start_date IS NULL) <> (f.feed_end_date IS NULL)
UNION ALL
SELECT 'feed_info.txt', f.gtfs2pgsql_line, v.col,
	'missing_recommended_field' AS code, NULL, NULL,
	format('feed_info.txt has no %s, which is recommended', v.col)
FROM @s.feed_info AS f
CROSS JOIN LATERAL (VALUES ('feed_start_date', f.feed_start_date IS NULL),
	('feed_end_date', f.feed_end_date IS NULL),
	('feed_version', coalesce(f.feed_version, '') = '')) AS v (col, missing)
WHERE v.missing
UNION ALL
SELECT 'feed_info.txt', n.line, NULL, 'more_than_one_entity' AS code, NULL,
	n.rows::text,
	format('feed_info.txt has %s rows; it should have one', n.rows)
FROM (SELECT count(*) AS rows,
		(array_agg(gtfs2pgsql_line ORDER BY gtfs2pgsql_line))[2] AS line
	FROM @s.feed_info) AS n
WHERE n.rows > 1
UNION ALL
SELECT 'agency.txt', a.gtfs2pgsql_line, 'agency_lang',
	'feed_info_lang_and_agency_lang_mismatch' AS code, NULL, a.agency_lang,
	format('agency %s has agency_lang %s, feed_info.txt feed_lang %s',
		coalesce(a.agency_id, a.agency_name), a.agency_lang, f.feed_lang)
FROM (SELECT feed_lang FROM @s.feed_info
	ORDER BY gtfs2pgsql_line LIMIT 1) AS f
JOIN @s.agency AS a
	ON lower(a.agency_lang) <> lower(f.feed_lang)
WHERE lower(f.feed_lang) <> 'mul' AND coalesce(a.agency_lang, '') <> ''
