/*
 * zipinfo - our own reader of a ZIP file's directory. See zipinfo.h.
 *
 * The reading order follows what unzip and libarchive's seekable reader
 * do: find the end record from the end of the file (the last 64 KiB plus
 * its size, since a comment may follow it), prefer the ZIP64 record when
 * its locator is there, locate the central directory (where the record
 * says, or right before the record when a prefix such as a
 * self-extractor moved everything: the difference corrects every local
 * offset), read each central entry, then the member's local header for
 * the flags and extras that only it carries. Everything found is checked
 * against the buffer first; a field that points outside makes the entry
 * or the directory "damaged", never a read out of bounds.
 *
 * Attack cases kept in mind: a directory that claims millions of
 * entries (bounded by max_entries and by the bytes actually there), a
 * name of 64 KiB (cut at ZIPINFO_NAME_MAX), extras whose sizes overrun
 * (parsing stops at the overrun), an IV size in a decryption header that
 * points past the end (ignored), offsets near 2^64 (all additions are
 * checked by in_buf()).
 */
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "buf.h"
#include "charset.h"
#include "zipinfo.h"

#define SIG_LOCAL    0x04034b50u
#define SIG_CENTRAL  0x02014b50u
#define SIG_EOCD     0x06054b50u
#define SIG_Z64_EOCD 0x06064b50u
#define SIG_Z64_LOC  0x07064b50u
#define SIG_SPAN     0x08074b50u /* starts the first segment of a split */
#define SIG_SPAN_ONE 0x30304b50u /* "PK00": split writer, one segment */

#define LOCAL_LEN   30
#define CENTRAL_LEN 46
#define EOCD_LEN    22
#define Z64_LOC_LEN 20
#define Z64_LEN	    56 /* a ZIP64 end record without extensible data */

#define FLAG_ENCRYPTED	0x0001u
#define FLAG_DESCRIPTOR 0x0008u
#define FLAG_STRONG	0x0040u
#define FLAG_UTF8	0x0800u
#define FLAG_MASKED	0x2000u /* central directory encryption */

#define EXTRA_ZIP64 0x0001u
#define EXTRA_SES   0x0017u
#define EXTRA_UPATH 0x7075u
#define EXTRA_AES   0x9901u

#define METHOD_AES 99u

#define MAX_IV 64 /* an IV size past this in a decryption header is junk */

static const struct {
	uint16_t alg;
	const char *name;
	const char *headers; /* with the central directory encrypted too */
	bool weak;
} ses_algs[] = {
	{ 0x6601, "pkware-ses-des", "pkware-ses-des-headers", true },
	{ 0x6602, "pkware-ses-rc2", "pkware-ses-rc2-headers", true },
	{ 0x6603, "pkware-ses-3des-168", "pkware-ses-3des-168-headers", false },
	{ 0x6609, "pkware-ses-3des-112", "pkware-ses-3des-112-headers", false },
	{ 0x660e, "pkware-ses-aes-128", "pkware-ses-aes-128-headers", false },
	{ 0x660f, "pkware-ses-aes-192", "pkware-ses-aes-192-headers", false },
	{ 0x6610, "pkware-ses-aes-256", "pkware-ses-aes-256-headers", false },
	{ 0x6702, "pkware-ses-rc2", "pkware-ses-rc2-headers", true },
	{ 0x6720, "pkware-ses-blowfish", "pkware-ses-blowfish-headers", false },
	{ 0x6721, "pkware-ses-twofish", "pkware-ses-twofish-headers", false },
	{ 0x6801, "pkware-ses-rc4", "pkware-ses-rc4-headers", true },
};

/* What the extra fields of one header said. */
struct extras {
	const unsigned char *upath; /* Info-ZIP Unicode path, version 1 */
	size_t upath_len;
	uint32_t upath_crc;
	bool aes;
	unsigned aes_version, aes_strength;
	uint16_t aes_method;
	uint16_t ses_alg; /* 0: no 0x0017 extra */
};

/* The fields a ZIP64 extra may replace, with the values to replace. */
struct z64_fields {
	uint64_t usize, csize, offset;
	uint32_t disk;
};

struct reader {
	const unsigned char *p;
	size_t len;
	size_t max_entries;
	size_t cap;
	struct zipinfo *zi;
	uint64_t delta;	    /* bytes before the archive proper (SFX stub) */
	uint32_t this_disk; /* of a split archive: the part we have */
	uint16_t z64_alg;   /* AlgId of a version 2 ZIP64 end record */
};

/* [off, off + n) lies inside the buffer */
static bool
in_buf(const struct reader *r, uint64_t off, uint64_t n)
{
	return off <= r->len && n <= r->len - off;
}

static bool
sig_at(const struct reader *r, uint64_t off, uint32_t sig)
{
	return in_buf(r, off, 4) && le32(r->p + off) == sig;
}

uint32_t
zipinfo_crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	int k;

	crc = ~crc;
	while (len-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

const char *
zipinfo_ses_method(uint16_t alg, bool *weak)
{
	size_t i;

	for (i = 0; i < sizeof(ses_algs) / sizeof(ses_algs[0]); i++)
		if (ses_algs[i].alg == alg) {
			if (weak != NULL)
				*weak = ses_algs[i].weak;
			return ses_algs[i].name;
		}
	if (weak != NULL)
		*weak = false;
	return "pkware-ses";
}

static const char *
ses_headers_method(uint16_t alg)
{
	size_t i;

	for (i = 0; i < sizeof(ses_algs) / sizeof(ses_algs[0]); i++)
		if (ses_algs[i].alg == alg)
			return ses_algs[i].headers;
	return "pkware-ses-headers";
}

/*
 * parse_extras: walk n bytes of extra fields. z64 (may be NULL) gets the
 * ZIP64 values for the fields that were 0xFFFFFFFF (0xFFFF for the
 * disk), in the order APPNOTE 4.5.3 gives. Returns false when a field
 * overran the area (what came before it is kept).
 */
static bool
parse_extras(
    const unsigned char *p, size_t n, struct extras *x, struct z64_fields *z64)
{
	size_t id, sz, q;

	while (n >= 4) {
		id = le16(p);
		sz = le16(p + 2);
		if (sz > n - 4)
			return false;
		p += 4;
		switch (id) {
		case EXTRA_ZIP64:
			if (z64 == NULL)
				break;
			q = 0;
			if (z64->usize == 0xffffffffu && q + 8 <= sz) {
				z64->usize = le64(p + q);
				q += 8;
			}
			if (z64->csize == 0xffffffffu && q + 8 <= sz) {
				z64->csize = le64(p + q);
				q += 8;
			}
			if (z64->offset == 0xffffffffu && q + 8 <= sz) {
				z64->offset = le64(p + q);
				q += 8;
			}
			if (z64->disk == 0xffffu && q + 4 <= sz)
				z64->disk = le32(p + q);
			break;
		case EXTRA_SES:
			/* Format(2) AlgID(2) Bitlen(2) Flags(2) ... */
			if (sz >= 4)
				x->ses_alg = le16(p + 2);
			break;
		case EXTRA_UPATH:
			if (sz >= 5 && p[0] == 1) {
				x->upath_crc = le32(p + 1);
				x->upath = p + 5;
				x->upath_len = sz - 5;
			}
			break;
		case EXTRA_AES:
			/* version(2) "AE"(2) strength(1) method(2) */
			if (sz >= 7) {
				x->aes = true;
				x->aes_version = le16(p);
				x->aes_strength = p[4];
				x->aes_method = le16(p + 5);
			}
			break;
		default:
			break;
		}
		p += sz;
		n -= 4 + sz;
	}
	return true;
}

/*
 * decode_name: the member name as UTF-8 (see zipinfo.h for the order of
 * the charsets). Returns a malloc'ed string, or NULL when memory ran out.
 */
static char *
decode_name(
    const unsigned char *raw, size_t n, uint16_t flags, const struct extras *x)
{
	struct buf b;
	const char *cs = "utf-8";
	char *s;

	buf_init(&b, ZIPINFO_NAME_MAX);
	if (x->upath != NULL && x->upath_crc == zipinfo_crc32(0, raw, n)) {
		raw = x->upath;
		n = x->upath_len;
	} else if (!(flags & FLAG_UTF8) && !charset_valid_utf8(raw, n)) {
		cs = "cp932";
	}
	if (charset_to_utf8(cs, raw, n, &b) == CHARSET_ENOMEM) {
		buf_free(&b);
		return NULL;
	}
	if ((s = buf_steal(&b, NULL)) == NULL)
		s = strdup("");
	return s;
}

/*
 * ses_alg_from_data: the AlgID of the decryption header that starts a
 * strongly encrypted member's data (APPNOTE 7.2.4): IVSize(2) IV
 * Size(4) Format(2) AlgID(2) ...; 0 when it does not fit.
 */
static uint16_t
ses_alg_from_data(const struct reader *r, uint64_t off)
{
	size_t iv;

	if (!in_buf(r, off, 2))
		return 0;
	iv = le16(r->p + off);
	if (iv > MAX_IV || !in_buf(r, off, 2 + iv + 8))
		return 0;
	return le16(r->p + off + 2 + iv + 6);
}

/* classify: decide the entry's encryption from its flags and extras. */
static void
classify(const struct reader *r, struct zipinfo_entry *e,
    const struct extras *cx, const struct extras *lx, uint64_t data_off)
{
	const struct extras *aes = cx->aes ? cx : lx->aes ? lx : NULL;
	uint16_t alg;

	if (aes != NULL || e->method == METHOD_AES) {
		e->enc = ZIPINFO_ENC_WINZIP_AES;
		if (aes != NULL) {
			e->aes_version = aes->aes_version;
			e->method = aes->aes_method;
			if (aes->aes_strength >= 1 && aes->aes_strength <= 3)
				e->key_bits = 64 + 64 * aes->aes_strength;
		}
		e->method_name = e->key_bits == 128 ? "winzip-aes-128"
		    : e->key_bits == 192	    ? "winzip-aes-192"
		    : e->key_bits == 256	    ? "winzip-aes-256"
						    : "winzip-aes";
		return;
	}
	if (!(e->flags & (FLAG_ENCRYPTED | FLAG_STRONG)))
		return;
	if ((e->flags & FLAG_STRONG) || cx->ses_alg != 0 || lx->ses_alg != 0) {
		e->enc = ZIPINFO_ENC_PKWARE_SES;
		alg = cx->ses_alg != 0 ? cx->ses_alg
		    : lx->ses_alg != 0 ? lx->ses_alg
				       : ses_alg_from_data(r, data_off);
		e->ses_alg = alg;
		e->method_name = zipinfo_ses_method(alg, &e->weak);
		return;
	}
	e->enc = ZIPINFO_ENC_ZIPCRYPTO;
	e->method_name = "zipcrypto";
	e->weak = true;
}

static struct zipinfo_entry *
new_entry(struct reader *r)
{
	struct zipinfo *zi = r->zi;
	struct zipinfo_entry *v;
	size_t cap;

	if (zi->n >= r->max_entries) {
		zi->truncated = true;
		return NULL;
	}
	if (zi->n == r->cap) {
		cap = r->cap == 0 ? 16 : r->cap * 2;
		if (cap > r->max_entries)
			cap = r->max_entries;
		if ((v = realloc(zi->entries, cap * sizeof(*v))) == NULL)
			return NULL;
		zi->entries = v;
		r->cap = cap;
	}
	memset(&zi->entries[zi->n], 0, sizeof(zi->entries[0]));
	return &zi->entries[zi->n];
}

/* masked: a local header whose values hide an encrypted directory */
static bool
masked(uint16_t flags)
{
	return (flags & FLAG_MASKED) && (flags & FLAG_ENCRYPTED);
}

static bool
name_is_dir(const unsigned char *raw, size_t n)
{
	return n > 0 && (raw[n - 1] == '/' || raw[n - 1] == '\\');
}

/*
 * read_local: the local header at off: its flags, extras and where the
 * data starts. Returns false when there is no local header there.
 */
static bool
read_local(const struct reader *r, uint64_t off, uint16_t *flags,
    struct extras *lx, uint64_t *data_off, bool *damaged)
{
	size_t nlen, xlen;

	if (!in_buf(r, off, LOCAL_LEN) || !sig_at(r, off, SIG_LOCAL))
		return false;
	*flags = le16(r->p + off + 6);
	nlen = le16(r->p + off + 26);
	xlen = le16(r->p + off + 28);
	if (!in_buf(r, off + LOCAL_LEN, nlen + xlen)) {
		*damaged = true;
		*data_off = r->len;
		return true;
	}
	if (!parse_extras(r->p + off + LOCAL_LEN + nlen, xlen, lx, NULL))
		*damaged = true;
	*data_off = off + LOCAL_LEN + nlen + xlen;
	return true;
}

/*
 * read_central: the central directory entries in [pos, end). Returns
 * ZIPINFO_OK or ZIPINFO_ENOMEM.
 */
static int
read_central(struct reader *r, uint64_t pos, uint64_t end)
{
	struct zipinfo *zi = r->zi;
	struct zipinfo_entry *e;
	struct extras cx, lx;
	struct z64_fields z;
	const unsigned char *h;
	size_t nlen, xlen, clen;
	uint64_t data_off;
	uint16_t lflags;

	while (pos + CENTRAL_LEN <= end && sig_at(r, pos, SIG_CENTRAL)) {
		h = r->p + pos;
		nlen = le16(h + 28);
		xlen = le16(h + 30);
		clen = le16(h + 32);
		if (!in_buf(r, pos + CENTRAL_LEN, nlen + xlen + clen)) {
			zi->damaged = true;
			break;
		}
		if ((e = new_entry(r)) == NULL) {
			if (zi->truncated)
				break;
			return ZIPINFO_ENOMEM;
		}
		memset(&cx, 0, sizeof(cx));
		memset(&lx, 0, sizeof(lx));
		z.csize = le32(h + 20);
		z.usize = le32(h + 24);
		z.disk = le16(h + 34);
		z.offset = le32(h + 42);
		if (!parse_extras(h + CENTRAL_LEN + nlen, xlen, &cx, &z))
			zi->damaged = true;
		e->raw = h + CENTRAL_LEN;
		e->raw_len = nlen;
		e->flags = le16(h + 8);
		e->method = le16(h + 10);
		e->csize = z.csize;
		e->usize = z.usize;
		e->local_off = z.offset + r->delta;
		e->dir = name_is_dir(e->raw, nlen) ||
		    ((le32(h + 38) & 0x10u) && z.usize == 0);
		data_off = r->len;
		lflags = 0;
		/* a member of a split archive may be in another part */
		if (z.disk == r->this_disk &&
		    !read_local(
			r, e->local_off, &lflags, &lx, &data_off, &zi->damaged))
			zi->damaged = true;
		e->data_off = data_off < r->len ? data_off : 0;
		e->flags |= lflags & (FLAG_ENCRYPTED | FLAG_STRONG);
		if (masked(lflags))
			zi->cd_encrypted = true;
		classify(r, e, &cx, &lx, data_off);
		if ((e->name = decode_name(e->raw, nlen, e->flags, &cx)) ==
		    NULL)
			return ZIPINFO_ENOMEM;
		zi->n++;
		pos += CENTRAL_LEN + nlen + xlen + clen;
	}
	if (pos < end && !zi->truncated)
		zi->damaged = true; /* junk or a cut entry inside the CD */
	return ZIPINFO_OK;
}

/*
 * next_local: where the member after the local header at off starts,
 * given its data at data_off; 0 when it cannot be told. A member with a
 * data descriptor and no size in its header is followed by searching
 * for the next signature, as a streaming reader must.
 */
static uint64_t
next_local(
    const struct reader *r, const struct zipinfo_entry *e, uint64_t data_off)
{
	const unsigned char *q;
	size_t from;

	if (!(e->flags & FLAG_DESCRIPTOR) || e->csize != 0) {
		if (e->csize > r->len || data_off > r->len - e->csize)
			return 0;
		data_off += e->csize;
		if (e->flags & FLAG_DESCRIPTOR) {
			/* optional signature, CRC, two sizes (4 or 8) */
			if (sig_at(r, data_off, SIG_SPAN))
				data_off += 4;
			data_off += 12;
			if (!sig_at(r, data_off, SIG_LOCAL) &&
			    sig_at(r, data_off + 8, SIG_LOCAL))
				data_off += 8;
		}
		return data_off;
	}
	from = (size_t)data_off;
	while (from < r->len &&
	    (q = memmem(r->p + from, r->len - from, "PK", 2)) != NULL) {
		from = (size_t)(q - r->p);
		if (sig_at(r, from, SIG_LOCAL) || sig_at(r, from, SIG_CENTRAL))
			return from;
		from++;
	}
	return 0;
}

/*
 * read_locals: list members by walking local headers from off, for
 * archives without a usable central directory.
 */
static int
read_locals(struct reader *r, uint64_t off)
{
	struct zipinfo *zi = r->zi;
	struct zipinfo_entry *e;
	struct extras lx, none;
	struct z64_fields z;
	const unsigned char *h;
	size_t nlen, xlen;
	uint64_t data_off, next;

	memset(&none, 0, sizeof(none));
	while (in_buf(r, off, LOCAL_LEN) && sig_at(r, off, SIG_LOCAL)) {
		h = r->p + off;
		nlen = le16(h + 26);
		xlen = le16(h + 28);
		if (!in_buf(r, off + LOCAL_LEN, nlen + xlen)) {
			zi->damaged = true;
			break;
		}
		if ((e = new_entry(r)) == NULL) {
			if (zi->truncated)
				break;
			return ZIPINFO_ENOMEM;
		}
		memset(&lx, 0, sizeof(lx));
		memset(&z, 0, sizeof(z));
		z.csize = le32(h + 18);
		z.usize = le32(h + 22);
		if (!parse_extras(h + LOCAL_LEN + nlen, xlen, &lx, &z))
			zi->damaged = true;
		data_off = off + LOCAL_LEN + nlen + xlen;
		e->raw = h + LOCAL_LEN;
		e->raw_len = nlen;
		e->flags = le16(h + 6);
		e->method = le16(h + 8);
		e->csize = z.csize;
		e->usize = z.usize;
		e->local_off = off;
		e->data_off = data_off < r->len ? data_off : 0;
		e->dir = name_is_dir(e->raw, nlen);
		if (masked(e->flags))
			zi->cd_encrypted = true;
		classify(r, e, &none, &lx, data_off);
		if ((e->name = decode_name(e->raw, nlen, e->flags, &lx)) ==
		    NULL)
			return ZIPINFO_ENOMEM;
		zi->n++;
		if ((next = next_local(r, e, data_off)) <= off) {
			zi->damaged = true;
			break;
		}
		off = next;
	}
	return ZIPINFO_OK;
}

/* find_eocd: the offset of the end record, or -1 (as SIZE_MAX). */
static size_t
find_eocd(const struct reader *r)
{
	size_t pos, stop, found = SIZE_MAX;

	if (r->len < EOCD_LEN)
		return SIZE_MAX;
	stop = r->len - EOCD_LEN > 65535 ? r->len - EOCD_LEN - 65535 : 0;
	for (pos = r->len - EOCD_LEN;; pos--) {
		if (sig_at(r, pos, SIG_EOCD) &&
		    pos + EOCD_LEN + le16(r->p + pos + 20) <= r->len) {
			/* a comment that ends the file exactly is the
			   best evidence; else the last record found */
			if (pos + EOCD_LEN + le16(r->p + pos + 20) == r->len)
				return pos;
			if (found == SIZE_MAX)
				found = pos;
		}
		if (pos == stop)
			break;
	}
	return found;
}

/* The values of the end record that matter, classic or ZIP64. */
struct eocd {
	uint64_t pos; /* where the record (ZIP64 one if any) starts */
	uint32_t disk, cd_disk, disks;
	uint64_t count, cd_size, cd_off;
	bool z64;
};

/* read_z64: the ZIP64 end record whose locator is right before eocd. */
static bool
read_z64(struct reader *r, size_t eocd_pos, struct eocd *e)
{
	uint64_t loc, off, size;
	const unsigned char *h;

	if (eocd_pos < Z64_LOC_LEN ||
	    !sig_at(r, eocd_pos - Z64_LOC_LEN, SIG_Z64_LOC))
		return false;
	loc = eocd_pos - Z64_LOC_LEN;
	off = le64(r->p + loc + 8);
	e->disks = le32(r->p + loc + 16);
	/* a prefix moves the record: then it ends right at the locator */
	if (!sig_at(r, off, SIG_Z64_EOCD) || !in_buf(r, off, Z64_LEN)) {
		if (loc < Z64_LEN || !sig_at(r, loc - Z64_LEN, SIG_Z64_EOCD))
			return false;
		off = loc - Z64_LEN;
	}
	if (!in_buf(r, off, Z64_LEN))
		return false;
	h = r->p + off;
	size = le64(h + 4);
	e->pos = off;
	e->disk = le32(h + 16);
	e->cd_disk = le32(h + 20);
	e->count = le64(h + 32);
	e->cd_size = le64(h + 40);
	e->cd_off = le64(h + 48);
	e->z64 = true;
	/* version 2 (central directory encryption) names its algorithm:
	   method(2) csize(8) usize(8) AlgId(2) after the fixed part */
	if (size >= Z64_LEN - 12 + 20 && in_buf(r, off, Z64_LEN + 20))
		r->z64_alg = le16(h + Z64_LEN + 18);
	return true;
}

static int
cmp_entries(const void *a, const void *b)
{
	const struct zipinfo_entry *x = a, *y = b;

	if (x->local_off != y->local_off)
		return x->local_off < y->local_off ? -1 : 1;
	/* directory order: raw names point into it in that order */
	return x->raw < y->raw ? -1 : x->raw > y->raw;
}

/* cd_start: where the central directory starts, setting r->delta. */
static bool
cd_start(struct reader *r, const struct eocd *e, uint64_t *start)
{
	if (e->cd_size > e->pos)
		return false;
	if (e->cd_off + e->cd_size <= e->pos &&
	    (e->count == 0 || sig_at(r, e->cd_off, SIG_CENTRAL))) {
		*start = e->cd_off;
		return true;
	}
	*start = e->pos - e->cd_size;
	if ((e->count == 0 && e->cd_size == 0) ||
	    sig_at(r, *start, SIG_CENTRAL)) {
		r->delta = *start - e->cd_off;
		return true;
	}
	return false;
}

/* finish: the first encrypted member names the hidden directory's method */
static void
finish(struct reader *r)
{
	struct zipinfo *zi = r->zi;
	uint16_t alg = r->z64_alg;
	size_t i;

	if (zi->n > 1)
		qsort(zi->entries, zi->n, sizeof(zi->entries[0]), cmp_entries);
	if (!zi->cd_encrypted)
		return;
	for (i = 0; alg == 0 && i < zi->n; i++)
		alg = zi->entries[i].ses_alg;
	zi->cd_method = ses_headers_method(alg);
}

int
zipinfo_read(
    const void *data, size_t len, size_t max_entries, struct zipinfo **out)
{
	struct reader r;
	struct eocd e;
	size_t pos;
	uint64_t start;
	int rc = ZIPINFO_OK;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.p = data;
	r.len = len;
	r.max_entries = max_entries;
	if ((r.zi = calloc(1, sizeof(*r.zi))) == NULL)
		return ZIPINFO_ENOMEM;
	memset(&e, 0, sizeof(e));
	if ((pos = find_eocd(&r)) != SIZE_MAX) {
		if (!read_z64(&r, pos, &e)) {
			e.pos = pos;
			e.disk = le16(r.p + pos + 4);
			e.cd_disk = le16(r.p + pos + 6);
			e.count = le16(r.p + pos + 10);
			e.cd_size = le32(r.p + pos + 12);
			e.cd_off = le32(r.p + pos + 16);
		}
		if (!e.z64 && (e.disk == 0xffff || e.cd_disk == 0xffff)) {
			r.zi->damaged = true; /* ZIP64 values, no ZIP64 */
		} else if (e.disk != 0 || e.cd_disk != 0 || e.disks > 1) {
			/* the last part: its directory lists every member */
			r.zi->split = true;
			r.this_disk = e.disk;
			if (e.cd_disk == e.disk && cd_start(&r, &e, &start)) {
				r.zi->has_cd = true;
				rc = read_central(&r, start, e.pos);
			}
			goto out;
		}
		if (cd_start(&r, &e, &start)) {
			r.zi->has_cd = true;
			rc = read_central(&r, start, e.pos);
			goto out;
		}
	} else if (sig_at(&r, 0, SIG_SPAN) && sig_at(&r, 4, SIG_LOCAL)) {
		/* the first segment of a split archive: its directory is
		   in the last segment, which we do not have */
		r.zi->split = true;
		goto out;
	}
	/* no usable central directory: walk the local headers */
	start = sig_at(&r, 0, SIG_SPAN) || sig_at(&r, 0, SIG_SPAN_ONE) ? 4 : 0;
	if (pos == SIZE_MAX &&
	    (!sig_at(&r, start, SIG_LOCAL) || !in_buf(&r, start, LOCAL_LEN))) {
		rc = ZIPINFO_EINPUT;
		goto out;
	}
	if (!r.zi->cd_encrypted)
		r.zi->damaged = true;
	rc = read_locals(&r, start);
	if (rc == ZIPINFO_OK && r.zi->cd_encrypted)
		r.zi->damaged = false; /* not damage: the CD is encrypted */
	else if (rc == ZIPINFO_OK && pos != SIZE_MAX && r.z64_alg != 0 &&
	    r.zi->n > 0 && (r.zi->entries[0].flags & FLAG_ENCRYPTED)) {
		r.zi->cd_encrypted = true;
		r.zi->damaged = false;
	}
out:
	if (rc != ZIPINFO_OK) {
		zipinfo_free(r.zi);
		return rc;
	}
	finish(&r);
	*out = r.zi;
	return ZIPINFO_OK;
}

void
zipinfo_free(struct zipinfo *zi)
{
	size_t i;

	if (zi == NULL)
		return;
	for (i = 0; i < zi->n; i++) {
		explicit_bzero(
		    zi->entries[i].name, strlen(zi->entries[i].name));
		free(zi->entries[i].name);
	}
	free(zi->entries);
	free(zi);
}
