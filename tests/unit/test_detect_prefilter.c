/*
 * Unit tests for detect_prefilter: the one pass over a text that finds
 * every rule's anchors (digit runs of a shape, literals) and the places of
 * every context and negative word, and what detect_text() makes of them:
 * anchor_reach spans, the places instead of a window search, the limits.
 *
 * The pass is checked against what it must equal: spans are compared with
 * hand-made ones, places with a naive search of the text, and every
 * detect_text() result with a run of the same rules without anchors.
 *
 * Run from the project root. Every number here is synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "detect_int.h"
#include "normalize.h"

#define MAX_HITS 64

/* ---- helpers ---------------------------------------------------------- */

static char *
concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

/* The rules of yaml, written to a fresh directory and loaded. */
static struct ruleset *
load(const char *yaml, struct dlp_error *err)
{
	char dir[] = "/tmp/test_prefilter.XXXXXX", path[64];
	struct ruleset *rs;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.yaml", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(yaml, fp);
	fclose(fp);
	memset(err, 0, sizeof(*err));
	rs = ruleset_load(dir, err);
	unlink(path);
	rmdir(dir);
	return rs;
}

static struct ruleset *
must_load(const char *yaml)
{
	struct dlp_error err;
	struct ruleset *rs = load(yaml, &err);

	if (rs == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	return rs;
}

/* The rule set's index of the rule named id. */
static size_t
rule_index(const struct ruleset *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->n_rules; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return i;
	fail_msg("no rule %s", id);
	return 0;
}

/* One pass over t: spans (per rule) and places, owned by the caller. */
struct pass {
	struct spans *spans;
	struct occs occ;
	size_t n;
};

static void
run_pass_all(const struct ruleset *rs, const char *t, size_t len, bool all,
    struct pass *p)
{
	if (p->spans == NULL) {
		assert_non_null(
		    p->spans = calloc(rs->n_rules, sizeof(*p->spans)));
		p->n = rs->n_rules;
	}
	assert_int_equal(
	    detect_prefilter_find(rs, t, len, all, p->spans, &p->occ), 0);
}

/* A pass for a caller that wants dropped matches (every span). */
static void
run_pass(const struct ruleset *rs, const char *t, size_t len, struct pass *p)
{
	run_pass_all(rs, t, len, true, p);
}

static void
pass_free(struct pass *p)
{
	detect_spans_free(p->spans, p->n);
	detect_occs_free(&p->occ);
	memset(p, 0, sizeof(*p));
}

struct hit {
	char rule[32];
	char value[64];
	size_t offset, length;
	enum dlp_confidence confidence;
	char why[160];
};

struct hits {
	struct hit h[MAX_HITS];
	size_t n;
};

static int
collect(void *arg, const struct detect_match *m)
{
	struct hits *hs = arg;
	struct hit *h;

	if (hs->n == MAX_HITS)
		return 0;
	h = &hs->h[hs->n++];
	snprintf(h->rule, sizeof(h->rule), "%s", m->rule_id);
	snprintf(h->value, sizeof(h->value), "%s", m->value);
	h->offset = m->offset;
	h->length = m->length;
	h->confidence = m->confidence;
	snprintf(h->why, sizeof(h->why), "%s", m->why);
	return 0;
}

static void
scan_all(const struct ruleset *rs, const char *t, size_t len, bool all,
    struct hits *hs)
{
	memset(hs, 0, sizeof(*hs));
	assert_int_equal(
	    detect_text(rs, t, len, NULL, all, collect, hs), DLP_OK);
}

/* Every candidate, dropped ones included. */
static void
scan_n(const struct ruleset *rs, const char *t, size_t len, struct hits *hs)
{
	scan_all(rs, t, len, true, hs);
}

/* The same candidates, confidences and explanations, in the same order. */
static void
assert_same_hits(const struct hits *a, const struct hits *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_string_equal(a->h[i].rule, b->h[i].rule);
		assert_string_equal(a->h[i].value, b->h[i].value);
		assert_int_equal(a->h[i].offset, b->h[i].offset);
		assert_int_equal(a->h[i].length, b->h[i].length);
		assert_int_equal(a->h[i].confidence, b->h[i].confidence);
		assert_string_equal(a->h[i].why, b->h[i].why);
	}
}

/* A rule without anchors: yaml with every "anchors:" and
   "anchor_reach:" line taken out. */
static char *
without_anchors(const char *yaml)
{
	char *out = malloc(strlen(yaml) + 1), *o = out;
	const char *p = yaml, *nl;

	assert_non_null(out);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		nl = nl == NULL ? p + strlen(p) : nl + 1;
		if (strstr(p, "anchor") == NULL || strstr(p, "anchor") >= nl) {
			memcpy(o, p, (size_t)(nl - p));
			o += nl - p;
		}
		p = nl;
	}
	*o = '\0';
	return out;
}

/* Every rule needs an example; these tests do not run them. */
#define EX "    examples: {match: ['x']}\n"

static const char head[] = "rules:\n"
			   "  - id: t.a\n"
			   "    kind: a\n"
			   "    names: {ja: a, en: a}\n";

/* ---- digit runs: shapes, separators, ends ------------------------------- */

/*
 * A run: digits joined by single '-' or ' '; anything else ends it. Its
 * shape (digits, most in a row) decides which rules it anchors. Spans
 * with anchor_reach 1: one character on each side of the run.
 */
static void
test_digit_runs_have_a_shape_and_separators(void **state)
{
	static const struct {
		const char *text;
		bool anchors; /* {digits: 6, in_a_row: 3} */
	} cases[] = {
		{ "x 123-456 y", true },    /* 6 digits, 3 in a row */
		{ "x 123 456 y", true },    /* a space joins */
		{ "x 12-34-56 y", false },  /* none 3 in a row */
		{ "x 123--456 y", false },  /* two separators end it */
		{ "x 123- 456 y", false },  /* so do two kinds */
		{ "x 123.456 y", false },   /* a dot ends it */
		{ "x 123/456 y", false },   /* a slash ends it */
		{ "x 123,456 y", false },   /* a comma ends it */
		{ "x 12345 y", false },	    /* 5 digits */
		{ "x 1-2-3-456 y", true },  /* 6, 3 in a row at the end */
		{ "123456", true },	    /* the whole text */
		{ "x 123-456", true },	    /* at the end of the text */
		{ "x 123-456-", true },	    /* a trailing separator */
		{ "x 123-45\n6 y", false }, /* a line break ends it */
		{ "１２３－４５６", true }, /* full width, after NFKC */
		{ "１２３　４５６", true }, /* an ideographic space */
	};
	struct ruleset *rs;
	struct pass p = { 0 };
	struct buf norm;
	char *yaml;
	size_t i;

	yaml = concat(head,
	    "    patterns: ['x']\n"
	    "    anchors: [{digits: 6, in_a_row: 3}]\n"
	    "    anchor_reach: 1\n" EX);
	rs = must_load(yaml);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&norm, 1024);
		assert_int_equal(
		    normalize_text(cases[i].text, strlen(cases[i].text), &norm),
		    BUF_OK);
		run_pass(rs, buf_cstr(&norm), norm.len, &p);
		if (p.spans[0].n != (cases[i].anchors ? 1u : 0u))
			fail_msg(
			    "'%s': %zu spans", cases[i].text, p.spans[0].n);
		buf_free(&norm);
	}
	pass_free(&p);
	ruleset_free(rs);
	free(yaml);
}

/*
 * A digit at every offset of a long text: the pass tests several bytes
 * at a time, and none of them may be skipped (a run at any offset, at the
 * very end, or one byte long opens its span).
 */
static void
test_digit_runs_at_every_offset_and_at_the_ends(void **state)
{
	struct ruleset *rs;
	struct pass p = { 0 };
	char *yaml, text[200];
	size_t at, len;

	yaml = concat(head,
	    "    patterns: ['x']\n"
	    "    anchors: [digits]\n"
	    "    anchor_reach: 1\n" EX);
	rs = must_load(yaml);
	for (len = 1; len < sizeof(text); len += 13)
		for (at = 0; at < len; at++) {
			memset(text, 'a', len);
			text[at] = '7';
			run_pass(rs, text, len, &p);
			assert_int_equal(p.spans[0].n, 1);
			/* a character on each side, cut at the ends */
			assert_int_equal(p.spans[0].v[0], at > 1 ? at - 1 : 0);
			assert_int_equal(
			    p.spans[0].v[1], len - at - 1 > 1 ? at + 2 : len);
		}
	/* a text without digits: no span */
	memset(text, 'a', sizeof(text));
	run_pass(rs, text, sizeof(text), &p);
	assert_int_equal(p.spans[0].n, 0);
	pass_free(&p);
	ruleset_free(rs);
	free(yaml);
}

/* A very long run is one anchor, measured once; its count has no limit. */
static void
test_very_long_runs_are_one_anchor(void **state)
{
	struct ruleset *rs;
	struct pass p = { 0 };
	char *yaml, *text;
	size_t len = 100000, i;

	yaml = concat(head,
	    "    patterns: ['x']\n"
	    "    anchors: [{digits: 64, in_a_row: 64}]\n"
	    "    anchor_reach: 2\n" EX);
	rs = must_load(yaml);
	assert_non_null(text = malloc(len));
	for (i = 0; i < len; i++)
		text[i] = (char)('0' + i % 10);
	text[10] = ' '; /* joins: still one run */
	run_pass(rs, text, len, &p);
	assert_int_equal(p.spans[0].n, 1);
	assert_int_equal(p.spans[0].v[0], 0);
	assert_int_equal(p.spans[0].v[1], len);
	/* 63 in a row is not 64 */
	for (i = 0; i < len; i++)
		text[i] = i % 64 == 63 ? '-' : '5';
	run_pass(rs, text, len, &p);
	assert_int_equal(p.spans[0].n, 0);
	free(text);
	pass_free(&p);
	ruleset_free(rs);
	free(yaml);
}

/* Whether the CPU runs the byte test vec (detect_int.h, PF_VEC_*). */
static bool
cpu_has(int vec)
{
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (vec == PF_VEC_AVX2)
		return __builtin_cpu_supports("avx2");
	if (vec == PF_VEC_SSSE3)
		return __builtin_cpu_supports("ssse3");
#endif
	return vec == PF_VEC_TABLE;
}

/* The same spans and places (a and b from two passes of rs). */
static void
assert_same_pass(const struct ruleset *rs, const struct pass *a,
    const struct pass *b, int vec, size_t len)
{
	size_t i;

	for (i = 0; i < rs->n_rules; i++) {
		if (a->spans[i].n != b->spans[i].n)
			fail_msg(
			    "vec %d, len %zu, rule %zu: %zu spans, not %zu",
			    vec, len, i, b->spans[i].n, a->spans[i].n);
		assert_memory_equal(a->spans[i].v, b->spans[i].v,
		    2 * a->spans[i].n * sizeof(*a->spans[i].v));
	}
	assert_int_equal(a->occ.valid, b->occ.valid);
	assert_int_equal(a->occ.n, b->occ.n);
	assert_memory_equal(a->occ.v, b->occ.v, a->occ.n * sizeof(*a->occ.v));
}

/*
 * The bytes of the table (digits, one-byte words in both cases) are found
 * 32 (AVX2) or 16 (SSSE3) at a time, or 4 at a time by the table on a CPU
 * without them: every way the CPU has gives the pass of the table, on
 * random bytes (0x80 and up share low nibbles with the words: '@' 0x40
 * and 0xc0), at every length around the vector widths.
 */
static void
test_vector_byte_tests_give_the_table_pass(void **state)
{
	static const char yaml[] =
	    "rules:\n"
	    "  - id: t.run\n"
	    "    kind: a\n"
	    "    names: {ja: a, en: a}\n"
	    "    patterns: ['x']\n"
	    "    anchors: [{digits: 3, in_a_row: 2}]\n"
	    "    anchor_reach: 1\n" EX "  - id: t.short\n"
	    "    kind: a\n"
	    "    names: {ja: a, en: a}\n"
	    "    patterns: ['x']\n"
	    "    anchors: ['@', q, '~']\n"
	    "    anchor_reach: 1\n"
	    "    context: {words: ['(', ')', '[', Z]}\n" EX;
	static const char pick[] = "0123456789@qQ~()[zZ -\n\x80\xc0\xd1\xfe"
				   "\x7e\x5e\x71\x51"
				   "a";
	struct ruleset *rs;
	struct pass ref = { 0 }, got = { 0 };
	unsigned seed = 20261123;
	char text[300];
	size_t len, i, round;
	int vec, cpu;

	rs = must_load(yaml);
	cpu = rs->pf.vec;
	assert_true(cpu_has(cpu));
	/* the load chose the widest the CPU has */
	if (cpu_has(PF_VEC_AVX2))
		assert_int_equal(cpu, PF_VEC_AVX2);
	for (round = 0; round < 40; round++)
		for (len = 0; len < sizeof(text); len += 1 + len / 8) {
			for (i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				/* mostly a byte that is no anchor */
				text[i] = (seed >> 16) % 4 != 0
				    ? (char)('a' + (seed >> 20) % 8)
				    : pick[(seed >> 8) % (sizeof(pick) - 1)];
			}
			rs->pf.vec = PF_VEC_TABLE;
			run_pass(rs, text, len, &ref);
			for (vec = PF_VEC_SSSE3; vec <= PF_VEC_AVX2; vec++) {
				if (!cpu_has(vec))
					continue;
				rs->pf.vec = vec;
				run_pass(rs, text, len, &got);
				assert_same_pass(rs, &ref, &got, vec, len);
			}
		}
	rs->pf.vec = cpu;
	pass_free(&ref);
	pass_free(&got);
	ruleset_free(rs);
}

/* ---- spans ------------------------------------------------------------ */

/*
 * anchor_reach N: N code points on each side, however many bytes they
 * take; spans that touch merge. Without it: the lines around the
 * anchor, and an anchor on the line after the last anchor's line carries
 * the span one line further.
 */
static void
test_spans_by_reach_and_by_lines(void **state)
{
	/* "あ" is 3 bytes */
	static const char text[] = "ああああ12ああああああああああああ34あ\n"
				   "q\nr\n56\ns\nt\nu\nv\nw\n";
	struct ruleset *rs;
	struct pass p = { 0 };
	size_t a, b;
	char *yaml;

	yaml = concat(head,
	    "    patterns: ['x']\n"
	    "    anchors: [digits]\n"
	    "    anchor_reach: 2\n" EX "  - id: t.lines\n"
	    "    kind: a\n"
	    "    names: {ja: a, en: a}\n"
	    "    patterns: ['x']\n"
	    "    anchors: [digits]\n" EX);
	rs = must_load(yaml);
	run_pass(rs, text, strlen(text), &p);
	a = rule_index(rs, "t.a");
	b = rule_index(rs, "t.lines");
	/* 12 at 12: two あ on each side (6 bytes), not 8 bytes */
	assert_int_equal(p.spans[a].n, 3);
	assert_int_equal(p.spans[a].v[0], 6);
	assert_int_equal(p.spans[a].v[1], 20);
	/* 34 at 50: two あ back, あ and '\n' on */
	assert_int_equal(p.spans[a].v[2], 44);
	assert_int_equal(p.spans[a].v[3], 56);
	/* 56 at 60: from 'r' (58), apart from the last, to past "\ns" */
	assert_int_equal(p.spans[a].v[4], 58);
	assert_int_equal(p.spans[a].v[5], 64);
	/* lines: 12 and 34 on line 0 (to the end of line 1), 56 on line 3
	   (from line 2 to the end of line 4): they touch */
	assert_int_equal(p.spans[b].n, 1);
	assert_int_equal(p.spans[b].v[0], 0);
	assert_int_equal(p.spans[b].v[1], strstr(text, "t\n") - text);
	pass_free(&p);
	ruleset_free(rs);
	free(yaml);
	/* an anchor on the line after the last anchor's line carries the
	   span to the end of the line after it */
	yaml = concat(head,
	    "    patterns: ['x']\n"
	    "    anchors: ['@']\n" EX);
	rs = must_load(yaml);
	run_pass(rs, "@\n@\nc\nd\n", 8, &p);
	assert_int_equal(p.spans[0].n, 1);
	assert_int_equal(p.spans[0].v[0], 0);
	assert_int_equal(p.spans[0].v[1], 6);
	pass_free(&p);
	ruleset_free(rs);
	free(yaml);
}

/*
 * The reach is counted eight bytes at a time: on valid UTF-8 of one- to
 * four-byte characters, for every reach and at every anchor, the span is
 * exactly cp_back() and cp_fwd() of it; on bytes that are not UTF-8 it
 * holds at least as much (never a match less).
 */
static void
test_reach_is_code_points_on_any_text(void **state)
{
	static const char *const chars[] = { "a", "\xc3\xa9", "\xe3\x81\x82",
		"\xf0\x9f\x98\x80", "\n" };
	struct ruleset *rs;
	struct pass p = { 0 };
	char yaml[512], text[400];
	size_t len, at, k, n_ok = 0;
	unsigned reach, seed = 7, round;

	for (reach = 1; reach <= 40; reach += 3) {
		snprintf(yaml, sizeof(yaml),
		    "%s    patterns: ['x']\n    anchors: [digits]\n"
		    "    anchor_reach: %u\n" EX,
		    head, reach);
		rs = must_load(yaml);
		for (round = 0; round < 60; round++) {
			/* characters up to the anchor, a digit, more after */
			len = 0;
			at = 0;
			while (len < sizeof(text) - 8) {
				seed = seed * 1103515245u + 12345u;
				if (at == 0 && len > (seed >> 8) % 300) {
					at = len;
					text[len++] = '5';
					continue;
				}
				k = strlen(chars[(seed >> 16) % 5]);
				memcpy(text + len, chars[(seed >> 16) % 5], k);
				len += k;
			}
			if (at == 0) {
				at = len;
				text[len++] = '5';
			}
			run_pass(rs, text, len, &p);
			assert_int_equal(p.spans[0].n, 1);
			assert_int_equal(
			    p.spans[0].v[0], cp_back(text, at, reach));
			assert_int_equal(
			    p.spans[0].v[1], cp_fwd(text, len, at + 1, reach));
			/* the same bytes, continuation bytes in long runs */
			for (k = 0; k < len; k++)
				if (k != at && (k * 7 + round) % 5 == 0)
					text[k] = (char)0x80;
			run_pass(rs, text, len, &p);
			assert_int_equal(p.spans[0].n, 1);
			assert_true(
			    p.spans[0].v[0] <= cp_back(text, at, reach));
			assert_true(p.spans[0].v[1] >=
			    cp_fwd(text, len, at + 1, reach));
			n_ok++;
		}
		pass_free(&p);
		ruleset_free(rs);
	}
	assert_int_equal(n_ok, 14 * 60);
}

/* ---- places of words --------------------------------------------------- */

/*
 * Every place of every context and negative word, in order, as a naive
 * search finds them: several rules, words in two cases, words inside
 * words, one-byte words, overlapping places.
 */
static void
test_word_places_are_those_of_a_naive_search(void **state)
{
	static const char yaml[] =
	    "rules:\n"
	    "  - id: t.one\n"
	    "    kind: a\n"
	    "    names: {ja: a, en: a}\n"
	    "    patterns: ['Q']\n"
	    "    context: {words: [個人番号, 番号, My Number, '(']}\n"
	    "    negative: {words: [ああ, 注文]}\n" EX "  - id: t.two\n"
	    "    kind: a\n"
	    "    names: {ja: a, en: a}\n"
	    "    patterns: ['R']\n"
	    "    anchors: [注文]\n"
	    "    context: {words: [ＭＹ ＮＵＭＢＥＲ, 電話]}\n" EX;
	static const char text[] = "個人番号 my number (注文) あああ 電話番号 "
				   "MY NUMBER((番号";
	struct ruleset *rs;
	struct pass p = { 0 };
	size_t i, j, k, pos, n = 0;

	rs = must_load(yaml);
	run_pass(rs, text, strlen(text), &p);
	assert_true(p.occ.valid);
	for (pos = 0; text[pos] != '\0'; pos++)
		for (j = 0; j < rs->pf.n_words; j++) {
			const struct scan_word *w = &rs->pf.words[j];

			if (!w->recorded || w->len > strlen(text + pos) ||
			    !word_at(text, pos, w->word, w->len))
				continue;
			/* the pass has it, once */
			for (i = 0, k = 0; i < p.occ.n; i++)
				k += p.occ.v[i].pos == pos &&
				    p.occ.v[i].word == j;
			if (k != 1)
				fail_msg(
				    "'%s' at %zu: %zu times", w->word, pos, k);
			n++;
		}
	assert_int_equal(p.occ.n, n);
	for (i = 1; i < p.occ.n; i++)
		assert_true(p.occ.v[i - 1].pos <= p.occ.v[i].pos);
	/* My Number and ＭＹ ＮＵＭＢＥＲ are one word; ああ twice in あああ */
	assert_int_equal(n, 13);
	/* the anchor 注文 is a negative word of another rule: both */
	assert_int_equal(p.spans[rule_index(rs, "t.two")].n, 1);
	pass_free(&p);
	ruleset_free(rs);
}

/*
 * The places answer what a search around each match answers: the same
 * words, the nearest of them and its distance in characters, on both
 * sides, at window edges, with invalid UTF-8 around. Checked through
 * --test-rules' own comparison (examples run with and without the pass)
 * and directly against a rule set whose list holds a word twice (which
 * keeps no places and searches the text).
 */
static void
test_places_give_what_the_window_search_gives(void **state)
{
	static const char yaml_a[] =
	    "rules:\n"
	    "  - id: t.w\n"
	    "    kind: a\n"
	    "    names: {ja: a, en: a}\n"
	    "    patterns: ['(?<![0-9])[0-9]{4}(?![0-9])']\n"
	    "    context: {words: [番号, ID, 控え], window: 5}\n"
	    "    negative: {words: [注文], window: 3}\n"
	    "    confidence: {without_context: low, with_context: high}\n"
	    "    examples:\n"
	    "      match: ['番号 1234', '1234 ID', '番号12345 6789',\n"
	    "        'ID ID 1111 控え', '注文 番号 1234']\n";
	static const char *const texts[] = {
		"番号1234",
		"番号 1234",
		"番号abcd1234",
		"番号abcde1234",  /* 5 between: at the edge */
		"番号abcdef1234", /* 6: outside */
		"1234abcd番号",
		"1234abcde番号",
		"1234番号番号番号",
		"ID1234id5678iD",
		"注文1234 注文abc1234 注文abcd1234",
		"\xff\xfe番号\x80\x80\x80\x80\x80"
		"1234\x80ID",
		"控え控え 1234 控え控え 5678",
		"番号\n1234\n番号\n\n\n\n\n\n\n5678 番号",
	};
	struct ruleset *a, *b;
	struct hits ha, hb;
	char *yaml_b;
	size_t i, n = 0;

	a = must_load(yaml_a);
	/* the examples compare both ways and pass */
	assert_int_equal(ruleset_test_examples(a, NULL, NULL, NULL, &n), 0);
	assert_int_equal(n, 5);
	assert_non_null(a->rules[0].context.local);
	/* the same words, 番号 twice: no places for this list */
	yaml_b = concat(yaml_a, "");
	memcpy(strstr(yaml_b, "控え"), "番号", strlen("番号"));
	b = must_load(yaml_b);
	assert_null(b->rules[0].context.local);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		scan_n(a, texts[i], strlen(texts[i]), &ha);
		scan_n(b, texts[i], strlen(texts[i]), &hb);
		assert_true(ha.n > 0);
		/* 控え differs between the two sets: compare texts without */
		if (strstr(texts[i], "控え") == NULL)
			assert_same_hits(&ha, &hb);
	}
	/* distances are in characters, from the nearest */
	scan_n(a, "番号 番号ab1234", strlen("番号 番号ab1234"), &ha);
	assert_int_equal(ha.n, 1);
	assert_string_equal(
	    ha.h[0].why, "context '番号' 2 chars before; -> high");
	scan_n(a, "1234 xID", strlen("1234 xID"), &ha);
	assert_string_equal(ha.h[0].why, "context 'ID' 2 chars after; -> high");
	ruleset_free(a);
	ruleset_free(b);
	free(yaml_b);
}

/* ---- the shipped rules: with and without the pass ------------------------ */

/* The shipped rule files but person_record (it needs the dictionaries),
   into a new directory, anchors taken out when plain. */
static void
copy_rules(char *dir, bool plain)
{
	static const char *const files[] = { "bank_account", "birth_date",
		"classification", "corporate_number", "credit_card",
		"drivers_license", "email", "health_insurance", "my_number",
		"passport", "pension_number", "phone", "residence_card" };
	char path[128], *yaml, *out;
	size_t i, n;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "patterns/%s.yaml", files[i]);
		assert_non_null(fp = fopen(path, "r"));
		assert_non_null(yaml = calloc(1, 1 << 16));
		n = fread(yaml, 1, (1 << 16) - 1, fp);
		fclose(fp);
		assert_true(n > 0);
		out = plain ? without_anchors(yaml) : concat(yaml, "");
		snprintf(path, sizeof(path), "%s/%s.yaml", dir, files[i]);
		assert_non_null(fp = fopen(path, "w"));
		fputs(out, fp);
		fclose(fp);
		free(out);
		free(yaml);
	}
}

static void
remove_rules(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * The shipped rules find the same with their anchors (and anchor_reach)
 * as without any: synthetic texts of every kind of number in every
 * separator, near and far from context words, in long lines and short.
 */
static void
test_shipped_rules_find_the_same_as_without_anchors(void **state)
{
	static const char *const pieces[] = {
		"個人番号 3141-5926-5352 ",
		"3141 5926 5352 8979 ",
		"マイナンバー: 271828182840\n",
		"電話 03-1234-5678 ",
		"TEL +81 (0) 3-1234-5678 ",
		"(03)1234-5678 ",
		"生年月日 1980年3月1日 ",
		"誕生日 平成元年1月8日 ",
		"生年月日 H31.4.30 ",
		"会議は2026/11/21です ",
		"基礎年金番号 1234-567890 ",
		"口座番号 1234567 ",
		"普通 123-1234567 ",
		"カード番号 4983 6900 6026 7730 ",
		"法人番号 3526018159083 ",
		"登録番号 T2518190937865 ",
		"旅券番号 TK1234567 ",
		"在留カード番号 AB12345678CD ",
		"保険者番号 01130129 記号 3130 番号 611 ",
		"社外秘\n",
		"ゆうちょ 記号12345 番号12345671 ",
		"mail a.b@example.jp ",
		"運転免許証番号: 302223236702 ",
		"価格は 12,000円 です。",
		"2026-11-24 10:00 開始\n",
		"よろしくお願いいたします。",
		"【機密性3】",
		"関係者外秘 ",
		"\n\n",
		"12345678\t",
		"No. 氏名 生年月日\n1 山田 花子 1980/03/01\n",
		"2 佐藤 一郎 1979/12/31\n",
	};
	const size_t n_pieces = sizeof(pieces) / sizeof(pieces[0]);
	char dir_a[] = "/tmp/test_prefilter.XXXXXX";
	char dir_b[] = "/tmp/test_prefilter.XXXXXX";
	struct dlp_error err;
	struct ruleset *with, *plain;
	struct hits *ha, *hb;
	struct buf text;
	unsigned seed = 20261122;
	size_t i, k, pick;

	copy_rules(dir_a, false);
	copy_rules(dir_b, true);
	memset(&err, 0, sizeof(err));
	assert_non_null(with = ruleset_load(dir_a, &err));
	assert_non_null(plain = ruleset_load(dir_b, &err));
	assert_int_equal(with->pf.n_anchored, with->n_rules);
	assert_int_equal(plain->pf.n_anchored, 0);
	assert_non_null(ha = malloc(sizeof(*ha)));
	assert_non_null(hb = malloc(sizeof(*hb)));
	buf_init(&text, 1 << 20);
	for (k = 0; k < 40; k++) {
		buf_reset(&text);
		/* 12 pieces: the hits fit MAX_HITS */
		for (i = 0; i < 12; i++) {
			seed = seed * 1103515245u + 12345u;
			pick = (seed >> 8) % n_pieces;
			assert_int_equal(buf_append(&text, pieces[pick],
					     strlen(pieces[pick])),
			    BUF_OK);
		}
		scan_n(with, buf_cstr(&text), text.len, ha);
		scan_n(plain, buf_cstr(&text), text.len, hb);
		assert_true(ha->n < MAX_HITS);
		assert_same_hits(ha, hb);
		/* without dropped matches: rules that need context and
		   find none of its words in the text lose their spans */
		scan_all(with, buf_cstr(&text), text.len, false, ha);
		scan_all(plain, buf_cstr(&text), text.len, false, hb);
		assert_same_hits(ha, hb);
	}
	buf_free(&text);
	free(ha);
	free(hb);
	ruleset_free(with);
	ruleset_free(plain);
	remove_rules(dir_a);
	remove_rules(dir_b);
}

/* ---- limits ------------------------------------------------------------ */

/*
 * Past SCAN_OCC_MAX places the list is given up (words are searched
 * around each match); past SCAN_OCC_MAX literals of two or more bytes the
 * pass is (every anchored rule runs on the whole text). Either way the
 * result is that of a run without anchors.
 */
static void
test_too_many_literals_give_up_the_pass_not_the_result(void **state)
{
	static const char *const unit[] = { "(", "ab" };
	static const char rule[] =
	    "    patterns: ['(?<![0-9])[0-9]{4}(?![0-9])']\n"
	    "    context: {words: ['(', ab], window: 3}\n"
	    "    confidence: {without_context: low, "
	    "with_context: high}\n" EX;
	struct ruleset *with, *plain;
	struct pass p = { 0 };
	struct hits *ha, *hb;
	char *yaml, *body, *text;
	size_t k, i, n = SCAN_OCC_MAX + 10, len;

	body = concat("    anchors: [digits]\n    anchor_reach: 4\n", rule);
	yaml = concat(head, body);
	with = must_load(yaml);
	free(yaml);
	free(body);
	yaml = concat(head, rule);
	plain = must_load(yaml);
	free(yaml);
	assert_non_null(ha = malloc(sizeof(*ha)));
	assert_non_null(hb = malloc(sizeof(*hb)));
	for (k = 0; k < 2; k++) {
		len = n * strlen(unit[k]) + 20;
		assert_non_null(text = malloc(len + 1));
		for (i = 0; i < n; i++)
			memcpy(text + i * strlen(unit[k]), unit[k],
			    strlen(unit[k]));
		memcpy(text + n * strlen(unit[k]), " 1234 x 5678 ", 14);
		len = strlen(text);
		run_pass(with, text, len, &p);
		assert_false(p.occ.valid);
		if (k == 1) {
			/* the pass gave up: the whole text */
			assert_int_equal(p.spans[0].n, 1);
			assert_int_equal(p.spans[0].v[0], 0);
			assert_int_equal(p.spans[0].v[1], len);
		} else {
			assert_int_equal(p.spans[0].n, 1);
			assert_true(p.spans[0].v[0] > 0);
		}
		scan_n(with, text, len, ha);
		scan_n(plain, text, len, hb);
		assert_int_equal(ha->n, 2);
		assert_int_equal(ha->h[0].confidence, DLP_CONF_HIGH);
		assert_int_equal(ha->h[1].confidence, DLP_CONF_LOW);
		assert_same_hits(ha, hb);
		free(text);
	}
	free(ha);
	free(hb);
	pass_free(&p);
	ruleset_free(with);
	ruleset_free(plain);
}

/* ---- rules that need context ------------------------------------------ */

/* A rule of the needy test: id, anchors, words and confidences. */
#define NEEDY(id, words, without, extra)                  \
	"  - id: " id "\n"                                \
	"    kind: a\n"                                   \
	"    names: {ja: a, en: a}\n"                     \
	"    patterns: ['(?<![0-9])[0-9]{4}(?![0-9])']\n" \
	"    anchors: [{digits: 4, in_a_row: 4}]\n"       \
	"    anchor_reach: 2\n"                           \
	"    context: {words: " words ", window: 4}\n"    \
	"    confidence: {without_context: " without      \
	", with_context: high}\n" extra EX

/*
 * A rule that reports nothing without a context word (none without it,
 * no list evidence) gets no spans when none of its words is anywhere in
 * the text and dropped matches are not wanted; a word anywhere (far from
 * every number: it could name a column) or a caller that wants dropped
 * matches gives the spans back. A one-byte word (found after the spans
 * are made), a confidence without context or list evidence keeps the
 * rule as it was. Results are those of rules without anchors, with and
 * without dropped matches.
 */
static void
test_rules_that_need_absent_context_get_no_spans(void **state)
{
	static const char yaml[] =
	    "rules:\n" NEEDY("t.needy", "[生年, DOB]", "none", "")
		NEEDY("t.low", "[生年, DOB]", "low", "")
		    NEEDY("t.short", "[生年, '#']", "none", "")
			NEEDY("t.list", "[生年]", "none",
			    "    validator: jp_date\n"
			    "    list_evidence: {min: 2, ratio: 0.5, "
			    "confidence: low}\n");
	static const struct {
		const char *text;
		bool needy; /* t.needy has spans without dropped matches */
	} cases[] = {
		{ "会議 2026 と 1980 の件", false },
		{ "会議 2026 と 1980 の件 (dob は別紙)", true },
		{ "生年 会議 2026 と 1980 の件", true },
		{ "会議 2026 と 1980 の件 生", false }, /* half a word */
		{ "会議 2026 と 1980 の件 #", false },	/* t.short's word */
		{ "誕生日 2026", false },
	};
	struct ruleset *with, *plain;
	struct hits *ha, *hb;
	struct pass p = { 0 };
	char *y;
	size_t i, k, n, l, s;
	bool all;

	with = must_load(yaml);
	y = without_anchors(yaml);
	plain = must_load(y);
	free(y);
	n = rule_index(with, "t.needy");
	l = rule_index(with, "t.low");
	s = rule_index(with, "t.short");
	assert_true(with->pf.needy_bit[n] != 0);
	assert_int_equal(with->pf.needy_bit[l], 0);
	assert_int_equal(with->pf.needy_bit[s], 0);
	assert_int_equal(with->pf.needy_bit[rule_index(with, "t.list")], 0);
	assert_non_null(ha = malloc(sizeof(*ha)));
	assert_non_null(hb = malloc(sizeof(*hb)));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_pass_all(
		    with, cases[i].text, strlen(cases[i].text), false, &p);
		if ((p.spans[n].n > 0) != cases[i].needy)
			fail_msg(
			    "'%s': %zu spans", cases[i].text, p.spans[n].n);
		/* the others keep theirs */
		assert_true(p.spans[l].n > 0);
		assert_true(p.spans[s].n > 0);
		run_pass_all(
		    with, cases[i].text, strlen(cases[i].text), true, &p);
		assert_true(p.spans[n].n > 0);
		for (k = 0; k < 2; k++) {
			all = k == 1;
			scan_all(with, cases[i].text, strlen(cases[i].text),
			    all, ha);
			scan_all(plain, cases[i].text, strlen(cases[i].text),
			    all, hb);
			assert_same_hits(ha, hb);
		}
	}
	free(ha);
	free(hb);
	pass_free(&p);
	ruleset_free(with);
	ruleset_free(plain);
}

/* ---- load errors -------------------------------------------------------- */

static void
test_anchor_reach_load_errors(void **state)
{
	static const struct {
		const char *rest;
		const char *msg;
	} cases[] = {
		{ "    patterns: ['x']\n    anchor_reach: 8\n",
		    "'anchor_reach' needs 'anchors'" },
		{ "    patterns: ['x']\n    anchors: [digits]\n"
		  "    anchor_reach: 0\n",
		    "" },
		{ "    patterns: ['x']\n    anchors: [digits]\n"
		  "    anchor_reach: 1001\n",
		    "" },
		{ "    patterns: ['x']\n    anchors: [digits]\n"
		  "    anchor_reach: many\n",
		    "" },
		{ "    detector: person_record\n    anchor_reach: 8\n",
		    "'anchor_reach' cannot go with 'detector'" },
	};
	struct dlp_error err;
	struct ruleset *rs;
	char *yaml, *tmp;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yaml = concat(head, cases[i].rest);
		tmp = yaml;
		yaml = concat(tmp, EX);
		free(tmp);
		rs = load(yaml, &err);
		if (rs != NULL)
			fail_msg("case %zu loaded", i);
		assert_true(err.line > 0);
		if (strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: %s", i, err.msg);
		free(yaml);
	}
	/* 1 and 1000 are fine */
	yaml = concat(head,
	    "    patterns: ['x']\n    anchors: [digits]\n"
	    "    anchor_reach: 1000\n" EX);
	rs = must_load(yaml);
	assert_int_equal(rs->rules[0].anchors.reach, 1000);
	ruleset_free(rs);
	free(yaml);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digit_runs_have_a_shape_and_separators),
		cmocka_unit_test(
		    test_digit_runs_at_every_offset_and_at_the_ends),
		cmocka_unit_test(test_very_long_runs_are_one_anchor),
		cmocka_unit_test(test_vector_byte_tests_give_the_table_pass),
		cmocka_unit_test(test_spans_by_reach_and_by_lines),
		cmocka_unit_test(test_reach_is_code_points_on_any_text),
		cmocka_unit_test(test_word_places_are_those_of_a_naive_search),
		cmocka_unit_test(test_places_give_what_the_window_search_gives),
		cmocka_unit_test(
		    test_shipped_rules_find_the_same_as_without_anchors),
		cmocka_unit_test(
		    test_too_many_literals_give_up_the_pass_not_the_result),
		cmocka_unit_test(
		    test_rules_that_need_absent_context_get_no_spans),
		cmocka_unit_test(test_anchor_reach_load_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
