/*
 * notice_mime - the header fields and encodings of a notice message:
 * base64 bodies in lines of 76, RFC 2047 B encoded-words of UTF-8 (each
 * at most 75 characters, never splitting a character, folded so no line
 * passes 76), From/To/Subject built from untrusted values without a
 * way to add a header line (controls, CR and LF never pass), an RFC 5322
 * date in the local zone, random hex from getrandom(). See notice.h.
 *
 * Pure functions over struct buf; thread-safe.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "notice_int.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
notice_base64(struct buf *b, const unsigned char *in, size_t len, bool lines)
{
	char q[4];
	size_t i, col = 0;
	int rc = BUF_OK;

	for (i = 0; i < len && rc == BUF_OK; i += 3) {
		uint32_t x = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			x |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			x |= in[i + 2];
		q[0] = b64[x >> 18 & 63];
		q[1] = b64[x >> 12 & 63];
		q[2] = i + 1 < len ? b64[x >> 6 & 63] : '=';
		q[3] = i + 2 < len ? b64[x & 63] : '=';
		rc = buf_append(b, q, 4);
		col += 4;
		if (lines && rc == BUF_OK && (col == 76 || i + 3 >= len)) {
			rc = buf_puts(b, "\r\n");
			col = 0;
		}
	}
	return rc;
}

/*
 * s as RFC 2047 B encoded-words of UTF-8, each at most 75 characters and
 * never splitting a character, folded so that no line passes 76: the
 * first word has room characters, the next ones a line each.
 */
static int
encode_words(struct buf *b, const char *s, size_t room)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, take, max;
	int rc = BUF_OK;
	bool first = true;

	if (room < 20)
		room = 20;
	do {
		size_t word = first ? room : 75;

		if (word > 75)
			word = 75;
		max = (word - 12) / 4 * 3; /* "=?UTF-8?B?" "?=" */
		take = n - i < max ? n - i : max;
		while (take > 0 && i + take < n && (p[i + take] & 0xc0) == 0x80)
			take--;
		if (!first)
			rc = buf_puts(b, "\r\n ");
		if (rc == BUF_OK)
			rc = buf_puts(b, "=?UTF-8?B?");
		if (rc == BUF_OK)
			rc = notice_base64(b, p + i, take, false);
		if (rc == BUF_OK)
			rc = buf_puts(b, "?=");
		i += take;
		first = false;
	} while (i < n && rc == BUF_OK && take > 0);
	return rc;
}

static bool
plain_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* A header field whose value is free text (encoded when it must be). */
int
notice_header_text(struct buf *b, const char *name, const char *value)
{
	size_t used = strlen(name) + 2;
	int rc;

	if ((rc = buf_puts(b, name)) != BUF_OK ||
	    (rc = buf_puts(b, ": ")) != BUF_OK)
		return rc;
	if (plain_ascii(value) && strstr(value, "=?") == NULL &&
	    used + strlen(value) <= 78)
		rc = buf_puts(b, value);
	else
		rc = encode_words(b, value, 76 - used);
	return rc == BUF_OK ? buf_puts(b, "\r\n") : rc;
}

/* An address for a header: no controls, no spaces, no brackets. */
static int
addr_into(struct buf *b, const char *a)
{
	size_t n, i;
	int rc = BUF_OK;

	while (*a == ' ' || *a == '<')
		a++;
	n = strlen(a);
	while (n > 0 && (a[n - 1] == '>' || a[n - 1] == ' '))
		n--;
	if (n > 320)
		n = 320;
	for (i = 0; i < n && rc == BUF_OK; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != ',')
			rc = buf_putc(b, c);
	}
	return rc;
}

/* From: "Name <addr>", the name quoted or encoded as it needs. */
int
notice_header_from(struct buf *b, const char *from)
{
	const char *lt = strrchr(from, '<');
	char *name = NULL;
	struct buf addr;
	size_t n, i, col;
	int rc;

	if ((rc = buf_puts(b, "From: ")) != BUF_OK)
		return rc;
	if (lt != NULL && lt > from) {
		n = (size_t)(lt - from);
		while (n > 0 && from[n - 1] == ' ')
			n--;
		if ((name = strndup(from, n)) == NULL)
			return BUF_ENOMEM;
		for (i = 0; name[i] == '"' || name[i] == ' '; i++)
			;
		memmove(name, name + i, strlen(name + i) + 1);
		n = strlen(name);
		while (n > 0 && name[n - 1] == '"')
			name[--n] = '\0';
	}
	if (name != NULL && *name != '\0') {
		char *c = notice_clean(name, 200);

		if (c == NULL)
			rc = BUF_ENOMEM;
		else if (plain_ascii(c) && strstr(c, "=?") == NULL) {
			rc = buf_putc(b, '"');
			for (i = 0; c[i] != '\0' && rc == BUF_OK; i++) {
				if (c[i] == '"' || c[i] == '\\')
					rc = buf_putc(b, '\\');
				if (rc == BUF_OK)
					rc = buf_putc(b, c[i]);
			}
			if (rc == BUF_OK)
				rc = buf_putc(b, '"');
		} else
			rc = encode_words(b, c, 70);
		free(c);
	}
	free(name);
	if (rc != BUF_OK)
		return rc;
	/* the address on the name's line when it fits in 78 */
	buf_init(&addr, 400);
	if ((rc = buf_putc(&addr, '<')) == BUF_OK &&
	    (rc = addr_into(&addr, lt != NULL ? lt : from)) == BUF_OK &&
	    (rc = buf_putc(&addr, '>')) == BUF_OK) {
		for (col = 0; col < b->len && b->data[b->len - col - 1] != '\n';
		     col++)
			;
		if (col > 6)
			rc = buf_puts(
			    b, col + 1 + addr.len > 78 ? "\r\n " : " ");
		if (rc == BUF_OK)
			rc = buf_append(b, addr.data, addr.len);
		if (rc == BUF_OK)
			rc = buf_puts(b, "\r\n");
	}
	buf_free(&addr);
	return rc;
}

int
notice_header_to(
    struct buf *b, const char *const *to, size_t n, const char *dflt)
{
	const char *one[1] = { dflt };
	size_t i, col = 4, mark;
	int rc;

	if (n == 0 && dflt != NULL) {
		to = one;
		n = 1;
	}
	rc = buf_puts(b, "To: ");
	if (n == 0 && rc == BUF_OK)
		rc = buf_puts(b, "undisclosed-recipients:;");
	for (i = 0; i < n && rc == BUF_OK; i++) {
		if (i > 0) {
			bool fold = col > 60;

			rc = buf_puts(b, fold ? ",\r\n " : ", ");
			col = fold ? 1 : col + 2;
		}
		mark = b->len;
		if (rc == BUF_OK)
			rc = buf_putc(b, '<');
		if (rc == BUF_OK)
			rc = addr_into(b, to[i] != NULL ? to[i] : "");
		if (rc == BUF_OK)
			rc = buf_putc(b, '>');
		col += b->len - mark;
	}
	return rc == BUF_OK ? buf_puts(b, "\r\n") : rc;
}

static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };
static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* RFC 5322 date in the local zone: "Sun, 22 Nov 2026 19:15:00 +0900". */
void
notice_date(long long t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;
	long off;

	if (localtime_r(&tt, &tm) == NULL)
		gmtime_r(&tt, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(out, outlen, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    wday[tm.tm_wday % 7], tm.tm_mday, mon[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

void
notice_random_hex(char *out, size_t nbytes)
{
	unsigned char r[16] = { 0 };
	size_t got = 0, i;
	ssize_t n;

	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	while (got < nbytes) {
		n = getrandom(r + got, nbytes - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	for (i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* The domain of the From: address, for Message-ID. */
void
notice_from_domain(const char *from, char *out, size_t outlen)
{
	const char *at = from ? strrchr(from, '@') : NULL;
	size_t o = 0;

	if (at != NULL)
		for (at++; *at != '\0' && *at != '>' && o + 1 < outlen; at++)
			if ((*at >= 'a' && *at <= 'z') ||
			    (*at >= 'A' && *at <= 'Z') ||
			    (*at >= '0' && *at <= '9') || *at == '.' ||
			    *at == '-')
				out[o++] = *at;
	if (o == 0)
		snprintf(out, outlen, "dlp-milter.invalid");
	else
		out[o] = '\0';
}
