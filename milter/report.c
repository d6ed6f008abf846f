/*
 * report - memory and JSON of struct dlp_report. See report.h.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "report.h"

/* Grow an array by one zeroed element; the arrays are small (nodes). */
static void *
grow1(void *arr, size_t *n, size_t size)
{
	char *p;

	if ((p = realloc(arr, (*n + 1) * size)) == NULL)
		return NULL;
	memset(p + *n * size, 0, size);
	(*n)++;
	return p;
}

struct dlp_node *
report_add_node(struct dlp_report *r)
{
	struct dlp_node *p = grow1(r->nodes, &r->n_nodes, sizeof(*p));

	if (p == NULL)
		return NULL;
	r->nodes = p;
	return &p[r->n_nodes - 1];
}

struct dlp_finding *
report_add_finding(struct dlp_report *r)
{
	struct dlp_finding *p = grow1(r->findings, &r->n_findings, sizeof(*p));

	if (p == NULL)
		return NULL;
	r->findings = p;
	return &p[r->n_findings - 1];
}

struct dlp_hit *
report_add_hit(struct dlp_report *r)
{
	struct dlp_hit *p = grow1(r->hits, &r->n_hits, sizeof(*p));

	if (p == NULL)
		return NULL;
	r->hits = p;
	return &p[r->n_hits - 1];
}

void
report_clear(struct dlp_report *r)
{
	size_t i;

	for (i = 0; i < r->n_nodes; i++) {
		struct dlp_node *n = &r->nodes[i];

		free(n->path);
		free(n->type);
		free(n->declared_type);
		free(n->filename);
		free(n->charset);
		free(n->method);
		free(n->reason);
		if (n->text != NULL) {
			explicit_bzero(n->text, n->text_len);
			free(n->text);
		}
	}
	free(r->nodes);
	for (i = 0; i < r->n_findings; i++) {
		struct dlp_finding *f = &r->findings[i];

		free(f->rule_id);
		free(f->kind);
		free(f->name_ja);
		free(f->name_en);
		free(f->path);
		free(f->location);
		buf_free_string(f->masked);
		free(f->fingerprint);
		free(f->exception);
	}
	free(r->findings);
	for (i = 0; i < r->n_hits; i++) {
		struct dlp_hit *h = &r->hits[i];

		free(h->rule_id);
		free(h->kind);
		free(h->path);
		free(h->location);
		buf_free_string(h->masked);
		buf_free_string(h->window);
		free(h->validator);
		free(h->context_seen);
		free(h->negative_seen);
		free(h->why);
	}
	free(r->hits);
	for (i = 0; i < r->n_totals; i++) {
		free(r->totals[i].kind);
		free(r->totals[i].name_en);
	}
	free(r->totals);
	for (i = 0; i < r->n_reasons; i++)
		free(r->reasons[i]);
	free(r->reasons);
	buf_free_string(r->subject);
	free(r->message_id);
	for (i = 0; i < r->n_exceptions; i++)
		free(r->exceptions[i]);
	free(r->exceptions);
	memset(r, 0, sizeof(*r));
}

json_t *
report_jstr(const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) == NULL)
		j = json_string("(invalid UTF-8)");
	return j;
}

int
report_jset(json_t *o, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, key, v);
}

/* MIME damage flags as an array of names. */
static json_t *
defects_json(unsigned defects)
{
	json_t *d = json_array();
	unsigned bit;

	for (bit = 1; d != NULL && bit != 0 && bit <= defects; bit <<= 1)
		if ((defects & bit) &&
		    json_array_append_new(
			d, json_string(mime_defect_name(bit))) < 0) {
			json_decref(d);
			return NULL;
		}
	return d;
}

static json_t *
node_json(const struct dlp_node *n)
{
	json_t *o = json_object(), *d = defects_json(n->defects);
	int rc = 0;

	if (o == NULL || d == NULL)
		goto fail;
	rc |= report_jset(o, "path", report_jstr(n->path));
	rc |= report_jset(o, "type", report_jstr(n->type));
	rc |= report_jset(o, "declared_type", report_jstr(n->declared_type));
	rc |= report_jset(o, "filename", report_jstr(n->filename));
	rc |= report_jset(o, "charset", report_jstr(n->charset));
	rc |= report_jset(o, "size", json_integer((json_int_t)n->size));
	rc |= report_jset(
	    o, "encryption", json_string(dlp_encryption_name(n->encryption)));
	rc |= report_jset(o, "method", report_jstr(n->method));
	rc |= report_jset(o, "reason", report_jstr(n->reason));
	rc |= report_jset(o, "weak", json_boolean(n->weak));
	rc |= report_jset(o, "sha256", json_string(n->sha256));
	rc |= report_jset(o, "defects", d);
	d = NULL;
	if (n->text != NULL) {
		json_t *t = json_stringn(n->text, n->text_len);

		rc |= report_jset(
		    o, "text", t ? t : json_string("(invalid UTF-8)"));
	}
	if (rc == 0)
		return o;
fail:
	json_decref(d);
	json_decref(o);
	return NULL;
}

static json_t *
finding_json(const struct dlp_finding *f)
{
	json_t *o = json_object();
	int rc = 0;

	if (o == NULL)
		return NULL;
	rc |= report_jset(o, "rule", report_jstr(f->rule_id));
	rc |= report_jset(o, "kind", report_jstr(f->kind));
	rc |= report_jset(o, "name_ja", report_jstr(f->name_ja));
	rc |= report_jset(o, "name_en", report_jstr(f->name_en));
	rc |= report_jset(
	    o, "confidence", json_string(dlp_confidence_name(f->confidence)));
	rc |= report_jset(o, "path", report_jstr(f->path));
	rc |= report_jset(o, "location", report_jstr(f->location));
	rc |= report_jset(o, "count", json_integer((json_int_t)f->count));
	rc |= report_jset(o, "masked", report_jstr(f->masked));
	rc |= report_jset(o, "monitor", json_boolean(f->monitor));
	rc |= report_jset(o, "fingerprint", report_jstr(f->fingerprint));
	rc |= report_jset(o, "exception", report_jstr(f->exception));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
hit_json(const struct dlp_hit *h)
{
	json_t *o = json_object();
	int rc = 0;

	if (o == NULL)
		return NULL;
	rc |= report_jset(o, "rule", report_jstr(h->rule_id));
	rc |= report_jset(o, "kind", report_jstr(h->kind));
	rc |= report_jset(o, "path", report_jstr(h->path));
	rc |= report_jset(o, "location", report_jstr(h->location));
	rc |= report_jset(o, "masked", report_jstr(h->masked));
	rc |= report_jset(o, "window", report_jstr(h->window));
	rc |= report_jset(o, "validator", report_jstr(h->validator));
	rc |= report_jset(o, "validator_ok",
	    h->validator ? json_boolean(h->validator_ok) : json_null());
	rc |= report_jset(o, "context", report_jstr(h->context_seen));
	rc |= report_jset(o, "negative", report_jstr(h->negative_seen));
	rc |= report_jset(
	    o, "confidence", json_string(dlp_confidence_name(h->confidence)));
	rc |= report_jset(o, "why", report_jstr(h->why));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
total_json(const struct dlp_kind_total *t)
{
	return json_pack("{s:s, s:s, s:I, s:s, s:s}", "kind", t->kind,
	    "name_en", t->name_en, "count", (json_int_t)t->count, "confidence",
	    dlp_confidence_name(t->confidence), "action",
	    dlp_action_name(t->action));
}

static const char *const why_names[] = { "personal", "not_inspected",
	"unapproved_encryption", "encrypted", "classification", "size",
	"denied_domain", "attachment_ban", "exposure", "internal_error" };

const char *
report_why_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(why_names) / sizeof(why_names[0]); i++)
		if (bit == 1u << i)
			return why_names[i];
	return NULL;
}

json_t *
report_why_json(unsigned why)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < sizeof(why_names) / sizeof(why_names[0]);
	     i++)
		if ((why & (1u << i)) &&
		    json_array_append_new(a, json_string(why_names[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *
report_stages_json(const struct dlp_stage_times *st, bool bytes)
{
	json_t *o = json_object(), *v;
	unsigned i;
	int rc = 0;

	if (o == NULL)
		return NULL;
	if (bytes)
		rc |= report_jset(
		    o, "elapsed_ns", json_integer((json_int_t)st->elapsed_ns));
	for (i = 0; i < DLP_N_STAGES; i++) {
		if (bytes)
			v = json_pack("{s:I, s:I}", "ns", (json_int_t)st->ns[i],
			    "bytes", (json_int_t)st->bytes[i]);
		else
			v = json_integer((json_int_t)(st->ns[i] / 1000u));
		rc |= report_jset(o, dlp_stage_name((enum dlp_stage)i), v);
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
report_json(const struct dlp_report *r, bool explain)
{
	json_t *o = json_object(), *a;
	size_t i;
	int rc = 0;

	if (o == NULL)
		return NULL;
	rc |= report_jset(o, "action", json_string(dlp_action_name(r->action)));
	rc |= report_jset(
	    o, "would_action", json_string(dlp_action_name(r->would_action)));
	rc |= report_jset(o, "reasons", a = json_array());
	for (i = 0; a != NULL && i < r->n_reasons; i++)
		rc |= json_array_append_new(a, report_jstr(r->reasons[i]));
	rc |= report_jset(o, "why", report_why_json(r->why));
	rc |= report_jset(o, "notify_sender", json_boolean(r->notify_sender));
	rc |=
	    report_jset(o, "ruleset_version", report_jstr(r->ruleset_version));
	rc |= report_jset(o, "skipped", json_boolean(r->skipped));
	rc |= report_jset(o, "partial", json_boolean(r->partial));
	rc |= report_jset(o, "internal_error", json_boolean(r->internal_error));
	rc |= report_jset(o, "elapsed_ms", json_integer(r->elapsed_ms));
	rc |= report_jset(o, "stages", report_stages_json(&r->stages, true));
	rc |= report_jset(o, "defects", defects_json(r->defects));
	rc |= report_jset(o, "message_id", report_jstr(r->message_id));
	rc |= report_jset(
	    o, "message_size", json_integer((json_int_t)r->message_size));
	rc |= report_jset(
	    o, "visible_external", json_integer(r->visible_external));
	rc |= report_jset(o, "exceptions", a = json_array());
	for (i = 0; a != NULL && i < r->n_exceptions; i++)
		rc |= json_array_append_new(a, report_jstr(r->exceptions[i]));
	rc |= report_jset(o, "findings", a = json_array());
	for (i = 0; a != NULL && i < r->n_findings; i++)
		rc |= json_array_append_new(a, finding_json(&r->findings[i]));
	rc |= report_jset(o, "totals", a = json_array());
	for (i = 0; a != NULL && i < r->n_totals; i++)
		rc |= json_array_append_new(a, total_json(&r->totals[i]));
	rc |= report_jset(o, "nodes", a = json_array());
	for (i = 0; a != NULL && i < r->n_nodes; i++)
		rc |= json_array_append_new(a, node_json(&r->nodes[i]));
	if (explain) {
		rc |= report_jset(o, "hits", a = json_array());
		for (i = 0; a != NULL && i < r->n_hits; i++)
			rc |= json_array_append_new(a, hit_json(&r->hits[i]));
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The nodes whose path is path or a prefix of it ending at a '/'. */
static bool
contains(const char *outer, const char *path)
{
	size_t n = strlen(outer);

	return strncmp(outer, path, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

static int
cmp_len(const void *a, const void *b)
{
	size_t x = strlen(*(const char *const *)a);
	size_t y = strlen(*(const char *const *)b);

	return x < y ? -1 : x > y;
}

char *
report_place(const struct dlp_report *r, const char *path)
{
	const char **chain;
	const char *name;
	size_t n = 0, i, prev = 0;
	struct buf b;
	char *out = NULL;

	if (r == NULL || path == NULL || r->n_nodes == 0)
		return NULL;
	if ((chain = calloc(r->n_nodes, sizeof(*chain))) == NULL)
		return NULL;
	for (i = 0; i < r->n_nodes; i++)
		if (r->nodes[i].path != NULL &&
		    contains(r->nodes[i].path, path))
			chain[n++] = r->nodes[i].path;
	qsort(chain, n, sizeof(*chain), cmp_len);
	buf_init(&b, 4096);
	for (i = 0; i < n; i++) {
		if (i == 0) {
			/* a MIME part: "2.1/名簿.zip" is named after its '/' */
			name = strchr(chain[0], '/');
			name = name != NULL ? name + 1 : NULL;
		} else
			name = chain[i] + prev + 1;
		prev = strlen(chain[i]);
		if (name == NULL || *name == '\0')
			continue;
		if (b.len > 0 && buf_puts(&b, " \xe2\x80\xba ") != BUF_OK)
			goto out;
		if (buf_puts(&b, name) != BUF_OK)
			goto out;
	}
	if (b.len > 0)
		out = strdup(buf_cstr(&b));
out:
	buf_free(&b);
	free(chain);
	return out;
}
