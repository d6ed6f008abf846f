/*
 * mime_header - helpers for MIME header fields: field names, unfolding,
 * RFC 2047 encoded words, Content-Type / Content-Disposition values and
 * their parameters (quoted strings, comments, RFC 2231 continuations and
 * charsets), raw 8-bit text.
 *
 * Text comes out as UTF-8, converted with charset_to_utf8(). The rules,
 * chosen for Japanese mail:
 *   - adjacent encoded words of one charset are joined as bytes before
 *     they are converted (a multibyte character may be split across
 *     words); white space between adjacent encoded words is dropped;
 *     encoded words are also decoded when not separated from text, and
 *     inside quoted parameter values (name="=?ISO-2022-JP?B?...?="); a
 *     word that does not parse is left as it is;
 *   - raw (unencoded) bytes are taken as ISO-2022-JP when they carry its
 *     escapes, as UTF-8 when valid, else as CP932;
 *   - RFC 2231 sections (name*0*=, name*1=, ...) are ordered by number,
 *     percent-decoded where marked, joined as bytes and converted from
 *     the charset of section 0; an RFC 2231 value wins over a plain one;
 *   - in quoted strings only \\ and \" are escapes, so that a Windows
 *     path ("C:\dir\a.txt") survives;
 *   - NUL bytes in decoded text become spaces (a NUL would cut a C
 *     string short and hide what follows from the scanner).
 *
 * What it does not do: address parsing, dates, header field order.
 *
 * Limits: output goes to a caller's struct buf and stops at its maximum
 * (reported as MIME_HEADER_EFULL); working memory is proportional to the
 * input. No global state; thread-safe.
 */
#ifndef DLP_MIME_HEADER_H
#define DLP_MIME_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define MIME_HEADER_EFULL  (-1) /* out reached its maximum: truncated */
#define MIME_HEADER_ENOMEM (-2)

/* Parameter modes of mime_header_param(). */
#define MIME_HEADER_RAW	 0 /* bytes as sent, unquoted (boundary, charset) */
#define MIME_HEADER_TEXT 1 /* decoded to UTF-8 (filename, name) */

/*
 * mime_header_name: if the line starts a header field ("Name:" with name
 * characters 33..126 but ':'), returns the length of the name and sets
 * *value_off to the offset just after the colon; otherwise returns 0.
 * White space between name and colon (RFC 5322 obsolete syntax) is
 * accepted and reported in *obsolete (may be NULL).
 */
size_t mime_header_name(
    const void *line, size_t len, size_t *value_off, bool *obsolete);

/*
 * mime_header_unfold: append the field with every CR and LF removed (the
 * white space that started each continuation line stays). Returns 0,
 * MIME_HEADER_EFULL or MIME_HEADER_ENOMEM.
 */
int mime_header_unfold(const void *in, size_t len, struct buf *out);

/*
 * mime_header_decode: append an unstructured value (Subject, a display
 * name, an unfolded field) to out as UTF-8: RFC 2047 words decoded, raw
 * 8-bit text converted. Returns 0, MIME_HEADER_EFULL or
 * MIME_HEADER_ENOMEM.
 */
int mime_header_decode(const void *in, size_t len, struct buf *out);

/*
 * mime_header_raw_to_utf8: append bytes of undeclared charset as UTF-8
 * (ISO-2022-JP by its escapes, else UTF-8 if valid, else CP932). Returns
 * as mime_header_decode().
 */
int mime_header_raw_to_utf8(const void *in, size_t len, struct buf *out);

/*
 * mime_header_type: the media type of a Content-Type value, "type/subtype"
 * in lower case, appended to out (comments and white space allowed around
 * the parts). Returns 1 when the value has a valid type/subtype, 0 when it
 * does not (nothing appended), or a negative MIME_HEADER_* error.
 */
int mime_header_type(const void *value, size_t len, struct buf *out);

/*
 * mime_header_token: the first token of a value (a transfer encoding, a
 * disposition), in lower case, appended to out. Returns 1 found, 0 none,
 * or a negative MIME_HEADER_* error.
 */
int mime_header_token(const void *value, size_t len, struct buf *out);

/*
 * mime_header_param: find parameter name (case-insensitive) in a
 * Content-Type or Content-Disposition value and append its value to out:
 * as sent but unquoted with MIME_HEADER_RAW, as UTF-8 with
 * MIME_HEADER_TEXT (RFC 2231, RFC 2047, raw 8-bit). Returns 1 found, 0
 * absent, MIME_HEADER_EFULL (found, truncated) or MIME_HEADER_ENOMEM.
 */
int mime_header_param(
    const void *value, size_t len, const char *name, int mode, struct buf *out);

#endif
