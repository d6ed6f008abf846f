/*
 * msghead - Message-ID and visible external addresses of the top-level
 * header block. See msghead.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime_header.h"
#include "msghead.h"

struct msghead {
	struct buf block; /* the header block, without its empty line */
	unsigned state;	  /* 0 in a line, 1 after LF, 2 after LF CR */
	bool ended;	  /* the empty line came */
	bool full;	  /* the maximum came first */
};

struct msghead *
msghead_new(size_t max)
{
	struct msghead *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	buf_init(&h->block, max);
	h->state = 1; /* a message may start with its empty line */
	return h;
}

void
msghead_free(struct msghead *h)
{
	if (h == NULL)
		return;
	buf_free(&h->block);
	free(h);
}

int
msghead_feed(struct msghead *h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i, keep = len;
	long n;

	if (h->ended || h->full || len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			if (h->state != 0) {
				h->ended = true;
				keep = i + 1;
				break;
			}
			h->state = 1;
		} else if (p[i] == '\r' && h->state == 1) {
			h->state = 2;
		} else {
			h->state = 0;
		}
	}
	if ((n = buf_append_trunc(&h->block, data, keep)) < 0)
		return -1;
	if ((size_t)n < keep)
		h->full = true;
	return 0;
}

/* Address lists */

static bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The end of the quoted string at p ('"'), or NULL when it never ends. */
static const char *
quoted_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* The end of the (nested) comment at p ('('), or NULL. */
static const char *
comment_end(const char *p, const char *end)
{
	unsigned depth = 0;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return NULL;
}

/*
 * The end of the RFC 2047 encoded word at p ("=?cs?e?text?="), or NULL
 * when p does not start one. Its text may hold characters that are
 * specials elsewhere (a lenient Q encoder leaves ',' as it is): the word
 * is one atom.
 */
static const char *
encoded_word_end(const char *p, const char *end)
{
	unsigned q = 0;

	if (end - p < 8 || p[0] != '=' || p[1] != '?')
		return NULL;
	for (p += 2; p < end && !is_wsp((unsigned char)*p); p++) {
		if (*p != '?')
			continue;
		if (++q == 3)
			return p + 1 < end && p[1] == '=' ? p + 2 : NULL;
	}
	return NULL;
}

struct addr {
	char v[MSGHEAD_ADDR_MAX + 1];
	size_t len;
};

static void
addr_put(struct addr *a, const char *s, size_t n)
{
	if (n > MSGHEAD_ADDR_MAX - a->len)
		n = MSGHEAD_ADDR_MAX - a->len;
	memcpy(a->v + a->len, s, n);
	a->len += n;
	a->v[a->len] = '\0';
}

/*
 * The addr-spec inside <...> (p after '<', end at '>' or where an
 * unclosed one stops): comments and white space dropped, an obsolete
 * route ("@relay1,@relay2:") skipped.
 */
static void
angle_addr(const char *p, const char *end, struct addr *a)
{
	const char *q;

	a->len = 0;
	a->v[0] = '\0';
	while (p < end) {
		if (is_wsp((unsigned char)*p)) {
			p++;
		} else if (*p == '(' && (q = comment_end(p, end)) != NULL) {
			p = q;
		} else if (*p == '"' && (q = quoted_end(p, end)) != NULL) {
			addr_put(a, p, (size_t)(q - p));
			p = q;
		} else if (*p == ':' && a->len > 0 && a->v[0] == '@') {
			a->len = 0; /* the route ends here */
			a->v[0] = '\0';
			p++;
		} else {
			addr_put(a, p, 1);
			p++;
		}
	}
}

/* Where the <...> at p ends: after its '>', or at an unclosed one's
   comma (or the end); *inner_end gets the end of its content. */
static const char *
angle_end(const char *p, const char *end, const char **inner_end)
{
	const char *q;

	for (q = p + 1; q < end; q++) {
		if (*q == '"') {
			const char *e = quoted_end(q, end);

			if (e != NULL) {
				q = e - 1;
				continue;
			}
		} else if (*q == '>') {
			*inner_end = q;
			return q + 1;
		}
	}
	/* never closed: up to the next comma, so that the rest counts */
	for (q = p + 1; q < end && *q != ','; q++)
		;
	*inner_end = q;
	return q;
}

size_t
msghead_addresses(const char *value, size_t len,
    int (*fn)(void *arg, const char *addr), void *arg)
{
	const char *p = value, *end = value + len, *q, *inner;
	struct addr text, angle;
	bool have_angle = false, stop = false;
	size_t n = 0;

	text.len = 0;
	text.v[0] = '\0';
	while (!stop) {
		char c = p < end ? *p : ',';

		if (p < end && is_wsp((unsigned char)c)) {
			p++;
		} else if (c == '(' && (q = comment_end(p, end)) != NULL) {
			p = q;
		} else if (c == '"' && (q = quoted_end(p, end)) != NULL) {
			if (!have_angle)
				addr_put(&text, p, (size_t)(q - p));
			p = q;
		} else if (c == '=' && (q = encoded_word_end(p, end)) != NULL) {
			if (!have_angle)
				addr_put(&text, p, (size_t)(q - p));
			p = q;
		} else if (c == '<') {
			if (have_angle && memchr(angle.v, '@', angle.len)) {
				/* a second <...> before a comma: count both */
				n++;
				stop = fn(arg, angle.v) != 0;
			}
			q = angle_end(p, end, &inner);
			angle_addr(p + 1, inner, &angle);
			have_angle = true;
			p = q;
		} else if (c == ':' && !have_angle) {
			text.len = 0; /* a group's name */
			text.v[0] = '\0';
			p++;
		} else if (c == ',' || c == ';') {
			const struct addr *a = have_angle ? &angle : &text;

			if (!stop && memchr(a->v, '@', a->len) != NULL) {
				n++;
				stop = fn(arg, a->v) != 0;
			}
			text.len = 0;
			text.v[0] = '\0';
			have_angle = false;
			if (p >= end)
				break;
			p++;
		} else {
			if (!have_angle)
				addr_put(&text, p, 1);
			p++;
		}
	}
	return n;
}

/* The header block */

/* FNV-1a of the address without case. */
static uint64_t
addr_hash(const char *a)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *a != '\0'; a++) {
		unsigned char c = (unsigned char)*a;

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = (h ^ c) * 1099511628211ULL;
	}
	return h | 1; /* 0 marks an empty slot */
}

/* Distinct external addresses, by hash (64 bits: collisions are not a
   concern at ten thousand). */
struct counter {
	const struct dlp_config *cfg;
	uint64_t *slots;
	size_t size, n;
	bool nomem;
};

static bool
counter_insert(struct counter *c, uint64_t h)
{
	size_t i, mask;

	if ((c->n + 1) * 2 > c->size) {
		size_t nsize = c->size ? c->size * 2 : 64, j;
		uint64_t *ns = calloc(nsize, sizeof(*ns));

		if (ns == NULL)
			return false;
		for (j = 0; j < c->size; j++) {
			if (c->slots[j] == 0)
				continue;
			for (i = c->slots[j] & (nsize - 1); ns[i] != 0;
			     i = (i + 1) & (nsize - 1))
				;
			ns[i] = c->slots[j];
		}
		free(c->slots);
		c->slots = ns;
		c->size = nsize;
	}
	mask = c->size - 1;
	for (i = h & mask; c->slots[i] != 0; i = (i + 1) & mask)
		if (c->slots[i] == h)
			return true;
	c->slots[i] = h;
	c->n++;
	return true;
}

static int
count_external(void *arg, const char *addr)
{
	struct counter *c = arg;

	if (config_is_internal(c->cfg, addr))
		return 0;
	if (!counter_insert(c, addr_hash(addr))) {
		c->nomem = true;
		return 1;
	}
	return c->n >= MSGHEAD_MAX_EXTERNAL;
}

/*
 * The Message-ID: inside its <>, or the first word; printable ASCII.
 * *out is NULL when the field is empty. Returns 0, or -1 on ENOMEM.
 */
static int
message_id(const char *v, size_t len, char **out)
{
	const char *p = v, *end = v + len, *q;
	size_t n, i;

	*out = NULL;
	while (p < end && (is_wsp((unsigned char)*p) || *p == '(')) {
		if (*p == '(' && (q = comment_end(p, end)) != NULL)
			p = q;
		else
			p++;
	}
	if (p < end && *p == '<') {
		p++;
		for (q = p; q < end && *q != '>'; q++)
			;
	} else {
		for (q = p; q < end && !is_wsp((unsigned char)*q); q++)
			;
	}
	if ((n = (size_t)(q - p)) == 0)
		return 0;
	if (n > MSGHEAD_ID_MAX)
		n = MSGHEAD_ID_MAX;
	if ((*out = malloc(n + 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		(*out)[i] = p[i] > 0x20 && p[i] < 0x7f ? p[i] : '?';
	(*out)[n] = '\0';
	return 0;
}

/* One field: name (nlen bytes) and its raw value, folded. */
static int
field(const char *name, size_t nlen, const char *v, size_t vlen,
    struct counter *c, char **mid)
{
	if (nlen == 2 &&
	    (strncasecmp(name, "to", 2) == 0 ||
		strncasecmp(name, "cc", 2) == 0)) {
		if (c->n < MSGHEAD_MAX_EXTERNAL)
			(void)msghead_addresses(v, vlen, count_external, c);
		return c->nomem ? -1 : 0;
	}
	if (nlen == 10 && strncasecmp(name, "message-id", 10) == 0 &&
	    *mid == NULL)
		return message_id(v, vlen, mid);
	return 0;
}

int
msghead_finish(struct msghead *h, const struct dlp_config *cfg, char **mid,
    unsigned *visible_external)
{
	const char *b = buf_cstr(&h->block), *end = b + h->block.len;
	const char *line = b, *lend, *fstart = NULL, *vstart = NULL;
	struct counter c = { .cfg = cfg };
	size_t nlen = 0, voff;
	int rc = 0;

	*mid = NULL;
	*visible_external = 0;
	/* one more round at the end, to close the last field */
	while (rc == 0) {
		bool last = line >= end;

		lend = last ? end : memchr(line, '\n', (size_t)(end - line));
		if (lend == NULL)
			lend = end;
		/* a continuation line belongs to the field before */
		if (!last && (*line == ' ' || *line == '\t')) {
			line = lend < end ? lend + 1 : end;
			continue;
		}
		if (fstart != NULL) {
			rc = field(fstart, nlen, vstart,
			    (size_t)(line - vstart), &c, mid);
			fstart = NULL;
		}
		if (last)
			break;
		if ((nlen = mime_header_name(
			 line, (size_t)(lend - line), &voff, NULL)) > 0) {
			fstart = line;
			vstart = line + voff;
		}
		line = lend < end ? lend + 1 : end;
	}
	free(c.slots);
	if (rc < 0) {
		free(*mid);
		*mid = NULL;
		return -1;
	}
	*visible_external = (unsigned)c.n;
	return 0;
}
