/*
 * test_xmltext - the SAX plumbing of the document extractors: the push
 * parser (encodings, chunking, stopping, entities, damage), attributes,
 * the bounded text writer and its locations, the metadata handler,
 * spreadsheet numbers written exactly, column names and cell references.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract_util.h"
#include "xmltext.h"

/* Numbers */

struct num_case {
	const char *in;
	const char *want; /* NULL: not a number (-1) */
};

static void
test_number_is_written_exactly_without_exponent(void **state)
{
	static const struct num_case c[] = {
		{ "123456789012", "123456789012" },
		{ "1.23456789012E+11", "123456789012" },
		{ "1.23456789012e11", "123456789012" },
		{ "123456789018.0", "123456789018" },
		{ "0", "0" },
		{ "-0", "0" },
		{ "0.0", "0" },
		{ "007", "7" },
		{ "120", "120" },
		{ "1E+20", "100000000000000000000" },
		{ "1.2e20", "120000000000000000000" },
		{ "-1.5E-3", "-0.0015" },
		{ "1E-3", "0.001" },
		{ ".5", "0.5" },
		{ "5.", "5" },
		{ "+42", "42" },
		{ " 42 ", "42" },
		{ "0.30000000000000004", "0.3" },
		{ "4.5999999999999996", "4.6" },
		{ "9.99999999999999999E+2", "1000" },
		{ "999999999999999.5", "1000000000000000" },
		{ "123456789012345678", "123456789012346000" },
		{ "1E+39", "1000000000000000000000000000000000000000" },
		{ "1E+40", NULL },
		{ "1E-40", "0.0000000000000000000000000000000000000001" },
		{ "1E-42", NULL },
		{ "1E+99999999999999999999", NULL },
		{ "", NULL },
		{ "-", NULL },
		{ ".", NULL },
		{ "1e", NULL },
		{ "1e+", NULL },
		{ "1.2.3", NULL },
		{ "12a", NULL },
		{ "NaN", NULL },
		{ "INF", NULL },
		{ "#N/A", NULL },
		{ "0x10", NULL },
	};
	char out[XMLTEXT_NUMBER_MAX];
	size_t i;
	int n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = xmltext_number(c[i].in, strlen(c[i].in), out, sizeof(out));
		if (c[i].want == NULL) {
			if (n != -1)
				print_error("\"%s\" -> \"%s\"\n", c[i].in, out);
			assert_int_equal(n, -1);
			continue;
		}
		if (n < 0 || strcmp(out, c[i].want) != 0)
			print_error("\"%s\" -> %d \"%s\", want \"%s\"\n",
			    c[i].in, n, n >= 0 ? out : "", c[i].want);
		assert_int_equal(n, (int)strlen(c[i].want));
		assert_string_equal(out, c[i].want);
	}
	/* a short output buffer is refused, not overrun */
	assert_int_equal(xmltext_number("1", 1, out, 8), -1);
}

static void
test_column_names_and_cell_references_round_trip(void **state)
{
	static const struct {
		unsigned long col;
		const char *name;
	} c[] = { { 0, "A" }, { 1, "B" }, { 25, "Z" }, { 26, "AA" },
		{ 51, "AZ" }, { 52, "BA" }, { 701, "ZZ" }, { 702, "AAA" },
		{ 16383, "XFD" } };
	static const struct {
		const char *ref;
		bool ok;
		unsigned long col, row;
	} r[] = { { "B7", true, 1, 7 }, { "$B$7", true, 1, 7 },
		{ "b7", true, 1, 7 }, { "XFD1048576", true, 16383, 1048576 },
		{ "A0", false, 0, 0 }, { "7", false, 0, 0 },
		{ "B", false, 0, 0 }, { "B7x", false, 0, 0 },
		{ "", false, 0, 0 }, { "ZZZZZZ1", false, 0, 0 },
		{ "A99999999999", false, 0, 0 } };
	char name[16];
	unsigned long col, row;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_string_equal(
		    xmltext_colname(c[i].col, name, sizeof(name)), c[i].name);
		assert_true(xmltext_cellref(c[i].name, strlen(c[i].name), &col,
				&row) == false); /* no row: not a reference */
	}
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		bool ok =
		    xmltext_cellref(r[i].ref, strlen(r[i].ref), &col, &row);

		if (ok != r[i].ok)
			print_error("ref \"%s\"\n", r[i].ref);
		assert_int_equal(ok, r[i].ok);
		if (ok) {
			assert_int_equal(col, r[i].col);
			assert_int_equal(row, r[i].row);
		}
	}
	/* a short buffer is cut, still terminated */
	assert_string_equal(xmltext_colname(702, name, 2), "A");
}

/* The parser */

struct events {
	struct buf log;	  /* "<local>" "</local>" and text */
	unsigned stop_at; /* stop at this start tag count (0: never) */
	unsigned starts;
	struct xmltext *p;
	char attr[32];
};

static void
ev_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct events *e = arg;

	buf_putc(&e->log, '<');
	buf_puts(&e->log, local);
	buf_putc(&e->log, '>');
	if (e->attr[0] == '\0')
		(void)xmltext_attr_copy(a, "v", NULL, e->attr, sizeof(e->attr));
	if (++e->starts == e->stop_at)
		xmltext_stop(e->p);
}

static void
ev_end(void *arg, const char *local, const char *uri)
{
	struct events *e = arg;

	buf_puts(&e->log, "</");
	buf_puts(&e->log, local);
	buf_putc(&e->log, '>');
}

static void
ev_text(void *arg, const char *s, size_t len)
{
	struct events *e = arg;

	buf_append(&e->log, s, len);
}

static const struct xmltext_handler ev_handler = { ev_start, ev_end, ev_text,
	NULL };

/* Parse doc (len bytes) in chunks of step; returns the final result. */
static int
parse(struct events *e, const char *doc, size_t len, size_t step)
{
	size_t off, n;
	int rc = DLP_OK;

	memset(e, 0, sizeof(*e) - sizeof(e->attr));
	buf_init(&e->log, 1 << 20);
	e->p = xmltext_new(&ev_handler, e);
	assert_non_null(e->p);
	for (off = 0; off < len && rc == DLP_OK; off += n) {
		n = len - off < step ? len - off : step;
		rc = xmltext_feed(e->p, doc + off, n);
	}
	if (rc == DLP_OK)
		rc = xmltext_finish(e->p);
	xmltext_free(e->p);
	return rc;
}

static void
test_parser_gives_the_same_events_in_any_chunking(void **state)
{
	static const char doc[] =
	    "<?xml version=\"1.0\"?><a xmlns=\"u\" v=\"1\"><b>x&amp;y</b>"
	    "<c><![CDATA[z<]]></c>\xe5\xb1\xb1</a>";
	static const char want[] = "<a><b>x&y</b><c>z<</c>\xe5\xb1\xb1</a>";
	static const size_t steps[] = { 1, 2, 3, 4, 5, 7, 64, 100000 };
	struct events e;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		memset(e.attr, 0, sizeof(e.attr));
		assert_int_equal(parse(&e, doc, strlen(doc), steps[i]), DLP_OK);
		assert_string_equal(buf_cstr(&e.log), want);
		assert_string_equal(e.attr, "1");
		buf_free(&e.log);
	}
}

static void
test_parser_reads_utf16_and_declared_encodings(void **state)
{
	/* "<a>山</a>" in UTF-16LE with a BOM */
	static const char u16[] = "\xff\xfe<\0a\0>\0\x71\x5c<\0/\0a\0>\0";
	/* Shift_JIS declared: 山 is 0x8E 0x52 */
	static const char sjis[] =
	    "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a>\x8e\x52</a>";
	struct events e;

	memset(e.attr, 0, sizeof(e.attr));
	assert_int_equal(parse(&e, u16, sizeof(u16) - 1, 1), DLP_OK);
	assert_string_equal(buf_cstr(&e.log), "<a>\xe5\xb1\xb1</a>");
	buf_free(&e.log);
	assert_int_equal(parse(&e, sjis, strlen(sjis), 3), DLP_OK);
	assert_string_equal(buf_cstr(&e.log), "<a>\xe5\xb1\xb1</a>");
	buf_free(&e.log);
}

struct bad_case {
	const char *name;
	const char *doc;
	int rc;
	const char *log; /* the events before the damage */
};

static void
test_parser_reports_damage_as_einput(void **state)
{
	static const struct bad_case c[] = {
		{ "empty document", "", DLP_EINPUT, "" },
		{ "shorter than the encoding probe", "<a", DLP_EINPUT, "<a>" },
		{ "unclosed element", "<a><b>t</b>", DLP_EINPUT,
		    "<a><b>t</b>" },
		{ "mismatched end", "<a>t</b>", DLP_EINPUT, "<a>t" },
		{ "undeclared entity", "<a>x&nope;y</a>", DLP_EINPUT, "<a>x" },
		{ "internal entity is not expanded",
		    "<!DOCTYPE a [<!ENTITY e \"boom\">]><a>x&e;y</a>",
		    DLP_EINPUT, "<a>x" },
		{ "invalid UTF-8", "<a>\xff\xfe</a>", DLP_EINPUT, "<a>" },
		{ "garbage after the root", "<a/>junk", DLP_EINPUT, "<a></a>" },
		{ "undeclared prefix is only a namespace error", "<w:p>t</w:p>",
		    DLP_OK, "<p>t</p>" },
	};
	struct events e;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		rc = parse(&e, c[i].doc, strlen(c[i].doc), 2);
		if (rc != c[i].rc || strcmp(buf_cstr(&e.log), c[i].log) != 0)
			print_error("case %s: %d \"%s\"\n", c[i].name, rc,
			    buf_cstr(&e.log));
		assert_int_equal(rc, c[i].rc);
		assert_string_equal(buf_cstr(&e.log), c[i].log);
		buf_free(&e.log);
	}
}

static void
test_parser_stopped_by_a_handler_gives_no_more_events(void **state)
{
	static const char doc[] = "<a><b>1</b><c>2</c><d>3</d></a>";
	struct events e;

	memset(&e, 0, sizeof(e));
	buf_init(&e.log, 1024);
	e.stop_at = 3; /* at <c> */
	assert_non_null(e.p = xmltext_new(&ev_handler, &e));
	assert_int_equal(xmltext_feed(e.p, doc, strlen(doc)), DLP_OK);
	assert_int_equal(xmltext_feed(e.p, "garbage<<", 9), DLP_OK);
	assert_int_equal(xmltext_finish(e.p), DLP_OK);
	xmltext_free(e.p);
	assert_string_equal(buf_cstr(&e.log), "<a><b>1</b><c>");
	buf_free(&e.log);
	xmltext_free(NULL);
}

struct attr_probe {
	char plain[16], ns[16], any[16], cut[4];
	bool missing;
};

static void
probe_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct attr_probe *pr = arg;
	const char *v;
	size_t len;
	int i;

	/* the raw layout: groups of local, prefix, URI, value, end */
	for (i = 0; i < a->n; i++)
		if (strcmp((const char *)a->v[5 * i], "id") == 0 &&
		    a->v[5 * i + 2] == NULL)
			snprintf(pr->plain, sizeof(pr->plain), "%.*s",
			    (int)(a->v[5 * i + 4] - a->v[5 * i + 3]),
			    (const char *)a->v[5 * i + 3]);
	assert_true(
	    xmltext_attr_copy(a, "id", "urn:r", pr->ns, sizeof(pr->ns)));
	assert_true(xmltext_attr_copy(a, "id", NULL, pr->any, sizeof(pr->any)));
	assert_true(
	    xmltext_attr_copy(a, "long", NULL, pr->cut, sizeof(pr->cut)));
	pr->missing = !xmltext_attr(a, "nope", NULL, &v, &len) &&
	    !xmltext_attr(a, "id", "urn:other", &v, &len) &&
	    !xmltext_attr_copy(a, "long", NULL, pr->cut, 0);
}

static const struct xmltext_handler probe_handler = { probe_start, NULL, NULL,
	NULL };

static void
test_attributes_are_found_by_name_and_namespace(void **state)
{
	static const char doc[] = "<a xmlns:r=\"urn:r\" id=\"plain\" "
				  "r:id=\"ns\" long=\"0123456789\"/>";
	struct attr_probe pr;
	struct xmltext *p;

	memset(&pr, 0, sizeof(pr));
	assert_non_null(p = xmltext_new(&probe_handler, &pr));
	assert_int_equal(xmltext_feed(p, doc, strlen(doc)), DLP_OK);
	assert_int_equal(xmltext_finish(p), DLP_OK);
	xmltext_free(p);
	assert_string_equal(pr.plain, "plain");
	assert_string_equal(pr.ns, "ns");
	assert_true(strcmp(pr.any, "plain") == 0 || strcmp(pr.any, "ns") == 0);
	assert_string_equal(pr.cut, "012");
	assert_true(pr.missing);
}

/* The writer */

static void
test_writer_flushes_at_locations_and_in_large_pieces(void **state)
{
	struct xmltext_out o;
	struct xrec r;
	char big[100000];
	long id;

	xrec_init(&r, NULL);
	id = xrec_node_new(&r, -1, "n", 0);
	xmltext_out_init(&o, r.x, id);
	assert_int_equal(xmltext_out_endline(&o), 0); /* nothing yet */
	assert_int_equal(xmltext_out_put(&o, "ab", 2), 0);
	assert_int_equal(r.nodes[id].text.len, 0); /* buffered */
	assert_int_equal(xmltext_out_locate(&o, "L1"), 0);
	assert_int_equal(r.nodes[id].text.len, 2); /* flushed first */
	assert_int_equal(xmltext_out_putc(&o, 'c'), 0);
	assert_int_equal(xmltext_out_endline(&o), 0);
	assert_int_equal(xmltext_out_endline(&o), 0); /* one '\n' only */
	memset(big, 'x', sizeof(big));
	assert_int_equal(xmltext_out_put(&o, big, sizeof(big)), 0);
	assert_int_equal(xmltext_out_free(&o), DLP_OK);
	assert_int_equal(r.nodes[id].text.len, 2 + 2 + sizeof(big));
	assert_int_equal(r.nodes[id].n_locs, 1);
	assert_int_equal(r.nodes[id].locs[0].off, 2);
	assert_string_equal(xrec_location_of(&r.nodes[id], "c\n"), "L1");
	xrec_free(&r);
}

static void
test_writer_stops_when_the_sink_is_full(void **state)
{
	struct xmltext_out o;
	struct xrec r;
	char chunk[1000];
	size_t i;
	long id;

	xrec_init(&r, NULL);
	id = xrec_node_new(&r, -1, "n", 0);
	r.nodes[id].text.max = 150000;
	xmltext_out_init(&o, r.x, id);
	memset(chunk, 'y', sizeof(chunk));
	for (i = 0; i < 1000 && xmltext_out_put(&o, chunk, 1000) == 0; i++)
		;
	assert_true(i < 1000);
	assert_true(xmltext_out_done(&o));
	assert_int_equal(xmltext_out_putc(&o, 'z'), -1);
	assert_int_equal(xmltext_out_locate(&o, "x"), -1);
	assert_int_equal(xmltext_out_free(&o), DLP_PARTIAL);
	assert_true(r.nodes[id].text.len <= 150000);
	xrec_free(&r);
}

static void
test_lines_handler_puts_each_element_on_a_line_and_skips_noise(void **state)
{
	static const char doc[] =
	    "<p>\n  <title>T</title>\n  <stats><pages>3</pages></stats>"
	    "<creator>A <b>B</b> C</creator><empty/></p>";
	static const char *const skip[] = { "stats", NULL };
	struct xmltext_lines l;
	struct xmltext_out o;
	struct xmltext *p;
	struct xrec r;
	long id;

	xrec_init(&r, NULL);
	id = xrec_node_new(&r, -1, "n", 0);
	xmltext_out_init(&o, r.x, id);
	memset(&l, 0, sizeof(l));
	l.out = &o;
	l.skip = skip;
	assert_non_null(p = xmltext_new(&xmltext_lines_handler, &l));
	assert_int_equal(xmltext_feed(p, doc, strlen(doc)), DLP_OK);
	assert_int_equal(xmltext_finish(p), DLP_OK);
	xmltext_free(p);
	assert_int_equal(xmltext_out_free(&o), DLP_OK);
	assert_string_equal(xrec_text(&r.nodes[id]), "T\nA \nB\n C\n");
	xrec_free(&r);
}

/*
 * Held cell labels (xmltext_out_mark) against labels that flush at once
 * (xmltext_out_locate): the sink must get the same calls, text cut into
 * the same pieces, the same labels in the same order, the same stop
 * when full. Scripts of puts from a fixed seed cross every edge: pieces
 * of 64 KiB since the last label, pieces larger than that, a buffer
 * full of held cells (the text of the current cell moved to the front),
 * labels too long to hold, more labels than are held, two labels with
 * no text between them, and a sink that fills in the middle of a batch.
 */
struct calllog {
	struct buf log;
	size_t text, cap; /* bytes taken; the sink is full past cap */
	bool cut;
};

static struct calllog wlog;

static int
log_text(void *arg, long id, const char *charset, const void *data, size_t len,
    unsigned flags)
{
	char head[64];

	snprintf(head, sizeof(head), "T%zu:", len);
	assert_int_equal(buf_puts(&wlog.log, head), BUF_OK);
	assert_int_equal(buf_append(&wlog.log, data, len), BUF_OK);
	assert_int_equal(buf_putc(&wlog.log, '\n'), BUF_OK);
	if (wlog.cut)
		return -1;
	wlog.text += len;
	wlog.cut = wlog.text > wlog.cap;
	return wlog.cut ? -1 : 0;
}

static void
log_locate(void *arg, long id, const char *label)
{
	assert_int_equal(buf_puts(&wlog.log, "L"), BUF_OK);
	assert_int_equal(buf_puts(&wlog.log, label), BUF_OK);
	assert_int_equal(buf_putc(&wlog.log, '\n'), BUF_OK);
}

static uint32_t
lcg(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* One script, run with held labels or not; the sink's calls in *out. */
static void
run_script(uint32_t seed, size_t cap, bool hold, struct buf *out)
{
	static char big[200000];
	char label[300], head[32];
	struct xmltext_out o;
	struct xrec r;
	size_t i, k, len, ops = 6000;
	bool odd = seed % 2 != 0;
	uint32_t v;
	long id;
	int rc;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	xrec_init(&r, NULL);
	r.sink.node_text = log_text;
	r.sink.node_locate = log_locate;
	id = xrec_node_new(&r, -1, "n", 0);
	buf_init(&wlog.log, 1u << 30);
	wlog.text = 0;
	wlog.cap = cap;
	wlog.cut = false;
	xmltext_out_init(&o, r.x, id);
	for (i = 0; i < ops; i++) {
		v = lcg(&seed);
		switch (v % 16) {
		case 0: /* a large piece, sometimes past 64 KiB (odd
			   seeds: small cells only, more than are held) */
			len = odd ? 1 + v % 7 : 20000 + lcg(&seed) % 60000;
			rc = xmltext_out_put(&o, big + i % 100, len);
			break;
		case 1: /* a long label, or two labels in a row */
			k = !odd && v % 3 == 0 ? 200 : 20;
			memset(label, 'Q', k);
			snprintf(label + k, sizeof(label) - k, "%zu", i);
			rc = hold ? xmltext_out_mark(&o, label)
				  : xmltext_out_locate(&o, label);
			/* FALLTHROUGH */
		case 2:
		case 3:
		case 4:
		case 5: /* a cell */
			snprintf(label, sizeof(label), "Sheet1!A%zu", i);
			rc = hold ? xmltext_out_mark(&o, label)
				  : xmltext_out_locate(&o, label);
			break;
		case 6: /* now and then a block of input ends: the done
			   callback asks (after more cells than are held) */
			if (lcg(&seed) % (odd ? 128 : 32) == 0) {
				rc = xmltext_out_done(&o);
				snprintf(
				    head, sizeof(head), "op%zu=%d\n", i, rc);
				assert_int_equal(
				    buf_puts(&wlog.log, head), BUF_OK);
				break;
			}
			snprintf(label, sizeof(label), "Sheet2!B%zu", i);
			rc = hold ? xmltext_out_mark(&o, label)
				  : xmltext_out_locate(&o, label);
			break;
		case 7:
		case 8:
			rc = xmltext_out_putc(&o, '\t');
			break;
		default: /* cell text */
			len = 1 + lcg(&seed) % 40;
			rc = xmltext_out_put(&o, big + i % 26, len);
			break;
		}
		/* other return values may differ where the writer holds
		   what the sink has not seen yet; no handler reads them */
		(void)rc;
	}
	rc = xmltext_out_free(&o);
	snprintf(head, sizeof(head), "free=%d\n", rc);
	assert_int_equal(buf_puts(&wlog.log, head), BUF_OK);
	*out = wlog.log;
	xrec_free(&r);
}

static void
test_writer_held_labels_give_the_sink_the_same_calls(void **state)
{
	static const size_t caps[] = { SIZE_MAX, 5000, 300000, 2000000 };
	struct buf a, b;
	uint32_t seed;
	size_t c;

	for (seed = 1; seed <= 6; seed++) {
		for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
			run_script(seed, caps[c], false, &a);
			run_script(seed, caps[c], true, &b);
			if (a.len != b.len ||
			    memcmp(a.data, b.data, a.len) != 0)
				print_error("seed %u cap %zu: logs differ "
					    "(%zu, %zu bytes)\n",
				    seed, caps[c], a.len, b.len);
			assert_int_equal(a.len, b.len);
			assert_memory_equal(a.data, b.data, a.len);
			/* the script did cross the edges it is for */
			if (caps[c] == SIZE_MAX)
				assert_non_null(strstr(buf_cstr(&a), "LQQQQ"));
			else if (seed % 2 == 0 || caps[c] == 5000)
				assert_non_null(strstr(buf_cstr(&a), "=1\n"));
			buf_free(&a);
			buf_free(&b);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_number_is_written_exactly_without_exponent),
		cmocka_unit_test(
		    test_column_names_and_cell_references_round_trip),
		cmocka_unit_test(
		    test_parser_gives_the_same_events_in_any_chunking),
		cmocka_unit_test(
		    test_parser_reads_utf16_and_declared_encodings),
		cmocka_unit_test(test_parser_reports_damage_as_einput),
		cmocka_unit_test(
		    test_parser_stopped_by_a_handler_gives_no_more_events),
		cmocka_unit_test(
		    test_attributes_are_found_by_name_and_namespace),
		cmocka_unit_test(
		    test_writer_flushes_at_locations_and_in_large_pieces),
		cmocka_unit_test(test_writer_stops_when_the_sink_is_full),
		cmocka_unit_test(
		    test_writer_held_labels_give_the_sink_the_same_calls),
		cmocka_unit_test(
		    test_lines_handler_puts_each_element_on_a_line_and_skips_noise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
