/*
 * dict - a loaded word list (surnames, given names, labels, organisation
 * words) with one question: which entries start at this byte position,
 * longest first.
 *
 * Entries are UTF-8 strings of 1 to DICT_MAX_CHARS code points and at most
 * DICT_MAX_ENTRY bytes; ASCII letters compare in any case. A list file
 * has one entry a line; empty lines and lines starting with '#' are
 * skipped; a trailing CR is dropped. The set is an open-addressing hash
 * table keyed by the entry's bytes, plus bitmaps of the first code point
 * and of the first pair of code points of every entry, so that most
 * positions are rejected with a load or two, and a mask of the entry
 * lengths present so that only those are hashed.
 *
 * A dict is immutable once built and may be shared by threads. It does
 * not normalise: callers give it text as the rules see it.
 */
#ifndef DLP_DICT_H
#define DLP_DICT_H

#include <stdbool.h>
#include <stddef.h>

#define DICT_MAX_ENTRIES (256u * 1024u)
#define DICT_MAX_ENTRY	 64		       /* bytes */
#define DICT_MAX_CHARS	 16		       /* code points */
#define DICT_MAX_FILE	 (16u * 1024u * 1024u) /* bytes */

struct dict;

/*
 * dict_new: an empty dict for up to max_entries entries (at most
 * DICT_MAX_ENTRIES). NULL when out of memory. Free with dict_free().
 */
struct dict *dict_new(size_t max_entries);

/*
 * dict_add: add len bytes of s (copied). Returns 0 (also for a
 * duplicate), -1 when the entry is empty, too long or not valid UTF-8,
 * -2 when the dict is full, -3 when out of memory.
 */
int dict_add(struct dict *d, const char *s, size_t len);

/*
 * dict_load: a dict from the list file at path. On error NULL, with a
 * one-line message in err ("cannot open: ...", "line 7: entry too long",
 * "no entries"); an empty list is an error.
 */
struct dict *dict_load(const char *path, char *err, size_t errlen);

/* dict_free: free d; NULL is allowed. */
void dict_free(struct dict *d);

/*
 * dict_first_chars: OR into map (65536 bits, DICT_FIRST_BYTES bytes) a bit
 * for the first code point (modulo 2^16, ASCII letters in lower case) of
 * every entry, so a caller can test one map for several dicts at once.
 */
#define DICT_FIRST_BYTES (65536 / 8)
void dict_first_chars(const struct dict *d, unsigned char *map);

/* dict_first_cp: the code point dict_first_chars keys by, at s. */
unsigned dict_first_cp(const char *s, size_t len);

/*
 * dict_first_pairs: OR into map (DICT_FIRST_BYTES bytes) a bit for the
 * first two code points of every entry (hashed to 16 bits), so a caller
 * can test one map for several dicts at once with dict_pair_in. Returns
 * false, and leaves map alone, when the dict has an entry of one code
 * point, which no pair can stand for.
 */
bool dict_first_pairs(const struct dict *d, unsigned char *map);

/*
 * dict_pair_in: whether the first two code points at s have their bit
 * in map (built by dict_first_pairs); false when s holds fewer than two.
 */
bool dict_pair_in(const unsigned char *map, const char *s, size_t len);

/* dict_size: the number of distinct entries. */
size_t dict_size(const struct dict *d);

/* dict_has: whether the len bytes at s are exactly an entry. */
bool dict_has(const struct dict *d, const char *s, size_t len);

/*
 * dict_match: the byte lengths of the entries that start at s (within
 * len bytes), longest first, at most maxn of them, in lens. Returns how
 * many were stored.
 */
size_t dict_match(
    const struct dict *d, const char *s, size_t len, size_t *lens, size_t maxn);

/* dict_longest: the byte length of the longest entry at s, or 0. */
size_t dict_longest(const struct dict *d, const char *s, size_t len);

/*
 * dict_find: the first position in s where an entry starts (its byte
 * offset in *at, its byte length returned), or 0 when none does.
 */
size_t dict_find(const struct dict *d, const char *s, size_t len, size_t *at);

#endif
