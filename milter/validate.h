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
 *              987654321093), even when the check digit fits.
 *
 * Adding one: write a static function of type validate_fn and add a line
 * to the table in validate.c; rules can name it at once.
 *
 * Limits: values are short (a validator looks at most at its fixed
 * length); anything of the wrong length or with a non-digit is invalid.
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
