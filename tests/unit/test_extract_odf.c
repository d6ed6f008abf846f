/*
 * test_extract_odf - OpenDocument text (extract_odf.c): paragraphs,
 * spaces, tabs, tables, headers and properties of odt; spreadsheet cells
 * located as "Sheet!B7" with float values as written digits and repeat
 * counts bounded; presentation pages and notes; encryption judged from
 * the manifest (per-file Blowfish or AES, LibreOffice's wholesale
 * package); damaged packages end as DLP_EINPUT.
 *
 * Inputs: packages built here with libarchive's writer, files written by
 * python3-odf (skipped when missing), and the odf-decrypt rows of the
 * external corpus. Numbers are synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "extract_util.h"
#include "zipbuild_util.h"

#define CORPUS "../shared/corpus/external/"
#define MYNUM  "492638175029" /* synthetic: valid check digit, no pattern */

#define OASIS "urn:oasis:names:tc:opendocument:xmlns:"
#define ODF_NS                                                                 \
	"xmlns:office=\"" OASIS "office:1.0\" xmlns:text=\"" OASIS             \
	"text:1.0\" xmlns:table=\"" OASIS "table:1.0\" xmlns:style=\"" OASIS   \
	"style:1.0\" xmlns:draw=\"" OASIS "drawing:1.0\" "                     \
	"xmlns:presentation=\"" OASIS "presentation:1.0\" xmlns:meta=\"" OASIS \
	"meta:1.0\" xmlns:number=\"" OASIS "datastyle:1.0\" "                  \
	"xmlns:dc=\"http://purl.org/dc/elements/1.1/\""
#define CONTENT(body)                                          \
	"<?xml version=\"1.0\" "                               \
	"encoding=\"UTF-8\"?><office:document-content " ODF_NS \
	"><office:body>" body "</office:body></office:document-content>"
#define MIME_ODT "application/vnd.oasis.opendocument.text"
#define MIME_ODS "application/vnd.oasis.opendocument.spreadsheet"
#define MIME_ODP "application/vnd.oasis.opendocument.presentation"
#define MANIFEST(entries)                                               \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest " \
	"xmlns:manifest=\"" OASIS                                       \
	"manifest:1.0\" manifest:version=\"1.2\">" entries              \
	"</manifest:manifest>"
#define ENTRY(path, type)                                 \
	"<manifest:file-entry manifest:full-path=\"" path \
	"\" manifest:media-type=\"" type "\"/>"
#define ENC_ENTRY(path, alg)                                                \
	"<manifest:file-entry manifest:full-path=\"" path                   \
	"\" manifest:media-type=\"text/xml\" manifest:size=\"9\">"          \
	"<manifest:encryption-data manifest:checksum-type=\"SHA1/1K\" "     \
	"manifest:checksum=\"AAAA\"><manifest:algorithm "                   \
	"manifest:algorithm-name=\"" alg "\" "                              \
	"manifest:initialisation-vector=\"AAAA\"/>"                         \
	"<manifest:key-derivation manifest:key-derivation-name=\"PBKDF2\" " \
	"manifest:iteration-count=\"1024\" manifest:salt=\"AAAA\"/>"        \
	"</manifest:encryption-data></manifest:file-entry>"
#define CELL(t) "<table:table-cell><text:p>" t "</text:p></table:table-cell>"
#define FLOAT(v, shown)                                                   \
	"<table:table-cell office:value-type=\"float\" office:value=\"" v \
	"\"><text:p>" shown "</text:p></table:table-cell>"

/* Extract a zip of parts with extract_odf(); r is initialised. */
static int
run_parts(struct xrec *r, const struct dlp_limits *lim,
    const struct zpart *parts, size_t n)
{
	unsigned char *zip;
	size_t len;
	int rc;

	xrec_init(r, lim);
	zip = zip_build(parts, n, NULL, &len);
	assert_non_null(zip);
	rc = extract_odf(r->x, xrec_node_new(r, -1, "f", len), 0, zip, len);
	free(zip);
	return rc;
}

#define RUN(r, parts) \
	run_parts(r, NULL, parts, sizeof(parts) / sizeof(parts[0]))

static void
assert_text(const struct xnode *n, const char *want)
{
	if (strcmp(xrec_text(n), want) != 0)
		print_error("text \"%s\"\n want \"%s\"\n", xrec_text(n), want);
	assert_string_equal(xrec_text(n), want);
}

static void
assert_at(const struct xnode *n, const char *needle, const char *label)
{
	const char *got = xrec_location_of(n, needle);

	if (got == NULL || strcmp(got, label) != 0)
		print_error("\"%s\" at %s, want %s\n", needle,
		    got ? got : "(none)", label);
	assert_non_null(got);
	assert_string_equal(got, label);
}

/* odt bodies: one table of XML in, text out */

struct odt_case {
	const char *name;
	const char *body;
	const char *want;
};

static void
test_odt_body_text_follows_odf_structure(void **state)
{
	static const struct odt_case c[] = {
		{ "spans join without separator",
		    "<text:p>12<text:span>3456</text:span>789018</text:p>",
		    "123456789018\n" },
		{ "headings and paragraphs are lines",
		    "<text:h "
		    "text:outline-level=\"1\">T</text:h><text:p>b</text:p>",
		    "T\nb\n" },
		{ "text:s is its count of spaces",
		    "<text:p>a<text:s text:c=\"3\"/>b<text:s/>c</text:p>",
		    "a   b c\n" },
		{ "a huge text:s is bounded",
		    "<text:p>a<text:s text:c=\"99999999999\"/>b</text:p>",
		    "a                                                         "
		    "       b\n" },
		{ "tab and line break",
		    "<text:p>a<text:tab/>b<text:line-break/>c</text:p>",
		    "a\tb\nc\n" },
		{ "footnote citation does not join the number",
		    "<text:p>tel 0312345678<text:note><text:note-citation>1"
		    "</text:note-citation><text:note-body><text:p>note</text:p>"
		    "</text:note-body></text:note></text:p>",
		    "tel 0312345678note\n\n" },
		{ "table cells are tabs, rows lines, cell paragraphs spaces",
		    "<table:table><table:table-row>" CELL(
			"A") "<table:table-cell><text:p>B</text:p><text:p>B2</"
			     "text:p>"
			     "</table:table-cell></"
			     "table:table-row><table:table-row>"
			     "<table:table-cell/>" CELL(
				 "D") "</table:table-row></"
				      "table:table><text:p>after</text:p>",
		    "A\tB B2\n\tD\nafter\n" },
		{ "text outside paragraphs is not read",
		    "<office:text>junk<text:p>x</text:p></office:text>",
		    "x\n" },
		{ "tracked deletion is read",
		    "<text:tracked-changes><text:changed-region><text:deletion>"
		    "<text:p>gone</text:p></text:deletion></"
		    "text:changed-region>"
		    "</text:tracked-changes><text:p>kept</text:p>",
		    "gone\nkept\n" },
	};
	struct zpart parts[] = {
		{ "mimetype", MIME_ODT, 0 },
		{ "content.xml", NULL, 0 },
	};
	char doc[4096];
	struct xrec r;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(doc, sizeof(doc), CONTENT("%s"), c[i].body);
		parts[1].data = doc;
		if (RUN(&r, parts) != DLP_OK)
			print_error("case %s: rc\n", c[i].name);
		if (strcmp(xrec_text(&r.nodes[0]), c[i].want) != 0)
			print_error("case %s\n", c[i].name);
		assert_text(&r.nodes[0], c[i].want);
		assert_at(&r.nodes[0], "", "document");
		xrec_free(&r);
	}
}

static void
test_odt_headers_and_properties_are_located(void **state)
{
	static const struct zpart parts[] = {
		{ "mimetype", MIME_ODT, 0 },
		{ "META-INF/manifest.xml",
		    MANIFEST(
			ENTRY("/", MIME_ODT) ENTRY("content.xml", "text/xml")),
		    0 },
		{ "content.xml", CONTENT("<text:p>body</text:p>"), 0 },
		{ "styles.xml",
		    "<office:document-styles " ODF_NS "><office:styles>"
		    "<number:date-style><number:text>not this</number:text>"
		    "</number:date-style></office:styles><office:master-styles>"
		    "<style:master-page><style:header><text:p>社外秘</text:p>"
		    "</style:header><style:footer-left><text:p>left</text:p>"
		    "</style:footer-left></style:master-page>"
		    "</office:master-styles></office:document-styles>",
		    0 },
		{ "meta.xml",
		    "<office:document-meta " ODF_NS "><office:meta>"
		    "<meta:generator>LibreOffice/7.4</meta:generator>"
		    "<dc:title>Roster</dc:title>"
		    "<meta:initial-creator>Author A</meta:initial-creator>"
		    "<meta:creation-date>2024-01-02T03:04:05</"
		    "meta:creation-date>"
		    "<meta:user-defined meta:name=\"ID\">" MYNUM
		    "</meta:user-defined>"
		    "<meta:document-statistic meta:page-count=\"1\"/>"
		    "</office:meta></office:document-meta>",
		    0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_OK);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_text(
	    &r.nodes[0], "body\n社外秘\nleft\nRoster\nAuthor A\n" MYNUM "\n");
	assert_at(&r.nodes[0], "body", "document");
	assert_at(&r.nodes[0], "社外秘", "headers");
	assert_at(&r.nodes[0], MYNUM, "properties");
	xrec_free(&r);
}

/* ods */

static const struct zpart ods_parts[] = {
	{ "mimetype", MIME_ODS, 0 },
	{ "content.xml",
	    CONTENT(
		"<office:spreadsheet>"
		"<table:table table:name=\"名簿\">"
		"<table:table-column table:number-columns-repeated=\"3\"/>"
		"<table:table-row>" CELL("氏名") CELL(
		    "個人番号") "</table:table-row>"
				"<table:table-row>" CELL("山田太郎") FLOAT(
				    MYNUM,
				    "1.23457E+11") FLOAT("1.23456789012E+11",
				    "x") FLOAT("0.5",
				    "50%") "</table:table-row>"
					   "<table:table-row "
					   "table:number-rows-repeated="
					   "\"1000\">"
					   "<table:table-cell "
					   "table:number-columns-repeated="
					   "\"16384\"/>"
					   "</table:table-row>"
					   "<table:table-row>"
					   "<table:table-cell "
					   "table:number-columns-repeated="
					   "\"2\" "
					   "office:value-type=\"float\" "
					   "office:value=\"7\">"
					   "<text:p>7</text:p></"
					   "table:table-cell>"
					   "<table:covered-table-cell/>"
					   "<table:table-cell "
					   "table:number-columns-repeated="
					   "\"2000\"/>"
					   "<table:table-cell "
					   "office:value-type=\"string\">"
					   "<text:p>far</text:p></"
					   "table:table-cell>"
					   "</table:table-row>"
					   "</table:table>"
					   "<table:table "
					   "table:name=\"Sheet2\"><table:table-"
					   "row>"
					   "<table:table-cell><text:p>a</"
					   "text:p>"
					   "<office:annotation><text:p>memo</"
					   "text:p></office:annotation>"
					   "</table:table-cell></"
					   "table:table-row></table:table>"
					   "</office:spreadsheet>"),
	    0 },
};

static void
test_ods_cells_are_rows_with_float_values_as_digits(void **state)
{
	struct buf want;
	size_t i;
	struct xrec r;

	assert_int_equal(RUN(&r, ods_parts), DLP_OK);
	buf_init(&want, 1024);
	assert_int_equal(
	    buf_puts(&want,
		"氏名\t個人番号\n山田太郎\t" MYNUM "\t123456789012\t0.5\n7\t7"),
	    BUF_OK);
	/* to the cell after 2000 empty ones: the gap is bounded */
	for (i = 0; i < 256; i++)
		assert_int_equal(buf_putc(&want, '\t'), BUF_OK);
	assert_int_equal(buf_puts(&want, "far\na memo\n"), BUF_OK);
	assert_text(&r.nodes[0], buf_cstr(&want));
	buf_free(&want);
	xrec_free(&r);
}

static void
test_ods_cells_are_located_by_sheet_and_reference(void **state)
{
	struct xrec r;

	assert_int_equal(RUN(&r, ods_parts), DLP_OK);
	assert_at(&r.nodes[0], "氏名", "名簿!A1");
	assert_at(&r.nodes[0], MYNUM, "名簿!B2");
	assert_at(&r.nodes[0], "123456789012", "名簿!C2");
	/* 1000 repeated rows are 3..1002 */
	assert_at(&r.nodes[0], "7\t7", "名簿!A1003");
	assert_at(&r.nodes[0], "7\t\t", "名簿!B1003");
	assert_at(&r.nodes[0], "far", "名簿!BYB1003");
	assert_at(&r.nodes[0], "a memo", "Sheet2!A1");
	xrec_free(&r);
}

static void
test_ods_huge_repeat_counts_cost_nothing(void **state)
{
	static const struct zpart parts[] = {
		{ "mimetype", MIME_ODS, 0 },
		{ "content.xml",
		    CONTENT("<office:spreadsheet><table:table table:name=\"S\">"
			    "<table:table-row table:number-rows-repeated="
			    "\"99999999999\"><table:table-cell "
			    "table:number-columns-repeated=\"99999999999\" "
			    "office:value-type=\"float\" office:value=\"1\"/>"
			    "</table:table-row><table:table-row>"
			    "<table:table-cell table:number-columns-repeated="
			    "\"4294967297\"/>" CELL(
				"x") "</table:table-row></table:table>"
				     "</office:spreadsheet>"),
		    0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_OK);
	/* 64 copies of the repeated cell; the row after is row 2^31 */
	assert_int_equal(r.nodes[0].text.len, 64 * 2 - 1 + 1 + 256 + 2);
	assert_at(&r.nodes[0], "x", "S!FXSHRXY2147483648");
	xrec_free(&r);
}

/* odp */

static void
test_odp_pages_and_notes_are_located(void **state)
{
	static const struct zpart parts[] = {
		{ "mimetype", MIME_ODP, 0 },
		{ "content.xml",
		    CONTENT(
			"<office:presentation>"
			"<draw:page draw:name=\"p1\"><draw:frame>"
			"<draw:text-box><text:p>first</text:p></draw:text-box>"
			"</draw:frame><presentation:notes><draw:frame>"
			"<draw:text-box><text:p>note one</text:p>"
			"</draw:text-box></draw:frame></presentation:notes>"
			"</draw:page><draw:page draw:name=\"p2\"><draw:frame>"
			"<draw:text-box><text:p>second</text:p>"
			"</draw:text-box></draw:frame></draw:page>"
			"</office:presentation>"),
		    0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_OK);
	assert_text(&r.nodes[0], "first\nnote one\nsecond\n");
	assert_at(&r.nodes[0], "first", "slide1");
	assert_at(&r.nodes[0], "note one", "notes1");
	assert_at(&r.nodes[0], "second", "slide2");
	xrec_free(&r);
}

/* Encryption */

static void
test_manifest_encryption_names_the_method(void **state)
{
	static const struct {
		const char *manifest, *method;
	} c[] = {
		{ MANIFEST(ENTRY("/", MIME_ODT)
			  ENC_ENTRY("content.xml", "Blowfish CFB")),
		    "odf-blowfish" },
		{ MANIFEST(ENTRY("/", MIME_ODT) ENC_ENTRY("content.xml",
		      "http://www.w3.org/2001/04/xmlenc#aes256-cbc")),
		    "odf-aes-256" },
		{ MANIFEST(ENC_ENTRY("encrypted-package",
		      "http://www.w3.org/2009/xmlenc11#aes256-gcm")),
		    "odf-aes-256" },
		{ MANIFEST(ENC_ENTRY("content.xml",
		      "http://www.w3.org/2001/04/xmlenc#aes128-cbc")),
		    "odf-aes-128" },
		{ MANIFEST(ENC_ENTRY("content.xml", "rot13")), "odf-unknown" },
		/* the body's algorithm wins over another file's */
		{ MANIFEST(ENC_ENTRY("styles.xml", "Blowfish CFB")
			  ENC_ENTRY("content.xml",
			      "http://www.w3.org/2001/04/xmlenc#aes256-cbc")),
		    "odf-aes-256" },
		/* only a thumbnail-like file encrypted: still encrypted */
		{ MANIFEST(ENC_ENTRY("settings.xml", "Blowfish CFB")),
		    "odf-blowfish" },
	};
	struct zpart parts[] = {
		{ "mimetype", MIME_ODT, 0 },
		{ "META-INF/manifest.xml", NULL, 0 },
		{ "content.xml", "\x8f\x13 not xml \x01", 0 },
	};
	struct xrec r;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		parts[1].data = c[i].manifest;
		assert_int_equal(RUN(&r, parts), DLP_OK);
		assert_int_equal(r.nodes[0].enc, DLP_ENC_ENCRYPTED);
		assert_string_equal(r.nodes[0].detail, c[i].method);
		assert_false(r.nodes[0].weak);
		assert_int_equal(r.nodes[0].text.len, 0);
		xrec_free(&r);
	}
}

static void
test_wholesale_package_without_manifest_is_encrypted(void **state)
{
	static const struct zpart parts[] = {
		{ "mimetype", MIME_ODS, 0 },
		{ "encrypted-package", "\x01\x02\x03\x04", 4 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_OK);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_ENCRYPTED);
	assert_string_equal(r.nodes[0].detail, "odf-aes-256");
	xrec_free(&r);
}

static void
test_manifest_claim_over_plain_body_is_not_believed(void **state)
{
	static const struct zpart parts[] = {
		{ "mimetype", MIME_ODT, 0 },
		{ "META-INF/manifest.xml",
		    MANIFEST(ENC_ENTRY("content.xml", "Blowfish CFB")), 0 },
		{ "content.xml", CONTENT("<text:p>" MYNUM "</text:p>"), 0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_OK);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_text(&r.nodes[0], MYNUM "\n");
	xrec_free(&r);
}

static void
test_corpus_odf_files_are_judged_right(void **state)
{
	static const struct {
		const char *file, *method, *text;
	} c[] = {
		{ "odf-decrypt/aoo_document_pw_hello.odt", "odf-blowfish",
		    NULL },
		{ "odf-decrypt/libre_office_sample_pw_hello.odt", "odf-aes-256",
		    NULL },
		{ "odf-decrypt/libre_office_spreadsheet_pw_hello.ods",
		    "odf-aes-256", NULL },
		{ "odf-decrypt/libre_office_spreadsheet.ods", NULL, "hi\n" },
	};
	unsigned char *data;
	struct xrec r;
	size_t i, len;
	char path[256];

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(path, sizeof(path), CORPUS "%s", c[i].file);
		data = xrec_read_file(path, &len);
		if (data == NULL)
			print_error("cannot read %s\n", path);
		assert_non_null(data);
		xrec_init(&r, NULL);
		assert_int_equal(xrec_run(&r, c[i].file, data, len), DLP_OK);
		assert_string_equal(
		    r.nodes[0].type, "application/vnd.oasis.opendocument");
		if (c[i].method != NULL) {
			assert_int_equal(r.nodes[0].enc, DLP_ENC_ENCRYPTED);
			assert_string_equal(r.nodes[0].detail, c[i].method);
		} else {
			assert_int_equal(r.nodes[0].enc, DLP_ENC_PLAIN);
			assert_non_null(
			    strstr(xrec_text(&r.nodes[0]), c[i].text));
			assert_at(&r.nodes[0], "hi", "Sheet1!A1");
		}
		xrec_free(&r);
		free(data);
	}
}

/* Embedded objects */

static void
test_embedded_objects_are_read(void **state)
{
	static const struct zpart parts[] = {
		{ "mimetype", MIME_ODT, 0 },
		{ "content.xml", CONTENT("<text:p>main</text:p>"), 0 },
		{ "Object 1/content.xml",
		    CONTENT(
			"<office:chart><text:p>inner</text:p></office:chart>"),
		    0 },
		{ "Object 1/styles.xml", "<x/>", 0 },
		{ "Object 2", "plain text object " MYNUM, 0 },
		{ "ObjectReplacements/Object 1", "\x89PNG\r\n", 6 },
	};
	struct xnode *c;
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_OK);
	assert_text(&r.nodes[0], "main\ninner\n");
	assert_at(&r.nodes[0], "inner", "Object 1");
	c = xrec_find(&r, "f/Object 2");
	assert_non_null(c);
	assert_true(c->done);
	assert_non_null(strstr(xrec_text(c), MYNUM));
	assert_null(xrec_find(&r, "f/ObjectReplacements/Object 1"));
	xrec_free(&r);
}

/* Damage */

static void
test_package_without_content_is_einput(void **state)
{
	static const struct zpart parts[] = {
		{ "mimetype", MIME_ODT, 0 },
		{ "styles.xml", "<x/>", 0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_EINPUT);
	xrec_free(&r);
	xrec_init(&r, NULL);
	assert_int_equal(
	    extract_odf(r.x, xrec_node_new(&r, -1, "f", 3), 0, "PK\3", 3),
	    DLP_EINPUT);
	xrec_free(&r);
}

static void
test_malformed_content_keeps_text_before_damage(void **state)
{
	static const struct zpart parts[] = {
		{ "mimetype", MIME_ODT, 0 },
		{ "content.xml",
		    "<office:document-content " ODF_NS "><office:body>"
		    "<text:p>kept</text:p><text:p>cut</text:span>",
		    0 },
		{ "meta.xml",
		    "<office:document-meta " ODF_NS "><office:meta><dc:title>"
		    "T</dc:title></office:meta></office:document-meta>",
		    0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_EINPUT);
	assert_text(&r.nodes[0], "kept\ncut\nT\n");
	xrec_free(&r);
}

static void
test_mutated_packages_never_crash(void **state)
{
	unsigned char *zip, *m;
	size_t len, i, k;
	unsigned seed = 4242;
	struct xrec r;
	int rc;

	zip = zip_build(ods_parts, 2, "zip:compression=store", &len);
	assert_non_null(zip);
	m = malloc(len);
	assert_non_null(m);
	for (i = 0; i < 300; i++) {
		memcpy(m, zip, len);
		for (k = 0; k < 1 + i % 8; k++) {
			seed = seed * 1103515245u + 12345u;
			m[(seed >> 8) % len] = (unsigned char)(seed >> 24);
		}
		xrec_init(&r, NULL);
		rc = extract_odf(
		    r.x, xrec_node_new(&r, -1, "f", len), 0, m, len);
		assert_int_not_equal(rc, DLP_EFATAL);
		xrec_free(&r);
	}
	free(m);
	free(zip);
}

/* Files written by a real tool */

static void
test_odfpy_files_are_read(void **state)
{
	static const char script[] =
	    "import sys\n"
	    "from odf.opendocument import OpenDocumentSpreadsheet, "
	    "OpenDocumentText\n"
	    "from odf.table import Table, TableRow, TableCell\n"
	    "from odf.text import P\n"
	    "s = OpenDocumentSpreadsheet()\n"
	    "t = Table(name='名簿')\n"
	    "tr = TableRow(); t.addElement(tr)\n"
	    "c = TableCell(); c.addElement(P(text='山田太郎')); "
	    "tr.addElement(c)\n"
	    "c = TableCell(valuetype='float', value=" MYNUM ")\n"
	    "c.addElement(P(text='1.23457E+11')); tr.addElement(c)\n"
	    "s.spreadsheet.addElement(t)\n"
	    "s.save(sys.argv[1] + '/roster.ods')\n"
	    "d = OpenDocumentText()\n"
	    "d.text.addElement(P(text='個人番号 " MYNUM "'))\n"
	    "d.save(sys.argv[1] + '/memo.odt')\n";
	static const char *const files[] = { "roster.ods", "memo.odt", NULL };
	static const struct {
		const char *file, *text, *at, *label;
	} c[] = {
		{ "roster.ods", "山田太郎\t" MYNUM "\n", MYNUM, "名簿!B1" },
		{ "memo.odt", "個人番号 " MYNUM "\n", MYNUM, "document" },
	};
	char dir[64], path[128];
	unsigned char *data;
	struct xrec r;
	size_t i, len;
	int rc = zb_python("odf.opendocument", script, dir);

	if (rc == -1)
		skip();
	assert_int_equal(rc, 0);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, c[i].file);
		data = xrec_read_file(path, &len);
		assert_non_null(data);
		xrec_init(&r, NULL);
		assert_int_equal(xrec_run(&r, c[i].file, data, len), DLP_OK);
		assert_int_equal(r.nodes[0].enc, DLP_ENC_PLAIN);
		assert_non_null(strstr(xrec_text(&r.nodes[0]), c[i].text));
		assert_at(&r.nodes[0], c[i].at, c[i].label);
		xrec_free(&r);
		free(data);
	}
	zb_cleanup(dir, files);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_odt_body_text_follows_odf_structure),
		cmocka_unit_test(test_odt_headers_and_properties_are_located),
		cmocka_unit_test(
		    test_ods_cells_are_rows_with_float_values_as_digits),
		cmocka_unit_test(
		    test_ods_cells_are_located_by_sheet_and_reference),
		cmocka_unit_test(test_ods_huge_repeat_counts_cost_nothing),
		cmocka_unit_test(test_odp_pages_and_notes_are_located),
		cmocka_unit_test(test_manifest_encryption_names_the_method),
		cmocka_unit_test(
		    test_wholesale_package_without_manifest_is_encrypted),
		cmocka_unit_test(
		    test_manifest_claim_over_plain_body_is_not_believed),
		cmocka_unit_test(test_corpus_odf_files_are_judged_right),
		cmocka_unit_test(test_embedded_objects_are_read),
		cmocka_unit_test(test_package_without_content_is_einput),
		cmocka_unit_test(
		    test_malformed_content_keeps_text_before_damage),
		cmocka_unit_test(test_mutated_packages_never_crash),
		cmocka_unit_test(test_odfpy_files_are_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
