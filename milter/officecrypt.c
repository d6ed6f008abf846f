/*
 * officecrypt - encrypted OOXML opened with a known password. See
 * officecrypt.h for the contract; the steps follow [MS-OFFCRYPTO]
 * 2.3.4.5-2.3.4.10 (standard) and 2.3.4.11-2.3.4.15 (agile).
 *
 * Every key, digest and decrypted verifier lives in fixed arrays here and
 * is wiped before the call returns; only the decrypted package leaves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "le.h"
#include "officecrypt.h"

#define PW_MAX	    255	 /* UTF-16 code units of a password */
#define HASH_MAX    64	 /* SHA-512 */
#define KEY_MAX	    32	 /* AES-256 */
#define BLOCK	    16	 /* AES */
#define B64_MAX	    1024 /* decoded bytes of one descriptor value */
#define SEGMENT	    4096 /* agile package segment */
#define STD_SPIN    50000
#define STD_VERIF   16
#define STD_VHASH   32 /* SHA-1 (20) padded to the AES block */
#define AGILE_XML   8  /* the descriptor's offset in EncryptionInfo */
#define INFO_XMLMAX (64 * 1024)

/* blockKey values of the agile password key encryptor (2.3.4.13) */
static const uint8_t BK_VERIFIER_INPUT[8] = { 0xfe, 0xa7, 0xd2, 0x76, 0x3b,
	0x4b, 0x9e, 0x79 };
static const uint8_t BK_VERIFIER_VALUE[8] = { 0xd7, 0xaa, 0x0f, 0x6d, 0x30,
	0x61, 0x34, 0x4e };
static const uint8_t BK_KEY_VALUE[8] = { 0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac,
	0xd0, 0xd6 };

union hash_ctx {
	struct sha1_ctx sha1;
	struct sha256_ctx sha256;
	struct sha512_ctx sha512;
};

union aes_any {
	struct aes128_ctx a128;
	struct aes192_ctx a192;
	struct aes256_ctx a256;
};

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* The password as UTF-16LE; 0 bytes when it is not UTF-8 of the BMP. */
static size_t
password_utf16(const char *pw, unsigned char *out)
{
	const unsigned char *p = (const unsigned char *)pw;
	size_t n = 0;
	uint32_t c;

	while (*p != '\0' && n < PW_MAX) {
		if (p[0] < 0x80) {
			c = *p++;
		} else if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
			c = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else if ((p[0] & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 &&
		    (p[2] & 0xc0) == 0x80) {
			c = (uint32_t)(p[0] & 0x0f) << 12 |
			    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			p += 3;
		} else {
			return 0;
		}
		out[2 * n] = (unsigned char)c;
		out[2 * n + 1] = (unsigned char)(c >> 8);
		n++;
	}
	return *p == '\0' ? 2 * n : 0;
}

/* H(a || b) into out (h->digest_size bytes). */
static void
hash2(const struct nettle_hash *h, const void *a, size_t alen, const void *b,
    size_t blen, uint8_t *out)
{
	union hash_ctx ctx;

	h->init(&ctx);
	h->update(&ctx, alen, a);
	h->update(&ctx, blen, b);
	h->digest(&ctx, h->digest_size, out);
	memset(&ctx, 0, sizeof(ctx));
}

/* H0 = H(salt || pw), then Hn = H(le32(i) || Hn-1) for i < spin. */
static void
spin_hash(const struct nettle_hash *h, const uint8_t *salt, size_t salt_len,
    const unsigned char *pw, size_t pw_len, uint32_t spin, uint8_t *out)
{
	unsigned char it[4];
	uint32_t i;

	hash2(h, salt, salt_len, pw, pw_len, out);
	for (i = 0; i < spin; i++) {
		put_le32(it, i);
		hash2(h, it, sizeof(it), out, h->digest_size, out);
	}
}

static const struct nettle_cipher *
aes_for(size_t key_bytes)
{
	switch (key_bytes) {
	case 16:
		return &nettle_aes128;
	case 24:
		return &nettle_aes192;
	case 32:
		return &nettle_aes256;
	}
	return NULL;
}

/* AES-ECB (iv NULL) or AES-CBC decryption of n bytes (a multiple of 16). */
static void
aes_dec(const uint8_t *key, size_t key_len, const uint8_t *iv_in,
    const uint8_t *src, size_t n, uint8_t *dst)
{
	const struct nettle_cipher *c = aes_for(key_len);
	union aes_any ctx;
	uint8_t iv[BLOCK];

	c->set_decrypt_key(&ctx, key);
	if (iv_in == NULL) {
		c->decrypt(&ctx, n, dst, src);
	} else {
		memcpy(iv, iv_in, BLOCK);
		cbc_decrypt(&ctx, c->decrypt, BLOCK, iv, n, dst, src);
	}
	memset(&ctx, 0, sizeof(ctx));
}

/* The package: an 8-byte size, then the encrypted stream. */
static enum offcrypt_result
package_alloc(const unsigned char *pkg, size_t pkg_len, size_t max_out,
    uint64_t *size, unsigned char **out)
{
	if (pkg_len < 8 + BLOCK)
		return OFFCRYPT_CORRUPT;
	*size = le64(pkg);
	if (*size > pkg_len - 8)
		return OFFCRYPT_CORRUPT;
	if (*size > max_out)
		return OFFCRYPT_NOMEM;
	/* whole blocks: the last one is decrypted in full, then cut */
	if ((*out = malloc(pkg_len - 8 + BLOCK)) == NULL)
		return OFFCRYPT_NOMEM;
	return OFFCRYPT_OPENED;
}

/* Standard encryption */

static enum offcrypt_result
open_standard(const unsigned char *info, size_t info_len,
    const unsigned char *pkg, size_t pkg_len, const unsigned char *pw,
    size_t pw_len, size_t max_out, unsigned char **out, size_t *out_len)
{
	const unsigned char *hdr, *ver;
	uint32_t hdr_len, alg, key_bits;
	uint8_t h[HASH_MAX], buf[64], x[2 * 20], key[KEY_MAX];
	uint8_t verifier[STD_VERIF], vhash[STD_VHASH], check[20];
	size_t key_len, i, n;
	uint64_t size;
	enum offcrypt_result rc;

	if (info_len < 12)
		return OFFCRYPT_CORRUPT;
	hdr_len = le32(info + 8);
	if (hdr_len < 32 || hdr_len > info_len - 12)
		return OFFCRYPT_CORRUPT;
	hdr = info + 12;
	ver = hdr + hdr_len;
	if ((size_t)(info + info_len - ver) <
	    4 + 16 + STD_VERIF + 4 + STD_VHASH)
		return OFFCRYPT_CORRUPT;
	alg = le32(hdr + 8);
	key_bits = le32(hdr + 16);
	if (alg != 0 && alg != 0x660E && alg != 0x660F && alg != 0x6610)
		return OFFCRYPT_WRONG; /* RC4 CryptoAPI: not read */
	if (alg == 0 && !(le32(hdr) & 0x20))
		return OFFCRYPT_WRONG; /* not AES */
	key_len = key_bits / 8;
	if (aes_for(key_len) == NULL || le32(ver) != 16)
		return OFFCRYPT_CORRUPT;
	spin_hash(&nettle_sha1, ver + 4, 16, pw, pw_len, STD_SPIN, h);
	memset(buf, 0, 4); /* block 0 */
	hash2(&nettle_sha1, h, 20, buf, 4, h);
	for (i = 0; i < 2; i++) {
		memset(buf, i == 0 ? 0x36 : 0x5c, sizeof(buf));
		for (n = 0; n < 20; n++)
			buf[n] ^= h[n];
		hash2(&nettle_sha1, buf, sizeof(buf), NULL, 0, x + 20 * i);
	}
	memcpy(key, x, key_len);
	aes_dec(key, key_len, NULL, ver + 20, STD_VERIF, verifier);
	aes_dec(key, key_len, NULL, ver + 20 + STD_VERIF + 4, STD_VHASH, vhash);
	hash2(&nettle_sha1, verifier, sizeof(verifier), NULL, 0, check);
	rc = memcmp(check, vhash, 20) == 0 ? OFFCRYPT_OPENED : OFFCRYPT_WRONG;
	if (rc == OFFCRYPT_OPENED)
		rc = package_alloc(pkg, pkg_len, max_out, &size, out);
	if (rc == OFFCRYPT_OPENED) {
		n = ((size_t)size + BLOCK - 1) / BLOCK * BLOCK;
		if (n > pkg_len - 8) {
			free(*out);
			*out = NULL;
			rc = OFFCRYPT_CORRUPT;
		} else {
			aes_dec(key, key_len, NULL, pkg + 8, n, *out);
			*out_len = (size_t)size;
		}
	}
	memset(h, 0, sizeof(h));
	memset(buf, 0, sizeof(buf));
	memset(x, 0, sizeof(x));
	memset(key, 0, sizeof(key));
	memset(verifier, 0, sizeof(verifier));
	memset(vhash, 0, sizeof(vhash));
	memset(check, 0, sizeof(check));
	return rc;
}

/* Agile encryption: the descriptor */

/* One cipher and hash description: keyData or a password encryptedKey. */
struct agile_params {
	const struct nettle_hash *hash;
	size_t key_len, block, hash_len;
	uint32_t spin;
	uint8_t salt[B64_MAX];
	size_t salt_len;
	uint8_t vhi[B64_MAX], vhv[B64_MAX], kv[B64_MAX];
	size_t vhi_len, vhv_len, kv_len;
};

static const struct nettle_hash *
hash_named(const char *name)
{
	if (strcmp(name, "SHA1") == 0 || strcmp(name, "SHA-1") == 0)
		return &nettle_sha1;
	if (strcmp(name, "SHA256") == 0)
		return &nettle_sha256;
	if (strcmp(name, "SHA384") == 0)
		return &nettle_sha384;
	if (strcmp(name, "SHA512") == 0)
		return &nettle_sha512;
	return NULL;
}

/* An attribute as a string; NULL when absent. Free with xmlFree. */
static char *
attr(xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/* A base64 attribute into out (at most B64_MAX bytes); -1 when bad. */
static int
attr_b64(xmlNode *n, const char *name, uint8_t *out, size_t *len)
{
	char *s = attr(n, name);
	guchar *d;
	gsize dl = 0;
	int rc = -1;

	if (s == NULL)
		return -1;
	if (strlen(s) <= 4 * B64_MAX / 3 + 4 &&
	    (d = g_base64_decode(s, &dl)) != NULL) {
		if (dl > 0 && dl <= B64_MAX) {
			memcpy(out, d, dl);
			*len = dl;
			rc = 0;
		}
		memset(d, 0, dl);
		g_free(d);
	}
	xmlFree(s);
	return rc;
}

/* An unsigned attribute within [lo, hi]; -1 when absent or out of range. */
static int
attr_uint(xmlNode *n, const char *name, unsigned long lo, unsigned long hi,
    unsigned long *v)
{
	char *s = attr(n, name), *end;
	int rc = -1;

	if (s == NULL)
		return -1;
	*v = strtoul(s, &end, 10);
	if (end != s && *end == '\0' && *v >= lo && *v <= hi)
		rc = 0;
	xmlFree(s);
	return rc;
}

/* The cipher and hash attributes shared by keyData and encryptedKey. */
static int
read_cipher(xmlNode *n, struct agile_params *p)
{
	char *cipher = attr(n, "cipherAlgorithm");
	char *chain = attr(n, "cipherChaining");
	char *hash = attr(n, "hashAlgorithm");
	unsigned long bits, block, hlen;
	int rc = -1;

	if (cipher != NULL && chain != NULL && hash != NULL &&
	    strcmp(cipher, "AES") == 0 &&
	    strcmp(chain, "ChainingModeCBC") == 0 &&
	    (p->hash = hash_named(hash)) != NULL &&
	    attr_uint(n, "keyBits", 128, 256, &bits) == 0 &&
	    aes_for(bits / 8) != NULL &&
	    attr_uint(n, "blockSize", 16, 16, &block) == 0 &&
	    attr_uint(n, "hashSize", 20, HASH_MAX, &hlen) == 0 &&
	    hlen == p->hash->digest_size &&
	    attr_b64(n, "saltValue", p->salt, &p->salt_len) == 0) {
		p->key_len = bits / 8;
		p->block = block;
		p->hash_len = hlen;
		rc = 0;
	}
	xmlFree(cipher);
	xmlFree(chain);
	xmlFree(hash);
	return rc;
}

static bool
named(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/* keyData and the password key encryptor of the descriptor. */
static enum offcrypt_result
read_descriptor(const unsigned char *xml, size_t len, struct agile_params *kd,
    struct agile_params *pk)
{
	xmlDoc *doc;
	xmlNode *root, *n, *e, *k;
	bool have_kd = false, have_pk = false;
	unsigned long spin;
	char *uri;

	if (len > INFO_XMLMAX)
		return OFFCRYPT_CORRUPT;
	doc = xmlReadMemory((const char *)xml, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return OFFCRYPT_CORRUPT;
	root = xmlDocGetRootElement(doc);
	for (n = root ? root->children : NULL; n != NULL; n = n->next) {
		if (named(n, "keyData"))
			have_kd = read_cipher(n, kd) == 0;
		if (!named(n, "keyEncryptors"))
			continue;
		for (e = n->children; e != NULL; e = e->next) {
			if (!named(e, "keyEncryptor") ||
			    (uri = attr(e, "uri")) == NULL)
				continue;
			if (strstr(uri, "keyEncryptor/password") != NULL)
				for (k = e->children; k != NULL; k = k->next)
					if (named(k, "encryptedKey") &&
					    read_cipher(k, pk) == 0 &&
					    attr_uint(k, "spinCount", 0,
						OFFCRYPT_MAX_SPIN,
						&spin) == 0 &&
					    attr_b64(k,
						"encryptedVerifierHashInput",
						pk->vhi, &pk->vhi_len) == 0 &&
					    attr_b64(k,
						"encryptedVerifierHashValue",
						pk->vhv, &pk->vhv_len) == 0 &&
					    attr_b64(k, "encryptedKeyValue",
						pk->kv, &pk->kv_len) == 0) {
						pk->spin = (uint32_t)spin;
						have_pk = true;
					}
			xmlFree(uri);
		}
	}
	xmlFreeDoc(doc);
	return have_kd && have_pk ? OFFCRYPT_OPENED : OFFCRYPT_CORRUPT;
}

/* Agile encryption: keys and package */

/* A hash cut or padded with 0x36 to n bytes (2.3.4.11-12). */
static void
fit(const uint8_t *h, size_t hlen, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = i < hlen ? h[i] : 0x36;
}

/* Decrypt one encryptedKey value with the key for blockKey bk. */
static bool
agile_value(const struct agile_params *pk, const uint8_t *hn, const uint8_t *bk,
    const uint8_t *src, size_t n, uint8_t *dst)
{
	uint8_t h[HASH_MAX], key[KEY_MAX], iv[BLOCK];

	if (n == 0 || n % BLOCK != 0)
		return false;
	hash2(pk->hash, hn, pk->hash_len, bk, 8, h);
	fit(h, pk->hash_len, key, pk->key_len);
	fit(pk->salt, pk->salt_len, iv, BLOCK);
	aes_dec(key, pk->key_len, iv, src, n, dst);
	memset(h, 0, sizeof(h));
	memset(key, 0, sizeof(key));
	return true;
}

static enum offcrypt_result
agile_package(const struct agile_params *kd, const uint8_t *secret,
    const unsigned char *pkg, size_t pkg_len, size_t max_out,
    unsigned char **out, size_t *out_len)
{
	uint8_t h[HASH_MAX], iv[BLOCK];
	unsigned char seg[4];
	size_t off, n, need;
	uint64_t size;
	uint32_t i;
	enum offcrypt_result rc;

	if ((rc = package_alloc(pkg, pkg_len, max_out, &size, out)) !=
	    OFFCRYPT_OPENED)
		return rc;
	/* the whole blocks that hold the package's bytes, segment by
	   segment; a prefix of a CBC segment decrypts on its own */
	need = ((size_t)size + BLOCK - 1) / BLOCK * BLOCK;
	if (need > pkg_len - 8) {
		free(*out);
		*out = NULL;
		return OFFCRYPT_CORRUPT;
	}
	for (off = 0, i = 0; off < need; off += n, i++) {
		n = need - off < SEGMENT ? need - off : SEGMENT;
		put_le32(seg, i);
		hash2(kd->hash, kd->salt, kd->salt_len, seg, sizeof(seg), h);
		fit(h, kd->hash_len, iv, BLOCK);
		aes_dec(secret, kd->key_len, iv, pkg + 8 + off, n, *out + off);
	}
	memset(h, 0, sizeof(h));
	*out_len = (size_t)size;
	return OFFCRYPT_OPENED;
}

static enum offcrypt_result
open_agile(const unsigned char *info, size_t info_len, const unsigned char *pkg,
    size_t pkg_len, const unsigned char *pw, size_t pw_len, size_t max_out,
    unsigned char **out, size_t *out_len)
{
	struct agile_params *kd, *pk;
	uint8_t hn[HASH_MAX], input[B64_MAX], value[B64_MAX], check[HASH_MAX];
	uint8_t secret[B64_MAX];
	enum offcrypt_result rc;

	if (info_len <= AGILE_XML)
		return OFFCRYPT_CORRUPT;
	if ((kd = calloc(2, sizeof(*kd))) == NULL)
		return OFFCRYPT_NOMEM;
	pk = kd + 1;
	rc = read_descriptor(info + AGILE_XML, info_len - AGILE_XML, kd, pk);
	if (rc != OFFCRYPT_OPENED)
		goto out;
	spin_hash(pk->hash, pk->salt, pk->salt_len, pw, pw_len, pk->spin, hn);
	rc = OFFCRYPT_CORRUPT;
	if (!agile_value(
		pk, hn, BK_VERIFIER_INPUT, pk->vhi, pk->vhi_len, input) ||
	    !agile_value(
		pk, hn, BK_VERIFIER_VALUE, pk->vhv, pk->vhv_len, value) ||
	    pk->vhi_len < pk->salt_len || pk->vhv_len < pk->hash_len ||
	    !agile_value(pk, hn, BK_KEY_VALUE, pk->kv, pk->kv_len, secret) ||
	    pk->kv_len < kd->key_len)
		goto out;
	hash2(pk->hash, input, pk->salt_len, NULL, 0, check);
	if (memcmp(check, value, pk->hash_len) != 0) {
		rc = OFFCRYPT_WRONG;
		goto out;
	}
	rc = agile_package(kd, secret, pkg, pkg_len, max_out, out, out_len);
out:
	memset(hn, 0, sizeof(hn));
	memset(input, 0, sizeof(input));
	memset(value, 0, sizeof(value));
	memset(check, 0, sizeof(check));
	memset(secret, 0, sizeof(secret));
	memset(kd, 0, 2 * sizeof(*kd));
	free(kd);
	return rc;
}

enum offcrypt_result
officecrypt_open(const unsigned char *info, size_t info_len,
    const unsigned char *pkg, size_t pkg_len, const char *password,
    size_t max_out, unsigned char **out, size_t *out_len)
{
	unsigned char pw[2 * PW_MAX];
	size_t pw_len;
	unsigned major, minor;
	enum offcrypt_result rc;

	*out = NULL;
	*out_len = 0;
	if (info == NULL || info_len < 8 || pkg == NULL || password == NULL)
		return OFFCRYPT_CORRUPT;
	if ((pw_len = password_utf16(password, pw)) == 0)
		return OFFCRYPT_WRONG;
	major = info[0] | (unsigned)info[1] << 8;
	minor = info[2] | (unsigned)info[3] << 8;
	if (major == 4 && minor == 4)
		rc = open_agile(info, info_len, pkg, pkg_len, pw, pw_len,
		    max_out, out, out_len);
	else if (major >= 2 && major <= 4 && (minor == 2 || minor == 3))
		rc = open_standard(info, info_len, pkg, pkg_len, pw, pw_len,
		    max_out, out, out_len);
	else
		rc = OFFCRYPT_WRONG;
	memset(pw, 0, sizeof(pw));
	return rc;
}
