/*
 * column - the header cell above a value in tabular text.
 *
 * Extractors write spreadsheets one row per line with cells separated by
 * TABs (empty cells kept, so columns line up), and CSV arrives as lines of
 * comma-separated cells. A roster puts its labels (氏名, 住所, 個人番号)
 * once, in a header row, and the values in the rows under it: a value in
 * row 500 is thousands of characters away from its label, far outside any
 * context window. column_header() finds, for a byte offset, the cell of
 * the same column in the first row of its table, so that a rule can use a
 * header label as context.
 *
 * A table is a block of consecutive lines that all hold the separator
 * (TAB; else a comma outside double quotes); its first line is the
 * header. A line without the separator ends the block. The header's own
 * cells have no header.
 *
 * Plain-text tables (a roster typed into a mail body) separate cells by
 * spaces, and a cell may hold spaces itself (山田 花子, an address with a
 * building name), so cells cannot be counted from the left edge alone. A
 * line with neither TAB nor comma but a space belongs to a block of lines
 * holding spaces; its header is the block's first line when that has 3 or
 * more cells and no digit. column_header_span() lines a value up with a
 * header cell only when the value is a whole cell and every cell on one
 * side of it is a data cell (printable ASCII holding a digit or '@':
 * numbers, dates, codes, mail addresses, which never hold a space),
 * counting from that side; otherwise there is no header.
 *
 * Cost: a cache carried across calls on the same text with growing
 * offsets (the order in which matches come) makes a whole run linear in
 * the text: each line is looked at a bounded number of times. Without the
 * cache (or going backwards) one call walks back over its table once.
 *
 * Pure; thread-safe with one cache per thread.
 */
#ifndef DLP_COLUMN_H
#define DLP_COLUMN_H

#include <stdbool.h>
#include <stddef.h>

#define COLUMN_CELL_MAX 256 /* bytes of a header cell returned */

/* Carried between calls on one text; zero it before the first call. */
struct column_cache {
	bool valid;
	char sep;
	size_t line;   /* start of the line last asked about */
	size_t line_e; /* its end (its newline, or the text's end) */
	size_t block;  /* start of its table's header line */
	/* the header cell last found: cell cell_k of the header line at
	   cell_block (TAB or comma tables, cell_sep), [cell_s, cell_e) when
	   cell_ok */
	bool cell_valid, cell_ok;
	char cell_sep;
	size_t cell_block, cell_k, cell_s, cell_e;
};

/*
 * column_header: when offset off of text (len bytes) lies in a table row
 * below its header, set [*hs, *he) to the header cell of its column
 * (spaces trimmed, at most COLUMN_CELL_MAX bytes) and return true.
 */
bool column_header(const char *text, size_t len, size_t off,
    struct column_cache *cache, size_t *hs, size_t *he);

/*
 * column_header_span: the same for a value [off, end) (needed for tables
 * separated by spaces, where the cells after the value are counted);
 * column_header() is column_header_span() with end = off.
 */
bool column_header_span(const char *text, size_t len, size_t off, size_t end,
    struct column_cache *cache, size_t *hs, size_t *he);

#endif
