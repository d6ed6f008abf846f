/*
 * mailout - hand a complete message to the MTA for delivery: through the
 * sendmail binary (sendmail -i -f FROM -- RCPT..., the message on its
 * standard input) or by SMTP to a host and port (a plain SMTP dialogue
 * on loopback: EHLO, MAIL, RCPT, DATA with dot-stuffing, QUIT), as the
 * config's notices section says.
 *
 * Bounded: the dialogue has a 30 s timeout per step; a reply line longer
 * than 1000 bytes is an error. Errors are returned as text (no logging).
 *
 * Thread-safe (no shared state; the sendmail child is spawned with
 * posix_spawn and waited for).
 */
#ifndef DLP_MAILOUT_H
#define DLP_MAILOUT_H

#include <stddef.h>

#include "config.h"

/*
 * mailout_send: deliver msg (msglen bytes, CRLF or LF lines) from
 * envelope_from ("" for the null sender) to rcpts. Returns 0, 1 when the
 * MTA refused it for good (5xx: do not retry), or -1 on a temporary
 * failure; err (at least 256 bytes) says what happened.
 */
int mailout_send(const struct dlp_notice_conf *nc, const char *envelope_from,
    const char *const *rcpts, size_t n_rcpts, const char *msg, size_t msglen,
    char *err, size_t errlen);

/*
 * mailout_flush: send every notice of the store's outbox that is due at
 * now, oldest first: sent ones are removed, refused ones (5xx) are kept
 * as failed, temporary failures retried with backoff (1, 2, 4 .. 60
 * minutes, at most 20 attempts). *sent and *failed (may be NULL) get the
 * counts; err gets the last error. Returns 0, or -1 when the store
 * failed.
 */
struct store;
int mailout_flush(struct store *st, const struct dlp_notice_conf *nc,
    long long now, unsigned *sent, unsigned *failed, char *err, size_t errlen);

/*
 * mailout_set_timeout_ms: the per-step timeout (default 30000 ms) for
 * every later call in the process; for tests, before threads start.
 */
void mailout_set_timeout_ms(int ms);

#endif
