/*
 * incident - what the daemon does with a finished message besides the
 * MTA's verdict: one audit event (file and/or syslog), the incident
 * record in the store, and the notices (sender, approvers, administrators)
 * queued in the store's outbox, which a thread of ours sends.
 *
 * What it owns: the daemon's store connections (one for the milter
 * threads, behind a mutex; one for the outbox thread), the audit log,
 * the loaded templates and the outbox thread. What it does not do:
 * decide anything (the engine did), talk to the MTA (milter_glue does),
 * release held mail (dlp-quarantine does, as root).
 *
 * Failures never change the verdict and never lose mail: a store, audit
 * or notice failure is logged (with the incident id) and the message
 * goes on as decided; a held message without a record can still be
 * released with postsuper. Which messages get a record: every message
 * whose action is not accept, that has findings, or that asks for a
 * notice. Every scanned or skipped message gets an audit event.
 *
 * Thread-safety: incident_record() may be called from any milter thread;
 * incident_reopen() from the signal thread.
 */
#ifndef DLP_INCIDENT_H
#define DLP_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "dlp.h"

/* Outbox polling interval when nothing wakes the thread (seconds). */
#define INCIDENT_OUTBOX_POLL 30

/* How old a notice's signature may be when the milter checks it. */
#define INCIDENT_NOTICE_MAX_AGE (3 * 86400)

struct incidents;

/*
 * incidents_start: open the store and the audit log, load the templates
 * and start the outbox thread, for cfg (which must outlive the result).
 * Returns NULL with a message in err on failure (start-up: fatal).
 */
struct incidents *incidents_start(
    const struct dlp_config *cfg, char *err, size_t errlen);

/* incidents_stop: stop the outbox thread (after a last flush), close. */
void incidents_stop(struct incidents *in);

/* incidents_reopen: reopen the audit file (SIGHUP, after logrotate). */
void incidents_reopen(struct incidents *in);

/* A finished message, as the glue saw it. */
struct incident_msg {
	const char *incident;
	const char *queue_id; /* or NULL */
	const struct dlp_envelope *env;
	const struct dlp_report *rep; /* or NULL (internal error) */
	enum dlp_action action;	      /* done */
	enum dlp_action would;	      /* wanted */
	const char *error;	      /* internal error, or NULL */
	bool skipped;		      /* accepted unscanned */
	bool notice;		      /* one of our own signed notices */
};

/* incident_record: audit, record, notify (see the file comment). */
void incident_record(struct incidents *in, const struct incident_msg *m);

/*
 * incident_notice_key: the secret for notice signatures (cfg->secret),
 * or NULL/0 when the config has none (then no notice passes as ours).
 */
const unsigned char *incident_notice_key(
    const struct incidents *in, size_t *len);

#endif
