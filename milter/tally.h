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
 * monitor mode, and those an exception of the config covers, are
 * reported but never reach the policy.
 *
 * Fingerprints: with a key (tally_set_secret()), each finding carries
 * the keyed fingerprint of its sample's canonical value: the first 32
 * hex digits of HMAC-SHA-256(K, value), K = HMAC-SHA-256(secret,
 * "dlp-fingerprint-v1"). A key derived for this one use keeps
 * fingerprints apart from the notices' signatures made with the same
 * secret; the HMAC keeps a guessable value (a 12-digit number) from
 * being found by hashing every candidate without the secret.
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
 * tally_set_secret: key the findings' fingerprints with secret (len
 * bytes; len 0: no fingerprints, the default). The derived key is kept
 * (and wiped by tally_free()), not the secret.
 */
void tally_set_secret(struct tally *t, const unsigned char *secret, size_t len);

/*
 * tally_fingerprint: the fingerprint of value under the derived key
 * (TALLY_KEY_LEN bytes) into out: 32 hex digits and a NUL.
 */
#define TALLY_KEY_LEN 32
#define TALLY_FP_LEN  32
void tally_fingerprint(const unsigned char key[TALLY_KEY_LEN],
    const char *value, char out[TALLY_FP_LEN + 1]);

/* tally_derive_key: the fingerprint key of secret (len bytes). */
void tally_derive_key(
    const unsigned char *secret, size_t len, unsigned char key[TALLY_KEY_LEN]);

/*
 * tally_add: record match m (with a confidence) found in node, at
 * location (may be NULL); exception: the id of the config's exception
 * that covers it (it then does not count), or NULL; it must outlive the
 * tally. Returns 0, 1 when the tally is full (nothing recorded: the
 * caller marks the scan partial) or -1 on ENOMEM.
 */
int tally_add(struct tally *t, const struct detect_match *m, size_t node,
    const char *location, const char *exception);

/*
 * tally_findings: append the findings to r (node paths from r->nodes),
 * with their fingerprints and exceptions. Returns 0 or -1 on ENOMEM.
 */
int tally_findings(struct tally *t, struct dlp_report *r);

/*
 * tally_kinds: the distinct values per kind, for policy_decide(), without
 * those of monitor rules and exceptions (a value also found by a rule
 * that counts counts, at that rule's confidence). *out
 * is malloc'ed (the caller frees it; its strings belong to the rule set).
 * Returns 0 or -1 on ENOMEM.
 */
int tally_kinds(struct tally *t, struct policy_count **out, size_t *n);

#endif
