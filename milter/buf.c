/*
 * buf - growable byte buffer with a hard maximum. See buf.h.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static int
grow(struct buf *b, size_t need)
{
	size_t ncap;
	unsigned char *p;

	if (need + 1 <= b->cap)
		return BUF_OK;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need + 1) {
		if (ncap > ((size_t)-1) / 2)
			return BUF_ENOMEM;
		ncap *= 2;
	}
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	/* realloc would leave a copy of the data behind unwiped */
	if ((p = malloc(ncap)) == NULL)
		return BUF_ENOMEM;
	if (b->data != NULL) {
		memcpy(p, b->data, b->len);
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = ncap;
	return BUF_OK;
}

int
buf_append(struct buf *b, const void *data, size_t len)
{
	int rc;

	if (len > b->max - b->len)
		return BUF_EFULL;
	if ((rc = grow(b, b->len + len)) != BUF_OK)
		return rc;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return BUF_OK;
}

long
buf_append_trunc(struct buf *b, const void *data, size_t len)
{
	size_t room = b->max - b->len;

	if (len > room)
		len = room;
	if (buf_append(b, data, len) != BUF_OK)
		return -1;
	return (long)len;
}

int
buf_putc(struct buf *b, int c)
{
	unsigned char ch = (unsigned char)c;

	return buf_append(b, &ch, 1);
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

const char *
buf_cstr(const struct buf *b)
{
	return b->data != NULL ? (const char *)b->data : "";
}

void
buf_reset(struct buf *b)
{
	/* only [0, len] was ever written since the last wipe: wiping the
	   whole capacity would make many small parts after one large part
	   cost quadratic time */
	if (b->data != NULL)
		explicit_bzero(b->data, b->len + 1);
	b->len = 0;
}

void
buf_free(struct buf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

char *
buf_steal(struct buf *b, size_t *lenp)
{
	char *p = (char *)b->data;

	if (lenp != NULL)
		*lenp = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

void
buf_free_string(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
