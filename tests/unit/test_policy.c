/*
 * Unit tests for policy: thresholds by distinct count and confidence,
 * the most severe action wins, encrypted and not-inspectable nodes,
 * monitor mode keeping the real decision; classification labels that
 * require encryption, by where they were found (attachment, subject,
 * body) and whether the attachments are encrypted. The organisation
 * policies: approve between tag and quarantine, the why bits of the
 * final action, message size, denied and allowed (relaxing, skipping)
 * recipient domains, exceptions before and after expiry, the attachment
 * ban by sender and client network (IPv4, IPv6), recipient exposure.
 *
 * Config lists that the YAML loader would allocate are borrowed from
 * static storage here and handed back (set to NULL) before config_free().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <cmocka.h>

#include "config.h"
#include "policy.h"
#include "report.h"

static struct dlp_config *
config_with_my_number(void)
{
	struct dlp_config *c = config_defaults();
	struct dlp_kind_policy *kp;
	size_t i;

	assert_non_null(c);
	/* the built-in kinds make way */
	for (i = 0; i < c->policy.n_kinds; i++) {
		free(c->policy.kinds[i].kind);
		free(c->policy.kinds[i].thresholds);
	}
	free(c->policy.kinds);
	c->policy.kinds = calloc(1, sizeof(*c->policy.kinds));
	kp = &c->policy.kinds[0];
	kp->kind = strdup("my_number");
	kp->thresholds = calloc(3, sizeof(*kp->thresholds));
	kp->thresholds[0] =
	    (struct dlp_threshold){ DLP_CONF_HIGH, 1, DLP_REJECT };
	kp->thresholds[1] =
	    (struct dlp_threshold){ DLP_CONF_LOW, 3, DLP_QUARANTINE };
	kp->thresholds[2] =
	    (struct dlp_threshold){ DLP_CONF_LOW, 1, DLP_MONITOR };
	kp->n_thresholds = 3;
	c->policy.n_kinds = 1;
	return c;
}

/* counts: high, medium, low, as distinct values at exactly that level */
static enum dlp_action
decide(struct dlp_config *c, const char *kind, size_t high, size_t medium,
    size_t low, struct dlp_report *r)
{
	struct policy_count pc = { kind, "Kind", { 0 } };

	pc.at_least[DLP_CONF_HIGH] = high;
	pc.at_least[DLP_CONF_MEDIUM] = high + medium;
	pc.at_least[DLP_CONF_LOW] = high + medium + low;
	assert_int_equal(policy_decide(c, &pc, 1, NULL, NULL, r), 0);
	return r->action;
}

static void
test_thresholds_pick_the_most_severe_met(void **state)
{
	static const struct {
		size_t high, medium, low;
		enum dlp_action want;
	} cases[] = {
		{ 0, 0, 0, DLP_ACCEPT },
		{ 0, 0, 1, DLP_MONITOR },
		{ 0, 0, 2, DLP_MONITOR },
		{ 0, 0, 3, DLP_QUARANTINE },
		{ 0, 1, 2, DLP_QUARANTINE }, /* medium counts as >= low */
		{ 1, 0, 0, DLP_REJECT },
		{ 1, 0, 5, DLP_REJECT },
	};
	struct dlp_config *c = config_with_my_number();
	struct dlp_report r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		if (decide(c, "my_number", cases[i].high, cases[i].medium,
			cases[i].low, &r) != cases[i].want)
			fail_msg(
			    "case %zu: got %s", i, dlp_action_name(r.action));
		assert_int_equal(r.would_action, r.action);
		report_clear(&r);
	}
	config_free(c);
}

static void
test_unlisted_kind_uses_default_entry(void **state)
{
	struct dlp_config *c = config_with_my_number();
	struct dlp_report r = { 0 };

	/* the default entry: high -> quarantine */
	assert_int_equal(decide(c, "pension_number", 0, 4, 0, &r), DLP_ACCEPT);
	report_clear(&r);
	assert_int_equal(
	    decide(c, "pension_number", 1, 0, 0, &r), DLP_QUARANTINE);
	assert_int_equal(r.n_totals, 1);
	assert_string_equal(r.totals[0].kind, "pension_number");
	assert_int_equal(r.totals[0].count, 1);
	assert_int_equal(r.totals[0].confidence, DLP_CONF_HIGH);
	assert_int_equal(r.totals[0].action, DLP_QUARANTINE);
	assert_true(r.n_reasons >= 1);
	assert_non_null(strstr(r.reasons[0], "pension_number"));
	report_clear(&r);
	config_free(c);
}

static void
add_node(struct dlp_report *r, const char *path, enum dlp_encryption enc,
    const char *detail)
{
	struct dlp_node *n = report_add_node(r);

	assert_non_null(n);
	n->path = strdup(path);
	n->type = strdup("application/octet-stream");
	n->encryption = enc;
	if (enc == DLP_ENC_ENCRYPTED)
		n->method = strdup(detail);
	else if (enc == DLP_ENC_NOT_INSPECTABLE)
		n->reason = strdup(detail);
}

static void
test_encrypted_and_uninspectable_nodes_follow_their_actions(void **state)
{
	struct dlp_config *c = config_with_my_number();
	struct dlp_report r = { 0 };

	add_node(&r, "1", DLP_ENC_PLAIN, NULL);
	add_node(&r, "2", DLP_ENC_ENCRYPTED, "pgp-mime");
	assert_int_equal(policy_decide(c, NULL, 0, NULL, NULL, &r), 0);
	assert_int_equal(r.action, DLP_ACCEPT); /* encrypted: accept */
	assert_non_null(strstr(r.reasons[0], "encrypted content in 2"));
	report_clear(&r);

	add_node(&r, "1", DLP_ENC_NOT_INSPECTABLE, "limit:depth");
	assert_int_equal(policy_decide(c, NULL, 0, NULL, NULL, &r), 0);
	assert_int_equal(r.action, DLP_QUARANTINE);
	assert_non_null(strstr(r.reasons[0], "limit:depth"));
	report_clear(&r);

	c->policy.encrypted = DLP_TAG;
	add_node(&r, "2", DLP_ENC_ENCRYPTED, "smime-enveloped");
	assert_int_equal(policy_decide(c, NULL, 0, NULL, NULL, &r), 0);
	assert_int_equal(r.action, DLP_TAG);
	report_clear(&r);
	config_free(c);
}

static void
test_monitor_mode_delivers_and_keeps_would_action(void **state)
{
	struct dlp_config *c = config_with_my_number();
	struct dlp_report r = { 0 };

	c->policy.monitor_only = true;
	assert_int_equal(decide(c, "my_number", 1, 0, 0, &r), DLP_MONITOR);
	assert_int_equal(r.would_action, DLP_REJECT);
	assert_non_null(strstr(r.reasons[r.n_reasons - 1], "would reject"));
	report_clear(&r);
	/* nothing found: accept stays accept */
	assert_int_equal(decide(c, "my_number", 0, 0, 0, &r), DLP_ACCEPT);
	report_clear(&r);
	config_free(c);
}

/* Classification labels */

/* A node as the scan makes it; filename may be NULL. */
static size_t
msg_node(struct dlp_report *r, const char *path, const char *type,
    const char *filename, enum dlp_encryption enc, const char *detail)
{
	struct dlp_node *n = report_add_node(r);

	assert_non_null(n);
	n->path = strdup(path);
	n->type = strdup(type);
	n->filename = filename ? strdup(filename) : NULL;
	n->encryption = enc;
	if (enc == DLP_ENC_ENCRYPTED)
		n->method = strdup(detail);
	else if (enc == DLP_ENC_NOT_INSPECTABLE)
		n->reason = strdup(detail);
	return r->n_nodes - 1;
}

static const char DOCX[] = "application/vnd.openxmlformats-officedocument";

/* Decide with one label found in node; returns the action. */
static enum dlp_action
decide_label(
    struct dlp_config *c, struct dlp_report *r, size_t node, const char *label)
{
	struct policy_labels pl = { 0 };

	assert_int_equal(policy_labels_add(&pl, node, label, strlen(label)), 0);
	assert_int_equal(policy_decide(c, NULL, 0, &pl, NULL, r), 0);
	policy_labels_clear(&pl);
	return r->action;
}

/* Whether some reason contains words. */
static bool
has_reason(const struct dlp_report *r, const char *words)
{
	size_t i;

	for (i = 0; i < r->n_reasons; i++)
		if (strstr(r->reasons[i], words) != NULL)
			return true;
	return false;
}

static void
test_label_in_an_unencrypted_attachment_takes_the_action(void **state)
{
	struct dlp_config *c = config_defaults();
	struct dlp_report r = { 0 };
	size_t doc;

	msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	doc =
	    msg_node(&r, "2/plan.docx", DOCX, "plan.docx", DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, doc, "機密性2"), DLP_REJECT);
	assert_true(has_reason(&r,
	    "classification label requiring encryption in attachment "
	    "part 2, not encrypted -> reject"));
	assert_int_equal(r.why, DLP_WHY_CLASSIFICATION);
	report_clear(&r);

	/* in a member of a plain zip: the same */
	msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(
	    &r, "2/a.zip", "application/zip", "a.zip", DLP_ENC_PLAIN, NULL);
	doc = msg_node(&r, "2/a.zip/b.docx", DOCX, NULL, DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, doc, "社外秘"), DLP_REJECT);
	report_clear(&r);
	config_free(c);
}

static void
test_label_in_the_subject_with_encrypted_attachments_is_accepted(void **state)
{
	struct dlp_config *c = config_defaults();
	struct dlp_report r = { 0 };
	size_t subj;

	subj = msg_node(&r, "subject", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(&r, "2/plan.pdf", "application/pdf", "plan.pdf",
	    DLP_ENC_ENCRYPTED, "pdf-aes-256");
	/* a signature part is no attachment */
	msg_node(&r, "3/smime.p7s", "application/pkcs7-signature", "smime.p7s",
	    DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, subj, "社外秘"), DLP_ACCEPT);
	assert_false(has_reason(&r, "classification"));
	report_clear(&r);

	/* a password zip whose members are all encrypted, label in its name
	   and in the subject: fine */
	subj = msg_node(&r, "subject", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(&r, "1", "text/html", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(&r, "2/【社外秘】見積.zip", "application/zip",
	    "【社外秘】見積.zip", DLP_ENC_PLAIN, NULL);
	msg_node(&r, "2/【社外秘】見積.zip/見積.xlsx",
	    "application/octet-stream", NULL, DLP_ENC_ENCRYPTED, "zipcrypto");
	msg_node(&r, "2/【社外秘】見積.zip/内訳.pdf",
	    "application/octet-stream", NULL, DLP_ENC_ENCRYPTED, "zipcrypto");
	assert_int_equal(decide_label(c, &r, 2, "社外秘"), DLP_ACCEPT);
	report_clear(&r);
	config_free(c);
}

static void
test_label_in_the_subject_with_a_plain_attachment_takes_the_action(void **state)
{
	struct dlp_config *c = config_defaults();
	struct dlp_report r = { 0 };
	size_t subj;

	subj = msg_node(&r, "subject", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(&r, "2/plan.pdf", "application/pdf", "plan.pdf",
	    DLP_ENC_ENCRYPTED, "pdf-aes-256");
	msg_node(
	    &r, "3/memo.txt", "text/plain", "memo.txt", DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, subj, "極秘"), DLP_REJECT);
	assert_true(has_reason(&r,
	    "classification label requiring encryption in the subject, "
	    "attachment part 3 not encrypted -> reject"));
	report_clear(&r);

	/* a zip mixing encrypted and plain members is not encrypted */
	subj = msg_node(&r, "subject", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(
	    &r, "2/a.zip", "application/zip", "a.zip", DLP_ENC_PLAIN, NULL);
	msg_node(&r, "2/a.zip/x.xlsx", "application/octet-stream", NULL,
	    DLP_ENC_ENCRYPTED, "winzip-aes-256");
	msg_node(&r, "2/a.zip/y.txt", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, subj, "機密性3"), DLP_REJECT);
	report_clear(&r);

	/* an attachment in unapproved encryption is not encrypted */
	subj = msg_node(&r, "subject", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(&r, "2/a.7z", "application/x-7z-compressed", "a.7z",
	    DLP_ENC_NOT_INSPECTABLE, "unapproved-encryption");
	assert_int_equal(decide_label(c, &r, subj, "秘"), DLP_REJECT);
	assert_true(has_reason(&r, "attachment part 2 not encrypted"));
	report_clear(&r);
	config_free(c);
}

static void
test_label_in_the_body_without_attachments_takes_the_action(void **state)
{
	struct dlp_config *c = config_defaults();
	struct dlp_report r = { 0 };
	size_t body;

	body = msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(&r, "2", "text/html", NULL, DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, body, "秘"), DLP_REJECT);
	assert_true(has_reason(&r,
	    "classification label requiring encryption in body part 1, no "
	    "attachment -> reject"));
	report_clear(&r);

	/* the label as the rule may write it: spaces do not count */
	body = msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, body, "機密性 2"), DLP_REJECT);
	report_clear(&r);
	config_free(c);
}

static void
test_labels_not_listed_take_no_action(void **state)
{
	static const char *const labels[] = { "機密性1", "取扱注意", "個人情報",
		"部外秘", "秘書", "" };
	struct dlp_config *c = config_defaults();
	struct dlp_report r = { 0 };
	size_t i, body;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		body =
		    msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
		msg_node(&r, "2/a.docx", DOCX, "a.docx", DLP_ENC_PLAIN, NULL);
		if (decide_label(c, &r, body, labels[i]) != DLP_ACCEPT ||
		    decide_label(c, &r, 1, labels[i]) != DLP_ACCEPT)
			fail_msg("label %zu took an action", i);
		report_clear(&r);
	}
	/* an empty list turns the check off */
	c->policy.n_class_labels = 0;
	body = msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, body, "社外秘"), DLP_ACCEPT);
	report_clear(&r);
	c->policy.n_class_labels = 5;
	config_free(c);
}

static void
test_label_action_is_configurable_and_monitor_mode_holds(void **state)
{
	struct dlp_config *c = config_defaults();
	struct dlp_report r = { 0 };
	size_t body;

	c->policy.class_action = DLP_QUARANTINE;
	body = msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, body, "社外秘"), DLP_QUARANTINE);
	report_clear(&r);
	c->policy.monitor_only = true;
	body = msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, body, "社外秘"), DLP_MONITOR);
	assert_int_equal(r.would_action, DLP_QUARANTINE);
	report_clear(&r);
	config_free(c);
}

static void
test_label_in_an_encrypted_node_name_is_fine_elsewhere_not(void **state)
{
	struct dlp_config *c = config_defaults();
	struct dlp_report r = { 0 };
	size_t enc, zip;

	/* a label in the name of an encrypted PDF */
	msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	enc = msg_node(&r, "2/【秘】.pdf", "application/pdf", "【秘】.pdf",
	    DLP_ENC_ENCRYPTED, "pdf-aes-256");
	assert_int_equal(decide_label(c, &r, enc, "秘"), DLP_ACCEPT);
	report_clear(&r);

	/* in the name of a zip that holds nothing encrypted */
	msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	zip = msg_node(&r, "2/社外秘.zip", "application/zip", "社外秘.zip",
	    DLP_ENC_PLAIN, NULL);
	msg_node(
	    &r, "2/社外秘.zip/a.txt", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, zip, "社外秘"), DLP_REJECT);
	report_clear(&r);

	/* an empty zip is no encryption either */
	msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	zip = msg_node(&r, "2/社外秘.zip", "application/zip", "社外秘.zip",
	    DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_label(c, &r, zip, "社外秘"), DLP_REJECT);
	assert_int_equal(decide_label(c, &r, 0, "社外秘"), DLP_REJECT);
	report_clear(&r);
	config_free(c);
}

static void
test_labels_are_kept_once_per_node_and_bounded(void **state)
{
	struct policy_labels pl = { 0 };
	char label[16];
	size_t i;

	assert_int_equal(policy_labels_add(&pl, 1, "秘", strlen("秘")), 0);
	assert_int_equal(policy_labels_add(&pl, 1, "秘", strlen("秘")), 0);
	assert_int_equal(policy_labels_add(&pl, 2, "秘", strlen("秘")), 0);
	assert_int_equal(
	    policy_labels_add(&pl, 2, "社外秘xyz", strlen("社外秘")), 0);
	assert_int_equal(pl.n, 3);
	assert_string_equal(pl.v[2].label, "社外秘");
	for (i = 0; i < POLICY_LABELS_MAX + 10; i++) {
		snprintf(label, sizeof(label), "L%zu", i);
		assert_int_equal(
		    policy_labels_add(&pl, 3, label, strlen(label)), 0);
	}
	assert_int_equal(pl.n, POLICY_LABELS_MAX);
	policy_labels_clear(&pl);
	assert_int_equal(pl.n, 0);
	assert_null(pl.v);
	policy_labels_clear(&pl); /* twice is fine */
}

/* Organisation policies */

/* Hand back the borrowed lists before config_free(). */
static void
config_unborrow(struct dlp_config *c)
{
	c->policy.allow = c->policy.deny = NULL;
	c->policy.n_allow = c->policy.n_deny = 0;
	c->policy.exceptions = NULL;
	c->policy.n_exceptions = 0;
	memset(&c->policy.ban, 0, sizeof(c->policy.ban));
	config_free(c);
}

static void
set_internal(struct dlp_config *c, const char *domain)
{
	c->policy.internal_domains = calloc(1, sizeof(char *));
	assert_non_null(c->policy.internal_domains);
	c->policy.internal_domains[0] = strdup(domain);
	c->policy.n_internal_domains = 1;
}

/* Decide with counts of my_number (high only) and an input. */
static enum dlp_action
decide_in(struct dlp_config *c, size_t high, const struct policy_input *in,
    struct dlp_report *r)
{
	struct policy_count pc = { "my_number", "My Number", { 0 } };

	pc.at_least[DLP_CONF_HIGH] = pc.at_least[DLP_CONF_MEDIUM] =
	    pc.at_least[DLP_CONF_LOW] = high;
	assert_int_equal(
	    policy_decide(c, high ? &pc : NULL, high ? 1 : 0, NULL, in, r), 0);
	return r->action;
}

static void
test_approve_sits_between_tag_and_quarantine(void **state)
{
	struct dlp_config *c = config_with_my_number();
	struct dlp_kind_policy *kp = &c->policy.kinds[0];
	struct dlp_report r = { 0 };

	assert_int_equal(dlp_action_parse("approve"), DLP_APPROVE);
	assert_string_equal(dlp_action_name(DLP_APPROVE), "approve");
	assert_true(DLP_TAG < DLP_APPROVE && DLP_APPROVE < DLP_QUARANTINE);
	/* high -> approve, 3 at low -> quarantine, 1 at low -> tag */
	kp->thresholds[0].action = DLP_APPROVE;
	kp->thresholds[2].action = DLP_TAG;
	assert_int_equal(decide(c, "my_number", 0, 0, 1, &r), DLP_TAG);
	report_clear(&r);
	assert_int_equal(decide(c, "my_number", 1, 0, 0, &r), DLP_APPROVE);
	assert_int_equal(r.totals[0].action, DLP_APPROVE);
	assert_int_equal(r.why, DLP_WHY_PERSONAL);
	report_clear(&r);
	assert_int_equal(decide(c, "my_number", 1, 0, 2, &r), DLP_QUARANTINE);
	report_clear(&r);
	/* approve wins over an encrypted node's tag */
	c->policy.encrypted = DLP_TAG;
	add_node(&r, "2", DLP_ENC_ENCRYPTED, "pgp-mime");
	assert_int_equal(decide(c, "my_number", 1, 0, 0, &r), DLP_APPROVE);
	assert_int_equal(r.why, DLP_WHY_PERSONAL);
	report_clear(&r);
	/* monitor mode: approve becomes monitor like the others */
	c->policy.monitor_only = true;
	assert_int_equal(decide(c, "my_number", 1, 0, 0, &r), DLP_MONITOR);
	assert_int_equal(r.would_action, DLP_APPROVE);
	assert_int_equal(r.why, DLP_WHY_PERSONAL);
	report_clear(&r);
	config_free(c);
}

static void
test_why_names_the_reasons_of_the_final_action(void **state)
{
	struct dlp_config *c = config_with_my_number();
	struct dlp_report r = { 0 };

	/* nothing: no reason */
	assert_int_equal(decide(c, "my_number", 0, 0, 0, &r), DLP_ACCEPT);
	assert_int_equal(r.why, 0);
	report_clear(&r);
	/* unapproved encryption (quarantine) over personal data (monitor):
	   only what gave the quarantine */
	add_node(
	    &r, "2/a.zip", DLP_ENC_NOT_INSPECTABLE, "unapproved-encryption");
	assert_int_equal(decide(c, "my_number", 0, 0, 1, &r), DLP_QUARANTINE);
	assert_int_equal(r.why, DLP_WHY_UNAPPROVED_ENC);
	report_clear(&r);
	/* a limit: not inspected; with personal data at the same action,
	   both */
	add_node(&r, "2", DLP_ENC_NOT_INSPECTABLE, "limit:size");
	assert_int_equal(decide(c, "my_number", 0, 0, 3, &r), DLP_QUARANTINE);
	assert_int_equal(r.why, DLP_WHY_NOT_INSPECTED | DLP_WHY_PERSONAL);
	report_clear(&r);
	/* personal data (reject) over the limit (quarantine) */
	add_node(&r, "2", DLP_ENC_NOT_INSPECTABLE, "limit:size");
	assert_int_equal(decide(c, "my_number", 1, 0, 0, &r), DLP_REJECT);
	assert_int_equal(r.why, DLP_WHY_PERSONAL);
	report_clear(&r);
	/* encrypted content when the policy does not accept it */
	c->policy.encrypted = DLP_QUARANTINE;
	add_node(&r, "2", DLP_ENC_ENCRYPTED, "pgp-mime");
	assert_int_equal(decide(c, "my_number", 0, 0, 0, &r), DLP_QUARANTINE);
	assert_int_equal(r.why, DLP_WHY_ENCRYPTED);
	report_clear(&r);
	config_free(c);
}

static void
test_message_size_over_the_limit_takes_the_size_action(void **state)
{
	struct dlp_config *c = config_with_my_number();
	struct policy_input in = { 0 };
	struct dlp_report r = { 0 };

	c->policy.max_message_size = 1000;
	c->policy.size_action = DLP_QUARANTINE;
	in.message_size = 1000;
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_ACCEPT);
	assert_int_equal(r.n_reasons, 0);
	report_clear(&r);
	in.message_size = 1001;
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_QUARANTINE);
	assert_int_equal(r.why, DLP_WHY_SIZE);
	assert_true(has_reason(&r, "message size 1001 over the limit 1000"));
	report_clear(&r);
	/* personal data that rejects: the size is not why */
	assert_int_equal(decide_in(c, 1, &in, &r), DLP_REJECT);
	assert_int_equal(r.why, DLP_WHY_PERSONAL);
	assert_true(has_reason(&r, "message size 1001"));
	report_clear(&r);
	/* monitor mode keeps the reason and the would-be action */
	c->policy.monitor_only = true;
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_MONITOR);
	assert_int_equal(r.would_action, DLP_QUARANTINE);
	assert_int_equal(r.why, DLP_WHY_SIZE);
	report_clear(&r);
	c->policy.monitor_only = false;
	/* no limit, or no input: nothing */
	c->policy.max_message_size = 0;
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_ACCEPT);
	report_clear(&r);
	c->policy.max_message_size = 10;
	assert_int_equal(decide_in(c, 0, NULL, &r), DLP_ACCEPT);
	report_clear(&r);
	config_free(c);
}

static void
test_denied_domains_and_their_subdomains_take_their_action(void **state)
{
	static struct dlp_domain_rule deny[] = {
		{ .domain = "bad.test", .action = DLP_REJECT },
		{ .domain = "watch.test", .action = DLP_TAG },
	};
	static const struct {
		const char *rcpt;
		enum dlp_action want;
	} cases[] = {
		{ "<a@bad.test>", DLP_REJECT },
		{ "a@mail.bad.test", DLP_REJECT },
		{ "<A@MAIL.BAD.TEST.>", DLP_REJECT },
		{ "a@notbad.test", DLP_ACCEPT },
		{ "a@bad.test.example", DLP_ACCEPT },
		{ "a@watch.test", DLP_TAG },
		{ "bad.test", DLP_ACCEPT }, /* no domain at all */
	};
	struct dlp_config *c = config_with_my_number();
	struct policy_input in = { 0 };
	struct dlp_report r = { 0 };
	const char *rcpts[2];
	size_t i;

	c->policy.deny = deny;
	c->policy.n_deny = 2;
	in.rcpts = rcpts;
	in.n_rcpts = 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rcpts[0] = cases[i].rcpt;
		if (decide_in(c, 0, &in, &r) != cases[i].want)
			fail_msg(
			    "%s: %s", cases[i].rcpt, dlp_action_name(r.action));
		assert_int_equal(r.why,
		    cases[i].want == DLP_ACCEPT ? 0 : DLP_WHY_DENIED_DOMAIN);
		report_clear(&r);
	}
	/* one denied recipient among others is enough; the reason names
	   the domain */
	rcpts[0] = "ok@partner.test";
	rcpts[1] = "x@sub.bad.test";
	in.n_rcpts = 2;
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_REJECT);
	assert_true(has_reason(&r, "recipient domain bad.test is denied"));
	report_clear(&r);
	config_unborrow(c);
}

static void
test_allowed_partners_relax_kinds_when_they_are_all_the_outside(void **state)
{
	static char *one[] = { "my_number" }, *all[] = { "*" },
		    *pension[] = { "pension_number" };
	static struct dlp_domain_rule allow[] = {
		{ .domain = "partner.test", .kinds = one, .n_kinds = 1 },
		{ .domain = "all.test", .kinds = all, .n_kinds = 1 },
		{ .domain = "pension.test", .kinds = pension, .n_kinds = 1 },
	};
	static const struct {
		const char *rcpts[2];
		size_t n;
		enum dlp_action want;
	} cases[] = {
		{ { "<p@partner.test>" }, 1, DLP_ACCEPT },
		{ { "p@sub.partner.test", "<me@example.jp>" }, 2, DLP_ACCEPT },
		{ { "p@partner.test", "a@all.test" }, 2, DLP_ACCEPT },
		/* the kinds relaxed are those every partner relaxes */
		{ { "p@partner.test", "q@pension.test" }, 2, DLP_REJECT },
		/* someone else outside: nothing relaxed */
		{ { "p@partner.test", "x@outside.test" }, 2, DLP_REJECT },
		/* nobody outside: nothing to relax for */
		{ { "me@example.jp" }, 1, DLP_REJECT },
	};
	struct dlp_config *c = config_with_my_number();
	struct policy_input in = { 0 };
	struct dlp_report r = { 0 };
	size_t i;

	set_internal(c, "example.jp");
	c->policy.allow = allow;
	c->policy.n_allow = 3;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		in.rcpts = cases[i].rcpts;
		in.n_rcpts = cases[i].n;
		if (decide_in(c, 2, &in, &r) != cases[i].want)
			fail_msg("case %zu: %s", i, dlp_action_name(r.action));
		/* the values are still reported */
		assert_int_equal(r.n_totals, 1);
		assert_int_equal(r.totals[0].count, 2);
		if (cases[i].want == DLP_ACCEPT) {
			assert_int_equal(r.totals[0].action, DLP_ACCEPT);
			assert_true(
			    has_reason(&r, "relaxed for partner domain"));
			assert_int_equal(r.why, 0);
		} else {
			assert_false(has_reason(&r, "relaxed"));
			assert_int_equal(r.why, DLP_WHY_PERSONAL);
		}
		report_clear(&r);
	}
	/* classification labels are relaxed by "*" (or their kind) only */
	{
		struct policy_labels pl = { 0 };
		size_t doc;

		assert_int_equal(
		    policy_labels_add(&pl, 0, "社外秘", strlen("社外秘")), 0);
		doc = msg_node(
		    &r, "2/plan.docx", DOCX, "plan.docx", DLP_ENC_PLAIN, NULL);
		assert_int_equal(doc, 0);
		in.rcpts = cases[2].rcpts; /* partner.test and all.test */
		in.n_rcpts = 1;
		assert_int_equal(policy_decide(c, NULL, 0, &pl, &in, &r), 0);
		assert_int_equal(r.action, DLP_REJECT);
		assert_int_equal(r.why, DLP_WHY_CLASSIFICATION);
		report_clear(&r);
		msg_node(
		    &r, "2/plan.docx", DOCX, "plan.docx", DLP_ENC_PLAIN, NULL);
		in.rcpts = cases[2].rcpts + 1; /* all.test */
		assert_int_equal(policy_decide(c, NULL, 0, &pl, &in, &r), 0);
		assert_int_equal(r.action, DLP_ACCEPT);
		report_clear(&r);
		policy_labels_clear(&pl);
	}
	/* what could not be read is not a kind: never relaxed */
	in.rcpts = cases[0].rcpts;
	in.n_rcpts = 1;
	add_node(&r, "2", DLP_ENC_NOT_INSPECTABLE, "limit:size");
	assert_int_equal(decide_in(c, 2, &in, &r), DLP_QUARANTINE);
	assert_int_equal(r.why, DLP_WHY_NOT_INSPECTED);
	report_clear(&r);
	config_unborrow(c);
}

static void
test_scan_needed_follows_internal_skip_and_deny(void **state)
{
	static struct dlp_domain_rule allow[] = {
		{ .domain = "skip.test", .skip = true },
		{ .domain = "sub.skip.test", .skip = false },
		{ .domain = "noskip.test", .skip = false },
	};
	static struct dlp_domain_rule deny[] = {
		{ .domain = "bad.skip.test", .action = DLP_REJECT },
	};
	static const struct {
		const char *rcpts[2];
		size_t n;
		bool needed, allowed;
	} cases[] = {
		{ { "<a@example.jp>", "b@x.example.jp" }, 2, false, false },
		{ { "<a@example.jp>", "<p@skip.test>" }, 2, false, true },
		{ { "p@mx.skip.test" }, 1, false, true },
		{ { "p@noskip.test" }, 1, true, false },
		/* the most specific entry says no skip */
		{ { "p@a.sub.skip.test" }, 1, true, false },
		/* a denied recipient is always scanned, to be refused */
		{ { "p@bad.skip.test" }, 1, true, false },
		{ { "p@skip.test", "x@outside.test" }, 2, true, false },
		{ { NULL }, 0, true, false },
	};
	struct dlp_config *c = config_defaults();
	bool allowed;
	size_t i;

	assert_non_null(c);
	set_internal(c, "example.jp");
	c->policy.allow = allow;
	c->policy.n_allow = 3;
	c->policy.deny = deny;
	c->policy.n_deny = 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		allowed = !cases[i].allowed;
		if (policy_scan_needed(c, cases[i].rcpts, cases[i].n,
			&allowed) != cases[i].needed)
			fail_msg("case %zu", i);
		assert_int_equal(allowed, cases[i].allowed);
	}
	/* scan_internal: internal mail is scanned, skipped partners not */
	c->policy.scan_internal = true;
	assert_true(policy_scan_needed(c, cases[0].rcpts, 1, NULL));
	assert_false(policy_scan_needed(c, cases[2].rcpts, 1, NULL));
	config_unborrow(c);
}

static void
test_exceptions_apply_to_their_senders_until_they_expire(void **state)
{
	static char *senders[] = { "a@example.jp", "@dept.example.jp" };
	static char *rules[] = { "jp.my_number" }, *kinds[] = { "my_number" },
		    *star[] = { "*" };
	struct dlp_exception ex = { .id = "EX-1",
		.senders = senders,
		.n_senders = 2,
		.rules = rules,
		.n_rules = 1,
		.expires = 1000 };

	assert_true(policy_exception_applies(&ex, "<A@Example.JP>", 999));
	assert_true(policy_exception_applies(&ex, "b@sub.dept.example.jp", 0));
	/* expires is the first second after expiry */
	assert_false(policy_exception_applies(&ex, "a@example.jp", 1000));
	assert_false(policy_exception_applies(&ex, "a@example.jp", 5000));
	assert_false(policy_exception_applies(&ex, "c@example.jp", 999));
	assert_false(policy_exception_applies(&ex, "a@example.jp.evil", 999));
	assert_false(policy_exception_applies(&ex, NULL, 999));
	assert_true(policy_exception_covers(&ex, "jp.my_number", "my_number"));
	assert_false(
	    policy_exception_covers(&ex, "jp.pension", "pension_number"));
	ex.rules = kinds; /* a kind covers its rules */
	assert_true(policy_exception_covers(&ex, "jp.other", "my_number"));
	assert_false(policy_exception_covers(&ex, "jp.my_number", "x"));
	ex.rules = star;
	assert_true(policy_exception_covers(&ex, "jp.any", "any"));
	ex.n_rules = 0;
	assert_false(policy_exception_covers(&ex, "jp.any", "any"));
}

/* A network: addr (text) and its prefix (v4 prefixes as in ::ffff:/96). */
static struct dlp_cidr
net(const char *addr, unsigned prefix)
{
	struct dlp_cidr n = { { 0 }, prefix };
	unsigned char v4[4];

	if (inet_pton(AF_INET, addr, v4) == 1) {
		n.addr[10] = n.addr[11] = 0xff;
		memcpy(n.addr + 12, v4, 4);
		n.prefix += 96;
	} else {
		assert_int_equal(inet_pton(AF_INET6, addr, n.addr), 1);
	}
	return n;
}

static void
test_client_networks_match_v4_and_v6(void **state)
{
	struct dlp_cidr nets[3];
	struct dlp_addr_list l = { NULL, 0, nets, 3 };
	static const struct {
		const char *addr;
		bool in;
	} cases[] = {
		{ "192.0.2.77", true },
		{ "[192.0.2.1]", true },
		{ "::ffff:192.0.2.9", true },
		{ "192.0.3.1", false },
		{ "198.51.100.1", true }, /* /23 */
		{ "198.51.101.255", true },
		{ "198.51.102.0", false },
		{ "2001:db8:1::5", true },
		{ "IPv6:2001:db8::1", true },
		{ "[IPv6:2001:db8::1]", true },
		{ "fe80::1%eth0", false },
		{ "2001:db9::1", false },
		{ "garbage", false },
		{ "", false },
		{ "192.0.2.300", false },
	};
	size_t i;

	nets[0] = net("192.0.2.0", 24);
	nets[1] = net("198.51.100.0", 23);
	nets[2] = net("2001:db8::", 32);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (policy_client_in(&l, cases[i].addr) != cases[i].in)
			fail_msg("%s", cases[i].addr);
	assert_false(policy_client_in(&l, NULL));
	/* /0 holds everything, v4 and v6 */
	nets[0] = net("::", 0);
	l.n_nets = 1;
	assert_true(policy_client_in(&l, "203.0.113.5"));
	assert_true(policy_client_in(&l, "2001:db8::1"));
	l.n_nets = 0;
	assert_false(policy_client_in(&l, "203.0.113.5"));
}

static void
test_attachment_ban_by_sender_or_network(void **state)
{
	static char *banned[] = { "a@example.jp", "@ban.example.jp" };
	struct dlp_config *c = config_defaults();
	struct policy_input in = { 0 };
	struct dlp_report r = { 0 };
	struct dlp_cidr nets[1];

	assert_non_null(c);
	nets[0] = net("192.0.2.0", 24);
	c->policy.ban = (struct dlp_addr_list){ banned, 2, nets, 1 };
	c->policy.ban_action = DLP_APPROVE;
	/* a body and an attachment */
	msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(
	    &r, "2/a.pdf", "application/pdf", "a.pdf", DLP_ENC_PLAIN, NULL);
	in.sender = "<A@example.jp>";
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_APPROVE);
	assert_int_equal(r.why, DLP_WHY_ATTACHMENT_BAN);
	assert_true(has_reason(&r, "attachments banned for this sender"));
	report_clear(&r);
	msg_node(
	    &r, "2/a.pdf", "application/pdf", "a.pdf", DLP_ENC_PLAIN, NULL);
	in.sender = "x@mx.ban.example.jp";
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_APPROVE);
	report_clear(&r);
	/* another sender from a banned network */
	msg_node(
	    &r, "2/a.pdf", "application/pdf", "a.pdf", DLP_ENC_PLAIN, NULL);
	in.sender = "b@example.jp";
	in.client_addr = "192.0.2.10";
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_APPROVE);
	assert_true(has_reason(&r, "banned for this client network"));
	report_clear(&r);
	/* neither */
	msg_node(
	    &r, "2/a.pdf", "application/pdf", "a.pdf", DLP_ENC_PLAIN, NULL);
	in.client_addr = "203.0.113.1";
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_ACCEPT);
	assert_int_equal(r.why, 0);
	report_clear(&r);
	/* a banned sender without attachments: the body and a signature
	   are no attachments */
	msg_node(&r, "1", "text/plain", NULL, DLP_ENC_PLAIN, NULL);
	msg_node(&r, "2", "application/pkcs7-signature", "smime.p7s",
	    DLP_ENC_PLAIN, NULL);
	in.sender = "a@example.jp";
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_ACCEPT);
	report_clear(&r);
	/* a text file is an attachment */
	msg_node(&r, "2/a.txt", "text/plain", "a.txt", DLP_ENC_PLAIN, NULL);
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_APPROVE);
	report_clear(&r);
	config_unborrow(c);
}

static void
test_recipient_exposure_acts_or_notifies(void **state)
{
	struct dlp_config *c = config_with_my_number();
	struct policy_input in = { 0 };
	struct dlp_report r = { 0 };

	c->policy.exposure_max_external = 3;
	c->policy.exposure_action = DLP_TAG;
	in.visible_external = 3;
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_ACCEPT);
	assert_false(r.notify_sender);
	report_clear(&r);
	in.visible_external = 4;
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_TAG);
	assert_int_equal(r.why, DLP_WHY_EXPOSURE);
	assert_false(r.notify_sender);
	assert_true(has_reason(&r, "4 external addresses visible in To/Cc"));
	report_clear(&r);
	/* notify: delivered as it would be, the sender told */
	c->policy.exposure_notify = true;
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_ACCEPT);
	assert_true(r.notify_sender);
	assert_int_equal(r.why, DLP_WHY_EXPOSURE);
	assert_true(has_reason(&r, "sender notified"));
	report_clear(&r);
	assert_int_equal(decide_in(c, 1, &in, &r), DLP_REJECT);
	assert_true(r.notify_sender);
	assert_int_equal(r.why, DLP_WHY_PERSONAL | DLP_WHY_EXPOSURE);
	report_clear(&r);
	/* off */
	c->policy.exposure_max_external = 0;
	assert_int_equal(decide_in(c, 0, &in, &r), DLP_ACCEPT);
	assert_false(r.notify_sender);
	assert_int_equal(r.n_reasons, 0);
	report_clear(&r);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thresholds_pick_the_most_severe_met),
		cmocka_unit_test(test_unlisted_kind_uses_default_entry),
		cmocka_unit_test(
		    test_encrypted_and_uninspectable_nodes_follow_their_actions),
		cmocka_unit_test(
		    test_monitor_mode_delivers_and_keeps_would_action),
		cmocka_unit_test(
		    test_label_in_an_unencrypted_attachment_takes_the_action),
		cmocka_unit_test(
		    test_label_in_the_subject_with_encrypted_attachments_is_accepted),
		cmocka_unit_test(
		    test_label_in_the_subject_with_a_plain_attachment_takes_the_action),
		cmocka_unit_test(
		    test_label_in_the_body_without_attachments_takes_the_action),
		cmocka_unit_test(test_labels_not_listed_take_no_action),
		cmocka_unit_test(
		    test_label_action_is_configurable_and_monitor_mode_holds),
		cmocka_unit_test(
		    test_label_in_an_encrypted_node_name_is_fine_elsewhere_not),
		cmocka_unit_test(
		    test_labels_are_kept_once_per_node_and_bounded),
		cmocka_unit_test(test_approve_sits_between_tag_and_quarantine),
		cmocka_unit_test(
		    test_why_names_the_reasons_of_the_final_action),
		cmocka_unit_test(
		    test_message_size_over_the_limit_takes_the_size_action),
		cmocka_unit_test(
		    test_denied_domains_and_their_subdomains_take_their_action),
		cmocka_unit_test(
		    test_allowed_partners_relax_kinds_when_they_are_all_the_outside),
		cmocka_unit_test(
		    test_scan_needed_follows_internal_skip_and_deny),
		cmocka_unit_test(
		    test_exceptions_apply_to_their_senders_until_they_expire),
		cmocka_unit_test(test_client_networks_match_v4_and_v6),
		cmocka_unit_test(test_attachment_ban_by_sender_or_network),
		cmocka_unit_test(test_recipient_exposure_acts_or_notifies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
