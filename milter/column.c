/*
 * column - the header cell above a value in tabular text. See column.h.
 */
#include <string.h>

#include "column.h"

static size_t
line_start(const char *t, size_t off)
{
	while (off > 0 && t[off - 1] != '\n')
		off--;
	return off;
}

static size_t
line_end(const char *t, size_t len, size_t off)
{
	const char *nl = memchr(t + off, '\n', len - off);

	return nl != NULL ? (size_t)(nl - t) : len;
}

/* Separators in [s, e), quotes respected for commas; stops at stop. */
static size_t
count_seps(const char *t, size_t s, size_t e, char sep)
{
	bool quoted = false;
	size_t n = 0;

	for (; s < e; s++) {
		if (sep == ',' && t[s] == '"')
			quoted = !quoted;
		else if (t[s] == sep && !quoted)
			n++;
	}
	return n;
}

static bool
has_sep(const char *t, size_t s, size_t e, char sep)
{
	return sep == '\t' ? memchr(t + s, '\t', e - s) != NULL
			   : count_seps(t, s, e, sep) > 0;
}

/* The start of the table holding the line at ls, walking back. */
static size_t
block_back(const char *t, size_t ls, char sep)
{
	size_t prev;

	while (ls > 0) {
		prev = line_start(t, ls - 1);
		if (!has_sep(t, prev, ls - 1, sep))
			break;
		ls = prev;
	}
	return ls;
}

/* The same, from a cached block start and line before ls. */
static size_t
block_forward(
    const char *t, size_t len, const struct column_cache *c, size_t ls)
{
	size_t s = c->line, e, block = c->block;

	while (s < ls) {
		e = line_end(t, len, s);
		if (!has_sep(t, s, e, c->sep))
			block = e + 1;
		s = e + 1;
	}
	return block;
}

/* Cell k of the line starting at s: [*cs, *ce); false when it has none. */
static bool
cell(const char *t, size_t len, size_t s, size_t k, char sep, size_t *cs,
    size_t *ce)
{
	size_t e = line_end(t, len, s), i;
	bool quoted = false;

	for (i = s; i < e && k > 0; i++) {
		if (sep == ',' && t[i] == '"')
			quoted = !quoted;
		else if (t[i] == sep && !quoted)
			k--;
	}
	if (k > 0)
		return false;
	*cs = i;
	for (quoted = false; i < e; i++) {
		if (sep == ',' && t[i] == '"')
			quoted = !quoted;
		else if (t[i] == sep && !quoted)
			break;
	}
	*ce = i;
	while (*cs < *ce && (t[*cs] == ' ' || t[*cs] == '"'))
		(*cs)++;
	while (*ce > *cs &&
	    (t[*ce - 1] == ' ' || t[*ce - 1] == '"' || t[*ce - 1] == '\r'))
		(*ce)--;
	if (*ce - *cs > COLUMN_CELL_MAX)
		*ce = *cs + COLUMN_CELL_MAX;
	return *ce > *cs;
}

bool
column_header(const char *text, size_t len, size_t off,
    struct column_cache *cache, size_t *hs, size_t *he)
{
	size_t ls, le, k, block;
	char sep;

	if (text == NULL || off >= len)
		return false;
	ls = line_start(text, off);
	le = line_end(text, len, off);
	if (memchr(text + ls, '\t', le - ls) != NULL)
		sep = '\t';
	else if (count_seps(text, ls, le, ',') > 0)
		sep = ',';
	else
		return false;
	if (cache->valid && cache->sep == sep && cache->line <= ls)
		block = block_forward(text, len, cache, ls);
	else
		block = block_back(text, ls, sep);
	cache->valid = true;
	cache->sep = sep;
	cache->line = ls;
	cache->block = block;
	if (block == ls)
		return false; /* the header row itself */
	k = count_seps(text, ls, off, sep);
	return cell(text, len, block, k, sep, hs, he);
}
