/*
 * extract_ole - OLE compound files (CFB): legacy Office documents, every
 * Office encryption, Outlook messages. Implements extract_ole() of
 * extract.h.
 *
 * The container is read with libgsf from memory. What it is comes from
 * the streams it holds, never from a name or declared type:
 *   EncryptionInfo + EncryptedPackage  encrypted OOXML: 4.4 is agile,
 *                      3.2/4.2 (and 2.2, 3.3, 4.3 with the CryptoAPI or
 *                      AES flag) standard, 3.3/4.3 without them
 *                      "ooxml-extensible"; other versions are damage
 *   WordDocument       .doc (ole_doc.c)
 *   Workbook, Book     .xls, BIFF8 and BIFF5 (ole_xls.c)
 *   PowerPoint Document  .ppt: encrypted when the Current User token says
 *                      so or the current edit names a CryptSession10
 *                      (RC4 CryptoAPI, weak); else the text of its
 *                      TextChars and TextBytes atoms
 *   __substg1.0_*      Outlook .msg: subject, sender, recipients' display
 *                      names, each recipient's name and addresses
 *                      (__recip_version1.0_*) and body as text (the HTML or compressed RTF
 *                      body as a member when there is no plain one), and
 *                      each attachment as a member (extract_member());
 *                      an attached message or OLE object, a storage, is
 *                      copied into a compound file of its own first
 *   anything else      plain, no text, not an error.
 * The node's type becomes what was found (extract_type()): msword,
 * vnd.ms-excel, vnd.ms-powerpoint, vnd.ms-outlook; encrypted OOXML and
 * other compound files stay application/x-ole-storage.
 * Documents' summary properties (title, subject, author, keywords,
 * comments, last author; category, manager, company) are text too, at
 * the location "properties". Embedded objects of .doc (ObjectPool) and
 * .xls (MBD storages) become members: an OOXML "Package" stream, an
 * Ole10Native package's file, a CONTENTS stream, or the storage itself
 * when it is an Office document.
 *
 * Not read: ppt slide numbers (text is not located), ppt embedded
 * objects (compressed ExOleObjStg), VBA macros, Visio and other CFB
 * formats. Encrypted content is not decrypted, with one exception: an
 * encrypted OOXML file that Excel's default password ("VelvetSweatshop")
 * opens is readable by anyone, so it is reported encrypted but weak, and
 * its package is scanned as the member "EncryptedPackage" (officecrypt.c).
 *
 * Limits: a stream larger than the compound file is damage; streams are
 * read whole (so memory is a few times the file); storages copied out are
 * bounded by the file and by the container depth; member counts go
 * through extract_count_member(). libgsf may print GLib warnings about
 * damaged files on stderr; that is libgsf's, nothing is logged here.
 *
 * Why one file past 1,000 lines: the PowerPoint and Outlook readers are
 * small and share the stream, property and member helpers here; they
 * would split off as ole_ppt.c and ole_msg.c if they grow.
 *
 * Thread-safety: one call per struct extract at a time; libgsf objects
 * are created and freed within the call.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-input.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-output.h>

#include "charset.h"
#include "ole.h"
#include "officecrypt.h"
#include "rtfcp.h"

#define MAX_CLONE_LEVEL 16  /* storages inside a copied storage */
#define MAX_NAME_BYTES	512 /* a member name from the file */
#define MAX_EDITS	64  /* PowerPoint user edits followed */
#define MAX_PROPS	256 /* properties read per property set */

/* One compound file being read. */
struct ole {
	struct extract *x;
	long node;
	unsigned depth;
	size_t len;	  /* the file's size: no stream is larger */
	unsigned members; /* for extract_count_member() */
};

/* Text helpers shared with ole_doc.c and ole_xls.c */

int
ole_put_cp(struct buf *out, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if ((cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return buf_append(out, u, n);
}

int
ole_utf16_to_utf8(struct buf *out, const unsigned char *p, size_t n)
{
	uint32_t c, d;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		c = ole_u16(p + 2 * i);
		if (c == 0)
			continue;
		if (c >= 0xD800 && c < 0xDC00 && i + 1 < n &&
		    (d = ole_u16(p + 2 * i + 2)) >= 0xDC00 && d < 0xE000) {
			c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
			i++;
		}
		if ((rc = ole_put_cp(out, c)) != BUF_OK)
			return rc;
	}
	return BUF_OK;
}

int
ole_latin1_to_utf8(struct buf *out, const unsigned char *p, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if (p[i] != 0 && (rc = ole_put_cp(out, p[i])) != BUF_OK)
			return rc;
	return BUF_OK;
}

const char *
ole_codepage_charset(unsigned cp)
{
	static const struct {
		unsigned cp;
		const char *cs;
	} map[] = { { 932, "cp932" }, { 936, "gbk" }, { 949, "cp949" },
		{ 950, "big5" }, { 874, "cp874" }, { 1250, "cp1250" },
		{ 1251, "cp1251" }, { 1252, "cp1252" }, { 1253, "cp1253" },
		{ 1254, "cp1254" }, { 1255, "cp1255" }, { 1256, "cp1256" },
		{ 1257, "cp1257" }, { 1258, "cp1258" }, { 1200, "utf-16le" },
		{ 10000, "macintosh" }, { 10001, "shift_jis" },
		{ 20127, "us-ascii" }, { 20932, "euc-jp" },
		{ 28591, "iso-8859-1" }, { 50220, "iso-2022-jp" },
		{ 50221, "iso-2022-jp" }, { 50222, "iso-2022-jp" },
		{ 51932, "euc-jp" }, { 65001, "utf-8" } };
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].cp == cp)
			return map[i].cs;
	return NULL;
}

int
ole_flush(struct extract *x, long node, struct buf *out)
{
	int rc = 0;

	if (out->len > 0)
		rc = extract_text(x, node, "utf-8", out->data, out->len) < 0
		    ? -1
		    : 0;
	buf_reset(out);
	return rc;
}

/* Streams */

static void
stream_free(unsigned char *p, size_t n)
{
	if (p != NULL) {
		explicit_bzero(p, n);
		free(p);
	}
}

/*
 * Read the stream name of dir whole into *data (malloc'ed; the caller
 * frees it with stream_free()) and *n. *data is NULL when there is no
 * such stream (or it is a storage). Returns DLP_OK, DLP_EINPUT (larger
 * than the file, or unreadable) or DLP_EFATAL.
 */
static int
stream_read(const struct ole *o, GsfInfile *dir, const char *name,
    unsigned char **data, size_t *n)
{
	GsfInput *in;
	gsf_off_t size;
	int rc = DLP_OK;

	*data = NULL;
	*n = 0;
	if ((in = gsf_infile_child_by_name(dir, name)) == NULL)
		return DLP_OK;
	if (GSF_IS_INFILE(in) && gsf_infile_num_children(GSF_INFILE(in)) >= 0)
		goto out;
	size = gsf_input_size(in);
	if (size < 0 || (uint64_t)size > o->len) {
		rc = DLP_EINPUT;
		goto out;
	}
	if ((*data = malloc(size > 0 ? (size_t)size : 1)) == NULL) {
		rc = DLP_EFATAL;
		goto out;
	}
	if (size > 0 && gsf_input_read(in, (size_t)size, *data) == NULL) {
		free(*data);
		*data = NULL;
		rc = DLP_EINPUT;
		goto out;
	}
	*n = (size_t)size;
out:
	g_object_unref(in);
	return rc;
}

static bool
has_child(GsfInfile *dir, const char *name)
{
	GsfInput *in = gsf_infile_child_by_name(dir, name);

	if (in == NULL)
		return false;
	g_object_unref(in);
	return true;
}

static bool
is_storage(GsfInput *in)
{
	return GSF_IS_INFILE(in) &&
	    gsf_infile_num_children(GSF_INFILE(in)) >= 0;
}

/* The worse of two results: EFATAL > EINPUT > PARTIAL > OK. */
static int
worse(int a, int b)
{
	return a > b ? a : b;
}

/* Encrypted OOXML */

/*
 * The node is encrypted with method; when Excel's default password opens
 * it (officecrypt.h), anyone can read it: it stays encrypted in the
 * report, marked weak, and the package it hides is scanned as a member
 * named after the stream.
 */
static int
default_password(struct ole *o, GsfInfile *root, const unsigned char *info,
    size_t info_len, const char *method)
{
	const struct dlp_limits *lim = extract_limits(o->x);
	unsigned char *pkg = NULL, *zip = NULL;
	size_t pkg_len, zip_len;
	int rc;

	/* a package that cannot be read whole is only not opened: the
	   file stays what its EncryptionInfo says */
	if ((rc = stream_read(o, root, "EncryptedPackage", &pkg, &pkg_len)) !=
	    DLP_OK) {
		extract_mark(o->x, o->node, DLP_ENC_ENCRYPTED, method, false);
		return rc == DLP_EFATAL ? rc : DLP_OK;
	}
	switch (officecrypt_open(info, info_len, pkg, pkg_len,
	    OFFCRYPT_DEFAULT_PASSWORD, lim->max_member_bytes, &zip, &zip_len)) {
	case OFFCRYPT_OPENED:
		extract_mark(o->x, o->node, DLP_ENC_ENCRYPTED, method, true);
		rc = extract_budget(o->x, zip_len)
		    ? extract_member(o->x, o->node, o->depth,
			  "EncryptedPackage", zip, zip_len, pkg_len)
		    : extract_member_opaque(o->x, o->node, "EncryptedPackage",
			  zip_len, DLP_ENC_NOT_INSPECTABLE, "limit:expanded",
			  false);
		free(zip);
		break;
	case OFFCRYPT_NOMEM: /* larger than a member may be: not read */
		extract_mark(o->x, o->node, DLP_ENC_ENCRYPTED, method, false);
		rc = extract_member_opaque(o->x, o->node, "EncryptedPackage",
		    pkg_len, DLP_ENC_NOT_INSPECTABLE, "limit:size", false);
		break;
	default: /* a real password (or damage the reader sees later) */
		extract_mark(o->x, o->node, DLP_ENC_ENCRYPTED, method, false);
		break;
	}
	stream_free(pkg, pkg_len);
	return rc;
}

static int
ooxml_encrypted(struct ole *o, GsfInfile *root)
{
	unsigned char *info = NULL;
	unsigned major, minor;
	uint32_t flags;
	const char *method = NULL;
	size_t n;
	int rc;

	if ((rc = stream_read(o, root, "EncryptionInfo", &info, &n)) != DLP_OK)
		return rc;
	if (info == NULL || n < 8 || !has_child(root, "EncryptedPackage")) {
		rc = DLP_EINPUT;
		goto out;
	}
	major = ole_u16(info);
	minor = ole_u16(info + 2);
	flags = ole_u32(info + 4);
	if (major == 4 && minor == 4)
		method = "ooxml-agile";
	else if (minor == 2 && major >= 2 && major <= 4)
		method = "ooxml-standard";
	else if (minor == 3 && (major == 3 || major == 4))
		/* fCryptoAPI (0x04) or fAES (0x20): the standard scheme */
		method = (flags & 0x24) ? "ooxml-standard" : "ooxml-extensible";
	if (method == NULL) {
		rc = DLP_EINPUT;
		goto out;
	}
	rc = default_password(o, root, info, n, method);
out:
	stream_free(info, n);
	return rc;
}

/* Summary properties ([MS-OLEPS]) */

static bool
prop_wanted(bool doc_summary, uint32_t pid)
{
	/* title, subject, author, keywords, comments, last author;
	   category, manager, company */
	if (doc_summary)
		return pid == 2 || pid == 0x0E || pid == 0x0F;
	return (pid >= 2 && pid <= 6) || pid == 8;
}

/* One string property at p (n bytes: its type and value) into out. */
static int
prop_string(const unsigned char *p, size_t n, const char *cs, struct buf *out)
{
	uint32_t type, cch;
	size_t len, before = out->len;
	int rc = BUF_OK;

	if (n < 8)
		return BUF_OK;
	type = ole_u32(p) & 0xFFFF;
	cch = ole_u32(p + 4);
	if (type == 0x1F) { /* VT_LPWSTR: characters */
		len = cch < (n - 8) / 2 ? cch : (n - 8) / 2;
		rc = ole_utf16_to_utf8(out, p + 8, len);
	} else if (type == 0x1E) { /* VT_LPSTR: bytes in the code page */
		len = cch < n - 8 ? cch : n - 8;
		if (cs != NULL && strcmp(cs, "utf-16le") == 0) {
			rc = ole_utf16_to_utf8(out, p + 8, len / 2);
		} else {
			len = strnlen((const char *)p + 8, len);
			rc = charset_to_utf8(cs, p + 8, len, out);
			if (rc == CHARSET_GUESSED)
				rc = BUF_OK;
			else if (rc == CHARSET_ENOMEM)
				rc = BUF_ENOMEM;
		}
	} else {
		return BUF_OK;
	}
	/* one line per value; an empty value adds none */
	if (rc == BUF_OK && out->len > before)
		rc = buf_putc(out, '\n');
	return rc;
}

/* The first property set of a property set stream into out. */
static int
props_text(const unsigned char *p, size_t n, bool doc_summary, struct buf *out)
{
	size_t set, size, count, i, e, off;
	const char *cs = NULL;
	uint32_t pid;
	int pass, rc;

	if (n < 48 || ole_u16(p) != 0xFFFE)
		return BUF_OK;
	set = ole_u32(p + 44);
	if (set > n || n - set < 8)
		return BUF_OK;
	size = ole_u32(p + set);
	if (size > n - set)
		size = n - set;
	if (size < 8)
		return BUF_OK;
	count = ole_u32(p + set + 4);
	if (count > (size - 8) / 8)
		count = (size - 8) / 8;
	if (count > MAX_PROPS)
		count = MAX_PROPS;
	/* the code page first: it may be listed after the strings */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < count; i++) {
			e = set + 8 + 8 * i;
			pid = ole_u32(p + e);
			off = ole_u32(p + e + 4);
			if (off >= size || size - off < 8)
				continue;
			off += set;
			if (pass == 0 && pid == 1 && ole_u32(p + off) == 2)
				cs = ole_codepage_charset(ole_u16(p + off + 4));
			if (pass == 1 && prop_wanted(doc_summary, pid) &&
			    (rc = prop_string(
				 p + off, set + size - off, cs, out)) != BUF_OK)
				return rc;
		}
	}
	return BUF_OK;
}

static int
summary_text(struct ole *o, GsfInfile *root)
{
	static const char *const names[] = { "\005SummaryInformation",
		"\005DocumentSummaryInformation" };
	unsigned char *s;
	struct buf out;
	size_t i, n;
	int rc = DLP_OK, brc;

	buf_init(&out, 4 * o->len + 16);
	for (i = 0; i < 2 && rc == DLP_OK; i++) {
		if (stream_read(o, root, names[i], &s, &n) != DLP_OK ||
		    s == NULL)
			continue;
		brc = props_text(s, n, i == 1, &out);
		stream_free(s, n);
		if (brc == BUF_ENOMEM)
			rc = DLP_EFATAL;
	}
	if (rc == DLP_OK && out.len > 0) {
		/* a line of its own, whatever the text before ended with */
		if (extract_text(o->x, o->node, "utf-8", "\n", 1) < 0)
			rc = DLP_PARTIAL;
		extract_locate(o->x, o->node, "properties");
		if (rc == DLP_OK && ole_flush(o->x, o->node, &out) < 0)
			rc = DLP_PARTIAL;
	}
	buf_free(&out);
	return rc;
}

/* Storages copied out, for members that are storages */

static bool
clone_storage(GsfInfile *in, GsfOutfile *out, unsigned level)
{
	GsfInput *child;
	GsfOutput *oc;
	const char *name;
	bool ok = true;
	int i, n;

	if (level > MAX_CLONE_LEVEL)
		return false;
	n = gsf_infile_num_children(in);
	for (i = 0; i < n && ok; i++) {
		if ((name = gsf_infile_name_by_index(in, i)) == NULL ||
		    (child = gsf_infile_child_by_index(in, i)) == NULL) {
			ok = false;
			break;
		}
		if ((oc = gsf_outfile_new_child(
			 out, name, is_storage(child))) == NULL) {
			g_object_unref(child);
			ok = false;
			break;
		}
		if (is_storage(child))
			ok = clone_storage(
			    GSF_INFILE(child), GSF_OUTFILE(oc), level + 1);
		else
			ok = gsf_input_copy(child, oc);
		ok = gsf_output_close(oc) && ok;
		g_object_unref(oc);
		g_object_unref(child);
	}
	return ok;
}

/* The storage st as a compound file of its own, as a member. */
static int
storage_member(struct ole *o, GsfInfile *st, const char *name)
{
	GsfOutput *mem;
	GsfOutfile *cfb = NULL;
	const guint8 *bytes;
	gsf_off_t size;
	bool ok;
	int rc;

	if ((mem = gsf_output_memory_new()) == NULL)
		return DLP_EFATAL;
	if ((cfb = gsf_outfile_msole_new(mem)) == NULL) {
		rc = DLP_EFATAL;
		goto out;
	}
	ok = clone_storage(st, cfb, 0);
	ok = gsf_output_close(GSF_OUTPUT(cfb)) && ok;
	bytes = gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem));
	size = gsf_output_size(mem);
	if (!ok || bytes == NULL || size <= 0) {
		rc = extract_member_opaque(o->x, o->node, name, 0,
		    DLP_ENC_NOT_INSPECTABLE, "corrupt", false);
		rc = worse(rc, DLP_EINPUT);
		goto out;
	}
	rc = extract_member(
	    o->x, o->node, o->depth, name, bytes, (size_t)size, 0);
	/* the copy is message content: wiped before libgsf frees it */
	explicit_bzero((void *)bytes, (size_t)size);
out:
	if (cfb != NULL)
		g_object_unref(cfb);
	g_object_unref(mem);
	return rc;
}

/* Embedded objects (ObjectPool of .doc, MBD storages of .xls) */

/*
 * An Ole10Native stream (a "Package" object): size, 2 bytes, label,
 * source path, 4 bytes, temp path (with its length), data length, data.
 * Gives the data and the label; false when the layout does not hold.
 */
static bool
ole10native(const unsigned char *p, size_t n, const unsigned char **data,
    size_t *dlen, const char **label, size_t *llen)
{
	size_t pos = 6, e;

	if (n < 6)
		return false;
	/* label, then the source path: NUL-terminated */
	if ((e = strnlen((const char *)p + pos, n - pos)) == n - pos)
		return false;
	*label = (const char *)p + pos;
	*llen = e;
	pos += e + 1;
	if ((e = strnlen((const char *)p + pos, n - pos)) == n - pos)
		return false;
	pos += e + 1;
	if (n - pos < 8)
		return false;
	e = ole_u32(p + pos + 4);
	pos += 8;
	if (e > n - pos || n - pos - e < 4)
		return false;
	pos += e;
	e = ole_u32(p + pos);
	pos += 4;
	if (e > n - pos)
		return false;
	*data = p + pos;
	*dlen = e;
	return true;
}

/*
 * A member's name into out: "name/sub" (or either alone), sub a name
 * from the file with its path separators and controls made '_', the
 * whole cut at a character boundary to fit.
 */
static void
member_name(char *out, size_t outlen, const char *name, const char *sub)
{
	size_t i, n;

	if (sub == NULL || *sub == '\0')
		snprintf(out, outlen, "%s", name);
	else if (*name == '\0')
		snprintf(out, outlen, "%s", sub);
	else
		snprintf(out, outlen, "%s/%s", name, sub);
	n = strlen(out);
	for (i = *name != '\0' ? strlen(name) + 1 : 0; i < n; i++)
		if (out[i] == '/' || out[i] == '\\' ||
		    (unsigned char)out[i] < 0x20)
			out[i] = '_';
	/* snprintf may have cut a character: drop its leading bytes */
	if (n == outlen - 1) {
		while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80)
			n--;
		if (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0xC0)
			n--;
		out[n] = '\0';
	}
}

static int
embedded_object(struct ole *o, GsfInfile *st, const char *path)
{
	static const char *const docs[] = { "WordDocument", "Workbook", "Book",
		"PowerPoint Document", "EncryptionInfo",
		"__properties_version1.0", NULL };
	static const char *const raw[] = { "Package", "CONTENTS", "CONTENT",
		NULL };
	char name[MAX_NAME_BYTES + 64];
	const unsigned char *data;
	const char *label;
	unsigned char *s = NULL;
	struct buf lab;
	size_t i, n = 0, dlen, llen;
	int rc;

	if (!extract_count_member(o->x, o->node, &o->members))
		return DLP_PARTIAL;
	for (i = 0; docs[i] != NULL; i++)
		if (has_child(st, docs[i]))
			return storage_member(o, st, path);
	if ((rc = stream_read(o, st, "\001Ole10Native", &s, &n)) != DLP_OK)
		return rc;
	if (s != NULL) {
		buf_init(&lab, 4 * MAX_NAME_BYTES);
		if (ole10native(s, n, &data, &dlen, &label, &llen)) {
			if (llen > MAX_NAME_BYTES)
				llen = MAX_NAME_BYTES;
			/* the label is in the writer's ANSI code page */
			if (charset_to_utf8(NULL, label, llen, &lab) ==
			    CHARSET_ENOMEM) {
				rc = DLP_EFATAL;
			} else {
				member_name(name, sizeof(name), path,
				    lab.len > 0 ? buf_cstr(&lab) : NULL);
				rc = extract_member(o->x, o->node, o->depth,
				    name, data, dlen, 0);
			}
		} else {
			member_name(name, sizeof(name), path, "Ole10Native");
			rc = extract_member(o->x, o->node, o->depth, name,
			    n > 4 ? s + 4 : s, n > 4 ? n - 4 : 0, 0);
		}
		buf_free(&lab);
		stream_free(s, n);
		return rc;
	}
	for (i = 0; raw[i] != NULL; i++) {
		if ((rc = stream_read(o, st, raw[i], &s, &n)) != DLP_OK)
			return rc;
		if (s != NULL) {
			member_name(name, sizeof(name), path, raw[i]);
			rc = extract_member(
			    o->x, o->node, o->depth, name, s, n, 0);
			stream_free(s, n);
			return rc;
		}
	}
	return DLP_OK;
}

/*
 * The embedded objects of dir: its storages whose names start with
 * prefix, each an object.
 */
static int
embedded_objects(
    struct ole *o, GsfInfile *dir, const char *dirname, const char *prefix)
{
	char path[MAX_NAME_BYTES + 64];
	GsfInput *child;
	const char *name;
	int i, n, rc = DLP_OK;

	n = gsf_infile_num_children(dir);
	for (i = 0; i < n && rc != DLP_EFATAL; i++) {
		if ((name = gsf_infile_name_by_index(dir, i)) == NULL ||
		    strncmp(name, prefix, strlen(prefix)) != 0 ||
		    (child = gsf_infile_child_by_index(dir, i)) == NULL)
			continue;
		if (is_storage(child)) {
			member_name(path, sizeof(path), dirname, name);
			rc = worse(
			    rc, embedded_object(o, GSF_INFILE(child), path));
		}
		g_object_unref(child);
	}
	return rc;
}

/* Word */

static int
word(struct ole *o, GsfInfile *root, const unsigned char *wd, size_t wdlen)
{
	unsigned char *tbl = NULL;
	const char *tname;
	struct ole_enc enc;
	GsfInput *pool;
	size_t tlen = 0;
	int rc;

	tname = ole_doc_table_name(wd, wdlen);
	if (tname != NULL &&
	    (rc = stream_read(o, root, tname, &tbl, &tlen)) != DLP_OK)
		return rc;
	if ((rc = ole_doc_encryption(wd, wdlen, tbl, tlen, &enc)) != DLP_OK)
		goto out;
	if (enc.method != NULL) {
		extract_mark(
		    o->x, o->node, DLP_ENC_ENCRYPTED, enc.method, enc.weak);
		goto out;
	}
	rc = ole_doc_text(o->x, o->node, wd, wdlen, tbl, tlen);
	if (rc != DLP_EFATAL)
		rc = worse(rc, summary_text(o, root));
	if (rc != DLP_EFATAL &&
	    (pool = gsf_infile_child_by_name(root, "ObjectPool")) != NULL) {
		if (is_storage(pool))
			rc = worse(rc,
			    embedded_objects(
				o, GSF_INFILE(pool), "ObjectPool", ""));
		g_object_unref(pool);
	}
out:
	stream_free(tbl, tlen);
	return rc;
}

/* Excel */

static int
excel(struct ole *o, GsfInfile *root, const unsigned char *wb, size_t len)
{
	struct ole_enc enc;
	int rc;

	rc = ole_xls_extract(o->x, o->node, wb, len, &enc);
	if (enc.method != NULL) {
		extract_mark(
		    o->x, o->node, DLP_ENC_ENCRYPTED, enc.method, enc.weak);
		return rc;
	}
	if (rc != DLP_EFATAL)
		rc = worse(rc, summary_text(o, root));
	if (rc != DLP_EFATAL)
		rc = worse(rc, embedded_objects(o, root, "", "MBD"));
	return rc;
}

/* PowerPoint ([MS-PPT]) */

#define PPT_CURRENT_USER 0x0FF6
#define PPT_USER_EDIT	 0x0FF5
#define PPT_PERSIST_DIR	 0x1772
#define PPT_CRYPT	 0x2F14
#define PPT_TOKEN_CRYPT	 0xF3D1C4DFu
#define PPT_TEXT_CHARS	 0x0FA0
#define PPT_TEXT_BYTES	 0x0FA8

/* The offset of persist object id in the persist directory at dir. */
static bool
ppt_persist(
    const unsigned char *pd, size_t n, size_t dir, uint32_t id, size_t *off)
{
	size_t pos, end, len;
	uint32_t e, first, count;

	if (dir > n || n - dir < 8 || ole_u16(pd + dir + 2) != PPT_PERSIST_DIR)
		return false;
	len = ole_u32(pd + dir + 4);
	pos = dir + 8;
	end = len > n - pos ? n : pos + len;
	while (end - pos >= 4) {
		e = ole_u32(pd + pos);
		first = e & 0xFFFFF;
		count = e >> 20;
		pos += 4;
		if (count > (end - pos) / 4)
			return false;
		if (id >= first && id - first < count) {
			*off = ole_u32(pd + pos + 4 * (id - first));
			return true;
		}
		pos += 4 * (size_t)count;
	}
	return false;
}

/*
 * Whether the presentation is encrypted: the Current User token, or a
 * CryptSession10Container named by a user edit (followed back through
 * the earlier edits).
 */
static bool
ppt_encrypted(
    const unsigned char *cu, size_t culen, const unsigned char *pd, size_t n)
{
	size_t edit, body, len, off;
	unsigned k;
	uint32_t ref;

	if (cu == NULL || culen < 20 || ole_u16(cu + 2) != PPT_CURRENT_USER)
		return false;
	if (ole_u32(cu + 12) == PPT_TOKEN_CRYPT)
		return true;
	if (pd == NULL)
		return false;
	edit = ole_u32(cu + 16);
	for (k = 0; k < MAX_EDITS; k++) {
		if (edit > n || n - edit < 8 + 0x20 ||
		    ole_u16(pd + edit + 2) != PPT_USER_EDIT)
			return false;
		body = edit + 8;
		len = ole_u32(pd + edit + 4);
		if (len >= 0x20) {
			ref = ole_u32(pd + body + 0x1C);
			if (ppt_persist(
				pd, n, ole_u32(pd + body + 12), ref, &off) &&
			    off <= n - 8 && ole_u16(pd + off + 2) == PPT_CRYPT)
				return true;
		}
		if ((off = ole_u32(pd + body + 8)) == 0 || off >= edit)
			return false; /* the first edit, or a loop */
		edit = off;
	}
	return false;
}

/*
 * The text atoms of a PowerPoint Document stream, in stream order. A
 * flat walk: containers (version 0xF) are entered, atoms skipped by
 * their length, so every step advances at least one header.
 */
static int
ppt_text(struct ole *o, const unsigned char *pd, size_t n)
{
	struct buf out;
	size_t pos, len, i, start;
	unsigned type;
	int rc = DLP_OK, brc = BUF_OK;

	buf_init(&out, OLE_FLUSH + 4 * 65536);
	for (pos = 0; n - pos >= 8 && brc == BUF_OK; pos += 8 + len) {
		type = ole_u16(pd + pos + 2);
		len = ole_u32(pd + pos + 4);
		/* enter containers; a CryptSession10Container holds no
		   records */
		if ((ole_u16(pd + pos) & 0xF) == 0xF && type != PPT_CRYPT) {
			len = 0;
			continue;
		}
		if (len > n - pos - 8) {
			rc = DLP_EINPUT;
			break;
		}
		if (type != PPT_TEXT_CHARS && type != PPT_TEXT_BYTES)
			continue;
		start = out.len;
		/* an atom may be long: write it in flush-sized pieces */
		for (i = 0; i < len && brc == BUF_OK;) {
			size_t take = len - i > 65536 ? 65536 : len - i;

			if (type == PPT_TEXT_CHARS)
				take &= ~(size_t)1;
			if (take == 0)
				break;
			brc = type == PPT_TEXT_CHARS
			    ? ole_utf16_to_utf8(
				  &out, pd + pos + 8 + i, take / 2)
			    : ole_latin1_to_utf8(&out, pd + pos + 8 + i, take);
			i += take;
			for (; start < out.len; start++)
				if (out.data[start] == '\r' ||
				    out.data[start] == 0x0B)
					out.data[start] = '\n';
			if (brc == BUF_OK && out.len > OLE_FLUSH) {
				if (ole_flush(o->x, o->node, &out) < 0) {
					rc = DLP_PARTIAL;
					brc = BUF_EFULL;
				}
				start = 0;
			}
		}
		if (brc == BUF_OK)
			brc = buf_putc(&out, '\n');
	}
	if (brc == BUF_ENOMEM)
		rc = DLP_EFATAL;
	else if (brc == BUF_OK && ole_flush(o->x, o->node, &out) < 0)
		rc = worse(rc, DLP_PARTIAL);
	buf_free(&out);
	return rc;
}

static int
powerpoint(struct ole *o, GsfInfile *root, const unsigned char *pd, size_t n)
{
	unsigned char *cu = NULL;
	size_t culen = 0;
	int rc;

	if ((rc = stream_read(o, root, "Current User", &cu, &culen)) != DLP_OK)
		return rc;
	if (ppt_encrypted(cu, culen, pd, n)) {
		/* PowerPoint 97-2003 encrypts only with RC4 CryptoAPI */
		extract_mark(o->x, o->node, DLP_ENC_ENCRYPTED,
		    "office-rc4-cryptoapi", true);
		goto out;
	}
	if (pd != NULL)
		rc = ppt_text(o, pd, n);
	if (rc != DLP_EFATAL)
		rc = worse(rc, summary_text(o, root));
out:
	stream_free(cu, culen);
	return rc;
}

/* Outlook .msg ([MS-OXMSG]) */

/* The message's code page for 8-bit strings, from its property stream. */
static const char *
msg_charset(const struct ole *o, GsfInfile *dir)
{
	const char *cs = NULL;
	unsigned char *p;
	size_t n, pos, hdr;
	uint32_t tag;

	if (stream_read(o, dir, "__properties_version1.0", &p, &n) != DLP_OK ||
	    p == NULL)
		return NULL;
	/* a 32-byte header at the top, 24 in an embedded message */
	hdr = n >= 32 && (n - 32) % 16 == 0 ? 32 : 24;
	for (pos = hdr; pos + 16 <= n; pos += 16) {
		tag = ole_u32(p + pos);
		if (tag == 0x3FFD0003u || (tag == 0x3FDE0003u && cs == NULL))
			cs = ole_codepage_charset(ole_u32(p + pos + 8));
	}
	stream_free(p, n);
	return cs;
}

/*
 * The string property id (hex, "0037") of dir into out, from its
 * Unicode (001F) or 8-bit (001E) stream. Returns as stream_read; *found
 * says whether it was there.
 */
static int
msg_string(const struct ole *o, GsfInfile *dir, const char *id, const char *cs,
    struct buf *out, bool *found)
{
	char name[32];
	unsigned char *p;
	size_t n;
	int rc, crc;

	*found = false;
	snprintf(name, sizeof(name), "__substg1.0_%s001F", id);
	if ((rc = stream_read(o, dir, name, &p, &n)) != DLP_OK)
		return rc;
	if (p != NULL) {
		*found = true;
		crc = ole_utf16_to_utf8(out, p, n / 2);
		stream_free(p, n);
		return crc == BUF_ENOMEM ? DLP_EFATAL : DLP_OK;
	}
	snprintf(name, sizeof(name), "__substg1.0_%s001E", id);
	if ((rc = stream_read(o, dir, name, &p, &n)) != DLP_OK)
		return rc;
	if (p != NULL) {
		*found = true;
		crc = charset_to_utf8(cs, p, strnlen((const char *)p, n), out);
		stream_free(p, n);
		return crc == CHARSET_ENOMEM ? DLP_EFATAL : DLP_OK;
	}
	return DLP_OK;
}

/* The body as a member when it is HTML or compressed RTF only. */
static int
msg_body_member(struct ole *o, GsfInfile *dir)
{
	unsigned char *p;
	struct buf rtf;
	size_t n;
	int rc;

	if ((rc = stream_read(o, dir, "__substg1.0_10130102", &p, &n)) !=
	    DLP_OK)
		return rc;
	if (p != NULL) {
		if (extract_count_member(o->x, o->node, &o->members))
			rc = extract_member(
			    o->x, o->node, o->depth, "body.html", p, n, 0);
		stream_free(p, n);
		return rc;
	}
	if ((rc = stream_read(o, dir, "__substg1.0_10090102", &p, &n)) !=
		DLP_OK ||
	    p == NULL)
		return rc;
	buf_init(&rtf, extract_limits(o->x)->max_member_bytes);
	if (extract_count_member(o->x, o->node, &o->members))
		rc = ole_rtf_member(o->x, o->node, o->depth, p, n, &rtf);
	buf_free(&rtf);
	stream_free(p, n);
	return rc;
}

int
ole_rtf_member(struct extract *x, long node, unsigned depth,
    const unsigned char *p, size_t n, struct buf *rtf)
{
	int crc, rc;

	crc = rtfcp_decompress(p, n, rtf);
	if (crc == RTFCP_ENOMEM)
		return DLP_EFATAL;
	if (rtf->len == 0 && crc != RTFCP_EFULL)
		return extract_member_opaque(x, node, "body.rtf", n,
		    DLP_ENC_NOT_INSPECTABLE, "corrupt", false);
	if (rtf->len == 0 || !extract_budget(x, rtf->len)) {
		rc = extract_member_opaque(x, node, "body.rtf", rtf->len,
		    DLP_ENC_NOT_INSPECTABLE,
		    rtf->len == 0 ? "limit:size" : "limit:expanded", false);
		return worse(rc, DLP_PARTIAL);
	}
	/* a body cut short is still read: what was decoded is scanned */
	rc = extract_member(x, node, depth, "body.rtf", rtf->data, rtf->len, n);
	if (crc == RTFCP_EFULL) {
		extract_mark(
		    x, node, DLP_ENC_NOT_INSPECTABLE, "limit:size", false);
		rc = worse(rc, DLP_PARTIAL);
	} else if (crc == RTFCP_EINPUT) {
		rc = worse(rc, DLP_EINPUT);
	}
	return rc;
}

static int
msg_attachment(struct ole *o, GsfInfile *att, const char *cs, unsigned idx)
{
	static const char *const name_ids[] = { "3707", "3704", "3001", NULL };
	char name[MAX_NAME_BYTES + 8];
	unsigned char *p = NULL;
	GsfInput *obj;
	struct buf nb;
	bool found = false;
	size_t i, n = 0;
	int rc = DLP_OK;

	if (!extract_count_member(o->x, o->node, &o->members))
		return DLP_PARTIAL;
	buf_init(&nb, 4 * MAX_NAME_BYTES);
	for (i = 0; name_ids[i] != NULL && !found && rc == DLP_OK; i++) {
		buf_reset(&nb);
		rc = msg_string(o, att, name_ids[i], cs, &nb, &found);
		found = found && nb.len > 0;
	}
	if (rc != DLP_OK)
		goto out;
	if (found)
		member_name(name, sizeof(name), "", buf_cstr(&nb));
	else
		snprintf(name, sizeof(name), "attachment%u", idx + 1);
	if ((rc = stream_read(o, att, "__substg1.0_37010102", &p, &n)) !=
	    DLP_OK)
		goto out;
	if (p != NULL) {
		rc = extract_member(o->x, o->node, o->depth, name, p, n, 0);
		goto out;
	}
	/* an attached message or OLE object: a storage */
	if ((obj = gsf_infile_child_by_name(att, "__substg1.0_3701000D")) !=
	    NULL) {
		if (is_storage(obj))
			rc = storage_member(o, GSF_INFILE(obj), name);
		g_object_unref(obj);
	}
out:
	stream_free(p, n);
	buf_free(&nb);
	return rc;
}

/*
 * A recipient's display name (3001) and addresses (3003 email, 39FE
 * SMTP) into out, one line each: a recipient list is personal data too.
 */
static int
msg_recipient(
    const struct ole *o, GsfInfile *rc_dir, const char *cs, struct buf *out)
{
	static const char *const ids[] = { "3001", "3003", "39FE", NULL };
	size_t i, before;
	bool found;
	int rc = DLP_OK;

	for (i = 0; ids[i] != NULL && rc == DLP_OK; i++) {
		before = out->len;
		rc = msg_string(o, rc_dir, ids[i], cs, out, &found);
		if (rc == DLP_OK && out->len > before &&
		    buf_putc(out, '\n') == BUF_ENOMEM)
			rc = DLP_EFATAL;
	}
	return rc;
}

/* Every __recip_version1.0_ storage of root, at the location "recipients". */
static int
msg_recipients(struct ole *o, GsfInfile *root, const char *cs)
{
	struct buf out;
	GsfInput *child;
	const char *name;
	int i, n, rc = DLP_OK;

	buf_init(&out, 4 * o->len + 16);
	n = gsf_infile_num_children(root);
	for (i = 0; i < n && rc == DLP_OK; i++) {
		if ((name = gsf_infile_name_by_index(root, i)) == NULL ||
		    strncmp(name, "__recip_version1.0_", 19) != 0 ||
		    (child = gsf_infile_child_by_index(root, i)) == NULL)
			continue;
		if (is_storage(child))
			rc = msg_recipient(o, GSF_INFILE(child), cs, &out);
		g_object_unref(child);
	}
	if (rc == DLP_OK && out.len > 0) {
		extract_locate(o->x, o->node, "recipients");
		if (ole_flush(o->x, o->node, &out) < 0)
			rc = DLP_PARTIAL;
	}
	buf_free(&out);
	return rc;
}

static int
outlook(struct ole *o, GsfInfile *root)
{
	static const struct {
		const char *id, *label;
	} fields[] = { { "0037", "subject" }, { "0C1A", "from" },
		{ "0C1F", "from" }, { "0E04", "to" }, { "0E03", "cc" },
		{ "0E02", "bcc" }, { "1000", "body" } };
	const char *cs, *name;
	GsfInput *child;
	struct buf out;
	bool found, body = false;
	unsigned natt = 0;
	size_t i;
	int rc = DLP_OK, n, k;

	cs = msg_charset(o, root);
	buf_init(&out, 4 * o->len + 16);
	/* each field at its location */
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		buf_reset(&out);
		if ((rc = msg_string(
			 o, root, fields[i].id, cs, &out, &found)) != DLP_OK)
			goto out;
		if (!found || out.len == 0)
			continue;
		body |= strcmp(fields[i].id, "1000") == 0;
		if (buf_putc(&out, '\n') == BUF_ENOMEM) {
			rc = DLP_EFATAL;
			goto out;
		}
		extract_locate(o->x, o->node, fields[i].label);
		if (ole_flush(o->x, o->node, &out) < 0) {
			rc = DLP_PARTIAL;
			break;
		}
	}
	if (!body && rc != DLP_PARTIAL)
		rc = msg_body_member(o, root);
	if (rc != DLP_EFATAL && rc != DLP_PARTIAL)
		rc = worse(rc, msg_recipients(o, root, cs));
	n = gsf_infile_num_children(root);
	for (k = 0; k < n && rc != DLP_EFATAL; k++) {
		if ((name = gsf_infile_name_by_index(root, k)) == NULL ||
		    strncmp(name, "__attach_version1.0_", 20) != 0 ||
		    (child = gsf_infile_child_by_index(root, k)) == NULL)
			continue;
		if (is_storage(child))
			rc = worse(rc,
			    msg_attachment(o, GSF_INFILE(child), cs, natt++));
		g_object_unref(child);
	}
out:
	buf_free(&out);
	return rc;
}

static bool
is_outlook(GsfInfile *root)
{
	const char *name;
	int i, n;

	if (has_child(root, "__properties_version1.0"))
		return true;
	n = gsf_infile_num_children(root);
	for (i = 0; i < n; i++)
		if ((name = gsf_infile_name_by_index(root, i)) != NULL &&
		    (strncmp(name, "__substg1.0_", 12) == 0 ||
			strncmp(name, "__attach_version1.0_", 20) == 0 ||
			strncmp(name, "__recip_version1.0_", 19) == 0))
			return true;
	return false;
}

/* Dispatch by the streams the container holds */

static int
ole_root(struct ole *o, GsfInfile *root)
{
	static const char *const books[] = { "Workbook", "Book", "WORKBOOK",
		"BOOK", NULL };
	unsigned char *s = NULL;
	size_t i, n = 0;
	int rc;

	if (has_child(root, "EncryptionInfo") ||
	    has_child(root, "EncryptedPackage"))
		return ooxml_encrypted(o, root);
	if ((rc = stream_read(o, root, "WordDocument", &s, &n)) != DLP_OK)
		return rc;
	if (s != NULL) {
		extract_type(o->x, o->node, "application/msword");
		rc = word(o, root, s, n);
		goto out;
	}
	for (i = 0; books[i] != NULL; i++) {
		if ((rc = stream_read(o, root, books[i], &s, &n)) != DLP_OK)
			return rc;
		if (s != NULL) {
			extract_type(o->x, o->node, "application/vnd.ms-excel");
			rc = excel(o, root, s, n);
			goto out;
		}
	}
	if ((rc = stream_read(o, root, "PowerPoint Document", &s, &n)) !=
	    DLP_OK)
		return rc;
	if (s != NULL || has_child(root, "Current User")) {
		extract_type(o->x, o->node, "application/vnd.ms-powerpoint");
		rc = powerpoint(o, root, s, n);
		goto out;
	}
	if (is_outlook(root)) {
		extract_type(o->x, o->node, "application/vnd.ms-outlook");
		return outlook(o, root);
	}
	/* another kind of compound file: nothing we read */
out:
	stream_free(s, n);
	return rc;
}

int
extract_ole(
    struct extract *x, long node, unsigned depth, const void *data, size_t len)
{
	struct ole o;
	GsfInput *in = NULL;
	GsfInfile *root = NULL;
	GError *err = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	o.x = x;
	o.node = node;
	o.depth = depth;
	o.len = len;
	if (data == NULL || len < 512)
		return DLP_EINPUT;
	if ((in = gsf_input_memory_new(data, (gsf_off_t)len, FALSE)) == NULL)
		return DLP_EFATAL;
	if ((root = gsf_infile_msole_new(in, &err)) == NULL) {
		if (err != NULL)
			g_error_free(err);
		rc = DLP_EINPUT;
		goto out;
	}
	rc = ole_root(&o, root);
out:
	if (root != NULL)
		g_object_unref(root);
	g_object_unref(in);
	return rc;
}
