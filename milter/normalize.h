/*
 * normalize - make text simple for the rules.
 *
 * NFKC with utf8proc (full-width digits and letters to ASCII, half-width
 * kana to full-width, era squares such as ㍻ to 平成, U+3000 to a space),
 * then every dash-like character (U+2010..U+2015, U+2212, U+FE58, U+FE63,
 * U+FF0D, U+30FC and U+FF70 long-vowel marks, U+2043, U+02D7) between two
 * ASCII digits folds to '-', so "1234ー5678" reads "1234-5678"; elsewhere
 * those characters stay (ー is a vowel mark inside katakana words). Invalid
 * UTF-8 bytes become U+FFFD. Line breaks become '\n'.
 *
 * Thread-safe; no state between calls.
 */
#ifndef DLP_NORMALIZE_H
#define DLP_NORMALIZE_H

#include <stddef.h>

#include "buf.h"

/*
 * normalize_text: append the normalised form of len bytes of UTF-8 to out.
 * Returns BUF_OK, BUF_EFULL (truncated at the maximum) or BUF_ENOMEM.
 */
int normalize_text(const char *in, size_t len, struct buf *out);

#endif
