/*
 * extract_rtf - RTF to text: a small one-pass tokenizer.
 *
 * What it does: reads control words (with their numeric parameter),
 * control symbols, groups and text. \uN is a UTF-16 unit (signed 16-bit;
 * surrogate pairs joined), after which the \ucN fallback characters (1
 * unless said otherwise, scoped by group) are skipped. \'hh bytes and raw
 * 8-bit text are collected in runs and converted together, with
 * charset_to_utf8(), in the code page of the current font: its
 * \fcharset (128 CP932, 129 CP949, 134 GBK, 136 Big5, 0 CP1252, ...) or
 * \cpg from the \fonttbl, else \ansicpgN: a CP932 character is two \'hh
 * in a row, and only the run as a whole decodes it. \par, \line, \row,
 * \sect, \page end the line; \tab and \cell are tabs; \emdash and the
 * quotes are their characters; \- (optional hyphen) is nothing, so it
 * cannot split a number. \binN data is skipped whole.
 *
 * Destinations: the font table is read (not output); colour table,
 * stylesheet, list tables, revision and rsid tables, pictures, object
 * data, theme data, the data store, shape properties, generator, and
 * every unknown {\* ...} group are skipped. Kept: headers, footers,
 * footnotes, annotations (comments), field instructions and results, text
 * boxes (\shptxt), list numbers, and of \info the title, subject, author,
 * manager, company, operator, category, keywords and comments: each may
 * carry personal data. Each of these ends with a line break. \upr keeps
 * only its Unicode alternative (\ud). Hidden text (\v) is text. Text after
 * the closing brace of the document is still read: it is in the file.
 *
 * Limits: group nesting deeper than RTF_MAX_DEPTH (1000) is refused: what
 * was read is kept and DLP_EINPUT returned. The font table keeps
 * RTF_MAX_FONTS fonts. Time is linear in the input (every byte is looked
 * at once; a font lookup is a binary search); memory is the group stack
 * (about 20 KiB), a 4 KiB run and a 64 KiB output chunk handed to the
 * sink as it fills. When the sink's text budget is full, reading stops
 * (DLP_PARTIAL). The message's wall time is checked every megabyte.
 *
 * Embedded objects: the hex of {\*\objdata ...} (and \binN bytes in it)
 * is decoded, at most max_member_bytes plus a header's worth, and read as
 * an OLE1 object (MS-OLEDS ObjectHeader: OLEVersion, FormatID, ClassName,
 * TopicName, ItemName, then NativeDataSize and NativeData). Of class
 * "Package" the native data is the Packager's: a label (the file's name),
 * its original path, a temporary path and the file's bytes; of any other
 * class ("Excel.Sheet.12", "Word.Document.8") it is the file itself. The
 * file becomes a child node (extract_member(): identified and extracted
 * in turn), named after the package's label, else "objectN.bin". A
 * linked or static object holds no file: nothing is made. An object
 * that cannot be decoded or parsed is a child marked "corrupt"; one past
 * the size is "limit:size"; either way the RTF's own text is read on.
 *
 * What it does not do: no layout, no numbering computed, no field
 * evaluation.
 *
 * Thread-safe: all state is on the caller's stack or heap.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "decode.h"
#include "buf.h"
#include "charset.h"
#include "extract.h"

#define RTF_MAX_DEPTH 1000
#define RTF_MAX_FONTS 4096
#define WORD_MAX      32
#define RUN_MAX	      4096
#define OUT_FLUSH     (64 * 1024)
#define OUT_MAX	      (OUT_FLUSH + 4 * RUN_MAX + 64)
#define TIME_EVERY    (1024 * 1024)
#define UC_MAX	      255

enum dest {
	D_TEXT,	   /* text is output */
	D_SKIP,	   /* nothing is, down to the group's end */
	D_FONTTBL, /* the font table: read, not output */
	D_INFO,	   /* \info: only its text fields are output */
	D_OBJDATA, /* \objdata: hex of an embedded object, collected */
};

enum word_kind {
	W_ANSICPG,
	W_BIN,
	W_CHAR, /* outputs its string */
	W_CPG,
	W_DEFCP,
	W_DEFF,
	W_FCHARSET,
	W_FONT,
	W_FONTTBL,
	W_INFO,
	W_INFOFIELD,
	W_KNOWN, /* a destination we read as text: not skipped under \* */
	W_OBJDATA,
	W_PLAIN,
	W_SKIP,
	W_TEXTDEST,
	W_U,
	W_UC,
	W_UD,
	W_UPR,
};

static const struct word {
	const char *name;
	enum word_kind kind;
	int arg;
	const char *text;
} words[] = {
	/* sorted by strcmp() for bsearch() */
	{ "aftnsep", W_SKIP, 0, NULL },
	{ "aftnsepc", W_SKIP, 0, NULL },
	{ "annotation", W_TEXTDEST, 0, NULL },
	{ "ansi", W_DEFCP, 1252, NULL },
	{ "ansicpg", W_ANSICPG, 0, NULL },
	{ "author", W_INFOFIELD, 0, NULL },
	{ "bin", W_BIN, 0, NULL },
	{ "bullet", W_CHAR, 0, "\xe2\x80\xa2" },
	{ "category", W_INFOFIELD, 0, NULL },
	{ "cell", W_CHAR, 0, "\t" },
	{ "colorschememapping", W_SKIP, 0, NULL },
	{ "colortbl", W_SKIP, 0, NULL },
	{ "comment", W_INFOFIELD, 0, NULL },
	{ "company", W_INFOFIELD, 0, NULL },
	{ "cpg", W_CPG, 0, NULL },
	{ "datastore", W_SKIP, 0, NULL },
	{ "deff", W_DEFF, 0, NULL },
	{ "doccomm", W_INFOFIELD, 0, NULL },
	{ "emdash", W_CHAR, 0, "\xe2\x80\x94" },
	{ "emspace", W_CHAR, 0, " " },
	{ "endash", W_CHAR, 0, "\xe2\x80\x93" },
	{ "enspace", W_CHAR, 0, " " },
	{ "f", W_FONT, 0, NULL },
	{ "fcharset", W_FCHARSET, 0, NULL },
	{ "filetbl", W_SKIP, 0, NULL },
	{ "fldinst", W_TEXTDEST, 0, NULL },
	{ "fldrslt", W_KNOWN, 0, NULL },
	{ "fonttbl", W_FONTTBL, 0, NULL },
	{ "footer", W_TEXTDEST, 0, NULL },
	{ "footerf", W_TEXTDEST, 0, NULL },
	{ "footerl", W_TEXTDEST, 0, NULL },
	{ "footerr", W_TEXTDEST, 0, NULL },
	{ "footnote", W_TEXTDEST, 0, NULL },
	{ "ftnsep", W_SKIP, 0, NULL },
	{ "ftnsepc", W_SKIP, 0, NULL },
	{ "generator", W_SKIP, 0, NULL },
	{ "header", W_TEXTDEST, 0, NULL },
	{ "headerf", W_TEXTDEST, 0, NULL },
	{ "headerl", W_TEXTDEST, 0, NULL },
	{ "headerr", W_TEXTDEST, 0, NULL },
	{ "info", W_INFO, 0, NULL },
	{ "keywords", W_INFOFIELD, 0, NULL },
	{ "latentstyles", W_SKIP, 0, NULL },
	{ "ldblquote", W_CHAR, 0, "\xe2\x80\x9c" },
	{ "line", W_CHAR, 0, "\n" },
	{ "listoverridetable", W_SKIP, 0, NULL },
	{ "listtable", W_SKIP, 0, NULL },
	{ "listtext", W_KNOWN, 0, NULL },
	{ "lquote", W_CHAR, 0, "\xe2\x80\x98" },
	{ "mac", W_DEFCP, 10000, NULL },
	{ "manager", W_INFOFIELD, 0, NULL },
	{ "mmathPr", W_SKIP, 0, NULL },
	{ "nestcell", W_CHAR, 0, "\t" },
	{ "nestrow", W_CHAR, 0, "\n" },
	{ "nonshppict", W_SKIP, 0, NULL },
	{ "objclass", W_SKIP, 0, NULL },
	{ "objdata", W_OBJDATA, 0, NULL },
	{ "operator", W_INFOFIELD, 0, NULL },
	{ "page", W_CHAR, 0, "\n" },
	{ "par", W_CHAR, 0, "\n" },
	{ "password", W_SKIP, 0, NULL },
	{ "passwordhash", W_SKIP, 0, NULL },
	{ "pc", W_DEFCP, 437, NULL },
	{ "pca", W_DEFCP, 850, NULL },
	{ "pgdsctbl", W_SKIP, 0, NULL },
	{ "pict", W_SKIP, 0, NULL },
	{ "plain", W_PLAIN, 0, NULL },
	{ "pntext", W_KNOWN, 0, NULL },
	{ "pntxta", W_SKIP, 0, NULL },
	{ "pntxtb", W_SKIP, 0, NULL },
	{ "qmspace", W_CHAR, 0, " " },
	{ "rdblquote", W_CHAR, 0, "\xe2\x80\x9d" },
	{ "result", W_KNOWN, 0, NULL },
	{ "revtbl", W_SKIP, 0, NULL },
	{ "row", W_CHAR, 0, "\n" },
	{ "rquote", W_CHAR, 0, "\xe2\x80\x99" },
	{ "rsidtbl", W_SKIP, 0, NULL },
	{ "sect", W_CHAR, 0, "\n" },
	{ "shpinst", W_KNOWN, 0, NULL },
	{ "shprslt", W_SKIP, 0, NULL },
	{ "shptxt", W_TEXTDEST, 0, NULL },
	{ "sp", W_SKIP, 0, NULL },
	{ "stylesheet", W_SKIP, 0, NULL },
	{ "subject", W_INFOFIELD, 0, NULL },
	{ "tab", W_CHAR, 0, "\t" },
	{ "tc", W_SKIP, 0, NULL },
	{ "template", W_SKIP, 0, NULL },
	{ "themedata", W_SKIP, 0, NULL },
	{ "title", W_INFOFIELD, 0, NULL },
	{ "u", W_U, 0, NULL },
	{ "uc", W_UC, 0, NULL },
	{ "ud", W_UD, 0, NULL },
	{ "upr", W_UPR, 0, NULL },
	{ "wgrffmtfilter", W_SKIP, 0, NULL },
	{ "xe", W_SKIP, 0, NULL },
	{ "xmlnstbl", W_SKIP, 0, NULL },
};

/* A group's state: saved on '{', restored on '}'. */
struct state {
	unsigned char dest; /* enum dest */
	bool upr;	    /* in \upr's ANSI alternative: dropped */
	bool nl_close;	    /* a destination that ends with a line break */
	unsigned char uc;   /* fallback characters after \uN */
	int font;	    /* \fN; -1: the default font */
	int cp;		    /* code page for bytes, when cp_gen is current */
	unsigned cp_gen;
};

struct font {
	int num;
	int cp; /* 0: the document's default */
};

struct rtf {
	struct extract *x;
	long node;
	const unsigned char *p;
	size_t len, i;
	struct state cur;
	struct state *stack;
	unsigned depth;
	struct font *fonts;
	size_t n_fonts;
	unsigned font_gen; /* bumped whenever fonts or defaults change */
	int deff, ansicpg;
	int def_font;	/* the font being defined in \fonttbl, or -1 */
	unsigned skip;	/* fallback characters still to skip */
	unsigned high;	/* a high surrogate waiting for its pair */
	bool star;	/* \*: the next word is an optional destination */
	struct buf run; /* bytes in run_cp */
	int run_cp;
	struct buf out; /* UTF-8 for the sink */
	int rc;		/* the worst of what went wrong */
	bool stop;	/* stop reading */
	bool full;	/* the sink's text budget is full */
	/* the embedded object being collected (D_OBJDATA) */
	unsigned xdepth;   /* the RTF node's container depth */
	struct buf obj;	   /* its bytes, decoded */
	unsigned obj_at;   /* the group depth of its \objdata group */
	int obj_nibble;	   /* a first hex digit waiting, or -1 */
	bool obj_active;   /* collecting */
	bool obj_bad;	   /* not hex */
	bool obj_cut;	   /* past the size limit */
	unsigned n_obj;	   /* objects seen, for their names */
	unsigned members;  /* children made (extract_count_member) */
	bool no_more_objs; /* limit:members reached */
};

static int
word_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct word *)elem)->name);
}

/* Code pages */

static int
charset_cp(long charset)
{
	static const struct {
		short charset;
		short cp;
	} map[] = { { 0, 1252 }, { 2, 1252 }, { 77, 10000 }, { 78, 932 },
		{ 79, 949 }, { 80, 936 }, { 81, 950 }, { 128, 932 },
		{ 129, 949 }, { 130, 1361 }, { 134, 936 }, { 136, 950 },
		{ 161, 1253 }, { 162, 1254 }, { 163, 1258 }, { 177, 1255 },
		{ 178, 1256 }, { 186, 1257 }, { 204, 1251 }, { 222, 874 },
		{ 238, 1250 }, { 254, 437 }, { 255, 850 } };
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].charset == charset)
			return map[i].cp;
	return 0; /* 1 (DEFAULT) and unknown: the document's */
}

/* cp_label: the charset_to_utf8() label of a Windows code page. */
static const char *
cp_label(int cp)
{
	static const struct {
		int cp;
		const char *label;
	} map[] = { { 874, "windows-874" }, { 932, "cp932" }, { 936, "gbk" },
		{ 949, "cp949" }, { 950, "big5" }, { 1250, "cp1250" },
		{ 1251, "cp1251" }, { 1252, "cp1252" }, { 1253, "cp1253" },
		{ 1254, "cp1254" }, { 1255, "cp1255" }, { 1256, "cp1256" },
		{ 1257, "cp1257" }, { 1258, "cp1258" }, { 20866, "koi8-r" },
		{ 20932, "euc-jp" }, { 28591, "iso-8859-1" },
		{ 50220, "iso-2022-jp" }, { 50221, "iso-2022-jp" },
		{ 50222, "iso-2022-jp" }, { 51932, "euc-jp" },
		{ 54936, "gb18030" }, { 65001, "utf-8" } };
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].cp == cp)
			return map[i].label;
	return NULL; /* guessed */
}

/* dbcs: whether b is a lead byte of a double-byte code page. */
static bool
dbcs_lead(int cp, unsigned char b)
{
	switch (cp) {
	case 932:
		return (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC);
	case 936:
	case 949:
	case 950:
	case 1361:
		return b >= 0x81 && b <= 0xFE;
	default:
		return false;
	}
}

static struct font *
font_find(struct rtf *r, int num)
{
	size_t lo = 0, hi = r->n_fonts, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->fonts[mid].num == num)
			return &r->fonts[mid];
		if (r->fonts[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* font_set: the code page of font num (added if new). */
static void
font_set(struct rtf *r, int num, int cp)
{
	struct font *f;
	size_t i;

	r->font_gen++;
	if ((f = font_find(r, num)) != NULL) {
		if (cp != 0)
			f->cp = cp;
		return;
	}
	if (r->n_fonts == RTF_MAX_FONTS)
		return; /* more fonts than a document has: the default */
	for (i = r->n_fonts; i > 0 && r->fonts[i - 1].num > num; i--)
		r->fonts[i] = r->fonts[i - 1];
	r->fonts[i].num = num;
	r->fonts[i].cp = cp;
	r->n_fonts++;
}

/* state_cp: the code page of bytes in the current state. */
static int
state_cp(struct rtf *r)
{
	struct font *f;

	if (r->cur.cp_gen != r->font_gen) {
		f = font_find(r, r->cur.font >= 0 ? r->cur.font : r->deff);
		r->cur.cp = f != NULL && f->cp != 0 ? f->cp : r->ansicpg;
		r->cur.cp_gen = r->font_gen;
	}
	return r->cur.cp;
}

/* Output */

static void
fail(struct rtf *r, int rc)
{
	if (rc > r->rc)
		r->rc = rc;
	r->stop = true;
}

/* flush_out: hand the UTF-8 collected so far to the sink. */
static void
flush_out(struct rtf *r)
{
	if (r->out.len == 0)
		return;
	if (!r->full &&
	    extract_text(r->x, r->node, "utf-8", r->out.data, r->out.len) < 0) {
		r->full = true;
		fail(r, DLP_PARTIAL); /* the sink marked limit:size */
	}
	buf_reset(&r->out);
}

static void
put_utf8(struct rtf *r, const void *s, size_t n)
{
	if (r->out.len + n > OUT_FLUSH)
		flush_out(r);
	if (buf_append(&r->out, s, n) == BUF_ENOMEM)
		fail(r, DLP_EFATAL);
}

/*
 * flush_run: convert the byte run. With all unset (the run is full),
 * a trailing lead byte waits for its second byte.
 */
static void
flush_run(struct rtf *r, bool all)
{
	const unsigned char *d = r->run.data;
	size_t n = r->run.len, i, keep;
	bool ascii = true;
	int rc;

	if (n == 0)
		return;
	for (i = 0; i < n;) {
		if (d[i] >= 0x80)
			ascii = false;
		if (dbcs_lead(r->run_cp, d[i]) && i + 1 < n)
			i += 2;
		else if (!all && dbcs_lead(r->run_cp, d[i]))
			break;
		else
			i++;
	}
	keep = n - i;
	if (r->out.len + 3 * i + 8 > OUT_FLUSH)
		flush_out(r);
	if (ascii)
		rc = buf_append(&r->out, d, i) == BUF_ENOMEM ? CHARSET_ENOMEM
							     : CHARSET_OK;
	else
		rc = charset_to_utf8(cp_label(r->run_cp), d, i, &r->out);
	if (rc == CHARSET_ENOMEM)
		fail(r, DLP_EFATAL);
	if (keep > 0)
		memmove(r->run.data, d + i, keep);
	explicit_bzero(r->run.data + keep, i);
	r->run.len = keep;
}

static bool
producing(const struct rtf *r)
{
	return r->cur.dest == D_TEXT && !r->cur.upr;
}

static void
emit_pending_high(struct rtf *r)
{
	if (r->high != 0) {
		r->high = 0;
		put_utf8(r, "\xEF\xBF\xBD", 3);
	}
}

/* put_byte: a byte of text in the current code page. */
static void
put_byte(struct rtf *r, unsigned char b)
{
	int cp;

	if (!producing(r))
		return;
	emit_pending_high(r);
	cp = state_cp(r);
	if (r->run.len > 0 && cp != r->run_cp)
		flush_run(r, true);
	r->run_cp = cp;
	if (r->run.len == RUN_MAX)
		flush_run(r, false);
	if (buf_putc(&r->run, b) == BUF_ENOMEM)
		fail(r, DLP_EFATAL);
}

/* put_str: UTF-8 text (a line break, a tab, a character word). */
static void
put_str(struct rtf *r, const char *s)
{
	if (!producing(r))
		return;
	flush_run(r, true);
	emit_pending_high(r);
	put_utf8(r, s, strlen(s));
}

/* put_unit: one UTF-16 unit from \uN. */
static void
put_unit(struct rtf *r, unsigned u)
{
	unsigned char s[4];
	size_t n;

	if (!producing(r))
		return;
	flush_run(r, true);
	if (u >= 0xDC00 && u <= 0xDFFF && r->high != 0) {
		u = 0x10000 + ((r->high - 0xD800) << 10) + (u - 0xDC00);
		r->high = 0;
	} else {
		emit_pending_high(r);
		if (u >= 0xD800 && u <= 0xDBFF) {
			r->high = u;
			return;
		}
		if (u >= 0xDC00 && u <= 0xDFFF)
			u = 0xFFFD;
	}
	if (u == 0)
		return;
	if (u < 0x80) {
		s[0] = (unsigned char)u;
		n = 1;
	} else if (u < 0x800) {
		s[0] = (unsigned char)(0xC0 | u >> 6);
		s[1] = (unsigned char)(0x80 | (u & 0x3F));
		n = 2;
	} else if (u < 0x10000) {
		s[0] = (unsigned char)(0xE0 | u >> 12);
		s[1] = (unsigned char)(0x80 | (u >> 6 & 0x3F));
		s[2] = (unsigned char)(0x80 | (u & 0x3F));
		n = 3;
	} else {
		s[0] = (unsigned char)(0xF0 | u >> 18);
		s[1] = (unsigned char)(0x80 | (u >> 12 & 0x3F));
		s[2] = (unsigned char)(0x80 | (u >> 6 & 0x3F));
		s[3] = (unsigned char)(0x80 | (u & 0x3F));
		n = 4;
	}
	put_utf8(r, s, n);
}

/* Embedded objects */

#define OBJ_HEAD_MAX (64 * 1024) /* OLE1 and Packager headers, at most */
#define OBJ_NAME_MAX 255	 /* bytes of a child's name */
#define OBJ_PATH_MAX 1024	 /* bytes of a label or path read */

/* A 32-bit length at *pos and that many bytes: false past the end. */
static bool
take_counted(const unsigned char *d, size_t n, size_t *pos,
    const unsigned char **v, size_t *len)
{
	uint32_t k;

	if (n - *pos < 4)
		return false;
	k = le32(d + *pos);
	*pos += 4;
	if (k > n - *pos)
		return false;
	*v = d + *pos;
	*len = k;
	*pos += k;
	return true;
}

/* A NUL-terminated string at *pos: false when it does not end. */
static bool
take_cstr(const unsigned char *d, size_t n, size_t *pos,
    const unsigned char **v, size_t *len)
{
	const unsigned char *z = memchr(d + *pos, 0, n - *pos);

	if (z == NULL)
		return false;
	*v = d + *pos;
	*len = (size_t)(z - *v);
	*pos += *len + 1;
	return true;
}

/*
 * name_from: a child's name from a package label or path (ANSI, often
 * CP932: converted first, since a CP932 trail byte may be '\\'; n
 * bytes): its last path segment as UTF-8, without control characters,
 * into out. Returns false when nothing is left.
 */
static bool
name_from(const unsigned char *s, size_t n, char *out, size_t outsz)
{
	struct buf u;
	const unsigned char *c;
	size_t i, k, o = 0;

	if (n > OBJ_PATH_MAX)
		return false;
	buf_init(&u, 4 * OBJ_PATH_MAX);
	if (charset_to_utf8(charset_valid_utf8(s, n) ? "utf-8" : "cp932", s, n,
		&u) != CHARSET_OK) {
		buf_free(&u);
		return false;
	}
	c = u.data;
	for (i = u.len; i > 0 && c[i - 1] != '\\' && c[i - 1] != '/'; i--)
		;
	for (k = i; k < u.len && o + 1 < outsz; k++)
		if (c[k] >= 0x20 && c[k] != 0x7f)
			out[o++] = (char)c[k];
	/* a multi-byte character cut by outsz is dropped whole */
	if (k < u.len && (c[k] & 0xc0) == 0x80) {
		while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
			o--;
		if (o > 0)
			o--; /* the lead byte */
	}
	out[o] = '\0';
	buf_free(&u);
	return o > 0;
}

enum ole1 { OLE1_FILE, OLE1_NONE, OLE1_BAD };

/*
 * ole1_parse: the file inside an OLE1 object (d, n bytes): *file and
 * *flen, and its name into name (left as it is when the object does not
 * say). OLE1_NONE for linked and static objects, OLE1_BAD for damage.
 */
static enum ole1
ole1_parse(const unsigned char *d, size_t n, const unsigned char **file,
    size_t *flen, char *name, size_t namesz)
{
	const unsigned char *cls, *v, *label, *path, *native;
	size_t pos = 8, clen, len, llen, plen, nlen, q = 0;
	uint32_t format;

	if (n < 8)
		return OLE1_BAD;
	format = le32(d + 4);
	if (format == 1 || format == 3 || format == 5)
		return OLE1_NONE; /* linked, static, presentation only */
	if (format != 2 || !take_counted(d, n, &pos, &cls, &clen) ||
	    !take_counted(d, n, &pos, &v, &len) ||     /* TopicName */
	    !take_counted(d, n, &pos, &v, &len) ||     /* ItemName */
	    !take_counted(d, n, &pos, &native, &nlen)) /* NativeData */
		return OLE1_BAD;
	if (!(clen == 8 && memcmp(cls, "Package", 8) == 0)) {
		*file = native;
		*flen = nlen;
		return OLE1_FILE;
	}
	/* the Packager: 2, label, path, a type, a counted temporary path
	   (NUL-terminated), then the file counted */
	if (nlen < 2 || native[0] != 2 || native[1] != 0)
		return OLE1_BAD;
	q = 2;
	if (!take_cstr(native, nlen, &q, &label, &llen) ||
	    !take_cstr(native, nlen, &q, &path, &plen) || nlen - q < 4)
		return OLE1_BAD;
	q += 4; /* the type: 3 for an embedded file */
	if (!take_counted(native, nlen, &q, &v, &len) ||
	    !take_counted(native, nlen, &q, file, flen))
		return OLE1_BAD;
	if (!name_from(label, llen, name, namesz))
		(void)name_from(path, plen, name, namesz);
	return OLE1_FILE;
}

static void
obj_start(struct rtf *r)
{
	r->cur.dest = D_OBJDATA;
	r->obj_active = true;
	r->obj_at = r->depth;
	r->obj_nibble = -1;
	r->obj_bad = false;
	r->obj_cut = false;
	buf_reset(&r->obj);
}

static void
obj_bytes(struct rtf *r, const void *p, size_t n)
{
	int rc;

	if (r->obj_cut || r->obj_bad)
		return;
	if (r->obj_nibble >= 0) {
		r->obj_bad = true; /* half a byte before binary data */
		return;
	}
	if ((rc = buf_append(&r->obj, p, n)) == BUF_EFULL)
		r->obj_cut = true;
	else if (rc == BUF_ENOMEM)
		fail(r, DLP_EFATAL);
}

/* obj_char: a character of \objdata's text: hex, or white space. */
static void
obj_char(struct rtf *r, unsigned char c)
{
	int h = decode_hexval(c);
	unsigned char b;

	if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		return;
	if (h < 0) {
		r->obj_bad = true;
		return;
	}
	if (r->obj_nibble < 0) {
		r->obj_nibble = h;
		return;
	}
	b = (unsigned char)(r->obj_nibble << 4 | h);
	r->obj_nibble = -1;
	obj_bytes(r, &b, 1);
}

/* obj_finish: the object is complete: its file becomes a child node. */
static void
obj_finish(struct rtf *r)
{
	char name[OBJ_NAME_MAX + 1];
	const unsigned char *file = NULL;
	const char *why = NULL;
	enum ole1 k = OLE1_BAD;
	size_t flen = 0;
	int rc;

	r->obj_active = false;
	snprintf(name, sizeof(name), "object%u.bin", ++r->n_obj);
	if (r->no_more_objs)
		goto out;
	if (!r->obj_cut && !r->obj_bad && r->obj_nibble < 0)
		k = ole1_parse(
		    r->obj.data, r->obj.len, &file, &flen, name, sizeof(name));
	if (k == OLE1_NONE)
		goto out;
	if (!extract_count_member(r->x, r->node, &r->members)) {
		r->no_more_objs = true; /* the node is marked limit:members */
		if (r->rc < DLP_PARTIAL)
			r->rc = DLP_PARTIAL;
		goto out;
	}
	if (r->obj_cut)
		why = "limit:size";
	else if (k == OLE1_BAD)
		why = "corrupt";
	else if (!extract_budget(r->x, flen))
		why = "limit:expanded";
	if (why != NULL) {
		rc = extract_member_opaque(r->x, r->node, name, flen,
		    DLP_ENC_NOT_INSPECTABLE, why, false);
		if (rc == DLP_OK && why[0] == 'l')
			rc = DLP_PARTIAL;
	} else {
		rc = extract_member(
		    r->x, r->node, r->xdepth, name, file, flen, 0);
	}
	/* the child's damage is the child's: the RTF is read on */
	if (rc == DLP_EFATAL)
		fail(r, DLP_EFATAL);
	else if (rc == DLP_PARTIAL && r->rc < DLP_PARTIAL)
		r->rc = DLP_PARTIAL;
out:
	buf_reset(&r->obj); /* wiped */
}

/* Groups */

static void
group_open(struct rtf *r)
{
	if (r->depth >= RTF_MAX_DEPTH) {
		fail(r, DLP_EINPUT);
		return;
	}
	r->stack[r->depth++] = r->cur;
	r->cur.nl_close = false;
	r->star = false;
	r->skip = 0; /* fallback characters end with the group */
}

static void
group_close(struct rtf *r)
{
	bool nl = r->cur.nl_close && producing(r);

	r->star = false;
	r->skip = 0;
	if (r->depth == 0)
		return; /* a stray '}', or text after the document */
	if (r->obj_active && r->depth == r->obj_at)
		obj_finish(r);
	if (nl)
		put_str(r, "\n");
	r->cur = r->stack[--r->depth];
}

/* Control words */

static void
set_dest(struct rtf *r, enum dest d)
{
	if (r->cur.dest != D_SKIP)
		r->cur.dest = (unsigned char)d;
}

/* font_word: the words about fonts and code pages. */
static void
font_word(struct rtf *r, const struct word *w, bool has_param, long param)
{
	switch (w->kind) {
	case W_ANSICPG:
		if (has_param && param > 0) {
			r->ansicpg = (int)param;
			r->font_gen++;
		}
		break;
	case W_CPG:
		if (r->cur.dest == D_FONTTBL && r->def_font >= 0 && param > 0)
			font_set(r, r->def_font, (int)param);
		break;
	case W_DEFCP:
		r->ansicpg = w->arg;
		r->font_gen++;
		break;
	case W_DEFF:
		r->deff = (int)param;
		r->font_gen++;
		break;
	case W_FCHARSET:
		if (r->cur.dest == D_FONTTBL && r->def_font >= 0)
			font_set(r, r->def_font, charset_cp(param));
		break;
	case W_FONT:
		if (r->cur.dest == D_FONTTBL) {
			r->def_font = (int)param;
			font_set(r, r->def_font, 0);
		} else {
			r->cur.font = (int)param;
			r->cur.cp_gen = r->font_gen - 1; /* stale */
		}
		break;
	case W_FONTTBL:
		set_dest(r, D_FONTTBL);
		r->def_font = -1;
		break;
	case W_PLAIN:
		r->cur.font = -1;
		r->cur.cp_gen = r->font_gen - 1;
		break;
	default:
		break;
	}
}

static void
word(struct rtf *r, const char *name, bool has_param, long param)
{
	const struct word *w;
	bool star = r->star;

	r->star = false;
	w = bsearch(name, words, sizeof(words) / sizeof(words[0]),
	    sizeof(words[0]), word_cmp);
	if (w == NULL) {
		/* an unknown destination marked optional is skipped */
		if (star)
			r->cur.dest = D_SKIP;
		return;
	}
	switch (w->kind) {
	case W_CHAR:
		put_str(r, w->text);
		break;
	case W_INFO:
		set_dest(r, D_INFO);
		break;
	case W_INFOFIELD:
	case W_TEXTDEST:
		set_dest(r, D_TEXT);
		r->cur.nl_close = true;
		break;
	case W_SKIP:
		r->cur.dest = D_SKIP;
		break;
	case W_OBJDATA:
		/* inside a skipped group, or an object in an object: skipped */
		if (r->cur.dest == D_SKIP || r->obj_active || r->depth == 0)
			r->cur.dest = D_SKIP;
		else
			obj_start(r);
		break;
	case W_U:
		put_unit(
		    r, (unsigned)(param < 0 ? param + 65536 : param) & 0xFFFF);
		r->skip = r->cur.uc;
		break;
	case W_UC:
		r->cur.uc = (unsigned char)(param < 0 ? 0
			: param > UC_MAX	      ? UC_MAX
						      : param);
		break;
	case W_UD:
		r->cur.upr = false;
		break;
	case W_UPR:
		r->cur.upr = true;
		break;
	case W_BIN:
	case W_KNOWN:
		break;
	default:
		font_word(r, w, has_param, param);
		break;
	}
}

/* symbol: the control symbol c, its backslash and c already read. */
static void
symbol(struct rtf *r, unsigned char c)
{
	int h1, h2;

	if (c == '\'') {
		h1 = r->i < r->len ? decode_hexval(r->p[r->i]) : -1;
		h2 = r->i + 1 < r->len ? decode_hexval(r->p[r->i + 1]) : -1;
		if (h1 < 0 || h2 < 0)
			return; /* broken: dropped, what follows is text */
		r->i += 2;
		if (r->skip > 0)
			r->skip--;
		else
			put_byte(r, (unsigned char)(h1 << 4 | h2));
		return;
	}
	if (r->skip > 0 && c != '*') {
		r->skip--;
		return;
	}
	switch (c) {
	case '\\':
	case '{':
	case '}':
		put_byte(r, c);
		break;
	case '~':
		put_str(r, " ");
		break;
	case '_':
		put_str(r, "-");
		break;
	case '*':
		r->star = true;
		break;
	case '\n':
	case '\r':
		put_str(r, "\n"); /* an escaped line end is \par */
		break;
	default:
		break; /* \- \| \: and unknown symbols */
	}
}

static bool
is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * read_word: the letters of a control word at r->i into name (empty when
 * longer than WORD_MAX: no word of ours), then its parameter and the one
 * space that delimits it. Returns whether it had a parameter.
 */
static bool
read_word(struct rtf *r, char *name, long *param)
{
	size_t n = 0;
	bool neg = false, has = false;

	for (; r->i < r->len && is_letter(r->p[r->i]); r->i++)
		if (n < WORD_MAX)
			name[n++] = (char)r->p[r->i];
		else
			n = WORD_MAX + 1;
	name[n > WORD_MAX ? 0 : n] = '\0';
	if (r->i + 1 < r->len && r->p[r->i] == '-' && r->p[r->i + 1] >= '0' &&
	    r->p[r->i + 1] <= '9') {
		neg = true;
		r->i++;
	}
	for (*param = 0;
	     r->i < r->len && r->p[r->i] >= '0' && r->p[r->i] <= '9'; r->i++) {
		has = true;
		if (*param < 100000000L) /* saturated, never overflowed */
			*param = *param * 10 + (r->p[r->i] - '0');
	}
	if (neg)
		*param = -*param;
	if (r->i < r->len && r->p[r->i] == ' ')
		r->i++; /* the delimiter belongs to the word */
	return has;
}

/*
 * control: the control word or symbol after the backslash at r->i.
 * Fallback characters after \uN are counted here and in text().
 */
static void
control(struct rtf *r)
{
	char name[WORD_MAX + 1];
	long param;
	bool has_param;
	unsigned char c;

	if (++r->i >= r->len)
		return;
	c = r->p[r->i];
	if (!is_letter(c)) {
		r->i++;
		symbol(r, c);
		return;
	}
	has_param = read_word(r, name, &param);
	if (strcmp(name, "bin") == 0) {
		/* binary data: never text, and never trusted in length */
		if (param > 0) {
			size_t n = (size_t)param < r->len - r->i
			    ? (size_t)param
			    : r->len - r->i;

			if (r->cur.dest == D_OBJDATA)
				obj_bytes(r, r->p + r->i, n);
			r->i += n;
		}
		if (r->skip > 0)
			r->skip--;
		return;
	}
	if (r->skip > 0) {
		r->skip--;
		return;
	}
	word(r, name, has_param, param);
}

/* text: a byte of text at r->i. */
static void
text(struct rtf *r)
{
	unsigned char c = r->p[r->i++];

	if (r->cur.dest == D_OBJDATA) {
		obj_char(r, c);
		return;
	}
	if (c == '\r' || c == '\n')
		return;
	if (r->skip > 0) {
		r->skip--;
		return;
	}
	if (c == '\t')
		put_str(r, "\t");
	else if (c >= 0x20)
		put_byte(r, c);
}

/* starts_rtf: "{\rtf", after a UTF-8 BOM or white space at most. */
static bool
starts_rtf(const unsigned char *p, size_t len, size_t *start)
{
	size_t i = 0;

	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < len && i < 64 &&
	    (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	*start = i;
	return len - i >= 5 && memcmp(p + i, "{\\rtf", 5) == 0;
}

/* extract_rtf: an extract_fn (see extract.h for the contract). */
int
extract_rtf(
    struct extract *x, long node, unsigned depth, const void *data, size_t len)
{
	struct rtf r;
	size_t next_check = TIME_EVERY;

	memset(&r, 0, sizeof(r));
	r.x = x;
	r.node = node;
	r.p = data;
	r.len = len;
	r.rc = DLP_OK;
	r.cur.dest = D_TEXT;
	r.cur.uc = 1;
	r.cur.font = -1;
	r.cur.cp_gen = UINT_MAX; /* stale: font_gen starts at 0 */
	r.deff = 0;
	r.ansicpg = 1252;
	r.def_font = -1;
	r.xdepth = depth;
	buf_init(&r.obj,
	    extract_limits(x)->max_member_bytes > SIZE_MAX - OBJ_HEAD_MAX
		? SIZE_MAX
		: extract_limits(x)->max_member_bytes + OBJ_HEAD_MAX);
	buf_init(&r.run, RUN_MAX);
	buf_init(&r.out, OUT_MAX);
	if (data == NULL || !starts_rtf(r.p, len, &r.i))
		return DLP_EINPUT;
	r.stack = calloc(RTF_MAX_DEPTH, sizeof(*r.stack));
	r.fonts = calloc(RTF_MAX_FONTS, sizeof(*r.fonts));
	if (r.stack == NULL || r.fonts == NULL) {
		r.rc = DLP_EFATAL;
		goto out;
	}
	while (r.i < r.len && !r.stop) {
		switch (r.p[r.i]) {
		case '{':
			r.i++;
			group_open(&r);
			break;
		case '}':
			r.i++;
			group_close(&r);
			break;
		case '\\':
			control(&r);
			break;
		default:
			text(&r);
			break;
		}
		if (r.i >= next_check) {
			next_check = r.i + TIME_EVERY;
			if (!extract_time_left(x)) {
				extract_mark(x, node, DLP_ENC_NOT_INSPECTABLE,
				    "limit:time", false);
				fail(&r, DLP_PARTIAL);
			}
		}
	}
	/* an object cut short by the end of the file: its bytes so far */
	if (r.obj_active && r.rc != DLP_EFATAL)
		obj_finish(&r);
	if (r.rc != DLP_EFATAL) {
		/* what was read is kept, whatever stopped the reading */
		flush_run(&r, true);
		emit_pending_high(&r);
		flush_out(&r);
	}
out:
	buf_free(&r.obj);
	buf_free(&r.run);
	buf_free(&r.out);
	free(r.stack);
	free(r.fonts);
	return r.rc;
}
