/* Unit tests for buf: the hard maximum, truncating appends, wiping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void
test_append_within_max_keeps_bytes_and_nul(void **state)
{
	struct buf b;

	buf_init(&b, 10);
	assert_int_equal(buf_append(&b, "hello", 5), BUF_OK);
	assert_int_equal(buf_putc(&b, '!'), BUF_OK);
	assert_int_equal(b.len, 6);
	assert_string_equal(buf_cstr(&b), "hello!");
	buf_free(&b);
}

static void
test_append_past_max_appends_nothing(void **state)
{
	struct buf b;

	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345"), BUF_OK);
	assert_int_equal(buf_puts(&b, "6789"), BUF_EFULL);
	assert_string_equal(buf_cstr(&b), "12345");
	assert_int_equal(buf_puts(&b, "678"), BUF_OK);
	assert_int_equal(buf_putc(&b, 'x'), BUF_EFULL);
	assert_int_equal(b.len, 8);
	buf_free(&b);
}

static void
test_append_trunc_fills_to_max(void **state)
{
	struct buf b;

	buf_init(&b, 4);
	assert_int_equal(buf_append_trunc(&b, "abcdef", 6), 4);
	assert_string_equal(buf_cstr(&b), "abcd");
	assert_int_equal(buf_append_trunc(&b, "x", 1), 0);
	buf_free(&b);
}

static void
test_empty_buffer_is_empty_string(void **state)
{
	struct buf b;

	buf_init(&b, 4);
	assert_string_equal(buf_cstr(&b), "");
	assert_null(buf_steal(&b, NULL));
	buf_free(&b);
	buf_free(&b); /* twice is harmless */
}

static void
test_growth_over_many_appends_keeps_content(void **state)
{
	struct buf b;
	size_t i;

	buf_init(&b, 100000);
	for (i = 0; i < 100000; i++)
		assert_int_equal(buf_putc(&b, 'a' + (int)(i % 26)), BUF_OK);
	assert_int_equal(b.len, 100000);
	for (i = 0; i < 100000; i += 9973)
		assert_int_equal(b.data[i], 'a' + (int)(i % 26));
	assert_int_equal(buf_putc(&b, 'z'), BUF_EFULL);
	buf_free(&b);
}

static void
test_reset_wipes_and_keeps_max(void **state)
{
	struct buf b;
	unsigned char *p;

	buf_init(&b, 16);
	buf_puts(&b, "secret");
	p = b.data;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_ptr_equal(b.data, p);
	assert_int_equal(memcmp(p, "\0\0\0\0\0\0", 6), 0);
	assert_int_equal(buf_puts(&b, "0123456789abcdef"), BUF_OK);
	buf_free(&b);
}

static void
test_steal_hands_over_storage(void **state)
{
	struct buf b;
	size_t len;
	char *s;

	buf_init(&b, 16);
	buf_puts(&b, "abc");
	s = buf_steal(&b, &len);
	assert_string_equal(s, "abc");
	assert_int_equal(len, 3);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
}

static void
test_zero_max_refuses_everything(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(buf_putc(&b, 'a'), BUF_EFULL);
	assert_int_equal(buf_append(&b, "", 0), BUF_OK);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
}

static void
test_free_string_takes_strings_and_null(void **state)
{
	buf_free_string(strdup("271828182846"));
	buf_free_string(strdup(""));
	buf_free_string(NULL); /* a no-op */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_within_max_keeps_bytes_and_nul),
		cmocka_unit_test(test_append_past_max_appends_nothing),
		cmocka_unit_test(test_append_trunc_fills_to_max),
		cmocka_unit_test(test_empty_buffer_is_empty_string),
		cmocka_unit_test(test_growth_over_many_appends_keeps_content),
		cmocka_unit_test(test_reset_wipes_and_keeps_max),
		cmocka_unit_test(test_steal_hands_over_storage),
		cmocka_unit_test(test_zero_max_refuses_everything),
		cmocka_unit_test(test_free_string_takes_strings_and_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
