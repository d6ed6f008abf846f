/*
 * test_rtfcp - rtfcp_decompress(): the [MS-OXRTFCP] examples (LZFu with
 * the ring's prefix, a run that overlaps what it writes), the stored
 * MELA form, and damage: unknown magic, short headers, input cut
 * short, a raw size larger than the data, and out's maximum.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rtfcp.h"

/* [MS-OXRTFCP] 4.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n" */
static const unsigned char simple[] = { 0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00,
	0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7, 0x03, 0x00,
	0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a,
	0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0,
	0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0 };
static const char simple_out[] =
    "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n";

/* [MS-OXRTFCP] 4.2: a run that reads bytes it writes itself */
static const unsigned char cross[] = { 0x1a, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00,
	0x00, 0x4c, 0x5a, 0x46, 0x75, 0xe2, 0xd4, 0x4b, 0x51, 0x41, 0x00, 0x04,
	0x20, 0x57, 0x58, 0x59, 0x5a, 0x0d, 0x6e, 0x7d, 0x01, 0x0e, 0xb0 };
static const char cross_out[] = "{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}";

static int
run(const void *p, size_t n, size_t max, struct buf *out)
{
	buf_init(out, max);
	return rtfcp_decompress(p, n, out);
}

static void
test_lzfu_examples_decode(void **state)
{
	struct buf out;

	assert_int_equal(run(simple, sizeof(simple), 1 << 20, &out), RTFCP_OK);
	assert_int_equal(out.len, strlen(simple_out));
	assert_memory_equal(out.data, simple_out, out.len);
	buf_free(&out);
	assert_int_equal(run(cross, sizeof(cross), 1 << 20, &out), RTFCP_OK);
	assert_int_equal(out.len, strlen(cross_out));
	assert_memory_equal(out.data, cross_out, out.len);
	buf_free(&out);
}

static void
test_mela_is_stored(void **state)
{
	unsigned char m[16 + 8] = { 20, 0, 0, 0, 8, 0, 0, 0, 'M', 'E', 'L', 'A',
		0, 0, 0, 0, '{', '\\', 'r', 't', 'f', '1', ' ', '}' };
	struct buf out;

	assert_int_equal(run(m, sizeof(m), 1 << 20, &out), RTFCP_OK);
	assert_int_equal(out.len, 8);
	assert_memory_equal(out.data, "{\\rtf1 }", 8);
	buf_free(&out);
	/* a raw size past the data */
	m[4] = 9;
	assert_int_equal(run(m, sizeof(m), 1 << 20, &out), RTFCP_EINPUT);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void
test_damage_is_an_input_error_with_what_was_decoded(void **state)
{
	unsigned char bad[sizeof(simple)];
	struct buf out;
	size_t n;

	assert_int_equal(run(simple, 15, 1 << 20, &out), RTFCP_EINPUT);
	buf_free(&out);
	memcpy(bad, simple, sizeof(bad));
	bad[8] = 'X'; /* unknown magic */
	assert_int_equal(run(bad, sizeof(bad), 1 << 20, &out), RTFCP_EINPUT);
	buf_free(&out);
	/* every cut: an input error, with a prefix of the text */
	for (n = 16; n < sizeof(simple) - 2; n++) {
		assert_int_equal(run(simple, n, 1 << 20, &out), RTFCP_EINPUT);
		assert_true(out.len < strlen(simple_out));
		assert_memory_equal(out.data, simple_out, out.len);
		buf_free(&out);
	}
	/* a compressed size smaller than the data: the data is cut there */
	memcpy(bad, simple, sizeof(bad));
	bad[0] = 20;
	assert_int_equal(run(bad, sizeof(bad), 1 << 20, &out), RTFCP_EINPUT);
	buf_free(&out);
}

static void
test_output_stops_at_the_maximum(void **state)
{
	struct buf out;

	assert_int_equal(run(simple, sizeof(simple), 10, &out), RTFCP_EFULL);
	assert_true(out.len <= 10);
	assert_memory_equal(out.data, simple_out, out.len);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lzfu_examples_decode),
		cmocka_unit_test(test_mela_is_stored),
		cmocka_unit_test(
		    test_damage_is_an_input_error_with_what_was_decoded),
		cmocka_unit_test(test_output_stops_at_the_maximum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
