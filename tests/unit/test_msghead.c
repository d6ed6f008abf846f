/*
 * Unit tests for msghead: the addresses of To/Cc address lists read from
 * the raw header (display names, quoted strings with commas, comments,
 * groups, RFC 2047 names whose text holds commas or '@', obsolete routes,
 * damage that must not hide the addresses after it), the end of the
 * header block found whatever the chunking, the Message-ID without its
 * <>, distinct external addresses counted without case and bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "msghead.h"

/* The addresses of value joined by " | ". */
struct got {
	char s[4096];
	size_t n;
	size_t stop_after; /* 0: never */
};

static int
collect(void *arg, const char *addr)
{
	struct got *g = arg;
	size_t len = strlen(g->s);

	snprintf(
	    g->s + len, sizeof(g->s) - len, "%s%s", len ? " | " : "", addr);
	g->n++;
	return g->stop_after != 0 && g->n >= g->stop_after;
}

static void
expect_addrs(const char *value, const char *want, size_t n)
{
	struct got g = { "", 0, 0 };
	size_t rc = msghead_addresses(value, strlen(value), collect, &g);

	if (strcmp(g.s, want) != 0)
		fail_msg("%s\n  got:  %s\n  want: %s", value, g.s, want);
	assert_int_equal(rc, n);
	assert_int_equal(g.n, n);
}

static void
test_plain_lists_and_display_names(void **state)
{
	expect_addrs("a@x.test", "a@x.test", 1);
	expect_addrs(" a@x.test , b@y.test ", "a@x.test | b@y.test", 2);
	expect_addrs("Taro <t@x.test>, Hanako Sato <h@y.test>",
	    "t@x.test | h@y.test", 2);
	expect_addrs("<t@x.test>", "t@x.test", 1);
	expect_addrs("", "", 0);
	expect_addrs(" , ,", "", 0);
	/* a local name only is not an address that leaves */
	expect_addrs("root, a@x.test", "a@x.test", 1);
	/* folded over lines */
	expect_addrs(
	    "Taro\r\n <t@x.test>,\r\n\th@y.test", "t@x.test | h@y.test", 2);
}

static void
test_quoted_strings_with_commas_and_at_signs(void **state)
{
	expect_addrs(
	    "\"Sato, Taro\" <t@x.test>, b@y.test", "t@x.test | b@y.test", 2);
	expect_addrs("\"evil@outside.test, x@y\" <t@x.test>", "t@x.test", 1);
	/* an escaped quote inside does not end the string */
	expect_addrs(
	    "\"a \\\", b\" <t@x.test>, c@z.test", "t@x.test | c@z.test", 2);
	/* a quoted local part keeps its quotes */
	expect_addrs("\"john doe\"@x.test", "\"john doe\"@x.test", 1);
}

static void
test_comments_are_dropped(void **state)
{
	expect_addrs("t@x.test (Taro, at home: h@y.test), b@y.test",
	    "t@x.test | b@y.test", 2);
	expect_addrs("Taro (a (nested, one)) <t@x.test>", "t@x.test", 1);
	expect_addrs("<t(comment)@x.test>", "t@x.test", 1);
}

static void
test_groups_count_their_members(void **state)
{
	expect_addrs("team: a@x.test, b@y.test;", "a@x.test | b@y.test", 2);
	expect_addrs("team: a@x.test, \"B, b\" <b@y.test>;, c@z.test",
	    "a@x.test | b@y.test | c@z.test", 3);
	expect_addrs("undisclosed-recipients:;", "", 0);
	expect_addrs("a@x.test, empty:;, b@y.test", "a@x.test | b@y.test", 2);
}

static void
test_rfc2047_names_are_atoms(void **state)
{
	/* a lenient Q encoder leaves ',' in the word: it is one atom */
	expect_addrs("=?UTF-8?Q?Sato,_Taro?= <t@x.test>, b@y.test",
	    "t@x.test | b@y.test", 2);
	/* base64 of "a@evil.test, \"" : read raw, it hides nothing */
	expect_addrs("=?UTF-8?B?YUBldmlsLnRlc3QsICI=?= <t@x.test>, b@y.test",
	    "t@x.test | b@y.test", 2);
	/* a word's text is not read for addresses, nor for <> */
	expect_addrs("=?UTF-8?Q?<a@x.test>?= <t@y.test>", "t@y.test", 1);
	/* ISO-2022-JP name, the common Japanese form */
	expect_addrs(
	    "=?ISO-2022-JP?B?GyRCOjRGI0JATzobKEI=?= <t@x.test>", "t@x.test", 1);
}

static void
test_routes_and_damage(void **state)
{
	expect_addrs("<@relay1.test,@relay2.test:t@x.test>", "t@x.test", 1);
	/* an unclosed quote is a character: the rest still counts */
	expect_addrs("\"Sato, a@x.test, b@y.test", "a@x.test | b@y.test", 2);
	/* an unclosed comment likewise */
	expect_addrs("(Sato a@x.test, b@y.test", "(Satoa@x.test | b@y.test", 2);
	/* an unclosed '<' ends at the next comma */
	expect_addrs("Taro <t@x.test, b@y.test", "t@x.test | b@y.test", 2);
	/* two <...> before a comma: both count */
	expect_addrs("<a@x.test> <b@y.test>", "a@x.test | b@y.test", 2);
	/* not an encoded word: '=' and '?' are plain characters */
	expect_addrs("=?broken <t@x.test>", "t@x.test", 1);
}

static void
test_the_callback_can_stop(void **state)
{
	struct got g = { "", 0, 2 };
	const char *v = "a@x.test, b@x.test, c@x.test, d@x.test";

	assert_int_equal(msghead_addresses(v, strlen(v), collect, &g), 2);
	assert_string_equal(g.s, "a@x.test | b@x.test");
}

/* Header blocks */

static struct dlp_config *
config_internal(void)
{
	struct dlp_config *c = config_defaults();

	assert_non_null(c);
	c->policy.internal_domains = calloc(1, sizeof(char *));
	c->policy.internal_domains[0] = strdup("example.jp");
	c->policy.n_internal_domains = 1;
	return c;
}

/* Feed msg in chunks of chunk bytes, then finish. */
static void
read_head(const char *msg, size_t chunk, size_t max, char **mid, unsigned *ext)
{
	struct dlp_config *c = config_internal();
	struct msghead *h = msghead_new(max);
	size_t off, len = strlen(msg), n;

	assert_non_null(h);
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		assert_int_equal(msghead_feed(h, msg + off, n), 0);
	}
	assert_int_equal(msghead_finish(h, c, mid, ext), 0);
	msghead_free(h);
	config_free(c);
}

static void
test_visible_external_counts_distinct_outside_addresses(void **state)
{
	static const char msg[] =
	    "From: a@example.jp\r\n"
	    "To: \"Sato, Taro\" <t@outside.test>, T@OUTSIDE.TEST,\r\n"
	    " staff: b@example.jp, c@sub.example.jp;\r\n"
	    "Cc: =?UTF-8?Q?x,y?= <u@other.test>, t@outside.test\r\n"
	    "Bcc: hidden@outside.test\r\n"
	    "Reply-To: r@outside.test\r\n"
	    "Message-ID: <id.1@example.jp>\r\n"
	    "Subject: test\r\n"
	    "\r\n"
	    "To: body@outside.test\r\n";
	size_t chunks[] = { 1, 2, 3, 7, 1 << 20 };
	unsigned ext;
	char *mid;
	size_t i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		read_head(msg, chunks[i], 1 << 20, &mid, &ext);
		/* t@outside.test (three times), u@other.test; not Bcc,
		   Reply-To, the internal ones or the body */
		assert_int_equal(ext, 2);
		assert_string_equal(mid, "id.1@example.jp");
		free(mid);
	}
}

static void
test_lf_only_and_empty_header_blocks(void **state)
{
	unsigned ext;
	char *mid;

	read_head("To: a@x.test, b@y.test\nMessage-ID:\n <m@x>\n\nTo: c@z\n", 3,
	    1 << 20, &mid, &ext);
	assert_int_equal(ext, 2);
	assert_string_equal(mid, "m@x");
	free(mid);
	/* a message that starts with its empty line has no headers */
	read_head("\r\nTo: a@x.test\r\n", 1, 1 << 20, &mid, &ext);
	assert_int_equal(ext, 0);
	assert_null(mid);
	/* headers only, no empty line: read at the end */
	read_head("To: a@x.test", 4, 1 << 20, &mid, &ext);
	assert_int_equal(ext, 1);
	assert_null(mid);
}

static void
test_message_id_forms(void **state)
{
	unsigned ext;
	char *mid;

	read_head("Message-ID: (comment) <a.b@c>\r\nMessage-ID: <second@x>\r\n"
		  "\r\n",
	    5, 1 << 20, &mid, &ext);
	assert_string_equal(mid, "a.b@c");
	free(mid);
	read_head("Message-Id: bare@id more\r\n\r\n", 100, 1 << 20, &mid, &ext);
	assert_string_equal(mid, "bare@id");
	free(mid);
	/* bytes that are not printable ASCII never reach a log as such */
	read_head(
	    "Message-ID: <\xe3\x81\x82@x>\r\n\r\n", 100, 1 << 20, &mid, &ext);
	assert_string_equal(mid, "???@x");
	free(mid);
	read_head("Message-ID:   \r\n\r\n", 100, 1 << 20, &mid, &ext);
	assert_null(mid);
}

static void
test_the_header_block_is_bounded(void **state)
{
	unsigned ext;
	char *mid;

	/* only the first 38 bytes are kept: the second field is cut, its
	   first address still read */
	read_head("To: a@x.test, b@y.test\r\nCc: c@z.test, d@w.test\r\n\r\n", 5,
	    38, &mid, &ext);
	assert_int_equal(ext, 3);
	assert_null(mid);
}

static void
test_the_count_stops_at_its_maximum(void **state)
{
	size_t n = MSGHEAD_MAX_EXTERNAL + 50, i, off;
	char *msg = malloc(n * 24 + 64);
	unsigned ext;
	char *mid;

	assert_non_null(msg);
	off = (size_t)sprintf(msg, "To: ");
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(msg + off, "u%zu@x.test,\r\n ", i);
	sprintf(msg + off, "last@x.test\r\n\r\n");
	read_head(msg, 1 << 16, 64 << 20, &mid, &ext);
	assert_int_equal(ext, MSGHEAD_MAX_EXTERNAL);
	free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_lists_and_display_names),
		cmocka_unit_test(test_quoted_strings_with_commas_and_at_signs),
		cmocka_unit_test(test_comments_are_dropped),
		cmocka_unit_test(test_groups_count_their_members),
		cmocka_unit_test(test_rfc2047_names_are_atoms),
		cmocka_unit_test(test_routes_and_damage),
		cmocka_unit_test(test_the_callback_can_stop),
		cmocka_unit_test(
		    test_visible_external_counts_distinct_outside_addresses),
		cmocka_unit_test(test_lf_only_and_empty_header_blocks),
		cmocka_unit_test(test_message_id_forms),
		cmocka_unit_test(test_the_header_block_is_bounded),
		cmocka_unit_test(test_the_count_stops_at_its_maximum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
