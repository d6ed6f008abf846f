/*
 * log - the daemon's log: syslog, or stderr in the foreground. See log.h.
 *
 * Warnings and errors carry a "warning: " or "error: " prefix in both
 * destinations, as Postfix does, so that a grep finds them in either.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Set once by log_init() before threads start, then only read. */
static const char *log_ident = "dlp-milter";
static bool log_stderr = true;

struct facility_name {
	const char *name;
	int facility;
};

static const struct facility_name facilities[] = {
	{ "auth", LOG_AUTH },
	{ "authpriv", LOG_AUTHPRIV },
	{ "cron", LOG_CRON },
	{ "daemon", LOG_DAEMON },
	{ "ftp", LOG_FTP },
	{ "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
	{ "lpr", LOG_LPR },
	{ "mail", LOG_MAIL },
	{ "news", LOG_NEWS },
	{ "user", LOG_USER },
	{ "uucp", LOG_UUCP },
};

void
log_init(const char *ident, int facility, bool foreground)
{
	if (ident != NULL && *ident != '\0')
		log_ident = ident;
	if (!log_stderr)
		closelog();
	log_stderr = foreground;
	if (!foreground)
		openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
}

int
log_facility(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(facilities[i].name, name) == 0)
			return facilities[i].facility;
	return -1;
}

static void
vlog(int pri, const char *prefix, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	char line[LOG_LINE_MAX + 128];
	char stamp[40];
	struct tm tm;
	time_t now;
	size_t len;
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		(void)snprintf(msg, sizeof(msg), "(unformattable log message)");
	if (!log_stderr) {
		syslog(pri, "%s%s", prefix, msg);
		return;
	}
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		(void)snprintf(stamp, sizeof(stamp), "-");
	n = snprintf(line, sizeof(line), "%s %s[%ld]: %s%s\n", stamp, log_ident,
	    (long)getpid(), prefix, msg);
	if (n < 0)
		return;
	len = (size_t)n;
	if (len >= sizeof(line)) {
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	/* one write per line: lines of concurrent threads do not mix */
	(void)!write(STDERR_FILENO, line, len);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, "", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "warning: ", fmt, ap);
	va_end(ap);
}

void
log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, "error: ", fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * utf8_len: the length of the valid UTF-8 sequence at s (n bytes left),
 * with its code point in *cp; 0 when the bytes are not valid UTF-8
 * (overlong forms, surrogates and values past U+10FFFF included).
 */
static size_t
utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Code points that would let a value fake line breaks or reorder text. */
static bool
dangerous_cp(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
	    c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

char *
log_printable(char *out, size_t outlen, const char *in)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s;
	size_t n, cap, pos, safe, ulen, i;
	char unit[16];
	uint32_t cp;

	if (outlen == 0)
		return out;
	if (in == NULL || *in == '\0')
		in = "-";
	s = (const unsigned char *)in;
	n = strlen(in);
	cap = outlen - 1;
	pos = 0;
	safe = 0;
	while (n > 0) {
		ulen = utf8_len(s, n, &cp);
		if (ulen == 1 &&
		    (cp < 0x21 || cp == 0x7f || cp == '"' || cp == '\\'))
			ulen = 0;
		else if (ulen > 1 && dangerous_cp(cp))
			ulen = 0;
		if (ulen == 0) {
			/* escape one byte and resync on the next */
			unit[0] = '\\';
			unit[1] = 'x';
			unit[2] = hex[s[0] >> 4];
			unit[3] = hex[s[0] & 0xf];
			i = 4;
			ulen = 1;
		} else {
			memcpy(unit, s, ulen);
			i = ulen;
		}
		if (pos + i > cap) {
			/* too small for "...": a plain cut at a boundary */
			if (cap >= 3) {
				pos = safe;
				memcpy(out + pos, "...", 3);
				pos += 3;
			}
			break;
		}
		memcpy(out + pos, unit, i);
		pos += i;
		if (pos + 3 <= cap)
			safe = pos;
		s += ulen;
		n -= ulen;
	}
	out[pos] = '\0';
	return out;
}
