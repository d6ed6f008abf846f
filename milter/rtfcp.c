/*
 * rtfcp - compressed RTF ([MS-OXRTFCP]) back into RTF. See rtfcp.h.
 *
 * The ring is 4096 bytes; a reference is 12 bits of ring offset and 4 of
 * length (+2), so every step reads at least one input byte and writes at
 * most 17 output bytes: the work is linear in the input and the output is
 * bounded by the header's raw size and by out's maximum.
 */
#include <stdint.h>
#include <string.h>

#include "le.h"
#include "rtfcp.h"

#define RING	   4096
#define HDR	   16
#define MAGIC_LZFU 0x75465A4Cu
#define MAGIC_MELA 0x414C454Du

static int
put(struct buf *out, const unsigned char *p, size_t n)
{
	int rc = buf_append(out, p, n);

	if (rc == BUF_EFULL)
		return RTFCP_EFULL;
	return rc == BUF_OK ? RTFCP_OK : RTFCP_ENOMEM;
}

int
rtfcp_decompress(const unsigned char *p, size_t n, struct buf *out)
{
	/* the ring's initial content, fixed by the format */
	static const char pre[] =
	    "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil "
	    "\\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans "
	    "SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0"
	    "\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab"
	    "\\tx";
	unsigned char ring[RING], run[18];
	size_t comp, raw, end, pos = HDR, wp, off, cnt, k, done = 0;
	unsigned bit, ctl, v;
	int rc;

	if (n < HDR)
		return RTFCP_EINPUT;
	comp = le32(p);
	raw = le32(p + 4);
	/* the compressed size counts the bytes after its own field */
	end = comp >= HDR - 4 && comp - (HDR - 4) <= n - HDR ? comp + 4 : n;
	if (le32(p + 8) == MAGIC_MELA) {
		if (raw > end - HDR)
			return RTFCP_EINPUT;
		return put(out, p + HDR, raw);
	}
	if (le32(p + 8) != MAGIC_LZFU)
		return RTFCP_EINPUT;
	memset(ring, 0, sizeof(ring));
	memcpy(ring, pre, sizeof(pre) - 1);
	wp = sizeof(pre) - 1;
	while (done < raw) {
		if (pos >= end)
			return RTFCP_EINPUT;
		ctl = p[pos++];
		for (bit = 0; bit < 8 && done < raw; bit++) {
			if (!(ctl & (1u << bit))) {
				if (pos >= end)
					return RTFCP_EINPUT;
				ring[wp] = p[pos++];
				if ((rc = put(out, &ring[wp], 1)) != RTFCP_OK)
					return rc;
				wp = (wp + 1) % RING;
				done++;
				continue;
			}
			if (end - pos < 2)
				return RTFCP_EINPUT;
			v = (unsigned)p[pos] << 8 | p[pos + 1];
			pos += 2;
			off = v >> 4;
			cnt = (v & 0xF) + 2;
			if (off == wp)
				return RTFCP_OK; /* the end marker */
			if (cnt > raw - done)
				cnt = raw - done;
			/* byte by byte: a run may overlap what it writes */
			for (k = 0; k < cnt; k++) {
				ring[wp] = ring[(off + k) % RING];
				run[k] = ring[wp];
				wp = (wp + 1) % RING;
			}
			if ((rc = put(out, run, cnt)) != RTFCP_OK)
				return rc;
			done += cnt;
		}
	}
	return RTFCP_OK;
}
