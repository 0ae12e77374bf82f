/*
 * validator.c: the notice codes: the validator's (validator_codes.c,
 * generated) and those gtfs2pgsql adds for checks it does not make.
 */
#include "validator.h"

#include <stddef.h>
#include <string.h>

#include "textfmt.h"

/*
 * The codes of gtfs2pgsql's own: what reading a feed meets that the
 * validator names otherwise or not at all (src/gtfs/notice.c gives each
 * its severity there), and the checks of schema/rules/ the validator does
 * not make (each rule that gives one says why); up to the entry of no
 * code.
 */
static const ValidatorCode own_codes[] = {
	{"column_name_too_long", VALIDATOR_WARNING,
	"A column name is longer than PostgreSQL's 63 bytes: kept as name_N"},
	{"consecutive_same_stop", VALIDATOR_INFO,
	"A stop time at the stop of the one before it in its trip"},
	{"duplicate_trip", VALIDATOR_WARNING,
	"A trip with the route, service, stops and times of another"},
	{"file_name_not_utf8", VALIDATOR_WARNING,
	"A file name of the feed is not UTF-8"},
	{"id_too_long", VALIDATOR_ERROR,
	"An id, or the ids of a key together, too long for an index"},
	{"invalid_utf8", VALIDATOR_ERROR,
	"A value or column name that is not UTF-8"},
	{"point_not_transformed", VALIDATOR_ERROR,
	"A point PROJ could not bring into the target SRID"},
	{"reserved_column_name", VALIDATOR_WARNING,
	"A column named like one of the loader's or the server's: kept as name_N"},
	{"row_too_large", VALIDATOR_ERROR,
	"A row too large for the server once written (over 16 MiB)"},
	{"too_many_columns", VALIDATOR_ERROR,
	"A file of more than 400 columns"},
	{"too_many_files", VALIDATOR_ERROR,
	"More than 200 files the reference does not define"},
	{"too_many_consecutive_stop_times_with_same_time", VALIDATOR_INFO,
	"More than five consecutive stop times of a trip at one time"},
	{"unnameable_file", VALIDATOR_WARNING,
	"A file whose table cannot be named after it"},
	{"unreadable_file", VALIDATOR_ERROR,
	"A member of the archive that cannot be read"},
	{"zip_inconsistent", VALIDATOR_WARNING,
	"The archive's local headers disagree with its central directory"},
	{"zip_trailing_bytes", VALIDATOR_WARNING,
	"Bytes before or after the zip archive"},
	{NULL, VALIDATOR_INFO, NULL}
};

bool
validator_each(bool (*each) (const ValidatorCode *code, void *ctx),
			   void *ctx)
{
	for (int i = 0; i < validator_ncodes; i++)
		if (!each(&validator_codes[i], ctx))
			return false;
	for (const ValidatorCode *own = own_codes; own->code != NULL; own++)
		if (!each(own, ctx))
			return false;
	return true;
}

/* validator_each's callback of validator_find: stops at the code. */
typedef struct
{
	const char *code;
	const ValidatorCode *found;
} CodeSearch;

static bool
not_the_code(const ValidatorCode *code, void *ctx)
{
	CodeSearch *search = ctx;

	if (strcmp(code->code, search->code) != 0)
		return true;
	search->found = code;
	return false;
}

const ValidatorCode *
validator_find(const char *code)
{
	CodeSearch	search = {code, NULL};

	validator_each(not_the_code, &search);
	return search.found;
}

const char *
validator_severity_name(ValidatorSeverity severity)
{
	static const char *const names[] = {"error", "warning", "info", "varies"};

	return names[severity];
}

/* validator_each's callback of validator_descriptions_json. */
typedef struct
{
	Buf		   *out;
	bool		first;
} DescriptionList;

static bool
put_description(const ValidatorCode *code, void *ctx)
{
	DescriptionList *list = ctx;
	Buf		   *out = list->out;
	bool		first = list->first;

	list->first = false;
	return buf_puts(out, first ? "\n" : ",\n") &&
		textfmt_json_string(out, code->code, strlen(code->code), NULL) &&
		buf_puts(out, ": ") &&
		textfmt_json_string(out, code->description,
							strlen(code->description), NULL);
}

bool
validator_descriptions_json(Buf *out)
{
	DescriptionList list = {out, true};

	return buf_puts(out, "{") && validator_each(put_description, &list) &&
		buf_puts(out, "}");
}
