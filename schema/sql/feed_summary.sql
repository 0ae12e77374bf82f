-- The summary of the feed in "@s" for the reports (src/load/load.c, as
-- the validator's report opens): its publisher, its validity by
-- feed_info.txt and by its calendar, its agencies, its counts, and the
-- features it uses, by the validator's list (its docs/FEATURES.md: a
-- feature is there when a file has a row, or a column a value).  One JSON
-- object.  A column's values are looked for only when the file's header
-- has it (import_files), so that a column absent costs no scan.
WITH header AS (
	SELECT f.file, c.name
	FROM @s.import_files AS f, unnest(f.columns) AS c (name)
), has_column AS (
	SELECT coalesce(array_agg(file || ':' || name), '{}') AS names
	FROM header
), feature (grp, name, present) AS (
	SELECT 'Accessibility', 'Text-To-Speech',
		'stops.txt:tts_stop_name' = ANY (h.names) AND EXISTS
		(SELECT FROM @s.stops WHERE tts_stop_name IS NOT NULL)
	FROM has_column AS h
	UNION ALL
	SELECT 'Accessibility', 'Wheelchair Accessibility',
		('trips.txt:wheelchair_accessible' = ANY (h.names) AND EXISTS
			(SELECT FROM @s.trips WHERE wheelchair_accessible IS NOT NULL))
		OR ('stops.txt:wheelchair_boarding' = ANY (h.names) AND EXISTS
			(SELECT FROM @s.stops WHERE wheelchair_boarding IS NOT NULL))
	FROM has_column AS h
	UNION ALL
	SELECT 'Accessibility', 'Route Colors', EXISTS (SELECT FROM @s.routes
		WHERE route_color IS NOT NULL OR route_text_color IS NOT NULL)
	UNION ALL
	SELECT 'Accessibility', 'Bikes Allowance',
		EXISTS (SELECT FROM @s.trips WHERE bikes_allowed IS NOT NULL)
	UNION ALL
	SELECT 'Accessibility', 'Translations',
		EXISTS (SELECT FROM @s.translations)
	UNION ALL
	SELECT 'Accessibility', 'Headsigns',
		EXISTS (SELECT FROM @s.trips WHERE trip_headsign IS NOT NULL)
		OR ('stop_times.txt:stop_headsign' = ANY (h.names) AND EXISTS
			(SELECT FROM @s.stop_times WHERE stop_headsign IS NOT NULL))
	FROM has_column AS h
	UNION ALL
	SELECT 'Fares', 'Fares V1', EXISTS (SELECT FROM @s.fare_attributes)
	UNION ALL
	SELECT 'Fares', 'Fare Products', EXISTS (SELECT FROM @s.fare_products)
	UNION ALL
	SELECT 'Fares', 'Fare Media', EXISTS (SELECT FROM @s.fare_media)
	UNION ALL
	SELECT 'Fares', 'Rider Categories',
		EXISTS (SELECT FROM @s.rider_categories)
	UNION ALL
	SELECT 'Fares', 'Route-Based Fares',
		EXISTS (SELECT FROM @s.networks)
		OR EXISTS (SELECT FROM @s.route_networks)
		OR EXISTS (SELECT FROM @s.routes WHERE network_id IS NOT NULL)
	UNION ALL
	SELECT 'Fares', 'Time-Based Fares', EXISTS (SELECT FROM @s.timeframes)
	UNION ALL
	SELECT 'Fares', 'Zone-Based Fares', EXISTS (SELECT FROM @s.areas)
	UNION ALL
	SELECT 'Fares', 'Transfer Fares',
		EXISTS (SELECT FROM @s.fare_transfer_rules)
	UNION ALL
	SELECT 'Pathways', 'Pathways (basic)', EXISTS (SELECT FROM @s.pathways)
	UNION ALL
	SELECT 'Pathways', 'Pathways (extra)', EXISTS (SELECT FROM @s.pathways
		WHERE max_slope IS NOT NULL OR min_width IS NOT NULL
		OR length IS NOT NULL OR stair_count IS NOT NULL)
	UNION ALL
	SELECT 'Pathways', 'Levels', EXISTS (SELECT FROM @s.levels)
	UNION ALL
	SELECT 'Pathways', 'Traversal Time', EXISTS (SELECT FROM @s.pathways
		WHERE traversal_time IS NOT NULL)
	UNION ALL
	SELECT 'Pathways', 'Pathways Directions', EXISTS (SELECT FROM @s.pathways
		WHERE signposted_as IS NOT NULL)
		AND EXISTS (SELECT FROM @s.pathways
			WHERE reversed_signposted_as IS NOT NULL)
	UNION ALL
	SELECT 'Pathways', 'Location Types',
		EXISTS (SELECT FROM @s.stops WHERE location_type IS NOT NULL)
	UNION ALL
	SELECT 'Metadata', 'Feed Information', EXISTS (SELECT FROM @s.feed_info)
	UNION ALL
	SELECT 'Metadata', 'Attributions', EXISTS (SELECT FROM @s.attributions)
	UNION ALL
	SELECT 'Flexible Services', 'Continuous Stops',
		EXISTS (SELECT FROM @s.routes WHERE continuous_pickup IS NOT NULL
			OR continuous_drop_off IS NOT NULL)
		OR ((('stop_times.txt:continuous_pickup' = ANY (h.names))
			OR ('stop_times.txt:continuous_drop_off' = ANY (h.names)))
			AND EXISTS (SELECT FROM @s.stop_times
				WHERE continuous_pickup IS NOT NULL
				OR continuous_drop_off IS NOT NULL))
	FROM has_column AS h
	UNION ALL
	SELECT 'Flexible Services', 'Booking Rules',
		EXISTS (SELECT FROM @s.booking_rules)
	UNION ALL
	SELECT 'Flexible Services', 'Fixed-Stops Demand Responsive Services',
		EXISTS (SELECT FROM @s.location_groups)
	UNION ALL
	-- stop times at zones: a load --no-geometry has no table locations
	SELECT 'Flexible Services', 'Zone-Based Demand Responsive Services',
		'stop_times.txt:location_id' = ANY (h.names) AND EXISTS
		(SELECT FROM @s.stop_times WHERE location_id IS NOT NULL)
	FROM has_column AS h
	UNION ALL
	SELECT 'Shapes', 'Shapes', EXISTS (SELECT FROM @s.shapes)
	UNION ALL
	SELECT 'Transfers', 'Transfers', EXISTS (SELECT FROM @s.transfers)
	UNION ALL
	SELECT 'Frequency-based Services', 'Frequencies',
		EXISTS (SELECT FROM @s.frequencies)
), service AS (
	-- the days of the calendar that trips use, as the validator's
	-- service window: its first and last day with service (service_days
	-- holds two years of a calendar.txt line: the end_date of a longer one)
	SELECT min(d.date) AS first_day,
		greatest(max(d.date), (SELECT max(c.end_date) FROM @s.calendar AS c
			WHERE c.end_date - c.start_date >= 730
			AND c.service_id IN (SELECT service_id FROM @s.trips)))
			AS last_day
	FROM @s.service_days AS d
	WHERE d.service_id IN (SELECT service_id FROM @s.trips)
), publisher AS (
	SELECT * FROM @s.feed_info
	ORDER BY feed_publisher_name NULLS LAST
	LIMIT 1
)
SELECT json_build_object(
	'publisher', (SELECT json_build_object('name', feed_publisher_name,
			'url', feed_publisher_url, 'lang', feed_lang,
			'version', feed_version,
			'contact_email', feed_contact_email,
			'contact_url', feed_contact_url)
		FROM publisher),
	'validity', json_build_object(
		'feed_info', (SELECT json_build_object(
				'start_date', to_char(feed_start_date, 'YYYY-MM-DD'),
				'end_date', to_char(feed_end_date, 'YYYY-MM-DD'))
			FROM publisher),
		'service', (SELECT json_build_object(
				'first_day', to_char(first_day, 'YYYY-MM-DD'),
				'last_day', to_char(last_day, 'YYYY-MM-DD'))
			FROM service)),
	'agencies', (SELECT coalesce(json_agg(json_build_object(
				'agency_id', agency_id, 'name', agency_name,
				'url', agency_url, 'timezone', agency_timezone,
				'phone', agency_phone, 'email', agency_email)
			ORDER BY agency_id), '[]')
		FROM @s.agency),
	'counts', json_build_object(
		'agencies', (SELECT count(*) FROM @s.agency),
		'routes', (SELECT count(*) FROM @s.routes),
		'trips', (SELECT count(*) FROM @s.trips),
		'blocks', (SELECT count(DISTINCT block_id) FROM @s.trips),
		'stops', (SELECT count(*) FROM @s.stops),
		'shapes', (SELECT count(DISTINCT shape_id) FROM @s.shapes),
		'services', (SELECT count(*) FROM
			(SELECT service_id FROM @s.calendar
				UNION SELECT service_id FROM @s.calendar_dates) AS s)),
	'features', (SELECT coalesce(json_agg(json_build_object(
				'group', grp, 'feature', name)), '[]')
		FROM feature WHERE present))
