/*
 * charset - text in any declared (or undeclared) charset to UTF-8.
 *
 * What it does: maps a MIME charset label to one of a few decoders (our
 * UTF-8 sanitiser, our ISO-2022-JP reader, glibc iconv with the Japanese
 * rules of DESIGN.md (CP932 through tables made from glibc's own decoder,
 * cp932_table.h: the same text, several times faster), or iconv with the
 * label itself as a last resort) and
 * appends UTF-8 to the caller's buffer. Invalid input becomes U+FFFD and
 * decoding goes on: one per ill-formed subpart in UTF-8 (Unicode's
 * recommended practice), one per byte (per code unit in UTF-16/32) that
 * iconv refuses. The output is always well-formed UTF-8 and never ends
 * inside a character, even when the buffer's maximum cuts it short.
 *
 * Readings of charset.h: "us-ascii" text with 8-bit bytes or ISO-2022-JP
 * escapes, "iso-2022-jp" text with 8-bit bytes and no escapes, and
 * "unknown-8bit"/"x-unknown" are converted by guessing (CHARSET_GUESSED).
 * A label missing from our table that glibc iconv knows (IBM037, KOI8-T,
 * ...) is trusted; charset_canonical() still returns NULL for it. When
 * the output fills, CHARSET_EFULL wins over CHARSET_GUESSED. iconv_open()
 * failing for one of our names (a broken gconv installation, or memory)
 * is reported as CHARSET_ENOMEM, the only error code the header has.
 *
 * Why our own ISO-2022-JP reader: glibc's ISO-2022-JP decoder rejects the
 * NEC special characters (row 13: ①, ㈱, №) and NEC-selected IBM
 * extensions (rows 89-92) that Windows mailers (CP50220/50221) put inside
 * ISO-2022-JP, and a DLP must not lose the rest of a line to them. We turn
 * the 7-bit stream into EUC-JP-MS bytes (JIS X 0208 rows 1-84 +0x80, kana
 * as 0x8E xx, JIS X 0212 as 0x8F xx yy) and let iconv decode those; rows
 * 89-92 go through CP932, where they are real kanji (EUC-JP-MS has them as
 * private use). The ISO-2022-JP-2 designations for GB 2312, KS C 5601 and
 * the G2 sets (ISO-8859-1/7 with ESC N), and the JIS X 0213 planes of
 * ISO-2022-JP-3/2004, are decoded the same way through GB18030 and CP949
 * (supersets of EUC-CN and EUC-KR), ISO-8859-1/7 and EUC-JISX0213. JIS X 0201 Roman (ESC ( J) is read as
 * ASCII: Windows does, and a yen sign in place of a backslash would only
 * hide digits' context from the rules.
 *
 * What it does not do: it does not transliterate, does not convert from
 * UTF-8 (only to), and does not guess among non-Japanese legacy charsets
 * (an undeclared non-UTF-8 text is scored as CP932 or EUC-JP only).
 *
 * Limits: charset_guess() looks at the first GUESS_SAMPLE bytes only; a
 * charset label longer than LABEL_MAX is unknown. Memory is bounded by the
 * output buffer's maximum plus a few kilobytes of stack. (The file is
 * past 1,000 lines because of its alias table and the ISO-2022-JP reader;
 * both are charset rules and read best next to each other.)
 *
 * Thread-safety: iconv descriptors are opened and closed per call; no
 * global mutable state; all functions are thread-safe.
 */
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ascii.h"
#include "charset.h"
#include "cp932_table.h"

#define LABEL_MAX    64
#define GUESS_SAMPLE (1024 * 1024)

enum cs_kind {
	CS_ICONV,     /* iconv from name, byte-oriented */
	CS_UTF8,      /* our sanitiser */
	CS_ASCII,     /* us-ascii: as UTF-8 when 7-bit, else guessed */
	CS_UNKNOWN,   /* a label that means "not declared" */
	CS_ISO2022JP, /* our reader */
	CS_UTF16,     /* BOM, else BE unless the bytes say LE */
	CS_UTF16LE,
	CS_UTF16BE,
	CS_UTF32,
	CS_UTF32LE,
	CS_UTF32BE,
};

struct cs_alias {
	const char *key; /* the label, lower case, letters and digits only */
	const char *name;
	enum cs_kind kind;
};

/*
 * Labels are compared after lower-casing and dropping everything but
 * letters and digits, so "Shift_JIS", "shift-jis" and "SHIFTJIS" are one
 * key. Kept in key order for the reader; searched linearly (a hundred
 * short keys, once per part).
 */
static const struct cs_alias aliases[] = {
	{ "8bit", NULL, CS_UNKNOWN },
	{ "ansix341968", "US-ASCII", CS_ASCII },
	{ "ascii", "US-ASCII", CS_ASCII },
	{ "big5", "BIG5-HKSCS", CS_ICONV },
	{ "big5hkscs", "BIG5-HKSCS", CS_ICONV },
	{ "cp1250", "CP1250", CS_ICONV },
	{ "cp1251", "CP1251", CS_ICONV },
	{ "cp1252", "CP1252", CS_ICONV },
	{ "cp1253", "CP1253", CS_ICONV },
	{ "cp1254", "CP1254", CS_ICONV },
	{ "cp1255", "CP1255", CS_ICONV },
	{ "cp1256", "CP1256", CS_ICONV },
	{ "cp1257", "CP1257", CS_ICONV },
	{ "cp1258", "CP1258", CS_ICONV },
	{ "cp367", "US-ASCII", CS_ASCII },
	{ "cp50220", "ISO-2022-JP", CS_ISO2022JP },
	{ "cp50221", "ISO-2022-JP", CS_ISO2022JP },
	{ "cp50222", "ISO-2022-JP", CS_ISO2022JP },
	{ "cp51932", "EUC-JP-MS", CS_ICONV },
	{ "cp932", "CP932", CS_ICONV },
	{ "cp936", "GB18030", CS_ICONV },
	{ "cp949", "CP949", CS_ICONV },
	{ "csascii", "US-ASCII", CS_ASCII },
	{ "cseucpkdfmtjapanese", "EUC-JP-MS", CS_ICONV },
	{ "csibm943", "CP932", CS_ICONV },
	{ "csiso2022jp", "ISO-2022-JP", CS_ISO2022JP },
	{ "csiso2022jp2", "ISO-2022-JP", CS_ISO2022JP },
	{ "csshiftjis", "CP932", CS_ICONV },
	{ "csunicode", "UTF-16", CS_UTF16 },
	{ "cswindows31j", "CP932", CS_ICONV },
	{ "default", NULL, CS_UNKNOWN },
	{ "euccn", "GB18030", CS_ICONV },
	{ "eucjis2004", "EUC-JISX0213", CS_ICONV },
	{ "eucjisx0213", "EUC-JISX0213", CS_ICONV },
	{ "eucjp", "EUC-JP-MS", CS_ICONV },
	{ "eucjpms", "EUC-JP-MS", CS_ICONV },
	{ "eucjpopen", "EUC-JP-MS", CS_ICONV },
	{ "eucjpwin", "EUC-JP-MS", CS_ICONV },
	{ "euckr", "CP949", CS_ICONV },
	{ "gb18030", "GB18030", CS_ICONV },
	{ "gb2312", "GB18030", CS_ICONV },
	{ "gbk", "GB18030", CS_ICONV },
	{ "ibm943", "CP932", CS_ICONV },
	{ "iso10646ucs2", "UTF-16", CS_UTF16 },
	{ "iso10646ucs4", "UTF-32", CS_UTF32 },
	{ "iso2022jp", "ISO-2022-JP", CS_ISO2022JP },
	{ "iso2022jp1", "ISO-2022-JP", CS_ISO2022JP },
	{ "iso2022jp2", "ISO-2022-JP", CS_ISO2022JP },
	{ "iso2022jp2004", "ISO-2022-JP", CS_ISO2022JP },
	{ "iso2022jp3", "ISO-2022-JP", CS_ISO2022JP },
	{ "iso2022kr", "ISO-2022-KR", CS_ICONV },
	{ "iso646us", "US-ASCII", CS_ASCII },
	{ "iso88591", "ISO-8859-1", CS_ICONV },
	{ "iso885910", "ISO-8859-10", CS_ICONV },
	{ "iso885911", "ISO-8859-11", CS_ICONV },
	{ "iso885913", "ISO-8859-13", CS_ICONV },
	{ "iso885914", "ISO-8859-14", CS_ICONV },
	{ "iso885915", "ISO-8859-15", CS_ICONV },
	{ "iso885916", "ISO-8859-16", CS_ICONV },
	{ "iso88592", "ISO-8859-2", CS_ICONV },
	{ "iso88593", "ISO-8859-3", CS_ICONV },
	{ "iso88594", "ISO-8859-4", CS_ICONV },
	{ "iso88595", "ISO-8859-5", CS_ICONV },
	{ "iso88596", "ISO-8859-6", CS_ICONV },
	{ "iso88597", "ISO-8859-7", CS_ICONV },
	{ "iso88598", "ISO-8859-8", CS_ICONV },
	{ "iso88599", "ISO-8859-9", CS_ICONV },
	{ "jis", "ISO-2022-JP", CS_ISO2022JP },
	{ "koi8r", "KOI8-R", CS_ICONV },
	{ "koi8u", "KOI8-U", CS_ICONV },
	{ "ksc56011987", "CP949", CS_ICONV },
	{ "latin1", "ISO-8859-1", CS_ICONV },
	{ "ms932", "CP932", CS_ICONV },
	{ "mskanji", "CP932", CS_ICONV },
	{ "shiftjis", "CP932", CS_ICONV },
	{ "shiftjis2004", "SHIFT_JISX0213", CS_ICONV },
	{ "shiftjisx0213", "SHIFT_JISX0213", CS_ICONV },
	{ "sjis", "CP932", CS_ICONV },
	{ "sjisopen", "CP932", CS_ICONV },
	{ "sjiswin", "CP932", CS_ICONV },
	{ "ucs2", "UTF-16", CS_UTF16 },
	{ "ucs2be", "UTF-16BE", CS_UTF16BE },
	{ "ucs2le", "UTF-16LE", CS_UTF16LE },
	{ "ucs4", "UTF-32", CS_UTF32 },
	{ "ucs4be", "UTF-32BE", CS_UTF32BE },
	{ "ucs4le", "UTF-32LE", CS_UTF32LE },
	{ "unicode", "UTF-16", CS_UTF16 },
	{ "unicode11utf8", "UTF-8", CS_UTF8 },
	{ "unicodefffe", "UTF-16BE", CS_UTF16BE },
	{ "unknown", NULL, CS_UNKNOWN },
	{ "unknown8bit", NULL, CS_UNKNOWN },
	{ "us", "US-ASCII", CS_ASCII },
	{ "usascii", "US-ASCII", CS_ASCII },
	{ "utf16", "UTF-16", CS_UTF16 },
	{ "utf16be", "UTF-16BE", CS_UTF16BE },
	{ "utf16le", "UTF-16LE", CS_UTF16LE },
	{ "utf32", "UTF-32", CS_UTF32 },
	{ "utf32be", "UTF-32BE", CS_UTF32BE },
	{ "utf32le", "UTF-32LE", CS_UTF32LE },
	{ "utf8", "UTF-8", CS_UTF8 },
	{ "windows1250", "CP1250", CS_ICONV },
	{ "windows1251", "CP1251", CS_ICONV },
	{ "windows1252", "CP1252", CS_ICONV },
	{ "windows1253", "CP1253", CS_ICONV },
	{ "windows1254", "CP1254", CS_ICONV },
	{ "windows1255", "CP1255", CS_ICONV },
	{ "windows1256", "CP1256", CS_ICONV },
	{ "windows1257", "CP1257", CS_ICONV },
	{ "windows1258", "CP1258", CS_ICONV },
	{ "windows31j", "CP932", CS_ICONV },
	{ "windows874", "CP874", CS_ICONV },
	{ "xeucjp", "EUC-JP-MS", CS_ICONV },
	{ "xgbk", "GB18030", CS_ICONV },
	{ "xmscp932", "CP932", CS_ICONV },
	{ "xsjis", "CP932", CS_ICONV },
	{ "xunknown", NULL, CS_UNKNOWN },
	{ "xuserdefined", NULL, CS_UNKNOWN },
};

static const unsigned char replacement[] = { 0xEF, 0xBF, 0xBD };

/*
 * label_key: the comparison key of a label (see aliases[]). Quotes,
 * spaces and punctuation vanish; an RFC 2231 language suffix ("*ja")
 * ends the label. Returns false when the key is empty or too long.
 */
static bool
label_key(const char *label, char *key, size_t keylen)
{
	size_t n = 0;
	unsigned char c;

	if (label == NULL)
		return false;
	for (; (c = (unsigned char)*label) != '\0' && c != '*'; label++) {
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9'))
			continue;
		if (n + 1 >= keylen)
			return false;
		key[n++] = (char)c;
	}
	key[n] = '\0';
	return n > 0;
}

static const struct cs_alias *
alias_find(const char *label)
{
	char key[LABEL_MAX];
	size_t i;

	if (!label_key(label, key, sizeof(key)))
		return NULL;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(key, aliases[i].key) == 0)
			return &aliases[i];
	return NULL;
}

const char *
charset_canonical(const char *label)
{
	const struct cs_alias *a = alias_find(label);

	return a != NULL ? a->name : NULL;
}

/*
 * utf8_len: the length (1-4) of the well-formed UTF-8 sequence at p, or
 * minus the length of its maximal ill-formed subpart (Unicode 3.9, D93b:
 * one U+FFFD per subpart). n > 0.
 */
static int
utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	int need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* past U+10FFFF */
	} else
		return -1;
	for (i = 1; i <= need; i++) {
		if ((size_t)i >= n || p[i] < lo || p[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xBF;
	}
	return need + 1;
}

int
charset_valid_utf8(const void *in, size_t len)
{
	const unsigned char *p = in;
	size_t i = 0;
	int l;

	while (i < len) {
		if (p[i] < 0x80) {
			i += ascii_run(p + i, len - i);
			continue;
		}
		if ((l = utf8_len(p + i, len - i)) < 0)
			return 0;
		i += (size_t)l;
	}
	return 1;
}

/*
 * put_utf8: append n bytes of well-formed UTF-8 to out; when they do not
 * all fit, append the longest prefix that ends on a character boundary and
 * return CHARSET_EFULL.
 */
static int
put_utf8(struct buf *out, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t room = out->max - out->len, cut;
	int rc;

	if (n == 0)
		return CHARSET_OK;
	if (n <= room) {
		rc = buf_append(out, p, n);
		return rc == BUF_OK   ? CHARSET_OK
		    : rc == BUF_EFULL ? CHARSET_EFULL
				      : CHARSET_ENOMEM;
	}
	cut = room;
	while (cut > 0 && (p[cut] & 0xC0) == 0x80)
		cut--;
	if (cut > 0 && buf_append(out, p, cut) != BUF_OK)
		return CHARSET_ENOMEM;
	return CHARSET_EFULL;
}

/* bom_len: 3 when p starts with a UTF-8 "BOM" (a signature, not text). */
static size_t
bom_len(const unsigned char *p, size_t len)
{
	return len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0;
}

/* utf8_sanitise: copy UTF-8, one U+FFFD per ill-formed subpart. */
static int
utf8_sanitise(const unsigned char *p, size_t len, struct buf *out)
{
	size_t i = bom_len(p, len), start = i;
	int l, rc;
	while (i < len) {
		if (p[i] < 0x80) {
			i += ascii_run(p + i, len - i);
			continue;
		}
		if ((l = utf8_len(p + i, len - i)) > 0) {
			i += (size_t)l;
			continue;
		}
		if ((rc = put_utf8(out, p + start, i - start)) != CHARSET_OK)
			return rc;
		if ((rc = put_utf8(out, replacement, 3)) != CHARSET_OK)
			return rc;
		i += (size_t)-l;
		start = i;
	}
	return put_utf8(out, p + start, i - start);
}

bool
charset_utf8_as_is(const char *label, const void *in, size_t len, size_t *skip)
{
	const struct cs_alias *a;

	if (label == NULL || label[0] == '\0' ||
	    (a = alias_find(label)) == NULL || a->kind != CS_UTF8 ||
	    !charset_valid_utf8(in, len))
		return false;
	*skip = bom_len(in, len);
	return true;
}

/*
 * iconv_run: decode len bytes with cd into out. An input sequence iconv
 * rejects (EILSEQ) costs one unit (1 byte, or 2/4 for UTF-16/32) and
 * becomes U+FFFD; an incomplete sequence at the end (EINVAL) becomes one
 * U+FFFD. Every turn of the loop consumes input or stops, so it ends.
 */
static int
iconv_run(iconv_t cd, const unsigned char *in, size_t len, size_t unit,
    struct buf *out)
{
	char tmp[4096], *ip = (char *)(uintptr_t)in, *op;
	size_t il = len, ol, r, skip;
	int rc = CHARSET_OK, err;

	(void)iconv(cd, NULL, NULL, NULL, NULL);
	while (il > 0) {
		op = tmp;
		ol = sizeof(tmp);
		r = iconv(cd, &ip, &il, &op, &ol);
		err = errno;
		if ((rc = put_utf8(out, tmp, (size_t)(op - tmp))) != CHARSET_OK)
			goto out;
		if (r != (size_t)-1)
			continue;
		if (err == E2BIG && op != tmp)
			continue;
		if (err == EINVAL) {
			/* incomplete sequence at the end of the input */
			rc = put_utf8(out, replacement, 3);
			goto out;
		}
		/* EILSEQ, or anything else that makes no progress */
		skip = unit < il ? unit : il;
		ip += skip;
		il -= skip;
		if ((rc = put_utf8(out, replacement, 3)) != CHARSET_OK)
			goto out;
	}
	/* the final shift sequence of a stateful decoder */
	op = tmp;
	ol = sizeof(tmp);
	if (iconv(cd, NULL, NULL, &op, &ol) != (size_t)-1)
		rc = put_utf8(out, tmp, (size_t)(op - tmp));
out:
	explicit_bzero(tmp, sizeof(tmp));
	return rc;
}

/* iconv_convert: decode with the iconv charset name. */
static int
iconv_convert(const char *name, const unsigned char *in, size_t len,
    size_t unit, struct buf *out)
{
	iconv_t cd;
	int rc;

	if ((cd = iconv_open("UTF-8", name)) == (iconv_t)-1)
		return CHARSET_ENOMEM;
	rc = iconv_run(cd, in, len, unit, out);
	iconv_close(cd);
	return rc;
}

/*
 * cp932_decode: CP932 exactly as glibc's iconv decodes it (the tables of
 * cp932_table.h are its answers, made by tools/mkcp932.c and checked
 * against it by test_charset), with iconv_run()'s handling of what it
 * refuses: a byte that starts no character becomes U+FFFD and the next
 * byte is read afresh; a lead byte at the very end becomes U+FFFD. Why
 * not iconv: glibc's CP932 module decodes about 50 MB/s, and Shift_JIS
 * CSV rosters of megabytes are what this filter reads most.
 */
static int
cp932_decode(const unsigned char *p, size_t len, struct buf *out)
{
	unsigned char tmp[4096];
	size_t i = 0, o = 0, n, k;
	unsigned u, t;
	int rc = CHARSET_OK;

	while (i < len) {
		if (o > sizeof(tmp) - 3) {
			if ((rc = put_utf8(out, tmp, o)) != CHARSET_OK)
				break;
			o = 0;
		}
		if (p[i] < 0x80) {
			/* ASCII is itself (mkcp932 would say otherwise) */
			n = len - i < sizeof(tmp) - o ? len - i
						      : sizeof(tmp) - o;
			for (k = 0; k < n && p[i + k] < 0x80; k++)
				tmp[o + k] = p[i + k];
			o += k;
			i += k;
			continue;
		}
		u = cp932_single[p[i]];
		if (u == CP932_LEAD && i + 1 < len &&
		    (t = p[i + 1]) >= CP932_TRAIL_LO && t <= CP932_TRAIL_HI &&
		    (u = cp932_pair[cp932_lead_index[p[i]]]
				   [t - CP932_TRAIL_LO]) != CP932_INVALID) {
			i += 2;
		} else if (u == CP932_LEAD && i + 1 == len) {
			u = 0xFFFD; /* incomplete at the end */
			i++;
		} else if (u == CP932_LEAD || u == CP932_INVALID) {
			u = 0xFFFD;
			i++;
		} else {
			i++;
		}
		if (u < 0x80) {
			tmp[o++] = (unsigned char)u;
		} else if (u < 0x800) {
			tmp[o++] = (unsigned char)(0xC0 | (u >> 6));
			tmp[o++] = (unsigned char)(0x80 | (u & 0x3F));
		} else {
			tmp[o++] = (unsigned char)(0xE0 | (u >> 12));
			tmp[o++] = (unsigned char)(0x80 | ((u >> 6) & 0x3F));
			tmp[o++] = (unsigned char)(0x80 | (u & 0x3F));
		}
	}
	if (rc == CHARSET_OK)
		rc = put_utf8(out, tmp, o);
	explicit_bzero(tmp, sizeof(tmp));
	return rc;
}

/*
 * utf16_plausible: how much a code unit looks like text: ASCII, kana and
 * full-width forms score highest, CJK ideographs less, controls, NULs and
 * unlikely blocks nothing.
 */
static int
utf16_plausible(unsigned u)
{
	if (u == 0x09 || u == 0x0A || u == 0x0D || (u >= 0x20 && u < 0x7F))
		return 2;
	if ((u >= 0x3000 && u <= 0x30FF) || (u >= 0xFF01 && u <= 0xFF9F))
		return 2;
	if (u >= 0x4E00 && u <= 0x9FFF)
		return 1;
	if (u >= 0x00A0 && u <= 0x24FF)
		return 1;
	return 0;
}

/* utf16_is_le: whether BOM-less UTF-16 reads better as little-endian. */
static bool
utf16_is_le(const unsigned char *p, size_t len)
{
	long le = 0, be = 0;
	size_t i;

	if (len > GUESS_SAMPLE)
		len = GUESS_SAMPLE;
	for (i = 0; i + 1 < len; i += 2) {
		le += utf16_plausible(p[i] | (unsigned)p[i + 1] << 8);
		be += utf16_plausible((unsigned)p[i] << 8 | p[i + 1]);
	}
	return le > be; /* ties: big-endian, RFC 2781 section 4.3 */
}

/* utf32_is_le: BOM-less UTF-32: text has its zero bytes at the top. */
static bool
utf32_is_le(const unsigned char *p, size_t len)
{
	size_t i, z0 = 0, z3 = 0;

	if (len > GUESS_SAMPLE)
		len = GUESS_SAMPLE;
	for (i = 0; i + 3 < len; i += 4) {
		z0 += p[i] == 0;
		z3 += p[i + 3] == 0;
	}
	return z3 > z0;
}

static const struct wide {
	enum cs_kind kind;
	const char *name;
	size_t unit; /* also the length of the BOM */
	const char *bom;
} wides[] = {
	{ CS_UTF16LE, "UTF-16LE", 2, "\xFF\xFE" },
	{ CS_UTF16BE, "UTF-16BE", 2, "\xFE\xFF" },
	{ CS_UTF32LE, "UTF-32LE", 4, "\xFF\xFE\0\0" },
	{ CS_UTF32BE, "UTF-32BE", 4, "\0\0\xFE\xFF" },
};

/*
 * utf16_32: UTF-16/32 of any byte order; a BOM decides the order of
 * "utf-16"/"utf-32" and is dropped, also where the label gave the order.
 */
static int
utf16_32(enum cs_kind kind, const unsigned char *p, size_t len, struct buf *out)
{
	const struct wide *w;
	size_t i, first = kind == CS_UTF32 ? 2 : 0;

	if (kind == CS_UTF16 || kind == CS_UTF32) {
		if (kind == CS_UTF16)
			kind = utf16_is_le(p, len) ? CS_UTF16LE : CS_UTF16BE;
		else
			kind = utf32_is_le(p, len) ? CS_UTF32LE : CS_UTF32BE;
		for (i = first; i < first + 2; i++)
			if (len >= wides[i].unit &&
			    memcmp(p, wides[i].bom, wides[i].unit) == 0)
				kind = wides[i].kind;
	}
	for (w = wides; w->kind != kind; w++)
		;
	if (len >= w->unit && memcmp(p, w->bom, w->unit) == 0) {
		p += w->unit;
		len -= w->unit;
	}
	return iconv_convert(w->name, p, len, w->unit, out);
}

/*
 * ISO-2022-JP reader. Bytes are collected, per target charset, into a
 * segment that is decoded by iconv when the charset changes or the
 * segment fills; ASCII and controls join whatever segment is open (all
 * targets are ASCII-compatible).
 */
enum seg_cs {
	SEG_EUCJPMS,
	SEG_CP932,
	SEG_EUCCN,
	SEG_EUCKR,
	SEG_LATIN1,
	SEG_GREEK,
	SEG_JISX0213,
	SEG_COUNT
};

static const char *const seg_names[SEG_COUNT] = {
	"EUC-JP-MS",
	"CP932",
	"GB18030",
	"CP949",
	"ISO-8859-1",
	"ISO-8859-7",
	"EUC-JISX0213",
};

enum g0_set {
	G0_ASCII,
	G0_KANA,     /* JIS X 0201 katakana */
	G0_JISX0208, /* also JIS C 6226-1978 */
	G0_JISX0212,
	G0_GB2312,
	G0_KSC5601,
	G0_X0213_1,
	G0_X0213_2,
};

struct jis {
	iconv_t cd[SEG_COUNT];
	enum seg_cs seg;
	unsigned char pend[1024];
	size_t npend;
	struct buf *out;
};

static int
jis_flush(struct jis *j)
{
	int rc;

	if (j->npend == 0)
		return CHARSET_OK;
	if (j->cd[j->seg] == (iconv_t)-1 &&
	    (j->cd[j->seg] = iconv_open("UTF-8", seg_names[j->seg])) ==
		(iconv_t)-1)
		return CHARSET_ENOMEM;
	rc = iconv_run(j->cd[j->seg], j->pend, j->npend, 1, j->out);
	explicit_bzero(j->pend, j->npend);
	j->npend = 0;
	return rc;
}

/* jis_put: n (<= 3) bytes of charset seg; seg < 0: any ASCII segment. */
static int
jis_put(struct jis *j, int seg, const unsigned char *b, size_t n)
{
	int rc;

	if (seg >= 0 && (enum seg_cs)seg != j->seg) {
		if ((rc = jis_flush(j)) != CHARSET_OK)
			return rc;
		j->seg = (enum seg_cs)seg;
	}
	if (j->npend + n > sizeof(j->pend) && (rc = jis_flush(j)) != CHARSET_OK)
		return rc;
	memcpy(j->pend + j->npend, b, n);
	j->npend += n;
	return CHARSET_OK;
}

static int
jis_bad(struct jis *j)
{
	int rc;

	if ((rc = jis_flush(j)) != CHARSET_OK)
		return rc;
	return put_utf8(j->out, replacement, 3);
}

/*
 * The designations we know; none is a prefix of another. ESC ( J (JIS X
 * 0201 Roman) and ESC ( H (seen from old encoders) read as ASCII; ESC & @
 * only announces JIS X 0208-1990 before an ESC $ B.
 */
static const struct jis_esc {
	const char *seq; /* after ESC */
	int g0;		 /* enum g0_set, or -1 */
	int g2;		 /* enum seg_cs of a G2 set, or -1 */
} jis_escs[] = {
	{ "(B", G0_ASCII, -1 },
	{ "(J", G0_ASCII, -1 },
	{ "(H", G0_ASCII, -1 },
	{ "(I", G0_KANA, -1 },
	{ "$@", G0_JISX0208, -1 },
	{ "$B", G0_JISX0208, -1 },
	{ "$(@", G0_JISX0208, -1 },
	{ "$(B", G0_JISX0208, -1 },
	{ "$A", G0_GB2312, -1 },
	{ "$(C", G0_KSC5601, -1 },
	{ "$(D", G0_JISX0212, -1 },
	{ "$(O", G0_X0213_1, -1 },
	{ "$(Q", G0_X0213_1, -1 },
	{ "$(P", G0_X0213_2, -1 },
	{ ".A", -1, SEG_LATIN1 },
	{ ".F", -1, SEG_GREEK },
	{ "&@", -1, -1 },
};

/*
 * jis_escape: read the escape sequence at p[0] == ESC; set *g0 or *g2 and
 * return its length, or 0 when it is not one we know.
 */
static size_t
jis_escape(const unsigned char *p, size_t n, enum g0_set *g0, int *g2)
{
	size_t i, l;

	for (i = 0; i < sizeof(jis_escs) / sizeof(jis_escs[0]); i++) {
		l = strlen(jis_escs[i].seq);
		if (n < l + 1 || memcmp(p + 1, jis_escs[i].seq, l) != 0)
			continue;
		if (jis_escs[i].g0 >= 0)
			*g0 = (enum g0_set)jis_escs[i].g0;
		if (jis_escs[i].g2 >= 0)
			*g2 = jis_escs[i].g2;
		return l + 1;
	}
	return 0;
}

/* jis_double: one two-byte character (a, b in 0x21..0x7E) of set g0. */
static int
jis_double(struct jis *j, enum g0_set g0, unsigned char a, unsigned char b)
{
	unsigned char o[3];

	switch (g0) {
	case G0_JISX0208:
		if (a >= 0x79 && a <= 0x7C) {
			/* NEC-selected IBM extensions: real kanji in CP932 */
			o[0] = (unsigned char)(((a + 1) >> 1) + 0xB0);
			if (a & 1)
				o[1] = (unsigned char)(b +
				    (b >= 0x60 ? 0x20 : 0x1F));
			else
				o[1] = (unsigned char)(b + 0x7E);
			return jis_put(j, SEG_CP932, o, 2);
		}
		o[0] = a | 0x80;
		o[1] = b | 0x80;
		return jis_put(j, SEG_EUCJPMS, o, 2);
	case G0_JISX0212:
		o[0] = 0x8F;
		o[1] = a | 0x80;
		o[2] = b | 0x80;
		return jis_put(j, SEG_EUCJPMS, o, 3);
	case G0_X0213_1:
	case G0_X0213_2:
		o[0] = 0x8F;
		o[1] = a | 0x80;
		o[2] = b | 0x80;
		if (g0 == G0_X0213_1)
			return jis_put(j, SEG_JISX0213, o + 1, 2);
		return jis_put(j, SEG_JISX0213, o, 3);
	case G0_GB2312:
		o[0] = a | 0x80;
		o[1] = b | 0x80;
		return jis_put(j, SEG_EUCCN, o, 2);
	default:
		o[0] = a | 0x80;
		o[1] = b | 0x80;
		return jis_put(j, SEG_EUCKR, o, 2);
	}
}

static int
jis_kana(struct jis *j, unsigned char c)
{
	unsigned char k[2] = { 0x8E, c | 0x80 };

	return jis_put(j, SEG_EUCJPMS, k, 2);
}

/*
 * jis_decode: the reader's main loop. Every turn consumes at least one
 * byte; a byte that fits nothing becomes U+FFFD on its own, so one broken
 * character never takes its neighbours with it.
 */
static int
jis_decode(struct jis *j, const unsigned char *p, size_t len)
{
	enum g0_set g0 = G0_ASCII, saved = G0_ASCII;
	int g2 = -1, rc = CHARSET_OK;
	size_t i = 0, l;
	unsigned char c;

	while (i < len && rc == CHARSET_OK) {
		c = p[i];
		if (c == 0x1B && i + 2 < len && p[i + 1] == 'N' && g2 >= 0 &&
		    p[i + 2] >= 0x20 && p[i + 2] < 0x80) {
			/* single shift 2: one character of the G2 set */
			c = p[i + 2] | 0x80;
			rc = jis_put(j, g2, &c, 1);
			i += 3;
		} else if (c == 0x1B) {
			if ((l = jis_escape(p + i, len - i, &g0, &g2)) == 0) {
				rc = jis_bad(j);
				l = 1;
			}
			i += l;
		} else if (c == 0x0E || c == 0x0F) {
			/* SO/SI: the katakana shift of CP50222 */
			if (c == 0x0E && g0 != G0_KANA) {
				saved = g0;
				g0 = G0_KANA;
			} else if (c == 0x0F && g0 == G0_KANA)
				g0 = saved;
			i++;
		} else if (c >= 0xA1 && c <= 0xDF) {
			/* 8-bit JIS X 0201 katakana ("JIS8") */
			rc = jis_kana(j, c);
			i++;
		} else if (c >= 0x80) {
			rc = jis_bad(j);
			i++;
		} else if (c <= 0x20 || c == 0x7F || g0 == G0_ASCII) {
			rc = jis_put(j, -1, &c, 1);
			i++;
		} else if (g0 == G0_KANA) {
			rc = c <= 0x5F ? jis_kana(j, c) : jis_bad(j);
			i++;
		} else if (i + 1 >= len || p[i + 1] < 0x21 || p[i + 1] > 0x7E) {
			/* half a character: lose it, not what follows */
			rc = jis_bad(j);
			i++;
		} else {
			rc = jis_double(j, g0, c, p[i + 1]);
			i += 2;
		}
	}
	return rc;
}

static int
iso2022jp(const unsigned char *p, size_t len, struct buf *out)
{
	struct jis j;
	int rc, i;

	memset(&j, 0, sizeof(j));
	for (i = 0; i < SEG_COUNT; i++)
		j.cd[i] = (iconv_t)-1;
	j.seg = SEG_EUCJPMS;
	j.out = out;
	rc = jis_decode(&j, p, len);
	if (rc == CHARSET_OK)
		rc = jis_flush(&j);
	for (i = 0; i < SEG_COUNT; i++)
		if (j.cd[i] != (iconv_t)-1)
			iconv_close(j.cd[i]);
	explicit_bzero(&j, sizeof(j));
	return rc;
}

/* jis_escapes: whether the bytes hold an ISO-2022-JP designation. */
static bool
jis_escapes(const unsigned char *p, size_t len)
{
	const unsigned char *e;

	while (len >= 3 && (e = memchr(p, 0x1B, len - 2)) != NULL) {
		if ((e[1] == '$' &&
			(e[2] == 'B' || e[2] == '@' || e[2] == '(')) ||
		    (e[1] == '(' && (e[2] == 'J' || e[2] == 'I')))
			return true;
		len -= (size_t)(e - p) + 1;
		p = e + 1;
	}
	return false;
}

static bool
has_8bit(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] >= 0x80)
			return true;
	return false;
}

/* The scores of charset_guess(): per character, and per invalid byte. */
#define SCORE_BAD (-10)

/* sjis_score: how well the bytes read as CP932. */
static long
sjis_score(const unsigned char *p, size_t len)
{
	long s = 0;
	size_t i = 0;
	unsigned char c, t;

	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			i += ascii_run(p + i, len - i);
		} else if (c >= 0xA1 && c <= 0xDF) {
			s += 1; /* half-width katakana: rare in prose */
			i++;
		} else if (((c >= 0x81 && c <= 0x9F) ||
			       (c >= 0xE0 && c <= 0xFC)) &&
		    i + 1 < len && (t = p[i + 1]) >= 0x40 && t <= 0xFC &&
		    t != 0x7F) {
			/* kana (rows 4, 5) mark real Japanese text */
			if ((c == 0x82 && t >= 0x9F) ||
			    (c == 0x83 && t <= 0x96))
				s += 3;
			else
				s += 2;
			i += 2;
		} else if (i + 1 == len && c != 0x80 && c != 0xA0 && c < 0xFD) {
			i++; /* a lead byte cut by the sample */
		} else {
			s += SCORE_BAD;
			i++;
		}
	}
	return s;
}

/* euc_score: how well the bytes read as EUC-JP. */
static long
euc_score(const unsigned char *p, size_t len)
{
	long s = 0;
	size_t i = 0;
	unsigned char c;

	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			i += ascii_run(p + i, len - i);
		} else if (c == 0x8E && i + 1 < len && p[i + 1] >= 0xA1 &&
		    p[i + 1] <= 0xDF) {
			s += 1;
			i += 2;
		} else if (c == 0x8F && i + 2 < len && p[i + 1] >= 0xA1 &&
		    p[i + 2] >= 0xA1 && p[i + 1] != 0xFF && p[i + 2] != 0xFF) {
			s += 2;
			i += 3;
		} else if (c >= 0xA1 && c <= 0xFE && i + 1 < len &&
		    p[i + 1] >= 0xA1 && p[i + 1] <= 0xFE) {
			/* kana rows score most; unassigned rows nothing */
			if (c == 0xA4 || c == 0xA5)
				s += 3;
			else if (c <= 0xA8 || c == 0xAD ||
			    (c >= 0xB0 && c <= 0xF4))
				s += 2;
			i += 2;
		} else if (i + 1 == len &&
		    (c == 0x8E || c == 0x8F || (c >= 0xA1 && c <= 0xFE))) {
			i++;
		} else {
			s += SCORE_BAD;
			i++;
		}
	}
	return s;
}

/*
 * utf8_score: valid multibyte characters score 2 a byte (more than any
 * CP932 or EUC-JP pair can); an ill-formed subpart scores SCORE_BAD,
 * except an incomplete character at the very end. *bad gets the number
 * of ill-formed subparts.
 */
static long
utf8_score(const unsigned char *p, size_t len, size_t *bad)
{
	long s = 0;
	size_t i = 0;
	int l;

	*bad = 0;
	while (i < len) {
		if (p[i] < 0x80) {
			i += ascii_run(p + i, len - i);
		} else if ((l = utf8_len(p + i, len - i)) > 0) {
			s += 2 * l;
			i += (size_t)l;
		} else if (i + (size_t)-l == len && (p[i] & 0xC0) == 0xC0) {
			i = len;
		} else {
			s += SCORE_BAD;
			(*bad)++;
			i += (size_t)-l;
		}
	}
	return s;
}

const char *
charset_guess(const void *in, size_t len)
{
	const unsigned char *p = in;
	size_t i, zeros = 0, bad;
	long u, s, e;

	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		return "UTF-8";
	if (len >= 4 && memcmp(p, "\xFF\xFE\0\0", 4) == 0)
		return "UTF-32LE";
	if (len >= 4 && memcmp(p, "\0\0\xFE\xFF", 4) == 0)
		return "UTF-32BE";
	if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE)
		return "UTF-16LE";
	if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF)
		return "UTF-16BE";
	if (len > GUESS_SAMPLE)
		len = GUESS_SAMPLE;
	/* text has no NULs; BOM-less UTF-16 of Latin text has many */
	for (i = 0; i < len; i++)
		zeros += p[i] == 0;
	if (len >= 4 && zeros * 8 >= len)
		return utf16_is_le(p, len) ? "UTF-16LE" : "UTF-16BE";
	if (jis_escapes(p, len))
		return "ISO-2022-JP";
	u = utf8_score(p, len, &bad);
	if (bad == 0)
		return "UTF-8";
	s = sjis_score(p, len);
	e = euc_score(p, len);
	if (u > s && u > e)
		return "UTF-8";
	/* a tie (short strings, file names) goes to what Windows writes */
	return e > s ? "EUC-JP" : "CP932";
}

/* convert: decode with a known alias (never CS_UNKNOWN or CS_ASCII). */
static int
convert(const struct cs_alias *a, const unsigned char *p, size_t len,
    struct buf *out)
{
	switch (a->kind) {
	case CS_UTF8:
	case CS_ASCII:
	case CS_UNKNOWN:
		return utf8_sanitise(p, len, out);
	case CS_ISO2022JP:
		return iso2022jp(p, len, out);
	case CS_UTF16:
	case CS_UTF16LE:
	case CS_UTF16BE:
	case CS_UTF32:
	case CS_UTF32LE:
	case CS_UTF32BE:
		return utf16_32(a->kind, p, len, out);
	default:
		if (strcmp(a->name, "CP932") == 0)
			return cp932_decode(p, len, out);
		return iconv_convert(a->name, p, len, 1, out);
	}
}

/*
 * iconv_label: a label iconv may know although we do not: unquoted,
 * trimmed, only letters, digits and "-_.:" (never "//" options).
 */
static bool
iconv_label(const char *label, char *name, size_t namelen)
{
	size_t n = 0;
	unsigned char c;

	for (; (c = (unsigned char)*label) != '\0'; label++) {
		if (c == '"' || c == '\'' || c == ' ' || c == '\t')
			continue;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_' ||
			c == '.' || c == ':'))
			return false;
		if (n + 1 >= namelen)
			return false;
		name[n++] = (char)c;
	}
	name[n] = '\0';
	return n > 0;
}

/* How many U+FFFD a conversion produced. */
static size_t
count_replacements(const struct buf *b)
{
	static const unsigned char fffd[] = { 0xef, 0xbf, 0xbd };
	const unsigned char *p = b->data, *end;
	size_t n = 0;

	if (p == NULL)
		return 0; /* nothing converted (NULL + 0 is undefined) */
	end = p + b->len;
	while ((p = memmem(p, (size_t)(end - p), fffd, 3)) != NULL) {
		n++;
		p += 3;
	}
	return n;
}

/*
 * Text labelled UTF-8 that is not: Windows mailers label Shift_JIS bodies
 * "utf-8" often enough. Both readings are made and the one with fewer
 * replacement characters wins when the difference is clear, so a UTF-8
 * text with a few bad bytes stays UTF-8 and a Shift_JIS text is read as
 * such (CHARSET_GUESSED).
 */
static int
mislabelled_utf8(const struct cs_alias *utf8, const unsigned char *p,
    size_t len, struct buf *out)
{
	const struct cs_alias *ga = alias_find(charset_guess(p, len));
	struct buf as_utf8, as_guess;
	const struct buf *best;
	size_t bad_utf8, bad_guess;
	int rc1, rc2, rc;

	if (ga == NULL || ga == utf8)
		return convert(utf8, p, len, out);
	buf_init(&as_utf8, out->max - out->len);
	buf_init(&as_guess, out->max - out->len);
	rc1 = convert(utf8, p, len, &as_utf8);
	rc2 = convert(ga, p, len, &as_guess);
	if (rc1 == CHARSET_ENOMEM || rc2 == CHARSET_ENOMEM) {
		rc = CHARSET_ENOMEM;
		goto out;
	}
	/* only clear evidence overturns the label: a few bad sequences in
	   UTF-8 are damage, not another charset */
	bad_utf8 = count_replacements(&as_utf8);
	bad_guess = count_replacements(&as_guess);
	if (bad_utf8 >= 4 && bad_guess * 8 <= bad_utf8)
		best = &as_guess;
	else
		best = &as_utf8;
	rc = best == &as_guess ? (rc2 == CHARSET_OK ? CHARSET_GUESSED : rc2)
			       : rc1;
	if (buf_append(out, best->data ? best->data : (unsigned char *)"",
		best->len) != BUF_OK)
		rc = CHARSET_ENOMEM;
out:
	buf_free(&as_utf8);
	buf_free(&as_guess);
	return rc;
}

int
charset_to_utf8(const char *label, const void *in, size_t len, struct buf *out)
{
	const unsigned char *p = in;
	const struct cs_alias *a = NULL;
	char name[LABEL_MAX];
	const char *g;
	iconv_t cd;
	int rc;

	if (len == 0)
		p = (const unsigned char *)"";
	if (label != NULL && label[0] != '\0' &&
	    (a = alias_find(label)) == NULL) {
		/* a label of a charset we have no rule for: trust iconv */
		if (iconv_label(label, name, sizeof(name)) &&
		    (cd = iconv_open("UTF-8", name)) != (iconv_t)-1) {
			rc = iconv_run(cd, p, len, 1, out);
			iconv_close(cd);
			return rc;
		}
	}
	if (a != NULL) {
		switch (a->kind) {
		case CS_UNKNOWN:
			break;
		case CS_ASCII:
			/* 8-bit or JIS text under "us-ascii" is common */
			if (!jis_escapes(p, len) && !has_8bit(p, len))
				return utf8_sanitise(p, len, out);
			break;
		case CS_ISO2022JP:
			/* Shift_JIS or UTF-8 mislabelled as ISO-2022-JP */
			if (jis_escapes(p, len) || !has_8bit(p, len))
				return convert(a, p, len, out);
			break;
		case CS_UTF8:
			/* valid: what utf8_sanitise() would copy, without
			   checking every byte a second time */
			if (charset_valid_utf8(p, len))
				return put_utf8(out, p + bom_len(p, len),
				    len - bom_len(p, len));
			return mislabelled_utf8(a, p, len, out);
		default:
			return convert(a, p, len, out);
		}
	}
	g = charset_guess(p, len);
	if ((a = alias_find(g)) == NULL)
		return CHARSET_ENOMEM; /* cannot happen: guesses are aliases */
	rc = convert(a, p, len, out);
	return rc == CHARSET_OK ? CHARSET_GUESSED : rc;
}
