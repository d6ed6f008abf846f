/*
 * normalize - make text simple for the rules.
 *
 * What it does, in one pass over the input with bounded memory:
 *   1. decode UTF-8; every byte that starts no well-formed sequence becomes
 *      U+FFFD (utf8proc refuses ill-formed input as a whole; a DLP must
 *      read the rest); NUL becomes a space; CR LF, CR, NEL, U+2028 and
 *      U+2029 become '\n';
 *   2. NFKC with utf8proc (COMPAT | COMPOSE | STABLE), plus IGNORE, which
 *      drops default-ignorable code points (soft hyphen, zero-width space
 *      and joiners, BOM, variation selectors): they are invisible, and
 *      "1234<U+200B>5678" must read as "12345678";
 *   3. a dash-like character (normalize.h lists them) between two ASCII
 *      digits becomes '-'.
 *
 * How memory stays bounded: the decoded text is cut into chunks of about
 * CHUNK bytes, each normalised on its own. A chunk ends only before a
 * character that nothing before it can compose or reorder with (ASCII,
 * kana, CJK ideographs, or one that decomposes to such a character first:
 * full-width and half-width forms, squares, circled digits), so chunking
 * does not change the result; text with none of those for CHUNK bytes
 * (long runs of Indic or Thai script without spaces) is cut at twice
 * CHUNK, where a composition across the cut may be missed.
 * The dash rule carries its state from chunk to chunk. utf8proc orders
 * combining marks with a quadratic sort, so runs of more than
 * MAX_NONSTARTERS combining marks (UAX #15's stream-safe limit) are cut:
 * no real text has them, "Zalgo" text and attacks do.
 *
 * The fast path: most Japanese mail is ASCII, kana, CJK ideographs and a
 * little CJK punctuation, all of which NFKC leaves as they are, none of
 * which composes with anything before it, and none of which is a
 * combining mark. Such a character goes straight to the output, without
 * utf8proc, when the character after it is one of them too (or the text
 * ends): then nothing can compose with it either (か before a combining
 * or half-width sound mark must go through utf8proc, and does). The
 * result is the same as through utf8proc, only faster.
 *
 * What it does not do: case folding, width folding beyond NFKC, removing
 * spaces between digits, or anything language-specific.
 *
 * Thread-safe; no state between calls.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "ascii.h"
#include "normalize.h"

#define CHUNK		4096
#define CHUNK_HARD	(2 * CHUNK)
#define MAX_NONSTARTERS 30
#define DECOMP_MAX	32 /* longest decomposition is 18 */

#define NFKC_OPTS \
	(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE)

/* Output with the dash rule: a dash after a digit waits for what follows. */
struct fold {
	struct buf *out;
	int rc;
	bool digit;	       /* the last character out was an ASCII digit */
	unsigned char dash[4]; /* a dash that follows a digit, held */
	size_t ndash;
};

#define SMALL_CP 512 /* work area entries without a heap allocation */

struct norm {
	unsigned char chunk[CHUNK_HARD + 8]; /* decoded, not yet NFKC */
	size_t nchunk;
	utf8proc_int32_t *cp; /* utf8proc's work area: small, or the heap */
	size_t cpcap;	      /* entries */
	utf8proc_int32_t small[SMALL_CP];
	unsigned nonstarters; /* combining marks in a row */
	struct fold f;
};

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Whether one of the 8 bytes of w is zero. */
static bool
has_zero_byte(uint64_t w)
{
	return ((w - ONES) & ~w & HIGHS) != 0;
}

/*
 * plain_ascii: how many bytes from p (n > 0 of them, p[0] ASCII and not
 * CR or NUL) are ASCII other than CR and NUL, 8 at a time.
 */
static size_t
plain_ascii(const unsigned char *p, size_t n)
{
	size_t i = 1;
	uint64_t w;

	while (n - i >= 8) {
		memcpy(&w, p + i, 8);
		if ((w & HIGHS) || has_zero_byte(w) ||
		    has_zero_byte(w ^ (ONES * '\r')))
			break;
		i += 8;
	}
	while (i < n && p[i] < 0x80 && p[i] != '\r' && p[i] != '\0')
		i++;
	return i;
}

/* put: append, or as much as fits without cutting a UTF-8 sequence. */
static void
put(struct fold *f, const unsigned char *p, size_t n)
{
	size_t room, cut;
	int rc;

	if (f->rc != BUF_OK || n == 0)
		return;
	room = f->out->max - f->out->len;
	if (n <= room) {
		f->rc = buf_append(f->out, p, n);
		return;
	}
	cut = room;
	while (cut > 0 && (p[cut] & 0xC0) == 0x80)
		cut--;
	rc = cut > 0 ? buf_append(f->out, p, cut) : BUF_OK;
	f->rc = rc == BUF_OK ? BUF_EFULL : rc;
}

static bool
is_dash(utf8proc_int32_t c)
{
	return (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFE58 ||
	    c == 0xFE63 || c == 0xFF0D || c == 0x30FC || c == 0xFF70 ||
	    c == 0x2043 || c == 0x02D7;
}

/* fold_release: the held dash, as '-' when a digit follows, else as is. */
static void
fold_release(struct fold *f, bool digit_follows)
{
	if (f->ndash == 0)
		return;
	if (digit_follows)
		put(f, (const unsigned char *)"-", 1);
	else
		put(f, f->dash, f->ndash);
	f->ndash = 0;
}

/* fold_text: n bytes of well-formed, normalised UTF-8 to the output. */
static void
fold_text(struct fold *f, const unsigned char *p, size_t n)
{
	size_t i = 0, run = 0;
	utf8proc_ssize_t l;
	utf8proc_int32_t c;

	while (i < n && f->rc == BUF_OK) {
		if (p[i] < 0x80) {
			if (f->ndash > 0)
				fold_release(f, p[i] >= '0' && p[i] <= '9');
			/* nothing held: an ASCII run only says whether the
			   last character out is a digit */
			i += ascii_run(p + i, n - i);
			f->digit = p[i - 1] >= '0' && p[i - 1] <= '9';
			continue;
		}
		/* not after a digit, nothing held: only the length matters
		   (the text is well-formed) */
		if (!f->digit && f->ndash == 0) {
			i += p[i] < 0xE0 ? 2 : p[i] < 0xF0 ? 3 : 4;
			continue;
		}
		if ((l = utf8proc_iterate(
			 p + i, (utf8proc_ssize_t)(n - i), &c)) <= 0)
			l = 1; /* cannot happen: utf8proc wrote it */
		fold_release(f, false);
		if (f->digit && l <= 4 && is_dash(c)) {
			put(f, p + run, i - run);
			memcpy(f->dash, p + i, (size_t)l);
			f->ndash = (size_t)l;
			run = i + (size_t)l;
		}
		f->digit = false;
		i += (size_t)l;
	}
	if (i > n) /* cannot happen: the text is well-formed */
		i = n;
	put(f, p + run, i - run);
}

static size_t fast_prefix(const unsigned char *p, size_t n, size_t *lastp);

/*
 * flush: NFKC of the chunk to the output. The work area grows to what
 * utf8proc asks for (at most DECOMP_MAX code points per byte of the
 * chunk, so bounded).
 */
static int
flush(struct norm *z)
{
	utf8proc_ssize_t n, r;
	utf8proc_int32_t *p;
	size_t need;

	if (z->nchunk == 0)
		return BUF_OK;
	if (fast_prefix(z->chunk, z->nchunk, &need) == z->nchunk) {
		/* fast_set characters only (a digit and the '\n' of a CR
		   LF, say): NFKC leaves them as they are, and none composes
		   with another */
		fold_text(&z->f, z->chunk, z->nchunk);
		explicit_bzero(z->chunk, z->nchunk);
		z->nchunk = 0;
		return z->f.rc;
	}
	for (;;) {
		n = utf8proc_decompose_custom(z->chunk,
		    (utf8proc_ssize_t)z->nchunk, z->cp,
		    (utf8proc_ssize_t)z->cpcap, NFKC_OPTS, NULL, NULL);
		if (n < 0)
			return BUF_ENOMEM; /* only UTF8PROC_ERROR_NOMEM fits */
		/* reencode writes a NUL after the text: one entry more */
		if ((size_t)n + 1 <= z->cpcap)
			break;
		/* utf8proc writes the area before it reads it: no zeroing */
		need = (size_t)n + 1 + (size_t)n / 2;
		if ((p = malloc(need * sizeof(*p))) == NULL)
			return BUF_ENOMEM;
		explicit_bzero(z->cp, z->cpcap * sizeof(*z->cp));
		if (z->cp != z->small)
			free(z->cp);
		z->cp = p;
		z->cpcap = need;
	}
	if ((r = utf8proc_reencode(z->cp, n, NFKC_OPTS)) < 0)
		return BUF_ENOMEM;
	fold_text(&z->f, (const unsigned char *)z->cp, (size_t)r);
	explicit_bzero(z->cp, (size_t)n * sizeof(*z->cp) + 1);
	explicit_bzero(z->chunk, z->nchunk);
	z->nchunk = 0;
	return z->f.rc;
}

/* safe_start: nothing before c composes or reorders with c. */
static bool
safe_start(utf8proc_int32_t c)
{
	return c < 0x80 || (c >= 0x3041 && c <= 0x3096) ||
	    (c >= 0x30A1 && c <= 0x30FA) || (c >= 0x4E00 && c <= 0x9FFF);
}

/*
 * classify: whether c may join the chunk without making a run of more
 * than MAX_NONSTARTERS combining marks after decomposition, and (in
 * *boundary) whether the chunk may end before c: c, or the first
 * character of its decomposition, is one that composes with nothing
 * before it (ｶ before ﾞ is not such a place, ｶ after ﾞ is).
 */
static bool
classify(struct norm *z, utf8proc_int32_t c, bool *boundary)
{
	utf8proc_int32_t d[DECOMP_MAX];
	utf8proc_ssize_t n, i, lead;

	*boundary = safe_start(c);
	if (*boundary) {
		z->nonstarters = 0;
		return true;
	}
	n = utf8proc_decompose_char(c, d, DECOMP_MAX, NFKC_OPTS, NULL);
	if (n <= 0 || n > DECOMP_MAX)
		return true; /* ignorable (dropped later), or cannot say */
	*boundary = safe_start(d[0]);
	for (lead = 0;
	     lead < n && utf8proc_get_property(d[lead])->combining_class != 0;
	     lead++)
		;
	if (z->nonstarters + (unsigned)lead > MAX_NONSTARTERS)
		return false;
	if (lead == n) {
		z->nonstarters += (unsigned)n;
		return true;
	}
	for (i = n;
	     i > 0 && utf8proc_get_property(d[i - 1])->combining_class != 0;
	     i--)
		;
	z->nonstarters = (unsigned)(n - i);
	return true;
}

/*
 * fast_set: NFKC leaves c unchanged, c is a starter, nothing before it
 * composes or reorders with it: ASCII (but CR and NUL, which are
 * rewritten), hiragana, katakana, CJK unified ideographs, and the CJK
 * punctuation of everyday text (、。「」『』・ー; not U+3000, which NFKC
 * makes a space).
 */
static bool
fast_set(utf8proc_int32_t c)
{
	return (c < 0x80 && c != '\r' && c != '\0') ||
	    (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3041 && c <= 0x3096) ||
	    (c >= 0x30A1 && c <= 0x30FC) || c == 0x3001 || c == 0x3002 ||
	    (c >= 0x300C && c <= 0x300F);
}

/*
 * fast_prefix: how many bytes from p are fast_set characters (*lastp:
 * the length of the last of them). Every character of the set above
 * U+007F is 3 bytes long, led by E3..E9.
 *
 * fast_run: the bytes from p that may go straight to the output: fast_set
 * characters each followed by another (or by the end of the text).
 */
static size_t
fast_prefix(const unsigned char *p, size_t n, size_t *lastp)
{
	size_t i = 0, last = 0;
	utf8proc_int32_t c;

	while (i < n) {
		if (p[i] < 0x80) {
			if (p[i] == '\r' || p[i] == '\0')
				break;
			i += plain_ascii(p + i, n - i);
			last = 1;
			continue;
		}
		if (p[i] < 0xE3 || p[i] > 0xE9 || n - i < 3 ||
		    (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80)
			break;
		c = ((utf8proc_int32_t)(p[i] & 0x0F) << 12) |
		    ((utf8proc_int32_t)(p[i + 1] & 0x3F) << 6) |
		    (p[i + 2] & 0x3F);
		if (!fast_set(c))
			break;
		last = 3;
		i += 3;
	}
	*lastp = last;
	return i;
}

static size_t
fast_run(const unsigned char *p, size_t n)
{
	size_t last, i = fast_prefix(p, n, &last);

	/* the last one waits when what follows it is not in the set */
	return i == n ? n : i - last;
}

/* add: one decoded code point to the chunk, flushing at a boundary. */
static int
add(struct norm *z, utf8proc_int32_t c)
{
	bool boundary;
	int rc;

	if (!classify(z, c, &boundary))
		return BUF_OK;
	if ((z->nchunk >= CHUNK && boundary) || z->nchunk >= CHUNK_HARD)
		if ((rc = flush(z)) != BUF_OK)
			return rc;
	z->nchunk += (size_t)utf8proc_encode_char(c, z->chunk + z->nchunk);
	return BUF_OK;
}

int
normalize_text(const char *in, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	struct norm z; /* on the stack: extractors call this per cell */
	utf8proc_ssize_t l;
	utf8proc_int32_t c;
	size_t i = 0, run;
	int rc = BUF_OK;

	/* ASCII is its own NFKC form, and the dash rule only concerns
	   non-ASCII dashes: without CR or NUL it is copied as it is */
	while (i < len && p[i] < 0x80 && p[i] != '\r' && p[i] != '\0')
		i++;
	if (i == len) {
		if (len > out->max - out->len) {
			(void)buf_append_trunc(out, in, len);
			return BUF_EFULL;
		}
		return buf_append(out, in, len);
	}
	i = 0;
	/* the chunk and the work area need no zeroing: they are written
	   before they are read, and wiped as they are flushed */
	z.nchunk = 0;
	z.cp = z.small;
	z.cpcap = SMALL_CP;
	z.nonstarters = 0;
	memset(&z.f, 0, sizeof(z.f));
	z.f.out = out;
	z.f.rc = BUF_OK;
	while (i < len && rc == BUF_OK) {
		if ((run = fast_run(p + i, len - i)) > 0) {
			/* what the chunk holds ends before a fast_set
			   character: a boundary */
			if ((rc = flush(&z)) != BUF_OK)
				break;
			fold_text(&z.f, p + i, run);
			rc = z.f.rc;
			z.nonstarters = 0;
			i += run;
			continue;
		}
		if (p[i] < 0x80) {
			c = p[i];
			l = 1;
		} else if ((l = utf8proc_iterate(
				p + i, (utf8proc_ssize_t)(len - i), &c)) <= 0) {
			c = 0xFFFD;
			l = 1;
		}
		i += (size_t)l;
		if (c == 0)
			c = ' ';
		else if (c == '\r') {
			c = '\n';
			if (i < len && p[i] == '\n')
				i++;
		} else if (c == 0x85 || c == 0x2028 || c == 0x2029)
			c = '\n';
		rc = add(&z, c);
	}
	if (rc == BUF_OK)
		rc = flush(&z);
	if (rc == BUF_OK) {
		fold_release(&z.f, false);
		rc = z.f.rc;
	}
	/* flush() wiped what it used unless an error cut it short */
	if (rc != BUF_OK)
		explicit_bzero(z.cp, z.cpcap * sizeof(*z.cp));
	if (z.cp != z.small)
		free(z.cp);
	/* what flush() did not wipe (an error cut it short), and the held
	   dash */
	explicit_bzero(z.chunk, z.nchunk);
	explicit_bzero(&z.f, sizeof(z.f));
	return rc;
}
