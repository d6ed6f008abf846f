/*
 * Unit tests for extract.c: identification by content (not by name),
 * dispatch of text, HTML and mail, and every budget limit the framework
 * owns (container depth, bytes per member, ratio, members, expanded bytes,
 * time), each marking the node it cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <cmocka.h>

#include "extract_util.h"

static void
test_signatures_win_over_names(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *name;
		const char *type;
	} cases[] = {
		{ "PK\3\4rest", 9, "a.txt", "application/zip" },
		{ "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, "a.csv",
		    "application/x-ole-storage" },
		{ "%PDF-1.7\n", 9, "a.doc", "application/pdf" },
		{ "junk\n%PDF-1.4\n", 14, "x", "application/pdf" },
		{ "{\\rtf1\\ansi", 11, "a.txt", "text/rtf" },
		{ "7z\xbc\xaf\x27\x1c\0\4", 8, "a.zip",
		    "application/x-7z-compressed" },
		{ "Rar!\x1a\x07\x01\x00", 8, "a", "application/vnd.rar" },
		{ "\x1f\x8b\x08\0", 4, "a.txt", "application/gzip" },
		{ "BZh91AY", 7, "a", "application/x-bzip2" },
		{ "\xfd"
		  "7zXZ\0",
		    6, "a", "application/x-xz" },
		{ "\x28\xb5\x2f\xfd", 4, "a", "application/zstd" },
		{ "MSCF\0\0\0\0", 8, "a", "application/vnd.ms-cab-compressed" },
		{ "!!-lh5-xx", 9, "a", "application/x-lzh-compressed" },
	};
	struct xrec r;
	size_t i;

	xrec_init(&r, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = extract_identify(r.x, "text/plain",
		    cases[i].name, cases[i].bytes, cases[i].len);

		if (strcmp(t, cases[i].type) != 0)
			fail_msg("case %zu: %s, want %s", i, t, cases[i].type);
	}
	xrec_free(&r);
}

static void
test_zip_is_known_by_its_end_record_too(void **state)
{
	/* junk, then an end-of-central-directory record with a 3-byte
	   comment that reaches exactly the end */
	static const char sfx[] = "MZ junk junk PK\5\6\0\0\0\0\0\0\0\0"
				  "\0\0\0\0\0\0\0\0\3\0abc";
	static const char stray[] = "MZ junk PK\5\6 not a record at all, "
				    "just bytes that look like one";
	struct xrec r;

	xrec_init(&r, NULL);
	assert_string_equal(
	    extract_identify(r.x, NULL, "a.exe", sfx, sizeof(sfx) - 1),
	    "application/zip");
	assert_string_not_equal(
	    extract_identify(r.x, NULL, "a.exe", stray, sizeof(stray) - 1),
	    "application/zip");
	xrec_free(&r);
}

static void
test_empty_content_is_identified_as_empty(void **state)
{
	struct xrec r;

	xrec_init(&r, NULL);
	assert_null(extract_signature(NULL, 0));
	assert_string_equal(
	    extract_identify(r.x, "application/zip", "a.zip", NULL, 0),
	    "application/x-empty");
	assert_int_equal(xrec_run(&r, "empty.txt", NULL, 0), DLP_OK);
	assert_int_equal(xrec_find(&r, "empty.txt")->enc, DLP_ENC_PLAIN);
	assert_true(xrec_find(&r, "empty.txt")->done);
	xrec_free(&r);
}

static void
test_ooxml_and_odf_are_told_from_plain_zip(void **state)
{
	static const char odf[] = "PK\3\4\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
				  "\0\0\0\0\0\0\0\0mimetypeapplication/vnd."
				  "oasis.opendocument.text";
	static const char ooxml[] = "PK\3\4.......[Content_Types].xml...";
	struct xrec r;

	xrec_init(&r, NULL);
	assert_string_equal(
	    extract_identify(r.x, NULL, "x.zip", odf, sizeof(odf) - 1),
	    "application/vnd.oasis.opendocument");
	assert_string_equal(
	    extract_identify(r.x, NULL, "x.zip", ooxml, sizeof(ooxml) - 1),
	    "application/vnd.openxmlformats-officedocument");
	xrec_free(&r);
}

static void
test_text_html_mail_and_binary_are_dispatched(void **state)
{
	static const char mail[] =
	    "From: a@example.jp\r\nTo: b@outside.test\r\n"
	    "Subject: x\r\n\r\nbody\r\n";
	static const char bin[] = "\x01\x02\x00\x03\xff\xfe\x00\x00";
	struct xrec r;
	struct xnode *n;

	xrec_init(&r, NULL);
	assert_int_equal(xrec_run(&r, "a.csv", "名前,番号\n", 14), DLP_OK);
	n = xrec_find(&r, "a.csv");
	assert_string_equal(n->type, "text/csv");
	assert_string_equal(xrec_text(n), "名前,番号\n");
	assert_true(n->done);

	assert_int_equal(xrec_run(&r, "p.html", "<p>x</p>", 8), DLP_OK);
	assert_int_equal(xrec_find(&r, "p.html")->html_pieces, 1);

	assert_int_equal(xrec_run(&r, "m.eml", mail, sizeof(mail) - 1), DLP_OK);
	n = xrec_find(&r, "m.eml");
	assert_non_null(n->message);
	assert_int_equal(n->message_len, sizeof(mail) - 1);

	assert_int_equal(xrec_run(&r, "b.bin", bin, sizeof(bin) - 1), DLP_OK);
	n = xrec_find(&r, "b.bin");
	assert_int_equal(n->text.len, 0);
	assert_int_equal(n->enc, DLP_ENC_PLAIN);
	assert_true(n->done);
	xrec_free(&r);
}

/*
 * Text that libmagic names with a type of its own, not text/: JSON, SVG,
 * PostScript. Each is read as text under that type (before, they were
 * identified and passed unread: a JSON export of a roster left unscanned).
 */
static void
test_text_under_a_type_of_its_own_is_read(void **state)
{
	static const struct {
		const char *name, *data, *type;
	} cases[] = {
		{ "export.json", "{\"id\": \"3141 5926 5352\", \"ok\": true}\n",
		    "application/json" },
		{ "pic.svg",
		    "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>"
		    "3141 5926 5352</text></svg>\n",
		    "image/svg+xml" },
		{ "doc.ps", "%!PS-Adobe-3.0\n% 3141 5926 5352\n",
		    "application/postscript" },
	};
	struct xrec r;
	struct xnode *n;
	size_t i;

	xrec_init(&r, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(xrec_run(&r, cases[i].name, cases[i].data,
				     strlen(cases[i].data)),
		    DLP_OK);
		n = xrec_find(&r, cases[i].name);
		assert_string_equal(n->type, cases[i].type);
		assert_string_equal(xrec_text(n), cases[i].data);
		assert_true(n->done);
	}
	xrec_free(&r);
}

static void
test_member_limits_mark_the_member(void **state)
{
	struct dlp_limits lim;
	struct xrec r;
	struct xnode *n;
	static char big[100];
	char *huge;

	memset(big, 'a', sizeof(big));
	xrec_init(&r, NULL);
	lim = r.lim;
	xrec_free(&r);
	lim.max_container_depth = 2;
	lim.max_member_bytes = 50;
	lim.max_ratio = 10;
	xrec_init(&r, &lim);
	(void)xrec_node_new(&r, -1, "top", 0);

	assert_int_equal(
	    extract_member(r.x, 0, 2, "deep", "x", 1, 0), DLP_PARTIAL);
	n = xrec_find(&r, "top/deep");
	assert_int_equal(n->enc, DLP_ENC_NOT_INSPECTABLE);
	assert_string_equal(n->detail, "limit:depth");
	assert_true(n->done);

	assert_int_equal(
	    extract_member(r.x, 0, 0, "big", big, 51, 0), DLP_PARTIAL);
	assert_string_equal(xrec_find(&r, "top/big")->detail, "limit:size");

	/* small members compress well and are no bombs: no ratio limit */
	assert_int_equal(
	    extract_member(r.x, 0, 0, "ok.txt", big, 50, 1), DLP_OK);
	n = xrec_find(&r, "top/ok.txt");
	assert_int_equal(n->enc, DLP_ENC_PLAIN);
	assert_int_equal(n->text.len, 50);
	xrec_free(&r);

	/* past the 1 MiB floor, the ratio limit holds */
	lim.max_member_bytes = 4 * 1024 * 1024;
	xrec_init(&r, &lim);
	(void)xrec_node_new(&r, -1, "top", 0);
	huge = calloc(1, 2 * 1024 * 1024);
	assert_non_null(huge);
	assert_int_equal(
	    extract_member(r.x, 0, 0, "ratio", huge, 2 * 1024 * 1024, 1024),
	    DLP_PARTIAL);
	assert_string_equal(xrec_find(&r, "top/ratio")->detail, "limit:ratio");
	free(huge);
	xrec_free(&r);
}

static void
test_member_count_and_expanded_budget(void **state)
{
	struct dlp_limits lim;
	struct xrec r;
	unsigned count = 0, i;

	xrec_init(&r, NULL);
	lim = r.lim;
	xrec_free(&r);
	lim.max_members = 3;
	lim.max_expanded_bytes = 100;
	xrec_init(&r, &lim);
	(void)xrec_node_new(&r, -1, "top", 0);
	for (i = 0; i < 3; i++)
		assert_true(extract_count_member(r.x, 0, &count));
	assert_false(extract_count_member(r.x, 0, &count));
	assert_false(extract_count_member(r.x, 0, &count));
	assert_string_equal(r.nodes[0].detail, "limit:members");

	assert_true(extract_budget(r.x, 60));
	assert_true(extract_budget(r.x, 40));
	assert_false(extract_budget(r.x, 1));
	xrec_free(&r);
}

static void
test_opaque_member_is_marked_and_done(void **state)
{
	struct xrec r;
	struct xnode *n;

	xrec_init(&r, NULL);
	(void)xrec_node_new(&r, -1, "a.zip", 0);
	assert_int_equal(extract_member_opaque(r.x, 0, "s.xlsx", 10,
			     DLP_ENC_ENCRYPTED, "zipcrypto", true),
	    DLP_OK);
	n = xrec_find(&r, "a.zip/s.xlsx");
	assert_int_equal(n->enc, DLP_ENC_ENCRYPTED);
	assert_string_equal(n->detail, "zipcrypto");
	assert_true(n->weak);
	assert_true(n->done);
	xrec_free(&r);
}

static void
test_time_limit_marks_the_node(void **state)
{
	struct dlp_limits lim;
	struct xrec r;
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	xrec_init(&r, NULL);
	lim = r.lim;
	xrec_free(&r);
	lim.max_scan_ms = 1;
	xrec_init(&r, &lim);
	nanosleep(&ts, NULL);
	assert_int_equal(xrec_run(&r, "late.txt", "text", 4), DLP_PARTIAL);
	assert_string_equal(xrec_find(&r, "late.txt")->detail, "limit:time");
	assert_true(xrec_find(&r, "late.txt")->done);
	xrec_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signatures_win_over_names),
		cmocka_unit_test(test_zip_is_known_by_its_end_record_too),
		cmocka_unit_test(test_empty_content_is_identified_as_empty),
		cmocka_unit_test(test_ooxml_and_odf_are_told_from_plain_zip),
		cmocka_unit_test(test_text_html_mail_and_binary_are_dispatched),
		cmocka_unit_test(test_text_under_a_type_of_its_own_is_read),
		cmocka_unit_test(test_member_limits_mark_the_member),
		cmocka_unit_test(test_member_count_and_expanded_budget),
		cmocka_unit_test(test_opaque_member_is_marked_and_done),
		cmocka_unit_test(test_time_limit_marks_the_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
