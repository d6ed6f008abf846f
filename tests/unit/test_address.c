/*
 * Unit tests for address: prefectures, municipalities (counties, wards of
 * designated cities, 四日市市 and 東村山市), blocks in every writing
 * (1-2-3, 1丁目2番3号, kanji numerals, 北1条西2丁目), postal codes (found,
 * looked up, agreeing or not with the address beside them), what is not
 * an address (phones, dates, a bare city), the anchor scan, and the
 * errors of postal_load. Place names and postal codes are real (they are
 * not personal data); street numbers are made up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "address.h"

#define POSTAL "patterns/dict/jp_postal.txt"

static struct postal_table *table;

static int
setup(void **state)
{
	char err[256];

	table = postal_load(POSTAL, err, sizeof(err));
	if (table == NULL)
		fprintf(stderr, "%s\n", err);
	return table == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	postal_free(table);
	return 0;
}

static const struct {
	const char *text, *pref, *city, *block, *postal;
	enum postal_state st;
	bool full;
} cases[] = {
	{ "東京都千代田区千代田1-2-3", "東京都", "千代田区", "1-2-3", "",
	    POSTAL_NONE, true },
	{ "東京都千代田区千代田1丁目2番3号", "東京都", "千代田区", "1-2-3", "",
	    POSTAL_NONE, true },
	{ "東京都東村山市本町一丁目二番三号", "東京都", "東村山市", "1-2-3", "",
	    POSTAL_NONE, true },
	{ "北海道札幌市北区北10条西2丁目3-4", "北海道", "札幌市北区",
	    "10-2-3-4", "", POSTAL_NONE, true },
	{ "長野県北佐久郡軽井沢町大字軽井沢123", "長野県", "北佐久郡軽井沢町",
	    "123", "", POSTAL_NONE, true },
	{ "三重県四日市市諏訪町1-2", "三重県", "四日市市", "1-2", "",
	    POSTAL_NONE, true },
	{ "宮城県仙台市青葉区一番町2-3-4", "宮城県", "仙台市青葉区", "2-3-4",
	    "", POSTAL_NONE, true },
	{ "横浜市中区山下町12-3", "神奈川県", "横浜市中区", "12-3", "",
	    POSTAL_NONE, true },
	{ "世田谷区太子堂1-2-3", "東京都", "世田谷区", "1-2-3", "", POSTAL_NONE,
	    true },
	{ "〒100-0001 東京都千代田区千代田1-2-3", "東京都", "千代田区", "1-2-3",
	    "1000001", POSTAL_AGREES, true },
	{ "東京都千代田区千代田 〒100-0001", "東京都", "千代田区", "",
	    "1000001", POSTAL_AGREES, true },
	{ "100-0001,東京都港区芝公園1-2-3", "東京都", "港区", "1-2-3",
	    "1000001", POSTAL_DISAGREES, false },
	{ "郵便番号 1000001", "東京都", "千代田区", "", "1000001", POSTAL_VALID,
	    false },
	{ "〒0000000", "", "", "", "0000000", POSTAL_UNKNOWN, false },
	{ "東京都千代田区 2024-01-05", "東京都", "千代田区", "", "",
	    POSTAL_NONE, false },
	{ "東京都千代田区", "東京都", "千代田区", "", "", POSTAL_NONE, false },
};

static void
test_addresses_in_every_writing(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct address a[4];
		size_t n = address_scan(
		    table, cases[i].text, strlen(cases[i].text), a, 4);

		if (n != 1)
			fail_msg("%s: %zu addresses", cases[i].text, n);
		assert_string_equal(a[0].pref, cases[i].pref);
		assert_string_equal(a[0].city, cases[i].city);
		assert_string_equal(a[0].block, cases[i].block);
		assert_string_equal(a[0].postal, cases[i].postal);
		if (a[0].postal_state != cases[i].st ||
		    a[0].full != cases[i].full)
			fail_msg("%s: state %d full %d", cases[i].text,
			    a[0].postal_state, a[0].full);
	}
}

static void
test_what_is_not_an_address(void **state)
{
	static const char *const no[] = {
		"大阪市の天気は晴れ",	      /* a bare city */
		"電話 090-1234-5678",	      /* a phone */
		"0120-123-4567",	      /* a toll-free number */
		"注文番号 12-3456789",	      /* no postal shape */
		"市場調査の結果、区別が必要", /* 市, 区 in words */
		"地区センター",
		"",
	};
	size_t i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		struct address a[4];

		if (address_scan(table, no[i], strlen(no[i]), a, 4) != 0)
			fail_msg("'%s' read as an address", no[i]);
	}
}

static void
test_offsets_and_several_addresses_in_a_line(void **state)
{
	const char *s =
	    "旧: 東京都新宿区新宿1-1-1 新: 大阪府大阪市中央区難波2-2-2";
	struct address a[4];
	size_t n = address_scan(table, s, strlen(s), a, 4);

	assert_int_equal(n, 2);
	assert_int_equal(a[0].start, strlen("旧: "));
	assert_memory_equal(s + a[0].end - 5, "1-1-1", 5);
	assert_string_equal(a[1].city, "大阪市中央区");
	assert_int_equal(a[1].end, strlen(s));
	/* maxn bounds the output */
	assert_int_equal(address_scan(table, s, strlen(s), a, 1), 1);
	/* without a table, a postal code is unknown */
	n = address_scan(NULL, "〒100-0001", strlen("〒100-0001"), a, 4);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].postal_state, POSTAL_UNKNOWN);
}

static void
test_anchor_scan_finds_only_anchors(void **state)
{
	const char *s;

	s = "本日は晴天なり。Meeting at 10:00.";
	assert_int_equal(address_next_anchor(s, strlen(s)), strlen(s));
	s = "ここは東京都";
	assert_int_equal(
	    address_next_anchor(s, strlen(s)), strlen("ここは東京"));
	s = "tel 03-12-5678 / 〒";
	assert_int_equal(
	    address_next_anchor(s, strlen(s)), strlen("tel 03-12-5678 / "));
	/* the shape inside a phone is an anchor (address_scan drops it) */
	s = "tel 03-1234-5678";
	assert_int_equal(address_next_anchor(s, strlen(s)), strlen("tel 03-1"));
	s = "code 123-4567";
	assert_int_equal(address_next_anchor(s, strlen(s)), strlen("code "));
	/* a character cut by len is no anchor */
	s = "東京都";
	assert_int_equal(address_next_anchor(s, strlen(s) - 1), strlen(s) - 1);
}

/*
 * The anchor scan as it was first written, a character at a time: the
 * fast scan (16 bytes at a time where the CPU can) must agree with it at
 * every length and starting offset, on text that has anchors anywhere
 * (at the ends of the 16-byte blocks too), near misses (市 cut short, the
 * last bytes of anchors after other lead bytes, ddd-ddd), and invalid
 * UTF-8.
 */
static size_t
anchor_by_chars(const char *s, size_t len)
{
	static const char *const anchors[] = { "市", "県", "〒", "道", "府",
		"区", "都" };
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < len) {
		if (u[i] == '-') {
			if (i >= 3 && i + 4 < len) {
				for (k = 0; k < 8; k++)
					if (k != 3 &&
					    (u[i - 3 + k] < '0' ||
						u[i - 3 + k] > '9'))
						break;
				if (k == 8)
					return i - 3;
			}
			i++;
		} else if (u[i] >= 0xe0 && u[i] < 0xf0 && i + 2 < len &&
		    (u[i + 1] & 0xc0) == 0x80 && (u[i + 2] & 0xc0) == 0x80) {
			for (k = 0; k < 7; k++)
				if (memcmp(s + i, anchors[k], 3) == 0)
					return i;
			i += 3;
		} else
			i++;
	}
	return len;
}

static void
test_anchor_scan_agrees_with_a_character_walk(void **state)
{
	static const char *const pieces[] = { "市", "県", "〒", "道", "府",
		"区", "都", "る", "ろ", "ん", "東京", "例題", "a", " ", "-",
		"1", "23", "456", "7890", "\xe5\xb8", "\x82", "\xe5",
		"\xe9\x83", "\xf0\x9f\x98\x80", "\xe3\x82\x92", "\xe7\x9c" };
	char buf[200];
	unsigned seed = 12345;
	size_t round, n, len, off;

	(void)state;
	for (round = 0; round < 4000; round++) {
		n = 0;
		while (n < 150) {
			const char *p;

			seed = seed * 1103515245u + 12345u;
			p = pieces[(seed >> 16) %
			    (sizeof(pieces) / sizeof(pieces[0]))];
			memcpy(buf + n, p, strlen(p));
			n += strlen(p);
		}
		seed = seed * 1103515245u + 12345u;
		off = (seed >> 16) % 20;
		for (len = 0; off + len <= n; len += 1 + len / 8)
			assert_int_equal(address_next_anchor(buf + off, len),
			    anchor_by_chars(buf + off, len));
	}
}

static void
test_postal_lookup(void **state)
{
	assert_true(postal_size(table) > 100000);
	assert_string_equal(
	    postal_lookup(table, "1000001"), "東京都千代田区千代田");
	assert_null(postal_lookup(table, "0000000"));
	assert_null(postal_lookup(table, "12a4567"));
	assert_null(postal_lookup(NULL, "1000001"));
}

static void
test_postal_load_errors(void **state)
{
	char dir[] = "/tmp/test_address.XXXXXX", path[128], err[256];
	FILE *fp;

	assert_null(postal_load("/nonexistent/p.txt", err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open"));
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.txt", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("# no entries\n", fp);
	fclose(fp);
	assert_null(postal_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "no entries"));
	assert_non_null(fp = fopen(path, "w"));
	fputs("1000001\t東京都千代田区千代田\n1000002 東京都\n", fp);
	fclose(fp);
	assert_null(postal_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, ":2: not"));
	unlink(path);
	rmdir(dir);
	postal_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses_in_every_writing),
		cmocka_unit_test(test_what_is_not_an_address),
		cmocka_unit_test(test_offsets_and_several_addresses_in_a_line),
		cmocka_unit_test(test_anchor_scan_finds_only_anchors),
		cmocka_unit_test(test_anchor_scan_agrees_with_a_character_walk),
		cmocka_unit_test(test_postal_lookup),
		cmocka_unit_test(test_postal_load_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
