/*
 * dict - word lists with a "which entries start here" lookup. See dict.h.
 *
 * Layout: entries are copied into one pool; an open-addressing table of
 * (pool offset, length, hash) slots, at most half full, grows by doubling.
 * A lookup at a position walks at most DICT_MAX_CHARS code points once,
 * hashing as it goes, and probes the table only at the lengths some entry
 * has: so it costs O(longest entry), whatever the size of the list.
 * Bitmaps of first code points and of first pairs of code points reject
 * most positions before any hashing.
 *
 * Limits: DICT_MAX_ENTRIES entries, DICT_MAX_ENTRY bytes an entry,
 * DICT_MAX_FILE bytes a list file. Thread-safe once built.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

struct slot {
	uint32_t off; /* into pool; 0 = empty */
	uint32_t hash;
	uint8_t len;
};

struct dict {
	struct slot *slots;
	size_t cap; /* power of two */
	size_t n, max;
	char *pool;
	size_t pool_len, pool_cap;
	uint32_t lenmask;	  /* bit k: some entry has k code points */
	uint8_t first[65536 / 8]; /* bit: some entry starts with this
				     code point (modulo 2^16) */
	uint8_t pair[65536 / 8];  /* bit: some entry starts with this pair
				     of code points (hashed) */
};

static inline unsigned char
fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline size_t
u8len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* The first code point of u (ASCII folded), modulo 2^16; any value for
   invalid UTF-8 (the lookup that follows rejects it). */
static inline unsigned
first_cp(const unsigned char *u, size_t len)
{
	if (u[0] < 0x80)
		return fold(u[0]);
	if (u[0] < 0xe0 || len < 3)
		return (unsigned)(u[0] & 0x1f) << 6 |
		    (len > 1 ? u[1] & 0x3f : 0);
	if (u[0] < 0xf0 || len < 4)
		return ((unsigned)(u[0] & 0x0f) << 12 |
			   (unsigned)(u[1] & 0x3f) << 6 | (u[2] & 0x3f)) &
		    0xffff;
	return ((unsigned)(u[1] & 0x3f) << 12 | (unsigned)(u[2] & 0x3f) << 6 |
		   (u[3] & 0x3f)) &
	    0xffff;
}

static inline unsigned
pair_key(unsigned a, unsigned b)
{
	return ((a * 0x9E37u) ^ b) & 0xffff;
}

#define FNV_OFF	  2166136261u
#define FNV_PRIME 16777619u

static inline uint32_t
hash_step(uint32_t h, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= fold(p[i]);
		h *= FNV_PRIME;
	}
	return h;
}

static bool
same(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return false;
	return true;
}

static const struct slot *
probe(const struct dict *d, uint32_t h, const char *s, size_t len)
{
	size_t i = h & (d->cap - 1);

	while (d->slots[i].off != 0) {
		const struct slot *sl = &d->slots[i];

		if (sl->hash == h && sl->len == len &&
		    same(d->pool + sl->off, s, len))
			return sl;
		i = (i + 1) & (d->cap - 1);
	}
	return NULL;
}

struct dict *
dict_new(size_t max_entries)
{
	struct dict *d;

	if (max_entries == 0 || max_entries > DICT_MAX_ENTRIES)
		max_entries = DICT_MAX_ENTRIES;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->max = max_entries;
	d->cap = 64;
	d->pool_cap = 1024;
	d->slots = calloc(d->cap, sizeof(*d->slots));
	d->pool = malloc(d->pool_cap);
	if (d->slots == NULL || d->pool == NULL) {
		dict_free(d);
		return NULL;
	}
	d->pool[0] = '\0';
	d->pool_len = 1; /* offset 0 means an empty slot */
	return d;
}

void
dict_free(struct dict *d)
{
	if (d == NULL)
		return;
	free(d->slots);
	free(d->pool);
	free(d);
}

void
dict_first_chars(const struct dict *d, unsigned char *map)
{
	size_t i;

	for (i = 0; i < sizeof(d->first); i++)
		map[i] |= d->first[i];
}

unsigned
dict_first_cp(const char *s, size_t len)
{
	return first_cp((const unsigned char *)s, len);
}

bool
dict_first_pairs(const struct dict *d, unsigned char *map)
{
	size_t i;

	if (d->lenmask & 2u)
		return false;
	for (i = 0; i < sizeof(d->pair); i++)
		map[i] |= d->pair[i];
	return true;
}

bool
dict_pair_in(const unsigned char *map, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t l1;
	unsigned pk;

	if (len == 0 || (l1 = u8len(u[0])) == 0 || l1 >= len)
		return false;
	pk = pair_key(first_cp(u, len), first_cp(u + l1, len - l1));
	return (map[pk / 8] & (1u << (pk % 8))) != 0;
}

size_t
dict_size(const struct dict *d)
{
	return d->n;
}

static int
grow(struct dict *d)
{
	struct slot *ns;
	size_t ncap = d->cap * 2, i;

	if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < d->cap; i++) {
		size_t j;

		if (d->slots[i].off == 0)
			continue;
		j = d->slots[i].hash & (ncap - 1);
		while (ns[j].off != 0)
			j = (j + 1) & (ncap - 1);
		ns[j] = d->slots[i];
	}
	free(d->slots);
	d->slots = ns;
	d->cap = ncap;
	return 0;
}

/* The number of code points of a valid UTF-8 string, or 0 if invalid. */
static size_t
count_chars(const unsigned char *p, size_t len)
{
	size_t i = 0, n = 0, k, j;

	while (i < len) {
		if ((k = u8len(p[i])) == 0 || i + k > len)
			return 0;
		for (j = 1; j < k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
		n++;
	}
	return n;
}

int
dict_add(struct dict *d, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t h;
	size_t nch, i;
	struct slot *sl;

	if (len == 0 || len > DICT_MAX_ENTRY)
		return -1;
	nch = count_chars(u, len);
	if (nch == 0 || nch > DICT_MAX_CHARS)
		return -1;
	h = hash_step(FNV_OFF, u, len);
	if (probe(d, h, s, len) != NULL)
		return 0;
	if (d->n >= d->max)
		return -2;
	if ((d->n + 1) * 2 > d->cap && grow(d) != 0)
		return -3;
	if (d->pool_len + len > d->pool_cap) {
		size_t ncap = d->pool_cap * 2 + len;
		char *np;

		if ((np = realloc(d->pool, ncap)) == NULL)
			return -3;
		d->pool = np;
		d->pool_cap = ncap;
	}
	memcpy(d->pool + d->pool_len, s, len);
	i = h & (d->cap - 1);
	while (d->slots[i].off != 0)
		i = (i + 1) & (d->cap - 1);
	sl = &d->slots[i];
	sl->off = (uint32_t)d->pool_len;
	sl->len = (uint8_t)len;
	sl->hash = h;
	d->pool_len += len;
	d->n++;
	d->lenmask |= 1u << nch;
	i = first_cp(u, len);
	d->first[i / 8] |= (uint8_t)(1u << (i % 8));
	if (nch >= 2) {
		size_t l1 = u8len(u[0]);

		i = pair_key((unsigned)i, first_cp(u + l1, len - l1));
		d->pair[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	return 0;
}

struct dict *
dict_load(const char *path, char *err, size_t errlen)
{
	FILE *fp = NULL;
	struct dict *d = NULL;
	char line[512];
	unsigned lineno = 0;
	size_t total = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(
		    err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if ((d = dict_new(DICT_MAX_ENTRIES)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t n = strlen(line);
		int rc;

		lineno++;
		total += n;
		if (total > DICT_MAX_FILE) {
			snprintf(err, errlen, "%s: larger than %u bytes", path,
			    DICT_MAX_FILE);
			goto fail;
		}
		if (n > 0 && line[n - 1] != '\n' && !feof(fp)) {
			snprintf(
			    err, errlen, "%s:%u: line too long", path, lineno);
			goto fail;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		if ((rc = dict_add(d, line, n)) != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno,
			    rc == -1	   ? "entry too long or not UTF-8"
				: rc == -2 ? "too many entries"
					   : "out of memory");
			goto fail;
		}
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	if (d->n == 0) {
		snprintf(err, errlen, "%s: no entries", path);
		goto fail;
	}
	fclose(fp);
	return d;
fail:
	fclose(fp);
	dict_free(d);
	return NULL;
}

bool
dict_has(const struct dict *d, const char *s, size_t len)
{
	if (len == 0 || len > DICT_MAX_ENTRY)
		return false;
	return probe(d, hash_step(FNV_OFF, (const unsigned char *)s, len), s,
		   len) != NULL;
}

static inline bool
may_start(const struct dict *d, const unsigned char *u, size_t len)
{
	unsigned c = first_cp(u, len);

	return (d->first[c / 8] & (1u << (c % 8))) != 0;
}

size_t
dict_match(
    const struct dict *d, const char *s, size_t len, size_t *lens, size_t maxn)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t found[DICT_MAX_CHARS], nf = 0, i = 0, k, n = 0;
	uint32_t h = FNV_OFF;

	if (len == 0 || maxn == 0 || !may_start(d, u, len))
		return 0;
	if (!(d->lenmask & 2u)) { /* no one-character entry: test a pair */
		size_t l1 = u8len(u[0]);
		unsigned pk;

		if (l1 == 0 || l1 >= len)
			return 0;
		pk = pair_key(first_cp(u, len), first_cp(u + l1, len - l1));
		if (!(d->pair[pk / 8] & (1u << (pk % 8))))
			return 0;
	}
	for (k = 1; k <= DICT_MAX_CHARS && i < len; k++) {
		size_t cl = u8len(u[i]);

		if (cl == 0 || i + cl > len || i + cl > DICT_MAX_ENTRY)
			break;
		h = hash_step(h, u + i, cl);
		i += cl;
		if ((d->lenmask & (1u << k)) && probe(d, h, s, i) != NULL)
			found[nf++] = i;
		if ((d->lenmask >> (k + 1)) == 0)
			break;
	}
	while (nf > 0 && n < maxn)
		lens[n++] = found[--nf];
	return n;
}

size_t
dict_longest(const struct dict *d, const char *s, size_t len)
{
	size_t l;

	return dict_match(d, s, len, &l, 1) == 1 ? l : 0;
}

size_t
dict_find(const struct dict *d, const char *s, size_t len, size_t *at)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, l;

	for (i = 0; i < len; i++) {
		unsigned c;

		if ((u[i] & 0xc0) == 0x80)
			continue; /* not the start of a character */
		c = first_cp(u + i, len - i);
		if ((d->first[c / 8] & (1u << (c % 8))) == 0)
			continue;
		if ((l = dict_longest(d, s + i, len - i)) != 0) {
			*at = i;
			return l;
		}
	}
	return 0;
}
