/*
 * html - HTML (already UTF-8) to plain text for detection.
 *
 * What it does: one forward pass over the bytes, in the manner of the
 * HTML5 tokenizer but without a tree. Text runs are copied; runs of white
 * space fold to one space (or to one tab between table cells); block
 * elements end the line (p, headings, tables, lists and pre leave a blank
 * line), br is a hard line break, td/th separate cells with a tab, so an
 * HTML roster reads one row per line. Character references are decoded:
 * numeric ones (&#NNN; &#xHH;, with HTML5's windows-1252 reading of
 * 0x80-0x9F; NUL, surrogates and values past U+10FFFF become U+FFFD) and a
 * table of named ones; an unknown name stays as written. Zero-width and
 * soft-hyphen references are dropped, space-like ones fold as spaces: all
 * of them are known ways to split a number so that rules miss it.
 *
 * What it drops: tags and their attributes (alt and title included: they
 * are not the text a reader sees), comments, <!DOCTYPE>, processing
 * instructions, and the content of script, style and title. The title
 * duplicates the Subject, which is scanned on its own. <head> is not
 * skipped wholesale: what it may hold is dropped element by element, so an
 * unclosed <head> cannot hide the body. Likewise a script, style or title
 * without its end tag drops only the start tag, and what follows is read
 * as HTML: a stray <script> must not hide the rest of a message. CDATA
 * sections are kept as text.
 *
 * Limits: a tag, comment or quoted attribute value without its end ends at
 * the end of the input (as in HTML5). Every byte is looked at a bounded
 * number of times (a failed search for an end tag is remembered), so the
 * time is linear in the input, whatever the markup; memory is the output
 * buffer. It is not an HTML5 parser: no tree, no implied end tags, no
 * foreign content, named references only from its own table.
 *
 * Thread-safe; no state between calls.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "html.h"

#define TAG_NAME_MAX 16
#define ENT_NAME_MAX 32

/* How a tag affects the text. */
#define T_LINE 0x01 /* ends the line */
#define T_PARA 0x02 /* ends the paragraph: a blank line */
#define T_BR   0x04 /* a hard line break, even on an empty line */
#define T_CELL 0x08 /* a table cell: tab before its text */
#define T_PRE  0x10 /* line breaks in its text count */
#define T_RAW  0x20 /* content dropped up to the end tag */

enum raw_kind { RAW_SCRIPT, RAW_STYLE, RAW_TITLE, RAW_COUNT };

static const struct tag {
	const char *name;
	unsigned flags;
	int raw; /* enum raw_kind when T_RAW */
} tags[] = {
	{ "address", T_LINE, 0 },
	{ "article", T_LINE, 0 },
	{ "aside", T_LINE, 0 },
	{ "blockquote", T_PARA, 0 },
	{ "body", T_LINE, 0 },
	{ "br", T_BR, 0 },
	{ "caption", T_LINE, 0 },
	{ "center", T_LINE, 0 },
	{ "dd", T_LINE, 0 },
	{ "details", T_LINE, 0 },
	{ "dialog", T_LINE, 0 },
	{ "dir", T_LINE, 0 },
	{ "div", T_LINE, 0 },
	{ "dl", T_PARA, 0 },
	{ "dt", T_LINE, 0 },
	{ "fieldset", T_LINE, 0 },
	{ "figcaption", T_LINE, 0 },
	{ "figure", T_LINE, 0 },
	{ "footer", T_LINE, 0 },
	{ "form", T_LINE, 0 },
	{ "frame", T_LINE, 0 },
	{ "h1", T_PARA, 0 },
	{ "h2", T_PARA, 0 },
	{ "h3", T_PARA, 0 },
	{ "h4", T_PARA, 0 },
	{ "h5", T_PARA, 0 },
	{ "h6", T_PARA, 0 },
	{ "header", T_LINE, 0 },
	{ "hr", T_LINE, 0 },
	{ "html", T_LINE, 0 },
	{ "legend", T_LINE, 0 },
	{ "li", T_LINE, 0 },
	{ "listing", T_PARA | T_PRE, 0 },
	{ "main", T_LINE, 0 },
	{ "menu", T_LINE, 0 },
	{ "nav", T_LINE, 0 },
	{ "ol", T_PARA, 0 },
	{ "option", T_LINE, 0 },
	{ "p", T_PARA, 0 },
	{ "plaintext", T_PARA | T_PRE, 0 },
	{ "pre", T_PARA | T_PRE, 0 },
	{ "script", T_RAW, RAW_SCRIPT },
	{ "section", T_LINE, 0 },
	{ "select", T_LINE, 0 },
	{ "style", T_RAW, RAW_STYLE },
	{ "summary", T_LINE, 0 },
	{ "table", T_PARA, 0 },
	{ "tbody", T_LINE, 0 },
	{ "td", T_CELL, 0 },
	{ "textarea", T_LINE | T_PRE, 0 },
	{ "tfoot", T_LINE, 0 },
	{ "th", T_CELL, 0 },
	{ "thead", T_LINE, 0 },
	{ "title", T_RAW, RAW_TITLE },
	{ "tr", T_LINE, 0 },
	{ "ul", T_PARA, 0 },
	{ "xmp", T_PARA | T_PRE, 0 },
};

static const char *const raw_names[RAW_COUNT] = { "script", "style", "title" };

/*
 * Named character references. Names are case-sensitive; `legacy' ones
 * are also recognised without the ';', as browsers do. A code point of 0
 * means "drop".
 */
static const struct entity {
	const char *name;
	uint32_t cp;
	bool legacy;
} entities[] = {
	{ "amp", '&', true },
	{ "AMP", '&', true },
	{ "lt", '<', true },
	{ "LT", '<', true },
	{ "gt", '>', true },
	{ "GT", '>', true },
	{ "quot", '"', true },
	{ "QUOT", '"', true },
	{ "apos", '\'', false },
	{ "nbsp", 0xA0, true },
	{ "ensp", 0x2002, false },
	{ "emsp", 0x2003, false },
	{ "thinsp", 0x2009, false },
	{ "shy", 0, true },
	{ "zwsp", 0, false },
	{ "zwnj", 0, false },
	{ "zwj", 0, false },
	{ "lrm", 0, false },
	{ "rlm", 0, false },
	{ "NoBreak", 0, false },
	{ "Tab", '\t', false },
	{ "NewLine", '\n', false },
	{ "yen", 0xA5, true },
	{ "copy", 0xA9, true },
	{ "COPY", 0xA9, true },
	{ "reg", 0xAE, true },
	{ "REG", 0xAE, true },
	{ "trade", 0x2122, false },
	{ "hellip", 0x2026, false },
	{ "mldr", 0x2026, false },
	{ "mdash", 0x2014, false },
	{ "ndash", 0x2013, false },
	{ "hyphen", 0x2010, false },
	{ "dash", 0x2010, false },
	{ "horbar", 0x2015, false },
	{ "minus", 0x2212, false },
	{ "times", 0xD7, true },
	{ "divide", 0xF7, true },
	{ "laquo", 0xAB, true },
	{ "raquo", 0xBB, true },
	{ "lsaquo", 0x2039, false },
	{ "rsaquo", 0x203A, false },
	{ "middot", 0xB7, true },
	{ "centerdot", 0xB7, false },
	{ "bull", 0x2022, false },
	{ "lsquo", 0x2018, false },
	{ "rsquo", 0x2019, false },
	{ "sbquo", 0x201A, false },
	{ "ldquo", 0x201C, false },
	{ "rdquo", 0x201D, false },
	{ "bdquo", 0x201E, false },
	{ "dagger", 0x2020, false },
	{ "Dagger", 0x2021, false },
	{ "permil", 0x2030, false },
	{ "prime", 0x2032, false },
	{ "Prime", 0x2033, false },
	{ "euro", 0x20AC, false },
	{ "pound", 0xA3, true },
	{ "cent", 0xA2, true },
	{ "curren", 0xA4, true },
	{ "sect", 0xA7, true },
	{ "para", 0xB6, true },
	{ "deg", 0xB0, true },
	{ "plusmn", 0xB1, true },
	{ "micro", 0xB5, true },
	{ "sup1", 0xB9, true },
	{ "sup2", 0xB2, true },
	{ "sup3", 0xB3, true },
	{ "frac12", 0xBD, true },
	{ "frac14", 0xBC, true },
	{ "frac34", 0xBE, true },
	{ "iexcl", 0xA1, true },
	{ "iquest", 0xBF, true },
	{ "ordf", 0xAA, true },
	{ "ordm", 0xBA, true },
	{ "not", 0xAC, true },
	{ "macr", 0xAF, true },
	{ "acute", 0xB4, true },
	{ "uml", 0xA8, true },
	{ "cedil", 0xB8, true },
	{ "brvbar", 0xA6, true },
	{ "larr", 0x2190, false },
	{ "uarr", 0x2191, false },
	{ "rarr", 0x2192, false },
	{ "darr", 0x2193, false },
	{ "harr", 0x2194, false },
	{ "rArr", 0x21D2, false },
	{ "hArr", 0x21D4, false },
	{ "le", 0x2264, false },
	{ "ge", 0x2265, false },
	{ "ne", 0x2260, false },
	{ "asymp", 0x2248, false },
	{ "infin", 0x221E, false },
	{ "radic", 0x221A, false },
	{ "sum", 0x2211, false },
	{ "loz", 0x25CA, false },
	{ "star", 0x2606, false },
	{ "starf", 0x2605, false },
	{ "check", 0x2713, false },
	{ "num", '#', false },
	{ "excl", '!', false },
	{ "percnt", '%', false },
	{ "lpar", '(', false },
	{ "rpar", ')', false },
	{ "ast", '*', false },
	{ "plus", '+', false },
	{ "comma", ',', false },
	{ "period", '.', false },
	{ "sol", '/', false },
	{ "colon", ':', false },
	{ "semi", ';', false },
	{ "equals", '=', false },
	{ "quest", '?', false },
	{ "commat", '@', false },
	{ "lowbar", '_', false },
	{ "Agrave", 0xC0, true },
	{ "Aacute", 0xC1, true },
	{ "Auml", 0xC4, true },
	{ "Ccedil", 0xC7, true },
	{ "Eacute", 0xC9, true },
	{ "Ouml", 0xD6, true },
	{ "Uuml", 0xDC, true },
	{ "szlig", 0xDF, true },
	{ "agrave", 0xE0, true },
	{ "aacute", 0xE1, true },
	{ "auml", 0xE4, true },
	{ "ccedil", 0xE7, true },
	{ "egrave", 0xE8, true },
	{ "eacute", 0xE9, true },
	{ "ouml", 0xF6, true },
	{ "uuml", 0xFC, true },
};

#define NENTITIES (sizeof(entities) / sizeof(entities[0]))

/* HTML5: &#128; to &#159; name windows-1252 characters. */
static const uint16_t c1_1252[32] = { 0x20AC, 0x81, 0x201A, 0x0192, 0x201E,
	0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
	0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
	0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178 };

#define WS_NONE	 0
#define WS_SPACE 1
#define WS_TAB	 2

/* The text written so far, and what separates it from the next text. */
struct sink {
	struct buf *out;
	int rc;
	int ws;	  /* pending separator, WS_* */
	int nl;	  /* line breaks at the end of the output */
	bool bol; /* at the beginning of a line */
	bool any; /* text written */
};

/* The reader's state between tags. */
struct html {
	const unsigned char *in;
	size_t len;
	struct sink s;
	unsigned pre;		/* open pre-like elements */
	bool no_end[RAW_COUNT]; /* no end tag of this kind from here */
};

static bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_alnum(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* put: append, or as much as fits without cutting a UTF-8 sequence. */
static void
put(struct sink *s, const unsigned char *p, size_t n)
{
	size_t room, cut;
	int rc;

	if (s->rc != BUF_OK || n == 0)
		return;
	room = s->out->max - s->out->len;
	if (n <= room) {
		s->rc = buf_append(s->out, p, n);
		return;
	}
	cut = room;
	while (cut > 0 && (p[cut] & 0xC0) == 0x80)
		cut--;
	rc = cut > 0 ? buf_append(s->out, p, cut) : BUF_OK;
	s->rc = rc == BUF_OK ? BUF_EFULL : rc;
}

/* emit_text: text, after the pending separator. */
static void
emit_text(struct sink *s, const unsigned char *p, size_t n)
{
	if (n == 0)
		return;
	if (s->ws != WS_NONE && !s->bol)
		put(s, (const unsigned char *)(s->ws == WS_TAB ? "\t" : " "),
		    1);
	s->ws = WS_NONE;
	put(s, p, n);
	s->bol = false;
	s->any = true;
	s->nl = 0;
}

/* emit_ws: white space; a tab (cell separator) outranks a space. */
static void
emit_ws(struct sink *s, int ws)
{
	if (!s->bol && ws > s->ws)
		s->ws = ws;
}

/*
 * emit_nl: end the line. A soft break does nothing on an empty line; a
 * hard one (br, a newline in pre) makes an empty line; never more than
 * two line breaks in a row, and none before the first text.
 */
static void
emit_nl(struct sink *s, bool hard)
{
	s->ws = WS_NONE;
	if (!s->any || (!hard && s->bol) || s->nl >= 2)
		return;
	put(s, (const unsigned char *)"\n", 1);
	s->nl++;
	s->bol = true;
}

static void
emit_para(struct sink *s)
{
	emit_nl(s, false);
	emit_nl(s, true);
}

/* emit_cp: one decoded character reference. */
static void
emit_cp(struct sink *s, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp == 0 || cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) ||
	    cp == 0x2060 || cp == 0xFEFF)
		return; /* invisible: would split a number */
	if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
	    cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
	    cp == 0x205F) {
		emit_ws(s, WS_SPACE);
		return;
	}
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	emit_text(s, u, n);
}

/*
 * emit_plain: text with no markup (a CDATA section, or ordinary text
 * between markup): white space folds, or breaks lines inside pre.
 */
static void
emit_plain(struct html *h, const unsigned char *p, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		if (!is_ws(p[i])) {
			for (j = i + 1; j < n && !is_ws(p[j]); j++)
				;
			emit_text(&h->s, p + i, j - i);
			i = j;
			continue;
		}
		if (h->pre > 0 &&
		    (p[i] == '\n' ||
			(p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))))
			emit_nl(&h->s, true);
		else
			emit_ws(&h->s, WS_SPACE);
		i++;
	}
}

/*
 * entity: the character reference at in[i] == '&'. Returns the index
 * after it; when there is none, emits the '&' and returns i + 1.
 */
static size_t
entity(struct html *h, size_t i)
{
	const unsigned char *in = h->in;
	size_t j = i + 1, k, n, l;
	uint32_t cp = 0;
	bool hex = false, semi;
	char name[ENT_NAME_MAX + 1];
	const struct entity *e, *best;

	if (j < h->len && in[j] == '#') {
		j++;
		if (j < h->len && (in[j] == 'x' || in[j] == 'X')) {
			hex = true;
			j++;
		}
		for (k = j; k < h->len; k++) {
			unsigned d;

			if (in[k] >= '0' && in[k] <= '9')
				d = in[k] - '0';
			else if (hex &&
			    ((in[k] | 0x20) >= 'a' && (in[k] | 0x20) <= 'f'))
				d = (in[k] | 0x20) - 'a' + 10;
			else
				break;
			cp = cp * (hex ? 16 : 10) + d;
			if (cp > 0x10FFFF)
				cp = 0x110000; /* stays invalid, no overflow */
		}
		if (k == j)
			goto literal;
		if (k < h->len && in[k] == ';')
			k++;
		if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			cp = 0xFFFD;
		else if (cp >= 0x80 && cp <= 0x9F)
			cp = c1_1252[cp - 0x80];
		emit_cp(&h->s, cp);
		return k;
	}
	for (k = j; k < h->len && k - j < ENT_NAME_MAX && is_alnum(in[k]); k++)
		;
	n = k - j;
	semi = k < h->len && in[k] == ';';
	memcpy(name, in + j, n);
	name[n] = '\0';
	/*
	 * A whole name with ';', else (as HTML5 does in text) the longest
	 * legacy name that the letters begin with: "&copy2024", "&nbspx".
	 */
	best = NULL;
	for (e = entities; e < entities + NENTITIES; e++) {
		l = strlen(e->name);
		if (semi && l == n && memcmp(name, e->name, n) == 0) {
			emit_cp(&h->s, e->cp);
			return k + 1;
		}
		if (e->legacy && l <= n && memcmp(name, e->name, l) == 0 &&
		    (best == NULL || l > strlen(best->name)))
			best = e;
	}
	if (best != NULL) {
		emit_cp(&h->s, best->cp);
		return j + strlen(best->name);
	}
literal:
	emit_text(&h->s, in + i, 1);
	return i + 1;
}

/* skip_to: the index after the first c at or after i, or len. */
static size_t
skip_to(const struct html *h, size_t i, unsigned char c)
{
	const unsigned char *p;

	if (i >= h->len)
		return h->len;
	p = memchr(h->in + i, c, h->len - i);
	return p != NULL ? (size_t)(p - h->in) + 1 : h->len;
}

/* find: the index of the first s at or after i, or len. */
static size_t
find(const struct html *h, size_t i, const char *s)
{
	const unsigned char *p;
	size_t n = strlen(s);

	if (i >= h->len || h->len - i < n)
		return h->len;
	p = memmem(h->in + i, h->len - i, s, n);
	return p != NULL ? (size_t)(p - h->in) : h->len;
}

/*
 * find_end_tag: the index of "</name" (any case, not followed by a name
 * character) at or after i, or len.
 */
static size_t
find_end_tag(const struct html *h, size_t i, const char *name)
{
	size_t n = strlen(name), k = i;
	const unsigned char *p;

	while (k < h->len && (p = memchr(h->in + k, '<', h->len - k)) != NULL) {
		k = (size_t)(p - h->in);
		if (h->len - k >= n + 2 && p[1] == '/' &&
		    strncasecmp((const char *)p + 2, name, n) == 0 &&
		    (h->len - k == n + 2 || !is_alnum(p[n + 2])))
			return k;
		k++;
	}
	return h->len;
}

/* tag_name: the lower-case name at in[i]; returns the index after it. */
static size_t
tag_name(const struct html *h, size_t i, char *name)
{
	size_t n = 0;
	unsigned char c;

	for (; i < h->len; i++) {
		c = h->in[i];
		if (is_ws(c) || c == '/' || c == '>')
			break;
		if (n < TAG_NAME_MAX)
			name[n] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		n++;
	}
	name[n <= TAG_NAME_MAX ? n : 0] = '\0';
	return i;
}

static const struct tag *
tag_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (strcmp(name, tags[i].name) == 0)
			return &tags[i];
	return NULL;
}

/*
 * attrs_end: the index after the '>' that ends a start tag whose
 * attributes begin at i. A quote opens a value only after '=' (HTML5), so
 * a stray quote in a name cannot swallow the document; a value's quote
 * without its mate runs to the end of the input.
 */
static size_t
attrs_end(const struct html *h, size_t i)
{
	const unsigned char *in = h->in;
	unsigned char c;

	while (i < h->len) {
		c = in[i++];
		if (c == '>')
			return i;
		if (c != '=')
			continue;
		while (i < h->len && is_ws(in[i]))
			i++;
		if (i < h->len && (in[i] == '"' || in[i] == '\''))
			i = skip_to(h, i + 1, in[i]);
	}
	return h->len;
}

static void
tag_effect(struct html *h, const struct tag *t, bool end)
{
	if (t->flags & T_BR)
		emit_nl(&h->s, true);
	if (t->flags & T_LINE)
		emit_nl(&h->s, false);
	if (t->flags & T_PARA)
		emit_para(&h->s);
	if ((t->flags & T_CELL) && !end)
		emit_ws(&h->s, WS_TAB);
	if (t->flags & T_PRE) {
		if (!end)
			h->pre++;
		else if (h->pre > 0)
			h->pre--;
	}
}

/* start_tag: the start tag at in[i] == '<' (a letter follows). */
static size_t
start_tag(struct html *h, size_t i)
{
	char name[TAG_NAME_MAX + 1];
	const struct tag *t;
	size_t j, e;

	j = tag_name(h, i + 1, name);
	j = attrs_end(h, j);
	/* a tag cut by the end of the input is no tag (HTML5) */
	if ((t = tag_find(name)) == NULL || h->in[j - 1] != '>')
		return j;
	if (!(t->flags & T_RAW)) {
		tag_effect(h, t, false);
		return j;
	}
	/*
	 * Drop the content up to the end tag; without one, drop only the
	 * start tag. A failed search is remembered, so that a thousand
	 * unclosed <script>s cost one scan, not a thousand.
	 */
	if (h->no_end[t->raw])
		return j;
	e = find_end_tag(h, j, raw_names[t->raw]);
	if (e == h->len) {
		h->no_end[t->raw] = true;
		return j;
	}
	return skip_to(h, e, '>');
}

/*
 * markup: what starts at in[i] == '<'. Returns the index after it; a '<'
 * that starts no markup is text.
 */
static size_t
markup(struct html *h, size_t i)
{
	const unsigned char *in = h->in;
	size_t len = h->len, e;
	char name[TAG_NAME_MAX + 1];
	const struct tag *t;

	if (i + 1 < len && is_alpha(in[i + 1]))
		return start_tag(h, i);
	if (i + 1 < len && in[i + 1] == '!') {
		if (len - i >= 4 && memcmp(in + i, "<!--", 4) == 0) {
			/* "<!-->" is a whole (empty) comment in HTML5 */
			e = find(h, i + 2, "-->");
			return e == len ? len : e + 3;
		}
		if (len - i >= 9 && memcmp(in + i, "<![CDATA[", 9) == 0) {
			e = find(h, i + 9, "]]>");
			emit_plain(h, in + i + 9, e - (i + 9));
			return e == len ? len : e + 3;
		}
		return skip_to(h, i + 2, '>'); /* <!DOCTYPE>, <![if ...]> */
	}
	if (i + 1 < len && in[i + 1] == '?')
		return skip_to(h, i + 2, '>');
	if (i + 2 < len && in[i + 1] == '/') {
		if (!is_alpha(in[i + 2]))
			return skip_to(h, i + 2, '>'); /* "</>", bogus */
		e = tag_name(h, i + 2, name);
		if ((t = tag_find(name)) != NULL && !(t->flags & T_RAW))
			tag_effect(h, t, true);
		return skip_to(h, e, '>');
	}
	emit_text(&h->s, in + i, 1);
	return i + 1;
}

int
html_to_text(const char *in, size_t len, struct buf *out)
{
	struct html h;
	size_t i = 0, j;
	unsigned char c;

	memset(&h, 0, sizeof(h));
	h.in = (const unsigned char *)in;
	h.len = len;
	h.s.out = out;
	h.s.rc = BUF_OK;
	h.s.bol = true;
	while (i < len && h.s.rc == BUF_OK) {
		c = h.in[i];
		if (c == '<') {
			i = markup(&h, i);
		} else if (c == '&') {
			i = entity(&h, i);
		} else {
			for (j = i + 1;
			     j < len && h.in[j] != '<' && h.in[j] != '&'; j++)
				;
			emit_plain(&h, h.in + i, j - i);
			i = j;
		}
	}
	return h.s.rc;
}
