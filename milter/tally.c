/*
 * tally - distinct values per (rule, node) and per kind. See tally.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/hmac.h>

#include "buf.h"
#include "report.h"
#include "tally.h"

struct entry {
	const char *rule_id; /* these four point into the rule set */
	const char *kind;
	const char *name_ja;
	const char *name_en;
	bool monitor;
	const char *exception; /* the config's exception id, or NULL */
	size_t node;
	char *value; /* canonical; wiped */
	char *masked;
	char *location;
	enum dlp_confidence conf;
	uint64_t hash;
};

struct tally {
	struct entry *v;
	size_t n, cap, max;
	size_t *table; /* open addressing: index + 1, 0 = empty */
	size_t table_size;
	bool keyed;
	unsigned char key[TALLY_KEY_LEN]; /* fingerprint key; wiped */
};

struct tally *
tally_new(size_t max)
{
	struct tally *t = calloc(1, sizeof(*t));

	if (t != NULL)
		t->max = max;
	return t;
}

void
tally_free(struct tally *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		buf_free_string(t->v[i].value);
		buf_free_string(t->v[i].masked);
		free(t->v[i].location);
	}
	free(t->v);
	free(t->table);
	explicit_bzero(t->key, sizeof(t->key));
	free(t);
}

static const char fp_label[] = "dlp-fingerprint-v1";

void
tally_derive_key(
    const unsigned char *secret, size_t len, unsigned char key[TALLY_KEY_LEN])
{
	struct hmac_sha256_ctx ctx;

	hmac_sha256_set_key(&ctx, len, secret);
	hmac_sha256_update(
	    &ctx, sizeof(fp_label) - 1, (const uint8_t *)fp_label);
	hmac_sha256_digest(&ctx, TALLY_KEY_LEN, key);
	explicit_bzero(&ctx, sizeof(ctx));
}

void
tally_fingerprint(const unsigned char key[TALLY_KEY_LEN], const char *value,
    char out[TALLY_FP_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	struct hmac_sha256_ctx ctx;
	uint8_t mac[SHA256_DIGEST_SIZE];
	size_t i;

	hmac_sha256_set_key(&ctx, TALLY_KEY_LEN, key);
	hmac_sha256_update(&ctx, strlen(value), (const uint8_t *)value);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	for (i = 0; i < TALLY_FP_LEN / 2; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 0xf];
	}
	out[TALLY_FP_LEN] = '\0';
	explicit_bzero(&ctx, sizeof(ctx));
	explicit_bzero(mac, sizeof(mac));
}

void
tally_set_secret(struct tally *t, const unsigned char *secret, size_t len)
{
	t->keyed = len > 0;
	if (t->keyed)
		tally_derive_key(secret, len, t->key);
	else
		explicit_bzero(t->key, sizeof(t->key));
}

/* FNV-1a over the key fields. */
static uint64_t
hash(const char *rule_id, size_t node, const char *value)
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)rule_id; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ (node & 0xffff)) * 1099511628211ULL;
	h = (h ^ (node >> 16)) * 1099511628211ULL;
	for (p = (const unsigned char *)value; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static int
table_grow(struct tally *t)
{
	size_t nsize = t->table_size ? t->table_size * 2 : 256, i, j;
	size_t *tab;

	if ((tab = calloc(nsize, sizeof(*tab))) == NULL)
		return -1;
	for (i = 0; i < t->n; i++) {
		j = t->v[i].hash & (nsize - 1);
		while (tab[j] != 0)
			j = (j + 1) & (nsize - 1);
		tab[j] = i + 1;
	}
	free(t->table);
	t->table = tab;
	t->table_size = nsize;
	return 0;
}

int
tally_add(struct tally *t, const struct detect_match *m, size_t node,
    const char *location, const char *exception)
{
	uint64_t h = hash(m->rule_id, node, m->value);
	struct entry *e;
	size_t j;

	if (t->table_size > 0) {
		for (j = h & (t->table_size - 1); t->table[j] != 0;
		     j = (j + 1) & (t->table_size - 1)) {
			e = &t->v[t->table[j] - 1];
			if (e->hash == h && e->node == node &&
			    strcmp(e->rule_id, m->rule_id) == 0 &&
			    strcmp(e->value, m->value) == 0) {
				if (m->confidence > e->conf)
					e->conf = m->confidence;
				return 0;
			}
		}
	}
	if (t->n >= t->max)
		return 1;
	if ((t->n + 1) * 2 > t->table_size && table_grow(t) < 0)
		return -1;
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		void *p = realloc(t->v, ncap * sizeof(*t->v));

		if (p == NULL)
			return -1;
		t->v = p;
		t->cap = ncap;
	}
	e = &t->v[t->n];
	memset(e, 0, sizeof(*e));
	e->rule_id = m->rule_id;
	e->kind = m->kind;
	e->name_ja = m->name_ja;
	e->name_en = m->name_en;
	e->monitor = m->monitor;
	e->exception = exception;
	e->node = node;
	e->conf = m->confidence;
	e->hash = h;
	if ((e->value = strdup(m->value)) == NULL ||
	    (e->masked = strdup(m->masked)) == NULL ||
	    (location != NULL && (e->location = strdup(location)) == NULL)) {
		buf_free_string(e->value);
		buf_free_string(e->masked);
		return -1;
	}
	for (j = h & (t->table_size - 1); t->table[j] != 0;
	     j = (j + 1) & (t->table_size - 1))
		;
	t->table[j] = ++t->n;
	return 0;
}

/* Order by rule, node, then confidence (highest first), then sighting. */
static int
cmp_rule_node(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c;

	/* rule ids and kinds point into the rule set: mostly the same */
	if (x->rule_id != y->rule_id &&
	    (c = strcmp(x->rule_id, y->rule_id)) != 0)
		return c;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return (int)y->conf - (int)x->conf;
}

static int
cmp_kind_value(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c;

	if (x->kind != y->kind && (c = strcmp(x->kind, y->kind)) != 0)
		return c;
	if ((c = strcmp(x->value, y->value)) != 0)
		return c;
	return (int)y->conf - (int)x->conf;
}

static char *
dup_or_null(const char *s, bool *fail)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		*fail = true;
	return p;
}

int
tally_findings(struct tally *t, struct dlp_report *r)
{
	struct dlp_finding *f;
	bool fail = false;
	size_t i, j;

	/* the table's indices are stale after sorting: lookups are over */
	free(t->table);
	t->table = NULL;
	t->table_size = 0;
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), cmp_rule_node);
	for (i = 0; i < t->n && !fail; i = j) {
		const struct entry *e = &t->v[i];

		for (j = i + 1; j < t->n && t->v[j].node == e->node &&
		     (t->v[j].rule_id == e->rule_id ||
			 strcmp(t->v[j].rule_id, e->rule_id) == 0);
		     j++)
			;
		if ((f = report_add_finding(r)) == NULL)
			return -1;
		f->rule_id = dup_or_null(e->rule_id, &fail);
		f->kind = dup_or_null(e->kind, &fail);
		f->name_ja = dup_or_null(e->name_ja, &fail);
		f->name_en = dup_or_null(e->name_en, &fail);
		f->confidence = e->conf; /* sorted highest first */
		f->path = dup_or_null(r->nodes[e->node].path, &fail);
		f->location = dup_or_null(e->location, &fail);
		f->count = j - i;
		f->masked = dup_or_null(e->masked, &fail);
		f->monitor = e->monitor;
		f->exception = dup_or_null(e->exception, &fail);
		if (t->keyed && !fail) {
			char fp[TALLY_FP_LEN + 1];

			tally_fingerprint(t->key, e->value, fp);
			f->fingerprint = dup_or_null(fp, &fail);
		}
	}
	return fail ? -1 : 0;
}

int
tally_kinds(struct tally *t, struct policy_count **out, size_t *nout)
{
	struct policy_count *pc = NULL;
	size_t n = 0, i, j;
	int c;

	free(t->table);
	t->table = NULL;
	t->table_size = 0;
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), cmp_kind_value);
	for (i = 0; i < t->n; i = j) {
		const struct entry *e = NULL;
		size_t k;

		for (j = i + 1; j < t->n &&
		     (t->v[j].kind == t->v[i].kind ||
			 strcmp(t->v[j].kind, t->v[i].kind) == 0) &&
		     strcmp(t->v[j].value, t->v[i].value) == 0;
		     j++)
			;
		/* monitor rules and exceptions report, never decide: the
		   value counts when a rule that decides found it, at the
		   highest confidence of those (sorted highest first) */
		for (k = i; k < j && e == NULL; k++)
			if (!t->v[k].monitor && t->v[k].exception == NULL)
				e = &t->v[k];
		if (e == NULL)
			continue;
		if (n == 0 || strcmp(pc[n - 1].kind, e->kind) != 0) {
			void *p = realloc(pc, (n + 1) * sizeof(*pc));

			if (p == NULL) {
				free(pc);
				return -1;
			}
			pc = p;
			memset(&pc[n], 0, sizeof(pc[n]));
			pc[n].kind = e->kind;
			pc[n].name_en = e->name_en;
			n++;
		}
		for (c = DLP_CONF_LOW; c <= (int)e->conf; c++)
			pc[n - 1].at_least[c]++;
	}
	*out = pc;
	*nout = n;
	return 0;
}
