-- The summary of feed $1 for the HTML report (src/load/report_html.c),
-- from the JSON report its registry row keeps (schema/sql/feed_summary.sql
-- made it): one row per line of the table, a label and its text.
-- sqlfiles.sh before: CREATE SCHEMA gtfs2pgsql; CREATE TABLE gtfs2pgsql.feeds (feed_id text, report jsonb);
-- sqlfiles.sh parameters: 'none'
WITH r AS (
	SELECT report AS j, report->'summary' AS s
	FROM gtfs2pgsql.feeds WHERE feed_id = $1
)
SELECT label, text FROM r, LATERAL (VALUES
	(1, 'publisher', concat_ws(' ', s->'publisher'->>'name',
		'<' || (s->'publisher'->>'url') || '>')),
	(2, 'language', s->'publisher'->>'lang'),
	(3, 'version', s->'publisher'->>'version'),
	(4, 'contact', concat_ws(', ', s->'publisher'->>'contact_email',
		s->'publisher'->>'contact_url')),
	(5, 'valid (feed_info.txt)', concat_ws(' to ',
		s->'validity'->'feed_info'->>'start_date',
		s->'validity'->'feed_info'->>'end_date')),
	(6, 'service (calendar)', concat_ws(' to ',
		s->'validity'->'service'->>'first_day',
		s->'validity'->'service'->>'last_day')),
	(7, 'agencies', (SELECT string_agg(concat_ws(' ', a->>'name',
			'(' || (a->>'timezone') || ')'), ', ' ORDER BY n)
			|| CASE WHEN jsonb_array_length(s->'agencies') > 10
				THEN format(', and %s more',
					jsonb_array_length(s->'agencies') - 10) ELSE '' END
		FROM jsonb_array_elements(s->'agencies') WITH ORDINALITY AS e (a, n)
		WHERE n <= 10)),
	(8, 'counts', (SELECT string_agg(format('%s %s', key, value), ', ')
		FROM jsonb_each_text(s->'counts'))),
	(9, 'features', (SELECT string_agg(grp || ': ' || names, '; ')
		FROM (SELECT f->>'group' AS grp,
				string_agg(f->>'feature', ', ') AS names
			FROM jsonb_array_elements(s->'features') AS f
			GROUP BY f->>'group') AS g)),
	(10, 'rules as of', coalesce(j->>'as_of',
		'not run (--no-validate)'))
) AS v (k, label, text)
WHERE s IS NOT NULL AND jsonb_typeof(s) = 'object' AND text <> ''
ORDER BY k
