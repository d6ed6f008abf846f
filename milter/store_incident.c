/*
 * store_incident - incidents in memory: built from a finished report
 * (store_incident_from_report()) and freed (store_incident_clear()).
 * Part of the store (store.h); no database access here.
 *
 * Text that held a detected value is kept with its digits masked: the
 * subject when a finding is in it, and the names of a file whose name
 * held a value (and of everything inside it) in paths, places and
 * reasons, by the notices' own rule, so a notice shows the same text.
 *
 * Thread-safe (no shared state).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "report.h"
#include "store.h"
#include "store_int.h"

static void
finding_clear(struct store_finding *f)
{
	free(f->path);
	free(f->where);
	free(f->location);
	free(f->rule_id);
	free(f->kind);
	free(f->name_ja);
	free(f->name_en);
	buf_free_string(f->masked);
	free(f->fingerprint);
	memset(f, 0, sizeof(*f));
}

void
store_incident_clear(struct store_incident *inc)
{
	size_t i;

	if (inc == NULL)
		return;
	free(inc->queue_id);
	free(inc->sender);
	store_strvfree(inc->rcpts, inc->n_rcpts);
	buf_free_string(inc->subject);
	free(inc->reasons);
	free(inc->ruleset);
	free(inc->decided_by);
	free(inc->decision_reason);
	store_strvfree(inc->approvers, inc->n_approvers);
	for (i = 0; inc->findings != NULL && i < inc->n_findings; i++)
		finding_clear(&inc->findings[i]);
	free(inc->findings);
	memset(inc, 0, sizeof(*inc));
}

static char *
join_reasons(const struct dlp_report *rep)
{
	struct buf b;
	size_t i;
	char *out;

	buf_init(&b, 64 * 1024);
	for (i = 0; i < rep->n_reasons; i++) {
		if (rep->reasons[i] == NULL)
			continue;
		if (b.len > 0 && buf_puts(&b, "; ") == BUF_ENOMEM)
			goto nomem;
		if (buf_puts(&b, rep->reasons[i]) == BUF_ENOMEM)
			goto nomem;
	}
	out = strdup(buf_cstr(&b)); /* a cut-off list is still useful */
	buf_free(&b);
	return out;
nomem:
	buf_free(&b);
	return NULL;
}

/* Whether a finding lies in the subject: its digits are then masked. */
static bool
subject_has_finding(const struct dlp_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n_findings; i++)
		if (rep->findings[i].path != NULL &&
		    strcmp(rep->findings[i].path, "subject") == 0)
			return true;
	return false;
}

/*
 * Every digit of s[0..len) as '*', ASCII or full-width (U+FF10..19
 * become U+FF0A, FULLWIDTH ASTERISK), in place: lengths do not change.
 * The same rule as the notices' (notice.c), so a masked text stays as
 * it is when a notice masks it again.
 */
static void
mask_digits(char *s, size_t len)
{
	unsigned char *p = (unsigned char *)s;
	size_t i;

	for (i = 0; i < len && p[i] != '\0'; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			p[i] = '*';
		else if (i + 2 < len && p[i] == 0xef && p[i + 1] == 0xbc &&
		    p[i + 2] >= 0x90 && p[i + 2] <= 0x99) {
			p[i + 2] = 0x8a;
			i += 2;
		}
	}
}

/* A node path's names, after its MIME section ("2/名簿.zip/a.csv"). */
static void
mask_path_names(char *path)
{
	char *slash = strchr(path, '/');

	if (slash != NULL)
		mask_digits(slash, strlen(slash));
}

/*
 * Whether the node at path is, or lies inside, a file whose name held a
 * value (a finding at location "name"): then the names in its path and
 * place are masked, since they carry the value.
 */
static bool
name_flagged(const struct dlp_report *rep, const char *path)
{
	const struct dlp_finding *g;
	size_t i, n;

	if (path == NULL)
		return false;
	for (i = 0; i < rep->n_findings; i++) {
		g = &rep->findings[i];
		if (g->location == NULL || strcmp(g->location, "name") != 0 ||
		    g->path == NULL || strchr(g->path, '/') == NULL)
			continue;
		n = strlen(g->path);
		if (strncmp(path, g->path, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

/* The names of flagged files where the reasons quote their paths. */
static void
mask_reasons(char *reasons, const struct dlp_report *rep)
{
	const struct dlp_finding *g;
	char *hit, *slash;
	size_t i, n;

	for (i = 0; i < rep->n_findings; i++) {
		g = &rep->findings[i];
		if (g->location == NULL || strcmp(g->location, "name") != 0 ||
		    g->path == NULL || (slash = strchr(g->path, '/')) == NULL)
			continue;
		n = strlen(g->path);
		for (hit = strstr(reasons, g->path); hit != NULL;
		     hit = strstr(hit + n, g->path))
			mask_digits(hit + (slash - g->path),
			    n - (size_t)(slash - g->path));
	}
}

static int
findings_from_report(struct store_incident *inc, const struct dlp_report *rep)
{
	size_t i;

	if (rep->n_findings == 0)
		return 0;
	inc->findings = calloc(rep->n_findings, sizeof(*inc->findings));
	if (inc->findings == NULL)
		return STORE_ENOMEM;
	for (i = 0; i < rep->n_findings; i++) {
		const struct dlp_finding *f = &rep->findings[i];
		struct store_finding *o = &inc->findings[i];

		inc->n_findings = i + 1;
		if (!store_dupstr(&o->path, f->path ? f->path : "") ||
		    !store_dupstr(&o->location, f->location) ||
		    !store_dupstr(&o->rule_id, f->rule_id ? f->rule_id : "") ||
		    !store_dupstr(&o->kind, f->kind ? f->kind : "") ||
		    !store_dupstr(&o->name_ja, f->name_ja) ||
		    !store_dupstr(&o->name_en, f->name_en) ||
		    !store_dupstr(&o->masked, f->masked) ||
		    !store_dupstr(&o->fingerprint, f->fingerprint))
			return STORE_ENOMEM;
		/* NULL both when no file name contains it and on ENOMEM:
		   a missing place only makes the notice less precise */
		o->where = report_place(rep, f->path);
		if (name_flagged(rep, f->path)) {
			mask_path_names(o->path);
			if (o->where != NULL)
				mask_digits(o->where, strlen(o->where));
		}
		o->confidence = f->confidence;
		o->count = f->count;
		o->counted = !f->monitor && f->exception == NULL;
	}
	return 0;
}

int
store_incident_from_report(struct store_incident *inc, const char *incident_id,
    const char *queue_id, const struct dlp_envelope *env,
    const struct dlp_report *rep, enum dlp_action action, long long now)
{
	size_t i;

	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "%s",
	    incident_id != NULL ? incident_id : "");
	inc->time = now;
	inc->action = action;
	inc->would = rep != NULL ? rep->would_action : action;
	inc->why = rep != NULL ? rep->why : 0;
	inc->state = action == DLP_QUARANTINE || action == DLP_APPROVE
	    ? STORE_HELD
	    : STORE_DONE;
	if (!store_dupstr(&inc->queue_id, queue_id))
		goto nomem;
	if ((inc->sender = config_addr_dup(env != NULL ? env->sender : NULL)) ==
	    NULL)
		goto nomem;
	if (env != NULL && env->n_rcpts > 0) {
		inc->rcpts = calloc(env->n_rcpts, sizeof(*inc->rcpts));
		if (inc->rcpts == NULL)
			goto nomem;
		for (i = 0; i < env->n_rcpts; i++) {
			if ((inc->rcpts[i] = config_addr_dup(env->rcpts[i])) ==
			    NULL)
				goto nomem;
			inc->n_rcpts = i + 1;
		}
	}
	if (rep == NULL)
		return 0;
	inc->size = rep->message_size;
	if (!store_dupstr(&inc->subject, rep->subject))
		goto nomem;
	if (inc->subject != NULL && subject_has_finding(rep))
		mask_digits(inc->subject, strlen(inc->subject));
	if ((inc->reasons = join_reasons(rep)) == NULL ||
	    !store_dupstr(&inc->ruleset, rep->ruleset_version))
		goto nomem;
	mask_reasons(inc->reasons, rep);
	if (findings_from_report(inc, rep) != 0)
		goto nomem;
	return 0;
nomem:
	store_incident_clear(inc);
	return STORE_ENOMEM;
}
