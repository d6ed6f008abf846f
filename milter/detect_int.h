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
#include <stdint.h>

#include <pcre2.h>

#include "detect.h"
#include "detector.h"
#include "dlp.h"
#include "validate.h"

/* Bounds of a rule, checked when it is loaded. */
#define RULE_ID_MAX	       128  /* bytes of an id or a kind */
#define RULE_WINDOW_MAX	       1000 /* code points of a context window */
#define RULE_WORD_MAX	       256  /* bytes of one (normalised) context word */
#define RULE_WORDS_MAX	       256  /* words in one list */
#define RULE_MASK_GROUPS       8    /* entries of mask_groups */
#define RULE_EXAMPLE_MAX       4096 /* bytes of one example */
#define RULE_ANCHORS_MAX       64   /* entries of anchors */
#define RULE_ANCHOR_DIGITS_MAX 64   /* digits: and in_a_row: of an anchor */
#define RULE_PARAMS_MAX	       64   /* keys of a detector's params */
#define RULE_PARAM_VALUES_MAX  4096 /* values of one key of params */
#define SCAN_OCC_MAX	       (1u << 18) /* literals found in one text */

/* Context (or negative context) words and how far they may be. */
struct rule_words {
	char **words; /* normalised at load, NUL-terminated */
	size_t *lens;
	size_t n;
	size_t max_len;	 /* the longest word, in bytes */
	bool first[256]; /* bytes a word starts with, both ASCII cases */
	/* bit (b0 << 8 | b1): some word starts with bytes b0 b1 (either
	   ASCII case; a one-byte word: b0 and any b1) */
	unsigned char pair[65536 / 8];
	unsigned window; /* code points between the word and the match */
	/* by scan word (struct prefilter): its index in words + 1, or 0;
	   built by detect_prefilter_build(), NULL when the list is empty */
	uint16_t *local;
};

struct rule_pattern {
	char *source;
	pcre2_code *code; /* JIT-compiled when the platform allows it */
	bool jit;
	bool utf; /* UTF mode; false: it matches ASCII only, in byte mode */
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

/*
 * A rule's prefilter: its patterns run only near an anchor (see detect.c
 * for the span). words are literal strings, normalised at load.
 */
struct rule_anchors {
	bool digits; /* a run of digits (below) */
	/* the run: digits joined by single '-' or ' ', at least
	   digits_min of them, and at least digits_seq in a row without a
	   separator (both 1 for plain 'digits': any ASCII digit) */
	unsigned digits_min;
	unsigned digits_seq;
	unsigned digits_max; /* at most so many digits; 0: no bound */
	char **words;
	size_t *lens;
	size_t n;
	/* anchor_reach: 0, the lines around an anchor; else the code points
	   on each side of it that every match (and what its lookaheads read)
	   stays within */
	unsigned reach;
};

/*
 * List evidence: when at least min candidates of the rule matched in one
 * text and at least ratio of them validated, the valid ones without
 * context get confidence (min 0: not used).
 */
struct rule_list {
	size_t min;
	double ratio;
	enum dlp_confidence confidence;
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
	/* a built-in detector instead of patterns (then n_patterns is 0) */
	const struct detector_ops *detector;
	void *detector_state; /* from detector->load, freed with the rule */
	struct rule_anchors anchors; /* n == 0 && !digits: no prefilter */
	struct rule_list list;
};

/*
 * One literal of the scan: an anchor of some rules, a context or negative
 * word of some rules, or both; equal literals (ASCII letters in either
 * case) are one entry.
 */
struct scan_word {
	const char *word; /* points into a rule */
	size_t len;
	size_t *rules; /* the rules anchored on it */
	size_t n_rules;
	bool recorded; /* a context or negative word: its places are kept */
};

struct hs_database;
struct hs_scratch;

#define PF_VEC_TABLE 0
#define PF_VEC_SSSE3 1
#define PF_VEC_AVX2  2

/*
 * The scan over every rule's anchors and words, built at load: one pass
 * over a text finds the anchors of all rules and the places of all their
 * context and negative words. Literals of two or more bytes are found by
 * vectorscan (one database of them all); digits (when some rule has a
 * digit anchor) and one-byte literals by a byte table (cls).
 */
struct prefilter {
	unsigned char cls[256]; /* PF_DIGIT | PF_SHORT per byte */
	struct scan_word *words;
	size_t n_words;
	size_t max_len;		  /* the longest word, in bytes */
	struct hs_database *db;	  /* the words of two or more bytes, or NULL */
	struct hs_scratch *proto; /* cloned for each scan */
	bool hs_failed; /* no database (no platform support): every anchored
			   rule runs on the whole text */
	size_t *shorts; /* the one-byte literals (words) */
	size_t n_shorts;
	struct digit_rule *digit_rules; /* rules with a digit anchor */
	size_t n_digit_rules;
	/* with at most 64 of them: bit i of by_n[n] (by_seq[s]): digit
	   rule i takes a run of n digits (s in a row), both counts cut at
	   RULE_ANCHOR_DIGITS_MAX */
	uint64_t by_n[RULE_ANCHOR_DIGITS_MAX + 1];
	uint64_t by_seq[RULE_ANCHOR_DIGITS_MAX + 1];
	bool skip_runs;	   /* no one-byte literal can be inside a digit run */
	size_t n_anchored; /* rules with any anchor */
	/* how the bytes of cls are found: PF_VEC_TABLE (4 at a time by the
	   table), PF_VEC_SSSE3 (16) or PF_VEC_AVX2 (32), by the nibbles:
	   byte c is in cls when lo[c & 15] & hi[c >> 4] (all ASCII) */
	int vec;
	unsigned char lo[16], hi[16];
	/*
	 * Rules that cannot report without one of their context words (none
	 * without context, no list evidence to raise it) and whose words
	 * are all of two or more bytes, so that vectorscan finds every one
	 * before the byte pass: when dropped matches are not wanted and
	 * none of a rule's words is in the text, the rule gets no spans.
	 * needy_bit[r]: rule r's bit (at most 64 such rules), or 0;
	 * word_needy[w]: the bits of the rules scan word w is context of.
	 */
	uint64_t *needy_bit;
	uint64_t *word_needy;
	uint64_t needy;
};

/* A rule's digit anchor, as the pass reads it (the rule is large). */
struct digit_rule {
	size_t rule;
	unsigned min, seq, max; /* digits_min, digits_seq, digits_max */
	unsigned reach;
	uint64_t needy; /* the rule's needy_bit */
};

#define PF_DIGIT 0x01
#define PF_SHORT 0x02

struct ruleset {
	struct rule *rules;
	size_t n_rules;
	char *version;
	struct prefilter pf;
};

/* Where the prefilter lets one rule's patterns run: [v[2i], v[2i+1]). */
struct spans {
	size_t *v;
	size_t n; /* spans */
	size_t cap;
	size_t line_end; /* the end of the last anchor's line (line spans) */
};

/* A place of a scan word (a context or negative word) in a text. */
struct occ {
	uint32_t pos;
	uint32_t word; /* index into prefilter.words */
};

/*
 * The places of every recorded scan word in one text, by position, and
 * the scan's own memory. Only complete places (valid) may be used: past
 * SCAN_OCC_MAX literals, for a text of 4 GB or more, or when the scan
 * could not run, they are given up, every anchored rule runs on the whole
 * text and words are searched in the text around each match instead.
 */
struct occs {
	struct occ *v; /* the recorded words' places */
	size_t n, cap;
	bool valid;
	struct occ *ev; /* every literal vectorscan found, by position */
	size_t n_ev, cap_ev;
	struct hs_scratch *scratch; /* cloned from the rule set's */
};

/*
 * detect_prefilter_build: fill rs->pf from the rules' anchors
 * (detect_prefilter.c). Returns 0, or -1 when memory ran out.
 */
int detect_prefilter_build(struct ruleset *rs);

/* detect_prefilter_free: release rs->pf. */
void detect_prefilter_free(struct ruleset *rs);

/*
 * detect_prefilter_find: one pass over len bytes of t: the spans of every
 * anchored rule of rs into spans[i] for rule i (rs->n_rules entries,
 * zeroed before the first use; their arrays are reused and grow; NULL
 * when no rule has anchors), and the places of every context and
 * negative word into occ (reused; NULL: not wanted). The spans of rules
 * without anchors are left empty; so are those of a rule that needs
 * context none of whose words is in t (struct prefilter, needy) unless
 * all (dropped matches are wanted). Returns 0, or -1 when memory ran out.
 */
int detect_prefilter_find(const struct ruleset *rs, const char *t, size_t len,
    bool all, struct spans *spans, struct occs *occ);

/* detect_spans_free: the n spans and their arrays; NULL is a no-op. */
void detect_spans_free(struct spans *spans, size_t n);

/* detect_occs_free: the places and scratch (the struct is the caller's). */
void detect_occs_free(struct occs *occ);

/* ASCII letters folded to lower case; other bytes as they are. */
static inline char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static inline bool
is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* pos moved back by n code points (not below 0). */
static inline size_t
cp_back(const char *t, size_t pos, unsigned n)
{
	unsigned k;

	for (; n > 0 && pos > 0; n--) {
		pos--;
		/* invalid text: never more than 3 continuation bytes */
		for (k = 0; k < 3 && pos > 0 && is_cont((unsigned char)t[pos]);
		     k++)
			pos--;
	}
	return pos;
}

/* pos moved forward by n code points (not past len). */
static inline size_t
cp_fwd(const char *t, size_t len, size_t pos, unsigned n)
{
	unsigned k;

	for (; n > 0 && pos < len; n--) {
		pos++;
		for (k = 0;
		     k < 3 && pos < len && is_cont((unsigned char)t[pos]); k++)
			pos++;
	}
	return pos;
}

/* Word w (wl bytes) at t + p; ASCII letters compare without case. */
static inline bool
word_at(const char *t, size_t p, const char *w, size_t wl)
{
	size_t i;

	for (i = 0; i < wl; i++)
		if (ascii_lower(t[p + i]) != ascii_lower(w[i]))
			return false;
	return true;
}

#endif
