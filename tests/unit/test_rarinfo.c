/*
 * test_rarinfo - rarinfo_read() on the external corpus's RAR files (RAR4
 * and RAR5, encrypted data, encrypted headers, solid, Unicode names,
 * damage), each file's expected facts asserted member by member, and on
 * RAR4/RAR5 headers built here for the cases the corpus lacks: the three
 * codes of RAR4's compressed Unicode names, volumes, large files, every
 * kind of damage, limits, and random mutations under ASan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rarinfo.h"

#define CORPUS "../shared/corpus/external/libarchive/"

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

static struct rarinfo *
read_ok(const void *p, size_t len)
{
	struct rarinfo *ri = NULL;

	assert_int_equal(rarinfo_read(p, len, 1000, &ri), RARINFO_OK);
	assert_non_null(ri);
	return ri;
}

/* Corpus */

struct want {
	const char *name;
	bool encrypted, dir;
};

static const struct {
	const char *file;
	unsigned version;
	bool headers_encrypted, solid, damaged;
	size_t n;
	struct want e[6];
} corpus_cases[] = {
	{ "test_read_format_rar4_encrypted.rar", 4, false, false, false, 4,
	    { { "a.txt", false, false }, { "b.txt", true, false },
		{ "c.txt", false, false }, { "d.txt", true, false } } },
	{ "test_read_format_rar4_encrypted_filenames.rar", 4, true, false,
	    false, 0, { { 0 } } },
	{ "test_read_format_rar4_solid_encrypted.rar", 4, false, true, false, 4,
	    { { "a.txt", true, false }, { "b.txt", true, false },
		{ "c.txt", true, false }, { "d.txt", true, false } } },
	{ "test_read_format_rar5_encrypted.rar", 5, false, false, false, 4,
	    { { "a.txt", false, false }, { "b.txt", true, false },
		{ "c.txt", false, false }, { "d.txt", true, false } } },
	{ "test_read_format_rar5_encrypted_filenames.rar", 5, true, false,
	    false, 0, { { 0 } } },
	{ "test_read_format_rar5_solid_encrypted.rar", 5, false, true, false, 4,
	    { { "a.txt", true, false }, { "b.txt", true, false },
		{ "c.txt", true, false }, { "d.txt", true, false } } },
	{ "test_read_format_rar_encryption_data.rar", 4, false, false, false, 2,
	    { { "foo.txt", true, false }, { "bar.txt", true, false } } },
	{ "test_read_format_rar_encryption_header.rar", 4, true, false, false,
	    0, { { 0 } } },
	{ "test_read_format_rar_encryption_partially.rar", 4, false, false,
	    false, 2,
	    { { "foo.txt", true, false }, { "bar.txt", false, false } } },
	{ "test_read_format_rar5_stored.rar", 5, false, false, false, 1,
	    { { "helloworld.txt", false, false } } },
	{ "test_read_format_rar5_zip_in_rar.rar", 5, false, false, false, 3,
	    { { "payload/inner.zip", false, false },
		{ "payload/real_after.txt", false, false },
		{ "payload", false, true } } },
	{ "test_read_format_rar_unicode.rar", 4, false, false, false, 6,
	    { { "表だよ/新しいフォルダ/新規テキスト ドキュメント.txt", false,
		  false },
		{ "表だよ/漢字長いファイル名long-filename-in-漢字.txt", false,
		    false },
		{ "表だよ/新しいフォルダ", false, true },
		{ "表だよ", false, true }, { "表だよ/ファイル", false, false },
		{ "abcdefghijklmnopqrsテスト.txt", false, false } } },
	{ "test_read_format_rar5_only_crypt_exfld.rar", 5, false, false, false,
	    1, { { "file.txt", true, false } } },
	{ "test_read_format_rar_invalid1.rar", 4, false, false, true, 1,
	    { { "test", false, false } } },
};

static void
test_corpus_rars_list_members_and_their_encryption(void **state)
{
	struct rarinfo *ri;
	unsigned char *p;
	char path[512];
	size_t len, i, k;

	for (i = 0; i < sizeof(corpus_cases) / sizeof(corpus_cases[0]); i++) {
		snprintf(path, sizeof(path), CORPUS "%s", corpus_cases[i].file);
		p = slurp(path, &len);
		ri = read_ok(p, len);
		if (ri->n != corpus_cases[i].n ||
		    ri->damaged != corpus_cases[i].damaged)
			print_error("%s: n %zu damaged %d\n",
			    corpus_cases[i].file, ri->n, ri->damaged);
		assert_int_equal(ri->version, corpus_cases[i].version);
		assert_int_equal(
		    ri->headers_encrypted, corpus_cases[i].headers_encrypted);
		assert_int_equal(ri->solid, corpus_cases[i].solid);
		assert_int_equal(ri->damaged, corpus_cases[i].damaged);
		assert_false(ri->volume);
		assert_int_equal(ri->n, corpus_cases[i].n);
		for (k = 0; k < ri->n; k++) {
			assert_string_equal(
			    ri->entries[k].name, corpus_cases[i].e[k].name);
			assert_int_equal(ri->entries[k].encrypted,
			    corpus_cases[i].e[k].encrypted);
			assert_int_equal(
			    ri->entries[k].dir, corpus_cases[i].e[k].dir);
		}
		assert_string_equal(rarinfo_method(ri, false),
		    ri->version == 5 ? "rar5" : "rar4");
		assert_string_equal(rarinfo_method(ri, true),
		    ri->version == 5 ? "rar5-headers" : "rar4-headers");
		rarinfo_free(ri);
		free(p);
	}
}

/* RAR4 built here */

struct r4 {
	unsigned char p[8192];
	size_t len;
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
r4_start(struct r4 *r, unsigned main_flags)
{
	unsigned char *h;

	memset(r, 0, sizeof(*r));
	memcpy(r->p, "Rar!\x1a\x07\x00", 7);
	h = r->p + 7;
	h[2] = 0x73;
	put16(h + 3, main_flags);
	put16(h + 5, 13);
	r->len = 7 + 13;
}

/* r4_file: a file header with name (nlen bytes) and dlen bytes of data */
static void
r4_file(
    struct r4 *r, unsigned flags, const void *name, size_t nlen, size_t dlen)
{
	unsigned char *h = r->p + r->len;
	size_t hl = 32 + ((flags & 0x100) ? 8 : 0);

	h[2] = 0x74;
	put16(h + 3, flags | 0x8000);
	put16(h + 5, (unsigned)(hl + nlen));
	put32(h + 7, (uint32_t)dlen);
	put32(h + 11, 1234);
	h[24] = 29;
	h[25] = 0x30;
	put16(h + 26, (unsigned)nlen);
	if (flags & 0x100) {
		put32(h + 32, 0);
		put32(h + 36, 1); /* HIGH_UNP_SIZE: 4 GiB more */
	}
	memcpy(h + hl, name, nlen);
	memset(h + hl + nlen, 'D', dlen);
	r->len += hl + nlen + dlen;
}

static void
r4_end(struct r4 *r)
{
	unsigned char *h = r->p + r->len;

	h[2] = 0x7b;
	put16(h + 3, 0x4000);
	put16(h + 5, 7);
	r->len += 7;
}

static void
test_rar4_flags_volume_solid_password_and_large_files(void **state)
{
	struct rarinfo *ri;
	struct r4 r;

	r4_start(&r, 0x0001 | 0x0008);
	r4_file(&r, 0x0004, "secret.txt", 10, 16);
	r4_file(&r, 0x00e0, "dir", 3, 0);
	r4_file(&r, 0x0100 | 0x0002, "big.bin", 7, 4);
	r4_end(&r);
	ri = read_ok(r.p, r.len);
	assert_true(ri->volume);
	assert_true(ri->solid);
	assert_false(ri->damaged);
	assert_int_equal(ri->n, 3);
	assert_true(ri->entries[0].encrypted);
	assert_int_equal(ri->entries[0].packed, 16);
	assert_true(ri->entries[1].dir);
	assert_false(ri->entries[1].encrypted);
	assert_int_equal(ri->entries[2].size, (1ULL << 32) + 1234);
	assert_true(ri->entries[2].continued);
	rarinfo_free(ri);

	r4_start(&r, 0x0080);
	r4_file(&r, 0, "hidden", 6, 1);
	ri = read_ok(r.p, r.len);
	assert_true(ri->headers_encrypted);
	assert_int_equal(ri->n, 0);
	rarinfo_free(ri);
}

static void
test_rar4_unicode_names_decode_every_code(void **state)
{
	static const struct {
		const char *field; /* OEM name, NUL, encoded name */
		size_t len;
		const char *want;
	} cases[] = {
		/* code 1 (low byte + high byte) then code 0 */
		{ "?.txt\0\x88\x40\x68\x2e\x74\x78\x00\x74", 14, "表.txt" },
		/* code 3 (copy a run of the OEM name), then code 2 */
		{ "ab?\0\x00\xe0\x00\x42\x30", 9, "abあ" },
		/* code 3 with a correction added to the OEM bytes */
		{ "\x42\x43\0\x30\xc0\x80\x00", 7, "あぃ" },
		/* the flag without a NUL: the name is UTF-8 */
		{ "名簿.csv", sizeof("名簿.csv") - 1, "名簿.csv" },
		/* cut in the middle of a two-byte code: what came is kept */
		{ "xy\0\x00\x60\x41\x42", 7, "A" },
	};
	struct rarinfo *ri;
	struct r4 r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r4_start(&r, 0);
		r4_file(&r, 0x0200, cases[i].field, cases[i].len, 0);
		r4_end(&r);
		ri = read_ok(r.p, r.len);
		assert_int_equal(ri->n, 1);
		if (strcmp(ri->entries[0].name, cases[i].want) != 0)
			print_error("case %zu: %s\n", i, ri->entries[0].name);
		assert_string_equal(ri->entries[0].name, cases[i].want);
		rarinfo_free(ri);
	}
}

static void
test_rar4_oem_names_in_cp932_and_dos_separators(void **state)
{
	struct rarinfo *ri;
	struct r4 r;

	r4_start(&r, 0);
	r4_file(&r, 0, "\x96\xbc\x95\xeb\\a.csv", 10, 0);
	r4_end(&r);
	ri = read_ok(r.p, r.len);
	assert_string_equal(ri->entries[0].name, "名簿/a.csv");
	rarinfo_free(ri);
}

static void
test_rar4_damage_stops_the_listing_and_is_flagged(void **state)
{
	struct rarinfo *ri;
	struct r4 r;
	size_t at;

	/* data size past the end */
	r4_start(&r, 0);
	r4_file(&r, 0, "a", 1, 4);
	put32(r.p + 20 + 7, 100000);
	ri = read_ok(r.p, r.len);
	assert_true(ri->damaged);
	assert_int_equal(ri->n, 1);
	rarinfo_free(ri);

	/* a header size below the minimum */
	r4_start(&r, 0);
	at = r.len;
	r4_file(&r, 0, "a", 1, 0);
	put16(r.p + at + 5, 3);
	ri = read_ok(r.p, r.len);
	assert_true(ri->damaged);
	assert_int_equal(ri->n, 0);
	rarinfo_free(ri);

	/* a file header too short for its fields, and a name too long */
	r4_start(&r, 0);
	at = r.len;
	r4_file(&r, 0, "abc", 3, 0);
	put16(r.p + at + 5, 20);
	ri = read_ok(r.p, r.len);
	assert_true(ri->damaged);
	assert_int_equal(ri->n, 0);
	rarinfo_free(ri);
	r4_start(&r, 0);
	at = r.len;
	r4_file(&r, 0, "abc", 3, 0);
	put16(r.p + at + 26, 500);
	ri = read_ok(r.p, r.len);
	assert_true(ri->damaged);
	rarinfo_free(ri);

	/* cut inside a block header */
	r4_start(&r, 0);
	r4_file(&r, 0, "abc", 3, 0);
	ri = read_ok(r.p, r.len - 38);
	assert_true(ri->damaged);
	rarinfo_free(ri);
}

/* RAR5 built here */

static size_t
vint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			p[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

/* r5_block: a header: type, flags, optional extra area and data size */
static void
r5_block(struct r4 *r, unsigned type, unsigned hflags, const void *body,
    size_t blen, const void *extra, size_t xlen, size_t data)
{
	unsigned char h[512];
	size_t n = 0;

	n += vint(h + n, type);
	n += vint(h + n, hflags | (xlen ? 1 : 0) | (data ? 2 : 0));
	if (xlen)
		n += vint(h + n, xlen);
	if (data)
		n += vint(h + n, data);
	memcpy(h + n, body, blen);
	n += blen;
	if (xlen > 0)
		memcpy(h + n, extra, xlen);
	n += xlen;
	memset(r->p + r->len, 0, 4); /* CRC: not checked */
	r->len += 4;
	r->len += vint(r->p + r->len, n);
	memcpy(r->p + r->len, h, n);
	r->len += n;
	memset(r->p + r->len, 'D', data);
	r->len += data;
}

/* r5_file: a file header body */
static size_t
r5_file_body(unsigned char *b, unsigned fflags, const char *name)
{
	size_t n = 0;

	n += vint(b + n, fflags);
	n += vint(b + n, 18); /* unpacked size */
	n += vint(b + n, 0x20);
	n += vint(b + n, 0); /* compression: stored */
	n += vint(b + n, 0);
	n += vint(b + n, strlen(name));
	memcpy(b + n, name, strlen(name));
	return n + strlen(name);
}

static void
r5_start(struct r4 *r, unsigned archive_flags)
{
	unsigned char b[8];

	memset(r, 0, sizeof(*r));
	memcpy(r->p, "Rar!\x1a\x07\x01\x00", 8);
	r->len = 8;
	r5_block(r, 1, 0, b, vint(b, archive_flags), NULL, 0, 0);
}

static void
test_rar5_crypt_record_directory_volume_and_header_encryption(void **state)
{
	/* extra record: size, type 1 (crypt), version, flags, kdf, ... */
	static const unsigned char crypt[] = { 4, 1, 0, 0, 15 };
	static const unsigned char htime[] = { 6, 3, 0, 1, 2, 3, 4 };
	unsigned char b[256], s[64];
	struct rarinfo *ri;
	struct r4 r;
	size_t n;

	r5_start(&r, 0x0001 | 0x0004);
	n = r5_file_body(b, 0, "plain.txt");
	r5_block(&r, 2, 0, b, n, htime, sizeof(htime), 18);
	n = r5_file_body(b, 0, "secret.txt");
	r5_block(&r, 2, 0x0010, b, n, crypt, sizeof(crypt), 32);
	n = r5_file_body(b, 1, "dir");
	r5_block(&r, 2, 0, b, n, NULL, 0, 0);
	n = r5_file_body(b, 0, "CMT");
	r5_block(&r, 3, 0, b, n, NULL, 0, 5); /* service: not a member */
	r5_block(&r, 5, 0, "\0", 1, NULL, 0, 0);
	ri = read_ok(r.p, r.len);
	assert_int_equal(ri->version, 5);
	assert_true(ri->volume);
	assert_true(ri->solid);
	assert_false(ri->damaged);
	assert_int_equal(ri->n, 3);
	assert_false(ri->entries[0].encrypted);
	assert_true(ri->entries[1].encrypted);
	assert_true(ri->entries[1].continued);
	assert_int_equal(ri->entries[1].packed, 32);
	assert_true(ri->entries[2].dir);
	rarinfo_free(ri);

	/* the archive encryption header: nothing after it is readable */
	memset(&r, 0, sizeof(r));
	memcpy(r.p, "Rar!\x1a\x07\x01\x00", 8);
	r.len = 8;
	memset(s, 0x55, sizeof(s));
	s[0] = 0; /* version */
	s[1] = 1; /* flags: check value present */
	s[2] = 15;
	r5_block(&r, 4, 0, s, 3 + 16 + 12, NULL, 0, 0);
	memset(r.p + r.len, 0xaa, 64);
	r.len += 64;
	ri = read_ok(r.p, r.len);
	assert_true(ri->headers_encrypted);
	assert_int_equal(ri->n, 0);
	rarinfo_free(ri);
}

static void
test_rar5_damage_stops_the_listing_and_is_flagged(void **state)
{
	unsigned char b[256];
	struct rarinfo *ri;
	struct r4 r;
	size_t n;

	/* a vint that never ends */
	r5_start(&r, 0);
	memset(r.p + r.len, 0, 4);
	memset(r.p + r.len + 4, 0x80, 12);
	r.len += 16;
	ri = read_ok(r.p, r.len);
	assert_true(ri->damaged);
	rarinfo_free(ri);

	/* a header larger than the format allows */
	r5_start(&r, 0);
	memset(r.p + r.len, 0, 4);
	r.len += 4;
	r.len += vint(r.p + r.len, 3u << 20);
	ri = read_ok(r.p, r.len);
	assert_true(ri->damaged);
	rarinfo_free(ri);

	/* data that runs past the end */
	r5_start(&r, 0);
	n = r5_file_body(b, 0, "a.txt");
	r5_block(&r, 2, 0, b, n, NULL, 0, 10);
	ri = read_ok(r.p, r.len - 5);
	assert_true(ri->damaged);
	assert_int_equal(ri->n, 1);
	rarinfo_free(ri);

	/* a name longer than its header */
	r5_start(&r, 0);
	n = r5_file_body(b, 0, "a.txt");
	b[n - 6] = 100; /* the name length */
	r5_block(&r, 2, 0, b, n, NULL, 0, 0);
	ri = read_ok(r.p, r.len);
	assert_true(ri->damaged);
	assert_int_equal(ri->n, 0);
	rarinfo_free(ri);

	/* an extra area larger than the header */
	r5_start(&r, 0);
	memset(r.p + r.len, 0, 4);
	r.len += 4;
	memcpy(r.p + r.len, "\x04\x02\x01\x7f", 4); /* size 4, extra 127 */
	r.len += 4;
	ri = read_ok(r.p, r.len);
	assert_true(ri->damaged);
	rarinfo_free(ri);
}

static void
test_more_members_than_allowed_are_cut_and_said(void **state)
{
	struct rarinfo *ri = NULL;
	struct r4 r;
	int i;

	r4_start(&r, 0);
	for (i = 0; i < 40; i++)
		r4_file(&r, 0, "m", 1, 1);
	r4_end(&r);
	assert_int_equal(rarinfo_read(r.p, r.len, 7, &ri), RARINFO_OK);
	assert_true(ri->truncated);
	assert_int_equal(ri->n, 7);
	rarinfo_free(ri);
}

static void
test_what_is_not_rar_is_einput(void **state)
{
	static const char *cases[] = { "", "Rar!", "Rar!\x1a\x07\x02\x00",
		"PK\3\4 not a rar" };
	struct rarinfo *ri = (struct rarinfo *)1;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    rarinfo_read(
			cases[i], strlen(cases[i]) + (i == 2 ? 1 : 0), 10, &ri),
		    RARINFO_EINPUT);
		assert_null(ri);
	}
	rarinfo_free(NULL);
}

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)rng;
}

static void
test_mutated_corpus_rars_never_read_out_of_bounds(void **state)
{
	static const char *files[] = {
		"test_read_format_rar4_encrypted.rar",
		"test_read_format_rar5_encrypted.rar",
		"test_read_format_rar_unicode.rar",
		"test_read_format_rar5_zip_in_rar.rar",
	};
	struct rarinfo *ri;
	unsigned char *p, *m;
	char path[512];
	size_t len, n, i, k, j;
	int rc;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), CORPUS "%s", files[i]);
		p = slurp(path, &len);
		for (k = 0; k < 3000; k++) {
			n = rnd() % 4 == 0 ? rnd() % len : len;
			m = malloc(n ? n : 1);
			assert_non_null(m);
			memcpy(m, p, n);
			for (j = 0; n > 8 && j < 1 + rnd() % 6; j++)
				m[8 + rnd() % (n - 8)] =
				    (unsigned char)(rnd() % 3 == 0 ? 0xff
								   : rnd());
			rc = rarinfo_read(m, n, 100, &ri);
			assert_true(rc == RARINFO_OK || rc == RARINFO_EINPUT);
			if (rc == RARINFO_OK)
				for (j = 0; j < ri->n; j++)
					assert_true(
					    strlen(ri->entries[j].name) <=
					    RARINFO_NAME_MAX);
			rarinfo_free(ri);
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
		    test_corpus_rars_list_members_and_their_encryption),
		cmocka_unit_test(
		    test_rar4_flags_volume_solid_password_and_large_files),
		cmocka_unit_test(test_rar4_unicode_names_decode_every_code),
		cmocka_unit_test(
		    test_rar4_oem_names_in_cp932_and_dos_separators),
		cmocka_unit_test(
		    test_rar4_damage_stops_the_listing_and_is_flagged),
		cmocka_unit_test(
		    test_rar5_crypt_record_directory_volume_and_header_encryption),
		cmocka_unit_test(
		    test_rar5_damage_stops_the_listing_and_is_flagged),
		cmocka_unit_test(
		    test_more_members_than_allowed_are_cut_and_said),
		cmocka_unit_test(test_what_is_not_rar_is_einput),
		cmocka_unit_test(
		    test_mutated_corpus_rars_never_read_out_of_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
