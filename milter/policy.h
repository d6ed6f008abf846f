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
 * Classification labels (rules of kind "classification", see
 * patterns/classification.yaml) come as a list of (node, label). A label
 * listed in policy.classification.require_encryption says its content
 * must leave encrypted; the label's node tells where it was found:
 *   - in an attachment (its text, properties or name; anything under a
 *     MIME part other than the body text and the subject): that
 *     attachment is leaving unencrypted, unless the node itself is
 *     encrypted or is an archive whose members are all encrypted (a
 *     label in the name of a password zip, 【社外秘】見積.zip) ->
 *     classification.action;
 *   - in the subject or the body text (a MIME text part without a file
 *     name): classification.action when the message has no attachment
 *     or any attachment that is not wholly encrypted; fine when every
 *     attachment is.
 * A node that could not be inspected (unapproved encryption, limits) is
 * not encrypted here. Signature and control parts are no attachments.
 * Reasons are ASCII: they name the part, never the label.
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

/* The kind whose values are classification labels. */
#define POLICY_LABEL_KIND "classification"

/* One classification label found: its node (index in r->nodes), its
   value (the normalised text the rule matched). */
struct policy_label {
	size_t node;
	char *label;
};

/* The labels of one message: distinct (node, label) pairs, bounded. */
#define POLICY_LABELS_MAX 1024
struct policy_labels {
	struct policy_label *v;
	size_t n, cap;
};

/*
 * policy_labels_add: record label (len bytes, copied) found in node;
 * a pair already recorded, or one past POLICY_LABELS_MAX, is ignored.
 * Returns 0, or -1 when memory ran out.
 */
int policy_labels_add(
    struct policy_labels *pl, size_t node, const char *label, size_t len);

/* policy_labels_clear: wipe and release the labels; pl may be reused. */
void policy_labels_clear(struct policy_labels *pl);

/*
 * policy_decide: fill r->totals, r->reasons, r->action, r->would_action.
 * r->nodes must be complete; labels (NULL: none) refer to them. Returns
 * 0, or -1 when memory ran out (the report's action is then
 * on_internal_error).
 */
int policy_decide(const struct dlp_config *cfg,
    const struct policy_count *counts, size_t n_counts,
    const struct policy_labels *labels, struct dlp_report *r);

#endif
