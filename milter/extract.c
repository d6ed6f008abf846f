/*
 * extract - identify content, dispatch to the format's extractor, keep the
 * budget. See extract.h for the contract.
 *
 * Identification: our own signatures first (they are exact and cheap,
 * and they decide the cases libmagic blurs: every CFB file goes to the
 * OLE reader, which tells encrypted OOXML from .doc/.xls itself), then
 * libmagic's MIME type, then the declared type and the file name for
 * what only they can tell (CSV is plain text to libmagic), then a look
 * at the bytes (text or binary).
 *
 * Why the budget lives here and not in each extractor: a limit means the
 * same thing whatever the format, and a node cut by one must say so in the
 * same words; extractors call the helpers and stay about their format.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <time.h>

#include <magic.h>

#include "extract.h"

/* Below this, a high ratio is ordinary (XML, zero padding), not a bomb;
   bombs are caught by the expanded-bytes budget anyway. */
#define RATIO_FLOOR (1024 * 1024)

struct extract {
	const struct dlp_limits *lim;
	const struct extract_sink *sink;
	magic_t magic;
	size_t expanded; /* bytes unpacked from containers so far */
	struct timespec start;
	const char *name; /* the file name of the node being extracted */
	size_t root_len;  /* the bytes of the MIME part being extracted */
};

struct extract *
extract_new(
    const struct dlp_limits *lim, const struct extract_sink *sink, void *magic)
{
	struct extract *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->lim = lim;
	x->sink = sink;
	x->magic = magic;
	clock_gettime(CLOCK_MONOTONIC, &x->start);
	return x;
}

void
extract_free(struct extract *x)
{
	free(x);
}

const char *
extract_name(const struct extract *x)
{
	return x->name;
}

const struct dlp_limits *
extract_limits(const struct extract *x)
{
	return x->lim;
}

bool
extract_time_left(const struct extract *x)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - x->start.tv_sec) * 1000 +
	    (now.tv_nsec - x->start.tv_nsec) / 1000000;
	return ms < (long long)x->lim->max_scan_ms;
}

bool
extract_budget(struct extract *x, size_t n)
{
	if (n > x->lim->max_expanded_bytes - x->expanded)
		return false;
	x->expanded += n;
	return true;
}

bool
extract_ratio_ok(const struct extract *x, size_t len, size_t packed)
{
	size_t max = x->lim->max_ratio;

	if (packed > 0 && len / packed > max)
		return false;
	/* a member past the floor is also measured against the MIME part
	   it came in: levels of gzip in gzip each under the ratio still
	   multiply (293 bytes to 64 MB in seven) */
	return len <= RATIO_FLOOR || x->root_len == 0 ||
	    len / x->root_len <= max;
}

bool
extract_count_member(struct extract *x, long parent, unsigned *count)
{
	if (*count >= x->lim->max_members) {
		if (*count == x->lim->max_members)
			extract_mark(x, parent, DLP_ENC_NOT_INSPECTABLE,
			    "limit:members", false);
		*count = x->lim->max_members + 1; /* marked once */
		return false;
	}
	(*count)++;
	return true;
}

int
extract_text(struct extract *x, long node, const char *charset,
    const void *data, size_t len)
{
	return x->sink->node_text(x->sink->arg, node, charset, data, len, 0);
}

void
extract_locate(struct extract *x, long node, const char *label)
{
	x->sink->node_locate(x->sink->arg, node, label);
}

int
extract_text_marked(struct extract *x, long node, const void *data, size_t len,
    const struct extract_mark *marks, size_t n)
{
	const struct extract_sink *k = x->sink;
	const unsigned char *p = data;
	size_t i, at = 0;

	if (k->node_text_marked != NULL)
		return k->node_text_marked(k->arg, node, data, len, marks, n);
	for (i = 0; i < n; i++) {
		if (marks[i].off > at &&
		    k->node_text(k->arg, node, "utf-8", p + at,
			marks[i].off - at, 0) != 0)
			return -1;
		at = marks[i].off;
		k->node_locate(k->arg, node, marks[i].label);
	}
	if (len > at &&
	    k->node_text(k->arg, node, "utf-8", p + at, len - at, 0) != 0)
		return -1;
	return 0;
}

void
extract_mark(struct extract *x, long node, enum dlp_encryption enc,
    const char *detail, bool weak)
{
	x->sink->node_mark(x->sink->arg, node, enc, detail, weak);
}

void
extract_type(struct extract *x, long node, const char *type)
{
	x->sink->node_type(x->sink->arg, node, type);
}

/* Signatures */

static bool
has_prefix(const void *data, size_t len, const void *sig, size_t n)
{
	return len >= n && memcmp(data, sig, n) == 0;
}

static bool
has_at(const void *data, size_t len, size_t off, const void *sig, size_t n)
{
	return len >= off + n && memcmp((const char *)data + off, sig, n) == 0;
}

/* The bounded region a zip's names are in: the whole file if small. */
static bool
zip_has_name(const void *data, size_t len, const char *name)
{
	/* names sit in local headers and in the central directory at the
	   end; OOXML and ODF put the telling ones near either end */
	size_t n = strlen(name), edge = 256 * 1024;
	const char *p = data;

	if (len <= 2 * edge)
		return memmem(p, len, name, n) != NULL;
	return memmem(p, edge, name, n) != NULL ||
	    memmem(p + len - edge, edge, name, n) != NULL;
}

/*
 * A zip's end-of-central-directory record near the end: a zip that does
 * not start with a local header (the last volume of a split archive, a
 * self-extracting .exe, data prepended on purpose) is still a zip to any
 * unzip, so it must be one to us. The record's comment length must reach
 * exactly the end, so stray "PK\5\6" bytes do not count.
 */
static bool
has_zip_eocd(const unsigned char *p, size_t len)
{
	size_t i, start, clen;

	if (len < 22)
		return false;
	start = len > 22 + 65535 ? len - 22 - 65535 : 0;
	for (i = len - 22 + 1; i-- > start;) {
		if (p[i] != 'P' || p[i + 1] != 'K' || p[i + 2] != 5 ||
		    p[i + 3] != 6)
			continue;
		clen = (size_t)p[i + 20] | (size_t)p[i + 21] << 8;
		if (i + 22 + clen == len)
			return true;
	}
	return false;
}

const char *
extract_signature(const void *data, size_t len)
{
	static const unsigned char cfb[] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1,
		0x1a, 0xe1 };
	static const unsigned char sevenz[] = { '7', 'z', 0xbc, 0xaf, 0x27,
		0x1c };
	static const unsigned char xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const unsigned char zstd[] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char gz[] = { 0x1f, 0x8b };
	static const unsigned char tnef[] = { 0x78, 0x9f, 0x3e, 0x22 };
	const char *pdf;

	if (data == NULL || len == 0)
		return NULL;
	if (has_prefix(data, len, "PK\3\4", 4) ||
	    has_prefix(data, len, "PK\5\6", 4) ||
	    has_prefix(data, len, "PK\7\10", 4)) {
		if (has_at(data, len, 30,
			"mimetypeapplication/vnd.oasis."
			"opendocument.",
			42))
			return "application/vnd.oasis.opendocument";
		if (zip_has_name(data, len, "[Content_Types].xml"))
			return "application/vnd.openxmlformats-officedocument";
		return "application/zip";
	}
	if (has_prefix(data, len, cfb, sizeof(cfb)))
		return "application/x-ole-storage";
	if (has_prefix(data, len, tnef, sizeof(tnef)))
		return "application/vnd.ms-tnef";
	/* "%PDF-" may follow up to 1 KiB of junk, as readers accept */
	pdf = memmem(data, len < 1024 ? len : 1024, "%PDF-", 5);
	if (pdf != NULL)
		return "application/pdf";
	if (has_prefix(data, len, "{\\rtf", 5))
		return "text/rtf";
	if (has_prefix(data, len, sevenz, sizeof(sevenz)))
		return "application/x-7z-compressed";
	if (has_prefix(data, len, "Rar!\x1a\x07", 6))
		return "application/vnd.rar";
	if (has_prefix(data, len, xz, sizeof(xz)))
		return "application/x-xz";
	if (has_prefix(data, len, zstd, sizeof(zstd)))
		return "application/zstd";
	if (has_prefix(data, len, gz, sizeof(gz)))
		return "application/gzip";
	if (has_prefix(data, len, "BZh", 3) && len > 3 &&
	    ((const char *)data)[3] >= '1' && ((const char *)data)[3] <= '9')
		return "application/x-bzip2";
	if (has_at(data, len, 257, "ustar", 5))
		return "application/x-tar";
	if (has_prefix(data, len, "MSCF\0\0\0\0", 8))
		return "application/vnd.ms-cab-compressed";
	if (has_zip_eocd(data, len))
		return "application/zip";
	if (len > 7 && ((const char *)data)[2] == '-' &&
	    ((const char *)data)[3] == 'l' &&
	    (((const char *)data)[4] == 'h' ||
		((const char *)data)[4] == 'z') &&
	    ((const char *)data)[6] == '-')
		return "application/x-lzh-compressed";
	return NULL;
}

/* Bytes that read as text: no NUL, few control characters. */
static bool
looks_like_text(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i, ctl = 0, n = len < 65536 ? len : 65536;

	for (i = 0; i < n; i++) {
		if (p[i] == 0)
			return false;
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' &&
		    p[i] != '\t' && p[i] != 0x1b && p[i] != '\f')
			ctl++;
	}
	return ctl * 100 <= n;
}

static bool
name_ends(const char *name, const char *suffix)
{
	size_t n, s = strlen(suffix);

	if (name == NULL || (n = strlen(name)) < s)
		return false;
	return strcasecmp(name + n - s, suffix) == 0;
}

const char *
extract_identify(struct extract *x, const char *declared_type,
    const char *filename, const void *data, size_t len)
{
	const char *t;

	if (len == 0)
		return "application/x-empty";
	if ((t = extract_signature(data, len)) != NULL)
		return t;
	if (x->magic != NULL && len > 0 &&
	    (t = magic_buffer(x->magic, data, len)) != NULL &&
	    strcmp(t, "application/octet-stream") != 0 &&
	    strcmp(t, "text/plain") != 0)
		return t;
	/* what libmagic calls plain text, a name or a declared type can
	   say more precisely */
	if (name_ends(filename, ".eml") ||
	    (declared_type != NULL &&
		strcasecmp(declared_type, "message/rfc822") == 0))
		return "message/rfc822";
	if (name_ends(filename, ".html") || name_ends(filename, ".htm") ||
	    (declared_type != NULL &&
		strcasecmp(declared_type, "text/html") == 0))
		return looks_like_text(data, len) ? "text/html"
						  : "application/octet-stream";
	if (looks_like_text(data, len))
		return name_ends(filename, ".csv") ? "text/csv" : "text/plain";
	return "application/octet-stream";
}

/* The extractors, by the type identified. */
static const struct {
	const char *type; /* a prefix of the identified type */
	extract_fn fn;
} dispatch[] = {
	{ "application/vnd.openxmlformats-officedocument", extract_ooxml },
	{ "application/vnd.oasis.opendocument", extract_odf },
	{ "application/x-ole-storage", extract_ole },
	{ "application/msword", extract_ole },
	{ "application/vnd.ms-excel", extract_ole },
	{ "application/vnd.ms-powerpoint", extract_ole },
	{ "application/vnd.ms-office", extract_ole },
	{ "application/CDFV2", extract_ole },
	{ "application/vnd.ms-tnef", extract_tnef },
	{ "application/ms-tnef", extract_tnef },
	{ "application/pdf", extract_pdf },
	{ "text/rtf", extract_rtf },
	{ "application/rtf", extract_rtf },
	{ "application/zip", extract_archive },
	{ "application/x-7z-compressed", extract_archive },
	{ "application/vnd.rar", extract_archive },
	{ "application/x-rar", extract_archive },
	{ "application/x-tar", extract_archive },
	{ "application/gzip", extract_archive },
	{ "application/x-gzip", extract_archive },
	{ "application/x-bzip2", extract_archive },
	{ "application/x-xz", extract_archive },
	{ "application/zstd", extract_archive },
	{ "application/x-lzh-compressed", extract_archive },
	{ "application/vnd.ms-cab-compressed", extract_archive },
	{ "application/x-cpio", extract_archive },
	{ "application/x-iso9660-image", extract_archive },
};

static extract_fn
extractor_for(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(dispatch) / sizeof(dispatch[0]); i++)
		if (strncmp(type, dispatch[i].type, strlen(dispatch[i].type)) ==
		    0)
			return dispatch[i].fn;
	return NULL;
}

int
extract_node(struct extract *x, long node, unsigned depth,
    const char *declared_type, const char *filename, const void *data,
    size_t len)
{
	const struct extract_sink *k = x->sink;
	size_t outer_root = x->root_len;
	const char *type;
	extract_fn fn;
	int rc = DLP_OK;

	if (!extract_time_left(x)) {
		extract_mark(
		    x, node, DLP_ENC_NOT_INSPECTABLE, "limit:time", false);
		k->node_done(k->arg, node);
		return DLP_PARTIAL;
	}
	/* a MIME part (depth 0; a message inside a member brings its own,
	   so the outer one is put back after) */
	if (depth == 0)
		x->root_len = len;
	type = extract_identify(x, declared_type, filename, data, len);
	k->node_type(k->arg, node, type);
	if ((fn = extractor_for(type)) != NULL) {
		const char *outer = x->name;

		x->name = filename;
		rc = fn(x, node, depth, data, len);
		x->name = outer;
		if (rc == DLP_EINPUT)
			extract_mark(
			    x, node, DLP_ENC_NOT_INSPECTABLE, "corrupt", false);
	} else if (strcmp(type, "message/rfc822") == 0) {
		k->node_message(k->arg, node, data, len);
	} else if (strcmp(type, "text/html") == 0) {
		k->node_text(k->arg, node, NULL, data, len, EXTRACT_TEXT_HTML);
	} else if (strncmp(type, "text/", 5) == 0) {
		k->node_text(k->arg, node, NULL, data, len, 0);
	} else if (strcmp(type, "application/pgp-encrypted") == 0) {
		/* armored: text, where the scan finds the armor (pgp-inline)
		   and reads what is around it; binary: an OpenPGP message */
		if (looks_like_text(data, len))
			k->node_text(k->arg, node, NULL, data, len, 0);
		else
			extract_mark(
			    x, node, DLP_ENC_ENCRYPTED, "pgp-binary", false);
	} else if (len > 0 && looks_like_text(data, len)) {
		/* a type of its own that is text all the same (JSON, SVG,
		   PostScript, a vCard as libmagic names them): read as text,
		   under the type identified */
		k->node_text(k->arg, node, NULL, data, len, 0);
	}
	/* anything else is binary: identified, nothing to read */
	k->node_done(k->arg, node);
	x->root_len = outer_root;
	return rc;
}

int
extract_member(struct extract *x, long parent, unsigned depth, const char *name,
    const void *data, size_t len, size_t packed)
{
	const struct extract_sink *k = x->sink;
	const char *why = NULL;
	long c;

	if ((c = k->node_new(k->arg, parent, name, len)) < 0)
		return DLP_EFATAL;
	if (k->node_bytes != NULL)
		k->node_bytes(k->arg, c, data, len);
	if (depth + 1 > x->lim->max_container_depth)
		why = "limit:depth";
	else if (len > x->lim->max_member_bytes)
		why = "limit:size";
	else if (len > RATIO_FLOOR && !extract_ratio_ok(x, len, packed))
		why = "limit:ratio";
	if (why != NULL) {
		extract_mark(x, c, DLP_ENC_NOT_INSPECTABLE, why, false);
		k->node_done(k->arg, c);
		return DLP_PARTIAL;
	}
	return extract_node(x, c, depth + 1, NULL, name, data, len);
}

int
extract_member_opaque(struct extract *x, long parent, const char *name,
    size_t size, enum dlp_encryption enc, const char *detail, bool weak)
{
	const struct extract_sink *k = x->sink;
	long c;

	if ((c = k->node_new(k->arg, parent, name, size)) < 0)
		return DLP_EFATAL;
	extract_mark(x, c, enc, detail, weak);
	k->node_done(k->arg, c);
	return DLP_OK;
}

int
extract_member_cut(struct extract *x, long parent, const char *name,
    size_t size, const void *data, size_t len, const char *why)
{
	const struct extract_sink *k = x->sink;
	long c;

	if ((c = k->node_new(k->arg, parent, name, size)) < 0)
		return DLP_EFATAL;
	if (k->node_bytes != NULL && data != NULL)
		k->node_bytes(k->arg, c, data, len);
	extract_mark(x, c, DLP_ENC_NOT_INSPECTABLE, why, false);
	k->node_done(k->arg, c);
	return DLP_OK;
}
