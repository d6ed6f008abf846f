/*
 * detect - detection rules: loaded from the YAML files in patterns/, compiled once,
 * run over normalised text.
 *
 * A rule has an id, names (ja, en), a kind, one or more PCRE2 patterns
 * (JIT-compiled; UTF mode when a pattern has non-ASCII) or instead a
 * built-in detector with its parameters (see detector.h), optional
 * anchors (a prefilter: the patterns run only on the lines around an
 * anchor), an optional validator (a C function chosen by name, see
 * validate.h; it may fail, pass or boost a match), context words
 * with a window in characters (not bytes), negative context words with
 * their window, the confidence it gives with and without context, an
 * optional mode (enforce | monitor) and examples that must and must not
 * match. A rule set is immutable once loaded and shared by all threads;
 * match data is per call.
 *
 * What it does not do: normalisation (the caller passes normalised text,
 * see normalize.h), counting distinct values across nodes and policy (the
 * scan does).
 */
#ifndef DLP_DETECT_H
#define DLP_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "dlp.h"

struct ruleset;

/*
 * ruleset_load: every *.yaml file in dir, in name order. Returns a new
 * rule set or NULL with err filled with the file and line of the first
 * error (YAML syntax, unknown key, missing id/kind/pattern, pattern that
 * does not compile, unknown validator or detector, a detector's own load
 * error, bad anchors, duplicate id, bad confidence).
 * A directory without rules is an error too.
 */
struct ruleset *ruleset_load(const char *dir, struct dlp_error *err);

/* ruleset_free: release; NULL is a no-op. */
void ruleset_free(struct ruleset *rs);

/* ruleset_version: from the optional version file or key; never NULL. */
const char *ruleset_version(const struct ruleset *rs);

/* ruleset_count: the number of rules. */
size_t ruleset_count(const struct ruleset *rs);

/*
 * One candidate match, as handed to the callback of detect_text().
 * rule_id, kind, name_ja and name_en point into the rule set and live as
 * long as it does; every other pointer is valid during the call only.
 */
struct detect_match {
	const char *rule_id;
	const char *kind;
	const char *name_ja; /* names: 個人番号 / My Number */
	const char *name_en;
	bool monitor;	    /* the rule is in monitor mode */
	const char *value;  /* canonical value (digits only for numbers),
			      for counting distinct values; wipe copies */
	const char *masked; /* e.g. "****-****-9018" */
	const char *window; /* text around the match, the match masked */
	enum dlp_confidence confidence; /* DLP_CONF_NONE: dropped */
	const char *validator;		/* name or NULL */
	bool validator_ok;
	const char *context_seen;  /* "個人番号,マイナンバー" or "" */
	const char *negative_seen; /* or "" */
	const char *why;	   /* one line of explanation */
	size_t offset;		   /* byte offset in the text */
	size_t length;
};

/*
 * detect_cb: called for each candidate. With report_dropped false only
 * matches with a confidence are passed. Return 0 to go on, non-zero to
 * stop the run (detect_text then returns DLP_PARTIAL).
 */
typedef int (*detect_cb)(void *arg, const struct detect_match *m);

/*
 * detect_text: run every rule over len bytes of normalised UTF-8 text.
 * Returns DLP_OK, DLP_PARTIAL (a PCRE2 match or depth limit, or the
 * callback, cut a rule short) or DLP_EFATAL (out of memory). Every
 * field of a match is filled: detect_text_flags() with DETECT_EXPLAIN,
 * and DETECT_DROPPED when report_dropped.
 */
int detect_text(const struct ruleset *rs, const char *text, size_t len,
    const struct dlp_limits *lim, bool report_dropped, detect_cb cb, void *arg);

/* Flags of detect_text_flags(). */
#define DETECT_DROPPED 0x1u /* pass dropped candidates too */
/* fill window, context_seen, negative_seen and why; without it they are
   "" (a scan that only counts findings never reads them, and building
   them is most of the cost of a hit in a dense roster) */
#define DETECT_EXPLAIN 0x2u

/*
 * detect_text_flags: detect_text() with flags (DETECT_*). The matches,
 * their values, masked forms and confidences do not depend on
 * DETECT_EXPLAIN.
 */
int detect_text_flags(const struct ruleset *rs, const char *text, size_t len,
    const struct dlp_limits *lim, unsigned flags, detect_cb cb, void *arg);

/*
 * ruleset_test_examples: normalise and run each rule's examples: every
 * "match" example must give that rule at least one match with a confidence
 * (and the expected confidence where the example names one), no "no_match"
 * example may, and a rule with anchors must find the same candidates with
 * and without the prefilter. Calls report() per mismatch; returns the
 * mismatch count and sets *n_examples.
 */
size_t ruleset_test_examples(const struct ruleset *rs,
    const struct dlp_limits *lim,
    void (*report)(void *arg, const char *rule_id, const char *example,
	bool expected_match),
    void *arg, size_t *n_examples);

#endif
