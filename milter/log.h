/*
 * log - the daemon's log: syslog, or stderr in the foreground.
 *
 * A small OpenSMTPD-style logger for dlp-milter (the engine never logs).
 * log_init() chooses the destination once, before any thread starts:
 * syslog with an ident and a facility, or stderr (one line per event,
 * written with a single write(2) so lines of concurrent threads do not
 * mix). Lines are cut at LOG_LINE_MAX bytes.
 *
 * Untrusted strings (envelope addresses, queue ids, part paths with file
 * names) go through log_printable() before they reach a log line: it
 * escapes control characters, space, '"', '\\', '=' and bytes that are
 * not valid UTF-8, so a key=value line cannot be forged or broken by a
 * sender. Valid UTF-8 (Japanese file names) stays readable, except the
 * C1 controls and the Unicode line separators and bidirectional
 * overrides, which are escaped.
 *
 * What it does not do: rotate files, rate-limit, append strerror(errno)
 * (callers say what failed themselves).
 *
 * Thread-safety: log_init() must be called before threads start; the
 * logging calls are then safe from any thread (syslog(3) and write(2)).
 */
#ifndef DLP_LOG_H
#define DLP_LOG_H

#include <stdbool.h>
#include <stddef.h>

#define LOG_LINE_MAX 4096

/*
 * log_init: log to stderr when foreground is true, else to syslog with
 * ident (the string must stay valid: it is kept, not copied) and
 * facility (a LOG_* facility value, see log_facility()). May be called
 * again (for example once the config is loaded); until the first call,
 * messages go to stderr with the ident "dlp-milter".
 */
void log_init(const char *ident, int facility, bool foreground);

/*
 * log_facility: the syslog facility named name ("mail", "daemon",
 * "local0".."local7", "user"), or -1 when the name is unknown.
 */
int log_facility(const char *name);

/* log_info, log_warn, log_err: one event at that level, printf-style. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * fatal: log at error level and exit(1). Only for start-up, before the
 * milter serves: a serving daemon never exits on a message's account.
 */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * log_printable: copy in (NUL-terminated; NULL gives "-") into out
 * (outlen bytes, always NUL-terminated when outlen > 0) with untrusted
 * bytes escaped as \xNN (see the file comment). An empty string gives
 * "-"; output that does not fit is cut at a character boundary and ends
 * with "...". Returns out, so it can be an argument of a log call.
 */
char *log_printable(char *out, size_t outlen, const char *in);

#endif
