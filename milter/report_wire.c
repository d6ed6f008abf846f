/*
 * report_wire - a finished report as bytes and back. See report_wire.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_wire.h"

#define WIRE_MAGIC 0x31574c44u /* "DLW1" */
#define WIRE_NULL  UINT32_MAX

/* ---- writing: every put records the first failure in w->rc ---- */

struct writer {
	struct buf *out;
	int rc;
};

static void
put(struct writer *w, const void *p, size_t n)
{
	if (w->rc == 0 && buf_append(w->out, p, n) != BUF_OK)
		w->rc = -1;
}

static void
put_u32(struct writer *w, uint32_t v)
{
	put(w, &v, sizeof(v));
}

static void
put_u64(struct writer *w, uint64_t v)
{
	put(w, &v, sizeof(v));
}

static void
put_str(struct writer *w, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (s == NULL || n >= WIRE_NULL) {
		put_u32(w, WIRE_NULL);
		return;
	}
	put_u32(w, (uint32_t)n);
	put(w, s, n);
}

static void
put_node(struct writer *w, const struct dlp_node *n)
{
	put_str(w, n->path);
	put_str(w, n->type);
	put_str(w, n->declared_type);
	put_str(w, n->filename);
	put_str(w, n->charset);
	put_u64(w, n->size);
	put_u32(w, (uint32_t)n->encryption);
	put_str(w, n->method);
	put_str(w, n->reason);
	put_u32(w, n->weak);
	put_u32(w, n->defects);
	put_str(w, n->sha256);
}

static void
put_finding(struct writer *w, const struct dlp_finding *f)
{
	put_str(w, f->rule_id);
	put_str(w, f->kind);
	put_str(w, f->name_ja);
	put_str(w, f->name_en);
	put_u32(w, (uint32_t)f->confidence);
	put_str(w, f->path);
	put_str(w, f->location);
	put_u64(w, f->count);
	put_str(w, f->masked);
	put_str(w, f->fingerprint);
	put_u32(w, f->monitor);
	put_str(w, f->exception);
}

static void
put_total(struct writer *w, const struct dlp_kind_total *t)
{
	put_str(w, t->kind);
	put_str(w, t->name_en);
	put_u64(w, t->count);
	put_u32(w, (uint32_t)t->confidence);
	put_u32(w, (uint32_t)t->action);
}

int
report_wire_encode(const struct dlp_report *r, struct buf *out)
{
	struct writer w = { out, 0 };
	size_t i;

	put_u32(&w, WIRE_MAGIC);
	put_u32(&w, (uint32_t)r->action);
	put_u32(&w, (uint32_t)r->would_action);
	put_u32(&w, r->why);
	put_u32(&w, r->defects);
	put_u32(&w, r->visible_external);
	put_u32(&w, r->elapsed_ms);
	put_u32(&w,
	    (r->skipped ? 1u : 0) | (r->partial ? 2u : 0) |
		(r->internal_error ? 4u : 0) | (r->notify_sender ? 8u : 0));
	put_u64(&w, r->message_size);
	put_str(&w, r->subject);
	put_str(&w, r->message_id);
	put_u32(&w, (uint32_t)r->n_reasons);
	for (i = 0; i < r->n_reasons; i++)
		put_str(&w, r->reasons[i]);
	put_u32(&w, (uint32_t)r->n_exceptions);
	for (i = 0; i < r->n_exceptions; i++)
		put_str(&w, r->exceptions[i]);
	put_u32(&w, (uint32_t)r->n_nodes);
	for (i = 0; i < r->n_nodes; i++)
		put_node(&w, &r->nodes[i]);
	put_u32(&w, (uint32_t)r->n_findings);
	for (i = 0; i < r->n_findings; i++)
		put_finding(&w, &r->findings[i]);
	put_u32(&w, (uint32_t)r->n_totals);
	for (i = 0; i < r->n_totals; i++)
		put_total(&w, &r->totals[i]);
	put_u64(&w, r->stages.elapsed_ns);
	for (i = 0; i < DLP_N_STAGES; i++) {
		put_u64(&w, r->stages.ns[i]);
		put_u64(&w, r->stages.bytes[i]);
	}
	return w.rc;
}

/* ---- reading: the first fault sets bad; later gets return zeroes ---- */

struct reader {
	const unsigned char *p;
	size_t left;
	bool bad;
};

static bool
take(struct reader *rd, void *dst, size_t n)
{
	if (rd->bad || rd->left < n) {
		rd->bad = true;
		memset(dst, 0, n);
		return false;
	}
	memcpy(dst, rd->p, n);
	rd->p += n;
	rd->left -= n;
	return true;
}

static uint32_t
get_u32(struct reader *rd)
{
	uint32_t v;

	take(rd, &v, sizeof(v));
	return v;
}

static uint64_t
get_u64(struct reader *rd)
{
	uint64_t v;

	take(rd, &v, sizeof(v));
	return v;
}

/* get_enum: a value that must be at most max. */
static unsigned
get_enum(struct reader *rd, unsigned max)
{
	uint32_t v = get_u32(rd);

	if (v > max)
		rd->bad = true;
	return rd->bad ? 0 : v;
}

static char *
get_str(struct reader *rd)
{
	uint32_t n = get_u32(rd);
	char *s;

	if (rd->bad || n == WIRE_NULL)
		return NULL;
	if (n > rd->left || memchr(rd->p, '\0', n) != NULL) {
		rd->bad = true;
		return NULL;
	}
	if ((s = malloc((size_t)n + 1)) == NULL) {
		rd->bad = true;
		return NULL;
	}
	memcpy(s, rd->p, n);
	s[n] = '\0';
	rd->p += n;
	rd->left -= n;
	return s;
}

/*
 * get_count: an array length; each element takes at least min_bytes, so
 * a count the input cannot hold is refused before anything is allocated.
 */
static size_t
get_count(struct reader *rd, size_t min_bytes)
{
	uint32_t n = get_u32(rd);

	if (rd->bad || (size_t)n > rd->left / min_bytes) {
		rd->bad = true;
		return 0;
	}
	return n;
}

static char **
get_strings(struct reader *rd, size_t *np)
{
	size_t n = get_count(rd, sizeof(uint32_t)), i;
	char **v;

	*np = 0;
	if (rd->bad || n == 0)
		return NULL;
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		rd->bad = true;
		return NULL;
	}
	for (i = 0; i < n && !rd->bad; i++)
		v[i] = get_str(rd);
	*np = n;
	return v;
}

static void
get_node(struct reader *rd, struct dlp_node *n)
{
	char *sha;

	n->path = get_str(rd);
	n->type = get_str(rd);
	n->declared_type = get_str(rd);
	n->filename = get_str(rd);
	n->charset = get_str(rd);
	n->size = (size_t)get_u64(rd);
	n->encryption = get_enum(rd, DLP_ENC_NOT_INSPECTABLE);
	n->method = get_str(rd);
	n->reason = get_str(rd);
	n->weak = get_enum(rd, 1) != 0;
	n->defects = get_u32(rd);
	if ((sha = get_str(rd)) != NULL) {
		if (strlen(sha) < sizeof(n->sha256))
			memcpy(n->sha256, sha, strlen(sha) + 1);
		else
			rd->bad = true;
		free(sha);
	}
}

static void
get_finding(struct reader *rd, struct dlp_finding *f)
{
	f->rule_id = get_str(rd);
	f->kind = get_str(rd);
	f->name_ja = get_str(rd);
	f->name_en = get_str(rd);
	f->confidence = get_enum(rd, DLP_CONF_HIGH);
	f->path = get_str(rd);
	f->location = get_str(rd);
	f->count = (size_t)get_u64(rd);
	f->masked = get_str(rd);
	f->fingerprint = get_str(rd);
	f->monitor = get_enum(rd, 1) != 0;
	f->exception = get_str(rd);
}

static void
get_total(struct reader *rd, struct dlp_kind_total *t)
{
	t->kind = get_str(rd);
	t->name_en = get_str(rd);
	t->count = (size_t)get_u64(rd);
	t->confidence = get_enum(rd, DLP_CONF_HIGH);
	t->action = get_enum(rd, DLP_TEMPFAIL);
}

int
report_wire_decode(const void *data, size_t len, struct dlp_report *r)
{
	struct reader rd = { data, len, false };
	uint32_t flags;
	size_t n, i;

	memset(r, 0, sizeof(*r));
	if (get_u32(&rd) != WIRE_MAGIC)
		return -1;
	r->action = get_enum(&rd, DLP_TEMPFAIL);
	r->would_action = get_enum(&rd, DLP_TEMPFAIL);
	r->why = get_u32(&rd);
	r->defects = get_u32(&rd);
	r->visible_external = get_u32(&rd);
	r->elapsed_ms = get_u32(&rd);
	flags = get_u32(&rd);
	r->skipped = (flags & 1u) != 0;
	r->partial = (flags & 2u) != 0;
	r->internal_error = (flags & 4u) != 0;
	r->notify_sender = (flags & 8u) != 0;
	r->message_size = (size_t)get_u64(&rd);
	r->subject = get_str(&rd);
	r->message_id = get_str(&rd);
	r->reasons = get_strings(&rd, &r->n_reasons);
	r->exceptions = get_strings(&rd, &r->n_exceptions);
	/* the smallest node, finding and total: their fixed fields */
	n = get_count(&rd, 12 * 4);
	for (i = 0; i < n && !rd.bad; i++) {
		struct dlp_node *p = report_add_node(r);

		if (p == NULL)
			rd.bad = true;
		else
			get_node(&rd, p);
	}
	n = get_count(&rd, 12 * 4);
	for (i = 0; i < n && !rd.bad; i++) {
		struct dlp_finding *p = report_add_finding(r);

		if (p == NULL)
			rd.bad = true;
		else
			get_finding(&rd, p);
	}
	n = get_count(&rd, 5 * 4);
	for (i = 0; i < n && !rd.bad; i++) {
		struct dlp_kind_total *p;

		p = realloc(r->totals, (r->n_totals + 1) * sizeof(*p));
		if (p == NULL) {
			rd.bad = true;
			break;
		}
		r->totals = p;
		memset(&p[r->n_totals], 0, sizeof(*p));
		get_total(&rd, &p[r->n_totals++]);
	}
	r->stages.elapsed_ns = get_u64(&rd);
	for (i = 0; i < DLP_N_STAGES; i++) {
		r->stages.ns[i] = get_u64(&rd);
		r->stages.bytes[i] = get_u64(&rd);
	}
	if (rd.bad || rd.left != 0) {
		report_clear(r);
		return -1;
	}
	return 0;
}
