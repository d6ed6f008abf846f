/*
 * ole_xls - Excel 97-2003 (.xls, BIFF8) and Excel 5/95 (BIFF5/7)
 * workbooks: whether they are encrypted and by what, and the text of
 * their cells ([MS-XLS]).
 *
 * Encryption: a FILEPASS record in the workbook globals. Type 0 is XOR
 * obfuscation; type 1 is RC4 whose EncryptionVersionInfo tells RC4 (1.1)
 * from RC4 CryptoAPI (2.2, 3.2, 4.2). BIFF5 knew only XOR. All weak.
 * Nothing past FILEPASS is readable, so nothing else is read.
 *
 * Text: the shared strings (SST, with its CONTINUE records: a string may
 * be split across records, and each continuation of its characters
 * starts with a new flags byte saying whether they are 8- or 16-bit),
 * then per worksheet the cells: LABELSST, LABEL and RSTRING (strings),
 * NUMBER, RK and MULRK (numbers, integers written as plain digits so
 * that a 12-digit number stored as a number is found), FORMULA (cached
 * numbers, and cached strings from the STRING record that follows).
 * Cells are sorted by row and column and written one row per line,
 * cells separated by tabs, each located "Sheet1!B7" with the sheet's
 * name from BOUNDSHEET. BIFF5 strings are 8-bit in the workbook's
 * CODEPAGE.
 *
 * Not read: formatting (a number formatted as a date is written as its
 * serial number), comments, text boxes, headers and footers, charts,
 * booleans and errors.
 *
 * Limits: record lengths are checked against the stream; the loop
 * advances at least one record header per step; the shared-string count
 * is capped by the bytes that could hold it; at most XLS_BATCH cells of
 * a sheet are held at once (a longer sheet is written in batches, each
 * sorted). Memory is linear in the stream's size. Thread-safe.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "ole.h"

#define R_FORMULA    0x0006
#define R_EOF	     0x000A
#define R_FILEPASS   0x002F
#define R_CONTINUE   0x003C
#define R_CODEPAGE   0x0042
#define R_BOUNDSHEET 0x0085
#define R_MULRK	     0x00BD
#define R_RSTRING    0x00D6
#define R_SST	     0x00FC
#define R_LABELSST   0x00FD
#define R_NUMBER     0x0203
#define R_LABEL	     0x0204
#define R_STRING     0x0207
#define R_RK	     0x027E
#define R_BOF	     0x0809

#define DT_GLOBALS   0x0005
#define DT_WORKSHEET 0x0010
#define DT_MACRO     0x0040

#define XLS_BATCH     65536 /* cells of a sheet held before writing */
#define MAX_SHEETS    65536 /* BOUNDSHEET records kept */
#define MAX_SUBSTREAM 16    /* BOF nesting tracked */
#define MAX_NAME      96    /* bytes of a sheet name in a location */

enum cell_kind { CELL_NUM, CELL_SST, CELL_TEXT };

struct cell {
	uint32_t row;
	uint32_t col;
	uint32_t seq; /* record order, for a stable sort */
	enum cell_kind kind;
	double num;	   /* CELL_NUM */
	uint32_t idx;	   /* CELL_SST: string index */
	uint32_t off, len; /* CELL_TEXT: in xls.ctext */
};

struct sheet {
	uint32_t pos; /* the stream offset of its BOF */
	char *name;   /* UTF-8 */
};

struct xls {
	struct extract *x;
	long node;
	const unsigned char *wb;
	size_t len;
	bool biff8;
	const char *cs; /* BIFF5 code page's charset; NULL: guess */
	struct sheet *sheets;
	size_t nsheets, capsheets;
	size_t *bypos;	    /* sheet indexes sorted by pos */
	size_t nbypos;	    /* sheets in bypos */
	size_t nworksheets; /* worksheet substreams seen */
	/* shared strings: UTF-8 in sst, string i at sst_off[i] ..
	   sst_off[i + 1] */
	struct buf sst;
	uint32_t *sst_off;
	size_t nsst;
	/* the current sheet */
	const char *sheet;
	char sheet_tmp[32];
	struct cell *cells;
	size_t ncells, capcells;
	uint32_t seq;
	struct buf ctext;
	bool pending; /* a FORMULA's string result is next */
	uint32_t prow, pcol;
	/* output */
	struct buf out;
	bool full;
	bool nomem;
	bool damaged;
	struct ole_enc *enc;
};

/* Numbers */

/* Decimal digits of v into out (at least 21 bytes); returns the length. */
static size_t
put_uint(uint64_t v, char *out)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

void
ole_xls_number(double v, char *out, size_t outlen)
{
	if (outlen < 32 || !isfinite(v)) {
		if (outlen > 0)
			out[0] = '\0';
		return;
	}
	if (v == trunc(v) && fabs(v) < 1e18) {
		/* the common case, without printf: integers, exactly */
		if (v < 0) {
			out[0] = '-';
			put_uint((uint64_t)-v, out + 1);
		} else {
			put_uint((uint64_t)v, out);
		}
		return;
	}
	if (v == trunc(v) && fabs(v) < 1e21) {
		/* %.0f is exact for integral doubles */
		snprintf(out, outlen, "%.0f", v);
		return;
	}
	snprintf(out, outlen, "%.15g", v);
}

double
ole_xls_rk(uint32_t rk)
{
	uint64_t bits;
	double v;

	if (rk & 0x2) {
		/* a signed 30-bit integer */
		v = (double)((int32_t)(rk & 0xFFFFFFFCu) / 4);
	} else {
		/* the high 30 bits of an IEEE double */
		bits = (uint64_t)(rk & 0xFFFFFFFCu) << 32;
		memcpy(&v, &bits, sizeof(v));
	}
	return (rk & 0x1) ? v / 100 : v;
}

/* "B7" into out (at least 24 bytes); returns the length. */
static size_t
put_cellref(uint32_t row, uint32_t col, char *out)
{
	char letters[8];
	size_t n = 0, i;
	uint32_t c = col + 1;

	while (c > 0 && n < sizeof(letters)) {
		letters[n++] = (char)('A' + (c - 1) % 26);
		c = (c - 1) / 26;
	}
	for (i = 0; i < n; i++)
		out[i] = letters[n - 1 - i];
	return n + put_uint((uint64_t)row + 1, out + n);
}

void
ole_xls_cellref(uint32_t row, uint32_t col, char *out, size_t outlen)
{
	char ref[32];

	put_cellref(row, col, ref);
	snprintf(out, outlen, "%s", ref);
}

/* Strings */

/*
 * A BIFF8 XLUnicodeString's characters (n of them, 8- or 16-bit) at p
 * with avail bytes, as UTF-8 into out. Returns the bytes consumed, or 0
 * when they pass avail (nothing appended then).
 */
static size_t
biff8_chars(struct buf *out, const unsigned char *p, size_t avail, size_t n,
    bool high, int *brc)
{
	size_t need = high ? 2 * n : n;

	if (need > avail)
		return 0;
	*brc =
	    high ? ole_utf16_to_utf8(out, p, n) : ole_latin1_to_utf8(out, p, n);
	return need;
}

/*
 * A string at p (avail bytes) as UTF-8 into out: BIFF8 cch16, flags,
 * characters; BIFF5 cch16 and bytes in the code page. Returns false when
 * it does not fit in avail.
 */
static bool
xls_string(struct xls *w, const unsigned char *p, size_t avail, struct buf *out)
{
	size_t cch;
	int rc = BUF_OK;

	if (avail < 2)
		return false;
	cch = ole_u16(p);
	if (w->biff8) {
		if (avail < 3)
			return false;
		if (cch > 0 &&
		    biff8_chars(out, p + 3, avail - 3, cch, p[2] & 1, &rc) == 0)
			return false;
	} else {
		if (cch > avail - 2)
			return false;
		rc = charset_to_utf8(w->cs, p + 2, cch, out);
		if (rc == CHARSET_GUESSED)
			rc = BUF_OK;
		else if (rc == CHARSET_ENOMEM)
			rc = BUF_ENOMEM;
	}
	if (rc == BUF_ENOMEM)
		w->nomem = true;
	return rc == BUF_OK;
}

/* The SST and its CONTINUE records as segments, read across them. */
struct seg {
	const unsigned char *p;
	size_t len;
};

struct segrd {
	const struct seg *s;
	size_t n, i, off;
};

/* One byte, moving into the next segment without a flags byte. */
static bool
seg_byte(struct segrd *r, unsigned char *b)
{
	while (r->i < r->n && r->off == r->s[r->i].len) {
		r->i++;
		r->off = 0;
	}
	if (r->i == r->n)
		return false;
	*b = r->s[r->i].p[r->off++];
	return true;
}

static bool
seg_uint(struct segrd *r, size_t nbytes, uint32_t *v)
{
	unsigned char b;
	size_t k;

	*v = 0;
	for (k = 0; k < nbytes; k++) {
		if (!seg_byte(r, &b))
			return false;
		*v |= (uint32_t)b << (8 * k);
	}
	return true;
}

static bool
seg_skip(struct segrd *r, size_t n)
{
	size_t take;

	while (n > 0) {
		if (r->i == r->n)
			return false;
		take = r->s[r->i].len - r->off;
		if (take > n)
			take = n;
		r->off += take;
		n -= take;
		if (n > 0) {
			r->i++;
			r->off = 0;
		}
	}
	return true;
}

/*
 * cch characters of an SST string into u16 (as UTF-16LE). A record
 * boundary inside them is followed by a flags byte that says anew
 * whether they are 16-bit.
 */
static bool
seg_chars(struct segrd *r, size_t cch, bool high, struct buf *u16)
{
	size_t avail, take, k;
	const unsigned char *p;

	while (cch > 0) {
		if (r->i < r->n && r->off == r->s[r->i].len) {
			if (++r->i == r->n)
				return false;
			r->off = 0;
			if (r->s[r->i].len == 0)
				return false;
			high = r->s[r->i].p[r->off++] & 1;
		}
		if (r->i == r->n)
			return false;
		avail = r->s[r->i].len - r->off;
		take = high ? avail / 2 : avail;
		if (take > cch)
			take = cch;
		if (take == 0)
			return false; /* an odd byte of a 16-bit run */
		p = r->s[r->i].p + r->off;
		if (high) {
			if (buf_append(u16, p, 2 * take) != BUF_OK)
				return false;
		} else {
			for (k = 0; k < take; k++)
				if (buf_putc(u16, p[k]) != BUF_OK ||
				    buf_putc(u16, 0) != BUF_OK)
					return false;
		}
		r->off += high ? 2 * take : take;
		cch -= take;
	}
	return true;
}

static void
sst_parse(struct xls *w, size_t pos)
{
	struct seg *segs = NULL;
	struct segrd r;
	struct buf u16;
	size_t nseg = 0, p, rlen, total = 0, cap, count;
	uint32_t unique, cch, runs, ext;
	unsigned char flags;

	buf_init(&u16, 2 * 65536 + 16);
	/* the SST and the CONTINUE records right after it */
	for (p = pos; p + 4 <= w->len; p += 4 + rlen) {
		rlen = ole_u16(w->wb + p + 2);
		if (p + 4 + rlen > w->len ||
		    (p != pos && ole_u16(w->wb + p) != R_CONTINUE))
			break;
		nseg++;
	}
	if (nseg == 0 || (segs = calloc(nseg, sizeof(*segs))) == NULL) {
		w->nomem = nseg > 0;
		goto out;
	}
	for (p = pos, count = 0; count < nseg; p += 4 + rlen, count++) {
		rlen = ole_u16(w->wb + p + 2);
		segs[count].p = w->wb + p + 4;
		segs[count].len = rlen;
		total += rlen;
	}
	if (segs[0].len < 8) {
		w->damaged = true;
		goto out;
	}
	unique = ole_u32(segs[0].p + 4);
	/* every string takes at least 3 bytes: a count cannot lie more */
	cap = (total - 8) / 3;
	if (unique < cap)
		cap = unique;
	/* a second SST replaces the first */
	free(w->sst_off);
	w->nsst = 0;
	buf_free(&w->sst);
	if ((w->sst_off = calloc(cap + 1, sizeof(uint32_t))) == NULL) {
		w->nomem = true;
		goto out;
	}
	buf_init(&w->sst,
	    2 * total + 16 < UINT32_MAX ? 2 * total + 16 : UINT32_MAX - 1);
	r.s = segs;
	r.n = nseg;
	r.i = 0;
	r.off = 8;
	while (w->nsst < cap) {
		runs = ext = 0;
		if (!seg_uint(&r, 2, &cch) || !seg_byte(&r, &flags) ||
		    ((flags & 0x08) && !seg_uint(&r, 2, &runs)) ||
		    ((flags & 0x04) && !seg_uint(&r, 4, &ext)))
			break;
		buf_reset(&u16);
		if (!seg_chars(&r, cch, flags & 1, &u16))
			break;
		if (ole_utf16_to_utf8(&w->sst, u16.data, u16.len / 2) !=
		    BUF_OK) {
			w->nomem = true;
			break;
		}
		w->sst_off[++w->nsst] = (uint32_t)w->sst.len;
		/* rich-text runs and phonetic data: no flags byte at a
		   record boundary inside them */
		if (!seg_skip(&r, (size_t)runs * 4) || !seg_skip(&r, ext))
			break;
	}
	if (w->nsst < cap)
		w->damaged = true;
out:
	free(segs);
	buf_free(&u16);
}

/* Cells */

static struct cell *
cell_add(struct xls *w, const unsigned char *rec, enum cell_kind kind)
{
	struct cell *c;
	size_t ncap;

	w->pending = false;
	if (w->sheet == NULL)
		return NULL;
	if (w->ncells == w->capcells) {
		ncap = w->capcells ? w->capcells * 2 : 256;
		if ((c = realloc(w->cells, ncap * sizeof(*c))) == NULL) {
			w->nomem = true;
			return NULL;
		}
		w->cells = c;
		w->capcells = ncap;
	}
	c = &w->cells[w->ncells++];
	memset(c, 0, sizeof(*c));
	c->row = ole_u16(rec);
	c->col = ole_u16(rec + 2);
	c->seq = w->seq++;
	c->kind = kind;
	return c;
}

static void
cell_num(struct xls *w, const unsigned char *rec, uint32_t col, double v)
{
	struct cell *c;

	if ((c = cell_add(w, rec, CELL_NUM)) != NULL) {
		c->col = col;
		c->num = v;
	}
}

static void
cell_text(struct xls *w, uint32_t row, uint32_t col, const unsigned char *s,
    size_t avail)
{
	unsigned char rc[4];
	struct cell *c;
	struct buf t;
	size_t before = w->ctext.len;

	rc[0] = (unsigned char)row;
	rc[1] = (unsigned char)(row >> 8);
	rc[2] = (unsigned char)col;
	rc[3] = (unsigned char)(col >> 8);
	/* at most 65535 characters, 4 bytes each in UTF-8 */
	buf_init(&t, 4 * 65536);
	if (!xls_string(w, s, avail, &t)) {
		w->damaged |= !w->nomem;
		goto out;
	}
	switch (buf_append(&w->ctext, t.data, t.len)) {
	case BUF_OK:
		break;
	case BUF_ENOMEM:
		w->nomem = true;
		goto out;
	default:
		w->damaged = true;
		goto out;
	}
	if ((c = cell_add(w, rc, CELL_TEXT)) == NULL)
		goto out;
	c->off = (uint32_t)before;
	c->len = (uint32_t)(w->ctext.len - before);
out:
	buf_free(&t);
}

static int
cell_cmp(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
out_flush(struct xls *w)
{
	if (w->full || w->out.len == 0)
		return;
	if (ole_flush(w->x, w->node, &w->out) < 0)
		w->full = true;
}

static void
out_bytes(struct xls *w, const void *p, size_t n)
{
	const unsigned char *s = p;
	long k;

	/* a cell may be longer than a flush: write it in pieces */
	while (n > 0 && !w->full) {
		if ((k = buf_append_trunc(&w->out, s, n)) < 0) {
			w->nomem = w->full = true;
			return;
		}
		s += k;
		n -= (size_t)k;
		if (n > 0)
			out_flush(w);
	}
}

/*
 * The sheet's part of its cells' labels, "Sheet1!", into out (at least
 * MAX_NAME + 2 bytes), the name cut at a character boundary; returns its
 * length.
 */
static size_t
label_prefix(const char *sheet, char *out)
{
	size_t len = strlen(sheet);

	if (len > MAX_NAME) {
		len = MAX_NAME;
		while (len > 0 && ((unsigned char)sheet[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(out, sheet, len);
	out[len] = '!';
	return len + 1;
}

/* The held cells, sorted, as rows of tab-separated cells. */
static void
sheet_write(struct xls *w)
{
	char label[MAX_NAME + 32], num[64];
	const struct cell *c;
	size_t i, pre;

	if (w->ncells == 0 || w->sheet == NULL)
		goto out;
	/* Excel writes rows in order: sort only when they are not */
	for (i = 1; i < w->ncells; i++)
		if (cell_cmp(&w->cells[i - 1], &w->cells[i]) > 0)
			break;
	if (i < w->ncells)
		qsort(w->cells, w->ncells, sizeof(*w->cells), cell_cmp);
	pre = label_prefix(w->sheet, label);
	for (i = 0; i < w->ncells && !w->full; i++) {
		c = &w->cells[i];
		if (i > 0)
			out_bytes(w, c->row != c[-1].row ? "\n" : "\t", 1);
		out_flush(w);
		put_cellref(c->row, c->col, label + pre);
		if (!w->full)
			extract_locate(w->x, w->node, label);
		switch (c->kind) {
		case CELL_NUM:
			ole_xls_number(c->num, num, sizeof(num));
			out_bytes(w, num, strlen(num));
			break;
		case CELL_SST:
			if (c->idx < w->nsst)
				out_bytes(w, w->sst.data + w->sst_off[c->idx],
				    w->sst_off[c->idx + 1] -
					w->sst_off[c->idx]);
			break;
		case CELL_TEXT:
			out_bytes(w, w->ctext.data + c->off, c->len);
			break;
		}
	}
	out_bytes(w, "\n", 1);
out:
	w->ncells = 0;
	buf_reset(&w->ctext);
}

/* Records */

static const char *
filepass_method(const struct xls *w, const unsigned char *p, size_t n)
{
	unsigned major, minor;

	if (!w->biff8)
		return "office-xor";
	if (n < 2)
		return NULL;
	if (ole_u16(p) == 0)
		return "office-xor";
	if (ole_u16(p) != 1 || n < 6)
		return NULL;
	major = ole_u16(p + 2);
	minor = ole_u16(p + 4);
	if (major == 1 && minor == 1)
		return "office-rc4";
	if (minor == 2 && major >= 2 && major <= 4)
		return "office-rc4-cryptoapi";
	return NULL;
}

static void
boundsheet(struct xls *w, const unsigned char *p, size_t n)
{
	struct sheet *s;
	struct buf name;
	size_t cch;
	int rc;

	/* lbPlyPos, hsState, dt, then the name: cch8 [flags] chars */
	/* every BOUNDSHEET comes before the first sheet: later ones are
	   damage and would force the position index to be rebuilt */
	if (n < 7 || w->nsheets >= MAX_SHEETS || w->nworksheets > 0)
		return;
	buf_init(&name, 3 * 256 + 16);
	cch = p[6];
	if (w->biff8) {
		if (n < 8 ||
		    (cch > 0 &&
			biff8_chars(&name, p + 8, n - 8, cch, p[7] & 1, &rc) ==
			    0)) {
			w->damaged = true;
			goto out;
		}
	} else {
		if (cch > n - 7) {
			w->damaged = true;
			goto out;
		}
		if (charset_to_utf8(w->cs, p + 7, cch, &name) ==
		    CHARSET_ENOMEM) {
			w->nomem = true;
			goto out;
		}
	}
	if (w->nsheets == w->capsheets) {
		size_t ncap = w->capsheets ? 2 * w->capsheets : 16;

		if ((s = realloc(w->sheets, ncap * sizeof(*s))) == NULL) {
			w->nomem = true;
			goto out;
		}
		w->sheets = s;
		w->capsheets = ncap;
	}
	s = &w->sheets[w->nsheets];
	s->pos = ole_u32(p);
	if ((s->name = buf_steal(&name, NULL)) == NULL &&
	    (s->name = strdup("")) == NULL) {
		w->nomem = true;
		goto out;
	}
	w->nsheets++;
out:
	buf_free(&name);
}

/* Sheet indexes by their BOF's position, for a binary search. */
static int
bypos_cmp(const void *a, const void *b, void *arg)
{
	const struct xls *w = arg;
	uint32_t x = w->sheets[*(const size_t *)a].pos;
	uint32_t y = w->sheets[*(const size_t *)b].pos;

	return x < y ? -1 : x > y;
}

static void
bypos_build(struct xls *w)
{
	size_t *p, i;

	if (w->nbypos == w->nsheets)
		return;
	if ((p = realloc(w->bypos, w->nsheets * sizeof(*p))) == NULL) {
		w->nomem = true;
		return;
	}
	w->bypos = p;
	for (i = 0; i < w->nsheets; i++)
		p[i] = i;
	qsort_r(p, w->nsheets, sizeof(*p), bypos_cmp, w);
	w->nbypos = w->nsheets;
}

/* The name of the sheet whose BOF is at pos, or NULL. */
static const char *
sheet_at(struct xls *w, size_t pos)
{
	size_t lo = 0, hi, mid;

	/* the usual case: BOUNDSHEETs in the order of the sheets */
	if (w->nworksheets < w->nsheets && w->sheets[w->nworksheets].pos == pos)
		return w->sheets[w->nworksheets].name;
	bypos_build(w);
	hi = w->nbypos;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w->sheets[w->bypos[mid]].pos < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < w->nbypos && w->sheets[w->bypos[lo]].pos == pos)
		return w->sheets[w->bypos[lo]].name;
	return NULL;
}

/* A worksheet starts at pos: its name from BOUNDSHEET, else by order. */
static void
sheet_begin(struct xls *w, size_t pos)
{
	w->sheet = sheet_at(w, pos);
	if (w->sheet == NULL && w->nworksheets < w->nsheets)
		w->sheet = w->sheets[w->nworksheets].name;
	if (w->sheet == NULL) {
		snprintf(w->sheet_tmp, sizeof(w->sheet_tmp), "Sheet%zu",
		    w->nworksheets + 1);
		w->sheet = w->sheet_tmp;
	}
	w->nworksheets++;
	w->ncells = 0;
	w->pending = false;
}

/* One record inside a worksheet. */
static void
cell_record(struct xls *w, unsigned type, const unsigned char *p, size_t n)
{
	double v;
	size_t i, k;
	struct cell *c;

	switch (type) {
	case R_LABELSST:
		if (n >= 10 && (c = cell_add(w, p, CELL_SST)) != NULL)
			c->idx = ole_u32(p + 6);
		break;
	case R_LABEL:
	case R_RSTRING:
		if (n >= 8)
			cell_text(w, ole_u16(p), ole_u16(p + 2), p + 6, n - 6);
		break;
	case R_NUMBER:
		if (n >= 14) {
			memcpy(&v, p + 6, sizeof(v)); /* little-endian host */
			cell_num(w, p, ole_u16(p + 2), v);
		}
		break;
	case R_RK:
		if (n >= 10)
			cell_num(
			    w, p, ole_u16(p + 2), ole_xls_rk(ole_u32(p + 6)));
		break;
	case R_MULRK:
		/* row, first column, (ixfe, rk) per cell, last column */
		if (n < 12)
			break;
		k = (n - 6) / 6;
		for (i = 0; i < k && !w->nomem; i++)
			cell_num(w, p, ole_u16(p + 2) + (uint32_t)i,
			    ole_xls_rk(ole_u32(p + 6 + 6 * i)));
		break;
	case R_FORMULA:
		if (n < 14)
			break;
		if (ole_u16(p + 12) != 0xFFFF) {
			memcpy(&v, p + 6, sizeof(v));
			cell_num(w, p, ole_u16(p + 2), v);
		} else if (p[6] == 0) {
			/* a string result: in the STRING record next */
			w->pending = true;
			w->prow = ole_u16(p);
			w->pcol = ole_u16(p + 2);
		}
		break;
	case R_STRING:
		if (w->pending)
			cell_text(w, w->prow, w->pcol, p, n);
		w->pending = false;
		break;
	}
	if (w->ncells >= XLS_BATCH)
		sheet_write(w);
}

static void
xls_free(struct xls *w)
{
	size_t i;

	for (i = 0; i < w->nsheets; i++) {
		explicit_bzero(w->sheets[i].name, strlen(w->sheets[i].name));
		free(w->sheets[i].name);
	}
	free(w->sheets);
	free(w->bypos);
	free(w->sst_off);
	buf_free(&w->sst);
	if (w->cells != NULL)
		explicit_bzero(w->cells, w->capcells * sizeof(*w->cells));
	free(w->cells);
	buf_free(&w->ctext);
	buf_free(&w->out);
}

/* Walk the records; the substream stack says what they belong to. */
static int
xls_walk(struct xls *w)
{
	unsigned char dt[MAX_SUBSTREAM];
	unsigned depth = 0, type;
	const unsigned char *p;
	const char *method;
	size_t pos, n;

	for (pos = 0; pos + 4 <= w->len && !w->full && !w->nomem;
	     pos += 4 + n) {
		type = ole_u16(w->wb + pos);
		n = ole_u16(w->wb + pos + 2);
		p = w->wb + pos + 4;
		if (n > w->len - pos - 4) {
			w->damaged |= depth > 0;
			break;
		}
		if (pos == 0 && (type != R_BOF || n < 4))
			return DLP_EINPUT;
		if (type == R_BOF) {
			if (n < 4) {
				w->damaged = true;
				continue;
			}
			if (pos == 0)
				w->biff8 = ole_u16(p) >= 0x0600;
			if (depth < MAX_SUBSTREAM)
				dt[depth] = (unsigned char)ole_u16(p + 2);
			depth++;
			if (ole_u16(p + 2) == DT_WORKSHEET ||
			    ole_u16(p + 2) == DT_MACRO)
				sheet_begin(w, pos);
			continue;
		}
		if (type == R_EOF) {
			if (depth > 0 && depth <= MAX_SUBSTREAM &&
			    (dt[depth - 1] == DT_WORKSHEET ||
				dt[depth - 1] == DT_MACRO)) {
				sheet_write(w);
				w->sheet = NULL;
			}
			if (depth > 0)
				depth--;
			continue;
		}
		if (type == R_FILEPASS) {
			if ((method = filepass_method(w, p, n)) == NULL)
				return DLP_EINPUT;
			w->enc->method = method;
			w->enc->weak = true;
			return DLP_OK;
		}
		if (depth == 0 || depth > MAX_SUBSTREAM)
			continue;
		if (dt[depth - 1] == DT_GLOBALS) {
			if (type == R_SST)
				sst_parse(w, pos);
			else if (type == R_BOUNDSHEET)
				boundsheet(w, p, n);
			else if (type == R_CODEPAGE && n >= 2 && !w->biff8)
				w->cs = ole_codepage_charset(ole_u16(p));
		} else if (w->sheet != NULL &&
		    (dt[depth - 1] == DT_WORKSHEET ||
			dt[depth - 1] == DT_MACRO)) {
			cell_record(w, type, p, n);
		}
	}
	/* a sheet without its EOF: write what it had */
	if (w->sheet != NULL) {
		sheet_write(w);
		w->damaged = true;
	}
	return DLP_OK;
}

int
ole_xls_extract(struct extract *x, long node, const unsigned char *wb,
    size_t len, struct ole_enc *enc)
{
	struct xls w;
	int rc;

	enc->method = NULL;
	enc->weak = false;
	memset(&w, 0, sizeof(w));
	w.enc = enc;
	w.x = x;
	w.node = node;
	w.wb = wb;
	w.len = len;
	buf_init(&w.sst, 0);
	buf_init(&w.ctext, len * 4 + 16);
	buf_init(&w.out, OLE_FLUSH);
	rc = xls_walk(&w);
	out_flush(&w);
	if (w.nomem)
		rc = DLP_EFATAL;
	else if (rc == DLP_OK && w.damaged)
		rc = DLP_EINPUT;
	else if (rc == DLP_OK && w.full)
		rc = DLP_PARTIAL;
	xls_free(&w);
	return rc;
}
