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
 * Organisation policies (config.h, struct dlp_policy), from what the scan
 * knows of the message besides its findings (struct policy_input):
 *   - max_message_size: a message over it gets size_action (counted from
 *     the raw bytes fed, so it holds when the scan was cut short);
 *   - recipients.deny: a recipient in a denied domain (or a subdomain)
 *     gets that entry's action, the reason naming the domain;
 *   - recipients.allow: mail whose recipients are all internal or in
 *     entries with skip is not scanned at all (policy_scan_needed());
 *     otherwise, when every external recipient is in an allow entry (its
 *     most specific one), the kinds all those entries relax ("*": every
 *     kind, classification labels included) do not count: their
 *     findings are reported, their totals say accept;
 *   - exceptions: findings covered by an exception are left out by the
 *     scan before they get here, like a monitor rule's
 *     (policy_exception_applies(), policy_exception_covers());
 *   - attachment_ban: a sender in policy.ban, or a client address in
 *     one of its networks, with any attachment (the notion above) gets
 *     ban_action;
 *   - recipient_exposure: more external addresses in To and Cc than
 *     exposure_max_external gets exposure_action, or, with
 *     exposure_notify, keeps its action and asks for a sender notice.
 * r->why gets the DLP_WHY_* bit of every reason whose action is the
 * final one (before monitor mode): what the mail was stopped or tagged
 * for, not what would have given a lesser action; plus EXPOSURE when
 * the notify variant applied.
 *
 * Pure and thread-safe.
 */
#ifndef DLP_POLICY_H
#define DLP_POLICY_H

#include <stdbool.h>
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

/* What the policy knows of a message besides its findings. */
struct policy_input {
	const char *sender; /* envelope sender ("<a@b>" or "a@b"), or NULL */
	const char *const *rcpts; /* envelope recipients */
	size_t n_rcpts;
	const char *client_addr;   /* the SMTP client's IP address, or NULL */
	size_t message_size;	   /* raw bytes */
	unsigned visible_external; /* external addresses in To and Cc */
};

/*
 * policy_decide: fill r->totals, r->reasons, r->action, r->would_action,
 * r->why and r->notify_sender. r->nodes must be complete; labels (NULL:
 * none) refer to them; in (NULL: no envelope, no size) feeds the
 * organisation policies. Returns 0, or -1 when memory ran out (the
 * report's action is then on_internal_error).
 */
int policy_decide(const struct dlp_config *cfg,
    const struct policy_count *counts, size_t n_counts,
    const struct policy_labels *labels, const struct policy_input *in,
    struct dlp_report *r);

/*
 * policy_scan_needed: whether mail to rcpts is scanned: false when every
 * recipient is internal (and scan_internal is off) or in an allow entry
 * with skip, and none is in a denied domain; true without recipients.
 * *allowed (may be NULL) tells whether a skip entry was needed for it.
 */
bool policy_scan_needed(const struct dlp_config *cfg, const char *const *rcpts,
    size_t n_rcpts, bool *allowed);

/*
 * policy_exception_applies: whether ex covers mail from sender (any case,
 * with or without <>) at time now (UTC seconds): a sender of its list and
 * not expired (expires > now).
 */
bool policy_exception_applies(
    const struct dlp_exception *ex, const char *sender, long long now);

/* policy_exception_covers: whether ex lists rule_id, kind or "*". */
bool policy_exception_covers(
    const struct dlp_exception *ex, const char *rule_id, const char *kind);

/*
 * policy_client_in: whether the IP address addr (text: "192.0.2.1",
 * "2001:db8::1", "IPv6:2001:db8::1", "[192.0.2.1]") is in one of the
 * list's networks; an IPv4 address is compared as ::ffff:a.b.c.d. false
 * for NULL or an address that does not parse.
 */
bool policy_client_in(const struct dlp_addr_list *l, const char *addr);

#endif
