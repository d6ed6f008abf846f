/*
 * validate - validators for detected values, chosen by name from a rule.
 *
 * A validator takes a rule's canonical value (for `value: digits` rules:
 * the ASCII digits of the match, separators removed) and says whether it
 * can be a real identifier: a check digit that fits, and not one of the
 * dummy numbers that fill forms and test data. It says nothing about
 * context; detect does that.
 *
 * Validators known today:
 *   my_number  12 digits; the check digit as the Ministry of Internal
 *              Affairs and Communications' ordinance on the individual
 *              number (総務省令) defines it; rejects numbers whose first 11 digits are all equal
 *              (so also 12 equal digits) or form a consecutive ascending
 *              or descending run modulo 10 (123456789018, 012345678903,
 *              987654321093), and numbers shaped like a timestamp
 *              yyyymmddhhmm from 1990 to 2099 (202611211530), even when
 *              the check digit fits.
 *   luhn_card  14 to 19 digits (value: digits) whose leading digits name an
 *              issuer that issues that length (Visa 4: 16 or 19;
 *              Mastercard 51-55, 2221-2720: 16; Amex 34, 37: 15; JCB
 *              3528-3589: 16-19; Diners 300-305, 36, 38, 39: 14-19;
 *              Discover 6011, 644-649, 65: 16-19) and whose Luhn check
 *              fits. 13-digit Visa numbers are refused: no longer issued,
 *              and the shape of a JAN/EAN-13 code.
 *   card_rounded
 *              16 digits in an issuer's range for 16, ending in 0, whose
 *              Luhn check does NOT fit: a card number that a spreadsheet
 *              stored as a number (15 significant digits) rounded.
 *   jp_phone   a Japanese phone number's digits: 070/080/090, 050 and 0800
 *              numbers have 11; 0120, 0570, 0990 and geographic numbers
 *              (0, then 1-9, then not 0) have 10; 81 + the national number
 *              without (or with) its trunk 0 for +81. 00x, 010, 020, 060
 *              and other 0x0 prefixes fail.
 *   jp_date    a date (value: text): western 1980年3月1日, 1980/03/01,
 *              1980-3-1, 1980.3.1, or with an era (明治 大正 昭和 平成 令和 or
 *              M T S H R; 元年 for the first year): the day must exist
 *              (leap years counted) and fall within its era (昭和64年1月8日
 *              and 平成31年5月1日 fail), western years 1868-2099.
 *   jp_license 12 digits of a driver's licence: the first two a public
 *              safety commission (10-14, 20-25, 30, 40-49, 50-55, 60-65,
 *              70-74, 80-83, 90-97), else FAIL; BOOST when the unofficial
 *              check digit (11th; weights 5,4,3,2,7,6,5,4,3,2 over the
 *              first 10, (11 - sum mod 11) mod 10) fits, OK when not.
 *   jp_insurer a health insurer number (保険者番号): 8 digits (法別,
 *              prefecture 01-47, insurer, check) or 6 (NHI: prefecture,
 *              insurer, check); the MHLW check digit (weights 2,1,...
 *              from the right, digit sums, 10 - sum mod 10), i.e. Luhn.
 *   jp_corporate
 *              13 digits of a corporate number (法人番号), check digit
 *              FIRST: 9 - (sum of the 12 base digits weighted 1,2,1,...
 *              from the right) mod 9, as the National Tax Agency defines.
 *
 * Adding one: write a static function of type validate_fn and add a line
 * to the table in validate.c; rules can name it at once.
 *
 * Limits: values are short (a validator looks at most at its fixed
 * length, jp_date at 64 bytes); for the digit validators anything of the
 * wrong length or with a non-digit is invalid.
 * Thread-safe: pure functions over a constant table.
 */
#ifndef DLP_VALIDATE_H
#define DLP_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * What a validator says of a value. VALIDATE_FAIL drops the match;
 * VALIDATE_OK keeps it at the confidence context gives; VALIDATE_BOOST
 * keeps it and raises that confidence one level (at most high): for
 * checks that only add evidence, such as the unofficial check digit of a
 * driver's licence number, whose failure must not drop a match.
 */
enum validate_result {
	VALIDATE_FAIL = 0,
	VALIDATE_OK = 1,
	VALIDATE_BOOST = 2,
};

/*
 * A validator: value points at len bytes (need not be NUL-terminated) that
 * it only reads.
 */
typedef enum validate_result (*validate_fn)(const char *value, size_t len);

/*
 * validate_lookup: the validator called name (a NUL-terminated string), or
 * NULL when there is none. The function lives as long as the program.
 */
validate_fn validate_lookup(const char *name);

/*
 * validate_name: the name of the i-th validator (0-based), or NULL past the
 * last one; for listing them in error messages and documentation.
 */
const char *validate_name(size_t i);

/*
 * validate_my_number: the my_number validator (also reachable by name).
 * Returns true for 12 ASCII digits with a fitting check digit that are not
 * a dummy number; false for anything else.
 */
bool validate_my_number(const char *value, size_t len);

#endif
