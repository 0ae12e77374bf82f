-- What the load found wrong with the feed: see include/notice.h.  ddl.c
-- adds the tables' storage options.
-- sqlfiles.sh before: DROP TABLE gtfs.import_notices CASCADE;
CREATE TABLE @s.import_notices (
	@ffile text NOT NULL,
	line integer,
	"column" text,
	code text NOT NULL,
	severity text NOT NULL,
	value text,
	message text NOT NULL,
	action text NOT NULL,
	record text
)
