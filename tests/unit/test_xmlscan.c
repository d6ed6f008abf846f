/*
 * test_xmlscan - the fast spreadsheet XML scanner: for well-formed
 * documents it reports exactly what libxml2 (xmltext) reports, however
 * the bytes are cut into blocks; what it does not read in the prolog goes
 * to libxml2; damage after the root started is DLP_EINPUT with what came
 * before reported; its limits hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "xmlscan.h"
#include "xmltext.h"

/* Every event as a line: "<local a=v b=w>", "</local>", "'text'". */
struct rec {
	struct buf log;
	char text[1 << 18]; /* more than a text run of the tests */
	size_t tlen;
	size_t text_total;
	unsigned starts;
	bool stop_after; /* done() says stop once anything started */
};

static void
rec_flush_text(struct rec *r)
{
	if (r->tlen > 0) {
		buf_puts(&r->log, "'");
		buf_append(&r->log, r->text, r->tlen);
		buf_puts(&r->log, "'\n");
		r->tlen = 0;
	}
}

static void
rec_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct rec *r = arg;
	int i;

	rec_flush_text(r);
	r->starts++;
	buf_puts(&r->log, "<");
	buf_puts(&r->log, local);
	for (i = 0; i < a->n; i++) {
		const unsigned char **v = a->v + 5 * i;

		buf_puts(&r->log, " ");
		if (v[1] != NULL) {
			buf_puts(&r->log, (const char *)v[1]);
			buf_puts(&r->log, ":");
		}
		buf_puts(&r->log, (const char *)v[0]);
		buf_puts(&r->log, "=[");
		buf_append(&r->log, v[3], (size_t)(v[4] - v[3]));
		buf_puts(&r->log, "]");
	}
	buf_puts(&r->log, ">\n");
}

static void
rec_end(void *arg, const char *local, const char *uri)
{
	struct rec *r = arg;

	rec_flush_text(r);
	buf_puts(&r->log, "</");
	buf_puts(&r->log, local);
	buf_puts(&r->log, ">\n");
}

/* text comes in pieces as either parser likes: joined here */
static void
rec_text(void *arg, const char *t, size_t len)
{
	struct rec *r = arg;

	r->text_total += len;
	if (len > sizeof(r->text) - r->tlen)
		rec_flush_text(r);
	memcpy(r->text + r->tlen, t, len);
	r->tlen += len;
}

static bool
rec_done(void *arg)
{
	struct rec *r = arg;

	return r->stop_after && r->starts > 0;
}

static const struct xmltext_handler rec_handler = { rec_start, rec_end,
	rec_text, rec_done };

static void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->log, 64u << 20);
}

static const char *
rec_log(struct rec *r)
{
	rec_flush_text(r);
	buf_putc(&r->log, '\0');
	r->log.len--;
	return (const char *)r->log.data;
}

/* The fast scanner over doc in blocks of chunk bytes (0: whole). */
static int
run_fast(
    struct rec *r, const char *doc, size_t len, size_t chunk, bool *fell_back)
{
	struct xmlscan *p = xmlscan_new(&rec_handler, r);
	size_t off = 0, n;
	int rc = DLP_OK;

	assert_non_null(p);
	if (chunk == 0)
		chunk = len;
	while (off < len && rc == DLP_OK) {
		n = len - off < chunk ? len - off : chunk;
		rc = xmlscan_feed(p, doc + off, n);
		if (rc == DLP_OK && rec_done(r))
			xmlscan_stop(p);
		off += n;
	}
	if (rc == DLP_OK)
		rc = xmlscan_finish(p);
	if (fell_back != NULL)
		*fell_back = xmlscan_fell_back(p);
	xmlscan_free(p);
	return rc;
}

static int
run_libxml2(struct rec *r, const char *doc, size_t len)
{
	struct xmltext *p = xmltext_new(&rec_handler, r);
	int rc;

	assert_non_null(p);
	rc = xmltext_feed(p, doc, len);
	if (rc == DLP_OK)
		rc = xmltext_finish(p);
	xmltext_free(p);
	return rc;
}

#define S_NS \
	"xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
#define X_NS                                                              \
	"xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/" \
	"main\""

/* Well-formed documents both read alike. */
static const char *const same_docs[] = {
	"<worksheet " S_NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\" "
	"s=\"3\"><v>0</v></c><c s='1' t='inlineStr' r='B1'><is><t>a&amp;b"
	"&lt;&gt;&quot;&apos;&#27663;&#x540D;&#x41;&#065;</t></is></c>"
	"<c r=\"C1\"/><c r=\"D1\" t=\"str\"><f>A1&amp;\"x\"</f><v>7</v></c>"
	"</row></sheetData></worksheet>",
	/* prefixes, as some producers write them */
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
	"<x:worksheet " X_NS " xmlns:r=\"urn:r\"><x:sheetData>"
	"<x:row r=\"2\"><x:c r=\"B2\" r:id=\"q\"><x:v>1.5E+3</x:v></x:c>"
	"</x:row></x:sheetData></x:worksheet>",
	/* CDATA, comments, processing instructions, line ends, a BOM */
	"\xef\xbb\xbf<!-- made by hand --><?pi x?><sst " S_NS
	"><si><t><![CDATA[<b>&amp;\r\n]]]></t></si><!-- c -->"
	"<si><r><t>ri</t></r><r><t xml:space=\"preserve\">ch </t></r>"
	"<rPh sb=\"0\"><t>フリ</t></rPh></si><?x y?>\r\n<si><t>a\rb\r\nc\n"
	"</t></si><si><t a=\"1\t2\r\n3\"/></si></sst>\n<!-- after -->\n",
	/* UTF-8 text of every length */
	"<a>é 名簿 𠀋 ｶﾅ</a>",
	"<a\n  b = 'x'\n/>",
	"<?xml version='1.0' encoding='utf-8'?><a>&#13;&#10;&#9;</a>",
	/* runs of ASCII, UTF-8 and references, line ends between them */
	"<a>名簿&#x41;名\r\n簿&amp;𠀋&#27663;&#21517;x\r&#128203;é\n</a>",
	/* attribute values: white space, references, UTF-8, quotes */
	"<a b=\"x y\tz&#39;é'q\r\nw\" c='say \"hi\" &lt;&#x540D;&gt;' "
	"bb=\"\" cb=\" \"/>",
	/* names that share a first byte, prefixes on attributes */
	"<x:a " X_NS " x:rr=\"1\" r=\"2\" rr=\"3\"><x:ab>t</x:ab></x:a>",
};

static void
test_wellformed_documents_read_as_libxml2_reads_them_in_any_blocks(void **state)
{
	static const size_t chunks[] = { 0, 1, 2, 3, 5, 7, 13, 64 };
	struct rec want, got;
	size_t d, c, len;
	bool fb;

	for (d = 0; d < sizeof(same_docs) / sizeof(same_docs[0]); d++) {
		len = strlen(same_docs[d]);
		rec_init(&want);
		assert_int_equal(run_libxml2(&want, same_docs[d], len), DLP_OK);
		for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			rec_init(&got);
			assert_int_equal(
			    run_fast(&got, same_docs[d], len, chunks[c], &fb),
			    DLP_OK);
			assert_false(fb);
			if (strcmp(rec_log(&want), rec_log(&got)) != 0)
				print_error(
				    "doc %zu chunk %zu\n", d, chunks[c]);
			assert_string_equal(rec_log(&want), rec_log(&got));
			buf_free(&got.log);
		}
		buf_free(&want.log);
	}
}

static void
test_namespace_declarations_are_not_attributes(void **state)
{
	static const char doc[] = "<x:c " X_NS " xmlns=\"urn:d\" r=\"A1\"/>";
	struct rec r;

	rec_init(&r);
	assert_int_equal(run_fast(&r, doc, strlen(doc), 0, NULL), DLP_OK);
	assert_string_equal(rec_log(&r), "<c r=[A1]>\n</c>\n");
	buf_free(&r.log);
}

/* What only libxml2 reads goes there whole. */
static void
test_prolog_it_does_not_read_goes_to_libxml2(void **state)
{
	static const char utf16[] = "\xff\xfe<\0a\0>\0x\0<\0/\0a\0>\0";
	static const char *const docs[] = {
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>",
		"<!DOCTYPE a [<!ENTITY e \"boom\">]><a>x&e;y</a>",
		"<!DOCTYPE a><a>fine</a>",
	};
	static const char *const want[] = { "<a>\n'é'\n</a>\n", NULL,
		"<a>\n'fine'\n</a>\n" };
	static const int want_rc[] = { DLP_OK, DLP_EINPUT, DLP_OK };
	struct rec r;
	size_t i;
	bool fb;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		rec_init(&r);
		assert_int_equal(
		    run_fast(&r, docs[i], strlen(docs[i]), 3, &fb), want_rc[i]);
		assert_true(fb);
		if (want[i] != NULL)
			assert_string_equal(rec_log(&r), want[i]);
		else /* an entity is never expanded */
			assert_null(strstr(rec_log(&r), "boom"));
		buf_free(&r.log);
	}
	rec_init(&r);
	assert_int_equal(
	    run_fast(&r, utf16, sizeof(utf16) - 1, 0, &fb), DLP_OK);
	assert_true(fb);
	assert_string_equal(rec_log(&r), "<a>\n'x'\n</a>\n");
	buf_free(&r.log);
}

struct bad_case {
	const char *doc;
	const char *before; /* what is reported before the damage */
};

static void
test_damage_after_the_root_is_einput_with_what_came_before(void **state)
{
	static const struct bad_case c[] = {
		{ "<a><b>kept</b><c>cut</d></a>",
		    "<a>\n<b>\n'kept'\n</b>\n<c>\n" },
		{ "<a>x&nbsp;y</a>", "<a>\n" },
		{ "<a>x&#0;y</a>", "<a>\n" },
		{ "<a>x&#X41;y</a>", "<a>\n" },
		{ "<a>x&#xD800;y</a>", "<a>\n" },
		{ "<a>x&#1114112;y</a>", "<a>\n" },
		{ "<a>x & y</a>", "<a>\n" },
		{ "<a>bad\x01</a>", "<a>\n" },
		{ "<a>bad\xc3(</a>", "<a>\n" },
		{ "<a>over\xc0\xaf</a>", "<a>\n" },
		{ "<a>sur\xed\xa0\x80</a>", "<a>\n" },
		{ "<a b=\"1\" b=\"2\"/>", "" },
		{ "<a b=\"<\"/>", "" },
		{ "<a b=1/>", "" },
		{ "<a b=\"1\"c=\"2\"/>", "" },
		{ "<a></a>trailing", "<a>\n</a>\n" },
		{ "<a></a><b/>", "<a>\n</a>\n" },
		{ "<a><b>open", "<a>\n<b>\n'open'\n" },
		{ "<a><![CDATA[never ends</a>", "<a>\n'never ends</a>'\n" },
		{ "<a><!DOCTYPE x></a>", "<a>\n" },
		{ "<a></b>", "<a>\n" },
		{ "<a><b/ ></a>", "<a>\n" },
		{ "<a>x&#;y</a>", "<a>\n" },
		{ "<a>x&#x;y</a>", "<a>\n" },
		{ "<a>x&#12a;y</a>", "<a>\n" },
		{ "<a>x&#x4g;y</a>", "<a>\n" },
		{ "<a>x&#000000000000000000000000000000065;y</a>", "<a>\n" },
		{ "<a b=\"&#12a;\"/>", "" },
		{ "<a b=\"x\x01\"/>", "" },
		{ "<a b=\"\xc3(\"/>", "" },
	};
	static const size_t chunks[] = { 0, 1, 4 };
	struct rec r;
	size_t i, k;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			rec_init(&r);
			if (run_fast(&r, c[i].doc, strlen(c[i].doc), chunks[k],
				NULL) != DLP_EINPUT)
				print_error(
				    "case %zu chunk %zu\n", i, chunks[k]);
			buf_free(&r.log);
			rec_init(&r);
			assert_int_equal(run_fast(&r, c[i].doc,
					     strlen(c[i].doc), chunks[k], NULL),
			    DLP_EINPUT);
			/* text before the damage may stop short of it */
			assert_memory_equal(rec_log(&r), c[i].before,
			    strlen(c[i].before) < r.log.len
				? strlen(c[i].before)
				: r.log.len);
			buf_free(&r.log);
		}
	}
}

/*
 * Long documents, against libxml2 in blocks of many sizes: references
 * and UTF-8 sequences at every offset around the 64 KiB text buffer's
 * end (a reference decoded in place must not pass it), a long name, a
 * long attribute value with references, and many small cells.
 */
static void
test_long_documents_read_as_libxml2_reads_them(void **state)
{
	static const size_t chunks[] = { 0, 3, 4093, 65536 };
	struct buf doc;
	struct rec want, got;
	size_t shift, c, i;
	bool fb;

	for (shift = 0; shift < 6; shift++) {
		buf_init(&doc, 1u << 24);
		buf_puts(&doc, "<a><b>");
		for (i = 0; i < 65536 - 8 - shift; i++)
			buf_putc(&doc, 'x' + (int)(i % 3));
		for (i = 0; i < 12; i++)
			buf_puts(&doc,
			    i % 3 == 0	     ? "&#27663;"
				: i % 3 == 1 ? "名"
					     : "&#x1F4CB;\r\n");
		buf_puts(&doc, "</b><");
		for (i = 0; i < 1000 + shift; i++)
			buf_putc(&doc, 'n');
		buf_puts(&doc, " v=\"");
		for (i = 0; i < 70000; i++)
			buf_puts(&doc, i % 101 == 0 ? "&#x540D;" : "v");
		buf_puts(&doc, "\"/>");
		for (i = 0; i < 3000; i++)
			buf_puts(&doc, "<c r=\"A1\" t=\"s\"><v>12</v></c>");
		buf_puts(&doc, "</a>");
		rec_init(&want);
		assert_int_equal(
		    run_libxml2(&want, (const char *)doc.data, doc.len),
		    DLP_OK);
		for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			rec_init(&got);
			assert_int_equal(run_fast(&got, (const char *)doc.data,
					     doc.len, chunks[c], &fb),
			    DLP_OK);
			assert_false(fb);
			assert_string_equal(rec_log(&want), rec_log(&got));
			buf_free(&got.log);
		}
		buf_free(&want.log);
		buf_free(&doc);
	}
}

/* Repeat mid n times between head and tail. */
static char *
repeat(const char *head, const char *mid, size_t n, const char *tail)
{
	size_t hl = strlen(head), ml = strlen(mid), tl = strlen(tail), i;
	char *s = malloc(hl + ml * n + tl + 1), *w;

	assert_non_null(s);
	memcpy(s, head, hl);
	w = s + hl;
	for (i = 0; i < n; i++, w += ml)
		memcpy(w, mid, ml);
	memcpy(w, tail, tl + 1);
	return s;
}

static void
test_nesting_past_256_is_einput(void **state)
{
	char *ok = repeat("", "<a>", 256, ""), *deep;
	struct rec r;
	size_t i;

	/* 256 levels are read; the 257th is damage, as in libxml2 */
	deep = repeat(ok, "", 0, "<a>");
	free(ok);
	ok = malloc(256 * 7 + 1);
	assert_non_null(ok);
	memcpy(ok, deep, 256 * 3);
	for (i = 0; i < 256; i++)
		memcpy(ok + 256 * 3 + 4 * i, "</a>", 4);
	ok[256 * 7] = '\0';
	rec_init(&r);
	assert_int_equal(run_fast(&r, ok, strlen(ok), 0, NULL), DLP_OK);
	buf_free(&r.log);
	rec_init(&r);
	assert_int_equal(run_fast(&r, deep, strlen(deep), 0, NULL), DLP_EINPUT);
	buf_free(&r.log);
	free(ok);
	free(deep);
}

static void
test_tag_past_token_max_is_einput_and_long_text_streams(void **state)
{
	char *tag = repeat("<a b=\"", "x", XMLSCAN_TOKEN_MAX, "\"/>");
	char *text = repeat("<a>", "y", 3 * XMLSCAN_TOKEN_MAX, "</a>");
	struct rec r;

	rec_init(&r);
	assert_int_equal(
	    run_fast(&r, tag, strlen(tag), 65536, NULL), DLP_EINPUT);
	buf_free(&r.log);
	rec_init(&r);
	assert_int_equal(run_fast(&r, text, strlen(text), 65536, NULL), DLP_OK);
	assert_int_equal(r.text_total, 3 * XMLSCAN_TOKEN_MAX);
	buf_free(&r.log);
	free(tag);
	free(text);
}

static void
test_stopped_scan_reports_nothing_more(void **state)
{
	static const char doc[] = "<a><b>one</b><c>two</c></a>";
	struct rec r;

	rec_init(&r);
	r.stop_after = true;
	/* stopped after the first block: "<a><b>" was all it saw */
	assert_int_equal(run_fast(&r, doc, strlen(doc), 6, NULL), DLP_OK);
	assert_string_equal(rec_log(&r), "<a>\n<b>\n");
	buf_free(&r.log);
}

static void
test_empty_and_rootless_documents_are_einput(void **state)
{
	static const char *const docs[] = { "", "   ",
		"<?xml version=\"1.0\"?>", "<!-- only -->", "text" };
	struct rec r;
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		rec_init(&r);
		assert_int_equal(
		    run_fast(&r, docs[i], strlen(docs[i]), 0, NULL),
		    DLP_EINPUT);
		buf_free(&r.log);
	}
}

/* Mutated documents: never a crash, a hang or another return. */
static void
test_mutated_documents_never_crash(void **state)
{
	static const char bytes[] = "<>/=\"'&#;x![]-?\r\n \xc3\xa9\xef";
	char doc[1024];
	struct rec r;
	unsigned seed = 20261121, k, m;
	size_t d, len, at;
	int rc;

	for (k = 0; k < 3000; k++) {
		d = k % (sizeof(same_docs) / sizeof(same_docs[0]));
		len = strlen(same_docs[d]);
		assert_true(len < sizeof(doc));
		memcpy(doc, same_docs[d], len);
		for (m = 0; m < 1 + k % 4; m++) {
			seed = seed * 1103515245u + 12345u;
			at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			doc[at] = bytes[(seed >> 8) % (sizeof(bytes) - 1)];
		}
		if (k % 7 == 0)
			len = (seed >> 4) % len; /* truncated too */
		rec_init(&r);
		rc = run_fast(&r, doc, len, 1 + k % 9, NULL);
		assert_true(rc == DLP_OK || rc == DLP_EINPUT);
		buf_free(&r.log);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_wellformed_documents_read_as_libxml2_reads_them_in_any_blocks),
		cmocka_unit_test(
		    test_namespace_declarations_are_not_attributes),
		cmocka_unit_test(test_prolog_it_does_not_read_goes_to_libxml2),
		cmocka_unit_test(
		    test_damage_after_the_root_is_einput_with_what_came_before),
		cmocka_unit_test(
		    test_long_documents_read_as_libxml2_reads_them),
		cmocka_unit_test(test_nesting_past_256_is_einput),
		cmocka_unit_test(
		    test_tag_past_token_max_is_einput_and_long_text_streams),
		cmocka_unit_test(test_stopped_scan_reports_nothing_more),
		cmocka_unit_test(test_empty_and_rootless_documents_are_einput),
		cmocka_unit_test(test_mutated_documents_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
