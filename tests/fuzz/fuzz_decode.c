/*
 * fuzz_decode - the transfer decoders (decode.h): base64,
 * quoted-printable, x-uuencode and identity. The input's first byte
 * picks the decoder, the next two the chunking (fuzz_common.h). Checks
 * decode.h's promises: blocks of at most DECODE_BLOCK bytes, the same
 * blocks and the same damage flags whatever the chunking, and no more
 * output than a decoder can make of its input.
 */
#include "decode.h"
#include "fuzz_common.h"

struct out {
	uint64_t h;
	size_t bytes, calls;
};

static int
on_out(void *arg, const void *data, size_t len)
{
	struct out *o = arg;

	fz_check(len > 0 && len <= DECODE_BLOCK);
	o->bytes += len;
	o->calls++;
	o->h = fz_hash(fz_hash(o->h, &len, sizeof(len)), data, len);
	return 0;
}

static unsigned
run(enum decode_kind kind, const uint8_t *data, size_t size, bool chunked,
    struct out *o)
{
	struct decoder d;
	struct fz_chunker c;
	const uint8_t *piece;
	size_t len;
	unsigned errors;

	memset(o, 0, sizeof(*o));
	o->h = FZ_HASH_INIT;
	decode_init(&d, kind, on_out, o);
	fz_chunker_init(&c, data, size);
	if (!chunked)
		c.whole = true;
	while (fz_chunk_next(&c, &piece, &len))
		fz_check(decode_feed(&d, piece, len) == 0);
	fz_check(decode_finish(&d) == 0);
	errors = d.errors;
	decode_wipe(&d);
	return errors;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ctes[] = { "base64", "quoted-printable",
		"x-uuencode", "7bit", "BASE64", "x-unknown", NULL, "" };
	enum decode_kind kind;
	struct out a, b;
	unsigned ea, eb;
	const uint8_t *payload;
	size_t plen;
	bool known;

	if (size < 1)
		return 0;
	kind = decode_kind_of(ctes[data[0] & 7], &known);
	data++;
	size--;
	ea = run(kind, data, size, true, &a);
	eb = run(kind, data, size, false, &b);
	fz_check(ea == eb);
	fz_check(a.bytes == b.bytes && a.h == b.h);
	plen = fz_payload(data, size, &payload);
	if (kind == DECODE_BASE64)
		fz_check(a.bytes <= plen / 4 * 3 + 3);
	else if (kind != DECODE_UU)
		fz_check(a.bytes <= plen);
	for (size_t i = 0; i < plen && i < 64; i++)
		fz_check(decode_hexval(payload[i]) < 16);
	return 0;
}
