/*
 * Unit tests for audit: the event's fields (time with its zone, distinct
 * lower-case recipient domains, per node SHA-256, encryption and findings
 * by kind with masked samples and fingerprints, the time per stage in
 * microseconds), the event without a
 * report, no detected value in clear in the line (for a hand-made report
 * and for a real scan of a synthetic My Number), the log file: reopen
 * after a rename, a failed reopen, write errors, and four threads writing
 * whole lines only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "report.h"

#define T0 1795310100LL /* 2026-11-22 10:15:00 JST */

static char dir[] = "/tmp/dlp-test-audit-XXXXXX";

static int
setup(void **state)
{
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A My Number from 11 digits plus its check digit (the ordinance). */
static void
my_number(const char *first11, char out[13])
{
	int sum = 0, n, q, r;

	for (n = 1; n <= 11; n++) {
		q = n <= 6 ? n + 1 : n - 5;
		sum += (first11[11 - n] - '0') * q;
	}
	r = sum % 11;
	memcpy(out, first11, 11);
	out[11] = (char)('0' + (r <= 1 ? 0 : 11 - r));
	out[12] = '\0';
}

static char *
xs(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void
add_node(struct dlp_report *r, const char *path, const char *type, size_t size,
    enum dlp_encryption enc, const char *method, const char *reason,
    const char *sha)
{
	struct dlp_node *n = report_add_node(r);

	assert_non_null(n);
	n->path = xs(path);
	n->type = xs(type);
	n->size = size;
	n->encryption = enc;
	n->method = xs(method);
	n->reason = xs(reason);
	snprintf(n->sha256, sizeof(n->sha256), "%s", sha);
}

static void
add_finding(struct dlp_report *r, const char *path, const char *rule,
    const char *kind, enum dlp_confidence c, size_t count, const char *masked,
    const char *fp, bool monitor, const char *exception)
{
	struct dlp_finding *f = report_add_finding(r);

	assert_non_null(f);
	f->path = xs(path);
	f->rule_id = xs(rule);
	f->kind = xs(kind);
	f->confidence = c;
	f->count = count;
	f->masked = xs(masked);
	f->fingerprint = xs(fp);
	f->monitor = monitor;
	f->exception = xs(exception);
}

/* The issue-5 strings report_clear() may not free yet. */
static void
clear(struct dlp_report *r)
{
	size_t i;

	/* NULL after free: a report_clear() that frees them too is fine */
	for (i = 0; i < r->n_findings; i++) {
		free(r->findings[i].fingerprint);
		r->findings[i].fingerprint = NULL;
		free(r->findings[i].exception);
		r->findings[i].exception = NULL;
	}
	for (i = 0; i < r->n_exceptions; i++)
		free(r->exceptions[i]);
	free(r->exceptions);
	r->exceptions = NULL;
	r->n_exceptions = 0;
	free(r->message_id);
	r->message_id = NULL;
	report_clear(r);
}

static const char SHA_A[] =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
static const char SHA_B[] =
    "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

static void
sample_report(struct dlp_report *r, const char *clear_value)
{
	char *reason;

	memset(r, 0, sizeof(*r));
	r->action = DLP_REJECT;
	r->would_action = DLP_REJECT;
	r->reasons = calloc(1, sizeof(char *));
	reason = malloc(64);
	snprintf(reason, 64, "my_number: 12 distinct (high) -> reject");
	r->reasons[0] = reason;
	r->n_reasons = 1;
	r->why = DLP_WHY_PERSONAL | DLP_WHY_UNAPPROVED_ENC;
	r->subject = xs(clear_value); /* a subject may carry the value */
	r->message_id = xs("abc.123@example.jp");
	r->message_size = 48213;
	r->ruleset_version = "2026.11.1";
	r->stages.ns[DLP_STAGE_MIME] = 1234567;
	r->stages.ns[DLP_STAGE_DETECT] = 89000;
	r->stages.bytes[DLP_STAGE_MIME] = 48213;
	r->exceptions = calloc(1, sizeof(char *));
	r->exceptions[0] = xs("hr-payroll");
	r->n_exceptions = 1;
	add_node(r, "1", "text/plain", 120, DLP_ENC_PLAIN, NULL, NULL, SHA_A);
	r->nodes[0].text = xs(clear_value); /* DLP_SCAN_KEEP_TEXT */
	r->nodes[0].text_len = strlen(clear_value);
	add_node(r, "2/名簿.zip", "application/zip", 4096, DLP_ENC_PLAIN, NULL,
	    NULL, SHA_B);
	add_node(r, "2/名簿.zip/a.xlsx", "application/vnd.ms-excel", 9000,
	    DLP_ENC_NOT_INSPECTABLE, "zipcrypto", "unapproved-encryption", "");
	r->nodes[2].weak = true;
	add_finding(r, "1", "jp.my_number", "my_number", DLP_CONF_MEDIUM, 2,
	    "****-****-9018", "0123456789abcdef0123456789abcdef", false, NULL);
	add_finding(r, "1", "jp.my_number.ctx", "my_number", DLP_CONF_HIGH, 10,
	    "****-****-1111", "fedcba9876543210fedcba9876543210", false, NULL);
	add_finding(r, "1", "jp.phone", "phone", DLP_CONF_LOW, 3,
	    "***-****-0000", NULL, true, NULL);
	add_finding(r, "1", "jp.pension", "pension_number", DLP_CONF_HIGH, 1,
	    "****-**1234", NULL, false, "hr-payroll");
}

static json_t *
parse(const char *line)
{
	json_error_t e;
	json_t *j = json_loads(line, 0, &e);

	if (j == NULL)
		fail_msg("not JSON: %s: %s", e.text, line);
	return j;
}

static void
test_time_has_zone(void **state)
{
	char t[64];

	setenv("TZ", "JST-9", 1);
	tzset();
	audit_time(T0, t, sizeof(t));
	assert_string_equal(t, "2026-11-22T10:15:00+09:00");
	setenv("TZ", "UTC0", 1);
	tzset();
	audit_time(T0, t, sizeof(t));
	assert_string_equal(t, "2026-11-22T01:15:00+00:00");
	setenv("TZ", "<-0330>3:30", 1);
	tzset();
	audit_time(T0, t, sizeof(t));
	assert_string_equal(t, "2026-11-21T21:45:00-03:30");
	setenv("TZ", "JST-9", 1);
	tzset();
	/* 0 is now */
	audit_time(0, t, sizeof(t));
	assert_int_equal(strlen(t), 25);
}

static void
test_event_fields(void **state)
{
	const char *rcpts[] = { "<a@Example.COM>", "b@example.com",
		"c@Sub.Example.com", "noat", "<d@example.net>" };
	struct dlp_envelope env = { "<taro@example.jp>", rcpts, 5, "192.0.2.7",
		0 };
	struct dlp_report r;
	json_t *e, *n, *f, *k;
	char *s;

	sample_report(&r, "hello");
	e = audit_event("DLP-20261122-1A2B3C4D", "4ABCD1234", &env, &r,
	    DLP_REJECT, DLP_REJECT, NULL, T0);
	assert_non_null(e);
	s = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(json_string_value(json_object_get(e, "time")),
	    "2026-11-22T10:15:00+09:00");
	assert_string_equal(
	    json_string_value(json_object_get(e, "queue_id")), "4ABCD1234");
	assert_string_equal(json_string_value(json_object_get(e, "incident")),
	    "DLP-20261122-1A2B3C4D");
	assert_string_equal(
	    json_string_value(json_object_get(e, "sender")), "taro@example.jp");
	assert_string_equal(
	    json_string_value(json_object_get(e, "client")), "192.0.2.7");
	assert_non_null(strstr(s,
	    "\"recipient_domains\":[\"example.com\",\"sub.example.com\","
	    "\"example.net\"]"));
	assert_non_null(strstr(s, "\"recipients\":5"));
	assert_non_null(strstr(s, "\"size\":48213"));
	assert_non_null(strstr(s, "\"subject_length\":5"));
	assert_non_null(strstr(s, "\"action\":\"reject\""));
	assert_non_null(strstr(s, "\"would\":\"reject\""));
	assert_non_null(strstr(
	    s, "\"reasons\":[\"my_number: 12 distinct (high) -> reject\"]"));
	assert_non_null(
	    strstr(s, "\"why\":[\"personal\",\"unapproved_encryption\"]"));
	assert_non_null(strstr(s, "\"ruleset\":\"2026.11.1\""));
	assert_non_null(strstr(s, "\"exceptions\":[\"hr-payroll\"]"));
	assert_non_null(strstr(s, "\"skipped\":false"));
	assert_non_null(strstr(s, "\"partial\":false"));
	assert_non_null(strstr(s, "\"message_id\":\"abc.123@example.jp\""));
	assert_non_null(strstr(s, "\"error\":null"));
	/* where the scan's time went, in microseconds, without bytes */
	assert_non_null(strstr(s,
	    "\"stages_us\":{\"detect\":89,\"extract\":0,\"mime\":1234,"
	    "\"normalize\":0,\"other\":0}"));
	/* no subject, no text */
	assert_null(strstr(s, "hello"));

	n = json_object_get(e, "nodes");
	assert_int_equal(json_array_size(n), 3);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(n, 0), "sha256")),
	    SHA_A);
	assert_true(
	    json_is_null(json_object_get(json_array_get(n, 2), "sha256")));
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(n, 1), "path")),
	    "2/名簿.zip");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(n, 2), "encryption")),
	    "not-inspectable");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(n, 2), "method")),
	    "zipcrypto");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(n, 2), "reason")),
	    "unapproved-encryption");
	assert_true(
	    json_is_true(json_object_get(json_array_get(n, 2), "weak")));
	assert_int_equal(
	    json_array_size(json_object_get(json_array_get(n, 1), "findings")),
	    0);
	/* node 1: my_number summed over two rules, phone (monitor) and
	   pension (exception) counted 0 */
	f = json_object_get(json_array_get(n, 0), "findings");
	assert_int_equal(json_array_size(f), 3);
	k = json_array_get(f, 0);
	free(s);
	s = json_dumps(k, JSON_COMPACT);
	assert_string_equal(s,
	    "{\"kind\":\"my_number\",\"count\":12,\"counted\":12,"
	    "\"confidence\":\"high\",\"rules\":[\"jp.my_number\","
	    "\"jp.my_number.ctx\"],\"samples\":[\"****-****-9018\","
	    "\"****-****-1111\"],\"fingerprints\":["
	    "\"0123456789abcdef0123456789abcdef\","
	    "\"fedcba9876543210fedcba9876543210\"],\"exceptions\":[]}");
	free(s);
	s = json_dumps(json_array_get(f, 1), JSON_COMPACT);
	assert_non_null(strstr(s,
	    "\"kind\":\"phone\",\"count\":3,"
	    "\"counted\":0,\"confidence\":\"low\""));
	free(s);
	s = json_dumps(json_array_get(f, 2), JSON_COMPACT);
	assert_non_null(strstr(s, "\"counted\":0"));
	assert_non_null(strstr(s, "\"exceptions\":[\"hr-payroll\"]"));
	free(s);
	json_decref(e);
	clear(&r);
}

/* The engine failed: no report. */
static void
test_event_without_report(void **state)
{
	const char *rcpts[] = { "a@example.com" };
	struct dlp_envelope env = { "", rcpts, 1, NULL, 0 };
	json_t *e;
	char *s;

	e = audit_event("DLP-20261122-00000001", NULL, &env, NULL, DLP_TEMPFAIL,
	    DLP_TEMPFAIL, "out of memory", T0);
	assert_non_null(e);
	s = json_dumps(e, JSON_COMPACT);
	assert_non_null(strstr(s, "\"queue_id\":null"));
	assert_non_null(strstr(s, "\"sender\":\"\""));
	assert_non_null(strstr(s, "\"action\":\"tempfail\""));
	assert_non_null(strstr(s, "\"error\":\"out of memory\""));
	assert_non_null(strstr(s, "\"why\":[\"internal_error\"]"));
	assert_non_null(strstr(s, "\"nodes\":[]"));
	free(s);
	json_decref(e);
	/* and without an envelope */
	e = audit_event(
	    NULL, NULL, NULL, NULL, DLP_TEMPFAIL, DLP_TEMPFAIL, NULL, T0);
	assert_non_null(e);
	assert_int_equal(
	    json_array_size(json_object_get(e, "recipient_domains")), 0);
	json_decref(e);
}

/* Invalid UTF-8 in a path does not lose the event. */
static void
test_invalid_utf8(void **state)
{
	struct dlp_report r;
	json_t *e;
	char *s;

	sample_report(&r, "x");
	free(r.nodes[1].path);
	r.nodes[1].path = xs("2/\xff\xfe.zip");
	e = audit_event(
	    "DLP-1", NULL, NULL, &r, DLP_REJECT, DLP_REJECT, NULL, T0);
	assert_non_null(e);
	s = json_dumps(e, JSON_COMPACT);
	assert_non_null(strstr(s, "\"path\":\"(invalid UTF-8)\""));
	free(s);
	json_decref(e);
	clear(&r);
}

static char *
read_all(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return buf;
}

/* A report holding a value in its text and subject: the line does not. */
static void
test_no_clear_value_in_line(void **state)
{
	const char *rcpts[] = { "a@example.com" };
	struct dlp_envelope env = { "taro@example.jp", rcpts, 1, NULL, 0 };
	struct dlp_report r;
	struct audit_log *l;
	char num[13], path[256], dashed[16], *text;
	json_t *e;

	my_number("40280735612", num);
	snprintf(
	    dashed, sizeof(dashed), "%.4s-%.4s-%.4s", num, num + 4, num + 8);
	sample_report(&r, num);
	snprintf(path, sizeof(path), "%s/clear.jsonl", dir);
	l = audit_log_open(path);
	assert_non_null(l);
	e = audit_event(
	    "DLP-1", "Q1", &env, &r, DLP_REJECT, DLP_REJECT, NULL, T0);
	assert_int_equal(audit_log_write(l, e), 0);
	json_decref(e);
	audit_log_close(l);
	text = read_all(path);
	assert_null(strstr(text, num));
	assert_null(strstr(text, dashed));
	assert_null(strstr(text, num + 4)); /* not even the last 8 digits */
	assert_non_null(strstr(text, "****-****-9018"));
	free(text);
	clear(&r);
}

/* A file name that held the value: the path's names are masked. */
static void
test_file_name_value_masked(void **state)
{
	struct dlp_report r;
	char *s;
	json_t *e;

	sample_report(&r, "x");
	free(r.nodes[1].path);
	r.nodes[1].path = xs("2/申請書_402807356121.zip");
	free(r.nodes[2].path);
	r.nodes[2].path = xs("2/申請書_402807356121.zip/２０２４.xlsx");
	add_node(
	    &r, "3/2024.csv", "text/csv", 10, DLP_ENC_PLAIN, NULL, NULL, SHA_A);
	add_finding(&r, "2/申請書_402807356121.zip", "jp.my_number",
	    "my_number", DLP_CONF_LOW, 1, "****-****-6121", NULL, false, NULL);
	free(r.findings[4].location);
	r.findings[4].location = xs("name");
	e = audit_event(
	    "DLP-1", NULL, NULL, &r, DLP_REJECT, DLP_REJECT, NULL, T0);
	s = json_dumps(e, JSON_COMPACT);
	assert_null(strstr(s, "402807356121"));
	assert_non_null(strstr(s, "\"path\":\"2/申請書_************.zip\""));
	assert_non_null(
	    strstr(s, "\"path\":\"2/申請書_************.zip/＊＊＊＊.xlsx\""));
	assert_non_null(strstr(s, "\"path\":\"3/2024.csv\""));
	assert_non_null(strstr(s, "\"path\":\"1\""));
	free(s);
	json_decref(e);
	clear(&r);
}

/* A real scan of a synthetic My Number next to its context word. */
static void
test_real_scan_leaks_nothing(void **state)
{
	char cwd[512], cfg[256], path[256], num[13], spaced[20], msg[1024],
	    errs[1200], *text;
	const char *rcpts[] = { "partner@example.com" };
	struct dlp_envelope env = { "taro@example.jp", rcpts, 1, NULL, 0 };
	struct dlp_error err = { 0 };
	const struct dlp_report *r;
	struct dlp_engine *eng;
	struct dlp_scan *s;
	struct audit_log *l;
	json_t *e;
	FILE *fp;
	int n;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(cfg, sizeof(cfg), "%s/c.yaml", dir);
	assert_non_null(fp = fopen(cfg, "w"));
	fprintf(fp, "rules:\n  dir: %s/patterns\n", cwd);
	fclose(fp);
	eng = dlp_engine_load(cfg, &err);
	if (eng == NULL) {
		dlp_error_format(&err, errs, sizeof(errs));
		fail_msg("%s", errs);
	}
	my_number("71936425803", num);
	snprintf(
	    spaced, sizeof(spaced), "%.4s %.4s %.4s", num, num + 4, num + 8);
	n = snprintf(msg, sizeof(msg),
	    "From: <taro@example.jp>\r\nTo: <partner@example.com>\r\n"
	    "Subject: =?UTF-8?B?44Oe44Kk44OK44Oz44OQ44O8?= %s\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
	    "マイナンバー: %s\r\n",
	    num, spaced);
	s = dlp_scan_new(eng, &env);
	assert_non_null(s);
	dlp_scan_set_flags(s, DLP_SCAN_KEEP_TEXT | DLP_SCAN_EXPLAIN);
	assert_int_not_equal(dlp_scan_feed(s, msg, (size_t)n), DLP_EFATAL);
	assert_int_not_equal(dlp_scan_finish(s), DLP_EFATAL);
	r = dlp_scan_report(s);
	assert_true(r->n_findings > 0);
	assert_true(r->action >= DLP_QUARANTINE);
	snprintf(path, sizeof(path), "%s/scan.jsonl", dir);
	l = audit_log_open(path);
	assert_non_null(l);
	e = audit_event(
	    "DLP-2", NULL, &env, r, r->action, r->would_action, NULL, T0);
	assert_int_equal(audit_log_write(l, e), 0);
	json_decref(e);
	audit_log_close(l);
	text = read_all(path);
	assert_null(strstr(text, num));
	assert_null(strstr(text, spaced));
	assert_null(strstr(text, num + 4));
	assert_non_null(strstr(text, "\"kind\":\"my_number\""));
	assert_non_null(strstr(text, num + 8)); /* the masked sample's tail */
	free(text);
	dlp_scan_free(s);
	dlp_engine_unref(eng);
}

static void
write_event(struct audit_log *l, const char *incident)
{
	json_t *e = audit_event(
	    incident, NULL, NULL, NULL, DLP_ACCEPT, DLP_ACCEPT, NULL, T0);

	assert_non_null(e);
	assert_int_equal(audit_log_write(l, e), 0);
	json_decref(e);
}

static void
test_reopen_after_rename(void **state)
{
	char path[256], moved[256], *a, *b;
	struct audit_log *l;
	struct stat st;

	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	snprintf(moved, sizeof(moved), "%s/audit.jsonl.1", dir);
	l = audit_log_open(path);
	assert_non_null(l);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640 & ~(mode_t)umask(022));
	write_event(l, "DLP-FIRST");
	assert_int_equal(rename(path, moved), 0);
	/* before the reopen, lines still go to the moved file */
	write_event(l, "DLP-SECOND");
	assert_int_equal(audit_log_reopen(l), 0);
	write_event(l, "DLP-THIRD");
	audit_log_close(l);
	a = read_all(moved);
	b = read_all(path);
	assert_non_null(strstr(a, "DLP-FIRST"));
	assert_non_null(strstr(a, "DLP-SECOND"));
	assert_null(strstr(a, "DLP-THIRD"));
	assert_null(strstr(b, "DLP-FIRST"));
	assert_non_null(strstr(b, "DLP-THIRD"));
	assert_int_equal(strchr(b, '\n') - b + 1, (long)strlen(b));
	free(a);
	free(b);
}

/* A reopen that fails keeps the old file in use. */
static void
test_reopen_failure_keeps_old_file(void **state)
{
	char sub[256], path[512], gone[256], *a;
	struct audit_log *l;

	snprintf(sub, sizeof(sub), "%s/logs", dir);
	snprintf(gone, sizeof(gone), "%s/logs.old", dir);
	snprintf(path, sizeof(path), "%s/a.jsonl", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	l = audit_log_open(path);
	assert_non_null(l);
	assert_int_equal(rename(sub, gone), 0);
	assert_int_equal(audit_log_reopen(l), -1);
	assert_int_equal(errno, ENOENT);
	write_event(l, "DLP-STILL");
	audit_log_close(l);
	snprintf(path, sizeof(path), "%s/a.jsonl", gone);
	a = read_all(path);
	assert_non_null(strstr(a, "DLP-STILL"));
	free(a);
}

static void
test_open_and_write_errors(void **state)
{
	struct audit_log *l;
	json_t *e;
	char path[256];

	snprintf(path, sizeof(path), "%s/no/such/dir/a.jsonl", dir);
	errno = 0;
	assert_null(audit_log_open(path));
	assert_int_equal(errno, ENOENT);
	assert_null(audit_log_open(NULL));
	assert_int_equal(audit_log_reopen(NULL), -1);
	audit_log_close(NULL);
	/* a full disk */
	l = audit_log_open("/dev/full");
	if (l != NULL) {
		e = audit_event(
		    "x", NULL, NULL, NULL, DLP_ACCEPT, DLP_ACCEPT, NULL, T0);
		errno = 0;
		assert_int_equal(audit_log_write(l, e), -1);
		assert_int_equal(errno, ENOSPC);
		assert_int_equal(audit_log_write(l, NULL), -1);
		json_decref(e);
		audit_log_close(l);
	}
}

#define THREADS		  4
#define EVENTS_PER_THREAD 400

struct writer {
	struct audit_log *l;
	int id;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	char *pad = malloc(20000), inc[64];
	json_t *e;
	int i;

	for (i = 0; i < EVENTS_PER_THREAD; i++) {
		/* lines of very different sizes, some past a page */
		size_t n = (size_t)((i * 7919 + w->id * 104729) % 19000);

		memset(pad, 'a' + w->id, n);
		pad[n] = '\0';
		snprintf(inc, sizeof(inc), "T%d-%d", w->id, i);
		e = audit_event(
		    inc, pad, NULL, NULL, DLP_ACCEPT, DLP_ACCEPT, NULL, T0);
		if (e == NULL || audit_log_write(w->l, e) != 0)
			abort();
		json_decref(e);
	}
	free(pad);
	return NULL;
}

static void
test_concurrent_writers_whole_lines(void **state)
{
	struct writer w[THREADS];
	pthread_t th[THREADS];
	char path[256], *text, *line, *nl;
	int seen[THREADS] = { 0 }, i, lines = 0;
	struct audit_log *l;

	snprintf(path, sizeof(path), "%s/concurrent.jsonl", dir);
	l = audit_log_open(path);
	assert_non_null(l);
	for (i = 0; i < THREADS; i++) {
		w[i].l = l;
		w[i].id = i;
		assert_int_equal(
		    pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	}
	/* a reopen in the middle does not lose or cut a line */
	assert_int_equal(audit_log_reopen(l), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	audit_log_close(l);
	text = read_all(path);
	assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	for (line = text; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		const char *inc, *q;
		char letter[2];
		json_t *j;
		int t;

		*nl = '\0';
		j = parse(line);
		inc = json_string_value(json_object_get(j, "incident"));
		q = json_string_value(json_object_get(j, "queue_id"));
		t = inc[1] - '0';
		letter[0] = (char)('a' + t);
		letter[1] = '\0';

		assert_true(t >= 0 && t < THREADS);
		/* the pad is all one thread's letter */
		assert_true(q[strspn(q, letter)] == '\0');
		seen[t]++;
		lines++;
		json_decref(j);
	}
	assert_int_equal(lines, THREADS * EVENTS_PER_THREAD);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(seen[i], EVENTS_PER_THREAD);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_has_zone),
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_event_without_report),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_no_clear_value_in_line),
		cmocka_unit_test(test_file_name_value_masked),
		cmocka_unit_test(test_real_scan_leaks_nothing),
		cmocka_unit_test(test_reopen_after_rename),
		cmocka_unit_test(test_reopen_failure_keeps_old_file),
		cmocka_unit_test(test_open_and_write_errors),
		cmocka_unit_test(test_concurrent_writers_whole_lines),
	};

	setenv("TZ", "JST-9", 1);
	tzset();
	return cmocka_run_group_tests(tests, setup, teardown);
}
