/*
 * pool - the worker processes of dlp-milter. See pool.h.
 *
 * The daemon side keeps one array of workers behind a mutex; a message
 * takes an idle worker of its engine (or forks one), talks to it without
 * the lock, and gives it back or loses it (kill, reap, refill). The
 * worker side is worker_main(), which never returns.
 *
 * A worker retired whole (recycled after max_messages, or idle under an
 * old engine after a reload) is killed and put on a list of the dying,
 * not waited for: the kernel takes milliseconds to tear a process down
 * (1-17 measured), and the lock is held while it does. Every take() and
 * give() collects, without blocking, the dying that have ended (waitpid
 * WNOHANG, then their directory); a reload and pool_free() wait for the
 * rest. A worker lost mid-message is waited for, since its end says why
 * the message was lost, but outside the lock.
 *
 * Frames on a worker's socket (host byte order; a worker is a fork):
 *   job:   u32 JOB_MAGIC, u32 n, then n bytes of envelope: i64 now,
 *          str sender, str client, u32 n_rcpts, str rcpt...; the spool
 *          file's descriptor rides on the first byte (SCM_RIGHTS)
 *   reply: u32 REPLY_MAGIC, u32 n, then n bytes of report (report_wire)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "buf.h"
#include "monoclock.h"
#include "pool.h"
#include "report.h"
#include "report_wire.h"

#define JOB_MAGIC   0x314a4c44u /* "DLJ1" */
#define REPLY_MAGIC 0x31524c44u /* "DLR1" */
/* Limits of the frames: the envelope (Postfix allows 1000 recipients of
   up to 2 KB by default) and the report (its nodes are bounded by the
   engine's limits). */
#define JOB_MAX	      (16u << 20)
#define REPLY_MAX     (64u << 20)
#define WORKER_FD     3	 /* the worker's socket, after the shuffle */
#define WORKER_NOFILE 64 /* open files of a worker */
#define READ_CHUNK    65536
#define STR_NULL      UINT32_MAX

struct worker {
	pid_t pid;
	int sock;
	struct dlp_engine *engine; /* our reference */
	bool busy;
	unsigned jobs;
	struct worker *next; /* on the pool's list of the dying */
};

struct pool {
	struct pool_conf conf;
	char temp_dir[PATH_MAX];
	char dir[PATH_MAX];
	dev_t dir_dev; /* its file system: a spool elsewhere is in memory */
	pid_t daemon;  /* who forked the workers */
	pthread_mutex_t lock;
	pthread_cond_t freed;	    /* a worker became idle or was reaped */
	struct dlp_engine *current; /* our reference */
	struct worker **w;
	size_t n, cap;
	struct worker *dying; /* killed, not yet waited for (via next) */
};

/* ---- time ---- */

/* ms_left: what is left until deadline, at least 0, at most INT_MAX. */
static int
ms_left(long long deadline)
{
	long long left = deadline - mono_ms();

	return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* ---- the worker process ---- */

/* Read exactly n bytes; 0 at a clean end before the first byte. */
static int
read_full(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return got == 0 && r == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

static int
write_full(int fd, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w == 0)
			errno = ENOSPC;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * The seccomp filter: a deny list, since the libraries a worker runs
 * use more system calls than an allow list could name safely. What it
 * refuses (EPERM) is what no parser needs: running programs, the
 * network, new processes, other processes, mounts.
 */
static int
install_seccomp(void)
{
#if defined(__x86_64__)
#define POOL_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define POOL_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif
#ifdef POOL_AUDIT_ARCH
#define DENY(nr)                                         \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	    BPF_STMT(BPF_RET | BPF_K,                    \
		SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, POOL_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		DENY(SYS_execve),
		DENY(SYS_execveat),
		DENY(SYS_socket),
		DENY(SYS_connect),
		DENY(SYS_bind),
		DENY(SYS_listen),
		DENY(SYS_accept),
		DENY(SYS_accept4),
		DENY(SYS_ptrace),
		DENY(SYS_process_vm_readv),
		DENY(SYS_process_vm_writev),
		DENY(SYS_kill),
		DENY(SYS_mount),
		DENY(SYS_umount2),
		DENY(SYS_chroot),
		DENY(SYS_setuid),
		DENY(SYS_setgid),
#ifdef SYS_fork
		DENY(SYS_fork),
#endif
#ifdef SYS_vfork
		DENY(SYS_vfork),
#endif
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof(f) / sizeof(f[0])),
		f };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#undef DENY
#else
	return 0; /* no filter for this architecture: the limits remain */
#endif
}

/* The address space in use now (VmSize), from /proc/self/statm. */
static size_t
vm_size(void)
{
	unsigned long pages = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (fp == NULL)
		return 0;
	if (fscanf(fp, "%lu", &pages) != 1)
		pages = 0;
	fclose(fp);
	return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

static void
set_limit(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = { soft, hard };

	(void)setrlimit(res, &rl);
}

/* cpu_budget: from now, cpu_s more seconds of CPU (SIGXCPU, then KILL). */
static void
cpu_budget(unsigned cpu_s)
{
	struct rusage ru;
	rlim_t used;

	if (cpu_s == 0 || getrusage(RUSAGE_SELF, &ru) < 0)
		return;
	used = (rlim_t)ru.ru_utime.tv_sec + (rlim_t)ru.ru_stime.tv_sec + 1;
	set_limit(RLIMIT_CPU, used + cpu_s, used + cpu_s + 1);
}

/* The worker's own setup after fork; failures end it (the pool sees). */
static void
worker_setup(const struct pool *p, int sock)
{
	char dir[PATH_MAX + 32];
	sigset_t all;
	int fd;

	/* no PR_SET_PDEATHSIG: it fires when the forking *thread* ends, and
	   a refill may be forked by a libmilter thread that ends with its
	   connection. A worker notices the daemon's end as the end of its
	   socket instead (recvmsg returns 0, or its answer cannot be sent) */
	if (getppid() != p->daemon)
		_exit(1);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGHUP, SIG_DFL);
	(void)signal(SIGPIPE, SIG_IGN);
	/* only the socket, as WORKER_FD, and /dev/null as stdio */
	if (sock != WORKER_FD && dup2(sock, WORKER_FD) < 0)
		_exit(1);
	if ((fd = open("/dev/null", O_RDWR)) < 0 || dup2(fd, 0) < 0 ||
	    dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(1);
	if (syscall(SYS_close_range, WORKER_FD + 1, ~0U, 0) < 0)
		_exit(1);
	snprintf(dir, sizeof(dir), "%s/w%ld", p->dir, (long)getpid());
	if (mkdir(dir, 0700) < 0 || chdir(dir) < 0 ||
	    setenv("TMPDIR", dir, 1) < 0)
		_exit(1);
	set_limit(RLIMIT_CORE, 0, 0);
	set_limit(RLIMIT_NOFILE, WORKER_NOFILE, WORKER_NOFILE);
	if (p->conf.memory_mb > 0) {
		rlim_t as = (rlim_t)vm_size() +
		    (rlim_t)p->conf.memory_mb * (rlim_t)(1024 * 1024);

		set_limit(RLIMIT_AS, as, as);
	}
	if (geteuid() != 0)
		set_limit(RLIMIT_NPROC, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(1);
	if (p->conf.seccomp && install_seccomp() < 0)
		_exit(1);
}

/* A string of the job frame; NULL for STR_NULL; bounded by end. */
static const char *
job_str(unsigned char **pp, const unsigned char *end, char **owned)
{
	uint32_t n;
	char *s;

	*owned = NULL;
	if ((size_t)(end - *pp) < sizeof(n))
		return NULL;
	memcpy(&n, *pp, sizeof(n));
	*pp += sizeof(n);
	if (n == STR_NULL)
		return NULL;
	if (n > (size_t)(end - *pp) || (s = malloc((size_t)n + 1)) == NULL)
		_exit(1);
	memcpy(s, *pp, n);
	s[n] = '\0';
	*pp += n;
	*owned = s;
	return s;
}

/* worker_job: one message: scan the spool file, write the report. */
static void
worker_job(struct dlp_engine *e, const unsigned char *envb, size_t n, int spool)
{
	unsigned char *p = (unsigned char *)envb, *end = p + n;
	struct dlp_envelope env = { 0 };
	char *sender, *client, **owned = NULL, **rcpts = NULL;
	const struct dlp_report *r;
	struct dlp_scan *s;
	struct buf out;
	uint32_t hdr[2], nr = 0, i;
	long long now;
	unsigned char *chunk;
	off_t off = 0;
	ssize_t got;

	if (n < sizeof(now) + 2 * sizeof(uint32_t))
		_exit(1);
	memcpy(&now, p, sizeof(now));
	p += sizeof(now);
	env.now = now;
	env.sender = job_str(&p, end, &sender);
	env.client_addr = job_str(&p, end, &client);
	if ((size_t)(end - p) < sizeof(nr))
		_exit(1);
	memcpy(&nr, p, sizeof(nr));
	p += sizeof(nr);
	if (nr > (size_t)(end - p) / sizeof(uint32_t) ||
	    (nr > 0 &&
		((rcpts = calloc(nr, sizeof(*rcpts))) == NULL ||
		    (owned = calloc(nr, sizeof(*owned))) == NULL)))
		_exit(1);
	for (i = 0; i < nr; i++)
		if ((rcpts[i] = (char *)job_str(&p, end, &owned[i])) == NULL)
			_exit(1);
	env.rcpts = (const char *const *)rcpts;
	env.n_rcpts = nr;
	if ((s = dlp_scan_new(e, &env)) == NULL ||
	    (chunk = malloc(READ_CHUNK)) == NULL)
		_exit(1);
	while ((got = pread(spool, chunk, READ_CHUNK, off)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 ||
		    dlp_scan_feed(s, chunk, (size_t)got) == DLP_EFATAL)
			break;
		off += got;
	}
	(void)dlp_scan_finish(s);
	r = dlp_scan_report(s);
	buf_init(&out, REPLY_MAX);
	if (r == NULL || report_wire_encode(r, &out) < 0)
		_exit(1);
	hdr[0] = REPLY_MAGIC;
	hdr[1] = (uint32_t)out.len;
	if (write_full(WORKER_FD, hdr, sizeof(hdr)) < 0 ||
	    write_full(WORKER_FD, out.data, out.len) < 0)
		_exit(1);
	buf_free(&out);
	free(chunk);
	dlp_scan_free(s);
	for (i = 0; i < nr; i++)
		free(owned[i]);
	free(owned);
	free(rcpts);
	free(sender);
	free(client);
}

/* worker_main: serve jobs until the daemon closes the socket. */
static void __attribute__((noreturn))
worker_main(const struct pool *p, struct dlp_engine *e, int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	unsigned char *envb;
	uint32_t hdr[2];
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *cm;
	int spool;
	ssize_t r;

	worker_setup(p, sock);
	for (;;) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = hdr;
		iov.iov_len = sizeof(hdr);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		do
			r = recvmsg(WORKER_FD, &mh, MSG_CMSG_CLOEXEC);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			_exit(0); /* the daemon let us go */
		if (r < 0 || (size_t)r != sizeof(hdr) || hdr[0] != JOB_MAGIC ||
		    hdr[1] > JOB_MAX)
			_exit(1);
		cm = CMSG_FIRSTHDR(&mh);
		if (cm == NULL || cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len != CMSG_LEN(sizeof(int)))
			_exit(1);
		memcpy(&spool, CMSG_DATA(cm), sizeof(int));
		if ((envb = malloc(hdr[1] + 1)) == NULL ||
		    read_full(WORKER_FD, envb, hdr[1]) != 1)
			_exit(1);
		cpu_budget(p->conf.cpu_s);
		worker_job(e, envb, hdr[1], spool);
		free(envb);
		(void)close(spool);
	}
}

/* ---- the daemon side ---- */

/* rm_private: remove a worker's directory and what it left there. */
static void
rm_private(const struct pool *p, pid_t pid)
{
	char dir[PATH_MAX + 32];
	struct dirent *de;
	DIR *d;
	int dfd;

	snprintf(dir, sizeof(dir), "%s/w%ld", p->dir, (long)pid);
	if ((d = opendir(dir)) != NULL) {
		dfd = dirfd(d);
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				(void)unlinkat(dfd, de->d_name, 0);
		closedir(d);
	}
	(void)rmdir(dir);
}

/* spawn: fork a worker for e (lock held). NULL when fork failed. */
static struct worker *
spawn(struct pool *p, struct dlp_engine *e)
{
	struct worker *w, **v;
	int sv[2];
	pid_t pid;

	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 8;

		if ((v = realloc(p->w, ncap * sizeof(*v))) == NULL)
			return NULL;
		p->w = v;
		p->cap = ncap;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(w);
		return NULL;
	}
	if ((pid = fork()) < 0) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		free(w);
		return NULL;
	}
	if (pid == 0)
		worker_main(p, e, sv[1]);
	(void)close(sv[1]);
	w->pid = pid;
	w->sock = sv[0];
	w->engine = dlp_engine_ref(e);
	p->w[p->n++] = w;
	return w;
}

/* unlist: worker w leaves the pool's array (lock held); takers wake. */
static void
unlist(struct pool *p, struct worker *w)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->w[i] == w) {
			p->w[i] = p->w[--p->n];
			break;
		}
	pthread_cond_broadcast(&p->freed);
}

/* bury: take worker w out of the pool, kill it and close its socket;
   its end is collected later (lock held). */
static void
bury(struct pool *p, struct worker *w)
{
	unlist(p, w);
	(void)kill(w->pid, SIGKILL);
	(void)close(w->sock);
	w->sock = -1;
	w->next = p->dying;
	p->dying = w;
}

/* forget: what is left of ended worker w (its directory, memory). */
static void
forget(struct pool *p, struct worker *w)
{
	rm_private(p, w->pid);
	dlp_engine_unref(w->engine);
	free(w);
}

/* collect: the dying that have ended, or all of them when block (lock
   held). */
static void
collect(struct pool *p, bool block)
{
	struct worker **pp = &p->dying, *w;
	pid_t r;

	while ((w = *pp) != NULL) {
		while ((r = waitpid(w->pid, NULL, block ? 0 : WNOHANG)) < 0 &&
		    errno == EINTR)
			;
		if (r == 0) { /* still dying */
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		forget(p, w);
	}
}

/* reap: end unlisted worker w and wait for it (lock not needed); its
   end status. */
static int
reap(struct pool *p, struct worker *w)
{
	int st = 0;

	(void)kill(w->pid, SIGKILL);
	(void)close(w->sock);
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	forget(p, w);
	return st;
}

static size_t
count_of(const struct pool *p, const struct dlp_engine *e)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		if (p->w[i]->engine == e)
			n++;
	return n;
}

/* refill: fork workers until the current engine has its size (locked). */
static int
refill(struct pool *p)
{
	while (count_of(p, p->current) < p->conf.size)
		if (spawn(p, p->current) == NULL)
			return -1;
	return 0;
}

/*
 * take: an idle worker of e, marked busy; forks one when e has fewer
 * than the pool's size (or is an old engine with none idle). Waits for
 * one to come free until deadline. NULL: *spawn_failed tells why.
 */
static struct worker *
take(struct pool *p, struct dlp_engine *e, long long deadline,
    bool *spawn_failed)
{
	struct worker *w = NULL;
	struct timespec ts;
	size_t i;
	int left;

	*spawn_failed = false;
	pthread_mutex_lock(&p->lock);
	if (p->dying != NULL)
		collect(p, false);
	for (;;) {
		for (i = 0; i < p->n; i++)
			if (!p->w[i]->busy && p->w[i]->engine == e) {
				w = p->w[i];
				break;
			}
		if (w == NULL &&
		    (e != p->current || count_of(p, e) < p->conf.size)) {
			if ((w = spawn(p, e)) == NULL)
				*spawn_failed = true;
		}
		if (w != NULL || *spawn_failed)
			break;
		if ((left = ms_left(deadline)) == 0)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (long)(left % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&p->freed, &p->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
	if (w != NULL)
		w->busy = true;
	pthread_mutex_unlock(&p->lock);
	return w;
}

/* give: a worker that answered goes back, or is replaced when due. */
static void
give(struct pool *p, struct worker *w)
{
	pthread_mutex_lock(&p->lock);
	w->busy = false;
	w->jobs++;
	if (w->engine != p->current ||
	    (p->conf.max_messages > 0 && w->jobs >= p->conf.max_messages)) {
		bury(p, w);
		(void)refill(p);
	} else
		pthread_cond_broadcast(&p->freed);
	if (p->dying != NULL)
		collect(p, false);
	pthread_mutex_unlock(&p->lock);
}

/* lose: a worker that failed is ended and replaced; why it ended. */
static const char *
lose(struct pool *p, struct worker *w, bool timed_out)
{
	const char *why;
	int st = 0;

	pthread_mutex_lock(&p->lock);
	unlist(p, w);
	(void)refill(p);
	pthread_mutex_unlock(&p->lock);
	st = reap(p, w);
	if (timed_out)
		why = "worker:timeout";
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGXCPU)
		why = "worker:cpu";
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		why = "worker:killed";
	else if (WIFSIGNALED(st))
		why = "worker:crash";
	else
		why = "worker:exit";
	return why;
}

/* put_str: a string of the job frame. */
static int
put_str(struct buf *b, const char *s)
{
	uint32_t n = s != NULL ? (uint32_t)strlen(s) : STR_NULL;

	if (buf_append(b, &n, sizeof(n)) != BUF_OK)
		return -1;
	return s != NULL ? (buf_append(b, s, n) == BUF_OK ? 0 : -1) : 0;
}

/* job_frame: the envelope as the job frame's body. */
static int
job_frame(struct buf *b, const struct dlp_envelope *env)
{
	long long now = env->now;
	uint32_t nr = (uint32_t)env->n_rcpts;
	size_t i;

	if (buf_append(b, &now, sizeof(now)) != BUF_OK ||
	    put_str(b, env->sender) < 0 || put_str(b, env->client_addr) < 0 ||
	    buf_append(b, &nr, sizeof(nr)) != BUF_OK)
		return -1;
	for (i = 0; i < env->n_rcpts; i++)
		if (put_str(b, env->rcpts[i] != NULL ? env->rcpts[i] : "") < 0)
			return -1;
	return 0;
}

/* send_job: the frame with the spool descriptor. -1: the worker is gone. */
static int
send_job(struct worker *w, const struct buf *body, int fd, long long deadline)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	uint32_t hdr[2] = { JOB_MAGIC, (uint32_t)body->len };
	const unsigned char *p = body->data;
	size_t left = body->len;
	struct msghdr mh;
	struct iovec iov = { hdr, sizeof(hdr) };
	struct cmsghdr *cm;
	struct pollfd pfd = { w->sock, POLLOUT, 0 };
	ssize_t r;

	memset(&mh, 0, sizeof(mh));
	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		r = sendmsg(w->sock, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(hdr))
		return -1;
	while (left > 0) {
		if (poll(&pfd, 1, ms_left(deadline)) <= 0)
			return -1;
		r = send(w->sock, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		p += r;
		left -= (size_t)r;
	}
	return 0;
}

/* recv_full: n bytes before deadline. 1 ok, 0 timeout, -1 gone. */
static int
recv_full(int fd, void *buf, size_t n, long long deadline)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	unsigned char *p = buf;
	ssize_t r;
	int pr;

	while (n > 0) {
		if ((pr = poll(&pfd, 1, ms_left(deadline))) == 0)
			return 0;
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		r = recv(fd, p, n, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

int
pool_scan(struct pool *p, struct dlp_engine *e, const struct dlp_envelope *env,
    int fd, struct dlp_report *rep, const char **reason)
{
	/* the wait for a worker and the scan have a wall time each: a
	   message that waited long still gets its whole time to scan */
	long long wait_deadline = mono_ms() + p->conf.timeout_ms, deadline;
	unsigned char *data = NULL;
	struct worker *w;
	struct buf body;
	uint32_t hdr[2];
	bool spawn_failed;
	size_t attempt;
	int rc;

	memset(rep, 0, sizeof(*rep));
	*reason = NULL;
	buf_init(&body, JOB_MAX);
	if (job_frame(&body, env) < 0) {
		buf_free(&body);
		*reason = "worker:envelope";
		return POOL_LOST;
	}
	/*
	 * A worker that died while idle (killed, out of memory) fails the
	 * send: it is replaced and another tried, the message was never in
	 * its hands. Each failure removes one dead worker, so size + 1 tries
	 * get past every worker of the pool dying at once.
	 */
	for (attempt = 0;; attempt++) {
		if ((w = take(p, e, wait_deadline, &spawn_failed)) == NULL) {
			buf_free(&body);
			*reason = spawn_failed ? "worker:fork" : NULL;
			return spawn_failed ? POOL_LOST : POOL_BUSY;
		}
		deadline = mono_ms() + p->conf.timeout_ms;
		if (send_job(w, &body, fd, deadline) == 0)
			break;
		*reason = lose(p, w, false);
		if (attempt >= p->conf.size) {
			buf_free(&body);
			return POOL_LOST;
		}
	}
	buf_free(&body);
	/* rc: 1 a report, 0 past the wall time, -1 the worker gone, -2 a
	   reply that is not one, -3 no memory for it (ours, not the worker's) */
	rc = recv_full(w->sock, hdr, sizeof(hdr), deadline);
	if (rc == 1 && (hdr[0] != REPLY_MAGIC || hdr[1] > REPLY_MAX))
		rc = -2;
	if (rc == 1 && (data = malloc(hdr[1] > 0 ? hdr[1] : 1)) == NULL)
		rc = -3;
	if (rc == 1)
		rc = recv_full(w->sock, data, hdr[1], deadline);
	if (rc == 1 && report_wire_decode(data, hdr[1], rep) < 0)
		rc = -2;
	free(data);
	if (rc != 1) {
		const char *why = lose(p, w, rc == 0);

		*reason = rc == -2 ? "worker:protocol"
		    : rc == -3	   ? "worker:nomem"
				   : why;
		return POOL_LOST;
	}
	rep->ruleset_version = dlp_engine_ruleset_version(e);
	give(p, w);
	return 0;
}

/* spool_file: a new unnamed file (0600) in the pool's directory. */
static int
spool_file(struct pool *p)
{
	char tmpl[PATH_MAX + 16];
	int fd;

	fd = open(p->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	/* a file system without O_TMPFILE: a named file, unlinked now */
	snprintf(tmpl, sizeof(tmpl), "%s/spool.XXXXXX", p->dir);
	if ((fd = mkostemp(tmpl, O_CLOEXEC)) >= 0)
		(void)unlink(tmpl);
	return fd;
}

int
pool_spool(struct pool *p)
{
	int fd;

	if (p->conf.spool_memory > 0 &&
	    (fd = memfd_create("dlp-milter-spool", MFD_CLOEXEC)) >= 0) {
		(void)fchmod(fd, 0600);
		return fd;
	}
	return spool_file(p); /* no memory spools, or none to be had */
}

/*
 * to_file: the size bytes of the memory spool fd go to a new file, which
 * then takes fd's number (the memory is freed); the caller's
 * descriptor stays valid either way. 0, or -1 with errno (ENOSPC: the
 * temp directory is full; fd is as it was).
 */
static int
to_file(struct pool *p, int fd, size_t size)
{
	unsigned char *chunk;
	size_t off = 0;
	ssize_t got = 0;
	int nf, rc = -1, err = 0;

	if ((nf = spool_file(p)) < 0)
		return -1;
	if ((chunk = malloc(READ_CHUNK)) == NULL) {
		(void)close(nf);
		errno = ENOMEM;
		return -1;
	}
	while (off < size &&
	    (got = pread(fd, chunk, READ_CHUNK, (off_t)off)) > 0) {
		if (write_full(nf, chunk, (size_t)got) < 0)
			break;
		off += (size_t)got;
	}
	/* the memory goes with its last descriptor, which dup3() closes */
	if (off == size && dup3(nf, fd, O_CLOEXEC) >= 0)
		rc = 0;
	else if (off < size && got == 0)
		errno = EIO; /* shorter than it was a moment ago */
	err = errno;
	explicit_bzero(chunk, READ_CHUNK);
	free(chunk);
	if (rc < 0 && ftruncate(nf, 0) < 0) {
		/* closing frees it all the same */
	}
	(void)close(nf);
	errno = err;
	return rc;
}

int
pool_spool_write(struct pool *p, int fd, const void *data, size_t len)
{
	struct stat sb;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (p->conf.spool_memory > 0) {
		if (fstat(fd, &sb) < 0)
			return -1;
		if (sb.st_dev != p->dir_dev &&
		    (size_t)sb.st_size + len > p->conf.spool_memory &&
		    to_file(p, fd, (size_t)sb.st_size) < 0)
			return -1;
	}
	return write_full(fd, data, len);
}

void
pool_spool_close(int fd)
{
	if (fd < 0)
		return;
	if (ftruncate(fd, 0) < 0) {
		/* closing frees it all the same */
	}
	(void)close(fd);
}

struct pool *
pool_new(const struct pool_conf *conf, struct dlp_engine *e, char *err,
    size_t errlen)
{
	struct pool *p;
	struct stat sb;
	const char *td;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->conf = *conf;
	if (p->conf.size == 0)
		p->conf.size = 1;
	td = conf->temp_dir != NULL && conf->temp_dir[0] != '\0'
	    ? conf->temp_dir
	    : "/tmp";
	snprintf(p->temp_dir, sizeof(p->temp_dir), "%s", td);
	p->conf.temp_dir = p->temp_dir;
	snprintf(p->dir, sizeof(p->dir), "%s/dlp-milter.XXXXXX", td);
	if (mkdtemp(p->dir) == NULL || stat(p->dir, &sb) < 0) {
		snprintf(err, errlen, "cannot make a directory in %s: %s", td,
		    strerror(errno));
		free(p);
		return NULL;
	}
	p->dir_dev = sb.st_dev;
	p->daemon = getpid();
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	p->current = dlp_engine_ref(e);
	pthread_mutex_lock(&p->lock);
	if (refill(p) < 0) {
		pthread_mutex_unlock(&p->lock);
		snprintf(
		    err, errlen, "cannot fork a worker: %s", strerror(errno));
		pool_free(p);
		return NULL;
	}
	pthread_mutex_unlock(&p->lock);
	return p;
}

int
pool_set_engine(struct pool *p, struct dlp_engine *e)
{
	struct dlp_engine *old;
	size_t i;
	int rc;

	pthread_mutex_lock(&p->lock);
	old = p->current;
	p->current = dlp_engine_ref(e);
	for (i = 0; i < p->n;) {
		struct worker *w = p->w[i];

		if (w->engine != e && !w->busy)
			bury(p, w); /* p->w[i] is another now */
		else
			i++;
	}
	rc = refill(p);
	/* a reload is rare, and the old workers are gone when it returns */
	collect(p, true);
	pthread_mutex_unlock(&p->lock);
	dlp_engine_unref(old);
	return rc;
}

size_t
pool_pids(struct pool *p, pid_t *pids, size_t max)
{
	size_t i, n = 0;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n && n < max; i++)
		pids[n++] = p->w[i]->pid;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void
pool_free(struct pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	while (p->n > 0)
		bury(p, p->w[0]);
	collect(p, true);
	pthread_mutex_unlock(&p->lock);
	(void)rmdir(p->dir);
	dlp_engine_unref(p->current);
	free(p->w);
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
