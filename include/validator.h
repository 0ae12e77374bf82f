/*
 * validator.h: the notice codes of the MobilityData GTFS validator, with
 * its severity and description of each: the codes the rules of
 * schema/rules/ give (validate.h), and the descriptions the reports show.
 *
 * validator_codes is generated from the validator's list (make catalog);
 * the codes gtfs2pgsql adds of its own, for checks the validator does not
 * make, are in validator.c.
 */
#ifndef VALIDATOR_H
#define VALIDATOR_H

#include <stdbool.h>

#include "buf.h"

typedef enum
{
	VALIDATOR_ERROR,
	VALIDATOR_WARNING,
	VALIDATOR_INFO,
	VALIDATOR_VARIES			/* the rule says, notice by notice */
} ValidatorSeverity;

typedef struct
{
	const char *code;
	ValidatorSeverity severity;
	const char *description;
} ValidatorCode;

extern const ValidatorCode validator_codes[];
extern const int validator_ncodes;

/* The code's entry, the validator's or ours; NULL when there is none. */
extern const ValidatorCode *validator_find(const char *code);

/* "error", "warning", "info" or "varies". */
extern const char *validator_severity_name(ValidatorSeverity severity);

/*
 * Appends a JSON object of every code's description, {"code": "...", ...},
 * for the server to look the notices' codes up in.  False when out is
 * full.
 */
extern bool validator_descriptions_json(Buf *out);

/*
 * Calls each(code, ctx) for every code, the validator's then ours, until
 * it returns false; false then.
 */
extern bool validator_each(bool (*each) (const ValidatorCode *code,
										 void *ctx), void *ctx);

#endif
