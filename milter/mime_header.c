/*
 * mime_header - header field helpers. See mime_header.h.
 *
 * The parsers here are lenient on purpose: mail in the wild breaks every
 * rule of RFC 2045/2047/2231, and a DLP that refuses a malformed name or
 * value is one that can be bypassed with it. Where a reader (a mail
 * client) could make sense of something, so do we.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "decode.h"
#include "mime_header.h"

#define CHARSET_NAME_MAX 64   /* longest charset label we pass on */
#define SECTION_MAX	 9999 /* highest RFC 2231 section number */

struct param {
	const unsigned char *attr;
	size_t alen;
	const unsigned char *val; /* inside the quotes when quoted */
	size_t vlen;
	bool quoted;
};

struct section {
	unsigned idx;
	size_t order; /* position in the field: the first of equals wins */
	bool ext;     /* name*N*=: percent-encoded */
	struct param p;
};

struct word {
	const unsigned char *cs; /* charset, without an RFC 2231 "*lang" */
	size_t cslen;
	unsigned char enc; /* 'B' or 'Q' */
	const unsigned char *text;
	size_t tlen;
	size_t total; /* bytes from "=?" to "?=" inclusive */
};

static bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* RFC 2045 token character. */
static bool
is_tok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static bool
caseeq(const unsigned char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower(a[i]) != lower((unsigned char)b[i]) || b[i] == '\0')
			return false;
	return true;
}

static int
buf_rc(int rc)
{
	if (rc == BUF_OK)
		return 0;
	return rc == BUF_EFULL ? MIME_HEADER_EFULL : MIME_HEADER_ENOMEM;
}

static int
charset_rc(int rc)
{
	if (rc == CHARSET_EFULL)
		return MIME_HEADER_EFULL;
	if (rc == CHARSET_ENOMEM)
		return MIME_HEADER_ENOMEM;
	return 0;
}

/* Append as much as fits; MIME_HEADER_EFULL when not all did. */
static int
put_trunc(struct buf *out, const void *s, size_t n)
{
	long got = buf_append_trunc(out, s, n);

	if (got < 0)
		return MIME_HEADER_ENOMEM;
	return (size_t)got < n ? MIME_HEADER_EFULL : 0;
}

static int
put_lower(struct buf *out, const unsigned char *s, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = buf_rc(buf_putc(out, lower(s[i])))) != 0)
			return rc;
	return 0;
}

static void
nul_to_space(struct buf *out, size_t from)
{
	size_t i;

	for (i = from; i < out->len; i++)
		if (out->data[i] == '\0')
			out->data[i] = ' ';
}

/* Skip white space and (nested) comments. */
static size_t
skip_cfws(const unsigned char *s, size_t n, size_t i)
{
	size_t depth;

	while (i < n) {
		if (is_wsp(s[i])) {
			i++;
			continue;
		}
		if (s[i] != '(')
			break;
		for (depth = 0; i < n; i++) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			else if (s[i] == '(')
				depth++;
			else if (s[i] == ')' && --depth == 0) {
				i++;
				break;
			}
		}
	}
	return i;
}

/* The next ';' outside quoted strings and comments, or n. */
static size_t
skip_to_semi(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && s[i] != ';') {
		if (s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\' && i + 1 < n)
					i++;
			if (i < n)
				i++;
		} else if (s[i] == '(')
			i = skip_cfws(s, n, i);
		else
			i++;
	}
	return i;
}

size_t
mime_header_name(
    const void *line, size_t len, size_t *value_off, bool *obsolete)
{
	const unsigned char *s = line;
	size_t i, j;

	for (i = 0; i < len && s[i] > 0x20 && s[i] < 0x7f && s[i] != ':'; i++)
		;
	if (i == 0)
		return 0;
	for (j = i; j < len && (s[j] == ' ' || s[j] == '\t'); j++)
		;
	if (j >= len || s[j] != ':')
		return 0;
	if (value_off != NULL)
		*value_off = j + 1;
	if (obsolete != NULL)
		*obsolete = j > i;
	return i;
}

int
mime_header_unfold(const void *in, size_t len, struct buf *out)
{
	const unsigned char *s = in;
	size_t i = 0, j;
	int rc;

	while (i < len) {
		for (j = i; j < len && s[j] != '\r' && s[j] != '\n'; j++)
			;
		if (j > i && (rc = put_trunc(out, s + i, j - i)) != 0)
			return rc;
		i = j + 1;
	}
	return 0;
}

int
mime_header_raw_to_utf8(const void *in, size_t len, struct buf *out)
{
	const unsigned char *s = in;
	bool high = false, esc = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] >= 0x80)
			high = true;
		else if (s[i] == 0x1b)
			esc = true;
	}
	if (!high && !esc)
		return put_trunc(out, s, len);
	/* Japanese mailers still put raw ISO-2022-JP in headers */
	if (esc && !high)
		return charset_rc(charset_to_utf8("ISO-2022-JP", s, len, out));
	if (charset_valid_utf8(s, len))
		return put_trunc(out, s, len);
	return charset_rc(charset_to_utf8("CP932", s, len, out));
}

/* RFC 2047 */

static bool
b64_text_ok(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
			s[i] == '/' || s[i] == '='))
			return false;
	return true;
}

/* "=?charset?E?text?=" at s, with a text that can be decoded. */
static bool
word_parse(const unsigned char *s, size_t n, struct word *w)
{
	size_t i, j, k;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return false;
	for (i = 2; i < n && s[i] != '?'; i++)
		if (!is_tok(s[i]))
			return false;
	if (i == 2 || i + 3 >= n || s[i + 2] != '?')
		return false;
	w->cs = s + 2;
	for (k = 0; k < i - 2 && w->cs[k] != '*'; k++)
		;
	w->cslen = k;
	if (k == 0 || k > CHARSET_NAME_MAX)
		return false;
	w->enc = (unsigned char)(s[i + 1] & ~0x20);
	if (w->enc != 'B' && w->enc != 'Q')
		return false;
	for (j = i + 3; j < n && s[j] != '?'; j++)
		if (s[j] <= 0x20 || s[j] == 0x7f)
			return false;
	if (j + 1 >= n || s[j + 1] != '=')
		return false;
	w->text = s + i + 3;
	w->tlen = j - (i + 3);
	w->total = j + 2;
	if (w->enc == 'B' && !b64_text_ok(w->text, w->tlen))
		return false;
	return true;
}

static bool
word_at(const unsigned char *s, size_t n, size_t i, struct word *w)
{
	return i + 1 < n && s[i] == '=' && s[i + 1] == '?' &&
	    word_parse(s + i, n - i, w);
}

static int
to_buf(void *arg, const void *data, size_t len)
{
	return buf_append(arg, data, len);
}

static int
word_decode(const struct word *w, struct buf *bytes)
{
	struct decoder *d;
	size_t i;
	int h1, h2, rc = 0;
	unsigned char c;

	if (w->enc == 'B') {
		/* the decoder is large (its output block): not on the stack */
		if ((d = malloc(sizeof(*d))) == NULL)
			return MIME_HEADER_ENOMEM;
		decode_init(d, DECODE_BASE64, to_buf, bytes);
		if ((rc = decode_feed(d, w->text, w->tlen)) == 0)
			rc = decode_finish(d);
		decode_wipe(d);
		free(d);
		return buf_rc(rc);
	}
	for (i = 0; i < w->tlen && rc == 0; i++) {
		c = w->text[i];
		if (c == '_')
			c = ' ';
		else if (c == '=' && i + 2 < w->tlen &&
		    (h1 = decode_hexval(w->text[i + 1])) >= 0 &&
		    (h2 = decode_hexval(w->text[i + 2])) >= 0) {
			c = (unsigned char)(h1 << 4 | h2);
			i += 2;
		}
		rc = buf_rc(buf_putc(bytes, c));
	}
	return rc;
}

static int
flush_words(struct buf *pend, const char *cs, struct buf *out)
{
	int rc = 0;

	if (pend->len > 0)
		rc =
		    charset_rc(charset_to_utf8(cs, pend->data, pend->len, out));
	buf_reset(pend);
	return rc;
}

int
mime_header_decode(const void *in, size_t len, struct buf *out)
{
	const unsigned char *s = in;
	char cs[CHARSET_NAME_MAX + 1] = "";
	struct buf pend;
	struct word w, next;
	size_t i = 0, j, start = out->len;
	int rc = 0;

	buf_init(&pend, len + 1);
	while (i < len && rc == 0) {
		if (word_at(s, len, i, &w)) {
			if (pend.len > 0 &&
			    (strlen(cs) != w.cslen ||
				!caseeq(w.cs, cs, w.cslen)))
				if ((rc = flush_words(&pend, cs, out)) != 0)
					break;
			memcpy(cs, w.cs, w.cslen);
			cs[w.cslen] = '\0';
			if ((rc = word_decode(&w, &pend)) != 0)
				break;
			i += w.total;
			/* white space between adjacent encoded words is not
			   text (RFC 2047 6.2) */
			for (j = i; j < len && is_wsp(s[j]); j++)
				;
			if (j > i && word_at(s, len, j, &next))
				i = j;
			continue;
		}
		if ((rc = flush_words(&pend, cs, out)) != 0)
			break;
		for (j = i + 1; j < len &&
		     !(s[j] == '=' && j + 1 < len && s[j + 1] == '?');
		     j++)
			;
		rc = mime_header_raw_to_utf8(s + i, j - i, out);
		i = j;
	}
	if (rc == 0)
		rc = flush_words(&pend, cs, out);
	nul_to_space(out, start);
	buf_free(&pend);
	return rc;
}

/* Content-Type, Content-Disposition */

static size_t
token_end(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && is_tok(s[i]))
		i++;
	return i;
}

int
mime_header_type(const void *value, size_t len, struct buf *out)
{
	const unsigned char *s = value;
	size_t i, a, alen, b, blen;
	int rc;

	i = skip_cfws(s, len, 0);
	a = i;
	i = token_end(s, len, i);
	alen = i - a;
	i = skip_cfws(s, len, i);
	if (alen == 0 || i >= len || s[i] != '/')
		return 0;
	b = i = skip_cfws(s, len, i + 1);
	i = token_end(s, len, i);
	blen = i - b;
	if (blen == 0)
		return 0;
	if ((rc = put_lower(out, s + a, alen)) != 0 ||
	    (rc = buf_rc(buf_putc(out, '/'))) != 0 ||
	    (rc = put_lower(out, s + b, blen)) != 0)
		return rc;
	return 1;
}

int
mime_header_token(const void *value, size_t len, struct buf *out)
{
	const unsigned char *s = value;
	size_t i, a;
	int rc;

	i = skip_cfws(s, len, 0);
	if (i < len && s[i] == '"') { /* "base64": wrong, but readable */
		for (a = ++i; i < len && s[i] != '"'; i++)
			;
	} else {
		a = i;
		i = token_end(s, len, i);
	}
	if (i == a)
		return 0;
	if ((rc = put_lower(out, s + a, i - a)) != 0)
		return rc;
	return 1;
}

/* The next "attr=value" after a ';' at or after *pos. */
static bool
param_next(const unsigned char *s, size_t n, size_t *pos, struct param *p)
{
	size_t i = *pos, e, c;

	for (;;) {
		i = skip_to_semi(s, n, i);
		if (i >= n) {
			*pos = n;
			return false;
		}
		i = skip_cfws(s, n, i + 1);
		p->attr = s + i;
		while (i < n && s[i] != '=' && s[i] != ';' && !is_wsp(s[i]) &&
		    s[i] != '(' && s[i] != '"')
			i++;
		p->alen = (size_t)(s + i - p->attr);
		i = skip_cfws(s, n, i);
		if (p->alen == 0 || i >= n || s[i] != '=')
			continue;
		i = skip_cfws(s, n, i + 1);
		if (i < n && s[i] == '"') {
			p->val = s + ++i;
			while (i < n && s[i] != '"')
				i += s[i] == '\\' && i + 1 < n ? 2 : 1;
			p->vlen = (size_t)(s + i - p->val);
			p->quoted = true;
			if (i < n)
				i++;
		} else {
			/* unquoted: up to ';' (boundaries with '=' and names
			   with spaces are common), less a trailing comment */
			p->val = s + i;
			while (i < n && s[i] != ';')
				i++;
			e = i;
			for (;;) {
				while (e > (size_t)(p->val - s) &&
				    is_wsp(s[e - 1]))
					e--;
				if (e == (size_t)(p->val - s) ||
				    s[e - 1] != ')')
					break;
				for (c = e - 1;
				     c > (size_t)(p->val - s) && s[c] != '(';
				     c--)
					;
				if (s[c] != '(' || c == (size_t)(p->val - s) ||
				    !is_wsp(s[c - 1]))
					break;
				e = c;
			}
			p->vlen = e - (size_t)(p->val - s);
			p->quoted = false;
		}
		*pos = i;
		return true;
	}
}

/* Append a parameter value without its quoting. */
static int
unquote(const struct param *p, struct buf *out)
{
	size_t i;
	int rc;

	if (!p->quoted)
		return buf_rc(buf_append(out, p->val, p->vlen));
	for (i = 0; i < p->vlen; i++) {
		if (p->val[i] == '\\' && i + 1 < p->vlen &&
		    (p->val[i + 1] == '\\' || p->val[i + 1] == '"'))
			i++;
		if ((rc = buf_rc(buf_putc(out, p->val[i]))) != 0)
			return rc;
	}
	return 0;
}

static int
percent_decode(const unsigned char *s, size_t n, struct buf *out)
{
	size_t i;
	int h1, h2, rc;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '%' && i + 2 < n &&
		    (h1 = decode_hexval(s[i + 1])) >= 0 &&
		    (h2 = decode_hexval(s[i + 2])) >= 0) {
			c = (unsigned char)(h1 << 4 | h2);
			i += 2;
		}
		if ((rc = buf_rc(buf_putc(out, c))) != 0)
			return rc;
	}
	return 0;
}

static int
section_cmp(const void *a, const void *b)
{
	const struct section *x = a, *y = b;

	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* RFC 2231: join sections 0, 1, 2, ... (up to a gap) and convert. */
static int
join_sections(
    struct section *sec, size_t nsec, size_t max, int mode, struct buf *out)
{
	char cs[CHARSET_NAME_MAX + 1] = "";
	struct buf bytes, tmp;
	const unsigned char *d, *q1, *q2;
	size_t i, dn, start = out->len;
	unsigned want = 0;
	int rc = 0;

	buf_init(&bytes, max);
	buf_init(&tmp, max);
	qsort(sec, nsec, sizeof(*sec), section_cmp);
	for (i = 0; i < nsec && rc == 0; i++) {
		if (sec[i].idx < want)
			continue; /* a repeated section number */
		if (sec[i].idx > want)
			break; /* a gap: the rest is not reachable */
		want++;
		buf_reset(&tmp);
		if ((rc = unquote(&sec[i].p, &tmp)) != 0)
			break;
		d = tmp.data;
		dn = tmp.len;
		if (!sec[i].ext) {
			rc = buf_rc(buf_append(&bytes, d, dn));
			continue;
		}
		if (sec[i].idx == 0 && dn > 0 &&
		    (q1 = memchr(d, '\'', dn)) != NULL &&
		    (q2 = memchr(q1 + 1, '\'', dn - (size_t)(q1 + 1 - d))) !=
			NULL) {
			/* charset'language'data */
			if ((size_t)(q1 - d) <= CHARSET_NAME_MAX) {
				memcpy(cs, d, (size_t)(q1 - d));
				cs[q1 - d] = '\0';
			}
			dn -= (size_t)(q2 + 1 - d);
			d = q2 + 1;
		}
		rc = percent_decode(d, dn, &bytes);
	}
	if (rc == 0) {
		if (mode == MIME_HEADER_RAW)
			rc = put_trunc(out, bytes.data, bytes.len);
		else if (cs[0] != '\0')
			rc = charset_rc(
			    charset_to_utf8(cs, bytes.data, bytes.len, out));
		else
			rc =
			    mime_header_raw_to_utf8(bytes.data, bytes.len, out);
		if (mode != MIME_HEADER_RAW)
			nul_to_space(out, start);
	}
	buf_free(&bytes);
	buf_free(&tmp);
	return rc;
}

/* name*, name*N or name*N*: the section number and whether encoded. */
static bool
section_of(const unsigned char *r, size_t n, unsigned *idx, bool *ext)
{
	size_t i;
	unsigned v = 0;

	if (n == 0 || r[0] != '*')
		return false;
	if (n == 1) {
		*idx = 0;
		*ext = true;
		return true;
	}
	for (i = 1; i < n && r[i] >= '0' && r[i] <= '9'; i++) {
		v = v * 10 + (unsigned)(r[i] - '0');
		if (v > SECTION_MAX)
			return false;
	}
	if (i == 1)
		return false;
	if (i == n)
		*ext = false;
	else if (i + 1 == n && r[i] == '*')
		*ext = true;
	else
		return false;
	*idx = v;
	return true;
}

int
mime_header_param(
    const void *value, size_t len, const char *name, int mode, struct buf *out)
{
	const unsigned char *s = value;
	struct section *sec = NULL, *nsec_p;
	struct param p, plain;
	struct buf tmp;
	size_t nlen = strlen(name), pos = 0, nsec = 0, cap = 0, order = 0;
	bool have_plain = false, ext;
	unsigned idx;
	int rc = 0;

	buf_init(&tmp, len + 1);
	while (param_next(s, len, &pos, &p)) {
		order++;
		if (p.alen < nlen || !caseeq(p.attr, name, nlen))
			continue;
		if (p.alen == nlen) {
			if (!have_plain) {
				plain = p;
				have_plain = true;
			}
			continue;
		}
		if (!section_of(p.attr + nlen, p.alen - nlen, &idx, &ext))
			continue;
		if (nsec == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nsec_p = realloc(sec, cap * sizeof(*sec))) ==
			    NULL) {
				rc = MIME_HEADER_ENOMEM;
				goto out;
			}
			sec = nsec_p;
		}
		sec[nsec].idx = idx;
		sec[nsec].order = order;
		sec[nsec].ext = ext;
		sec[nsec].p = p;
		nsec++;
	}
	if (nsec > 0) {
		/* RFC 2231 wins: it is what the sender meant exactly */
		rc = join_sections(sec, nsec, len + 1, mode, out);
	} else if (have_plain) {
		if ((rc = unquote(&plain, &tmp)) != 0)
			goto out;
		if (mode == MIME_HEADER_RAW)
			rc = put_trunc(out, tmp.data, tmp.len);
		else
			rc = mime_header_decode(tmp.data, tmp.len, out);
	} else {
		rc = 0;
		goto out;
	}
	if (rc == 0)
		rc = 1;
out:
	free(sec);
	buf_free(&tmp);
	return rc;
}
