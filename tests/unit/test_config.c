/*
 * Unit tests for config: defaults, the shipped file, every kind of error
 * with its line, internal-domain matching, kind thresholds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char dir[] = "/tmp/dlp-test-config-XXXXXX";

static int
setup(void **state)
{
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write text to DIR/name and load it; returns the config or NULL. */
static struct dlp_config *
load_text(const char *name, const char *text, struct dlp_error *err)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	memset(err, 0, sizeof(*err));
	return config_load(path, err);
}

static void
test_defaults_are_safe(void **state)
{
	struct dlp_config *c = config_defaults();

	assert_non_null(c);
	assert_string_equal(c->milter.socket, "inet:8891@127.0.0.1");
	assert_int_equal(c->policy.not_inspectable, DLP_QUARANTINE);
	assert_int_equal(c->policy.on_internal_error, DLP_TEMPFAIL);
	assert_int_equal(c->policy.encrypted, DLP_ACCEPT);
	assert_false(c->policy.monitor_only);
	assert_true(c->limits.max_depth > 0);
	assert_true(c->limits.max_part_bytes > 0);
	config_free(c);
	config_free(NULL);
}

static void
test_shipped_config_loads(void **state)
{
	struct dlp_error err = { 0 };
	struct dlp_config *c = config_load("conf/dlp-milter.yaml", &err);
	const struct dlp_kind_policy *kp;

	assert_non_null(c);
	assert_string_equal(c->rules_dir, "conf/../patterns");
	kp = config_kind_policy(c, "my_number");
	assert_string_equal(kp->kind, "my_number");
	assert_int_equal(kp->n_thresholds, 3);
	assert_int_equal(kp->thresholds[0].action, DLP_REJECT);
	assert_int_equal(kp->thresholds[1].confidence, DLP_CONF_MEDIUM);
	assert_int_equal(kp->thresholds[1].action, DLP_QUARANTINE);
	assert_int_equal(kp->thresholds[2].action, DLP_TAG);
	kp = config_kind_policy(c, "person_record");
	assert_string_equal(kp->kind, "person_record");
	assert_int_equal(kp->thresholds[0].min_count, 5);
	kp = config_kind_policy(c, "no_such_kind");
	assert_string_equal(kp->kind, "default");
	assert_int_equal(c->limits.max_header_block_bytes, 1024 * 1024);
	assert_int_equal(c->limits.max_header_bytes, 64 * 1024);
	config_free(c);
}

static void
test_values_override_defaults(void **state)
{
	struct dlp_error err;
	struct dlp_config *c = load_text("ok.yaml",
	    "milter:\n  socket: unix:/run/dlp/dlp.sock\n"
	    "  socket_mode: \"0600\"\n"
	    "rules:\n  dir: /srv/rules\n"
	    "policy:\n  mode: monitor\n  scan_internal: yes\n"
	    "  encrypted: tag\n"
	    "limits:\n  max_parts: 50\n  max_part_bytes: 2M\n",
	    &err);

	assert_non_null(c);
	assert_string_equal(c->milter.socket, "unix:/run/dlp/dlp.sock");
	assert_int_equal(c->milter.socket_mode, 0600);
	assert_string_equal(c->rules_dir, "/srv/rules");
	assert_true(c->policy.monitor_only);
	assert_true(c->policy.scan_internal);
	assert_int_equal(c->policy.encrypted, DLP_TAG);
	assert_int_equal(c->limits.max_parts, 50);
	assert_int_equal(c->limits.max_part_bytes, 2 * 1024 * 1024);
	config_free(c);
}

static void
test_relative_rules_dir_is_beside_the_file(void **state)
{
	struct dlp_error err;
	char want[256];
	struct dlp_config *c =
	    load_text("rel.yaml", "rules:\n  dir: r\n", &err);

	assert_non_null(c);
	snprintf(want, sizeof(want), "%s/r", dir);
	assert_string_equal(c->rules_dir, want);
	config_free(c);
	c = load_text("none.yaml", "policy:\n  mode: enforce\n", &err);
	assert_non_null(c);
	snprintf(want, sizeof(want), "%s/patterns", dir);
	assert_string_equal(c->rules_dir, want);
	config_free(c);
}

/* Each bad config and the "file:line" and words its error must carry. */
static const struct {
	const char *text;
	unsigned line;
	const char *words;
} bad[] = {
	{ "milter:\n  sockett: x\n", 2, "unknown key 'sockett'" },
	{ "milter:\n  socket: 8891\n", 2, "socket must be" },
	{ "policy:\n  mode: loud\n", 2, "mode must be" },
	{ "policy:\n  encrypted: drop\n", 2, "unknown action 'drop'" },
	{ "policy:\n  on_internal_error: accept\n", 2,
	    "on_internal_error must be" },
	{ "policy:\n  scan_internal: maybe\n", 2, "true or false" },
	{ "policy:\n  internal_domains: example.jp\n", 2, "must be a list" },
	{ "policy:\n  internal_domains:\n    - a@b.jp\n", 3,
	    "not a domain name" },
	{ "policy:\n  kinds:\n    my_number:\n"
	  "      - {confidence: huge, action: reject}\n",
	    4, "confidence must be" },
	{ "policy:\n  kinds:\n    my_number:\n"
	  "      - {confidence: high}\n",
	    4, "needs confidence and action" },
	{ "policy:\n  kinds:\n    my_number:\n"
	  "      - {confidence: high, action: reject, min_count: 0}\n",
	    4, "out of range" },
	{ "policy:\n  kinds:\n    my_number: reject\n", 3, "expected a list" },
	{ "limits:\n  max_depth: -3\n", 2, "positive number" },
	{ "limits:\n  max_depth: 0\n", 2, "from 1 to" },
	{ "limits:\n  max_part_bytes: 12X\n", 2, "from 1 to" },
	{ "limits:\n  max_depth: 5000\n", 2, "from 1 to 1000" },
	{ "limits:\n  max_everything: 1\n", 2, "unknown key" },
	{ "\n\nfoo: 1\n", 3, "unknown key 'foo'" },
	{ "policy: [1, 2\n", 1, "YAML syntax" },
	{ "milter:\n  timeout: soon\n", 2, "expected a number" },
	{ "policy:\n  classification:\n    labels: [秘]\n", 3,
	    "unknown key 'labels'" },
	{ "policy:\n  classification:\n    action: tempfail\n", 3,
	    "cannot be tempfail" },
	{ "policy:\n  classification:\n    action: block\n", 3,
	    "unknown action 'block'" },
	{ "policy:\n  classification:\n    require_encryption: 秘\n", 3,
	    "must be a list" },
	{ "policy:\n  classification:\n    require_encryption:\n"
	  "      - 社外秘\n      - \"  \"\n",
	    5, "1 to 127 bytes" },
	{ "policy:\n  classification:\n    require_encryption:\n"
	  "      - 機密性2\n      - 機密性 ２\n",
	    5, "listed twice" },
	{ "policy:\n  classification: reject\n", 2, "mapping" },
};

static void
test_bad_configs_name_file_and_line(void **state)
{
	struct dlp_error err;
	char name[32], msg[1200], want[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "bad%zu.yaml", i);
		assert_null(load_text(name, bad[i].text, &err));
		dlp_error_format(&err, msg, sizeof(msg));
		snprintf(want, sizeof(want), "%s:%u: ", name, bad[i].line);
		if (strstr(msg, want) == NULL ||
		    strstr(msg, bad[i].words) == NULL)
			fail_msg("case %zu: got '%s', want '%s' and '%s'", i,
			    msg, want, bad[i].words);
	}
}

static void
test_classification_defaults_and_overrides(void **state)
{
	struct dlp_config *c = config_defaults();
	struct dlp_error err;
	size_t i;

	/* the defaults are what conf/dlp-milter.yaml shows */
	assert_non_null(c);
	assert_int_equal(c->policy.class_action, DLP_REJECT);
	assert_int_equal(c->policy.n_class_labels, 5);
	assert_string_equal(c->policy.class_labels[0], "機密性3");
	assert_string_equal(c->policy.class_labels[3], "秘");
	config_free(c);
	c = config_load("conf/dlp-milter.yaml", &err);
	assert_non_null(c);
	assert_int_equal(c->policy.class_action, DLP_REJECT);
	assert_int_equal(c->policy.n_class_labels, 5);
	config_free(c);

	/* labels are normalised (NFKC, spaces out); the list may be empty */
	c = load_text("class.yaml",
	    "policy:\n  classification:\n"
	    "    require_encryption: [\"機密性 ２\", ＴＯＰ　ＳＥＣＲＥＴ]\n"
	    "    action: quarantine\n",
	    &err);
	assert_non_null(c);
	assert_int_equal(c->policy.class_action, DLP_QUARANTINE);
	assert_int_equal(c->policy.n_class_labels, 2);
	assert_string_equal(c->policy.class_labels[0], "機密性2");
	assert_string_equal(c->policy.class_labels[1], "TOPSECRET");
	config_free(c);
	c = load_text("class0.yaml",
	    "policy:\n  classification:\n    require_encryption: []\n", &err);
	assert_non_null(c);
	assert_int_equal(c->policy.n_class_labels, 0);
	assert_int_equal(c->policy.class_action, DLP_REJECT);
	config_free(c);
	/* only the action: the default labels stay */
	c = load_text("class1.yaml",
	    "policy:\n  classification:\n    action: tag\n", &err);
	assert_non_null(c);
	assert_int_equal(c->policy.class_action, DLP_TAG);
	assert_int_equal(c->policy.n_class_labels, 5);
	for (i = 0; i < c->policy.n_class_labels; i++)
		assert_non_null(c->policy.class_labels[i]);
	config_free(c);
}

static void
test_missing_file_is_an_error_with_the_name(void **state)
{
	struct dlp_error err = { 0 };
	char msg[1200];

	assert_null(config_load("/nonexistent/dlp.yaml", &err));
	dlp_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "/nonexistent/dlp.yaml: cannot open"));
}

static void
test_internal_domains_match_domain_and_subdomains_only(void **state)
{
	struct dlp_error err;
	struct dlp_config *c = load_text("dom.yaml",
	    "policy:\n  internal_domains: [example.jp, .city.example.lg.jp]\n",
	    &err);

	assert_non_null(c);
	assert_true(config_is_internal(c, "a@example.jp"));
	assert_true(config_is_internal(c, "<a@EXAMPLE.JP>"));
	assert_true(config_is_internal(c, "a@mail.example.jp"));
	assert_true(config_is_internal(c, "a@example.jp."));
	assert_true(config_is_internal(c, "b@city.example.lg.jp"));
	assert_false(config_is_internal(c, "a@badexample.jp"));
	assert_false(config_is_internal(c, "a@example.jp.evil.test"));
	assert_false(config_is_internal(c, "a@outside.test"));
	assert_false(config_is_internal(c, "<>"));
	assert_false(config_is_internal(c, "postmaster"));
	assert_false(config_is_internal(c, NULL));
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_safe),
		cmocka_unit_test(test_shipped_config_loads),
		cmocka_unit_test(test_values_override_defaults),
		cmocka_unit_test(test_relative_rules_dir_is_beside_the_file),
		cmocka_unit_test(test_bad_configs_name_file_and_line),
		cmocka_unit_test(test_classification_defaults_and_overrides),
		cmocka_unit_test(test_missing_file_is_an_error_with_the_name),
		cmocka_unit_test(
		    test_internal_domains_match_domain_and_subdomains_only),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
