/*
 * rarinfo - RAR 4 and RAR 5 block headers. See rarinfo.h.
 *
 * Both formats are a chain of blocks, each telling its own header size
 * and the size of the data that follows it; we walk the chain and never
 * read past the buffer: every size is checked before it is used, and a
 * size that would wrap or point beyond the data ends the walk (damaged).
 * A chain cannot loop: every step moves forward by at least a minimal
 * header.
 *
 * RAR4's Unicode names (file header flag 0x0200) hold the OEM name, a
 * NUL, then RAR's own compressed encoding of the UTF-16 name: a high
 * byte, then flag bytes whose 2-bit codes say, for each character, "low
 * byte only", "low byte + the high byte", "two bytes", or "a run copied
 * from the OEM name with a correction". decode_rar4_unicode() follows
 * unrar's DecodeFileName(), with bounds on every index.
 */
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "buf.h"
#include "charset.h"
#include "rarinfo.h"

#define RAR4_SIG_LEN 7
#define RAR5_SIG_LEN 8

/* RAR4 block types and flags */
#define R4_MAIN		  0x73
#define R4_FILE		  0x74
#define R4_END		  0x7b
#define R4_LONG_BLOCK	  0x8000u
#define R4_MAIN_VOLUME	  0x0001u
#define R4_MAIN_SOLID	  0x0008u
#define R4_MAIN_PASSWORD  0x0080u
#define R4_FILE_SPLIT	  0x0003u
#define R4_FILE_PASSWORD  0x0004u
#define R4_FILE_DIRECTORY 0x00e0u
#define R4_FILE_LARGE	  0x0100u
#define R4_FILE_UNICODE	  0x0200u
#define R4_FILE_HDR_LEN	  32 /* up to and including ATTR */

/* RAR5 header types and flags */
#define R5_MAIN		  1
#define R5_FILE		  2
#define R5_CRYPT	  4
#define R5_END		  5
#define R5_HAS_EXTRA	  0x0001u
#define R5_HAS_DATA	  0x0002u
#define R5_SPLIT	  0x0018u
#define R5_MAIN_VOLUME	  0x0001u
#define R5_MAIN_SOLID	  0x0004u
#define R5_FILE_DIRECTORY 0x0001u
#define R5_FILE_MTIME	  0x0002u
#define R5_FILE_CRC	  0x0004u
#define R5_EXTRA_CRYPT	  0x01
#define R5_MAX_HEADER	  (2u * 1024 * 1024)

static const unsigned char rar4_sig[] = { 'R', 'a', 'r', '!', 0x1a, 0x07,
	0x00 };
static const unsigned char rar5_sig[] = { 'R', 'a', 'r', '!', 0x1a, 0x07, 0x01,
	0x00 };

struct reader {
	const unsigned char *p;
	size_t len;
	size_t max_entries;
	size_t cap;
	struct rarinfo *ri;
};

const char *
rarinfo_method(const struct rarinfo *ri, bool headers)
{
	if (ri->version == 5)
		return headers ? "rar5-headers" : "rar5";
	return headers ? "rar4-headers" : "rar4";
}

static struct rarinfo_entry *
new_entry(struct reader *r)
{
	struct rarinfo *ri = r->ri;
	struct rarinfo_entry *v;
	size_t cap;

	if (ri->n >= r->max_entries) {
		ri->truncated = true;
		return NULL;
	}
	if (ri->n == r->cap) {
		cap = r->cap == 0 ? 16 : r->cap * 2;
		if (cap > r->max_entries)
			cap = r->max_entries;
		if ((v = realloc(ri->entries, cap * sizeof(*v))) == NULL)
			return NULL;
		ri->entries = v;
		r->cap = cap;
	}
	memset(&ri->entries[ri->n], 0, sizeof(ri->entries[0]));
	return &ri->entries[ri->n];
}

/* name_from: bytes in charset (UTF-8 sanitised, else CP932) */
static char *
name_from(const void *raw, size_t n, const char *charset)
{
	struct buf b;
	char *s;

	buf_init(&b, RARINFO_NAME_MAX);
	if (charset == NULL)
		charset = charset_valid_utf8(raw, n) ? "utf-8" : "cp932";
	if (charset_to_utf8(charset, raw, n, &b) == CHARSET_ENOMEM) {
		buf_free(&b);
		return NULL;
	}
	if ((s = buf_steal(&b, NULL)) == NULL)
		s = strdup("");
	return s;
}

/*
 * decode_rar4_unicode: RAR's compressed UTF-16 name (enc, elen bytes)
 * against the OEM name (oem, olen bytes), as UTF-16LE into out (at most
 * max units). Returns the number of units.
 */
static size_t
decode_rar4_unicode(const unsigned char *oem, size_t olen,
    const unsigned char *enc, size_t elen, uint16_t *out, size_t max)
{
	size_t e = 0, d = 0, run;
	unsigned flags = 0, bits = 0, high, corr;

	if (elen == 0)
		return 0;
	high = enc[e++];
	while (e < elen && d < max) {
		if (bits == 0) {
			flags = enc[e++];
			bits = 8;
			if (e >= elen)
				break;
		}
		switch (flags >> 6 & 3) {
		case 0:
			out[d++] = enc[e++];
			break;
		case 1:
			out[d++] = (uint16_t)(enc[e++] | high << 8);
			break;
		case 2:
			if (e + 1 >= elen)
				return d;
			out[d++] = (uint16_t)(enc[e] | enc[e + 1] << 8);
			e += 2;
			break;
		default:
			run = enc[e++];
			if (run & 0x80) {
				if (e >= elen)
					return d;
				corr = enc[e++];
				for (run = (run & 0x7f) + 2;
				     run > 0 && d < max && d < olen; run--, d++)
					out[d] = (uint16_t)(((oem[d] + corr) &
								0xff) |
					    high << 8);
			} else {
				for (run += 2; run > 0 && d < max && d < olen;
				     run--, d++)
					out[d] = oem[d];
			}
			break;
		}
		flags = (flags << 2) & 0xff;
		bits -= 2;
	}
	return d;
}

/* rar4_name: a file header's name field as UTF-8. */
static char *
rar4_name(const unsigned char *p, size_t n, unsigned flags)
{
	const unsigned char *nul;
	uint16_t units[RARINFO_NAME_MAX];
	unsigned char le[2 * RARINFO_NAME_MAX];
	size_t k, i;

	if (!(flags & R4_FILE_UNICODE))
		return name_from(p, n, NULL);
	if ((nul = memchr(p, 0, n)) == NULL)
		return name_from(p, n, "utf-8");
	k = decode_rar4_unicode(p, (size_t)(nul - p), nul + 1,
	    n - (size_t)(nul - p) - 1, units, RARINFO_NAME_MAX);
	if (k == 0)
		return name_from(p, (size_t)(nul - p), NULL);
	for (i = 0; i < k; i++) {
		le[2 * i] = (unsigned char)(units[i] & 0xff);
		le[2 * i + 1] = (unsigned char)(units[i] >> 8);
	}
	return name_from(le, 2 * k, "utf-16le");
}

/* rar4_file: one file header (h, size bytes, flags). */
static int
rar4_file(struct reader *r, const unsigned char *h, size_t size, unsigned flags,
    uint64_t packed)
{
	struct rarinfo_entry *e;
	size_t off = R4_FILE_HDR_LEN, nlen;
	uint64_t unp;
	char *s;

	if (size < R4_FILE_HDR_LEN) {
		r->ri->damaged = true;
		return RARINFO_OK;
	}
	unp = le32(h + 11);
	nlen = le16(h + 26);
	if (flags & R4_FILE_LARGE) {
		if (size < R4_FILE_HDR_LEN + 8) {
			r->ri->damaged = true;
			return RARINFO_OK;
		}
		unp |= (uint64_t)le32(h + 36) << 32;
		off += 8;
	}
	if (nlen > size - off) {
		r->ri->damaged = true;
		return RARINFO_OK;
	}
	if ((e = new_entry(r)) == NULL)
		return r->ri->truncated ? RARINFO_OK : RARINFO_ENOMEM;
	e->packed = packed;
	e->size = unp;
	e->dir = (flags & R4_FILE_DIRECTORY) == R4_FILE_DIRECTORY;
	e->encrypted = (flags & R4_FILE_PASSWORD) != 0;
	e->continued = (flags & R4_FILE_SPLIT) != 0;
	if ((e->name = rar4_name(h + off, nlen, flags)) == NULL)
		return RARINFO_ENOMEM;
	for (s = e->name; (s = strchr(s, '\\')) != NULL; s++)
		*s = '/'; /* RAR4 keeps DOS separators */
	r->ri->n++;
	return RARINFO_OK;
}

static int
read_rar4(struct reader *r)
{
	struct rarinfo *ri = r->ri;
	const unsigned char *h;
	size_t pos = RAR4_SIG_LEN, size;
	unsigned type, flags;
	uint64_t add;
	int rc;

	while (pos < r->len && !ri->truncated) {
		if (r->len - pos < 7) {
			ri->damaged = true;
			break;
		}
		h = r->p + pos;
		type = h[2];
		flags = le16(h + 3);
		size = le16(h + 5);
		add = 0;
		if (size < 7 || size > r->len - pos) {
			ri->damaged = true;
			break;
		}
		if ((flags & R4_LONG_BLOCK) || type == R4_FILE) {
			if (size < 11) {
				ri->damaged = true;
				break;
			}
			add = le32(h + 7);
			if (type == R4_FILE && (flags & R4_FILE_LARGE) &&
			    size >= R4_FILE_HDR_LEN + 8)
				add |= (uint64_t)le32(h + 32) << 32;
		}
		if (type == R4_MAIN) {
			ri->volume = (flags & R4_MAIN_VOLUME) != 0;
			ri->solid = (flags & R4_MAIN_SOLID) != 0;
			if (flags & R4_MAIN_PASSWORD) {
				ri->headers_encrypted = true;
				break;
			}
		} else if (type == R4_FILE) {
			if ((rc = rar4_file(r, h, size, flags, add)) !=
			    RARINFO_OK)
				return rc;
		} else if (type == R4_END) {
			break;
		}
		if (add > r->len - pos - size) {
			ri->damaged = true; /* data cut short */
			break;
		}
		pos += size + (size_t)add;
	}
	return RARINFO_OK;
}

/* A RAR5 variable-length integer at *pos (< end); false when cut. */
static bool
vint(const unsigned char *p, size_t *pos, size_t end, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	while (*pos < end && shift < 70) {
		unsigned char c = p[(*pos)++];

		if (shift < 64)
			*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return true;
		shift += 7;
	}
	return false;
}

/* rar5_crypt_extra: whether the extra area [pos, end) has a crypt record */
static bool
rar5_crypt_extra(const unsigned char *p, size_t pos, size_t end)
{
	uint64_t size, type;
	size_t start;

	while (pos < end) {
		if (!vint(p, &pos, end, &size) || size == 0 || size > end - pos)
			return false;
		start = pos;
		if (!vint(p, &pos, start + (size_t)size, &type))
			return false;
		if (type == R5_EXTRA_CRYPT)
			return true;
		pos = start + (size_t)size;
	}
	return false;
}

/* rar5_file: a file header whose fields start at pos, before end. */
static int
rar5_file(struct reader *r, size_t pos, size_t end, size_t extra_at,
    uint64_t hflags, uint64_t data)
{
	const unsigned char *p = r->p;
	struct rarinfo_entry *e;
	uint64_t fflags, unp, attr, comp, os, nlen;

	if (!vint(p, &pos, end, &fflags) || !vint(p, &pos, end, &unp) ||
	    !vint(p, &pos, end, &attr))
		goto damaged;
	if (fflags & R5_FILE_MTIME)
		pos += 4;
	if (fflags & R5_FILE_CRC)
		pos += 4;
	if (pos > end || !vint(p, &pos, end, &comp) ||
	    !vint(p, &pos, end, &os) || !vint(p, &pos, end, &nlen) ||
	    pos > extra_at || nlen > extra_at - pos)
		goto damaged;
	if ((e = new_entry(r)) == NULL)
		return r->ri->truncated ? RARINFO_OK : RARINFO_ENOMEM;
	e->packed = data;
	e->size = unp;
	e->dir = (fflags & R5_FILE_DIRECTORY) != 0;
	e->encrypted = rar5_crypt_extra(p, extra_at, end);
	e->continued = (hflags & R5_SPLIT) != 0;
	if ((e->name = name_from(p + pos, (size_t)nlen, "utf-8")) == NULL)
		return RARINFO_ENOMEM;
	r->ri->n++;
	return RARINFO_OK;
damaged:
	r->ri->damaged = true;
	return RARINFO_OK;
}

static int
read_rar5(struct reader *r)
{
	struct rarinfo *ri = r->ri;
	const unsigned char *p = r->p;
	size_t pos = RAR5_SIG_LEN, hstart, hend, q;
	uint64_t hsize, type, hflags, extra, data, aflags;
	int rc;

	while (pos < r->len && !ri->truncated) {
		q = pos + 4; /* header CRC32 */
		if (q > r->len || !vint(p, &q, r->len, &hsize) || hsize == 0 ||
		    hsize > R5_MAX_HEADER || hsize > r->len - q) {
			ri->damaged = true;
			break;
		}
		hstart = q;
		hend = hstart + (size_t)hsize;
		extra = data = 0;
		if (!vint(p, &q, hend, &type) || !vint(p, &q, hend, &hflags) ||
		    ((hflags & R5_HAS_EXTRA) && !vint(p, &q, hend, &extra)) ||
		    ((hflags & R5_HAS_DATA) && !vint(p, &q, hend, &data)) ||
		    extra > hend - q) {
			ri->damaged = true;
			break;
		}
		if (type == R5_CRYPT) {
			ri->headers_encrypted = true;
			break;
		} else if (type == R5_MAIN) {
			if (!vint(p, &q, hend, &aflags)) {
				ri->damaged = true;
				break;
			}
			ri->volume = (aflags & R5_MAIN_VOLUME) != 0;
			ri->solid = (aflags & R5_MAIN_SOLID) != 0;
		} else if (type == R5_FILE) {
			if ((rc = rar5_file(r, q, hend, hend - (size_t)extra,
				 hflags, data)) != RARINFO_OK)
				return rc;
		} else if (type == R5_END) {
			break;
		}
		if (data > r->len - hend) {
			ri->damaged = true;
			break;
		}
		pos = hend + (size_t)data;
	}
	return RARINFO_OK;
}

int
rarinfo_read(
    const void *data, size_t len, size_t max_entries, struct rarinfo **out)
{
	struct reader r;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.p = data;
	r.len = len;
	r.max_entries = max_entries;
	if (len >= RAR5_SIG_LEN && memcmp(data, rar5_sig, RAR5_SIG_LEN) == 0) {
		if ((r.ri = calloc(1, sizeof(*r.ri))) == NULL)
			return RARINFO_ENOMEM;
		r.ri->version = 5;
		rc = read_rar5(&r);
	} else if (len >= RAR4_SIG_LEN &&
	    memcmp(data, rar4_sig, RAR4_SIG_LEN) == 0) {
		if ((r.ri = calloc(1, sizeof(*r.ri))) == NULL)
			return RARINFO_ENOMEM;
		r.ri->version = 4;
		rc = read_rar4(&r);
	} else {
		return RARINFO_EINPUT;
	}
	if (rc != RARINFO_OK) {
		rarinfo_free(r.ri);
		return rc;
	}
	*out = r.ri;
	return RARINFO_OK;
}

void
rarinfo_free(struct rarinfo *ri)
{
	size_t i;

	if (ri == NULL)
		return;
	for (i = 0; i < ri->n; i++) {
		explicit_bzero(
		    ri->entries[i].name, strlen(ri->entries[i].name));
		free(ri->entries[i].name);
	}
	free(ri->entries);
	free(ri);
}
