/*
 * extract_util.h - a recording extraction sink for the extractors' unit
 * tests: every node an extractor makes, with its name, parent, type,
 * marks, text (converted to UTF-8 with the charset given, not normalised)
 * and locations, so tests can assert on exactly what came out.
 *
 * Usage:
 *	struct xrec r;
 *	xrec_init(&r, NULL);			// default limits, libmagic on
 *	int rc = xrec_run(&r, "roster.zip", data, len);	// node 0 = the file
 *	struct xnode *n = xrec_find(&r, "roster.zip/a.xlsx");	// by path
 *	assert_string_equal(n->type, "application/vnd...");
 *	assert_non_null(strstr(xrec_text(n), "123456789018"));
 *	assert_int_equal(n->enc, DLP_ENC_ENCRYPTED);
 *	xrec_free(&r);
 *
 * Paths are "name/child/grandchild" from node 0 (named as given to
 * xrec_run). Include it in one test file only (it defines functions).
 */
#ifndef DLP_EXTRACT_UTIL_H
#define DLP_EXTRACT_UTIL_H

#include <magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "config.h"
#include "extract.h"

#define XREC_MAX_NODES 20000
#define XREC_UNUSED    __attribute__((unused))

struct xloc {
	size_t off; /* in text */
	char label[128];
};

struct xnode {
	long parent;
	char path[1024];
	char type[256];
	enum dlp_encryption enc;
	char detail[128]; /* method or reason */
	bool weak;
	bool done;
	unsigned html_pieces;
	size_t size;
	struct buf text;
	struct xloc *locs;
	size_t n_locs;
	char *message; /* node_message data, NUL-terminated copy */
	size_t message_len;
};

struct xrec {
	struct dlp_limits lim;
	struct extract_sink sink;
	struct extract *x;
	magic_t magic;
	struct xnode *nodes;
	size_t n;
	unsigned done_calls;
};

static long
xrec_node_new(void *arg, long parent, const char *name, size_t size)
{
	struct xrec *r = arg;
	struct xnode *n;

	if (r->n >= XREC_MAX_NODES)
		return -1;
	n = &r->nodes[r->n];
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	if (parent >= 0) {
		size_t pl = strlen(r->nodes[parent].path);
		size_t nl = strlen(name);

		if (pl + 1 + nl >= sizeof(n->path))
			return -1;
		memcpy(n->path, r->nodes[parent].path, pl);
		n->path[pl] = '/';
		memcpy(n->path + pl + 1, name, nl + 1);
	} else {
		snprintf(n->path, sizeof(n->path), "%s", name);
	}
	snprintf(n->type, sizeof(n->type), "application/octet-stream");
	n->size = size;
	buf_init(&n->text, 256u << 20);
	return (long)r->n++;
}

static void
xrec_node_type(void *arg, long id, const char *type)
{
	struct xrec *r = arg;

	snprintf(r->nodes[id].type, sizeof(r->nodes[id].type), "%s", type);
}

static void
xrec_node_mark(
    void *arg, long id, enum dlp_encryption enc, const char *detail, bool weak)
{
	struct xrec *r = arg;
	struct xnode *n = &r->nodes[id];

	if (n->enc == DLP_ENC_NOT_INSPECTABLE && enc != DLP_ENC_NOT_INSPECTABLE)
		return; /* as the scan does: a cut stays a cut */
	n->enc = enc;
	n->weak = weak;
	snprintf(n->detail, sizeof(n->detail), "%s", detail ? detail : "");
}

static int
xrec_node_text(void *arg, long id, const char *charset, const void *data,
    size_t len, unsigned flags)
{
	struct xrec *r = arg;
	struct xnode *n = &r->nodes[id];

	if (flags & EXTRACT_TEXT_HTML)
		n->html_pieces++;
	return charset_to_utf8(charset, data, len, &n->text) < 0 ? -1 : 0;
}

static void
xrec_node_locate(void *arg, long id, const char *label)
{
	struct xrec *r = arg;
	struct xnode *n = &r->nodes[id];
	struct xloc *l;

	if ((n->n_locs & (n->n_locs - 1)) == 0) { /* 0, 1, 2, 4, ...: grow */
		l = realloc(
		    n->locs, (n->n_locs ? n->n_locs * 2 : 1) * sizeof(*l));
		if (l == NULL)
			return;
		n->locs = l;
	}
	l = n->locs;
	l[n->n_locs].off = n->text.len;
	snprintf(l[n->n_locs].label, sizeof(l[n->n_locs].label), "%s", label);
	n->n_locs++;
}

static void
xrec_node_message(void *arg, long id, const void *data, size_t len)
{
	struct xrec *r = arg;
	struct xnode *n = &r->nodes[id];

	free(n->message);
	if ((n->message = malloc(len + 1)) != NULL) {
		memcpy(n->message, data, len);
		n->message[len] = '\0';
		n->message_len = len;
	}
}

static void
xrec_node_done(void *arg, long id)
{
	struct xrec *r = arg;

	r->nodes[id].done = true;
	r->done_calls++;
}

/* xrec_init: lim NULL for the defaults of config_defaults(). */
XREC_UNUSED static void
xrec_init(struct xrec *r, const struct dlp_limits *lim)
{
	struct dlp_config *c;

	memset(r, 0, sizeof(*r));
	if (lim != NULL) {
		r->lim = *lim;
	} else {
		c = config_defaults();
		r->lim = c->limits;
		config_free(c);
	}
	r->nodes = calloc(XREC_MAX_NODES, sizeof(*r->nodes));
	r->sink = (struct extract_sink){ r, xrec_node_new, xrec_node_type,
		xrec_node_mark, xrec_node_text, xrec_node_locate,
		xrec_node_message, xrec_node_done, NULL, NULL };
	r->magic = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
	if (r->magic != NULL && magic_load(r->magic, NULL) != 0) {
		magic_close(r->magic);
		r->magic = NULL;
	}
	r->x = extract_new(&r->lim, &r->sink, r->magic);
}

/* xrec_run: extract data as node 0, named name; returns extract_node's. */
XREC_UNUSED static int
xrec_run(struct xrec *r, const char *name, const void *data, size_t len)
{
	long id = xrec_node_new(r, -1, name, len);

	return extract_node(r->x, id, 0, NULL, name, data, len);
}

/* xrec_find: the node at path, or NULL. */
XREC_UNUSED static struct xnode *
xrec_find(struct xrec *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->nodes[i].path, path) == 0)
			return &r->nodes[i];
	return NULL;
}

/* xrec_text: a node's text as a C string ("" when none). */
XREC_UNUSED static const char *
xrec_text(const struct xnode *n)
{
	return buf_cstr(&n->text);
}

/* xrec_location_of: the label in effect at the first occurrence of
   needle in n's text, or NULL. */
XREC_UNUSED static const char *
xrec_location_of(const struct xnode *n, const char *needle)
{
	const char *t = xrec_text(n), *p = strstr(t, needle);
	const char *label = NULL;
	size_t off, i;

	if (p == NULL)
		return NULL;
	off = (size_t)(p - t);
	for (i = 0; i < n->n_locs && n->locs[i].off <= off; i++)
		label = n->locs[i].label;
	return label;
}

/* xrec_read_file: a whole file into a malloc'ed buffer; NULL on error. */
XREC_UNUSED static unsigned char *
xrec_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)n + 1)) != NULL &&
	    fread(p, 1, (size_t)n, fp) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(p);
		p = NULL;
	}
	fclose(fp);
	return p;
}

XREC_UNUSED static void
xrec_free(struct xrec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		buf_free(&r->nodes[i].text);
		free(r->nodes[i].locs);
		free(r->nodes[i].message);
	}
	free(r->nodes);
	extract_free(r->x);
	if (r->magic != NULL)
		magic_close(r->magic);
	memset(r, 0, sizeof(*r));
}

#endif
