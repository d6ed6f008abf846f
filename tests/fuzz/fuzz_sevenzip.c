/*
 * fuzz_sevenzip - our 7z header reader (sevenzip.h): the signature
 * header, plain and encoded next headers, folders, coders, substreams,
 * file names and attributes. A packed header is described, not
 * unpacked, by sevenzip_read(); so that the plain-header reader also
 * sees fuzzed headers without an LZMA decoder, the input after the
 * 32-byte signature header is also handed to sevenzip_read_header() as
 * if it were an unpacked header. Checks: names are NUL-terminated UTF-8
 * of at most SEVENZIP_NAME_MAX bytes, counts are bounded, a packed
 * header's place lies inside the input.
 */
#include "fuzz_common.h"
#include "sevenzip.h"

#define MAX_ENTRIES 1000

static void
check(const struct sevenzip *sz, size_t size)
{
	size_t i;

	fz_check(sz->n <= MAX_ENTRIES);
	fz_check(sz->n_encrypted_folders <= sz->n_folders);
	if (sz->hdr_lzma)
		fz_check(sz->hdr_off <= size &&
		    sz->hdr_packed <= size - sz->hdr_off);
	for (i = 0; i < sz->n; i++) {
		size_t nl = strlen(sz->files[i].name);

		fz_check(nl <= SEVENZIP_NAME_MAX);
		fz_check(charset_valid_utf8(sz->files[i].name, nl));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char sig[6] = { '7', 'z', 0xbc, 0xaf, 0x27,
		0x1c };
	struct sevenzip *sz = NULL;
	int rc;

	rc = sevenzip_read(data, size, MAX_ENTRIES, &sz);
	fz_check(rc == SEVENZIP_OK || rc == SEVENZIP_EINPUT ||
	    rc == SEVENZIP_ENOMEM);
	if (rc == SEVENZIP_OK) {
		check(sz, size);
		if (!sz->listed && sz->n == 0 && size > 32) {
			rc = sevenzip_read_header(
			    sz, data + 32, size - 32, MAX_ENTRIES);
			fz_check(rc == SEVENZIP_OK || rc == SEVENZIP_ENOMEM);
			check(sz, size);
		}
		sevenzip_free(sz);
	} else {
		fz_check(sz == NULL);
		fz_check(rc == SEVENZIP_ENOMEM || size < sizeof(sig) ||
		    memcmp(data, sig, sizeof(sig)) != 0);
	}
	for (unsigned p = 0; p < 64; p += 7)
		(void)sevenzip_lzma2_dict((unsigned char)p);
	return 0;
}
