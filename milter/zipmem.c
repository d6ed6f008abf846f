/*
 * zipmem - read named members of a zip archive held in memory.
 *
 * libarchive's seekable zip reader walks the central directory and returns
 * the members in the order of their local headers; the index of a member
 * here is its place in that walk, so reading member i means asking for
 * headers until the i-th one. The reader stays open between reads: members
 * read in ascending order cost one walk in all, and only going back
 * reopens it. When the seekable reader cannot start (no central
 * directory: a truncated or streamed zip) the streaming reader of local
 * headers is used instead, and the archive is reported damaged.
 *
 * The compressed bytes of a member are counted with archive_filter_bytes()
 * on the raw stream: libarchive consumes exactly what the decompressor
 * used, so the running ratio of bytes produced to bytes consumed is the
 * member's true ratio so far, whatever its headers claim.
 *
 * Limits and thread-safety: see zipmem.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "zipmem.h"

struct zipmem {
	const void *data;
	size_t len;
	bool streaming;	   /* the streaming reader (no central directory) */
	struct archive *a; /* open reader, or NULL */
	size_t pos;	   /* headers the open reader has returned */
	struct zipmem_entry *e;
	size_t n, cap;
	size_t *sorted; /* files by name (ASCII case-insensitive), index */
	size_t nsorted;
};

static int index_names(struct zipmem *z);

static void
reader_close(struct zipmem *z)
{
	if (z->a != NULL)
		archive_read_free(z->a);
	z->a = NULL;
	z->pos = 0;
}

/* Returns DLP_OK, DLP_EINPUT or DLP_EFATAL. */
static int
reader_open(struct zipmem *z)
{
	int rc;

	reader_close(z);
	if ((z->a = archive_read_new()) == NULL)
		return DLP_EFATAL;
	rc = z->streaming ? archive_read_support_format_zip_streamable(z->a)
			  : archive_read_support_format_zip_seekable(z->a);
	if (rc != ARCHIVE_OK)
		goto fail;
	/* libarchive does not write through the pointer; its API predates
	   const for this argument */
	rc = archive_read_open_memory(z->a, (void *)(uintptr_t)z->data, z->len);
	if (rc != ARCHIVE_OK)
		goto fail;
	return DLP_OK;
fail:
	rc = archive_errno(z->a) == ENOMEM ? DLP_EFATAL : DLP_EINPUT;
	reader_close(z);
	return rc;
}

/*
 * Advance the open reader to the next header. Returns 1 with *ep set, 0
 * at the end, or -1 when the archive is damaged (the reader is closed).
 */
static int
reader_next(struct zipmem *z, struct archive_entry **ep)
{
	int rc;

	rc = archive_read_next_header(z->a, ep);
	if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN) {
		z->pos++;
		return 1;
	}
	if (rc == ARCHIVE_EOF)
		return 0;
	reader_close(z);
	return -1;
}

static const char *
entry_name(struct archive_entry *ae)
{
	const char *s;

	if ((s = archive_entry_pathname(ae)) == NULL)
		s = archive_entry_pathname_utf8(ae);
	return s != NULL ? s : "";
}

/* Returns DLP_OK or DLP_EFATAL. */
static int
list_add(struct zipmem *z, struct archive_entry *ae)
{
	struct zipmem_entry *e, *ne;
	size_t ncap;
	int64_t size;

	if (z->n == z->cap) {
		ncap = z->cap ? z->cap * 2 : 32;
		if (ncap > SIZE_MAX / sizeof(*ne))
			return DLP_EFATAL;
		if ((ne = realloc(z->e, ncap * sizeof(*ne))) == NULL)
			return DLP_EFATAL;
		z->e = ne;
		z->cap = ncap;
	}
	e = &z->e[z->n];
	memset(e, 0, sizeof(*e));
	if ((e->name = strdup(entry_name(ae))) == NULL)
		return DLP_EFATAL;
	size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0;
	e->size = size > 0 && (uint64_t)size <= SIZE_MAX ? (size_t)size : 0;
	e->encrypted = archive_entry_is_encrypted(ae) != 0;
	e->directory = archive_entry_filetype(ae) == AE_IFDIR;
	z->n++;
	return DLP_OK;
}

/* One listing walk. Returns DLP_OK, DLP_PARTIAL, DLP_EINPUT, DLP_EFATAL. */
static int
list(struct zipmem *z, size_t max_entries)
{
	struct archive_entry *ae;
	int rc, r;

	if ((rc = reader_open(z)) != DLP_OK)
		return rc;
	while ((r = reader_next(z, &ae)) == 1) {
		if (z->n >= max_entries)
			return DLP_PARTIAL;
		if ((rc = list_add(z, ae)) != DLP_OK)
			return rc;
	}
	return r == 0 ? DLP_OK : DLP_EINPUT;
}

int
zipmem_open(
    const void *data, size_t len, size_t max_entries, struct zipmem **zp)
{
	struct zipmem *z;
	int rc;

	*zp = NULL;
	if ((z = calloc(1, sizeof(*z))) == NULL)
		return DLP_EFATAL;
	z->data = data;
	z->len = len;
	rc = list(z, max_entries);
	if (rc == DLP_EINPUT && z->n == 0) {
		/* no central directory: read the local headers instead */
		z->streaming = true;
		rc = list(z, max_entries);
		if (rc == DLP_OK || rc == DLP_PARTIAL)
			rc = DLP_EINPUT;
	}
	if (rc == DLP_EFATAL || index_names(z) != DLP_OK) {
		zipmem_free(z);
		return DLP_EFATAL;
	}
	*zp = z;
	return rc;
}

void
zipmem_free(struct zipmem *z)
{
	size_t i;

	if (z == NULL)
		return;
	reader_close(z);
	for (i = 0; i < z->n; i++) {
		/* member names may be personal data ("山田太郎.xlsx") */
		explicit_bzero(z->e[i].name, strlen(z->e[i].name));
		free(z->e[i].name);
	}
	free(z->e);
	free(z->sorted);
	free(z);
}

bool
zipmem_any_encrypted(const struct zipmem *z)
{
	size_t i;

	for (i = 0; i < zipmem_count(z); i++)
		if (zipmem_entry(z, i)->encrypted)
			return true;
	return false;
}

size_t
zipmem_count(const struct zipmem *z)
{
	return z->n;
}

const struct zipmem_entry *
zipmem_entry(const struct zipmem *z, size_t i)
{
	return i < z->n ? &z->e[i] : NULL;
}

static int
by_name(const void *pa, const void *pb, void *arg)
{
	const struct zipmem *z = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = strcasecmp(z->e[a].name, z->e[b].name);

	if (c != 0)
		return c;
	return a < b ? -1 : a > b;
}

/*
 * The index of files by name, so that a package of many parts is not
 * searched from the start for each: a name looked up per sheet would make
 * ten thousand sheets cost a hundred million comparisons.
 */
static int
index_names(struct zipmem *z)
{
	size_t i;

	if (z->n == 0)
		return DLP_OK;
	if ((z->sorted = calloc(z->n, sizeof(*z->sorted))) == NULL)
		return DLP_EFATAL;
	for (i = 0; i < z->n; i++)
		if (!z->e[i].directory)
			z->sorted[z->nsorted++] = i;
	qsort_r(z->sorted, z->nsorted, sizeof(*z->sorted), by_name, z);
	return DLP_OK;
}

long
zipmem_find(const struct zipmem *z, const char *name)
{
	size_t lo = 0, hi = z->nsorted, mid;
	int c;

	if (*name == '/')
		name++;
	/* the first of equal names: the one listed first */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcasecmp(z->e[z->sorted[mid]].name, name);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < z->nsorted && strcasecmp(z->e[z->sorted[lo]].name, name) == 0)
		return (long)z->sorted[lo];
	return -1;
}

/* Position the reader on member i. Returns DLP_OK, DLP_EINPUT, EFATAL. */
static int
seek_member(struct zipmem *z, size_t i)
{
	struct archive_entry *ae = NULL;
	int rc, r;

	if (z->a == NULL || z->pos > i) {
		if ((rc = reader_open(z)) != DLP_OK)
			return rc;
	}
	while (z->pos <= i) {
		if ((r = reader_next(z, &ae)) != 1) {
			reader_close(z);
			return DLP_EINPUT;
		}
	}
	/* the same walk must give the same member, else the archive
	   changed its mind (duplicate or inconsistent directories) */
	if (ae == NULL || strcmp(entry_name(ae), z->e[i].name) != 0) {
		reader_close(z);
		return DLP_EINPUT;
	}
	return DLP_OK;
}

/*
 * May n more bytes be produced, got already, from consumed compressed
 * bytes? NULL, or the limit that says no. The size limit is the caller's.
 */
static const char *
check_limits(
    struct extract *x, unsigned flags, size_t got, size_t n, int64_t consumed)
{
	const struct dlp_limits *lim = extract_limits(x);
	uint64_t total = (uint64_t)got + n;

	if (lim->max_ratio > 0 && total > ZIPMEM_RATIO_FLOOR &&
	    total / (uint64_t)(consumed > 0 ? consumed : 1) > lim->max_ratio)
		return "limit:ratio";
	if (!extract_time_left(x))
		return "limit:time";
	if (!(flags & ZIPMEM_NOBUDGET) && !extract_budget(x, n))
		return "limit:expanded";
	return NULL;
}

int
zipmem_read(struct zipmem *z, struct extract *x, size_t i, unsigned flags,
    zipmem_fn fn, void *arg, size_t *packed, const char **why)
{
	const void *p;
	const char *cut = NULL;
	size_t n, got = 0, max = extract_limits(x)->max_member_bytes;
	la_int64_t off;
	int64_t start, consumed = 0;
	bool damaged = false;
	int rc, r;

	if (packed != NULL)
		*packed = 0;
	if (i >= z->n || z->e[i].encrypted)
		goto corrupt;
	if ((rc = seek_member(z, i)) != DLP_OK) {
		if (rc == DLP_EINPUT)
			goto corrupt;
		return rc;
	}
	start = archive_filter_bytes(z->a, -1);
	for (;;) {
		r = archive_read_data_block(z->a, &p, &n, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_WARN) {
			/* a bad CRC: the bytes were given, they may lie */
			damaged = true;
			if (n == 0)
				break;
		} else if (r != ARCHIVE_OK) {
			rc = archive_errno(z->a) == ENOMEM ? DLP_EFATAL
							   : DLP_EINPUT;
			reader_close(z);
			if (rc == DLP_EINPUT)
				goto corrupt;
			return rc;
		}
		consumed = archive_filter_bytes(z->a, -1) - start;
		if (packed != NULL && consumed > 0)
			*packed = (size_t)consumed;
		if (n == 0)
			continue;
		/* what fits below the size limit is still read */
		cut = NULL;
		if (n > max - got) {
			n = max - got;
			cut = "limit:size";
		}
		if (n > 0) {
			const char *c =
			    check_limits(x, flags, got, n, consumed);

			if (c != NULL) {
				cut = c;
				break;
			}
			got += n;
			if ((rc = fn(arg, p, n)) != DLP_OK)
				return rc;
		}
		if (cut != NULL)
			break;
	}
	if (cut != NULL) {
		if (why != NULL)
			*why = cut;
		return DLP_PARTIAL;
	}
	if (!damaged)
		return DLP_OK;
corrupt:
	if (why != NULL)
		*why = "corrupt";
	return DLP_EINPUT;
}

static int
collect(void *arg, const void *data, size_t len)
{
	struct buf *b = arg;
	int rc;

	/* the size limit stops the read first: BUF_EFULL cannot happen */
	if ((rc = buf_append(b, data, len)) == BUF_ENOMEM)
		return DLP_EFATAL;
	return rc == BUF_OK ? DLP_OK : DLP_EINPUT;
}

int
zipmem_extract(struct zipmem *z, struct extract *x, long parent, unsigned depth,
    size_t i, unsigned *count)
{
	const struct zipmem_entry *e = zipmem_entry(z, i);
	const char *why = NULL;
	struct buf b;
	int rc;

	if (e == NULL || e->directory)
		return DLP_OK;
	if (!extract_count_member(x, parent, count))
		return DLP_PARTIAL;
	if (e->encrypted)
		/* the package's own zip encryption is not a document's:
		   readable members are read, this one cannot be */
		return extract_member_opaque(x, parent, e->name, e->size,
		    DLP_ENC_NOT_INSPECTABLE, "corrupt", false);
	/* the child's bytes count once, in extract_member() */
	buf_init(&b, extract_limits(x)->max_member_bytes);
	rc = zipmem_read(z, x, i, ZIPMEM_NOBUDGET, collect, &b, NULL, &why);
	if (rc == DLP_OK)
		/* the ratio was judged while reading, past the floor that
		   small members need (an OLE object of zero padding deflates
		   far past any ratio): packed is not passed on */
		rc = extract_member(x, parent, depth, e->name,
		    b.data != NULL ? (const void *)b.data : "", b.len, 0);
	else if (rc == DLP_PARTIAL || rc == DLP_EINPUT)
		rc = extract_member_opaque(x, parent, e->name, e->size,
			 DLP_ENC_NOT_INSPECTABLE, why ? why : "corrupt",
			 false) == DLP_OK
		    ? rc
		    : DLP_EFATAL;
	buf_free(&b);
	/* the child is marked: its damage is not the parent's */
	return rc == DLP_EINPUT ? DLP_OK : rc;
}
