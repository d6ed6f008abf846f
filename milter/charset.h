/*
 * charset - text in any declared (or undeclared) charset to UTF-8, with
 * the Japanese rules of DESIGN.md.
 *
 * Rules: every Shift_JIS label (shift_jis, sjis, x-sjis, windows-31j, cp932,
 * ms_kanji, csshiftjis, ...) decodes as CP932, so NEC and IBM extensions
 * (①, ㈱, ～) survive; ISO-2022-JP (and -1, -2, -3 where glibc lacks them)
 * decodes through EUC-JP-MS so that the same Windows characters inside
 * ISO-2022-JP survive; EUC-JP as EUC-JP-MS; UTF-16/32 with or without a BOM;
 * us-ascii and unknown-8bit as UTF-8 when valid, else guessed. An unknown
 * label is converted by guessing and said so. Invalid input bytes become
 * U+FFFD and conversion goes on: a DLP must not stop reading at the first
 * bad byte.
 *
 * iconv descriptors are opened per call (the engine keeps no global
 * state); all functions are thread-safe.
 */
#ifndef DLP_CHARSET_H
#define DLP_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define CHARSET_OK	0
#define CHARSET_GUESSED 1    /* label unknown or absent: guessed */
#define CHARSET_EFULL	(-1) /* out reached its maximum: truncated */
#define CHARSET_ENOMEM	(-2)

/*
 * charset_to_utf8: convert len bytes labelled label (NULL or "" when
 * undeclared) and append the UTF-8 result to out. Returns CHARSET_OK,
 * CHARSET_GUESSED, CHARSET_EFULL or CHARSET_ENOMEM.
 */
int charset_to_utf8(
    const char *label, const void *in, size_t len, struct buf *out);

/*
 * charset_guess: the likely charset of undeclared bytes: a BOM (UTF-8,
 * UTF-16LE/BE, UTF-32LE/BE), ISO-2022-JP by its escapes, "UTF-8" when the
 * bytes are valid UTF-8 (including pure ASCII), else CP932 or EUC-JP by a
 * score of their byte pairs. Returns a static string usable with
 * charset_to_utf8().
 */
const char *charset_guess(const void *in, size_t len);

/* charset_canonical: the iconv name we use for a label, or NULL. */
const char *charset_canonical(const char *label);

/* charset_valid_utf8: whether the bytes are well-formed UTF-8. */
int charset_valid_utf8(const void *in, size_t len);

/*
 * charset_utf8_as_is: whether charset_to_utf8(label, in, len, out) would
 * append in itself, less its first *skip bytes (a UTF-8 BOM, or 0), when
 * out has room: label names UTF-8 and the bytes are well-formed. Lets a
 * caller read such text in place instead of from a copy.
 */
bool charset_utf8_as_is(
    const char *label, const void *in, size_t len, size_t *skip);

#endif
