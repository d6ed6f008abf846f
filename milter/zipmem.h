/*
 * zipmem - read named members of a zip archive held in memory, for the
 * document extractors (OOXML and ODF packages are zips).
 *
 * What it does: zipmem_open() lists the members once with libarchive's
 * seekable zip reader (central directory; the streaming reader of local
 * headers when the central directory is missing, as in a truncated
 * attachment); zipmem_read() then streams one member's bytes to a
 * callback in libarchive's blocks, never holding the whole member. Reading
 * members in listing order costs one pass; going back reopens the reader.
 *
 * Limits, all from struct dlp_limits through the extraction context: a
 * member stops at max_member_bytes ("limit:size"), at max_ratio times the
 * compressed bytes libarchive consumed so far ("limit:ratio"; the ratio is
 * only judged past ZIPMEM_RATIO_FLOOR unpacked bytes, because small XML
 * parts legitimately deflate far better than large ones), when the
 * message's expanded-bytes budget is spent ("limit:expanded", through
 * extract_budget()) and when the message's time is up ("limit:time"). At
 * most max_members members are listed. Sizes in the archive are never
 * trusted: only the bytes actually produced count.
 *
 * What it does not do: decrypt (encrypted members are listed as such and
 * fail to read), write, or guess name charsets (names are libarchive's
 * bytes; OOXML and ODF part names are ASCII).
 *
 * Not thread-safe per object; one object belongs to one scan.
 */
#ifndef DLP_ZIPMEM_H
#define DLP_ZIPMEM_H

#include <stdbool.h>
#include <stddef.h>

#include "extract.h"

/* Below this many unpacked bytes a member's ratio is not judged. */
#define ZIPMEM_RATIO_FLOOR ((size_t)1 << 20)

/* zipmem_read flags */
#define ZIPMEM_NOBUDGET 0x1u /* the caller counts the bytes itself */

struct zipmem_entry {
	char *name;	/* NUL-terminated, as stored */
	size_t size;	/* claimed unpacked size; 0 when unknown */
	bool encrypted; /* data or metadata encrypted */
	bool directory; /* a directory entry (no data) */
};

struct zipmem;

/*
 * zipmem_read's consumer: len bytes of the member (never 0). Returns
 * DLP_OK to go on; anything else stops the read and is returned by
 * zipmem_read().
 */
typedef int (*zipmem_fn)(void *arg, const void *data, size_t len);

/*
 * zipmem_open: list the members of the zip in data (len bytes; data must
 * outlive the object). At most max_entries are listed. On return *zp is
 * the object (free with zipmem_free()) unless DLP_EFATAL is returned.
 * Returns DLP_OK; DLP_PARTIAL (more than max_entries members: the first
 * ones are listed); DLP_EINPUT (damaged archive: the members listed before
 * the damage, possibly none, are usable); DLP_EFATAL (out of memory, *zp
 * NULL).
 */
int zipmem_open(
    const void *data, size_t len, size_t max_entries, struct zipmem **zp);

/* zipmem_free: release; NULL is a no-op. */
void zipmem_free(struct zipmem *z);

/* zipmem_any_encrypted: whether any member is zip-encrypted. */
bool zipmem_any_encrypted(const struct zipmem *z);

/* zipmem_count: the number of members listed. */
size_t zipmem_count(const struct zipmem *z);

/* zipmem_entry: member i (< zipmem_count()); owned by z. */
const struct zipmem_entry *zipmem_entry(const struct zipmem *z, size_t i);

/*
 * zipmem_find: the index of the first non-directory member named name
 * (ASCII case-insensitive, as OPC part names are; a leading '/' on name
 * is ignored), or -1.
 */
long zipmem_find(const struct zipmem *z, const char *name);

/*
 * zipmem_read: stream member i to fn in blocks, within the limits of x
 * (flags: ZIPMEM_NOBUDGET leaves the expanded-bytes budget to the caller).
 * *packed (may be NULL) gets the compressed bytes consumed. Returns
 * DLP_OK (all of it was delivered); DLP_PARTIAL (a limit cut it: *why is
 * the reason, "limit:size", "limit:ratio", "limit:expanded" or
 * "limit:time", and what came before was delivered); DLP_EINPUT (the
 * member is damaged, encrypted or cannot be found again; *why is
 * "corrupt"; a member whose CRC does not match was delivered whole
 * first); DLP_EFATAL (out of memory); or whatever fn returned other
 * than DLP_OK. why may be NULL; *why is set only on DLP_PARTIAL and
 * DLP_EINPUT and points to a static string.
 */
int zipmem_read(struct zipmem *z, struct extract *x, size_t i, unsigned flags,
    zipmem_fn fn, void *arg, size_t *packed, const char **why);

/*
 * zipmem_extract: member i as a child node of parent (a document's
 * embedded file): read whole within the per-member limits, then handed to
 * extract_member() (which counts it in the message's budget, identifies
 * and extracts it at depth + 1). A member the limits cut, that is damaged
 * or encrypted becomes an opaque child marked not-inspectable with the
 * reason. *count counts the container's members (extract_count_member()).
 * Returns DLP_OK (the child's own damage is marked on the child, not
 * returned), DLP_PARTIAL (a limit cut the child or the members) or
 * DLP_EFATAL.
 */
int zipmem_extract(struct zipmem *z, struct extract *x, long parent,
    unsigned depth, size_t i, unsigned *count);

#endif
