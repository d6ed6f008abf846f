/*
 * test_extract_ole - OLE compound files (extract_ole.c, ole_doc.c,
 * ole_xls.c): every encryption of Office files judged with its method,
 * the text of .doc, .xls, .ppt and .msg files with its locations, the
 * members of .msg files and embedded objects, and damaged input that
 * must end as "corrupt" without a crash, a hang or a read out of bounds.
 *
 * Inputs: the external corpus (../shared/corpus/external, read-only),
 * streams and compound files built here (BIFF records, FIBs and piece
 * tables byte by byte; compound files with libgsf's writer), an .xls
 * written by python3-xlwt and a .doc converted by LibreOffice from a
 * python3-docx file (skipped, with a "# SKIP" line, when soffice is
 * missing or slow). The numbers are synthetic, with valid check digits.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-output.h>

#include "buf.h"
#include "charset.h"
#include "extract.h"
#include "ole.h"

#include "extract_util.h"

#define CORPUS "../shared/corpus/external/"
#define MYNUM  "730192846518" /* synthetic; check digit 8 is valid */

/* The recording sink of extract_util.h, with checks of our own */

struct run {
	struct xrec r;
	int (*text)(void *, long, const char *, const void *, size_t, unsigned);
};

/* Text said to be UTF-8 must be; no text after a node is done. */
static int
checked_text(void *arg, long id, const char *charset, const void *data,
    size_t len, unsigned flags)
{
	struct xrec *r = arg;

	assert_false(r->nodes[id].done);
	if (charset != NULL && strcmp(charset, "utf-8") == 0)
		assert_true(charset_valid_utf8(data, len));
	return xrec_node_text(arg, id, charset, data, len, flags);
}

/* A run whose node 0 ("root") holds at most text_max bytes of text. */
static struct run *
run_new(size_t text_max)
{
	struct run *t = calloc(1, sizeof(*t));
	struct dlp_limits lim;

	assert_non_null(t);
	memset(&lim, 0, sizeof(lim));
	lim.max_scan_ms = 60000;
	lim.max_container_depth = 8;
	lim.max_members = 100;
	lim.max_member_bytes = 16 << 20;
	lim.max_ratio = 200;
	lim.max_expanded_bytes = 64 << 20;
	xrec_init(&t->r, &lim);
	assert_non_null(t->r.x);
	t->r.sink.node_text = checked_text;
	assert_int_equal(xrec_node_new(&t->r, -1, "root", 0), 0);
	buf_init(&t->r.nodes[0].text, text_max);
	return t;
}

static void
run_free(struct run *t)
{
	xrec_free(&t->r);
	free(t);
}

/* Extract data as node 0, as a part would be. */
static int
run_node(struct run *t, const void *data, size_t len)
{
	return extract_node(t->r.x, 0, 0, NULL, NULL, data, len);
}

static const char *
text_of(const struct run *t, long id)
{
	return buf_cstr(&t->r.nodes[id].text);
}

/* The text from location label to the next location (or the end). */
static char *
text_at(const struct run *t, long id, const char *label)
{
	const struct xnode *n = &t->r.nodes[id];
	size_t i, end;
	char *out;

	for (i = 0; i < n->n_locs; i++) {
		if (strcmp(n->locs[i].label, label) != 0)
			continue;
		end = i + 1 < n->n_locs ? n->locs[i + 1].off : n->text.len;
		out = strndup(
		    buf_cstr(&n->text) + n->locs[i].off, end - n->locs[i].off);
		assert_non_null(out);
		return out;
	}
	for (i = 0; i < n->n_locs; i++)
		print_error("%s at %zu\n", n->locs[i].label, n->locs[i].off);
	fail_msg("no location %s", label);
	return NULL;
}

static void
assert_text_at(
    const struct run *t, long id, const char *label, const char *want)
{
	char *got = text_at(t, id, label);

	if (strcmp(got, want) != 0)
		print_error("%s: \"%s\", want \"%s\"\n", label, got, want);
	assert_string_equal(got, want);
	free(got);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not in:\n%s", needle, hay);
}

static void
assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		fail_msg("\"%s\" unexpectedly in:\n%s", needle, hay);
}

/* The first node named name, or -1. */
/* The node at path below node 0 ("root/" + path), or -1. */
static long
node_named(struct run *t, const char *path)
{
	char full[1100];
	struct xnode *n;

	snprintf(full, sizeof(full), "root/%s", path);
	if ((n = xrec_find(&t->r, full)) == NULL)
		return -1;
	return (long)(n - t->r.nodes);
}

/* Files */

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* Byte builders */

static void
b16(struct buf *b, unsigned v)
{
	assert_int_equal(buf_putc(b, (int)(v & 0xFF)), BUF_OK);
	assert_int_equal(buf_putc(b, (int)((v >> 8) & 0xFF)), BUF_OK);
}

static void
b32(struct buf *b, uint32_t v)
{
	b16(b, v & 0xFFFF);
	b16(b, v >> 16);
}

static void
bbytes(struct buf *b, const void *p, size_t n)
{
	assert_int_equal(buf_append(b, p, n), BUF_OK);
}

static void
bzero_n(struct buf *b, size_t n)
{
	while (n-- > 0)
		assert_int_equal(buf_putc(b, 0), BUF_OK);
}

static void
put32_at(struct buf *b, size_t off, uint32_t v)
{
	assert_true(off + 4 <= b->len);
	b->data[off] = (unsigned char)v;
	b->data[off + 1] = (unsigned char)(v >> 8);
	b->data[off + 2] = (unsigned char)(v >> 16);
	b->data[off + 3] = (unsigned char)(v >> 24);
}

/* ASCII (or UTF-8 of BMP characters) as UTF-16LE; returns the units. */
static size_t
butf16(struct buf *b, const char *s)
{
	struct buf tmp;
	size_t n = 0, i;

	buf_init(&tmp, 1 << 16);
	assert_int_equal(charset_to_utf8("utf-8", s, strlen(s), &tmp), 0);
	for (i = 0; i < tmp.len;) {
		unsigned char c = tmp.data[i];
		uint32_t cp;

		if (c < 0x80) {
			cp = c;
			i++;
		} else if (c < 0xE0) {
			cp = (c & 0x1Fu) << 6 | (tmp.data[i + 1] & 0x3Fu);
			i += 2;
		} else {
			cp = (c & 0x0Fu) << 12 |
			    (tmp.data[i + 1] & 0x3Fu) << 6 |
			    (tmp.data[i + 2] & 0x3Fu);
			i += 3;
		}
		b16(b, cp);
		n++;
	}
	buf_free(&tmp);
	return n;
}

/* BIFF records */

static void
rec(struct buf *b, unsigned type, const struct buf *payload)
{
	b16(b, type);
	b16(b, payload != NULL ? payload->len : 0);
	if (payload != NULL && payload->len > 0)
		bbytes(b, payload->data, payload->len);
}

static void
bof(struct buf *b, unsigned vers, unsigned dt)
{
	struct buf p;

	buf_init(&p, 64);
	b16(&p, vers);
	b16(&p, dt);
	bzero_n(&p, 12);
	rec(b, 0x0809, &p);
	buf_free(&p);
}

static void
eof(struct buf *b)
{
	rec(b, 0x000A, NULL);
}

/* A BOUNDSHEET (its name 16-bit); returns where its lbPlyPos is. */
static size_t
boundsheet8(struct buf *b, const char *name)
{
	struct buf p, chars;
	size_t at = b->len + 4, n;

	buf_init(&p, 512);
	buf_init(&chars, 512);
	n = butf16(&chars, name);
	b32(&p, 0);
	b16(&p, 0); /* visible worksheet */
	assert_int_equal(buf_putc(&p, (int)n), BUF_OK);
	assert_int_equal(buf_putc(&p, 1), BUF_OK);
	bbytes(&p, chars.data, chars.len);
	rec(b, 0x0085, &p);
	buf_free(&p);
	buf_free(&chars);
	return at;
}

static void
cell_hdr(struct buf *p, unsigned row, unsigned col)
{
	b16(p, row);
	b16(p, col);
	b16(p, 0x0F);
}

static void
labelsst(struct buf *b, unsigned row, unsigned col, uint32_t isst)
{
	struct buf p;

	buf_init(&p, 64);
	cell_hdr(&p, row, col);
	b32(&p, isst);
	rec(b, 0x00FD, &p);
	buf_free(&p);
}

static void
number(struct buf *b, unsigned row, unsigned col, double v)
{
	struct buf p;

	buf_init(&p, 64);
	cell_hdr(&p, row, col);
	bbytes(&p, &v, 8);
	rec(b, 0x0203, &p);
	buf_free(&p);
}

static void
rk(struct buf *b, unsigned row, unsigned col, uint32_t v)
{
	struct buf p;

	buf_init(&p, 64);
	cell_hdr(&p, row, col);
	b32(&p, v);
	rec(b, 0x027E, &p);
	buf_free(&p);
}

/* A LABEL with a 16-bit string. */
static void
label16(struct buf *b, unsigned row, unsigned col, const char *s)
{
	struct buf p, chars;
	size_t n;

	buf_init(&p, 1024);
	buf_init(&chars, 1024);
	n = butf16(&chars, s);
	cell_hdr(&p, row, col);
	b16(&p, (unsigned)n);
	assert_int_equal(buf_putc(&p, 1), BUF_OK);
	bbytes(&p, chars.data, chars.len);
	rec(b, 0x0204, &p);
	buf_free(&p);
	buf_free(&chars);
}

/* A workbook: globals (SST payload given), one sheet per cells buffer. */
static void
workbook(struct buf *wb, const struct buf *sst, const char *const *names,
    const struct buf *sheets, size_t n)
{
	size_t pos[8], i;

	assert_true(n <= 8);
	bof(wb, 0x0600, 0x0005);
	for (i = 0; i < n; i++)
		pos[i] = boundsheet8(wb, names[i]);
	if (sst != NULL)
		rec(wb, 0x00FC, sst);
	eof(wb);
	for (i = 0; i < n; i++) {
		put32_at(wb, pos[i], (uint32_t)wb->len);
		bof(wb, 0x0600, 0x0010);
		bbytes(wb, sheets[i].data, sheets[i].len);
		eof(wb);
	}
}

static int
xls_run(struct run *t, const struct buf *wb, struct ole_enc *enc)
{
	struct ole_enc e;

	return ole_xls_extract(t->r.x, 0, wb->data, wb->len, enc ? enc : &e);
}

/* Compound files, written with libgsf */

struct cfb_entry {
	const char *path; /* "ObjectPool/_1/Package"; parents first */
	const void *data; /* NULL: a storage */
	size_t len;
};

static unsigned char *
cfb_build(const struct cfb_entry *e, size_t n, size_t *outlen)
{
	GsfOutput *mem = gsf_output_memory_new();
	GsfOutfile *root, *st[16], *parent;
	const char *paths[16], *slash, *name;
	GsfOutput *o;
	unsigned char *copy;
	size_t nst = 0, i, k;

	root = gsf_outfile_msole_new(mem);
	assert_non_null(root);
	for (i = 0; i < n; i++) {
		slash = strrchr(e[i].path, '/');
		parent = root;
		name = e[i].path;
		if (slash != NULL) {
			for (k = 0; k < nst; k++)
				if (strlen(paths[k]) ==
					(size_t)(slash - e[i].path) &&
				    strncmp(paths[k], e[i].path,
					(size_t)(slash - e[i].path)) == 0)
					parent = st[k];
			assert_true(parent != root);
			name = slash + 1;
		}
		o = gsf_outfile_new_child(parent, name, e[i].data == NULL);
		assert_non_null(o);
		if (e[i].data == NULL) {
			assert_true(nst < 16);
			paths[nst] = e[i].path;
			st[nst++] = GSF_OUTFILE(o);
			continue;
		}
		assert_true(gsf_output_write(o, e[i].len, e[i].data));
		assert_true(gsf_output_close(o));
		g_object_unref(o);
	}
	while (nst > 0) {
		assert_true(gsf_output_close(GSF_OUTPUT(st[--nst])));
		g_object_unref(st[nst]);
	}
	assert_true(gsf_output_close(GSF_OUTPUT(root)));
	*outlen = (size_t)gsf_output_size(mem);
	copy = malloc(*outlen);
	assert_non_null(copy);
	memcpy(
	    copy, gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)), *outlen);
	g_object_unref(root);
	g_object_unref(mem);
	return copy;
}

/* Word streams: a FIB, pieces of text, a Clx */

struct piece {
	const char *text; /* 8-bit bytes, or UTF-8 turned into UTF-16 */
	bool compressed;
};

#define FIB_FLAGS   0x0A
#define FIB_CLX	    0x1A2 /* fcClx with csw 14, cslw 22 */
#define TEXT_START  0x400
#define F_ENCRYPTED 0x0100
#define F_TABLE1    0x0200
#define F_OBFUSCATE 0x8000

static void
fib(struct buf *wd, unsigned nfib, unsigned flags)
{
	b16(wd, 0xA5EC);
	b16(wd, nfib);
	bzero_n(wd, 6);
	b16(wd, flags);
	bzero_n(wd, 0x20 - 0x0C);
	b16(wd, 14);
	bzero_n(wd, 28);
	b16(wd, 22);
	bzero_n(wd, 88);
	b16(wd, 0x5D);
	bzero_n(wd, 0x5D * 8);
	assert_true(wd->len <= TEXT_START);
	bzero_n(wd, TEXT_START - wd->len);
}

/*
 * A .doc's WordDocument and table streams holding the pieces, the Clx
 * after a Prc. cp_extra adds to every CP after the first (to make
 * pieces longer than their bytes).
 */
static void
doc_build(struct buf *wd, struct buf *tbl, const struct piece *pc, size_t n,
    unsigned flags)
{
	uint32_t cps[16], fcs[16], cp = 0;
	size_t i, units;

	assert_true(n < 16);
	fib(wd, 0x00C1, flags | F_TABLE1);
	for (i = 0; i < n; i++) {
		cps[i] = cp;
		if (pc[i].compressed) {
			fcs[i] = (uint32_t)(wd->len * 2) | 0x40000000u;
			bbytes(wd, pc[i].text, strlen(pc[i].text));
			units = strlen(pc[i].text);
		} else {
			fcs[i] = (uint32_t)wd->len;
			units = butf16(wd, pc[i].text);
		}
		cp += (uint32_t)units;
	}
	cps[n] = cp;
	bzero_n(tbl, 16); /* something before the Clx */
	put32_at(wd, FIB_CLX, (uint32_t)tbl->len);
	/* a Prc: clxt 1, cbGrpprl 2, grpprl */
	assert_int_equal(buf_putc(tbl, 1), BUF_OK);
	b16(tbl, 2);
	b16(tbl, 0x1234);
	assert_int_equal(buf_putc(tbl, 2), BUF_OK);
	b32(tbl, (uint32_t)(4 * (n + 1) + 8 * n));
	for (i = 0; i <= n; i++)
		b32(tbl, cps[i]);
	for (i = 0; i < n; i++) {
		b16(tbl, 0);
		b32(tbl, fcs[i]);
		b16(tbl, 0);
	}
	put32_at(wd, FIB_CLX + 4,
	    (uint32_t)(tbl->len - ole_u32(wd->data + FIB_CLX)));
}

static int
doc_run(struct run *t, const struct buf *wd, const struct buf *tbl)
{
	return ole_doc_text(t->r.x, 0, wd->data, wd->len,
	    tbl ? tbl->data : NULL, tbl ? tbl->len : 0);
}

/* Helpers */

static void
test_numbers_are_plain_digits_when_integral(void **state)
{
	static const struct {
		double v;
		const char *want;
	} c[] = {
		{ 123456789012.0, "123456789012" },
		{ 123456789018.0, "123456789018" },
		{ 0.0, "0" },
		{ -0.0, "0" },
		{ -42.0, "-42" },
		{ 3.5, "3.5" },
		{ 0.1, "0.1" },
		{ -730192846518.0, "-730192846518" },
		{ 999999999999999872.0, "999999999999999872" },
		{ 1e18, "1000000000000000000" },
		{ 1e20, "100000000000000000000" },
		{ 1e21, "1e+21" },
		{ 1152921504606846976.0, "1152921504606846976" },
		{ 45123.25, "45123.25" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ole_xls_number(c[i].v, out, sizeof(out));
		assert_string_equal(out, c[i].want);
	}
	ole_xls_number(NAN, out, sizeof(out));
	assert_string_equal(out, "");
	ole_xls_number(-INFINITY, out, sizeof(out));
	assert_string_equal(out, "");
	/* too small a buffer for every number: nothing */
	ole_xls_number(1.0, out, 8);
	assert_string_equal(out, "");
}

static void
test_rk_decodes_integers_doubles_and_hundredths(void **state)
{
	static const struct {
		uint32_t rk;
		double want;
	} c[] = {
		{ (12345u << 2) | 2, 12345.0 },
		{ (12345u << 2) | 3, 123.45 },
		{ ((uint32_t)-7 << 2) | 2, -7.0 },
		{ 0x3FF00000u, 1.0 },	   /* 1.0 as a double's top bits */
		{ 0x3FF00000u | 1, 0.01 }, /* and divided by 100 */
		{ 0xC0240000u, -10.0 },	   /* -10.0 */
		{ (0x1FFFFFFFu << 2) | 2, 536870911.0 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		assert_true(ole_xls_rk(c[i].rk) == c[i].want);
}

static void
test_cell_references_use_excel_letters(void **state)
{
	static const struct {
		uint32_t row, col;
		const char *want;
	} c[] = { { 0, 0, "A1" }, { 6, 1, "B7" }, { 0, 25, "Z1" },
		{ 0, 26, "AA1" }, { 9, 255, "IV10" }, { 0, 16383, "XFD1" },
		{ 65535, 701, "ZZ65536" }, { 0, 702, "AAA1" } };
	char out[24];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ole_xls_cellref(c[i].row, c[i].col, out, sizeof(out));
		assert_string_equal(out, c[i].want);
	}
}

static void
test_utf16_joins_pairs_and_replaces_lone_surrogates(void **state)
{
	/* "A", U+1F600 as a pair, a lone high surrogate, NUL, "あ" */
	static const unsigned char in[] = { 'A', 0, 0x3D, 0xD8, 0x00, 0xDE,
		0x3D, 0xD8, 0, 0, 0x42, 0x30 };
	struct buf out;

	buf_init(&out, 64);
	assert_int_equal(ole_utf16_to_utf8(&out, in, 6), BUF_OK);
	assert_string_equal(
	    buf_cstr(&out), "A\xF0\x9F\x98\x80\xEF\xBF\xBD\xE3\x81\x82");
	buf_reset(&out);
	/* a full buffer says so */
	buf_free(&out);
	buf_init(&out, 2);
	assert_int_equal(ole_utf16_to_utf8(&out, in + 10, 1), BUF_EFULL);
	buf_free(&out);
}

static void
test_code_pages_map_to_charsets(void **state)
{
	assert_string_equal(ole_codepage_charset(932), "cp932");
	assert_string_equal(ole_codepage_charset(1252), "cp1252");
	assert_string_equal(ole_codepage_charset(65001), "utf-8");
	assert_string_equal(ole_codepage_charset(1200), "utf-16le");
	assert_null(ole_codepage_charset(12345));
}

/* Excel */

static void
test_xls_cells_are_rows_of_tabs_located_by_sheet_and_cell(void **state)
{
	const char *names[] = { "名簿", "Second" };
	struct buf wb, sst, sh[2];
	struct run *t = run_new(1 << 20);

	buf_init(&wb, 1 << 16);
	buf_init(&sst, 1 << 12);
	buf_init(&sh[0], 1 << 12);
	buf_init(&sh[1], 1 << 12);
	b32(&sst, 2);
	b32(&sst, 2);
	b16(&sst, 4); /* "name", 8-bit */
	assert_int_equal(buf_putc(&sst, 0), BUF_OK);
	bbytes(&sst, "name", 4);
	b16(&sst, 4); /* "山田太郎", 16-bit */
	assert_int_equal(buf_putc(&sst, 1), BUF_OK);
	butf16(&sst, "山田太郎");
	/* records out of order: the output is by row, then column */
	number(&sh[0], 1, 1, 730192846518.0);
	labelsst(&sh[0], 1, 0, 1);
	labelsst(&sh[0], 0, 0, 0);
	rk(&sh[0], 2, 2, (7u << 2) | 2);
	labelsst(&sh[0], 3, 0, 99); /* no such string: an empty cell */
	label16(&sh[1], 6, 1, "二枚目");
	workbook(&wb, &sst, names, sh, 2);
	assert_int_equal(xls_run(t, &wb, NULL), DLP_OK);
	assert_string_equal(
	    text_of(t, 0), "name\n山田太郎\t" MYNUM "\n7\n\n二枚目\n");
	assert_text_at(t, 0, "名簿!B2", MYNUM "\n");
	assert_text_at(t, 0, "名簿!A2", "山田太郎\t");
	assert_text_at(t, 0, "名簿!C3", "7\n");
	assert_text_at(t, 0, "Second!B7", "二枚目\n");
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_PLAIN);
	run_free(t);
	buf_free(&wb);
	buf_free(&sst);
	buf_free(&sh[0]);
	buf_free(&sh[1]);
}

static void
test_xls_sheet_names_follow_bof_positions_not_record_order(void **state)
{
	struct buf wb;
	struct run *t = run_new(1 << 20);
	size_t pa, pb, pc;

	buf_init(&wb, 1 << 16);
	bof(&wb, 0x0600, 0x0005);
	pa = boundsheet8(&wb, "Alpha");
	pb = boundsheet8(&wb, "Beta");
	pc = boundsheet8(&wb, "Gamma");
	eof(&wb);
	/* Beta's sheet comes first in the stream, then Alpha's */
	put32_at(&wb, pb, (uint32_t)wb.len);
	bof(&wb, 0x0600, 0x0010);
	label16(&wb, 0, 0, "b");
	eof(&wb);
	put32_at(&wb, pa, (uint32_t)wb.len);
	bof(&wb, 0x0600, 0x0010);
	label16(&wb, 0, 0, "a");
	/* a BOUNDSHEET inside a sheet is not a sheet */
	boundsheet8(&wb, "Late");
	eof(&wb);
	/* Gamma's position points nowhere: the third sheet is Gamma by
	   order; a fourth has no name and is numbered */
	put32_at(&wb, pc, 7);
	bof(&wb, 0x0600, 0x0010);
	label16(&wb, 0, 0, "c");
	eof(&wb);
	bof(&wb, 0x0600, 0x0010);
	label16(&wb, 0, 0, "d");
	eof(&wb);
	assert_int_equal(xls_run(t, &wb, NULL), DLP_OK);
	assert_string_equal(text_of(t, 0), "b\na\nc\nd\n");
	assert_text_at(t, 0, "Beta!A1", "b\n");
	assert_text_at(t, 0, "Alpha!A1", "a\n");
	assert_text_at(t, 0, "Gamma!A1", "c\n");
	assert_text_at(t, 0, "Sheet4!A1", "d\n");
	run_free(t);
	buf_free(&wb);
}

static void
test_xls_sst_string_split_by_continue_rereads_the_high_byte_flag(void **state)
{
	struct buf wb, p, sh;
	struct run *t = run_new(1 << 20);

	buf_init(&wb, 1 << 16);
	buf_init(&p, 1 << 12);
	buf_init(&sh, 1 << 12);
	bof(&wb, 0x0600, 0x0005);
	/* SST: "1234" 8-bit, then the record ends inside the string */
	b32(&p, 1);
	b32(&p, 1);
	b16(&p, 8);
	assert_int_equal(buf_putc(&p, 0x08 | 0x04), BUF_OK); /* rich, ext */
	b16(&p, 1);					     /* 1 run */
	b32(&p, 6);					     /* ext bytes */
	bbytes(&p, "1234", 4);
	rec(&wb, 0x00FC, &p);
	buf_reset(&p);
	/* CONTINUE: a new flags byte says 16-bit now; "5678" */
	assert_int_equal(buf_putc(&p, 1), BUF_OK);
	butf16(&p, "5678");
	b16(&p, 0); /* half of the run */
	rec(&wb, 0x003C, &p);
	buf_reset(&p);
	/* CONTINUE: the rest of the run and the ext data: no flags byte */
	b16(&p, 0);
	bbytes(&p, "EXTEXT", 6);
	rec(&wb, 0x003C, &p);
	eof(&wb);
	bof(&wb, 0x0600, 0x0010);
	labelsst(&wb, 0, 0, 0);
	eof(&wb);
	assert_int_equal(xls_run(t, &wb, NULL), DLP_OK);
	assert_string_equal(text_of(t, 0), "12345678\n");
	assert_text_at(t, 0, "Sheet1!A1", "12345678\n");
	run_free(t);
	buf_free(&wb);
	buf_free(&p);
	buf_free(&sh);
}

static void
test_xls_sst_count_is_capped_by_the_stream(void **state)
{
	struct buf wb, p;
	struct run *t = run_new(1 << 20);

	buf_init(&wb, 1 << 16);
	buf_init(&p, 1 << 12);
	bof(&wb, 0x0600, 0x0005);
	b32(&p, 0xFFFFFFFFu);
	b32(&p, 0xFFFFFFFFu); /* four billion strings, in 9 bytes */
	b16(&p, 1);
	assert_int_equal(buf_putc(&p, 0), BUF_OK);
	bbytes(&p, "x", 1);
	b16(&p, 60000); /* a string longer than what is left */
	rec(&wb, 0x00FC, &p);
	eof(&wb);
	bof(&wb, 0x0600, 0x0010);
	labelsst(&wb, 0, 0, 0);
	labelsst(&wb, 0, 1, 1);
	eof(&wb);
	assert_int_equal(xls_run(t, &wb, NULL), DLP_EINPUT);
	assert_string_equal(text_of(t, 0), "x\t\n");
	run_free(t);
	buf_free(&wb);
	buf_free(&p);
}

static void
test_xls_mulrk_formula_and_cached_string_results_are_cells(void **state)
{
	struct buf wb, p;
	struct run *t = run_new(1 << 20);
	double v = 90.5;

	buf_init(&wb, 1 << 16);
	buf_init(&p, 1 << 12);
	bof(&wb, 0x0600, 0x0005);
	eof(&wb);
	bof(&wb, 0x0600, 0x0010);
	/* MULRK: row 0, columns 1..3 */
	b16(&p, 0);
	b16(&p, 1);
	b16(&p, 0x0F);
	b32(&p, (1u << 2) | 2);
	b16(&p, 0x0F);
	b32(&p, (250u << 2) | 3); /* 2.5 */
	b16(&p, 0x0F);
	b32(&p, 0x3FF00000u); /* 1.0 */
	b16(&p, 3);
	rec(&wb, 0x00BD, &p);
	buf_reset(&p);
	/* FORMULA with a number result */
	cell_hdr(&p, 1, 0);
	bbytes(&p, &v, 8);
	bzero_n(&p, 6);
	rec(&wb, 0x0006, &p);
	buf_reset(&p);
	/* FORMULA with a string result, then STRING */
	cell_hdr(&p, 1, 1);
	b16(&p, 0);
	bzero_n(&p, 4);
	b16(&p, 0xFFFF);
	bzero_n(&p, 6);
	rec(&wb, 0x0006, &p);
	buf_reset(&p);
	b16(&p, 3);
	assert_int_equal(buf_putc(&p, 0), BUF_OK);
	bbytes(&p, "abc", 3);
	rec(&wb, 0x0207, &p);
	/* a STRING with no FORMULA before it is not a cell */
	rec(&wb, 0x0207, &p);
	eof(&wb);
	assert_int_equal(xls_run(t, &wb, NULL), DLP_OK);
	assert_string_equal(text_of(t, 0), "1\t2.5\t1\n90.5\tabc\n");
	assert_text_at(t, 0, "Sheet1!D1", "1\n");
	assert_text_at(t, 0, "Sheet1!B2", "abc\n");
	run_free(t);
	buf_free(&wb);
	buf_free(&p);
}

static void
test_xls_filepass_gives_the_method(void **state)
{
	static const struct {
		unsigned vers, type, major, minor;
		const char *want; /* NULL: damage */
	} c[] = {
		{ 0x0600, 0, 0, 0, "office-xor" },
		{ 0x0600, 1, 1, 1, "office-rc4" },
		{ 0x0600, 1, 2, 2, "office-rc4-cryptoapi" },
		{ 0x0600, 1, 3, 2, "office-rc4-cryptoapi" },
		{ 0x0600, 1, 4, 2, "office-rc4-cryptoapi" },
		{ 0x0600, 1, 5, 5, NULL },
		{ 0x0600, 7, 1, 1, NULL },
		{ 0x0500, 0, 0, 0, "office-xor" },
	};
	struct ole_enc enc;
	struct buf wb, p;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run *t = run_new(1 << 20);

		buf_init(&wb, 1 << 12);
		buf_init(&p, 64);
		bof(&wb, c[i].vers, 0x0005);
		b16(&p, c[i].type);
		b16(&p, c[i].major);
		b16(&p, c[i].minor);
		bzero_n(&p, 8);
		rec(&wb, 0x002F, &p);
		eof(&wb);
		bof(&wb, c[i].vers, 0x0010);
		label16(&wb, 0, 0, "secret");
		eof(&wb);
		rc = xls_run(t, &wb, &enc);
		if (c[i].want == NULL) {
			assert_int_equal(rc, DLP_EINPUT);
		} else {
			assert_int_equal(rc, DLP_OK);
			assert_non_null(enc.method);
			assert_string_equal(enc.method, c[i].want);
			assert_true(enc.weak);
		}
		assert_string_equal(text_of(t, 0), "");
		run_free(t);
		buf_free(&wb);
		buf_free(&p);
	}
}

static void
test_xls_biff5_labels_are_read_in_the_code_page(void **state)
{
	/* "テスト" in CP932 */
	static const char sjis[] = "\x83\x65\x83\x58\x83\x67";
	struct buf wb, p;
	struct run *t = run_new(1 << 20);

	buf_init(&wb, 1 << 12);
	buf_init(&p, 64);
	bof(&wb, 0x0500, 0x0005);
	b16(&p, 932);
	rec(&wb, 0x0042, &p);
	buf_reset(&p);
	b32(&p, 0);
	b16(&p, 0);
	assert_int_equal(buf_putc(&p, 6), BUF_OK);
	bbytes(&p, sjis, 6);
	rec(&wb, 0x0085, &p);
	eof(&wb);
	bof(&wb, 0x0500, 0x0010);
	buf_reset(&p);
	cell_hdr(&p, 0, 0);
	b16(&p, 6);
	bbytes(&p, sjis, 6);
	rec(&wb, 0x0204, &p);
	eof(&wb);
	assert_int_equal(xls_run(t, &wb, NULL), DLP_OK);
	assert_string_equal(text_of(t, 0), "テスト\n");
	assert_text_at(t, 0, "テスト!A1", "テスト\n");
	run_free(t);
	buf_free(&wb);
	buf_free(&p);
}

static void
test_xls_damage_is_einput_and_never_loops(void **state)
{
	struct buf wb, p;
	struct run *t;
	size_t i;

	/* not a BOF first */
	t = run_new(1 << 20);
	buf_init(&wb, 1 << 16);
	buf_init(&p, 64);
	rec(&wb, 0x00FD, NULL);
	assert_int_equal(xls_run(t, &wb, NULL), DLP_EINPUT);
	run_free(t);
	/* zero-length records by the thousand, then a record that passes
	   the end inside a sheet: cut, written, damaged */
	t = run_new(1 << 20);
	buf_reset(&wb);
	bof(&wb, 0x0600, 0x0005);
	eof(&wb);
	bof(&wb, 0x0600, 0x0010);
	label16(&wb, 0, 0, "kept");
	for (i = 0; i < 4000; i++)
		rec(&wb, 0, NULL);
	b16(&wb, 0x0204);
	b16(&wb, 0xFFFF);
	bbytes(&wb, "short", 5);
	assert_int_equal(xls_run(t, &wb, NULL), DLP_EINPUT);
	assert_string_equal(text_of(t, 0), "kept\n");
	run_free(t);
	/* a LABEL whose string passes its record; short cell records */
	t = run_new(1 << 20);
	buf_reset(&wb);
	bof(&wb, 0x0600, 0x0005);
	eof(&wb);
	bof(&wb, 0x0600, 0x0010);
	cell_hdr(&p, 0, 0);
	b16(&p, 500);
	assert_int_equal(buf_putc(&p, 1), BUF_OK);
	bbytes(&p, "ab", 2);
	rec(&wb, 0x0204, &p);
	buf_reset(&p);
	b16(&p, 1);
	rec(&wb, 0x0203, &p); /* NUMBER of 2 bytes */
	rec(&wb, 0x027E, &p);
	rec(&wb, 0x00BD, &p);
	rec(&wb, 0x00FD, &p);
	rec(&wb, 0x0006, &p);
	rec(&wb, 0x0809, &p); /* a BOF too short to say anything */
	label16(&wb, 0, 1, "ok");
	eof(&wb);
	assert_int_equal(xls_run(t, &wb, NULL), DLP_EINPUT);
	assert_string_equal(text_of(t, 0), "ok\n");
	run_free(t);
	buf_free(&wb);
	buf_free(&p);
}

static void
test_xls_text_budget_stops_with_partial(void **state)
{
	struct buf wb;
	struct run *t = run_new(64);
	unsigned i;

	buf_init(&wb, 1 << 20);
	bof(&wb, 0x0600, 0x0005);
	eof(&wb);
	bof(&wb, 0x0600, 0x0010);
	for (i = 0; i < 1000; i++)
		number(&wb, i, 0, 730192846518.0);
	eof(&wb);
	assert_int_equal(xls_run(t, &wb, NULL), DLP_PARTIAL);
	assert_in_range(t->r.nodes[0].text.len, 1, 64);
	run_free(t);
	buf_free(&wb);
}

/* Only some labels are recorded: a sheet of 70000 locations is slow
   to record one realloc at a time. */
static void
watched_locate(void *arg, long id, const char *label)
{
	if (strcmp(label, "Sheet1!A65536") == 0 ||
	    strcmp(label, "Sheet1!B1") == 0 ||
	    strcmp(label, "Sheet1!B4464") == 0)
		xrec_node_locate(arg, id, label);
}

static void
test_xls_sheets_beyond_the_batch_are_all_written(void **state)
{
	struct buf wb;
	struct run *t = run_new(8 << 20);
	unsigned i;
	char *cell;

	t->r.sink.node_locate = watched_locate;
	buf_init(&wb, 8 << 20);
	bof(&wb, 0x0600, 0x0005);
	eof(&wb);
	bof(&wb, 0x0600, 0x0010);
	for (i = 0; i < 70000; i++)
		rk(&wb, i % 65536, i / 65536, ((i + 1) << 2) | 2);
	eof(&wb);
	assert_int_equal(xls_run(t, &wb, NULL), DLP_OK);
	cell = text_at(t, 0, "Sheet1!B4464");
	assert_string_equal(cell, "70000\n");
	free(cell);
	assert_text_at(t, 0, "Sheet1!A65536", "65536\n");
	run_free(t);
	buf_free(&wb);
}

/* Word */

static void
test_doc_encryption_comes_from_the_fib_and_the_table_header(void **state)
{
	static const struct {
		unsigned nfib, flags, major, minor;
		bool table;
		int rc;
		const char *want;
	} c[] = {
		{ 0xC1, 0, 0, 0, true, DLP_OK, NULL },
		{ 0xC1, F_ENCRYPTED | F_OBFUSCATE, 0, 0, false, DLP_OK,
		    "office-xor" },
		{ 0xC1, F_ENCRYPTED, 1, 1, true, DLP_OK, "office-rc4" },
		{ 0xC1, F_ENCRYPTED, 2, 2, true, DLP_OK,
		    "office-rc4-cryptoapi" },
		{ 0xC1, F_ENCRYPTED, 3, 2, true, DLP_OK,
		    "office-rc4-cryptoapi" },
		{ 0xC1, F_ENCRYPTED, 4, 2, true, DLP_OK,
		    "office-rc4-cryptoapi" },
		{ 0xC1, F_ENCRYPTED, 4, 4, true, DLP_EINPUT, NULL },
		{ 0xC1, F_ENCRYPTED, 1, 1, false, DLP_EINPUT, NULL },
		{ 0x65, F_ENCRYPTED, 0, 0, false, DLP_OK, "office-xor" },
	};
	struct ole_enc enc;
	struct buf wd, tbl;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		buf_init(&wd, 1 << 12);
		buf_init(&tbl, 64);
		fib(&wd, c[i].nfib, c[i].flags);
		b16(&tbl, c[i].major);
		b16(&tbl, c[i].minor);
		assert_int_equal(ole_doc_encryption(wd.data, wd.len,
				     c[i].table ? tbl.data : NULL,
				     c[i].table ? tbl.len : 0, &enc),
		    c[i].rc);
		if (c[i].want == NULL) {
			assert_null(enc.method);
		} else {
			assert_non_null(enc.method);
			assert_string_equal(enc.method, c[i].want);
			assert_true(enc.weak);
		}
		buf_free(&wd);
		buf_free(&tbl);
	}
	/* not a FIB */
	assert_int_equal(ole_doc_encryption((const unsigned char *)"\x00\x00",
			     2, NULL, 0, &enc),
	    DLP_EINPUT);
	assert_null(ole_doc_table_name((const unsigned char *)"xx", 2));
}

static void
test_doc_pieces_in_cp1252_and_utf16_with_marks_mapped(void **state)
{
	static const struct piece pc[] = {
		{ "\x93Quoted\x94 caf\xe9\r", true },
		{ "個人番号\a" MYNUM "\a\a", false },
		{ "line\vbreak\x1Eno\x1Fsoft\x01\r", true },
	};
	struct buf wd, tbl;
	struct run *t = run_new(1 << 20);

	buf_init(&wd, 1 << 16);
	buf_init(&tbl, 1 << 12);
	doc_build(&wd, &tbl, pc, 3, 0);
	assert_string_equal(ole_doc_table_name(wd.data, wd.len), "1Table");
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_OK);
	assert_string_equal(text_of(t, 0),
	    "“Quoted” café\n個人番号\t" MYNUM "\t\tline\nbreak-nosoft\n");
	run_free(t);
	buf_free(&wd);
	buf_free(&tbl);
}

static void
test_doc_fields_keep_the_result_not_the_instruction(void **state)
{
	static const struct piece pc[] = {
		/* MERGEFIELD with a result; a nested field inside an
		   instruction; a field without a separator; a stray end */
		{ "a\x13 MERGEFIELD num \x14" MYNUM "\x15 b", true },
		{ "\x13 IF \x13 REF x \x14hidden\x15 \x14shown\x15|", false },
		{ "\x13 PAGE \x15|\x15 c", true },
	};
	struct buf wd, tbl;
	struct run *t = run_new(1 << 20);

	buf_init(&wd, 1 << 16);
	buf_init(&tbl, 1 << 12);
	doc_build(&wd, &tbl, pc, 3, 0);
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_OK);
	assert_string_equal(text_of(t, 0), "a" MYNUM " bshown|| c");
	run_free(t);
	buf_free(&wd);
	buf_free(&tbl);
}

static void
test_doc_fields_nested_past_the_stack_are_instructions(void **state)
{
	char deep[200];
	struct piece pc[1];
	struct buf wd, tbl;
	struct run *t = run_new(1 << 20);
	size_t i;

	/* 70 fields open, 70 separators, 70 ends: all instruction */
	for (i = 0; i < 70; i++)
		deep[i] = 0x13;
	deep[70] = 'x';
	for (i = 0; i < 70; i++)
		deep[71 + i] = 0x15;
	memcpy(deep + 141, "after", 6);
	pc[0].text = deep;
	pc[0].compressed = true;
	buf_init(&wd, 1 << 16);
	buf_init(&tbl, 1 << 12);
	doc_build(&wd, &tbl, pc, 1, 0);
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_OK);
	assert_string_equal(text_of(t, 0), "after");
	run_free(t);
	buf_free(&wd);
	buf_free(&tbl);
}

static void
test_doc_pieces_outside_the_stream_are_cut_and_damage(void **state)
{
	static const struct piece pc[] = { { "kept\r", true },
		{ "also", false } };
	struct buf wd, tbl;
	struct run *t = run_new(1 << 20);
	size_t plc;

	buf_init(&wd, 1 << 16);
	buf_init(&tbl, 1 << 12);
	doc_build(&wd, &tbl, pc, 2, 0);
	/* the second piece claims 1000 more characters than there are */
	plc = ole_u32(wd.data + FIB_CLX) + 5 + 5;
	put32_at(&tbl, plc + 8, 5 + 4 + 1000);
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_EINPUT);
	assert_contains(text_of(t, 0), "kept\nalso");
	run_free(t);
	/* a piece past the end of the stream is skipped */
	t = run_new(1 << 20);
	put32_at(&tbl, plc + 8, 5 + 4);
	put32_at(&tbl, plc + 12 + 8 + 2, 0x7FFFFFF0u);
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_EINPUT);
	assert_string_equal(text_of(t, 0), "kept\n");
	run_free(t);
	/* CPs going backwards */
	t = run_new(1 << 20);
	put32_at(&tbl, plc + 4, 0xFFFFFFF0u);
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_EINPUT);
	run_free(t);
	buf_free(&wd);
	buf_free(&tbl);
}

static void
test_doc_overlapping_pieces_cannot_multiply_the_work(void **state)
{
	struct buf wd, tbl;
	struct run *t = run_new(64 << 20);
	size_t i, n = 5000;

	buf_init(&wd, 1 << 16);
	buf_init(&tbl, 1 << 20);
	fib(&wd, 0xC1, F_TABLE1);
	bzero_n(&wd, 8192 - wd.len);
	/* 5000 pieces, each the whole stream as 8-bit text */
	assert_int_equal(buf_putc(&tbl, 2), BUF_OK);
	b32(&tbl, (uint32_t)(4 * (n + 1) + 8 * n));
	for (i = 0; i <= n; i++)
		b32(&tbl, (uint32_t)(i * 8192));
	for (i = 0; i < n; i++) {
		b16(&tbl, 0);
		b32(&tbl, 0x40000000u);
		b16(&tbl, 0);
	}
	put32_at(&wd, FIB_CLX, 0);
	put32_at(&wd, FIB_CLX + 4, (uint32_t)tbl.len);
	/* the FIB's own bytes are text here (controls dropped) */
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_EINPUT);
	assert_true(t->r.nodes[0].text.len <= 2 * 8192 * 3);
	run_free(t);
	buf_free(&wd);
	buf_free(&tbl);
}

static void
test_doc_broken_fib_or_clx_is_einput(void **state)
{
	static const struct piece pc[] = { { "text", true } };
	struct buf wd, tbl;
	struct run *t = run_new(1 << 20);
	size_t clx;

	buf_init(&wd, 1 << 16);
	buf_init(&tbl, 1 << 12);
	doc_build(&wd, &tbl, pc, 1, 0);
	clx = ole_u32(wd.data + FIB_CLX);
	/* no table stream */
	assert_int_equal(doc_run(t, &wd, NULL), DLP_EINPUT);
	/* a Clx past the table stream */
	put32_at(&wd, FIB_CLX, (uint32_t)tbl.len + 10);
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_EINPUT);
	put32_at(&wd, FIB_CLX, (uint32_t)clx);
	/* an unknown clxt */
	tbl.data[clx] = 7;
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_EINPUT);
	/* a Prc with a negative size */
	tbl.data[clx] = 1;
	tbl.data[clx + 2] = 0x80;
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_EINPUT);
	tbl.data[clx + 2] = 0;
	/* a Pcdt longer than the Clx */
	put32_at(&tbl, clx + 5 + 1, 0xFFFFFF);
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_EINPUT);
	/* a FIB cut short, and a FIB whose cbRgFcLcb has no fcClx */
	assert_int_equal(
	    ole_doc_text(t->r.x, 0, wd.data, 0x30, tbl.data, tbl.len),
	    DLP_EINPUT);
	wd.data[0x98] = 10;
	wd.data[0x99] = 0;
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_EINPUT);
	wd.data[0x20] = 0xFF; /* csw past the stream */
	wd.data[0x21] = 0xFF;
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_EINPUT);
	wd.data[0] = 0;
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_EINPUT);
	assert_string_equal(text_of(t, 0), "");
	run_free(t);
	buf_free(&wd);
	buf_free(&tbl);
}

static void
test_doc_word6_text_range_in_the_language_code_page(void **state)
{
	struct buf wd;
	struct run *t = run_new(1 << 20);

	buf_init(&wd, 1 << 12);
	b16(&wd, 0xA5EC);
	b16(&wd, 0x65);
	b16(&wd, 0);
	b16(&wd, 0x0411); /* Japanese */
	bzero_n(&wd, 0x18 - wd.len);
	b32(&wd, 0x100);
	b32(&wd, 0x100 + 14);
	bzero_n(&wd, 0x100 - wd.len);
	bbytes(&wd, "\x83\x65\x83\x58\x83\x67\r\x13x\x14y\x15\a1", 14);
	assert_int_equal(
	    ole_doc_text(t->r.x, 0, wd.data, wd.len, NULL, 0), DLP_OK);
	assert_string_equal(text_of(t, 0), "テスト\ny\t1");
	run_free(t);
	/* a range past the stream: cut, damaged */
	t = run_new(1 << 20);
	put32_at(&wd, 0x1C, 0x100000);
	assert_int_equal(
	    ole_doc_text(t->r.x, 0, wd.data, wd.len, NULL, 0), DLP_EINPUT);
	assert_string_equal(text_of(t, 0), "テスト\ny\t1");
	put32_at(&wd, 0x18, 0x200000);
	assert_int_equal(
	    ole_doc_text(t->r.x, 0, wd.data, wd.len, NULL, 0), DLP_EINPUT);
	run_free(t);
	buf_free(&wd);
}

static void
test_doc_text_budget_stops_with_partial(void **state)
{
	char big[4000];
	struct piece pc[1];
	struct buf wd, tbl;
	struct run *t = run_new(100);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pc[0].text = big;
	pc[0].compressed = true;
	buf_init(&wd, 1 << 16);
	buf_init(&tbl, 1 << 12);
	doc_build(&wd, &tbl, pc, 1, 0);
	assert_int_equal(doc_run(t, &wd, &tbl), DLP_PARTIAL);
	assert_in_range(t->r.nodes[0].text.len, 1, 100);
	run_free(t);
	buf_free(&wd);
	buf_free(&tbl);
}

/* Compound files built here */

static void
test_doc_in_a_compound_file_with_properties_and_an_object(void **state)
{
	static const struct piece pc[] = { { "本文 " MYNUM "\r", false } };
	static const char pkg[] = "埋め込み " MYNUM;
	static const unsigned char props[] = { 0xFE, 0xFF, 0, 0, 0, 0, 0,
		0, /* byte order, version, sys */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* clsid */
		1, 0, 0, 0,					/* one set */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* fmtid */
		48, 0, 0, 0,					/* at 48 */
		/* set: size, 3 properties */
		64, 0, 0, 0, 3, 0, 0, 0,
		/* title at 40, code page at 56, author (a number) at 32 */
		2, 0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 56, 0, 0, 0, 4, 0, 0, 0,
		32, 0, 0, 0,
		/* 32: VT_I4 3 */
		3, 0, 0, 0, 3, 0, 0, 0,
		/* 40: VT_LPSTR "名簿" in CP932, 5 bytes with NUL, padded */
		0x1E, 0, 0, 0, 5, 0, 0, 0, 0x96, 0xBC, 0x95, 0xEB, 0, 0, 0, 0,
		/* 56: VT_I2 932 */
		2, 0, 0, 0, 0xA4, 0x03, 0, 0 };
	struct buf wd, tbl;
	struct run *t = run_new(1 << 20);
	unsigned char *cfb;
	size_t len;
	long c;

	buf_init(&wd, 1 << 16);
	buf_init(&tbl, 1 << 12);
	doc_build(&wd, &tbl, pc, 1, 0);
	{
		const struct cfb_entry e[] = {
			{ "WordDocument", wd.data, wd.len },
			{ "1Table", tbl.data, tbl.len },
			{ "\005SummaryInformation", props, sizeof(props) },
			{ "ObjectPool", NULL, 0 },
			{ "ObjectPool/_1", NULL, 0 },
			{ "ObjectPool/_1/Package", pkg, sizeof(pkg) - 1 },
		};

		cfb = cfb_build(e, sizeof(e) / sizeof(e[0]), &len);
	}
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	assert_string_equal(t->r.nodes[0].type, "application/msword");
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_string_equal(text_of(t, 0), "本文 " MYNUM "\n\n名簿\n");
	assert_text_at(t, 0, "properties", "名簿\n");
	c = node_named(t, "ObjectPool/_1/Package");
	assert_true(c > 0);
	assert_int_equal(t->r.nodes[c].parent, 0);
	assert_string_equal(text_of(t, c), "埋め込み " MYNUM);
	assert_true(t->r.nodes[c].done);
	assert_true(t->r.nodes[0].done);
	run_free(t);
	free(cfb);
	buf_free(&wd);
	buf_free(&tbl);
}

static void
test_embedded_office_storage_and_package_objects_become_members(void **state)
{
	/* an Ole10Native package: size, 2, label, path, 4, temp, data */
	static const unsigned char native[] = { 0x40, 0, 0, 0, 2, 0, 'a', '.',
		't', 'x', 't', 0, 'C', ':', '\\', 'a', 0, 0, 0, 3, 0, 4, 0, 0,
		0, 't', 'm', 'p', 0, 12, 0, 0, 0, '7', '3', '0', '1', '9', '2',
		'8', '4', '6', '5', '1', '8' };
	const char *names[] = { "S" };
	struct buf wb, inner, sh[1];
	struct run *t = run_new(1 << 20);
	unsigned char *cfb;
	size_t len;
	long c;

	buf_init(&inner, 1 << 12);
	buf_init(&sh[0], 1 << 12);
	label16(&sh[0], 0, 0, "inner " MYNUM);
	workbook(&inner, NULL, names, sh, 1);
	buf_init(&wb, 1 << 12);
	workbook(&wb, NULL, names, sh, 1);
	{
		const struct cfb_entry e[] = {
			{ "Workbook", wb.data, wb.len },
			{ "MBD0001", NULL, 0 },
			{ "MBD0001/Workbook", inner.data, inner.len },
			{ "MBD0002", NULL, 0 },
			{ "MBD0002/\001Ole10Native", native, sizeof(native) },
			{ "MBD0003", NULL, 0 },
			{ "MBD0003/\001Ole10Native", "bad", 3 },
			{ "XMBD", NULL, 0 },
			{ "XMBD/CONTENTS", "not an object", 13 },
		};

		cfb = cfb_build(e, sizeof(e) / sizeof(e[0]), &len);
	}
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	assert_string_equal(text_of(t, 0), "inner " MYNUM "\n");
	c = node_named(t, "MBD0001");
	assert_true(c > 0);
	assert_string_equal(t->r.nodes[c].type, "application/vnd.ms-excel");
	assert_string_equal(text_of(t, c), "inner " MYNUM "\n");
	c = node_named(t, "MBD0002/a.txt");
	assert_true(c > 0);
	assert_string_equal(text_of(t, c), MYNUM);
	/* a package that does not parse: its bytes after the size */
	assert_true(node_named(t, "MBD0003/Ole10Native") > 0);
	assert_int_equal(node_named(t, "XMBD/CONTENTS"), -1);
	run_free(t);
	free(cfb);
	buf_free(&wb);
	buf_free(&inner);
	buf_free(&sh[0]);
}

static void
test_ooxml_encryption_versions_give_the_method(void **state)
{
	static const struct {
		unsigned major, minor;
		uint32_t flags;
		bool package;
		const char *want; /* NULL: corrupt */
	} c[] = {
		{ 4, 4, 0x40, true, "ooxml-agile" },
		{ 3, 2, 0x24, true, "ooxml-standard" },
		{ 4, 2, 0x24, true, "ooxml-standard" },
		{ 2, 2, 0x24, true, "ooxml-standard" },
		{ 3, 3, 0x04, true, "ooxml-standard" },
		{ 4, 3, 0x20, true, "ooxml-standard" },
		{ 4, 3, 0x00, true, "ooxml-extensible" },
		{ 1, 0, 0, true, NULL },
		{ 4, 4, 0x40, false, NULL },
	};
	unsigned char info[16], *cfb;
	size_t i, len;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct run *t = run_new(1 << 20);
		const struct cfb_entry e[] = {
			{ "EncryptionInfo", info, sizeof(info) },
			{ "EncryptedPackage", "\x10\0\0\0\0\0\0\0xxxxxxxx",
			    16 },
		};
		int rc;

		memset(info, 0, sizeof(info));
		info[0] = (unsigned char)c[i].major;
		info[2] = (unsigned char)c[i].minor;
		info[4] = (unsigned char)c[i].flags;
		cfb = cfb_build(e, c[i].package ? 2 : 1, &len);
		rc = run_node(t, cfb, len);
		if (c[i].want != NULL) {
			assert_int_equal(rc, DLP_OK);
			assert_int_equal(t->r.nodes[0].enc, DLP_ENC_ENCRYPTED);
			assert_string_equal(t->r.nodes[0].detail, c[i].want);
			assert_false(t->r.nodes[0].weak);
			/* encrypted OOXML keeps the container's type */
			assert_string_equal(
			    t->r.nodes[0].type, "application/x-ole-storage");
		} else {
			assert_int_equal(rc, DLP_EINPUT);
			assert_int_equal(
			    t->r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
			assert_string_equal(t->r.nodes[0].detail, "corrupt");
		}
		run_free(t);
		free(cfb);
	}
}

/* Property set streams ([MS-OLEPS]) */

struct prop {
	uint32_t pid, type;
	const void *data; /* the value after the type, as stored */
	size_t len;
};

/* A property set stream with one set holding the properties. */
static void
propset(struct buf *b, const struct prop *pr, size_t n)
{
	size_t i, set, vals, off;

	b16(b, 0xFFFE);
	b16(b, 0);
	b32(b, 0);
	bzero_n(b, 16);
	b32(b, 1);
	bzero_n(b, 16);
	b32(b, 48);
	set = b->len;
	b32(b, 0); /* size, below */
	b32(b, (uint32_t)n);
	vals = 8 + 8 * n;
	off = vals;
	for (i = 0; i < n; i++) {
		b32(b, pr[i].pid);
		b32(b, (uint32_t)off);
		off += 4 + ((pr[i].len + 3) & ~(size_t)3);
	}
	for (i = 0; i < n; i++) {
		b32(b, pr[i].type);
		bbytes(b, pr[i].data, pr[i].len);
		bzero_n(b, ((pr[i].len + 3) & ~(size_t)3) - pr[i].len);
	}
	put32_at(b, set, (uint32_t)(b->len - set));
}

/* The properties text of a .ppt holding the summary stream. */
static char *
props_of(const struct buf *summary, const struct buf *doc_summary)
{
	struct run *t = run_new(1 << 20);
	struct cfb_entry e[3];
	unsigned char *cfb;
	size_t n = 0, len;
	char *text;

	e[n].path = "PowerPoint Document";
	e[n].data = "";
	e[n++].len = 0;
	if (summary != NULL) {
		e[n].path = "\005SummaryInformation";
		e[n].data = summary->data;
		e[n++].len = summary->len;
	}
	if (doc_summary != NULL) {
		e[n].path = "\005DocumentSummaryInformation";
		e[n].data = doc_summary->data;
		e[n++].len = doc_summary->len;
	}
	cfb = cfb_build(e, n, &len);
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	text = strdup(text_of(t, 0));
	assert_non_null(text);
	run_free(t);
	free(cfb);
	return text;
}

static void
test_summary_properties_in_every_string_form(void **state)
{
	/* "名簿" as VT_LPWSTR: count with the NUL, UTF-16 */
	static const unsigned char wtitle[] = { 3, 0, 0, 0, 0x0D, 0x54, 0x3F,
		0x7C, 0, 0 };
	/* "キー" as VT_LPSTR in CP932, "" (just the NUL) */
	static const unsigned char kw[] = { 5, 0, 0, 0, 0x83, 0x4C, 0x81, 0x5B,
		0 };
	static const unsigned char empty[] = { 1, 0, 0, 0, 0 };
	static const unsigned char cp932[] = { 0xA4, 0x03, 0, 0 };
	static const unsigned char cp1200[] = { 0xB0, 0x04, 0, 0 };
	/* "AB" as VT_LPSTR under code page 1200: UTF-16, size in bytes */
	static const unsigned char wide[] = { 6, 0, 0, 0, 'A', 0, 'B', 0, 0,
		0 };
	static const unsigned char co[] = { 4, 0, 0, 0, 'A', 'c', 'm', 0 };
	static const unsigned char num[] = { 7, 0, 0, 0 };
	const struct prop a[] = {
		{ 2, 0x1F, wtitle, sizeof(wtitle) },
		{ 5, 0x1E, kw, sizeof(kw) },
		{ 3, 0x1E, empty, sizeof(empty) },
		{ 4, 0x03, num, sizeof(num) }, /* a number: no text */
		{ 7, 0x1E, kw, sizeof(kw) },   /* not a wanted property */
		{ 1, 0x02, cp932, sizeof(cp932) },
	};
	const struct prop b[] = {
		{ 1, 0x02, cp1200, sizeof(cp1200) },
		{ 4, 0x1E, wide, sizeof(wide) },
	};
	const struct prop c[] = { { 0x0F, 0x1E, co, sizeof(co) },
		{ 0x0E, 0x1F, wtitle, sizeof(wtitle) } };
	struct buf s1, s2;
	char *text;

	buf_init(&s1, 4096);
	buf_init(&s2, 4096);
	propset(&s1, a, sizeof(a) / sizeof(a[0]));
	propset(&s2, c, sizeof(c) / sizeof(c[0]));
	text = props_of(&s1, &s2);
	assert_string_equal(text, "\n名簿\nキー\nAcm\n名簿\n");
	free(text);
	buf_reset(&s1);
	propset(&s1, b, 2);
	text = props_of(&s1, NULL);
	assert_string_equal(text, "\nAB\n");
	free(text);
	/* damage: the set past the stream, a set too short, a property
	   past its set, a string longer than its set, no FFFE */
	buf_reset(&s1);
	propset(&s1, a, 2);
	put32_at(&s1, 44, 100000);
	text = props_of(&s1, NULL);
	assert_string_equal(text, "");
	free(text);
	put32_at(&s1, 44, 48);
	put32_at(&s1, 48, 4);
	text = props_of(&s1, NULL);
	assert_string_equal(text, "");
	free(text);
	put32_at(&s1, 48, (uint32_t)(s1.len - 48));
	put32_at(&s1, 48 + 12, 5000);		   /* title's offset */
	put32_at(&s1, 48 + 8 + 16 + 4 + 4, 60000); /* keywords' count */
	put32_at(&s1, 48 + 4, 0x7FFFFFFF);	   /* properties */
	text = props_of(&s1, NULL);
	assert_string_equal(text, "\nキー\n");
	free(text);
	s1.data[0] = 0;
	text = props_of(&s1, NULL);
	assert_string_equal(text, "");
	free(text);
	buf_free(&s1);
	buf_free(&s2);
}

/* A PowerPoint record header. */
static void
ppt_rh(struct buf *b, unsigned ver, unsigned type, uint32_t len)
{
	b16(b, ver);
	b16(b, type);
	b32(b, len);
}

static void
current_user(struct buf *cu, uint32_t token, uint32_t edit)
{
	ppt_rh(cu, 0, 0x0FF6, 20);
	b32(cu, 0x14);
	b32(cu, token);
	b32(cu, edit);
	bzero_n(cu, 8);
}

static void
test_ppt_plain_text_atoms_are_text(void **state)
{
	struct buf pd, cu, chars;
	struct run *t = run_new(1 << 20);
	unsigned char *cfb;
	size_t len, n;

	buf_init(&pd, 1 << 12);
	buf_init(&cu, 64);
	buf_init(&chars, 256);
	n = butf16(&chars, "スライド\r" MYNUM);
	ppt_rh(&pd, 0x0F, 0x03E8, 0); /* a container: entered */
	ppt_rh(&pd, 0, 0x0FA0, (uint32_t)(2 * n));
	bbytes(&pd, chars.data, chars.len);
	ppt_rh(&pd, 0, 0x0FA8, 5);
	bbytes(&pd, "bytes", 5);
	ppt_rh(&pd, 0, 0x0FBA, 4); /* other atoms: skipped */
	bbytes(&pd, "zz\0\0", 4);
	current_user(&cu, 0xE391C05Fu, 0);
	{
		const struct cfb_entry e[] = {
			{ "PowerPoint Document", pd.data, pd.len },
			{ "Current User", cu.data, cu.len },
		};

		cfb = cfb_build(e, 2, &len);
	}
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_string_equal(text_of(t, 0), "スライド\n" MYNUM "\nbytes\n");
	assert_string_equal(
	    t->r.nodes[0].type, "application/vnd.ms-powerpoint");
	run_free(t);
	free(cfb);
	/* an atom longer than the stream: what came before, damaged */
	t = run_new(1 << 20);
	ppt_rh(&pd, 0, 0x0FA8, 1000);
	{
		const struct cfb_entry e[] = {
			{ "PowerPoint Document", pd.data, pd.len },
		};

		cfb = cfb_build(e, 1, &len);
	}
	assert_int_equal(run_node(t, cfb, len), DLP_EINPUT);
	assert_contains(text_of(t, 0), MYNUM);
	assert_string_equal(t->r.nodes[0].detail, "corrupt");
	run_free(t);
	free(cfb);
	buf_free(&pd);
	buf_free(&cu);
	buf_free(&chars);
}

static void
test_ppt_encryption_from_token_or_crypt_session(void **state)
{
	struct buf pd, cu;
	struct run *t;
	unsigned char *cfb;
	size_t len, crypt, dir, edit;

	/* the user edit names persist id 3, which is a CryptSession10 */
	buf_init(&pd, 1 << 12);
	buf_init(&cu, 64);
	ppt_rh(&pd, 0x0F, 0x03E8, 0);
	crypt = pd.len;
	ppt_rh(&pd, 0x0F, 0x2F14, 8);
	b16(&pd, 4);
	b16(&pd, 2);
	b32(&pd, 0x04);
	dir = pd.len;
	ppt_rh(&pd, 0, 0x1772, 12);
	b32(&pd, (2u << 20) | 2); /* ids 2 and 3 */
	b32(&pd, 0);
	b32(&pd, (uint32_t)crypt);
	edit = pd.len;
	ppt_rh(&pd, 0, 0x0FF5, 0x20);
	b32(&pd, 0);
	b16(&pd, 0);
	b16(&pd, 3);
	b32(&pd, 0);		 /* no earlier edit */
	b32(&pd, (uint32_t)dir); /* persist directory */
	b32(&pd, 1);
	b32(&pd, 4);
	b16(&pd, 1);
	b16(&pd, 0);
	b32(&pd, 3); /* encryptSessionPersistIdRef */
	ppt_rh(&pd, 0, 0x0FA8, 6);
	bbytes(&pd, "secret", 6);
	current_user(&cu, 0xE391C05Fu, (uint32_t)edit);
	{
		const struct cfb_entry e[] = {
			{ "PowerPoint Document", pd.data, pd.len },
			{ "Current User", cu.data, cu.len },
		};

		cfb = cfb_build(e, 2, &len);
	}
	t = run_new(1 << 20);
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_ENCRYPTED);
	assert_string_equal(t->r.nodes[0].detail, "office-rc4-cryptoapi");
	assert_true(t->r.nodes[0].weak);
	assert_string_equal(text_of(t, 0), "");
	run_free(t);
	free(cfb);
	/* the same without the session reference: plain, text read */
	put32_at(&pd, edit + 8 + 0x1C, 9);
	{
		const struct cfb_entry e[] = {
			{ "PowerPoint Document", pd.data, pd.len },
			{ "Current User", cu.data, cu.len },
		};

		cfb = cfb_build(e, 2, &len);
	}
	t = run_new(1 << 20);
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_string_equal(text_of(t, 0), "secret\n");
	run_free(t);
	free(cfb);
	/* an edit chain that loops ends */
	put32_at(&pd, edit + 8 + 8, (uint32_t)edit);
	buf_reset(&cu);
	current_user(&cu, 0xE391C05Fu, (uint32_t)edit);
	{
		const struct cfb_entry e[] = {
			{ "PowerPoint Document", pd.data, pd.len },
			{ "Current User", cu.data, cu.len },
		};

		cfb = cfb_build(e, 2, &len);
	}
	t = run_new(1 << 20);
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_PLAIN);
	run_free(t);
	free(cfb);
	/* the token alone */
	buf_reset(&cu);
	current_user(&cu, 0xF3D1C4DFu, 0);
	{
		const struct cfb_entry e[] = {
			{ "Current User", cu.data, cu.len },
		};

		cfb = cfb_build(e, 1, &len);
	}
	t = run_new(1 << 20);
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_ENCRYPTED);
	run_free(t);
	free(cfb);
	buf_free(&pd);
	buf_free(&cu);
}

/* Outlook */

static void
test_msg_fields_and_attachments_are_read(void **state)
{
	struct buf subj, body, name, props, inner_subj;
	struct run *t = run_new(1 << 20);
	unsigned char *cfb;
	size_t len;
	long c, d;

	buf_init(&subj, 256);
	buf_init(&body, 256);
	buf_init(&name, 256);
	buf_init(&props, 256);
	buf_init(&inner_subj, 256);
	butf16(&subj, "名簿の件");
	butf16(&body, "番号 " MYNUM " です");
	butf16(&name, "名簿/2024.txt");
	butf16(&inner_subj, "転送 " MYNUM);
	bzero_n(&props, 32);
	{
		const struct cfb_entry e[] = {
			{ "__properties_version1.0", props.data, props.len },
			{ "__substg1.0_0037001F", subj.data, subj.len },
			{ "__substg1.0_0C1A001E", "Taro", 4 },
			{ "__substg1.0_1000001F", body.data, body.len },
			{ "__attach_version1.0_#00000000", NULL, 0 },
			{ "__attach_version1.0_#00000000/__substg1.0_3707001F",
			    name.data, name.len },
			{ "__attach_version1.0_#00000000/__substg1.0_37010102",
			    "添付 " MYNUM, 19 },
			{ "__attach_version1.0_#00000001", NULL, 0 },
			{ "__attach_version1.0_#00000001/__substg1.0_3701000D",
			    NULL, 0 },
			{ "__attach_version1.0_#00000001/__substg1.0_3701000D/"
			  "__substg1.0_0037001F",
			    inner_subj.data, inner_subj.len },
			{ "__attach_version1.0_#00000002", NULL, 0 },
		};

		cfb = cfb_build(e, sizeof(e) / sizeof(e[0]), &len);
	}
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_string_equal(t->r.nodes[0].type, "application/vnd.ms-outlook");
	assert_string_equal(
	    text_of(t, 0), "名簿の件\nTaro\n番号 " MYNUM " です\n");
	assert_text_at(t, 0, "subject", "名簿の件\n");
	assert_text_at(t, 0, "body", "番号 " MYNUM " です\n");
	assert_lacks(text_of(t, 0), "添付");
	c = node_named(t, "名簿_2024.txt");
	assert_true(c > 0);
	assert_string_equal(text_of(t, c), "添付 " MYNUM);
	/* the attached message, a storage, copied and read in turn */
	c = node_named(t, "attachment2");
	assert_true(c > 0);
	assert_string_equal(t->r.nodes[c].type, "application/vnd.ms-outlook");
	assert_string_equal(text_of(t, c), "転送 " MYNUM "\n");
	/* an attachment with nothing in it is no member */
	assert_int_equal(node_named(t, "attachment3"), -1);
	for (d = 0; d < (long)t->r.n; d++)
		assert_true(t->r.nodes[d].done);
	run_free(t);
	free(cfb);
	buf_free(&subj);
	buf_free(&body);
	buf_free(&name);
	buf_free(&props);
	buf_free(&inner_subj);
}

static void
test_msg_recipients_names_and_addresses_are_text(void **state)
{
	struct run *t = run_new(1 << 20);
	struct buf name, props;
	unsigned char *cfb;
	size_t len;

	buf_init(&name, 256);
	buf_init(&props, 64);
	butf16(&name, "山田 太郎");
	bzero_n(&props, 32);
	{
		const struct cfb_entry e[] = {
			{ "__properties_version1.0", props.data, props.len },
			{ "__substg1.0_0037001E", "roster", 6 },
			{ "__recip_version1.0_#00000000", NULL, 0 },
			{ "__recip_version1.0_#00000000/__substg1.0_3001001F",
			    name.data, name.len },
			{ "__recip_version1.0_#00000000/__substg1.0_3003001E",
			    "taro@example.jp", 15 },
			{ "__recip_version1.0_#00000001", NULL, 0 },
			{ "__recip_version1.0_#00000001/__substg1.0_39FE001E",
			    "hanako@example.jp", 17 },
		};

		cfb = cfb_build(e, sizeof(e) / sizeof(e[0]), &len);
	}
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	assert_string_equal(t->r.nodes[0].type, "application/vnd.ms-outlook");
	assert_text_at(t, 0, "recipients",
	    "山田 太郎\ntaro@example.jp\nhanako@example.jp\n");
	run_free(t);
	free(cfb);
	buf_free(&name);
	buf_free(&props);
}

static void
test_msg_without_plain_body_gives_html_or_rtf_member(void **state)
{
	/* [MS-OXRTFCP] 4.1: "{\rtf1\ansi\ansicpg1252\pard hello world}" */
	static const unsigned char lzfu[] = { 0x2d, 0x00, 0x00, 0x00, 0x2b,
		0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7,
		0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31,
		0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c,
		0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d,
		0x0a, 0x80, 0x0f, 0xa0 };
	static const char html[] = "<p>html " MYNUM "</p>";
	struct buf props, sj;
	struct run *t;
	unsigned char *cfb;
	size_t len;
	long c;

	buf_init(&props, 256);
	buf_init(&sj, 256);
	bzero_n(&props, 32);
	/* PR_MESSAGE_CODEPAGE 932 */
	b32(&props, 0x3FFD0003u);
	b32(&props, 0);
	b32(&props, 932);
	b32(&props, 0);
	bbytes(&sj, "\x83\x65\x83\x58\x83\x67", 6);
	{
		const struct cfb_entry e[] = {
			{ "__properties_version1.0", props.data, props.len },
			{ "__substg1.0_0037001E", sj.data, sj.len },
			{ "__substg1.0_10130102", html, sizeof(html) - 1 },
		};

		cfb = cfb_build(e, 3, &len);
	}
	t = run_new(1 << 20);
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	assert_string_equal(text_of(t, 0), "テスト\n");
	c = node_named(t, "body.html");
	assert_true(c > 0);
	assert_contains(text_of(t, c), MYNUM);
	run_free(t);
	free(cfb);
	{
		const struct cfb_entry e[] = {
			{ "__substg1.0_10090102", lzfu, sizeof(lzfu) },
		};

		cfb = cfb_build(e, 1, &len);
	}
	t = run_new(1 << 20);
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	c = node_named(t, "body.rtf");
	assert_true(c > 0);
	assert_string_equal(t->r.nodes[c].type, "text/rtf");
	run_free(t);
	free(cfb);
	/* "MELA": stored, not compressed */
	{
		static const char mela[] = "\x24\0\0\0\x14\0\0\0MELA\0\0\0\0"
					   "{\\rtf1 " MYNUM "}";
		const struct cfb_entry e[] = {
			{ "__substg1.0_10090102", mela, sizeof(mela) - 1 },
		};

		cfb = cfb_build(e, 1, &len);
	}
	t = run_new(1 << 20);
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	c = node_named(t, "body.rtf");
	assert_true(c > 0);
	assert_contains(text_of(t, c), MYNUM);
	run_free(t);
	free(cfb);
	/* damaged compressed RTF: a corrupt member */
	{
		const struct cfb_entry e[] = {
			{ "__substg1.0_10090102", "0123456789abcdefgh", 18 },
		};

		cfb = cfb_build(e, 1, &len);
	}
	t = run_new(1 << 20);
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	c = node_named(t, "body.rtf");
	assert_true(c > 0);
	assert_int_equal(t->r.nodes[c].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(t->r.nodes[c].detail, "corrupt");
	run_free(t);
	free(cfb);
	buf_free(&props);
	buf_free(&sj);
}

static void
test_msg_attachments_past_the_member_limit_mark_the_message(void **state)
{
	char path[8][64];
	struct cfb_entry e[8];
	struct run *t = run_new(1 << 20);
	unsigned char *cfb;
	size_t len, i;

	for (i = 0; i < 4; i++) {
		snprintf(path[2 * i], 64, "__attach_version1.0_#0000000%zu", i);
		snprintf(path[2 * i + 1], 64,
		    "__attach_version1.0_#0000000%zu/__substg1.0_37010102", i);
		e[2 * i].path = path[2 * i];
		e[2 * i].data = NULL;
		e[2 * i + 1].path = path[2 * i + 1];
		e[2 * i + 1].data = "data";
		e[2 * i + 1].len = 4;
	}
	cfb = cfb_build(e, 8, &len);
	t->r.lim.max_members = 2;
	assert_int_equal(run_node(t, cfb, len), DLP_PARTIAL);
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(t->r.nodes[0].detail, "limit:members");
	assert_int_equal((long)t->r.n, 3);
	run_free(t);
	free(cfb);
}

static void
test_other_compound_files_are_plain_without_text(void **state)
{
	struct run *t = run_new(1 << 20);
	unsigned char *cfb;
	size_t len;
	const struct cfb_entry e[] = {
		{ "VisioDocument", "whatever " MYNUM, 21 },
	};

	cfb = cfb_build(e, 1, &len);
	assert_int_equal(run_node(t, cfb, len), DLP_OK);
	assert_string_equal(t->r.nodes[0].type, "application/x-ole-storage");
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_string_equal(text_of(t, 0), "");
	assert_int_equal((long)t->r.n, 1);
	run_free(t);
	free(cfb);
}

static void
test_not_a_compound_file_is_corrupt(void **state)
{
	unsigned char junk[4096];
	struct run *t = run_new(1 << 20);
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7);
	memcpy(junk, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	assert_int_equal(
	    extract_ole(t->r.x, 0, 0, junk, sizeof(junk)), DLP_EINPUT);
	assert_int_equal(extract_ole(t->r.x, 0, 0, junk, 100), DLP_EINPUT);
	assert_int_equal(extract_ole(t->r.x, 0, 0, NULL, 0), DLP_EINPUT);
	assert_int_equal(run_node(t, junk, sizeof(junk)), DLP_EINPUT);
	assert_string_equal(t->r.nodes[0].detail, "corrupt");
	run_free(t);
}

/* The external corpus */

struct corpus_case {
	const char *file;
	enum dlp_encryption enc;
	const char *method; /* encrypted: the method; plain: a text */
	bool weak;
};

static const struct corpus_case corpus[] = {
	/* Excel's default password: weak (and read, see below) */
	{ "apache-poi/protect.xlsx", DLP_ENC_ENCRYPTED, "ooxml-standard",
	    true },
	{ "apache-poi/protected_agile.docx", DLP_ENC_ENCRYPTED, "ooxml-agile",
	    true },
	{ "apache-poi/protected_sha512.xlsx", DLP_ENC_ENCRYPTED, "ooxml-agile",
	    false },
	{ "apache-poi/60320-protected.xlsx", DLP_ENC_ENCRYPTED, "ooxml-agile",
	    false },
	{ "apache-poi/extenxls_pwd123.xlsx", DLP_ENC_ENCRYPTED,
	    "ooxml-standard", false },
	{ "apache-poi/bug53475-password-is-pass.docx", DLP_ENC_ENCRYPTED,
	    "ooxml-agile", false },
	{ "apache-poi/bug53475-password-is-solrcell.docx", DLP_ENC_ENCRYPTED,
	    "ooxml-standard", false },
	{ "apache-poi/protected_passtika.xlsb", DLP_ENC_ENCRYPTED,
	    "ooxml-agile", false },
	{ "apache-poi/protected_passtika.xlsx", DLP_ENC_ENCRYPTED,
	    "ooxml-standard", false },
	{ "clamav/password.ministream.docx", DLP_ENC_ENCRYPTED,
	    "ooxml-standard", false },
	{ "clamav/password.fat.xlsx", DLP_ENC_ENCRYPTED, "ooxml-standard",
	    false },
	{ "clamav/password.ministream.pptx", DLP_ENC_ENCRYPTED,
	    "ooxml-standard", false },
	{ "clamav/password.ministream.ppsx", DLP_ENC_ENCRYPTED,
	    "ooxml-standard", false },
	{ "apache-poi/password_tika_binaryrc4.doc", DLP_ENC_ENCRYPTED,
	    "office-rc4", true },
	{ "apache-poi/password_password_cryptoapi.doc", DLP_ENC_ENCRYPTED,
	    "office-rc4-cryptoapi", true },
	{ "apache-poi/PasswordProtected.doc", DLP_ENC_ENCRYPTED, "office-rc4",
	    true },
	{ "apache-poi/password.xls", DLP_ENC_ENCRYPTED, "office-rc4", true },
	{ "apache-poi/35897-type4.xls", DLP_ENC_ENCRYPTED,
	    "office-rc4-cryptoapi", true },
	{ "apache-poi/xor-encryption-abc.xls", DLP_ENC_ENCRYPTED, "office-xor",
	    true },
	{ "apache-poi/Password_Protected-hello.ppt", DLP_ENC_ENCRYPTED,
	    "office-rc4-cryptoapi", true },
	{ "apache-poi/Password_Protected-56-hello.ppt", DLP_ENC_ENCRYPTED,
	    "office-rc4-cryptoapi", true },
	{ "apache-poi/Password_Protected-np-hello.ppt", DLP_ENC_ENCRYPTED,
	    "office-rc4-cryptoapi", true },
	{ "clamav/password.fat.doc", DLP_ENC_ENCRYPTED, "office-rc4", true },
	{ "clamav/password.ministream.doc", DLP_ENC_ENCRYPTED, "office-rc4",
	    true },
	{ "clamav/password.ministream.dot", DLP_ENC_ENCRYPTED, "office-rc4",
	    true },
	{ "clamav/password.fat.xls", DLP_ENC_ENCRYPTED, "office-rc4", true },
	{ "clamav/password.ministream.xls", DLP_ENC_ENCRYPTED, "office-rc4",
	    true },
	{ "apache-poi/SampleDoc.doc", DLP_ENC_PLAIN,
	    "I am a test document\nThis is page 1", false },
	{ "apache-poi/SampleSS.xls", DLP_ENC_PLAIN, "Start of 2nd sheet",
	    false },
	{ "apache-poi/chinese-provinces.xls", DLP_ENC_PLAIN,
	    "Anhui\t安徽省\nBeijing\t北京市", false },
	{ "apache-poi/SimpleMacro.xls", DLP_ENC_PLAIN,
	    "This is a macro workbook", false },
	{ "apache-poi/simple_test_msg.msg", DLP_ENC_PLAIN, "test message\n",
	    false },
};

static void
test_corpus_rows_are_judged_right(void **state)
{
	char path[512];
	unsigned char *data;
	size_t i, len, passed = 0;

	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const struct corpus_case *c = &corpus[i];
		struct run *t = run_new(1 << 20);
		int rc;

		snprintf(path, sizeof(path), CORPUS "%s", c->file);
		data = slurp(path, &len);
		rc = run_node(t, data, len);
		if (rc != DLP_OK || t->r.nodes[0].enc != c->enc)
			fail_msg("%s: rc %d, encryption %d %s", c->file, rc,
			    t->r.nodes[0].enc, t->r.nodes[0].detail);
		if (c->enc == DLP_ENC_ENCRYPTED) {
			assert_string_equal(t->r.nodes[0].detail, c->method);
			assert_int_equal(t->r.nodes[0].weak, c->weak);
			assert_string_equal(text_of(t, 0), "");
		} else {
			assert_contains(text_of(t, 0), c->method);
		}
		passed++;
		run_free(t);
		free(data);
	}
	print_message("# %zu of %zu corpus rows right\n", passed,
	    sizeof(corpus) / sizeof(corpus[0]));
}

/* What Excel's default password hides is read like any member. */
static void
test_default_password_packages_are_read(void **state)
{
	static const struct {
		const char *file, *text;
	} cases[] = {
		{ "apache-poi/protect.xlsx", "Лист1" },
		{ "apache-poi/protected_agile.docx",
		    "Agile protected document" },
	};
	unsigned char *data;
	struct xnode *n;
	struct run *t;
	char path[512];
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), CORPUS "%s", cases[i].file);
		t = run_new(1 << 20);
		data = slurp(path, &len);
		assert_int_equal(run_node(t, data, len), DLP_OK);
		assert_int_equal(t->r.n, 2);
		n = &t->r.nodes[1];
		assert_int_equal(n->parent, 0);
		assert_contains(n->path, "EncryptedPackage");
		assert_int_equal(n->enc, DLP_ENC_PLAIN);
		assert_contains(text_of(t, 1), cases[i].text);
		run_free(t);
		free(data);
	}
	/* a package larger than a member may be, or than the message's
	   budget: the member is there, not inspected, with the limit */
	t = run_new(1 << 20);
	t->r.lim.max_member_bytes = 4096;
	data = slurp(CORPUS "apache-poi/protect.xlsx", &len);
	assert_int_equal(run_node(t, data, len), DLP_OK);
	assert_int_equal(t->r.n, 2);
	assert_int_equal(t->r.nodes[1].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(t->r.nodes[1].detail, "limit:size");
	assert_false(t->r.nodes[0].weak);
	run_free(t);
	t = run_new(1 << 20);
	t->r.lim.max_expanded_bytes = 4096;
	assert_int_equal(run_node(t, data, len), DLP_OK);
	assert_int_equal(t->r.n, 2);
	assert_string_equal(t->r.nodes[1].detail, "limit:expanded");
	assert_true(t->r.nodes[0].weak);
	run_free(t);
	free(data);
	/* a real password: nothing comes out */
	t = run_new(1 << 20);
	data = slurp(CORPUS "apache-poi/60320-protected.xlsx", &len);
	assert_int_equal(run_node(t, data, len), DLP_OK);
	assert_int_equal(t->r.n, 1);
	assert_false(t->r.nodes[0].weak);
	run_free(t);
	free(data);
}

static void
test_corpus_plain_files_are_located_and_complete(void **state)
{
	unsigned char *data;
	struct run *t;
	size_t len;

	t = run_new(1 << 20);
	data = slurp(CORPUS "apache-poi/chinese-provinces.xls", &len);
	assert_int_equal(run_node(t, data, len), DLP_OK);
	assert_text_at(t, 0, "provinces!B2", "安徽省\n");
	run_free(t);
	free(data);
	t = run_new(1 << 20);
	data = slurp(CORPUS "apache-poi/SampleSS.xls", &len);
	assert_int_equal(run_node(t, data, len), DLP_OK);
	assert_contains(text_of(t, 0),
	    "Test spreadsheet\n2nd row\t2nd row 2nd "
	    "column\nThis one is red\n");
	assert_contains(text_of(t, 0), "1\t10\t2\t13\n");
	assert_text_at(t, 0, "properties",
	    "Sample Spreadsheet\nSpreadsheet "
	    "for testing\nNick Burch\nTesting "
	    "Sample Formulas\nThis is a "
	    "sample spreadsheet, for use when "
	    "testing things\nNick Burch\n");
	run_free(t);
	free(data);
	t = run_new(1 << 20);
	data = slurp(CORPUS "apache-poi/SampleDoc.doc", &len);
	assert_int_equal(run_node(t, data, len), DLP_OK);
	assert_contains(text_of(t, 0),
	    "This is page two\nIt’s Arial Black in "
	    "16 point\n");
	assert_contains(text_of(t, 0), "Nick Burch\n");
	run_free(t);
	free(data);
	t = run_new(1 << 20);
	data = slurp(CORPUS "apache-poi/simple_test_msg.msg", &len);
	assert_int_equal(run_node(t, data, len), DLP_OK);
	assert_text_at(t, 0, "subject", "test message\n");
	assert_text_at(t, 0, "body", "This is a test message.\n");
	run_free(t);
	free(data);
}

/*
 * Damaged copies of every corpus file: random bytes changed, or the file
 * cut, with a fixed seed. Each must finish with a defined result and
 * (under ASan) no bad access.
 */
static void
test_mutated_corpus_files_never_crash(void **state)
{
	char path[512];
	unsigned char *data, *m;
	uint32_t seed = 12345;
	size_t i, k, j, len, mlen, n;

	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		snprintf(path, sizeof(path), CORPUS "%s", corpus[i].file);
		data = slurp(path, &len);
		m = malloc(len);
		assert_non_null(m);
		for (k = 0; k < 24; k++) {
			struct run *t = run_new(1 << 20);
			int rc;

			memcpy(m, data, len);
			mlen = len;
			seed = seed * 1103515245u + 12345u;
			if (k % 6 == 5) {
				mlen = 512 + (seed >> 8) % (len - 512);
			} else {
				n = 1 + (seed >> 16) % 32;
				for (j = 0; j < n; j++) {
					seed = seed * 1103515245u + 12345u;
					m[(seed >> 4) % len] =
					    (unsigned char)(seed >> 24);
				}
			}
			rc = run_node(t, m, mlen);
			assert_true(rc == DLP_OK || rc == DLP_PARTIAL ||
			    rc == DLP_EINPUT);
			assert_true(t->r.nodes[0].done);
			run_free(t);
		}
		free(m);
		free(data);
	}
}

/* Generated by Debian's tools */

static char gdir[] = "/tmp/dlp-test-ole-XXXXXX";

static int
setup(void **state)
{
	return mkdtemp(gdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", gdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_xlwt_workbook_has_digits_japanese_and_two_sheets(void **state)
{
	char cmd[2048], path[256];
	unsigned char *data;
	struct run *t;
	size_t len;

	snprintf(path, sizeof(path), "%s/gen.xls", gdir);
	snprintf(cmd, sizeof(cmd),
	    "/usr/bin/python3 - '%s' <<'EOF'\n"
	    "import sys, xlwt\n"
	    "wb = xlwt.Workbook(encoding='utf-8')\n"
	    "s = wb.add_sheet('名簿')\n"
	    "s.write(0, 0, '氏名')\n"
	    "s.write(0, 1, '個人番号')\n"
	    "s.write(1, 0, '山田太郎')\n"
	    "s.write(1, 1, " MYNUM ")\n"
	    "s.write(2, 0, '住所 東京都千代田区')\n"
	    "s.write(2, 1, 3.25)\n"
	    "s2 = wb.add_sheet('Sheet2')\n"
	    "s2.write(6, 1, '二枚目 ' + '" MYNUM "')\n"
	    "wb.save(sys.argv[1])\n"
	    "EOF",
	    path);
	assert_int_equal(system(cmd), 0);
	data = slurp(path, &len);
	t = run_new(1 << 20);
	assert_int_equal(run_node(t, data, len), DLP_OK);
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_string_equal(text_of(t, 0),
	    "氏名\t個人番号\n山田太郎\t" MYNUM "\n住所 東京都千代田区\t3.25\n"
	    "二枚目 " MYNUM "\n");
	assert_text_at(t, 0, "名簿!B2", MYNUM "\n");
	assert_text_at(t, 0, "名簿!A3", "住所 東京都千代田区\t");
	assert_text_at(t, 0, "Sheet2!B7", "二枚目 " MYNUM "\n");
	run_free(t);
	free(data);
}

static void
test_soffice_doc_has_the_docx_text(void **state)
{
	char cmd[4096], path[256], *props;
	unsigned char *data;
	struct run *t;
	size_t len;
	int rc;

	if (access("/usr/bin/soffice", X_OK) != 0) {
		print_message("# SKIP soffice doc: /usr/bin/soffice missing\n");
		return;
	}
	snprintf(cmd, sizeof(cmd),
	    "/usr/bin/python3 - '%s/gen.docx' <<'EOF'\n"
	    "import sys, docx\n"
	    "d = docx.Document()\n"
	    "d.add_paragraph('個人番号は 7301 9284 6518 です。')\n"
	    "p = d.add_paragraph('番号: ')\n"
	    "p.add_run('7301')\n"
	    "p.add_run('92846518')\n"
	    "t = d.add_table(rows=1, cols=2)\n"
	    "t.cell(0, 0).text = '氏名'\n"
	    "t.cell(0, 1).text = '山田太郎'\n"
	    "d.core_properties.title = '名簿タイトル'\n"
	    "d.save(sys.argv[1])\n"
	    "EOF",
	    gdir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
	    "cd '%s' && timeout 90 /usr/bin/soffice --headless "
	    "-env:UserInstallation=file://%s/profile --convert-to doc "
	    "--outdir '%s' gen.docx >/dev/null 2>&1",
	    gdir, gdir, gdir);
	rc = system(cmd);
	snprintf(path, sizeof(path), "%s/gen.doc", gdir);
	if (rc != 0 || access(path, R_OK) != 0) {
		print_message("# SKIP soffice doc: conversion failed or took "
			      "over 90 s (status %d)\n",
		    rc);
		return;
	}
	data = slurp(path, &len);
	t = run_new(1 << 20);
	assert_int_equal(run_node(t, data, len), DLP_OK);
	assert_int_equal(t->r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_contains(text_of(t, 0), "個人番号は 7301 9284 6518 です。\n");
	assert_contains(text_of(t, 0), "番号: " MYNUM "\n");
	assert_contains(text_of(t, 0), "氏名\t山田太郎\t");
	props = text_at(t, 0, "properties");
	assert_contains(props, "名簿タイトル\n");
	free(props);
	run_free(t);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_are_plain_digits_when_integral),
		cmocka_unit_test(
		    test_rk_decodes_integers_doubles_and_hundredths),
		cmocka_unit_test(test_cell_references_use_excel_letters),
		cmocka_unit_test(
		    test_utf16_joins_pairs_and_replaces_lone_surrogates),
		cmocka_unit_test(test_code_pages_map_to_charsets),
		cmocka_unit_test(
		    test_xls_cells_are_rows_of_tabs_located_by_sheet_and_cell),
		cmocka_unit_test(
		    test_xls_sheet_names_follow_bof_positions_not_record_order),
		cmocka_unit_test(
		    test_xls_sst_string_split_by_continue_rereads_the_high_byte_flag),
		cmocka_unit_test(test_xls_sst_count_is_capped_by_the_stream),
		cmocka_unit_test(
		    test_xls_mulrk_formula_and_cached_string_results_are_cells),
		cmocka_unit_test(test_xls_filepass_gives_the_method),
		cmocka_unit_test(
		    test_xls_biff5_labels_are_read_in_the_code_page),
		cmocka_unit_test(test_xls_damage_is_einput_and_never_loops),
		cmocka_unit_test(test_xls_text_budget_stops_with_partial),
		cmocka_unit_test(
		    test_xls_sheets_beyond_the_batch_are_all_written),
		cmocka_unit_test(
		    test_doc_encryption_comes_from_the_fib_and_the_table_header),
		cmocka_unit_test(
		    test_doc_pieces_in_cp1252_and_utf16_with_marks_mapped),
		cmocka_unit_test(
		    test_doc_fields_keep_the_result_not_the_instruction),
		cmocka_unit_test(
		    test_doc_fields_nested_past_the_stack_are_instructions),
		cmocka_unit_test(
		    test_doc_pieces_outside_the_stream_are_cut_and_damage),
		cmocka_unit_test(
		    test_doc_overlapping_pieces_cannot_multiply_the_work),
		cmocka_unit_test(test_doc_broken_fib_or_clx_is_einput),
		cmocka_unit_test(
		    test_doc_word6_text_range_in_the_language_code_page),
		cmocka_unit_test(test_doc_text_budget_stops_with_partial),
		cmocka_unit_test(
		    test_doc_in_a_compound_file_with_properties_and_an_object),
		cmocka_unit_test(
		    test_embedded_office_storage_and_package_objects_become_members),
		cmocka_unit_test(
		    test_ooxml_encryption_versions_give_the_method),
		cmocka_unit_test(test_summary_properties_in_every_string_form),
		cmocka_unit_test(test_ppt_plain_text_atoms_are_text),
		cmocka_unit_test(
		    test_ppt_encryption_from_token_or_crypt_session),
		cmocka_unit_test(test_msg_fields_and_attachments_are_read),
		cmocka_unit_test(
		    test_msg_recipients_names_and_addresses_are_text),
		cmocka_unit_test(
		    test_msg_without_plain_body_gives_html_or_rtf_member),
		cmocka_unit_test(
		    test_msg_attachments_past_the_member_limit_mark_the_message),
		cmocka_unit_test(
		    test_other_compound_files_are_plain_without_text),
		cmocka_unit_test(test_not_a_compound_file_is_corrupt),
		cmocka_unit_test(test_corpus_rows_are_judged_right),
		cmocka_unit_test(test_default_password_packages_are_read),
		cmocka_unit_test(
		    test_corpus_plain_files_are_located_and_complete),
		cmocka_unit_test(test_mutated_corpus_files_never_crash),
		cmocka_unit_test(
		    test_xlwt_workbook_has_digits_japanese_and_two_sheets),
		cmocka_unit_test(test_soffice_doc_has_the_docx_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
