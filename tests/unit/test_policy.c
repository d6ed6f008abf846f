/*
 * Unit tests for policy: thresholds by distinct count and confidence,
 * the most severe action wins, encrypted and not-inspectable nodes,
 * monitor mode keeping the real decision; classification labels that
 * require encryption, by where they were found (attachment, subject,
 * body) and whether the attachments are encrypted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
