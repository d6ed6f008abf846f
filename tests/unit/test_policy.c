/*
 * Unit tests for policy: thresholds by distinct count and confidence,
 * the most severe action wins, encrypted and not-inspectable nodes,
 * monitor mode keeping the real decision.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

	assert_non_null(c);
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
	assert_int_equal(policy_decide(c, &pc, 1, r), 0);
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
	assert_int_equal(policy_decide(c, NULL, 0, &r), 0);
	assert_int_equal(r.action, DLP_ACCEPT); /* encrypted: accept */
	assert_non_null(strstr(r.reasons[0], "encrypted content in 2"));
	report_clear(&r);

	add_node(&r, "1", DLP_ENC_NOT_INSPECTABLE, "limit:depth");
	assert_int_equal(policy_decide(c, NULL, 0, &r), 0);
	assert_int_equal(r.action, DLP_QUARANTINE);
	assert_non_null(strstr(r.reasons[0], "limit:depth"));
	report_clear(&r);

	c->policy.encrypted = DLP_TAG;
	add_node(&r, "2", DLP_ENC_ENCRYPTED, "smime-enveloped");
	assert_int_equal(policy_decide(c, NULL, 0, &r), 0);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
