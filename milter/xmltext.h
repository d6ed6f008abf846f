/*
 * xmltext - the SAX plumbing shared by the OOXML and ODF extractors:
 * a safe libxml2 push parser fed straight from a zip member, a bounded
 * text writer to the extraction sink, and the number formatting both
 * spreadsheet formats need.
 *
 * The parser (struct xmltext) is libxml2's SAX2 push parser with only
 * startElementNs, endElementNs and characters (CDATA as characters): no
 * DOM, no DTD loading, no entity substitution (declarations in an
 * internal subset are parsed, but a reference to anything but the five
 * predefined entities and character references is a fatal error, so a
 * billion-laughs document expands nothing), no network, XML_PARSE_HUGE
 * off, so libxml2's own limits hold (element depth 256, names, a 10 MB
 * look-ahead for one token). libxml2's error reports are swallowed while
 * it runs (its thread-local structured and generic error handlers are
 * swapped for silent ones around each call and restored), so the engine
 * never prints. Text that passes through libxml2's own buffers is freed
 * by libxml2 without being wiped: it offers no hook for that.
 *
 * The writer (struct xmltext_out) collects text in a bounded buffer and
 * hands it to the sink in large pieces; a location label flushes first,
 * so labels sit exactly where their text starts. Cell labels (many, and
 * small) are instead kept with their offsets and handed over with the
 * text in one extract_text_marked() call; the sink sees the same text
 * and labels in the same order, cut at the same places, as if each had
 * flushed (the text between two labels is never handed over in other
 * pieces than before), only in fewer calls.
 *
 * What it does not do: validate, resolve namespaces beyond what libxml2
 * reports, or keep any global state. libxml2 itself should be initialised
 * once (xmlInitParser()) by the program before threads start.
 *
 * Not thread-safe per object; objects belong to one scan.
 */
#ifndef DLP_XMLTEXT_H
#define DLP_XMLTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "extract.h"
#include "zipmem.h"

/* Attributes of a start tag, as libxml2's SAX2 reports them. */
struct xmltext_attrs {
	const unsigned char **v; /* n groups of 5: local, prefix, URI,
				    value, value end */
	int n;
};

/*
 * The callbacks. local is the element's local name, uri its namespace
 * (NULL when none); text is UTF-8, not NUL-terminated. done is asked
 * between the blocks xmltext_member() feeds: true stops the parse (the
 * text sink is full). Any may be NULL.
 */
struct xmltext_handler {
	void (*start)(void *arg, const char *local, const char *uri,
	    const struct xmltext_attrs *attrs);
	void (*end)(void *arg, const char *local, const char *uri);
	void (*text)(void *arg, const char *text, size_t len);
	bool (*done)(void *arg);
};

struct xmltext;

/*
 * xmltext_new: a parser for one document, calling h's callbacks with arg
 * (both must outlive it). Returns NULL on ENOMEM.
 */
struct xmltext *xmltext_new(const struct xmltext_handler *h, void *arg);

/* xmltext_free: release; NULL is a no-op. */
void xmltext_free(struct xmltext *p);

/*
 * xmltext_feed: parse len more bytes. Returns DLP_OK; DLP_EINPUT (not
 * well-formed, or past libxml2's limits: no more callbacks come, further
 * feeding is ignored); DLP_EFATAL (out of memory). After xmltext_stop()
 * it returns DLP_OK and ignores the bytes.
 */
int xmltext_feed(struct xmltext *p, const void *data, size_t len);

/* xmltext_finish: the end of the document. Returns as xmltext_feed(). */
int xmltext_finish(struct xmltext *p);

/* xmltext_stop: from a callback: stop parsing, no more callbacks. */
void xmltext_stop(struct xmltext *p);

/*
 * xmltext_attr: the value of the attribute with this local name (and
 * namespace uri, or any when uri is NULL): *val (not NUL-terminated) and
 * *len. Returns false when absent.
 */
bool xmltext_attr(const struct xmltext_attrs *a, const char *local,
    const char *uri, const char **val, size_t *len);

/*
 * xmltext_attr_copy: like xmltext_attr, into out (size outsz, always
 * NUL-terminated, truncated to fit). Returns false when absent.
 */
bool xmltext_attr_copy(const struct xmltext_attrs *a, const char *local,
    const char *uri, char *out, size_t outsz);

/*
 * xmltext_member: parse zip member i of z as XML with h and arg, within
 * the limits of x (zipmem_read()). Returns DLP_OK, DLP_PARTIAL (a limit
 * cut the member: *why is the reason; what came before was parsed),
 * DLP_EINPUT (damaged zip data or XML: *why is "corrupt"), DLP_EFATAL.
 * A parse stopped by xmltext_stop() is DLP_OK.
 */
int xmltext_member(struct zipmem *z, struct extract *x, size_t i,
    const struct xmltext_handler *h, void *arg, const char **why);

#define XMLTEXT_MARKS	   256 /* cell labels held before a hand-over */
#define XMLTEXT_MARK_LABEL 128 /* longest label held (with its NUL) */

/* The labels held, with their offsets in the writer's buffer. */
struct xmltext_marks {
	struct extract_mark m[XMLTEXT_MARKS];
	char label[XMLTEXT_MARKS][XMLTEXT_MARK_LABEL];
};

/*
 * The text writer: bounded buffer in front of extract_text(). What came
 * since the last label or hand-over (b from seg on) is at most
 * XMLTEXT_OUT_CHUNK bytes; the buffer holds up to twice that.
 */
struct xmltext_out {
	struct extract *x;
	long node;
	struct buf b;
	size_t seg; /* where the text since the last label starts in b */
	struct xmltext_marks *marks; /* allocated at the first mark */
	size_t n_marks;
	bool full; /* the sink's budget is spent: stop producing */
	bool nomem;
	int last; /* the last byte written, -1 before any */
};

/* xmltext_out_init: a writer of node's text. No allocation yet. */
void xmltext_out_init(struct xmltext_out *o, struct extract *x, long node);

/*
 * xmltext_out_put, _putc: append text. Return 0, or -1 once the sink is
 * full or memory ran out (o->full / o->nomem say which; later text is
 * dropped).
 */
int xmltext_out_put(struct xmltext_out *o, const void *s, size_t len);
int xmltext_out_putc(struct xmltext_out *o, int c);

/* xmltext_out_locate: flush, then extract_locate(label). */
int xmltext_out_locate(struct xmltext_out *o, const char *label);

/*
 * xmltext_out_mark: the same as xmltext_out_locate() for what the sink
 * is told, but the label waits in o with the text (at most
 * XMLTEXT_MARKS of them; a longer label, or one past those, is located
 * at once). Returns 0, or -1 when the writer had already stopped (the
 * sink may turn out to be full only at the hand-over: xmltext_out_done()
 * hands over first, so a handler's done callback sees it as before).
 */
int xmltext_out_mark(struct xmltext_out *o, const char *label);

/* xmltext_out_endline: a '\n' unless the text is empty or ends with one. */
int xmltext_out_endline(struct xmltext_out *o);

/* xmltext_out_flush: hand the buffered text to the sink. 0 or -1. */
int xmltext_out_flush(struct xmltext_out *o);

/*
 * xmltext_out_free: flush what is left and release. Returns DLP_OK,
 * DLP_PARTIAL (the sink was full: it marked the node limit:size) or
 * DLP_EFATAL.
 */
int xmltext_out_free(struct xmltext_out *o);

/*
 * A handler for metadata parts (docProps/core.xml, meta.xml): the text
 * of every element on a line of its own; white space between elements is
 * dropped, and so is everything inside the elements skip names (local
 * names: dates, statistics, the generator). Its arg is a struct
 * xmltext_lines.
 */
struct xmltext_lines {
	struct xmltext_out *out;
	const char *const *skip; /* NULL-terminated; may be NULL */
	bool open;		 /* a line is started */
	unsigned skipping;	 /* depth inside a skipped element */
};
extern const struct xmltext_handler xmltext_lines_handler;

/*
 * xmltext_out_done: for handlers' done callbacks: hand over the labels
 * held (and the text up to the last of them); then whether the writer
 * can take no more (the sink is full or memory ran out).
 */
bool xmltext_out_done(struct xmltext_out *o);

/*
 * xmltext_number: the decimal number s (len bytes, as a spreadsheet
 * stores it: "123456789012", "1.23456789012E+11", "-0.5", "1E-3") written
 * as plain digits without an exponent, exactly from the text (never
 * through a double), rounded to 15 significant digits as spreadsheets
 * display them ("0.30000000000000004" -> "0.3"), trailing fraction zeros
 * dropped. Writes a NUL-terminated string to out (outsz bytes). Returns
 * its length, or -1 when s is not such a number, it has more than 40
 * integer digits or more than 40 zeros after the point (1E+40, 1E-42:
 * not identifiers), or outsz < XMLTEXT_NUMBER_MAX (the caller then uses
 * s as it is).
 */
#define XMLTEXT_NUMBER_MAX 64
int xmltext_number(const char *s, size_t len, char *out, size_t outsz);

/*
 * xmltext_colname: the spreadsheet column name of 0-based column col
 * ("A", "Z", "AA", ...) into out (outsz >= 8). Returns out.
 */
char *xmltext_colname(unsigned long col, char *out, size_t outsz);

/*
 * xmltext_cell_label: the location label of a cell, "Sheet1!B7", for
 * the sheet's name, 0-based column col and 1-based row, into out (outsz
 * bytes; the name is cut to fit, the result NUL-terminated). Returns out.
 * Without printf: it runs once per cell.
 */
char *xmltext_cell_label(char *out, size_t outsz, const char *sheet,
    unsigned long col, unsigned long row);

/*
 * xmltext_cellref: parse a cell reference ("B7", "$B$7", "b7") into the
 * 0-based column and 1-based row. Returns false when it is not one or
 * is out of range.
 */
bool xmltext_cellref(
    const char *s, size_t len, unsigned long *col, unsigned long *row);

#endif
