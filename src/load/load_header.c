/*
 * load_header.c: a file's header mapped to its table's columns.
 *
 * Each name, trimmed, is looked up in the catalog; a column that cannot be
 * named as written (empty, not UTF-8, too long, repeated, reserved) is
 * renamed after its place, with a notice.
 */
#include "load_run.h"

#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "log.h"

/*
 * Bytes of the longest prefix of s, at most max, that ends on a character
 * boundary (s is UTF-8).
 */
static int
utf8_prefix(const char *s, size_t max)
{
	size_t		n = strlen(s);

	if (n > max)
	{
		n = max;
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
	}
	return (int) n;
}

/*
 * Whether name is taken in the table by something not of the file: a
 * system column of PostgreSQL's, the line of each row, or the jsonb extra
 * of a file of more than TEXT_COLUMNS_MAX columns.  Only in the text table
 * of a file the reference lacks: a catalog file's columns that are not
 * fields are keys of its jsonb extra, whatever their names.
 */
static bool
name_reserved(const FileLoad *fl, const char *name)
{
	static const char *const system[] = {
		"tableoid", "xmin", "cmin", "xmax", "cmax", "ctid",
		DDL_LINE_COLUMN
	};

	for (size_t i = 0; fl->cat == NULL &&
		 i < sizeof(system) / sizeof(system[0]); i++)
		if (strcmp(name, system[i]) == 0)
			return true;
	/* a file with columns in jsonb has that column */
	return fl->cat == NULL && fl->ncols > TEXT_COLUMNS_MAX &&
		strcmp(name, DDL_EXTRA_COLUMN) == 0;
}

/*
 * How a message about the header ends: kept (as kind's rule keeps the
 * file), or the file is not loaded.
 */
static const char *
skip_note(NoticeKind kind, const char *kept)
{
	return notice_rule(kind, NC_OPTIONAL) == ACTION_KEPT ? kept :
		": the file is not loaded";
}

/*
 * Why column i cannot be named as written (name, len: trimmed), or
 * NK_COUNT when it can.  Called before any column is renamed: the names
 * of the earlier columns are still as written.
 */
static NoticeKind
name_defect(const FileLoad *fl, int i, const char *name, size_t len)
{
	if (len == 0)
		return NK_EMPTY_COLUMN_NAME;
	if (!conv_utf8_valid(name, len))
		return NK_INVALID_UTF8_COLUMN_NAME;
	if (len >= NAMEDATALEN)
		return NK_LONG_COLUMN_NAME;
	for (int j = 0; j < i; j++)
		if (strcmp(fl->names[j], fl->names[i]) == 0)
			return NK_DUPLICATED_COLUMN;
	if (name_reserved(fl, fl->names[i]))
		return NK_RESERVED_COLUMN_NAME;
	return NK_COUNT;
}

/*
 * Whether column i may be renamed name: no column that keeps its name as
 * written has it, earlier or later, nor one renamed before it, nor a
 * column of the table or a field of the file's (pgsql2gtfs reads such a
 * name from the table's column, not from extra).
 */
static bool
name_free(const FileLoad *fl, const NoticeKind *defect, int i,
		  const char *name)
{
	static const char *const own[] = {
		"tableoid", "xmin", "cmin", "xmax", "cmax", "ctid",
		DDL_LINE_COLUMN, DDL_EXTRA_COLUMN, "geom", "feed_id"
	};

	for (size_t k = 0; k < sizeof(own) / sizeof(own[0]); k++)
		if (strcmp(name, own[k]) == 0)
			return false;
	if (fl->cat && catalog_find_field(fl->cat, name) >= 0)
		return false;
	for (int j = 0; j < fl->ncols; j++)
		if (j != i && (j < i || defect[j] == NK_COUNT) &&
			strcmp(fl->names[j], name) == 0)
			return false;
	return true;
}

/*
 * The name column i is kept as, into out: after its place, and the first
 * of base, base_2, base_3 ... that name_free allows (one is, as there are
 * fewer names to avoid than numbers).  base is at most LONG_NAME_KEPT
 * bytes and "_<column>", so that with a suffix it stays under NAMEDATALEN.
 */
static void
rename_column(const FileLoad *fl, const NoticeKind *defect, int i,
			  char *out, size_t outsize)
{
	char		base[NAMEDATALEN];
	NoticeKind	kind = defect[i];

	if (kind != NK_EMPTY_COLUMN_NAME && kind != NK_INVALID_UTF8_COLUMN_NAME)
		snprintf(base, sizeof(base), "%.*s_%d",
				 utf8_prefix(fl->names[i], kind == NK_LONG_COLUMN_NAME ?
							 LONG_NAME_KEPT : 40), fl->names[i], i + 1);
	else
		snprintf(base, sizeof(base), "column_%d", i + 1);
	snprintf(out, outsize, "%s", base);
	for (int n = 2; !name_free(fl, defect, i, out); n++)
		snprintf(out, outsize, "%s_%d", base, n);
}

/*
 * Reads the header: the name of each column, trimmed, mapped to its
 * catalog field.  Every column is kept: one without a name, whose name an
 * earlier column has, or whose name is longer than PostgreSQL's names (the
 * server would cut it, maybe onto another), becomes a text column named
 * after its place, under a name no other column has: as the table says,
 * which may also skip the file (fl->skipped set: the header is read no
 * further).  False only when out
 * of memory (logged).
 */
bool
header_map(FileLoad *fl, const CsvRow *header)
{
	Notices    *nt = fl->run->notices;
	char		shown[SHOW_VALUE_MAX + 8];
	NoticeKind *defect;
	bool		ok = true;

	fl->ncols = header->nfields;
	fl->names = calloc((size_t) fl->ncols, sizeof(char *));
	fl->field = calloc((size_t) fl->ncols, sizeof(int));
	defect = calloc((size_t) fl->ncols, sizeof(NoticeKind));
	if (fl->names == NULL || fl->field == NULL || defect == NULL)
	{
		free(defect);
		log_error("out of memory");
		fl->run->failed = true;
		return false;
	}
	/* every name as written first: a renamed column avoids them all */
	for (int i = 0; i < fl->ncols; i++)
	{
		const char *name = header->fields[i].data;
		size_t		len = header->fields[i].len;

		/* whitespace around names is a common slip: forgive it */
		conv_trim(&name, &len);
		fl->names[i] = strndup(name, len);
		if (fl->names[i] == NULL)
		{
			free(defect);
			log_error("out of memory");
			fl->run->failed = true;
			return false;
		}
		defect[i] = name_defect(fl, i, name, len);
	}
	for (int i = 0; i < fl->ncols; i++)
	{
		const char *name = header->fields[i].data;
		size_t		len = header->fields[i].len;
		char		renamed[NAMEDATALEN + 16];

		conv_trim(&name, &len);
		fl->field[i] = COL_EXTRA;
		if (defect[i] != NK_COUNT)
		{
			NoticeKind	kind = defect[i];
			const char *what = kind == NK_EMPTY_COLUMN_NAME ? "has no name" :
				kind == NK_INVALID_UTF8_COLUMN_NAME ?
				"has a name that is not UTF-8" :
				kind == NK_LONG_COLUMN_NAME ?
				"has a name longer than 63 bytes" :
				kind == NK_DUPLICATED_COLUMN ? "repeats the name" :
				"has a name of the server's or of gtfs2pgsql's";
			bool		named = len > 0 && kind != NK_INVALID_UTF8_COLUMN_NAME;

			row_show_value(name, len, shown, sizeof(shown));
			if (notice_rule(kind, NC_OPTIONAL) != ACTION_KEPT)
			{
				notice_add(nt, kind, fl->member, header->line, i + 1,
						   named ? fl->names[i] : NULL, name, len,
						   "column %d %s \"%s\": the file is not loaded",
						   i + 1, what, shown);
				fl->skipped = true;
				break;
			}
			rename_column(fl, defect, i, renamed, sizeof(renamed));
			notice_add(nt, kind, fl->member, header->line, i + 1,
					   named ? fl->names[i] : NULL, name, len, "column %d %s "
					   "\"%s\": kept as column \"%s\"", i + 1, what, shown,
					   renamed);
			free(fl->names[i]);
			fl->names[i] = strdup(renamed);
			if (fl->names[i] == NULL)
			{
				log_error("out of memory");
				fl->run->failed = true;
				ok = false;
				break;
			}
			continue;
		}
		if (fl->cat)
			fl->field[i] = catalog_find_field(fl->cat, fl->names[i]);
		if (fl->field[i] < 0)
		{
			fl->field[i] = COL_EXTRA;
			if (fl->cat &&
				notice_add(nt, NK_UNKNOWN_COLUMN, fl->member, header->line,
						   i + 1, fl->names[i], NULL, 0, "column \"%s\" is "
						   "not in the GTFS reference%s", fl->names[i],
						   skip_note(NK_UNKNOWN_COLUMN, ": kept as text")) !=
				ACTION_KEPT)
			{
				fl->skipped = true;
				break;
			}
		}
	}
	free(defect);
	if (fl->skipped || !ok)
		return ok;
	fl->single_key = -1;
	for (int f = 0; fl->cat && f < fl->cat->nfields; f++)
	{
		const CatalogField *cf = &fl->cat->fields[f];
		int			col = -1;

		for (int i = 0; i < fl->ncols && col < 0; i++)
			if (fl->field[i] == f)
				col = i;
		if (col < 0 && (cf->flags & FIELD_REQUIRED) &&
			notice_add(nt, NK_MISSING_REQUIRED_COLUMN, fl->member,
					   header->line, 0, cf->name, NULL, 0,
					   "missing required column \"%s\"%s", cf->name,
					   skip_note(NK_MISSING_REQUIRED_COLUMN,
								 ": loaded as NULL")) != ACTION_KEPT)
		{
			fl->skipped = true;
			return true;
		}
		if (col >= 0 && f == catalog_single_key(fl->cat) &&
			(cf->flags & FIELD_REQUIRED))
			fl->single_key = col;
	}
	return true;
}

/* The file columns that hold the point's coordinates, when there are. */
void
header_point_columns(FileLoad *fl)
{
	int			lat,
				lon;

	fl->lat_col = fl->lon_col = -1;
	if (fl->cat == NULL || !fl->run->ddl.geometry ||
		!catalog_point_fields(fl->cat, &lat, &lon))
		return;
	for (int i = 0; i < fl->ncols; i++)
	{
		if (fl->field[i] == lat)
			fl->lat_col = i;
		if (fl->field[i] == lon)
			fl->lon_col = i;
	}
	if (fl->lat_col < 0 || fl->lon_col < 0)
		fl->lat_col = fl->lon_col = -1;
}
