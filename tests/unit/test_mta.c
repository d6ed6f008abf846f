/*
 * Unit tests for mta: the hold-queue actions against small scripts that
 * stand in for postsuper, postcat and sendmail (they record their argv),
 * and Sendmail queue files in a temporary directory: the argv of each
 * action, queue ids refused before anything runs, a command that cannot
 * start, fails with a message, is killed or says too much, and the
 * original rebuilt from Sendmail's hf and df files.
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

#include "buf.h"
#include "config.h"
#include "mta.h"

struct fx {
	char dir[64];
	char log[128];
	char postsuper[128], postcat[128], sendmail[128], postqueue[128];
	struct dlp_quarantine_conf qc;
};

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

/* A script that logs "name argv..." then runs body. */
static void
script(
    struct fx *fx, char *path, size_t len, const char *name, const char *body)
{
	char text[1024];

	snprintf(path, len, "%s/%s", fx->dir, name);
	snprintf(text, sizeof(text), "#!/bin/sh\necho \"%s $*\" >> %s\n%s",
	    name, fx->log, body);
	write_file(path, text, 0755);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_mta.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->log, sizeof(fx->log), "%s/log", fx->dir);
	script(
	    fx, fx->postsuper, sizeof(fx->postsuper), "postsuper", "exit 0\n");
	script(fx, fx->postcat, sizeof(fx->postcat), "postcat",
	    "printf 'Subject: held\\n\\nbody line\\n'\n");
	script(fx, fx->sendmail, sizeof(fx->sendmail), "sendmail", "exit 0\n");
	/* beside postsuper: a release asks it to send the mail now */
	script(
	    fx, fx->postqueue, sizeof(fx->postqueue), "postqueue", "exit 0\n");
	fx->qc.mta = DLP_MTA_POSTFIX;
	fx->qc.postsuper_path = fx->postsuper;
	fx->qc.postcat_path = fx->postcat;
	fx->qc.sendmail_path = fx->sendmail;
	fx->qc.sendmail_queue_dir = fx->dir;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* The log's contents ("" when nothing ran). */
static const char *
logged(struct fx *fx)
{
	static char text[4096];
	FILE *fp = fopen(fx->log, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
	}
	text[n] = '\0';
	return text;
}

static void
test_queue_ids(void **state)
{
	static const struct {
		const char *qid;
		bool ok;
	} cases[] = {
		{ "4ABCDEF123", true },
		{ "3Xy7zQ9kLmN2pRsT", true },
		{ "ABCDEF", true },
		{ "ABCDE", false },
		{ "0123456789abcdefghijABCDEFGHIJ01", true },
		{ "0123456789abcdefghijABCDEFGHIJ012", false },
		{ "", false },
		{ "../../etc/passwd", false },
		{ "-d ALL", false },
		{ "ABC DEF1", false },
		{ "ABCDEF\n", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(mta_queue_id_ok(cases[i].qid), cases[i].ok);
	assert_false(mta_queue_id_ok(NULL));
}

static void
test_postfix_argv(void **state)
{
	struct fx *fx = *state;
	char err[256], cdir[] = "/etc/postfix-out";
	struct buf b;

	assert_int_equal(
	    mta_release(&fx->qc, "4ABCDEF123", err, sizeof(err)), 0);
	assert_int_equal(
	    mta_delete(&fx->qc, "4ABCDEF124", err, sizeof(err)), 0);
	fx->qc.postfix_config_dir = cdir;
	assert_int_equal(
	    mta_release(&fx->qc, "4ABCDEF125", err, sizeof(err)), 0);
	buf_init(&b, 1024);
	assert_int_equal(
	    mta_original(&fx->qc, "4ABCDEF126", &b, err, sizeof(err)), 0);
	assert_string_equal(buf_cstr(&b), "Subject: held\n\nbody line\n");
	buf_free(&b);
	assert_string_equal(logged(fx),
	    "postsuper -H 4ABCDEF123\n"
	    "postqueue -i 4ABCDEF123\n"
	    "postsuper -d 4ABCDEF124\n"
	    "postsuper -c /etc/postfix-out -H 4ABCDEF125\n"
	    "postqueue -c /etc/postfix-out -i 4ABCDEF125\n"
	    "postcat -c /etc/postfix-out -q -h -b 4ABCDEF126\n");
}

static void
test_bad_queue_id_runs_nothing(void **state)
{
	struct fx *fx = *state;
	char err[256];
	struct buf b;

	buf_init(&b, 1024);
	assert_int_equal(mta_release(&fx->qc, "-d ALL", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a queue id"));
	assert_int_equal(mta_delete(&fx->qc, "ALL", err, sizeof(err)), -1);
	assert_int_equal(
	    mta_original(&fx->qc, "../x/y/z", &b, err, sizeof(err)), -1);
	fx->qc.mta = DLP_MTA_SENDMAIL;
	assert_int_equal(mta_delete(&fx->qc, "../log", err, sizeof(err)), -1);
	assert_string_equal(logged(fx), "");
	assert_int_equal(access(fx->log, F_OK), -1);
	buf_free(&b);
}

static void
test_command_failures(void **state)
{
	struct fx *fx = *state;
	char err[256], path[128];
	struct buf b;

	/* cannot start */
	snprintf(path, sizeof(path), "%s/no-such-postsuper", fx->dir);
	fx->qc.postsuper_path = path;
	assert_int_equal(
	    mta_release(&fx->qc, "4ABCDEF123", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot run"));
	/* exits non-zero: its first line of stderr is said */
	script(fx, path, sizeof(path), "postsuper-fail",
	    "echo 'postsuper: fatal: not owner' >&2; echo more >&2; exit 3\n");
	fx->qc.postsuper_path = path;
	assert_int_equal(
	    mta_delete(&fx->qc, "4ABCDEF123", err, sizeof(err)), -1);
	assert_non_null(
	    strstr(err, "exited with status 3: postsuper: fatal: not owner"));
	assert_null(strstr(err, "more"));
	/* killed */
	script(fx, path, sizeof(path), "postsuper-kill", "kill -9 $$\n");
	fx->qc.postsuper_path = path;
	assert_int_equal(
	    mta_release(&fx->qc, "4ABCDEF123", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "killed by signal 9"));
	/* says more than the caller takes */
	buf_init(&b, 10);
	assert_int_equal(
	    mta_original(&fx->qc, "4ABCDEF123", &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "output over 10 bytes"));
	buf_free(&b);
	/* control characters in its message are not passed on */
	script(fx, path, sizeof(path), "postsuper-esc",
	    "printf 'bad\\033[2Jthing\\n' >&2; exit 1\n");
	fx->qc.postsuper_path = path;
	assert_int_equal(
	    mta_release(&fx->qc, "4ABCDEF123", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad?[2Jthing"));
}

static void
test_sendmail_release_and_delete(void **state)
{
	struct fx *fx = *state;
	char err[256], hf[128], df[128];

	fx->qc.mta = DLP_MTA_SENDMAIL;
	assert_int_equal(mta_release(&fx->qc, "wAB12cd3", err, sizeof(err)), 0);
	assert_string_equal(logged(fx), "sendmail -qQ -qIwAB12cd3 -Q\n");
	snprintf(hf, sizeof(hf), "%s/hfwAB12cd4", fx->dir);
	snprintf(df, sizeof(df), "%s/dfwAB12cd4", fx->dir);
	write_file(hf, "V8\n", 0600);
	write_file(df, "body\n", 0600);
	assert_int_equal(mta_delete(&fx->qc, "wAB12cd4", err, sizeof(err)), 0);
	assert_int_equal(access(hf, F_OK), -1);
	assert_int_equal(access(df, F_OK), -1);
	/* no longer there: an error that names the file, not the dir */
	assert_int_equal(mta_delete(&fx->qc, "wAB12cd4", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot remove hfwAB12cd4"));
	assert_null(strstr(err, fx->dir));
}

static void
test_sendmail_original_from_queue_subdirs(void **state)
{
	struct fx *fx = *state;
	char path[128], err[256];
	struct buf b;

	/* QueueDirectory with qf/ and df/ subdirectories */
	snprintf(path, sizeof(path), "%s/qf", fx->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/df", fx->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/qf/hfxY12ab34", fx->dir);
	write_file(path,
	    "V8\nT1700000000\nRPFD:<b@example.com>\nH?P?Return-Path: <a@x>\n"
	    "H??From: a@example.jp\nH??Subject: long\n\tfolded\n"
	    "H?${x}?X-Cond: on\nMDeferred: x\n.\n",
	    0600);
	snprintf(path, sizeof(path), "%s/df/dfxY12ab34", fx->dir);
	write_file(path, "line 1\nline 2\n", 0600);
	fx->qc.mta = DLP_MTA_SENDMAIL;
	buf_init(&b, 4096);
	assert_int_equal(
	    mta_original(&fx->qc, "xY12ab34", &b, err, sizeof(err)), 0);
	assert_string_equal(buf_cstr(&b),
	    "Return-Path: <a@x>\nFrom: a@example.jp\nSubject: long\n"
	    "\tfolded\nX-Cond: on\n\nline 1\nline 2\n");
	buf_free(&b);
	/* too large for the caller */
	buf_init(&b, 20);
	assert_int_equal(
	    mta_original(&fx->qc, "xY12ab34", &b, err, sizeof(err)), -1);
	buf_free(&b);
	/* no such message */
	buf_init(&b, 4096);
	assert_int_equal(
	    mta_original(&fx->qc, "xY12ab35", &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open"));
	buf_free(&b);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_queue_ids),
		T(test_postfix_argv),
		T(test_bad_queue_id_runs_nothing),
		T(test_command_failures),
		T(test_sendmail_release_and_delete),
		T(test_sendmail_original_from_queue_subdirs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
