/*
 * officecrypt - encrypted OOXML ([MS-OFFCRYPTO]) opened with a known
 * password: for Excel's built-in default password "VelvetSweatshop".
 *
 * Excel can "encrypt" a workbook without asking for a password (a
 * workbook protected against structure changes, a read-only
 * recommendation, some export tools): it then uses "VelvetSweatshop",
 * which every Office application tries first. Such a file is encrypted
 * in form but open to anyone, so a DLP must read it: the caller reports
 * the node encrypted (as the file says) but weak, and scans what this
 * module decrypts.
 *
 * Schemes: standard encryption (EncryptionInfo 2.2/3.2/4.2, and 3.3/4.3
 * with the AES flag: AES-128/192/256 in ECB, SHA-1 key derivation with
 * 50,000 rounds) and agile encryption (4.4: the XML descriptor, a
 * password key encryptor, AES-CBC in 4,096-byte segments, SHA-1 or
 * SHA-2 with the file's spin count). RC4 CryptoAPI and extensible
 * encryption are not decrypted (result: not opened). Digests and AES come
 * from nettle; the agile descriptor is parsed with libxml2.
 *
 * Limits: the spin count is bounded (OFFCRYPT_MAX_SPIN; Office writes
 * 100,000), so a hostile file cannot make a key derivation run for
 * minutes; the decrypted package is bounded by the caller's max_out and
 * by the stream itself.
 *
 * Pure functions; thread-safe (libxml2 must have been initialised, as the
 * engine does).
 */
#ifndef DLP_OFFICECRYPT_H
#define DLP_OFFICECRYPT_H

#include <stddef.h>

#define OFFCRYPT_MAX_SPIN 1000000u

/* The password Excel uses when the user gave none. */
#define OFFCRYPT_DEFAULT_PASSWORD "VelvetSweatshop"

/* Results of officecrypt_open(). */
enum offcrypt_result {
	OFFCRYPT_OPENED = 1,   /* *out holds the package (a zip) */
	OFFCRYPT_WRONG = 0,    /* not this password, or a scheme not read */
	OFFCRYPT_CORRUPT = -1, /* the descriptor or the package is damaged */
	OFFCRYPT_NOMEM = -2,   /* out of memory, or the package > max_out */
};

/*
 * officecrypt_open: try password (ASCII or UTF-8 of the Basic
 * Multilingual Plane) on the EncryptionInfo stream (info, info_len) and,
 * when it fits, decrypt the EncryptedPackage stream (pkg, pkg_len) into
 * a new buffer *out of *out_len bytes (at most max_out), which the caller
 * frees with free(). *out is NULL unless OFFCRYPT_OPENED is returned.
 */
enum offcrypt_result officecrypt_open(const unsigned char *info,
    size_t info_len, const unsigned char *pkg, size_t pkg_len,
    const char *password, size_t max_out, unsigned char **out, size_t *out_len);

#endif
