/*
 * Unit tests for validate: the My Number check digit, dummy numbers that
 * are rejected although their check digit fits, lengths and non-digits,
 * and the lookup table. Every number here is synthetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "validate.h"

/*
 * A second, independent statement of the check digit (weights read left
 * to right), so the dummy cases can show that their check digit fits.
 */
static bool
check_digit_fits(const char *d)
{
	static const int w[11] = { 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };
	int i, sum = 0, r;

	for (i = 0; i < 11; i++)
		sum += (d[i] - '0') * w[i];
	r = sum % 11;
	return d[11] - '0' == (r <= 1 ? 0 : 11 - r);
}

static const char *const valid_numbers[] = {
	"314159265352",
	"271828182840",
	"161803398872",
	"500000000011", /* r = 10: check digit 1 */
	"141421356230", /* r <= 1: check digit 0 */
	"173205080750",
	"223606797744",
	"867530900006",
	"520183746506",
	"618033988749",
	"382019574636",
	"908172635441",
	"246813579021",
	"135724680910",
	"705031928463",
	"666123456783", /* repeated digits at the start only */
	"807060504033",
};

static void
test_my_number_accepts_fitting_check_digits(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(valid_numbers) / sizeof(valid_numbers[0]); i++) {
		const char *v = valid_numbers[i];

		assert_true(check_digit_fits(v));
		if (!validate_my_number(v, strlen(v)))
			fail_msg("%s should be valid", v);
	}
}

static void
test_my_number_rejects_every_other_check_digit(void **state)
{
	char v[13];
	size_t i;
	int d, good = 0;

	for (i = 0; i < sizeof(valid_numbers) / sizeof(valid_numbers[0]); i++) {
		memcpy(v, valid_numbers[i], sizeof(v));
		for (d = 0; d <= 9; d++) {
			v[11] = (char)('0' + d);
			if (strcmp(v, valid_numbers[i]) == 0) {
				assert_true(validate_my_number(v, 12));
				good++;
			} else if (validate_my_number(v, 12)) {
				fail_msg("%s has a wrong check digit", v);
			}
		}
	}
	assert_int_equal(
	    good, (int)(sizeof(valid_numbers) / sizeof(valid_numbers[0])));
}

/* Dummies whose check digit fits: rejected all the same. */
static const char *const dummies[] = {
	"123456789018", /* ascending */
	"012345678903", /* ascending from 0 */
	"890123456780", /* ascending, wrapping 9 -> 0 */
	"987654321093", /* descending */
	"210987654320", /* descending, wrapping 0 -> 9 */
	"000000000000", /* twelve equal digits */
	"111111111118", /* first 11 equal */
	"444444444440",
	"777777777771",
	"999999999996",
};

static void
test_my_number_rejects_dummies_even_when_the_check_digit_fits(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(dummies) / sizeof(dummies[0]); i++) {
		if (!check_digit_fits(dummies[i]))
			fail_msg("test data: %s should fit", dummies[i]);
		if (validate_my_number(dummies[i], 12))
			fail_msg("%s is a dummy", dummies[i]);
	}
}

static const struct {
	const char *value;
	size_t len;
	const char *why;
} malformed[] = {
	{ "31415926535", 11, "11 digits" },
	{ "3141592653520", 13, "13 digits" },
	{ "", 0, "empty" },
	{ "3141-5926-5352", 14, "separators left in" },
	{ "31415926535X", 12, "a letter" },
	{ "3141 5926535", 12, "a space inside 12 bytes" },
	{ "\xef\xbc\x93\xef\xbc\x91\xef\xbc\x94\xef\xbc\x91", 12,
	    "full-width digits (not normalised)" },
	{ "31415926535\0", 12, "a NUL byte" },
};

static void
test_my_number_rejects_wrong_length_and_non_digits(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		if (validate_my_number(malformed[i].value, malformed[i].len))
			fail_msg("accepted: %s", malformed[i].why);
	assert_false(validate_my_number(NULL, 12));
}

static void
test_my_number_reads_only_len_bytes(void **state)
{
	/* a valid number followed by more digits: len decides */
	assert_true(validate_my_number("3141592653529999", 12));
	assert_false(validate_my_number("3141592653529999", 16));
}

static void
test_lookup_finds_my_number_by_exact_name(void **state)
{
	assert_int_equal(
	    validate_lookup("my_number")("314159265352", 12), VALIDATE_OK);
	assert_int_equal(
	    validate_lookup("my_number")("314159265353", 12), VALIDATE_FAIL);
	assert_null(validate_lookup("My_Number"));
	assert_null(validate_lookup("my_number "));
	assert_null(validate_lookup("luhn_typo"));
	assert_null(validate_lookup(""));
	assert_null(validate_lookup(NULL));
}

static void
test_every_listed_name_resolves_and_names_are_unique(void **state)
{
	const char *name;
	size_t i, j;

	for (i = 0; (name = validate_name(i)) != NULL; i++) {
		assert_non_null(validate_lookup(name));
		for (j = 0; j < i; j++)
			assert_string_not_equal(validate_name(j), name);
	}
	assert_true(i >= 1);
	assert_string_equal(validate_name(0), "my_number");
	assert_null(validate_name(i + 100));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_my_number_accepts_fitting_check_digits),
		cmocka_unit_test(
		    test_my_number_rejects_every_other_check_digit),
		cmocka_unit_test(
		    test_my_number_rejects_dummies_even_when_the_check_digit_fits),
		cmocka_unit_test(
		    test_my_number_rejects_wrong_length_and_non_digits),
		cmocka_unit_test(test_my_number_reads_only_len_bytes),
		cmocka_unit_test(test_lookup_finds_my_number_by_exact_name),
		cmocka_unit_test(
		    test_every_listed_name_resolves_and_names_are_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
