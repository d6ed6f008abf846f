/*
 * fuzz_common.h - what the fuzz targets (tests/fuzz/fuzz_*.c) share: a
 * chunker that splits an input the way the first bytes say, a cheap
 * extraction sink that still runs every byte of text through the charset
 * and HTML code, the fuzzing limits, the source tree's place (for the
 * config and the rules), and a private temporary directory.
 *
 * The same targets build two ways (see the Makefile's fuzz block):
 * with clang's libFuzzer (make fuzz) and with gcc and a plain main()
 * (tests/fuzz/replay_main.c) that replays saved inputs under ASan and
 * UBSan in make test. Nothing here depends on which.
 *
 * A target never prints and never exits: a bug is a sanitizer report or
 * an abort() from a target's own consistency check (fz_check).
 *
 * Include it in one target file only (it defines static functions).
 */
#ifndef DLP_FUZZ_COMMON_H
#define DLP_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <magic.h>

#include "buf.h"
#include "charset.h"
#include "config.h"
#include "extract.h"
#include "html.h"

#define FZ_UNUSED __attribute__((unused))

/* Where the source tree is; the Makefile passes its own directory. */
#ifndef FUZZ_TOP
#define FUZZ_TOP "."
#endif

/* Called by libFuzzer with the input; defined by every target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * fz_check: a target's own oracle (two parses that must agree, a length
 * that must hold). A failure aborts, which both drivers report as a
 * crash with the input saved.
 */
#define fz_check(cond)                                                     \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", \
			    #cond, __FILE__, __LINE__);                    \
			abort();                                           \
		}                                                          \
	} while (0)

/*
 * fz_top: the source tree (DLP_FUZZ_TOP in the environment wins, for a
 * binary run from elsewhere).
 */
FZ_UNUSED static const char *
fz_top(void)
{
	const char *t = getenv("DLP_FUZZ_TOP");

	return t != NULL && *t != '\0' ? t : FUZZ_TOP;
}

/* The cuts of fz_limits(), also applied to a loaded engine's config. */
FZ_UNUSED static void
fz_tune_limits(struct dlp_limits *lim)
{
	lim->max_decoded_bytes = 16u << 20;
	lim->max_part_bytes = 8u << 20;
	lim->max_member_bytes = 16u << 20;
	lim->max_expanded_bytes = 32u << 20;
	lim->max_scan_ms = 5000;
	lim->pdf_max_ms = 2000;
	lim->pdf_max_pages = 50;
}

/*
 * fz_limits: the defaults of config_defaults(), with the totals cut so
 * that one input stays well inside libFuzzer's -rss_limit_mb and
 * -timeout: a bomb then hits a limit (which is what we want covered)
 * rather than the fuzzer's own ceilings.
 */
FZ_UNUSED static void
fz_limits(struct dlp_limits *lim)
{
	struct dlp_config *c = config_defaults();

	if (c == NULL)
		abort();
	*lim = c->limits;
	config_free(c);
	fz_tune_limits(lim);
}

/*
 * A chunker: the first two bytes of an input choose how the rest is
 * split. b0 == 0: the rest in one piece. Otherwise a xorshift generator
 * seeded with both bytes gives each chunk a length of 1 to 2^k bytes,
 * k = 1 + (b1 & 15): from byte-by-byte to 64 KiB pieces.
 */
struct fz_chunker {
	const uint8_t *p;
	size_t left;
	bool whole;
	uint32_t state;
	unsigned shift;
};

FZ_UNUSED static void
fz_chunker_init(struct fz_chunker *c, const uint8_t *data, size_t size)
{
	memset(c, 0, sizeof(*c));
	if (size < 2) {
		c->p = data;
		c->left = 0;
		c->whole = true;
		return;
	}
	c->p = data + 2;
	c->left = size - 2;
	c->whole = data[0] == 0;
	c->state = 0x9e3779b9u ^ ((uint32_t)data[0] << 8 | data[1]);
	c->shift = 1 + (data[1] & 15u);
}

/* fz_chunk_next: the next piece, or false at the end. */
FZ_UNUSED static bool
fz_chunk_next(struct fz_chunker *c, const uint8_t **piece, size_t *len)
{
	size_t n;

	if (c->left == 0)
		return false;
	if (c->whole) {
		n = c->left;
	} else {
		c->state ^= c->state << 13;
		c->state ^= c->state >> 17;
		c->state ^= c->state << 5;
		n = 1 + (c->state & ((1u << c->shift) - 1));
		if (n > c->left)
			n = c->left;
	}
	*piece = c->p;
	*len = n;
	c->p += n;
	c->left -= n;
	return true;
}

/* The payload the chunker splits (the input after its two bytes). */
FZ_UNUSED static size_t
fz_payload(const uint8_t *data, size_t size, const uint8_t **p)
{
	if (size < 2) {
		*p = data;
		return 0;
	}
	*p = data + 2;
	return size - 2;
}

/* A 64-bit FNV-1a, for comparing two runs' event streams. */
FZ_UNUSED static uint64_t
fz_hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FZ_HASH_INIT 0xcbf29ce484222325ULL

FZ_UNUSED static uint64_t
fz_hash_str(uint64_t h, const char *s)
{
	if (s == NULL)
		return fz_hash(h, "\x01", 1);
	return fz_hash(fz_hash(h, s, strlen(s)), "", 1);
}

/*
 * The extraction sink of the extractor targets: nodes are counted, not
 * kept (at most FZ_MAX_NODES, then node_new fails as out of memory
 * would); every piece of text is converted to UTF-8 with its charset
 * (and HTML to text) as the scan does, so those paths see what the
 * extractors produce; marks and labels are checked for NUL termination
 * by reading them.
 */
#define FZ_MAX_NODES 20000
#define FZ_TEXT_MAX  (4u << 20) /* text per extraction, then "full" */

struct fz_sink {
	struct extract_sink sink;
	struct dlp_limits lim;
	magic_t magic;
	long n_nodes;
	size_t text_total;
	size_t touched; /* bytes read from labels: keeps reads alive */
	struct buf conv, html;
};

static long
fz_node_new(void *arg, long parent, const char *name, size_t size)
{
	struct fz_sink *s = arg;

	fz_check(parent < s->n_nodes);
	if (s->n_nodes >= FZ_MAX_NODES)
		return -1;
	s->touched += strlen(name) + size % 7;
	return s->n_nodes++;
}

static void
fz_node_type(void *arg, long node, const char *type)
{
	struct fz_sink *s = arg;

	fz_check(node >= 0 && node < s->n_nodes);
	s->touched += strlen(type);
}

static void
fz_node_mark(void *arg, long node, enum dlp_encryption enc, const char *detail,
    bool weak)
{
	struct fz_sink *s = arg;

	fz_check(node >= 0 && node < s->n_nodes);
	fz_check(enc <= DLP_ENC_NOT_INSPECTABLE);
	s->touched += (detail != NULL ? strlen(detail) : 0) + weak;
}

static int
fz_node_text(void *arg, long node, const char *charset, const void *data,
    size_t len, unsigned flags)
{
	struct fz_sink *s = arg;
	int rc = 0;

	fz_check(node >= 0 && node < s->n_nodes);
	if (len > FZ_TEXT_MAX || s->text_total > FZ_TEXT_MAX - len)
		return -1;
	s->text_total += len;
	buf_reset(&s->conv);
	if (charset_to_utf8(charset, data, len, &s->conv) == CHARSET_ENOMEM)
		rc = -1;
	else if (flags & EXTRACT_TEXT_HTML) {
		buf_reset(&s->html);
		if (html_to_text((const char *)s->conv.data, s->conv.len,
			&s->html) == BUF_ENOMEM)
			rc = -1;
	}
	return rc;
}

static void
fz_node_locate(void *arg, long node, const char *label)
{
	struct fz_sink *s = arg;

	fz_check(node >= 0 && node < s->n_nodes);
	s->touched += strlen(label);
}

static void
fz_node_message(void *arg, long node, const void *data, size_t len)
{
	struct fz_sink *s = arg;

	fz_check(node >= 0 && node < s->n_nodes);
	if (len > 0)
		s->touched += ((const unsigned char *)data)[len - 1];
}

static void
fz_node_done(void *arg, long node)
{
	struct fz_sink *s = arg;

	fz_check(node >= 0 && node < s->n_nodes);
}

static void
fz_node_bytes(void *arg, long node, const void *data, size_t len)
{
	struct fz_sink *s = arg;

	fz_check(node >= 0 && node < s->n_nodes);
	if (len > 0)
		s->touched += ((const unsigned char *)data)[0];
}

/*
 * fz_sink_setup: once per process: limits, libmagic (as the engine
 * opens it), libxml2.
 */
FZ_UNUSED static void
fz_sink_setup(struct fz_sink *s)
{
	size_t bytes_max = 1024 * 1024;

	memset(s, 0, sizeof(*s));
	fz_limits(&s->lim);
	s->sink = (struct extract_sink){ s, fz_node_new, fz_node_type,
		fz_node_mark, fz_node_text, fz_node_locate, fz_node_message,
		fz_node_done, fz_node_bytes, NULL };
	xmlInitParser();
	s->magic = magic_open(
	    MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF);
	if (s->magic == NULL || magic_load(s->magic, NULL) != 0 ||
	    magic_setparam(s->magic, MAGIC_PARAM_BYTES_MAX, &bytes_max) != 0)
		abort();
	buf_init(&s->conv, 16u << 20);
	buf_init(&s->html, 16u << 20);
}

/*
 * fz_extract: run fn over data as node 0 of a fresh extraction (as
 * extract_node() would once the type is known), then finish the node.
 * Returns fn's code, checked to be one of the four.
 */
FZ_UNUSED static int
fz_extract(struct fz_sink *s, extract_fn fn, const uint8_t *data, size_t size)
{
	struct extract *x;
	long node;
	int rc;

	s->n_nodes = 0;
	s->text_total = 0;
	if ((x = extract_new(&s->lim, &s->sink, s->magic)) == NULL)
		return DLP_EFATAL;
	node = fz_node_new(s, -1, "fuzz", size);
	rc = fn(x, node, 0, data, size);
	fz_check(rc == DLP_OK || rc == DLP_PARTIAL || rc == DLP_EINPUT ||
	    rc == DLP_EFATAL);
	fz_node_done(s, node);
	extract_free(x);
	buf_reset(&s->conv);
	buf_reset(&s->html);
	return rc;
}

/*
 * fz_tmpdir: a private directory for targets that must hand a loader a
 * path (made once, removed at exit with what is in it).
 */
static char fz_dir[256];
static char fz_file_path[512];

static void
fz_tmp_cleanup(void)
{
	if (fz_file_path[0] != '\0')
		unlink(fz_file_path);
	if (fz_dir[0] != '\0')
		rmdir(fz_dir);
}

FZ_UNUSED static const char *
fz_tmpdir(const char *file)
{
	const char *t = getenv("TMPDIR");

	if (fz_dir[0] == '\0') {
		snprintf(fz_dir, sizeof(fz_dir), "%s/dlp-fuzz.XXXXXX",
		    t != NULL && *t != '\0' ? t : "/tmp");
		if (mkdtemp(fz_dir) == NULL)
			abort();
		snprintf(
		    fz_file_path, sizeof(fz_file_path), "%s/%s", fz_dir, file);
		atexit(fz_tmp_cleanup);
	}
	return fz_dir;
}

/* fz_write_file: data into the temporary file; aborts when it cannot. */
FZ_UNUSED static const char *
fz_write_file(const char *file, const uint8_t *data, size_t size)
{
	FILE *fp;

	fz_tmpdir(file);
	if ((fp = fopen(fz_file_path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();
	return fz_file_path;
}

#endif
