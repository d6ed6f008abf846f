/*
 * Unit tests for cms: SignedData content in DER and in the BER forms S/MIME
 * agents write (indefinite lengths, constructed OCTET STRINGs), detached
 * signatures, content types, and hostile input (truncation, lengths past
 * the end, nesting bombs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cms.h"

#define OID_SIGNED \
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
#define OID_DATA \
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01
#define OID_ENVEL \
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03

/* clang-format off */
/* ContentInfo{signed, [0]{SignedData{1, SET{}, {data, [0]{OCTETS "hi"}}}}} */
static const unsigned char der_signed[] = {
	0x30, 0x27, OID_SIGNED, 0xa0, 0x1a,		/* ContentInfo */
	0x30, 0x18, 0x02, 0x01, 0x01, 0x31, 0x00,	/* version, digests */
	0x30, 0x11, OID_DATA, 0xa0, 0x04, 0x04, 0x02, 'h', 'i', /* encap */
};

/* The same in BER: indefinite lengths, the content in two segments. */
static const unsigned char ber_signed[] = {
	0x30, 0x80, OID_SIGNED, 0xa0, 0x80,
	0x30, 0x80, 0x02, 0x01, 0x01, 0x31, 0x00,
	0x30, 0x80, OID_DATA, 0xa0, 0x80,
	0x24, 0x80, 0x04, 0x02, 'h', 'e', 0x04, 0x03, 'l', 'l', 'o',
	0x00, 0x00,		/* end of the constructed OCTET STRING */
	0x00, 0x00, 0x00, 0x00,	/* [0], encapContentInfo */
	0x00, 0x00, 0x00, 0x00,	/* SignedData, [0] */
	0x00, 0x00,		/* ContentInfo */
};

/* Detached: encapContentInfo has no eContent. */
static const unsigned char der_detached[] = {
	0x30, 0x21, OID_SIGNED, 0xa0, 0x14,
	0x30, 0x12, 0x02, 0x01, 0x01, 0x31, 0x00,
	0x30, 0x0b, OID_DATA,
};

static const unsigned char der_enveloped[] = {
	0x30, 0x10, OID_ENVEL, 0xa0, 0x03, 0x02, 0x01, 0x00,
};
/* clang-format on */

static void
test_der_signed_content_is_extracted(void **state)
{
	struct buf b;

	buf_init(&b, 100);
	assert_int_equal(
	    cms_content_type(der_signed, sizeof(der_signed)), CMS_SIGNED);
	assert_int_equal(
	    cms_signed_content(der_signed, sizeof(der_signed), &b), 0);
	assert_string_equal(buf_cstr(&b), "hi");
	buf_free(&b);
}

static void
test_ber_indefinite_segments_are_joined(void **state)
{
	struct buf b;

	buf_init(&b, 100);
	assert_int_equal(
	    cms_signed_content(ber_signed, sizeof(ber_signed), &b), 0);
	assert_string_equal(buf_cstr(&b), "hello");
	buf_free(&b);
}

static void
test_detached_signature_has_no_content(void **state)
{
	struct buf b;

	buf_init(&b, 100);
	assert_int_equal(
	    cms_signed_content(der_detached, sizeof(der_detached), &b), -2);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
test_enveloped_is_recognised_and_not_signed(void **state)
{
	struct buf b;

	buf_init(&b, 100);
	assert_int_equal(cms_content_type(der_enveloped, sizeof(der_enveloped)),
	    CMS_ENVELOPED);
	assert_int_equal(
	    cms_signed_content(der_enveloped, sizeof(der_enveloped), &b), -1);
	assert_int_equal(cms_content_type("garbage", 7), CMS_UNKNOWN);
	assert_int_equal(cms_content_type("", 0), CMS_UNKNOWN);
	buf_free(&b);
}

static void
test_every_truncation_fails_cleanly(void **state)
{
	struct buf b;
	size_t n;

	for (n = 0; n < sizeof(ber_signed) - 1; n++) {
		buf_init(&b, 100);
		assert_int_equal(cms_signed_content(ber_signed, n, &b), -1);
		buf_free(&b);
	}
	for (n = 0; n < sizeof(der_signed); n++) {
		buf_init(&b, 100);
		assert_int_not_equal(cms_signed_content(der_signed, n, &b), 0);
		buf_free(&b);
	}
}

static void
test_lengths_past_the_end_are_refused(void **state)
{
	unsigned char bad[sizeof(der_signed)];
	static const unsigned char huge[] = { 0x30, 0x88, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	struct buf b;

	memcpy(bad, der_signed, sizeof(bad));
	bad[sizeof(bad) - 3] = 0x7f; /* the OCTET STRING claims 127 bytes */
	buf_init(&b, 100);
	assert_int_equal(cms_signed_content(bad, sizeof(bad), &b), -1);
	assert_int_equal(cms_content_type(huge, sizeof(huge)), CMS_UNKNOWN);
	buf_free(&b);
}

static void
test_nesting_bomb_is_bounded(void **state)
{
	/* 5000 nested indefinite constructed OCTET STRINGs as eContent */
	static unsigned char bomb[2 * 5000 + 64];
	static const unsigned char head[] = { 0x30, 0x80, OID_SIGNED, 0xa0,
		0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x80,
		OID_DATA, 0xa0, 0x80 };
	struct buf b;
	size_t n = 0, i;

	memcpy(bomb, head, sizeof(head));
	n = sizeof(head);
	for (i = 0; i < 5000 && n + 2 < sizeof(bomb); i++) {
		bomb[n++] = 0x24;
		bomb[n++] = 0x80;
	}
	buf_init(&b, 100);
	assert_int_equal(cms_signed_content(bomb, n, &b), -1);
	buf_free(&b);
}

static void
test_content_over_the_buffer_limit_is_efull(void **state)
{
	struct buf b;

	buf_init(&b, 3);
	assert_int_equal(
	    cms_signed_content(ber_signed, sizeof(ber_signed), &b), BUF_EFULL);
	assert_int_equal(b.len, 3);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der_signed_content_is_extracted),
		cmocka_unit_test(test_ber_indefinite_segments_are_joined),
		cmocka_unit_test(test_detached_signature_has_no_content),
		cmocka_unit_test(test_enveloped_is_recognised_and_not_signed),
		cmocka_unit_test(test_every_truncation_fails_cleanly),
		cmocka_unit_test(test_lengths_past_the_end_are_refused),
		cmocka_unit_test(test_nesting_bomb_is_bounded),
		cmocka_unit_test(test_content_over_the_buffer_limit_is_efull),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
