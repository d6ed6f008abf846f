/*
 * Unit tests for store: a database in a fresh temporary directory per
 * test. Opening creates the directory (0700) and the file (0600) and
 * keeps data across reopening; incidents round-trip with findings,
 * recipients, approvers and a UTF-8 subject; incidents are built from a
 * report (counted findings, places; the digits of a subject or file
 * name that held a value masked); list filters; the decision state
 * machine with self-approval; purge; statistics; the notice outbox;
 * schema version refusal; and the errors of an unusable path or file.
 * Test data is synthetic.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "dlp.h"
#include "report.h"
#include "store.h"

#define T0 1795000000LL /* 2026-11-18, a fixed "now" */

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
};

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char msg[256];

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/db/incidents.db", fx->dir);
	fx->st = store_open(fx->path, msg, sizeof(msg));
	assert_non_null(fx->st);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* A held incident from sender to two recipients with two findings. */
static void
make_incident(struct store_incident *inc, const char *id, const char *sender,
    long long t, enum dlp_action action)
{
	static char *rcpts[] = { "a@example.com", "b@example.net" };
	static char *approvers[] = { "Boss@Example.JP", "<deputy@example.jp>" };
	struct store_finding *f;
	size_t i;

	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "%s", id);
	inc->time = t;
	inc->queue_id = strdup("4XyZ12AbCd");
	inc->sender = strdup(sender);
	inc->rcpts = calloc(2, sizeof(char *));
	for (i = 0; i < 2; i++)
		inc->rcpts[i] = strdup(rcpts[i]);
	inc->n_rcpts = 2;
	inc->subject = strdup("名簿の送付 (roster)");
	inc->size = 12345;
	inc->action = action;
	inc->would = action;
	inc->why = DLP_WHY_PERSONAL;
	inc->reasons = strdup("my_number: 12 >= 1 (high)");
	inc->ruleset = strdup("2026.11");
	inc->state = action == DLP_QUARANTINE || action == DLP_APPROVE
	    ? STORE_HELD
	    : STORE_DONE;
	inc->approvers = calloc(2, sizeof(char *));
	for (i = 0; i < 2; i++)
		inc->approvers[i] = strdup(approvers[i]);
	inc->n_approvers = 2;
	inc->findings = calloc(2, sizeof(*inc->findings));
	inc->n_findings = 2;
	f = &inc->findings[0];
	f->path = strdup("2/名簿.zip/2024/名簿.xlsx");
	f->where = strdup("名簿.zip › 2024/名簿.xlsx");
	f->location = strdup("Sheet1!B7");
	f->rule_id = strdup("my_number_context");
	f->kind = strdup("my_number");
	f->name_ja = strdup("個人番号");
	f->name_en = strdup("My Number");
	f->confidence = DLP_CONF_HIGH;
	f->count = 12;
	f->masked = strdup("****-****-9018");
	f->fingerprint = strdup("0123456789abcdef0123456789abcdef");
	f->counted = true;
	f = &inc->findings[1];
	f->path = strdup("1");
	f->rule_id = strdup("phone_jp");
	f->kind = strdup("phone");
	f->confidence = DLP_CONF_LOW;
	f->count = 1;
	f->masked = strdup("***-****-5678");
	f->counted = false;
}

static void
add(struct store *st, const char *id, const char *sender, long long t,
    enum dlp_action action)
{
	struct store_incident inc;

	make_incident(&inc, id, sender, t, action);
	assert_int_equal(store_add(st, &inc), 0);
	store_incident_clear(&inc);
}

static void
test_open_creates_private_dir_and_file(void **state)
{
	struct fx *fx = *state;
	struct stat sb;
	char sub[160];

	snprintf(sub, sizeof(sub), "%s/db", fx->dir);
	assert_int_equal(stat(sub, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

static void
test_reopen_keeps_incidents(void **state)
{
	struct fx *fx = *state;
	struct store_incident got;
	char msg[256];

	add(fx->st, "DLP-20261118-00000001", "alice@example.jp", T0,
	    DLP_QUARANTINE);
	store_close(fx->st);
	fx->st = store_open(fx->path, msg, sizeof(msg));
	assert_non_null(fx->st);
	assert_int_equal(store_get(fx->st, "DLP-20261118-00000001", &got), 0);
	assert_string_equal(got.sender, "alice@example.jp");
	assert_int_equal(got.state, STORE_HELD);
	store_incident_clear(&got);
}

static void
test_add_get_roundtrip(void **state)
{
	struct fx *fx = *state;
	struct store_incident got;
	const struct store_finding *f;

	add(fx->st, "DLP-20261118-00000002", "alice@example.jp", T0,
	    DLP_APPROVE);
	assert_int_equal(store_get(fx->st, "DLP-20261118-00000002", &got), 0);
	assert_string_equal(got.id, "DLP-20261118-00000002");
	assert_int_equal(got.time, T0);
	assert_string_equal(got.queue_id, "4XyZ12AbCd");
	assert_string_equal(got.subject, "名簿の送付 (roster)");
	assert_int_equal(got.size, 12345);
	assert_int_equal(got.action, DLP_APPROVE);
	assert_int_equal(got.would, DLP_APPROVE);
	assert_int_equal(got.why, DLP_WHY_PERSONAL);
	assert_string_equal(got.reasons, "my_number: 12 >= 1 (high)");
	assert_string_equal(got.ruleset, "2026.11");
	assert_int_equal(got.state, STORE_HELD);
	assert_null(got.decided_by);
	assert_int_equal(got.n_rcpts, 2);
	assert_string_equal(got.rcpts[0], "a@example.com");
	assert_string_equal(got.rcpts[1], "b@example.net");
	/* approvers lower case, without <>, sorted */
	assert_int_equal(got.n_approvers, 2);
	assert_string_equal(got.approvers[0], "boss@example.jp");
	assert_string_equal(got.approvers[1], "deputy@example.jp");
	assert_int_equal(got.n_findings, 2);
	f = &got.findings[0];
	assert_string_equal(f->path, "2/名簿.zip/2024/名簿.xlsx");
	assert_string_equal(f->where, "名簿.zip › 2024/名簿.xlsx");
	assert_string_equal(f->location, "Sheet1!B7");
	assert_string_equal(f->rule_id, "my_number_context");
	assert_string_equal(f->kind, "my_number");
	assert_string_equal(f->name_ja, "個人番号");
	assert_string_equal(f->name_en, "My Number");
	assert_int_equal(f->confidence, DLP_CONF_HIGH);
	assert_int_equal(f->count, 12);
	assert_string_equal(f->masked, "****-****-9018");
	assert_string_equal(f->fingerprint, "0123456789abcdef0123456789abcdef");
	assert_true(f->counted);
	f = &got.findings[1];
	assert_null(f->where);
	assert_null(f->location);
	assert_null(f->name_ja);
	assert_null(f->fingerprint);
	assert_int_equal(f->confidence, DLP_CONF_LOW);
	assert_false(f->counted);
	store_incident_clear(&got);
	/* cleared means zeroed: a second clear is harmless */
	store_incident_clear(&got);
	assert_int_equal(got.n_findings, 0);
}

static void
test_get_unknown_and_duplicate(void **state)
{
	struct fx *fx = *state;
	struct store_incident inc;

	assert_int_equal(
	    store_get(fx->st, "DLP-20261118-ffffffff", &inc), STORE_ENOENT);
	add(fx->st, "DLP-20261118-00000003", "a@example.jp", T0, DLP_REJECT);
	make_incident(
	    &inc, "DLP-20261118-00000003", "a@example.jp", T0, DLP_REJECT);
	assert_int_equal(store_add(fx->st, &inc), STORE_EIO);
	assert_non_null(strstr(store_errmsg(fx->st), "UNIQUE"));
	store_incident_clear(&inc);
	/* the failed transaction left nothing half-done */
	assert_int_equal(store_get(fx->st, "DLP-20261118-00000003", &inc), 0);
	assert_int_equal(inc.n_findings, 2);
	assert_int_equal(inc.state, STORE_DONE);
	store_incident_clear(&inc);
}

static void
test_set_queue_id(void **state)
{
	struct fx *fx = *state;
	struct store_incident inc;

	add(fx->st, "DLP-20261118-00000004", "a@example.jp", T0,
	    DLP_QUARANTINE);
	assert_int_equal(
	    store_set_queue_id(fx->st, "DLP-20261118-00000004", "ABCDEF123"),
	    0);
	assert_int_equal(store_get(fx->st, "DLP-20261118-00000004", &inc), 0);
	assert_string_equal(inc.queue_id, "ABCDEF123");
	store_incident_clear(&inc);
	assert_int_equal(
	    store_set_queue_id(fx->st, "DLP-nope", "ABCDEF123"), STORE_ENOENT);
}

/* A report: a body finding, a zip member's (monitor), an exception's. */
static void
make_report(struct dlp_report *r, bool subject_finding)
{
	struct dlp_node *n;
	struct dlp_finding *f;
	char **reasons;

	memset(r, 0, sizeof(*r));
	r->action = DLP_QUARANTINE;
	r->would_action = DLP_REJECT;
	r->why = DLP_WHY_PERSONAL | DLP_WHY_NOT_INSPECTED;
	r->subject = strdup("社員名簿 2026");
	r->message_size = 4242;
	r->ruleset_version = "test-1";
	reasons = calloc(2, sizeof(char *));
	reasons[0] = strdup("my_number: 3 >= 3 (low)");
	reasons[1] = strdup("node 2/a.zip: not-inspectable");
	r->reasons = reasons;
	r->n_reasons = 2;
	n = report_add_node(r);
	n->path = strdup("1");
	n = report_add_node(r);
	n->path = strdup("2/a.zip");
	n->filename = strdup("a.zip");
	n = report_add_node(r);
	n->path = strdup("2/a.zip/x/名簿.csv");
	f = report_add_finding(r);
	f->rule_id = strdup("my_number_list");
	f->kind = strdup("my_number");
	f->path = strdup("1");
	f->count = 3;
	f->confidence = DLP_CONF_LOW;
	f->masked = strdup("****-****-1234");
	f = report_add_finding(r);
	f->rule_id = strdup("phone_jp");
	f->kind = strdup("phone");
	f->path = strdup("2/a.zip/x/名簿.csv");
	f->location = strdup("名簿!C2");
	f->count = 5;
	f->confidence = DLP_CONF_MEDIUM;
	f->masked = strdup("***-****-0000");
	f->monitor = true;
	f = report_add_finding(r);
	f->rule_id = strdup("birth_date");
	f->kind = strdup("birth_date");
	f->path = strdup(subject_finding ? "subject" : "1");
	f->count = 1;
	f->confidence = DLP_CONF_MEDIUM;
	f->masked = strdup("****-**-01");
	f->fingerprint = strdup("ffeeddccbbaa99887766554433221100");
	f->exception = strdup("hr-exports");
}

/* report_clear, with the fields it may not free yet freed here first */
static void
drop_report(struct dlp_report *r)
{
	size_t i;

	for (i = 0; i < r->n_findings; i++) {
		free(r->findings[i].fingerprint);
		free(r->findings[i].exception);
		r->findings[i].fingerprint = NULL;
		r->findings[i].exception = NULL;
	}
	report_clear(r);
}

static void
test_incident_from_report(void **state)
{
	struct fx *fx = *state;
	struct dlp_report r;
	struct store_incident inc, got;
	const char *rcpts[] = { "<X@Example.COM>", "y@example.net" };
	struct dlp_envelope env = { "<alice@example.jp>", rcpts, 2, NULL, 0 };

	make_report(&r, false);
	assert_int_equal(
	    store_incident_from_report(&inc, "DLP-20261118-0000000a",
		"QID12345", &env, &r, DLP_QUARANTINE, T0),
	    0);
	assert_string_equal(inc.id, "DLP-20261118-0000000a");
	assert_string_equal(inc.queue_id, "QID12345");
	assert_string_equal(inc.sender, "alice@example.jp");
	assert_int_equal(inc.n_rcpts, 2);
	assert_string_equal(inc.rcpts[0], "X@Example.COM");
	assert_string_equal(inc.subject, "社員名簿 2026");
	assert_int_equal(inc.size, 4242);
	assert_int_equal(inc.action, DLP_QUARANTINE);
	assert_int_equal(inc.would, DLP_REJECT);
	assert_int_equal(inc.why, DLP_WHY_PERSONAL | DLP_WHY_NOT_INSPECTED);
	assert_string_equal(inc.reasons,
	    "my_number: 3 >= 3 (low); node 2/a.zip: not-inspectable");
	assert_string_equal(inc.ruleset, "test-1");
	assert_int_equal(inc.state, STORE_HELD);
	assert_int_equal(inc.time, T0);
	assert_int_equal(inc.n_findings, 3);
	assert_null(inc.findings[0].where); /* the body has no file name */
	assert_true(inc.findings[0].counted);
	assert_string_equal(inc.findings[1].where, "a.zip › x/名簿.csv");
	assert_string_equal(inc.findings[1].location, "名簿!C2");
	assert_false(inc.findings[1].counted); /* monitor */
	assert_false(inc.findings[2].counted); /* exception */
	assert_string_equal(
	    inc.findings[2].fingerprint, "ffeeddccbbaa99887766554433221100");
	assert_int_equal(store_add(fx->st, &inc), 0);
	assert_int_equal(store_get(fx->st, inc.id, &got), 0);
	assert_int_equal(got.n_findings, 3);
	assert_string_equal(got.findings[1].where, "a.zip › x/名簿.csv");
	assert_false(got.findings[2].counted);
	store_incident_clear(&got);
	store_incident_clear(&inc);

	/* approve holds too; monitor, tag and reject do not */
	assert_int_equal(store_incident_from_report(
			     &inc, "I", NULL, &env, &r, DLP_APPROVE, T0),
	    0);
	assert_int_equal(inc.state, STORE_HELD);
	assert_null(inc.queue_id);
	store_incident_clear(&inc);
	assert_int_equal(store_incident_from_report(
			     &inc, "I", NULL, &env, &r, DLP_MONITOR, T0),
	    0);
	assert_int_equal(inc.state, STORE_DONE);
	store_incident_clear(&inc);
	assert_int_equal(store_incident_from_report(
			     &inc, "I", NULL, &env, &r, DLP_REJECT, T0),
	    0);
	assert_int_equal(inc.state, STORE_DONE);
	store_incident_clear(&inc);
	drop_report(&r);

	/* a finding in the subject: its digits are masked */
	make_report(&r, true);
	assert_int_equal(store_incident_from_report(
			     &inc, "I", NULL, &env, &r, DLP_QUARANTINE, T0),
	    0);
	assert_string_equal(inc.subject, "社員名簿 ****");
	store_incident_clear(&inc);
	drop_report(&r);

	/* no report (the engine failed): the envelope alone */
	assert_int_equal(store_incident_from_report(
			     &inc, "I", NULL, &env, NULL, DLP_TEMPFAIL, T0),
	    0);
	assert_int_equal(inc.n_findings, 0);
	assert_string_equal(inc.sender, "alice@example.jp");
	assert_int_equal(inc.state, STORE_DONE);
	store_incident_clear(&inc);
}

/* A file whose name held a value: its names are masked everywhere. */
static void
test_incident_name_finding_masked(void **state)
{
	struct dlp_report r;
	struct store_incident inc;
	struct dlp_node *n;
	struct dlp_finding *f;
	struct dlp_envelope env = { "a@example.jp", NULL, 0, NULL, 0 };
	/* "１２-123456789018.zip", the first two digits full-width */
	const char *name = "2/\xef\xbc\x91\xef\xbc\x92-123456789018.zip";
	const char *fw2 = "\xef\xbc\x8a\xef\xbc\x8a"; /* "＊＊" */
	char path[128], want[256];

	memset(&r, 0, sizeof(r));
	r.subject = strdup("Re: 2026 roster");
	r.reasons = calloc(1, sizeof(char *));
	r.reasons[0] = malloc(256);
	snprintf(
	    r.reasons[0], 256, "node %s: not-inspectable; node 3/b7.pdf", name);
	r.n_reasons = 1;
	n = report_add_node(&r);
	n->path = strdup(name);
	n = report_add_node(&r);
	snprintf(path, sizeof(path), "%s/in2.csv", name);
	n->path = strdup(path);
	n = report_add_node(&r);
	n->path = strdup("3/b7.pdf");
	f = report_add_finding(&r);
	f->rule_id = strdup("my_number_context");
	f->kind = strdup("my_number");
	f->path = strdup(name);
	f->location = strdup("name");
	f->count = 1;
	f = report_add_finding(&r);
	f->rule_id = strdup("phone_jp");
	f->kind = strdup("phone");
	f->path = strdup(path);
	f->count = 1;
	f = report_add_finding(&r);
	f->rule_id = strdup("phone_jp");
	f->kind = strdup("phone");
	f->path = strdup("3/b7.pdf");
	f->count = 1;
	assert_int_equal(store_incident_from_report(
			     &inc, "I", NULL, &env, &r, DLP_QUARANTINE, T0),
	    0);
	/* no finding in the subject: kept as it is */
	assert_string_equal(inc.subject, "Re: 2026 roster");
	snprintf(want, sizeof(want), "2/%s-************.zip", fw2);
	assert_string_equal(inc.findings[0].path, want);
	assert_string_equal(inc.findings[0].where, want + 2);
	snprintf(want, sizeof(want), "2/%s-************.zip/in*.csv", fw2);
	assert_string_equal(inc.findings[1].path, want);
	snprintf(want, sizeof(want), "%s-************.zip \xe2\x80\xba in*.csv",
	    fw2);
	assert_string_equal(inc.findings[1].where, want);
	/* another file keeps its name */
	assert_string_equal(inc.findings[2].path, "3/b7.pdf");
	assert_string_equal(inc.findings[2].where, "b7.pdf");
	snprintf(want, sizeof(want),
	    "node 2/%s-************.zip: not-inspectable; node 3/b7.pdf", fw2);
	assert_string_equal(inc.reasons, want);
	store_incident_clear(&inc);
	drop_report(&r);
}

static void
ids_of(struct store *st, const struct store_filter *f, char *out, size_t outlen)
{
	struct store_incident *v;
	size_t n, i;

	assert_int_equal(store_list(st, f, &v, &n), 0);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		/* the last two characters of each id, newest first */
		strncat(out, v[i].id + strlen(v[i].id) - 2,
		    outlen - strlen(out) - 1);
		if (i + 1 < n)
			strncat(out, ",", outlen - strlen(out) - 1);
	}
	store_list_free(v, n);
}

static void
test_list_filters(void **state)
{
	struct fx *fx = *state;
	struct store_filter f = { -1, 0, 0, NULL, NULL, 0 };
	struct store_incident *v;
	size_t n;
	char ids[256];

	add(fx->st, "DLP-20261118-00000011", "alice@example.jp", T0,
	    DLP_QUARANTINE);
	add(fx->st, "DLP-20261118-00000012", "bob@example.jp", T0 + 10,
	    DLP_REJECT);
	add(fx->st, "DLP-20261118-00000013", "Alice@Example.JP", T0 + 20,
	    DLP_APPROVE);
	add(fx->st, "DLP-20261118-00000014", "carol@example.jp", T0 + 30,
	    DLP_QUARANTINE);
	ids_of(fx->st, &f, ids, sizeof(ids));
	assert_string_equal(ids, "14,13,12,11");
	ids_of(fx->st, NULL, ids, sizeof(ids));
	assert_string_equal(ids, "14,13,12,11");
	f.state = STORE_HELD;
	ids_of(fx->st, &f, ids, sizeof(ids));
	assert_string_equal(ids, "14,13,11");
	f.state = STORE_DONE;
	ids_of(fx->st, &f, ids, sizeof(ids));
	assert_string_equal(ids, "12");
	f.state = -1;
	f.sender = "<ALICE@example.jp>";
	ids_of(fx->st, &f, ids, sizeof(ids));
	assert_string_equal(ids, "13,11");
	f.sender = NULL;
	f.approver = "<BOSS@example.jp>";
	ids_of(fx->st, &f, ids, sizeof(ids));
	assert_string_equal(ids, "14,13,12,11");
	f.approver = "nobody@example.jp";
	ids_of(fx->st, &f, ids, sizeof(ids));
	assert_string_equal(ids, "");
	f.approver = NULL;
	f.since = T0 + 10;
	f.before = T0 + 30;
	ids_of(fx->st, &f, ids, sizeof(ids));
	assert_string_equal(ids, "13,12");
	f.since = 0;
	f.before = 0;
	f.limit = 2;
	ids_of(fx->st, &f, ids, sizeof(ids));
	assert_string_equal(ids, "14,13");
	/* listed incidents carry recipients and approvers, no findings */
	assert_int_equal(store_list(fx->st, &f, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].n_rcpts, 2);
	assert_int_equal(v[0].n_approvers, 2);
	assert_int_equal(v[0].n_findings, 0);
	store_list_free(v, n);
	store_list_free(NULL, 0);
}

static int
count_rows(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int n = -1;

	assert_int_equal(
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static void
test_decide_state_machine(void **state)
{
	struct fx *fx = *state;
	struct store_incident inc;
	const char *id = "DLP-20261118-00000021";

	add(fx->st, id, "alice@example.jp", T0, DLP_QUARANTINE);
	add(fx->st, "DLP-20261118-00000022", "alice@example.jp", T0,
	    DLP_REJECT);
	/* only decisions are decisions */
	assert_int_equal(store_decide(fx->st, id, STORE_HELD, "root", "x", T0),
	    STORE_ESTATE);
	assert_int_equal(store_decide(fx->st, id, STORE_DONE, "root", "x", T0),
	    STORE_ESTATE);
	assert_int_equal(store_decide(fx->st, "DLP-20261118-99999999",
			     STORE_RELEASED, "root", "x", T0),
	    STORE_ENOENT);
	/* mail that was never held cannot be released */
	assert_int_equal(store_decide(fx->st, "DLP-20261118-00000022",
			     STORE_RELEASED, "root", "x", T0),
	    STORE_ESTATE);
	assert_int_equal(store_decide(fx->st, id, STORE_RELEASED, "root",
			     "false positive: order numbers", T0 + 60),
	    0);
	assert_int_equal(store_get(fx->st, id, &inc), 0);
	assert_int_equal(inc.state, STORE_RELEASED);
	assert_string_equal(inc.decided_by, "root");
	assert_int_equal(inc.decided_at, T0 + 60);
	assert_string_equal(
	    inc.decision_reason, "false positive: order numbers");
	store_incident_clear(&inc);
	/* once only */
	assert_int_equal(
	    store_decide(fx->st, id, STORE_DELETED, "root", "x", T0 + 61),
	    STORE_ESTATE);
	assert_non_null(strstr(store_errmsg(fx->st), "released"));
	assert_int_equal(store_get(fx->st, id, &inc), 0);
	assert_int_equal(inc.state, STORE_RELEASED);
	store_incident_clear(&inc);
	assert_int_equal(count_rows(fx->path,
			     "SELECT count(*) FROM history WHERE incident = "
			     "'DLP-20261118-00000021' AND to_state = "
			     "'released' AND actor = 'root'"),
	    1);
	assert_int_equal(
	    count_rows(fx->path, "SELECT count(*) FROM history"), 1);
}

static void
test_self_approval_refused(void **state)
{
	struct fx *fx = *state;
	struct store_incident inc;
	const char *id = "DLP-20261118-00000031";

	/* the sender is also on the approver list: still refused */
	add(fx->st, id, "boss@example.jp", T0, DLP_APPROVE);
	assert_int_equal(store_decide(fx->st, id, STORE_APPROVED,
			     "<Boss@Example.jp>", NULL, T0),
	    STORE_EACCESS);
	assert_int_equal(store_decide(fx->st, id, STORE_REJECTED,
			     "boss@example.jp", "no", T0),
	    STORE_EACCESS);
	/* nobody outside the list, and no empty name */
	assert_int_equal(store_decide(fx->st, id, STORE_APPROVED,
			     "mallory@example.jp", NULL, T0),
	    STORE_EACCESS);
	assert_int_equal(store_decide(fx->st, id, STORE_APPROVED, "", NULL, T0),
	    STORE_EACCESS);
	assert_int_equal(store_get(fx->st, id, &inc), 0);
	assert_int_equal(inc.state, STORE_HELD);
	store_incident_clear(&inc);
	/* another listed approver may, in any case and with <> */
	assert_int_equal(store_decide(fx->st, id, STORE_APPROVED,
			     "<DEPUTY@example.jp>", "checked", T0 + 5),
	    0);
	assert_int_equal(store_get(fx->st, id, &inc), 0);
	assert_int_equal(inc.state, STORE_APPROVED);
	assert_string_equal(inc.decided_by, "DEPUTY@example.jp");
	store_incident_clear(&inc);
	/* release and delete are the administrator's, not checked */
	add(fx->st, "DLP-20261118-00000032", "boss@example.jp", T0,
	    DLP_APPROVE);
	assert_int_equal(
	    store_decide(fx->st, "DLP-20261118-00000032", STORE_DELETED,
		"boss@example.jp", "sent twice", T0),
	    0);
}

static void
test_purge_keeps_held(void **state)
{
	struct fx *fx = *state;
	struct store_incident inc;
	size_t n = 99;

	add(fx->st, "DLP-20261118-00000041", "a@example.jp", T0,
	    DLP_QUARANTINE);
	add(fx->st, "DLP-20261118-00000042", "a@example.jp", T0, DLP_REJECT);
	add(fx->st, "DLP-20261118-00000043", "a@example.jp", T0,
	    DLP_QUARANTINE);
	add(fx->st, "DLP-20261118-00000044", "a@example.jp", T0 + 1000,
	    DLP_REJECT);
	assert_int_equal(store_decide(fx->st, "DLP-20261118-00000043",
			     STORE_DELETED, "root", "x", T0 + 1),
	    0);
	assert_int_equal(store_purge(fx->st, T0 + 500, &n), 0);
	assert_int_equal(n, 2); /* 42 done, 43 deleted */
	assert_int_equal(store_get(fx->st, "DLP-20261118-00000041", &inc), 0);
	store_incident_clear(&inc);
	assert_int_equal(store_get(fx->st, "DLP-20261118-00000044", &inc), 0);
	store_incident_clear(&inc);
	assert_int_equal(
	    store_get(fx->st, "DLP-20261118-00000042", &inc), STORE_ENOENT);
	/* children went with them */
	assert_int_equal(count_rows(fx->path,
			     "SELECT count(*) FROM findings WHERE incident IN "
			     "('DLP-20261118-00000042', "
			     "'DLP-20261118-00000043')"),
	    0);
	assert_int_equal(count_rows(fx->path,
			     "SELECT count(*) FROM history WHERE incident = "
			     "'DLP-20261118-00000043'"),
	    0);
	assert_int_equal(count_rows(fx->path,
			     "SELECT count(*) FROM recipients WHERE incident "
			     "= 'DLP-20261118-00000042'"),
	    0);
	assert_int_equal(store_purge(fx->st, T0 + 500, &n), 0);
	assert_int_equal(n, 0);
}

static json_t *
group(json_t *root, const char *arr, const char *by, const char *name,
    const char *period)
{
	size_t i;
	json_t *g;
	const char *p;

	json_array_foreach(json_object_get(root, arr), i, g)
	{
		p = json_string_value(json_object_get(g, "period"));
		if (strcmp(json_string_value(json_object_get(g, by)), name) ==
			0 &&
		    (period == NULL ? p == NULL
				    : p != NULL && strcmp(p, period) == 0))
			return g;
	}
	fail_msg("no group %s %s", name, period ? period : "null");
	return NULL;
}

static long long
num(json_t *g, const char *k)
{
	return json_integer_value(json_object_get(g, k));
}

static void
test_stats_counts_and_release_rate(void **state)
{
	struct fx *fx = *state;
	const long long day = 86400;
	char *text;
	json_t *root, *g;
	json_error_t jerr;

	/* day 1: three held (released, approved, deleted), one rejected
	   at SMTP; day 2: one held and released */
	add(fx->st, "DLP-20261118-00000051", "a@example.jp", T0,
	    DLP_QUARANTINE);
	add(fx->st, "DLP-20261118-00000052", "a@example.jp", T0 + 1,
	    DLP_APPROVE);
	add(fx->st, "DLP-20261118-00000053", "a@example.jp", T0 + 2,
	    DLP_QUARANTINE);
	add(fx->st, "DLP-20261118-00000054", "a@example.jp", T0 + 3,
	    DLP_REJECT);
	add(fx->st, "DLP-20261119-00000055", "a@example.jp", T0 + day,
	    DLP_QUARANTINE);
	add(fx->st, "DLP-20261120-00000056", "a@example.jp", T0 + 2 * day,
	    DLP_QUARANTINE); /* outside the range below */
	assert_int_equal(store_decide(fx->st, "DLP-20261118-00000051",
			     STORE_RELEASED, "root", "fp", T0 + 10),
	    0);
	assert_int_equal(store_decide(fx->st, "DLP-20261118-00000052",
			     STORE_APPROVED, "boss@example.jp", "ok", T0 + 10),
	    0);
	assert_int_equal(store_decide(fx->st, "DLP-20261118-00000053",
			     STORE_DELETED, "root", "tp", T0 + 10),
	    0);
	assert_int_equal(store_decide(fx->st, "DLP-20261119-00000055",
			     STORE_EXPIRED, "expiry", NULL, T0 + day + 10),
	    0);

	assert_int_equal(store_stats(fx->st, T0, T0 + 2 * day, NULL, &text), 0);
	root = json_loads(text, 0, &jerr);
	free(text);
	assert_non_null(root);
	assert_int_equal(num(root, "since"), T0);
	assert_int_equal(num(root, "before"), T0 + 2 * day);
	assert_true(json_is_null(json_object_get(root, "period")));
	g = group(root, "rules", "rule_id", "my_number_context", NULL);
	assert_string_equal(
	    json_string_value(json_object_get(g, "kind")), "my_number");
	assert_int_equal(num(g, "hits"), 5);
	assert_int_equal(num(g, "messages"), 5);
	assert_int_equal(num(g, "values"), 60);
	assert_int_equal(num(g, "fingerprints"), 1);
	assert_int_equal(num(json_object_get(g, "actions"), "quarantine"), 3);
	assert_int_equal(num(json_object_get(g, "actions"), "approve"), 1);
	assert_int_equal(num(json_object_get(g, "actions"), "reject"), 1);
	assert_int_equal(num(g, "released"), 1);
	assert_int_equal(num(g, "approved"), 1);
	assert_int_equal(num(g, "deleted"), 1);
	assert_int_equal(num(g, "rejected"), 0);
	assert_int_equal(num(g, "expired"), 1);
	assert_null(json_object_get(g, "held"));
	/* released + approved over those a person reviewed: 2 / 3 */
	assert_float_equal(
	    json_real_value(json_object_get(g, "release_rate")), 2.0 / 3, 1e-9);
	g = group(root, "kinds", "kind", "phone", NULL);
	assert_null(json_object_get(g, "rule_id"));
	assert_int_equal(num(g, "hits"), 5);
	json_decref(root);

	/* per day: day 2 has one expired, nothing reviewed */
	assert_int_equal(
	    store_stats(fx->st, T0, T0 + 2 * day, "day", &text), 0);
	root = json_loads(text, 0, &jerr);
	free(text);
	assert_non_null(root);
	assert_string_equal(
	    json_string_value(json_object_get(root, "period")), "day");
	g = group(root, "rules", "rule_id", "my_number_context", "2026-11-18");
	assert_int_equal(num(g, "messages"), 4);
	g = group(root, "kinds", "kind", "my_number", "2026-11-19");
	assert_int_equal(num(g, "messages"), 1);
	assert_int_equal(num(g, "expired"), 1);
	assert_true(json_is_null(json_object_get(g, "release_rate")));
	/* sorted by period, then name */
	g = json_array_get(json_object_get(root, "rules"), 0);
	assert_string_equal(
	    json_string_value(json_object_get(g, "period")), "2026-11-18");
	assert_string_equal(json_string_value(json_object_get(g, "rule_id")),
	    "my_number_context");
	json_decref(root);

	assert_int_equal(store_stats(fx->st, T0, 0, "month", &text), 0);
	root = json_loads(text, 0, &jerr);
	free(text);
	g = group(root, "kinds", "kind", "my_number", "2026-11");
	assert_int_equal(num(g, "messages"), 6);
	json_decref(root);
	assert_int_equal(store_stats(fx->st, T0, 0, "week", &text), 0);
	root = json_loads(text, 0, &jerr);
	free(text);
	g = group(root, "kinds", "kind", "my_number", "2026-W46");
	assert_int_equal(num(g, "messages"), 6);
	json_decref(root);
	assert_int_equal(
	    store_stats(fx->st, T0, 0, "fortnight", &text), STORE_EIO);
	assert_null(text);
	/* an empty range: empty lists */
	assert_int_equal(store_stats(fx->st, 0, 1, NULL, &text), 0);
	assert_string_equal(text,
	    "{\"since\":0,\"before\":1,\"period\":null,\"rules\":[],"
	    "\"kinds\":[]}");
	free(text);
}

static void
test_outbox(void **state)
{
	struct fx *fx = *state;
	const char *to1[] = { "alice@example.jp" };
	const char *to2[] = { "admin@example.jp", "sec@example.jp" };
	const char msg1[] = "Subject: one\r\n\r\nfirst\r\n";
	const char msg2[] = "Subject: two\r\n\r\nsec\0ond\r\n";
	struct store_notice n, n2;
	long long id1, id2;

	assert_int_equal(store_notice_next(fx->st, T0, &n), STORE_ENOENT);
	assert_int_equal(store_notice_add(fx->st, "DLP-20261118-00000061", "",
			     to1, 1, msg1, strlen(msg1), T0),
	    0);
	assert_int_equal(store_notice_add(fx->st, NULL, "postmaster@example.jp",
			     to2, 2, msg2, sizeof(msg2) - 1, T0 + 1),
	    0);
	/* not due before it was queued */
	assert_int_equal(store_notice_next(fx->st, T0 - 1, &n), STORE_ENOENT);
	assert_int_equal(store_notice_next(fx->st, T0 + 5, &n), 0);
	id1 = n.id;
	assert_string_equal(n.incident, "DLP-20261118-00000061");
	assert_string_equal(n.envelope_from, "");
	assert_int_equal(n.n_rcpts, 1);
	assert_string_equal(n.rcpts[0], "alice@example.jp");
	assert_int_equal(n.message_len, strlen(msg1));
	assert_memory_equal(n.message, msg1, strlen(msg1));
	assert_int_equal(n.attempts, 0);
	store_notice_clear(&n);
	/* a temporary failure: the next one is due, the first later */
	assert_int_equal(store_notice_retry(fx->st, id1, T0 + 60, 3), 0);
	assert_int_equal(store_notice_next(fx->st, T0 + 5, &n), 0);
	id2 = n.id;
	assert_true(id2 != id1);
	/* claimed: another flusher (the daemon's outbox thread and
	   dlp-quarantine share the outbox) does not get it too */
	assert_int_equal(store_notice_next(fx->st, T0 + 5, &n2), STORE_ENOENT);
	assert_null(n.incident);
	assert_int_equal(n.n_rcpts, 2);
	assert_string_equal(n.rcpts[1], "sec@example.jp");
	assert_int_equal(n.message_len, sizeof(msg2) - 1); /* binary-safe */
	assert_memory_equal(n.message, msg2, sizeof(msg2) - 1);
	store_notice_clear(&n);
	assert_int_equal(store_notice_done(fx->st, id2), 0);
	assert_int_equal(store_notice_done(fx->st, id2), STORE_ENOENT);
	assert_int_equal(store_notice_next(fx->st, T0 + 59, &n), STORE_ENOENT);
	assert_int_equal(store_notice_next(fx->st, T0 + 60, &n), 0);
	assert_int_equal(n.id, id1);
	assert_int_equal(n.attempts, 1);
	assert_int_equal(n.next_try, T0 + 60);
	store_notice_clear(&n);
	/* the third failure of three: failed, kept, never due again */
	assert_int_equal(store_notice_retry(fx->st, id1, T0 + 120, 3), 0);
	assert_int_equal(store_notice_retry(fx->st, id1, T0 + 240, 3), 0);
	assert_int_equal(
	    store_notice_next(fx->st, T0 + 100000, &n), STORE_ENOENT);
	assert_int_equal(count_rows(fx->path,
			     "SELECT count(*) FROM notices WHERE state = "
			     "'failed' AND attempts = 3"),
	    1);
	assert_int_equal(store_notice_retry(fx->st, id1, T0, 3), STORE_ENOENT);
	/* max_attempts 0: a permanent refusal fails at once */
	assert_int_equal(
	    store_notice_add(fx->st, NULL, "", to1, 1, msg1, strlen(msg1), T0),
	    0);
	assert_int_equal(store_notice_next(fx->st, T0, &n), 0);
	id1 = n.id;
	store_notice_clear(&n);
	assert_int_equal(store_notice_retry(fx->st, id1, T0, 0), 0);
	assert_int_equal(store_notice_next(fx->st, T0, &n), STORE_ENOENT);
	/* no recipients: refused */
	assert_int_equal(
	    store_notice_add(fx->st, NULL, "", to1, 0, msg1, strlen(msg1), T0),
	    STORE_EIO);
	store_notice_clear(NULL);
}

static void
test_newer_schema_refused(void **state)
{
	struct fx *fx = *state;
	sqlite3 *db;
	char msg[256] = "";
	struct store *st;

	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA user_version = 2", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	st = store_open(fx->path, msg, sizeof(msg));
	assert_null(st);
	assert_non_null(strstr(msg, "schema version 2 is newer"));
}

static void
test_unusable_paths(void **state)
{
	struct fx *fx = *state;
	char path[256], msg[256];
	FILE *fp;

	/* the parent is a regular file: no directory can be made */
	snprintf(path, sizeof(path), "%s/plain", fx->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("not a database, not a directory\n", fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/plain/sub/x.db", fx->dir);
	msg[0] = '\0';
	assert_null(store_open(path, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "plain"));
	snprintf(path, sizeof(path), "%s/plain/x.db", fx->dir);
	msg[0] = '\0';
	assert_null(store_open(path, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "not a directory"));
	/* a file that is not a database */
	snprintf(path, sizeof(path), "%s/plain", fx->dir);
	msg[0] = '\0';
	assert_null(store_open(path, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "not a database"));
	/* no path */
	assert_null(store_open("", msg, sizeof(msg)));
	assert_null(store_open(NULL, msg, sizeof(msg)));
	store_close(NULL);
}

static void
test_state_names(void **state)
{
	int s;

	for (s = STORE_DONE; s <= STORE_EXPIRED; s++)
		assert_int_equal(
		    store_state_parse(store_state_name((enum store_state)s)),
		    s);
	assert_string_equal(store_state_name(STORE_HELD), "held");
	assert_string_equal(store_state_name((enum store_state)99), "?");
	assert_int_equal(store_state_parse("pending"), -1);
	assert_int_equal(store_state_parse(NULL), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_creates_private_dir_and_file),
		T(test_reopen_keeps_incidents),
		T(test_add_get_roundtrip),
		T(test_get_unknown_and_duplicate),
		T(test_set_queue_id),
		T(test_incident_from_report),
		T(test_incident_name_finding_masked),
		T(test_list_filters),
		T(test_decide_state_machine),
		T(test_self_approval_refused),
		T(test_purge_keeps_held),
		T(test_stats_counts_and_release_rate),
		T(test_outbox),
		T(test_newer_schema_refused),
		T(test_unusable_paths),
		T(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
