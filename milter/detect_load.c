/*
 * detect_load - read the rule files of a directory (the .yaml files in
 * patterns/) and compile them into an immutable rule set. See detect.h for
 * the contract and patterns/README.md for the schema.
 *
 * Why so strict: a rule that loads with a typo (an unknown key, a
 * confidence that does not exist, a regex that silently matches nothing)
 * weakens the filter without anyone noticing. Every problem is refused with
 * its file and line; nothing is guessed.
 *
 * Patterns are compiled in UTF mode, so no pattern can match inside a
 * multibyte character, with PCRE2_MATCH_INVALID_UTF, so hostile text that
 * is not valid UTF-8 can never make a match fail or misbehave, and
 * without PCRE2_UCP, so \d, \w and \b stay ASCII (a kanji next to a number
 * is a boundary). A pattern that can only ever match ASCII (ascii_only():
 * every literal, class and escape in it is ASCII, no negated class, no
 * dot, no option setting) is compiled in byte mode instead, with less
 * work per character: every unit it matches, lookarounds included,
 * is an ASCII byte, which is a whole character in UTF-8 and never part of
 * one, so it finds the same matches at the same places on any text, valid
 * UTF-8 or not. Patterns that can match the empty string are refused.
 * Context words and literal anchors are normalised (normalize.h) as the
 * text will be. A rule names either patterns or a built-in detector
 * (detector.h); a detector's params are handed to its load() as strings
 * and its state is freed with the rule set.
 *
 * It is long (past 1,000 lines) because each key has its own checks and
 * messages; they read best side by side, in the order of the schema.
 *
 * Limits: at most RULE_FILES_MAX files; ids, words, windows and examples
 * are bounded (detect_int.h). Not thread-safe while loading (the caller
 * owns the new rule set alone); the result is immutable.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "detect_int.h"
#include "normalize.h"
#include "yamlutil.h"

#define RULE_FILES_MAX 1000
#define VERSION_MAX    64

struct loader {
	const char *dir;       /* the rules directory */
	const char *path;      /* the file being read */
	struct dlp_error *err; /* may be NULL */
	struct ruleset *rs;
	const char *rule;   /* id of the rule being read, for messages */
	size_t rule_no;	    /* its 1-based position in the file */
	unsigned rule_line; /* where it starts: the line of last resort */
};

static const char *const top_keys[] = { "rules", NULL };
static const char *const rule_keys[] = { "id", "kind", "names", "description",
	"mode", "patterns", "value", "validator", "mask_groups", "context",
	"negative", "confidence", "examples", "detector", "params", "anchors",
	"anchor_reach", "list_evidence", NULL };
static const char *const names_keys[] = { "ja", "en", NULL };
static const char *const words_keys[] = { "words", "window", NULL };
static const char *const conf_keys[] = { "without_context", "with_context",
	NULL };
static const char *const examples_keys[] = { "match", "no_match", NULL };
static const char *const example_keys[] = { "text", "confidence", NULL };
static const char *const list_keys[] = { "min", "ratio", "confidence", NULL };

/* Put "rule 'id': " (or "rule N: ") before the message already in err. */
static int
relabel(struct loader *ld)
{
	char msg[sizeof(ld->err->msg)];

	if (ld->err == NULL)
		return -1;
	if (ld->rule != NULL)
		snprintf(msg, sizeof(msg), "rule '%.128s': %.360s", ld->rule,
		    ld->err->msg);
	else if (ld->rule_no > 0)
		snprintf(msg, sizeof(msg), "rule %zu: %.480s", ld->rule_no,
		    ld->err->msg);
	else
		return -1;
	memcpy(ld->err->msg, msg, sizeof(msg));
	return -1;
}

/*
 * The line of a node. An empty value ("[]", "''" or nothing) has no token
 * of its own in libfyaml 0.7: then the line of the key it belongs to.
 */
static unsigned
node_line(struct fy_node *n)
{
	struct fy_node *parent;
	struct fy_node_pair *pair;
	void *iter = NULL;
	unsigned line;

	if (n == NULL || (line = yaml_line(n)) > 0)
		return n == NULL ? 0 : line;
	if ((parent = fy_node_get_parent(n)) == NULL)
		return 0;
	if (fy_node_is_mapping(parent)) {
		while ((pair = fy_node_mapping_iterate(parent, &iter)) != NULL)
			if (fy_node_pair_value(pair) == n)
				return yaml_line(fy_node_pair_key(pair));
		return 0;
	}
	return yaml_line(parent);
}

/* An error at node n (or at line when n is NULL), with the rule named. */
static int fail(struct loader *ld, struct fy_node *n, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
fail(struct loader *ld, struct fy_node *n, unsigned line, const char *fmt, ...)
{
	char msg[sizeof(ld->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a node without a token of its own (an empty value) has no line */
	if (node_line(n) > 0)
		line = node_line(n);
	if (line == 0)
		line = ld->rule_line;
	dlp_error_set(ld->err, ld->path, line, "%s", msg);
	return relabel(ld);
}

static const char *
node_kind(struct fy_node *n)
{
	if (fy_node_is_mapping(n))
		return "a mapping";
	if (fy_node_is_sequence(n))
		return "a list";
	return "a value";
}

/*
 * A non-empty string value into *out (malloc'ed). Flow collections are
 * what an unquoted regex such as [0-9]{4} becomes, hence the hint.
 */
static int
get_string(struct loader *ld, struct fy_node *n, const char *what, size_t max,
    char **out)
{
	const char *s;
	size_t len;

	if (!fy_node_is_scalar(n))
		return fail(ld, n, 0,
		    "%s: expected a string, not %s (quote values that "
		    "start with [ or {)",
		    what, node_kind(n));
	if (fy_node_is_alias(n))
		return fail(ld, n, 0, "%s: aliases are not supported", what);
	if ((s = fy_node_get_scalar(n, &len)) == NULL ||
	    memchr(s, '\0', len) != NULL)
		return fail(ld, n, 0, "%s: unreadable value", what);
	if (len == 0)
		return fail(ld, n, 0, "%s: empty value", what);
	if (len > max)
		return fail(ld, n, 0, "%s: longer than %zu bytes", what, max);
	if ((*out = strndup(s, len)) == NULL)
		return fail(ld, n, 0, "out of memory");
	return 0;
}

/* A required key: its value, or an error at the mapping's line. */
static struct fy_node *
need(struct loader *ld, struct fy_node *map, const char *key, const char *where)
{
	struct fy_node *v;

	if ((v = yaml_get(map, key)) == NULL)
		fail(ld, map, 0, "%s'%s' is missing", where, key);
	return v;
}

static int
check_keys(struct loader *ld, struct fy_node *n, const char *what,
    const char *const *allowed)
{
	if (!fy_node_is_mapping(n))
		return fail(ld, n, 0, "%s: expected a mapping, not %s", what,
		    node_kind(n));
	if (yaml_check_keys(ld->err, ld->path, n, allowed) < 0)
		return relabel(ld);
	return 0;
}

static bool
name_ok(const char *s, bool dots)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			*s == '_' || (dots && (*s == '.' || *s == '-'))))
			return false;
	return true;
}

static int
load_id(struct loader *ld, struct rule *r, struct fy_node *map)
{
	struct fy_node *n;
	size_t i;

	if ((n = need(ld, map, "id", "")) == NULL ||
	    get_string(ld, n, "id", RULE_ID_MAX, &r->id) < 0)
		return -1;
	if (!name_ok(r->id, true))
		return fail(ld, n, 0,
		    "bad id '%s': use lower-case letters, digits and _ . -",
		    r->id);
	ld->rule = r->id;
	for (i = 0; i < ld->rs->n_rules; i++) {
		const struct rule *o = &ld->rs->rules[i];

		if (o != r && o->id != NULL && strcmp(o->id, r->id) == 0)
			return fail(ld, n, 0,
			    "duplicate id (first defined at %s:%u)", o->file,
			    o->line);
	}
	return 0;
}

static int
load_names(struct loader *ld, struct rule *r, struct fy_node *map)
{
	struct fy_node *n, *v;

	if ((n = need(ld, map, "names", "")) == NULL ||
	    check_keys(ld, n, "names", names_keys) < 0)
		return -1;
	if ((v = need(ld, n, "ja", "names: ")) == NULL ||
	    get_string(ld, v, "names.ja", 256, &r->name_ja) < 0)
		return -1;
	if ((v = need(ld, n, "en", "names: ")) == NULL ||
	    get_string(ld, v, "names.en", 256, &r->name_en) < 0)
		return -1;
	return 0;
}

static int
load_enum(struct loader *ld, struct fy_node *n, const char *what,
    const char *const *names, int *out)
{
	char *s = NULL;
	int i, rc = -1;

	if (get_string(ld, n, what, 64, &s) < 0)
		return -1;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0) {
			*out = i;
			rc = 0;
			goto out;
		}
	fail(ld, n, 0, "unknown %s '%s'", what, s);
out:
	free(s);
	return rc;
}

/*
 * Whether pattern s can only match ASCII bytes, anywhere it reads
 * (lookarounds included), so that byte mode finds what UTF mode finds.
 * Conservative: a construct not known here (an escape but the ASCII
 * ones below, a negated class, a POSIX class, '.', a verb, an option
 * setting such as (?i), whose caseless 'k' would match U+212A in UTF
 * mode) keeps UTF mode. Allowed: ASCII literals, classes of them,
 * groups, lookarounds, quantifiers, alternation, \d \w \s \b \B (ASCII
 * without PCRE2_UCP, by the built-in tables), \t \n \r, a one-digit
 * back reference and an escaped ASCII punctuation character.
 */
static bool
ascii_only(const char *s)
{
	bool in_class = false;
	unsigned char c;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x80)
			return false;
		if (c == '\\') {
			c = (unsigned char)s[++i];
			if (c == '\0')
				return false;
			/* \1 to \9 alone: a back reference (outside a class)
			   or an octal code below 8 (inside); \12 could be
			   an octal code past ASCII */
			if (c >= '1' && c <= '9') {
				if (s[i + 1] >= '0' && s[i + 1] <= '9')
					return false;
				continue;
			}
			if (strchr("dwsbBtnr", c) != NULL ||
			    (c > ' ' && c < 0x7f && !(c >= '0' && c <= '9') &&
				!(c >= 'A' && c <= 'Z') &&
				!(c >= 'a' && c <= 'z') && c != '_'))
				continue;
			return false;
		}
		if (in_class) {
			if (c == '[' && s[i + 1] == ':')
				return false;
			if (c == ']')
				in_class = false;
			continue;
		}
		switch (c) {
		case '[':
			if (s[i + 1] == '^')
				return false;
			in_class = true;
			if (s[i + 1] == ']') /* a ']' first is a literal */
				i++;
			break;
		case '.':
			return false;
		case '(':
			if (s[i + 1] == '*')
				return false;
			if (s[i + 1] != '?')
				break;
			/* groups and lookarounds only, no option setting */
			if (strchr(":=!>", s[i + 2]) != NULL &&
			    s[i + 2] != '\0')
				i += 2;
			else if (s[i + 2] == '<' &&
			    (s[i + 3] == '=' || s[i + 3] == '!'))
				i += 3;
			else
				return false;
			break;
		default:
			break;
		}
	}
	return !in_class;
}

static int
compile_pattern(
    struct loader *ld, struct fy_node *n, size_t idx, struct rule_pattern *p)
{
	PCRE2_UCHAR emsg[256];
	PCRE2_SIZE eoff;
	uint32_t minlen;
	int ecode;
	char what[32];

	snprintf(what, sizeof(what), "patterns[%zu]", idx);
	if (get_string(ld, n, what, 8192, &p->source) < 0)
		return -1;
	p->utf = !ascii_only(p->source);
	p->code = pcre2_compile((PCRE2_SPTR)p->source, strlen(p->source),
	    (p->utf ? PCRE2_UTF | PCRE2_MATCH_INVALID_UTF : 0) |
		PCRE2_NEVER_BACKSLASH_C,
	    &ecode, &eoff, NULL);
	if (p->code == NULL) {
		if (pcre2_get_error_message(ecode, emsg, sizeof(emsg)) < 0)
			snprintf((char *)emsg, sizeof(emsg), "error %d", ecode);
		return fail(ld, n, 0, "%s does not compile at offset %zu: %s",
		    what, (size_t)eoff, (char *)emsg);
	}
	if (pcre2_pattern_info(p->code, PCRE2_INFO_MINLENGTH, &minlen) != 0 ||
	    minlen == 0)
		return fail(ld, n, 0, "%s can match the empty string", what);
	/* no JIT (e.g. no executable memory): the interpreter is slower only */
	p->jit = pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE) == 0;
	return 0;
}

static int
load_patterns(struct loader *ld, struct rule *r, struct fy_node *map)
{
	struct fy_node *n, *item;
	void *iter = NULL;
	int count;

	if ((n = need(ld, map, "patterns", "")) == NULL)
		return -1;
	if (!fy_node_is_sequence(n))
		return fail(ld, n, 0, "patterns: expected a list, not %s",
		    node_kind(n));
	if ((count = fy_node_sequence_item_count(n)) <= 0)
		return fail(ld, n, 0, "patterns: empty list");
	if ((r->patterns = calloc((size_t)count, sizeof(*r->patterns))) == NULL)
		return fail(ld, n, 0, "out of memory");
	while ((item = fy_node_sequence_iterate(n, &iter)) != NULL &&
	    r->n_patterns < (size_t)count) {
		/* counted first, so a half-compiled rule frees cleanly */
		r->n_patterns++;
		if (compile_pattern(ld, item, r->n_patterns - 1,
			&r->patterns[r->n_patterns - 1]) < 0)
			return -1;
	}
	return 0;
}

static int
load_window(
    struct loader *ld, struct fy_node *n, const char *what, unsigned *out)
{
	unsigned long long v;
	const char *s;
	size_t len;

	if (fy_node_is_scalar(n) && (s = fy_node_get_scalar(n, &len)) != NULL &&
	    len > 0 && s[0] == '-')
		return fail(
		    ld, n, 0, "%s: the window must not be negative", what);
	if (yaml_uint(ld->err, ld->path, n, 0, RULE_WINDOW_MAX, &v) < 0)
		return relabel(ld);
	*out = (unsigned)v;
	return 0;
}

/* One word, normalised as the text will be, into *out (malloc'ed). */
static int
norm_word(struct loader *ld, struct fy_node *n, const char *what, char **out,
    size_t *len)
{
	struct buf b;
	char *raw = NULL;
	int rc = -1;

	buf_init(&b, RULE_WORD_MAX);
	if (get_string(ld, n, what, RULE_WORD_MAX, &raw) < 0)
		goto out;
	if (normalize_text(raw, strlen(raw), &b) != BUF_OK) {
		fail(ld, n, 0, "%s: too long or out of memory", what);
		goto out;
	}
	if (b.len == 0) {
		fail(ld, n, 0, "%s: empty after normalisation", what);
		goto out;
	}
	*len = b.len;
	if ((*out = buf_steal(&b, NULL)) == NULL) {
		fail(ld, n, 0, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(raw);
	buf_free(&b);
	return rc;
}

/* The byte and, for an ASCII letter, its other case: 1 or 2 of them. */
static size_t
cases(unsigned char c, unsigned char out[2])
{
	out[0] = c;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
		out[0] = c | 0x20;
		out[1] = c & ~0x20;
		return 2;
	}
	return 1;
}

/* Mark the first two bytes of word w (len bytes) in w->pair. */
static void
set_pairs(struct rule_words *rw, const unsigned char *w, size_t len)
{
	unsigned char a[2], b[2];
	size_t na, nb, i, j;
	unsigned k;

	na = cases(w[0], a);
	for (i = 0; i < na; i++) {
		if (len == 1) {
			for (k = 0; k < 256; k++)
				rw->pair[(a[i] << 8 | k) >> 3] |=
				    (unsigned char)(1u << (k & 7));
			continue;
		}
		nb = cases(w[1], b);
		for (j = 0; j < nb; j++) {
			k = (unsigned)a[i] << 8 | b[j];
			rw->pair[k >> 3] |= (unsigned char)(1u << (k & 7));
		}
	}
}

/* One word, normalised as the text will be, appended to w. */
static int
add_word(struct loader *ld, struct fy_node *n, const char *what,
    struct rule_words *w)
{
	unsigned char c;
	size_t len;

	if (norm_word(ld, n, what, &w->words[w->n], &len) < 0)
		return -1;
	w->lens[w->n] = len;
	if (len > w->max_len)
		w->max_len = len;
	c = (unsigned char)w->words[w->n][0];
	w->first[c] = true;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
		w->first[c | 0x20] = true;
		w->first[c & ~0x20] = true;
	}
	set_pairs(w, (const unsigned char *)w->words[w->n], len);
	w->n++;
	return 0;
}

static int
load_words(struct loader *ld, struct fy_node *map, const char *key,
    struct rule_words *w)
{
	struct fy_node *n, *v, *item;
	void *iter = NULL;
	char what[48];
	int count;

	if ((n = yaml_get(map, key)) == NULL)
		return 0;
	if (check_keys(ld, n, key, words_keys) < 0)
		return -1;
	snprintf(what, sizeof(what), "%s.window", key);
	if ((v = yaml_get(n, "window")) != NULL &&
	    load_window(ld, v, what, &w->window) < 0)
		return -1;
	if ((v = yaml_get(n, "words")) == NULL)
		return 0;
	if (!fy_node_is_sequence(v))
		return fail(ld, v, 0, "%s.words: expected a list, not %s", key,
		    node_kind(v));
	if ((count = fy_node_sequence_item_count(v)) <= 0)
		return 0;
	if (count > RULE_WORDS_MAX)
		return fail(ld, v, 0, "%s.words: more than %d words", key,
		    RULE_WORDS_MAX);
	if ((w->words = calloc((size_t)count, sizeof(*w->words))) == NULL ||
	    (w->lens = calloc((size_t)count, sizeof(*w->lens))) == NULL)
		return fail(ld, v, 0, "out of memory");
	while ((item = fy_node_sequence_iterate(v, &iter)) != NULL &&
	    w->n < (size_t)count) {
		snprintf(what, sizeof(what), "%s.words[%zu]", key, w->n);
		if (add_word(ld, item, what, w) < 0)
			return -1;
	}
	return 0;
}

static int
load_conf_value(struct loader *ld, struct fy_node *n, const char *what,
    enum dlp_confidence *out)
{
	static const char *const names[] = { "none", "low", "medium", "high",
		NULL };
	char *s = NULL;
	int i, rc = -1;

	if (get_string(ld, n, what, 64, &s) < 0)
		return -1;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0) {
			*out = (enum dlp_confidence)i;
			rc = 0;
			goto out;
		}
	fail(ld, n, 0, "%s: bad confidence '%s' (none, low, medium or high)",
	    what, s);
out:
	free(s);
	return rc;
}

static int
load_confidence(struct loader *ld, struct rule *r, struct fy_node *map)
{
	struct fy_node *n, *v;
	unsigned line;

	r->without_context = DLP_CONF_LOW;
	r->with_context = DLP_CONF_HIGH;
	if ((n = yaml_get(map, "confidence")) != NULL) {
		if (check_keys(ld, n, "confidence", conf_keys) < 0)
			return -1;
		if ((v = yaml_get(n, "without_context")) != NULL &&
		    load_conf_value(ld, v, "confidence.without_context",
			&r->without_context) < 0)
			return -1;
		if ((v = yaml_get(n, "with_context")) != NULL &&
		    load_conf_value(
			ld, v, "confidence.with_context", &r->with_context) < 0)
			return -1;
	}
	line = n != NULL ? yaml_line(n) : r->line;
	if (r->with_context == DLP_CONF_NONE)
		return fail(ld, NULL, line,
		    "confidence.with_context: bad confidence: none would "
		    "drop every match");
	if (r->with_context < r->without_context)
		return fail(ld, NULL, line,
		    "confidence: with_context (%s) is lower than "
		    "without_context (%s)",
		    dlp_confidence_name(r->with_context),
		    dlp_confidence_name(r->without_context));
	if (r->without_context == DLP_CONF_NONE && r->context.n == 0)
		return fail(ld, NULL, line,
		    "confidence.without_context is none (context required) "
		    "but context.words is empty: the rule could never match");
	return 0;
}

/* A number in (0, 1]. */
static int
load_ratio(struct loader *ld, struct fy_node *n, double *out)
{
	char *s = NULL, *end;
	double v;
	int rc = -1;

	if (get_string(ld, n, "list_evidence.ratio", 32, &s) < 0)
		return -1;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v > 0.0 && v <= 1.0)) {
		fail(ld, n, 0,
		    "list_evidence.ratio: expected a number above 0 and at "
		    "most 1, not '%s'",
		    s);
	} else {
		*out = v;
		rc = 0;
	}
	free(s);
	return rc;
}

/* list_evidence: {min, ratio, confidence}, after confidence is known. */
static int
load_list(struct loader *ld, struct rule *r, struct fy_node *map)
{
	struct fy_node *n, *v;
	unsigned long long min;

	if ((n = yaml_get(map, "list_evidence")) == NULL)
		return 0;
	if (check_keys(ld, n, "list_evidence", list_keys) < 0)
		return -1;
	if (r->validator == NULL)
		return fail(ld, n, 0,
		    "list_evidence needs a validator (the evidence is how "
		    "many candidates validate)");
	if ((v = need(ld, n, "min", "list_evidence: ")) == NULL)
		return -1;
	if (yaml_uint(ld->err, ld->path, v, 2, 1000000, &min) < 0)
		return relabel(ld);
	if ((v = need(ld, n, "ratio", "list_evidence: ")) == NULL ||
	    load_ratio(ld, v, &r->list.ratio) < 0)
		return -1;
	if ((v = need(ld, n, "confidence", "list_evidence: ")) == NULL ||
	    load_conf_value(
		ld, v, "list_evidence.confidence", &r->list.confidence) < 0)
		return -1;
	if (r->list.confidence <= r->without_context ||
	    r->list.confidence > r->with_context)
		return fail(ld, v, 0,
		    "list_evidence.confidence (%s) must be above "
		    "without_context (%s) and not above with_context (%s)",
		    dlp_confidence_name(r->list.confidence),
		    dlp_confidence_name(r->without_context),
		    dlp_confidence_name(r->with_context));
	r->list.min = (size_t)min;
	return 0;
}

static int
load_validator(struct loader *ld, struct rule *r, struct fy_node *map)
{
	struct buf known;
	struct fy_node *n;
	const char *name;
	size_t i;

	if ((n = yaml_get(map, "validator")) == NULL)
		return 0;
	if (get_string(ld, n, "validator", 64, &r->validator_name) < 0)
		return -1;
	if ((r->validator = validate_lookup(r->validator_name)) != NULL)
		return 0;
	buf_init(&known, 256);
	for (i = 0; (name = validate_name(i)) != NULL; i++)
		if ((i > 0 && buf_puts(&known, ", ") != BUF_OK) ||
		    buf_puts(&known, name) != BUF_OK)
			break;
	fail(ld, n, 0, "unknown validator '%s' (known: %s)", r->validator_name,
	    buf_cstr(&known));
	buf_free(&known);
	return -1;
}

static int
load_mask_groups(struct loader *ld, struct rule *r, struct fy_node *map)
{
	struct fy_node *n, *item;
	unsigned long long v;
	void *iter = NULL;

	if ((n = yaml_get(map, "mask_groups")) == NULL)
		return 0;
	if (r->value != RULE_VALUE_DIGITS)
		return fail(ld, n, 0, "mask_groups needs value: digits");
	if (!fy_node_is_sequence(n))
		return fail(ld, n, 0, "mask_groups: expected a list, not %s",
		    node_kind(n));
	while ((item = fy_node_sequence_iterate(n, &iter)) != NULL) {
		if (r->n_mask_groups == RULE_MASK_GROUPS)
			return fail(ld, item, 0,
			    "mask_groups: more than %d groups",
			    RULE_MASK_GROUPS);
		if (yaml_uint(ld->err, ld->path, item, 1, 64, &v) < 0)
			return relabel(ld);
		r->mask_groups[r->n_mask_groups++] = (unsigned)v;
	}
	if (r->n_mask_groups == 0)
		return fail(ld, n, 0, "mask_groups: empty list");
	return 0;
}

static int
load_example(struct loader *ld, struct fy_node *n, bool match, const char *what,
    struct rule_example *ex)
{
	struct fy_node *v;

	ex->match = match;
	ex->line = yaml_line(n);
	if (!fy_node_is_mapping(n))
		return get_string(ld, n, what, RULE_EXAMPLE_MAX, &ex->text);
	if (check_keys(ld, n, what, example_keys) < 0)
		return -1;
	if ((v = need(ld, n, "text", "example: ")) == NULL ||
	    get_string(ld, v, what, RULE_EXAMPLE_MAX, &ex->text) < 0)
		return -1;
	if ((v = yaml_get(n, "confidence")) == NULL)
		return 0;
	if (!match)
		return fail(ld, v, 0,
		    "%s: a no_match example cannot name a confidence", what);
	if (load_conf_value(ld, v, what, &ex->confidence) < 0)
		return -1;
	if (ex->confidence == DLP_CONF_NONE)
		return fail(ld, v, 0,
		    "%s: bad confidence: a match example must match with "
		    "low, medium or high",
		    what);
	ex->want_conf = true;
	return 0;
}

static int
load_examples(struct loader *ld, struct rule *r, struct fy_node *map)
{
	static const char *const lists[] = { "match", "no_match" };
	struct fy_node *n, *l, *item;
	size_t total = 0, i, k;
	void *iter;
	char what[48];
	int c;

	if ((n = need(ld, map, "examples", "")) == NULL ||
	    check_keys(ld, n, "examples", examples_keys) < 0)
		return -1;
	if ((l = yaml_get(n, "match")) == NULL)
		return fail(ld, n, 0,
		    "examples: 'match' is missing (a rule needs at least one "
		    "example it matches)");
	for (i = 0; i < 2; i++) {
		if ((l = yaml_get(n, lists[i])) == NULL)
			continue;
		if (!fy_node_is_sequence(l))
			return fail(ld, l, 0,
			    "examples.%s: expected a list, not %s", lists[i],
			    node_kind(l));
		if ((c = fy_node_sequence_item_count(l)) <= 0) {
			if (i == 0)
				return fail(
				    ld, l, 0, "examples.match: empty list");
			continue;
		}
		total += (size_t)c;
	}
	if ((r->examples = calloc(total, sizeof(*r->examples))) == NULL)
		return fail(ld, n, 0, "out of memory");
	for (i = 0; i < 2; i++) {
		if ((l = yaml_get(n, lists[i])) == NULL)
			continue;
		iter = NULL;
		k = 0;
		while ((item = fy_node_sequence_iterate(l, &iter)) != NULL &&
		    r->n_examples < total) {
			snprintf(what, sizeof(what), "examples.%s[%zu]",
			    lists[i], k++);
			if (load_example(ld, item, i == 0, what,
				&r->examples[r->n_examples++]) < 0)
				return -1;
		}
	}
	return 0;
}

static const char *const digit_anchor_keys[] = { "digits", "in_a_row",
	"at_most", NULL };

/*
 * An anchor {digits: N, in_a_row: M, at_most: K}: a run of digits
 * (joined by single '-' or ' ') holding at least N digits, at least M of
 * them in a row (default 1), and at most K (default: no bound). N and M
 * 1..RULE_ANCHOR_DIGITS_MAX, M not above N; K N..RULE_ANCHOR_DIGITS_MAX-1
 * (the pass counts a run's digits up to RULE_ANCHOR_DIGITS_MAX).
 */
static int
load_digit_anchor(
    struct loader *ld, struct rule_anchors *a, struct fy_node *item)
{
	struct fy_node *v;
	unsigned long long n, m = 1, k = 0;

	if (a->digits)
		return fail(ld, item, 0, "anchors: digits given twice");
	if (check_keys(ld, item, "anchors", digit_anchor_keys) < 0 ||
	    (v = need(ld, item, "digits", "anchors: ")) == NULL)
		return -1;
	if (yaml_uint(ld->err, ld->path, v, 1, RULE_ANCHOR_DIGITS_MAX, &n) < 0)
		return relabel(ld);
	if ((v = yaml_get(item, "in_a_row")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 1, RULE_ANCHOR_DIGITS_MAX,
			&m) < 0)
			return relabel(ld);
		if (m > n)
			return fail(ld, v, 0,
			    "anchors: in_a_row (%llu) is more than digits "
			    "(%llu)",
			    m, n);
	}
	if ((v = yaml_get(item, "at_most")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 1,
			RULE_ANCHOR_DIGITS_MAX - 1, &k) < 0)
			return relabel(ld);
		if (k < n)
			return fail(ld, v, 0,
			    "anchors: at_most (%llu) is less than digits "
			    "(%llu)",
			    k, n);
	}
	a->digits = true;
	a->digits_min = (unsigned)n;
	a->digits_seq = (unsigned)m;
	a->digits_max = (unsigned)k;
	return 0;
}

/*
 * anchors: a list of 'digits' (any ASCII digit), {digits: N, in_a_row:
 * M} (a run of digits of that shape) and literal strings, normalised as
 * context words are.
 */
static int
load_anchors(struct loader *ld, struct rule *r, struct fy_node *map)
{
	struct rule_anchors *a = &r->anchors;
	struct fy_node *n, *item;
	void *iter = NULL;
	const char *s;
	size_t len;
	char what[32];
	int count;

	if ((n = yaml_get(map, "anchors")) == NULL)
		return 0;
	if (!fy_node_is_sequence(n))
		return fail(
		    ld, n, 0, "anchors: expected a list, not %s", node_kind(n));
	if ((count = fy_node_sequence_item_count(n)) <= 0)
		return fail(ld, n, 0,
		    "anchors: empty list (leave the key out to run the "
		    "patterns on the whole text)");
	if (count > RULE_ANCHORS_MAX)
		return fail(ld, n, 0, "anchors: more than %d entries",
		    RULE_ANCHORS_MAX);
	if ((a->words = calloc((size_t)count, sizeof(*a->words))) == NULL ||
	    (a->lens = calloc((size_t)count, sizeof(*a->lens))) == NULL)
		return fail(ld, n, 0, "out of memory");
	while ((item = fy_node_sequence_iterate(n, &iter)) != NULL &&
	    a->n < (size_t)count) {
		snprintf(what, sizeof(what), "anchors[%zu]", a->n);
		if (fy_node_is_mapping(item)) {
			if (load_digit_anchor(ld, a, item) < 0)
				return -1;
			continue;
		}
		if (fy_node_is_scalar(item) && !fy_node_is_alias(item) &&
		    (s = fy_node_get_scalar(item, &len)) != NULL && len == 6 &&
		    memcmp(s, "digits", 6) == 0) {
			if (a->digits && a->digits_min > 1)
				return fail(
				    ld, item, 0, "anchors: digits given twice");
			a->digits = true;
			a->digits_min = a->digits_seq = 1;
			continue;
		}
		if (norm_word(ld, item, what, &a->words[a->n], &a->lens[a->n]) <
		    0)
			return -1;
		a->n++;
	}
	return 0;
}

/*
 * anchor_reach: N (1..RULE_WINDOW_MAX code points): the patterns run
 * within N code points of each anchor instead of on the lines around it.
 * Only with anchors.
 */
static int
load_reach(struct loader *ld, struct rule *r, struct fy_node *map)
{
	struct fy_node *n;
	unsigned long long v;

	if ((n = yaml_get(map, "anchor_reach")) == NULL)
		return 0;
	if (yaml_get(map, "anchors") == NULL)
		return fail(ld, n, 0, "'anchor_reach' needs 'anchors'");
	if (yaml_uint(ld->err, ld->path, n, 1, RULE_WINDOW_MAX, &v) < 0)
		return relabel(ld);
	r->anchors.reach = (unsigned)v;
	return 0;
}

/* Free what load_params() built. */
static void
free_params(struct detector_param *p, size_t n)
{
	size_t i, j;

	for (i = 0; p != NULL && i < n; i++) {
		free((char *)p[i].key);
		for (j = 0; p[i].values != NULL && j < p[i].n_values; j++)
			free((char *)p[i].values[j]);
		free((char **)p[i].values);
	}
	free(p);
}

/* One value of params (a scalar, or a list of scalars) into p. */
static int
load_param_values(
    struct loader *ld, struct fy_node *v, struct detector_param *p)
{
	struct fy_node *item;
	void *iter = NULL;
	char **vals, what[RULE_ID_MAX + 32];
	int count;

	snprintf(what, sizeof(what), "params.%s", p->key);
	if (fy_node_is_mapping(v))
		return fail(ld, v, 0,
		    "%s: expected a string or a list of strings, not a "
		    "mapping",
		    what);
	count = fy_node_is_sequence(v) ? fy_node_sequence_item_count(v) : 1;
	if (count <= 0)
		return fail(ld, v, 0, "%s: empty list", what);
	if (count > RULE_PARAM_VALUES_MAX)
		return fail(ld, v, 0, "%s: more than %d values", what,
		    RULE_PARAM_VALUES_MAX);
	if ((vals = calloc((size_t)count, sizeof(*vals))) == NULL)
		return fail(ld, v, 0, "out of memory");
	p->values = (const char *const *)vals;
	if (!fy_node_is_sequence(v)) {
		if (get_string(ld, v, what, 4096, &vals[0]) < 0)
			return -1;
		p->n_values = 1;
		return 0;
	}
	while ((item = fy_node_sequence_iterate(v, &iter)) != NULL &&
	    p->n_values < (size_t)count) {
		snprintf(
		    what, sizeof(what), "params.%s[%zu]", p->key, p->n_values);
		if (get_string(ld, item, what, 4096, &vals[p->n_values]) < 0)
			return -1;
		p->n_values++;
	}
	return 0;
}

/* params: a mapping from a key to a string or a list of strings. */
static int
load_params(struct loader *ld, struct fy_node *n, struct detector_param **out,
    size_t *n_out)
{
	struct detector_param *p;
	struct fy_node_pair *pair;
	void *iter = NULL;
	int count;

	*out = NULL;
	*n_out = 0;
	if (n == NULL)
		return 0;
	if (!fy_node_is_mapping(n))
		return fail(ld, n, 0, "params: expected a mapping, not %s",
		    node_kind(n));
	if ((count = fy_node_mapping_item_count(n)) <= 0)
		return 0;
	if (count > RULE_PARAMS_MAX)
		return fail(
		    ld, n, 0, "params: more than %d keys", RULE_PARAMS_MAX);
	if ((p = calloc((size_t)count, sizeof(*p))) == NULL)
		return fail(ld, n, 0, "out of memory");
	*out = p;
	while ((pair = fy_node_mapping_iterate(n, &iter)) != NULL &&
	    *n_out < (size_t)count) {
		struct detector_param *q = &p[(*n_out)++];
		char *key = NULL;

		if (get_string(ld, fy_node_pair_key(pair), "params key",
			RULE_ID_MAX, &key) < 0)
			return -1;
		q->key = key;
		q->line = node_line(fy_node_pair_key(pair));
		if (load_param_values(ld, fy_node_pair_value(pair), q) < 0)
			return -1;
	}
	return 0;
}

/* The names of the built-in detectors, ", "-separated, into known. */
static void
known_detectors(struct buf *known)
{
	const char *name;
	size_t i;

	for (i = 0; (name = detector_name(i)) != NULL; i++)
		if ((i > 0 && buf_puts(known, ", ") != BUF_OK) ||
		    buf_puts(known, name) != BUF_OK)
			break;
	if (i == 0)
		(void)buf_puts(known, "none");
}

/* The keys a detector rule may not have: the detector does their work. */
static int
detector_excludes(struct loader *ld, struct fy_node *map)
{
	static const char *const keys[] = { "value", "validator", "mask_groups",
		"confidence", "list_evidence", NULL };
	struct fy_node *n;
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		if ((n = yaml_get(map, keys[i])) != NULL)
			return fail(ld, n, 0,
			    "'%s' cannot go with 'detector': the detector "
			    "makes its own values and confidence",
			    keys[i]);
	if ((n = yaml_get(map, "anchors")) != NULL ||
	    (n = yaml_get(map, "anchor_reach")) != NULL)
		return fail(ld, n, 0,
		    "'%s' cannot go with 'detector': anchors select "
		    "where patterns run",
		    yaml_get(map, "anchors") != NULL ? "anchors"
						     : "anchor_reach");
	return 0;
}

/* detector: NAME and its params; the detector's state into r. */
static int
load_detector(
    struct loader *ld, struct rule *r, struct fy_node *map, struct fy_node *n)
{
	struct dlp_error derr;
	struct detector_param *params = NULL;
	struct buf known;
	size_t n_params = 0;
	char *name = NULL;
	int rc = -1;

	if (get_string(ld, n, "detector", 64, &name) < 0)
		return -1;
	if ((r->detector = detector_lookup(name)) == NULL) {
		buf_init(&known, 512);
		known_detectors(&known);
		fail(ld, n, 0, "unknown detector '%s' (known: %s)", name,
		    buf_cstr(&known));
		buf_free(&known);
		goto out;
	}
	if (detector_excludes(ld, map) < 0 ||
	    load_params(ld, yaml_get(map, "params"), &params, &n_params) < 0)
		goto out;
	memset(&derr, 0, sizeof(derr));
	r->detector_state =
	    r->detector->load(ld->dir, ld->path, params, n_params, &derr);
	if (r->detector_state == NULL) {
		if (derr.msg[0] == '\0') {
			fail(ld, n, 0, "detector '%s' did not load", name);
			goto out;
		}
		if (ld->err != NULL)
			*ld->err = derr;
		relabel(ld);
		goto out;
	}
	rc = 0;
out:
	free_params(params, n_params);
	free(name);
	return rc;
}

/* Either patterns (and their keys) or a detector. */
static int
load_matcher(struct loader *ld, struct rule *r, struct fy_node *map)
{
	struct fy_node *det = yaml_get(map, "detector");
	struct fy_node *pat = yaml_get(map, "patterns");
	struct fy_node *par = yaml_get(map, "params");

	if (det != NULL && pat != NULL)
		return fail(ld, det, 0,
		    "'patterns' and 'detector' exclude each other: a rule "
		    "has one of them");
	if (det == NULL && pat == NULL)
		return fail(ld, map, 0,
		    "'patterns' is missing (or name a built-in detector "
		    "with 'detector')");
	if (det == NULL && par != NULL)
		return fail(ld, par, 0, "'params' needs 'detector'");
	if (det != NULL)
		return load_detector(ld, r, map, det);
	if (load_patterns(ld, r, map) < 0 || load_anchors(ld, r, map) < 0 ||
	    load_reach(ld, r, map) < 0 || load_validator(ld, r, map) < 0 ||
	    load_mask_groups(ld, r, map) < 0)
		return -1;
	return 0;
}

static int
load_rule(struct loader *ld, struct rule *r, struct fy_node *map)
{
	static const char *const modes[] = { "enforce", "monitor", NULL };
	static const char *const values[] = { "text", "digits", NULL };
	struct fy_node *n;
	int v;

	r->line = yaml_line(map);
	ld->rule_line = r->line;
	if ((r->file = strdup(ld->path)) == NULL)
		return fail(ld, map, 0, "out of memory");
	/* the id first, so that every later message can name the rule */
	if (!fy_node_is_mapping(map))
		return fail(
		    ld, map, 0, "expected a mapping, not %s", node_kind(map));
	if (load_id(ld, r, map) < 0 ||
	    check_keys(ld, map, "rule", rule_keys) < 0)
		return -1;
	if ((n = need(ld, map, "kind", "")) == NULL ||
	    get_string(ld, n, "kind", RULE_ID_MAX, &r->kind) < 0)
		return -1;
	if (!name_ok(r->kind, false))
		return fail(ld, n, 0,
		    "bad kind '%s': use lower-case letters, digits and _",
		    r->kind);
	if (load_names(ld, r, map) < 0)
		return -1;
	/* free text for people; only its type is checked */
	if ((n = yaml_get(map, "description")) != NULL) {
		char *desc = NULL;

		v = get_string(ld, n, "description", 4096, &desc);
		free(desc);
		if (v < 0)
			return -1;
	}
	if ((n = yaml_get(map, "mode")) != NULL) {
		if (load_enum(ld, n, "mode", modes, &v) < 0)
			return -1;
		r->monitor = v == 1;
	}
	if ((n = yaml_get(map, "value")) != NULL) {
		if (load_enum(ld, n, "value", values, &v) < 0)
			return -1;
		r->value = v == 1 ? RULE_VALUE_DIGITS : RULE_VALUE_TEXT;
	}
	r->context.window = 30;
	r->negative.window = 10;
	if (load_matcher(ld, r, map) < 0 ||
	    load_words(ld, map, "context", &r->context) < 0 ||
	    load_words(ld, map, "negative", &r->negative) < 0 ||
	    (r->detector == NULL &&
		(load_confidence(ld, r, map) < 0 ||
		    load_list(ld, r, map) < 0)) ||
	    load_examples(ld, r, map) < 0)
		return -1;
	return 0;
}

static int
load_file(struct loader *ld)
{
	struct fy_document *doc;
	struct fy_node *root, *list, *item;
	struct rule *grown;
	void *iter = NULL;
	int count, rc = -1;

	if ((doc = yaml_load(ld->path, ld->err)) == NULL)
		return -1;
	root = fy_document_root(doc);
	ld->rule_line = yaml_line(root);
	if (!fy_node_is_mapping(root)) {
		fail(ld, root, 0, "expected a mapping with the key 'rules'");
		goto out;
	}
	if (yaml_check_keys(ld->err, ld->path, root, top_keys) < 0)
		goto out;
	if ((list = need(ld, root, "rules", "")) == NULL)
		goto out;
	if (!fy_node_is_sequence(list)) {
		fail(ld, list, 0, "rules: expected a list, not %s",
		    node_kind(list));
		goto out;
	}
	if ((count = fy_node_sequence_item_count(list)) <= 0) {
		fail(ld, list, 0, "rules: empty list");
		goto out;
	}
	grown = realloc(
	    ld->rs->rules, (ld->rs->n_rules + (size_t)count) * sizeof(*grown));
	if (grown == NULL) {
		fail(ld, list, 0, "out of memory");
		goto out;
	}
	ld->rs->rules = grown;
	ld->rule_no = 0;
	while ((item = fy_node_sequence_iterate(list, &iter)) != NULL &&
	    ld->rule_no < (size_t)count) {
		struct rule *r = &ld->rs->rules[ld->rs->n_rules++];

		memset(r, 0, sizeof(*r));
		ld->rule = NULL;
		ld->rule_no++;
		if (load_rule(ld, r, item) < 0)
			goto out;
	}
	rc = 0;
out:
	ld->rule = NULL;
	ld->rule_no = 0;
	ld->rule_line = 0;
	fy_document_destroy(doc);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.yaml names in dir (no hidden files), sorted by bytes. */
static int
list_files(const char *dir, struct dlp_error *err, char ***names, size_t *n)
{
	DIR *d;
	struct dirent *de;
	size_t len;
	char **grown;
	int rc = -1;

	*names = NULL;
	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		dlp_error_set(err, dir, 0,
		    "cannot open the rules directory: %s", strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 ||
		    strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		if (*n == RULE_FILES_MAX) {
			dlp_error_set(err, dir, 0, "more than %d rule files",
			    RULE_FILES_MAX);
			goto out;
		}
		if ((grown = realloc(*names, (*n + 1) * sizeof(*grown))) ==
		    NULL)
			goto nomem;
		*names = grown;
		if (((*names)[*n] = strdup(de->d_name)) == NULL)
			goto nomem;
		(*n)++;
	}
	if (*n == 0) {
		dlp_error_set(err, dir, 0, "no rule files (*.yaml)");
		goto out;
	}
	qsort(*names, *n, sizeof(**names), cmp_names);
	rc = 0;
	goto out;
nomem:
	dlp_error_set(err, dir, 0, "out of memory");
out:
	closedir(d);
	return rc;
}

static char *
join(const char *dir, const char *name)
{
	size_t dlen = strlen(dir), need;
	char *p;

	/* "patterns/" names its files "patterns/x.yaml", not "patterns//" */
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	need = dlen + 1 + strlen(name) + 1;
	if ((p = malloc(need)) != NULL)
		snprintf(p, need, "%.*s/%s", (int)dlen, dir, name);
	return p;
}

/*
 * The first line of dir/VERSION, or "unversioned" when there is no such
 * file. The version goes into reports and logs, so it must be short and
 * plain: letters, digits and . _ + -.
 */
static int
read_version(const char *dir, struct dlp_error *err, char **out)
{
	char line[VERSION_MAX + 2], *path;
	size_t len, i;
	FILE *fp;
	int rc = -1;

	if ((path = join(dir, "VERSION")) == NULL) {
		dlp_error_set(err, dir, 0, "out of memory");
		return -1;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT) {
			rc = (*out = strdup("unversioned")) != NULL ? 0 : -1;
			if (rc < 0)
				dlp_error_set(err, path, 0, "out of memory");
		} else {
			dlp_error_set(
			    err, path, 0, "cannot open: %s", strerror(errno));
		}
		goto out;
	}
	if (fgets(line, sizeof(line), fp) == NULL)
		line[0] = '\0';
	len = strcspn(line, "\r\n");
	if (len > VERSION_MAX) {
		dlp_error_set(
		    err, path, 1, "version longer than %d bytes", VERSION_MAX);
		goto out;
	}
	line[len] = '\0';
	for (i = 0; i < len; i++)
		if (!((line[i] >= 'a' && line[i] <= 'z') ||
			(line[i] >= 'A' && line[i] <= 'Z') ||
			(line[i] >= '0' && line[i] <= '9') ||
			strchr("._+-", line[i]) != NULL)) {
			dlp_error_set(err, path, 1,
			    "bad version: use letters, digits and . _ + -");
			goto out;
		}
	if (len == 0) {
		dlp_error_set(err, path, 1, "empty version");
		goto out;
	}
	if ((*out = strdup(line)) == NULL) {
		dlp_error_set(err, path, 0, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	free(path);
	return rc;
}

struct ruleset *
ruleset_load(const char *dir, struct dlp_error *err)
{
	struct loader ld;
	struct ruleset *rs;
	char **names = NULL, *path = NULL;
	size_t n = 0, i;
	int rc = -1;

	if ((rs = calloc(1, sizeof(*rs))) == NULL) {
		dlp_error_set(err, dir, 0, "out of memory");
		return NULL;
	}
	if (list_files(dir, err, &names, &n) < 0 ||
	    read_version(dir, err, &rs->version) < 0)
		goto out;
	memset(&ld, 0, sizeof(ld));
	ld.dir = dir;
	ld.err = err;
	ld.rs = rs;
	for (i = 0; i < n; i++) {
		if ((path = join(dir, names[i])) == NULL) {
			dlp_error_set(err, dir, 0, "out of memory");
			goto out;
		}
		ld.path = path;
		if (load_file(&ld) < 0)
			goto out;
		free(path);
		path = NULL;
	}
	if (detect_prefilter_build(rs) < 0) {
		dlp_error_set(err, dir, 0, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(path);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc < 0) {
		ruleset_free(rs);
		rs = NULL;
	}
	return rs;
}

static void
free_words(struct rule_words *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->words[i]);
	free(w->words);
	free(w->lens);
}

static void
free_rule(struct rule *r)
{
	size_t i;

	free(r->id);
	free(r->kind);
	free(r->name_ja);
	free(r->name_en);
	free(r->file);
	for (i = 0; i < r->n_patterns; i++) {
		pcre2_code_free(r->patterns[i].code);
		free(r->patterns[i].source);
	}
	free(r->patterns);
	free(r->validator_name);
	free_words(&r->context);
	free_words(&r->negative);
	for (i = 0; i < r->anchors.n; i++)
		free(r->anchors.words[i]);
	free(r->anchors.words);
	free(r->anchors.lens);
	if (r->detector != NULL && r->detector_state != NULL)
		r->detector->free(r->detector_state);
	for (i = 0; i < r->n_examples; i++) {
		/* examples are synthetic, but may look like real numbers */
		if (r->examples[i].text != NULL) {
			explicit_bzero(
			    r->examples[i].text, strlen(r->examples[i].text));
			free(r->examples[i].text);
		}
	}
	free(r->examples);
}

void
ruleset_free(struct ruleset *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n_rules; i++)
		free_rule(&rs->rules[i]);
	detect_prefilter_free(rs);
	free(rs->rules);
	free(rs->version);
	free(rs);
}

const char *
ruleset_version(const struct ruleset *rs)
{
	return rs != NULL && rs->version != NULL ? rs->version : "unversioned";
}

size_t
ruleset_count(const struct ruleset *rs)
{
	return rs != NULL ? rs->n_rules : 0;
}
