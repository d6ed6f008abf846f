/*
 * decode - streaming transfer decoders. See decode.h.
 *
 * Each decoder is a byte-at-a-time state machine with fast paths for the
 * common runs (base64 sextets, plain QP text), writing into one output
 * block that is handed over when full. The state machines only look at
 * the byte stream, so the output does not depend on chunk boundaries.
 */
#include <string.h>

#include "decode.h"

#define B64_WS	0x40 /* space, tab, CR, LF: skipped silently */
#define B64_PAD 0x41 /* '=' */
#define B64_BAD 0x42 /* anything else: skipped and flagged */

/* Base64 alphabet -> sextet; built as a constant so decoding needs no
   initialisation and no global mutable state. */
#define X B64_BAD
static const unsigned char b64tab[256] = {
	X, X, X, X, X, X, X, X, X, B64_WS, B64_WS, X, X, B64_WS, X, X,	/* 0 */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* 1 */
	B64_WS, X, X, X, X, X, X, X, X, X, X, 62, X, X, X, 63,		/* 2 */
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, B64_PAD, X, X, /* 3 */
	X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,		/* 4 */
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, X,	/* 5 */
	X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,	/* 6 */
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,	/* 7 */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* 8 */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* 9 */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* a */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* b */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* c */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* d */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* e */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* f */
};
#undef X

enum qp_state {
	QP_TEXT = 0,
	QP_CR,	     /* "\r" seen in text */
	QP_EQ,	     /* "=" */
	QP_EQ_HEX,   /* "=" and one hex digit (in qhex) */
	QP_EQ_CR,    /* "=\r" */
	QP_EQ_WS,    /* "=" and white space (in ws) */
	QP_EQ_WS_CR, /* "=", white space, "\r" */
};

enum uu_state {
	UU_BEFORE = 0, /* looking for "begin" */
	UU_DATA,
	UU_AFTER, /* "end" seen */
};

void
decode_init(struct decoder *d, enum decode_kind kind,
    int (*out)(void *arg, const void *data, size_t len), void *arg)
{
	d->kind = kind;
	d->errors = 0;
	d->out = out;
	d->arg = arg;
	d->rc = 0;
	d->olen = 0;
	d->acc = 0;
	d->nacc = 0;
	d->pad_owed = 0;
	d->padded = false;
	d->qstate = QP_TEXT;
	d->qhex = 0;
	d->nws = 0;
	d->ustate = UU_BEFORE;
	d->ulen = 0;
	d->uover = false;
	d->upass = false;
}

void
decode_wipe(struct decoder *d)
{
	explicit_bzero(d->obuf, sizeof(d->obuf));
	explicit_bzero(d->ws, sizeof(d->ws));
	explicit_bzero(d->uline, sizeof(d->uline));
	d->olen = 0;
	d->nws = 0;
	d->ulen = 0;
	d->acc = 0;
}

static void
flush(struct decoder *d)
{
	if (d->olen > 0 && d->rc == 0)
		d->rc = d->out(d->arg, d->obuf, d->olen);
	explicit_bzero(d->obuf, d->olen);
	d->olen = 0;
}

static void
put(struct decoder *d, const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t n;

	while (len > 0 && d->rc == 0) {
		if (d->olen == sizeof(d->obuf))
			flush(d);
		n = sizeof(d->obuf) - d->olen;
		if (n > len)
			n = len;
		memcpy(d->obuf + d->olen, s, n);
		d->olen += n;
		s += n;
		len -= n;
	}
}

static void
putc1(struct decoder *d, unsigned char c)
{
	if (d->olen == sizeof(d->obuf))
		flush(d);
	d->obuf[d->olen++] = c;
}

/* base64 */

static void
b64_feed(struct decoder *d, const unsigned char *s, size_t n)
{
	size_t i;
	unsigned v, a, b, c, e;

	for (i = 0; i < n && d->rc == 0; i++) {
		/* fast path: whole quanta of alphabet characters */
		while (d->nacc == 0 && !d->padded && d->pad_owed == 0 &&
		    n - i >= 4) {
			a = b64tab[s[i]];
			b = b64tab[s[i + 1]];
			c = b64tab[s[i + 2]];
			e = b64tab[s[i + 3]];
			if ((a | b | c | e) >= 64)
				break;
			if (sizeof(d->obuf) - d->olen < 3) {
				flush(d);
				if (d->rc != 0)
					return;
			}
			d->obuf[d->olen++] = (unsigned char)(a << 2 | b >> 4);
			d->obuf[d->olen++] = (unsigned char)(b << 4 | c >> 2);
			d->obuf[d->olen++] = (unsigned char)(c << 6 | e);
			i += 4;
		}
		if (i == n)
			break;
		v = b64tab[s[i]];
		if (v < 64) {
			if (d->padded || d->pad_owed > 0)
				d->errors |= DECODE_E_PADDING;
			d->padded = false;
			d->pad_owed = 0;
			d->acc = d->acc << 6 | v;
			if (++d->nacc == 4) {
				if (sizeof(d->obuf) - d->olen < 3)
					flush(d);
				d->obuf[d->olen++] =
				    (unsigned char)(d->acc >> 16);
				d->obuf[d->olen++] =
				    (unsigned char)(d->acc >> 8);
				d->obuf[d->olen++] = (unsigned char)d->acc;
				d->nacc = 0;
				d->acc = 0;
			}
			continue;
		}
		if (v == B64_WS)
			continue;
		if (v == B64_BAD) {
			d->errors |= DECODE_E_GARBAGE;
			continue;
		}
		/* '=': completes the quantum; decoding goes on after it */
		switch (d->nacc) {
		case 2:
			putc1(d, (unsigned char)(d->acc >> 4));
			d->pad_owed = 1;
			break;
		case 3:
			putc1(d, (unsigned char)(d->acc >> 10));
			putc1(d, (unsigned char)(d->acc >> 2));
			break;
		case 1: /* six bits cannot make a byte */
			d->errors |= DECODE_E_TRUNCATED;
			break;
		default: /* the second '=' of "==", or a stray one */
			if (d->pad_owed > 0)
				d->pad_owed--;
			else
				d->errors |= DECODE_E_GARBAGE;
			break;
		}
		d->nacc = 0;
		d->acc = 0;
		d->padded = true;
	}
}

static void
b64_finish(struct decoder *d)
{
	/* a missing final "=" or "==": decode what is there */
	if (d->nacc == 2) {
		putc1(d, (unsigned char)(d->acc >> 4));
		d->errors |= DECODE_E_TRUNCATED;
	} else if (d->nacc == 3) {
		putc1(d, (unsigned char)(d->acc >> 10));
		putc1(d, (unsigned char)(d->acc >> 2));
		d->errors |= DECODE_E_TRUNCATED;
	} else if (d->nacc == 1)
		d->errors |= DECODE_E_TRUNCATED;
	d->nacc = 0;
	d->acc = 0;
}

/* quoted-printable */

int
decode_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void
ws_flush(struct decoder *d)
{
	put(d, d->ws, d->nws);
	d->nws = 0;
}

/* A malformed '=' sequence: the '=' and what it held are plain text. */
static void
qp_literal(struct decoder *d)
{
	putc1(d, '=');
	if (d->qstate == QP_EQ_HEX)
		putc1(d, d->qhex);
	else if (d->qstate == QP_EQ_WS || d->qstate == QP_EQ_WS_CR)
		ws_flush(d);
	d->errors |= DECODE_E_MALFORMED;
	d->qstate = QP_TEXT;
}

static void
qp_text(struct decoder *d, unsigned char c)
{
	switch (c) {
	case ' ':
	case '\t':
		/* held: dropped if a line break follows (RFC 2045 rule 3) */
		if (d->nws == sizeof(d->ws))
			ws_flush(d);
		d->ws[d->nws++] = c;
		break;
	case '\r':
		d->qstate = QP_CR;
		break;
	case '\n':
		d->nws = 0;
		putc1(d, '\n');
		break;
	case '=':
		ws_flush(d);
		d->qstate = QP_EQ;
		break;
	default:
		ws_flush(d);
		putc1(d, c);
		break;
	}
}

static void
qp_byte(struct decoder *d, unsigned char c)
{
	int h;

	switch (d->qstate) {
	case QP_TEXT:
		qp_text(d, c);
		return;
	case QP_CR:
		d->qstate = QP_TEXT;
		if (c == '\n') {
			d->nws = 0;
			put(d, "\r\n", 2);
			return;
		}
		ws_flush(d);
		putc1(d, '\r');
		qp_text(d, c);
		return;
	case QP_EQ:
		if (decode_hexval(c) >= 0) {
			d->qhex = c;
			d->qstate = QP_EQ_HEX;
		} else if (c == '\n')
			d->qstate = QP_TEXT; /* soft line break */
		else if (c == '\r')
			d->qstate = QP_EQ_CR;
		else if (c == ' ' || c == '\t') {
			d->ws[0] = c;
			d->nws = 1;
			d->qstate = QP_EQ_WS;
		} else {
			qp_literal(d);
			qp_text(d, c);
		}
		return;
	case QP_EQ_HEX:
		if ((h = decode_hexval(c)) >= 0) {
			putc1(d,
			    (unsigned char)(decode_hexval(d->qhex) << 4 | h));
			d->qstate = QP_TEXT;
		} else {
			qp_literal(d);
			qp_text(d, c);
		}
		return;
	case QP_EQ_CR:
	case QP_EQ_WS_CR:
		if (c == '\n') {
			d->nws = 0;
			d->qstate = QP_TEXT;
			return;
		}
		qp_literal(d);
		qp_byte(d, '\r');
		qp_byte(d, c);
		return;
	case QP_EQ_WS:
		if (c == ' ' || c == '\t') {
			if (d->nws == sizeof(d->ws)) {
				qp_literal(d);
				qp_text(d, c);
			} else
				d->ws[d->nws++] = c;
		} else if (c == '\n') {
			d->nws = 0;
			d->qstate = QP_TEXT;
		} else if (c == '\r')
			d->qstate = QP_EQ_WS_CR;
		else {
			qp_literal(d);
			qp_text(d, c);
		}
		return;
	}
}

static void
qp_feed(struct decoder *d, const unsigned char *s, size_t n)
{
	size_t i = 0, j, k;

	while (i < n && d->rc == 0) {
		if (d->qstate == QP_TEXT && d->nws == 0) {
			/* fast path: a run of bytes that stand for themselves;
			   white space inside it is text, white space at its
			   end may be trailing and goes the slow way */
			for (j = i; j < n && s[j] != '=' && s[j] != '\r' &&
			     s[j] != '\n';
			     j++)
				;
			for (k = j;
			     k > i && (s[k - 1] == ' ' || s[k - 1] == '\t');
			     k--)
				;
			if (k > i) {
				put(d, s + i, k - i);
				i = k;
				continue;
			}
		}
		qp_byte(d, s[i++]);
	}
}

static void
qp_finish(struct decoder *d)
{
	switch (d->qstate) {
	case QP_TEXT:
		break; /* white space at the very end is trailing: dropped */
	case QP_CR:
		putc1(d, '\r');
		break;
	case QP_EQ_HEX:
		qp_literal(d);
		d->errors |= DECODE_E_TRUNCATED;
		break;
	default:
		/* "=" (and transport white space) at the end: a soft line
		   break whose CRLF went to the following boundary */
		break;
	}
	d->nws = 0;
	d->qstate = QP_TEXT;
}

/* uuencode */

static bool
blank(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* "begin" SP octal-mode SP name */
static bool
uu_begin(const unsigned char *s, size_t n)
{
	size_t i = 6, k;

	if (n < 8 || memcmp(s, "begin ", 6) != 0)
		return false;
	for (k = i; i < n && s[i] >= '0' && s[i] <= '7'; i++)
		;
	return i > k && i < n && s[i] == ' ';
}

static void
uu_data(struct decoder *d, const unsigned char *s, size_t n)
{
	unsigned char q[4], b[3];
	size_t want, len, i, k, got = 0;

	len = (size_t)((s[0] - 0x20) & 0x3f);
	if (s[0] < 0x20 || s[0] > 0x60) {
		d->errors |= DECODE_E_MALFORMED;
		return;
	}
	want = (len + 2) / 3 * 4;
	/* encoders strip trailing spaces (zero sextets): missing characters
	   count as zero; characters out of range make the line bad */
	for (i = 1; i <= want && i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x60) {
			d->errors |= DECODE_E_MALFORMED;
			return;
		}
	for (i = 0; i < want && got < len; i += 4) {
		for (k = 0; k < 4; k++)
			q[k] = 1 + i + k < n ? (s[1 + i + k] - 0x20) & 0x3f : 0;
		b[0] = (unsigned char)(q[0] << 2 | q[1] >> 4);
		b[1] = (unsigned char)(q[1] << 4 | q[2] >> 2);
		b[2] = (unsigned char)(q[2] << 6 | q[3]);
		k = len - got < 3 ? len - got : 3;
		put(d, b, k);
		got += k;
	}
}

/* One line without its "\n"; crlf: it ended in "\r\n". */
static void
uu_line(struct decoder *d, const unsigned char *s, size_t n, bool crlf)
{
	size_t t = n;

	while (t > 0 && (s[t - 1] == ' ' || s[t - 1] == '\t'))
		t--;
	switch (d->ustate) {
	case UU_BEFORE:
	case UU_AFTER:
		if (d->ustate == UU_BEFORE && uu_begin(s, n)) {
			d->ustate = UU_DATA;
			return;
		}
		if (blank(s, n))
			return;
		/* text around the block: a reader sees it, so pass it on */
		put(d, s, n);
		put(d, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
		return;
	case UU_DATA:
		if (t == 3 && memcmp(s, "end", 3) == 0) {
			d->ustate = UU_AFTER;
			return;
		}
		if (t == 0)
			return;
		uu_data(d, s, t);
		return;
	}
}

static void
uu_feed(struct decoder *d, const unsigned char *s, size_t n)
{
	const unsigned char *nl;
	size_t take, room;
	bool crlf;

	while (n > 0 && d->rc == 0) {
		nl = memchr(s, '\n', n);
		take = nl != NULL ? (size_t)(nl - s) : n;
		if (d->upass) {
			/* the rest of a long line outside the block */
			put(d, s, nl != NULL ? take + 1 : take);
		} else if (!d->uover) {
			room = sizeof(d->uline) - d->ulen;
			if (take <= room) {
				memcpy(d->uline + d->ulen, s, take);
				d->ulen += take;
			} else if (d->ustate == UU_DATA) {
				memcpy(d->uline + d->ulen, s, room);
				d->ulen += room;
				d->uover = true;
				d->errors |= DECODE_E_MALFORMED;
			} else {
				/* too long to be "begin": plain text */
				put(d, d->uline, d->ulen);
				put(d, s, nl != NULL ? take + 1 : take);
				d->ulen = 0;
				d->upass = true;
			}
		}
		if (nl == NULL)
			return;
		if (!d->upass && !d->uover) {
			crlf = d->ulen > 0 && d->uline[d->ulen - 1] == '\r';
			uu_line(
			    d, d->uline, crlf ? d->ulen - 1 : d->ulen, crlf);
		}
		d->ulen = 0;
		d->uover = false;
		d->upass = false;
		s += take + 1;
		n -= take + 1;
	}
}

static void
uu_finish(struct decoder *d)
{
	if (d->ulen > 0 && !d->upass && !d->uover)
		uu_line(d, d->uline, d->ulen, false);
	if (d->ustate == UU_BEFORE)
		d->errors |= DECODE_E_NO_BEGIN;
	else if (d->ustate == UU_DATA)
		d->errors |= DECODE_E_NO_END;
	d->ulen = 0;
	d->uover = false;
	d->upass = false;
	d->ustate = UU_BEFORE;
}

int
decode_feed(struct decoder *d, const void *in, size_t len)
{
	const unsigned char *s = in;

	if (d->rc != 0 || len == 0)
		return d->rc;
	switch (d->kind) {
	case DECODE_IDENTITY:
		put(d, s, len);
		break;
	case DECODE_BASE64:
		b64_feed(d, s, len);
		break;
	case DECODE_QP:
		qp_feed(d, s, len);
		break;
	case DECODE_UU:
		uu_feed(d, s, len);
		break;
	}
	return d->rc;
}

int
decode_finish(struct decoder *d)
{
	if (d->rc == 0) {
		switch (d->kind) {
		case DECODE_IDENTITY:
			break;
		case DECODE_BASE64:
			b64_finish(d);
			break;
		case DECODE_QP:
			qp_finish(d);
			break;
		case DECODE_UU:
			uu_finish(d);
			break;
		}
	}
	flush(d);
	return d->rc;
}

enum decode_kind
decode_kind_of(const char *cte, bool *known)
{
	static const struct {
		const char *name;
		enum decode_kind kind;
	} tab[] = {
		{ "7bit", DECODE_IDENTITY },
		{ "8bit", DECODE_IDENTITY },
		{ "binary", DECODE_IDENTITY },
		{ "base64", DECODE_BASE64 },
		{ "quoted-printable", DECODE_QP },
		{ "x-uuencode", DECODE_UU },
		{ "x-uue", DECODE_UU },
		{ "uuencode", DECODE_UU },
		{ "x-uu", DECODE_UU },
	};
	size_t i;

	*known = true;
	if (cte == NULL || cte[0] == '\0')
		return DECODE_IDENTITY;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(cte, tab[i].name) == 0)
			return tab[i].kind;
	*known = false;
	return DECODE_IDENTITY;
}
