/*
 * buf.c: the out-of-line half of buf.h.
 */
#include "buf.h"

#include <stdlib.h>

void
buf_init(Buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->lost = false;
}

void
buf_free(Buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

bool
buf_reserve(Buf *b, size_t n)
{
	size_t		need;
	size_t		cap;
	char	   *p;

	if (n > b->max - b->len)
	{
		buf_free(b);
		b->lost = true;
		return false;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (p == NULL)
	{
		buf_free(b);
		b->lost = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}
