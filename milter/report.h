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
 * action, would_action, reasons, ruleset_version, skipped, partial,
 * internal_error, elapsed_ms, findings, totals, nodes (with "text" when
 * the scan kept it) and, when explain is true, hits. NULL on ENOMEM.
 */
json_t *report_json(const struct dlp_report *r, bool explain);

#endif
