/*
 * policy - from findings to a decision. See policy.h.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "policy.h"

#define LABEL_REASONS_MAX 8 /* classification reasons per message */

static int
add_reason(struct dlp_report *r, const char *fmt, ...)
{
	char line[512], **p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if ((p = realloc(r->reasons, (r->n_reasons + 1) * sizeof(*p))) == NULL)
		return -1;
	r->reasons = p;
	if ((p[r->n_reasons] = strdup(line)) == NULL)
		return -1;
	r->n_reasons++;
	return 0;
}

static enum dlp_action
max_action(enum dlp_action a, enum dlp_action b)
{
	return a > b ? a : b;
}

/* The action of one kind, and the threshold that gave it (or NULL). */
static enum dlp_action
kind_action(const struct dlp_kind_policy *kp, const struct policy_count *pc,
    const struct dlp_threshold **why)
{
	enum dlp_action a = DLP_ACCEPT;
	size_t i;

	*why = NULL;
	for (i = 0; i < kp->n_thresholds; i++) {
		const struct dlp_threshold *t = &kp->thresholds[i];

		if (pc->at_least[t->confidence] < t->min_count)
			continue;
		if (*why == NULL || t->action > a) {
			a = t->action;
			*why = t;
		}
	}
	return a;
}

static enum dlp_confidence
top_confidence(const struct policy_count *pc)
{
	int c;

	for (c = DLP_CONF_HIGH; c > DLP_CONF_NONE; c--)
		if (pc->at_least[c] > 0)
			return (enum dlp_confidence)c;
	return DLP_CONF_NONE;
}

/* Classification labels */

int
policy_labels_add(
    struct policy_labels *pl, size_t node, const char *label, size_t len)
{
	struct policy_label *v;
	size_t i;

	for (i = 0; i < pl->n; i++)
		if (pl->v[i].node == node && strlen(pl->v[i].label) == len &&
		    memcmp(pl->v[i].label, label, len) == 0)
			return 0;
	if (pl->n >= POLICY_LABELS_MAX)
		return 0;
	if (pl->n == pl->cap) {
		size_t ncap = pl->cap ? pl->cap * 2 : 8;

		if ((v = realloc(pl->v, ncap * sizeof(*v))) == NULL)
			return -1;
		pl->v = v;
		pl->cap = ncap;
	}
	if ((pl->v[pl->n].label = strndup(label, len)) == NULL)
		return -1;
	pl->v[pl->n++].node = node;
	return 0;
}

void
policy_labels_clear(struct policy_labels *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		buf_free_string(pl->v[i].label);
	free(pl->v);
	memset(pl, 0, sizeof(*pl));
}

/* Containers whose content is their members (a node per member). */
static const char *const archive_types[] = { "application/zip",
	"application/x-7z-compressed", "application/vnd.rar",
	"application/x-rar", "application/x-tar", "application/gzip",
	"application/x-gzip", "application/x-bzip2", "application/x-xz",
	"application/zstd", "application/x-lzh-compressed",
	"application/vnd.ms-cab-compressed", "application/x-cpio",
	"application/x-iso9660-image", NULL };

/* Signatures and control parts: no content, no attachment. */
static const char *const control_types[] = { "application/pkcs7-signature",
	"application/x-pkcs7-signature", "application/pgp-signature",
	"application/pgp-encrypted", NULL };

static bool
type_in(const char *type, const char *const *list)
{
	size_t i;

	for (i = 0; type != NULL && list[i] != NULL; i++)
		if (strcasecmp(type, list[i]) == 0)
			return true;
	return false;
}

enum place {
	PLACE_NONE = 0,
	PLACE_SUBJECT,
	PLACE_BODY,
	PLACE_ATTACHMENT,
};

/*
 * Where a node sits. The body is a MIME text part of the message itself
 * (no '/' in its path: not inside a file) without a file name, and not
 * encrypted (an inline-PGP body is encrypted content, counted like an
 * encrypted attachment). Everything else with a path is an attachment,
 * the whole encrypted message ("message") included.
 */
static enum place
node_place(const struct dlp_node *n)
{
	if (n->path == NULL || type_in(n->type, control_types))
		return PLACE_NONE;
	if (strcmp(n->path, "subject") == 0)
		return PLACE_SUBJECT;
	if (strchr(n->path, '/') == NULL && n->filename == NULL &&
	    n->type != NULL && strncasecmp(n->type, "text/", 5) == 0 &&
	    n->encryption != DLP_ENC_ENCRYPTED)
		return PLACE_BODY;
	return PLACE_ATTACHMENT;
}

/* The MIME section of a path: "2" of "2/a.zip/b.xlsx". */
static size_t
section_len(const char *path)
{
	const char *slash = strchr(path, '/');

	return slash != NULL ? (size_t)(slash - path) : strlen(path);
}

static bool
same_section(const struct dlp_node *a, const struct dlp_node *b)
{
	size_t la = section_len(a->path);

	return la == section_len(b->path) && memcmp(a->path, b->path, la) == 0;
}

/* d lies inside n: its path is n's path, '/', more. */
static bool
is_inside(const struct dlp_node *d, const struct dlp_node *n)
{
	size_t len = strlen(n->path);

	return strncmp(d->path, n->path, len) == 0 && d->path[len] == '/';
}

static bool
plain_archive(const struct dlp_node *n)
{
	return n->encryption == DLP_ENC_PLAIN &&
	    type_in(n->type, archive_types);
}

/*
 * Whether nothing of node i leaves in clear: it is encrypted, or it is an
 * archive whose members are all encrypted (archives inside it may be
 * plain), at least one of them.
 */
static bool
wholly_encrypted(const struct dlp_report *r, size_t i)
{
	const struct dlp_node *n = &r->nodes[i];
	bool any = false;
	size_t j;

	if (n->encryption == DLP_ENC_ENCRYPTED)
		return true;
	if (!plain_archive(n))
		return false;
	for (j = 0; j < r->n_nodes; j++) {
		const struct dlp_node *d = &r->nodes[j];

		if (d->path == NULL || !is_inside(d, n) ||
		    node_place(d) == PLACE_NONE)
			continue;
		if (d->encryption == DLP_ENC_ENCRYPTED)
			any = true;
		else if (!plain_archive(d))
			return false;
	}
	return any;
}

/*
 * The first attachment that is not wholly encrypted: one with a node
 * that is neither encrypted nor a plain archive, or one made only of
 * plain archives (nothing encrypted in it). Returns its index, or -1
 * when every attachment is wholly encrypted (or there is none).
 */
static long
first_clear_attachment(const struct dlp_report *r)
{
	size_t i, j;
	bool any;

	for (i = 0; i < r->n_nodes; i++) {
		const struct dlp_node *n = &r->nodes[i];

		if (node_place(n) != PLACE_ATTACHMENT ||
		    n->encryption == DLP_ENC_ENCRYPTED)
			continue;
		if (!plain_archive(n))
			return (long)i;
		for (j = 0, any = false; j < r->n_nodes && !any; j++)
			any = node_place(&r->nodes[j]) == PLACE_ATTACHMENT &&
			    r->nodes[j].encryption == DLP_ENC_ENCRYPTED &&
			    same_section(&r->nodes[j], n);
		if (!any)
			return (long)i;
	}
	return -1;
}

static bool
has_attachment(const struct dlp_report *r)
{
	size_t i;

	for (i = 0; i < r->n_nodes; i++)
		if (node_place(&r->nodes[i]) == PLACE_ATTACHMENT)
			return true;
	return false;
}

/* Whether label (spaces ignored) is one that requires encryption. */
static bool
label_required(const struct dlp_policy *p, const char *label)
{
	char buf[256];
	size_t i, j;

	for (i = j = 0; label[i] != '\0' && j < sizeof(buf) - 1; i++)
		if (label[i] != ' ')
			buf[j++] = label[i];
	buf[j] = '\0';
	for (i = 0; i < p->n_class_labels; i++)
		if (strcmp(p->class_labels[i], buf) == 0)
			return true;
	return false;
}

/* "2" of "2/名簿.zip/a.xlsx": the section says where, in ASCII. */
static void
section_of(const struct dlp_node *n, char *out, size_t outlen)
{
	size_t len = section_len(n->path), i;

	if (len >= outlen)
		len = outlen - 1;
	for (i = 0; i < len; i++)
		out[i] = (unsigned char)n->path[i] < 0x80 ? n->path[i] : '?';
	out[len] = '\0';
}

/*
 * The action the classification labels lead to, with one reason per
 * node that gave it (at most LABEL_REASONS_MAX). Returns 0 with *out
 * set, or -1 when memory ran out.
 */
static int
classification_action(const struct dlp_policy *p,
    const struct policy_labels *pl, struct dlp_report *r, enum dlp_action *out)
{
	size_t i, k, n_reasons = 0;
	long clear = -2; /* -2: not computed; -3: no attachment */
	char where[32], sect[32], why[160];
	const struct dlp_node *n;
	enum place place;
	bool seen;

	*out = DLP_ACCEPT;
	for (i = 0; pl != NULL && i < pl->n; i++) {
		if (pl->v[i].node >= r->n_nodes ||
		    !label_required(p, pl->v[i].label))
			continue;
		n = &r->nodes[pl->v[i].node];
		if ((place = node_place(n)) == PLACE_NONE)
			continue;
		if (place == PLACE_ATTACHMENT) {
			if (wholly_encrypted(r, pl->v[i].node))
				continue;
			section_of(n, where, sizeof(where));
			snprintf(why, sizeof(why),
			    "in attachment part %s, not encrypted", where);
		} else {
			if (clear == -2)
				clear = has_attachment(r)
				    ? first_clear_attachment(r)
				    : -3;
			if (clear == -1)
				continue; /* every attachment is encrypted */
			if (place == PLACE_SUBJECT)
				snprintf(where, sizeof(where), "the subject");
			else
				section_of(n, where, sizeof(where));
			if (clear == -3)
				snprintf(why, sizeof(why),
				    "in %s%s, no attachment",
				    place == PLACE_BODY ? "body part " : "",
				    where);
			else {
				section_of(
				    &r->nodes[clear], sect, sizeof(sect));
				snprintf(why, sizeof(why),
				    "in %s%s, attachment part %s not "
				    "encrypted",
				    place == PLACE_BODY ? "body part " : "",
				    where, sect);
			}
		}
		*out = max_action(*out, p->class_action);
		for (k = 0, seen = false; k < i && !seen; k++)
			seen = pl->v[k].node == pl->v[i].node &&
			    label_required(p, pl->v[k].label);
		if (seen || n_reasons >= LABEL_REASONS_MAX)
			continue;
		n_reasons++;
		if (add_reason(r,
			"classification label requiring encryption %s -> %s",
			why, dlp_action_name(p->class_action)) < 0)
			return -1;
	}
	return 0;
}

/* Recipients and senders */

/* The domain of addr ("<a@b.example>" or "a@b.example"), without the
   trailing dots; false when it has none. */
static bool
addr_domain(const char *addr, const char **dom, size_t *dlen)
{
	const char *at;
	size_t alen;

	if (addr == NULL)
		return false;
	if (*addr == '<')
		addr++;
	alen = strcspn(addr, ">");
	if ((at = memrchr(addr, '@', alen)) == NULL)
		return false;
	*dom = at + 1;
	*dlen = alen - (size_t)(*dom - addr);
	while (*dlen > 0 && (*dom)[*dlen - 1] == '.')
		(*dlen)--;
	return *dlen > 0;
}

/* The most specific of the rules whose domain holds addr, or NULL. */
static const struct dlp_domain_rule *
rule_for(const struct dlp_domain_rule *v, size_t n, const char *addr)
{
	const struct dlp_domain_rule *best = NULL;
	const char *dom;
	size_t dlen, i;

	if (!addr_domain(addr, &dom, &dlen))
		return NULL;
	for (i = 0; i < n; i++)
		if (config_domain_in(dom, dlen, v[i].domain) &&
		    (best == NULL ||
			strlen(v[i].domain) > strlen(best->domain)))
			best = &v[i];
	return best;
}

bool
policy_scan_needed(const struct dlp_config *cfg, const char *const *rcpts,
    size_t n_rcpts, bool *allowed)
{
	const struct dlp_policy *p = &cfg->policy;
	const struct dlp_domain_rule *a;
	bool skip_used = false;
	size_t i;

	if (allowed != NULL)
		*allowed = false;
	if (n_rcpts == 0)
		return true;
	for (i = 0; i < n_rcpts; i++) {
		if (rule_for(p->deny, p->n_deny, rcpts[i]) != NULL)
			return true;
		if (!p->scan_internal && config_is_internal(cfg, rcpts[i]))
			continue;
		a = rule_for(p->allow, p->n_allow, rcpts[i]);
		if (a == NULL || !a->skip)
			return true;
		skip_used = true;
	}
	if (allowed != NULL)
		*allowed = skip_used;
	return false;
}

/*
 * Whether kind does not count: there is an external recipient, and every
 * external recipient's allow entry relaxes it.
 */
static bool
kind_relaxed(const struct dlp_config *cfg, const struct policy_input *in,
    const char *kind)
{
	const struct dlp_policy *p = &cfg->policy;
	const struct dlp_domain_rule *a;
	size_t i, k, n_ext = 0;

	if (in == NULL || p->n_allow == 0)
		return false;
	for (i = 0; i < in->n_rcpts; i++) {
		if (config_is_internal(cfg, in->rcpts[i]))
			continue;
		n_ext++;
		if ((a = rule_for(p->allow, p->n_allow, in->rcpts[i])) == NULL)
			return false;
		for (k = 0; k < a->n_kinds; k++)
			if (strcmp(a->kinds[k], "*") == 0 ||
			    strcmp(a->kinds[k], kind) == 0)
				break;
		if (k == a->n_kinds)
			return false;
	}
	return n_ext > 0;
}

bool
policy_exception_applies(
    const struct dlp_exception *ex, const char *sender, long long now)
{
	return sender != NULL && ex->expires > now &&
	    config_addr_in(
		(const char *const *)ex->senders, ex->n_senders, sender);
}

bool
policy_exception_covers(
    const struct dlp_exception *ex, const char *rule_id, const char *kind)
{
	size_t i;

	for (i = 0; i < ex->n_rules; i++)
		if (strcmp(ex->rules[i], "*") == 0 ||
		    (rule_id != NULL && strcmp(ex->rules[i], rule_id) == 0) ||
		    (kind != NULL && strcmp(ex->rules[i], kind) == 0))
			return true;
	return false;
}

bool
policy_client_in(const struct dlp_addr_list *l, const char *addr)
{
	unsigned char a[16];
	struct in_addr v4;
	char text[64];
	size_t i, n, bytes;
	unsigned bits;

	if (addr == NULL || l->n_nets == 0)
		return false;
	/* the forms MTAs pass: "[192.0.2.1]", "IPv6:2001:db8::1" */
	if (*addr == '[')
		addr++;
	if (strncasecmp(addr, "IPv6:", 5) == 0)
		addr += 5;
	n = strcspn(addr, "]%");
	if (n >= sizeof(text))
		return false;
	memcpy(text, addr, n);
	text[n] = '\0';
	if (inet_pton(AF_INET, text, &v4) == 1) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &v4, 4);
	} else if (inet_pton(AF_INET6, text, a) != 1) {
		return false;
	}
	for (i = 0; i < l->n_nets; i++) {
		const struct dlp_cidr *c = &l->nets[i];
		unsigned prefix = c->prefix > 128 ? 128 : c->prefix;

		bytes = prefix / 8;
		bits = prefix % 8;
		if (memcmp(a, c->addr, bytes) != 0)
			continue;
		if (bits == 0 ||
		    ((a[bytes] ^ c->addr[bytes]) & (0xff00u >> bits) & 0xff) ==
			0)
			return true;
	}
	return false;
}

/* The decision */

/* Each DLP_WHY_* bit with the most severe action given for it. */
#define WHY_BITS 10
struct verdict {
	enum dlp_action action;
	enum dlp_action by_bit[WHY_BITS];
	bool set[WHY_BITS];
};

static void
contribute(struct verdict *v, unsigned why, enum dlp_action a)
{
	unsigned i;

	for (i = 0; i < WHY_BITS && (why >> i) != 1; i++)
		;
	if (i == WHY_BITS)
		return;
	if (!v->set[i] || a > v->by_bit[i])
		v->by_bit[i] = a;
	v->set[i] = true;
	v->action = max_action(v->action, a);
}

/* The bits whose action is the final one. */
static unsigned
why_bits(const struct verdict *v, enum dlp_action final)
{
	unsigned why = 0, i;

	if (final == DLP_ACCEPT)
		return 0;
	for (i = 0; i < WHY_BITS; i++)
		if (v->set[i] && v->by_bit[i] == final)
			why |= 1u << i;
	return why;
}

/* ASCII for a reason: a domain or address from config or mail. */
static void
ascii_of(const char *in, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < outlen; i++)
		out[i] =
		    (unsigned char)in[i] >= 0x20 && (unsigned char)in[i] < 0x7f
		    ? in[i]
		    : '?';
	out[i] = '\0';
}

/* Personal data: every kind's thresholds (relaxed kinds do not count). */
static int
kinds_decide(const struct dlp_config *cfg, const struct policy_count *counts,
    size_t n_counts, const struct policy_input *in, struct dlp_report *r,
    struct verdict *v)
{
	const struct dlp_threshold *why;
	enum dlp_action a;
	size_t i;
	bool relaxed;

	if (n_counts > 0 &&
	    (r->totals = calloc(n_counts, sizeof(*r->totals))) == NULL)
		return -1;
	for (i = 0; i < n_counts; i++) {
		const struct policy_count *pc = &counts[i];
		struct dlp_kind_total *t = &r->totals[r->n_totals];

		if ((t->kind = strdup(pc->kind)) == NULL ||
		    (t->name_en = strdup(
			 pc->name_en ? pc->name_en : pc->kind)) == NULL) {
			free(t->kind);
			return -1;
		}
		r->n_totals++;
		t->count = pc->at_least[DLP_CONF_LOW];
		t->confidence = top_confidence(pc);
		a = kind_action(config_kind_policy(cfg, pc->kind), pc, &why);
		relaxed = why != NULL && a > DLP_ACCEPT &&
		    kind_relaxed(cfg, in, pc->kind);
		t->action = relaxed ? DLP_ACCEPT : a;
		if (why != NULL &&
		    add_reason(r,
			"%s: %zu distinct value%s at %s confidence or higher "
			"(threshold %u) -> %s%s",
			pc->kind, pc->at_least[why->confidence],
			pc->at_least[why->confidence] == 1 ? "" : "s",
			dlp_confidence_name(why->confidence), why->min_count,
			dlp_action_name(a),
			relaxed ? ", relaxed for partner domain" : "") < 0)
			return -1;
		if (!relaxed)
			contribute(v, DLP_WHY_PERSONAL, a);
	}
	return 0;
}

/* Encrypted nodes and nodes that could not be read. */
static int
nodes_decide(
    const struct dlp_policy *p, struct dlp_report *r, struct verdict *v)
{
	size_t i;

	for (i = 0; i < r->n_nodes; i++) {
		const struct dlp_node *n = &r->nodes[i];

		if (n->encryption == DLP_ENC_ENCRYPTED) {
			if (add_reason(r,
				"encrypted content in %s (%s%s) -> %s", n->path,
				n->method ? n->method : "unknown",
				n->weak ? ", weak" : "",
				dlp_action_name(p->encrypted)) < 0)
				return -1;
			contribute(v, DLP_WHY_ENCRYPTED, p->encrypted);
		} else if (n->encryption == DLP_ENC_NOT_INSPECTABLE) {
			if (add_reason(r, "could not inspect %s (%s) -> %s",
				n->path, n->reason ? n->reason : "unknown",
				dlp_action_name(p->not_inspectable)) < 0)
				return -1;
			contribute(v,
			    n->reason != NULL &&
				    strcmp(
					n->reason, "unapproved-encryption") == 0
				? DLP_WHY_UNAPPROVED_ENC
				: DLP_WHY_NOT_INSPECTED,
			    p->not_inspectable);
		}
	}
	return 0;
}

#define DENY_REASONS_MAX 8

/* Size, denied domains, attachment ban, exposure. */
static int
org_decide(const struct dlp_config *cfg, const struct policy_input *in,
    struct dlp_report *r, struct verdict *v)
{
	const struct dlp_policy *p = &cfg->policy;
	const char *dom;
	size_t i, j, dlen, n_deny = 0;
	char name[256];

	if (in == NULL)
		return 0;
	if (p->max_message_size > 0 && in->message_size > p->max_message_size) {
		if (add_reason(r, "message size %zu over the limit %zu -> %s",
			in->message_size, p->max_message_size,
			dlp_action_name(p->size_action)) < 0)
			return -1;
		contribute(v, DLP_WHY_SIZE, p->size_action);
	}
	for (i = 0; i < p->n_deny; i++) {
		for (j = 0; j < in->n_rcpts; j++)
			if (addr_domain(in->rcpts[j], &dom, &dlen) &&
			    config_domain_in(dom, dlen, p->deny[i].domain))
				break;
		if (j == in->n_rcpts)
			continue;
		contribute(v, DLP_WHY_DENIED_DOMAIN, p->deny[i].action);
		if (n_deny++ >= DENY_REASONS_MAX)
			continue;
		ascii_of(p->deny[i].domain, name, sizeof(name));
		if (add_reason(r, "recipient domain %s is denied -> %s", name,
			dlp_action_name(p->deny[i].action)) < 0)
			return -1;
	}
	if (has_attachment(r)) {
		const char *who = NULL;

		if (in->sender != NULL &&
		    config_addr_in(
			(const char *const *)p->ban.v, p->ban.n, in->sender))
			who = "sender";
		else if (policy_client_in(&p->ban, in->client_addr))
			who = "client network";
		if (who != NULL) {
			if (add_reason(r,
				"attachments banned for this %s -> %s", who,
				dlp_action_name(p->ban_action)) < 0)
				return -1;
			contribute(v, DLP_WHY_ATTACHMENT_BAN, p->ban_action);
		}
	}
	if (p->exposure_max_external > 0 &&
	    in->visible_external > p->exposure_max_external) {
		if (add_reason(r,
			"%u external addresses visible in To/Cc (limit %u) -> "
			"%s",
			in->visible_external, p->exposure_max_external,
			p->exposure_notify
			    ? "sender notified"
			    : dlp_action_name(p->exposure_action)) < 0)
			return -1;
		if (p->exposure_notify)
			r->notify_sender = true;
		else
			contribute(v, DLP_WHY_EXPOSURE, p->exposure_action);
	}
	return 0;
}

int
policy_decide(const struct dlp_config *cfg, const struct policy_count *counts,
    size_t n_counts, const struct policy_labels *labels,
    const struct policy_input *in, struct dlp_report *r)
{
	const struct dlp_policy *p = &cfg->policy;
	struct verdict v;
	enum dlp_action action, a;

	memset(&v, 0, sizeof(v));
	if (kinds_decide(cfg, counts, n_counts, in, r, &v) < 0 ||
	    nodes_decide(p, r, &v) < 0)
		goto nomem;
	if (!kind_relaxed(cfg, in, POLICY_LABEL_KIND)) {
		if (classification_action(p, labels, r, &a) < 0)
			goto nomem;
		if (a > DLP_ACCEPT)
			contribute(&v, DLP_WHY_CLASSIFICATION, a);
	}
	if (org_decide(cfg, in, r, &v) < 0)
		goto nomem;
	action = v.action;
	r->would_action = action;
	r->why = why_bits(&v, action);
	if (r->notify_sender)
		r->why |= DLP_WHY_EXPOSURE;
	if (p->monitor_only && action >= DLP_TAG && action <= DLP_REJECT) {
		action = DLP_MONITOR;
		if (add_reason(r, "policy mode monitor: would %s",
			dlp_action_name(r->would_action)) < 0)
			goto nomem;
	}
	r->action = action;
	return 0;
nomem:
	r->action = r->would_action = p->on_internal_error;
	r->internal_error = true;
	r->why = DLP_WHY_INTERNAL_ERROR;
	return -1;
}
