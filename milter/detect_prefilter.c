/*
 * detect_prefilter - the anchors of every rule found in one pass over a
 * text, as spans of lines where each anchored rule's patterns run. See
 * detect.c for how the spans are used and patterns/README.md (anchors)
 * for what a rule writer sees.
 *
 * A span: for each anchor of a rule, from the start of the line before
 * the anchor's line to the end of the line after it (past its '\n');
 * spans of one rule that touch are merged, so they are sorted and
 * disjoint. Literal anchors compare ASCII letters without case, as
 * context words do.
 *
 * With vectorscan (Debian's libvectorscan, Hyperscan's portable fork),
 * every pattern of the anchored rules is also compiled into one database
 * in prefilter mode: an approximation that matches wherever the pattern
 * does (lookarounds dropped, so more often, never less). One scan of the
 * text then gives, for each rule, the ends of its possible matches, and a
 * span is built around each as around an anchor. On text with digits on
 * every line (prices, dates) anchors mark nearly everything; the
 * approximate patterns mark only the lines where a rule can match. A
 * rule vectorscan cannot compile keeps its anchors. Vectorscan reads
 * valid UTF-8 only: other text gives those rules the whole text.
 *
 * Limits: the spans of a rule are at most one per two lines of the text;
 * the table and database built at load are immutable; scratch space is
 * cloned per call. Thread-safe: the spans belong to the caller.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "charset.h"
#include "detect_int.h"

#define PF_NL 0x04 /* a line break: the loop below stops on it too */

static int
cmp_lit(const void *a, const void *b)
{
	const struct anchor_lit *x = a, *y = b;
	unsigned char cx = (unsigned char)ascii_lower(x->word[0]);
	unsigned char cy = (unsigned char)ascii_lower(y->word[0]);

	if (cx != cy)
		return cx < cy ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static int hs_build(struct ruleset *rs);

int
detect_prefilter_build(struct ruleset *rs)
{
	struct prefilter *pf = &rs->pf;
	const struct rule *r;
	size_t i, j, n_lits = 0, n_dig = 0;
	unsigned char c;

	memset(pf, 0, sizeof(*pf));
	if (hs_build(rs) < 0)
		return -1;
	for (i = 0; i < rs->n_rules; i++) {
		if (pf->hs_rule != NULL && pf->hs_rule[i])
			continue;
		n_lits += rs->rules[i].anchors.n;
		n_dig += rs->rules[i].anchors.digits;
	}
	if ((n_lits > 0 &&
		(pf->lits = calloc(n_lits, sizeof(*pf->lits))) == NULL) ||
	    (n_dig > 0 &&
		(pf->digit_rules = calloc(n_dig, sizeof(*pf->digit_rules))) ==
		    NULL)) {
		detect_prefilter_free(rs);
		return -1;
	}
	for (i = 0; i < rs->n_rules; i++) {
		r = &rs->rules[i];
		if (pf->hs_rule != NULL && pf->hs_rule[i])
			continue;
		if (r->anchors.digits)
			pf->digit_rules[pf->n_digit_rules++] = i;
		for (j = 0; j < r->anchors.n; j++) {
			pf->lits[pf->n_lits].word = r->anchors.words[j];
			pf->lits[pf->n_lits].len = r->anchors.lens[j];
			pf->lits[pf->n_lits++].rule = i;
		}
		if (r->anchors.digits || r->anchors.n > 0)
			pf->n_anchored++;
	}
	if (pf->n_lits > 0)
		qsort(pf->lits, pf->n_lits, sizeof(*pf->lits), cmp_lit);
	/* lit_start[c]: the first literal whose (lower-cased) first byte
	   is c or more */
	for (i = 0, j = 0; i < 257; i++) {
		while (j < pf->n_lits &&
		    (unsigned char)ascii_lower(pf->lits[j].word[0]) < i)
			j++;
		pf->lit_start[i] = j;
	}
	for (i = 0; i < pf->n_lits; i++) {
		c = (unsigned char)pf->lits[i].word[0];
		pf->first[c] |= PF_LIT;
		if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
			pf->first[c | 0x20] |= PF_LIT;
			pf->first[c & ~0x20] |= PF_LIT;
		}
	}
	if (pf->n_digit_rules > 0)
		for (c = '0'; c <= '9'; c++)
			pf->first[c] |= PF_DIGIT;
	if (pf->n_anchored > 0)
		pf->first['\n'] |= PF_NL;
	return 0;
}

void
detect_prefilter_free(struct ruleset *rs)
{
	free(rs->pf.lits);
	free(rs->pf.digit_rules);
	hs_free_scratch(rs->pf.hs_proto);
	hs_free_database(rs->pf.hs_db);
	free(rs->pf.hs_rule);
	memset(&rs->pf, 0, sizeof(rs->pf));
}

/* The end of the line after the one p is on (past its '\n'), or len. */
static size_t
next_line_end(const char *t, size_t len, size_t p)
{
	const char *q = memchr(t + p, '\n', len - p);

	if (q == NULL)
		return len;
	q = memchr(q + 1, '\n', len - (size_t)(q + 1 - t));
	return q == NULL ? len : (size_t)(q + 1 - t);
}

/*
 * An anchor of a rule at p, on the line after prev: the span from prev
 * (the start of the line before) to the end of the line after, merged
 * with the last span when they touch. Returns the span's end, or 0 when
 * memory ran out.
 */
static size_t
mark(struct spans *sp, const char *t, size_t len, size_t prev, size_t p)
{
	size_t end, *grown, cap;

	if (sp->n > 0 && p < sp->v[2 * sp->n - 1])
		return sp->v[2 * sp->n - 1];
	end = next_line_end(t, len, p);
	if (sp->n > 0 && prev <= sp->v[2 * sp->n - 1]) {
		sp->v[2 * sp->n - 1] = end;
		return end;
	}
	if (sp->n == sp->cap) {
		cap = sp->cap == 0 ? 16 : 2 * sp->cap;
		if ((grown = realloc(sp->v, 2 * cap * sizeof(*grown))) == NULL)
			return 0;
		sp->v = grown;
		sp->cap = cap;
	}
	sp->v[2 * sp->n] = prev;
	sp->v[2 * sp->n + 1] = end;
	sp->n++;
	return end;
}

/*
 * Where the spans of every anchored rule reach past p: the smallest of
 * their ends (each a line start or len), or p when one does not.
 */
static size_t
covered(const struct ruleset *rs, const struct spans *spans, size_t p)
{
	const struct spans *sp;
	size_t i, end = SIZE_MAX;

	for (i = 0; i < rs->n_rules; i++) {
		sp = &spans[i];
		if ((!rs->rules[i].anchors.digits &&
			rs->rules[i].anchors.n == 0) ||
		    (rs->pf.hs_rule != NULL && rs->pf.hs_rule[i]))
			continue;
		if (sp->n == 0 || sp->v[2 * sp->n - 1] <= p)
			return p;
		if (sp->v[2 * sp->n - 1] < end)
			end = sp->v[2 * sp->n - 1];
	}
	return end;
}

/* The start of the line that ends at (or holds) t[p]. */
static size_t
line_start(const char *t, size_t p)
{
	const char *q;

	if (p == 0)
		return 0;
	q = memrchr(t, '\n', p);
	return q == NULL ? 0 : (size_t)(q + 1 - t);
}

/* Vectorscan */

/*
 * A pattern as vectorscan takes it: \K (which only moves where a match
 * is said to start, not where it ends) dropped. NULL when memory ran
 * out. Free with free().
 */
static char *
hs_source(const char *src)
{
	size_t n = strlen(src), i, k = 0;
	char *out = malloc(n + 1);

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (src[i] == '\\' && i + 1 < n) {
			if (src[i + 1] != 'K') {
				out[k++] = src[i];
				out[k++] = src[++i];
			} else {
				i++;
			}
			continue;
		}
		out[k++] = src[i];
	}
	out[k] = '\0';
	return out;
}

/* The prefilter database of every pattern of the anchored rules. */
static int
hs_compile_rules(const struct ruleset *rs, const bool *use, hs_database_t **db,
    long *bad_rule)
{
	char **exprs = NULL;
	unsigned *flags = NULL, *ids = NULL;
	hs_compile_error_t *err = NULL;
	size_t i, j, n = 0;
	int rc = -1;

	*db = NULL;
	*bad_rule = -1;
	for (i = 0; i < rs->n_rules; i++)
		if (use[i])
			n += rs->rules[i].n_patterns;
	if (n == 0 || n > UINT_MAX)
		return 0;
	if ((exprs = calloc(n, sizeof(*exprs))) == NULL ||
	    (flags = calloc(n, sizeof(*flags))) == NULL ||
	    (ids = calloc(n, sizeof(*ids))) == NULL)
		goto out;
	for (i = 0, n = 0; i < rs->n_rules; i++)
		for (j = 0; use[i] && j < rs->rules[i].n_patterns; j++) {
			if ((exprs[n] = hs_source(
				 rs->rules[i].patterns[j].source)) == NULL)
				goto out;
			flags[n] = HS_FLAG_PREFILTER | HS_FLAG_UTF8 |
			    HS_FLAG_ALLOWEMPTY;
			ids[n++] = (unsigned)i;
		}
	if (hs_compile_multi((const char *const *)exprs, flags, ids,
		(unsigned)n, HS_MODE_BLOCK, NULL, db, &err) == HS_SUCCESS) {
		rc = 0;
	} else if (err != NULL && err->expression >= 0 &&
	    (size_t)err->expression < n) {
		*bad_rule = (long)ids[err->expression];
		rc = 0;
	}
out:
	hs_free_compile_error(err);
	for (i = 0; exprs != NULL && i < n; i++)
		free(exprs[i]);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

/*
 * Which anchored rules vectorscan takes: all of them, less each rule
 * whose pattern it refuses (one at a time, then compiled again). Rules
 * it cannot take keep their anchors; no database at all is no error.
 */
static int
hs_build(struct ruleset *rs)
{
	struct prefilter *pf = &rs->pf;
	const struct rule *r;
	hs_database_t *db = NULL;
	long bad;
	size_t i;

	if ((pf->hs_rule = calloc(rs->n_rules + 1, sizeof(bool))) == NULL)
		return -1;
	for (i = 0; i < rs->n_rules; i++) {
		r = &rs->rules[i];
		pf->hs_rule[i] = r->detector == NULL && r->n_patterns > 0 &&
		    (r->anchors.digits || r->anchors.n > 0);
	}
	for (;;) {
		if (hs_compile_rules(rs, pf->hs_rule, &db, &bad) < 0)
			return -1;
		if (db != NULL || bad < 0)
			break;
		pf->hs_rule[bad] = false;
	}
	if (db == NULL || hs_alloc_scratch(db, &pf->hs_proto) != HS_SUCCESS) {
		hs_free_database(db);
		memset(pf->hs_rule, 0, rs->n_rules * sizeof(bool));
		return 0;
	}
	pf->hs_db = db;
	for (i = 0; i < rs->n_rules; i++)
		pf->n_hs += pf->hs_rule[i];
	return 0;
}

/* What a scan carries to its match callback. */
struct hs_run {
	const char *t;
	size_t len;
	struct spans *spans;
	bool oom;
};

/* Append [s, e) to sp, merging with the last span when they touch. */
static int
span_add(struct spans *sp, size_t s, size_t e)
{
	size_t *grown, cap;

	if (sp->n > 0 && s <= sp->v[2 * sp->n - 1] &&
	    s >= sp->v[2 * sp->n - 2]) {
		if (e > sp->v[2 * sp->n - 1])
			sp->v[2 * sp->n - 1] = e;
		return 0;
	}
	if (sp->n == sp->cap) {
		cap = sp->cap == 0 ? 16 : 2 * sp->cap;
		if ((grown = realloc(sp->v, 2 * cap * sizeof(*grown))) == NULL)
			return -1;
		sp->v = grown;
		sp->cap = cap;
	}
	sp->v[2 * sp->n] = s;
	sp->v[2 * sp->n + 1] = e;
	sp->n++;
	return 0;
}

/*
 * A possible match of rule id ending at to: the span from the start of
 * the line before the one holding its last byte to the end of the line
 * after, as for an anchor. Ends inside the rule's last span cost one
 * comparison (dense text reports many).
 */
static int
hs_match(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *ctx)
{
	struct hs_run *h = ctx;
	struct spans *sp = &h->spans[id];
	size_t p = to > 0 ? (size_t)to - 1 : 0, ls;

	(void)from;
	(void)flags;
	if (sp->n > 0 && p < sp->v[2 * sp->n - 1] && p >= sp->v[2 * sp->n - 2])
		return 0;
	ls = line_start(h->t, p);
	if (span_add(sp, ls > 0 ? line_start(h->t, ls - 1) : 0,
		next_line_end(h->t, h->len, p)) < 0) {
		h->oom = true;
		return 1;
	}
	return 0;
}

static int
cmp_span(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Spans reported out of order: sorted and merged. */
static void
spans_tidy(struct spans *sp)
{
	size_t i, k = 0;

	if (sp->n < 2)
		return;
	for (i = 1; i < sp->n; i++)
		if (sp->v[2 * i] < sp->v[2 * i - 1])
			break;
	if (i == sp->n)
		return; /* sorted and disjoint: the usual case */
	qsort(sp->v, sp->n, 2 * sizeof(*sp->v), cmp_span);
	for (i = 1; i < sp->n; i++) {
		if (sp->v[2 * i] <= sp->v[2 * k + 1]) {
			if (sp->v[2 * i + 1] > sp->v[2 * k + 1])
				sp->v[2 * k + 1] = sp->v[2 * i + 1];
		} else {
			k++;
			sp->v[2 * k] = sp->v[2 * i];
			sp->v[2 * k + 1] = sp->v[2 * i + 1];
		}
	}
	sp->n = k + 1;
}

/* The spans of the vectorscan rules: one scan of the text. */
static int
hs_find(
    const struct ruleset *rs, const char *t, size_t len, struct spans *spans)
{
	const struct prefilter *pf = &rs->pf;
	struct hs_run h = { t, len, spans, false };
	hs_scratch_t *scratch = NULL;
	size_t i;
	hs_error_t rc;

	if (len > UINT_MAX || !charset_valid_utf8(t, len)) {
		for (i = 0; i < rs->n_rules; i++)
			if (pf->hs_rule[i] && span_add(&spans[i], 0, len) < 0)
				return -1;
		return 0;
	}
	if (hs_clone_scratch(pf->hs_proto, &scratch) != HS_SUCCESS)
		return -1;
	rc = hs_scan(pf->hs_db, t, (unsigned)len, 0, scratch, hs_match, &h);
	hs_free_scratch(scratch);
	if (h.oom || (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED))
		return -1;
	for (i = 0; i < rs->n_rules; i++)
		if (pf->hs_rule[i])
			spans_tidy(&spans[i]);
	return 0;
}

/*
 * A byte table stops the loop only on line breaks, digits and the first
 * bytes of literal anchors; a literal is then compared in place. Digits
 * already inside the digit rules' spans cost one comparison, and lines
 * every anchored rule covers are skipped.
 */
int
detect_prefilter_find(
    const struct ruleset *rs, const char *t, size_t len, struct spans *spans)
{
	const struct prefilter *pf = &rs->pf;
	const unsigned char *u = (const unsigned char *)t;
	const struct anchor_lit *a;
	size_t line = 0, prev = 0, p = 0, digit_until = 0, i, end = len;
	unsigned char f, c;

	for (i = 0; i < rs->n_rules; i++)
		spans[i].n = 0;
	if (pf->n_hs > 0 && hs_find(rs, t, len, spans) < 0)
		return -1;
	if (pf->n_anchored == 0)
		return 0;
	for (;;) {
		/* every anchored rule's span reaches past p: skip to the
		   first end, on a line start */
		if ((end = covered(rs, spans, p)) > p) {
			prev = line_start(t, end - 1);
			line = p = end;
			continue;
		}
		while (p < len && pf->first[u[p]] == 0)
			p++;
		if (p >= len)
			break;
		c = u[p];
		f = pf->first[c];
		if (f & PF_NL) {
			prev = line;
			line = ++p;
			continue;
		}
		if ((f & PF_DIGIT) && p >= digit_until) {
			for (i = 0; i < pf->n_digit_rules; i++)
				if ((end = mark(&spans[pf->digit_rules[i]], t,
					 len, prev, p)) == 0)
					return -1;
			digit_until = end;
		}
		if (f & PF_LIT) {
			c = (unsigned char)ascii_lower((char)c);
			for (i = pf->lit_start[c]; i < pf->lit_start[c + 1];
			     i++) {
				a = &pf->lits[i];
				if (a->len <= len - p &&
				    word_at(t, p, a->word, a->len) &&
				    mark(&spans[a->rule], t, len, prev, p) == 0)
					return -1;
			}
		}
		p++;
	}
	return 0;
}

void
detect_spans_free(struct spans *spans, size_t n)
{
	size_t i;

	for (i = 0; spans != NULL && i < n; i++)
		free(spans[i].v);
	free(spans);
}
