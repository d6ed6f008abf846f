/*
 * dlp-quarantine - held mail and its incidents, for administrators and
 * approvers: list, show, release, delete, approve, reject, expire, purge,
 * statistics, the notice outbox (flush) and the administrators' digest.
 *
 * It reads the incident store (store.h) the daemon writes, acts on the
 * MTA's hold queue, then records the decision: the MTA action comes
 * first, so a failed action leaves the incident held (and says so, exit
 * 1); a decision on an incident that is no longer held is refused before
 * anything is done. Approvals and rejections by an approver are checked
 * (one of the incident's approvers, never the sender) before the MTA is
 * touched, and again by store_decide() inside its transaction.
 *
 * The MTA actions are mta.c's: commands without a shell, the queue id
 * checked first (also here, so that a bad one is reported before any
 * decision is attempted).
 *
 * Output never holds a detected value: findings are shown with their
 * masked samples and fingerprints, and the store keeps nothing else.
 * Text from mail (subjects, file names, addresses) is printed with
 * control characters replaced.
 *
 * Exit status: 0 ok, 1 failure (a message on stderr naming the incident),
 * 2 usage.
 *
 * One file, like dlp-scan: eleven small commands, their option parsing
 * and their text and JSON output belong together; what is shared with
 * other programs lives in store*.c and mta.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "dlp.h"
#include "mailout.h"
#include "mta.h"
#include "notice.h"
#include "report.h"
#include "store.h"

#define ORIGINAL_MAX (64u * 1024 * 1024) /* a returned original */

/* Exit statuses. */
#define EX_OK	 0
#define EX_FAIL	 1
#define EX_USAGE 2

static const char *progname = "dlp-quarantine";

/* ---- options ---- */

enum {
	OPT_STATE = 256,
	OPT_SENDER,
	OPT_APPROVER,
	OPT_SINCE,
	OPT_JSON,
	OPT_REASON,
	OPT_BY,
	OPT_NOW,
	OPT_OLDER,
	OPT_PERIOD,
};

/* Which options a command takes (bit (opt - OPT_STATE)). */
#define O(x) (1u << ((x)-OPT_STATE))

struct args {
	const char *state, *sender, *approver, *reason, *by, *period, *id;
	const char *since, *now, *older;
	bool json;
};

struct ctx {
	struct dlp_config *cfg;
	struct store *st;
	struct notice_templates *tpl; /* loaded when a notice is needed */
	long long now;
	unsigned queued; /* notices queued by this run */
};

struct command {
	const char *name;
	int (*run)(struct ctx *, const struct args *);
	unsigned opts;	 /* accepted options */
	bool id;	 /* takes an incident id */
	const char *use; /* its usage line */
};

static void usage(FILE *fp);

static void __attribute__((format(printf, 1, 2))) errx_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A non-negative integer, fully parsed and at most max. */
static bool
parse_num(const char *s, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static const char *
time_text(long long t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(out, outlen, "-");
	return out;
}

/* ---- notices ---- */

static int
load_templates(struct ctx *c)
{
	struct dlp_error e;
	char msg[1200];

	if (c->tpl != NULL)
		return 0;
	if (c->cfg->notices.templates_dir == NULL) {
		errx_msg("no notice templates configured (notices.templates)");
		return -1;
	}
	memset(&e, 0, sizeof(e));
	if ((c->tpl = notice_templates_load(
		 c->cfg->notices.templates_dir, &e)) == NULL) {
		dlp_error_format(&e, msg, sizeof(msg));
		errx_msg("%s", msg);
		return -1;
	}
	return 0;
}

/* Render kind for to[] and queue it in the outbox. */
static int
queue_notice(struct ctx *c, enum notice_kind kind,
    const struct store_incident *inc, const struct store_incident *list,
    size_t n_list, const char *const *to, size_t n_to, const char *attach,
    size_t attach_len)
{
	struct notice_input in;
	char *msg = NULL;
	size_t len = 0;
	int rc;

	if (load_templates(c) != 0)
		return -1;
	memset(&in, 0, sizeof(in));
	in.inc = inc;
	in.contact = c->cfg->notices.contact;
	in.from = c->cfg->notices.from;
	in.to = to;
	in.n_to = n_to;
	in.list = list;
	in.n_list = n_list;
	in.now = c->now;
	in.attach = attach;
	in.attach_len = attach_len;
	if (inc != NULL) {
		in.decided_by = inc->decided_by;
		in.decision_reason = inc->decision_reason;
	}
	if (notice_render(c->tpl, kind, &in, c->cfg->secret, c->cfg->secret_len,
		&msg, &len) != 0) {
		errx_msg("%s: cannot render the notice: out of memory",
		    inc != NULL ? inc->id : "digest");
		return -1;
	}
	rc = store_notice_add(c->st, inc != NULL ? inc->id : NULL,
	    c->cfg->notices.envelope_from != NULL
		? c->cfg->notices.envelope_from
		: "",
	    to, n_to, msg, len, c->now);
	free(msg);
	if (rc != 0) {
		errx_msg("%s: cannot queue the notice: %s",
		    inc != NULL ? inc->id : "digest", store_errmsg(c->st));
		return -1;
	}
	c->queued++;
	return 0;
}

/* The sender's notice about inc (as now stored), unless the null sender. */
static int
notify_sender(struct ctx *c, enum notice_kind kind, const char *id,
    const char *attach, size_t attach_len)
{
	struct store_incident inc;
	const char *to[1];
	int rc;

	if ((rc = store_get(c->st, id, &inc)) != 0) {
		errx_msg("%s: %s", id, store_errmsg(c->st));
		return -1;
	}
	if (inc.sender == NULL || *inc.sender == '\0') {
		store_incident_clear(&inc);
		return 0; /* never mail the null sender */
	}
	to[0] = inc.sender;
	rc = queue_notice(c, kind, &inc, NULL, 0, to, 1, attach, attach_len);
	store_incident_clear(&inc);
	return rc;
}

/* Send what this run queued (and whatever else is due). */
static void
flush_queued(struct ctx *c)
{
	unsigned sent = 0, failed = 0;
	char err[512] = "";

	if (c->queued == 0)
		return;
	if (mailout_flush(c->st, &c->cfg->notices, c->now, &sent, &failed, err,
		sizeof(err)) != 0)
		errx_msg("notices queued, not sent yet: %s", err);
	else if (failed > 0)
		errx_msg("%u notice(s) not sent yet (retried later): %s",
		    failed, err);
}

/* ---- JSON and text forms of incidents ---- */

static json_t *
jstrv(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, report_jstr(v[i]));
	return a;
}

static json_t *
finding_json(const struct store_finding *f)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:I, s:o,"
			 " s:o, s:b}",
	    "path", report_jstr(f->path), "where", report_jstr(f->where),
	    "location", report_jstr(f->location), "rule_id",
	    report_jstr(f->rule_id), "kind", report_jstr(f->kind), "name_ja",
	    report_jstr(f->name_ja), "name_en", report_jstr(f->name_en),
	    "confidence", dlp_confidence_name(f->confidence), "count",
	    (json_int_t)f->count, "masked", report_jstr(f->masked),
	    "fingerprint", report_jstr(f->fingerprint), "counted", f->counted);
}

static json_t *
incident_json(const struct store_incident *inc, bool findings)
{
	json_t *o, *a;
	size_t i;

	o = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:I, s:s, s:s, s:I,"
		      " s:o, s:o, s:s, s:o, s:I, s:o, s:o}",
	    "id", inc->id, "time", (json_int_t)inc->time, "queue_id",
	    report_jstr(inc->queue_id), "sender", report_jstr(inc->sender),
	    "rcpts", jstrv(inc->rcpts, inc->n_rcpts), "subject",
	    report_jstr(inc->subject), "size", (json_int_t)inc->size, "action",
	    dlp_action_name(inc->action), "would", dlp_action_name(inc->would),
	    "why", (json_int_t)inc->why, "reasons", report_jstr(inc->reasons),
	    "ruleset", report_jstr(inc->ruleset), "state",
	    store_state_name(inc->state), "decided_by",
	    report_jstr(inc->decided_by), "decided_at",
	    (json_int_t)inc->decided_at, "decision_reason",
	    report_jstr(inc->decision_reason), "approvers",
	    jstrv(inc->approvers, inc->n_approvers));
	if (o == NULL || !findings)
		return o;
	if ((a = json_array()) == NULL ||
	    json_object_set_new(o, "findings", a) != 0) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < inc->n_findings; i++)
		if (json_array_append_new(a, finding_json(&inc->findings[i])) !=
		    0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

static int
print_json(json_t *j)
{
	char *s;

	if (j == NULL || (s = json_dumps(j, JSON_INDENT(2))) == NULL) {
		json_decref(j);
		errx_msg("out of memory");
		return EX_FAIL;
	}
	puts(s);
	free(s);
	json_decref(j);
	return EX_OK;
}

/* ---- the commands ---- */

static int
cmd_list(struct ctx *c, const struct args *a)
{
	struct store_filter f = { -1, 0, 0, NULL, NULL, 0 };
	struct store_incident *v;
	size_t n, i;
	long long days;
	char t[64], s1[128], s2[128], q[64];
	json_t *arr;

	if (a->state != NULL && (f.state = store_state_parse(a->state)) < 0) {
		errx_msg("unknown state '%s' (held, released, deleted, "
			 "approved, rejected, expired, done)",
		    a->state);
		return EX_USAGE;
	}
	if (a->since != NULL) {
		if (!parse_num(a->since, 36500, &days)) {
			errx_msg("--since wants a number of days");
			return EX_USAGE;
		}
		f.since = c->now - days * 86400;
	}
	f.sender = a->sender;
	f.approver = a->approver;
	if (store_list(c->st, &f, &v, &n) != 0) {
		errx_msg("%s", store_errmsg(c->st));
		return EX_FAIL;
	}
	if (a->json) {
		arr = json_array();
		for (i = 0; arr != NULL && i < n; i++)
			if (json_array_append_new(
				arr, incident_json(&v[i], false)) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		store_list_free(v, n);
		return print_json(arr);
	}
	for (i = 0; i < n; i++) {
		snprintf(
		    q, sizeof(q), "%s", v[i].queue_id ? v[i].queue_id : "-");
		printf("%-22s %-20s %-9s %-10s %-12s %s -> %s%s\n", v[i].id,
		    time_text(v[i].time, t, sizeof(t)),
		    store_state_name(v[i].state), dlp_action_name(v[i].action),
		    mta_printable(q, q, sizeof(q)),
		    mta_printable(
			*v[i].sender ? v[i].sender : "<>", s1, sizeof(s1)),
		    mta_printable(
			v[i].n_rcpts ? v[i].rcpts[0] : "-", s2, sizeof(s2)),
		    v[i].n_rcpts > 1 ? " (+more)" : "");
	}
	if (n == 0)
		printf("no incidents\n");
	store_list_free(v, n);
	return EX_OK;
}

static void
print_incident(const struct store_incident *inc)
{
	char t[64], s[1024];
	size_t i;
	const struct store_finding *f;

	printf("incident:  %s\n", inc->id);
	printf("time:      %s\n", time_text(inc->time, t, sizeof(t)));
	printf("state:     %s\n", store_state_name(inc->state));
	printf("action:    %s", dlp_action_name(inc->action));
	if (inc->would != inc->action)
		printf(" (would %s)", dlp_action_name(inc->would));
	printf("\nqueue id:  %s\n",
	    mta_printable(inc->queue_id ? inc->queue_id : "-", s, sizeof(s)));
	printf("sender:    %s\n",
	    mta_printable(*inc->sender ? inc->sender : "<>", s, sizeof(s)));
	for (i = 0; i < inc->n_rcpts; i++)
		printf("%s %s\n", i == 0 ? "recipient:" : "          ",
		    mta_printable(inc->rcpts[i], s, sizeof(s)));
	printf("subject:   %s\n",
	    inc->subject ? mta_printable(inc->subject, s, sizeof(s))
			 : "(not kept)");
	printf("size:      %zu\n", inc->size);
	printf("reasons:   %s\n", mta_printable(inc->reasons, s, sizeof(s)));
	printf("ruleset:   %s\n", mta_printable(inc->ruleset, s, sizeof(s)));
	for (i = 0; i < inc->n_approvers; i++)
		printf("%s %s\n", i == 0 ? "approver: " : "          ",
		    mta_printable(inc->approvers[i], s, sizeof(s)));
	if (inc->decided_by != NULL) {
		printf("decided:   by %s",
		    mta_printable(inc->decided_by, s, sizeof(s)));
		printf(" at %s", time_text(inc->decided_at, t, sizeof(t)));
		printf(": %s\n",
		    mta_printable(inc->decision_reason, s, sizeof(s)));
	}
	printf("findings:  %zu\n", inc->n_findings);
	for (i = 0; i < inc->n_findings; i++) {
		f = &inc->findings[i];
		printf("  %s", mta_printable(f->path, s, sizeof(s)));
		if (f->location != NULL)
			printf(
			    " (%s)", mta_printable(f->location, s, sizeof(s)));
		printf(": %s %s %s, %zu, e.g. %s",
		    mta_printable(f->rule_id, s, sizeof(s)), f->kind,
		    dlp_confidence_name(f->confidence), f->count,
		    f->masked ? f->masked : "-");
		if (f->fingerprint != NULL)
			printf(", fp %s", f->fingerprint);
		if (!f->counted)
			printf(" [not counted]");
		printf("\n");
	}
}

static int
cmd_show(struct ctx *c, const struct args *a)
{
	struct store_incident inc;
	int rc;

	if ((rc = store_get(c->st, a->id, &inc)) != 0) {
		errx_msg("%s: %s", a->id, store_errmsg(c->st));
		return EX_FAIL;
	}
	if (a->json) {
		rc = print_json(incident_json(&inc, true));
	} else {
		print_incident(&inc);
		rc = EX_OK;
	}
	store_incident_clear(&inc);
	return rc;
}

/* The user behind this run: $SUDO_USER, else the login of the uid. */
static const char *
invoking_user(char *out, size_t outlen)
{
	const char *s = getenv("SUDO_USER");
	struct passwd *pw;

	if (s != NULL && *s != '\0')
		snprintf(out, outlen, "%s", s);
	else if ((pw = getpwuid(getuid())) != NULL)
		snprintf(out, outlen, "%s", pw->pw_name);
	else
		snprintf(out, outlen, "uid %u", (unsigned)getuid());
	return out;
}

/*
 * Load a held incident for a decision: 0 with inc filled, or an exit
 * status (messages printed) when it is unknown, not held or has no
 * usable queue id.
 */
static int
held_incident(struct ctx *c, const char *id, struct store_incident *inc)
{
	if (store_get(c->st, id, inc) != 0) {
		errx_msg("%s: %s", id, store_errmsg(c->st));
		return EX_FAIL;
	}
	if (inc->state != STORE_HELD) {
		errx_msg("%s: not held (state %s)", id,
		    store_state_name(inc->state));
		goto fail;
	}
	if (inc->queue_id == NULL) {
		errx_msg("%s: no queue id recorded: release or delete it with "
			 "the MTA's own tools",
		    id);
		goto fail;
	}
	if (!mta_queue_id_ok(inc->queue_id)) {
		errx_msg("%s: refusing a queue id that is not 6 to 32 letters "
			 "and digits",
		    id);
		goto fail;
	}
	return 0;
fail:
	store_incident_clear(inc);
	return EX_FAIL;
}

/* Whether by may approve or reject inc; prints why not. */
static bool
approver_ok(const struct store_incident *inc, const char *by)
{
	char *who, shown[320];
	bool ok = false;
	size_t i;

	if ((who = config_addr_dup(by)) == NULL) {
		errx_msg("%s: out of memory", inc->id);
		return false;
	}
	if (*who == '\0' || strcasecmp(who, inc->sender) == 0) {
		errx_msg("%s: refused: nobody approves or rejects own mail",
		    inc->id);
		goto out;
	}
	for (i = 0; i < inc->n_approvers && !ok; i++)
		ok = strcasecmp(who, inc->approvers[i]) == 0;
	if (!ok)
		errx_msg("%s: refused: %s is not an approver of this incident",
		    inc->id, mta_printable(who, shown, sizeof(shown)));
out:
	free(who);
	return ok;
}

static const struct {
	enum store_state state;
	bool release; /* else delete */
	enum notice_kind notice;
	const char *done;
} decisions[] = {
	{ STORE_RELEASED, true, NOTICE_SENDER_RELEASED, "released" },
	{ STORE_DELETED, false, NOTICE_SENDER_DELETED, "deleted" },
	{ STORE_APPROVED, true, NOTICE_SENDER_APPROVED,
	    "approved and released" },
	{ STORE_REJECTED, false, NOTICE_SENDER_REJECTED,
	    "rejected and deleted" },
};

/* release, delete, approve, reject: MTA first, then the record. */
static int
decide(struct ctx *c, const struct args *a, size_t which)
{
	struct store_incident inc;
	char user[256], err[1024];
	const char *by;
	int rc;

	by = a->by != NULL ? a->by : invoking_user(user, sizeof(user));
	if ((rc = held_incident(c, a->id, &inc)) != 0)
		return rc;
	if ((decisions[which].state == STORE_APPROVED ||
		decisions[which].state == STORE_REJECTED) &&
	    !approver_ok(&inc, by)) {
		store_incident_clear(&inc);
		return EX_FAIL;
	}
	rc = decisions[which].release
	    ? mta_release(&c->cfg->quarantine, inc.queue_id, err, sizeof(err))
	    : mta_delete(&c->cfg->quarantine, inc.queue_id, err, sizeof(err));
	store_incident_clear(&inc);
	if (rc != 0) {
		errx_msg("%s: %s failed, the mail stays held: %s", a->id,
		    decisions[which].release ? "release" : "delete", err);
		return EX_FAIL;
	}
	if ((rc = store_decide(c->st, a->id, decisions[which].state, by,
		 a->reason, c->now)) != 0) {
		errx_msg("%s: the MTA %s it, but the store was not updated: %s",
		    a->id, decisions[which].release ? "released" : "deleted",
		    store_errmsg(c->st));
		return EX_FAIL;
	}
	printf("%s: %s\n", a->id, decisions[which].done);
	rc = EX_OK;
	if (c->cfg->notices.outcome &&
	    notify_sender(c, decisions[which].notice, a->id, NULL, 0) != 0)
		rc = EX_FAIL;
	flush_queued(c);
	return rc;
}

static int
cmd_release(struct ctx *c, const struct args *a)
{
	return decide(c, a, 0);
}

static int
cmd_delete(struct ctx *c, const struct args *a)
{
	return decide(c, a, 1);
}

static int
cmd_approve(struct ctx *c, const struct args *a)
{
	return decide(c, a, 2);
}

static int
cmd_reject(struct ctx *c, const struct args *a)
{
	return decide(c, a, 3);
}

/* expire_action return: the original back to its sender, then delete. */
static int
expire_return(
    struct ctx *c, const struct store_incident *inc, char *err, size_t errlen)
{
	struct buf orig, crlf;
	const unsigned char *p;
	size_t i;
	int rc = -1;

	buf_init(&orig, ORIGINAL_MAX);
	buf_init(&crlf, ORIGINAL_MAX + ORIGINAL_MAX / 2);
	if (mta_original(
		&c->cfg->quarantine, inc->queue_id, &orig, err, errlen) != 0)
		goto out;
	/* the notice is CRLF throughout: so is the message it carries */
	p = orig.data;
	for (i = 0; i < orig.len; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r') &&
		    buf_putc(&crlf, '\r') != BUF_OK)
			goto big;
		if (buf_putc(&crlf, p[i]) != BUF_OK)
			goto big;
	}
	if (queue_notice(c, NOTICE_SENDER_EXPIRED, inc, NULL, 0,
		(const char *const *)&inc->sender, 1, buf_cstr(&crlf),
		crlf.len) != 0) {
		snprintf(err, errlen, "the notice could not be queued");
		goto out;
	}
	rc = 0;
	goto out;
big:
	snprintf(err, errlen, "the original is too large to return");
out:
	buf_free(&orig);
	buf_free(&crlf);
	return rc;
}

static int
cmd_expire(struct ctx *c, const struct args *a)
{
	const struct dlp_quarantine_conf *q = &c->cfg->quarantine;
	struct store_filter f = { STORE_HELD, 0, 0, NULL, NULL, 0 };
	struct store_incident *v, inc;
	size_t n, i, done = 0, failed = 0;
	char err[1024], reason[128];
	bool ret;

	if (a->now != NULL && !parse_num(a->now, LLONG_MAX / 2, &c->now)) {
		errx_msg("--now wants UNIX seconds");
		return EX_USAGE;
	}
	if (q->expire_after <= 0) {
		printf("expiry is off (quarantine.expire_after: 0)\n");
		return EX_OK;
	}
	f.before = c->now - q->expire_after;
	if (f.before <= 0)
		f.before = 1;
	if (store_list(c->st, &f, &v, &n) != 0) {
		errx_msg("%s", store_errmsg(c->st));
		return EX_FAIL;
	}
	snprintf(
	    reason, sizeof(reason), "held longer than %lld s", q->expire_after);
	for (i = 0; i < n; i++) {
		const char *id = v[i].id;

		if (held_incident(c, id, &inc) != 0) {
			failed++;
			continue;
		}
		ret = q->expire_action == DLP_EXPIRE_RETURN &&
		    *inc.sender != '\0';
		if (ret && expire_return(c, &inc, err, sizeof(err)) != 0) {
			errx_msg(
			    "%s: cannot return it, it stays held: %s", id, err);
			store_incident_clear(&inc);
			failed++;
			continue;
		}
		if (mta_delete(&c->cfg->quarantine, inc.queue_id, err,
			sizeof(err)) != 0) {
			errx_msg("%s: delete failed, the mail stays held: %s",
			    id, err);
			store_incident_clear(&inc);
			failed++;
			continue;
		}
		store_incident_clear(&inc);
		if (store_decide(c->st, id, STORE_EXPIRED, "expiry", reason,
			c->now) != 0) {
			errx_msg("%s: deleted, but the store was not updated: "
				 "%s",
			    id, store_errmsg(c->st));
			failed++;
			continue;
		}
		printf(
		    "%s: expired%s\n", id, ret ? ", returned to sender" : "");
		done++;
		if (!ret && c->cfg->notices.outcome &&
		    notify_sender(c, NOTICE_SENDER_EXPIRED, id, NULL, 0) != 0)
			failed++;
	}
	store_list_free(v, n);
	printf("expired %zu incident(s)%s", done, failed ? "" : "\n");
	if (failed)
		printf(", %zu failed\n", failed);
	flush_queued(c);
	return failed ? EX_FAIL : EX_OK;
}

static int
cmd_purge(struct ctx *c, const struct args *a)
{
	long long days;
	size_t n = 0;

	if (a->older == NULL || !parse_num(a->older, 36500, &days)) {
		errx_msg("purge wants --older-than DAYS");
		return EX_USAGE;
	}
	if (store_purge(c->st, c->now - days * 86400, &n) != 0) {
		errx_msg("%s", store_errmsg(c->st));
		return EX_FAIL;
	}
	printf("purged %zu incident(s)\n", n);
	return EX_OK;
}

static void
print_stats_rows(json_t *arr, const char *by)
{
	/* columns: actions done, then decisions after holding */
	static const struct {
		const char *key, *head;
		bool action;
	} cols[] = {
		{ "reject", "rej", true },
		{ "quarantine", "quar", true },
		{ "approve", "appr", true },
		{ "tag", "tag", true },
		{ "monitor", "mon", true },
		{ "released", "rel'd", false },
		{ "approved", "app'd", false },
		{ "deleted", "del'd", false },
		{ "rejected", "rej'd", false },
		{ "expired", "exp'd", false },
	};
	json_t *g, *r, *src;
	size_t i, k;
	char name[128], rate[16];
	const char *p;

	printf("%-28s %-12s %5s %5s %5s", by, "period", "hits", "msgs", "vals");
	for (k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
		printf(" %5s", cols[k].head);
	printf(" %6s\n", "rel%");
	json_array_foreach(arr, i, g)
	{
		p = json_string_value(json_object_get(g, "period"));
		mta_printable(json_string_value(json_object_get(g, by)), name,
		    sizeof(name));
		printf("%-28s %-12s %5lld %5lld %5lld", name, p ? p : "all",
		    (long long)json_integer_value(json_object_get(g, "hits")),
		    (long long)json_integer_value(
			json_object_get(g, "messages")),
		    (long long)json_integer_value(
			json_object_get(g, "values")));
		for (k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
			src =
			    cols[k].action ? json_object_get(g, "actions") : g;
			printf(" %5lld",
			    (long long)json_integer_value(
				json_object_get(src, cols[k].key)));
		}
		r = json_object_get(g, "release_rate");
		if (json_is_number(r))
			snprintf(rate, sizeof(rate), "%.1f",
			    100.0 * json_number_value(r));
		else
			snprintf(rate, sizeof(rate), "-");
		printf(" %6s\n", rate);
	}
}

static int
cmd_stats(struct ctx *c, const struct args *a)
{
	long long days = 30;
	char *text;
	json_t *root;
	json_error_t jerr;

	if (a->since != NULL && !parse_num(a->since, 36500, &days)) {
		errx_msg("--since wants a number of days");
		return EX_USAGE;
	}
	if (a->period != NULL && strcmp(a->period, "day") != 0 &&
	    strcmp(a->period, "week") != 0 && strcmp(a->period, "month") != 0) {
		errx_msg("--period is day, week or month");
		return EX_USAGE;
	}
	if (store_stats(c->st, c->now - days * 86400, c->now + 1, a->period,
		&text) != 0) {
		errx_msg("%s", store_errmsg(c->st));
		return EX_FAIL;
	}
	if (a->json) {
		puts(text);
		free(text);
		return EX_OK;
	}
	root = json_loads(text, 0, &jerr);
	free(text);
	if (root == NULL) {
		errx_msg("statistics: %s", jerr.text);
		return EX_FAIL;
	}
	printf("incidents of the last %lld day(s), by rule:\n", days);
	print_stats_rows(json_object_get(root, "rules"), "rule_id");
	printf("\nby kind:\n");
	print_stats_rows(json_object_get(root, "kinds"), "kind");
	printf("\nrel%%: released and approved, of those a person "
	       "reviewed\n");
	json_decref(root);
	return EX_OK;
}

static int
cmd_flush(struct ctx *c, const struct args *a)
{
	unsigned sent = 0, failed = 0;
	char err[512] = "";

	if (mailout_flush(c->st, &c->cfg->notices, c->now, &sent, &failed, err,
		sizeof(err)) != 0) {
		errx_msg("flush: %s", err);
		return EX_FAIL;
	}
	printf("notices: %u sent, %u not sent%s%s\n", sent, failed,
	    failed ? ": " : "", failed ? err : "");
	return EX_OK;
}

static int
cmd_digest(struct ctx *c, const struct args *a)
{
	struct store_filter f = { -1, 0, 0, NULL, NULL, 0 };
	struct store_incident *v;
	long long hours = 24;
	size_t n;
	int rc = EX_OK;

	if (a->since != NULL && !parse_num(a->since, 24 * 36500, &hours)) {
		errx_msg("--since wants a number of hours");
		return EX_USAGE;
	}
	if (c->cfg->notices.n_admin_to == 0) {
		errx_msg("no administrators to send a digest to "
			 "(notices.admin.to)");
		return EX_FAIL;
	}
	f.since = c->now - hours * 3600;
	if (store_list(c->st, &f, &v, &n) != 0) {
		errx_msg("%s", store_errmsg(c->st));
		return EX_FAIL;
	}
	if (n == 0) {
		printf("no incidents in the last %lld hour(s): no digest\n",
		    hours);
	} else if (queue_notice(c, NOTICE_ADMIN_DIGEST, NULL, v, n,
		       (const char *const *)c->cfg->notices.admin_to,
		       c->cfg->notices.n_admin_to, NULL, 0) != 0) {
		rc = EX_FAIL;
	} else {
		printf("digest of %zu incident(s) queued for %zu "
		       "administrator(s)\n",
		    n, c->cfg->notices.n_admin_to);
	}
	store_list_free(v, n);
	flush_queued(c);
	return rc;
}

static const struct command commands[] = {
	{ "list", cmd_list,
	    O(OPT_STATE) | O(OPT_SENDER) | O(OPT_APPROVER) | O(OPT_SINCE) |
		O(OPT_JSON),
	    false,
	    "list [--state S] [--sender A] [--approver A] [--since DAYS] "
	    "[--json]" },
	{ "show", cmd_show, O(OPT_JSON), true, "show ID [--json]" },
	{ "release", cmd_release, O(OPT_REASON) | O(OPT_BY), true,
	    "release ID --reason TEXT [--by WHO]" },
	{ "delete", cmd_delete, O(OPT_REASON) | O(OPT_BY), true,
	    "delete ID --reason TEXT [--by WHO]" },
	{ "approve", cmd_approve, O(OPT_REASON) | O(OPT_BY), true,
	    "approve ID --by APPROVER [--reason TEXT]" },
	{ "reject", cmd_reject, O(OPT_REASON) | O(OPT_BY), true,
	    "reject ID --by APPROVER --reason TEXT" },
	{ "expire", cmd_expire, O(OPT_NOW), false, "expire [--now UNIXTIME]" },
	{ "purge", cmd_purge, O(OPT_OLDER), false, "purge --older-than DAYS" },
	{ "stats", cmd_stats, O(OPT_SINCE) | O(OPT_PERIOD) | O(OPT_JSON), false,
	    "stats [--since DAYS] [--period day|week|month] [--json]" },
	{ "flush", cmd_flush, 0, false, "flush" },
	{ "digest", cmd_digest, O(OPT_SINCE), false, "digest [--since HOURS]" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: dlp-quarantine [-c CONFIG] COMMAND [options]\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(fp, "       dlp-quarantine %s\n", commands[i].use);
	fprintf(fp,
	    "\n"
	    "  -c CONFIG  config file (default " DLP_TREE_CONFIG
	    " when run from a\n"
	    "             build tree, else " DLP_SYSTEM_CONFIG ")\n"
	    "  --by       who decides (default: $SUDO_USER, else the user)\n"
	    "\n"
	    "Exit: 0 ok, 1 failure, 2 usage error\n");
}

/* The command's options and its id; EX_OK or EX_USAGE (printed). */
static int
parse_command(const struct command *cmd, int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, OPT_STATE },
		{ "sender", required_argument, NULL, OPT_SENDER },
		{ "approver", required_argument, NULL, OPT_APPROVER },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "by", required_argument, NULL, OPT_BY },
		{ "now", required_argument, NULL, OPT_NOW },
		{ "older-than", required_argument, NULL, OPT_OLDER },
		{ "period", required_argument, NULL, OPT_PERIOD },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(a, 0, sizeof(*a));
	optind = 0; /* GNU: start over, on the command's own argv */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch < OPT_STATE || ch > OPT_PERIOD ||
		    (cmd->opts & O(ch)) == 0) {
			errx_msg("%s: unknown option or missing argument: %s",
			    cmd->name, argv[optind - 1]);
			goto bad;
		}
		switch (ch) {
		case OPT_STATE:
			a->state = optarg;
			break;
		case OPT_SENDER:
			a->sender = optarg;
			break;
		case OPT_APPROVER:
			a->approver = optarg;
			break;
		case OPT_SINCE:
			a->since = optarg;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_REASON:
			a->reason = optarg;
			break;
		case OPT_BY:
			a->by = optarg;
			break;
		case OPT_NOW:
			a->now = optarg;
			break;
		case OPT_OLDER:
			a->older = optarg;
			break;
		case OPT_PERIOD:
			a->period = optarg;
			break;
		}
	}
	if (cmd->id) {
		if (optind >= argc) {
			errx_msg("%s: which incident?", cmd->name);
			goto bad;
		}
		a->id = argv[optind++];
	}
	if (optind < argc) {
		errx_msg("%s: unexpected argument", cmd->name);
		goto bad;
	}
	/* what each decision needs */
	if ((cmd->run == cmd_release || cmd->run == cmd_delete ||
		cmd->run == cmd_reject) &&
	    (a->reason == NULL || *a->reason == '\0')) {
		errx_msg("%s: --reason is required", cmd->name);
		goto bad;
	}
	if ((cmd->run == cmd_approve || cmd->run == cmd_reject) &&
	    (a->by == NULL || *a->by == '\0')) {
		errx_msg("%s: --by APPROVER is required", cmd->name);
		goto bad;
	}
	if (cmd->run == cmd_purge && a->older == NULL) {
		errx_msg("purge: --older-than DAYS is required");
		goto bad;
	}
	return EX_OK;
bad:
	fprintf(stderr, "usage: dlp-quarantine %s\n", cmd->use);
	return EX_USAGE;
}

int
main(int argc, char **argv)
{
	const char *config = NULL;
	const struct command *cmd = NULL;
	struct dlp_error err;
	struct args a;
	struct ctx c;
	char msg[1200];
	int i = 1, rc;
	size_t k;

	memset(&c, 0, sizeof(c));
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return EX_OK;
		}
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			config = argv[i + 1];
			i += 2;
			continue;
		}
		if (strncmp(argv[i], "-c", 2) == 0 && argv[i][2] != '\0') {
			config = argv[i] + 2;
			i++;
			continue;
		}
		errx_msg("unknown option or missing argument: %s", argv[i]);
		usage(stderr);
		return EX_USAGE;
	}
	if (i >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	for (k = 0; k < N_COMMANDS; k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			cmd = &commands[k];
	if (cmd == NULL) {
		errx_msg("unknown command '%s'", argv[i]);
		usage(stderr);
		return EX_USAGE;
	}
	if ((rc = parse_command(cmd, argc - i, argv + i, &a)) != EX_OK)
		return rc;
	if (config == NULL)
		config = config_default_path();
	memset(&err, 0, sizeof(err));
	if ((c.cfg = config_load(config, &err)) == NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		errx_msg("%s", msg);
		return EX_FAIL;
	}
	if ((c.st = store_open(c.cfg->quarantine.db_path, msg, sizeof(msg))) ==
	    NULL) {
		errx_msg("%s", msg);
		config_free(c.cfg);
		return EX_FAIL;
	}
	c.now = (long long)time(NULL);
	rc = cmd->run(&c, &a);
	notice_templates_free(c.tpl);
	store_close(c.st);
	config_free(c.cfg);
	return rc;
}
