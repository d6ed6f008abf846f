/*
 * test_html - html_to_text(): tags, blocks and cells, skipped elements,
 * character references, white space, broken markup, limits and time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "buf.h"
#include "html.h"

struct html_case {
	const char *name;
	const char *in;
	const char *want;
};

static void
run_cases(const struct html_case *c, size_t n)
{
	struct buf out;
	size_t i;

	for (i = 0; i < n; i++) {
		buf_init(&out, 1 << 16);
		assert_int_equal(
		    html_to_text(c[i].in, strlen(c[i].in), &out), BUF_OK);
		if (strcmp(buf_cstr(&out), c[i].want) != 0)
			print_error("case %s: \"%s\" (want \"%s\")\n",
			    c[i].name, buf_cstr(&out), c[i].want);
		assert_string_equal(buf_cstr(&out), c[i].want);
		buf_free(&out);
	}
}

#define RUN(c) run_cases(c, sizeof(c) / sizeof(c[0]))

static void
test_tags_are_dropped_and_text_kept(void **state)
{
	static const struct html_case c[] = {
		{ "plain text", "hello", "hello" },
		{ "inline tags join", "<b>12</b><i>34</i>", "1234" },
		{ "attributes are not text",
		    "<img alt=\"1234\" title='5678' src=x>ok", "ok" },
		{ "quoted gt in attribute", "<a href=\"x>y\" title='>'>t</a>",
		    "t" },
		{ "unquoted attribute", "<font size=2 color=red>t</font>",
		    "t" },
		{ "stray quote in attribute name", "<p a\"b>t</p>x", "t\n\nx" },
		{ "upper-case tags",
		    "<P>a</P><BR>b<TABLE><TR><TD>c</TD></TR>"
		    "</TABLE>",
		    "a\n\nb\n\nc\n\n" },
		{ "office namespace tag", "a<o:p></o:p>b", "ab" },
		{ "self-closing br", "a<br/>b<br />c", "a\nb\nc" },
		{ "lt that starts no tag", "a < b <<1>> c<", "a < b <<1>> c<" },
		{ "empty end tag", "a</>b", "ab" },
		{ "bogus end tag", "a</ x>b", "ab" },
		{ "end tag at the very end", "a</", "a</" },
		{ "unknown tag", "<blink>x</blink>", "x" },
	};

	RUN(c);
}

static void
test_blocks_break_lines_and_cells_use_tabs(void **state)
{
	static const struct html_case c[] = {
		{ "div lines", "<div>a</div><div>b</div>", "a\nb\n" },
		{ "paragraphs leave a blank line", "a<p>b</p>c",
		    "a\n\nb\n\nc" },
		{ "table rows and cells",
		    "<table><tr><th>name</th><th>no</th></tr>"
		    "<tr><td>Taro</td><td>1234</td></tr></table>",
		    "name\tno\nTaro\t1234\n\n" },
		{ "cells with spaces and attributes",
		    "<tr>\n <td class=x> a </td>\n <td>\n b\n </td>\n</tr>",
		    "a\tb\n" },
		{ "leading empty cell dropped", "<tr><td></td><td>x</td></tr>",
		    "x\n" },
		{ "br makes empty lines", "a<br><br><br><br>b", "a\n\nb" },
		{ "at most two newlines", "<p>a</p><p></p><div></div><p>b</p>",
		    "a\n\nb\n\n" },
		{ "list items", "<ul><li>x</li><li>y</li></ul>", "x\ny\n\n" },
		{ "no break before text", "<div><p><br>a", "a" },
		{ "headings", "<h1>T</h1>x", "T\n\nx" },
	};

	RUN(c);
}

static void
test_white_space_folds_except_in_pre(void **state)
{
	static const struct html_case c[] = {
		{ "runs fold", "a  \t\n b", "a b" },
		{ "leading space dropped", "   a", "a" },
		{ "space across tags", "a <b> b </b> c", "a b c" },
		{ "pre keeps line breaks", "<pre>a\nb\r\nc\rd</pre>e",
		    "a\nb\nc\nd\n\ne" },
		{ "pre folds spaces", "<pre>a   b</pre>", "a b\n\n" },
		{ "textarea keeps line breaks", "<textarea>1\n2</textarea>",
		    "1\n2\n" },
		{ "stray pre end tag", "</pre>a\nb", "a b" },
	};

	RUN(c);
}

static void
test_skipped_elements_drop_their_content(void **state)
{
	static const struct html_case c[] = {
		{ "script", "a<script>var x = '<b>1234</b>';</script>b", "ab" },
		{ "script end tag any case", "a<SCRIPT>x</ScRiPt >b", "ab" },
		{ "script end tag needs whole name",
		    "a<script>x</scripts></script>b", "ab" },
		{ "style", "<style type=text/css>p{color:red}</style>t", "t" },
		{ "title dropped",
		    "<head><title>Subject</title>"
		    "<meta charset=utf-8></head><body>t</body>",
		    "t\n" },
		{ "comment", "a<!-- 1234-5678 -->b", "ab" },
		{ "comment with tags", "a<!--<p>x</p>-->b", "ab" },
		{ "empty comment", "a<!---->b<!-->c", "abc" },
		{ "conditional comment", "a<!--[if mso]><p>x</p><![endif]-->b",
		    "ab" },
		{ "downlevel-revealed marker", "a<![if !vml]>b<![endif]>c",
		    "abc" },
		{ "doctype", "<!DOCTYPE html>a", "a" },
		{ "processing instruction", "<?xml version=\"1.0\"?>a", "a" },
		{ "cdata kept", "a<![CDATA[<b>1 & 2</b>]]>c",
		    "a<b>1 & 2</b>c" },
		{ "unclosed cdata kept", "a<![CDATA[x y", "ax y" },
	};

	RUN(c);
}

static void
test_broken_markup_ends_at_input_end_or_hides_nothing(void **state)
{
	static const struct html_case c[] = {
		{ "unclosed comment eats the rest", "a<!-- b", "a" },
		{ "unclosed tag eats the rest", "a<p class=x b", "a" },
		{ "unclosed quoted value eats the rest", "a<p title=\"x>b",
		    "a" },
		{ "unclosed script hides nothing", "a<script>1234 5678",
		    "a1234 5678" },
		{ "unclosed title hides nothing", "<title>t<body>1234",
		    "t\n1234" },
		{ "unclosed style hides nothing", "<style>x<p>y", "x\n\ny" },
		{ "unclosed head hides nothing", "<head><p>1234</p>",
		    "1234\n\n" },
		{ "second script after an unclosed one",
		    "<script>a</script>b<script>c", "bc" },
		{ "unclosed doctype", "a<!DOCTYPE", "a" },
		{ "lone lt at end", "a<", "a<" },
		{ "lone amp at end", "a&", "a&" },
	};

	RUN(c);
}

static void
test_character_references_decode_to_utf8(void **state)
{
	static const struct html_case c[] = {
		{ "basic named", "&lt;p&gt; &amp; &quot;x&quot; &apos;",
		    "<p> & \"x\" '" },
		{ "legacy without semicolon", "&lt&gt&amp x&nbspy&copy",
		    "<>& x y©" },
		{ "non-legacy needs semicolon", "&hellip x", "&hellip x" },
		{ "unknown name kept", "&bogus; &Amp; &", "&bogus; &Amp; &" },
		{ "legacy name followed by letters", "&ampx; &copy2024 &notit;",
		    "&x; ©2024 ¬it;" },
		{ "non-legacy name followed by letters", "&hellipx;",
		    "&hellipx;" },
		{ "decimal", "&#49;&#50;&#12354;", "12あ" },
		{ "hex", "&#x31;&#X32;&#x3042;", "12あ" },
		{ "numeric without semicolon", "&#49&#x32 x", "12 x" },
		{ "no digits", "&#; &#x;", "&#; &#x;" },
		{ "zero", "&#0;", "\xEF\xBF\xBD" },
		{ "surrogate", "&#xD800;&#55296;", "\xEF\xBF\xBD\xEF\xBF\xBD" },
		{ "past 10ffff", "&#x110000;&#99999999999999999999;",
		    "\xEF\xBF\xBD\xEF\xBF\xBD" },
		{ "astral", "&#x1F600;", "😀" },
		{ "c1 as windows-1252", "&#150;&#128;&#x85;", "–€…" },
		{ "nbsp folds", "a&nbsp;&nbsp; b", "a b" },
		{ "en em thin spaces fold", "1&ensp;2&emsp;3&thinsp;4",
		    "1 2 3 4" },
		{ "shy and zero-width dropped",
		    "12&shy;34&#x200B;56&zwj;78&#xFEFF;90", "1234567890" },
		{ "yen copy reg", "&yen;&copy;&reg;", "¥©®" },
		{ "dashes", "&mdash;&ndash;&minus;&hyphen;", "—–−‐" },
		{ "typography", "&hellip;&laquo;&raquo;&middot;&times;&divide;",
		    "…«»·×÷" },
		{ "quotes", "&lsquo;&rsquo;&ldquo;&rdquo;", "‘’“”" },
		{ "html5 punctuation", "&num;&lpar;&rpar;&colon;&period;&sol;",
		    "#():./" },
		{ "latin letters", "&eacute;&Auml;&szlig;", "éÄß" },
		{ "tab and newline references fold", "a&Tab;b&NewLine;c",
		    "a b c" },
		{ "decoded lt is text", "&lt;script&gt;1&lt;/script&gt;",
		    "<script>1</script>" },
		{ "long name", "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;",
		    "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;" },
		{ "utf-8 text passes", "名簿<td>山田", "名簿\t山田" },
	};

	RUN(c);
}

static void
test_full_output_returns_efull_on_a_character_boundary(void **state)
{
	struct buf out;

	buf_init(&out, 7);
	assert_int_equal(html_to_text("<p>あいう</p>", 18, &out), BUF_EFULL);
	assert_string_equal(buf_cstr(&out), "あい");
	buf_free(&out);

	buf_init(&out, 3);
	assert_int_equal(html_to_text("ab&#x3042;", 10, &out), BUF_EFULL);
	assert_string_equal(buf_cstr(&out), "ab");
	buf_free(&out);

	buf_init(&out, 2);
	assert_int_equal(html_to_text("a<br>b<br>c", 11, &out), BUF_EFULL);
	assert_string_equal(buf_cstr(&out), "a\n");
	buf_free(&out);

	/* exactly full is not an error */
	buf_init(&out, 3);
	assert_int_equal(html_to_text("<b>abc</b>", 10, &out), BUF_OK);
	assert_string_equal(buf_cstr(&out), "abc");
	buf_free(&out);
}

static void
test_output_appends_to_existing_contents(void **state)
{
	struct buf out;

	buf_init(&out, 64);
	assert_int_equal(buf_puts(&out, "x:"), BUF_OK);
	assert_int_equal(html_to_text("<p>y</p>", 8, &out), BUF_OK);
	assert_string_equal(buf_cstr(&out), "x:y\n\n");
	buf_free(&out);
}

static void
test_empty_and_nul_input(void **state)
{
	struct buf out;

	buf_init(&out, 64);
	assert_int_equal(html_to_text(NULL, 0, &out), BUF_OK);
	assert_int_equal(html_to_text("", 0, &out), BUF_OK);
	assert_int_equal(out.len, 0);
	assert_int_equal(html_to_text("a\0b", 3, &out), BUF_OK);
	assert_int_equal(out.len, 3);
	assert_memory_equal(out.data, "a\0b", 3);
	buf_free(&out);
}

/*
 * Hostile inputs of 5 MB must finish in linear time: a quadratic reader
 * would take minutes on each of them.
 */
static void
test_five_megabytes_of_hostile_markup_finish_quickly(void **state)
{
	static const char *units[] = { "<", "<!--", "<script>", "<a b=\"", "&#",
		"&amp", "<![CDATA[", "</", "<p", "<title>", "<x " };
	size_t n = 5 * 1024 * 1024, i, u, l;
	char *in = malloc(n);
	struct buf out;
	clock_t t0;
	double secs;

	assert_non_null(in);
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		l = strlen(units[u]);
		for (i = 0; i < n; i++)
			in[i] = units[u][i % l];
		buf_init(&out, 16 * 1024 * 1024);
		t0 = clock();
		assert_int_equal(html_to_text(in, n, &out), BUF_OK);
		secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
		if (secs > 5.0)
			fail_msg("unit \"%s\": %.1f s", units[u], secs);
		buf_free(&out);
	}
	free(in);
}

static void
test_many_unclosed_scripts_keep_their_text(void **state)
{
	size_t n = 1024 * 1024, i;
	char *in = malloc(n);
	struct buf out;

	assert_non_null(in);
	for (i = 0; i + 10 <= n; i += 10)
		memcpy(in + i, "<script>7 ", 10);
	n = i;
	buf_init(&out, n);
	assert_int_equal(html_to_text(in, n, &out), BUF_OK);
	/* every "7" survives: no script is closed */
	assert_int_equal(out.len, n / 10 * 2 - 1);
	buf_free(&out);
	free(in);
}

/*
 * Random markup fragments: whatever the mix, the reader stays inside the
 * input and the output maximum (the sanitizers watch), and ends.
 */
static void
test_random_markup_stays_in_bounds(void **state)
{
	static const char *bits[] = { "<", ">", "<!--", "-->", "<script>",
		"</script>", "<![CDATA[", "]]>", "&", "&#", "&#x", ";", "\"",
		"'", "=", " ", "\n", "<p>", "</pre>", "<pre>", "<td>", "a", "1",
		"\xE3\x81\x82", "&amp", "&nbsp;", "<title>", "</", "<!", "<?",
		"\xFF", "\0" };
	unsigned long seed = 99;
	struct buf in, out;
	size_t round, k, b;
	int rc;

	for (round = 0; round < 300; round++) {
		buf_init(&in, 8192);
		for (k = 0; k < 1000; k++) {
			seed = seed * 6364136223846793005UL +
			    1442695040888963407UL;
			b = (seed >> 33) % (sizeof(bits) / sizeof(bits[0]));
			if (bits[b][0] == '\0')
				(void)buf_putc(&in, 0);
			else
				(void)buf_puts(&in, bits[b]);
		}
		buf_init(&out, round % 2 ? 100 : 1 << 16);
		rc = html_to_text((const char *)in.data, in.len, &out);
		assert_true(rc == BUF_OK || rc == BUF_EFULL);
		assert_true(out.len <= out.max);
		buf_free(&in);
		buf_free(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags_are_dropped_and_text_kept),
		cmocka_unit_test(test_blocks_break_lines_and_cells_use_tabs),
		cmocka_unit_test(test_white_space_folds_except_in_pre),
		cmocka_unit_test(test_skipped_elements_drop_their_content),
		cmocka_unit_test(
		    test_broken_markup_ends_at_input_end_or_hides_nothing),
		cmocka_unit_test(test_character_references_decode_to_utf8),
		cmocka_unit_test(
		    test_full_output_returns_efull_on_a_character_boundary),
		cmocka_unit_test(test_output_appends_to_existing_contents),
		cmocka_unit_test(test_empty_and_nul_input),
		cmocka_unit_test(
		    test_five_megabytes_of_hostile_markup_finish_quickly),
		cmocka_unit_test(test_many_unclosed_scripts_keep_their_text),
		cmocka_unit_test(test_random_markup_stays_in_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
