/*
 * rarinfo - our own reader of RAR 4 and RAR 5 block headers: which
 * members are encrypted, and whether the headers themselves are.
 *
 * Why it exists: libarchive 3.6.2 does not flag RAR5 encryption at all
 * (it "decompresses" encrypted data into garbage or an error), and for
 * RAR4 it stops at the first encrypted member of a solid archive. The
 * DLP must say which members are encrypted and must not call garbage
 * "plain", so these headers are the source of truth for RAR.
 *
 * What it reads. RAR 4 (signature "Rar!\x1a\x07\x00"): the main header
 * (flag 0x0080: every following header is encrypted, names hidden;
 * 0x0001 volume, 0x0008 solid) and file headers (flag 0x0004: the data
 * is encrypted; 0x0001/0x0002 continued from/in another volume;
 * directory when the dictionary bits are all set; names in UTF-8, in
 * RAR's compressed Unicode encoding after a NUL, or else CP932 bytes).
 * RAR 5 (signature "Rar!\x1a\x07\x01\x00"): the archive encryption
 * header (type 4: every following header is encrypted), the main header
 * (volume, solid) and file headers, whose extra record of type 0x01
 * means the data is encrypted. Service headers (comments, quick open)
 * are skipped, not listed. Reading stops at the end-of-archive header.
 *
 * What it does not do: decompress, decrypt or check header CRCs (a
 * damaged CRC does not change what a header says about encryption; a
 * header that does not fit the data ends the listing with damaged set).
 * Archives behind an SFX stub are not searched for: the signature must
 * start the data.
 *
 * Limits: at most max_entries members (truncated set beyond); names cut
 * at RARINFO_NAME_MAX bytes of UTF-8; a RAR5 header larger than 2 MiB
 * (the format's own maximum) is damage.
 *
 * Thread-safety: no state between calls.
 */
#ifndef DLP_RARINFO_H
#define DLP_RARINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RARINFO_OK     0
#define RARINFO_EINPUT (-1) /* no RAR signature at the start */
#define RARINFO_ENOMEM (-2)

#define RARINFO_NAME_MAX 1024

struct rarinfo_entry {
	char *name;	 /* UTF-8, NUL-terminated, never NULL */
	uint64_t packed; /* data size in this volume */
	uint64_t size;	 /* unpacked size as the header says */
	bool dir;
	bool encrypted;
	bool continued; /* split from or into another volume */
};

struct rarinfo {
	unsigned version; /* 4 or 5 */
	bool headers_encrypted;
	bool volume; /* a part of a multi-volume archive */
	bool solid;
	bool damaged;	/* a header did not fit: the listing stops there */
	bool truncated; /* more than max_entries members */
	struct rarinfo_entry *entries; /* in archive order */
	size_t n;
};

/*
 * rarinfo_read: list the RAR archive in data (len bytes). On RARINFO_OK
 * *out is a new struct rarinfo, freed with rarinfo_free(). Returns
 * RARINFO_EINPUT when data does not start with a RAR 4 or 5 signature,
 * RARINFO_ENOMEM when memory ran out (*out NULL then).
 */
int rarinfo_read(
    const void *data, size_t len, size_t max_entries, struct rarinfo **out);

/* rarinfo_free: release (names wiped first); NULL is a no-op. */
void rarinfo_free(struct rarinfo *ri);

/*
 * rarinfo_method: the method name for a member's data ("rar4", "rar5")
 * or, with headers, for an archive whose headers are encrypted
 * ("rar4-headers", "rar5-headers"). A static string.
 */
const char *rarinfo_method(const struct rarinfo *ri, bool headers);

#endif
