/*
 * Unit tests for detect with built-in detectors (`detector:` and
 * `params:` in rule files), validators that boost, and the anchors
 * prefilter.
 *
 * This binary brings its own registries: it defines detector_lookup() and
 * detector_name() (a fake detector "xyz" that reports every "XYZ" in the
 * text, and two that fail on purpose), and validate_lookup() and
 * validate_name() (a validator "even_boost" that boosts values ending in
 * an even digit). Because libdlp.a is a static archive, these definitions
 * win and neither detector.o nor validate.o is linked in.
 *
 * Run from the project root. Every number here is synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "detect.h"
#include "detector.h"
#include "validate.h"

#define MAX_HITS 32

/* ---- the fake registries -------------------------------------------- */

/* What the last load() of "xyz" was given, for the params tests. */
static struct {
	char dir[256];
	char file[256];
	size_t n;
	char key[8][32];
	size_t n_values[8];
	char values[8][128]; /* joined with '|' */
	unsigned line[8];
} seen;

static int n_states; /* states loaded and not yet freed */

struct xyz {
	char word[32];
	enum dlp_confidence conf;
};

static void *
xyz_load(const char *rules_dir, const char *file,
    const struct detector_param *params, size_t n, struct dlp_error *err)
{
	struct xyz *x;
	size_t i, j, k;

	memset(&seen, 0, sizeof(seen));
	snprintf(seen.dir, sizeof(seen.dir), "%s", rules_dir);
	snprintf(seen.file, sizeof(seen.file), "%s", file);
	seen.n = n;
	for (i = 0; i < n && i < 8; i++) {
		snprintf(seen.key[i], sizeof(seen.key[i]), "%s", params[i].key);
		seen.n_values[i] = params[i].n_values;
		seen.line[i] = params[i].line;
		for (j = 0; j < params[i].n_values; j++) {
			k = strlen(seen.values[i]);
			snprintf(seen.values[i] + k, sizeof(seen.values[i]) - k,
			    "%s%s", j > 0 ? "|" : "", params[i].values[j]);
		}
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	snprintf(x->word, sizeof(x->word), "XYZ");
	x->conf = DLP_CONF_MEDIUM;
	for (i = 0; i < n; i++) {
		if (strcmp(params[i].key, "word") == 0) {
			snprintf(x->word, sizeof(x->word), "%s",
			    params[i].values[0]);
		} else if (strcmp(params[i].key, "confidence") == 0) {
			x->conf = strcmp(params[i].values[0], "high") == 0
			    ? DLP_CONF_HIGH
			    : DLP_CONF_LOW;
		} else if (strcmp(params[i].key, "list") != 0) {
			dlp_error_set(err, file, params[i].line,
			    "xyz: unknown parameter '%s'", params[i].key);
			free(x);
			return NULL;
		}
	}
	n_states++;
	return x;
}

static void
xyz_free(void *state)
{
	n_states--;
	free(state);
}

/*
 * Every occurrence of the word: a hit with the detector's confidence,
 * value "word@offset"; with report_dropped, every lower-case "xyz" too, as
 * a dropped candidate.
 */
static int
xyz_run(const void *state, const char *text, size_t len, bool report_dropped,
    detector_emit emit, void *arg)
{
	const struct xyz *x = state;
	struct detector_hit h;
	size_t wl = strlen(x->word), p;
	char value[64];

	for (p = 0; p + wl <= len; p++) {
		memset(&h, 0, sizeof(h));
		if (memcmp(text + p, x->word, wl) == 0) {
			h.confidence = x->conf;
			h.why = "xyz: the word; -> detector";
		} else if (report_dropped && memcmp(text + p, "xyz", 3) == 0) {
			h.confidence = DLP_CONF_NONE;
			h.why = "xyz: lower case; -> dropped";
			wl = 3;
		} else {
			continue;
		}
		snprintf(value, sizeof(value), "%s@%zu", x->word, p);
		h.value = value;
		h.masked = "X**";
		h.offset = p;
		h.length = h.confidence == DLP_CONF_NONE ? 3 : strlen(x->word);
		h.context_seen = "";
		if (emit(arg, &h) != 0)
			return DLP_PARTIAL;
		wl = strlen(x->word);
	}
	return DLP_OK;
}

/* load fails without saying why */
static void *
mute_load(const char *rules_dir, const char *file,
    const struct detector_param *params, size_t n, struct dlp_error *err)
{
	return NULL;
}

/* run: one hit, then a bound of its own cuts it short */
static int
cut_run(const void *state, const char *text, size_t len, bool report_dropped,
    detector_emit emit, void *arg)
{
	struct detector_hit h;

	memset(&h, 0, sizeof(h));
	h.value = "v";
	h.masked = "*";
	h.offset = 0;
	h.length = len > 0 ? 1 : 0;
	h.confidence = DLP_CONF_LOW;
	h.why = "cut";
	/* a hit past the text is ignored, never read */
	(void)emit(arg, &h);
	h.offset = len + 10;
	(void)emit(arg, &h);
	return DLP_PARTIAL;
}

static int
oom_run(const void *state, const char *text, size_t len, bool report_dropped,
    detector_emit emit, void *arg)
{
	return DLP_EFATAL;
}

static const struct detector_ops xyz_ops = { "xyz", xyz_load, xyz_free,
	xyz_run };
static const struct detector_ops mute_ops = { "mute", mute_load, xyz_free,
	xyz_run };
static const struct detector_ops cut_ops = { "cut", xyz_load, xyz_free,
	cut_run };
static const struct detector_ops oom_ops = { "oom", xyz_load, xyz_free,
	oom_run };
static const struct detector_ops *const fake[] = { &xyz_ops, &mute_ops,
	&cut_ops, &oom_ops };

const struct detector_ops *
detector_lookup(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(fake) / sizeof(fake[0]); i++)
		if (strcmp(fake[i]->name, name) == 0)
			return fake[i];
	return NULL;
}

const char *
detector_name(size_t i)
{
	return i < sizeof(fake) / sizeof(fake[0]) ? fake[i]->name : NULL;
}

/* Fails a value that starts with 0; boosts one that ends even. */
static enum validate_result
even_boost(const char *value, size_t len)
{
	if (len == 0 || value[0] == '0')
		return VALIDATE_FAIL;
	return (value[len - 1] - '0') % 2 == 0 ? VALIDATE_BOOST : VALIDATE_OK;
}

validate_fn
validate_lookup(const char *name)
{
	return name != NULL && strcmp(name, "even_boost") == 0 ? even_boost
							       : NULL;
}

const char *
validate_name(size_t i)
{
	return i == 0 ? "even_boost" : NULL;
}

/* ---- helpers ---------------------------------------------------------- */

struct hit {
	char rule_id[32], kind[32], name_en[32], value[64], masked[64];
	char window[256], context_seen[128], negative_seen[128], why[256];
	char validator[32];
	bool monitor;
	enum dlp_confidence confidence;
	size_t offset, length;
};

struct hits {
	size_t n;
	size_t stop_after;
	struct hit h[MAX_HITS];
};

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "(null)");
}

static int
collect(void *arg, const struct detect_match *m)
{
	struct hits *hs = arg;
	struct hit *h;

	if (hs->n < MAX_HITS) {
		h = &hs->h[hs->n];
		copy(h->rule_id, sizeof(h->rule_id), m->rule_id);
		copy(h->kind, sizeof(h->kind), m->kind);
		copy(h->name_en, sizeof(h->name_en), m->name_en);
		copy(h->value, sizeof(h->value), m->value);
		copy(h->masked, sizeof(h->masked), m->masked);
		copy(h->window, sizeof(h->window), m->window);
		copy(h->context_seen, sizeof(h->context_seen), m->context_seen);
		copy(h->negative_seen, sizeof(h->negative_seen),
		    m->negative_seen);
		copy(h->why, sizeof(h->why), m->why);
		copy(h->validator, sizeof(h->validator), m->validator);
		h->monitor = m->monitor;
		h->confidence = m->confidence;
		h->offset = m->offset;
		h->length = m->length;
	}
	hs->n++;
	return hs->stop_after > 0 && hs->n >= hs->stop_after;
}

static int
scan(const struct ruleset *rs, const char *text, bool dropped, struct hits *hs)
{
	memset(hs, 0, sizeof(*hs));
	return detect_text(rs, text, strlen(text), NULL, dropped, collect, hs);
}

static char *
concat(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s%s", a, b);
	return p;
}

/* A rules directory with rules.yaml, loaded and removed. */
static struct ruleset *
load_yaml(const char *yaml, struct dlp_error *err)
{
	char dir[] = "/tmp/test_detect_detector.XXXXXX", path[80];
	struct ruleset *rs;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rules.yaml", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(yaml, fp);
	fclose(fp);
	memset(err, 0, sizeof(*err));
	rs = ruleset_load(dir, err);
	unlink(path);
	rmdir(dir);
	return rs;
}

static struct ruleset *
must_load(const char *yaml)
{
	struct dlp_error err;
	struct ruleset *rs;
	char msg[1200];

	if ((rs = load_yaml(yaml, &err)) == NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		fail_msg("load: %s", msg);
	}
	return rs;
}

static const char head[] = "rules:\n"
			   "  - id: t.d\n"
			   "    kind: fake\n"
			   "    names: {ja: テスト, en: Fake}\n";

/* ---- loading ---------------------------------------------------------- */

static void
test_detector_rule_loads_with_params_of_every_shape(void **state)
{
	struct ruleset *rs;
	char *yaml;

	yaml = concat(head,
	    "    detector: xyz\n"
	    "    params:\n"
	    "      word: ABC\n"
	    "      list: [a, 'b c', ｄ]\n"
	    "      confidence: high\n"
	    "    examples: {match: ['x ABC y']}\n");
	rs = must_load(yaml);
	assert_int_equal(n_states, 1);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.key[0], "word");
	assert_int_equal(seen.n_values[0], 1);
	assert_string_equal(seen.values[0], "ABC");
	assert_int_equal(seen.line[0], 7);
	assert_string_equal(seen.key[1], "list");
	assert_int_equal(seen.n_values[1], 3);
	/* as written: params are not normalised */
	assert_string_equal(seen.values[1], "a|b c|ｄ");
	assert_int_equal(seen.line[1], 8);
	assert_string_equal(seen.key[2], "confidence");
	assert_non_null(strstr(seen.file, "/rules.yaml"));
	assert_non_null(strstr(seen.dir, "/tmp/test_detect_detector."));
	assert_int_equal(ruleset_count(rs), 1);
	ruleset_free(rs);
	assert_int_equal(n_states, 0);
	free(yaml);
	/* no params at all */
	yaml = concat(head,
	    "    detector: xyz\n"
	    "    examples: {match: ['XYZ']}\n");
	rs = must_load(yaml);
	assert_int_equal(seen.n, 0);
	ruleset_free(rs);
	free(yaml);
	assert_int_equal(n_states, 0);
}

static void
test_detector_load_errors_name_file_and_line(void **state)
{
	static const struct {
		const char *body; /* after head */
		unsigned line;
		const char *says;
	} cases[] = {
		{ "    detector: xyz\n    patterns: ['x']\n"
		  "    examples: {match: [x]}\n",
		    5, "'patterns' and 'detector' exclude each other" },
		{ "    examples: {match: [x]}\n", 2,
		    "'patterns' is missing (or name a built-in detector" },
		{ "    detector: nope\n    examples: {match: [x]}\n", 5,
		    "unknown detector 'nope' (known: xyz, mute, cut, oom)" },
		{ "    detector: [xyz]\n    examples: {match: [x]}\n", 5,
		    "detector: expected a string" },
		{ "    patterns: ['x']\n    params: {a: b}\n"
		  "    examples: {match: [x]}\n",
		    6, "'params' needs 'detector'" },
		{ "    detector: xyz\n    params: [a]\n"
		  "    examples: {match: [x]}\n",
		    6, "params: expected a mapping, not a list" },
		{ "    detector: xyz\n    params:\n      list: {a: b}\n"
		  "    examples: {match: [x]}\n",
		    7, "params.list: expected a string or a list of strings" },
		{ "    detector: xyz\n    params:\n      list: []\n"
		  "    examples: {match: [x]}\n",
		    7, "params.list: empty list" },
		{ "    detector: xyz\n    params:\n      list: [a, [b]]\n"
		  "    examples: {match: [x]}\n",
		    7, "params.list[1]: expected a string" },
		{ "    detector: xyz\n    params:\n      list: ''\n"
		  "    examples: {match: [x]}\n",
		    7, "params.list: empty value" },
		{ "    detector: xyz\n    validator: even_boost\n"
		  "    examples: {match: [x]}\n",
		    6, "'validator' cannot go with 'detector'" },
		{ "    detector: xyz\n    value: digits\n"
		  "    examples: {match: [x]}\n",
		    6, "'value' cannot go with 'detector'" },
		{ "    detector: xyz\n    mask_groups: [4]\n"
		  "    examples: {match: [x]}\n",
		    6, "'mask_groups' cannot go with 'detector'" },
		{ "    detector: xyz\n    confidence: {with_context: high}\n"
		  "    examples: {match: [x]}\n",
		    6, "'confidence' cannot go with 'detector'" },
		{ "    detector: xyz\n    anchors: [digits]\n"
		  "    examples: {match: [x]}\n",
		    6, "'anchors' cannot go with 'detector'" },
		/* the detector's own error, with the rule named */
		{ "    detector: xyz\n    params:\n      word: A\n"
		  "      bogus: 1\n    examples: {match: [x]}\n",
		    8, "rule 't.d': xyz: unknown parameter 'bogus'" },
		{ "    detector: mute\n    examples: {match: [x]}\n", 5,
		    "detector 'mute' did not load" },
		{ "    detector: xyz\n    examples: {match: [x]}\n"
		  "    context: {words: [a], window: 2000}\n",
		    7, "out of range" },
	};
	struct dlp_error err;
	struct ruleset *rs;
	char *yaml, msg[1200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yaml = concat(head, cases[i].body);
		rs = load_yaml(yaml, &err);
		dlp_error_format(&err, msg, sizeof(msg));
		if (rs != NULL || strstr(msg, cases[i].says) == NULL ||
		    err.line != cases[i].line ||
		    strstr(err.file, "rules.yaml") == NULL)
			fail_msg("case %zu: got '%s' (line %u), want line %u "
				 "'%s'",
			    i, msg, err.line, cases[i].line, cases[i].says);
		ruleset_free(rs);
		free(yaml);
		/* a failed load frees what the detector built */
		assert_int_equal(n_states, 0);
	}
	/* err may be NULL even when the detector fails */
	yaml = concat(head,
	    "    detector: xyz\n    params: {bogus: 1}\n"
	    "    examples: {match: [x]}\n");
	{
		char dir[] = "/tmp/test_detect_detector.XXXXXX", path[80];
		FILE *fp;

		assert_non_null(mkdtemp(dir));
		snprintf(path, sizeof(path), "%s/rules.yaml", dir);
		assert_non_null(fp = fopen(path, "w"));
		fputs(yaml, fp);
		fclose(fp);
		assert_null(ruleset_load(dir, NULL));
		unlink(path);
		rmdir(dir);
	}
	free(yaml);
	assert_int_equal(n_states, 0);
}

/* ---- running ---------------------------------------------------------- */

static void
test_detector_hits_become_matches_of_the_rule(void **state)
{
	static const char text[] = "電話 03-1234-5678 の XYZ です";
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	yaml = concat(head,
	    "    mode: monitor\n"
	    "    detector: xyz\n"
	    "    examples: {match: ['XYZ']}\n");
	rs = must_load(yaml);
	assert_int_equal(scan(rs, text, false, &hs), DLP_OK);
	assert_int_equal(hs.n, 1);
	assert_string_equal(hs.h[0].rule_id, "t.d");
	assert_string_equal(hs.h[0].kind, "fake");
	assert_string_equal(hs.h[0].name_en, "Fake");
	assert_true(hs.h[0].monitor);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_MEDIUM);
	assert_int_equal(hs.h[0].offset, strstr(text, "XYZ") - text);
	assert_int_equal(hs.h[0].length, 3);
	assert_string_equal(hs.h[0].masked, "X**");
	assert_string_equal(hs.h[0].validator, "(null)");
	assert_string_equal(hs.h[0].why, "xyz: the word; -> detector");
	/* the window: the detector's masked form alone, nothing around it
	   (a record's neighbours are other people's names) */
	assert_string_equal(hs.h[0].window, "X**");
	snprintf(
	    hs.h[1].value, sizeof(hs.h[1].value), "XYZ@%zu", hs.h[0].offset);
	assert_string_equal(hs.h[0].value, hs.h[1].value);
	ruleset_free(rs);
	free(yaml);
}

static void
test_detector_run_stops_when_the_callback_asks(void **state)
{
	static const char text[] = "XYZ XYZ XYZ";
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	yaml = concat(head,
	    "    detector: xyz\n"
	    "    examples: {match: ['XYZ']}\n");
	rs = must_load(yaml);
	memset(&hs, 0, sizeof(hs));
	hs.stop_after = 2;
	assert_int_equal(
	    detect_text(rs, text, strlen(text), NULL, false, collect, &hs),
	    DLP_PARTIAL);
	assert_int_equal(hs.n, 2);
	assert_int_equal(scan(rs, text, false, &hs), DLP_OK);
	assert_int_equal(hs.n, 3);
	ruleset_free(rs);
	free(yaml);
}

static void
test_detector_dropped_hits_only_with_report_dropped(void **state)
{
	static const char text[] = "xyz XYZ";
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	yaml = concat(head,
	    "    detector: xyz\n"
	    "    examples: {match: ['XYZ']}\n");
	rs = must_load(yaml);
	assert_int_equal(scan(rs, text, false, &hs), DLP_OK);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].offset, 4);
	assert_int_equal(scan(rs, text, true, &hs), DLP_OK);
	assert_int_equal(hs.n, 2);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_NONE);
	assert_string_equal(hs.h[0].why, "xyz: lower case; -> dropped");
	assert_int_equal(hs.h[1].confidence, DLP_CONF_MEDIUM);
	ruleset_free(rs);
	free(yaml);
}

static void
test_detector_negative_words_drop_and_context_raises_one_level(void **state)
{
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	yaml = concat(head,
	    "    detector: xyz\n"
	    "    params: {confidence: low}\n"
	    "    context: {words: [機密], window: 5}\n"
	    "    negative: {words: [見本], window: 3}\n"
	    "    examples: {match: ['XYZ']}\n");
	rs = must_load(yaml);
	/* context within 5 characters: low becomes medium */
	assert_int_equal(scan(rs, "機密 XYZ", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_MEDIUM);
	assert_string_equal(hs.h[0].context_seen, "機密");
	assert_string_equal(hs.h[0].why,
	    "xyz: the word; -> detector; context '機密' 1 chars before, "
	    "one level up; -> medium");
	/* too far: as the detector said */
	assert_int_equal(scan(rs, "機密あいうえおか XYZ", false, &hs), DLP_OK);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_LOW);
	/* a negative word drops it, context or not */
	assert_int_equal(scan(rs, "機密 XYZ 見本", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 0);
	assert_int_equal(scan(rs, "機密 XYZ 見本", true, &hs), DLP_OK);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_NONE);
	assert_string_equal(hs.h[0].negative_seen, "見本");
	assert_non_null(strstr(hs.h[0].why, "negative '見本' 1 chars after"));
	assert_non_null(strstr(hs.h[0].why, "-> dropped"));
	ruleset_free(rs);
	free(yaml);
	/* high stays high */
	yaml = concat(head,
	    "    detector: xyz\n"
	    "    params: {confidence: high}\n"
	    "    context: {words: [機密]}\n"
	    "    examples: {match: ['XYZ']}\n");
	rs = must_load(yaml);
	assert_int_equal(scan(rs, "機密 XYZ", false, &hs), DLP_OK);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_HIGH);
	assert_string_equal(hs.h[0].why,
	    "xyz: the word; -> detector; context '機密' 1 chars before; "
	    "-> high");
	ruleset_free(rs);
	free(yaml);
}

static void
test_detector_partial_and_fatal_results_pass_through(void **state)
{
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	yaml = concat(head,
	    "    detector: cut\n"
	    "    examples: {match: ['x']}\n");
	rs = must_load(yaml);
	assert_int_equal(scan(rs, "abc", false, &hs), DLP_PARTIAL);
	/* the hit past the text was ignored */
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].offset, 0);
	ruleset_free(rs);
	free(yaml);
	yaml = concat(head,
	    "    detector: oom\n"
	    "    examples: {match: ['x']}\n");
	rs = must_load(yaml);
	assert_int_equal(scan(rs, "abc", false, &hs), DLP_EFATAL);
	ruleset_free(rs);
	free(yaml);
}

static void
log_mismatch(
    void *arg, const char *rule_id, const char *example, bool expected_match)
{
	struct hits *l = arg;

	if (l->n < MAX_HITS) {
		copy(l->h[l->n].rule_id, sizeof(l->h[0].rule_id), rule_id);
		copy(l->h[l->n].value, sizeof(l->h[0].value), example);
		l->h[l->n].monitor = expected_match; /* reused as a flag */
	}
	l->n++;
}

static void
test_detector_rule_examples_run_as_pattern_examples_do(void **state)
{
	struct hits log;
	struct ruleset *rs;
	size_t n = 0;
	char *yaml;

	yaml = concat(head,
	    "    detector: xyz\n"
	    "    negative: {words: [見本]}\n"
	    "    examples:\n"
	    "      match:\n"
	    "        - 'ＸＹＺ'\n" /* normalised first */
	    "        - {text: 'XYZ', confidence: medium}\n"
	    "        - {text: 'XYZ', confidence: high}\n"
	    "        - 'abc'\n"
	    "      no_match:\n"
	    "        - 'xyz'\n"
	    "        - '見本 XYZ'\n"
	    "        - 'XYZ!'\n");
	rs = must_load(yaml);
	memset(&log, 0, sizeof(log));
	assert_int_equal(
	    ruleset_test_examples(rs, NULL, log_mismatch, &log, &n), 3);
	assert_int_equal(n, 7);
	assert_string_equal(log.h[0].value, "XYZ"); /* medium, not high */
	assert_true(log.h[0].monitor);
	assert_string_equal(log.h[1].value, "abc");
	assert_string_equal(log.h[2].value, "XYZ!");
	assert_false(log.h[2].monitor);
	assert_string_equal(log.h[2].rule_id, "t.d");
	ruleset_free(rs);
	free(yaml);
}

/* ---- validator boost -------------------------------------------------- */

static void
test_boosting_validator_raises_confidence_one_level(void **state)
{
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	yaml = concat(head,
	    "    patterns: ['N[0-9]{4}']\n"
	    "    value: digits\n"
	    "    validator: even_boost\n"
	    "    context: {words: [番号], window: 5}\n"
	    "    confidence: {without_context: low, with_context: high}\n"
	    "    examples: {match: ['N1234']}\n");
	rs = must_load(yaml);
	/* boost: low -> medium */
	assert_int_equal(scan(rs, "N1234", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_MEDIUM);
	assert_string_equal(hs.h[0].why,
	    "validator even_boost: valid, one level up; no context word "
	    "within 5 chars; -> medium");
	/* ok without boost: low */
	assert_int_equal(scan(rs, "N1235", false, &hs), DLP_OK);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_LOW);
	assert_string_equal(hs.h[0].why,
	    "validator even_boost: valid; no context word within 5 chars; "
	    "-> low");
	/* high stays high */
	assert_int_equal(scan(rs, "番号 N1234", false, &hs), DLP_OK);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_HIGH);
	/* fail drops */
	assert_int_equal(scan(rs, "N0234", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 0);
	ruleset_free(rs);
	free(yaml);
	/* context required: a boost does not replace the missing context */
	yaml = concat(head,
	    "    patterns: ['N[0-9]{4}']\n"
	    "    value: digits\n"
	    "    validator: even_boost\n"
	    "    context: {words: [番号], window: 5}\n"
	    "    confidence: {without_context: none, with_context: medium}\n"
	    "    examples: {match: ['番号 N1234']}\n");
	rs = must_load(yaml);
	assert_int_equal(scan(rs, "N1234", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 0);
	assert_int_equal(scan(rs, "番号 N1234", false, &hs), DLP_OK);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_HIGH);
	ruleset_free(rs);
	free(yaml);
}

/* ---- list evidence ---------------------------------------------------- */

static const char list_rule[] =
    "    patterns: ['N[0-9]{4}']\n"
    "    value: digits\n"
    "    validator: even_boost\n"
    "    context: {words: [番号], window: 3}\n"
    "    confidence: {without_context: low, with_context: high}\n"
    "    list_evidence: {min: 3, ratio: 0.6, confidence: medium}\n"
    "    examples: {match: ['N1111']}\n";

static void
test_list_evidence_raises_valid_candidates_without_context(void **state)
{
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	yaml = concat(head, list_rule);
	rs = must_load(yaml);
	/* 2 of 3 candidates valid (0 leads fail): medium without context */
	assert_int_equal(scan(rs, "N1111 N1113 N0115", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 2);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_MEDIUM);
	assert_int_equal(hs.h[1].confidence, DLP_CONF_MEDIUM);
	assert_string_equal(hs.h[0].why,
	    "validator even_boost: valid; no context word within 3 chars; "
	    "list evidence: 2 of 3 candidates valid; -> medium");
	/* context still wins */
	assert_int_equal(
	    scan(rs, "番号 N1111\nN1113\nN1115", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 3);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_HIGH);
	assert_int_equal(hs.h[1].confidence, DLP_CONF_MEDIUM);
	assert_int_equal(hs.h[2].confidence, DLP_CONF_MEDIUM);
	/* too few valid: 1 of 3 */
	assert_int_equal(scan(rs, "N1111 N0113 N0115", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_LOW);
	assert_null(strstr(hs.h[0].why, "list evidence"));
	/* too few candidates: 2 */
	assert_int_equal(scan(rs, "N1111 N1113", false, &hs), DLP_OK);
	assert_int_equal(hs.n, 2);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_LOW);
	/* a boost still adds its level: medium to high */
	assert_int_equal(scan(rs, "N1112 N1113 N1115", false, &hs), DLP_OK);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_HIGH);
	assert_int_equal(hs.h[1].confidence, DLP_CONF_MEDIUM);
	/* the evidence is per text: a later text starts again */
	assert_int_equal(scan(rs, "N1117", false, &hs), DLP_OK);
	assert_int_equal(hs.h[0].confidence, DLP_CONF_LOW);
	ruleset_free(rs);
	free(yaml);
}

static void
test_list_evidence_load_errors(void **state)
{
	static const struct {
		const char *body;
		unsigned line;
		const char *says;
	} cases[] = {
		{ "    patterns: ['x']\n"
		  "    list_evidence: {min: 3, ratio: 0.8, confidence: "
		  "medium}\n"
		  "    examples: {match: [x]}\n",
		    6, "list_evidence needs a validator" },
		{ "    patterns: ['x']\n    validator: even_boost\n"
		  "    list_evidence: {min: 1, ratio: 0.8, confidence: "
		  "medium}\n"
		  "    examples: {match: [x]}\n",
		    7, "out of range" },
		{ "    patterns: ['x']\n    validator: even_boost\n"
		  "    list_evidence: {min: 3, ratio: 1.5, confidence: "
		  "medium}\n"
		  "    examples: {match: [x]}\n",
		    7,
		    "list_evidence.ratio: expected a number above 0 and at "
		    "most 1, not '1.5'" },
		{ "    patterns: ['x']\n    validator: even_boost\n"
		  "    list_evidence: {min: 3, ratio: most, confidence: "
		  "medium}\n"
		  "    examples: {match: [x]}\n",
		    7, "not 'most'" },
		{ "    patterns: ['x']\n    validator: even_boost\n"
		  "    list_evidence: {min: 3, ratio: 0.8, confidence: low}\n"
		  "    examples: {match: [x]}\n",
		    7,
		    "list_evidence.confidence (low) must be above "
		    "without_context (low) and not above with_context "
		    "(high)" },
		{ "    patterns: ['x']\n    validator: even_boost\n"
		  "    list_evidence: {min: 3, ratio: 0.8}\n"
		  "    examples: {match: [x]}\n",
		    7, "list_evidence: 'confidence' is missing" },
		{ "    patterns: ['x']\n    validator: even_boost\n"
		  "    list_evidence: {min: 3, ratio: 0.8, confidence: high, "
		  "max: 4}\n"
		  "    examples: {match: [x]}\n",
		    7, "unknown key 'max'" },
		{ "    detector: xyz\n"
		  "    list_evidence: {min: 3, ratio: 0.8, confidence: high}\n"
		  "    examples: {match: [x]}\n",
		    6, "'list_evidence' cannot go with 'detector'" },
	};
	struct dlp_error err;
	struct ruleset *rs;
	char *yaml, msg[1200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yaml = concat(head, cases[i].body);
		rs = load_yaml(yaml, &err);
		dlp_error_format(&err, msg, sizeof(msg));
		if (rs != NULL || strstr(msg, cases[i].says) == NULL ||
		    err.line != cases[i].line)
			fail_msg("case %zu: got '%s' (line %u), want line %u "
				 "'%s'",
			    i, msg, err.line, cases[i].line, cases[i].says);
		ruleset_free(rs);
		free(yaml);
	}
}

/* ---- anchors ---------------------------------------------------------- */

static void
test_anchors_span_the_lines_around_an_anchor(void **state)
{
	static const char text[] = "Q11\nQ22\nx@y\nQ33\nQ44\n\nQ55@";
	struct ruleset *rs;
	struct hits hs;
	char *yaml;

	yaml = concat(head,
	    "    patterns: ['Q[0-9]{2}']\n"
	    "    anchors: ['@']\n"
	    "    examples: {match: ['@Q12']}\n");
	rs = must_load(yaml);
	assert_int_equal(scan(rs, text, false, &hs), DLP_OK);
	/* the line before and the line after the anchor's line, and the
	   anchor's own line */
	assert_int_equal(hs.n, 3);
	assert_string_equal(hs.h[0].value, "Q22");
	assert_string_equal(hs.h[1].value, "Q33");
	assert_string_equal(hs.h[2].value, "Q55");
	/* context words still look past the span */
	ruleset_free(rs);
	free(yaml);
}

static void
test_anchors_digits_and_words_in_one_pass_for_several_rules(void **state)
{
	static const char yaml[] =
	    "rules:\n"
	    "  - id: t.digits\n"
	    "    kind: a\n"
	    "    names: {ja: a, en: a}\n"
	    "    patterns: ['[0-9]{3}']\n"
	    "    anchors: [digits]\n"
	    "    examples: {match: ['123']}\n"
	    "  - id: t.word\n"
	    "    kind: b\n"
	    "    names: {ja: b, en: b}\n"
	    "    patterns: ['機密[A-Z]+']\n"
	    "    anchors: [機密, ｍａｉｌ]\n" /* normalised: mail */
	    "    context: {words: [社外秘], window: 200}\n"
	    "    examples: {match: ['機密ABC']}\n"
	    "  - id: t.plain\n"
	    "    kind: c\n"
	    "    names: {ja: c, en: c}\n"
	    "    patterns: ['Z[a-z]']\n"
	    "    examples: {match: ['Za']}\n";
	struct ruleset *rs;
	struct hits hs;
	char *text;

	rs = must_load(yaml);
	text = concat(
	    "社外秘\n\n\n\n機密ABC Zq 456\n\n\nZz\n\n\nMAIL\n", "機密XY\n");
	assert_int_equal(scan(rs, text, false, &hs), DLP_OK);
	assert_int_equal(hs.n, 5);
	assert_string_equal(hs.h[0].value, "456");
	assert_string_equal(hs.h[1].value, "機密ABC");
	/* context outside the span still counts */
	assert_int_equal(hs.h[1].confidence, DLP_CONF_HIGH);
	/* anchored by MAIL (ASCII letters in any case) on the line before */
	assert_string_equal(hs.h[2].value, "機密XY");
	/* no anchors: the whole text */
	assert_string_equal(hs.h[3].value, "Zq");
	assert_string_equal(hs.h[4].value, "Zz");
	free(text);
	ruleset_free(rs);
}

/*
 * {digits: N, in_a_row: M}: only a run of digits (joined by single '-'
 * or ' ') with N digits, M of them in a row, opens a span. Lines three
 * apart, so that each span holds one line with a Q.
 */
static void
test_anchors_digit_runs_of_a_shape(void **state)
{
	static const char text[] = "Q1 x 12\n\n\n"    /* 2 digits */
				   "Q2 x 1-2-3\n\n\n" /* none 2 in a row */
				   "Q3 x 1-23\n\n\n"  /* 3, 2 in a row */
				   "Q4 x 9 87\n\n\n"  /* the same, a space */
				   "Q5 x 1--23\n\n\n" /* two separators */
				   "Q6 x 12\n3\n\n\n" /* a line break */
				   "Q7 x 12.3\n";     /* a dot */
	struct ruleset *rs;
	struct hits hs;
	char *yaml;
	size_t n = 0;

	yaml = concat(head,
	    "    patterns: ['Q[0-9]']\n"
	    "    anchors: [{digits: 3, in_a_row: 2}]\n"
	    "    examples: {match: ['Q8 4-56'], no_match: ['Q9 1 2 3']}\n");
	rs = must_load(yaml);
	assert_int_equal(scan(rs, text, false, &hs), DLP_OK);
	assert_int_equal(hs.n, 2);
	assert_string_equal(hs.h[0].value, "Q3");
	assert_string_equal(hs.h[1].value, "Q4");
	/* the no_match example differs with and without the prefilter */
	assert_int_equal(ruleset_test_examples(rs, NULL, NULL, NULL, &n), 1);
	assert_int_equal(n, 2);
	ruleset_free(rs);
	free(yaml);
	/* in_a_row defaults to 1; plain digits is any digit */
	yaml = concat(head,
	    "    patterns: ['Q[0-9]']\n"
	    "    anchors: [{digits: 3}]\n"
	    "    examples: {match: ['Q1 1-2']}\n");
	rs = must_load(yaml);
	assert_int_equal(scan(rs, text, false, &hs), DLP_OK);
	assert_int_equal(hs.n, 3);
	assert_string_equal(hs.h[0].value, "Q2");
	assert_int_equal(ruleset_test_examples(rs, NULL, NULL, NULL, &n), 0);
	ruleset_free(rs);
	free(yaml);
}

/*
 * at_most: K: a run of more than K digits opens no span, however joined;
 * one of exactly K does, as one of between N and K. A run past
 * RULE_ANCHOR_DIGITS_MAX digits (counted up to it) is past every K.
 */
/* n rules t.d0, t.d1, ... of one body (the caller frees) */
static char *
many_rules(size_t n, const char *body)
{
	size_t cap = 16 + n * (strlen(body) + 80), len, i;
	char *y = malloc(cap);

	assert_non_null(y);
	len = (size_t)snprintf(y, cap, "rules:\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(y + len, cap - len,
		    "  - id: t.d%zu\n    kind: fake\n"
		    "    names: {ja: テスト, en: Fake}\n%s",
		    i, body);
	assert_true(len < cap);
	return y;
}

/* counts hits by the digit of their value "Qd" */
static int
count_by_value(void *arg, const struct detect_match *m)
{
	size_t *n_of = arg;

	if (m->value[0] == 'Q' && m->value[1] >= '0' && m->value[1] <= '9')
		n_of[m->value[1] - '0']++;
	return 0;
}

static void
test_anchors_digit_runs_at_most(void **state)
{
	char *text, *yaml, *p;
	struct ruleset *rs;
	struct hits hs;
	size_t n = 0, i, n_of[10];

	text = malloc(1024);
	assert_non_null(text);
	p = text;
	p += sprintf(p, "Q1 x 12345678\n\n\n");	   /* 8: taken */
	p += sprintf(p, "Q2 x 123456789\n\n\n");   /* 9: too many */
	p += sprintf(p, "Q3 x 1234-5678-9\n\n\n"); /* 9, joined */
	p += sprintf(p, "Q4 x AB1234567CD\n\n\n"); /* 7: taken */
	p += sprintf(p, "Q5 x 123456\n\n\n");	   /* 6: too few */
	p += sprintf(p, "Q6 x ");		   /* 70: too many */
	for (i = 0; i < 70; i++)
		*p++ = (char)('0' + i % 10);
	strcpy(p, "\n");
	yaml = concat(head,
	    "    patterns: ['Q[0-9]']\n"
	    "    anchors: [{digits: 7, in_a_row: 7, at_most: 8}]\n"
	    "    examples: {match: ['Q7 1234567']}\n");
	rs = must_load(yaml);
	assert_int_equal(scan(rs, text, false, &hs), DLP_OK);
	assert_int_equal(hs.n, 2);
	assert_string_equal(hs.h[0].value, "Q1");
	assert_string_equal(hs.h[1].value, "Q4");
	assert_int_equal(ruleset_test_examples(rs, NULL, NULL, NULL, &n), 0);
	ruleset_free(rs);
	free(yaml);
	/* past 64 digit rules the pass tests each rule's shape in turn */
	yaml = many_rules(65,
	    "    patterns: ['Q[0-9]']\n"
	    "    anchors: [{digits: 7, in_a_row: 7, at_most: 8}]\n"
	    "    examples: {match: ['Q7 1234567']}\n");
	rs = must_load(yaml);
	memset(n_of, 0, sizeof(n_of));
	assert_int_equal(detect_text(rs, text, strlen(text), NULL, false,
			     count_by_value, n_of),
	    DLP_OK);
	for (i = 0; i < 10; i++)
		assert_int_equal(n_of[i], i == 1 || i == 4 ? 65 : 0);
	ruleset_free(rs);
	free(yaml);
	free(text);
}

static void
test_anchors_that_miss_a_match_are_reported_by_examples(void **state)
{
	struct hits log;
	struct ruleset *rs;
	size_t n = 0;
	char *yaml;

	/* the pattern may cross line breaks: it is not line-local, and
	   the prefilter misses a match that starts two lines before the
	   anchor's line */
	yaml = concat(head,
	    "    patterns: ['A\\n+B[0-9]']\n"
	    "    anchors: [digits]\n"
	    "    examples:\n"
	    "      match:\n"
	    "        - \"A\\n\\nB1\"\n"
	    "        - \"xA\\nB2\"\n");
	rs = must_load(yaml);
	memset(&log, 0, sizeof(log));
	assert_int_equal(
	    ruleset_test_examples(rs, NULL, log_mismatch, &log, &n), 1);
	assert_int_equal(n, 2);
	assert_string_equal(log.h[0].value, "A\n\nB1");
	ruleset_free(rs);
	free(yaml);
}

static void
test_anchors_load_errors(void **state)
{
	static const struct {
		const char *body;
		unsigned line;
		const char *says;
	} cases[] = {
		{ "    patterns: ['x']\n    anchors: digits\n"
		  "    examples: {match: [x]}\n",
		    6, "anchors: expected a list, not a value" },
		{ "    patterns: ['x']\n    anchors: []\n"
		  "    examples: {match: [x]}\n",
		    6, "anchors: empty list" },
		{ "    patterns: ['x']\n    anchors: [a, '']\n"
		  "    examples: {match: [x]}\n",
		    6, "anchors[1]: empty value" },
		{ "    patterns: ['x']\n    anchors: [[a]]\n"
		  "    examples: {match: [x]}\n",
		    6, "anchors[0]: expected a string" },
		{ "    patterns: ['x']\n    anchors: [\"\\u200b\"]\n"
		  "    examples: {match: [x]}\n",
		    6, "anchors[0]: empty after normalisation" },
		{ "    patterns: ['x']\n    anchors: [{digits: 0}]\n"
		  "    examples: {match: [x]}\n",
		    6, "" },
		{ "    patterns: ['x']\n    anchors: [{digits: 65}]\n"
		  "    examples: {match: [x]}\n",
		    6, "" },
		{ "    patterns: ['x']\n    anchors: [{in_a_row: 2}]\n"
		  "    examples: {match: [x]}\n",
		    6, "anchors: 'digits' is missing" },
		{ "    patterns: ['x']\n    anchors: [{digits: 2, in_a_row: "
		  "3}]\n"
		  "    examples: {match: [x]}\n",
		    6, "anchors: in_a_row (3) is more than digits (2)" },
		{ "    patterns: ['x']\n    anchors: [{digits: 3, at_most: "
		  "2}]\n"
		  "    examples: {match: [x]}\n",
		    6, "anchors: at_most (2) is less than digits (3)" },
		{ "    patterns: ['x']\n    anchors: [{digits: 3, at_most: "
		  "64}]\n"
		  "    examples: {match: [x]}\n",
		    6, "" },
		{ "    patterns: ['x']\n    anchors: [{digits: 2, run: 1}]\n"
		  "    examples: {match: [x]}\n",
		    6, "run" },
		{ "    patterns: ['x']\n    anchors: [digits, {digits: 2}]\n"
		  "    examples: {match: [x]}\n",
		    6, "anchors: digits given twice" },
		{ "    patterns: ['x']\n    anchors: [{digits: 2}, digits]\n"
		  "    examples: {match: [x]}\n",
		    6, "anchors: digits given twice" },
	};
	struct dlp_error err;
	struct ruleset *rs;
	char *yaml, msg[1200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yaml = concat(head, cases[i].body);
		rs = load_yaml(yaml, &err);
		dlp_error_format(&err, msg, sizeof(msg));
		if (rs != NULL || strstr(msg, cases[i].says) == NULL ||
		    err.line != cases[i].line)
			fail_msg("case %zu: got '%s' (line %u), want line %u "
				 "'%s'",
			    i, msg, err.line, cases[i].line, cases[i].says);
		ruleset_free(rs);
		free(yaml);
	}
}

/* A prefiltered run gives what a full run gives, on a large text. */
static void
test_anchored_rule_finds_the_same_as_without_anchors(void **state)
{
	static const char unit[] = "あいうえお abc\n見本\n価格 12 円\n\n";
	static const char tail[] = "番号 N2468\n";
	struct ruleset *with, *without;
	struct hits a, b;
	char *yaml, *text;
	size_t n = 2000, i, len;

	yaml = concat(head,
	    "    patterns: ['(?<![0-9])N[0-9]{4}(?![0-9])']\n"
	    "    anchors: [digits]\n"
	    "    context: {words: [番号]}\n"
	    "    examples: {match: ['N1234']}\n");
	with = must_load(yaml);
	free(yaml);
	yaml = concat(head,
	    "    patterns: ['(?<![0-9])N[0-9]{4}(?![0-9])']\n"
	    "    context: {words: [番号]}\n"
	    "    examples: {match: ['N1234']}\n");
	without = must_load(yaml);
	free(yaml);
	len = n * (sizeof(unit) - 1) + sizeof(tail) - 1;
	assert_non_null(text = malloc(len + 1));
	for (i = 0; i < n; i++)
		memcpy(text + i * (sizeof(unit) - 1), unit, sizeof(unit) - 1);
	memcpy(text + n * (sizeof(unit) - 1), tail, sizeof(tail));
	memcpy(text + 100 * (sizeof(unit) - 1), "N1357", 5);
	assert_int_equal(scan(with, text, true, &a), DLP_OK);
	assert_int_equal(scan(without, text, true, &b), DLP_OK);
	assert_int_equal(a.n, 2);
	assert_int_equal(b.n, 2);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(a.h[i].offset, b.h[i].offset);
		assert_int_equal(a.h[i].confidence, b.h[i].confidence);
	}
	assert_int_equal(a.h[1].confidence, DLP_CONF_HIGH);
	free(text);
	ruleset_free(with);
	ruleset_free(without);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_detector_rule_loads_with_params_of_every_shape),
		cmocka_unit_test(test_detector_load_errors_name_file_and_line),
		cmocka_unit_test(test_detector_hits_become_matches_of_the_rule),
		cmocka_unit_test(
		    test_detector_run_stops_when_the_callback_asks),
		cmocka_unit_test(
		    test_detector_dropped_hits_only_with_report_dropped),
		cmocka_unit_test(
		    test_detector_negative_words_drop_and_context_raises_one_level),
		cmocka_unit_test(
		    test_detector_partial_and_fatal_results_pass_through),
		cmocka_unit_test(
		    test_detector_rule_examples_run_as_pattern_examples_do),
		cmocka_unit_test(
		    test_boosting_validator_raises_confidence_one_level),
		cmocka_unit_test(
		    test_list_evidence_raises_valid_candidates_without_context),
		cmocka_unit_test(test_list_evidence_load_errors),
		cmocka_unit_test(test_anchors_span_the_lines_around_an_anchor),
		cmocka_unit_test(
		    test_anchors_digits_and_words_in_one_pass_for_several_rules),
		cmocka_unit_test(test_anchors_digit_runs_of_a_shape),
		cmocka_unit_test(test_anchors_digit_runs_at_most),
		cmocka_unit_test(
		    test_anchors_that_miss_a_match_are_reported_by_examples),
		cmocka_unit_test(test_anchors_load_errors),
		cmocka_unit_test(
		    test_anchored_rule_finds_the_same_as_without_anchors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
