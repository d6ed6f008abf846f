/*
 * extract - what is inside a part: identify it by its content, unpack
 * containers, turn documents into text, and judge encryption, for every
 * decoded MIME part and, recursively, every member of every container.
 *
 * The scan (scan.c) owns the report's nodes; extraction talks to it only
 * through struct extract_sink: it creates child nodes, appends text to a
 * node (in any charset; the sink converts and normalises it at once),
 * marks where in the text a location starts ("Sheet1!B7", "p3"), marks
 * nodes encrypted or not inspectable, and hands over mail messages found
 * inside. The sink runs the rules when a node is done.
 *
 * Identification never trusts names or declared types first: libmagic
 * reads the bytes (extract_identify()); names and declared types only
 * break ties (a CSV is "text/plain" to libmagic). Each format has its own
 * module with one entry point of type extract_fn (extract_archive.c,
 * extract_ooxml.c, extract_odf.c, extract_pdf.c, extract_ole.c,
 * extract_rtf.c, extract_tnef.c); extract.c dispatches and keeps the
 * budget. A CFB file is identified as "application/x-ole-storage" and the
 * OLE reader then gives its node the type of what it holds
 * (application/msword, application/vnd.ms-excel,
 * application/vnd.ms-powerpoint, application/vnd.ms-outlook; encrypted
 * OOXML and unknown compound files keep application/x-ole-storage).
 *
 * Budget (struct dlp_limits): container depth, members per container,
 * bytes per member, expansion ratio per member, expanded bytes per
 * message, PDF pages and time, and the message's wall time. A limit that
 * is hit marks the node it cut as not-inspectable with the reason
 * ("limit:depth", "limit:members", "limit:size", "limit:ratio",
 * "limit:expanded", "limit:pages", "limit:time"); damaged input marks it
 * "corrupt" and the rest of the message is still scanned. Nothing that
 * was not read is ever reported plain.
 *
 * Encryption methods, as reported in node.method (the policy's
 * accepted_encryption lists these, a family name matching every
 * "family-..." method): zipcrypto (weak), winzip-aes-128/-192/-256,
 * pkware-ses-<alg>, 7z-aes (7z-aes-headers when names are hidden too),
 * rar4, rar4-headers, rar5, rar5-headers, ooxml-agile, ooxml-standard,
 * office-rc4 (weak), office-rc4-cryptoapi (weak), office-xor (weak),
 * pdf-rc4-40 (weak), pdf-rc4-128, pdf-aes-128, pdf-aes-256, odf-blowfish,
 * odf-aes-256, smime-enveloped, smime-authenveloped, pgp-mime, pgp-inline, pgp-binary.
 * A PDF with an owner password only is not encrypted (anyone can open
 * it): its text is scanned and its method is "pdf-owner-only" on a plain
 * node. Editing or sheet protection in OOXML is not encryption.
 *
 * Thread-safety: one struct extract per scan, used by one thread.
 */
#ifndef DLP_EXTRACT_H
#define DLP_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "dlp.h"

/* The scan's side. Node ids are the scan's; -1 is never a valid id. */
/* A location inside a piece of text: label starts at byte off. */
struct extract_mark {
	size_t off;
	const char *label;
};

struct extract_sink {
	void *arg;
	/*
	 * node_new: a child of parent named name (UTF-8; a member path such
	 * as "2024/名簿.xlsx", or a stream name); size is its size as far
	 * as known. Returns the child's id, or -1 when memory ran out.
	 */
	long (*node_new)(void *arg, long parent, const char *name, size_t size);
	/* node_type: what the node was identified as ("application/zip") */
	void (*node_type)(void *arg, long node, const char *type);
	/*
	 * node_mark: DLP_ENC_ENCRYPTED with its method, or
	 * DLP_ENC_NOT_INSPECTABLE with its reason, or DLP_ENC_PLAIN with
	 * a detail (only "pdf-owner-only" so far). weak: the method is
	 * known to be broken.
	 */
	void (*node_mark)(void *arg, long node, enum dlp_encryption enc,
	    const char *detail, bool weak);
	/*
	 * node_text: append len bytes of text in charset (NULL when
	 * unknown: guessed; "utf-8" for XML formats) to the node's text.
	 * EXTRACT_TEXT_HTML: the bytes are HTML markup. Returns 0, or -1
	 * when the node's text budget is full (the node is then marked
	 * limit:size by the sink; the extractor may stop).
	 */
	int (*node_text)(void *arg, long node, const char *charset,
	    const void *data, size_t len, unsigned flags);
	/*
	 * node_locate: the node's text from here on is at label ("Sheet1",
	 * "Sheet1!B7", "p3", "slide2"): findings there say so.
	 */
	void (*node_locate)(void *arg, long node, const char *label);
	/* node_message: a mail message inside node: parse it beneath. */
	void (*node_message)(
	    void *arg, long node, const void *data, size_t len);
	/* node_done: the node is complete: run the rules over its text. */
	void (*node_done)(void *arg, long node);
	/*
	 * node_bytes: the node's own bytes as unpacked (all of them, or
	 * what was read before a limit cut it), for its SHA-256; called
	 * once, before the node is extracted. May be NULL (not wanted).
	 */
	void (*node_bytes)(void *arg, long node, const void *data, size_t len);
	/*
	 * node_text_marked: UTF-8 text with locations inside it, in one
	 * call: the same as, for each mark in order, node_text() of the
	 * bytes from the previous mark (or the start) to marks[i].off when
	 * there are any, then node_locate(marks[i].label), and at the end
	 * node_text() of the bytes after the last mark when there are any;
	 * the first node_text() that returns -1 ends it (no more text or
	 * locations) and it returns -1, else 0. Offsets are ascending and
	 * at most len. For the many cells of a spreadsheet: one call, one
	 * lookup of the node and one reading of the stage clock instead of
	 * two calls per cell. May be NULL: extract_text_marked() then makes
	 * those calls.
	 */
	int (*node_text_marked)(void *arg, long node, const void *data,
	    size_t len, const struct extract_mark *marks, size_t n);
};

#define EXTRACT_TEXT_HTML 0x1u

struct extract;

/*
 * An extractor: read data (len bytes) as the content of node, at depth
 * (0 for a MIME part, +1 per container level). It adds text, child nodes
 * and marks through the extract_* helpers below; it never calls
 * node_done on node itself (extract_node() does). Returns DLP_OK,
 * DLP_PARTIAL (a limit cut it: what was cut is marked), DLP_EINPUT (the
 * data is damaged: extract_node() marks the node corrupt unless the
 * extractor marked it already) or DLP_EFATAL (out of memory).
 */
typedef int (*extract_fn)(
    struct extract *x, long node, unsigned depth, const void *data, size_t len);

/*
 * extract_new: an extraction context for one scan, with the scan's
 * limits and sink (both must outlive it) and a libmagic cookie (magic is
 * an open, loaded magic_t owned by the caller; may be NULL: then only our
 * own signatures identify content). Returns NULL on ENOMEM.
 */
struct extract *extract_new(
    const struct dlp_limits *lim, const struct extract_sink *sink, void *magic);

/* extract_free: release; NULL is a no-op. */
void extract_free(struct extract *x);

/*
 * extract_node: identify data as the content of node (declared type and
 * file name as hints, either may be NULL), extract it with the right
 * extractor, then call node_done. Content with no extractor is handed
 * over as text when its bytes read as text, whatever its type (text,
 * and JSON, SVG, PostScript...); only binary content goes unread.
 * Returns as extract_fn.
 */
int extract_node(struct extract *x, long node, unsigned depth,
    const char *declared_type, const char *filename, const void *data,
    size_t len);

/*
 * extract_identify: the content type of data: a MIME type string
 * ("application/zip", "application/vnd.openxmlformats-officedocument.
 * spreadsheetml.sheet", "application/x-ole-storage", "application/pdf",
 * "text/plain", ...), never NULL ("application/octet-stream" when
 * nothing is known).
 */
const char *extract_identify(struct extract *x, const char *declared_type,
    const char *filename, const void *data, size_t len);

/*
 * extract_signature: the type our own signatures give data (containers,
 * documents, PDF, RTF: exact and cheap), or NULL when none fits.
 */
const char *extract_signature(const void *data, size_t len);

/* Helpers for extractors. */

/*
 * extract_member: a member of a container (node parent, at depth):
 * creates the child node named name and, unless the container depth,
 * bytes per member (len > max_member_bytes) or ratio (extract_ratio_ok)
 * limit is hit, extracts the member (depth + 1) and finishes it (the
 * ratio applies to members past 1 MiB: small XML parts and zero
 * padding compress far better than any bomb threshold). packed is the
 * member's compressed size when known, else 0; data may
 * be NULL when len is 0. The extractor has already counted the member
 * (extract_count_member) and its bytes as it unpacked them
 * (extract_budget). Returns as extract_fn; a child cut by a limit is
 * marked and DLP_PARTIAL returned.
 */
int extract_member(struct extract *x, long parent, unsigned depth,
    const char *name, const void *data, size_t len, size_t packed);

/*
 * extract_member_opaque: a member that cannot be read: a child node
 * marked encrypted (method, weak) or not inspectable (reason), done.
 */
int extract_member_opaque(struct extract *x, long parent, const char *name,
    size_t size, enum dlp_encryption enc, const char *detail, bool weak);

/*
 * extract_member_cut: a member that a limit (why: "limit:size", ...)
 * cut after len bytes were read (data; NULL and 0 when nothing was):
 * a child node marked not inspectable, its hash of what was read, done.
 * size is the member's size as far as known.
 */
int extract_member_cut(struct extract *x, long parent, const char *name,
    size_t size, const void *data, size_t len, const char *why);

/*
 * extract_count_member: one more member of parent; false (and parent
 * marked limit:members) when the container has too many.
 */
bool extract_count_member(struct extract *x, long parent, unsigned *count);

/*
 * extract_ratio_ok: whether len bytes unpacked from packed (the member's
 * compressed size, 0 when unknown) keep within max_ratio, and, past
 * 1 MiB, within max_ratio of the MIME part they came in, however many
 * containers deep (each level of a nested bomb can stay under the ratio
 * while their product does not). Extractors that stream call it as the
 * bytes grow, to stop early; extract_member() checks it again.
 */
bool extract_ratio_ok(const struct extract *x, size_t len, size_t packed);

/*
 * extract_budget: count n more unpacked bytes against the message's
 * max_expanded_bytes; call it as you unpack, block by block, before using
 * the bytes. false (nothing counted) when the limit would be passed: stop
 * unpacking and mark what was cut limit:expanded.
 */
bool extract_budget(struct extract *x, size_t n);

/* extract_time_left: false once the message's wall time is spent. */
bool extract_time_left(const struct extract *x);

/*
 * extract_name: the file name extract_node() was given for the node
 * being extracted now ("2024/roster.csv.gz"), or NULL when none; valid
 * while its extractor runs.
 */
const char *extract_name(const struct extract *x);

/* extract_limits: the limits. */
const struct dlp_limits *extract_limits(const struct extract *x);

/* Pass-throughs to the sink, for extractors. */
int extract_text(struct extract *x, long node, const char *charset,
    const void *data, size_t len);
void extract_locate(struct extract *x, long node, const char *label);
/* sink->node_text_marked(), or what it stands for when that is NULL */
int extract_text_marked(struct extract *x, long node, const void *data,
    size_t len, const struct extract_mark *marks, size_t n);
void extract_mark(struct extract *x, long node, enum dlp_encryption enc,
    const char *detail, bool weak);
/*
 * extract_type: node's type is type after all: an extractor that learns
 * more than identification could tell says so (a CFB file read as a
 * Word document is "application/msword"). type is copied by the sink.
 */
void extract_type(struct extract *x, long node, const char *type);

/* The extractors (one module each). */
int extract_archive(
    struct extract *x, long node, unsigned depth, const void *data, size_t len);
int extract_ooxml(
    struct extract *x, long node, unsigned depth, const void *data, size_t len);
int extract_odf(
    struct extract *x, long node, unsigned depth, const void *data, size_t len);
int extract_pdf(
    struct extract *x, long node, unsigned depth, const void *data, size_t len);
int extract_ole(
    struct extract *x, long node, unsigned depth, const void *data, size_t len);
int extract_rtf(
    struct extract *x, long node, unsigned depth, const void *data, size_t len);
int extract_tnef(
    struct extract *x, long node, unsigned depth, const void *data, size_t len);

#endif
