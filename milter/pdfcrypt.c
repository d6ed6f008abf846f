/*
 * pdfcrypt - a PDF's encryption, read from the file itself (see
 * pdfcrypt.h for the contract).
 *
 * The reader is a small PDF lexer over the whole buffer: it skips values
 * token by token with a bounded nesting depth, looks keys up in
 * dictionaries without building them, and finds indirect objects by
 * searching for "N G obj" (the last definition wins, as with incremental
 * updates). Cross-reference offsets are never used to read anything: in
 * hostile or repaired files they are the first thing that lies. The only
 * offset looked at, startxref's, only chooses where to search first.
 *
 * The password checks follow ISO 32000-2, 7.6.4.3 and 7.6.4.4 (algorithms
 * 2, 2.A, 2.B, 4, 5, 6, 7, 11, 12). MD5 and the SHA-2 digests come from
 * GLib's GChecksum (GLib is already linked through poppler-glib); RC4 and
 * the AES-128 encryption that algorithm 2.B needs are written out here
 * (FIPS-197, byte-oriented: slow but only used on 4 KiB per round). The
 * file passes 1,000 lines for them: they read nothing but the dictionary
 * read above, and a module of their own would export that for one
 * caller.
 */
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "decode.h"
#include "pdfcrypt.h"

#define NOPOS	       SIZE_MAX
#define MAX_NEST       32
#define MAX_HOPS       4
#define WINDOW	       (64 * 1024)
#define MAX_DICT_BACK  64 /* "<<" tried backwards for the trailer dict */
#define MAX_FINDS      12 /* object searches per file */
#define MAX_CANDIDATES 8  /* "/Encrypt" tried per window */
#define MAX_HITS       64 /* "/Encrypt..." looked at per window */

struct pdoc {
	const unsigned char *p;
	size_t len;
	unsigned finds;	      /* find_object() searches: each is a pass */
	int64_t c_num, c_gen; /* the last one, remembered */
	size_t c_pos;
};

/* The lexer. */

static bool
is_ws(unsigned char c)
{
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' ||
	    c == ' ';
}

static bool
is_delim(unsigned char c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' ||
	    c == ']' || c == '{' || c == '}' || c == '/' || c == '%';
}

static bool
is_regular(unsigned char c)
{
	return !is_ws(c) && !is_delim(c);
}

/*
 * find: the first needle (n bytes) in [from, to), or NOPOS. memchr()
 * and memcmp() rather than memmem(): AddressSanitizer checks the whole
 * haystack on every memmem() call, which makes a loop over matches
 * quadratic in the sanitizer builds the tests run.
 */
static size_t
find(struct pdoc *d, size_t from, size_t to, const char *needle, size_t n)
{
	const unsigned char *q;

	if (to > d->len)
		to = d->len;
	while (from + n <= to) {
		q = memchr(d->p + from, needle[0], to - from - n + 1);
		if (q == NULL)
			return NOPOS;
		from = (size_t)(q - d->p);
		if (memcmp(q, needle, n) == 0)
			return from;
		from++;
	}
	return NOPOS;
}

/* skip_ws: past white space and comments. */
static size_t
skip_ws(struct pdoc *d, size_t i)
{
	while (i < d->len) {
		if (is_ws(d->p[i]))
			i++;
		else if (d->p[i] == '%')
			while (i < d->len && d->p[i] != '\r' && d->p[i] != '\n')
				i++;
		else
			break;
	}
	return i;
}

static bool
at_dict(struct pdoc *d, size_t i)
{
	return i + 1 < d->len && d->p[i] == '<' && d->p[i + 1] == '<';
}

static bool
at_dict_end(struct pdoc *d, size_t i)
{
	return i + 1 < d->len && d->p[i] == '>' && d->p[i + 1] == '>';
}

/*
 * read_name: the name at i ('/'), #xx escapes decoded, into out. A name
 * too long for out comes back empty (it matches no key of ours). Returns
 * the position after it.
 */
static size_t
read_name(struct pdoc *d, size_t i, char *out, size_t outlen)
{
	size_t n = 0;
	bool toolong = false;
	int hi, lo;
	unsigned char c;

	for (i++; i < d->len && is_regular(d->p[i]); i++) {
		c = d->p[i];
		if (c == '#' && i + 2 < d->len &&
		    (hi = decode_hexval(d->p[i + 1])) >= 0 &&
		    (lo = decode_hexval(d->p[i + 2])) >= 0) {
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (n + 1 < outlen && c != '\0')
			out[n++] = (char)c;
		else
			toolong = true;
	}
	out[toolong ? 0 : n] = '\0';
	return i;
}

/*
 * read_int: an integer (a real's fraction is dropped) at i, saturated to
 * +-(2^32 - 1) (/P may be written unsigned). Returns the position after it, or NOPOS when there is none.
 */
static size_t
read_int(struct pdoc *d, size_t i, int64_t *val)
{
	bool neg = false, digits = false;
	int64_t v = 0;

	if (i < d->len && (d->p[i] == '-' || d->p[i] == '+'))
		neg = d->p[i++] == '-';
	for (; i < d->len && d->p[i] >= '0' && d->p[i] <= '9'; i++) {
		digits = true;
		if (v <= 0xFFFFFFFF)
			v = v * 10 + (d->p[i] - '0');
	}
	if (i < d->len && d->p[i] == '.')
		for (i++; i < d->len && d->p[i] >= '0' && d->p[i] <= '9'; i++)
			digits = true;
	if (!digits || (i < d->len && is_regular(d->p[i])))
		return NOPOS;
	if (v > 0xFFFFFFFF)
		v = 0xFFFFFFFF;
	*val = neg ? -v : v;
	return i;
}

/* read_uint: non-negative digits only (object numbers). */
static size_t
read_uint(struct pdoc *d, size_t i, int64_t *val)
{
	if (i >= d->len || d->p[i] < '0' || d->p[i] > '9')
		return NOPOS;
	return read_int(d, i, val);
}

/* read_ref: "N G R" at i. Returns the position after it, or NOPOS. */
static size_t
read_ref(struct pdoc *d, size_t i, int64_t *num, int64_t *gen)
{
	size_t j;

	if ((j = read_uint(d, i, num)) == NOPOS || j >= d->len ||
	    !is_ws(d->p[j]))
		return NOPOS;
	if ((j = read_uint(d, skip_ws(d, j), gen)) == NOPOS || j >= d->len ||
	    !is_ws(d->p[j]))
		return NOPOS;
	j = skip_ws(d, j);
	if (j >= d->len || d->p[j] != 'R' ||
	    (j + 1 < d->len && is_regular(d->p[j + 1])))
		return NOPOS;
	return j + 1;
}

/*
 * skip_value: past one token or one whole dictionary, array or string
 * at i (white space already skipped). A reference is three tokens.
 * Returns NOPOS at the end of the input or past MAX_NEST.
 */
static size_t
skip_value(struct pdoc *d, size_t i, unsigned nest)
{
	unsigned paren;

	if (i >= d->len || nest > MAX_NEST)
		return NOPOS;
	switch (d->p[i]) {
	case '<':
		if (at_dict(d, i)) {
			for (i += 2;;) {
				i = skip_ws(d, i);
				if (i >= d->len)
					return NOPOS;
				if (at_dict_end(d, i))
					return i + 2;
				if ((i = skip_value(d, i, nest + 1)) == NOPOS)
					return NOPOS;
			}
		}
		while (i < d->len && d->p[i] != '>')
			i++;
		return i < d->len ? i + 1 : NOPOS;
	case '[':
		for (i++;;) {
			i = skip_ws(d, i);
			if (i >= d->len)
				return NOPOS;
			if (d->p[i] == ']')
				return i + 1;
			if ((i = skip_value(d, i, nest + 1)) == NOPOS)
				return NOPOS;
		}
	case '(':
		for (paren = 1, i++; i < d->len; i++) {
			if (d->p[i] == '\\')
				i++;
			else if (d->p[i] == '(')
				paren++;
			else if (d->p[i] == ')' && --paren == 0)
				return i + 1;
		}
		return NOPOS;
	case '/':
		for (i++; i < d->len && is_regular(d->p[i]); i++)
			;
		return i;
	default:
		if (!is_regular(d->p[i]))
			return i + 1; /* a stray ) > ] { }: one byte */
		while (i < d->len && is_regular(d->p[i]))
			i++;
		return i;
	}
}

/* put: one decoded string byte (kept when it fits; always counted). */
static void
put(unsigned char *out, size_t max, size_t *n, int b)
{
	if (*n < max)
		out[*n] = (unsigned char)b;
	(*n)++;
}

/* read_hex: the hex string at i ('<'); see read_string(). */
static size_t
read_hex(
    struct pdoc *d, size_t i, unsigned char *out, size_t max, size_t *total)
{
	size_t n = 0;
	int c, h = -1;

	for (i++; i < d->len && d->p[i] != '>'; i++) {
		if ((c = decode_hexval(d->p[i])) < 0)
			continue; /* white space, or junk */
		if (h < 0)
			h = c;
		else {
			put(out, max, &n, h << 4 | c);
			h = -1;
		}
	}
	if (i >= d->len)
		return NOPOS;
	if (h >= 0)
		put(out, max, &n, h << 4); /* an odd last digit */
	*total = n;
	return i + 1;
}

/* escape: the byte a backslash escape at i stands for (-1: nothing). */
static int
escape(struct pdoc *d, size_t *ip)
{
	static const char from[] = "nrtbf", to[] = "\n\r\t\b\f";
	const char *e;
	size_t i = *ip;
	int c = d->p[i], k;

	if (c != '\0' && (e = strchr(from, c)) != NULL)
		return to[e - from];
	if (c == '\r' || c == '\n') {
		/* a continued line */
		if (c == '\r' && i + 1 < d->len && d->p[i + 1] == '\n')
			(*ip)++;
		return -1;
	}
	if (c >= '0' && c <= '7') {
		c -= '0';
		for (k = 1; k < 3 && i + 1 < d->len && d->p[i + 1] >= '0' &&
		     d->p[i + 1] <= '7';
		     k++)
			c = c * 8 + (d->p[++i] - '0');
		*ip = i;
		return c & 0xFF;
	}
	return c; /* \( \) \\, and unknown escapes: the character */
}

/*
 * read_string: a literal or hex string at i into out (at most max bytes
 * kept, *total gets the full decoded length). Returns the position after
 * it, or NOPOS when there is no string.
 */
static size_t
read_string(
    struct pdoc *d, size_t i, unsigned char *out, size_t max, size_t *total)
{
	size_t n = 0;
	unsigned paren = 1;
	int c;

	if (i >= d->len)
		return NOPOS;
	if (d->p[i] == '<' && !at_dict(d, i))
		return read_hex(d, i, out, max, total);
	if (d->p[i] != '(')
		return NOPOS;
	for (i++; i < d->len; i++) {
		c = d->p[i];
		if (c == '(')
			paren++;
		else if (c == ')' && --paren == 0) {
			*total = n;
			return i + 1;
		} else if (c == '\r') {
			/* an end of line in a string is a line feed */
			if (i + 1 < d->len && d->p[i + 1] == '\n')
				i++;
			c = '\n';
		} else if (c == '\\') {
			if (++i >= d->len)
				break;
			if ((c = escape(d, &i)) < 0)
				continue;
		}
		put(out, max, &n, c);
	}
	return NOPOS;
}

/*
 * dict_lookup: the value of /key in the dictionary at i ("<<"), white
 * space skipped. Returns its position, or NOPOS when the key is absent
 * or the dictionary unreadable.
 */
static size_t
dict_lookup(struct pdoc *d, size_t i, const char *key)
{
	char name[PDFCRYPT_NAME_MAX];

	if (!at_dict(d, i))
		return NOPOS;
	for (i += 2;;) {
		i = skip_ws(d, i);
		if (i >= d->len || at_dict_end(d, i))
			return NOPOS;
		if (d->p[i] != '/') {
			/* junk, or the rest of a value such as "0 R" */
			if ((i = skip_value(d, i, 1)) == NOPOS)
				return NOPOS;
			continue;
		}
		i = skip_ws(d, read_name(d, i, name, sizeof(name)));
		if (strcmp(name, key) == 0)
			return i;
		if (i >= d->len || at_dict_end(d, i))
			return NOPOS;
		if ((i = skip_value(d, i, 1)) == NOPOS)
			return NOPOS;
	}
}

/*
 * find_object: the position just after "num gen obj" (its last
 * definition in the file), or NOPOS.
 */
static size_t
find_object(struct pdoc *d, int64_t num, int64_t gen)
{
	size_t at, j, best = NOPOS, k;
	int64_t v[2];
	int t;

	if (num == d->c_num && gen == d->c_gen)
		return d->c_pos;
	if (d->finds >= MAX_FINDS)
		return NOPOS;
	d->finds++;
	for (at = find(d, 0, d->len, "obj", 3); at != NOPOS;
	     at = find(d, at + 3, d->len, "obj", 3)) {
		if (at + 3 < d->len && is_regular(d->p[at + 3]))
			continue;
		/* backwards: white space, generation, white space, number */
		for (j = at, t = 0; t < 2; t++) {
			if (j == 0 || !is_ws(d->p[j - 1]))
				break;
			while (j > 0 && is_ws(d->p[j - 1]))
				j--;
			for (k = 0; j > 0 && k < 11 && d->p[j - 1] >= '0' &&
			     d->p[j - 1] <= '9';
			     k++)
				j--;
			if (k == 0 || k > 10 || read_uint(d, j, &v[t]) == NOPOS)
				break;
		}
		if (t == 2 && v[1] == num && v[0] == gen &&
		    (j == 0 || !is_regular(d->p[j - 1])))
			best = at + 3;
	}
	d->c_num = num;
	d->c_gen = gen;
	d->c_pos = best;
	return best;
}

/*
 * resolve: the value at i, following indirect references (at most
 * MAX_HOPS). Returns the position of the direct value, or NOPOS.
 */
static size_t
resolve(struct pdoc *d, size_t i)
{
	int64_t num, gen;
	unsigned hops;

	if (i == NOPOS)
		return NOPOS;
	for (hops = 0; hops <= MAX_HOPS; hops++) {
		i = skip_ws(d, i);
		if (read_ref(d, i, &num, &gen) == NOPOS)
			return i;
		if ((i = find_object(d, num, gen)) == NOPOS)
			return NOPOS;
	}
	return NOPOS;
}

/* lookup: dict_lookup() then resolve(). */
static size_t
lookup(struct pdoc *d, size_t dict, const char *key)
{
	if (dict == NOPOS)
		return NOPOS;
	return resolve(d, dict_lookup(d, dict, key));
}

static bool
lookup_name(
    struct pdoc *d, size_t dict, const char *key, char *out, size_t outlen)
{
	size_t i = lookup(d, dict, key);

	if (i == NOPOS || i >= d->len || d->p[i] != '/')
		return false;
	read_name(d, i, out, outlen);
	return true;
}

static bool
lookup_int(struct pdoc *d, size_t dict, const char *key, int64_t *val)
{
	size_t i = lookup(d, dict, key);

	return i != NOPOS && read_int(d, i, val) != NOPOS;
}

/* Finding the encryption dictionary. */

/*
 * encrypt_value: whether the "/Encrypt" at k is a key whose value is (or
 * names) a dictionary with /Filter; *dict gets that dictionary.
 */
static bool
encrypt_value(struct pdoc *d, size_t k, size_t *dict)
{
	size_t i = k + 8;

	if (i < d->len && is_regular(d->p[i]))
		return false; /* /EncryptMetadata and the like */
	i = resolve(d, i);
	if (i == NOPOS || !at_dict(d, i) ||
	    dict_lookup(d, i, "Filter") == NOPOS)
		return false;
	*dict = i;
	return true;
}

/*
 * enclosing_dict: the dictionary (trailer or cross-reference stream)
 * whose /Encrypt key is at k: the nearest "<<" before k from which a
 * lookup of /Encrypt lands on k's value. NOPOS when none does.
 */
static size_t
enclosing_dict(struct pdoc *d, size_t k)
{
	size_t i, want = skip_ws(d, k + 8), lo;
	unsigned tries = 0;
	/* a wrong "<<" must not parse on to the end of the file: the
	   right one reaches want without looking past it */
	struct pdoc v = { d->p, want < d->len ? want + 1 : d->len, MAX_FINDS,
		-1, -1, NOPOS };

	lo = k > WINDOW ? k - WINDOW : 0;
	for (i = k; i > lo && tries < MAX_DICT_BACK; i--) {
		if (!at_dict(&v, i - 1))
			continue;
		tries++;
		if (dict_lookup(&v, i - 1, "Encrypt") == want)
			return i - 1;
	}
	return NOPOS;
}

/*
 * find_encrypt: the last (or, when first is set, the first) usable
 * "/Encrypt" in [lo, hi). Returns its position or NOPOS; *dict gets the
 * encryption dictionary.
 */
static size_t
find_encrypt(struct pdoc *d, size_t lo, size_t hi, bool first, size_t *dict)
{
	size_t at, found = NOPOS, cand;
	unsigned hits = 0, tries = 0;

	for (at = find(d, lo, hi, "/Encrypt", 8);
	     at != NOPOS && hits < MAX_HITS && tries < MAX_CANDIDATES;
	     at = find(d, at + 8, hi, "/Encrypt", 8)) {
		hits++;
		if (at + 8 < d->len && is_regular(d->p[at + 8]))
			continue; /* /EncryptMetadata */
		tries++;
		if (encrypt_value(d, at, &cand)) {
			found = at;
			*dict = cand;
			if (first)
				break;
		}
	}
	return found;
}

/* startxref_at: where startxref points, or NOPOS. */
static size_t
startxref_at(struct pdoc *d)
{
	size_t lo = d->len > 1024 ? d->len - 1024 : 0, i, last = NOPOS;
	int64_t off;

	for (i = find(d, lo, d->len, "startxref", 9); i != NOPOS;
	     i = find(d, i + 9, d->len, "startxref", 9))
		last = i;
	if (last == NOPOS)
		return NOPOS;
	i = skip_ws(d, last + 9);
	if (read_uint(d, i, &off) == NOPOS || (uint64_t)off >= d->len)
		return NOPOS;
	return (size_t)off;
}

static void
read_filter(struct pdoc *d, size_t cf, const char *key, size_t encdict,
    struct pdfcrypt_filter *f, const char *dflt)
{
	size_t fd;
	int64_t bits;

	if (!lookup_name(d, encdict, key, f->name, sizeof(f->name)))
		g_strlcpy(f->name, dflt, sizeof(f->name));
	if (cf == NOPOS || strcmp(f->name, "Identity") == 0)
		return;
	if ((fd = lookup(d, cf, f->name)) == NOPOS || !at_dict(d, fd))
		return;
	if (!lookup_name(d, fd, "CFM", f->cfm, sizeof(f->cfm)))
		g_strlcpy(f->cfm, "None", sizeof(f->cfm));
	if (lookup_int(d, fd, "Length", &bits) && bits > 0 && bits <= 4096)
		/* meant to be bits, written in bytes by Acrobat */
		f->bits = (int)(bits < 40 ? bits * 8 : bits);
}

static void
read_dict(struct pdoc *d, size_t ed, size_t trailer, struct pdfcrypt *pc)
{
	size_t i, cf, total;
	int64_t val;

	lookup_name(d, ed, "Filter", pc->filter, sizeof(pc->filter));
	if (lookup_int(d, ed, "V", &val) && val > 0 && val < 100)
		pc->v = (int)val;
	if (lookup_int(d, ed, "R", &val) && val > 0 && val < 100)
		pc->r = (int)val;
	if (lookup_int(d, ed, "Length", &val) && val > 0 && val <= 4096)
		pc->length = (int)val;
	if (lookup_int(d, ed, "P", &val))
		pc->p = (int32_t)(uint32_t)val;
	i = lookup(d, ed, "EncryptMetadata");
	pc->encrypt_metadata = !(
	    i != NOPOS && i + 5 <= d->len && memcmp(d->p + i, "false", 5) == 0);
	if ((i = lookup(d, ed, "O")) != NOPOS &&
	    read_string(d, i, pc->o, sizeof(pc->o), &total) != NOPOS)
		pc->o_len = total < sizeof(pc->o) ? total : sizeof(pc->o);
	if ((i = lookup(d, ed, "U")) != NOPOS &&
	    read_string(d, i, pc->u, sizeof(pc->u), &total) != NOPOS)
		pc->u_len = total < sizeof(pc->u) ? total : sizeof(pc->u);
	cf = lookup(d, ed, "CF");
	if (cf != NOPOS && !at_dict(d, cf))
		cf = NOPOS;
	read_filter(d, cf, "StmF", ed, &pc->stmf, "Identity");
	read_filter(d, cf, "StrF", ed, &pc->strf, "Identity");
	read_filter(d, cf, "EFF", ed, &pc->eff, pc->stmf.name);
	if ((i = lookup(d, trailer, "ID")) != NOPOS && i < d->len &&
	    d->p[i] == '[' &&
	    read_string(d, skip_ws(d, i + 1), pc->id, sizeof(pc->id), &total) !=
		NOPOS &&
	    total <= sizeof(pc->id)) {
		pc->id_len = total;
		pc->has_id = true;
	}
}

int
pdfcrypt_read(const void *data, size_t len, struct pdfcrypt *pc)
{
	struct pdoc d = { data, len, 0, -1, -1, NOPOS };
	size_t k, ed = NOPOS, x;

	memset(pc, 0, sizeof(*pc));
	pc->encrypt_metadata = true;
	if (data == NULL || len == 0)
		return PDFCRYPT_NONE;
	/* the last trailer; the section startxref names; a linearized
	   file's first-page trailer; anywhere */
	k = find_encrypt(&d, len > WINDOW ? len - WINDOW : 0, len, false, &ed);
	if (k == NOPOS && (x = startxref_at(&d)) != NOPOS)
		k = find_encrypt(&d, x, x + WINDOW, true, &ed);
	if (k == NOPOS)
		k = find_encrypt(&d, 0, WINDOW, true, &ed);
	if (k == NOPOS && len > 2 * WINDOW)
		k = find_encrypt(&d, 0, len, false, &ed);
	if (k == NOPOS)
		return PDFCRYPT_NONE;
	read_dict(&d, ed, enclosing_dict(&d, k), pc);
	return PDFCRYPT_FOUND;
}

/* Naming the method. */

static const char *
filter_method(
    const struct pdfcrypt *pc, const struct pdfcrypt_filter *f, bool *weak)
{
	int bits;

	if (strcmp(f->cfm, "AESV3") == 0)
		return "pdf-aes-256";
	if (strcmp(f->cfm, "AESV2") == 0)
		return "pdf-aes-128";
	if (strcmp(f->cfm, "V2") == 0) {
		bits = f->bits > 0   ? f->bits
		    : pc->length > 0 ? pc->length
				     : 128;
		if (bits < 128) {
			*weak = true;
			return "pdf-rc4-40";
		}
		return "pdf-rc4-128";
	}
	return NULL;
}

static bool
is_identity(const struct pdfcrypt_filter *f)
{
	return strcmp(f->name, "Identity") == 0 || strcmp(f->cfm, "None") == 0;
}

const char *
pdfcrypt_method(const struct pdfcrypt *pc, bool *weak)
{
	const char *m = NULL;
	bool w = false;

	if (pc->v == 5 || pc->r == 5 || pc->r == 6)
		m = "pdf-aes-256";
	else if (pc->v == 4) {
		if (!is_identity(&pc->stmf))
			m = filter_method(pc, &pc->stmf, &w);
		else if (!is_identity(&pc->strf))
			m = filter_method(pc, &pc->strf, &w);
		else
			m = filter_method(pc, &pc->eff, &w);
	} else if (pc->v == 1 || pc->r == 2 ||
	    ((pc->v == 2 || pc->v == 3) && pc->length < 128)) {
		/* /Length defaults to 40; anything under 128 bits is
		   within reach of a brute force */
		m = "pdf-rc4-40";
		w = true;
	} else if (pc->v == 2 || pc->v == 3)
		m = "pdf-rc4-128";
	if (m == NULL) {
		m = "pdf-unknown";
		w = false;
	}
	if (weak != NULL)
		*weak = w;
	return m;
}

bool
pdfcrypt_eff_only(const struct pdfcrypt *pc)
{
	return pc->v >= 4 && is_identity(&pc->stmf) && is_identity(&pc->strf) &&
	    !is_identity(&pc->eff);
}

/* The password checks, with the empty password. */

static const unsigned char pw_pad[32] = { 0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75,
	0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08, 0x2E, 0x2E,
	0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53,
	0x69, 0x7A };

/* rc4: data (n bytes) in place with key (klen bytes). */
static void
rc4(const unsigned char *key, size_t klen, unsigned char *data, size_t n)
{
	unsigned char s[256], t;
	unsigned i, j;
	size_t k;

	for (i = 0; i < 256; i++)
		s[i] = (unsigned char)i;
	for (i = j = 0; i < 256; i++) {
		j = (j + s[i] + key[i % klen]) & 0xFF;
		t = s[i];
		s[i] = s[j];
		s[j] = t;
	}
	for (i = j = 0, k = 0; k < n; k++) {
		i = (i + 1) & 0xFF;
		j = (j + s[i]) & 0xFF;
		t = s[i];
		s[i] = s[j];
		s[j] = t;
		data[k] ^= s[(s[i] + s[j]) & 0xFF];
	}
	explicit_bzero(s, sizeof(s));
}

/*
 * digest: the hash of up to three pieces into out (which has room for
 * 64 bytes). Returns the digest length, or 0 on failure.
 */
static size_t
digest(GChecksumType type, const void *a, size_t alen, const void *b,
    size_t blen, const void *c, size_t clen, unsigned char *out)
{
	GChecksum *cs;
	gsize n = 64;

	if ((cs = g_checksum_new(type)) == NULL)
		return 0;
	if (alen > 0)
		g_checksum_update(cs, a, (gssize)alen);
	if (blen > 0)
		g_checksum_update(cs, b, (gssize)blen);
	if (clen > 0)
		g_checksum_update(cs, c, (gssize)clen);
	g_checksum_get_digest(cs, out, &n);
	g_checksum_free(cs);
	return n;
}

/*
 * file_key: algorithm 2: the file key (n bytes, n <= 16) for a padded
 * user password pw32.
 */
static bool
file_key(const struct pdfcrypt *pc, const unsigned char *pw32, size_t n,
    unsigned char *key)
{
	static const unsigned char ff[4] = { 0xFF, 0xFF, 0xFF, 0xFF };
	unsigned char h[64], p4[4];
	GChecksum *cs;
	gsize hl = sizeof(h);
	int i;

	if ((cs = g_checksum_new(G_CHECKSUM_MD5)) == NULL)
		return false;
	p4[0] = (unsigned char)((uint32_t)pc->p & 0xFF);
	p4[1] = (unsigned char)((uint32_t)pc->p >> 8 & 0xFF);
	p4[2] = (unsigned char)((uint32_t)pc->p >> 16 & 0xFF);
	p4[3] = (unsigned char)((uint32_t)pc->p >> 24 & 0xFF);
	g_checksum_update(cs, pw32, 32);
	g_checksum_update(cs, pc->o, 32);
	g_checksum_update(cs, p4, 4);
	if (pc->id_len > 0)
		g_checksum_update(cs, pc->id, (gssize)pc->id_len);
	if (pc->r >= 4 && !pc->encrypt_metadata)
		g_checksum_update(cs, ff, 4);
	g_checksum_get_digest(cs, h, &hl);
	g_checksum_free(cs);
	if (pc->r >= 3)
		for (i = 0; i < 50; i++)
			if (digest(G_CHECKSUM_MD5, h, n, NULL, 0, NULL, 0, h) ==
			    0)
				return false;
	memcpy(key, h, n);
	explicit_bzero(h, sizeof(h));
	return true;
}

/* user_ok: algorithms 4 and 5: does padded password pw32 open it? */
static bool
user_ok(const struct pdfcrypt *pc, const unsigned char *pw32, size_t n)
{
	unsigned char key[16], k2[16], x[64];
	size_t j;
	int i;
	bool ok;

	if (!file_key(pc, pw32, n, key))
		return false;
	if (pc->r == 2) {
		memcpy(x, pw_pad, 32);
		rc4(key, n, x, 32);
		ok = memcmp(x, pc->u, 32) == 0;
	} else {
		if (digest(G_CHECKSUM_MD5, pw_pad, 32, pc->id, pc->id_len, NULL,
			0, x) == 0)
			return false;
		for (i = 0; i < 20; i++) {
			for (j = 0; j < n; j++)
				k2[j] = (unsigned char)(key[j] ^ i);
			rc4(k2, n, x, 16);
		}
		ok = memcmp(x, pc->u, 16) == 0;
	}
	explicit_bzero(key, sizeof(key));
	explicit_bzero(k2, sizeof(k2));
	return ok;
}

/*
 * owner_user_pw: algorithm 7: the padded user password recovered from
 * /O with the empty owner password, into pw32.
 */
static bool
owner_user_pw(const struct pdfcrypt *pc, size_t n, unsigned char *pw32)
{
	unsigned char h[64], k2[16];
	size_t j;
	int i;

	if (digest(G_CHECKSUM_MD5, pw_pad, 32, NULL, 0, NULL, 0, h) == 0)
		return false;
	if (pc->r >= 3)
		for (i = 0; i < 50; i++)
			if (digest(G_CHECKSUM_MD5, h, 16, NULL, 0, NULL, 0,
				h) == 0)
				return false;
	memcpy(pw32, pc->o, 32);
	if (pc->r == 2)
		rc4(h, n, pw32, 32);
	else
		for (i = 19; i >= 0; i--) {
			for (j = 0; j < n; j++)
				k2[j] = (unsigned char)(h[j] ^ i);
			rc4(k2, n, pw32, 32);
		}
	explicit_bzero(h, sizeof(h));
	return true;
}

/* Revisions 2 to 4: try the key lengths a writer may have meant. */
static int
check_rc4_md5(const struct pdfcrypt *pc)
{
	size_t lens[3], nl = 0, i;
	unsigned char pw32[32];
	int bits;
	bool opens = false;

	if (pc->o_len < 32 || pc->u_len < 32)
		return PDFCRYPT_PW_UNKNOWN;
	if (pc->r == 2)
		lens[nl++] = 5;
	else {
		bits = pc->stmf.bits > 0 ? pc->stmf.bits : pc->length;
		if (bits >= 40 && bits <= 128 && bits % 8 == 0)
			lens[nl++] = (size_t)bits / 8;
		lens[nl++] = 16;
		lens[nl++] = 5;
	}
	for (i = 0; i < nl && !opens; i++) {
		if (user_ok(pc, pw_pad, lens[i]))
			opens = true;
		else if (owner_user_pw(pc, lens[i], pw32) &&
		    user_ok(pc, pw32, lens[i]))
			opens = true;
	}
	explicit_bzero(pw32, sizeof(pw32));
	return opens ? PDFCRYPT_PW_OPENS : PDFCRYPT_PW_NEEDED;
}

/* AES-128 encryption (FIPS-197), for algorithm 2.B only. */

static const unsigned char sbox[256] = { 0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b,
	0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76, 0xca, 0x82,
	0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4,
	0x72, 0xc0, 0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5,
	0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15, 0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96,
	0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75, 0x09, 0x83,
	0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3,
	0x2f, 0x84, 0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb,
	0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf, 0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d,
	0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8, 0x51, 0xa3,
	0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff,
	0xf3, 0xd2, 0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7,
	0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73, 0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a,
	0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb, 0xe0, 0x32,
	0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95,
	0xe4, 0x79, 0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56,
	0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08, 0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6,
	0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a, 0x70, 0x3e,
	0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1,
	0x1d, 0x9e, 0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e,
	0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf, 0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6,
	0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16 };

static void
aes128_expand(const unsigned char key[16], unsigned char rk[176])
{
	static const unsigned char rcon[10] = { 0x01, 0x02, 0x04, 0x08, 0x10,
		0x20, 0x40, 0x80, 0x1b, 0x36 };
	unsigned char t[4], u;
	unsigned i, j;

	memcpy(rk, key, 16);
	for (i = 16; i < 176; i += 4) {
		memcpy(t, rk + i - 4, 4);
		if (i % 16 == 0) {
			u = t[0];
			t[0] = (unsigned char)(sbox[t[1]] ^ rcon[i / 16 - 1]);
			t[1] = sbox[t[2]];
			t[2] = sbox[t[3]];
			t[3] = sbox[u];
		}
		for (j = 0; j < 4; j++)
			rk[i + j] = (unsigned char)(rk[i - 16 + j] ^ t[j]);
	}
}

static unsigned char
xtime(unsigned char b)
{
	return (unsigned char)((b << 1) ^ ((b & 0x80) ? 0x1b : 0));
}

static void
aes128_block(const unsigned char rk[176], unsigned char s[16])
{
	unsigned char t[16], a0, a1, a2, a3, all;
	unsigned r, c, i;

	for (i = 0; i < 16; i++)
		s[i] ^= rk[i];
	for (r = 1; r <= 10; r++) {
		/* SubBytes and ShiftRows; the state is column-major */
		for (c = 0; c < 4; c++)
			for (i = 0; i < 4; i++)
				t[i + 4 * c] = sbox[s[i + 4 * ((c + i) % 4)]];
		if (r < 10)
			for (c = 0; c < 4; c++) {
				a0 = t[4 * c];
				a1 = t[4 * c + 1];
				a2 = t[4 * c + 2];
				a3 = t[4 * c + 3];
				all = (unsigned char)(a0 ^ a1 ^ a2 ^ a3);
				t[4 * c] ^=
				    (unsigned char)(all ^ xtime(a0 ^ a1));
				t[4 * c + 1] ^=
				    (unsigned char)(all ^ xtime(a1 ^ a2));
				t[4 * c + 2] ^=
				    (unsigned char)(all ^ xtime(a2 ^ a3));
				t[4 * c + 3] ^=
				    (unsigned char)(all ^ xtime(a3 ^ a0));
			}
		for (i = 0; i < 16; i++)
			s[i] = (unsigned char)(t[i] ^ rk[16 * r + i]);
	}
}

/*
 * hash_2b: algorithm 2.B with the empty password, a salt (8 bytes) and
 * udata (0 or 48 bytes): the first 32 bytes of the result into out.
 */
static bool
hash_2b(const unsigned char *salt, const unsigned char *udata, size_t ulen,
    unsigned char out[32])
{
	static const GChecksumType sha[3] = { G_CHECKSUM_SHA256,
		G_CHECKSUM_SHA384, G_CHECKSUM_SHA512 };
	unsigned char k[64], rk[176], e[64 * (64 + PDFCRYPT_KEY_MAX)];
	unsigned char iv[16];
	size_t klen, seq, elen = 0, b, j;
	unsigned round, sum;
	bool ok = false;

	if ((klen = digest(
		 G_CHECKSUM_SHA256, salt, 8, udata, ulen, NULL, 0, k)) != 32)
		goto out;
	for (round = 0; round < 64 || e[elen - 1] > round - 32; round++) {
		if (round > 300)
			goto out; /* cannot happen: e[] <= 255 */
		seq = klen + ulen;
		for (j = 0; j < 64; j++) {
			memcpy(e + j * seq, k, klen);
			if (ulen > 0)
				memcpy(e + j * seq + klen, udata, ulen);
		}
		elen = 64 * seq;
		aes128_expand(k, rk);
		memcpy(iv, k + 16, 16);
		for (b = 0; b < elen; b += 16) {
			for (j = 0; j < 16; j++)
				e[b + j] ^= b == 0 ? iv[j] : e[b - 16 + j];
			aes128_block(rk, e + b);
		}
		for (sum = 0, j = 0; j < 16; j++)
			sum += e[j];
		if ((klen = digest(
			 sha[sum % 3], e, elen, NULL, 0, NULL, 0, k)) == 0)
			goto out;
	}
	memcpy(out, k, 32);
	ok = true;
out:
	explicit_bzero(k, sizeof(k));
	explicit_bzero(rk, sizeof(rk));
	return ok;
}

/* Revisions 5 and 6: algorithms 11 and 12 with the empty password. */
static int
check_aes256(const struct pdfcrypt *pc)
{
	unsigned char h[64];
	bool opens;

	if (pc->o_len < 48 || pc->u_len < 48)
		return PDFCRYPT_PW_UNKNOWN;
	if (pc->r == 5) {
		if (digest(G_CHECKSUM_SHA256, pc->u + 32, 8, NULL, 0, NULL, 0,
			h) != 32)
			return PDFCRYPT_PW_UNKNOWN;
		opens = memcmp(h, pc->u, 32) == 0;
		if (!opens) {
			if (digest(G_CHECKSUM_SHA256, pc->o + 32, 8, pc->u, 48,
				NULL, 0, h) != 32)
				return PDFCRYPT_PW_UNKNOWN;
			opens = memcmp(h, pc->o, 32) == 0;
		}
	} else {
		if (!hash_2b(pc->u + 32, NULL, 0, h))
			return PDFCRYPT_PW_UNKNOWN;
		opens = memcmp(h, pc->u, 32) == 0;
		if (!opens) {
			if (!hash_2b(pc->o + 32, pc->u, 48, h))
				return PDFCRYPT_PW_UNKNOWN;
			opens = memcmp(h, pc->o, 32) == 0;
		}
	}
	return opens ? PDFCRYPT_PW_OPENS : PDFCRYPT_PW_NEEDED;
}

int
pdfcrypt_empty_password(const struct pdfcrypt *pc)
{
	if (strcmp(pc->filter, "Standard") != 0)
		return PDFCRYPT_PW_UNKNOWN;
	if (pc->r >= 2 && pc->r <= 4)
		return check_rc4_md5(pc);
	if (pc->r == 5 || pc->r == 6)
		return check_aes256(pc);
	return PDFCRYPT_PW_UNKNOWN;
}
