/*
 * test_zipinfo - zipinfo_read() on the external corpus's ZIP files (each
 * file's expected facts asserted member by member) and on ZIP archives
 * built here byte by byte for the cases the corpus lacks: every
 * encryption method and where its parameters hide, name charsets and the
 * Unicode path extra, prefixes, ZIP64, split archives, damage of every
 * kind, limits, and random mutations (no read out of bounds under ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zipinfo.h"

#define CORPUS "../shared/corpus/external/"

/* A ZIP writer for tests: members, then the directory and end record. */
struct zb {
	unsigned char *p;
	size_t len;
	unsigned char cd[65536];
	size_t cdlen;
	unsigned n;
};

/* one member as the writer is asked to describe it */
struct zm {
	const char *name;
	size_t nlen; /* 0: strlen(name) */
	uint16_t flags, method;
	const void *lextra, *cextra; /* local and central extras */
	size_t lxlen, cxlen;
	const void *data;
	size_t dlen;
	uint16_t disk;
};

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void
zb_init(struct zb *z, const void *prefix, size_t plen)
{
	memset(z, 0, sizeof(*z));
	z->p = calloc(1, 1 << 20);
	assert_non_null(z->p);
	if (plen > 0)
		memcpy(z->p, prefix, plen);
	z->len = plen;
}

static void
zb_add(struct zb *z, const struct zm *m)
{
	size_t nlen = m->nlen ? m->nlen : strlen(m->name);
	unsigned char *h = z->p + z->len, *c = z->cd + z->cdlen;
	uint32_t off = (uint32_t)z->len;

	put32(h, 0x04034b50);
	put16(h + 4, 20);
	put16(h + 6, m->flags);
	put16(h + 8, m->method);
	put32(h + 18, (uint32_t)m->dlen);
	put32(h + 22, (uint32_t)m->dlen);
	put16(h + 26, (unsigned)nlen);
	put16(h + 28, (unsigned)m->lxlen);
	memcpy(h + 30, m->name, nlen);
	if (m->lxlen)
		memcpy(h + 30 + nlen, m->lextra, m->lxlen);
	if (m->dlen)
		memcpy(h + 30 + nlen + m->lxlen, m->data, m->dlen);
	z->len += 30 + nlen + m->lxlen + m->dlen;

	put32(c, 0x02014b50);
	put16(c + 4, 20);
	put16(c + 6, 20);
	put16(c + 8, m->flags);
	put16(c + 10, m->method);
	put32(c + 20, (uint32_t)m->dlen);
	put32(c + 24, (uint32_t)m->dlen);
	put16(c + 28, (unsigned)nlen);
	put16(c + 30, (unsigned)m->cxlen);
	put16(c + 34, m->disk);
	put32(c + 42, off);
	memcpy(c + 46, m->name, nlen);
	if (m->cxlen)
		memcpy(c + 46 + nlen, m->cextra, m->cxlen);
	z->cdlen += 46 + nlen + m->cxlen;
	z->n++;
}

/* zb_end: the directory and an end record (disk numbers as given) */
static void
zb_end(struct zb *z, unsigned disk, unsigned cd_disk)
{
	unsigned char *e;
	uint32_t cd_off = (uint32_t)z->len;

	memcpy(z->p + z->len, z->cd, z->cdlen);
	z->len += z->cdlen;
	e = z->p + z->len;
	put32(e, 0x06054b50);
	put16(e + 4, disk);
	put16(e + 6, cd_disk);
	put16(e + 8, z->n);
	put16(e + 10, z->n);
	put32(e + 12, (uint32_t)z->cdlen);
	put32(e + 16, cd_off);
	put16(e + 20, 0);
	z->len += 22;
}

static struct zipinfo *
read_ok(const void *p, size_t len)
{
	struct zipinfo *zi = NULL;

	assert_int_equal(zipinfo_read(p, len, 1000, &zi), ZIPINFO_OK);
	assert_non_null(zi);
	return zi;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p;
	long n;

	if (fp == NULL) {
		print_error(
		    "cannot open %s (run from the project root)\n", path);
		fail();
	}
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return p;
}

/* Corpus */

struct want_entry {
	const char *name;
	const char *method; /* NULL: not encrypted */
	bool weak;
	unsigned key_bits;
	bool dir;
};

struct corpus_case {
	const char *file;
	size_t n;
	bool split, cd_encrypted, damaged, has_cd;
	const char *cd_method;
	struct want_entry e[6];
};

static const struct corpus_case corpus_cases[] = {
	{ "libarchive/test_read_format_zip_traditional_encryption_data.zip", 2,
	    false, false, false, true, NULL,
	    { { "bar.txt", "zipcrypto", true, 0, false },
		{ "foo.txt", "zipcrypto", true, 0, false } } },
	{ "libarchive/test_option_passphrase.zip", 2, false, false, false, true,
	    NULL,
	    { { "file1", "zipcrypto", true, 0, false },
		{ "file2", "zipcrypto", true, 0, false } } },
	{ "libarchive/test_read_format_zip_encryption_data.zip", 2, false,
	    false, false, true, NULL,
	    { { "bar.txt", "pkware-ses-aes-256", false, 0, false },
		{ "foo.txt", "pkware-ses-aes-256", false, 0, false } } },
	{ "libarchive/test_read_format_zip_encryption_header.zip", 2, false,
	    true, false, false, "pkware-ses-aes-256-headers",
	    { { "1", "pkware-ses-aes-256", false, 0, false },
		{ "2", "pkware-ses-aes-256", false, 0, false } } },
	{ "libarchive/test_read_format_zip_encryption_partially.zip", 2, false,
	    false, false, true, NULL,
	    { { "bar.txt", NULL, false, 0, false },
		{ "foo.txt", "pkware-ses-aes-256", false, 0, false } } },
	{ "libarchive/test_read_format_zip_winzip_aes128.zip", 1, false, false,
	    false, true, NULL,
	    { { "README", "winzip-aes-128", false, 128, false } } },
	{ "libarchive/test_read_format_zip_winzip_aes256.zip", 1, false, false,
	    false, true, NULL,
	    { { "README", "winzip-aes-256", false, 256, false } } },
	{ "libarchive/test_read_format_zip_winzip_aes256_stored.zip", 1, false,
	    false, false, true, NULL,
	    { { "README", "winzip-aes-256", false, 256, false } } },
	{ "libarchive/test_read_format_zip_winzip_aes256_large_zstd.zip", 4,
	    false, false, false, true, NULL,
	    { { "config.h", "winzip-aes-256", false, 256, false },
		{ "Makefile", "winzip-aes-256", false, 256, false },
		{ "NEWS", "winzip-aes-256", false, 256, false },
		{ "README", "winzip-aes-256", false, 256, false } } },
	{ "libarchive/test_read_format_zip_ppmd8_aes256_streaming.zipx", 1,
	    false, false, false, true, NULL,
	    { { "encrypted_file.txt", "winzip-aes-256", false, 256, false } } },
	{ "libarchive/test_encrypted.zip", 2, false, false, false, true, NULL,
	    { { "encrypted/", NULL, false, 0, true },
		{ "encrypted/file.txt", "winzip-aes-256", false, 256,
		    false } } },
	{ "libarchive/test_read_format_zip_nested.zip", 2, false, false, false,
	    true, NULL,
	    { { "small.zip", NULL, false, 0, false },
		{ "file.txt", NULL, false, 0, false } } },
	{ "libarchive/test_read_format_zip.zip", 3, false, false, false, true,
	    NULL,
	    { { "dir/", NULL, false, 0, true },
		{ "file1", NULL, false, 0, false },
		{ "file2", NULL, false, 0, false } } },
	{ "libarchive/test_read_format_zip_filename_cp932.zip", 2, false, false,
	    false, true, NULL,
	    { { "表だよ/一覧表.txt", NULL, false, 0, false },
		{ "表だよ/漢字.txt", NULL, false, 0, false } } },
	{ "libarchive/test_read_format_zip_filename_utf8_jp.zip", 3, false,
	    false, false, true, NULL,
	    { { "表だよ/", NULL, false, 0, true },
		{ "表だよ/一覧表.txt", NULL, false, 0, false },
		{ "表だよ/漢字.txt", NULL, false, 0, false } } },
	{ "libarchive/test_read_format_zip_malformed1.zip", 1, false, false,
	    true, false, NULL, { { "0000", NULL, false, 0, false } } },
	{ "libarchive/test_read_format_zip_with_invalid_traditional_eocd.zip",
	    2, false, false, false, true, NULL,
	    { { "test1.txt", NULL, false, 0, false },
		{ "test2.txt", NULL, false, 0, false } } },
	{ "libarchive/test_read_format_zip_zip64a.zip", 1, false, false, false,
	    true, NULL, { { "-", NULL, false, 0, false } } },
	{ "libarchive/test_read_format_zip_lzma.zipx", 1, false, false, false,
	    true, NULL, { { "vimrc", NULL, false, 0, false } } },
	{ "clamav/v1rusv1rus.7z.zip", 1, false, false, false, true, NULL,
	    { { "v1rusv1rus.7z", NULL, false, 0, false } } },
	{ "clamav/logos.z01", 0, true, false, false, false, NULL, { { 0 } } },
	{ "clamav/logos.zip", 5, true, false, false, true, NULL,
	    { { "logos/", NULL, false, 0, true },
		{ "logos/logo.2.png", NULL, false, 0, false },
		{ "logos/logo.3.png", NULL, false, 0, false },
		{ "logos/logo.1.png", NULL, false, 0, false },
		{ "logos/logo.4.png", NULL, false, 0, false } } },
	{ "mikel-mail/test.zip", 3, false, false, false, true, NULL,
	    { { "test.pdf", NULL, false, 0, false },
		{ "__MACOSX/", NULL, false, 0, true },
		{ "__MACOSX/._test.pdf", NULL, false, 0, false } } },
};

static void
test_corpus_zips_list_members_with_their_methods(void **state)
{
	const struct corpus_case *c;
	const struct zipinfo_entry *e;
	struct zipinfo *zi;
	unsigned char *p;
	char path[512];
	size_t len, i, k;

	for (i = 0; i < sizeof(corpus_cases) / sizeof(corpus_cases[0]); i++) {
		c = &corpus_cases[i];
		snprintf(path, sizeof(path), CORPUS "%s", c->file);
		p = slurp(path, &len);
		zi = read_ok(p, len);
		if (zi->n != c->n || zi->split != c->split ||
		    zi->cd_encrypted != c->cd_encrypted ||
		    zi->damaged != c->damaged || zi->has_cd != c->has_cd)
			print_error("%s: n %zu split %d cdenc %d damaged %d "
				    "cd %d\n",
			    c->file, zi->n, zi->split, zi->cd_encrypted,
			    zi->damaged, zi->has_cd);
		assert_int_equal(zi->n, c->n);
		assert_int_equal(zi->split, c->split);
		assert_int_equal(zi->cd_encrypted, c->cd_encrypted);
		assert_int_equal(zi->damaged, c->damaged);
		assert_int_equal(zi->has_cd, c->has_cd);
		if (c->cd_method != NULL)
			assert_string_equal(zi->cd_method, c->cd_method);
		for (k = 0; k < c->n; k++) {
			e = &zi->entries[k];
			if (strcmp(e->name, c->e[k].name) != 0)
				print_error("%s: entry %zu is %s\n", c->file, k,
				    e->name);
			assert_string_equal(e->name, c->e[k].name);
			assert_int_equal(e->dir, c->e[k].dir);
			if (c->e[k].method == NULL) {
				assert_null(e->method_name);
				assert_int_equal(e->enc, ZIPINFO_ENC_NONE);
			} else {
				assert_non_null(e->method_name);
				assert_string_equal(
				    e->method_name, c->e[k].method);
			}
			assert_int_equal(e->weak, c->e[k].weak);
			assert_int_equal(e->key_bits, c->e[k].key_bits);
		}
		zipinfo_free(zi);
		free(p);
	}
}

static void
test_corpus_winzip_aes_versions_and_inner_methods_are_read(void **state)
{
	static const struct {
		const char *file;
		unsigned version;
		uint16_t method;
	} cases[] = {
		{ "test_read_format_zip_winzip_aes128.zip", 2, 8 },
		{ "test_read_format_zip_winzip_aes256_stored.zip", 2, 0 },
		{ "test_read_format_zip_winzip_aes256_large_zstd.zip", 1, 93 },
		{ "test_read_format_zip_ppmd8_aes256_streaming.zipx", 2, 98 },
	};
	struct zipinfo *zi;
	unsigned char *p;
	char path[512];
	size_t len, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(
		    path, sizeof(path), CORPUS "libarchive/%s", cases[i].file);
		p = slurp(path, &len);
		zi = read_ok(p, len);
		assert_int_equal(zi->entries[0].enc, ZIPINFO_ENC_WINZIP_AES);
		assert_int_equal(zi->entries[0].aes_version, cases[i].version);
		assert_int_equal(zi->entries[0].method, cases[i].method);
		zipinfo_free(zi);
		free(p);
	}
}

static void
test_corpus_ses_algorithm_is_aes256_in_every_ses_file(void **state)
{
	static const char *files[] = {
		"test_read_format_zip_encryption_data.zip",
		"test_read_format_zip_encryption_header.zip",
		"test_read_format_zip_encryption_partially.zip",
	};
	struct zipinfo *zi;
	unsigned char *p;
	char path[512];
	size_t len, i, k;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), CORPUS "libarchive/%s", files[i]);
		p = slurp(path, &len);
		zi = read_ok(p, len);
		for (k = 0; k < zi->n; k++)
			if (zi->entries[k].enc == ZIPINFO_ENC_PKWARE_SES)
				assert_int_equal(
				    zi->entries[k].ses_alg, 0x6610);
		zipinfo_free(zi);
		free(p);
	}
}

/* Synthetic archives */

static void
test_zipcrypto_is_weak_and_winzip_aes_has_its_key_size(void **state)
{
	static const struct {
		int strength; /* -1: no extra (method 99 alone) */
		const char *method;
		unsigned bits;
	} cases[] = {
		{ 1, "winzip-aes-128", 128 },
		{ 2, "winzip-aes-192", 192 },
		{ 3, "winzip-aes-256", 256 },
		{ 7, "winzip-aes", 0 },
		{ -1, "winzip-aes", 0 },
	};
	unsigned char aes[11] = { 0x01, 0x99, 7, 0, 2, 0, 'A', 'E', 3, 8, 0 };
	struct zb z;
	struct zipinfo *zi;
	struct zm m;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		zb_init(&z, NULL, 0);
		memset(&m, 0, sizeof(m));
		m.name = "a.txt";
		m.flags = 1;
		m.method = 99;
		m.data = "0123456789abcdef0123";
		m.dlen = 20;
		aes[8] = (unsigned char)cases[i].strength;
		if (cases[i].strength >= 0) {
			m.cextra = aes;
			m.cxlen = sizeof(aes);
		}
		zb_add(&z, &m);
		m.name = "b.txt";
		m.flags = 1;
		m.method = 8;
		m.cextra = NULL;
		m.cxlen = 0;
		zb_add(&z, &m);
		zb_end(&z, 0, 0);
		zi = read_ok(z.p, z.len);
		assert_int_equal(zi->n, 2);
		assert_string_equal(
		    zi->entries[0].method_name, cases[i].method);
		assert_int_equal(zi->entries[0].key_bits, cases[i].bits);
		assert_false(zi->entries[0].weak);
		if (cases[i].strength >= 0)
			assert_int_equal(zi->entries[0].method, 8);
		assert_string_equal(zi->entries[1].method_name, "zipcrypto");
		assert_int_equal(zi->entries[1].enc, ZIPINFO_ENC_ZIPCRYPTO);
		assert_true(zi->entries[1].weak);
		zipinfo_free(zi);
		free(z.p);
	}
}

static void
test_ses_algorithm_from_extra_local_extra_or_decryption_header(void **state)
{
	static const struct {
		uint16_t alg;
		int where; /* 0 central extra, 1 local extra, 2 data */
		const char *method;
		bool weak;
	} cases[] = {
		{ 0x6610, 0, "pkware-ses-aes-256", false },
		{ 0x660e, 1, "pkware-ses-aes-128", false },
		{ 0x660f, 2, "pkware-ses-aes-192", false },
		{ 0x6601, 0, "pkware-ses-des", true },
		{ 0x6603, 2, "pkware-ses-3des-168", false },
		{ 0x6609, 1, "pkware-ses-3des-112", false },
		{ 0x6702, 0, "pkware-ses-rc2", true },
		{ 0x6801, 2, "pkware-ses-rc4", true },
		{ 0x6720, 0, "pkware-ses-blowfish", false },
		{ 0x1234, 0, "pkware-ses", false },
	};
	unsigned char x[12] = { 0x17, 0, 8, 0, 2, 0, 0, 0, 0, 1, 1, 0 };
	/* IVSize(2) IV(16) Size(4) Format(2) AlgID(2) Bitlen(2) */
	unsigned char hdr[28] = { 16, 0 };
	struct zipinfo *zi;
	struct zb z;
	struct zm m;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		zb_init(&z, NULL, 0);
		memset(&m, 0, sizeof(m));
		put16(x + 6, cases[i].alg);
		put16(hdr + 2 + 16 + 4, 3);
		put16(hdr + 2 + 16 + 6, cases[i].where == 2 ? cases[i].alg : 0);
		m.name = "s.txt";
		m.flags = 0x41;
		m.data = hdr;
		m.dlen = sizeof(hdr);
		if (cases[i].where == 0) {
			m.cextra = x;
			m.cxlen = sizeof(x);
		} else if (cases[i].where == 1) {
			m.lextra = x;
			m.lxlen = sizeof(x);
		}
		zb_add(&z, &m);
		zb_end(&z, 0, 0);
		zi = read_ok(z.p, z.len);
		assert_int_equal(zi->entries[0].enc, ZIPINFO_ENC_PKWARE_SES);
		assert_string_equal(
		    zi->entries[0].method_name, cases[i].method);
		assert_int_equal(zi->entries[0].weak, cases[i].weak);
		zipinfo_free(zi);
		free(z.p);
	}
}

static void
test_ses_decryption_header_with_absurd_iv_size_is_ignored(void **state)
{
	unsigned char hdr[28] = { 0xff, 0x7f };
	struct zipinfo *zi;
	struct zb z;
	struct zm m = { .name = "s", .flags = 0x41, .data = hdr, .dlen = 28 };

	zb_init(&z, NULL, 0);
	zb_add(&z, &m);
	zb_end(&z, 0, 0);
	zi = read_ok(z.p, z.len);
	assert_string_equal(zi->entries[0].method_name, "pkware-ses");
	assert_int_equal(zi->entries[0].ses_alg, 0);
	zipinfo_free(zi);
	free(z.p);
}

static void
test_names_cp932_utf8_flag_and_unicode_path_extra(void **state)
{
	/* 名簿.csv in CP932, and its UTF-8 */
	static const char sjis[] = "\x96\xbc\x95\xeb.csv";
	static const char utf8[] = "名簿.csv";
	unsigned char up[64] = { 0x75, 0x70, 0, 0, 1 };
	struct zipinfo *zi;
	struct zb z;
	struct zm m;
	uint32_t crc;

	zb_init(&z, NULL, 0);
	memset(&m, 0, sizeof(m));
	/* CP932 bytes, no flag: converted */
	m.name = sjis;
	zb_add(&z, &m);
	/* UTF-8 flag with a stray byte: replaced, never invalid */
	m.name = "a\xff.txt";
	m.flags = 0x800;
	zb_add(&z, &m);
	/* Unicode path extra whose CRC matches the header name: used */
	crc = zipinfo_crc32(0, "x.csv", 5);
	put16(up + 2, (unsigned)(5 + strlen(utf8)));
	put32(up + 5, crc);
	memcpy(up + 9, utf8, strlen(utf8));
	m.name = "x.csv";
	m.flags = 0;
	m.cextra = up;
	m.cxlen = 9 + strlen(utf8);
	zb_add(&z, &m);
	/* the same extra under another name: stale, ignored */
	m.name = "y.csv";
	zb_add(&z, &m);
	/* plain ASCII without flag stays as is */
	m.name = "plain.txt";
	m.cextra = NULL;
	m.cxlen = 0;
	zb_add(&z, &m);
	zb_end(&z, 0, 0);
	zi = read_ok(z.p, z.len);
	assert_int_equal(zi->n, 5);
	assert_string_equal(zi->entries[0].name, utf8);
	assert_string_equal(zi->entries[1].name, "a\xef\xbf\xbd.txt");
	assert_string_equal(zi->entries[2].name, utf8);
	assert_string_equal(zi->entries[3].name, "y.csv");
	assert_string_equal(zi->entries[4].name, "plain.txt");
	/* raw keeps the stored bytes for matching */
	assert_int_equal(zi->entries[0].raw_len, strlen(sjis));
	assert_memory_equal(zi->entries[0].raw, sjis, strlen(sjis));
	zipinfo_free(zi);
	free(z.p);
}

static void
test_long_name_is_cut_on_a_character_boundary(void **state)
{
	char name[3000];
	struct zipinfo *zi;
	struct zb z;
	struct zm m;
	size_t i, n;

	/* "あ" (3 bytes) repeated: the cut must not split one */
	for (i = 0; i + 3 <= sizeof(name) - 1; i += 3)
		memcpy(name + i, "\xe3\x81\x82", 3);
	name[i] = '\0';
	zb_init(&z, NULL, 0);
	memset(&m, 0, sizeof(m));
	m.name = name;
	m.flags = 0x800;
	zb_add(&z, &m);
	zb_end(&z, 0, 0);
	zi = read_ok(z.p, z.len);
	n = strlen(zi->entries[0].name);
	assert_true(n <= ZIPINFO_NAME_MAX);
	assert_true(n > ZIPINFO_NAME_MAX - 3);
	assert_int_equal(n % 3, 0);
	zipinfo_free(zi);
	free(z.p);
}

static void
test_prefix_before_the_archive_corrects_every_offset(void **state)
{
	static const char stub[] = "MZ this is a self-extractor stub....";
	unsigned char aes[11] = { 0x01, 0x99, 7, 0, 2, 0, 'A', 'E', 3, 0, 0 };
	struct zipinfo *zi;
	unsigned char *sfx;
	struct zb z;
	struct zm m;

	zb_init(&z, NULL, 0);
	memset(&m, 0, sizeof(m));
	m.name = "a.txt";
	m.data = "hello";
	m.dlen = 5;
	zb_add(&z, &m);
	/* the AES extra only in the local header: found through the
	   corrected offset */
	m.name = "b.txt";
	m.flags = 1;
	m.lextra = aes;
	m.lxlen = sizeof(aes);
	zb_add(&z, &m);
	zb_end(&z, 0, 0);
	/* `cat stub archive.zip`: every offset is now short by the stub */
	sfx = malloc(sizeof(stub) + z.len);
	assert_non_null(sfx);
	memcpy(sfx, stub, sizeof(stub));
	memcpy(sfx + sizeof(stub), z.p, z.len);
	zi = read_ok(sfx, sizeof(stub) + z.len);
	assert_true(zi->has_cd);
	assert_false(zi->damaged);
	assert_int_equal(zi->n, 2);
	assert_int_equal(zi->entries[0].local_off, sizeof(stub));
	assert_int_equal(zi->entries[0].data_off, sizeof(stub) + 30 + 5);
	assert_string_equal(zi->entries[1].method_name, "winzip-aes-256");
	zipinfo_free(zi);
	free(sfx);
	free(z.p);
}

static void
test_split_archive_is_told_by_disks_and_by_spanning_marker(void **state)
{
	static const unsigned char span[] = { 'P', 'K', 7, 8 };
	struct zipinfo *zi;
	struct zb z;
	struct zm m = { .name = "a.txt", .data = "abc", .dlen = 3 };

	/* the last part: disk 2, directory on disk 2, member on disk 0 */
	zb_init(&z, NULL, 0);
	m.disk = 0;
	zb_add(&z, &m);
	zb_end(&z, 2, 2);
	zi = read_ok(z.p, z.len);
	assert_true(zi->split);
	assert_int_equal(zi->n, 1);
	assert_string_equal(zi->entries[0].name, "a.txt");
	zipinfo_free(zi);
	free(z.p);

	/* the first part: spanning marker, no end record */
	zb_init(&z, span, sizeof(span));
	zb_add(&z, &m);
	zi = read_ok(z.p, z.len);
	assert_true(zi->split);
	assert_int_equal(zi->n, 0);
	zipinfo_free(zi);

	/* the same marker with a whole archive behind it: not split */
	zb_end(&z, 0, 0);
	zi = read_ok(z.p, z.len);
	assert_false(zi->split);
	assert_int_equal(zi->n, 1);
	zipinfo_free(zi);
	free(z.p);
}

static void
test_zip64_end_record_wins_over_a_garbage_classic_one(void **state)
{
	struct zipinfo *zi;
	unsigned char *e;
	struct zb z;
	struct zm m = { .name = "big.bin", .data = "xyz", .dlen = 3 };
	size_t z64;

	zb_init(&z, NULL, 0);
	zb_add(&z, &m);
	memcpy(z.p + z.len, z.cd, z.cdlen);
	z64 = z.len + z.cdlen;
	e = z.p + z64;
	put32(e, 0x06064b50);
	put64(e + 4, 44);
	put16(e + 12, 45);
	put16(e + 14, 45);
	put32(e + 16, 0);
	put32(e + 20, 0);
	put64(e + 24, 1);
	put64(e + 32, 1);
	put64(e + 40, z.cdlen);
	put64(e + 48, z.len);
	e += 56;
	put32(e, 0x07064b50);
	put32(e + 4, 0);
	put64(e + 8, z64);
	put32(e + 16, 1);
	e += 20;
	put32(e, 0x06054b50);
	memset(e + 4, 0xff, 16); /* every classic field "see ZIP64" */
	put16(e + 20, 0);
	z.len = (size_t)(e + 22 - z.p);
	zi = read_ok(z.p, z.len);
	assert_false(zi->split);
	assert_false(zi->damaged);
	assert_true(zi->has_cd);
	assert_int_equal(zi->n, 1);
	assert_string_equal(zi->entries[0].name, "big.bin");
	zipinfo_free(zi);
	free(z.p);
}

static void
test_classic_zip64_markers_without_zip64_record_are_damage(void **state)
{
	struct zipinfo *zi;
	struct zb z;
	struct zm m = { .name = "a", .data = "x", .dlen = 1 };

	zb_init(&z, NULL, 0);
	zb_add(&z, &m);
	zb_end(&z, 0xffff, 0xffff);
	zi = read_ok(z.p, z.len);
	assert_false(zi->split);
	assert_true(zi->damaged);
	zipinfo_free(zi);
	free(z.p);
}

static void
test_damage_is_flagged_and_what_came_before_is_kept(void **state)
{
	struct zipinfo *zi;
	struct zb z;
	struct zm m = { .name = "a.txt", .data = "one", .dlen = 3 };
	size_t second;

	/* the directory's second entry overwritten, end record intact */
	zb_init(&z, NULL, 0);
	zb_add(&z, &m);
	m.name = "b.txt";
	zb_add(&z, &m);
	zb_end(&z, 0, 0);
	second = z.len - 22 - (46 + 5);
	memset(z.p + second, 0, 8);
	zi = read_ok(z.p, z.len);
	assert_true(zi->damaged);
	assert_int_equal(zi->n, 1);
	assert_string_equal(zi->entries[0].name, "a.txt");
	zipinfo_free(zi);
	free(z.p);

	/* an extra field that claims more than its area */
	zb_init(&z, NULL, 0);
	m.name = "c.txt";
	m.cextra = "\x01\x99\xff\x00";
	m.cxlen = 4;
	zb_add(&z, &m);
	zb_end(&z, 0, 0);
	zi = read_ok(z.p, z.len);
	assert_true(zi->damaged);
	assert_int_equal(zi->n, 1);
	assert_int_equal(zi->entries[0].enc, ZIPINFO_ENC_NONE);
	zipinfo_free(zi);
	free(z.p);

	/* a directory entry whose local header is not there */
	zb_init(&z, NULL, 0);
	m.cextra = NULL;
	m.cxlen = 0;
	zb_add(&z, &m);
	zb_end(&z, 0, 0);
	z.p[0] = 'X';
	zi = read_ok(z.p, z.len);
	assert_true(zi->damaged);
	assert_int_equal(zi->entries[0].data_off, 0);
	zipinfo_free(zi);
	free(z.p);
}

static void
test_without_end_record_local_headers_are_walked(void **state)
{
	struct zipinfo *zi;
	struct zb z;
	struct zm m = { .name = "a.txt", .data = "first", .dlen = 5 };

	zb_init(&z, NULL, 0);
	zb_add(&z, &m);
	m.name = "b.txt";
	m.flags = 1;
	zb_add(&z, &m);
	/* a member with a data descriptor and no sizes: found by search */
	m.name = "c.txt";
	m.flags = 8;
	zb_add(&z, &m);
	put32(z.p + z.len - 5 - 30 - 5 + 18, 0);
	put32(z.p + z.len - 5 - 30 - 5 + 22, 0);
	m.name = "d.txt";
	m.flags = 0;
	zb_add(&z, &m);
	zi = read_ok(z.p, z.len); /* no directory written */
	assert_false(zi->has_cd);
	assert_true(zi->damaged);
	assert_int_equal(zi->n, 4);
	assert_string_equal(zi->entries[1].method_name, "zipcrypto");
	assert_string_equal(zi->entries[3].name, "d.txt");
	zipinfo_free(zi);
	free(z.p);
}

static void
test_masked_local_headers_mean_an_encrypted_directory(void **state)
{
	struct zipinfo *zi;
	struct zb z;
	struct zm m = {
		.name = "1", .flags = 0x2041, .data = "xxxx", .dlen = 4
	};

	zb_init(&z, NULL, 0);
	zb_add(&z, &m);
	zi = read_ok(z.p, z.len);
	assert_true(zi->cd_encrypted);
	assert_false(zi->damaged);
	assert_string_equal(zi->cd_method, "pkware-ses-headers");
	zipinfo_free(zi);
	free(z.p);

	/* bit 13 without encryption (fuzzers' "0000"): just damage */
	zb_init(&z, NULL, 0);
	m.flags = 0x2000;
	zb_add(&z, &m);
	zi = read_ok(z.p, z.len);
	assert_false(zi->cd_encrypted);
	assert_true(zi->damaged);
	zipinfo_free(zi);
	free(z.p);
}

static void
test_more_members_than_allowed_are_cut_and_said(void **state)
{
	struct zipinfo *zi = NULL;
	struct zb z;
	struct zm m = { .name = "m", .data = "d", .dlen = 1 };
	int i;

	zb_init(&z, NULL, 0);
	for (i = 0; i < 50; i++)
		zb_add(&z, &m);
	zb_end(&z, 0, 0);
	assert_int_equal(zipinfo_read(z.p, z.len, 10, &zi), ZIPINFO_OK);
	assert_true(zi->truncated);
	assert_int_equal(zi->n, 10);
	zipinfo_free(zi);
	free(z.p);
}

static void
test_what_is_not_a_zip_is_einput(void **state)
{
	static const struct {
		const char *p;
		size_t len;
	} cases[] = {
		{ "", 0 },
		{ "PK\3\4", 4 },
		{ "hello, world: no zip here at all, not even close", 48 },
		{ "PK\7\10PK\1\2", 8 },
	};
	struct zipinfo *zi = (struct zipinfo *)1;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    zipinfo_read(cases[i].p, cases[i].len, 10, &zi),
		    ZIPINFO_EINPUT);
		assert_null(zi);
	}
	zipinfo_free(NULL);
}

static void
test_empty_archive_has_a_directory_and_no_members(void **state)
{
	static const unsigned char eocd[22] = { 'P', 'K', 5, 6 };
	struct zipinfo *zi = read_ok(eocd, sizeof(eocd));

	assert_true(zi->has_cd);
	assert_int_equal(zi->n, 0);
	assert_false(zi->damaged);
	zipinfo_free(zi);
}

static void
test_crc32_and_method_names_match_their_standards(void **state)
{
	bool weak = true;

	assert_int_equal(zipinfo_crc32(0, "123456789", 9), 0xcbf43926u);
	assert_int_equal(zipinfo_crc32(zipinfo_crc32(0, "1234", 4), "56789", 5),
	    0xcbf43926u);
	assert_string_equal(
	    zipinfo_ses_method(0x6610, &weak), "pkware-ses-aes-256");
	assert_false(weak);
	assert_string_equal(
	    zipinfo_ses_method(0x6601, &weak), "pkware-ses-des");
	assert_true(weak);
	assert_string_equal(zipinfo_ses_method(0, NULL), "pkware-ses");
}

static unsigned long long rng = 0x2545f4914f6cdd1dULL;

static unsigned
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)rng;
}

static void
test_mutated_corpus_zips_never_read_out_of_bounds(void **state)
{
	static const char *files[] = {
		"libarchive/test_read_format_zip_encryption_partially.zip",
		"libarchive/test_read_format_zip_encryption_header.zip",
		"libarchive/test_read_format_zip_winzip_aes256_large_zstd.zip",
		"libarchive/test_read_format_zip_with_invalid_traditional_eocd."
		"zip",
		"libarchive/test_read_format_zip_filename_cp932.zip",
		"clamav/logos.zip",
	};
	struct zipinfo *zi;
	unsigned char *p, *m;
	char path[512];
	size_t len, n, i, k, j;
	int rc;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), CORPUS "%s", files[i]);
		p = slurp(path, &len);
		for (k = 0; k < 2000; k++) {
			/* an exact-size copy: ASan sees any overrun */
			n = len;
			if (rnd() % 4 == 0)
				n = rnd() % len;
			m = malloc(n ? n : 1);
			assert_non_null(m);
			memcpy(m, p, n);
			for (j = 0; n > 0 && j < 1 + rnd() % 6; j++)
				m[rnd() % n] =
				    (unsigned char)(rnd() % 3 == 0 ? 0xff
								   : rnd());
			rc = zipinfo_read(m, n, 100, &zi);
			assert_true(rc == ZIPINFO_OK || rc == ZIPINFO_EINPUT);
			if (rc == ZIPINFO_OK) {
				assert_true(zi->n <= 100);
				for (j = 0; j < zi->n; j++)
					assert_true(
					    strlen(zi->entries[j].name) <=
					    ZIPINFO_NAME_MAX);
			}
			zipinfo_free(zi);
			free(m);
		}
		free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_corpus_zips_list_members_with_their_methods),
		cmocka_unit_test(
		    test_corpus_winzip_aes_versions_and_inner_methods_are_read),
		cmocka_unit_test(
		    test_corpus_ses_algorithm_is_aes256_in_every_ses_file),
		cmocka_unit_test(
		    test_zipcrypto_is_weak_and_winzip_aes_has_its_key_size),
		cmocka_unit_test(
		    test_ses_algorithm_from_extra_local_extra_or_decryption_header),
		cmocka_unit_test(
		    test_ses_decryption_header_with_absurd_iv_size_is_ignored),
		cmocka_unit_test(
		    test_names_cp932_utf8_flag_and_unicode_path_extra),
		cmocka_unit_test(test_long_name_is_cut_on_a_character_boundary),
		cmocka_unit_test(
		    test_prefix_before_the_archive_corrects_every_offset),
		cmocka_unit_test(
		    test_split_archive_is_told_by_disks_and_by_spanning_marker),
		cmocka_unit_test(
		    test_zip64_end_record_wins_over_a_garbage_classic_one),
		cmocka_unit_test(
		    test_classic_zip64_markers_without_zip64_record_are_damage),
		cmocka_unit_test(
		    test_damage_is_flagged_and_what_came_before_is_kept),
		cmocka_unit_test(
		    test_without_end_record_local_headers_are_walked),
		cmocka_unit_test(
		    test_masked_local_headers_mean_an_encrypted_directory),
		cmocka_unit_test(
		    test_more_members_than_allowed_are_cut_and_said),
		cmocka_unit_test(test_what_is_not_a_zip_is_einput),
		cmocka_unit_test(
		    test_empty_archive_has_a_directory_and_no_members),
		cmocka_unit_test(
		    test_crc32_and_method_names_match_their_standards),
		cmocka_unit_test(
		    test_mutated_corpus_zips_never_read_out_of_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
