/*
 * extract_ooxml - the text of Office Open XML documents: docx, xlsx and
 * pptx, with their macro-enabled and template variants, as one node's
 * text with locations.
 *
 * How the parts are found: the package relationships (_rels/.rels) name
 * the main part; [Content_Types].xml says what it is (wordprocessing,
 * spreadsheet, presentation), else its folder does; the main part's
 * relationships name the rest. Where a relationship part is missing, the
 * usual names (word/header1.xml, xl/worksheets/sheet1.xml, ...) stand in.
 * A package without its main part is damaged (DLP_EINPUT).
 *
 * What is read, and where it is said to be (extract_locate() labels):
 * - docx: the body ("document"), headers and footers ("header1",
 *   "footer2"), footnotes, endnotes, comments; text in runs, tracked
 *   deletions (w:delText) and field codes (w:instrText). Runs of one
 *   paragraph are joined without a separator (a number is often split
 *   across runs); a paragraph ends with '\n', table cells are separated
 *   by '\t' and rows end with '\n' (paragraphs inside a cell are joined
 *   by a space, so a row stays one line); w:tab is '\t', w:br '\n'.
 * - xlsx: the shared strings (rich-text runs joined, phonetic readings
 *   dropped), then every sheet in the workbook's order, one row per line,
 *   cells separated by tabs, skipped columns filled from the cells' "B7"
 *   references (up to GAP_MAX tabs), each cell located as "Sheet1!B7".
 *   Numbers are written as plain digits from the stored text, exactly
 *   (xmltext_number()): a 12-digit number stored as 1.23456789012E+11
 *   reads "123456789012". Booleans read TRUE/FALSE; formula string
 *   results and inline strings as they are. Cell comments are located at
 *   their cell. Sheet and workbook protection are not encryption and do
 *   not matter here.
 * - pptx: slides in the presentation's order ("slide3"), each slide's
 *   notes after it ("notes3"); paragraphs are lines, table cells tabs.
 * - all: the document properties (core, extended, custom: title,
 *   subject, author, keywords, company...) located as "properties", and
 *   every file in an embeddings folder as a child node, extracted in turn.
 *
 * What it does not read: charts, SmartArt data, pivot caches, binary
 * workbooks (xlsb: the node is marked not-inspectable "unsupported" and
 * DLP_OK returned, so the reason stays), VBA projects,
 * images; markup-compatibility fallbacks (mc:Fallback repeats the
 * mc:Choice text); phonetic readings. Number formats are not applied
 * (dates read as serial numbers). A package whose zip members are
 * themselves zip-encrypted is handed to extract_archive(), which reports
 * the method. Encrypted OOXML is a CFB file: extract_ole.c.
 *
 * Limits: every part is read through zipmem (max_member_bytes, the
 * ratio, the message's expanded bytes and time) and parsed by xmltext
 * (libxml2's limits, no entities), except worksheets and the shared
 * strings, the bulk of a workbook, which xmlscan reads several times
 * faster with the same handlers (they never look at namespaces; a part
 * whose prolog xmlscan does not read goes to libxml2 whole, see
 * xmlscan.h); a limit that cuts a part marks the
 * node and the other parts are still read. Tables of parts, sheets,
 * relationships and shared strings are bounded by max_members and the
 * part's size. Text goes to the sink in 64 KiB pieces, flushed at each
 * location.
 *
 * Why one file past the usual size: the three formats share the package
 * reader (relationships, part names, content types, properties,
 * embeddings) and the Word/DrawingML text handler; split, they would need
 * a private header for all of it.
 *
 * Thread-safety: no global state; one call uses one extraction context.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode.h"
#include "extract.h"
#include "xmlscan.h"
#include "xmltext.h"
#include "zipmem.h"

#define PART_MAX  1024 /* bytes of a part name */
#define ID_MAX	  256  /* bytes of a relationship id or type */
#define NAME_MAX_ 256  /* bytes of a sheet name */
#define LABEL_MAX (NAME_MAX_ + 32)
#define GAP_MAX	  256	      /* tabs written for skipped columns */
#define CELL_MAX  (64 * 1024) /* a cell's text held at once */
#define TBL_MAX	  32	      /* nested tables tracked */

enum kind { K_NONE, K_DOCX, K_XLSX, K_PPTX, K_XLSB };

/* One extraction. */
struct ox {
	struct extract *x;
	long node;
	unsigned depth;
	struct zipmem *z;
	struct xmltext_out out;
	int rc;	     /* the worst result so far */
	bool marked; /* the node is marked for a limit */
	unsigned members;
};

static void
merge(struct ox *o, int rc, const char *why)
{
	if (rc == DLP_PARTIAL && !o->marked && why != NULL) {
		extract_mark(
		    o->x, o->node, DLP_ENC_NOT_INSPECTABLE, why, false);
		o->marked = true;
	}
	if (rc > o->rc && rc <= DLP_EFATAL)
		o->rc = rc;
}

/* Names (sheets, parts) may be personal data too: wiped when freed. */
static void
free_wiped(char *p)
{
	if (p != NULL) {
		explicit_bzero(p, strlen(p));
		free(p);
	}
}

/* A bounded, NUL-terminated copy; NULL on ENOMEM. UTF-8 is cut whole. */
static char *
dupn(const char *s, size_t len, size_t max)
{
	char *p;

	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	if ((p = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Part names */

/* Append segment s (n bytes) to the path in out, resolving "." and "..". */
static bool
push_segment(char *out, size_t *o, size_t outsz, const char *s, size_t n)
{
	char *slash;

	if (n == 0 || (n == 1 && s[0] == '.'))
		return true;
	if (n == 2 && s[0] == '.' && s[1] == '.') {
		out[*o] = '\0';
		slash = strrchr(out, '/');
		*o = slash != NULL ? (size_t)(slash - out) : 0;
		out[*o] = '\0';
		return true;
	}
	if (*o + (*o > 0) + n + 1 > outsz)
		return false;
	if (*o > 0)
		out[(*o)++] = '/';
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return true;
}

/*
 * The part a relationship target (tlen bytes, percent-encoded, relative
 * to the folder of part src, or absolute from the package root) names,
 * without a leading '/'. false when it does not fit.
 */
static bool
resolve(const char *src, const char *t, size_t tlen, char *out, size_t outsz)
{
	char raw[PART_MAX];
	const char *slash, *seg;
	size_t r = 0, o = 0, i;
	int hi, lo;

	if (tlen > 0 && t[0] == '/') {
		t++;
		tlen--;
	} else if ((slash = strrchr(src, '/')) != NULL) {
		if ((size_t)(slash - src) + 1 >= sizeof(raw))
			return false;
		memcpy(raw, src, (size_t)(slash - src) + 1);
		r = (size_t)(slash - src) + 1;
	}
	for (i = 0; i < tlen && t[i] != '#'; i++) {
		if (r + 1 >= sizeof(raw))
			return false;
		if (t[i] == '%' && i + 2 < tlen &&
		    (hi = decode_hexval((unsigned char)t[i + 1])) >= 0 &&
		    (lo = decode_hexval((unsigned char)t[i + 2])) >= 0) {
			raw[r++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			raw[r++] = t[i] == '\\' ? '/' : t[i];
		}
	}
	raw[r] = '\0';
	out[0] = '\0';
	for (seg = raw; *seg != '\0';) {
		size_t n = strcspn(seg, "/");

		if (!push_segment(out, &o, outsz, seg, n))
			return false;
		seg += n;
		if (*seg == '/')
			seg++;
	}
	return o > 0;
}

/* The relationships part of part src ("" for the package). */
static bool
rels_name(const char *src, char *out, size_t outsz)
{
	const char *slash = strrchr(src, '/');
	int n;

	if (slash == NULL)
		n = snprintf(out, outsz, "_rels/%s.rels", src);
	else
		n = snprintf(out, outsz, "%.*s/_rels/%s.rels",
		    (int)(slash - src), src, slash + 1);
	return n > 0 && (size_t)n < outsz;
}

/* The file name of a part without ".xml": the label of docx parts. */
static void
part_label(const char *part, char *out, size_t outsz)
{
	const char *base = strrchr(part, '/');
	size_t n;

	base = base != NULL ? base + 1 : part;
	n = strlen(base);
	if (n > 4 && strcasecmp(base + n - 4, ".xml") == 0)
		n -= 4;
	snprintf(out, outsz, "%.*s", (int)n, base);
}

/* A decimal number of len bytes; 0 when it is none or too large. */
static unsigned long
parse_ulong(const char *s, size_t len)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 9)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v;
}

/* Compare names with digit runs as numbers: sheet2 before sheet10. */
static int
natcmp(const char *a, const char *b)
{
	size_t na, nb;
	int c;

	while (*a != '\0' && *b != '\0') {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			while (*a == '0' && a[1] >= '0' && a[1] <= '9')
				a++;
			while (*b == '0' && b[1] >= '0' && b[1] <= '9')
				b++;
			na = strspn(a, "0123456789");
			nb = strspn(b, "0123456789");
			if (na != nb)
				return na < nb ? -1 : 1;
			if ((c = strncmp(a, b, na)) != 0)
				return c;
			a += na;
			b += nb;
			continue;
		}
		if ((c = (unsigned char)*a - (unsigned char)*b) != 0)
			return c;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* Relationships */

struct rel {
	char *id;
	char *type;   /* the last segment of the type URI: "worksheet" */
	char *target; /* the part, resolved */
};

struct rels {
	const char *src; /* the source part, for resolving targets */
	struct rel *v;	 /* in the part's order */
	size_t n, cap, max;
	size_t *by_id; /* indexes of v sorted by id, then position */
	bool nomem;
};

static void
rels_free(struct rels *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free_wiped(r->v[i].id);
		free_wiped(r->v[i].type);
		free_wiped(r->v[i].target);
	}
	free(r->v);
	free(r->by_id);
	memset(r, 0, sizeof(*r));
}

static bool
rels_grow(struct rels *r)
{
	struct rel *nv;
	size_t ncap;

	if (r->n < r->cap)
		return true;
	ncap = r->cap ? r->cap * 2 : 16;
	if ((nv = realloc(r->v, ncap * sizeof(*nv))) == NULL) {
		r->nomem = true;
		return false;
	}
	r->v = nv;
	r->cap = ncap;
	return true;
}

static void
rels_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct rels *r = arg;
	const char *id, *type, *target, *mode, *seg;
	size_t idl, typel, targetl, model;
	char part[PART_MAX];
	struct rel *e;

	if (strcmp(local, "Relationship") != 0 || r->n >= r->max || r->nomem)
		return;
	if (!xmltext_attr(a, "Id", NULL, &id, &idl) ||
	    !xmltext_attr(a, "Type", NULL, &type, &typel) ||
	    !xmltext_attr(a, "Target", NULL, &target, &targetl))
		return;
	if (xmltext_attr(a, "TargetMode", NULL, &mode, &model) && model == 8 &&
	    strncasecmp(mode, "External", 8) == 0)
		return;
	if (!resolve(r->src, target, targetl, part, sizeof(part)))
		return;
	for (seg = type + typel; seg > type && seg[-1] != '/'; seg--)
		;
	if (!rels_grow(r))
		return;
	e = &r->v[r->n];
	e->id = dupn(id, idl, ID_MAX);
	e->type = dupn(seg, (size_t)(type + typel - seg), ID_MAX);
	e->target = dupn(part, strlen(part), PART_MAX);
	if (e->id == NULL || e->type == NULL || e->target == NULL) {
		free_wiped(e->id);
		free_wiped(e->type);
		free_wiped(e->target);
		r->nomem = true;
		return;
	}
	r->n++;
}

static const struct xmltext_handler rels_handler = { rels_start, NULL, NULL,
	NULL };

static int
by_id(const void *pa, const void *pb, void *arg)
{
	const struct rels *r = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = strcmp(r->v[a].id, r->v[b].id);

	if (c != 0)
		return c;
	return a < b ? -1 : a > b;
}

/*
 * The index by id: a workbook of many sheets looks one up per sheet.
 * false on ENOMEM.
 */
static bool
rels_index(struct rels *r)
{
	size_t i;

	if (r->n == 0)
		return true;
	if ((r->by_id = calloc(r->n, sizeof(*r->by_id))) == NULL)
		return false;
	for (i = 0; i < r->n; i++)
		r->by_id[i] = i;
	qsort_r(r->by_id, r->n, sizeof(*r->by_id), by_id, r);
	return true;
}

/*
 * Load the relationships of part src into r (empty when it has none;
 * the caller frees it with rels_free()). Returns DLP_OK, or DLP_EFATAL
 * with r empty; damage and limits are merged into o.
 */
static int
rels_load(struct ox *o, const char *src, struct rels *r)
{
	char name[PART_MAX];
	const char *why = NULL;
	long i;
	int rc;

	memset(r, 0, sizeof(*r));
	r->src = src;
	r->max = extract_limits(o->x)->max_members;
	if (!rels_name(src, name, sizeof(name)) ||
	    (i = zipmem_find(o->z, name)) < 0)
		return DLP_OK;
	rc = xmltext_member(o->z, o->x, (size_t)i, &rels_handler, r, &why);
	if (r->nomem)
		rc = DLP_EFATAL;
	merge(o, rc, why);
	if (rc != DLP_EFATAL && rels_index(r))
		return DLP_OK;
	rels_free(r);
	return DLP_EFATAL;
}

/* The first relationship of this type, or with this id. */
static const struct rel *
rels_by_type(const struct rels *r, const char *type)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].type, type) == 0)
			return &r->v[i];
	return NULL;
}

static const struct rel *
rels_by_id(const struct rels *r, const char *id)
{
	size_t lo = 0, hi = r->by_id != NULL ? r->n : 0, mid;

	/* the first of equal ids, as a linear search would find */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(r->v[r->by_id[mid]].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < (r->by_id != NULL ? r->n : 0) &&
	    strcmp(r->v[r->by_id[lo]].id, id) == 0)
		return &r->v[r->by_id[lo]];
	return NULL;
}

/* The id attribute in the relationships namespace (r:id). */
static bool
attr_rid(const struct xmltext_attrs *a, char *out, size_t outsz)
{
	const unsigned char **v;
	size_t len;
	int i;

	for (i = 0; i < a->n; i++) {
		v = a->v + 5 * i;
		if (strcmp((const char *)v[0], "id") != 0 || v[2] == NULL ||
		    strstr((const char *)v[2], "relationships") == NULL)
			continue;
		len = (size_t)(v[4] - v[3]);
		if (len >= outsz)
			len = outsz - 1;
		memcpy(out, v[3], len);
		out[len] = '\0';
		return true;
	}
	return false;
}

/* The node's type, once the main part says which document it is. */
#define OOXML_TYPE "application/vnd.openxmlformats-officedocument"

/* Content types: only the main part's matters. */

struct ctypes {
	const char *part; /* without '/' */
	char type[ID_MAX];
};

static void
ctypes_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct ctypes *c = arg;
	char name[PART_MAX];

	if (strcmp(local, "Override") != 0 ||
	    !xmltext_attr_copy(a, "PartName", NULL, name, sizeof(name)))
		return;
	if (strcasecmp(name[0] == '/' ? name + 1 : name, c->part) == 0)
		(void)xmltext_attr_copy(
		    a, "ContentType", NULL, c->type, sizeof(c->type));
}

static const struct xmltext_handler ctypes_handler = { ctypes_start, NULL, NULL,
	NULL };

static enum kind
kind_of(struct ox *o, const char *main)
{
	struct ctypes c;
	const char *why;
	long i;

	memset(&c, 0, sizeof(c));
	c.part = main;
	if ((i = zipmem_find(o->z, "[Content_Types].xml")) >= 0)
		(void)xmltext_member(
		    o->z, o->x, (size_t)i, &ctypes_handler, &c, &why);
	if (c.type[0] != '\0') {
		if (strstr(c.type, "binary") != NULL)
			return K_XLSB;
		if (strstr(c.type, "wordprocessingml") != NULL ||
		    strstr(c.type, "ms-word") != NULL)
			return K_DOCX;
		if (strstr(c.type, "spreadsheetml") != NULL ||
		    strstr(c.type, "ms-excel") != NULL)
			return K_XLSX;
		if (strstr(c.type, "presentationml") != NULL ||
		    strstr(c.type, "ms-powerpoint") != NULL)
			return K_PPTX;
	}
	/* no or unknown content type: the folder says */
	if (strncasecmp(main, "word/", 5) == 0)
		return K_DOCX;
	if (strncasecmp(main, "xl/", 3) == 0) {
		size_t n = strlen(main);

		return n > 4 && strcasecmp(main + n - 4, ".bin") == 0 ? K_XLSB
								      : K_XLSX;
	}
	if (strncasecmp(main, "ppt/", 4) == 0)
		return K_PPTX;
	return K_NONE;
}

/* Word and DrawingML text (docx bodies, pptx slides) */

struct wml {
	struct xmltext_out *out;
	unsigned skip; /* depth inside mc:Fallback */
	unsigned text; /* inside t, delText, instrText */
	unsigned run;  /* inside r */
	unsigned cell; /* inside tc */
	unsigned tbl;  /* table nesting */
	bool first_cell[TBL_MAX + 1];
	bool cell_para; /* a paragraph ended in this cell */
};

static bool
is_mc(const char *uri)
{
	return uri != NULL && strstr(uri, "markup-compatibility") != NULL;
}

static void
wml_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct wml *w = arg;
	unsigned t;

	if (w->skip > 0 || (strcmp(local, "Fallback") == 0 && is_mc(uri))) {
		w->skip++;
		return;
	}
	switch (local[0]) {
	case 'b':
		if (strcmp(local, "br") == 0)
			(void)xmltext_out_putc(w->out, '\n');
		break;
	case 'c':
		if (strcmp(local, "cr") == 0 && w->run > 0)
			(void)xmltext_out_putc(w->out, '\n');
		break;
	case 'd':
		if (strcmp(local, "delText") == 0 ||
		    strcmp(local, "delInstrText") == 0)
			w->text++;
		break;
	case 'i':
		if (strcmp(local, "instrText") == 0)
			w->text++;
		break;
	case 'n':
		if (strcmp(local, "noBreakHyphen") == 0 && w->run > 0)
			(void)xmltext_out_putc(w->out, '-');
		break;
	case 'p':
		if (strcmp(local, "ptab") == 0 && w->run > 0)
			(void)xmltext_out_putc(w->out, '\t');
		break;
	case 'r':
		if (local[1] == '\0')
			w->run++;
		break;
	case 't':
		if (local[1] == '\0') {
			w->text++;
		} else if (strcmp(local, "tab") == 0 && w->run > 0) {
			/* w:tab elsewhere is a tab stop, not text */
			(void)xmltext_out_putc(w->out, '\t');
		} else if (strcmp(local, "tc") == 0) {
			t = w->tbl < TBL_MAX ? w->tbl : TBL_MAX;
			if (w->tbl > 0 && !w->first_cell[t])
				(void)xmltext_out_putc(w->out, '\t');
			w->first_cell[t] = false;
			w->cell++;
			w->cell_para = false;
		} else if (strcmp(local, "tr") == 0) {
			w->first_cell[w->tbl < TBL_MAX ? w->tbl : TBL_MAX] =
			    true;
		} else if (strcmp(local, "tbl") == 0) {
			w->tbl++;
		}
		break;
	}
}

static void
wml_end(void *arg, const char *local, const char *uri)
{
	struct wml *w = arg;

	if (w->skip > 0) {
		w->skip--;
		return;
	}
	if (local[0] == 'p' && local[1] == '\0') {
		if (w->cell > 0)
			w->cell_para = true;
		else
			(void)xmltext_out_putc(w->out, '\n');
	} else if (local[0] == 'r' && local[1] == '\0') {
		if (w->run > 0)
			w->run--;
	} else if ((local[0] == 't' && local[1] == '\0') ||
	    strcmp(local, "delText") == 0 || strcmp(local, "instrText") == 0 ||
	    strcmp(local, "delInstrText") == 0) {
		if (w->text > 0)
			w->text--;
	} else if (strcmp(local, "tc") == 0) {
		if (w->cell > 0)
			w->cell--;
		w->cell_para = false;
	} else if (strcmp(local, "tr") == 0) {
		/* a row inside a cell stays on the outer row's line */
		(void)xmltext_out_putc(w->out, w->cell > 0 ? ' ' : '\n');
	} else if (strcmp(local, "tbl") == 0) {
		if (w->tbl > 0)
			w->tbl--;
	}
}

static void
wml_text(void *arg, const char *s, size_t len)
{
	struct wml *w = arg;

	if (w->skip > 0 || w->text == 0)
		return;
	if (w->cell_para) {
		(void)xmltext_out_putc(w->out, ' ');
		w->cell_para = false;
	}
	(void)xmltext_out_put(w->out, s, len);
}

static bool
wml_done(void *arg)
{
	struct wml *w = arg;

	return xmltext_out_done(w->out);
}

static const struct xmltext_handler wml_handler = { wml_start, wml_end,
	wml_text, wml_done };

/*
 * Read part i as Word/DrawingML text, located at label. Returns DLP_OK,
 * or DLP_EFATAL; damage and limits are merged into o.
 */
static int
read_wml(struct ox *o, size_t i, const char *label)
{
	struct wml w;
	const char *why = NULL;
	int rc;

	memset(&w, 0, sizeof(w));
	w.out = &o->out;
	if (xmltext_out_locate(&o->out, label) < 0)
		return DLP_OK;
	rc = xmltext_member(o->z, o->x, i, &wml_handler, &w, &why);
	(void)xmltext_out_endline(&o->out);
	merge(o, rc, why);
	return rc == DLP_EFATAL ? DLP_EFATAL : DLP_OK;
}

/* docx */

/* The parts of a docx besides the body, in this order. */
static const char *const docx_types[] = { "header", "footer", "footnotes",
	"endnotes", "comments", NULL };

struct part {
	size_t entry;
	unsigned cat;
	const char *name;
};

static int
part_cmp(const void *pa, const void *pb)
{
	const struct part *a = pa, *b = pb;

	if (a->cat != b->cat)
		return a->cat < b->cat ? -1 : 1;
	return natcmp(a->name, b->name);
}

/* The category of a docx part name (headerN.xml...), or -1. */
static int
docx_cat(const char *name)
{
	const char *base = strrchr(name, '/');
	size_t i, n;

	base = base != NULL ? base + 1 : name;
	for (i = 0; docx_types[i] != NULL; i++) {
		n = strlen(docx_types[i]);
		if (strncasecmp(base, docx_types[i], n) == 0 &&
		    base[n + strspn(base + n, "0123456789")] == '.' &&
		    strcasecmp(
			base + n + strspn(base + n, "0123456789"), ".xml") == 0)
			return (int)i;
	}
	return -1;
}

static bool
part_add(struct part *v, size_t *n, size_t max, long entry, unsigned cat,
    const char *name)
{
	size_t i;

	if (entry < 0 || *n >= max)
		return false;
	for (i = 0; i < *n; i++)
		if (v[i].entry == (size_t)entry)
			return false;
	v[*n].entry = (size_t)entry;
	v[*n].cat = cat;
	v[*n].name = name;
	(*n)++;
	return true;
}

static int
read_docx(struct ox *o, const char *main, long mi)
{
	struct rels r;
	struct part *v = NULL;
	size_t n = 0, max = zipmem_count(o->z), i, k;
	const struct zipmem_entry *e;
	char label[LABEL_MAX];
	const char *slash = strrchr(main, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - main) + 1 : 0;
	int rc;

	if ((rc = read_wml(o, (size_t)mi, "document")) != DLP_OK)
		return rc;
	if ((rc = rels_load(o, main, &r)) != DLP_OK)
		return rc;
	if ((v = calloc(max + 1, sizeof(*v))) == NULL) {
		rc = DLP_EFATAL;
		goto out;
	}
	for (i = 0; i < r.n; i++)
		for (k = 0; docx_types[k] != NULL; k++)
			if (strcmp(r.v[i].type, docx_types[k]) == 0)
				part_add(v, &n, max,
				    zipmem_find(o->z, r.v[i].target),
				    (unsigned)k, r.v[i].target);
	/* without relationships, or parts they do not name: by name */
	for (i = 0; i < max; i++) {
		e = zipmem_entry(o->z, i);
		if (strncasecmp(e->name, main, dirlen) == 0 &&
		    strchr(e->name + dirlen, '/') == NULL &&
		    docx_cat(e->name) >= 0)
			part_add(v, &n, max, (long)i,
			    (unsigned)docx_cat(e->name), e->name);
	}
	qsort(v, n, sizeof(*v), part_cmp);
	for (i = 0; i < n && rc == DLP_OK; i++) {
		part_label(v[i].name, label, sizeof(label));
		rc = read_wml(o, v[i].entry, label);
	}
out:
	free(v);
	rels_free(&r);
	return rc;
}

/* xlsx: shared strings */

struct sst {
	struct buf text; /* every string, one after another */
	struct buf offs; /* size_t start of each string */
	size_t n;
	unsigned t;    /* inside t */
	unsigned skip; /* inside rPh (phonetic reading) */
	bool in_si;
	bool nomem;
};

static void
sst_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct sst *s = arg;

	if (strcmp(local, "si") == 0) {
		if (buf_append(&s->offs, &s->text.len, sizeof(size_t)) !=
		    BUF_OK)
			s->nomem = true;
		else
			s->n++;
		s->in_si = true;
	} else if (strcmp(local, "rPh") == 0) {
		s->skip++;
	} else if (strcmp(local, "t") == 0) {
		s->t++;
	}
}

static void
sst_end(void *arg, const char *local, const char *uri)
{
	struct sst *s = arg;

	if (strcmp(local, "si") == 0)
		s->in_si = false;
	else if (strcmp(local, "rPh") == 0 && s->skip > 0)
		s->skip--;
	else if (strcmp(local, "t") == 0 && s->t > 0)
		s->t--;
}

static void
sst_text(void *arg, const char *t, size_t len)
{
	struct sst *s = arg;

	/* the table is bounded by the part's size: text is never longer
	   than its XML, and max is max_member_bytes */
	if (s->in_si && s->t > 0 && s->skip == 0 && !s->nomem &&
	    buf_append(&s->text, t, len) != BUF_OK)
		s->nomem = true;
}

static bool
sst_done(void *arg)
{
	struct sst *s = arg;

	return s->nomem;
}

static const struct xmltext_handler sst_handler = { sst_start, sst_end,
	sst_text, sst_done };

/* String i of the table: *p and *len. false when there is none. */
static bool
sst_get(const struct sst *s, size_t i, const char **p, size_t *len)
{
	size_t a, b;

	if (i >= s->n)
		return false;
	memcpy(&a, s->offs.data + i * sizeof(size_t), sizeof(size_t));
	if (i + 1 < s->n)
		memcpy(&b, s->offs.data + (i + 1) * sizeof(size_t),
		    sizeof(size_t));
	else
		b = s->text.len;
	/* a table of empty strings has no text buffer at all */
	*p = s->text.data != NULL ? (const char *)s->text.data + a : "";
	*len = b - a;
	return true;
}

/* xlsx: one sheet */

enum ctype { C_NUM, C_SST, C_STR, C_INLINE, C_BOOL, C_OTHER };

struct sheet {
	struct xmltext_out *out;
	const struct sst *sst;
	const char *name;
	bool in_data; /* inside sheetData */
	unsigned long row;
	unsigned long next_col; /* for cells without a reference */
	unsigned long last;	/* last written column + 1; 0: none */
	bool row_text;
	/* the cell being read */
	bool in_cell;
	unsigned long col, crow;
	enum ctype type;
	unsigned v, is, t, skip;
	struct buf val;
	bool streamed; /* its start is written already (a long string) */
};

static void
sheet_cell_start(struct sheet *s, const struct xmltext_attrs *a)
{
	const char *v;
	size_t len;

	s->in_cell = true;
	s->streamed = false;
	if (s->val.len > 0) /* emptied at the end of the last cell */
		buf_reset(&s->val);
	s->col = s->next_col;
	s->crow = s->row;
	if (xmltext_attr(a, "r", NULL, &v, &len) &&
	    !xmltext_cellref(v, len, &s->col, &s->crow)) {
		s->col = s->next_col;
		s->crow = s->row;
	}
	s->type = C_NUM;
	if (xmltext_attr(a, "t", NULL, &v, &len)) {
		if (len == 1 && v[0] == 's')
			s->type = C_SST;
		else if (len == 1 && v[0] == 'b')
			s->type = C_BOOL;
		else if (len == 1 && v[0] == 'n')
			s->type = C_NUM;
		else if (len == 3 && memcmp(v, "str", 3) == 0)
			s->type = C_STR;
		else if (len == 9 && memcmp(v, "inlineStr", 9) == 0)
			s->type = C_INLINE;
		else
			s->type = C_OTHER; /* e (error), d (ISO date) */
	}
}

/* The elements of a sheet that matter, told apart cheaply: per cell. */
enum sheet_elem { E_OTHER, E_DATA, E_ROW, E_C, E_V, E_IS, E_T, E_RPH };

static enum sheet_elem
sheet_elem(const char *local)
{
	switch (local[0]) {
	case 'c':
		return local[1] == '\0' ? E_C : E_OTHER;
	case 'v':
		return local[1] == '\0' ? E_V : E_OTHER;
	case 't':
		return local[1] == '\0' ? E_T : E_OTHER;
	case 'i':
		return local[1] == 's' && local[2] == '\0' ? E_IS : E_OTHER;
	case 'r':
		if (strcmp(local, "row") == 0)
			return E_ROW;
		return strcmp(local, "rPh") == 0 ? E_RPH : E_OTHER;
	case 's':
		return strcmp(local, "sheetData") == 0 ? E_DATA : E_OTHER;
	default:
		return E_OTHER;
	}
}

static void
sheet_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct sheet *s = arg;
	enum sheet_elem e = sheet_elem(local);
	const char *v;
	size_t len;
	unsigned long row;

	if (e == E_DATA) {
		s->in_data = true;
		s->row = 0;
		return;
	}
	if (!s->in_data)
		return;
	switch (e) {
	case E_ROW:
		s->row++;
		if (xmltext_attr(a, "r", NULL, &v, &len) &&
		    (row = parse_ulong(v, len)) > 0)
			s->row = row;
		s->next_col = 0;
		s->last = 0;
		s->row_text = false;
		break;
	case E_C:
		sheet_cell_start(s, a);
		break;
	case E_V:
		s->v += s->in_cell;
		break;
	case E_IS:
		s->is += s->in_cell;
		break;
	case E_T:
		s->t += s->in_cell;
		break;
	case E_RPH:
		s->skip += s->in_cell;
		break;
	default:
		break;
	}
}

/* Tabs up to the cell's column, then its location. */
static void
sheet_cell_open(struct sheet *s)
{
	char label[LABEL_MAX];
	unsigned long tabs;

	if (s->last == 0)
		tabs = s->col;
	else
		tabs = s->col >= s->last ? s->col - s->last + 1 : 1;
	for (tabs = tabs > GAP_MAX ? GAP_MAX : tabs; tabs > 0; tabs--)
		(void)xmltext_out_putc(s->out, '\t');
	(void)xmltext_out_mark(s->out,
	    xmltext_cell_label(label, sizeof(label), s->name, s->col, s->crow));
	s->last = s->col + 1;
	s->row_text = true;
	s->streamed = true;
}

static void
sheet_cell_end(struct sheet *s)
{
	char num[XMLTEXT_NUMBER_MAX];
	const char *p = (const char *)s->val.data;
	size_t len = s->val.len, idx = 0, i;
	int n;

	s->in_cell = false;
	s->next_col = s->col + 1;
	if (p == NULL)
		p = "";
	switch (s->type) {
	case C_SST:
		for (i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++)
			idx = idx > (SIZE_MAX - 9) / 10
			    ? SIZE_MAX
			    : idx * 10 + (size_t)(p[i] - '0');
		if (i == 0 || i != len || !sst_get(s->sst, idx, &p, &len))
			len = 0;
		break;
	case C_BOOL:
		if (len == 1 && (p[0] == '0' || p[0] == '1')) {
			p = p[0] == '1' ? "TRUE" : "FALSE";
			len = strlen(p);
		}
		break;
	case C_NUM:
		if ((n = xmltext_number(p, len, num, sizeof(num))) >= 0) {
			p = num;
			len = (size_t)n;
		}
		break;
	default:
		break;
	}
	if (len == 0)
		return;
	if (!s->streamed)
		sheet_cell_open(s);
	(void)xmltext_out_put(s->out, p, len);
}

static void
sheet_end(void *arg, const char *local, const char *uri)
{
	struct sheet *s = arg;
	enum sheet_elem e = sheet_elem(local);

	if (e == E_DATA)
		s->in_data = false;
	if (!s->in_data)
		return;
	switch (e) {
	case E_C:
		if (s->in_cell)
			sheet_cell_end(s);
		if (s->val.len > 0)
			buf_reset(&s->val);
		break;
	case E_ROW:
		if (s->row_text)
			(void)xmltext_out_putc(s->out, '\n');
		s->row_text = false;
		break;
	case E_V:
		s->v -= s->v > 0;
		break;
	case E_IS:
		s->is -= s->is > 0;
		break;
	case E_T:
		s->t -= s->t > 0;
		break;
	case E_RPH:
		s->skip -= s->skip > 0;
		break;
	default:
		break;
	}
}

static void
sheet_text(void *arg, const char *t, size_t len)
{
	struct sheet *s = arg;

	if (!s->in_cell || !(s->v > 0 || (s->is > 0 && s->t > 0)) ||
	    s->skip > 0)
		return;
	if (len > s->val.max - s->val.len) {
		/* a long string: write what is held and go on streaming;
		   a number or index this long is garbage and dropped */
		if (s->type != C_STR && s->type != C_INLINE &&
		    s->type != C_OTHER)
			return;
		if (!s->streamed)
			sheet_cell_open(s);
		(void)xmltext_out_put(s->out, s->val.data, s->val.len);
		buf_reset(&s->val);
		if (len > s->val.max) {
			(void)xmltext_out_put(s->out, t, len);
			return;
		}
	}
	if (buf_append(&s->val, t, len) == BUF_ENOMEM)
		s->out->nomem = true;
}

static bool
sheet_done(void *arg)
{
	struct sheet *s = arg;

	return xmltext_out_done(s->out);
}

static const struct xmltext_handler sheet_handler = { sheet_start, sheet_end,
	sheet_text, sheet_done };

/* xlsx: cell comments, located at their cell */

struct xcomments {
	struct xmltext_out *out;
	const char *name;
	unsigned in_comment, t, skip;
};

static void
xcom_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct xcomments *c = arg;
	char ref[32], label[LABEL_MAX];

	if (strcmp(local, "comment") == 0) {
		c->in_comment++;
		if (xmltext_attr_copy(a, "ref", NULL, ref, sizeof(ref))) {
			snprintf(label, sizeof(label), "%s!%s", c->name, ref);
			(void)xmltext_out_locate(c->out, label);
		}
	} else if (strcmp(local, "t") == 0) {
		c->t++;
	} else if (strcmp(local, "rPh") == 0) {
		c->skip++;
	}
}

static void
xcom_end(void *arg, const char *local, const char *uri)
{
	struct xcomments *c = arg;

	if (strcmp(local, "comment") == 0 && c->in_comment > 0) {
		c->in_comment--;
		(void)xmltext_out_endline(c->out);
	} else if (strcmp(local, "t") == 0 && c->t > 0) {
		c->t--;
	} else if (strcmp(local, "rPh") == 0 && c->skip > 0) {
		c->skip--;
	}
}

static void
xcom_text(void *arg, const char *s, size_t len)
{
	struct xcomments *c = arg;

	if (c->in_comment > 0 && c->t > 0 && c->skip == 0)
		(void)xmltext_out_put(c->out, s, len);
}

static bool
xcom_done(void *arg)
{
	struct xcomments *c = arg;

	return xmltext_out_done(c->out);
}

static const struct xmltext_handler xcom_handler = { xcom_start, xcom_end,
	xcom_text, xcom_done };

/* xlsx: the workbook's sheets */

struct wbsheet {
	char *name;
	char *rid;
};

struct workbook {
	struct wbsheet *v;
	size_t n, cap, max;
	bool in_sheets;
	bool nomem;
};

static void
wb_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct workbook *w = arg;
	struct wbsheet *nv;
	const char *name;
	size_t len, ncap;
	char rid[ID_MAX];

	if (strcmp(local, "sheets") == 0)
		w->in_sheets = true;
	if (!w->in_sheets || strcmp(local, "sheet") != 0 || w->n >= w->max ||
	    w->nomem)
		return;
	if (!xmltext_attr(a, "name", NULL, &name, &len)) {
		name = "";
		len = 0;
	}
	if (!attr_rid(a, rid, sizeof(rid)))
		rid[0] = '\0';
	if (w->n == w->cap) {
		ncap = w->cap ? w->cap * 2 : 8;
		if ((nv = realloc(w->v, ncap * sizeof(*nv))) == NULL) {
			w->nomem = true;
			return;
		}
		w->v = nv;
		w->cap = ncap;
	}
	w->v[w->n].name = dupn(name, len, NAME_MAX_);
	w->v[w->n].rid = dupn(rid, strlen(rid), ID_MAX);
	if (w->v[w->n].name == NULL || w->v[w->n].rid == NULL) {
		free_wiped(w->v[w->n].name);
		free_wiped(w->v[w->n].rid);
		w->nomem = true;
		return;
	}
	w->n++;
}

static void
wb_end(void *arg, const char *local, const char *uri)
{
	struct workbook *w = arg;

	if (strcmp(local, "sheets") == 0)
		w->in_sheets = false;
}

static const struct xmltext_handler wb_handler = { wb_start, wb_end, NULL,
	NULL };

static void
wb_free(struct workbook *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		free_wiped(w->v[i].name);
		free_wiped(w->v[i].rid);
	}
	free(w->v);
}

static int parts_named(struct ox *o, const char *main, const char *prefix,
    struct part **vp, size_t *np);

/* Read one sheet part and its comments. */
static int
read_sheet(struct ox *o, const struct sst *sst, const char *part, long i,
    const char *name)
{
	struct sheet s;
	struct xcomments c;
	struct rels r;
	const struct rel *cr;
	const char *why = NULL;
	long ci;
	int rc;

	memset(&s, 0, sizeof(s));
	s.out = &o->out;
	s.sst = sst;
	s.name = name;
	buf_init(&s.val, CELL_MAX);
	if (xmltext_out_locate(&o->out, name) < 0) {
		rc = DLP_OK;
		goto out;
	}
	/* the fast scanner: the sheet handler never looks at namespaces */
	rc = xmlscan_member(o->z, o->x, (size_t)i, &sheet_handler, &s, &why);
	(void)xmltext_out_endline(&o->out);
	merge(o, rc, why);
	if (rc == DLP_EFATAL || o->out.nomem)
		goto out;
	if ((rc = rels_load(o, part, &r)) != DLP_OK)
		goto out;
	if ((cr = rels_by_type(&r, "comments")) != NULL &&
	    (ci = zipmem_find(o->z, cr->target)) >= 0) {
		memset(&c, 0, sizeof(c));
		c.out = &o->out;
		c.name = name;
		rc = xmltext_member(
		    o->z, o->x, (size_t)ci, &xcom_handler, &c, &why);
		(void)xmltext_out_endline(&o->out);
		merge(o, rc, why);
	}
	rels_free(&r);
out:
	buf_free(&s.val);
	return rc == DLP_EFATAL || o->out.nomem ? DLP_EFATAL : DLP_OK;
}

/* A workbook that lists no sheets: its worksheets by their names. */
static int
read_sheets_by_name(struct ox *o, const struct sst *sst, const char *main)
{
	struct part *v;
	char label[LABEL_MAX];
	size_t n, i;
	int rc;

	rc = parts_named(o, main, "worksheets/", &v, &n);
	for (i = 0; i < n && rc == DLP_OK; i++) {
		part_label(v[i].name, label, sizeof(label));
		rc = read_sheet(o, sst, v[i].name, (long)v[i].entry, label);
	}
	free(v);
	return rc;
}

/* The shared strings of the workbook, into s. */
static int
read_sst(struct ox *o, const struct rels *r, const char *main, struct sst *s)
{
	const struct rel *sr = rels_by_type(r, "sharedStrings");
	char name[PART_MAX];
	const char *why = NULL;
	long i;
	int rc;

	if (sr != NULL)
		i = zipmem_find(o->z, sr->target);
	else if (resolve(main, "sharedStrings.xml", 17, name, sizeof(name)))
		i = zipmem_find(o->z, name);
	else
		i = -1;
	if (i < 0)
		return DLP_OK;
	rc = xmlscan_member(o->z, o->x, (size_t)i, &sst_handler, s, &why);
	if (s->nomem)
		rc = DLP_EFATAL;
	merge(o, rc, why);
	return rc == DLP_EFATAL ? DLP_EFATAL : DLP_OK;
}

static int
read_xlsx(struct ox *o, const char *main, long mi)
{
	const struct dlp_limits *lim = extract_limits(o->x);
	struct workbook wb;
	struct rels r;
	struct sst sst;
	const struct rel *sr;
	char name[PART_MAX], fallback[48];
	const char *why = NULL;
	size_t k;
	long i;
	int rc;

	memset(&wb, 0, sizeof(wb));
	memset(&r, 0, sizeof(r));
	memset(&sst, 0, sizeof(sst));
	buf_init(&sst.text, lim->max_member_bytes);
	buf_init(&sst.offs,
	    lim->max_member_bytes > SIZE_MAX / 2 ? SIZE_MAX
						 : 2 * lim->max_member_bytes);
	wb.max = lim->max_members;
	rc = xmltext_member(o->z, o->x, (size_t)mi, &wb_handler, &wb, &why);
	merge(o, rc, why);
	if (wb.nomem || rc == DLP_EFATAL) {
		rc = DLP_EFATAL;
		goto out;
	}
	if ((rc = rels_load(o, main, &r)) != DLP_OK ||
	    (rc = read_sst(o, &r, main, &sst)) != DLP_OK)
		goto out;
	for (k = 0; k < wb.n && rc == DLP_OK; k++) {
		sr = rels_by_id(&r, wb.v[k].rid);
		if (sr != NULL && strcmp(sr->type, "chartsheet") == 0)
			continue;
		snprintf(fallback, sizeof(fallback), "worksheets/sheet%zu.xml",
		    k + 1);
		if (sr != NULL)
			snprintf(name, sizeof(name), "%s", sr->target);
		else if (!resolve(main, fallback, strlen(fallback), name,
			     sizeof(name)))
			continue;
		if ((i = zipmem_find(o->z, name)) < 0) {
			/* the workbook names a sheet that is not there */
			merge(o, DLP_EINPUT, "corrupt");
			continue;
		}
		snprintf(fallback, sizeof(fallback), "Sheet%zu", k + 1);
		rc = read_sheet(o, &sst, name, i,
		    wb.v[k].name[0] != '\0' ? wb.v[k].name : fallback);
	}
	if (rc == DLP_OK && wb.n == 0)
		rc = read_sheets_by_name(o, &sst, main);
out:
	buf_free(&sst.text);
	buf_free(&sst.offs);
	rels_free(&r);
	wb_free(&wb);
	return rc;
}

/* pptx */

struct pres {
	char **rid;
	size_t n, cap, max;
	bool nomem;
};

static void
pres_start(void *arg, const char *local, const char *uri,
    const struct xmltext_attrs *a)
{
	struct pres *p = arg;
	char rid[ID_MAX], **nv;
	size_t ncap;

	if (strcmp(local, "sldId") != 0 || p->n >= p->max || p->nomem ||
	    !attr_rid(a, rid, sizeof(rid)))
		return;
	if (p->n == p->cap) {
		ncap = p->cap ? p->cap * 2 : 16;
		if ((nv = realloc(p->rid, ncap * sizeof(*nv))) == NULL) {
			p->nomem = true;
			return;
		}
		p->rid = nv;
		p->cap = ncap;
	}
	if ((p->rid[p->n] = dupn(rid, strlen(rid), ID_MAX)) == NULL)
		p->nomem = true;
	else
		p->n++;
}

static const struct xmltext_handler pres_handler = { pres_start, NULL, NULL,
	NULL };

/* One slide (part slide, entry i) and its notes, as number k. */
static int
read_slide(struct ox *o, const char *slide, long i, size_t k)
{
	struct rels r;
	const struct rel *nr;
	char label[32];
	long ni;
	int rc;

	snprintf(label, sizeof(label), "slide%zu", k);
	if ((rc = read_wml(o, (size_t)i, label)) != DLP_OK)
		return rc;
	if ((rc = rels_load(o, slide, &r)) != DLP_OK)
		return rc;
	if ((nr = rels_by_type(&r, "notesSlide")) != NULL &&
	    (ni = zipmem_find(o->z, nr->target)) >= 0) {
		snprintf(label, sizeof(label), "notes%zu", k);
		rc = read_wml(o, (size_t)ni, label);
	}
	rels_free(&r);
	return rc;
}

/*
 * The members named like prefix (resolved against main's folder, e.g.
 * "slides/slide") + anything + ".xml", no deeper, in natural order
 * (slide2 before slide10): *vp (the caller frees it) and *np. Returns
 * DLP_OK or DLP_EFATAL.
 */
static int
parts_named(struct ox *o, const char *main, const char *prefix,
    struct part **vp, size_t *np)
{
	const struct zipmem_entry *e;
	size_t max = zipmem_count(o->z), i, dl;
	char dir[PART_MAX];

	*np = 0;
	if ((*vp = calloc(max + 1, sizeof(**vp))) == NULL)
		return DLP_EFATAL;
	if (!resolve(main, prefix, strlen(prefix), dir, sizeof(dir) - 1))
		return DLP_OK;
	dl = strlen(dir);
	if (prefix[strlen(prefix) - 1] == '/') {
		/* resolving drops the trailing '/': a folder, not a prefix */
		dir[dl++] = '/';
		dir[dl] = '\0';
	}
	for (i = 0; i < max; i++) {
		e = zipmem_entry(o->z, i);
		if (!e->directory && strncasecmp(e->name, dir, dl) == 0 &&
		    strchr(e->name + dl, '/') == NULL &&
		    strlen(e->name + dl) > 4 &&
		    strcasecmp(e->name + strlen(e->name) - 4, ".xml") == 0)
			part_add(*vp, np, max, (long)i, 0, e->name);
	}
	qsort(*vp, *np, sizeof(**vp), part_cmp);
	return DLP_OK;
}

/* Without the presentation's list: slides by their names' numbers. */
static int
read_slides_by_name(struct ox *o, const char *main)
{
	struct part *v;
	size_t n, i;
	int rc;

	rc = parts_named(o, main, "slides/slide", &v, &n);
	for (i = 0; i < n && rc == DLP_OK; i++)
		rc = read_slide(o, v[i].name, (long)v[i].entry, i + 1);
	free(v);
	return rc;
}

static int
read_pptx(struct ox *o, const char *main, long mi)
{
	struct pres p;
	struct rels r;
	const struct rel *sr;
	const char *why = NULL;
	size_t k, done = 0;
	long i;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&r, 0, sizeof(r));
	p.max = extract_limits(o->x)->max_members;
	rc = xmltext_member(o->z, o->x, (size_t)mi, &pres_handler, &p, &why);
	merge(o, rc, why);
	if (p.nomem || rc == DLP_EFATAL) {
		rc = DLP_EFATAL;
		goto out;
	}
	if ((rc = rels_load(o, main, &r)) != DLP_OK)
		goto out;
	for (k = 0; k < p.n && rc == DLP_OK; k++) {
		if ((sr = rels_by_id(&r, p.rid[k])) == NULL ||
		    (i = zipmem_find(o->z, sr->target)) < 0) {
			merge(o, DLP_EINPUT, "corrupt");
			continue;
		}
		rc = read_slide(o, sr->target, i, ++done);
	}
	if (rc == DLP_OK && done == 0)
		rc = read_slides_by_name(o, main);
out:
	for (k = 0; k < p.n; k++)
		free_wiped(p.rid[k]);
	free(p.rid);
	rels_free(&r);
	return rc;
}

/* All kinds: document properties and embedded files */

static int
read_properties(struct ox *o, const struct rels *root)
{
	static const char *const types[] = { "core-properties",
		"extended-properties", "custom-properties", NULL };
	static const char *const names[] = { "docProps/core.xml",
		"docProps/app.xml", "docProps/custom.xml", NULL };
	/* what the application counts and stamps, not what people wrote */
	static const char *const noise[] = { "created", "modified",
		"lastPrinted", "revision", "TotalTime", "Pages", "Words",
		"Characters", "CharactersWithSpaces", "Lines", "Paragraphs",
		"DocSecurity", "ScaleCrop", "LinksUpToDate", "SharedDoc",
		"HyperlinksChanged", "AppVersion", "Application", "Template",
		"HeadingPairs", "Slides", "Notes", "HiddenSlides", "MMClips",
		"PresentationFormat", NULL };
	struct xmltext_lines l;
	const struct rel *pr;
	long seen[3], i;
	const char *why = NULL;
	size_t k;
	int rc = DLP_OK;

	for (k = 0; types[k] != NULL; k++) {
		pr = rels_by_type(root, types[k]);
		seen[k] = pr != NULL ? zipmem_find(o->z, pr->target) : -1;
		if (seen[k] < 0)
			seen[k] = zipmem_find(o->z, names[k]);
	}
	for (k = 0; types[k] != NULL && rc != DLP_EFATAL; k++) {
		if ((i = seen[k]) < 0 || (k > 0 && seen[k - 1] == i) ||
		    (k > 1 && seen[k - 2] == i))
			continue;
		if (xmltext_out_locate(&o->out, "properties") < 0)
			break;
		memset(&l, 0, sizeof(l));
		l.out = &o->out;
		l.skip = noise;
		rc = xmltext_member(
		    o->z, o->x, (size_t)i, &xmltext_lines_handler, &l, &why);
		(void)xmltext_out_endline(&o->out);
		merge(o, rc, why);
	}
	return rc == DLP_EFATAL ? DLP_EFATAL : DLP_OK;
}

static int
read_embeddings(struct ox *o)
{
	const struct zipmem_entry *e;
	size_t i;
	int rc = DLP_OK;

	for (i = 0; i < zipmem_count(o->z) && rc != DLP_EFATAL; i++) {
		e = zipmem_entry(o->z, i);
		if (e->directory || strstr(e->name, "/embeddings/") == NULL)
			continue;
		rc = zipmem_extract(
		    o->z, o->x, o->node, o->depth, i, &o->members);
		merge(o, rc == DLP_PARTIAL ? DLP_OK : rc, NULL);
	}
	return rc == DLP_EFATAL ? DLP_EFATAL : DLP_OK;
}

/* The main part: the package's officeDocument, else a usual name. */
static long
find_main(struct ox *o, const struct rels *root, char *main, size_t mainsz)
{
	static const char *const usual[] = { "word/document.xml",
		"xl/workbook.xml", "ppt/presentation.xml", "xl/workbook.bin",
		NULL };
	const struct rel *mr = rels_by_type(root, "officeDocument");
	size_t k;
	long i;

	if (mr != NULL && (i = zipmem_find(o->z, mr->target)) >= 0) {
		snprintf(main, mainsz, "%s", zipmem_entry(o->z, i)->name);
		return i;
	}
	for (k = 0; usual[k] != NULL; k++)
		if ((i = zipmem_find(o->z, usual[k])) >= 0) {
			snprintf(
			    main, mainsz, "%s", zipmem_entry(o->z, i)->name);
			return i;
		}
	return -1;
}

/* The document, once the zip is listed. */
static int
read_package(struct ox *o)
{
	struct rels root;
	char main[PART_MAX];
	long mi;
	int rc;

	if ((rc = rels_load(o, "", &root)) != DLP_OK)
		return rc;
	if ((mi = find_main(o, &root, main, sizeof(main))) < 0) {
		/* a package without its document is damaged */
		merge(o, DLP_EINPUT, NULL);
		goto out;
	}
	switch (kind_of(o, main)) {
	case K_DOCX:
		extract_type(
		    o->x, o->node, OOXML_TYPE ".wordprocessingml.document");
		rc = read_docx(o, main, mi);
		break;
	case K_XLSX:
		extract_type(o->x, o->node, OOXML_TYPE ".spreadsheetml.sheet");
		rc = read_xlsx(o, main, mi);
		break;
	case K_PPTX:
		extract_type(
		    o->x, o->node, OOXML_TYPE ".presentationml.presentation");
		rc = read_pptx(o, main, mi);
		break;
	case K_XLSB:
		extract_type(o->x, o->node,
		    "application/vnd.ms-excel.sheet.binary.macroenabled.12");
		/* not damaged, not read: the mark says so (an EINPUT would
		   be marked "corrupt" over it) */
		extract_mark(o->x, o->node, DLP_ENC_NOT_INSPECTABLE,
		    "unsupported", false);
		o->marked = true;
		goto out;
	default:
		merge(o, DLP_EINPUT, NULL);
		goto out;
	}
	if (rc == DLP_OK)
		rc = read_properties(o, &root);
	if (rc == DLP_OK)
		rc = read_embeddings(o);
out:
	rels_free(&root);
	return rc;
}

int
extract_ooxml(
    struct extract *x, long node, unsigned depth, const void *data, size_t len)
{
	struct ox o;
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
		/* zip encryption of the package itself: the archive
		   reader knows the methods */
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
