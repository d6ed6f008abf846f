/*
 * scan - one message through the engine: MIME walk, text, detection,
 * counting, policy. See dlp.h for the contract.
 *
 * The MIME parser calls back as the bytes arrive. A leaf's decoded bytes
 * are kept (up to limits.max_part_bytes) until the leaf ends; then its
 * text is converted to UTF-8, HTML is turned into text, the text is
 * normalised and the rules run over it, and the leaf's buffers are wiped.
 * So at most one leaf's content is held at a time, whatever the message.
 *
 * Counting: each match with a confidence is recorded once per (rule,
 * node, canonical value) in a hash table bounded by limits.max_hits. At the
 * end, findings are those grouped by (rule, node), and the policy gets the
 * distinct values per kind over the whole message (the same number in the
 * body and an attachment counts once; its confidence is the highest seen).
 *
 * What is never scanned and why: the content of encrypted containers
 * (multipart/encrypted, S/MIME enveloped data) is reported as encrypted;
 * parts cut by a limit are reported not-inspectable, and policy decides.
 * Non-text attachments are identified and unpacked by later modules; until
 * then a part that is not text is scanned only if it looks like text.
 *
 * Thread-safety: a scan belongs to one thread; it only reads the engine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "charset.h"
#include "cms.h"
#include "engine.h"
#include "html.h"
#include "mime.h"
#include "normalize.h"
#include "policy.h"
#include "report.h"

#define MAX_SUBJECT  4096
#define MAX_PATH_LEN 1024
#define MAX_CMS_NEST 4 /* signed data inside signed data, and so on */

/* One distinct (rule, node, value) seen with a confidence. */
struct value_entry {
	const char *rule_id; /* these four point into the rule set */
	const char *kind;
	const char *name_ja;
	const char *name_en;
	bool monitor;
	size_t node;
	char *value; /* canonical; wiped */
	char *masked;
	enum dlp_confidence conf;
	uint64_t hash;
};

struct dlp_scan {
	struct dlp_engine *engine;
	const struct dlp_limits *lim;
	char *sender;
	char **rcpts;
	size_t n_rcpts;
	bool needed;
	unsigned flags;
	int rc; /* worst of DLP_OK, DLP_PARTIAL, DLP_EFATAL so far */
	struct timespec start;
	bool timed_out;

	struct mime_parser *mime;
	struct mime_handler handler;
	unsigned skip;	  /* >0 inside an encrypted container */
	struct buf part;  /* the current leaf's decoded bytes */
	size_t part_seen; /* bytes of the leaf, also those not kept */
	struct buf subject;
	unsigned cms_nest; /* nested parses of S/MIME signed content */

	struct value_entry *values;
	size_t n_values, cap_values;
	size_t *table; /* open addressing: index + 1, 0 = empty */
	size_t table_size;
	size_t cur_node; /* the node the current detection is for */

	bool finished;
	struct dlp_report report;
};

static void
fail(struct dlp_scan *s, int rc)
{
	if (rc > s->rc)
		s->rc = rc;
}

static unsigned
elapsed_ms(const struct dlp_scan *s)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - s->start.tv_sec) * 1000 +
	    (now.tv_nsec - s->start.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (unsigned)ms;
}

static char *
xstrdup(struct dlp_scan *s, const char *str)
{
	char *p;

	if (str == NULL)
		return NULL;
	if ((p = strdup(str)) == NULL)
		fail(s, DLP_EFATAL);
	return p;
}

/* FNV-1a over the key fields. */
static uint64_t
value_hash(const char *rule_id, size_t node, const char *value)
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)rule_id; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ (node & 0xffff)) * 1099511628211ULL;
	h = (h ^ (node >> 16)) * 1099511628211ULL;
	for (p = (const unsigned char *)value; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static int
table_grow(struct dlp_scan *s)
{
	size_t nsize = s->table_size ? s->table_size * 2 : 256, i, j;
	size_t *t;

	if ((t = calloc(nsize, sizeof(*t))) == NULL)
		return -1;
	for (i = 0; i < s->n_values; i++) {
		j = s->values[i].hash & (nsize - 1);
		while (t[j] != 0)
			j = (j + 1) & (nsize - 1);
		t[j] = i + 1;
	}
	free(s->table);
	s->table = t;
	s->table_size = nsize;
	return 0;
}

/* Record a match once per (rule, node, value), keeping the top confidence. */
static void
value_add(struct dlp_scan *s, const struct detect_match *m)
{
	uint64_t h = value_hash(m->rule_id, s->cur_node, m->value);
	struct value_entry *v;
	size_t j;

	if (s->table_size > 0) {
		for (j = h & (s->table_size - 1); s->table[j] != 0;
		     j = (j + 1) & (s->table_size - 1)) {
			v = &s->values[s->table[j] - 1];
			if (v->hash == h && v->node == s->cur_node &&
			    strcmp(v->rule_id, m->rule_id) == 0 &&
			    strcmp(v->value, m->value) == 0) {
				if (m->confidence > v->conf)
					v->conf = m->confidence;
				return;
			}
		}
	}
	if (s->n_values >= s->lim->max_hits) {
		s->report.partial = true; /* enough to decide; stop counting */
		fail(s, DLP_PARTIAL);
		return;
	}
	if ((s->n_values + 1) * 2 > s->table_size && table_grow(s) < 0)
		goto nomem;
	if (s->n_values == s->cap_values) {
		size_t ncap = s->cap_values ? s->cap_values * 2 : 64;
		void *p = realloc(s->values, ncap * sizeof(*s->values));

		if (p == NULL)
			goto nomem;
		s->values = p;
		s->cap_values = ncap;
	}
	v = &s->values[s->n_values];
	memset(v, 0, sizeof(*v));
	v->rule_id = m->rule_id;
	v->kind = m->kind;
	v->name_ja = m->name_ja;
	v->name_en = m->name_en;
	v->monitor = m->monitor;
	v->node = s->cur_node;
	v->conf = m->confidence;
	v->hash = h;
	if ((v->value = strdup(m->value)) == NULL ||
	    (v->masked = strdup(m->masked)) == NULL) {
		free(v->value);
		goto nomem;
	}
	for (j = h & (s->table_size - 1); s->table[j] != 0;
	     j = (j + 1) & (s->table_size - 1))
		;
	s->table[j] = ++s->n_values;
	return;
nomem:
	fail(s, DLP_EFATAL);
}

static void
hit_add(struct dlp_scan *s, const struct detect_match *m)
{
	struct dlp_hit *h;

	if (s->report.n_hits >= s->lim->max_hits)
		return;
	if ((h = report_add_hit(&s->report)) == NULL) {
		fail(s, DLP_EFATAL);
		return;
	}
	h->rule_id = xstrdup(s, m->rule_id);
	h->kind = xstrdup(s, m->kind);
	h->path = xstrdup(s, s->report.nodes[s->cur_node].path);
	h->masked = xstrdup(s, m->masked);
	h->window = xstrdup(s, m->window);
	h->validator = xstrdup(s, m->validator);
	h->validator_ok = m->validator_ok;
	h->context_seen = xstrdup(s, m->context_seen ? m->context_seen : "");
	h->negative_seen = xstrdup(s, m->negative_seen ? m->negative_seen : "");
	h->confidence = m->confidence;
	h->why = xstrdup(s, m->why);
}

static int
on_match(void *arg, const struct detect_match *m)
{
	struct dlp_scan *s = arg;

	if (s->flags & DLP_SCAN_EXPLAIN)
		hit_add(s, m);
	if (m->confidence > DLP_CONF_NONE)
		value_add(s, m);
	return s->rc == DLP_EFATAL;
}

/*
 * "2" + "名簿.txt" -> "2/名簿.txt". The parser names the root of a
 * multipart message "" (a container, a node only when encrypted): it is
 * "message" here.
 */
static char *
node_path(struct dlp_scan *s, const struct mime_part_info *pi)
{
	struct buf b;
	const char *sect = pi->path[0] != '\0' ? pi->path : "message";

	buf_init(&b, MAX_PATH_LEN);
	if (buf_puts(&b, sect) != BUF_OK ||
	    (pi->filename != NULL && pi->filename[0] != '\0' &&
		(buf_putc(&b, '/') != BUF_OK ||
		    buf_append_trunc(&b, pi->filename, strlen(pi->filename)) <
			0)) ||
	    b.data == NULL) {
		buf_free(&b);
		fail(s, DLP_EFATAL);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

static struct dlp_node *
node_new(struct dlp_scan *s, const struct mime_part_info *pi)
{
	struct dlp_node *n;

	if ((n = report_add_node(&s->report)) == NULL) {
		fail(s, DLP_EFATAL);
		return NULL;
	}
	n->path = node_path(s, pi);
	n->type =
	    xstrdup(s, pi->content_type ? pi->content_type : "text/plain");
	n->filename = xstrdup(s, pi->filename);
	n->charset = xstrdup(s, pi->charset);
	n->defects = pi->defects;
	return n;
}

static void
node_mark(struct dlp_scan *s, struct dlp_node *n, enum dlp_encryption enc,
    const char *method_or_reason)
{
	n->encryption = enc;
	if (enc == DLP_ENC_ENCRYPTED) {
		free(n->method);
		n->method = xstrdup(s, method_or_reason);
	} else if (enc == DLP_ENC_NOT_INSPECTABLE) {
		free(n->reason);
		n->reason = xstrdup(s, method_or_reason);
		if (strncmp(method_or_reason, "limit:", 6) == 0) {
			s->report.partial = true;
			fail(s, DLP_PARTIAL);
		}
	}
}

static bool
type_is(const struct mime_part_info *pi, const char *type)
{
	return pi->content_type != NULL &&
	    strcasecmp(pi->content_type, type) == 0;
}

/*
 * S/MIME application/pkcs7-mime: the smime-type parameter, else the CMS
 * content type in the data. Returns the method for enveloped data, "" for
 * signed-only data, NULL when unknown.
 */
static const char *
smime_kind(const struct mime_part_info *pi, const struct buf *b)
{
	const char *t = pi->smime_type;

	if (t != NULL && strcasecmp(t, "enveloped-data") == 0)
		return "smime-enveloped";
	if (t != NULL && strcasecmp(t, "authenveloped-data") == 0)
		return "smime-authenveloped";
	if (t != NULL && strcasecmp(t, "signed-data") == 0)
		return "";
	switch (cms_content_type(b->data, b->len)) {
	case CMS_ENVELOPED:
		return "smime-enveloped";
	case CMS_AUTH_ENVELOPED:
		return "smime-authenveloped";
	case CMS_ENCRYPTED:
		return "cms-encrypted";
	case CMS_SIGNED:
		return "";
	default:
		return NULL;
	}
}

static bool
is_pkcs7_mime(const struct mime_part_info *pi)
{
	const char *f = pi->filename;
	size_t len = f ? strlen(f) : 0;

	return type_is(pi, "application/pkcs7-mime") ||
	    type_is(pi, "application/x-pkcs7-mime") ||
	    (len > 4 && strcasecmp(f + len - 4, ".p7m") == 0 &&
		type_is(pi, "application/octet-stream"));
}

/* Bytes that read as text: no NUL, few control characters. */
static bool
looks_like_text(const struct buf *b)
{
	size_t i, ctl = 0;

	for (i = 0; i < b->len; i++) {
		unsigned char c = b->data[i];

		if (c == 0)
			return false;
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' &&
		    c != 0x1b && c != '\f')
			ctl++;
	}
	return ctl * 100 <= b->len;
}

/*
 * Blank out inline PGP armored messages (base64 noise to the rules);
 * returns whether there was one. The text around them is still scanned.
 */
static bool
blank_pgp_armor(struct buf *t)
{
	static const char begin[] = "-----BEGIN PGP MESSAGE-----";
	static const char end[] = "-----END PGP MESSAGE-----";
	char *p = (char *)t->data, *q, *e;
	bool found = false;

	if (p == NULL)
		return false;
	while ((q = memmem(p, t->len - (size_t)(p - (char *)t->data), begin,
		    sizeof(begin) - 1)) != NULL) {
		found = true;
		e = memmem(q, t->len - (size_t)(q - (char *)t->data), end,
		    sizeof(end) - 1);
		e = e ? e + sizeof(end) - 1 : (char *)t->data + t->len;
		for (; q < e; q++)
			if (*q != '\n')
				*q = ' ';
		p = e;
	}
	return found;
}

/* Text of a leaf: charset, HTML, normalisation, then the rules. */
/* Run the rules over normalised text of node n; limits mark the node. */
static void
detect_into(
    struct dlp_scan *s, struct dlp_node *n, const char *text, size_t len)
{
	int rc = detect_text(s->engine->rules, text, len, s->lim,
	    (s->flags & DLP_SCAN_EXPLAIN) != 0, on_match, s);

	if (rc == DLP_EFATAL)
		fail(s, DLP_EFATAL);
	else if (rc == DLP_PARTIAL && s->rc != DLP_EFATAL)
		node_mark(s, n, DLP_ENC_NOT_INSPECTABLE, "limit:match");
}

/*
 * Text of a leaf: charset, HTML, normalisation, then the rules. Each step
 * writes to a buffer bounded by TEXT_GROWTH times the part's limit (NFKC
 * can grow some characters elevenfold); text cut by that bound is still
 * scanned, and the node is marked limit:size, because what was not read is
 * not clean. HTML is scanned twice: as the text a reader sees, and as raw
 * markup, since data hidden in comments, scripts or attributes is sent
 * all the same (values are counted once per node, so nothing doubles).
 */
#define TEXT_GROWTH 4
static void
scan_text(struct dlp_scan *s, struct dlp_node *n,
    const struct mime_part_info *pi, const void *data, size_t len, bool html)
{
	size_t max = s->lim->max_part_bytes * TEXT_GROWTH + 64;
	struct buf utf8, plain, norm;
	bool cut = false;
	int rc;

	buf_init(&utf8, max);
	buf_init(&plain, max);
	buf_init(&norm, max);
	rc = charset_to_utf8(pi->charset, data, len, &utf8);
	if (rc == CHARSET_ENOMEM)
		goto nomem;
	cut |= rc == CHARSET_EFULL;
	if (html) {
		rc = html_to_text((const char *)utf8.data, utf8.len, &plain);
		if (rc == BUF_ENOMEM)
			goto nomem;
		cut |= rc == BUF_EFULL;
	}
	rc = normalize_text((const char *)(html ? plain.data : utf8.data),
	    html ? plain.len : utf8.len, &norm);
	if (rc == BUF_ENOMEM)
		goto nomem;
	cut |= rc == BUF_EFULL;
	if (blank_pgp_armor(&norm))
		node_mark(s, n, DLP_ENC_ENCRYPTED, "pgp-inline");
	detect_into(s, n, buf_cstr(&norm), norm.len);
	if (s->flags & DLP_SCAN_KEEP_TEXT) {
		n->text_len = norm.len;
		if ((n->text = buf_steal(&norm, NULL)) == NULL &&
		    (n->text = strdup("")) == NULL)
			goto nomem;
	}
	if (html && s->rc != DLP_EFATAL) {
		buf_free(&norm);
		rc = normalize_text((const char *)utf8.data, utf8.len, &norm);
		if (rc == BUF_ENOMEM)
			goto nomem;
		cut |= rc == BUF_EFULL;
		detect_into(s, n, buf_cstr(&norm), norm.len);
	}
	if (cut)
		node_mark(s, n, DLP_ENC_NOT_INSPECTABLE, "limit:size");
	goto out;
nomem:
	fail(s, DLP_EFATAL);
out:
	buf_free(&utf8);
	buf_free(&plain);
	buf_free(&norm);
}

static const char *
limit_reason(unsigned defects)
{
	if (defects & MIME_D_LIMIT_PARTS)
		return "limit:parts";
	if (defects & MIME_D_LIMIT_DEPTH)
		return "limit:depth";
	if (defects & MIME_D_LIMIT_DECODED)
		return "limit:size";
	if (defects & MIME_D_LIMIT_HEADERS)
		return "limit:headers";
	return NULL;
}

static void on_header(void *arg, const struct mime_part_info *pi,
    const char *name, const char *value);
static void on_begin(void *arg, const struct mime_part_info *pi);
static void on_data(
    void *arg, const struct mime_part_info *pi, const void *data, size_t len);
static void on_end(void *arg, const struct mime_part_info *pi);

/*
 * A MIME entity found inside another part (the content of S/MIME signed
 * data) is parsed by a parser of its own; its events are passed on with
 * paths under the outer part's ("1" inside part 2 becomes "2.1") and
 * depths below it, so the report reads as one tree.
 */
struct nested {
	struct dlp_scan *s;
	const char *prefix;
	unsigned depth;
	char path[MAX_PATH_LEN];
	struct mime_part_info pi;
};

static const struct mime_part_info *
nested_info(struct nested *nt, const struct mime_part_info *pi)
{
	nt->pi = *pi;
	if (pi->path[0] == '\0')
		snprintf(nt->path, sizeof(nt->path), "%s", nt->prefix);
	else
		snprintf(
		    nt->path, sizeof(nt->path), "%s.%s", nt->prefix, pi->path);
	nt->pi.path = nt->path;
	nt->pi.depth = pi->depth + nt->depth;
	return &nt->pi;
}

static void
nested_header(void *arg, const struct mime_part_info *pi, const char *name,
    const char *value)
{
	struct nested *nt = arg;

	on_header(nt->s, nested_info(nt, pi), name, value);
}

static void
nested_begin(void *arg, const struct mime_part_info *pi)
{
	struct nested *nt = arg;

	on_begin(nt->s, nested_info(nt, pi));
}

static void
nested_data(
    void *arg, const struct mime_part_info *pi, const void *data, size_t len)
{
	struct nested *nt = arg;

	on_data(nt->s, nested_info(nt, pi), data, len);
}

static void
nested_end(void *arg, const struct mime_part_info *pi)
{
	struct nested *nt = arg;

	on_end(nt->s, nested_info(nt, pi));
}

static void
parse_nested(struct dlp_scan *s, const char *prefix, unsigned depth,
    const void *data, size_t len)
{
	static const struct mime_handler h = { nested_header, nested_begin,
		nested_data, nested_end };
	struct nested nt = { .s = s, .prefix = prefix, .depth = depth };
	struct mime_parser *p;

	if ((p = mime_new(s->lim, &h, &nt)) == NULL ||
	    mime_feed(p, data, len) < 0 || mime_finish(p) < 0)
		fail(s, DLP_EFATAL);
	mime_free(p);
}

/*
 * S/MIME opaque-signed data is not protection: its entity is in clear
 * inside the CMS structure. Take it out and scan it like any part.
 */
static void
scan_signed(
    struct dlp_scan *s, struct dlp_node *n, const struct mime_part_info *pi)
{
	struct buf inner;
	char *prefix;
	int rc;

	if (s->cms_nest >= MAX_CMS_NEST) {
		node_mark(s, n, DLP_ENC_NOT_INSPECTABLE, "limit:depth");
		return;
	}
	buf_init(&inner, s->lim->max_part_bytes);
	rc = cms_signed_content(s->part.data, s->part.len, &inner);
	if (rc == -2) {
		buf_free(&inner);
		return; /* detached signature: nothing inside */
	}
	if (rc == BUF_ENOMEM ||
	    (prefix = strdup(pi->path[0] ? pi->path : "1")) == NULL) {
		fail(s, DLP_EFATAL);
		buf_free(&inner);
		return;
	}
	if (rc == -1)
		node_mark(s, n, DLP_ENC_NOT_INSPECTABLE, "corrupt");
	else if (rc == BUF_EFULL)
		node_mark(s, n, DLP_ENC_NOT_INSPECTABLE, "limit:size");
	if (rc == 0 || rc == BUF_EFULL) {
		s->cms_nest++;
		parse_nested(s, prefix, pi->depth + 1, inner.data, inner.len);
		s->cms_nest--;
	}
	free(prefix);
	buf_free(&inner);
}

static void
leaf_end(struct dlp_scan *s, const struct mime_part_info *pi)
{
	const char *method, *why;
	struct dlp_node *n;
	bool html = false;

	if ((n = node_new(s, pi)) == NULL)
		return;
	s->cur_node = s->report.n_nodes - 1;
	n->size = s->part_seen;
	if ((why = limit_reason(pi->defects)) != NULL) {
		node_mark(s, n, DLP_ENC_NOT_INSPECTABLE, why);
		/* a part past max_parts has no data; one past max_depth
		   comes decoded but unparsed: whatever of it reads as text
		   is still scanned below */
		if (pi->defects & MIME_D_LIMIT_PARTS)
			return;
	}
	if (s->part_seen > s->part.len)
		node_mark(s, n, DLP_ENC_NOT_INSPECTABLE, "limit:size");
	if (s->timed_out || elapsed_ms(s) > s->lim->max_scan_ms) {
		s->timed_out = true;
		node_mark(s, n, DLP_ENC_NOT_INSPECTABLE, "limit:time");
		return;
	}
	if (is_pkcs7_mime(pi)) {
		method = smime_kind(pi, &s->part);
		if (method == NULL)
			node_mark(
			    s, n, DLP_ENC_NOT_INSPECTABLE, "unknown-pkcs7");
		else if (method[0] != '\0')
			node_mark(s, n, DLP_ENC_ENCRYPTED, method);
		else
			scan_signed(s, n, pi);
		return;
	}
	if (type_is(pi, "application/pkcs7-signature") ||
	    type_is(pi, "application/x-pkcs7-signature") ||
	    type_is(pi, "application/pgp-signature") ||
	    type_is(pi, "application/pgp-encrypted"))
		return; /* signatures and control parts: no content */
	if (pi->content_type != NULL &&
	    (strncasecmp(pi->content_type, "text/", 5) == 0 ||
		strncasecmp(pi->content_type, "message/", 8) == 0))
		html = type_is(pi, "text/html");
	else if (!looks_like_text(&s->part))
		return; /* binary: the attachment extractors' work */
	scan_text(s, n, pi, s->part.data, s->part.len, html);
}

static void
on_header(void *arg, const struct mime_part_info *pi, const char *name,
    const char *value)
{
	struct dlp_scan *s = arg;

	if (pi->depth == 0 && pi->parent == NULL && value != NULL &&
	    strcasecmp(name, "Subject") == 0 && s->subject.len == 0)
		(void)buf_append_trunc(&s->subject, value, strlen(value));
}

static void
on_begin(void *arg, const struct mime_part_info *pi)
{
	struct dlp_scan *s = arg;
	struct dlp_node *n;
	const char *method;

	if (s->skip > 0) {
		s->skip++;
		return;
	}
	if (pi->is_container && type_is(pi, "multipart/encrypted")) {
		if ((n = node_new(s, pi)) == NULL)
			return;
		if (pi->protocol != NULL &&
		    strcasecmp(pi->protocol, "application/pgp-encrypted") == 0)
			method = "pgp-mime";
		else if (pi->protocol != NULL &&
		    strstr(pi->protocol, "pkcs7") != NULL)
			method = "smime-enveloped";
		else
			method = "unknown";
		node_mark(s, n, DLP_ENC_ENCRYPTED, method);
		s->skip = 1;
		return;
	}
	buf_reset(&s->part);
	s->part_seen = 0;
}

static void
on_data(
    void *arg, const struct mime_part_info *pi, const void *data, size_t len)
{
	struct dlp_scan *s = arg;

	if (s->skip > 0)
		return;
	s->part_seen += len;
	if (buf_append_trunc(&s->part, data, len) < 0)
		fail(s, DLP_EFATAL);
}

static void
on_end(void *arg, const struct mime_part_info *pi)
{
	struct dlp_scan *s = arg;

	if (s->skip > 0) {
		s->skip--;
		return;
	}
	if (!pi->is_container)
		leaf_end(s, pi);
	else if (limit_reason(pi->defects) != NULL &&
	    (pi->defects & MIME_D_LIMIT_HEADERS)) {
		struct dlp_node *n = node_new(s, pi);

		if (n != NULL)
			node_mark(
			    s, n, DLP_ENC_NOT_INSPECTABLE, "limit:headers");
	}
	buf_reset(&s->part);
	s->part_seen = 0;
}

struct dlp_scan *
dlp_scan_new(struct dlp_engine *e, const struct dlp_envelope *env)
{
	const struct dlp_config *cfg = e->cfg;
	struct dlp_scan *s;
	size_t i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->engine = dlp_engine_ref(e);
	s->lim = &cfg->limits;
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	buf_init(&s->part, s->lim->max_part_bytes);
	buf_init(&s->subject, MAX_SUBJECT);
	s->handler.header = on_header;
	s->handler.part_begin = on_begin;
	s->handler.part_data = on_data;
	s->handler.part_end = on_end;
	if (env != NULL && env->sender != NULL &&
	    (s->sender = strdup(env->sender)) == NULL)
		goto fail;
	if (env != NULL && env->n_rcpts > 0) {
		if ((s->rcpts = calloc(env->n_rcpts, sizeof(char *))) == NULL)
			goto fail;
		for (i = 0; i < env->n_rcpts; i++) {
			if ((s->rcpts[i] = strdup(env->rcpts[i])) == NULL)
				goto fail;
			s->n_rcpts++;
		}
	}
	/* outbound only: scan unless every recipient is internal */
	s->needed = cfg->policy.scan_internal || s->n_rcpts == 0;
	for (i = 0; i < s->n_rcpts && !s->needed; i++)
		if (!config_is_internal(cfg, s->rcpts[i]))
			s->needed = true;
	if (s->needed && (s->mime = mime_new(s->lim, &s->handler, s)) == NULL)
		goto fail;
	return s;
fail:
	dlp_scan_free(s);
	return NULL;
}

void
dlp_scan_set_flags(struct dlp_scan *s, unsigned flags)
{
	s->flags = flags;
}

bool
dlp_scan_needed(const struct dlp_scan *s)
{
	return s->needed;
}

int
dlp_scan_feed(struct dlp_scan *s, const void *data, size_t len)
{
	if (s->finished || s->rc == DLP_EFATAL)
		return s->rc == DLP_EFATAL ? DLP_EFATAL : DLP_EINPUT;
	if (!s->needed)
		return DLP_OK;
	if (mime_feed(s->mime, data, len) < 0)
		fail(s, DLP_EFATAL);
	return s->rc;
}

/* Order entries by rule, node, then confidence (highest first). */
static int
cmp_rule_node(const void *a, const void *b)
{
	const struct value_entry *x = a, *y = b;
	int c = strcmp(x->rule_id, y->rule_id);

	if (c != 0)
		return c;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return (int)y->conf - (int)x->conf;
}

static int
cmp_kind_value(const void *a, const void *b)
{
	const struct value_entry *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);

	if (c != 0)
		return c;
	if ((c = strcmp(x->value, y->value)) != 0)
		return c;
	return (int)y->conf - (int)x->conf;
}

static void
make_findings(struct dlp_scan *s)
{
	struct dlp_finding *f;
	size_t i, j;

	if (s->n_values > 1)
		qsort(
		    s->values, s->n_values, sizeof(*s->values), cmp_rule_node);
	for (i = 0; i < s->n_values; i = j) {
		const struct value_entry *v = &s->values[i];

		for (j = i + 1;
		     j < s->n_values && s->values[j].node == v->node &&
		     strcmp(s->values[j].rule_id, v->rule_id) == 0;
		     j++)
			;
		if ((f = report_add_finding(&s->report)) == NULL) {
			fail(s, DLP_EFATAL);
			return;
		}
		f->rule_id = xstrdup(s, v->rule_id);
		f->kind = xstrdup(s, v->kind);
		f->name_ja = xstrdup(s, v->name_ja);
		f->name_en = xstrdup(s, v->name_en);
		f->confidence = v->conf; /* sorted highest first */
		f->path = xstrdup(s, s->report.nodes[v->node].path);
		f->count = j - i;
		f->masked = xstrdup(s, v->masked);
		f->monitor = v->monitor;
	}
}

/* Distinct values per kind over the message, for the policy. */
static size_t
count_kinds(struct dlp_scan *s, struct policy_count **out)
{
	struct policy_count *pc = NULL;
	size_t n = 0, i, j;
	int c;

	*out = NULL;
	if (s->n_values > 1)
		qsort(
		    s->values, s->n_values, sizeof(*s->values), cmp_kind_value);
	for (i = 0; i < s->n_values; i = j) {
		const struct value_entry *v = &s->values[i];

		for (j = i + 1; j < s->n_values &&
		     strcmp(s->values[j].kind, v->kind) == 0 &&
		     strcmp(s->values[j].value, v->value) == 0;
		     j++)
			;
		if (v->monitor) /* monitor rules report, never decide */
			continue;
		if (n == 0 || strcmp(pc[n - 1].kind, v->kind) != 0) {
			void *p = realloc(pc, (n + 1) * sizeof(*pc));

			if (p == NULL) {
				fail(s, DLP_EFATAL);
				break;
			}
			pc = p;
			memset(&pc[n], 0, sizeof(pc[n]));
			pc[n].kind = v->kind;
			pc[n].name_en = v->name_en;
			n++;
		}
		for (c = DLP_CONF_LOW; c <= (int)v->conf; c++)
			pc[n - 1].at_least[c]++;
	}
	*out = pc;
	return n;
}

static void
scan_subject(struct dlp_scan *s)
{
	struct mime_part_info pi = { .path = "subject",
		.content_type = "text/plain",
		.charset = "utf-8" };
	struct dlp_node *n;

	if (s->subject.len == 0 || (n = node_new(s, &pi)) == NULL)
		return;
	s->cur_node = s->report.n_nodes - 1;
	n->size = s->subject.len;
	scan_text(s, n, &pi, s->subject.data, s->subject.len, false);
	s->report.subject = xstrdup(s, buf_cstr(&s->subject));
}

int
dlp_scan_finish(struct dlp_scan *s)
{
	const struct dlp_config *cfg = s->engine->cfg;
	struct dlp_report *r = &s->report;
	struct policy_count *pc = NULL;
	size_t n_pc;

	if (s->finished)
		return s->rc;
	s->finished = true;
	r->ruleset_version = ruleset_version(s->engine->rules);
	if (!s->needed) {
		r->skipped = true;
		r->reasons = calloc(1, sizeof(char *));
		if (r->reasons != NULL &&
		    (r->reasons[0] = strdup("all recipients internal")) != NULL)
			r->n_reasons = 1;
		r->action = r->would_action = DLP_ACCEPT;
		goto out;
	}
	if (s->rc != DLP_EFATAL && mime_finish(s->mime) < 0)
		fail(s, DLP_EFATAL);
	r->defects = mime_defects(s->mime);
	if (s->rc != DLP_EFATAL)
		scan_subject(s);
	if (s->rc != DLP_EFATAL)
		make_findings(s);
	n_pc = s->rc != DLP_EFATAL ? count_kinds(s, &pc) : 0;
	if (s->rc != DLP_EFATAL && policy_decide(cfg, pc, n_pc, r) < 0)
		fail(s, DLP_EFATAL);
	free(pc);
	if (s->rc == DLP_EFATAL) {
		r->internal_error = true;
		r->action = r->would_action = cfg->policy.on_internal_error;
	}
out:
	r->elapsed_ms = elapsed_ms(s);
	return s->rc;
}

const struct dlp_report *
dlp_scan_report(const struct dlp_scan *s)
{
	return s->finished ? &s->report : NULL;
}

void
dlp_scan_free(struct dlp_scan *s)
{
	size_t i;

	if (s == NULL)
		return;
	mime_free(s->mime);
	buf_free(&s->part);
	buf_free(&s->subject);
	for (i = 0; i < s->n_values; i++) {
		explicit_bzero(s->values[i].value, strlen(s->values[i].value));
		free(s->values[i].value);
		explicit_bzero(
		    s->values[i].masked, strlen(s->values[i].masked));
		free(s->values[i].masked);
	}
	free(s->values);
	free(s->table);
	report_clear(&s->report);
	for (i = 0; i < s->n_rcpts; i++)
		free(s->rcpts[i]);
	free(s->rcpts);
	free(s->sender);
	dlp_engine_unref(s->engine);
	free(s);
}
