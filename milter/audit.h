/*
 * audit - the audit trail: one JSON object per scanned message, written
 * as one line to a file (and/or handed to the caller for syslog).
 *
 * The event (audit_event()): "time" (RFC 3339 with zone), "queue_id",
 * "incident", "sender" (without <>), "client" (the SMTP client's
 * address or null), "recipients" (how many), "recipient_domains"
 * (distinct, lower case, in order), "message_id", "size",
 * "subject_length", "action", "would", "error" (the caller's text or
 * null), "reasons", "why" (names: personal, not_inspected,
 * unapproved_encryption, encrypted, classification, size,
 * denied_domain, attachment_ban, exposure, internal_error), "ruleset",
 * "skipped", "partial", "exceptions", "elapsed_ms", "stages_us" (the
 * scan's time per stage in microseconds: mime, extract, normalize,
 * detect, other; see dlp.h), and "nodes": per
 * node its path, type, size, sha256 (null when the node had no bytes),
 * encryption (plain / encrypted / not-inspectable), method, reason,
 * weak, and "findings" by kind: count (distinct values summed over the
 * kind's rules), counted (of those, what reached the policy),
 * confidence (the highest), rules, samples (masked) and fingerprints
 * (keyed HMAC, see dlp_finding), at most 10 each, and exceptions. Never
 * a detected value in clear, never text of the message, not even its
 * subject (only its length); a path whose file name held a value has
 * that name's digits masked. Without a report (internal error) the
 * event has the envelope, the action and why ["internal_error"].
 *
 * The writer (struct audit_log): appends lines with O_APPEND (each
 * line one write(), so concurrent writers never interleave); reopened by
 * audit_log_reopen() after logrotate moved the file (SIGHUP). Thread-safe:
 * a mutex guards the descriptor.
 */
#ifndef DLP_AUDIT_H
#define DLP_AUDIT_H

#include <jansson.h>

#include "dlp.h"

/*
 * audit_event: the event for a finished message. rep may be NULL (the
 * engine gave none: internal error), queue_id NULL. action/would are
 * what was done and wanted. now: UTC seconds (0: now). Returns a new
 * JSON object, or NULL when memory ran out.
 */
json_t *audit_event(const char *incident, const char *queue_id,
    const struct dlp_envelope *env, const struct dlp_report *rep,
    enum dlp_action action, enum dlp_action would, const char *error,
    long long now);

/* audit_time: RFC 3339 local time with zone ("2026-11-22T12:00:00+09:00"). */
void audit_time(long long t, char *out, size_t outlen);

struct audit_log;

/* audit_log_open: open path for appending (0640, created). NULL + errno. */
struct audit_log *audit_log_open(const char *path);

/* audit_log_write: one line (event + "\n"). 0, or -1 with errno. */
int audit_log_write(struct audit_log *l, const json_t *event);

/* audit_log_reopen: close and open the path again. 0, or -1 + errno (the
   old descriptor stays in use). */
int audit_log_reopen(struct audit_log *l);

void audit_log_close(struct audit_log *l);

#endif
