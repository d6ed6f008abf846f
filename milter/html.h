/*
 * html - HTML (already converted to UTF-8) to plain text for detection.
 *
 * Tags are dropped; <script>, <style>, <head> and comments are dropped
 * with their content; block tags (p, div, br, li, tr, h1-h6, table, ...)
 * become line breaks and table cells (td, th) tabs, so that a roster in an
 * HTML table reads one row per line; character references (&amp;, &#12354;,
 * &#x3042;, and the common named ones incl. &nbsp;) are decoded; runs of
 * white space are folded. Broken markup never stops it: an unclosed tag or
 * comment ends at the end of input. It is not an HTML5 parser: it reads
 * text, it does not build a tree.
 *
 * Thread-safe; no state between calls.
 */
#ifndef DLP_HTML_H
#define DLP_HTML_H

#include <stddef.h>

#include "buf.h"

/*
 * html_to_text: append the text of len bytes of UTF-8 HTML to out.
 * Returns BUF_OK, BUF_EFULL (out is full: text truncated) or BUF_ENOMEM.
 */
int html_to_text(const char *in, size_t len, struct buf *out);

#endif
