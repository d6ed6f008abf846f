/*
 * sevenzip - 7z archive headers. See sevenzip.h.
 *
 * The 7z header is a tree of property ids, each followed by its data, in
 * the order 7-Zip writes them (7zFormat.txt of the LZMA SDK): Header ->
 * MainStreamsInfo (PackInfo, UnpackInfo with the folders and their
 * coders, SubStreamsInfo with the streams per folder) -> FilesInfo. All
 * reads go through a cursor that knows where the header ends; a read
 * past it sets the cursor's bad flag and yields zeros, and the caller
 * checks the flag at each step, so damaged input can make the listing
 * wrong (flagged damaged) but never a read out of bounds. Counts read
 * from the header (folders, streams, files) are checked against the
 * bytes that would be needed to describe them before anything is
 * allocated for them.
 */
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "buf.h"
#include "charset.h"
#include "sevenzip.h"
#include "zipinfo.h"

#define SIG_LEN	  6
#define START_LEN 32

/* property ids (7zFormat.txt) */
#define K_END		 0x00
#define K_HEADER	 0x01
#define K_ARCHIVE_PROPS	 0x02
#define K_ADD_STREAMS	 0x03
#define K_MAIN_STREAMS	 0x04
#define K_FILES		 0x05
#define K_PACK_INFO	 0x06
#define K_UNPACK_INFO	 0x07
#define K_SUBSTREAMS	 0x08
#define K_SIZE		 0x09
#define K_CRC		 0x0a
#define K_FOLDER	 0x0b
#define K_UNPACK_SIZE	 0x0c
#define K_NUM_UNPACK	 0x0d
#define K_EMPTY_STREAM	 0x0e
#define K_EMPTY_FILE	 0x0f
#define K_NAME		 0x11
#define K_ATTRIBUTES	 0x15
#define K_ENCODED_HEADER 0x17

#define ATTR_DIRECTORY 0x10u
#define MAX_OUT	       64 /* out streams per folder: a bit mask */

static const unsigned char sig[SIG_LEN] = { '7', 'z', 0xbc, 0xaf, 0x27, 0x1c };
static const unsigned char aes_id[] = { 0x06, 0xf1, 0x07, 0x01 };
static const unsigned char lzma_id[] = { 0x03, 0x01, 0x01 };
static const unsigned char lzma2_id[] = { 0x21 };
static const unsigned char ppmd_id[] = { 0x03, 0x04, 0x01 };

struct cur {
	const unsigned char *p;
	size_t pos, end;
	bool bad;
};

struct folder {
	uint64_t memory; /* what its coders declare they need */
	bool aes;
	bool lzma; /* one coder, LZMA, with its 5 bytes of properties */
	unsigned char props[5];
	bool crc;	   /* its unpack CRC is in the header */
	unsigned n_out;	   /* out streams of all its coders */
	uint64_t bound;	   /* mask of out streams bound to a coder */
	uint64_t size;	   /* its final unpack size */
	uint64_t n_unpack; /* streams (files) in it */
};

struct streams {
	uint64_t pack_pos, pack_size; /* the first packed stream */
	bool packs;
	struct folder *f;
	size_t nf;
	uint64_t *sub; /* size of each unpack stream, folder by folder */
	size_t n_sub;
};

static size_t
left(const struct cur *c)
{
	return c->end - c->pos;
}

static unsigned
byte(struct cur *c)
{
	if (c->pos >= c->end) {
		c->bad = true;
		return 0;
	}
	return c->p[c->pos++];
}

static void
skip(struct cur *c, uint64_t n)
{
	if (n > left(c)) {
		c->bad = true;
		c->pos = c->end;
	} else {
		c->pos += (size_t)n;
	}
}

/* number: 7z's UINT64: the first byte's leading 1 bits count extra bytes */
static uint64_t
number(struct cur *c)
{
	unsigned first = byte(c), mask = 0x80;
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		if ((first & mask) == 0)
			return v | (uint64_t)(first & (mask - 1)) << (8 * i);
		v |= (uint64_t)byte(c) << (8 * i);
		mask >>= 1;
	}
	return v;
}

/* bits: n bits, most significant first, into v (may be NULL); count */
static size_t
bits(struct cur *c, size_t n, bool *v)
{
	size_t i, k = 0;
	unsigned b = 0;

	if (n > left(c) * 8) {
		c->bad = true;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			b = byte(c);
		if (v != NULL)
			v[i] = (b & (0x80u >> (i % 8))) != 0;
		k += (b & (0x80u >> (i % 8))) != 0;
	}
	return k;
}

/* digests: n CRCs, some defined (defined may be NULL) */
static void
digests(struct cur *c, size_t n, bool *defined)
{
	size_t i, k;

	if (byte(c) != 0) {
		k = n;
		for (i = 0; defined != NULL && i < n; i++)
			defined[i] = true;
	} else {
		k = bits(c, n, defined);
	}
	if (k > left(c) / 4)
		c->bad = true;
	else
		skip(c, 4 * (uint64_t)k);
}

static void
pack_info(struct cur *c, struct streams *st)
{
	uint64_t n, i, id, v;

	st->pack_pos = number(c);
	n = number(c);
	if (n > left(c)) {
		c->bad = true;
		return;
	}
	while (!c->bad && (id = number(c)) != K_END) {
		if (id == K_SIZE)
			for (i = 0; i < n && !c->bad; i++) {
				v = number(c);
				if (i == 0) {
					st->pack_size = v;
					st->packs = true;
				}
			}
		else if (id == K_CRC)
			digests(c, (size_t)n, NULL);
		else
			c->bad = true;
	}
}

/* coder_kind: 1 LZMA, 2 LZMA2, 3 PPMd, 0 another coder */
static int
coder_kind(const struct cur *c, unsigned idsize)
{
	const unsigned char *id = c->p + c->pos;

	if (left(c) < idsize)
		return 0;
	if (idsize == sizeof(lzma_id) && memcmp(id, lzma_id, idsize) == 0)
		return 1;
	if (idsize == sizeof(lzma2_id) && memcmp(id, lzma2_id, idsize) == 0)
		return 2;
	if (idsize == sizeof(ppmd_id) && memcmp(id, ppmd_id, idsize) == 0)
		return 3;
	return 0;
}

/* coder_memory: what a coder's properties (n bytes) ask to allocate */
static uint64_t
coder_memory(int kind, const unsigned char *p, uint64_t n)
{
	if ((kind == 1 || kind == 3) && n >= 5)
		return le32(p + 1); /* dictionary; PPMd: model size */
	if (kind == 2 && n >= 1)
		return sevenzip_lzma2_dict(p[0]);
	return 0;
}

uint64_t
sevenzip_lzma2_dict(unsigned char prop)
{
	unsigned b = prop & 0x3f;

	if (b > 40)
		return UINT64_MAX; /* invalid: as bad as can be */
	if (b == 40)
		return 0xffffffffu;
	return (uint64_t)(2 | (b & 1)) << (b / 2 + 11);
}

static void
read_folder(struct cur *c, struct folder *f)
{
	uint64_t nc, i, nin, nout, in = 0, out = 0, bp, np, o, ps;
	unsigned flags, idsize;
	int kind;
	bool lzma;

	nc = number(c);
	if (nc == 0 || nc > SEVENZIP_MAX_CODERS) {
		c->bad = true;
		return;
	}
	for (i = 0; i < nc && !c->bad; i++) {
		flags = byte(c);
		idsize = flags & 0x0f;
		if (flags & 0x80) { /* alternative methods: never written */
			c->bad = true;
			return;
		}
		if (idsize == sizeof(aes_id) && left(c) >= idsize &&
		    memcmp(c->p + c->pos, aes_id, idsize) == 0)
			f->aes = true;
		kind = coder_kind(c, idsize);
		lzma = nc == 1 && kind == 1;
		skip(c, idsize);
		nin = nout = 1;
		if (flags & 0x10) {
			nin = number(c);
			nout = number(c);
		}
		if (nin > MAX_OUT || nout > MAX_OUT) {
			c->bad = true;
			return;
		}
		in += nin;
		out += nout;
		if (flags & 0x20) {
			ps = number(c);
			if (lzma && ps == sizeof(f->props) && left(c) >= ps) {
				memcpy(
				    f->props, c->p + c->pos, sizeof(f->props));
				f->lzma = true;
			}
			if (left(c) >= ps &&
			    coder_memory(kind, c->p + c->pos, ps) > f->memory)
				f->memory =
				    coder_memory(kind, c->p + c->pos, ps);
			skip(c, ps);
		}
	}
	if (out == 0 || out > MAX_OUT || in + 1 < out) {
		c->bad = true;
		return;
	}
	f->n_out = (unsigned)out;
	bp = out - 1;
	for (i = 0; i < bp && !c->bad; i++) {
		(void)number(c); /* in index */
		if ((o = number(c)) < MAX_OUT)
			f->bound |= (uint64_t)1 << o;
	}
	np = in - bp;
	for (i = 0; np > 1 && i < np && !c->bad; i++)
		(void)number(c);
}

/* unpack_info: the folders; returns false when memory ran out */
static bool
unpack_info(struct cur *c, struct streams *st)
{
	uint64_t nf, id, v;
	bool *crc = NULL;
	size_t i;
	unsigned j;

	if (number(c) != K_FOLDER || (nf = number(c)) > left(c) / 2 ||
	    byte(c) != 0 || c->bad || st->f != NULL) {
		c->bad = true;
		return true;
	}
	if (nf > 0) {
		if ((st->f = calloc((size_t)nf, sizeof(*st->f))) == NULL ||
		    (crc = calloc((size_t)nf, sizeof(*crc))) == NULL)
			return false;
		st->nf = (size_t)nf;
	}
	for (i = 0; i < st->nf && !c->bad; i++)
		read_folder(c, &st->f[i]);
	if (number(c) != K_UNPACK_SIZE)
		c->bad = true;
	for (i = 0; i < st->nf && !c->bad; i++) {
		for (j = 0; j < st->f[i].n_out; j++) {
			v = number(c);
			/* the folder's result: the out stream no coder reads */
			if (!(st->f[i].bound & (uint64_t)1 << j) &&
			    st->f[i].size == 0)
				st->f[i].size = v;
		}
		st->f[i].n_unpack = 1;
	}
	while (!c->bad && (id = number(c)) != K_END) {
		if (id == K_CRC && crc != NULL)
			digests(c, st->nf, crc);
		else
			c->bad = true;
	}
	for (i = 0; crc != NULL && i < st->nf; i++)
		st->f[i].crc = crc[i];
	free(crc);
	return true;
}

/* sub_sizes: the size of every unpack stream; false on ENOMEM */
static bool
sub_sizes(struct cur *c, struct streams *st, bool have_sizes)
{
	uint64_t total = 0, sum, v, k;
	size_t i, n = 0;

	if (st->sub != NULL) {
		/* a second MainStreamsInfo, read into the same streams */
		c->bad = true;
		return true;
	}
	for (i = 0; i < st->nf; i++) {
		total += st->f[i].n_unpack;
		/* each stream but the last of a folder costs a byte */
		if (st->f[i].n_unpack > left(c) + 1 || total > c->end) {
			c->bad = true;
			return true;
		}
	}
	if (total == 0)
		return true;
	if ((st->sub = calloc((size_t)total, sizeof(*st->sub))) == NULL)
		return false;
	st->n_sub = (size_t)total;
	for (i = 0; i < st->nf && !c->bad; i++) {
		if (st->f[i].n_unpack == 0)
			continue;
		sum = 0;
		for (k = 1; have_sizes && k < st->f[i].n_unpack; k++) {
			v = number(c);
			st->sub[n++] = v;
			sum += v;
		}
		if (!have_sizes && st->f[i].n_unpack > 1)
			c->bad = true; /* several streams need their sizes */
		st->sub[n++] = sum <= st->f[i].size ? st->f[i].size - sum : 0;
	}
	return true;
}

/* substreams: streams per folder, their sizes; false on ENOMEM */
static bool
substreams(struct cur *c, struct streams *st)
{
	uint64_t id, k = 0;
	size_t i;

	id = number(c);
	if (id == K_NUM_UNPACK) {
		for (i = 0; i < st->nf && !c->bad; i++)
			st->f[i].n_unpack = number(c);
		id = number(c);
	}
	if (c->bad || st->sub != NULL) {
		c->bad = true;
		return true;
	}
	if (!sub_sizes(c, st, id == K_SIZE))
		return false;
	if (id == K_SIZE)
		id = number(c);
	for (i = 0; i < st->nf; i++)
		k += st->f[i].n_unpack == 1 && st->f[i].crc ? 0
							    : st->f[i].n_unpack;
	while (!c->bad && id != K_END) {
		if (id == K_CRC)
			digests(c, (size_t)k, NULL);
		else
			c->bad = true;
		id = number(c);
	}
	return true;
}

/*
 * streams_info: PackInfo, UnpackInfo, SubStreamsInfo. Returns false when
 * memory ran out; damage sets c->bad.
 */
static bool
streams_info(struct cur *c, struct streams *st)
{
	uint64_t id;
	bool ok = true, subs = false;

	while (ok && !c->bad && (id = number(c)) != K_END) {
		if (id == K_PACK_INFO) {
			pack_info(c, st);
		} else if (id == K_UNPACK_INFO) {
			ok = unpack_info(c, st);
		} else if (id == K_SUBSTREAMS) {
			ok = substreams(c, st);
			subs = true;
		} else {
			c->bad = true;
		}
	}
	if (ok && !subs && !c->bad && st->nf > 0)
		ok = sub_sizes(c, st, false);
	return ok;
}

static void
streams_free(struct streams *st)
{
	free(st->f);
	free(st->sub);
	memset(st, 0, sizeof(*st));
}

/* utf16_name: a NUL-terminated UTF-16LE name at the cursor, as UTF-8 */
static char *
utf16_name(struct cur *c)
{
	size_t start = c->pos, n;
	struct buf b;
	char *s;

	while (left(c) >= 2 && (c->p[c->pos] | c->p[c->pos + 1]) != 0)
		c->pos += 2;
	if (left(c) < 2) {
		c->bad = true;
		return strdup("");
	}
	n = c->pos - start;
	c->pos += 2;
	buf_init(&b, SEVENZIP_NAME_MAX);
	if (charset_to_utf8("utf-16le", c->p + start, n, &b) ==
	    CHARSET_ENOMEM) {
		buf_free(&b);
		return NULL;
	}
	if ((s = buf_steal(&b, NULL)) == NULL)
		s = strdup("");
	return s;
}

/* file_props: what FilesInfo says of each file, before mapping */
struct file_props {
	bool *empty, *empty_file, *dir;
	size_t n_empty;
};

static bool
file_names(struct cur *c, struct sevenzip *sz, uint64_t nfiles)
{
	uint64_t i;
	char *s;

	if (byte(c) != 0) /* external: not supported */
		return true;
	for (i = 0; i < nfiles && !c->bad; i++) {
		if ((s = utf16_name(c)) == NULL)
			return false;
		if (i < sz->n) {
			free(sz->files[i].name);
			sz->files[i].name = s;
		} else {
			free(s);
		}
	}
	return true;
}

/* file_attributes: directories; returns false when memory ran out */
static bool
file_attributes(struct cur *c, struct file_props *fp, size_t nfiles)
{
	bool *def;
	size_t i;

	if ((def = calloc(nfiles + 1, sizeof(*def))) == NULL)
		return false;
	if (byte(c) != 0)
		for (i = 0; i < nfiles; i++)
			def[i] = true;
	else
		(void)bits(c, nfiles, def);
	if (byte(c) != 0) /* external */
		c->bad = true;
	for (i = 0; i < nfiles && !c->bad; i++)
		if (def[i] && left(c) >= 4) {
			fp->dir[i] =
			    (le32(c->p + c->pos) & ATTR_DIRECTORY) != 0;
			c->pos += 4;
		}
	free(def);
	return true;
}

/* map_files: each file to its stream and folder */
static void
map_files(
    struct sevenzip *sz, const struct streams *st, const struct file_props *fp)
{
	size_t i, f = 0, k = 0, e = 0;
	uint64_t in_folder = 0;
	struct sevenzip_file *x;

	for (i = 0; i < sz->n; i++) {
		x = &sz->files[i];
		if (fp->empty[i]) {
			x->dir = fp->dir[i] || !fp->empty_file[e];
			e++;
			continue;
		}
		x->dir = fp->dir[i];
		x->has_stream = true;
		while (f < st->nf && st->f[f].n_unpack == 0)
			f++;
		if (f < st->nf) {
			x->encrypted = st->f[f].aes;
			if (++in_folder >= st->f[f].n_unpack) {
				f++;
				in_folder = 0;
			}
		} else {
			sz->damaged = true; /* more files than streams */
		}
		if (k < st->n_sub)
			x->size = st->sub[k++];
	}
}

/* files_info: returns false when memory ran out */
static bool
files_info(struct cur *c, struct sevenzip *sz, const struct streams *st,
    size_t max_entries)
{
	struct file_props fp;
	struct cur p;
	uint64_t nfiles, type, size;
	size_t i, keep;
	bool ok = false;

	memset(&fp, 0, sizeof(fp));
	nfiles = number(c);
	/* a file without data costs at least one bit somewhere; a second
	   FilesInfo (or one after a damaged read) is damage */
	if (c->bad || sz->files != NULL || nfiles > st->n_sub + left(c) * 8) {
		c->bad = true;
		return true;
	}
	keep = nfiles > max_entries ? max_entries : (size_t)nfiles;
	sz->truncated = nfiles > max_entries;
	if ((fp.empty = calloc((size_t)nfiles + 1, sizeof(bool))) == NULL ||
	    (fp.empty_file = calloc((size_t)nfiles + 1, sizeof(bool))) ==
		NULL ||
	    (fp.dir = calloc((size_t)nfiles + 1, sizeof(bool))) == NULL ||
	    (sz->files = calloc(keep + 1, sizeof(*sz->files))) == NULL)
		goto out;
	for (sz->n = 0; sz->n < keep; sz->n++)
		if ((sz->files[sz->n].name = strdup("")) == NULL)
			goto out;
	while (!c->bad && (type = number(c)) != K_END) {
		size = number(c);
		if (size > left(c)) {
			c->bad = true;
			break;
		}
		p = *c;
		p.end = c->pos + (size_t)size;
		if (type == K_EMPTY_STREAM) {
			fp.n_empty = bits(&p, (size_t)nfiles, fp.empty);
		} else if (type == K_EMPTY_FILE) {
			(void)bits(&p, fp.n_empty, fp.empty_file);
		} else if (type == K_NAME) {
			if (!file_names(&p, sz, nfiles))
				goto out;
		} else if (type == K_ATTRIBUTES) {
			if (!file_attributes(&p, &fp, (size_t)nfiles))
				goto out;
		}
		if (p.bad)
			sz->damaged = true;
		c->pos = p.end;
	}
	map_files(sz, st, &fp);
	ok = true;
out:
	free(fp.empty);
	free(fp.empty_file);
	free(fp.dir);
	for (i = 0; !ok && sz->files != NULL && i < sz->n; i++)
		free(sz->files[i].name);
	if (!ok) {
		free(sz->files);
		sz->files = NULL;
		sz->n = 0;
	}
	return ok;
}

/* header: a plain kHeader; returns false when memory ran out */
static bool
header(struct cur *c, struct sevenzip *sz, size_t max_entries)
{
	struct streams st, extra;
	uint64_t id, t;
	bool ok = true;
	size_t i;

	memset(&st, 0, sizeof(st));
	memset(&extra, 0, sizeof(extra));
	while (ok && !c->bad && (id = number(c)) != K_END) {
		if (id == K_ARCHIVE_PROPS) {
			while (!c->bad && (t = number(c)) != K_END)
				skip(c, number(c));
		} else if (id == K_ADD_STREAMS) {
			ok = streams_info(c, &extra);
		} else if (id == K_MAIN_STREAMS) {
			ok = streams_info(c, &st);
		} else if (id == K_FILES) {
			ok = files_info(c, sz, &st, max_entries);
		} else {
			c->bad = true;
		}
	}
	/* this header's folders replace what an earlier, damaged read of
	   the same archive counted (sevenzip_read_header() after it) */
	sz->n_folders = st.nf;
	sz->n_encrypted_folders = 0;
	for (i = 0; i < st.nf; i++) {
		if (st.f[i].aes)
			sz->n_encrypted_folders++;
		if (st.f[i].memory > sz->max_memory)
			sz->max_memory = st.f[i].memory;
	}
	sz->data_encrypted = sz->n_encrypted_folders > 0;
	sz->listed = ok && !c->bad;
	streams_free(&st);
	streams_free(&extra);
	return ok;
}

/* encoded: a kEncodedHeader: encrypted, or where its packed bytes are */
static bool
encoded(struct cur *c, struct sevenzip *sz, size_t len)
{
	struct streams st;
	size_t i;
	bool ok;

	memset(&st, 0, sizeof(st));
	ok = streams_info(c, &st);
	for (i = 0; i < st.nf; i++) {
		if (st.f[i].aes)
			sz->headers_encrypted = true;
		if (st.f[i].memory > sz->max_memory)
			sz->max_memory = st.f[i].memory;
	}
	sz->header_packed = !sz->headers_encrypted;
	if (ok && !c->bad && sz->header_packed && st.nf == 1 && st.f[0].lzma &&
	    st.packs && st.pack_pos <= len - START_LEN &&
	    st.pack_size <= len - START_LEN - st.pack_pos) {
		sz->hdr_lzma = true;
		memcpy(sz->hdr_props, st.f[0].props, sizeof(sz->hdr_props));
		sz->hdr_off = START_LEN + st.pack_pos;
		sz->hdr_packed = st.pack_size;
		sz->hdr_size = st.f[0].size;
	}
	streams_free(&st);
	return ok;
}

int
sevenzip_read(
    const void *data, size_t len, size_t max_entries, struct sevenzip **out)
{
	const unsigned char *p = data;
	struct sevenzip *sz;
	struct cur c;
	uint64_t off, size;
	bool ok = true;

	*out = NULL;
	if (len < SIG_LEN || memcmp(p, sig, SIG_LEN) != 0)
		return SEVENZIP_EINPUT;
	if ((sz = calloc(1, sizeof(*sz))) == NULL)
		return SEVENZIP_ENOMEM;
	if (len < START_LEN) {
		sz->cut = true;
		goto out;
	}
	if (zipinfo_crc32(0, p + 12, 20) != le32(p + 8))
		sz->damaged = true;
	off = le64(p + 12);
	size = le64(p + 20);
	if (off == 0 && size == 0) {
		sz->listed = true; /* an empty archive */
		goto out;
	}
	if (off > len - START_LEN || size > len - START_LEN - off) {
		sz->cut = true;
		goto out;
	}
	c.p = p + START_LEN + off;
	c.pos = 0;
	c.end = (size_t)size;
	c.bad = false;
	if (zipinfo_crc32(0, c.p, c.end) != le32(p + 28))
		sz->damaged = true;
	switch (number(&c)) {
	case K_ENCODED_HEADER:
		ok = encoded(&c, sz, len);
		break;
	case K_HEADER:
		ok = header(&c, sz, max_entries);
		break;
	default:
		c.bad = true;
		break;
	}
	if (c.bad)
		sz->damaged = true;
out:
	if (!ok) {
		sevenzip_free(sz);
		return SEVENZIP_ENOMEM;
	}
	*out = sz;
	return SEVENZIP_OK;
}

int
sevenzip_read_header(
    struct sevenzip *sz, const void *hdr, size_t len, size_t max_entries)
{
	struct cur c = { hdr, 0, len, false };

	if (sz->listed || sz->n > 0)
		return SEVENZIP_EINPUT;
	if (number(&c) != K_HEADER)
		c.bad = true;
	else if (!header(&c, sz, max_entries))
		return SEVENZIP_ENOMEM;
	if (c.bad)
		sz->damaged = true;
	return SEVENZIP_OK;
}

void
sevenzip_free(struct sevenzip *sz)
{
	size_t i;

	if (sz == NULL)
		return;
	for (i = 0; i < sz->n; i++) {
		explicit_bzero(sz->files[i].name, strlen(sz->files[i].name));
		free(sz->files[i].name);
	}
	free(sz->files);
	free(sz);
}
