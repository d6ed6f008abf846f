/*
 * test_extract_pdf - extract_pdf(): Japanese text per page with its
 * location, every encryption method qpdf makes, owner-only documents
 * read as plain, the pdf.js rows of the external corpus, form fields and
 * comments, embedded files as members, the page, time, text, member and
 * size limits, damaged input, and poppler kept quiet.
 *
 * Poppler's global state outlives each document: a document read after
 * others reads no file and gives the same text.
 *
 * Fixtures are made here, in a temporary directory, by Debian's
 * python3-reportlab with the IPA Gothic font and by qpdf; synthetic data
 * only. Without them a test says why on a TAP comment line and passes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "extract_util.h"

#define CORPUS "../shared/corpus/external/"
#define FONT   "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"
#define PY     "/usr/bin/python3"

/* synthetic My Numbers (valid check digits) */
#define MN1 "8642 0975 3183"
#define MN2 "7051 2384 6935"

static char dir[] = "/tmp/test_extract_pdf.XXXXXX";
static bool have_fixtures;

/* The generator: two pages of Japanese, a form, attachments. */
static const char gen_py[] =
    "import sys\n"
    "from reportlab.pdfgen import canvas\n"
    "from reportlab.pdfbase import pdfmetrics\n"
    "from reportlab.pdfbase.ttfonts import TTFont\n"
    "d = sys.argv[1]\n"
    "pdfmetrics.registerFont(TTFont('IPAGothic', '" FONT "'))\n"
    "c = canvas.Canvas(d + '/ja.pdf', invariant=1)\n"
    "c.setFont('IPAGothic', 12)\n"
    "c.drawString(72, 720, '個人番号 " MN1 " 山田太郎')\n"
    "c.showPage()\n"
    "c.setFont('IPAGothic', 12)\n"
    "c.drawString(72, 720, '二頁目 マイナンバー " MN2 "')\n"
    "c.showPage()\n"
    "c.save()\n"
    "c = canvas.Canvas(d + '/form.pdf', invariant=1)\n"
    "c.drawString(72, 760, 'form')\n"
    "c.acroForm.textfield(name='mn', value='field " MN1 "', x=72, y=700,"
    " width=200, height=20, tooltip='My Number of the applicant')\n"
    "c.textAnnotation('comment " MN2 "', Rect=(72, 600, 200, 620))\n"
    "c.showPage()\n"
    "c.save()\n"
    "from reportlab.pdfbase.cidfonts import UnicodeCIDFont\n"
    "pdfmetrics.registerFont(UnicodeCIDFont('HeiseiKakuGo-W5'))\n"
    "c = canvas.Canvas(d + '/cid.pdf', invariant=1)\n"
    "c.setFont('HeiseiKakuGo-W5', 12)\n"
    "c.drawString(72, 720, '個人番号 " MN2 " 鈴木花子')\n"
    "c.showPage()\n"
    "c.save()\n"
    "open(d + '/roster.txt', 'w').write('roster " MN1 "\\n')\n"
    "open(d + '/other.txt', 'w').write('other\\n')\n";

/* qpdf runs: output name, then arguments (input first). */
static const char *const qpdf_runs[][2] = {
	{ "aes256u.pdf", "ja.pdf --encrypt USERPW OWNERPW 256 --" },
	{ "aes256o.pdf", "ja.pdf --encrypt '' OWNERPW 256 --" },
	{ "aes128u.pdf", "ja.pdf --encrypt u o 128 --use-aes=y --" },
	{ "aes128o.pdf", "ja.pdf --encrypt '' OWNERPW 128 --use-aes=y --" },
	{ "rc4128u.pdf",
	    "ja.pdf --allow-weak-crypto --encrypt u o 128 --use-aes=n --" },
	{ "rc440u.pdf", "ja.pdf --allow-weak-crypto --encrypt u o 40 --" },
	{ "rc440o.pdf", "ja.pdf --allow-weak-crypto --encrypt '' o 40 --" },
	{ "r5u.pdf", "ja.pdf --encrypt u o 256 --force-R5 --" },
	{ "att.pdf", "ja.pdf --add-attachment roster.txt --key=roster.txt --" },
	{ "att2.pdf",
	    "ja.pdf --add-attachment roster.txt --key=a -- --add-attachment "
	    "other.txt --key=b --" },
	{ "attowner.pdf", "att.pdf --encrypt '' o 256 --" },
};

static int
make_fixtures(void **state)
{
	char cmd[8192];
	size_t i;
	FILE *fp;

	if (mkdtemp(dir) == NULL)
		return -1;
	if (access(FONT, R_OK) != 0 || access(PY, X_OK) != 0 ||
	    system(PY " -c 'import reportlab' 2>/dev/null") != 0 ||
	    system("qpdf --version >/dev/null 2>&1") != 0)
		return 0;
	snprintf(cmd, sizeof(cmd), "%s/gen.py", dir);
	if ((fp = fopen(cmd, "w")) == NULL)
		return -1;
	fputs(gen_py, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), PY " %s/gen.py %s", dir, dir);
	if (system(cmd) != 0)
		return 0;
	for (i = 0; i < sizeof(qpdf_runs) / sizeof(qpdf_runs[0]); i++) {
		snprintf(cmd, sizeof(cmd), "cd %s && qpdf %s %s", dir,
		    qpdf_runs[i][1], qpdf_runs[i][0]);
		if (system(cmd) != 0)
			return 0;
	}
	have_fixtures = true;
	return 0;
}

static int
remove_fixtures(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static bool
fixtures(void)
{
	if (!have_fixtures)
		print_message("# skipped: python3-reportlab, the IPA Gothic "
			      "font or qpdf is missing\n");
	return have_fixtures;
}

/* run_file: extract a file (a fixture name, or a path with a '/'). */
static int
run_file(struct xrec *r, const char *file)
{
	char path[512];
	unsigned char *data;
	const char *name;
	size_t len = 0;
	int rc, n;

	if (strchr(file, '/') != NULL)
		n = snprintf(path, sizeof(path), "%s", file);
	else
		n = snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_true(n > 0 && (size_t)n < sizeof(path));
	name = strrchr(path, '/') + 1;
	data = xrec_read_file(path, &len);
	assert_non_null(data);
	rc = xrec_run(r, name, data, len);
	free(data);
	return rc;
}

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Text */

static void
test_japanese_text_is_read_per_page_with_its_location(void **state)
{
	struct xrec r;
	struct xnode *n;

	if (!fixtures())
		return;
	xrec_init(&r, NULL);
	assert_int_equal(run_file(&r, "ja.pdf"), DLP_OK);
	n = &r.nodes[0];
	assert_string_equal(n->type, "application/pdf");
	assert_int_equal(n->enc, DLP_ENC_PLAIN);
	assert_string_equal(n->detail, "");
	assert_true(n->done);
	assert_non_null(strstr(xrec_text(n), "個人番号 " MN1 " 山田太郎\n"));
	assert_string_equal(xrec_location_of(n, MN1), "p1");
	assert_string_equal(xrec_location_of(n, "二頁目"), "p2");
	/* pages never run into each other */
	assert_null(strstr(xrec_text(n), "山田太郎二頁目"));
	xrec_free(&r);
}

static void
test_form_fields_and_comments_are_text(void **state)
{
	struct xrec r;

	if (!fixtures())
		return;
	xrec_init(&r, NULL);
	assert_int_equal(run_file(&r, "form.pdf"), DLP_OK);
	assert_non_null(strstr(xrec_text(&r.nodes[0]),
	    "My Number of the applicant\nfield " MN1 "\n"));
	assert_non_null(strstr(xrec_text(&r.nodes[0]), "comment " MN2 "\n"));
	assert_string_equal(xrec_location_of(&r.nodes[0], MN1), "p1");
	xrec_free(&r);
}

/* Encryption */

struct enc_case {
	const char *file;
	enum dlp_encryption enc;
	const char *detail;
	bool weak;
	bool text; /* the page text was read */
};

static void
test_each_encryption_is_judged_by_the_empty_password(void **state)
{
	static const struct enc_case c[] = {
		{ "aes256u.pdf", DLP_ENC_ENCRYPTED, "pdf-aes-256", false,
		    false },
		{ "r5u.pdf", DLP_ENC_ENCRYPTED, "pdf-aes-256", false, false },
		{ "aes128u.pdf", DLP_ENC_ENCRYPTED, "pdf-aes-128", false,
		    false },
		{ "rc4128u.pdf", DLP_ENC_ENCRYPTED, "pdf-rc4-128", false,
		    false },
		{ "rc440u.pdf", DLP_ENC_ENCRYPTED, "pdf-rc4-40", true, false },
		/* owner password only: anyone opens them, so not protection */
		{ "aes256o.pdf", DLP_ENC_PLAIN, "pdf-owner-only", false, true },
		{ "aes128o.pdf", DLP_ENC_PLAIN, "pdf-owner-only", false, true },
		{ "rc440o.pdf", DLP_ENC_PLAIN, "pdf-owner-only", false, true },
	};
	struct xrec r;
	size_t i;

	if (!fixtures())
		return;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		print_message("# %s\n", c[i].file);
		xrec_init(&r, NULL);
		assert_int_equal(run_file(&r, c[i].file), DLP_OK);
		assert_int_equal(r.nodes[0].enc, c[i].enc);
		assert_string_equal(r.nodes[0].detail, c[i].detail);
		assert_int_equal(r.nodes[0].weak, c[i].weak);
		assert_int_equal(
		    strstr(xrec_text(&r.nodes[0]), MN1) != NULL, c[i].text);
		assert_int_equal(r.n, 1);
		xrec_free(&r);
	}
}

/* The external corpus: every pdfjs row of the manifest */

static const struct {
	const char *file;
	const char *text[2]; /* what the page text must hold */
	const char *where;   /* ... and where text[0] is */
	const char *corrupt; /* a known gap: why it ends corrupt */
} corpus_text[] = {
	{ "pdfjs/issue15340.pdf", { "漏電遮断機構", NULL }, "p1", NULL },
	{ "pdfjs/issue6387.pdf", { "あのイーハトーヴォのすきとおった風", NULL },
	    "p1", NULL },
	{ "pdfjs/issue12823.pdf", { "愿景", NULL }, "p1", NULL },
	{ "pdfjs/basicapi.pdf", { "page 3 / 3", "Table Of Content" }, "p3",
	    NULL },
	{ "pdfjs/bug900822.pdf", { "Pdf Test 1", NULL }, "p1", NULL },
	{ "pdfjs/issue17215.pdf", { "Dummy PDF file", NULL }, "p1", NULL },
	{ "pdfjs/issue7665.pdf", { "Issue 7665", NULL }, "p1", NULL },
	{ "pdfjs/issue9972-1.pdf", { "Personal Vitality Rebate", NULL }, "p1",
	    NULL },
	/* known gap: its RC4 key is 5 bytes in a V4 crypt filter (pdf.js
	   issue 19484); poppler opens the document but cannot load its
	   page. It is owner-only (not protection), and its text is not
	   read: corrupt, never plain. */
	{ "pdfjs/issue19484_1.pdf", { NULL, NULL }, NULL,
	    "poppler cannot load the page" },
	/* secHandler.pdf, empty_protected.pdf, pr6531_2.pdf: owner-only and
	   read, but poppler finds no text in them (their fonts are not
	   usable to it): plain with no text. */
};

static char *
next_field(char **p)
{
	char *s = *p, *e;

	if (s == NULL)
		return NULL;
	if ((e = strchr(s, '\t')) != NULL) {
		*e = '\0';
		*p = e + 1;
	} else
		*p = NULL;
	return s;
}

static void
check_corpus_row(const char *file, const char *kind, unsigned *n_ok)
{
	char path[512];
	struct xrec r;
	struct xnode *n;
	size_t i, k;
	int rc;
	bool enc_child = false;

	assert_true((size_t)snprintf(path, sizeof(path), CORPUS "%s", file) <
	    sizeof(path));
	xrec_init(&r, NULL);
	rc = run_file(&r, path);
	n = &r.nodes[0];
	assert_true(n->done);
	for (i = 1; i < r.n; i++)
		if (r.nodes[i].enc == DLP_ENC_ENCRYPTED)
			enc_child = true;
	for (k = 0; k < sizeof(corpus_text) / sizeof(corpus_text[0]); k++)
		if (strcmp(corpus_text[k].file, file) == 0)
			break;
	if (strcmp(kind, "pdf-malformed") == 0) {
		assert_int_equal(rc, DLP_EINPUT);
		assert_int_equal(n->enc, DLP_ENC_NOT_INSPECTABLE);
		assert_string_equal(n->detail, "corrupt");
	} else if (strcmp(kind, "pdf-encrypted") == 0) {
		/* the document, or (/EFF) its embedded files */
		assert_true(n->enc == DLP_ENC_ENCRYPTED ||
		    (n->enc == DLP_ENC_PLAIN &&
			strcmp(n->detail, "pdf-eff-only") == 0 && enc_child));
		assert_int_equal(rc, DLP_OK);
	} else if (strcmp(kind, "pdf-owner-only") == 0) {
		assert_int_not_equal(n->enc, DLP_ENC_ENCRYPTED);
		assert_false(enc_child);
		if (k < sizeof(corpus_text) / sizeof(corpus_text[0]) &&
		    corpus_text[k].corrupt != NULL) {
			print_message("# known gap: %s: %s\n", file,
			    corpus_text[k].corrupt);
			assert_int_equal(n->enc, DLP_ENC_NOT_INSPECTABLE);
			assert_string_equal(n->detail, "corrupt");
		} else {
			assert_int_equal(n->enc, DLP_ENC_PLAIN);
			assert_string_equal(n->detail, "pdf-owner-only");
			assert_int_equal(rc, DLP_OK);
		}
	} else {
		assert_int_equal(n->enc, DLP_ENC_PLAIN);
		assert_string_equal(n->detail, "");
		assert_int_equal(rc, DLP_OK);
	}
	if (k < sizeof(corpus_text) / sizeof(corpus_text[0]))
		for (i = 0; i < 2 && corpus_text[k].text[i] != NULL; i++) {
			assert_non_null(
			    strstr(xrec_text(n), corpus_text[k].text[i]));
			if (i == 0)
				assert_string_equal(
				    xrec_location_of(n, corpus_text[k].text[0]),
				    corpus_text[k].where);
		}
	(*n_ok)++;
	xrec_free(&r);
}

static void
test_every_pdf_row_of_the_corpus_manifest(void **state)
{
	char line[8192], *p, *file, *kind;
	unsigned n_rows = 0, n_ok = 0;
	FILE *fp;

	if ((fp = fopen(CORPUS "MANIFEST.tsv", "r")) == NULL) {
		print_message("# skipped: no external corpus at " CORPUS "\n");
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		p = line;
		file = next_field(&p);
		(void)next_field(&p); /* source_repo */
		(void)next_field(&p); /* source_path */
		(void)next_field(&p); /* license */
		kind = next_field(&p);
		if (file == NULL || kind == NULL ||
		    strncmp(kind, "pdf-", 4) != 0)
			continue;
		print_message("# %s (%s)\n", file, kind);
		n_rows++;
		check_corpus_row(file, kind, &n_ok);
	}
	fclose(fp);
	print_message(
	    "# %u of %u pdf rows as the manifest says\n", n_ok, n_rows);
	assert_true(n_rows >= 21);
	assert_int_equal(n_ok, n_rows);
}

static void
test_poppler_opening_an_encrypted_file_as_plain_is_overruled(void **state)
{
	struct xrec r;

	/* poppler loses this file's trailer and opens it without asking
	   for its password ("Hello"): its pages are ciphertext */
	if (access(CORPUS "pdfjs/bug1782186.pdf", R_OK) != 0) {
		print_message("# skipped: no external corpus\n");
		return;
	}
	xrec_init(&r, NULL);
	assert_int_equal(run_file(&r, CORPUS "pdfjs/bug1782186.pdf"), DLP_OK);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_ENCRYPTED);
	assert_string_equal(r.nodes[0].detail, "pdf-aes-128");
	assert_string_equal(xrec_text(&r.nodes[0]), "");
	xrec_free(&r);
}

/* Embedded files */

static void
test_embedded_files_are_members_and_read(void **state)
{
	struct xrec r;
	struct xnode *c;

	if (!fixtures())
		return;
	xrec_init(&r, NULL);
	assert_int_equal(run_file(&r, "att.pdf"), DLP_OK);
	assert_non_null(c = xrec_find(&r, "att.pdf/roster.txt"));
	assert_int_equal(c->parent, 0);
	assert_string_equal(c->type, "text/plain");
	assert_non_null(strstr(xrec_text(c), "roster " MN1));
	assert_true(c->done);
	/* the document's own pages are still read */
	assert_non_null(strstr(xrec_text(&r.nodes[0]), MN2));
	xrec_free(&r);

	/* an owner-only document's attachments are decrypted by poppler */
	xrec_init(&r, NULL);
	assert_int_equal(run_file(&r, "attowner.pdf"), DLP_OK);
	assert_string_equal(r.nodes[0].detail, "pdf-owner-only");
	assert_non_null(c = xrec_find(&r, "attowner.pdf/roster.txt"));
	assert_non_null(strstr(xrec_text(c), "roster " MN1));
	xrec_free(&r);
}

static void
test_eff_only_documents_have_encrypted_members(void **state)
{
	struct xrec r;
	struct xnode *c;

	if (access(CORPUS "pdfjs/encrypted-attachment.pdf", R_OK) != 0) {
		print_message("# skipped: no external corpus\n");
		return;
	}
	xrec_init(&r, NULL);
	assert_int_equal(
	    run_file(&r, CORPUS "pdfjs/encrypted-attachment.pdf"), DLP_OK);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_PLAIN);
	assert_string_equal(r.nodes[0].detail, "pdf-eff-only");
	assert_non_null(strstr(xrec_text(&r.nodes[0]), "Example"));
	assert_non_null(
	    c = xrec_find(&r, "encrypted-attachment.pdf/attachment.pdf"));
	assert_int_equal(c->enc, DLP_ENC_ENCRYPTED);
	assert_string_equal(c->detail, "pdf-aes-256");
	assert_true(c->done);
	xrec_free(&r);
}

struct member_limit {
	const char *name;
	unsigned max_members;
	size_t max_member_bytes;
	size_t max_expanded_bytes;
	const char *child_reason; /* NULL: the parent is marked */
	const char *parent_reason;
};

static void
test_member_limits_are_marked_and_partial(void **state)
{
	static const struct member_limit c[] = {
		{ "members per container", 1, 1u << 20, 1u << 20, NULL,
		    "limit:members" },
		{ "bytes per member", 10, 8, 1u << 20, "limit:size", NULL },
		{ "expanded bytes", 10, 1u << 20, 8, "limit:expanded", NULL },
	};
	struct dlp_config *cfg;
	struct dlp_limits lim;
	struct xrec r;
	struct xnode *ch;
	size_t i;

	if (!fixtures())
		return;
	cfg = config_defaults();
	assert_non_null(cfg);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		print_message("# %s\n", c[i].name);
		lim = cfg->limits;
		lim.max_members = c[i].max_members;
		lim.max_member_bytes = c[i].max_member_bytes;
		lim.max_expanded_bytes = c[i].max_expanded_bytes;
		xrec_init(&r, &lim);
		assert_int_equal(run_file(&r, "att2.pdf"), DLP_PARTIAL);
		if (c[i].parent_reason != NULL) {
			assert_int_equal(
			    r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
			assert_string_equal(
			    r.nodes[0].detail, c[i].parent_reason);
			assert_int_equal(r.n, 2); /* one member, then cut */
		} else {
			assert_non_null(
			    ch = xrec_find(&r, "att2.pdf/roster.txt"));
			assert_int_equal(ch->enc, DLP_ENC_NOT_INSPECTABLE);
			assert_string_equal(ch->detail, c[i].child_reason);
			assert_string_equal(xrec_text(ch), "");
		}
		xrec_free(&r);
	}
	config_free(cfg);
}

/* Page, time and text limits */

static void
test_page_limit_marks_the_node_and_keeps_what_was_read(void **state)
{
	struct dlp_config *cfg = config_defaults();
	struct dlp_limits lim;
	struct xrec r;

	if (!fixtures()) {
		config_free(cfg);
		return;
	}
	lim = cfg->limits;
	lim.pdf_max_pages = 1;
	xrec_init(&r, &lim);
	assert_int_equal(run_file(&r, "ja.pdf"), DLP_PARTIAL);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(r.nodes[0].detail, "limit:pages");
	assert_non_null(strstr(xrec_text(&r.nodes[0]), MN1));
	assert_null(strstr(xrec_text(&r.nodes[0]), "二頁目"));
	xrec_free(&r);
	config_free(cfg);
}

static void
test_time_limit_marks_the_node(void **state)
{
	struct dlp_config *cfg = config_defaults();
	struct dlp_limits lim;
	struct xrec r;

	if (!fixtures()) {
		config_free(cfg);
		return;
	}
	lim = cfg->limits;
	lim.pdf_max_ms = 0;
	xrec_init(&r, &lim);
	assert_int_equal(run_file(&r, "ja.pdf"), DLP_PARTIAL);
	assert_int_equal(r.nodes[0].enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(r.nodes[0].detail, "limit:time");
	assert_string_equal(xrec_text(&r.nodes[0]), "");
	xrec_free(&r);
	config_free(cfg);
}

static int
text_refused(void *arg, long id, const char *charset, const void *data,
    size_t len, unsigned flags)
{
	return -1;
}

static void
test_a_full_text_budget_stops_reading(void **state)
{
	struct xrec r;

	if (!fixtures())
		return;
	xrec_init(&r, NULL);
	r.sink.node_text = text_refused; /* the sink's budget is full */
	assert_int_equal(run_file(&r, "ja.pdf"), DLP_PARTIAL);
	/* one page located, then the reading stopped */
	assert_int_equal(r.nodes[0].n_locs, 1);
	xrec_free(&r);
}

/* Damage */

static void
test_unreadable_pdfs_are_input_errors(void **state)
{
	/* poppler opens this one, but finds no page in it */
	static const char nopages[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog "
				      "/Pages 9 0 R >>\nendobj\ntrailer\n<< "
				      "/Root 1 0 R /Size 1 >>\n%%EOF\n";
	struct xrec r;
	long id;

	xrec_init(&r, NULL);
	id = xrec_node_new(&r, -1, "x.pdf", 5);
	assert_int_equal(extract_pdf(r.x, id, 0, "hello", 5), DLP_EINPUT);
	assert_int_equal(extract_pdf(r.x, id, 0, NULL, 0), DLP_EINPUT);
	assert_int_equal(
	    extract_pdf(r.x, id, 0, "%PDF-1.4\n%%EOF\n", 15), DLP_EINPUT);
	assert_int_equal(
	    extract_pdf(r.x, id, 0, nopages, sizeof(nopages) - 1), DLP_EINPUT);
	assert_string_equal(xrec_text(&r.nodes[id]), "");
	xrec_free(&r);
}

static void
test_a_page_tree_cycle_ends_quickly_as_damage(void **state)
{
	/* the page tree names itself among its kids */
	static const char *const obj[] = {
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 99 99] >>",
	};
	char pdf[1024];
	size_t off[3], n, i;
	struct xrec r;
	double t0;
	int rc;

	n = (size_t)snprintf(pdf, sizeof(pdf), "%%PDF-1.4\n");
	for (i = 0; i < 3; i++) {
		off[i] = n;
		n += (size_t)snprintf(pdf + n, sizeof(pdf) - n,
		    "%zu 0 obj\n%s\nendobj\n", i + 1, obj[i]);
	}
	n += (size_t)snprintf(pdf + n, sizeof(pdf) - n,
	    "xref\n0 4\n0000000000 65535 f \n%010zu 00000 n \n%010zu 00000 "
	    "n \n%010zu 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R >>\n"
	    "startxref\n%zu\n%%%%EOF\n",
	    off[0], off[1], off[2], n);
	xrec_init(&r, NULL);
	t0 = now_ms();
	rc = xrec_run(&r, "cycle.pdf", pdf, n);
	assert_true(now_ms() - t0 < 5000);
	assert_int_equal(rc, DLP_EINPUT);
	assert_string_equal(r.nodes[0].detail, "corrupt");
	xrec_free(&r);
}

static void
test_mutated_pdfs_never_crash(void **state)
{
	static const char *const seeds[] = { "ja.pdf", "att.pdf", "aes128o.pdf",
		"form.pdf" };
	unsigned char *orig, *buf;
	unsigned seed = 20240401, k, j;
	size_t len, i, n;
	struct xrec r;
	char path[512];
	int rc;

	if (!fixtures())
		return;
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, seeds[i]);
		assert_non_null(orig = xrec_read_file(path, &len));
		for (k = 0; k < 60; k++) {
			assert_non_null(buf = malloc(len));
			memcpy(buf, orig, len);
			n = len;
			if (k % 4 == 3)
				n = (size_t)rand_r(&seed) % len; /* truncated */
			else
				for (j = 0; j < 1 + k % 16; j++)
					buf[(size_t)rand_r(&seed) % len] =
					    (unsigned char)rand_r(&seed);
			xrec_init(&r, NULL);
			rc = xrec_run(&r, "m.pdf", buf, n);
			assert_true(rc == DLP_OK || rc == DLP_PARTIAL ||
			    rc == DLP_EINPUT);
			assert_true(r.nodes[0].done);
			xrec_free(&r);
			free(buf);
		}
		free(orig);
	}
}

/*
 * read_calls: the read(2) calls this process has made (/proc/self/io),
 * or -1 when the kernel does not count them. One read() of its own,
 * counted by the next call.
 */
static long long
read_calls(void)
{
	char buf[1024], *p;
	long long n = -1;
	ssize_t len;
	int fd;

	if ((fd = open("/proc/self/io", O_RDONLY)) < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	if ((p = strstr(buf, "syscr: ")) != NULL)
		n = strtoll(p + 7, NULL, 10);
	return n;
}

/*
 * A document whose text needs poppler-data (a CID font without its
 * program, as Japanese office documents have: CMap UniJIS-UCS2-H, CID to
 * Unicode table Adobe-Japan1), read once, then again after another
 * document: the second time poppler reads no file at all (GlobalParams
 * was not rebuilt; it rereads some 60 files when it is), and the text is
 * the same.
 */
static void
test_poppler_global_state_is_kept_between_documents(void **state)
{
	struct xrec r;
	char path[512], *first;
	unsigned char *data;
	long long before, after;
	size_t len = 0;

	if (!fixtures())
		return;
	xrec_init(&r, NULL);
	assert_int_equal(run_file(&r, "cid.pdf"), DLP_OK);
	assert_non_null(
	    strstr(xrec_text(&r.nodes[0]), "個人番号 " MN2 " 鈴木花子\n"));
	assert_non_null(first = strdup(xrec_text(&r.nodes[0])));
	xrec_free(&r);
	xrec_init(&r, NULL);
	assert_int_equal(run_file(&r, "ja.pdf"), DLP_OK);
	xrec_free(&r);

	snprintf(path, sizeof(path), "%s/cid.pdf", dir);
	assert_non_null(data = xrec_read_file(path, &len));
	xrec_init(&r, NULL);
	before = read_calls();
	assert_int_equal(xrec_run(&r, "cid.pdf", data, len), DLP_OK);
	after = read_calls();
	assert_string_equal(xrec_text(&r.nodes[0]), first);
	xrec_free(&r);
	free(data);
	free(first);
	if (before < 0 || after < 0) {
		print_message("# skipped: no /proc/self/io\n");
		return;
	}
	/* the one read() of read_calls() itself */
	assert_int_equal(after - before, 1);
}

static void
test_poppler_messages_reach_neither_stdout_nor_stderr(void **state)
{
	static const char broken[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog "
				     "/Pages 9 0 R >>\nendobj\ntrailer\n<< "
				     "/Root 1 0 R /Size 1 >>\n%%EOF\n";
	char path[] = "/tmp/test_extract_pdf_out.XXXXXX";
	struct xrec r;
	struct stat st;
	int fd, saved[2], i;

	/* GLib prints poppler's INFO messages (to stdout) with this set */
	setenv("G_MESSAGES_DEBUG", "all", 1);
	assert_true((fd = mkstemp(path)) >= 0);
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < 2; i++) {
		assert_true((saved[i] = dup(i + 1)) >= 0);
		assert_int_equal(dup2(fd, i + 1), i + 1);
	}
	xrec_init(&r, NULL);
	(void)xrec_run(&r, "broken.pdf", broken, sizeof(broken) - 1);
	xrec_free(&r);
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < 2; i++) {
		assert_int_equal(dup2(saved[i], i + 1), i + 1);
		close(saved[i]);
	}
	unsetenv("G_MESSAGES_DEBUG");
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	unlink(path);
	assert_int_equal(st.st_size, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_poppler_messages_reach_neither_stdout_nor_stderr),
		cmocka_unit_test(
		    test_japanese_text_is_read_per_page_with_its_location),
		cmocka_unit_test(test_form_fields_and_comments_are_text),
		cmocka_unit_test(
		    test_each_encryption_is_judged_by_the_empty_password),
		cmocka_unit_test(test_every_pdf_row_of_the_corpus_manifest),
		cmocka_unit_test(
		    test_poppler_opening_an_encrypted_file_as_plain_is_overruled),
		cmocka_unit_test(test_embedded_files_are_members_and_read),
		cmocka_unit_test(
		    test_eff_only_documents_have_encrypted_members),
		cmocka_unit_test(test_member_limits_are_marked_and_partial),
		cmocka_unit_test(
		    test_page_limit_marks_the_node_and_keeps_what_was_read),
		cmocka_unit_test(test_time_limit_marks_the_node),
		cmocka_unit_test(test_a_full_text_budget_stops_reading),
		cmocka_unit_test(test_unreadable_pdfs_are_input_errors),
		cmocka_unit_test(test_a_page_tree_cycle_ends_quickly_as_damage),
		cmocka_unit_test(test_mutated_pdfs_never_crash),
		cmocka_unit_test(
		    test_poppler_global_state_is_kept_between_documents),
	};

	return cmocka_run_group_tests(tests, make_fixtures, remove_fixtures);
}
