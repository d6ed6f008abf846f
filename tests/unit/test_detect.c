/*
 * Unit tests for detect: the shipped rules (patterns/) and their examples,
 * confidence with and without context, context windows counted in
 * characters, adjacency, masking, explanation windows, PCRE2 limits, the
 * callback's stop, and every bad rule directory under tests/rules-bad/
 * failing with the file:line its EXPECT names.
 *
 * Run from the project root (tests/run-tests does): the rule directories
 * are found by relative paths. Every number here is synthetic.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "detect.h"

#define PATTERNS  "patterns"
#define RULES_BAD "tests/rules-bad"
#define RULES_LIM "tests/rules-limit"
#define MAX_HITS  16

struct hit {
	char rule_id[64];
	char kind[64];
	char name_ja[64];
	char name_en[64];
	bool monitor;
	char value[300];
	char masked[600];
	char window[1100];
	enum dlp_confidence confidence;
	char validator[32];
	bool validator_ok;
	char context_seen[256];
	char negative_seen[256];
	char why[1100];
	size_t offset;
	size_t length;
};

struct hits {
	size_t n;	   /* calls */
	size_t stop_after; /* 0: never ask to stop */
	struct hit h[MAX_HITS];
};

static struct ruleset *shipped; /* patterns/, loaded once */

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "(null)");
}

static int
collect(void *arg, const struct detect_match *m)
{
	struct hits *hs = arg;
	struct hit *h;

	if (hs->n < MAX_HITS) {
		h = &hs->h[hs->n];
		copy(h->rule_id, sizeof(h->rule_id), m->rule_id);
		copy(h->kind, sizeof(h->kind), m->kind);
		copy(h->name_ja, sizeof(h->name_ja), m->name_ja);
		copy(h->name_en, sizeof(h->name_en), m->name_en);
		h->monitor = m->monitor;
		copy(h->value, sizeof(h->value), m->value);
		copy(h->masked, sizeof(h->masked), m->masked);
		copy(h->window, sizeof(h->window), m->window);
		h->confidence = m->confidence;
		copy(h->validator, sizeof(h->validator), m->validator);
		h->validator_ok = m->validator_ok;
		copy(h->context_seen, sizeof(h->context_seen), m->context_seen);
		copy(h->negative_seen, sizeof(h->negative_seen),
		    m->negative_seen);
		copy(h->why, sizeof(h->why), m->why);
		h->offset = m->offset;
		h->length = m->length;
	}
	hs->n++;
	return hs->stop_after > 0 && hs->n >= hs->stop_after;
}

/* Run rs over text; hits of every rule land in hs. */
static int
scan(const struct ruleset *rs, const char *text, bool dropped, struct hits *hs)
{
	memset(hs, 0, sizeof(*hs));
	return detect_text(rs, text, strlen(text), NULL, dropped, collect, hs);
}

/* The hits of one rule only, in order. */
static size_t
of_rule(const struct hits *hs, const char *rule_id, const struct hit **out,
    size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < hs->n && i < MAX_HITS; i++)
		if (strcmp(hs->h[i].rule_id, rule_id) == 0 && n < max)
			out[n++] = &hs->h[i];
	return n;
}

/* Exactly one hit of rule_id in text; returns it. */
static const struct hit *
one_hit(const char *text, const char *rule_id, bool dropped, struct hits *hs)
{
	const struct hit *h[MAX_HITS];
	size_t n;

	assert_int_equal(scan(shipped, text, dropped, hs), DLP_OK);
	n = of_rule(hs, rule_id, h, MAX_HITS);
	if (n != 1)
		fail_msg(
		    "%zu hits of %s in '%s', expected 1", n, rule_id, text);
	return h[0];
}

static size_t
count_rule(const char *text, const char *rule_id, bool dropped)
{
	const struct hit *h[MAX_HITS];
	struct hits hs;

	assert_int_equal(scan(shipped, text, dropped, &hs), DLP_OK);
	return of_rule(&hs, rule_id, h, MAX_HITS);
}

/* A text of n copies of a 3-byte character (あ). */
static char *
filler(size_t n)
{
	char *p = malloc(3 * n + 1);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		memcpy(p + 3 * i, "\xe3\x81\x82", 3);
	p[3 * n] = '\0';
	return p;
}

static char *
concat3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

/*
 * A temporary rules directory with one file rules.yaml (and VERSION when
 * version is not NULL); load it; remove it. Returns the rule set or NULL
 * with err filled.
 */
static struct ruleset *
load_yaml(const char *yaml, const char *version, struct dlp_error *err)
{
	char dir[] = "/tmp/test_detect.XXXXXX", path[64];
	struct ruleset *rs;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rules.yaml", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(yaml, fp);
	fclose(fp);
	if (version != NULL) {
		snprintf(path, sizeof(path), "%s/VERSION", dir);
		assert_non_null(fp = fopen(path, "w"));
		fputs(version, fp);
		fclose(fp);
	}
	rs = ruleset_load(dir, err);
	snprintf(path, sizeof(path), "%s/rules.yaml", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/VERSION", dir);
	unlink(path);
	rmdir(dir);
	return rs;
}

static struct ruleset *
must_load_yaml(const char *yaml)
{
	struct dlp_error err;
	struct ruleset *rs;
	char msg[1200];

	memset(&err, 0, sizeof(err));
	if ((rs = load_yaml(yaml, NULL, &err)) == NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		fail_msg("load: %s", msg);
	}
	return rs;
}

static int
setup(void **state)
{
	struct dlp_error err;
	char msg[1200];

	memset(&err, 0, sizeof(err));
	if ((shipped = ruleset_load(PATTERNS, &err)) == NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "cannot load %s: %s\n", PATTERNS, msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	ruleset_free(shipped);
	shipped = NULL;
	return 0;
}

/* ---- the shipped rules ------------------------------------------- */

static void
report_mismatch(
    void *arg, const char *rule_id, const char *example, bool expected_match)
{
	print_error("mismatch: %s %s: %s\n", rule_id,
	    expected_match ? "match" : "no_match", example);
}

static void
test_shipped_rule_examples_all_behave_as_written(void **state)
{
	struct dlp_limits lim;
	size_t n = 0, bad;

	memset(&lim, 0, sizeof(lim));
	lim.pcre2_match_limit = 1000000;
	lim.pcre2_depth_limit = 10000;
	bad = ruleset_test_examples(shipped, &lim, report_mismatch, NULL, &n);
	assert_int_equal(bad, 0);
	/* two rules, each with at least 8 match and 8 no_match examples */
	assert_true(n >= 32);
}

static void
test_shipped_rules_are_my_number_and_pension_number(void **state)
{
	struct hits hs;
	const struct hit *h;

	/* and the others in patterns/ (one file per detector) */
	assert_true(ruleset_count(shipped) >= 2);
	h = one_hit("個人番号 3141-5926-5352", "jp.my_number", false, &hs);
	assert_string_equal(h->kind, "my_number");
	assert_string_equal(h->name_ja, "個人番号");
	assert_string_equal(h->name_en, "My Number");
	assert_false(h->monitor);
	h = one_hit(
	    "基礎年金番号 2019-456789", "jp.pension_number", false, &hs);
	assert_string_equal(h->kind, "pension_number");
	assert_string_equal(h->name_en, "Basic Pension Number");
}

static void
test_shipped_version_is_first_line_of_version_file(void **state)
{
	char line[128];
	FILE *fp;

	assert_non_null(fp = fopen(PATTERNS "/VERSION", "r"));
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	line[strcspn(line, "\r\n")] = '\0';
	assert_string_equal(ruleset_version(shipped), line);
	assert_string_not_equal(line, "unversioned");
}

/* ---- My Number: confidence, context, adjacency ------------------- */

static void
test_my_number_with_context_is_high_and_without_is_low(void **state)
{
	struct hits hs;
	const struct hit *h;

	h = one_hit("マイナンバー: 3141 5926 5352", "jp.my_number", false, &hs);
	assert_int_equal(h->confidence, DLP_CONF_HIGH);
	assert_string_equal(h->context_seen, "マイナンバー");
	assert_string_equal(h->value, "314159265352");
	assert_string_equal(h->validator, "my_number");
	assert_true(h->validator_ok);
	assert_string_equal(h->why,
	    "validator my_number: valid; context 'マイナンバー' 2 chars "
	    "before; -> high");

	h = one_hit(
	    "請求書の番号 3141 5926 5352 を確認", "jp.my_number", false, &hs);
	assert_int_equal(h->confidence, DLP_CONF_LOW);
	assert_string_equal(h->context_seen, "");
	assert_string_equal(h->why,
	    "validator my_number: valid; no context word within 30 chars; "
	    "-> low");
}

/* A roster: the column header names every row's number, however far. */
static void
test_my_number_context_from_the_column_header(void **state)
{
	static const char *const nums[] = { "314159265352", "271828182840",
		"141421356230", "173205080750" };
	char text[2048];
	const struct hit *h[MAX_HITS];
	struct hits *hs = calloc(1, sizeof(*hs));
	size_t len, i, n;

	assert_non_null(hs);
	len = (size_t)snprintf(text, sizeof(text),
	    "社員一覧\n番号\t氏名\t所属部署の名前\t個人番号\n");
	for (i = 0; i < 4; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%zu\t架空の名前その%zu\t総務部第一課庶務係\t%s\n", i + 1,
		    i, nums[i]);
	/* prose after the table: no header, the number stays low (two
	   invalid numbers keep list evidence away: 5 valid of 7) */
	snprintf(text + len, sizeof(text) - len,
	    "\n参考までに、一覧にない番号 5000-0000-0011、3141-5926-5353、"
	    "2718-2818-2841 もあります。\n");
	assert_int_equal(scan(shipped, text, false, hs), DLP_OK);
	n = of_rule(hs, "jp.my_number", h, MAX_HITS);
	assert_int_equal(n, 5);
	for (i = 0; i < 4; i++) {
		assert_string_equal(h[i]->value, nums[i]);
		assert_int_equal(h[i]->confidence, DLP_CONF_HIGH);
		assert_string_equal(h[i]->context_seen, "個人番号");
	}
	/* the last rows are far from the header: the header cell counted */
	assert_non_null(strstr(h[3]->why, "in the column header"));
	assert_int_equal(h[4]->confidence, DLP_CONF_LOW);
	/* a header cell without a context word gives nothing */
	assert_int_equal(scan(shipped,
			     "番号\t備考\nA\t1\nB\t2\nC\t3\nD\t4\n"
			     "E\t架空の説明文がここに長く続いています。\t"
			     "314159265352\n",
			     false, hs),
	    DLP_OK);
	n = of_rule(hs, "jp.my_number", h, MAX_HITS);
	assert_int_equal(n, 1);
	assert_int_equal(h[0]->confidence, DLP_CONF_LOW);
	free(hs);
}

/*
 * Two tables: the first header names no context word, the second does.
 * The search for a word before the match (which spares the column lookup
 * when the text has none) goes on past the first table and finds the
 * second header, however many numbers came before it.
 */
static void
test_column_header_found_after_a_table_without_the_word(void **state)
{
	static const char *const nums[] = { "314159265352", "271828182840",
		"141421356230", "173205080750" };
	char text[4096];
	const struct hit *h[MAX_HITS];
	struct hits *hs = calloc(1, sizeof(*hs));
	size_t len = 0, i, n;

	assert_non_null(hs);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "番号\t備考\n");
	for (i = 0; i < 2; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%zu\t%s\n", i + 1, nums[i]);
	len += (size_t)snprintf(text + len, sizeof(text) - len,
	    "\n以下は別の表です。架空の文章がここに長く続いています。"
	    "架空の文章がここに長く続いています。\n\n"
	    "番号\t氏名\t個人番号\n");
	for (i = 2; i < 4; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%zu\t架空の名前その%zu\t%s\n", i + 1, i, nums[i]);
	assert_int_equal(scan(shipped, text, false, hs), DLP_OK);
	n = of_rule(hs, "jp.my_number", h, MAX_HITS);
	assert_int_equal(n, 4);
	for (i = 0; i < 2; i++) {
		assert_string_equal(h[i]->value, nums[i]);
		assert_int_equal(h[i]->confidence, DLP_CONF_LOW);
	}
	for (i = 2; i < 4; i++) {
		assert_string_equal(h[i]->value, nums[i]);
		assert_int_equal(h[i]->confidence, DLP_CONF_HIGH);
	}
	/* the first row's is near the header, the second's only above */
	assert_non_null(strstr(h[3]->why, "in the column header"));
	free(hs);
}

/* A plain-text roster separated by spaces: the date's header cell counts
   when the cells after it are data cells; a date whose column cannot be
   told stays dropped. */
static void
test_birth_date_context_from_a_space_table_header(void **state)
{
	const struct hit *h[MAX_HITS];
	struct hits *hs = calloc(1, sizeof(*hs));
	size_t n;

	assert_non_null(hs);
	assert_int_equal(scan(shipped,
			     "No. 氏名 住所 生年月日 メール\n"
			     "1 架空 花子 東京都港区架空町1-2-3 第一ハイツ 101 "
			     "1980/03/01 a1@example.jp\n"
			     "2 架空 一郎 大阪府大阪市北区架空町1-1 ハイツ 2 "
			     "平成2年4月5日 b2@example.jp\n"
			     "3 架空 三郎 京都府京都市左京区架空町9-9 "
			     "1975/12/31 特に なし\n",
			     false, hs),
	    DLP_OK);
	n = of_rule(hs, "jp.birth_date", h, MAX_HITS);
	assert_int_equal(n, 2);
	assert_string_equal(h[0]->value, "1980/03/01");
	assert_int_equal(h[0]->confidence, DLP_CONF_HIGH);
	assert_string_equal(h[0]->context_seen, "生年月日");
	assert_non_null(strstr(h[0]->why, "in the column header"));
	assert_string_equal(h[1]->value, "平成2年4月5日");
	assert_int_equal(h[1]->confidence, DLP_CONF_HIGH);
	free(hs);
}

static void
test_my_number_context_after_the_number_counts(void **state)
{
	struct hits hs;
	const struct hit *h;

	h = one_hit("314159265352 (個人番号)", "jp.my_number", false, &hs);
	assert_int_equal(h->confidence, DLP_CONF_HIGH);
	assert_non_null(strstr(h->why, "'個人番号' 2 chars after"));
}

static void
test_my_number_context_words_ignore_ascii_case(void **state)
{
	static const char *const texts[] = {
		"MY NUMBER: 3141-5926-5352",
		"my number 3141-5926-5352",
		"mynumber=314159265352",
		"MyNumber 3141 5926 5352",
	};
	struct hits hs;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_int_equal(
		    one_hit(texts[i], "jp.my_number", false, &hs)->confidence,
		    DLP_CONF_HIGH);
}

/*
 * The window counts characters, not bytes: 30 kana (90 bytes) between
 * the word and the number are still within a window of 30.
 */
static void
test_my_number_context_window_counts_characters_both_sides(void **state)
{
	static const struct {
		size_t gap;
		enum dlp_confidence want;
	} cases[] = {
		{ 0, DLP_CONF_HIGH },
		{ 29, DLP_CONF_HIGH },
		{ 30, DLP_CONF_HIGH },
		{ 31, DLP_CONF_LOW },
		{ 60, DLP_CONF_LOW },
	};
	struct hits hs;
	char *fill, *text, want_why[96];
	const struct hit *h;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fill = filler(cases[i].gap);
		text = concat3("個人番号", fill, "3141-5926-5352");
		h = one_hit(text, "jp.my_number", false, &hs);
		if (h->confidence != cases[i].want)
			fail_msg("before, gap %zu: %s", cases[i].gap, h->why);
		if (cases[i].want == DLP_CONF_HIGH) {
			snprintf(want_why, sizeof(want_why),
			    "'個人番号' %zu chars before", cases[i].gap);
			assert_non_null(strstr(h->why, want_why));
		}
		free(text);
		text = concat3("3141-5926-5352", fill, "マイナンバー");
		h = one_hit(text, "jp.my_number", false, &hs);
		if (h->confidence != cases[i].want)
			fail_msg("after, gap %zu: %s", cases[i].gap, h->why);
		free(text);
		free(fill);
	}
}

static void
test_my_number_no_match_inside_longer_runs_or_next_to_letters(void **state)
{
	static const char *const texts[] = {
		"3141592653520",
		"03141592653520",
		"3141-5926-5352-8979",
		"8979-3141-5926-5352",
		"3141 5926 5352 8979",
		"8979 3141 5926 5352",
		"A314159265352",
		"314159265352B",
		"x3141-5926-5352",
		"3141-5926-5352-",
		"-3141-5926-5352",
		"3141--5926-5352",
		"31415 926 5352",
		"3141_5926_5352",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (count_rule(texts[i], "jp.my_number", true) != 0)
			fail_msg("matched: %s", texts[i]);
}

static void
test_my_number_matches_any_separator_mix_and_punctuation_around(void **state)
{
	static const char *const texts[] = {
		"314159265352",
		"3141-5926-5352",
		"3141 5926 5352",
		"3141-5926 5352",
		"3141 59265352",
		"(3141-5926-5352)",
		"番号:314159265352。",
		"「3141-5926-5352」",
		"3141-5926-5352\n8979",
		"3141 5926 5352 と 8979",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (count_rule(texts[i], "jp.my_number", false) != 1)
			fail_msg("no single match: %s", texts[i]);
}

static void
test_my_number_bad_check_digit_and_dummies_are_dropped(void **state)
{
	static const char *const texts[] = {
		"個人番号 314159265353",
		"個人番号 123456789018",
		"個人番号 000000000000",
		"個人番号 987654321093",
	};
	struct hits hs;
	const struct hit *h;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(
		    count_rule(texts[i], "jp.my_number", false), 0);
		h = one_hit(texts[i], "jp.my_number", true, &hs);
		assert_int_equal(h->confidence, DLP_CONF_NONE);
		assert_false(h->validator_ok);
		assert_non_null(strstr(h->why, "my_number: invalid"));
		assert_non_null(strstr(h->why, "-> dropped"));
	}
}

static void
test_offset_and_length_are_bytes_of_the_match(void **state)
{
	static const char text[] = "前文 個人番号 3141-5926-5352 後";
	struct hits hs;
	const struct hit *h;

	h = one_hit(text, "jp.my_number", false, &hs);
	assert_int_equal(h->offset, strstr(text, "3141") - text);
	assert_int_equal(h->length, 14);
}

/* ---- masking and the explanation window --------------------------- */

static void
test_masked_form_keeps_last_four_digits_in_groups(void **state)
{
	static const struct {
		const char *text, *rule, *masked;
	} cases[] = {
		{ "個人番号 3141-5926-5352", "jp.my_number", "****-****-5352" },
		{ "個人番号 314159265352", "jp.my_number", "****-****-5352" },
		{ "個人番号 3141 5926 5352", "jp.my_number", "****-****-5352" },
		{ "個人番号 3141-59265352", "jp.my_number", "****-****-5352" },
		{ "基礎年金番号 2019-456789", "jp.pension_number",
		    "****-**6789" },
		{ "基礎年金番号 2019456789", "jp.pension_number",
		    "****-**6789" },
	};
	struct hits hs;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(
		    one_hit(cases[i].text, cases[i].rule, false, &hs)->masked,
		    cases[i].masked);
}

/* Nothing handed out but the value shows the first 8 digits. */
static void
test_masked_window_and_why_never_show_the_first_eight_digits(void **state)
{
	static const char *const texts[] = {
		"個人番号 3141-5926-5352",
		"個人番号 3141 5926 5352",
		"個人番号 314159265352 (再掲 314159265352)",
		"マイナンバー\n3141-5926-5352\n以上",
		"3141-5926-5352",
	};
	static const char *const secrets[] = { "3141", "5926", "1415", "4159",
		"31415926" };
	struct hits hs;
	size_t i, j, k;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(scan(shipped, texts[i], true, &hs), DLP_OK);
		assert_true(hs.n >= 1);
		for (k = 0; k < hs.n; k++)
			for (j = 0; j < sizeof(secrets) / sizeof(secrets[0]);
			     j++) {
				assert_null(strstr(hs.h[k].masked, secrets[j]));
				assert_null(strstr(hs.h[k].window, secrets[j]));
				assert_null(strstr(hs.h[k].why, secrets[j]));
			}
	}
}

static void
test_window_is_twenty_chars_each_side_with_newlines_and_numbers_masked(
    void **state)
{
	struct hits hs;
	const struct hit *h;

	/* 21 characters before the number: the window starts at the 2nd */
	h = one_hit("電話 03-1234-5678\n個人番号 3141-5926-5352 以上です。",
	    "jp.my_number", false, &hs);
	assert_string_equal(
	    h->window, "話 **-****-****⏎個人番号 ****-****-5352 以上です。");
	/* a run of 4 digits (a PIN, an extension) is masked too */
	h = one_hit(
	    "PIN 5678、個人番号 3141-5926-5352", "jp.my_number", false, &hs);
	assert_string_equal(h->window, "PIN ****、個人番号 ****-****-5352");
	/* short runs of digits stay; tabs become spaces */
	h = one_hit("第3条\t個人番号 3141-5926-5352、令和7年", "jp.my_number",
	    false, &hs);
	assert_string_equal(
	    h->window, "第3条 個人番号 ****-****-5352、令和7年");
}

/* ---- basic pension number ----------------------------------------- */

static void
test_pension_number_needs_context(void **state)
{
	struct hits hs;
	const struct hit *h;

	assert_int_equal(
	    count_rule("2019-456789", "jp.pension_number", false), 0);
	h = one_hit("2019-456789", "jp.pension_number", true, &hs);
	assert_int_equal(h->confidence, DLP_CONF_NONE);
	assert_string_equal(
	    h->why, "no context word within 20 chars; -> dropped");
	h = one_hit(
	    "基礎年金番号 2019 456789", "jp.pension_number", false, &hs);
	assert_int_equal(h->confidence, DLP_CONF_HIGH);
	assert_string_equal(h->value, "2019456789");
	assert_string_equal(h->validator, "(null)");
}

static void
test_pension_number_context_window_is_twenty_chars(void **state)
{
	char *fill, *text;
	size_t gap;

	for (gap = 18; gap <= 22; gap++) {
		fill = filler(gap);
		text = concat3("年金手帳", fill, "2019-456789");
		if (count_rule(text, "jp.pension_number", false) !=
		    (gap <= 20 ? 1u : 0u))
			fail_msg("gap %zu", gap);
		free(text);
		free(fill);
	}
}

static void
test_pension_number_negative_words_drop_it(void **state)
{
	static const struct {
		const char *text, *neg;
	} cases[] = {
		{ "基礎年金番号 2019-456789円", "円" },
		{ "基礎年金番号 注文 2019-456789", "注文" },
		{ "基礎年金番号 TEL 2019-456789", "TEL" },
		{ "基礎年金番号 tel: 2019-456789", "TEL" },
		{ "基礎年金番号 ¥2019456789", "¥" },
		{ "基礎年金番号 品番 2019 456789", "品番" },
	};
	struct hits hs;
	const struct hit *h;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    count_rule(cases[i].text, "jp.pension_number", false), 0);
		h = one_hit(cases[i].text, "jp.pension_number", true, &hs);
		assert_int_equal(h->confidence, DLP_CONF_NONE);
		assert_string_equal(h->negative_seen, cases[i].neg);
		assert_non_null(strstr(h->context_seen, "年金番号"));
		assert_non_null(strstr(h->why, "negative '"));
	}
}

static void
test_pension_number_negative_window_is_ten_chars(void **state)
{
	char *fill, *text;
	size_t gap;

	for (gap = 9; gap <= 11; gap++) {
		fill = filler(gap);
		text = concat3("年金番号 2019-456789", fill, "円");
		if (count_rule(text, "jp.pension_number", false) !=
		    (gap > 10 ? 1u : 0u))
			fail_msg("gap %zu", gap);
		free(text);
		free(fill);
	}
}

/* ---- running: limits, stop, odd input ----------------------------- */

static void
test_match_limit_hit_returns_partial(void **state)
{
	struct dlp_error err;
	struct dlp_limits lim;
	struct ruleset *rs;
	struct hits hs;
	static const char text[] = "aaaaaaaaaaaaaaaa!b aab";

	memset(&err, 0, sizeof(err));
	assert_non_null(rs = ruleset_load(RULES_LIM, &err));
	memset(&lim, 0, sizeof(lim));
	lim.pcre2_match_limit = 1000;
	lim.pcre2_depth_limit = 1000;
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(
	    detect_text(rs, text, strlen(text), &lim, false, collect, &hs),
	    DLP_PARTIAL);
	/* the same text under a generous limit runs to the end */
	lim.pcre2_match_limit = 10000000;
	lim.pcre2_depth_limit = 10000;
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(
	    detect_text(rs, text, strlen(text), &lim, false, collect, &hs),
	    DLP_OK);
	assert_int_equal(hs.n, 1);
	assert_string_equal(hs.h[0].value, "aab");
	ruleset_free(rs);
}

static void
test_callback_asking_to_stop_returns_partial(void **state)
{
	static const char text[] =
	    "個人番号 3141-5926-5352, 2718-2818-2840, 1618-0339-8872";
	struct hits hs;

	memset(&hs, 0, sizeof(hs));
	hs.stop_after = 1;
	assert_int_equal(
	    detect_text(shipped, text, strlen(text), NULL, false, collect, &hs),
	    DLP_PARTIAL);
	assert_int_equal(hs.n, 1);
	assert_int_equal(scan(shipped, text, false, &hs), DLP_OK);
	assert_int_equal(hs.n, 3);
}

/*
 * A rule with list evidence judges in its second pass the candidates its
 * first pass kept: each once, in order, and a callback that asks to stop
 * stops the run there.
 */
static void
test_list_evidence_judges_each_candidate_once_and_stops_when_asked(void **state)
{
	static const char *nums[] = { "314159265352", "271828182840",
		"141421356230", "173205080750", "867530900006" };
	static const char text[] = "314159265352\n271828182840\n141421356230\n"
				   "173205080750\n867530900006\n";
	const struct hit *h[MAX_HITS];
	struct hits hs;
	size_t n, i;

	assert_int_equal(scan(shipped, text, false, &hs), DLP_OK);
	n = of_rule(&hs, "jp.my_number", h, MAX_HITS);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		assert_string_equal(h[i]->value, nums[i]);
		assert_int_equal(h[i]->offset, 13 * i);
		assert_int_equal(h[i]->confidence, DLP_CONF_MEDIUM);
		assert_non_null(strstr(h[i]->why, "list evidence: 5 of 5"));
	}
	assert_int_equal(hs.n, 5); /* no other rule takes them */
	memset(&hs, 0, sizeof(hs));
	hs.stop_after = 2;
	assert_int_equal(
	    detect_text(shipped, text, strlen(text), NULL, false, collect, &hs),
	    DLP_PARTIAL);
	assert_int_equal(hs.n, 2);
	assert_string_equal(hs.h[1].value, nums[1]);
}

/* Counts what a run reports: calls, by confidence, the last offset. */
struct tally {
	size_t n, medium, last_offset;
};

static int
tally_cb(void *arg, const struct detect_match *m)
{
	struct tally *t = arg;

	t->n++;
	t->medium += m->confidence == DLP_CONF_MEDIUM;
	t->last_offset = m->offset;
	return 0;
}

/* A six-digit insurer number (prefecture 13, insurer i) whose Luhn check
   digit is right, or one off when !valid. */
static void
insurer(unsigned i, bool valid, char out[7])
{
	unsigned sum = 0, k, d;

	snprintf(out, 7, "13%03u0", i % 1000);
	for (k = 0; k < 5; k++) {
		d = (unsigned)(out[4 - k] - '0') * (k % 2 == 0 ? 2 : 1);
		sum += d > 9 ? d - 9 : d;
	}
	out[5] = (char)('0' + ((10 - sum % 10) % 10 + (valid ? 0 : 1)) % 10);
}

/*
 * List evidence keeps at most 2^20 candidates of its first pass (detect.c,
 * CAND_MAX) for the second; past that the second pass runs the patterns
 * again, and every candidate is judged all the same: each valid one gets
 * the list's confidence, up to the last one in the text.
 */
static void
test_list_evidence_past_the_kept_candidates_runs_the_patterns_again(
    void **state)
{
	static const char yaml[] =
	    "rules:\n"
	    "  - id: t.list\n"
	    "    kind: a\n"
	    "    names: {ja: a, en: a}\n"
	    "    patterns: ['(?<![0-9])[0-9]{6}(?![0-9])']\n"
	    "    value: digits\n"
	    "    validator: jp_insurer\n"
	    "    context: {words: [保険者番号]}\n"
	    "    confidence: {without_context: none, with_context: high}\n"
	    "    list_evidence: {min: 3, ratio: 0.8, confidence: medium}\n"
	    "    examples: {match: ['x']}\n";
	const size_t sizes[] = { 1000, (1u << 20) + 1000 };
	struct ruleset *rs = must_load_yaml(yaml);
	struct tally t;
	size_t k, i, n, valid, last;
	char *text, num[7];

	for (k = 0; k < 2; k++) {
		n = sizes[k];
		assert_non_null(text = malloc(7 * n + 1));
		/* one in ten fails its check digit: 90 % valid */
		for (i = valid = last = 0; i < n; i++) {
			insurer((unsigned)i, i % 10 != 9, num);
			memcpy(text + 7 * i, num, 6);
			text[7 * i + 6] = '\n';
			if (i % 10 != 9) {
				valid++;
				last = 7 * i;
			}
		}
		text[7 * n] = '\0';
		memset(&t, 0, sizeof(t));
		assert_int_equal(
		    detect_text_flags(rs, text, 7 * n, NULL, 0, tally_cb, &t),
		    DLP_OK);
		assert_int_equal(t.n, valid);
		assert_int_equal(t.medium, valid);
		assert_int_equal(t.last_offset, last);
		free(text);
	}
	ruleset_free(rs);
}

/* Every hit of rs over text with flags (detect_text_flags) into hs. */
static int
scan_flags(
    const struct ruleset *rs, const char *text, unsigned flags, struct hits *hs)
{
	memset(hs, 0, sizeof(*hs));
	return detect_text_flags(
	    rs, text, strlen(text), NULL, flags, collect, hs);
}

/*
 * Without DETECT_EXPLAIN the same candidates come with the same values,
 * masks and confidences, and the window, words seen and why are empty;
 * with it, every field is what detect_text() gives.
 */
static void
test_without_explain_matches_are_the_same_and_unexplained(void **state)
{
	static const char *texts[] = {
		"氏名\t住所\t電話\t個人番号\n"
		"山田 花子\t東京都架空市中央町1-2-3\t090-1234-5678\t"
		"314159265352\n"
		"佐藤 一郎\t東京都架空市中央町4-5-6\t03-1234-5678\t"
		"271828182840\n",
		"314159265352\n271828182840\n141421356230\n173205080750\n"
		"867530900006\n",
		"注文番号 3141-5926-5352 をご確認ください。",
		"マイナンバー: 3141 5926 5352、基礎年金番号 1234-567890",
		"連絡先 example.taro@example.jp 電話 03-1234-5678",
	};
	struct hits *full, *bare, *old;
	size_t i, k, d;
	unsigned drop;
	int rc;

	full = calloc(3, sizeof(*full));
	assert_non_null(full);
	bare = full + 1;
	old = full + 2;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (d = 0; d < 2; d++) {
			drop = d ? DETECT_DROPPED : 0;
			rc = scan_flags(
			    shipped, texts[i], drop | DETECT_EXPLAIN, full);
			assert_int_equal(rc, DLP_OK);
			assert_int_equal(
			    scan_flags(shipped, texts[i], drop, bare), rc);
			assert_int_equal(
			    scan(shipped, texts[i], d != 0, old), rc);
			assert_true(d == 0 || full->n > 0);
			assert_int_equal(bare->n, full->n);
			assert_memory_equal(old, full, sizeof(*full));
			for (k = 0; k < full->n && k < MAX_HITS; k++) {
				const struct hit *f = &full->h[k];
				const struct hit *b = &bare->h[k];

				assert_string_equal(b->rule_id, f->rule_id);
				assert_string_equal(b->value, f->value);
				assert_string_equal(b->masked, f->masked);
				assert_int_equal(b->confidence, f->confidence);
				assert_int_equal(
				    b->validator_ok, f->validator_ok);
				assert_int_equal(b->offset, f->offset);
				assert_int_equal(b->length, f->length);
				assert_true(f->why[0] != '\0');
				assert_string_equal(b->why, "");
				assert_string_equal(b->window, "");
				assert_string_equal(b->context_seen, "");
				assert_string_equal(b->negative_seen, "");
			}
		}
	free(full);
}

static void
test_empty_text_and_missing_ruleset(void **state)
{
	struct hits hs;

	memset(&hs, 0, sizeof(hs));
	assert_int_equal(
	    detect_text(shipped, "", 0, NULL, true, collect, &hs), DLP_OK);
	assert_int_equal(hs.n, 0);
	assert_int_equal(
	    detect_text(NULL, "x", 1, NULL, true, collect, &hs), DLP_EFATAL);
	assert_int_equal(
	    detect_text(shipped, NULL, 5, NULL, true, collect, &hs),
	    DLP_EFATAL);
	/* no callback: runs, reports nothing */
	assert_int_equal(detect_text(shipped, "個人番号 3141-5926-5352", 27,
			     NULL, false, NULL, NULL),
	    DLP_OK);
	ruleset_free(NULL);
	assert_string_equal(ruleset_version(NULL), "unversioned");
	assert_int_equal(ruleset_count(NULL), 0);
}

static void
test_invalid_utf8_around_a_number_is_scanned_safely(void **state)
{
	static const char text[] = "\xff\xfe\xc3 個人番号 3141-5926-5352 "
				   "\xe3\x81 \x80\x80\x80\x80\xc3";
	struct hits hs;
	const struct hit *h;

	h = one_hit(text, "jp.my_number", false, &hs);
	assert_int_equal(h->confidence, DLP_CONF_HIGH);
	assert_int_equal(h->offset, strstr(text, "3141") - text);
}

static void
test_large_text_finds_the_number_at_the_end(void **state)
{
	static const char unit[] = "あいうえお 12-34 abc\n";
	static const char tail[] = "個人番号 2718-2818-2840";
	size_t n = (2u << 20) / (sizeof(unit) - 1), i, len;
	char *text;
	struct hits hs;

	len = n * (sizeof(unit) - 1) + sizeof(tail) - 1;
	assert_non_null(text = malloc(len + 1));
	for (i = 0; i < n; i++)
		memcpy(text + i * (sizeof(unit) - 1), unit, sizeof(unit) - 1);
	memcpy(text + n * (sizeof(unit) - 1), tail, sizeof(tail));
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(
	    detect_text(shipped, text, len, NULL, false, collect, &hs), DLP_OK);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].offset, len - strlen("2718-2818-2840"));
	assert_int_equal(hs.h[0].confidence, DLP_CONF_HIGH);
	free(text);
}

/* ---- rules written by the tests ------------------------------------ */

static const char rule_head[] = "rules:\n"
				"  - id: t.r\n"
				"    kind: test\n"
				"    names: {ja: テスト, en: Test}\n";

static void
test_monitor_mode_text_value_and_text_masking(void **state)
{
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	yaml = concat3(rule_head,
	    "    mode: monitor\n"
	    "    patterns: ['ID-[A-Z]{2}[0-9]{6}']\n"
	    "    value: text\n",
	    "    examples:\n      match: ['ID-AB123456']\n");
	rs = must_load_yaml(yaml);
	assert_int_equal(scan(rs, "社員 ID-AB123456 です", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 1);
	assert_true(hs.h[0].monitor);
	assert_string_equal(hs.h[0].value, "ID-AB123456");
	assert_string_equal(hs.h[0].masked, "**-****3456");
	assert_int_equal(hs.h[0].confidence, DLP_CONF_LOW);
	assert_string_equal(hs.h[0].why, "no context words; -> low");
	ruleset_free(rs);
	free(yaml);
}

static void
test_mask_groups_and_short_values(void **state)
{
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	yaml = concat3(rule_head,
	    "    patterns: ['No\\.[0-9]{3}-[0-9]{4}', 'K[0-9]{4}']\n"
	    "    value: digits\n"
	    "    mask_groups: [3, 4]\n",
	    "    examples:\n      match: ['No.123-4567']\n");
	rs = must_load_yaml(yaml);
	assert_int_equal(scan(rs, "No.123-4567 K9876", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 2);
	/* 7 digits: fewer than 8, so only half stays */
	assert_string_equal(hs.h[0].masked, "***-*567");
	/* the groups do not fit 4 digits: no grouping */
	assert_string_equal(hs.h[1].masked, "**76");
	ruleset_free(rs);
	free(yaml);
}

static void
test_context_words_are_normalised_when_loaded(void **state)
{
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	/* full-width ＴＥＳＴ in the rule matches "test" in normalised text */
	yaml = concat3(rule_head,
	    "    patterns: ['Q[0-9]{4}']\n"
	    "    context: {words: [ＴＥＳＴ], window: 5}\n",
	    "    examples:\n      match: ['test Q1234']\n");
	rs = must_load_yaml(yaml);
	assert_int_equal(scan(rs, "Test: Q1234", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_HIGH);
	assert_string_equal(hs.h[0].context_seen, "TEST");
	ruleset_free(rs);
	free(yaml);
}

struct mismatch_log {
	size_t n;
	char rule[8][64];
	char example[8][64];
	bool expected[8];
};

static void
log_mismatch(
    void *arg, const char *rule_id, const char *example, bool expected_match)
{
	struct mismatch_log *l = arg;

	if (l->n < 8) {
		copy(l->rule[l->n], sizeof(l->rule[0]), rule_id);
		copy(l->example[l->n], sizeof(l->example[0]), example);
		l->expected[l->n] = expected_match;
	}
	l->n++;
}

static void
test_test_examples_reports_each_mismatch(void **state)
{
	struct mismatch_log log;
	struct ruleset *rs;
	size_t n = 0;
	char *yaml;

	yaml = concat3(rule_head,
	    "    patterns: ['Q[0-9]{4}']\n"
	    "    context: {words: [注意], window: 5}\n",
	    "    examples:\n"
	    "      match:\n"
	    "        - 'Q1234'\n"
	    "        - 'R1234'\n"
	    "        - {text: 'Q5678', confidence: high}\n"
	    "        - {text: '注意 Q5678', confidence: high}\n"
	    "      no_match:\n"
	    "        - 'Q12'\n"
	    "        - 'x Q9999'\n");
	rs = must_load_yaml(yaml);
	memset(&log, 0, sizeof(log));
	assert_int_equal(
	    ruleset_test_examples(rs, NULL, log_mismatch, &log, &n), 3);
	assert_int_equal(n, 6);
	assert_int_equal(log.n, 3);
	assert_string_equal(log.rule[0], "t.r");
	assert_string_equal(log.example[0], "R1234");
	assert_true(log.expected[0]);
	assert_string_equal(log.example[1], "Q5678"); /* low, not high */
	assert_true(log.expected[1]);
	assert_string_equal(log.example[2], "x Q9999");
	assert_false(log.expected[2]);
	/* a NULL report function only counts */
	assert_int_equal(ruleset_test_examples(rs, NULL, NULL, NULL, NULL), 3);
	ruleset_free(rs);
	free(yaml);
}

static void
test_example_hitting_the_match_limit_is_a_mismatch(void **state)
{
	struct dlp_error err;
	struct dlp_limits lim;
	struct mismatch_log log;
	struct ruleset *rs;
	size_t n = 0;

	memset(&err, 0, sizeof(err));
	assert_non_null(rs = ruleset_load(RULES_LIM, &err));
	memset(&lim, 0, sizeof(lim));
	memset(&log, 0, sizeof(log));
	assert_int_equal(
	    ruleset_test_examples(rs, &lim, log_mismatch, &log, &n), 0);
	assert_int_equal(n, 2);
	/* the no_match example backtracks past a limit of 100 */
	lim.pcre2_match_limit = 100;
	assert_int_equal(
	    ruleset_test_examples(rs, &lim, log_mismatch, &log, &n), 1);
	assert_string_equal(log.example[0], "aaaaaaaaaaaaaaaa!b");
	assert_false(log.expected[0]);
	ruleset_free(rs);
}

static void
test_empty_matches_and_digitless_values_are_skipped(void **state)
{
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	/* \K ends the match where it starts: nothing to report, no loop */
	yaml = concat3(rule_head,
	    "    patterns: ['x\\K', 'ID-[A-Z]+']\n"
	    "    value: digits\n",
	    "    examples:\n      match: ['x']\n");
	rs = must_load_yaml(yaml);
	assert_int_equal(scan(rs, "xxx ID-ABC x", true, &hs), DLP_OK);
	assert_int_equal(hs.n, 0);
	ruleset_free(rs);
	free(yaml);
}

static void
test_long_text_value_is_cut_at_a_character_boundary(void **state)
{
	struct ruleset *rs;
	struct hits hs;
	char *yaml, *text;

	yaml = concat3(rule_head, "    patterns: ['あ{100,}']\n",
	    "    examples:\n      match: ['x']\n");
	rs = must_load_yaml(yaml);
	text = filler(100);
	assert_int_equal(scan(rs, text, false, &hs), DLP_OK);
	assert_int_equal(hs.n, 1);
	/* 256 bytes would split the 86th character: 85 of them stay */
	assert_int_equal(strlen(hs.h[0].value), 255);
	assert_int_equal(hs.h[0].length, 300);
	assert_non_null(strstr(hs.h[0].masked, "ああああ"));
	assert_int_equal(strspn(hs.h[0].masked, "*"), 81);
	ruleset_free(rs);
	free(yaml);
	free(text);
}

/* ---- loading: versions and errors -------------------------------- */

static const char good_rule[] = "rules:\n"
				"  - id: t.ok\n"
				"    kind: test\n"
				"    names: {ja: テスト, en: Test}\n"
				"    patterns: ['x[0-9]{3}']\n"
				"    examples: {match: ['x123']}\n";

static void
test_version_is_first_line_or_unversioned(void **state)
{
	struct dlp_error err;
	struct ruleset *rs;

	memset(&err, 0, sizeof(err));
	assert_non_null(rs = load_yaml(good_rule, "1.2.3-rc1\r\nmore\n", &err));
	assert_string_equal(ruleset_version(rs), "1.2.3-rc1");
	assert_int_equal(ruleset_count(rs), 1);
	ruleset_free(rs);
	assert_non_null(rs = load_yaml(good_rule, NULL, &err));
	assert_string_equal(ruleset_version(rs), "unversioned");
	ruleset_free(rs);
	assert_null(rs = load_yaml(good_rule, "\n", &err));
	assert_non_null(strstr(err.msg, "empty version"));
	assert_int_equal(err.line, 1);
}

static void
read_expect(const char *dir, char *out, size_t len)
{
	char path[600];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/EXPECT", dir);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: no EXPECT file", dir);
	if (fgets(out, (int)len, fp) == NULL)
		out[0] = '\0';
	fclose(fp);
	out[strcspn(out, "\r\n")] = '\0';
	if (out[0] == '\0')
		fail_msg("%s: empty EXPECT", dir);
}

static void
test_every_bad_rules_dir_fails_at_its_expected_place(void **state)
{
	struct dlp_error err;
	struct dirent *de;
	struct ruleset *rs;
	char dir[512], want[256], msg[1200];
	size_t n = 0;
	DIR *d;

	assert_non_null(d = opendir(RULES_BAD));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", RULES_BAD, de->d_name);
		read_expect(dir, want, sizeof(want));
		memset(&err, 0, sizeof(err));
		if ((rs = ruleset_load(dir, &err)) != NULL) {
			ruleset_free(rs);
			fail_msg("%s loaded", dir);
		}
		dlp_error_format(&err, msg, sizeof(msg));
		if (strstr(msg, want) == NULL)
			fail_msg(
			    "%s: '%s' does not contain '%s'", dir, msg, want);
		n++;
	}
	closedir(d);
	assert_true(n >= 18);
}

/* What each error says, beyond its place. */
static void
test_bad_rules_errors_say_what_is_wrong(void **state)
{
	static const struct {
		const char *dir, *says;
	} cases[] = {
		{ "yaml-syntax", "YAML syntax" },
		{ "unknown-key",
		    "rule 'test.unknown_key': unknown key 'contxt'" },
		{ "bad-regex",
		    "patterns[1] does not compile at offset 10: "
		    "missing closing parenthesis" },
		{ "unknown-validator",
		    "unknown validator 'my_numbr' (known: my_number" },
		{ "duplicate-id",
		    "rule 'test.first': duplicate id (first defined at "
		    "tests/rules-bad/duplicate-id/a.yaml:2)" },
		{ "missing-kind",
		    "rule 'test.missing_kind': 'kind' is missing" },
		{ "bad-confidence", "bad confidence 'very_high'" },
		{ "bad-example-confidence", "bad confidence 'hgih'" },
		{ "example-not-string",
		    "examples.match[1]: expected a string, not a list" },
		{ "unknown-mode", "unknown mode 'block'" },
		{ "negative-window", "window must not be negative" },
		{ "empty-rules", "rules: empty list" },
		{ "bad-id", "bad id 'Test.Bad_ID'" },
		{ "empty-match", "can match the empty string" },
		{ "unquoted-pattern", "patterns[0]: expected a string" },
		{ "missing-examples", "'examples' is missing" },
		{ "context-required", "context required" },
		{ "wrong-type", "names: expected a mapping" },
		{ "bad-version", "bad version" },
		{ "no-rules", "no rule files" },
	};
	struct dlp_error err;
	struct ruleset *rs;
	char dir[512], msg[1200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", RULES_BAD, cases[i].dir);
		memset(&err, 0, sizeof(err));
		rs = ruleset_load(dir, &err);
		assert_null(rs);
		dlp_error_format(&err, msg, sizeof(msg));
		if (strstr(msg, cases[i].says) == NULL)
			fail_msg("%s: '%s' does not say '%s'", cases[i].dir,
			    msg, cases[i].says);
	}
}

static void
test_missing_directory_and_error_without_err_are_handled(void **state)
{
	struct dlp_error err;

	memset(&err, 0, sizeof(err));
	assert_null(ruleset_load("tests/rules-bad/does-not-exist", &err));
	assert_non_null(strstr(err.msg, "cannot open the rules directory"));
	/* err may be NULL */
	assert_null(ruleset_load(RULES_BAD "/unknown-key", NULL));
	assert_null(ruleset_load(RULES_BAD "/no-rules", NULL));
}

/* Errors that need no fixture of their own, each at its line. */
static void
test_more_load_errors_name_their_line(void **state)
{
	static const struct {
		const char *body; /* after rule_head */
		unsigned line;
		const char *says;
	} cases[] = {
		{ "    patterns: []\n    examples: {match: [x]}\n", 5,
		    "patterns: empty list" },
		{ "    patterns: 'x'\n    examples: {match: [x]}\n", 5,
		    "patterns: expected a list" },
		{ "    patterns: ['x']\n    value: bytes\n"
		  "    examples: {match: [x]}\n",
		    6, "unknown value 'bytes'" },
		{ "    patterns: ['x']\n    mask_groups: [4]\n"
		  "    examples: {match: [x]}\n",
		    6, "mask_groups needs value: digits" },
		{ "    patterns: ['x']\n    context: {words: [a], window: "
		  "1001}\n"
		  "    examples: {match: [x]}\n",
		    6, "out of range" },
		{ "    patterns: ['x']\n    context: {words: a}\n"
		  "    examples: {match: [x]}\n",
		    6, "context.words: expected a list" },
		{ "    patterns: ['x']\n    confidence: {with_context: none}\n"
		  "    examples: {match: [x]}\n",
		    6, "none would drop every match" },
		{ "    patterns: ['x']\n    context: {words: [a]}\n"
		  "    confidence: {without_context: high, "
		  "with_context: low}\n"
		  "    examples: {match: [x]}\n",
		    7, "is lower than without_context" },
		{ "    patterns: ['x']\n    examples: {no_match: [y]}\n", 6,
		    "'match' is missing" },
		{ "    patterns: ['x']\n    examples: {match: []}\n", 6,
		    "examples.match: empty list" },
		{ "    patterns: ['x']\n    examples:\n      match: [x]\n"
		  "      no_match:\n        - {text: y, confidence: low}\n",
		    9, "a no_match example cannot name a confidence" },
		{ "    patterns: ['x']\n    examples:\n"
		  "      match:\n        - {text: x, confidence: none}\n",
		    8, "must match with low, medium or high" },
		{ "    patterns: ['x']\n    examples:\n"
		  "      match:\n        - {confidence: low}\n",
		    8, "'text' is missing" },
		{ "    patterns: ['x']\n    validator: ''\n"
		  "    examples: {match: [x]}\n",
		    6, "validator: empty value" },
		{ "    patterns: ['x']\n    kind: a\n    examples: {match: "
		  "[x]}\n",
		    6, "YAML syntax" },
		{ "    patterns: ['x']\n    examples: {match: [x]}\n"
		  "    bogus: 1\n",
		    7, "unknown key 'bogus'" },
		{ "    patterns: ['x']\n    description: [a]\n"
		  "    examples: {match: [x]}\n",
		    6, "description: expected a string" },
		{ "    patterns: ['x']\n    validator:\n"
		  "    examples: {match: [x]}\n",
		    6, "validator: empty value" },
		{ "    patterns: ['x']\n    context: {words: ['']}\n"
		  "    examples: {match: [x]}\n",
		    6, "context.words[0]: empty value" },
		{ "    patterns: ['x']\n    negative: {words: [a], window: x}\n"
		  "    examples: {match: [x]}\n",
		    6, "expected a number" },
		{ "    patterns: ['(?<=a+)x']\n    examples: {match: [x]}\n", 5,
		    "patterns[0] does not compile at offset" },
		{ "    patterns: [\"x\\0y\"]\n    examples: {match: [x]}\n", 5,
		    "patterns[0]: unreadable value" },
		{ "    patterns: [&p 'x']\n    validator: *p\n"
		  "    examples: {match: [x]}\n",
		    6, "validator: aliases are not supported" },
		{ "    patterns: ['[0-9]+']\n    value: digits\n"
		  "    mask_groups: []\n    examples: {match: ['1']}\n",
		    7, "mask_groups: empty list" },
		{ "    patterns: ['[0-9]+']\n    value: digits\n"
		  "    mask_groups: 4\n    examples: {match: ['1']}\n",
		    7, "mask_groups: expected a list" },
		{ "    patterns: ['[0-9]+']\n    value: digits\n"
		  "    mask_groups: [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
		  "    examples: {match: ['1']}\n",
		    7, "mask_groups: more than 8 groups" },
		{ "    patterns: ['[0-9]+']\n    value: digits\n"
		  "    mask_groups: [4, 0]\n    examples: {match: ['1']}\n",
		    7, "out of range" },
		{ "    patterns: ['x']\n    examples: {match: [x], no_match: "
		  "y}\n",
		    6, "examples.no_match: expected a list" },
		{ "    patterns: ['x']\n    examples: [x]\n", 6,
		    "examples: expected a mapping" },
		{ "    patterns: ['x']\n    context: [a]\n"
		  "    examples: {match: [x]}\n",
		    6, "context: expected a mapping" },
		{ "    patterns: ['x']\n    context: {words: [a], size: 3}\n"
		  "    examples: {match: [x]}\n",
		    6, "unknown key 'size'" },
		{ "    patterns: ['x']\n    confidence: high\n"
		  "    examples: {match: [x]}\n",
		    6, "confidence: expected a mapping" },
		{ "    patterns: ['x']\n    confidence: {with_context: "
		  "[high]}\n"
		  "    examples: {match: [x]}\n",
		    6, "with_context: expected a string" },
		{ "    patterns: ['x']\n    mode: [enforce]\n"
		  "    examples: {match: [x]}\n",
		    6, "mode: expected a string" },
	};
	struct dlp_error err;
	struct ruleset *rs;
	char *yaml, msg[1200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yaml = concat3(rule_head, cases[i].body, "");
		memset(&err, 0, sizeof(err));
		rs = load_yaml(yaml, NULL, &err);
		dlp_error_format(&err, msg, sizeof(msg));
		if (rs != NULL || strstr(msg, cases[i].says) == NULL ||
		    err.line != cases[i].line)
			fail_msg("case %zu: got '%s' (line %u), want line %u "
				 "'%s'",
			    i, msg, err.line, cases[i].line, cases[i].says);
		ruleset_free(rs);
		free(yaml);
	}
}

/* Whole files: errors before or in the rule's head, and in a later rule. */
static void
test_rule_head_errors_name_rule_and_line(void **state)
{
	static const struct {
		const char *yaml;
		unsigned line;
		const char *says;
	} cases[] = {
		{ "rules:\n  - id: t.a\n    kind: Bad-Kind\n"
		  "    names: {ja: a, en: b}\n    patterns: ['x']\n"
		  "    examples: {match: [x]}\n",
		    3, "rule 't.a': bad kind 'Bad-Kind'" },
		{ "rules:\n  - id: t.a\n    kind: k\n    names: {ja: a}\n"
		  "    patterns: ['x']\n    examples: {match: [x]}\n",
		    4, "rule 't.a': names: 'en' is missing" },
		{ "rules:\n  - id: t.a\n    kind: k\n"
		  "    names: {ja: a, en: b, fr: c}\n    patterns: ['x']\n"
		  "    examples: {match: [x]}\n",
		    4, "unknown key 'fr'" },
		{ "rules:\n  - kind: k\n    names: {ja: a, en: b}\n"
		  "    patterns: ['x']\n    examples: {match: [x]}\n",
		    2, "rule 1: 'id' is missing" },
		{ "rules:\n  - id: t.a\n    kind: k\n    names: {ja: a, en: "
		  "b}\n"
		  "    patterns: ['x']\n    examples: {match: [x]}\n"
		  "  - id: t.b\n    kind: k\n    names: {ja: a, en: b}\n"
		  "    patterns: ['x']\n    examples: {match: [x]}\n"
		  "  - id: t.a\n    kind: k\n",
		    12, "rule 't.a': duplicate id (first defined at " },
		{ "rules:\n  - id: t.a\n    kind: k\n    names: {ja: a, en: "
		  "b}\n"
		  "    patterns: ['x']\n    examples: {match: [x]}\n"
		  "  - id: [t.b]\n",
		    7, "rule 2: id: expected a string" },
	};
	struct dlp_error err;
	struct ruleset *rs;
	char msg[1200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		rs = load_yaml(cases[i].yaml, NULL, &err);
		dlp_error_format(&err, msg, sizeof(msg));
		if (rs != NULL || strstr(msg, cases[i].says) == NULL ||
		    err.line != cases[i].line)
			fail_msg("case %zu: got '%s' (line %u), want line %u "
				 "'%s'",
			    i, msg, err.line, cases[i].line, cases[i].says);
		ruleset_free(rs);
	}
}

/* Bounds: an id, an example, a word list, a version that are too long. */
static void
test_oversized_values_are_refused(void **state)
{
	struct dlp_error err;
	struct ruleset *rs;
	char *big, *yaml;
	size_t i;

	assert_non_null(big = malloc(6000));
	/* a 129-byte id */
	memset(big, 'a', 129);
	big[129] = '\0';
	yaml = concat3("rules:\n  - id: ", big,
	    "\n    kind: k\n    names: {ja: a, en: b}\n"
	    "    patterns: ['x']\n    examples: {match: [x]}\n");
	memset(&err, 0, sizeof(err));
	assert_null(rs = load_yaml(yaml, NULL, &err));
	assert_non_null(strstr(err.msg, "id: longer than 128 bytes"));
	assert_int_equal(err.line, 2);
	free(yaml);
	/* a 4097-byte example */
	memset(big, 'x', 4097);
	big[4097] = '\0';
	yaml = concat3(rule_head,
	    "    patterns: ['x']\n    examples:\n"
	    "      match:\n        - ",
	    big);
	memset(&err, 0, sizeof(err));
	assert_null(rs = load_yaml(yaml, NULL, &err));
	assert_non_null(strstr(err.msg, "longer than 4096 bytes"));
	assert_int_equal(err.line, 8);
	free(yaml);
	/* 257 context words */
	for (i = 0; i < 257; i++)
		memcpy(big + 3 * i, i == 0 ? "[w," : "w, ", 3);
	memcpy(big + 3 * 257 - 1, "]\n", 3);
	yaml = concat3(rule_head,
	    "    patterns: ['x']\n    context:\n"
	    "      words: ",
	    big);
	memset(&err, 0, sizeof(err));
	assert_null(rs = load_yaml(yaml, NULL, &err));
	assert_non_null(strstr(err.msg, "context.words: more than 256 words"));
	free(yaml);
	/* a 65-byte version */
	memset(big, '1', 65);
	big[65] = '\0';
	memset(&err, 0, sizeof(err));
	assert_null(rs = load_yaml(good_rule, big, &err));
	assert_non_null(strstr(err.msg, "version longer than 64 bytes"));
	assert_non_null(strstr(err.file, "VERSION"));
	free(big);
}

static void
test_top_level_errors(void **state)
{
	static const struct {
		const char *yaml, *says;
	} cases[] = {
		{ "- a\n- b\n", "expected a mapping with the key 'rules'" },
		{ "rule: []\n", "unknown key 'rule'" },
		{ "version: 1\n", "unknown key 'version'" },
		{ "rules: {a: 1}\n", "rules: expected a list" },
		{ "rules:\n  - just a string\n", "rule 1: expected a mapping" },
		{ "", "" }, /* an empty file: any error */
	};
	struct dlp_error err;
	struct ruleset *rs;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&err, 0, sizeof(err));
		rs = load_yaml(cases[i].yaml, NULL, &err);
		assert_null(rs);
		if (strstr(err.msg, cases[i].says) == NULL)
			fail_msg("case %zu: '%s'", i, err.msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_shipped_rule_examples_all_behave_as_written),
		cmocka_unit_test(
		    test_shipped_rules_are_my_number_and_pension_number),
		cmocka_unit_test(
		    test_shipped_version_is_first_line_of_version_file),
		cmocka_unit_test(
		    test_my_number_with_context_is_high_and_without_is_low),
		cmocka_unit_test(
		    test_my_number_context_after_the_number_counts),
		cmocka_unit_test(test_my_number_context_from_the_column_header),
		cmocka_unit_test(
		    test_column_header_found_after_a_table_without_the_word),
		cmocka_unit_test(
		    test_birth_date_context_from_a_space_table_header),
		cmocka_unit_test(
		    test_my_number_context_words_ignore_ascii_case),
		cmocka_unit_test(
		    test_my_number_context_window_counts_characters_both_sides),
		cmocka_unit_test(
		    test_my_number_no_match_inside_longer_runs_or_next_to_letters),
		cmocka_unit_test(
		    test_my_number_matches_any_separator_mix_and_punctuation_around),
		cmocka_unit_test(
		    test_my_number_bad_check_digit_and_dummies_are_dropped),
		cmocka_unit_test(test_offset_and_length_are_bytes_of_the_match),
		cmocka_unit_test(
		    test_masked_form_keeps_last_four_digits_in_groups),
		cmocka_unit_test(
		    test_masked_window_and_why_never_show_the_first_eight_digits),
		cmocka_unit_test(
		    test_window_is_twenty_chars_each_side_with_newlines_and_numbers_masked),
		cmocka_unit_test(test_pension_number_needs_context),
		cmocka_unit_test(
		    test_pension_number_context_window_is_twenty_chars),
		cmocka_unit_test(test_pension_number_negative_words_drop_it),
		cmocka_unit_test(
		    test_pension_number_negative_window_is_ten_chars),
		cmocka_unit_test(test_match_limit_hit_returns_partial),
		cmocka_unit_test(test_callback_asking_to_stop_returns_partial),
		cmocka_unit_test(
		    test_list_evidence_judges_each_candidate_once_and_stops_when_asked),
		cmocka_unit_test(
		    test_list_evidence_past_the_kept_candidates_runs_the_patterns_again),
		cmocka_unit_test(
		    test_without_explain_matches_are_the_same_and_unexplained),
		cmocka_unit_test(test_empty_text_and_missing_ruleset),
		cmocka_unit_test(
		    test_invalid_utf8_around_a_number_is_scanned_safely),
		cmocka_unit_test(test_large_text_finds_the_number_at_the_end),
		cmocka_unit_test(test_monitor_mode_text_value_and_text_masking),
		cmocka_unit_test(test_mask_groups_and_short_values),
		cmocka_unit_test(test_context_words_are_normalised_when_loaded),
		cmocka_unit_test(test_test_examples_reports_each_mismatch),
		cmocka_unit_test(
		    test_example_hitting_the_match_limit_is_a_mismatch),
		cmocka_unit_test(
		    test_empty_matches_and_digitless_values_are_skipped),
		cmocka_unit_test(
		    test_long_text_value_is_cut_at_a_character_boundary),
		cmocka_unit_test(test_version_is_first_line_or_unversioned),
		cmocka_unit_test(
		    test_every_bad_rules_dir_fails_at_its_expected_place),
		cmocka_unit_test(test_bad_rules_errors_say_what_is_wrong),
		cmocka_unit_test(
		    test_missing_directory_and_error_without_err_are_handled),
		cmocka_unit_test(test_more_load_errors_name_their_line),
		cmocka_unit_test(test_rule_head_errors_name_rule_and_line),
		cmocka_unit_test(test_oversized_values_are_refused),
		cmocka_unit_test(test_top_level_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
