/*
 * detect_int - the inside of a rule set, shared by detect_load.c (reading
 * and compiling rule files) and detect.c (running rules). Not an API:
 * everything else uses detect.h.
 *
 * Everything here is immutable once ruleset_load() has returned, so a rule
 * set may be read by any number of threads at once.
 */
#ifndef DLP_DETECT_INT_H
#define DLP_DETECT_INT_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif

#include <stdbool.h>
#include <stddef.h>

#include <pcre2.h>

#include "detect.h"
#include "dlp.h"
#include "validate.h"

/* Bounds of a rule, checked when it is loaded. */
#define RULE_ID_MAX	 128  /* bytes of an id or a kind */
#define RULE_WINDOW_MAX	 1000 /* code points of a context window */
#define RULE_WORD_MAX	 256  /* bytes of one (normalised) context word */
#define RULE_WORDS_MAX	 256  /* words in one list */
#define RULE_MASK_GROUPS 8    /* entries of mask_groups */
#define RULE_EXAMPLE_MAX 4096 /* bytes of one example */

/* Context (or negative context) words and how far they may be. */
struct rule_words {
	char **words; /* normalised at load, NUL-terminated */
	size_t *lens;
	size_t n;
	size_t max_len;	 /* the longest word, in bytes */
	bool first[256]; /* bytes a word starts with, both ASCII cases */
	unsigned window; /* code points between the word and the match */
};

struct rule_pattern {
	char *source;
	pcre2_code *code; /* JIT-compiled when the platform allows it */
	bool jit;
};

struct rule_example {
	char *text;	/* as written in the rule file (not normalised) */
	bool match;	/* under examples.match, else examples.no_match */
	bool want_conf; /* the example names the confidence expected */
	enum dlp_confidence confidence;
	unsigned line;
};

enum rule_value {
	RULE_VALUE_TEXT = 0, /* the matched text itself */
	RULE_VALUE_DIGITS,   /* the ASCII digits of the match */
};

struct rule {
	char *id;
	char *kind;
	char *name_ja;
	char *name_en;
	char *file; /* where it was defined, for messages */
	unsigned line;
	bool monitor;
	struct rule_pattern *patterns;
	size_t n_patterns;
	enum rule_value value;
	char *validator_name; /* or NULL */
	validate_fn validator;
	unsigned mask_groups[RULE_MASK_GROUPS];
	size_t n_mask_groups; /* 0: grouping chosen by the value's length */
	struct rule_words context;
	struct rule_words negative;
	enum dlp_confidence without_context; /* DLP_CONF_NONE: needs context */
	enum dlp_confidence with_context;
	struct rule_example *examples;
	size_t n_examples;
};

struct ruleset {
	struct rule *rules;
	size_t n_rules;
	char *version;
};

#endif
