/*
 * catalog.h: the files and fields of the GTFS Schedule reference, with the
 * type each field is stored as.  The tables are generated from the
 * reference (schema/catalog.awk) into src/gtfs/catalog_gtfs.c.
 */
#ifndef CATALOG_H
#define CATALOG_H

#include <stdbool.h>
#include <stdint.h>

typedef enum
{
	GT_TEXT,					/* ids, names, URLs...: text */
	GT_COLOR,					/* six hex digits: text */
	GT_TIMEZONE,				/* a tz database name: text */
	GT_URL,						/* http(s) URL: text */
	GT_EMAIL,					/* e-mail address: text */
	GT_LANGUAGE,				/* IETF BCP 47 language code: text */
	GT_CURRENCY,				/* ISO 4217 currency code: text */
	GT_ENUM,					/* smallint, one of CatalogField.enums */
	GT_INT,						/* integer */
	GT_FLOAT,					/* double precision */
	GT_LAT,						/* double precision in [-90, 90] */
	GT_LON,						/* double precision in [-180, 180] */
	GT_DATE,					/* YYYYMMDD: date */
	GT_TIME,					/* H:MM:SS, may pass 24:00:00: interval */
	GT_MONEY					/* decimal amount: numeric */
} GtfsType;

typedef enum
{
	SIGN_ANY,
	SIGN_NONNEG,
	SIGN_POSITIVE,
	SIGN_NONZERO
} GtfsSign;

#define FIELD_REQUIRED	0x01	/* column must exist, value must not be
								 * empty */
#define FIELD_KEY		0x02	/* part of the file's primary key */
#define FIELD_ID		0x04	/* an id (the reference's ID types) */
#define FIELD_TEXT		0x08	/* text for riders (the reference's Text) */

typedef struct
{
	const char *name;
	GtfsType	type;
	GtfsSign	sign;
	int			flags;
	const char *enums;			/* "0,1,2" for GT_ENUM, else NULL */
	const char *refs;			/* "table.field|table.field" it refers to */
} CatalogField;

#define CATALOG_MAX_FIELDS 64	/* per file: a field set fits in a uint64_t */

typedef struct
{
	const char *file;			/* "stops.txt" */
	const char *table;			/* "stops" */
	const CatalogField *fields;
	int			nfields;
} CatalogFile;

/* In dependency order: a file comes after the files it references. */
extern const CatalogFile catalog_files[];
extern const int catalog_nfiles;

/* The catalog entry of a member named like "stops.txt", or NULL. */
extern const CatalogFile *catalog_find_file(const char *name);

/* Index of field "name" in file, or -1. */
extern int	catalog_find_field(const CatalogFile *file, const char *name);

/* The SQL type a field is stored as ("smallint", "interval", ...). */
extern const char *catalog_sql_type(GtfsType type);

/*
 * The latitude and longitude fields whose rows make points (stops, shapes):
 * true with their indexes, false when the file has none.
 */
extern bool catalog_point_fields(const CatalogFile *file, int *lat, int *lon);

/* The key fields of cat that are in present, into fields; their count. */
extern int	catalog_key_fields(const CatalogFile *cat, uint64_t present,
							   int *fields);

/* The index of cat's key field when its key is one field, else -1. */
extern int	catalog_single_key(const CatalogFile *cat);

/* Whether value v is listed in field's enumeration. */
extern bool catalog_enum_allows(const CatalogField *field, long v);

#endif
