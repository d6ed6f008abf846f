/*
 * tally - the distinct values one message holds, counted the way the
 * policy and the report need them.
 *
 * Each match with a confidence is recorded once per (rule, node,
 * canonical value), keeping the highest confidence and the location of
 * its first sighting ("Sheet1!B7"). From that: the findings (grouped by
 * rule and node, with a count of distinct values and one masked sample)
 * and the totals per kind over the whole message, where the same number
 * in the body and in an attachment counts once. Values from rules in
 * monitor mode are reported but never reach the policy.
 *
 * Bounded: at most max entries (limits.max_hits); canonical values are
 * wiped when freed. One tally per scan; not thread-safe.
 */
#ifndef DLP_TALLY_H
#define DLP_TALLY_H

#include <stddef.h>

#include "detect.h"
#include "dlp.h"
#include "policy.h"

struct tally;

/* tally_new: an empty tally of at most max entries; NULL on ENOMEM. */
struct tally *tally_new(size_t max);

/* tally_free: wipe and release; NULL is a no-op. */
void tally_free(struct tally *t);

/*
 * tally_add: record match m (with a confidence) found in node, at
 * location (may be NULL). Returns 0, 1 when the tally is full (nothing
 * recorded: the caller marks the scan partial) or -1 on ENOMEM.
 */
int tally_add(struct tally *t, const struct detect_match *m, size_t node,
    const char *location);

/*
 * tally_findings: append the findings to r (node paths from r->nodes).
 * Returns 0 or -1 on ENOMEM.
 */
int tally_findings(struct tally *t, struct dlp_report *r);

/*
 * tally_kinds: the distinct values per kind, for policy_decide(). *out
 * is malloc'ed (the caller frees it; its strings belong to the rule set).
 * Returns 0 or -1 on ENOMEM.
 */
int tally_kinds(struct tally *t, struct policy_count **out, size_t *n);

#endif
