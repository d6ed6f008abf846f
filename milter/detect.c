/*
 * detect - run the compiled rules over normalised text. See detect.h; the
 * rule set itself is read by detect_load.c.
 *
 * For each match of a rule's pattern: the canonical value (the digits, or
 * the text), the validator, context and negative words searched in a
 * window counted in code points on each side, the confidence, a masked
 * form and an explanation window. The window search is bounded by the
 * window (at most RULE_WINDOW_MAX code points) and the longest word, so
 * the cost per match does not depend on the size of the text.
 *
 * A validator that boosts (validate.h) raises the confidence one level,
 * at most high. A detector rule (detector.h) runs its detector over the
 * whole text; each hit it emits is judged by the rule's negative words
 * (any one drops it) and context words (one found raises it one level,
 * at most high), and gets its window as a pattern match does.
 *
 * The prefilter (detect_prefilter.c): one pass over the text finds the
 * anchors of every rule and the places of every rule's context and
 * negative words. A rule with anchors runs its patterns only on spans of
 * the text: for each anchor, from the start of the line before the
 * anchor's line to the end of the line after it, or, with anchor_reach,
 * a few characters on each side; spans that touch are merged. The
 * subject given to PCRE2 still starts at the text's start, so
 * lookbehinds see what precedes a span, and ends at the span's end. For
 * patterns that match within what their anchors' spans cover the result
 * is that of a full run; ruleset_test_examples() checks it on every
 * example.
 *
 * Context and negative words are looked up in the places the pass
 * found (a binary search, then the places within the window), which
 * gives what a walk over the window of each match gives, the nearest
 * word and its distance in code points included; when the places are
 * not complete (too many, see detect_int.h) or a list holds one word
 * twice, the window is walked as before. ruleset_test_examples() runs
 * each example both ways and reports a difference.
 *
 * Header context (column.h) is asked for only when a context word of the
 * rule occurs somewhere before the match: one scan per rule and text,
 * resumed from match to match, spares the column lookup for every
 * candidate of a text without the words (prose full of dates).
 *
 * What it does not do: normalise text (the caller does, see normalize.h),
 * count distinct values or apply policy (the scan does).
 *
 * The explanation of a match (its window, the words seen, the why line)
 * is built only when the caller asks for it (DETECT_EXPLAIN): a scan
 * that counts findings never reads it, and in a dense roster building it
 * cost more than finding and judging the match. A rule with list
 * evidence keeps the candidates of its first pass (offsets and what the
 * validator said, at most CAND_MAX) and judges them in the second
 * without running its patterns again.
 *
 * Nothing of a match outlives the callback: the value, masked form and
 * window live in per-call buffers that are wiped before they are reused
 * and when the call ends. The explanation window masks, besides the
 * match, every run of four or more digits around it, so that a
 * neighbouring number never appears in clear in a report.
 *
 * Thread-safe: the rule set is only read; match data, match context and
 * buffers belong to one call.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "column.h"
#include "detect_int.h"
#include "normalize.h"

#define VALUE_MAX	 256  /* bytes of a canonical value (longer: cut) */
#define MASKED_MAX	 512  /* bytes of a masked value */
#define WINDOW_MAX	 1024 /* bytes of an explanation window */
#define WORDS_SEEN_MAX	 512  /* bytes of a list of words seen */
#define WHY_MAX		 1024 /* bytes of an explanation line */
#define EXPLAIN_SIDE	 20   /* code points shown on each side */
#define TOKEN_SCAN	 64   /* bytes looked at for a digit run's extent */
#define EXAMPLE_NORM_MAX (4 * RULE_EXAMPLE_MAX)
#define RUN_STOP	 (-2)	    /* the callback asked to stop */
#define CAND_MAX	 (1u << 20) /* candidates kept for list evidence */

/* A candidate of the first pass of list evidence: t[s, e) and what the
   validator said (vr), or no value at all (vr -1). */
struct cand {
	size_t s, e;
	int vr;
};

/* The state of one detect_text() (or one example): owned by one thread. */
struct run {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	struct buf value, masked, window, ctx, neg, why;
	bool report_dropped;
	bool explain; /* DETECT_EXPLAIN: window, words seen and why */
	detect_cb cb;
	void *arg;
	struct spans *spans; /* per rule, when the prefilter ran; or NULL */
	size_t n_spans;	     /* entries of spans (the rule count) */
	struct occs occ;     /* places of context and negative words */
	bool use_occ;	     /* occ is complete for this text */
	/* the rule being run: its list evidence over this text */
	bool counting;	  /* the first pass: count candidates only */
	bool list_active; /* valid ones without context: list.confidence */
	size_t list_n, list_valid;
	/* the first pass's candidates, in order, so that the second judges
	   them without running the patterns again; cand_ok: all of them
	   are kept (at most CAND_MAX, and no PCRE2 limit cut the pass) */
	struct cand *cand;
	size_t n_cand, cap_cand;
	bool cand_ok;
	struct column_cache col; /* header cells of the rule's matches */
	/* the last header cell whose words were looked up for the rule,
	   [hdr_s, hdr_e) (hdr_e 0: none yet), and the word found (or not) */
	size_t hdr_s, hdr_e, hdr_word;
	bool hdr_found;
	/* where a context word of the rule first occurs in the text: known
	   up to ctx_upto (none before it; with occ: up to the place
	   ctx_upto), or found at ctx_at */
	size_t ctx_upto, ctx_at;
	bool ctx_found;
};

/* Where the nearest word of a list was found. */
struct words_found {
	size_t n;    /* distinct words found */
	size_t best; /* index of the nearest */
	size_t gap;  /* code points between it and the match */
	bool before; /* it precedes the match */
	bool header; /* found in the column's header cell, not nearby */
};

/* Code points in [from, to), counted as cp_fwd steps. */
static size_t
cp_count(const char *t, size_t from, size_t to)
{
	size_t n = 0;

	while (from < to) {
		from = cp_fwd(t, to, from, 1);
		n++;
	}
	return n;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Whether a word of w may start at t + p: its first two bytes (the pair
 * table) before any comparison, since Japanese text shares lead bytes.
 */
static bool
maybe_word(const struct rule_words *w, const char *t, size_t len, size_t p)
{
	unsigned k;

	/* one lookup that is rarely true: its branch is predictable, where
	   the first byte alone (a common lead byte) is not */
	if (p + 1 >= len)
		return w->first[(unsigned char)t[p]];
	k = (unsigned)(unsigned char)t[p] << 8 | (unsigned char)t[p + 1];
	return (w->pair[k >> 3] >> (k & 7)) & 1;
}

/* Append; only running out of memory is an error (-1). */
static int
put(struct buf *b, const void *p, size_t n)
{
	return buf_append(b, p, n) == BUF_ENOMEM ? -1 : 0;
}

static int
puts_(struct buf *b, const char *s)
{
	return put(b, s, strlen(s));
}

/* A number in decimal (printf costs more than a whole match here). */
static int
put_num(struct buf *b, size_t v)
{
	char d[24];
	size_t k = sizeof(d);

	do {
		d[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	return put(b, d + k, sizeof(d) - k);
}

/*
 * The words found (found[i], nearest first: gap[i], before[i]) into seen
 * ("a,b", in the rule's order; NULL: not wanted) and f (the nearest).
 * -1: out of memory.
 */
static int
words_seen(const struct rule_words *w, const bool *found, const size_t *gap,
    const bool *before, struct buf *seen, struct words_found *f)
{
	size_t i, wl;

	for (i = 0; i < w->n; i++) {
		if (!found[i])
			continue;
		if (f->n == 0 || gap[i] < f->gap) {
			f->best = i;
			f->gap = gap[i];
			f->before = before[i];
		}
		f->n++;
		wl = w->lens[i];
		if (seen != NULL && seen->len + wl + 1 <= seen->max &&
		    ((seen->len > 0 && put(seen, ",", 1) < 0) ||
			put(seen, w->words[i], wl) < 0))
			return -1;
	}
	return 0;
}

/*
 * Search the words of w within w->window code points before [s, e) and
 * after it: a word before must end, a word after must start, at most
 * window code points away from the match. One pass over each side, and a
 * word is only compared where the text has one of the words' first bytes,
 * so dense text (a sheet of numbers) costs little. The words seen go into
 * seen ("a,b", in the rule's order); f gets the nearest. Returns -1 when
 * memory ran out. The places of the text's words (find_words_occ) give
 * the same answer without reading the text; this is for when they are
 * not known.
 */
static int
find_words_text(const struct rule_words *w, const char *t, size_t len, size_t s,
    size_t e, struct buf *seen, struct words_found *f)
{
	size_t gap[RULE_WORDS_MAX];
	bool found[RULE_WORDS_MAX], before[RULE_WORDS_MAX];
	bool after[RULE_WORDS_MAX];
	size_t lo, from, i, p, wl, k;

	memset(f, 0, sizeof(*f));
	if (w->n == 0)
		return 0;
	memset(found, 0, w->n * sizeof(found[0]));
	memset(before, 0, w->n * sizeof(before[0]));
	memset(gap, 0, w->n * sizeof(gap[0]));
	/*
	 * before: from the match backwards, one code point at a time (a
	 * word starts on a character, never inside one), so the nearest
	 * comes first. lo, the window's start, is known after window steps;
	 * words that start before it may still end inside it.
	 */
	lo = w->window == 0 ? s : 0;
	from = w->window == 0 && s > w->max_len ? s - w->max_len : 0;
	for (p = s, k = 0; p > from;) {
		p = cp_back(t, p, 1);
		if (++k == w->window) {
			lo = p;
			from = lo > w->max_len ? lo - w->max_len : 0;
		}
		if (p < from || !maybe_word(w, t, len, p))
			continue;
		for (i = 0; i < w->n; i++) {
			wl = w->lens[i];
			if (found[i] || p + wl > s || p + wl < lo ||
			    !word_at(t, p, w->words[i], wl))
				continue;
			found[i] = before[i] = true;
			gap[i] = cp_count(t, p + wl, s);
		}
	}
	/* after: the first occurrence is the nearest; k code points on */
	memset(after, 0, w->n * sizeof(after[0]));
	for (p = e, k = 0; p < len && k <= w->window;
	     p = cp_fwd(t, len, p, 1), k++) {
		if (!maybe_word(w, t, len, p))
			continue;
		for (i = 0; i < w->n; i++) {
			wl = w->lens[i];
			if (after[i] || p + wl > len ||
			    !word_at(t, p, w->words[i], wl))
				continue;
			after[i] = true;
			if (!found[i] || k < gap[i]) {
				gap[i] = k;
				before[i] = false;
			}
			found[i] = true;
		}
	}
	return words_seen(w, found, gap, before, seen, f);
}

/* The first place in occ at or after position pos. */
static size_t
occ_lower(const struct occs *occ, size_t pos)
{
	size_t lo = 0, hi = occ->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (occ->v[mid].pos < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * find_words_text() answered from the places of the text's words: the
 * nearest place before [s, e) of each word that ends within the window
 * (lo, window code points back, minus nothing: it must end at or after
 * lo) and the nearest after that starts within window code points (hi).
 * A word starts on a character (never a continuation byte), where both
 * walks of find_words_text() stop, so the places are the ones it finds.
 */
static int
find_words_occ(const struct occs *occ, const struct rule_words *w,
    const char *t, size_t len, size_t s, size_t e, struct buf *seen,
    struct words_found *f)
{
	size_t gap[RULE_WORDS_MAX], bpos[RULE_WORDS_MAX];
	size_t apos[RULE_WORDS_MAX];
	bool found[RULE_WORDS_MAX], before[RULE_WORDS_MAX];
	size_t lo, hi, from, k, i, j, p, wl, any = 0;
	unsigned li;

	memset(f, 0, sizeof(*f));
	if (w->n == 0)
		return 0;
	/* a code point is at most 4 bytes, as cp_back() and cp_fwd() step:
	   nothing of the list in the widest byte range, nothing to do */
	from = s > (size_t)w->window * 4 + w->max_len
	    ? s - (size_t)w->window * 4 - w->max_len
	    : 0;
	hi = len - e > (size_t)w->window * 4 ? e + (size_t)w->window * 4 : len;
	k = occ_lower(occ, from);
	for (j = k; j < occ->n && occ->v[j].pos <= hi; j++)
		if (w->local[occ->v[j].word] != 0) {
			any = 1;
			break;
		}
	if (!any)
		return 0;
	memset(found, 0, w->n * sizeof(found[0]));
	memset(bpos, 0xff, w->n * sizeof(bpos[0]));
	memset(apos, 0xff, w->n * sizeof(apos[0]));
	lo = w->window == 0 ? s : cp_back(t, s, w->window);
	hi = cp_fwd(t, len, e, w->window);
	from = lo > w->max_len ? lo - w->max_len : 0;
	for (j = occ_lower(occ, from); j < occ->n && occ->v[j].pos <= hi; j++) {
		if ((li = w->local[occ->v[j].word]) == 0)
			continue;
		i = li - 1;
		p = occ->v[j].pos;
		wl = w->lens[i];
		if (p + wl <= s && p + wl >= lo)
			bpos[i] = p; /* the last one is the nearest */
		else if (p >= e && p < len && apos[i] == SIZE_MAX)
			apos[i] = p;
	}
	for (i = 0; i < w->n; i++) {
		if (bpos[i] != SIZE_MAX) {
			found[i] = before[i] = true;
			gap[i] = cp_count(t, bpos[i] + w->lens[i], s);
		}
		if (apos[i] != SIZE_MAX) {
			k = cp_count(t, e, apos[i]);
			if (!found[i] || k < gap[i]) {
				gap[i] = k;
				before[i] = false;
			}
			found[i] = true;
		}
	}
	return words_seen(w, found, gap, before, seen, f);
}

/* The words of w around [s, e): from the places when they are known. */
static int
find_words(const struct run *run, const struct rule_words *w, const char *t,
    size_t len, size_t s, size_t e, struct buf *seen, struct words_found *f)
{
	if (run->use_occ && w->local != NULL)
		return find_words_occ(&run->occ, w, t, len, s, e, seen, f);
	return find_words_text(w, t, len, s, e, seen, f);
}

/* The canonical value of t[s, e): its digits, or the text (cut). */
static int
make_value(
    const struct rule *r, const char *t, size_t s, size_t e, struct buf *v)
{
	size_t i, end;
	int put_ret;

	if (r->value == RULE_VALUE_DIGITS) {
		char d[VALUE_MAX];
		size_t n = 0, room = v->max - v->len;

		if (room > sizeof(d))
			room = sizeof(d);
		for (i = s; i < e && n < room; i++)
			if (is_digit(t[i]))
				d[n++] = t[i];
		put_ret = put(v, d, n);
		explicit_bzero(d, n);
		return put_ret;
	}
	end = e - s > v->max ? s + v->max : e;
	/* cut at a character boundary */
	while (end > s && end < e && is_cont((unsigned char)t[end]))
		end--;
	return put(v, t + s, end - s);
}

/* Digits: keep the last 4 (half of a short value), group as the rule says. */
static int
mask_digits(const struct rule *r, const char *v, size_t n, struct buf *out)
{
	static const unsigned g12[] = { 4, 4, 4 }, g10[] = { 4, 6 };
	const unsigned *groups = NULL;
	size_t n_groups = 0, keep, i, g, sum = 0, next;

	for (i = 0; i < r->n_mask_groups; i++)
		sum += r->mask_groups[i];
	if (r->n_mask_groups > 0 && sum == n) {
		groups = r->mask_groups;
		n_groups = r->n_mask_groups;
	} else if (n == 12) {
		groups = g12;
		n_groups = 3;
	} else if (n == 10) {
		groups = g10;
		n_groups = 2;
	}
	char tmp[2 * VALUE_MAX + 2];
	size_t k = 0;

	keep = n >= 8 ? 4 : n / 2;
	g = 0;
	next = n_groups > 0 ? groups[0] : n;
	/* n <= VALUE_MAX, and at most one '-' per digit */
	for (i = 0; i < n && k + 2 <= sizeof(tmp); i++) {
		if (i == next && g + 1 < n_groups) {
			tmp[k++] = '-';
			next += groups[++g];
		}
		tmp[k++] = i < n - keep ? '*' : v[i];
	}
	return put(out, tmp, k);
}

static bool
keeps_shape(unsigned char c)
{
	return c < 0x80 &&
	    !((c >= '0' && c <= '9') ||
		((c | 0x20) >= 'a' && (c | 0x20) <= 'z'));
}

/*
 * Text: ASCII punctuation and spaces stay (the shape of the value); of
 * the other characters, the last 4 stay (half when fewer than 8) and every
 * other one becomes '*'.
 */
static int
mask_text(const char *v, size_t n, struct buf *out)
{
	size_t total = 0, keep, idx = 0, p, q;

	for (p = 0; p < n; p = cp_fwd(v, n, p, 1))
		if (!keeps_shape((unsigned char)v[p]))
			total++;
	keep = total >= 8 ? 4 : total / 2;
	for (p = 0; p < n; p = q) {
		q = cp_fwd(v, n, p, 1);
		if (keeps_shape((unsigned char)v[p])) {
			if (put(out, &v[p], 1) < 0)
				return -1;
			continue;
		}
		if (put(out, idx < total - keep ? "*" : &v[p],
			idx < total - keep ? 1 : q - p) < 0)
			return -1;
		idx++;
	}
	return 0;
}

/* The extent of the run of digits (joined by single '-' or ' ') at p. */
static size_t
digit_run_digits(const char *t, size_t len, size_t p, size_t *endp)
{
	size_t lo = p > TOKEN_SCAN ? p - TOKEN_SCAN : 0;
	size_t hi = len - p > TOKEN_SCAN ? p + TOKEN_SCAN : len;
	size_t a = p, b = p, n = 0, i;

	while (a > lo &&
	    (is_digit(t[a - 1]) ||
		((t[a - 1] == '-' || t[a - 1] == ' ') && a - 1 > lo &&
		    is_digit(t[a - 2]))))
		a--;
	while (b < hi &&
	    (is_digit(t[b]) ||
		((t[b] == '-' || t[b] == ' ') && b + 1 < hi &&
		    is_digit(t[b + 1]))))
		b++;
	for (i = a; i < b; i++)
		if (is_digit(t[i]))
			n++;
	*endp = b;
	return n;
}

/* t[from, to) for a window: line breaks as ⏎, controls as spaces. */
static int
window_part(const char *t, size_t len, size_t from, size_t to, struct buf *out)
{
	char tmp[256];
	size_t p = from, end, n, k = 0;
	unsigned char c;

	while (p < to) {
		/* room for the longest piece written below (3 bytes) */
		if (k + 3 > sizeof(tmp)) {
			if (put(out, tmp, k) < 0)
				return -1;
			k = 0;
		}
		c = (unsigned char)t[p];
		if (!(is_digit((char)c) || c < 0x20 || c == 0x7f)) {
			/* a run of plain bytes, copied as it is */
			for (; p < to && k < sizeof(tmp); p++) {
				c = (unsigned char)t[p];
				if (is_digit((char)c) || c < 0x20 || c == 0x7f)
					break;
				tmp[k++] = (char)c;
			}
			continue;
		}
		if (is_digit((char)c)) {
			n = digit_run_digits(t, len, p, &end);
			for (; p < end && p < to && k < sizeof(tmp); p++)
				tmp[k++] =
				    n >= 4 && is_digit(t[p]) ? '*' : t[p];
			continue;
		}
		if (c == '\n') {
			memcpy(tmp + k, "\xe2\x8f\x8e", 3); /* ⏎ */
			k += 3;
		} else {
			tmp[k++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
		}
		p++;
	}
	return put(out, tmp, k);
}

static int
make_window(const char *t, size_t len, size_t s, size_t e, const char *masked,
    size_t masked_len, struct buf *out)
{
	size_t ws = cp_back(t, s, EXPLAIN_SIDE);
	size_t we = cp_fwd(t, len, e, EXPLAIN_SIDE);

	if (window_part(t, len, ws, s, out) < 0 ||
	    put(out, masked, masked_len) < 0 ||
	    window_part(t, len, e, we, out) < 0)
		return -1;
	return 0;
}

static int
why_word(struct buf *why, const char *label, const struct rule_words *w,
    const struct words_found *f)
{
	if (puts_(why, label) < 0 || puts_(why, " '") < 0 ||
	    puts_(why, w->words[f->best]) < 0)
		return -1;
	if (f->header)
		return puts_(why, "' in the column header") < 0 ? -1 : 0;
	if (puts_(why, "' ") < 0 || put_num(why, f->gap) < 0 ||
	    puts_(why, f->before ? " chars before" : " chars after") < 0)
		return -1;
	return 0;
}

/* The end of an explanation: "; -> high", or "; -> dropped". */
static int
why_verdict(struct buf *why, enum dlp_confidence c)
{
	return puts_(why, "; -> ") < 0 ||
		puts_(why,
		    c == DLP_CONF_NONE ? "dropped" : dlp_confidence_name(c)) < 0
	    ? -1
	    : 0;
}

/* c one level up, at most high; none stays none. */
static enum dlp_confidence
raise_conf(enum dlp_confidence c)
{
	return c == DLP_CONF_NONE || c >= DLP_CONF_HIGH
	    ? c
	    : (enum dlp_confidence)(c + 1);
}

/* The confidence without context: the rule's, or its list evidence's. */
static enum dlp_confidence
without_context(const struct run *run, const struct rule *r)
{
	return run->list_active ? r->list.confidence : r->without_context;
}

/*
 * The confidence of a match: the validator, then negative, then context
 * (or, without it, list evidence),
 * then a validator's boost (one level up, at most high; a match without
 * the context its rule requires stays dropped).
 */
static enum dlp_confidence
judge(const struct run *run, const struct rule *r, enum validate_result vr,
    const struct words_found *ctx, const struct words_found *neg)
{
	enum dlp_confidence c;

	if (r->validator != NULL && vr == VALIDATE_FAIL)
		return DLP_CONF_NONE;
	if (neg->n > 0)
		return DLP_CONF_NONE;
	c = ctx->n > 0 ? r->with_context : without_context(run, r);
	return r->validator != NULL && vr == VALIDATE_BOOST ? raise_conf(c) : c;
}

/* The one-line explanation of judge(). */
static int
explain(const struct run *run, const struct rule *r, enum validate_result vr,
    const struct words_found *ctx, const struct words_found *neg,
    enum dlp_confidence c, struct buf *why)
{
	if (r->validator != NULL &&
	    (puts_(why, "validator ") < 0 ||
		puts_(why, r->validator_name) < 0 ||
		puts_(why,
		    vr == VALIDATE_FAIL	       ? ": invalid; "
			: vr == VALIDATE_BOOST ? ": valid, one level up; "
					       : ": valid; ") < 0))
		return -1;
	if (ctx->n > 0) {
		if (why_word(why, "context", &r->context, ctx) < 0)
			return -1;
	} else if (r->context.n == 0) {
		if (puts_(why, "no context words") < 0)
			return -1;
	} else if (puts_(why, "no context word within ") < 0 ||
	    put_num(why, r->context.window) < 0 || puts_(why, " chars") < 0) {
		return -1;
	}
	if (ctx->n == 0 && run->list_active &&
	    (puts_(why, "; list evidence: ") < 0 ||
		put_num(why, run->list_valid) < 0 || puts_(why, " of ") < 0 ||
		put_num(why, run->list_n) < 0 ||
		puts_(why, " candidates valid") < 0))
		return -1;
	if (neg->n > 0 &&
	    (puts_(why, "; ") < 0 ||
		why_word(why, "negative", &r->negative, neg) < 0))
		return -1;
	return why_verdict(why, c);
}

/* Wipe a buffer that was used; an empty one has nothing to wipe. */
static void
clear(struct buf *b)
{
	if (b->len > 0)
		buf_reset(b);
}

/*
 * The rest of match m of rule r at t[s, e) (its value, masked form,
 * confidence and validator are set): the rule's names, the run's window,
 * words and explanation; then the callback. Returns 0 or RUN_STOP.
 */
static int
hand_over(struct run *run, const struct rule *r, struct detect_match *m,
    size_t s, size_t e)
{
	m->rule_id = r->id;
	m->kind = r->kind;
	m->name_ja = r->name_ja;
	m->name_en = r->name_en;
	m->monitor = r->monitor;
	m->window = buf_cstr(&run->window);
	m->context_seen = buf_cstr(&run->ctx);
	m->negative_seen = buf_cstr(&run->neg);
	m->why = buf_cstr(&run->why);
	m->offset = s;
	m->length = e - s;
	if (run->cb != NULL && run->cb(run->arg, m) != 0)
		return RUN_STOP;
	return 0;
}

/*
 * Whether a word of w occurs anywhere before s: a header cell, which lies
 * before the match, can only name one then. The scan goes on from where
 * the last call of the rule's run stopped and ends at the first word, so
 * a rule reads the text at most once for it, however many matches ask
 * (text without the words, full of dates, asked the column for each).
 */
static bool
word_before(struct run *run, const struct rule_words *w, const char *t,
    size_t len, size_t s)
{
	const unsigned char *u = (const unsigned char *)t;
	size_t p, i;

	if (run->ctx_found)
		return run->ctx_at < s;
	if (run->use_occ && w->local != NULL) {
		/* the places are in order: the first of w's is the one */
		for (i = run->ctx_upto; i < run->occ.n && run->occ.v[i].pos < s;
		     i++)
			if (w->local[run->occ.v[i].word] != 0) {
				run->ctx_found = true;
				run->ctx_at = run->occ.v[i].pos;
				return true;
			}
		run->ctx_upto = i;
		return false;
	}
	/* byte by byte: a word starts with a byte of w->first, never a
	   continuation byte, and every other byte is a character's start */
	for (p = run->ctx_upto; p < s; p++) {
		if (!w->first[u[p]] || !maybe_word(w, t, len, p))
			continue;
		for (i = 0; i < w->n; i++)
			if (w->lens[i] <= len - p &&
			    word_at(t, p, w->words[i], w->lens[i])) {
				run->ctx_found = true;
				run->ctx_at = p;
				return true;
			}
	}
	if (p > run->ctx_upto)
		run->ctx_upto = p;
	return false;
}

/* The first word of w in the header cell t[hs, he): true, *wi its index. */
static bool
header_word(
    const struct rule_words *w, const char *t, size_t hs, size_t he, size_t *wi)
{
	size_t p, i, wl;

	for (p = hs; p < he; p = cp_fwd(t, he, p, 1)) {
		if (!maybe_word(w, t, he, p))
			continue;
		for (i = 0; i < w->n; i++) {
			wl = w->lens[i];
			if (p + wl > he || !word_at(t, p, w->words[i], wl))
				continue;
			*wi = i;
			return true;
		}
	}
	return false;
}

/*
 * No context word near a match in a table row: the header cell of its
 * column (column.h) may name it, as a roster's 個人番号 column does for
 * every row under it. A word found there counts as context at distance 0.
 * The rows of a column share their header cell: its words are looked up
 * once for a run of matches under it. seen may be NULL (not wanted).
 * Returns -1 when memory ran out.
 */
static int
header_words(struct run *run, const struct rule_words *w, const char *t,
    size_t len, size_t s, size_t e, struct buf *seen, struct words_found *f)
{
	size_t hs, he;

	if (w->n == 0 || !word_before(run, w, t, len, s) ||
	    !column_header_span(t, len, s, e, &run->col, &hs, &he))
		return 0;
	if (hs != run->hdr_s || he != run->hdr_e) {
		run->hdr_s = hs;
		run->hdr_e = he;
		run->hdr_found = header_word(w, t, hs, he, &run->hdr_word);
	}
	if (!run->hdr_found)
		return 0;
	f->n = 1;
	f->best = run->hdr_word;
	f->gap = 0;
	f->header = true;
	return seen == NULL
	    ? 0
	    : put(seen, w->words[run->hdr_word], w->lens[run->hdr_word]);
}

/*
 * One match t[s, e) of rule r: judge it and hand it to the callback.
 * Unless dropped matches are wanted, the work stops as soon as the match
 * is known to be dropped (dense text of non-matching numbers is common).
 * known: what the validator said of it (list evidence's first pass
 * asked already), or -1. Without run->explain the window, words seen
 * and why are left empty. Returns 0, RUN_STOP or -1 (out of memory).
 */
static int
evaluate(struct run *run, const struct rule *r, const char *t, size_t len,
    size_t s, size_t e, int known)
{
	struct detect_match m;
	struct words_found ctx, neg;
	enum validate_result vr = VALIDATE_FAIL;
	bool all = run->report_dropped;
	struct buf *ctx_seen = run->explain ? &run->ctx : NULL;
	struct buf *neg_seen = run->explain ? &run->neg : NULL;

	clear(&run->value);
	clear(&run->masked);
	clear(&run->window);
	clear(&run->ctx);
	clear(&run->neg);
	clear(&run->why);
	memset(&neg, 0, sizeof(neg));
	if (make_value(r, t, s, e, &run->value) < 0)
		return -1;
	if (run->value.len == 0) /* a digits rule matched no digit */
		return 0;
	if (r->validator != NULL) {
		vr = known >= 0
		    ? (enum validate_result)known
		    : r->validator(buf_cstr(&run->value), run->value.len);
		if (vr == VALIDATE_FAIL && !all)
			return 0;
	}
	if (find_words(run, &r->context, t, len, s, e, ctx_seen, &ctx) < 0 ||
	    (ctx.n == 0 &&
		header_words(run, &r->context, t, len, s, e, ctx_seen, &ctx) <
		    0))
		return -1;
	if (!all && ctx.n == 0 && without_context(run, r) == DLP_CONF_NONE)
		return 0;
	if (find_words(run, &r->negative, t, len, s, e, neg_seen, &neg) < 0)
		return -1;
	memset(&m, 0, sizeof(m));
	m.confidence = judge(run, r, vr, &ctx, &neg);
	if (m.confidence == DLP_CONF_NONE && !all)
		return 0;
	if ((r->value == RULE_VALUE_DIGITS
		    ? mask_digits(r, buf_cstr(&run->value), run->value.len,
			  &run->masked)
		    : mask_text(buf_cstr(&run->value), run->value.len,
			  &run->masked)) < 0)
		return -1;
	if (run->explain &&
	    (explain(run, r, vr, &ctx, &neg, m.confidence, &run->why) < 0 ||
		make_window(t, len, s, e, buf_cstr(&run->masked),
		    run->masked.len, &run->window) < 0))
		return -1;
	m.value = buf_cstr(&run->value);
	m.masked = buf_cstr(&run->masked);
	m.validator = r->validator_name;
	m.validator_ok = vr != VALIDATE_FAIL;
	return hand_over(run, r, &m, s, e);
}

/* What a detector's emit needs to judge a hit of rule r. */
struct det_call {
	struct run *run;
	const struct rule *r;
	const char *t;
	size_t len;
	bool stopped; /* the callback asked to stop */
	bool oom;
};

/* The hit's why, then what the rule's words did to it. */
static int
explain_hit(const struct rule *r, const struct detector_hit *h,
    const struct words_found *ctx, const struct words_found *neg,
    enum dlp_confidence c, struct buf *why)
{
	if (h->why != NULL && puts_(why, h->why) < 0)
		return -1;
	if (neg->n > 0 &&
	    ((why->len > 0 && puts_(why, "; ") < 0) ||
		why_word(why, "negative", &r->negative, neg) < 0))
		return -1;
	else if (neg->n == 0 && ctx->n > 0 &&
	    ((why->len > 0 && puts_(why, "; ") < 0) ||
		why_word(why, "context", &r->context, ctx) < 0 ||
		puts_(why, c == h->confidence ? "" : ", one level up") < 0))
		return -1;
	if (neg->n == 0 && ctx->n == 0)
		return 0;
	return why_verdict(why, c);
}

/*
 * One hit of a detector rule: the rule's negative words drop it, its
 * context words raise it one level (at most high); the window is the
 * masked hit alone. Returns 0, RUN_STOP or -1 (out of memory).
 */
static int
evaluate_hit(struct run *run, const struct rule *r, const char *t, size_t len,
    const struct detector_hit *h)
{
	struct detect_match m;
	struct words_found ctx, neg;
	enum dlp_confidence c;
	size_t s, e;

	/* a hit outside the text or without a value is the detector's bug:
	   never read past the text for it */
	if (h == NULL || h->offset > len || h->length > len - h->offset ||
	    h->value == NULL || h->masked == NULL)
		return 0;
	c = h->confidence;
	if (c == DLP_CONF_NONE && !run->report_dropped)
		return 0;
	s = h->offset;
	e = s + h->length;
	clear(&run->window);
	clear(&run->ctx);
	clear(&run->neg);
	clear(&run->why);
	if (find_words(run, &r->negative, t, len, s, e,
		run->explain ? &run->neg : NULL, &neg) < 0)
		return -1;
	if (neg.n > 0)
		c = DLP_CONF_NONE;
	if (c == DLP_CONF_NONE && !run->report_dropped)
		return 0;
	if (run->explain && h->context_seen != NULL &&
	    h->context_seen[0] != '\0' &&
	    put(&run->ctx, h->context_seen,
		strnlen(h->context_seen, WORDS_SEEN_MAX / 2)) < 0)
		return -1;
	if (find_words(run, &r->context, t, len, s, e,
		run->explain ? &run->ctx : NULL, &ctx) < 0)
		return -1;
	if (ctx.n > 0)
		c = raise_conf(c);
	/* the window is the masked hit alone: around a record are other
	   people's names and streets, which digit masking does not hide */
	if (run->explain &&
	    (explain_hit(r, h, &ctx, &neg, c, &run->why) < 0 ||
		put(&run->window, h->masked, strlen(h->masked)) < 0))
		return -1;
	memset(&m, 0, sizeof(m));
	m.value = h->value;
	m.masked = h->masked;
	m.confidence = c;
	return hand_over(run, r, &m, s, e);
}

static int
det_emit(void *arg, const struct detector_hit *h)
{
	struct det_call *d = arg;
	int rc = evaluate_hit(d->run, d->r, d->t, d->len, h);

	if (rc == RUN_STOP)
		d->stopped = true;
	else if (rc < 0)
		d->oom = true;
	return rc != 0;
}

/* A detector rule over t: as run_rule(). */
static int
run_detector(struct run *run, const struct rule *r, const char *t, size_t len)
{
	struct det_call d;
	int rc;

	memset(&d, 0, sizeof(d));
	d.run = run;
	d.r = r;
	d.t = t;
	d.len = len;
	rc = r->detector->run(
	    r->detector_state, t, len, run->report_dropped, det_emit, &d);
	if (d.oom || rc == DLP_EFATAL)
		return DLP_EFATAL;
	if (d.stopped)
		return RUN_STOP;
	return rc == DLP_OK ? DLP_OK : DLP_PARTIAL;
}

static bool
limit_hit(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

/*
 * The first pass of list evidence: one more candidate, valid or not,
 * kept (with what the validator said) for the second pass while there is
 * room; past CAND_MAX, or without memory for more, the second pass runs
 * the patterns again instead.
 */
static int
count_candidate(
    struct run *run, const struct rule *r, const char *t, size_t s, size_t e)
{
	struct cand *grown;
	size_t cap;
	int vr = -1;

	clear(&run->value);
	if (make_value(r, t, s, e, &run->value) < 0)
		return -1;
	if (run->value.len > 0) {
		run->list_n++;
		vr = (int)r->validator(buf_cstr(&run->value), run->value.len);
		if (vr != VALIDATE_FAIL)
			run->list_valid++;
	}
	if (!run->cand_ok)
		return 0;
	if (run->n_cand == run->cap_cand) {
		cap = run->cap_cand == 0 ? 256 : 2 * run->cap_cand;
		if (cap > CAND_MAX)
			cap = CAND_MAX;
		if (run->n_cand >= cap ||
		    (grown = realloc(run->cand, cap * sizeof(*grown))) ==
			NULL) {
			run->cand_ok = false;
			return 0;
		}
		run->cand = grown;
		run->cap_cand = cap;
	}
	run->cand[run->n_cand].s = s;
	run->cand[run->n_cand].e = e;
	run->cand[run->n_cand].vr = vr;
	run->n_cand++;
	return 0;
}

/*
 * The second pass of list evidence over the first pass's candidates: as
 * run_patterns() would find them again. Returns DLP_OK, RUN_STOP or
 * DLP_EFATAL.
 */
static int
replay(struct run *run, const struct rule *r, const char *t, size_t len)
{
	const struct cand *c;
	size_t i;
	int rc;

	for (i = 0; i < run->n_cand; i++) {
		c = &run->cand[i];
		if (c->vr < 0) /* no value: evaluate() would return 0 */
			continue;
		rc = evaluate(run, r, t, len, c->s, c->e, c->vr);
		if (rc != 0)
			return rc == RUN_STOP ? RUN_STOP : DLP_EFATAL;
	}
	return DLP_OK;
}

/*
 * One pattern over t[from, end): the subject ends at end, but starts at
 * the text's start, so lookbehinds see what precedes from. Context words
 * and windows look at the whole text (len). Returns DLP_OK, DLP_PARTIAL
 * (a PCRE2 limit), RUN_STOP or DLP_EFATAL.
 */
static int
run_pattern(struct run *run, const struct rule *r,
    const struct rule_pattern *pat, const char *t, size_t len, size_t from,
    size_t end)
{
	PCRE2_SIZE *ov;
	size_t off = from, s, e;
	int rc;

	while (off < end) {
		/* the JIT's own entry skips pcre2_match()'s checks of its
		   arguments, which are right here by construction: a tenth
		   of a call that finds the next row of a roster */
		rc = pat->jit ? pcre2_jit_match(pat->code, (PCRE2_SPTR)t, end,
				    off, 0, run->md, run->mc)
			      : pcre2_match(pat->code, (PCRE2_SPTR)t, end, off,
				    0, run->md, run->mc);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (limit_hit(rc))
			return DLP_PARTIAL;
		/* 0: the ovector is too small for the groups; the whole
		   match is still there */
		if (rc < 0)
			return DLP_EFATAL;
		ov = pcre2_get_ovector_pointer(run->md);
		s = ov[0];
		e = ov[1];
		if (e <= s || e > end) {
			/* \K can make a match empty or backwards */
			off = cp_fwd(t, end, s > off && s < end ? s : off, 1);
			continue;
		}
		if (run->counting)
			rc = count_candidate(run, r, t, s, e);
		else
			rc = evaluate(run, r, t, len, s, e, -1);
		if (rc != 0)
			return rc == RUN_STOP ? RUN_STOP : DLP_EFATAL;
		off = e;
	}
	return DLP_OK;
}

static int run_patterns(struct run *run, const struct rule *r, const char *t,
    size_t len, const struct spans *sp);

/*
 * Rule r over t: a detector, or its patterns; with list evidence, a first
 * pass counts the candidates and the valid ones (no callback, no memory
 * beyond the counts), and the second reports. Returns as run_patterns().
 */
static int
run_rule(struct run *run, const struct rule *r, const char *t, size_t len,
    const struct spans *sp)
{
	int rc;

	run->list_active = false;
	run->list_n = run->list_valid = 0;
	memset(&run->col, 0, sizeof(run->col));
	run->ctx_upto = run->ctx_at = 0;
	run->ctx_found = false;
	run->hdr_s = run->hdr_e = 0;
	run->hdr_found = false;
	if (r->detector != NULL)
		return run_detector(run, r, t, len);
	if (r->list.min > 0) {
		run->counting = true;
		run->n_cand = 0;
		run->cand_ok = true;
		rc = run_patterns(run, r, t, len, sp);
		run->counting = false;
		if (rc != DLP_OK && rc != DLP_PARTIAL)
			return rc;
		run->list_active = run->list_n >= r->list.min &&
		    (double)run->list_valid >=
			r->list.ratio * (double)run->list_n;
		/* a pass a PCRE2 limit cut short is run again, as before */
		if (rc == DLP_OK && run->cand_ok) {
			rc = replay(run, r, t, len);
			run->list_active = false;
			return rc;
		}
	}
	rc = run_patterns(run, r, t, len, sp);
	run->list_active = false;
	return rc;
}

/*
 * Every pattern of r over t, only within the rule's spans when the
 * prefilter ran (sp not NULL). Returns DLP_OK, DLP_PARTIAL (a PCRE2
 * limit cut a pattern short; the other patterns still ran), RUN_STOP or
 * DLP_EFATAL.
 */
static int
run_patterns(struct run *run, const struct rule *r, const char *t, size_t len,
    const struct spans *sp)
{
	size_t i, k;
	int rc, res = DLP_OK;

	for (i = 0; i < r->n_patterns; i++) {
		if (sp == NULL) {
			rc = run_pattern(
			    run, r, &r->patterns[i], t, len, 0, len);
			if (rc == DLP_PARTIAL)
				res = DLP_PARTIAL;
			else if (rc != DLP_OK)
				return rc;
			continue;
		}
		for (k = 0; k < sp->n; k++) {
			rc = run_pattern(run, r, &r->patterns[i], t, len,
			    sp->v[2 * k], sp->v[2 * k + 1]);
			if (rc == DLP_PARTIAL) {
				/* as a full run: the pattern stops here */
				res = DLP_PARTIAL;
				break;
			}
			if (rc != DLP_OK)
				return rc;
		}
	}
	return res;
}

/* The rule's spans, or NULL: it has no anchors, or no prefilter ran. */
static const struct spans *
rule_spans(const struct run *run, const struct ruleset *rs, size_t i)
{
	const struct rule *r = &rs->rules[i];

	if (run->spans == NULL || (!r->anchors.digits && r->anchors.n == 0))
		return NULL;
	return &run->spans[i];
}

/* Room for the spans of every rule of rs; 0 or -1. */
static int
spans_init(struct run *run, const struct ruleset *rs)
{
	if (rs->pf.n_anchored == 0)
		return 0;
	if ((run->spans = calloc(rs->n_rules, sizeof(*run->spans))) == NULL)
		return -1;
	run->n_spans = rs->n_rules;
	return 0;
}

static void
run_fini(struct run *run)
{
	detect_spans_free(run->spans, run->n_spans);
	detect_occs_free(&run->occ);
	pcre2_match_data_free(run->md);
	pcre2_match_context_free(run->mc);
	free(run->cand);
	buf_free(&run->value);
	buf_free(&run->masked);
	buf_free(&run->window);
	buf_free(&run->ctx);
	buf_free(&run->neg);
	buf_free(&run->why);
}

static int
run_init(struct run *run, const struct dlp_limits *lim)
{
	memset(run, 0, sizeof(*run));
	buf_init(&run->value, VALUE_MAX);
	buf_init(&run->masked, MASKED_MAX);
	buf_init(&run->window, WINDOW_MAX);
	buf_init(&run->ctx, WORDS_SEEN_MAX);
	buf_init(&run->neg, WORDS_SEEN_MAX);
	buf_init(&run->why, WHY_MAX);
	/* one pair: only the whole match is used */
	if ((run->md = pcre2_match_data_create(1, NULL)) == NULL ||
	    (run->mc = pcre2_match_context_create(NULL)) == NULL)
		goto fail;
	if (lim != NULL && lim->pcre2_match_limit > 0 &&
	    pcre2_set_match_limit(run->mc, lim->pcre2_match_limit) != 0)
		goto fail;
	if (lim != NULL && lim->pcre2_depth_limit > 0 &&
	    pcre2_set_depth_limit(run->mc, lim->pcre2_depth_limit) != 0)
		goto fail;
	return 0;
fail:
	run_fini(run);
	return -1;
}

int
detect_text(const struct ruleset *rs, const char *text, size_t len,
    const struct dlp_limits *lim, bool report_dropped, detect_cb cb, void *arg)
{
	return detect_text_flags(rs, text, len, lim,
	    DETECT_EXPLAIN | (report_dropped ? DETECT_DROPPED : 0), cb, arg);
}

int
detect_text_flags(const struct ruleset *rs, const char *text, size_t len,
    const struct dlp_limits *lim, unsigned flags, detect_cb cb, void *arg)
{
	struct run run;
	size_t i;
	int rc, res = DLP_OK;

	if (rs == NULL || (text == NULL && len > 0))
		return DLP_EFATAL;
	if (len == 0)
		return DLP_OK;
	if (run_init(&run, lim) < 0)
		return DLP_EFATAL;
	run.report_dropped = (flags & DETECT_DROPPED) != 0;
	run.explain = (flags & DETECT_EXPLAIN) != 0;
	run.cb = cb;
	run.arg = arg;
	if (spans_init(&run, rs) < 0 ||
	    detect_prefilter_find(
		rs, text, len, run.report_dropped, run.spans, &run.occ) < 0) {
		run_fini(&run);
		return DLP_EFATAL;
	}
	run.use_occ = run.occ.valid;
	for (i = 0; i < rs->n_rules; i++) {
		rc = run_rule(
		    &run, &rs->rules[i], text, len, rule_spans(&run, rs, i));
		if (rc == RUN_STOP) {
			res = DLP_PARTIAL;
			break;
		}
		if (rc == DLP_EFATAL) {
			res = DLP_EFATAL;
			break;
		}
		if (rc == DLP_PARTIAL)
			res = DLP_PARTIAL;
	}
	run_fini(&run);
	return res;
}

/* What a run of one rule over an example gave. */
struct outcome {
	enum dlp_confidence best;
	size_t n;      /* candidates, dropped ones included */
	uint64_t hash; /* of their offsets, lengths and confidences */
};

static int
outcome_cb(void *arg, const struct detect_match *m)
{
	struct outcome *o = arg;
	uint64_t v[3] = { m->offset, m->length, (uint64_t)m->confidence };
	const char *str[3] = { m->why, m->context_seen, m->negative_seen };
	size_t i;
	const char *c;

	if (m->confidence > o->best)
		o->best = m->confidence;
	o->n++;
	for (i = 0; i < 3; i++)
		o->hash = (o->hash ^ v[i]) * 0x100000001b3ULL;
	/* and why: the words found and how far, which the places of the
	   words must give as the text does */
	for (i = 0; i < 3; i++)
		for (c = str[i]; c != NULL && *c != '\0'; c++)
			o->hash =
			    (o->hash ^ (unsigned char)*c) * 0x100000001b3ULL;
	return 0;
}

/*
 * Rule r over the normalised example t, with or without the prefilter
 * (the spans, and the places of words instead of reading the text
 * around each match). Returns the run's code.
 */
static int
example_run(struct run *run, const struct ruleset *rs, size_t ri, const char *t,
    size_t len, bool prefilter, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->hash = 0xcbf29ce484222325ULL;
	run->cb = outcome_cb;
	run->arg = o;
	run->report_dropped = true;
	run->explain = true;
	run->use_occ = false;
	if (!prefilter)
		return run_rule(run, &rs->rules[ri], t, len, NULL);
	if (detect_prefilter_find(rs, t, len, true, run->spans, &run->occ) < 0)
		return DLP_EFATAL;
	run->use_occ = run->occ.valid;
	return run_rule(run, &rs->rules[ri], t, len, rule_spans(run, rs, ri));
}

/*
 * Whether example ex of rule ri behaves as it says, and the same with
 * and without the prefilter (a difference means the rule's anchors miss
 * what its patterns match, or its anchor_reach is too short); false on
 * any failure.
 */
static bool
example_ok(struct run *run, const struct ruleset *rs, size_t ri,
    const struct rule_example *ex)
{
	struct outcome full, pf;
	struct buf norm;
	bool ok = false;

	buf_init(&norm, EXAMPLE_NORM_MAX);
	if (normalize_text(ex->text, strlen(ex->text), &norm) != BUF_OK ||
	    example_run(run, rs, ri, buf_cstr(&norm), norm.len, false, &full) !=
		DLP_OK)
		goto out;
	if (example_run(run, rs, ri, buf_cstr(&norm), norm.len, true, &pf) !=
		DLP_OK ||
	    pf.n != full.n || pf.hash != full.hash)
		goto out;
	if (ex->match)
		ok = full.best != DLP_CONF_NONE &&
		    (!ex->want_conf || full.best == ex->confidence);
	else
		ok = full.best == DLP_CONF_NONE;
out:
	buf_free(&norm);
	return ok;
}

size_t
ruleset_test_examples(const struct ruleset *rs, const struct dlp_limits *lim,
    void (*report)(void *arg, const char *rule_id, const char *example,
	bool expected_match),
    void *arg, size_t *n_examples)
{
	struct run run;
	const struct rule *r;
	const struct rule_example *ex;
	size_t i, j, bad = 0, n = 0;
	bool have_run;

	have_run = run_init(&run, lim) == 0;
	if (have_run && rs != NULL && spans_init(&run, rs) < 0) {
		run_fini(&run);
		have_run = false;
	}
	for (i = 0; rs != NULL && i < rs->n_rules; i++) {
		r = &rs->rules[i];
		for (j = 0; j < r->n_examples; j++) {
			ex = &r->examples[j];
			n++;
			if (have_run && example_ok(&run, rs, i, ex))
				continue;
			bad++;
			if (report != NULL)
				report(arg, r->id, ex->text, ex->match);
		}
	}
	if (have_run)
		run_fini(&run);
	if (n_examples != NULL)
		*n_examples = n;
	return bad;
}
