/*
 * policy - from findings to a decision. See policy.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

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

int
policy_decide(const struct dlp_config *cfg, const struct policy_count *counts,
    size_t n_counts, struct dlp_report *r)
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
