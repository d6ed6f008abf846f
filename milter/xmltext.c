/*
 * xmltext - SAX plumbing for the document extractors: a safe libxml2 push
 * parser, a bounded text writer and spreadsheet number formatting.
 *
 * Why a push parser with our own xmlSAXHandler and not xmlReader or a
 * DOM: the parts of an office document are fed straight from the zip
 * reader's blocks, so memory stays at libxml2's window plus the writer's
 * buffer however large the part; and a handler that knows nothing of
 * entities cannot be made to expand them. libxml2 only asks the handler
 * for an entity (getEntity) and only builds its entity table through the
 * handler (entityDecl); both are NULL here, and the parse context's user
 * data is not the context, so libxml2's own SAX2 entity lookup is off
 * too. An entity reference other than the five predefined ones is then an
 * error, never text.
 *
 * The parser is created at the first four bytes, so that libxml2 sees a
 * byte order mark or "<?xm" in UTF-16 before it chooses the encoding.
 *
 * Limits and thread-safety: see xmltext.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "xmltext.h"

#define OUT_CHUNK   (64 * 1024) /* text handed to the sink at a time */
#define HEAD_BYTES  4		/* what libxml2 needs to see the encoding */
#define MEMBER_STOP (-100)	/* a handler stopped the parse */

struct xmltext {
	const struct xmltext_handler *h;
	void *arg;
	xmlSAXHandler sax;
	xmlParserCtxtPtr ctxt; /* NULL until HEAD_BYTES arrived */
	unsigned char head[HEAD_BYTES];
	size_t nhead;
	bool stopped; /* by a handler */
	int failed;   /* DLP_OK, or the error that ended the parse */
};

static void
sax_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattrs, int ndefaulted,
    const xmlChar **attrs)
{
	struct xmltext *p = ctx;
	struct xmltext_attrs a;

	if (p->stopped || p->h->start == NULL)
		return;
	a.v = (const unsigned char **)attrs;
	a.n = nattrs > 0 && attrs != NULL ? nattrs : 0;
	p->h->start(p->arg, (const char *)local, (const char *)uri, &a);
}

static void
sax_end(
    void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct xmltext *p = ctx;

	if (p->stopped || p->h->end == NULL)
		return;
	p->h->end(p->arg, (const char *)local, (const char *)uri);
}

static void
sax_text(void *ctx, const xmlChar *s, int len)
{
	struct xmltext *p = ctx;

	if (p->stopped || p->h->text == NULL || len <= 0)
		return;
	p->h->text(p->arg, (const char *)s, (size_t)len);
}

/* libxml2's reports go nowhere: the engine never prints. */
static void
silent_structured(void *ctx, xmlErrorPtr err)
{
}

static void
silent_generic(void *ctx, const char *fmt, ...)
{
}

struct xmltext *
xmltext_new(const struct xmltext_handler *h, void *arg)
{
	struct xmltext *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->h = h;
	p->arg = arg;
	/* only these callbacks: no entity, DTD or external subset hooks */
	p->sax.initialized = XML_SAX2_MAGIC;
	p->sax.startElementNs = sax_start;
	p->sax.endElementNs = sax_end;
	p->sax.characters = sax_text;
	p->sax.cdataBlock = sax_text;
	p->sax.serror = silent_structured;
	return p;
}

void
xmltext_free(struct xmltext *p)
{
	if (p == NULL)
		return;
	if (p->ctxt != NULL) {
		/* libxml2 keeps the DTD's entity declarations in a document
		   of its own even in pure SAX mode ("expat compatibility");
		   they are never substituted here, but they are ours to free */
		if (p->ctxt->myDoc != NULL)
			xmlFreeDoc(p->ctxt->myDoc);
		xmlFreeParserCtxt(p->ctxt);
	}
	explicit_bzero(p->head, sizeof(p->head));
	free(p);
}

void
xmltext_stop(struct xmltext *p)
{
	p->stopped = true;
	if (p->ctxt != NULL)
		xmlStopParser(p->ctxt);
}

/*
 * One call into libxml2 with its error reporting silenced. Returns
 * DLP_OK, DLP_EINPUT or DLP_EFATAL.
 */
static int
parse_chunk(struct xmltext *p, const void *data, size_t len, int terminate)
{
	xmlStructuredErrorFunc old_s = xmlStructuredError;
	void *old_sctx = xmlStructuredErrorContext;
	xmlGenericErrorFunc old_g = xmlGenericError;
	void *old_gctx = xmlGenericErrorContext;
	int r;

	xmlSetStructuredErrorFunc(NULL, silent_structured);
	xmlSetGenericErrorFunc(NULL, silent_generic);
	r = xmlParseChunk(p->ctxt, data, (int)len, terminate);
	xmlSetGenericErrorFunc(old_gctx, old_g);
	xmlSetStructuredErrorFunc(old_sctx, old_s);
	if (p->stopped)
		return DLP_OK;
	if (p->ctxt->errNo == XML_ERR_NO_MEMORY)
		return DLP_EFATAL;
	/* namespace errors and warnings leave the document well-formed */
	if (r != 0 && (!p->ctxt->wellFormed || p->ctxt->disableSAX))
		return DLP_EINPUT;
	return DLP_OK;
}

/* Create the parser on the first HEAD_BYTES (or all, at the end). */
static int
start_parser(struct xmltext *p)
{
	int rc;

	p->ctxt = xmlCreatePushParserCtxt(
	    &p->sax, p, (const char *)p->head, (int)p->nhead, NULL);
	explicit_bzero(p->head, sizeof(p->head));
	if (p->ctxt == NULL)
		return DLP_EFATAL;
	/* no NOENT (no substitution), no DTDLOAD, no HUGE, no XINCLUDE */
	rc = xmlCtxtUseOptions(
	    p->ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	return rc == 0 ? DLP_OK : DLP_EFATAL;
}

int
xmltext_feed(struct xmltext *p, const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t n;
	int rc;

	if (p->stopped)
		return DLP_OK;
	if (p->failed != DLP_OK)
		return p->failed;
	if (p->ctxt == NULL) {
		n = HEAD_BYTES - p->nhead;
		if (n > len)
			n = len;
		memcpy(p->head + p->nhead, s, n);
		p->nhead += n;
		s += n;
		len -= n;
		if (p->nhead < HEAD_BYTES)
			return DLP_OK;
		if ((rc = start_parser(p)) != DLP_OK)
			return p->failed = rc;
	}
	/* xmlParseChunk takes an int */
	while (len > 0) {
		n = len > (1u << 30) ? (1u << 30) : len;
		if ((rc = parse_chunk(p, s, n, 0)) != DLP_OK)
			return p->failed = rc;
		if (p->stopped)
			return DLP_OK;
		s += n;
		len -= n;
	}
	return DLP_OK;
}

int
xmltext_finish(struct xmltext *p)
{
	int rc;

	if (p->stopped)
		return DLP_OK;
	if (p->failed != DLP_OK)
		return p->failed;
	if (p->ctxt == NULL) {
		if (p->nhead == 0)
			return p->failed = DLP_EINPUT; /* no document */
		if ((rc = start_parser(p)) != DLP_OK)
			return p->failed = rc;
	}
	if ((rc = parse_chunk(p, NULL, 0, 1)) != DLP_OK)
		p->failed = rc;
	return rc;
}

bool
xmltext_attr(const struct xmltext_attrs *a, const char *local, const char *uri,
    const char **val, size_t *len)
{
	const unsigned char **v;
	int i;

	for (i = 0; i < a->n; i++) {
		v = a->v + 5 * i;
		/* most attributes differ in their first byte */
		if (v[0][0] != (unsigned char)local[0] ||
		    strcmp((const char *)v[0], local) != 0)
			continue;
		if (uri != NULL &&
		    (v[2] == NULL || strcmp((const char *)v[2], uri) != 0))
			continue;
		*val = (const char *)v[3];
		*len = (size_t)(v[4] - v[3]);
		return true;
	}
	return false;
}

bool
xmltext_attr_copy(const struct xmltext_attrs *a, const char *local,
    const char *uri, char *out, size_t outsz)
{
	const char *v;
	size_t len;

	if (outsz == 0 || !xmltext_attr(a, local, uri, &v, &len))
		return false;
	if (len > outsz - 1)
		len = outsz - 1;
	memcpy(out, v, len);
	out[len] = '\0';
	return true;
}

struct member_feed {
	struct xmltext *p;
	const struct xmltext_handler *h;
	void *arg;
};

static int
member_feed(void *arg, const void *data, size_t len)
{
	struct member_feed *m = arg;
	int rc;

	if ((rc = xmltext_feed(m->p, data, len)) != DLP_OK)
		return rc;
	if (!m->p->stopped && m->h->done != NULL && m->h->done(m->arg))
		xmltext_stop(m->p);
	return m->p->stopped ? MEMBER_STOP : DLP_OK;
}

int
xmltext_member(struct zipmem *z, struct extract *x, size_t i,
    const struct xmltext_handler *h, void *arg, const char **why)
{
	struct member_feed m;
	int rc;

	m.h = h;
	m.arg = arg;
	if ((m.p = xmltext_new(h, arg)) == NULL)
		return DLP_EFATAL;
	rc = zipmem_read(z, x, i, 0, member_feed, &m, NULL, why);
	if (rc == MEMBER_STOP)
		rc = DLP_OK;
	else if (rc == DLP_OK)
		rc = xmltext_finish(m.p);
	if (rc == DLP_EINPUT && why != NULL)
		*why = "corrupt";
	xmltext_free(m.p);
	return rc;
}

void
xmltext_out_init(struct xmltext_out *o, struct extract *x, long node)
{
	o->x = x;
	o->node = node;
	buf_init(&o->b, 2 * (size_t)OUT_CHUNK);
	o->seg = 0;
	o->marks = NULL;
	o->n_marks = 0;
	o->full = false;
	o->nomem = false;
	o->last = -1;
}

/* Hand everything over: the text, with the labels held. */
int
xmltext_out_flush(struct xmltext_out *o)
{
	int rc;

	if (o->full || o->nomem)
		return -1;
	if (o->n_marks > 0)
		rc = extract_text_marked(o->x, o->node, o->b.data, o->b.len,
		    o->marks->m, o->n_marks);
	else if (o->b.len > 0)
		rc = extract_text(o->x, o->node, "utf-8", o->b.data, o->b.len);
	else
		rc = 0;
	if (rc != 0)
		o->full = true;
	buf_reset(&o->b);
	o->seg = 0;
	o->n_marks = 0;
	return o->full ? -1 : 0;
}

/*
 * Hand over the text up to the last label held and keep what follows it
 * (the text of the current label, at most OUT_CHUNK bytes) at the start
 * of the buffer: the buffer is full of small cells, or a block of input
 * ended (xmltext_out_done()).
 */
static int
hand_over_marked(struct xmltext_out *o)
{
	size_t tail = o->b.len - o->seg;
	int rc;

	if (o->n_marks == 0)
		return 0; /* cannot be: seg > 0 only after a label */
	rc = extract_text_marked(
	    o->x, o->node, o->b.data, o->seg, o->marks->m, o->n_marks);
	o->n_marks = 0;
	if (rc != 0) {
		o->full = true;
		buf_reset(&o->b);
		o->seg = 0;
		return -1;
	}
	memmove(o->b.data, o->b.data + o->seg, tail);
	explicit_bzero(o->b.data + tail, o->b.len - tail);
	o->b.len = tail;
	o->seg = 0;
	return 0;
}

int
xmltext_out_put(struct xmltext_out *o, const void *s, size_t len)
{
	int rc;

	if (o->full || o->nomem)
		return -1;
	/* OUT_CHUNK bytes since the last label: hand over, as a writer
	   without held labels would */
	if (len > OUT_CHUNK - (o->b.len - o->seg)) {
		if (xmltext_out_flush(o) < 0)
			return -1;
		if (len > OUT_CHUNK) {
			if (extract_text(o->x, o->node, "utf-8", s, len) != 0)
				o->full = true;
			o->last = ((const unsigned char *)s)[len - 1];
			return o->full ? -1 : 0;
		}
	}
	if (len > o->b.max - o->b.len && hand_over_marked(o) < 0)
		return -1;
	if ((rc = buf_append(&o->b, s, len)) != BUF_OK) {
		o->nomem = true;
		return -1;
	}
	if (len > 0)
		o->last = ((const unsigned char *)s)[len - 1];
	return 0;
}

int
xmltext_out_putc(struct xmltext_out *o, int c)
{
	unsigned char ch = (unsigned char)c;

	if (o->b.len - o->seg < OUT_CHUNK && !o->full && !o->nomem &&
	    o->b.len + 1 < o->b.cap) {
		/* the common case, without a call through buf_append */
		o->b.data[o->b.len++] = ch;
		o->b.data[o->b.len] = '\0';
		o->last = ch;
		return 0;
	}
	return xmltext_out_put(o, &ch, 1);
}

int
xmltext_out_endline(struct xmltext_out *o)
{
	if (o->last == -1 || o->last == '\n')
		return o->full || o->nomem ? -1 : 0;
	return xmltext_out_putc(o, '\n');
}

int
xmltext_out_locate(struct xmltext_out *o, const char *label)
{
	if (xmltext_out_flush(o) < 0)
		return -1;
	extract_locate(o->x, o->node, label);
	return 0;
}

int
xmltext_out_mark(struct xmltext_out *o, const char *label)
{
	size_t n = strlen(label);

	if (o->full || o->nomem)
		return -1;
	if (n >= XMLTEXT_MARK_LABEL || o->n_marks == XMLTEXT_MARKS)
		return xmltext_out_locate(o, label);
	if (o->marks == NULL &&
	    (o->marks = malloc(sizeof(*o->marks))) == NULL) {
		o->nomem = true;
		return -1;
	}
	memcpy(o->marks->label[o->n_marks], label, n + 1);
	o->marks->m[o->n_marks].off = o->b.len;
	o->marks->m[o->n_marks].label = o->marks->label[o->n_marks];
	o->n_marks++;
	o->seg = o->b.len;
	return 0;
}

int
xmltext_out_free(struct xmltext_out *o)
{
	int rc;

	(void)xmltext_out_flush(o);
	rc = o->nomem ? DLP_EFATAL : o->full ? DLP_PARTIAL : DLP_OK;
	buf_free(&o->b);
	free(o->marks);
	o->marks = NULL;
	o->n_marks = 0;
	return rc;
}

bool
xmltext_out_done(struct xmltext_out *o)
{
	/* up to the last label only: the text after it may go on */
	if (o->n_marks > 0 && !o->full && !o->nomem)
		(void)hand_over_marked(o);
	return o->full || o->nomem;
}

static void
lines_break(struct xmltext_lines *l)
{
	if (l->open)
		(void)xmltext_out_putc(l->out, '\n');
	l->open = false;
}

static void
lines_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct xmltext_lines *l = arg;
	size_t i;

	lines_break(l);
	if (l->skipping > 0) {
		l->skipping++;
		return;
	}
	for (i = 0; l->skip != NULL && l->skip[i] != NULL; i++)
		if (strcmp(local, l->skip[i]) == 0) {
			l->skipping = 1;
			return;
		}
}

static void
lines_end(void *arg, const char *local, const char *uri)
{
	struct xmltext_lines *l = arg;

	lines_break(l);
	if (l->skipping > 0)
		l->skipping--;
}

static void
lines_text(void *arg, const char *s, size_t len)
{
	struct xmltext_lines *l = arg;
	size_t i;

	if (l->skipping > 0)
		return;
	if (!l->open) {
		for (i = 0; i < len; i++)
			if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
			    s[i] != '\r')
				break;
		if (i == len)
			return;
	}
	(void)xmltext_out_put(l->out, s, len);
	l->open = true;
}

static bool
lines_done(void *arg)
{
	struct xmltext_lines *l = arg;

	return xmltext_out_done(l->out);
}

const struct xmltext_handler xmltext_lines_handler = { lines_start, lines_end,
	lines_text, lines_done };

/* Is c an ASCII digit? (isdigit() depends on the locale.) */
static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

#define NUM_DIGITS 15 /* significant digits a spreadsheet displays */
#define NUM_MAXEXP 40 /* |decimal point position| beyond this: as is */

/* sign, "0.", NUM_MAXEXP zeros, NUM_DIGITS digits, NUL fit */
_Static_assert(XMLTEXT_NUMBER_MAX >= 1 + 2 + NUM_MAXEXP + NUM_DIGITS + 1,
    "XMLTEXT_NUMBER_MAX too small");

/*
 * Round the significant digits d[0..*n) to NUM_DIGITS, half away from
 * zero, as spreadsheets display; *dp moves when 9s carry into a new digit.
 */
static void
round_digits(char *d, size_t *n, long *dp)
{
	size_t i;

	if (*n <= NUM_DIGITS)
		return;
	i = NUM_DIGITS;
	*n = NUM_DIGITS;
	if (d[i] < '5')
		return;
	while (i > 0) {
		i--;
		if (d[i] != '9') {
			d[i]++;
			return;
		}
		d[i] = '0';
	}
	/* 999... carried over: 1000... */
	d[0] = '1';
	*n = 1;
	(*dp)++;
}

/* A decimal number: significant digits d[0..n) times 10^(dp - n). */
struct decimal {
	char d[NUM_DIGITS + 1]; /* one more than shown, for rounding */
	size_t n;
	long dp; /* digits before the decimal point */
	bool neg;
};

/* Parse s (len bytes, trimmed) into *v. false when it is no number. */
static bool
parse_decimal(const char *s, size_t len, struct decimal *v)
{
	size_t i = 0, ndig = 0;
	long exp = 0;
	bool eneg = false, point = false, nonzero = false;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		v->neg = s[i++] == '-';
	for (; i < len; i++) {
		if (s[i] == '.' && !point) {
			point = true;
			continue;
		}
		if (!is_digit(s[i]))
			break;
		ndig++;
		if (!point)
			v->dp++;
		if (!nonzero && s[i] == '0') {
			v->dp--; /* a leading zero is not significant */
			continue;
		}
		nonzero = true;
		if (v->n < sizeof(v->d))
			v->d[v->n++] = s[i];
	}
	if (ndig == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < len && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		if (i >= len || !is_digit(s[i]))
			return false;
		for (; i < len && is_digit(s[i]); i++)
			if (exp <= 10000)
				exp = exp * 10 + (s[i] - '0');
	}
	v->dp += eneg ? -exp : exp;
	return i == len;
}

int
xmltext_number(const char *s, size_t len, char *out, size_t outsz)
{
	struct decimal v;
	size_t o = 0, dp;

	memset(&v, 0, sizeof(v));
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	if (outsz < XMLTEXT_NUMBER_MAX || !parse_decimal(s, len, &v))
		return -1;
	round_digits(v.d, &v.n, &v.dp);
	while (v.n > 0 && v.d[v.n - 1] == '0')
		v.n--;
	if (v.n == 0) {
		memcpy(out, "0", 2);
		return 1;
	}
	if (v.dp > NUM_MAXEXP || v.dp < -NUM_MAXEXP)
		return -1;
	if (v.neg)
		out[o++] = '-';
	if (v.dp <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (; v.dp < 0; v.dp++)
			out[o++] = '0';
		memcpy(out + o, v.d, v.n);
		o += v.n;
	} else if ((dp = (size_t)v.dp) >= v.n) {
		memcpy(out + o, v.d, v.n);
		o += v.n;
		memset(out + o, '0', dp - v.n);
		o += dp - v.n;
	} else {
		memcpy(out + o, v.d, dp);
		o += dp;
		out[o++] = '.';
		memcpy(out + o, v.d + dp, v.n - dp);
		o += v.n - dp;
	}
	out[o] = '\0';
	return (int)o;
}

char *
xmltext_colname(unsigned long col, char *out, size_t outsz)
{
	char tmp[16];
	size_t n = 0, i;

	col++;
	while (col > 0 && n < sizeof(tmp)) {
		col--;
		tmp[n++] = (char)('A' + col % 26);
		col /= 26;
	}
	if (n + 1 > outsz)
		n = outsz > 0 ? outsz - 1 : 0;
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	if (outsz > 0)
		out[n] = '\0';
	return out;
}

char *
xmltext_cell_label(char *out, size_t outsz, const char *sheet,
    unsigned long col, unsigned long row)
{
	char tail[48], digits[24];
	size_t n = 0, nt, nd = 0, ns = strlen(sheet);

	if (outsz == 0)
		return out;
	tail[0] = '!';
	xmltext_colname(col, tail + 1, sizeof(tail) - 1);
	nt = strlen(tail);
	do {
		digits[nd++] = (char)('0' + row % 10);
		row /= 10;
	} while (row > 0 && nd < sizeof(digits));
	while (nd > 0)
		tail[nt++] = digits[--nd];
	if (nt + 1 > outsz)
		nt = outsz - 1;
	if (ns > outsz - 1 - nt)
		ns = outsz - 1 - nt;
	memcpy(out, sheet, ns);
	n = ns;
	memcpy(out + n, tail, nt);
	out[n + nt] = '\0';
	return out;
}

#define CELL_MAXCOL (1ul << 20) /* lenient: Excel stops at 16384 */
#define CELL_MAXROW (1ul << 31)

bool
xmltext_cellref(
    const char *s, size_t len, unsigned long *col, unsigned long *row)
{
	unsigned long c = 0, r = 0;
	size_t i = 0, nl = 0, nd = 0;
	char ch;

	if (i < len && s[i] == '$')
		i++;
	for (; i < len; i++, nl++) {
		ch = s[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch < 'A' || ch > 'Z')
			break;
		c = c * 26 + (unsigned long)(ch - 'A' + 1);
		if (c > CELL_MAXCOL)
			return false;
	}
	if (i < len && s[i] == '$')
		i++;
	for (; i < len && is_digit(s[i]); i++, nd++) {
		r = r * 10 + (unsigned long)(s[i] - '0');
		if (r > CELL_MAXROW)
			return false;
	}
	if (nl == 0 || nd == 0 || i != len || r == 0)
		return false;
	*col = c - 1;
	*row = r;
	return true;
}
