/*
 * dlp - small shared pieces of the public API: errors with places, the
 * names of actions, confidences, encryption states and scan stages,
 * incident ids.
 *
 * Thread-safe: no state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "dlp.h"

void
dlp_error_set(struct dlp_error *err, const char *file, unsigned line,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void
dlp_error_format(const struct dlp_error *err, char *out, size_t outlen)
{
	if (err->file[0] != '\0' && err->line > 0)
		snprintf(
		    out, outlen, "%s:%u: %s", err->file, err->line, err->msg);
	else if (err->file[0] != '\0')
		snprintf(out, outlen, "%s: %s", err->file, err->msg);
	else
		snprintf(out, outlen, "%s", err->msg);
}

static const char *const action_names[] = {
	[DLP_ACCEPT] = "accept",
	[DLP_MONITOR] = "monitor",
	[DLP_TAG] = "tag",
	[DLP_APPROVE] = "approve",
	[DLP_QUARANTINE] = "quarantine",
	[DLP_REJECT] = "reject",
	[DLP_TEMPFAIL] = "tempfail",
};

static const char *const confidence_names[] = {
	[DLP_CONF_NONE] = "none",
	[DLP_CONF_LOW] = "low",
	[DLP_CONF_MEDIUM] = "medium",
	[DLP_CONF_HIGH] = "high",
};

static const char *const encryption_names[] = {
	[DLP_ENC_PLAIN] = "plain",
	[DLP_ENC_ENCRYPTED] = "encrypted",
	[DLP_ENC_NOT_INSPECTABLE] = "not-inspectable",
};

static const char *const stage_names[DLP_N_STAGES] = {
	[DLP_STAGE_MIME] = "mime",
	[DLP_STAGE_EXTRACT] = "extract",
	[DLP_STAGE_NORMALIZE] = "normalize",
	[DLP_STAGE_DETECT] = "detect",
	[DLP_STAGE_OTHER] = "other",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
dlp_action_name(enum dlp_action a)
{
	return (size_t)a < NELEM(action_names) ? action_names[a] : "?";
}

const char *
dlp_confidence_name(enum dlp_confidence c)
{
	return (size_t)c < NELEM(confidence_names) ? confidence_names[c] : "?";
}

const char *
dlp_encryption_name(enum dlp_encryption e)
{
	return (size_t)e < NELEM(encryption_names) ? encryption_names[e] : "?";
}

const char *
dlp_stage_name(enum dlp_stage st)
{
	return (size_t)st < NELEM(stage_names) ? stage_names[st] : "?";
}

static int
lookup(const char *const *names, size_t n, const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (strcasecmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

int
dlp_action_parse(const char *name)
{
	return lookup(action_names, NELEM(action_names), name);
}

int
dlp_confidence_parse(const char *name)
{
	return lookup(confidence_names, NELEM(confidence_names), name);
}

void
dlp_incident_id(char *out, size_t outlen)
{
	unsigned char rnd[4] = { 0 };
	struct tm tm;
	time_t now = time(NULL);
	size_t got = 0;
	ssize_t n;

	/* getrandom blocks only before the pool is initialised at boot */
	while (got < sizeof(rnd)) {
		n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	gmtime_r(&now, &tm);
	snprintf(out, outlen, "DLP-%04d%02d%02d-%02X%02X%02X%02X",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, rnd[0], rnd[1],
	    rnd[2], rnd[3]);
}
