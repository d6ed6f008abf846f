/*
 * test_column - the header cell above a value (column.c): TAB tables as
 * the spreadsheet extractors write them (empty cells kept), CSV with
 * quoted commas, a title line above the header, a line that ends the
 * table, the header row itself, cells beyond the header's width, the
 * cache going forwards and backwards, and a long table walked linearly;
 * plain-text tables separated by spaces, lined up from the side whose
 * cells are all data cells, and each case where they cannot be.
 * Values are synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "column.h"

/* The header cell of the first occurrence of needle, or "" for none. */
static const char *
header_of(const char *text, const char *needle, struct column_cache *c)
{
	static char out[COLUMN_CELL_MAX + 1];
	struct column_cache local = { 0 };
	const char *at = strstr(text, needle);
	size_t hs, he;

	assert_non_null(at);
	if (!column_header(text, strlen(text), (size_t)(at - text),
		c != NULL ? c : &local, &hs, &he))
		return "";
	memcpy(out, text + hs, he - hs);
	out[he - hs] = '\0';
	return out;
}

/* The header cell of the first occurrence of needle taken as a whole
   value (column_header_span), or "" for none. */
static const char *
span_header_of(const char *text, const char *needle)
{
	static char out[COLUMN_CELL_MAX + 1];
	struct column_cache c = { 0 };
	const char *at = strstr(text, needle);
	size_t hs, he, off;

	assert_non_null(at);
	off = (size_t)(at - text);
	if (!column_header_span(
		text, strlen(text), off, off + strlen(needle), &c, &hs, &he))
		return "";
	memcpy(out, text + hs, he - hs);
	out[he - hs] = '\0';
	return out;
}

static void
test_space_table(void **state)
{
	const char *t =
	    "名簿は以下の通りです。\n"
	    "No. 氏名 住所 生年月日 メール\n"
	    "1 山田 花子 東京都港区1-2-3 ハイツ 101 1980/03/01 a1@example.jp\n"
	    "2 佐藤 一郎 大阪府大阪市北区1-1 昭和55年3月1日 b2@example.jp\n"
	    "\n"
	    "以上です。\n";

	/* counted from the right: the date and the address of mail */
	assert_string_equal(span_header_of(t, "1980/03/01"), "生年月日");
	assert_string_equal(span_header_of(t, "昭和55年3月1日"), "生年月日");
	assert_string_equal(span_header_of(t, "b2@example.jp"), "メール");
	/* counted from the left: only a row number before it */
	assert_string_equal(span_header_of("番号 生年月日 氏名 住所\n"
					   "7 1980/03/01 山田 花子 東京都港区 "
					   "ハイツ 101\n",
				"1980/03/01"),
	    "生年月日");
	/* a cell with spaces on both sides of it: unknown */
	assert_string_equal(span_header_of(t, "東京都港区1-2-3"), "");
	/* part of a cell is no cell */
	assert_string_equal(span_header_of(t, "1980/03"), "");
	/* the header row and prose have no header */
	assert_string_equal(span_header_of(t, "生年月日"), "");
	assert_string_equal(span_header_of(t, "以上です。"), "");
	/* column_header() alone: the value is taken as empty at off */
	assert_string_equal(header_of(t, " a1@example.jp", NULL), "");
}

static void
test_space_table_refused(void **state)
{
	/* the cells right of the value are words: no side is all data */
	assert_string_equal(span_header_of("氏名 生年月日 入社日 備考\n"
					   "山田 花子 1980/03/01 2020/04/01 "
					   "特に なし\n",
				"2020/04/01"),
	    "");
	/* ASCII words are no data cells either */
	assert_string_equal(span_header_of("氏名 生年月日 入社日 備考\n"
					   "山田 花子 1980/03/01 2020/04/01 "
					   "see notes\n",
				"2020/04/01"),
	    "");
	/* a header with a digit is no header (a line of prose, a row) */
	assert_string_equal(span_header_of("氏名 住所 2 生年月日\n"
					   "山田 花子 東京都 1980/03/01\n",
				"1980/03/01"),
	    "");
	/* two cells are a label and its value, not a table */
	assert_string_equal(span_header_of("氏名 生年月日\n"
					   "山田 1980/03/01\n",
				"1980/03/01"),
	    "");
	/* a row with fewer cells than the header */
	assert_string_equal(span_header_of("氏名 住所 電話 生年月日\n"
					   "山田 1980/03/01\n",
				"1980/03/01"),
	    "");
	/* all data on both sides, but too many cells: no agreement */
	assert_string_equal(span_header_of("番号 電話 日付\n"
					   "1 03 1234 5678 2020/04/01\n",
				"1234"),
	    "");
	/* both sides agree */
	assert_string_equal(span_header_of("番号 電話 日付\n"
					   "1 0312345678 2020/04/01\n",
				"0312345678"),
	    "電話");
	/* CRLF lines */
	assert_string_equal(span_header_of("氏名 住所 生年月日\r\n"
					   "山田 花子 東京都 1980/03/01\r\n",
				"1980/03/01"),
	    "生年月日");
	/* a blank line ends the table */
	assert_string_equal(span_header_of("氏名 住所 生年月日\n\n"
					   "山田 花子 東京都 1980/03/01\n",
				"1980/03/01"),
	    "");
}

static void
test_tab_table(void **state)
{
	const char *t = "社員名簿\n"
			"氏名\t住所\t個人番号\n"
			"山田 花子\t\t314159265352\n"
			"佐藤 一郎\t東京都\t271828182840\n"
			"\t\t\t\tx\n";

	assert_string_equal(header_of(t, "314159265352", NULL), "個人番号");
	assert_string_equal(header_of(t, "271828182840", NULL), "個人番号");
	assert_string_equal(header_of(t, "佐藤", NULL), "氏名");
	assert_string_equal(header_of(t, "東京都", NULL), "住所");
	/* the header row has no header; a title line is no table */
	assert_string_equal(header_of(t, "個人番号", NULL), "");
	assert_string_equal(header_of(t, "名簿", NULL), "");
	/* a cell past the header's last column */
	assert_string_equal(header_of(t, "x", NULL), "");
}

static void
test_a_line_without_separator_ends_the_table(void **state)
{
	const char *t = "番号\tメモ\n"
			"111\ta\n"
			"\n"
			"222\tb\n"
			"333\tc\n";

	assert_string_equal(header_of(t, "111", NULL), "番号");
	/* a new table starts after the blank line: 222 is its header */
	assert_string_equal(header_of(t, "222", NULL), "");
	assert_string_equal(header_of(t, "333", NULL), "222");
}

static void
test_csv(void **state)
{
	const char *t = "\"氏名\",\"住所, 番地\",個人番号\r\n"
			"\"山田, 花子\",\"東京都港区1-2-3\",314159265352\r\n";

	assert_string_equal(header_of(t, "314159265352", NULL), "個人番号");
	assert_string_equal(header_of(t, "東京都", NULL), "住所, 番地");
	assert_string_equal(header_of(t, "花子", NULL), "氏名");
	/* prose without separators is no table */
	assert_string_equal(
	    header_of("個人番号は\n314159265352\n", "314159265352", NULL), "");
}

static void
test_cache_forward_and_back(void **state)
{
	const char *t = "A\tB\n1\tp\n2\tq\n---\nC\tD\n3\tr\n";
	struct column_cache c = { 0 };

	assert_string_equal(header_of(t, "p", &c), "B");
	assert_string_equal(header_of(t, "q", &c), "B");
	/* forward over a line that ends the table: the new header */
	assert_string_equal(header_of(t, "r", &c), "D");
	/* backwards: the cache is not trusted */
	assert_string_equal(header_of(t, "1", &c), "A");
	assert_string_equal(header_of(t, "3", &c), "C");
}

/*
 * The header cell is kept for the next row of the same column: columns
 * taken in turn, a second table whose column has the same index, and a
 * header line read by TAB for one row and by comma for the next all give
 * their own cell.
 */
static void
test_header_cell_cache_is_per_table_column_and_separator(void **state)
{
	const char *t = "A\tB\tC\n1\tp\tx\n2\tq\ty\n---\nD\tE\n3\tr\n";
	const char *mixed = "h1,h2\th3,h4\nk,m\tc,d\nx,y\n";
	struct column_cache c = { 0 };

	assert_string_equal(header_of(t, "p", &c), "B");
	assert_string_equal(header_of(t, "x", &c), "C");
	assert_string_equal(header_of(t, "q", &c), "B");
	assert_string_equal(header_of(t, "y", &c), "C");
	assert_string_equal(header_of(t, "r", &c), "E");
	memset(&c, 0, sizeof(c));
	/* c: cell 1 by TAB; y: cell 1 by comma, of the same header line */
	assert_string_equal(header_of(mixed, "c,d", &c), "h3,h4");
	assert_string_equal(header_of(mixed, "y", &c), "h2\th3");
	assert_string_equal(header_of(mixed, "y", NULL), "h2\th3");
}

static void
test_long_table(void **state)
{
	size_t rows = 20000, i, n = 0, hs, he;
	size_t cap = 32 + rows * 32;
	char *t = malloc(cap);
	struct column_cache c = { 0 };
	size_t len = 0, off;
	const char *p;

	assert_non_null(t);
	len += (size_t)snprintf(t, cap, "名前\tマイナンバー\n");
	for (i = 0; i < rows; i++)
		len += (size_t)snprintf(
		    t + len, cap - len, "n%zu\t%012zu\n", i, i * 7919);
	for (p = t; (p = strchr(p, '\t')) != NULL; p++) {
		off = (size_t)(p + 1 - t);
		if (column_header(t, len, off, &c, &hs, &he)) {
			assert_int_equal(he - hs, strlen("マイナンバー"));
			assert_memory_equal(t + hs, "マイナンバー", he - hs);
			n++;
		}
	}
	assert_int_equal(n, rows);
	free(t);
}

static void
test_bounds(void **state)
{
	struct column_cache c = { 0 };
	size_t hs, he;
	char big[2 * COLUMN_CELL_MAX + 16];

	assert_false(column_header(NULL, 0, 0, &c, &hs, &he));
	assert_false(column_header("a\tb", 3, 3, &c, &hs, &he));
	memset(big, 'h', sizeof(big));
	memcpy(big + 2 * COLUMN_CELL_MAX, "\t\nv\tw", 6);
	assert_true(column_header(
	    big, sizeof(big) - 10 + 6, 2 * COLUMN_CELL_MAX + 2, &c, &hs, &he));
	assert_int_equal(he - hs, COLUMN_CELL_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tab_table),
		cmocka_unit_test(test_a_line_without_separator_ends_the_table),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_cache_forward_and_back),
		cmocka_unit_test(
		    test_header_cell_cache_is_per_table_column_and_separator),
		cmocka_unit_test(test_long_table),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_space_table),
		cmocka_unit_test(test_space_table_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
