/*
 * test_pdfcrypt - the PDF encryption reader: finding /Encrypt in every
 * kind of trailer, reading its dictionary, naming the method, the empty
 * password checks of revisions 2 to 6 (on files qpdf encrypts here and on
 * the external corpus), and hostile input (truncation, loops, nesting,
 * floods of candidates).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pdfcrypt.h"

#define CORPUS "../shared/corpus/external/"

static const char *const O32 =
    "<0102030405060708090a0b0c0d0e0f100102030405060708090a0b0c0d0e0f10>";

static int
read_str(const char *s, struct pdfcrypt *pc)
{
	return pdfcrypt_read(s, strlen(s), pc);
}

static unsigned char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (p = malloc((size_t)n + 1)) &&
	    fread(p, 1, (size_t)n, fp) == (size_t)n)
		*len = (size_t)n;
	else {
		free(p);
		p = NULL;
	}
	fclose(fp);
	return p;
}

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Finding and reading the dictionary */

struct method_case {
	const char *name;
	const char *pdf;
	int found;
	const char *method;
	bool weak;
	bool eff_only;
};

static void
test_method_is_named_from_v_r_length_and_crypt_filters(void **state)
{
	static const struct method_case c[] = {
		{ "no /Encrypt at all",
		    "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
		    "trailer\n<< /Root 1 0 R >>\n%%EOF\n",
		    PDFCRYPT_NONE, NULL, false, false },
		{ "V1 R2 is RC4 40, weak",
		    "%PDF-1.4\n5 0 obj\n<< /Filter /Standard /V 1 /R 2 "
		    "/Length 40 /P -4 >>\nendobj\ntrailer\n<< /Root 1 0 R "
		    "/Encrypt 5 0 R >>\n%%EOF\n",
		    PDFCRYPT_FOUND, "pdf-rc4-40", true, false },
		{ "V2 without /Length is 40 bits: weak",
		    "%PDF-1.4\ntrailer\n<< /Encrypt << /Filter /Standard /V 2 "
		    "/R 3 >> >>\n%%EOF\n",
		    PDFCRYPT_FOUND, "pdf-rc4-40", true, false },
		{ "V2 R3 Length 128, direct dictionary",
		    "%PDF-1.4\ntrailer\n<< /Encrypt << /Filter /Standard /V 2 "
		    "/R 3 /Length 128 >> >>\n%%EOF\n",
		    PDFCRYPT_FOUND, "pdf-rc4-128", false, false },
		{ "V4 crypt filter V2 with a length in bytes",
		    "%PDF-1.5\n7 0 obj\n<</Filter/Standard/V 4/R 4/CF<</StdCF"
		    "<</CFM/V2/Length 16>>>>/StmF/StdCF/StrF/StdCF>>\nendobj\n"
		    "trailer<</Encrypt 7 0 R>>\n",
		    PDFCRYPT_FOUND, "pdf-rc4-128", false, false },
		{ "V4 crypt filter V2 of 5 bytes is 40 bits",
		    "%PDF-1.5\n7 0 obj\n<</Filter/Standard/V 4/R 4/Length 40"
		    "/CF<</StdCF<</CFM/V2/Length 5>>>>/StmF/StdCF/StrF/StdCF>>"
		    "\nendobj\ntrailer<</Encrypt 7 0 R>>\n",
		    PDFCRYPT_FOUND, "pdf-rc4-40", true, false },
		{ "V4 AESV2",
		    "%PDF-1.6\n7 0 obj\n<</Filter/Standard/V 4/R 4/CF<</StdCF"
		    "<</CFM/AESV2/Length 16>>>>/StmF/StdCF/StrF/StdCF>>\n"
		    "endobj\ntrailer<</Encrypt 7 0 R>>\n",
		    PDFCRYPT_FOUND, "pdf-aes-128", false, false },
		{ "V4 with an indirect /CF and an indirect filter",
		    "%PDF-1.6\n8 0 obj\n<</StdCF 9 0 R>>\nendobj\n9 0 obj\n"
		    "<</CFM/AESV2>>\nendobj\n7 0 obj\n<</Filter/Standard/V 4"
		    "/R 4/CF 8 0 R/StmF/StdCF/StrF/StdCF>>\nendobj\ntrailer"
		    "<</Encrypt 7 0 R>>\n",
		    PDFCRYPT_FOUND, "pdf-aes-128", false, false },
		{ "V4 streams in clear, strings encrypted: the strings' method",
		    "%PDF-1.6\n7 0 obj\n<</Filter/Standard/V 4/R 4/CF<</StdCF"
		    "<</CFM/AESV2>>>>/StmF/Identity/StrF/StdCF>>\nendobj\n"
		    "trailer<</Encrypt 7 0 R>>\n",
		    PDFCRYPT_FOUND, "pdf-aes-128", false, false },
		{ "V5 R6 is AES-256",
		    "%PDF-1.7\n7 0 obj\n<</Filter/Standard/V 5/R 6/Length 256"
		    "/CF<</StdCF<</CFM/AESV3/Length 32>>>>/StmF/StdCF/StrF"
		    "/StdCF>>\nendobj\ntrailer<</Encrypt 7 0 R>>\n",
		    PDFCRYPT_FOUND, "pdf-aes-256", false, false },
		{ "embedded files only (/EFF)",
		    "%PDF-1.7\n7 0 obj\n<</Filter/Standard/V 5/R 6/CF<</StdCF"
		    "<</CFM/AESV3>>>>/StmF/Identity/StrF/Identity/EFF/StdCF>>\n"
		    "endobj\ntrailer<</Encrypt 7 0 R>>\n",
		    PDFCRYPT_FOUND, "pdf-aes-256", false, true },
		{ "V4 with defaults only: /EFF defaults to /StmF (Identity)",
		    "%PDF-1.6\n7 0 obj\n<</Filter/Standard/V 4/R 4/CF<</StdCF"
		    "<</CFM/AESV2>>>>>>\nendobj\ntrailer<</Encrypt 7 0 R>>\n",
		    PDFCRYPT_FOUND, "pdf-unknown", false, false },
		{ "V4 filter missing from /CF",
		    "%PDF-1.6\n7 0 obj\n<</Filter/Standard/V 4/R 4/CF<<>>/StmF"
		    "/StdCF/StrF/StdCF>>\nendobj\ntrailer<</Encrypt 7 0 R>>\n",
		    PDFCRYPT_FOUND, "pdf-unknown", false, false },
		{ "undocumented V 0",
		    "%PDF-1.4\ntrailer<</Encrypt<</Filter/Standard/V 0>>>>\n",
		    PDFCRYPT_FOUND, "pdf-unknown", false, false },
		{ "a public-key handler still has a method",
		    "%PDF-1.6\n7 0 obj\n<</Filter/Adobe.PubSec/SubFilter"
		    "/adbe.pkcs7.s5/V 4/CF<</DefaultCryptFilter<</CFM/AESV2"
		    ">>>>/StmF/DefaultCryptFilter/StrF/DefaultCryptFilter>>\n"
		    "endobj\ntrailer<</Encrypt 7 0 R>>\n",
		    PDFCRYPT_FOUND, "pdf-aes-128", false, false },
		{ "cross-reference stream dictionary",
		    "%PDF-1.5\n7 0 obj\n<</Filter/Standard/V 2/R 3/Length 128>>"
		    "\nendobj\n12 0 obj\n<</Type/XRef/Size 13/W[1 2 1]"
		    "/DecodeParms<</Columns 4/Predictor 12>>/Encrypt 7 0 R"
		    "/Filter/FlateDecode/Length 0>>stream\nendstream\nendobj\n"
		    "startxref\n80\n%%EOF\n",
		    PDFCRYPT_FOUND, "pdf-rc4-128", false, false },
		{ "/EncryptMetadata alone is not /Encrypt",
		    "%PDF-1.4\n1 0 obj\n<</EncryptMetadata false>>\nendobj\n"
		    "trailer<</Root 1 0 R>>\n",
		    PDFCRYPT_NONE, NULL, false, false },
		{ "/Encrypt naming a missing object",
		    "%PDF-1.4\ntrailer<</Encrypt 9 0 R>>\n", PDFCRYPT_NONE,
		    NULL, false, false },
		{ "/Encrypt naming a dictionary without /Filter",
		    "%PDF-1.4\n9 0 obj\n<</V 2>>\nendobj\ntrailer<</Encrypt 9 0"
		    " R>>\n",
		    PDFCRYPT_NONE, NULL, false, false },
		{ "/Encrypt naming a number",
		    "%PDF-1.4\n9 0 obj\n42\nendobj\ntrailer<</Encrypt 9 0 "
		    "R>>\n",
		    PDFCRYPT_NONE, NULL, false, false },
		{ "object 15 is not object 5",
		    "%PDF-1.4\n5 0 obj\n<</Filter/Standard/V 2/R 3/Length 128>>"
		    "\nendobj\n15 0 obj\n<</Filter/Standard/V 1/R 2>>\nendobj\n"
		    "trailer<</Encrypt 5 0 R>>\n",
		    PDFCRYPT_FOUND, "pdf-rc4-128", false, false },
		{ "generation numbers count",
		    "%PDF-1.4\n5 0 obj\n<</Filter/Standard/V 1/R 2>>\nendobj\n"
		    "5 1 obj\n<</Filter/Standard/V 2/R 3/Length 128>>\nendobj\n"
		    "trailer<</Encrypt 5 1 R>>\n",
		    PDFCRYPT_FOUND, "pdf-rc4-128", false, false },
		{ "an incremental update's last definition wins",
		    "%PDF-1.4\n5 0 obj\n<</Filter/Standard/V 1/R 2>>\nendobj\n"
		    "trailer<</Encrypt 5 0 R>>\n5 0 obj\n<</Filter/Standard/V 5"
		    "/R 6>>\nendobj\ntrailer<</Encrypt 5 0 R/Prev 9>>\n",
		    PDFCRYPT_FOUND, "pdf-aes-256", false, false },
		{ "names with #xx escapes, comments and odd white space",
		    "%PDF-1.4\n5\r0\robj %c\r<</Fil#74er/Stan#64ard%x\r/V\t2"
		    "\f/R 3/Length 128.0>>\rendobj\rtrailer<</Encrypt\n5 0 R"
		    ">>\r",
		    PDFCRYPT_FOUND, "pdf-rc4-128", false, false },
		{ "values of every kind skipped on the way to the key",
		    "%PDF-1.4\ntrailer<</ID[<00ff> (a\\)b(c)d)]/Size 3/Info"
		    " 2 0 R/X[[1 2][<</Y(z)>>]]/Encrypt<</O(x)/U<aa>/CF<<"
		    "/StdCF<</CFM/AESV2>>>>/Filter/Standard/V "
		    "4/StmF/StdCF>>>>\n",
		    PDFCRYPT_FOUND, "pdf-aes-128", false, false },
	};
	struct pdfcrypt pc;
	const char *m;
	bool weak;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		print_message("# %s\n", c[i].name);
		assert_int_equal(read_str(c[i].pdf, &pc), c[i].found);
		if (c[i].found == PDFCRYPT_NONE)
			continue;
		weak = !c[i].weak;
		m = pdfcrypt_method(&pc, &weak);
		assert_string_equal(m, c[i].method);
		assert_int_equal(weak, c[i].weak);
		assert_int_equal(pdfcrypt_eff_only(&pc), c[i].eff_only);
	}
}

static void
test_dictionary_fields_are_read_with_string_escapes(void **state)
{
	char pdf[1024];
	struct pdfcrypt pc;

	/* /O as a literal string with every escape, /U as hex with white
	   space and an odd digit, /P written unsigned, /ID's first string */
	snprintf(pdf, sizeof(pdf),
	    "%%PDF-1.4\n3 0 obj\n<</Filter/Standard/V 2/R 3/Length 128"
	    "/P 4294967292/EncryptMetadata false/O(\\n\\r\\t\\b\\f\\(\\)\\\\"
	    "\\101\\0612\\\nx\r\ny(n)\\q)/U<41 42\n4>>>\nendobj\ntrailer<<"
	    "/Size 4/ID[<00112233> <44>]/Encrypt 3 0 R>>\n");
	assert_int_equal(read_str(pdf, &pc), PDFCRYPT_FOUND);
	assert_string_equal(pc.filter, "Standard");
	assert_int_equal(pc.v, 2);
	assert_int_equal(pc.r, 3);
	assert_int_equal(pc.length, 128);
	assert_int_equal(pc.p, -4);
	assert_false(pc.encrypt_metadata);
	assert_int_equal(pc.o_len, 18);
	assert_memory_equal(pc.o, "\n\r\t\b\f()\\A12x\ny(n)q", 18);
	assert_int_equal(pc.u_len, 3);
	assert_memory_equal(pc.u, "AB@", 3);
	assert_true(pc.has_id);
	assert_int_equal(pc.id_len, 4);
	assert_memory_equal(pc.id, "\x00\x11\x22\x33", 4);
	assert_string_equal(pc.stmf.name, "Identity");
	assert_string_equal(pc.eff.name, "Identity");
}

static void
test_id_is_taken_from_the_dictionary_holding_encrypt(void **state)
{
	/* a nested dictionary before /Encrypt must not be taken for the
	   trailer, and an /ID elsewhere must not be read */
	static const char pdf[] =
	    "%PDF-1.5\n1 0 obj\n<</ID[<99>]>>\nendobj\n7 0 obj\n"
	    "<</Filter/Standard/V 2/R 3/Length 128>>\nendobj\n"
	    "12 0 obj\n<</Type/XRef/DecodeParms<</Columns 4>>/Encrypt 7 0 R"
	    "/ID[<0a0b> <0c>]>>stream\nendstream\nendobj\n";
	struct pdfcrypt pc;

	assert_int_equal(read_str(pdf, &pc), PDFCRYPT_FOUND);
	assert_true(pc.has_id);
	assert_int_equal(pc.id_len, 2);
	assert_memory_equal(pc.id, "\x0a\x0b", 2);
}

static void
test_long_id_and_long_names_are_not_trusted(void **state)
{
	char pdf[2048], id[300];
	struct pdfcrypt pc;

	memset(id, 'a', 260);
	id[260] = '\0';
	snprintf(pdf, sizeof(pdf),
	    "%%PDF-1.4\ntrailer<</ID[<%s>]/Encrypt<</Filter"
	    "/AVeryLongSecurityHandlerNameThatDoesNotFitAnywhere/V 2/R 3"
	    "/Length 128>>>>\n",
	    id);
	assert_int_equal(read_str(pdf, &pc), PDFCRYPT_FOUND);
	assert_false(pc.has_id); /* 130 bytes: more than an /ID holds */
	assert_string_equal(pc.filter, ""); /* too long: no name of ours */
	assert_int_equal(pdfcrypt_empty_password(&pc), PDFCRYPT_PW_UNKNOWN);
}

static void
test_linearized_first_page_trailer_is_found(void **state)
{
	/* the file's last trailer has no /Encrypt (a linearized file's main
	   cross-reference); the first-page one, far away, has */
	static const char head[] =
	    "%PDF-1.6\n15 0 obj\n<</Linearized 1>>\nendobj\n28 0 obj\n"
	    "<</Type/XRef/Encrypt 16 0 R/Size 29>>stream\nendstream\n"
	    "endobj\n16 0 obj\n<</Filter/Standard/V 4/R 4/CF<</StdCF<<"
	    "/CFM/AESV2>>>>/StmF/StdCF/StrF/StdCF>>\nendobj\n";
	static const char tail[] = "trailer\n<</Size 22>>\nstartxref\n116\n"
				   "%%EOF\n";
	size_t pad = 200 * 1024, len = sizeof(head) - 1 + pad + sizeof(tail);
	char *pdf = malloc(len);
	struct pdfcrypt pc;
	bool weak;

	assert_non_null(pdf);
	memcpy(pdf, head, sizeof(head) - 1);
	memset(pdf + sizeof(head) - 1, ' ', pad);
	memcpy(pdf + sizeof(head) - 1 + pad, tail, sizeof(tail));
	assert_int_equal(pdfcrypt_read(pdf, len, &pc), PDFCRYPT_FOUND);
	assert_string_equal(pdfcrypt_method(&pc, &weak), "pdf-aes-128");
	free(pdf);
}

static void
test_encrypt_past_both_windows_is_found_by_the_whole_search(void **state)
{
	static const char mid[] = "7 0 obj\n<</Filter/Standard/V 5/R 6>>\n"
				  "endobj\ntrailer<</Encrypt 7 0 R>>\n";
	size_t pad = 200 * 1024, len = 2 * pad + sizeof(mid) - 1;
	char *pdf = malloc(len);
	struct pdfcrypt pc;

	assert_non_null(pdf);
	memset(pdf, '\n', len);
	memcpy(pdf + pad, mid, sizeof(mid) - 1);
	assert_int_equal(pdfcrypt_read(pdf, len, &pc), PDFCRYPT_FOUND);
	assert_string_equal(pdfcrypt_method(&pc, NULL), "pdf-aes-256");
	free(pdf);
}

/* Hostile input */

static void
test_every_truncation_of_a_sample_is_read_safely(void **state)
{
	static const char *const pdf[] = {
		"%PDF-1.6\n8 0 obj\n<</StdCF 9 0 R>>\nendobj\n9 0 obj\n"
		"<</CFM/AESV2/Length 16>>\nendobj\n7 0 obj\n<</Filter/Standard"
		"/V 4/R 4/P -4/O(abc\\051\\\r\n)/U<0102>/CF 8 0 R/StmF/StdCF"
		"/StrF/StdCF>>\nendobj\ntrailer<</ID[(x)(y)]/Encrypt 7 0 R>>\n",
		/* every key after /Encrypt, so each is cut in turn */
		"%PDF-1.4\ntrailer<</Encrypt<</Filter/Standard/V 2/R 3/Length"
		" 128/O(a\\(b)/U<41>/EncryptMetadata false/P -1>>/ID [(i)]>>",
	};
	struct pdfcrypt pc;
	size_t n, k, len;
	char *copy;

	for (k = 0; k < sizeof(pdf) / sizeof(pdf[0]); k++) {
		len = strlen(pdf[k]);
		for (n = 0; n <= len; n++) {
			/* an exact-size copy: ASan sees a read past the end */
			copy = malloc(n ? n : 1);
			assert_non_null(copy);
			memcpy(copy, pdf[k], n);
			(void)pdfcrypt_read(copy, n, &pc);
			(void)pdfcrypt_method(&pc, NULL);
			(void)pdfcrypt_empty_password(&pc);
			free(copy);
		}
		assert_int_equal(
		    pdfcrypt_read(pdf[k], len, &pc), PDFCRYPT_FOUND);
	}
	assert_int_equal(pc.id_len, 1);
	assert_int_equal(pdfcrypt_read(NULL, 0, &pc), PDFCRYPT_NONE);
}

static void
test_reference_loops_and_deep_nesting_end(void **state)
{
	static const char *const c[] = {
		/* 5 names itself */
		"%PDF-1.4\n5 0 obj\n5 0 R\nendobj\ntrailer<</Encrypt 5 0 R>>\n",
		/* a chain longer than the hops allowed */
		"%PDF-1.4\n1 0 obj 2 0 R endobj 2 0 obj 3 0 R endobj 3 0 obj "
		"4 0 R endobj 4 0 obj 5 0 R endobj 5 0 obj 6 0 R endobj 6 0 "
		"obj <</Filter/Standard>> endobj trailer<</Encrypt 1 0 R>>\n",
		/* unterminated everything */
		"%PDF-1.4\ntrailer<</Encrypt<</Filter/Standard/O(abc",
		"%PDF-1.4\ntrailer<</Encrypt<</Filter/Standard/U<abc",
		"%PDF-1.4\ntrailer<</Encrypt<</Filter/Standard/X[[[",
		"%PDF-1.4\ntrailer<</Encrypt",
		"/Encrypt",
		"/Encrypt 5",
		"/Encrypt 5 0",
		"0 obj",
		"obj",
		"99999999999999999999 0 obj <<>> /Encrypt "
		"99999999999999999999 0 R",
	};
	char deep[4096];
	struct pdfcrypt pc;
	size_t i, n = 0;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		(void)read_str(c[i], &pc);
	assert_int_equal(read_str(c[0], &pc), PDFCRYPT_NONE);
	assert_int_equal(read_str(c[1], &pc), PDFCRYPT_NONE);
	/* nesting far past the 32 levels we follow */
	n += (size_t)snprintf(deep, sizeof(deep), "trailer<</Encrypt<<");
	for (i = 0; i < 1000; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	assert_int_equal(read_str(deep, &pc), PDFCRYPT_NONE);
	n = (size_t)snprintf(deep, sizeof(deep),
	    "trailer<</Encrypt<</Filter/Standard/V 2/R 3/X");
	for (i = 0; i < 1000; i++)
		deep[n++] = '[';
	for (i = 0; i < 1000; i++)
		deep[n++] = ']';
	snprintf(deep + n, sizeof(deep) - n, "/Length 128>>>>");
	/* the filter is found before the deep value; past it, nothing */
	assert_int_equal(read_str(deep, &pc), PDFCRYPT_FOUND);
	assert_int_equal(pc.length, 0);
}

static void
test_floods_of_candidates_take_linear_time(void **state)
{
	/* 4 MiB of "/Encrypt N 0 R" naming objects that each need a search,
	   and as many "obj" keywords: bounded by the number of searches */
	size_t len = 4u << 20, i = 0;
	char *pdf = malloc(len + 64);
	struct pdfcrypt pc;
	double t0;
	int n;

	assert_non_null(pdf);
	while (i + 40 < len) {
		n = snprintf(pdf + i, 64, "/Encrypt %zu 0 R 1 0 obj ", i);
		i += (size_t)n;
	}
	t0 = now_ms();
	n = pdfcrypt_read(pdf, i, &pc);
	free(pdf);
	assert_int_equal(n, PDFCRYPT_NONE);
	assert_true(now_ms() - t0 < 3000);
}

/* The empty password, on files qpdf encrypts */

/* write_page_pdf: a valid one-page PDF (qpdf linearizes only pages). */
static void
write_page_pdf(const char *path)
{
	static const char *const obj[] = {
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
	};
	char pdf[1024];
	size_t off[3], n, i;
	FILE *fp;

	n = (size_t)snprintf(pdf, sizeof(pdf), "%%PDF-1.4\n");
	for (i = 0; i < 3; i++) {
		off[i] = n;
		n += (size_t)snprintf(pdf + n, sizeof(pdf) - n,
		    "%zu 0 obj\n%s\nendobj\n", i + 1, obj[i]);
	}
	n += (size_t)snprintf(pdf + n, sizeof(pdf) - n,
	    "xref\n0 4\n0000000000 65535 f \n%010zu 00000 n \n"
	    "%010zu 00000 n \n%010zu 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R"
	    " >>\nstartxref\n%zu\n%%%%EOF\n",
	    off[0], off[1], off[2], n);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(pdf, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

struct qpdf_case {
	const char *name;
	const char *args; /* between "qpdf BASE" and the output */
	const char *method;
	bool weak;
	int pw;
};

static void
test_empty_password_checks_match_qpdf_encryptions(void **state)
{
	static const struct qpdf_case c[] = {
		{ "R2 user password", "--allow-weak-crypto --encrypt u o 40 --",
		    "pdf-rc4-40", true, PDFCRYPT_PW_NEEDED },
		{ "R2 owner only", "--allow-weak-crypto --encrypt '' o 40 --",
		    "pdf-rc4-40", true, PDFCRYPT_PW_OPENS },
		{ "R3 user password",
		    "--allow-weak-crypto --encrypt u o 128 --use-aes=n --",
		    "pdf-rc4-128", false, PDFCRYPT_PW_NEEDED },
		{ "R3 owner only",
		    "--allow-weak-crypto --encrypt '' o 128 --use-aes=n --",
		    "pdf-rc4-128", false, PDFCRYPT_PW_OPENS },
		{ "R4 RC4 crypt filter",
		    "--allow-weak-crypto --encrypt u o 128 --use-aes=n "
		    "--force-V4 --",
		    "pdf-rc4-128", false, PDFCRYPT_PW_NEEDED },
		{ "R4 AES user password", "--encrypt u o 128 --use-aes=y --",
		    "pdf-aes-128", false, PDFCRYPT_PW_NEEDED },
		{ "R4 AES owner only", "--encrypt '' o 128 --use-aes=y --",
		    "pdf-aes-128", false, PDFCRYPT_PW_OPENS },
		{ "R4 AES owner only, metadata in clear",
		    "--encrypt '' o 128 --use-aes=y --cleartext-metadata --",
		    "pdf-aes-128", false, PDFCRYPT_PW_OPENS },
		{ "R4 AES user password, metadata in clear",
		    "--encrypt u o 128 --use-aes=y --cleartext-metadata --",
		    "pdf-aes-128", false, PDFCRYPT_PW_NEEDED },
		{ "R5 user password", "--encrypt u o 256 --force-R5 --",
		    "pdf-aes-256", false, PDFCRYPT_PW_NEEDED },
		{ "R5 owner only", "--encrypt '' o 256 --force-R5 --",
		    "pdf-aes-256", false, PDFCRYPT_PW_OPENS },
		{ "R6 user password", "--encrypt u o 256 --", "pdf-aes-256",
		    false, PDFCRYPT_PW_NEEDED },
		{ "R6 owner only", "--encrypt '' o 256 --", "pdf-aes-256",
		    false, PDFCRYPT_PW_OPENS },
		{ "R6 empty owner password opens it whatever the user's",
		    "--encrypt u '' 256 --allow-insecure --", "pdf-aes-256",
		    false, PDFCRYPT_PW_OPENS },
		{ "R6 linearized", "--linearize --encrypt u o 256 --",
		    "pdf-aes-256", false, PDFCRYPT_PW_NEEDED },
		{ "R4 in object streams",
		    "--object-streams=generate --encrypt '' o 128 --use-aes=y "
		    "--",
		    "pdf-aes-128", false, PDFCRYPT_PW_OPENS },
	};
	char dir[] = "/tmp/test_pdfcrypt.XXXXXX", cmd[512], path[128];
	char base[128];
	struct pdfcrypt pc;
	unsigned char *data;
	size_t i, len;
	bool weak;
	double t0;

	if (system("qpdf --version >/dev/null 2>&1") != 0) {
		print_message("# skipped: qpdf is not installed\n");
		return;
	}
	assert_non_null(mkdtemp(dir));
	snprintf(base, sizeof(base), "%s/base.pdf", dir);
	write_page_pdf(base);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		print_message("# %s\n", c[i].name);
		snprintf(path, sizeof(path), "%s/%zu.pdf", dir, i);
		snprintf(
		    cmd, sizeof(cmd), "qpdf %s %s %s", base, c[i].args, path);
		assert_int_equal(system(cmd), 0);
		assert_non_null(data = read_file(path, &len));
		assert_int_equal(pdfcrypt_read(data, len, &pc), PDFCRYPT_FOUND);
		assert_string_equal(pdfcrypt_method(&pc, &weak), c[i].method);
		assert_int_equal(weak, c[i].weak);
		t0 = now_ms();
		assert_int_equal(pdfcrypt_empty_password(&pc), c[i].pw);
		assert_true(now_ms() - t0 < 5000);
		free(data);
		unlink(path);
	}
	unlink(base);
	rmdir(dir);
}

static void
test_damaged_key_material_is_unknown_not_a_verdict(void **state)
{
	static const struct {
		const char *pdf;
		int pw;
	} c[] = {
		/* /O and /U missing or too short */
		{ "trailer<</Encrypt<</Filter/Standard/V 2/R 3>>>>",
		    PDFCRYPT_PW_UNKNOWN },
		{ "trailer<</Encrypt<</Filter/Standard/V 5/R 6/O<00>/U<00>>>"
		  ">>",
		    PDFCRYPT_PW_UNKNOWN },
		/* a revision we do not know */
		{ "trailer<</Encrypt<</Filter/Standard/V 5/R 7>>>>",
		    PDFCRYPT_PW_UNKNOWN },
		/* not the standard handler */
		{ "trailer<</Encrypt<</Filter/Adobe.PubSec/V 4>>>>",
		    PDFCRYPT_PW_UNKNOWN },
	};
	char pdf[512];
	struct pdfcrypt pc;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(read_str(c[i].pdf, &pc), PDFCRYPT_FOUND);
		assert_int_equal(pdfcrypt_empty_password(&pc), c[i].pw);
	}
	/* /O and /U of the right size but random: a verdict (needed) */
	snprintf(pdf, sizeof(pdf),
	    "trailer<</ID[<01>]/Encrypt<</Filter/Standard/V 2/R 3/Length 128"
	    "/O%s/U%s>>>>",
	    O32, O32);
	assert_int_equal(read_str(pdf, &pc), PDFCRYPT_FOUND);
	assert_int_equal(pdfcrypt_empty_password(&pc), PDFCRYPT_PW_NEEDED);
}

/* The external corpus (pdf.js test files) */

struct corpus_case {
	const char *file;
	const char *method; /* NULL: not encrypted */
	bool weak;
	bool eff_only;
	int pw;
};

static void
test_corpus_pdfs_are_read_as_their_manifest_says(void **state)
{
	static const struct corpus_case c[] = {
		{ "pdfjs/basicapi.pdf", NULL, false, false, 0 },
		{ "pdfjs/issue15340.pdf", NULL, false, false, 0 },
		{ "pdfjs/bug1020226.pdf", NULL, false, false, 0 },
		{ "pdfjs/bug900822.pdf", "pdf-rc4-40", true, false,
		    PDFCRYPT_PW_OPENS },
		{ "pdfjs/issue17215.pdf", "pdf-rc4-128", false, false,
		    PDFCRYPT_PW_OPENS },
		{ "pdfjs/issue19484_1.pdf", "pdf-rc4-40", true, false,
		    PDFCRYPT_PW_OPENS },
		{ "pdfjs/issue9972-1.pdf", "pdf-aes-128", false, false,
		    PDFCRYPT_PW_OPENS },
		{ "pdfjs/issue3371.pdf", "pdf-aes-128", false, false,
		    PDFCRYPT_PW_NEEDED },
		/* poppler opens this one as if plain: we must not */
		{ "pdfjs/bug1782186.pdf", "pdf-aes-128", false, false,
		    PDFCRYPT_PW_NEEDED },
		{ "pdfjs/empty_protected.pdf", "pdf-aes-256", false, false,
		    PDFCRYPT_PW_OPENS },
		{ "pdfjs/secHandler.pdf", "pdf-aes-256", false, false,
		    PDFCRYPT_PW_OPENS },
		{ "pdfjs/issue7665.pdf", "pdf-aes-256", false, false,
		    PDFCRYPT_PW_OPENS },
		{ "pdfjs/pr6531_2.pdf", "pdf-aes-256", false, false,
		    PDFCRYPT_PW_OPENS },
		{ "pdfjs/issue6010_1.pdf", "pdf-aes-256", false, false,
		    PDFCRYPT_PW_NEEDED },
		{ "pdfjs/issue6010_2.pdf", "pdf-aes-256", false, false,
		    PDFCRYPT_PW_NEEDED },
		{ "pdfjs/saslprep-r6.pdf", "pdf-aes-256", false, false,
		    PDFCRYPT_PW_NEEDED },
		{ "pdfjs/issue21579.pdf", "pdf-aes-256", false, false,
		    PDFCRYPT_PW_NEEDED },
		{ "pdfjs/encrypted-attachment.pdf", "pdf-aes-256", false, true,
		    PDFCRYPT_PW_NEEDED },
		{ "pdfjs/auth-event-ef-open.pdf", "pdf-aes-256", false, true,
		    PDFCRYPT_PW_NEEDED },
	};
	struct pdfcrypt pc;
	unsigned char *data;
	char path[256];
	size_t i, len;
	bool weak;

	if (access(CORPUS "MANIFEST.tsv", R_OK) != 0) {
		print_message("# skipped: no external corpus at " CORPUS "\n");
		return;
	}
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		print_message("# %s\n", c[i].file);
		snprintf(path, sizeof(path), CORPUS "%s", c[i].file);
		assert_non_null(data = read_file(path, &len));
		if (c[i].method == NULL) {
			assert_int_equal(
			    pdfcrypt_read(data, len, &pc), PDFCRYPT_NONE);
			free(data);
			continue;
		}
		assert_int_equal(pdfcrypt_read(data, len, &pc), PDFCRYPT_FOUND);
		assert_string_equal(pdfcrypt_method(&pc, &weak), c[i].method);
		assert_int_equal(weak, c[i].weak);
		assert_int_equal(pdfcrypt_eff_only(&pc), c[i].eff_only);
		assert_int_equal(pdfcrypt_empty_password(&pc), c[i].pw);
		free(data);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_method_is_named_from_v_r_length_and_crypt_filters),
		cmocka_unit_test(
		    test_dictionary_fields_are_read_with_string_escapes),
		cmocka_unit_test(
		    test_id_is_taken_from_the_dictionary_holding_encrypt),
		cmocka_unit_test(test_long_id_and_long_names_are_not_trusted),
		cmocka_unit_test(test_linearized_first_page_trailer_is_found),
		cmocka_unit_test(
		    test_encrypt_past_both_windows_is_found_by_the_whole_search),
		cmocka_unit_test(
		    test_every_truncation_of_a_sample_is_read_safely),
		cmocka_unit_test(test_reference_loops_and_deep_nesting_end),
		cmocka_unit_test(test_floods_of_candidates_take_linear_time),
		cmocka_unit_test(
		    test_empty_password_checks_match_qpdf_encryptions),
		cmocka_unit_test(
		    test_damaged_key_material_is_unknown_not_a_verdict),
		cmocka_unit_test(
		    test_corpus_pdfs_are_read_as_their_manifest_says),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
