/*
 * test_extract_tnef - extract_tnef(): TNEF streams built byte by byte
 * here (attributes with their checksums, MAPI property lists, recipient
 * tables, embedded messages, compressed RTF bodies), the corpus file
 * mimekit/two-files.tnef, and every kind of damage: truncation, bad
 * checksums, lengths and counts past the end, unknown property types.
 *
 * Inputs: the external corpus (../shared/corpus/external, read-only),
 * from the project root as tests/run-tests runs them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract_util.h"
#include "zipbuild_util.h"

#define CORPUS "../shared/corpus/external/"

/* synthetic My Numbers (valid check digits) */
#define MYNUM  "730192846518"
#define MYNUM2 "864209753183"

/* attributes and properties of [MS-OXTNEF] */
#define LVL_MSG		   1
#define LVL_ATT		   2
#define ATT_SUBJECT	   0x00018004u
#define ATT_BODY	   0x0002800Cu
#define ATT_ATTACH_DATA	   0x0006800Fu
#define ATT_ATTACH_TITLE   0x00018010u
#define ATT_ATTACH_REND	   0x00069002u
#define ATT_MAPI_PROPS	   0x00069003u
#define ATT_RECIP_TABLE	   0x00069004u
#define ATT_ATTACHMENT	   0x00069005u
#define ATT_OEM_CODEPAGE   0x00069007u
#define ATT_MESSAGE_CLASS  0x00078008u
#define PT_I2		   0x0002u
#define PT_I4		   0x0003u
#define PT_OBJECT	   0x000Du
#define PT_STRING8	   0x001Eu
#define PT_UNICODE	   0x001Fu
#define PT_BINARY	   0x0102u
#define PT_MV		   0x1000u
#define PR_SUBJECT	   0x0037u
#define PR_DISPLAY_TO	   0x0E04u
#define PR_BODY		   0x1000u
#define PR_RTF_COMPRESSED  0x1009u
#define PR_BODY_HTML	   0x1013u
#define PR_DISPLAY_NAME	   0x3001u
#define PR_EMAIL_ADDRESS   0x3003u
#define PR_ATTACH_DATA	   0x3701u
#define PR_ATTACH_LONGNAME 0x3707u

/* A minimal xlsx: one sheet "S" whose A1 is a number */
#define PKG_NS "http://schemas.openxmlformats.org/package/2006/"
#define REL_NS \
	"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define REL(id, type, target)                                 \
	"<Relationship Id=\"" id "\" Type=\"" REL_NS "/" type \
	"\" Target=\"" target "\"/>"
#define RELS(body)                                               \
	"<Relationships xmlns=\"" PKG_NS "relationships\">" body \
	"</Relationships>"
#define S_NS                                                                   \
	"xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
	"xmlns:r=\"" REL_NS "\""

/* Builders */

static void
b8(struct buf *b, unsigned v)
{
	assert_int_equal(buf_putc(b, (int)(v & 0xFF)), BUF_OK);
}

static void
b16(struct buf *b, unsigned v)
{
	b8(b, v);
	b8(b, v >> 8);
}

static void
b32(struct buf *b, uint32_t v)
{
	b16(b, v & 0xFFFF);
	b16(b, v >> 16);
}

static void
bmem(struct buf *b, const void *p, size_t n)
{
	if (n > 0)
		assert_int_equal(buf_append(b, p, n), BUF_OK);
}

static void
bpad(struct buf *b)
{
	while (b->len % 4 != 0)
		b8(b, 0);
}

/* UTF-8 (BMP only, as the tests use) to UTF-16LE, NUL-terminated. */
static void
butf16(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c;

	while (*p) {
		if (*p < 0x80) {
			c = *p++;
		} else if ((*p & 0xE0) == 0xC0) {
			c = (p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu);
			p += 2;
		} else {
			c = (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 |
			    (p[2] & 0x3Fu);
			p += 3;
		}
		b16(b, c);
	}
	b16(b, 0);
}

/* A stream: the signature and a legacy key. */
static void
tnef_start(struct buf *b)
{
	buf_init(b, 1 << 22);
	b32(b, 0x223E9F78u);
	b16(b, 0x1234);
}

static unsigned
checksum(const void *p, size_t n)
{
	const unsigned char *c = p;
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += c[i];
	return sum & 0xFFFF;
}

static void
tnef_attr(struct buf *b, unsigned level, uint32_t id, const void *p, size_t n)
{
	b8(b, level);
	b32(b, id);
	b32(b, (uint32_t)n);
	bmem(b, p, n);
	b16(b, checksum(p, n));
}

/* A NUL-terminated string attribute. */
static void
tnef_str(struct buf *b, unsigned level, uint32_t id, const char *s)
{
	tnef_attr(b, level, id, s, strlen(s) + 1);
}

/* An attachment's bytes (no NUL: a text file is text). */
static void
tnef_data(struct buf *b, const char *s)
{
	tnef_attr(b, LVL_ATT, ATT_ATTACH_DATA, s, strlen(s));
}

/* MAPI property values (the list's count is written by the caller). */
static void
prop_var(struct buf *b, unsigned type, unsigned id, const void *p, size_t n)
{
	b16(b, type);
	b16(b, id);
	b32(b, 1);
	b32(b, (uint32_t)n);
	bmem(b, p, n);
	bpad(b);
}

static void
prop_str8(struct buf *b, unsigned id, const char *s)
{
	prop_var(b, PT_STRING8, id, s, strlen(s) + 1);
}

static void
prop_unicode(struct buf *b, unsigned id, const char *utf8)
{
	struct buf u;

	buf_init(&u, 1 << 16);
	butf16(&u, utf8);
	prop_var(b, PT_UNICODE, id, u.data, u.len);
	buf_free(&u);
}

/* Running */

struct run {
	struct xrec r;
	int rc;
};

static void
run(struct run *t, const struct dlp_limits *lim, const struct buf *b)
{
	xrec_init(&t->r, lim);
	t->rc = xrec_run(&t->r, "winmail.dat", b->data, b->len);
}

static struct xnode *
child(struct run *t, const char *name)
{
	char path[1100];

	snprintf(path, sizeof(path), "winmail.dat/%s", name);
	return xrec_find(&t->r, path);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not in:\n%s", needle, hay);
}

static void
all_done(struct run *t)
{
	size_t i;

	for (i = 0; i < t->r.n; i++)
		assert_true(t->r.nodes[i].done);
}

/* Tests */

static void
test_identified_by_its_signature_and_dispatched(void **state)
{
	struct buf b;
	struct run t;

	tnef_start(&b);
	tnef_str(&b, LVL_MSG, ATT_SUBJECT, "hello");
	assert_string_equal(
	    extract_signature(b.data, b.len), "application/vnd.ms-tnef");
	run(&t, NULL, &b);
	assert_int_equal(t.rc, DLP_OK);
	assert_string_equal(t.r.nodes[0].type, "application/vnd.ms-tnef");
	assert_string_equal(xrec_text(&t.r.nodes[0]), "hello\n");
	xrec_free(&t.r);
	buf_free(&b);
}

static void
test_subject_body_and_attachments_become_text_and_members(void **state)
{
	static const char csv[] = "氏名,個人番号\n山田 太郎," MYNUM "\n";
	struct buf b, props;
	struct xnode *n;
	struct run t;

	tnef_start(&b);
	tnef_str(&b, LVL_MSG, ATT_MESSAGE_CLASS, "IPM.Microsoft Mail.Note");
	/* code page 932: the title below is CP932 */
	tnef_attr(&b, LVL_MSG, ATT_OEM_CODEPAGE, "\xa4\x03\0\0\0\0\0\0", 8);
	tnef_str(&b, LVL_MSG, ATT_SUBJECT, "\x96\xbc\x95\xeb"); /* 名簿 */
	tnef_str(&b, LVL_MSG, ATT_BODY, "see the roster");
	/* an attachment named by its title */
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_REND, "\1\0\0\0", 4);
	tnef_str(&b, LVL_ATT, ATT_ATTACH_TITLE, "\x96\xbc\x95\xeb.csv");
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_DATA, csv, strlen(csv));
	/* one named by its long file name (separators made '_') */
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_REND, "\1\0\0\0", 4);
	tnef_str(&b, LVL_ATT, ATT_ATTACH_TITLE, "LONGFI~1.TXT");
	tnef_data(&b, "second " MYNUM2);
	buf_init(&props, 1 << 16);
	b32(&props, 1);
	prop_unicode(&props, PR_ATTACH_LONGNAME, "長い名前 2024/11.txt");
	tnef_attr(&b, LVL_ATT, ATT_ATTACHMENT, props.data, props.len);
	/* one with no name at all */
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_REND, "\1\0\0\0", 4);
	tnef_data(&b, "third");

	run(&t, NULL, &b);
	assert_int_equal(t.rc, DLP_OK);
	assert_int_equal(t.r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_string_equal(xrec_text(&t.r.nodes[0]), "名簿\nsee the roster\n");
	assert_string_equal(xrec_location_of(&t.r.nodes[0], "名簿"), "subject");
	assert_string_equal(xrec_location_of(&t.r.nodes[0], "see the"), "body");
	assert_non_null(n = child(&t, "名簿.csv"));
	assert_string_equal(n->type, "text/csv");
	assert_string_equal(xrec_text(n), csv);
	assert_non_null(n = child(&t, "長い名前 2024_11.txt"));
	assert_contains(xrec_text(n), "second " MYNUM2);
	assert_non_null(n = child(&t, "attachment3"));
	assert_string_equal(xrec_text(n), "third");
	assert_int_equal(t.r.n, 4);
	all_done(&t);
	xrec_free(&t.r);
	buf_free(&b);
	buf_free(&props);
}

static void
test_mapi_properties_recipients_and_bodies_are_read(void **state)
{
	static const char rtf[] = "{\\rtf1\\ansi rtf body " MYNUM "}";
	static const char html[] = "<p>html body " MYNUM2 "</p>";
	struct buf b, props, mela, recips;
	struct xnode *n;
	struct run t;

	buf_init(&mela, 1 << 12);
	b32(&mela, (uint32_t)(12 + strlen(rtf)));
	b32(&mela, (uint32_t)strlen(rtf));
	bmem(&mela, "MELA", 4);
	b32(&mela, 0);
	bmem(&mela, rtf, strlen(rtf));

	buf_init(&props, 1 << 16);
	b32(&props, 8);
	prop_unicode(&props, PR_SUBJECT, "件名 unicode");
	/* fixed-size values: an Int16 (padded) and an Int32 */
	b16(&props, PT_I2);
	b16(&props, 0x0017);
	b32(&props, 1);
	b16(&props, PT_I4);
	b16(&props, 0x0E07);
	b32(&props, 0x11);
	/* a named property (a string name): skipped with its value */
	b16(&props, PT_STRING8);
	b16(&props, 0x8005);
	bmem(&props, "0123456789abcdef", 16);
	b32(&props, 1);
	b32(&props, 6);
	bmem(&props, "n\0m\0e\0", 6);
	bpad(&props);
	b32(&props, 1);
	b32(&props, 7);
	bmem(&props, "hidden", 7);
	bpad(&props);
	/* a multi-valued Int32: skipped */
	b16(&props, PT_I4 | PT_MV);
	b16(&props, 0x1234);
	b32(&props, 3);
	b32(&props, 1);
	b32(&props, 2);
	b32(&props, 3);
	prop_str8(&props, PR_DISPLAY_TO, "Hanako");
	prop_var(&props, PT_BINARY, PR_RTF_COMPRESSED, mela.data, mela.len);
	prop_var(&props, PT_BINARY, PR_BODY_HTML, html, strlen(html));

	buf_init(&recips, 1 << 16);
	b32(&recips, 2);
	b32(&recips, 2);
	prop_unicode(&recips, PR_DISPLAY_NAME, "山田 花子");
	prop_str8(&recips, PR_EMAIL_ADDRESS, "hanako@example.jp");
	b32(&recips, 1);
	prop_str8(&recips, PR_EMAIL_ADDRESS, "jiro@example.jp");

	tnef_start(&b);
	tnef_attr(&b, LVL_MSG, ATT_MAPI_PROPS, props.data, props.len);
	tnef_attr(&b, LVL_MSG, ATT_RECIP_TABLE, recips.data, recips.len);

	run(&t, NULL, &b);
	assert_int_equal(t.rc, DLP_OK);
	assert_string_equal(xrec_text(&t.r.nodes[0]),
	    "件名 unicode\nHanako\n山田 花子\nhanako@example.jp\n"
	    "jiro@example.jp\n");
	assert_string_equal(xrec_location_of(&t.r.nodes[0], "件名"), "subject");
	assert_string_equal(xrec_location_of(&t.r.nodes[0], "Hanako"), "to");
	assert_string_equal(
	    xrec_location_of(&t.r.nodes[0], "jiro@"), "recipients");
	assert_non_null(n = child(&t, "body.rtf"));
	assert_string_equal(n->type, "text/rtf");
	assert_contains(xrec_text(n), "rtf body " MYNUM);
	assert_non_null(n = child(&t, "body.html"));
	assert_string_equal(n->type, "text/html");
	all_done(&t);
	xrec_free(&t.r);
	buf_free(&b);
	buf_free(&props);
	buf_free(&mela);
	buf_free(&recips);
}

static void
test_lzfu_compressed_rtf_body_is_decoded(void **state)
{
	/* [MS-OXRTFCP] 4.1: "{\rtf1\ansi\ansicpg1252\pard hello world}" */
	static const unsigned char lzfu[] = { 0x2d, 0x00, 0x00, 0x00, 0x2b,
		0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7,
		0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31,
		0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c,
		0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d,
		0x0a, 0x80, 0x0f, 0xa0 };
	struct buf b, props;
	struct xnode *n;
	struct run t;

	buf_init(&props, 1 << 12);
	b32(&props, 1);
	prop_var(&props, PT_BINARY, PR_RTF_COMPRESSED, lzfu, sizeof(lzfu));
	tnef_start(&b);
	tnef_attr(&b, LVL_MSG, ATT_MAPI_PROPS, props.data, props.len);
	run(&t, NULL, &b);
	assert_int_equal(t.rc, DLP_OK);
	assert_non_null(n = child(&t, "body.rtf"));
	assert_contains(xrec_text(n), "hello world");
	xrec_free(&t.r);

	/* the decoded body counts against the message's expanded bytes */
	{
		struct dlp_config *c = config_defaults();
		struct dlp_limits lim = c->limits;

		config_free(c);
		lim.max_expanded_bytes = 10;
		run(&t, &lim, &b);
		assert_int_equal(t.rc, DLP_PARTIAL);
		assert_non_null(n = child(&t, "body.rtf"));
		assert_int_equal(n->enc, DLP_ENC_NOT_INSPECTABLE);
		assert_string_equal(n->detail, "limit:expanded");
		xrec_free(&t.r);
	}
	buf_free(&b);
	buf_free(&props);
}

static void
test_an_xlsx_attachment_is_read_as_a_workbook(void **state)
{
	static const struct zpart parts[] = {
		{ "[Content_Types].xml",
		    "<Types xmlns=\"" PKG_NS "content-types\">"
		    "<Default Extension=\"xml\" "
		    "ContentType=\"application/xml\"/><Override "
		    "PartName=\"/xl/workbook.xml\" ContentType=\"application/"
		    "vnd.openxmlformats-officedocument.spreadsheetml.sheet."
		    "main+xml\"/></Types>",
		    0 },
		{ "_rels/.rels",
		    RELS(REL("rId1", "officeDocument", "xl/workbook.xml")), 0 },
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
	struct buf b, props;
	struct xnode *n;
	struct run t;
	unsigned char *x;
	size_t len;

	assert_non_null(x = zip_build(parts, 5, NULL, &len));
	buf_init(&props, 1 << 12);
	b32(&props, 1);
	prop_unicode(&props, PR_ATTACH_LONGNAME, "名簿.xlsx");
	tnef_start(&b);
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_REND, "\1\0\0\0", 4);
	tnef_str(&b, LVL_ATT, ATT_ATTACH_TITLE, "MEIBO~1.XLS");
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_DATA, x, len);
	tnef_attr(&b, LVL_ATT, ATT_ATTACHMENT, props.data, props.len);
	run(&t, NULL, &b);
	assert_int_equal(t.rc, DLP_OK);
	assert_non_null(n = child(&t, "名簿.xlsx"));
	assert_string_equal(n->type,
	    "application/vnd.openxmlformats-"
	    "officedocument.spreadsheetml.sheet");
	assert_string_equal(xrec_text(n), MYNUM "\n");
	assert_string_equal(xrec_location_of(n, MYNUM), "S!A1");
	xrec_free(&t.r);
	buf_free(&b);
	buf_free(&props);
	free(x);
}

static void
test_embedded_message_is_read_in_turn(void **state)
{
	struct buf inner, obj, props, b;
	struct xnode *n;
	struct run t;

	tnef_start(&inner);
	tnef_str(&inner, LVL_MSG, ATT_SUBJECT, "forwarded");
	tnef_attr(&inner, LVL_ATT, ATT_ATTACH_REND, "\1\0\0\0", 4);
	tnef_str(&inner, LVL_ATT, ATT_ATTACH_TITLE, "inner.txt");
	tnef_data(&inner, "inner " MYNUM);
	/* PR_ATTACH_DATA_OBJ: an IID, then the message's own stream */
	buf_init(&obj, 1 << 16);
	bmem(&obj, "IID-IID-IID-IID-", 16);
	bmem(&obj, inner.data, inner.len);
	buf_init(&props, 1 << 16);
	b32(&props, 2);
	prop_str8(&props, PR_DISPLAY_NAME, "転送メール");
	prop_var(&props, PT_OBJECT, PR_ATTACH_DATA, obj.data, obj.len);

	tnef_start(&b);
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_REND, "\5\0\0\0", 4);
	tnef_attr(&b, LVL_ATT, ATT_ATTACHMENT, props.data, props.len);
	run(&t, NULL, &b);
	assert_int_equal(t.rc, DLP_OK);
	assert_non_null(n = child(&t, "転送メール"));
	assert_string_equal(n->type, "application/vnd.ms-tnef");
	assert_string_equal(xrec_text(n), "forwarded\n");
	assert_non_null(n = child(&t, "転送メール/inner.txt"));
	assert_string_equal(xrec_text(n), "inner " MYNUM);
	all_done(&t);
	xrec_free(&t.r);

	/* a message in a message in a message ...: the depth limit */
	{
		struct dlp_config *c = config_defaults();
		struct dlp_limits lim = c->limits;

		config_free(c);
		lim.max_container_depth = 0;
		run(&t, &lim, &b);
		assert_int_equal(t.rc, DLP_PARTIAL);
		assert_non_null(n = child(&t, "転送メール"));
		assert_string_equal(n->detail, "limit:depth");
		assert_null(child(&t, "転送メール/inner.txt"));
		xrec_free(&t.r);
	}
	buf_free(&inner);
	buf_free(&obj);
	buf_free(&props);
	buf_free(&b);
}

static void
test_without_attachments_no_members(void **state)
{
	struct buf b;
	struct run t;

	tnef_start(&b);
	tnef_str(&b, LVL_MSG, ATT_SUBJECT, "nothing attached");
	run(&t, NULL, &b);
	assert_int_equal(t.rc, DLP_OK);
	assert_int_equal(t.r.n, 1);
	assert_int_equal(t.r.nodes[0].enc, DLP_ENC_PLAIN);
	xrec_free(&t.r);
	buf_free(&b);

	/* the bare header: nothing, and no damage */
	tnef_start(&b);
	run(&t, NULL, &b);
	assert_int_equal(t.rc, DLP_OK);
	assert_int_equal(t.r.n, 1);
	assert_string_equal(xrec_text(&t.r.nodes[0]), "");
	xrec_free(&t.r);
	buf_free(&b);
}

static void
test_truncated_stream_is_corrupt_and_what_is_there_is_read(void **state)
{
	static const char csv[] =
	    "氏名,個人番号\n山田 太郎," MYNUM "\n佐藤 次郎," MYNUM2 "\n";
	struct buf b;
	struct xnode *n;
	struct run t;
	size_t cut;

	tnef_start(&b);
	tnef_str(&b, LVL_MSG, ATT_SUBJECT, "cut");
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_REND, "\1\0\0\0", 4);
	tnef_str(&b, LVL_ATT, ATT_ATTACH_TITLE, "roster.csv");
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_DATA, csv, strlen(csv));
	/* cut after the first number: the data is short of its length */
	cut = (size_t)((const unsigned char *)memmem(b.data, b.len, MYNUM, 12) -
		  b.data) +
	    12;
	b.len = cut;
	run(&t, NULL, &b);
	assert_int_equal(t.rc, DLP_EINPUT);
	assert_int_equal(t.r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(t.r.nodes[0].detail, "corrupt");
	assert_string_equal(xrec_text(&t.r.nodes[0]), "cut\n");
	assert_non_null(n = child(&t, "roster.csv"));
	assert_contains(xrec_text(n), MYNUM);
	all_done(&t);
	xrec_free(&t.r);

	/* cut inside an attribute header, and inside the checksum */
	b.len = cut;
	{
		size_t lens[] = { 6 + 3, 6 + 9 + 4 + 1 };
		size_t i;

		for (i = 0; i < 2; i++) {
			struct buf c;

			tnef_start(&c);
			tnef_str(&c, LVL_MSG, ATT_SUBJECT, "abc");
			c.len = lens[i];
			run(&t, NULL, &c);
			assert_int_equal(t.rc, DLP_EINPUT);
			assert_string_equal(t.r.nodes[0].detail, "corrupt");
			xrec_free(&t.r);
			buf_free(&c);
		}
	}
	buf_free(&b);
}

static void
test_bad_checksum_is_corrupt_but_reading_goes_on(void **state)
{
	struct buf b;
	struct xnode *n;
	struct run t;

	tnef_start(&b);
	tnef_str(&b, LVL_MSG, ATT_SUBJECT, "checksum");
	b.data[b.len - 1] ^= 0x55; /* the subject's checksum */
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_REND, "\1\0\0\0", 4);
	tnef_str(&b, LVL_ATT, ATT_ATTACH_TITLE, "a.txt");
	tnef_data(&b, "after " MYNUM);
	run(&t, NULL, &b);
	assert_int_equal(t.rc, DLP_EINPUT);
	assert_string_equal(t.r.nodes[0].detail, "corrupt");
	assert_string_equal(xrec_text(&t.r.nodes[0]), "checksum\n");
	assert_non_null(n = child(&t, "a.txt"));
	assert_string_equal(xrec_text(n), "after " MYNUM);
	xrec_free(&t.r);
	buf_free(&b);
}

/* Lengths and counts that pass the end, each in its own stream. */
static void
test_huge_lengths_and_counts_are_damage(void **state)
{
	enum {
		ATTR_LEN,
		PROP_COUNT,
		VALUE_COUNT,
		VALUE_SIZE,
		NAME_SIZE,
		NAME_KIND,
		BAD_TYPE,
		RECIP_ROWS,
		MV_COUNT,
		LEVEL,
		NCASES
	};
	struct buf b, p;
	struct run t;
	int i;

	for (i = 0; i < NCASES; i++) {
		tnef_start(&b);
		tnef_str(&b, LVL_MSG, ATT_SUBJECT, "before");
		buf_init(&p, 1 << 12);
		switch (i) {
		case ATTR_LEN:
			b8(&b, LVL_ATT);
			b32(&b, ATT_ATTACH_DATA);
			b32(&b, 0xFFFFFFF0u);
			bmem(&b, "abcd", 4);
			break;
		case PROP_COUNT:
			b32(&p, 0xFFFFFFFFu);
			prop_str8(&p, PR_SUBJECT, "x");
			break;
		case VALUE_COUNT:
			b32(&p, 1);
			b16(&p, PT_STRING8);
			b16(&p, PR_SUBJECT);
			b32(&p, 0x7FFFFFFFu);
			b32(&p, 2);
			bmem(&p, "x\0\0\0", 4);
			break;
		case VALUE_SIZE:
			b32(&p, 1);
			b16(&p, PT_BINARY);
			b16(&p, PR_BODY_HTML);
			b32(&p, 1);
			b32(&p, 0xFFFFFFF8u);
			bmem(&p, "abcd", 4);
			break;
		case NAME_SIZE:
			b32(&p, 1);
			b16(&p, PT_I4);
			b16(&p, 0x8001);
			bmem(&p, "0123456789abcdef", 16);
			b32(&p, 1);
			b32(&p, 0xFFFFFFFCu);
			bmem(&p, "abcd", 4);
			break;
		case NAME_KIND:
			b32(&p, 1);
			b16(&p, PT_I4);
			b16(&p, 0x8001);
			bmem(&p, "0123456789abcdef", 16);
			b32(&p, 7);
			b32(&p, 0);
			b32(&p, 0);
			break;
		case BAD_TYPE:
			b32(&p, 1);
			b16(&p, 0x0099);
			b16(&p, PR_SUBJECT);
			b32(&p, 0);
			break;
		case RECIP_ROWS:
			b32(&p, 0x40000000u);
			b32(&p, 0);
			break;
		case MV_COUNT:
			b32(&p, 1);
			b16(&p, PT_I4 | PT_MV);
			b16(&p, 0x1234);
			b32(&p, 0x40000000u);
			b32(&p, 0);
			break;
		case LEVEL:
			tnef_str(&b, 7, ATT_SUBJECT, "level 7");
			break;
		}
		if (p.len > 0)
			tnef_attr(&b, LVL_MSG,
			    i == RECIP_ROWS ? ATT_RECIP_TABLE : ATT_MAPI_PROPS,
			    p.data, p.len);
		run(&t, NULL, &b);
		if (t.rc != DLP_EINPUT)
			fail_msg("case %d: rc %d", i, t.rc);
		assert_string_equal(t.r.nodes[0].detail, "corrupt");
		/* what came before the damage was read */
		assert_contains(xrec_text(&t.r.nodes[0]), "before\n");
		all_done(&t);
		xrec_free(&t.r);
		buf_free(&b);
		buf_free(&p);
	}
}

static void
test_members_limit_marks_the_stream(void **state)
{
	struct dlp_config *c = config_defaults();
	struct dlp_limits lim = c->limits;
	struct buf b;
	struct run t;
	int i;

	config_free(c);
	lim.max_members = 2;
	tnef_start(&b);
	for (i = 0; i < 5; i++) {
		tnef_attr(&b, LVL_ATT, ATT_ATTACH_REND, "\1\0\0\0", 4);
		tnef_data(&b, "data");
	}
	run(&t, &lim, &b);
	assert_int_equal(t.rc, DLP_PARTIAL);
	assert_int_equal(t.r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(t.r.nodes[0].detail, "limit:members");
	assert_int_equal(t.r.n, 3);
	xrec_free(&t.r);
	buf_free(&b);
}

static void
test_not_tnef_is_an_input_error(void **state)
{
	struct xrec r;
	long id;

	xrec_init(&r, NULL);
	id = xrec_node_new(&r, -1, "x.dat", 4);
	assert_int_equal(extract_tnef(r.x, id, 0, "abcdefgh", 8), DLP_EINPUT);
	assert_int_equal(
	    extract_tnef(r.x, id, 0, "\x78\x9f\x3e\x22", 4), DLP_EINPUT);
	assert_int_equal(extract_tnef(r.x, id, 0, NULL, 0), DLP_EINPUT);
	xrec_free(&r);
}

static void
test_corpus_two_files(void **state)
{
	unsigned char *data;
	struct xnode *n;
	struct xrec r;
	size_t len = 0;

	data = xrec_read_file(CORPUS "mimekit/two-files.tnef", &len);
	assert_non_null(data);
	xrec_init(&r, NULL);
	assert_int_equal(xrec_run(&r, "two-files.tnef", data, len), DLP_OK);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_non_null(n = xrec_find(&r, "two-files.tnef/AUTHORS"));
	assert_int_equal(n->size, 244);
	assert_contains(xrec_text(n), "Authors of tnef");
	assert_non_null(n = xrec_find(&r, "two-files.tnef/README"));
	assert_int_equal(n->size, 893);
	assert_contains(xrec_text(n), "TNEF is a program for unpacking");
	xrec_free(&r);
	free(data);
}

/* Every prefix of a good stream: no crash, no member past the cut. */
static void
test_every_truncation_is_handled(void **state)
{
	struct buf b, props;
	struct run t;
	size_t n;

	buf_init(&props, 1 << 12);
	b32(&props, 2);
	prop_unicode(&props, PR_ATTACH_LONGNAME, "名簿.csv");
	prop_var(&props, PT_BINARY, PR_ATTACH_DATA, "bin", 3);
	tnef_start(&b);
	tnef_str(&b, LVL_MSG, ATT_SUBJECT, "s");
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_REND, "\1\0\0\0", 4);
	tnef_attr(&b, LVL_ATT, ATT_ATTACHMENT, props.data, props.len);
	for (n = 0; n < b.len; n++) {
		struct xrec r;
		long id;
		int rc;

		xrec_init(&r, NULL);
		id = xrec_node_new(&r, -1, "w.dat", n);
		/* a cut between attributes leaves a valid stream */
		rc = extract_tnef(r.x, id, 0, b.data, n);
		assert_true(rc == DLP_EINPUT || (rc == DLP_OK && n >= 6));
		assert_true(n >= 6 || rc == DLP_EINPUT);
		xrec_free(&r);
	}
	run(&t, NULL, &b);
	assert_int_equal(t.rc, DLP_OK);
	assert_non_null(child(&t, "名簿.csv"));
	xrec_free(&t.r);
	buf_free(&b);
	buf_free(&props);
}

/*
 * Mutations of a stream that uses every reader (attributes, property
 * lists with named and multi-valued properties, recipients, an embedded
 * message, a compressed body): whatever the bytes, a defined result and
 * every node finished (the ASan build checks the memory).
 */
static void
test_mutated_streams_never_crash(void **state)
{
	static const char mela[] = "\x1b\0\0\0\x0f\0\0\0MELA\0\0\0\0"
				   "{\\rtf1 mutated}";
	struct buf b, props, inner, obj, rec;
	unsigned seed = 7, k, j;
	unsigned char *m;
	struct xrec r;

	tnef_start(&inner);
	tnef_data(&inner, "inner");
	buf_init(&obj, 1 << 12);
	bmem(&obj, "IID-IID-IID-IID-", 16);
	bmem(&obj, inner.data, inner.len);
	buf_init(&props, 1 << 12);
	b32(&props, 4);
	prop_unicode(&props, PR_ATTACH_LONGNAME, "名簿.txt");
	b16(&props, PT_I4 | PT_MV);
	b16(&props, 0x8001);
	bmem(&props, "0123456789abcdef", 16);
	b32(&props, 0);
	b32(&props, 9);
	b32(&props, 2);
	b32(&props, 1);
	b32(&props, 2);
	prop_var(&props, PT_OBJECT, PR_ATTACH_DATA, obj.data, obj.len);
	prop_var(&props, PT_BINARY, PR_RTF_COMPRESSED, mela, sizeof(mela) - 1);
	buf_init(&rec, 1 << 12);
	b32(&rec, 1);
	b32(&rec, 1);
	prop_str8(&rec, PR_EMAIL_ADDRESS, "a@example.jp");
	tnef_start(&b);
	tnef_str(&b, LVL_MSG, ATT_SUBJECT, "s");
	tnef_attr(&b, LVL_MSG, ATT_MAPI_PROPS, props.data, props.len);
	tnef_attr(&b, LVL_MSG, ATT_RECIP_TABLE, rec.data, rec.len);
	tnef_attr(&b, LVL_ATT, ATT_ATTACH_REND, "\1\0\0\0", 4);
	tnef_attr(&b, LVL_ATT, ATT_ATTACHMENT, props.data, props.len);
	assert_non_null(m = malloc(b.len));
	xrec_init(&r, NULL); /* one recorder, a node per mutation */
	for (k = 0; k < 2000; k++) {
		size_t first = r.n, i;
		long id;
		int rc;

		memcpy(m, b.data, b.len);
		for (j = 0; j < 1 + k % 4; j++) {
			seed = seed * 1103515245u + 12345u;
			/* past the signature; a byte, or a length's top byte */
			m[6 + (seed >> 8) % (b.len - 6)] =
			    (unsigned char)(k % 3 == 0 ? 0xFF : seed >> 24);
		}
		/* at most a handful of nodes each: room for all */
		assert_true(r.n + 16 < XREC_MAX_NODES);
		id = xrec_node_new(&r, -1, "m.dat", b.len);
		rc = extract_node(r.x, id, 0, NULL, "m.dat", m, b.len);
		assert_true(
		    rc == DLP_OK || rc == DLP_PARTIAL || rc == DLP_EINPUT);
		for (i = first; i < r.n; i++)
			assert_true(r.nodes[i].done);
	}
	xrec_free(&r);
	free(m);
	buf_free(&b);
	buf_free(&props);
	buf_free(&inner);
	buf_free(&obj);
	buf_free(&rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_identified_by_its_signature_and_dispatched),
		cmocka_unit_test(
		    test_subject_body_and_attachments_become_text_and_members),
		cmocka_unit_test(
		    test_mapi_properties_recipients_and_bodies_are_read),
		cmocka_unit_test(test_lzfu_compressed_rtf_body_is_decoded),
		cmocka_unit_test(test_an_xlsx_attachment_is_read_as_a_workbook),
		cmocka_unit_test(test_embedded_message_is_read_in_turn),
		cmocka_unit_test(test_without_attachments_no_members),
		cmocka_unit_test(
		    test_truncated_stream_is_corrupt_and_what_is_there_is_read),
		cmocka_unit_test(
		    test_bad_checksum_is_corrupt_but_reading_goes_on),
		cmocka_unit_test(test_huge_lengths_and_counts_are_damage),
		cmocka_unit_test(test_members_limit_marks_the_stream),
		cmocka_unit_test(test_not_tnef_is_an_input_error),
		cmocka_unit_test(test_corpus_two_files),
		cmocka_unit_test(test_every_truncation_is_handled),
		cmocka_unit_test(test_mutated_streams_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
