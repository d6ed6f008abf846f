/*
 * xmlscan - a fast, hand-written, streaming scanner for the plain XML
 * that spreadsheet producers write (worksheets, shared strings), calling
 * the same struct xmltext_handler callbacks as the libxml2 parser in
 * xmltext.c, several times faster: a 5 MB worksheet is the bulk of a
 * 1 MB xlsx, and libxml2's SAX2 reads it at well under 100 MB/s here.
 *
 * What it reads: elements (prefixed or not, self-closing or not),
 * attributes in any order with either quote, text, CDATA sections, the
 * five predefined entities and character references (decimal and hex),
 * comments and processing instructions (skipped), an XML declaration
 * saying UTF-8 (or nothing), a UTF-8 byte order mark. Line ends are
 * normalised as XML says (CR LF and CR read as LF; in attribute values
 * tab, CR and LF read as a space), except in CDATA, which libxml2's push
 * parser passes on as it is, and so does this scanner.
 *
 * What it does not do, and what happens then: the scanner is
 * namespace-blind: local names are the part after the prefix, and every
 * uri it reports is NULL (elements and attributes alike); namespace
 * declarations (xmlns, xmlns:x) are not reported as attributes, as in
 * libxml2. So it is only for handlers that never look at uri. Anything
 * it does not understand in the prolog, before the root element (a byte
 * order mark other than UTF-8's, an encoding other than UTF-8, a
 * DOCTYPE with its internal subset and entities, a prolog past
 * PROLOG_MAX bytes), hands the whole document to the libxml2 parser
 * (xmltext_new()) instead: nothing has been reported yet, so the handler
 * sees one parse either way. After the root element has started, what
 * is not well-formed XML (a tag that does not close, a bad entity or
 * character reference, an end tag that does not match (compared by a
 * 32-bit hash of the name: a collision reads a wrong end tag as the
 * right one, and the text is read either way), bad UTF-8, a
 * control character, text after the root, nesting past 256 levels as
 * in libxml2, a token past TOKEN_MAX) ends the scan with DLP_EINPUT, as
 * libxml2 would: what came before was reported.
 *
 * Limits: a token (tag, comment, processing instruction) is held whole
 * up to XMLSCAN_TOKEN_MAX bytes; text and CDATA stream through a 64 KiB
 * buffer; at most XMLSCAN_ATTR_MAX attributes per tag; depth 256. Memory
 * is the token buffer, the text buffer and the attribute table.
 *
 * Not thread-safe per object; objects belong to one scan.
 */
#ifndef DLP_XMLSCAN_H
#define DLP_XMLSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "extract.h"
#include "xmltext.h"
#include "zipmem.h"

#define XMLSCAN_TOKEN_MAX ((size_t)1 << 20) /* bytes of one tag */
#define XMLSCAN_ATTR_MAX  256		    /* attributes of one tag */

struct xmlscan;

/*
 * xmlscan_new: a scanner for one document, calling h's callbacks with
 * arg (both must outlive it; h must not depend on uri). NULL on ENOMEM.
 */
struct xmlscan *xmlscan_new(const struct xmltext_handler *h, void *arg);

/* xmlscan_free: release (the text held is wiped); NULL is a no-op. */
void xmlscan_free(struct xmlscan *p);

/*
 * xmlscan_feed: scan len more bytes. Returns DLP_OK; DLP_EINPUT (not
 * well-formed: no more callbacks come, further feeding is ignored);
 * DLP_EFATAL (out of memory).
 */
int xmlscan_feed(struct xmlscan *p, const void *data, size_t len);

/* xmlscan_finish: the end of the document. Returns as xmlscan_feed(). */
int xmlscan_finish(struct xmlscan *p);

/* xmlscan_stop: no more callbacks; later feeding is ignored. */
void xmlscan_stop(struct xmlscan *p);

/* xmlscan_fell_back: whether the document went to libxml2 instead. */
bool xmlscan_fell_back(const struct xmlscan *p);

/*
 * xmlscan_member: as xmltext_member() (same returns, same *why), with
 * this scanner.
 */
int xmlscan_member(struct zipmem *z, struct extract *x, size_t i,
    const struct xmltext_handler *h, void *arg, const char **why);

#endif
