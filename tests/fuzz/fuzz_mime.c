/*
 * fuzz_mime - the streaming MIME parser (mime.h), fed in chunks whose
 * sizes the input's first two bytes choose (fuzz_common.h), and checked
 * against itself: the same message fed in one piece must give exactly
 * the same events (headers, parts, decoded blocks, defects), because
 * mime.h promises blocks that do not depend on the input's chunking.
 * Every string the parser hands over is read in full.
 */
#include "fuzz_common.h"
#include "mime.h"

struct run {
	uint64_t h;
	size_t parts, bytes;
};

static struct dlp_limits lim;

static uint64_t
hash_part(uint64_t h, const struct mime_part_info *p)
{
	h = fz_hash_str(h, p->path);
	h = fz_hash_str(h, p->content_type);
	h = fz_hash_str(h, p->charset);
	h = fz_hash_str(h, p->filename);
	h = fz_hash_str(h, p->cte);
	h = fz_hash_str(h, p->disposition);
	h = fz_hash_str(h, p->smime_type);
	h = fz_hash_str(h, p->protocol);
	h = fz_hash(h, &p->depth, sizeof(p->depth));
	h = fz_hash(h, &p->is_container, sizeof(p->is_container));
	fz_check(p->path != NULL && p->content_type != NULL);
	fz_check(p->parent == NULL || p->depth == p->parent->depth + 1 ||
	    p->depth == p->parent->depth);
	return h;
}

static void
on_header(void *arg, const struct mime_part_info *part, const char *name,
    const char *value)
{
	struct run *r = arg;

	r->h = fz_hash(r->h, "H", 1);
	r->h = fz_hash_str(r->h, part->path);
	r->h = fz_hash_str(r->h, name);
	r->h = fz_hash_str(r->h, value);
}

static void
on_begin(void *arg, const struct mime_part_info *part)
{
	struct run *r = arg;

	r->parts++;
	r->h = hash_part(fz_hash(r->h, "B", 1), part);
}

static void
on_data(
    void *arg, const struct mime_part_info *part, const void *data, size_t len)
{
	struct run *r = arg;

	fz_check(len > 0 && len <= 8192);
	r->bytes += len;
	r->h = fz_hash(fz_hash(r->h, "D", 1), &len, sizeof(len));
	r->h = fz_hash(r->h, data, len);
}

static void
on_end(void *arg, const struct mime_part_info *part)
{
	struct run *r = arg;

	r->h = hash_part(fz_hash(r->h, "E", 1), part);
	r->h = fz_hash(r->h, &part->defects, sizeof(part->defects));
}

static const struct mime_handler handler = { on_header, on_begin, on_data,
	on_end };

static int
parse(const uint8_t *data, size_t size, bool chunked, struct run *r,
    unsigned *defects)
{
	struct fz_chunker c;
	struct mime_parser *p;
	const uint8_t *piece;
	size_t len;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->h = FZ_HASH_INIT;
	if ((p = mime_new(&lim, &handler, r)) == NULL)
		return -1;
	fz_chunker_init(&c, data, size);
	if (!chunked)
		c.whole = true;
	while (rc == 0 && fz_chunk_next(&c, &piece, &len))
		rc = mime_feed(p, piece, len);
	if (rc == 0)
		rc = mime_finish(p);
	*defects = mime_defects(p);
	mime_free(p);
	return rc;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_limits(&lim);
	/* small enough that fuzzing reaches every limit */
	lim.max_header_bytes = 4096;
	lim.max_header_block_bytes = 16384;
	lim.max_depth = 8;
	lim.max_parts = 64;
	lim.max_decoded_bytes = 1u << 20;
	lim.max_line_bytes = 2048;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run a, b;
	unsigned da, db;
	int ra, rb;

	ra = parse(data, size, true, &a, &da);
	rb = parse(data, size, false, &b, &db);
	if (ra == 0 && rb == 0) {
		fz_check(a.parts == b.parts);
		fz_check(a.bytes == b.bytes);
		fz_check(da == db);
		fz_check(a.h == b.h);
	}
	for (unsigned f = 1; f != 0 && f <= MIME_D_LIMIT_HEADERS; f <<= 1)
		if (da & f)
			fz_check(mime_defect_name(f) != NULL);
	return 0;
}
