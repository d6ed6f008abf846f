/*
 * test_detect_prefilter - the vectorscan pass of the prefilter
 * (detect_prefilter.c) on the shipped rules: every pattern rule is taken
 * (\K included), spans hold the lines where a rule can match and none
 * where it cannot, text that is not valid UTF-8 gives those rules the
 * whole text, and detection gives the same matches as a run over the
 * whole text. Values are synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect_int.h"

static struct ruleset *rs;

static int
setup(void **state)
{
	struct dlp_error err;

	rs = ruleset_load("patterns", &err);
	return rs == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	ruleset_free(rs);
	return 0;
}

static size_t
rule_index(const char *id)
{
	size_t i;

	for (i = 0; i < rs->n_rules; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return i;
	fail_msg("no rule %s", id);
	return 0;
}

static void
test_every_pattern_rule_is_taken(void **state)
{
	size_t i;

	assert_non_null(rs->pf.hs_db);
	for (i = 0; i < rs->n_rules; i++)
		assert_int_equal(rs->pf.hs_rule[i],
		    rs->rules[i].detector == NULL &&
			(rs->rules[i].anchors.digits ||
			    rs->rules[i].anchors.n > 0));
	/* its second pattern has \K */
	assert_true(rs->pf.hs_rule[rule_index("jp.yucho_account")]);
}

/* Whether [s, e) of the text lies inside one of sp's spans. */
static bool
inside(const struct spans *sp, size_t s, size_t e)
{
	size_t k;

	for (k = 0; k < sp->n; k++)
		if (sp->v[2 * k] <= s && e <= sp->v[2 * k + 1])
			return true;
	return false;
}

static void
test_spans_only_where_a_rule_can_match(void **state)
{
	char text[8192];
	struct spans *sp = calloc(rs->n_rules, sizeof(*sp));
	size_t len = 0, i, my = rule_index("jp.my_number");
	const char *num;

	assert_non_null(sp);
	for (i = 0; i < 40; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%zu行目: 価格は 12,800円、2026年 の予定です。\n", i);
	len += (size_t)snprintf(
	    text + len, sizeof(text) - len, "\n番号 3141-5926-5352 です\n\n");
	for (i = 0; i < 40; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "後半 %zu: 特になし。\n", i);
	assert_int_equal(detect_prefilter_find(rs, text, len, sp), 0);
	num = strstr(text, "3141-5926-5352");
	assert_true(inside(&sp[my], (size_t)(num - text),
	    (size_t)(num - text) + strlen("3141-5926-5352")));
	/* prices and years on every line: no My Number can be there */
	assert_int_equal(sp[my].n, 1);
	assert_true(sp[my].v[1] - sp[my].v[0] < 100);
	detect_spans_free(sp, rs->n_rules);
}

static void
test_invalid_utf8_gives_the_whole_text(void **state)
{
	const char text[] = "個人番号 3141-5926-5352\n\xff\xfe 壊れた行\n";
	struct spans *sp = calloc(rs->n_rules, sizeof(*sp));
	size_t i;

	assert_non_null(sp);
	assert_int_equal(
	    detect_prefilter_find(rs, text, sizeof(text) - 1, sp), 0);
	for (i = 0; i < rs->n_rules; i++) {
		if (!rs->pf.hs_rule[i])
			continue;
		assert_int_equal(sp[i].n, 1);
		assert_int_equal(sp[i].v[0], 0);
		assert_int_equal(sp[i].v[1], sizeof(text) - 1);
	}
	detect_spans_free(sp, rs->n_rules);
}

struct count {
	size_t n;
	unsigned long long sum;
};

static int
counted(void *arg, const struct detect_match *m)
{
	struct count *c = arg;

	c->n++;
	c->sum += m->offset * 31 + m->length * 7 + (unsigned)m->confidence;
	return 0;
}

/* Spans or not: the same matches, here with dropped candidates too. */
static void
test_same_matches_as_the_whole_text(void **state)
{
	static const char *const lines[] = { "マイナンバー 3141 5926 5352",
		"TEL 03-1234-5678 / 090-1234-5678", "生年月日 昭和55年3月1日",
		"記号12345 番号12345671 (ゆうちょ)", "【社外秘】 資料",
		"旅券番号 TK1234567", "mail: taro@example.co.jp",
		"カード番号 4111-1111-1111-1111", "ただの文章です。", "" };
	char text[65536], bad[65536];
	struct count a = { 0 }, b = { 0 };
	size_t len = 0, i;

	for (i = 0; len + 200 < sizeof(text) - 2; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\n",
		    lines[(i * 7) % 10]);
	/* the same text and a line of one invalid byte: the whole text is
	   run, without spans */
	memcpy(bad, text, len);
	bad[len] = (char)0xff;
	bad[len + 1] = '\n';
	assert_int_equal(
	    detect_text(rs, text, len, NULL, true, counted, &a), DLP_OK);
	assert_int_equal(
	    detect_text(rs, bad, len + 2, NULL, true, counted, &b), DLP_OK);
	assert_true(a.n > 100);
	assert_int_equal(a.n, b.n);
	assert_true(a.sum == b.sum);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pattern_rule_is_taken),
		cmocka_unit_test(test_spans_only_where_a_rule_can_match),
		cmocka_unit_test(test_invalid_utf8_gives_the_whole_text),
		cmocka_unit_test(test_same_matches_as_the_whole_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
