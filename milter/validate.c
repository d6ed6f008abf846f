/*
 * validate - validators for detected values, by name. See validate.h.
 *
 * Why the dummy checks: forms, manuals and test data are full of numbers
 * such as 123456789018 or 000000000000 whose check digit happens to fit;
 * flagging them as personal data would teach users to ignore the filter.
 */
#include <string.h>

#include "validate.h"

#define MY_NUMBER_LEN 12

static bool
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * Dummies: the first 11 digits all equal (which covers 12 equal digits),
 * or a run in which each digit is one more (or one less) than the one
 * before, modulo 10: 12345678901, 01234567890, 98765432109.
 */
static bool
my_number_dummy(const char *d)
{
	bool same = true, up = true, down = true;
	int a, b;
	size_t i;

	for (i = 1; i < MY_NUMBER_LEN - 1 && (same || up || down); i++) {
		a = d[i - 1] - '0';
		b = d[i] - '0';
		if (b != a)
			same = false;
		if (b != (a + 1) % 10)
			up = false;
		if (b != (a + 9) % 10)
			down = false;
	}
	return same || up || down;
}

/* The number of n digits at d. */
static unsigned
digits_at(const char *d, size_t n)
{
	unsigned v = 0;

	while (n-- > 0)
		v = v * 10 + (unsigned)(*d++ - '0');
	return v;
}

/*
 * A timestamp written as yyyymmddhhmm (1990-2099): order mails, logs and
 * file names are full of them, and 1 in 11 passes the check digit. About
 * 6 in 100,000 real numbers have this shape too; they are given up.
 */
static bool
timestamp_shaped(const char *d)
{
	unsigned y = digits_at(d, 4), mo, dd, h, mi;

	if (y < 1990 || y > 2099)
		return false;
	mo = digits_at(d + 4, 2);
	dd = digits_at(d + 6, 2);
	h = digits_at(d + 8, 2);
	mi = digits_at(d + 10, 2);
	return mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31 && h <= 23 &&
	    mi <= 59;
}

/*
 * The check digit: with the first 11 digits numbered from the right
 * (P1 is the 11th digit, P11 the first), Q(n) = n + 1 for n <= 6 and
 * n - 5 for n >= 7; r = sum(P(n) * Q(n)) mod 11; the check digit is 0
 * when r <= 1, else 11 - r.
 */
bool
validate_my_number(const char *value, size_t len)
{
	unsigned sum = 0, n, p, q, r, check;

	if (value == NULL || len != MY_NUMBER_LEN || !all_digits(value, len))
		return false;
	for (n = 1; n <= 11; n++) {
		p = (unsigned)(value[11 - n] - '0');
		q = n <= 6 ? n + 1 : n - 5;
		sum += p * q;
	}
	r = sum % 11;
	check = r <= 1 ? 0 : 11 - r;
	if ((unsigned)(value[11] - '0') != check)
		return false;
	return !my_number_dummy(value) && !timestamp_shaped(value);
}

static enum validate_result
my_number_fn(const char *value, size_t len)
{
	return validate_my_number(value, len) ? VALIDATE_OK : VALIDATE_FAIL;
}

/* Luhn (ISO/IEC 7812-1): from the right, every second digit doubled. */
static bool
luhn_ok(const char *d, size_t len)
{
	unsigned sum = 0, x;
	size_t i;

	for (i = 0; i < len; i++) {
		x = (unsigned)(d[len - 1 - i] - '0');
		if (i % 2 == 1 && (x *= 2) > 9)
			x -= 9;
		sum += x;
	}
	return sum % 10 == 0;
}

/* The first n digits of d as a number (n <= 9). */
static unsigned
prefix(const char *d, size_t n)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned)(d[i] - '0');
	return v;
}

/*
 * Whether the leading digits name a card issuer that issues numbers of
 * this length. 13-digit Visa numbers are left out on purpose: they have
 * not been issued for decades, and 13 digits starting with 4 is the
 * shape of a JAN/EAN-13 bar code (45..., 49...).
 */
static bool
card_issuer_fits(const char *d, size_t len)
{
	unsigned p2 = prefix(d, 2), p3 = prefix(d, 3), p4 = prefix(d, 4);

	if (d[0] == '4') /* Visa */
		return len == 16 || len == 19;
	if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
		return len == 16; /* Mastercard */
	if (p2 == 34 || p2 == 37) /* American Express */
		return len == 15;
	if (p4 >= 3528 && p4 <= 3589) /* JCB */
		return len >= 16 && len <= 19;
	if (p2 == 36 || (p3 >= 300 && p3 <= 305) || p2 == 38 || p2 == 39)
		return len >= 14 && len <= 19; /* Diners Club */
	if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649))
		return len >= 16 && len <= 19; /* Discover */
	return false;
}

static enum validate_result
luhn_card_fn(const char *value, size_t len)
{
	if (value == NULL || len < 14 || len > 19 || !all_digits(value, len))
		return VALIDATE_FAIL;
	return card_issuer_fits(value, len) && luhn_ok(value, len)
	    ? VALIDATE_OK
	    : VALIDATE_FAIL;
}

/*
 * A 16-digit card number that went through a spreadsheet as a number:
 * Excel keeps 15 significant digits, so the last one became 0 and the
 * Luhn check no longer fits (when it still fits, luhn_card has it).
 */
static enum validate_result
card_rounded_fn(const char *value, size_t len)
{
	if (value == NULL || len != 16 || !all_digits(value, len) ||
	    value[15] != '0')
		return VALIDATE_FAIL;
	return card_issuer_fits(value, len) && !luhn_ok(value, len)
	    ? VALIDATE_OK
	    : VALIDATE_FAIL;
}

/*
 * Japanese phone numbers by prefix (digits only; "+81" numbers come as
 * 81..., with or without the trunk 0 after it): 070/080/090 mobile, 050
 * IP phones and 0800 free dial have 11 digits; 0120 free dial, 0570 and
 * 0990 and every geographic number (0 + area code + local number, where
 * the digit after the leading 0 is 1-9 and the next is not 0) have 10.
 * 00x (international prefixes), 010, 020 (M2M, pagers) and 060 are not
 * numbers a person gives out.
 */
static enum validate_result
jp_phone_fn(const char *value, size_t len)
{
	char d[16];
	unsigned p3, p4;

	if (value == NULL || len < 10 || len > 13 || !all_digits(value, len))
		return VALIDATE_FAIL;
	if (value[0] == '8' && value[1] == '1') {
		/* +81 3-1234-5678, +81 (0)3-1234-5678 */
		value += 2;
		len -= 2;
		if (len > 0 && value[0] == '0') {
			value++;
			len--;
		}
		if (len < 9 || len > 10)
			return VALIDATE_FAIL;
		d[0] = '0';
		memcpy(d + 1, value, len);
		len++;
	} else if (value[0] == '0' && len <= 11) {
		memcpy(d, value, len);
	} else {
		return VALIDATE_FAIL;
	}
	if (d[1] == '0')
		return VALIDATE_FAIL;
	p3 = prefix(d, 3);
	p4 = prefix(d, 4);
	if (p4 == 800)
		return len == 11 ? VALIDATE_OK : VALIDATE_FAIL;
	if (p3 == 70 || p3 == 80 || p3 == 90 || p3 == 50)
		return len == 11 && d[3] != '0' ? VALIDATE_OK : VALIDATE_FAIL;
	if (d[2] == '0') /* 020, 060, 010 and the like */
		return VALIDATE_FAIL;
	return len == 10 ? VALIDATE_OK : VALIDATE_FAIL;
}

/* Dates */

struct era {
	const char *name; /* UTF-8, as NFKC leaves it (㍼ reads 昭和) */
	char letter;
	unsigned first, last; /* yyyymmdd, both included */
	unsigned start_year;  /* its first year, 元年 */
};

static const struct era eras[] = {
	{ "明治", 'M', 18680101, 19120729, 1868 },
	{ "大正", 'T', 19120730, 19261224, 1912 },
	{ "昭和", 'S', 19261225, 19890107, 1926 },
	{ "平成", 'H', 19890108, 20190430, 1989 },
	{ "令和", 'R', 20190501, 20991231, 2019 },
};

#define DATE_YEAR_MIN 1868
#define DATE_YEAR_MAX 2099

/* A reader over a value: position and end. */
struct rd {
	const char *p, *end;
};

static bool
rd_lit(struct rd *r, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
		return false;
	r->p += n;
	return true;
}

static void
rd_spaces(struct rd *r)
{
	while (r->p < r->end && *r->p == ' ')
		r->p++;
}

/* 1 to max digits; false when there is none or more than max. */
static bool
rd_num(struct rd *r, size_t max, unsigned *out)
{
	size_t n = 0;

	*out = 0;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		if (++n > max)
			return false;
		*out = *out * 10 + (unsigned)(*r->p++ - '0');
	}
	return n > 0;
}

static bool
leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
valid_ymd(unsigned y, unsigned m, unsigned d)
{
	static const unsigned char mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };

	if (y < DATE_YEAR_MIN || y > DATE_YEAR_MAX || m < 1 || m > 12 ||
	    d < 1 || d > mdays[m - 1])
		return false;
	return !(m == 2 && d == 29 && !leap(y));
}

/*
 * The era at r (a name or its letter, then an optional '.' or space), or
 * NULL (nothing read) when there is none.
 */
static const struct era *
rd_era(struct rd *r)
{
	size_t i;

	for (i = 0; i < sizeof(eras) / sizeof(eras[0]); i++) {
		if (rd_lit(r, eras[i].name))
			return &eras[i];
		if (r->p < r->end && *r->p == eras[i].letter) {
			r->p++;
			if (r->p < r->end && (*r->p == '.' || *r->p == ' '))
				r->p++;
			return &eras[i];
		}
	}
	return NULL;
}

/*
 * A date as the birth_date rule writes it: [era] year, then 年 月 [日]
 * or one separator of "/-." used twice; spaces around the parts. The
 * year is 元 (the first) or a number within the era; the day must exist
 * (2月30日 does not), and so must the era on that day: 平成31年5月1日 was
 * 令和元年5月1日.
 */
static enum validate_result
jp_date_fn(const char *value, size_t len)
{
	struct rd r = { value, value + len };
	const struct era *era;
	unsigned y, m, d, ymd;
	char sep = 0;
	bool kanji;

	if (value == NULL || len == 0 || len > 64)
		return VALIDATE_FAIL;
	era = rd_era(&r);
	rd_spaces(&r);
	if (era != NULL && rd_lit(&r, "元"))
		y = 1;
	else if (!rd_num(&r, era != NULL ? 2 : 4, &y))
		return VALIDATE_FAIL;
	rd_spaces(&r);
	if ((kanji = rd_lit(&r, "年")) == false) {
		if (r.p == r.end || (*r.p != '/' && *r.p != '-' && *r.p != '.'))
			return VALIDATE_FAIL;
		sep = *r.p++;
	}
	rd_spaces(&r);
	if (!rd_num(&r, 2, &m))
		return VALIDATE_FAIL;
	rd_spaces(&r);
	if (kanji ? !rd_lit(&r, "月") : r.p == r.end || *r.p++ != sep)
		return VALIDATE_FAIL;
	rd_spaces(&r);
	if (!rd_num(&r, 2, &d))
		return VALIDATE_FAIL;
	rd_spaces(&r);
	if (kanji)
		(void)rd_lit(&r, "日");
	if (r.p != r.end)
		return VALIDATE_FAIL;
	if (era != NULL) {
		if (y < 1 || y > 99)
			return VALIDATE_FAIL;
		y += era->start_year - 1;
	} else if (y < 1000) {
		return VALIDATE_FAIL; /* a western year has 4 digits */
	}
	if (!valid_ymd(y, m, d))
		return VALIDATE_FAIL;
	ymd = y * 10000 + m * 100 + d;
	if (era != NULL && (ymd < era->first || ymd > era->last))
		return VALIDATE_FAIL;
	return VALIDATE_OK;
}

/*
 * Driver's licence numbers: 2 digits of the issuing prefectural public
 * safety commission, 2 of the year first licensed, 6 serial digits, a
 * check digit, the reissue count. The check digit is not official (the
 * police do not publish it) but widely documented and observed: the
 * first 10 digits weighted 5,4,3,2,7,6,5,4,3,2, the check digit
 * (11 - sum mod 11) mod 10. Since it is unofficial, a mismatch does not
 * drop the match; a fit raises its confidence.
 */
static bool
license_commission(unsigned code)
{
	/* 10 Sapporo .. 14 Kitami, 20 Aomori .. 25 Fukushima, 30 Tokyo,
	   40 .. 49, 50 .. 55, 60 .. 65, 70 .. 74, 80 .. 83, 90 .. 97 Okinawa */
	static const unsigned char last_of_decade[10] = { 0, 14, 25, 30, 49, 55,
		65, 74, 83, 97 };
	unsigned tens = code / 10;

	return tens >= 1 && tens <= 9 && code <= last_of_decade[tens];
}

static enum validate_result
jp_license_fn(const char *value, size_t len)
{
	static const unsigned w[10] = { 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };
	unsigned sum = 0, i;

	if (value == NULL || len != 12 || !all_digits(value, len) ||
	    !license_commission(prefix(value, 2)))
		return VALIDATE_FAIL;
	for (i = 0; i < 10; i++)
		sum += (unsigned)(value[i] - '0') * w[i];
	return (unsigned)(value[10] - '0') == (11 - sum % 11) % 10
	    ? VALIDATE_BOOST
	    : VALIDATE_OK;
}

/*
 * Health insurer numbers (保険者番号), as the MHLW's numbering rules set
 * them: 8 digits (法別 2, prefecture 2, insurer 3, check 1) or 6 for
 * National Health Insurance (prefecture 2, insurer 3, check 1). The
 * check digit: from the last digit before it, weights 2, 1, 2, ...; the
 * digits of each product summed; check = (10 - sum mod 10) mod 10 (which
 * is the Luhn check over the whole number). The prefecture is 01..47.
 */
static enum validate_result
jp_insurer_fn(const char *value, size_t len)
{
	unsigned pref;

	if (value == NULL || (len != 8 && len != 6) || !all_digits(value, len))
		return VALIDATE_FAIL;
	pref = prefix(value + (len == 8 ? 2 : 0), 2);
	if (pref < 1 || pref > 47)
		return VALIDATE_FAIL;
	return luhn_ok(value, len) ? VALIDATE_OK : VALIDATE_FAIL;
}

/*
 * Corporate numbers (法人番号) of the National Tax Agency: 13 digits, the
 * check digit FIRST. With P(n) the n-th of the 12 base digits counted
 * from the right and Q(n) 1 for odd n, 2 for even n: check = 9 - (sum of
 * P(n) * Q(n)) mod 9. Qualified invoice issuer numbers are 'T' and the
 * same 13 digits; their rule keeps the digits only.
 */
static enum validate_result
jp_corporate_fn(const char *value, size_t len)
{
	unsigned sum = 0, n;

	if (value == NULL || len != 13 || !all_digits(value, len))
		return VALIDATE_FAIL;
	for (n = 1; n <= 12; n++)
		sum += (unsigned)(value[13 - n] - '0') * (n % 2 ? 1 : 2);
	return (unsigned)(value[0] - '0') == 9 - sum % 9 ? VALIDATE_OK
							 : VALIDATE_FAIL;
}

static const struct validator {
	const char *name;
	validate_fn fn;
} validators[] = {
	{ "my_number", my_number_fn },
	{ "luhn_card", luhn_card_fn },
	{ "card_rounded", card_rounded_fn },
	{ "jp_phone", jp_phone_fn },
	{ "jp_date", jp_date_fn },
	{ "jp_license", jp_license_fn },
	{ "jp_insurer", jp_insurer_fn },
	{ "jp_corporate", jp_corporate_fn },
};

#define N_VALIDATORS (sizeof(validators) / sizeof(validators[0]))

validate_fn
validate_lookup(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < N_VALIDATORS; i++)
		if (strcmp(validators[i].name, name) == 0)
			return validators[i].fn;
	return NULL;
}

const char *
validate_name(size_t i)
{
	return i < N_VALIDATORS ? validators[i].name : NULL;
}
