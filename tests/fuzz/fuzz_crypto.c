/*
 * fuzz_crypto - the small readers of encryption containers that the
 * extractors and the scan consult before anything else: cms.h (S/MIME
 * ContentInfo, SignedData's eContent through BER indefinite lengths and
 * constructed strings) and pdfcrypt.h (a PDF's /Encrypt dictionary,
 * crypt filters and the empty-password checks), each fast enough here
 * to be fuzzed without poppler around it. Every input goes to both.
 * Checks: return codes, the method names, buffer maxima.
 */
#include "cms.h"
#include "fuzz_common.h"
#include "pdfcrypt.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pdfcrypt pc;
	struct buf out;
	size_t max;
	bool weak = false;
	int rc;

	(void)cms_content_type(data, size);
	max = size > 0 && (data[size - 1] & 1) ? 64 : 16u << 20;
	buf_init(&out, max);
	rc = cms_signed_content(data, size, &out);
	fz_check(rc == 0 || rc == -1 || rc == -2 || rc == BUF_EFULL ||
	    rc == BUF_ENOMEM);
	fz_check(out.len <= max && out.len <= size);
	buf_free(&out);

	rc = pdfcrypt_read(data, size, &pc);
	fz_check(rc == PDFCRYPT_NONE || rc == PDFCRYPT_FOUND);
	if (rc == PDFCRYPT_FOUND) {
		fz_check(
		    strnlen(pc.filter, sizeof(pc.filter)) < sizeof(pc.filter));
		fz_check(pc.o_len <= PDFCRYPT_KEY_MAX &&
		    pc.u_len <= PDFCRYPT_KEY_MAX &&
		    pc.id_len <= PDFCRYPT_ID_MAX);
		fz_check(pdfcrypt_method(&pc, &weak) != NULL);
		(void)pdfcrypt_eff_only(&pc);
		rc = pdfcrypt_empty_password(&pc);
		fz_check(rc == PDFCRYPT_PW_NEEDED || rc == PDFCRYPT_PW_OPENS ||
		    rc == PDFCRYPT_PW_UNKNOWN);
	}
	return 0;
}
