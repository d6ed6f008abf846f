/*
 * attach_msg - a file as the only attachment of a small message. See
 * attach_msg.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "attach_msg.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
attach_msg_head(
    struct buf *b, const char *path, const char *from, const char *rcpt)
{
	const char *base = strrchr(path, '/');
	char name[ATTACH_MSG_NAME + 4];
	size_t i, o = 0;
	int rc;

	base = base ? base + 1 : path;
	/* RFC 2231 percent-encoding keeps any name in a header */
	for (i = 0; base[i] != '\0' && o + 3 <= ATTACH_MSG_NAME; i++) {
		unsigned char c = (unsigned char)base[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("._-", c) != NULL) {
			name[o++] = (char)c;
		} else {
			snprintf(name + o, 4, "%%%02X", c);
			o += 3;
		}
	}
	name[o] = '\0';
	if ((rc = buf_puts(b, "From: <")) != BUF_OK ||
	    (rc = buf_puts(b, from)) != BUF_OK ||
	    (rc = buf_puts(b, ">\r\nTo: <")) != BUF_OK ||
	    (rc = buf_puts(b, rcpt)) != BUF_OK)
		return rc;
	if ((rc = buf_puts(b,
		 ">\r\nSubject: dlp-scan --attachment\r\n"
		 "MIME-Version: 1.0\r\n"
		 "Content-Type: multipart/mixed; "
		 "boundary=\"=_dlp_scan_file\"\r\n"
		 "\r\n--=_dlp_scan_file\r\n"
		 "Content-Type: application/octet-stream\r\n"
		 "Content-Disposition: attachment; filename*=UTF-8''")) !=
	    BUF_OK)
		return rc;
	if ((rc = buf_puts(b, name)) != BUF_OK)
		return rc;
	return buf_puts(b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
}

int
attach_msg_base64(struct buf *b, const unsigned char *in, size_t len)
{
	char line[80];
	size_t i, o = 0;
	int rc;

	for (i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		line[o++] = b64[(v >> 18) & 63];
		line[o++] = b64[(v >> 12) & 63];
		line[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		line[o++] = i + 2 < len ? b64[v & 63] : '=';
		if (o == 76 || i + 3 >= len) {
			line[o++] = '\n';
			if ((rc = buf_append(b, line, o)) != BUF_OK)
				return rc;
			o = 0;
		}
	}
	return BUF_OK;
}
