/*
 * detector - built-in detectors: code, not patterns, for what a regular
 * expression cannot say on its own (a roster: people's names next to
 * their addresses, row after row). A rule file names one with
 * `detector: NAME` instead of `patterns:`, and may pass it parameters
 * with `params:` (a map from a key to a string or a list of strings).
 * Everything else about the rule (id, kind, names, mode, negative words,
 * examples) works as for pattern rules; the detector gives each hit its
 * own confidence, value, masked form and explanation.
 *
 * A detector's state is built once when the rule set is loaded (reading
 * its dictionaries, relative to the rules directory), is immutable
 * afterwards and is shared by every thread; run() keeps its working state
 * on its own stack or heap, per call.
 *
 * What it does not do: normalise text (it sees normalised text, as rules
 * do), count distinct values, build explanation windows or apply policy
 * (detect.c and the scan do).
 */
#ifndef DLP_DETECTOR_H
#define DLP_DETECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "dlp.h"

/* One entry of a rule's params: map. Strings are as written (UTF-8). */
struct detector_param {
	const char *key;
	const char *const *values; /* a scalar is a list of one */
	size_t n_values;
	unsigned line; /* where the key is, for error messages */
};

/* One hit, as a detector hands it over. Valid during the call only. */
struct detector_hit {
	const char *value;  /* canonical form, for counting distinct hits;
			       NUL-terminated; never shown */
	const char *masked; /* safe to show: no value in clear */
	size_t offset;	    /* bytes into the text */
	size_t length;
	enum dlp_confidence confidence; /* DLP_CONF_NONE: a dropped candidate,
					   only emitted with report_dropped */
	const char *context_seen; /* evidence seen, comma separated, or "" */
	const char *why;	  /* one line: how the confidence came */
};

/* Return non-zero to stop the run (run() then returns DLP_PARTIAL). */
typedef int (*detector_emit)(void *arg, const struct detector_hit *h);

struct detector_ops {
	const char *name;
	/*
	 * load: build the state from the params (file is the rule file, for
	 * messages; rules_dir is where relative dictionary paths start).
	 * NULL with err filled as "file:line: message" on any error: an
	 * unknown or missing key, an unreadable or empty dictionary.
	 */
	void *(*load)(const char *rules_dir, const char *file,
	    const struct detector_param *params, size_t n_params,
	    struct dlp_error *err);
	void (*free)(void *state);
	/*
	 * run: every hit in len bytes of normalised UTF-8 text (not
	 * necessarily NUL-terminated). Returns DLP_OK, DLP_PARTIAL (emit
	 * asked to stop, or a bound of the detector cut the run short) or
	 * DLP_EFATAL (out of memory). Its cost must be linear in len.
	 */
	int (*run)(const void *state, const char *text, size_t len,
	    bool report_dropped, detector_emit emit, void *arg);
};

/* detector_lookup: the detector called name, or NULL. */
const struct detector_ops *detector_lookup(const char *name);

/* detector_name: the i-th detector's name, or NULL past the last. */
const char *detector_name(size_t i);

#endif
