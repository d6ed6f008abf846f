/*
 * address - Japanese postal addresses and postal codes in normalised text.
 *
 * An address starts with one of the 47 prefectures, or, without one, with
 * a designated city (横浜市) or one of Tokyo's 23 wards (千代田区); then a
 * municipality ending in 市/区/町/村 (a county 郡 before a town or village,
 * a ward after a designated city), then a town name and a block: numbers
 * joined by '-' or by 丁目/番地/番/号/条/の, in ASCII or kanji numerals
 * (1-2-3, 1丁目2番3号, 一丁目二番三号, 北1条西2丁目). A postal code is
 * 123-4567, 〒1234567 or 郵便番号 1234567; with a table loaded it is
 * looked up, and when an address is in the same line it is checked to
 * agree with it (same prefecture, the municipality within the table's
 * address).
 *
 * Input is normalised text (see normalize.h): ASCII digits, '-' between
 * digits, ' ' for the ideographic space. The functions are pure and
 * thread-safe; a postal table is immutable once loaded. What it does not
 * do: names, records, or any decision about confidence (person.c does).
 * Limits: a line is looked at up to the length the caller gives; an
 * address is at most ADDRESS_MAX_CHARS code points; the postal table at
 * most POSTAL_MAX_ENTRIES entries and DICT_MAX_FILE bytes.
 */
#ifndef DLP_ADDRESS_H
#define DLP_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDRESS_MAX_CHARS  64
#define POSTAL_MAX_ENTRIES 200000

enum postal_state {
	POSTAL_NONE = 0,  /* no postal code */
	POSTAL_UNKNOWN,	  /* the shape, but not in the table */
	POSTAL_VALID,	  /* in the table; no address beside it */
	POSTAL_AGREES,	  /* in the table and agrees with the address */
	POSTAL_DISAGREES, /* in the table, another place than the address */
};

struct address {
	size_t start, end; /* bytes, relative to the text given */
	char pref[16]; /* 東京都; inferred for a ward or designated city */
	char city[64]; /* 千代田区, 札幌市北区, 石狩郡当別町; or "" */
	char block[32]; /* 1-2-3 (kanji numerals as digits), or "" */
	char postal[8]; /* 7 digits, or "" */
	enum postal_state postal_state;
	bool full; /* prefecture/city and block, or a postal code that
		      agrees with the address beside it */
};

struct postal_table;

/*
 * postal_load: the table at path, lines "1000001<TAB>東京都千代田区千代田"
 * (tools/mkdict writes it). NULL with a message in err on any error: an
 * unreadable file, a malformed line (with its number), too many entries,
 * no entries.
 */
struct postal_table *postal_load(const char *path, char *err, size_t errlen);

/* postal_free: NULL is allowed. */
void postal_free(struct postal_table *t);

size_t postal_size(const struct postal_table *t);

/* postal_lookup: the address of 7 ASCII digits, or NULL. */
const char *postal_lookup(const struct postal_table *t, const char *digits);

/*
 * address_next_anchor: the offset of the first byte in s where an address
 * or postal code could be (the last character of a prefecture, 市 or 区,
 * 〒, or the '-' of ddd-dddd), or len when there is none. A fast scan:
 * by the anchors' last bytes, 16 bytes at a time with SSE2, else one
 * table load a byte.
 */
size_t address_next_anchor(const char *s, size_t len);

/*
 * address_scan: every address and postal code in len bytes of s (one
 * line), at most maxn, in order, into out. A postal code is merged into
 * the address nearest to it in the line; one without an address is an
 * entry of its own (city and block from nothing, pref and city from the
 * table when it is in it). t may be NULL (postal codes are then
 * POSTAL_UNKNOWN). Returns the number stored.
 */
size_t address_scan(const struct postal_table *t, const char *s, size_t len,
    struct address *out, size_t maxn);

/*
 * u8_next: the code point at s[0] (len > 0) and its length in *n; an
 * invalid sequence is U+FFFD of length 1. Inline: every recogniser calls
 * it once a character.
 */
static inline uint32_t
u8_next(const char *s, size_t len, size_t *n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c = u[0];

	if (c < 0x80 || len < 2) {
		*n = 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf && (u[1] & 0xc0) == 0x80) {
		*n = 2;
		return (c & 0x1f) << 6 | (u[1] & 0x3f);
	}
	if (c >= 0xe0 && c <= 0xef && len >= 3 && (u[1] & 0xc0) == 0x80 &&
	    (u[2] & 0xc0) == 0x80) {
		*n = 3;
		return (c & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 |
		    (u[2] & 0x3f);
	}
	if (c >= 0xf0 && c <= 0xf4 && len >= 4 && (u[1] & 0xc0) == 0x80 &&
	    (u[2] & 0xc0) == 0x80 && (u[3] & 0xc0) == 0x80) {
		*n = 4;
		return (c & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12 |
		    (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f);
	}
	*n = 1;
	return 0xFFFD;
}

/*
 * Character classes used by the name and address recognisers (inline:
 * they are asked once a character).
 */
static inline bool
cp_is_kanji(uint32_t c) /* CJK ideographs, 々, ヶ, 〆 */
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	    (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF) ||
	    c == 0x3005 || c == 0x3006 || c == 0x30F6 || c == 0x30F5;
}

static inline bool
cp_is_hira(uint32_t c)
{
	return c >= 0x3041 && c <= 0x3096;
}

static inline bool
cp_is_kata(uint32_t c) /* including ー */
{
	return (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC;
}

#endif
