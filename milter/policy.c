/*
 * policy - from findings to a decision. See policy.h.
 */
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

int
policy_decide(const struct dlp_config *cfg, const struct policy_count *counts,
    size_t n_counts, const struct policy_labels *labels, struct dlp_report *r)
{
	const struct dlp_policy *p = &cfg->policy;
	enum dlp_action action = DLP_ACCEPT, a;
	const struct dlp_threshold *why;
	size_t i;

	if (n_counts > 0 &&
	    (r->totals = calloc(n_counts, sizeof(*r->totals))) == NULL)
		goto nomem;
	for (i = 0; i < n_counts; i++) {
		const struct policy_count *pc = &counts[i];
		struct dlp_kind_total *t = &r->totals[r->n_totals];

		if ((t->kind = strdup(pc->kind)) == NULL ||
		    (t->name_en = strdup(
			 pc->name_en ? pc->name_en : pc->kind)) == NULL) {
			free(t->kind);
			goto nomem;
		}
		r->n_totals++;
		t->count = pc->at_least[DLP_CONF_LOW];
		t->confidence = top_confidence(pc);
		a = kind_action(config_kind_policy(cfg, pc->kind), pc, &why);
		t->action = a;
		if (why != NULL &&
		    add_reason(r,
			"%s: %zu distinct value%s at %s confidence or higher "
			"(threshold %u) -> %s",
			pc->kind, pc->at_least[why->confidence],
			pc->at_least[why->confidence] == 1 ? "" : "s",
			dlp_confidence_name(why->confidence), why->min_count,
			dlp_action_name(a)) < 0)
			goto nomem;
		action = max_action(action, a);
	}
	for (i = 0; i < r->n_nodes; i++) {
		const struct dlp_node *n = &r->nodes[i];

		if (n->encryption == DLP_ENC_ENCRYPTED) {
			if (add_reason(r,
				"encrypted content in %s (%s%s) -> %s", n->path,
				n->method ? n->method : "unknown",
				n->weak ? ", weak" : "",
				dlp_action_name(p->encrypted)) < 0)
				goto nomem;
			action = max_action(action, p->encrypted);
		} else if (n->encryption == DLP_ENC_NOT_INSPECTABLE) {
			if (add_reason(r, "could not inspect %s (%s) -> %s",
				n->path, n->reason ? n->reason : "unknown",
				dlp_action_name(p->not_inspectable)) < 0)
				goto nomem;
			action = max_action(action, p->not_inspectable);
		}
	}
	if (classification_action(p, labels, r, &a) < 0)
		goto nomem;
	action = max_action(action, a);
	r->would_action = action;
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
	return -1;
}
