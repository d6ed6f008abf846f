/*
 * test_extract_rtf - extract_rtf(): the tokenizer, code pages from the
 * font table (\'hh runs, CP932 included), \uN with its fallback, the
 * destinations kept and skipped, embedded OLE1 objects as child nodes
 * (packages by their label, damage corrupt, size limited), damage,
 * depth, budget and time limits,
 * linear time, a document written by LibreOffice, and mutated input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "extract_util.h"

#define PY "/usr/bin/python3"

/* synthetic My Numbers (valid check digits) */
#define MN1 "8642 0975 3183"
#define MN2 "7051 2384 6935"

struct rtf_case {
	const char *name;
	const char *in;
	const char *want;
};

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* run_rtf: extract_rtf() on a node of a fresh recorder. */
static int
run_rtf(
    struct xrec *r, const struct dlp_limits *lim, const void *in, size_t len)
{
	long id;

	xrec_init(r, lim);
	id = xrec_node_new(r, -1, "doc.rtf", len);
	assert_int_equal(id, 0);
	return extract_rtf(r->x, id, 0, in, len);
}

static void
run_cases(const struct rtf_case *c, size_t n)
{
	struct xrec r;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		xrec_init(&r, NULL);
		/* through identification, as the scan does */
		rc = xrec_run(&r, "doc.rtf", c[i].in, strlen(c[i].in));
		if (rc != DLP_OK || strcmp(xrec_text(&r.nodes[0]), c[i].want))
			print_error("case %s: rc %d, \"%s\" (want \"%s\")\n",
			    c[i].name, rc, xrec_text(&r.nodes[0]), c[i].want);
		assert_int_equal(rc, DLP_OK);
		assert_string_equal(r.nodes[0].type, "text/rtf");
		assert_string_equal(xrec_text(&r.nodes[0]), c[i].want);
		assert_int_equal(r.nodes[0].enc, DLP_ENC_PLAIN);
		assert_true(r.nodes[0].done);
		xrec_free(&r);
	}
}

#define RUN(c) run_cases(c, sizeof(c) / sizeof(c[0]))

static void
test_words_symbols_and_text_become_lines_and_cells(void **state)
{
	static const struct rtf_case c[] = {
		{ "paragraphs", "{\\rtf1 Hello\\par World}", "Hello\nWorld" },
		{ "the space after a word is its delimiter",
		    "{\\rtf1\\b bold\\b0  x}", "bold x" },
		{ "line, tab, cells and rows",
		    "{\\rtf1 a\\tab b\\line c\\cell d\\cell\\row e}",
		    "a\tb\nc\td\t\ne" },
		{ "sections, pages, nested cells and rows",
		    "{\\rtf1 a\\sect b\\page c\\nestcell d\\nestrow}",
		    "a\nb\nc\td\n" },
		{ "control symbols",
		    "{\\rtf1 a\\\\b\\{c\\}d\\~e\\-f\\_g\\|\\:h}",
		    "a\\b{c}d ef-gh" },
		{ "character words",
		    "{\\rtf1 \\emdash\\endash\\lquote\\rquote\\ldblquote"
		    "\\rdblquote\\bullet\\emspace\\enspace\\qmspace}",
		    "—–‘’“”•   " },
		{ "an escaped line end is a paragraph", "{\\rtf1 a\\\nb\\\rc}",
		    "a\nb\nc" },
		{ "raw line ends are nothing, a raw tab is a tab",
		    "{\\rtf1 a\r\nb\tc\x01}", "ab\tc" },
		{ "an optional hyphen or a group cannot split a number",
		    "{\\rtf1 8642\\-0975 31{\\b 83}}", "86420975 3183" },
		{ "hidden text is text", "{\\rtf1 {\\v 8642} x}", "8642 x" },
		{ "text after the document's end is read", "{\\rtf1 a}tail",
		    "atail" },
		{ "stray closing braces", "{\\rtf1 a}}}b", "ab" },
		{ "an over-long control word is unknown",
		    "{\\rtf1 \\abcdefghijklmnopqrstuvwxyzabcdefghijklmn x}",
		    "x" },
		{ "a word with a negative parameter", "{\\rtf1\\li-720 x}",
		    "x" },
		{ "a minus not followed by digits is text", "{\\rtf1\\li- x}",
		    "- x" },
		{ "\\bin data is skipped whole", "{\\rtf1 a\\bin3 {}\\b}",
		    "ab" },
		{ "\\bin past the end", "{\\rtf1 a\\bin99 xy", "a" },
		{ "a hex escape cut short is dropped, the digit is text",
		    "{\\rtf1 ab\\'8", "ab8" },
		{ "truncated after a backslash", "{\\rtf1 ab\\", "ab" },
		{ "a broken hex escape is dropped", "{\\rtf1 a\\'zzb}",
		    "azzb" },
	};

	RUN(c);
}

static void
test_hex_bytes_decode_in_the_fonts_code_page(void **state)
{
	static const struct rtf_case c[] = {
		{ "CP1252 by default", "{\\rtf1\\ansi caf\\'e9}", "café" },
		{ "\\ansicpg932 for every font",
		    "{\\rtf1\\ansi\\ansicpg932 \\'8c\\'c2\\'90\\'6c}", "個人" },
		{ "a \\fcharset128 font is CP932",
		    "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss "
		    "Arial;}{\\f1\\fnil\\fcharset128 MS Gothic;}}{\\f1 \\'8c"
		    "\\'c2\\'90\\'6c\\'94\\'d4\\'8d\\'86} \\'e9}",
		    "個人番号 é" },
		{ "trail bytes written raw or escaped",
		    "{\\rtf1\\ansicpg932 \\'90l\\'83\\\\}", "人ソ" },
		{ "a font switch ends a run",
		    "{\\rtf1{\\fonttbl{\\f0\\fcharset0 A;}{\\f1\\fcharset128 "
		    "B;}}"
		    "{\\f1\\'82\\'a0}{\\f0\\'e9}\\f1\\'82\\'a0}",
		    "あéあ" },
		{ "\\plain returns to the default font",
		    "{\\rtf1\\deff1{\\fonttbl{\\f0\\fcharset0 A;}{\\f1"
		    "\\fcharset128 B;}}\\f0\\'e9\\plain\\'82\\'a0}",
		    "éあ" },
		{ "\\deff before the font table",
		    "{\\rtf1\\deff0{\\fonttbl{\\f0\\fcharset128 "
		    "MS;}}\\'82\\'a0}",
		    "あ" },
		{ "a font table without groups",
		    "{\\rtf1{\\fonttbl\\f0\\fswiss Arial;\\f1\\fcharset128 "
		    "Gothic;}\\f1\\'82\\'a0}",
		    "あ" },
		{ "\\cpg wins over \\fcharset",
		    "{\\rtf1{\\fonttbl{\\f0\\fcharset0\\cpg932 X;}}\\'82\\'a0}",
		    "あ" },
		{ "Korean, GB2312, Big5 and Cyrillic fonts",
		    "{\\rtf1{\\fonttbl{\\f1\\fcharset129 K;}{\\f2\\fcharset134 "
		    "G;}{\\f3\\fcharset136 B;}{\\f4\\fcharset204 R;}}{\\f1\\'c7"
		    "\\'d1}{\\f2\\'d6\\'d0}{\\f3\\'a4\\'a4}{\\f4\\'c4}}",
		    "한中中Д" },
		{ "an unknown font uses the document's code page",
		    "{\\rtf1\\ansicpg932{\\fonttbl{\\f0\\fcharset0 "
		    "A;}}\\f7\\'82"
		    "\\'a0}",
		    "あ" },
		{ "\\fcharset1 is the document's code page",
		    "{\\rtf1\\ansicpg932{\\fonttbl{\\f0\\fcharset1 "
		    "A;}}\\f0\\'82"
		    "\\'a0}",
		    "あ" },
		{ "a CP932 font name is not text",
		    "{\\rtf1{\\fonttbl{\\f0\\fcharset128 \\'82\\'a0;}}x}",
		    "x" },
		{ "raw 8-bit text in the code page",
		    "{\\rtf1\\ansicpg932 \x82\xa0}", "あ" },
	};

	RUN(c);
}

static void
test_unicode_escapes_skip_their_fallback(void **state)
{
	static const struct rtf_case c[] = {
		{ "one fallback character by default",
		    "{\\rtf1 \\u20491?\\u20154?}", "個人" },
		{ "\\uc2 with a double-byte fallback",
		    "{\\rtf1\\uc2\\u12354\\'82\\'a0 x}", "あ x" },
		{ "\\uc0", "{\\rtf1\\uc0\\u12354\\u12356}", "あい" },
		{ "a negative unit", "{\\rtf1 \\u-143?}", "ｱ" },
		{ "a surrogate pair", "{\\rtf1 \\u-10174?\\u-8265?}", "𠮷" },
		{ "lone surrogates", "{\\rtf1 \\u-10174? x\\u-8265?}",
		    "\xEF\xBF\xBD x\xEF\xBF\xBD" },
		{ "a lone high surrogate at the end", "{\\rtf1 \\u-10174?}",
		    "\xEF\xBF\xBD" },
		{ "skipping stops at a group", "{\\rtf1\\uc3\\u12354{x}y}",
		    "あxy" },
		{ "\\uc is scoped by its group",
		    "{\\rtf1{\\uc0 \\u12354}\\u12356?}", "あい" },
		{ "a control word and a hex escape are one character each",
		    "{\\rtf1\\uc2\\u12354\\par\\'41 z}", "あ z" },
		{ "\\bin counts as one character, its data skipped",
		    "{\\rtf1\\u12354\\bin2 ab z}", "あ z" },
		{ "\\u0 is nothing", "{\\rtf1 a\\u0?b}", "ab" },
		{ "a huge \\uc is bounded", "{\\rtf1\\uc99999999999 x}", "x" },
	};

	RUN(c);
}

static void
test_destinations_are_kept_or_skipped(void **state)
{
	static const struct rtf_case c[] = {
		{ "tables, pictures and unknown optional groups",
		    "{\\rtf1{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red0\\green0"
		    "\\blue0;}{\\stylesheet{\\s0 Normal;}}{\\*\\generator W;}"
		    "{\\pict\\pngblip 89504e47}{\\*\\unknown secret}{\\*"
		    "\\bkmkstart b}{\\listtable{\\list x}}{\\*\\themedata 50}"
		    "{\\*\\datastore 01}body}",
		    "body" },
		{ "field instructions and results",
		    "{\\rtf1{\\field{\\*\\fldinst HYPERLINK \"x\"}{\\fldrslt "
		    "link}}}",
		    "HYPERLINK \"x\"\nlink" },
		{ "document information: text fields kept, dates not",
		    "{\\rtf1{\\info{\\title T1}{\\author A2}{\\creatim\\yr2024"
		    "\\mo4}{\\*\\company C3}{\\doccomm D4}{\\*\\userprops u}"
		    "stray}body}",
		    "T1\nA2\nC3\nD4\nbody" },
		{ "headers, footnotes and comments",
		    "{\\rtf1{\\header H}a{\\footnote F}b{\\*\\annotation N}}",
		    "H\naF\nbN\n" },
		{ "\\upr keeps only its Unicode alternative",
		    "{\\rtf1{\\upr{\\keywords ansi}{\\*\\ud{\\keywords "
		    "uni}}}x}",
		    "uni\nx" },
		{ "text boxes kept, shape properties and results skipped",
		    "{\\rtf1{\\shp{\\*\\shpinst{\\sp{\\sn fillColor}{\\sv 255}}"
		    "{\\shptxt box}}{\\shprslt dup}}}",
		    "box\n" },
		{ "objects: class and data skipped, result kept",
		    "{\\rtf1{\\object{\\*\\objclass Excel.Sheet.12}{\\*"
		    "\\objdata 0105}{\\result shown}}}",
		    "shown" },
		{ "a skipped group stays skipped inside",
		    "{\\rtf1{\\pict{\\footnote no}{\\*\\ud no}}yes}", "yes" },
		{ "list numbers are text", "{\\rtf1{\\listtext 1.\\tab}item}",
		    "1.\titem" },
	};

	RUN(c);
}

/* Embedded objects */

/* Append a little-endian 32-bit value. */
static size_t
put32(unsigned char *p, size_t at, uint32_t v)
{
	p[at] = v & 0xff;
	p[at + 1] = (v >> 8) & 0xff;
	p[at + 2] = (v >> 16) & 0xff;
	p[at + 3] = v >> 24;
	return at + 4;
}

static size_t
put_bytes(unsigned char *p, size_t at, const void *s, size_t n)
{
	memcpy(p + at, s, n);
	return at + n;
}

/* A counted ANSI string with its NUL, as OLE1 stores one. */
static size_t
put_lpstr(unsigned char *p, size_t at, const char *s)
{
	at = put32(p, at, (uint32_t)strlen(s) + 1);
	return put_bytes(p, at, s, strlen(s) + 1);
}

/*
 * ole1: an embedded OLE1 object of class cls whose native data is file
 * (flen bytes), wrapped in a Packager record named label when cls is
 * "Package". Returns its length in out.
 */
static size_t
ole1(unsigned char *out, const char *cls, const char *label, const void *file,
    size_t flen)
{
	unsigned char native[4096];
	size_t n = 0, at;

	if (strcmp(cls, "Package") == 0) {
		native[n++] = 2;
		native[n++] = 0;
		n = put_bytes(native, n, label, strlen(label) + 1);
		n = put_bytes(native, n, "C:\\tmp\\x", 9); /* original path */
		n = put32(native, n, 0x00030000); /* an embedded file */
		n = put_lpstr(native, n, "C:\\Temp\\x");
		n = put32(native, n, (uint32_t)flen);
		n = put_bytes(native, n, file, flen);
	} else {
		n = put_bytes(native, 0, file, flen);
	}
	at = put32(out, 0, 0x0501); /* OLEVersion */
	at = put32(out, at, 2);	    /* FormatID: embedded */
	at = put_lpstr(out, at, cls);
	at = put_lpstr(out, at, "");
	at = put_lpstr(out, at, "");
	at = put32(out, at, (uint32_t)n);
	at = put_bytes(out, at, native, n);
	/* a presentation object follows in real files: none here */
	at = put32(out, at, 0x0501);
	return put32(out, at, 0);
}

/* An RTF with text around an object whose \objdata is obj as hex. */
static char *
rtf_with_object(const unsigned char *obj, size_t n)
{
	static const char head[] = "{\\rtf1 before {\\object\\objemb{\\*"
				   "\\objclass Package}{\\*\\objdata\n";
	static const char tail[] = "}{\\result shown}} after}";
	char *s = malloc(sizeof(head) + 2 * n + n / 32 + sizeof(tail));
	size_t i, o;

	assert_non_null(s);
	o = (size_t)snprintf(s, sizeof(head), "%s", head);
	for (i = 0; i < n; i++) {
		s[o++] = "0123456789abcdef"[obj[i] >> 4];
		s[o++] = "0123456789abcdef"[obj[i] & 15];
		if (i % 32 == 31)
			s[o++] = '\n';
	}
	memcpy(s + o, tail, sizeof(tail));
	return s;
}

static const char csv[] = "氏名,個人番号\r\n山田,123456789018\r\n";

static void
test_package_object_is_a_child_named_by_its_label(void **state)
{
	unsigned char obj[8192];
	struct xnode *n;
	struct xrec r;
	char *in;

	/* the label in CP932, as Windows writes it: 名簿.csv */
	in = rtf_with_object(obj,
	    ole1(obj, "Package", "\x96\xbc\x95\xeb.csv", csv, sizeof(csv) - 1));
	assert_int_equal(run_rtf(&r, NULL, in, strlen(in)), DLP_OK);
	assert_string_equal(xrec_text(&r.nodes[0]), "before shown after");
	assert_non_null(n = xrec_find(&r, "doc.rtf/名簿.csv"));
	assert_true(n->done);
	assert_int_equal(n->enc, DLP_ENC_PLAIN);
	assert_non_null(strstr(xrec_text(n), "123456789018"));
	xrec_free(&r);
	free(in);
}

/* 表 is 0x95 0x5C in CP932: its trail byte is a backslash */
static void
test_package_label_path_is_cut_after_conversion(void **state)
{
	unsigned char obj[8192];
	struct xrec r;
	char *in;

	in = rtf_with_object(obj,
	    ole1(
		obj, "Package", "C:\\dir\\\x95\x5c.txt", csv, sizeof(csv) - 1));
	assert_int_equal(run_rtf(&r, NULL, in, strlen(in)), DLP_OK);
	assert_non_null(xrec_find(&r, "doc.rtf/表.txt"));
	xrec_free(&r);
	free(in);
}

static void
test_other_class_object_is_its_native_data(void **state)
{
	unsigned char obj[8192];
	struct xnode *n;
	struct xrec r;
	char *in;

	in = rtf_with_object(
	    obj, ole1(obj, "Excel.Sheet.12", NULL, csv, sizeof(csv) - 1));
	assert_int_equal(run_rtf(&r, NULL, in, strlen(in)), DLP_OK);
	assert_non_null(n = xrec_find(&r, "doc.rtf/object1.bin"));
	assert_non_null(strstr(xrec_text(n), "123456789018"));
	xrec_free(&r);
	free(in);
}

static void
test_object_bytes_may_come_as_bin(void **state)
{
	unsigned char obj[8192];
	char in[9000];
	size_t n = ole1(obj, "Package", "a.txt", csv, sizeof(csv) - 1), o;
	struct xrec r;

	o = (size_t)snprintf(
	    in, sizeof(in), "{\\rtf1 x{\\object{\\*\\objdata \\bin%zu ", n);
	memcpy(in + o, obj, n);
	o += n;
	o += (size_t)snprintf(in + o, sizeof(in) - o, "}}y}");
	assert_int_equal(run_rtf(&r, NULL, in, o), DLP_OK);
	assert_string_equal(xrec_text(&r.nodes[0]), "xy");
	assert_non_null(
	    strstr(xrec_text(xrec_find(&r, "doc.rtf/a.txt")), "123456789018"));
	xrec_free(&r);
}

static void
test_damaged_object_is_corrupt_and_text_is_read(void **state)
{
	unsigned char obj[8192];
	size_t n = ole1(obj, "Package", "a.txt", csv, sizeof(csv) - 1);
	const char *bad[] = {
		"{\\rtf1 a{\\object{\\*\\objdata 0105}}b}",    /* short */
		"{\\rtf1 a{\\object{\\*\\objdata 01050zz}}b}", /* not hex */
		"{\\rtf1 a{\\object{\\*\\objdata 010}}b}",     /* odd */
		NULL, /* the object cut in its native data */
		NULL, /* the file ends inside the object */
	};
	char *cut = rtf_with_object(obj, n - 30), *end;
	struct xnode *c;
	struct xrec r;
	size_t i;

	end = rtf_with_object(obj, n);
	strstr(end, "objdata")[200] = '\0';
	bad[3] = cut;
	bad[4] = end;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    run_rtf(&r, NULL, bad[i], strlen(bad[i])), DLP_OK);
		if (i < 3)
			assert_string_equal(xrec_text(&r.nodes[0]), "ab");
		else if (i == 3)
			assert_non_null(
			    strstr(xrec_text(&r.nodes[0]), "after"));
		assert_non_null(c = xrec_find(&r, "doc.rtf/object1.bin"));
		assert_int_equal(c->enc, DLP_ENC_NOT_INSPECTABLE);
		assert_string_equal(c->detail, "corrupt");
		assert_true(c->done);
		xrec_free(&r);
	}
	free(cut);
	free(end);
}

static void
test_object_past_member_size_is_limit_size(void **state)
{
	static char big[3000];
	unsigned char obj[8192];
	struct dlp_limits lim;
	struct xnode *c;
	struct xrec r;
	size_t n;
	char *in;

	memset(big, 'x', sizeof(big));
	xrec_init(&r, NULL);
	lim = r.lim;
	xrec_free(&r);
	lim.max_member_bytes = 1000;
	/* past the member size and the header allowance together */
	in = rtf_with_object(
	    obj, ole1(obj, "Package", "big.txt", big, sizeof(big)));
	assert_int_equal(run_rtf(&r, &lim, in, strlen(in)), DLP_PARTIAL);
	free(in);
	/* the object fits, its file does not */
	assert_non_null(c = xrec_find(&r, "doc.rtf/big.txt"));
	assert_int_equal(c->enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(c->detail, "limit:size");
	assert_non_null(strstr(xrec_text(&r.nodes[0]), "after"));
	xrec_free(&r);
	/* the object's own bytes pass the member size and a header's
	   allowance (64 KiB): not even collected */
	assert_non_null(in = malloc(2 * 70000 + 64));
	n = (size_t)snprintf(in, 64, "{\\rtf1 a{\\object{\\*\\objdata ");
	memset(in + n, '0', 2 * 70000);
	n += 2 * 70000;
	memcpy(in + n, "}}b}", 4);
	assert_int_equal(run_rtf(&r, &lim, in, n + 4), DLP_PARTIAL);
	assert_string_equal(xrec_text(&r.nodes[0]), "ab");
	assert_non_null(c = xrec_find(&r, "doc.rtf/object1.bin"));
	assert_string_equal(c->detail, "limit:size");
	free(in);
	xrec_free(&r);
}

static void
test_linked_object_makes_no_child(void **state)
{
	unsigned char obj[64];
	size_t n = put32(obj, put32(obj, 0, 0x0501), 1); /* linked */
	struct xrec r;
	char *in;

	n = put_lpstr(obj, n, "Excel.Sheet.8");
	in = rtf_with_object(obj, n);
	assert_int_equal(run_rtf(&r, NULL, in, strlen(in)), DLP_OK);
	assert_int_equal(r.n, 1);
	xrec_free(&r);
	free(in);
}

/* Errors and limits */

static void
test_input_that_is_not_rtf_is_refused(void **state)
{
	static const char bom[] = "\xEF\xBB\xBF \n{\\rtf1 ok}";
	struct xrec r;

	assert_int_equal(run_rtf(&r, NULL, "hello", 5), DLP_EINPUT);
	xrec_free(&r);
	assert_int_equal(run_rtf(&r, NULL, "{\\rtf", 4), DLP_EINPUT);
	xrec_free(&r);
	assert_int_equal(run_rtf(&r, NULL, NULL, 0), DLP_EINPUT);
	xrec_free(&r);
	/* a BOM and white space before it are allowed */
	assert_int_equal(run_rtf(&r, NULL, bom, strlen(bom)), DLP_OK);
	assert_string_equal(xrec_text(&r.nodes[0]), "ok");
	xrec_free(&r);
}

static void
test_nesting_past_1000_levels_is_refused_keeping_what_was_read(void **state)
{
	size_t n, i, levels[2] = { 999, 1000 };
	struct xrec r;
	char *in;
	int k;

	for (k = 0; k < 2; k++) {
		assert_non_null(in = malloc(3000));
		n = (size_t)snprintf(in, 3000, "{\\rtf1 keep");
		for (i = 0; i < levels[k]; i++)
			in[n++] = '{';
		in[n++] = 'x';
		for (i = 0; i <= levels[k]; i++)
			in[n++] = '}';
		/* 1 + 999 levels are fine; 1 + 1000 are not */
		assert_int_equal(
		    run_rtf(&r, NULL, in, n), k == 0 ? DLP_OK : DLP_EINPUT);
		assert_string_equal(
		    xrec_text(&r.nodes[0]), k == 0 ? "keepx" : "keep");
		xrec_free(&r);
		free(in);
	}
}

static int
text_refused(void *arg, long id, const char *charset, const void *data,
    size_t len, unsigned flags)
{
	return -1;
}

static void
test_a_full_text_budget_stops_reading(void **state)
{
	static const char in[] = "{\\rtf1 a\\par b}";
	struct xrec r;
	long id;

	xrec_init(&r, NULL);
	r.sink.node_text = text_refused;
	id = xrec_node_new(&r, -1, "doc.rtf", sizeof(in) - 1);
	assert_int_equal(
	    extract_rtf(r.x, id, 0, in, sizeof(in) - 1), DLP_PARTIAL);
	xrec_free(&r);
}

static void
test_time_is_checked_every_megabyte(void **state)
{
	struct dlp_config *cfg = config_defaults();
	struct dlp_limits lim = cfg->limits;
	size_t len = 3u << 20, i;
	struct xrec r;
	char *in;

	lim.max_scan_ms = 0; /* spent before we start */
	assert_non_null(in = malloc(len));
	memcpy(in, "{\\rtf1 ", 7);
	for (i = 7; i < len; i++)
		in[i] = (i % 64 == 0) ? ' ' : 'a';
	assert_int_equal(run_rtf(&r, &lim, in, len), DLP_PARTIAL);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(r.nodes[0].detail, "limit:time");
	/* the first megabyte was read and kept */
	assert_true(r.nodes[0].text.len >= (1u << 20) - 64);
	assert_true(r.nodes[0].text.len < len / 2);
	xrec_free(&r);
	free(in);
	config_free(cfg);
}

static void
test_long_runs_decode_across_the_run_buffer(void **state)
{
	/* one single-byte character first, so the 4 KiB run boundary
	   falls between the two bytes of a CP932 character */
	size_t reps = 3000, i, n;
	struct xrec r;
	struct buf want;
	char *in;

	assert_non_null(in = malloc(reps * 8 + 64));
	n = (size_t)snprintf(in, 64, "{\\rtf1\\ansicpg932 \\'b1");
	for (i = 0; i < reps; i++)
		n += (size_t)snprintf(in + n, 9, "\\'82\\'a0");
	in[n++] = '}';
	buf_init(&want, 1 << 20);
	buf_puts(&want, "ｱ");
	for (i = 0; i < reps; i++)
		buf_puts(&want, "あ");
	assert_int_equal(run_rtf(&r, NULL, in, n), DLP_OK);
	assert_string_equal(xrec_text(&r.nodes[0]), buf_cstr(&want));
	xrec_free(&r);
	buf_free(&want);
	free(in);
}

static void
test_large_output_is_handed_over_in_chunks_whole(void **state)
{
	size_t reps = 100000, i, n;
	struct xrec r;
	char *in;

	assert_non_null(in = malloc(reps * 16 + 16));
	n = (size_t)snprintf(in, 16, "{\\rtf1 ");
	for (i = 0; i < reps; i++)
		n += (size_t)snprintf(in + n, 16, "%05zu\\par ", i % 100000);
	in[n++] = '}';
	assert_int_equal(run_rtf(&r, NULL, in, n), DLP_OK);
	assert_int_equal(r.nodes[0].text.len, reps * 6);
	assert_non_null(strstr(xrec_text(&r.nodes[0]), "\n54321\n"));
	xrec_free(&r);
	free(in);
}

static void
test_hostile_input_takes_linear_time(void **state)
{
	/* 8 MiB of everything costly at once: groups at full depth, font
	   switches over a table of 4096 fonts, \u with fallbacks, hex runs */
	size_t len = 8u << 20, n = 0, i;
	struct xrec r;
	double t0;
	char *in;

	assert_non_null(in = malloc(len + 4096));
	n += (size_t)snprintf(in, 64, "{\\rtf1\\ansicpg932{\\fonttbl");
	for (i = 0; i < 5000; i++)
		n += (size_t)snprintf(
		    in + n, 64, "{\\f%zu\\fcharset128 F;}", i * 7);
	in[n++] = '}';
	while (n < len) {
		for (i = 0; i < 900; i++)
			in[n++] = '{';
		n += (size_t)snprintf(in + n, 128,
		    "\\f%zu\\'82\\'a0\\u12354?\\uc2\\'41", (n * 7) % 40000);
		for (i = 0; i < 900; i++)
			in[n++] = '}';
	}
	t0 = now_ms();
	assert_int_equal(run_rtf(&r, NULL, in, n), DLP_OK);
	assert_true(now_ms() - t0 < 20000);
	assert_non_null(strstr(xrec_text(&r.nodes[0]), "ああ"));
	xrec_free(&r);
	free(in);
}

static void
test_mutated_rtf_never_crashes(void **state)
{
	static const char seed_doc[] =
	    "{\\rtf1\\ansi\\ansicpg932\\deff0{\\fonttbl{\\f0\\fcharset128 G;}"
	    "{\\f1\\fcharset0 A;}}{\\info{\\title T}}{\\header H}\\uc2\\u12354"
	    "\\'82\\'a0{\\f1 caf\\'e9}\\par{\\field{\\*\\fldinst X}{\\fldrslt "
	    "Y}}\\bin3 abc{\\pict 0102}{\\*\\ud{\\u-10174?\\u-8265?}}\\cell"
	    "\\row}";
	static const char alphabet[] = "{}\\'*u0123456789-abcfz \x82\xa0";
	unsigned seed = 19, k, j;
	size_t len = sizeof(seed_doc) - 1, n;
	char buf[sizeof(seed_doc) + 64];
	struct xrec r;
	long id;
	int rc;

	xrec_init(&r, NULL); /* one recorder, a node per mutation */
	for (k = 0; k < 3000; k++) {
		memcpy(buf, seed_doc, len);
		n = len;
		for (j = 0; j < 1 + k % 8 && n > 8; j++) {
			size_t at = 7 + (size_t)rand_r(&seed) % (n - 7);

			if (k % 3 == 0)
				buf[at] = alphabet[(size_t)rand_r(&seed) %
				    (sizeof(alphabet) - 1)];
			else if (k % 3 == 1)
				buf[at] = (char)rand_r(&seed);
			else
				n = at; /* truncated */
		}
		id = xrec_node_new(&r, -1, "m.rtf", n);
		assert_true(id >= 0);
		rc = extract_rtf(r.x, id, 0, buf, n);
		assert_true(rc == DLP_OK || rc == DLP_EINPUT);
	}
	xrec_free(&r);
}

/* A document written by LibreOffice from a python3-docx file */

static const char docx_py[] =
    "import sys, docx\n"
    "d = docx.Document()\n"
    "d.sections[0].header.paragraphs[0].text = '社外秘 名簿'\n"
    "p = d.add_paragraph()\n"
    "p.add_run('個人番号 ')\n"
    "for part in ('8642', ' 0975', ' 31', '83'):\n"
    "    p.add_run(part)\n"
    "t = d.add_table(rows=2, cols=2)\n"
    "t.cell(0, 0).text = '氏名'\n"
    "t.cell(0, 1).text = 'マイナンバー'\n"
    "t.cell(1, 0).text = '山田太郎'\n"
    "t.cell(1, 1).text = '" MN2 "'\n"
    "d.save(sys.argv[1])\n";

static void
test_a_libreoffice_rtf_yields_its_japanese_text(void **state)
{
	char dir[] = "/tmp/test_extract_rtf.XXXXXX", cmd[1024], path[512];
	unsigned char *data;
	struct xrec r;
	size_t len = 0;
	double t0;
	FILE *fp;
	int rc;

	if (access("/usr/bin/soffice", X_OK) != 0 ||
	    system(PY " -c 'import docx' 2>/dev/null") != 0) {
		print_message("# skipped: soffice or python3-docx missing\n");
		return;
	}
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/gen.py", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(docx_py, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), PY " %s/gen.py %s/roster.docx", dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
	    "cd %s && HOME=%s timeout 60 soffice --headless "
	    "-env:UserInstallation=file://%s/lo --convert-to rtf "
	    "--outdir %s roster.docx >/dev/null 2>&1",
	    dir, dir, dir, dir);
	t0 = now_ms();
	rc = system(cmd);
	snprintf(path, sizeof(path), "%s/roster.rtf", dir);
	if (rc != 0 || access(path, R_OK) != 0) {
		print_message("# skipped: soffice failed or took more than "
			      "60 s (%.0f ms)\n",
		    now_ms() - t0);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
		return;
	}
	assert_non_null(data = xrec_read_file(path, &len));
	xrec_init(&r, NULL);
	assert_int_equal(xrec_run(&r, "roster.rtf", data, len), DLP_OK);
	assert_string_equal(r.nodes[0].type, "text/rtf");
	assert_non_null(strstr(xrec_text(&r.nodes[0]), "個人番号 " MN1));
	assert_non_null(strstr(xrec_text(&r.nodes[0]), "山田太郎\t" MN2));
	assert_non_null(strstr(xrec_text(&r.nodes[0]), "社外秘 名簿"));
	/* no font names, styles or colours */
	assert_null(strstr(xrec_text(&r.nodes[0]), "Liberation"));
	xrec_free(&r);
	free(data);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_words_symbols_and_text_become_lines_and_cells),
		cmocka_unit_test(test_hex_bytes_decode_in_the_fonts_code_page),
		cmocka_unit_test(test_unicode_escapes_skip_their_fallback),
		cmocka_unit_test(test_destinations_are_kept_or_skipped),
		cmocka_unit_test(
		    test_package_object_is_a_child_named_by_its_label),
		cmocka_unit_test(
		    test_package_label_path_is_cut_after_conversion),
		cmocka_unit_test(test_other_class_object_is_its_native_data),
		cmocka_unit_test(test_object_bytes_may_come_as_bin),
		cmocka_unit_test(
		    test_damaged_object_is_corrupt_and_text_is_read),
		cmocka_unit_test(test_object_past_member_size_is_limit_size),
		cmocka_unit_test(test_linked_object_makes_no_child),
		cmocka_unit_test(test_input_that_is_not_rtf_is_refused),
		cmocka_unit_test(
		    test_nesting_past_1000_levels_is_refused_keeping_what_was_read),
		cmocka_unit_test(test_a_full_text_budget_stops_reading),
		cmocka_unit_test(test_time_is_checked_every_megabyte),
		cmocka_unit_test(test_long_runs_decode_across_the_run_buffer),
		cmocka_unit_test(
		    test_large_output_is_handed_over_in_chunks_whole),
		cmocka_unit_test(test_hostile_input_takes_linear_time),
		cmocka_unit_test(test_mutated_rtf_never_crashes),
		cmocka_unit_test(
		    test_a_libreoffice_rtf_yields_its_japanese_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
