/*
 * zipinfo - our own reader of a ZIP file's directory: member names in
 * the right charset and, per member, how it is encrypted.
 *
 * Why it exists: libarchive 3.6.2 says only "this entry is encrypted"; it
 * does not tell ZipCrypto from WinZip AES from PKWARE Strong Encryption,
 * gives up at the first header of an archive whose central directory is
 * encrypted, and leaves names without the UTF-8 flag as raw bytes. The
 * DLP must report the method (the policy accepts some methods and not
 * others) and a readable name, so we read the headers ourselves.
 *
 * What it reads: the end of central directory record (classic and
 * ZIP64, whose values win when present, as some writers fill the classic
 * one with garbage), the central directory, and each member's local
 * header (for local extras and flags). Per member: ZipCrypto (GP flag bit
 * 0 without the 0x9901 extra; weak), WinZip AES AE-1/AE-2 with the key
 * size of the 0x9901 extra (winzip-aes-128/-192/-256), PKWARE Strong
 * Encryption (flag bit 6; the algorithm from the 0x0017 extra, else from
 * the decryption header that starts the member's data:
 * pkware-ses-des, -3des-112, -3des-168, -aes-128, -aes-192, -aes-256,
 * -rc2, -rc4, -blowfish, -twofish; DES, RC2 and RC4 are weak). Central
 * directory encryption (flag bit 13 in a local header, or an encrypted
 * directory where the EOCD points): names are hidden and the whole
 * archive is reported encrypted, method "<ses method>-headers". Names:
 * UTF-8 when flag bit 11 says so or the bytes are valid UTF-8, the
 * Info-ZIP Unicode path extra (0x7075) when its CRC matches the header's
 * name, else CP932 (Japanese Windows writes names in CP932 without a
 * flag). Without a central directory (truncated file, first part of a
 * split archive) the local headers are walked from the start instead.
 * Split archives are recognised by their disk numbers and by the
 * spanning signature that starts a first segment; the last segment's
 * central directory is listed (members in other segments without their
 * local headers).
 *
 * What it does not do: decompress or decrypt anything; check CRCs of
 * data; reassemble split archives. It never trusts a size or an offset:
 * every read is checked against the buffer, and damage that still lets
 * it go on is flagged (damaged) rather than fatal.
 *
 * Limits: at most max_entries members are listed (truncated is set when
 * there were more); names are cut at ZIPINFO_NAME_MAX bytes of UTF-8.
 *
 * Thread-safety: no state between calls; a struct zipinfo belongs to
 * its caller.
 */
#ifndef DLP_ZIPINFO_H
#define DLP_ZIPINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZIPINFO_OK     0
#define ZIPINFO_EINPUT (-1) /* not a ZIP we can list at all */
#define ZIPINFO_ENOMEM (-2)

#define ZIPINFO_NAME_MAX 1024 /* bytes of UTF-8 kept of a member name */

enum zipinfo_enc {
	ZIPINFO_ENC_NONE = 0,
	ZIPINFO_ENC_ZIPCRYPTO,
	ZIPINFO_ENC_WINZIP_AES,
	ZIPINFO_ENC_PKWARE_SES,
};

struct zipinfo_entry {
	char *name; /* UTF-8 (see above), NUL-terminated, never NULL */
	const unsigned char *raw; /* the header's name bytes, in the data */
	size_t raw_len;
	uint64_t local_off; /* of the local header, corrected for a prefix */
	uint64_t data_off;  /* where its data starts; 0 when unknown */
	uint64_t csize;	    /* compressed size as the headers say */
	uint64_t usize;	    /* uncompressed size as the headers say */
	uint16_t flags;	    /* general purpose flags (central | local) */
	uint16_t method;    /* compression; for WinZip AES the inner one */
	bool dir;
	enum zipinfo_enc enc;
	unsigned aes_version;	 /* 1 (AE-1) or 2 (AE-2); 0 when not AES */
	unsigned key_bits;	 /* 128, 192, 256 ...; 0 when unknown */
	uint16_t ses_alg;	 /* PKWARE SES AlgID, 0 when unknown */
	const char *method_name; /* static: "zipcrypto", "winzip-aes-256",
				    ...; NULL when not encrypted */
	bool weak;		 /* the method is known to be broken */
};

struct zipinfo {
	struct zipinfo_entry *entries; /* in local header order */
	size_t n;
	bool has_cd;	       /* entries come from a central directory */
	bool cd_encrypted;     /* central directory encryption: no names */
	const char *cd_method; /* then e.g. "pkware-ses-aes-256-headers" */
	bool split;	       /* one part of a split (multi-disk) archive */
	bool damaged;	       /* something did not add up; listed anyway */
	bool truncated;	       /* more than max_entries members */
};

/*
 * zipinfo_read: list the ZIP archive in data (len bytes). data must
 * outlive the result (entries point into it). On ZIPINFO_OK *out is a
 * new struct zipinfo the caller frees with zipinfo_free(); it may list no
 * entries (an empty or unreadable-but-recognised archive: see its flags).
 * Returns ZIPINFO_EINPUT when neither an end record nor a local header
 * is found, ZIPINFO_ENOMEM when memory ran out; *out is NULL then.
 */
int zipinfo_read(
    const void *data, size_t len, size_t max_entries, struct zipinfo **out);

/* zipinfo_free: release (names are wiped first); NULL is a no-op. */
void zipinfo_free(struct zipinfo *zi);

/*
 * zipinfo_ses_method: the method name of a PKWARE SES AlgID
 * ("pkware-ses-aes-256"; "pkware-ses" when unknown); *weak set when the
 * algorithm is broken. Never NULL; a static string.
 */
const char *zipinfo_ses_method(uint16_t alg, bool *weak);

/*
 * zipinfo_crc32: the CRC-32 (ISO 3309, as ZIP uses it) of len bytes,
 * continuing from crc (0 to start).
 */
uint32_t zipinfo_crc32(uint32_t crc, const void *data, size_t len);

#endif
