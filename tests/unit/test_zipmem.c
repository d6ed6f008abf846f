/*
 * test_zipmem - members of a zip in memory: listing, finding by name,
 * reading in any order, every limit (size, ratio, expanded bytes, time,
 * members) with its reason, damage and encryption as DLP_EINPUT, and
 * embedded members handed to extraction as child nodes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract_util.h"
#include "zipbuild_util.h"
#include "zipmem.h"

static const struct zpart three[] = {
	{ "first.txt", "one", 0 },
	{ "Dir/Second.XML", "<two/>", 0 },
	{ "third", "three!", 0 },
};

struct sink {
	struct buf b;
	int stop_with; /* returned after the first block, when not 0 */
};

static int
collect(void *arg, const void *data, size_t len)
{
	struct sink *s = arg;

	assert_true(len > 0);
	assert_int_equal(buf_append(&s->b, data, len), BUF_OK);
	return s->stop_with;
}

static struct zipmem *
open_zip(const struct zpart *parts, size_t n, const char *options,
    unsigned char **zip, size_t *len, int want)
{
	struct zipmem *z;

	*zip = zip_build(parts, n, options, len);
	assert_non_null(*zip);
	assert_int_equal(zipmem_open(*zip, *len, 100, &z), want);
	assert_non_null(z);
	return z;
}

/* Read member i whole; returns zipmem_read's result, text in s. */
static int
read_member(struct zipmem *z, struct extract *x, size_t i, struct sink *s,
    const char **why)
{
	buf_init(&s->b, 1u << 30);
	return zipmem_read(z, x, i, 0, collect, s, NULL, why);
}

static void
test_members_are_listed_and_found_ignoring_case(void **state)
{
	unsigned char *zip;
	struct zipmem *z;
	size_t len;

	z = open_zip(three, 3, NULL, &zip, &len, DLP_OK);
	assert_int_equal(zipmem_count(z), 3);
	assert_string_equal(zipmem_entry(z, 1)->name, "Dir/Second.XML");
	assert_int_equal(zipmem_entry(z, 2)->size, 6);
	assert_false(zipmem_entry(z, 0)->encrypted);
	assert_null(zipmem_entry(z, 3));
	assert_int_equal(zipmem_find(z, "dir/second.xml"), 1);
	assert_int_equal(zipmem_find(z, "/first.txt"), 0);
	assert_int_equal(zipmem_find(z, "fourth"), -1);
	zipmem_free(z);
	zipmem_free(NULL);
	free(zip);
}

static void
test_duplicate_names_find_the_first_listed(void **state)
{
	static const struct zpart parts[] = {
		{ "b", "1", 0 },
		{ "a", "2", 0 },
		{ "B", "3", 0 },
		{ "c", "4", 0 },
	};
	unsigned char *zip;
	struct zipmem *z;
	size_t len;

	z = open_zip(parts, 4, NULL, &zip, &len, DLP_OK);
	assert_int_equal(zipmem_find(z, "b"), 0);
	assert_int_equal(zipmem_find(z, "B"), 0);
	assert_int_equal(zipmem_find(z, "c"), 3);
	assert_int_equal(zipmem_find(z, "a"), 1);
	assert_int_equal(zipmem_find(z, ""), -1);
	assert_int_equal(zipmem_find(z, "bb"), -1);
	zipmem_free(z);
	free(zip);
}

static void
test_members_read_in_any_order_and_twice(void **state)
{
	static const size_t order[] = { 2, 0, 1, 1, 2 };
	static const char *const want[] = { "one", "<two/>", "three!" };
	unsigned char *zip;
	struct zipmem *z;
	struct sink s = { .stop_with = DLP_OK };
	struct xrec r;
	size_t len, i;

	xrec_init(&r, NULL);
	z = open_zip(three, 3, NULL, &zip, &len, DLP_OK);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		assert_int_equal(
		    read_member(z, r.x, order[i], &s, NULL), DLP_OK);
		assert_string_equal(buf_cstr(&s.b), want[order[i]]);
		buf_free(&s.b);
	}
	zipmem_free(z);
	free(zip);
	xrec_free(&r);
}

static void
test_consumer_result_stops_the_read(void **state)
{
	unsigned char *zip;
	struct zipmem *z;
	struct sink s = { .stop_with = 42 };
	struct xrec r;
	size_t len;

	xrec_init(&r, NULL);
	z = open_zip(three, 3, NULL, &zip, &len, DLP_OK);
	assert_int_equal(read_member(z, r.x, 0, &s, NULL), 42);
	buf_free(&s.b);
	s.stop_with = DLP_OK;
	/* the reader is still usable */
	assert_int_equal(read_member(z, r.x, 1, &s, NULL), DLP_OK);
	assert_string_equal(buf_cstr(&s.b), "<two/>");
	buf_free(&s.b);
	zipmem_free(z);
	free(zip);
	xrec_free(&r);
}

struct limit_case {
	const char *name;
	size_t member_bytes;
	unsigned ratio;
	size_t expanded;
	unsigned scan_ms;
	int rc;
	const char *why;
	size_t got_min, got_max; /* bytes delivered */
};

static void
test_every_limit_cuts_with_its_reason(void **state)
{
	static const struct limit_case c[] = {
		{ "within every limit", 64u << 20, 100000, 256u << 20, 30000,
		    DLP_OK, NULL, 8u << 20, 8u << 20 },
		{ "size: exactly the maximum is read", 3u << 20, 0, 256u << 20,
		    30000, DLP_PARTIAL, "limit:size", 3u << 20, 3u << 20 },
		{ "ratio", 64u << 20, 20, 256u << 20, 30000, DLP_PARTIAL,
		    "limit:ratio", 1u << 20, 2u << 20 },
		{ "expanded bytes", 64u << 20, 0, 2u << 20, 30000, DLP_PARTIAL,
		    "limit:expanded", 1u << 20, 2u << 20 },
		{ "time", 64u << 20, 0, 256u << 20, 0, DLP_PARTIAL,
		    "limit:time", 0, 0 },
	};
	char *big = zb_repeat("", "0123456789abcdef", 1u << 19, "");
	struct zpart parts[] = { { "big", big, 0 } };
	struct dlp_limits lim;
	unsigned char *zip;
	struct zipmem *z;
	struct sink s = { .stop_with = DLP_OK };
	struct xrec r;
	const char *why;
	size_t len, i;
	int rc;

	assert_non_null(big);
	z = open_zip(parts, 1, NULL, &zip, &len, DLP_OK);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		xrec_init(&r, NULL);
		lim = r.lim;
		xrec_free(&r);
		lim.max_member_bytes = c[i].member_bytes;
		lim.max_ratio = c[i].ratio;
		lim.max_expanded_bytes = c[i].expanded;
		lim.max_scan_ms = c[i].scan_ms;
		xrec_init(&r, &lim);
		why = NULL;
		rc = read_member(z, r.x, 0, &s, &why);
		if (rc != c[i].rc || s.b.len < c[i].got_min ||
		    s.b.len > c[i].got_max)
			print_error("case %s: rc %d, %zu bytes, %s\n",
			    c[i].name, rc, s.b.len, why ? why : "-");
		assert_int_equal(rc, c[i].rc);
		if (c[i].why != NULL)
			assert_string_equal(why, c[i].why);
		assert_in_range(s.b.len, c[i].got_min, c[i].got_max);
		buf_free(&s.b);
		xrec_free(&r);
	}
	zipmem_free(z);
	free(zip);
	free(big);
}

static void
test_nobudget_leaves_the_budget_alone(void **state)
{
	unsigned char *zip;
	struct zipmem *z;
	struct sink s;
	struct xrec r;
	size_t len, packed;

	xrec_init(&r, NULL);
	z = open_zip(three, 3, NULL, &zip, &len, DLP_OK);
	buf_init(&s.b, 100);
	s.stop_with = DLP_OK;
	assert_int_equal(
	    zipmem_read(z, r.x, 2, ZIPMEM_NOBUDGET, collect, &s, &packed, NULL),
	    DLP_OK);
	assert_true(packed > 0);
	/* nothing was counted: the whole budget is still there */
	assert_true(extract_budget(r.x, r.lim.max_expanded_bytes));
	buf_free(&s.b);
	zipmem_free(z);
	free(zip);
	xrec_free(&r);
}

static void
test_damaged_member_is_corrupt(void **state)
{
	static const struct zpart parts[] = {
		{ "a", "the quick brown fox jumps over the lazy dog", 0 },
		{ "b", "intact", 0 },
	};
	unsigned char *zip, *p;
	struct zipmem *z;
	struct sink s = { .stop_with = DLP_OK };
	struct xrec r;
	const char *why = NULL;
	size_t len;

	xrec_init(&r, NULL);
	z = open_zip(parts, 2, "zip:compression=store", &zip, &len, DLP_OK);
	/* flip a byte of the stored data: the CRC no longer matches */
	p = memmem(zip, len, "quick", 5);
	assert_non_null(p);
	p[0] = 'Q';
	assert_int_equal(read_member(z, r.x, 0, &s, &why), DLP_EINPUT);
	assert_string_equal(why, "corrupt");
	buf_free(&s.b);
	assert_int_equal(read_member(z, r.x, 1, &s, NULL), DLP_OK);
	assert_string_equal(buf_cstr(&s.b), "intact");
	buf_free(&s.b);
	assert_int_equal(read_member(z, r.x, 9, &s, &why), DLP_EINPUT);
	buf_free(&s.b);
	zipmem_free(z);
	free(zip);
	xrec_free(&r);
}

static void
test_zip_without_central_directory_is_read_from_local_headers(void **state)
{
	unsigned char *zip;
	struct zipmem *z;
	struct sink s = { .stop_with = DLP_OK };
	struct xrec r;
	size_t len;
	unsigned char *cd;

	xrec_init(&r, NULL);
	zip = zip_build(three, 3, "zip:compression=store", &len);
	assert_non_null(zip);
	/* cut at the central directory: a truncated attachment */
	cd = memmem(zip, len, "PK\1\2", 4);
	assert_non_null(cd);
	assert_int_equal(
	    zipmem_open(zip, (size_t)(cd - zip), 100, &z), DLP_EINPUT);
	assert_int_equal(zipmem_count(z), 3);
	assert_int_equal(read_member(z, r.x, 1, &s, NULL), DLP_OK);
	assert_string_equal(buf_cstr(&s.b), "<two/>");
	buf_free(&s.b);
	zipmem_free(z);
	assert_int_equal(zipmem_open("not a zip", 9, 100, &z), DLP_EINPUT);
	assert_int_equal(zipmem_count(z), 0);
	zipmem_free(z);
	free(zip);
	xrec_free(&r);
}

static void
test_more_members_than_allowed_is_partial(void **state)
{
	unsigned char *zip;
	struct zipmem *z;
	size_t len;

	zip = zip_build(three, 3, NULL, &len);
	assert_non_null(zip);
	assert_int_equal(zipmem_open(zip, len, 2, &z), DLP_PARTIAL);
	assert_int_equal(zipmem_count(z), 2);
	zipmem_free(z);
	free(zip);
}

static void
test_encrypted_member_is_listed_and_not_read(void **state)
{
	unsigned char *zip;
	struct zipmem *z;
	struct sink s = { .stop_with = DLP_OK };
	struct xrec r;
	const char *why = NULL;
	size_t len;

	xrec_init(&r, NULL);
	z = open_zip(
	    three, 3, "zip:encryption=traditional", &zip, &len, DLP_OK);
	assert_true(zipmem_entry(z, 0)->encrypted);
	assert_int_equal(read_member(z, r.x, 0, &s, &why), DLP_EINPUT);
	assert_string_equal(why, "corrupt");
	assert_int_equal(s.b.len, 0);
	buf_free(&s.b);
	zipmem_free(z);
	free(zip);
	xrec_free(&r);
}

static void
test_embedded_member_becomes_a_child_node(void **state)
{
	unsigned char *zip;
	struct zipmem *z;
	struct dlp_limits lim;
	struct xrec r;
	unsigned count = 0;
	struct xnode *c;
	size_t len;
	long id;

	xrec_init(&r, NULL);
	id = xrec_node_new(&r, -1, "doc", 0);
	z = open_zip(three, 3, NULL, &zip, &len, DLP_OK);
	assert_int_equal(zipmem_extract(z, r.x, id, 0, 2, &count), DLP_OK);
	assert_int_equal(count, 1);
	c = xrec_find(&r, "doc/third");
	assert_non_null(c);
	assert_true(c->done);
	assert_string_equal(xrec_text(c), "three!");
	zipmem_free(z);
	xrec_free(&r);

	/* past the size limit: an opaque child with the reason */
	xrec_init(&r, NULL);
	lim = r.lim;
	xrec_free(&r);
	lim.max_member_bytes = 4;
	lim.max_members = 1;
	xrec_init(&r, &lim);
	id = xrec_node_new(&r, -1, "doc", 0);
	count = 0;
	assert_int_equal(zipmem_open(zip, len, 100, &z), DLP_OK);
	assert_int_equal(zipmem_extract(z, r.x, id, 0, 2, &count), DLP_PARTIAL);
	c = xrec_find(&r, "doc/third");
	assert_non_null(c);
	assert_int_equal(c->enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(c->detail, "limit:size");
	assert_int_equal(c->text.len, 0);
	/* and past the member count: the parent is marked */
	assert_int_equal(zipmem_extract(z, r.x, id, 0, 0, &count), DLP_PARTIAL);
	assert_string_equal(r.nodes[id].detail, "limit:members");
	zipmem_free(z);
	xrec_free(&r);
	free(zip);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_members_are_listed_and_found_ignoring_case),
		cmocka_unit_test(test_duplicate_names_find_the_first_listed),
		cmocka_unit_test(test_members_read_in_any_order_and_twice),
		cmocka_unit_test(test_consumer_result_stops_the_read),
		cmocka_unit_test(test_every_limit_cuts_with_its_reason),
		cmocka_unit_test(test_nobudget_leaves_the_budget_alone),
		cmocka_unit_test(test_damaged_member_is_corrupt),
		cmocka_unit_test(
		    test_zip_without_central_directory_is_read_from_local_headers),
		cmocka_unit_test(test_more_members_than_allowed_is_partial),
		cmocka_unit_test(test_encrypted_member_is_listed_and_not_read),
		cmocka_unit_test(test_embedded_member_becomes_a_child_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
