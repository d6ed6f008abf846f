/*
 * Unit tests for detect_load's choice of PCRE2 mode: a pattern that can
 * only match ASCII is compiled in byte mode (faster), every other one in
 * UTF mode, and the byte-mode patterns of the shipped rules find exactly
 * what the same patterns compiled in UTF mode find, on the rules' own
 * examples, on roster rows and on text that is not valid UTF-8. (The
 * loader's errors are tested in test_detect.c.)
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

#define TEXT_MAX (64 * 1024)

/* The rules of yaml, written to a fresh directory and loaded. */
static struct ruleset *
load_yaml(const char *yaml)
{
	char dir[] = "/tmp/test_detect_load.XXXXXX", path[64];
	struct dlp_error err;
	struct ruleset *rs;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.yaml", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(yaml, fp);
	fclose(fp);
	memset(&err, 0, sizeof(err));
	rs = ruleset_load(dir, &err);
	unlink(path);
	rmdir(dir);
	if (rs == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	return rs;
}

/* Whether pattern src (as YAML single-quoted text) loads in UTF mode. */
static bool
loads_utf(const char *src)
{
	char yaml[1024];
	struct ruleset *rs;
	bool utf;

	snprintf(yaml, sizeof(yaml),
	    "rules:\n"
	    "  - id: t.a\n"
	    "    kind: a\n"
	    "    names: {ja: a, en: a}\n"
	    "    patterns: ['%s']\n"
	    "    examples: {match: ['x']}\n",
	    src);
	rs = load_yaml(yaml);
	utf = rs->rules[0].patterns[0].utf;
	ruleset_free(rs);
	return utf;
}

/*
 * Byte mode only for what can match nothing but ASCII; anything that
 * could read or match a non-ASCII character, or that the check does not
 * know, stays in UTF mode.
 */
static void
test_only_ascii_patterns_are_compiled_in_byte_mode(void **state)
{
	static const struct {
		const char *src;
		bool utf;
	} cases[] = {
		{ "(?<![0-9A-Za-z-])[0-9]{4}[- ]?[0-9]{4}(?![0-9])", false },
		{ "(?<=[0-9]{3}[- ])x(?=y)|(?>ab)c", false },
		{ "([- ])[0-9]\\1[0-9]", false }, /* a back reference */
		{ "\\d\\w\\s\\bx\\B\\t\\n\\r", false },
		{ "a\\.b\\(c\\)\\-\\+", false }, /* escaped punctuation */
		{ "[]a]x", false },		 /* ']' first in a class */
		{ "[./:]x", false },		 /* '.' in a class */
		{ "x+|y+?|z{1,3}", false },
		{ "記号[0-9]", true },	/* a non-ASCII literal */
		{ "[ ,、]x", true },	/* in a class */
		{ "[^\\n0-9]x", true }, /* a negated class */
		{ "a.b", true },	/* dot */
		{ "(?i)abc", true },	/* caseless: k is also U+212A */
		{ "(?s)a", true },	/* any option setting */
		{ "(*UTF)a", true },	/* a verb */
		{ "\\x{3042}a", true }, /* \x */
		{ "\\x41", true },
		{ "\\p{L}a", true }, /* properties */
		{ "\\Da", true },    /* \D reads a non-digit: any character */
		{ "\\Wa", true },
		{ "\\Sa", true },
		{ "\\12a", true }, /* may be an octal code past ASCII */
		{ "[[:alpha:]]a", true },
		{ "(?<n>a)", true }, /* named groups: not needed, not known */
		{ "\\Qa\\E", true },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (loads_utf(cases[i].src) != cases[i].utf)
			fail_msg("'%s': %s mode", cases[i].src,
			    cases[i].utf ? "byte" : "UTF");
}

/* Every match of code over t[0, len), as offsets, into v (2 per match). */
static size_t
all_matches(
    const pcre2_code *code, const char *t, size_t len, size_t *v, size_t max)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	PCRE2_SIZE *ov;
	size_t n = 0, off = 0;
	int rc;

	assert_non_null(md);
	while (off < len && n + 2 <= max) {
		rc = pcre2_match(code, (PCRE2_SPTR)t, len, off, 0, md, NULL);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		assert_true(rc >= 0);
		ov = pcre2_get_ovector_pointer(md);
		assert_true(ov[1] > ov[0]);
		v[n++] = ov[0];
		v[n++] = ov[1];
		off = ov[1];
	}
	pcre2_match_data_free(md);
	return n;
}

/* Append s (n bytes) to the text, while there is room. */
static void
add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n <= b->max)
		assert_int_equal(buf_append(b, s, n), BUF_OK);
}

/*
 * The texts the shipped patterns are compared on: every example of every
 * rule, normalised, one a line; roster rows; and the same bytes with
 * every 7th replaced by bytes that are not UTF-8 (a lone continuation
 * byte, a cut three-byte lead, 0xff), next to digits and letters.
 */
static void
make_text(const struct ruleset *rs, struct buf *t)
{
	static const char *const bad[] = { "\x80", "\xe3\x81", "\xff", "\xe3" };
	static const char *const rows[] = {
		"山本 花子\t東京都架空市中央町1-2-3\t090-1234-5678\t"
		"314159265352\n",
		"中川 一郎\t見本市南区緑町4-5\t03-1234-5678\tAB1234567\n",
		"記号 12345 番号 1234567 T1234567890123 4111-1111-1111-1111\n",
		"ｍａｉｌ: taro.yamada@example.co.jp, +81 (0) 3-1234-5678\n",
		"AB12345678CD 1234-567890 12345678 0120-123-456 "
		"(03)1234-5678\n",
	};
	struct buf norm, copy;
	size_t i, j, k;

	for (i = 0; i < rs->n_rules; i++)
		for (j = 0; j < rs->rules[i].n_examples; j++) {
			buf_init(&norm, 4 * RULE_EXAMPLE_MAX);
			const char *ex = rs->rules[i].examples[j].text;
			assert_int_equal(
			    normalize_text(ex, strlen(ex), &norm), BUF_OK);
			add(t, buf_cstr(&norm), norm.len);
			add(t, "\n", 1);
			buf_free(&norm);
		}
	for (k = 0; k < 20; k++)
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			add(t, rows[i], strlen(rows[i]));
	/* the whole text again, with bytes that are not UTF-8 in it */
	buf_init(&copy, TEXT_MAX);
	add(&copy, buf_cstr(t), t->len);
	for (i = 0; i < copy.len; i++) {
		if (i % 7 == 3) {
			k = (i / 7) % 4;
			add(t, bad[k], strlen(bad[k]));
		}
		add(t, buf_cstr(&copy) + i, 1);
	}
	buf_free(&copy);
}

/*
 * Every shipped pattern in byte mode finds what it finds in UTF mode
 * (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, as before): the same matches at
 * the same offsets, on valid UTF-8 and on text that is not. And the
 * shipped number rules are in byte mode, the ones with kanji in UTF.
 */
static void
test_shipped_byte_mode_patterns_match_as_in_utf_mode(void **state)
{
	struct dlp_error err;
	struct ruleset *rs;
	struct rule_pattern *p;
	pcre2_code *utf;
	struct buf t;
	size_t i, j, n_byte = 0, na, nb, *a, *b;
	int ecode;
	PCRE2_SIZE eoff;

	memset(&err, 0, sizeof(err));
	assert_non_null(rs = ruleset_load("patterns", &err));
	buf_init(&t, TEXT_MAX);
	make_text(rs, &t);
	assert_true(t.len > 10000);
	assert_non_null(a = calloc(2 * TEXT_MAX, sizeof(*a)));
	assert_non_null(b = calloc(2 * TEXT_MAX, sizeof(*b)));
	for (i = 0; i < rs->n_rules; i++)
		for (j = 0; j < rs->rules[i].n_patterns; j++) {
			p = &rs->rules[i].patterns[j];
			if (p->utf)
				continue;
			n_byte++;
			utf = pcre2_compile((PCRE2_SPTR)p->source,
			    strlen(p->source),
			    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
				PCRE2_NEVER_BACKSLASH_C,
			    &ecode, &eoff, NULL);
			assert_non_null(utf);
			na = all_matches(
			    p->code, buf_cstr(&t), t.len, a, 2 * TEXT_MAX);
			nb = all_matches(
			    utf, buf_cstr(&t), t.len, b, 2 * TEXT_MAX);
			if (na != nb || memcmp(a, b, na * sizeof(*a)) != 0)
				fail_msg("%s pattern %zu: %zu matches in byte "
					 "mode, %zu in UTF mode",
				    rs->rules[i].id, j, na / 2, nb / 2);
			/* not vacuous: the number rules match here */
			if (strcmp(rs->rules[i].id, "jp.my_number") == 0)
				assert_true(na >= 2 * 40);
			pcre2_code_free(utf);
		}
	assert_false(rs->rules[0].id == NULL);
	for (i = 0; i < rs->n_rules; i++) {
		if (strcmp(rs->rules[i].id, "jp.my_number") == 0 ||
		    strcmp(rs->rules[i].id, "jp.phone") == 0)
			assert_false(rs->rules[i].patterns[0].utf);
		if (strcmp(rs->rules[i].id, "jp.birth_date") == 0 ||
		    strcmp(rs->rules[i].id, "jp.classification") == 0)
			assert_true(rs->rules[i].patterns[0].utf);
	}
	assert_true(n_byte >= 10);
	free(a);
	free(b);
	buf_free(&t);
	ruleset_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_only_ascii_patterns_are_compiled_in_byte_mode),
		cmocka_unit_test(
		    test_shipped_byte_mode_patterns_match_as_in_utf_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
