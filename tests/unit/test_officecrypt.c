/*
 * test_officecrypt - encrypted OOXML opened with a known password
 * (officecrypt.c): Excel's default password on the corpus files that use
 * it (standard and agile), the corpus files' own published passwords
 * (AES-128 and AES-256, SHA-1 and SHA-512), wrong passwords, and damaged
 * descriptors and packages that must end as "corrupt" (or "wrong")
 * without a read out of bounds.
 *
 * Inputs: the external corpus (../shared/corpus/external, read-only); its
 * MANIFEST.tsv gives each file's password. The SHA-256 of the decrypted
 * packages were checked against python3-msoffcrypto-tool's decryption of
 * the same files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <glib.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-stdio.h>
#include <gsf/gsf-input.h>

#include "officecrypt.h"

#define CORPUS "../shared/corpus/external/apache-poi/"
#define MAXOUT (64u << 20)

struct enc {
	unsigned char *info, *pkg;
	size_t info_len, pkg_len;
};

static unsigned char *
stream(GsfInfile *f, const char *name, size_t *len)
{
	GsfInput *in = gsf_infile_child_by_name(f, name);
	unsigned char *b;

	assert_non_null(in);
	*len = (size_t)gsf_input_size(in);
	b = malloc(*len + 1);
	assert_non_null(b);
	assert_non_null(gsf_input_read(in, *len, b));
	g_object_unref(in);
	return b;
}

static void
load(const char *file, struct enc *e)
{
	GsfInput *in = gsf_input_stdio_new(file, NULL);
	GsfInfile *f;

	assert_non_null(in);
	f = gsf_infile_msole_new(in, NULL);
	assert_non_null(f);
	e->info = stream(f, "EncryptionInfo", &e->info_len);
	e->pkg = stream(f, "EncryptedPackage", &e->pkg_len);
	g_object_unref(f);
	g_object_unref(in);
}

static void
unload(struct enc *e)
{
	free(e->info);
	free(e->pkg);
}

static enum offcrypt_result
try(const struct enc *e, const char *pw, size_t max, unsigned char **out,
    size_t *len)
{
	return officecrypt_open(
	    e->info, e->info_len, e->pkg, e->pkg_len, pw, max, out, len);
}

/* The file opens with pw into a zip of len bytes whose SHA-256 is sha. */
static void
opens(const char *file, const char *pw, size_t want_len, const char *sha)
{
	struct enc e;
	unsigned char *out;
	size_t len;
	gchar *got;

	load(file, &e);
	assert_int_equal(try(&e, pw, MAXOUT, &out, &len), OFFCRYPT_OPENED);
	assert_int_equal(len, want_len);
	assert_memory_equal(out, "PK\3\4", 4);
	got = g_compute_checksum_for_data(G_CHECKSUM_SHA256, out, len);
	assert_string_equal(got, sha);
	g_free(got);
	free(out);
	/* the same file with another password: not opened, nothing out */
	assert_int_equal(
	    try(&e, "not-the-password", MAXOUT, &out, &len), OFFCRYPT_WRONG);
	assert_null(out);
	assert_int_equal(len, 0);
	unload(&e);
}

static void
test_default_password_standard(void **state)
{
	opens(CORPUS "protect.xlsx", OFFCRYPT_DEFAULT_PASSWORD, 8851,
	    "d0cb0996f2dad255e9fe914675419286f049cbd933dd70f51074ed4f32aba42e");
}

static void
test_default_password_agile(void **state)
{
	opens(CORPUS "protected_agile.docx", OFFCRYPT_DEFAULT_PASSWORD, 12810,
	    "df43c98abaeb4104c4bcc92174e59a7dd1d14e8df5cb8820a31a963fbb8e0427");
}

/* Other schemes, with the passwords the manifest publishes. */
static void
test_own_passwords(void **state)
{
	static const struct {
		const char *file, *pw;
	} cases[] = {
		{ "60320-protected.xlsx", "Test001!!" },      /* agile SHA-1 */
		{ "bug53475-password-is-pass.docx", "pass" }, /* AES-256 */
		{ "bug53475-password-is-solrcell.docx", "solrcell" }, /* 4.2 */
		{ "protected_passtika.xlsb", "tika" }, /* AES-256, SHA-512 */
		{ "protected_passtika.xlsx", "tika" }, /* standard */
	};
	char path[512];
	struct enc e;
	unsigned char *out;
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), CORPUS "%s", cases[i].file);
		load(path, &e);
		assert_int_equal(
		    try(&e, cases[i].pw, MAXOUT, &out, &len), OFFCRYPT_OPENED);
		assert_true(len > 1000);
		assert_memory_equal(out, "PK\3\4", 4);
		free(out);
		assert_int_equal(
		    try(&e, OFFCRYPT_DEFAULT_PASSWORD, MAXOUT, &out, &len),
		    OFFCRYPT_WRONG);
		unload(&e);
	}
}

static void
test_limits_and_arguments(void **state)
{
	struct enc e;
	unsigned char *out = (unsigned char *)"x";
	size_t len = 7;

	load(CORPUS "protect.xlsx", &e);
	/* the package is larger than the caller allows */
	assert_int_equal(try(&e, OFFCRYPT_DEFAULT_PASSWORD, 8850, &out, &len),
	    OFFCRYPT_NOMEM);
	assert_null(out);
	/* a password that is not UTF-8 of the BMP cannot be tried */
	assert_int_equal(
	    try(&e, "\xff\xfe", MAXOUT, &out, &len), OFFCRYPT_WRONG);
	assert_int_equal(try(&e, "", MAXOUT, &out, &len), OFFCRYPT_WRONG);
	assert_int_equal(officecrypt_open(NULL, 0, e.pkg, e.pkg_len, "x",
			     MAXOUT, &out, &len),
	    OFFCRYPT_CORRUPT);
	assert_int_equal(officecrypt_open(e.info, 7, e.pkg, e.pkg_len, "x",
			     MAXOUT, &out, &len),
	    OFFCRYPT_CORRUPT);
	unload(&e);
}

static void
test_damaged_standard(void **state)
{
	struct enc e;
	unsigned char *out;
	size_t len;
	uint32_t hdr_len;

	load(CORPUS "protect.xlsx", &e);
	/* a header longer than the stream */
	memcpy(e.info + 8, "\xff\xff\xff\x7f", 4);
	assert_int_equal(try(&e, OFFCRYPT_DEFAULT_PASSWORD, MAXOUT, &out, &len),
	    OFFCRYPT_CORRUPT);
	unload(&e);

	load(CORPUS "protect.xlsx", &e);
	hdr_len = e.info[8] | (uint32_t)e.info[9] << 8;
	/* RC4 CryptoAPI is not decrypted: "wrong", not damage */
	memcpy(e.info + 12 + 8, "\x01\x68\x00\x00", 4);
	assert_int_equal(try(&e, OFFCRYPT_DEFAULT_PASSWORD, MAXOUT, &out, &len),
	    OFFCRYPT_WRONG);
	/* a key size that is no AES key */
	memcpy(e.info + 12 + 8, "\x0e\x66\x00\x00", 4);
	memcpy(e.info + 12 + 16, "\x28\x00\x00\x00", 4);
	assert_int_equal(try(&e, OFFCRYPT_DEFAULT_PASSWORD, MAXOUT, &out, &len),
	    OFFCRYPT_CORRUPT);
	memcpy(e.info + 12 + 16, "\x80\x00\x00\x00", 4);
	/* a verifier cut short */
	assert_int_equal(
	    officecrypt_open(e.info, 12 + hdr_len + 40, e.pkg, e.pkg_len,
		OFFCRYPT_DEFAULT_PASSWORD, MAXOUT, &out, &len),
	    OFFCRYPT_CORRUPT);
	/* a package whose size field says more than it holds */
	memcpy(e.pkg, "\x00\x00\x01\x00\x00\x00\x00\x00", 8);
	assert_int_equal(try(&e, OFFCRYPT_DEFAULT_PASSWORD, MAXOUT, &out, &len),
	    OFFCRYPT_CORRUPT);
	assert_null(out);
	/* a package too short to hold one block */
	assert_int_equal(officecrypt_open(e.info, e.info_len, e.pkg, 20,
			     OFFCRYPT_DEFAULT_PASSWORD, MAXOUT, &out, &len),
	    OFFCRYPT_CORRUPT);
	unload(&e);
}

/* The agile descriptor with one substring replaced. */
static void
agile_edit(const char *from, const char *to, enum offcrypt_result want)
{
	struct enc e;
	unsigned char *info, *out;
	char *xml, *at;
	size_t len, xlen, nlen;

	load(CORPUS "protected_agile.docx", &e);
	xlen = e.info_len - 8;
	xml = g_strndup((const char *)e.info + 8, xlen);
	at = strstr(xml, from);
	assert_non_null(at);
	nlen = xlen - strlen(from) + strlen(to);
	info = malloc(8 + nlen);
	assert_non_null(info);
	memcpy(info, e.info, 8);
	memcpy(info + 8, xml, (size_t)(at - xml));
	memcpy(info + 8 + (at - xml), to, strlen(to));
	memcpy(info + 8 + (at - xml) + strlen(to), at + strlen(from),
	    xlen - (size_t)(at - xml) - strlen(from));
	assert_int_equal(officecrypt_open(info, 8 + nlen, e.pkg, e.pkg_len,
			     OFFCRYPT_DEFAULT_PASSWORD, MAXOUT, &out, &len),
	    want);
	if (want == OFFCRYPT_OPENED)
		free(out);
	else
		assert_null(out);
	free(info);
	g_free(xml);
	unload(&e);
}

static void
test_damaged_agile(void **state)
{
	/* the unchanged descriptor opens: the edits below are what fails */
	agile_edit(
	    "spinCount=\"100000\"", "spinCount=\"100000\"", OFFCRYPT_OPENED);
	/* a spin count past the bound: never derived */
	agile_edit("spinCount=\"100000\"", "spinCount=\"4000000000\"",
	    OFFCRYPT_CORRUPT);
	agile_edit(
	    "spinCount=\"100000\"", "spinCount=\"-1\"", OFFCRYPT_CORRUPT);
	/* a cipher or hash not known */
	agile_edit("cipherAlgorithm=\"AES\"", "cipherAlgorithm=\"DES\"",
	    OFFCRYPT_CORRUPT);
	agile_edit("hashAlgorithm=\"SHA1\"", "hashAlgorithm=\"MD4\"",
	    OFFCRYPT_CORRUPT);
	/* an encrypted key that is no whole number of blocks, or empty */
	agile_edit("encryptedKeyValue=\"wfNDVzdiM6q50li5LDKirg==\"",
	    "encryptedKeyValue=\"AAAA\"", OFFCRYPT_CORRUPT);
	agile_edit("encryptedKeyValue=\"wfNDVzdiM6q50li5LDKirg==\"",
	    "encryptedKeyValue=\"\"", OFFCRYPT_CORRUPT);
	/* a verifier that does not fit: the password is wrong */
	agile_edit("encryptedVerifierHashInput=\"PDgr",
	    "encryptedVerifierHashInput=\"QDgr", OFFCRYPT_WRONG);
	/* not XML at all */
	agile_edit("<?xml", "<<<<", OFFCRYPT_CORRUPT);
	/* no password key encryptor */
	agile_edit("uri=\"http://schemas.microsoft.com/office/2006/"
		   "keyEncryptor/password",
	    "uri=\"http://schemas.microsoft.com/office/2006/"
	    "keyEncryptor/certificate",
	    OFFCRYPT_CORRUPT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_password_standard),
		cmocka_unit_test(test_default_password_agile),
		cmocka_unit_test(test_own_passwords),
		cmocka_unit_test(test_limits_and_arguments),
		cmocka_unit_test(test_damaged_standard),
		cmocka_unit_test(test_damaged_agile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
