/*
 * pdfcrypt - a PDF's encryption, read from the file itself: which
 * method encrypts it and whether the empty password opens it.
 *
 * Why our own reader: poppler-glib says only "encrypted" (it fails to
 * open) or nothing (it opens): it does not tell the method, and when it
 * loses the trailer while repairing a damaged cross-reference section it
 * opens an encrypted file as if it were plain. So the extractor asks
 * here first, and believes poppler only where both agree.
 *
 * What it does: finds the trailer's /Encrypt entry (classic trailers and
 * cross-reference streams: the last and the first 64 KiB, the section
 * startxref points at, then the whole file), the dictionary it names
 * (direct, or "N G obj" found by searching, never by trusting xref
 * offsets), and reads /Filter /V /R /Length /P /O /U /EncryptMetadata,
 * the crypt filters /CF with /StmF /StrF /EFF, and the trailer's /ID.
 * pdfcrypt_method() names the method as extract.h lists them;
 * pdfcrypt_empty_password() runs the standard security handler's
 * password checks (ISO 32000-2, 7.6.4.4: MD5 and RC4 for revisions 2-4,
 * SHA-256 for 5, the SHA-2 and AES-128 hash of 6) with the empty user
 * password and the empty owner password.
 *
 * What it does not do: decrypt anything, parse the document, check
 * non-empty passwords, or understand security handlers other than
 * /Standard (public-key handlers get a method from /V and /CF, and are
 * never opened by the empty password).
 *
 * Limits: nested objects at most 32 deep, at most 4 indirect references
 * followed per value, names of 31 bytes, /O and /U of 48 bytes, /ID of
 * 64; every search is bounded by the input length; time is linear in it
 * (a few passes of memmem). The revision-6 check costs at most 287
 * rounds of hashing and AES over 4 KiB (well under 10 ms).
 *
 * Thread-safe: no state outside the caller's struct.
 */
#ifndef DLP_PDFCRYPT_H
#define DLP_PDFCRYPT_H

#include <stdbool.h>
#include <stddef.h>

#define PDFCRYPT_NAME_MAX 32
#define PDFCRYPT_KEY_MAX  48 /* /O and /U bytes kept */
#define PDFCRYPT_ID_MAX	  64

/* One crypt filter as used by /StmF, /StrF or /EFF (PDF 1.5, V4/V5). */
struct pdfcrypt_filter {
	char name[PDFCRYPT_NAME_MAX]; /* "StdCF"; "Identity" when absent */
	char cfm[PDFCRYPT_NAME_MAX];  /* "V2", "AESV2", "AESV3", "None";
					 "" when /CF does not say */
	int bits;		      /* key length in bits; 0 when absent */
};

struct pdfcrypt {
	char filter[PDFCRYPT_NAME_MAX]; /* security handler: "Standard" */
	int v, r;			/* 0 when absent */
	int length;			/* /Length in bits; 0 when absent */
	int p;				/* permissions, as a signed 32-bit */
	bool encrypt_metadata;		/* default true */
	struct pdfcrypt_filter stmf, strf, eff;
	unsigned char o[PDFCRYPT_KEY_MAX], u[PDFCRYPT_KEY_MAX];
	size_t o_len, u_len;
	unsigned char id[PDFCRYPT_ID_MAX]; /* the first /ID string */
	size_t id_len;
	bool has_id; /* /ID was found, and fits */
};

#define PDFCRYPT_NONE  0 /* no trailer names an /Encrypt dictionary */
#define PDFCRYPT_FOUND 1 /* pc describes it */

/*
 * pdfcrypt_read: look for the encryption dictionary of the PDF in data
 * (len bytes, untrusted; not kept). Fills *pc (always: zeroed, then what
 * was read). Returns PDFCRYPT_FOUND or PDFCRYPT_NONE. A /Encrypt entry
 * whose value is not a dictionary with a /Filter counts as absent.
 */
int pdfcrypt_read(const void *data, size_t len, struct pdfcrypt *pc);

/*
 * pdfcrypt_method: the method that encrypts the document's content
 * (streams, else strings): "pdf-rc4-40" (RC4 with a key of less than 128
 * bits; *weak set), "pdf-rc4-128", "pdf-aes-128", "pdf-aes-256", or
 * "pdf-unknown" when /V and /CF name nothing we know. For an /EFF-only
 * document, the method of its embedded files. A static string; weak may
 * be NULL.
 */
const char *pdfcrypt_method(const struct pdfcrypt *pc, bool *weak);

/*
 * pdfcrypt_eff_only: whether only the embedded files are encrypted
 * (/StmF and /StrF are /Identity, /EFF is a real filter): the pages are
 * readable by anyone, the attachments are not.
 */
bool pdfcrypt_eff_only(const struct pdfcrypt *pc);

#define PDFCRYPT_PW_NEEDED  0	 /* neither empty password opens it */
#define PDFCRYPT_PW_OPENS   1	 /* the empty user or owner password does */
#define PDFCRYPT_PW_UNKNOWN (-1) /* not /Standard, or /O /U /ID unusable */

/*
 * pdfcrypt_empty_password: whether the document opens with the empty
 * password, as user or as owner (an empty owner password opens a
 * document whatever its user password). Returns PDFCRYPT_PW_OPENS,
 * PDFCRYPT_PW_NEEDED or PDFCRYPT_PW_UNKNOWN; PDFCRYPT_PW_UNKNOWN also when
 * memory ran out.
 */
int pdfcrypt_empty_password(const struct pdfcrypt *pc);

#endif
