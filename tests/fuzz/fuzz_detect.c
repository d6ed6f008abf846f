/*
 * fuzz_detect - the text end of the engine: normalize.h over any bytes,
 * then every rule of patterns/ (detect.h: PCRE2 with its limits,
 * anchors, validators, context and negative words, built-in detectors
 * and dictionaries) with dropped candidates reported too, and column.h
 * (the header cell above a value in CSV, TSV and space-separated
 * tables) at the offsets where matches end up. Rules are loaded once.
 * Checks: normalised text is well-formed UTF-8, every match lies inside
 * the text, a header cell lies before the value and is at most
 * COLUMN_CELL_MAX bytes.
 */
#include "column.h"
#include "detect.h"
#include "fuzz_common.h"
#include "normalize.h"

static struct ruleset *rules;
static struct dlp_limits lim;

struct run {
	const char *text;
	size_t len;
	struct column_cache cache;
	size_t matches;
};

static void
check_column(struct run *r, size_t off, size_t end, struct column_cache *cc)
{
	size_t hs = 0, he = 0;

	if (column_header_span(r->text, r->len, off, end, cc, &hs, &he)) {
		fz_check(hs <= he && he <= r->len);
		fz_check(he - hs <= COLUMN_CELL_MAX);
		fz_check(he <= off);
	}
}

static int
on_match(void *arg, const struct detect_match *m)
{
	struct run *r = arg;

	fz_check(m->offset <= r->len && m->length <= r->len - m->offset);
	fz_check(m->rule_id != NULL && m->kind != NULL && m->value != NULL);
	fz_check(m->masked != NULL && m->window != NULL && m->why != NULL);
	fz_check(m->confidence <= DLP_CONF_HIGH);
	(void)strlen(m->context_seen);
	(void)strlen(m->negative_seen);
	r->matches++;
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dlp_error err;
	char dir[1024];

	fz_limits(&lim);
	snprintf(dir, sizeof(dir), "%s/patterns", fz_top());
	if ((rules = ruleset_load(dir, &err)) == NULL) {
		fprintf(stderr, "fuzz_detect: %s:%u: %s\n", err.file, err.line,
		    err.msg);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct column_cache cc;
	struct buf norm;
	struct run r;
	size_t off, step;
	int rc;

	buf_init(&norm, 16u << 20);
	rc = normalize_text((const char *)data, size, &norm);
	fz_check(rc == BUF_OK || rc == BUF_ENOMEM);
	fz_check(charset_valid_utf8(norm.data, norm.len));
	memset(&r, 0, sizeof(r));
	r.text = norm.data != NULL ? (const char *)norm.data : "";
	r.len = norm.len;
	rc = detect_text(rules, r.text, r.len, &lim, true, on_match, &r);
	fz_check(rc == DLP_OK || rc == DLP_PARTIAL || rc == DLP_EFATAL);
	/* the table reader at growing offsets (cached, as the rules call
	   it), then at a few offsets from cold */
	memset(&cc, 0, sizeof(cc));
	step = r.len / 512 + 1;
	for (off = 0; off < r.len; off += step)
		check_column(&r, off,
		    off + (off % 13 < r.len - off ? off % 13 : 0), &cc);
	for (off = r.len; off > 0; off /= 2) {
		memset(&cc, 0, sizeof(cc));
		check_column(&r, off - 1, off, &cc);
	}
	buf_free(&norm);
	return 0;
}
