/*
 * extract_pdf - PDF: the text of every page, form fields and comments,
 * embedded files as members, and whether the document is protected.
 *
 * What it does: pdfcrypt reads the /Encrypt dictionary (the method), then
 * poppler-glib opens the document with no password. If poppler refuses
 * (POPPLER_ERROR_ENCRYPTED), the node is encrypted with that method
 * (weak for RC4 under 128 bits). If poppler opens a document that has an
 * /Encrypt dictionary, the empty password opened it: anyone can read it,
 * so it is not protection: its text is scanned and the node is plain with
 * detail "pdf-owner-only". Poppler is believed only when pdfcrypt agrees
 * that the empty password opens it: poppler opens some encrypted files
 * whose trailer it lost while repairing them, and reads ciphertext; such
 * a file is reported encrypted. A document whose pages are in clear and
 * whose embedded files alone are encrypted (/EFF) is plain with detail
 * "pdf-eff-only", and each embedded file is an encrypted member. A
 * document poppler cannot open for any other reason is DLP_EINPUT
 * (corrupt), as is one with a page poppler cannot load (the others are
 * still read) or in which it finds no page at all.
 *
 * Text: per page, poppler_page_get_text() (poppler-data gives the CID
 * fonts with predefined CMaps, Japanese included), then the form fields'
 * descriptions (/TU) and the values of text and choice fields, and the
 * contents of annotations (a filled form is where a My Number sits),
 * located "p1", "p2", ... and ended by a line break so that pages never
 * join into one number. Embedded files (attachments) are members,
 * extracted like any other file.
 *
 * What it does not do: OCR (a scanned page has no text), JavaScript,
 * XFA forms, button captions and other text drawn only in annotation
 * appearance streams, text in images, or passwords other than the empty
 * one.
 *
 * Limits: limits->pdf_max_pages pages are read (then the node is marked
 * limit:pages), and the clock is checked between pages against
 * limits->pdf_max_ms and the message's wall time (limit:time). Poppler
 * cannot be interrupted inside a call: opening a document (which may
 * rebuild a damaged cross-reference table) and reading one page are each
 * unbounded in time and in memory, and poppler's memory is outside our
 * limits; issue 6 isolates extraction in worker processes for this. An
 * embedded file is kept in memory up to limits->max_member_bytes.
 *
 * Thread-safety: one document per call; the only state shared between
 * calls is poppler's own, set up once. Poppler keeps process-wide state:
 * its GlobalParams (the poppler-data tables: glyph names, CMaps, CID to
 * Unicode maps, read from /usr/share/poppler, and its caches of them),
 * created under its own mutex when a first document opens and destroyed
 * when the last one closes, and its error callback, which poppler-glib
 * routes to g_log() in the "Poppler" domain. The first call, once:
 * installs a GLib log handler for that domain that drops those messages,
 * so that poppler's complaints about damaged files never reach a daemon's
 * output (GLib's default handler prints them, on stdout, when
 * G_MESSAGES_DEBUG is set); and opens a one-page document of its own
 * (keeper_pdf below) that it never closes, so that GlobalParams lives as
 * long as the process instead of being rebuilt for every PDF in a
 * process that reads one PDF at a time, as a worker does: about 4
 * million instructions and 80 read() calls per document, and for one in
 * a CID font without its program (common in Japanese office documents)
 * the CID-to-Unicode table again, some 50 million more. The kept
 * document is never read; GlobalParams is made for sharing between
 * documents and threads (poppler locks its caches), and what a document
 * yields does not depend on what the caches hold. Should it fail to
 * open, each PDF builds GlobalParams again, as before.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <poppler.h>

#include "buf.h"
#include "charset.h"
#include "extract.h"
#include "pdfcrypt.h"

static void
drop_log(
    const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer arg)
{
}

/*
 * keeper_pdf: the smallest well-formed document (one empty page, a
 * correct cross-reference table: poppler opens it without a complaint or
 * a repair), held open by poppler_once().
 */
static const char keeper_pdf[] =
    "%PDF-1.4\n"
    "1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 1 1]>>endobj\n"
    "xref\n"
    "0 4\n"
    "0000000000 65535 f \n"
    "0000000009 00000 n \n"
    "0000000052 00000 n \n"
    "0000000101 00000 n \n"
    "trailer<</Size 4/Root 1 0 R>>\n"
    "startxref\n"
    "160\n"
    "%%EOF\n";

/* the kept document (NULL when it did not open); never closed */
static PopplerDocument *keeper;

/* poppler_once: poppler's messages dropped, its GlobalParams kept. */
static void
poppler_once(void)
{
	static gsize done = 0;
	GBytes *bytes;

	if (g_once_init_enter(&done)) {
		g_log_set_handler("Poppler",
		    G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
		    drop_log, NULL);
		bytes = g_bytes_new_static(keeper_pdf, sizeof(keeper_pdf) - 1);
		keeper = poppler_document_new_from_bytes(bytes, NULL, NULL);
		g_bytes_unref(bytes);
		g_once_init_leave(&done, 1);
	}
}

static long long
elapsed_ms(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static int
worse(int a, int b)
{
	return a > b ? a : b;
}

/*
 * put_text: s (from poppler, UTF-8 as far as poppler knows: the sink
 * takes "utf-8" without checks, so anything else is mended first) and a
 * line break; s is wiped and freed. Returns 0, -1 when the node's text
 * budget is full, or -2 when memory ran out.
 */
static int
put_text(struct extract *x, long node, gchar *s)
{
	struct buf fixed;
	size_t n;
	int rc = 0;

	if (s == NULL)
		return 0;
	if ((n = strlen(s)) > 0) {
		if (charset_valid_utf8(s, n))
			rc = extract_text(x, node, "utf-8", s, n);
		else {
			buf_init(&fixed, 3 * n + 16);
			if (charset_to_utf8("utf-8", s, n, &fixed) ==
			    CHARSET_ENOMEM)
				rc = -2;
			else
				rc = extract_text(
				    x, node, "utf-8", fixed.data, fixed.len);
			buf_free(&fixed);
		}
		if (rc == 0)
			rc = extract_text(x, node, "utf-8", "\n", 1);
	}
	explicit_bzero(s, n);
	g_free(s);
	return rc;
}

/*
 * form_text: the fields of the page: the description a reader sees
 * (/TU, often the name of what is asked) and the values of text and
 * choice fields. A button's caption (/MK /CA) is not given by
 * poppler-glib.
 */
static int
form_text(struct extract *x, long node, PopplerPage *page)
{
	GList *fields, *l;
	PopplerFormField *f;
	int rc = 0, i, n;

	fields = poppler_page_get_form_field_mapping(page);
	for (l = fields; l != NULL && rc == 0; l = l->next) {
		f = ((PopplerFormFieldMapping *)l->data)->field;
		if (f == NULL)
			continue;
		rc = put_text(
		    x, node, poppler_form_field_get_alternate_ui_name(f));
		if (rc != 0)
			break;
		switch (poppler_form_field_get_field_type(f)) {
		case POPPLER_FORM_FIELD_TEXT:
			rc = put_text(
			    x, node, poppler_form_field_text_get_text(f));
			break;
		case POPPLER_FORM_FIELD_CHOICE:
			rc = put_text(
			    x, node, poppler_form_field_choice_get_text(f));
			n = poppler_form_field_choice_get_n_items(f);
			for (i = 0; i < n && rc == 0; i++)
				if (poppler_form_field_choice_is_item_selected(
					f, i))
					rc = put_text(x, node,
					    poppler_form_field_choice_get_item(
						f, i));
			break;
		default:
			break;
		}
	}
	poppler_page_free_form_field_mapping(fields);
	return rc;
}

/* annot_text: the contents of the page's annotations (comments). */
static int
annot_text(struct extract *x, long node, PopplerPage *page)
{
	GList *annots, *l;
	PopplerAnnot *a;
	int rc = 0;

	annots = poppler_page_get_annot_mapping(page);
	for (l = annots; l != NULL && rc == 0; l = l->next)
		if ((a = ((PopplerAnnotMapping *)l->data)->annot) != NULL)
			rc = put_text(x, node, poppler_annot_get_contents(a));
	poppler_page_free_annot_mapping(annots);
	return rc;
}

/*
 * read_pages: every page's text within the page and time budget. Returns
 * DLP_OK, DLP_PARTIAL (a limit: the node is marked), DLP_EFATAL, or
 * DLP_EINPUT (a page could not be loaded, the others were read; or no
 * page was found: a page tree poppler cannot follow may still hold pages
 * for other readers).
 */
static int
read_pages(struct extract *x, long node, PopplerDocument *doc,
    const struct timespec *t0)
{
	const struct dlp_limits *lim = extract_limits(x);
	PopplerPage *page;
	char label[24];
	int i, n, rc;
	bool damaged = false;

	if ((n = poppler_document_get_n_pages(doc)) <= 0)
		return DLP_EINPUT;
	for (i = 0; i < n; i++) {
		if ((unsigned)i >= lim->pdf_max_pages) {
			extract_mark(x, node, DLP_ENC_NOT_INSPECTABLE,
			    "limit:pages", false);
			return DLP_PARTIAL;
		}
		if (elapsed_ms(t0) >= (long long)lim->pdf_max_ms ||
		    !extract_time_left(x)) {
			extract_mark(x, node, DLP_ENC_NOT_INSPECTABLE,
			    "limit:time", false);
			return DLP_PARTIAL;
		}
		if ((page = poppler_document_get_page(doc, i)) == NULL) {
			damaged = true;
			continue;
		}
		snprintf(label, sizeof(label), "p%d", i + 1);
		extract_locate(x, node, label);
		rc = put_text(x, node, poppler_page_get_text(page));
		if (rc == 0)
			rc = form_text(x, node, page);
		if (rc == 0)
			rc = annot_text(x, node, page);
		g_object_unref(page);
		if (rc == -2)
			return DLP_EFATAL;
		if (rc < 0)
			return DLP_PARTIAL; /* the sink marked limit:size */
	}
	return damaged ? DLP_EINPUT : DLP_OK;
}

struct saved {
	struct buf b;
	int status; /* BUF_OK, or why the copy stopped */
};

static gboolean
save_chunk(const gchar *data, gsize count, gpointer arg, GError **error)
{
	struct saved *sv = arg;

	if ((sv->status = buf_append(&sv->b, data, count)) != BUF_OK)
		return FALSE;
	return TRUE;
}

/* one_attachment: an embedded file as a member of node. */
static int
one_attachment(struct extract *x, long node, unsigned depth,
    PopplerAttachment *a, const char *name)
{
	const struct dlp_limits *lim = extract_limits(x);
	struct saved sv;
	const char *why = NULL;
	gboolean ok;
	int rc;

	buf_init(&sv.b, lim->max_member_bytes);
	sv.status = BUF_OK;
	ok = poppler_attachment_save_to_callback(a, save_chunk, &sv, NULL);
	if (sv.status == BUF_ENOMEM) {
		rc = DLP_EFATAL;
		goto out;
	}
	if (sv.status == BUF_EFULL)
		why = "limit:size";
	else if (!ok)
		why = "corrupt";
	else if (!extract_budget(x, sv.b.len))
		why = "limit:expanded";
	if (why != NULL) {
		rc = extract_member_cut(x, node, name, sv.b.len,
		    sv.b.len > 0 ? sv.b.data : NULL, sv.b.len, why);
		if (rc == DLP_OK && strcmp(why, "corrupt") != 0)
			rc = DLP_PARTIAL;
		goto out;
	}
	rc = extract_member(x, node, depth, name,
	    sv.b.data != NULL ? (const void *)sv.b.data : "", sv.b.len, 0);
out:
	buf_free(&sv.b);
	return rc;
}

/*
 * read_attachments: the embedded files, as members; with eff_method
 * (an /EFF-only document) each is an encrypted member instead.
 */
static int
read_attachments(struct extract *x, long node, unsigned depth,
    PopplerDocument *doc, const char *eff_method, bool weak)
{
	GList *list, *l;
	PopplerAttachment *a;
	const char *name;
	unsigned count = 0;
	int rc = DLP_OK, r;

	if (!poppler_document_has_attachments(doc)) {
		/* poppler does not list them, but they are there */
		if (eff_method != NULL)
			rc = extract_member_opaque(x, node, "(embedded files)",
			    0, DLP_ENC_ENCRYPTED, eff_method, weak);
		return rc;
	}
	list = poppler_document_get_attachments(doc);
	for (l = list; l != NULL; l = l->next) {
		a = l->data;
		name = a->name != NULL && a->name[0] != '\0' &&
			charset_valid_utf8(a->name, strlen(a->name))
		    ? a->name
		    : "attachment";
		if (!extract_count_member(x, node, &count)) {
			rc = worse(rc, DLP_PARTIAL);
			break;
		}
		if (eff_method != NULL)
			r = extract_member_opaque(x, node, name, 0,
			    DLP_ENC_ENCRYPTED, eff_method, weak);
		else
			r = one_attachment(x, node, depth, a, name);
		rc = worse(rc, r);
		if (r == DLP_EFATAL)
			break;
	}
	g_list_free_full(list, g_object_unref);
	return rc;
}

/* extract_pdf: an extract_fn (see extract.h for the contract). */
int
extract_pdf(
    struct extract *x, long node, unsigned depth, const void *data, size_t len)
{
	struct pdfcrypt pc;
	struct timespec t0;
	PopplerDocument *doc = NULL;
	GBytes *bytes = NULL;
	GError *err = NULL;
	const char *method, *eff = NULL;
	bool found, weak = false;
	int rc = DLP_OK;

	poppler_once();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (data == NULL || len == 0)
		return DLP_EINPUT;
	found = pdfcrypt_read(data, len, &pc) == PDFCRYPT_FOUND;
	method = found ? pdfcrypt_method(&pc, &weak) : "pdf-unknown";
	bytes = g_bytes_new_static(data, len);
	if ((doc = poppler_document_new_from_bytes(bytes, NULL, &err)) ==
	    NULL) {
		if (err != NULL && err->domain == POPPLER_ERROR &&
		    err->code == POPPLER_ERROR_ENCRYPTED)
			extract_mark(x, node, DLP_ENC_ENCRYPTED, method, weak);
		else
			rc = DLP_EINPUT;
		goto out;
	}
	if (found && pdfcrypt_eff_only(&pc)) {
		extract_mark(x, node, DLP_ENC_PLAIN, "pdf-eff-only", false);
		eff = method;
	} else if (found) {
		if (pdfcrypt_empty_password(&pc) == PDFCRYPT_PW_NEEDED) {
			/* poppler opened it without its /Encrypt: what it
			   would read is ciphertext */
			extract_mark(x, node, DLP_ENC_ENCRYPTED, method, weak);
			goto out;
		}
		extract_mark(x, node, DLP_ENC_PLAIN, "pdf-owner-only", false);
	}
	rc = read_pages(x, node, doc, &t0);
	rc = worse(rc, read_attachments(x, node, depth, doc, eff, weak));
out:
	if (doc != NULL)
		g_object_unref(doc);
	if (bytes != NULL)
		g_bytes_unref(bytes);
	if (err != NULL)
		g_error_free(err);
	explicit_bzero(&pc, sizeof(pc));
	return rc;
}
