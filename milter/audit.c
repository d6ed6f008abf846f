/*
 * audit - the audit trail: one JSON event per scanned message, and the
 * file it is appended to. See audit.h for the event's fields.
 *
 * The event is built from the report alone and holds what tracing needs
 * (who sent to which domains, what each part was, its SHA-256, how it
 * was protected, which kinds were found how often, masked samples and
 * keyed fingerprints) and nothing that would make the trail itself a
 * leak: no detected value, no text, no full recipient address, no
 * subject (its length only), and a path whose file name held a value
 * with that name's digits masked. Strings that are not UTF-8 (jansson refuses
 * them) are replaced by "(invalid UTF-8)".
 *
 * The writer appends each event as one write() on an O_APPEND
 * descriptor, so lines from threads and processes never interleave; a
 * mutex guards the descriptor against audit_log_reopen(), which opens the
 * new file before it lets go of the old one (a failed reopen keeps
 * logging to the old file). Lines are JSON with non-ASCII escaped, so
 * they are safe for syslog too.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "config.h"
#include "report.h"

#define MAX_DOMAINS 1000
#define MAX_SAMPLES 10 /* masked samples and fingerprints per kind */

void
audit_time(long long t, char *out, size_t outlen)
{
	time_t tt = (time_t)(t ? t : (long long)time(NULL));
	struct tm tm;
	long off;

	if (localtime_r(&tt, &tm) == NULL)
		gmtime_r(&tt, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* The distinct recipient domains, lower case, in order of appearance. */
static json_t *
recipient_domains(const struct dlp_envelope *env)
{
	json_t *a = json_array();
	size_t i, j, n;
	char d[256];

	if (a == NULL || env == NULL)
		return a;
	for (i = 0; i < env->n_rcpts; i++) {
		const char *at;
		bool seen = false;

		if (env->rcpts[i] == NULL ||
		    (at = strrchr(env->rcpts[i], '@')) == NULL)
			continue;
		for (n = 0, at++;
		     at[n] != '\0' && at[n] != '>' && n + 1 < sizeof(d); n++)
			d[n] = (at[n] >= 'A' && at[n] <= 'Z')
			    ? (char)(at[n] - 'A' + 'a')
			    : at[n];
		d[n] = '\0';
		for (j = 0; j < json_array_size(a) && !seen; j++)
			seen = strcmp(json_string_value(json_array_get(a, j)),
				   d) == 0;
		if (seen)
			continue;
		if (json_array_size(a) == MAX_DOMAINS ||
		    json_array_append_new(a, report_jstr(d)) < 0)
			break;
	}
	return a;
}

static json_t *
strings_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, report_jstr(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Append s to the array a unless it is NULL, there, or a is full. */
static int
add_distinct(json_t *a, const char *s, size_t max)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < json_array_size(a); i++)
		if (strcmp(json_string_value(json_array_get(a, i)), s) == 0)
			return 0;
	if (json_array_size(a) >= max)
		return 0;
	return json_array_append_new(a, report_jstr(s));
}

/*
 * The findings of the node at path, by kind: count (distinct values,
 * summed over rules), counted (of those, what reached the policy),
 * confidence (the highest), rules, samples, fingerprints, exceptions.
 */
static json_t *
node_findings(const struct dlp_report *rep, const char *path)
{
	json_t *out = json_array(), *k, *v;
	size_t i, j;
	int rc = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < rep->n_findings && rc == 0; i++) {
		const struct dlp_finding *f = &rep->findings[i];
		bool counted = !f->monitor && f->exception == NULL;
		const char *kind = f->kind ? f->kind : "?";

		if (f->path == NULL || strcmp(f->path, path) != 0)
			continue;
		for (j = 0, k = NULL; j < json_array_size(out); j++) {
			json_t *x = json_array_get(out, j);

			if (strcmp(
				json_string_value(json_object_get(x, "kind")),
				kind) == 0) {
				k = x;
				break;
			}
		}
		if (k == NULL) {
			k = json_pack("{s:s?, s:I, s:I, s:s, s:[], s:[], s:[], "
				      "s:[]}",
			    "kind", kind, "count", (json_int_t)0, "counted",
			    (json_int_t)0, "confidence",
			    dlp_confidence_name(DLP_CONF_NONE), "rules",
			    "samples", "fingerprints", "exceptions");
			if (k == NULL || json_array_append_new(out, k) < 0) {
				rc = -1;
				break;
			}
		}
		v = json_object_get(k, "count");
		rc |= json_integer_set(
		    v, json_integer_value(v) + (json_int_t)f->count);
		if (counted) {
			v = json_object_get(k, "counted");
			rc |= json_integer_set(
			    v, json_integer_value(v) + (json_int_t)f->count);
		}
		if (dlp_confidence_parse(json_string_value(
			json_object_get(k, "confidence"))) < (int)f->confidence)
			rc |= json_object_set_new(k, "confidence",
			    json_string(dlp_confidence_name(f->confidence)));
		rc |= add_distinct(
		    json_object_get(k, "rules"), f->rule_id, MAX_SAMPLES);
		rc |= add_distinct(
		    json_object_get(k, "samples"), f->masked, MAX_SAMPLES);
		rc |= add_distinct(json_object_get(k, "fingerprints"),
		    f->fingerprint, MAX_SAMPLES);
		rc |= add_distinct(json_object_get(k, "exceptions"),
		    f->exception, MAX_SAMPLES);
	}
	if (rc != 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* Whether a value was found in the name of the file at path, or of a
   file that contains it. */
static bool
name_flagged(const struct dlp_report *rep, const char *path)
{
	size_t i, n;

	for (i = 0; i < rep->n_findings; i++) {
		const struct dlp_finding *f = &rep->findings[i];

		if (f->location == NULL || strcmp(f->location, "name") != 0 ||
		    f->path == NULL)
			continue;
		n = strlen(f->path);
		if (strncmp(path, f->path, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

/*
 * A node's path; when a file name on it held a detected value, its
 * names (after the MIME part number) have every digit, ASCII or
 * full-width, masked as '*', so the trail does not keep the value.
 */
static json_t *
path_json(const struct dlp_report *rep, const char *path)
{
	unsigned char *p;
	char *copy;
	json_t *j;

	if (path == NULL || !name_flagged(rep, path))
		return report_jstr(path);
	if ((copy = strdup(path)) == NULL)
		return NULL;
	p = (unsigned char *)strchr(copy, '/');
	for (; p != NULL && *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			*p = '*';
		else if (p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x90 &&
		    p[2] <= 0x99) {
			p[2] = 0x8a; /* U+FF0A FULLWIDTH ASTERISK */
			p += 2;
		}
	}
	j = report_jstr(copy);
	free(copy);
	return j;
}

static json_t *
node_json(const struct dlp_report *rep, const struct dlp_node *n)
{
	json_t *o = json_object();
	int rc = 0;

	if (o == NULL)
		return NULL;
	rc |= report_jset(o, "path", path_json(rep, n->path));
	rc |= report_jset(o, "type", report_jstr(n->type));
	rc |= report_jset(o, "size", json_integer((json_int_t)n->size));
	rc |= report_jset(
	    o, "sha256", n->sha256[0] ? report_jstr(n->sha256) : json_null());
	rc |= report_jset(
	    o, "encryption", json_string(dlp_encryption_name(n->encryption)));
	rc |= report_jset(o, "method", report_jstr(n->method));
	rc |= report_jset(o, "reason", report_jstr(n->reason));
	rc |= report_jset(o, "weak", json_boolean(n->weak));
	rc |= report_jset(
	    o, "findings", node_findings(rep, n->path != NULL ? n->path : ""));
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
audit_event(const char *incident, const char *queue_id,
    const struct dlp_envelope *env, const struct dlp_report *rep,
    enum dlp_action action, enum dlp_action would, const char *error,
    long long now)
{
	json_t *o = json_object(), *a;
	char t[64], *sender;
	size_t i;
	int rc = 0;

	if (o == NULL)
		return NULL;
	audit_time(now, t, sizeof(t));
	sender = env != NULL && env->sender != NULL
	    ? config_addr_dup(env->sender)
	    : NULL;
	rc |= report_jset(o, "time", json_string(t));
	rc |= report_jset(o, "queue_id", report_jstr(queue_id));
	rc |= report_jset(o, "incident", report_jstr(incident));
	rc |= report_jset(o, "sender", report_jstr(sender));
	free(sender);
	rc |= report_jset(
	    o, "client", report_jstr(env ? env->client_addr : NULL));
	rc |= report_jset(
	    o, "recipients", json_integer(env ? (json_int_t)env->n_rcpts : 0));
	rc |= report_jset(o, "recipient_domains", recipient_domains(env));
	rc |= report_jset(
	    o, "message_id", report_jstr(rep ? rep->message_id : NULL));
	rc |= report_jset(
	    o, "size", json_integer(rep ? (json_int_t)rep->message_size : 0));
	rc |= report_jset(o, "subject_length",
	    json_integer(
		rep && rep->subject ? (json_int_t)strlen(rep->subject) : 0));
	rc |= report_jset(o, "action", json_string(dlp_action_name(action)));
	rc |= report_jset(o, "would", json_string(dlp_action_name(would)));
	rc |= report_jset(o, "error", report_jstr(error));
	if (rep == NULL) {
		rc |= report_jset(o, "reasons", json_array());
		rc |= report_jset(
		    o, "why", report_why_json(DLP_WHY_INTERNAL_ERROR));
		rc |= report_jset(o, "ruleset", json_null());
		rc |= report_jset(o, "skipped", json_false());
		rc |= report_jset(o, "partial", json_false());
		rc |= report_jset(o, "exceptions", json_array());
		rc |= report_jset(o, "nodes", json_array());
		goto out;
	}
	rc |= report_jset(
	    o, "reasons", strings_json(rep->reasons, rep->n_reasons));
	rc |= report_jset(o, "why", report_why_json(rep->why));
	rc |= report_jset(o, "ruleset", report_jstr(rep->ruleset_version));
	rc |= report_jset(o, "skipped", json_boolean(rep->skipped));
	rc |= report_jset(o, "partial", json_boolean(rep->partial));
	rc |= report_jset(
	    o, "exceptions", strings_json(rep->exceptions, rep->n_exceptions));
	rc |= report_jset(o, "elapsed_ms", json_integer(rep->elapsed_ms));
	rc |= report_jset(
	    o, "stages_us", report_stages_json(&rep->stages, false));
	rc |= report_jset(o, "nodes", a = json_array());
	for (i = 0; a != NULL && i < rep->n_nodes; i++)
		rc |= json_array_append_new(a, node_json(rep, &rep->nodes[i]));
out:
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- the file ---- */

struct audit_log {
	pthread_mutex_t mu;
	int fd;
	char *path;
};

static int
open_append(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

struct audit_log *
audit_log_open(const char *path)
{
	struct audit_log *l;
	int e;

	if (path == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->path = strdup(path)) == NULL ||
	    (l->fd = open_append(path)) < 0) {
		e = errno;
		free(l->path);
		free(l);
		errno = e;
		return NULL;
	}
	if ((e = pthread_mutex_init(&l->mu, NULL)) != 0) {
		close(l->fd);
		free(l->path);
		free(l);
		errno = e;
		return NULL;
	}
	return l;
}

int
audit_log_write(struct audit_log *l, const json_t *event)
{
	char *line;
	size_t len, off = 0;
	ssize_t n;
	int rc = 0, e = 0;

	if (l == NULL || event == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((line = json_dumps(event, JSON_COMPACT | JSON_ENSURE_ASCII)) ==
	    NULL) {
		errno = ENOMEM;
		return -1;
	}
	len = strlen(line);
	line[len++] = '\n'; /* the NUL becomes the line end */
	pthread_mutex_lock(&l->mu);
	/* one write() is one line; a short write (a full disk) is
	   finished so the line at least ends */
	while (off < len) {
		n = write(l->fd, line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			rc = -1;
			break;
		}
		off += (size_t)n;
	}
	pthread_mutex_unlock(&l->mu);
	free(line);
	if (rc < 0)
		errno = e;
	return rc;
}

int
audit_log_reopen(struct audit_log *l)
{
	int fd, old;

	if (l == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = open_append(l->path)) < 0)
		return -1;
	pthread_mutex_lock(&l->mu);
	old = l->fd;
	l->fd = fd;
	pthread_mutex_unlock(&l->mu);
	close(old);
	return 0;
}

void
audit_log_close(struct audit_log *l)
{
	if (l == NULL)
		return;
	close(l->fd);
	pthread_mutex_destroy(&l->mu);
	free(l->path);
	free(l);
}
