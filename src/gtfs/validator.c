/*
 * validator.c: the notice codes: the validator's (validator_codes.c,
 * generated) and those gtfs2pgsql adds for checks it does not make.
 */
#include "validator.h"

#include <stddef.h>
#include <string.h>

/*
 * Checks the validator does not make, that its users ask for (each rule
 * of schema/rules/ that gives one says where it was asked), up to the
 * entry of no code.
 */
static const ValidatorCode own_codes[] = {
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
