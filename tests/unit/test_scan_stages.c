/*
 * Where a scan's time goes (scan.c's stage clock, dlp.h's struct
 * dlp_stage_times), through the public API: the stages add up to no
 * more than the scan's elapsed time; each stage that ran has time and
 * one that did not has none (a plain text mail never extracts, an xlsx
 * attachment does); detection run on an archive member's text from
 * inside the extractor is charged to detect, not extract; the bytes
 * each stage read are exact and do not depend on how the message was
 * fed; a message inside a zip is parsed as mime, HTML is rendered by
 * extract; a scan that was not needed spends only other; and the JSON
 * report carries it all.
 *
 * The numbers are synthetic, made here from a fixed seed with a valid
 * check digit.
 *
 * The stage clock is read here as this thread's CPU time (clock_gettime()
 * below stands in for libc's): on the wall clock, a preemption is charged
 * to whichever stage was running, and on a loaded machine (CI runs the
 * tests two at a time beside other work) one landed in extract and made
 * it outweigh detect. CPU time is the stages' own work only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "dlp.h"
#include "report.h"
#include "zipbuild_util.h"

static char dir[] = "/tmp/dlp-test-stages-XXXXXX";
static struct dlp_engine *eng;

static int
setup(void **state)
{
	char path[256], cwd[512], msg[1200];
	struct dlp_error err = { 0 };
	FILE *fp;

	if (mkdtemp(dir) == NULL || getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/c.yaml", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fprintf(fp,
	    "rules:\n  dir: %s/patterns\n"
	    "policy:\n  internal_domains: [example.jp]\n",
	    cwd);
	fclose(fp);
	if ((eng = dlp_engine_load(path, &err)) == NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "engine: %s\n", msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	dlp_engine_unref(eng);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A synthetic My Number: 11 digits from seed, then the check digit. */
static void
my_number(unsigned long *seed, char out[13])
{
	int sum = 0, n, q, r;

	for (n = 0; n < 11; n++) {
		*seed = *seed * 6364136223846793005ul + 1442695040888963407ul;
		out[n] = (char)('0' + (*seed >> 33) % 10);
	}
	out[0] = out[0] == '0' ? '4' : out[0];
	for (n = 1; n <= 11; n++) {
		q = n <= 6 ? n + 1 : n - 5;
		sum += (out[11 - n] - '0') * q;
	}
	r = sum % 11;
	out[11] = (char)('0' + (r <= 1 ? 0 : 11 - r));
	out[12] = '\0';
}

/* rows lines of a roster, each with a context word and a number. */
static char *
roster(size_t rows)
{
	unsigned long seed = 20261122;
	struct buf b;
	char num[13], line[128];
	size_t i;

	buf_init(&b, 1u << 24);
	for (i = 0; i < rows; i++) {
		my_number(&seed, num);
		snprintf(line, sizeof(line),
		    "架空 太郎%zu\t東京都架空市1-2-%zu\t個人番号 %s\n", i,
		    i % 30 + 1, num);
		assert_int_equal(buf_puts(&b, line), BUF_OK);
	}
	return buf_steal(&b, NULL);
}

/* A message: a text body, and the attachment when data is not NULL. */
static char *
mail(const char *body, const char *name, const char *type,
    const unsigned char *data, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf m;
	size_t i;
	char q[4], head[1024];

	buf_init(&m, 1u << 26);
	snprintf(head, sizeof(head),
	    "From: <a@example.jp>\r\nSubject: stages\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b\"\r\n"
	    "\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
	assert_int_equal(buf_puts(&m, head), BUF_OK);
	assert_int_equal(buf_puts(&m, body), BUF_OK);
	if (data != NULL) {
		snprintf(head, sizeof(head),
		    "\r\n--b\r\nContent-Type: %s\r\n"
		    "Content-Disposition: attachment; filename=\"%s\"\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n",
		    type, name);
		assert_int_equal(buf_puts(&m, head), BUF_OK);
		for (i = 0; i < len; i += 3) {
			unsigned v = (unsigned)data[i] << 16 |
			    (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0) |
			    (i + 2 < len ? data[i + 2] : 0);

			q[0] = b64[v >> 18 & 63];
			q[1] = b64[v >> 12 & 63];
			q[2] = i + 1 < len ? b64[v >> 6 & 63] : '=';
			q[3] = i + 2 < len ? b64[v & 63] : '=';
			assert_int_equal(buf_append(&m, q, 4), BUF_OK);
			if (i % 57 == 54)
				assert_int_equal(
				    buf_append(&m, "\r\n", 2), BUF_OK);
		}
	}
	assert_int_equal(buf_puts(&m, "\r\n--b--\r\n"), BUF_OK);
	return buf_steal(&m, NULL);
}

static const char *const outside[] = { "<x@outside.test>" };

static struct dlp_scan *
scan_chunked(const char *msg, size_t chunk, const char *const *rcpts)
{
	struct dlp_envelope env = { "<a@example.jp>", rcpts, 1, NULL, 0 };
	struct dlp_scan *s = dlp_scan_new(eng, &env);
	size_t off, len = strlen(msg), n;

	assert_non_null(s);
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		assert_int_not_equal(
		    dlp_scan_feed(s, msg + off, n), DLP_EFATAL);
	}
	assert_int_not_equal(dlp_scan_finish(s), DLP_EFATAL);
	assert_non_null(dlp_scan_report(s));
	return s;
}

/*
 * libc's clock_gettime(), as scan.c (linked from libdlp.a into this
 * program) sees it: CLOCK_MONOTONIC is this thread's CPU time.
 */
int
clock_gettime(clockid_t id, struct timespec *ts)
{
	if (id == CLOCK_MONOTONIC)
		id = CLOCK_THREAD_CPUTIME_ID;
	return (int)syscall(SYS_clock_gettime, id, ts);
}

/* The stages add up to at most the elapsed time, which is elapsed_ms. */
static void
assert_adds_up(const struct dlp_report *r)
{
	const struct dlp_stage_times *st = &r->stages;
	uint64_t sum = 0;
	unsigned k;

	for (k = 0; k < DLP_N_STAGES; k++)
		sum += st->ns[k];
	assert_true(sum > 0);
	assert_true(sum <= st->elapsed_ns);
	assert_int_equal(r->elapsed_ms, st->elapsed_ns / 1000000u);
}

static void
test_plain_text_mail_runs_every_stage_but_extract(void **state)
{
	char *body = roster(20), *msg = mail(body, NULL, NULL, NULL, 0);
	struct dlp_scan *s = scan_chunked(msg, 1 << 20, outside);
	const struct dlp_report *r = dlp_scan_report(s);
	const struct dlp_stage_times *st = &r->stages;

	assert_int_equal(r->action, DLP_REJECT);
	assert_adds_up(r);
	assert_true(st->ns[DLP_STAGE_MIME] > 0);
	assert_true(st->ns[DLP_STAGE_NORMALIZE] > 0);
	assert_true(st->ns[DLP_STAGE_DETECT] > 0);
	assert_true(st->ns[DLP_STAGE_OTHER] > 0);
	assert_int_equal(st->ns[DLP_STAGE_EXTRACT], 0);
	assert_int_equal(st->bytes[DLP_STAGE_EXTRACT], 0);
	/* mime read the raw message; the body (plus the subject) was
	   normalised, and its normalised form detected */
	assert_int_equal(st->bytes[DLP_STAGE_MIME], strlen(msg));
	assert_true(st->bytes[DLP_STAGE_NORMALIZE] >= strlen(body));
	assert_true(st->bytes[DLP_STAGE_DETECT] >= strlen(body));
	assert_int_equal(st->bytes[DLP_STAGE_OTHER], 0);
	dlp_scan_free(s);
	free(msg);
	free(body);
}

#define XMLDECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
#define PKG_NS	"http://schemas.openxmlformats.org/package/2006/"
#define REL_NS \
	"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define S_NS                                                                   \
	"xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
	"xmlns:r=\"" REL_NS "\""

/* An xlsx with one sheet of rows: name, 個人番号, a number. */
static unsigned char *
xlsx(size_t rows, size_t *len)
{
	unsigned long seed = 7;
	struct zpart parts[5] = {
		{ "[Content_Types].xml",
		    XMLDECL "<Types xmlns=\"" PKG_NS "content-types\">"
			    "<Default Extension=\"xml\" "
			    "ContentType=\"application/xml\"/>"
			    "<Override PartName=\"/xl/workbook.xml\" "
			    "ContentType=\"application/"
			    "vnd.openxmlformats-officedocument.spreadsheetml."
			    "sheet.main+xml\"/></Types>",
		    0 },
		{ "_rels/.rels",
		    XMLDECL "<Relationships xmlns=\"" PKG_NS "relationships\">"
			    "<Relationship Id=\"rId1\" Type=\"" REL_NS
			    "/officeDocument\" Target=\"xl/workbook.xml\"/>"
			    "</Relationships>",
		    0 },
		{ "xl/workbook.xml",
		    XMLDECL "<workbook " S_NS "><sheets><sheet name=\"名簿\" "
			    "sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
		    0 },
		{ "xl/_rels/workbook.xml.rels",
		    XMLDECL "<Relationships xmlns=\"" PKG_NS "relationships\">"
			    "<Relationship Id=\"rId1\" Type=\"" REL_NS
			    "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
			    "</Relationships>",
		    0 },
		{ "xl/worksheets/sheet1.xml", NULL, 0 },
	};
	unsigned char *zip;
	struct buf sheet;
	char num[13], row[512];
	size_t i;

	buf_init(&sheet, 1u << 24);
	assert_int_equal(
	    buf_puts(&sheet, XMLDECL "<worksheet " S_NS "><sheetData>"),
	    BUF_OK);
	for (i = 1; i <= rows; i++) {
		my_number(&seed, num);
		snprintf(row, sizeof(row),
		    "<row r=\"%zu\"><c r=\"A%zu\" t=\"inlineStr\"><is><t>"
		    "架空 花子%zu</t></is></c><c r=\"B%zu\" t=\"inlineStr\">"
		    "<is><t>個人番号</t></is></c><c r=\"C%zu\"><v>%s</v></c>"
		    "</row>",
		    i, i, i, i, i, num);
		assert_int_equal(buf_puts(&sheet, row), BUF_OK);
	}
	assert_int_equal(buf_puts(&sheet, "</sheetData></worksheet>"), BUF_OK);
	parts[4].data = buf_cstr(&sheet);
	parts[4].len = sheet.len;
	zip = zip_build(parts, 5, NULL, len);
	assert_non_null(zip);
	buf_free(&sheet);
	return zip;
}

static void
test_xlsx_attachment_spends_time_extracting(void **state)
{
	size_t len;
	unsigned char *x = xlsx(200, &len);
	char *msg = mail("ご確認ください。\r\n", "名簿.xlsx",
	    "application/octet-stream", x, len);
	struct dlp_scan *s = scan_chunked(msg, 1 << 20, outside);
	const struct dlp_report *r = dlp_scan_report(s);
	const struct dlp_stage_times *st = &r->stages;
	size_t i;
	bool found = false;

	for (i = 0; i < r->n_findings; i++)
		found |= strcmp(r->findings[i].path, "2/名簿.xlsx") == 0 &&
		    strcmp(r->findings[i].kind, "my_number") == 0;
	assert_true(found);
	assert_adds_up(r);
	assert_true(st->ns[DLP_STAGE_MIME] > 0);
	assert_true(st->ns[DLP_STAGE_EXTRACT] > 0);
	assert_true(st->ns[DLP_STAGE_NORMALIZE] > 0);
	assert_true(st->ns[DLP_STAGE_DETECT] > 0);
	assert_true(st->ns[DLP_STAGE_OTHER] > 0);
	/* the decoded xlsx went to extraction, and its cells' text (more
	   than the numbers alone) to the text stages */
	assert_int_equal(st->bytes[DLP_STAGE_EXTRACT], len);
	assert_true(st->bytes[DLP_STAGE_NORMALIZE] > 200 * 12);
	assert_true(st->bytes[DLP_STAGE_DETECT] > 200 * 12);
	dlp_scan_free(s);
	free(msg);
	free(x);
}

/*
 * A roster in a zip in a zip, stored: the rules work on the member's text
 * from inside the extractors. Were detection charged to the stage that
 * called it, extract would hold it and detect would keep only the few
 * microseconds of the short body. The yardstick is the same text scanned
 * as the body of a plain mail, after the zipped one (so its caches are
 * warm and it is no slower for being first): the zipped scan's detect
 * must hold at least half of that. (Extraction's own work is not small
 * beside detection: libmagic spends 3-5 ms on a text member.)
 */
static void
test_detection_inside_nested_archives_is_detect(void **state)
{
	char *text = roster(3000);
	struct zpart inner_parts[] = { { "名簿.txt", text, 0 } };
	struct zpart outer_parts[] = { { "inner.zip", NULL, 0 } };
	const struct dlp_stage_times *st;
	const struct dlp_report *r;
	unsigned char *inner, *outer;
	size_t inner_len, outer_len, i;
	struct dlp_scan *s, *plain;
	char *msg, *plain_msg;
	uint64_t plain_detect;
	bool found = false;

	inner = zip_build(inner_parts, 1, "zip:compression=store", &inner_len);
	assert_non_null(inner);
	outer_parts[0].data = (const char *)inner;
	outer_parts[0].len = inner_len;
	outer = zip_build(outer_parts, 1, "zip:compression=store", &outer_len);
	assert_non_null(outer);
	msg = mail("添付します。\r\n", "outer.zip", "application/zip", outer,
	    outer_len);
	s = scan_chunked(msg, 1 << 20, outside);
	r = dlp_scan_report(s);
	st = &r->stages;
	for (i = 0; i < r->n_findings; i++)
		found |= strcmp(r->findings[i].path,
			     "2/outer.zip/inner.zip/名簿.txt") == 0;
	assert_true(found);
	assert_adds_up(r);
	assert_true(st->ns[DLP_STAGE_EXTRACT] > 0);
	/* only the MIME part was handed to extraction; its members' text
	   was normalised and detected */
	assert_int_equal(st->bytes[DLP_STAGE_EXTRACT], outer_len);
	assert_true(st->bytes[DLP_STAGE_NORMALIZE] >= strlen(text));
	assert_true(st->bytes[DLP_STAGE_DETECT] >= strlen(text));
	plain_msg = mail(text, NULL, NULL, NULL, 0);
	plain = scan_chunked(plain_msg, 1 << 20, outside);
	plain_detect = dlp_scan_report(plain)->stages.ns[DLP_STAGE_DETECT];
	assert_true(plain_detect > 0);
	assert_true(st->ns[DLP_STAGE_DETECT] >= plain_detect / 2);
	dlp_scan_free(plain);
	free(plain_msg);
	dlp_scan_free(s);
	free(msg);
	free(outer);
	free(inner);
	free(text);
}

static void
test_bytes_do_not_depend_on_the_chunks(void **state)
{
	char *body = roster(30), *msg = mail(body, NULL, NULL, NULL, 0);
	struct dlp_scan *a = scan_chunked(msg, 1 << 20, outside);
	struct dlp_scan *b = scan_chunked(msg, 7, outside);
	const struct dlp_stage_times *x = &dlp_scan_report(a)->stages;
	const struct dlp_stage_times *y = &dlp_scan_report(b)->stages;
	unsigned k;

	for (k = 0; k < DLP_N_STAGES; k++)
		assert_int_equal(x->bytes[k], y->bytes[k]);
	assert_adds_up(dlp_scan_report(b));
	dlp_scan_free(a);
	dlp_scan_free(b);
	free(msg);
	free(body);
}

/* A mail inside a zip is parsed by the MIME parser: mime reads it too. */
static void
test_a_message_in_a_zip_is_mime(void **state)
{
	static const char eml[] =
	    "From: <b@example.jp>\r\nTo: <c@example.jp>\r\n"
	    "Subject: inner\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	    "転送します。\r\n";
	struct zpart parts[] = { { "fwd.eml", eml, 0 } };
	const struct dlp_report *r;
	unsigned char *zip;
	struct dlp_scan *s;
	size_t len, i;
	char *msg;
	bool inner = false;

	zip = zip_build(parts, 1, "zip:compression=store", &len);
	assert_non_null(zip);
	msg = mail("添付します。\r\n", "m.zip", "application/zip", zip, len);
	s = scan_chunked(msg, 1 << 20, outside);
	r = dlp_scan_report(s);
	for (i = 0; i < r->n_nodes; i++)
		inner |= strcmp(r->nodes[i].path, "2/m.zip/fwd.eml/1") == 0 ||
		    strcmp(r->nodes[i].path, "2/m.zip/fwd.eml") == 0;
	assert_true(inner);
	assert_int_equal(
	    r->stages.bytes[DLP_STAGE_MIME], strlen(msg) + strlen(eml));
	assert_adds_up(r);
	dlp_scan_free(s);
	free(msg);
	free(zip);
}

/* HTML is rendered to text: extraction, though no extractor ran. */
static void
test_html_rendering_is_extract(void **state)
{
	static const char html[] =
	    "<html><body><table><tr><td>氏名</td><td>架空 太郎</td></tr>"
	    "</table></body></html>\r\n";
	char msg[1024];
	struct dlp_scan *s;
	const struct dlp_report *r;

	snprintf(msg, sizeof(msg),
	    "From: <a@example.jp>\r\nSubject: html\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n\r\n%s",
	    html);
	s = scan_chunked(msg, 1 << 20, outside);
	r = dlp_scan_report(s);
	assert_adds_up(r);
	assert_true(r->stages.ns[DLP_STAGE_EXTRACT] > 0);
	assert_int_equal(r->stages.bytes[DLP_STAGE_EXTRACT], strlen(html));
	dlp_scan_free(s);
}

static void
test_a_scan_not_needed_spends_only_other(void **state)
{
	static const char *const internal[] = { "<b@example.jp>" };
	char *msg = mail("社内連絡\r\n", NULL, NULL, NULL, 0);
	struct dlp_scan *s = scan_chunked(msg, 1 << 20, internal);
	const struct dlp_report *r = dlp_scan_report(s);
	unsigned k;

	assert_true(r->skipped);
	assert_adds_up(r);
	for (k = 0; k < DLP_N_STAGES; k++) {
		assert_int_equal(r->stages.bytes[k], 0);
		if (k != DLP_STAGE_OTHER)
			assert_int_equal(r->stages.ns[k], 0);
	}
	dlp_scan_free(s);
	free(msg);
}

static void
test_json_report_carries_the_stages(void **state)
{
	size_t len;
	unsigned char *x = xlsx(20, &len);
	char *msg =
	    mail("本文\r\n", "a.xlsx", "application/octet-stream", x, len);
	struct dlp_scan *s = scan_chunked(msg, 1 << 20, outside);
	const struct dlp_report *r = dlp_scan_report(s);
	json_t *j, *o, *st;
	unsigned k;

	assert_non_null(j = report_json(r, false));
	assert_true(json_is_object(st = json_object_get(j, "stages")));
	assert_int_equal(json_object_size(st), DLP_N_STAGES + 1);
	assert_int_equal(json_integer_value(json_object_get(st, "elapsed_ns")),
	    r->stages.elapsed_ns);
	for (k = 0; k < DLP_N_STAGES; k++) {
		o = json_object_get(st, dlp_stage_name((enum dlp_stage)k));
		assert_true(json_is_object(o));
		assert_int_equal(json_integer_value(json_object_get(o, "ns")),
		    r->stages.ns[k]);
		assert_int_equal(
		    json_integer_value(json_object_get(o, "bytes")),
		    r->stages.bytes[k]);
	}
	assert_true(json_integer_value(json_object_get(
			json_object_get(st, "extract"), "ns")) > 0);
	json_decref(j);
	/* the short form (the audit trail's): microseconds, no bytes */
	assert_non_null(st = report_stages_json(&r->stages, false));
	assert_int_equal(json_object_size(st), DLP_N_STAGES);
	assert_int_equal(json_integer_value(json_object_get(st, "detect")),
	    r->stages.ns[DLP_STAGE_DETECT] / 1000u);
	json_decref(st);
	assert_string_equal(dlp_stage_name(DLP_STAGE_NORMALIZE), "normalize");
	assert_string_equal(dlp_stage_name((enum dlp_stage)DLP_N_STAGES), "?");
	dlp_scan_free(s);
	free(msg);
	free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_plain_text_mail_runs_every_stage_but_extract),
		cmocka_unit_test(test_xlsx_attachment_spends_time_extracting),
		cmocka_unit_test(
		    test_detection_inside_nested_archives_is_detect),
		cmocka_unit_test(test_bytes_do_not_depend_on_the_chunks),
		cmocka_unit_test(test_a_message_in_a_zip_is_mime),
		cmocka_unit_test(test_html_rendering_is_extract),
		cmocka_unit_test(test_a_scan_not_needed_spends_only_other),
		cmocka_unit_test(test_json_report_carries_the_stages),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
