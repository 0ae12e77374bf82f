/*
 * fuzz_row.c: libFuzzer target for the row parser and value conversion.
 *
 * The input's first byte picks the chunk size the CSV is fed in; every
 * field of every row is then converted as a field of stop_times, stops or
 * calendar (by column), exactly as the loader does, in COPY's text form and
 * as a row of binary COPY, whose framing is then read back: a field count,
 * then each field's length (-1 for NULL) and bytes, nothing more, nothing
 * less.  Built and run by "make fuzz" (clang, with AddressSanitizer and
 * UBSan).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "convert.h"
#include "copy.h"
#include "csvread.h"
#include "log.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static Buf	out;
static CopyStream copy;			/* binary rows, never sent */

static uint64_t
read_be(const unsigned char *p, int n)
{
	uint64_t	v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The binary row from row_start to the end is framed as it must be. */
static void
check_binary_row(int nfields)
{
	const unsigned char *p = (const unsigned char *) copy.buf.data;
	size_t		at = copy.row_start;
	size_t		end = copy.buf.len;

	if (p == NULL)
		return;					/* the cap was hit: the row is gone */
	if (end - at < 2 || read_be(p + at, 2) != (uint64_t) nfields)
		abort();
	at += 2;
	for (int i = 0; i < nfields; i++)
	{
		uint32_t	len;

		if (end - at < 4)
			abort();
		len = (uint32_t) read_be(p + at, 4);
		at += 4;
		if (len != 0xFFFFFFFFu)
		{
			if (len > end - at)
				abort();
			at += len;
		}
	}
	if (at != end)
		abort();
}

/* The row as binary COPY, each bad value replaced by NULL as load.c does. */
static void
binary_row(const CatalogFile *cat, const CsvRow *row)
{
	buf_reset(&copy.buf);
	copy.binary_fields = row->nfields;
	copy_row_begin(&copy);
	for (int i = 0; i < row->nfields; i++)
	{
		const CatalogField *f = &cat->fields[i % cat->nfields];
		const char *why;

		if (row->fields[i].len == 0)
			copy_null(&copy);
		else if (f->type == GT_MONEY)
			conv_text_binary(copy_field(&copy), row->fields[i].data,
							 row->fields[i].len);
		else if (conv_field_binary(f, row->fields[i].data, row->fields[i].len,
								   copy_field(&copy), &why) == CONV_ERROR)
		{
			copy_field_undo(&copy);
			copy_null(&copy);
		}
	}
	copy_close_field(&copy);
	check_binary_row(row->nfields);
	if (copy.buf.data == NULL)
		buf_init(&copy.buf, COPY_MAX_SIZE);
}

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
	binary_row(cat, row);
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
	buf_init(&copy.buf, COPY_MAX_SIZE);
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
	buf_free(&copy.buf);
	return 0;
}
