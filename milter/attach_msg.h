/*
 * attach_msg - a file as the only attachment of a small message, the way
 * dlp-scan --attachment and dlp-bench -C hand a bare file to the engine:
 * a multipart/mixed head naming the file (RFC 2231, percent-encoded), the
 * file's bytes in base64 lines of 76, and the closing boundary.
 *
 * Appends to a struct buf (whose own limit applies); owns nothing. The
 * base64 can be produced a chunk at a time: every chunk but the last must
 * be a multiple of 3 bytes.
 */
#ifndef DLP_ATTACH_MSG_H
#define DLP_ATTACH_MSG_H

#include <stddef.h>

#include "buf.h"

/* The closing boundary, after the last base64 line. */
#define ATTACH_MSG_TAIL "\r\n--=_dlp_scan_file--\r\n"

/*
 * attach_msg_head: the message's header and the part's, From <from>, To
 * <rcpt>, the attachment named after the last component of path (at
 * most ATTACH_MSG_NAME bytes of it encoded). A BUF_* code.
 */
#define ATTACH_MSG_NAME 1022
int attach_msg_head(
    struct buf *b, const char *path, const char *from, const char *rcpt);

/* attach_msg_base64: len bytes of in as base64 lines of 76 (LF). */
int attach_msg_base64(struct buf *b, const unsigned char *in, size_t len);

#endif
