/*
 * Unit tests for dict: adding and finding entries, longest first, ASCII
 * case, the bounds (entry length, entry count), invalid UTF-8, and every
 * error of dict_load (missing file, empty list, bad entry, long line).
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

#include "dict.h"

static struct dict *
of(const char *const *w)
{
	struct dict *d = dict_new(100);

	assert_non_null(d);
	for (; *w != NULL; w++)
		assert_int_equal(dict_add(d, *w, strlen(*w)), 0);
	return d;
}

static void
test_match_returns_every_entry_at_a_position_longest_first(void **state)
{
	static const char *const w[] = { "佐", "佐藤", "佐藤木", "藤", NULL };
	struct dict *d = of(w);
	const char *s = "佐藤木村";
	size_t lens[4];

	assert_int_equal(dict_size(d), 4);
	assert_int_equal(dict_match(d, s, strlen(s), lens, 4), 3);
	assert_int_equal(lens[0], strlen("佐藤木"));
	assert_int_equal(lens[1], strlen("佐藤"));
	assert_int_equal(lens[2], strlen("佐"));
	/* at most maxn, still the longest */
	assert_int_equal(dict_match(d, s, strlen(s), lens, 1), 1);
	assert_int_equal(lens[0], strlen("佐藤木"));
	/* within len bytes only */
	assert_int_equal(dict_longest(d, s, strlen("佐藤")), strlen("佐藤"));
	assert_int_equal(dict_longest(d, "木村", strlen("木村")), 0);
	dict_free(d);
}

static void
test_duplicates_count_once_and_ascii_case_is_ignored(void **state)
{
	static const char *const w[] = { "TEL", "tel", "Name", NULL };
	struct dict *d = of(w);

	assert_int_equal(dict_size(d), 2);
	assert_true(dict_has(d, "Tel", 3));
	assert_true(dict_has(d, "NAME", 4));
	assert_false(dict_has(d, "NAM", 3));
	assert_false(dict_has(d, "", 0));
	dict_free(d);
}

static void
test_find_gives_the_first_position(void **state)
{
	static const char *const w[] = { "株式会社", "銀行", NULL };
	struct dict *d = of(w);
	const char *s = "サンプル銀行と株式会社";
	size_t at = 99;

	assert_int_equal(dict_find(d, s, strlen(s), &at), strlen("銀行"));
	assert_int_equal(at, strlen("サンプル"));
	assert_int_equal(dict_find(d, "なし", strlen("なし"), &at), 0);
	dict_free(d);
}

static void
test_add_rejects_bad_entries_and_respects_the_maximum(void **state)
{
	struct dict *d = dict_new(2);
	char big[DICT_MAX_ENTRY + 2];

	assert_non_null(d);
	memset(big, 'a', sizeof(big));
	assert_int_equal(dict_add(d, "", 0), -1);
	assert_int_equal(dict_add(d, big, sizeof(big)), -1);
	/* 17 code points: more than DICT_MAX_CHARS */
	assert_int_equal(dict_add(d, "abcdefghijklmnopq", 17), -1);
	assert_int_equal(dict_add(d, "\xe6\xa0", 2), -1); /* cut UTF-8 */
	assert_int_equal(dict_add(d, "\xff", 1), -1);
	assert_int_equal(dict_add(d, "a", 1), 0);
	assert_int_equal(dict_add(d, "b", 1), 0);
	assert_int_equal(dict_add(d, "a", 1), 0); /* duplicate: fine */
	assert_int_equal(dict_add(d, "c", 1), -2);
	dict_free(d);
	dict_free(NULL);
}

static void
test_table_grows_past_its_first_size(void **state)
{
	struct dict *d = dict_new(5000);
	char w[16];
	int i;

	assert_non_null(d);
	for (i = 0; i < 5000; i++) {
		snprintf(w, sizeof(w), "w%d", i);
		assert_int_equal(dict_add(d, w, strlen(w)), 0);
	}
	assert_int_equal(dict_size(d), 5000);
	for (i = 0; i < 5000; i += 7) {
		snprintf(w, sizeof(w), "w%d", i);
		assert_true(dict_has(d, w, strlen(w)));
	}
	assert_false(dict_has(d, "w5000", 5));
	dict_free(d);
}

static char dir[] = "/tmp/test_dict.XXXXXX";

static const char *
write_file(const char *name, const char *content, size_t len)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(content, 1, len, fp), len);
	fclose(fp);
	return path;
}

/*
 * A pair map built from two dicts answers for both: every entry's first
 * two characters are in it, and a dict with a one-character entry gives
 * no pair map (the caller cannot rely on pairs then).
 */
static void
test_pair_map_covers_every_entry_and_refuses_one_character_entries(void **state)
{
	static unsigned char map[DICT_FIRST_BYTES];
	struct dict *a = dict_new(16), *b = dict_new(16), *c = dict_new(16);
	const char *const in_a[] = { "株式会社", "銀行", "Inc." };
	const char *const in_b[] = { "テスト", "見本" };
	size_t k, misses = 0;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	for (k = 0; k < 3; k++)
		assert_int_equal(dict_add(a, in_a[k], strlen(in_a[k])), 0);
	for (k = 0; k < 2; k++)
		assert_int_equal(dict_add(b, in_b[k], strlen(in_b[k])), 0);
	assert_int_equal(dict_add(c, "様", strlen("様")), 0);
	memset(map, 0, sizeof(map));
	assert_true(dict_first_pairs(a, map));
	assert_true(dict_first_pairs(b, map));
	for (k = 0; k < 3; k++)
		assert_true(dict_pair_in(map, in_a[k], strlen(in_a[k])));
	for (k = 0; k < 2; k++)
		assert_true(dict_pair_in(map, in_b[k], strlen(in_b[k])));
	/* ASCII letters in any case, as dict_match compares them */
	assert_true(dict_pair_in(map, "INC", 3));
	/* fewer than two characters: no pair */
	assert_false(dict_pair_in(map, "株", strlen("株")));
	assert_false(dict_pair_in(map, "", 0));
	/* a pair no entry starts with is (nearly always) out */
	misses += !dict_pair_in(map, "東京", strlen("東京"));
	misses += !dict_pair_in(map, "山田", strlen("山田"));
	misses += !dict_pair_in(map, "株主", strlen("株主"));
	assert_true(misses >= 2);
	/* a one-character entry: no pair map, and map is left alone */
	map[0] = 0x5a;
	assert_false(dict_first_pairs(c, map));
	assert_int_equal(map[0], 0x5a);
	dict_free(a);
	dict_free(b);
	dict_free(c);
}

static void
test_load_reads_a_list_and_reports_each_error(void **state)
{
	char err[256], *longline;
	struct dict *d;
	const char *p;

	assert_non_null(mkdtemp(dir));
	p = write_file("ok.txt", "# comment\n山田\r\n\n佐藤\n", 22);
	assert_non_null(d = dict_load(p, err, sizeof(err)));
	assert_int_equal(dict_size(d), 2);
	assert_true(dict_has(d, "山田", strlen("山田")));
	dict_free(d);

	assert_null(dict_load("/nonexistent/x.txt", err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open"));

	p = write_file("empty.txt", "# nothing\n", 10);
	assert_null(dict_load(p, err, sizeof(err)));
	assert_non_null(strstr(err, "no entries"));

	p = write_file("bad.txt", "山田\nabcdefghijklmnopqrstu\n", 29);
	assert_null(dict_load(p, err, sizeof(err)));
	assert_non_null(strstr(err, ":2: entry too long"));

	longline = malloc(2000);
	assert_non_null(longline);
	memset(longline, 'x', 1999);
	longline[1999] = '\n';
	p = write_file("long.txt", longline, 2000);
	assert_null(dict_load(p, err, sizeof(err)));
	assert_non_null(strstr(err, ":1: line too long"));
	free(longline);
	unlink(write_file("ok.txt", "", 0));
	unlink(write_file("empty.txt", "", 0));
	unlink(write_file("bad.txt", "", 0));
	unlink(write_file("long.txt", "", 0));
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_match_returns_every_entry_at_a_position_longest_first),
		cmocka_unit_test(
		    test_duplicates_count_once_and_ascii_case_is_ignored),
		cmocka_unit_test(test_find_gives_the_first_position),
		cmocka_unit_test(
		    test_add_rejects_bad_entries_and_respects_the_maximum),
		cmocka_unit_test(test_table_grows_past_its_first_size),
		cmocka_unit_test(
		    test_pair_map_covers_every_entry_and_refuses_one_character_entries),
		cmocka_unit_test(test_load_reads_a_list_and_reports_each_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
