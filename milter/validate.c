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

	for (i = 1; i < MY_NUMBER_LEN - 1; i++) {
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
	return !my_number_dummy(value);
}

static enum validate_result
my_number_fn(const char *value, size_t len)
{
	return validate_my_number(value, len) ? VALIDATE_OK : VALIDATE_FAIL;
}

static const struct validator {
	const char *name;
	validate_fn fn;
} validators[] = {
	{ "my_number", my_number_fn },
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
