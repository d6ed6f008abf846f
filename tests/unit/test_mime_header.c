/*
 * test_mime_header - header field helpers (milter/mime_header.c): field
 * names, unfolding, RFC 2047, Content-Type / -Disposition values, RFC 2231
 * parameters, raw 8-bit text. Japanese test strings are written here; the
 * byte sequences are their standard ISO-2022-JP / CP932 / UTF-8 forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "mime_header.h"

static void
test_name_recognises_header_fields(void **state)
{
	static const struct {
		const char *line;
		size_t nlen, voff;
		bool obs;
	} t[] = {
		{ "Subject: hello", 7, 8, false },
		{ "Subject:hello", 7, 8, false },
		{ "Subject : obsolete", 7, 9, true },
		{ "Subject\t:x", 7, 9, true },
		{ "ds;MX:1;A:1", 5, 6, false },
		{ "X-A:", 3, 4, false },
		{ "Subject hello", 0, 0, false },
		{ "From user@example.com Mon Jan 1", 0, 0, false },
		{ ": no name", 0, 0, false },
		{ " Subject: folded", 0, 0, false },
		{ "X-\xe3\x81\x82: eight-bit name", 0, 0, false },
		{ "Subject", 0, 0, false },
		{ "", 0, 0, false },
	};
	size_t i, voff, n;
	bool obs;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		voff = 999;
		obs = !t[i].obs;
		n = mime_header_name(t[i].line, strlen(t[i].line), &voff, &obs);
		if (n != t[i].nlen ||
		    (n > 0 && (voff != t[i].voff || obs != t[i].obs)))
			fail_msg("\"%s\": name %zu off %zu obs %d", t[i].line,
			    n, voff, obs);
	}
	assert_int_equal(mime_header_name("A: b", 4, NULL, NULL), 1);
}

static void
test_unfold_removes_line_breaks_and_keeps_white_space(void **state)
{
	static const char in[] = "Subject: a\r\n b\n\tc\r\n";
	struct buf out;

	buf_init(&out, 100);
	assert_int_equal(mime_header_unfold(in, strlen(in), &out), 0);
	assert_string_equal(buf_cstr(&out), "Subject: a b\tc");
	buf_free(&out);
	buf_init(&out, 5);
	assert_int_equal(
	    mime_header_unfold(in, strlen(in), &out), MIME_HEADER_EFULL);
	assert_string_equal(buf_cstr(&out), "Subje");
	buf_free(&out);
}

struct scase {
	const char *name;
	const char *in;
	const char *out;
};

static const struct scase decode_cases[] = {
	{ "plain ascii unchanged", "Hello, world", "Hello, world" },
	{ "empty", "", "" },
	{ "b word utf-8", "=?UTF-8?B?5YCL5Lq655Wq5Y+3?=",
	    "\xe5\x80\x8b\xe4\xba\xba\xe7\x95\xaa\xe5\x8f\xb7" },
	{ "lower-case b and charset", "=?utf-8?b?5YCL5Lq655Wq5Y+3?=",
	    "\xe5\x80\x8b\xe4\xba\xba\xe7\x95\xaa\xe5\x8f\xb7" },
	{ "q word with underscores and hex",
	    "=?utf-8?q?caf=C3=A9_au_lait?=", "caf\xc3\xa9 au lait" },
	{ "q word lower-case hex", "=?UTF-8?Q?=e3=81=82?=", "\xe3\x81\x82" },
	{ "q word malformed escape kept", "=?UTF-8?Q?a=ZZ?=", "a=ZZ" },
	{ "iso-2022-jp b word", "=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "iso-2022-jp character split across two words",
	    "=?ISO-2022-JP?B?GyRCRnxL?= =?ISO-2022-JP?B?XDhsGyhC?=",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "utf-8 character split across folded words",
	    "=?UTF-8?B?5pel5g==?=\r\n =?UTF-8?B?nKzoqp4=?=",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
	{ "white space between word and text kept", "=?UTF-8?Q?a?= b c",
	    "a b c" },
	{ "text before a word kept", "Re: =?UTF-8?Q?a?=", "Re: a" },
	{ "adjacent words of two charsets",
	    "=?UTF-8?Q?a?= =?ISO-8859-1?Q?=E9?=", "a\xc3\xa9" },
	{ "word glued to text decoded", "foo=?UTF-8?Q?bar?=baz", "foobarbaz" },
	{ "rfc 2231 language in the charset", "=?UTF-8*ja?Q?a?=", "a" },
	{ "unknown encoding left as is", "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=" },
	{ "bad base64 left as is", "=?UTF-8?B?ab$c?=", "=?UTF-8?B?ab$c?=" },
	{ "missing terminator left as is", "=?UTF-8?Q?abc", "=?UTF-8?Q?abc" },
	{ "space inside a word left as is",
	    "=?UTF-8?Q?a b?=", "=?UTF-8?Q?a b?=" },
	{ "empty charset left as is", "=??Q?a?=", "=??Q?a?=" },
	{ "lone opener", "a =? b", "a =? b" },
	{ "white space before an invalid word kept",
	    "=?UTF-8?Q?a?= =?UTF-8?X?b?=", "a =?UTF-8?X?b?=" },
	{ "raw utf-8 kept", "S\xc3\xa4ying Hello", "S\xc3\xa4ying Hello" },
	{ "raw cp932 converted", "\x83\x65\x83X\x83g",
	    "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88" },
	{ "raw cp932 nec special converted", "\x87@", "\xe2\x91\xa0" },
	{ "raw iso-2022-jp converted", "\x1b$B%F%9%H\x1b(B",
	    "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88" },
	{ "encoded nul becomes a space", "=?UTF-8?Q?a=00b?=", "a b" },
};

static void
test_decode_table(void **state)
{
	struct buf out;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
		buf_init(&out, 1000);
		rc = mime_header_decode(
		    decode_cases[i].in, strlen(decode_cases[i].in), &out);
		if (rc != 0 || strcmp(buf_cstr(&out), decode_cases[i].out) != 0)
			fail_msg("%s: rc %d, got \"%s\"", decode_cases[i].name,
			    rc, buf_cstr(&out));
		buf_free(&out);
	}
}

static void
test_decode_truncates_at_the_buffer_maximum(void **state)
{
	static const char in[] = "=?UTF-8?Q?abcdef?= ghijkl";
	struct buf out;

	buf_init(&out, 4);
	assert_int_equal(
	    mime_header_decode(in, strlen(in), &out), MIME_HEADER_EFULL);
	assert_int_equal(out.len, 4);
	buf_free(&out);
	buf_init(&out, 8);
	assert_int_equal(
	    mime_header_decode(in, strlen(in), &out), MIME_HEADER_EFULL);
	assert_string_equal(buf_cstr(&out), "abcdef g");
	buf_free(&out);
}

static void
test_raw_to_utf8_picks_the_charset(void **state)
{
	struct buf out;

	buf_init(&out, 100);
	assert_int_equal(mime_header_raw_to_utf8("abc", 3, &out), 0);
	assert_int_equal(mime_header_raw_to_utf8("\xc3\xa9", 2, &out), 0);
	assert_int_equal(mime_header_raw_to_utf8("\x82\xa0", 2, &out), 0);
	assert_string_equal(buf_cstr(&out), "abc\xc3\xa9\xe3\x81\x82");
	buf_free(&out);
	buf_init(&out, 2);
	assert_int_equal(
	    mime_header_raw_to_utf8("abc", 3, &out), MIME_HEADER_EFULL);
	buf_free(&out);
}

static void
test_type_parses_type_and_subtype(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *out;
	} t[] = {
		{ "text/plain", 1, "text/plain" },
		{ "Text/HTML; charset=x", 1, "text/html" },
		{ "(c) text / plain (c)", 1, "text/plain" },
		{ "multipart/mixed;boundary=x", 1, "multipart/mixed" },
		{ "application/vnd.ms-excel", 1, "application/vnd.ms-excel" },
		{ "application-x-gzip; name=a.gz", 0, "" },
		{ "text/", 0, "" },
		{ "/plain", 0, "" },
		{ "", 0, "" },
		{ "(only a comment)", 0, "" },
		{ "t\xe3xt/plain", 0, "" },
	};
	struct buf out;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_init(&out, 100);
		rc = mime_header_type(t[i].in, strlen(t[i].in), &out);
		if (rc != t[i].rc || strcmp(buf_cstr(&out), t[i].out) != 0)
			fail_msg("\"%s\": rc %d \"%s\"", t[i].in, rc,
			    buf_cstr(&out));
		buf_free(&out);
	}
	buf_init(&out, 5);
	assert_int_equal(
	    mime_header_type("text/plain", 10, &out), MIME_HEADER_EFULL);
	buf_free(&out);
}

static void
test_token_takes_the_first_token(void **state)
{
	static const struct {
		const char *in;
		int rc;
		const char *out;
	} t[] = {
		{ "base64", 1, "base64" },
		{ " Base64 (comment)", 1, "base64" },
		{ "(c) Quoted-Printable", 1, "quoted-printable" },
		{ "\"BASE64\"", 1, "base64" },
		{ "attachment; filename=x", 1, "attachment" },
		{ "", 0, "" },
		{ "(only a comment)", 0, "" },
		{ "; filename=x", 0, "" },
	};
	struct buf out;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_init(&out, 100);
		rc = mime_header_token(t[i].in, strlen(t[i].in), &out);
		if (rc != t[i].rc || strcmp(buf_cstr(&out), t[i].out) != 0)
			fail_msg("\"%s\": rc %d \"%s\"", t[i].in, rc,
			    buf_cstr(&out));
		buf_free(&out);
	}
	buf_init(&out, 2);
	assert_int_equal(
	    mime_header_token("base64", 6, &out), MIME_HEADER_EFULL);
	buf_free(&out);
}

struct pcase {
	const char *what;
	const char *value;
	const char *name;
	int mode;
	int rc;
	const char *out;
};

#define T MIME_HEADER_TEXT
#define R MIME_HEADER_RAW
static const struct pcase param_cases[] = {
	{ "token value", "text/plain; charset=UTF-8", "charset", R, 1,
	    "UTF-8" },
	{ "names are case-insensitive", "text/plain; CharSet=\"utf-8\"",
	    "charset", R, 1, "utf-8" },
	{ "unquoted boundary with equals signs",
	    "multipart/mixed; boundary=----=_NextPart_000_0093_01C8",
	    "boundary", R, 1, "----=_NextPart_000_0093_01C8" },
	{ "boundary after a folded line",
	    "multipart/alternative;\r\n\tboundary=\"b1_x\"", "boundary", R, 1,
	    "b1_x" },
	{ "raw mode does not decode",
	    "multipart/mixed; boundary=\"=?UTF-8?Q?x?=\"", "boundary", R, 1,
	    "=?UTF-8?Q?x?=" },
	{ "quoted string escapes", "attachment; filename=\"a\\\"b\\\\c.txt\"",
	    "filename", T, 1, "a\"b\\c.txt" },
	{ "windows path keeps its backslashes",
	    "attachment; filename=\"C:\\dir\\a.txt\"", "filename", T, 1,
	    "C:\\dir\\a.txt" },
	{ "semicolon inside quotes", "attachment; filename=\"a;b.txt\"; size=3",
	    "filename", T, 1, "a;b.txt" },
	{ "parameter after a quoted semicolon",
	    "attachment; filename=\"a;b.txt\"; size=3", "size", R, 1, "3" },
	{ "comments around",
	    "text/plain (x); charset=(y) us-ascii (Plain text)", "charset", R,
	    1, "us-ascii" },
	{ "parentheses in an unquoted name",
	    "attachment; filename=report(1).pdf", "filename", T, 1,
	    "report(1).pdf" },
	{ "white space around equals", "attachment; filename = \"x.txt\" ",
	    "filename", T, 1, "x.txt" },
	{ "rfc 2231 single", "attachment; filename*=UTF-8''%E5%90%8D.txt",
	    "filename", T, 1, "\xe5\x90\x8d.txt" },
	{ "rfc 2231 lower-case percent",
	    "attachment; filename*=utf-8''%e5%90%8d.txt", "filename", T, 1,
	    "\xe5\x90\x8d.txt" },
	{ "rfc 2231 continuations out of order, character split",
	    "attachment; filename*1*=%8D%E5%89%8D.txt; "
	    "filename*0*=UTF-8'ja'%E5%90",
	    "filename", T, 1, "\xe5\x90\x8d\xe5\x89\x8d.txt" },
	{ "rfc 2231 encoded and plain sections",
	    "attachment; filename*0*=UTF-8''%E5%90%8D; filename*1=\".txt\"",
	    "filename", T, 1, "\xe5\x90\x8d.txt" },
	{ "rfc 2231 plain continuations", "a/b; name*0=abc; name*1=def", "name",
	    T, 1, "abcdef" },
	{ "rfc 2231 gap ends the value", "a/b; name*0=a; name*2=c", "name", T,
	    1, "a" },
	{ "rfc 2231 repeated section: first wins",
	    "a/b; name*0=a; name*0=b; name*1=c", "name", T, 1, "ac" },
	{ "rfc 2231 wins over the plain value",
	    "attachment; filename=\"fallback.txt\"; "
	    "filename*=UTF-8''%E5%90%8D.txt",
	    "filename", T, 1, "\xe5\x90\x8d.txt" },
	{ "rfc 2231 shift_jis",
	    "attachment; filename*=shift_jis''%8E%91%97%BF.txt", "filename", T,
	    1, "\xe8\xb3\x87\xe6\x96\x99.txt" },
	{ "rfc 2231 iso-2022-jp with a bad byte keeps the rest",
	    "a/b; name*=iso-2022-jp'ja'01%20Quien%8a.mp3", "name", T, 1, NULL },
	{ "rfc 2231 without charset", "attachment; filename*=''abc%20d.txt",
	    "filename", T, 1, "abc d.txt" },
	{ "rfc 2231 without quotes at all", "attachment; filename*=abc%21",
	    "filename", T, 1, "abc!" },
	{ "rfc 2231 quoted", "attachment; filename*=\"UTF-8''%E5%90%8D.txt\"",
	    "filename", T, 1, "\xe5\x90\x8d.txt" },
	{ "rfc 2231 bad percent kept", "a/b; name*=UTF-8''50%%zz", "name", T, 1,
	    "50%%zz" },
	{ "rfc 2231 in raw mode keeps bytes", "a/b; boundary*=UTF-8''a%20b",
	    "boundary", R, 1, "a b" },
	{ "rfc 2047 in a quoted name",
	    "application/octet-stream; "
	    "name=\"=?ISO-2022-JP?B?GyRCTD5BMBsoQi50eHQ=?=\"",
	    "name", T, 1, "\xe5\x90\x8d\xe5\x89\x8d.txt" },
	{ "rfc 2047 in an unquoted name",
	    "application/octet-stream; name==?UTF-8?B?5YCL5Lq655Wq5Y+3?=",
	    "name", T, 1, "\xe5\x80\x8b\xe4\xba\xba\xe7\x95\xaa\xe5\x8f\xb7" },
	{ "rfc 2047 words folded inside quotes",
	    "text/plain; name=\"=?UTF-8?B?5pel5g==?=\r\n "
	    "=?UTF-8?B?nKzoqp4=?=.txt\"",
	    "name", T, 1, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.txt" },
	{ "raw utf-8 name", "attachment; filename=\"ci\xc3\xable.txt\"",
	    "filename", T, 1, "ci\xc3\xable.txt" },
	{ "raw cp932 name", "attachment; filename=\"\x83\x65\x83X\x83g.txt\"",
	    "filename", T, 1, "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88.txt" },
	{ "absent", "text/plain; charset=x", "name", T, 0, "" },
	{ "a longer name is another parameter", "text/plain; names=x", "name",
	    T, 0, "" },
	{ "the type is not a parameter", "name=x", "name", T, 0, "" },
	{ "empty quoted value", "attachment; filename=\"\"", "filename", T, 1,
	    "" },
	{ "parameter without a value", "attachment; filename; size=1",
	    "filename", T, 0, "" },
	{ "first plain value wins", "a/b; name=one; name=two", "name", T, 1,
	    "one" },
	{ "bad section suffix ignored", "a/b; name*x=1", "name", T, 0, "" },
	{ "huge section number ignored", "a/b; name*99999=1", "name", T, 0,
	    "" },
	{ "unterminated quote runs to the end", "a/b; name=\"abc", "name", T, 1,
	    "abc" },
	{ "stray semicolons", "a/b;;; ;name=v;;", "name", T, 1, "v" },
	{ "unterminated comment", "a/b; name=v (open", "name", R, 1,
	    "v (open" },
};
#undef T
#undef R

static void
test_param_table(void **state)
{
	const struct pcase *c;
	struct buf out;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(param_cases) / sizeof(param_cases[0]); i++) {
		c = &param_cases[i];
		buf_init(&out, 1000);
		rc = mime_header_param(
		    c->value, strlen(c->value), c->name, c->mode, &out);
		if (rc != c->rc ||
		    (c->out != NULL && strcmp(buf_cstr(&out), c->out) != 0))
			fail_msg("%s: rc %d, got \"%s\"", c->what, rc,
			    buf_cstr(&out));
		buf_free(&out);
	}
}

static void
test_param_bad_byte_in_iso2022jp_name_keeps_the_text_around_it(void **state)
{
	static const char v[] = "a/b; name*=iso-2022-jp'ja'01%20Quien%8a.mp3";
	struct buf out;

	buf_init(&out, 1000);
	assert_int_equal(
	    mime_header_param(v, strlen(v), "name", MIME_HEADER_TEXT, &out), 1);
	assert_non_null(strstr(buf_cstr(&out), "01 Quien"));
	assert_non_null(strstr(buf_cstr(&out), ".mp3"));
	buf_free(&out);
}

static void
test_param_truncates_at_the_buffer_maximum(void **state)
{
	static const char v[] = "attachment; filename=\"abcdefgh.txt\"";
	static const char v2[] = "attachment; filename*=UTF-8''abcdefgh.txt";
	struct buf out;

	buf_init(&out, 4);
	assert_int_equal(
	    mime_header_param(v, strlen(v), "filename", MIME_HEADER_TEXT, &out),
	    MIME_HEADER_EFULL);
	assert_string_equal(buf_cstr(&out), "abcd");
	buf_free(&out);
	buf_init(&out, 4);
	assert_int_equal(
	    mime_header_param(v, strlen(v), "filename", MIME_HEADER_RAW, &out),
	    MIME_HEADER_EFULL);
	buf_free(&out);
	buf_init(&out, 4);
	assert_int_equal(mime_header_param(v2, strlen(v2), "filename",
			     MIME_HEADER_TEXT, &out),
	    MIME_HEADER_EFULL);
	buf_free(&out);
}

static void
test_param_many_sections_are_joined_in_order(void **state)
{
	struct buf v, out, want;
	char sec[64];
	int i;

	buf_init(&v, 100000);
	buf_init(&out, 100000);
	buf_init(&want, 100000);
	assert_int_equal(buf_puts(&v, "attachment"), BUF_OK);
	for (i = 499; i >= 0; i--) { /* reversed: must be sorted */
		snprintf(sec, sizeof(sec), "; filename*%d=s%03d", i, i);
		assert_int_equal(buf_puts(&v, sec), BUF_OK);
	}
	for (i = 0; i < 500; i++) {
		snprintf(sec, sizeof(sec), "s%03d", i);
		assert_int_equal(buf_puts(&want, sec), BUF_OK);
	}
	assert_int_equal(mime_header_param(
			     v.data, v.len, "filename", MIME_HEADER_TEXT, &out),
	    1);
	assert_string_equal(buf_cstr(&out), buf_cstr(&want));
	buf_free(&v);
	buf_free(&out);
	buf_free(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_recognises_header_fields),
		cmocka_unit_test(
		    test_unfold_removes_line_breaks_and_keeps_white_space),
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_decode_truncates_at_the_buffer_maximum),
		cmocka_unit_test(test_raw_to_utf8_picks_the_charset),
		cmocka_unit_test(test_type_parses_type_and_subtype),
		cmocka_unit_test(test_token_takes_the_first_token),
		cmocka_unit_test(test_param_table),
		cmocka_unit_test(
		    test_param_bad_byte_in_iso2022jp_name_keeps_the_text_around_it),
		cmocka_unit_test(test_param_truncates_at_the_buffer_maximum),
		cmocka_unit_test(test_param_many_sections_are_joined_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
