/*
 * test_sevenzip - sevenzip_read() and sevenzip_read_header() on the
 * external corpus's 7z files, on archives made here with Debian's 7z
 * (p7zip-full: encrypted data, encrypted headers, plain and packed
 * headers, a mixed archive; a missing 7z is a failure, not a silent
 * skip), and on headers built byte by byte for what 7z will not write:
 * coders' memory, damaged CRCs, cut archives, random mutations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sevenzip.h"
#include "zipinfo.h"

#define CORPUS "../shared/corpus/external/libarchive/"

static char tmpdir[] = "/tmp/test_sevenzip.XXXXXX";

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p;
	long n;

	if (fp == NULL) {
		print_error("cannot open %s\n", path);
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

static struct sevenzip *
read_ok(const void *p, size_t len)
{
	struct sevenzip *sz = NULL;

	assert_int_equal(sevenzip_read(p, len, 1000, &sz), SEVENZIP_OK);
	assert_non_null(sz);
	return sz;
}

/* sh: run a shell command in the temp dir; fail the test if it fails */
static void
sh(const char *fmt, ...)
{
	char cmd[2048];
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

static int
setup(void **state)
{
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
need_7z(void)
{
	if (system("command -v 7z >/dev/null 2>&1") != 0) {
		print_error("7z is missing: install p7zip-full (make deps)\n");
		fail();
	}
}

static struct sevenzip *
read_made(const char *name, unsigned char **data, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	*data = slurp(path, len);
	return read_ok(*data, *len);
}

/* Corpus */

static void
test_corpus_7z_files_say_what_is_encrypted(void **state)
{
	static const struct {
		const char *file;
		bool headers_encrypted, header_packed, listed, data_encrypted;
		bool cut;
		size_t n;
		const char *name;
		bool encrypted;
		uint64_t size;
	} cases[] = {
		{ "test_read_format_7zip_encryption.7z", false, false, true,
		    true, false, 1, "bar.txt", true, 4 },
		{ "test_read_format_7zip_encryption_header.7z", true, false,
		    false, false, false, 0, NULL, false, 0 },
		{ "test_read_format_7zip_encryption_partially.7z", false, true,
		    false, false, false, 0, NULL, false, 0 },
		{ "test_read_format_7zip_copy.7z", false, false, true, false,
		    false, 1, "file1", false, 60 },
		{ "test_read_format_7zip_lzma2.7z", false, false, true, false,
		    false, 1, "file1", false, 2844 },
		{ "test_read_format_7zip_empty_archive.7z", false, false, true,
		    false, false, 0, NULL, false, 0 },
		{ "test_read_format_7zip_malformed.7z", false, false, false,
		    false, true, 0, NULL, false, 0 },
		{ "test_read_format_7zip_malformed2.7z", false, false, false,
		    false, true, 0, NULL, false, 0 },
	};
	struct sevenzip *sz;
	unsigned char *p;
	char path[512];
	size_t len, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), CORPUS "%s", cases[i].file);
		p = slurp(path, &len);
		sz = read_ok(p, len);
		if (sz->listed != cases[i].listed || sz->cut != cases[i].cut)
			print_error("%s: listed %d cut %d damaged %d\n",
			    cases[i].file, sz->listed, sz->cut, sz->damaged);
		assert_int_equal(
		    sz->headers_encrypted, cases[i].headers_encrypted);
		assert_int_equal(sz->header_packed, cases[i].header_packed);
		assert_int_equal(sz->listed, cases[i].listed);
		assert_int_equal(sz->data_encrypted, cases[i].data_encrypted);
		assert_int_equal(sz->cut, cases[i].cut);
		assert_int_equal(sz->n, cases[i].n);
		if (cases[i].n > 0) {
			assert_string_equal(sz->files[0].name, cases[i].name);
			assert_int_equal(
			    sz->files[0].encrypted, cases[i].encrypted);
			assert_int_equal(sz->files[0].size, cases[i].size);
			assert_true(sz->files[0].has_stream);
		}
		if (sz->header_packed) {
			/* where the packed header is: inside the file */
			assert_true(sz->hdr_lzma);
			assert_true(sz->hdr_off >= 32);
			assert_true(sz->hdr_off + sz->hdr_packed <= len);
			assert_true(sz->hdr_size > 0);
		}
		sevenzip_free(sz);
		free(p);
	}
}

/* Made with 7z */

static void
test_made_plain_header_maps_files_dirs_and_empty_files(void **state)
{
	struct sevenzip *sz;
	unsigned char *p;
	size_t len;

	need_7z();
	sh("mkdir -p d/sub && printf 'hello 1\\n' > d/a.txt && "
	   "printf 'second file\\n' > d/b.txt && : > d/empty.txt && "
	   "7z a -bd -mhc=off -p12345678 enc.7z d >/dev/null");
	sz = read_made("enc.7z", &p, &len);
	assert_true(sz->listed);
	assert_false(sz->header_packed);
	assert_true(sz->data_encrypted);
	assert_int_equal(sz->n, 5);
	for (size_t i = 0; i < sz->n; i++) {
		const struct sevenzip_file *f = &sz->files[i];

		if (strcmp(f->name, "d") == 0 ||
		    strcmp(f->name, "d/sub") == 0) {
			assert_true(f->dir);
			assert_false(f->encrypted);
		} else if (strcmp(f->name, "d/empty.txt") == 0) {
			assert_false(f->dir);
			assert_false(f->has_stream);
			assert_false(f->encrypted);
		} else {
			assert_true(f->has_stream);
			assert_true(f->encrypted);
			assert_int_equal(
			    f->size, strcmp(f->name, "d/a.txt") == 0 ? 8 : 12);
		}
	}
	sevenzip_free(sz);
	free(p);
}

static void
test_made_mixed_archive_tells_each_file_apart(void **state)
{
	struct sevenzip *sz;
	unsigned char *p;
	size_t len, i;

	need_7z();
	sh("printf 'open\\n' > open.txt && printf 'secret\\n' > secret.txt && "
	   "rm -f mixed.7z && 7z a -bd -mhc=off mixed.7z open.txt >/dev/null "
	   "&& 7z a -bd -mhc=off -ppw mixed.7z secret.txt >/dev/null");
	sz = read_made("mixed.7z", &p, &len);
	assert_true(sz->listed);
	assert_int_equal(sz->n, 2);
	assert_int_equal(sz->n_folders, 2);
	assert_int_equal(sz->n_encrypted_folders, 1);
	for (i = 0; i < sz->n; i++)
		assert_int_equal(sz->files[i].encrypted,
		    strcmp(sz->files[i].name, "secret.txt") == 0);
	sevenzip_free(sz);
	free(p);
}

static void
test_made_encrypted_headers_hide_the_names(void **state)
{
	struct sevenzip *sz;
	unsigned char *p;
	size_t len;

	need_7z();
	/* 7-Zip packs a header only when that makes it smaller: 30 files */
	sh("mkdir -p many && for i in $(seq 1 30); do echo \"file $i\" > "
	   "many/f$i.txt; done && 7z a -bd -p12345678 -mhe=on hdr.7z many "
	   ">/dev/null && 7z a -bd -p12345678 -mhe=off data.7z many "
	   ">/dev/null");
	sz = read_made("hdr.7z", &p, &len);
	assert_true(sz->headers_encrypted);
	assert_false(sz->header_packed);
	assert_false(sz->listed);
	assert_int_equal(sz->n, 0);
	sevenzip_free(sz);
	free(p);
	/* a password without -mhe: the header is only packed */
	sz = read_made("data.7z", &p, &len);
	assert_false(sz->headers_encrypted);
	assert_true(sz->header_packed);
	assert_true(sz->hdr_lzma);
	sevenzip_free(sz);
	free(p);
}

static void
test_unpacked_header_is_read_into_the_packed_archive(void **state)
{
	unsigned char *packed, *plain;
	size_t plen, qlen;
	struct sevenzip *sz, *ref;

	need_7z();
	sh("mkdir -p uu && for i in $(seq 1 30); do echo \"u $i\" > "
	   "uu/u$i.txt; done && 7z a -bd u_packed.7z uu >/dev/null && "
	   "7z a -bd -mhc=off u_plain.7z uu >/dev/null");
	sz = read_made("u_packed.7z", &packed, &plen);
	ref = read_made("u_plain.7z", &plain, &qlen);
	assert_true(sz->header_packed);
	assert_false(sz->listed);
	/* what the packed header unpacks to is a plain header like this */
	assert_int_equal(
	    sevenzip_read_header(sz, plain + 32 + (plain[12] | plain[13] << 8),
		qlen - 32 - (plain[12] | plain[13] << 8), 100),
	    SEVENZIP_OK);
	assert_true(sz->listed);
	assert_int_equal(sz->n, 31);
	assert_string_equal(sz->files[0].name, "uu");
	assert_true(sz->files[0].dir);
	assert_int_equal(sz->files[1].size, strlen("u 1\n"));
	/* once listed, never again */
	assert_int_equal(
	    sevenzip_read_header(sz, "\x01\x00", 2, 100), SEVENZIP_EINPUT);
	/* something else than a header: damage, nothing listed */
	assert_int_equal(
	    sevenzip_read_header(ref, "\x17", 1, 100), SEVENZIP_EINPUT);
	sevenzip_free(sz);
	sevenzip_free(ref);
	free(packed);
	free(plain);
}

/* Built here */

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* mk7z: a 7z archive of packed bytes (plen) and then header (hlen) */
static size_t
mk7z(unsigned char *out, const void *hdr, size_t hlen, size_t plen)
{
	memcpy(out, "7z\xbc\xaf\x27\x1c\x00\x04", 8);
	memset(out + 32, 'P', plen);
	memcpy(out + 32 + plen, hdr, hlen);
	put64(out + 12, plen);
	put64(out + 20, hlen);
	put32(out + 28, zipinfo_crc32(0, hdr, hlen));
	put32(out + 8, zipinfo_crc32(0, out + 12, 20));
	return 32 + plen + hlen;
}

/* a header with one folder of one coder (id, props), one file "a" */
static size_t
one_coder_header(unsigned char *h, const unsigned char *id, size_t idlen,
    const unsigned char *props, size_t plen)
{
	size_t n = 0;

	memcpy(
	    h + n, "\x01\x04\x06\x00\x01\x09\x0a\x00\x07\x0b\x01\x00\x01", 13);
	n += 13;
	h[n++] = (unsigned char)(idlen | (plen ? 0x20 : 0));
	memcpy(h + n, id, idlen);
	n += idlen;
	if (plen) {
		h[n++] = (unsigned char)plen;
		memcpy(h + n, props, plen);
		n += plen;
	}
	/* unpack size 20, end; end of streams; files: 1, name "a" */
	memcpy(h + n,
	    "\x0c\x14\x00\x00\x05\x01\x11\x05\x00\x61\x00\x00\x00"
	    "\x00\x00",
	    15);
	return n + 15;
}

static void
test_coders_declare_their_memory_and_encryption(void **state)
{
	static const struct {
		unsigned char id[4];
		size_t idlen;
		unsigned char props[5];
		size_t plen;
		uint64_t memory;
		bool aes;
	} cases[] = {
		{ { 0x21 }, 1, { 24 }, 1, 16u << 20, false },	/* LZMA2 */
		{ { 0x21 }, 1, { 40 }, 1, 0xffffffffu, false }, /* max */
		{ { 0x21 }, 1, { 41 }, 1, UINT64_MAX, false },	/* invalid */
		{ { 3, 1, 1 }, 3, { 0x5d, 0, 0, 0, 4 }, 5, 64u << 20, false },
		{ { 3, 4, 1 }, 3, { 6, 0, 0, 0, 1 }, 5, 16u << 20, false },
		{ { 6, 0xf1, 7, 1 }, 4, { 0 }, 0, 0, true },
		{ { 0 }, 1, { 0 }, 0, 0, false }, /* copy */
	};
	unsigned char h[256], a[1024];
	struct sevenzip *sz;
	size_t i, hl, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hl = one_coder_header(h, cases[i].id, cases[i].idlen,
		    cases[i].props, cases[i].plen);
		len = mk7z(a, h, hl, 10);
		sz = read_ok(a, len);
		if (!sz->listed || sz->damaged)
			print_error("case %zu: listed %d damaged %d\n", i,
			    sz->listed, sz->damaged);
		assert_true(sz->listed);
		assert_false(sz->damaged);
		assert_int_equal(sz->n, 1);
		assert_string_equal(sz->files[0].name, "a");
		assert_int_equal(sz->files[0].size, 20);
		assert_int_equal(sz->max_memory, cases[i].memory);
		assert_int_equal(sz->data_encrypted, cases[i].aes);
		assert_int_equal(sz->files[0].encrypted, cases[i].aes);
		sevenzip_free(sz);
	}
}

static void
test_crc_mismatch_cut_and_empty_archives(void **state)
{
	unsigned char h[256], a[1024];
	struct sevenzip *sz;
	size_t hl, len;

	hl = one_coder_header(h, (const unsigned char *)"\0", 1, NULL, 0);
	/* the start header's CRC is wrong: damaged, still read */
	len = mk7z(a, h, hl, 10);
	a[8] ^= 1;
	sz = read_ok(a, len);
	assert_true(sz->damaged);
	assert_true(sz->listed);
	sevenzip_free(sz);
	/* the next header's CRC is wrong */
	len = mk7z(a, h, hl, 10);
	a[len - 1] ^= 0x40;
	sz = read_ok(a, len);
	assert_true(sz->damaged);
	sevenzip_free(sz);
	/* the next header lies past the data: a cut file, or a volume */
	len = mk7z(a, h, hl, 10);
	sz = read_ok(a, len - 3);
	assert_true(sz->cut);
	assert_false(sz->listed);
	sevenzip_free(sz);
	sz = read_ok(a, 20);
	assert_true(sz->cut);
	sevenzip_free(sz);
	/* no next header at all: an empty archive */
	len = mk7z(a, "", 0, 0);
	put32(a + 28, 0);
	put32(a + 8, zipinfo_crc32(0, a + 12, 20));
	sz = read_ok(a, len);
	assert_true(sz->listed);
	assert_false(sz->damaged);
	assert_int_equal(sz->n, 0);
	sevenzip_free(sz);
}

static void
test_absurd_counts_are_damage_not_allocations(void **state)
{
	static const struct {
		const char *h;
		size_t len;
	} cases[] = {
		/* a million folders in a few bytes */
		{ "\x01\x04\x07\x0b\xcf\x42\x0f\x00\x00", 9 },
		/* files: 2^40 of them */
		{ "\x01\x05\xf0\x00\x00\x00\x00\x01\x00", 9 },
		/* 65 coders */
		{ "\x01\x04\x07\x0b\x01\x00\x41\x01\x00", 9 },
		/* an unknown property id */
		{ "\x01\x7f\x00", 3 },
		/* external folders */
		{ "\x01\x04\x07\x0b\x01\x01\x00\x00", 8 },
	};
	unsigned char a[256];
	struct sevenzip *sz;
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = mk7z(a, cases[i].h, cases[i].len, 0);
		sz = read_ok(a, len);
		assert_true(sz->damaged);
		assert_false(sz->listed);
		sevenzip_free(sz);
	}
}

static void
test_more_files_than_allowed_are_cut_and_said(void **state)
{
	/* 300 empty files, no streams: 0x0e bitfield all empty */
	unsigned char h[256], a[512];
	struct sevenzip *sz = NULL;
	size_t n = 0, len;

	memcpy(h, "\x01\x05\x81\x2c\x0e\x26", 6); /* 300 files, 38 bytes */
	n = 6;
	memset(h + n, 0xff, 37);
	h[n + 37] = 0xf0;
	n += 38;
	h[n++] = 0;
	h[n++] = 0;
	len = mk7z(a, h, n, 0);
	assert_int_equal(sevenzip_read(a, len, 10, &sz), SEVENZIP_OK);
	assert_true(sz->truncated);
	assert_int_equal(sz->n, 10);
	assert_true(sz->files[0].dir);
	sevenzip_free(sz);
}

static void
test_what_is_not_7z_is_einput(void **state)
{
	struct sevenzip *sz = (struct sevenzip *)1;

	assert_int_equal(sevenzip_read("", 0, 10, &sz), SEVENZIP_EINPUT);
	assert_null(sz);
	assert_int_equal(
	    sevenzip_read("7z\xbc\xaf\x27", 5, 10, &sz), SEVENZIP_EINPUT);
	assert_int_equal(
	    sevenzip_read("PK\3\4abcdefgh", 12, 10, &sz), SEVENZIP_EINPUT);
	sevenzip_free(NULL);
}

static unsigned long long rng = 0x853c49e6748fea9bULL;

static unsigned
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)rng;
}

static void
test_mutated_headers_never_read_out_of_bounds(void **state)
{
	static const char *files[] = {
		CORPUS "test_read_format_7zip_encryption.7z",
		CORPUS "test_read_format_7zip_copy.7z",
		CORPUS "test_read_format_7zip_encryption_partially.7z",
	};
	struct sevenzip *sz;
	unsigned char *p, *m;
	size_t len, i, k, j, n, hdr;
	int rc;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		p = slurp(files[i], &len);
		hdr = 32 + (size_t)(p[12] | p[13] << 8);
		for (k = 0; k < 4000; k++) {
			n = rnd() % 8 == 0 ? rnd() % len : len;
			m = malloc(n ? n : 1);
			assert_non_null(m);
			memcpy(m, p, n);
			/* mostly in the header, where the parsing is */
			for (j = 0; n > hdr && j < 1 + rnd() % 4; j++)
				m[hdr + rnd() % (n - hdr)] =
				    (unsigned char)rnd();
			if (rnd() % 2 == 0 && n >= 32) /* CRCs made right */
				put32(m + 28,
				    zipinfo_crc32(
					0, m + hdr, n > hdr ? n - hdr : 0));
			rc = sevenzip_read(m, n, 50, &sz);
			assert_true(rc == SEVENZIP_OK || rc == SEVENZIP_EINPUT);
			if (rc == SEVENZIP_OK && sz->n > 0) {
				assert_true(sz->n <= 50);
				assert_non_null(sz->files[sz->n - 1].name);
			}
			sevenzip_free(sz);
			free(m);
		}
		free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_7z_files_say_what_is_encrypted),
		cmocka_unit_test(
		    test_made_plain_header_maps_files_dirs_and_empty_files),
		cmocka_unit_test(test_made_mixed_archive_tells_each_file_apart),
		cmocka_unit_test(test_made_encrypted_headers_hide_the_names),
		cmocka_unit_test(
		    test_unpacked_header_is_read_into_the_packed_archive),
		cmocka_unit_test(
		    test_coders_declare_their_memory_and_encryption),
		cmocka_unit_test(test_crc_mismatch_cut_and_empty_archives),
		cmocka_unit_test(test_absurd_counts_are_damage_not_allocations),
		cmocka_unit_test(test_more_files_than_allowed_are_cut_and_said),
		cmocka_unit_test(test_what_is_not_7z_is_einput),
		cmocka_unit_test(test_mutated_headers_never_read_out_of_bounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
