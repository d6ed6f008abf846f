/*
 * extract_tnef - TNEF streams ([MS-OXTNEF]; winmail.dat,
 * application/ms-tnef): the rich-text wrapper Outlook and Exchange put
 * around a message's body and attachments. Implements extract_tnef() of
 * extract.h.
 *
 * A stream is the signature 0x223E9F78, a 16-bit legacy key, then
 * attributes: a level byte (1 message, 2 attachment), a 32-bit id (the
 * attribute in the low word, its type in the high word), a 32-bit length,
 * the data and a 16-bit checksum (the sum of the data bytes). Read here:
 *   message level   attOemCodepage (the charset of every 8-bit string),
 *                   attSubject, attBody, and attMAPIProps: PR_SUBJECT,
 *                   PR_BODY, sender and display To/Cc/Bcc as text;
 *                   PR_BODY_HTML as the member "body.html";
 *                   PR_RTF_COMPRESSED decoded (rtfcp.c) as the member
 *                   "body.rtf", read by the RTF extractor (always, even
 *                   beside a plain body: Outlook shows the RTF one);
 *                   attRecipTable: each recipient's name and addresses;
 *   attachment level  attAttachRendData starts an attachment;
 *                   attAttachTitle (its short name), attAttachData (its
 *                   bytes), attAttachment (its MAPI properties:
 *                   PR_ATTACH_LONG_FILENAME, PR_DISPLAY_NAME,
 *                   PR_ATTACH_DATA_BIN, and PR_ATTACH_DATA_OBJ, an
 *                   embedded message: an IID and a TNEF stream of its own,
 *                   which becomes a member read by this extractor again).
 * Each attachment is a member (extract_member()) named by its long file
 * name, else its title, else its display name, else "attachmentN": it is
 * identified and read like any other member, to the container depth.
 *
 * Not read: the other attributes (dates, the message class, attFrom,
 * metafiles, attachment renderings), named properties' values, and
 * multi-valued properties (their bytes are skipped by their counts).
 *
 * Damage: every length is checked against the bytes left; a MAPI
 * property list with more than MAX_PROPS properties, a recipient table
 * with more than MAX_RECIPS rows, an unknown property type, a length
 * past the end or a bad checksum is damage. What was read before it is
 * still delivered (the attachment whose data was cut short too, with the
 * bytes that are there), then DLP_EINPUT makes the node "corrupt". A bad
 * checksum does not stop the reading: the structure is intact, and
 * stopping there would let a wrong checksum hide what follows.
 *
 * Memory: attachments are read in place; only a decoded RTF body is a
 * copy (bounded by max_member_bytes and counted against the message's
 * expanded-bytes budget). Thread-safety: one call per struct extract at
 * a time.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "le.h"
#include "charset.h"
#include "ole.h"

#define TNEF_SIGNATURE 0x223E9F78u
#define LVL_MESSAGE    1
#define LVL_ATTACHMENT 2

/* attribute ids (the low word of an attribute's id) */
#define ATT_SUBJECT	     0x8004
#define ATT_BODY	     0x800C
#define ATT_ATTACH_DATA	     0x800F
#define ATT_ATTACH_TITLE     0x8010
#define ATT_ATTACH_REND_DATA 0x9002
#define ATT_MAPI_PROPS	     0x9003
#define ATT_RECIP_TABLE	     0x9004
#define ATT_ATTACHMENT	     0x9005
#define ATT_OEM_CODEPAGE     0x9007

/* MAPI property types */
#define PT_OBJECT  0x000D
#define PT_STRING8 0x001E
#define PT_UNICODE 0x001F
#define PT_BINARY  0x0102
#define PT_MV	   0x1000

/* MAPI property ids */
#define PR_SUBJECT		0x0037
#define PR_SENDER_NAME		0x0C1A
#define PR_SENDER_EMAIL		0x0C1F
#define PR_DISPLAY_BCC		0x0E02
#define PR_DISPLAY_CC		0x0E03
#define PR_DISPLAY_TO		0x0E04
#define PR_BODY			0x1000
#define PR_RTF_COMPRESSED	0x1009
#define PR_BODY_HTML		0x1013
#define PR_DISPLAY_NAME		0x3001
#define PR_EMAIL_ADDRESS	0x3003
#define PR_ATTACH_DATA		0x3701
#define PR_ATTACH_LONG_FILENAME 0x3707
#define PR_SMTP_ADDRESS		0x39FE

#define MAX_PROPS      4096 /* properties in one MAPI property list */
#define MAX_RECIPS     1024 /* rows of a recipient table */
#define MAX_NAME_BYTES 512  /* a member name, UTF-8 */
#define IID_BYTES      16   /* before an embedded message's stream */

/* One MAPI property value handed to a property handler. */
struct prop {
	unsigned type, id;	  /* id 0 for a named property */
	const unsigned char *val; /* fixed value, or one variable value */
	size_t len;
};

/* The attachment being read: its parts point into the stream. */
struct tnef_att {
	bool open;
	const unsigned char *data; /* attAttachData or PR_ATTACH_DATA_BIN */
	size_t len;
	bool has_data;
	const unsigned char *msg; /* PR_ATTACH_DATA_OBJ: a TNEF stream */
	size_t msglen;
	char title[MAX_NAME_BYTES]; /* UTF-8; "" when absent */
	char longname[MAX_NAME_BYTES];
	char display[MAX_NAME_BYTES];
};

struct tnef {
	struct extract *x;
	long node;
	unsigned depth;
	const char *cs;	  /* the OEM code page's charset; NULL: guessed */
	unsigned members; /* for extract_count_member() */
	unsigned natt;	  /* attachments seen, for "attachmentN" */
	bool full;	  /* the node's text is full */
	bool damaged;	  /* a bad checksum, or a damaged property */
	const unsigned char *rtf, *html;
	size_t rtflen, htmllen;
	struct tnef_att att;
};

typedef int (*prop_fn)(struct tnef *t, const struct prop *p);

/* The worse of two results: EFATAL > EINPUT > PARTIAL > OK. */
static int
worse(int a, int b)
{
	return a > b ? a : b;
}

static size_t
pad4(size_t n)
{
	return (4 - n % 4) % 4;
}

/* Text */

/*
 * A string value (8-bit in the stream's code page, or UTF-16LE) as one
 * line of the node's text at label. The terminating NULs are dropped.
 */
static int
put_string(struct tnef *t, const char *label, unsigned type,
    const unsigned char *p, size_t n)
{
	const char *cs = t->cs;

	if (t->full)
		return DLP_PARTIAL;
	if (type == PT_UNICODE) {
		n &= ~(size_t)1;
		while (n >= 2 && p[n - 1] == 0 && p[n - 2] == 0)
			n -= 2;
		cs = "utf-16le";
	} else {
		n = strnlen((const char *)p, n);
	}
	if (n == 0)
		return DLP_OK;
	extract_locate(t->x, t->node, label);
	if (extract_text(t->x, t->node, cs, p, n) < 0 ||
	    extract_text(t->x, t->node, "utf-8", "\n", 1) < 0) {
		t->full = true;
		return DLP_PARTIAL;
	}
	return DLP_OK;
}

/*
 * A name from the stream (8-bit or UTF-16LE) into out as UTF-8, path
 * separators and controls made '_', cut at a character boundary.
 */
static int
put_name(struct tnef *t, unsigned type, const unsigned char *p, size_t n,
    char *out, size_t outlen)
{
	struct buf b;
	size_t i, k;
	int rc = DLP_OK, crc;

	if (type == PT_UNICODE) {
		if (n / 2 > MAX_NAME_BYTES)
			n = 2 * MAX_NAME_BYTES;
	} else {
		n = strnlen(
		    (const char *)p, n < MAX_NAME_BYTES ? n : MAX_NAME_BYTES);
	}
	buf_init(&b, 4 * MAX_NAME_BYTES + 16);
	if (type == PT_UNICODE)
		crc = ole_utf16_to_utf8(&b, p, n / 2) == BUF_ENOMEM
		    ? CHARSET_ENOMEM
		    : CHARSET_OK;
	else
		crc = charset_to_utf8(t->cs, p, n, &b);
	if (crc == CHARSET_ENOMEM) {
		rc = DLP_EFATAL;
		goto out;
	}
	k = b.len < outlen - 1 ? b.len : outlen - 1;
	/* cut at a character boundary */
	if (k < b.len)
		while (k > 0 && ((unsigned char)b.data[k] & 0xC0) == 0x80)
			k--;
	for (i = 0; i < k; i++) {
		unsigned char c = (unsigned char)b.data[i];

		out[i] = c == '/' || c == '\\' || c < 0x20 ? '_' : (char)c;
	}
	out[k] = '\0';
out:
	buf_free(&b);
	return rc;
}

/* MAPI property lists ([MS-OXTNEF] 2.1.3.5) */

/* The size of a fixed-size value of base type, 0 for a variable one,
   -1 for a type not in the format. */
static int
fixed_size(unsigned base)
{
	switch (base) {
	case 0x0002: /* Integer16, padded */
	case 0x0003: /* Integer32 */
	case 0x0004: /* Floating32 */
	case 0x000A: /* ErrorCode */
	case 0x000B: /* Boolean, padded */
		return 4;
	case 0x0005: /* Floating64 */
	case 0x0006: /* Currency */
	case 0x0007: /* FloatingTime */
	case 0x0014: /* Integer64 */
	case 0x0040: /* Time */
		return 8;
	case 0x0048: /* Guid */
		return 16;
	case PT_OBJECT:
	case PT_STRING8:
	case PT_UNICODE:
	case PT_BINARY:
	case 0x00FB: /* ServerId: counted bytes like Binary */
		return 0;
	default:
		return -1;
	}
}

/*
 * Skip a named property's name at *pos (a GUID, a kind, then a number or
 * a counted UTF-16 string). false when it runs past n.
 */
static bool
skip_name(const unsigned char *p, size_t n, size_t *pos)
{
	size_t len;
	uint32_t kind;

	if (n - *pos < 20)
		return false;
	kind = le32(p + *pos + 16);
	*pos += 20;
	if (kind == 0) {
		if (n - *pos < 4)
			return false;
		*pos += 4;
		return true;
	}
	if (kind != 1 || n - *pos < 4)
		return false;
	len = le32(p + *pos);
	*pos += 4;
	if (len > n - *pos || pad4(len) > n - *pos - len)
		return false;
	*pos += len + pad4(len);
	return true;
}

/*
 * Walk the property list at p (n bytes), handing each single value (of
 * a variable type: each of its values) to fn; *used is how many bytes
 * the list took. Returns DLP_OK, DLP_EINPUT (damaged: the values before
 * the damage were handed over) or fn's worst result.
 */
static int
props_walk(
    struct tnef *t, const unsigned char *p, size_t n, size_t *used, prop_fn fn)
{
	struct prop pr;
	size_t pos = 4, i, k, count, nval, size;
	unsigned tag_type, id;
	int fsz, rc = DLP_OK;

	*used = n;
	if (n < 4)
		return DLP_EINPUT;
	count = le32(p);
	/* a property takes 8 bytes at least */
	if (count > MAX_PROPS || count > (n - 4) / 8)
		return DLP_EINPUT;
	for (i = 0; i < count && rc != DLP_EFATAL; i++) {
		if (n - pos < 4)
			return worse(rc, DLP_EINPUT);
		tag_type = le16(p + pos);
		id = le16(p + pos + 2);
		pos += 4;
		if (id >= 0x8000) {
			if (!skip_name(p, n, &pos))
				return worse(rc, DLP_EINPUT);
			id = 0;
		}
		if ((fsz = fixed_size(tag_type & ~PT_MV)) < 0)
			return worse(rc, DLP_EINPUT);
		if (fsz > 0 && !(tag_type & PT_MV)) {
			if (n - pos < (size_t)fsz)
				return worse(rc, DLP_EINPUT);
			pr =
			    (struct prop){ tag_type, id, p + pos, (size_t)fsz };
			rc = worse(rc, fn(t, &pr));
			pos += (size_t)fsz;
			continue;
		}
		if (n - pos < 4)
			return worse(rc, DLP_EINPUT);
		nval = le32(p + pos);
		pos += 4;
		if (fsz > 0) { /* multi-valued fixed: skipped */
			if (nval > (n - pos) / (size_t)fsz)
				return worse(rc, DLP_EINPUT);
			pos += nval * (size_t)fsz;
			continue;
		}
		if (nval > (n - pos) / 4)
			return worse(rc, DLP_EINPUT);
		for (k = 0; k < nval; k++) {
			if (n - pos < 4)
				return worse(rc, DLP_EINPUT);
			size = le32(p + pos);
			pos += 4;
			if (size > n - pos)
				return worse(rc, DLP_EINPUT);
			if (!(tag_type & PT_MV)) {
				pr = (struct prop){ tag_type, id, p + pos,
					size };
				rc = worse(rc, fn(t, &pr));
			}
			pos += size;
			/* the last value's padding may be missing */
			pos += pad4(size) < n - pos ? pad4(size) : n - pos;
		}
	}
	*used = pos;
	return rc;
}

static bool
is_string(const struct prop *pr)
{
	return pr->type == PT_STRING8 || pr->type == PT_UNICODE;
}

static int
message_prop(struct tnef *t, const struct prop *pr)
{
	static const struct {
		unsigned id;
		const char *label;
	} fields[] = { { PR_SUBJECT, "subject" }, { PR_SENDER_NAME, "from" },
		{ PR_SENDER_EMAIL, "from" }, { PR_DISPLAY_TO, "to" },
		{ PR_DISPLAY_CC, "cc" }, { PR_DISPLAY_BCC, "bcc" },
		{ PR_BODY, "body" } };
	size_t i;

	if (pr->id == PR_RTF_COMPRESSED && pr->type == PT_BINARY) {
		t->rtf = pr->val;
		t->rtflen = pr->len;
		return DLP_OK;
	}
	if (pr->id == PR_BODY_HTML &&
	    (pr->type == PT_BINARY || pr->type == PT_STRING8)) {
		t->html = pr->val;
		t->htmllen = pr->len;
		return DLP_OK;
	}
	if (!is_string(pr))
		return DLP_OK;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].id == pr->id)
			return put_string(
			    t, fields[i].label, pr->type, pr->val, pr->len);
	return DLP_OK;
}

static int
recipient_prop(struct tnef *t, const struct prop *pr)
{
	if (!is_string(pr) ||
	    (pr->id != PR_DISPLAY_NAME && pr->id != PR_EMAIL_ADDRESS &&
		pr->id != PR_SMTP_ADDRESS))
		return DLP_OK;
	return put_string(t, "recipients", pr->type, pr->val, pr->len);
}

static int
attachment_prop(struct tnef *t, const struct prop *pr)
{
	struct tnef_att *a = &t->att;

	if (pr->id == PR_ATTACH_LONG_FILENAME && is_string(pr))
		return put_name(t, pr->type, pr->val, pr->len, a->longname,
		    sizeof(a->longname));
	if (pr->id == PR_DISPLAY_NAME && is_string(pr))
		return put_name(t, pr->type, pr->val, pr->len, a->display,
		    sizeof(a->display));
	if (pr->id == PR_ATTACH_DATA && pr->type == PT_BINARY && !a->has_data) {
		a->data = pr->val;
		a->len = pr->len;
		a->has_data = true;
	} else if (pr->id == PR_ATTACH_DATA && pr->type == PT_OBJECT &&
	    pr->len >= IID_BYTES) {
		a->msg = pr->val + IID_BYTES;
		a->msglen = pr->len - IID_BYTES;
	}
	return DLP_OK;
}

/* The recipient table: a row count, then a property list per row. */
static int
recip_table(struct tnef *t, const unsigned char *p, size_t n)
{
	size_t rows, i, pos = 4, used;
	int rc = DLP_OK;

	if (n < 4)
		return DLP_EINPUT;
	rows = le32(p);
	if (rows > MAX_RECIPS || rows > (n - 4) / 4)
		return DLP_EINPUT;
	for (i = 0; i < rows && rc != DLP_EINPUT && rc != DLP_EFATAL; i++) {
		rc = worse(
		    rc, props_walk(t, p + pos, n - pos, &used, recipient_prop));
		pos += used;
	}
	return rc;
}

/* Members */

/* The attachment read so far as a member; then none is open. */
static int
att_flush(struct tnef *t)
{
	struct tnef_att *a = &t->att;
	char name[MAX_NAME_BYTES + 16];
	int rc = DLP_OK;

	if (!a->open)
		return DLP_OK;
	t->natt++;
	if (a->longname[0] != '\0')
		snprintf(name, sizeof(name), "%s", a->longname);
	else if (a->title[0] != '\0')
		snprintf(name, sizeof(name), "%s", a->title);
	else if (a->display[0] != '\0')
		snprintf(name, sizeof(name), "%s", a->display);
	else
		snprintf(name, sizeof(name), "attachment%u", t->natt);
	if (!extract_count_member(t->x, t->node, &t->members))
		rc = DLP_PARTIAL;
	else if (a->msg != NULL && !a->has_data)
		rc = extract_member(
		    t->x, t->node, t->depth, name, a->msg, a->msglen, 0);
	else
		rc = extract_member(t->x, t->node, t->depth, name,
		    a->len > 0 ? a->data : NULL, a->len, 0);
	memset(a, 0, sizeof(*a));
	/* a member cut by a limit is a cut of this tree; a damaged member
	   is its own node's business */
	return rc == DLP_EINPUT ? DLP_OK : rc;
}

/* The message's HTML and RTF bodies as members. */
static int
body_members(struct tnef *t)
{
	struct buf rtf;
	int rc = DLP_OK;

	if (t->html != NULL &&
	    extract_count_member(t->x, t->node, &t->members) &&
	    (rc = extract_member(t->x, t->node, t->depth, "body.html", t->html,
		 t->htmllen, 0)) == DLP_EINPUT)
		rc = DLP_OK;
	if (rc == DLP_EFATAL || t->rtf == NULL ||
	    !extract_count_member(t->x, t->node, &t->members))
		return rc;
	buf_init(&rtf, extract_limits(t->x)->max_member_bytes);
	rc = worse(rc,
	    ole_rtf_member(t->x, t->node, t->depth, t->rtf, t->rtflen, &rtf));
	buf_free(&rtf);
	return rc;
}

/* Attributes */

static int
message_attr(struct tnef *t, unsigned id, const unsigned char *p, size_t n)
{
	size_t used;

	switch (id) {
	case ATT_OEM_CODEPAGE:
		if (n >= 4)
			t->cs = ole_codepage_charset(le32(p));
		return DLP_OK;
	case ATT_SUBJECT:
		return put_string(t, "subject", PT_STRING8, p, n);
	case ATT_BODY:
		return put_string(t, "body", PT_STRING8, p, n);
	case ATT_MAPI_PROPS:
		return props_walk(t, p, n, &used, message_prop);
	case ATT_RECIP_TABLE:
		return recip_table(t, p, n);
	default:
		return DLP_OK;
	}
}

static int
attachment_attr(struct tnef *t, unsigned id, const unsigned char *p, size_t n)
{
	struct tnef_att *a = &t->att;
	size_t used;
	int rc = DLP_OK;

	if (id == ATT_ATTACH_REND_DATA) {
		rc = att_flush(t);
		a->open = true;
		return rc;
	}
	/* an attribute before any attAttachRendData opens one too */
	if (id != ATT_ATTACH_TITLE && id != ATT_ATTACH_DATA &&
	    id != ATT_ATTACHMENT)
		return DLP_OK;
	a->open = true;
	if (id == ATT_ATTACH_TITLE)
		return put_name(
		    t, PT_STRING8, p, n, a->title, sizeof(a->title));
	if (id == ATT_ATTACH_DATA) {
		a->data = p;
		a->len = n;
		a->has_data = true;
		return DLP_OK;
	}
	return props_walk(t, p, n, &used, attachment_prop);
}

static int
tnef_read(struct tnef *t, const unsigned char *p, size_t n)
{
	size_t pos = 6, len;
	unsigned level, id, sum;
	size_t i;
	int rc = DLP_OK;

	while (pos < n && rc != DLP_EFATAL) {
		if (n - pos < 9)
			return worse(rc, DLP_EINPUT);
		level = p[pos];
		id = le32(p + pos + 1) & 0xFFFF;
		len = le32(p + pos + 5);
		pos += 9;
		if (len > n - pos || n - pos - len < 2) {
			/* cut short: the attachment's bytes that are there
			   are still read */
			if (level == LVL_ATTACHMENT && id == ATT_ATTACH_DATA)
				rc = worse(rc,
				    attachment_attr(t, id, p + pos,
					len < n - pos ? len : n - pos));
			return worse(rc, DLP_EINPUT);
		}
		for (sum = 0, i = 0; i < len; i++)
			sum += p[pos + i];
		if ((sum & 0xFFFF) != le16(p + pos + len))
			t->damaged = true;
		if (level == LVL_MESSAGE)
			rc = worse(rc, message_attr(t, id, p + pos, len));
		else if (level == LVL_ATTACHMENT)
			rc = worse(rc, attachment_attr(t, id, p + pos, len));
		else
			return worse(rc, DLP_EINPUT);
		pos += len + 2;
		if (!extract_time_left(t->x)) {
			extract_mark(t->x, t->node, DLP_ENC_NOT_INSPECTABLE,
			    "limit:time", false);
			return worse(rc, DLP_PARTIAL);
		}
	}
	return rc;
}

int
extract_tnef(
    struct extract *x, long node, unsigned depth, const void *data, size_t len)
{
	struct tnef t;
	int rc;

	if (data == NULL || len < 6 || le32(data) != TNEF_SIGNATURE)
		return DLP_EINPUT;
	memset(&t, 0, sizeof(t));
	t.x = x;
	t.node = node;
	t.depth = depth;
	rc = tnef_read(&t, data, len);
	/* what was read before any damage is still delivered */
	if (rc != DLP_EFATAL)
		rc = worse(rc, att_flush(&t));
	if (rc != DLP_EFATAL)
		rc = worse(rc, body_members(&t));
	if (t.damaged)
		rc = worse(rc, DLP_EINPUT);
	return rc;
}
