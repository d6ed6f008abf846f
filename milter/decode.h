/*
 * decode - streaming Content-Transfer-Encoding decoders: base64,
 * quoted-printable, x-uuencode, and identity (7bit/8bit/binary).
 *
 * A decoder is a plain struct (no allocation) fed the encoded bytes in
 * chunks of any size; it hands decoded bytes to a callback in blocks of up
 * to DECODE_BLOCK bytes, and the blocks do not depend on how the input was
 * chunked: the callback is called when the block is full and by
 * decode_finish(), never at the end of a decode_feed(). Damage never stops
 * a decoder; it is recorded in errors (DECODE_E_*) and decoding goes on:
 *
 *   base64  characters outside the alphabet are skipped (white space
 *           silently, anything else flagged); '=' completes the current
 *           quantum and decoding continues after it (a chunked encoder
 *           that emits "...==" and then more base64 must not hide the
 *           rest: GMime before 3.2.15 stopped there).
 *   QP      =XX in upper or lower case, soft line breaks "=\r\n" and
 *           "=\n" (also with transport white space after the '='),
 *           white space before a line break dropped (RFC 2045 6.7),
 *           malformed '=' sequences passed literally; line breaks are
 *           delivered as they came (CRLF or LF).
 *   uu      "begin MODE NAME" ... "end"; each line's length character
 *           says how many bytes it carries; lines with characters out of
 *           range are flagged and skipped. Non-blank text outside a
 *           begin/end block is passed through unchanged, so that text a
 *           reader would see is still scanned.
 *
 * Limits: memory is the struct itself (a DECODE_BLOCK output block and a
 * uuencode line of DECODE_UU_LINE bytes), whatever the input. Not
 * thread-safe per object; no global state.
 */
#ifndef DLP_DECODE_H
#define DLP_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DECODE_BLOCK   8192 /* decoded bytes per callback, at most */
#define DECODE_WS_MAX  256  /* QP white space held to see what follows */
#define DECODE_UU_LINE 256  /* longest uuencode line looked at */

enum decode_kind {
	DECODE_IDENTITY = 0, /* 7bit, 8bit, binary: bytes as they are */
	DECODE_BASE64,
	DECODE_QP,
	DECODE_UU,
};

/* Damage flags in struct decoder.errors. */
#define DECODE_E_GARBAGE   0x01u /* base64: byte outside the alphabet */
#define DECODE_E_PADDING   0x02u /* base64: data after '=' padding */
#define DECODE_E_TRUNCATED 0x04u /* input ended inside a quantum/escape */
#define DECODE_E_MALFORMED 0x08u /* QP: bad '=' sequence; uu: bad line */
#define DECODE_E_NO_BEGIN  0x10u /* uu: no "begin" line at all */
#define DECODE_E_NO_END	   0x20u /* uu: "begin" without "end" */

struct decoder {
	enum decode_kind kind;
	unsigned errors; /* DECODE_E_* seen so far */
	/* out: receives decoded bytes; a non-zero return stops the decoder
	   and is returned by decode_feed()/decode_finish() */
	int (*out)(void *arg, const void *data, size_t len);
	void *arg;
	int rc; /* first non-zero return of out */
	unsigned char obuf[DECODE_BLOCK];
	size_t olen;
	/* base64 */
	uint32_t acc;
	unsigned nacc;	   /* sextets in acc */
	unsigned pad_owed; /* '=' still expected after "xx=" */
	bool padded;	   /* '=' seen and no data since */
	/* quoted-printable */
	int qstate;
	unsigned char qhex;
	unsigned char ws[DECODE_WS_MAX];
	size_t nws;
	/* uuencode */
	int ustate;
	unsigned char uline[DECODE_UU_LINE];
	size_t ulen;
	bool uover; /* the current line is longer than uline */
	bool upass; /* passing the current (long) line through */
};

/*
 * decode_init: set up d to decode kind, handing decoded bytes to out(arg,
 * data, len). d needs no cleanup beyond decode_wipe().
 */
void decode_init(struct decoder *d, enum decode_kind kind,
    int (*out)(void *arg, const void *data, size_t len), void *arg);

/*
 * decode_feed: decode the next len bytes. Returns 0, or the first
 * non-zero return of out (the decoder then ignores further input).
 */
int decode_feed(struct decoder *d, const void *in, size_t len);

/*
 * decode_finish: end of input: complete what is pending (flagging a cut
 * quantum or escape) and hand over the rest of the block. Returns as
 * decode_feed(). The decoder may be decode_init()ed again afterwards.
 */
int decode_finish(struct decoder *d);

/* decode_wipe: erase the decoder's copy of message data. */
void decode_wipe(struct decoder *d);

/*
 * decode_kind_of: the decoder for a Content-Transfer-Encoding value
 * (lower case, as returned by mime_header_token()); NULL or "" is 7bit.
 * *known is set false for an unknown encoding, which decodes as identity.
 */
enum decode_kind decode_kind_of(const char *cte, bool *known);

/* decode_hexval: the value of one hex digit (either case), or -1. */
int decode_hexval(unsigned char c);

#endif
