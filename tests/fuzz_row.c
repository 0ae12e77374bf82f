/*
 * fuzz_row.c: libFuzzer target for the row parser and value conversion.
 *
 * The input's first byte picks the chunk size the CSV is fed in; every
 * field of every row is then converted as a field of stop_times, stops or
 * calendar (by column), exactly as the loader does.  Built and run by
 * "make fuzz" (clang, with AddressSanitizer and UBSan).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "convert.h"
#include "csvread.h"
#include "log.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static Buf	out;

static bool
on_row(void *ctx, const CsvRow *row)
{
	const CatalogFile *files[3] = {
		catalog_find_file("stop_times.txt"),
		catalog_find_file("stops.txt"),
		catalog_find_file("calendar.txt")
	};
	const CatalogFile *cat = files[(uintptr_t) ctx % 3];

	buf_reset(&out);
	for (int i = 0; i < row->nfields; i++)
	{
		const char *why;

		(void) csvread_field_line(row, i);
		if (row->fields[i].len > 0)
			conv_field(&cat->fields[i % cat->nfields], row->fields[i].data,
					   row->fields[i].len, &out, &why);
		if (out.data == NULL)
			buf_init(&out, 1 << 20);
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CsvReader  *r;
	size_t		chunk;

	if (size < 1)
		return 0;
	log_set_quiet(true);
	buf_init(&out, 1 << 20);
	chunk = data[0] ? data[0] : 4096;
	r = csvread_create("fuzz.txt", on_row, (void *) (uintptr_t) data[0]);
	if (r == NULL)
		return 0;
	data++, size--;
	for (size_t off = 0; off < size; off += chunk)
		if (!csvread_feed(r, (const char *) data + off,
						  size - off < chunk ? size - off : chunk))
			break;
	csvread_finish(r);
	csvread_destroy(r);
	buf_free(&out);
	return 0;
}
