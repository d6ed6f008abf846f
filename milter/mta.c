/*
 * mta - the MTA's hold queue: release, delete and read a held message,
 * for Postfix (postsuper -H / -d, postcat -q -h -b) and Sendmail (sendmail
 * -qQ -qI<id> -Q, the hf and df files of its quarantine).
 *
 * Commands run without a shell: posix_spawn of the configured path with
 * an argv built here, standard input /dev/null, standard output captured
 * up to the caller's buffer's maximum (more is an error), standard error
 * kept (4 KB) for the message, a wall-time limit of 300 s, the exit
 * status checked. Every queue id is checked first (mta_queue_id_ok()):
 * it goes into argv and into file names.
 *
 * Postfix's postsuper says nothing on standard error when its output is
 * not a terminal, and exits 0 for a queue id it did not find: success
 * means the command ran and did not fail, not that a message was moved.
 *
 * What it does not do: touch the incident store (the caller records the
 * decision after the action succeeded), log.
 *
 * Thread-safe (no shared state; each child is waited for).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "mta.h"

extern char **environ;

#define CMD_ERR_MAX   4096 /* a command's stderr kept */
#define CMD_TIMEOUT_S 300  /* a command's wall time */
#define QID_MIN	      6
#define QID_MAX	      32

const char *
mta_printable(const char *s, char *out, size_t outlen)
{
	size_t i, o = 0;

	if (s == NULL)
		s = "";
	for (i = 0; s[i] != '\0' && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	/* cut short: never inside a UTF-8 sequence (o == i here, and
	   s[o] is not yet overwritten when out is s) */
	if (s[i] != '\0')
		while (o > 0 && ((unsigned char)s[o] & 0xc0) == 0x80)
			o--;
	out[o] = '\0';
	return out;
}

bool
mta_queue_id_ok(const char *q)
{
	size_t i;

	if (q == NULL)
		return false;
	for (i = 0; q[i] != '\0'; i++)
		if (!isalnum((unsigned char)q[i]) || i >= QID_MAX)
			return false;
	return i >= QID_MIN;
}

/* The first line of a command's stderr, printable, for a message. */
static void
first_line(const struct buf *b, char *out, size_t outlen)
{
	const char *s = buf_cstr(b);
	size_t n = strcspn(s, "\n");
	char line[512];

	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, s, n);
	line[n] = '\0';
	mta_printable(line, out, outlen);
}

/*
 * Run argv (argv[0] the path), stdin /dev/null, stdout into out (at most
 * its maximum: more is an error) or discarded (out NULL), stderr kept
 * for the message. 0 when it exited 0; else -1 with err filled.
 */
static int
run_cmd(char *const argv[], struct buf *out, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	struct pollfd pfd[2];
	struct buf eb;
	char chunk[8192], line[512];
	time_t deadline = time(NULL) + CMD_TIMEOUT_S;
	pid_t pid = -1;
	int rc = -1, status, n_open, i, sp;
	ssize_t n;
	bool too_big = false;

	buf_init(&eb, CMD_ERR_MAX);
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	sp = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	if (sp != 0) {
		snprintf(
		    err, errlen, "cannot run %s: %s", argv[0], strerror(sp));
		pid = -1;
		goto out;
	}
	pfd[0].fd = po[0];
	pfd[1].fd = pe[0];
	n_open = 2;
	while (n_open > 0) {
		long left = (long)(deadline - time(NULL));

		if (left <= 0) {
			snprintf(err, errlen, "%s: no answer in %d s", argv[0],
			    CMD_TIMEOUT_S);
			goto out;
		}
		for (i = 0; i < 2; i++)
			pfd[i].events = pfd[i].fd >= 0 ? POLLIN : 0;
		if (poll(pfd, 2, (int)(left * 1000)) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			goto out;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pfd[i].fd);
				if (i == 0)
					po[0] = -1;
				else
					pe[0] = -1;
				pfd[i].fd = -1;
				n_open--;
				continue;
			}
			if (i == 1)
				(void)buf_append_trunc(&eb, chunk, (size_t)n);
			else if (out != NULL &&
			    buf_append(out, chunk, (size_t)n) != BUF_OK)
				too_big = true;
		}
		if (too_big) {
			snprintf(err, errlen, "%s: output over %zu bytes",
			    argv[0], out->max);
			goto out;
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			pid = -1;
			goto out;
		}
	pid = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
		goto out;
	}
	first_line(&eb, line, sizeof(line));
	if (WIFEXITED(status))
		snprintf(err, errlen, "%s exited with status %d%s%s", argv[0],
		    WEXITSTATUS(status), *line ? ": " : "", line);
	else
		snprintf(err, errlen, "%s killed by signal %d", argv[0],
		    WTERMSIG(status));
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	for (i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	buf_free(&eb);
	return rc;
}

static const char *
conf_path(const char *v, const char *dflt)
{
	return v != NULL && *v != '\0' ? v : dflt;
}

/* Postfix's postsuper or postcat with [-c DIR], then the rest. */
static int
run_postfix(const struct dlp_quarantine_conf *qc, const char *path,
    const char *const rest[], size_t n_rest, struct buf *out, char *err,
    size_t errlen)
{
	const char *argv[16];
	size_t a = 0, i;

	argv[a++] = path;
	if (qc->postfix_config_dir != NULL) {
		argv[a++] = "-c";
		argv[a++] = qc->postfix_config_dir;
	}
	for (i = 0; i < n_rest && a + 1 < sizeof(argv) / sizeof(argv[0]); i++)
		argv[a++] = rest[i];
	argv[a] = NULL;
	return run_cmd((char *const *)argv, out, err, errlen);
}

/* A Sendmail queue file: DIR/<p><qid>, or DIR/qf|df/<p><qid>. */
static void
sm_file(const struct dlp_quarantine_conf *qc, const char *sub, const char *p,
    const char *qid, char *out, size_t outlen)
{
	const char *dir =
	    conf_path(qc->sendmail_queue_dir, "/var/spool/mqueue");
	struct stat sb;

	snprintf(out, outlen, "%s/%s%s", dir, p, qid);
	if (lstat(out, &sb) == 0)
		return;
	snprintf(out, outlen, "%s/%s/%s%s", dir, sub, p, qid);
}

int
mta_release(const struct dlp_quarantine_conf *qc, const char *qid, char *err,
    size_t errlen)
{
	char opt[64];
	const char *argv[5];

	if (!mta_queue_id_ok(qid)) {
		snprintf(
		    err, errlen, "not a queue id: 6 to 32 letters, digits");
		return -1;
	}
	if (qc->mta == DLP_MTA_POSTFIX) {
		const char *rest[] = { "-H", qid };
		const char *flush[] = { "-i", qid };
		const char *ps =
		    conf_path(qc->postsuper_path, "/usr/sbin/postsuper");
		const char *slash = strrchr(ps, '/');
		char pq[PATH_MAX], perr[256];

		if (run_postfix(qc, ps, rest, 2, NULL, err, errlen) != 0)
			return -1;
		/*
		 * postsuper -H moves it to the deferred queue, which waits
		 * for the next queue run (queue_run_delay, 5 minutes by
		 * default): postqueue -i, beside postsuper, sends it now.
		 * Released it is either way, so a failure here is not one.
		 */
		snprintf(pq, sizeof(pq), "%.*spostqueue",
		    slash != NULL ? (int)(slash - ps + 1) : 0, ps);
		(void)run_postfix(qc, pq, flush, 2, NULL, perr, sizeof(perr));
		return 0;
	}
	snprintf(opt, sizeof(opt), "-qI%s", qid);
	argv[0] = conf_path(qc->sendmail_path, "/usr/sbin/sendmail");
	argv[1] = "-qQ";
	argv[2] = opt;
	argv[3] = "-Q";
	argv[4] = NULL;
	return run_cmd((char *const *)argv, NULL, err, errlen);
}

int
mta_delete(const struct dlp_quarantine_conf *qc, const char *qid, char *err,
    size_t errlen)
{
	char hf[PATH_MAX], df[PATH_MAX];

	if (!mta_queue_id_ok(qid)) {
		snprintf(
		    err, errlen, "not a queue id: 6 to 32 letters, digits");
		return -1;
	}
	if (qc->mta == DLP_MTA_POSTFIX) {
		const char *rest[] = { "-d", qid };

		return run_postfix(qc,
		    conf_path(qc->postsuper_path, "/usr/sbin/postsuper"), rest,
		    2, NULL, err, errlen);
	}
	/* hf: the queue control file of a quarantined message */
	sm_file(qc, "qf", "hf", qid, hf, sizeof(hf));
	sm_file(qc, "df", "df", qid, df, sizeof(df));
	/* the message names the file, not the (configured) directory */
	if (unlink(hf) != 0) {
		snprintf(err, errlen, "cannot remove hf%s: %s", qid,
		    strerror(errno));
		return -1;
	}
	if (unlink(df) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove df%s: %s", qid,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Read a whole file into b (bounded by b's maximum). */
static int
read_file(const char *path, struct buf *b, char *err, size_t errlen)
{
	char chunk[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		snprintf(
		    err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_append(b, chunk, (size_t)n) != BUF_OK) {
			snprintf(err, errlen, "cannot read %s: %s", path,
			    n < 0 ? strerror(errno) : "too large");
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/*
 * Sendmail's original: the header lines of the hf file ("H" records,
 * "H?flags?Name: value", continuation lines starting with a blank),
 * an empty line, then the df file as it is.
 */
static int
sm_original(const struct dlp_quarantine_conf *qc, const char *qid,
    struct buf *out, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct buf hf;
	const char *p, *end, *nl, *q;
	bool in_header = false;
	int rc = -1;

	buf_init(&hf, 1024 * 1024);
	sm_file(qc, "qf", "hf", qid, path, sizeof(path));
	if (read_file(path, &hf, err, errlen) != 0)
		goto out;
	p = buf_cstr(&hf);
	end = p + hf.len;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (*p == 'H') {
			q = p + 1;
			if (*q == '?' &&
			    (q = memchr(q + 1, '?', (size_t)(nl - q - 1))) !=
				NULL)
				q++;
			else
				q = p + 1;
			in_header = true;
		} else if (in_header && (*p == ' ' || *p == '\t')) {
			q = p;
		} else {
			in_header = false;
			continue;
		}
		if (buf_append(out, q, (size_t)(nl - q)) != BUF_OK ||
		    buf_putc(out, '\n') != BUF_OK)
			goto big;
	}
	if (buf_putc(out, '\n') != BUF_OK)
		goto big;
	sm_file(qc, "df", "df", qid, path, sizeof(path));
	if (read_file(path, out, err, errlen) != 0)
		goto out;
	rc = 0;
	goto out;
big:
	snprintf(err, errlen, "the original is over %zu bytes", out->max);
out:
	buf_free(&hf);
	return rc;
}

int
mta_original(const struct dlp_quarantine_conf *qc, const char *qid,
    struct buf *out, char *err, size_t errlen)
{
	if (!mta_queue_id_ok(qid)) {
		snprintf(
		    err, errlen, "not a queue id: 6 to 32 letters, digits");
		return -1;
	}
	if (qc->mta == DLP_MTA_POSTFIX) {
		/* -h -b: the message's headers and body, no envelope */
		const char *rest[] = { "-q", "-h", "-b", qid };

		return run_postfix(qc,
		    conf_path(qc->postcat_path, "/usr/sbin/postcat"), rest, 4,
		    out, err, errlen);
	}
	return sm_original(qc, qid, out, err, errlen);
}
