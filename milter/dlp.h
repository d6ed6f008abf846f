/*
 * dlp.h - the public API of the dlp engine (libdlp.a).
 *
 * The engine takes one message as a byte stream (headers and body, in
 * chunks of any size), walks its MIME structure, turns every readable part
 * into normalised text, runs the detection rules and decides, with the
 * configured policy and the message envelope, what the MTA should do. It
 * is a pure library: it never logs, exits, reads the environment or keeps
 * global mutable state. Programs using it: dlp-milter (the daemon),
 * dlp-scan (offline scanner), the tests.
 *
 * Objects:
 *   struct dlp_engine  config + compiled rules; immutable after load,
 *                      shared by all threads, reference counted.
 *   struct dlp_scan    one message; owned by one thread.
 *   struct dlp_report  what a finished scan found and decided; owned by
 *                      the scan, valid until dlp_scan_free().
 *
 * Return codes of engine calls: DLP_OK; DLP_PARTIAL (a limit cut the work
 * short: the report says where, and the policy treats the affected content
 * as not inspectable); DLP_EINPUT (this input failed); DLP_EFATAL (the
 * object is unusable: out of memory or a broken invariant; the caller
 * applies on_internal_error).
 */
#ifndef DLP_H
#define DLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DLP_OK	    0
#define DLP_PARTIAL 1
#define DLP_EINPUT  2
#define DLP_EFATAL  3

/* Ordered by severity: a message gets the most severe of its actions. */
enum dlp_action {
	DLP_ACCEPT = 0,
	DLP_MONITOR,
	DLP_TAG,
	/* hold the message until a supervisor approves it (上長承認): the
	   MTA holds it as for quarantine; the approvers are notified */
	DLP_APPROVE,
	DLP_QUARANTINE,
	DLP_REJECT,
	DLP_TEMPFAIL,
};

enum dlp_confidence {
	DLP_CONF_NONE = 0,
	DLP_CONF_LOW,
	DLP_CONF_MEDIUM,
	DLP_CONF_HIGH,
};

enum dlp_encryption {
	DLP_ENC_PLAIN = 0,
	DLP_ENC_ENCRYPTED,
	DLP_ENC_NOT_INSPECTABLE,
};

/* An error with its place, for config and rule files: "file:line: msg". */
struct dlp_error {
	char file[512];
	unsigned line; /* 0 when the error has no line */
	char msg[512];
};

/* dlp_error_set: fill err (NULL is allowed); printf-style message. */
void dlp_error_set(struct dlp_error *err, const char *file, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* dlp_error_format: "file:line: msg" (or "file: msg") into out. */
void dlp_error_format(const struct dlp_error *err, char *out, size_t outlen);

/* A part of the message (or, later, a member of an archive). */
struct dlp_node {
	char *path; /* "1", "2.1", "2/roster.zip/a.xlsx" */
	/* content type, lower case: for an identified part, what its bytes
	   are; declared_type: what its MIME headers said, or NULL */
	char *type;
	char *declared_type;
	char *filename; /* UTF-8, or NULL */
	char *charset;	/* declared charset (lower case), or NULL */
	size_t size;	/* decoded bytes seen */
	enum dlp_encryption encryption;
	char *method;	  /* "smime-enveloped", "pgp-mime", ...; or NULL */
	char *reason;	  /* for not-inspectable: "limit:depth", "corrupt" */
	bool weak;	  /* encrypted with a method known to be broken */
	unsigned defects; /* MIME damage flags seen in this part */
	char *text;	  /* normalised text, with DLP_SCAN_KEEP_TEXT only */
	size_t text_len;
	/* SHA-256 (lower-case hex) of the node's bytes as decoded or
	   unpacked (a part: after transfer decoding; a member: unpacked);
	   "" when the node had no bytes of its own to hash. When a limit
	   cut the node short, the hash is of what was read (reason says) */
	char sha256[65];
};

/* One rule's matches in one node, counted by distinct normalised value. */
struct dlp_finding {
	char *rule_id;
	char *kind;    /* "my_number", "pension_number", ... */
	char *name_ja; /* the rule's names: 個人番号, My Number */
	char *name_en;
	enum dlp_confidence confidence; /* the highest of its hits */
	char *path;			/* the node's path */
	char *location;			/* where in it first: "Sheet1!B7" */
	size_t count;			/* distinct values */
	char *masked;			/* one masked sample: ****-****-9018 */
	/* keyed fingerprint of that sample's canonical value: the first
	   32 hex digits of HMAC-SHA-256(fingerprint key, value), so one
	   number can be traced across mails without being stored; NULL
	   when the config has no secret */
	char *fingerprint;
	bool monitor; /* from a rule in monitor mode */
	/* an exception of the config (policy.exceptions) covers it: it is
	   reported like a monitor finding and never reaches the policy;
	   the exception's id, or NULL */
	char *exception;
};

/* One match, kept with DLP_SCAN_EXPLAIN (bounded by limits.max_hits). */
struct dlp_hit {
	char *rule_id;
	char *kind;
	char *path;
	char *location; /* "Sheet1!B7", "p3", or NULL */
	char *masked;
	char *window;	     /* the normalised text around it, value masked */
	char *validator;     /* validator name, or NULL */
	bool validator_ok;   /* only meaningful with a validator */
	char *context_seen;  /* context words found, comma separated */
	char *negative_seen; /* negative words found (hit then dropped) */
	enum dlp_confidence confidence; /* NONE when the hit was dropped */
	char *why;			/* one line: how the confidence came */
};

/* The total per kind over the whole message, and what it led to. */
struct dlp_kind_total {
	char *kind;
	char *name_en; /* of the first rule of the kind */
	size_t count;  /* distinct values over all nodes */
	enum dlp_confidence confidence;
	enum dlp_action action;
};

/*
 * Where a scan's time went, stage by stage (struct dlp_report.stages), so
 * that a slower build shows which stage got slower. Time is wall-clock
 * (CLOCK_MONOTONIC) spent inside dlp_scan_feed() and dlp_scan_finish(),
 * each moment counted once, for the innermost stage running: detection
 * run on a member's text from inside an extractor's callback is detect,
 * not extract; normalisation of an extractor's text is normalize.
 *   mime       MIME parsing, transfer decoding, charset conversion of
 *              text parts, the top header block, S/MIME signed data and
 *              messages found inside parts; bytes: the raw message fed,
 *              plus the bytes of nested messages parsed
 *   extract    identifying and unpacking parts (archives, OOXML, ODF,
 *              PDF, OLE, RTF, TNEF, ...) and converting their text to
 *              UTF-8, HTML rendered to text, the members' hashes; bytes:
 *              the decoded MIME parts handed to extraction (their members
 *              are not counted again) and the HTML rendered
 *   normalize  NFKC and the rest of normalize.h, on body text, extracted
 *              text and file names; bytes: UTF-8 text normalised
 *   detect     rules and detectors over the normalised text (names
 *              included), counting the matches; bytes: normalised text
 *              run through the rules
 *   other      the rest: finding totals, the policy, the report; bytes: 0
 * elapsed_ns is from dlp_scan_new() to the end of dlp_scan_finish(); the
 * stages add up to at most that (the caller's time between feeds is in
 * elapsed_ns only). A scan that was not needed (all recipients internal)
 * or whose content was lost spends its time in other.
 */
enum dlp_stage {
	DLP_STAGE_MIME = 0,
	DLP_STAGE_EXTRACT,
	DLP_STAGE_NORMALIZE,
	DLP_STAGE_DETECT,
	DLP_STAGE_OTHER,
};
#define DLP_N_STAGES 5

struct dlp_stage_times {
	uint64_t ns[DLP_N_STAGES];    /* by enum dlp_stage */
	uint64_t bytes[DLP_N_STAGES]; /* what each stage read, see above */
	uint64_t elapsed_ns;
};

struct dlp_report {
	enum dlp_action action; /* what the MTA should do */
	/* the decision before policy mode "monitor" turned it into
	   DLP_MONITOR; equal to action otherwise */
	enum dlp_action would_action;
	char **reasons; /* short ASCII sentences, for logs and replies */
	size_t n_reasons;
	struct dlp_node *nodes;
	size_t n_nodes;
	struct dlp_finding *findings;
	size_t n_findings;
	struct dlp_hit *hits;
	size_t n_hits;
	struct dlp_kind_total *totals;
	size_t n_totals;
	/* not scanned: all recipients internal */
	bool skipped;
	/* a limit cut the scan short somewhere */
	bool partial;
	/* the engine failed; the action is on_internal_error */
	bool internal_error;
	/* MIME damage anywhere in the message, containers included */
	unsigned defects;
	/* the decoded Subject (UTF-8), or NULL */
	char *subject;
	/* the top-level Message-ID (as written, without <>), or NULL */
	char *message_id;
	/* bytes of the raw message fed to the scan (headers and body) */
	size_t message_size;
	/* addresses in the top-level To and Cc that are not internal */
	unsigned visible_external;
	/* DLP_WHY_* bits: the kinds of reason behind the action, for
	   notices (templates say each in Japanese and English) */
	unsigned why;
	/* the policy asks for a sender notice although the action
	   delivers (recipient_exposure with action notify) */
	bool notify_sender;
	/* the config's exceptions that applied (ids, distinct) */
	char **exceptions;
	size_t n_exceptions;
	const char *ruleset_version;
	unsigned elapsed_ms;
	struct dlp_stage_times stages; /* time and bytes per stage */
};

/* Why the action is what it is (struct dlp_report.why). */
#define DLP_WHY_PERSONAL       0x001u /* personal data (kinds' thresholds) */
#define DLP_WHY_NOT_INSPECTED  0x002u /* content could not be read */
#define DLP_WHY_UNAPPROVED_ENC 0x004u /* encrypted by a method not accepted */
#define DLP_WHY_ENCRYPTED      0x008u /* policy.encrypted is not accept */
#define DLP_WHY_CLASSIFICATION 0x010u /* a label that requires encryption */
#define DLP_WHY_SIZE	       0x020u /* over policy.max_message_size */
#define DLP_WHY_DENIED_DOMAIN  0x040u /* a recipient in recipients.deny */
#define DLP_WHY_ATTACHMENT_BAN 0x080u /* attachments banned for the sender */
#define DLP_WHY_EXPOSURE       0x100u /* too many external To/Cc addresses */
#define DLP_WHY_INTERNAL_ERROR 0x200u /* the filter failed */

/* The envelope: who sends to whom. Strings may carry <> brackets. */
struct dlp_envelope {
	const char *sender;
	const char *const *rcpts;
	size_t n_rcpts;
	/* the SMTP client's IP address (text), or NULL (local submission,
	   offline scan) */
	const char *client_addr;
	/* the time exceptions' expiry is checked against; 0: now */
	long long now;
};

struct dlp_engine;
struct dlp_scan;
struct dlp_config;

/*
 * dlp_engine_load: load the config file and the rule files it names,
 * compile the rules. Returns a new engine (reference count 1) or NULL with
 * err filled ("file:line: message" of the first problem).
 */
struct dlp_engine *dlp_engine_load(
    const char *config_path, struct dlp_error *err);

/* dlp_engine_ref/unref: share an engine; the last unref frees it. NULL ok. */
struct dlp_engine *dlp_engine_ref(struct dlp_engine *e);
void dlp_engine_unref(struct dlp_engine *e);

/* dlp_engine_config: the engine's config (read-only, lives with e). */
const struct dlp_config *dlp_engine_config(const struct dlp_engine *e);

/* dlp_engine_ruleset_version: the rule set's version string. */
const char *dlp_engine_ruleset_version(const struct dlp_engine *e);

/* dlp_engine_rule_count: how many rules are loaded. */
size_t dlp_engine_rule_count(const struct dlp_engine *e);

/*
 * dlp_engine_test_rules: run every rule's embedded examples. For each
 * mismatch calls report(arg, rule_id, example, expected_match). Returns the
 * number of mismatches; *n_examples gets how many examples ran.
 */
size_t dlp_engine_test_rules(const struct dlp_engine *e,
    void (*report)(void *arg, const char *rule_id, const char *example,
	bool expected_match),
    void *arg, size_t *n_examples);

/*
 * dlp_scan_new: start scanning one message. The scan holds a reference to
 * e; env is copied. Returns NULL when memory ran out.
 */
struct dlp_scan *dlp_scan_new(
    struct dlp_engine *e, const struct dlp_envelope *env);

/*
 * dlp_scan_needed: false when the policy accepts this envelope unscanned
 * (every recipient internal and scan_internal off). The caller may then
 * skip feeding; dlp_scan_finish() still gives a report (skipped = true).
 */
bool dlp_scan_needed(const struct dlp_scan *s);

/*
 * dlp_scan_feed: the next bytes of the raw message (header block, empty
 * line, body; CRLF or LF). Returns DLP_OK, DLP_PARTIAL (a limit was hit:
 * keep feeding, the rest is counted but not kept) or DLP_EFATAL.
 */
int dlp_scan_feed(struct dlp_scan *s, const void *data, size_t len);

/*
 * dlp_scan_finish: end of message: finish parsing, detect, decide.
 * Returns DLP_OK, DLP_PARTIAL or DLP_EFATAL; in every case the report is
 * then available and its action is what the MTA should do (on
 * DLP_EFATAL, on_internal_error).
 */
int dlp_scan_finish(struct dlp_scan *s);

/*
 * dlp_scan_lost: instead of feeding, say that the message's content
 * could not be read at all (a worker process scanning it died or ran out
 * of its budget): reason, e.g. "worker:timeout", and the message's size.
 * dlp_scan_finish() then decides on one not-inspectable node "message"
 * (policy.not_inspectable), as for any part that could not be read.
 * Returns DLP_OK, DLP_EINPUT after a feed or finish, DLP_EFATAL on ENOMEM.
 */
int dlp_scan_lost(struct dlp_scan *s, size_t size, const char *reason);

/*
 * dlp_scan_set_flags: before feeding, ask for more in the report:
 * DLP_SCAN_KEEP_TEXT keeps each node's normalised text (dlp-scan --text,
 * tests; off by default: text is wiped as soon as it has been scanned);
 * DLP_SCAN_EXPLAIN keeps every hit, also dropped candidates, with its
 * window and reasons (dlp-scan --explain).
 */
#define DLP_SCAN_KEEP_TEXT 0x1u
#define DLP_SCAN_EXPLAIN   0x2u
void dlp_scan_set_flags(struct dlp_scan *s, unsigned flags);

/* dlp_scan_report: the report after dlp_scan_finish(), else NULL. */
const struct dlp_report *dlp_scan_report(const struct dlp_scan *s);

/* dlp_scan_free: wipe and release; drops the engine reference. NULL ok. */
void dlp_scan_free(struct dlp_scan *s);

/*
 * dlp_incident_id: a new incident id "DLP-YYYYMMDD-XXXXXXXX" (UTC date, 8
 * random hex digits from getrandom) into out (at least 24 bytes).
 */
void dlp_incident_id(char *out, size_t outlen);

/* Names as they appear in JSON, logs and config. */
const char *dlp_action_name(enum dlp_action a);
const char *dlp_confidence_name(enum dlp_confidence c);
const char *dlp_encryption_name(enum dlp_encryption e);
/* dlp_stage_name: "mime", "extract", "normalize", "detect", "other". */
const char *dlp_stage_name(enum dlp_stage st);
/* dlp_action_parse: name to action; -1 when unknown. */
int dlp_action_parse(const char *name);
int dlp_confidence_parse(const char *name);

#endif
