/*
 * buf - growable byte buffer with a hard maximum.
 *
 * Every buffer in dlp-milter that holds untrusted or derived data is a
 * struct buf created with a maximum (the curl DYNBUF rule): an append that
 * would pass the maximum appends nothing and returns BUF_EFULL, so a caller
 * can record "limit hit" and go on. The data is always NUL-terminated (one
 * byte reserved beyond len), so text buffers can be used as C strings.
 * buf_free() and buf_reset() wipe the contents first: buffers hold message
 * text and matched values.
 *
 * Not thread-safe per object; objects are owned by one scan.
 */
#ifndef DLP_BUF_H
#define DLP_BUF_H

#include <stddef.h>

struct buf {
	unsigned char *data; /* NULL until the first append */
	size_t len;
	size_t cap;
	size_t max; /* hard maximum of len */
};

#define BUF_OK	   0
#define BUF_EFULL  (-1) /* the append would pass max: nothing appended */
#define BUF_ENOMEM (-2)

/* buf_init: an empty buffer that may grow to max bytes. No allocation. */
void buf_init(struct buf *b, size_t max);

/* buf_append: append len bytes. Returns BUF_OK, BUF_EFULL or BUF_ENOMEM. */
int buf_append(struct buf *b, const void *data, size_t len);

/* buf_putc: append one byte. Same returns as buf_append. */
int buf_putc(struct buf *b, int c);

/* buf_puts: append a NUL-terminated string (without its NUL). */
int buf_puts(struct buf *b, const char *s);

/*
 * buf_append_trunc: append as much of data as fits; returns the number of
 * bytes appended (less than len when the maximum was reached), or -1 when
 * memory ran out.
 */
long buf_append_trunc(struct buf *b, const void *data, size_t len);

/* buf_cstr: the contents as a NUL-terminated string ("" when empty). */
const char *buf_cstr(const struct buf *b);

/* buf_reset: wipe the contents and empty, keeping allocation and maximum. */
void buf_reset(struct buf *b);

/* buf_free: wipe and release the storage; b may be re-initialised. */
void buf_free(struct buf *b);

/*
 * buf_steal: hand the storage (NUL-terminated, malloc'ed) to the caller and
 * leave b empty. Returns NULL when the buffer never allocated; *lenp gets
 * the length when lenp is not NULL. The caller frees (and wipes) it.
 */
char *buf_steal(struct buf *b, size_t *lenp);

/*
 * buf_free_string: wipe and free a malloc'ed NUL-terminated string (a
 * matched value, a masked form, text); NULL is a no-op.
 */
void buf_free_string(char *s);

#endif
