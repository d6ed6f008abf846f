/*
 * scan - one message through the engine: MIME walk, extraction, text,
 * detection, counting, policy. See dlp.h for the contract.
 *
 * The MIME parser calls back as the bytes arrive. A leaf's decoded bytes
 * are kept (up to limits.max_part_bytes) until the leaf ends. A text part
 * is then converted to UTF-8 with its declared charset; anything else goes
 * to extraction (extract.h), which identifies it by content, unpacks it
 * and hands back text and child nodes through the sink implemented here.
 * Text is normalised as it arrives, into a buffer per open node, with the
 * locations extractors name ("Sheet1!B7"); when a node is done the rules
 * run over its text and the text is wiped (or kept, with
 * DLP_SCAN_KEEP_TEXT). So what is held is one leaf's bytes plus the text
 * of the nodes open inside it.
 *
 * Nodes are referred to by their index in the report (ids): the report's
 * array grows while nodes are open, so no pointer into it is kept across
 * a call that may add one.
 *
 * File names are scanned too: the name of every part and member is
 * normalised and run through the rules as soon as its node exists, with
 * the hits attributed to that node at location "name" (a classification
 * label or a number in "【社外秘】名簿.xlsx" leaves with the mail whatever
 * the content). Classification labels found anywhere are also kept per
 * node for the policy (policy.h).
 *
 * What is never scanned and why: the content of encrypted containers
 * (multipart/encrypted, S/MIME enveloped data, encrypted archive members
 * and documents) is reported as encrypted, and an encryption method that
 * the policy does not accept makes the node not-inspectable
 * (unapproved-encryption); parts cut by a limit are reported
 * not-inspectable, and policy decides.
 *
 * Every part and member gets the SHA-256 of its bytes: a MIME leaf's as
 * they are decoded (all of them, also past what is kept), a member's as
 * unpacked (what was read, when a limit cut it).
 *
 * What the policy needs besides findings comes from here too: the raw
 * bytes fed (message_size), the top-level header block (msghead.h:
 * Message-ID, external addresses in To and Cc), the envelope's client
 * address, and the config's exceptions that apply to the sender now;
 * a match an exception covers is tallied with the exception's id and
 * does not count, like a monitor rule's.
 *
 * Where the time goes (dlp.h, struct dlp_stage_times): a stage clock
 * runs while dlp_scan_feed() and dlp_scan_finish() run. Each piece of work
 * says which stage it is (stage_push()/stage_pop() around it; the previous
 * stage is kept on the C stack, so stages nest as calls do) and the time
 * since the last switch goes to the stage that was running: detection on
 * a member's text, called from inside an extractor, is charged to detect
 * and the extractor is charged only for its own work. Reading the clock
 * (mono_ns(), CLOCK_MONOTONIC: a vDSO call of 20-40 ns) happens only when the
 * stage changes.
 *
 * Thread-safety: a scan belongs to one thread; it only reads the engine
 * (and borrows one of its libmagic cookies).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <nettle/sha2.h>

#include "buf.h"
#include "charset.h"
#include "cms.h"
#include "engine.h"
#include "extract.h"
#include "html.h"
#include "mime.h"
#include "monoclock.h"
#include "msghead.h"
#include "normalize.h"
#include "policy.h"
#include "report.h"
#include "tally.h"

#define MAX_SUBJECT   4096
#define MAX_PATH_LEN  1024
#define MAX_LABEL_LEN 128
#define MAX_LOCATIONS 100000 /* per node; later ones are not recorded */
#define MAX_NEST      8	     /* messages in signed data, in zips, ... */
#define TEXT_GROWTH   4	     /* text kept per node: part limit * this */
#define MAX_NAME_NORM 4096   /* bytes of a normalised file name scanned */

#define LABEL_CHUNK 16384 /* bytes of labels held in one allocation */

/* Where a location starts in a node's normalised text. */
struct location {
	size_t off;
	char *label; /* in the node's label chunks */
};

/*
 * Labels, one after another in chunks small enough to come from the
 * heap that earlier scans warmed (one large growing buffer was fresh
 * pages, and page faults, on every scan).
 */
struct label_chunk {
	struct label_chunk *next;
	size_t used;
	char data[LABEL_CHUNK];
};

/* The text of a node that is open (not done yet). */
struct open_node {
	long id;
	struct buf norm; /* normalised text, as a reader sees it */
	struct buf raw;	 /* HTML only: the markup, normalised, scanned too */
	struct location *locs;
	size_t n_locs, cap_locs;
	/* the labels one after another, not one allocation each: a sheet
	   has one per cell; the newest chunk first */
	struct label_chunk *labels;
	bool cut; /* the text budget cut it */
};

struct dlp_scan {
	struct dlp_engine *engine;
	const struct dlp_config *cfg;
	const struct dlp_limits *lim;
	char *sender;
	char **rcpts;
	size_t n_rcpts;
	char *client_addr;
	/* the config's exceptions for this sender and time */
	const struct dlp_exception **excs;
	size_t n_excs;
	bool needed;
	bool allowed; /* not needed thanks to an allow entry with skip */
	size_t fed;   /* raw bytes of the message */
	struct msghead *head;
	unsigned flags;
	int rc;		   /* worst of DLP_OK, DLP_PARTIAL, DLP_EFATAL so far */
	uint64_t start_ns; /* mono_ns() at dlp_scan_new() */
	/* the stage clock: running inside feed and finish only */
	bool clock_on;
	enum dlp_stage stage; /* the stage being charged */
	uint64_t stage_t0;    /* when it last changed (ns) */

	struct mime_parser *mime;
	struct mime_handler handler;
	unsigned skip;	  /* >0 inside an encrypted container */
	struct buf part;  /* the current leaf's decoded bytes */
	size_t part_seen; /* bytes of the leaf, also those not kept */
	struct sha256_ctx part_hash; /* of all of them */
	struct buf subject;
	unsigned nest; /* nested parses (signed data, attached mail) */

	struct extract *x;
	struct extract_sink sink;
	void *magic;
	struct open_node *open;
	size_t n_open, cap_open;

	struct tally *tally;
	struct policy_labels labels; /* classification labels per node */
	long cur_node; /* the node being detected on, and its locations */
	const struct open_node *cur_text;
	const char *cur_loc; /* when set, the location of every hit */

	bool finished;
	char *lost; /* dlp_scan_lost(): why the content was never read */
	struct dlp_report report;
};

static void
fail(struct dlp_scan *s, int rc)
{
	if (rc > s->rc)
		s->rc = rc;
}

static uint64_t
elapsed_ms(const struct dlp_scan *s)
{
	return (mono_ns() - s->start_ns) / 1000000u;
}

/* The stage clock */

/* Charge the time since the last switch to the running stage. */
static void
stage_charge(struct dlp_scan *s)
{
	uint64_t now = mono_ns();

	if (now > s->stage_t0)
		s->report.stages.ns[s->stage] += now - s->stage_t0;
	s->stage_t0 = now;
}

/* Start the clock in stage st (entry of feed and finish). */
static void
stage_start(struct dlp_scan *s, enum dlp_stage st)
{
	s->clock_on = true;
	s->stage = st;
	s->stage_t0 = mono_ns();
}

static void
stage_stop(struct dlp_scan *s)
{
	if (s->clock_on)
		stage_charge(s);
	s->clock_on = false;
}

/*
 * stage_push: from now on, time is st's; returns the stage to give back
 * to stage_pop() when that work is done.
 */
static enum dlp_stage
stage_push(struct dlp_scan *s, enum dlp_stage st)
{
	enum dlp_stage prev = s->stage;

	if (st != prev) {
		if (s->clock_on)
			stage_charge(s);
		s->stage = st;
	}
	return prev;
}

static void
stage_pop(struct dlp_scan *s, enum dlp_stage prev)
{
	stage_push(s, prev);
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

static struct dlp_node *
node_at(struct dlp_scan *s, long id)
{
	return &s->report.nodes[id];
}

/* The lower-case hex of a SHA-256 digest into out (65 bytes). */
static void
hex_digest(const uint8_t d[SHA256_DIGEST_SIZE], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[64] = '\0';
}

/* Detection */

/* The location in effect at offset off of the current node's text. */
static const char *
location_at(const struct open_node *t, size_t off)
{
	size_t lo = 0, hi;

	if (t == NULL || t->n_locs == 0 || t->locs[0].off > off)
		return NULL;
	hi = t->n_locs;
	while (hi - lo > 1) { /* the last location starting at or before */
		size_t mid = lo + (hi - lo) / 2;

		if (t->locs[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return t->locs[lo].label;
}

static void
hit_add(struct dlp_scan *s, const struct detect_match *m, const char *loc)
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
	h->path = xstrdup(s, node_at(s, s->cur_node)->path);
	h->location = xstrdup(s, loc);
	h->masked = xstrdup(s, m->masked);
	h->window = xstrdup(s, m->window);
	h->validator = xstrdup(s, m->validator);
	h->validator_ok = m->validator_ok;
	h->context_seen = xstrdup(s, m->context_seen ? m->context_seen : "");
	h->negative_seen = xstrdup(s, m->negative_seen ? m->negative_seen : "");
	h->confidence = m->confidence;
	h->why = xstrdup(s, m->why);
}

/* The id of the first exception covering m, or NULL. */
static const char *
exception_for(const struct dlp_scan *s, const struct detect_match *m)
{
	size_t i;

	for (i = 0; i < s->n_excs; i++)
		if (policy_exception_covers(s->excs[i], m->rule_id, m->kind))
			return s->excs[i]->id;
	return NULL;
}

static int
on_match(void *arg, const struct detect_match *m)
{
	struct dlp_scan *s = arg;
	const char *loc =
	    s->cur_loc ? s->cur_loc : location_at(s->cur_text, m->offset);
	const char *exc;

	if (s->flags & DLP_SCAN_EXPLAIN)
		hit_add(s, m, loc);
	if (m->confidence > DLP_CONF_NONE) {
		exc = exception_for(s, m);
		switch (tally_add(s->tally, m, (size_t)s->cur_node, loc, exc)) {
		case 0:
			break;
		case 1: /* enough to decide; counting stops */
			s->report.partial = true;
			fail(s, DLP_PARTIAL);
			break;
		default:
			fail(s, DLP_EFATAL);
		}
		if (!m->monitor && exc == NULL &&
		    strcmp(m->kind, POLICY_LABEL_KIND) == 0 &&
		    policy_labels_add(&s->labels, (size_t)s->cur_node, m->value,
			strlen(m->value)) < 0)
			fail(s, DLP_EFATAL);
	}
	return s->rc == DLP_EFATAL;
}

/* Nodes */

/* A new node named path; -1 when memory ran out. */
static long
node_add(struct dlp_scan *s, char *path, const char *type, size_t size)
{
	struct dlp_node *n;

	if (path == NULL || (n = report_add_node(&s->report)) == NULL) {
		free(path);
		fail(s, DLP_EFATAL);
		return -1;
	}
	n->path = path;
	n->type = xstrdup(s, type);
	n->size = size;
	return (long)s->report.n_nodes - 1;
}

/* "a" + "/" + "b", bounded by MAX_PATH_LEN (cut at a character). */
static char *
path_join(const char *a, const char *sep, const char *b)
{
	struct buf p;

	buf_init(&p, MAX_PATH_LEN);
	(void)buf_append_trunc(&p, a, strlen(a));
	if (b != NULL && b[0] != '\0') {
		(void)buf_append_trunc(&p, sep, strlen(sep));
		(void)buf_append_trunc(&p, b, strlen(b));
	}
	/* never end inside a UTF-8 sequence */
	while (p.len > 0 && (p.data[p.len - 1] & 0xc0) == 0x80 &&
	    p.len == MAX_PATH_LEN)
		p.len--;
	if (p.len > 0 && p.len == MAX_PATH_LEN && p.data[p.len - 1] >= 0xc0)
		p.len--;
	if (p.data == NULL && buf_putc(&p, '\0') == BUF_OK)
		p.len = 0;
	if (p.data != NULL)
		p.data[p.len] = '\0';
	return buf_steal(&p, NULL);
}

static void scan_name(struct dlp_scan *s, long id, const char *name);

/*
 * A MIME part's node: "2" + "名簿.txt" -> "2/名簿.txt". The parser names
 * the root of a multipart message "" (a container, a node only when
 * encrypted): it is "message" here.
 */
static long
mime_node(struct dlp_scan *s, const struct mime_part_info *pi, size_t size)
{
	const char *sect = pi->path[0] != '\0' ? pi->path : "message";
	long id;

	id = node_add(s, path_join(sect, "/", pi->filename),
	    pi->content_type ? pi->content_type : "text/plain", size);
	if (id >= 0) {
		node_at(s, id)->declared_type = xstrdup(s, pi->content_type);
		node_at(s, id)->filename = xstrdup(s, pi->filename);
		node_at(s, id)->charset = xstrdup(s, pi->charset);
		node_at(s, id)->defects = pi->defects;
		scan_name(s, id, pi->filename);
	}
	return id;
}

/*
 * Mark a node. An encryption method the policy does not accept is no
 * protection in the organisation's eyes: such a node is not-inspectable
 * (unapproved-encryption), with its method kept for the report.
 */
static void
node_mark(struct dlp_scan *s, long id, enum dlp_encryption enc,
    const char *detail, bool weak)
{
	struct dlp_node *n = node_at(s, id);

	if (enc == DLP_ENC_ENCRYPTED) {
		free(n->method);
		n->method = xstrdup(s, detail);
		n->weak = weak;
		if (!config_encryption_accepted(s->cfg, detail)) {
			enc = DLP_ENC_NOT_INSPECTABLE;
			detail = "unapproved-encryption";
		}
	}
	if (enc == DLP_ENC_NOT_INSPECTABLE &&
	    strncmp(detail, "limit:", 6) == 0) {
		s->report.partial = true;
		fail(s, DLP_PARTIAL);
	}
	/* a node that could not be read stays so, with its first reason
	   (the most specific one: "corrupt" after an extractor's own mark
	   would hide it) */
	if (n->encryption == DLP_ENC_NOT_INSPECTABLE)
		return;
	n->encryption = enc;
	if (enc == DLP_ENC_NOT_INSPECTABLE) {
		n->reason = xstrdup(s, detail);
	} else if (enc == DLP_ENC_PLAIN && detail != NULL) {
		free(n->method);
		n->method = xstrdup(s, detail);
	}
}

/* Text of open nodes */

static struct open_node *
open_get(struct dlp_scan *s, long id)
{
	size_t max = s->lim->max_part_bytes * TEXT_GROWTH + 64, i;
	struct open_node *o;

	for (i = s->n_open; i-- > 0;)
		if (s->open[i].id == id)
			return &s->open[i];
	if (s->n_open == s->cap_open) {
		size_t ncap = s->cap_open ? s->cap_open * 2 : 8;
		void *p = realloc(s->open, ncap * sizeof(*s->open));

		if (p == NULL) {
			fail(s, DLP_EFATAL);
			return NULL;
		}
		s->open = p;
		s->cap_open = ncap;
	}
	o = &s->open[s->n_open++];
	memset(o, 0, sizeof(*o));
	o->id = id;
	buf_init(&o->norm, max);
	buf_init(&o->raw, max);
	return o;
}

static void
open_clear(struct open_node *o)
{
	buf_free(&o->norm);
	buf_free(&o->raw);
	struct label_chunk *c, *next;

	for (c = o->labels; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(o->locs);
}

/* Normalise UTF-8 into b (the caller runs the stage clock); false when b
   is full. */
static bool
norm_append(struct dlp_scan *s, struct buf *b, const void *utf8, size_t len)
{
	int rc = normalize_text(utf8, len, b);

	s->report.stages.bytes[DLP_STAGE_NORMALIZE] += len;
	if (rc == BUF_ENOMEM)
		fail(s, DLP_EFATAL);
	return rc == BUF_OK;
}

/* norm_append() on the normalisation stage's clock. */
static bool
norm_into(struct dlp_scan *s, struct buf *b, const void *utf8, size_t len)
{
	enum dlp_stage prev = stage_push(s, DLP_STAGE_NORMALIZE);
	bool ok = norm_append(s, b, utf8, len);

	stage_pop(s, prev);
	return ok;
}

/*
 * Append text in charset (NULL: guess) to node id: converted, HTML
 * rendered, normalised at once. XML formats pass UTF-8 in many small
 * pieces, so UTF-8 skips the conversion step.
 */
#define TEXT_TRUSTED_UTF8 0x100u /* from an XML extractor: no checks */

static int
node_text(struct dlp_scan *s, long id, const char *charset, const void *data,
    size_t len, unsigned flags)
{
	struct open_node *o = open_get(s, id);
	bool html = (flags & EXTRACT_TEXT_HTML) != 0;
	struct buf utf8, plain;
	const unsigned char *text;
	size_t tlen, skip;
	int rc;

	if (o == NULL)
		return -1;
	if (o->cut)
		return -1;
	if (!html && (flags & TEXT_TRUSTED_UTF8)) {
		o->cut = !norm_into(s, &o->norm, data, len);
		return o->cut ? -1 : 0;
	}
	buf_init(&utf8, o->norm.max);
	buf_init(&plain, o->norm.max);
	/* well-formed UTF-8 that fits is read where it is: charset_to_utf8()
	   would only copy it */
	if (charset_utf8_as_is(charset, data, len, &skip) &&
	    len - skip <= utf8.max) {
		text = (const unsigned char *)data + skip;
		tlen = len - skip;
	} else {
		rc = charset_to_utf8(charset, data, len, &utf8);
		if (rc == CHARSET_ENOMEM)
			fail(s, DLP_EFATAL);
		o->cut |= rc == CHARSET_EFULL;
		text = utf8.data;
		tlen = utf8.len;
	}
	if (html) {
		enum dlp_stage prev = stage_push(s, DLP_STAGE_EXTRACT);

		rc = html_to_text((const char *)text, tlen, &plain);
		stage_pop(s, prev);
		s->report.stages.bytes[DLP_STAGE_EXTRACT] += tlen;
		if (rc == BUF_ENOMEM)
			fail(s, DLP_EFATAL);
		o->cut |= rc == BUF_EFULL;
		o->cut |= !norm_into(s, &o->norm, plain.data, plain.len);
		/* data hidden in comments, scripts or attributes is sent
		   all the same: the markup is scanned too */
		o->cut |= !norm_into(s, &o->raw, text, tlen);
	} else {
		o->cut |= !norm_into(s, &o->norm, text, tlen);
	}
	buf_free(&utf8);
	buf_free(&plain);
	return o->cut ? -1 : 0;
}

/*
 * A copy of label (at most MAX_LABEL_LEN bytes of it) among o's labels;
 * NULL on ENOMEM.
 */
static char *
label_add(struct open_node *o, const char *label)
{
	size_t n = strnlen(label, MAX_LABEL_LEN);
	struct label_chunk *c = o->labels;
	char *p;

	if (c == NULL || LABEL_CHUNK - c->used < n + 1) {
		if ((c = malloc(sizeof(*c))) == NULL)
			return NULL;
		c->used = 0;
		c->next = o->labels;
		o->labels = c;
	}
	p = c->data + c->used;
	memcpy(p, label, n);
	p[n] = '\0';
	c->used += n + 1;
	return p;
}

static void
node_locate(struct dlp_scan *s, long id, const char *label)
{
	struct open_node *o = open_get(s, id);
	struct location *l;

	if (o == NULL || o->n_locs > MAX_LOCATIONS)
		return;
	/* past the cap, say that the place is not known rather than let
	   the last recorded one be blamed */
	if (o->n_locs == MAX_LOCATIONS)
		label = "(not recorded)";
	/* a later location at the same offset replaces the earlier one,
	   whose label is the last one held: it is written over */
	if (o->n_locs > 0 && o->locs[o->n_locs - 1].off == o->norm.len) {
		size_t keep = o->labels->used;
		char *p;

		l = &o->locs[o->n_locs - 1];
		o->labels->used = (size_t)(l->label - o->labels->data);
		if ((p = label_add(o, label)) == NULL) {
			o->labels->used = keep; /* the old one stays */
			fail(s, DLP_EFATAL);
			return;
		}
		l->label = p;
		return;
	}
	if (o->n_locs == o->cap_locs) {
		size_t ncap = o->cap_locs ? o->cap_locs * 2 : 16;

		if ((l = realloc(o->locs, ncap * sizeof(*l))) == NULL) {
			fail(s, DLP_EFATAL);
			return;
		}
		o->locs = l;
		o->cap_locs = ncap;
	}
	o->locs[o->n_locs].off = o->norm.len;
	if ((o->locs[o->n_locs].label = label_add(o, label)) == NULL) {
		fail(s, DLP_EFATAL);
		return;
	}
	o->n_locs++;
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

static void
detect_into(struct dlp_scan *s, long id, const struct open_node *o,
    const struct buf *text)
{
	enum dlp_stage prev = stage_push(s, DLP_STAGE_DETECT);
	int rc;

	s->cur_node = id;
	s->cur_text = o;
	rc = detect_text_flags(s->engine->rules, buf_cstr(text), text->len,
	    s->lim,
	    (s->flags & DLP_SCAN_EXPLAIN) != 0 ? DETECT_DROPPED | DETECT_EXPLAIN
					       : 0,
	    on_match, s);
	s->cur_text = NULL;
	stage_pop(s, prev);
	s->report.stages.bytes[DLP_STAGE_DETECT] += text->len;
	if (rc == DLP_EFATAL)
		fail(s, DLP_EFATAL);
	else if (rc == DLP_PARTIAL && s->rc != DLP_EFATAL)
		node_mark(s, id, DLP_ENC_NOT_INSPECTABLE, "limit:match", false);
}

/* Run the rules over a node's file name; hits are at location "name". */
static void
scan_name(struct dlp_scan *s, long id, const char *name)
{
	struct buf norm;

	if (id < 0 || name == NULL || name[0] == '\0' || s->rc == DLP_EFATAL)
		return;
	buf_init(&norm, MAX_NAME_NORM);
	(void)norm_into(s, &norm, name, strlen(name)); /* full: what fits */
	if (s->rc != DLP_EFATAL && norm.len > 0) {
		s->cur_loc = "name";
		detect_into(s, id, NULL, &norm);
		s->cur_loc = NULL;
	}
	buf_free(&norm);
}

/* The node is complete: run the rules over its text, then drop it. */
static void
node_done(struct dlp_scan *s, long id)
{
	struct open_node *o = NULL, tmp;
	struct dlp_node *n;
	size_t i;

	for (i = s->n_open; i-- > 0;)
		if (s->open[i].id == id) {
			o = &s->open[i];
			break;
		}
	if (o == NULL)
		return; /* no text: nothing to run */
	tmp = *o;	/* o moves when the array does: work on a copy */
	s->open[i] = s->open[--s->n_open];
	if (blank_pgp_armor(&tmp.norm))
		node_mark(s, id, DLP_ENC_ENCRYPTED, "pgp-inline", false);
	if (s->rc != DLP_EFATAL)
		detect_into(s, id, &tmp, &tmp.norm);
	if (s->rc != DLP_EFATAL && tmp.raw.len > 0)
		detect_into(s, id, NULL, &tmp.raw);
	if (tmp.cut)
		node_mark(s, id, DLP_ENC_NOT_INSPECTABLE, "limit:size", false);
	n = node_at(s, id);
	if ((s->flags & DLP_SCAN_KEEP_TEXT) && n->text == NULL) {
		n->text_len = tmp.norm.len;
		if ((n->text = buf_steal(&tmp.norm, NULL)) == NULL &&
		    (n->text = strdup("")) == NULL)
			fail(s, DLP_EFATAL);
	}
	open_clear(&tmp);
}

/* Messages inside: S/MIME signed content, attached .eml files */

static void on_header(void *arg, const struct mime_part_info *pi,
    const char *name, const char *value);
static void on_begin(void *arg, const struct mime_part_info *pi);
static void on_data(
    void *arg, const struct mime_part_info *pi, const void *data, size_t len);
static void on_end(void *arg, const struct mime_part_info *pi);

/*
 * A MIME entity found inside another part is parsed by a parser of its
 * own; its events are passed on with paths under the outer node's
 * (section "1" inside S/MIME part 2 becomes "2.1"; inside the file node
 * "2/a.zip/m.eml" it becomes "2/a.zip/m.eml/1") and depths below it, so
 * the report reads as one tree. The outer leaf's bytes are not needed
 * any more by then: the inner parser may reuse the scan's part buffer.
 */
struct nested {
	struct dlp_scan *s;
	const char *prefix;
	const char *sep;
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
		snprintf(nt->path, sizeof(nt->path), "%s%s%s", nt->prefix,
		    nt->sep, pi->path);
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

/* Parse data as a message beneath node id (false: too deep, marked). */
static bool
parse_nested(struct dlp_scan *s, long id, const char *prefix, const char *sep,
    unsigned depth, const void *data, size_t len)
{
	static const struct mime_handler h = { nested_header, nested_begin,
		nested_data, nested_end };
	struct nested nt = {
		.s = s, .prefix = prefix, .sep = sep, .depth = depth
	};
	struct mime_parser *p;
	enum dlp_stage prev;
	char *copy;

	if (s->nest >= MAX_NEST) {
		node_mark(s, id, DLP_ENC_NOT_INSPECTABLE, "limit:depth", false);
		return false;
	}
	/* prefix may point into the report's nodes, which may move */
	if ((copy = strdup(prefix)) == NULL) {
		fail(s, DLP_EFATAL);
		return false;
	}
	nt.prefix = copy;
	s->nest++;
	prev = stage_push(s, DLP_STAGE_MIME);
	s->report.stages.bytes[DLP_STAGE_MIME] += len;
	if ((p = mime_new(s->lim, &h, &nt)) == NULL ||
	    mime_feed(p, data, len) < 0 || mime_finish(p) < 0)
		fail(s, DLP_EFATAL);
	mime_free(p);
	stage_pop(s, prev);
	s->nest--;
	free(copy);
	return true;
}

/*
 * S/MIME opaque-signed data is not protection: its entity is in clear
 * inside the CMS structure. Take it out and scan it like any part.
 */
static void
scan_signed(struct dlp_scan *s, long id, const struct mime_part_info *pi)
{
	struct buf inner;
	int rc;

	buf_init(&inner, s->lim->max_part_bytes);
	rc = cms_signed_content(s->part.data, s->part.len, &inner);
	if (rc == BUF_ENOMEM)
		fail(s, DLP_EFATAL);
	else if (rc == -1)
		node_mark(s, id, DLP_ENC_NOT_INSPECTABLE, "corrupt", false);
	else if (rc == BUF_EFULL)
		node_mark(s, id, DLP_ENC_NOT_INSPECTABLE, "limit:size", false);
	/* rc == -2: a detached signature, nothing inside */
	if (rc == 0 || rc == BUF_EFULL)
		parse_nested(s, id, pi->path[0] ? pi->path : "1", ".",
		    pi->depth + 1, inner.data, inner.len);
	buf_free(&inner);
}

/* The extraction sink */

static long
sink_node_new(void *arg, long parent, const char *name, size_t size)
{
	struct dlp_scan *s = arg;
	long id;

	id = node_add(s, path_join(node_at(s, parent)->path, "/", name),
	    "application/octet-stream", size);
	scan_name(s, id, name);
	return id;
}

static void
sink_node_type(void *arg, long id, const char *type)
{
	struct dlp_scan *s = arg;
	struct dlp_node *n = node_at(s, id);

	free(n->type);
	n->type = xstrdup(s, type);
}

static void
sink_node_mark(
    void *arg, long id, enum dlp_encryption enc, const char *detail, bool weak)
{
	node_mark(arg, id, enc, detail, weak);
}

static int
sink_node_text(void *arg, long id, const char *charset, const void *data,
    size_t len, unsigned flags)
{
	/* what an extractor calls UTF-8 (XML) is UTF-8; a declared charset
	   of a MIME part may lie and goes through charset_to_utf8() */
	if (charset != NULL && strcasecmp(charset, "utf-8") == 0)
		flags |= TEXT_TRUSTED_UTF8;
	return node_text(arg, id, charset, data, len, flags);
}

static void
sink_node_locate(void *arg, long id, const char *label)
{
	node_locate(arg, id, label);
}

/*
 * What sink_node_text() and sink_node_locate() would do, mark by mark
 * (extract.h), with one lookup of the node and one switch of the stage
 * clock: the text between two marks is normalised by itself, as it was
 * when each came in its own call, so the result is the same.
 */
static int
sink_node_text_marked(void *arg, long id, const void *data, size_t len,
    const struct extract_mark *marks, size_t n)
{
	struct dlp_scan *s = arg;
	struct open_node *o = open_get(s, id);
	const unsigned char *p = data;
	enum dlp_stage prev;
	size_t i, at = 0, end;
	int rc = 0;

	if (o == NULL)
		return -1;
	prev = stage_push(s, DLP_STAGE_NORMALIZE);
	for (i = 0; i <= n && rc == 0; i++) {
		end = i < n ? marks[i].off : len;
		if (end > at) {
			if (o->cut) {
				rc = -1;
				break;
			}
			o->cut = !norm_append(s, &o->norm, p + at, end - at);
			rc = o->cut ? -1 : 0;
			at = end;
		}
		if (rc == 0 && i < n)
			node_locate(s, id, marks[i].label);
	}
	stage_pop(s, prev);
	return rc;
}

static void
sink_node_message(void *arg, long id, const void *data, size_t len)
{
	struct dlp_scan *s = arg;

	parse_nested(s, id, node_at(s, id)->path, "/", s->nest + 1, data, len);
}

static void
sink_node_done(void *arg, long id)
{
	node_done(arg, id);
}

static void
sink_node_bytes(void *arg, long id, const void *data, size_t len)
{
	struct dlp_scan *s = arg;
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof(d), d);
	hex_digest(d, node_at(s, id)->sha256);
}

/* MIME leaves */

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

/*
 * Text the MIME headers declare is read as such, with its charset, unless
 * its bytes are a document or container (an .xlsx sent as text/plain):
 * then it is identified by content like any attachment.
 */
static bool
declared_text(const struct mime_part_info *pi, const struct buf *b)
{
	if (pi->content_type != NULL &&
	    strncasecmp(pi->content_type, "text/", 5) != 0 &&
	    strncasecmp(pi->content_type, "message/", 8) != 0)
		return false;
	return extract_signature(b->data, b->len) == NULL;
}

static void
leaf_end(struct dlp_scan *s, const struct mime_part_info *pi)
{
	const char *method, *why;
	enum dlp_stage prev;
	long id;

	if ((id = mime_node(s, pi, s->part_seen)) < 0)
		return;
	/* a part past max_parts has no bytes of its own */
	if (!(pi->defects & MIME_D_LIMIT_PARTS)) {
		uint8_t d[SHA256_DIGEST_SIZE];

		sha256_digest(&s->part_hash, sizeof(d), d);
		hex_digest(d, node_at(s, id)->sha256);
	}
	if ((why = limit_reason(pi->defects)) != NULL) {
		node_mark(s, id, DLP_ENC_NOT_INSPECTABLE, why, false);
		/* a part past max_parts has no data; one past max_depth
		   comes decoded but unparsed: whatever of it can be read is
		   still scanned below */
		if (pi->defects & MIME_D_LIMIT_PARTS)
			return;
	}
	if (s->part_seen > s->part.len)
		node_mark(s, id, DLP_ENC_NOT_INSPECTABLE, "limit:size", false);
	if (elapsed_ms(s) > s->lim->max_scan_ms) {
		node_mark(s, id, DLP_ENC_NOT_INSPECTABLE, "limit:time", false);
		return;
	}
	if (is_pkcs7_mime(pi)) {
		method = smime_kind(pi, &s->part);
		if (method == NULL)
			node_mark(s, id, DLP_ENC_NOT_INSPECTABLE,
			    "unknown-pkcs7", false);
		else if (method[0] != '\0')
			node_mark(s, id, DLP_ENC_ENCRYPTED, method, false);
		else
			scan_signed(s, id, pi);
		return;
	}
	if (type_is(pi, "application/pkcs7-signature") ||
	    type_is(pi, "application/x-pkcs7-signature") ||
	    type_is(pi, "application/pgp-signature") ||
	    type_is(pi, "application/pgp-encrypted"))
		return; /* signatures and control parts: no content */
	if (declared_text(pi, &s->part)) {
		node_text(s, id, pi->charset, s->part.data, s->part.len,
		    type_is(pi, "text/html") ? EXTRACT_TEXT_HTML : 0);
		node_done(s, id);
		return;
	}
	prev = stage_push(s, DLP_STAGE_EXTRACT);
	s->report.stages.bytes[DLP_STAGE_EXTRACT] += s->part.len;
	if (extract_node(s->x, id, 0, pi->content_type, pi->filename,
		s->part.data, s->part.len) == DLP_EFATAL)
		fail(s, DLP_EFATAL);
	stage_pop(s, prev);
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
	const char *method;
	long id;

	if (s->skip > 0) {
		s->skip++;
		return;
	}
	if (pi->is_container && type_is(pi, "multipart/encrypted")) {
		if ((id = mime_node(s, pi, 0)) < 0)
			return;
		if (pi->protocol != NULL &&
		    strcasecmp(pi->protocol, "application/pgp-encrypted") == 0)
			method = "pgp-mime";
		else if (pi->protocol != NULL &&
		    strstr(pi->protocol, "pkcs7") != NULL)
			method = "smime-enveloped";
		else
			method = "unknown";
		node_mark(s, id, DLP_ENC_ENCRYPTED, method, false);
		s->skip = 1;
		return;
	}
	buf_reset(&s->part);
	s->part_seen = 0;
	sha256_init(&s->part_hash);
}

static void
on_data(
    void *arg, const struct mime_part_info *pi, const void *data, size_t len)
{
	struct dlp_scan *s = arg;

	if (s->skip > 0)
		return;
	s->part_seen += len;
	sha256_update(&s->part_hash, len, data);
	if (buf_append_trunc(&s->part, data, len) < 0)
		fail(s, DLP_EFATAL);
}

static void
on_end(void *arg, const struct mime_part_info *pi)
{
	struct dlp_scan *s = arg;
	long id;

	if (s->skip > 0) {
		s->skip--;
		return;
	}
	if (!pi->is_container) {
		leaf_end(s, pi);
	} else if (pi->defects & MIME_D_LIMIT_HEADERS) {
		if ((id = mime_node(s, pi, 0)) >= 0)
			node_mark(s, id, DLP_ENC_NOT_INSPECTABLE,
			    "limit:headers", false);
	}
	buf_reset(&s->part);
	s->part_seen = 0;
}

/* The scan */

/* The config's exceptions for the sender at now (0: the current time). */
static int
exceptions_for(struct dlp_scan *s, long long now)
{
	const struct dlp_policy *p = &s->cfg->policy;
	size_t i;

	if (p->n_exceptions == 0 || s->sender == NULL)
		return 0;
	if (now == 0)
		now = (long long)time(NULL);
	if ((s->excs = calloc(p->n_exceptions, sizeof(*s->excs))) == NULL)
		return -1;
	for (i = 0; i < p->n_exceptions; i++)
		if (policy_exception_applies(&p->exceptions[i], s->sender, now))
			s->excs[s->n_excs++] = &p->exceptions[i];
	return 0;
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
	s->cfg = cfg;
	s->lim = &cfg->limits;
	s->start_ns = mono_ns();
	buf_init(&s->part, s->lim->max_part_bytes);
	buf_init(&s->subject, MAX_SUBJECT);
	s->handler.header = on_header;
	s->handler.part_begin = on_begin;
	s->handler.part_data = on_data;
	s->handler.part_end = on_end;
	s->sink = (struct extract_sink){ s, sink_node_new, sink_node_type,
		sink_node_mark, sink_node_text, sink_node_locate,
		sink_node_message, sink_node_done, sink_node_bytes,
		sink_node_text_marked };
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
	if (env != NULL && env->client_addr != NULL &&
	    (s->client_addr = strdup(env->client_addr)) == NULL)
		goto fail;
	/* outbound only: scan unless every recipient is internal (or at a
	   partner whose mail is not scanned) */
	s->needed = policy_scan_needed(
	    cfg, (const char *const *)s->rcpts, s->n_rcpts, &s->allowed);
	if (!s->needed)
		return s;
	if (exceptions_for(s, env != NULL ? env->now : 0) < 0)
		goto fail;
	/* the extractor (and its libmagic handle, from the engine's pool
	   behind a lock) comes with the first byte: see extract_open() */
	if ((s->mime = mime_new(s->lim, &s->handler, s)) == NULL ||
	    (s->tally = tally_new(s->lim->max_hits)) == NULL ||
	    (s->head = msghead_new(s->lim->max_header_block_bytes)) == NULL)
		goto fail;
	tally_set_secret(s->tally, cfg->secret, cfg->secret_len);
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

/*
 * extract_open: the extractor, made when the message's content first
 * needs it. A scan that is never fed (the daemon's own, whose message a
 * worker process scans) never takes a libmagic handle: the engine's
 * pool of them is behind a lock that a fork must not find held.
 */
static int
extract_open(struct dlp_scan *s)
{
	if (s->x != NULL)
		return 0;
	if ((s->magic = engine_magic_get(s->engine)) == NULL ||
	    (s->x = extract_new(s->lim, &s->sink, s->magic)) == NULL)
		return -1;
	return 0;
}

int
dlp_scan_feed(struct dlp_scan *s, const void *data, size_t len)
{
	if (s->finished || s->rc == DLP_EFATAL || s->lost != NULL)
		return s->rc == DLP_EFATAL ? DLP_EFATAL : DLP_EINPUT;
	s->fed += len;
	if (!s->needed)
		return DLP_OK;
	/* the first feed takes a libmagic handle (the first in the
	   process loads its database): other, not mime */
	stage_start(s, DLP_STAGE_OTHER);
	if (extract_open(s) < 0)
		fail(s, DLP_EFATAL);
	(void)stage_push(s, DLP_STAGE_MIME);
	s->report.stages.bytes[DLP_STAGE_MIME] += len;
	if (s->rc != DLP_EFATAL &&
	    (msghead_feed(s->head, data, len) < 0 ||
		mime_feed(s->mime, data, len) < 0))
		fail(s, DLP_EFATAL);
	stage_stop(s);
	return s->rc;
}

static void
scan_subject(struct dlp_scan *s)
{
	long id;

	if (s->subject.len == 0)
		return;
	if ((id = node_add(
		 s, xstrdup(s, "subject"), "text/plain", s->subject.len)) < 0)
		return;
	node_text(s, id, "utf-8", s->subject.data, s->subject.len, 0);
	node_done(s, id);
	s->report.subject = xstrdup(s, buf_cstr(&s->subject));
}

/* The exceptions that covered a finding, once each, into r. */
static int
report_exceptions(struct dlp_report *r)
{
	size_t i, j;

	for (i = 0; i < r->n_findings; i++) {
		const char *id = r->findings[i].exception;
		char **v;

		if (id == NULL)
			continue;
		for (j = 0; j < r->n_exceptions; j++)
			if (strcmp(r->exceptions[j], id) == 0)
				break;
		if (j < r->n_exceptions)
			continue;
		v = realloc(r->exceptions, (r->n_exceptions + 1) * sizeof(*v));
		if (v == NULL)
			return -1;
		r->exceptions = v;
		if ((v[r->n_exceptions] = strdup(id)) == NULL)
			return -1;
		r->n_exceptions++;
	}
	return 0;
}

int
dlp_scan_lost(struct dlp_scan *s, size_t size, const char *reason)
{
	if (s->finished || s->fed > 0 || s->lost != NULL)
		return DLP_EINPUT;
	if ((s->lost = strdup(reason)) == NULL) {
		fail(s, DLP_EFATAL);
		return DLP_EFATAL;
	}
	s->fed = size;
	return DLP_OK;
}

/*
 * lost_finish: the report of a message whose content was never read:
 * one node for all of it, not inspectable for the reason given, so that
 * the policy (not_inspectable) decides as for an unreadable part.
 */
static void
lost_finish(struct dlp_scan *s)
{
	long id;

	if ((id = node_add(
		 s, xstrdup(s, "message"), "message/rfc822", s->fed)) < 0)
		return;
	node_mark(s, id, DLP_ENC_NOT_INSPECTABLE, s->lost, false);
}

int
dlp_scan_finish(struct dlp_scan *s)
{
	const struct dlp_config *cfg = s->cfg;
	struct dlp_report *r = &s->report;
	struct policy_count *pc = NULL;
	struct policy_input in;
	enum dlp_stage prev;
	size_t n_pc = 0;

	if (s->finished)
		return s->rc;
	s->finished = true;
	stage_start(s, DLP_STAGE_OTHER);
	r->ruleset_version = ruleset_version(s->engine->rules);
	r->message_size = s->fed;
	if (!s->needed) {
		r->skipped = true;
		r->reasons = calloc(1, sizeof(char *));
		if (r->reasons != NULL &&
		    (r->reasons[0] = strdup(s->allowed
			     ? "all recipients internal or allowed "
			       "unscanned"
			     : "all recipients internal")) != NULL)
			r->n_reasons = 1;
		r->action = r->would_action = DLP_ACCEPT;
		goto out;
	}
	if (s->lost != NULL) {
		lost_finish(s);
		goto decide;
	}
	prev = stage_push(s, DLP_STAGE_MIME);
	if (s->rc != DLP_EFATAL &&
	    (extract_open(s) < 0 || mime_finish(s->mime) < 0))
		fail(s, DLP_EFATAL);
	r->defects = mime_defects(s->mime);
	if (s->rc != DLP_EFATAL &&
	    msghead_finish(s->head, cfg, &r->message_id, &r->visible_external) <
		0)
		fail(s, DLP_EFATAL);
	stage_pop(s, prev);
	if (s->rc != DLP_EFATAL)
		scan_subject(s);
	if (s->rc != DLP_EFATAL && tally_findings(s->tally, r) < 0)
		fail(s, DLP_EFATAL);
	if (s->rc != DLP_EFATAL && report_exceptions(r) < 0)
		fail(s, DLP_EFATAL);
	if (s->rc != DLP_EFATAL && tally_kinds(s->tally, &pc, &n_pc) < 0)
		fail(s, DLP_EFATAL);
decide:
	in = (struct policy_input){ s->sender, (const char *const *)s->rcpts,
		s->n_rcpts, s->client_addr, s->fed, r->visible_external };
	if (s->rc != DLP_EFATAL &&
	    policy_decide(cfg, pc, n_pc, &s->labels, &in, r) < 0)
		fail(s, DLP_EFATAL);
	free(pc);
	if (s->rc == DLP_EFATAL) {
		r->internal_error = true;
		r->action = r->would_action = cfg->policy.on_internal_error;
		r->why = DLP_WHY_INTERNAL_ERROR;
	}
out:
	stage_stop(s);
	r->stages.elapsed_ns = mono_ns() - s->start_ns;
	r->elapsed_ms = (unsigned)(r->stages.elapsed_ns / 1000000u);
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
	extract_free(s->x);
	engine_magic_put(s->engine, s->magic);
	for (i = 0; i < s->n_open; i++)
		open_clear(&s->open[i]);
	free(s->open);
	buf_free(&s->part);
	buf_free(&s->subject);
	tally_free(s->tally);
	policy_labels_clear(&s->labels);
	report_clear(&s->report);
	for (i = 0; i < s->n_rcpts; i++)
		free(s->rcpts[i]);
	free(s->rcpts);
	free(s->sender);
	free(s->client_addr);
	free(s->excs);
	free(s->lost);
	msghead_free(s->head);
	dlp_engine_unref(s->engine);
	free(s);
}
