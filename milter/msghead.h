/*
 * msghead - what the policy needs from a message's own header block: its
 * Message-ID and how many addresses outside the organisation it shows in
 * To and Cc (recipient_exposure: a mail to 40 customers in To instead of
 * Bcc leaks every address to every customer).
 *
 * The scan feeds the raw message from its first byte; msghead keeps the
 * top-level header block (up to a maximum: the limit on header blocks)
 * and reads it once the empty line that ends it has come (or the maximum
 * or the end of the message). Address lists are read from the raw
 * header, not from a decoded one: an RFC 2047 display name may decode to
 * commas, quotes, '<' or '@' ("=?UTF-8?B?...?=" for `"x, y@z`), which
 * must neither split an address nor hide the ones after it. The reader
 * follows RFC 5322 (display names, quoted strings with commas, comments,
 * groups "team: a@x, b@y;", obsolete routes "<@relay:a@x>") and is
 * lenient with damage in the direction of counting more: a quote or
 * comment that never closes is taken as a plain character, so that it
 * cannot swallow the rest of the list; an unclosed '<' ends at the next
 * comma.
 *
 * What it does not do: decode display names, check that addresses are
 * deliverable, or read nested messages' headers.
 *
 * Limits: the header block kept is at most max bytes; one address at most
 * MSGHEAD_ADDR_MAX bytes (longer ones are cut and still counted); the
 * count of distinct external addresses stops at MSGHEAD_MAX_EXTERNAL; the
 * Message-ID is at most MSGHEAD_ID_MAX bytes. One struct per scan; not
 * thread-safe; msghead_addresses() is pure and thread-safe.
 */
#ifndef DLP_MSGHEAD_H
#define DLP_MSGHEAD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define MSGHEAD_ADDR_MAX     512
#define MSGHEAD_MAX_EXTERNAL 10000
#define MSGHEAD_ID_MAX	     998

struct msghead;

/* msghead_new: keep at most max bytes of the header block; NULL: ENOMEM. */
struct msghead *msghead_new(size_t max);

/* msghead_free: release; NULL is a no-op. */
void msghead_free(struct msghead *h);

/*
 * msghead_feed: the next raw bytes of the message. Bytes after the end of
 * the header block are ignored (cheaply). Returns 0, or -1 when memory
 * ran out.
 */
int msghead_feed(struct msghead *h, const void *data, size_t len);

/*
 * msghead_finish: read the header block kept so far (all of it when it
 * ended, else what came). *message_id gets the first Message-ID without
 * <> (malloc'ed; bytes that are not printable ASCII become '?'), or NULL
 * when there is none; *visible_external the number of distinct addresses
 * (compared without case) in every To and Cc field that are not internal
 * by config_is_internal(), at most MSGHEAD_MAX_EXTERNAL. Returns 0, or -1
 * when memory ran out (*message_id NULL).
 */
int msghead_finish(struct msghead *h, const struct dlp_config *cfg,
    char **message_id, unsigned *visible_external);

/*
 * msghead_addresses: call fn(arg, addr) for each address of an address
 * list (value, len bytes, raw: folded or not, RFC 2047 words untouched):
 * addr is the addr-spec as written ("a@example.jp"; a quoted local part
 * keeps its quotes), without display name, comments, white space or <>,
 * NUL-terminated, cut at MSGHEAD_ADDR_MAX bytes. Only addr-specs with an
 * '@' are passed on (a group's name, a bare local name are not). fn
 * returns 0 to go on, non-zero to stop. Returns how many were passed on.
 */
size_t msghead_addresses(const char *value, size_t len,
    int (*fn)(void *arg, const char *addr), void *arg);

#endif
