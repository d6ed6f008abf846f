/*
 * tally - distinct values per (rule, node) and per kind. See tally.h.
 *
 * How it is kept: the entries in one array, in the order they were first
 * seen, found again through an open-addressing table of (rule, node,
 * value); their strings (value, masked form, location) one after another
 * in chunks of an arena, not one allocation each: a roster of 10,000
 * values would otherwise be 30,000 malloc()s and free()s.
 *
 * Why the findings and the counts per kind group by hashing rather than
 * by sorting the entries: a message that fills the tally sorted 10,000
 * entries twice, with a strcmp() of scattered values per comparison,
 * which was most of the time spent after detection. Grouping is one
 * pass; only the groups (a few per rule and node, one per kind) are
 * sorted. The result is what the sorts gave: findings by rule id, then
 * node; each finding's sample the first-seen entry at its highest
 * confidence; kinds by name, each named (name_en) after the entry that
 * comes first by value, then highest confidence, then rule id and node,
 * then sighting.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/hmac.h>

#include "buf.h"
#include "report.h"
#include "tally.h"

#define ARENA_CHUNK 16384 /* bytes of one chunk of strings */
/* the tables hold an entry's index + 1 in 32 bits, at least 2n slots */
#define TALLY_MAX (UINT32_MAX / 4)

struct entry {
	const char *rule_id; /* these four point into the rule set */
	const char *kind;
	const char *name_ja;
	const char *name_en;
	bool monitor;
	const char *exception; /* the config's exception id, or NULL */
	size_t node;
	char *value; /* canonical; in the arena, wiped */
	char *masked;
	char *location;
	enum dlp_confidence conf;
	uint64_t hash;
};

/* One chunk of the string arena. */
struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct tally {
	struct entry *v;
	size_t n, cap, max;
	uint32_t *table; /* open addressing: index + 1, 0 = empty */
	size_t table_size;
	struct chunk *arena; /* the newest chunk first */
	bool keyed;
	unsigned char key[TALLY_KEY_LEN]; /* fingerprint key; wiped */
};

struct tally *
tally_new(size_t max)
{
	struct tally *t = calloc(1, sizeof(*t));

	if (t != NULL)
		t->max = max < TALLY_MAX ? max : TALLY_MAX;
	return t;
}

void
tally_free(struct tally *t)
{
	struct chunk *c, *next;

	if (t == NULL)
		return;
	for (c = t->arena; c != NULL; c = next) {
		next = c->next;
		explicit_bzero(c->data, c->used);
		free(c);
	}
	free(t->v);
	free(t->table);
	explicit_bzero(t->key, sizeof(t->key));
	free(t);
}

/* n bytes from the arena; NULL on ENOMEM. */
static char *
arena_alloc(struct tally *t, size_t n)
{
	struct chunk *c = t->arena;
	size_t cap;

	if (c == NULL || c->cap - c->used < n) {
		cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		/* a string too long for the chunk in use gets its own; the
		   one in use stays first, so its room is not lost */
		if (t->arena != NULL && cap > ARENA_CHUNK) {
			c->next = t->arena->next;
			t->arena->next = c;
		} else {
			c->next = t->arena;
			t->arena = c;
		}
	}
	c->used += n;
	return c->data + c->used - n;
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

/* A table of at least 2n slots (a power of two); NULL on ENOMEM. */
static uint32_t *
table_new(size_t n, size_t *size)
{
	size_t sz = 256;

	while (sz < 2 * n)
		sz *= 2;
	*size = sz;
	return calloc(sz, sizeof(uint32_t));
}

static int
table_grow(struct tally *t)
{
	size_t nsize, i, j;
	uint32_t *tab;

	if ((tab = table_new(t->table_size + 1, &nsize)) == NULL)
		return -1;
	for (i = 0; i < t->n; i++) {
		j = t->v[i].hash & (nsize - 1);
		while (tab[j] != 0)
			j = (j + 1) & (nsize - 1);
		tab[j] = (uint32_t)(i + 1);
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
	size_t lv, lm, ll, j;
	struct entry *e;
	char *p;

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
		void *np = realloc(t->v, ncap * sizeof(*t->v));

		if (np == NULL)
			return -1;
		t->v = np;
		t->cap = ncap;
	}
	lv = strlen(m->value) + 1;
	lm = strlen(m->masked) + 1;
	ll = location != NULL ? strlen(location) + 1 : 0;
	if ((p = arena_alloc(t, lv + lm + ll)) == NULL)
		return -1;
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
	e->value = memcpy(p, m->value, lv);
	e->masked = memcpy(p + lv, m->masked, lm);
	if (location != NULL)
		e->location = memcpy(p + lv + lm, location, ll);
	for (j = h & (t->table_size - 1); t->table[j] != 0;
	     j = (j + 1) & (t->table_size - 1))
		;
	t->table[j] = (uint32_t)++t->n;
	return 0;
}

/* FNV-1a of a string, continuing from h. */
static uint64_t
str_hash(uint64_t h, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

/* Equal strings, most often at the same address (the rule set's). */
static bool
same_str(const char *a, const char *b)
{
	return a == b || strcmp(a, b) == 0;
}

/* One group of entries: its first entry, its sample, how many. */
struct group {
	size_t first;
	size_t best; /* highest confidence, seen first among those */
	size_t count;
	size_t kind; /* tally_kinds(): the index of its kind */
};

/*
 * Grouping: an open-addressing table of group index + 1 over the groups
 * found so far; eq says whether entry e belongs to group g.
 */
struct grouping {
	struct group *g;
	size_t n;
	uint32_t *table;
	size_t size;
};

static int
grouping_init(struct grouping *gr, size_t n)
{
	gr->n = 0;
	gr->g = malloc((n > 0 ? n : 1) * sizeof(*gr->g));
	gr->table = table_new(n, &gr->size);
	if (gr->g == NULL || gr->table == NULL) {
		free(gr->g);
		free(gr->table);
		return -1;
	}
	return 0;
}

static void
grouping_free(struct grouping *gr)
{
	free(gr->g);
	free(gr->table);
}

/*
 * The group of entry i (hash h; same(t, i, first of group) tells a
 * member): found, or a new one. Never fails: there are at most as many
 * groups as entries, and the table has twice as many slots.
 */
static struct group *
group_of(const struct tally *t, struct grouping *gr, size_t i, uint64_t h,
    bool (*same)(const struct tally *, size_t, size_t, size_t), size_t kind)
{
	size_t j;
	struct group *g;

	for (j = h & (gr->size - 1); gr->table[j] != 0;
	     j = (j + 1) & (gr->size - 1)) {
		g = &gr->g[gr->table[j] - 1];
		if (same(t, i, g->first, kind) && g->kind == kind) {
			g->count++;
			if (t->v[i].conf > t->v[g->best].conf)
				g->best = i;
			return g;
		}
	}
	g = &gr->g[gr->n++];
	g->first = g->best = i;
	g->count = 1;
	g->kind = kind;
	gr->table[j] = (uint32_t)gr->n;
	return g;
}

static bool
same_rule_node(const struct tally *t, size_t i, size_t k, size_t kind)
{
	return t->v[i].node == t->v[k].node &&
	    same_str(t->v[i].rule_id, t->v[k].rule_id);
}

static bool
same_value(const struct tally *t, size_t i, size_t k, size_t kind)
{
	return strcmp(t->v[i].value, t->v[k].value) == 0;
}

/* Groups by rule id, then node. */
static int
cmp_rule_node(const void *a, const void *b, void *arg)
{
	const struct tally *t = arg;
	const struct entry *x = &t->v[((const struct group *)a)->first];
	const struct entry *y = &t->v[((const struct group *)b)->first];
	int c;

	if (x->rule_id != y->rule_id &&
	    (c = strcmp(x->rule_id, y->rule_id)) != 0)
		return c;
	return x->node < y->node ? -1 : x->node > y->node;
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
	struct grouping gr;
	struct dlp_finding *f;
	const char *last = NULL;
	uint64_t rh = 0;
	bool fail = false;
	size_t i;

	if (grouping_init(&gr, t->n) < 0)
		return -1;
	for (i = 0; i < t->n; i++) {
		const struct entry *e = &t->v[i];

		if (e->rule_id != last) { /* runs of one rule are common */
			last = e->rule_id;
			rh = str_hash(14695981039346656037ULL, last);
		}
		(void)group_of(t, &gr, i, (rh ^ e->node) * 1099511628211ULL,
		    same_rule_node, 0);
	}
	if (gr.n > 1)
		qsort_r(gr.g, gr.n, sizeof(*gr.g), cmp_rule_node, t);
	for (i = 0; i < gr.n && !fail; i++) {
		const struct entry *e = &t->v[gr.g[i].best];

		if ((f = report_add_finding(r)) == NULL) {
			grouping_free(&gr);
			return -1;
		}
		f->rule_id = dup_or_null(e->rule_id, &fail);
		f->kind = dup_or_null(e->kind, &fail);
		f->name_ja = dup_or_null(e->name_ja, &fail);
		f->name_en = dup_or_null(e->name_en, &fail);
		f->confidence = e->conf;
		f->path = dup_or_null(r->nodes[e->node].path, &fail);
		f->location = dup_or_null(e->location, &fail);
		f->count = gr.g[i].count;
		f->masked = dup_or_null(e->masked, &fail);
		f->monitor = e->monitor;
		f->exception = dup_or_null(e->exception, &fail);
		if (t->keyed && !fail) {
			char fp[TALLY_FP_LEN + 1];

			tally_fingerprint(t->key, e->value, fp);
			f->fingerprint = dup_or_null(fp, &fail);
		}
	}
	grouping_free(&gr);
	return fail ? -1 : 0;
}

/* One kind in tally_kinds(): its entry that names it, its counts. */
struct kind_acc {
	size_t first; /* an entry of the kind */
	size_t name;  /* the entry it is named after */
	size_t at_least[DLP_CONF_HIGH + 1];
};

/*
 * Whether entry i comes before entry k in the order the kind is named
 * by: value, highest confidence, rule id, node, sighting.
 */
static bool
names_before(const struct tally *t, size_t i, size_t k)
{
	const struct entry *x = &t->v[i], *y = &t->v[k];
	int c;

	if ((c = strcmp(x->value, y->value)) != 0)
		return c < 0;
	if (x->conf != y->conf)
		return x->conf > y->conf;
	if (x->rule_id != y->rule_id &&
	    (c = strcmp(x->rule_id, y->rule_id)) != 0)
		return c < 0;
	if (x->node != y->node)
		return x->node < y->node;
	return i < k;
}

static int
cmp_kind(const void *a, const void *b, void *arg)
{
	const struct tally *t = arg;

	return strcmp(t->v[((const struct kind_acc *)a)->first].kind,
	    t->v[((const struct kind_acc *)b)->first].kind);
}

int
tally_kinds(struct tally *t, struct policy_count **out, size_t *nout)
{
	struct policy_count *pc = NULL;
	struct kind_acc *ka = NULL;
	struct grouping gr;
	size_t nk = 0, i, k = 0, c;
	const char *last = NULL;
	struct group *g;

	*out = NULL;
	*nout = 0;
	if (grouping_init(&gr, t->n) < 0)
		return -1;
	/* monitor rules and exceptions report, never decide: a value
	   counts when a rule that decides found it, at the highest
	   confidence of those */
	for (i = 0; i < t->n; i++) {
		const struct entry *e = &t->v[i];

		if (e->monitor || e->exception != NULL)
			continue;
		if (e->kind != last) { /* kinds are few: a list */
			for (k = 0; k < nk &&
			     !same_str(t->v[ka[k].first].kind, e->kind);
			     k++)
				;
			if (k == nk) {
				void *p = realloc(ka, (nk + 1) * sizeof(*ka));

				if (p == NULL)
					goto fail;
				ka = p;
				memset(&ka[nk], 0, sizeof(ka[nk]));
				ka[nk].first = ka[nk].name = i;
				nk++;
			}
			last = e->kind;
		}
		if (names_before(t, i, ka[k].name))
			ka[k].name = i;
		(void)group_of(t, &gr, i,
		    str_hash(14695981039346656037ULL ^ k, e->value), same_value,
		    k);
	}
	for (i = 0; i < gr.n; i++) {
		g = &gr.g[i];
		for (c = DLP_CONF_LOW; c <= (size_t)t->v[g->best].conf; c++)
			ka[g->kind].at_least[c]++;
	}
	grouping_free(&gr);
	if (nk == 0)
		return 0;
	qsort_r(ka, nk, sizeof(*ka), cmp_kind, t);
	if ((pc = calloc(nk, sizeof(*pc))) == NULL) {
		free(ka);
		return -1;
	}
	for (k = 0; k < nk; k++) {
		pc[k].kind = t->v[ka[k].name].kind;
		pc[k].name_en = t->v[ka[k].name].name_en;
		memcpy(pc[k].at_least, ka[k].at_least, sizeof(pc[k].at_least));
	}
	free(ka);
	*out = pc;
	*nout = nk;
	return 0;
fail:
	grouping_free(&gr);
	free(ka);
	return -1;
}
