/*
 * dlp_milter - main() of the dlp-milter daemon.
 *
 * Reads the options, loads the configuration and every rule (the engine
 * compiles them once; all connections share them read-only), opens the
 * milter socket, detaches from the terminal unless -f, and hands over to
 * libmilter, whose threads run the callbacks of milter_glue.c.
 *
 * Start-up failures (bad option, config or rule error, socket that cannot
 * be opened) are reported on stderr before detaching and end the program
 * with status 1 (2 for a usage error), so that "dlp-milter -n" and a
 * failed "systemctl start" say what is wrong.
 *
 * Signals: SIGTERM and SIGINT are taken by a thread of ours (sigwait),
 * which calls smfi_stop(); smfi_main() then returns within libmilter's
 * poll interval (5 s), in-flight connections are cut (the MTA applies
 * its milter_default_action), main() releases the engine and exits 0.
 * libmilter runs a signal thread of its own that waits for the same
 * signals and either thread may take SIGTERM or SIGINT, with the same
 * effect. SIGHUP is ours alone (libmilter would stop on it; see
 * __wrap_sigwait): it reloads the config and the rules (reload(): a
 * config that does not load is refused, with its file:line, and the
 * running one stays) and reopens the audit file after logrotate.
 * SIGPIPE is ignored: a vanished MTA connection is an error on that
 * connection only.
 *
 * Before serving, it creates the secret file when the config names one
 * that does not exist yet (fingerprints and notice signatures need it),
 * and checks that the notice templates load and the incident store
 * opens. Started as root, it opens the socket, then runs as milter.user
 * for good. After detaching it forks the workers (pool.h: every message
 * is scanned in one of them) and starts the incident side (incident.h:
 * audit trail, store, notices and their outbox thread).
 *
 * Threads: main() is alone until smfi_main() (the workers are forked
 * before any thread starts); the signal thread sets an atomic flag and
 * calls smfi_stop(), or reloads; engines are shared read-only.
 *
 * What it does not do: write a pid file (systemd tracks the process).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "buf.h"
#include "config.h"
#include "dlp.h"
#include "incident.h"
#include "log.h"
#include "milter_glue.h"
#include "notice.h"
#include "pool.h"
#include "store.h"

/* sun_path of struct sockaddr_un, less the NUL */
#define UNIX_PATH_MAX 107

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlp-milter [-fhn] [-c config] [-p socket]\n"
	    "  -c FILE    configuration file\n"
	    "  -n         load the configuration and every rule, report "
	    "errors as\n"
	    "             file:line: message, then exit: 0 when fine, 1 "
	    "when not\n"
	    "  -f         stay in the foreground and log to stderr (else: "
	    "detach, syslog)\n"
	    "  -p SOCKET  listen on SOCKET instead of milter.socket: "
	    "inet:PORT@HOST,\n"
	    "             inet6:PORT@HOST or unix:PATH\n"
	    "  -h         this help\n"
	    "Without -c the configuration is %s when the program\n"
	    "runs from the build tree (it is build/dlp-milter below the "
	    "current directory)\n"
	    "and that file exists, else %s.\n"
	    "Exit status: 0 ok, 1 error, 2 usage error.\n",
	    DLP_TREE_CONFIG, DLP_SYSTEM_CONFIG);
}

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * socket_check: whether spec is a socket we can listen on:
 * inet:PORT@HOST, inet6:PORT@HOST (PORT 1..65535, HOST a name or
 * address), unix:PATH or local:PATH (PATH short enough for a unix
 * socket). On error returns -1 with the reason in why.
 */
static int
socket_check(const char *spec, char *why, size_t whylen)
{
	const char *rest, *at, *p;
	unsigned long port;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		rest = strchr(spec, ':') + 1;
		if (*rest == '\0') {
			(void)snprintf(why, whylen, "empty socket path");
			return -1;
		}
		if (strlen(rest) > UNIX_PATH_MAX - 1) {
			(void)snprintf(why, whylen, "socket path too long");
			return -1;
		}
		return 0;
	}
	if (strncmp(spec, "inet:", 5) == 0)
		rest = spec + 5;
	else if (strncmp(spec, "inet6:", 6) == 0)
		rest = spec + 6;
	else {
		(void)snprintf(why, whylen,
		    "expected inet:PORT@HOST, inet6:PORT@HOST or unix:PATH");
		return -1;
	}
	if ((at = strchr(rest, '@')) == NULL || at[1] == '\0') {
		(void)snprintf(why, whylen, "missing @HOST after the port");
		return -1;
	}
	if (!all_digits(rest, (size_t)(at - rest)) || at - rest > 5 ||
	    (port = strtoul(rest, NULL, 10)) < 1 || port > 65535) {
		(void)snprintf(why, whylen, "port must be 1..65535");
		return -1;
	}
	for (p = at + 1; *p != '\0'; p++)
		if (strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789.-:[]",
			*p) == NULL) {
			(void)snprintf(why, whylen, "bad character in host");
			return -1;
		}
	return 0;
}

/*
 * socket_abs: for a unix socket with a relative path, the same socket
 * with an absolute path (the daemon changes to / when it detaches, and
 * libmilter removes the socket by name at exit). Returns a malloc'ed
 * string or NULL.
 */
static char *
socket_abs(const char *spec)
{
	char cwd[PATH_MAX];
	const char *path;
	struct buf b;

	if (strncmp(spec, "unix:", 5) != 0 && strncmp(spec, "local:", 6) != 0)
		return strdup(spec);
	path = strchr(spec, ':') + 1;
	if (*path == '/')
		return strdup(spec);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	/* "unix:" + the path, which must fit in sun_path */
	buf_init(&b, 5 + UNIX_PATH_MAX);
	if (buf_puts(&b, "unix:") != BUF_OK || buf_puts(&b, cwd) != BUF_OK ||
	    buf_putc(&b, '/') != BUF_OK || buf_puts(&b, path) != BUF_OK) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/* Set by the signal thread when SIGTERM or SIGINT asked us to stop. */
static atomic_bool stop_requested;

struct options;

/* What a reload needs; set before the signal thread starts. */
static const struct options *daemon_opts;
static struct pool *daemon_pool;
static const char *daemon_socket; /* the socket in use */
/* the config started with: what only a restart changes */
static const struct dlp_config *daemon_cfg0;

static void reload(void);

/*
 * libmilter's own signal thread sigwait()s for SIGHUP, SIGTERM and SIGINT
 * and stops the milter on SIGHUP. SIGHUP is ours (logrotate: reopen the
 * audit file), so libmilter is linked statically with
 * -Wl,--wrap=sigwait and its calls come here, where SIGHUP is taken out
 * of the set: only our signal thread, which calls the real sigwait(),
 * ever receives it. Every thread blocks all three signals.
 */
int __real_sigwait(const sigset_t *set, int *sig);
int __wrap_sigwait(const sigset_t *set, int *sig);

int
__wrap_sigwait(const sigset_t *set, int *sig)
{
	sigset_t s = *set;

	(void)sigdelset(&s, SIGHUP);
	return __real_sigwait(&s, sig);
}

static void *
signal_thread(void *arg)
{
	const sigset_t *set = arg;
	int sig;

	for (;;) {
		if (__real_sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			milter_glue_reopen();
			reload();
			continue;
		}
		atomic_store(&stop_requested, true);
		log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		if (smfi_stop() != MI_SUCCESS)
			log_err("smfi_stop failed");
		return NULL;
	}
}

/*
 * block_signals, start_signal_thread: block SIGTERM, SIGINT and SIGHUP
 * in every thread (threads created later, ours and libmilter's, inherit
 * the mask: block first, before any thread starts, or a signal could
 * kill the process through a thread that does not block it) and wait for
 * them in a thread of ours. Return 0 or an errno value.
 */
static sigset_t signal_set;

static int
block_signals(void)
{
	sigemptyset(&signal_set);
	sigaddset(&signal_set, SIGTERM);
	sigaddset(&signal_set, SIGINT);
	sigaddset(&signal_set, SIGHUP);
	return pthread_sigmask(SIG_BLOCK, &signal_set, NULL);
}

static int
start_signal_thread(void)
{
	pthread_t tid;
	int rc;

	if ((rc = pthread_create(&tid, NULL, signal_thread, &signal_set)) != 0)
		return rc;
	return pthread_detach(tid);
}

/* daemonize: fork, new session, fork again, cd /, stdio to /dev/null. */
static int
daemonize(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) < 0)
		return -1;
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    dup2(fd, STDERR_FILENO) < 0) {
		(void)close(fd);
		return -1;
	}
	if (fd > STDERR_FILENO)
		(void)close(fd);
	return 0;
}

/* What the command line asked for. */
struct options {
	const char *config; /* -c, or the default: as given, for messages */
	const char *path;   /* the same, absolute: what is loaded */
	char config_abs[PATH_MAX];
	const char *socket; /* -p, or NULL */
	bool check;	    /* -n */
	bool foreground;    /* -f */
};

/*
 * parse_options: fill o from argv. Returns 0 to go on, -1 after -h (the
 * usage is printed on stdout: exit 0), 2 after a usage error (the usage
 * is printed on stderr: exit 2).
 */
static int
parse_options(int argc, char *argv[], struct options *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt(argc, argv, "c:fhnp:")) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case 'n':
			o->check = true;
			break;
		case 'p':
			o->socket = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (o->config == NULL)
		o->config = config_default_path();
	/*
	 * Absolute, so that every path the config resolves beside itself
	 * (templates, store, secret, approvers map) still holds after
	 * daemonize() changed to "/". A file that does not resolve is
	 * reported by the load.
	 */
	o->path = realpath(o->config, o->config_abs) != NULL ? o->config_abs
							     : o->config;
	return 0;
}

/*
 * run_user: the user to run as, when started as root and milter.user
 * names one; NULL otherwise. A user that does not exist is an error
 * (stderr, *bad set).
 */
static const struct passwd *
run_user(const struct options *o, const struct dlp_config *cfg, bool *bad)
{
	const struct passwd *pw;

	*bad = false;
	if (geteuid() != 0 || cfg->milter.user == NULL ||
	    cfg->milter.user[0] == '\0')
		return NULL;
	if ((pw = getpwnam(cfg->milter.user)) == NULL) {
		fprintf(stderr,
		    "%s: milter.user %s: no such user (`make install` "
		    "creates dlp-milter; \"\" keeps root)\n",
		    o->config, cfg->milter.user);
		*bad = true;
	}
	return pw;
}

/*
 * check_templates: the notice templates load. Errors go to stderr;
 * returns 0 or -1.
 */
static int
check_templates(const struct dlp_config *cfg)
{
	struct notice_templates *t;
	struct dlp_error err;
	char msg[1200];

	memset(&err, 0, sizeof(err));
	if ((t = notice_templates_load(cfg->notices.templates_dir, &err)) ==
	    NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return -1;
	}
	notice_templates_free(t);
	return 0;
}

/*
 * check_store: the incident store opens (created on first start), as
 * the user the daemon runs as. Errors go to stderr; returns 0 or -1.
 */
static int
check_store(const struct options *o, const struct dlp_config *cfg)
{
	struct store *st;
	char msg[256];

	if ((st = store_open(cfg->quarantine.db_path, msg, sizeof(msg))) ==
	    NULL) {
		fprintf(stderr,
		    "%s: quarantine.database %s: %s (its directory must be "
		    "writable by the user the daemon runs as)\n",
		    o->config, cfg->quarantine.db_path, msg);
		return -1;
	}
	store_close(st);
	return 0;
}

/*
 * own_dir: started as root, make the directory of a file the daemon
 * writes (the store, the audit trail) when it is missing, owned by the
 * user it will run as. An existing directory is left as it is.
 */
static void
own_dir(const char *file, mode_t mode, const struct passwd *pw)
{
	char dir[PATH_MAX], *slash, *p;

	if (file == NULL || file[0] == '\0' ||
	    snprintf(dir, sizeof(dir), "%s", file) >= (int)sizeof(dir) ||
	    (slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	if (access(dir, F_OK) == 0)
		return;
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		(void)mkdir(dir, 0755);
		*p = '/';
	}
	if (mkdir(dir, mode) == 0 && chown(dir, pw->pw_uid, pw->pw_gid) < 0)
		fprintf(
		    stderr, "dlp-milter: chown %s: %s\n", dir, strerror(errno));
}

/*
 * make_secret: when the config names a secret_file that does not exist
 * yet, create it (first start), so that fingerprints and notice
 * signatures work from the first message; started as root, the file
 * goes to the user the daemon runs as (a reload reads it again). Not
 * with -n. Returns 0 or -1 (stderr).
 */
static int
make_secret(const struct options *o)
{
	const struct passwd *pw;
	struct dlp_config *cfg;
	struct dlp_error err;
	struct stat sb;
	char msg[1200];
	bool bad;
	int rc = 0;

	if (o->check)
		return 0;
	memset(&err, 0, sizeof(err));
	if ((cfg = config_load(o->path, &err)) == NULL)
		return 0; /* load_checked() reports it */
	if (config_secret_create(cfg, &err) < 0) {
		dlp_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		rc = -1;
	} else if ((pw = run_user(o, cfg, &bad)) != NULL &&
	    cfg->secret_file != NULL && stat(cfg->secret_file, &sb) == 0 &&
	    sb.st_uid == 0 &&
	    chown(cfg->secret_file, pw->pw_uid, pw->pw_gid) < 0) {
		fprintf(stderr, "%s: chown %s: %s\n", o->config,
		    cfg->secret_file, strerror(errno));
		rc = -1;
	}
	config_free(cfg);
	return rc;
}

/*
 * load_checked: load the config and the rules, and check what only the
 * daemon reads (the socket, the syslog facility, the user, the notice
 * templates). Errors go to stderr as "file:line: message"; returns the
 * engine or NULL. *sockp gets the socket to listen on, *facility the
 * syslog facility.
 */
static struct dlp_engine *
load_checked(const struct options *o, const char **sockp, int *facility)
{
	const struct dlp_config *cfg;
	struct dlp_engine *e;
	struct dlp_error err;
	char msg[1200], why[128];
	const char *sock;
	bool bad;

	memset(&err, 0, sizeof(err));
	if ((e = dlp_engine_load(o->path, &err)) == NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return NULL;
	}
	cfg = dlp_engine_config(e);
	sock = o->socket != NULL ? o->socket : cfg->milter.socket;
	if (sock == NULL || socket_check(sock, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: bad socket \"%s\": %s\n",
		    o->socket != NULL ? "dlp-milter: -p" : o->config,
		    sock != NULL ? sock : "", sock != NULL ? why : "not set");
		goto fail;
	}
	if ((*facility = log_facility(cfg->milter.syslog_facility)) < 0) {
		fprintf(stderr, "%s: unknown milter.syslog_facility \"%s\"\n",
		    o->config,
		    cfg->milter.syslog_facility != NULL
			? cfg->milter.syslog_facility
			: "");
		goto fail;
	}
	(void)run_user(o, cfg, &bad);
	if (bad || check_templates(cfg) < 0)
		goto fail;
	*sockp = sock;
	return e;
fail:
	dlp_engine_unref(e);
	return NULL;
}

static const char *
ruleset(const struct dlp_engine *e)
{
	const char *v = dlp_engine_ruleset_version(e);

	return v != NULL ? v : "-";
}

/*
 * socket_perms: a unix socket gets milter.socket_mode and the owner of
 * milter.socket_owner ("user" or "user:group"), or, when the daemon
 * drops to a user and no owner is set, that user. fatal() on failure.
 */
static void
socket_perms(const char *sock_abs, const struct dlp_config *cfg,
    const struct passwd *run)
{
	char owner[256], *colon;
	const struct passwd *pw;
	const struct group *gr;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	const char *path;

	if (strncmp(sock_abs, "unix:", 5) != 0 &&
	    strncmp(sock_abs, "local:", 6) != 0)
		return;
	path = strchr(sock_abs, ':') + 1;
	if (chmod(path, (mode_t)cfg->milter.socket_mode) < 0)
		fatal("chmod %o %s: %s", cfg->milter.socket_mode, path,
		    strerror(errno));
	if (cfg->milter.socket_owner != NULL) {
		snprintf(owner, sizeof(owner), "%s", cfg->milter.socket_owner);
		if ((colon = strchr(owner, ':')) != NULL)
			*colon++ = '\0';
		if ((pw = getpwnam(owner)) == NULL)
			fatal("milter.socket_owner: no such user %s", owner);
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		if (colon != NULL) {
			if ((gr = getgrnam(colon)) == NULL)
				fatal("milter.socket_owner: no such group %s",
				    colon);
			gid = gr->gr_gid;
		}
	} else if (run != NULL) {
		uid = run->pw_uid;
		gid = run->pw_gid;
	} else
		return;
	if (chown(path, uid, gid) < 0)
		fatal("chown %s: %s", path, strerror(errno));
}

/* drop_privileges: become pw for good (groups, gid, uid). fatal(). */
static void
drop_privileges(const struct passwd *pw)
{
	if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		fatal("cannot become %s: %s", pw->pw_name, strerror(errno));
	if (setuid(0) == 0)
		fatal("could become root again after dropping to %s",
		    pw->pw_name);
}

/* pool_conf_of: the worker pool's settings from the config. */
static void
pool_conf_of(const struct dlp_config *cfg, struct pool_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->size = cfg->workers.count;
	pc->timeout_ms = cfg->workers.timeout * 1000;
	pc->memory_mb = cfg->workers.memory_mb;
	pc->cpu_s = cfg->workers.cpu;
	pc->max_messages = cfg->workers.max_messages;
	pc->temp_dir = cfg->workers.temp_dir;
	pc->spool_memory = (size_t)cfg->workers.spool_memory_kb * 1024;
	pc->seccomp = cfg->workers.seccomp;
}

/* same: two optional strings are equal. */
static bool
same(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

/*
 * reload (SIGHUP, in the signal thread): load the config and the rules
 * again; if they load and the incident side starts with them, new
 * messages use them and messages in flight finish with the old ones.
 * Otherwise the running configuration stays, and the log says why, with
 * the file and line. What only a restart changes (the socket, the user,
 * the workers' settings) is logged, not applied.
 */
static void
reload(void)
{
	const struct dlp_config *cfg, *old;
	struct dlp_engine *e;
	struct incidents *in;
	struct dlp_error err;
	struct pool_conf a, b;
	char msg[1200];

	memset(&err, 0, sizeof(err));
	if ((e = dlp_engine_load(daemon_opts->path, &err)) == NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		log_err(
		    "reload refused, the running configuration stays: %s", msg);
		return;
	}
	cfg = dlp_engine_config(e);
	if ((in = incidents_start(cfg, msg, sizeof(msg))) == NULL) {
		log_err(
		    "reload refused, the running configuration stays: %s", msg);
		dlp_engine_unref(e);
		return;
	}
	if (milter_glue_swap(e, in) < 0) {
		log_err("reload refused: out of memory");
		incidents_stop(in);
		dlp_engine_unref(e);
		return;
	}
	old = daemon_cfg0;
	pool_conf_of(cfg, &a);
	pool_conf_of(old, &b);
	if (daemon_opts->socket == NULL &&
	    !same(cfg->milter.socket, daemon_socket))
		log_warn("reload: milter.socket changed: takes a restart");
	if (!same(cfg->milter.user, old->milter.user))
		log_warn("reload: milter.user changed: takes a restart");
	if (a.size != b.size || a.timeout_ms != b.timeout_ms ||
	    a.memory_mb != b.memory_mb || a.cpu_s != b.cpu_s ||
	    a.max_messages != b.max_messages || a.seccomp != b.seccomp ||
	    a.spool_memory != b.spool_memory || !same(a.temp_dir, b.temp_dir))
		log_warn("reload: workers changed: takes a restart");
	if (pool_set_engine(daemon_pool, e) < 0)
		log_err("reload: cannot fork workers: %s", strerror(errno));
	log_info("reloaded: rules=%zu ruleset=%s config=%s",
	    dlp_engine_rule_count(e), ruleset(e), daemon_opts->config);
	dlp_engine_unref(e);
}

/*
 * serve: open the socket (as root, when started so), become the
 * configured user, detach unless -f, fork the workers, run libmilter
 * until stopped. Start-up failures are fatal() (stderr while attached).
 * Returns the exit status.
 */
static int
serve(struct dlp_engine *e, const struct options *o, const char *sock,
    int facility)
{
	const struct dlp_config *cfg = dlp_engine_config(e);
	const struct passwd *pw;
	struct incidents *in;
	struct pool_conf pc;
	char *sock_abs, why[1200];
	bool bad;
	int rc, status;

	/* until detached, everything goes to the terminal */
	log_init(cfg->milter.syslog_ident, facility, true);
	/* first: a SIGTERM that comes while we start (the socket is open
	   before the signal thread runs) waits for that thread; the mask
	   survives daemonize()'s forks and every thread inherits it */
	if ((rc = block_signals()) != 0)
		fatal("cannot block signals: %s", strerror(rc));
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("cannot ignore SIGPIPE");
	if ((sock_abs = socket_abs(sock)) == NULL)
		fatal("cannot make the socket path absolute: %s", sock);
	if (milter_glue_register() < 0)
		fatal("cannot register with libmilter");
	if (smfi_setconn(sock_abs) != MI_SUCCESS)
		fatal("smfi_setconn %s failed", sock_abs);
	if (cfg->milter.timeout > 0 &&
	    smfi_settimeout((int)cfg->milter.timeout) != MI_SUCCESS)
		fatal("smfi_settimeout failed");
	/* true: remove a stale unix socket left by an earlier run */
	if (smfi_opensocket(true) != MI_SUCCESS)
		fatal("cannot open the milter socket %s", sock_abs);
	pw = run_user(o, cfg, &bad);
	socket_perms(sock_abs, cfg, pw);
	if (pw != NULL) {
		own_dir(cfg->quarantine.db_path, 0700, pw);
		if (cfg->audit.file != NULL)
			own_dir(cfg->audit.file, 0750, pw);
		drop_privileges(pw);
	}
	if (check_store(o, cfg) < 0)
		exit(1);
	if (!o->foreground) {
		if (daemonize() < 0)
			fatal("cannot detach: %s", strerror(errno));
		log_init(cfg->milter.syslog_ident, facility, false);
	}
	/* after daemonize(): fork() keeps only the calling thread, and an
	   SQLite connection must not cross a fork; the workers are forked
	   while we are still one thread */
	pool_conf_of(cfg, &pc);
	if ((daemon_pool = pool_new(&pc, e, why, sizeof(why))) == NULL)
		fatal("workers: %s", why);
	if ((in = incidents_start(cfg, why, sizeof(why))) == NULL)
		fatal("%s", why);
	if (milter_glue_start(e, in, daemon_pool) < 0)
		fatal("out of memory");
	daemon_opts = o;
	daemon_socket = sock;
	daemon_cfg0 = cfg;
	if ((rc = start_signal_thread()) != 0)
		fatal("cannot start the signal thread: %s", strerror(rc));
	log_info("starting: socket=%s rules=%zu ruleset=%s config=%s "
		 "workers=%u user=%s",
	    sock_abs, dlp_engine_rule_count(e), ruleset(e), o->config, pc.size,
	    pw != NULL ? pw->pw_name : "(unchanged)");
	if (smfi_main() != MI_SUCCESS && !atomic_load(&stop_requested)) {
		log_err("smfi_main failed");
		status = 1;
	} else {
		log_info("stopped");
		status = 0;
	}
	milter_glue_shutdown();
	pool_free(daemon_pool);
	daemon_pool = NULL;
	free(sock_abs);
	return status;
}

int
main(int argc, char *argv[])
{
	struct options o;
	struct dlp_engine *e;
	const char *sock = NULL;
	int facility = 0, status;

	if ((status = parse_options(argc, argv, &o)) != 0)
		return status < 0 ? 0 : status;
	if (make_secret(&o) < 0)
		return 1;
	if ((e = load_checked(&o, &sock, &facility)) == NULL)
		return 1;
	if (o.check) {
		printf("%s: ok: %zu rules loaded, ruleset %s\n", o.config,
		    dlp_engine_rule_count(e), ruleset(e));
		status = 0;
	} else
		status = serve(e, &o, sock, facility);
	dlp_engine_unref(e);
	return status;
}
