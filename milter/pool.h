/*
 * pool - the worker processes of dlp-milter. Every message is parsed,
 * unpacked and scanned in one of them, never in the daemon's threads:
 * the code that reads hostile input (our MIME parser and extractors,
 * libarchive, libxml2, poppler, libgsf, libmagic) can crash, loop or eat
 * memory, and a worker that does is killed without harm to the daemon
 * or to the other messages.
 *
 * A worker is a fork of the daemon with the engine (config and compiled
 * rules) of its generation; it closes every descriptor but its socket,
 * takes resource limits (address space, CPU time per message, open
 * files, no core, no new processes), works in a private 0700 directory,
 * sets no_new_privs and a seccomp filter that refuses exec, sockets and
 * ptrace, and serves one message at a time over a socketpair: the
 * daemon sends the envelope and the descriptor of the spooled message,
 * the worker answers with the report (report_wire.h). The daemon kills a
 * worker that passes the wall time; a worker that dies (crash, CPU limit,
 * memory) costs that message a not-inspectable verdict with a reason
 * ("worker:timeout", "worker:crash", "worker:cpu", "worker:killed",
 * "worker:exit"; "worker:protocol" for a reply that is not a report),
 * and the pool forks a replacement. A worker that died while idle is
 * replaced unseen: the message goes to another. Workers are recycled
 * after max_messages.
 *
 * Spool: the glue writes each message to anonymous memory (memfd, 0600)
 * while it is within spool_memory bytes, and past that to an unnamed file
 * (O_TMPFILE, 0600) in the pool's own 0700 directory under temp_dir; the
 * move keeps the descriptor's number. The data is gone when the last
 * descriptor closes (pool_spool_close() truncates it first), and the
 * directory is removed by pool_free(). Why memory first: most mail is
 * small, and a file per message costs the file system an inode each time;
 * on ext4 beside a busy mail queue, allocating one took the daemon more
 * CPU than everything else it does for a 20 KB message (docs/
 * performance.md). A spool in memory never touches a disk.
 *
 * Reload: pool_set_engine() forks workers for the new engine and retires
 * the idle ones of the old; a message that started under the old engine
 * is still scanned by a worker of that engine (one is forked for it when
 * none is idle), so messages in flight finish under their own rules.
 *
 * Forking from a threaded daemon: the workers run only the engine, whose
 * objects are immutable once loaded, and the libraries' own state, which
 * the daemon's threads never touch after start-up (its scans are never
 * fed: dlp_scan_lost). glibc makes malloc safe across fork. A worker
 * never logs: it reports through its socket, the daemon logs.
 *
 * Thread-safety: every function may be called from any thread.
 */
#ifndef DLP_POOL_H
#define DLP_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dlp.h"

struct pool_conf {
	unsigned size;	       /* workers kept for the current engine */
	unsigned timeout_ms;   /* wall time of one message in a worker */
	size_t memory_mb;      /* address space of a worker; 0: no limit */
	unsigned cpu_s;	       /* CPU seconds of one message; 0: no limit */
	unsigned max_messages; /* a worker is replaced after so many */
	const char *temp_dir;  /* where the pool's 0700 directory goes */
	size_t spool_memory;   /* bytes a spool keeps in memory; 0: a file */
	bool seccomp;	       /* install the seccomp filter */
};

/* pool_scan results besides 0. */
#define POOL_LOST (-1) /* the worker failed: *reason says how */
#define POOL_BUSY (-2) /* no worker came free in time: tempfail */

struct pool;

/*
 * pool_new: make the spool directory and fork conf->size workers for e
 * (the pool takes a reference). NULL with a message in err on failure.
 */
struct pool *pool_new(const struct pool_conf *conf, struct dlp_engine *e,
    char *err, size_t errlen);

/* pool_free: kill and reap every worker, remove the directory. NULL ok. */
void pool_free(struct pool *p);

/*
 * pool_set_engine: e becomes the engine of new messages (the pool takes
 * a reference): workers are forked for it, idle workers of older engines
 * are retired. Returns 0, or -1 when no worker could be forked (the pool
 * goes on forking on demand).
 */
int pool_set_engine(struct pool *p, struct dlp_engine *e);

/*
 * pool_spool: a new spool (0600): in memory when spool_memory allows (and
 * the kernel gives one), else an unnamed file. -1 with errno.
 */
int pool_spool(struct pool *p);

/*
 * pool_spool_write: append len bytes to the spool fd of p. A memory spool
 * that would pass spool_memory moves to a file first, under the same
 * descriptor number. Returns 0, or -1 with errno (ENOSPC: the temp
 * directory is full).
 */
int pool_spool_write(struct pool *p, int fd, const void *data, size_t len);

/* pool_spool_close: truncate (wipe) and close a spool file; -1 ok. */
void pool_spool_close(int fd);

/*
 * pool_scan: scan the message spooled in fd (size bytes, from offset 0)
 * for env, in a worker of engine e. Returns 0 with *rep filled (decoded;
 * the caller report_clear()s it; ruleset_version is e's), POOL_LOST with
 * *reason set (a static string) when the worker died or was killed, or
 * POOL_BUSY when none came free within the wall time. Waiting for a
 * worker and the scan have a wall time (timeout_ms) each.
 */
int pool_scan(struct pool *p, struct dlp_engine *e,
    const struct dlp_envelope *env, int fd, struct dlp_report *rep,
    const char **reason);

/* pool_pids: the workers' process ids, up to max; returns how many. */
size_t pool_pids(struct pool *p, pid_t *pids, size_t max);

#endif
