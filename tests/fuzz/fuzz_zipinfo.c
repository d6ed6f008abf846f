/*
 * fuzz_zipinfo - our ZIP directory reader (zipinfo.h): end records
 * (classic and ZIP64), central directory, local headers, encryption
 * extras, name charsets, split archives. Every entry's name is read
 * and must be NUL-terminated UTF-8 within ZIPINFO_NAME_MAX; raw name
 * bytes must lie inside the input; the entry count is bounded.
 */
#include "fuzz_common.h"
#include "zipinfo.h"

#define MAX_ENTRIES 1000

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zipinfo *zi = NULL;
	size_t i;
	int rc;

	rc = zipinfo_read(data, size, MAX_ENTRIES, &zi);
	fz_check(
	    rc == ZIPINFO_OK || rc == ZIPINFO_EINPUT || rc == ZIPINFO_ENOMEM);
	if (rc != ZIPINFO_OK) {
		fz_check(zi == NULL);
		return 0;
	}
	fz_check(zi->n <= MAX_ENTRIES);
	for (i = 0; i < zi->n; i++) {
		const struct zipinfo_entry *e = &zi->entries[i];
		size_t nl = strlen(e->name);

		fz_check(nl <= ZIPINFO_NAME_MAX);
		fz_check(charset_valid_utf8(e->name, nl));
		fz_check(e->raw_len == 0 ||
		    (e->raw >= data && e->raw_len <= size &&
			(size_t)(e->raw - data) <= size - e->raw_len));
		fz_check(
		    (e->enc == ZIPINFO_ENC_NONE) == (e->method_name == NULL));
		if (e->method_name != NULL)
			(void)strlen(e->method_name);
	}
	if (zi->cd_method != NULL)
		(void)strlen(zi->cd_method);
	(void)zipinfo_crc32(0, data, size);
	zipinfo_free(zi);
	return 0;
}
