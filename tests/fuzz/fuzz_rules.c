/*
 * fuzz_rules - the rule loader (detect_load.c through ruleset_load():
 * YAML by libfyaml, every key and value checked, PCRE2 compilation with
 * JIT, validators, detectors and their parameters, anchors, examples).
 * The input is written as the one rule file of a private directory;
 * when it loads, its examples are run (ruleset_test_examples) and the
 * rules are run over a fixed text, so a rule that loads must also work.
 * A rule file that names a dictionary is resolved against the private
 * directory, which holds none: those fail to load, as they should.
 */
#include "detect.h"
#include "fuzz_common.h"

static struct dlp_limits lim;

static const char sample[] =
    "氏名\t住所\t個人番号\n山田 太郎\t東京都千代田区1-1\t1234 5678 9018\n"
    "TEL 03-1234-5678 mail a@example.jp 4111-1111-1111-1111\n";

static void
on_mismatch(void *arg, const char *rule_id, const char *example, bool m)
{
	size_t *n = arg;

	*n += strlen(rule_id) + strlen(example) + m;
}

static int
on_match(void *arg, const struct detect_match *m)
{
	size_t *n = arg;

	fz_check(m->offset + m->length <= sizeof(sample) - 1);
	*n += strlen(m->rule_id);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_limits(&lim);
	/* small PCRE2 limits: a catastrophic pattern costs little */
	lim.pcre2_match_limit = 100000;
	lim.pcre2_depth_limit = 1000;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dlp_error err;
	struct ruleset *rs;
	size_t n = 0, examples = 0;

	fz_write_file("fuzz.yaml", data, size);
	memset(&err, 0, sizeof(err));
	if ((rs = ruleset_load(fz_tmpdir("fuzz.yaml"), &err)) == NULL) {
		fz_check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		fz_check(err.msg[0] != '\0');
		return 0;
	}
	fz_check(ruleset_count(rs) > 0);
	fz_check(ruleset_version(rs) != NULL);
	(void)ruleset_test_examples(rs, &lim, on_mismatch, &n, &examples);
	(void)detect_text(
	    rs, sample, sizeof(sample) - 1, &lim, true, on_match, &n);
	ruleset_free(rs);
	return 0;
}
