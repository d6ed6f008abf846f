/*
 * Unit tests for tally: distinct values per rule and node and per kind;
 * values of monitor rules and of exceptions reported but not counted
 * (and a value a counting rule also found counted at that rule's
 * confidence); keyed fingerprints (HMAC-SHA-256 under a key derived
 * from the secret, 32 hex digits), none without a secret; the bound.
 *
 * The values are synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "report.h"
#include "tally.h"

static struct detect_match
match(const char *rule, const char *kind, const char *value,
    enum dlp_confidence conf, bool monitor)
{
	struct detect_match m = { 0 };

	m.rule_id = rule;
	m.kind = kind;
	m.name_ja = "名前";
	m.name_en = "Name";
	m.value = value;
	m.masked = "****";
	m.confidence = conf;
	m.monitor = monitor;
	return m;
}

/* A report with n nodes "1", "2", ... */
static void
nodes(struct dlp_report *r, size_t n)
{
	char p[24]; /* any size_t */
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%zu", i + 1);
		assert_non_null(report_add_node(r));
		r->nodes[i].path = strdup(p);
	}
}

static void
add(struct tally *t, const char *rule, const char *kind, const char *value,
    enum dlp_confidence conf, bool monitor, size_t node, const char *exc)
{
	struct detect_match m = match(rule, kind, value, conf, monitor);

	assert_int_equal(tally_add(t, &m, node, NULL, exc), 0);
}

static const struct policy_count *
count_of(const struct policy_count *pc, size_t n, const char *kind)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(pc[i].kind, kind) == 0)
			return &pc[i];
	return NULL;
}

static void
test_distinct_values_per_kind_across_nodes(void **state)
{
	struct tally *t = tally_new(100);
	struct dlp_report r = { 0 };
	struct policy_count *pc;
	size_t n;

	nodes(&r, 2);
	add(t, "r.a", "k", "111", DLP_CONF_LOW, false, 0, NULL);
	add(t, "r.a", "k", "111", DLP_CONF_HIGH, false, 0, NULL);
	add(t, "r.a", "k", "111", DLP_CONF_MEDIUM, false, 1, NULL);
	add(t, "r.a", "k", "222", DLP_CONF_MEDIUM, false, 1, NULL);
	assert_int_equal(tally_findings(t, &r), 0);
	assert_int_equal(r.n_findings, 2); /* (r.a, 1), (r.a, 2) */
	assert_int_equal(r.findings[0].count, 1);
	assert_int_equal(r.findings[0].confidence, DLP_CONF_HIGH);
	assert_int_equal(r.findings[1].count, 2);
	assert_null(r.findings[0].fingerprint); /* no secret */
	assert_int_equal(tally_kinds(t, &pc, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pc[0].at_least[DLP_CONF_LOW], 2);
	assert_int_equal(pc[0].at_least[DLP_CONF_HIGH], 1);
	free(pc);
	report_clear(&r);
	tally_free(t);
}

static void
test_monitor_and_exception_values_report_but_do_not_count(void **state)
{
	struct tally *t = tally_new(100);
	struct dlp_report r = { 0 };
	const struct policy_count *c;
	struct policy_count *pc;
	size_t n, i;

	nodes(&r, 1);
	/* 111: only a monitor rule; 222: only under an exception; 333: a
	   monitor rule at high and a counting rule at low; 444: counted */
	add(t, "r.mon", "k", "111", DLP_CONF_HIGH, true, 0, NULL);
	add(t, "r.exc", "k", "222", DLP_CONF_HIGH, false, 0, "EX-1");
	add(t, "r.mon", "k", "333", DLP_CONF_HIGH, true, 0, NULL);
	add(t, "r.cnt", "k", "333", DLP_CONF_LOW, false, 0, NULL);
	add(t, "r.cnt", "k", "444", DLP_CONF_MEDIUM, false, 0, NULL);
	add(t, "r.exc2", "other", "555", DLP_CONF_HIGH, false, 0, "EX-1");
	assert_int_equal(tally_findings(t, &r), 0);
	assert_int_equal(r.n_findings, 4);
	for (i = 0; i < r.n_findings; i++) {
		const struct dlp_finding *f = &r.findings[i];

		if (strncmp(f->rule_id, "r.exc", 5) == 0)
			assert_string_equal(f->exception, "EX-1");
		else
			assert_null(f->exception);
		assert_int_equal(f->monitor, strcmp(f->rule_id, "r.mon") == 0);
	}
	assert_int_equal(tally_kinds(t, &pc, &n), 0);
	assert_int_equal(n, 1); /* "other" has nothing that counts */
	assert_non_null(c = count_of(pc, n, "k"));
	assert_int_equal(c->at_least[DLP_CONF_LOW], 2);	   /* 333, 444 */
	assert_int_equal(c->at_least[DLP_CONF_MEDIUM], 1); /* 444 */
	assert_int_equal(c->at_least[DLP_CONF_HIGH], 0);
	free(pc);
	report_clear(&r);
	tally_free(t);
}

/*
 * Thousands of values that share their first 8 bytes (and short ones),
 * found by rules of two kinds whose names are equal strings at different
 * addresses, at mixed confidences, some by a monitor rule: the findings
 * come out by rule and node, the kinds in name order, and every count
 * and confidence is what counting by hand gives.
 */
static void
test_many_values_sort_and_count_as_by_hand(void **state)
{
	static char kind_a[] = "kind", kind_b[] = "kind", kind_c[] = "aaa";
	static const char *rules[] = { "r.z", "r.b", "r.mon", "r.a" };
	enum { NV = 700, NADD = 4000 };
	static char values[NV][24];
	static int best[2][NV]; /* per kind: best counting conf, or -1 */
	static int rule_best[4][2][NV];
	struct tally *t = tally_new(NADD);
	struct dlp_report r = { 0 };
	struct policy_count *pc;
	unsigned long seed = 77;
	size_t n, i, j, k, node, want, c;
	int conf, rl, kd;

	nodes(&r, 2);
	for (i = 0; i < NV; i++)
		snprintf(values[i], sizeof(values[i]),
		    i % 7 == 0 ? "%zu" : "12345678%zu", i);
	memset(best, 0xff, sizeof(best));
	memset(rule_best, 0xff, sizeof(rule_best));
	for (k = 0; k < NADD; k++) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		i = (seed >> 33) % NV;
		rl = (int)((seed >> 20) % 4);
		conf = DLP_CONF_LOW + (int)((seed >> 12) % 3);
		node = (seed >> 8) % 2;
		kd = rl == 0 ? 1 : 0; /* r.z finds kind "aaa" */
		add(t, rules[rl],
		    kd		 ? kind_c
			: rl % 2 ? kind_a
				 : kind_b,
		    values[i], (enum dlp_confidence)conf, rl == 2, node, NULL);
		if (rl != 2 && conf > best[kd][i])
			best[kd][i] = conf;
		if (conf > rule_best[rl][node][i])
			rule_best[rl][node][i] = conf;
	}
	assert_int_equal(tally_findings(t, &r), 0);
	/* by rule name, then node */
	static const int order[] = { 3, 1, 2, 0 }; /* r.a r.b r.mon r.z */
	for (i = 0, j = 0; i < 4; i++) {
		for (node = 0; node < 2; node++) {
			rl = order[i];
			for (k = 0, want = 0, conf = -1; k < NV; k++)
				if (rule_best[rl][node][k] >= 0) {
					want++;
					if (rule_best[rl][node][k] > conf)
						conf = rule_best[rl][node][k];
				}
			if (want == 0)
				continue;
			assert_true(j < r.n_findings);
			assert_string_equal(r.findings[j].rule_id, rules[rl]);
			assert_string_equal(
			    r.findings[j].path, node ? "2" : "1");
			assert_int_equal(r.findings[j].count, want);
			assert_int_equal(r.findings[j].confidence, conf);
			j++;
		}
	}
	assert_int_equal(j, r.n_findings);
	assert_int_equal(tally_kinds(t, &pc, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pc[0].kind, "aaa");
	assert_string_equal(pc[1].kind, "kind");
	for (kd = 0; kd < 2; kd++)
		for (c = DLP_CONF_LOW; c <= DLP_CONF_HIGH; c++) {
			for (i = 0, want = 0; i < NV; i++)
				want += best[kd][i] >= (int)c;
			assert_int_equal(pc[kd ? 0 : 1].at_least[c], want);
		}
	free(pc);
	report_clear(&r);
	tally_free(t);
}

/* The expected fingerprint, computed here from the definition. */
static void
expected_fp(const char *secret, const char *value, char out[33])
{
	struct hmac_sha256_ctx ctx;
	uint8_t key[32], mac[32];
	size_t i;

	hmac_sha256_set_key(&ctx, strlen(secret), (const uint8_t *)secret);
	hmac_sha256_update(&ctx, 18, (const uint8_t *)"dlp-fingerprint-v1");
	hmac_sha256_digest(&ctx, sizeof(key), key);
	hmac_sha256_set_key(&ctx, sizeof(key), key);
	hmac_sha256_update(&ctx, strlen(value), (const uint8_t *)value);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* The fingerprint of the one finding of a tally of value. */
static char *
fingerprint_of(const char *secret, const char *value)
{
	struct tally *t = tally_new(10);
	struct dlp_report r = { 0 };
	char *fp;

	if (secret != NULL)
		tally_set_secret(
		    t, (const unsigned char *)secret, strlen(secret));
	nodes(&r, 1);
	add(t, "r.a", "k", value, DLP_CONF_HIGH, false, 0, NULL);
	assert_int_equal(tally_findings(t, &r), 0);
	fp = r.findings[0].fingerprint ? strdup(r.findings[0].fingerprint)
				       : NULL;
	report_clear(&r);
	tally_free(t);
	return fp;
}

static void
test_fingerprints_are_keyed_and_stable(void **state)
{
	static const char s1[] = "0123456789abcdef0123",
			  s2[] = "another-secret!!";
	char want[33], plain[65];
	uint8_t d[32];
	struct sha256_ctx h;
	char *a, *b, *c, *none;
	size_t i;

	a = fingerprint_of(s1, "271828182845");
	b = fingerprint_of(s1, "271828182845");
	c = fingerprint_of(s2, "271828182845");
	none = fingerprint_of(NULL, "271828182845");
	assert_non_null(a);
	assert_int_equal(strlen(a), 32);
	assert_string_equal(a, b); /* same value, same secret */
	assert_string_not_equal(a, c);
	assert_null(none);
	expected_fp(s1, "271828182845", want);
	assert_string_equal(a, want);
	/* not the plain hash of the value, which anyone could compute */
	sha256_init(&h);
	sha256_update(&h, 12, (const uint8_t *)"271828182845");
	sha256_digest(&h, sizeof(d), d);
	for (i = 0; i < 32; i++)
		snprintf(plain + 2 * i, 3, "%02x", d[i]);
	assert_memory_not_equal(a, plain, 32);
	/* another value, another fingerprint */
	free(b);
	b = fingerprint_of(s1, "271828182846");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	free(c);
}

static void
test_a_full_tally_records_nothing_more(void **state)
{
	struct tally *t = tally_new(2);
	struct detect_match m = match("r", "k", "3", DLP_CONF_LOW, false);

	add(t, "r", "k", "1", DLP_CONF_LOW, false, 0, NULL);
	add(t, "r", "k", "2", DLP_CONF_LOW, false, 0, NULL);
	assert_int_equal(tally_add(t, &m, 0, NULL, NULL), 1);
	/* a value already there is still merged */
	m.value = "1";
	m.confidence = DLP_CONF_HIGH;
	assert_int_equal(tally_add(t, &m, 0, NULL, NULL), 0);
	tally_free(t);
	tally_free(NULL);
}

/*
 * The slow path the tally replaced, as a model: every match kept once
 * per (rule, node, value) at its highest confidence, in the order first
 * seen; the findings from a stable sort by rule id, node and confidence
 * (highest first), the first of each (rule, node) run its sample; the
 * kinds from a stable sort of that order by kind, value and confidence,
 * each kind named after its first counting entry. The tally must give
 * the same findings and counts, field by field.
 */
struct model_entry {
	const char *rule, *kind, *name_en, *value, *loc, *exc;
	bool monitor;
	size_t node, seq;
	int conf;
};

static struct model_entry model[3000];
static size_t n_model;

static void
model_add(
    const struct detect_match *m, size_t node, const char *loc, const char *exc)
{
	size_t i;

	for (i = 0; i < n_model; i++)
		if (model[i].node == node &&
		    strcmp(model[i].rule, m->rule_id) == 0 &&
		    strcmp(model[i].value, m->value) == 0) {
			if ((int)m->confidence > model[i].conf)
				model[i].conf = (int)m->confidence;
			return;
		}
	assert_true(n_model < sizeof(model) / sizeof(model[0]));
	model[n_model] =
	    (struct model_entry){ m->rule_id, m->kind, m->name_en, m->value,
		    loc, exc, m->monitor, node, n_model, (int)m->confidence };
	n_model++;
}

/* ties go by seq: the order before the sort, which makes it stable */
static int
model_by_rule_node(const void *a, const void *b)
{
	const struct model_entry *x = a, *y = b;
	int c;

	if ((c = strcmp(x->rule, y->rule)) != 0)
		return c;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if (x->conf != y->conf)
		return y->conf - x->conf;
	return x->seq < y->seq ? -1 : 1;
}

static int
model_by_kind_value(const void *a, const void *b)
{
	const struct model_entry *x = a, *y = b;
	int c;

	if ((c = strcmp(x->kind, y->kind)) != 0)
		return c;
	if ((c = strcmp(x->value, y->value)) != 0)
		return c;
	if (x->conf != y->conf)
		return y->conf - x->conf;
	return x->seq < y->seq ? -1 : 1;
}

static void
compare_with_model(struct tally *t, struct dlp_report *r)
{
	struct policy_count *pc;
	size_t i, j, k, n, f = 0, nk = 0;
	const struct model_entry *e;

	assert_int_equal(tally_findings(t, r), 0);
	qsort(model, n_model, sizeof(model[0]), model_by_rule_node);
	for (i = 0; i < n_model; i = j) {
		e = &model[i];
		for (j = i + 1; j < n_model && model[j].node == e->node &&
		     strcmp(model[j].rule, e->rule) == 0;
		     j++)
			;
		assert_true(f < r->n_findings);
		assert_string_equal(r->findings[f].rule_id, e->rule);
		assert_string_equal(r->findings[f].name_en, e->name_en);
		assert_string_equal(
		    r->findings[f].path, r->nodes[e->node].path);
		assert_int_equal(r->findings[f].count, j - i);
		assert_int_equal(r->findings[f].confidence, e->conf);
		if (e->loc == NULL)
			assert_null(r->findings[f].location);
		else
			assert_string_equal(r->findings[f].location, e->loc);
		if (e->exc == NULL)
			assert_null(r->findings[f].exception);
		else
			assert_string_equal(r->findings[f].exception, e->exc);
		assert_int_equal(r->findings[f].monitor, e->monitor);
		f++;
	}
	assert_int_equal(f, r->n_findings);
	for (i = 0; i < n_model; i++)
		model[i].seq = i; /* the findings' order is the one now */
	qsort(model, n_model, sizeof(model[0]), model_by_kind_value);
	assert_int_equal(tally_kinds(t, &pc, &n), 0);
	for (i = 0; i < n_model; i = j) {
		size_t at_least[DLP_CONF_HIGH + 1] = { 0 }, v, w;
		const struct model_entry *first = NULL, *best;

		for (j = i;
		     j < n_model && strcmp(model[j].kind, model[i].kind) == 0;
		     j++)
			;
		/* each value once, at its first counting entry's conf */
		for (v = i; v < j; v = w) {
			best = NULL;
			for (w = v; w < j &&
			     strcmp(model[w].value, model[v].value) == 0;
			     w++)
				if (best == NULL && !model[w].monitor &&
				    model[w].exc == NULL)
					best = &model[w];
			if (best == NULL)
				continue;
			if (first == NULL)
				first = best;
			for (k = DLP_CONF_LOW; k <= (size_t)best->conf; k++)
				at_least[k]++;
		}
		if (first == NULL)
			continue;
		assert_true(nk < n);
		assert_string_equal(pc[nk].kind, first->kind);
		assert_ptr_equal(pc[nk].name_en, first->name_en);
		assert_memory_equal(
		    pc[nk].at_least, at_least, sizeof(at_least));
		nk++;
	}
	assert_int_equal(nk, n);
	free(pc);
}

/*
 * Random tallies against the model: rule ids and kinds that are equal
 * strings at different addresses, rules of one kind with different
 * names, values sharing prefixes (and the empty value), ties of
 * confidence, monitor rules, exceptions, locations and none, many nodes,
 * and strings longer than a chunk of the string arena.
 */
static void
test_findings_and_kinds_are_what_the_sorts_gave(void **state)
{
	static char r1[] = "r.a", r1b[] = "r.a", r2[] = "r.b", r3[] = "r.mon",
		    r4[] = "r.c";
	static char k1[] = "kind", k1b[] = "kind", k2[] = "aaa";
	static const char *const names[] = { "Name A", "Name B", "Name C" };
	static char values[64][40], locs[8][16], big[2][20000];
	struct rule {
		const char *id, *kind, *name;
		bool monitor;
	} rules[] = { { r1, k1, names[0], false },
		{ r1b, k1b, names[0], false }, { r2, k1, names[1], false },
		{ r3, k1b, names[2], true }, { r4, k2, names[1], false } };
	unsigned long seed = 20261122;
	size_t round, k, i, node, nadd;
	struct detect_match m;
	const char *loc, *exc, *val;

	for (i = 0; i < 64; i++)
		snprintf(values[i], sizeof(values[i]),
		    i == 0	? ""
			: i % 5 ? "0901234%04zu"
				: "%zu",
		    i * 37 % 101);
	for (i = 0; i < 8; i++)
		snprintf(locs[i], sizeof(locs[i]), "S!A%zu", i + 1);
	memset(big[0], '7', sizeof(big[0]) - 1);
	memset(big[1], '7', sizeof(big[1]) - 1);
	big[1][100] = '8';
	for (round = 0; round < 40; round++) {
		struct tally *t = tally_new(2000);
		struct dlp_report r = { 0 };

		n_model = 0;
		nodes(&r, 5);
		nadd = 1 + round * 37 % 1500;
		for (k = 0; k < nadd; k++) {
			seed = seed * 6364136223846793005UL +
			    1442695040888963407UL;
			i = (seed >> 33) % 5;
			val = (seed >> 7) % 97 == 0 ? big[(seed >> 9) % 2]
						    : values[(seed >> 40) % 64];
			m = match(rules[i].id, rules[i].kind, val,
			    (enum dlp_confidence)(
				DLP_CONF_LOW + (int)((seed >> 12) % 3)),
			    rules[i].monitor);
			m.name_en = rules[i].name;
			node = (seed >> 20) % 5;
			loc = (seed >> 24) % 4 == 0 ? NULL
						    : locs[(seed >> 26) % 8];
			exc = (seed >> 29) % 11 == 0 ? "EX-1" : NULL;
			/* an exception covers a rule whatever the value */
			if (i == 2 && round % 3 == 0)
				exc = "EX-2";
			assert_int_equal(tally_add(t, &m, node, loc, exc), 0);
			model_add(&m, node, loc, exc);
		}
		compare_with_model(t, &r);
		report_clear(&r);
		tally_free(t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distinct_values_per_kind_across_nodes),
		cmocka_unit_test(test_many_values_sort_and_count_as_by_hand),
		cmocka_unit_test(
		    test_monitor_and_exception_values_report_but_do_not_count),
		cmocka_unit_test(test_fingerprints_are_keyed_and_stable),
		cmocka_unit_test(test_a_full_tally_records_nothing_more),
		cmocka_unit_test(
		    test_findings_and_kinds_are_what_the_sorts_gave),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
