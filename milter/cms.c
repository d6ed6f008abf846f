/*
 * cms - reach the content of CMS SignedData. See cms.h.
 */
#include <string.h>

#include "cms.h"

/* One BER element: its tag, where its content lies, how long it is. */
struct tlv {
	unsigned char tag; /* first identifier octet (low-tag-number form) */
	const unsigned char *content;
	size_t len;   /* content length (for indefinite: up to 00 00) */
	size_t total; /* header + content (+ end-of-contents octets) */
	int indefinite;
};

#define TAG_CONSTRUCTED	 0x20
#define TAG_OCTET_STRING 0x04
#define TAG_OID		 0x06
#define TAG_SEQUENCE	 0x30
#define TAG_CONTEXT0	 0xa0

static const unsigned char oid_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
	0x01, 0x07, 0x01 };
static const unsigned char oid_signed[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
	0x01, 0x07, 0x02 };
static const unsigned char oid_enveloped[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
	0x0d, 0x01, 0x07, 0x03 };
static const unsigned char oid_encrypted[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
	0x0d, 0x01, 0x07, 0x06 };
static const unsigned char oid_auth_enveloped[] = { 0x2a, 0x86, 0x48, 0x86,
	0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17 };

static int read_tlv(
    const unsigned char *p, size_t avail, struct tlv *t, int depth);

/* The length of indefinite content: elements up to the 00 00 marker. */
static int
indefinite_len(const unsigned char *p, size_t avail, size_t *len, int depth)
{
	size_t off = 0;
	struct tlv t;

	while (off + 2 <= avail) {
		if (p[off] == 0 && p[off + 1] == 0) {
			*len = off;
			return 0;
		}
		if (read_tlv(p + off, avail - off, &t, depth + 1) < 0)
			return -1;
		off += t.total;
	}
	return -1;
}

static int
read_tlv(const unsigned char *p, size_t avail, struct tlv *t, int depth)
{
	size_t hdr = 2, n, i, len = 0;

	if (depth > CMS_MAX_DEPTH || avail < 2)
		return -1;
	t->tag = p[0];
	if ((p[0] & 0x1f) == 0x1f) /* high tag numbers: CMS uses none */
		return -1;
	t->indefinite = 0;
	if (p[1] < 0x80) {
		len = p[1];
	} else if (p[1] == 0x80) {
		if (!(t->tag & TAG_CONSTRUCTED))
			return -1;
		t->indefinite = 1;
		if (indefinite_len(p + 2, avail - 2, &len, depth) < 0)
			return -1;
		t->content = p + 2;
		t->len = len;
		t->total = 2 + len + 2;
		return 0;
	} else {
		n = p[1] & 0x7f;
		if (n > sizeof(size_t) || n > 8 || avail < 2 + n)
			return -1;
		for (i = 0; i < n; i++)
			len = (len << 8) | p[2 + i];
		hdr += n;
	}
	if (len > avail - hdr)
		return -1;
	t->content = p + hdr;
	t->len = len;
	t->total = hdr + len;
	return 0;
}

static enum cms_type
oid_type(const struct tlv *oid)
{
	static const struct {
		const unsigned char *oid;
		size_t len;
		enum cms_type type;
	} types[] = {
		{ oid_data, sizeof(oid_data), CMS_DATA },
		{ oid_signed, sizeof(oid_signed), CMS_SIGNED },
		{ oid_enveloped, sizeof(oid_enveloped), CMS_ENVELOPED },
		{ oid_encrypted, sizeof(oid_encrypted), CMS_ENCRYPTED },
		{ oid_auth_enveloped, sizeof(oid_auth_enveloped),
		    CMS_AUTH_ENVELOPED },
	};
	size_t i;

	if (oid->tag != TAG_OID)
		return CMS_UNKNOWN;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (oid->len == types[i].len &&
		    memcmp(oid->content, types[i].oid, oid->len) == 0)
			return types[i].type;
	return CMS_UNKNOWN;
}

/* ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY } */
static enum cms_type
content_info(const unsigned char *p, size_t len, struct tlv *content)
{
	struct tlv seq, oid;
	enum cms_type type;

	if (read_tlv(p, len, &seq, 0) < 0 || seq.tag != TAG_SEQUENCE ||
	    read_tlv(seq.content, seq.len, &oid, 1) < 0 ||
	    (type = oid_type(&oid)) == CMS_UNKNOWN)
		return CMS_UNKNOWN;
	if (content != NULL &&
	    (oid.total >= seq.len ||
		read_tlv(oid.content + oid.len, seq.len - oid.total, content,
		    1) < 0 ||
		content->tag != TAG_CONTEXT0))
		return CMS_UNKNOWN;
	return type;
}

enum cms_type
cms_content_type(const void *der, size_t len)
{
	return content_info(der, len, NULL);
}

/* An OCTET STRING, primitive or constructed of segments, appended. */
static int
octets(const struct tlv *t, struct buf *out, int depth)
{
	size_t off = 0;
	struct tlv seg;
	int rc;

	if (depth > CMS_MAX_DEPTH)
		return -1;
	if (t->tag == TAG_OCTET_STRING)
		return buf_append_trunc(out, t->content, t->len) == (long)t->len
		    ? 0
		    : BUF_EFULL;
	if (t->tag != (TAG_OCTET_STRING | TAG_CONSTRUCTED))
		return -1;
	while (off < t->len) {
		if (read_tlv(t->content + off, t->len - off, &seg, depth) < 0)
			return -1;
		if ((rc = octets(&seg, out, depth + 1)) != 0)
			return rc;
		off += seg.total;
	}
	return 0;
}

/*
 * SignedData ::= SEQUENCE { version, digestAlgorithms SET,
 *     encapContentInfo SEQUENCE { eContentType OID,
 *         eContent [0] EXPLICIT OCTET STRING OPTIONAL }, ... }
 */
int
cms_signed_content(const void *der, size_t len, struct buf *out)
{
	struct tlv explicit0, sd, version, digests, encap, type, econtent, os;
	const unsigned char *p;
	size_t left;

	if (content_info(der, len, &explicit0) != CMS_SIGNED ||
	    read_tlv(explicit0.content, explicit0.len, &sd, 2) < 0 ||
	    sd.tag != TAG_SEQUENCE)
		return -1;
	p = sd.content;
	left = sd.len;
	if (read_tlv(p, left, &version, 3) < 0 || version.total >= left)
		return -1;
	p += version.total;
	left -= version.total;
	if (read_tlv(p, left, &digests, 3) < 0 || digests.total >= left)
		return -1;
	p += digests.total;
	left -= digests.total;
	if (read_tlv(p, left, &encap, 3) < 0 || encap.tag != TAG_SEQUENCE ||
	    read_tlv(encap.content, encap.len, &type, 4) < 0 ||
	    type.tag != TAG_OID)
		return -1;
	if (type.total >= encap.len)
		return -2; /* detached: the content travels beside it */
	if (read_tlv(encap.content + type.total, encap.len - type.total,
		&econtent, 4) < 0 ||
	    econtent.tag != TAG_CONTEXT0 ||
	    read_tlv(econtent.content, econtent.len, &os, 5) < 0)
		return -1;
	return octets(&os, out, 6);
}
