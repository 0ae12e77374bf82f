/*
 * unit.c: tests of the pure code, no database (harness after redis's
 * testhelp.h).
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "convert.h"

static int	passed,
			failed;

#define test_cond(descr, cond) do { \
	if (cond) passed++; \
	else { failed++; printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, descr); } \
} while (0)

int
main(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
