/*
 * ole_doc - Word 97-2003 (.doc) documents: whether they are encrypted and
 * by what, and their text, from the WordDocument and table streams
 * ([MS-DOC]).
 *
 * Encryption: the FIB's fEncrypted flag; fObfuscated means XOR
 * obfuscation; otherwise the EncryptionVersionInfo at the start of the
 * table stream tells RC4 (1.1) from RC4 CryptoAPI (2.2, 3.2, 4.2). All of
 * them are weak. Word 6/95 files that are encrypted use XOR.
 *
 * Text: the piece table (the Clx at fcClx/lcbClx in the table stream)
 * maps character positions to bytes of the WordDocument stream, either
 * 8-bit CP1252 ("compressed", at fc / 2) or UTF-16LE. Every text the
 * document holds is read in order: main text, footnotes, headers,
 * comments, text boxes. Paragraph marks become newlines, table cell
 * marks tabs; of a field (0x13 code 0x14 result 0x15) only the result is
 * kept, so that a MERGEFIELD's instruction is not text but its value is.
 * Word 6/95 files (nFib below 0xC0) have their text range fcMin..fcMac
 * read as 8-bit text in the code page of their language; the piece table
 * of a fast-saved Word 6 file is not followed (its text is still in that
 * range, maybe out of order).
 *
 * Not read: formatting, images, embedded objects (extract_ole.c handles
 * the ObjectPool), the Data stream, text in drawings stored as OfficeArt.
 *
 * Limits: every offset is checked against its stream; pieces that point
 * outside it are cut and the document is reported damaged; the text
 * decoded is at most twice the WordDocument stream (overlapping pieces
 * cannot multiply the work). Thread-safe.
 */
#include <stdint.h>
#include <string.h>

#include "charset.h"
#include "ole.h"

#define FIB_MIN		0x22 /* FibBase + csw */
#define NFIB_WORD97	0xC0
#define FIELD_MAX_DEPTH 64
#define F_ENCRYPTED	0x0100
#define F_WHICH_TBL	0x0200
#define F_OBFUSCATED	0x8000
#define CLX_INDEX	33 /* fcClx in FibRgFcLcb97 */
#define CLXT_PRC	0x01
#define CLXT_PCDT	0x02
#define FC_COMPRESSED	0x40000000u
#define FC_MASK		0x3FFFFFFFu
#define W6_FCMIN	0x18
#define W6_FCMAC	0x1C

/* The text being built, and the field nesting it is in. */
struct doc_out {
	struct extract *x;
	long node;
	struct buf out;
	unsigned char field[FIELD_MAX_DEPTH]; /* 1: in the instruction */
	unsigned depth;			      /* levels in field[] */
	unsigned deep;			      /* levels past FIELD_MAX_DEPTH */
	unsigned instr;			      /* levels in an instruction */
	bool full;			      /* the node's text is full */
	bool nomem;
};

/* CP1252 0x80..0x9F; the rest of the 8-bit range is Latin-1. */
static const uint16_t cp1252_hi[32] = { 0x20AC, 0x0081, 0x201A, 0x0192, 0x201E,
	0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
	0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
	0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E,
	0x0178 };

static bool
fib_read(const unsigned char *wd, size_t wdlen, unsigned *nfib, unsigned *flags)
{
	if (wd == NULL || wdlen < FIB_MIN || ole_u16(wd) != 0xA5EC)
		return false;
	*nfib = ole_u16(wd + 2);
	*flags = ole_u16(wd + 0x0A);
	return true;
}

const char *
ole_doc_table_name(const unsigned char *wd, size_t wdlen)
{
	unsigned nfib, flags;

	if (!fib_read(wd, wdlen, &nfib, &flags))
		return NULL;
	return (flags & F_WHICH_TBL) ? "1Table" : "0Table";
}

int
ole_doc_encryption(const unsigned char *wd, size_t wdlen,
    const unsigned char *tbl, size_t tlen, struct ole_enc *enc)
{
	unsigned nfib, flags, major, minor;

	enc->method = NULL;
	enc->weak = false;
	if (!fib_read(wd, wdlen, &nfib, &flags))
		return DLP_EINPUT;
	if (!(flags & F_ENCRYPTED))
		return DLP_OK;
	enc->weak = true;
	/* Word 95 and older knew only XOR; 97+ says so with fObfuscated */
	if (nfib < NFIB_WORD97 || (flags & F_OBFUSCATED)) {
		enc->method = "office-xor";
		return DLP_OK;
	}
	if (tbl == NULL || tlen < 4)
		return DLP_EINPUT;
	major = ole_u16(tbl);
	minor = ole_u16(tbl + 2);
	if (major == 1 && minor == 1)
		enc->method = "office-rc4";
	else if (minor == 2 && major >= 2 && major <= 4)
		enc->method = "office-rc4-cryptoapi";
	else
		return DLP_EINPUT;
	return DLP_OK;
}

static void
out_flush(struct doc_out *o)
{
	if (o->full || o->out.len == 0)
		return;
	if (ole_flush(o->x, o->node, &o->out) < 0)
		o->full = true;
}

static void
out_put(struct doc_out *o, uint32_t c)
{
	int rc;

	if (o->out.len > OLE_FLUSH - 8)
		out_flush(o);
	if (o->full)
		return;
	if ((rc = ole_put_cp(&o->out, c)) == BUF_ENOMEM)
		o->nomem = o->full = true;
}

/*
 * One character of the document. Fields nest; a character is text when
 * no enclosing field is in its instruction part. Levels past
 * FIELD_MAX_DEPTH are counted and treated as instructions.
 */
static void
doc_char(struct doc_out *o, uint32_t c)
{
	switch (c) {
	case 0x13:
		if (o->depth < FIELD_MAX_DEPTH)
			o->field[o->depth++] = 1;
		else
			o->deep++;
		o->instr++;
		return;
	case 0x14:
		if (o->deep == 0 && o->depth > 0 && o->field[o->depth - 1]) {
			o->field[o->depth - 1] = 0;
			o->instr--;
		}
		return;
	case 0x15:
		if (o->deep > 0) {
			o->deep--;
			o->instr--;
		} else if (o->depth > 0) {
			if (o->field[--o->depth])
				o->instr--;
		}
		return;
	}
	if (o->instr > 0)
		return;
	switch (c) {
	case 0x0D: /* paragraph */
	case 0x0B: /* line break */
	case 0x0C: /* page or section break */
	case 0x0E: /* column break */
		out_put(o, '\n');
		return;
	case 0x07: /* cell or row end */
	case 0x09:
		out_put(o, '\t');
		return;
	case 0x1E: /* non-breaking hyphen */
		out_put(o, '-');
		return;
	}
	/* other controls are anchors (pictures, notes, objects) */
	if (c < 0x20)
		return;
	out_put(o, c);
}

static void
piece_8bit(struct doc_out *o, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && !o->full; i++)
		doc_char(o,
		    p[i] >= 0x80 && p[i] < 0xA0 ? cp1252_hi[p[i] - 0x80]
						: p[i]);
}

static void
piece_utf16(struct doc_out *o, const unsigned char *p, size_t n)
{
	uint32_t c, d;
	size_t i;

	for (i = 0; i < n && !o->full; i++) {
		c = ole_u16(p + 2 * i);
		if (c >= 0xD800 && c < 0xDC00 && i + 1 < n &&
		    (d = ole_u16(p + 2 * i + 2)) >= 0xDC00 && d < 0xE000) {
			c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
			i++;
		}
		doc_char(o, c);
	}
}

/* The PlcPcd inside the Clx at fc (lcb bytes) of the table stream. */
static int
clx_plcpcd(const unsigned char *tbl, size_t tlen, size_t fc, size_t lcb,
    const unsigned char **plc, size_t *plclen)
{
	size_t pos = fc, end, cb;

	if (fc >= tlen || lcb == 0)
		return DLP_EINPUT;
	end = lcb > tlen - fc ? tlen : fc + lcb;
	while (pos < end) {
		if (tbl[pos] == CLXT_PRC) {
			/* Prc: clxt, cbGrpprl (a signed 16-bit count), grpprl */
			if (end - pos < 3 || (ole_u16(tbl + pos + 1) & 0x8000))
				return DLP_EINPUT;
			cb = ole_u16(tbl + pos + 1);
			pos += 3 + cb;
		} else if (tbl[pos] == CLXT_PCDT) {
			if (end - pos < 5)
				return DLP_EINPUT;
			cb = ole_u32(tbl + pos + 1);
			pos += 5;
			if (cb > end - pos)
				return DLP_EINPUT;
			*plc = tbl + pos;
			*plclen = cb;
			return DLP_OK;
		} else {
			return DLP_EINPUT;
		}
	}
	return DLP_EINPUT;
}

/* Walk the pieces; returns DLP_EINPUT when one was out of bounds. */
static int
doc_pieces(struct doc_out *o, const unsigned char *wd, size_t wdlen,
    const unsigned char *plc, size_t plclen)
{
	size_t n, i, count, start, bytes, done = 0, cap;
	const unsigned char *pcd;
	uint32_t cp0, cp1, fcv;
	bool compressed;
	int rc = DLP_OK;

	if (plclen < 4)
		return DLP_EINPUT;
	n = (plclen - 4) / 12;
	if (n * 12 + 4 != plclen)
		rc = DLP_EINPUT;
	cap = wdlen > SIZE_MAX / 2 ? SIZE_MAX : wdlen * 2;
	for (i = 0; i < n && !o->full; i++) {
		cp0 = ole_u32(plc + 4 * i);
		cp1 = ole_u32(plc + 4 * (i + 1));
		pcd = plc + 4 * (n + 1) + 8 * i;
		fcv = ole_u32(pcd + 2);
		if (cp1 < cp0) {
			rc = DLP_EINPUT;
			continue;
		}
		count = cp1 - cp0;
		compressed = (fcv & FC_COMPRESSED) != 0;
		start = compressed ? (fcv & FC_MASK) / 2 : (fcv & FC_MASK);
		if (start > wdlen) {
			rc = DLP_EINPUT;
			continue;
		}
		bytes = compressed ? count : count * 2;
		if (bytes > wdlen - start) {
			bytes = wdlen - start;
			rc = DLP_EINPUT;
		}
		/* overlapping pieces must not multiply the work */
		if (bytes > cap - done) {
			bytes = cap - done;
			rc = DLP_EINPUT;
		}
		done += bytes;
		if (compressed)
			piece_8bit(o, wd + start, bytes);
		else
			piece_utf16(o, wd + start, bytes / 2);
	}
	return rc;
}

/* The language's code page for the 8-bit text of Word 6/95 files. */
static const char *
lid_charset(unsigned lid)
{
	switch (lid & 0x3FF) {
	case 0x11:
		return "cp932";
	case 0x12:
		return "cp949";
	case 0x04:
		return lid == 0x0404 || lid == 0x0C04 ? "big5" : "gbk";
	}
	return NULL;
}

static int
doc_text_w6(struct doc_out *o, const unsigned char *wd, size_t wdlen)
{
	size_t fcmin, fcmac, i;
	struct buf u;
	int rc = DLP_OK, crc;

	if (wdlen < W6_FCMAC + 4)
		return DLP_EINPUT;
	fcmin = ole_u32(wd + W6_FCMIN);
	fcmac = ole_u32(wd + W6_FCMAC);
	if (fcmin > fcmac || fcmin > wdlen)
		return DLP_EINPUT;
	if (fcmac > wdlen) {
		fcmac = wdlen;
		rc = DLP_EINPUT;
	}
	buf_init(&u, (fcmac - fcmin) * 4 + 16);
	crc = charset_to_utf8(
	    lid_charset(ole_u16(wd + 6)), wd + fcmin, fcmac - fcmin, &u);
	if (crc == CHARSET_ENOMEM) {
		buf_free(&u);
		return DLP_EFATAL;
	}
	/* controls are ASCII: bytes of multibyte UTF-8 are never < 0x20 */
	for (i = 0; i < u.len && !o->full; i++) {
		if (u.data[i] < 0x20) {
			doc_char(o, u.data[i]);
		} else if (o->instr == 0) {
			/* flush only at the start of a character */
			if (o->out.len > OLE_FLUSH - 8 &&
			    (u.data[i] & 0xC0) != 0x80)
				out_flush(o);
			if (buf_putc(&o->out, u.data[i]) == BUF_ENOMEM)
				o->nomem = o->full = true;
		}
	}
	buf_free(&u);
	return rc;
}

int
ole_doc_text(struct extract *x, long node, const unsigned char *wd,
    size_t wdlen, const unsigned char *tbl, size_t tlen)
{
	struct doc_out o;
	unsigned nfib, flags, csw, cslw, cbrg;
	const unsigned char *plc = NULL;
	size_t pos, fc, lcb, plclen = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	o.x = x;
	o.node = node;
	/* room for a flush's worth plus one code point */
	buf_init(&o.out, OLE_FLUSH + 16);
	if (!fib_read(wd, wdlen, &nfib, &flags)) {
		rc = DLP_EINPUT;
		goto out;
	}
	if (nfib < NFIB_WORD97) {
		rc = doc_text_w6(&o, wd, wdlen);
		goto out;
	}
	/* FibBase, csw, fibRgW, cslw, fibRgLw, cbRgFcLcb, fibRgFcLcbBlob */
	csw = ole_u16(wd + 0x20);
	pos = FIB_MIN + (size_t)csw * 2;
	if (pos + 2 > wdlen) {
		rc = DLP_EINPUT;
		goto out;
	}
	cslw = ole_u16(wd + pos);
	pos += 2 + (size_t)cslw * 4;
	if (pos + 2 > wdlen) {
		rc = DLP_EINPUT;
		goto out;
	}
	cbrg = ole_u16(wd + pos);
	pos += 2;
	if (cbrg <= CLX_INDEX || pos + (CLX_INDEX + 1) * 8 > wdlen) {
		rc = DLP_EINPUT;
		goto out;
	}
	fc = ole_u32(wd + pos + CLX_INDEX * 8);
	lcb = ole_u32(wd + pos + CLX_INDEX * 8 + 4);
	if (tbl == NULL ||
	    (rc = clx_plcpcd(tbl, tlen, fc, lcb, &plc, &plclen)) != DLP_OK) {
		rc = DLP_EINPUT;
		goto out;
	}
	rc = doc_pieces(&o, wd, wdlen, plc, plclen);
out:
	out_flush(&o);
	if (o.nomem)
		rc = DLP_EFATAL;
	else if (o.full && rc == DLP_OK)
		rc = DLP_PARTIAL;
	buf_free(&o.out);
	return rc;
}
