/*
 * milter_glue - the libmilter callbacks of dlp-milter. See milter_glue.h.
 *
 * Lifecycle (the OpenDKIM way): the connection context lives from connect
 * to close; the message context from MAIL FROM to end of message, abort
 * (RSET) or close, whichever comes first, and a connection may carry
 * several messages. Decisions are taken at one place, the end of message,
 * except for the early accept of internal-only mail at the end of headers.
 * An error before the end of message is remembered on the message and
 * applied there, because only there can every action (quarantine
 * included) be carried out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libmilter/mfapi.h>

#include "buf.h"
#include "config.h"
#include "dlp.h"
#include "incident.h"
#include "log.h"
#include "milter_glue.h"
#include "notice.h"
#include "pool.h"
#include "report.h"

/* Longest SMTP reply line we build (libmilter allows 980). */
#define REPLY_LINE_MAX 200
/* The one-line reply of a sendmail(1) submission (libmilter: 980). */
#define REPLY_ONELINE_MAX 900
/* Reply lines: libmilter allows 32; we need at most this many. */
#define REPLY_LINES 16
/* Findings listed one per line in a reject reply. */
#define REPLY_FINDINGS 8
/* Distinct part paths named in a verdict log line. */
#define LOG_PATHS 32
/* Longest envelope address we keep (RFC 5321 allows 256 octets). */
#define ADDR_MAX 2048
/* Bytes gathered before a spool write: a header line is fed in four
   pieces, so unbuffered a message costs dozens of write(2)s */
#define SPOOL_BUF 65536

/*
 * A generation: the engine (config and rules) and the incident side
 * made from the same config. A message keeps the generation it started
 * in until its end, so a reload never changes the rules of a message in
 * flight; the last message of a retired generation releases it.
 */
struct gen {
	struct dlp_engine *engine;
	struct incidents *incidents;
	unsigned refs; /* messages, plus one while current */
};

/* One message: the envelope, then the scan. */
struct msg {
	struct gen *gen; /* our reference */
	char *sender;
	char **rcpts;
	size_t n_rcpts;
	size_t cap_rcpts;
	struct dlp_scan *scan;
	bool started;		/* start_scan() ran */
	bool skipped;		/* not scanned: every recipient internal */
	const char *error;	/* the first internal error (a static string) */
	size_t size;		/* bytes fed to the engine */
	int spool;		/* the message's spool file, or -1 */
	unsigned char *wbuf;	/* SPOOL_BUF bytes not yet written, or NULL */
	size_t wlen;		/* bytes in wbuf */
	struct dlp_report wrep; /* the worker's report, when it gave one */
	const char *lost;	/* why no worker report ("worker:timeout") */
	/* an X-DLP-Notice header: our own notice, if its signature holds */
	struct notice_check *notice;
	bool notice_bad; /* more than one such header: never ours */
};

/* One connection from the MTA. */
struct conn {
	struct msg *msg; /* the message in progress, or NULL */
	bool msg_failed; /* MAIL FROM came but msg_new() failed */
	char client_addr[INET6_ADDRSTRLEN]; /* "" when not an IP client */
	/* mail submitted with sendmail(1): Postfix's cleanup connects as
	   localhost, 127.0.0.1, port 0 (an SMTP client has a port) */
	bool local_submission;
};

/* The verdict of one message, as applied and logged. */
struct verdict {
	char incident[32];
	enum dlp_action action; /* what was done */
	enum dlp_action would;	/* what the policy wanted */
	const char *error;	/* why on_internal_error applied, or NULL */
	const struct dlp_report *rep; /* NULL when the engine gave none */
	bool notice;		      /* one of our own notices, let through */
	bool local; /* submitted with sendmail(1): one-line reject */
};

/* Set by milter_glue_register() before smfi_main(); then read-only. */
static struct pool *glue_pool;
/* The current generation, replaced by milter_glue_swap(). */
static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gen *gen_current;

/* gen_get: a reference to the current generation (NULL: none yet). */
static struct gen *
gen_get(void)
{
	struct gen *g;

	pthread_mutex_lock(&gen_lock);
	if ((g = gen_current) != NULL)
		g->refs++;
	pthread_mutex_unlock(&gen_lock);
	return g;
}

/* gen_release: stop a generation's incident side, drop its engine. */
static void *
gen_release(void *arg)
{
	struct gen *g = arg;

	incidents_stop(g->incidents);
	dlp_engine_unref(g->engine);
	free(g);
	return NULL;
}

/* gen_drop: drop a reference; true when it was the last. */
static bool
gen_drop(struct gen *g)
{
	bool last;

	pthread_mutex_lock(&gen_lock);
	last = --g->refs == 0;
	pthread_mutex_unlock(&gen_lock);
	return last;
}

/*
 * gen_put: drop a reference. The last one releases the generation in a
 * thread of its own: stopping the incident side waits for its outbox
 * thread, which a message's end must not.
 */
static void
gen_put(struct gen *g)
{
	pthread_attr_t at;
	pthread_t tid;

	if (g == NULL || !gen_drop(g))
		return;
	if (pthread_attr_init(&at) != 0 ||
	    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) != 0 ||
	    pthread_create(&tid, &at, gen_release, g) != 0)
		(void)gen_release(g);
	(void)pthread_attr_destroy(&at);
}

static void
msg_free(struct msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	pool_spool_close(m->spool);
	free(m->wbuf);
	report_clear(&m->wrep);
	dlp_scan_free(m->scan);
	gen_put(m->gen);
	notice_check_free(m->notice);
	free(m->sender);
	for (i = 0; i < m->n_rcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	free(m);
}

/* conn_msg_end: forget the message in progress, if any. */
static void
conn_msg_end(struct conn *c)
{
	msg_free(c->msg);
	c->msg = NULL;
	c->msg_failed = false;
}

static void
msg_error(struct msg *m, const char *what)
{
	if (m->error == NULL)
		m->error = what;
}

/* conn_of: the connection context, created here if connect could not. */
static struct conn *
conn_of(SMFICTX *ctx)
{
	struct conn *c;

	if ((c = smfi_getpriv(ctx)) != NULL)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		return NULL;
	}
	return c;
}

/* addr_dup: a bounded copy of an envelope address; NULL on failure. */
static char *
addr_dup(const char *a)
{
	if (a == NULL)
		a = "";
	if (strlen(a) > ADDR_MAX)
		return NULL;
	return strdup(a);
}

/*
 * start_scan: the envelope is complete (first header or end of headers):
 * create the scan and ask whether it is needed at all.
 */
static void
start_scan(struct conn *c, struct msg *m)
{
	struct dlp_envelope env = { 0 }; /* client_addr, now: not set yet */

	m->started = true;
	if (m->error != NULL)
		return;
	env.sender = m->sender != NULL ? m->sender : "";
	env.rcpts = (const char *const *)m->rcpts;
	env.n_rcpts = m->n_rcpts;
	env.client_addr = c->client_addr[0] != '\0' ? c->client_addr : NULL;
	env.now = 0;
	/* the daemon's scan decides whether the envelope needs a scan and,
	   should the worker fail, decides the lost message; it is never
	   fed: a worker reads the spool */
	if ((m->scan = dlp_scan_new(m->gen->engine, &env)) == NULL) {
		msg_error(m, "scan-nomem");
		return;
	}
	if (!dlp_scan_needed(m->scan)) {
		m->skipped = true;
		return;
	}
	if ((m->spool = pool_spool(glue_pool)) < 0) {
		log_err("cannot make a spool file: %s", strerror(errno));
		msg_error(m, "spool");
	}
}

/* spool_write: len bytes to the spool file; an error is the message's. */
static void
spool_write(struct msg *m, const void *data, size_t len)
{
	if (m->error == NULL &&
	    pool_spool_write(glue_pool, m->spool, data, len) < 0) {
		log_err("cannot write a spool file: %s", strerror(errno));
		msg_error(m, "spool-write");
	}
}

/* spool_flush: write what feed() gathered (end of message). */
static void
spool_flush(struct msg *m)
{
	if (m->wlen > 0 && m->spool >= 0)
		spool_write(m, m->wbuf, m->wlen);
	m->wlen = 0;
}

/*
 * feed: spool bytes unless the message is skipped or broken, gathered in
 * wbuf (allocated at the first bytes; without it every piece is written
 * as it comes) and written SPOOL_BUF at a time.
 */
static void
feed(struct msg *m, const void *data, size_t len)
{
	if (m->error != NULL || m->skipped || m->spool < 0 || len == 0)
		return;
	m->size += len;
	if (m->wbuf == NULL)
		m->wbuf = malloc(SPOOL_BUF);
	if (m->wbuf != NULL && m->wlen + len > SPOOL_BUF)
		spool_flush(m);
	if (m->wbuf == NULL || len >= SPOOL_BUF) {
		spool_write(m, data, len);
		return;
	}
	memcpy(m->wbuf + m->wlen, data, len);
	m->wlen += len;
}

/*
 * msg_of: the message in progress for the header, end-of-header and body
 * events, started when needed; NULL when there is none (the failure is
 * then applied at the end of message).
 */
static struct msg *
msg_of(SMFICTX *ctx)
{
	struct conn *c;
	struct msg *m;

	if ((c = conn_of(ctx)) == NULL || (m = c->msg) == NULL)
		return NULL;
	if (!m->started)
		start_scan(c, m);
	return m;
}

/* ---- reply and header text ---- */

/*
 * ascii_safe: copy src into dst as printable ASCII for an SMTP reply or a
 * header: other bytes and '%' (sendmail expands it) become '?'.
 */
static void
ascii_safe(char *dst, size_t dstlen, const char *src)
{
	size_t i;

	if (dstlen == 0)
		return;
	if (src == NULL)
		src = "";
	for (i = 0; i + 1 < dstlen && src[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] =
		    (ch >= 0x20 && ch < 0x7f && ch != '%') ? (char)ch : '?';
	}
	dst[i] = '\0';
}

/*
 * reply_path: a node path fit for an SMTP reply. Paths of MIME parts are
 * numeric ("2.1"); a path that names a file inside an archive may carry a
 * name in any script, which an SMTP reply cannot: then only its numeric
 * section is given.
 */
static void
reply_path(char *dst, size_t dstlen, const char *path)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789._/+-";
	size_t n;

	if (path == NULL || *path == '\0')
		(void)snprintf(dst, dstlen, "?");
	else if (path[strspn(path, safe)] == '\0')
		ascii_safe(dst, dstlen, path);
	else if ((n = strspn(path, "0123456789.")) == 0)
		(void)snprintf(dst, dstlen, "? (a file inside it)");
	else
		(void)snprintf(
		    dst, dstlen, "%.*s (a file inside it)", (int)n, path);
}

static const char *
finding_name(const struct dlp_finding *f)
{
	if (f->name_en != NULL && *f->name_en != '\0')
		return f->name_en;
	if (f->kind != NULL && *f->kind != '\0')
		return f->kind;
	return f->rule_id != NULL ? f->rule_id : "personal data";
}

/*
 * reject_lines: the text lines of the 550 reply into lines[] (each
 * REPLY_LINE_MAX bytes); returns how many. Only kinds, counts and part
 * paths: never a value, not even masked.
 */
static size_t
reject_lines(const struct dlp_report *rep, const char *incident,
    const char *contact, char lines[][REPLY_LINE_MAX])
{
	char name[64], where[64], reason[150], contact_safe[120];
	size_t n = 0, i, listed = 0, more = 0;

	(void)snprintf(lines[n++], REPLY_LINE_MAX,
	    "Message rejected by data loss prevention, incident %s.", incident);
	for (i = 0; rep != NULL && i < rep->n_findings; i++) {
		const struct dlp_finding *f = &rep->findings[i];

		if (f->monitor)
			continue;
		if (listed == REPLY_FINDINGS) {
			more++;
			continue;
		}
		ascii_safe(name, sizeof(name), finding_name(f));
		reply_path(where, sizeof(where), f->path);
		(void)snprintf(lines[n++], REPLY_LINE_MAX,
		    "Found: %s x%zu in part %s", name, f->count, where);
		listed++;
	}
	if (more > 0)
		(void)snprintf(lines[n++], REPLY_LINE_MAX,
		    "Found: %zu more finding(s) not listed here", more);
	for (i = 0; listed == 0 && rep != NULL && i < rep->n_reasons && i < 3;
	     i++) {
		ascii_safe(reason, sizeof(reason), rep->reasons[i]);
		(void)snprintf(
		    lines[n++], REPLY_LINE_MAX, "Reason: %s", reason);
	}
	(void)snprintf(lines[n++], REPLY_LINE_MAX,
	    "Personal data must not leave unencrypted. Remove it, or encrypt "
	    "it with an approved method, then send again.");
	ascii_safe(contact_safe, sizeof(contact_safe),
	    contact != NULL && *contact != '\0' ? contact
						: "your mail administrator");
	(void)snprintf(lines[n++], REPLY_LINE_MAX,
	    "Questions: ask %s and quote the incident ID.", contact_safe);
	return n;
}

/* kinds_text: "my_number=2; pension_number=1" (sep "; ") into b. */
static void
kinds_text(
    struct buf *b, const struct dlp_report *rep, const char *sep, char eq)
{
	char kind[64];
	char num[32];
	size_t i;

	for (i = 0; rep != NULL && i < rep->n_totals; i++) {
		if (i > 0)
			(void)buf_puts(b, sep);
		ascii_safe(kind, sizeof(kind), rep->totals[i].kind);
		(void)buf_puts(b, kind);
		(void)snprintf(
		    num, sizeof(num), "%c%zu", eq, rep->totals[i].count);
		(void)buf_puts(b, num);
	}
}

/* ---- applying the decision ---- */

/*
 * apply_internal_error: the policy's on_internal_error, as far as it can
 * be carried out here; returns the libmilter status and sets v->action.
 */
/*
 * A one-line reply (rcode 451 or 550) and the action it records. A reply
 * libmilter refuses is logged, not fatal: the MTA still gets the status,
 * with its own text.
 */
static sfsistat
reply(SMFICTX *ctx, struct verdict *v, const char *rcode, const char *xcode,
    const char *text, enum dlp_action a)
{
	if (smfi_setreply(ctx, (char *)rcode, (char *)xcode, (char *)text) !=
	    MI_SUCCESS)
		log_warn("incident=%s: smfi_setreply failed", v->incident);
	v->action = a;
	return a == DLP_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

static sfsistat
apply_internal_error(
    SMFICTX *ctx, const struct dlp_config *cfg, struct verdict *v)
{
	char text[REPLY_LINE_MAX];
	char reason[REPLY_LINE_MAX];
	enum dlp_action a;

	a = cfg != NULL ? cfg->policy.on_internal_error : DLP_TEMPFAIL;
	if (v->error == NULL)
		v->error = "internal";
	switch (a) {
	case DLP_REJECT:
		(void)snprintf(text, sizeof(text),
		    "Message rejected: data loss prevention check failed, "
		    "incident %s",
		    v->incident);
		return reply(ctx, v, "550", "5.7.1", text, DLP_REJECT);
	case DLP_APPROVE: /* not allowed for on_internal_error */
	case DLP_QUARANTINE:
		(void)snprintf(reason, sizeof(reason),
		    "DLP %s: internal error in the check", v->incident);
		if (smfi_quarantine(ctx, reason) == MI_SUCCESS) {
			v->action = DLP_QUARANTINE;
			return SMFIS_ACCEPT;
		}
		log_warn("incident=%s: smfi_quarantine failed", v->incident);
		break;
	case DLP_ACCEPT:
	case DLP_MONITOR:
	case DLP_TAG:
		/* the admin chose availability over the check */
		v->action = DLP_ACCEPT;
		return SMFIS_ACCEPT;
	case DLP_TEMPFAIL:
		break;
	}
	(void)snprintf(text, sizeof(text),
	    "Data loss prevention check failed, incident %s; try again later",
	    v->incident);
	return reply(ctx, v, "451", "4.3.0", text, DLP_TEMPFAIL);
}

/*
 * apply_reject_oneline: the reject of mail submitted with sendmail(1),
 * as one reply line. Postfix turns it into the bounce the sender
 * receives, where a multi-line reply would read "...__550-5.7.1 ...":
 * the lines are joined with spaces, those that do not fit left out.
 */
static sfsistat
apply_reject_oneline(
    SMFICTX *ctx, struct verdict *v, char lines[][REPLY_LINE_MAX], size_t n)
{
	char text[REPLY_ONELINE_MAX];
	size_t len = 0, i, l;

	text[0] = '\0';
	for (i = 0; i < n; i++) {
		l = strlen(lines[i]);
		if (len + l + 2 > sizeof(text))
			continue;
		if (len > 0)
			text[len++] = ' ';
		memcpy(text + len, lines[i], l + 1);
		len += l;
	}
	if (smfi_setreply(ctx, "550", "5.7.1", text) != MI_SUCCESS)
		log_warn("incident=%s: smfi_setreply failed", v->incident);
	v->action = DLP_REJECT;
	return SMFIS_REJECT;
}

static sfsistat
apply_reject(SMFICTX *ctx, const struct dlp_config *cfg, struct verdict *v)
{
	char lines[REPLY_LINES][REPLY_LINE_MAX];
	const char *l[REPLY_LINES + 1];
	size_t n, i;

	n = reject_lines(v->rep, v->incident,
	    cfg != NULL ? cfg->milter.reply_contact : NULL, lines);
	if (v->local)
		return apply_reject_oneline(ctx, v, lines, n);
	for (i = 0; i <= REPLY_LINES; i++)
		l[i] = i < n ? lines[i] : NULL;
	/*
	 * smfi_setmlreply() takes a NULL-terminated list: the unused
	 * entries are NULL, so the first of them ends it.
	 */
	if (smfi_setmlreply(ctx, "550", "5.7.1", l[0], l[1], l[2], l[3], l[4],
		l[5], l[6], l[7], l[8], l[9], l[10], l[11], l[12], l[13], l[14],
		l[15], l[16]) != MI_SUCCESS) {
		/* the reject stands; the MTA gives its generic text */
		log_warn("incident=%s: smfi_setmlreply failed", v->incident);
	}
	v->action = DLP_REJECT;
	return SMFIS_REJECT;
}

static sfsistat
apply_quarantine(SMFICTX *ctx, const struct dlp_config *cfg, struct verdict *v)
{
	char reason[256];
	char what[160];
	struct buf b;

	buf_init(&b, sizeof(what) - 1);
	kinds_text(&b, v->rep, ", ", '=');
	if (b.len > 0)
		ascii_safe(what, sizeof(what), buf_cstr(&b));
	else if (v->rep != NULL && v->rep->n_reasons > 0)
		ascii_safe(what, sizeof(what), v->rep->reasons[0]);
	else
		(void)snprintf(what, sizeof(what), "policy");
	buf_free(&b);
	(void)snprintf(reason, sizeof(reason), "DLP %s: %s%s", v->incident,
	    v->action == DLP_APPROVE ? "awaiting approval: " : "", what);
	if (smfi_quarantine(ctx, reason) != MI_SUCCESS) {
		v->error = "smfi_quarantine";
		return apply_internal_error(ctx, cfg, v);
	}
	/* DLP_APPROVE stays: held the same way, decided by an approver */
	if (v->action != DLP_APPROVE)
		v->action = DLP_QUARANTINE;
	return SMFIS_ACCEPT;
}

static sfsistat
apply_tag(SMFICTX *ctx, const struct dlp_config *cfg, struct verdict *v)
{
	struct buf b;
	char *val = NULL;
	sfsistat st;

	buf_init(&b, 900);
	if (buf_puts(&b, "tag") != BUF_OK)
		goto fail;
	if (v->rep != NULL && v->rep->n_totals > 0 &&
	    buf_puts(&b, "; ") != BUF_OK)
		goto fail;
	kinds_text(&b, v->rep, "; ", '=');
	if ((val = strdup(buf_cstr(&b))) == NULL)
		goto fail;
	if (smfi_addheader(ctx, "X-DLP-Verdict", val) != MI_SUCCESS ||
	    smfi_addheader(ctx, "X-DLP-Incident", v->incident) != MI_SUCCESS)
		goto fail;
	v->action = DLP_TAG;
	st = SMFIS_ACCEPT;
	goto out;
fail:
	v->error = "smfi_addheader";
	st = apply_internal_error(ctx, cfg, v);
out:
	free(val);
	buf_free(&b);
	return st;
}

static sfsistat
apply_tempfail(SMFICTX *ctx, struct verdict *v)
{
	char text[REPLY_LINE_MAX];

	(void)snprintf(text, sizeof(text),
	    "Message deferred by data loss prevention, incident %s; "
	    "try again later",
	    v->incident);
	return reply(ctx, v, "451", "4.3.0", text, DLP_TEMPFAIL);
}

/* apply: carry out the decision in v->action (or the internal error). */
static sfsistat
apply(SMFICTX *ctx, const struct dlp_config *cfg, struct verdict *v)
{
	if (v->error != NULL)
		return apply_internal_error(ctx, cfg, v);
	switch (v->action) {
	case DLP_REJECT:
		return apply_reject(ctx, cfg, v);
	case DLP_APPROVE:
	case DLP_QUARANTINE:
		return apply_quarantine(ctx, cfg, v);
	case DLP_TAG:
		return apply_tag(ctx, cfg, v);
	case DLP_TEMPFAIL:
		return apply_tempfail(ctx, v);
	case DLP_MONITOR:
	case DLP_ACCEPT:
		break;
	}
	return SMFIS_ACCEPT;
}

/* ---- the verdict log line ---- */

static void
kv(struct buf *b, const char *key, const char *value)
{
	char esc[512];

	(void)buf_putc(b, ' ');
	(void)buf_puts(b, key);
	(void)buf_putc(b, '=');
	(void)buf_puts(b, log_printable(esc, sizeof(esc), value));
}

/* The width of a digit at p (ASCII, or full-width U+FF10..U+FF19), or 0. */
static size_t
digit_at(const unsigned char *p)
{
	if (*p >= '0' && *p <= '9')
		return 1;
	if (p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x90 && p[2] <= 0x99)
		return 3;
	return 0;
}

/*
 * mask_digit_runs: a path names files, and a file name may hold the very
 * number that was found ("山田_271828182846.xlsx"): logs never carry one,
 * so every run of four or more digits becomes '#' (one per digit). In
 * place; the string only shrinks.
 */
static void
mask_digit_runs(char *s)
{
	unsigned char *p = (unsigned char *)s, *w = p, *run;
	size_t k, digits;

	while (*p != '\0') {
		if (digit_at(p) == 0) {
			*w++ = *p++;
			continue;
		}
		run = p;
		for (digits = 0; (k = digit_at(p)) > 0; digits++)
			p += k;
		if (digits >= 4) {
			memset(w, '#', digits);
			w += digits;
		} else {
			memmove(w, run, (size_t)(p - run));
			w += p - run;
		}
	}
	*w = '\0';
}

/* paths_text: the distinct part paths with findings, escaped, into b. */
static void
paths_text(struct buf *b, const struct dlp_report *rep)
{
	const char *seen[LOG_PATHS];
	char esc[256], masked[256];
	size_t n = 0, i, j;

	for (i = 0; rep != NULL && i < rep->n_findings; i++) {
		const char *p = rep->findings[i].path;

		if (p == NULL)
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(seen[j], p) == 0)
				break;
		if (j < n)
			continue;
		if (n == LOG_PATHS) {
			(void)buf_puts(b, ",...");
			return;
		}
		if (n > 0)
			(void)buf_putc(b, ',');
		snprintf(masked, sizeof(masked), "%s", p);
		mask_digit_runs(masked);
		(void)buf_puts(b, log_printable(esc, sizeof(esc), masked));
		seen[n++] = p;
	}
	if (n == 0)
		(void)buf_putc(b, '-');
}

/*
 * log_verdict: the one verdict line of a message. Untrusted values are
 * escaped; values found are never named, only kinds, counts and paths.
 */
static void
log_verdict(SMFICTX *ctx, const struct gen *g, const struct msg *m,
    const struct verdict *v)
{
	const struct dlp_report *rep = v->rep;
	const struct dlp_engine *e = g != NULL ? g->engine : NULL;
	const char *ruleset;
	char num[64];
	struct buf b;

	buf_init(&b, LOG_LINE_MAX - 64);
	(void)buf_puts(&b, "verdict");
	kv(&b, "queue_id", smfi_getsymval(ctx, "i"));
	kv(&b, "incident", v->incident);
	kv(&b, "from", m != NULL && m->sender != NULL ? m->sender : "<>");
	(void)snprintf(
	    num, sizeof(num), " rcpts=%zu", m != NULL ? m->n_rcpts : 0);
	(void)buf_puts(&b, num);
	kv(&b, "action", dlp_action_name(v->action));
	kv(&b, "would", dlp_action_name(v->would));
	(void)buf_puts(&b, " kinds=");
	if (rep != NULL && rep->n_totals > 0)
		kinds_text(&b, rep, ",", ':');
	else
		(void)buf_putc(&b, '-');
	(void)buf_puts(&b, " paths=");
	paths_text(&b, rep);
	(void)snprintf(num, sizeof(num), " size=%zu elapsed_ms=%u",
	    m != NULL ? m->size : 0, rep != NULL ? rep->elapsed_ms : 0);
	(void)buf_puts(&b, num);
	ruleset = rep != NULL && rep->ruleset_version != NULL
	    ? rep->ruleset_version
	    : (e != NULL ? dlp_engine_ruleset_version(e) : NULL);
	kv(&b, "ruleset", ruleset);
	if (m != NULL && m->skipped)
		(void)buf_puts(&b, " skipped=internal");
	if (v->notice)
		(void)buf_puts(&b, " notice=ours");
	if (rep != NULL && rep->partial)
		(void)buf_puts(&b, " partial=yes");
	if (m != NULL && m->lost != NULL)
		kv(&b, "lost", m->lost);
	if (v->error != NULL)
		kv(&b, "error", v->error);
	log_info("%s", buf_cstr(&b));
	buf_free(&b);
	if (v->error != NULL)
		log_warn("incident=%s: internal error (%s): on_internal_error "
			 "gave %s",
		    v->incident, v->error, dlp_action_name(v->action));
}

/*
 * record: the audit event, incident record and notices of a message
 * (incident.c; never changes the verdict).
 */
static void
record(SMFICTX *ctx, const struct gen *g, const struct conn *c,
    const struct msg *m, const struct verdict *v)
{
	struct dlp_envelope env;
	struct incident_msg im;

	memset(&env, 0, sizeof(env));
	if (m != NULL) {
		env.sender = m->sender != NULL ? m->sender : "";
		env.rcpts = (const char *const *)m->rcpts;
		env.n_rcpts = m->n_rcpts;
	} else
		env.sender = "";
	if (c != NULL && c->client_addr[0] != '\0')
		env.client_addr = c->client_addr;
	memset(&im, 0, sizeof(im));
	im.incident = v->incident;
	im.queue_id = smfi_getsymval(ctx, "i");
	im.env = &env;
	im.rep = v->rep;
	im.action = v->action;
	im.would = v->would;
	im.error = v->error;
	im.skipped = m != NULL && m->skipped;
	im.notice = v->notice;
	if (g != NULL)
		incident_record(g->incidents, &im);
}

/*
 * our_notice: whether m carries one X-DLP-Notice header whose signature
 * over the body holds (incident.h: our own notices are not scanned for
 * a verdict, so a notice that names a label or a file cannot loop).
 */
static bool
our_notice(struct msg *m)
{
	const unsigned char *key;
	size_t keylen;

	if (m == NULL || m->notice == NULL || m->notice_bad)
		return false;
	key = incident_notice_key(m->gen->incidents, &keylen);
	if (key == NULL)
		return false;
	return notice_check_valid(m->notice, key, keylen, (long long)time(NULL),
	    INCIDENT_NOTICE_MAX_AGE);
}

/* ---- the callbacks ---- */

static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long acts = SMFIF_ADDHDRS | SMFIF_QUARANTINE;
	/* steps we do not use */
	const unsigned long off = SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA;
	/*
	 * Steps we never answer: one round trip per message at the end of
	 * headers and one at the end of message, whatever the number of
	 * recipients, headers and body chunks. libmilter emulates these
	 * for an MTA that lacks them.
	 */
	const unsigned long nr = SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
	    SMFIP_NR_HDR | SMFIP_NR_BODY;

	if ((f0 & acts) != acts)
		log_warn("the MTA does not offer %s%s: those actions will "
			 "apply on_internal_error",
		    (f0 & SMFIF_ADDHDRS) ? "" : "adding headers (tag) ",
		    (f0 & SMFIF_QUARANTINE) ? "" : "quarantine");
	*pf0 = f0 & acts;
	*pf1 = f1 & (off | nr);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_connect(SMFICTX *ctx, char *host, struct sockaddr *sa)
{
	struct conn *c;

	/* a failure here is retried at MAIL FROM and applied at the end */
	if ((c = conn_of(ctx)) == NULL || sa == NULL)
		return SMFIS_NOREPLY;
	/* the client's address, for policy.attachment_ban.clients */
	if (sa->sa_family == AF_INET) {
		(void)inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr,
		    c->client_addr, sizeof(c->client_addr));
		c->local_submission = ((struct sockaddr_in *)sa)->sin_port == 0;
	} else if (sa->sa_family == AF_INET6)
		(void)inet_ntop(AF_INET6,
		    &((struct sockaddr_in6 *)sa)->sin6_addr, c->client_addr,
		    sizeof(c->client_addr));
	return SMFIS_NOREPLY;
}

static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c;
	struct msg *m;

	if ((c = conn_of(ctx)) == NULL)
		return SMFIS_NOREPLY;
	conn_msg_end(c);
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		c->msg_failed = true;
		return SMFIS_NOREPLY;
	}
	m->spool = -1;
	m->gen = gen_get();
	c->msg = m;
	if ((m->sender = addr_dup(argv != NULL ? argv[0] : NULL)) == NULL)
		msg_error(m, "sender");
	return SMFIS_NOREPLY;
}

static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c;
	struct msg *m;
	char **nr, *r;
	size_t ncap;

	if ((c = conn_of(ctx)) == NULL || (m = c->msg) == NULL ||
	    m->error != NULL)
		return SMFIS_NOREPLY;
	if (m->n_rcpts == GLUE_MAX_RCPTS) {
		msg_error(m, "too-many-recipients");
		return SMFIS_NOREPLY;
	}
	if (m->n_rcpts == m->cap_rcpts) {
		ncap = m->cap_rcpts == 0 ? 8 : m->cap_rcpts * 2;
		if ((nr = reallocarray(m->rcpts, ncap, sizeof(*nr))) == NULL) {
			msg_error(m, "rcpt-nomem");
			return SMFIS_NOREPLY;
		}
		m->rcpts = nr;
		m->cap_rcpts = ncap;
	}
	if ((r = addr_dup(argv != NULL ? argv[0] : NULL)) == NULL) {
		msg_error(m, "rcpt");
		return SMFIS_NOREPLY;
	}
	m->rcpts[m->n_rcpts++] = r;
	return SMFIS_NOREPLY;
}

static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct msg *m;

	if ((m = msg_of(ctx)) == NULL)
		return SMFIS_NOREPLY;
	if (name == NULL)
		name = "";
	if (value == NULL)
		value = "";
	if (strcasecmp(name, NOTICE_HEADER) == 0) {
		if (m->notice != NULL)
			m->notice_bad = true;
		else if ((m->notice = notice_check_new(value)) == NULL)
			m->notice_bad = true;
	}
	feed(m, name, strlen(name));
	feed(m, ": ", 2);
	feed(m, value, strlen(value));
	feed(m, "\r\n", 2);
	return SMFIS_NOREPLY;
}

static sfsistat
mlfi_eoh(SMFICTX *ctx)
{
	struct conn *c;
	struct msg *m;
	struct verdict v;

	if ((m = msg_of(ctx)) == NULL)
		return SMFIS_CONTINUE;
	if (m->skipped && m->error == NULL) {
		c = conn_of(ctx);
		memset(&v, 0, sizeof(v));
		dlp_incident_id(v.incident, sizeof(v.incident));
		v.action = v.would = DLP_ACCEPT;
		log_verdict(ctx, m->gen, m, &v);
		record(ctx, m->gen, c, m, &v);
		conn_msg_end(c);
		return SMFIS_ACCEPT;
	}
	feed(m, "\r\n", 2);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	struct msg *m;

	if ((m = msg_of(ctx)) != NULL) {
		feed(m, data, len);
		if (m->notice != NULL)
			notice_check_body(m->notice, data, len);
	}
	return SMFIS_NOREPLY;
}

/*
 * scan_spooled: have a worker scan the spooled message. Its report, or,
 * when the worker was lost, the daemon's own scan deciding the message
 * as not inspectable (workers.on_failure: policy) or a tempfail
 * (on_failure: tempfail). Returns the report or NULL (v says why).
 */
static const struct dlp_report *
scan_spooled(const struct conn *c, struct msg *m, struct verdict *v)
{
	const struct dlp_config *cfg = dlp_engine_config(m->gen->engine);
	struct dlp_envelope env = { 0 };
	const char *why = NULL;
	int rc;

	env.sender = m->sender != NULL ? m->sender : "";
	env.rcpts = (const char *const *)m->rcpts;
	env.n_rcpts = m->n_rcpts;
	env.client_addr = c->client_addr[0] != '\0' ? c->client_addr : NULL;
	rc = pool_scan(
	    glue_pool, m->gen->engine, &env, m->spool, &m->wrep, &why);
	if (rc == 0)
		return &m->wrep;
	if (rc == POOL_BUSY) {
		msg_error(m, "workers-busy");
		return NULL;
	}
	m->lost = why;
	log_warn("incident=%s: %s: the message could not be scanned (%s)",
	    v->incident, why,
	    cfg->workers.on_failure == DLP_TEMPFAIL ? "tempfail"
						    : "not-inspectable");
	if (cfg->workers.on_failure == DLP_TEMPFAIL)
		return NULL; /* v: tempfail, no error */
	if (dlp_scan_lost(m->scan, m->size, why) != DLP_OK ||
	    dlp_scan_finish(m->scan) == DLP_EFATAL)
		msg_error(m, "engine");
	return dlp_scan_report(m->scan);
}

static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct conn *c;
	struct msg *m;
	struct gen *g;
	struct verdict v;
	sfsistat st;

	memset(&v, 0, sizeof(v));
	dlp_incident_id(v.incident, sizeof(v.incident));
	v.action = v.would = DLP_TEMPFAIL;
	c = conn_of(ctx);
	m = c != NULL ? c->msg : NULL;
	/* the message's own generation, or the current one for a failure
	   without a message */
	g = m != NULL && m->gen != NULL ? m->gen : gen_get();
	v.local = c != NULL && c->local_submission;
	if (c == NULL)
		v.error = "conn-nomem";
	else if (m == NULL)
		v.error = c->msg_failed ? "msg-nomem" : "no-envelope";
	else if (m->gen == NULL)
		v.error = "no-engine";
	else {
		if (!m->started)
			start_scan(c, m);
		spool_flush(m);
		if (m->error == NULL && m->scan != NULL && m->skipped) {
			if (dlp_scan_finish(m->scan) == DLP_EFATAL)
				msg_error(m, "engine");
			v.rep = dlp_scan_report(m->scan);
		} else if (m->error == NULL && m->scan != NULL)
			v.rep = scan_spooled(c, m, &v);
		if (v.rep == NULL && m->lost == NULL)
			msg_error(m, "no-report");
		else if (v.rep != NULL) {
			v.action = v.rep->action;
			v.would = v.rep->would_action;
			if (v.rep->internal_error)
				msg_error(m, "engine");
		}
		v.error = m->error;
		if (our_notice(m)) {
			/* our own notice: delivered whatever it names */
			v.notice = true;
			v.error = NULL;
			v.action = v.would = DLP_ACCEPT;
		}
	}
	st = apply(ctx, g != NULL ? dlp_engine_config(g->engine) : NULL, &v);
	log_verdict(ctx, g, m, &v);
	record(ctx, g, c, m, &v);
	if (m == NULL || m->gen == NULL)
		gen_put(g);
	if (c != NULL)
		conn_msg_end(c);
	return st;
}

static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	struct conn *c;

	if ((c = smfi_getpriv(ctx)) != NULL)
		conn_msg_end(c);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_close(SMFICTX *ctx)
{
	struct conn *c;

	if ((c = smfi_getpriv(ctx)) == NULL)
		return SMFIS_CONTINUE;
	conn_msg_end(c);
	free(c);
	if (smfi_setpriv(ctx, NULL) != MI_SUCCESS)
		log_warn("smfi_setpriv failed at close");
	return SMFIS_CONTINUE;
}

static struct smfiDesc glue_desc = {
	.xxfi_name = GLUE_NAME,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_QUARANTINE,
	.xxfi_connect = mlfi_connect,
	.xxfi_helo = NULL,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = mlfi_eoh,
	.xxfi_body = mlfi_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_unknown = NULL,
	.xxfi_data = NULL,
	.xxfi_negotiate = mlfi_negotiate,
};

/* gen_new: a generation of e and in, current (one reference). */
static struct gen *
gen_new(struct dlp_engine *e, struct incidents *in)
{
	struct gen *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->engine = dlp_engine_ref(e);
	g->incidents = in;
	g->refs = 1;
	return g;
}

int
milter_glue_register(void)
{
	if (smfi_register(glue_desc) != MI_SUCCESS) {
		log_err("smfi_register failed");
		return -1;
	}
	return 0;
}

int
milter_glue_start(struct dlp_engine *e, struct incidents *in, struct pool *pool)
{
	if ((gen_current = gen_new(e, in)) == NULL)
		return -1;
	glue_pool = pool;
	return 0;
}

int
milter_glue_swap(struct dlp_engine *e, struct incidents *in)
{
	struct gen *g, *old;

	if ((g = gen_new(e, in)) == NULL)
		return -1;
	pthread_mutex_lock(&gen_lock);
	old = gen_current;
	gen_current = g;
	pthread_mutex_unlock(&gen_lock);
	gen_put(old);
	return 0;
}

void
milter_glue_reopen(void)
{
	struct gen *g = gen_get();

	if (g != NULL)
		incidents_reopen(g->incidents);
	gen_put(g);
}

void
milter_glue_shutdown(void)
{
	struct gen *g;

	pthread_mutex_lock(&gen_lock);
	g = gen_current;
	gen_current = NULL;
	pthread_mutex_unlock(&gen_lock);
	/* at the end: the last flush of the outbox before exit */
	if (g != NULL && gen_drop(g))
		(void)gen_release(g);
	glue_pool = NULL;
}
