/*
 * fuzz_charset - text in any charset to UTF-8: charset.h (the Japanese
 * rules, guessing, iconv), the header decoders of mime_header.h (RFC
 * 2047 words, RFC 2231 parameters, raw 8-bit names) and html.h. The
 * first byte picks the label (from a list of what mail declares, or read
 * from the input up to a newline) and the output buffer's maximum;
 * every UTF-8 result must be well-formed UTF-8.
 */
#include "fuzz_common.h"
#include "mime_header.h"

static const char *const labels[] = { NULL, "", "utf-8", "us-ascii",
	"iso-2022-jp", "ISO-2022-JP-2", "shift_jis", "x-sjis", "windows-31j",
	"cp932", "euc-jp", "utf-16", "utf-16le", "utf-16be", "utf-32",
	"unicode-1-1-utf-7", "utf-7", "iso-8859-1", "windows-1252", "gb2312",
	"big5", "euc-kr", "koi8-r", "unknown-8bit", "x-unknown", "8bit",
	"iso-2022-jp-3", "euc-jisx0213", "x-fuzz-nonesuch" };
#define N_LABELS (sizeof(labels) / sizeof(labels[0]))

static void
check_utf8(const struct buf *b)
{
	fz_check(charset_valid_utf8(b->data, b->len));
}

static void
headers(const uint8_t *p, size_t n, struct buf *out)
{
	static const char *const params[] = { "filename", "name", "boundary",
		"charset" };
	size_t name_len, off = 0;
	bool obs;
	int rc;

	name_len = mime_header_name(p, n, &off, &obs);
	fz_check(name_len == 0 || (name_len < n && off <= n));
	buf_reset(out);
	if (mime_header_unfold(p, n, out) == 0)
		fz_check(out->len <= n);
	buf_reset(out);
	if (mime_header_decode(p, n, out) == 0)
		check_utf8(out);
	buf_reset(out);
	if (mime_header_raw_to_utf8(p, n, out) == 0)
		check_utf8(out);
	buf_reset(out);
	rc = mime_header_type(p, n, out);
	/* 0 (no type) appends nothing; an error may leave a part */
	fz_check(rc != 0 || out->len == 0);
	buf_reset(out);
	mime_header_token(p, n, out);
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		buf_reset(out);
		rc = mime_header_param(p, n, params[i],
		    i < 2 ? MIME_HEADER_TEXT : MIME_HEADER_RAW, out);
		if (rc == 1 && i < 2)
			check_utf8(out);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char label[48];
	const char *lab;
	struct buf out;
	size_t i, max;
	int rc;

	if (size < 2)
		return 0;
	max = data[1] & 0x80 ? (size_t)(data[1] & 0x7f) * 16 + 1 : 64u << 20;
	if (data[0] % 64 < N_LABELS) {
		lab = labels[data[0] % 64];
		data += 2;
		size -= 2;
	} else {
		/* the label is in the input: "label\n" then the text */
		data += 2;
		size -= 2;
		for (i = 0;
		     i < size && i < sizeof(label) - 1 && data[i] != '\n'; i++)
			label[i] = (char)data[i];
		label[i] = '\0';
		lab = label;
		i = i < size ? i + 1 : i;
		data += i;
		size -= i;
	}
	buf_init(&out, max);
	rc = charset_to_utf8(lab, data, size, &out);
	fz_check(rc == CHARSET_OK || rc == CHARSET_GUESSED ||
	    rc == CHARSET_EFULL || rc == CHARSET_ENOMEM);
	fz_check(out.len <= max);
	if (rc >= 0)
		check_utf8(&out);
	(void)charset_canonical(lab);
	fz_check(charset_guess(data, size) != NULL);
	buf_free(&out);

	buf_init(&out, max);
	rc = html_to_text((const char *)data, size, &out);
	fz_check(rc == BUF_OK || rc == BUF_EFULL || rc == BUF_ENOMEM);
	buf_free(&out);

	buf_init(&out, max);
	headers(data, size, &out);
	buf_free(&out);
	return 0;
}
