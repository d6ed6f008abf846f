/*
 * policy - from what was found to what the MTA should do.
 *
 * Inputs: the config's policy, the distinct values found per kind at each
 * confidence, and the report's nodes (encrypted, not inspectable). Output:
 * the report's per-kind totals, its reasons and its action. The rules:
 * a kind's action is the most severe of its thresholds that are met
 * (at least min_count distinct values at that confidence or higher); an
 * encrypted node gives policy.encrypted; a node that could not be read
 * (limits, corruption) gives policy.not_inspectable, because a scan cut
 * short is never "clean"; the message gets the most severe of all; in
 * mode monitor, tag, quarantine and reject become monitor and the real
 * decision stays in would_action. Values from monitor-mode rules are
 * reported by the scan but never passed here.
 *
 * Pure and thread-safe.
 */
#ifndef DLP_POLICY_H
#define DLP_POLICY_H

#include <stddef.h>

#include "config.h"
#include "dlp.h"

/* Distinct values of one kind over the message. */
struct policy_count {
	const char *kind;
	const char *name_en;
	/* at_least[c]: distinct values whose confidence is c or higher */
	size_t at_least[DLP_CONF_HIGH + 1];
};

/*
 * policy_decide: fill r->totals, r->reasons, r->action, r->would_action.
 * r->nodes must be complete. Returns 0, or -1 when memory ran out (the
 * report's action is then on_internal_error).
 */
int policy_decide(const struct dlp_config *cfg,
    const struct policy_count *counts, size_t n_counts, struct dlp_report *r);

#endif
