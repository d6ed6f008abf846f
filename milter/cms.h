/*
 * cms - just enough of CMS (RFC 5652) to reach the content of S/MIME
 * opaque-signed data, and to tell the content types apart.
 *
 * An opaque-signed message (application/pkcs7-mime; smime-type=signed-data)
 * is not encrypted: its MIME entity sits in clear inside SignedData's
 * encapContentInfo.eContent. A DLP that does not look there lets anyone
 * send personal data past it by signing the mail. cms_signed_content()
 * walks ContentInfo -> SignedData -> encapContentInfo -> eContent and
 * returns the bytes, joining the segments of a constructed OCTET STRING.
 *
 * It reads DER and the BER that S/MIME agents write (indefinite lengths,
 * constructed strings), never trusts a length beyond the input, bounds its
 * nesting (CMS_MAX_DEPTH) and verifies nothing: signatures are not its
 * business. Thread-safe; no state.
 */
#ifndef DLP_CMS_H
#define DLP_CMS_H

#include <stddef.h>

#include "buf.h"

#define CMS_MAX_DEPTH 32

enum cms_type {
	CMS_UNKNOWN = 0,
	CMS_DATA,
	CMS_SIGNED,
	CMS_ENVELOPED,
	CMS_AUTH_ENVELOPED,
	CMS_ENCRYPTED, /* EncryptedData: symmetric, key agreed elsewhere */
};

/* cms_content_type: the contentType of a ContentInfo, or CMS_UNKNOWN. */
enum cms_type cms_content_type(const void *der, size_t len);

/*
 * cms_signed_content: append the eContent of a SignedData ContentInfo to
 * out. Returns 0; -1 when the input is not SignedData or is malformed;
 * -2 when the signed data is detached (no eContent); BUF_EFULL or
 * BUF_ENOMEM from the buffer (out then holds what fit).
 */
int cms_signed_content(const void *der, size_t len, struct buf *out);

#endif
