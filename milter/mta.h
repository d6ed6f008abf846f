/*
 * mta - the MTA's hold queue: release, delete and read a held message
 * (Postfix or Sendmail, as the config's quarantine section says). See
 * mta.c for how commands are run.
 *
 * Every function returns 0, or -1 with err (at least 256 bytes) saying
 * what failed: a queue id that is not 6 to 32 ASCII letters and digits
 * is refused before anything runs, a command that cannot be started,
 * exits non-zero, is killed or runs longer than 300 s is a failure.
 * Messages name the command and the queue id, never message content.
 *
 * Thread-safe.
 */
#ifndef DLP_MTA_H
#define DLP_MTA_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"

/* mta_queue_id_ok: 6 to 32 ASCII letters and digits. */
bool mta_queue_id_ok(const char *qid);

/* mta_release: deliver the held message (Postfix: postsuper -H;
   Sendmail: sendmail -qQ -qI<qid> -Q). */
int mta_release(const struct dlp_quarantine_conf *qc, const char *qid,
    char *err, size_t errlen);

/* mta_delete: delete the held message (Postfix: postsuper -d; Sendmail:
   unlink hf<qid> and df<qid> in the queue directory or its qf/ and df/). */
int mta_delete(const struct dlp_quarantine_conf *qc, const char *qid, char *err,
    size_t errlen);

/*
 * mta_original: the held message (headers, empty line, body; LF lines)
 * appended to out, within out's maximum (more is an error). Postfix:
 * postcat -q -h -b; Sendmail: the hf file's header lines ("H" records,
 * their "?flags?" dropped, continuation lines kept), then the df file.
 */
int mta_original(const struct dlp_quarantine_conf *qc, const char *qid,
    struct buf *out, char *err, size_t errlen);

/*
 * mta_printable: a copy of s for a terminal or an error message: control
 * characters become '?', a cut never splits a UTF-8 character. out may
 * be s. Returns out.
 */
const char *mta_printable(const char *s, char *out, size_t outlen);

#endif
