-- The translated views of a feed (src/load/analysis.c), from
-- translations.txt in each of its forms: the reference's rules that name
-- a record (table_name, field_name, record_id, record_sub_id), those that
-- name a value (field_value), and GTFS-JP's older trans_id,lang,translation
-- (loaded into translations.extra), which translates a text wherever it is.
-- "@s" is the feed's schema (ddl_template).
--
-- Each view has a column language: one row per record for each language
-- the feed translates into, each field translated into that language where
-- a rule says so (its *_lang column is then that language) and as written
-- elsewhere (*_lang NULL); and one row per record of language NULL, as
-- written.  WHERE language = 'en' gives every record once.
-- (gtfs-via-postgres has one row per matching rule instead, rules of one
-- field crossed with those of another, and none for a language a record
-- lacks.)
--
-- The rules that name a record, one per record, field and language: the
-- reference's record_sub_id is kept for stop_times only (its
-- stop_sequence, as an integer would print)
CREATE OR REPLACE VIEW @s.translations_by_record AS
SELECT DISTINCT ON (table_name, field_name, language, record_id,
		record_sub_id)
	table_name, field_name, language, record_id, record_sub_id, translation
FROM (SELECT table_name, field_name, language, record_id,
		CASE WHEN table_name <> 'stop_times' THEN NULL
			WHEN record_sub_id ~ '^ *[0-9]{1,9} *$'
			THEN trim(record_sub_id)::integer::text
			ELSE record_sub_id END AS record_sub_id,
		translation, field_value
	FROM @s.translations
	WHERE record_id IS NOT NULL AND table_name IS NOT NULL
	AND field_name IS NOT NULL AND language IS NOT NULL
	AND translation IS NOT NULL) r
ORDER BY table_name, field_name, language, record_id, record_sub_id,
	field_value NULLS FIRST, translation;

-- The rules that name a value, one per field, value and language: the
-- reference's field_value before GTFS-JP's trans_id, which applies to
-- every text field a rider reads
CREATE OR REPLACE VIEW @s.translations_by_value AS
SELECT DISTINCT ON (table_name, field_name, language, field_value)
	table_name, field_name, language, field_value, translation
FROM (SELECT table_name, field_name, language, field_value, translation,
		1 AS rank
	FROM @s.translations
	WHERE record_id IS NULL AND field_value IS NOT NULL
	AND table_name IS NOT NULL AND field_name IS NOT NULL
	AND language IS NOT NULL AND translation IS NOT NULL
	UNION ALL
	SELECT f.table_name, f.field_name, t.extra ->> 'lang',
		t.extra ->> 'trans_id', t.translation, 2
	FROM @s.translations t
	CROSS JOIN (VALUES ('agency', 'agency_name'), ('stops', 'stop_name'),
		('stops', 'tts_stop_name'), ('stops', 'stop_desc'),
		('stops', 'platform_code'), ('routes', 'route_short_name'),
		('routes', 'route_long_name'), ('routes', 'route_desc'),
		('trips', 'trip_headsign'), ('trips', 'trip_short_name'),
		('stop_times', 'stop_headsign')) AS f (table_name, field_name)
	WHERE t.table_name IS NULL AND t.record_id IS NULL
	AND t.extra ->> 'trans_id' IS NOT NULL
	AND t.extra ->> 'lang' IS NOT NULL AND t.translation IS NOT NULL) r
ORDER BY table_name, field_name, language, field_value, rank, translation;

-- The languages of the feed's translations, and NULL: as written
CREATE OR REPLACE VIEW @s.translation_languages AS
SELECT NULL::text AS language
UNION
SELECT coalesce(language, extra ->> 'lang') FROM @s.translations
WHERE coalesce(language, extra ->> 'lang') IS NOT NULL;

CREATE OR REPLACE VIEW @s.stops_translated AS
SELECT l.language, s.stop_id, s.stop_code,
	coalesce(n1.translation, n2.translation, s.stop_name) AS stop_name,
	CASE WHEN coalesce(n1.translation, n2.translation) IS NOT NULL
		THEN l.language END AS stop_name_lang,
	coalesce(t1.translation, t2.translation, s.tts_stop_name)
		AS tts_stop_name,
	CASE WHEN coalesce(t1.translation, t2.translation) IS NOT NULL
		THEN l.language END AS tts_stop_name_lang,
	coalesce(d1.translation, d2.translation, s.stop_desc) AS stop_desc,
	CASE WHEN coalesce(d1.translation, d2.translation) IS NOT NULL
		THEN l.language END AS stop_desc_lang,
	s.stop_lat, s.stop_lon, s.zone_id,
	coalesce(u1.translation, u2.translation, s.stop_url) AS stop_url,
	CASE WHEN coalesce(u1.translation, u2.translation) IS NOT NULL
		THEN l.language END AS stop_url_lang,
	s.location_type, s.parent_station, s.stop_timezone,
	s.wheelchair_boarding, s.level_id,
	coalesce(p1.translation, p2.translation, s.platform_code)
		AS platform_code,
	CASE WHEN coalesce(p1.translation, p2.translation) IS NOT NULL
		THEN l.language END AS platform_code_lang
FROM @s.stops s
CROSS JOIN @s.translation_languages l
LEFT JOIN @s.translations_by_record n1 ON n1.table_name = 'stops'
	AND n1.field_name = 'stop_name' AND n1.language = l.language
	AND n1.record_id = s.stop_id
LEFT JOIN @s.translations_by_value n2 ON n2.table_name = 'stops'
	AND n2.field_name = 'stop_name' AND n2.language = l.language
	AND n2.field_value = s.stop_name
LEFT JOIN @s.translations_by_record t1 ON t1.table_name = 'stops'
	AND t1.field_name = 'tts_stop_name' AND t1.language = l.language
	AND t1.record_id = s.stop_id
LEFT JOIN @s.translations_by_value t2 ON t2.table_name = 'stops'
	AND t2.field_name = 'tts_stop_name' AND t2.language = l.language
	AND t2.field_value = s.tts_stop_name
LEFT JOIN @s.translations_by_record d1 ON d1.table_name = 'stops'
	AND d1.field_name = 'stop_desc' AND d1.language = l.language
	AND d1.record_id = s.stop_id
LEFT JOIN @s.translations_by_value d2 ON d2.table_name = 'stops'
	AND d2.field_name = 'stop_desc' AND d2.language = l.language
	AND d2.field_value = s.stop_desc
LEFT JOIN @s.translations_by_record u1 ON u1.table_name = 'stops'
	AND u1.field_name = 'stop_url' AND u1.language = l.language
	AND u1.record_id = s.stop_id
LEFT JOIN @s.translations_by_value u2 ON u2.table_name = 'stops'
	AND u2.field_name = 'stop_url' AND u2.language = l.language
	AND u2.field_value = s.stop_url
LEFT JOIN @s.translations_by_record p1 ON p1.table_name = 'stops'
	AND p1.field_name = 'platform_code' AND p1.language = l.language
	AND p1.record_id = s.stop_id
LEFT JOIN @s.translations_by_value p2 ON p2.table_name = 'stops'
	AND p2.field_name = 'platform_code' AND p2.language = l.language
	AND p2.field_value = s.platform_code;

CREATE OR REPLACE VIEW @s.routes_translated AS
SELECT l.language, r.route_id, r.agency_id,
	coalesce(s1.translation, s2.translation, r.route_short_name)
		AS route_short_name,
	CASE WHEN coalesce(s1.translation, s2.translation) IS NOT NULL
		THEN l.language END AS route_short_name_lang,
	coalesce(n1.translation, n2.translation, r.route_long_name)
		AS route_long_name,
	CASE WHEN coalesce(n1.translation, n2.translation) IS NOT NULL
		THEN l.language END AS route_long_name_lang,
	coalesce(d1.translation, d2.translation, r.route_desc) AS route_desc,
	CASE WHEN coalesce(d1.translation, d2.translation) IS NOT NULL
		THEN l.language END AS route_desc_lang,
	r.route_type,
	coalesce(u1.translation, u2.translation, r.route_url) AS route_url,
	CASE WHEN coalesce(u1.translation, u2.translation) IS NOT NULL
		THEN l.language END AS route_url_lang,
	r.route_color, r.route_text_color, r.route_sort_order
FROM @s.routes r
CROSS JOIN @s.translation_languages l
LEFT JOIN @s.translations_by_record s1 ON s1.table_name = 'routes'
	AND s1.field_name = 'route_short_name' AND s1.language = l.language
	AND s1.record_id = r.route_id
LEFT JOIN @s.translations_by_value s2 ON s2.table_name = 'routes'
	AND s2.field_name = 'route_short_name' AND s2.language = l.language
	AND s2.field_value = r.route_short_name
LEFT JOIN @s.translations_by_record n1 ON n1.table_name = 'routes'
	AND n1.field_name = 'route_long_name' AND n1.language = l.language
	AND n1.record_id = r.route_id
LEFT JOIN @s.translations_by_value n2 ON n2.table_name = 'routes'
	AND n2.field_name = 'route_long_name' AND n2.language = l.language
	AND n2.field_value = r.route_long_name
LEFT JOIN @s.translations_by_record d1 ON d1.table_name = 'routes'
	AND d1.field_name = 'route_desc' AND d1.language = l.language
	AND d1.record_id = r.route_id
LEFT JOIN @s.translations_by_value d2 ON d2.table_name = 'routes'
	AND d2.field_name = 'route_desc' AND d2.language = l.language
	AND d2.field_value = r.route_desc
LEFT JOIN @s.translations_by_record u1 ON u1.table_name = 'routes'
	AND u1.field_name = 'route_url' AND u1.language = l.language
	AND u1.record_id = r.route_id
LEFT JOIN @s.translations_by_value u2 ON u2.table_name = 'routes'
	AND u2.field_name = 'route_url' AND u2.language = l.language
	AND u2.field_value = r.route_url;

CREATE OR REPLACE VIEW @s.trips_translated AS
SELECT l.language, t.trip_id, t.route_id, t.service_id,
	coalesce(h1.translation, h2.translation, t.trip_headsign)
		AS trip_headsign,
	CASE WHEN coalesce(h1.translation, h2.translation) IS NOT NULL
		THEN l.language END AS trip_headsign_lang,
	coalesce(s1.translation, s2.translation, t.trip_short_name)
		AS trip_short_name,
	CASE WHEN coalesce(s1.translation, s2.translation) IS NOT NULL
		THEN l.language END AS trip_short_name_lang,
	t.direction_id, t.block_id, t.shape_id, t.wheelchair_accessible,
	t.bikes_allowed
FROM @s.trips t
CROSS JOIN @s.translation_languages l
LEFT JOIN @s.translations_by_record h1 ON h1.table_name = 'trips'
	AND h1.field_name = 'trip_headsign' AND h1.language = l.language
	AND h1.record_id = t.trip_id
LEFT JOIN @s.translations_by_value h2 ON h2.table_name = 'trips'
	AND h2.field_name = 'trip_headsign' AND h2.language = l.language
	AND h2.field_value = t.trip_headsign
LEFT JOIN @s.translations_by_record s1 ON s1.table_name = 'trips'
	AND s1.field_name = 'trip_short_name' AND s1.language = l.language
	AND s1.record_id = t.trip_id
LEFT JOIN @s.translations_by_value s2 ON s2.table_name = 'trips'
	AND s2.field_name = 'trip_short_name' AND s2.language = l.language
	AND s2.field_value = t.trip_short_name;

-- arrivals_departures in each language: its names from the views above
-- (joined on the language, '' standing for NULL so that the joins hash)
CREATE OR REPLACE VIEW @s.arrivals_departures_translated AS
SELECT l.language, ad.trip_id, ad.date, ad.frequencies_it,
	ad.stop_sequence, ad.stop_id, s.stop_name, s.stop_name_lang,
	st.stop_id AS station_id, st.stop_name AS station_name,
	st.stop_name_lang AS station_name_lang,
	ad.route_id, r.route_short_name, r.route_short_name_lang,
	r.route_long_name, r.route_long_name_lang, r.route_type,
	ad.service_id, ad.direction_id, t.trip_headsign, t.trip_headsign_lang,
	coalesce(h1.translation, h2.translation, ad.stop_headsign)
		AS stop_headsign,
	CASE WHEN coalesce(h1.translation, h2.translation) IS NOT NULL
		THEN l.language END AS stop_headsign_lang,
	ad.pickup_type, ad.drop_off_type, ad.timepoint,
	ad.shape_dist_traveled, ad.t_arrival, ad.t_departure, ad.agency_id,
	ad.agency_timezone
FROM @s.arrivals_departures ad
CROSS JOIN @s.translation_languages l
LEFT JOIN @s.stops_translated s ON s.stop_id = ad.stop_id
	AND coalesce(s.language, '') = coalesce(l.language, '')
LEFT JOIN @s.stops_translated st ON st.stop_id = s.parent_station
	AND coalesce(st.language, '') = coalesce(l.language, '')
LEFT JOIN @s.routes_translated r ON r.route_id = ad.route_id
	AND coalesce(r.language, '') = coalesce(l.language, '')
LEFT JOIN @s.trips_translated t ON t.trip_id = ad.trip_id
	AND coalesce(t.language, '') = coalesce(l.language, '')
LEFT JOIN @s.translations_by_record h1 ON h1.table_name = 'stop_times'
	AND h1.field_name = 'stop_headsign' AND h1.language = l.language
	AND h1.record_id = ad.trip_id
	AND h1.record_sub_id = ad.stop_sequence::text
LEFT JOIN @s.translations_by_value h2 ON h2.table_name = 'stop_times'
	AND h2.field_name = 'stop_headsign' AND h2.language = l.language
	AND h2.field_value = ad.stop_headsign;

CREATE OR REPLACE VIEW @s.connections_translated AS
SELECT l.language, c.trip_id, c.date, c.frequencies_it,
	c.route_id, r.route_short_name, r.route_short_name_lang,
	r.route_long_name, r.route_long_name_lang, r.route_type,
	c.service_id, c.direction_id, t.trip_headsign, t.trip_headsign_lang,
	c.from_stop_id, fs.stop_name AS from_stop_name,
	fs.stop_name_lang AS from_stop_name_lang,
	fst.stop_id AS from_station_id, fst.stop_name AS from_station_name,
	fst.stop_name_lang AS from_station_name_lang,
	coalesce(fh1.translation, fh2.translation, f.stop_headsign)
		AS from_stop_headsign,
	CASE WHEN coalesce(fh1.translation, fh2.translation) IS NOT NULL
		THEN l.language END AS from_stop_headsign_lang,
	c.from_stop_sequence, c.from_pickup_type, c.t_departure,
	c.to_stop_id, ts.stop_name AS to_stop_name,
	ts.stop_name_lang AS to_stop_name_lang,
	tst.stop_id AS to_station_id, tst.stop_name AS to_station_name,
	tst.stop_name_lang AS to_station_name_lang,
	coalesce(th1.translation, th2.translation, n.stop_headsign)
		AS to_stop_headsign,
	CASE WHEN coalesce(th1.translation, th2.translation) IS NOT NULL
		THEN l.language END AS to_stop_headsign_lang,
	c.to_stop_sequence, c.to_drop_off_type, c.t_arrival, c.agency_id,
	c.agency_timezone
FROM @s.connections c
CROSS JOIN @s.translation_languages l
LEFT JOIN @s.stop_times f ON f.trip_id = c.trip_id
	AND f.stop_sequence = c.from_stop_sequence
LEFT JOIN @s.stop_times n ON n.trip_id = c.trip_id
	AND n.stop_sequence = c.to_stop_sequence
LEFT JOIN @s.stops_translated fs ON fs.stop_id = c.from_stop_id
	AND coalesce(fs.language, '') = coalesce(l.language, '')
LEFT JOIN @s.stops_translated fst ON fst.stop_id = fs.parent_station
	AND coalesce(fst.language, '') = coalesce(l.language, '')
LEFT JOIN @s.stops_translated ts ON ts.stop_id = c.to_stop_id
	AND coalesce(ts.language, '') = coalesce(l.language, '')
LEFT JOIN @s.stops_translated tst ON tst.stop_id = ts.parent_station
	AND coalesce(tst.language, '') = coalesce(l.language, '')
LEFT JOIN @s.routes_translated r ON r.route_id = c.route_id
	AND coalesce(r.language, '') = coalesce(l.language, '')
LEFT JOIN @s.trips_translated t ON t.trip_id = c.trip_id
	AND coalesce(t.language, '') = coalesce(l.language, '')
LEFT JOIN @s.translations_by_record fh1 ON fh1.table_name = 'stop_times'
	AND fh1.field_name = 'stop_headsign' AND fh1.language = l.language
	AND fh1.record_id = c.trip_id
	AND fh1.record_sub_id = c.from_stop_sequence::text
LEFT JOIN @s.translations_by_value fh2 ON fh2.table_name = 'stop_times'
	AND fh2.field_name = 'stop_headsign' AND fh2.language = l.language
	AND fh2.field_value = f.stop_headsign
LEFT JOIN @s.translations_by_record th1 ON th1.table_name = 'stop_times'
	AND th1.field_name = 'stop_headsign' AND th1.language = l.language
	AND th1.record_id = c.trip_id
	AND th1.record_sub_id = c.to_stop_sequence::text
LEFT JOIN @s.translations_by_value th2 ON th2.table_name = 'stop_times'
	AND th2.field_name = 'stop_headsign' AND th2.language = l.language
	AND th2.field_value = n.stop_headsign;
