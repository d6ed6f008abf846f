/*
 * test_attach_msg - a file as the only attachment of a small message:
 * the head names the file safely, the base64 decodes back to the bytes
 * in whole and in chunks, lines stay at 76, limits are errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "attach_msg.h"
#include "decode.h"

static int
collect(void *arg, const void *data, size_t len)
{
	return buf_append(arg, data, len) == BUF_OK ? 0 : 1;
}

/* the bytes b's base64 decodes to, in out */
static void
decode_into(const struct buf *b, struct buf *out)
{
	struct decoder d;

	decode_init(&d, DECODE_BASE64, collect, out);
	assert_int_equal(decode_feed(&d, b->data, b->len), 0);
	assert_int_equal(decode_finish(&d), 0);
	decode_wipe(&d);
}

static void
test_head_names_the_file_percent_encoded(void **state)
{
	struct buf b;
	const char *t;

	buf_init(&b, 1 << 16);
	assert_int_equal(attach_msg_head(&b, "/tmp/dir/名簿 (1).csv",
			     "a@example.jp", "x@outside.test"),
	    BUF_OK);
	t = (const char *)b.data;
	assert_non_null(strstr(t,
	    "From: <a@example.jp>\r\nTo: "
	    "<x@outside.test>\r\n"));
	assert_non_null(
	    strstr(t, "filename*=UTF-8''%E5%90%8D%E7%B0%BF%20%281%29.csv\r\n"));
	assert_null(strstr(t, "/tmp/dir"));
	assert_non_null(strstr(t, "boundary=\"=_dlp_scan_file\""));
	assert_int_equal(memcmp(b.data + b.len - 4, "\r\n\r\n", 4), 0);
	buf_free(&b);
}

static void
test_head_cuts_a_long_name_and_no_header_line_passes(void **state)
{
	char path[3000];
	struct buf b;
	const char *p, *e;

	memset(path, '\n', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	buf_init(&b, 1 << 16);
	assert_int_equal(attach_msg_head(&b, path, "a", "b"), BUF_OK);
	p = strstr((const char *)b.data, "UTF-8''");
	assert_non_null(p);
	e = strstr(p, "\r\n");
	/* 340 encoded newlines (%0A): none raw */
	assert_int_equal(e - (p + 7), 340 * 3);
	assert_true(340 * 3 <= ATTACH_MSG_NAME);
	buf_free(&b);
}

static void
test_base64_decodes_back_whole_and_in_chunks(void **state)
{
	unsigned char in[10000];
	struct buf whole, parts, out;
	size_t i, line;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + (i >> 8));
	buf_init(&whole, 1 << 16);
	buf_init(&parts, 1 << 16);
	assert_int_equal(attach_msg_base64(&whole, in, sizeof(in)), BUF_OK);
	/* chunks of a multiple of 3, then the rest */
	for (i = 0; i < sizeof(in); i += 3 * 333) {
		size_t n = sizeof(in) - i < 3 * 333 ? sizeof(in) - i : 3 * 333;

		assert_int_equal(attach_msg_base64(&parts, in + i, n), BUF_OK);
	}
	for (i = 0, line = 0; i < whole.len; i++) {
		if (whole.data[i] == '\n') {
			assert_true(line <= 76);
			line = 0;
		} else
			line++;
	}
	buf_init(&out, sizeof(in));
	decode_into(&whole, &out);
	assert_int_equal(out.len, sizeof(in));
	assert_memory_equal(out.data, in, sizeof(in));
	buf_reset(&out);
	decode_into(&parts, &out);
	assert_int_equal(out.len, sizeof(in));
	assert_memory_equal(out.data, in, sizeof(in));
	buf_free(&out);
	buf_free(&whole);
	buf_free(&parts);
}

static void
test_a_full_buffer_is_an_error(void **state)
{
	unsigned char in[300] = { 0 };
	struct buf b;

	buf_init(&b, 100);
	assert_int_equal(attach_msg_base64(&b, in, sizeof(in)), BUF_EFULL);
	buf_free(&b);
	buf_init(&b, 100);
	assert_int_equal(attach_msg_head(&b, "f.csv", "a", "b"), BUF_EFULL);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_names_the_file_percent_encoded),
		cmocka_unit_test(
		    test_head_cuts_a_long_name_and_no_header_line_passes),
		cmocka_unit_test(test_base64_decodes_back_whole_and_in_chunks),
		cmocka_unit_test(test_a_full_buffer_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
