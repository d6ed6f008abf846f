/*
 * notice_sign - the X-DLP-Notice signature: made for a rendered notice,
 * checked by the milter on mail it sees. See notice.h.
 *
 * The body is canonicalised as it streams past (CR removed, trailing
 * empty lines dropped, so an MTA's line-end changes do not break it) and
 * hashed with SHA-256; mac = HMAC-SHA-256(key, "dlp-notice-v1\n" t "\n"
 * hex(body hash)), where key = HMAC-SHA-256(secret, "dlp-notice-v1"): a
 * key derived for notices alone, so the same secret's fingerprint key
 * (derived with another label) cannot sign them. The check compares in
 * constant time and accepts t within max_age and at most 300 seconds in
 * the future. No state but the check's own; thread-safe.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "notice_int.h"

#define SIGN_CONTEXT "dlp-notice-v1"
#define FUTURE_SKEW  300 /* seconds a signature may be ahead of us */

/* The body as signed: CR removed, trailing empty lines dropped. */
struct canon {
	struct sha256_ctx h;
	size_t pending_nl; /* newlines held back until more text comes */
	bool any;
};

static void
canon_init(struct canon *c)
{
	sha256_init(&c->h);
	c->pending_nl = 0;
	c->any = false;
}

static void
canon_update(struct canon *c, const unsigned char *p, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (p[i] != '\r' && p[i] != '\n')
			continue;
		if (i > start) {
			while (c->pending_nl > 0) {
				sha256_update(&c->h, 1, (const uint8_t *)"\n");
				c->pending_nl--;
			}
			sha256_update(&c->h, i - start, p + start);
			c->any = true;
		}
		if (p[i] == '\n')
			c->pending_nl++;
		start = i + 1;
	}
	if (len > start) {
		while (c->pending_nl > 0) {
			sha256_update(&c->h, 1, (const uint8_t *)"\n");
			c->pending_nl--;
		}
		sha256_update(&c->h, len - start, p + start);
		c->any = true;
	}
}

/* The body hash as lower-case hex (65 bytes). */
static void
canon_final(struct canon *c, char *hex)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t i;

	if (c->any)
		sha256_update(&c->h, 1, (const uint8_t *)"\n");
	sha256_digest(&c->h, sizeof(d), d);
	for (i = 0; i < sizeof(d); i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* mac = HMAC(HMAC(secret, context), context "\n" t "\n" bodyhash). */
static void
sign(const unsigned char *secret, size_t secretlen, long long t,
    const char *bodyhash, uint8_t mac[SHA256_DIGEST_SIZE])
{
	struct hmac_sha256_ctx h;
	uint8_t key[SHA256_DIGEST_SIZE];
	char head[64];
	int n;

	hmac_sha256_set_key(&h, secretlen, secret);
	hmac_sha256_update(
	    &h, strlen(SIGN_CONTEXT), (const uint8_t *)SIGN_CONTEXT);
	hmac_sha256_digest(&h, sizeof(key), key);
	hmac_sha256_set_key(&h, sizeof(key), key);
	n = snprintf(head, sizeof(head), SIGN_CONTEXT "\n%lld\n", t);
	hmac_sha256_update(&h, (size_t)n, (const uint8_t *)head);
	hmac_sha256_update(&h, 64, (const uint8_t *)bodyhash);
	hmac_sha256_digest(&h, SHA256_DIGEST_SIZE, mac);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(&h, sizeof(h));
}

/* The header "X-DLP-Notice: v1; t=T;\r\n mac=HEX\r\n" for body, folded
   before mac= so that no line passes 78 characters (RFC 5322). */
void
notice_signature(const unsigned char *key, size_t keylen, long long t,
    const void *body, size_t bodylen, char *out, size_t outlen)
{
	struct canon c;
	uint8_t mac[SHA256_DIGEST_SIZE];
	char hash[65];
	size_t i, k;

	canon_init(&c);
	canon_update(&c, body, bodylen);
	canon_final(&c, hash);
	sign(key, keylen, t, hash, mac);
	i = (size_t)snprintf(
	    out, outlen, NOTICE_HEADER ": v1; t=%lld;\r\n mac=", t);
	for (k = 0; k < sizeof(mac) && i + 3 < outlen; k++)
		i += (size_t)snprintf(out + i, outlen - i, "%02x", mac[k]);
	snprintf(out + i, outlen - i, "\r\n");
	explicit_bzero(mac, sizeof(mac));
}

struct notice_check {
	bool parsed; /* the header value was well formed */
	long long t;
	uint8_t mac[SHA256_DIGEST_SIZE];
	struct canon c;
	bool finished;
	char hash[65];
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* "v1; t=DIGITS; mac=64HEX", whitespace and folding allowed. */
static bool
parse_value(struct notice_check *c, const char *v)
{
	bool have_t = false, have_mac = false;
	const char *p = skip_ws(v);
	size_t i;

	if (strncmp(p, "v1", 2) != 0)
		return false;
	p = skip_ws(p + 2);
	while (*p == ';') {
		p = skip_ws(p + 1);
		if (strncmp(p, "t=", 2) == 0 && !have_t) {
			long long t = 0;

			p += 2;
			for (i = 0; p[i] >= '0' && p[i] <= '9'; i++) {
				if (i >= 18)
					return false;
				t = t * 10 + (p[i] - '0');
			}
			if (i == 0)
				return false;
			c->t = t;
			p += i;
			have_t = true;
		} else if (strncmp(p, "mac=", 4) == 0 && !have_mac) {
			p += 4;
			for (i = 0; i < sizeof(c->mac); i++) {
				int hi = hexval(p[2 * i]), lo;

				if (hi < 0 || (lo = hexval(p[2 * i + 1])) < 0)
					return false;
				c->mac[i] = (uint8_t)(hi << 4 | lo);
			}
			p += 2 * sizeof(c->mac);
			if (hexval(*p) >= 0)
				return false;
			have_mac = true;
		} else
			return false;
		p = skip_ws(p);
	}
	return *p == '\0' && have_t && have_mac;
}

struct notice_check *
notice_check_new(const char *header_value)
{
	struct notice_check *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	canon_init(&c->c);
	c->parsed = header_value != NULL && parse_value(c, header_value);
	return c;
}

void
notice_check_body(struct notice_check *c, const void *data, size_t len)
{
	if (c == NULL || c->finished || !c->parsed)
		return;
	canon_update(&c->c, data, len);
}

bool
notice_check_valid(struct notice_check *c, const unsigned char *key,
    size_t keylen, long long now, long long max_age)
{
	uint8_t mac[SHA256_DIGEST_SIZE], diff = 0;
	size_t i;

	if (c == NULL || !c->parsed || key == NULL || keylen == 0)
		return false;
	if (!c->finished) {
		canon_final(&c->c, c->hash);
		c->finished = true;
	}
	sign(key, keylen, c->t, c->hash, mac);
	for (i = 0; i < sizeof(mac); i++)
		diff |= mac[i] ^ c->mac[i];
	if (diff != 0)
		return false;
	return now - c->t <= max_age && c->t - now <= FUTURE_SKEW;
}

void
notice_check_free(struct notice_check *c)
{
	if (c == NULL)
		return;
	explicit_bzero(c, sizeof(*c));
	free(c);
}
