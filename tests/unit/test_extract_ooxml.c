/*
 * test_extract_ooxml - docx, xlsx and pptx text (extract_ooxml.c): runs
 * joined, tables as lines, headers/footers/comments/properties located,
 * cells as "Sheet!B7" with numbers as plain digits, slides in order with
 * their notes, embedded files as children; damaged packages end as
 * DLP_EINPUT, and bombs (entities, nesting, huge text, high ratio,
 * budgets) stay bounded.
 *
 * Inputs: packages built here with libarchive's writer (exact XML), files
 * written by python3-openpyxl and python3-docx (skipped when missing), and
 * the apache-poi rows of the external corpus. Numbers are synthetic.
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

#define XMLDECL "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
#define PKG_NS	"http://schemas.openxmlformats.org/package/2006/"
#define REL_NS \
	"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define REL(id, type, target)                                 \
	"<Relationship Id=\"" id "\" Type=\"" REL_NS "/" type \
	"\" Target=\"" target "\"/>"
#define RELS(body)                                                       \
	XMLDECL "<Relationships xmlns=\"" PKG_NS "relationships\">" body \
		"</Relationships>"
#define CT(main, type)                                                         \
	XMLDECL "<Types xmlns=\"" PKG_NS "content-types\">"                    \
		"<Default Extension=\"xml\" ContentType=\"application/xml\"/>" \
		"<Override PartName=\"" main "\" ContentType=\"application/"   \
		"vnd.openxmlformats-officedocument." type "\"/></Types>"
#define CT_DOCX CT("/word/document.xml", "wordprocessingml.document.main+xml")
#define CT_XLSX CT("/xl/workbook.xml", "spreadsheetml.sheet.main+xml")
#define CT_PPTX \
	CT("/ppt/presentation.xml", "presentationml.presentation.main+xml")
#define W_NS                                                                 \
	"xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/" \
	"main\""
#define MC_NS                                                                \
	"xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/" \
	"2006\""
#define DOC(body)                                              \
	XMLDECL "<w:document " W_NS " " MC_NS "><w:body>" body \
		"</w:body></w:document>"
#define P(text)		  "<w:p><w:r><w:t>" text "</w:t></w:r></w:p>"
#define ROOT_RELS(target) RELS(REL("rId1", "officeDocument", target))
#define S_NS                                                                   \
	"xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
	"xmlns:r=\"" REL_NS "\""
#define A_NS "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\""
#define P_NS                                                               \
	"xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/" \
	"main\" xmlns:r=\"" REL_NS "\""

/* Run the extractor over a zip of parts; r is initialised (xrec_free). */
static int
run_parts(struct xrec *r, const struct dlp_limits *lim,
    const struct zpart *parts, size_t n, const char *options)
{
	unsigned char *zip;
	size_t len;
	int rc;

	xrec_init(r, lim);
	zip = zip_build(parts, n, options, &len);
	assert_non_null(zip);
	rc = xrec_run(r, "f", zip, len);
	free(zip);
	return rc;
}

#define RUN(r, parts) \
	run_parts(r, NULL, parts, sizeof(parts) / sizeof(parts[0]), NULL)

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

/* docx bodies: one table of XML in, text out */

struct docx_case {
	const char *name;
	const char *body;
	const char *want;
};

static void
test_docx_body_text_follows_word_structure(void **state)
{
	static const struct docx_case c[] = {
		{ "runs of a paragraph join without separator",
		    "<w:p><w:r><w:t>1234</w:t></w:r><w:r><w:rPr><w:b/></w:rPr>"
		    "<w:t>5678</w:t></w:r><w:r><w:t>9018</w:t></w:r></w:p>",
		    "123456789018\n" },
		{ "paragraphs are lines", P("a") P("b"), "a\nb\n" },
		{ "tab in a run is a tab, a tab stop is not",
		    "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/>"
		    "</w:tabs></w:pPr><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t>"
		    "</w:r></w:p>",
		    "a\tb\n" },
		{ "break is a line",
		    "<w:p><w:r><w:t>a</w:t><w:br/><w:t>b</w:t></w:r></w:p>",
		    "a\nb\n" },
		{ "table cells are tabs, rows lines, cell paragraphs spaces",
		    "<w:tbl><w:tr><w:tc>" P("A") "</w:tc><w:tc>" P("B")
			P("B2") "</w:tc></w:tr><w:tr><w:tc><w:p/></"
				"w:tc><w:tc>" P("D") "</w:tc></w:tr></w:tbl>" P(
				    "after"),
		    "A\tB B2\n\tD\nafter\n" },
		{ "tracked deletion is read",
		    "<w:p><w:del><w:r><w:delText>0312</w:delText></w:r></w:del>"
		    "<w:ins><w:r><w:t>345678</w:t></w:r></w:ins></w:p>",
		    "0312345678\n" },
		{ "field code is read",
		    "<w:p><w:r><w:instrText xml:space=\"preserve\"> MERGEFIELD "
		    "x </w:instrText></w:r></w:p>",
		    " MERGEFIELD x \n" },
		{ "markup-compatibility fallback is not read twice",
		    "<w:p><w:r><mc:AlternateContent><mc:Choice "
		    "Requires=\"wps\">"
		    "<w:t>once</w:t></mc:Choice><mc:Fallback><w:t>once</w:t>"
		    "</mc:Fallback></mc:AlternateContent></w:r></w:p>",
		    "once\n" },
		{ "references are decoded",
		    "<w:p><w:r><w:t>a &amp; b &#x31;&#50;</w:t></w:r></w:p>",
		    "a & b 12\n" },
		{ "non-breaking hyphen is a hyphen",
		    "<w:p><w:r><w:t>03</w:t><w:noBreakHyphen/><w:t>1234</w:t>"
		    "</w:r></w:p>",
		    "03-1234\n" },
		{ "hidden text is read",
		    "<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>hidden</w:t></"
		    "w:r>"
		    "</w:p>",
		    "hidden\n" },
		{ "text outside runs is not",
		    "<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr>junk</w:p>",
		    "\n" },
		{ "CDATA is text",
		    "<w:p><w:r><w:t><![CDATA[<1234>]]></w:t></w:r></w:p>",
		    "<1234>\n" },
	};
	struct zpart parts[] = {
		{ "[Content_Types].xml", CT_DOCX, 0 },
		{ "_rels/.rels", ROOT_RELS("word/document.xml"), 0 },
		{ "word/document.xml", NULL, 0 },
	};
	char doc[4096];
	struct xrec r;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(doc, sizeof(doc), DOC("%s"), c[i].body);
		parts[2].data = doc;
		if (RUN(&r, parts) != DLP_OK)
			print_error("case %s: rc\n", c[i].name);
		assert_int_equal(r.nodes[0].enc, DLP_ENC_PLAIN);
		if (strcmp(xrec_text(&r.nodes[0]), c[i].want) != 0)
			print_error("case %s\n", c[i].name);
		assert_text(&r.nodes[0], c[i].want);
		xrec_free(&r);
	}
}

/* headers out of order; an external target is no part of the package */
#define DOCX_PART_RELS                                                         \
	RELS(REL("rId1", "footer", "footer1.xml")                              \
		REL("rId2", "header", "header2.xml") REL(                      \
		    "rId3", "header", "header10.xml") REL("rId4", "comments",  \
		    "comments.xml") "<Relationship Id=\"rId5\" Type=\"" REL_NS \
				    "/header\" Target=\"extra.xml\" "          \
				    "TargetMode=\"External\"/>")

static void
test_docx_parts_are_located_by_name(void **state)
{
	static const struct zpart parts[] = {
		{ "[Content_Types].xml", CT_DOCX, 0 },
		{ "_rels/.rels",
		    RELS(REL("rId1", "officeDocument", "word/document.xml")
			    REL("rId2", "metadata/core-properties",
				"docProps/core.xml")),
		    0 },
		{ "word/document.xml", DOC(P("body")), 0 },
		{ "word/_rels/document.xml.rels", DOCX_PART_RELS, 0 },
		{ "word/header10.xml", "<w:hdr " W_NS ">" P("h10") "</w:hdr>",
		    0 },
		{ "word/header2.xml", "<w:hdr " W_NS ">" P("h2") "</w:hdr>",
		    0 },
		{ "word/extra.xml", "<w:hdr " W_NS ">" P("external") "</w:hdr>",
		    0 },
		{ "word/footer1.xml", "<w:ftr " W_NS ">" P("f1") "</w:ftr>",
		    0 },
		{ "word/footnotes.xml",
		    "<w:footnotes " W_NS "><w:footnote w:id=\"1\">" P(
			"fn") "</w:footnote></w:footnotes>",
		    0 },
		{ "word/comments.xml",
		    "<w:comments " W_NS "><w:comment w:id=\"0\">" P(
			"remark") "</w:comment></w:comments>",
		    0 },
		{ "docProps/core.xml",
		    "<cp:coreProperties xmlns:cp=\"x\" "
		    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
		    "xmlns:dcterms=\"http://purl.org/dc/terms/\">"
		    "<dc:title>Roster</dc:title>\n  <dc:creator>Author "
		    "A</dc:creator>"
		    "<dcterms:created>2024-01-02T03:04:05Z</dcterms:created>"
		    "</cp:coreProperties>",
		    0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_OK);
	/* headers in number order (by relationship), the footnotes found
	   by their name, which no relationship gives */
	assert_text(
	    &r.nodes[0], "body\nh2\nh10\nf1\nfn\nremark\nRoster\nAuthor A\n");
	assert_at(&r.nodes[0], "body", "document");
	assert_at(&r.nodes[0], "h2", "header2");
	assert_at(&r.nodes[0], "h10", "header10");
	assert_at(&r.nodes[0], "f1", "footer1");
	assert_at(&r.nodes[0], "fn", "footnotes");
	assert_at(&r.nodes[0], "remark", "comments");
	assert_at(&r.nodes[0], "Roster", "properties");
	xrec_free(&r);
}

static void
test_docx_embedded_workbook_is_a_child_node(void **state)
{
	static const struct zpart inner[] = {
		{ "[Content_Types].xml", CT_XLSX, 0 },
		{ "_rels/.rels", ROOT_RELS("xl/workbook.xml"), 0 },
		{ "xl/workbook.xml",
		    "<workbook " S_NS
		    "><sheets><sheet name=\"S\" sheetId=\"1\" "
		    "r:id=\"rId1\"/></sheets></workbook>",
		    0 },
		{ "xl/_rels/workbook.xml.rels",
		    RELS(REL("rId1", "worksheet", "worksheets/sheet1.xml")),
		    0 },
		{ "xl/worksheets/sheet1.xml",
		    "<worksheet " S_NS "><sheetData><row r=\"1\"><c r=\"A1\">"
		    "<v>" MYNUM "</v></c></row></sheetData></worksheet>",
		    0 },
	};
	struct zpart parts[] = {
		{ "[Content_Types].xml", CT_DOCX, 0 },
		{ "_rels/.rels", ROOT_RELS("word/document.xml"), 0 },
		{ "word/document.xml", DOC(P("see the sheet")), 0 },
		{ "word/embeddings/Microsoft_Excel_Worksheet.xlsx", NULL, 0 },
	};
	struct xnode *c;
	struct xrec r;
	size_t len;
	char *x = (char *)zip_build(inner, 5, NULL, &len);

	assert_non_null(x);
	parts[3].data = x;
	parts[3].len = len;
	assert_int_equal(RUN(&r, parts), DLP_OK);
	assert_text(&r.nodes[0], "see the sheet\n");
	c = xrec_find(&r, "f/word/embeddings/Microsoft_Excel_Worksheet.xlsx");
	assert_non_null(c);
	assert_true(c->done);
	assert_text(c, MYNUM "\n");
	assert_at(c, MYNUM, "S!A1");
	xrec_free(&r);
	free(x);
}

static void
test_small_embedded_file_of_padding_is_not_a_ratio_bomb(void **state)
{
	static char zeros[600 * 1024];
	struct zpart parts[] = {
		{ "[Content_Types].xml", CT_DOCX, 0 },
		{ "_rels/.rels", ROOT_RELS("word/document.xml"), 0 },
		{ "word/document.xml", DOC(P("x")), 0 },
		{ "word/embeddings/oleObject1.bin", zeros, sizeof(zeros) },
	};
	struct xnode *c;
	struct xrec r;

	/* 600 KiB of zeros deflate about 1000:1, under the 1 MiB floor */
	assert_int_equal(RUN(&r, parts), DLP_OK);
	c = xrec_find(&r, "f/word/embeddings/oleObject1.bin");
	assert_non_null(c);
	assert_int_equal(c->enc, DLP_ENC_PLAIN);
	assert_true(c->done);
	xrec_free(&r);
}

/* xlsx */

#define SST                                                           \
	"<sst " S_NS " count=\"4\" uniqueCount=\"4\">"                \
	"<si><t>氏名</t></si>"                                      \
	"<si><r><t>山田</t></r><r><rPr><b/></rPr><t>太郎</t></r>" \
	"<rPh sb=\"0\" eb=\"2\"><t>ヤマダ</t></rPh></si>"          \
	"<si><t xml:space=\"preserve\">個人番号 </t></si>"        \
	"<si><t/></si></sst>"

static const struct zpart xlsx_parts[] = {
	{ "[Content_Types].xml", CT_XLSX, 0 },
	{ "_rels/.rels", ROOT_RELS("xl/workbook.xml"), 0 },
	{ "xl/workbook.xml",
	    "<workbook " S_NS "><workbookProtection workbookPassword=\"CC3D\" "
	    "lockStructure=\"1\"/><sheets>"
	    "<sheet name=\"名簿\" sheetId=\"2\" r:id=\"rId2\"/>"
	    "<sheet name=\"Chart\" sheetId=\"3\" r:id=\"rId3\"/>"
	    "<sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/>"
	    "</sheets></workbook>",
	    0 },
	{ "xl/_rels/workbook.xml.rels",
	    RELS(REL("rId1", "worksheet", "worksheets/sheet1.xml")
		    REL("rId2", "worksheet", "/xl/worksheets/./sheet2.xml")
			REL("rId3", "chartsheet", "chartsheets/sheet1.xml")
			    REL("rId4", "sharedStrings", "sharedStrings.xml")),
	    0 },
	{ "xl/worksheets/sheet1.xml",
	    "<worksheet " S_NS "><sheetProtection sheet=\"1\"/><sheetData>"
	    "<row r=\"1\"><c r=\"A1\"><v>0.30000000000000004</v></c>"
	    "<c r=\"B1\"><v>-1.5E-3</v></c></row>"
	    "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><r><t>in</t></r>"
	    "<r><t>line</t></r></is></c><c r=\"AA3\"><v>7</v></c></row>"
	    "</sheetData></worksheet>",
	    0 },
	{ "xl/worksheets/_rels/sheet1.xml.rels",
	    RELS(REL("rId1", "comments", "../comments1.xml")), 0 },
	{ "xl/comments1.xml",
	    "<comments " S_NS "><authors><author>Someone</author></authors>"
	    "<commentList><comment ref=\"B1\" authorId=\"0\"><text><r><t>"
	    "checked</t></r></text></comment></commentList></comments>",
	    0 },
	{ "xl/worksheets/sheet2.xml",
	    "<worksheet " S_NS "><sheetData>"
	    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>"
	    "<c r=\"B1\" t=\"s\"><v>2</v></c></row>"
	    "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c>"
	    "<c r=\"B2\"><v>" MYNUM "</v></c>"
	    "<c r=\"C2\"><v>1.23456789012E+11</v></c>"
	    "<c r=\"E2\" t=\"str\"><f>CONCAT(\"a\",\"b\")</f><v>ab</v></c>"
	    "</row>"
	    "<row><c t=\"b\"><v>1</v></c><c t=\"e\"><v>#N/A</v></c>"
	    "<c t=\"s\"><v>3</v></c><c t=\"s\"><v>99</v></c>"
	    "<c><v>9.99999999999999999E+2</v></c></row>"
	    "</sheetData></worksheet>",
	    0 },
	{ "xl/sharedStrings.xml", SST, 0 },
};

static void
test_xlsx_cells_are_rows_of_tabs_in_workbook_order(void **state)
{
	struct xrec r;

	assert_int_equal(RUN(&r, xlsx_parts), DLP_OK);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_PLAIN);
	/* the workbook's order (名簿 first), not the zip's; phonetic
	   readings dropped; skipped columns filled; sheet protection is
	   not encryption */
	assert_text(&r.nodes[0],
	    "氏名\t個人番号 \n"
	    "山田太郎\t" MYNUM "\t123456789012\t\tab\n"
	    "TRUE\t#N/A\t\t\t1000\n"
	    "0.3\t-0.0015\n"
	    "inline"
	    "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t7\n"
	    "checked\n");
	xrec_free(&r);
}

static void
test_xlsx_cells_are_located_by_sheet_and_reference(void **state)
{
	struct xrec r;

	assert_int_equal(RUN(&r, xlsx_parts), DLP_OK);
	assert_at(&r.nodes[0], "氏名", "名簿!A1");
	assert_at(&r.nodes[0], "山田太郎", "名簿!A2");
	assert_at(&r.nodes[0], MYNUM, "名簿!B2");
	assert_at(&r.nodes[0], "123456789012", "名簿!C2");
	assert_at(&r.nodes[0], "ab", "名簿!E2");
	/* a row without r is the next row, cells without r the next
	   column */
	assert_at(&r.nodes[0], "TRUE", "名簿!A3");
	assert_at(&r.nodes[0], "#N/A", "名簿!B3");
	assert_at(&r.nodes[0], "1000", "名簿!E3");
	assert_at(&r.nodes[0], "0.3", "Sheet1!A1");
	assert_at(&r.nodes[0], "inline", "Sheet1!A3");
	assert_at(&r.nodes[0], "7\n", "Sheet1!AA3");
	assert_at(&r.nodes[0], "checked", "Sheet1!B1");
	xrec_free(&r);
}

static void
test_xlsx_sheet_named_but_missing_is_corrupt_and_others_read(void **state)
{
	struct zpart parts[sizeof(xlsx_parts) / sizeof(xlsx_parts[0])];
	size_t i, n = 0;
	struct xrec r;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strcmp(xlsx_parts[i].name, "xl/worksheets/sheet1.xml") != 0)
			parts[n++] = xlsx_parts[i];
	assert_int_equal(run_parts(&r, NULL, parts, n, NULL), DLP_EINPUT);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(r.nodes[0].detail, "corrupt");
	assert_at(&r.nodes[0], MYNUM, "名簿!B2");
	xrec_free(&r);
}

/* One workbook of one sheet (with xl/sharedStrings.xml sst) */
static int
run_sheet(struct xrec *r, const char *sheet, const char *sst)
{
	const struct zpart parts[] = {
		{ "[Content_Types].xml", CT_XLSX, 0 },
		{ "_rels/.rels", ROOT_RELS("xl/workbook.xml"), 0 },
		{ "xl/workbook.xml",
		    "<workbook " S_NS
		    "><sheets><sheet name=\"S\" sheetId=\"1\" "
		    "r:id=\"rId1\"/></sheets></workbook>",
		    0 },
		{ "xl/_rels/workbook.xml.rels",
		    RELS(REL("rId1", "worksheet", "worksheets/sheet1.xml")
			    REL("rId2", "sharedStrings", "sharedStrings.xml")),
		    0 },
		{ "xl/worksheets/sheet1.xml", sheet, 0 },
		{ "xl/sharedStrings.xml", sst, 0 },
	};

	return run_parts(
	    r, NULL, parts, sizeof(parts) / sizeof(parts[0]), NULL);
}

#define X_SST                                                                  \
	"<x:sst xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/"    \
	"2006/main\"><x:si><x:t>名簿</x:t></x:si><x:si><x:r><x:t>山&amp;</" \
	"x:t>"                                                                 \
	"</x:r><x:r><x:t><![CDATA[<田>]]></x:t></x:r><x:rPh><x:t>ヤマダ"   \
	"</x:t></x:rPh></x:si></x:sst>"

/* The fast scanner reads what producers write, as libxml2 did */
static void
test_xlsx_prefixes_entities_cdata_and_quotes_read_as_cells(void **state)
{
	static const char sheet[] =
	    XMLDECL "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/"
		    "spreadsheetml/2006/main\"><x:sheetData><x:row r='1'>"
		    "<x:c t='s' r='A1'><x:v>0</x:v></x:c><x:c r=\"B1\" s='2' "
		    "t=\"s\"><x:v>1</x:v></x:c></x:row>\r\n<x:row r=\"2\"><x:c "
		    "r=\"A2\" t=\"inlineStr\"><x:is><x:t>&#x4E00;&#20108;"
		    "&lt;3&gt;</x:t></x:is></x:c><x:c r=\"C2\"><x:f>1+1</x:f>"
		    "<x:v>" MYNUM "</x:v></x:c><x:c r=\"D2\"/><x:c r=\"E2\" "
		    "t=\"str\"><x:v><![CDATA[a&b]]></x:v></x:c><!-- note -->"
		    "</x:row></x:sheetData></x:worksheet>";
	struct xrec r;

	assert_int_equal(run_sheet(&r, sheet, X_SST), DLP_OK);
	assert_text(&r.nodes[0],
	    "名簿\t山&<田>\n"
	    "一二<3>\t\t" MYNUM "\t\ta&b\n");
	assert_at(&r.nodes[0], "山&<田>", "S!B1");
	assert_at(&r.nodes[0], MYNUM, "S!C2");
	assert_at(&r.nodes[0], "a&b", "S!E2");
	xrec_free(&r);
}

/* A table of empty strings has no text at all: its cells are empty
   (tests/fuzz/regress: ubsan-empty-shared-strings-null-offset) */
static void
test_xlsx_shared_strings_all_empty_read_as_empty_cells(void **state)
{
	static const char sheet[] =
	    XMLDECL "<worksheet " S_NS "><sheetData><row r=\"1\">"
		    "<c r=\"A1\" t=\"s\"><v>0</v></c>"
		    "<c r=\"B1\" t=\"s\"><v>1</v></c>"
		    "<c r=\"C1\"><v>" MYNUM "</v></c></row>"
		    "</sheetData></worksheet>";
	static const char sst[] = "<sst " S_NS "><si><t></t></si><si><t/>"
				  "</si></sst>";
	struct xrec r;

	assert_int_equal(run_sheet(&r, sheet, sst), DLP_OK);
	assert_text(&r.nodes[0], "\t\t" MYNUM "\n");
	assert_at(&r.nodes[0], MYNUM, "S!C1");
	xrec_free(&r);
}

/* What the fast scanner does not read goes to libxml2 */
static void
test_xlsx_sheet_with_doctype_is_read_by_libxml2_and_expands_nothing(
    void **state)
{
	static const char sheet[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY e "
	    "\"" MYNUM "\">]><worksheet " S_NS "><sheetData><row r=\"1\">"
	    "<c r=\"A1\" t=\"inlineStr\"><is><t>before</t></is></c>"
	    "<c r=\"B1\" t=\"inlineStr\"><is><t>&e;</t></is></c></row>"
	    "</sheetData></worksheet>";
	static const char latin1[] =
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><worksheet " S_NS
	    "><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>"
	    "caf\xe9</t></is></c></row></sheetData></worksheet>";
	struct xrec r;

	assert_int_equal(run_sheet(&r, sheet, X_SST), DLP_EINPUT);
	assert_string_equal(r.nodes[0].detail, "corrupt");
	assert_null(strstr(xrec_text(&r.nodes[0]), MYNUM));
	assert_at(&r.nodes[0], "before", "S!A1");
	xrec_free(&r);
	assert_int_equal(run_sheet(&r, latin1, X_SST), DLP_OK);
	assert_at(&r.nodes[0], "café", "S!A1");
	xrec_free(&r);
}

static void
test_xlsx_damaged_sheet_keeps_cells_before_and_is_corrupt(void **state)
{
	static const char sheet[] =
	    "<worksheet " S_NS "><sheetData><row r=\"1\"><c r=\"A1\"><v>" MYNUM
	    "</v></c></row><row r=\"2\"><c r=\"A2\"><v>8.5</v></c>"
	    "<c r=\"B2\"><v>2</x></c></row></sheetData></worksheet>";
	struct xrec r;

	assert_int_equal(run_sheet(&r, sheet, X_SST), DLP_EINPUT);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(r.nodes[0].detail, "corrupt");
	assert_at(&r.nodes[0], MYNUM, "S!A1");
	assert_at(&r.nodes[0], "8.5", "S!A2");
	xrec_free(&r);
}

static void
test_xlsx_without_relationships_finds_sheets_by_name(void **state)
{
	static const struct zpart parts[] = {
		{ "xl/workbook.xml",
		    "<workbook " S_NS "><sheets><sheet name=\"Only\" "
		    "sheetId=\"1\" r:id=\"rId9\"/></sheets></workbook>",
		    0 },
		{ "[Content_Types].xml", CT_XLSX, 0 },
		{ "xl/worksheets/sheet1.xml",
		    "<worksheet " S_NS "><sheetData><row><c t=\"inlineStr\">"
		    "<is><t>x</t></is></c></row></sheetData></worksheet>",
		    0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_OK);
	assert_text(&r.nodes[0], "x\n");
	assert_at(&r.nodes[0], "x", "Only!A1");
	xrec_free(&r);
}

static void
test_xlsx_workbook_listing_no_sheets_reads_them_by_name(void **state)
{
	static const struct zpart parts[] = {
		{ "[Content_Types].xml", CT_XLSX, 0 },
		{ "_rels/.rels", ROOT_RELS("xl/workbook.xml"), 0 },
		{ "xl/workbook.xml", "<workbook " S_NS "/>", 0 },
		{ "xl/worksheets/sheet10.xml",
		    "<worksheet " S_NS "><sheetData><row><c><v>10</v></c></row>"
		    "</sheetData></worksheet>",
		    0 },
		{ "xl/worksheets/sheet2.xml",
		    "<worksheet " S_NS "><sheetData><row><c><v>2</v></c></row>"
		    "</sheetData></worksheet>",
		    0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_OK);
	assert_text(&r.nodes[0], "2\n10\n");
	assert_at(&r.nodes[0], "10", "sheet10!A1");
	xrec_free(&r);
}

/* pptx */

static void
test_pptx_slides_in_presentation_order_with_notes(void **state)
{
	static const struct zpart parts[] = {
		{ "[Content_Types].xml", CT_PPTX, 0 },
		{ "_rels/.rels", ROOT_RELS("ppt/presentation.xml"), 0 },
		{ "ppt/presentation.xml",
		    "<p:presentation " P_NS "><p:sldIdLst>"
		    "<p:sldId id=\"256\" r:id=\"rId3\"/>"
		    "<p:sldId id=\"257\" r:id=\"rId2\"/>"
		    "</p:sldIdLst></p:presentation>",
		    0 },
		{ "ppt/_rels/presentation.xml.rels",
		    RELS(REL("rId2", "slide", "slides/slide1.xml")
			    REL("rId3", "slide", "slides/slide2.xml")),
		    0 },
		{ "ppt/slides/slide1.xml",
		    "<p:sld " P_NS " " A_NS
		    "><p:cSld><p:spTree><p:sp><p:txBody>"
		    "<a:p><a:r><a:t>second </a:t></a:r><a:r><a:t>slide</a:t>"
		    "</a:r><a:br/><a:r><a:t>line</a:t></a:r></a:p>"
		    "<a:p><a:pPr><a:tabLst><a:tab "
		    "pos=\"1\"/></a:tabLst></a:pPr>"
		    "<a:fld type=\"slidenum\"><a:t>2</a:t></a:fld></a:p>"
		    "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>",
		    0 },
		{ "ppt/slides/slide2.xml",
		    "<p:sld " P_NS " " A_NS
		    "><p:cSld><p:spTree><p:graphicFrame>"
		    "<a:graphic><a:graphicData><a:tbl><a:tr><a:tc><a:txBody>"
		    "<a:p><a:r><a:t>A</a:t></a:r></a:p></a:txBody></a:tc><a:tc>"
		    "<a:txBody><a:p><a:r><a:t>B</a:t></a:r></a:p></a:txBody>"
		    "</a:tc></a:tr></a:tbl></a:graphicData></a:graphic>"
		    "</p:graphicFrame></p:spTree></p:cSld></p:sld>",
		    0 },
		{ "ppt/slides/_rels/slide2.xml.rels",
		    RELS(REL("rId1", "notesSlide",
			"../notesSlides/notesSlide7.xml")),
		    0 },
		{ "ppt/notesSlides/notesSlide7.xml",
		    "<p:notes " P_NS " " A_NS "><p:cSld><p:spTree><p:sp>"
		    "<p:txBody><a:p><a:r><a:t>say it</a:t></a:r></a:p>"
		    "</p:txBody></p:sp></p:spTree></p:cSld></p:notes>",
		    0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_OK);
	assert_text(&r.nodes[0], "A\tB\nsay it\nsecond slide\nline\n2\n");
	assert_at(&r.nodes[0], "A\tB", "slide1");
	assert_at(&r.nodes[0], "say it", "notes1");
	assert_at(&r.nodes[0], "second", "slide2");
	xrec_free(&r);
}

/* Damage */

static void
test_package_without_main_part_is_einput(void **state)
{
	static const struct zpart parts[] = {
		{ "[Content_Types].xml", CT_DOCX, 0 },
		{ "_rels/.rels", ROOT_RELS("word/document.xml"), 0 },
		{ "word/styles.xml", "<x/>", 0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_EINPUT);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(r.nodes[0].detail, "corrupt");
	xrec_free(&r);
}

static void
test_binary_workbook_is_unsupported_not_plain(void **state)
{
	static const struct zpart parts[] = {
		{ "[Content_Types].xml",
		    CT("/xl/workbook.bin",
			"spreadsheetml.sheet.binary.macroEnabled.main"),
		    0 },
		{ "_rels/.rels", ROOT_RELS("xl/workbook.bin"), 0 },
		{ "xl/workbook.bin", "\x83\x01\x00", 3 },
	};
	struct xrec r;

	/* the content type says "ms-excel.sheet.binary" in real files */
	assert_int_equal(RUN(&r, parts), DLP_OK);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(r.nodes[0].detail, "unsupported");
	xrec_free(&r);
}

static void
test_malformed_xml_keeps_text_before_damage_and_is_einput(void **state)
{
	static const struct zpart parts[] = {
		{ "[Content_Types].xml", CT_DOCX, 0 },
		{ "_rels/.rels", ROOT_RELS("word/document.xml"), 0 },
		{ "word/document.xml",
		    "<w:document " W_NS "><w:body>" P("kept")
			P("also") "<w:p><w:r><w:t>cut</w:r></w:p>",
		    0 },
		{ "word/footer1.xml", "<w:ftr " W_NS ">" P("footer") "</w:ftr>",
		    0 },
	};
	struct xrec r;

	assert_int_equal(RUN(&r, parts), DLP_EINPUT);
	/* the damaged part's text so far, and the other parts */
	assert_text(&r.nodes[0], "kept\nalso\ncut\nfooter\n");
	xrec_free(&r);
}

static void
test_truncated_and_garbage_packages_end_as_einput(void **state)
{
	unsigned char *zip;
	size_t len, cut;
	struct xrec r;
	int rc;

	zip = zip_build(
	    xlsx_parts, sizeof(xlsx_parts) / sizeof(xlsx_parts[0]), NULL, &len);
	assert_non_null(zip);
	for (cut = 0; cut < len; cut += len / 37 + 1) {
		xrec_init(&r, NULL);
		rc = extract_ooxml(
		    r.x, xrec_node_new(&r, -1, "f", cut), 0, zip, cut);
		/* a cut zip may still give its first parts, never EFATAL */
		assert_true(
		    rc == DLP_EINPUT || rc == DLP_OK || rc == DLP_PARTIAL);
		if (cut < len / 2)
			assert_int_equal(rc, DLP_EINPUT);
		xrec_free(&r);
	}
	xrec_init(&r, NULL);
	assert_int_equal(
	    extract_ooxml(r.x, xrec_node_new(&r, -1, "f", 5), 0, "hello", 5),
	    DLP_EINPUT);
	xrec_free(&r);
	free(zip);
}

static void
test_zip_encrypted_package_is_never_plain(void **state)
{
	static const struct zpart parts[] = {
		{ "[Content_Types].xml", CT_DOCX, 0 },
		{ "_rels/.rels", ROOT_RELS("word/document.xml"), 0 },
		{ "word/document.xml", DOC(P(MYNUM)), 0 },
	};
	struct xnode *c;
	struct xrec r;
	size_t i;

	assert_int_equal(
	    run_parts(&r, NULL, parts, 3, "zip:encryption=traditional"),
	    DLP_OK);
	/* handed to the archive reader, which names the method of each
	   member; no text is read as plain */
	c = xrec_find(&r, "f/word/document.xml");
	assert_non_null(c);
	assert_int_equal(c->enc, DLP_ENC_ENCRYPTED);
	assert_string_equal(c->detail, "zipcrypto");
	for (i = 0; i < r.n; i++)
		assert_null(strstr(xrec_text(&r.nodes[i]), MYNUM));
	xrec_free(&r);
}

/* Bombs and limits */

static struct zpart bomb_parts[] = {
	{ "[Content_Types].xml", CT_DOCX, 0 },
	{ "_rels/.rels", ROOT_RELS("word/document.xml"), 0 },
	{ "word/document.xml", NULL, 0 },
};

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void
test_billion_laughs_expands_nothing(void **state)
{
	static const char doc[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE w:document ["
	    "<!ENTITY lol \"lol\">"
	    "<!ENTITY lol1 "
	    "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	    "<!ENTITY lol2 "
	    "\"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	    "<!ENTITY lol3 "
	    "\"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	    "<!ENTITY lol4 "
	    "\"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	    "<!ENTITY lol5 "
	    "\"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	    "<!ENTITY lol6 "
	    "\"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	    "<!ENTITY lol7 "
	    "\"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	    "<!ENTITY lol8 "
	    "\"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	    "<!ENTITY lol9 "
	    "\"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
	    "<!ENTITY ext SYSTEM \"file:///etc/passwd\">"
	    "]><w:document " W_NS "><w:body><w:p><w:r><w:t>before&lol9;"
	    "&ext;after</w:t></w:r></w:p></w:body></w:document>";
	struct xrec r;
	double t0 = now_ms();

	bomb_parts[2].data = doc;
	assert_int_equal(RUN(&r, bomb_parts), DLP_EINPUT);
	assert_true(now_ms() - t0 < 2000);
	assert_null(strstr(xrec_text(&r.nodes[0]), "lol"));
	assert_null(strstr(xrec_text(&r.nodes[0]), "root:"));
	assert_non_null(strstr(xrec_text(&r.nodes[0]), "before"));
	assert_true(r.nodes[0].text.len < 100);
	xrec_free(&r);
}

static void
test_deep_nesting_stops_at_libxml2_depth(void **state)
{
	char *doc = zb_repeat("<w:document " W_NS "><w:body><w:p><w:r><w:t>"
			      "top</w:t></w:r></w:p>",
	    "<w:sdt>", 100000, "</w:body></w:document>");
	struct xrec r;
	double t0 = now_ms();

	assert_non_null(doc);
	bomb_parts[2].data = doc;
	assert_int_equal(RUN(&r, bomb_parts), DLP_EINPUT);
	assert_true(now_ms() - t0 < 5000);
	assert_text(&r.nodes[0], "top\n");
	xrec_free(&r);
	free(doc);
}

static void
test_huge_text_node_is_cut_at_member_limit(void **state)
{
	char *doc = zb_repeat("<w:document " W_NS "><w:body><w:p><w:r><w:t>",
	    "A", 50u << 20, "</w:t></w:r></w:p></w:body></w:document>");
	struct dlp_limits lim;
	struct xrec r;

	assert_non_null(doc);
	xrec_init(&r, NULL);
	lim = r.lim;
	xrec_free(&r);
	lim.max_member_bytes = 8u << 20;
	lim.max_ratio = 0; /* this test is about size */
	bomb_parts[2].data = doc;
	assert_int_equal(run_parts(&r, &lim, bomb_parts, 3, NULL), DLP_PARTIAL);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(r.nodes[0].detail, "limit:size");
	assert_true(r.nodes[0].text.len > (7u << 20));
	assert_true(r.nodes[0].text.len <= (8u << 20));
	xrec_free(&r);
	free(doc);
}

static void
test_high_ratio_part_is_cut_at_ratio_limit(void **state)
{
	char *doc = zb_repeat("<w:document " W_NS "><w:body><w:p><w:r><w:t>",
	    "A", 20u << 20, "</w:t></w:r></w:p></w:body></w:document>");
	struct xrec r;

	assert_non_null(doc);
	bomb_parts[2].data = doc;
	/* 20 MiB of one letter deflates about 1000:1, past 200 */
	assert_int_equal(RUN(&r, bomb_parts), DLP_PARTIAL);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(r.nodes[0].detail, "limit:ratio");
	assert_true(r.nodes[0].text.len < (4u << 20));
	xrec_free(&r);
	free(doc);
}

static void
test_expanded_budget_cuts_the_package(void **state)
{
	char *doc = zb_repeat("<w:document " W_NS "><w:body>",
	    "<w:p><w:r><w:t>0123456789</w:t></w:r></w:p>", 50000,
	    "</w:body></w:document>");
	struct dlp_limits lim;
	struct xrec r;

	assert_non_null(doc);
	xrec_init(&r, NULL);
	lim = r.lim;
	xrec_free(&r);
	lim.max_expanded_bytes = 1u << 20;
	bomb_parts[2].data = doc;
	assert_int_equal(run_parts(&r, &lim, bomb_parts, 3, NULL), DLP_PARTIAL);
	assert_string_equal(r.nodes[0].detail, "limit:expanded");
	xrec_free(&r);
	free(doc);
}

static void
test_full_sink_stops_the_parse(void **state)
{
	char *doc = zb_repeat("<w:document " W_NS "><w:body>",
	    "<w:p><w:r><w:t>0123456789</w:t></w:r></w:p>", 200000,
	    "</w:body></w:document>");
	unsigned char *zip;
	size_t len;
	struct xrec r;
	long id;

	assert_non_null(doc);
	bomb_parts[2].data = doc;
	zip = zip_build(bomb_parts, 3, NULL, &len);
	assert_non_null(zip);
	xrec_init(&r, NULL);
	id = xrec_node_new(&r, -1, "f", len);
	r.nodes[id].text.max = 100000; /* the sink's budget for this node */
	assert_int_equal(extract_ooxml(r.x, id, 0, zip, len), DLP_PARTIAL);
	assert_true(r.nodes[id].text.len <= 100000);
	xrec_free(&r);
	free(zip);
	free(doc);
}

static void
test_too_many_members_is_limit_members(void **state)
{
	static const struct zpart parts[] = {
		{ "[Content_Types].xml", CT_DOCX, 0 },
		{ "_rels/.rels", ROOT_RELS("word/document.xml"), 0 },
		{ "word/document.xml", DOC(P("x")), 0 },
		{ "a", "a", 0 },
		{ "b", "b", 0 },
	};
	struct dlp_limits lim;
	struct xrec r;

	xrec_init(&r, NULL);
	lim = r.lim;
	xrec_free(&r);
	lim.max_members = 3;
	assert_int_equal(run_parts(&r, &lim, parts, 5, NULL), DLP_PARTIAL);
	assert_string_equal(r.nodes[0].detail, "limit:members");
	assert_text(&r.nodes[0], "x\n");
	xrec_free(&r);
}

/* A cheap fuzz: mutated packages never crash, hang or end as EFATAL. */
static void
test_mutated_packages_never_crash(void **state)
{
	unsigned char *zip, *m;
	size_t len, i, k;
	unsigned seed = 12345;
	struct xrec r;
	int rc;

	zip = zip_build(xlsx_parts, sizeof(xlsx_parts) / sizeof(xlsx_parts[0]),
	    "zip:compression=store", &len);
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
		rc = extract_ooxml(
		    r.x, xrec_node_new(&r, -1, "f", len), 0, m, len);
		assert_int_not_equal(rc, DLP_EFATAL);
		xrec_free(&r);
	}
	free(m);
	free(zip);
}

/* Files written by real tools */

static void
test_openpyxl_number_cell_reads_as_twelve_digits(void **state)
{
	static const char script[] =
	    "import openpyxl, sys\n"
	    "wb = openpyxl.Workbook()\n"
	    "ws = wb.active\n"
	    "ws.title = '名簿'\n"
	    "ws['A1'] = '氏名'; ws['B1'] = '個人番号'; ws['C1'] = '浮動'\n"
	    "ws['A2'] = '山田太郎'; ws['B2'] = " MYNUM "\n"
	    "ws['C2'] = float(" MYNUM ")\n"
	    "ws['D2'] = '" MYNUM "'\n"
	    "ws['B3'] = 1.2e20\n"
	    "wb.save(sys.argv[1] + '/roster.xlsx')\n";
	static const char *const files[] = { "roster.xlsx", NULL };
	char dir[64], path[128];
	unsigned char *data;
	struct xrec r;
	size_t len;
	int rc = zb_python("openpyxl", script, dir);

	if (rc == -1)
		skip();
	assert_int_equal(rc, 0);
	snprintf(path, sizeof(path), "%s/roster.xlsx", dir);
	data = xrec_read_file(path, &len);
	zb_cleanup(dir, files);
	assert_non_null(data);
	xrec_init(&r, NULL);
	assert_int_equal(xrec_run(&r, "roster.xlsx", data, len), DLP_OK);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_non_null(strstr(xrec_text(&r.nodes[0]),
	    "山田太郎\t" MYNUM "\t" MYNUM "\t" MYNUM "\n"));
	assert_non_null(
	    strstr(xrec_text(&r.nodes[0]), "\t120000000000000000000\n"));
	assert_at(&r.nodes[0], MYNUM, "名簿!B2");
	xrec_free(&r);
	free(data);
}

static void
test_python_docx_number_split_across_runs_is_joined(void **state)
{
	static const char script[] =
	    "import docx, sys\n"
	    "d = docx.Document()\n"
	    "p = d.add_paragraph()\n"
	    "p.add_run('個人番号: ')\n"
	    "p.add_run('4926').bold = True\n"
	    "p.add_run('3817')\n"
	    "p.add_run('5029').italic = True\n"
	    "t = d.add_table(rows=1, cols=2)\n"
	    "t.cell(0, 0).text = '氏名'\n"
	    "t.cell(0, 1).text = '山田太郎'\n"
	    "d.sections[0].header.paragraphs[0].text = '社外秘'\n"
	    "d.core_properties.author = '作成者X'\n"
	    "d.save(sys.argv[1] + '/memo.docx')\n";
	static const char *const files[] = { "memo.docx", NULL };
	char dir[64], path[128];
	unsigned char *data;
	struct xrec r;
	size_t len;
	int rc = zb_python("docx", script, dir);

	if (rc == -1)
		skip();
	assert_int_equal(rc, 0);
	snprintf(path, sizeof(path), "%s/memo.docx", dir);
	data = xrec_read_file(path, &len);
	zb_cleanup(dir, files);
	assert_non_null(data);
	xrec_init(&r, NULL);
	assert_int_equal(xrec_run(&r, "memo.docx", data, len), DLP_OK);
	assert_non_null(
	    strstr(xrec_text(&r.nodes[0]), "個人番号: " MYNUM "\n"));
	assert_non_null(strstr(xrec_text(&r.nodes[0]), "氏名\t山田太郎\n"));
	assert_at(&r.nodes[0], MYNUM, "document");
	assert_at(&r.nodes[0], "社外秘", "header1");
	assert_at(&r.nodes[0], "作成者X", "properties");
	xrec_free(&r);
	free(data);
}

/* The corpus: plain and protected-but-not-encrypted OOXML */

static void
test_corpus_plain_and_protected_files_are_read(void **state)
{
	static const struct {
		const char *file, *text;
	} c[] = {
		{ "apache-poi/SampleDoc.docx", "I am a test document" },
		{ "apache-poi/SampleDoc.docx", "This is page two" },
		{ "apache-poi/SampleSS.xlsx", "Test spreadsheet" },
		{ "apache-poi/SampleSS.xlsx", "2nd row\t2nd row 2nd column" },
		{ "apache-poi/SampleSS.xlsx", "Start of 2nd sheet" },
		{ "apache-poi/with_japanese.pptx", "ゾルゲと尾崎" },
		{ "apache-poi/HeaderFooterUnicode.docx",
		    "with a € euro symbol" },
		{ "apache-poi/HeaderFooterUnicode.docx",
		    "with Molière, has Unicode" },
		{ "apache-poi/documentProtection_readonly_no_password.docx",
		    "Readonly senza password." },
		{ "apache-poi/protected_sample.docx", "Un due tre prova" },
		{ "apache-poi/sheetProtection_allLocked.xlsx", "Foglio1" },
		{ "apache-poi/workbookProtection-workbook_password-2013.xlsx",
		    "testcontent" },
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
		assert_int_equal(r.nodes[0].enc, DLP_ENC_PLAIN);
		if (strstr(xrec_text(&r.nodes[0]), c[i].text) == NULL)
			print_error("%s: no \"%s\" in \"%s\"\n", c[i].file,
			    c[i].text, xrec_text(&r.nodes[0]));
		assert_non_null(strstr(xrec_text(&r.nodes[0]), c[i].text));
		xrec_free(&r);
		free(data);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docx_body_text_follows_word_structure),
		cmocka_unit_test(test_docx_parts_are_located_by_name),
		cmocka_unit_test(test_docx_embedded_workbook_is_a_child_node),
		cmocka_unit_test(
		    test_small_embedded_file_of_padding_is_not_a_ratio_bomb),
		cmocka_unit_test(
		    test_xlsx_cells_are_rows_of_tabs_in_workbook_order),
		cmocka_unit_test(
		    test_xlsx_cells_are_located_by_sheet_and_reference),
		cmocka_unit_test(
		    test_xlsx_sheet_named_but_missing_is_corrupt_and_others_read),
		cmocka_unit_test(
		    test_xlsx_prefixes_entities_cdata_and_quotes_read_as_cells),
		cmocka_unit_test(
		    test_xlsx_shared_strings_all_empty_read_as_empty_cells),
		cmocka_unit_test(
		    test_xlsx_sheet_with_doctype_is_read_by_libxml2_and_expands_nothing),
		cmocka_unit_test(
		    test_xlsx_damaged_sheet_keeps_cells_before_and_is_corrupt),
		cmocka_unit_test(
		    test_xlsx_without_relationships_finds_sheets_by_name),
		cmocka_unit_test(
		    test_xlsx_workbook_listing_no_sheets_reads_them_by_name),
		cmocka_unit_test(
		    test_pptx_slides_in_presentation_order_with_notes),
		cmocka_unit_test(test_package_without_main_part_is_einput),
		cmocka_unit_test(test_binary_workbook_is_unsupported_not_plain),
		cmocka_unit_test(
		    test_malformed_xml_keeps_text_before_damage_and_is_einput),
		cmocka_unit_test(
		    test_truncated_and_garbage_packages_end_as_einput),
		cmocka_unit_test(test_zip_encrypted_package_is_never_plain),
		cmocka_unit_test(test_billion_laughs_expands_nothing),
		cmocka_unit_test(test_deep_nesting_stops_at_libxml2_depth),
		cmocka_unit_test(test_huge_text_node_is_cut_at_member_limit),
		cmocka_unit_test(test_high_ratio_part_is_cut_at_ratio_limit),
		cmocka_unit_test(test_expanded_budget_cuts_the_package),
		cmocka_unit_test(test_full_sink_stops_the_parse),
		cmocka_unit_test(test_too_many_members_is_limit_members),
		cmocka_unit_test(test_mutated_packages_never_crash),
		cmocka_unit_test(
		    test_openpyxl_number_cell_reads_as_twelve_digits),
		cmocka_unit_test(
		    test_python_docx_number_split_across_runs_is_joined),
		cmocka_unit_test(
		    test_corpus_plain_and_protected_files_are_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
