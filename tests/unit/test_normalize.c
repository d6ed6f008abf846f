/*
 * test_normalize - normalize_text(): NFKC, the dash rule, line ends,
 * invalid input, limits, and bounded memory on large input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>
#include <utf8proc.h>

#include "buf.h"
#include "normalize.h"

struct norm_case {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
	size_t wantlen; /* 0: strlen(want) */
};

#define U_FFFD "\xEF\xBF\xBD"

static void
run_cases(const struct norm_case *c, size_t n)
{
	struct buf out;
	size_t i, len, wl;

	for (i = 0; i < n; i++) {
		buf_init(&out, 1 << 16);
		len = c[i].len ? c[i].len : strlen(c[i].in);
		wl = c[i].wantlen ? c[i].wantlen : strlen(c[i].want);
		assert_int_equal(normalize_text(c[i].in, len, &out), BUF_OK);
		if (out.len != wl || memcmp(buf_cstr(&out), c[i].want, wl) != 0)
			print_error("case %s: \"%s\" (want \"%s\")\n",
			    c[i].name, buf_cstr(&out), c[i].want);
		assert_int_equal(out.len, wl);
		assert_memory_equal(buf_cstr(&out), c[i].want, wl);
		buf_free(&out);
	}
}

#define RUN(c) run_cases(c, sizeof(c) / sizeof(c[0]))

static void
test_nfkc_folds_width_and_compatibility_forms(void **state)
{
	static const struct norm_case c[] = {
		{ "full-width digits", "１２３４", 0, "1234", 0 },
		{ "full-width letters", "ＡＢＣｘｙｚ", 0, "ABCxyz", 0 },
		{ "era square", "㍻", 0, "平成", 0 },
		{ "era square reiwa", "㋿", 0, "令和", 0 },
		{ "half-width katakana", "ｶﾀｶﾅ", 0, "カタカナ", 0 },
		{ "half-width voiced katakana", "ｶﾞｷﾞﾊﾟ", 0, "ガギパ", 0 },
		{ "ideographic space",
		    "a\xE3\x80\x80"
		    "b",
		    0, "a b", 0 },
		{ "circled digit", "①", 0, "1", 0 },
		{ "parenthesised digit", "⑴", 0, "(1)", 0 },
		{ "kabushiki square", "㈱", 0, "(株)", 0 },
		{ "composes decomposed kana", "か\xE3\x82\x99", 0, "が", 0 },
		{ "composes latin", "e\xCC\x81", 0, "é", 0 },
		{ "full-width punctuation", "（）：", 0, "():", 0 },
		{ "plain ascii unchanged", "My Number 1234", 0,
		    "My Number 1234", 0 },
		{ "kanji unchanged", "山田太郎", 0, "山田太郎", 0 },
		{ "empty", "", 0, "", 0 },
	};

	RUN(c);
}

static void
test_dash_between_digits_folds_and_elsewhere_stays(void **state)
{
	static const struct norm_case c[] = {
		{ "full-width hyphen-minus", "１２３４－５６７８", 0,
		    "1234-5678", 0 },
		{ "long vowel mark between digits", "1234ー5678", 0,
		    "1234-5678", 0 },
		{ "long vowel mark in a word", "データー", 0, "データー", 0 },
		{ "half-width long vowel in a word", "ﾃﾞｰﾀ", 0, "データ", 0 },
		{ "half-width long vowel between digits", "12ｰ34", 0, "12-34",
		    0 },
		{ "hyphen", "12‐34", 0, "12-34", 0 },
		{ "non-breaking hyphen", "12‑34", 0, "12-34", 0 },
		{ "figure dash", "12‒34", 0, "12-34", 0 },
		{ "en dash", "12–34", 0, "12-34", 0 },
		{ "em dash", "12—34", 0, "12-34", 0 },
		{ "horizontal bar", "12―34", 0, "12-34", 0 },
		{ "minus sign", "12−34", 0, "12-34", 0 },
		{ "small em dash", "12﹘34", 0, "12-34", 0 },
		{ "small hyphen-minus", "12﹣34", 0, "12-34", 0 },
		{ "hyphen bullet", "12⁃34", 0, "12-34", 0 },
		{ "modifier minus", "12˗34", 0, "12-34", 0 },
		{ "full-width digits around ー", "１２ー３４", 0, "12-34", 0 },
		{ "dash after a letter stays", "aー1", 0, "aー1", 0 },
		{ "dash before a letter stays", "1ーa", 0, "1ーa", 0 },
		{ "dash at the end stays", "1234ー", 0, "1234ー", 0 },
		{ "dash at the start stays", "ー1", 0, "ー1", 0 },
		{ "two dashes stay", "1ーー2", 0, "1ーー2", 0 },
		{ "dash before a dash", "1—ー2", 0, "1—ー2", 0 },
		{ "non-ascii digit does not count", "١ー2", 0, "١ー2", 0 },
		{ "twelve digits with dashes", "1234ー5678ー9018", 0,
		    "1234-5678-9018", 0 },
		{ "zero-width space vanishes",
		    "1234\xE2\x80\x8B"
		    "5678",
		    0, "12345678", 0 },
		{ "soft hyphen vanishes",
		    "12\xC2\xAD"
		    "34",
		    0, "1234", 0 },
	};

	RUN(c);
}

static void
test_line_ends_nul_and_invalid_bytes(void **state)
{
	static const struct norm_case c[] = {
		{ "crlf", "a\r\nb", 0, "a\nb", 0 },
		{ "lone cr", "a\rb\r", 0, "a\nb\n", 0 },
		{ "cr cr lf", "a\r\r\nb", 0, "a\n\nb", 0 },
		{ "crlf before a sound mark", "ｶ\r\nﾞ", 0, "カ\n\xE3\x82\x99",
		    0 },
		{ "crlf after digit and dash", "1ー\r\n2", 0, "1ー\n2", 0 },
		{ "dash between digits before crlf", "5ー6\r\n7ー8\0", 13,
		    "5-6\n7-8 ", 0 },
		{ "nel and separators",
		    "a\xC2\x85"
		    "b\xE2\x80\xA8"
		    "c\xE2\x80\xA9",
		    0, "a\nb\nc\n", 0 },
		{ "nul to space", "a\0b", 3, "a b", 0 },
		{ "invalid byte",
		    "a\xFF"
		    "b",
		    0, "a" U_FFFD "b", 0 },
		{ "cut sequence at end", "1\xE3\x81", 0, "1" U_FFFD U_FFFD, 0 },
		{ "surrogate", "\xED\xA0\x80", 0, U_FFFD U_FFFD U_FFFD, 0 },
		{ "overlong",
		    "\xC0\xAF"
		    "x",
		    0, U_FFFD U_FFFD "x", 0 },
		{ "invalid between digits is no dash",
		    "12\xFF"
		    "34",
		    0, "12" U_FFFD "34", 0 },
	};

	RUN(c);
}

static void
test_full_output_returns_efull_on_a_character_boundary(void **state)
{
	struct buf out;

	buf_init(&out, 7);
	assert_int_equal(normalize_text("あいう", 9, &out), BUF_EFULL);
	assert_string_equal(buf_cstr(&out), "あい");
	buf_free(&out);

	buf_init(&out, 4);
	assert_int_equal(normalize_text("１２３４５", 15, &out), BUF_EFULL);
	assert_string_equal(buf_cstr(&out), "1234");
	buf_free(&out);

	/* exactly full is not an error */
	buf_init(&out, 4);
	assert_int_equal(normalize_text("１２３４", 12, &out), BUF_OK);
	assert_string_equal(buf_cstr(&out), "1234");
	buf_free(&out);

	/* a held dash that no longer fits */
	buf_init(&out, 2);
	assert_int_equal(normalize_text("1ー2", 5, &out), BUF_EFULL);
	assert_string_equal(buf_cstr(&out), "1-");
	buf_free(&out);
}

static void
test_empty_input_writes_nothing(void **state)
{
	struct buf out;

	buf_init(&out, 64);
	assert_int_equal(normalize_text(NULL, 0, &out), BUF_OK);
	assert_int_equal(normalize_text("", 0, &out), BUF_OK);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void
test_output_appends_to_existing_contents(void **state)
{
	struct buf out;

	buf_init(&out, 64);
	assert_int_equal(buf_puts(&out, "x:"), BUF_OK);
	assert_int_equal(normalize_text("１", 3, &out), BUF_OK);
	assert_string_equal(buf_cstr(&out), "x:1");
	buf_free(&out);
}

/*
 * Chunking must not change the result: text that crosses chunk borders
 * everywhere normalises as it would in one piece.
 */
static void
test_chunk_borders_do_not_change_the_result(void **state)
{
	static const char *units[] = { "ｶﾞ", "か\xE3\x82\x99", "e\xCC\x81",
		"12ー34 ", "データー", "１２３４－", "㍻" };
	static const char *wants[] = { "ガ", "が", "é", "12-34 ", "データー",
		"1234-", "平成" };
	size_t u, i, n, l, wl;
	struct buf in, out;

	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		l = strlen(units[u]);
		wl = strlen(wants[u]);
		for (n = 1; n < 40000; n = n * 3 + 1) {
			buf_init(&in, n * l);
			buf_init(&out, n * l * 2);
			for (i = 0; i < n; i++)
				assert_int_equal(
				    buf_puts(&in, units[u]), BUF_OK);
			assert_int_equal(
			    normalize_text((const char *)in.data, in.len, &out),
			    BUF_OK);
			assert_int_equal(out.len, n * wl);
			for (i = 0; i < n; i++)
				assert_memory_equal(
				    out.data + i * wl, wants[u], wl);
			buf_free(&in);
			buf_free(&out);
		}
	}
}

/*
 * CR LF reads as LF and NUL as a space wherever they are: after a digit
 * (a dash held across the line end stays a dash), after kana and the
 * long vowel mark, before half-width sound marks, in long ASCII runs and
 * at every offset of an 8-byte word, in text of many lines.
 */
static void
test_crlf_and_nul_read_as_lf_and_space_in_long_text(void **state)
{
	static const char *lines[] = {
		"村上 翔,東京都北区本町3-18-16,0901234ー5678,12",
		"ボールペン,P-0813,2050", "12ー", "ー34", "データー", "ｶ",
		"ﾞ続き", "plain ascii line of some length, 1234567890",
		"１２３４－", "ア", ""
	};
	struct buf crlf, lf, a, b;
	size_t i, k, pad;

	for (pad = 0; pad < 9; pad++) {
		buf_init(&crlf, 1 << 20);
		buf_init(&lf, 1 << 20);
		buf_init(&a, 1 << 21);
		buf_init(&b, 1 << 21);
		for (k = 0; k < 400; k++) {
			i = (k * 7 + pad) % (sizeof(lines) / sizeof(lines[0]));
			assert_int_equal(
			    buf_append(&crlf, "xxxxxxxx", pad % 9), BUF_OK);
			assert_int_equal(
			    buf_append(&lf, "xxxxxxxx", pad % 9), BUF_OK);
			assert_int_equal(buf_puts(&crlf, lines[i]), BUF_OK);
			assert_int_equal(buf_puts(&lf, lines[i]), BUF_OK);
			assert_int_equal(buf_append(&crlf,
					     k % 5	 ? "\r\n"
						 : k % 2 ? "\r"
							 : "\0",
					     k % 5 ? 2 : 1),
			    BUF_OK);
			assert_int_equal(
			    buf_puts(&lf, k % 5 || k % 2 ? "\n" : " "), BUF_OK);
		}
		assert_int_equal(
		    normalize_text((const char *)crlf.data, crlf.len, &a),
		    BUF_OK);
		assert_int_equal(
		    normalize_text((const char *)lf.data, lf.len, &b), BUF_OK);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		assert_non_null(strstr(buf_cstr(&a), "12ー\n"));
		assert_non_null(strstr(buf_cstr(&a), "1234-\n"));
		assert_null(strchr(buf_cstr(&a), '\r'));
		buf_free(&crlf);
		buf_free(&lf);
		buf_free(&a);
		buf_free(&b);
	}
}

/* Thousands of combining marks in a row: cut, and fast. */
static void
test_long_runs_of_combining_marks_are_cut(void **state)
{
	size_t n = 200000, i;
	struct buf in, out;
	size_t marks = 0;

	buf_init(&in, 3 + 2 * n);
	assert_int_equal(buf_puts(&in, "a"), BUF_OK);
	for (i = 0; i < n; i++)
		/* alternate classes 230 and 220 so that sorting has work */
		assert_int_equal(
		    buf_puts(&in, i % 2 ? "\xCC\x81" : "\xCC\xA3"), BUF_OK);
	assert_int_equal(buf_puts(&in, "b"), BUF_OK);
	buf_init(&out, 1 << 20);
	assert_int_equal(
	    normalize_text((const char *)in.data, in.len, &out), BUF_OK);
	for (i = 0; i < out.len; i++)
		marks += out.data[i] == 0xCC;
	assert_true(marks <= 30);
	assert_int_equal(out.data[out.len - 1], 'b');
	buf_free(&in);
	buf_free(&out);
}

static long
max_rss_kb(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

/*
 * 20 MB of mixed Japanese text in one call: it completes, the output is
 * right, and the peak memory grows by little more than input plus output
 * (no whole-input work area).
 */
static void
test_twenty_megabytes_normalise_in_bounded_memory(void **state)
{
	static const char unit[] =
	    "氏名 ﾔﾏﾀﾞ ﾀﾛｳ 番号 １２３４ー５６７８ー９０１８\r\n";
	static const char want[] = "氏名 ヤマダ タロウ 番号 1234-5678-9018\n";
	size_t ul = sizeof(unit) - 1, wl = sizeof(want) - 1;
	size_t n = 20 * 1024 * 1024 / ul, i;
	char *in;
	struct buf out;
	long before, after;

	in = malloc(n * ul);
	assert_non_null(in);
	for (i = 0; i < n; i++)
		memcpy(in + i * ul, unit, ul);
	buf_init(&out, n * ul);
	/* touch the output once so that its pages count in "before" */
	assert_int_equal(buf_putc(&out, 'x'), BUF_OK);
	buf_reset(&out);
	before = max_rss_kb();
	assert_int_equal(normalize_text(in, n * ul, &out), BUF_OK);
	after = max_rss_kb();
	assert_int_equal(out.len, n * wl);
	for (i = 0; i < n; i += 9973)
		assert_memory_equal(out.data + i * wl, want, wl);
	assert_memory_equal(out.data + (n - 1) * wl, want, wl);
	print_message("# peak memory grew by %ld kB for %zu kB out\n",
	    after - before, out.len / 1024);
	/* the output buffer itself may grow to n * wl bytes */
	if (after - before > (long)(n * wl / 1024) * 3 + 16 * 1024)
		fail_msg("peak memory grew by %ld kB", after - before);
	buf_free(&out);
	free(in);
}

/*
 * Random bytes and characters: the output is always well-formed UTF-8
 * within the maximum, whatever the input (the sanitizers watch).
 */
static void
test_random_input_gives_well_formed_utf8(void **state)
{
	static const char *bits[] = { "1", "a", " ", "\r", "\n", "\0", "\xFF",
		"\xE3", "\x81", "ー", "－", "１", "ｶ", "ﾞ", "\xCC\x81",
		"\xCC\xA3", "㍻", "①", "\xE2\x80\x8B", "\xEF\xB7\xBA",
		"\xF0\x9F\x98\x80", "\xED\xA0\x80", "が" };
	unsigned long seed = 7;
	struct buf in, out;
	size_t round, k, b, i;
	int rc, l;

	for (round = 0; round < 200; round++) {
		buf_init(&in, 1 << 16);
		for (k = 0; k < 3000; k++) {
			seed = seed * 6364136223846793005UL +
			    1442695040888963407UL;
			b = (seed >> 33) % (sizeof(bits) / sizeof(bits[0]));
			if (bits[b][0] == '\0')
				(void)buf_putc(&in, 0);
			else
				(void)buf_puts(&in, bits[b]);
		}
		buf_init(&out, round % 2 ? 1000 : 1 << 20);
		rc = normalize_text((const char *)in.data, in.len, &out);
		assert_true(rc == BUF_OK || rc == BUF_EFULL);
		assert_true(out.len <= out.max);
		for (i = 0; i < out.len; i += (size_t)l) {
			l = 1;
			if (out.data[i] >= 0x80) {
				int32_t c;

				l = (int)utf8proc_iterate(out.data + i,
				    (utf8proc_ssize_t)(out.len - i), &c);
				assert_true(l > 0);
			}
		}
		buf_free(&in);
		buf_free(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfkc_folds_width_and_compatibility_forms),
		cmocka_unit_test(
		    test_dash_between_digits_folds_and_elsewhere_stays),
		cmocka_unit_test(test_line_ends_nul_and_invalid_bytes),
		cmocka_unit_test(
		    test_full_output_returns_efull_on_a_character_boundary),
		cmocka_unit_test(test_empty_input_writes_nothing),
		cmocka_unit_test(test_output_appends_to_existing_contents),
		cmocka_unit_test(test_chunk_borders_do_not_change_the_result),
		cmocka_unit_test(
		    test_crlf_and_nul_read_as_lf_and_space_in_long_text),
		cmocka_unit_test(test_long_runs_of_combining_marks_are_cut),
		cmocka_unit_test(
		    test_twenty_megabytes_normalise_in_bounded_memory),
		cmocka_unit_test(test_random_input_gives_well_formed_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
