/*
 * fuzz_rtf - RTF (extract_rtf.c: groups, control words, \'xx and \u
 * escapes, code pages, \bin, embedded objects) and Outlook's compressed
 * RTF (rtfcp.h: LZFu and MELA). An input that starts like RTF goes to
 * the extractor as it is; anything else is decompressed first and what
 * came out (when anything did) is extracted. Checks: the decompressor
 * keeps to its buffer's maximum and its return codes.
 */
#include "fuzz_common.h"
#include "rtfcp.h"

static struct fz_sink sink;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_sink_setup(&sink);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf rtf;
	size_t max;
	int rc;

	if (size >= 5 && memcmp(data, "{\\rtf", 5) == 0) {
		fz_extract(&sink, extract_rtf, data, size);
		return 0;
	}
	/* a small maximum now and then, to reach RTFCP_EFULL */
	max = size > 0 && (data[size - 1] & 1) ? 4096 : 16u << 20;
	buf_init(&rtf, max);
	rc = rtfcp_decompress(data, size, &rtf);
	fz_check(rc == RTFCP_OK || rc == RTFCP_EINPUT || rc == RTFCP_EFULL ||
	    rc == RTFCP_ENOMEM);
	fz_check(rtf.len <= max);
	if (rtf.len > 0)
		fz_extract(&sink, extract_rtf, rtf.data, rtf.len);
	buf_free(&rtf);
	return 0;
}
