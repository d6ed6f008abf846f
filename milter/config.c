/*
 * config - load and check conf/dlp-milter.yaml. See config.h.
 *
 * Every key is checked: an unknown key anywhere, a value of the wrong
 * type, an action or confidence that does not exist, a limit out of range,
 * is an error naming file and line. Defaults are those documented in
 * conf/dlp-milter.yaml; config_defaults() and the file agree because the
 * file is read on top of config_defaults().
 *
 * This file reads milter:, rules:, limits: and the detection part of
 * policy:; config_org.c the organisation's policy keys and approval:,
 * config_ops.c notices:, quarantine:, audit: and secret_file:. The three
 * share the loader and value readers of config_int.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "normalize.h"
#include "config_int.h"
#include "yamlutil.h"

#define CLASS_LABELS_MAX 64  /* labels in policy.classification */
#define CLASS_LABEL_MAX	 128 /* bytes of one label, normalised */

/* Append one threshold to a kind's policy. */
static int
add_threshold(struct dlp_kind_policy *kp, enum dlp_confidence conf,
    unsigned min_count, enum dlp_action action)
{
	struct dlp_threshold *t;

	t = realloc(kp->thresholds, (kp->n_thresholds + 1) * sizeof(*t));
	if (t == NULL)
		return -1;
	kp->thresholds = t;
	t[kp->n_thresholds].confidence = conf;
	t[kp->n_thresholds].min_count = min_count;
	t[kp->n_thresholds].action = action;
	kp->n_thresholds++;
	return 0;
}

/*
 * The per-kind defaults, as conf/dlp-milter.yaml documents them: a My
 * Number with context is rejected, one without is held; a pension number
 * (found only with its context) is rejected.
 */
static int
set_kind_defaults(struct dlp_policy *p)
{
	if ((p->kinds = calloc(2, sizeof(*p->kinds))) == NULL)
		return -1;
	p->n_kinds = 2;
	if ((p->kinds[0].kind = strdup("my_number")) == NULL ||
	    add_threshold(&p->kinds[0], DLP_CONF_HIGH, 1, DLP_REJECT) < 0 ||
	    add_threshold(&p->kinds[0], DLP_CONF_LOW, 1, DLP_QUARANTINE) < 0 ||
	    (p->kinds[1].kind = strdup("pension_number")) == NULL ||
	    add_threshold(&p->kinds[1], DLP_CONF_MEDIUM, 1, DLP_REJECT) < 0 ||
	    (p->default_kind.kind = strdup("default")) == NULL ||
	    add_threshold(&p->default_kind, DLP_CONF_HIGH, 1, DLP_QUARANTINE) <
		0)
		return -1;
	return 0;
}

/*
 * Every real method counts as protection by default, ZipCrypto and the
 * other weak ones included (they are marked weak in reports): the seed
 * policy blocks unencrypted data, and password zips are still common.
 * Dropping a method is one line in the config.
 */
static const char *const default_accepted[] = { "zipcrypto", "winzip-aes",
	"pkware-ses", "7z-aes", "rar4", "rar5", "ooxml-agile", "ooxml-standard",
	"office-rc4", "office-xor", "pdf-rc4", "pdf-aes", "odf-blowfish",
	"odf-aes", "smime", "pgp", NULL };

void
config_free_strv(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * A classification label as the rules' values are compared with it:
 * normalised like text (NFKC: ２ is 2), ASCII spaces removed (機密性 2 and
 * 機密性2 are one label). NULL when it is empty or too long, or on ENOMEM.
 */
static char *
class_label(const char *in)
{
	struct buf b;
	size_t i, j;
	char *s;

	buf_init(&b, CLASS_LABEL_MAX);
	if (normalize_text(in, strlen(in), &b) != BUF_OK ||
	    buf_putc(&b, '\0') != BUF_OK) {
		buf_free(&b);
		return NULL;
	}
	s = buf_steal(&b, NULL);
	for (i = j = 0; s != NULL && s[i] != '\0'; i++)
		if (s[i] != ' ')
			s[j++] = s[i];
	if (s != NULL)
		s[j] = '\0';
	if (s != NULL && j == 0) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * The labels that require encryption by default, as conf/dlp-milter.yaml
 * shows them: the confidential levels and marks whose content must not
 * leave in clear. 機密性1, 取扱注意 and 個人情報 are found and reported, but
 * do not require encryption unless the file says so.
 */
static const char *const default_class_labels[] = { "機密性3", "機密性2",
	"極秘", "秘", "社外秘", NULL };

static int
set_class_defaults(struct dlp_policy *p)
{
	size_t n;

	for (n = 0; default_class_labels[n] != NULL; n++)
		;
	p->class_action = DLP_REJECT;
	if ((p->class_labels = calloc(n, sizeof(char *))) == NULL)
		return -1;
	for (p->n_class_labels = 0; p->n_class_labels < n; p->n_class_labels++)
		if ((p->class_labels[p->n_class_labels] = class_label(
			 default_class_labels[p->n_class_labels])) == NULL)
			return -1;
	return 0;
}

static int
set_accepted_defaults(struct dlp_policy *p)
{
	size_t n;

	for (n = 0; default_accepted[n] != NULL; n++)
		;
	if ((p->accepted_encryption = calloc(n, sizeof(char *))) == NULL)
		return -1;
	for (p->n_accepted_encryption = 0; p->n_accepted_encryption < n;
	     p->n_accepted_encryption++)
		if ((p->accepted_encryption[p->n_accepted_encryption] = strdup(
			 default_accepted[p->n_accepted_encryption])) == NULL)
			return -1;
	return 0;
}

struct dlp_config *
config_defaults(void)
{
	struct dlp_config *c;
	struct dlp_limits *l;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->milter.socket = strdup("inet:8891@127.0.0.1");
	c->milter.socket_mode = 0660;
	c->milter.timeout = 300;
	c->milter.syslog_facility = strdup("mail");
	c->milter.syslog_ident = strdup("dlp-milter");
	c->milter.user = strdup("dlp-milter");
	c->workers.count = 4;
	c->workers.timeout = 60;
	c->workers.memory_mb = 2048;
	c->workers.cpu = 60;
	c->workers.max_messages = 1000;
	c->workers.temp_dir = strdup("/tmp");
	c->workers.spool_memory_kb = 1024;
	c->workers.seccomp = true;
	c->workers.on_failure = DLP_ACCEPT;
	c->rules_dir = strdup("patterns");
	c->policy.encrypted = DLP_ACCEPT;
	c->policy.not_inspectable = DLP_QUARANTINE;
	c->policy.on_internal_error = DLP_TEMPFAIL;
	l = &c->limits;
	l->max_header_bytes = 64 * 1024;
	l->max_header_block_bytes = 1024 * 1024;
	l->max_depth = 20;
	l->max_parts = 1000;
	l->max_decoded_bytes = 64 * 1024 * 1024;
	l->max_part_bytes = 16 * 1024 * 1024;
	l->max_line_bytes = 64 * 1024;
	l->max_hits = 10000;
	l->pcre2_match_limit = 1000000;
	l->pcre2_depth_limit = 10000;
	l->max_scan_ms = 30000;
	l->max_container_depth = 8;
	l->max_members = 10000;
	l->max_member_bytes = 64 * 1024 * 1024;
	l->max_ratio = 200;
	l->max_expanded_bytes = 256 * 1024 * 1024;
	l->pdf_max_pages = 500;
	l->pdf_max_ms = 10000;
	if (c->milter.socket == NULL || c->milter.syslog_facility == NULL ||
	    c->milter.syslog_ident == NULL || c->milter.user == NULL ||
	    c->workers.temp_dir == NULL || c->rules_dir == NULL ||
	    set_kind_defaults(&c->policy) < 0 ||
	    set_accepted_defaults(&c->policy) < 0 ||
	    set_class_defaults(&c->policy) < 0 || config_org_defaults(c) < 0 ||
	    config_ops_defaults(c) < 0) {
		config_free(c);
		return NULL;
	}
	return c;
}

static void
kind_policy_clear(struct dlp_kind_policy *kp)
{
	free(kp->kind);
	free(kp->thresholds);
	kp->kind = NULL;
	kp->thresholds = NULL;
	kp->n_thresholds = 0;
}

void
config_free(struct dlp_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->rules_dir);
	free(c->milter.socket);
	free(c->milter.syslog_facility);
	free(c->milter.syslog_ident);
	free(c->milter.reply_contact);
	free(c->milter.user);
	free(c->milter.socket_owner);
	free(c->workers.temp_dir);
	config_free_strv(
	    c->policy.internal_domains, c->policy.n_internal_domains);
	config_free_strv(
	    c->policy.accepted_encryption, c->policy.n_accepted_encryption);
	config_free_strv(c->policy.class_labels, c->policy.n_class_labels);
	for (i = 0; i < c->policy.n_kinds; i++)
		kind_policy_clear(&c->policy.kinds[i]);
	free(c->policy.kinds);
	kind_policy_clear(&c->policy.default_kind);
	config_org_free(c);
	config_ops_free(c);
	free(c);
}

int
config_replace_str(struct loader *ld, struct fy_node *n, char **dst)
{
	char *s;

	if ((s = yaml_strdup(ld->err, ld->path, n)) == NULL)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

int
config_get_action(struct loader *ld, struct fy_node *n, enum dlp_action *out)
{
	char v[32];
	int a;

	if (yaml_scalar(ld->err, ld->path, n, v, sizeof(v)) < 0)
		return -1;
	if ((a = dlp_action_parse(v)) < 0)
		return yaml_fail(ld->err, ld->path, n,
		    "unknown action '%s' (accept, monitor, tag, approve, "
		    "quarantine, reject, tempfail)",
		    v);
	*out = (enum dlp_action)a;
	return 0;
}

/* A size or count limit; sizes may be written 64k, 16M, 1G. */
int
config_get_limit(struct loader *ld, struct fy_node *n, unsigned long long min,
    unsigned long long max, unsigned long long *out)
{
	char v[32], *end;
	unsigned long long x, mul = 1;
	size_t len;

	if (yaml_scalar(ld->err, ld->path, n, v, sizeof(v)) < 0)
		return -1;
	len = strlen(v);
	if (len > 1) {
		switch (v[len - 1]) {
		case 'k':
		case 'K':
			mul = 1024ULL;
			break;
		case 'm':
		case 'M':
			mul = 1024ULL * 1024;
			break;
		case 'g':
		case 'G':
			mul = 1024ULL * 1024 * 1024;
			break;
		}
		if (mul != 1)
			v[len - 1] = '\0';
	}
	if (v[0] < '0' || v[0] > '9')
		return yaml_fail(ld->err, ld->path, n,
		    min > 0 ? "expected a positive number"
			    : "expected a number (0 or more)");
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max / mul)
		return yaml_fail(ld->err, ld->path, n,
		    "expected a number from %llu to %llu", min, max);
	*out = x * mul;
	return 0;
}

char *
config_path(struct loader *ld, struct fy_node *n, const char *value)
{
	const char *slash = strrchr(ld->path, '/');
	size_t need;
	char *p;

	if (value[0] == '/' || slash == NULL)
		p = strdup(value);
	else {
		need = (size_t)(slash - ld->path) + 1 + strlen(value) + 1;
		if ((p = malloc(need)) != NULL)
			snprintf(p, need, "%.*s/%s", (int)(slash - ld->path),
			    ld->path, value);
	}
	if (p == NULL)
		yaml_fail(ld->err, ld->path, n, "out of memory");
	return p;
}

int
config_replace_path(
    struct loader *ld, struct fy_node *n, bool empty_ok, char **dst)
{
	char *s, *p;

	if ((s = yaml_strdup(ld->err, ld->path, n)) == NULL)
		return -1;
	if (s[0] == '\0') {
		free(s);
		if (!empty_ok)
			return yaml_fail(
			    ld->err, ld->path, n, "a path cannot be empty");
		free(*dst);
		*dst = NULL;
		return 0;
	}
	p = config_path(ld, n, s);
	free(s);
	if (p == NULL)
		return -1;
	free(*dst);
	*dst = p;
	return 0;
}

static int
load_milter(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "socket", "socket_mode", "timeout",
		"syslog_facility", "syslog_ident", "reply_contact", "user",
		"socket_owner", NULL };
	struct dlp_milter_conf *mc = &ld->c->milter;
	unsigned long long x;
	struct fy_node *v;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "socket")) != NULL) {
		if (config_replace_str(ld, v, &mc->socket) < 0)
			return -1;
		if (strncmp(mc->socket, "inet:", 5) != 0 &&
		    strncmp(mc->socket, "inet6:", 6) != 0 &&
		    strncmp(mc->socket, "unix:", 5) != 0 &&
		    strncmp(mc->socket, "local:", 6) != 0)
			return yaml_fail(ld->err, ld->path, v,
			    "socket must be inet:PORT@HOST, inet6:PORT@HOST "
			    "or unix:PATH");
	}
	if ((v = yaml_get(m, "socket_mode")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 0, 0777, &x) < 0)
			return -1;
		mc->socket_mode = (unsigned)x;
	}
	if ((v = yaml_get(m, "timeout")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 1, 86400, &x) < 0)
			return -1;
		mc->timeout = (unsigned)x;
	}
	if ((v = yaml_get(m, "syslog_facility")) != NULL &&
	    config_replace_str(ld, v, &mc->syslog_facility) < 0)
		return -1;
	if ((v = yaml_get(m, "syslog_ident")) != NULL &&
	    config_replace_str(ld, v, &mc->syslog_ident) < 0)
		return -1;
	if ((v = yaml_get(m, "reply_contact")) != NULL &&
	    config_replace_str(ld, v, &mc->reply_contact) < 0)
		return -1;
	if ((v = yaml_get(m, "user")) != NULL &&
	    config_replace_str(ld, v, &mc->user) < 0)
		return -1;
	if ((v = yaml_get(m, "socket_owner")) != NULL) {
		if (config_replace_str(ld, v, &mc->socket_owner) < 0)
			return -1;
		if (mc->socket_owner[0] == '\0' || mc->socket_owner[0] == ':' ||
		    strchr(mc->socket_owner, ' ') != NULL)
			return yaml_fail(ld->err, ld->path, v,
			    "socket_owner must be USER or USER:GROUP");
	}
	return 0;
}

/* workers: the processes that parse and scan (pool.h). */
static int
load_workers(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "count", "timeout", "memory_mb",
		"cpu", "max_messages", "temp_dir", "spool_memory_kb", "seccomp",
		"on_failure", NULL };
	struct dlp_workers_conf *wc = &ld->c->workers;
	unsigned long long x;
	struct fy_node *v;
	char *s;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "count")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 1, 256, &x) < 0)
			return -1;
		wc->count = (unsigned)x;
	}
	if ((v = yaml_get(m, "timeout")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 1, 3600, &x) < 0)
			return -1;
		wc->timeout = (unsigned)x;
	}
	if ((v = yaml_get(m, "memory_mb")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 0, 1024 * 1024, &x) < 0)
			return -1;
		if (x != 0 && x < 64)
			return yaml_fail(ld->err, ld->path, v,
			    "memory_mb: at least 64 (or 0: no limit)");
		wc->memory_mb = (unsigned)x;
	}
	if ((v = yaml_get(m, "cpu")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 0, 3600, &x) < 0)
			return -1;
		wc->cpu = (unsigned)x;
	}
	if ((v = yaml_get(m, "max_messages")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 0, 100000000, &x) < 0)
			return -1;
		wc->max_messages = (unsigned)x;
	}
	if ((v = yaml_get(m, "temp_dir")) != NULL &&
	    config_replace_path(ld, v, false, &wc->temp_dir) < 0)
		return -1;
	if ((v = yaml_get(m, "spool_memory_kb")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 0, 1024 * 1024, &x) < 0)
			return -1;
		wc->spool_memory_kb = (unsigned)x;
	}
	if ((v = yaml_get(m, "seccomp")) != NULL &&
	    yaml_bool(ld->err, ld->path, v, &wc->seccomp) < 0)
		return -1;
	if ((v = yaml_get(m, "on_failure")) != NULL) {
		if ((s = yaml_strdup(ld->err, ld->path, v)) == NULL)
			return -1;
		if (strcmp(s, "policy") == 0)
			wc->on_failure = DLP_ACCEPT;
		else if (strcmp(s, "tempfail") == 0)
			wc->on_failure = DLP_TEMPFAIL;
		else {
			free(s);
			return yaml_fail(ld->err, ld->path, v,
			    "on_failure must be policy or tempfail");
		}
		free(s);
	}
	return 0;
}

/* rules.dir, relative to the config file's directory. */
static int
load_rules(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "dir", NULL };
	struct fy_node *v;
	char *dir = NULL, *slash;
	size_t need;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "dir")) == NULL)
		return 0;
	if ((dir = yaml_strdup(ld->err, ld->path, v)) == NULL)
		return -1;
	ld->c->rules_dir_line = yaml_line(v);
	free(ld->c->rules_dir);
	ld->c->rules_dir = NULL;
	slash = strrchr(ld->path, '/');
	if (dir[0] == '/' || slash == NULL) {
		ld->c->rules_dir = dir;
		return 0;
	}
	need = (size_t)(slash - ld->path) + 1 + strlen(dir) + 1;
	if ((ld->c->rules_dir = malloc(need)) == NULL) {
		free(dir);
		return yaml_fail(ld->err, ld->path, v, "out of memory");
	}
	snprintf(ld->c->rules_dir, need, "%.*s/%s", (int)(slash - ld->path),
	    ld->path, dir);
	free(dir);
	return 0;
}

static int
load_domains(struct loader *ld, struct fy_node *seq)
{
	struct dlp_policy *p = &ld->c->policy;
	struct fy_node *it;
	void *iter = NULL;
	size_t n;
	char *d;

	if (!fy_node_is_sequence(seq))
		return yaml_fail(
		    ld->err, ld->path, seq, "internal_domains must be a list");
	n = (size_t)fy_node_sequence_item_count(seq);
	if ((p->internal_domains = calloc(n + 1, sizeof(char *))) == NULL)
		return yaml_fail(ld->err, ld->path, seq, "out of memory");
	while ((it = fy_node_sequence_iterate(seq, &iter)) != NULL) {
		if ((d = yaml_strdup(ld->err, ld->path, it)) == NULL)
			return -1;
		p->internal_domains[p->n_internal_domains++] = d;
		if (d[0] == '\0' || strchr(d, '@') != NULL ||
		    strchr(d, ' ') != NULL)
			return yaml_fail(ld->err, ld->path, it,
			    "'%s' is not a domain name", d);
		if (d[0] == '.') /* ".example.jp" and "example.jp" agree */
			memmove(d, d + 1, strlen(d));
	}
	return 0;
}

/* accepted_encryption: a list of method names or families, maybe empty. */
static int
load_accepted(struct loader *ld, struct fy_node *seq)
{
	struct dlp_policy *p = &ld->c->policy;
	struct fy_node *it;
	void *iter = NULL;
	size_t n, i;
	char *m;

	if (!fy_node_is_sequence(seq))
		return yaml_fail(ld->err, ld->path, seq,
		    "accepted_encryption must be a list (maybe empty: [])");
	config_free_strv(p->accepted_encryption, p->n_accepted_encryption);
	p->accepted_encryption = NULL;
	p->n_accepted_encryption = 0;
	n = (size_t)fy_node_sequence_item_count(seq);
	if ((p->accepted_encryption = calloc(n + 1, sizeof(char *))) == NULL)
		return yaml_fail(ld->err, ld->path, seq, "out of memory");
	while ((it = fy_node_sequence_iterate(seq, &iter)) != NULL) {
		if ((m = yaml_strdup(ld->err, ld->path, it)) == NULL)
			return -1;
		p->accepted_encryption[p->n_accepted_encryption++] = m;
		for (i = 0; m[i] != '\0'; i++)
			if (!((m[i] >= 'a' && m[i] <= 'z') ||
				(m[i] >= '0' && m[i] <= '9') || m[i] == '-'))
				return yaml_fail(ld->err, ld->path, it,
				    "'%s' is not a method name (lower case, "
				    "digits, '-')",
				    m);
		if (i == 0)
			return yaml_fail(
			    ld->err, ld->path, it, "empty method name");
	}
	return 0;
}

/*
 * classification: {require_encryption: [labels], action: ACTION}. The
 * list may be empty (no label requires encryption); a label that is
 * empty, too long or listed twice is an error, and so is tempfail (a
 * retry sends the same labelled content again).
 */
static int
load_classification(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "require_encryption", "action",
		NULL };
	struct dlp_policy *p = &ld->c->policy;
	struct fy_node *seq, *it, *v;
	void *iter = NULL;
	char *raw, *label;
	size_t n, i;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "action")) != NULL) {
		if (config_get_action(ld, v, &p->class_action) < 0)
			return -1;
		if (p->class_action == DLP_TEMPFAIL)
			return yaml_fail(ld->err, ld->path, v,
			    "classification action cannot be tempfail "
			    "(a retry sends the same content)");
	}
	if ((seq = yaml_get(m, "require_encryption")) == NULL)
		return 0;
	if (!fy_node_is_sequence(seq))
		return yaml_fail(ld->err, ld->path, seq,
		    "require_encryption must be a list of labels (maybe "
		    "empty: [])");
	n = (size_t)fy_node_sequence_item_count(seq);
	if (n > CLASS_LABELS_MAX)
		return yaml_fail(ld->err, ld->path, seq,
		    "require_encryption: at most %d labels", CLASS_LABELS_MAX);
	config_free_strv(p->class_labels, p->n_class_labels);
	p->n_class_labels = 0;
	if ((p->class_labels = calloc(n + 1, sizeof(char *))) == NULL)
		return yaml_fail(ld->err, ld->path, seq, "out of memory");
	while ((it = fy_node_sequence_iterate(seq, &iter)) != NULL) {
		if ((raw = yaml_strdup(ld->err, ld->path, it)) == NULL)
			return -1;
		label = class_label(raw);
		free(raw);
		if (label == NULL)
			return yaml_fail(ld->err, ld->path, it,
			    "a label must be 1 to %d bytes (normalised)",
			    CLASS_LABEL_MAX - 1);
		for (i = 0; i < p->n_class_labels; i++)
			if (strcmp(p->class_labels[i], label) == 0) {
				free(label);
				return yaml_fail(ld->err, ld->path, it,
				    "label listed twice");
			}
		p->class_labels[p->n_class_labels++] = label;
	}
	return 0;
}

/* One kind: a list of {confidence, min_count, action}. */
static int
load_kind(struct loader *ld, struct fy_node *key, struct fy_node *seq,
    struct dlp_kind_policy *kp)
{
	static const char *const keys[] = { "confidence", "min_count", "action",
		NULL };
	struct fy_node *it, *v;
	void *iter = NULL;
	unsigned long long x;
	char buf[32];
	size_t n;
	int conf;

	if ((kp->kind = yaml_strdup(ld->err, ld->path, key)) == NULL)
		return -1;
	if (!fy_node_is_sequence(seq) ||
	    (n = (size_t)fy_node_sequence_item_count(seq)) == 0)
		return yaml_fail(ld->err, ld->path, key,
		    "kind '%s': expected a list of {confidence, min_count, "
		    "action}",
		    kp->kind);
	if ((kp->thresholds = calloc(n, sizeof(*kp->thresholds))) == NULL)
		return yaml_fail(ld->err, ld->path, seq, "out of memory");
	while ((it = fy_node_sequence_iterate(seq, &iter)) != NULL) {
		struct dlp_threshold *t = &kp->thresholds[kp->n_thresholds++];

		if (yaml_check_keys(ld->err, ld->path, it, keys) < 0)
			return -1;
		if ((v = yaml_get(it, "confidence")) == NULL ||
		    (v = yaml_get(it, "action")) == NULL)
			return yaml_fail(ld->err, ld->path, it,
			    "each threshold needs confidence and action");
		v = yaml_get(it, "confidence");
		if (yaml_scalar(ld->err, ld->path, v, buf, sizeof(buf)) < 0)
			return -1;
		if ((conf = dlp_confidence_parse(buf)) <= DLP_CONF_NONE)
			return yaml_fail(ld->err, ld->path, v,
			    "confidence must be low, medium or high");
		t->confidence = (enum dlp_confidence)conf;
		t->min_count = 1;
		if ((v = yaml_get(it, "min_count")) != NULL) {
			if (yaml_uint(ld->err, ld->path, v, 1, 1000000, &x) < 0)
				return -1;
			t->min_count = (unsigned)x;
		}
		if (config_get_action(ld, yaml_get(it, "action"), &t->action) <
		    0)
			return -1;
	}
	return 0;
}

static int
load_kinds(struct loader *ld, struct fy_node *m)
{
	struct dlp_policy *p = &ld->c->policy;
	struct fy_node_pair *pair;
	void *iter = NULL;
	size_t n, i;

	if (!fy_node_is_mapping(m))
		return yaml_fail(ld->err, ld->path, m,
		    "kinds must be a mapping of kind: [thresholds]");
	/* a kinds section replaces the built-in one whole: what the file
	   says is all there is, so nothing surprising is inherited */
	for (i = 0; i < p->n_kinds; i++)
		kind_policy_clear(&p->kinds[i]);
	free(p->kinds);
	p->kinds = NULL;
	p->n_kinds = 0;
	n = (size_t)fy_node_mapping_item_count(m);
	if ((p->kinds = calloc(n + 1, sizeof(*p->kinds))) == NULL)
		return yaml_fail(ld->err, ld->path, m, "out of memory");
	while ((pair = fy_node_mapping_iterate(m, &iter)) != NULL) {
		struct fy_node *k = fy_node_pair_key(pair);
		struct dlp_kind_policy kp = { 0 };
		int rc = load_kind(ld, k, fy_node_pair_value(pair), &kp);

		if (rc == 0 && strcmp(kp.kind, "default") == 0) {
			kind_policy_clear(&p->default_kind);
			p->default_kind = kp;
			continue;
		}
		p->kinds[p->n_kinds++] = kp; /* freed with the config */
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
load_policy(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "mode", "internal_domains",
		"scan_internal", "encrypted", "not_inspectable",
		"on_internal_error", "kinds", "accepted_encryption",
		"classification", "max_message_size", "max_message_size_action",
		"recipients", "groups", "exceptions", "attachment_ban",
		"recipient_exposure", NULL };
	struct dlp_policy *p = &ld->c->policy;
	struct fy_node *v;
	char mode[16];

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "mode")) != NULL) {
		if (yaml_scalar(ld->err, ld->path, v, mode, sizeof(mode)) < 0)
			return -1;
		if (strcmp(mode, "enforce") == 0)
			p->monitor_only = false;
		else if (strcmp(mode, "monitor") == 0)
			p->monitor_only = true;
		else
			return yaml_fail(ld->err, ld->path, v,
			    "mode must be enforce or monitor");
	}
	if ((v = yaml_get(m, "internal_domains")) != NULL &&
	    load_domains(ld, v) < 0)
		return -1;
	if ((v = yaml_get(m, "scan_internal")) != NULL &&
	    yaml_bool(ld->err, ld->path, v, &p->scan_internal) < 0)
		return -1;
	if ((v = yaml_get(m, "encrypted")) != NULL &&
	    config_get_action(ld, v, &p->encrypted) < 0)
		return -1;
	if ((v = yaml_get(m, "not_inspectable")) != NULL &&
	    config_get_action(ld, v, &p->not_inspectable) < 0)
		return -1;
	if ((v = yaml_get(m, "on_internal_error")) != NULL) {
		if (config_get_action(ld, v, &p->on_internal_error) < 0)
			return -1;
		/* accepting unscanned mail on failure is what we exist to
		   prevent; tempfail, quarantine or reject only */
		if (p->on_internal_error < DLP_QUARANTINE)
			return yaml_fail(ld->err, ld->path, v,
			    "on_internal_error must be tempfail, quarantine "
			    "or reject");
	}
	if ((v = yaml_get(m, "kinds")) != NULL && load_kinds(ld, v) < 0)
		return -1;
	if ((v = yaml_get(m, "accepted_encryption")) != NULL &&
	    load_accepted(ld, v) < 0)
		return -1;
	if ((v = yaml_get(m, "classification")) != NULL &&
	    load_classification(ld, v) < 0)
		return -1;
	return config_load_org_policy(ld, m);
}

struct limit_key {
	const char *name;
	size_t off;
	bool is_size; /* size_t, else unsigned or uint32_t */
	unsigned long long max;
};

#define LK(n, sz, mx)                                      \
	{                                                  \
#n, offsetof(struct dlp_limits, n), sz, mx \
	}
static const struct limit_key limit_keys[] = {
	LK(max_header_bytes, true, 64ULL << 20),
	LK(max_header_block_bytes, true, 256ULL << 20),
	LK(max_depth, false, 1000),
	LK(max_parts, false, 1000000),
	LK(max_decoded_bytes, true, 64ULL << 30),
	LK(max_part_bytes, true, 64ULL << 30),
	LK(max_line_bytes, true, 64ULL << 20),
	LK(max_hits, false, 10000000),
	LK(pcre2_match_limit, false, UINT32_MAX),
	LK(pcre2_depth_limit, false, UINT32_MAX),
	LK(max_scan_ms, false, 3600000),
	LK(max_container_depth, false, 100),
	LK(max_members, false, 10000000),
	LK(max_member_bytes, true, 64ULL << 30),
	LK(max_ratio, false, 1000000),
	LK(max_expanded_bytes, true, 1ULL << 40),
	LK(pdf_max_pages, false, 1000000),
	LK(pdf_max_ms, false, 3600000),
};
#undef LK

static int
load_limits(struct loader *ld, struct fy_node *m)
{
	const char *keys[sizeof(limit_keys) / sizeof(limit_keys[0]) + 1];
	size_t i, n = sizeof(limit_keys) / sizeof(limit_keys[0]);
	unsigned long long x = 0;
	struct fy_node *v;
	char *base = (char *)&ld->c->limits;

	for (i = 0; i < n; i++)
		keys[i] = limit_keys[i].name;
	keys[n] = NULL;
	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct limit_key *k = &limit_keys[i];

		if ((v = yaml_get(m, k->name)) == NULL)
			continue;
		if (config_get_limit(ld, v, 1, k->max, &x) < 0)
			return -1;
		if (k->is_size)
			*(size_t *)(base + k->off) = (size_t)x;
		else
			*(unsigned *)(base + k->off) = (unsigned)x;
	}
	return 0;
}

struct dlp_config *
config_load(const char *path, struct dlp_error *err)
{
	static const char *const keys[] = { "milter", "workers", "rules",
		"policy", "limits", "approval", "notices", "quarantine",
		"audit", "secret_file", NULL };
	struct loader ld = { path, err, NULL, NULL, 0 };
	struct fy_document *fyd = NULL;
	struct fy_node *root, *v;
	int rc = -1;

	if ((ld.c = config_defaults()) == NULL) {
		dlp_error_set(err, path, 0, "out of memory");
		return NULL;
	}
	if ((ld.c->path = strdup(path)) == NULL) {
		dlp_error_set(err, path, 0, "out of memory");
		goto out;
	}
	/* the default rules dir is beside the file, not in the cwd */
	free(ld.c->rules_dir);
	ld.c->rules_dir = NULL;
	{
		const char *slash = strrchr(path, '/');
		size_t need = (slash ? (size_t)(slash - path) : 1) + 10;

		if ((ld.c->rules_dir = malloc(need)) == NULL)
			goto out;
		snprintf(ld.c->rules_dir, need, "%.*s/patterns",
		    slash ? (int)(slash - path) : 1, slash ? path : ".");
	}
	/* so are the notice templates */
	free(ld.c->notices.templates_dir);
	if ((ld.c->notices.templates_dir =
		    config_path(&ld, NULL, "templates")) == NULL)
		goto out;
	if ((fyd = yaml_load(path, err)) == NULL)
		goto out;
	root = fy_document_root(fyd);
	if (yaml_check_keys(err, path, root, keys) < 0)
		goto out;
	if ((v = yaml_get(root, "milter")) != NULL && load_milter(&ld, v) < 0)
		goto out;
	if ((v = yaml_get(root, "workers")) != NULL && load_workers(&ld, v) < 0)
		goto out;
	if ((v = yaml_get(root, "rules")) != NULL && load_rules(&ld, v) < 0)
		goto out;
	if ((v = yaml_get(root, "policy")) != NULL && load_policy(&ld, v) < 0)
		goto out;
	if ((v = yaml_get(root, "limits")) != NULL && load_limits(&ld, v) < 0)
		goto out;
	if ((v = yaml_get(root, "approval")) != NULL &&
	    config_load_approval(&ld, v) < 0)
		goto out;
	if ((v = yaml_get(root, "notices")) != NULL &&
	    config_load_notices(&ld, v) < 0)
		goto out;
	if ((v = yaml_get(root, "quarantine")) != NULL &&
	    config_load_quarantine(&ld, v) < 0)
		goto out;
	if ((v = yaml_get(root, "audit")) != NULL &&
	    config_load_audit(&ld, v) < 0)
		goto out;
	if (config_load_secret(&ld, yaml_get(root, "secret_file")) < 0)
		goto out;
	rc = 0;
out:
	config_groups_free(&ld);
	fy_document_destroy(fyd);
	if (rc < 0) {
		config_free(ld.c);
		return NULL;
	}
	return ld.c;
}

const struct dlp_kind_policy *
config_kind_policy(const struct dlp_config *c, const char *kind)
{
	size_t i;

	for (i = 0; i < c->policy.n_kinds; i++)
		if (strcmp(c->policy.kinds[i].kind, kind) == 0)
			return &c->policy.kinds[i];
	return &c->policy.default_kind;
}

bool
config_encryption_accepted(const struct dlp_config *c, const char *method)
{
	size_t i, len;

	if (method == NULL)
		return false;
	for (i = 0; i < c->policy.n_accepted_encryption; i++) {
		const char *a = c->policy.accepted_encryption[i];

		len = strlen(a);
		if (strncmp(method, a, len) == 0 &&
		    (method[len] == '\0' || method[len] == '-'))
			return true;
	}
	return false;
}

bool
config_is_internal(const struct dlp_config *c, const char *addr)
{
	const char *at, *dom;
	size_t dlen, i, len;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return false; /* "<>" or a local name: not provably internal */
	dom = at + 1;
	dlen = strcspn(dom, ">");
	while (dlen > 0 && dom[dlen - 1] == '.')
		dlen--;
	for (i = 0; i < c->policy.n_internal_domains; i++) {
		const char *d = c->policy.internal_domains[i];

		len = strlen(d);
		if (len > dlen)
			continue;
		/* the domain itself or a subdomain of it */
		if (strncasecmp(dom + dlen - len, d, len) == 0 &&
		    (dlen == len || dom[dlen - len - 1] == '.'))
			return true;
	}
	return false;
}

bool
config_domain_in(const char *dom, size_t dlen, const char *d)
{
	size_t len = strlen(d);

	if (len == 0 || len > dlen)
		return false;
	return strncasecmp(dom + dlen - len, d, len) == 0 &&
	    (dlen == len || dom[dlen - len - 1] == '.');
}

/* addr_parts: the address without "<>" and its domain, in place. */
static bool
addr_parts(const char *addr, const char **local, size_t *alen, const char **dom,
    size_t *dlen)
{
	const char *at;

	if (addr == NULL)
		return false;
	if (*addr == '<')
		addr++;
	*local = addr;
	*alen = strcspn(addr, ">");
	if ((at = memrchr(addr, '@', *alen)) == NULL)
		return false;
	*dom = at + 1;
	*dlen = *alen - (size_t)(*dom - addr);
	/* "a@example.jp." is a@example.jp, as in config_is_internal() */
	while (*dlen > 0 && (*dom)[*dlen - 1] == '.')
		(*dlen)--;
	*alen = (size_t)(*dom - addr) + *dlen;
	return *dlen > 0;
}

bool
config_addr_in(const char *const *list, size_t n, const char *addr)
{
	const char *a, *dom;
	size_t alen, dlen, i;

	if (!addr_parts(addr, &a, &alen, &dom, &dlen))
		return false;
	for (i = 0; i < n; i++) {
		const char *e = list[i];

		if (e[0] == '@') {
			if (config_domain_in(dom, dlen, e + 1))
				return true;
		} else if (strlen(e) == alen && strncasecmp(e, a, alen) == 0)
			return true;
	}
	return false;
}

const char *const *
config_approvers(const struct dlp_config *c, const char *sender, size_t *n)
{
	const struct dlp_approver_entry *best = NULL;
	const char *a, *dom;
	size_t alen, dlen, i, best_len = 0;

	*n = 0;
	if (addr_parts(sender, &a, &alen, &dom, &dlen)) {
		for (i = 0; i < c->approval.n_map; i++) {
			const struct dlp_approver_entry *e =
			    &c->approval.map[i];
			size_t len = strlen(e->who);

			if (e->who[0] != '@') {
				if (len == alen &&
				    strncasecmp(e->who, a, alen) == 0) {
					best = e;
					break;
				}
			} else if (config_domain_in(dom, dlen, e->who + 1) &&
			    len > best_len) {
				best = e;
				best_len = len;
			}
		}
	}
	if (best != NULL) {
		*n = best->n_approvers;
		return (const char *const *)best->approvers;
	}
	*n = c->approval.n_default;
	return *n > 0 ? (const char *const *)c->approval.default_approvers
		      : NULL;
}

const char *
config_default_path(void)
{
	char exe[PATH_MAX], cwd[PATH_MAX];
	ssize_t n;
	size_t cl;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
		return DLP_SYSTEM_CONFIG;
	exe[n] = '\0';
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return DLP_SYSTEM_CONFIG;
	cl = strlen(cwd);
	if (strncmp(exe, cwd, cl) != 0 ||
	    strncmp(exe + cl, "/build/", 7) != 0 ||
	    strchr(exe + cl + 7, '/') != NULL)
		return DLP_SYSTEM_CONFIG;
	if (access(DLP_TREE_CONFIG, R_OK) != 0)
		return DLP_SYSTEM_CONFIG;
	return DLP_TREE_CONFIG;
}

char *
config_addr_dup(const char *a)
{
	size_t n;

	if (a == NULL)
		a = "";
	while (*a == ' ' || *a == '\t')
		a++;
	n = strlen(a);
	while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
		n--;
	if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
		a++;
		n -= 2;
	}
	return strndup(a, n);
}
