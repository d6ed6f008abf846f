/*
 * Unit tests for mailout: the SMTP dialogue against a tiny scripted
 * server in a thread on a loopback port (success, 4xx, 5xx, multi-line
 * replies, dot-stuffing, refused recipients, a silent server and its
 * timeout), the sendmail transport with a script that records its argv
 * and stdin (exit statuses, a child that does not read, a child that
 * hangs), address checks, and mailout_flush() over a store's outbox.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mailout.h"
#include "store.h"

/* ---- the scripted SMTP server ---- */

struct server {
	int lfd;
	unsigned port;
	pthread_t th;
	unsigned connections; /* how many to serve */
	/* replies (CRLF included); NULL greeting: never say anything */
	const char *greeting;
	const char *ehlo;
	const char *helo;
	const char *mail;
	const char *data;
	const char *end; /* after the final "." */
	/* what was said, all connections: commands, then DATA bytes */
	char log[16384];
	size_t log_len;
	char body[65536];
	size_t body_len;
};

static void
say(int fd, const char *s)
{
	if (s != NULL && write(fd, s, strlen(s)) < 0)
		return;
}

static void
logcmd(struct server *sv, const char *line)
{
	size_t n = strlen(line);

	if (sv->log_len + n + 2 < sizeof(sv->log)) {
		memcpy(sv->log + sv->log_len, line, n);
		sv->log_len += n;
		sv->log[sv->log_len++] = '\n';
		sv->log[sv->log_len] = '\0';
	}
}

/* Read one CRLF line (without it); false on EOF. */
static bool
readline(int fd, char *line, size_t max)
{
	size_t o = 0;
	char c;

	while (read(fd, &c, 1) == 1) {
		if (c == '\n') {
			if (o > 0 && line[o - 1] == '\r')
				o--;
			line[o] = '\0';
			return true;
		}
		if (o + 1 < max)
			line[o++] = c;
	}
	return false;
}

/* Recipient replies by address: "temp" 450, "perm" 550, else 250. */
static const char *
rcpt_reply(const char *cmd)
{
	if (strstr(cmd, "temp") != NULL)
		return "450 4.2.0 try later\r\n";
	if (strstr(cmd, "perm") != NULL)
		return "550 5.1.1 no such user\r\n";
	return "250 2.1.5 ok\r\n";
}

static void
serve_one(struct server *sv, int fd)
{
	char line[4096];

	if (sv->greeting == NULL) {
		/* silent: wait until the client gives up */
		while (read(fd, line, sizeof(line)) > 0)
			;
		return;
	}
	say(fd, sv->greeting);
	while (readline(fd, line, sizeof(line))) {
		logcmd(sv, line);
		if (strncmp(line, "EHLO ", 5) == 0)
			say(fd, sv->ehlo);
		else if (strncmp(line, "HELO ", 5) == 0)
			say(fd, sv->helo);
		else if (strncmp(line, "MAIL FROM:", 10) == 0)
			say(fd, sv->mail);
		else if (strncmp(line, "RCPT TO:", 8) == 0)
			say(fd, rcpt_reply(line));
		else if (strcmp(line, "DATA") == 0) {
			say(fd, sv->data);
			if (strncmp(sv->data, "354", 3) != 0)
				continue;
			/* the raw bytes up to and with "\r\n.\r\n" */
			while (sv->body_len + 1 < sizeof(sv->body) &&
			    read(fd, sv->body + sv->body_len, 1) == 1) {
				sv->body_len++;
				if (sv->body_len >= 5 &&
				    memcmp(sv->body + sv->body_len - 5,
					"\r\n.\r\n", 5) == 0)
					break;
			}
			sv->body[sv->body_len] = '\0';
			say(fd, sv->end);
		} else if (strcmp(line, "QUIT") == 0) {
			say(fd, "221 2.0.0 bye\r\n");
			break;
		} else
			say(fd, "500 5.5.2 what\r\n");
	}
}

static void *
server_main(void *arg)
{
	struct server *sv = arg;
	unsigned i;
	int fd;

	for (i = 0; i < sv->connections; i++) {
		if ((fd = accept(sv->lfd, NULL, NULL)) < 0)
			break;
		serve_one(sv, fd);
		close(fd);
	}
	return NULL;
}

/* Defaults: a well-behaved server with a multi-line EHLO reply. */
static void
server_init(struct server *sv)
{
	memset(sv, 0, sizeof(*sv));
	sv->connections = 1;
	sv->greeting = "220-mx.test ESMTP\r\n220 ready\r\n";
	sv->ehlo = "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
		   "250 8BITMIME\r\n";
	sv->helo = "250 mx.test\r\n";
	sv->mail = "250 2.1.0 ok\r\n";
	sv->data = "354 go ahead\r\n";
	sv->end = "250 2.0.0 queued as ABC123\r\n";
}

static void
server_start(struct server *sv)
{
	struct sockaddr_in sin = { 0 };
	socklen_t sl = sizeof(sin);
	int one = 1;

	sv->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(sv->lfd >= 0);
	setsockopt(sv->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(
	    bind(sv->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(sv->lfd, 4), 0);
	assert_int_equal(getsockname(sv->lfd, (struct sockaddr *)&sin, &sl), 0);
	sv->port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(&sv->th, NULL, server_main, sv), 0);
}

static void
server_stop(struct server *sv)
{
	shutdown(sv->lfd, SHUT_RDWR);
	pthread_join(sv->th, NULL);
	close(sv->lfd);
}

static struct dlp_notice_conf
smtp_conf(const struct server *sv)
{
	struct dlp_notice_conf nc = { 0 };

	nc.transport = DLP_NOTICE_SMTP;
	nc.smtp_host = "127.0.0.1";
	nc.smtp_port = sv->port;
	return nc;
}

static const char msg1[] = "From: <dlp@example.jp>\r\nTo: <a@example.jp>\r\n"
			   "Subject: t\r\n\r\nline one\r\nline two\r\n";

/* ---- SMTP ---- */

static void
test_smtp_success_multiline_replies(void **state)
{
	struct server sv;
	struct dlp_notice_conf nc;
	const char *rcpts[] = { "a@example.jp", "b@example.jp" };
	char err[256], want[256];

	server_init(&sv);
	server_start(&sv);
	nc = smtp_conf(&sv);
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 2, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    0);
	server_stop(&sv);
	assert_string_equal(err, "");
	assert_int_equal(strncmp(sv.log, "EHLO ", 5), 0);
	assert_non_null(strstr(sv.log,
	    "\nMAIL FROM:<dlp@example.jp>\nRCPT TO:<a@example.jp>\n"
	    "RCPT TO:<b@example.jp>\nDATA\nQUIT\n"));
	snprintf(want, sizeof(want), "%s.\r\n", msg1);
	assert_string_equal(sv.body, want);
}

static void
test_smtp_null_sender_and_helo_fallback(void **state)
{
	struct server sv;
	struct dlp_notice_conf nc;
	const char *rcpts[] = { "a@example.jp" };
	char err[256];

	server_init(&sv);
	sv.ehlo = "502 5.5.1 no EHLO here\r\n";
	server_start(&sv);
	nc = smtp_conf(&sv);
	assert_int_equal(mailout_send(&nc, "", rcpts, 1, msg1, sizeof(msg1) - 1,
			     err, sizeof(err)),
	    0);
	server_stop(&sv);
	assert_non_null(strstr(sv.log, "\nHELO "));
	assert_non_null(strstr(sv.log, "\nMAIL FROM:<>\n"));
}

/* Lines starting with "." are doubled; LF and bare CR become CRLF. */
static void
test_smtp_dot_stuffing(void **state)
{
	static const char m[] = "Subject: dots\n\n.hidden\n..two\n.\nmid.dle\n"
				"bare\rcr\n.";
	struct server sv;
	struct dlp_notice_conf nc;
	const char *rcpts[] = { "a@example.jp" };
	char err[256];

	server_init(&sv);
	server_start(&sv);
	nc = smtp_conf(&sv);
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1, m,
			     sizeof(m) - 1, err, sizeof(err)),
	    0);
	server_stop(&sv);
	assert_string_equal(sv.body,
	    "Subject: dots\r\n\r\n..hidden\r\n...two\r\n..\r\nmid.dle\r\n"
	    "bare\r\ncr\r\n..\r\n.\r\n");
}

struct fail_case {
	const char *name;
	const char *greeting, *ehlo, *mail, *data, *end;
	const char *rcpt;
	int want;
	const char *err;
	bool data_sent;
};

static const struct fail_case fail_cases[] = {
	{ "greeting 554 is permanent", "554 5.3.2 go away\r\n", NULL, NULL,
	    NULL, NULL, "a@example.jp", 1, "smtp: greeting: 554 5.3.2 go away",
	    false },
	{ "greeting 421 is temporary", "421 4.3.2 busy\r\n", NULL, NULL, NULL,
	    NULL, "a@example.jp", -1, "greeting: 421", false },
	{ "MAIL 451 is temporary", NULL, NULL, "451 4.3.0 later\r\n", NULL,
	    NULL, "a@example.jp", -1, "MAIL FROM: 451 4.3.0 later", false },
	{ "MAIL 553 is permanent", NULL, NULL, "553 5.1.8 bad sender\r\n", NULL,
	    NULL, "a@example.jp", 1, "MAIL FROM: 553", false },
	{ "RCPT 450 is temporary, before DATA", NULL, NULL, NULL, NULL, NULL,
	    "temp@example.jp", -1, "RCPT TO: 450 4.2.0 try later", false },
	{ "RCPT 550 for all is permanent", NULL, NULL, NULL, NULL, NULL,
	    "perm@example.jp", 1, "every recipient refused: 550 5.1.1", false },
	{ "DATA 554 is permanent", NULL, NULL, NULL, "554 5.5.1 no data\r\n",
	    NULL, "a@example.jp", 1, "DATA: 554", false },
	{ "end of data 452 is temporary", NULL, NULL, NULL, NULL,
	    "452 4.3.1 full\r\n", "a@example.jp", -1, "end of data: 452",
	    true },
	{ "end of data 552 is permanent", NULL, NULL, NULL, NULL,
	    "552-5.3.4 too big\r\n552 5.3.4 really\r\n", "a@example.jp", 1,
	    "end of data: 552 5.3.4 really", true },
	{ "malformed reply is temporary", "hello there\r\n", NULL, NULL, NULL,
	    NULL, "a@example.jp", -1, "malformed reply", false },
	{ "codes differing in one reply", "220-a\r\n250 b\r\n", NULL, NULL,
	    NULL, NULL, "a@example.jp", -1, "reply codes differ", false },
};

static void
test_smtp_failures(void **state)
{
	const struct dlp_notice_conf *ncp;
	size_t i;

	for (i = 0; i < sizeof(fail_cases) / sizeof(fail_cases[0]); i++) {
		const struct fail_case *c = &fail_cases[i];
		const char *rcpts[] = { c->rcpt };
		struct dlp_notice_conf nc;
		struct server sv;
		char err[256];
		int rc;

		server_init(&sv);
		if (c->greeting)
			sv.greeting = c->greeting;
		if (c->ehlo)
			sv.ehlo = c->ehlo;
		if (c->mail)
			sv.mail = c->mail;
		if (c->data)
			sv.data = c->data;
		if (c->end)
			sv.end = c->end;
		server_start(&sv);
		nc = smtp_conf(&sv);
		ncp = &nc;
		rc = mailout_send(ncp, "dlp@example.jp", rcpts, 1, msg1,
		    sizeof(msg1) - 1, err, sizeof(err));
		server_stop(&sv);
		if (rc != c->want || strstr(err, c->err) == NULL ||
		    (sv.body_len > 0) != c->data_sent)
			fail_msg("%s: rc %d err \"%s\" data %zu", c->name, rc,
			    err, sv.body_len);
	}
}

/* One of two recipients refused for good: the other gets the mail. */
static void
test_smtp_partly_refused(void **state)
{
	struct server sv;
	struct dlp_notice_conf nc;
	const char *rcpts[] = { "perm@example.jp", "a@example.jp" };
	char err[256];

	server_init(&sv);
	server_start(&sv);
	nc = smtp_conf(&sv);
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 2, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    0);
	server_stop(&sv);
	assert_non_null(strstr(err, "sent to 1 of 2 recipients"));
	assert_non_null(strstr(err, "550 5.1.1 no such user"));
	assert_true(sv.body_len > 0);
}

static void
test_smtp_reply_line_too_long(void **state)
{
	static char greet[1200];
	struct server sv;
	struct dlp_notice_conf nc;
	const char *rcpts[] = { "a@example.jp" };
	char err[256];

	memset(greet, 'x', sizeof(greet));
	memcpy(greet, "220 ", 4);
	memcpy(greet + sizeof(greet) - 3, "\r\n", 3);
	server_init(&sv);
	sv.greeting = greet;
	server_start(&sv);
	nc = smtp_conf(&sv);
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    -1);
	server_stop(&sv);
	assert_non_null(strstr(err, "longer than 1000 bytes"));
}

/* A server that never answers: the step times out, temporary. */
static void
test_smtp_timeout(void **state)
{
	struct server sv;
	struct dlp_notice_conf nc;
	const char *rcpts[] = { "a@example.jp" };
	struct timespec a, b;
	char err[256];
	double s;

	server_init(&sv);
	sv.greeting = NULL;
	server_start(&sv);
	nc = smtp_conf(&sv);
	mailout_set_timeout_ms(300);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	mailout_set_timeout_ms(0);
	server_stop(&sv);
	s = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	assert_true(s >= 0.25 && s < 5.0);
	assert_non_null(strstr(err, "timeout"));
}

static void
test_smtp_connection_refused(void **state)
{
	struct server sv;
	struct dlp_notice_conf nc;
	const char *rcpts[] = { "a@example.jp" };
	char err[256];

	/* a port that was just free */
	server_init(&sv);
	sv.connections = 0;
	server_start(&sv);
	server_stop(&sv);
	nc = smtp_conf(&sv);
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "Connection refused"));
	nc.smtp_host = "no-such-host.invalid";
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "no-such-host.invalid"));
}

/* Addresses that would inject commands are refused before connecting. */
static void
test_bad_addresses_refused(void **state)
{
	struct dlp_notice_conf nc = { 0 };
	const char *inject[] = { "a@example.jp>\r\nRCPT TO:<b@evil" };
	const char *space[] = { "a b@example.jp" };
	const char *empty[] = { "" };
	const char *ok[] = { "a@example.jp" };
	char err[256];

	nc.transport = DLP_NOTICE_SMTP;
	nc.smtp_host = "127.0.0.1";
	nc.smtp_port = 1;
	assert_int_equal(
	    mailout_send(&nc, "x@y", inject, 1, "m", 1, err, sizeof(err)), 1);
	assert_string_equal(err, "invalid recipient address #1");
	assert_int_equal(
	    mailout_send(&nc, "x@y", space, 1, "m", 1, err, sizeof(err)), 1);
	assert_int_equal(
	    mailout_send(&nc, "x@y", empty, 1, "m", 1, err, sizeof(err)), 1);
	assert_int_equal(
	    mailout_send(&nc, "x@y", ok, 0, "m", 1, err, sizeof(err)), 1);
	assert_string_equal(err, "no recipients");
	assert_int_equal(
	    mailout_send(&nc, "x@y>\r\nDATA", ok, 1, "m", 1, err, sizeof(err)),
	    1);
	assert_string_equal(err, "invalid envelope sender");
}

/* ---- sendmail ---- */

static char tmpdir[64];

static void
write_script(const char *name, const char *body)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "#!/bin/sh\n%s", body);
	fclose(fp);
	chmod(path, 0755);
}

static char *
slurp(const char *name)
{
	char path[256], *buf = calloc(1, 1 << 21);
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(fp = fopen(path, "rb"));
	assert_true(fread(buf, 1, (1 << 21) - 1, fp) < (1 << 21) - 1);
	fclose(fp);
	return buf;
}

static int
setup_dir(void **state)
{
	char script[512];

	strcpy(tmpdir, "/tmp/test_mailout.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(script, sizeof(script),
	    "for a in \"$0\" \"$@\"; do printf '%%s\\n' \"$a\"; done "
	    "> %s/argv\ncat > %s/stdin\nexit $(cat %s/exit 2>/dev/null "
	    "|| echo 0)\n",
	    tmpdir, tmpdir, tmpdir);
	write_script("sendmail", script);
	return 0;
}

static int
teardown_dir(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
set_exit(int code)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/exit", tmpdir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "%d\n", code);
	fclose(fp);
}

static struct dlp_notice_conf
sendmail_conf(const char *script)
{
	static char path[256];
	struct dlp_notice_conf nc = { 0 };

	snprintf(path, sizeof(path), "%s/%s", tmpdir, script);
	nc.transport = DLP_NOTICE_SENDMAIL;
	nc.sendmail_path = path;
	return nc;
}

static void
test_sendmail_argv_and_stdin(void **state)
{
	struct dlp_notice_conf nc = sendmail_conf("sendmail");
	const char *rcpts[] = { "a@example.jp", "-oi@example.jp" };
	char err[256], *argv, *in;

	set_exit(0);
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 2, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    0);
	assert_string_equal(err, "");
	argv = slurp("argv");
	in = slurp("stdin");
	/* argv[0] is the script's path; then the options, "--", rcpts */
	assert_non_null(strstr(argv,
	    "/sendmail\n-i\n-f\ndlp@example.jp\n--\n"
	    "a@example.jp\n-oi@example.jp\n"));
	assert_string_equal(in,
	    "From: <dlp@example.jp>\nTo: <a@example.jp>\n"
	    "Subject: t\n\nline one\nline two\n");
	free(argv);
	free(in);
	/* the null sender */
	assert_int_equal(mailout_send(&nc, "", rcpts, 1, msg1, sizeof(msg1) - 1,
			     err, sizeof(err)),
	    0);
	argv = slurp("argv");
	assert_non_null(strstr(argv, "\n-f\n<>\n--\na@example.jp\n"));
	free(argv);
}

static void
test_sendmail_exit_status(void **state)
{
	static const struct {
		int code, want;
	} cases[] = { { 75, -1 }, { 1, -1 }, { 69, -1 }, { 71, -1 }, { 64, 1 },
		{ 65, 1 }, { 67, 1 }, { 68, 1 } };
	struct dlp_notice_conf nc = sendmail_conf("sendmail");
	const char *rcpts[] = { "a@example.jp" };
	char err[256], want[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_exit(cases[i].code);
		assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1,
				     msg1, sizeof(msg1) - 1, err, sizeof(err)),
		    cases[i].want);
		snprintf(want, sizeof(want), "sendmail: exit status %d",
		    cases[i].code);
		assert_string_equal(err, want);
	}
	set_exit(0);
}

static void
test_sendmail_errors(void **state)
{
	struct dlp_notice_conf nc;
	const char *rcpts[] = { "a@example.jp" };
	char err[256], *big;
	size_t n = 2 * 1024 * 1024;

	/* its complaint is in err, made printable */
	write_script("noisy",
	    "cat >/dev/null\n"
	    "printf 'postdrop: warning: \\033[31mno\\n' >&2\n"
	    "exit 75\n");
	nc = sendmail_conf("noisy");
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    -1);
	assert_string_equal(
	    err, "sendmail: exit status 75: postdrop: warning:  [31mno");

	/* a binary that is not there */
	nc = sendmail_conf("missing");
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "cannot run"));

	/* a child that exits without reading: no SIGPIPE, temporary */
	write_script("deaf", "exit 0\n");
	nc = sendmail_conf("deaf");
	big = malloc(n);
	memset(big, 'a', n);
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1, big, n,
			     err, sizeof(err)),
	    -1);
	if (strstr(err, "could not write") == NULL)
		fail_msg("err: %s", err);
	free(big);

	/* a child that hangs is killed after the timeout */
	write_script("hang", "cat >/dev/null\nexec sleep 30\n");
	nc = sendmail_conf("hang");
	mailout_set_timeout_ms(300);
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    -1);
	mailout_set_timeout_ms(0);
	assert_non_null(strstr(err, "timed out"));

	/* killed by a signal */
	write_script("crash", "cat >/dev/null\nkill -9 $$\n");
	nc = sendmail_conf("crash");
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "killed by signal 9"));
}

/* The child starts with no blocked or ignored signals and none of the
   caller's other descriptors, whatever the daemon's threads do. */
static void
test_sendmail_clean_child(void **state)
{
	struct dlp_notice_conf nc;
	const char *rcpts[] = { "a@example.jp" };
	char script[512], err[256], *sig, *fds, *p;
	sigset_t block, old;
	struct sigaction ign = { 0 }, oldpipe;
	int fd;

	/*
	 * The mask is read by exec'ed grep (/proc/self, no fork): the shell
	 * blocks every signal around each fork, so reading the shell's own
	 * status from a forked grep sometimes caught that moment.
	 */
	snprintf(script, sizeof(script),
	    "cat >/dev/null\nls /proc/$$/fd > %s/fds\n"
	    "exec grep -E '^Sig(Blk|Ign)' /proc/self/status > %s/sig\n",
	    tmpdir, tmpdir);
	write_script("probe", script);
	nc = sendmail_conf("probe");
	fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC */
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 50), 50);
	close(fd);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &oldpipe);
	assert_int_equal(mailout_send(&nc, "dlp@example.jp", rcpts, 1, msg1,
			     sizeof(msg1) - 1, err, sizeof(err)),
	    0);
	sigaction(SIGPIPE, &oldpipe, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(50);
	sig = slurp("sig");
	fds = slurp("fds");
	assert_non_null(strstr(sig, "SigBlk:\t0000000000000000\n"));
	/* SIGPIPE is signal 13: bit 0x1000 of SigIgn */
	p = strstr(sig, "SigIgn:\t");
	assert_non_null(p);
	assert_int_equal(strtoull(p + 8, NULL, 16) & 0x1000ULL, 0);
	for (p = fds; *p != '\0'; p = strchr(p, '\n') + 1)
		assert_int_not_equal(strtol(p, NULL, 10), 50);
	free(sig);
	free(fds);
}

/* ---- the outbox ---- */

static void
test_flush_outbox(void **state)
{
	struct server sv;
	struct dlp_notice_conf nc;
	struct store_notice n;
	struct store *st;
	const char *ok[] = { "a@example.jp" }, *perm[] = { "perm@example.jp" },
		   *temp[] = { "temp@example.jp" };
	char path[256], msg[256], err[256];
	unsigned sent = 99, failed = 99;
	long long now = 1795310100LL;

	snprintf(path, sizeof(path), "%s/incidents.db", tmpdir);
	st = store_open(path, msg, sizeof(msg));
	assert_non_null(st);
	assert_int_equal(store_notice_add(st, "DLP-1", "", ok, 1, msg1,
			     sizeof(msg1) - 1, now - 10),
	    0);
	assert_int_equal(store_notice_add(st, "DLP-2", "", perm, 1, msg1,
			     sizeof(msg1) - 1, now - 5),
	    0);
	assert_int_equal(store_notice_add(st, "DLP-3", "", temp, 1, msg1,
			     sizeof(msg1) - 1, now - 1),
	    0);
	/* not due yet */
	assert_int_equal(store_notice_add(st, "DLP-4", "", ok, 1, msg1,
			     sizeof(msg1) - 1, now + 1000),
	    0);
	server_init(&sv);
	sv.connections = 3;
	server_start(&sv);
	nc = smtp_conf(&sv);
	assert_int_equal(
	    mailout_flush(st, &nc, now, &sent, &failed, err, sizeof(err)), 0);
	server_stop(&sv);
	assert_int_equal(sent, 1);
	assert_int_equal(failed, 2);
	assert_non_null(strstr(err, "450"));
	/* oldest first: DLP-1 was delivered first */
	assert_int_equal(strncmp(sv.log, "EHLO", 4), 0);
	assert_true(
	    strstr(sv.log, "a@example.jp") < strstr(sv.log, "perm@example.jp"));
	/* the temporary one is due again in a minute; the refused one
	   never; the delivered one is gone */
	assert_int_equal(store_notice_next(st, now, &n), STORE_ENOENT);
	assert_int_equal(store_notice_next(st, now + 60, &n), 0);
	assert_string_equal(n.incident, "DLP-3");
	assert_int_equal(n.attempts, 1);
	store_notice_clear(&n);
	/* that look claimed it for 10 minutes (two flushers never send
	   one notice twice): not due again before */
	assert_int_equal(
	    store_notice_next(st, now + 60 + 599, &n), STORE_ENOENT);
	/* a second failure waits two minutes */
	server_init(&sv);
	sv.connections = 1;
	server_start(&sv);
	nc = smtp_conf(&sv);
	assert_int_equal(
	    mailout_flush(st, &nc, now + 660, &sent, &failed, err, sizeof(err)),
	    0);
	server_stop(&sv);
	assert_int_equal(sent, 0);
	assert_int_equal(failed, 1);
	assert_int_equal(
	    store_notice_next(st, now + 660 + 119, &n), STORE_ENOENT);
	assert_int_equal(store_notice_next(st, now + 660 + 120, &n), 0);
	assert_string_equal(n.incident, "DLP-3");
	assert_int_equal(n.attempts, 2);
	store_notice_clear(&n);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smtp_success_multiline_replies),
		cmocka_unit_test(test_smtp_null_sender_and_helo_fallback),
		cmocka_unit_test(test_smtp_dot_stuffing),
		cmocka_unit_test(test_smtp_failures),
		cmocka_unit_test(test_smtp_partly_refused),
		cmocka_unit_test(test_smtp_reply_line_too_long),
		cmocka_unit_test(test_smtp_timeout),
		cmocka_unit_test(test_smtp_connection_refused),
		cmocka_unit_test(test_bad_addresses_refused),
		cmocka_unit_test(test_sendmail_argv_and_stdin),
		cmocka_unit_test(test_sendmail_exit_status),
		cmocka_unit_test(test_sendmail_errors),
		cmocka_unit_test(test_sendmail_clean_child),
		cmocka_unit_test(test_flush_outbox),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
