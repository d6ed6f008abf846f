/*
 * fuzz_message - the whole message path through the public API
 * (dlp.h): dlp_scan_new, dlp_scan_feed in chunks whose sizes the
 * input's first two bytes choose (fuzz_common.h), dlp_scan_finish, the
 * report. The engine is loaded once from the tree's
 * conf/dlp-milter.yaml and patterns/, as dlp-scan loads it, with the
 * scan budget cut to fz_tune_limits() so that one input stays inside
 * the fuzzer's memory and time limits. Every other call asks for the
 * explain and keep-text reports, so those paths run too. Every string
 * of the report is read; an action must be one of the enum's and an
 * internal error must never come of an input.
 */
#include "engine.h"
#include "fuzz_common.h"

static struct dlp_engine *engine;

static size_t
str(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

static void
check_report(const struct dlp_report *r)
{
	size_t i, n = 0;

	fz_check(r != NULL);
	fz_check(r->action <= DLP_TEMPFAIL);
	fz_check(!r->internal_error);
	for (i = 0; i < r->n_reasons; i++)
		n += str(r->reasons[i]);
	for (i = 0; i < r->n_nodes; i++) {
		const struct dlp_node *d = &r->nodes[i];

		fz_check(d->path != NULL);
		n += str(d->path) + str(d->type) + str(d->declared_type) +
		    str(d->filename) + str(d->charset) + str(d->method) +
		    str(d->reason) + str(d->sha256);
		fz_check(d->text == NULL || d->text_len == strlen(d->text));
		fz_check(d->encryption <= DLP_ENC_NOT_INSPECTABLE);
	}
	for (i = 0; i < r->n_findings; i++) {
		const struct dlp_finding *f = &r->findings[i];

		fz_check(f->count > 0);
		n += str(f->rule_id) + str(f->kind) + str(f->path) +
		    str(f->location) + str(f->masked) + str(f->fingerprint) +
		    str(f->exception);
	}
	for (i = 0; i < r->n_hits; i++)
		n += str(r->hits[i].window) + str(r->hits[i].why) +
		    str(r->hits[i].masked) + str(r->hits[i].context_seen);
	for (i = 0; i < r->n_totals; i++)
		n += str(r->totals[i].kind);
	n += str(r->subject) + str(r->message_id);
	fz_check(n < SIZE_MAX);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dlp_error err;
	char path[1024];

	snprintf(path, sizeof(path), "%s/conf/dlp-milter.yaml", fz_top());
	if ((engine = dlp_engine_load(path, &err)) == NULL) {
		fprintf(stderr, "fuzz_message: %s:%u: %s\n", err.file, err.line,
		    err.msg);
		abort();
	}
	fz_tune_limits(&engine->cfg->limits);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const rcpts[] = { "<someone@example.com>",
		"<colleague@example.jp>" };
	const struct dlp_envelope env = { "<sender@example.jp>", rcpts, 2,
		"192.0.2.1", 0 };
	struct fz_chunker c;
	struct dlp_scan *s;
	const uint8_t *piece;
	size_t len;
	int rc = DLP_OK;

	if ((s = dlp_scan_new(engine, &env)) == NULL)
		return 0;
	if (size > 1 && (data[1] & 0x10))
		dlp_scan_set_flags(s, DLP_SCAN_KEEP_TEXT | DLP_SCAN_EXPLAIN);
	fz_chunker_init(&c, data, size);
	while (rc != DLP_EFATAL && fz_chunk_next(&c, &piece, &len))
		rc = dlp_scan_feed(s, piece, len);
	rc = dlp_scan_finish(s);
	fz_check(rc == DLP_OK || rc == DLP_PARTIAL || rc == DLP_EFATAL);
	if (rc != DLP_EFATAL)
		check_report(dlp_scan_report(s));
	dlp_scan_free(s);
	return 0;
}
