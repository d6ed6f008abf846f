/*
 * test_extract_archive - extract_archive() through the recording sink
 * (extract_util.h): the external corpus's archives member by member
 * (names, encryption methods, texts, corrupt and split marks), archives
 * made here with Debian's tools (zip, 7z, tar, gzip, bzip2, xz, zstd,
 * lha, gcab; a missing tool is a failure, never a silent skip), every
 * budget limit, bombs (a 42.zip-style nest, a high-ratio stream, a
 * dictionary that would allocate gigabytes), damage, names that need
 * cleaning, and random mutations of the corpus (no crash, no hang).
 * Text is synthetic: 123456789018 stands for a My Number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "extract_util.h"
#include "zipinfo.h"

#define CORPUS	   "../shared/corpus/external/"
#define MY_NUMBER  "123456789018"
#define TOP	   "A" /* the archive's node */
#define NO_TEXT	   NULL
#define ANY_DETAIL NULL

static char tmpdir[] = "/tmp/test_extract_archive.XXXXXX";

static int
setup(void **state)
{
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* sh: a shell command in the temp dir; a failure fails the test */
static void
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n;

	n = snprintf(cmd, sizeof(cmd), "cd %s && ", tmpdir);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		print_error("failed: %s\n", cmd);
		fail();
	}
}

/* need: the Debian tools a test uses, named when missing */
static void
need(const char *tools)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
	    "for t in %s; do command -v $t >/dev/null || "
	    "{ echo \"missing tool: $t (make deps)\" >&2; exit 1; }; done",
	    tools);
	if (system(cmd) != 0)
		fail_msg("a tool this test needs is missing: %s", tools);
}

static struct dlp_limits
defaults(void)
{
	struct dlp_config *c = config_defaults();
	struct dlp_limits l;

	assert_non_null(c);
	l = c->limits;
	config_free(c);
	return l;
}

/* run: extract_archive on data as node TOP; returns its code */
static int
run(struct xrec *r, const struct dlp_limits *lim, const void *data, size_t len)
{
	long id;

	xrec_init(r, lim);
	assert_non_null(r->x);
	id = xrec_node_new(r, -1, TOP, len);
	return extract_archive(r->x, id, 0, data, len);
}

static struct xnode *pool; /* run_fast's nodes, reused */

/* free_fast: what run_fast made; the pool is kept, wiped */
static void
free_fast(struct xrec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		buf_free(&r->nodes[i].text);
		free(r->nodes[i].locs);
		free(r->nodes[i].message);
	}
	memset(pool, 0, r->n * sizeof(*pool));
	extract_free(r->x);
	memset(r, 0, sizeof(*r));
}

/*
 * run_fast: as run(), without libmagic (loading it costs more than
 * extracting a small archive: the fuzzing loop runs thousands of times;
 * our own signatures still identify nested containers)
 */
static int
run_fast(
    struct xrec *r, const struct dlp_limits *lim, const void *data, size_t len)
{
	long id;

	memset(r, 0, sizeof(*r));
	r->lim = *lim;
	if (pool == NULL)
		pool = calloc(XREC_MAX_NODES, sizeof(*pool));
	assert_non_null(pool);
	r->nodes = pool;
	r->sink = (struct extract_sink){ r, xrec_node_new, xrec_node_type,
		xrec_node_mark, xrec_node_text, xrec_node_locate,
		xrec_node_message, xrec_node_done, NULL, NULL };
	r->x = extract_new(&r->lim, &r->sink, NULL);
	assert_non_null(r->x);
	id = xrec_node_new(r, -1, TOP, len);
	return extract_archive(r->x, id, 0, data, len);
}

static unsigned char *
load(const char *path, size_t *len)
{
	unsigned char *p = xrec_read_file(path, len);

	if (p == NULL)
		fail_msg("cannot read %s (run from the project root)", path);
	return p;
}

static int
run_file(struct xrec *r, const struct dlp_limits *lim, const char *path)
{
	unsigned char *p;
	size_t len;
	int rc;

	p = load(path, &len);
	rc = run(r, lim, p, len);
	free(p);
	return rc;
}

static int
run_made(struct xrec *r, const struct dlp_limits *lim, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return run_file(r, lim, path);
}

/* node: the node at TOP "/" member; fails when there is none */
static struct xnode *
node(struct xrec *r, const char *member)
{
	char path[1024];
	struct xnode *n;
	size_t i;

	if (member == NULL)
		snprintf(path, sizeof(path), "%s", TOP);
	else
		snprintf(path, sizeof(path), "%s/%s", TOP, member);
	if ((n = xrec_find(r, path)) == NULL) {
		for (i = 0; i < r->n; i++)
			print_error("  have %s\n", r->nodes[i].path);
		fail_msg("no node %s", path);
	}
	return n;
}

/* expect: a node's state, detail (when not NULL) and text */
static void
expect(struct xrec *r, const char *member, enum dlp_encryption enc,
    const char *detail, const char *text)
{
	struct xnode *n = node(r, member);

	if (n->enc != enc || (detail != NULL && strcmp(n->detail, detail) != 0))
		print_error(
		    "%s: enc %d detail \"%s\"\n", n->path, n->enc, n->detail);
	assert_int_equal(n->enc, enc);
	if (detail != NULL)
		assert_string_equal(n->detail, detail);
	if (text != NULL && strstr(xrec_text(n), text) == NULL)
		fail_msg(
		    "%s: no \"%s\" in \"%.200s\"", n->path, text, xrec_text(n));
	if (member != NULL)
		assert_true(n->done);
}

static size_t
count_children(struct xrec *r)
{
	size_t i, k = 0;

	for (i = 0; i < r->n; i++)
		k += r->nodes[i].parent == 0;
	return k;
}

/* Corpus */

struct member {
	const char *name;
	enum dlp_encryption enc;
	const char *detail; /* method or reason; NULL: any */
	bool weak;
	const char *text; /* NULL: not checked */
};

/* a member without a text to check; MW: weak too */
#define M(n, e, d)                   \
	{                            \
		n, e, d, false, NULL \
	}
#define MW(n, e, d)                 \
	{                           \
		n, e, d, true, NULL \
	}

static const struct corpus_case {
	const char *file;
	int rc;
	enum dlp_encryption top; /* the archive node */
	const char *top_detail;
	size_t children; /* direct members with a node */
	struct member m[7];
} corpus_cases[] = {
	{ "libarchive/test_read_format_zip_traditional_encryption_data.zip",
	    DLP_OK, DLP_ENC_PLAIN, "", 2,
	    { MW("bar.txt", DLP_ENC_ENCRYPTED, "zipcrypto"),
		MW("foo.txt", DLP_ENC_ENCRYPTED, "zipcrypto") } },
	{ "libarchive/test_option_passphrase.zip", DLP_OK, DLP_ENC_PLAIN, "", 2,
	    { MW("file1", DLP_ENC_ENCRYPTED, "zipcrypto"),
		MW("file2", DLP_ENC_ENCRYPTED, "zipcrypto") } },
	{ "libarchive/test_read_format_zip_encryption_data.zip", DLP_OK,
	    DLP_ENC_PLAIN, "", 2,
	    { M("bar.txt", DLP_ENC_ENCRYPTED, "pkware-ses-aes-256"),
		M("foo.txt", DLP_ENC_ENCRYPTED, "pkware-ses-aes-256") } },
	{ "libarchive/test_read_format_zip_encryption_header.zip", DLP_OK,
	    DLP_ENC_ENCRYPTED, "pkware-ses-aes-256-headers", 0, { { 0 } } },
	{ "libarchive/test_read_format_zip_encryption_partially.zip", DLP_OK,
	    DLP_ENC_PLAIN, "", 2,
	    { { "bar.txt", DLP_ENC_PLAIN, "", false, "data of bar.txt" },
		M("foo.txt", DLP_ENC_ENCRYPTED, "pkware-ses-aes-256") } },
	{ "libarchive/test_read_format_zip_winzip_aes128.zip", DLP_OK,
	    DLP_ENC_PLAIN, "", 1,
	    { M("README", DLP_ENC_ENCRYPTED, "winzip-aes-128") } },
	{ "libarchive/test_read_format_zip_winzip_aes256_large_zstd.zip",
	    DLP_OK, DLP_ENC_PLAIN, "", 4,
	    { M("config.h", DLP_ENC_ENCRYPTED, "winzip-aes-256"),
		M("Makefile", DLP_ENC_ENCRYPTED, "winzip-aes-256"),
		M("NEWS", DLP_ENC_ENCRYPTED, "winzip-aes-256"),
		M("README", DLP_ENC_ENCRYPTED, "winzip-aes-256") } },
	{ "libarchive/test_read_format_zip_ppmd8_aes256_streaming.zipx", DLP_OK,
	    DLP_ENC_PLAIN, "", 1,
	    { M("encrypted_file.txt", DLP_ENC_ENCRYPTED, "winzip-aes-256") } },
	{ "libarchive/test_encrypted.zip", DLP_OK, DLP_ENC_PLAIN, "", 1,
	    { M("encrypted/file.txt", DLP_ENC_ENCRYPTED, "winzip-aes-256") } },
	{ "libarchive/test_read_format_zip_nested.zip", DLP_OK, DLP_ENC_PLAIN,
	    "", 2,
	    { M("small.zip", DLP_ENC_PLAIN, ""),
		{ "small.zip/another_file.txt", DLP_ENC_PLAIN, "", false,
		    "Only this file is displayed." },
		{ "file.txt", DLP_ENC_PLAIN, "", false,
		    "The zip archive metadata" } } },
	{ "libarchive/test_read_format_zip.zip", DLP_OK, DLP_ENC_PLAIN, "", 2,
	    { { "file1", DLP_ENC_PLAIN, "", false, "hello" } } },
	{ "libarchive/test_read_format_zip_filename_cp932.zip", DLP_OK,
	    DLP_ENC_PLAIN, "", 2,
	    { M("表だよ/一覧表.txt", DLP_ENC_PLAIN, ""),
		{ "表だよ/漢字.txt", DLP_ENC_PLAIN, "", false, "kanji" } } },
	{ "libarchive/test_read_format_zip_filename_utf8_jp.zip", DLP_OK,
	    DLP_ENC_PLAIN, "", 2,
	    { { "表だよ/一覧表.txt", DLP_ENC_PLAIN, "", false, "Hello" },
		M("表だよ/漢字.txt", DLP_ENC_PLAIN, "") } },
	/* no central directory: corrupt, whatever its one member says */
	{ "libarchive/test_read_format_zip_malformed1.zip", DLP_EINPUT,
	    DLP_ENC_NOT_INSPECTABLE, "corrupt", 1,
	    { M("0000", DLP_ENC_NOT_INSPECTABLE, "limit:size") } },
	{ "libarchive/test_read_format_zip_with_invalid_traditional_eocd.zip",
	    DLP_OK, DLP_ENC_PLAIN, "", 2,
	    { M("test1.txt", DLP_ENC_PLAIN, ""),
		M("test2.txt", DLP_ENC_PLAIN, "") } },
	{ "libarchive/test_read_format_zip_zip64a.zip", DLP_OK, DLP_ENC_PLAIN,
	    "", 1, { { "-", DLP_ENC_PLAIN, "", false, "file0" } } },
	{ "libarchive/test_read_format_zip_high_compression.zip", DLP_PARTIAL,
	    DLP_ENC_PLAIN, "", 1,
	    { M("char.bin", DLP_ENC_NOT_INSPECTABLE, "limit:ratio") } },
	{ "libarchive/test_read_format_zip_size_exceeds_declared_deflate.zip",
	    DLP_PARTIAL, DLP_ENC_PLAIN, "", 2,
	    { M("first", DLP_ENC_NOT_INSPECTABLE, "limit:ratio"),
		M("second", DLP_ENC_PLAIN, "") } },
	{ "libarchive/test_read_format_zip_lzma.zipx", DLP_OK, DLP_ENC_PLAIN,
	    "", 1,
	    { { "vimrc", DLP_ENC_PLAIN, "", false,
		"All system-wide defaults" } } },
	{ "libarchive/test_read_format_zip_bzip2.zipx", DLP_OK, DLP_ENC_PLAIN,
	    "", 1,
	    { { "vimrc", DLP_ENC_PLAIN, "", false,
		"All system-wide defaults" } } },
	{ "libarchive/test_read_format_zip_zstd.zipx", DLP_OK, DLP_ENC_PLAIN,
	    "", 1,
	    { { "vimrc", DLP_ENC_PLAIN, "", false,
		"All system-wide defaults" } } },
	{ "libarchive/test_read_format_7zip_encryption.7z", DLP_OK,
	    DLP_ENC_PLAIN, "", 1,
	    { M("bar.txt", DLP_ENC_ENCRYPTED, "7z-aes") } },
	{ "libarchive/test_read_format_7zip_encryption_header.7z", DLP_OK,
	    DLP_ENC_ENCRYPTED, "7z-aes-headers", 0, { { 0 } } },
	{ "libarchive/test_read_format_7zip_encryption_partially.7z", DLP_OK,
	    DLP_ENC_PLAIN, "", 2,
	    { { "bar_unencrypted.txt", DLP_ENC_PLAIN, "", false, "foo" },
		M("bar_encrypted.txt", DLP_ENC_ENCRYPTED, "7z-aes") } },
	{ "libarchive/test_read_format_7zip_copy.7z", DLP_OK, DLP_ENC_PLAIN, "",
	    1, { { "file1", DLP_ENC_PLAIN, "", false, "file 1 contents" } } },
	{ "libarchive/test_read_format_7zip_lzma2.7z", DLP_OK, DLP_ENC_PLAIN,
	    "", 1,
	    { { "file1", DLP_ENC_PLAIN, "", false, "Copyright by Tim" } } },
	{ "libarchive/test_read_format_7zip_empty_archive.7z", DLP_OK,
	    DLP_ENC_PLAIN, "", 0, { { 0 } } },
	{ "libarchive/test_read_format_7zip_malformed.7z", DLP_EINPUT,
	    DLP_ENC_PLAIN, "", 0, { { 0 } } },
	{ "libarchive/test_read_format_7zip_malformed2.7z", DLP_EINPUT,
	    DLP_ENC_PLAIN, "", 0, { { 0 } } },
	{ "libarchive/test_read_format_rar4_encrypted.rar", DLP_OK,
	    DLP_ENC_PLAIN, "", 4,
	    { { "a.txt", DLP_ENC_PLAIN, "", false, "This is from a.txt" },
		M("b.txt", DLP_ENC_ENCRYPTED, "rar4"),
		{ "c.txt", DLP_ENC_PLAIN, "", false, "This is from c.txt" },
		M("d.txt", DLP_ENC_ENCRYPTED, "rar4") } },
	{ "libarchive/test_read_format_rar4_encrypted_filenames.rar", DLP_OK,
	    DLP_ENC_ENCRYPTED, "rar4-headers", 0, { { 0 } } },
	/* libarchive gives up after the first member of a solid archive
	   whose data it cannot skip; rarinfo names the other three */
	{ "libarchive/test_read_format_rar4_solid_encrypted.rar", DLP_OK,
	    DLP_ENC_PLAIN, "", 4,
	    { M("a.txt", DLP_ENC_ENCRYPTED, "rar4"),
		M("b.txt", DLP_ENC_ENCRYPTED, "rar4"),
		M("c.txt", DLP_ENC_ENCRYPTED, "rar4"),
		M("d.txt", DLP_ENC_ENCRYPTED, "rar4") } },
	/* libarchive 3.6.2 does not see RAR5 encryption at all */
	{ "libarchive/test_read_format_rar5_encrypted.rar", DLP_OK,
	    DLP_ENC_PLAIN, "", 4,
	    { { "a.txt", DLP_ENC_PLAIN, "", false, "This is from a.txt" },
		M("b.txt", DLP_ENC_ENCRYPTED, "rar5"),
		{ "c.txt", DLP_ENC_PLAIN, "", false, "This is from c.txt" },
		M("d.txt", DLP_ENC_ENCRYPTED, "rar5") } },
	{ "libarchive/test_read_format_rar5_encrypted_filenames.rar", DLP_OK,
	    DLP_ENC_ENCRYPTED, "rar5-headers", 0, { { 0 } } },
	{ "libarchive/test_read_format_rar5_solid_encrypted.rar", DLP_OK,
	    DLP_ENC_PLAIN, "", 4,
	    { M("a.txt", DLP_ENC_ENCRYPTED, "rar5"),
		M("d.txt", DLP_ENC_ENCRYPTED, "rar5") } },
	{ "libarchive/test_read_format_rar_encryption_data.rar", DLP_OK,
	    DLP_ENC_PLAIN, "", 2,
	    { M("foo.txt", DLP_ENC_ENCRYPTED, "rar4"),
		M("bar.txt", DLP_ENC_ENCRYPTED, "rar4") } },
	{ "libarchive/test_read_format_rar_encryption_header.rar", DLP_OK,
	    DLP_ENC_ENCRYPTED, "rar4-headers", 0, { { 0 } } },
	{ "libarchive/test_read_format_rar_encryption_partially.rar", DLP_OK,
	    DLP_ENC_PLAIN, "", 2,
	    { M("foo.txt", DLP_ENC_ENCRYPTED, "rar4"),
		M("bar.txt", DLP_ENC_PLAIN, "") } },
	{ "libarchive/test_read_format_rar5_stored.rar", DLP_OK, DLP_ENC_PLAIN,
	    "", 1,
	    { { "helloworld.txt", DLP_ENC_PLAIN, "", false,
		"hello libarchive test suite!" } } },
	/* a RAR5 that starts with a stored ZIP is a RAR (issue 2249) */
	{ "libarchive/test_read_format_rar5_zip_in_rar.rar", DLP_OK,
	    DLP_ENC_PLAIN, "", 2,
	    { M("payload/inner.zip", DLP_ENC_PLAIN, ""),
		{ "payload/inner.zip/THIS_IS_INSIDE_THE_ZIP.txt", DLP_ENC_PLAIN,
		    "", false, "inner content" },
		{ "payload/real_after.txt", DLP_ENC_PLAIN, "", false,
		    "i am a real rar entry" } } },
	{ "libarchive/test_read_format_rar_unicode.rar", DLP_OK, DLP_ENC_PLAIN,
	    "", 3,
	    { { "表だよ/漢字長いファイル名long-filename-in-漢字.txt",
		  DLP_ENC_PLAIN, "", false, "kanji" },
		M("表だよ/新しいフォルダ/新規テキスト ドキュメント.txt",
		    DLP_ENC_PLAIN, ""),
		M("abcdefghijklmnopqrsテスト.txt", DLP_ENC_PLAIN, "") } },
	{ "libarchive/test_read_format_rar5_only_crypt_exfld.rar", DLP_OK,
	    DLP_ENC_PLAIN, "", 1,
	    { M("file.txt", DLP_ENC_ENCRYPTED, "rar5") } },
	{ "libarchive/test_read_format_rar_invalid1.rar", DLP_EINPUT,
	    DLP_ENC_PLAIN, "", 1, { M("test", DLP_ENC_PLAIN, "") } },
	{ "libarchive/test_compat_gzip_1.tgz", DLP_OK, DLP_ENC_PLAIN, "", 6,
	    { M("f1", DLP_ENC_PLAIN, ""), M("d1/f3", DLP_ENC_PLAIN, "") } },
	{ "clamav/v1rusv1rus.7z.zip", DLP_OK, DLP_ENC_PLAIN, "", 1,
	    { { "v1rusv1rus.7z/virusvirus.txt", DLP_ENC_PLAIN, "", false,
		"v1rusv1rus" } } },
	{ "clamav/testfile.txt.zst", DLP_OK, DLP_ENC_PLAIN, "", 1,
	    { { "data", DLP_ENC_PLAIN, "", false,
		"ZSTD_TEST_PAYLOAD_FOR_CLAMAV" } } },
	/* the first part of a split zip: its directory is elsewhere */
	{ "clamav/logos.z01", DLP_PARTIAL, DLP_ENC_NOT_INSPECTABLE,
	    "split-archive", 0, { { 0 } } },
	/* the last part: the directory names every member, none is read */
	{ "clamav/logos.zip", DLP_PARTIAL, DLP_ENC_NOT_INSPECTABLE,
	    "split-archive", 4,
	    { M("logos/logo.3.png", DLP_ENC_NOT_INSPECTABLE, "split-archive"),
		M("logos/logo.1.png", DLP_ENC_NOT_INSPECTABLE,
		    "split-archive") } },
	{ "mikel-mail/test.zip", DLP_OK, DLP_ENC_PLAIN, "", 2,
	    { M("test.pdf", DLP_ENC_PLAIN, ""),
		M("__MACOSX/._test.pdf", DLP_ENC_PLAIN, "") } },
};

static void
test_corpus_archives_come_out_member_by_member(void **state)
{
	const struct corpus_case *c;
	const struct member *m;
	char path[512];
	struct xrec r;
	size_t i, k;
	int rc;

	for (i = 0; i < sizeof(corpus_cases) / sizeof(corpus_cases[0]); i++) {
		c = &corpus_cases[i];
		snprintf(path, sizeof(path), CORPUS "%s", c->file);
		rc = run_file(&r, NULL, path);
		if (rc != c->rc || count_children(&r) != c->children) {
			print_error("%s: rc %d children %zu\n", c->file, rc,
			    count_children(&r));
			for (k = 0; k < r.n; k++)
				print_error("  %s %d %s\n", r.nodes[k].path,
				    r.nodes[k].enc, r.nodes[k].detail);
		}
		assert_int_equal(rc, c->rc);
		assert_int_equal(count_children(&r), c->children);
		expect(&r, NULL, c->top, c->top_detail, NO_TEXT);
		for (k = 0; k < sizeof(c->m) / sizeof(c->m[0]); k++) {
			m = &c->m[k];
			if (m->name == NULL)
				break;
			expect(&r, m->name, m->enc, m->detail, m->text);
			assert_int_equal(node(&r, m->name)->weak, m->weak);
		}
		xrec_free(&r);
	}
}

static void
test_gzip_that_nests_itself_ends_without_hanging(void **state)
{
	struct timespec t0, t1;
	struct xrec r;
	size_t i;
	bool cut = false;
	int rc;

	/* libarchive 3.6.2 alone uses gigabytes on this file */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = run_file(
	    &r, NULL, CORPUS "libarchive/test_read_filter_gzip_recursive.gz");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(rc == DLP_OK || rc == DLP_PARTIAL || rc == DLP_EINPUT);
	assert_true(t1.tv_sec - t0.tv_sec < 20);
	for (i = 0; i < r.n; i++)
		cut |= r.nodes[i].enc == DLP_ENC_NOT_INSPECTABLE;
	assert_true(cut); /* corrupt or a limit somewhere: never all clean */
	xrec_free(&r);
}

/*
 * gzip in gzip, each level under max_ratio (200): 2,372 bytes unpack to
 * 12,502 (5x), which unpack to 1.6 MB (128x). Together 679x the part
 * they came in: the inner member is cut limit:ratio (and so the stream
 * it was in), measured against the part, not left to grow until
 * limit:size (a 293-byte file of seven such levels reached 64 MB). With
 * max_ratio raised to let it by, it is read.
 */
static void
test_nested_levels_multiply_to_the_ratio(void **state)
{
	struct dlp_limits lim = defaults();
	unsigned char *gz;
	char path[512];
	struct xrec r;
	size_t len;

	need("gzip awk");
	sh("awk 'BEGIN { s = sprintf(\"%%600s\", \"\"); gsub(/ /, \"0\", s); "
	   "for (i = 0; i < 2687; i++) print i s }' > d.txt && "
	   "gzip -n -c d.txt > d1 && gzip -n -c d1 > d2.gz");
	snprintf(path, sizeof(path), "%s/d2.gz", tmpdir);
	gz = load(path, &len);
	/* as a MIME part: extract_node() at depth 0 knows the part */
	xrec_init(&r, &lim);
	assert_int_equal(xrec_run(&r, TOP, gz, len), DLP_PARTIAL);
	/* the stream cut inside its one member is cut too */
	expect(&r, "data", DLP_ENC_NOT_INSPECTABLE, "limit:ratio", NULL);
	expect(&r, "data/data", DLP_ENC_NOT_INSPECTABLE, "limit:ratio", NULL);
	xrec_free(&r);

	lim.max_ratio = 1000;
	xrec_init(&r, &lim);
	assert_int_equal(xrec_run(&r, TOP, gz, len), DLP_OK);
	expect(&r, "data/data", DLP_ENC_PLAIN, "", "\n2686000000");
	xrec_free(&r);
	free(gz);
}

/* Made with Debian's tools */

static void
write_texts(void)
{
	sh("printf '氏名\\t個人番号\\n山田太郎\\t%s\\n' > roster.txt && "
	   "printf 'nothing here\\n' > plain.txt && "
	   "printf 'secret %s\\n' > secret.txt",
	    MY_NUMBER, MY_NUMBER);
}

static void
test_zip_with_zipcrypto_and_a_plain_member_beside(void **state)
{
	struct xrec r;

	need("zip");
	write_texts();
	sh("rm -f mix.zip && zip -q -P pw mix.zip secret.txt && "
	   "zip -q mix.zip roster.txt");
	assert_int_equal(run_made(&r, NULL, "mix.zip"), DLP_OK);
	expect(&r, "secret.txt", DLP_ENC_ENCRYPTED, "zipcrypto", NO_TEXT);
	assert_true(node(&r, "secret.txt")->weak);
	assert_int_equal(xrec_text(node(&r, "secret.txt"))[0], '\0');
	expect(&r, "roster.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	xrec_free(&r);
}

static void
test_zip_made_by_7z_with_aes256(void **state)
{
	struct xrec r;

	need("7z");
	write_texts();
	sh("rm -f aes.zip && 7z a -bd -tzip -ppw -mem=AES256 aes.zip "
	   "roster.txt >/dev/null && 7z a -bd -tzip -ppw -mem=AES128 "
	   "aes128.zip roster.txt >/dev/null");
	assert_int_equal(run_made(&r, NULL, "aes.zip"), DLP_OK);
	expect(&r, "roster.txt", DLP_ENC_ENCRYPTED, "winzip-aes-256", NO_TEXT);
	assert_false(node(&r, "roster.txt")->weak);
	xrec_free(&r);
	assert_int_equal(run_made(&r, NULL, "aes128.zip"), DLP_OK);
	expect(&r, "roster.txt", DLP_ENC_ENCRYPTED, "winzip-aes-128", NO_TEXT);
	xrec_free(&r);
}

static void
test_7z_data_encryption_header_encryption_and_plain(void **state)
{
	struct xrec r;

	need("7z");
	write_texts();
	sh("mkdir -p many && for i in $(seq 1 20); do echo \"n $i\" > "
	   "many/f$i.txt; done && cp roster.txt many/ && "
	   "rm -f d.7z h.7z p.7z && "
	   "7z a -bd -ppw d.7z many >/dev/null && "
	   "7z a -bd -ppw -mhe=on h.7z many >/dev/null && "
	   "7z a -bd p.7z many >/dev/null");
	/* packed header, unpacked by us: every member is named */
	assert_int_equal(run_made(&r, NULL, "d.7z"), DLP_OK);
	expect(&r, "many/roster.txt", DLP_ENC_ENCRYPTED, "7z-aes", NO_TEXT);
	expect(&r, "many/f20.txt", DLP_ENC_ENCRYPTED, "7z-aes", NO_TEXT);
	assert_int_equal(count_children(&r), 21);
	xrec_free(&r);
	assert_int_equal(run_made(&r, NULL, "h.7z"), DLP_OK);
	expect(&r, NULL, DLP_ENC_ENCRYPTED, "7z-aes-headers", NO_TEXT);
	assert_int_equal(count_children(&r), 0);
	xrec_free(&r);
	assert_int_equal(run_made(&r, NULL, "p.7z"), DLP_OK);
	expect(&r, "many/roster.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	expect(&r, "many/f7.txt", DLP_ENC_PLAIN, "", "n 7");
	xrec_free(&r);
}

static void
test_7z_mixed_members_after_an_encrypted_one_are_all_told(void **state)
{
	struct xrec r;

	need("7z");
	write_texts();
	/* libarchive cannot skip the encrypted folder: what comes after
	   it must still be accounted for, never silently dropped */
	sh("rm -f mixed.7z && 7z a -bd -ppw mixed.7z secret.txt >/dev/null "
	   "&& 7z a -bd mixed.7z roster.txt plain.txt >/dev/null");
	(void)run_made(&r, NULL, "mixed.7z");
	expect(&r, "secret.txt", DLP_ENC_ENCRYPTED, "7z-aes", NO_TEXT);
	if (xrec_find(&r, TOP "/roster.txt") != NULL &&
	    node(&r, "roster.txt")->enc == DLP_ENC_PLAIN)
		expect(&r, "roster.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	else /* not read: then it is not inspectable, and so is the 7z */
		assert_true(
		    node(&r, "roster.txt")->enc == DLP_ENC_NOT_INSPECTABLE ||
		    node(&r, NULL)->enc == DLP_ENC_NOT_INSPECTABLE);
	xrec_free(&r);
}

static void
test_tar_and_single_file_compressors(void **state)
{
	static const struct {
		const char *make; /* shell, in the temp dir */
		const char *file;
		const char *member;
	} cases[] = {
		{ "tar czf t.tgz roster.txt plain.txt", "t.tgz", "roster.txt" },
		{ "tar cjf t.tbz roster.txt", "t.tbz", "roster.txt" },
		{ "tar cJf t.txz roster.txt", "t.txz", "roster.txt" },
		{ "tar cf t.tar roster.txt && zstd -q -f t.tar -o t.tar.zst",
		    "t.tar.zst", "roster.txt" },
		{ "tar cf plain.tar roster.txt", "plain.tar", "roster.txt" },
		/* gzip keeps the original name; the others do not */
		{ "gzip -c -N roster.txt > r.gz", "r.gz", "roster.txt" },
		{ "bzip2 -c roster.txt > r.bz2", "r.bz2", "data" },
		{ "xz -c roster.txt > r.xz", "r.xz", "data" },
		{ "zstd -q -c roster.txt > r.zst", "r.zst", "data" },
		/* a compressed tar inside a compressed file: one layer each */
		{ "tar czf in.tgz roster.txt && gzip -c -N in.tgz > in.tgz.gz",
		    "in.tgz.gz", "in.tgz/roster.txt" },
	};
	struct xrec r;
	size_t i;
	int rc;

	need("tar gzip bzip2 xz zstd");
	write_texts();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sh("%s", cases[i].make);
		rc = run_made(&r, NULL, cases[i].file);
		if (rc != DLP_OK)
			print_error("%s: rc %d\n", cases[i].file, rc);
		assert_int_equal(rc, DLP_OK);
		expect(&r, cases[i].member, DLP_ENC_PLAIN, "", MY_NUMBER);
		xrec_free(&r);
	}
}

/*
 * compress (.Z): libarchive 3.6.2 reads a .Z stream's header as soon as
 * its filter is set up, so appended before the open it read from no
 * stream at all and crashed (found by tests/fuzz/fuzz_archive; its input
 * is tests/fuzz/regress/archive/compress-filter-appended-before-open).
 * A .Z made here (LZW with 9-bit literal codes only, which every
 * decoder reads) must come out as its one member, text and all.
 */
static void
test_compress_z_is_read(void **state)
{
	static const char text[] = "氏名\t個人番号\n山田太郎\t" MY_NUMBER "\n";
	unsigned char z[128] = { 0x1f, 0x9d, 0x90 }; /* block mode, 16 bits */
	size_t len = 3, i, bits = 0;
	unsigned long acc = 0;
	struct xrec r;
	long member = -1;

	for (i = 0; i < sizeof(text) - 1; i++) {
		acc |= (unsigned long)(unsigned char)text[i] << bits;
		for (bits += 9; bits >= 8; bits -= 8, acc >>= 8)
			z[len++] = (unsigned char)acc;
	}
	if (bits > 0)
		z[len++] = (unsigned char)acc;
	assert_int_equal(run(&r, NULL, z, len), DLP_OK);
	for (i = 1; i < r.n; i++)
		if (r.nodes[i].parent == 0)
			member = (long)i;
	assert_true(member > 0);
	assert_int_equal(r.nodes[member].enc, DLP_ENC_PLAIN);
	assert_non_null(strstr(xrec_text(&r.nodes[member]), MY_NUMBER));
	xrec_free(&r);
}

/*
 * A compressed file that stores no name is named after itself, as
 * extract_node() was told it: "名簿.csv.gz" holds "名簿.csv".
 */
static void
test_unnamed_compressed_content_is_named_after_its_file(void **state)
{
	static const struct {
		const char *make; /* shell, in the temp dir */
		const char *file;
		const char *member; /* the content's path */
	} cases[] = {
		{ "gzip -n -c roster.txt > 名簿.csv.gz", "名簿.csv.gz",
		    "名簿.csv.gz/名簿.csv" },
		{ "gzip -n -c roster.txt > r.GZIP", "r.GZIP", "r.GZIP/r" },
		{ "bzip2 -c roster.txt > 名簿.csv.bz2", "名簿.csv.bz2",
		    "名簿.csv.bz2/名簿.csv" },
		{ "xz -c roster.txt > r.txt.xz", "r.txt.xz", "r.txt.xz/r.txt" },
		{ "zstd -q -c roster.txt > r.txt.zst", "r.txt.zst",
		    "r.txt.zst/r.txt" },
		/* a .tgz that is not a tar after all */
		{ "gzip -n -c roster.txt > odd.tgz", "odd.tgz",
		    "odd.tgz/odd.tar" },
		/* the stored name wins */
		{ "gzip -N -c roster.txt > other.gz", "other.gz",
		    "other.gz/roster.txt" },
		/* no suffix to take off: "data" */
		{ "gzip -n -c roster.txt > blob", "blob", "blob/data" },
		{ "gzip -n -c roster.txt > .gz", ".gz", ".gz/data" },
	};
	char path[512];
	unsigned char *p;
	struct xnode *n;
	struct xrec r;
	size_t i, len;

	need("gzip bzip2 xz zstd");
	write_texts();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sh("%s", cases[i].make);
		snprintf(path, sizeof(path), "%s/%s", tmpdir, cases[i].file);
		p = load(path, &len);
		xrec_init(&r, NULL);
		assert_int_equal(xrec_run(&r, cases[i].file, p, len), DLP_OK);
		if ((n = xrec_find(&r, cases[i].member)) == NULL)
			print_error(
			    "%s: no %s\n", cases[i].file, cases[i].member);
		assert_non_null(n);
		assert_non_null(strstr(xrec_text(n), MY_NUMBER));
		xrec_free(&r);
		free(p);
	}
}

static void
test_lzh_and_cab(void **state)
{
	struct xrec r;

	/* Debian's lha (lhasa) only extracts: the LZH is written here, a
	   level 0 header with a stored (-lh0-) member and its CRC-16 */
	need("python3 gcab");
	write_texts();
	sh("python3 -c \"import struct\n"
	   "d = open('roster.txt', 'rb').read()\n"
	   "def crc16(b):\n"
	   "    c = 0\n"
	   "    for x in b:\n"
	   "        c ^= x\n"
	   "        for _ in range(8): c = (c >> 1) ^ (0xa001 if c & 1 else "
	   "0)\n"
	   "    return c\n"
	   "n = b'roster.txt'\n"
	   "h = b'-lh0-' + struct.pack('<IIIBBB', len(d), len(d), 0, 0x20, 0, "
	   "len(n)) + n + struct.pack('<H', crc16(d))\n"
	   "open('r.lzh', 'wb').write(bytes([len(h), sum(h) & 0xff]) + h + d + "
	   "b'\\\\0')\" && rm -f r.cab && gcab -c -z r.cab roster.txt");
	assert_int_equal(run_made(&r, NULL, "r.lzh"), DLP_OK);
	expect(&r, "roster.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	xrec_free(&r);
	assert_int_equal(run_made(&r, NULL, "r.cab"), DLP_OK);
	expect(&r, "roster.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	xrec_free(&r);
}

static void
test_zip_in_zip_and_mail_in_zip(void **state)
{
	struct xrec r;
	struct xnode *n;

	need("zip");
	write_texts();
	sh("printf 'From: a@example.jp\\r\\nTo: b@example.jp\\r\\n"
	   "Subject: roster\\r\\n\\r\\n%s\\r\\n' > fwd.eml && "
	   "rm -f inner.zip outer.zip && zip -q inner.zip roster.txt fwd.eml "
	   "&& zip -q outer.zip inner.zip plain.txt",
	    MY_NUMBER);
	assert_int_equal(run_made(&r, NULL, "outer.zip"), DLP_OK);
	expect(&r, "inner.zip/roster.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	expect(&r, "plain.txt", DLP_ENC_PLAIN, "", "nothing here");
	n = node(&r, "inner.zip/fwd.eml");
	assert_string_equal(n->type, "message/rfc822");
	assert_non_null(n->message);
	assert_non_null(strstr(n->message, MY_NUMBER));
	xrec_free(&r);
}

static void
test_member_names_are_cleaned(void **state)
{
	struct xrec r;

	need("python3");
	sh("python3 -c \"import tarfile, io\n"
	   "t = tarfile.open('names.tar', 'w', format=tarfile.GNU_FORMAT)\n"
	   "for n in ['/abs/a.txt', './dot.txt', 'ctl\\x01\\x7fx.txt', "
	   "'x' * 600]:\n"
	   "    i = tarfile.TarInfo(n); d = b'%s'; i.size = len(d)\n"
	   "    t.addfile(i, io.BytesIO(d))\n"
	   "t.close()\"",
	    MY_NUMBER);
	assert_int_equal(run_made(&r, NULL, "names.tar"), DLP_OK);
	expect(&r, "abs/a.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	expect(&r, "dot.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	expect(&r, "ctl__x.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	/* 600 bytes of name: cut at 512 */
	assert_int_equal(strlen(r.nodes[4].path), strlen(TOP "/") + 512);
	xrec_free(&r);
}

/* Limits */

static void
test_limits_mark_members_and_containers(void **state)
{
	struct dlp_limits lim = defaults();
	struct xrec r;

	need("zip");
	write_texts();
	sh("rm -f five.zip && for i in 1 2 3 4 5; do cp roster.txt m$i.txt; "
	   "done && zip -q five.zip m1.txt m2.txt m3.txt m4.txt m5.txt");

	/* members: the container says so, the first ones are read */
	lim.max_members = 3;
	assert_int_equal(run_made(&r, &lim, "five.zip"), DLP_PARTIAL);
	expect(&r, NULL, DLP_ENC_NOT_INSPECTABLE, "limit:members", NO_TEXT);
	expect(&r, "m3.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	assert_null(xrec_find(&r, TOP "/m4.txt"));
	xrec_free(&r);

	/* bytes per member, declared */
	lim = defaults();
	lim.max_member_bytes = 10;
	assert_int_equal(run_made(&r, &lim, "five.zip"), DLP_PARTIAL);
	expect(&r, "m1.txt", DLP_ENC_NOT_INSPECTABLE, "limit:size", NO_TEXT);
	xrec_free(&r);

	/* expanded bytes of the message: the rest is not read */
	lim = defaults();
	lim.max_expanded_bytes = 60; /* one roster.txt, not two */
	assert_int_equal(run_made(&r, &lim, "five.zip"), DLP_PARTIAL);
	expect(&r, NULL, DLP_ENC_NOT_INSPECTABLE, "limit:expanded", NO_TEXT);
	expect(
	    &r, "m2.txt", DLP_ENC_NOT_INSPECTABLE, "limit:expanded", NO_TEXT);
	assert_null(xrec_find(&r, TOP "/m3.txt"));
	xrec_free(&r);

	/* time */
	lim = defaults();
	lim.max_scan_ms = 0;
	assert_int_equal(run_made(&r, &lim, "five.zip"), DLP_PARTIAL);
	expect(&r, NULL, DLP_ENC_NOT_INSPECTABLE, "limit:time", NO_TEXT);
	xrec_free(&r);
}

static void
test_depth_limit_stops_before_reading(void **state)
{
	struct dlp_limits lim = defaults();
	struct xrec r;

	/* zip(small.zip(another_file.txt)): depth 1 allows one level */
	lim.max_container_depth = 1;
	assert_int_equal(
	    run_file(
		&r, &lim, CORPUS "libarchive/test_read_format_zip_nested.zip"),
	    DLP_PARTIAL); /* a member was cut: the tree is partial */
	expect(&r, "file.txt", DLP_ENC_PLAIN, "", "metadata");
	expect(
	    &r, "small.zip", DLP_ENC_NOT_INSPECTABLE, "limit:depth", NO_TEXT);
	assert_null(xrec_find(&r, TOP "/small.zip/another_file.txt"));
	xrec_free(&r);

	/* a container already at the limit reads nothing */
	lim.max_container_depth = 0;
	assert_int_equal(
	    run_file(
		&r, &lim, CORPUS "libarchive/test_read_format_zip_nested.zip"),
	    DLP_PARTIAL);
	expect(&r, NULL, DLP_ENC_NOT_INSPECTABLE, "limit:depth", NO_TEXT);
	assert_int_equal(count_children(&r), 0);
	xrec_free(&r);
}

static void
test_nested_bomb_ends_quickly_and_small(void **state)
{
	struct timespec t0, t1;
	struct xrec r;
	size_t i, cut = 0;
	int rc;

	need("python3");
	/* 42.zip's shape: 64 MiB of zeros, 16 copies per level, 4 levels
	   (16^4 * 64 MiB = 4 TiB unpacked) */
	sh("python3 -c \"import zipfile, io\n"
	   "z = io.BytesIO()\n"
	   "with zipfile.ZipFile(z, 'w', zipfile.ZIP_DEFLATED) as f:\n"
	   "    with f.open('0.bin', 'w') as w:\n"
	   "        for i in range(64): w.write(bytes(1 << 20))\n"
	   "d = z.getvalue()\n"
	   "for l in range(4):\n"
	   "    z = io.BytesIO()\n"
	   "    with zipfile.ZipFile(z, 'w', zipfile.ZIP_DEFLATED) as f:\n"
	   "        for i in range(16): f.writestr('%%d-%%d.zip' %% (l, i), "
	   "d)\n"
	   "    d = z.getvalue()\n"
	   "open('42.zip', 'wb').write(d)\"");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = run_made(&r, NULL, "42.zip");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(rc, DLP_PARTIAL);
	assert_true(t1.tv_sec - t0.tv_sec < 10);
	/* every refused member is charged: a few thousand nodes at most,
	   not 16^4 */
	assert_true(r.n < 5000);
	for (i = 0; i < r.n; i++) {
		if (r.nodes[i].enc == DLP_ENC_NOT_INSPECTABLE) {
			cut++;
			assert_true(
			    strncmp(r.nodes[i].detail, "limit:", 6) == 0);
		}
		/* nothing was ever read as plain zeros */
		assert_false(strcmp(r.nodes[i].type,
				 "application/"
				 "octet-stream") == 0 &&
		    r.nodes[i].enc == DLP_ENC_PLAIN && i > 0);
	}
	assert_true(cut > 0);
	expect(&r, NULL, DLP_ENC_NOT_INSPECTABLE, ANY_DETAIL, NO_TEXT);
	xrec_free(&r);
}

static void
test_high_ratio_stream_stops_at_the_first_block_past_it(void **state)
{
	struct dlp_limits lim = defaults();
	struct timespec t0, t1;
	struct xrec r;

	need("gzip");
	/* 128 MiB of zeros in ~130 KiB: ratio ~1000; a ratio of 20 must
	   stop it at ~2.6 MiB, long before the size limit */
	sh("head -c 134217728 /dev/zero | gzip -9 > zeros.gz");
	lim.max_ratio = 20;
	lim.max_member_bytes = 256 << 20;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(run_made(&r, &lim, "zeros.gz"), DLP_PARTIAL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	expect(&r, "data", DLP_ENC_NOT_INSPECTABLE, "limit:ratio", NO_TEXT);
	expect(&r, NULL, DLP_ENC_NOT_INSPECTABLE, "limit:ratio", NO_TEXT);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	xrec_free(&r);
}

static void
test_decoder_windows_past_the_limits_are_never_allocated(void **state)
{
	struct dlp_limits lim = defaults();
	char path[512];
	unsigned char *p;
	struct xrec r;
	size_t len;

	/* the corpus zipx with its LZMA dictionary made 4 GiB */
	p = load(CORPUS "libarchive/test_read_format_zip_lzma.zipx", &len);
	/* version(2) props size(2) lc/lp/pb(1) dictionary(4), at 0x23 */
	assert_int_equal(p[0x27], 0x5d);
	assert_int_equal(p[0x29], 0x10);
	memset(p + 0x28, 0xff, 4);
	assert_int_equal(run(&r, NULL, p, len), DLP_PARTIAL);
	expect(&r, "vimrc", DLP_ENC_NOT_INSPECTABLE, "limit:size", NO_TEXT);
	xrec_free(&r);
	free(p);

	/* an xz stream whose block declares a 4 GiB LZMA2 dictionary */
	need("xz");
	write_texts();
	sh("xz -c --check=crc32 roster.txt > big.xz");
	snprintf(path, sizeof(path), "%s/big.xz", tmpdir);
	p = load(path, &len);
	/* block header at 12: size, flags, filter id 0x21, props size 1 */
	assert_int_equal(p[14], 0x21);
	p[16] = 40;
	lim.max_member_bytes = 1 << 20;
	assert_int_equal(run(&r, &lim, p, len), DLP_PARTIAL);
	expect(&r, NULL, DLP_ENC_NOT_INSPECTABLE, "limit:size", NO_TEXT);
	xrec_free(&r);
	free(p);
}

static void
test_7z_dictionary_past_the_limit_is_refused(void **state)
{
	struct dlp_limits lim = defaults();
	char path[512];
	unsigned char *p;
	struct xrec r;
	size_t len;

	need("7z");
	write_texts();
	/* 7-Zip shrinks the dictionary to small inputs: 3 MB of input */
	sh("rm -f dict.7z && head -c 3000000 /dev/urandom > rnd.bin && "
	   "7z a -bd -mhc=off -m0=lzma2:d=1m dict.7z roster.txt rnd.bin "
	   ">/dev/null");
	snprintf(path, sizeof(path), "%s/dict.7z", tmpdir);
	p = load(path, &len);
	assert_int_equal(run(&r, NULL, p, len), DLP_OK);
	expect(&r, "roster.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	xrec_free(&r);
	lim.max_member_bytes = 512 * 1024; /* below the 1 MiB dictionary */
	assert_int_equal(run(&r, &lim, p, len), DLP_PARTIAL);
	expect(&r, NULL, DLP_ENC_NOT_INSPECTABLE, "limit:size", NO_TEXT);
	xrec_free(&r);
	free(p);
}

/* Damage */

static void
test_damage_keeps_what_came_before_and_marks_the_container(void **state)
{
	char path[512];
	unsigned char *p;
	struct xrec r;
	size_t len;

	need("zip tar gzip");
	write_texts();
	sh("rm -f two.zip && head -c 200000 /dev/urandom > noise.bin && "
	   "zip -q -0 two.zip roster.txt noise.bin && "
	   "tar czf two.tgz roster.txt noise.bin");

	/* the zip cut in the middle of its second member: no directory */
	snprintf(path, sizeof(path), "%s/two.zip", tmpdir);
	p = load(path, &len);
	assert_int_equal(run(&r, NULL, p, 100000), DLP_EINPUT);
	expect(&r, "roster.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	xrec_free(&r);
	free(p);

	/* the tar.gz cut the same way */
	snprintf(path, sizeof(path), "%s/two.tgz", tmpdir);
	p = load(path, &len);
	assert_int_equal(run(&r, NULL, p, len / 2), DLP_EINPUT);
	expect(&r, "roster.txt", DLP_ENC_PLAIN, "", MY_NUMBER);
	xrec_free(&r);

	/* garbage with a tar-ish name is not an archive */
	assert_int_equal(
	    run(&r, NULL, "not an archive at all", 21), DLP_EINPUT);
	xrec_free(&r);
	free(p);
}

static unsigned long long rng = 0xda942042e4dd58b5ULL;

static unsigned
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)rng;
}

static void
test_mutated_corpus_archives_never_crash_or_hang(void **state)
{
	static const char *files[] = {
		"libarchive/test_read_format_zip_encryption_partially.zip",
		"libarchive/test_read_format_zip_lzma.zipx",
		"libarchive/test_read_format_zip_nested.zip",
		"libarchive/test_read_format_7zip_encryption_partially.7z",
		"libarchive/test_read_format_7zip_lzma2.7z",
		"libarchive/test_read_format_rar4_encrypted.rar",
		"libarchive/test_read_format_rar5_encrypted.rar",
		"libarchive/test_read_format_rar_unicode.rar",
		"libarchive/test_compat_gzip_1.tgz",
		"clamav/v1rusv1rus.7z.zip",
		"clamav/testfile.txt.zst",
	};
	struct dlp_limits lim = defaults();
	struct timespec t0, t1;
	unsigned char *p, *m;
	char path[512];
	struct xrec r;
	size_t len, n, i, k, j;
	int rc;

	lim.max_member_bytes = 4 << 20;
	lim.max_expanded_bytes = 16 << 20;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), CORPUS "%s", files[i]);
		p = load(path, &len);
		for (k = 0; k < 300; k++) {
			n = rnd() % 4 == 0 ? 1 + rnd() % len : len;
			m = malloc(n);
			assert_non_null(m);
			memcpy(m, p, n);
			for (j = 0; j < 1 + rnd() % 6; j++)
				m[rnd() % n] =
				    (unsigned char)(rnd() % 3 == 0 ? 0xff
								   : rnd());
			clock_gettime(CLOCK_MONOTONIC, &t0);
			rc = run_fast(&r, &lim, m, n);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			assert_true(rc == DLP_OK || rc == DLP_PARTIAL ||
			    rc == DLP_EINPUT);
			assert_true(t1.tv_sec - t0.tv_sec < 10);
			for (j = 1; j < r.n; j++)
				assert_true(r.nodes[j].done);
			free_fast(&r);
			free(m);
		}
		free(p);
	}
	free(pool);
	pool = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_corpus_archives_come_out_member_by_member),
		cmocka_unit_test(
		    test_gzip_that_nests_itself_ends_without_hanging),
		cmocka_unit_test(
		    test_zip_with_zipcrypto_and_a_plain_member_beside),
		cmocka_unit_test(test_zip_made_by_7z_with_aes256),
		cmocka_unit_test(
		    test_7z_data_encryption_header_encryption_and_plain),
		cmocka_unit_test(
		    test_7z_mixed_members_after_an_encrypted_one_are_all_told),
		cmocka_unit_test(test_tar_and_single_file_compressors),
		cmocka_unit_test(
		    test_unnamed_compressed_content_is_named_after_its_file),
		cmocka_unit_test(test_lzh_and_cab),
		cmocka_unit_test(test_zip_in_zip_and_mail_in_zip),
		cmocka_unit_test(test_member_names_are_cleaned),
		cmocka_unit_test(test_limits_mark_members_and_containers),
		cmocka_unit_test(test_depth_limit_stops_before_reading),
		cmocka_unit_test(test_nested_bomb_ends_quickly_and_small),
		cmocka_unit_test(test_nested_levels_multiply_to_the_ratio),
		cmocka_unit_test(
		    test_high_ratio_stream_stops_at_the_first_block_past_it),
		cmocka_unit_test(
		    test_decoder_windows_past_the_limits_are_never_allocated),
		cmocka_unit_test(test_7z_dictionary_past_the_limit_is_refused),
		cmocka_unit_test(test_compress_z_is_read),
		cmocka_unit_test(
		    test_damage_keeps_what_came_before_and_marks_the_container),
		cmocka_unit_test(
		    test_mutated_corpus_archives_never_crash_or_hang),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
