/*
 * column - the header cell above a value in tabular text. See column.h.
 */
#include <stdint.h>
#include <string.h>

#include "column.h"

static size_t
line_start(const char *t, size_t off)
{
	const char *nl = off > 0 ? memrchr(t, '\n', off) : NULL;

	return nl != NULL ? (size_t)(nl - t) + 1 : 0;
}

static size_t
line_end(const char *t, size_t len, size_t off)
{
	const char *nl = memchr(t + off, '\n', len - off);

	return nl != NULL ? (size_t)(nl - t) : len;
}

/* Separators in [s, e), quotes respected for commas. */
static size_t
count_seps(const char *t, size_t s, size_t e, char sep)
{
	bool quoted = false;
	size_t n = 0;
	const char *p;

	if (sep != ',') {
		for (; s < e && (p = memchr(t + s, sep, e - s)) != NULL; n++)
			s = (size_t)(p - t) + 1;
		return n;
	}
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

/* Space-aligned tables: how many cells a header may have. */
#define SPACE_CELLS_MAX 64

/*
 * A data cell: printable ASCII only, holding a digit or '@' (a number, a
 * date, a code, an address of mail). Such a cell never holds a space, so
 * cells of this kind can be counted in a row whose other cells may.
 */
static bool
data_token(const char *t, size_t s, size_t e)
{
	bool mark = false;

	for (; s < e; s++) {
		if ((unsigned char)t[s] <= ' ' || (unsigned char)t[s] >= 0x7f)
			return false;
		if ((t[s] >= '0' && t[s] <= '9') || t[s] == '@')
			mark = true;
	}
	return mark;
}

/*
 * The space-separated tokens of [s, e): their number; *all_data says
 * whether each is a data cell; when want is a token's index, [*ts, *te)
 * is set to it.
 */
static size_t
tokens(const char *t, size_t s, size_t e, bool *all_data, size_t want,
    size_t *ts, size_t *te)
{
	size_t n = 0, b;

	*all_data = true;
	while (s < e) {
		while (s < e && t[s] == ' ')
			s++;
		if (s == e)
			break;
		b = s;
		while (s < e && t[s] != ' ')
			s++;
		if (!data_token(t, b, s))
			*all_data = false;
		if (n == want) {
			*ts = b;
			*te = s;
		}
		n++;
	}
	return n;
}

/*
 * A value [off, end) in a row of a space-separated table (the header line
 * at block). Cells may hold spaces themselves (a name, an address), so a
 * column is only known when every cell on one side of the value is a data
 * cell: counted from that side, the value's cell lines up with the
 * header's. The header has 3 or more cells and no digit (labels).
 */
static bool
space_cell(const char *t, size_t len, size_t block, size_t ls, size_t off,
    size_t end, size_t *hs, size_t *he)
{
	size_t le = line_end(t, len, ls), hle = line_end(t, len, block);
	size_t h, nl, nr, c, i, ts = 0, te = 0;
	bool hdata, ldata, rdata;

	while (le > ls && t[le - 1] == '\r')
		le--;
	while (hle > block && t[hle - 1] == '\r')
		hle--;
	if (end < off || end > le || (off > ls && t[off - 1] != ' ') ||
	    (end < le && t[end] != ' '))
		return false; /* not a whole cell */
	for (i = block; i < hle; i++)
		if (t[i] >= '0' && t[i] <= '9')
			return false;
	h = tokens(t, block, hle, &hdata, SIZE_MAX, &ts, &te);
	if (h < 3 || h > SPACE_CELLS_MAX)
		return false;
	nl = tokens(t, ls, off, &ldata, SIZE_MAX, &ts, &te);
	nr = tokens(t, end, le, &rdata, SIZE_MAX, &ts, &te);
	if (nl + nr + 1 < h)
		return false; /* a row short of cells */
	if (rdata && nr < h)
		c = h - 1 - nr;
	else if (ldata && nl < h)
		c = nl;
	else
		return false;
	if (ldata && rdata && nl != c)
		return false;
	tokens(t, block, hle, &hdata, c, &ts, &te);
	*hs = ts;
	*he = te - ts > COLUMN_CELL_MAX ? ts + COLUMN_CELL_MAX : te;
	return *he > *hs;
}

bool
column_header(const char *text, size_t len, size_t off,
    struct column_cache *cache, size_t *hs, size_t *he)
{
	return column_header_span(text, len, off, off, cache, hs, he);
}

bool
column_header_span(const char *text, size_t len, size_t off, size_t end,
    struct column_cache *cache, size_t *hs, size_t *he)
{
	size_t ls, le, k, block;
	char sep;

	if (text == NULL || off >= len)
		return false;
	if (cache->valid && cache->line <= off && off <= cache->line_e &&
	    cache->line_e <= len) {
		/* the line of the last call (a row's second value) */
		ls = cache->line;
		sep = cache->sep;
		block = cache->block;
	} else {
		ls = line_start(text, off);
		le = line_end(text, len, off);
		if (memchr(text + ls, '\t', le - ls) != NULL)
			sep = '\t';
		else if (count_seps(text, ls, le, ',') > 0)
			sep = ',';
		else if (memchr(text + ls, ' ', le - ls) != NULL)
			sep = ' ';
		else
			return false;
		if (cache->valid && cache->sep == sep && cache->line <= ls)
			block = block_forward(text, len, cache, ls);
		else
			block = block_back(text, ls, sep);
		cache->valid = true;
		cache->sep = sep;
		cache->line = ls;
		cache->line_e = le;
		cache->block = block;
	}
	if (block == ls)
		return false; /* the header row itself */
	if (sep == ' ')
		return space_cell(text, len, block, ls, off, end, hs, he);
	k = count_seps(text, ls, off, sep);
	/* the rows of a column share its header cell */
	if (!cache->cell_valid || cache->cell_block != block ||
	    cache->cell_k != k || cache->cell_sep != sep) {
		cache->cell_valid = true;
		cache->cell_sep = sep;
		cache->cell_block = block;
		cache->cell_k = k;
		cache->cell_ok = cell(
		    text, len, block, k, sep, &cache->cell_s, &cache->cell_e);
	}
	*hs = cache->cell_s;
	*he = cache->cell_e;
	return cache->cell_ok;
}
