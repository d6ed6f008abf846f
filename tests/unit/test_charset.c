/*
 * test_charset - charset_to_utf8(), charset_guess(), charset_canonical(),
 * charset_valid_utf8(). Synthetic strings, plus the gmime corpus files
 * (the same Japanese text in ISO-2022-JP, Shift_JIS and UTF-8), read
 * relative to the project root.
 */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "charset.h"

#define CORPUS "../shared/corpus/external/gmime/"

struct conv_case {
	const char *name;
	const char *label;
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
	int rc;
};

#define U_FFFD "\xEF\xBF\xBD"

static void
run_conv_cases(const struct conv_case *c, size_t n)
{
	struct buf out;
	size_t i, len;
	int rc;

	for (i = 0; i < n; i++) {
		buf_init(&out, 1 << 20);
		len = c[i].len ? c[i].len : strlen(c[i].in);
		rc = charset_to_utf8(c[i].label, c[i].in, len, &out);
		if (rc != c[i].rc || strcmp(buf_cstr(&out), c[i].want) != 0)
			print_error("case %s: rc %d (want %d) out \"%s\" "
				    "(want \"%s\")\n",
			    c[i].name, rc, c[i].rc, buf_cstr(&out), c[i].want);
		assert_int_equal(rc, c[i].rc);
		assert_string_equal(buf_cstr(&out), c[i].want);
		assert_true(
		    charset_valid_utf8(out.data, out.len) || out.len == 0);
		buf_free(&out);
	}
}

/* あ ① ㈱ ～ in CP932: NEC row 13 and the Windows full-width tilde */
#define SJIS_SAMPLE	 "\x82\xA0\x87\x40\x87\x8A\x81\x60"
#define SJIS_SAMPLE_UTF8 "あ①㈱～"

static void
test_every_shift_jis_label_decodes_as_cp932(void **state)
{
	static const char *labels[] = { "shift_jis", "Shift_JIS", "shift-jis",
		"SJIS", "x-sjis", "ms_kanji", "csShiftJIS", "windows-31j",
		"cp932", "MS932", "x-ms-cp932", "ibm-943", "IBM943",
		"\"Shift_JIS\"", "  shift_jis ", "'sjis'", "shift_jis*ja" };
	struct buf out;
	size_t i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		buf_init(&out, 256);
		assert_int_equal(charset_to_utf8(labels[i], SJIS_SAMPLE,
				     strlen(SJIS_SAMPLE), &out),
		    CHARSET_OK);
		if (strcmp(buf_cstr(&out), SJIS_SAMPLE_UTF8) != 0)
			print_error("label %s\n", labels[i]);
		assert_string_equal(buf_cstr(&out), SJIS_SAMPLE_UTF8);
		buf_free(&out);
	}
}

static void
test_iso2022jp_keeps_nec_and_ibm_extensions(void **state)
{
	static const struct conv_case c[] = {
		{ "plain kana and kanji", "iso-2022-jp",
		    "a\x1B$B$\"F|K\\\x1B(Bz", 0, "aあ日本z", CHARSET_OK },
		{ "nec circled one", "ISO-2022-JP", "\x1B$B-!\x1B(B", 0, "①",
		    CHARSET_OK },
		{ "nec kabushiki and numero", "iso-2022-jp", "\x1B$B-j-b\x1B(B",
		    0, "㈱№", CHARSET_OK },
		{ "nec-selected ibm kanji row 89", "iso-2022-jp",
		    "\x1B$By!\x1B(B", 0, "纊", CHARSET_OK },
		{ "1978 designation", "iso-2022-jp", "\x1B$@$\"\x1B(B", 0, "あ",
		    CHARSET_OK },
		{ "jis roman read as ascii", "iso-2022-jp", "\x1B(Ja\\b~\x1B(B",
		    0, "a\\b~", CHARSET_OK },
		{ "half-width katakana by esc ( i", "iso-2022-jp",
		    "\x1B(I6@6E\x1B(B", 0, "ｶﾀｶﾅ", CHARSET_OK },
		{ "half-width katakana by so/si", "iso-2022-jp",
		    "x\x0E"
		    "6@\x0Fy",
		    0, "xｶﾀy", CHARSET_OK },
		{ "jis8 katakana byte", "iso-2022-jp", "\x1B$B$\"\x1B(B\xB6", 0,
		    "あｶ", CHARSET_OK },
		{ "jis x 0212", "iso-2022-jp-1", "\x1B$(D0!\x1B(B", 0, "丂",
		    CHARSET_OK },
		{ "jis x 0213 plane 1", "iso-2022-jp-3", "\x1B$(Q$\"\x1B(B", 0,
		    "あ", CHARSET_OK },
		{ "jis x 0213 plane 2", "iso-2022-jp-2004", "\x1B$(P!!\x1B(B",
		    0, "𠂉", CHARSET_OK },
		{ "gb 2312 in -2", "iso-2022-jp-2", "\x1B$A0!\x1B(B", 0, "啊",
		    CHARSET_OK },
		{ "ks c 5601 in -2", "csISO2022JP2", "\x1B$(C0!\x1B(B", 0, "가",
		    CHARSET_OK },
		{ "latin-1 single shift in -2", "iso-2022-jp-2",
		    "caf\x1B.A\x1BNi!", 0, "café!", CHARSET_OK },
		{ "greek single shift in -2", "iso-2022-jp-2", "\x1B.F\x1BNa",
		    0, "α", CHARSET_OK },
		{ "line ends pass in two-byte mode", "iso-2022-jp",
		    "\x1B$B$\"\r\n$\"\x1B(B", 0, "あ\r\nあ", CHARSET_OK },
		{ "unknown escape is one fffd", "iso-2022-jp", "a\x1B(Zb", 0,
		    "a" U_FFFD "(Zb", CHARSET_OK },
		{ "lone esc at end", "iso-2022-jp", "a\x1B", 0, "a" U_FFFD,
		    CHARSET_OK },
		{ "half a character at end", "iso-2022-jp", "\x1B$B$\"$", 0,
		    "あ" U_FFFD, CHARSET_OK },
		{ "bad second byte keeps what follows", "iso-2022-jp",
		    "\x1B$B$\x80$\"", 0, U_FFFD U_FFFD "あ", CHARSET_OK },
		{ "8-bit byte with escapes", "iso-2022-jp",
		    "\x1B$B$\"\x1B(B\xFFz", 0, "あ" U_FFFD "z", CHARSET_OK },
		{ "kana mode out of range", "iso-2022-jp", "\x1B(Iz\x1B(B", 0,
		    U_FFFD, CHARSET_OK },
		/* iconv skips one byte at a time: one U+FFFD each */
		{ "unassigned row 9 is fffd per byte", "iso-2022-jp",
		    "\x1B$B)!\x1B(B", 0, U_FFFD U_FFFD, CHARSET_OK },
		{ "shift_jis mislabelled as iso-2022-jp", "iso-2022-jp",
		    SJIS_SAMPLE, 0, SJIS_SAMPLE_UTF8, CHARSET_GUESSED },
	};

	run_conv_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_invalid_bytes_become_fffd_and_decoding_goes_on(void **state)
{
	static const struct conv_case c[] = {
		{ "utf-8 stray ff", "utf-8",
		    "a\xFF"
		    "b",
		    0, "a" U_FFFD "b", CHARSET_OK },
		{ "utf-8 cut at end", "UTF-8", "a\xE3\x81", 0, "a" U_FFFD,
		    CHARSET_OK },
		{ "utf-8 cut before ascii", "utf8", "\xE3\x81z", 0, U_FFFD "z",
		    CHARSET_OK },
		{ "utf-8 surrogate", "utf-8", "\xED\xA0\x80", 0,
		    U_FFFD U_FFFD U_FFFD, CHARSET_OK },
		{ "utf-8 overlong", "utf-8", "\xC0\xAF", 0, U_FFFD U_FFFD,
		    CHARSET_OK },
		{ "utf-8 past 10ffff", "utf-8", "\xF4\x90\x80\x80", 0,
		    U_FFFD U_FFFD U_FFFD U_FFFD, CHARSET_OK },
		{ "utf-8 bom dropped", "utf-8", "\xEF\xBB\xBFok", 0, "ok",
		    CHARSET_OK },
		{ "utf-8 nul kept", "utf-8", "a\0b", 3, "a", CHARSET_OK },
		{ "cp932 lead at end", "shift_jis", "a\x82", 0, "a" U_FFFD,
		    CHARSET_OK },
		{ "cp932 stray 80", "shift_jis", "a\x80\x82\xA0", 0,
		    "a" U_FFFD "あ", CHARSET_OK },
		{ "cp932 lead before newline", "cp932", "\x82\n\x82\xA0", 0,
		    U_FFFD "\nあ", CHARSET_OK },
		{ "euc-jp bad pair", "euc-jp", "\xA4\xA2\xA4", 0, "あ" U_FFFD,
		    CHARSET_OK },
		{ "euc-jp nec row 13", "EUC-JP", "\xAD\xA1", 0, "①",
		    CHARSET_OK },
	};

	run_conv_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_utf16_and_utf32_follow_bom_or_bytes(void **state)
{
	static const struct conv_case c[] = {
		{ "utf-16 le bom", "utf-16",
		    "\xFF\xFE\x42\x30"
		    "1\0",
		    6, "あ1", CHARSET_OK },
		{ "utf-16 be bom", "UTF-16",
		    "\xFE\xFF\x30\x42\0"
		    "1",
		    6, "あ1", CHARSET_OK },
		{ "utf-16 no bom defaults to be", "utf-16", "\x30\x42", 2, "あ",
		    CHARSET_OK },
		{ "utf-16 no bom le by zeros", "utf-16",
		    "1\0"
		    "2\0"
		    "3\0",
		    6, "123", CHARSET_OK },
		{ "utf-16 no bom le kana", "utf-16", "\x42\x30\x44\x30", 4,
		    "あい", CHARSET_OK },
		{ "utf-16le bom dropped", "utf-16le",
		    "\xFF\xFE"
		    "a\0",
		    4, "a", CHARSET_OK },
		{ "utf-16be", "utf-16be", "\0a\0b", 4, "ab", CHARSET_OK },
		{ "utf-16 surrogate pair", "utf-16le", "\x3D\xD8\x00\xDE", 4,
		    "😀", CHARSET_OK },
		{ "utf-16 lone surrogate", "utf-16le",
		    "\x3D\xD8"
		    "a\0",
		    4, U_FFFD "a", CHARSET_OK },
		{ "utf-16 odd byte at end", "utf-16le", "a\0b", 3, "a" U_FFFD,
		    CHARSET_OK },
		{ "ucs-2 label", "ucs-2", "\xFE\xFF\0z", 4, "z", CHARSET_OK },
		{ "utf-32 le bom", "utf-32",
		    "\xFF\xFE\0\0"
		    "a\0\0\0",
		    8, "a", CHARSET_OK },
		{ "utf-32 no bom le", "utf-32",
		    "a\0\0\0"
		    "b\0\0\0",
		    8, "ab", CHARSET_OK },
		{ "utf-32 no bom be", "utf-32", "\0\0\0a", 4, "a", CHARSET_OK },
		{ "utf-32be out of range", "utf-32be", "\0\x11\0\0\0\0\0z", 8,
		    U_FFFD "z", CHARSET_OK },
		{ "undeclared utf-16le with bom", NULL,
		    "\xFF\xFE"
		    "a\0",
		    4, "a", CHARSET_GUESSED },
	};

	run_conv_cases(c, sizeof(c) / sizeof(c[0]));
}

static void
test_unknown_or_absent_label_is_guessed(void **state)
{
	static const struct conv_case c[] = {
		{ "null label utf-8", NULL, "あ", 0, "あ", CHARSET_GUESSED },
		{ "empty label ascii", "", "abc", 0, "abc", CHARSET_GUESSED },
		{ "unknown label sjis", "x-no-such-charset", SJIS_SAMPLE, 0,
		    SJIS_SAMPLE_UTF8, CHARSET_GUESSED },
		{ "unknown-8bit utf-8", "unknown-8bit", "①", 0, "①",
		    CHARSET_GUESSED },
		{ "iconv options refused", "UTF-8//IGNORE", "\xB1", 0, "ｱ",
		    CHARSET_GUESSED },
		{ "us-ascii 7-bit", "us-ascii", "plain", 0, "plain",
		    CHARSET_OK },
		{ "us-ascii with sjis", "US-ASCII", SJIS_SAMPLE, 0,
		    SJIS_SAMPLE_UTF8, CHARSET_GUESSED },
		{ "us-ascii with utf-8", "ascii", "日本", 0, "日本",
		    CHARSET_GUESSED },
		{ "us-ascii with jis", "us-ascii", "\x1B$B$\"\x1B(B", 0, "あ",
		    CHARSET_GUESSED },
		{ "us-ascii with stray esc", "us-ascii",
		    "a\x1B"
		    "b",
		    0,
		    "a\x1B"
		    "b",
		    CHARSET_OK },
		{ "label iconv knows", "IBM037", "\xC1\xC2", 0, "AB",
		    CHARSET_OK },
		{ "latin-1", "ISO-8859-1", "caf\xE9", 0, "café", CHARSET_OK },
		{ "empty input", "utf-8", "", 0, "", CHARSET_OK },
	};

	run_conv_cases(c, sizeof(c) / sizeof(c[0]));
}

struct full_case {
	const char *label;
	const char *in;
	size_t max;
	const char *want;
};

static void
test_shift_jis_labelled_utf8_is_read_as_cp932(void **state)
{
	/* "個人番号とマイナンバー" in CP932, declared as UTF-8 */
	static const char sjis[] = "\x8c\xc2\x90\x6c\x94\xd4\x8d\x86\x82"
				   "\xc6\x83\x7d\x83\x43\x83\x69\x83\x93"
				   "\x83\x6f\x81\x5b";
	/* UTF-8 with two damaged sequences stays UTF-8 */
	static const char damaged[] = "\xe5\x80\x8b\xe4\xba \xff "
				      "\xe7\x95\xaa\xe5\x8f\xb7";
	struct buf out;

	buf_init(&out, 1024);
	assert_int_equal(charset_to_utf8("utf-8", sjis, sizeof(sjis) - 1, &out),
	    CHARSET_GUESSED);
	assert_string_equal(buf_cstr(&out), "個人番号とマイナンバー");
	buf_reset(&out);
	assert_int_equal(
	    charset_to_utf8("UTF8", damaged, sizeof(damaged) - 1, &out),
	    CHARSET_OK);
	assert_non_null(strstr(buf_cstr(&out), "個"));
	assert_non_null(strstr(buf_cstr(&out), "番号"));
	buf_free(&out);
}

static void
test_full_output_stops_on_a_character_boundary(void **state)
{
	static const struct full_case c[] = {
		{ "utf-8", "あいう", 7, "あい" },
		{ "utf-8", "あいう", 2, "" },
		{ "utf-8", "ab\xFF", 4, "ab" },
		{ "shift_jis", "\x82\xA0\x82\xA2\x82\xA4", 8, "あい" },
		{ "iso-2022-jp", "\x1B$B$\"$$$&\x1B(B", 6, "あい" },
		{ "iso-2022-jp", "\x1B$B-!-!\x1B(B", 5, "①" },
		{ "utf-16be", "\x30\x42\x30\x44", 5, "あ" },
		{ NULL, "\x82\xA0\x82\xA2", 4, "あ" },
	};
	struct buf out;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		buf_init(&out, c[i].max);
		assert_int_equal(
		    charset_to_utf8(c[i].label, c[i].in, strlen(c[i].in), &out),
		    CHARSET_EFULL);
		assert_string_equal(buf_cstr(&out), c[i].want);
		buf_free(&out);
	}
}

static void
test_empty_input_writes_nothing(void **state)
{
	struct buf out;

	buf_init(&out, 64);
	assert_int_equal(charset_to_utf8("utf-8", NULL, 0, &out), CHARSET_OK);
	assert_int_equal(
	    charset_to_utf8("shift_jis", NULL, 0, &out), CHARSET_OK);
	assert_int_equal(
	    charset_to_utf8("iso-2022-jp", "", 0, &out), CHARSET_OK);
	assert_int_equal(charset_to_utf8(NULL, NULL, 0, &out), CHARSET_GUESSED);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void
test_output_is_appended_after_existing_contents(void **state)
{
	struct buf out;

	buf_init(&out, 7);
	assert_int_equal(buf_puts(&out, "ab"), BUF_OK);
	assert_int_equal(
	    charset_to_utf8("utf-8", "あい", 6, &out), CHARSET_EFULL);
	assert_string_equal(buf_cstr(&out), "abあ");
	buf_free(&out);
}

struct guess_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
};

static void
test_guess_reads_boms_escapes_and_byte_pairs(void **state)
{
	static const struct guess_case c[] = {
		{ "\xEF\xBB\xBFx", 0, "UTF-8" },
		{ "\xFF\xFE"
		  "a\0",
		    4, "UTF-16LE" },
		{ "\xFE\xFF\0a", 4, "UTF-16BE" },
		{ "\xFF\xFE\0\0"
		  "a\0\0\0",
		    8, "UTF-32LE" },
		{ "\0\0\xFE\xFF\0\0\0a", 8, "UTF-32BE" },
		{ "a\0b\0c\0d\0", 8, "UTF-16LE" },
		{ "\0a\0b\0c\0d", 8, "UTF-16BE" },
		{ "x\x1B$B$\"\x1B(B", 0, "ISO-2022-JP" },
		{ "\x1B$@$\"", 0, "ISO-2022-JP" },
		{ "\x1B(Jabc", 0, "ISO-2022-JP" },
		{ "plain ascii", 0, "UTF-8" },
		{ "", 0, "UTF-8" },
		{ "日本語のテキスト", 0, "UTF-8" },
		{ "日本語\xE3\x81", 0, "UTF-8" }, /* cut at the end */
		/* 名簿 in CP932: a four-byte file name */
		{ "\x96\xBC\x95\xEB", 0, "CP932" },
		/* あいうえお in CP932 and EUC-JP */
		{ "\x82\xA0\x82\xA2\x82\xA4\x82\xA6\x82\xA8", 0, "CP932" },
		{ "\xA4\xA2\xA4\xA4\xA4\xA6\xA4\xA8\xA4\xAA", 0, "EUC-JP" },
		/* ｶﾀｶﾅ in CP932 is also two EUC-JP kanji: a tie */
		{ "\xB6\xC0\xB6\xC5", 0, "CP932" },
		/* ﾔﾏﾀﾞ ﾀﾛｳ: an odd run breaks EUC-JP */
		{ "\xD4\xCF\xC0\xDE \xC0\xDB\xB3", 0, "CP932" },
		/* 東京都の住所 in EUC-JP */
		{ "\xC5\xEC\xB5\xFE\xC5\xD4\xA4\xCE\xBD\xBB\xBD\xEA", 0,
		    "EUC-JP" },
		/* mostly UTF-8 with one stray byte stays UTF-8 */
		{ "日本語のテキストです\xFFです", 0, "UTF-8" },
	};
	size_t i;
	const char *g;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		g = charset_guess(
		    c[i].in, c[i].len ? c[i].len : strlen(c[i].in));
		if (strcmp(g, c[i].want) != 0)
			print_error(
			    "case %zu: %s (want %s)\n", i, g, c[i].want);
		assert_string_equal(g, c[i].want);
		/* every guess is a label charset_to_utf8() takes */
		assert_non_null(charset_canonical(g));
	}
}

static void
test_canonical_maps_labels_and_refuses_unknown(void **state)
{
	static const struct {
		const char *label;
		const char *want; /* NULL: unknown */
	} c[] = {
		{ "Shift_JIS", "CP932" },
		{ "windows-31j", "CP932" },
		{ "x-sjis", "CP932" },
		{ "EUC-JP", "EUC-JP-MS" },
		{ "iso-2022-jp", "ISO-2022-JP" },
		{ "ISO-2022-JP-2", "ISO-2022-JP" },
		{ "utf-8", "UTF-8" },
		{ "\"UTF-8\"", "UTF-8" },
		{ "us-ascii", "US-ASCII" },
		{ "utf-16", "UTF-16" },
		{ "ks_c_5601-1987", "CP949" },
		{ "gb2312", "GB18030" },
		{ "unknown-8bit", NULL },
		{ "x-no-such", NULL },
		{ "", NULL },
		{ NULL, NULL },
		{ "a-label-much-longer-than-any-charset-name-could-ever-be-"
		  "in-real-mail",
		    NULL },
	};
	size_t i;
	const char *g;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		g = charset_canonical(c[i].label);
		if (c[i].want == NULL)
			assert_null(g);
		else
			assert_string_equal(g, c[i].want);
	}
}

static void
test_valid_utf8_accepts_only_well_formed(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		int want;
	} c[] = {
		{ "", 0, 1 },
		{ "ascii", 5, 1 },
		{ "\xC2\x80", 2, 1 },
		{ "\xEF\xBF\xBF", 3, 1 },
		{ "\xF4\x8F\xBF\xBF", 4, 1 },
		{ "a\0b", 3, 1 },
		{ "\xC1\xBF", 2, 0 },
		{ "\xE0\x9F\xBF", 3, 0 },
		{ "\xED\xA0\x80", 3, 0 },
		{ "\xF4\x90\x80\x80", 4, 0 },
		{ "\xF5\x80\x80\x80", 4, 0 },
		{ "\xE3\x81", 2, 0 },
		{ "\x80", 1, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		assert_int_equal(
		    charset_valid_utf8(c[i].in, c[i].len), c[i].want);
}

static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f;
	char *p;
	long n;

	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (run from the project root)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*lenp = (size_t)n;
	return p;
}

static void
check_corpus(const char *file, const char *label, int want_rc)
{
	struct buf out;
	char *ref, *in;
	size_t reflen, inlen;

	ref = slurp(CORPUS "japanese.utf-8.txt", &reflen);
	in = slurp(file, &inlen);
	buf_init(&out, 1 << 20);
	assert_int_equal(charset_to_utf8(label, in, inlen, &out), want_rc);
	assert_int_equal(out.len, reflen);
	assert_memory_equal(out.data, ref, reflen);
	buf_free(&out);
	free(ref);
	free(in);
}

static void
test_corpus_iso2022jp_equals_utf8_reference(void **state)
{
	check_corpus(
	    CORPUS "japanese.iso-2022-jp.txt", "iso-2022-jp", CHARSET_OK);
}

static void
test_corpus_shift_jis_equals_utf8_reference(void **state)
{
	check_corpus(CORPUS "japanese.shift-jis.txt", "Shift_JIS", CHARSET_OK);
}

static void
test_corpus_undeclared_files_are_guessed_right(void **state)
{
	check_corpus(CORPUS "japanese.iso-2022-jp.txt", NULL, CHARSET_GUESSED);
	check_corpus(CORPUS "japanese.shift-jis.txt", NULL, CHARSET_GUESSED);
	check_corpus(CORPUS "japanese.utf-8.txt", NULL, CHARSET_GUESSED);
	check_corpus(CORPUS "japanese.utf-8.txt", "utf-8", CHARSET_OK);
}

/*
 * Random bytes through every decoder: the output must be well-formed
 * UTF-8 and the sanitizers quiet, whatever the input.
 */
static void
test_random_bytes_give_well_formed_utf8_for_every_label(void **state)
{
	static const char *labels[] = { NULL, "utf-8", "us-ascii", "shift_jis",
		"euc-jp", "iso-2022-jp", "iso-2022-jp-2", "utf-16", "utf-16le",
		"utf-32", "utf-32be", "gb2312", "iso-2022-kr", "IBM037" };
	static const unsigned char alphabet[] = { 0x1B, '$', '(', '.', 'B', '@',
		'J', 'I', 'D', 'N', 'A', 'C', 'P', 'Q', 0x0E, 0x0F, 0x21, 0x2D,
		0x7E, 0x79, 0x80, 0x8E, 0x8F, 0xA1, 0xDF, 0xE0, 0xFC, 0xFF,
		0x00, 0xD8, 0xDC, '\n' };
	unsigned char in[4096];
	unsigned long seed = 12345;
	struct buf out;
	size_t i, l, round;
	int rc;

	for (round = 0; round < 60; round++) {
		for (i = 0; i < sizeof(in); i++) {
			seed = seed * 6364136223846793005UL +
			    1442695040888963407UL;
			in[i] = round % 2
			    ? (unsigned char)(seed >> 33)
			    : alphabet[(seed >> 33) % sizeof(alphabet)];
		}
		for (l = 0; l < sizeof(labels) / sizeof(labels[0]); l++) {
			buf_init(&out, round % 3 ? 1 << 16 : 997);
			rc = charset_to_utf8(labels[l], in, sizeof(in), &out);
			assert_true(rc == CHARSET_OK || rc == CHARSET_GUESSED ||
			    rc == CHARSET_EFULL);
			assert_true(out.len <= out.max);
			assert_true(charset_valid_utf8(out.data, out.len) ||
			    out.len == 0);
			buf_free(&out);
		}
	}
}

static void
test_large_input_converts_in_one_call(void **state)
{
	size_t n = 4 * 1024 * 1024, i;
	char *in = malloc(n);
	struct buf out;

	assert_non_null(in);
	for (i = 0; i + 2 <= n; i += 2) {
		in[i] = '\x82';
		in[i + 1] = '\xA0';
	}
	buf_init(&out, 8 * 1024 * 1024);
	assert_int_equal(charset_to_utf8("sjis", in, n, &out), CHARSET_OK);
	assert_int_equal(out.len, n / 2 * 3);
	assert_memory_equal(out.data + out.len - 3, "あ", 3);
	buf_free(&out);
	free(in);
}

/*
 * What glibc's iconv makes of CP932, with the engine's rules for what it
 * refuses (a refused byte is U+FFFD and the next byte is read afresh; an
 * incomplete character at the end is one U+FFFD): the reference the
 * table decoder of charset.c (cp932_table.h) must equal.
 */
static void
iconv_cp932(const unsigned char *in, size_t len, struct buf *out)
{
	iconv_t cd = iconv_open("UTF-8", "CP932");
	char tmp[256], *ip = (char *)(uintptr_t)in, *op;
	size_t il = len, ol, r;
	int err;

	assert_true(cd != (iconv_t)-1);
	while (il > 0) {
		op = tmp;
		ol = sizeof(tmp);
		r = iconv(cd, &ip, &il, &op, &ol);
		err = errno;
		assert_int_equal(
		    buf_append(out, tmp, (size_t)(op - tmp)), BUF_OK);
		if (r != (size_t)-1 || err == E2BIG)
			continue;
		assert_int_equal(buf_append(out, U_FFFD, 3), BUF_OK);
		if (err == EINVAL)
			break;
		ip++;
		il--;
	}
	iconv_close(cd);
}

/* charset_to_utf8("cp932") against iconv_cp932(), also when cut short. */
static void
check_cp932(const unsigned char *in, size_t len)
{
	struct buf want, got, cut;
	size_t max;

	buf_init(&want, 8 * len + 16);
	buf_init(&got, 8 * len + 16);
	iconv_cp932(in, len, &want);
	assert_int_equal(charset_to_utf8("cp932", in, len, &got), CHARSET_OK);
	if (got.len != want.len ||
	    memcmp(buf_cstr(&got), buf_cstr(&want), got.len) != 0)
		print_error("cp932 differs from iconv on %zu bytes from "
			    "%02x\n",
		    len, len > 0 ? in[0] : 0);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(buf_cstr(&got), buf_cstr(&want), got.len);
	/* a full output keeps the longest whole-character prefix */
	max = want.len / 2;
	buf_init(&cut, max);
	if (want.len > 0) {
		assert_int_equal(
		    charset_to_utf8("cp932", in, len, &cut), CHARSET_EFULL);
		assert_true(cut.len <= max && max - cut.len < 3);
		assert_memory_equal(buf_cstr(&cut), buf_cstr(&want), cut.len);
		assert_true(
		    cut.len == want.len || (want.data[cut.len] & 0xC0) != 0x80);
	}
	buf_free(&want);
	buf_free(&got);
	buf_free(&cut);
}

/*
 * The CP932 tables are glibc's decoder: every byte alone, every pair,
 * and long random runs (lead bytes before lead bytes, ASCII between,
 * refused bytes, a lead byte at the end) decode exactly as iconv does.
 */
static void
test_cp932_tables_decode_as_iconv(void **state)
{
	static const unsigned char pick[] = { 'A', '1', ',', '\\', '~', 0x00,
		0x40, 0x7E, 0x7F, 0x80, 0x81, 0x82, 0x84, 0x85, 0x87, 0x88,
		0x9F, 0xA0, 0xA1, 0xDF, 0xE0, 0xEA, 0xED, 0xEE, 0xF0, 0xFA,
		0xFC, 0xFD, 0xFF, 0x9E, 0xA0, 0xFC };
	unsigned char in[3000];
	unsigned long seed = 932;
	size_t i, n, round;
	unsigned b, t;

	for (b = 0; b < 256; b++) {
		in[0] = (unsigned char)b;
		check_cp932(in, 1);
		for (t = 0; t < 256; t++) {
			in[1] = (unsigned char)t;
			check_cp932(in, 2);
		}
	}
	for (round = 0; round < 200; round++) {
		n = 1 + round * 13 % sizeof(in);
		for (i = 0; i < n; i++) {
			seed = seed * 6364136223846793005UL +
			    1442695040888963407UL;
			in[i] = round % 2 ? (unsigned char)(seed >> 33)
					  : pick[(seed >> 33) % sizeof(pick)];
		}
		check_cp932(in, n);
	}
}

/*
 * charset_utf8_as_is() says yes exactly when charset_to_utf8() would
 * append the input itself (less a BOM): UTF-8 labels and well-formed
 * bytes only; and what charset_to_utf8() appends is then those bytes.
 */
static void
test_utf8_as_is_matches_the_conversion(void **state)
{
	static const struct {
		const char *label, *in;
		size_t len; /* 0: strlen(in) */
		bool as_is;
		size_t skip;
	} c[] = {
		{ "utf-8", "abc 個人番号", 0, true, 0 },
		{ "UTF8", "\xEF\xBB\xBF個人", 0, true, 3 },
		{ "utf-8", "\xEF\xBB\xBF", 0, true, 3 },
		{ "utf-8", "\xEF\xBB", 0, false, 0 },	  /* cut BOM */
		{ "utf-8", "ab\xE3\x81", 0, false, 0 },	  /* cut character */
		{ "utf-8", "\xC0\xAF", 0, false, 0 },	  /* overlong */
		{ "utf-8", "\xED\xA0\x80", 0, false, 0 }, /* surrogate */
		{ "utf-8", "", 0, true, 0 },
		{ "utf-8", "a\0b", 3, true, 0 },
		{ "us-ascii", "abc", 0, false, 0 },
		{ "shift_jis", "abc", 0, false, 0 },
		{ "", "abc", 0, false, 0 },
		{ NULL, "abc", 0, false, 0 },
	};
	struct buf out;
	size_t i, len, skip;
	bool as_is;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		len = c[i].len ? c[i].len : strlen(c[i].in);
		skip = 99;
		as_is = charset_utf8_as_is(c[i].label, c[i].in, len, &skip);
		if (as_is != c[i].as_is)
			print_error("case %zu: as_is %d\n", i, as_is);
		assert_int_equal(as_is, c[i].as_is);
		if (!as_is)
			continue;
		assert_int_equal(skip, c[i].skip);
		buf_init(&out, 1 << 20);
		assert_int_equal(
		    charset_to_utf8(c[i].label, c[i].in, len, &out),
		    CHARSET_OK);
		assert_int_equal(out.len, len - skip);
		assert_memory_equal(out.data ? (const char *)out.data : "",
		    c[i].in + skip, len - skip);
		buf_free(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_shift_jis_label_decodes_as_cp932),
		cmocka_unit_test(test_utf8_as_is_matches_the_conversion),
		cmocka_unit_test(test_iso2022jp_keeps_nec_and_ibm_extensions),
		cmocka_unit_test(
		    test_invalid_bytes_become_fffd_and_decoding_goes_on),
		cmocka_unit_test(test_utf16_and_utf32_follow_bom_or_bytes),
		cmocka_unit_test(test_unknown_or_absent_label_is_guessed),
		cmocka_unit_test(
		    test_full_output_stops_on_a_character_boundary),
		cmocka_unit_test(test_empty_input_writes_nothing),
		cmocka_unit_test(test_shift_jis_labelled_utf8_is_read_as_cp932),
		cmocka_unit_test(
		    test_output_is_appended_after_existing_contents),
		cmocka_unit_test(test_guess_reads_boms_escapes_and_byte_pairs),
		cmocka_unit_test(
		    test_canonical_maps_labels_and_refuses_unknown),
		cmocka_unit_test(test_valid_utf8_accepts_only_well_formed),
		cmocka_unit_test(test_corpus_iso2022jp_equals_utf8_reference),
		cmocka_unit_test(test_corpus_shift_jis_equals_utf8_reference),
		cmocka_unit_test(
		    test_corpus_undeclared_files_are_guessed_right),
		cmocka_unit_test(
		    test_random_bytes_give_well_formed_utf8_for_every_label),
		cmocka_unit_test(test_large_input_converts_in_one_call),
		cmocka_unit_test(test_cp932_tables_decode_as_iconv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
