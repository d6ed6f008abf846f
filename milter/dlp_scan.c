/*
 * dlp-scan - the offline scanner: the daemon's engine, config and policy
 * run over .eml files (or bare files as the only attachment of a message),
 * the report printed as text or JSON, every finding explained on request.
 *
 * Usage: see usage() below and README.md. Exit status: 0 when every scan
 * completed, whatever the verdicts; 1 when --test-rules found a mismatch;
 * 2 for usage, config or unreadable-input errors; 3 for internal errors.
 *
 * The envelope defaults to an internal sender and an external recipient,
 * so the outbound policy applies as it would in the daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "attach_msg.h"
#include "buf.h"
#include "config.h"
#include "detect.h"
#include "dlp.h"
#include "notice.h"
#include "report.h"
#include "store.h"

#define MAX_RCPTS 1000

enum {
	OPT_JSON = 256,
	OPT_NOTICE,
	OPT_TEXT,
	OPT_EXPLAIN,
	OPT_FROM,
	OPT_RCPT,
	OPT_ATTACHMENT,
	OPT_TEST_RULES,
	OPT_CLIENT,
	OPT_NOW
};

struct opts {
	const char *config;
	bool json, text, explain, attachment, notice;
	const char *from;
	const char *rcpts[MAX_RCPTS];
	size_t n_rcpts;
	const char *client; /* the SMTP client's address, or NULL */
	long long now;	    /* for exceptions' expiry; 0: now */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dlp-scan [-c CONFIG] [--json] [--text] [--explain]\n"
	    "                [--from ADDR] [--rcpt ADDR]... [--client IP]\n"
	    "                [--now YYYY-MM-DD] MESSAGE.eml...\n"
	    "       dlp-scan [options] --attachment FILE...\n"
	    "       dlp-scan [-c CONFIG] --test-rules [DIR]\n"
	    "       dlp-scan [options] --notice MESSAGE.eml...\n"
	    "\n"
	    "  -c CONFIG      config file (default " DLP_TREE_CONFIG
	    " when it\n"
	    "                 exists in the current directory, "
	    "else " DLP_SYSTEM_CONFIG ")\n"
	    "  --json         one JSON object per input, one per line\n"
	    "  --text         include each part's normalised text\n"
	    "  --explain      every candidate match: rule, validator, "
	    "context, confidence\n"
	    "  --from ADDR    envelope sender (default: an internal "
	    "address)\n"
	    "  --rcpt ADDR    envelope recipient, repeatable (default: an "
	    "external one)\n"
	    "  --client IP    the SMTP client's address (attachment_ban "
	    "networks)\n"
	    "  --now DATE     the day (YYYY-MM-DD, 00:00 UTC) exceptions' "
	    "expiry is\n"
	    "                 checked against (default: now)\n"
	    "  --attachment   scan each FILE as the only attachment of a "
	    "message\n"
	    "  --test-rules   run every rule's examples (rules of DIR, or "
	    "of the config)\n"
	    "  --notice       print the notice the sender would get "
	    "(signed with the\n"
	    "                 config's secret when it has one)\n"
	    "\n"
	    "Exit: 0 scanned, 1 rule examples failed, 2 usage/config "
	    "error, 3 internal error\n");
}

static const char *
default_config(void)
{
	return access(DLP_TREE_CONFIG, R_OK) == 0 ? DLP_TREE_CONFIG
						  : DLP_SYSTEM_CONFIG;
}

/* Feed what attach_msg put in b, and empty it. -1: the engine failed. */
static int
feed_buf(struct dlp_scan *s, struct buf *b)
{
	int rc = dlp_scan_feed(s, b->data, b->len) == DLP_EFATAL ? -1 : 0;

	buf_reset(b);
	return rc;
}

/* Read path into the scan, raw or as an attachment. 0, -1 read, -2 fatal. */
static int
feed_file(struct dlp_scan *s, const char *path, const struct opts *o)
{
	static const char tail[] = ATTACH_MSG_TAIL;
	unsigned char buf[3 * 16384];
	struct buf enc;
	FILE *fp;
	size_t n;
	int rc = 0;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	/* a chunk's base64: 4/3 of it and a LF every 76 */
	buf_init(&enc, sizeof(buf) / 3 * 4 + sizeof(buf) / 57 + 8192);
	if (o->attachment &&
	    (attach_msg_head(&enc, path, o->from, o->rcpts[0]) != BUF_OK ||
		feed_buf(s, &enc) < 0)) {
		rc = -2;
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		if (o->attachment ? attach_msg_base64(&enc, buf, n) != BUF_OK ||
			    feed_buf(s, &enc) < 0
				  : dlp_scan_feed(s, buf, n) == DLP_EFATAL) {
			rc = -2;
			goto out;
		}
	}
	if (ferror(fp))
		rc = -1;
	else if (o->attachment &&
	    dlp_scan_feed(s, tail, sizeof(tail) - 1) == DLP_EFATAL)
		rc = -2;
out:
	explicit_bzero(buf, sizeof(buf));
	buf_free(&enc); /* wipes */
	fclose(fp);
	return rc;
}

/*
 * --notice: the notice the sender would get for this message's action,
 * from the config's templates (the tree's conf/templates when the config
 * names none), approvers from the config, signed with its secret.
 */
static int
print_notice(const struct dlp_engine *e, const struct dlp_envelope *env,
    const struct dlp_report *r)
{
	const struct dlp_config *cfg = dlp_engine_config(e);
	const char *dir = cfg->notices.templates_dir;
	const char *const *ap;
	struct store_incident inc = { 0 };
	struct notice_input in = { 0 };
	struct notice_templates *t;
	struct dlp_error err = { 0 };
	char id[32], msg[1200], *out = NULL;
	int kind = notice_kind_for_action(r->action), status = 3;
	size_t n_ap = 0, i, len;

	if (kind < 0 && r->notify_sender)
		kind = NOTICE_SENDER_EXPOSURE;
	if (kind < 0) {
		printf("no notice: action %s\n", dlp_action_name(r->action));
		return 0;
	}
	if (dir == NULL)
		dir = access("conf/templates", R_OK) == 0 ? "conf/templates"
							  : DLP_SYSCONFDIR
		    "/dlp-milter/templates";
	if ((t = notice_templates_load(dir, &err)) == NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "dlp-scan: %s\n", msg);
		return 2;
	}
	dlp_incident_id(id, sizeof(id));
	if (store_incident_from_report(&inc, id, NULL, env, r, r->action,
		env->now ? env->now : (long long)time(NULL)) != 0)
		goto out;
	if (r->action == DLP_APPROVE &&
	    (ap = config_approvers(cfg, inc.sender, &n_ap)) != NULL) {
		if ((inc.approvers = calloc(n_ap, sizeof(char *))) == NULL)
			goto out;
		for (i = 0; i < n_ap; i++, inc.n_approvers++)
			if ((inc.approvers[i] = strdup(ap[i])) == NULL)
				goto out;
	}
	in.inc = &inc;
	in.contact = cfg->notices.contact;
	in.from = cfg->notices.from ? cfg->notices.from
				    : "dlp-milter <postmaster@localhost>";
	in.to = (const char *const *)&inc.sender;
	in.n_to = 1;
	in.now = env->now;
	if (notice_render(t, (enum notice_kind)kind, &in, cfg->secret,
		cfg->secret_len, &out, &len) < 0)
		goto out;
	fwrite(out, 1, len, stdout);
	status = 0;
out:
	if (status != 0)
		fprintf(stderr, "dlp-scan: out of memory\n");
	free(out);
	store_incident_clear(&inc);
	notice_templates_free(t);
	return status;
}

static void
print_text(const char *file, const struct dlp_report *r, bool explain)
{
	size_t i;

	printf("%s: %s", file, dlp_action_name(r->action));
	if (r->would_action != r->action)
		printf(" (would %s)", dlp_action_name(r->would_action));
	printf("%s%s\n", r->skipped ? " [skipped: not outbound]" : "",
	    r->partial ? " [partial]" : "");
	for (i = 0; i < r->n_reasons; i++)
		printf("  reason: %s\n", r->reasons[i]);
	for (i = 0; i < 32; i++)
		if ((r->why & (1u << i)) && report_why_name(1u << i) != NULL)
			printf("  why: %s\n", report_why_name(1u << i));
	if (r->notify_sender)
		printf("  notify sender: yes\n");
	for (i = 0; i < r->n_findings; i++) {
		const struct dlp_finding *f = &r->findings[i];

		printf("  finding: %s (%s, %s) in %s: %zu distinct, %s, e.g. "
		       "%s%s%s%s%s\n",
		    f->name_en ? f->name_en : f->kind, f->kind, f->rule_id,
		    f->path, f->count, dlp_confidence_name(f->confidence),
		    f->masked, f->monitor ? " [monitor rule]" : "",
		    f->exception ? " [exception " : "",
		    f->exception ? f->exception : "", f->exception ? "]" : "");
	}
	for (i = 0; i < r->n_nodes; i++) {
		const struct dlp_node *n = &r->nodes[i];

		printf("  part %s: %s%s%s, %zu bytes, %s", n->path, n->type,
		    n->charset ? "; charset=" : "",
		    n->charset ? n->charset : "", n->size,
		    dlp_encryption_name(n->encryption));
		if (n->method)
			printf(" (%s%s)", n->method, n->weak ? ", weak" : "");
		if (n->reason)
			printf(" (%s)", n->reason);
		printf("\n");
		if (n->text != NULL)
			printf("  --- text of %s ---\n%.*s\n  ---\n", n->path,
			    (int)n->text_len, n->text);
	}
	if (!explain)
		return;
	for (i = 0; i < r->n_hits; i++) {
		const struct dlp_hit *h = &r->hits[i];

		printf("  explain: %s in %s: %s\n", h->rule_id, h->path,
		    h->masked);
		if (h->validator)
			printf("    validator %s: %s\n", h->validator,
			    h->validator_ok ? "valid" : "invalid");
		printf("    context: %s\n",
		    h->context_seen && *h->context_seen ? h->context_seen
							: "(none)");
		if (h->negative_seen && *h->negative_seen)
			printf("    negative context: %s\n", h->negative_seen);
		printf("    window: %s\n", h->window ? h->window : "");
		printf("    confidence: %s (%s)\n",
		    dlp_confidence_name(h->confidence), h->why ? h->why : "");
	}
}

/* "YYYY-MM-DD" as UTC seconds at 00:00 into *out; -1 when malformed. */
static int
parse_day(const char *s, long long *out)
{
	struct tm tm = { 0 }, chk;
	int y, m, d, n = 0;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0' ||
	    n != 10 || y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	/* 2026-02-31 would roll over into March: refuse it */
	if (t == (time_t)-1 || gmtime_r(&t, &chk) == NULL || chk.tm_mday != d ||
	    chk.tm_mon != m - 1)
		return -1;
	*out = (long long)t;
	return 0;
}

static int
scan_one(struct dlp_engine *e, const char *path, const struct opts *o)
{
	struct dlp_envelope env = { o->from, o->rcpts, o->n_rcpts, o->client,
		o->now };
	const struct dlp_report *r;
	struct dlp_scan *s;
	json_t *j;
	char *out;
	int rc, status = 0;

	if ((s = dlp_scan_new(e, &env)) == NULL) {
		fprintf(stderr, "dlp-scan: %s: out of memory\n", path);
		return 3;
	}
	dlp_scan_set_flags(s,
	    (o->text ? DLP_SCAN_KEEP_TEXT : 0) |
		(o->explain ? DLP_SCAN_EXPLAIN : 0));
	rc = feed_file(s, path, o);
	if (rc == -1) {
		fprintf(stderr, "dlp-scan: %s: %s\n", path, strerror(errno));
		dlp_scan_free(s);
		return 2;
	}
	dlp_scan_finish(s);
	r = dlp_scan_report(s);
	if (r->internal_error)
		status = 3;
	if (o->notice) {
		rc = print_notice(e, &env, r);
		status = rc > status ? rc : status;
	} else if (o->json) {
		if ((j = report_json(r, o->explain)) == NULL ||
		    json_object_set_new(j, "file", json_string(path)) < 0 ||
		    (out = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII)) ==
			NULL) {
			json_decref(j);
			dlp_scan_free(s);
			return 3;
		}
		puts(out);
		free(out);
		json_decref(j);
	} else {
		print_text(path, r, o->explain);
	}
	dlp_scan_free(s);
	return status;
}

static void
report_mismatch(
    void *arg, const char *rule_id, const char *example, bool expected_match)
{
	printf("FAIL %s: expected %s: %s\n", rule_id,
	    expected_match ? "a match" : "no match", example);
}

static int
test_rules(const char *dir, const char *config)
{
	struct dlp_config *cfg;
	struct ruleset *rs;
	struct dlp_error err = { 0 };
	char msg[1200];
	size_t bad, n = 0;

	if (dir == NULL) {
		if ((cfg = config_load(config, &err)) == NULL)
			goto error;
	} else if ((cfg = config_defaults()) == NULL) {
		fprintf(stderr, "dlp-scan: out of memory\n");
		return 3;
	}
	if ((rs = ruleset_load(dir ? dir : cfg->rules_dir, &err)) == NULL) {
		config_free(cfg);
		goto error;
	}
	bad =
	    ruleset_test_examples(rs, &cfg->limits, report_mismatch, NULL, &n);
	printf("%zu rules, %zu examples, %zu mismatches (ruleset %s)\n",
	    ruleset_count(rs), n, bad, ruleset_version(rs));
	ruleset_free(rs);
	config_free(cfg);
	return bad == 0 && n > 0 ? 0 : 1;
error:
	dlp_error_format(&err, msg, sizeof(msg));
	fprintf(stderr, "dlp-scan: %s\n", msg);
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "notice", no_argument, NULL, OPT_NOTICE },
		{ "text", no_argument, NULL, OPT_TEXT },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "rcpt", required_argument, NULL, OPT_RCPT },
		{ "attachment", no_argument, NULL, OPT_ATTACHMENT },
		{ "test-rules", no_argument, NULL, OPT_TEST_RULES },
		{ "client", required_argument, NULL, OPT_CLIENT },
		{ "now", required_argument, NULL, OPT_NOW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	struct dlp_error err = { 0 };
	struct dlp_engine *e;
	const struct dlp_config *cfg;
	char msg[1200], from[320];
	bool want_test = false;
	int ch, i, rc, status = 0;

	o.config = NULL;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config = optarg;
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_NOTICE:
			o.notice = true;
			break;
		case OPT_TEXT:
			o.text = true;
			break;
		case OPT_EXPLAIN:
			o.explain = true;
			break;
		case OPT_FROM:
			o.from = optarg;
			break;
		case OPT_RCPT:
			if (o.n_rcpts == MAX_RCPTS) {
				fprintf(stderr, "dlp-scan: too many --rcpt\n");
				return 2;
			}
			o.rcpts[o.n_rcpts++] = optarg;
			break;
		case OPT_ATTACHMENT:
			o.attachment = true;
			break;
		case OPT_TEST_RULES:
			want_test = true;
			break;
		case OPT_CLIENT:
			o.client = optarg;
			break;
		case OPT_NOW:
			if (parse_day(optarg, &o.now) < 0) {
				fprintf(stderr,
				    "dlp-scan: --now: not a date "
				    "(YYYY-MM-DD): %s\n",
				    optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o.config == NULL)
		o.config = default_config();
	if (want_test)
		return test_rules(
		    optind < argc ? argv[optind] : NULL, o.config);
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if ((e = dlp_engine_load(o.config, &err)) == NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "dlp-scan: %s\n", msg);
		return 2;
	}
	cfg = dlp_engine_config(e);
	if (o.from == NULL) {
		snprintf(from, sizeof(from), "dlp-scan@%s",
		    cfg->policy.n_internal_domains
			? cfg->policy.internal_domains[0]
			: "internal.invalid");
		o.from = from;
	}
	if (o.n_rcpts == 0)
		o.rcpts[o.n_rcpts++] = "recipient@external.invalid";
	for (i = optind; i < argc; i++) {
		rc = scan_one(e, argv[i], &o);
		if (rc > status)
			status = rc;
	}
	dlp_engine_unref(e);
	return status;
}
