/*
 * catalog.c: look-ups in the generated GTFS catalog (catalog_gtfs.c).
 */
#include "catalog.h"

#include <string.h>

const CatalogFile *
catalog_find_file(const char *name)
{
	for (int i = 0; i < catalog_nfiles; i++)
		if (strcmp(catalog_files[i].file, name) == 0)
			return &catalog_files[i];
	return NULL;
}

int
catalog_find_field(const CatalogFile *file, const char *name)
{
	for (int i = 0; i < file->nfields; i++)
		if (strcmp(file->fields[i].name, name) == 0)
			return i;
	return -1;
}

bool
catalog_point_fields(const CatalogFile *file, int *lat, int *lon)
{
	*lat = *lon = -1;
	for (int i = 0; i < file->nfields; i++)
	{
		if (file->fields[i].type == GT_LAT && *lat < 0)
			*lat = i;
		if (file->fields[i].type == GT_LON && *lon < 0)
			*lon = i;
	}
	return *lat >= 0 && *lon >= 0;
}

int
catalog_key_fields(const CatalogFile *cat, uint64_t present, int *fields)
{
	int			n = 0;

	for (int i = 0; i < cat->nfields; i++)
		if ((cat->fields[i].flags & FIELD_KEY) &&
			(present & ((uint64_t) 1 << i)))
			fields[n++] = i;
	return n;
}

int
catalog_single_key(const CatalogFile *cat)
{
	int			key = -1;

	for (int i = 0; i < cat->nfields; i++)
		if (cat->fields[i].flags & FIELD_KEY)
		{
			if (key >= 0)
				return -1;
			key = i;
		}
	return key;
}

const char *
catalog_sql_type(GtfsType type)
{
	switch (type)
	{
		case GT_TEXT:
		case GT_COLOR:
		case GT_TIMEZONE:
		case GT_URL:
		case GT_EMAIL:
		case GT_LANGUAGE:
		case GT_CURRENCY:
			return "text";
		case GT_ENUM:
			return "smallint";
		case GT_INT:
			return "integer";
		case GT_FLOAT:
		case GT_LAT:
		case GT_LON:
			return "double precision";
		case GT_DATE:
			return "date";
		case GT_TIME:
			return "interval";
		case GT_MONEY:
			return "numeric";
	}
	return "text";
}

bool
catalog_enum_allows(const CatalogField *field, long v)
{
	const char *p = field->enums;

	/* by hand: this runs for every enumerated value of a feed */
	while (p && *p >= '0' && *p <= '9')
	{
		long		allowed = 0;

		while (*p >= '0' && *p <= '9')
			allowed = allowed * 10 + (*p++ - '0');
		if (allowed == v)
			return true;
		if (*p == ',')
			p++;
	}
	return false;
}
