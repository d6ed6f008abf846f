/*
 * mailout - hand a rendered message to the MTA. See mailout.h.
 *
 * sendmail: posix_spawn of notices.sendmail_path with argv
 * {"sendmail", "-i", "-f", FROM, "--", RCPT...}; the null sender is
 * given as "<>" (Postfix's sendmail parses "-f <>" and "-f ''" alike into
 * the null sender; Sendmail documents "<>"). The message goes to its
 * standard input with LF line ends (the sendmail convention); its
 * standard input is one end of a socketpair so that a child that dies
 * early gives EPIPE to send(MSG_NOSIGNAL), never SIGPIPE to the daemon.
 * Its stdout and stderr are read (the first 200 bytes become the error
 * text). The child gets no other descriptor of the daemon, an empty
 * signal mask and default dispositions (libmilter's threads block
 * signals, a daemon may ignore SIGPIPE). The caller must not have set
 * SIGCHLD to SIG_IGN (the child could then not be waited for). Exit status: 0 sent; EX_USAGE (64), EX_DATAERR (65), EX_NOUSER
 * (67) and EX_NOHOST (68) say the message or its addresses are wrong, so
 * they are permanent (1); every other status, a signal, a failed spawn
 * or a timeout is temporary (-1): losing a notice is worse than a
 * bounded number of retries, and a broken sendmail is usually fixed by
 * the administrator.
 *
 * smtp: connect (getaddrinfo, numeric or named, each address in turn),
 * then 220, EHLO (HELO when EHLO is refused), MAIL FROM, RCPT TO each,
 * DATA, the message dot-stuffed with CRLF line ends, ".", QUIT. Replies
 * may be multi-line ("250-..." then "250 ..."); a line past 1000 bytes,
 * a malformed one or a timeout is a temporary failure. 4xx anywhere is
 * temporary (-1). 5xx to MAIL or DATA is permanent (1); a recipient
 * refused with 5xx is left out and named in err while the others get
 * the mail (a retry would duplicate it for them); all refused is 1.
 * 4xx for any recipient is -1 before DATA, so a retry never duplicates.
 *
 * Every step waits at most 30 s (mailout_set_timeout_ms() for tests).
 * Addresses with controls, spaces or angle brackets are refused (1)
 * before anything is sent: they would inject SMTP commands.
 *
 * Thread-safe; no logging; the only process-wide state is the timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "mailout.h"
#include "monoclock.h"
#include "store.h"

#define REPLY_LINE_MAX	1000
#define ERR_OUTPUT_MAX	200
#define SEND_CHUNK	16384
#define FLUSH_MAX	10000 /* notices handled by one flush */
#define MAX_ATTEMPTS	20
#define BACKOFF_MAX_MIN 60

extern char **environ;

static atomic_int timeout_ms = 30000;

void
mailout_set_timeout_ms(int ms)
{
	atomic_store(&timeout_ms, ms > 0 ? ms : 30000);
}

/* An address fit for argv and SMTP: printable, no space, no <>. */
static bool
addr_ok(const char *a, bool empty_ok)
{
	const unsigned char *p = (const unsigned char *)a;

	if (a == NULL || (*a == '\0' && !empty_ok) || strlen(a) > 512)
		return false;
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return false;
	return true;
}

/* Printable text of untrusted output for err (one line, bounded). */
static void
printable(char *dst, size_t dstlen, const char *src, size_t len)
{
	size_t i, o = 0;

	if (dstlen == 0)
		return;
	for (i = 0; i < len && o + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[o++] = c >= 0x20 && c < 0x7f ? (char)c : ' ';
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

/* ---- sendmail ---- */

struct child_io {
	int in;	 /* socket to the child's stdin, -1 once closed */
	int out; /* pipe from its stdout+stderr, -1 at EOF */
	char text[ERR_OUTPUT_MAX + 1];
	size_t text_len;
};

/* Read what the child said (the first bytes kept); closes at EOF. */
static void
drain(struct child_io *io)
{
	char buf[512];
	ssize_t n = read(io->out, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(io->out);
			io->out = -1;
		}
		return;
	}
	if (io->text_len < ERR_OUTPUT_MAX) {
		size_t k = ERR_OUTPUT_MAX - io->text_len;

		k = (size_t)n < k ? (size_t)n : k;
		memcpy(io->text + io->text_len, buf, k);
		io->text_len += k;
	}
}

/*
 * Write msg (CRLF turned into LF) to the child while reading its output.
 * 0, or -1 when it stopped reading (EPIPE) or a step timed out.
 */
static int
feed_child(struct child_io *io, const char *msg, size_t len)
{
	char chunk[SEND_CHUNK];
	size_t pos = 0, clen = 0, coff = 0;
	struct pollfd pfd[2];
	int tmo = atomic_load(&timeout_ms), rc;

	while (pos < len || coff < clen) {
		if (coff == clen) {
			clen = coff = 0;
			while (pos < len && clen < sizeof(chunk)) {
				if (msg[pos] == '\r' && pos + 1 < len &&
				    msg[pos + 1] == '\n') {
					pos++;
					continue;
				}
				chunk[clen++] = msg[pos++];
			}
		}
		pfd[0].fd = io->in;
		pfd[0].events = POLLOUT;
		pfd[1].fd = io->out;
		pfd[1].events = POLLIN;
		rc = poll(pfd, io->out >= 0 ? 2 : 1, tmo);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return -1;
		if (io->out >= 0 && (pfd[1].revents & (POLLIN | POLLHUP)))
			drain(io);
		if (pfd[0].revents & (POLLERR | POLLHUP))
			return -1;
		if (pfd[0].revents & POLLOUT) {
			ssize_t n = send(io->in, chunk + coff, clen - coff,
			    MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n < 0 && errno != EINTR && errno != EAGAIN)
				return -1;
			if (n > 0)
				coff += (size_t)n;
		}
	}
	return 0;
}

/* Wait for the child's exit; kill it after the timeout. */
static int
reap(pid_t pid, struct child_io *io, int *status)
{
	long long deadline = mono_ms() + atomic_load(&timeout_ms);
	struct pollfd pfd;
	pid_t r;

	/* its output ends when it exits (or hands it to a grandchild) */
	while (io->out >= 0 && mono_ms() < deadline) {
		pfd.fd = io->out;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(deadline - mono_ms())) > 0)
			drain(io);
		else
			break;
	}
	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (mono_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		poll(NULL, 0, 10);
	}
}

static int
send_sendmail(const struct dlp_notice_conf *nc, const char *from,
    const char *const *rcpts, size_t n_rcpts, const char *msg, size_t msglen,
    char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t mask, dflt;
	struct child_io io = { -1, -1, { 0 }, 0 };
	const char *path =
	    nc->sendmail_path ? nc->sendmail_path : "/usr/sbin/sendmail";
	char **argv = NULL, out[ERR_OUTPUT_MAX + 1];
	int sv[2] = { -1, -1 }, pp[2] = { -1, -1 }, status = 0, e, rc = -1;
	bool fa_ok = false, attr_ok = false, wrote;
	pid_t pid;
	size_t i;

	if ((argv = calloc(n_rcpts + 6, sizeof(*argv))) == NULL) {
		snprintf(err, errlen, "sendmail: out of memory");
		return -1;
	}
	argv[0] = "sendmail";
	argv[1] = "-i";
	argv[2] = "-f";
	argv[3] = (char *)(*from != '\0' ? from : "<>");
	argv[4] = "--";
	for (i = 0; i < n_rcpts; i++)
		argv[5 + i] = (char *)rcpts[i];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(pp, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "sendmail: %s", strerror(errno));
		goto out;
	}
	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		goto spawn_error;
	fa_ok = true;
	if ((e = posix_spawnattr_init(&attr)) != 0)
		goto spawn_error;
	attr_ok = true;
	if ((e = posix_spawn_file_actions_adddup2(&fa, sv[1], 0)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, pp[1], 1)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, pp[1], 2)) != 0)
		goto spawn_error;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	/* the daemon's other descriptors are not the child's business */
	if ((e = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0)
		goto spawn_error;
#endif
	/* libmilter blocks signals in its threads and a daemon may ignore
	   SIGPIPE: the child starts with neither */
	sigemptyset(&mask);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGCHLD);
	sigaddset(&dflt, SIGHUP);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	if ((e = posix_spawnattr_setsigmask(&attr, &mask)) != 0 ||
	    (e = posix_spawnattr_setsigdefault(&attr, &dflt)) != 0 ||
	    (e = posix_spawnattr_setflags(
		 &attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0)
		goto spawn_error;
	e = posix_spawn(&pid, path, &fa, &attr, argv, environ);
spawn_error:
	if (e != 0) {
		snprintf(err, errlen, "sendmail: cannot run %s: %s", path,
		    strerror(e));
		goto out;
	}
	close(sv[1]);
	close(pp[1]);
	sv[1] = pp[1] = -1;
	io.in = sv[0];
	io.out = pp[0];
	sv[0] = pp[0] = -1;
	wrote = feed_child(&io, msg, msglen) == 0;
	shutdown(io.in, SHUT_WR);
	close(io.in);
	io.in = -1;
	if (reap(pid, &io, &status) < 0) {
		snprintf(err, errlen, "sendmail: %s timed out", path);
		goto out;
	}
	printable(out, sizeof(out), io.text, io.text_len);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && wrote) {
		rc = 0;
		goto out;
	}
	if (!wrote)
		snprintf(err, errlen,
		    "sendmail: could not write the message (exit status "
		    "%d)%s%s",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		    *out ? ": " : "", out);
	else if (WIFEXITED(status)) {
		int x = WEXITSTATUS(status);

		snprintf(err, errlen, "sendmail: exit status %d%s%s", x,
		    *out ? ": " : "", out);
		if (x == EX_USAGE || x == EX_DATAERR || x == EX_NOUSER ||
		    x == EX_NOHOST)
			rc = 1;
	} else
		snprintf(err, errlen, "sendmail: killed by signal %d%s%s",
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0,
		    *out ? ": " : "", out);
out:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	for (i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (pp[i] >= 0)
			close(pp[i]);
	}
	if (io.in >= 0)
		close(io.in);
	if (io.out >= 0)
		close(io.out);
	free(argv);
	return rc;
}

/* ---- SMTP ---- */

struct smtp {
	int fd;
	char buf[4096]; /* read buffer */
	size_t len, off;
	char last[REPLY_LINE_MAX + 1]; /* the last reply's last line */
	char *err;
	size_t errlen;
};

/* Wait for fd to be ready for events; 0, or -1 on timeout/error. */
static int
wait_fd(int fd, short events)
{
	struct pollfd pfd = { fd, events, 0 };
	long long deadline = mono_ms() + atomic_load(&timeout_ms);
	int rc;

	for (;;) {
		long long left = deadline - mono_ms();

		if (left <= 0)
			return -1;
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc == 0 || errno != EINTR)
			return -1;
	}
}

static int
smtp_write(struct smtp *s, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if (wait_fd(s->fd, POLLOUT) < 0) {
			snprintf(s->err, s->errlen, "smtp: write timed out");
			return -1;
		}
		n = send(s->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(
			    s->err, s->errlen, "smtp: %s", strerror(errno));
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One reply line (without CRLF) into line; 0 or -1. */
static int
smtp_line(struct smtp *s, char *line)
{
	size_t o = 0;
	ssize_t n;

	for (;;) {
		while (s->off < s->len) {
			char c = s->buf[s->off++];

			if (c == '\n') {
				if (o > 0 && line[o - 1] == '\r')
					o--;
				line[o] = '\0';
				return 0;
			}
			if (o == REPLY_LINE_MAX) {
				snprintf(s->err, s->errlen,
				    "smtp: reply line longer than %d bytes",
				    REPLY_LINE_MAX);
				return -1;
			}
			line[o++] = c;
		}
		if (wait_fd(s->fd, POLLIN) < 0) {
			snprintf(s->err, s->errlen, "smtp: no reply (timeout)");
			return -1;
		}
		n = recv(s->fd, s->buf, sizeof(s->buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			snprintf(s->err, s->errlen, "smtp: connection %s",
			    n == 0 ? "closed" : strerror(errno));
			return -1;
		}
		s->len = (size_t)n;
		s->off = 0;
	}
}

/* A whole reply (multi-line too); its code, or -1. */
static int
smtp_reply(struct smtp *s)
{
	char line[REPLY_LINE_MAX + 1];
	int code = -1, c;

	for (;;) {
		if (smtp_line(s, line) < 0)
			return -1;
		if (strlen(line) < 3 || line[0] < '2' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' || line[2] < '0' ||
		    line[2] > '9' ||
		    (line[3] != '\0' && line[3] != ' ' && line[3] != '-')) {
			snprintf(s->err, s->errlen, "smtp: malformed reply");
			return -1;
		}
		c = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (code >= 0 && c != code) {
			snprintf(s->err, s->errlen,
			    "smtp: reply codes differ in one reply");
			return -1;
		}
		code = c;
		if (line[3] != '-') {
			snprintf(s->last, sizeof(s->last), "%s", line);
			return code;
		}
	}
}

/* Send verb arg close CRLF and read the reply; the code or -1. */
static int
smtp_cmd(struct smtp *s, const char *verb, const char *arg, const char *close)
{
	char cmd[600];
	int n = snprintf(cmd, sizeof(cmd), "%s%s%s\r\n", verb, arg, close);

	if (n < 0 || (size_t)n >= sizeof(cmd)) {
		snprintf(s->err, s->errlen, "smtp: command too long");
		return -1;
	}
	if (smtp_write(s, cmd, (size_t)n) < 0)
		return -1;
	return smtp_reply(s);
}

/* err "smtp: STEP: reply" and the return for a reply code. */
static int
smtp_fail(struct smtp *s, const char *step, int code)
{
	char p[REPLY_LINE_MAX + 1];

	if (code < 0)
		return -1;
	printable(p, sizeof(p), s->last, strlen(s->last));
	snprintf(s->err, s->errlen, "smtp: %s: %s", step, p);
	return code >= 500 ? 1 : -1;
}

static int
smtp_connect(const struct dlp_notice_conf *nc, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	const char *host = nc->smtp_host ? nc->smtp_host : "127.0.0.1";
	char port[16];
	int fd = -1, e, soerr;
	socklen_t sl;

	snprintf(port, sizeof(port), "%u", nc->smtp_port ? nc->smtp_port : 25);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "smtp: %s: %s", host, gai_strerror(e));
		return -1;
	}
	snprintf(err, errlen, "smtp: %s port %s: no address", host, port);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && wait_fd(fd, POLLOUT) == 0) {
			sl = sizeof(soerr);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) ==
				0 &&
			    soerr == 0)
				break;
			errno = soerr;
		} else if (errno == EINPROGRESS)
			errno = ETIMEDOUT;
		snprintf(err, errlen, "smtp: %s port %s: %s", host, port,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Our name for EHLO: the host name, letters, digits, dots, hyphens. */
static void
helo_name(char *out, size_t outlen)
{
	char h[256] = "";
	size_t i, o = 0;

	if (gethostname(h, sizeof(h) - 1) < 0)
		h[0] = '\0';
	for (i = 0; h[i] != '\0' && o + 1 < outlen; i++)
		if ((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') || h[i] == '.' || h[i] == '-')
			out[o++] = h[i];
	out[o] = '\0';
	if (o == 0)
		snprintf(out, outlen, "localhost");
}

/* The message dot-stuffed, CRLF line ends, then ".". */
static int
smtp_data(struct smtp *s, const char *msg, size_t len)
{
	char out[SEND_CHUNK + 8];
	size_t i, o = 0;
	bool bol = true;

	for (i = 0; i < len; i++) {
		char c = msg[i];

		if (o + 4 > SEND_CHUNK) {
			if (smtp_write(s, out, o) < 0)
				return -1;
			o = 0;
		}
		if (c == '\r' && i + 1 < len && msg[i + 1] == '\n')
			continue; /* the LF writes CRLF */
		if (bol && c == '.')
			out[o++] = '.';
		if (c == '\n' || c == '\r') {
			out[o++] = '\r';
			out[o++] = '\n';
			bol = true;
		} else {
			out[o++] = c;
			bol = false;
		}
	}
	if (!bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o++] = '.';
	out[o++] = '\r';
	out[o++] = '\n';
	return smtp_write(s, out, o);
}

static int
send_smtp(const struct dlp_notice_conf *nc, const char *from,
    const char *const *rcpts, size_t n_rcpts, const char *msg, size_t msglen,
    char *err, size_t errlen)
{
	struct smtp s = { .fd = -1, .err = err, .errlen = errlen };
	char helo[256], refused[256] = "";
	size_t i, accepted = 0;
	int code, rc = -1;

	if ((s.fd = smtp_connect(nc, err, errlen)) < 0)
		return -1;
	if ((code = smtp_reply(&s)) != 220) {
		rc = smtp_fail(&s, "greeting", code);
		goto quit;
	}
	helo_name(helo, sizeof(helo));
	code = smtp_cmd(&s, "EHLO ", helo, "");
	if (code >= 500)
		code = smtp_cmd(&s, "HELO ", helo, "");
	if (code != 250) {
		rc = smtp_fail(&s, "EHLO", code);
		goto quit;
	}
	if ((code = smtp_cmd(&s, "MAIL FROM:<", from, ">")) != 250) {
		rc = smtp_fail(&s, "MAIL FROM", code);
		goto quit;
	}
	for (i = 0; i < n_rcpts; i++) {
		code = smtp_cmd(&s, "RCPT TO:<", rcpts[i], ">");
		if (code == 250 || code == 251) {
			accepted++;
			continue;
		}
		if (code < 500) { /* 4xx or broken: try all again later */
			rc = smtp_fail(&s, "RCPT TO", code);
			goto quit;
		}
		if (refused[0] == '\0')
			printable(
			    refused, sizeof(refused), s.last, strlen(s.last));
	}
	if (accepted == 0) {
		snprintf(err, errlen,
		    "smtp: RCPT TO: every recipient refused: %s", refused);
		rc = 1;
		goto quit;
	}
	if ((code = smtp_cmd(&s, "DATA", "", "")) != 354) {
		rc = smtp_fail(&s, "DATA", code);
		goto quit;
	}
	if (smtp_data(&s, msg, msglen) < 0)
		goto out;
	if ((code = smtp_reply(&s)) != 250) {
		rc = smtp_fail(&s, "end of data", code);
		goto quit;
	}
	rc = 0;
	if (accepted < n_rcpts)
		snprintf(err, errlen,
		    "smtp: sent to %zu of %zu recipients; refused: %s",
		    accepted, n_rcpts, refused);
	else
		err[0] = '\0';
quit:
	if (s.fd >= 0) {
		char keep[512];

		/* QUIT's own outcome does not change the result */
		snprintf(keep, sizeof(keep), "%s", err);
		if (smtp_write(&s, "QUIT\r\n", 6) == 0)
			smtp_reply(&s);
		snprintf(err, errlen, "%s", keep);
	}
out:
	if (s.fd >= 0)
		close(s.fd);
	return rc;
}

int
mailout_send(const struct dlp_notice_conf *nc, const char *envelope_from,
    const char *const *rcpts, size_t n_rcpts, const char *msg, size_t msglen,
    char *err, size_t errlen)
{
	size_t i;

	if (errlen == 0)
		return -1;
	err[0] = '\0';
	if (envelope_from == NULL)
		envelope_from = "";
	if (!addr_ok(envelope_from, true)) {
		snprintf(err, errlen, "invalid envelope sender");
		return 1;
	}
	if (n_rcpts == 0) {
		snprintf(err, errlen, "no recipients");
		return 1;
	}
	for (i = 0; i < n_rcpts; i++)
		if (!addr_ok(rcpts[i], false)) {
			snprintf(err, errlen, "invalid recipient address #%zu",
			    i + 1);
			return 1;
		}
	if (nc->transport == DLP_NOTICE_SMTP)
		return send_smtp(nc, envelope_from, rcpts, n_rcpts, msg, msglen,
		    err, errlen);
	return send_sendmail(
	    nc, envelope_from, rcpts, n_rcpts, msg, msglen, err, errlen);
}

int
mailout_flush(struct store *st, const struct dlp_notice_conf *nc, long long now,
    unsigned *sent, unsigned *failed, char *err, size_t errlen)
{
	struct store_notice n;
	unsigned ok = 0, bad = 0, k;
	char e[512];
	int rc = 0, r;

	if (errlen > 0)
		err[0] = '\0';
	for (k = 0; k < FLUSH_MAX; k++) {
		r = store_notice_next(st, now, &n);
		if (r == STORE_ENOENT)
			break;
		if (r < 0) {
			snprintf(err, errlen, "store: %s", store_errmsg(st));
			rc = -1;
			break;
		}
		r = mailout_send(nc, n.envelope_from,
		    (const char *const *)n.rcpts, n.n_rcpts, n.message,
		    n.message_len, e, sizeof(e));
		if (r == 0) {
			ok++;
			if (e[0] != '\0')
				snprintf(
				    err, errlen, "notice %lld: %s", n.id, e);
			r = store_notice_done(st, n.id);
		} else {
			/* refused for good: max_attempts 0 marks it failed
			   now; else 1, 2, 4 .. 60 minutes */
			unsigned shift = n.attempts < 6 ? n.attempts : 6;
			long long mins = 1LL << shift;

			if (mins > BACKOFF_MAX_MIN)
				mins = BACKOFF_MAX_MIN;
			bad++;
			snprintf(err, errlen, "notice %lld: %s", n.id, e);
			r = store_notice_retry(st, n.id, now + mins * 60,
			    r == 1 ? 0 : MAX_ATTEMPTS);
		}
		store_notice_clear(&n);
		if (r < 0) {
			snprintf(err, errlen, "store: %s", store_errmsg(st));
			rc = -1;
			break;
		}
	}
	if (sent != NULL)
		*sent = ok;
	if (failed != NULL)
		*failed = bad;
	return rc;
}
