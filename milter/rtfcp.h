/*
 * rtfcp - the compressed RTF of Outlook and Exchange ([MS-OXRTFCP]):
 * PR_RTF_COMPRESSED (0x1009) in a .msg file (extract_ole.c) and in a TNEF
 * stream's MAPI properties (extract_tnef.c). Turns it back into RTF,
 * which the RTF extractor reads.
 *
 * Two forms: "LZFu" (an LZ77 variant whose 4096-byte ring starts with a
 * fixed 207-byte RTF prefix) and "MELA" (stored). The header's sizes are
 * untrusted: input is read only up to the buffer given and the header's
 * compressed size, output stops at the header's raw size or at out's
 * maximum, whichever comes first. The CRC is not checked: the text is
 * read whatever the checksum says (a DLP reads what a mail client would
 * show, and clients show damaged bodies).
 *
 * Thread-safe: no state beyond one call.
 */
#ifndef DLP_RTFCP_H
#define DLP_RTFCP_H

#include <stddef.h>

#include "buf.h"

#define RTFCP_OK     0
#define RTFCP_EINPUT (-1) /* not compressed RTF, or cut short */
#define RTFCP_EFULL  (-2) /* out's maximum reached: out holds the start */
#define RTFCP_ENOMEM (-3)

/*
 * rtfcp_decompress: append the RTF of the compressed stream p (n bytes)
 * to out. Returns RTFCP_OK, RTFCP_EINPUT (an unknown header, or the data
 * ends before the raw size is reached: out holds what was decoded),
 * RTFCP_EFULL or RTFCP_ENOMEM.
 */
int rtfcp_decompress(const unsigned char *p, size_t n, struct buf *out);

#endif
