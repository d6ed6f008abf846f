/*
 * Unit tests for milter_glue: the callbacks driven as libmilter would,
 * against a fake libmilter (the smfi_* calls below record what the glue
 * asked for and can be told to fail) and the real engine with the rules of
 * patterns/ and small policy variants written to a temp directory.
 *
 * milter_glue.c and log.c are daemon files, not in libdlp.a: they are
 * compiled in here. Run from the project root (tests/run-tests does).
 * Every My Number below is synthetic (valid check digit, made up).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "incident.c"
#include "log.c"
#include "milter_glue.c"

#define MY_NUMBER	"3815-2906-4717"
#define MY_NUMBER_PLAIN "381529064717"

/* ---- the fake libmilter ---- */

struct smfi_str {
	void *priv;
	const char *queue_id;
	char rcode[8];
	char xcode[16];
	char reply[40][1000];
	size_t n_reply;
	char quarantine[1000];
	bool quarantined;
	char hdr_name[8][64];
	char hdr_value[8][1000];
	size_t n_hdrs;
	bool fail_setpriv;
	bool fail_quarantine;
	bool fail_addheader;
	bool fail_setreply;
};

static struct smfiDesc registered;
static bool fail_register;

int
smfi_register(struct smfiDesc d)
{
	if (fail_register)
		return MI_FAILURE;
	registered = d;
	return MI_SUCCESS;
}

void *
smfi_getpriv(SMFICTX *ctx)
{
	return ctx->priv;
}

int
smfi_setpriv(SMFICTX *ctx, void *p)
{
	if (ctx->fail_setpriv)
		return MI_FAILURE;
	ctx->priv = p;
	return MI_SUCCESS;
}

char *
smfi_getsymval(SMFICTX *ctx, char *name)
{
	if (strcmp(name, "i") == 0 || strcmp(name, "{i}") == 0)
		return (char *)ctx->queue_id;
	return NULL;
}

int
smfi_setreply(SMFICTX *ctx, char *rcode, char *xcode, char *text)
{
	if (ctx->fail_setreply)
		return MI_FAILURE;
	snprintf(ctx->rcode, sizeof(ctx->rcode), "%s", rcode);
	snprintf(ctx->xcode, sizeof(ctx->xcode), "%s", xcode);
	snprintf(ctx->reply[0], sizeof(ctx->reply[0]), "%s", text);
	ctx->n_reply = 1;
	return MI_SUCCESS;
}

int
smfi_setmlreply(SMFICTX *ctx, const char *rcode, const char *xcode, ...)
{
	va_list ap;
	const char *l;

	if (ctx->fail_setreply)
		return MI_FAILURE;
	snprintf(ctx->rcode, sizeof(ctx->rcode), "%s", rcode);
	snprintf(ctx->xcode, sizeof(ctx->xcode), "%s", xcode);
	ctx->n_reply = 0;
	va_start(ap, xcode);
	while ((l = va_arg(ap, const char *)) != NULL) {
		/* what libmilter refuses: more than 32 lines, 980 bytes, CRLF */
		assert_true(ctx->n_reply < 32);
		assert_true(strlen(l) <= 980);
		assert_null(strpbrk(l, "\r\n"));
		snprintf(
		    ctx->reply[ctx->n_reply++], sizeof(ctx->reply[0]), "%s", l);
	}
	va_end(ap);
	return MI_SUCCESS;
}

int
smfi_quarantine(SMFICTX *ctx, char *reason)
{
	if (ctx->fail_quarantine)
		return MI_FAILURE;
	snprintf(ctx->quarantine, sizeof(ctx->quarantine), "%s", reason);
	ctx->quarantined = true;
	return MI_SUCCESS;
}

int
smfi_addheader(SMFICTX *ctx, char *name, char *value)
{
	if (ctx->fail_addheader)
		return MI_FAILURE;
	assert_true(ctx->n_hdrs < 8);
	assert_null(strpbrk(value, "\r\n"));
	snprintf(ctx->hdr_name[ctx->n_hdrs], 64, "%s", name);
	snprintf(ctx->hdr_value[ctx->n_hdrs], 1000, "%s", value);
	ctx->n_hdrs++;
	return MI_SUCCESS;
}

/* ---- engines for the policy variants ---- */

static char tmpdir[] = "/tmp/dlp-test-glue-XXXXXX";

enum variant {
	V_REJECT,
	V_MONITOR,
	V_QUARANTINE,
	V_TAG,
	V_TEMPFAIL,
	V_IERR_QUARANTINE,
	V_IERR_REJECT,
	V_N
};
static struct dlp_engine *engines[V_N];

static struct dlp_engine *
load_variant(const char *name, const char *mode, const char *action,
    const char *on_internal_error)
{
	char path[512], cwd[256];
	struct dlp_error err;
	struct dlp_engine *e;
	FILE *fp;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(path, sizeof(path), "%s/%s.yaml", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp,
	    "milter:\n"
	    "  reply_contact: \"dlp-admin@example.jp (ext. 100%%)\"\n"
	    "rules:\n"
	    "  dir: %s/patterns\n"
	    "policy:\n"
	    "  mode: %s\n"
	    "  internal_domains: [example.jp]\n"
	    "  on_internal_error: %s\n"
	    "  kinds:\n"
	    "    my_number:\n"
	    "      - {confidence: low, min_count: 1, action: %s}\n",
	    cwd, mode, on_internal_error, action);
	fclose(fp);
	memset(&err, 0, sizeof(err));
	e = dlp_engine_load(path, &err);
	if (e == NULL) {
		char msg[1200];

		dlp_error_format(&err, msg, sizeof(msg));
		fail_msg("cannot load %s: %s", path, msg);
	}
	return e;
}

/* The workers that scan for the glue (pool.h), forked once. */
static struct pool *test_pool;

static int
group_setup(void **state)
{
	struct pool_conf pconf = { 0 };
	char perr[256];

	if (mkdtemp(tmpdir) == NULL)
		return -1;
	engines[V_REJECT] =
	    load_variant("reject", "enforce", "reject", "tempfail");
	engines[V_MONITOR] =
	    load_variant("monitor", "monitor", "reject", "tempfail");
	engines[V_QUARANTINE] =
	    load_variant("quarantine", "enforce", "quarantine", "tempfail");
	engines[V_TAG] = load_variant("tag", "enforce", "tag", "tempfail");
	engines[V_TEMPFAIL] =
	    load_variant("tempfail", "enforce", "tempfail", "tempfail");
	engines[V_IERR_QUARANTINE] =
	    load_variant("ierr-quarantine", "enforce", "tag", "quarantine");
	engines[V_IERR_REJECT] =
	    load_variant("ierr-reject", "enforce", "reject", "reject");
	pconf.size = 2;
	pconf.timeout_ms = 30000;
	pconf.max_messages = 100;
	pconf.temp_dir = tmpdir;
	pconf.seccomp = true;
	if ((test_pool = pool_new(
		 &pconf, engines[V_REJECT], perr, sizeof(perr))) == NULL) {
		fprintf(stderr, "pool_new: %s\n", perr);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];
	size_t i;

	pool_free(test_pool);
	for (i = 0; i < V_N; i++)
		dlp_engine_unref(engines[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- log capture: stderr to a temp file during each test ---- */

static FILE *logfile;
static int saved_stderr = -1;

/* glue_on: register, and scan with engine e (no incident side). */
static int
glue_on(struct dlp_engine *e)
{
	if (milter_glue_register() != 0 || pool_set_engine(test_pool, e) < 0)
		return -1;
	return milter_glue_start(e, NULL, test_pool);
}

static void
use_engine(enum variant v)
{
	milter_glue_shutdown();
	fail_register = false;
	assert_int_equal(glue_on(engines[v]), 0);
}

static int
setup(void **state)
{
	fflush(stderr);
	logfile = tmpfile();
	saved_stderr = dup(STDERR_FILENO);
	if (logfile == NULL || saved_stderr < 0 ||
	    dup2(fileno(logfile), STDERR_FILENO) < 0)
		return -1;
	log_init("dlp-test", LOG_MAIL, true);
	fail_register = false;
	if (glue_on(engines[V_REJECT]) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	milter_glue_shutdown();
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	fclose(logfile);
	return 0;
}

/* the log so far (caller frees) */
static char *
log_text(void)
{
	long len;
	char *text;

	fflush(stderr);
	assert_int_equal(fseek(logfile, 0, SEEK_END), 0);
	len = ftell(logfile);
	rewind(logfile);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, logfile), (size_t)len);
	return text;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* the value of key=... in the first verdict line, into out */
static void
verdict_field(const char *log, const char *key, char *out, size_t outlen)
{
	char pat[64];
	const char *p, *end;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(log, "verdict ");
	assert_non_null(p);
	end = strchr(p, '\n');
	p = strstr(p, pat);
	if (p == NULL || (end != NULL && p > end))
		fail_msg("no %s= in the verdict line: %s", key, log);
	p += strlen(pat);
	snprintf(out, outlen, "%.*s", (int)strcspn(p, " \n"), p);
}

/* ---- driving a message ---- */

struct message {
	const char *from;
	const char *rcpts[4];
	const char *headers[6][2];
	const char *body;
};

static const struct message clean_msg = {
	.from = "<a@example.jp>",
	.rcpts = { "<x@outside.example>" },
	.headers = { { "From", "a@example.jp" }, { "To", "x@outside.example" },
	    { "Subject", "lunch" },
	    { "Content-Type", "text/plain; charset=utf-8" } },
	.body = "See you at noon.\r\n",
};

static const struct message number_msg = {
	.from = "<a@example.jp>",
	.rcpts = { "<x@outside.example>" },
	.headers = { { "From", "a@example.jp" }, { "To", "x@outside.example" },
	    { "Subject", "form" },
	    { "Content-Type", "text/plain; charset=utf-8" },
	    { "Content-Transfer-Encoding", "8bit" } },
	.body = "マイナンバー: " MY_NUMBER "\r\n",
};

static const struct message internal_msg = {
	.from = "<a@example.jp>",
	.rcpts = { "<b@example.jp>", "<c@sub.example.jp>" },
	.headers = { { "Subject", "internal" } },
	.body = "マイナンバー: " MY_NUMBER "\r\n",
};

static void
start_message(SMFICTX *ctx, const struct message *m)
{
	char *argv[2] = { NULL, NULL };
	size_t i;

	argv[0] = (char *)m->from;
	assert_int_equal(mlfi_envfrom(ctx, argv), SMFIS_NOREPLY);
	for (i = 0; i < 4 && m->rcpts[i] != NULL; i++) {
		argv[0] = (char *)m->rcpts[i];
		assert_int_equal(mlfi_envrcpt(ctx, argv), SMFIS_NOREPLY);
	}
	for (i = 0; i < 6 && m->headers[i][0] != NULL; i++)
		assert_int_equal(mlfi_header(ctx, (char *)m->headers[i][0],
				     (char *)m->headers[i][1]),
		    SMFIS_NOREPLY);
}

/* run one message on an open connection; returns eoh's or eom's status */
static sfsistat
run_message(SMFICTX *ctx, const struct message *m)
{
	sfsistat st;
	size_t len, half;

	start_message(ctx, m);
	if ((st = mlfi_eoh(ctx)) != SMFIS_CONTINUE)
		return st;
	/* the body in two chunks, split inside a line */
	len = strlen(m->body);
	half = len / 2;
	assert_int_equal(
	    mlfi_body(ctx, (unsigned char *)m->body, half), SMFIS_NOREPLY);
	assert_int_equal(
	    mlfi_body(ctx, (unsigned char *)m->body + half, len - half),
	    SMFIS_NOREPLY);
	return mlfi_eom(ctx);
}

static void
connect_ctx(SMFICTX *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->queue_id = "4QX1Yz2kLmz9";
	assert_int_equal(mlfi_connect(ctx, "localhost", NULL), SMFIS_NOREPLY);
}

static void
close_ctx(SMFICTX *ctx)
{
	assert_int_equal(mlfi_close(ctx), SMFIS_CONTINUE);
	assert_null(ctx->priv);
}

/* one whole connection with one message */
static sfsistat
one_message(SMFICTX *ctx, const struct message *m)
{
	sfsistat st;

	connect_ctx(ctx);
	st = run_message(ctx, m);
	close_ctx(ctx);
	return st;
}

static void
assert_no_number(const char *text)
{
	assert_null(strstr(text, MY_NUMBER));
	assert_null(strstr(text, MY_NUMBER_PLAIN));
	assert_null(strstr(text, "2906"));
}

/* ---- tests ---- */

static void
test_register_hands_the_callbacks_to_libmilter(void **state)
{
	assert_string_equal(registered.xxfi_name, "dlp-milter");
	assert_int_equal(
	    registered.xxfi_flags, SMFIF_ADDHDRS | SMFIF_QUARANTINE);
	assert_ptr_equal(registered.xxfi_eom, mlfi_eom);
	assert_ptr_equal(registered.xxfi_abort, mlfi_abort);
	assert_ptr_equal(registered.xxfi_close, mlfi_close);
	assert_ptr_equal(registered.xxfi_negotiate, mlfi_negotiate);
	assert_null(registered.xxfi_helo);
	assert_null(registered.xxfi_data);
	assert_null(registered.xxfi_unknown);
}

static void
test_register_failure_returns_error_and_keeps_no_engine(void **state)
{
	milter_glue_shutdown();
	fail_register = true;
	assert_int_equal(milter_glue_register(), -1);
	fail_register = false;
}

static void
test_negotiate_switches_off_unused_steps_and_replies(void **state)
{
	unsigned long a, p, f2 = 7, f3 = 7;
	unsigned long all_p = 0x001fffffUL;
	SMFICTX ctx;

	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(
	    mlfi_negotiate(&ctx, 0x1ffUL, all_p, 0, 0, &a, &p, &f2, &f3),
	    SMFIS_CONTINUE);
	assert_int_equal(a, SMFIF_ADDHDRS | SMFIF_QUARANTINE);
	assert_int_equal(p,
	    SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_CONN |
		SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY);
	/* the steps the scan needs stay on, and eoh/eom still answer */
	assert_int_equal(p &
		(SMFIP_NOHDRS | SMFIP_NOBODY | SMFIP_NOEOH | SMFIP_NOMAIL |
		    SMFIP_NORCPT | SMFIP_NR_EOH),
	    0);
	assert_int_equal(f2, 0);
	assert_int_equal(f3, 0);
}

static void
test_negotiate_without_quarantine_warns_and_asks_only_what_exists(void **state)
{
	unsigned long a, p, f2, f3;
	char *log;
	SMFICTX ctx;

	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(mlfi_negotiate(&ctx, SMFIF_ADDHDRS, SMFIP_NOHELO, 0, 0,
			     &a, &p, &f2, &f3),
	    SMFIS_CONTINUE);
	assert_int_equal(a, SMFIF_ADDHDRS);
	assert_int_equal(p, SMFIP_NOHELO);
	log = log_text();
	assert_non_null(strstr(log, "warning: the MTA does not offer"));
	assert_non_null(strstr(log, "quarantine"));
	free(log);
}

static void
test_clean_message_is_accepted_with_one_verdict_line(void **state)
{
	char *log, field[128];
	SMFICTX ctx;

	assert_int_equal(one_message(&ctx, &clean_msg), SMFIS_ACCEPT);
	assert_int_equal(ctx.n_reply, 0);
	assert_false(ctx.quarantined);
	assert_int_equal(ctx.n_hdrs, 0);
	log = log_text();
	assert_int_equal(count(log, "verdict "), 1);
	verdict_field(log, "action", field, sizeof(field));
	assert_string_equal(field, "accept");
	verdict_field(log, "queue_id", field, sizeof(field));
	assert_string_equal(field, "4QX1Yz2kLmz9");
	verdict_field(log, "from", field, sizeof(field));
	assert_string_equal(field, "<a@example.jp>");
	verdict_field(log, "rcpts", field, sizeof(field));
	assert_string_equal(field, "1");
	verdict_field(log, "kinds", field, sizeof(field));
	assert_string_equal(field, "-");
	verdict_field(log, "incident", field, sizeof(field));
	assert_int_equal(strncmp(field, "DLP-", 4), 0);
	free(log);
}

static void
test_headers_and_body_are_fed_as_name_colon_value_crlf(void **state)
{
	char *log, field[64], want[64];
	size_t size = 0, i;
	SMFICTX ctx;

	assert_int_equal(one_message(&ctx, &clean_msg), SMFIS_ACCEPT);
	for (i = 0; clean_msg.headers[i][0] != NULL; i++)
		size += strlen(clean_msg.headers[i][0]) + 2 +
		    strlen(clean_msg.headers[i][1]) + 2;
	size += 2 + strlen(clean_msg.body);
	snprintf(want, sizeof(want), "%zu", size);
	log = log_text();
	verdict_field(log, "size", field, sizeof(field));
	assert_string_equal(field, want);
	free(log);
}

static void
test_my_number_is_rejected_with_incident_in_reply_and_log(void **state)
{
	char *log, incident[64], field[128];
	bool found = false;
	size_t i;
	SMFICTX ctx;

	assert_int_equal(one_message(&ctx, &number_msg), SMFIS_REJECT);
	assert_string_equal(ctx.rcode, "550");
	assert_string_equal(ctx.xcode, "5.7.1");
	assert_true(ctx.n_reply >= 4);
	log = log_text();
	verdict_field(log, "incident", incident, sizeof(incident));
	assert_non_null(strstr(ctx.reply[0], incident));
	for (i = 0; i < ctx.n_reply; i++) {
		const unsigned char *c;

		if (strcmp(ctx.reply[i], "Found: My Number x1 in part 1") == 0)
			found = true;
		for (c = (const unsigned char *)ctx.reply[i]; *c; c++)
			assert_true(*c >= 0x20 && *c < 0x7f && *c != '%');
		assert_no_number(ctx.reply[i]);
	}
	assert_true(found);
	/* the configured contact, with its '%' made harmless */
	assert_non_null(strstr(
	    ctx.reply[ctx.n_reply - 1], "dlp-admin@example.jp (ext. 100?)"));
	verdict_field(log, "action", field, sizeof(field));
	assert_string_equal(field, "reject");
	verdict_field(log, "kinds", field, sizeof(field));
	assert_string_equal(field, "my_number:1");
	verdict_field(log, "paths", field, sizeof(field));
	assert_string_equal(field, "1");
	assert_non_null(strstr(log, " ruleset="));
	assert_no_number(log);
	free(log);
}

/*
 * The spool gathers 64 KB before it writes: 200 pieces of 1 KB (gathered
 * and written as the buffer fills), the last ending in the first half of
 * a My Number, then one piece past 64 KB (written at once, after what
 * was gathered) starting with its second half. Only bytes spooled whole
 * and in order make the number, and the size counts every byte.
 */
static void
test_body_past_the_spool_buffer_reaches_the_worker_whole(void **state)
{
	static const char head[] = "\r\nマイナンバー: 3815-29";
	static const char rest[] = "06-4717\r\n";
	const size_t piece = 1024, pieces = 200, big = 100 * 1024;
	char *body, *log, field[64], want[64];
	size_t i, total = 0;
	SMFICTX ctx;

	body = malloc(big);
	assert_non_null(body);
	for (i = 0; i < big; i++)
		body[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
	connect_ctx(&ctx);
	start_message(&ctx, &number_msg);
	for (i = 0; i < 6 && number_msg.headers[i][0] != NULL; i++)
		total += strlen(number_msg.headers[i][0]) + 2 +
		    strlen(number_msg.headers[i][1]) + 2;
	assert_int_equal(mlfi_eoh(&ctx), SMFIS_CONTINUE);
	total += 2; /* the blank line after the headers */
	for (i = 0; i + 1 < pieces; i++)
		assert_int_equal(mlfi_body(&ctx, (unsigned char *)body, piece),
		    SMFIS_NOREPLY);
	/* the last small piece ends with the number's first half */
	memcpy(body + piece - (sizeof(head) - 1), head, sizeof(head) - 1);
	assert_int_equal(
	    mlfi_body(&ctx, (unsigned char *)body, piece), SMFIS_NOREPLY);
	memcpy(body, rest, sizeof(rest) - 1);
	assert_int_equal(
	    mlfi_body(&ctx, (unsigned char *)body, big), SMFIS_NOREPLY);
	total += pieces * piece + big;
	assert_int_equal(mlfi_eom(&ctx), SMFIS_REJECT);
	close_ctx(&ctx);
	log = log_text();
	verdict_field(log, "kinds", field, sizeof(field));
	assert_string_equal(field, "my_number:1");
	verdict_field(log, "size", field, sizeof(field));
	snprintf(want, sizeof(want), "%zu", total);
	assert_string_equal(field, want);
	assert_no_number(log);
	free(log);
	free(body);
}

/*
 * Mail submitted with sendmail(1): Postfix's cleanup connects as
 * 127.0.0.1 port 0 and turns the reject into a bounce, where one line
 * reads well and a multi-line reply does not.
 */
static void
test_sendmail_submission_is_rejected_in_one_line(void **state)
{
	struct sockaddr_in local, client;
	SMFICTX ctx;

	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	client = local;
	client.sin_port = htons(40123);
	memset(&ctx, 0, sizeof(ctx));
	ctx.queue_id = "4QX1Yz2kLmz9";
	assert_int_equal(
	    mlfi_connect(&ctx, "localhost", (struct sockaddr *)&local),
	    SMFIS_NOREPLY);
	assert_int_equal(run_message(&ctx, &number_msg), SMFIS_REJECT);
	close_ctx(&ctx);
	assert_string_equal(ctx.rcode, "550");
	assert_int_equal(ctx.n_reply, 1);
	assert_non_null(strstr(ctx.reply[0],
	    "Message rejected by data loss prevention, incident DLP-"));
	assert_non_null(
	    strstr(ctx.reply[0], " Found: My Number x1 in part 1 "));
	assert_non_null(strstr(ctx.reply[0], "quote the incident ID."));
	assert_no_number(ctx.reply[0]);
	free(log_text());
	/* an SMTP client on loopback has a port: the multi-line reply */
	memset(&ctx, 0, sizeof(ctx));
	ctx.queue_id = "4QX1Yz2kLmz9";
	assert_int_equal(
	    mlfi_connect(&ctx, "localhost", (struct sockaddr *)&client),
	    SMFIS_NOREPLY);
	assert_int_equal(run_message(&ctx, &number_msg), SMFIS_REJECT);
	close_ctx(&ctx);
	assert_true(ctx.n_reply >= 4);
	free(log_text());
}

static void
test_internal_only_mail_is_accepted_at_eoh_unscanned(void **state)
{
	char *log, field[64];
	struct conn *c;
	SMFICTX ctx;

	connect_ctx(&ctx);
	start_message(&ctx, &internal_msg);
	assert_int_equal(mlfi_eoh(&ctx), SMFIS_ACCEPT);
	c = ctx.priv;
	assert_null(c->msg);
	close_ctx(&ctx);
	log = log_text();
	assert_int_equal(count(log, "verdict "), 1);
	assert_non_null(strstr(log, " skipped=internal"));
	verdict_field(log, "action", field, sizeof(field));
	assert_string_equal(field, "accept");
	verdict_field(log, "rcpts", field, sizeof(field));
	assert_string_equal(field, "2");
	free(log);
}

static void
test_one_external_recipient_makes_the_message_scanned(void **state)
{
	struct message m = number_msg;
	char *log;
	SMFICTX ctx;

	m.rcpts[0] = "<b@example.jp>";
	m.rcpts[1] = "<x@outside.example>";
	assert_int_equal(one_message(&ctx, &m), SMFIS_REJECT);
	log = log_text();
	assert_null(strstr(log, "skipped="));
	free(log);
}

static void
test_monitor_mode_delivers_and_logs_the_would_be_action(void **state)
{
	char *log, field[64];
	SMFICTX ctx;

	use_engine(V_MONITOR);
	assert_int_equal(one_message(&ctx, &number_msg), SMFIS_ACCEPT);
	assert_int_equal(ctx.n_reply, 0);
	assert_false(ctx.quarantined);
	assert_int_equal(ctx.n_hdrs, 0);
	log = log_text();
	verdict_field(log, "action", field, sizeof(field));
	assert_string_equal(field, "monitor");
	verdict_field(log, "would", field, sizeof(field));
	assert_string_equal(field, "reject");
	free(log);
}

static void
test_quarantine_holds_with_incident_and_kinds(void **state)
{
	char *log, incident[64], want[128];
	SMFICTX ctx;

	use_engine(V_QUARANTINE);
	assert_int_equal(one_message(&ctx, &number_msg), SMFIS_ACCEPT);
	assert_true(ctx.quarantined);
	log = log_text();
	verdict_field(log, "incident", incident, sizeof(incident));
	snprintf(want, sizeof(want), "DLP %s: my_number=1", incident);
	assert_string_equal(ctx.quarantine, want);
	assert_non_null(strstr(log, " action=quarantine "));
	free(log);
}

static void
test_quarantine_failure_applies_on_internal_error(void **state)
{
	char *log, field[64];
	SMFICTX ctx;

	use_engine(V_QUARANTINE);
	connect_ctx(&ctx);
	ctx.fail_quarantine = true;
	assert_int_equal(run_message(&ctx, &number_msg), SMFIS_TEMPFAIL);
	close_ctx(&ctx);
	assert_string_equal(ctx.rcode, "451");
	assert_string_equal(ctx.xcode, "4.3.0");
	log = log_text();
	verdict_field(log, "action", field, sizeof(field));
	assert_string_equal(field, "tempfail");
	verdict_field(log, "would", field, sizeof(field));
	assert_string_equal(field, "quarantine");
	verdict_field(log, "error", field, sizeof(field));
	assert_string_equal(field, "smfi_quarantine");
	assert_non_null(strstr(log, "warning: incident="));
	assert_non_null(strstr(log,
	    ": internal error (smfi_quarantine): "
	    "on_internal_error gave tempfail"));
	free(log);
}

/* an envelope that cannot be kept: the internal-error path at eom */
static sfsistat
broken_message(SMFICTX *ctx)
{
	char addr[ADDR_MAX + 10];
	char *argv[2] = { addr, NULL };

	memset(addr, 'a', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	assert_int_equal(mlfi_envfrom(ctx, argv), SMFIS_NOREPLY);
	return mlfi_eom(ctx);
}

static void
test_internal_error_with_on_internal_error_quarantine_holds(void **state)
{
	char *log, incident[64], want[128];
	SMFICTX ctx;

	use_engine(V_IERR_QUARANTINE);
	connect_ctx(&ctx);
	assert_int_equal(broken_message(&ctx), SMFIS_ACCEPT);
	close_ctx(&ctx);
	assert_true(ctx.quarantined);
	log = log_text();
	verdict_field(log, "incident", incident, sizeof(incident));
	snprintf(want, sizeof(want), "DLP %s: internal error in the check",
	    incident);
	assert_string_equal(ctx.quarantine, want);
	assert_non_null(strstr(log, " action=quarantine "));
	free(log);
}

static void
test_internal_error_when_quarantine_fails_too_tempfails(void **state)
{
	char *log;
	SMFICTX ctx;

	use_engine(V_IERR_QUARANTINE);
	connect_ctx(&ctx);
	ctx.fail_quarantine = true;
	assert_int_equal(broken_message(&ctx), SMFIS_TEMPFAIL);
	close_ctx(&ctx);
	assert_string_equal(ctx.rcode, "451");
	log = log_text();
	assert_non_null(strstr(log, "smfi_quarantine failed"));
	assert_non_null(strstr(log, " action=tempfail "));
	free(log);
}

static void
test_internal_error_with_on_internal_error_reject_answers_550(void **state)
{
	char *log, incident[64];
	SMFICTX ctx;

	use_engine(V_IERR_REJECT);
	connect_ctx(&ctx);
	assert_int_equal(broken_message(&ctx), SMFIS_REJECT);
	close_ctx(&ctx);
	assert_string_equal(ctx.rcode, "550");
	assert_string_equal(ctx.xcode, "5.7.1");
	log = log_text();
	verdict_field(log, "incident", incident, sizeof(incident));
	assert_non_null(strstr(ctx.reply[0], incident));
	assert_non_null(strstr(log, " action=reject "));
	free(log);
}

static void
test_tag_failure_with_on_internal_error_quarantine_holds(void **state)
{
	SMFICTX ctx;

	use_engine(V_IERR_QUARANTINE);
	connect_ctx(&ctx);
	ctx.fail_addheader = true;
	assert_int_equal(run_message(&ctx, &number_msg), SMFIS_ACCEPT);
	close_ctx(&ctx);
	assert_true(ctx.quarantined);
}

static void
test_tag_adds_verdict_and_incident_headers(void **state)
{
	char *log, incident[64];
	SMFICTX ctx;

	use_engine(V_TAG);
	assert_int_equal(one_message(&ctx, &number_msg), SMFIS_ACCEPT);
	assert_int_equal(ctx.n_hdrs, 2);
	assert_string_equal(ctx.hdr_name[0], "X-DLP-Verdict");
	assert_string_equal(ctx.hdr_value[0], "tag; my_number=1");
	assert_string_equal(ctx.hdr_name[1], "X-DLP-Incident");
	log = log_text();
	verdict_field(log, "incident", incident, sizeof(incident));
	assert_string_equal(ctx.hdr_value[1], incident);
	assert_non_null(strstr(log, " action=tag "));
	free(log);
}

static void
test_tag_header_failure_applies_on_internal_error(void **state)
{
	char *log;
	SMFICTX ctx;

	use_engine(V_TAG);
	connect_ctx(&ctx);
	ctx.fail_addheader = true;
	assert_int_equal(run_message(&ctx, &number_msg), SMFIS_TEMPFAIL);
	close_ctx(&ctx);
	log = log_text();
	assert_non_null(strstr(log, " action=tempfail would=tag "));
	assert_non_null(strstr(log, " error=smfi_addheader"));
	free(log);
}

static void
test_tempfail_policy_answers_451(void **state)
{
	char *log, incident[64];
	SMFICTX ctx;

	use_engine(V_TEMPFAIL);
	assert_int_equal(one_message(&ctx, &number_msg), SMFIS_TEMPFAIL);
	assert_string_equal(ctx.rcode, "451");
	assert_string_equal(ctx.xcode, "4.3.0");
	log = log_text();
	verdict_field(log, "incident", incident, sizeof(incident));
	assert_non_null(strstr(ctx.reply[0], incident));
	assert_null(strstr(log, " error="));
	free(log);
}

static void
test_reply_failure_still_rejects(void **state)
{
	SMFICTX ctx;
	char *log;

	connect_ctx(&ctx);
	ctx.fail_setreply = true;
	assert_int_equal(run_message(&ctx, &number_msg), SMFIS_REJECT);
	close_ctx(&ctx);
	log = log_text();
	assert_non_null(strstr(log, "smfi_setmlreply failed"));
	assert_non_null(strstr(log, " action=reject "));
	free(log);
}

static void
test_abort_forgets_the_message_and_the_next_one_works(void **state)
{
	struct conn *c;
	char *log;
	SMFICTX ctx;

	connect_ctx(&ctx);
	start_message(&ctx, &number_msg);
	assert_int_equal(mlfi_abort(&ctx), SMFIS_CONTINUE);
	c = ctx.priv;
	assert_null(c->msg);
	assert_int_equal(run_message(&ctx, &clean_msg), SMFIS_ACCEPT);
	close_ctx(&ctx);
	log = log_text();
	assert_int_equal(count(log, "verdict "), 1);
	assert_non_null(strstr(log, " action=accept "));
	free(log);
}

static void
test_two_messages_on_one_connection_get_two_incidents(void **state)
{
	char *log, *second, a[64], b[64];
	SMFICTX ctx;

	connect_ctx(&ctx);
	assert_int_equal(run_message(&ctx, &number_msg), SMFIS_REJECT);
	assert_int_equal(run_message(&ctx, &clean_msg), SMFIS_ACCEPT);
	close_ctx(&ctx);
	log = log_text();
	assert_int_equal(count(log, "verdict "), 2);
	verdict_field(log, "incident", a, sizeof(a));
	second = strchr(strstr(log, "verdict "), '\n');
	assert_non_null(second);
	verdict_field(second, "incident", b, sizeof(b));
	assert_string_not_equal(a, b);
	free(log);
}

static void
test_close_in_the_middle_of_a_message_frees_it(void **state)
{
	char *log;
	SMFICTX ctx;

	connect_ctx(&ctx);
	start_message(&ctx, &number_msg);
	assert_int_equal(mlfi_eoh(&ctx), SMFIS_CONTINUE);
	assert_int_equal(
	    mlfi_body(&ctx, (unsigned char *)"x", 1), SMFIS_NOREPLY);
	close_ctx(&ctx); /* ASan would report a leak */
	log = log_text();
	assert_int_equal(count(log, "verdict "), 0);
	free(log);
	/* close and abort without any context are harmless */
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(mlfi_abort(&ctx), SMFIS_CONTINUE);
	assert_int_equal(mlfi_close(&ctx), SMFIS_CONTINUE);
}

static void
test_too_many_recipients_is_an_internal_error(void **state)
{
	char *argv[2] = { "<x@outside.example>", NULL };
	char *log, field[64];
	size_t i;
	SMFICTX ctx;

	connect_ctx(&ctx);
	argv[0] = "<a@example.jp>";
	mlfi_envfrom(&ctx, argv);
	argv[0] = "<x@outside.example>";
	for (i = 0; i < GLUE_MAX_RCPTS + 1; i++)
		mlfi_envrcpt(&ctx, argv);
	assert_int_equal(mlfi_eoh(&ctx), SMFIS_CONTINUE);
	assert_int_equal(mlfi_eom(&ctx), SMFIS_TEMPFAIL);
	close_ctx(&ctx);
	assert_string_equal(ctx.rcode, "451");
	log = log_text();
	verdict_field(log, "error", field, sizeof(field));
	assert_string_equal(field, "too-many-recipients");
	verdict_field(log, "rcpts", field, sizeof(field));
	assert_string_equal(field, "10000");
	free(log);
}

static void
test_overlong_address_is_an_internal_error(void **state)
{
	char *log;
	SMFICTX ctx;

	connect_ctx(&ctx);
	assert_int_equal(broken_message(&ctx), SMFIS_TEMPFAIL);
	close_ctx(&ctx);
	log = log_text();
	assert_non_null(strstr(log, " error=sender"));
	free(log);
}

static void
test_eom_without_envelope_is_an_internal_error(void **state)
{
	char *log;
	SMFICTX ctx;

	connect_ctx(&ctx);
	assert_int_equal(mlfi_eoh(&ctx), SMFIS_CONTINUE);
	assert_int_equal(
	    mlfi_body(&ctx, (unsigned char *)"x", 1), SMFIS_NOREPLY);
	assert_int_equal(mlfi_eom(&ctx), SMFIS_TEMPFAIL);
	close_ctx(&ctx);
	log = log_text();
	assert_non_null(strstr(log, " error=no-envelope"));
	assert_non_null(strstr(log, " from=<> rcpts=0 "));
	free(log);
}

static void
test_no_connection_context_is_an_internal_error(void **state)
{
	char *argv[2] = { "<a@example.jp>", NULL };
	char *log;
	SMFICTX ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.fail_setpriv = true;
	assert_int_equal(mlfi_connect(&ctx, "localhost", NULL), SMFIS_NOREPLY);
	assert_null(ctx.priv);
	assert_int_equal(mlfi_envfrom(&ctx, argv), SMFIS_NOREPLY);
	assert_int_equal(mlfi_envrcpt(&ctx, argv), SMFIS_NOREPLY);
	assert_int_equal(mlfi_header(&ctx, "Subject", "x"), SMFIS_NOREPLY);
	assert_int_equal(mlfi_eoh(&ctx), SMFIS_CONTINUE);
	assert_int_equal(mlfi_eom(&ctx), SMFIS_TEMPFAIL);
	assert_int_equal(mlfi_close(&ctx), SMFIS_CONTINUE);
	log = log_text();
	assert_non_null(strstr(log, " error=conn-nomem"));
	free(log);
}

static void
test_verdict_line_escapes_untrusted_values(void **state)
{
	struct message m = clean_msg;
	char *log;
	SMFICTX ctx;

	m.from = "<evil\n verdict action=accept\"@x>";
	connect_ctx(&ctx);
	ctx.queue_id = "Q 1";
	assert_int_equal(run_message(&ctx, &m), SMFIS_ACCEPT);
	close_ctx(&ctx);
	log = log_text();
	assert_int_equal(count(log, "\n"), 1);
	assert_non_null(strstr(
	    log, " from=<evil\\x0a\\x20verdict\\x20action=accept\\x22@x> "));
	assert_non_null(strstr(log, " queue_id=Q\\x201 "));
	free(log);
}

struct path_case {
	const char *path;
	const char *want;
};

static void
test_reply_path_never_carries_non_ascii(void **state)
{
	static const struct path_case cases[] = {
		{ "1", "1" },
		{ "2.1", "2.1" },
		{ "2/roster.zip/a-1_b.xlsx", "2/roster.zip/a-1_b.xlsx" },
		{ "2/名簿.zip/a.xlsx", "2 (a file inside it)" },
		{ "3.2/a b.txt", "3.2 (a file inside it)" },
		{ "2/100%.txt", "2 (a file inside it)" },
		{ "名簿", "? (a file inside it)" },
		{ "", "?" },
		{ NULL, "?" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reply_path(out, sizeof(out), cases[i].path);
		assert_string_equal(out, cases[i].want);
	}
}

static void
test_ascii_safe_replaces_percent_controls_and_8bit(void **state)
{
	char out[16];

	ascii_safe(out, sizeof(out), "a%b\r\n\xe5\x90\x8dz");
	assert_string_equal(out, "a?b?????z");
	ascii_safe(out, 4, "abcdef");
	assert_string_equal(out, "abc");
	ascii_safe(out, sizeof(out), NULL);
	assert_string_equal(out, "");
}

static void
test_reject_lines_cap_findings_and_fall_back_to_reasons(void **state)
{
	struct dlp_finding f[12];
	char *reasons[1] = { "encrypted content is not allowed: 100% sure" };
	char lines[REPLY_LINES][REPLY_LINE_MAX];
	struct dlp_report rep;
	size_t n, i;

	memset(&rep, 0, sizeof(rep));
	memset(f, 0, sizeof(f));
	for (i = 0; i < 12; i++) {
		f[i].kind = "my_number";
		f[i].name_en = i == 0 ? NULL : "My Number";
		f[i].path = "1";
		f[i].count = i + 1;
		f[i].monitor = i == 1; /* rules in monitor mode are not told */
	}
	rep.findings = f;
	rep.n_findings = 12;
	n = reject_lines(&rep, "DLP-20261121-0badcafe", NULL, lines);
	assert_true(n <= REPLY_LINES);
	assert_string_equal(lines[0],
	    "Message rejected by data loss "
	    "prevention, incident "
	    "DLP-20261121-0badcafe.");
	assert_string_equal(lines[1], "Found: my_number x1 in part 1");
	assert_string_equal(lines[2], "Found: My Number x3 in part 1");
	assert_string_equal(
	    lines[9], "Found: 3 more finding(s) not listed here");
	assert_non_null(strstr(lines[n - 1], "your mail administrator"));

	/* no finding to show (say, encrypted content): the reasons */
	rep.n_findings = 0;
	rep.reasons = reasons;
	rep.n_reasons = 1;
	n = reject_lines(&rep, "DLP-20261121-0badcafe", "", lines);
	assert_int_equal(n, 4);
	assert_string_equal(
	    lines[1], "Reason: encrypted content is not allowed: 100? sure");
	/* and with no report at all */
	n = reject_lines(NULL, "DLP-20261121-0badcafe", NULL, lines);
	assert_int_equal(n, 3);
}

static void
test_paths_in_log_are_distinct_and_escaped(void **state)
{
	struct dlp_finding f[3];
	struct dlp_report rep;
	struct buf b;

	memset(&rep, 0, sizeof(rep));
	memset(f, 0, sizeof(f));
	f[0].path = "1";
	f[1].path = "2/名 簿.xlsx";
	f[2].path = "1";
	rep.findings = f;
	rep.n_findings = 3;
	buf_init(&b, 1024);
	paths_text(&b, &rep);
	assert_string_equal(buf_cstr(&b), "1,2/名\\x20簿.xlsx");
	buf_reset(&b);
	rep.n_findings = 0;
	paths_text(&b, &rep);
	assert_string_equal(buf_cstr(&b), "-");
	buf_free(&b);
}

static void
test_paths_in_log_never_carry_digit_runs(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "2/山田_271828182846.xlsx", "2/山田_############.xlsx" },
		{ "2/a.zip/2024/名簿.xlsx", "2/a.zip/####/名簿.xlsx" },
		{ "2/1234-5678-9012.txt", "2/####-####-####.txt" },
		{ "2/ＩＤ１２３４５.txt", "2/ＩＤ#####.txt" },
		{ "2.1/v123.txt", "2.1/v123.txt" }, /* short runs stay */
		{ "12.3.4.1", "12.3.4.1" },
		{ "", "" },
	};
	char s[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(s, sizeof(s), "%s", cases[i].in);
		mask_digit_runs(s);
		if (strcmp(s, cases[i].out) != 0)
			fail_msg(
			    "case %zu: '%s', want '%s'", i, s, cases[i].out);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_register_hands_the_callbacks_to_libmilter),
		T(test_register_failure_returns_error_and_keeps_no_engine),
		T(test_negotiate_switches_off_unused_steps_and_replies),
		T(test_negotiate_without_quarantine_warns_and_asks_only_what_exists),
		T(test_clean_message_is_accepted_with_one_verdict_line),
		T(test_headers_and_body_are_fed_as_name_colon_value_crlf),
		T(test_my_number_is_rejected_with_incident_in_reply_and_log),
		T(test_body_past_the_spool_buffer_reaches_the_worker_whole),
		T(test_sendmail_submission_is_rejected_in_one_line),
		T(test_internal_only_mail_is_accepted_at_eoh_unscanned),
		T(test_one_external_recipient_makes_the_message_scanned),
		T(test_monitor_mode_delivers_and_logs_the_would_be_action),
		T(test_quarantine_holds_with_incident_and_kinds),
		T(test_quarantine_failure_applies_on_internal_error),
		T(test_internal_error_with_on_internal_error_quarantine_holds),
		T(test_internal_error_when_quarantine_fails_too_tempfails),
		T(test_internal_error_with_on_internal_error_reject_answers_550),
		T(test_tag_failure_with_on_internal_error_quarantine_holds),
		T(test_tag_adds_verdict_and_incident_headers),
		T(test_tag_header_failure_applies_on_internal_error),
		T(test_tempfail_policy_answers_451),
		T(test_reply_failure_still_rejects),
		T(test_abort_forgets_the_message_and_the_next_one_works),
		T(test_two_messages_on_one_connection_get_two_incidents),
		T(test_close_in_the_middle_of_a_message_frees_it),
		T(test_too_many_recipients_is_an_internal_error),
		T(test_overlong_address_is_an_internal_error),
		T(test_eom_without_envelope_is_an_internal_error),
		T(test_no_connection_context_is_an_internal_error),
		T(test_verdict_line_escapes_untrusted_values),
		T(test_reply_path_never_carries_non_ascii),
		T(test_ascii_safe_replaces_percent_controls_and_8bit),
		T(test_reject_lines_cap_findings_and_fall_back_to_reasons),
		T(test_paths_in_log_are_distinct_and_escaped),
		T(test_paths_in_log_never_carry_digit_runs),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
