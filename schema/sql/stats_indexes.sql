-- The indexes of the statistics' materialized views (stats_matviews.sql),
-- made when the load fills them (--stats; src/load/analysis.c): made with
-- the empty views, seven indexes were half of the 35 ms those cost every
-- feed's first load (a file each).  "@s" is the feed's schema.
CREATE INDEX IF NOT EXISTS stats_by_route_date_route_id
	ON @s.stats_by_route_date (route_id, date, is_effective);
CREATE INDEX IF NOT EXISTS stats_by_route_date_date
	ON @s.stats_by_route_date (date);
CREATE INDEX IF NOT EXISTS stats_by_agency_route_stop_hour_route_id
	ON @s.stats_by_agency_route_stop_hour (route_id);
CREATE INDEX IF NOT EXISTS stats_by_agency_route_stop_hour_stop_id
	ON @s.stats_by_agency_route_stop_hour (stop_id);
CREATE INDEX IF NOT EXISTS stats_by_agency_route_stop_hour_station_id
	ON @s.stats_by_agency_route_stop_hour (station_id);
CREATE INDEX IF NOT EXISTS stats_by_agency_route_stop_hour_hour
	ON @s.stats_by_agency_route_stop_hour (effective_hour);
CREATE INDEX IF NOT EXISTS stats_active_trips_by_hour_hour
	ON @s.stats_active_trips_by_hour (hour);
