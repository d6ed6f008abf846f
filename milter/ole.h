/*
 * ole - the internals shared by the OLE (CFB) extractor's modules:
 * extract_ole.c (the container: libgsf, which streams mean which format,
 * encrypted OOXML, PowerPoint, Outlook .msg, summary properties, embedded
 * objects), ole_doc.c (Word 97-2003 .doc) and ole_xls.c (Excel BIFF5/8);
 * extract_tnef.c uses its text helpers and ole_rtf_member() too (TNEF
 * carries the same MAPI properties as a .msg).
 *
 * The format readers here take a stream's bytes already read into memory
 * (so they are tested without a container) and emit text through the
 * extract_* helpers. They trust no length or offset in the input: every
 * read is checked against the stream's bounds, every count is capped by
 * the bytes that could hold it, and every loop advances by at least one
 * record header. They keep no state beyond one call and are thread-safe
 * given distinct struct extract objects.
 *
 * Not a public interface: only the modules above include it.
 */
#ifndef DLP_OLE_H
#define DLP_OLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "extract.h"

/* Text is handed to the sink in pieces of at most this many bytes. */
#define OLE_FLUSH 65536

/* What a reader found about encryption; method NULL when none. */
struct ole_enc {
	const char *method; /* "office-rc4", ...; static string */
	bool weak;
};

/* Little-endian reads; the caller has checked the bounds. */
static inline uint16_t
ole_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t
ole_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/*
 * ole_put_cp: append code point cp as UTF-8 to out (surrogates and values
 * past U+10FFFF become U+FFFD). Returns as buf_append.
 */
int ole_put_cp(struct buf *out, uint32_t cp);

/*
 * ole_utf16_to_utf8: append n UTF-16LE code units at p (2n bytes, read by
 * the caller's bounds) as UTF-8 to out; pairs are joined, a lone
 * surrogate becomes U+FFFD, NUL units are dropped. Returns as buf_append.
 */
int ole_utf16_to_utf8(struct buf *out, const unsigned char *p, size_t n);

/*
 * ole_latin1_to_utf8: append n bytes at p, each the low byte of a UTF-16
 * code unit (BIFF8 "compressed" strings, PowerPoint TextBytesAtom), as
 * UTF-8 to out; NUL bytes are dropped. Returns as buf_append.
 */
int ole_latin1_to_utf8(struct buf *out, const unsigned char *p, size_t n);

/*
 * ole_codepage_charset: the charset label for a Windows code page number
 * (932 -> "cp932", 65001 -> "utf-8", 1200 -> "utf-16le"), or NULL when
 * unknown (the text is then guessed).
 */
const char *ole_codepage_charset(unsigned cp);

/*
 * ole_flush: hand out's bytes (UTF-8) to node's text and empty out.
 * Returns 0, or -1 when the node's text is full (the sink marked it).
 */
int ole_flush(struct extract *x, long node, struct buf *out);

/*
 * ole_rtf_member: the compressed RTF body p (n bytes, PR_RTF_COMPRESSED)
 * decoded into rtf (empty; its maximum bounds the output, the caller
 * frees it) and extracted as node's member "body.rtf" at depth (the
 * caller counted the member; the decoded bytes are counted against the
 * expanded-bytes budget here). Undecodable: a corrupt opaque member
 * (DLP_OK); over the budget, or nothing decoded before rtf's maximum: an
 * opaque member marked limit:expanded or limit:size (DLP_PARTIAL); cut by
 * rtf's maximum: what was decoded is read and node is marked limit:size
 * (DLP_PARTIAL); cut short: what was decoded is read and DLP_EINPUT
 * returned. Returns as extract_fn.
 */
int ole_rtf_member(struct extract *x, long node, unsigned depth,
    const unsigned char *p, size_t n, struct buf *rtf);

/*
 * ole_doc_encryption: the FIB of a WordDocument stream (wd, wdlen) says
 * whether the document is encrypted; the table stream (tbl, tlen; NULL
 * when absent) holds the header that tells the method. On return
 * enc->method is NULL for a plain document. Returns DLP_OK, or
 * DLP_EINPUT when the FIB is damaged or the document is encrypted by an
 * unknown method.
 */
int ole_doc_encryption(const unsigned char *wd, size_t wdlen,
    const unsigned char *tbl, size_t tlen, struct ole_enc *enc);

/*
 * ole_doc_table_name: the name of the table stream the FIB selects
 * ("1Table" or "0Table"), or NULL when the FIB cannot be read.
 */
const char *ole_doc_table_name(const unsigned char *wd, size_t wdlen);

/*
 * ole_doc_text: the text of a plain Word document (piece table in the
 * table stream; Word 6/95 files from their text range) to node. Returns
 * DLP_OK, DLP_PARTIAL (the node's text is full), DLP_EINPUT (damaged: the
 * text read so far was delivered) or DLP_EFATAL.
 */
int ole_doc_text(struct extract *x, long node, const unsigned char *wd,
    size_t wdlen, const unsigned char *tbl, size_t tlen);

/*
 * ole_xls_extract: an Excel Workbook (BIFF8) or Book (BIFF5/7) stream
 * (wb, len). A FILEPASS record fills enc (its method; NULL for a plain
 * workbook) and nothing else is read: the caller marks the node.
 * Otherwise the cells of every worksheet go to node as tab-separated
 * rows, each cell located "Sheet1!B7". Returns DLP_OK, DLP_PARTIAL (the
 * node's text is full), DLP_EINPUT (damaged: what was read was
 * delivered; or a FILEPASS of unknown kind) or DLP_EFATAL.
 */
int ole_xls_extract(struct extract *x, long node, const unsigned char *wb,
    size_t len, struct ole_enc *enc);

/*
 * ole_xls_number: a cell's IEEE double as text: integers as plain digits
 * (123456789012, never 1.23457e+11), others with up to 15 significant
 * digits; NaN and infinities as "". out holds at least 32 bytes.
 */
void ole_xls_number(double v, char *out, size_t outlen);

/* ole_xls_rk: the value of an RK-encoded number. */
double ole_xls_rk(uint32_t rk);

/*
 * ole_xls_cellref: "B7" for row 6, column 1 (both from 0) into out (at
 * least 16 bytes).
 */
void ole_xls_cellref(uint32_t row, uint32_t col, char *out, size_t outlen);

#endif
