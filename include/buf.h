/*
 * buf.h: a growable byte buffer with a hard cap, after curl's dynbuf.
 *
 * buf_init cannot fail.  An append that would pass the cap, or whose
 * allocation fails, frees the buffer, leaves it empty and reusable, sets
 * the sticky flag lost (so that a caller appending piecemeal can find out
 * later), and returns false.  The bytes are always followed by a NUL that
 * len does not count, so data can be handed to strtod and friends.
 */
#ifndef BUF_H
#define BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct
{
	char	   *data;			/* NULL until the first append */
	size_t		len;
	size_t		cap;			/* allocated, NUL included */
	size_t		max;			/* len never exceeds this */
	bool		lost;			/* an append failed since buf_init */
} Buf;

/* Prepares an empty buffer that will never hold more than max bytes. */
extern void buf_init(Buf *b, size_t max);

/* Releases the memory; the buffer stays usable, empty. */
extern void buf_free(Buf *b);

/* Makes room for n more bytes; false (buffer freed) when over the cap. */
extern bool buf_reserve(Buf *b, size_t n);

/* Appends n bytes; false (buffer freed) when over the cap. */
static inline bool
buf_append(Buf *b, const void *p, size_t n)
{
	if (b->len + n >= b->cap && !buf_reserve(b, n))
		return false;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

/* Appends the byte c; false (buffer freed) when over the cap. */
static inline bool
buf_putc(Buf *b, char c)
{
	return buf_append(b, &c, 1);
}

/* Appends s without its NUL; false (buffer freed) when over the cap. */
static inline bool
buf_puts(Buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/*
 * Appends v as n big-endian bytes (1 <= n <= 8), as binary COPY wants
 * numbers.  Eight bytes written one by one, not a loop: the compiler makes
 * them one byte swap (the loops, here and in copy_close_field, cost 4%
 * of the client's instructions on a 1M stop_times feed).
 */
static inline bool
buf_put_be(Buf *b, uint64_t v, int n)
{
	unsigned char bytes[8];

	v <<= 8 * (8 - n);
	bytes[0] = (unsigned char) (v >> 56);
	bytes[1] = (unsigned char) (v >> 48);
	bytes[2] = (unsigned char) (v >> 40);
	bytes[3] = (unsigned char) (v >> 32);
	bytes[4] = (unsigned char) (v >> 24);
	bytes[5] = (unsigned char) (v >> 16);
	bytes[6] = (unsigned char) (v >> 8);
	bytes[7] = (unsigned char) v;
	return buf_append(b, bytes, (size_t) n);
}

/* Forgets the contents but keeps the memory for reuse. */
static inline void
buf_reset(Buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Cuts the contents back to len bytes (len <= b->len). */
static inline void
buf_truncate(Buf *b, size_t len)
{
	b->len = len;
	if (b->data)
		b->data[len] = '\0';
}

#endif
