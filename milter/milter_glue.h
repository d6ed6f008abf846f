/*
 * milter_glue - the libmilter callbacks of dlp-milter.
 *
 * The callbacks only translate milter events into engine calls and apply
 * the engine's decision; they decide nothing themselves. Per connection
 * (connect .. close) they keep a small context; per message (MAIL FROM ..
 * end of message, abort or close) the envelope and one struct dlp_scan,
 * created once the envelope is complete (at the first header or at the end
 * of the headers). Headers are spooled as "Name: value\r\n", then
 * "\r\n", then the body chunks as they come (see Workers below). Mail whose recipients
 * are all internal (dlp_scan_needed() false) is accepted at the end of the
 * headers without reading the body. At the end of the message the engine's
 * action is applied: reject (550 5.7.1 multi-line reply with the incident
 * id, the kinds found and where), quarantine (smfi_quarantine: Postfix
 * puts the mail on hold), tag (X-DLP-Verdict and X-DLP-Incident headers),
 * monitor and accept (deliver), tempfail (451 4.3.0), approve (held
 * like quarantine, "awaiting approval", decided by an approver with
 * dlp-quarantine). Then the message goes to incident.c (audit event,
 * incident record, notices). A message with one X-DLP-Notice header whose
 * signature over the body holds (notice.h) is one of our own notices: it
 * is scanned but delivered whatever it names (logged notice=ours), so a
 * notice cannot be stopped in a loop; without the secret nobody can sign
 * one, and a copied header does not fit other content. Every scanned or
 * skipped message gets an incident id and exactly one verdict log line:
 *
 *   verdict queue_id=4QX1Yz2kLmz9 incident=DLP-20261121-0BADCAFE
 *     from=<a@example.jp> rcpts=1 action=reject would=reject
 *     kinds=my_number:2,pension_number:1 paths=1,2 size=1834
 *     elapsed_ms=3 ruleset=2026.11.0 [skipped=internal] [notice=ours]
 *     [partial=yes] [error=WHAT]
 *
 * (one line; untrusted values escaped with log_printable(); "-" for none;
 * action is what was done, would what the policy wanted, which differ in
 * monitor mode and after an internal error). An internal error adds a
 * warning line with the incident id. Matched values never reach a log or
 * a reply, only kinds, counts and part paths.
 *
 * The SMTP client's address (connect) goes into the envelope for
 * policy.attachment_ban.clients.
 *
 * Negotiation switches off HELO, DATA and unknown-command events and asks
 * for no replies to connect, MAIL, RCPT, header and body events, so a
 * message costs the MTA round trips only at the end of headers and at the
 * end of message. Actions requested: add headers, quarantine.
 *
 * Failures (engine DLP_EFATAL, memory, a libmilter call that fails, more
 * than GLUE_MAX_RCPTS recipients) apply the policy's on_internal_error;
 * when that cannot be applied either, the message is temporarily failed,
 * so no mail is lost and none passes unscanned.
 *
 * Workers: the glue never parses a message. It spools the message
 * (headers as fed above, then the body) to an unnamed 0600 file of the
 * pool's (pool.h) and, at the end of the message, a worker process scans
 * it and sends the report back. A worker that crashes, passes its time
 * or its limits loses the message: with workers.on_failure "policy" the
 * message is decided as not inspectable (reason "worker:timeout",
 * "worker:crash", "worker:cpu", "worker:killed"; default quarantine),
 * with "tempfail" the sender's MTA tries again; the verdict line then
 * carries lost=REASON. A spool that cannot be written (a full disk) is an
 * internal error (on_internal_error, default tempfail): mail is never
 * passed unscanned.
 *
 * Thread-safety: libmilter runs the callbacks of one connection in one
 * thread at a time; each message holds a reference to the generation
 * (engine and incident side) it started in, shared read-only;
 * everything else belongs to one connection.
 */
#ifndef DLP_MILTER_GLUE_H
#define DLP_MILTER_GLUE_H

#include "dlp.h"

/* Recipients kept per message; more is an internal error (see above). */
#define GLUE_MAX_RCPTS 10000

/* The milter's name as announced to libmilter. */
#define GLUE_NAME "dlp-milter"

struct incidents;
struct pool;

/*
 * milter_glue_register: register the callbacks with libmilter
 * (smfi_register; before the socket is opened). Returns 0, or -1 when
 * smfi_register() failed (logged).
 */
int milter_glue_register(void);

/*
 * milter_glue_start: messages are scanned by the workers of pool, with
 * engine e, and handed to in (incident.h: audit trail, incident store,
 * notices). The glue takes its own reference to e and owns in from now
 * on (it stops it when its generation ends). Call once, before
 * smfi_main(). Returns 0, or -1 on ENOMEM.
 */
int milter_glue_start(
    struct dlp_engine *e, struct incidents *in, struct pool *pool);

/*
 * milter_glue_swap: a reload. New messages use e and in (the glue takes
 * a reference to e and owns in); a message in flight finishes with the
 * engine and incident side it started with, and the last of them stops
 * the old incident side and drops the old engine. The caller points the
 * pool at e itself (pool_set_engine). Returns 0, or -1 on ENOMEM (then
 * nothing changed and in is still the caller's).
 */
int milter_glue_swap(struct dlp_engine *e, struct incidents *in);

/* milter_glue_reopen: reopen the current audit file (SIGHUP). */
void milter_glue_reopen(void);

/*
 * milter_glue_shutdown: release the current generation (after smfi_main()
 * returned): its incident side is stopped once no message uses it.
 */
void milter_glue_shutdown(void);

#endif
