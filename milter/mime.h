/*
 * mime - our streaming MIME parser.
 *
 * Fed the raw message in chunks of any size (CRLF or LF line ends, even
 * mixed), it walks the structure in one pass, the way Postfix's
 * mime_state.c does: a stack of multipart boundaries, message/rfc822
 * recursion (also when the inner message is itself base64 or QP encoded),
 * transfer decoding (base64 that keeps going past '=' and ignores garbage,
 * quoted-printable, 7bit/8bit/binary, x-uuencode), header unfolding and
 * RFC 2047 / RFC 2231 decoding of the parameters we use. It calls the
 * handler for every part as it goes and hands over decoded bytes in blocks
 * of up to 8 KiB, the same blocks whatever the input's chunking; it keeps
 * no part's body. Text a multipart carries outside its parts (preamble,
 * epilogue) is delivered as a text/plain leaf "<path>.preamble" or
 * "<path>.epilogue" when it is more than white space: it is sent, so it is
 * scanned. The multipart that is the body of a message/rfc822 part "2"
 * has the path "2" too, one level deeper (IMAP's 2.TEXT).
 *
 * Damage (missing final boundary, bad base64, overlong lines and headers,
 * a multipart without boundary, ...) is flagged in the part's defects and
 * the parse goes on. Limits (struct dlp_limits: header bytes, depth, parts,
 * decoded bytes, line length) are flagged as MIME_D_LIMIT_* and never stop
 * the parser from consuming its input: content beyond a limit is counted,
 * not delivered.
 *
 * What it does not do: charset conversion of bodies (the caller does it
 * with the part's charset), identification of attachments by content.
 *
 * Thread-safety: one parser per message, owned by one thread.
 */
#ifndef DLP_MIME_H
#define DLP_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Damage and limit flags, per part (and or-ed over the message). */
#define MIME_D_NO_FINAL_BOUNDARY 0x0001u /* multipart never closed */
#define MIME_D_NO_BOUNDARY_PARAM 0x0002u /* multipart/x without boundary */
#define MIME_D_BAD_BASE64	 0x0004u /* garbage or misplaced padding */
#define MIME_D_BAD_QP		 0x0008u /* malformed =XX */
#define MIME_D_BAD_UUENCODE	 0x0010u
#define MIME_D_LONG_LINE	 0x0020u /* a line over max_line_bytes */
#define MIME_D_LONG_HEADER	 0x0040u /* a header over max_header_bytes */
#define MIME_D_BAD_HEADER	 0x0080u /* a line that is not a header */
#define MIME_D_8BIT_HEADER	 0x0100u /* raw 8-bit bytes in a header */
#define MIME_D_BAD_CTE		 0x0200u /* unknown transfer encoding */
#define MIME_D_NO_HEADER_END	 0x0400u /* message ended in the headers */
#define MIME_D_BAD_CONTENT_TYPE	 0x0800u /* unparsable Content-Type */
#define MIME_D_LIMIT_DEPTH	 0x1000u /* nested deeper than max_depth */
#define MIME_D_LIMIT_PARTS	 0x2000u /* more parts than max_parts */
#define MIME_D_LIMIT_DECODED	 0x4000u /* over max_decoded_bytes */
#define MIME_D_LIMIT_HEADERS	 0x8000u /* header block over its limit */

#define MIME_D_LIMITS                                                     \
	(MIME_D_LIMIT_DEPTH | MIME_D_LIMIT_PARTS | MIME_D_LIMIT_DECODED | \
	    MIME_D_LIMIT_HEADERS)

/*
 * What the parser knows of a part when it calls the handler. Strings are
 * owned by the parser and valid during the call only (copy what you keep).
 * Every string is NUL-terminated; NULL where absent.
 */
struct mime_part_info {
	const struct mime_part_info *parent; /* NULL for the top level */
	const char *path;	  /* "1", "2", "2.1"; the top-level part of a
				     single-part message is "1" */
	unsigned depth;		  /* 0 for the top level */
	const char *content_type; /* "type/subtype", lower case; the default
				     text/plain (message/rfc822 inside a
				     multipart/digest) when absent/broken */
	const char *charset;	  /* lower case, unquoted, or NULL */
	const char *filename;	  /* UTF-8: filename= or name=, RFC 2231 /
				     2047 / raw 8-bit (UTF-8, else CP932) */
	const char *cte;	  /* lower case, e.g. "base64"; NULL = 7bit */
	const char *disposition;  /* "attachment", "inline", or NULL */
	const char *smime_type;	  /* smime-type= parameter, lower case */
	const char *protocol;	  /* protocol= parameter, lower case */
	bool is_container;	  /* multipart/ * or message/rfc822 (parsed) */
	unsigned defects;	  /* MIME_D_* seen so far in this part */
};

struct mime_handler {
	/*
	 * header: one header field of a header block, unfolded. part is the
	 * part the block belongs to (for the top level: the top part, path
	 * "1" or the multipart root). value_utf8 is the value with RFC 2047
	 * words decoded and raw 8-bit text converted to UTF-8. May be NULL.
	 */
	void (*header)(void *arg, const struct mime_part_info *part,
	    const char *name, const char *value_utf8);
	/* part_begin: the part's headers are complete. */
	void (*part_begin)(void *arg, const struct mime_part_info *part);
	/* part_data: decoded body bytes of a leaf part. May be NULL. */
	void (*part_data)(void *arg, const struct mime_part_info *part,
	    const void *data, size_t len);
	/* part_end: the part is complete; defects are final. */
	void (*part_end)(void *arg, const struct mime_part_info *part);
};

struct mime_parser;

/*
 * mime_new: a parser with these limits and handler (both copied by
 * reference: they must outlive the parser). Returns NULL on ENOMEM.
 */
struct mime_parser *mime_new(
    const struct dlp_limits *lim, const struct mime_handler *h, void *arg);

/*
 * mime_feed: the next len bytes of the message. Returns 0, or -1 when
 * memory ran out (the parser is then unusable).
 */
int mime_feed(struct mime_parser *p, const void *data, size_t len);

/*
 * mime_finish: end of input: flush decoders, close open parts (flagging
 * what was left unclosed). Returns 0, or -1 when memory ran out.
 */
int mime_finish(struct mime_parser *p);

/* mime_defects: MIME_D_* flags of all parts so far, or-ed. */
unsigned mime_defects(const struct mime_parser *p);

/* mime_defect_name: short name of one flag ("no-final-boundary"). */
const char *mime_defect_name(unsigned flag);

/* mime_free: release (wiping buffers); NULL is a no-op. */
void mime_free(struct mime_parser *p);

#endif
