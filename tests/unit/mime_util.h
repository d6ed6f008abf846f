/*
 * mime_util.h - helpers for test_mime.c: a handler that records every
 * event of a parse as text (so that two parses can be compared) and the
 * parts with their data, checks the calling protocol on the way (begin /
 * end nesting, parent and depth, data only for open leaves), and feeds a
 * message whole, byte by byte or in random chunks with a fixed seed.
 * Include after <cmocka.h>.
 */
#ifndef DLP_TEST_MIME_UTIL_H
#define DLP_TEST_MIME_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__SANITIZE_ADDRESS__)
/* from the ASan runtime (sanitizer/allocator_interface.h) */
size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif

#include "buf.h"
#include "mime.h"

#define REC_MAX_OPEN 4096

struct rec_part {
	char *path, *type, *charset, *filename, *cte, *disp, *smime, *proto;
	char *parent; /* parent's path, or NULL */
	unsigned depth;
	unsigned defects; /* at part_end */
	bool container;
	bool ended;
	struct buf data;
	size_t data_calls;
};

struct rec_header {
	char *path, *name, *value;
};

struct rec {
	struct buf log; /* one line per event */
	struct buf err; /* protocol violations */
	struct rec_part *parts;
	size_t n, cap;
	struct rec_header *hdrs;
	size_t nh, hcap;
	size_t open[REC_MAX_OPEN];
	size_t nopen;
	size_t keep_data; /* bytes of data kept per part */
	size_t data_total;
	size_t max_call;
	size_t heap_base, heap_peak; /* sampled at every data call */
	unsigned defects;
};

static size_t
heap_now(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
#endif
}

static char *
rec_dup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static uint64_t
rec_hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void rec_logf(struct rec *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
rec_logf(struct rec *r, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	(void)buf_puts(&r->log, line);
}

static void
rec_err(struct rec *r, const char *what, const char *path)
{
	(void)buf_puts(&r->err, what);
	(void)buf_puts(&r->err, " at [");
	(void)buf_puts(&r->err, path != NULL ? path : "(null)");
	(void)buf_puts(&r->err, "]\n");
}

static struct rec_part *
rec_top(struct rec *r)
{
	return r->nopen > 0 ? &r->parts[r->open[r->nopen - 1]] : NULL;
}

#define S(x) ((x) != NULL ? (x) : "-")

static void
rec_on_header(void *arg, const struct mime_part_info *pi, const char *name,
    const char *value)
{
	struct rec *r = arg;
	struct rec_header *h;

	if (pi->path == NULL || name == NULL || value == NULL) {
		rec_err(r, "header with NULL", pi->path);
		return;
	}
	rec_logf(r, "H [%s] %s: %.1500s\n", pi->path, name, value);
	if (r->nh == r->hcap) {
		r->hcap = r->hcap ? r->hcap * 2 : 64;
		r->hdrs = realloc(r->hdrs, r->hcap * sizeof(*r->hdrs));
	}
	h = &r->hdrs[r->nh++];
	h->path = strdup(pi->path);
	h->name = strdup(name);
	h->value = strdup(value);
}

static void
rec_on_begin(void *arg, const struct mime_part_info *pi)
{
	struct rec *r = arg;
	struct rec_part *p, *t = rec_top(r);

	if (pi->path == NULL || pi->content_type == NULL) {
		rec_err(r, "begin with NULL path or type", pi->path);
		return;
	}
	if (t == NULL && (pi->parent != NULL || pi->depth != 0))
		rec_err(r, "top part with a parent or depth", pi->path);
	if (t != NULL &&
	    (pi->parent == NULL || strcmp(pi->parent->path, t->path) != 0 ||
		pi->depth != t->depth + 1 || !t->container))
		rec_err(r, "begin not inside the open container", pi->path);
	if (r->nopen == REC_MAX_OPEN) {
		rec_err(r, "too deep for the recorder", pi->path);
		return;
	}
	rec_logf(r,
	    "B [%s] d=%u %s cs=%s fn=%s cte=%s disp=%s smime=%s proto=%s "
	    "c=%d par=%s def=%#x\n",
	    pi->path, pi->depth, pi->content_type, S(pi->charset),
	    S(pi->filename), S(pi->cte), S(pi->disposition), S(pi->smime_type),
	    S(pi->protocol), pi->is_container,
	    pi->parent != NULL ? pi->parent->path : "NULL", pi->defects);
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->parts = realloc(r->parts, r->cap * sizeof(*r->parts));
	}
	p = &r->parts[r->n];
	memset(p, 0, sizeof(*p));
	p->path = strdup(pi->path);
	p->type = strdup(pi->content_type);
	p->charset = rec_dup(pi->charset);
	p->filename = rec_dup(pi->filename);
	p->cte = rec_dup(pi->cte);
	p->disp = rec_dup(pi->disposition);
	p->smime = rec_dup(pi->smime_type);
	p->proto = rec_dup(pi->protocol);
	p->parent = pi->parent != NULL ? strdup(pi->parent->path) : NULL;
	p->depth = pi->depth;
	p->container = pi->is_container;
	buf_init(&p->data, r->keep_data);
	r->open[r->nopen++] = r->n++;
}

static void
rec_on_data(
    void *arg, const struct mime_part_info *pi, const void *data, size_t len)
{
	struct rec *r = arg;
	struct rec_part *t = rec_top(r);
	size_t h;

	if (t == NULL || strcmp(t->path, pi->path) != 0 || t->container ||
	    pi->is_container)
		rec_err(r, "data outside an open leaf", pi->path);
	if (len == 0)
		rec_err(r, "empty data call", pi->path);
	if (t == NULL)
		return;
	rec_logf(r, "D [%s] %zu %016llx\n", pi->path, len,
	    (unsigned long long)rec_hash(1469598103934665603ULL, data, len));
	(void)buf_append_trunc(&t->data, data, len);
	t->data_calls++;
	r->data_total += len;
	if (len > r->max_call)
		r->max_call = len;
	h = heap_now();
	if (h > r->heap_peak)
		r->heap_peak = h;
}

static void
rec_on_end(void *arg, const struct mime_part_info *pi)
{
	struct rec *r = arg;
	struct rec_part *t = rec_top(r);

	if (t == NULL || strcmp(t->path, pi->path) != 0 ||
	    t->container != pi->is_container) {
		rec_err(r, "end of a part that is not open", pi->path);
		return;
	}
	rec_logf(r, "E [%s] def=%#x\n", pi->path, pi->defects);
	t->defects = pi->defects;
	t->ended = true;
	r->nopen--;
}

static const struct mime_handler rec_handler = {
	rec_on_header,
	rec_on_begin,
	rec_on_data,
	rec_on_end,
};

static void
rec_init(struct rec *r, size_t keep_data)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->log, 256u << 20);
	buf_init(&r->err, 1u << 20);
	r->keep_data = keep_data;
}

static void
rec_free(struct rec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct rec_part *p = &r->parts[i];

		free(p->path);
		free(p->type);
		free(p->charset);
		free(p->filename);
		free(p->cte);
		free(p->disp);
		free(p->smime);
		free(p->proto);
		free(p->parent);
		buf_free(&p->data);
	}
	for (i = 0; i < r->nh; i++) {
		free(r->hdrs[i].path);
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	free(r->parts);
	free(r->hdrs);
	buf_free(&r->log);
	buf_free(&r->err);
	memset(r, 0, sizeof(*r));
}

static uint32_t
rec_rnd(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

enum feed_how { FEED_WHOLE, FEED_BYTES, FEED_RANDOM };

/*
 * rec_parse: parse msg into r (rec_init'ed) fed as how says; returns the
 * message's defects. Fails the test when the parser reports an error.
 */
static unsigned
rec_parse(const struct dlp_limits *lim, const void *msg, size_t len,
    enum feed_how how, struct rec *r)
{
	const unsigned char *s = msg;
	struct mime_parser *p;
	uint32_t st = 0x2545f491;
	size_t i = 0, n;

	p = mime_new(lim, &rec_handler, r);
	if (p == NULL)
		fail_msg("mime_new failed");
	r->heap_base = r->heap_peak = heap_now();
	while (i < len) {
		if (how == FEED_WHOLE)
			n = len - i;
		else if (how == FEED_BYTES)
			n = 1;
		else
			n = 1 +
			    rec_rnd(&st) % (rec_rnd(&st) % 8 == 0 ? 4000 : 90);
		if (n > len - i)
			n = len - i;
		if (mime_feed(p, s + i, n) != 0)
			fail_msg("mime_feed failed");
		i += n;
	}
	if (mime_finish(p) != 0)
		fail_msg("mime_finish failed");
	r->defects = mime_defects(p);
	mime_free(p);
	if (r->nopen != 0)
		rec_err(r, "parts left open", "");
	return r->defects;
}

/*
 * rec_parse3: parse whole, byte by byte and in random chunks; the three
 * transcripts must be identical and the protocol clean. r gets the whole
 * parse.
 */
static void
rec_parse3(const struct dlp_limits *lim, const void *msg, size_t len,
    struct rec *r, size_t keep_data)
{
	struct rec b, c;

	rec_init(r, keep_data);
	rec_init(&b, 0);
	rec_init(&c, 0);
	rec_parse(lim, msg, len, FEED_WHOLE, r);
	rec_parse(lim, msg, len, FEED_BYTES, &b);
	rec_parse(lim, msg, len, FEED_RANDOM, &c);
	if (r->err.len > 0)
		fail_msg("protocol: %s", buf_cstr(&r->err));
	if (b.log.len != r->log.len ||
	    memcmp(b.log.data, r->log.data, r->log.len) != 0)
		fail_msg("byte-by-byte parse differs:\n%s\n---\n%s",
		    buf_cstr(&r->log), buf_cstr(&b.log));
	if (c.log.len != r->log.len ||
	    memcmp(c.log.data, r->log.data, r->log.len) != 0)
		fail_msg("random-chunk parse differs:\n%s\n---\n%s",
		    buf_cstr(&r->log), buf_cstr(&c.log));
	if (b.defects != r->defects || c.defects != r->defects)
		fail_msg("defects differ by chunking");
	rec_free(&b);
	rec_free(&c);
}

/*
 * A leaf of text outside a multipart's parts ("1.preamble"): not a part
 * in the MIME sense, so shapes and leaf counts leave it out.
 */
static bool
rec_is_aside(const char *path)
{
	return strstr(path, "preamble") != NULL ||
	    strstr(path, "epilogue") != NULL;
}

/* "[path]type" of every part in begin order, separated by spaces. */
static const char *
rec_shape(struct rec *r, struct buf *out)
{
	size_t i;

	buf_free(out);
	buf_init(out, 1u << 20);
	for (i = 0; i < r->n; i++) {
		if (rec_is_aside(r->parts[i].path))
			continue; /* checked on their own where they matter */
		if (out->len > 0)
			(void)buf_putc(out, ' ');
		(void)buf_putc(out, '[');
		(void)buf_puts(out, r->parts[i].path);
		(void)buf_putc(out, ']');
		(void)buf_puts(out, r->parts[i].type);
	}
	return buf_cstr(out);
}

/* The nth (0-based) part with this path, or NULL. */
static struct rec_part *
rec_find(struct rec *r, const char *path, unsigned nth)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->parts[i].path, path) == 0 && nth-- == 0)
			return &r->parts[i];
	return NULL;
}

/* The first header value of that name in the block of that path. */
static const char *
rec_header(struct rec *r, const char *path, const char *name)
{
	size_t i;

	for (i = 0; i < r->nh; i++)
		if (strcmp(r->hdrs[i].path, path) == 0 &&
		    strcasecmp(r->hdrs[i].name, name) == 0)
			return r->hdrs[i].value;
	return NULL;
}

static size_t
rec_leaves(struct rec *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += !r->parts[i].container && !rec_is_aside(r->parts[i].path);
	return n;
}

/* A base64 encoding of in, lines of 76, CRLF ends; caller frees. */
static char *
b64_encode(const void *in, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = in;
	char *out = malloc(len / 57 * 78 + len * 2 + 16), *o = out;
	size_t i, col = 0;
	uint32_t v;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? tab[v & 63] : '=';
		if ((col += 4) == 76) {
			*o++ = '\r';
			*o++ = '\n';
			col = 0;
		}
	}
	*o = '\0';
	return out;
}

#endif
