/*
 * extract_odf - the text of OpenDocument packages (odt, ods, odp and the
 * other flavours), and whether they are encrypted.
 *
 * Encryption first: META-INF/manifest.xml lists every file of the
 * package, and a file encrypted with the document's password carries a
 * manifest:encryption-data with its algorithm. Any such entry makes the
 * document node encrypted, its method from the algorithm of content.xml
 * (else of the first encrypted entry): "Blowfish CFB" is odf-blowfish
 * (OpenOffice and old LibreOffice), aes256-cbc and aes256-gcm are
 * odf-aes-256, aes128/aes192 odf-aes-128/-192, anything else odf-unknown.
 * LibreOffice's wholesale encryption (ODF 1.4: a zip of mimetype,
 * encrypted-package and a manifest) is recognised by the encrypted-package
 * member as well, with or without a manifest saying so. An encrypted
 * document's plain files (the manifest, mimetype, a thumbnail) are not
 * read: the node is encrypted. A manifest that claims encryption while
 * content.xml is XML in the clear is not believed (a forged manifest
 * must not pass a plain body as encrypted): the package is read.
 *
 * Text, when not encrypted: content.xml (the body), styles.xml (only the
 * headers and footers of master pages) and meta.xml (title, subject,
 * keywords, author, user-defined fields), then the text of embedded
 * sub-documents ("Object 1/content.xml"), and embedded binary objects
 * ("Object 2", an OLE file) as child nodes. Paragraphs and headings end
 * with '\n'; text:s is its count of spaces (at most SPACES_MAX), text:tab
 * '\t', text:line-break '\n'; footnote citations (the small number) are
 * dropped so they do not join the number they follow. Tables: cells are
 * separated by '\t' and rows end with '\n', paragraphs inside a cell are
 * joined by a space.
 *
 * Spreadsheets (the mimetype says so): every top-level table is a sheet,
 * each non-empty cell located as "Sheet1!B7"; a float cell is written as
 * its office:value in plain digits (xmltext_number(): 123456789012, not
 * the displayed 1.23457E+11), other cells as their text; repeated cells
 * (table:number-columns-repeated) are written up to REPEAT_MAX times and
 * skipped columns filled with up to GAP_MAX tabs, so a sheet of a million
 * repeated empty cells costs nothing; repeated rows are written once.
 * Presentations: each draw:page is "slideN", its notes "notesN"; text
 * documents are "document"; headers "headers"; meta "properties".
 *
 * What it does not read: flat XML documents (.fodt: plain XML to the
 * identification), settings.xml, change-tracking metadata, scripts,
 * forms' values, charts' cached data.
 *
 * Limits: as extract_ooxml: zipmem and xmltext bound every part; a cut
 * part marks the node and the rest is read.
 *
 * Thread-safety: no global state; one call uses one extraction context.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract.h"
#include "xmltext.h"
#include "zipmem.h"

#define NAME_MAX_  256 /* bytes of a sheet name */
#define LABEL_MAX  (NAME_MAX_ + 32)
#define GAP_MAX	   256	       /* tabs written for skipped columns */
#define REPEAT_MAX 64	       /* copies written of a repeated cell */
#define SPACES_MAX 64	       /* spaces written for one text:s */
#define CELL_MAX   (64 * 1024) /* a cell's text held at once */
#define TBL_MAX	   32	       /* nested tables tracked */
#define COUNT_MAX  (1ul << 31) /* repeat counts are clamped here */

enum flavour { F_TEXT, F_SHEET, F_PRES };

struct od {
	struct extract *x;
	long node;
	unsigned depth;
	struct zipmem *z;
	struct xmltext_out out;
	int rc;
	bool marked;
	unsigned members;
};

static void
merge(struct od *o, int rc, const char *why)
{
	if (rc == DLP_PARTIAL && !o->marked && why != NULL) {
		extract_mark(
		    o->x, o->node, DLP_ENC_NOT_INSPECTABLE, why, false);
		o->marked = true;
	}
	if (rc > o->rc && rc <= DLP_EFATAL)
		o->rc = rc;
}

/* a + b, clamped at COUNT_MAX */
static unsigned long
add_count(unsigned long a, unsigned long b)
{
	return a >= COUNT_MAX || b >= COUNT_MAX - a ? COUNT_MAX : a + b;
}

/* An attribute as a count: 1 when absent or not a number, clamped. */
static unsigned long
attr_count(const struct xmltext_attrs *a, const char *local)
{
	const char *v;
	size_t len, i;
	unsigned long n = 0;

	if (!xmltext_attr(a, local, NULL, &v, &len) || len == 0)
		return 1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 1;
		if (n > (COUNT_MAX - 9) / 10)
			return COUNT_MAX;
		n = n * 10 + (unsigned long)(v[i] - '0');
	}
	return n > 0 ? n : 1;
}

/* The manifest */

struct manifest {
	char path[256]; /* of the file-entry being read */
	bool encrypted;
	bool main_found; /* method is content.xml's or encrypted-package's */
	char method[32];
	char root_type[128]; /* media type of "/" */
};

static const char *
method_of(const char *alg)
{
	if (strcasestr(alg, "blowfish") != NULL)
		return "odf-blowfish";
	if (strstr(alg, "aes256") != NULL)
		return "odf-aes-256";
	if (strstr(alg, "aes192") != NULL)
		return "odf-aes-192";
	if (strstr(alg, "aes128") != NULL)
		return "odf-aes-128";
	return "odf-unknown";
}

static void
man_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct manifest *m = arg;
	char alg[128];
	bool main;

	if (strcmp(local, "file-entry") == 0) {
		if (!xmltext_attr_copy(
			a, "full-path", NULL, m->path, sizeof(m->path)))
			m->path[0] = '\0';
		if (strcmp(m->path, "/") == 0)
			(void)xmltext_attr_copy(a, "media-type", NULL,
			    m->root_type, sizeof(m->root_type));
	} else if (strcmp(local, "encryption-data") == 0) {
		m->encrypted = true;
	} else if (strcmp(local, "algorithm") == 0 && m->encrypted &&
	    xmltext_attr_copy(a, "algorithm-name", NULL, alg, sizeof(alg))) {
		main = strcmp(m->path, "content.xml") == 0 ||
		    strcmp(m->path, "encrypted-package") == 0;
		if (main || (!m->main_found && m->method[0] == '\0'))
			snprintf(
			    m->method, sizeof(m->method), "%s", method_of(alg));
		if (main)
			m->main_found = true;
	}
}

static const struct xmltext_handler man_handler = { man_start, NULL, NULL,
	NULL };

/* Body text: content.xml, styles.xml, sub-documents */

struct body {
	struct xmltext_out *out;
	enum flavour flavour;
	bool styles;   /* styles.xml: only headers and footers */
	unsigned hf;   /* depth inside a header or footer */
	unsigned para; /* inside text:p or text:h */
	unsigned skip; /* inside a note citation */
	unsigned cell; /* inside a table cell */
	unsigned tbl;  /* table nesting */
	bool first_cell[TBL_MAX + 1];
	bool cell_para; /* a paragraph ended in this cell */
	unsigned page;
	/* spreadsheets: the top-level table's cell being read */
	char sheet[NAME_MAX_];
	unsigned long row, rows_rep, col, cols_rep, last;
	bool row_text;
	bool sheet_cell; /* buffering a top-level cell */
	bool streamed;	 /* its start is written already */
	char value[XMLTEXT_NUMBER_MAX];
	size_t value_len;
	struct buf cellbuf;
};

/* Text goes to the cell being buffered, or out. */
static void emit(struct body *b, const char *s, size_t len);

static void
emitc(struct body *b, char c)
{
	emit(b, &c, 1);
}

/* Tabs up to the cell's column, then its location, for copy k. */
static void
cell_open(struct body *b, unsigned long k)
{
	char label[LABEL_MAX];
	unsigned long tabs, c = b->col + k;

	if (b->last == 0)
		tabs = c;
	else
		tabs = c >= b->last ? c - b->last + 1 : 1;
	for (tabs = tabs > GAP_MAX ? GAP_MAX : tabs; tabs > 0; tabs--)
		(void)xmltext_out_putc(b->out, '\t');
	(void)xmltext_out_mark(b->out,
	    xmltext_cell_label(label, sizeof(label), b->sheet, c, b->row));
	b->last = c + 1;
	b->row_text = true;
}

static void
emit(struct body *b, const char *s, size_t len)
{
	if (!b->sheet_cell) {
		(void)xmltext_out_put(b->out, s, len);
		return;
	}
	if (b->value_len > 0)
		return; /* the value stands for the text */
	if (len > b->cellbuf.max - b->cellbuf.len) {
		/* a long cell: written at once, not repeated */
		if (!b->streamed)
			cell_open(b, 0);
		b->streamed = true;
		(void)xmltext_out_put(b->out, b->cellbuf.data, b->cellbuf.len);
		buf_reset(&b->cellbuf);
		if (len > b->cellbuf.max) {
			(void)xmltext_out_put(b->out, s, len);
			return;
		}
	}
	if (buf_append(&b->cellbuf, s, len) == BUF_ENOMEM)
		b->out->nomem = true;
}

static void
sheet_cell_start(struct body *b, const struct xmltext_attrs *a)
{
	const char *v;
	size_t len;
	int n;

	b->sheet_cell = true;
	b->streamed = false;
	b->value_len = 0;
	buf_reset(&b->cellbuf);
	b->cols_rep = attr_count(a, "number-columns-repeated");
	if (xmltext_attr(a, "value-type", NULL, &v, &len) && len == 5 &&
	    memcmp(v, "float", 5) == 0 &&
	    xmltext_attr(a, "value", NULL, &v, &len) && len > 0) {
		n = xmltext_number(v, len, b->value, sizeof(b->value));
		if (n < 0 && len < sizeof(b->value)) {
			memcpy(b->value, v, len);
			n = (int)len;
		}
		b->value_len = n > 0 ? (size_t)n : 0;
	}
}

static void
sheet_cell_end(struct body *b)
{
	const char *p = b->value_len > 0 ? b->value : buf_cstr(&b->cellbuf);
	size_t len = b->value_len > 0 ? b->value_len : b->cellbuf.len;
	unsigned long k, n;

	b->sheet_cell = false;
	if (b->streamed) {
		(void)xmltext_out_put(b->out, p, len);
	} else if (len > 0) {
		n = b->cols_rep < REPEAT_MAX ? b->cols_rep : REPEAT_MAX;
		for (k = 0; k < n; k++) {
			cell_open(b, k);
			(void)xmltext_out_put(b->out, p, len);
		}
	}
	b->col = add_count(b->col, b->cols_rep);
	buf_reset(&b->cellbuf);
}

static bool
is_cell(const char *local)
{
	return strcmp(local, "table-cell") == 0 ||
	    strcmp(local, "covered-table-cell") == 0;
}

/* style:header, style:footer-left, ...: the text of master pages */
static bool
is_hf(const char *local, const char *uri)
{
	static const char *const names[] = { "header", "footer", "header-left",
		"footer-left", "header-first", "footer-first", NULL };
	size_t i;

	if (uri == NULL || strstr(uri, ":style:") == NULL)
		return false;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(local, names[i]) == 0)
			return true;
	return false;
}

/* Tables: rows, cells, sheets. */
static void
table_start(struct body *b, const char *local, const struct xmltext_attrs *a)
{
	unsigned t = b->tbl < TBL_MAX ? b->tbl : TBL_MAX;
	bool top = b->flavour == F_SHEET && b->tbl == 1 && b->cell == 0;

	if (strcmp(local, "table") == 0) {
		b->tbl++;
		if (b->flavour == F_SHEET && b->tbl == 1) {
			if (!xmltext_attr_copy(
				a, "name", NULL, b->sheet, sizeof(b->sheet)))
				snprintf(b->sheet, sizeof(b->sheet), "Sheet");
			b->row = 0;
			(void)xmltext_out_locate(b->out, b->sheet);
		}
	} else if (strcmp(local, "table-row") == 0) {
		b->first_cell[t] = true;
		if (top) {
			b->row = add_count(b->row, 1);
			b->rows_rep = attr_count(a, "number-rows-repeated");
			b->col = 0;
			b->last = 0;
			b->row_text = false;
		}
	} else if (is_cell(local)) {
		if (top) {
			sheet_cell_start(b, a);
		} else if (b->tbl > 0) {
			if (!b->first_cell[t])
				emitc(b, '\t');
			b->first_cell[t] = false;
		}
		b->cell++;
		b->cell_para = false;
	}
}

static void
table_end(struct body *b, const char *local)
{
	bool top = b->flavour == F_SHEET && b->tbl == 1;

	if (strcmp(local, "table") == 0) {
		if (b->tbl > 0)
			b->tbl--;
	} else if (strcmp(local, "table-row") == 0) {
		if (top) {
			if (b->row_text)
				(void)xmltext_out_putc(b->out, '\n');
			/* repeated rows are written once */
			b->row = add_count(b->row, b->rows_rep - 1);
		} else {
			emitc(b, b->cell > 0 ? ' ' : '\n');
		}
	} else if (is_cell(local)) {
		if (b->cell > 0)
			b->cell--;
		b->cell_para = false;
		if (top && b->cell == 0 && b->sheet_cell)
			sheet_cell_end(b);
	}
}

static void
body_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct body *b = arg;
	char label[32];
	unsigned long n;

	if (b->skip > 0) {
		b->skip++;
		return;
	}
	if (b->styles && is_hf(local, uri))
		b->hf++;
	if (b->styles && b->hf == 0)
		return;
	if (strcmp(local, "p") == 0 || strcmp(local, "h") == 0) {
		b->para++;
	} else if (strcmp(local, "note-citation") == 0) {
		b->skip = 1;
	} else if (b->para > 0 && strcmp(local, "s") == 0) {
		n = attr_count(a, "c");
		for (n = n > SPACES_MAX ? SPACES_MAX : n; n > 0; n--)
			emitc(b, ' ');
	} else if (b->para > 0 && strcmp(local, "tab") == 0) {
		emitc(b, '\t');
	} else if (b->para > 0 && strcmp(local, "line-break") == 0) {
		emitc(b, '\n');
	} else if (b->flavour == F_PRES && strcmp(local, "page") == 0) {
		snprintf(label, sizeof(label), "slide%u", ++b->page);
		(void)xmltext_out_endline(b->out);
		(void)xmltext_out_locate(b->out, label);
	} else if (b->flavour == F_PRES && strcmp(local, "notes") == 0) {
		snprintf(label, sizeof(label), "notes%u", b->page);
		(void)xmltext_out_endline(b->out);
		(void)xmltext_out_locate(b->out, label);
	} else {
		table_start(b, local, a);
	}
}

static void
body_end(void *arg, const char *local, const char *uri)
{
	struct body *b = arg;

	if (b->skip > 0) {
		b->skip--;
		return;
	}
	if (b->styles && b->hf == 0)
		return;
	if (b->styles && is_hf(local, uri)) {
		b->hf--;
		return;
	}
	if (strcmp(local, "p") == 0 || strcmp(local, "h") == 0) {
		if (b->para > 0)
			b->para--;
		if (b->cell > 0)
			b->cell_para = true;
		else
			emitc(b, '\n');
	} else {
		table_end(b, local);
	}
}

static void
body_text(void *arg, const char *s, size_t len)
{
	struct body *b = arg;

	if (b->skip > 0 || b->para == 0 || (b->styles && b->hf == 0))
		return;
	if (b->cell_para) {
		emitc(b, ' ');
		b->cell_para = false;
	}
	emit(b, s, len);
}

static bool
body_done(void *arg)
{
	struct body *b = arg;

	return xmltext_out_done(b->out);
}

static const struct xmltext_handler body_handler = { body_start, body_end,
	body_text, body_done };

/* Read member i as body text (styles: headers and footers only). */
static int
read_body(struct od *o, long i, enum flavour f, bool styles, const char *label)
{
	struct body b;
	const char *why = NULL;
	int rc;

	if (i < 0)
		return DLP_OK;
	memset(&b, 0, sizeof(b));
	b.out = &o->out;
	b.flavour = f;
	b.styles = styles;
	buf_init(&b.cellbuf, CELL_MAX);
	if (label != NULL && xmltext_out_locate(&o->out, label) < 0) {
		buf_free(&b.cellbuf);
		return DLP_OK;
	}
	rc = xmltext_member(o->z, o->x, (size_t)i, &body_handler, &b, &why);
	(void)xmltext_out_endline(&o->out);
	buf_free(&b.cellbuf);
	merge(o, rc, why);
	return rc == DLP_EFATAL || o->out.nomem ? DLP_EFATAL : DLP_OK;
}

static int
read_meta(struct od *o, long i)
{
	static const char *const noise[] = { "generator", "creation-date",
		"date", "editing-cycles", "editing-duration", "print-date",
		"document-statistic", "template", NULL };
	struct xmltext_lines l;
	const char *why = NULL;
	int rc;

	if (i < 0 || xmltext_out_locate(&o->out, "properties") < 0)
		return DLP_OK;
	memset(&l, 0, sizeof(l));
	l.out = &o->out;
	l.skip = noise;
	rc = xmltext_member(
	    o->z, o->x, (size_t)i, &xmltext_lines_handler, &l, &why);
	(void)xmltext_out_endline(&o->out);
	merge(o, rc, why);
	return rc == DLP_EFATAL ? DLP_EFATAL : DLP_OK;
}

/* The package's mimetype member, into out ("" when none). */
static int
collect(void *arg, const void *data, size_t len)
{
	struct buf *b = arg;

	(void)buf_append_trunc(b, data, len);
	return b->len == b->max ? DLP_PARTIAL : DLP_OK;
}

static void
read_mimetype(struct od *o, char *out, size_t outsz)
{
	struct buf b;
	long i;

	out[0] = '\0';
	if ((i = zipmem_find(o->z, "mimetype")) < 0)
		return;
	buf_init(&b, outsz - 1);
	(void)zipmem_read(o->z, o->x, (size_t)i, 0, collect, &b, NULL, NULL);
	snprintf(out, outsz, "%s", buf_cstr(&b));
	buf_free(&b);
}

static enum flavour
flavour_of(const char *type)
{
	if (strstr(type, "opendocument.spreadsheet") != NULL)
		return F_SHEET;
	if (strstr(type, "opendocument.presentation") != NULL)
		return F_PRES;
	return F_TEXT;
}

/* Sub-documents ("Object 1/content.xml") and binary objects. */
static int
read_objects(struct od *o)
{
	const struct zipmem_entry *e;
	const char *slash;
	char label[64];
	size_t i;
	int rc = DLP_OK;

	for (i = 0; i < zipmem_count(o->z) && rc != DLP_EFATAL; i++) {
		e = zipmem_entry(o->z, i);
		if (e->directory || strncmp(e->name, "Object ", 7) != 0)
			continue;
		if ((slash = strchr(e->name, '/')) == NULL) {
			rc = zipmem_extract(
			    o->z, o->x, o->node, o->depth, i, &o->members);
			merge(o, rc == DLP_PARTIAL ? DLP_OK : rc, NULL);
		} else if (strcmp(slash, "/content.xml") == 0) {
			snprintf(label, sizeof(label), "%.*s",
			    (int)(slash - e->name), e->name);
			rc = read_body(o, (long)i, F_TEXT, false, label);
		}
	}
	return rc;
}

/* The first bytes of a member, for a look at what they are. */
struct head {
	unsigned char b[64];
	size_t n;
};

static int
head_collect(void *arg, const void *data, size_t len)
{
	struct head *h = arg;
	size_t n = len < sizeof(h->b) - h->n ? len : sizeof(h->b) - h->n;

	memcpy(h->b + h->n, data, n);
	h->n += n;
	return h->n == sizeof(h->b) ? DLP_PARTIAL : DLP_OK;
}

/*
 * Is member i XML in the clear? A manifest that claims encryption for a
 * body that is plain XML must not hide it: "<?xml", or a start tag of
 * printable ASCII, after an optional BOM and white space. Ciphertext
 * starts that way once in tens of thousands.
 */
static bool
plain_xml(struct od *o, long i)
{
	struct head h;
	size_t k = 0;

	h.n = 0;
	if (i < 0)
		return false;
	(void)zipmem_read(
	    o->z, o->x, (size_t)i, 0, head_collect, &h, NULL, NULL);
	if (h.n >= 3 && memcmp(h.b, "\xef\xbb\xbf", 3) == 0)
		k = 3;
	while (k < h.n &&
	    (h.b[k] == ' ' || h.b[k] == '\t' || h.b[k] == '\r' ||
		h.b[k] == '\n'))
		k++;
	if (h.n - k >= 5 && memcmp(h.b + k, "<?xml", 5) == 0)
		return true;
	if (k + 1 >= h.n || h.b[k] != '<' ||
	    !((h.b[k + 1] >= 'a' && h.b[k + 1] <= 'z') ||
		(h.b[k + 1] >= 'A' && h.b[k + 1] <= 'Z')))
		return false;
	for (k += 2; k < h.n && h.b[k] != '>'; k++)
		if (h.b[k] < 0x20 || h.b[k] > 0x7e)
			return false;
	return k < h.n;
}

static int
read_package(struct od *o)
{
	struct manifest m;
	char type[128];
	const char *why = NULL, *label;
	enum flavour f;
	long i;
	int rc;

	memset(&m, 0, sizeof(m));
	if ((i = zipmem_find(o->z, "META-INF/manifest.xml")) >= 0) {
		rc = xmltext_member(
		    o->z, o->x, (size_t)i, &man_handler, &m, &why);
		if (rc == DLP_EFATAL)
			return rc;
	}
	if ((m.encrypted || zipmem_find(o->z, "encrypted-package") >= 0) &&
	    !plain_xml(o, zipmem_find(o->z, "content.xml"))) {
		extract_mark(o->x, o->node, DLP_ENC_ENCRYPTED,
		    m.method[0] != '\0' ? m.method : "odf-aes-256", false);
		return DLP_OK;
	}
	read_mimetype(o, type, sizeof(type));
	f = flavour_of(type[0] != '\0' ? type : m.root_type);
	if ((i = zipmem_find(o->z, "content.xml")) < 0) {
		merge(o, DLP_EINPUT, NULL); /* no body: damaged */
		return DLP_OK;
	}
	label = f == F_TEXT ? "document" : NULL;
	if ((rc = read_body(o, i, f, false, label)) != DLP_OK ||
	    (rc = read_body(o, zipmem_find(o->z, "styles.xml"), F_TEXT, true,
		 "headers")) != DLP_OK ||
	    (rc = read_meta(o, zipmem_find(o->z, "meta.xml"))) != DLP_OK)
		return rc;
	return read_objects(o);
}

int
extract_odf(
    struct extract *x, long node, unsigned depth, const void *data, size_t len)
{
	struct od o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.x = x;
	o.node = node;
	o.depth = depth;
	xmltext_out_init(&o.out, x, node);
	rc = zipmem_open(data, len, extract_limits(x)->max_members, &o.z);
	if (rc == DLP_EFATAL)
		goto out;
	if (rc == DLP_PARTIAL)
		merge(&o, DLP_PARTIAL, "limit:members");
	else if (rc == DLP_EINPUT)
		merge(&o, DLP_EINPUT, NULL);
	if (zipmem_any_encrypted(o.z)) {
		/* zip encryption of the package itself, not ODF's */
		zipmem_free(o.z);
		buf_free(&o.out.b);
		return extract_archive(x, node, depth, data, len);
	}
	rc = read_package(&o);
out:
	zipmem_free(o.z);
	if (xmltext_out_free(&o.out) == DLP_EFATAL || o.out.nomem)
		rc = DLP_EFATAL;
	if (rc == DLP_EFATAL)
		return DLP_EFATAL;
	if (o.out.full)
		merge(&o, DLP_PARTIAL, NULL);
	return o.rc;
}
