/*
 * store - the incident store: one SQLite database (WAL), created on first
 * open, shared by the daemon (which records incidents and queues notices)
 * and dlp-quarantine (which lists, decides, expires, counts).
 *
 * What it owns: the database file and its schema (versioned with
 * PRAGMA user_version; an unknown newer version is refused), one
 * connection per struct store. What it keeps: per incident its id, time,
 * MTA queue id, sender, recipients, subject, message size, action,
 * reasons, rule-set version, state and every decision (who, when, why);
 * per finding its node path, rule, kind, confidence, count, masked sample
 * and fingerprint — never a value in clear; the approvers asked; and the
 * notices waiting to be sent (a durable outbox, so a notice survives a
 * restart of the daemon).
 *
 * States: an incident whose mail the MTA holds starts "held"; it becomes
 * "released", "deleted", "approved", "rejected" (by an approver) or
 * "expired", once: a decision on an incident that is not held is refused
 * (STORE_ESTATE). Mail that was not held (rejected at SMTP, tagged,
 * monitored) is recorded with state "done".
 *
 * Errors: functions return 0 or a negative STORE_E*; store_errmsg() says
 * what SQLite said. A busy database is waited for (5 s), then an error.
 *
 * Thread-safety: one struct store per thread, or serialised by the
 * caller; SQLite is opened in serialised mode.
 */
#ifndef DLP_STORE_H
#define DLP_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "dlp.h"

#define STORE_EIO     (-1) /* SQLite failed: see store_errmsg() */
#define STORE_ENOENT  (-2) /* no such incident */
#define STORE_ESTATE  (-3) /* the incident is not in a state for that */
#define STORE_ENOMEM  (-4)
#define STORE_EACCESS (-5) /* refused: e.g. an approver approving own mail */

enum store_state {
	STORE_DONE = 0, /* not held: nothing to decide */
	STORE_HELD,
	STORE_RELEASED,
	STORE_DELETED,
	STORE_APPROVED,
	STORE_REJECTED,
	STORE_EXPIRED,
};

/* One finding as stored (masked sample and fingerprint only). */
struct store_finding {
	char *path;	/* node path "2/名簿.zip/a.xlsx" */
	char *where;	/* human place: file names joined by " › ", or NULL */
	char *location; /* "Sheet1!B7" or NULL */
	char *rule_id;
	char *kind;
	char *name_ja;
	char *name_en;
	enum dlp_confidence confidence;
	size_t count;
	char *masked;
	char *fingerprint; /* or NULL */
	bool counted;	   /* false: monitor rule or exception */
};

/* One incident. Strings are owned by it (store_incident_clear()). */
struct store_incident {
	char id[32];	/* DLP-YYYYMMDD-XXXXXXXX */
	long long time; /* UTC seconds */
	char *queue_id; /* or NULL */
	char *sender;	/* without <> */
	char **rcpts;	/* without <> */
	size_t n_rcpts;
	char *subject; /* UTF-8, or NULL */
	size_t size;
	enum dlp_action action; /* what was done */
	enum dlp_action would;	/* what the policy wanted */
	unsigned why;		/* DLP_WHY_* */
	char *reasons;		/* the report's reasons, "; " joined */
	char *ruleset;
	enum store_state state;
	char *decided_by; /* or NULL */
	long long decided_at;
	char *decision_reason;
	char **approvers; /* asked for approval (action approve) */
	size_t n_approvers;
	struct store_finding *findings;
	size_t n_findings;
};

/* A notice waiting in the outbox. */
struct store_notice {
	long long id;
	char *incident; /* or NULL (a digest) */
	char *envelope_from;
	char **rcpts;
	size_t n_rcpts;
	char *message; /* the whole rendered message, CRLF */
	size_t message_len;
	unsigned attempts;
	long long next_try;
};

/* Filter for store_list(): NULL/0 fields match everything. */
struct store_filter {
	int state;	      /* enum store_state, or -1 for any */
	long long since;      /* time >= since */
	long long before;     /* time < before (0: no bound) */
	const char *sender;   /* exact, without <> */
	const char *approver; /* incidents this approver was asked for */
	size_t limit;	      /* 0: no limit */
};

struct store;

/*
 * store_open: open (creating the file, its directory with mode 0700 and
 * the schema when missing) the database at path. Returns NULL with msg
 * (at least 256 bytes) filled when it cannot.
 */
struct store *store_open(const char *path, char *msg, size_t msglen);
void store_close(struct store *st);
const char *store_errmsg(const struct store *st);

/*
 * store_incident_from_report: fill inc from a finished report and its
 * envelope (the strings are copied; masked samples and fingerprints only).
 * state is STORE_HELD for quarantine and approve, else STORE_DONE. A
 * finding is counted unless it is a monitor finding or under an
 * exception; its "where" comes from report_place(). Text that held a
 * value is kept with every digit masked ('*'; full-width digits U+FF0A),
 * as the notices show it: the subject when a finding is in it, and the
 * file names (in paths, places and reasons) of a file whose name held a
 * finding (location "name") and of everything inside it.
 * rep may be NULL (the engine failed): envelope only. The approvers are
 * the caller's to fill. Returns 0 or STORE_ENOMEM (inc then cleared).
 */
int store_incident_from_report(struct store_incident *inc,
    const char *incident_id, const char *queue_id,
    const struct dlp_envelope *env, const struct dlp_report *rep,
    enum dlp_action action, long long now);

/* store_incident_clear: free inc's strings; inc is zeroed. */
void store_incident_clear(struct store_incident *inc);

/*
 * store_add: insert an incident with its recipients, approvers (stored
 * lower case) and findings, in one transaction. A second incident with
 * the same id is STORE_EIO.
 */
int store_add(struct store *st, const struct store_incident *inc);

/* store_get: load incident id (with findings and decision) into inc. */
int store_get(struct store *st, const char *id, struct store_incident *inc);

/*
 * store_list: incidents matching f (f NULL: all), newest first, with
 * recipients and approvers but without findings; at most 100,000.
 * Senders and approvers match ignoring ASCII case and <>. *out is a new
 * array the caller frees with store_list_free().
 */
int store_list(struct store *st, const struct store_filter *f,
    struct store_incident **out, size_t *n);
void store_list_free(struct store_incident *v, size_t n);

/*
 * store_decide: move a held incident to state (released, deleted,
 * approved, rejected, expired), recording who, when and why. Refused
 * with STORE_ESTATE unless it is held; STORE_ENOENT when unknown.
 * For STORE_APPROVED and STORE_REJECTED, "by" must be one of the
 * incident's approvers and not its sender (STORE_EACCESS).
 */
int store_decide(struct store *st, const char *id, enum store_state state,
    const char *by, const char *reason, long long now);

/* store_set_queue_id: set the queue id once the MTA gave it. */
int store_set_queue_id(struct store *st, const char *id, const char *qid);

/*
 * store_purge: delete incidents (and their findings) older than
 * before that are not held; *n gets how many.
 */
int store_purge(struct store *st, long long before, size_t *n);

/*
 * store_stats: per rule and kind over incidents with since <= time <
 * before: hits (findings), messages, distinct values, each action, and
 * releases and approvals after review (the false-positive signal),
 * grouped by period ("day", "week", "month" or NULL: the whole range).
 * Returns a new JSON text (the caller frees) in *json; an unknown period
 * is STORE_EIO. before <= 0: no upper bound. The shape:
 *
 *   {"since": S, "before": B, "period": "day" | "week" | "month" | null,
 *    "rules": [{"rule_id": "my_number_context", "kind": "my_number",
 *               "period": "2026-11-22" | null,
 *               "hits": n,          findings (one per rule and node)
 *               "messages": n,      incidents with such a finding
 *               "values": n,        distinct values, summed over nodes
 *               "fingerprints": n,  distinct fingerprints
 *               "actions": {"reject": n, "quarantine": n, ...},
 *                                   incidents per action done
 *               "released": n, "approved": n, "deleted": n,
 *               "rejected": n, "expired": n,   incidents per decision
 *               "release_rate": x | null}, ...],
 *    "kinds": [the same per kind, without "rule_id"]}
 *
 * release_rate = (released + approved) / (released + approved + deleted
 * + rejected): of the held mail a person reviewed, how much was let go;
 * null when none was reviewed (expiry is no review). Periods are UTC:
 * "YYYY-MM-DD", "YYYY-Www" (weeks from Monday, %W) and "YYYY-MM";
 * groups are sorted by period, then name. Monitor findings and those
 * under an exception are counted too: a rule's accuracy is the point.
 */
int store_stats(struct store *st, long long since, long long before,
    const char *period, char **json);

/* ---- the notice outbox ---- */

/* store_notice_add: queue a rendered message for sending. */
int store_notice_add(struct store *st, const char *incident,
    const char *envelope_from, const char *const *rcpts, size_t n_rcpts,
    const char *message, size_t message_len, long long now);

/*
 * store_notice_next: claim the oldest notice due at now (next_try <= now:
 * it is then not due for 10 minutes, so two flushers, the daemon and
 * dlp-quarantine, never send it twice; done or retry settle it) into
 * *out, or STORE_ENOENT when none is due. Clear with
 * store_notice_clear().
 */
int store_notice_next(
    struct store *st, long long now, struct store_notice *out);
void store_notice_clear(struct store_notice *n);

/* store_notice_done: sent: remove it. */
int store_notice_done(struct store *st, long long id);

/*
 * store_notice_retry: failed: try again at next_try (attempts counted);
 * after max_attempts it is kept with state failed and no longer due
 * (max_attempts 0 or 1: failed now, e.g. a permanent refusal).
 */
int store_notice_retry(
    struct store *st, long long id, long long next_try, unsigned max_attempts);

/* store_state_name/parse: "held" .. ; parse returns -1 when unknown. */
const char *store_state_name(enum store_state s);
int store_state_parse(const char *name);

#endif
