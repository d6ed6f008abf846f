/*
 * incident - audit event, incident record and notices of a finished
 * message; the outbox thread. See incident.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "audit.h"
#include "incident.h"
#include "log.h"
#include "mailout.h"
#include "notice.h"
#include "store.h"

struct incidents {
	const struct dlp_config *cfg;
	struct notice_templates *templates;
	struct audit_log *audit; /* or NULL */
	pthread_mutex_t lock;	 /* guards st */
	struct store *st;
	/* the outbox thread and its own connection */
	struct store *ob_st;
	pthread_t ob_thread;
	bool ob_running;
	pthread_mutex_t ob_lock;
	pthread_cond_t ob_cond;
	bool ob_wake, ob_stop;
};

/* parent_dir: create the directory of path (one level, mode) if missing. */
static int
parent_dir(const char *path, mode_t mode)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return 0;
	if ((size_t)(slash - path) >= sizeof(dir))
		return -1;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static void *
outbox_thread(void *arg)
{
	struct incidents *in = arg;
	char err[256];
	unsigned sent, failed;
	struct timespec ts;
	bool stop;

	for (;;) {
		(void)pthread_mutex_lock(&in->ob_lock);
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += INCIDENT_OUTBOX_POLL;
		while (!in->ob_wake && !in->ob_stop)
			if (pthread_cond_timedwait(
				&in->ob_cond, &in->ob_lock, &ts) == ETIMEDOUT)
				break;
		in->ob_wake = false;
		stop = in->ob_stop;
		(void)pthread_mutex_unlock(&in->ob_lock);
		sent = failed = 0;
		err[0] = '\0';
		if (mailout_flush(in->ob_st, &in->cfg->notices,
			(long long)time(NULL), &sent, &failed, err,
			sizeof(err)) < 0)
			log_err("outbox: the incident store failed: %s",
			    store_errmsg(in->ob_st));
		if (sent > 0)
			log_info("outbox: %u notice(s) sent", sent);
		if (failed > 0)
			log_warn(
			    "outbox: %u notice(s) not sent: %s", failed, err);
		if (stop)
			return NULL;
	}
}

struct incidents *
incidents_start(const struct dlp_config *cfg, char *err, size_t errlen)
{
	struct incidents *in;
	struct dlp_error derr;
	char msg[256];

	if ((in = calloc(1, sizeof(*in))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->cfg = cfg;
	(void)pthread_mutex_init(&in->lock, NULL);
	(void)pthread_mutex_init(&in->ob_lock, NULL);
	(void)pthread_cond_init(&in->ob_cond, NULL);
	memset(&derr, 0, sizeof(derr));
	if ((in->templates = notice_templates_load(
		 cfg->notices.templates_dir, &derr)) == NULL) {
		dlp_error_format(&derr, err, errlen);
		goto fail;
	}
	if (cfg->audit.file != NULL && cfg->audit.file[0] != '\0') {
		if (parent_dir(cfg->audit.file, 0750) < 0 ||
		    (in->audit = audit_log_open(cfg->audit.file)) == NULL) {
			(void)snprintf(err, errlen, "audit.file %s: %s",
			    cfg->audit.file, strerror(errno));
			goto fail;
		}
	}
	if ((in->st = store_open(cfg->quarantine.db_path, msg, sizeof(msg))) ==
	    NULL) {
		(void)snprintf(err, errlen, "quarantine.database %s: %s",
		    cfg->quarantine.db_path, msg);
		goto fail;
	}
	if ((in->ob_st = store_open(
		 cfg->quarantine.db_path, msg, sizeof(msg))) == NULL) {
		(void)snprintf(err, errlen, "quarantine.database %s: %s",
		    cfg->quarantine.db_path, msg);
		goto fail;
	}
	if (pthread_create(&in->ob_thread, NULL, outbox_thread, in) != 0) {
		(void)snprintf(err, errlen, "cannot start the outbox thread");
		goto fail;
	}
	in->ob_running = true;
	return in;
fail:
	incidents_stop(in);
	return NULL;
}

void
incidents_stop(struct incidents *in)
{
	if (in == NULL)
		return;
	if (in->ob_running) {
		(void)pthread_mutex_lock(&in->ob_lock);
		in->ob_stop = true;
		(void)pthread_cond_signal(&in->ob_cond);
		(void)pthread_mutex_unlock(&in->ob_lock);
		(void)pthread_join(in->ob_thread, NULL);
	}
	store_close(in->ob_st);
	store_close(in->st);
	audit_log_close(in->audit);
	notice_templates_free(in->templates);
	(void)pthread_cond_destroy(&in->ob_cond);
	(void)pthread_mutex_destroy(&in->ob_lock);
	(void)pthread_mutex_destroy(&in->lock);
	free(in);
}

void
incidents_reopen(struct incidents *in)
{
	if (in == NULL || in->audit == NULL)
		return;
	if (audit_log_reopen(in->audit) < 0)
		log_err("SIGHUP: cannot reopen audit.file %s: %s",
		    in->cfg->audit.file, strerror(errno));
	else
		log_info("SIGHUP: audit.file reopened");
}

const unsigned char *
incident_notice_key(const struct incidents *in, size_t *len)
{
	*len = in != NULL ? in->cfg->secret_len : 0;
	return *len > 0 ? in->cfg->secret : NULL;
}

/* ---- one message ---- */

static void
audit(struct incidents *in, const struct incident_msg *m, long long now)
{
	json_t *ev;
	char *line;

	if (in->audit == NULL && !in->cfg->audit.syslog)
		return;
	if ((ev = audit_event(m->incident, m->queue_id, m->env, m->rep,
		 m->action, m->would, m->error, now)) == NULL) {
		log_err(
		    "incident=%s: no audit event: out of memory", m->incident);
		return;
	}
	if (in->audit != NULL && audit_log_write(in->audit, ev) < 0)
		log_err("incident=%s: audit.file %s: %s", m->incident,
		    in->cfg->audit.file, strerror(errno));
	if (in->cfg->audit.syslog) {
		if ((line = json_dumps(ev, JSON_COMPACT)) != NULL) {
			log_info("audit %s", line);
			free(line);
		}
	}
	json_decref(ev);
}

/* queue_notice: render kind for the incident and put it in the outbox. */
static void
queue_notice(struct incidents *in, const struct store_incident *inc,
    enum notice_kind kind, const char *const *to, size_t n_to, long long now)
{
	const struct dlp_notice_conf *nc = &in->cfg->notices;
	struct notice_input ni;
	char *msg = NULL;
	size_t len = 0;
	int rc;

	if (n_to == 0)
		return;
	memset(&ni, 0, sizeof(ni));
	ni.inc = inc;
	ni.contact = nc->contact;
	ni.from = nc->from;
	ni.to = to;
	ni.n_to = n_to;
	ni.now = now;
	if (notice_render(in->templates, kind, &ni, in->cfg->secret,
		in->cfg->secret_len, &msg, &len) < 0) {
		log_err(
		    "incident=%s: notice not rendered: out of memory", inc->id);
		return;
	}
	(void)pthread_mutex_lock(&in->lock);
	rc = store_notice_add(
	    in->st, inc->id, nc->envelope_from, to, n_to, msg, len, now);
	if (rc < 0)
		log_err("incident=%s: notice not queued: %s", inc->id,
		    store_errmsg(in->st));
	(void)pthread_mutex_unlock(&in->lock);
	free(msg);
}

/* notify: the notices of a recorded incident. */
static void
notify(struct incidents *in, const struct incident_msg *m,
    const struct store_incident *inc, long long now)
{
	const struct dlp_notice_conf *nc = &in->cfg->notices;
	const char *sender[1];
	int kind;
	bool queued = false, has_sender;

	sender[0] = inc->sender;
	/* the null sender (a bounce) is told nothing: there is nobody */
	has_sender = inc->sender != NULL && inc->sender[0] != '\0';
	kind = notice_kind_for_action(m->action);
	if (kind >= 0 && nc->sender[m->action] && has_sender) {
		queue_notice(in, inc, (enum notice_kind)kind, sender, 1, now);
		queued = true;
	}
	if (m->action == DLP_APPROVE && inc->n_approvers > 0) {
		queue_notice(in, inc, NOTICE_APPROVER_REQUEST,
		    (const char *const *)inc->approvers, inc->n_approvers, now);
		queued = true;
	}
	if (m->rep != NULL && m->rep->notify_sender &&
	    m->action < DLP_APPROVE && has_sender) {
		queue_notice(in, inc, NOTICE_SENDER_EXPOSURE, sender, 1, now);
		queued = true;
	}
	if (nc->admin_mode == DLP_ADMIN_PER_INCIDENT &&
	    m->action >= nc->admin_min_action && m->action != DLP_TEMPFAIL) {
		queue_notice(in, inc, NOTICE_ADMIN_INCIDENT,
		    (const char *const *)nc->admin_to, nc->n_admin_to, now);
		queued = queued || nc->n_admin_to > 0;
	}
	if (queued) {
		(void)pthread_mutex_lock(&in->ob_lock);
		in->ob_wake = true;
		(void)pthread_cond_signal(&in->ob_cond);
		(void)pthread_mutex_unlock(&in->ob_lock);
	}
}

/* set_approvers: who decides on an approve incident (copies). */
static int
set_approvers(struct incidents *in, struct store_incident *inc)
{
	const char *const *ap;
	size_t n, i;

	ap = config_approvers(in->cfg, inc->sender, &n);
	if (n == 0)
		return 0;
	if ((inc->approvers = calloc(n, sizeof(*inc->approvers))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((inc->approvers[i] = strdup(ap[i])) == NULL)
			return -1;
		inc->n_approvers++;
	}
	return 0;
}

void
incident_record(struct incidents *in, const struct incident_msg *m)
{
	static const struct dlp_report none;
	const struct dlp_report *rep = m->rep != NULL ? m->rep : &none;
	struct store_incident inc;
	long long now = (long long)time(NULL);

	if (in == NULL)
		return;
	audit(in, m, now);
	if (m->notice || m->skipped)
		return;
	if (m->action == DLP_ACCEPT && rep->n_findings == 0 &&
	    !rep->notify_sender && m->error == NULL)
		return;
	memset(&inc, 0, sizeof(inc));
	if (store_incident_from_report(&inc, m->incident, m->queue_id, m->env,
		rep, m->action, now) < 0) {
		log_err(
		    "incident=%s: not recorded: out of memory", m->incident);
		store_incident_clear(&inc);
		return;
	}
	inc.would = m->would;
	if (m->error != NULL)
		inc.why |= DLP_WHY_INTERNAL_ERROR;
	if (m->action == DLP_APPROVE) {
		if (set_approvers(in, &inc) < 0)
			log_err("incident=%s: approvers: out of memory",
			    m->incident);
		else if (inc.n_approvers == 0)
			log_warn("incident=%s: approve: no approver for the "
				 "sender (approval.default is empty): held "
				 "for the administrator",
			    m->incident);
	}
	(void)pthread_mutex_lock(&in->lock);
	if (store_add(in->st, &inc) < 0)
		log_err("incident=%s: not recorded: %s", m->incident,
		    store_errmsg(in->st));
	(void)pthread_mutex_unlock(&in->lock);
	notify(in, m, &inc, now);
	store_incident_clear(&inc);
}
