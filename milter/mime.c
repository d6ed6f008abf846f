/*
 * mime - streaming MIME parser. See mime.h for the contract.
 *
 * How it works. Input is cut into lines at LF (a CR before it is part of
 * the line end); a line longer than max_line_bytes is cut into pieces of
 * that size, and only the first piece of a line can be a header or a
 * boundary. A line is held in the parser only while it is incomplete;
 * complete lines are handled straight from the caller's chunk.
 *
 * The parts being parsed form a stack of entities: the multiparts, the
 * message/rfc822 parts and the part whose headers or body we are in.
 * Every line that starts with "--" is compared with the boundaries of all
 * open multiparts, innermost first; a match closes whatever is open above
 * that multipart (flagging an inner multipart left unclosed) and starts
 * its next part, or ends it ("--boundary--"). A line end before a
 * boundary belongs to the boundary (RFC 2046 5.1.1), so each body line's
 * end is held back until the next line is known not to be a boundary.
 *
 * A message/rfc822 part in 7bit/8bit/binary is parsed in place: its inner
 * message is one more entity on the stack, so outer boundaries still end
 * it. One in base64, quoted-printable or uuencode is decoded and the
 * decoded bytes feed a child parser, which shares the handler and the
 * message's counters (parts, decoded bytes, defects) and numbers its
 * parts under the message part.
 *
 * Part numbers are IMAP's: a single-part message is "1"; the parts of a
 * multipart are its number plus ".1", ".2" (the top-level multipart is ""
 * and its parts "1", "2"); the message inside message/rfc822 part "2" is
 * numbered like a message of its own under "2": its body is "2.1" when
 * single-part, and when multipart that multipart has the number "2" too
 * (it is IMAP's "2.TEXT") and its parts are "2.1", "2.2".
 *
 * The header fields of a block are kept (bounded by the block limit)
 * until the block ends, so that the header callbacks see the part's
 * final content type, file name and path; then part_begin follows.
 * Decoded bytes are handed over in blocks of up to DECODE_BLOCK bytes, at
 * the latest when the part ends; the sequence of handler calls depends
 * only on the message, never on how it was cut into chunks.
 *
 * Malformed input, and what we do with it (damage never stops the parse):
 *   - a line that is not a header field at the start of a block: the body
 *     starts there (a first "From " line of a message, the mbox envelope,
 *     is skipped); in the middle of a block, one line is looked ahead: if
 *     the next line is a header field again, the line was a folded line
 *     that lost its white space (MimeKit issue 358) and is unfolded into
 *     the field before it; otherwise the body starts at it (a missing
 *     empty line, cpython msg_47). "Name : value" is taken as a field;
 *   - several Content-Type fields: the first, unless a later one is a
 *     multipart with a boundary (a multipart reading inspects more); of
 *     several Content-Transfer-Encodings the first that decodes wins;
 *   - a multipart whose boundary never appears: its body (kept up to
 *     min(max_part_bytes, 1 MiB)) is delivered as one text/plain part, so
 *     that a wrong boundary cannot hide text; the preamble and epilogue
 *     of a multipart that has parts, when they hold more than white
 *     space, are delivered as text/plain leaves "<path>.preamble" and
 *     "<path>.epilogue" (see aside_part());
 *   - a delimiter after the close delimiter starts a new part.
 *
 * Memory is bounded by the limits: per parser one line (max_line_bytes),
 * one header block (max_header_block_bytes), one decoder; one parser per
 * level of encoded message/rfc822, and levels are bounded by max_depth.
 *
 * Thread-safety: one parser per message, owned by one thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "decode.h"
#include "mime.h"
#include "mime_header.h"

#define MIN_LINE     256	/* smallest max_line_bytes honoured */
#define MIN_HEADER   256	/* smallest max_header_bytes honoured */
#define PREAMBLE_MAX (1u << 20) /* body of a multipart without parts */
#define TYPE_MAX     255
#define SHORT_MAX    255 /* charset, cte, disposition, smime-type */

enum ekind { E_LEAF, E_MULTIPART, E_MESSAGE };
enum mpstate { MP_PREAMBLE, MP_PARTS, MP_EPILOGUE };
enum why { CUT_BOUNDARY, CUT_EOF };

/* What all parsers of one message share. */
struct shared {
	const struct dlp_limits *lim;
	const struct mime_handler *h;
	void *arg;
	size_t decoded;	  /* bytes handed to part_data */
	unsigned parts;	  /* parts begun */
	unsigned defects; /* or-ed over all parts */
	bool skip;	  /* max_parts reached: consume silently */
};

struct entity {
	struct mime_part_info info; /* strings point into the bufs below */
	enum ekind kind;
	bool in_headers; /* its header block is not complete yet */
	bool msg_top;	 /* the top part of a message: numbered as such */
	bool in_digest;	 /* a part of multipart/digest */
	bool digest;
	bool begun;
	bool encoded;	  /* message/rfc822 parsed by a child parser */
	unsigned index;	  /* as a part of a multipart: 1, 2, ... */
	const char *role; /* "preamble"/"epilogue": named, not numbered */
	enum mpstate mp;  /* multipart: where we are */
	unsigned nchildren;
	enum decode_kind dk;
	struct buf path, type, charset, filename, cte, disp, smime, proto,
	    boundary;
};

struct mime_parser {
	struct shared *sh;
	struct shared own; /* the top-level parser's, shared by children */
	const struct mime_part_info *base_parent;
	unsigned base_depth;
	struct entity **ent; /* stack ent[0..nent-1]; kept for reuse */
	size_t nent, nalloc, cap;
	unsigned nbound; /* multiparts on the stack */
	bool started, finished, broken;
	/* the line being assembled */
	unsigned char *line;
	size_t linelen, linemax;
	bool midline; /* the next piece continues a cut line */
	/* the header block being read */
	struct buf field;  /* the field being unfolded */
	struct buf fields; /* finished fields, each NUL-terminated */
	size_t hb_raw;
	size_t hb_lines;
	bool hb_skip;		  /* over max_header_block_bytes */
	struct buf suspect, held; /* a non-header line, and its spare */
	size_t suspect_eol;
	bool have_suspect;
	/* the body being read */
	struct decoder dec;
	unsigned char eol[2]; /* the last line's end, held back */
	size_t neol;
	struct mime_parser *child;
	struct buf pre; /* body of a multipart before its first boundary */
	size_t pre_eol;
	bool pre_text, pre_over;
	/* scratch */
	struct buf name, val;
};

static int dispatch(
    struct mime_parser *, const unsigned char *, size_t, size_t, bool);
static struct mime_parser *parser_new(
    const struct dlp_limits *, struct shared *);

static void
flag(struct mime_parser *p, struct entity *e, unsigned f)
{
	if (e != NULL)
		e->info.defects |= f;
	p->sh->defects |= f;
}

static struct entity *
top(const struct mime_parser *p)
{
	return p->nent > 0 ? p->ent[p->nent - 1] : NULL;
}

static bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static bool
all_wsp(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_wsp(s[i]) && s[i] != '\r')
			return false;
	return true;
}

static void
lower_buf(struct buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if (b->data[i] >= 'A' && b->data[i] <= 'Z')
			b->data[i] = (unsigned char)(b->data[i] + 32);
}

static const char *
opt(const struct buf *b)
{
	return b->len > 0 ? buf_cstr(b) : NULL;
}

/* entities */

static void
entity_free(struct entity *e)
{
	struct buf *bufs[] = { &e->path, &e->type, &e->charset, &e->filename,
		&e->cte, &e->disp, &e->smime, &e->proto, &e->boundary };
	size_t i;

	for (i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		buf_free(bufs[i]);
	free(e);
}

static struct entity *
push(struct mime_parser *p)
{
	const struct dlp_limits *lim = p->sh->lim;
	struct entity *e, **ne;
	size_t hmax = lim->max_header_bytes < MIN_HEADER
	    ? MIN_HEADER
	    : lim->max_header_bytes;
	size_t ncap;

	if (p->nent == p->nalloc) {
		if (p->nalloc == p->cap) {
			ncap = p->cap ? p->cap * 2 : 8;
			if ((ne = realloc(p->ent, ncap * sizeof(*ne))) == NULL)
				return NULL;
			p->ent = ne;
			p->cap = ncap;
		}
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return NULL;
		buf_init(&e->path, 12 * ((size_t)lim->max_depth + 4) + 64);
		buf_init(&e->type, TYPE_MAX);
		buf_init(&e->charset, SHORT_MAX);
		buf_init(&e->filename, 4 * hmax + 64);
		buf_init(&e->cte, SHORT_MAX);
		buf_init(&e->disp, SHORT_MAX);
		buf_init(&e->smime, SHORT_MAX);
		buf_init(&e->proto, SHORT_MAX);
		buf_init(&e->boundary, hmax);
		p->ent[p->nalloc++] = e;
	}
	e = p->ent[p->nent++];
	buf_reset(&e->path);
	buf_reset(&e->type);
	buf_reset(&e->charset);
	buf_reset(&e->filename);
	buf_reset(&e->cte);
	buf_reset(&e->disp);
	buf_reset(&e->smime);
	buf_reset(&e->proto);
	buf_reset(&e->boundary);
	memset(&e->info, 0, sizeof(e->info));
	e->kind = E_LEAF;
	e->in_headers = true;
	e->msg_top = e->in_digest = e->digest = e->begun = e->encoded = false;
	e->index = 0;
	e->role = NULL;
	e->mp = MP_PREAMBLE;
	e->nchildren = 0;
	e->dk = DECODE_IDENTITY;
	return e;
}

/* "", 3 -> "3"; "2", 3 -> "2.3"; a message's top part: "2" -> "2.1", or
   "2" itself when it is a multipart. */
static int
set_path(struct entity *e, bool multipart)
{
	const char *prefix = e->info.parent != NULL ? e->info.parent->path : "";
	char num[16];

	buf_reset(&e->path);
	if (buf_puts(&e->path, prefix) != BUF_OK)
		return -1;
	if (e->msg_top && multipart)
		return 0;
	if (e->role != NULL)
		snprintf(num, sizeof(num), "%s", e->role);
	else
		snprintf(num, sizeof(num), "%u", e->msg_top ? 1u : e->index);
	if ((prefix[0] != '\0' && buf_putc(&e->path, '.') != BUF_OK) ||
	    buf_puts(&e->path, num) != BUF_OK)
		return -1;
	return 0;
}

static void
set_info(struct entity *e)
{
	e->info.path = buf_cstr(&e->path);
	e->info.content_type = buf_cstr(&e->type);
	e->info.charset = opt(&e->charset);
	e->info.filename = opt(&e->filename);
	e->info.cte = opt(&e->cte);
	e->info.disposition = opt(&e->disp);
	e->info.smime_type = opt(&e->smime);
	e->info.protocol = opt(&e->proto);
	e->info.is_container = e->kind != E_LEAF;
}

static const char *
default_type(const struct entity *e)
{
	return e->in_digest ? "message/rfc822" : "text/plain";
}

static void
begin(struct mime_parser *p, struct entity *e)
{
	e->begun = true;
	if (p->sh->h->part_begin != NULL)
		p->sh->h->part_begin(p->sh->arg, &e->info);
}

static void
end(struct mime_parser *p, struct entity *e)
{
	if (e->begun && p->sh->h->part_end != NULL)
		p->sh->h->part_end(p->sh->arg, &e->info);
	e->begun = false;
}

static void
hb_reset(struct mime_parser *p)
{
	buf_reset(&p->field);
	buf_reset(&p->fields);
	buf_reset(&p->suspect);
	p->hb_raw = 0;
	p->hb_lines = 0;
	p->hb_skip = false;
	p->have_suspect = false;
	p->suspect_eol = 0;
}

/* A part without headers of its own: begun, given data, ended. */
static int synth_leaf(struct mime_parser *p, struct entity *parent,
    unsigned index, const char *role, unsigned flags, const void *data,
    size_t len);

/* Start the header block of a new part (of parent, or the parser's top
   part when parent is NULL). */
static int
block_start(struct mime_parser *p, struct entity *parent, unsigned index)
{
	struct entity *e;

	if (p->sh->parts >= p->sh->lim->max_parts) {
		/* one pseudo-part records the cut; then nothing more */
		if (synth_leaf(p, parent, index, NULL, MIME_D_LIMIT_PARTS, NULL,
			0) < 0)
			return -1;
		p->sh->skip = true;
		return 0;
	}
	p->sh->parts++;
	if ((e = push(p)) == NULL)
		return -1;
	e->info.parent = parent != NULL ? &parent->info : p->base_parent;
	e->info.depth = parent != NULL ? parent->info.depth + 1 : p->base_depth;
	e->msg_top = parent == NULL || parent->kind == E_MESSAGE;
	e->in_digest =
	    parent != NULL && parent->kind == E_MULTIPART && parent->digest;
	e->index = index;
	hb_reset(p);
	return 0;
}

static int
deliver(struct mime_parser *p, struct entity *e, const void *data, size_t len)
{
	struct shared *sh = p->sh;
	size_t room = sh->lim->max_decoded_bytes - sh->decoded;

	if (sh->skip)
		return 0;
	if (len > room) {
		flag(p, e, MIME_D_LIMIT_DECODED);
		len = room;
	}
	if (len == 0)
		return 0;
	sh->decoded += len;
	if (sh->h->part_data != NULL)
		sh->h->part_data(sh->arg, &e->info, data, len);
	return 0;
}

/* The decoder's output: a leaf's data, or an encoded message's bytes. */
static int
dec_out(void *arg, const void *data, size_t len)
{
	struct mime_parser *p = arg;
	struct entity *e = top(p);

	if (e->kind == E_MESSAGE)
		return mime_feed(p->child, data, len) < 0 ? -1 : 0;
	return deliver(p, e, data, len);
}

static unsigned
dec_flags(const struct decoder *d)
{
	if (d->errors == 0)
		return 0;
	switch (d->kind) {
	case DECODE_BASE64:
		return MIME_D_BAD_BASE64;
	case DECODE_QP:
		return MIME_D_BAD_QP;
	case DECODE_UU:
		return MIME_D_BAD_UUENCODE;
	default:
		return 0;
	}
}

static int
synth_leaf(struct mime_parser *p, struct entity *parent, unsigned index,
    const char *role, unsigned flags, const void *data, size_t len)
{
	struct entity *e;
	int rc = 0;

	if ((e = push(p)) == NULL)
		return -1;
	e->info.parent = parent != NULL ? &parent->info : p->base_parent;
	e->info.depth = parent != NULL ? parent->info.depth + 1 : p->base_depth;
	e->msg_top = parent == NULL || parent->kind == E_MESSAGE;
	e->in_digest =
	    parent != NULL && parent->kind == E_MULTIPART && parent->digest;
	e->index = index;
	e->role = role;
	e->msg_top = e->msg_top && role == NULL;
	e->in_headers = false;
	if (set_path(e, false) < 0 ||
	    buf_puts(&e->type, role ? "text/plain" : default_type(e)) < 0)
		rc = -1;
	set_info(e);
	flag(p, e, flags);
	if (rc == 0) {
		begin(p, e);
		if (len > 0) {
			decode_init(&p->dec, DECODE_IDENTITY, dec_out, p);
			if (decode_feed(&p->dec, data, len) != 0 ||
			    decode_finish(&p->dec) != 0)
				rc = -1;
		}
		end(p, e);
	}
	p->nent--;
	return rc;
}

/* header blocks */

static void
field_add(
    struct mime_parser *p, struct entity *e, const unsigned char *s, size_t n)
{
	size_t room = p->field.max - p->field.len, i, from = p->field.len;

	if (n > room) {
		flag(p, e, MIME_D_LONG_HEADER);
		n = room;
	}
	if (n == 0 || buf_append(&p->field, s, n) != BUF_OK)
		return; /* only when full: the maximum was checked */
	/* a NUL would end the value early for every C-string reader */
	for (i = from; i < p->field.len; i++)
		if (p->field.data[i] == '\0')
			p->field.data[i] = ' ';
}

static void
field_store(struct mime_parser *p, struct entity *e)
{
	size_t i;
	int rc;

	if (p->field.len == 0)
		return;
	for (i = 0; i < p->field.len; i++)
		if (p->field.data[i] >= 0x80) {
			flag(p, e, MIME_D_8BIT_HEADER);
			break;
		}
	/* field and its NUL take no more room than the raw line did */
	rc = buf_append(&p->fields, p->field.data, p->field.len + 1);
	if (rc != BUF_OK) {
		flag(p, e, MIME_D_LIMIT_HEADERS);
		p->hb_skip = true;
	}
	buf_reset(&p->field);
}

/* The value of a stored field, white space trimmed. */
static bool
field_split(const unsigned char *f, size_t flen, const unsigned char **name,
    size_t *nlen, const unsigned char **val, size_t *vlen)
{
	size_t voff, e;

	if ((*nlen = mime_header_name(f, flen, &voff, NULL)) == 0)
		return false;
	*name = f;
	while (voff < flen && is_wsp(f[voff]))
		voff++;
	e = flen;
	while (e > voff && (is_wsp(f[e - 1]) || f[e - 1] == '\r'))
		e--;
	*val = f + voff;
	*vlen = e - voff;
	return true;
}

static bool
name_is(const unsigned char *n, size_t len, const char *want)
{
	return strlen(want) == len &&
	    strncasecmp((const char *)n, want, len) == 0;
}

static bool
is_multipart_value(struct mime_parser *p, const unsigned char *v, size_t n)
{
	bool yes;

	buf_reset(&p->val);
	yes = mime_header_type(v, n, &p->val) == 1 &&
	    strncmp(buf_cstr(&p->val), "multipart/", 10) == 0;
	buf_reset(&p->val);
	yes = yes &&
	    mime_header_param(v, n, "boundary", MIME_HEADER_RAW, &p->val) ==
		1 &&
	    p->val.len > 0;
	buf_reset(&p->val);
	return yes;
}

static bool
decodes(const unsigned char *v, size_t n, struct buf *tmp)
{
	bool known, yes;

	buf_reset(tmp);
	yes = mime_header_token(v, n, tmp) == 1 &&
	    decode_kind_of(buf_cstr(tmp), &known) != DECODE_IDENTITY;
	buf_reset(tmp);
	return yes;
}

/* A parameter into b; LONG_HEADER when truncated. */
static int
param(struct mime_parser *p, struct entity *e, const unsigned char *v, size_t n,
    const char *name, int mode, struct buf *b)
{
	int rc = mime_header_param(v, n, name, mode, b);

	if (rc == MIME_HEADER_ENOMEM)
		return -1;
	if (rc == MIME_HEADER_EFULL)
		flag(p, e, MIME_D_LONG_HEADER);
	return rc == 0 ? 0 : 1;
}

/* Content-Type, -Transfer-Encoding, -Disposition into the entity. */
static int
content_headers(struct mime_parser *p, struct entity *e)
{
	const unsigned char *f, *nm, *v, *ct = NULL, *cte = NULL, *cd = NULL;
	size_t off, flen, nl, vl, ctl = 0, ctel = 0, cdl = 0;
	bool ct_mp = false;
	int rc;

	for (off = 0; off < p->fields.len; off += flen + 1) {
		f = p->fields.data + off;
		flen = strlen((const char *)f);
		if (!field_split(f, flen, &nm, &nl, &v, &vl))
			continue;
		if (name_is(nm, nl, "content-type")) {
			if (ct != NULL) {
				flag(p, e, MIME_D_BAD_CONTENT_TYPE);
				if (ct_mp || !is_multipart_value(p, v, vl))
					continue;
			}
			ct = v;
			ctl = vl;
			ct_mp = is_multipart_value(p, v, vl);
		} else if (name_is(nm, nl, "content-transfer-encoding")) {
			if (cte == NULL ||
			    (!decodes(cte, ctel, &p->val) &&
				decodes(v, vl, &p->val))) {
				cte = v;
				ctel = vl;
			}
		} else if (name_is(nm, nl, "content-disposition")) {
			if (cd == NULL) {
				cd = v;
				cdl = vl;
			}
		}
	}
	rc = ct != NULL ? mime_header_type(ct, ctl, &e->type) : 0;
	if (rc < 0 && rc != MIME_HEADER_EFULL)
		return -1;
	if (rc != 1) {
		if (ct != NULL)
			flag(p, e, MIME_D_BAD_CONTENT_TYPE);
		buf_reset(&e->type);
		if (buf_puts(&e->type, default_type(e)) != BUF_OK)
			return -1;
	}
	if (ct != NULL) {
		if (param(p, e, ct, ctl, "charset", MIME_HEADER_RAW,
			&e->charset) < 0 ||
		    param(p, e, ct, ctl, "boundary", MIME_HEADER_RAW,
			&e->boundary) < 0 ||
		    param(p, e, ct, ctl, "smime-type", MIME_HEADER_RAW,
			&e->smime) < 0 ||
		    param(p, e, ct, ctl, "protocol", MIME_HEADER_RAW,
			&e->proto) < 0)
			return -1;
		lower_buf(&e->charset);
		lower_buf(&e->smime);
		lower_buf(&e->proto);
	}
	if (cd != NULL) {
		if (mime_header_token(cd, cdl, &e->disp) ==
			MIME_HEADER_ENOMEM ||
		    param(p, e, cd, cdl, "filename", MIME_HEADER_TEXT,
			&e->filename) < 0)
			return -1;
	}
	/* Content-Disposition filename= wins over Content-Type name= */
	if (e->filename.len == 0 && ct != NULL &&
	    param(p, e, ct, ctl, "name", MIME_HEADER_TEXT, &e->filename) < 0)
		return -1;
	if (cte != NULL &&
	    mime_header_token(cte, ctel, &e->cte) == MIME_HEADER_ENOMEM)
		return -1;
	return 0;
}

/* What the part is, now that its headers are known. */
static void
classify(struct mime_parser *p, struct entity *e)
{
	const char *t = buf_cstr(&e->type);
	bool known, nest_ok = e->info.depth < p->sh->lim->max_depth;

	e->dk = decode_kind_of(opt(&e->cte), &known);
	if (!known)
		flag(p, e, MIME_D_BAD_CTE);
	e->kind = E_LEAF;
	if (strncmp(t, "multipart/", 10) == 0) {
		if (e->boundary.len == 0) {
			/* one text part, so that nothing goes unread */
			flag(p, e, MIME_D_NO_BOUNDARY_PARAM);
			buf_reset(&e->type);
			(void)buf_puts(&e->type, "text/plain");
		} else if (!nest_ok)
			flag(p, e, MIME_D_LIMIT_DEPTH);
		else {
			e->kind = E_MULTIPART;
			e->digest = strcmp(t, "multipart/digest") == 0;
			/* RFC 2045 6.4: multiparts are never encoded */
			if (e->dk != DECODE_IDENTITY)
				flag(p, e, MIME_D_BAD_CTE);
		}
	} else if (strcmp(t, "message/rfc822") == 0 ||
	    strcmp(t, "message/global") == 0) {
		if (!nest_ok)
			flag(p, e, MIME_D_LIMIT_DEPTH);
		else {
			e->kind = E_MESSAGE;
			e->encoded = e->dk != DECODE_IDENTITY;
		}
	}
}

static int
emit_headers(struct mime_parser *p, struct entity *e)
{
	const unsigned char *f, *nm, *v;
	size_t off, flen, nl, vl;
	int rc;

	if (p->sh->h->header == NULL)
		return 0;
	for (off = 0; off < p->fields.len; off += flen + 1) {
		f = p->fields.data + off;
		flen = strlen((const char *)f);
		if (!field_split(f, flen, &nm, &nl, &v, &vl))
			continue;
		buf_reset(&p->name);
		buf_reset(&p->val);
		if (buf_append(&p->name, nm, nl) != BUF_OK)
			return -1;
		rc = mime_header_decode(v, vl, &p->val);
		if (rc == MIME_HEADER_ENOMEM)
			return -1;
		if (rc == MIME_HEADER_EFULL)
			flag(p, e, MIME_D_LONG_HEADER);
		p->sh->h->header(p->sh->arg, &e->info, buf_cstr(&p->name),
		    buf_cstr(&p->val));
	}
	buf_reset(&p->name);
	buf_reset(&p->val);
	return 0;
}

static struct mime_parser *
child_new(struct mime_parser *p, struct entity *e)
{
	struct mime_parser *c;

	if ((c = parser_new(p->sh->lim, p->sh)) == NULL)
		return NULL;
	c->base_parent = &e->info;
	c->base_depth = e->info.depth + 1;
	return c;
}

/* The header block of the top part is complete: report it, begin the
   part and get ready for its body. */
static int
block_end(struct mime_parser *p)
{
	struct entity *e = top(p);

	field_store(p, e);
	if (content_headers(p, e) < 0)
		return -1;
	classify(p, e);
	e->in_headers = false;
	if (set_path(e, e->kind == E_MULTIPART) < 0)
		return -1;
	set_info(e);
	if (emit_headers(p, e) < 0)
		return -1;
	buf_reset(&p->fields);
	begin(p, e);
	p->neol = 0;
	switch (e->kind) {
	case E_LEAF:
		decode_init(&p->dec, e->dk, dec_out, p);
		return 0;
	case E_MULTIPART:
		e->mp = MP_PREAMBLE;
		p->nbound++;
		buf_reset(&p->pre);
		p->pre_eol = 0;
		p->pre_text = p->pre_over = false;
		return 0;
	case E_MESSAGE:
		if (!e->encoded)
			return block_start(p, e, 1);
		if ((p->child = child_new(p, e)) == NULL)
			return -1;
		decode_init(&p->dec, e->dk, dec_out, p);
		return 0;
	}
	return 0;
}

/* End the header block now; a held non-header line is the body's first. */
static int
resolve(struct mime_parser *p)
{
	struct buf t;
	bool had = p->have_suspect;
	int rc;

	/* block_end may start another block, which clears p->suspect */
	t = p->held;
	p->held = p->suspect;
	p->suspect = t;
	p->have_suspect = false;
	rc = block_end(p);
	if (rc == 0 && had)
		rc = dispatch(p, p->held.data, p->held.len - p->suspect_eol,
		    p->suspect_eol, true);
	buf_reset(&p->held);
	return rc;
}

static int
suspect_add(
    struct mime_parser *p, const unsigned char *s, size_t clen, size_t eol)
{
	if (buf_append(&p->suspect, s, clen + eol) != BUF_OK)
		return 1; /* too long to be a lost fold */
	p->suspect_eol = eol;
	return 0;
}

static int
hdr_line(struct mime_parser *p, const unsigned char *s, size_t clen, size_t eol,
    bool start)
{
	struct entity *e = top(p);
	bool obs = false;
	size_t voff;
	int rc;

	p->hb_raw += clen + eol;
	if (!start) { /* the rest of a line cut at max_line_bytes */
		if (p->have_suspect) {
			if (suspect_add(p, s, clen, eol) == 0)
				return 0;
			if ((rc = resolve(p)) != 0)
				return rc;
			return dispatch(p, s, clen, eol, false);
		}
		if (!p->hb_skip && p->field.len > 0)
			field_add(p, e, s, clen);
		return 0;
	}
	if (p->have_suspect) {
		if (clen > 0 &&
		    (is_wsp(s[0]) ||
			mime_header_name(s, clen, NULL, NULL) > 0)) {
			/* a folded line that lost its leading white space */
			field_add(p, e, p->suspect.data,
			    p->suspect.len - p->suspect_eol);
			buf_reset(&p->suspect);
			p->have_suspect = false;
		} else {
			if ((rc = resolve(p)) != 0)
				return rc;
			return dispatch(p, s, clen, eol, true);
		}
	}
	if (clen == 0)
		return block_end(p);
	p->hb_lines++;
	if (!p->hb_skip && p->hb_raw > p->sh->lim->max_header_block_bytes) {
		flag(p, e, MIME_D_LIMIT_HEADERS);
		field_store(p, e);
		p->hb_skip = true;
	}
	if (p->hb_skip)
		return 0; /* the rest of the block, up to the empty line */
	if (is_wsp(s[0])) {
		if (p->field.len > 0)
			field_add(p, e, s, clen);
		else
			flag(p, e, MIME_D_BAD_HEADER);
		return 0;
	}
	if (mime_header_name(s, clen, &voff, &obs) > 0) {
		field_store(p, e);
		if (obs)
			flag(p, e, MIME_D_BAD_HEADER);
		if (!p->hb_skip)
			field_add(p, e, s, clen);
		return 0;
	}
	if (p->hb_lines == 1 && e->msg_top && clen >= 5 &&
	    memcmp(s, "From ", 5) == 0)
		return 0; /* mbox envelope line */
	flag(p, e, MIME_D_BAD_HEADER);
	if ((p->field.len == 0 && p->fields.len == 0) ||
	    (clen >= 2 && s[0] == '-' && s[1] == '-')) {
		/* no header at all, or a boundary-like line: body */
		if ((rc = block_end(p)) != 0)
			return rc;
		return dispatch(p, s, clen, eol, true);
	}
	/* decide on the next line */
	buf_reset(&p->suspect);
	if (suspect_add(p, s, clen, eol) != 0) {
		if ((rc = block_end(p)) != 0)
			return rc;
		return dispatch(p, s, clen, eol, true);
	}
	p->have_suspect = true;
	return 0;
}

/* bodies */

static int
pre_add(struct mime_parser *p, const unsigned char *s, size_t clen, size_t eol)
{
	long got;

	if (!p->pre_text && !all_wsp(s, clen))
		p->pre_text = true;
	if (p->pre_over)
		return 0;
	if ((got = buf_append_trunc(&p->pre, s, clen + eol)) < 0)
		return -1;
	if ((size_t)got < clen + eol)
		p->pre_over = true;
	p->pre_eol = eol;
	return 0;
}

static int
body_line(struct mime_parser *p, const unsigned char *s, size_t clen,
    size_t eol, bool start)
{
	struct entity *e = top(p);

	if (e->kind == E_MULTIPART) /* preamble or epilogue */
		return pre_add(p, s, clen, eol);
	if (e->kind == E_MESSAGE && !e->encoded)
		return 0; /* its inner message is closed: nothing is left */
	if (p->neol > 0 && decode_feed(&p->dec, p->eol, p->neol) != 0)
		return -1;
	p->neol = 0;
	if (clen > 0 && decode_feed(&p->dec, s, clen) != 0)
		return -1;
	memcpy(p->eol, s + clen, eol);
	p->neol = eol;
	return 0;
}

/* A multipart that ends before its first boundary: its body is a part. */
static int
preamble_part(struct mime_parser *p, struct entity *e, enum why why)
{
	size_t n = p->pre.len;
	int rc = 0;

	if (p->pre_text) {
		if (why == CUT_BOUNDARY && !p->pre_over)
			n -= p->pre_eol;
		if (p->sh->parts >= p->sh->lim->max_parts) {
			rc = block_start(p, e, 1); /* the limit's pseudo-part */
		} else {
			p->sh->parts++;
			rc = synth_leaf(p, e, 1, NULL,
			    MIME_D_NO_FINAL_BOUNDARY |
				(p->pre_over ? MIME_D_LIMIT_DECODED : 0),
			    p->pre.data, n);
		}
	}
	buf_reset(&p->pre);
	p->pre_text = p->pre_over = false;
	return rc;
}

/*
 * Text of a multipart outside its parts: the preamble before the first
 * delimiter and the epilogue after the close delimiter. Readers do not
 * show it, but it is sent all the same, so it is a place to hide data: it
 * is delivered as a text/plain leaf named "<path>.preamble" or
 * "<path>.epilogue" (just "preamble" at the top) when it holds more than
 * white space, and counts as a part.
 */
static int
aside_part(
    struct mime_parser *p, struct entity *e, const char *role, enum why why)
{
	size_t n = p->pre.len;
	int rc = 0;

	if (p->pre_text && !p->sh->skip) {
		/* the line end before a delimiter belongs to the delimiter */
		if (why == CUT_BOUNDARY && !p->pre_over && n >= p->pre_eol)
			n -= p->pre_eol;
		if (p->sh->parts >= p->sh->lim->max_parts) {
			rc = block_start(p, e, e->nchildren + 1);
		} else {
			p->sh->parts++;
			rc = synth_leaf(p, e, 0, role,
			    p->pre_over ? MIME_D_LIMIT_DECODED : 0, p->pre.data,
			    n);
		}
	}
	buf_reset(&p->pre);
	p->pre_text = p->pre_over = false;
	return rc;
}

/* Close the top entity (or, when it is still in its headers, end them:
   the caller loops until what it wants closed is closed). */
static int
close_top(struct mime_parser *p, enum why why)
{
	struct entity *e = top(p);
	int rc = 0;

	if (e->in_headers && !p->sh->skip) {
		if (why == CUT_EOF && !p->have_suspect)
			flag(p, e, MIME_D_NO_HEADER_END);
		return resolve(p);
	}
	switch (e->kind) {
	case E_LEAF:
	case E_MESSAGE:
		if (e->in_headers || (e->kind == E_MESSAGE && !e->encoded))
			break;
		if (why == CUT_EOF && p->neol > 0 && !p->sh->skip)
			rc = decode_feed(&p->dec, p->eol, p->neol);
		p->neol = 0;
		if (decode_finish(&p->dec) != 0)
			rc = -1;
		flag(p, e, dec_flags(&p->dec));
		if (e->kind == E_MESSAGE) {
			if (mime_finish(p->child) < 0)
				rc = -1;
			mime_free(p->child);
			p->child = NULL;
		}
		break;
	case E_MULTIPART:
		p->nbound--;
		if (e->mp != MP_EPILOGUE && !p->sh->skip) {
			flag(p, e, MIME_D_NO_FINAL_BOUNDARY);
			if (e->mp == MP_PREAMBLE)
				rc = preamble_part(p, e, why);
		} else if (e->mp == MP_EPILOGUE) {
			rc = aside_part(p, e, "epilogue", why);
		}
		break;
	}
	end(p, e);
	p->nent--;
	return rc;
}

/* The innermost open multipart whose delimiter this is ("--" stripped). */
static long
match(
    const struct mime_parser *p, const unsigned char *r, size_t n, bool *close)
{
	const struct entity *e;
	const unsigned char *t;
	size_t i = p->nent, bl, tn;
	long closed = -1;
	bool c;

	while (i-- > 0) {
		e = p->ent[i];
		if (e->kind != E_MULTIPART || e->in_headers)
			continue;
		bl = e->boundary.len;
		if (n < bl || memcmp(r, e->boundary.data, bl) != 0)
			continue;
		t = r + bl;
		tn = n - bl;
		c = tn >= 2 && t[0] == '-' && t[1] == '-';
		if (c) {
			t += 2;
			tn -= 2;
		}
		/* only white space may follow: "--X_alt" is not "--X" */
		if (!all_wsp(t, tn))
			continue;
		/* a closed multipart yields to an outer one with the same
		   boundary (cpython msg_15); else its delimiter reopens it */
		if (e->mp == MP_EPILOGUE) {
			if (closed < 0) {
				closed = (long)i;
				*close = c;
			}
			continue;
		}
		*close = c;
		return (long)i;
	}
	return closed;
}

static int
boundary(struct mime_parser *p, size_t k, bool close)
{
	struct entity *e;
	int rc;

	while (p->nent > k + 1)
		if ((rc = close_top(p, CUT_BOUNDARY)) != 0)
			return rc;
	if (p->sh->skip)
		return 0;
	e = p->ent[k];
	if (e->mp != MP_PARTS &&
	    (rc = aside_part(p, e,
		 e->mp == MP_PREAMBLE ? "preamble" : "epilogue",
		 CUT_BOUNDARY)) != 0)
		return rc;
	if (close) {
		e->mp = MP_EPILOGUE;
		return 0;
	}
	e->mp = MP_PARTS;
	return block_start(p, e, ++e->nchildren);
}

static int
dispatch(struct mime_parser *p, const unsigned char *s, size_t clen, size_t eol,
    bool start)
{
	struct entity *e;
	bool close = false;
	long k;

	if (p->sh->skip)
		return 0;
	if (!p->started) {
		p->started = true;
		if (block_start(p, NULL, 1) != 0)
			return -1;
		if (p->sh->skip)
			return 0;
	}
	if (start && p->nbound > 0 && clen >= 2 && s[0] == '-' && s[1] == '-' &&
	    (k = match(p, s + 2, clen - 2, &close)) >= 0)
		return boundary(p, (size_t)k, close);
	if ((e = top(p)) == NULL)
		return 0;
	if (e->in_headers)
		return hdr_line(p, s, clen, eol, start);
	return body_line(p, s, clen, eol, start);
}

/* One line (ending in LF), or a piece of one cut at max_line_bytes. */
static int
line_in(struct mime_parser *p, const unsigned char *s, size_t n, bool cut)
{
	size_t clen = n, eol = 0;
	bool start = !p->midline;
	int rc;

	if (!cut && n > 0 && s[n - 1] == '\n') {
		clen--;
		eol = 1;
		if (clen > 0 && s[clen - 1] == '\r') {
			clen--;
			eol = 2;
		}
	}
	p->midline = cut;
	rc = dispatch(p, s, clen, eol, start);
	if (cut)
		flag(p, top(p), MIME_D_LONG_LINE);
	return rc;
}

static struct mime_parser *
parser_new(const struct dlp_limits *lim, struct shared *sh)
{
	struct mime_parser *p;
	size_t hmax = lim->max_header_bytes < MIN_HEADER
	    ? MIN_HEADER
	    : lim->max_header_bytes;
	size_t pmax = lim->max_part_bytes;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (sh == NULL) {
		p->own.lim = lim;
		sh = &p->own;
	}
	p->sh = sh;
	p->linemax =
	    lim->max_line_bytes < MIN_LINE ? MIN_LINE : lim->max_line_bytes;
	if ((p->line = malloc(p->linemax)) == NULL) {
		free(p);
		return NULL;
	}
	buf_init(&p->field, hmax);
	buf_init(&p->fields, lim->max_header_block_bytes);
	buf_init(&p->suspect, hmax);
	buf_init(&p->held, hmax);
	if (pmax == 0 || pmax > PREAMBLE_MAX)
		pmax = PREAMBLE_MAX;
	buf_init(&p->pre, pmax);
	buf_init(&p->name, hmax);
	buf_init(&p->val, 4 * hmax + 64);
	return p;
}

struct mime_parser *
mime_new(const struct dlp_limits *lim, const struct mime_handler *h, void *arg)
{
	struct mime_parser *p;

	if ((p = parser_new(lim, NULL)) == NULL)
		return NULL;
	p->own.h = h;
	p->own.arg = arg;
	return p;
}

int
mime_feed(struct mime_parser *p, const void *data, size_t len)
{
	const unsigned char *s = data, *nl;
	size_t room, n, take;
	int rc;

	if (p->broken || p->finished)
		return -1;
	while (len > 0 && !p->sh->skip) {
		room = p->linemax - p->linelen;
		n = len < room ? len : room;
		nl = memchr(s, '\n', n);
		if (nl == NULL && n < room) { /* an incomplete line: keep it */
			memcpy(p->line + p->linelen, s, n);
			p->linelen += n;
			return 0;
		}
		take = nl != NULL ? (size_t)(nl - s) + 1 : n;
		if (p->linelen == 0)
			rc = line_in(p, s, take, nl == NULL);
		else {
			memcpy(p->line + p->linelen, s, take);
			n = p->linelen + take;
			p->linelen = 0;
			rc = line_in(p, p->line, n, nl == NULL);
		}
		if (rc != 0) {
			p->broken = true;
			return -1;
		}
		s += take;
		len -= take;
	}
	return 0;
}

int
mime_finish(struct mime_parser *p)
{
	size_t n;
	int rc = 0;

	if (p->broken)
		return -1;
	if (p->finished)
		return 0;
	if (p->linelen > 0 && !p->sh->skip) {
		n = p->linelen;
		p->linelen = 0;
		rc = line_in(p, p->line, n, false);
	}
	if (rc == 0 && !p->started && !p->sh->skip) {
		p->started = true;
		rc = block_start(p, NULL, 1);
	}
	while (rc == 0 && p->nent > 0)
		rc = close_top(p, CUT_EOF);
	p->finished = true;
	if (rc != 0) {
		p->broken = true;
		return -1;
	}
	return 0;
}

unsigned
mime_defects(const struct mime_parser *p)
{
	return p->sh->defects;
}

const char *
mime_defect_name(unsigned flag)
{
	switch (flag) {
	case MIME_D_NO_FINAL_BOUNDARY:
		return "no-final-boundary";
	case MIME_D_NO_BOUNDARY_PARAM:
		return "no-boundary-param";
	case MIME_D_BAD_BASE64:
		return "bad-base64";
	case MIME_D_BAD_QP:
		return "bad-qp";
	case MIME_D_BAD_UUENCODE:
		return "bad-uuencode";
	case MIME_D_LONG_LINE:
		return "long-line";
	case MIME_D_LONG_HEADER:
		return "long-header";
	case MIME_D_BAD_HEADER:
		return "bad-header";
	case MIME_D_8BIT_HEADER:
		return "8bit-header";
	case MIME_D_BAD_CTE:
		return "bad-cte";
	case MIME_D_NO_HEADER_END:
		return "no-header-end";
	case MIME_D_BAD_CONTENT_TYPE:
		return "bad-content-type";
	case MIME_D_LIMIT_DEPTH:
		return "limit-depth";
	case MIME_D_LIMIT_PARTS:
		return "limit-parts";
	case MIME_D_LIMIT_DECODED:
		return "limit-decoded";
	case MIME_D_LIMIT_HEADERS:
		return "limit-headers";
	default:
		return "unknown";
	}
}

void
mime_free(struct mime_parser *p)
{
	size_t i;

	if (p == NULL)
		return;
	mime_free(p->child);
	for (i = 0; i < p->nalloc; i++)
		entity_free(p->ent[i]);
	free(p->ent);
	explicit_bzero(p->line, p->linemax);
	free(p->line);
	buf_free(&p->field);
	buf_free(&p->fields);
	buf_free(&p->suspect);
	buf_free(&p->held);
	buf_free(&p->pre);
	buf_free(&p->name);
	buf_free(&p->val);
	decode_wipe(&p->dec);
	explicit_bzero(p->eol, sizeof(p->eol));
	free(p);
}
