/*
 * Unit tests for pool (the worker processes) and report_wire (the report
 * they send back): real forked workers, the real engine with the rules
 * of patterns/, synthetic My Numbers (valid check digits, made up).
 * Run from the project root.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "dlp.h"
#include "pool.h"
#include "report.h"
#include "report_wire.h"

#define MY_NUMBER "3815-2906-4717"

static char tmpdir[] = "/tmp/dlp-test-pool.XXXXXX";
static struct dlp_engine *eng_a, *eng_b;

static struct dlp_engine *
load(const char *name, const char *action)
{
	char path[512], cwd[256], msg[1200];
	struct dlp_error err;
	struct dlp_engine *e;
	FILE *fp;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(path, sizeof(path), "%s/%s.yaml", tmpdir, name);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp,
	    "rules:\n  dir: %s/patterns\n"
	    "policy:\n  internal_domains: [example.jp]\n"
	    "  kinds:\n    my_number:\n"
	    "      - {confidence: low, min_count: 1, action: %s}\n",
	    cwd, action);
	fclose(fp);
	memset(&err, 0, sizeof(err));
	if ((e = dlp_engine_load(path, &err)) == NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		fail_msg("%s", msg);
	}
	return e;
}

static int
group_setup(void **state)
{
	/* a new template: the known_bugs group sets up again */
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dlp-test-pool.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	eng_a = load("a", "reject");
	eng_b = load("b", "quarantine");
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	dlp_engine_unref(eng_a);
	dlp_engine_unref(eng_b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *const rcpts[] = { "<to@partner.example.com>" };
static const struct dlp_envelope env = { "<from@example.jp>", rcpts, 1,
	"192.0.2.1", 0 };

static const char mail_mn[] =
    "From: a@example.jp\r\nTo: to@partner.example.com\r\n"
    "Subject: list\r\nMessage-ID: <m1@example.jp>\r\n\r\n"
    "個人番号: " MY_NUMBER "\r\n";

/* spool: a spool file holding data. */
static int
spool(struct pool *p, const void *data, size_t len)
{
	int fd = pool_spool(p);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	return fd;
}

static struct pool *new_pool_with(unsigned size, unsigned timeout_ms,
    size_t spool_memory, unsigned max_messages);

static struct pool *
new_pool(unsigned size, unsigned timeout_ms)
{
	return new_pool_with(size, timeout_ms, 0, 3);
}

static struct pool *
new_pool_spool(unsigned size, unsigned timeout_ms, size_t spool_memory)
{
	return new_pool_with(size, timeout_ms, spool_memory, 3);
}

static struct pool *
new_pool_with(unsigned size, unsigned timeout_ms, size_t spool_memory,
    unsigned max_messages)
{
	struct pool_conf pc = { 0 };
	struct pool *p;
	char err[256];

	pc.size = size;
	pc.timeout_ms = timeout_ms;
	pc.memory_mb = 1024;
	pc.cpu_s = 30;
	pc.max_messages = max_messages;
	pc.temp_dir = tmpdir;
	pc.spool_memory = spool_memory;
	pc.seccomp = true;
	p = pool_new(&pc, eng_a, err, sizeof(err));
	if (p == NULL)
		fail_msg("pool_new: %s", err);
	return p;
}

/* whether pid is a process (a zombie is one until it is waited for) */
static bool
alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno != ESRCH;
}

/* whether a worker directory named w<name> is left in a pool's
   directory ("*": any) */
static bool
private_dir_left(const char *name)
{
	char pat[PATH_MAX];
	glob_t g;
	bool left;

	snprintf(pat, sizeof(pat), "%s/dlp-milter.*/w%s", tmpdir, name);
	left = glob(pat, 0, NULL, &g) == 0;
	globfree(&g);
	return left;
}

/* the report as JSON text, for comparing (the caller frees) */
static char *
json_text(const struct dlp_report *r)
{
	json_t *j = report_json(r, false);
	char *s;

	assert_non_null(j);
	s = json_dumps(j, JSON_SORT_KEYS);
	json_decref(j);
	assert_non_null(s);
	return s;
}

static void
test_wire_round_trip_keeps_every_field(void **state)
{
	struct dlp_scan *s = dlp_scan_new(eng_a, &env);
	const struct dlp_report *r;
	struct dlp_report back;
	struct buf b;
	char *x, *y;
	size_t cut;

	assert_non_null(s);
	assert_int_not_equal(
	    dlp_scan_feed(s, mail_mn, sizeof(mail_mn) - 1), DLP_EFATAL);
	dlp_scan_finish(s);
	assert_non_null(r = dlp_scan_report(s));
	assert_true(r->n_findings > 0 && r->n_nodes > 0);
	buf_init(&b, 1 << 20);
	assert_int_equal(report_wire_encode(r, &b), 0);
	assert_int_equal(report_wire_decode(b.data, b.len, &back), 0);
	back.ruleset_version = r->ruleset_version;
	x = json_text(r);
	y = json_text(&back);
	assert_string_equal(x, y);
	assert_non_null(strstr(y, "\"my_number\""));
	assert_string_equal(back.subject, "list");
	free(x);
	free(y);
	report_clear(&back);
	/* every cut short, and a flipped magic, is refused cleanly */
	for (cut = 0; cut < b.len; cut++)
		assert_int_equal(report_wire_decode(b.data, cut, &back), -1);
	b.data[0] ^= 0xff;
	assert_int_equal(report_wire_decode(b.data, b.len, &back), -1);
	buf_free(&b);
	dlp_scan_free(s);
}

static void
test_wire_refuses_lengths_past_the_end(void **state)
{
	/* magic, then fields, then a subject that claims 1 GB */
	unsigned char data[64] = { 0x44, 0x4c, 0x57, 0x31 };
	struct dlp_report r;
	uint32_t big = 1u << 30;

	memcpy(data + 4 + 7 * 4 + 8, &big, sizeof(big));
	assert_int_equal(report_wire_decode(data, sizeof(data), &r), -1);
	assert_int_equal(r.n_nodes, 0);
}

static void
test_worker_scans_and_decides(void **state)
{
	struct pool *p = new_pool(2, 30000);
	struct dlp_report r;
	const char *why;
	pid_t pids[8];
	int fd = spool(p, mail_mn, sizeof(mail_mn) - 1);

	assert_int_equal(pool_pids(p, pids, 8), 2);
	assert_int_equal(pool_scan(p, eng_a, &env, fd, &r, &why), 0);
	assert_int_equal(r.action, DLP_REJECT);
	assert_string_equal(
	    r.ruleset_version, dlp_engine_ruleset_version(eng_a));
	assert_string_equal(r.message_id, "m1@example.jp");
	assert_true(r.n_findings >= 1);
	assert_non_null(strstr(r.findings[0].masked, "4717"));
	assert_null(strstr(r.findings[0].masked, "3815"));
	report_clear(&r);
	pool_spool_close(fd);
	pool_free(p);
}

/* /proc/PID/status has line (a prefix, e.g. "Seccomp:\t2") */
static bool
proc_has(pid_t pid, const char *file, const char *line)
{
	char path[64], buf[512];
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, file);
	if ((fp = fopen(path, "r")) == NULL)
		return false;
	while (!found && fgets(buf, sizeof(buf), fp) != NULL)
		found = strncmp(buf, line, strlen(line)) == 0;
	fclose(fp);
	return found;
}

static void
test_workers_are_narrowed(void **state)
{
	struct pool *p = new_pool(1, 30000);
	char dir[512];
	struct stat sb;
	pid_t pid;
	int fd;

	assert_int_equal(pool_pids(p, &pid, 1), 1);
	/* the worker sets itself up after fork: give it a moment */
	for (int i = 0; i < 100 && !proc_has(pid, "status", "Seccomp:\t2"); i++)
		usleep(10000);
	assert_true(proc_has(pid, "status", "Seccomp:\t2"));
	assert_true(proc_has(pid, "status", "NoNewPrivs:\t1"));
	assert_true(proc_has(pid, "limits", "Max core file size        0"));
	assert_true(proc_has(pid, "limits", "Max open files            64"));
	/* its private directory, 0700 */
	fd = pool_spool(p);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_nlink, 0); /* unnamed: gone when closed */
	pool_spool_close(fd);
	snprintf(dir, sizeof(dir), "/proc/%ld/cwd", (long)pid);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	pool_free(p);
}

/* the state letter of /proc/PID/stat ('T': stopped), or 0 */
static char
proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return 0;
	return p[2];
}

/*
 * SIGKILL pid and wait until it is dead, not dying: a zombie has closed
 * its socket, so no job can reach it (a fixed sleep raced a loaded
 * machine).
 */
static void
kill_dead(pid_t pid)
{
	int i;

	assert_int_equal(kill(pid, SIGKILL), 0);
	for (i = 0; i < 5000 && proc_state(pid) != 'Z'; i++)
		usleep(1000);
	assert_int_equal(proc_state(pid), 'Z');
}

static void
test_worker_killed_while_idle_is_replaced_unseen(void **state)
{
	struct pool *p = new_pool(1, 30000);
	struct dlp_report r;
	const char *why;
	pid_t pid, pid2;
	int fd = spool(p, mail_mn, sizeof(mail_mn) - 1);

	assert_int_equal(pool_pids(p, &pid, 1), 1);
	kill_dead(pid);
	assert_int_equal(pool_scan(p, eng_a, &env, fd, &r, &why), 0);
	assert_int_equal(r.action, DLP_REJECT);
	report_clear(&r);
	assert_int_equal(pool_pids(p, &pid2, 1), 1);
	assert_int_not_equal(pid, pid2);
	pool_spool_close(fd);
	pool_free(p);
}

/* a message that takes a worker a while: many numbers in many lines */
static char *
big_mail(size_t *len)
{
	struct buf b;
	size_t i;

	buf_init(&b, 64u << 20);
	assert_int_equal(buf_puts(&b,
			     "From: a@example.jp\r\n"
			     "To: to@partner.example.com\r\n"
			     "Subject: big\r\n\r\n"),
	    BUF_OK);
	for (i = 0; i < 200000; i++) {
		char line[128];

		snprintf(line, sizeof(line),
		    "%06zu 山田 太郎 東京都千代田区1-2-3 03-1234-%04zu "
		    "個人番号 " MY_NUMBER "\r\n",
		    i, i % 10000);
		assert_int_equal(buf_puts(&b, line), BUF_OK);
	}
	return buf_steal(&b, len);
}

static void
test_worker_past_its_time_is_killed_and_the_message_lost(void **state)
{
	struct pool *p = new_pool(1, 1); /* 1 ms: no message makes it */
	struct dlp_report r;
	const char *why = NULL;
	pid_t pid, pid2;
	size_t len;
	char *big = big_mail(&len);
	int fd = spool(p, big, len);

	assert_int_equal(pool_pids(p, &pid, 1), 1);
	assert_int_equal(pool_scan(p, eng_a, &env, fd, &r, &why), POOL_LOST);
	assert_string_equal(why, "worker:timeout");
	assert_int_equal(r.n_nodes, 0);
	/* refilled */
	assert_int_equal(pool_pids(p, &pid2, 1), 1);
	assert_int_not_equal(pid, pid2);
	assert_int_equal(kill(pid, 0), -1); /* the old one is gone */
	pool_spool_close(fd);
	buf_free_string(big);
	pool_free(p);
}

struct killer {
	struct pool *p;
};

static void *
kill_workers_soon(void *arg)
{
	struct killer *k = arg;
	pid_t pids[8];
	size_t n, i;

	usleep(30000);
	n = pool_pids(k->p, pids, 8);
	for (i = 0; i < n; i++)
		(void)kill(pids[i], SIGKILL);
	return NULL;
}

static void
test_worker_killed_mid_message_loses_only_that_message(void **state)
{
	struct pool *p = new_pool(1, 60000);
	struct killer k = { p };
	struct dlp_report r;
	const char *why = NULL;
	pthread_t t;
	size_t len;
	char *big = big_mail(&len);
	int fd = spool(p, big, len), fd2;

	assert_int_equal(pthread_create(&t, NULL, kill_workers_soon, &k), 0);
	assert_int_equal(pool_scan(p, eng_a, &env, fd, &r, &why), POOL_LOST);
	pthread_join(t, NULL);
	assert_string_equal(why, "worker:killed");
	/* the next message is scanned as ever */
	fd2 = spool(p, mail_mn, sizeof(mail_mn) - 1);
	assert_int_equal(pool_scan(p, eng_a, &env, fd2, &r, &why), 0);
	assert_int_equal(r.action, DLP_REJECT);
	report_clear(&r);
	pool_spool_close(fd);
	pool_spool_close(fd2);
	buf_free_string(big);
	pool_free(p);
}

static void
test_new_engine_gets_new_workers_old_messages_keep_theirs(void **state)
{
	struct pool *p = new_pool(2, 30000);
	struct dlp_report r;
	const char *why;
	pid_t before[8], after[8];
	size_t i, j;
	int fd = spool(p, mail_mn, sizeof(mail_mn) - 1);

	assert_int_equal(pool_pids(p, before, 8), 2);
	assert_int_equal(pool_set_engine(p, eng_b), 0);
	assert_int_equal(pool_pids(p, after, 8), 2);
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++)
			assert_int_not_equal(before[i], after[j]);
		/* the reload waited for the old ones: not even zombies */
		assert_false(alive(before[i]));
	}
	/* the new engine quarantines */
	assert_int_equal(pool_scan(p, eng_b, &env, fd, &r, &why), 0);
	assert_int_equal(r.action, DLP_QUARANTINE);
	report_clear(&r);
	/* a message that started under the old one still rejects */
	assert_int_equal(pool_scan(p, eng_a, &env, fd, &r, &why), 0);
	assert_int_equal(r.action, DLP_REJECT);
	report_clear(&r);
	/* and its one-off worker is gone again */
	assert_int_equal(pool_pids(p, after, 8), 2);
	pool_spool_close(fd);
	pool_free(p);
}

static void
test_workers_are_recycled_after_max_messages(void **state)
{
	struct pool *p = new_pool(1, 30000); /* max_messages 3 */
	struct dlp_report r;
	const char *why;
	pid_t first, now;
	char name[32];
	int i, fd = spool(p, mail_mn, sizeof(mail_mn) - 1);

	assert_int_equal(pool_pids(p, &first, 1), 1);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pool_scan(p, eng_a, &env, fd, &r, &why), 0);
		report_clear(&r);
	}
	assert_int_equal(pool_pids(p, &now, 1), 1);
	assert_int_not_equal(first, now);
	/* the old one was killed, not waited for: a later take() or give()
	   collects it once it has ended (a bounded wait for the kernel) */
	for (i = 0; i < 200 && alive(first); i++) {
		usleep(10000);
		assert_int_equal(pool_scan(p, eng_a, &env, fd, &r, &why), 0);
		assert_int_equal(r.action, DLP_REJECT);
		report_clear(&r);
	}
	assert_false(alive(first));
	snprintf(name, sizeof(name), "%ld", (long)first);
	assert_false(private_dir_left(name));
	pool_spool_close(fd);
	pool_free(p);
}

/*
 * Every message recycles its worker (max_messages 1), from four threads
 * at once: each is scanned, and when the pool is freed no worker is
 * left, running or a zombie, and no worker directory.
 */
struct recycler {
	struct pool *p;
	int fd;
	int rejected;
};

static void *
scan_many(void *arg)
{
	struct recycler *rc = arg;
	struct dlp_report r;
	const char *why;
	int i;

	for (i = 0; i < 10; i++) {
		if (pool_scan(rc->p, eng_a, &env, rc->fd, &r, &why) == 0 &&
		    r.action == DLP_REJECT)
			rc->rejected++;
		report_clear(&r);
	}
	return NULL;
}

static void
test_recycling_under_load_leaves_no_worker_behind(void **state)
{
	struct pool *p = new_pool_with(2, 30000, 0, 1);
	struct recycler rc[4];
	pthread_t t[4];
	pid_t pids[8];
	size_t n, i;

	for (i = 0; i < 4; i++) {
		rc[i].p = p;
		rc[i].fd = spool(p, mail_mn, sizeof(mail_mn) - 1);
		rc[i].rejected = 0;
		assert_int_equal(
		    pthread_create(&t[i], NULL, scan_many, &rc[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(rc[i].rejected, 10);
		pool_spool_close(rc[i].fd);
	}
	n = pool_pids(p, pids, 8);
	assert_int_equal(n, 2);
	pool_free(p);
	for (i = 0; i < n; i++)
		assert_false(alive(pids[i]));
	/* nothing of ours is left to wait for: the dying were collected */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_false(private_dir_left("*"));
}

static void
test_envelope_past_the_job_limit_is_lost_not_sent(void **state)
{
	/* 10 recipients of 2 MB: past the 16 MB a job frame may carry */
	struct pool *p = new_pool(1, 30000);
	const char *many[10];
	struct dlp_envelope big = env;
	struct dlp_report r;
	const char *why = NULL;
	pid_t before, after;
	size_t n = 2u << 20, i;
	char *addr = malloc(n + 1);
	int fd = spool(p, mail_mn, sizeof(mail_mn) - 1);

	assert_non_null(addr);
	memset(addr, 'a', n);
	addr[n] = '\0';
	for (i = 0; i < 10; i++)
		many[i] = addr;
	big.rcpts = many;
	big.n_rcpts = 10;
	assert_int_equal(pool_pids(p, &before, 1), 1);
	assert_int_equal(pool_scan(p, eng_a, &big, fd, &r, &why), POOL_LOST);
	assert_string_equal(why, "worker:envelope");
	/* the worker never saw it and is still there */
	assert_int_equal(pool_pids(p, &after, 1), 1);
	assert_int_equal(before, after);
	free(addr);
	pool_spool_close(fd);
	pool_free(p);
}

static void
test_spool_write_appends_and_close_wipes(void **state)
{
	struct pool *p = new_pool(1, 30000);
	char back[16] = { 0 };
	int fd = pool_spool(p), dup_fd;
	struct stat sb;

	assert_true(fd >= 0);
	assert_int_equal(pool_spool_write(p, fd, "abc", 3), 0);
	assert_int_equal(pool_spool_write(p, fd, "def", 3), 0);
	assert_int_equal(pread(fd, back, sizeof(back), 0), 6);
	assert_string_equal(back, "abcdef");
	dup_fd = dup(fd);
	pool_spool_close(fd);
	/* truncated before the close: a copy of the descriptor sees nothing */
	assert_int_equal(fstat(dup_fd, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	close(dup_fd);
	assert_int_equal(pool_spool_write(p, -1, "x", 1), -1);
	pool_free(p);
}

/* in memory: /proc says memfd; else the file system of tmpdir, unnamed */
static bool
in_memory(int fd)
{
	char path[64], target[256];
	struct stat sb, tb;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_nlink, 0);
	assert_int_equal(stat(tmpdir, &tb), 0);
	if (strncmp(target, "/memfd:", 7) == 0) {
		assert_true(sb.st_dev != tb.st_dev);
		return true;
	}
	assert_true(sb.st_dev == tb.st_dev);
	return false;
}

static void
test_spool_in_memory_moves_to_a_file_past_its_size(void **state)
{
	struct pool *p = new_pool_spool(1, 30000, 4096);
	unsigned char data[6000], back[6001];
	struct dlp_report r;
	const char *why;
	size_t i;
	int fd = pool_spool(p), same;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	assert_true(fd >= 0);
	assert_true(in_memory(fd));
	assert_int_equal(pool_spool_write(p, fd, data, 4000), 0);
	assert_true(in_memory(fd)); /* within 4096 */
	assert_int_equal(pool_spool_write(p, fd, data + 4000, 2000), 0);
	/* past it: a file now, under the same number, every byte there */
	assert_false(in_memory(fd));
	assert_int_equal(
	    pread(fd, back, sizeof(back), 0), (ssize_t)sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	same = dup(fd);
	pool_spool_close(fd);
	assert_int_equal(lseek(same, 0, SEEK_END), 0); /* wiped */
	close(same);

	/* a worker reads a memory spool as it reads a file */
	fd = pool_spool(p);
	assert_int_equal(
	    pool_spool_write(p, fd, mail_mn, sizeof(mail_mn) - 1), 0);
	assert_true(in_memory(fd));
	assert_int_equal(pool_scan(p, eng_a, &env, fd, &r, &why), 0);
	assert_int_equal(r.action, DLP_REJECT);
	assert_true(r.n_findings >= 1);
	report_clear(&r);
	same = dup(fd);
	pool_spool_close(fd);
	assert_int_equal(lseek(same, 0, SEEK_END), 0);
	close(same);
	pool_free(p);
}

/*
 * The move fails (here no descriptor for the file: the limit of open
 * files is reached): the write says so with errno, and the spool is
 * still the memory one, whole.
 */
static void
test_spool_move_that_fails_leaves_the_memory_spool(void **state)
{
	struct pool *p = new_pool_spool(1, 30000, 16);
	struct rlimit old, low;
	char back[16];
	int fd = pool_spool(p), fill[1024];
	size_t n = 0, i;

	assert_true(fd >= 0);
	assert_int_equal(pool_spool_write(p, fd, "0123456789", 10), 0);
	assert_true(in_memory(fd));
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)fd + 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < 1024 && (fill[n] = dup(fd)) >= 0)
		n++;
	assert_int_equal(errno, EMFILE);
	assert_int_equal(pool_spool_write(p, fd, "abcdefghij", 10), -1);
	assert_int_equal(errno, EMFILE);
	for (i = 0; i < n; i++)
		close(fill[i]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(in_memory(fd));
	assert_int_equal(pread(fd, back, sizeof(back), 0), 10);
	assert_memory_equal(back, "0123456789", 10);
	/* with descriptors again, the same write moves it */
	assert_int_equal(pool_spool_write(p, fd, "abcdefghij", 10), 0);
	assert_false(in_memory(fd));
	assert_int_equal(pread(fd, back, sizeof(back), 0), 16);
	assert_memory_equal(back, "0123456789abcdef", 16);
	pool_spool_close(fd);
	pool_free(p);
}

/* ---- the pool's paths that need help from outside ---- */

/* stop pid (SIGSTOP) and wait until it is stopped */
static void
stop_worker(pid_t pid)
{
	int i;

	assert_int_equal(kill(pid, SIGSTOP), 0);
	for (i = 0; i < 2000 && proc_state(pid) != 'T'; i++)
		usleep(1000);
	assert_int_equal(proc_state(pid), 'T');
}

/* a pid of the pool's that is not in known[0..n), waited for; 0: none */
static pid_t
new_worker(struct pool *p, const pid_t *known, size_t n)
{
	pid_t pids[16];
	size_t got, i, j;
	int tries;

	for (tries = 0; tries < 5000; tries++) {
		got = pool_pids(p, pids, 16);
		for (i = 0; i < got; i++) {
			for (j = 0; j < n && pids[i] != known[j]; j++)
				;
			if (j == n)
				return pids[i];
		}
		usleep(200);
	}
	return 0;
}

/* one pool_scan in a thread of its own */
struct scan_job {
	struct pool *p;
	struct dlp_engine *e;
	int fd;
	int rc;
	const char *why;
	struct dlp_report r;
	pthread_t t;
};

static void *
scan_thread(void *arg)
{
	struct scan_job *j = arg;

	j->rc = pool_scan(j->p, j->e, &env, j->fd, &j->r, &j->why);
	return NULL;
}

static void
scan_start(struct scan_job *j, struct pool *p, struct dlp_engine *e, int fd)
{
	memset(j, 0, sizeof(*j));
	j->p = p;
	j->e = e;
	j->fd = fd;
	j->rc = 1; /* not yet */
	assert_int_equal(pthread_create(&j->t, NULL, scan_thread, j), 0);
}

static void
test_no_worker_free_within_the_wall_time_is_busy(void **state)
{
	/*
	 * POOL_BUSY. The wait for a worker and the scan each have
	 * workers.timeout, so a message waiting behind one holder that
	 * started before it gets the worker when the holder is killed, in
	 * time. A message is busy when the worker it waits for is taken by
	 * a message that started after it. Without racing two waiters for a
	 * wake-up, that is a message of an engine that was not current
	 * (it gets a one-off worker) which becomes current again: two
	 * reloads, a -> b -> a, while messages are in flight.
	 */
	struct pool *p = new_pool(1, 3000);
	struct scan_job h0, b, h;
	pid_t known[4], wa2, after;
	size_t len;
	char *big = big_mail(&len);
	int fd = spool(p, mail_mn, sizeof(mail_mn) - 1);
	int fd_big = spool(p, big, len), fd2;

	assert_int_equal(pool_pids(p, &known[0], 1), 1);
	/* h0 holds the one worker of a: it never answers */
	stop_worker(known[0]);
	scan_start(&h0, p, eng_a, fd);
	usleep(200000);
	/* b waits for a worker of a, until its deadline */
	scan_start(&b, p, eng_a, fd);
	usleep(200000);
	/* reload to b: a worker of b; h0's stays (busy) */
	assert_int_equal(pool_set_engine(p, eng_b), 0);
	assert_int_equal(pool_pids(p, known, 4), 2);
	/* a message of a, started after b, gets a one-off worker of a at
	   once (a is not current); it is stopped mid-message */
	scan_start(&h, p, eng_a, fd_big);
	assert_true((wa2 = new_worker(p, known, 2)) > 0);
	stop_worker(wa2);
	/* back to a: a has two workers (h0's, h's), both busy: b waits on */
	assert_int_equal(pool_set_engine(p, eng_a), 0);
	pthread_join(b.t, NULL);
	assert_int_equal(b.rc, POOL_BUSY);
	assert_null(b.why);
	assert_int_equal(b.r.n_nodes, 0);
	/* h0 passed its time */
	pthread_join(h0.t, NULL);
	assert_int_equal(h0.rc, POOL_LOST);
	assert_string_equal(h0.why, "worker:timeout");
	/* h is still in its worker's hands: b cost no worker its life */
	assert_int_equal(proc_state(wa2), 'T');
	assert_int_equal(kill(wa2, SIGCONT), 0);
	pthread_join(h.t, NULL);
	assert_true(h.rc == 0 || h.rc == POOL_LOST);
	if (h.rc == 0)
		assert_int_equal(h.r.action, DLP_REJECT);
	else
		assert_string_equal(h.why, "worker:timeout");
	report_clear(&h.r);
	/* the next message is scanned */
	fd2 = spool(p, mail_mn, sizeof(mail_mn) - 1);
	assert_int_equal(pool_scan(p, eng_a, &env, fd2, &b.r, &b.why), 0);
	assert_int_equal(b.r.action, DLP_REJECT);
	report_clear(&b.r);
	assert_int_equal(pool_pids(p, &after, 1), 1);
	pool_spool_close(fd);
	pool_spool_close(fd_big);
	pool_spool_close(fd2);
	buf_free_string(big);
	pool_free(p);
}

/* the reply frame's header, as pool.c writes it: u32 magic, u32 length */
#define TEST_REPLY_MAGIC 0x31524c44u /* "DLR1" */
#define TEST_WORKER_FD	 3

/*
 * A copy of worker pid's end of its socket (pidfd_open + pidfd_getfd,
 * Linux >= 5.6, as root or its parent with ptrace rights); -1 when the
 * kernel or a sandbox does not allow it (the test is then skipped).
 */
static int
worker_socket(pid_t pid)
{
	int pidfd, fd, i;

	/* its descriptor 3 is the socket once it has set itself up: the
	   seccomp filter is the last step (new_pool() turns it on) */
	for (i = 0; i < 2000 && !proc_has(pid, "status", "Seccomp:\t2"); i++)
		usleep(1000);
	assert_true(proc_has(pid, "status", "Seccomp:\t2"));
	if ((pidfd = (int)syscall(434 /* pidfd_open */, pid, 0)) < 0)
		return -1;
	fd = (int)syscall(438 /* pidfd_getfd */, pidfd, TEST_WORKER_FD, 0);
	close(pidfd);
	return fd;
}

/* write a reply frame (header magic, length n, then body) as the worker */
static void
inject_reply(int sfd, uint32_t magic, uint32_t n, const void *body, size_t len)
{
	uint32_t hdr[2] = { magic, n };

	assert_int_equal(write(sfd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	if (len > 0)
		assert_int_equal(write(sfd, body, len), (ssize_t)len);
}

static void
test_reply_not_a_report_is_lost_as_protocol(void **state)
{
	/* the worker's reply is a frame whose body is no report_wire
	   report: written into the worker's own end of the socket (a copy
	   taken with pidfd_getfd) while the worker is busy on a slow
	   message; the daemon reads it before the worker's own answer */
	static const char garbage[] = "this is not a report frame!";
	struct pool *p = new_pool(1, 30000);
	struct dlp_report r;
	const char *why = NULL;
	pid_t pid, pid2;
	size_t len;
	char *big = big_mail(&len);
	int fd = spool(p, big, len), fd2, sfd;

	assert_int_equal(pool_pids(p, &pid, 1), 1);
	if ((sfd = worker_socket(pid)) < 0) {
		print_message("pidfd_getfd: %s: skipped\n", strerror(errno));
		pool_spool_close(fd);
		buf_free_string(big);
		pool_free(p);
		skip();
	}
	inject_reply(
	    sfd, TEST_REPLY_MAGIC, sizeof(garbage), garbage, sizeof(garbage));
	assert_int_equal(pool_scan(p, eng_a, &env, fd, &r, &why), POOL_LOST);
	assert_string_equal(why, "worker:protocol");
	assert_int_equal(r.n_nodes, 0);
	close(sfd);
	/* that worker is gone, another is there, the next scan works */
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(pool_pids(p, &pid2, 1), 1);
	assert_int_not_equal(pid, pid2);
	fd2 = spool(p, mail_mn, sizeof(mail_mn) - 1);
	assert_int_equal(pool_scan(p, eng_a, &env, fd2, &r, &why), 0);
	assert_int_equal(r.action, DLP_REJECT);
	report_clear(&r);
	pool_spool_close(fd);
	pool_spool_close(fd2);
	buf_free_string(big);
	pool_free(p);
}

static void
test_reply_header_wrong_is_lost_as_protocol(void **state)
{
	/*
	 * A reply header with a wrong magic or a length past REPLY_MAX is a
	 * protocol error ("worker:protocol"), not a worker someone killed
	 * (it was named "worker:killed" before the fix).
	 */
	struct pool *p;
	struct dlp_report r;
	const char *why = NULL;
	pid_t pid;
	int fd, sfd, i;

	p = new_pool(1, 30000);
	fd = spool(p, mail_mn, sizeof(mail_mn) - 1);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pool_pids(p, &pid, 1), 1);
		if ((sfd = worker_socket(pid)) < 0)
			skip();
		stop_worker(pid); /* only our reply comes */
		if (i == 0)
			inject_reply(sfd, 0x12345678u, 0, NULL, 0);
		else
			inject_reply(
			    sfd, TEST_REPLY_MAGIC, UINT32_MAX, NULL, 0);
		close(sfd);
		assert_int_equal(
		    pool_scan(p, eng_a, &env, fd, &r, &why), POOL_LOST);
		assert_string_equal(why, "worker:protocol");
	}
	pool_spool_close(fd);
	pool_free(p);
}

static void
test_idle_workers_killed_together_cost_no_message(void **state)
{
	/*
	 * A worker that dies while idle is replaced unseen, however many
	 * die together (an OOM kill, an admin's kill): here all 3, and
	 * take() walks the array from the front, where reap() moves the
	 * last (dead) one. Before the fix pool_scan tried a second worker
	 * only, and the message was lost ("worker:killed") though no worker
	 * ever had it.
	 */
	struct pool *p;
	struct dlp_report r;
	const char *why = NULL;
	pid_t pids[8];
	size_t n, i;
	int fd;

	p = new_pool(3, 30000);
	fd = spool(p, mail_mn, sizeof(mail_mn) - 1);
	n = pool_pids(p, pids, 8);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		kill_dead(pids[i]);
	assert_int_equal(pool_scan(p, eng_a, &env, fd, &r, &why), 0);
	assert_int_equal(r.action, DLP_REJECT);
	report_clear(&r);
	pool_spool_close(fd);
	pool_free(p);
}

static void
test_waiting_leaves_the_scan_its_whole_time(void **state)
{
	/*
	 * b waits for the one worker, held by h0 (stopped), until h0 passes
	 * its time (1.5 s); b then gets a fresh worker, which is stopped
	 * until 2.2 s, past b's start + 1.5 s: with one deadline for the
	 * wait and the scan (before the fix) b was lost as worker:timeout;
	 * now its scan has 1.5 s of its own and b is decided.
	 */
	struct pool *p = new_pool(1, 1500);
	struct scan_job h0, b;
	pid_t known[1], fresh = 0, pids[4];
	size_t got, i;
	int fd = spool(p, mail_mn, sizeof(mail_mn) - 1), tries;

	assert_int_equal(pool_pids(p, known, 1), 1);
	stop_worker(known[0]);
	scan_start(&h0, p, eng_a, fd);
	usleep(200000);
	scan_start(&b, p, eng_a, fd);
	for (tries = 0; tries < 50000 && fresh == 0; tries++) {
		got = pool_pids(p, pids, 4);
		for (i = 0; i < got; i++)
			if (pids[i] != known[0])
				fresh = pids[i];
		if (fresh == 0)
			usleep(100);
	}
	assert_true(fresh > 0);
	stop_worker(fresh);
	pthread_join(h0.t, NULL);
	assert_int_equal(h0.rc, POOL_LOST);
	assert_string_equal(h0.why, "worker:timeout");
	usleep(700000);
	assert_int_equal(kill(fresh, SIGCONT), 0);
	pthread_join(b.t, NULL);
	assert_int_equal(b.rc, 0);
	assert_int_equal(b.r.action, DLP_REJECT);
	report_clear(&b.r);
	pool_spool_close(fd);
	pool_free(p);
}

static void
test_lost_message_is_decided_not_inspectable(void **state)
{
	struct dlp_scan *s = dlp_scan_new(eng_a, &env);
	const struct dlp_report *r;

	assert_non_null(s);
	assert_int_equal(dlp_scan_lost(s, 12345, "worker:crash"), DLP_OK);
	assert_int_equal(dlp_scan_lost(s, 1, "again"), DLP_EINPUT);
	dlp_scan_finish(s);
	assert_non_null(r = dlp_scan_report(s));
	assert_int_equal(r->n_nodes, 1);
	assert_string_equal(r->nodes[0].path, "message");
	assert_int_equal(r->nodes[0].encryption, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(r->nodes[0].reason, "worker:crash");
	assert_int_equal(r->message_size, 12345);
	/* policy.not_inspectable, default quarantine */
	assert_int_equal(r->action, DLP_QUARANTINE);
	dlp_scan_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_round_trip_keeps_every_field),
		cmocka_unit_test(test_wire_refuses_lengths_past_the_end),
		cmocka_unit_test(test_worker_scans_and_decides),
		cmocka_unit_test(test_workers_are_narrowed),
		cmocka_unit_test(
		    test_worker_killed_while_idle_is_replaced_unseen),
		cmocka_unit_test(
		    test_worker_past_its_time_is_killed_and_the_message_lost),
		cmocka_unit_test(
		    test_worker_killed_mid_message_loses_only_that_message),
		cmocka_unit_test(
		    test_new_engine_gets_new_workers_old_messages_keep_theirs),
		cmocka_unit_test(test_workers_are_recycled_after_max_messages),
		cmocka_unit_test(
		    test_recycling_under_load_leaves_no_worker_behind),
		cmocka_unit_test(
		    test_envelope_past_the_job_limit_is_lost_not_sent),
		cmocka_unit_test(test_spool_write_appends_and_close_wipes),
		cmocka_unit_test(
		    test_spool_in_memory_moves_to_a_file_past_its_size),
		cmocka_unit_test(
		    test_spool_move_that_fails_leaves_the_memory_spool),
		cmocka_unit_test(test_lost_message_is_decided_not_inspectable),
		cmocka_unit_test(
		    test_no_worker_free_within_the_wall_time_is_busy),
		cmocka_unit_test(test_reply_not_a_report_is_lost_as_protocol),
		cmocka_unit_test(test_reply_header_wrong_is_lost_as_protocol),
		cmocka_unit_test(
		    test_idle_workers_killed_together_cost_no_message),
		cmocka_unit_test(test_waiting_leaves_the_scan_its_whole_time),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
