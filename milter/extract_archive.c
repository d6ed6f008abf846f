/*
 * extract_archive - the members of archives and compressed files: zip, 7z,
 * rar 4/5, tar, cpio, lzh, cab, iso and the single-file compressors
 * (gzip, bzip2, xz, lzma, zstd, lzip, compress), through libarchive from
 * memory, each member handed to extract_member() (which recurses), with
 * encryption judged per member by our own header readers (zipinfo,
 * rarinfo, sevenzip), because libarchive 3.6.2 cannot name ZIP methods,
 * does not see RAR5 encryption and stops at 7z encrypted headers.
 *
 * How a container is read: its signature picks the libarchive format (a
 * RAR5 that holds a stored ZIP must not be read as that ZIP, libarchive
 * issue 2249) and our reader lists its members first ("hints": name in
 * the right charset, encrypted or not, method, packed size). libarchive
 * then walks the members; each is matched to its hint (by position, then
 * by name), encrypted members become encrypted nodes without reading
 * their data (encrypted is libarchive's word, which decides what it can
 * read, and for RAR our reader's too: libarchive cannot see RAR5's),
 * directories and links are counted but get no node, and the data of the
 * rest is read block by block into a buffer bounded by max_member_bytes.
 * Members our reader listed that libarchive never
 * reached (it cannot skip encrypted data in solid RAR4 or 7z) are
 * reported after the walk: encrypted ones as encrypted; plain ones as
 * not inspectable (corrupt), never silently dropped.
 *
 * What marks the container node itself: names hidden by encryption
 * (ZIP central directory encryption, 7z -mhe, RAR -hp) make it encrypted
 * ("pkware-ses-aes-256-headers", "7z-aes-headers", "rar5-headers"),
 * since nothing inside can be listed; a part of a split or multi-volume
 * archive is not inspectable ("split-archive": the other parts arrive,
 * if at all, as other attachments, and a reader of one message cannot
 * put volumes together); damage that stops the walk before its end makes
 * it corrupt (DLP_EINPUT), with the members read before kept.
 *
 * Bombs and budgets: a member's declared size and ratio are checked
 * before its data is touched; while it is read, each block counts against
 * the member's size, its ratio (to its packed size when known, else to
 * the whole input of a single-file compressor) and the message's
 * expanded bytes (extract_budget()), and the read stops at the first
 * block past a limit, so a 42.zip-style bomb costs one block per member
 * past the limit, not its inflated size. Running out of expanded bytes or
 * of time stops the whole container (marked with the limit); a member
 * past its size or ratio stops only itself in a ZIP with a central
 * directory, and the whole container in any other format (skipping it
 * would mean inflating it anyway). Single-file compressors are peeled one layer per call,
 * with exactly one libarchive filter appended and no filter bidding:
 * libarchive 3.6.2 recurses on a self-nesting gzip until it has used
 * gigabytes (test_read_filter_gzip_recursive.gz); one layer per call lets
 * the depth limit end it. Compressed content that starts with zero
 * blocks is an empty tar to libarchive: it is read again as one member.
 * A member refused for its size or ratio is charged to the expanded
 * bytes as if unpacked (see limited()), so a nest of refused members
 * ends too. Decoders allocate their window at once, whatever the data:
 * an LZMA, LZMA2 or PPMd window (ZIP methods 14, 95, 98, 7z coders, xz
 * and .lzma streams) past max_member_bytes is refused unread
 * (limit:size), and the dictionary of a 7z header we unpack ourselves is
 * cut to the header's size.
 *
 * Names: member names become valid UTF-8 (UTF-8 as is, else CP932),
 * without control characters or leading slashes, at most NAME_MAX_LEN
 * bytes. A single-file compressor's content is named after the name a
 * gzip header stores, else after the compressed file's own name without
 * its suffix ("名簿.csv.gz" -> "名簿.csv", ".tgz" -> ".tar"; .gz, .gzip,
 * .bz2, .xz, .lzma, .zst, .lz, .Z), else "data".
 * libarchive converts names to the current locale, which in a daemon is
 * "C" (every non-ASCII name would be lost), so calls that produce names
 * run under a thread-local C.UTF-8 locale (uselocale(), restored at once;
 * nothing global changes).
 *
 * Not done: passwords (an encrypted member is never opened), reassembly
 * of split archives, the contents of archive comments.
 *
 * The file is past 1,000 lines because the matching of libarchive's
 * members to our readers' listings, the budget rules and the decoder
 * memory checks only make sense together; each format's own header
 * parsing lives in zipinfo.c, rarinfo.c and sevenzip.c.
 *
 * Thread-safety: one call uses one libarchive handle of its own; safe
 * with other threads' scans.
 */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "le.h"
#include "buf.h"
#include "charset.h"
#include "extract.h"
#include "rarinfo.h"
#include "sevenzip.h"
#include "zipinfo.h"

#define NAME_MAX_LEN  512	  /* bytes of a member name kept */
#define CHUNK	      65536	  /* bytes read from libarchive at once */
#define TIME_EVERY    16	  /* blocks between two looks at the clock */
#define HDR_7Z_MAX    (64u << 20) /* an unpacked 7z header, at most */
#define UNNAMED	      "(unnamed)"
#define COMPRESSED_AS "data" /* a compressed file's content, unnamed */

enum kind {
	KIND_OTHER = 0, /* tar, cpio, lzh, cab, iso, ... */
	KIND_ZIP,
	KIND_RAR4,
	KIND_RAR5,
	KIND_7Z,
	KIND_FILTER, /* a single-file compressor */
};

/* What our own header reader says of one member. */
struct hint {
	const char *name;	  /* UTF-8; points into the reader's result */
	const unsigned char *raw; /* ZIP: the name's bytes as stored */
	size_t raw_len;
	bool dir;
	bool encrypted;
	const char *method; /* when encrypted */
	bool weak;
	uint64_t packed; /* 0: unknown */
	uint64_t size;
	uint64_t memory; /* what its decoder will allocate, when known */
	bool used;
};

/* One container being read. */
struct session {
	struct extract *x;
	const struct dlp_limits *lim;
	long node;
	unsigned depth;
	enum kind kind;
	struct archive *a;
	locale_t utf8, saved;
	struct hint *hints;
	size_t n_hints, next_hint;
	bool listing_complete;	     /* the hints are every member */
	const char *fallback_method; /* encrypted, no hint: the family */
	uint64_t single_packed;	     /* KIND_FILTER: the whole input */
	const char *single_name;     /* KIND_FILTER: the member's name */
	unsigned count;		     /* members, for extract_count_member */
	size_t unhinted;	     /* libarchive's members without a hint */
	uint64_t unhinted_memory;    /* ZIP: the largest window a local
					header declares (for those) */
	unsigned char *chunk;
	struct buf data;  /* the member being read */
	bool raw_only;	  /* KIND_FILTER: the content is not a tar */
	bool cheap_skip;  /* a member is skipped unread (ZIP with a CD) */
	bool lib_failed;  /* libarchive stopped before the end */
	bool damaged;	  /* a member's data could not be read */
	bool marked;	  /* the container node is marked already */
	const char *mark; /* with this (static) detail, if by us */
	bool stop;	  /* a limit ends the container */
	int rc;		  /* DLP_OK or DLP_PARTIAL so far */
};

/* The outcome of reading one member's data. */
enum got {
	GOT_ALL,
	GOT_LIMIT,  /* a limit stopped it: why says which */
	GOT_BROKEN, /* libarchive failed inside it: what came is kept */
	GOT_ENOMEM,
};

/* Signatures and names */

static bool
has_prefix(const void *data, size_t len, const void *sig, size_t n)
{
	return len >= n && memcmp(data, sig, n) == 0;
}

/* kind_of: the container by its first bytes; *filter for KIND_FILTER */
static enum kind
kind_of(const void *data, size_t len, int *filter)
{
	static const struct {
		const char *sig;
		size_t n;
		int filter;
	} filters[] = {
		{ "\x1f\x8b", 2, ARCHIVE_FILTER_GZIP },
		{ "BZh", 3, ARCHIVE_FILTER_BZIP2 },
		{ "\xfd"
		  "7zXZ\0",
		    6, ARCHIVE_FILTER_XZ },
		{ "\x28\xb5\x2f\xfd", 4, ARCHIVE_FILTER_ZSTD },
		{ "LZIP", 4, ARCHIVE_FILTER_LZIP },
		{ "\x1f\x9d", 2, ARCHIVE_FILTER_COMPRESS },
		{ "\x5d\0\0", 3, ARCHIVE_FILTER_LZMA },
	};
	const char *t;
	size_t i;

	/* extract_signature() also knows a zip by its end record alone:
	   the last part of a split archive, a self-extractor */
	if (has_prefix(data, len, "PK", 2) ||
	    ((t = extract_signature(data, len)) != NULL &&
		strcmp(t, "application/zip") == 0))
		return KIND_ZIP;
	if (has_prefix(data, len, "Rar!\x1a\x07\x01\x00", 8))
		return KIND_RAR5;
	if (has_prefix(data, len, "Rar!\x1a\x07\x00", 7))
		return KIND_RAR4;
	if (has_prefix(data, len, "7z\xbc\xaf\x27\x1c", 6))
		return KIND_7Z;
	for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
		if (has_prefix(data, len, filters[i].sig, filters[i].n)) {
			*filter = filters[i].filter;
			return KIND_FILTER;
		}
	return KIND_OTHER;
}

/*
 * clean_name: raw (n bytes, UTF-8 or else CP932) as a member name:
 * valid UTF-8, at most NAME_MAX_LEN bytes, control characters replaced,
 * leading slashes and "./" dropped, never empty. Returns a malloc'ed
 * string, or NULL when memory ran out.
 */
static char *
clean_name(const char *raw, size_t n)
{
	struct buf b;
	char *s, *p;
	size_t len = 0;

	for (;;) {
		if (n > 0 && (raw[0] == '/' || raw[0] == '\\')) {
			raw++;
			n--;
		} else if (n > 1 && raw[0] == '.' &&
		    (raw[1] == '/' || raw[1] == '\\')) {
			raw += 2;
			n -= 2;
		} else {
			break;
		}
	}
	buf_init(&b, NAME_MAX_LEN);
	if (charset_to_utf8(charset_valid_utf8(raw, n) ? "utf-8" : "cp932", raw,
		n, &b) == CHARSET_ENOMEM) {
		buf_free(&b);
		return NULL;
	}
	if ((s = buf_steal(&b, &len)) == NULL || len == 0) {
		free(s);
		return strdup(UNNAMED);
	}
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '_';
	return s;
}

/* gzip_name: the original name a gzip header stores (FNAME), or NULL */
static char *
gzip_name(const unsigned char *p, size_t len)
{
	size_t off = 10, xlen;
	const unsigned char *end;

	if (len < 10 || p[0] != 0x1f || p[1] != 0x8b || !(p[3] & 0x08))
		return NULL;
	if (p[3] & 0x04) { /* FEXTRA */
		if (len < 12)
			return NULL;
		xlen = (size_t)(p[10] | p[11] << 8);
		off = 12 + xlen;
	}
	if (off >= len ||
	    (end = memchr(p + off, 0, len - off < 4096 ? len - off : 4096)) ==
		NULL ||
	    end == p + off)
		return NULL;
	return clean_name((const char *)p + off, (size_t)(end - (p + off)));
}

/*
 * stripped_name: the base name of a compressed file (node, its path
 * as given to extract_node(); may be NULL) without its compression
 * suffix, malloc'ed; NULL when it has none of them or nothing is left.
 */
static char *
stripped_name(const char *node)
{
	static const struct {
		const char *suffix;
		const char *then; /* what stands in for it */
	} sfx[] = { { ".gz", "" }, { ".gzip", "" }, { ".tgz", ".tar" },
		{ ".taz", ".tar" }, { ".bz2", "" }, { ".bzip2", "" },
		{ ".tbz", ".tar" }, { ".tbz2", ".tar" }, { ".xz", "" },
		{ ".txz", ".tar" }, { ".lzma", "" }, { ".tlz", ".tar" },
		{ ".zst", "" }, { ".zstd", "" }, { ".tzst", ".tar" },
		{ ".lz", "" }, { ".Z", "" } };
	const char *base, *slash;
	size_t n, k, t, i;
	char *out;

	if (node == NULL)
		return NULL;
	base = (slash = strrchr(node, '/')) != NULL ? slash + 1 : node;
	n = strlen(base);
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		k = strlen(sfx[i].suffix);
		if (n <= k ||
		    (strcmp(sfx[i].suffix, ".Z") == 0
			    ? strcmp(base + n - k, ".Z") != 0
			    : strcasecmp(base + n - k, sfx[i].suffix) != 0))
			continue;
		t = strlen(sfx[i].then);
		if ((out = malloc(n - k + t + 1)) == NULL)
			return NULL;
		memcpy(out, base, n - k);
		memcpy(out + n - k, sfx[i].then, t + 1);
		return out;
	}
	return NULL;
}

/* Decoder memory: what a stream's header makes the decoder allocate */

/* xz_vli: an xz variable-length integer at *pos, before end */
static bool
xz_vli(const unsigned char *p, size_t *pos, size_t end, uint64_t *v)
{
	unsigned i;

	*v = 0;
	for (i = 0; i < 9 && *pos < end; i++) {
		*v |= (uint64_t)(p[*pos] & 0x7f) << (7 * i);
		if (!(p[(*pos)++] & 0x80))
			return true;
	}
	return false;
}

/*
 * xz_memory: the largest LZMA2 dictionary the blocks of the xz stream in
 * p (len bytes) declare, following blocks whose headers give their size
 * (what multi-threaded xz writes); UINT64_MAX for a header that lies.
 */
static uint64_t
xz_memory(const unsigned char *p, size_t len)
{
	static const unsigned char check_size[16] = { 0, 4, 4, 4, 8, 8, 8, 16,
		16, 16, 32, 32, 32, 64, 64, 64 };
	static const unsigned char magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	size_t pos = 12, q, end;
	uint64_t max = 0, csize, v, id, psize;
	unsigned blocks, nf, f;

	if (len < 12 || memcmp(p, magic, sizeof(magic)) != 0)
		return 0;
	for (blocks = 0; blocks < 4096 && pos < len && p[pos] != 0; blocks++) {
		end = pos + ((size_t)p[pos] + 1) * 4;
		if (end > len || pos + 2 > end)
			return UINT64_MAX;
		q = pos + 2;
		nf = (p[pos + 1] & 3) + 1;
		csize = 0;
		if ((p[pos + 1] & 0x40) && !xz_vli(p, &q, end, &csize))
			return UINT64_MAX;
		if ((p[pos + 1] & 0x80) && !xz_vli(p, &q, end, &v))
			return UINT64_MAX;
		for (f = 0; f < nf; f++) {
			if (!xz_vli(p, &q, end, &id) ||
			    !xz_vli(p, &q, end, &psize) || psize > end - q)
				return UINT64_MAX;
			if (id == 0x21 && psize >= 1 &&
			    (v = sevenzip_lzma2_dict(p[q])) > max)
				max = v;
			q += (size_t)psize;
		}
		if (!(p[pos + 1] & 0x40) || csize > len - end)
			break; /* the next block cannot be found unread */
		pos = end + (((size_t)csize + 3) & ~(size_t)3) +
		    check_size[p[7] & 0x0f];
	}
	return max;
}

/* method_memory: what the decoder of ZIP method m allocates for the
   data at off. libarchive 3.6 keeps only the low byte of the method
   field (a char), so 0x5b0e is decoded as 14, LZMA: so is it here */
static uint64_t
method_memory(const unsigned char *p, size_t len, uint64_t off, unsigned m)
{
	if (off > len)
		return 0;
	switch (m & 0xff) {
	case 14: /* LZMA: version(2) size(2) lc/lp/pb(1) dictionary(4) */
		return off + 9 <= len ? le32(p + off + 5) : 0;
	case 95: /* xz */
		return xz_memory(p + off, len - (size_t)off);
	case 98: /* PPMd: order(4 bits) memory in MB - 1 (8 bits) */
		return off + 2 <= len
		    ? (uint64_t)((((p[off] | p[off + 1] << 8) >> 4) & 0xff) + 1)
			<< 20
		    : 0;
	default:
		return 0;
	}
}

/*
 * zip_memory: what the decoder of a ZIP member will allocate. The
 * central directory and the local header may name different methods;
 * libarchive decodes with the local header's: the larger of the two
 * counts.
 */
static uint64_t
zip_memory(const unsigned char *p, size_t len, const struct zipinfo_entry *z)
{
	uint64_t off = z->data_off, m, lm;
	unsigned local;

	if (off == 0 || off > len || z->enc != ZIPINFO_ENC_NONE)
		return 0;
	m = method_memory(p, len, off, z->method);
	if (z->local_off <= len && len - z->local_off >= 10 &&
	    (local = le16(p + z->local_off + 8)) != z->method &&
	    (lm = method_memory(p, len, off, local)) > m)
		m = lm;
	return m;
}

/*
 * local_memory: the largest decoder window that any of the first max
 * plain local headers in p declares. A member libarchive gives under a
 * name no directory entry has (it may walk local headers the directory
 * does not list) is one of these, which one is not known.
 */
static uint64_t
local_memory(const unsigned char *p, size_t len, size_t max)
{
	static const unsigned char sig[4] = { 'P', 'K', 3, 4 };
	const unsigned char *q = p;
	uint64_t m = 0, w, off;
	size_t n;

	for (n = 0; n < max && len - (size_t)(q - p) >= 30 &&
	     (q = memmem(q, len - (size_t)(q - p), sig, 4)) != NULL &&
	     len - (size_t)(q - p) >= 30;
	     n++, q += 4) {
		if (le16(q + 6) & 1)
			continue; /* encrypted: never decoded */
		off = (uint64_t)(q - p) + 30 + le16(q + 26) + le16(q + 28);
		if ((w = method_memory(p, len, off, le16(q + 8))) > m)
			m = w;
	}
	return m;
}

/* Sessions */

static void
lib_enter(struct session *s)
{
	if (s->utf8 != (locale_t)0)
		s->saved = uselocale(s->utf8);
}

static void
lib_leave(struct session *s)
{
	if (s->utf8 != (locale_t)0)
		(void)uselocale(s->saved);
}

/* mark_node: the container itself is marked (once: the first reason) */
static void
mark_node(
    struct session *s, enum dlp_encryption enc, const char *detail, bool weak)
{
	if (s->marked)
		return;
	extract_mark(s->x, s->node, enc, detail, weak);
	s->marked = true;
	s->mark = detail;
	if (enc == DLP_ENC_NOT_INSPECTABLE && strncmp(detail, "limit:", 6) == 0)
		s->rc = DLP_PARTIAL;
}

static void
stop_all(struct session *s, const char *why)
{
	mark_node(s, DLP_ENC_NOT_INSPECTABLE, why, false);
	s->stop = true;
	s->rc = DLP_PARTIAL;
}

/*
 * session_open: libarchive on data for the session's kind. Returns
 * DLP_OK, DLP_EINPUT (libarchive does not recognise it) or DLP_EFATAL.
 */
static int
session_open(struct session *s, const void *data, size_t len, int filter)
{
	int r;

	if ((s->a = archive_read_new()) == NULL)
		return DLP_EFATAL;
	switch (s->kind) {
	case KIND_ZIP:
		r = archive_read_support_format_zip(s->a);
		break;
	case KIND_RAR4:
		r = archive_read_support_format_rar(s->a);
		break;
	case KIND_RAR5:
		r = archive_read_support_format_rar5(s->a);
		break;
	case KIND_7Z:
		r = archive_read_support_format_7zip(s->a);
		break;
	case KIND_FILTER:
		/* one layer: tar inside, else the content as one member */
		if ((r = s->raw_only ? ARCHIVE_OK
				     : archive_read_support_format_tar(s->a)) ==
			ARCHIVE_OK &&
		    (r = archive_read_support_format_raw(s->a)) == ARCHIVE_OK)
			r = filter == ARCHIVE_FILTER_COMPRESS
			    /* its init reads the stream's header at once:
			       appended before the open, it reads from no
			       stream at all (NULL) in libarchive 3.6.2; bid
			       for it instead (libarchive stops at 25
			       layers, each read within the budget) */
			    ? archive_read_support_filter_compress(s->a)
			    : archive_read_append_filter(s->a, filter);
		break;
	default:
		/* formats only: no filter bidding (see the file header) */
		r = archive_read_support_format_all(s->a);
		break;
	}
	if (r != ARCHIVE_OK)
		return r == ARCHIVE_FATAL ? DLP_EFATAL : DLP_EINPUT;
	lib_enter(s);
	r = archive_read_open_memory(s->a, (void *)(uintptr_t)data, len);
	lib_leave(s);
	return r == ARCHIVE_OK || r == ARCHIVE_WARN ? DLP_OK : DLP_EINPUT;
}

static void
session_close(struct session *s)
{
	if (s->a != NULL)
		archive_read_free(s->a);
	s->a = NULL;
	buf_free(&s->data);
	if (s->chunk != NULL) {
		explicit_bzero(s->chunk, CHUNK);
		free(s->chunk);
	}
	free(s->hints);
	if (s->utf8 != (locale_t)0)
		freelocale(s->utf8);
}

/* Members */

/* same_name: equal, taking either slash for the other, and a final one */
static bool
same_name(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	while (an > 0 && (a[an - 1] == '/' || a[an - 1] == '\\'))
		an--;
	while (bn > 0 && (b[bn - 1] == '/' || b[bn - 1] == '\\'))
		bn--;
	if (an != bn)
		return false;
	for (i = 0; i < an; i++)
		if (a[i] != b[i] &&
		    !((a[i] == '/' || a[i] == '\\') &&
			(b[i] == '/' || b[i] == '\\')))
			return false;
	return true;
}

static bool
hint_matches(const struct hint *h, const char *name)
{
	size_t n = strlen(name);

	return same_name(h->name, strlen(h->name), name, n) ||
	    (h->raw != NULL &&
		same_name((const char *)h->raw, h->raw_len, name, n));
}

/*
 * find_hint: the hint of the member libarchive calls name (NULL when it
 * could not convert it): the next one in order when its name agrees (or
 * is unknown), else the first unused one of that name, else none (then
 * libarchive's word is taken alone).
 */
static struct hint *
find_hint(struct session *s, const char *name)
{
	struct hint *h;
	size_t i;

	if (s->next_hint < s->n_hints) {
		h = &s->hints[s->next_hint];
		if (!h->used && (name == NULL || hint_matches(h, name))) {
			s->next_hint++;
			return h;
		}
	}
	for (i = 0; name != NULL && i < s->n_hints; i++) {
		h = &s->hints[i];
		if (!h->used && hint_matches(h, name)) {
			s->next_hint = i + 1;
			return h;
		}
	}
	s->unhinted++;
	return NULL;
}

/*
 * read_data: the current member's data into s->data; *why for
 * GOT_LIMIT. packed: its compressed size, 0 when unknown.
 */
static enum got
read_data(struct session *s, uint64_t packed, const char **why)
{
	size_t total = 0;
	unsigned blocks = 0;
	la_ssize_t n;

	for (;;) {
		n = archive_read_data(s->a, s->chunk, CHUNK);
		if (n == 0)
			return GOT_ALL;
		if (n < 0)
			return n == ARCHIVE_WARN ? GOT_ALL : GOT_BROKEN;
		if ((size_t)n > s->lim->max_member_bytes - total) {
			*why = "limit:size";
			return GOT_LIMIT;
		}
		total += (size_t)n;
		if (!extract_ratio_ok(s->x, total, packed)) {
			*why = "limit:ratio";
			return GOT_LIMIT;
		}
		if (!extract_budget(s->x, (size_t)n)) {
			*why = "limit:expanded";
			return GOT_LIMIT;
		}
		if (++blocks % TIME_EVERY == 0 && !extract_time_left(s->x)) {
			*why = "limit:time";
			return GOT_LIMIT;
		}
		switch (buf_append(&s->data, s->chunk, (size_t)n)) {
		case BUF_OK:
			break;
		case BUF_EFULL:
			*why = "limit:size";
			return GOT_LIMIT;
		default:
			return GOT_ENOMEM;
		}
	}
}

/*
 * drain_budget: spend what is left of the message's expanded bytes (less
 * than n), so that every reader above stops at its next block.
 */
static void
drain_budget(struct extract *x, size_t n)
{
	while (n > 0)
		if (!extract_budget(x, n))
			n /= 2;
}

/*
 * limited: a member cut by why after got bytes were read (declared: its
 * size as the headers say, 0 when unknown). A member refused for its
 * size or ratio is charged to the message's expanded bytes as if it had
 * been unpacked up to max_member_bytes (at least one block): otherwise
 * a nested bomb of thousands of refused members (42.zip) would cost
 * nothing but a node each, and nodes without end. Past the budget, or
 * out of time, nothing more can be read; a member cut short in a stream
 * can only be skipped by inflating it: these stop the whole container.
 */
static int
limited(struct session *s, const char *name, size_t got, uint64_t declared,
    const char *why)
{
	uint64_t charge = s->lim->max_member_bytes;
	int rc;

	/* what was read before the cut is in s->data (got bytes) */
	rc = extract_member_cut(s->x, s->node, name,
	    declared > 0 ? (size_t)declared : got,
	    got > 0 ? s->data.data : NULL, got, why);
	s->rc = DLP_PARTIAL;
	/* at least a block: a million tiny refused members are a bomb too */
	if (declared > 0 && declared < charge)
		charge = declared < CHUNK ? CHUNK : declared;
	if ((strcmp(why, "limit:size") == 0 ||
		strcmp(why, "limit:ratio") == 0) &&
	    charge > got && !extract_budget(s->x, (size_t)(charge - got))) {
		drain_budget(s->x, (size_t)(charge - got));
		why = "limit:expanded";
	}
	if (strcmp(why, "limit:expanded") == 0 ||
	    strcmp(why, "limit:time") == 0 || !s->cheap_skip)
		stop_all(s, why);
	return rc;
}

/* plain_member: read and hand over a member that is not encrypted */
static int
plain_member(struct session *s, const char *name, int64_t size, uint64_t packed)
{
	uint64_t declared = size > 0 ? (uint64_t)size : 0;
	const char *why = NULL;
	enum got got;
	int rc;

	/* what the headers declare is checked before anything is inflated */
	if (declared > s->lim->max_member_bytes)
		why = "limit:size";
	else if (declared > 0 && packed > 0 &&
	    declared / packed > s->lim->max_ratio)
		why = "limit:ratio";
	if (why != NULL)
		return limited(s, name, 0, declared, why);
	buf_reset(&s->data);
	got = read_data(s, packed, &why);
	if (got == GOT_ENOMEM)
		return DLP_EFATAL;
	if (got == GOT_LIMIT) {
		rc = limited(s, name, s->data.len, declared, why);
		buf_reset(&s->data);
		return rc;
	}
	if (got == GOT_BROKEN) {
		/* what came before the damage is scanned; the container
		   is corrupt */
		s->damaged = true;
	}
	rc = extract_member(s->x, s->node, s->depth, name, s->data.data,
	    s->data.len, packed > SIZE_MAX ? SIZE_MAX : (size_t)packed);
	buf_reset(&s->data);
	/* a member cut inside is a cut of this container's tree; a
	   damaged member is its own node's business */
	if (rc == DLP_PARTIAL)
		s->rc = DLP_PARTIAL;
	return rc == DLP_EFATAL ? DLP_EFATAL : DLP_OK;
}

/* member_name: the name to report, malloc'ed */
static char *
member_name(struct session *s, const char *lname, const struct hint *h)
{
	if (s->single_name != NULL &&
	    archive_format(s->a) == ARCHIVE_FORMAT_RAW)
		return strdup(s->single_name);
	if (h != NULL)
		return clean_name(h->name, strlen(h->name));
	if (lname != NULL)
		return clean_name(lname, strlen(lname));
	return strdup(UNNAMED);
}

/* one_entry: the member libarchive is at, called lname (may be NULL) */
static int
one_entry(struct session *s, struct archive_entry *e, const char *lname)
{
	const char *method;
	struct hint *h;
	char *name;
	int64_t size;
	uint64_t packed;
	bool enc, weak;
	int rc = DLP_OK;

	h = find_hint(s, lname);
	if (h != NULL)
		h->used = true;
	if (archive_entry_filetype(e) == AE_IFDIR || (h != NULL && h->dir))
		return DLP_OK;
	/* links and devices have no data of their own */
	if (archive_entry_filetype(e) != AE_IFREG ||
	    (archive_entry_hardlink(e) != NULL && archive_entry_size(e) == 0))
		return DLP_OK;
	if ((name = member_name(s, lname, h)) == NULL)
		return DLP_EFATAL;
	size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
	packed = h != NULL ? h->packed : s->single_packed;
	/*
	 * Whether a member is encrypted is libarchive's word where it has
	 * one (it decides what it can read: a ZIP whose directory and
	 * local header disagree is read if it can be); RAR5 encryption it
	 * does not see at all, so for RAR our reader's word counts too.
	 */
	enc = archive_entry_is_data_encrypted(e) > 0 ||
	    (h != NULL && h->encrypted &&
		(s->kind == KIND_RAR4 || s->kind == KIND_RAR5));
	if (enc) {
		method = h != NULL && h->method != NULL ? h->method
							: s->fallback_method;
		weak = h != NULL && h->weak;
		rc = extract_member_opaque(s->x, s->node, name,
		    size > 0 ? (size_t)size : 0, DLP_ENC_ENCRYPTED, method,
		    weak);
	} else if ((h != NULL ? h->memory : s->unhinted_memory) >
	    s->lim->max_member_bytes) {
		/* its decoder's window alone is past what a member may be
		   (without a hint: maybe, and it is not known which) */
		rc = limited(
		    s, name, 0, size > 0 ? (uint64_t)size : 0, "limit:size");
	} else {
		rc = plain_member(s, name, size, packed);
	}
	explicit_bzero(name, strlen(name));
	free(name);
	return rc;
}

/*
 * leftovers: members our reader listed that libarchive did not reach.
 * Encrypted ones are reported. Plain ones could not be read when
 * libarchive failed, or when it ended with fewer members than there are
 * plain ones left (those it gave under other names were read).
 */
static int
leftovers(struct session *s)
{
	struct hint *h;
	char *name;
	size_t i, plain = 0;
	int rc = DLP_OK;

	for (i = 0; i < s->n_hints; i++)
		if (!s->hints[i].used && !s->hints[i].dir &&
		    !s->hints[i].encrypted)
			plain++;
	for (i = 0; i < s->n_hints && !s->stop && rc != DLP_EFATAL; i++) {
		h = &s->hints[i];
		if (h->used || h->dir ||
		    (!h->encrypted && !s->lib_failed && plain <= s->unhinted))
			continue;
		if (!extract_count_member(s->x, s->node, &s->count)) {
			s->rc = DLP_PARTIAL;
			s->marked = true;
			break;
		}
		if ((name = clean_name(h->name, strlen(h->name))) == NULL)
			return DLP_EFATAL;
		if (h->encrypted) {
			rc = extract_member_opaque(s->x, s->node, name,
			    (size_t)h->size, DLP_ENC_ENCRYPTED, h->method,
			    h->weak);
		} else {
			rc = extract_member_opaque(s->x, s->node, name,
			    (size_t)h->size, DLP_ENC_NOT_INSPECTABLE, "corrupt",
			    false);
			s->damaged = true;
		}
		explicit_bzero(name, strlen(name));
		free(name);
	}
	return rc;
}

/* walk: every member; then what libarchive left out */
static int
walk(struct session *s)
{
	struct archive_entry *e;
	const char *lname = NULL;
	int r, rc = DLP_OK;

	while (!s->stop) {
		if (!extract_time_left(s->x)) {
			stop_all(s, "limit:time");
			break;
		}
		lib_enter(s);
		r = archive_read_next_header(s->a, &e);
		if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
			lname = archive_entry_pathname(e);
		lib_leave(s);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			s->lib_failed = true;
			break;
		}
		if (!extract_count_member(s->x, s->node, &s->count)) {
			s->rc = DLP_PARTIAL; /* marked limit:members */
			s->marked = true;
			s->stop = true;
			break;
		}
		if ((rc = one_entry(s, e, lname)) == DLP_EFATAL)
			return rc;
	}
	if (!s->stop && (rc = leftovers(s)) == DLP_EFATAL)
		return rc;
	/* libarchive stopping early is damage, unless our own listing
	   shows that all it missed was encrypted (it cannot skip that) */
	if (s->lib_failed && !s->listing_complete)
		s->damaged = true;
	/* damage is said by DLP_EINPUT, unless a limit marked the node:
	   extract_node() would overwrite that reason with "corrupt" */
	if (s->damaged &&
	    (!s->marked ||
		(s->mark != NULL && strcmp(s->mark, "corrupt") == 0)))
		return DLP_EINPUT;
	return s->rc;
}

/* Formats */

static int
hints_alloc(struct session *s, size_t n)
{
	if (n == 0)
		return DLP_OK;
	if ((s->hints = calloc(n, sizeof(*s->hints))) == NULL)
		return DLP_EFATAL;
	s->n_hints = n;
	return DLP_OK;
}

/*
 * split_members: one part of a split ZIP. Its members are named when
 * this part holds the directory, and none is read: a member's data may
 * start in one part and go on in the next.
 */
static int
split_members(struct session *s, const struct zipinfo *zi)
{
	const struct zipinfo_entry *z;
	char *name;
	size_t i;
	int rc = DLP_OK;

	mark_node(s, DLP_ENC_NOT_INSPECTABLE, "split-archive", false);
	for (i = 0; i < zi->n && rc != DLP_EFATAL; i++) {
		z = &zi->entries[i];
		if (z->dir)
			continue;
		if (!extract_count_member(s->x, s->node, &s->count))
			break;
		if ((name = clean_name(z->name, strlen(z->name))) == NULL)
			return DLP_EFATAL;
		rc = extract_member_opaque(s->x, s->node, name,
		    (size_t)z->usize,
		    z->method_name != NULL ? DLP_ENC_ENCRYPTED
					   : DLP_ENC_NOT_INSPECTABLE,
		    z->method_name != NULL ? z->method_name : "split-archive",
		    z->weak);
		free(name);
	}
	return rc == DLP_EFATAL ? rc : DLP_PARTIAL;
}

/* zip_hints: list the ZIP; returns DLP_OK to go on, else final */
static int
zip_hints(struct session *s, const void *data, size_t len, struct zipinfo **zip)
{
	const struct zipinfo_entry *z;
	struct zipinfo *zi;
	bool weak = false;
	size_t i;
	int rc;

	rc = zipinfo_read(data, len, s->lim->max_members + 1, zip);
	if (rc == ZIPINFO_ENOMEM)
		return DLP_EFATAL;
	if (rc != ZIPINFO_OK)
		return DLP_EINPUT;
	zi = *zip;
	if (zi->split)
		return split_members(s, zi);
	if (zi->cd_encrypted) {
		/* the algorithm's weakness carries over to the names */
		for (i = 0; i < zi->n; i++)
			weak |= zi->entries[i].weak;
		mark_node(s, DLP_ENC_ENCRYPTED, zi->cd_method, weak);
		s->stop = true; /* nothing inside can be listed */
		return DLP_OK;
	}
	if ((rc = hints_alloc(s, zi->n)) != DLP_OK)
		return rc;
	for (i = 0; i < zi->n; i++) {
		z = &zi->entries[i];
		s->hints[i].name = z->name;
		s->hints[i].raw = z->raw;
		s->hints[i].raw_len = z->raw_len;
		s->hints[i].dir = z->dir;
		s->hints[i].encrypted = z->enc != ZIPINFO_ENC_NONE;
		s->hints[i].method = z->method_name;
		s->hints[i].weak = z->weak;
		s->hints[i].packed = z->csize;
		s->hints[i].size = z->usize;
		s->hints[i].memory = zip_memory(data, len, z);
	}
	s->unhinted_memory =
	    local_memory(data, len, (size_t)s->lim->max_members + 1);
	s->listing_complete = zi->has_cd && !zi->damaged && !zi->truncated;
	/* libarchive's seekable reader seeks past a member by its size */
	s->cheap_skip = zi->has_cd;
	/* no central directory: cut or damaged, whatever else is found;
	   what can be read before the damage is still read */
	if (!zi->has_cd) {
		mark_node(s, DLP_ENC_NOT_INSPECTABLE, "corrupt", false);
		s->damaged = true;
	}
	s->fallback_method = "zip-unknown";
	return DLP_OK;
}

static int
rar_hints(struct session *s, const void *data, size_t len, struct rarinfo **rar)
{
	const struct rarinfo_entry *e;
	struct rarinfo *ri;
	size_t i;
	int rc;

	rc = rarinfo_read(data, len, s->lim->max_members + 1, rar);
	if (rc == RARINFO_ENOMEM)
		return DLP_EFATAL;
	if (rc != RARINFO_OK)
		return DLP_EINPUT;
	ri = *rar;
	if (ri->headers_encrypted) {
		mark_node(
		    s, DLP_ENC_ENCRYPTED, rarinfo_method(ri, true), false);
		s->stop = true; /* nothing inside can be listed */
		return DLP_OK;
	}
	if (ri->volume) {
		mark_node(s, DLP_ENC_NOT_INSPECTABLE, "split-archive", false);
		return DLP_PARTIAL;
	}
	if ((rc = hints_alloc(s, ri->n)) != DLP_OK)
		return rc;
	for (i = 0; i < ri->n; i++) {
		e = &ri->entries[i];
		s->hints[i].name = e->name;
		s->hints[i].dir = e->dir;
		s->hints[i].encrypted = e->encrypted;
		s->hints[i].method = rarinfo_method(ri, false);
		s->hints[i].packed = e->packed;
		s->hints[i].size = e->size;
	}
	s->listing_complete = !ri->damaged && !ri->truncated;
	s->fallback_method = rarinfo_method(ri, false);
	return DLP_OK;
}

/*
 * unpack_7z_header: 7-Zip packs its header with LZMA; libarchive's lzma
 * filter unpacks it when given the .lzma ("alone") header: the coder's 5
 * property bytes and the unpacked size. The result goes to sevenzip.
 */
static int
unpack_7z_header(
    struct session *s, const unsigned char *data, struct sevenzip *sz)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	unsigned char *in = NULL;
	struct buf out;
	size_t n = (size_t)sz->hdr_packed, cap;
	uint32_t dict;
	la_ssize_t k;
	int i, rc = DLP_OK;

	cap = s->lim->max_member_bytes < HDR_7Z_MAX ? s->lim->max_member_bytes
						    : HDR_7Z_MAX;
	buf_init(&out, cap);
	if (sz->hdr_size > cap || !extract_budget(s->x, (size_t)sz->hdr_size))
		goto out; /* left to libarchive alone */
	if ((in = malloc(13 + n)) == NULL) {
		rc = DLP_EFATAL;
		goto out;
	}
	/* a dictionary as large as the header is enough to unpack it: the
	   one the archive declares is not trusted (it is allocated) */
	memcpy(in, sz->hdr_props, 5);
	dict = sz->hdr_size < 4096 ? 4096 : (uint32_t)sz->hdr_size;
	if (le32(sz->hdr_props + 1) < dict)
		dict = le32(sz->hdr_props + 1);
	for (i = 0; i < 4; i++)
		in[1 + i] = (unsigned char)(dict >> (8 * i));
	for (i = 0; i < 8; i++)
		in[5 + i] = (unsigned char)(sz->hdr_size >> (8 * i));
	memcpy(in + 13, data + sz->hdr_off, n);
	if ((a = archive_read_new()) == NULL) {
		rc = DLP_EFATAL;
		goto out;
	}
	if (archive_read_support_format_raw(a) != ARCHIVE_OK ||
	    archive_read_append_filter(a, ARCHIVE_FILTER_LZMA) != ARCHIVE_OK ||
	    archive_read_open_memory(a, in, 13 + n) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK)
		goto out;
	while ((k = archive_read_data(a, s->chunk, CHUNK)) > 0)
		if (buf_append(&out, s->chunk, (size_t)k) != BUF_OK)
			goto out;
	if (k < 0 || out.len != sz->hdr_size)
		goto out;
	if (sevenzip_read_header(sz, out.data, out.len,
		s->lim->max_members + 1) == SEVENZIP_ENOMEM)
		rc = DLP_EFATAL;
out:
	if (a != NULL)
		archive_read_free(a);
	free(in);
	buf_free(&out);
	return rc;
}

static int
sevenzip_hints(
    struct session *s, const void *data, size_t len, struct sevenzip **out)
{
	const struct sevenzip_file *f;
	struct sevenzip *sz;
	size_t i;
	int rc;

	rc = sevenzip_read(data, len, s->lim->max_members + 1, out);
	if (rc == SEVENZIP_ENOMEM)
		return DLP_EFATAL;
	if (rc != SEVENZIP_OK)
		return DLP_EINPUT;
	sz = *out;
	if (sz->headers_encrypted) {
		mark_node(s, DLP_ENC_ENCRYPTED, "7z-aes-headers", false);
		s->stop = true; /* nothing inside can be listed */
		return DLP_OK;
	}
	if (sz->cut)
		return DLP_EINPUT;
	if (sz->hdr_lzma && (rc = unpack_7z_header(s, data, sz)) != DLP_OK)
		return rc;
	if (sz->max_memory > s->lim->max_member_bytes) {
		/* libarchive would allocate the dictionary at once */
		stop_all(s, "limit:size");
		return DLP_PARTIAL;
	}
	s->fallback_method = "7z-aes";
	if (!sz->listed)
		return DLP_OK;
	if ((rc = hints_alloc(s, sz->n)) != DLP_OK)
		return rc;
	for (i = 0; i < sz->n; i++) {
		f = &sz->files[i];
		s->hints[i].name = f->name;
		s->hints[i].dir = f->dir;
		s->hints[i].encrypted = f->encrypted;
		s->hints[i].method = "7z-aes";
		s->hints[i].size = f->size;
	}
	s->listing_complete = !sz->damaged && !sz->truncated;
	return DLP_OK;
}

/*
 * filter_hints: a single-file compressor: the name of its content (*name
 * gets what the gzip header stores, malloc'ed, or NULL) and whether its
 * decoder's window fits the limits (it is allocated at once).
 */
static int
filter_hints(
    struct session *s, const void *data, size_t len, int filter, char **name)
{
	uint64_t window = 0;

	if ((*name = gzip_name(data, len)) == NULL)
		*name = stripped_name(extract_name(s->x));
	s->single_name = *name != NULL ? *name : COMPRESSED_AS;
	s->single_packed = len;
	if (filter == ARCHIVE_FILTER_XZ)
		window = xz_memory(data, len);
	else if (filter == ARCHIVE_FILTER_LZMA && len >= 5)
		window = le32((const unsigned char *)data + 1);
	if (window > s->lim->max_member_bytes) {
		stop_all(s, "limit:size");
		return DLP_PARTIAL;
	}
	return DLP_OK;
}

int
extract_archive(
    struct extract *x, long node, unsigned depth, const void *data, size_t len)
{
	struct session s;
	struct zipinfo *zi = NULL;
	struct rarinfo *ri = NULL;
	struct sevenzip *sz = NULL;
	char *single = NULL;
	int filter = 0, rc;

	memset(&s, 0, sizeof(s));
	s.x = x;
	s.lim = extract_limits(x);
	s.node = node;
	s.depth = depth;
	s.kind = kind_of(data, len, &filter);
	s.fallback_method = "encrypted";
	buf_init(&s.data, s.lim->max_member_bytes);
	s.utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if ((s.chunk = malloc(CHUNK)) == NULL) {
		rc = DLP_EFATAL;
		goto out;
	}
	switch (s.kind) {
	case KIND_ZIP:
		rc = zip_hints(&s, data, len, &zi);
		break;
	case KIND_RAR4:
	case KIND_RAR5:
		rc = rar_hints(&s, data, len, &ri);
		break;
	case KIND_7Z:
		rc = sevenzip_hints(&s, data, len, &sz);
		break;
	case KIND_FILTER:
		rc = filter_hints(&s, data, len, filter, &single);
		break;
	default:
		rc = DLP_OK;
		break;
	}
	if (rc != DLP_OK || s.stop)
		goto out;
	/* every member would be past the depth limit: none is read */
	if (depth + 1 > s.lim->max_container_depth) {
		stop_all(&s, "limit:depth");
		rc = DLP_PARTIAL;
		goto out;
	}
	if ((rc = session_open(&s, data, len, filter)) != DLP_OK)
		goto out;
	rc = walk(&s);
	/*
	 * Compressed content that starts with two blocks of zeros is "an
	 * empty tar" to libarchive, which then stops: whatever follows
	 * would never be read. Such content is read again as one member.
	 */
	if (s.kind == KIND_FILTER && rc == DLP_OK && s.count == 0 &&
	    archive_format(s.a) != ARCHIVE_FORMAT_RAW) {
		archive_read_free(s.a);
		s.a = NULL;
		s.raw_only = true;
		if ((rc = session_open(&s, data, len, filter)) != DLP_OK)
			goto out;
		rc = walk(&s);
	}
out:
	session_close(&s);
	zipinfo_free(zi);
	rarinfo_free(ri);
	sevenzip_free(sz);
	free(single);
	return rc;
}
