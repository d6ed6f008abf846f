/*
 * xmlscan - the fast scanner for spreadsheet XML (see xmlscan.h).
 *
 * How it streams: the bytes not yet consumed are held in one buffer
 * (pend); each feed appends the new block and scans as far as whole
 * tokens go; a tag, comment or processing instruction cut by the block's
 * end stays in pend for the next block (at most XMLSCAN_TOKEN_MAX bytes),
 * and so does a cut entity reference, UTF-8 sequence or CDATA end. Text
 * and CDATA are decoded into a 64 KiB buffer handed to the handler before
 * every tag and when full, so a long string never has to be held.
 *
 * Why the prolog is kept until the root element starts: until then
 * nothing has been reported, so a document the scanner does not read
 * (another encoding, a DOCTYPE) can go to libxml2 whole, from its first
 * byte, and the handler sees one parse.
 *
 * Attributes are reported as libxml2's SAX2 reports them (groups of
 * local name, prefix, URI, value, value end), so xmltext_attr() and the
 * handlers written for libxml2 work unchanged: names and values are
 * decoded into a scratch buffer sized to the tag, NUL-terminated.
 *
 * Limits and thread-safety: see xmlscan.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmlscan.h"

#define TEXT_MAX    (64 * 1024) /* decoded text held before the handler */
#define PROLOG_MAX  (64 * 1024) /* bytes before the root element */
#define DEPTH_MAX   256		/* as libxml2 without XML_PARSE_HUGE */
#define REF_MAX	    32		/* bytes of an entity or character ref */
#define MEMBER_STOP (-100)	/* a handler stopped the scan */

enum where { W_PROLOG, W_BODY, W_EPILOG };

struct xmlscan {
	const struct xmltext_handler *h;
	void *arg;
	struct xmltext *lx; /* libxml2, when the document went there */
	unsigned char *pend;
	size_t plen, pcap;
	char *tok; /* a tag's decoded names and values */
	size_t tcap;
	const unsigned char *attrs[5 * XMLSCAN_ATTR_MAX];
	char text[TEXT_MAX];
	size_t tlen;
	uint32_t stack[DEPTH_MAX + 1]; /* hashes of the open elements */
	unsigned depth;
	enum where where;
	bool in_cdata;
	bool last_cr; /* the text so far ended with CR (read as LF) */
	bool stopped;
	int failed;
};

/*
 * Byte classes for text: 0 plain ASCII, 1 needs a look ('<', '&', CR,
 * LF, a control character), 2 the lead of a multi-byte UTF-8 sequence
 * (or a stray byte). Tab (09) is plain.
 */
/* clang-format off */
static const unsigned char cls[256] = {
	/* 00 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1,
	/* 10 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 20 */ 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 30 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 70 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 80 */ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	/* 90 */ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	/* a0 */ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	/* b0 */ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	/* c0 */ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	/* d0 */ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	/* e0 */ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	/* f0 */ 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/*
 * Bytes of attribute values: 0 copied as they are (a space too); 1
 * needs a look (a quote, '<', '&', tab, CR, LF, a control character, the lead of a
 * multi-byte UTF-8 sequence or a stray byte).
 */
static const unsigned char vcls[256] = {
	/* 00 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 10 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 20 */ 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 30 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 70 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 80 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* 90 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* a0 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* b0 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* c0 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* d0 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* e0 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	/* f0 */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/*
 * Bytes that end a name: white space, '/', '>', '=', a quote, '<', '&'
 * (is_name_end()); 2 for ':', which splits a prefix from a local name.
 */
static const unsigned char ncls[256] = {
	/* 00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0,
	/* 10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 20 */ 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1,
	/* 30 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 1, 1, 0,
	/* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 50 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 60 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 70 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 80 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* a0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* b0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* c0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* d0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* e0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* f0 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
/* clang-format on */

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A name ends at white space, '/', '>', '=' or a quote. */
static bool
is_name_end(unsigned char c)
{
	return is_space(c) || c == '/' || c == '>' || c == '=' || c == '"' ||
	    c == '\'' || c == '<' || c == '&';
}

/*
 * The UTF-8 sequence at s (n bytes available): its length, 0 when it
 * is cut by the end of what is there, -1 when it is not UTF-8 (overlong,
 * surrogate, past U+10FFFF, a stray continuation byte).
 */
static int
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	int len, i;
	uint32_t u;

	if (c < 0xc2 || c > 0xf4)
		return -1;
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	u = c & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return 0;
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		u = (u << 6) | (s[i] & 0x3f);
		/* reject early: overlong 3- and 4-byte forms, surrogates */
		if (i == 1 &&
		    ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
			(c == 0xf0 && s[1] < 0x90) ||
			(c == 0xf4 && s[1] > 0x8f)))
			return -1;
	}
	return u == 0xfffe || u == 0xffff ? -1 : len;
}

/* Write code point u as UTF-8 into out; its length. */
static size_t
utf8_put(uint32_t u, char *out)
{
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xc0 | (u >> 6));
		out[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (char)(0xe0 | (u >> 12));
		out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		out[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (u >> 18));
	out[1] = (char)(0x80 | ((u >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((u >> 6) & 0x3f));
	out[3] = (char)(0x80 | (u & 0x3f));
	return 4;
}

/*
 * The entity or character reference at s ('&', n bytes available):
 * decoded into out (4 bytes at most), *outlen set. Returns the bytes it
 * took, 0 when it is cut by the end of what is there, -1 when it is not
 * one of the five predefined entities or a reference to an XML Char.
 */
static int
decode_ref(const unsigned char *s, size_t n, char *out, size_t *outlen)
{
	static const struct {
		const char *name;
		size_t len;
		char c;
	} ents[] = { { "amp", 3, '&' }, { "lt", 2, '<' }, { "gt", 2, '>' },
		{ "quot", 4, '"' }, { "apos", 4, '\'' } };
	const unsigned char *semi;
	size_t k, len, i, max = n < REF_MAX ? n : REF_MAX;
	uint32_t u = 0;
	unsigned d;
	bool hex;

	if (n >= 2 && s[1] == '#') {
		/* the common case, parsed in one pass */
		hex = n >= 3 && s[2] == 'x';
		i = hex ? 3 : 2;
		if (!hex) {
			/* decimal (what most producers write): one test a
			   digit */
			for (; i < max && (d = (unsigned)s[i] - '0') < 10; i++)
				if ((u = u * 10 + d) > 0x10ffff)
					return -1;
		} else {
			for (; i < max; i++) {
				if (s[i] >= '0' && s[i] <= '9')
					d = s[i] - '0';
				else if ((s[i] | 0x20) >= 'a' &&
				    (s[i] | 0x20) <= 'f')
					d = (s[i] | 0x20) - 'a' + 10;
				else
					break;
				if ((u = u * 16 + d) > 0x10ffff)
					return -1;
			}
		}
		if (i == max)
			return max == n && n < REF_MAX ? 0 : -1;
		if (s[i] != ';' || i == (hex ? 3u : 2u))
			return -1; /* not a digit, or no digits */
		len = i - 1;
	} else {
		semi = memchr(s + 1, ';', max - 1);
		if (semi == NULL)
			return max == n && n < REF_MAX ? 0 : -1;
		len = (size_t)(semi - s) - 1; /* between '&' and ';' */
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
			if (ents[k].len == len &&
			    memcmp(s + 1, ents[k].name, len) == 0) {
				out[0] = ents[k].c;
				*outlen = 1;
				return (int)len + 2;
			}
		return -1;
	}
	/* XML's Char production */
	if (!(u == 0x9 || u == 0xa || u == 0xd || (u >= 0x20 && u <= 0xd7ff) ||
		(u >= 0xe000 && u <= 0xfffd) || u >= 0x10000))
		return -1;
	*outlen = utf8_put(u, out);
	return (int)len + 2;
}

static void
text_flush(struct xmlscan *p)
{
	if (p->tlen == 0)
		return; /* before and after every tag: mostly nothing */
	if (!p->stopped && p->h->text != NULL)
		p->h->text(p->arg, p->text, p->tlen);
	explicit_bzero(p->text, p->tlen);
	p->tlen = 0;
}

static void
text_put(struct xmlscan *p, const void *s, size_t n)
{
	size_t k;

	while (n > 0) {
		if (p->tlen == TEXT_MAX)
			text_flush(p);
		k = TEXT_MAX - p->tlen < n ? TEXT_MAX - p->tlen : n;
		memcpy(p->text + p->tlen, s, k);
		p->tlen += k;
		s = (const char *)s + k;
		n -= k;
	}
}

/* Results of the token scanners: consumed bytes, or one of these. */
#define NEED_MORE 0
#define BAD	  (-1)
#define FALLBACK  (-2) /* only in the prolog */

/*
 * Text (or CDATA content when cdata) at s, n bytes, up to the next '<'
 * (or the end of what is there). Returns the bytes consumed (possibly
 * fewer than n when a reference or UTF-8 sequence is cut), BAD.
 */
static long
scan_text(
    struct xmlscan *p, const unsigned char *s, size_t n, bool cdata, bool final)
{
	size_t i = 0, j, outlen;
	char ref[4];
	int k;

	while (i < n) {
		/* a run that goes as it is: plain ASCII and whole UTF-8
		   sequences (a bad or cut one is looked at below) */
		for (j = i; j < n;) {
			if (cls[s[j]] == 0) {
				j++;
				continue;
			}
			if (cls[s[j]] != 2 || (k = utf8_seq(s + j, n - j)) <= 0)
				break;
			j += (size_t)k;
		}
		if (j > i) {
			text_put(p, s + i, j - i);
			p->last_cr = false;
			i = j;
			if (i == n)
				break;
		}
		if (s[i] == '<' && !cdata)
			break;
		if (cls[s[i]] == 2) {
			if ((k = utf8_seq(s + i, n - i)) < 0)
				return BAD;
			if (k == 0)
				return final ? BAD : (long)i;
			text_put(p, s + i, (size_t)k);
			p->last_cr = false;
			i += (size_t)k;
		} else if (cdata && (s[i] == '\r' || s[i] == '\n')) {
			/* as libxml2's push parser has it: CDATA's line
			   ends as they are */
			text_put(p, s + i, 1);
			i++;
		} else if (s[i] == '\r') {
			/* CR LF and a lone CR read as LF */
			text_put(p, "\n", 1);
			p->last_cr = true;
			i++;
			continue;
		} else if (s[i] == '&' && !cdata) {
			/* decoded in place when it fits, as text_put() would
			   put it (where it does not, text_put() flushes) */
			bool room = TEXT_MAX - p->tlen >= sizeof(ref);

			if ((k = decode_ref(s + i, n - i,
				 room ? p->text + p->tlen : ref, &outlen)) < 0)
				return BAD;
			if (k == 0)
				return final ? BAD : (long)i;
			if (room)
				p->tlen += outlen;
			else
				text_put(p, ref, outlen);
			p->last_cr = false;
			i += (size_t)k;
		} else if (s[i] == '\n') {
			if (!p->last_cr)
				text_put(p, "\n", 1);
			p->last_cr = false;
			i++;
		} else if (s[i] == '<' || s[i] == '&') {
			text_put(p, s + i, 1); /* in CDATA, as they are */
			p->last_cr = false;
			i++;
		} else {
			return BAD; /* a control character */
		}
	}
	return (long)i;
}

/* Hash of a qualified name, for matching end tags. */
static uint32_t
name_hash(const unsigned char *s, size_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)n;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

/* The name at s (n bytes): its length; 0 when there is none. */
static size_t
name_len(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && ncls[s[i]] != 1; i++)
		;
	return i;
}

/*
 * Copy the qualified name q (qn bytes) into *w as prefix and local name,
 * NUL-terminated; *prefix NULL when there is none.
 */
static const char *
put_qname(char **w, const unsigned char *q, size_t qn, const char **prefix)
{
	char *o = *w;
	size_t i, colon = qn;

	/* names are short: one loop, no calls; the first colon splits */
	for (i = 0; i < qn; i++) {
		if (ncls[q[i]] == 2 && colon == qn)
			colon = i;
		o[i] = (char)q[i];
	}
	o[qn] = '\0';
	*w = o + qn + 1;
	*prefix = NULL;
	if (colon > 0 && colon + 1 < qn) {
		o[colon] = '\0';
		*prefix = o;
		return o + colon + 1;
	}
	return o;
}

/*
 * An attribute value from s (just past the opening quote q), n bytes,
 * decoded into *w. Returns the bytes up to and with the closing quote,
 * NEED_MORE or BAD.
 */
static long
scan_value(const unsigned char *s, size_t n, unsigned char q, char **w)
{
	size_t i = 0, outlen;
	int k;

	while (i < n) {
		unsigned char c = s[i];

		if (vcls[c] == 0) {
			*(*w)++ = (char)c;
			i++;
			continue;
		}
		if (c == q) {
			*(*w)++ = '\0';
			return (long)i + 1;
		}
		if (c == '<')
			return BAD;
		if (c == '&') {
			if ((k = decode_ref(s + i, n - i, *w, &outlen)) <= 0)
				return k < 0 ? BAD : NEED_MORE;
			*w += outlen;
			i += (size_t)k;
		} else if (c >= 0x80) {
			if ((k = utf8_seq(s + i, n - i)) <= 0)
				return k < 0 ? BAD : NEED_MORE;
			memcpy(*w, s + i, (size_t)k);
			*w += k;
			i += (size_t)k;
		} else if (is_space(c)) {
			/* attribute-value normalisation; CR LF is one */
			if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
				i++;
			else if (c == '\r' && i + 1 == n)
				return NEED_MORE;
			*(*w)++ = ' ';
			i++;
		} else if (c < 0x20) {
			return BAD;
		} else {
			*(*w)++ = (char)c;
			i++;
		}
	}
	return NEED_MORE;
}

/* Make the scratch buffer hold a tag of up to n bytes decoded. */
static bool
tok_reserve(struct xmlscan *p, size_t n)
{
	size_t need;
	char *t;

	if (n > XMLSCAN_TOKEN_MAX)
		n = XMLSCAN_TOKEN_MAX;
	need = 2 * n + 64; /* names and values NUL-terminated */
	if (need <= p->tcap)
		return true;
	if ((t = realloc(p->tok, need)) == NULL)
		return false;
	p->tok = t;
	p->tcap = need;
	return true;
}

#define FATAL (-3) /* out of memory */

/*
 * A start tag at s ('<' and a name, n bytes available): report it (and
 * its end when it closes itself). Returns the bytes it took, NEED_MORE,
 * BAD or FATAL.
 */
static long
scan_start(struct xmlscan *p, const unsigned char *s, size_t n)
{
	const unsigned char *q;
	const char *local, *prefix, *alocal, *aprefix;
	struct xmltext_attrs a;
	size_t i = 1, qn, an, j;
	bool empty = false;
	char *w;
	long k;
	int na = 0, m;

	if (!tok_reserve(p, n))
		return FATAL;
	w = p->tok;
	qn = name_len(s + 1, n - 1);
	if (1 + qn == n)
		return NEED_MORE;
	if (qn == 0)
		return BAD;
	q = s + 1;
	local = put_qname(&w, q, qn, &prefix);
	i += qn;
	for (;;) {
		while (i < n && is_space(s[i]))
			i++;
		if (i == n)
			return NEED_MORE;
		if (s[i] == '>') {
			i++;
			break;
		}
		if (s[i] == '/') {
			if (i + 1 == n)
				return NEED_MORE;
			if (s[i + 1] != '>')
				return BAD;
			empty = true;
			i += 2;
			break;
		}
		/* an attribute: white space before it is required */
		if (!is_space(s[i - 1]))
			return BAD;
		an = name_len(s + i, n - i);
		if (i + an == n)
			return NEED_MORE;
		if (an == 0)
			return BAD;
		j = i + an;
		while (j < n && is_space(s[j]))
			j++;
		if (j == n)
			return NEED_MORE;
		if (s[j++] != '=')
			return BAD;
		while (j < n && is_space(s[j]))
			j++;
		if (j == n)
			return NEED_MORE;
		if (s[j] != '"' && s[j] != '\'')
			return BAD;
		if ((an == 5 && memcmp(s + i, "xmlns", 5) == 0) ||
		    (an > 6 && memcmp(s + i, "xmlns:", 6) == 0)) {
			/* a namespace declaration: not an attribute */
			char *mark = w;

			k = scan_value(s + j + 1, n - j - 1, s[j], &w);
			w = mark;
		} else {
			if (na == XMLSCAN_ATTR_MAX)
				return BAD;
			alocal = put_qname(&w, s + i, an, &aprefix);
			p->attrs[5 * na] = (const unsigned char *)alocal;
			p->attrs[5 * na + 1] = (const unsigned char *)aprefix;
			p->attrs[5 * na + 2] = NULL;
			p->attrs[5 * na + 3] = (const unsigned char *)w;
			k = scan_value(s + j + 1, n - j - 1, s[j], &w);
			p->attrs[5 * na + 4] = (const unsigned char *)(w - 1);
			for (m = 0; m < na && k > 0; m++)
				if (p->attrs[5 * m][0] ==
					(unsigned char)alocal[0] &&
				    strcmp((const char *)p->attrs[5 * m],
					alocal) == 0 &&
				    (p->attrs[5 * m + 1] == NULL) ==
					(aprefix == NULL) &&
				    (aprefix == NULL ||
					strcmp(
					    (const char *)p->attrs[5 * m + 1],
					    aprefix) == 0))
					return BAD; /* twice */
			na++;
		}
		if (k <= 0)
			return k;
		i = j + 1 + (size_t)k;
	}
	if (p->depth == DEPTH_MAX)
		return BAD;
	text_flush(p);
	p->last_cr = false;
	a.v = p->attrs;
	a.n = na;
	if (!p->stopped && p->h->start != NULL)
		p->h->start(p->arg, local, NULL, &a);
	if (empty) {
		if (!p->stopped && p->h->end != NULL)
			p->h->end(p->arg, local, NULL);
		if (p->depth == 0)
			p->where = W_EPILOG;
	} else {
		p->stack[p->depth++] = name_hash(q, qn);
	}
	return (long)i;
}

/* An end tag at s ("</", n bytes available). */
static long
scan_end(struct xmlscan *p, const unsigned char *s, size_t n)
{
	const char *local, *prefix;
	size_t qn, i;
	char *w;

	qn = name_len(s + 2, n - 2);
	if (2 + qn == n)
		return NEED_MORE;
	if (qn == 0)
		return BAD;
	for (i = 2 + qn; i < n && is_space(s[i]); i++)
		;
	if (i == n)
		return NEED_MORE;
	if (s[i] != '>' || p->depth == 0 ||
	    p->stack[p->depth - 1] != name_hash(s + 2, qn))
		return BAD;
	if (!tok_reserve(p, qn))
		return FATAL;
	w = p->tok;
	local = put_qname(&w, s + 2, qn, &prefix);
	text_flush(p);
	p->last_cr = false;
	if (!p->stopped && p->h->end != NULL)
		p->h->end(p->arg, local, NULL);
	if (--p->depth == 0)
		p->where = W_EPILOG;
	return (long)i + 1;
}

/* Where the string lit ends in s (n bytes) from from; NULL if not yet. */
static const unsigned char *
find(const unsigned char *s, size_t n, size_t from, const char *lit)
{
	size_t l = strlen(lit);

	if (n < from + l)
		return NULL;
	return memmem(s + from, n - from, lit, l);
}

/*
 * The XML declaration <?xml ...?> (s, len bytes): whether it declares
 * UTF-8 or no encoding.
 */
static bool
decl_is_utf8(const unsigned char *s, size_t len)
{
	const unsigned char *e = memmem(s, len, "encoding", 8);
	size_t i;
	unsigned char q;
	const unsigned char *v;

	if (e == NULL)
		return true;
	i = (size_t)(e - s) + 8;
	while (i < len && is_space(s[i]))
		i++;
	if (i == len || s[i++] != '=')
		return false;
	while (i < len && is_space(s[i]))
		i++;
	if (i == len || (s[i] != '"' && s[i] != '\''))
		return false;
	q = s[i++];
	v = s + i;
	while (i < len && s[i] != q)
		i++;
	return ((size_t)(s + i - v) == 5 &&
		   strncasecmp((const char *)v, "utf-8", 5) == 0) ||
	    ((size_t)(s + i - v) == 4 &&
		strncasecmp((const char *)v, "utf8", 4) == 0);
}

/*
 * The prolog: 1 with *root the offset of the root element's '<',
 * NEED_MORE, or FALLBACK (something only libxml2 reads, or nothing it
 * could be).
 */
static long
scan_prolog(const unsigned char *s, size_t n, size_t *root)
{
	const unsigned char *e;
	size_t i = 0;

	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (;;) {
		while (i < n && is_space(s[i]))
			i++;
		if (n - i < 5)
			return NEED_MORE;
		if (s[i] != '<')
			return FALLBACK; /* UTF-16, another BOM, junk */
		if (memcmp(s + i, "<?", 2) == 0) {
			if ((e = find(s, n, i + 2, "?>")) == NULL)
				return NEED_MORE;
			if (memcmp(s + i, "<?xml", 5) == 0 &&
			    !decl_is_utf8(s + i, (size_t)(e - s) - i))
				return FALLBACK;
			i = (size_t)(e - s) + 2;
		} else if (memcmp(s + i, "<!--", 4) == 0) {
			if ((e = find(s, n, i + 4, "-->")) == NULL)
				return NEED_MORE;
			i = (size_t)(e - s) + 3;
		} else if (s[i + 1] == '!' || is_name_end(s[i + 1])) {
			return FALLBACK; /* DOCTYPE, or not a name */
		} else {
			*root = i;
			return 1;
		}
	}
}

/* Hand the document so far to libxml2 and go on there. */
static int
fall_back(struct xmlscan *p)
{
	int rc;

	if ((p->lx = xmltext_new(p->h, p->arg)) == NULL)
		return DLP_EFATAL;
	if (p->plen == 0)
		return DLP_OK;
	rc = xmltext_feed(p->lx, p->pend, p->plen);
	explicit_bzero(p->pend, p->plen);
	p->plen = 0;
	return rc;
}

/* Scan what pend holds; keep what is cut. */
static int
scan(struct xmlscan *p, bool final)
{
	const unsigned char *s = p->pend, *e;
	size_t n = p->plen, i = 0, r, lim;
	long k;

	if (p->where == W_PROLOG) {
		k = scan_prolog(s, n, &i);
		if (k == FALLBACK ||
		    (k == NEED_MORE && (final || n > PROLOG_MAX)))
			return fall_back(p);
		if (k == NEED_MORE)
			return DLP_OK;
		p->where = W_BODY;
	}
	while (i < n && !p->stopped) {
		if (p->in_cdata) {
			size_t end;

			e = find(s, n, i, "]]>");
			/* without its end: all but what may start "]]>" */
			end = e != NULL ? (size_t)(e - s)
			    : final	? n
			    : n - i > 2 ? n - 2
					: i;
			k = scan_text(
			    p, s + i, end - i, true, final || e != NULL);
			if (k < 0 || (e == NULL && final))
				return DLP_EINPUT;
			i += (size_t)k;
			if (e == NULL)
				break;
			i = end + 3;
			p->in_cdata = false;
			continue;
		}
		r = n - i;
		if (s[i] != '<') {
			if (p->where == W_EPILOG) {
				if (!is_space(s[i]))
					return DLP_EINPUT;
				i++;
				continue;
			}
			if ((k = scan_text(p, s + i, r, false, final)) < 0)
				return DLP_EINPUT;
			if (k == 0)
				break;
			i += (size_t)k;
			continue;
		}
		/* a tag is held whole: past TOKEN_MAX it is damage */
		lim = r > XMLSCAN_TOKEN_MAX ? XMLSCAN_TOKEN_MAX : r;
		if (r < 2) {
			k = NEED_MORE;
		} else if (s[i + 1] == '/') {
			k = scan_end(p, s + i, lim);
		} else if (s[i + 1] == '?') {
			e = find(s, n, i + 2, "?>");
			k = e == NULL ? NEED_MORE : (long)(e - s) + 2 - (long)i;
		} else if (s[i + 1] == '!') {
			if (r >= 4 && memcmp(s + i, "<!--", 4) == 0) {
				e = find(s, n, i + 4, "-->");
				k = e == NULL ? NEED_MORE
					      : (long)(e - s) + 3 - (long)i;
			} else if (r >= 9 &&
			    memcmp(s + i, "<![CDATA[", 9) == 0 &&
			    p->where == W_BODY) {
				text_flush(p);
				p->in_cdata = true;
				k = 9;
			} else if (r < 9 &&
			    (memcmp(s + i, "<![CDATA[", r) == 0 ||
				memcmp(s + i, "<!--", r < 4 ? r : 4) == 0)) {
				k = NEED_MORE;
			} else {
				return DLP_EINPUT; /* DOCTYPE past the prolog */
			}
		} else if (p->where != W_BODY) {
			return DLP_EINPUT; /* a second root */
		} else {
			k = scan_start(p, s + i, lim);
		}
		if (k == FATAL)
			return DLP_EFATAL;
		if (k < 0)
			return DLP_EINPUT;
		if (k == NEED_MORE) {
			if (final || r > XMLSCAN_TOKEN_MAX)
				return DLP_EINPUT;
			break;
		}
		p->last_cr = false;
		i += (size_t)k;
	}
	text_flush(p);
	if (p->stopped)
		i = n;
	if (i > 0) {
		explicit_bzero(p->pend, i);
		memmove(p->pend, p->pend + i, n - i);
		p->plen = n - i;
	}
	return DLP_OK;
}

struct xmlscan *
xmlscan_new(const struct xmltext_handler *h, void *arg)
{
	struct xmlscan *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->h = h;
	p->arg = arg;
	p->where = W_PROLOG;
	return p;
}

void
xmlscan_free(struct xmlscan *p)
{
	if (p == NULL)
		return;
	xmltext_free(p->lx);
	if (p->pend != NULL) {
		explicit_bzero(p->pend, p->pcap);
		free(p->pend);
	}
	if (p->tok != NULL) {
		explicit_bzero(p->tok, p->tcap);
		free(p->tok);
	}
	explicit_bzero(p->text, sizeof(p->text));
	free(p);
}

void
xmlscan_stop(struct xmlscan *p)
{
	p->stopped = true;
	if (p->lx != NULL)
		xmltext_stop(p->lx);
}

bool
xmlscan_fell_back(const struct xmlscan *p)
{
	return p->lx != NULL;
}

int
xmlscan_feed(struct xmlscan *p, const void *data, size_t len)
{
	unsigned char *np;
	size_t cap;

	if (p->stopped)
		return DLP_OK;
	if (p->failed != DLP_OK)
		return p->failed;
	if (p->lx != NULL)
		return p->failed = xmltext_feed(p->lx, data, len);
	if (len > p->pcap - p->plen) {
		/* what is held is at most a token (or the prolog) */
		if (len > SIZE_MAX / 2 - p->plen)
			return p->failed = DLP_EFATAL;
		cap = p->plen + len < 2 * p->pcap ? 2 * p->pcap : p->plen + len;
		cap = cap < 4096 ? 4096 : cap;
		if ((np = malloc(cap)) == NULL)
			return p->failed = DLP_EFATAL;
		if (p->pend != NULL) {
			memcpy(np, p->pend, p->plen);
			explicit_bzero(p->pend, p->pcap);
			free(p->pend);
		}
		p->pend = np;
		p->pcap = cap;
	}
	memcpy(p->pend + p->plen, data, len);
	p->plen += len;
	return p->failed = scan(p, false);
}

int
xmlscan_finish(struct xmlscan *p)
{
	int rc;

	if (p->stopped)
		return DLP_OK;
	if (p->failed != DLP_OK)
		return p->failed;
	if (p->lx == NULL && (rc = scan(p, true)) != DLP_OK)
		return p->failed = rc;
	if (p->lx != NULL)
		return p->failed = xmltext_finish(p->lx);
	if (p->stopped)
		return DLP_OK;
	/* a root element that never ended, or none */
	if (p->where != W_EPILOG || p->in_cdata || p->plen > 0)
		return p->failed = DLP_EINPUT;
	return DLP_OK;
}

struct scan_feed {
	struct xmlscan *p;
	const struct xmltext_handler *h;
	void *arg;
};

static int
scan_feed(void *arg, const void *data, size_t len)
{
	struct scan_feed *m = arg;
	int rc;

	if ((rc = xmlscan_feed(m->p, data, len)) != DLP_OK)
		return rc;
	if (!m->p->stopped && m->h->done != NULL && m->h->done(m->arg))
		xmlscan_stop(m->p);
	return m->p->stopped ? MEMBER_STOP : DLP_OK;
}

int
xmlscan_member(struct zipmem *z, struct extract *x, size_t i,
    const struct xmltext_handler *h, void *arg, const char **why)
{
	struct scan_feed m;
	int rc;

	m.h = h;
	m.arg = arg;
	if ((m.p = xmlscan_new(h, arg)) == NULL)
		return DLP_EFATAL;
	rc = zipmem_read(z, x, i, 0, scan_feed, &m, NULL, why);
	if (rc == MEMBER_STOP)
		rc = DLP_OK;
	else if (rc == DLP_OK)
		rc = xmlscan_finish(m.p);
	if (rc == DLP_EINPUT && why != NULL)
		*why = "corrupt";
	xmlscan_free(m.p);
	return rc;
}
