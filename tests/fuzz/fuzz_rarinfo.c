/*
 * fuzz_rarinfo - our RAR 4 and RAR 5 header reader (rarinfo.h): main,
 * file and service headers, vints, extra records, the compressed
 * Unicode names of RAR 4. Checks: names are NUL-terminated UTF-8 of at
 * most RARINFO_NAME_MAX bytes, the entry count is bounded, the method
 * names exist.
 */
#include "fuzz_common.h"
#include "rarinfo.h"

#define MAX_ENTRIES 1000

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rarinfo *ri = NULL;
	size_t i;
	int rc;

	rc = rarinfo_read(data, size, MAX_ENTRIES, &ri);
	fz_check(
	    rc == RARINFO_OK || rc == RARINFO_EINPUT || rc == RARINFO_ENOMEM);
	if (rc != RARINFO_OK) {
		fz_check(ri == NULL);
		return 0;
	}
	fz_check(ri->version == 4 || ri->version == 5);
	fz_check(ri->n <= MAX_ENTRIES);
	for (i = 0; i < ri->n; i++) {
		size_t nl = strlen(ri->entries[i].name);

		fz_check(nl <= RARINFO_NAME_MAX);
		fz_check(charset_valid_utf8(ri->entries[i].name, nl));
	}
	fz_check(rarinfo_method(ri, false) != NULL);
	fz_check(rarinfo_method(ri, true) != NULL);
	rarinfo_free(ri);
	return 0;
}
