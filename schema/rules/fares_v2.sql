-- Fares v2: the validator's DuplicateFareMediaValidator (warning),
-- FareProductDefaultRiderCategoriesValidator,
-- FareTransferRuleDurationLimitTypeValidator and
-- FareTransferRuleTransferCountValidator (errors):
--   duplicate_fare_media: a fare medium with the name and type of one of an
--     earlier row, one notice per later row;
--   fare_product_with_multiple_default_rider_categories: a fare product
--     whose rows name more than one rider category of
--     is_default_fare_category 1, one notice per product, at its second
--     such row (the validator counts a default category for the first
--     product that names it only, and so misses the second product);
--   fare_transfer_rule_duration_limit_without_type,
--   fare_transfer_rule_duration_limit_type_without_duration_limit: one of
--     duration_limit and duration_limit_type without the other;
--   fare_transfer_rule_without_transfer_count: from_leg_group_id equal to
--     to_leg_group_id and no transfer_count (the validator's 8.0 name of
--     fare_transfer_rule_missing_transfer_count, given no more);
--   fare_transfer_rule_invalid_transfer_count: the same with a
--     transfer_count of 0 or below -1;
--   fare_transfer_rule_with_forbidden_transfer_count: leg groups not both
--     given and equal, and a transfer_count.
-- sqlfiles.sh parameters: '2026-01-01'
SELECT 'fare_media.txt' AS file, m.gtfs2pgsql_line AS line,
	'fare_media_name' AS "column", 'duplicate_fare_media' AS code,
	NULL::text AS severity, m.fare_media_name AS value,
	format('fare media %s has the name and type of %s (line %s)',
		m.fare_media_id, m.first_id, m.first_line) AS message
FROM (
	SELECT fm.*,
		first_value(fm.fare_media_id) OVER w AS first_id,
		first_value(fm.gtfs2pgsql_line) OVER w AS first_line
	FROM @s.fare_media AS fm
	WINDOW w AS (PARTITION BY fm.fare_media_name, fm.fare_media_type
		ORDER BY fm.gtfs2pgsql_line)
) AS m
WHERE m.gtfs2pgsql_line > m.first_line
UNION ALL
SELECT 'fare_products.txt', p.second_line, 'rider_category_id',
	'fare_product_with_multiple_default_rider_categories' AS code,
	NULL, p.categories[2],
	format('fare product %s has the default rider categories %s',
		p.fare_product_id, array_to_string(p.categories, ', '))
FROM (
	-- each default category of a product at the first row that names it
	SELECT d.fare_product_id,
		array_agg(d.rider_category_id ORDER BY d.line) AS categories,
		(array_agg(d.line ORDER BY d.line))[2] AS second_line
	FROM (
		SELECT fp.fare_product_id, fp.rider_category_id,
			min(fp.gtfs2pgsql_line) AS line
		FROM @s.fare_products AS fp
		JOIN @s.rider_categories AS rc USING (rider_category_id)
		WHERE rc.is_default_fare_category = 1
		GROUP BY fp.fare_product_id, fp.rider_category_id
	) AS d
	GROUP BY d.fare_product_id
	HAVING count(*) > 1
) AS p
UNION ALL
SELECT 'fare_transfer_rules.txt', r.gtfs2pgsql_line, n."column", n.code,
	NULL, n.value,
	format('transfer from leg group %s to %s: %s',
		coalesce(r.from_leg_group_id, 'any'), coalesce(r.to_leg_group_id, 'any'),
		n.message)
FROM @s.fare_transfer_rules AS r
CROSS JOIN LATERAL (VALUES
	(r.duration_limit IS NOT NULL AND r.duration_limit_type IS NULL,
	 'fare_transfer_rule_duration_limit_without_type' -- code
	 , 'duration_limit', r.duration_limit::text,
	 'duration_limit without duration_limit_type'),
	(r.duration_limit IS NULL AND r.duration_limit_type IS NOT NULL,
	 'fare_transfer_rule_duration_limit_type_without_duration_limit' -- code
	 , 'duration_limit_type', r.duration_limit_type::text,
	 'duration_limit_type without duration_limit'),
	(r.from_leg_group_id = r.to_leg_group_id AND r.transfer_count IS NULL,
	 'fare_transfer_rule_without_transfer_count' -- code
	 , 'transfer_count', NULL,
	 'a transfer within one leg group requires transfer_count'),
	(r.from_leg_group_id = r.to_leg_group_id AND
	 (r.transfer_count = 0 OR r.transfer_count < -1),
	 'fare_transfer_rule_invalid_transfer_count' -- code
	 , 'transfer_count', r.transfer_count::text,
	 'transfer_count is -1 (no limit) or at least 1'),
	((r.from_leg_group_id = r.to_leg_group_id) IS NOT TRUE
	 AND r.transfer_count IS NOT NULL,
	 'fare_transfer_rule_with_forbidden_transfer_count' -- code
	 , 'transfer_count', r.transfer_count::text,
	 'transfer_count is forbidden between different leg groups')
) AS n (fires, code, "column", value, message)
WHERE n.fires
