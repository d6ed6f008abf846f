/*
 * detect_prefilter - one pass over a text that finds the anchors of every
 * rule, as spans where each anchored rule's patterns run, and the places
 * of every rule's context and negative words, so that a match asks a
 * sorted list instead of reading the text around it. See detect.c for
 * how both are used and patterns/README.md (anchors, anchor_reach) for
 * what a rule writer sees.
 *
 * The pass: vectorscan (one literal database of every anchor and word of
 * two or more bytes, ASCII letters caseless) reports each literal, which
 * is checked in place (word_at()) and sorted by its start; then the
 * bytes of a table, digits (when a rule has a digit anchor) and one-byte
 * literals, are found 32 bytes at a time (AVX2) or 16 (SSSE3), by two
 * nibble lookups (the bytes are ASCII, so the high nibble is a bit of
 * its own and the test is exact), or, on a CPU without them, 4 at a
 * time by the table itself (also in a build with -DDLP_NO_VECTOR). Both
 * are taken in the order of the text, so the anchors of each rule come
 * in order.
 *
 * Rules that need context (none without it, no list evidence) and whose
 * context words vectorscan finds (two or more bytes each) are "needy":
 * when the caller does not want dropped matches and vectorscan found
 * none of a needy rule's words in the text, nothing the rule matches
 * could be reported (a column header that names it is in the text too),
 * so its anchors are not marked and it gets no spans. Dates in mail
 * without 生年月日 cost birth_date nothing then.
 *
 * A span of a rule: for each anchor, from the start of the line before
 * the anchor's line to the end of the line after it (past its '\n'), or,
 * with anchor_reach N, from N code points before the anchor to N after
 * its end (as cp_back() and cp_fwd() count them); spans of one rule that
 * touch are merged, so they are sorted and disjoint. A digit anchor is a
 * run of digits joined by single '-' or ' ' with at least digits_min
 * digits, digits_seq of them in a row, and at most digits_max when
 * that is set (plain 'digits': 1 and 1); the run is measured once, at
 * its first digit, and is the anchor as a whole.
 *
 * Limits: the spans of a rule are at most one per anchor; at most
 * SCAN_OCC_MAX literals are kept for a text. Past it, for a text of 4 GB
 * or more, or where vectorscan cannot run (a CPU without SSSE3), every
 * anchored rule gets the whole text as its span and the places are
 * marked invalid (the caller then searches words in the text around each
 * match): slower, never a different result. The tables and database
 * built at load are immutable; each scan clones its own scratch.
 * Thread-safe: the spans and places belong to the caller.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>
#if defined(__x86_64__) && defined(__GNUC__) && !defined(DLP_NO_VECTOR)
#include <immintrin.h>
#define HAVE_X86 1
#endif

#include "detect_int.h"

#define BLOCK 4 /* bytes block_stops() tests */

/* A literal of some rule, before equal ones are merged. */
struct lit_ref {
	const char *word;
	size_t len;
	size_t rule;
	struct rule_words *list; /* NULL: an anchor */
	size_t idx;		 /* in list */
};

/* Case-insensitive order of a and b (len bytes each). */
static int
cmp_bytes(const char *a, const char *b, size_t len)
{
	size_t i;
	unsigned char x, y;

	for (i = 0; i < len; i++) {
		x = (unsigned char)ascii_lower(a[i]);
		y = (unsigned char)ascii_lower(b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

static int
cmp_ref(const void *a, const void *b)
{
	const struct lit_ref *x = a, *y = b;
	int c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if ((c = cmp_bytes(x->word, y->word, x->len)) != 0)
		return c;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return 0;
}

/* Both ASCII cases of c when it is a letter (2), else c (1). */
static size_t
cases(unsigned char c, unsigned char v[2])
{
	v[0] = v[1] = c;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
		v[0] = c | 0x20;
		v[1] = c & ~0x20;
		return 2;
	}
	return 1;
}

/* Every literal of every rule, into *refs (malloc'ed). */
static int
collect(const struct ruleset *rs, struct lit_ref **refs, size_t *n)
{
	struct rule *r;
	struct rule_words *lists[2];
	size_t i, j, k, total = 0;

	for (i = 0; i < rs->n_rules; i++) {
		r = &rs->rules[i];
		total += r->anchors.n + r->context.n + r->negative.n;
	}
	*n = 0;
	*refs = NULL;
	if (total == 0)
		return 0;
	if ((*refs = calloc(total, sizeof(**refs))) == NULL)
		return -1;
	for (i = 0; i < rs->n_rules; i++) {
		r = &rs->rules[i];
		for (j = 0; j < r->anchors.n; j++)
			(*refs)[(*n)++] = (struct lit_ref){ r->anchors.words[j],
				r->anchors.lens[j], i, NULL, j };
		lists[0] = &r->context;
		lists[1] = &r->negative;
		for (k = 0; k < 2; k++)
			for (j = 0; j < lists[k]->n; j++)
				(*refs)[(*n)++] =
				    (struct lit_ref){ lists[k]->words[j],
					    lists[k]->lens[j], i, lists[k], j };
	}
	qsort(*refs, *n, sizeof(**refs), cmp_ref);
	return 0;
}

/*
 * The local map of every word list: scan word -> index + 1. A list that
 * holds one word twice (in two cases) keeps no map: each of the two is
 * reported on its own, which the map cannot say, so its words are
 * searched in the text around each match instead.
 */
static int
map_lists(struct ruleset *rs, const struct lit_ref *refs, size_t n,
    const uint32_t *gid)
{
	struct rule_words *w;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((w = refs[i].list) == NULL || w->local != NULL)
			continue;
		if ((w->local = calloc(rs->pf.n_words, sizeof(*w->local))) ==
		    NULL)
			return -1;
	}
	for (i = 0; i < n; i++) {
		if ((w = refs[i].list) == NULL)
			continue;
		/* UINT16_MAX: the word is there twice (no index is), or
		   starts where the walks over the text may not stop */
		w->local[gid[i]] = w->local[gid[i]] != 0 ||
			is_cont((unsigned char)refs[i].word[0])
		    ? UINT16_MAX
		    : (uint16_t)(refs[i].idx + 1);
	}
	for (i = 0; i < n; i++)
		if ((w = refs[i].list) != NULL && w->local != NULL &&
		    w->local[gid[i]] == UINT16_MAX) {
			free(w->local);
			w->local = NULL;
		}
	return 0;
}

/* Merge equal literals into rs->pf.words; gid[i]: the word of refs[i]. */
static int
make_words(
    struct ruleset *rs, const struct lit_ref *refs, size_t n, uint32_t *gid)
{
	struct prefilter *pf = &rs->pf;
	struct scan_word *w;
	size_t i, j, k;

	if ((pf->words = calloc(n, sizeof(*pf->words))) == NULL)
		return -1;
	for (i = 0; i < n; i = j) {
		w = &pf->words[pf->n_words];
		w->word = refs[i].word;
		w->len = refs[i].len;
		for (j = i; j < n && refs[j].len == w->len &&
		     cmp_bytes(refs[j].word, w->word, w->len) == 0;
		     j++) {
			gid[j] = (uint32_t)pf->n_words;
			if (refs[j].list != NULL)
				w->recorded = true;
			else
				w->n_rules++;
		}
		if (w->n_rules > 0 &&
		    (w->rules = calloc(w->n_rules, sizeof(*w->rules))) == NULL)
			return -1;
		w->n_rules = 0;
		for (k = i; k < j; k++)
			/* refs are sorted by rule: a rule anchored twice on
			   one literal is there once */
			if (refs[k].list == NULL &&
			    (w->n_rules == 0 ||
				w->rules[w->n_rules - 1] != refs[k].rule))
				w->rules[w->n_rules++] = refs[k].rule;
		pf->n_words++;
	}
	return 0;
}

/*
 * Whether rule r reports nothing without a context word (none without
 * context, no list evidence to raise it) and vectorscan finds all its
 * words (two or more bytes each) before the byte pass.
 */
static bool
is_needy(const struct rule *r)
{
	size_t i;

	if (!r->anchors.digits && r->anchors.n == 0)
		return false;
	if (r->detector != NULL || r->without_context != DLP_CONF_NONE ||
	    (r->list.min > 0 && r->list.confidence != DLP_CONF_NONE))
		return false;
	for (i = 0; i < r->context.n; i++)
		if (r->context.lens[i] < 2)
			return false;
	return true;
}

/* The needy rules (struct prefilter) and the words that keep them. */
static int
find_needy(struct ruleset *rs, const struct lit_ref *refs, size_t n,
    const uint32_t *gid)
{
	struct prefilter *pf = &rs->pf;
	size_t i, k = 0;

	if (rs->n_rules == 0)
		return 0;
	if ((pf->needy_bit = calloc(rs->n_rules, sizeof(*pf->needy_bit))) ==
		NULL ||
	    (pf->n_words > 0 &&
		(pf->word_needy =
			calloc(pf->n_words, sizeof(*pf->word_needy))) == NULL))
		return -1;
	for (i = 0; i < rs->n_rules && k < 64; i++)
		if (is_needy(&rs->rules[i])) {
			pf->needy_bit[i] = (uint64_t)1 << k++;
			pf->needy |= pf->needy_bit[i];
		}
	for (i = 0; i < n; i++)
		if (refs[i].list == &rs->rules[refs[i].rule].context)
			pf->word_needy[gid[i]] |= pf->needy_bit[refs[i].rule];
	return 0;
}

/*
 * The nibble tables of cls and the widest test the CPU has. A byte of
 * the table is ASCII (a digit, a one-byte word): its high nibble, 0 to
 * 7, is a bit of its own, so lo[c & 15] & hi[c >> 4] is exact.
 */
static void
set_vec(struct prefilter *pf)
{
	unsigned c;

	pf->vec = PF_VEC_TABLE;
	for (c = 0; c < 256; c++) {
		if (pf->cls[c] == 0)
			continue;
		if (c >= 0x80)
			return;
		pf->lo[c & 15] |= (unsigned char)(1u << (c >> 4));
		pf->hi[c >> 4] = (unsigned char)(1u << (c >> 4));
	}
#ifdef HAVE_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		pf->vec = PF_VEC_AVX2;
	else if (__builtin_cpu_supports("ssse3"))
		pf->vec = PF_VEC_SSSE3;
#endif
}

/* Compile the words of two or more bytes into one vectorscan database. */
static int
compile_words(struct prefilter *pf)
{
	const char **expr = NULL;
	unsigned *flags = NULL, *ids = NULL;
	size_t *lens = NULL, i, j, n = 0;
	hs_compile_error_t *cerr = NULL;
	int rc = -1;

	if (hs_valid_platform() != HS_SUCCESS) {
		pf->hs_failed = true;
		return 0;
	}
	if ((expr = calloc(pf->n_words, sizeof(*expr))) == NULL ||
	    (flags = calloc(pf->n_words, sizeof(*flags))) == NULL ||
	    (ids = calloc(pf->n_words, sizeof(*ids))) == NULL ||
	    (lens = calloc(pf->n_words, sizeof(*lens))) == NULL)
		goto out;
	for (i = 0; i < pf->n_words; i++) {
		if (pf->words[i].len < 2)
			continue;
		expr[n] = pf->words[i].word;
		lens[n] = pf->words[i].len;
		ids[n] = (unsigned)i;
		/* caseless is ASCII only, as word_at() compares */
		for (j = 0; j < lens[n]; j++)
			if ((expr[n][j] | 0x20) >= 'a' &&
			    (expr[n][j] | 0x20) <= 'z')
				flags[n] = HS_FLAG_CASELESS;
		n++;
	}
	rc = 0;
	if (n == 0)
		goto out;
	if (hs_compile_lit_multi(expr, flags, ids, lens, (unsigned)n,
		HS_MODE_BLOCK, NULL, &pf->db, &cerr) != HS_SUCCESS ||
	    hs_alloc_scratch(pf->db, &pf->proto) != HS_SUCCESS) {
		/* run without it: slower, never wrong */
		hs_free_compile_error(cerr);
		hs_free_database(pf->db);
		pf->db = NULL;
		pf->hs_failed = true;
	}
out:
	free(expr);
	free(flags);
	free(ids);
	free(lens);
	return rc;
}

int
detect_prefilter_build(struct ruleset *rs)
{
	struct prefilter *pf = &rs->pf;
	struct lit_ref *refs = NULL;
	uint32_t *gid = NULL;
	unsigned char v[2];
	size_t i, j, k, n = 0, n_dig = 0;
	unsigned char c;
	int rc = -1;

	memset(pf, 0, sizeof(*pf));
	for (i = 0; i < rs->n_rules; i++)
		n_dig += rs->rules[i].anchors.digits;
	if (collect(rs, &refs, &n) < 0 ||
	    (n > 0 && (gid = calloc(n, sizeof(*gid))) == NULL) ||
	    (n_dig > 0 &&
		(pf->digit_rules = calloc(n_dig, sizeof(*pf->digit_rules))) ==
		    NULL))
		goto out;
	if (n > 0 &&
	    (make_words(rs, refs, n, gid) < 0 ||
		map_lists(rs, refs, n, gid) < 0 ||
		(pf->shorts = calloc(pf->n_words, sizeof(*pf->shorts))) ==
		    NULL ||
		compile_words(pf) < 0))
		goto out;
	if (find_needy(rs, refs, n, gid) < 0)
		goto out;
	for (i = 0; i < pf->n_words; i++) {
		if (pf->words[i].len > pf->max_len)
			pf->max_len = pf->words[i].len;
		if (pf->words[i].len != 1)
			continue;
		k = cases((unsigned char)pf->words[i].word[0], v);
		for (j = 0; j < k; j++)
			pf->cls[v[j]] |= PF_SHORT;
		pf->shorts[pf->n_shorts++] = i;
	}
	for (i = 0; i < rs->n_rules; i++) {
		if (rs->rules[i].anchors.digits)
			pf->digit_rules[pf->n_digit_rules++] =
			    (struct digit_rule){
				    i, rs->rules[i].anchors.digits_min,
				    rs->rules[i].anchors.digits_seq,
				    rs->rules[i].anchors.digits_max,
				    rs->rules[i].anchors.reach,
				    pf->needy_bit != NULL ? pf->needy_bit[i] : 0
			    };
		if (rs->rules[i].anchors.digits || rs->rules[i].anchors.n > 0)
			pf->n_anchored++;
	}
	if (pf->n_digit_rules > 0)
		for (c = '0'; c <= '9'; c++)
			pf->cls[c] |= PF_DIGIT;
	set_vec(pf);
	/* a run holds digits, '-' and ' ' */
	pf->skip_runs =
	    !(pf->cls['-'] & PF_SHORT) && !(pf->cls[' '] & PF_SHORT);
	for (c = '0'; c <= '9'; c++)
		if (pf->cls[c] & PF_SHORT)
			pf->skip_runs = false;
	for (i = 0; i < pf->n_digit_rules && pf->n_digit_rules <= 64; i++)
		for (j = 0; j <= RULE_ANCHOR_DIGITS_MAX; j++) {
			if (j >= pf->digit_rules[i].min &&
			    (pf->digit_rules[i].max == 0 ||
				j <= pf->digit_rules[i].max))
				pf->by_n[j] |= (uint64_t)1 << i;
			if (j >= pf->digit_rules[i].seq)
				pf->by_seq[j] |= (uint64_t)1 << i;
		}
	rc = 0;
out:
	free(refs);
	free(gid);
	if (rc < 0)
		detect_prefilter_free(rs);
	return rc;
}

void
detect_prefilter_free(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->pf.n_words; i++)
		free(rs->pf.words[i].rules);
	free(rs->pf.words);
	free(rs->pf.shorts);
	free(rs->pf.digit_rules);
	free(rs->pf.needy_bit);
	free(rs->pf.word_needy);
	hs_free_scratch(rs->pf.proto);
	hs_free_database(rs->pf.db);
	memset(&rs->pf, 0, sizeof(rs->pf));
	for (i = 0; i < rs->n_rules; i++) {
		free(rs->rules[i].context.local);
		free(rs->rules[i].negative.local);
		rs->rules[i].context.local = NULL;
		rs->rules[i].negative.local = NULL;
	}
}

/* The start of the line that holds t[p] (p itself when it follows a
   '\n'). */
static size_t
line_start(const char *t, size_t p)
{
	const char *q;

	if (p == 0)
		return 0;
	q = memrchr(t, '\n', p);
	return q == NULL ? 0 : (size_t)(q + 1 - t);
}

/* The end of the line that holds t[p] (past its '\n'), or len. */
static size_t
line_end(const char *t, size_t len, size_t p)
{
	const char *q;

	if (p >= len)
		return len;
	q = memchr(t + p, '\n', len - p);
	return q == NULL ? len : (size_t)(q + 1 - t);
}

#define LEADS 0x8080808080808080ULL /* bit 7 of each byte of a word */

/* The bytes of x that start a character (are no continuation byte,
   10xxxxxx): bit 6 of a byte, shifted left, lands on its bit 7; the
   bits, one a byte, are summed by the multiplication into the top byte
   (no popcnt instruction needed). */
static inline size_t
leads(uint64_t x)
{
	return (size_t)((((~(x & ~(x << 1)) & LEADS) >> 7) *
			    0x0101010101010101ULL) >>
	    56);
}

/*
 * The end of n code points from p (a character's start): the start of
 * the n+1-th character, or len. Eight bytes a step; on valid UTF-8 what
 * cp_fwd() gives, and never less on text that is not (a run of more than
 * three continuation bytes is one character here): the span is wider,
 * the matches are the same.
 */
static size_t
reach_fwd(const char *t, size_t len, size_t p, unsigned n)
{
	uint64_t x;
	size_t left = (size_t)n + 1, k;

	while (len - p >= 8) {
		memcpy(&x, t + p, 8);
		if ((k = leads(x)) >= left)
			break;
		left -= k;
		p += 8;
	}
	for (; p < len; p++)
		if (!is_cont((unsigned char)t[p]) && --left == 0)
			return p;
	return len;
}

/* The start of the n-th character before p (n > 0), or 0: as cp_back()
   on valid UTF-8, never more on text that is not. */
static size_t
reach_back(const char *t, size_t p, unsigned n)
{
	uint64_t x;
	size_t left = n, k;

	while (p >= 8) {
		memcpy(&x, t + p - 8, 8);
		if ((k = leads(x)) >= left)
			break;
		left -= k;
		p -= 8;
	}
	while (p > 0)
		if (!is_cont((unsigned char)t[--p]) && --left == 0)
			return p;
	return 0;
}

/*
 * The ends of the last anchor's reach: one digit run anchors most number
 * rules, all with one reach, so the code points are counted once for it
 * (start and end valid when has_start, has_end).
 */
struct reach_memo {
	size_t a, b;
	unsigned reach;
	bool has_start, has_end;
	size_t start, end;
};

/*
 * An anchor t[a, b) of a rule whose reach is reach: its span, merged
 * with the last one when they touch. Anchors come in the order of a.
 * Returns 0, or -1 when memory ran out.
 */
static inline int
mark(struct spans *sp, struct reach_memo *rm, const char *t, size_t len,
    size_t a, size_t b, unsigned reach)
{
	size_t start, end, *last, *grown, cap;

	last = sp->n > 0 ? &sp->v[2 * sp->n - 1] : NULL;
	if (reach == 0) {
		/* on the last anchor's line: the same span */
		if (last != NULL && a < sp->line_end)
			return 0;
		sp->line_end = line_end(t, len, a);
		end = line_end(t, len, sp->line_end);
		if (last != NULL && a < *last) {
			*last = end > *last ? end : *last;
			return 0;
		}
		start = line_start(t, a);
		start = start > 0 ? line_start(t, start - 1) : 0;
	} else {
		/* reach code points: in a roster of Japanese rows, bytes
		   (up to 4 a code point) would merge every row's span with
		   the next. Where this span surely touches the last one,
		   only the end is new. */
		if (rm->a != a || rm->b != b || rm->reach != reach) {
			rm->a = a;
			rm->b = b;
			rm->reach = reach;
			rm->has_start = rm->has_end = false;
		}
		if (!rm->has_end) {
			rm->end = reach_fwd(t, len, b, reach);
			rm->has_end = true;
		}
		end = rm->end;
		/* the start is at least reach bytes back: it touches the
		   last span when a is at most reach bytes past its end */
		if (last != NULL && a <= *last + reach) {
			*last = end > *last ? end : *last;
			return 0;
		}
		if (!rm->has_start) {
			rm->start = reach_back(t, a, reach);
			rm->has_start = true;
		}
		start = rm->start;
	}
	if (last != NULL && start <= *last) {
		*last = end > *last ? end : *last;
		return 0;
	}
	if (sp->n == sp->cap) {
		cap = sp->cap == 0 ? 16 : 2 * sp->cap;
		if ((grown = realloc(sp->v, 2 * cap * sizeof(*grown))) == NULL)
			return -1;
		sp->v = grown;
		sp->cap = cap;
	}
	sp->v[2 * sp->n] = start;
	sp->v[2 * sp->n + 1] = end;
	sp->n++;
	return 0;
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

/* One pass: its text, what it fills, and where it is. */
struct scan {
	const struct ruleset *rs;
	const char *t;
	const unsigned char *u;
	size_t len;
	struct spans *spans;
	struct occs *occ;
	size_t run_end; /* the end of the last digit run measured */
	size_t ev;	/* the next of occ->ev to take */
	uint64_t dead;	/* needy rules none of whose words is in the text */
	uint64_t dead_digits; /* the same, by digit rule (the first 64) */
	bool full;	      /* too many literals: no spans, no places */
	bool oom;
	struct reach_memo rm;
};

/* Room for one more in *v (of *cap), at most SCAN_OCC_MAX. 0, 1 (full),
   -1 (out of memory). */
static int
grow(struct occ **v, size_t n, size_t *cap)
{
	struct occ *grown;
	size_t c;

	if (n < *cap)
		return 0;
	if (n >= SCAN_OCC_MAX)
		return 1;
	c = *cap == 0 ? 64 : 2 * *cap;
	if (c > SCAN_OCC_MAX)
		c = SCAN_OCC_MAX;
	if ((grown = realloc(*v, c * sizeof(*grown))) == NULL)
		return -1;
	*v = grown;
	*cap = c;
	return 0;
}

/*
 * A literal vectorscan found, ending at to: into occ->ev in the order of
 * its start (they come in the order of their ends, so a later one can
 * start earlier, by less than the longest word).
 */
static int
on_match(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *arg)
{
	struct scan *sc = arg;
	struct occs *o = sc->occ;
	const struct scan_word *w = &sc->rs->pf.words[id];
	size_t start, i;
	int g;

	(void)from;
	(void)flags;
	if (to < w->len || to > sc->len)
		return 0;
	start = (size_t)to - w->len;
	if (!word_at(sc->t, start, w->word, w->len))
		return 0;
	if ((g = grow(&o->ev, o->n_ev, &o->cap_ev)) != 0) {
		sc->oom = g < 0;
		sc->full = g > 0;
		return 1;
	}
	for (i = o->n_ev; i > 0 && o->ev[i - 1].pos > start; i--)
		o->ev[i] = o->ev[i - 1];
	o->ev[i].pos = (uint32_t)start;
	o->ev[i].word = id;
	o->n_ev++;
	return 0;
}

/* Scan word wi at p: mark its rules, keep its place. 0 or -1. */
static int
hit(struct scan *sc, size_t wi, size_t p)
{
	const struct scan_word *w = &sc->rs->pf.words[wi];
	struct occs *o = sc->occ;
	size_t i;
	int g;

	for (i = 0; i < w->n_rules; i++)
		if ((sc->dead == 0 ||
			!(sc->rs->pf.needy_bit[w->rules[i]] & sc->dead)) &&
		    mark(&sc->spans[w->rules[i]], &sc->rm, sc->t, sc->len, p,
			p + w->len,
			sc->rs->rules[w->rules[i]].anchors.reach) < 0)
			return -1;
	if (!w->recorded || !o->valid)
		return 0;
	if ((g = grow(&o->v, o->n, &o->cap)) < 0)
		return -1;
	if (g > 0) {
		o->valid = false;
		return 0;
	}
	o->v[o->n].pos = (uint32_t)p;
	o->v[o->n++].word = (uint32_t)wi;
	return 0;
}

/* The literals vectorscan found that start before p. 0 or -1. */
static int
drain(struct scan *sc, size_t p)
{
	const struct occs *o = sc->occ;

	for (; sc->ev < o->n_ev && o->ev[sc->ev].pos < p; sc->ev++)
		if (hit(sc, o->ev[sc->ev].word, o->ev[sc->ev].pos) < 0)
			return -1;
	return 0;
}

/* A run of digits at p: mark the rules whose shape it has. 0 or -1. */
static int
at_digits(struct scan *sc, size_t p)
{
	const struct prefilter *pf = &sc->rs->pf;
	const struct digit_rule *d;
	size_t i, n, seq;

	uint64_t bits;

	sc->run_end = digit_run(sc->t, sc->len, p, &n, &seq);
	if (pf->n_digit_rules <= 64) {
		/* the rules the run's shape takes, without a branch each */
		bits = pf->by_n[n < RULE_ANCHOR_DIGITS_MAX
			       ? n
			       : RULE_ANCHOR_DIGITS_MAX] &
		    pf->by_seq[seq < RULE_ANCHOR_DIGITS_MAX
			    ? seq
			    : RULE_ANCHOR_DIGITS_MAX] &
		    ~sc->dead_digits;
		for (; bits != 0; bits &= bits - 1) {
			d = &pf->digit_rules[__builtin_ctzll(bits)];
			if (mark(&sc->spans[d->rule], &sc->rm, sc->t, sc->len,
				p, sc->run_end, d->reach) < 0)
				return -1;
		}
		return 0;
	}
	for (i = 0; i < pf->n_digit_rules; i++) {
		d = &pf->digit_rules[i];
		if (n < d->min || (d->max > 0 && n > d->max) || seq < d->seq ||
		    (d->needy & sc->dead))
			continue;
		if (mark(&sc->spans[d->rule], &sc->rm, sc->t, sc->len, p,
			sc->run_end, d->reach) < 0)
			return -1;
	}
	return 0;
}

/* A byte of the table at p: a digit, a one-byte literal. 0 or -1. */
static int
at(struct scan *sc, size_t p)
{
	const struct prefilter *pf = &sc->rs->pf;
	unsigned char f = pf->cls[sc->u[p]];
	size_t i;

	if (f == 0)
		return 0;
	if (sc->ev < sc->occ->n_ev && sc->occ->ev[sc->ev].pos < p &&
	    drain(sc, p) < 0)
		return -1;
	if ((f & PF_DIGIT) && p >= sc->run_end && at_digits(sc, p) < 0)
		return -1;
	for (i = 0; (f & PF_SHORT) && i < pf->n_shorts; i++)
		if (ascii_lower((char)sc->u[p]) ==
			ascii_lower(pf->words[pf->shorts[i]].word[0]) &&
		    hit(sc, pf->shorts[i], p) < 0)
			return -1;
	return 0;
}

/* Whether BLOCK bytes at u hold a byte of the table (a wider block is
   vectorised by the compiler, through memory, and is slower). */
static inline unsigned
block_stops(const unsigned char *cls, const unsigned char *u)
{
	return cls[u[0]] | cls[u[1]] | cls[u[2]] | cls[u[3]];
}

#ifdef HAVE_X86
/*
 * The first byte of the table in u[p, len), 16 bytes at a time, or where
 * fewer than 16 are left. A byte's low nibble picks lo[], its high
 * nibble hi[] (a byte of 0x80 or more: pshufb gives 0), and the byte is
 * in the table when the two share a bit.
 */
__attribute__((target("ssse3"))) static size_t
stop_ssse3(
    const struct prefilter *pf, const unsigned char *u, size_t p, size_t len)
{
	const __m128i lo =
	    _mm_loadu_si128((const __m128i *)(const void *)pf->lo);
	const __m128i hi =
	    _mm_loadu_si128((const __m128i *)(const void *)pf->hi);
	const __m128i nib = _mm_set1_epi8(0x0f), zero = _mm_setzero_si128();
	__m128i v, a, b;
	unsigned m;

	for (; len - p >= 16; p += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(u + p));
		a = _mm_shuffle_epi8(lo, _mm_and_si128(v, nib));
		b = _mm_shuffle_epi8(
		    hi, _mm_and_si128(_mm_srli_epi16(v, 4), nib));
		/* 0x80 and above: pshufb zeroes it through b's sign bit */
		b = _mm_andnot_si128(_mm_cmplt_epi8(v, zero), b);
		m = (unsigned)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_and_si128(a, b), zero)) ^
		    0xffffu;
		if (m != 0)
			return p + (size_t)__builtin_ctz(m);
	}
	return p;
}

/* The same, 32 bytes at a time. */
__attribute__((target("avx2"))) static size_t
stop_avx2(
    const struct prefilter *pf, const unsigned char *u, size_t p, size_t len)
{
	const __m256i lo = _mm256_broadcastsi128_si256(
	    _mm_loadu_si128((const __m128i *)(const void *)pf->lo));
	const __m256i hi = _mm256_broadcastsi128_si256(
	    _mm_loadu_si128((const __m128i *)(const void *)pf->hi));
	const __m256i nib = _mm256_set1_epi8(0x0f),
		      zero = _mm256_setzero_si256();
	__m256i v, a, b;
	unsigned m;

	for (; len - p >= 32; p += 32) {
		v = _mm256_loadu_si256((const __m256i *)(const void *)(u + p));
		a = _mm256_shuffle_epi8(lo, _mm256_and_si256(v, nib));
		b = _mm256_shuffle_epi8(
		    hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
		b = _mm256_andnot_si256(_mm256_cmpgt_epi8(zero, v), b);
		m = ~(unsigned)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(_mm256_and_si256(a, b), zero));
		if (m != 0)
			return p + (size_t)__builtin_ctz(m);
	}
	return p;
}
#endif

/* The first byte of the table in u[p, len), or len. */
static inline size_t
next_stop(
    const struct prefilter *pf, const unsigned char *u, size_t p, size_t len)
{
#ifdef HAVE_X86
	/* a vector's worth left: it stopped on a byte of the table */
	if (pf->vec == PF_VEC_AVX2 &&
	    len - (p = stop_avx2(pf, u, p, len)) >= 32)
		return p;
	if (pf->vec == PF_VEC_SSSE3 &&
	    len - (p = stop_ssse3(pf, u, p, len)) >= 16)
		return p;
#endif
	/* the rest (fewer bytes than a vector) by the table */
	while (len - p >= BLOCK && block_stops(pf->cls, u + p) == 0)
		p += BLOCK;
	while (p < len && pf->cls[u[p]] == 0)
		p++;
	return p;
}

/* Needy rules none of whose words vectorscan found: into sc->dead. */
static void
find_dead(struct scan *sc)
{
	const struct prefilter *pf = &sc->rs->pf;
	const struct occs *o = sc->occ;
	uint64_t alive = 0;
	size_t i;

	for (i = 0; i < o->n_ev; i++)
		alive |= pf->word_needy[o->ev[i].word];
	sc->dead = pf->needy & ~alive;
	for (i = 0; sc->dead != 0 && i < pf->n_digit_rules && i < 64; i++)
		if (pf->digit_rules[i].needy & sc->dead)
			sc->dead_digits |= (uint64_t)1 << i;
}

/* Too many literals, or no scan: every anchored rule on the whole text. */
static int
whole(struct scan *sc)
{
	const struct ruleset *rs = sc->rs;
	struct spans *sp;
	size_t i, *grown;

	sc->occ->valid = false;
	for (i = 0; i < rs->n_rules; i++) {
		if (!rs->rules[i].anchors.digits && rs->rules[i].anchors.n == 0)
			continue;
		sp = &sc->spans[i];
		if (sp->cap == 0) {
			if ((grown = malloc(2 * 16 * sizeof(*grown))) == NULL)
				return -1;
			sp->v = grown;
			sp->cap = 16;
		}
		sp->v[0] = 0;
		sp->v[1] = sc->len;
		sp->n = 1;
	}
	return 0;
}

/* The literals of two or more bytes, into occ->ev. 0 or -1. */
static int
scan_words(struct scan *sc)
{
	const struct prefilter *pf = &sc->rs->pf;
	struct occs *o = sc->occ;
	hs_error_t err;

	if (pf->db == NULL)
		return 0;
	if (o->scratch == NULL &&
	    hs_clone_scratch(pf->proto, &o->scratch) != HS_SUCCESS) {
		o->scratch = NULL;
		return -1;
	}
	err = hs_scan(
	    pf->db, sc->t, (unsigned)sc->len, 0, o->scratch, on_match, sc);
	if (sc->oom)
		return -1;
	if (err != HS_SUCCESS)
		sc->full = true;
	return 0;
}

int
detect_prefilter_find(const struct ruleset *rs, const char *t, size_t len,
    bool all, struct spans *spans, struct occs *occ)
{
	const struct prefilter *pf = &rs->pf;
	struct scan sc;
	size_t i, p;

	for (i = 0; spans != NULL && i < rs->n_rules; i++) {
		spans[i].n = 0;
		spans[i].line_end = 0;
	}
	occ->n = occ->n_ev = 0;
	occ->valid = true;
	memset(&sc, 0, sizeof(sc));
	sc.rs = rs;
	sc.t = t;
	sc.u = (const unsigned char *)t;
	sc.len = len;
	sc.spans = spans;
	sc.occ = occ;
	if (pf->n_words == 0 && pf->n_digit_rules == 0)
		return 0;
	/* vectorscan takes an unsigned length; places are 32 bits */
	if (pf->hs_failed || len > UINT32_MAX || len > UINT_MAX)
		return whole(&sc);
	if (scan_words(&sc) < 0)
		return -1;
	if (sc.full)
		return whole(&sc);
	if (!all && pf->needy != 0)
		find_dead(&sc);
	if (pf->n_digit_rules > 0 || pf->n_shorts > 0)
		for (p = next_stop(pf, sc.u, 0, len); p < len;
		     p = next_stop(pf, sc.u, p + 1, len)) {
			if (at(&sc, p) < 0)
				return -1;
			/* nothing else starts inside the run */
			if (pf->skip_runs && sc.run_end > p + 1)
				p = sc.run_end - 1;
		}
	return drain(&sc, SIZE_MAX);
}

void
detect_spans_free(struct spans *spans, size_t n)
{
	size_t i;

	for (i = 0; spans != NULL && i < n; i++)
		free(spans[i].v);
	free(spans);
}

void
detect_occs_free(struct occs *occ)
{
	if (occ == NULL)
		return;
	free(occ->v);
	free(occ->ev);
	hs_free_scratch(occ->scratch);
	memset(occ, 0, sizeof(*occ));
}
