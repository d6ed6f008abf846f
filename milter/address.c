/*
 * address - addresses and postal codes. See address.h.
 *
 * The recogniser is a small hand-written scanner rather than a regular
 * expression because the parts interlock: the municipality's end depends
 * on its suffix (a county wants a town after it, a designated city may
 * have a ward), and the block is canonicalised as it is read (kanji
 * numerals to digits, 丁目/番/号 to '-'), so that 1丁目2番3号 and 1-2-3
 * count as one address. Every loop is bounded by ADDRESS_MAX_CHARS code
 * points from its start, so the cost is linear in the line.
 */
#include <errno.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "dict.h"

#define P(x)                     \
	{                        \
		x, sizeof(x) - 1 \
	}
static const struct {
	const char *s;
	size_t len;
} prefectures[47] = {
	P("北海道"),
	P("青森県"),
	P("岩手県"),
	P("宮城県"),
	P("秋田県"),
	P("山形県"),
	P("福島県"),
	P("茨城県"),
	P("栃木県"),
	P("群馬県"),
	P("埼玉県"),
	P("千葉県"),
	P("東京都"),
	P("神奈川県"),
	P("新潟県"),
	P("富山県"),
	P("石川県"),
	P("福井県"),
	P("山梨県"),
	P("長野県"),
	P("岐阜県"),
	P("静岡県"),
	P("愛知県"),
	P("三重県"),
	P("滋賀県"),
	P("京都府"),
	P("大阪府"),
	P("兵庫県"),
	P("奈良県"),
	P("和歌山県"),
	P("鳥取県"),
	P("島根県"),
	P("岡山県"),
	P("広島県"),
	P("山口県"),
	P("徳島県"),
	P("香川県"),
	P("愛媛県"),
	P("高知県"),
	P("福岡県"),
	P("佐賀県"),
	P("長崎県"),
	P("熊本県"),
	P("大分県"),
	P("宮崎県"),
	P("鹿児島県"),
	P("沖縄県"),
};
#undef P

/* Cities written without their prefecture often: the designated cities. */
static const struct {
	const char *city, *pref;
} designated[] = { { "札幌市", "北海道" }, { "仙台市", "宮城県" },
	{ "さいたま市", "埼玉県" }, { "千葉市", "千葉県" },
	{ "横浜市", "神奈川県" }, { "川崎市", "神奈川県" },
	{ "相模原市", "神奈川県" }, { "新潟市", "新潟県" },
	{ "静岡市", "静岡県" }, { "浜松市", "静岡県" },
	{ "名古屋市", "愛知県" }, { "京都市", "京都府" },
	{ "大阪市", "大阪府" }, { "堺市", "大阪府" }, { "神戸市", "兵庫県" },
	{ "岡山市", "岡山県" }, { "広島市", "広島県" },
	{ "北九州市", "福岡県" }, { "福岡市", "福岡県" },
	{ "熊本市", "熊本県" } };

static const char *const tokyo_wards[23] = { "千代田区", "中央区", "港区",
	"新宿区", "文京区", "台東区", "墨田区", "江東区", "品川区", "目黒区",
	"大田区", "世田谷区", "渋谷区", "中野区", "杉並区", "豊島区", "北区",
	"荒川区", "板橋区", "練馬区", "足立区", "葛飾区", "江戸川区" };

#define CP_SHI	0x5E02 /* 市 */
#define CP_KU	0x533A /* 区 */
#define CP_CHO	0x753A /* 町 */
#define CP_SON	0x6751 /* 村 */
#define CP_GUN	0x90E1 /* 郡 */
#define CP_POST 0x3012 /* 〒 */

/* ---- characters ---- */

static bool
cp_is_wordch(uint32_t c)
{
	return cp_is_kanji(c) || cp_is_hira(c) || cp_is_kata(c);
}

/* The value of a kanji numeral digit, -1 for 十百千, -2 otherwise. */
static int
kanji_digit(uint32_t c)
{
	switch (c) {
	case 0x3007: /* 〇 */
	case 0x96F6: /* 零 */
		return 0;
	case 0x4E00: /* 一 */
		return 1;
	case 0x4E8C: /* 二 */
		return 2;
	case 0x4E09: /* 三 */
		return 3;
	case 0x56DB: /* 四 */
		return 4;
	case 0x4E94: /* 五 */
		return 5;
	case 0x516D: /* 六 */
		return 6;
	case 0x4E03: /* 七 */
		return 7;
	case 0x516B: /* 八 */
		return 8;
	case 0x4E5D: /* 九 */
		return 9;
	case 0x5341: /* 十 */
	case 0x767E: /* 百 */
	case 0x5343: /* 千 */
		return -1;
	}
	return -2;
}

static unsigned
kanji_unit(uint32_t c)
{
	return c == 0x5341 ? 10 : c == 0x767E ? 100 : 1000;
}

static bool
starts(const char *s, size_t len, size_t i, const char *w)
{
	size_t n = strlen(w);

	return i + n <= len && memcmp(s + i, w, n) == 0;
}

static void
copy(char *dst, size_t dstlen, const char *src, size_t n)
{
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- the postal table ---- */

struct postal_entry {
	uint32_t code;
	uint32_t off;
};

struct postal_table {
	struct postal_entry *e;
	size_t n;
	char *pool;
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct postal_entry *x = a, *y = b;

	return x->code < y->code ? -1 : x->code > y->code;
}

void
postal_free(struct postal_table *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t->pool);
	free(t);
}

size_t
postal_size(const struct postal_table *t)
{
	return t->n;
}

struct postal_table *
postal_load(const char *path, char *err, size_t errlen)
{
	struct postal_table *t = NULL;
	FILE *fp;
	char line[512];
	size_t pool_len = 0, pool_cap = 0, cap = 0, total = 0;
	unsigned lineno = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(
		    err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto nomem;
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t n = strlen(line), i, alen;
		uint32_t code = 0;

		lineno++;
		total += n;
		if (total > DICT_MAX_FILE) {
			snprintf(err, errlen, "%s: larger than %u bytes", path,
			    DICT_MAX_FILE);
			goto fail;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		for (i = 0; i < 7 && i < n && line[i] >= '0' && line[i] <= '9';
		     i++)
			code = code * 10 + (uint32_t)(line[i] - '0');
		if (i != 7 || n < 9 || line[7] != '\t' || n - 8 > 200) {
			snprintf(err, errlen,
			    "%s:%u: not \"1234567<TAB>address\"", path, lineno);
			goto fail;
		}
		if (t->n >= POSTAL_MAX_ENTRIES) {
			snprintf(err, errlen, "%s:%u: too many entries", path,
			    lineno);
			goto fail;
		}
		alen = n - 8;
		if (t->n == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			void *p = realloc(t->e, ncap * sizeof(*t->e));

			if (p == NULL)
				goto nomem;
			t->e = p;
			cap = ncap;
		}
		if (pool_len + alen + 1 > pool_cap) {
			size_t ncap = pool_cap ? pool_cap * 2 : 65536;
			void *p;

			while (ncap < pool_len + alen + 1)
				ncap *= 2;
			if ((p = realloc(t->pool, ncap)) == NULL)
				goto nomem;
			t->pool = p;
			pool_cap = ncap;
		}
		memcpy(t->pool + pool_len, line + 8, alen);
		t->pool[pool_len + alen] = '\0';
		t->e[t->n].code = code;
		t->e[t->n].off = (uint32_t)pool_len;
		t->n++;
		pool_len += alen + 1;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	if (t->n == 0) {
		snprintf(err, errlen, "%s: no entries", path);
		goto fail;
	}
	qsort(t->e, t->n, sizeof(*t->e), entry_cmp);
	fclose(fp);
	return t;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	fclose(fp);
	postal_free(t);
	return NULL;
}

const char *
postal_lookup(const struct postal_table *t, const char *digits)
{
	uint32_t code = 0;
	size_t lo = 0, hi, i;

	if (t == NULL)
		return NULL;
	for (i = 0; i < 7; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return NULL;
		code = code * 10 + (uint32_t)(digits[i] - '0');
	}
	hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->e[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n && t->e[lo].code == code)
		return t->pool + t->e[lo].off;
	return NULL;
}

/* ---- the anchor scan ---- */

static bool
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Interesting final bytes: of 市 (E5 B8 82), 県 (E7 9C 8C), 〒 (E3 80 92),
 * 道 (E9 81 93), 府 (E5 BA 9C), 区 (E5 8C BA), 都 (E9 83 BD), and '-'.
 */
static const unsigned char anchor_last[256] = { ['-'] = 1,
	[0x82] = 1,
	[0x8C] = 1,
	[0x92] = 1,
	[0x93] = 1,
	[0x9C] = 1,
	[0xBA] = 1,
	[0xBD] = 1 };

static bool
is_anchor(const unsigned char *u, size_t i, size_t len)
{
	unsigned a, b;

	if (u[i] == '-')
		return i >= 3 && i + 4 < len + 0 && isdig((char)u[i - 1]) &&
		    isdig((char)u[i - 2]) && isdig((char)u[i - 3]) &&
		    isdig((char)u[i + 1]) && isdig((char)u[i + 2]) &&
		    isdig((char)u[i + 3]) && isdig((char)u[i + 4]);
	if (i < 2)
		return false;
	a = u[i - 2];
	b = u[i - 1];
	switch (u[i]) {
	case 0x82:
		return a == 0xE5 && b == 0xB8;
	case 0x8C:
		return a == 0xE7 && b == 0x9C;
	case 0x92:
		return a == 0xE3 && b == 0x80;
	case 0x93:
		return a == 0xE9 && b == 0x81;
	case 0x9C:
		return a == 0xE5 && b == 0xBA;
	case 0xBA:
		return a == 0xE5 && b == 0x8C;
	case 0xBD:
		return a == 0xE9 && b == 0x83;
	}
	return false;
}

/* The offset address_next_anchor returns for an anchor whose last byte
   is at j (is_anchor true): the start of its character or of ddd-dddd. */
static size_t
anchor_start(const unsigned char *u, size_t j)
{
	return u[j] == '-' ? j - 3 : j - 2;
}

#ifdef __SSE2__
/*
 * 16 positions at a time: a byte that can end an anchor ('-', or the
 * last byte of an anchor character with its lead byte two before, and
 * for 〒 its middle byte too: を, ぁ and あ end as 市 and 〒 do), then
 * is_anchor on the few such positions.
 */
static size_t
scan_vec(const unsigned char *u, size_t len, size_t *pj)
{
#define B(x)	  _mm_set1_epi8((char)(x))
#define EQ(v, x)  _mm_cmpeq_epi8((v), B(x))
#define OR(a, b)  _mm_or_si128((a), (b))
#define AND(a, b) _mm_and_si128((a), (b))
	size_t j = *pj;

	for (; j + 16 <= len; j += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(u + j));
		__m128i m1 = _mm_loadu_si128((const __m128i *)(u + j - 1));
		__m128i w = _mm_loadu_si128((const __m128i *)(u + j - 2));
		/* 市 E5B882, 府 E5BA9C, 区 E58CBA; 県 E79C8C; 〒 E38092;
		   道 E98193, 都 E983BD */
		__m128i hit =
		    OR(OR(AND(EQ(w, 0xE5),
			      OR(OR(EQ(v, 0x82), EQ(v, 0x9C)), EQ(v, 0xBA))),
			   AND(EQ(w, 0xE7), EQ(v, 0x8C))),
			OR(OR(AND(AND(EQ(w, 0xE3), EQ(m1, 0x80)), EQ(v, 0x92)),
			       AND(EQ(w, 0xE9), OR(EQ(v, 0x93), EQ(v, 0xBD)))),
			    EQ(v, '-')));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);

		while (m != 0) {
			size_t k = j + (size_t)__builtin_ctz(m);

			if (is_anchor(u, k, len)) {
				*pj = k;
				return anchor_start(u, k);
			}
			m &= m - 1;
		}
	}
	*pj = j;
	return len;
#undef B
#undef EQ
#undef OR
#undef AND
}
#endif

size_t
address_next_anchor(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t j = 2;

	/*
	 * By the anchor's last byte: a lead byte (E3, E5, E7, E9) is never a
	 * continuation byte, so the three bytes of an anchor character are
	 * always that character, and ASCII '-' is never inside one; the first
	 * anchor by its last byte is the first by its start. No anchor ends
	 * before byte 2.
	 */
#ifdef __SSE2__
	{
		size_t a = scan_vec(u, len, &j);

		if (a != len)
			return a;
	}
#endif
	for (; j < len; j++)
		if (anchor_last[u[j]] && is_anchor(u, j, len))
			return anchor_start(u, j);
	return len;
}

/* ---- the address parser ---- */

struct pcur {
	const char *s;
	size_t len;
};

static uint32_t
cp_at(const struct pcur *c, size_t i, size_t *n)
{
	if (i >= c->len) {
		*n = 0;
		return 0;
	}
	return u8_next(c->s + i, c->len - i, n);
}

static size_t
skip_space(const struct pcur *c, size_t i)
{
	if (i < c->len && c->s[i] == ' ')
		return i + 1;
	return i;
}

/*
 * The municipality at i: into city, returns the position after it, or 0.
 */
static size_t
parse_city(const struct pcur *c, size_t i, char *city, size_t citylen)
{
	size_t p = i, n, k, gun = 0, end = 0;
	uint32_t ch;

	for (k = 0; k < 12; k++) {
		ch = cp_at(c, p, &n);
		if (n == 0 || !cp_is_wordch(ch))
			break;
		p += n;
		if (k == 0)
			continue;
		if (ch == CP_GUN && gun == 0) {
			gun = p;
			continue;
		}
		if (gun != 0) { /* a town or village, not right after 郡 */
			if ((ch == CP_CHO || ch == CP_SON) && p - n > gun) {
				end = p;
				break;
			}
			continue;
		}
		if (ch == CP_SHI || ch == CP_KU || ch == CP_CHO ||
		    ch == CP_SON) {
			end = p;
			break;
		}
	}
	if (end == 0)
		return 0;
	ch = cp_at(c, end - 3, &n);
	if (ch == CP_CHO || ch == CP_SON) {
		/* 東村山市, 大町市: a 市 close after wins */
		size_t q = end, m;

		for (k = 0; k < 3; k++) {
			uint32_t d = cp_at(c, q, &m);

			if (m == 0 || !cp_is_kanji(d))
				break;
			q += m;
			if (d == CP_SHI) {
				end = q;
				break;
			}
		}
	} else if (ch == CP_SHI) {
		size_t q = end, m;

		if (cp_at(c, q, &m) == CP_SHI) /* 四日市市 */
			end = q + m;
		q = end;
		for (k = 0; k < 5; k++) { /* a ward of a designated city */
			uint32_t d = cp_at(c, q, &m);

			if (m == 0 || !cp_is_wordch(d))
				break;
			q += m;
			if (d == CP_KU && k > 0) {
				end = q;
				break;
			}
		}
	}
	copy(city, citylen, c->s + i, end - i);
	return end;
}

/* A number at i (ASCII or kanji); its value in *v; returns its end or 0. */
static size_t
parse_number(const struct pcur *c, size_t i, unsigned *v, bool *lead0)
{
	size_t p = i, n, k;
	unsigned val = 0, cur = 0;
	uint32_t ch;
	bool kanji = false;

	*lead0 = false;
	if (p < c->len && isdig(c->s[p])) {
		*lead0 = c->s[p] == '0';
		for (k = 0; p < c->len && isdig(c->s[p]); k++, p++) {
			if (k >= 4)
				return 0;
			val = val * 10 + (unsigned)(c->s[p] - '0');
		}
		*v = val;
		return p;
	}
	for (k = 0; k < 6; k++) {
		int d;

		ch = cp_at(c, p, &n);
		if (n == 0 || (d = kanji_digit(ch)) == -2)
			break;
		kanji = true;
		if (d == -1) {
			val += (cur ? cur : 1) * kanji_unit(ch);
			cur = 0;
		} else
			cur = cur * 10 + (unsigned)d;
		p += n;
	}
	if (!kanji)
		return 0;
	*v = val + cur;
	return p;
}

#define S_CHOME	 "丁目"
#define S_BANCHI "番地"
#define S_BAN	 "番"
#define S_GO	 "号"
#define S_JO	 "条"
#define S_NO	 "の"

/* The suffix of a block's number at q (丁目, 番地, 番, 号, 条) or NULL. */
static const char *
block_suffix(const struct pcur *c, size_t q)
{
	static const char *const sufs[] = { S_CHOME, S_BANCHI, S_BAN, S_GO,
		S_JO };
	size_t k;

	for (k = 0; k < sizeof(sufs) / sizeof(sufs[0]); k++)
		if (starts(c->s, c->len, q, sufs[k]))
			return sufs[k];
	return NULL;
}

/* The block at i into block ("1-2-3"); returns its end or 0. */
static size_t
parse_block(const struct pcur *c, size_t i, char *block, size_t blocklen)
{
	size_t p = i, end = 0, bl = 0, g;

	block[0] = '\0';
	for (g = 0; g < 5; g++) {
		unsigned v;
		bool lead0, ascii = p < c->len && isdig(c->s[p]);
		size_t q = parse_number(c, p, &v, &lead0), n;
		const char *suf = NULL;

		if (q != 0 && lead0) { /* 2024-01-05, 03-1234: not a block */
			block[0] = '\0';
			return 0;
		}
		if (q == 0)
			break;
		/* 1-2-3: no suffix (the kanji ones start >= 0x80) */
		if (q < c->len && (unsigned char)c->s[q] >= 0x80)
			suf = block_suffix(c, q);
		/* a kanji numeral is a block only with its suffix (三軒茶屋) */
		if (!ascii && suf == NULL)
			break;
		{ /* "-" and the number, without printf (the hot path) */
			char d[8];
			size_t nd = 0;

			do
				d[nd++] = (char)('0' + v % 10);
			while ((v /= 10) != 0 && nd < sizeof(d));
			if (bl + nd + 2 > blocklen)
				break;
			if (g > 0)
				block[bl++] = '-';
			while (nd > 0)
				block[bl++] = d[--nd];
			block[bl] = '\0';
		}
		end = q + (suf ? strlen(suf) : 0);
		p = end;
		if (suf != NULL && strcmp(suf, S_JO) == 0) {
			uint32_t d = cp_at(c, p, &n);

			if (d == 0x6771 || d == 0x897F || d == 0x5357 ||
			    d == 0x5317) /* 東西南北 */
				p += n;
		}
		if (p < c->len &&
		    (c->s[p] == '-' || starts(c->s, c->len, p, S_NO))) {
			size_t r = p + (c->s[p] == '-' ? 1 : strlen(S_NO));

			if (r < c->len &&
			    (isdig(c->s[r]) ||
				kanji_digit(cp_at(c, r, &n)) != -2))
				p = r;
			else
				break;
		} else if (suf == NULL || strcmp(suf, S_GO) == 0)
			break;
	}
	if (end == 0)
		block[0] = '\0';
	return end;
}

/*
 * The rest of an address after its prefecture (or start city) at i:
 * municipality (unless given), town, block. Returns the end or 0.
 */
static size_t
parse_rest(const struct pcur *c, size_t i, struct address *a)
{
	size_t p = i, k, n, q;

	if (a->city[0] == '\0') {
		p = skip_space(c, p);
		if ((q = parse_city(c, p, a->city, sizeof(a->city))) == 0)
			return 0;
		p = q;
	}
	a->end = p;
	p = skip_space(c, p);
	for (k = 0; k < 20; k++) { /* the town */
		uint32_t ch;
		size_t b;

		if ((b = parse_block(c, p, a->block, sizeof(a->block))) != 0) {
			uint32_t nx = cp_at(c, b, &n);

			/* 一番町, 二条通: kanji numerals inside a town name */
			if (!isdig(c->s[p]) && n != 0 && cp_is_kanji(nx)) {
				a->block[0] = '\0';
				p = b;
				a->end = p;
				continue;
			}
			a->end = b;
			return b;
		}
		ch = cp_at(c, p, &n);
		if (n == 0)
			break;
		if (ch == ' ' && k > 0) {
			p++;
			continue;
		}
		if (!cp_is_wordch(ch))
			break;
		p += n;
		a->end = p;
	}
	return a->end;
}

/* An address starting with a prefecture that ends at byte pos_end. */
static bool
from_prefecture(
    const struct pcur *c, size_t line_start, size_t pos_end, struct address *a)
{
	size_t k;

	for (k = 0; k < 47; k++) {
		size_t n = prefectures[k].len;

		if (c->s[pos_end - 1] != prefectures[k].s[n - 1] ||
		    pos_end < line_start + n ||
		    memcmp(c->s + pos_end - n, prefectures[k].s, n) != 0)
			continue;
		memset(a, 0, sizeof(*a));
		a->start = pos_end - n;
		copy(a->pref, sizeof(a->pref), prefectures[k].s, n);
		if (parse_rest(c, pos_end, a) == 0)
			return false;
		a->full = a->block[0] != '\0';
		return true;
	}
	return false;
}

static bool
before_is_word(const struct pcur *c, size_t start)
{
	size_t b = start, n;

	if (b == 0)
		return false;
	b--;
	while (b > 0 && ((unsigned char)c->s[b] & 0xc0) == 0x80)
		b--;
	return cp_is_kanji(cp_at(c, b, &n));
}

/* A designated city or Tokyo ward ending at pos_end, without prefecture. */
static bool
from_city(
    const struct pcur *c, size_t line_start, size_t pos_end, struct address *a)
{
	size_t k, n;

	for (k = 0; k < sizeof(designated) / sizeof(designated[0]) + 23; k++) {
		const char *city, *pref;

		if (k < sizeof(designated) / sizeof(designated[0])) {
			city = designated[k].city;
			pref = designated[k].pref;
		} else {
			city = tokyo_wards[k -
			    sizeof(designated) / sizeof(designated[0])];
			pref = "東京都";
		}
		n = strlen(city);
		if (c->s[pos_end - 1] != city[n - 1] ||
		    pos_end < line_start + n ||
		    memcmp(c->s + pos_end - n, city, n) != 0 ||
		    before_is_word(c, pos_end - n))
			continue;
		memset(a, 0, sizeof(*a));
		a->start = pos_end - n;
		copy(a->pref, sizeof(a->pref), pref, strlen(pref));
		if (k < sizeof(designated) / sizeof(designated[0])) {
			/* let parse_city add the ward */
			if (parse_city(c, a->start, a->city, sizeof(a->city)) ==
			    0)
				return false;
			pos_end = a->start + strlen(a->city);
		} else
			copy(a->city, sizeof(a->city), city, n);
		if (parse_rest(c, pos_end, a) == 0 || a->block[0] == '\0')
			return false; /* a bare 大阪市 is not an address */
		a->full = true;
		return true;
	}
	return false;
}

/* A postal code at i (the anchor); its digits into out; returns end or 0. */
static size_t
parse_postal(const struct pcur *c, size_t i, size_t *start, char out[8])
{
	size_t p = i, k, n;

	*start = i;
	if (u8_next(c->s + i, c->len - i, &n) == CP_POST ||
	    starts(c->s, c->len, i, "郵便番号")) {
		p += (c->s[i] == '\xe3') ? n : strlen("郵便番号");
		while (p < c->len && (c->s[p] == ' ' || c->s[p] == ':'))
			p++;
		if (p + 7 <= c->len && isdig(c->s[p]) && isdig(c->s[p + 1]) &&
		    isdig(c->s[p + 2])) {
			size_t q = p + 3;

			if (c->s[q] == '-')
				q++;
			for (k = 0; k < 4 && q < c->len && isdig(c->s[q]); k++)
				q++;
			if (k == 4 && (q >= c->len || !isdig(c->s[q])) &&
			    (q - p == 7 || c->s[p + 3] == '-')) {
				memcpy(out, c->s + p, 3);
				memcpy(out + 3, c->s + q - 4, 4);
				out[7] = '\0';
				return q;
			}
		}
		return 0;
	}
	/* bare ddd-dddd, not inside a longer run (0120-123-4567) */
	if (i > 0 &&
	    (isdig(c->s[i - 1]) || c->s[i - 1] == '-' || c->s[i - 1] == '/' ||
		c->s[i - 1] == '.'))
		return 0;
	if (i + 8 > c->len || c->s[i + 3] != '-')
		return 0;
	for (k = 0; k < 8; k++)
		if (k != 3 && !isdig(c->s[i + k]))
			return 0;
	if (i + 8 < c->len && (isdig(c->s[i + 8]) || c->s[i + 8] == '-'))
		return 0;
	memcpy(out, c->s + i, 3);
	memcpy(out + 3, c->s + i + 4, 4);
	out[7] = '\0';
	return i + 8;
}

static void
postal_check(const struct postal_table *t, struct address *a)
{
	const char *pa = postal_lookup(t, a->postal);
	size_t pl;

	if (pa == NULL) {
		a->postal_state = POSTAL_UNKNOWN;
		return;
	}
	if (a->pref[0] == '\0') { /* a postal code alone */
		struct pcur c = { pa, strlen(pa) };
		struct address b;

		a->postal_state = POSTAL_VALID;
		for (pl = 0; pl < 47; pl++)
			if (starts(pa, c.len, 0, prefectures[pl].s) &&
			    from_prefecture(&c, 0, prefectures[pl].len, &b)) {
				memcpy(a->pref, b.pref, sizeof(a->pref));
				memcpy(a->city, b.city, sizeof(a->city));
				break;
			}
		return;
	}
	pl = strlen(a->pref);
	if (strncmp(pa, a->pref, pl) == 0 && strstr(pa + pl, a->city) != NULL) {
		a->postal_state = POSTAL_AGREES;
		a->full = true;
	} else {
		a->postal_state = POSTAL_DISAGREES;
		a->full = false;
	}
}

/*
 * The first 郵便番号 in s: memchr on its first byte, then a compare.
 * (glibc's memmem sets up a shift table on every call, which costs more
 * than the short lines it is given here.)
 */
static const char *
find_yubin(const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	while ((size_t)(end - p) >= 12 &&
	    (p = memchr(p, '\xe9', (size_t)(end - p) - 11)) != NULL) {
		if (memcmp(p, "郵便番号", 12) == 0)
			return p;
		p++;
	}
	return NULL;
}

size_t
address_scan(const struct postal_table *t, const char *s, size_t len,
    struct address *out, size_t maxn)
{
	struct pcur c = { s, len };
	struct {
		size_t start, end;
		char code[8];
		bool used;
	} post[8];
	size_t np = 0, na = 0, i = 0, k;

	while (i < len && na < maxn) {
		size_t a = address_next_anchor(s + i, len - i), n, e, ps;
		uint32_t ch;

		if (a == len - i)
			break;
		i += a;
		ch = u8_next(s + i, len - i, &n);
		if (isdig(s[i]) || ch == CP_POST) {
			char code[8];

			if ((e = parse_postal(&c, i, &ps, code)) != 0) {
				if (np < 8) {
					post[np].start = ps;
					post[np].end = e;
					memcpy(post[np].code, code, 8);
					post[np].used = false;
					np++;
				}
				i = e;
				continue;
			}
			i += isdig(s[i]) ? 4 : n;
			continue;
		}
		if ((ch == CP_SHI || ch == CP_KU)
			? from_city(&c, 0, i + n, &out[na])
			: from_prefecture(&c, 0, i + n, &out[na])) {
			i = out[na].end > i + n ? out[na].end : i + n;
			na++;
			continue;
		}
		i += n;
	}
	/* 郵便番号 1234567 has no anchor of its own */
	for (i = 0; np < 8 && i < len;) {
		const char *m = find_yubin(s + i, len - i);
		size_t e, ps;
		char code[8];

		if (m == NULL)
			break;
		i = (size_t)(m - s);
		if ((e = parse_postal(&c, i, &ps, code)) != 0) {
			for (k = 0; k < np; k++)
				if (post[k].end == e)
					break;
			if (k == np) {
				post[np].start = ps;
				post[np].end = e;
				memcpy(post[np].code, code, 8);
				post[np].used = false;
				np++;
			}
		}
		i += 12;
	}
	/* each address takes the nearest unused postal code in the line */
	for (k = 0; k < na; k++) {
		size_t best = np, bestd = (size_t)-1, j;

		out[k].postal[0] = '\0';
		out[k].postal_state = POSTAL_NONE;
		for (j = 0; j < np; j++) {
			size_t d = post[j].end <= out[k].start
			    ? out[k].start - post[j].end
			    : post[j].start - out[k].end;

			if (!post[j].used && d < bestd) {
				best = j;
				bestd = d;
			}
		}
		if (best < np) {
			post[best].used = true;
			memcpy(out[k].postal, post[best].code, 8);
			if (post[best].start < out[k].start)
				out[k].start = post[best].start;
			if (post[best].end > out[k].end)
				out[k].end = post[best].end;
			postal_check(t, &out[k]);
		}
	}
	for (k = 0; k < np && na < maxn; k++) {
		struct address *a = &out[na];

		if (post[k].used)
			continue;
		memset(a, 0, sizeof(*a));
		a->start = post[k].start;
		a->end = post[k].end;
		memcpy(a->postal, post[k].code, 8);
		postal_check(t, a);
		na++;
	}
	return na;
}
