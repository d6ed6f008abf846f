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
 * context words do. A digit anchor is a run of digits joined by single
 * '-' or ' ' with at least digits_min digits, digits_seq of them in a
 * row (plain 'digits': 1 and 1); the run is measured once, at its first
 * digit, and its span starts from that digit's line.
 *
 * Limits: the spans of a rule are at most one per two lines of the text;
 * the table built at load is immutable. Thread-safe: the spans belong to
 * the caller.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* Both ASCII cases of c when it is a letter, else c twice. */
static void
cases(unsigned char c, unsigned char v[2])
{
	v[0] = v[1] = c;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
		v[0] = c | 0x20;
		v[1] = c & ~0x20;
	}
}

/* The first two bytes of literal w (len bytes) into the pair table. */
static void
add_pair(struct prefilter *pf, const char *w, size_t len)
{
	unsigned char a[2], b[2];
	unsigned i, j, k;

	cases((unsigned char)w[0], a);
	for (i = 0; i < 2; i++) {
		if (len == 1) {
			for (k = 0; k < 256; k++)
				pf->lit_pair[(a[i] << 8 | k) >> 3] |=
				    (unsigned char)(1u << (k & 7));
			continue;
		}
		cases((unsigned char)w[1], b);
		for (j = 0; j < 2; j++) {
			k = (unsigned)a[i] << 8 | b[j];
			pf->lit_pair[k >> 3] |= (unsigned char)(1u << (k & 7));
		}
	}
}

int
detect_prefilter_build(struct ruleset *rs)
{
	struct prefilter *pf = &rs->pf;
	const struct rule *r;
	size_t i, j, n_lits = 0, n_dig = 0;
	unsigned char c;

	memset(pf, 0, sizeof(*pf));
	for (i = 0; i < rs->n_rules; i++) {
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
		add_pair(pf, pf->lits[i].word, pf->lits[i].len);
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
		if (!rs->rules[i].anchors.digits && rs->rules[i].anchors.n == 0)
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

/*
 * The run of digits that starts at p (a digit): digits joined by single
 * '-' or ' '. Returns its end; *n gets its digits, *seq the most of them
 * in a row (both at most SIZE_MAX, which no text reaches).
 */
static size_t
digit_run(const char *t, size_t len, size_t p, size_t *n, size_t *seq)
{
	size_t k = 0, cur = 0, best = 0;

	while (p < len) {
		if (t[p] >= '0' && t[p] <= '9') {
			k++;
			if (++cur > best)
				best = cur;
			p++;
		} else if ((t[p] == '-' || t[p] == ' ') && p + 1 < len &&
		    t[p + 1] >= '0' && t[p + 1] <= '9') {
			cur = 0;
			p++;
		} else {
			break;
		}
	}
	*n = k;
	*seq = best;
	return p;
}

/* Whether a literal anchor may start at t + p: its first two bytes. */
static bool
maybe_lit(
    const struct prefilter *pf, const unsigned char *u, size_t len, size_t p)
{
	unsigned k;

	if (p + 1 >= len)
		return true;
	k = (unsigned)u[p] << 8 | u[p + 1];
	return (pf->lit_pair[k >> 3] >> (k & 7)) & 1;
}

/*
 * A byte table stops the loop only on line breaks, digits and the first
 * bytes of literal anchors; a literal is then compared in place (when
 * its first two bytes fit). A run of digits is measured once, at its
 * first digit, and marks the rules whose digit anchor it satisfies.
 * Lines every anchored rule covers are skipped; whether they are is only
 * asked after a mark, since nothing else moves a span's end.
 */
int
detect_prefilter_find(
    const struct ruleset *rs, const char *t, size_t len, struct spans *spans)
{
	const struct prefilter *pf = &rs->pf;
	const unsigned char *u = (const unsigned char *)t;
	const struct anchor_lit *a;
	const struct rule_anchors *ra;
	size_t line = 0, prev = 0, p = 0, run_end = 0, i, end, n, seq;
	bool marked = true;
	unsigned char f, c;

	for (i = 0; i < rs->n_rules; i++)
		spans[i].n = 0;
	for (;;) {
		/* every anchored rule's span reaches past p: skip to the
		   first end, on a line start */
		if (marked && (end = covered(rs, spans, p)) > p) {
			prev = line_start(t, end - 1);
			line = p = end;
			continue;
		}
		marked = false;
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
		if ((f & PF_DIGIT) && p >= run_end) {
			run_end = digit_run(t, len, p, &n, &seq);
			for (i = 0; i < pf->n_digit_rules; i++) {
				ra = &rs->rules[pf->digit_rules[i]].anchors;
				if (n < ra->digits_min || seq < ra->digits_seq)
					continue;
				if (mark(&spans[pf->digit_rules[i]], t, len,
					prev, p) == 0)
					return -1;
				marked = true;
			}
		}
		if ((f & PF_LIT) && maybe_lit(pf, u, len, p)) {
			c = (unsigned char)ascii_lower((char)c);
			for (i = pf->lit_start[c]; i < pf->lit_start[c + 1];
			     i++) {
				a = &pf->lits[i];
				if (a->len > len - p ||
				    !word_at(t, p, a->word, a->len))
					continue;
				if (mark(&spans[a->rule], t, len, prev, p) == 0)
					return -1;
				marked = true;
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
