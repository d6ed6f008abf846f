/*
 * test_decode - the streaming transfer decoders (milter/decode.c).
 *
 * Every table case is decoded three ways: whole, byte by byte, and in
 * random chunks with a fixed seed; the output and the error flags must be
 * the same each time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "decode.h"

struct sink {
	struct buf out;
	size_t calls;
	size_t max_block;
	int fail_after; /* return -7 on this call (1-based); 0 = never */
};

static int
sink_out(void *arg, const void *data, size_t len)
{
	struct sink *s = arg;

	s->calls++;
	if (len > s->max_block)
		s->max_block = len;
	if (s->fail_after > 0 && (int)s->calls == s->fail_after)
		return -7;
	return buf_append(&s->out, data, len) == BUF_OK ? 0 : -1;
}

static uint32_t
rnd(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

enum chunking { WHOLE, BYTES, RANDOM };

/* Decode in into s->out; returns the decoder's error flags. */
static unsigned
run(enum decode_kind k, const void *in, size_t len, enum chunking how,
    struct sink *s)
{
	struct decoder *d = malloc(sizeof(*d));
	const unsigned char *p = in;
	uint32_t st = 12345;
	size_t i = 0, n;
	unsigned err;

	assert_non_null(d);
	buf_init(&s->out, 64u << 20);
	s->calls = s->max_block = 0;
	s->fail_after = 0;
	decode_init(d, k, sink_out, s);
	while (i < len) {
		n = how == WHOLE   ? len - i
		    : how == BYTES ? 1
				   : 1 + rnd(&st) % 97;
		if (n > len - i)
			n = len - i;
		assert_int_equal(decode_feed(d, p + i, n), 0);
		i += n;
	}
	assert_int_equal(decode_finish(d), 0);
	err = d->errors;
	decode_wipe(d);
	free(d);
	return err;
}

struct dcase {
	const char *name;
	enum decode_kind kind;
	const char *in;
	const char *out;
	size_t outlen; /* 0: strlen(out) */
	unsigned errors;
};

static const struct dcase cases[] = {
	/* base64 */
	{ "base64 plain", DECODE_BASE64, "Zm9vYmFy", "foobar", 0, 0 },
	{ "base64 with line breaks and spaces", DECODE_BASE64,
	    "Zm9v\r\nYm Fy\n\t", "foobar", 0, 0 },
	{ "base64 one pad", DECODE_BASE64, "Zm9vYmE=", "fooba", 0, 0 },
	{ "base64 two pads", DECODE_BASE64, "Zm9vYg==", "foob", 0, 0 },
	{ "base64 continues after inner padding", DECODE_BASE64,
	    "Zm9vYmE=\r\nYmF6", "foobabaz", 0, DECODE_E_PADDING },
	{ "base64 continues after inner double padding", DECODE_BASE64,
	    "Zm9vYg==YmFy", "foobbar", 0, DECODE_E_PADDING },
	{ "base64 skips garbage and flags it", DECODE_BASE64, "Zm9v!Ym*Fy",
	    "foobar", 0, DECODE_E_GARBAGE },
	{ "base64 eight-bit garbage skipped", DECODE_BASE64,
	    "Zm\xe3\x81\x82"
	    "9v",
	    "foo", 0, DECODE_E_GARBAGE },
	{ "base64 missing padding at the end decodes the rest", DECODE_BASE64,
	    "Zm9vYmE", "fooba", 0, DECODE_E_TRUNCATED },
	{ "base64 one stray sextet at the end", DECODE_BASE64, "Zm9vY", "foo",
	    0, DECODE_E_TRUNCATED },
	{ "base64 pad after one sextet", DECODE_BASE64, "Zm9vY=Zm9v", "foofoo",
	    0, DECODE_E_TRUNCATED | DECODE_E_PADDING },
	{ "base64 stray pad is garbage", DECODE_BASE64, "Zm9v=", "foo", 0,
	    DECODE_E_GARBAGE },
	{ "base64 third pad is garbage", DECODE_BASE64, "Zg===", "f", 0,
	    DECODE_E_GARBAGE },
	{ "base64 empty", DECODE_BASE64, "", "", 0, 0 },
	{ "base64 only white space", DECODE_BASE64, " \r\n\t", "", 0, 0 },
	{ "base64 binary bytes", DECODE_BASE64, "AP8A/w==", "\0\xff\0\xff", 4,
	    0 },
	/* quoted-printable */
	{ "qp upper hex", DECODE_QP, "caf=C3=A9", "caf\xc3\xa9", 0, 0 },
	{ "qp lower hex", DECODE_QP, "caf=c3=a9", "caf\xc3\xa9", 0, 0 },
	{ "qp soft break crlf", DECODE_QP, "abc=\r\ndef", "abcdef", 0, 0 },
	{ "qp soft break lf", DECODE_QP, "abc=\ndef", "abcdef", 0, 0 },
	{ "qp soft break with transport white space", DECODE_QP,
	    "abc= \t\r\ndef", "abcdef", 0, 0 },
	{ "qp soft break with white space and lf", DECODE_QP, "abc=  \ndef",
	    "abcdef", 0, 0 },
	{ "qp trailing white space dropped before crlf", DECODE_QP,
	    "abc  \t\r\ndef", "abc\r\ndef", 0, 0 },
	{ "qp trailing white space dropped before lf", DECODE_QP, "abc \ndef",
	    "abc\ndef", 0, 0 },
	{ "qp inner white space kept", DECODE_QP, "a  b\t c", "a  b\t c", 0,
	    0 },
	{ "qp white space before soft break kept", DECODE_QP, "abc  =\r\nd",
	    "abc  d", 0, 0 },
	{ "qp trailing white space at the end dropped", DECODE_QP, "abc  ",
	    "abc", 0, 0 },
	{ "qp line ends kept as they came", DECODE_QP, "a\r\nb\nc\r\n",
	    "a\r\nb\nc\r\n", 0, 0 },
	{ "qp bad hex passed literally", DECODE_QP, "a=4Gb", "a=4Gb", 0,
	    DECODE_E_MALFORMED },
	{ "qp equals and letter passed literally", DECODE_QP, "1=x+2", "1=x+2",
	    0, DECODE_E_MALFORMED },
	{ "qp equals white space then text passed literally", DECODE_QP, "a= b",
	    "a= b", 0, DECODE_E_MALFORMED },
	{ "qp equals cr then text passed literally", DECODE_QP, "a=\rb",
	    "a=\rb", 0, DECODE_E_MALFORMED },
	{ "qp equals white space cr then text passed literally", DECODE_QP,
	    "a= \rb", "a= \rb", 0, DECODE_E_MALFORMED },
	{ "qp equals at the end is a soft break", DECODE_QP, "abc=", "abc", 0,
	    0 },
	{ "qp cut escape at the end", DECODE_QP, "abc=4", "abc=4", 0,
	    DECODE_E_MALFORMED | DECODE_E_TRUNCATED },
	{ "qp lone cr is text", DECODE_QP, "a\rb", "a\rb", 0, 0 },
	{ "qp cr at the end", DECODE_QP, "ab \r", "ab\r", 0, 0 },
	{ "qp white space before lone cr kept", DECODE_QP, "a \rb", "a \rb", 0,
	    0 },
	{ "qp eight-bit passed through", DECODE_QP, "\xe6\x97\xa5=E6=9C=AC",
	    "\xe6\x97\xa5\xe6\x9c\xac", 0, 0 },
	{ "qp encoded nul", DECODE_QP, "a=00b", "a\0b", 3, 0 },
	/* uuencode */
	{ "uu begin data end", DECODE_UU, "begin 644 a.txt\n#9F]O\n`\nend\n",
	    "foo", 0, 0 },
	{ "uu crlf lines", DECODE_UU,
	    "begin 644 a.txt\r\n&9F]O8F%R\r\n`\r\nend\r\n", "foobar", 0, 0 },
	{ "uu length char limits the bytes", DECODE_UU,
	    "begin 644 a\n\"9F]O\nend\n", "fo", 0, 0 },
	{ "uu stripped trailing spaces count as zero", DECODE_UU,
	    "begin 644 a\n#`0\n`\nend\n", "\x01\0\0", 3, 0 },
	{ "uu space stands for zero too", DECODE_UU,
	    "begin 644 a\n#```!\n#   !\nend\n", "\0\0\x01\0\0\x01", 6, 0 },
	{ "uu bad line flagged and skipped", DECODE_UU,
	    "begin 644 a\n#9F]O\nhello world\n#9F]O\nend\n", "foofoo", 0,
	    DECODE_E_MALFORMED },
	{ "uu blank line inside the block skipped", DECODE_UU,
	    "begin 644 a\n#9F]O\n\n#9F]O\nend\n", "foofoo", 0, 0 },
	{ "uu text around the block passed through", DECODE_UU,
	    "Hello\r\n\r\nbegin 644 a\n#9F]O\nend\nBye\n", "Hello\r\nfooBye\n",
	    0, 0 },
	{ "uu no begin line flagged, text passed", DECODE_UU,
	    "just text\nmore\n", "just text\nmore\n", 0, DECODE_E_NO_BEGIN },
	{ "uu no end line flagged", DECODE_UU, "begin 644 a\n#9F]O\n", "foo", 0,
	    DECODE_E_NO_END },
	{ "uu last line without newline", DECODE_UU, "begin 644 a\n#9F]O\nend",
	    "foo", 0, 0 },
	{ "uu begin needs a mode", DECODE_UU, "begin here\n#9F]O\n",
	    "begin here\n#9F]O\n", 0, DECODE_E_NO_BEGIN },
	{ "uu empty", DECODE_UU, "", "", 0, DECODE_E_NO_BEGIN },
	/* identity */
	{ "identity keeps everything", DECODE_IDENTITY, "a=4G\r\n \xff",
	    "a=4G\r\n \xff", 0, 0 },
};

static void
test_decode_table_same_result_whatever_the_chunks(void **state)
{
	static const enum chunking how[] = { WHOLE, BYTES, RANDOM };
	struct sink s;
	size_t i, j, outlen;
	unsigned err;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		outlen =
		    cases[i].outlen ? cases[i].outlen : strlen(cases[i].out);
		for (j = 0; j < 3; j++) {
			err = run(cases[i].kind, cases[i].in,
			    strlen(cases[i].in), how[j], &s);
			if (s.out.len != outlen ||
			    memcmp(buf_cstr(&s.out), cases[i].out, outlen) !=
				0 ||
			    err != cases[i].errors)
				fail_msg("%s (chunking %zu): got %zu bytes "
					 "\"%s\", errors %#x; want %zu, %#x",
				    cases[i].name, j, s.out.len,
				    buf_cstr(&s.out), err, outlen,
				    cases[i].errors);
			buf_free(&s.out);
		}
	}
}

/* The GMime bypass: a chunked encoder emitting "...==" mid-stream. */
static void
test_base64_continues_after_inner_padding_over_many_lines(void **state)
{
	static const char in[] = "SGVsbG8g\r\n"
				 "d29y\r\n"
				 "bGQ=\r\n"	    /* "Hello world" */
				 "IE15IE51bWJl\r\n" /* " My Numbe" */
				 "cjogMTIz\r\n";    /* "r: 123" */
	struct sink s;
	unsigned err;

	err = run(DECODE_BASE64, in, strlen(in), WHOLE, &s);
	assert_string_equal(buf_cstr(&s.out), "Hello world My Number: 123");
	assert_true(err & DECODE_E_PADDING);
	buf_free(&s.out);
}

static void
test_decode_output_comes_in_blocks_independent_of_chunks(void **state)
{
	size_t n = 3 * DECODE_BLOCK + 100, i;
	char *in = malloc(n);
	struct sink a, b;

	assert_non_null(in);
	for (i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	run(DECODE_IDENTITY, in, n, WHOLE, &a);
	run(DECODE_IDENTITY, in, n, BYTES, &b);
	assert_int_equal(a.out.len, n);
	assert_memory_equal(a.out.data, in, n);
	assert_int_equal(a.calls, 4);
	assert_int_equal(b.calls, 4);
	assert_int_equal(a.max_block, DECODE_BLOCK);
	buf_free(&a.out);
	buf_free(&b.out);
	free(in);
}

static void
test_base64_long_line_decodes_in_blocks(void **state)
{
	size_t lines = 20000, i;
	struct buf in;
	struct sink s;
	unsigned err;

	buf_init(&in, 4u << 20);
	for (i = 0; i < lines; i++) /* "foobar" x lines, no line breaks */
		assert_int_equal(buf_puts(&in, "Zm9vYmFy"), BUF_OK);
	err = run(DECODE_BASE64, in.data, in.len, RANDOM, &s);
	assert_int_equal(err, 0);
	assert_int_equal(s.out.len, 6 * lines);
	assert_true(s.max_block <= DECODE_BLOCK);
	assert_memory_equal(s.out.data + 6 * (lines - 1), "foobar", 6);
	buf_free(&s.out);
	buf_free(&in);
}

static void
test_qp_long_white_space_run_is_kept(void **state)
{
	char in[DECODE_WS_MAX * 2 + 3];
	struct sink s;
	unsigned err;

	memset(in, ' ', sizeof(in) - 1);
	in[0] = 'a';
	in[sizeof(in) - 2] = 'b';
	in[sizeof(in) - 1] = '\0';
	err = run(DECODE_QP, in, strlen(in), BYTES, &s);
	assert_int_equal(err, 0);
	assert_string_equal(buf_cstr(&s.out), in);
	buf_free(&s.out);
}

static void
test_qp_long_white_space_after_equals_is_malformed(void **state)
{
	char in[DECODE_WS_MAX + 4];
	struct sink s;
	unsigned err;

	memset(in, ' ', sizeof(in) - 1);
	in[0] = '=';
	in[sizeof(in) - 2] = 'x';
	in[sizeof(in) - 1] = '\0';
	err = run(DECODE_QP, in, strlen(in), WHOLE, &s);
	assert_int_equal(err, DECODE_E_MALFORMED);
	assert_string_equal(buf_cstr(&s.out), in);
	buf_free(&s.out);
}

static void
test_uu_overlong_data_line_is_bad(void **state)
{
	struct buf in;
	struct sink s;
	unsigned err;
	size_t i;

	buf_init(&in, 4096);
	assert_int_equal(buf_puts(&in, "begin 644 a\nM"), BUF_OK);
	for (i = 0; i < DECODE_UU_LINE + 10; i++)
		assert_int_equal(buf_putc(&in, 'A'), BUF_OK);
	assert_int_equal(buf_puts(&in, "\n#9F]O\nend\n"), BUF_OK);
	err = run(DECODE_UU, in.data, in.len, RANDOM, &s);
	assert_int_equal(err, DECODE_E_MALFORMED);
	assert_string_equal(buf_cstr(&s.out), "foo");
	buf_free(&s.out);
	buf_free(&in);
}

static void
test_uu_overlong_text_line_outside_block_passes_through(void **state)
{
	struct buf in, want;
	struct sink s;
	unsigned err;
	size_t i;

	buf_init(&in, 4096);
	buf_init(&want, 4096);
	for (i = 0; i < DECODE_UU_LINE * 2; i++)
		assert_int_equal(buf_putc(&in, 'a' + (int)(i % 26)), BUF_OK);
	assert_int_equal(buf_puts(&in, "\r\n"), BUF_OK);
	assert_int_equal(buf_append(&want, in.data, in.len), BUF_OK);
	assert_int_equal(buf_puts(&in, "begin 644 x\n#9F]O\nend\n"), BUF_OK);
	assert_int_equal(buf_puts(&want, "foo"), BUF_OK);
	err = run(DECODE_UU, in.data, in.len, BYTES, &s);
	assert_int_equal(err, 0);
	assert_string_equal(buf_cstr(&s.out), buf_cstr(&want));
	buf_free(&s.out);
	buf_free(&in);
	buf_free(&want);
}

static void
test_callback_error_stops_decoder_and_is_returned(void **state)
{
	struct decoder *d = malloc(sizeof(*d));
	char in[DECODE_BLOCK * 3];
	struct sink s;

	assert_non_null(d);
	memset(in, 'x', sizeof(in));
	buf_init(&s.out, sizeof(in));
	s.calls = s.max_block = 0;
	s.fail_after = 2;
	decode_init(d, DECODE_IDENTITY, sink_out, &s);
	assert_int_equal(decode_feed(d, in, sizeof(in)), -7);
	assert_int_equal(decode_feed(d, in, 10), -7);
	assert_int_equal(decode_finish(d), -7);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.out.len, DECODE_BLOCK);
	buf_free(&s.out);
	free(d);
}

static void
test_decoder_can_be_reused_after_finish(void **state)
{
	struct decoder *d = malloc(sizeof(*d));
	struct sink s = { .fail_after = 0 };

	assert_non_null(d);
	buf_init(&s.out, 100);
	decode_init(d, DECODE_QP, sink_out, &s);
	assert_int_equal(decode_feed(d, "a=4", 3), 0);
	assert_int_equal(decode_finish(d), 0);
	assert_int_equal(d->errors, DECODE_E_MALFORMED | DECODE_E_TRUNCATED);
	decode_init(d, DECODE_BASE64, sink_out, &s);
	assert_int_equal(d->errors, 0);
	assert_int_equal(decode_feed(d, "YQ==", 4), 0);
	assert_int_equal(decode_finish(d), 0);
	assert_string_equal(buf_cstr(&s.out), "a=4a");
	buf_free(&s.out);
	decode_wipe(d);
	free(d);
}

static void
test_decode_kind_of_maps_transfer_encodings(void **state)
{
	static const struct {
		const char *cte;
		enum decode_kind kind;
		bool known;
	} t[] = {
		{ NULL, DECODE_IDENTITY, true }, { "", DECODE_IDENTITY, true },
		{ "7bit", DECODE_IDENTITY, true },
		{ "8bit", DECODE_IDENTITY, true },
		{ "binary", DECODE_IDENTITY, true },
		{ "base64", DECODE_BASE64, true },
		{ "quoted-printable", DECODE_QP, true },
		{ "x-uuencode", DECODE_UU, true }, { "x-uue", DECODE_UU, true },
		{ "uuencode", DECODE_UU, true }, { "x-uu", DECODE_UU, true },
		{ "x-gzip64", DECODE_IDENTITY, false },
		{ "Base64", DECODE_IDENTITY, false }, /* callers lower-case */
	};
	size_t i;
	bool known;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		known = !t[i].known;
		assert_int_equal(decode_kind_of(t[i].cte, &known), t[i].kind);
		assert_int_equal(known, t[i].known);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_decode_table_same_result_whatever_the_chunks),
		cmocka_unit_test(
		    test_base64_continues_after_inner_padding_over_many_lines),
		cmocka_unit_test(
		    test_decode_output_comes_in_blocks_independent_of_chunks),
		cmocka_unit_test(test_base64_long_line_decodes_in_blocks),
		cmocka_unit_test(test_qp_long_white_space_run_is_kept),
		cmocka_unit_test(
		    test_qp_long_white_space_after_equals_is_malformed),
		cmocka_unit_test(test_uu_overlong_data_line_is_bad),
		cmocka_unit_test(
		    test_uu_overlong_text_line_outside_block_passes_through),
		cmocka_unit_test(
		    test_callback_error_stops_decoder_and_is_returned),
		cmocka_unit_test(test_decoder_can_be_reused_after_finish),
		cmocka_unit_test(test_decode_kind_of_maps_transfer_encodings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
