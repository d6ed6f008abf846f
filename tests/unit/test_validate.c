/*
 * Unit tests for validate: the My Number check digit, dummy numbers that
 * are rejected although their check digit fits, lengths and non-digits,
 * and the lookup table; then the card, phone, date, licence, insurer and
 * corporate number validators, table-driven with valid, invalid and edge
 * values. Every number here is synthetic (check digits computed from a
 * fixed seed, or deliberately wrong).
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

/* yyyymmddhhmm from 1990 to 2099: a timestamp, even when the digit fits */
static void
test_my_number_rejects_timestamp_shapes(void **state)
{
	assert_false(validate_my_number("202611211530", 12));
	assert_false(validate_my_number("199001010000", 12));
	/* month 13, or 1989: not a timestamp of that shape, so kept */
	assert_true(validate_my_number("202613211537", 12));
	assert_true(validate_my_number("198912312350", 12));
}

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

/* Validators by name, table-driven */

struct vcase {
	const char *value;
	enum validate_result want;
	const char *why;
};

static void
run_cases(const char *name, const struct vcase *c, size_t n)
{
	validate_fn fn = validate_lookup(name);
	enum validate_result got;
	size_t i;

	assert_non_null(fn);
	for (i = 0; i < n; i++) {
		got = fn(c[i].value, strlen(c[i].value));
		if (got != c[i].want)
			fail_msg("%s(%s) = %d, want %d: %s", name, c[i].value,
			    (int)got, (int)c[i].want, c[i].why);
	}
	/* NULL and empty are never valid */
	assert_int_equal(fn(NULL, 12), VALIDATE_FAIL);
	assert_int_equal(fn("", 0), VALIDATE_FAIL);
}

#define RUN(name, cases) \
	run_cases(name, cases, sizeof(cases) / sizeof(cases[0]))

/* An independent Luhn, to show the test data is what it claims. */
static bool
luhn(const char *d)
{
	size_t len = strlen(d), i;
	int sum = 0, x;

	for (i = 0; i < len; i++) {
		x = d[len - 1 - i] - '0';
		if (i & 1)
			x = x * 2 > 9 ? x * 2 - 9 : x * 2;
		sum += x;
	}
	return sum % 10 == 0;
}

static const struct vcase card_cases[] = {
	{ "4983690060267730", VALIDATE_OK, "Visa 16" },
	{ "4546848745268596933", VALIDATE_OK, "Visa 19" },
	{ "5384937396401752", VALIDATE_OK, "Mastercard 53" },
	{ "2221722846428926", VALIDATE_OK, "Mastercard 2221, low edge" },
	{ "2720693719556273", VALIDATE_OK, "Mastercard 2720, high edge" },
	{ "349955606362247", VALIDATE_OK, "Amex 34" },
	{ "376141627437328", VALIDATE_OK, "Amex 37" },
	{ "3530622297511960", VALIDATE_OK, "JCB 16" },
	{ "3589413411633973598", VALIDATE_OK, "JCB 19" },
	{ "36296037519669", VALIDATE_OK, "Diners 36, 14" },
	{ "30140735370387", VALIDATE_OK, "Diners 301, 14" },
	{ "3886369990698922", VALIDATE_OK, "Diners 38, 16" },
	{ "6011900400610346", VALIDATE_OK, "Discover 6011" },
	{ "6505477303879503", VALIDATE_OK, "Discover 65" },
	{ "6457668057472073781", VALIDATE_OK, "Discover 645, 19" },
	{ "4983690060267731", VALIDATE_FAIL, "Luhn off by one" },
	{ "4983690060267703", VALIDATE_FAIL, "two digits swapped" },
	{ "2220722846428926", VALIDATE_FAIL, "2220: below Mastercard" },
	{ "2721693719556273", VALIDATE_FAIL, "2721: above Mastercard" },
	{ "5684937396401752", VALIDATE_FAIL, "56: no issuer" },
	{ "1234567812345670", VALIDATE_FAIL, "1: no issuer (Luhn fits)" },
	{ "34995560636224", VALIDATE_FAIL, "Amex with 14 digits" },
	{ "4222222222222", VALIDATE_FAIL, "13-digit Visa (JAN shape)" },
	{ "4983-6900-6026-773", VALIDATE_FAIL, "separators left in" },
	{ "49836900602677301234", VALIDATE_FAIL, "20 digits" },
	{ "0000000000000000", VALIDATE_FAIL, "zeros (Luhn fits)" },
};

static void
test_luhn_card_checks_luhn_issuer_and_length(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(card_cases) / sizeof(card_cases[0]); i++)
		if (card_cases[i].want == VALIDATE_OK &&
		    !luhn(card_cases[i].value))
			fail_msg("test data: %s", card_cases[i].value);
	assert_true(luhn("1234567812345670"));
	assert_true(luhn("4222222222222"));
	RUN("luhn_card", card_cases);
}

static const struct vcase rounded_cases[] = {
	{ "4836907531031450", VALIDATE_OK, "Visa, rounded" },
	{ "5157445965984710", VALIDATE_OK, "Mastercard, rounded" },
	{ "3540510563381890", VALIDATE_OK, "JCB, rounded" },
	{ "6011192863837840", VALIDATE_OK, "Discover, rounded" },
	{ "3530622297511960", VALIDATE_FAIL, "ends in 0 but Luhn fits" },
	{ "4836907531031451", VALIDATE_FAIL, "does not end in 0" },
	{ "483690753103140", VALIDATE_FAIL, "15 digits" },
	{ "48369075310314500", VALIDATE_FAIL, "17 digits" },
	{ "1836907531031450", VALIDATE_FAIL, "no issuer" },
	{ "3499556063622470", VALIDATE_FAIL, "Amex is 15 digits, not 16" },
};

static void
test_card_rounded_wants_a_zero_and_a_failing_luhn(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(rounded_cases) / sizeof(rounded_cases[0]); i++)
		if (rounded_cases[i].want == VALIDATE_OK &&
		    luhn(rounded_cases[i].value))
			fail_msg("test data: %s", rounded_cases[i].value);
	RUN("card_rounded", rounded_cases);
	/* every rounded card is refused by luhn_card and vice versa */
	for (i = 0; i < 4; i++)
		assert_int_equal(
		    validate_lookup("luhn_card")(rounded_cases[i].value, 16),
		    VALIDATE_FAIL);
}

static const struct vcase phone_cases[] = {
	{ "0312345678", VALIDATE_OK, "Tokyo" },
	{ "0612345678", VALIDATE_OK, "Osaka" },
	{ "0112345678", VALIDATE_OK, "Sapporo 011" },
	{ "0123456789", VALIDATE_OK, "0123 area" },
	{ "0126756789", VALIDATE_OK, "01267 area" },
	{ "09012345678", VALIDATE_OK, "mobile 090" },
	{ "08098765432", VALIDATE_OK, "mobile 080" },
	{ "07011112222", VALIDATE_OK, "mobile 070" },
	{ "05012345678", VALIDATE_OK, "IP 050" },
	{ "0120123456", VALIDATE_OK, "free dial 0120" },
	{ "08001234567", VALIDATE_OK, "free dial 0800" },
	{ "0570123456", VALIDATE_OK, "navi dial 0570" },
	{ "81312345678", VALIDATE_OK, "+81 3-1234-5678" },
	{ "810312345678", VALIDATE_OK, "+81 (0)3-1234-5678" },
	{ "819012345678", VALIDATE_OK, "+81 90-1234-5678" },
	{ "031234567", VALIDATE_FAIL, "9 digits" },
	{ "031234567890", VALIDATE_FAIL, "12 digits" },
	{ "03123456789", VALIDATE_FAIL, "landline with 11 digits" },
	{ "0901234567", VALIDATE_FAIL, "mobile with 10 digits" },
	{ "09001234567", VALIDATE_FAIL, "mobile 090-0..." },
	{ "01201234567", VALIDATE_FAIL, "0120 with 11 digits" },
	{ "0800123456", VALIDATE_FAIL, "0800 with 10 digits" },
	{ "0012345678", VALIDATE_FAIL, "00: international prefix" },
	{ "0101234567", VALIDATE_FAIL, "010: international prefix" },
	{ "02012345678", VALIDATE_FAIL, "020: M2M and pagers" },
	{ "06012345678", VALIDATE_FAIL, "060" },
	{ "3123456789", VALIDATE_FAIL, "no leading 0" },
	{ "202611211530", VALIDATE_FAIL, "a timestamp" },
	{ "8131234567", VALIDATE_FAIL, "+81 with 8 national digits" },
	{ "8190123456789", VALIDATE_FAIL, "+81 with 11 national digits" },
	{ "03-1234-5678", VALIDATE_FAIL, "separators left in" },
};

static void
test_jp_phone_checks_length_by_prefix(void **state)
{
	RUN("jp_phone", phone_cases);
}

static const struct vcase date_cases[] = {
	{ "1980年3月1日", VALIDATE_OK, "western, kanji" },
	{ "1980年03月01日", VALIDATE_OK, "western, zero-padded" },
	{ "1980 年 3 月 1 日", VALIDATE_OK, "spaces" },
	{ "1980/03/01", VALIDATE_OK, "slashes" },
	{ "1980-3-1", VALIDATE_OK, "hyphens" },
	{ "1980.3.1", VALIDATE_OK, "dots" },
	{ "2000年2月29日", VALIDATE_OK, "leap day of a 400 year" },
	{ "1996/2/29", VALIDATE_OK, "leap day" },
	{ "昭和55年3月1日", VALIDATE_OK, "Showa" },
	{ "S55.3.1", VALIDATE_OK, "Showa, letter" },
	{ "S.55.3.1", VALIDATE_OK, "Showa, letter and dot" },
	{ "H2/3/1", VALIDATE_OK, "Heisei, letter" },
	{ "R3-5-1", VALIDATE_OK, "Reiwa, letter" },
	{ "平成元年1月8日", VALIDATE_OK, "first day of Heisei" },
	{ "昭和64年1月7日", VALIDATE_OK, "last day of Showa" },
	{ "平成31年4月30日", VALIDATE_OK, "last day of Heisei" },
	{ "令和元年5月1日", VALIDATE_OK, "first day of Reiwa" },
	{ "大正15年12月24日", VALIDATE_OK, "last day of Taisho" },
	{ "昭和元年12月25日", VALIDATE_OK, "first day of Showa" },
	{ "明治45年7月29日", VALIDATE_OK, "last day of Meiji" },
	{ "S55年3月1日", VALIDATE_OK, "letter with kanji parts" },
	{ "1980年3月1", VALIDATE_OK, "no 日" },
	{ "1980年2月30日", VALIDATE_FAIL, "2月30日" },
	{ "1900/2/29", VALIDATE_FAIL, "1900 is no leap year" },
	{ "1981/2/29", VALIDATE_FAIL, "no leap year" },
	{ "1980年13月1日", VALIDATE_FAIL, "13月" },
	{ "1980年0月1日", VALIDATE_FAIL, "0月" },
	{ "1980年4月31日", VALIDATE_FAIL, "4月31日" },
	{ "1980/3/0", VALIDATE_FAIL, "day 0" },
	{ "平成31年5月1日", VALIDATE_FAIL, "Reiwa had begun" },
	{ "昭和64年1月8日", VALIDATE_FAIL, "Heisei had begun" },
	{ "平成元年1月7日", VALIDATE_FAIL, "still Showa" },
	{ "昭和65年1月1日", VALIDATE_FAIL, "beyond Showa" },
	{ "大正16年1月1日", VALIDATE_FAIL, "beyond Taisho" },
	{ "昭和0年3月1日", VALIDATE_FAIL, "era year 0" },
	{ "H32.1.1", VALIDATE_FAIL, "beyond Heisei" },
	{ "1980/3-1", VALIDATE_FAIL, "mixed separators" },
	{ "1980年3/1", VALIDATE_FAIL, "mixed kanji and slash" },
	{ "80/3/1", VALIDATE_FAIL, "two-digit western year" },
	{ "1700/3/1", VALIDATE_FAIL, "before 1868" },
	{ "2100/1/1", VALIDATE_FAIL, "after 2099" },
	{ "1980/03/01/02", VALIDATE_FAIL, "trailing part" },
	{ "X55.3.1", VALIDATE_FAIL, "no such era letter" },
	{ "元年3月1日", VALIDATE_FAIL, "元 without an era" },
	{ "1980年3月", VALIDATE_FAIL, "no day" },
	{ "1980年123月1日", VALIDATE_FAIL, "three-digit month" },
};

static void
test_jp_date_rejects_impossible_days_and_eras(void **state)
{
	RUN("jp_date", date_cases);
}

/* An independent licence check digit, left to right. */
static int
license_check(const char *d)
{
	static const int w[10] = { 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };
	int i, sum = 0;

	for (i = 0; i < 10; i++)
		sum += (d[i] - '0') * w[i];
	return (11 - sum % 11) % 10;
}

static const struct vcase license_cases[] = {
	{ "302223236702", VALIDATE_BOOST, "Tokyo, check fits" },
	{ "108478840322", VALIDATE_BOOST, "Sapporo (10)" },
	{ "976921429113", VALIDATE_BOOST, "Okinawa (97), last code" },
	{ "454768631161", VALIDATE_BOOST, "Kanagawa" },
	{ "629727561272", VALIDATE_BOOST, "Osaka" },
	{ "143526875113", VALIDATE_BOOST, "Kitami (14)" },
	{ "302223236712", VALIDATE_OK, "Tokyo, check off" },
	{ "629727561202", VALIDATE_OK, "Osaka, check off" },
	{ "152223236702", VALIDATE_FAIL, "15: no commission" },
	{ "312223236702", VALIDATE_FAIL, "31: no commission" },
	{ "982223236702", VALIDATE_FAIL, "98: no commission" },
	{ "002223236702", VALIDATE_FAIL, "00" },
	{ "092223236702", VALIDATE_FAIL, "09" },
	{ "30222323670", VALIDATE_FAIL, "11 digits" },
	{ "3022232367021", VALIDATE_FAIL, "13 digits" },
	{ "30222323670X", VALIDATE_FAIL, "a letter" },
};

static void
test_jp_license_boosts_on_the_check_digit_fails_on_structure(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(license_cases) / sizeof(license_cases[0]); i++)
		if (strlen(license_cases[i].value) == 12 &&
		    (license_cases[i].want == VALIDATE_BOOST) !=
			(license_cases[i].value[10] - '0' ==
			    license_check(license_cases[i].value)) &&
		    license_cases[i].want != VALIDATE_FAIL)
			fail_msg("test data: %s", license_cases[i].value);
	/* the worked example of the unofficial rule: sum 174, r 9, check 2 */
	assert_int_equal(license_check("4598033587"), 2);
	assert_int_equal(
	    validate_lookup("jp_license")("459803358720", 12), VALIDATE_BOOST);
	RUN("jp_license", license_cases);
}

static const struct vcase insurer_cases[] = {
	{ "01130129", VALIDATE_OK, "協会けんぽ-like, Tokyo" },
	{ "06271050", VALIDATE_OK, "health insurance society, Osaka" },
	{ "31130016", VALIDATE_OK, "mutual aid" },
	{ "06470884", VALIDATE_OK, "prefecture 47" },
	{ "67130047", VALIDATE_OK, "法別 67" },
	{ "06019996", VALIDATE_OK, "prefecture 01" },
	{ "138008", VALIDATE_OK, "NHI, 6 digits" },
	{ "270124", VALIDATE_OK, "NHI, Osaka" },
	{ "475012", VALIDATE_OK, "NHI, prefecture 47" },
	{ "019992", VALIDATE_OK, "NHI, prefecture 01" },
	{ "01130128", VALIDATE_FAIL, "check off" },
	{ "138009", VALIDATE_FAIL, "NHI, check off" },
	{ "06480123", VALIDATE_FAIL, "prefecture 48 (Luhn fits)" },
	{ "06001234", VALIDATE_FAIL, "prefecture 00 (Luhn fits)" },
	{ "000000", VALIDATE_FAIL, "NHI, prefecture 00" },
	{ "0113012", VALIDATE_FAIL, "7 digits" },
	{ "011301290", VALIDATE_FAIL, "9 digits" },
	{ "0113012X", VALIDATE_FAIL, "a letter" },
};

static void
test_jp_insurer_checks_the_mhlw_check_digit(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(insurer_cases) / sizeof(insurer_cases[0]); i++)
		if (insurer_cases[i].want == VALIDATE_OK &&
		    !luhn(insurer_cases[i].value))
			fail_msg("test data: %s", insurer_cases[i].value);
	assert_true(luhn("06001234"));
	assert_true(luhn("06480123"));
	RUN("jp_insurer", insurer_cases);
}

/* An independent corporate number check digit, left to right. */
static int
corporate_check(const char *d)
{
	int i, sum = 0;

	/* d[1..12]: d[12] is P1 (weight 1), d[11] P2 (weight 2), ... */
	for (i = 1; i <= 12; i++)
		sum += (d[i] - '0') * ((12 - i) % 2 == 0 ? 1 : 2);
	return 9 - sum % 9;
}

static const struct vcase corporate_cases[] = {
	{ "3017001113503", VALIDATE_OK, "" },
	{ "5359747824230", VALIDATE_OK, "" },
	{ "2615708306228", VALIDATE_OK, "" },
	{ "3888869464070", VALIDATE_OK, "" },
	{ "3231775948293", VALIDATE_OK, "" },
	{ "8773085045844", VALIDATE_OK, "" },
	{ "9000000000000", VALIDATE_OK, "sum 0: check 9" },
	{ "4017001113503", VALIDATE_FAIL, "check digit off" },
	{ "3017001113530", VALIDATE_FAIL, "two digits swapped" },
	{ "0000000000000", VALIDATE_FAIL, "check 0 never occurs" },
	{ "301700111350", VALIDATE_FAIL, "12 digits" },
	{ "30170011135031", VALIDATE_FAIL, "14 digits" },
	{ "T301700111350", VALIDATE_FAIL, "the T is not a digit" },
};

static void
test_jp_corporate_checks_the_leading_check_digit(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(corporate_cases) / sizeof(corporate_cases[0]);
	     i++)
		if (corporate_cases[i].want == VALIDATE_OK &&
		    corporate_check(corporate_cases[i].value) !=
			corporate_cases[i].value[0] - '0')
			fail_msg("test data: %s", corporate_cases[i].value);
	RUN("jp_corporate", corporate_cases);
}

static void
test_validators_read_only_len_bytes(void **state)
{
	assert_int_equal(
	    validate_lookup("luhn_card")("49836900602677309", 16), VALIDATE_OK);
	assert_int_equal(
	    validate_lookup("jp_phone")("03123456789", 10), VALIDATE_OK);
	assert_int_equal(
	    validate_lookup("jp_date")("1980/3/1x", 8), VALIDATE_OK);
	assert_int_equal(
	    validate_lookup("jp_corporate")("30170011135039", 13), VALIDATE_OK);
	assert_int_equal(
	    validate_lookup("jp_insurer")("1380089", 6), VALIDATE_OK);
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
	assert_true(i >= 8);
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
		cmocka_unit_test(test_my_number_rejects_timestamp_shapes),
		cmocka_unit_test(test_my_number_reads_only_len_bytes),
		cmocka_unit_test(test_lookup_finds_my_number_by_exact_name),
		cmocka_unit_test(
		    test_every_listed_name_resolves_and_names_are_unique),
		cmocka_unit_test(test_luhn_card_checks_luhn_issuer_and_length),
		cmocka_unit_test(
		    test_card_rounded_wants_a_zero_and_a_failing_luhn),
		cmocka_unit_test(test_jp_phone_checks_length_by_prefix),
		cmocka_unit_test(test_jp_date_rejects_impossible_days_and_eras),
		cmocka_unit_test(
		    test_jp_license_boosts_on_the_check_digit_fails_on_structure),
		cmocka_unit_test(test_jp_insurer_checks_the_mhlw_check_digit),
		cmocka_unit_test(
		    test_jp_corporate_checks_the_leading_check_digit),
		cmocka_unit_test(test_validators_read_only_len_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
