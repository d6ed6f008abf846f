/*
 * report_wire - a finished report as bytes and back, for the worker
 * processes of dlp-milter: a worker scans, encodes its report and writes
 * it to the daemon, which decodes it into a struct dlp_report of its own
 * and acts on it as if it had scanned the message itself.
 *
 * What travels: everything the daemon uses (action, reasons, why, nodes
 * with their hashes and reasons, findings with masked samples and
 * fingerprints, totals, exceptions, subject, Message-ID, sizes, flags,
 * and last the time and bytes per stage).
 * What does not: hits, node text (the daemon never asks for them) and
 * ruleset_version, a pointer into the engine: the caller sets it from
 * the engine both sides share.
 *
 * The format is private to one build (a worker is a fork of the daemon):
 * a magic, then integers in host order and strings as a length and bytes
 * (a length of UINT32_MAX is NULL). The decoder trusts nothing: every
 * length and count is checked against what is left of the input, every
 * enum against its range, and any fault frees what was built.
 *
 * Thread-safe: no state.
 */
#ifndef DLP_REPORT_WIRE_H
#define DLP_REPORT_WIRE_H

#include <stddef.h>

#include "buf.h"
#include "dlp.h"

/*
 * report_wire_encode: append r to out (a buf with a maximum). Returns 0,
 * or -1 when out is full or memory ran out.
 */
int report_wire_encode(const struct dlp_report *r, struct buf *out);

/*
 * report_wire_decode: fill r (overwritten: pass a zeroed one) from len
 * bytes. Returns 0, or -1 with r cleared when the bytes are not a whole
 * report or memory ran out. report_clear() frees what it fills.
 */
int report_wire_decode(const void *data, size_t len, struct dlp_report *r);

#endif
