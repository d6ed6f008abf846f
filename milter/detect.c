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
 * What it does not do: normalise text (the caller does, see normalize.h),
 * count distinct values or apply policy (the scan does).
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
#include <stdio.h>
#include <string.h>

#include "buf.h"
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
#define RUN_STOP	 (-2) /* the callback asked to stop */

/* The state of one detect_text() (or one example): owned by one thread. */
struct run {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	struct buf value, masked, window, ctx, neg, why;
	bool report_dropped;
	detect_cb cb;
	void *arg;
};

/* Where the nearest word of a list was found. */
struct words_found {
	size_t n;    /* distinct words found */
	size_t best; /* index of the nearest */
	size_t gap;  /* code points between it and the match */
	bool before; /* it precedes the match */
};

static bool
is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* pos moved back by n code points (not below 0). */
static size_t
cp_back(const char *t, size_t pos, unsigned n)
{
	unsigned k;

	for (; n > 0 && pos > 0; n--) {
		pos--;
		/* invalid text: never more than 3 continuation bytes */
		for (k = 0; k < 3 && pos > 0 && is_cont((unsigned char)t[pos]);
		     k++)
			pos--;
	}
	return pos;
}

/* pos moved forward by n code points (not past len). */
static size_t
cp_fwd(const char *t, size_t len, size_t pos, unsigned n)
{
	unsigned k;

	for (; n > 0 && pos < len; n--) {
		pos++;
		for (k = 0;
		     k < 3 && pos < len && is_cont((unsigned char)t[pos]); k++)
			pos++;
	}
	return pos;
}

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

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Word w at t + p; ASCII letters compare without case. */
static bool
word_at(const char *t, size_t p, const char *w, size_t wl)
{
	size_t i;

	for (i = 0; i < wl; i++)
		if (ascii_lower(t[p + i]) != ascii_lower(w[i]))
			return false;
	return true;
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

/*
 * Search the words of w within w->window code points before [s, e) and
 * after it: a word before must end, a word after must start, at most
 * window code points away from the match. One pass over each side, and a
 * word is only compared where the text has one of the words' first bytes,
 * so dense text (a sheet of numbers) costs little. The words seen go into
 * seen ("a,b", in the rule's order); f gets the nearest. Returns -1 when
 * memory ran out.
 */
static int
find_words(const struct rule_words *w, const char *t, size_t len, size_t s,
    size_t e, struct buf *seen, struct words_found *f)
{
	size_t gap[RULE_WORDS_MAX];
	bool found[RULE_WORDS_MAX], before[RULE_WORDS_MAX];
	bool after[RULE_WORDS_MAX];
	size_t lo, hi, from, i, p, wl, g;

	memset(f, 0, sizeof(*f));
	if (w->n == 0)
		return 0;
	memset(found, 0, w->n * sizeof(found[0]));
	memset(before, 0, w->n * sizeof(before[0]));
	memset(gap, 0, w->n * sizeof(gap[0]));
	lo = cp_back(t, s, w->window);
	hi = cp_fwd(t, len, e, w->window);
	/* before: from the match backwards, so the nearest comes first */
	from = lo > w->max_len ? lo - w->max_len : 0;
	for (p = s; p-- > from;) {
		if (!w->first[(unsigned char)t[p]])
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
	/* after: the first occurrence is the nearest */
	memset(after, 0, w->n * sizeof(after[0]));
	for (p = e; p <= hi && p < len; p++) {
		if (!w->first[(unsigned char)t[p]])
			continue;
		for (i = 0; i < w->n; i++) {
			wl = w->lens[i];
			if (after[i] || p + wl > len ||
			    !word_at(t, p, w->words[i], wl))
				continue;
			after[i] = true;
			g = cp_count(t, e, p);
			if (!found[i] || g < gap[i]) {
				gap[i] = g;
				before[i] = false;
			}
			found[i] = true;
		}
	}
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
		if (seen->len + wl + 1 <= seen->max &&
		    ((seen->len > 0 && put(seen, ",", 1) < 0) ||
			put(seen, w->words[i], wl) < 0))
			return -1;
	}
	return 0;
}

/* The canonical value of t[s, e): its digits, or the text (cut). */
static int
make_value(
    const struct rule *r, const char *t, size_t s, size_t e, struct buf *v)
{
	size_t i, end;

	if (r->value == RULE_VALUE_DIGITS) {
		for (i = s; i < e && v->len < v->max; i++)
			if (is_digit(t[i]) && put(v, &t[i], 1) < 0)
				return -1;
		return 0;
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
	keep = n >= 8 ? 4 : n / 2;
	g = 0;
	next = n_groups > 0 ? groups[0] : n;
	for (i = 0; i < n; i++) {
		if (i == next && g + 1 < n_groups) {
			if (put(out, "-", 1) < 0)
				return -1;
			next += groups[++g];
		}
		if (put(out, i < n - keep ? "*" : &v[i], 1) < 0)
			return -1;
	}
	return 0;
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
	size_t p = from, end, n;
	unsigned char c;

	while (p < to) {
		c = (unsigned char)t[p];
		if (is_digit((char)c)) {
			n = digit_run_digits(t, len, p, &end);
			for (; p < end && p < to; p++)
				if (put(out,
					n >= 4 && is_digit(t[p]) ? "*" : &t[p],
					1) < 0)
					return -1;
			continue;
		}
		if (c == '\n') {
			if (puts_(out, "\xe2\x8f\x8e") < 0) /* ⏎ */
				return -1;
		} else if (c < 0x20 || c == 0x7f) {
			if (put(out, " ", 1) < 0)
				return -1;
		} else if (put(out, &t[p], 1) < 0) {
			return -1;
		}
		p++;
	}
	return 0;
}

static int
make_window(const char *t, size_t len, size_t s, size_t e,
    const struct buf *masked, struct buf *out)
{
	size_t ws = cp_back(t, s, EXPLAIN_SIDE);
	size_t we = cp_fwd(t, len, e, EXPLAIN_SIDE);

	if (window_part(t, len, ws, s, out) < 0 ||
	    put(out, masked->data, masked->len) < 0 ||
	    window_part(t, len, e, we, out) < 0)
		return -1;
	return 0;
}

static int
why_word(struct buf *why, const char *label, const struct rule_words *w,
    const struct words_found *f)
{
	char num[64];

	snprintf(num, sizeof(num), "' %zu chars %s", f->gap,
	    f->before ? "before" : "after");
	if (puts_(why, label) < 0 || puts_(why, " '") < 0 ||
	    puts_(why, w->words[f->best]) < 0 || puts_(why, num) < 0)
		return -1;
	return 0;
}

/* The confidence of a match: the validator, then negative, then context. */
static enum dlp_confidence
judge(const struct rule *r, bool valid, const struct words_found *ctx,
    const struct words_found *neg)
{
	if (r->validator != NULL && !valid)
		return DLP_CONF_NONE;
	if (neg->n > 0)
		return DLP_CONF_NONE;
	return ctx->n > 0 ? r->with_context : r->without_context;
}

/* The one-line explanation of judge(). */
static int
explain(const struct rule *r, bool valid, const struct words_found *ctx,
    const struct words_found *neg, enum dlp_confidence c, struct buf *why)
{
	char tail[64];

	if (r->validator != NULL &&
	    (puts_(why, "validator ") < 0 ||
		puts_(why, r->validator_name) < 0 ||
		puts_(why, valid ? ": valid; " : ": invalid; ") < 0))
		return -1;
	if (ctx->n > 0) {
		if (why_word(why, "context", &r->context, ctx) < 0)
			return -1;
	} else {
		snprintf(tail, sizeof(tail), "no context word within %u chars",
		    r->context.window);
		if (puts_(why, r->context.n > 0 ? tail : "no context words") <
		    0)
			return -1;
	}
	if (neg->n > 0 &&
	    (puts_(why, "; ") < 0 ||
		why_word(why, "negative", &r->negative, neg) < 0))
		return -1;
	snprintf(tail, sizeof(tail), "; -> %s",
	    c == DLP_CONF_NONE ? "dropped" : dlp_confidence_name(c));
	return puts_(why, tail);
}

/* Wipe a buffer that was used; an empty one has nothing to wipe. */
static void
clear(struct buf *b)
{
	if (b->len > 0)
		buf_reset(b);
}

/*
 * One match t[s, e) of rule r: judge it and hand it to the callback.
 * Unless dropped matches are wanted, the work stops as soon as the match
 * is known to be dropped (dense text of non-matching numbers is common).
 * Returns 0, RUN_STOP or -1 (out of memory).
 */
static int
evaluate(struct run *run, const struct rule *r, const char *t, size_t len,
    size_t s, size_t e)
{
	struct detect_match m;
	struct words_found ctx, neg;
	bool valid = false, all = run->report_dropped;

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
		valid = r->validator(buf_cstr(&run->value), run->value.len) !=
		    VALIDATE_FAIL;
		if (!valid && !all)
			return 0;
	}
	if (find_words(&r->context, t, len, s, e, &run->ctx, &ctx) < 0)
		return -1;
	if (!all && ctx.n == 0 && r->without_context == DLP_CONF_NONE)
		return 0;
	if (find_words(&r->negative, t, len, s, e, &run->neg, &neg) < 0)
		return -1;
	memset(&m, 0, sizeof(m));
	m.confidence = judge(r, valid, &ctx, &neg);
	if (m.confidence == DLP_CONF_NONE && !all)
		return 0;
	if (explain(r, valid, &ctx, &neg, m.confidence, &run->why) < 0 ||
	    (r->value == RULE_VALUE_DIGITS
		    ? mask_digits(r, buf_cstr(&run->value), run->value.len,
			  &run->masked)
		    : mask_text(buf_cstr(&run->value), run->value.len,
			  &run->masked)) < 0 ||
	    make_window(t, len, s, e, &run->masked, &run->window) < 0)
		return -1;
	m.rule_id = r->id;
	m.kind = r->kind;
	m.name_ja = r->name_ja;
	m.name_en = r->name_en;
	m.monitor = r->monitor;
	m.value = buf_cstr(&run->value);
	m.masked = buf_cstr(&run->masked);
	m.window = buf_cstr(&run->window);
	m.validator = r->validator_name;
	m.validator_ok = valid;
	m.context_seen = buf_cstr(&run->ctx);
	m.negative_seen = buf_cstr(&run->neg);
	m.why = buf_cstr(&run->why);
	m.offset = s;
	m.length = e - s;
	if (run->cb != NULL && run->cb(run->arg, &m) != 0)
		return RUN_STOP;
	return 0;
}

static bool
limit_hit(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

/*
 * Every pattern of r over t. Returns DLP_OK, DLP_PARTIAL (a PCRE2 limit
 * cut a pattern short; the other patterns still ran), RUN_STOP or
 * DLP_EFATAL.
 */
static int
run_rule(struct run *run, const struct rule *r, const char *t, size_t len)
{
	PCRE2_SIZE *ov;
	size_t i, off, s, e;
	int rc, res = DLP_OK;

	for (i = 0; i < r->n_patterns; i++) {
		off = 0;
		while (off < len) {
			rc = pcre2_match(r->patterns[i].code, (PCRE2_SPTR)t,
			    len, off, 0, run->md, run->mc);
			if (rc == PCRE2_ERROR_NOMATCH)
				break;
			if (limit_hit(rc)) {
				res = DLP_PARTIAL;
				break;
			}
			/* 0: the ovector is too small for the groups; the
			   whole match is still there */
			if (rc < 0)
				return DLP_EFATAL;
			ov = pcre2_get_ovector_pointer(run->md);
			s = ov[0];
			e = ov[1];
			if (e <= s || e > len) {
				/* \K can make a match empty or backwards */
				off = cp_fwd(
				    t, len, s > off && s < len ? s : off, 1);
				continue;
			}
			if ((rc = evaluate(run, r, t, len, s, e)) != 0)
				return rc == RUN_STOP ? RUN_STOP : DLP_EFATAL;
			off = e;
		}
	}
	return res;
}

static void
run_fini(struct run *run)
{
	pcre2_match_data_free(run->md);
	pcre2_match_context_free(run->mc);
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
	struct run run;
	size_t i;
	int rc, res = DLP_OK;

	if (rs == NULL || (text == NULL && len > 0))
		return DLP_EFATAL;
	if (len == 0)
		return DLP_OK;
	if (run_init(&run, lim) < 0)
		return DLP_EFATAL;
	run.report_dropped = report_dropped;
	run.cb = cb;
	run.arg = arg;
	for (i = 0; i < rs->n_rules; i++) {
		rc = run_rule(&run, &rs->rules[i], text, len);
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

static int
best_cb(void *arg, const struct detect_match *m)
{
	enum dlp_confidence *best = arg;

	if (m->confidence > *best)
		*best = m->confidence;
	return 0;
}

/* Whether example ex of rule r behaves as it says; false on any failure. */
static bool
example_ok(struct run *run, const struct rule *r, const struct rule_example *ex)
{
	enum dlp_confidence best = DLP_CONF_NONE;
	struct buf norm;
	bool ok = false;
	int rc;

	buf_init(&norm, EXAMPLE_NORM_MAX);
	if (normalize_text(ex->text, strlen(ex->text), &norm) != BUF_OK)
		goto out;
	run->cb = best_cb;
	run->arg = &best;
	rc = run_rule(run, r, buf_cstr(&norm), norm.len);
	if (rc != DLP_OK)
		goto out;
	if (ex->match)
		ok = best != DLP_CONF_NONE &&
		    (!ex->want_conf || best == ex->confidence);
	else
		ok = best == DLP_CONF_NONE;
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
	for (i = 0; rs != NULL && i < rs->n_rules; i++) {
		r = &rs->rules[i];
		for (j = 0; j < r->n_examples; j++) {
			ex = &r->examples[j];
			n++;
			if (have_run && example_ok(&run, r, ex))
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
