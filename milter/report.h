/*
 * report - the report's memory and its JSON form.
 *
 * The scan builds a struct dlp_report (dlp.h) with the helpers here; the
 * programs print it with report_json(). Every string in a report is
 * malloc'ed and owned by it; report_clear() wipes node text and masked
 * values before freeing them.
 *
 * Thread-safe per report.
 */
#ifndef DLP_REPORT_H
#define DLP_REPORT_H

#include <jansson.h>

#include "dlp.h"

/* report_add_node: append a zeroed node; NULL when memory ran out. */
struct dlp_node *report_add_node(struct dlp_report *r);

/* report_add_finding: append a zeroed finding; NULL on ENOMEM. */
struct dlp_finding *report_add_finding(struct dlp_report *r);

/* report_add_hit: append a zeroed hit; NULL on ENOMEM. */
struct dlp_hit *report_add_hit(struct dlp_report *r);

/* report_clear: wipe and free everything in r, leaving it zeroed. */
void report_clear(struct dlp_report *r);

/*
 * report_json: the report as a new JSON object (the caller decrefs):
 * action, would_action, reasons, why (names, see report_why_name()),
 * notify_sender, ruleset_version, skipped, partial, internal_error,
 * elapsed_ms, stages (report_stages_json() with bytes), message_id,
 * message_size, visible_external, exceptions,
 * findings (with fingerprint and exception), totals, nodes (with sha256,
 * and "text" when the scan kept it) and, when explain is true, hits.
 * NULL on ENOMEM.
 */
json_t *report_json(const struct dlp_report *r, bool explain);

/*
 * report_stages_json: where the scan's time went (dlp.h, struct
 * dlp_stage_times) as a new JSON object. With bytes: {"elapsed_ns": N,
 * "mime": {"ns": N, "bytes": N}, "extract": {...}, "normalize": {...},
 * "detect": {...}, "other": {...}}; without: {"mime": US, ...}, each
 * stage's time in microseconds only (the audit trail's short form).
 * NULL on ENOMEM.
 */
json_t *report_stages_json(const struct dlp_stage_times *st, bool bytes);

/*
 * report_jstr: s as a JSON string, null for NULL, "(invalid UTF-8)" when
 * jansson refuses it. report_jset: set key to v in o (v NULL: -1, as
 * when memory ran out). For every JSON the programs write.
 */
json_t *report_jstr(const char *s);
int report_jset(json_t *o, const char *key, json_t *v);

/*
 * report_why_name: the name of one DLP_WHY_* bit ("personal",
 * "not_inspected", "unapproved_encryption", "encrypted",
 * "classification", "size", "denied_domain", "attachment_ban",
 * "exposure", "internal_error"), or NULL for anything else.
 */
const char *report_why_name(unsigned bit);

/* report_why_json: the names of the bits set in why, as a JSON array. */
json_t *report_why_json(unsigned why);

/*
 * report_place: where the node at path is, for people: the file names
 * of the nodes that contain it (and its own), outermost first, joined by
 * " › " ("名簿.zip › 2024/名簿.xlsx"). NULL when none of them has a
 * name (the message's body text) or memory ran out; the caller frees.
 */
char *report_place(const struct dlp_report *r, const char *path);

#endif
