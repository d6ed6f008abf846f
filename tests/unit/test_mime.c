/*
 * test_mime - the streaming MIME parser (milter/mime.c).
 *
 * Every synthetic message is parsed whole, byte by byte and in random
 * chunks (fixed seed); the three event transcripts must be identical
 * (rec_parse3 in mime_util.h), so chunk independence is checked by every
 * test. The messages are written here; the Japanese text in them is made
 * up. The last tests run the external corpus (../shared/corpus/external,
 * relative to the project root, where the tests run) and check facts its
 * MANIFEST.tsv states.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <sys/stat.h>

#include "charset.h"
#include "decode.h"
#include "mime_util.h"

#define CORPUS "../shared/corpus/external"

/* ASan: let an impossible allocation fail instead of aborting. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

static const struct dlp_limits LIM = {
	.max_header_bytes = 4096,
	.max_header_block_bytes = 65536,
	.max_depth = 20,
	.max_parts = 1000,
	.max_decoded_bytes = 64u << 20,
	.max_part_bytes = 1u << 20,
	.max_line_bytes = 4096,
};

#define KEEP		       (1u << 20)
#define PARSE(r, msg)	       rec_parse3(&LIM, msg, sizeof(msg) - 1, r, KEEP)
#define PARSE_LIM(lim, r, msg) rec_parse3(lim, msg, sizeof(msg) - 1, r, KEEP)

static struct rec_part *
must_find(struct rec *r, const char *path, unsigned nth)
{
	struct rec_part *p = rec_find(r, path, nth);

	if (p == NULL)
		fail_msg(
		    "no part [%s] #%u in %s", path, nth, buf_cstr(&r->log));
	return p;
}

static void
assert_shape(struct rec *r, const char *want)
{
	struct buf b;

	buf_init(&b, 0);
	if (strcmp(rec_shape(r, &b), want) != 0)
		fail_msg("shape\n  got  %s\n  want %s", buf_cstr(&b), want);
	buf_free(&b);
}

static void
assert_data(struct rec_part *p, const void *want, size_t len)
{
	if (p->data.len != len || memcmp(buf_cstr(&p->data), want, len) != 0)
		fail_msg("[%s] data \"%s\" (%zu bytes), want \"%.*s\" (%zu)",
		    p->path, buf_cstr(&p->data), p->data.len, (int)len,
		    (const char *)want, len);
}

#define DATA(p, s) assert_data(p, s, sizeof(s) - 1)

/* structure and numbering */

static void
test_single_part_message_is_leaf_1_at_depth_0(void **state)
{
	static const char m[] = "From: a@example.com\r\n"
				"Subject: hi\r\n"
				"\r\n"
				"Hello\r\n"
				"world\r\n";
	struct rec r;
	struct rec_part *p;

	PARSE(&r, m);
	assert_shape(&r, "[1]text/plain");
	p = must_find(&r, "1", 0);
	assert_int_equal(p->depth, 0);
	assert_null(p->parent);
	assert_false(p->container);
	assert_null(p->charset);
	assert_null(p->cte);
	DATA(p, "Hello\r\nworld\r\n");
	assert_string_equal(rec_header(&r, "1", "Subject"), "hi");
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

static const char m_multi[] =
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "preamble text\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "\r\n"
    "first\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream; name=a.bin\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAEC\r\n"
    "--b1--\r\n"
    "epilogue text\r\n";

static void
test_multipart_root_has_empty_path_and_children_from_1(void **state)
{
	struct rec r;
	struct rec_part *p;
	size_t i;

	PARSE(&r, m_multi);
	assert_shape(
	    &r, "[]multipart/mixed [1]text/plain [2]application/octet-stream");
	p = must_find(&r, "", 0);
	assert_true(p->container);
	assert_int_equal(p->depth, 0);
	assert_null(p->parent);
	p = must_find(&r, "1", 0);
	assert_int_equal(p->depth, 1);
	assert_string_equal(p->parent, "");
	assert_string_equal(p->charset, "utf-8");
	DATA(p, "first");
	p = must_find(&r, "2", 0);
	assert_string_equal(p->filename, "a.bin");
	assert_string_equal(p->cte, "base64");
	assert_data(p, "\0\1\2", 3);
	/* preamble and epilogue are leaves of their own, never in a part */
	for (i = 0; i < r.n; i++)
		if (!rec_is_aside(r.parts[i].path))
			assert_null(
			    strstr(buf_cstr(&r.parts[i].data), "logue"));
	DATA(must_find(&r, "preamble", 0), "preamble text");
	DATA(must_find(&r, "epilogue", 0), "epilogue text\r\n");
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

static void
test_text_outside_parts_is_delivered_unless_blank(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=o\n"
				"\n"
				"  \n"
				"\t\n"
				"--o\n"
				"Content-Type: multipart/digest; boundary=i\n"
				"\n"
				"inner preamble\n"
				"--i\n"
				"\n"
				"Subject: digest part\n"
				"\n"
				"x\n"
				"--i--\n"
				"inner epilogue, ended by the outer delimiter\n"
				"--o--\n"
				"\n";
	struct rec r;

	PARSE(&r, m);
	/* blank preamble and epilogue of the outer: no leaves */
	assert_null(rec_find(&r, "preamble", 0));
	assert_null(rec_find(&r, "epilogue", 0));
	/* a digest's default type does not apply to them */
	assert_string_equal(must_find(&r, "1.preamble", 0)->type, "text/plain");
	DATA(must_find(&r, "1.preamble", 0), "inner preamble");
	DATA(must_find(&r, "1.epilogue", 0),
	    "inner epilogue, ended by the outer delimiter");
	assert_int_equal(must_find(&r, "1.1", 0)->container, true);
	rec_free(&r);
}

static void
test_nested_multipart_numbers_like_imap(void **state)
{
	static const char m[] =
	    "Content-Type: multipart/mixed; boundary=outer\n"
	    "\n"
	    "--outer\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "a\n"
	    "--outer\n"
	    "Content-Type: multipart/alternative; "
	    "boundary=inner\n"
	    "\n"
	    "--inner\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "b\n"
	    "--inner\n"
	    "Content-Type: text/html\n"
	    "\n"
	    "<b>c</b>\n"
	    "--inner--\n"
	    "--outer--\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r,
	    "[]multipart/mixed [1]text/plain "
	    "[2]multipart/alternative [2.1]text/plain "
	    "[2.2]text/html");
	DATA(must_find(&r, "1", 0), "a");
	DATA(must_find(&r, "2.1", 0), "b");
	DATA(must_find(&r, "2.2", 0), "<b>c</b>");
	assert_int_equal(must_find(&r, "2.2", 0)->depth, 2);
	assert_string_equal(must_find(&r, "2.2", 0)->parent, "2");
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

static void
test_rfc822_with_multipart_inner_numbers_children_under_it(void **state)
{
	static const char m[] =
	    "Content-Type: multipart/mixed; boundary=o\n"
	    "\n"
	    "--o\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "cover\n"
	    "--o\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "Subject: fwd\n"
	    "Content-Type: multipart/alternative; boundary=i\n"
	    "\n"
	    "--i\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "p\n"
	    "--i\n"
	    "Content-Type: text/html\n"
	    "\n"
	    "h\n"
	    "--i--\n"
	    "--o--\n";
	struct rec r;
	struct rec_part *msg, *inner;

	PARSE(&r, m);
	assert_shape(&r,
	    "[]multipart/mixed [1]text/plain [2]message/rfc822 "
	    "[2]multipart/alternative [2.1]text/plain "
	    "[2.2]text/html");
	msg = must_find(&r, "2", 0);
	inner = must_find(&r, "2", 1);
	assert_true(msg->container);
	assert_true(inner->container);
	assert_int_equal(msg->depth, 1);
	assert_int_equal(inner->depth, 2);
	assert_string_equal(inner->parent, "2");
	assert_int_equal(must_find(&r, "2.1", 0)->depth, 3);
	DATA(must_find(&r, "2.1", 0), "p");
	DATA(must_find(&r, "2.2", 0), "h");
	assert_string_equal(rec_header(&r, "2", "Subject"), "fwd");
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

static void
test_rfc822_with_single_part_inner_has_body_n_1(void **state)
{
	static const char m[] =
	    "Content-Type: multipart/mixed; boundary=o\r\n"
	    "\r\n"
	    "--o\r\n"
	    "Content-Type: message/rfc822\r\n"
	    "Content-Disposition: attachment; filename=\"fwd.eml\"\r\n"
	    "\r\n"
	    "Subject: inner\r\n"
	    "\r\n"
	    "inner body\r\n"
	    "--o--\r\n";
	struct rec r;
	struct rec_part *p;

	PARSE(&r, m);
	assert_shape(&r, "[]multipart/mixed [1]message/rfc822 [1.1]text/plain");
	assert_string_equal(must_find(&r, "1", 0)->filename, "fwd.eml");
	assert_string_equal(must_find(&r, "1", 0)->disp, "attachment");
	p = must_find(&r, "1.1", 0);
	assert_int_equal(p->depth, 2);
	assert_string_equal(p->parent, "1");
	DATA(p, "inner body");
	assert_string_equal(rec_header(&r, "1.1", "Subject"), "inner");
	rec_free(&r);
}

static const char m_b64_rfc822[] =
    "Content-Type: multipart/mixed; boundary=o\r\n"
    "\r\n"
    "--o\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "cover\r\n"
    "--o\r\n"
    "Content-Type: message/rfc822\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "RnJvbTogYUBleGFtcGxlLmNvbQ0KU3ViamVjdDogaW5uZXINCkNvbnRlbnQtVHlwZTogbXVsdG"
    "lw\r\n"
    "YXJ0L2FsdGVybmF0aXZlOyBib3VuZGFyeT1pbg0KDQotLWluDQpDb250ZW50LVR5cGU6IHRleH"
    "Qv\r\n"
    "cGxhaW4NCg0KcGxhaW4gdGV4dA0KLS1pbg0KQ29udGVudC1UeXBlOiB0ZXh0L2h0bWwNCg0KPH"
    "A+\r\n"
    "aHRtbDwvcD4NCi0taW4tLQ0K\r\n"
    "--o--\r\n";

static void
test_base64_encoded_rfc822_is_decoded_and_parsed(void **state)
{
	struct rec r;

	PARSE(&r, m_b64_rfc822);
	assert_shape(&r,
	    "[]multipart/mixed [1]text/plain [2]message/rfc822 "
	    "[2]multipart/alternative [2.1]text/plain "
	    "[2.2]text/html");
	assert_string_equal(must_find(&r, "2", 0)->cte, "base64");
	assert_int_equal(must_find(&r, "2", 1)->depth, 2);
	assert_string_equal(must_find(&r, "2", 1)->parent, "2");
	assert_int_equal(must_find(&r, "2.2", 0)->depth, 3);
	DATA(must_find(&r, "2.1", 0), "plain text");
	DATA(must_find(&r, "2.2", 0), "<p>html</p>");
	assert_string_equal(rec_header(&r, "2", "Subject"), "inner");
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

static void
test_qp_encoded_rfc822_is_decoded_and_parsed(void **state)
{
	static const char m[] =
	    "Content-Type: multipart/mixed; boundary=o\r\n"
	    "\r\n"
	    "--o\r\n"
	    "Content-Type: message/rfc822\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "Subject: =3D?UTF-8?B?5YCL5Lq6?=3D\r\n"
	    "Content-Type: text/plain; charset=3Dutf-8\r\n"
	    "\r\n"
	    "line one\r\n"
	    "a long line that is soft=\r\n"
	    " broken =E6=97=A5\r\n"
	    "--o--\r\n";
	struct rec r;
	struct rec_part *p;

	PARSE(&r, m);
	assert_shape(&r, "[]multipart/mixed [1]message/rfc822 [1.1]text/plain");
	p = must_find(&r, "1.1", 0);
	assert_string_equal(p->charset, "utf-8");
	DATA(p, "line one\r\na long line that is soft broken \xe6\x97\xa5");
	assert_string_equal(
	    rec_header(&r, "1.1", "Subject"), "\xe5\x80\x8b\xe4\xba\xba");
	rec_free(&r);
}

static void
test_bad_base64_in_encoded_rfc822_is_flagged_on_it(void **state)
{
	static const char m[] = "Content-Type: message/rfc822\n"
				"Content-Transfer-Encoding: base64\n"
				"\n"
				"U3ViamVjdDogeA0KDQpib2R5!!\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[1]message/rfc822 [1.1]text/plain");
	assert_true(must_find(&r, "1", 0)->defects & MIME_D_BAD_BASE64);
	DATA(must_find(&r, "1.1", 0), "body");
	assert_string_equal(rec_header(&r, "1.1", "Subject"), "x");
	rec_free(&r);
}

static void
test_digest_parts_default_to_rfc822(void **state)
{
	static const char m[] = "Content-Type: multipart/digest; boundary=d\n"
				"\n"
				"--d\n"
				"\n"
				"Subject: one\n"
				"\n"
				"first\n"
				"--d\n"
				"Content-Type: text/plain\n"
				"\n"
				"not a message\n"
				"--d--\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r,
	    "[]multipart/digest [1]message/rfc822 "
	    "[1.1]text/plain [2]text/plain");
	DATA(must_find(&r, "1.1", 0), "first");
	assert_string_equal(rec_header(&r, "1.1", "Subject"), "one");
	DATA(must_find(&r, "2", 0), "not a message");
	rec_free(&r);
}

/* boundaries */

static void
test_boundary_that_extends_the_outer_one_is_not_confused(void **state)
{
	static const char m[] =
	    "Content-Type: multipart/mixed; boundary=\"X\"\n"
	    "\n"
	    "--X\n"
	    "Content-Type: multipart/alternative; "
	    "boundary=\"X_alt\"\n"
	    "\n"
	    "--X_alt\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "t\n"
	    "--X_alt\n"
	    "Content-Type: text/html\n"
	    "\n"
	    "h\n"
	    "--X_alt--\n"
	    "--X\n"
	    "Content-Type: image/png; name=a.png\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "iVBORw==\n"
	    "--X--\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r,
	    "[]multipart/mixed [1]multipart/alternative "
	    "[1.1]text/plain [1.2]text/html [2]image/png");
	assert_data(must_find(&r, "2", 0), "\x89PNG", 4);
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

static void
test_inner_boundary_that_is_a_prefix_of_the_outer_one(void **state)
{
	static const char m[] =
	    "Content-Type: multipart/mixed; boundary=\"ab-cd\"\n"
	    "\n"
	    "--ab-cd\n"
	    "Content-Type: multipart/alternative; boundary=\"ab\"\n"
	    "\n"
	    "--ab\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "t\n"
	    "--ab-cd\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "after\n"
	    "--ab-cd--\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r,
	    "[]multipart/mixed [1]multipart/alternative "
	    "[1.1]text/plain [2]text/plain");
	/* the unclosed inner multipart is closed by the outer boundary */
	assert_int_equal(
	    must_find(&r, "1", 0)->defects, MIME_D_NO_FINAL_BOUNDARY);
	assert_int_equal(must_find(&r, "", 0)->defects, 0);
	DATA(must_find(&r, "1.1", 0), "t");
	DATA(must_find(&r, "2", 0), "after");
	rec_free(&r);
}

static void
test_boundary_line_may_end_in_white_space_but_not_text(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=b\r\n"
				"\r\n"
				"--b \t\r\n"
				"\r\n"
				"one\r\n"
				"--b trailing text\r\n"
				"--bb\r\n"
				"--b\r\n"
				"\r\n"
				"two\r\n"
				"--b--  \r\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[]multipart/mixed [1]text/plain [2]text/plain");
	DATA(must_find(&r, "1", 0), "one\r\n--b trailing text\r\n--bb");
	DATA(must_find(&r, "2", 0), "two");
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

static void
test_missing_final_boundary_closes_parts_at_end_of_input(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=b\n"
				"\n"
				"--b\n"
				"\n"
				"one\n"
				"--b\n"
				"\n"
				"two\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[]multipart/mixed [1]text/plain [2]text/plain");
	assert_int_equal(
	    must_find(&r, "", 0)->defects, MIME_D_NO_FINAL_BOUNDARY);
	DATA(must_find(&r, "1", 0), "one");
	DATA(must_find(&r, "2", 0), "two\n"); /* no boundary took the LF */
	rec_free(&r);
}

static void
test_multipart_without_boundary_param_is_one_text_leaf(void **state)
{
	static const char m[] = "Content-Type: multipart/report\n"
				"\n"
				"body text\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[1]text/plain");
	assert_int_equal(
	    must_find(&r, "1", 0)->defects, MIME_D_NO_BOUNDARY_PARAM);
	DATA(must_find(&r, "1", 0), "body text\n");
	rec_free(&r);
}

static void
test_multipart_whose_boundary_never_appears_delivers_its_body(void **state)
{
	static const char m[] =
	    "Content-Type: multipart/mixed; boundary=BOUNDARY_\n"
	    "\n"
	    "--BOUNDARY\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "hidden\n"
	    "--BOUNDARY--\n";
	struct rec r;
	struct rec_part *p;

	PARSE(&r, m);
	assert_shape(&r, "[]multipart/mixed [1]text/plain");
	assert_int_equal(
	    must_find(&r, "", 0)->defects, MIME_D_NO_FINAL_BOUNDARY);
	p = must_find(&r, "1", 0);
	assert_int_equal(p->defects, MIME_D_NO_FINAL_BOUNDARY);
	DATA(p,
	    "--BOUNDARY\nContent-Type: text/plain\n\nhidden\n"
	    "--BOUNDARY--\n");
	rec_free(&r);
}

static void
test_empty_multipart_has_no_parts(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=o\r\n"
				"\r\n"
				"--o\r\n"
				"Content-Type: multipart/alternative; "
				"boundary=i\r\n"
				"\r\n"
				"\r\n"
				"--o\r\n"
				"Content-Type: text/plain\r\n"
				"\r\n"
				"same level\r\n"
				"--o--\r\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r,
	    "[]multipart/mixed [1]multipart/alternative "
	    "[2]text/plain");
	assert_int_equal(
	    must_find(&r, "1", 0)->defects, MIME_D_NO_FINAL_BOUNDARY);
	DATA(must_find(&r, "2", 0), "same level");
	rec_free(&r);
}

static void
test_delimiter_after_the_close_delimiter_reopens(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=b\n"
				"\n"
				"--b\n"
				"\n"
				"one\n"
				"--b--\n"
				"--b\n"
				"\n"
				"two\n"
				"--b--\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[]multipart/mixed [1]text/plain [2]text/plain");
	DATA(must_find(&r, "2", 0), "two");
	rec_free(&r);
}

static void
test_same_boundary_inside_goes_to_outer_after_inner_closed(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=S\n"
				"\n"
				"--S\n"
				"Content-Type: multipart/alternative; "
				"boundary=S\n"
				"\n"
				"--S\n"
				"\n"
				"plain\n"
				"--S--\n"
				"\n"
				"--S\n"
				"Content-Type: image/gif; name=xx.gif\n"
				"\n"
				"gif\n"
				"--S--\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r,
	    "[]multipart/mixed [1]multipart/alternative "
	    "[1.1]text/plain [2]image/gif");
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

/* line ends and long lines */

static void
test_line_ends_delivered_as_they_came(void **state)
{
	static const struct {
		const char *msg, *data;
	} t[] = {
		{ "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
		  "\r\nl1\r\nl2\r\n\r\n--b--\r\n",
		    "l1\r\nl2\r\n" },
		{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nl1\nl2"
		  "\n\n--b--\n",
		    "l1\nl2\n" },
		{ "Content-Type: multipart/mixed; boundary=b\n\r\n--b\r\n\n"
		  "l1\r\nl2\n\r\n--b--\n",
		    "l1\r\nl2\n" },
		{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\na\rb"
		  "\r\r\n--b--",
		    "a\rb\r" },
	};
	struct rec r;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rec_parse3(&LIM, t[i].msg, strlen(t[i].msg), &r, KEEP);
		assert_data(
		    must_find(&r, "1", 0), t[i].data, strlen(t[i].data));
		assert_int_equal(r.defects, 0);
		rec_free(&r);
	}
}

static void
test_overlong_lines_are_split_flagged_and_decoded(void **state)
{
	struct dlp_limits lim = LIM;
	struct buf m, line, b64;
	struct rec r;
	struct rec_part *p;
	char *enc;
	size_t i;

	lim.max_line_bytes = 256;
	buf_init(&m, 1u << 20);
	buf_init(&line, 1u << 20);
	buf_init(&b64, 1u << 20);
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_putc(&line, 'a' + (int)(i % 26)), BUF_OK);
	enc = b64_encode(line.data, line.len);
	for (i = 0; enc[i] != '\0'; i++) /* one line, no breaks */
		if (enc[i] != '\r' && enc[i] != '\n')
			assert_int_equal(buf_putc(&b64, enc[i]), BUF_OK);
	free(enc);
	assert_int_equal(buf_puts(&m,
			     "Content-Type: multipart/mixed; "
			     "boundary=b\r\nSubject: "),
	    BUF_OK);
	assert_int_equal(buf_append(&m, line.data, line.len), BUF_OK);
	assert_int_equal(buf_puts(&m, "\r\n\r\n--b\r\n\r\n"), BUF_OK);
	assert_int_equal(buf_append(&m, line.data, line.len), BUF_OK);
	assert_int_equal(buf_puts(&m,
			     "\r\n--b\r\nContent-Transfer-Encoding:"
			     " base64\r\n\r\n"),
	    BUF_OK);
	assert_int_equal(buf_append(&m, b64.data, b64.len), BUF_OK);
	assert_int_equal(buf_puts(&m, "\r\n--b--\r\n"), BUF_OK);
	rec_parse3(&lim, m.data, m.len, &r, KEEP);
	assert_shape(&r, "[]multipart/mixed [1]text/plain [2]text/plain");
	assert_string_equal(rec_header(&r, "", "Subject"), buf_cstr(&line));
	assert_true(must_find(&r, "", 0)->defects & MIME_D_LONG_LINE);
	p = must_find(&r, "1", 0);
	assert_int_equal(p->defects, MIME_D_LONG_LINE);
	assert_string_equal(buf_cstr(&p->data), buf_cstr(&line));
	p = must_find(&r, "2", 0);
	assert_int_equal(p->defects, MIME_D_LONG_LINE);
	assert_string_equal(buf_cstr(&p->data), buf_cstr(&line));
	rec_free(&r);
	buf_free(&m);
	buf_free(&line);
	buf_free(&b64);
}

static void
test_50mb_base64_line_decodes_in_constant_memory(void **state)
{
	static const char head[] = "Content-Type: application/octet-stream\r\n"
				   "Content-Transfer-Encoding: base64\r\n"
				   "\r\n";
	size_t total = 50u << 20, chunk = 65536, i, sent;
	char *b = malloc(chunk);
	struct mime_parser *p;
	struct rec r;

	assert_non_null(b);
	for (i = 0; i < chunk; i += 4)
		memcpy(b + i, "Zm9v", 4); /* "foo" */
	rec_init(&r, 0);
	p = mime_new(&LIM, &rec_handler, &r);
	assert_non_null(p);
	r.heap_base = r.heap_peak = heap_now();
	assert_int_equal(mime_feed(p, head, sizeof(head) - 1), 0);
	for (sent = 0; sent < total; sent += chunk)
		assert_int_equal(mime_feed(p, b, chunk), 0);
	assert_int_equal(mime_finish(p), 0);
	r.defects = mime_defects(p);
	mime_free(p);
	free(b);
	assert_int_equal(r.err.len, 0);
	assert_int_equal(r.data_total, total / 4 * 3);
	assert_true(r.max_call <= DECODE_BLOCK);
	assert_int_equal(r.defects, MIME_D_LONG_LINE);
	/* the parser held nothing of the line: no growth beyond a margin */
	if (r.heap_peak - r.heap_base > (1u << 20))
		fail_msg("heap grew by %zu bytes", r.heap_peak - r.heap_base);
	rec_free(&r);
}

static void
test_data_comes_in_blocks(void **state)
{
	struct buf m;
	struct rec r;
	size_t i;

	buf_init(&m, 1u << 20);
	assert_int_equal(buf_puts(&m, "Subject: big\n\n"), BUF_OK);
	for (i = 0; i < 5000; i++)
		assert_int_equal(buf_puts(&m, "a line of text\n"), BUF_OK);
	rec_parse3(&LIM, m.data, m.len, &r, KEEP);
	assert_int_equal(r.data_total, 5000 * 15);
	assert_int_equal(r.max_call, DECODE_BLOCK);
	assert_int_equal(must_find(&r, "1", 0)->data_calls,
	    (5000 * 15 + DECODE_BLOCK - 1) / DECODE_BLOCK);
	rec_free(&r);
	buf_free(&m);
}

/* headers */

static void
test_headers_unfolded_and_decoded_for_every_block(void **state)
{
	static const char m[] = "Subject: =?ISO-2022-JP?B?GyRCRnxL?=\r\n"
				" =?ISO-2022-JP?B?XDhsGyhC?= test\r\n"
				"X-Folded: a\r\n"
				"\tb\r\n"
				"X-Ws-Only: c\r\n"
				" \r\n"
				"  d\r\n"
				"Content-Type: multipart/mixed; boundary=b\r\n"
				"\r\n"
				"--b\r\n"
				"Content-Type: text/plain\r\n"
				"Content-Description: =?UTF-8?Q?caf=C3=A9?=\r\n"
				"\r\n"
				"x\r\n"
				"--b--\r\n";
	struct rec r;

	PARSE(&r, m);
	assert_string_equal(rec_header(&r, "", "Subject"),
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e test");
	assert_string_equal(rec_header(&r, "", "X-Folded"), "a\tb");
	assert_string_equal(rec_header(&r, "", "X-Ws-Only"), "c   d");
	assert_string_equal(
	    rec_header(&r, "1", "Content-Description"), "caf\xc3\xa9");
	assert_string_equal(rec_header(&r, "1", "Content-Type"), "text/plain");
	assert_null(rec_header(&r, "1", "Subject"));
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

struct seen {
	int headers, matched;
};

static void
seen_header(void *arg, const struct mime_part_info *pi, const char *name,
    const char *value)
{
	struct seen *s = arg;

	s->headers++;
	if (strcmp(pi->path, "2") == 0 &&
	    strcmp(pi->content_type, "application/pdf") == 0 &&
	    pi->filename != NULL && strcmp(pi->filename, "a.pdf") == 0 &&
	    pi->depth == 1 && pi->parent != NULL &&
	    strcmp(pi->parent->path, "") == 0)
		s->matched++;
}

static void
test_header_callbacks_see_the_final_part_info(void **state)
{
	static const char m[] =
	    "Content-Type: multipart/mixed; boundary=b\n"
	    "\n"
	    "--b\n"
	    "\n"
	    "x\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=a.pdf\n"
	    "Content-Type: application/pdf\n"
	    "\n"
	    "%PDF\n"
	    "--b--\n";
	const struct mime_handler h = { seen_header, NULL, NULL, NULL };
	struct seen s = { 0, 0 };
	struct mime_parser *p = mime_new(&LIM, &h, &s);

	assert_non_null(p);
	assert_int_equal(mime_feed(p, m, sizeof(m) - 1), 0);
	assert_int_equal(mime_finish(p), 0);
	mime_free(p);
	assert_int_equal(s.headers, 3);
	assert_int_equal(s.matched, 2);
}

static void
test_8bit_header_converted_and_flagged(void **state)
{
	static const char m[] = "Subject: \x83\x65\x83X\x83g\r\n"
				"X-Utf8: S\xc3\xa4ying\r\n"
				"\r\n"
				"x";
	struct rec r;

	PARSE(&r, m);
	assert_string_equal(rec_header(&r, "1", "Subject"),
	    "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88");
	assert_string_equal(rec_header(&r, "1", "X-Utf8"), "S\xc3\xa4ying");
	assert_int_equal(must_find(&r, "1", 0)->defects, MIME_D_8BIT_HEADER);
	rec_free(&r);
}

static void
test_long_header_truncated_and_flagged(void **state)
{
	struct dlp_limits lim = LIM;
	struct buf m;
	struct rec r;
	size_t i;

	lim.max_header_bytes = 300;
	buf_init(&m, 1u << 20);
	assert_int_equal(buf_puts(&m, "Subject: "), BUF_OK);
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_putc(&m, 'a'), BUF_OK);
	assert_int_equal(buf_puts(&m, "\nX-After: yes\n\nbody\n"), BUF_OK);
	rec_parse3(&lim, m.data, m.len, &r, KEEP);
	assert_int_equal(strlen(rec_header(&r, "1", "Subject")), 300 - 9);
	assert_string_equal(rec_header(&r, "1", "X-After"), "yes");
	assert_int_equal(must_find(&r, "1", 0)->defects, MIME_D_LONG_HEADER);
	DATA(must_find(&r, "1", 0), "body\n");
	rec_free(&r);
	buf_free(&m);
}

static void
test_header_block_limit_skips_the_rest_of_the_block(void **state)
{
	struct dlp_limits lim = LIM;
	struct buf m;
	struct rec r;
	char line[64];
	size_t i;

	lim.max_header_block_bytes = 200;
	buf_init(&m, 1u << 20);
	for (i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "X-N%02zu: 0123456789012345\n", i);
		assert_int_equal(buf_puts(&m, line), BUF_OK);
	}
	assert_int_equal(buf_puts(&m,
			     "Content-Type: multipart/mixed; "
			     "boundary=b\n\n--b\n\nbody\n"),
	    BUF_OK);
	rec_parse3(&lim, m.data, m.len, &r, KEEP);
	assert_shape(&r, "[1]text/plain");
	assert_int_equal(must_find(&r, "1", 0)->defects, MIME_D_LIMIT_HEADERS);
	assert_non_null(rec_header(&r, "1", "X-N00"));
	assert_null(rec_header(&r, "1", "X-N19"));
	assert_null(rec_header(&r, "1", "Content-Type"));
	assert_true(r.nh < 20);
	DATA(must_find(&r, "1", 0), "--b\n\nbody\n");
	rec_free(&r);
	buf_free(&m);
}

static void
test_1mb_header_stays_bounded_and_the_body_is_found(void **state)
{
	struct buf m;
	struct rec r;
	size_t i;

	buf_init(&m, 4u << 20);
	assert_int_equal(buf_puts(&m,
			     "Content-Type: multipart/mixed; "
			     "boundary=b\n\n--b\nX-Big: "),
	    BUF_OK);
	for (i = 0; i < (1u << 20); i++)
		assert_int_equal(buf_putc(&m, 'a' + (int)(i % 26)), BUF_OK);
	assert_int_equal(buf_puts(&m,
			     "\nX-After: 1\n\nfirst\n--b\n\nafter\n"
			     "--b--\n"),
	    BUF_OK);
	rec_parse3(&LIM, m.data, m.len, &r, KEEP);
	assert_shape(&r, "[]multipart/mixed [1]text/plain [2]text/plain");
	assert_int_equal(must_find(&r, "1", 0)->defects,
	    MIME_D_LONG_LINE | MIME_D_LONG_HEADER | MIME_D_LIMIT_HEADERS);
	assert_int_equal(strlen(rec_header(&r, "1", "X-Big")), 4096 - 7);
	assert_null(rec_header(&r, "1", "X-After"));
	DATA(must_find(&r, "1", 0), "first");
	DATA(must_find(&r, "2", 0), "after");
	if (r.heap_peak - r.heap_base > (1u << 20))
		fail_msg("heap grew by %zu bytes", r.heap_peak - r.heap_base);
	rec_free(&r);
	buf_free(&m);
}

static const char m_cut[] = "Content-Type: multipart/mixed; boundary=b\n"
			    "\n"
			    "--b\n"
			    "\n"
			    "one\n"
			    "--b\n"
			    "Content-Type: text/html\n";

static void
test_message_ending_in_headers_has_one_empty_part(void **state)
{
	static const char m[] = "Subject: x\r\nX-A: y";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[1]text/plain");
	assert_string_equal(rec_header(&r, "1", "Subject"), "x");
	assert_string_equal(rec_header(&r, "1", "X-A"), "y");
	assert_int_equal(must_find(&r, "1", 0)->defects, MIME_D_NO_HEADER_END);
	assert_int_equal(must_find(&r, "1", 0)->data.len, 0);
	rec_free(&r);
	rec_parse3(&LIM, "", 0, &r, KEEP);
	assert_shape(&r, "[1]text/plain");
	assert_int_equal(r.defects, MIME_D_NO_HEADER_END);
	rec_free(&r);
	/* a part cut in its headers */
	rec_parse3(&LIM, m_cut, sizeof(m_cut) - 1, &r, KEEP);
	assert_shape(&r, "[]multipart/mixed [1]text/plain [2]text/html");
	assert_int_equal(must_find(&r, "2", 0)->defects, MIME_D_NO_HEADER_END);
	assert_int_equal(
	    must_find(&r, "", 0)->defects, MIME_D_NO_FINAL_BOUNDARY);
	assert_string_equal(rec_header(&r, "2", "Content-Type"), "text/html");
	rec_free(&r);
}

static void
test_non_header_first_line_starts_the_body(void **state)
{
	static const char m[] = "This is not a header\r\n"
				"Subject: x\r\n"
				"\r\n"
				"body";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[1]text/plain");
	assert_int_equal(must_find(&r, "1", 0)->defects, MIME_D_BAD_HEADER);
	DATA(must_find(&r, "1", 0),
	    "This is not a header\r\nSubject: x\r\n"
	    "\r\nbody");
	assert_int_equal(r.nh, 0);
	rec_free(&r);
}

static void
test_missing_empty_line_body_starts_at_non_header_line(void **state)
{
	static const char m1[] = "Content-Type: multipart/mixed; boundary=foo\n"
				 "\n"
				 "--foo\n"
				 "Content-Type: text/plain\n"
				 "bar\n"
				 "\n"
				 "--foo\n"
				 "Content-Type: text/html\n"
				 "<p>baz</p>\n"
				 "--foo--\n";
	static const char m2[] = "Subject: x\n"
				 "body line\n";
	struct rec r;

	PARSE(&r, m1);
	assert_shape(&r, "[]multipart/mixed [1]text/plain [2]text/html");
	DATA(must_find(&r, "1", 0), "bar\n");
	DATA(must_find(&r, "2", 0), "<p>baz</p>");
	assert_int_equal(must_find(&r, "2", 0)->defects, MIME_D_BAD_HEADER);
	rec_free(&r);
	PARSE(&r, m2);
	assert_int_equal(must_find(&r, "1", 0)->defects, MIME_D_BAD_HEADER);
	DATA(must_find(&r, "1", 0), "body line\n");
	rec_free(&r);
}

static void
test_folded_line_that_lost_its_white_space_is_unfolded(void **state)
{
	static const char m[] = "Subject: a\r\n"
				"X-Long: part1\r\n"
				"part2-continued\r\n"
				"Content-Type: text/html\r\n"
				"\r\n"
				"<p>x</p>";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[1]text/html");
	assert_string_equal(
	    rec_header(&r, "1", "X-Long"), "part1part2-continued");
	assert_int_equal(must_find(&r, "1", 0)->defects, MIME_D_BAD_HEADER);
	DATA(must_find(&r, "1", 0), "<p>x</p>");
	rec_free(&r);
}

static void
test_boundary_like_line_in_headers_ends_them(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=b\n"
				"Subject: no empty line\n"
				"--b\n"
				"\n"
				"one\n"
				"--b--\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[]multipart/mixed [1]text/plain");
	assert_string_equal(rec_header(&r, "", "Subject"), "no empty line");
	DATA(must_find(&r, "1", 0), "one");
	rec_free(&r);
}

static void
test_space_before_colon_is_a_header_and_flagged(void **state)
{
	static const char m[] = "Subject : spaced\r\n"
				"Content-Type : text/html\r\n"
				"\r\n"
				"x";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[1]text/html");
	assert_string_equal(rec_header(&r, "1", "Subject"), "spaced");
	assert_int_equal(must_find(&r, "1", 0)->defects, MIME_D_BAD_HEADER);
	rec_free(&r);
}

static void
test_continuation_at_block_start_is_flagged_and_ignored(void **state)
{
	static const char m[] = " stray continuation\n"
				"Subject: s\n"
				"\n"
				"b";
	struct rec r;

	PARSE(&r, m);
	assert_string_equal(rec_header(&r, "1", "Subject"), "s");
	assert_int_equal(must_find(&r, "1", 0)->defects, MIME_D_BAD_HEADER);
	DATA(must_find(&r, "1", 0), "b");
	rec_free(&r);
}

static void
test_mbox_from_line_is_skipped(void **state)
{
	static const char m[] =
	    "From someone@example.com Sat Jan  3 01:05:34 1996\n"
	    "Subject: mbox\n"
	    "\n"
	    "body\n";
	struct rec r;

	PARSE(&r, m);
	assert_string_equal(rec_header(&r, "1", "Subject"), "mbox");
	assert_int_equal(r.defects, 0);
	DATA(must_find(&r, "1", 0), "body\n");
	rec_free(&r);
}

static void
test_nul_in_header_becomes_space(void **state)
{
	static const char m[] = "Subject: a\0b\n\nx";
	struct rec r;

	PARSE(&r, m);
	assert_string_equal(rec_header(&r, "1", "Subject"), "a b");
	rec_free(&r);
}

/* content headers */

static void
test_transfer_encodings_decode(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=b\n"
				"\n"
				"--b\n"
				"Content-Transfer-Encoding: Quoted-Printable\n"
				"\n"
				"caf=C3=A9 =\n"
				"ok  \n"
				"--b\n"
				"Content-Transfer-Encoding: BASE64\n"
				"\n"
				"Zm9v\n"
				"YmFy\n"
				"--b\n"
				"Content-Transfer-Encoding: 8bit\n"
				"\n"
				"\xe6\x97\xa5 =41\n"
				"--b\n"
				"Content-Type: application/octet-stream\n"
				"Content-Transfer-Encoding: binary\n"
				"\n"
				"a\0b\n"
				"--b\n"
				"Content-Transfer-Encoding: x-uuencode\n"
				"\n"
				"begin 644 a.bin\n"
				"#9F]O\n"
				"`\n"
				"end\n"
				"--b--\n";
	struct rec r;

	PARSE(&r, m);
	assert_string_equal(must_find(&r, "1", 0)->cte, "quoted-printable");
	DATA(must_find(&r, "1", 0), "caf\xc3\xa9 ok");
	assert_string_equal(must_find(&r, "2", 0)->cte, "base64");
	DATA(must_find(&r, "2", 0), "foobar");
	DATA(must_find(&r, "3", 0), "\xe6\x97\xa5 =41");
	assert_data(must_find(&r, "4", 0), "a\0b", 3);
	DATA(must_find(&r, "5", 0), "foo");
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

static void
test_decoding_damage_is_flagged_per_part(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=b\n"
				"\n"
				"--b\n"
				"Content-Transfer-Encoding: base64\n"
				"\n"
				"Zm9vYmE=\n"
				"YmF6\n"
				"--b\n"
				"Content-Transfer-Encoding: quoted-printable\n"
				"\n"
				"1=2\n"
				"--b\n"
				"Content-Transfer-Encoding: x-uuencode\n"
				"\n"
				"no block\n"
				"--b\n"
				"Content-Transfer-Encoding: x-gzip64\n"
				"\n"
				"QUJD\n"
				"--b--\n";
	struct rec r;

	PARSE(&r, m);
	assert_int_equal(must_find(&r, "1", 0)->defects, MIME_D_BAD_BASE64);
	DATA(must_find(&r, "1", 0), "foobabaz");
	assert_int_equal(must_find(&r, "2", 0)->defects, MIME_D_BAD_QP);
	DATA(must_find(&r, "2", 0), "1=2");
	assert_int_equal(must_find(&r, "3", 0)->defects, MIME_D_BAD_UUENCODE);
	DATA(must_find(&r, "3", 0), "no block\n");
	assert_int_equal(must_find(&r, "4", 0)->defects, MIME_D_BAD_CTE);
	assert_string_equal(must_find(&r, "4", 0)->cte, "x-gzip64");
	DATA(must_find(&r, "4", 0), "QUJD");
	assert_int_equal(r.defects,
	    MIME_D_BAD_BASE64 | MIME_D_BAD_QP | MIME_D_BAD_UUENCODE |
		MIME_D_BAD_CTE);
	rec_free(&r);
}

static void
test_duplicate_headers_prefer_what_inspects_more(void **state)
{
	static const char m1[] = "Content-Type: text/plain\n"
				 "Content-Type: multipart/mixed; boundary=b\n"
				 "\n"
				 "--b\n"
				 "Content-Transfer-Encoding: 7bit\n"
				 "Content-Transfer-Encoding: base64\n"
				 "\n"
				 "Zm9v\n"
				 "--b--\n";
	static const char m2[] = "Content-Type: multipart/mixed; boundary=b\n"
				 "Content-type: text/plain\n"
				 "\n"
				 "--b\n"
				 "\n"
				 "x\n"
				 "--b--\n";
	struct rec r;

	PARSE(&r, m1);
	assert_shape(&r, "[]multipart/mixed [1]text/plain");
	assert_int_equal(
	    must_find(&r, "", 0)->defects, MIME_D_BAD_CONTENT_TYPE);
	DATA(must_find(&r, "1", 0), "foo");
	rec_free(&r);
	PARSE(&r, m2);
	assert_shape(&r, "[]multipart/mixed [1]text/plain");
	rec_free(&r);
}

static void
test_parameters_and_filenames(void **state)
{
	static const char m[] =
	    "Content-Type: multipart/signed; boundary=b;\r\n"
	    "\tprotocol=\"Application/PKCS7-Signature\"; micalg=sha-256\r\n"
	    "\r\n"
	    "--b\r\n"
	    "Content-Type: application/pdf; name=\"check.exe\"\r\n"
	    "Content-Disposition: Attachment; filename=\"check.pdf\"\r\n"
	    "\r\n"
	    "x\r\n"
	    "--b\r\n"
	    "Content-Type: text/plain; charset=\"ISO-2022-JP\";\r\n"
	    " name=\"=?ISO-2022-JP?B?GyRCTD5BMBsoQi50eHQ=?=\"\r\n"
	    "Content-Disposition: attachment\r\n"
	    "\r\n"
	    "y\r\n"
	    "--b\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Disposition: attachment;\r\n"
	    " filename*0*=UTF-8''%E5%90%8D; filename*1=\".txt\"\r\n"
	    "\r\n"
	    "z\r\n"
	    "--b\r\n"
	    "Content-Type: application/pkcs7-mime; smime-type=Enveloped-Data;"
	    " name=smime.p7m\r\n"
	    "\r\n"
	    "w\r\n"
	    "--b--\r\n";
	struct rec r;
	struct rec_part *p;

	PARSE(&r, m);
	assert_string_equal(
	    must_find(&r, "", 0)->proto, "application/pkcs7-signature");
	p = must_find(&r, "1", 0);
	assert_string_equal(p->filename, "check.pdf");
	assert_string_equal(p->disp, "attachment");
	p = must_find(&r, "2", 0);
	assert_string_equal(p->charset, "iso-2022-jp");
	assert_string_equal(p->filename, "\xe5\x90\x8d\xe5\x89\x8d.txt");
	assert_string_equal(
	    must_find(&r, "3", 0)->filename, "\xe5\x90\x8d.txt");
	assert_string_equal(must_find(&r, "4", 0)->smime, "enveloped-data");
	assert_string_equal(must_find(&r, "4", 0)->filename, "smime.p7m");
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

static void
test_broken_content_type_falls_back_to_text_plain(void **state)
{
	static const char m[] =
	    "Content-Type: application-x-gzip; name=\"document.xml.gz\"\n"
	    "\n"
	    "x";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[1]text/plain");
	assert_string_equal(must_find(&r, "1", 0)->filename, "document.xml.gz");
	assert_int_equal(
	    must_find(&r, "1", 0)->defects, MIME_D_BAD_CONTENT_TYPE);
	rec_free(&r);
}

static void
test_encoded_multipart_is_flagged(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=b\n"
				"Content-Transfer-Encoding: base64\n"
				"\n"
				"--b\n"
				"\n"
				"x\n"
				"--b--\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[]multipart/mixed [1]text/plain");
	assert_int_equal(must_find(&r, "", 0)->defects, MIME_D_BAD_CTE);
	rec_free(&r);
}

static void
test_rfc822_cut_in_its_headers_by_a_boundary(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=o\n"
				"\n"
				"--o\n"
				"Content-Type: message/rfc822\n"
				"--o--\n";
	struct rec r;

	PARSE(&r, m);
	assert_shape(&r, "[]multipart/mixed [1]message/rfc822 [1.1]text/plain");
	assert_int_equal(r.defects, 0);
	rec_free(&r);
}

/* limits */

static void
test_depth_limit_makes_an_opaque_leaf(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=l0\n"
				"\n"
				"--l0\n"
				"Content-Type: multipart/mixed; boundary=l1\n"
				"\n"
				"--l1\n"
				"Content-Type: multipart/mixed; boundary=l2\n"
				"\n"
				"--l2\n"
				"Content-Type: text/plain\n"
				"\n"
				"deep\n"
				"--l2--\n"
				"--l1\n"
				"Content-Type: message/rfc822\n"
				"\n"
				"Subject: s\n"
				"\n"
				"m\n"
				"--l1--\n"
				"--l0--\n";
	struct dlp_limits lim = LIM;
	struct rec r;
	struct rec_part *p;

	lim.max_depth = 2;
	PARSE_LIM(&lim, &r, m);
	assert_shape(&r,
	    "[]multipart/mixed [1]multipart/mixed "
	    "[1.1]multipart/mixed [1.2]message/rfc822");
	p = must_find(&r, "1.1", 0);
	assert_false(p->container);
	assert_int_equal(p->defects, MIME_D_LIMIT_DEPTH);
	DATA(p, "--l2\nContent-Type: text/plain\n\ndeep\n--l2--");
	p = must_find(&r, "1.2", 0);
	assert_false(p->container);
	assert_int_equal(p->defects, MIME_D_LIMIT_DEPTH);
	DATA(p, "Subject: s\n\nm");
	rec_free(&r);
}

static void
test_parts_limit_emits_one_pseudo_leaf_and_stops(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=b\n"
				"\n"
				"--b\n\none\n"
				"--b\n\ntwo\n"
				"--b\n\nthree\n"
				"--b\n\nfour\n"
				"--b\n\nfive\n"
				"--b--\n";
	struct dlp_limits lim = LIM;
	struct rec r;
	struct rec_part *p;

	lim.max_parts = 3;
	PARSE_LIM(&lim, &r, m);
	assert_shape(&r,
	    "[]multipart/mixed [1]text/plain [2]text/plain "
	    "[3]text/plain");
	DATA(must_find(&r, "2", 0), "two");
	p = must_find(&r, "3", 0);
	assert_int_equal(p->defects, MIME_D_LIMIT_PARTS);
	assert_int_equal(p->data.len, 0);
	assert_int_equal(must_find(&r, "", 0)->defects, 0);
	assert_int_equal(r.defects, MIME_D_LIMIT_PARTS);
	rec_free(&r);
}

static void
test_parts_limit_inside_an_encoded_message_stops_everything(void **state)
{
	struct dlp_limits lim = LIM;
	struct rec r;

	lim.max_parts = 4;
	PARSE_LIM(&lim, &r, m_b64_rfc822);
	assert_shape(&r,
	    "[]multipart/mixed [1]text/plain [2]message/rfc822 "
	    "[2]multipart/alternative [2.1]text/plain");
	assert_int_equal(must_find(&r, "2.1", 0)->defects, MIME_D_LIMIT_PARTS);
	assert_int_equal(r.defects, MIME_D_LIMIT_PARTS);
	rec_free(&r);
}

static void
test_decoded_limit_cuts_data_exactly_and_flags(void **state)
{
	static const char m[] = "Content-Type: multipart/mixed; boundary=b\n"
				"\n"
				"--b\n\nabcdefgh\n"
				"--b\n\nijklmnop\n"
				"--b\n\nqrst\n"
				"--b\n\n\n"
				"--b--\n";
	struct dlp_limits lim = LIM;
	struct rec r;

	lim.max_decoded_bytes = 10;
	PARSE_LIM(&lim, &r, m);
	assert_shape(&r,
	    "[]multipart/mixed [1]text/plain [2]text/plain "
	    "[3]text/plain [4]text/plain");
	DATA(must_find(&r, "1", 0), "abcdefgh");
	assert_int_equal(must_find(&r, "1", 0)->defects, 0);
	DATA(must_find(&r, "2", 0), "ij");
	assert_int_equal(must_find(&r, "2", 0)->defects, MIME_D_LIMIT_DECODED);
	assert_int_equal(must_find(&r, "3", 0)->data.len, 0);
	assert_int_equal(must_find(&r, "3", 0)->defects, MIME_D_LIMIT_DECODED);
	assert_int_equal(must_find(&r, "4", 0)->defects, 0); /* empty */
	rec_free(&r);
}

static void
test_decoded_limit_is_shared_with_encoded_messages(void **state)
{
	struct dlp_limits lim = LIM;
	struct rec r;

	lim.max_decoded_bytes = 10; /* "cover" + 5 of "plain text" */
	PARSE_LIM(&lim, &r, m_b64_rfc822);
	DATA(must_find(&r, "1", 0), "cover");
	DATA(must_find(&r, "2.1", 0), "plain");
	assert_int_equal(
	    must_find(&r, "2.1", 0)->defects, MIME_D_LIMIT_DECODED);
	assert_int_equal(
	    must_find(&r, "2.2", 0)->defects, MIME_D_LIMIT_DECODED);
	rec_free(&r);
}

/* n multiparts nested in each other, boundaries b0..b(n-1) */
static void
nest_multipart(struct buf *m, int n)
{
	char line[128];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line),
		    "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i,
		    i);
		assert_int_equal(buf_puts(m, line), BUF_OK);
	}
	assert_int_equal(buf_puts(m, "\nsecret\n"), BUF_OK);
	for (i = n - 1; i >= 0; i--) {
		snprintf(line, sizeof(line), "--b%d--\n", i);
		assert_int_equal(buf_puts(m, line), BUF_OK);
	}
}

static void
test_100_level_nesting_stays_bounded(void **state)
{
	struct buf m;
	struct rec r;
	size_t i;

	buf_init(&m, 1u << 20);
	nest_multipart(&m, 100);
	rec_parse3(&LIM, m.data, m.len, &r, KEEP);
	assert_int_equal(r.n, 21);
	for (i = 0; i < r.n; i++)
		assert_true(r.parts[i].depth <= LIM.max_depth);
	assert_int_equal(r.parts[20].depth, 20);
	assert_int_equal(r.parts[20].defects, MIME_D_LIMIT_DEPTH);
	assert_non_null(strstr(buf_cstr(&r.parts[20].data), "secret"));
	rec_free(&r);
	buf_free(&m);
	/* inline message/rfc822 in message/rfc822, 100 deep */
	buf_init(&m, 1u << 20);
	for (i = 0; i < 100; i++)
		assert_int_equal(
		    buf_puts(&m, "Content-Type: message/rfc822\n\n"), BUF_OK);
	assert_int_equal(buf_puts(&m, "\nsecret\n"), BUF_OK);
	rec_parse3(&LIM, m.data, m.len, &r, KEEP);
	assert_int_equal(r.n, 21);
	assert_int_equal(r.parts[20].defects, MIME_D_LIMIT_DEPTH);
	assert_string_equal(
	    r.parts[20].path, "1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1");
	rec_free(&r);
	buf_free(&m);
}

static void
test_nested_encoded_messages_are_decoded_level_by_level(void **state)
{
	struct dlp_limits lim = LIM;
	struct rec r;
	char *msg, *enc, *next;
	size_t len, i;

	msg = strdup("Subject: innermost\r\n\r\nsecret\r\n");
	for (i = 0; i < 30; i++) {
		enc = b64_encode(msg, strlen(msg));
		len = strlen(enc) + 200;
		next = malloc(len);
		snprintf(next, len,
		    "Content-Type: message/rfc822\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n%s",
		    enc);
		free(enc);
		free(msg);
		msg = next;
	}
	lim.max_depth = 40;
	rec_parse3(&lim, msg, strlen(msg), &r, KEEP);
	assert_int_equal(r.n, 31);
	assert_int_equal(r.parts[30].depth, 30);
	DATA(&r.parts[30], "secret\r\n");
	assert_string_equal(
	    rec_header(&r, r.parts[30].path, "Subject"), "innermost");
	assert_int_equal(r.defects, 0);
	rec_free(&r);
	lim.max_depth = 10;
	rec_parse3(&lim, msg, strlen(msg), &r, KEEP);
	assert_int_equal(r.n, 11);
	assert_int_equal(r.parts[10].defects, MIME_D_LIMIT_DEPTH);
	assert_false(r.parts[10].container);
	rec_free(&r);
	free(msg);
}

static void
test_10000_tiny_parts(void **state)
{
	struct dlp_limits lim = LIM;
	struct buf m;
	struct rec r;
	size_t i;

	buf_init(&m, 1u << 20);
	assert_int_equal(
	    buf_puts(&m, "Content-Type: multipart/mixed; boundary=b\n\n"),
	    BUF_OK);
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_puts(&m, "--b\n\nx\n"), BUF_OK);
	assert_int_equal(buf_puts(&m, "--b--\n"), BUF_OK);
	lim.max_parts = 20000;
	rec_parse3(&lim, m.data, m.len, &r, 16);
	assert_int_equal(rec_leaves(&r), 10000);
	assert_string_equal(r.parts[10000].path, "10000");
	assert_int_equal(r.data_total, 10000);
	assert_int_equal(r.defects, 0);
	rec_free(&r);
	lim.max_parts = 1000;
	rec_parse3(&lim, m.data, m.len, &r, 16);
	assert_int_equal(r.n, 1001);
	assert_int_equal(r.parts[1000].defects, MIME_D_LIMIT_PARTS);
	assert_int_equal(r.data_total, 999);
	rec_free(&r);
	buf_free(&m);
}

/* API */

static void
test_defect_names_are_distinct(void **state)
{
	unsigned f, g;

	for (f = 1; f <= 0x8000; f <<= 1) {
		assert_string_not_equal(mime_defect_name(f), "unknown");
		for (g = 1; g < f; g <<= 1)
			assert_string_not_equal(
			    mime_defect_name(f), mime_defect_name(g));
	}
	assert_string_equal(mime_defect_name(0), "unknown");
	assert_string_equal(mime_defect_name(0x10000), "unknown");
	assert_string_equal(
	    mime_defect_name(MIME_D_NO_FINAL_BOUNDARY), "no-final-boundary");
}

static void
test_null_callbacks_and_api_edges(void **state)
{
	const struct mime_handler none = { NULL, NULL, NULL, NULL };
	struct dlp_limits huge = LIM;
	struct mime_parser *p;

	mime_free(NULL);
	p = mime_new(&LIM, &none, NULL);
	assert_non_null(p);
	assert_int_equal(mime_feed(p, "", 0), 0);
	assert_int_equal(mime_feed(p, m_multi, sizeof(m_multi) - 1), 0);
	assert_int_equal(mime_finish(p), 0);
	assert_int_equal(mime_finish(p), 0); /* twice is harmless */
	assert_int_equal(mime_feed(p, "x", 1), -1);
	assert_int_equal(mime_defects(p), 0);
	mime_free(p);
	huge.max_line_bytes = (size_t)1 << 62; /* cannot be allocated */
	assert_null(mime_new(&huge, &none, NULL));
}

/* the external corpus */

struct corpus_file {
	char path[512];
	char *data;
	size_t len;
};

static bool
is_message(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 &&
	    (strcmp(name + n - 4, ".eml") == 0 ||
		strcmp(name + n - 4, ".txt") == 0 ||
		strcmp(name + n - 4, ".env") == 0));
}

static bool
read_file(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL)
		return false;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return false;
	}
	*data = malloc((size_t)n + 1);
	*len = fread(*data, 1, (size_t)n, f);
	(*data)[*len] = '\0';
	fclose(f);
	return *len == (size_t)n;
}

static void
test_corpus_parses_identically_whole_and_byte_by_byte(void **state)
{
	DIR *top, *sub;
	struct dirent *d, *e;
	char dir[512], path[1024];
	struct rec a, b;
	char *data;
	size_t len, files = 0;

	if ((top = opendir(CORPUS)) == NULL)
		skip();
	while ((d = readdir(top)) != NULL) {
		if (d->d_name[0] == '.' || strcmp(d->d_name, "LICENSES") == 0)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", CORPUS, d->d_name);
		if ((sub = opendir(dir)) == NULL)
			continue;
		while ((e = readdir(sub)) != NULL) {
			if (!is_message(e->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			assert_true(read_file(path, &data, &len));
			rec_init(&a, 0);
			rec_init(&b, 0);
			rec_parse(&LIM, data, len, FEED_WHOLE, &a);
			rec_parse(&LIM, data, len, FEED_BYTES, &b);
			if (a.err.len > 0)
				fail_msg("%s: %s", path, buf_cstr(&a.err));
			if (a.n == 0 || a.log.len != b.log.len ||
			    memcmp(a.log.data, b.log.data, a.log.len) != 0 ||
			    a.defects != b.defects)
				fail_msg("%s: parses differ", path);
			rec_free(&a);
			rec_free(&b);
			free(data);
			files++;
		}
		closedir(sub);
	}
	closedir(top);
	assert_true(files >= 90);
}

/* The expected_facts column of the manifest row for file; kind checked. */
static char *
manifest_facts(const char *file)
{
	char *data, *line, *end, *f[7], *p;
	size_t len, i, flen = strlen(file);

	if (!read_file(CORPUS "/MANIFEST.tsv", &data, &len))
		return NULL;
	for (line = data; line < data + len; line = end + 1) {
		if ((end = strchr(line, '\n')) == NULL)
			end = data + len;
		*end = '\0';
		if (strncmp(line, file, flen) != 0 || line[flen] != '\t')
			continue;
		for (i = 0, p = line; i < 7 && p != NULL; i++) {
			f[i] = p;
			if ((p = strchr(p, '\t')) != NULL)
				*p++ = '\0';
		}
		if (i < 7 || strncmp(f[4], "mime-", 5) != 0)
			break;
		p = strdup(f[6]);
		free(data);
		return p;
	}
	free(data);
	fail_msg("%s: no mime-* row in MANIFEST.tsv", file);
	return NULL;
}

/* The first "quoted" string after key in facts, with \r \n unescaped. */
static char *
fact_string(const char *facts, const char *key)
{
	const char *k = strstr(facts, key), *q = NULL, *e = NULL;
	char *out, *o;

	if (k != NULL && (q = strchr(k, '"')) != NULL)
		e = strchr(q + 1, '"');
	if (q == NULL || e == NULL) {
		fail_msg("no \"%s\" string in: %s", key, facts);
		return NULL;
	}
	out = o = malloc((size_t)(e - q));
	for (q++; q < e; q++) {
		if (q[0] == '\\' && q + 1 < e && (q[1] == 'r' || q[1] == 'n')) {
			*o++ = q[1] == 'r' ? '\r' : '\n';
			q++;
		} else
			*o++ = *q;
	}
	*o = '\0';
	return out;
}

static void
corpus_parse(const char *file, struct rec *r)
{
	char path[512], *data;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", CORPUS, file);
	if (!read_file(path, &data, &len))
		fail_msg("cannot read %s", path);
	rec_init(r, 8u << 20);
	rec_parse(&LIM, data, len, FEED_WHOLE, r);
	free(data);
	if (r->err.len > 0)
		fail_msg("%s: %s", file, buf_cstr(&r->err));
}

static void
check_subject(const char *file, const char *key)
{
	char *facts = manifest_facts(file), *want = fact_string(facts, key);
	struct rec r;
	const char *got;

	corpus_parse(file, &r);
	got = rec_header(&r, r.parts[0].path, "Subject");
	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: Subject \"%s\", want \"%s\"", file,
		    got != NULL ? got : "(none)", want);
	rec_free(&r);
	free(want);
	free(facts);
}

/* The body of the single leaf, converted from its charset, is the fact. */
static void
check_body(const char *file)
{
	char *facts = manifest_facts(file), *want = fact_string(facts, "body");
	struct rec_part *p;
	struct rec r;
	struct buf u;

	corpus_parse(file, &r);
	assert_int_equal(rec_leaves(&r), 1);
	p = &r.parts[0];
	buf_init(&u, 1u << 20);
	assert_true(
	    charset_to_utf8(p->charset, p->data.data, p->data.len, &u) >= 0);
	if (strstr(buf_cstr(&u), want) == NULL)
		fail_msg(
		    "%s: body \"%s\" lacks \"%s\"", file, buf_cstr(&u), want);
	buf_free(&u);
	rec_free(&r);
	free(want);
	free(facts);
}

static void
test_corpus_japanese_subjects_and_bodies_decode(void **state)
{
	DIR *dir;

	if ((dir = opendir(CORPUS)) == NULL)
		skip();
	closedir(dir);
	check_subject("mikel-mail/japanese_iso_2022.eml", "Subject");
	check_subject("mikel-mail/japanese.eml", "Subject");
	check_subject("mimekit/japanese.eml", "decodes to");
	check_body("thunderbird/iso-2022-jp.eml");
	check_body("thunderbird/iso-2022-jp-qp.eml");
	check_body("thunderbird/iso-2022-jp-not-qp.eml");
	check_body("mikel-mail/japanese_iso_2022.eml");
	check_body("mikel-mail/japanese_shift_jis.eml");
}

static void
test_corpus_structure_facts(void **state)
{
	struct rec r;
	struct rec_part *p;
	char *facts, *want;
	size_t i, n;
	DIR *dir;

	if ((dir = opendir(CORPUS)) == NULL)
		skip();
	closedir(dir);

	/* "Thunderbird jsmime test expects 30 leaf body parts (1, 2.1 ...
	   12.3.4)", "10 message/rfc822 encapsulations" */
	facts = manifest_facts("thunderbird/mime-torture.eml");
	assert_non_null(strstr(facts, "30 leaf body parts"));
	free(facts);
	corpus_parse("thunderbird/mime-torture.eml", &r);
	assert_int_equal(rec_leaves(&r), 30);
	for (i = n = 0; i < r.n; i++)
		n += strcmp(r.parts[i].type, "message/rfc822") == 0;
	assert_int_equal(n, 10);
	assert_non_null(rec_find(&r, "2.1", 0));
	assert_non_null(rec_find(&r, "12.3.4.1", 0));
	rec_free(&r);

	/* "IMAP part specifiers 1 .. 4.2.2.2" */
	free(manifest_facts("mimekit/rfc2060.eml"));
	corpus_parse("mimekit/rfc2060.eml", &r);
	assert_string_equal(must_find(&r, "4.2.2.2", 0)->type, "text/richtext");
	assert_true(must_find(&r, "4", 0)->defects & MIME_D_NO_FINAL_BOUNDARY);
	rec_free(&r);

	/* "multipart/digest (5 message/rfc822)" */
	free(manifest_facts("cpython-email/msg_02.eml"));
	corpus_parse("cpython-email/msg_02.eml", &r);
	for (i = n = 0; i < r.n; i++)
		n += r.parts[i].parent != NULL &&
		    strcmp(r.parts[i].type, "message/rfc822") == 0 &&
		    strcmp(must_find(&r, r.parts[i].parent, 0)->type,
			"multipart/digest") == 0;
	assert_int_equal(n, 5);
	rec_free(&r);

	/* "outer boundary X, inner ... X + _alt; + LOGO.png" */
	free(manifest_facts("mikel-mail/email_with_similar_boundaries.eml"));
	corpus_parse("mikel-mail/email_with_similar_boundaries.eml", &r);
	assert_shape(&r,
	    "[]multipart/mixed [1]multipart/alternative "
	    "[1.1]text/plain [1.2]text/html "
	    "[2]application/octetstream");
	assert_string_equal(must_find(&r, "2", 0)->filename, "LOGO.png");
	rec_free(&r);

	/* missing closing boundary: "parts text/plain + text/html still
	   recoverable" */
	free(manifest_facts("mimekit/multipart-no-end-boundary.eml"));
	corpus_parse("mimekit/multipart-no-end-boundary.eml", &r);
	assert_shape(&r, "[]multipart/alternative [1]text/plain [2]text/html");
	assert_true(r.defects & MIME_D_NO_FINAL_BOUNDARY);
	rec_free(&r);

	/* "multipart/mixed > multipart/alternative with zero body parts +
	   text/plain" */
	free(manifest_facts("mimekit/empty-multipart.eml"));
	corpus_parse("mimekit/empty-multipart.eml", &r);
	assert_shape(&r,
	    "[]multipart/mixed [1]multipart/alternative "
	    "[2]text/plain");
	rec_free(&r);

	/* "no "/" ... => default text/plain; filename document.xml.gz" */
	free(manifest_facts("mimekit/missing-subtype.eml"));
	corpus_parse("mimekit/missing-subtype.eml", &r);
	assert_string_equal(r.parts[0].type, "text/plain");
	assert_string_equal(r.parts[0].filename, "document.xml.gz");
	rec_free(&r);

	/* "body contains no delimiter => treat body as single text part" */
	free(manifest_facts("cpython-email/msg_17.eml"));
	corpus_parse("cpython-email/msg_17.eml", &r);
	assert_int_equal(rec_leaves(&r), 1);
	assert_true(must_find(&r, "1", 0)->data.len > 50);
	rec_free(&r);

	/* "multipart/report with no boundary=", "multipart/alternative with
	   no boundary parameter" */
	free(manifest_facts("cpython-email/msg_25.eml"));
	corpus_parse("cpython-email/msg_25.eml", &r);
	assert_true(r.defects & MIME_D_NO_BOUNDARY_PARAM);
	assert_true(r.parts[0].data.len > 1000);
	rec_free(&r);
	free(manifest_facts("cpython-email/msg_41.eml"));
	corpus_parse("cpython-email/msg_41.eml", &r);
	assert_true(r.defects & MIME_D_NO_BOUNDARY_PARAM);
	rec_free(&r);

	/* "text/html with boundary= parameter; must be treated as a single
	   text/html part" */
	free(manifest_facts("cpython-email/msg_40.eml"));
	corpus_parse("cpython-email/msg_40.eml", &r);
	assert_shape(&r, "[1]text/html");
	rec_free(&r);

	/* "unquoted ... must still split into text/plain + text/html" */
	free(manifest_facts("mikel-mail/raw_email_with_illegal_boundary.eml"));
	corpus_parse("mikel-mail/raw_email_with_illegal_boundary.eml", &r);
	assert_shape(&r, "[]multipart/alternative [1]text/plain [2]text/html");
	rec_free(&r);

	/* "robust parser should still see top-level multipart/alternative" */
	free(manifest_facts("mimekit/issue358.eml"));
	corpus_parse("mimekit/issue358.eml", &r);
	assert_string_equal(r.parts[0].type, "multipart/alternative");
	assert_non_null(rec_find(&r, "preamble", 0)); /* "This is a multi.." */
	assert_int_equal(rec_leaves(&r), 2);
	rec_free(&r);

	/* "parts without Content-Type default to message/rfc822" */
	free(manifest_facts("mimekit/multipart-digest.eml"));
	corpus_parse("mimekit/multipart-digest.eml", &r);
	assert_shape(&r,
	    "[1]message/rfc822 [1]multipart/digest "
	    "[1.1]message/rfc822 [1.1.1]text/plain "
	    "[1.2]message/rfc822 [1.2.1]text/plain");
	rec_free(&r);

	/* "message/rfc822 ForwardedMessage.eml > multipart/mixed >
	   text/plain + application/pdf broken.pdf" */
	free(manifest_facts("mikel-mail/attachment_message_rfc822.eml"));
	corpus_parse("mikel-mail/attachment_message_rfc822.eml", &r);
	assert_shape(&r,
	    "[]multipart/mixed [1]text/plain [2]message/rfc822 "
	    "[2]multipart/mixed [2.1]text/plain "
	    "[2.2]application/pdf");
	assert_string_equal(must_find(&r, "2.2", 0)->filename, "broken.pdf");
	rec_free(&r);

	/* "name="check.exe" but Content-Disposition filename="check.pdf"" */
	free(manifest_facts("thunderbird/external-attach-test.eml"));
	corpus_parse("thunderbird/external-attach-test.eml", &r);
	assert_string_equal(must_find(&r, "2", 0)->filename, "check.pdf");
	rec_free(&r);

	/* RFC 2047 name split over 3 lines */
	facts = manifest_facts("mikel-mail/japanese_attachment_long_name.eml");
	want = fact_string(facts, "decodes to");
	corpus_parse("mikel-mail/japanese_attachment_long_name.eml", &r);
	assert_string_equal(must_find(&r, "1", 0)->filename, want);
	rec_free(&r);
	free(want);
	free(facts);

	/* raw 8-bit UTF-8 name "ciële.txt" */
	facts = manifest_facts("mikel-mail/attachment_nonascii_filename.eml");
	want = fact_string(facts, "name/filename");
	corpus_parse("mikel-mail/attachment_nonascii_filename.eml", &r);
	assert_string_equal(must_find(&r, "2", 0)->filename, want);
	rec_free(&r);
	free(want);
	free(facts);

	/* base64 with empty lines inside: ignored, not damage */
	free(manifest_facts("thunderbird/base64-with-whitespace.eml"));
	corpus_parse("thunderbird/base64-with-whitespace.eml", &r);
	assert_int_equal(rec_leaves(&r), 2);
	assert_false(r.defects & MIME_D_BAD_BASE64);
	assert_string_equal(must_find(&r, "2", 0)->filename, "test.txt");
	rec_free(&r);

	/* "7bit, Quoted-Printable, Base64 (capitalised CTE values)" */
	free(manifest_facts("cpython-email/msg_10.eml"));
	corpus_parse("cpython-email/msg_10.eml", &r);
	assert_false(r.defects & MIME_D_BAD_CTE);
	for (i = n = 0; i < r.n; i++)
		n += r.parts[i].cte != NULL &&
		    (strcmp(r.parts[i].cte, "base64") == 0 ||
			strcmp(r.parts[i].cte, "quoted-printable") == 0);
	assert_true(n >= 2);
	rec_free(&r);

	/* "Nested multipart reusing the outer boundary ... text/plain,
	   text/html, image/gif xx.gif" */
	free(manifest_facts("cpython-email/msg_15.eml"));
	corpus_parse("cpython-email/msg_15.eml", &r);
	assert_shape(&r,
	    "[]multipart/mixed [1]multipart/alternative "
	    "[1.1]text/plain [1.2]text/html [2]image/gif");
	assert_string_equal(must_find(&r, "2", 0)->filename, "xx.gif");
	rec_free(&r);

	/* "Subject folded over several lines incl. whitespace-only lines" */
	free(manifest_facts("thunderbird/badly-folded-headers.eml"));
	corpus_parse("thunderbird/badly-folded-headers.eml", &r);
	assert_int_equal(r.defects & MIME_D_NO_HEADER_END, 0);
	p = must_find(&r, "1", 0);
	assert_true(p->data.len > 0);
	assert_non_null(rec_header(&r, "1", "Subject"));
	rec_free(&r);

	/* "no Content-Type => default text/plain" */
	free(manifest_facts("thunderbird/no-content-type.eml"));
	corpus_parse("thunderbird/no-content-type.eml", &r);
	assert_shape(&r, "[1]text/plain");
	rec_free(&r);

	/* "Content-Type multipart/alternative ... and a second text/plain" */
	free(manifest_facts("mikel-mail/multiple_content_types.eml"));
	corpus_parse("mikel-mail/multiple_content_types.eml", &r);
	assert_string_equal(r.parts[0].type, "multipart/alternative");
	rec_free(&r);

	/* "135 KB header ...; no MIME body parts" */
	free(manifest_facts("mimekit/stack-overflow.eml"));
	corpus_parse("mimekit/stack-overflow.eml", &r);
	assert_int_equal(r.n, 1);
	assert_true(r.defects & (MIME_D_LONG_HEADER | MIME_D_LIMIT_HEADERS));
	rec_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_part_message_is_leaf_1_at_depth_0),
		cmocka_unit_test(
		    test_multipart_root_has_empty_path_and_children_from_1),
		cmocka_unit_test(
		    test_text_outside_parts_is_delivered_unless_blank),
		cmocka_unit_test(test_nested_multipart_numbers_like_imap),
		cmocka_unit_test(
		    test_rfc822_with_multipart_inner_numbers_children_under_it),
		cmocka_unit_test(
		    test_rfc822_with_single_part_inner_has_body_n_1),
		cmocka_unit_test(
		    test_base64_encoded_rfc822_is_decoded_and_parsed),
		cmocka_unit_test(test_qp_encoded_rfc822_is_decoded_and_parsed),
		cmocka_unit_test(
		    test_bad_base64_in_encoded_rfc822_is_flagged_on_it),
		cmocka_unit_test(test_digest_parts_default_to_rfc822),
		cmocka_unit_test(
		    test_boundary_that_extends_the_outer_one_is_not_confused),
		cmocka_unit_test(
		    test_inner_boundary_that_is_a_prefix_of_the_outer_one),
		cmocka_unit_test(
		    test_boundary_line_may_end_in_white_space_but_not_text),
		cmocka_unit_test(
		    test_missing_final_boundary_closes_parts_at_end_of_input),
		cmocka_unit_test(
		    test_multipart_without_boundary_param_is_one_text_leaf),
		cmocka_unit_test(
		    test_multipart_whose_boundary_never_appears_delivers_its_body),
		cmocka_unit_test(test_empty_multipart_has_no_parts),
		cmocka_unit_test(
		    test_delimiter_after_the_close_delimiter_reopens),
		cmocka_unit_test(
		    test_same_boundary_inside_goes_to_outer_after_inner_closed),
		cmocka_unit_test(test_line_ends_delivered_as_they_came),
		cmocka_unit_test(
		    test_overlong_lines_are_split_flagged_and_decoded),
		cmocka_unit_test(
		    test_50mb_base64_line_decodes_in_constant_memory),
		cmocka_unit_test(test_data_comes_in_blocks),
		cmocka_unit_test(
		    test_headers_unfolded_and_decoded_for_every_block),
		cmocka_unit_test(test_header_callbacks_see_the_final_part_info),
		cmocka_unit_test(test_8bit_header_converted_and_flagged),
		cmocka_unit_test(test_long_header_truncated_and_flagged),
		cmocka_unit_test(
		    test_header_block_limit_skips_the_rest_of_the_block),
		cmocka_unit_test(
		    test_1mb_header_stays_bounded_and_the_body_is_found),
		cmocka_unit_test(
		    test_message_ending_in_headers_has_one_empty_part),
		cmocka_unit_test(test_non_header_first_line_starts_the_body),
		cmocka_unit_test(
		    test_missing_empty_line_body_starts_at_non_header_line),
		cmocka_unit_test(
		    test_folded_line_that_lost_its_white_space_is_unfolded),
		cmocka_unit_test(test_boundary_like_line_in_headers_ends_them),
		cmocka_unit_test(
		    test_space_before_colon_is_a_header_and_flagged),
		cmocka_unit_test(
		    test_continuation_at_block_start_is_flagged_and_ignored),
		cmocka_unit_test(test_mbox_from_line_is_skipped),
		cmocka_unit_test(test_nul_in_header_becomes_space),
		cmocka_unit_test(test_transfer_encodings_decode),
		cmocka_unit_test(test_decoding_damage_is_flagged_per_part),
		cmocka_unit_test(
		    test_duplicate_headers_prefer_what_inspects_more),
		cmocka_unit_test(test_parameters_and_filenames),
		cmocka_unit_test(
		    test_broken_content_type_falls_back_to_text_plain),
		cmocka_unit_test(test_encoded_multipart_is_flagged),
		cmocka_unit_test(test_rfc822_cut_in_its_headers_by_a_boundary),
		cmocka_unit_test(test_depth_limit_makes_an_opaque_leaf),
		cmocka_unit_test(
		    test_parts_limit_emits_one_pseudo_leaf_and_stops),
		cmocka_unit_test(
		    test_parts_limit_inside_an_encoded_message_stops_everything),
		cmocka_unit_test(
		    test_decoded_limit_cuts_data_exactly_and_flags),
		cmocka_unit_test(
		    test_decoded_limit_is_shared_with_encoded_messages),
		cmocka_unit_test(test_100_level_nesting_stays_bounded),
		cmocka_unit_test(
		    test_nested_encoded_messages_are_decoded_level_by_level),
		cmocka_unit_test(test_10000_tiny_parts),
		cmocka_unit_test(test_defect_names_are_distinct),
		cmocka_unit_test(test_null_callbacks_and_api_edges),
		cmocka_unit_test(
		    test_corpus_parses_identically_whole_and_byte_by_byte),
		cmocka_unit_test(
		    test_corpus_japanese_subjects_and_bodies_decode),
		cmocka_unit_test(test_corpus_structure_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
