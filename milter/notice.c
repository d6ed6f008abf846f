/*
 * notice - templates, rendering and signing of the mails dlp-milter
 * writes. See notice.h for the contract and conf/templates/README.md for
 * the placeholders.
 *
 * A template is parsed once, at load, into a flat list of operations
 * (text, value, section start, section end) whose section starts know
 * where their section ends, so rendering is one loop without recursion
 * and every error (unknown placeholder, unbalanced section, bad UTF-8)
 * is found at load with its file:line. A line that holds nothing but a
 * section tag vanishes with the tag, so templates can put {{#x}} and
 * {{/x}} on lines of their own without leaving empty lines behind.
 *
 * Values come from a stored incident: everything inserted is cleaned of
 * control characters and bidirectional overrides (a file name must not
 * reorder or forge lines of the notice) and bounded; only masked samples
 * exist in a store_incident, so no detected value can reach a notice.
 *
 * The message is UTF-8 text/plain in base64 (76 columns), so its body is
 * 7-bit and no MTA rewrites it; the signature (X-DLP-Notice) is over the
 * body as transmitted, canonicalised: CR removed, trailing empty lines
 * dropped. The signing key is derived from the config's secret:
 * HMAC-SHA-256(secret, "dlp-notice-v1"), so it differs from the
 * fingerprint key derived from the same secret.
 *
 * Limits: a template file 64 KB; the rendered text 1 MB (findings lists
 * stop after 50 places of 10 kinds each, digests after 200
 * incidents); the message 4 MB
 * plus twice the attachment. Thread-safe once loaded; the date values use
 * localtime_r() (the process's zone, set before threads start).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "buf.h"
#include "notice.h"

#define TEMPLATE_MAX  (64 * 1024)
#define TEXT_MAX      (1024 * 1024)
#define MESSAGE_MAX   (4 * 1024 * 1024)
#define SECTION_DEPTH 16
#define PLACES_MAX    50
#define KINDS_MAX     10
#define DIGEST_MAX    200
#define RCPTS_SHOWN   50
#define VALUE_MAX     1000 /* one inserted single-line value, bytes */
#define SIGN_CONTEXT  "dlp-notice-v1"
#define FUTURE_SKEW   300 /* seconds a signature may be ahead of us */

static const char *const kind_files[NOTICE_KINDS] = {
	"sender-reject.txt",
	"sender-quarantine.txt",
	"sender-approve.txt",
	"sender-tag.txt",
	"sender-exposure.txt",
	"sender-released.txt",
	"sender-deleted.txt",
	"sender-approved.txt",
	"sender-rejected.txt",
	"sender-expired.txt",
	"approver-request.txt",
	"admin-incident.txt",
	"admin-digest.txt",
};

enum var {
	V_INCIDENT = 0,
	V_DATE,
	V_SUBJECT,
	V_SENDER,
	V_RECIPIENTS,
	V_SIZE,
	V_QUEUE_ID,
	V_ACTION_JA,
	V_ACTION_EN,
	V_FINDINGS_JA,
	V_FINDINGS_EN,
	V_REASONS,
	V_CONTACT,
	V_APPROVERS,
	V_DECIDED_BY,
	V_DECISION_REASON,
	V_RULESET,
	V_COUNT,
	V_DIGEST_JA,
	V_DIGEST_EN,
	V_WHY_FIRST, /* one per DLP_WHY_* bit, in bit order */
	V_WHY_PERSONAL = V_WHY_FIRST,
	V_WHY_NOT_INSPECTED,
	V_WHY_UNAPPROVED_ENCRYPTION,
	V_WHY_ENCRYPTED,
	V_WHY_CLASSIFICATION,
	V_WHY_SIZE,
	V_WHY_DENIED_DOMAIN,
	V_WHY_ATTACHMENT_BAN,
	V_WHY_EXPOSURE,
	V_WHY_INTERNAL_ERROR,
	NVARS
};

/* The placeholders a template may use (conf/templates/README.md). */
static const char *const notice_var_names[NVARS] = {
	"incident",
	"date",
	"subject",
	"sender",
	"recipients",
	"size",
	"queue_id",
	"action_ja",
	"action_en",
	"findings_ja",
	"findings_en",
	"reasons",
	"contact",
	"approvers",
	"decided_by",
	"decision_reason",
	"ruleset",
	"count",
	"digest_ja",
	"digest_en",
	"why_personal",
	"why_not_inspected",
	"why_unapproved_encryption",
	"why_encrypted",
	"why_classification",
	"why_size",
	"why_denied_domain",
	"why_attachment_ban",
	"why_exposure",
	"why_internal_error",
};

enum op_type { OP_TEXT, OP_VAR, OP_SECTION, OP_END };

struct op {
	enum op_type type;
	unsigned var;
	bool inverted; /* {{^name}} */
	unsigned line;
	size_t off, len; /* OP_TEXT: bytes of the template's source */
	size_t end;	 /* OP_SECTION: index of its OP_END */
};

struct ops {
	struct op *v;
	size_t n, cap;
};

struct tpl {
	char *src; /* the file's bytes, NUL-terminated */
	struct ops subject, body;
};

struct notice_templates {
	struct tpl t[NOTICE_KINDS];
};

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Characters that reorder or hide text: dropped from inserted values. */
static bool
is_format_char(uint32_t c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0xfeff;
}

/*
 * clean: s made safe to show: controls become spaces (newlines kept when
 * multiline), bidirectional controls are dropped, invalid UTF-8 becomes
 * '?', and at most max bytes are kept (cut at a character, "..." added).
 * Appended to b. Returns a BUF_* code.
 */
static int
clean_into(struct buf *b, const char *s, size_t max, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, kept = 0, len;
	uint32_t c;
	int rc;

	while (i < n) {
		len = utf8_len(p + i, n - i, &c);
		if (kept + (len ? len : 1) > max)
			return buf_puts(b, "...");
		if (len == 0) {
			rc = buf_putc(b, '?');
			len = 1;
		} else if (c == '\n' && multiline)
			rc = buf_putc(b, '\n');
		else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
		    c == 0x2028 || c == 0x2029)
			rc = buf_putc(b, ' ');
		else if (is_format_char(c))
			rc = BUF_OK;
		else
			rc = buf_append(b, p + i, len);
		if (rc != BUF_OK)
			return rc;
		kept += len;
		i += len;
	}
	return BUF_OK;
}

/* A cleaned copy of s (single line), or NULL when s is NULL or on ENOMEM. */
static char *
clean(const char *s, size_t max)
{
	struct buf b;
	char *out;

	if (s == NULL)
		return NULL;
	buf_init(&b, max + 8);
	if (clean_into(&b, s, max, false) != BUF_OK) {
		buf_free(&b);
		return NULL;
	}
	if ((out = buf_steal(&b, NULL)) == NULL)
		out = strdup("");
	return out;
}

/* The buffer's string, "" when it never grew; NULL on ENOMEM. */
static char *
steal(struct buf *b)
{
	char *s = buf_steal(b, NULL);

	return s != NULL ? s : strdup("");
}

/* ---- template parsing ---- */

static int
ops_add(struct ops *o, const struct op *op)
{
	struct op *v;

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 32;

		if ((v = realloc(o->v, cap * sizeof(*v))) == NULL)
			return -1;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = *op;
	return 0;
}

static int
var_lookup(const char *name, size_t len)
{
	unsigned i;

	for (i = 0; i < NVARS; i++)
		if (strlen(notice_var_names[i]) == len &&
		    memcmp(notice_var_names[i], name, len) == 0)
			return (int)i;
	return -1;
}

static unsigned
count_lines(const char *s, size_t len)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

static bool
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/*
 * Parse src[start, end) (whose first line is line) into o. The region
 * never holds a NUL (checked by the caller). Returns 0, or -1 with err.
 */
static int
parse_region(const char *file, const char *src, size_t start, size_t end,
    unsigned line, struct ops *o, struct dlp_error *err)
{
	size_t stack[SECTION_DEPTH], depth = 0, pos = start;
	const char *open;
	struct op op;

	while (pos < end) {
		size_t text_end, tag, close, after, name_at, name_len;
		unsigned tag_line;
		char sigil = 0;
		int var;

		open = memmem(src + pos, end - pos, "{{", 2);
		text_end = open ? (size_t)(open - src) : end;
		if (open == NULL) {
			memset(&op, 0, sizeof(op));
			op.type = OP_TEXT;
			op.off = pos;
			op.len = end - pos;
			if (ops_add(o, &op) < 0)
				goto nomem;
			break;
		}
		/* the tag, on one line */
		tag = text_end + 2;
		for (close = tag; close + 1 < end; close++)
			if (src[close] == '\n' ||
			    (src[close] == '}' && src[close + 1] == '}'))
				break;
		line += count_lines(src + pos, text_end - pos);
		if (close + 1 >= end || src[close] == '\n') {
			dlp_error_set(err, file, line, "unterminated \"{{\"");
			return -1;
		}
		after = close + 2;
		name_at = tag;
		while (name_at < close && src[name_at] == ' ')
			name_at++;
		if (name_at < close && strchr("#^/", src[name_at]) != NULL)
			sigil = src[name_at++];
		while (name_at < close && src[name_at] == ' ')
			name_at++;
		name_len = close - name_at;
		while (name_len > 0 && src[name_at + name_len - 1] == ' ')
			name_len--;
		if ((var = var_lookup(src + name_at, name_len)) < 0) {
			dlp_error_set(err, file, line,
			    "unknown placeholder \"{{%.*s}}\"",
			    (int)(close - tag > 64 ? 64 : close - tag),
			    src + tag);
			return -1;
		}
		tag_line = line;
		if (sigil != 0) {
			/* a tag alone on its line takes the line with it */
			size_t ls = text_end, le = after;

			while (ls > start && src[ls - 1] != '\n')
				ls--;
			while (le < end && src[le] != '\n')
				le++;
			if (blank(src + ls, text_end - ls) &&
			    blank(src + after, le - after) &&
			    (ls == start || src[ls - 1] == '\n')) {
				text_end = ls;
				if (le < end) {
					after = le + 1;
					line++;
				} else
					after = end;
			}
		}
		if (text_end > pos) {
			memset(&op, 0, sizeof(op));
			op.type = OP_TEXT;
			op.off = pos;
			op.len = text_end - pos;
			if (ops_add(o, &op) < 0)
				goto nomem;
		}
		memset(&op, 0, sizeof(op));
		op.var = (unsigned)var;
		op.line = tag_line;
		if (sigil == 0)
			op.type = OP_VAR;
		else if (sigil == '/') {
			const struct op *sec;

			if (depth == 0) {
				dlp_error_set(err, file, tag_line,
				    "\"{{/%s}}\" closes no section",
				    notice_var_names[var]);
				return -1;
			}
			sec = &o->v[stack[depth - 1]];
			if (sec->var != (unsigned)var) {
				dlp_error_set(err, file, tag_line,
				    "\"{{/%s}}\" closes \"{{%c%s}}\" of line "
				    "%u",
				    notice_var_names[var],
				    sec->inverted ? '^' : '#',
				    notice_var_names[sec->var], sec->line);
				return -1;
			}
			op.type = OP_END;
			o->v[stack[--depth]].end = o->n;
		} else {
			if (depth == SECTION_DEPTH) {
				dlp_error_set(err, file, tag_line,
				    "sections nested deeper than %d",
				    SECTION_DEPTH);
				return -1;
			}
			op.type = OP_SECTION;
			op.inverted = sigil == '^';
			stack[depth++] = o->n;
		}
		if (ops_add(o, &op) < 0)
			goto nomem;
		pos = after;
	}
	if (depth > 0) {
		const struct op *sec = &o->v[stack[depth - 1]];

		dlp_error_set(err, file, sec->line,
		    "\"{{%c%s}}\" is not closed", sec->inverted ? '^' : '#',
		    notice_var_names[sec->var]);
		return -1;
	}
	return 0;
nomem:
	dlp_error_set(err, file, line, "out of memory");
	return -1;
}

/* Read a whole template file (at most TEMPLATE_MAX bytes). */
static char *
read_file(const char *path, size_t *len, struct dlp_error *err)
{
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		dlp_error_set(err, path, 0, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		dlp_error_set(err, path, 0, "not a regular file");
		goto out;
	}
	if (st.st_size > TEMPLATE_MAX) {
		dlp_error_set(
		    err, path, 0, "larger than %d bytes", TEMPLATE_MAX);
		goto out;
	}
	if ((data = malloc(TEMPLATE_MAX + 2)) == NULL) {
		dlp_error_set(err, path, 0, "out of memory");
		goto out;
	}
	while ((n = read(fd, data + got, TEMPLATE_MAX + 1 - got)) > 0)
		got += (size_t)n;
	if (n < 0 || got > TEMPLATE_MAX) {
		dlp_error_set(err, path, 0, "%s",
		    n < 0 ? strerror(errno) : "file grew while read");
		free(data);
		data = NULL;
		goto out;
	}
	data[got] = '\0';
	*len = got;
out:
	close(fd);
	return data;
}

/* Check the bytes are UTF-8 without NUL; the error names the line. */
static int
check_utf8(const char *file, const char *s, size_t len, struct dlp_error *err)
{
	size_t i = 0, l;
	uint32_t c;

	while (i < len) {
		l = utf8_len((const unsigned char *)s + i, len - i, &c);
		if (l == 0 || c == 0) {
			dlp_error_set(
			    err, file, 1 + count_lines(s, i), "not UTF-8 text");
			return -1;
		}
		i += l;
	}
	return 0;
}

/*
 * The header block: "Subject: ..." (once), "#" comment lines, then an
 * empty line; the body follows.
 */
static int
parse_template(
    const char *file, struct tpl *t, size_t len, struct dlp_error *err)
{
	const char *src = t->src;
	size_t pos = 0, eol, vend, subj_at = 0, subj_end = 0;
	unsigned line = 1, subj_line = 0;

	if (check_utf8(file, src, len, err) < 0)
		return -1;
	for (;;) {
		const char *nl;

		if (pos >= len) {
			dlp_error_set(err, file, line,
			    "no empty line after the header (Subject:)");
			return -1;
		}
		nl = memchr(src + pos, '\n', len - pos);
		eol = nl ? (size_t)(nl - src) : len;
		vend = eol > pos && src[eol - 1] == '\r' ? eol - 1 : eol;
		if (vend == pos)
			break;
		if (src[pos] == '#') {
			/* a comment for whoever edits the template */
		} else if (vend - pos >= 8 &&
		    strncasecmp(src + pos, "Subject:", 8) == 0) {
			if (subj_line != 0) {
				dlp_error_set(
				    err, file, line, "a second Subject: line");
				return -1;
			}
			subj_line = line;
			subj_at = pos + 8;
			while (subj_at < vend && src[subj_at] == ' ')
				subj_at++;
			subj_end = vend;
		} else {
			dlp_error_set(err, file, line,
			    "a template's header has only Subject: and "
			    "# comments");
			return -1;
		}
		pos = eol + 1;
		line++;
	}
	if (subj_line == 0) {
		dlp_error_set(err, file, line, "no Subject: line");
		return -1;
	}
	if (parse_region(
		file, src, subj_at, subj_end, subj_line, &t->subject, err) < 0)
		return -1;
	return parse_region(file, src, eol + 1 < len ? eol + 1 : len, len,
	    line + 1, &t->body, err);
}

void
notice_templates_free(struct notice_templates *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < NOTICE_KINDS; i++) {
		free(t->t[i].src);
		free(t->t[i].subject.v);
		free(t->t[i].body.v);
	}
	free(t);
}

struct notice_templates *
notice_templates_load(const char *dir, struct dlp_error *err)
{
	struct notice_templates *t;
	char path[PATH_MAX];
	size_t i, len = 0;
	int n;

	if (dir == NULL) {
		dlp_error_set(err, "notices.templates", 0, "no directory");
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		dlp_error_set(err, dir, 0, "out of memory");
		return NULL;
	}
	for (i = 0; i < NOTICE_KINDS; i++) {
		n = snprintf(path, sizeof(path), "%s/%s", dir, kind_files[i]);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			dlp_error_set(err, dir, 0, "path too long");
			goto fail;
		}
		if ((t->t[i].src = read_file(path, &len, err)) == NULL ||
		    parse_template(path, &t->t[i], len, err) < 0)
			goto fail;
	}
	return t;
fail:
	notice_templates_free(t);
	return NULL;
}

/* ---- values ---- */

static const struct {
	const char *ja, *en;
} action_names[] = {
	[DLP_ACCEPT] = { "配送", "delivered" },
	[DLP_MONITOR] = { "記録のみ (配送)", "logged only (delivered)" },
	[DLP_TAG] = { "タグを付けて配送", "delivered with a tag" },
	[DLP_APPROVE] = { "承認待ち", "awaiting approval" },
	[DLP_QUARANTINE] = { "保留", "held" },
	[DLP_REJECT] = { "差し戻し (送信拒否)", "rejected" },
	[DLP_TEMPFAIL] = { "一時エラー", "temporarily refused" },
};

static const char *
action_name(enum dlp_action a, bool ja)
{
	if ((unsigned)a > DLP_TEMPFAIL)
		return ja ? "不明" : "unknown";
	return ja ? action_names[a].ja : action_names[a].en;
}

/* "2026-11-22 10:15 JST": the local zone, named. */
static void
format_date(long long t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(out, outlen, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(out, outlen, "%lld", t);
}

/* "512 B", "12.3 KB", "4.5 MB": no words, the same in both languages. */
static void
format_size(size_t n, char *out, size_t outlen)
{
	if (n < 1024)
		snprintf(out, outlen, "%zu B", n);
	else if (n < 1024 * 1024)
		snprintf(out, outlen, "%.1f KB", n / 1024.0);
	else if (n < 1024UL * 1024 * 1024)
		snprintf(out, outlen, "%.1f MB", n / (1024.0 * 1024));
	else
		snprintf(out, outlen, "%.1f GB", n / (1024.0 * 1024 * 1024));
}

/* The place of a finding, for people, in one language. */
static int
place_label(struct buf *b, const struct store_finding *f, bool ja)
{
	const char *loc = f->location, *bang;
	int rc;

	if (f->where == NULL) {
		bool subject =
		    f->path != NULL && strcmp(f->path, "subject") == 0;

		rc = buf_puts(b,
		    subject ? (ja ? "件名" : "subject")
			    : (ja ? "本文" : "message body"));
	} else {
		if (loc != NULL && strcmp(loc, "name") == 0 && !ja)
			rc = buf_puts(b, "file name of ");
		else
			rc = BUF_OK;
		if (rc == BUF_OK)
			rc = buf_puts(b, ja ? "添付ファイル " : "attachment ");
		if (rc == BUF_OK)
			rc = clean_into(b, f->where, 300, false);
		if (rc == BUF_OK && loc != NULL && strcmp(loc, "name") == 0 &&
		    ja)
			rc = buf_puts(b, " のファイル名");
	}
	if (rc == BUF_OK && loc != NULL && (bang = strchr(loc, '!')) != NULL &&
	    bang > loc) {
		char sheet[128];
		size_t n = (size_t)(bang - loc);

		snprintf(sheet, sizeof(sheet), "%.*s",
		    (int)(n < sizeof(sheet) - 1 ? n : sizeof(sheet) - 1), loc);
		if ((rc = buf_puts(b, " (")) == BUF_OK &&
		    (rc = clean_into(b, sheet, 100, false)) == BUF_OK)
			rc = buf_putc(b, ')');
	}
	return rc;
}

/* One kind within a place: summed count, first masked sample. */
struct kind_sum {
	const struct store_finding *first;
	size_t count;
	const char *masked;
	bool counted;
};

struct place {
	char *key; /* the Japanese label: one per place */
	const struct store_finding *first;
	struct kind_sum kinds[KINDS_MAX];
	size_t n_kinds, more_kinds;
};

static int
add_to_place(struct place *p, const struct store_finding *f)
{
	size_t k;

	for (k = 0; k < p->n_kinds; k++) {
		struct kind_sum *s = &p->kinds[k];

		if (s->counted == f->counted && f->kind != NULL &&
		    s->first->kind != NULL &&
		    strcmp(s->first->kind, f->kind) == 0) {
			s->count += f->count;
			if (s->masked == NULL)
				s->masked = f->masked;
			return 0;
		}
	}
	if (p->n_kinds == KINDS_MAX) {
		p->more_kinds++;
		return 0;
	}
	p->kinds[p->n_kinds].first = f;
	p->kinds[p->n_kinds].count = f->count;
	p->kinds[p->n_kinds].masked = f->masked;
	p->kinds[p->n_kinds].counted = f->counted;
	p->n_kinds++;
	return 0;
}

static int
kind_text(struct buf *b, const struct kind_sum *s, bool ja)
{
	const struct store_finding *f = s->first;
	const char *name = ja ? f->name_ja : f->name_en;
	char num[32];
	int rc;

	if (name == NULL)
		name = f->kind != NULL ? f->kind : "?";
	if ((rc = clean_into(b, name, 100, false)) != BUF_OK)
		return rc;
	snprintf(num, sizeof(num), ja ? " %zu件" : ": %zu", s->count);
	if ((rc = buf_puts(b, num)) != BUF_OK)
		return rc;
	if (s->masked != NULL) {
		if ((rc = buf_puts(b, ja ? " (例 " : " (e.g. ")) != BUF_OK ||
		    (rc = clean_into(b, s->masked, 100, false)) != BUF_OK ||
		    (rc = buf_putc(b, ')')) != BUF_OK)
			return rc;
	}
	if (!s->counted)
		rc = buf_puts(b, ja ? " [集計対象外]" : " [not counted]");
	return rc;
}

/*
 * The findings lines ("- place: kind N (e.g. masked)") of inc, counted
 * findings only unless all. A new string ("" when none), NULL on ENOMEM.
 */
static char *
findings_text(const struct store_incident *inc, bool ja, bool all)
{
	struct place *places = NULL;
	size_t n_places = 0, more_places = 0, i, j, k;
	struct buf key, b;
	char *out = NULL;
	char num[64];
	int rc = BUF_OK;

	buf_init(&key, 4096);
	buf_init(&b, TEXT_MAX / 4);
	if (inc->n_findings > 0 &&
	    (places = calloc(
		 inc->n_findings < PLACES_MAX ? inc->n_findings : PLACES_MAX,
		 sizeof(*places))) == NULL)
		goto out;
	for (i = 0; i < inc->n_findings; i++) {
		const struct store_finding *f = &inc->findings[i];

		if (!f->counted && !all)
			continue;
		buf_reset(&key);
		if (place_label(&key, f, true) != BUF_OK)
			goto out;
		for (j = 0; j < n_places; j++)
			if (strcmp(places[j].key, buf_cstr(&key)) == 0)
				break;
		if (j == n_places) {
			if (n_places == PLACES_MAX) {
				more_places++;
				continue;
			}
			if ((places[j].key = strdup(buf_cstr(&key))) == NULL)
				goto out;
			places[j].first = f;
			n_places++;
		}
		add_to_place(&places[j], f);
	}
	for (j = 0; j < n_places && rc == BUF_OK; j++) {
		const struct place *p = &places[j];

		if (j > 0)
			rc = buf_putc(&b, '\n');
		if (rc == BUF_OK)
			rc = buf_puts(&b, "- ");
		if (rc == BUF_OK)
			rc = place_label(&b, p->first, ja);
		if (rc == BUF_OK)
			rc = buf_puts(&b, ": ");
		for (k = 0; k < p->n_kinds && rc == BUF_OK; k++) {
			if (k > 0)
				rc = buf_puts(&b, ja ? "、" : "; ");
			if (rc == BUF_OK)
				rc = kind_text(&b, &p->kinds[k], ja);
		}
		if (rc == BUF_OK && p->more_kinds > 0) {
			snprintf(num, sizeof(num),
			    ja ? "、ほか %zu 種類" : "; %zu more kinds",
			    p->more_kinds);
			rc = buf_puts(&b, num);
		}
	}
	if (rc == BUF_OK && more_places > 0) {
		snprintf(num, sizeof(num),
		    ja ? "\n- ほか %zu か所" : "\n- and %zu more places",
		    more_places);
		rc = buf_puts(&b, num);
	}
	if (rc != BUF_OK)
		goto out;
	out = steal(&b);
out:
	for (j = 0; j < n_places; j++)
		free(places[j].key);
	free(places);
	buf_free(&key);
	buf_free(&b);
	return out;
}

char *
notice_findings_text(const struct store_incident *inc, const char *lang)
{
	struct buf b;
	char *lines, *out;

	if (inc == NULL || lang == NULL ||
	    (strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0))
		return NULL;
	if ((lines = findings_text(inc, strcmp(lang, "ja") == 0, false)) ==
	    NULL)
		return NULL;
	if (*lines == '\0')
		return lines;
	/* the public form: every line ends with a newline */
	buf_init(&b, strlen(lines) + 2);
	if (buf_puts(&b, lines) != BUF_OK || buf_putc(&b, '\n') != BUF_OK)
		out = NULL;
	else
		out = buf_steal(&b, NULL);
	buf_free(&b);
	free(lines);
	return out;
}

/* "a, b, c" of cleaned addresses, at most RCPTS_SHOWN and "(+N)". */
static char *
join_list(char *const *v, size_t n)
{
	struct buf b;
	char more[32];
	size_t i;
	int rc = BUF_OK;

	buf_init(&b, RCPTS_SHOWN * (VALUE_MAX + 2) + 64);
	for (i = 0; i < n && i < RCPTS_SHOWN && rc == BUF_OK; i++) {
		if (i > 0)
			rc = buf_puts(&b, ", ");
		if (rc == BUF_OK && v[i] != NULL)
			rc = clean_into(&b, v[i], 320, false);
	}
	if (rc == BUF_OK && n > RCPTS_SHOWN) {
		snprintf(more, sizeof(more), " (+%zu)", n - RCPTS_SHOWN);
		rc = buf_puts(&b, more);
	}
	if (rc != BUF_OK) {
		buf_free(&b);
		return NULL;
	}
	return steal(&b);
}

/* One line per incident of a digest, newest first as given. */
static char *
digest_text(const struct store_incident *list, size_t n, bool ja)
{
	struct buf b;
	char date[64], line[160];
	size_t i;
	int rc = BUF_OK;

	buf_init(&b, TEXT_MAX / 4);
	for (i = 0; i < n && i < DIGEST_MAX && rc == BUF_OK; i++) {
		const struct store_incident *x = &list[i];

		format_date(x->time, date, sizeof(date));
		snprintf(line, sizeof(line), "%s- %s  %s  %s [%s]  ",
		    i > 0 ? "\n" : "", x->id, date, action_name(x->action, ja),
		    store_state_name(x->state));
		rc = buf_puts(&b, line);
		if (rc == BUF_OK)
			rc = clean_into(
			    &b, x->sender ? x->sender : "<>", 320, false);
		snprintf(line, sizeof(line),
		    ja ? " → 宛先 %zu 件" : " → %zu recipient(s)", x->n_rcpts);
		if (rc == BUF_OK)
			rc = buf_puts(&b, line);
		if (rc == BUF_OK && x->reasons != NULL &&
		    (rc = buf_puts(&b, ": ")) == BUF_OK)
			rc = clean_into(&b, x->reasons, 300, false);
	}
	if (rc == BUF_OK && n > DIGEST_MAX) {
		snprintf(line, sizeof(line),
		    ja ? "\n- ほか %zu 件" : "\n- and %zu more",
		    n - DIGEST_MAX);
		rc = buf_puts(&b, line);
	}
	if (rc != BUF_OK) {
		buf_free(&b);
		return NULL;
	}
	return steal(&b);
}

static bool
is_admin(enum notice_kind kind)
{
	return kind == NOTICE_ADMIN_INCIDENT || kind == NOTICE_ADMIN_DIGEST;
}

static void
vars_free(char **v)
{
	size_t i;

	for (i = 0; i < NVARS; i++)
		free(v[i]);
}

/* Every value for kind; 0, or -1 on ENOMEM. v is NVARS long, zeroed. */
static int
vars_fill(char **v, enum notice_kind kind, const struct notice_input *in)
{
	const struct store_incident *inc = in->inc;
	const char *by, *why;
	char tmp[128];
	unsigned flags;
	size_t i;

	if (in->contact != NULL &&
	    (v[V_CONTACT] = clean(in->contact, VALUE_MAX)) == NULL)
		return -1;
	if (in->n_list > 0) {
		snprintf(tmp, sizeof(tmp), "%zu", in->n_list);
		if ((v[V_COUNT] = strdup(tmp)) == NULL ||
		    (v[V_DIGEST_JA] =
			    digest_text(in->list, in->n_list, true)) == NULL ||
		    (v[V_DIGEST_EN] =
			    digest_text(in->list, in->n_list, false)) == NULL)
			return -1;
	}
	by = in->decided_by ? in->decided_by : inc ? inc->decided_by : NULL;
	why = in->decision_reason ? in->decision_reason
	    : inc		  ? inc->decision_reason
				  : NULL;
	if ((by != NULL && (v[V_DECIDED_BY] = clean(by, VALUE_MAX)) == NULL) ||
	    (why != NULL &&
		(v[V_DECISION_REASON] = clean(why, VALUE_MAX)) == NULL))
		return -1;
	if (inc == NULL)
		return 0;
	format_date(inc->time, tmp, sizeof(tmp));
	if ((v[V_INCIDENT] = clean(inc->id, sizeof(inc->id))) == NULL ||
	    (v[V_DATE] = strdup(tmp)) == NULL ||
	    (v[V_ACTION_JA] = strdup(action_name(inc->action, true))) == NULL ||
	    (v[V_ACTION_EN] = strdup(action_name(inc->action, false))) ==
		NULL ||
	    (v[V_SENDER] = clean(inc->sender ? inc->sender : "<>", 320)) ==
		NULL ||
	    (v[V_RECIPIENTS] = join_list(inc->rcpts, inc->n_rcpts)) == NULL ||
	    (v[V_APPROVERS] = join_list(inc->approvers, inc->n_approvers)) ==
		NULL ||
	    (v[V_FINDINGS_JA] = findings_text(inc, true, is_admin(kind))) ==
		NULL ||
	    (v[V_FINDINGS_EN] = findings_text(inc, false, is_admin(kind))) ==
		NULL)
		return -1;
	if ((inc->subject != NULL &&
		(v[V_SUBJECT] = clean(inc->subject, VALUE_MAX)) == NULL) ||
	    (inc->queue_id != NULL &&
		(v[V_QUEUE_ID] = clean(inc->queue_id, 64)) == NULL) ||
	    (inc->reasons != NULL &&
		(v[V_REASONS] = clean(inc->reasons, 4 * VALUE_MAX)) == NULL) ||
	    (inc->ruleset != NULL &&
		(v[V_RULESET] = clean(inc->ruleset, 100)) == NULL))
		return -1;
	if (inc->size > 0) {
		format_size(inc->size, tmp, sizeof(tmp));
		if ((v[V_SIZE] = strdup(tmp)) == NULL)
			return -1;
	}
	/* an incident without reason flags (recorded before they existed)
	   that holds counted findings was stopped for personal data */
	flags = inc->why;
	for (i = 0; flags == 0 && i < inc->n_findings; i++)
		if (inc->findings[i].counted)
			flags = DLP_WHY_PERSONAL;
	for (i = 0; V_WHY_FIRST + i < NVARS; i++)
		if ((flags & (1u << i)) &&
		    (v[V_WHY_FIRST + i] = strdup("1")) == NULL)
			return -1;
	return 0;
}

static bool
is_set(const char *v)
{
	return v != NULL && *v != '\0';
}

/* Render ops into b. Returns a BUF_* code. */
static int
render(const struct tpl *t, const struct ops *o, char *const *v, struct buf *b)
{
	size_t i;
	int rc = BUF_OK;

	for (i = 0; i < o->n && rc == BUF_OK; i++) {
		const struct op *op = &o->v[i];

		switch (op->type) {
		case OP_TEXT:
			rc = buf_append(b, t->src + op->off, op->len);
			break;
		case OP_VAR:
			if (v[op->var] != NULL)
				rc = buf_puts(b, v[op->var]);
			break;
		case OP_SECTION:
			if (is_set(v[op->var]) == op->inverted)
				i = op->end;
			break;
		case OP_END:
			break;
		}
	}
	return rc;
}

/* ---- the message ---- */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
base64_into(struct buf *b, const unsigned char *in, size_t len, bool lines)
{
	char q[4];
	size_t i, col = 0;
	int rc = BUF_OK;

	for (i = 0; i < len && rc == BUF_OK; i += 3) {
		uint32_t x = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			x |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			x |= in[i + 2];
		q[0] = b64[x >> 18 & 63];
		q[1] = b64[x >> 12 & 63];
		q[2] = i + 1 < len ? b64[x >> 6 & 63] : '=';
		q[3] = i + 2 < len ? b64[x & 63] : '=';
		rc = buf_append(b, q, 4);
		col += 4;
		if (lines && rc == BUF_OK && (col == 76 || i + 3 >= len)) {
			rc = buf_puts(b, "\r\n");
			col = 0;
		}
	}
	return rc;
}

/*
 * s as RFC 2047 B encoded-words of UTF-8, each at most 75 characters and
 * never splitting a character, folded so that no line passes 76: the
 * first word has room characters, the next ones a line each.
 */
static int
encode_words(struct buf *b, const char *s, size_t room)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, take, max;
	int rc = BUF_OK;
	bool first = true;

	if (room < 20)
		room = 20;
	do {
		size_t word = first ? room : 75;

		if (word > 75)
			word = 75;
		max = (word - 12) / 4 * 3; /* "=?UTF-8?B?" "?=" */
		take = n - i < max ? n - i : max;
		while (take > 0 && i + take < n && (p[i + take] & 0xc0) == 0x80)
			take--;
		if (!first)
			rc = buf_puts(b, "\r\n ");
		if (rc == BUF_OK)
			rc = buf_puts(b, "=?UTF-8?B?");
		if (rc == BUF_OK)
			rc = base64_into(b, p + i, take, false);
		if (rc == BUF_OK)
			rc = buf_puts(b, "?=");
		i += take;
		first = false;
	} while (i < n && rc == BUF_OK && take > 0);
	return rc;
}

static bool
plain_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* A header field whose value is free text (encoded when it must be). */
static int
text_header(struct buf *b, const char *name, const char *value)
{
	size_t used = strlen(name) + 2;
	int rc;

	if ((rc = buf_puts(b, name)) != BUF_OK ||
	    (rc = buf_puts(b, ": ")) != BUF_OK)
		return rc;
	if (plain_ascii(value) && strstr(value, "=?") == NULL &&
	    used + strlen(value) <= 78)
		rc = buf_puts(b, value);
	else
		rc = encode_words(b, value, 76 - used);
	return rc == BUF_OK ? buf_puts(b, "\r\n") : rc;
}

/* An address for a header: no controls, no spaces, no brackets. */
static int
addr_into(struct buf *b, const char *a)
{
	size_t n, i;
	int rc = BUF_OK;

	while (*a == ' ' || *a == '<')
		a++;
	n = strlen(a);
	while (n > 0 && (a[n - 1] == '>' || a[n - 1] == ' '))
		n--;
	if (n > 320)
		n = 320;
	for (i = 0; i < n && rc == BUF_OK; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != ',')
			rc = buf_putc(b, c);
	}
	return rc;
}

/* From: "Name <addr>", the name quoted or encoded as it needs. */
static int
from_header(struct buf *b, const char *from)
{
	const char *lt = strrchr(from, '<');
	char *name = NULL;
	struct buf addr;
	size_t n, i, col;
	int rc;

	if ((rc = buf_puts(b, "From: ")) != BUF_OK)
		return rc;
	if (lt != NULL && lt > from) {
		n = (size_t)(lt - from);
		while (n > 0 && from[n - 1] == ' ')
			n--;
		if ((name = strndup(from, n)) == NULL)
			return BUF_ENOMEM;
		for (i = 0; name[i] == '"' || name[i] == ' '; i++)
			;
		memmove(name, name + i, strlen(name + i) + 1);
		n = strlen(name);
		while (n > 0 && name[n - 1] == '"')
			name[--n] = '\0';
	}
	if (name != NULL && *name != '\0') {
		char *c = clean(name, 200);

		if (c == NULL)
			rc = BUF_ENOMEM;
		else if (plain_ascii(c) && strstr(c, "=?") == NULL) {
			rc = buf_putc(b, '"');
			for (i = 0; c[i] != '\0' && rc == BUF_OK; i++) {
				if (c[i] == '"' || c[i] == '\\')
					rc = buf_putc(b, '\\');
				if (rc == BUF_OK)
					rc = buf_putc(b, c[i]);
			}
			if (rc == BUF_OK)
				rc = buf_putc(b, '"');
		} else
			rc = encode_words(b, c, 70);
		free(c);
	}
	free(name);
	if (rc != BUF_OK)
		return rc;
	/* the address on the name's line when it fits in 78 */
	buf_init(&addr, 400);
	if ((rc = buf_putc(&addr, '<')) == BUF_OK &&
	    (rc = addr_into(&addr, lt != NULL ? lt : from)) == BUF_OK &&
	    (rc = buf_putc(&addr, '>')) == BUF_OK) {
		for (col = 0; col < b->len && b->data[b->len - col - 1] != '\n';
		     col++)
			;
		if (col > 6)
			rc = buf_puts(
			    b, col + 1 + addr.len > 78 ? "\r\n " : " ");
		if (rc == BUF_OK)
			rc = buf_append(b, addr.data, addr.len);
		if (rc == BUF_OK)
			rc = buf_puts(b, "\r\n");
	}
	buf_free(&addr);
	return rc;
}

static int
to_header(struct buf *b, const char *const *to, size_t n, const char *dflt)
{
	const char *one[1] = { dflt };
	size_t i, col = 4, mark;
	int rc;

	if (n == 0 && dflt != NULL) {
		to = one;
		n = 1;
	}
	rc = buf_puts(b, "To: ");
	if (n == 0 && rc == BUF_OK)
		rc = buf_puts(b, "undisclosed-recipients:;");
	for (i = 0; i < n && rc == BUF_OK; i++) {
		if (i > 0) {
			bool fold = col > 60;

			rc = buf_puts(b, fold ? ",\r\n " : ", ");
			col = fold ? 1 : col + 2;
		}
		mark = b->len;
		if (rc == BUF_OK)
			rc = buf_putc(b, '<');
		if (rc == BUF_OK)
			rc = addr_into(b, to[i] != NULL ? to[i] : "");
		if (rc == BUF_OK)
			rc = buf_putc(b, '>');
		col += b->len - mark;
	}
	return rc == BUF_OK ? buf_puts(b, "\r\n") : rc;
}

static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };
static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* RFC 5322 date in the local zone: "Sun, 22 Nov 2026 19:15:00 +0900". */
static void
rfc5322_date(long long t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;
	long off;

	if (localtime_r(&tt, &tm) == NULL)
		gmtime_r(&tt, &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(out, outlen, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	    wday[tm.tm_wday % 7], tm.tm_mday, mon[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static void
random_hex(char *out, size_t nbytes)
{
	unsigned char r[16] = { 0 };
	size_t got = 0, i;
	ssize_t n;

	if (nbytes > sizeof(r))
		nbytes = sizeof(r);
	while (got < nbytes) {
		n = getrandom(r + got, nbytes - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	for (i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* The domain of the From: address, for Message-ID. */
static void
from_domain(const char *from, char *out, size_t outlen)
{
	const char *at = from ? strrchr(from, '@') : NULL;
	size_t o = 0;

	if (at != NULL)
		for (at++; *at != '\0' && *at != '>' && o + 1 < outlen; at++)
			if ((*at >= 'a' && *at <= 'z') ||
			    (*at >= 'A' && *at <= 'Z') ||
			    (*at >= '0' && *at <= '9') || *at == '.' ||
			    *at == '-')
				out[o++] = *at;
	if (o == 0)
		snprintf(out, outlen, "dlp-milter.invalid");
	else
		out[o] = '\0';
}

/* ---- signing ---- */

/* The body as signed: CR removed, trailing empty lines dropped. */
struct canon {
	struct sha256_ctx h;
	size_t pending_nl; /* newlines held back until more text comes */
	bool any;
};

static void
canon_init(struct canon *c)
{
	sha256_init(&c->h);
	c->pending_nl = 0;
	c->any = false;
}

static void
canon_update(struct canon *c, const unsigned char *p, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (p[i] != '\r' && p[i] != '\n')
			continue;
		if (i > start) {
			while (c->pending_nl > 0) {
				sha256_update(&c->h, 1, (const uint8_t *)"\n");
				c->pending_nl--;
			}
			sha256_update(&c->h, i - start, p + start);
			c->any = true;
		}
		if (p[i] == '\n')
			c->pending_nl++;
		start = i + 1;
	}
	if (len > start) {
		while (c->pending_nl > 0) {
			sha256_update(&c->h, 1, (const uint8_t *)"\n");
			c->pending_nl--;
		}
		sha256_update(&c->h, len - start, p + start);
		c->any = true;
	}
}

/* The body hash as lower-case hex (65 bytes). */
static void
canon_final(struct canon *c, char *hex)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t i;

	if (c->any)
		sha256_update(&c->h, 1, (const uint8_t *)"\n");
	sha256_digest(&c->h, sizeof(d), d);
	for (i = 0; i < sizeof(d); i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* mac = HMAC(HMAC(secret, context), context "\n" t "\n" bodyhash). */
static void
sign(const unsigned char *secret, size_t secretlen, long long t,
    const char *bodyhash, uint8_t mac[SHA256_DIGEST_SIZE])
{
	struct hmac_sha256_ctx h;
	uint8_t key[SHA256_DIGEST_SIZE];
	char head[64];
	int n;

	hmac_sha256_set_key(&h, secretlen, secret);
	hmac_sha256_update(
	    &h, strlen(SIGN_CONTEXT), (const uint8_t *)SIGN_CONTEXT);
	hmac_sha256_digest(&h, sizeof(key), key);
	hmac_sha256_set_key(&h, sizeof(key), key);
	n = snprintf(head, sizeof(head), SIGN_CONTEXT "\n%lld\n", t);
	hmac_sha256_update(&h, (size_t)n, (const uint8_t *)head);
	hmac_sha256_update(&h, 64, (const uint8_t *)bodyhash);
	hmac_sha256_digest(&h, SHA256_DIGEST_SIZE, mac);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(&h, sizeof(h));
}

/* ---- notice_render ---- */

/* The body (everything after the header's empty line) into b. */
static int
build_body(struct buf *b, const char *text, size_t textlen,
    const struct notice_input *in, const char *boundary, bool eightbit)
{
	size_t i, start;
	int rc = BUF_OK;

	if (boundary != NULL)
		rc = buf_puts(b, "This is a MIME message.\r\n\r\n--");
	if (boundary != NULL && rc == BUF_OK &&
	    (rc = buf_puts(b, boundary)) == BUF_OK)
		rc = buf_puts(b,
		    "\r\nContent-Type: text/plain; "
		    "charset=UTF-8\r\nContent-Transfer-Encoding: "
		    "base64\r\n\r\n");
	if (rc == BUF_OK)
		rc = base64_into(b, (const unsigned char *)text, textlen, true);
	if (boundary == NULL || rc != BUF_OK)
		return rc;
	if ((rc = buf_puts(b, "\r\n--")) != BUF_OK ||
	    (rc = buf_puts(b, boundary)) != BUF_OK ||
	    (rc = buf_puts(b,
		 "\r\nContent-Type: message/rfc822\r\n"
		 "Content-Disposition: attachment; "
		 "filename=\"original.eml\"\r\n")) != BUF_OK ||
	    (rc = buf_puts(
		 b, eightbit ? "Content-Transfer-Encoding: 8bit\r\n" : "")) !=
		BUF_OK ||
	    (rc = buf_puts(b, "\r\n")) != BUF_OK)
		return rc;
	/* the original with its lines in CRLF */
	for (i = start = 0; i < in->attach_len && rc == BUF_OK; i++) {
		if (in->attach[i] != '\n')
			continue;
		if (i > start && in->attach[i - 1] == '\r')
			rc = buf_append(b, in->attach + start, i + 1 - start);
		else if ((rc = buf_append(b, in->attach + start, i - start)) ==
		    BUF_OK)
			rc = buf_puts(b, "\r\n");
		start = i + 1;
	}
	if (rc == BUF_OK && start < in->attach_len &&
	    (rc = buf_append(b, in->attach + start, in->attach_len - start)) ==
		BUF_OK)
		rc = buf_puts(b, "\r\n");
	if (rc == BUF_OK && (rc = buf_puts(b, "\r\n--")) == BUF_OK &&
	    (rc = buf_puts(b, boundary)) == BUF_OK)
		rc = buf_puts(b, "--\r\n");
	return rc;
}

/* The rendered text as CRLF lines, ending with one line end. */
static int
crlf_text(struct buf *out, const struct buf *in)
{
	const char *s = buf_cstr(in);
	size_t i, n = in->len;
	int rc = BUF_OK;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	for (i = 0; i < n && rc == BUF_OK; i++) {
		if (s[i] == '\r')
			continue;
		rc = s[i] == '\n' ? buf_puts(out, "\r\n") : buf_putc(out, s[i]);
	}
	return rc == BUF_OK ? buf_puts(out, "\r\n") : rc;
}

int
notice_render(const struct notice_templates *t, enum notice_kind kind,
    const struct notice_input *in, const unsigned char *key, size_t keylen,
    char **out, size_t *outlen)
{
	char *v[NVARS] = { 0 };
	struct buf raw, text, subj, body, msg;
	char boundary[48], rnd[33], dom[128], date[64], hash[65], line[512];
	const char *id = in->inc ? in->inc->id : NULL;
	long long now = in->now ? in->now : (long long)time(NULL);
	uint8_t mac[SHA256_DIGEST_SIZE];
	size_t i, max;
	bool eightbit = false;
	char *subject = NULL;
	int rc = -1;

	*out = NULL;
	*outlen = 0;
	if ((unsigned)kind >= NOTICE_KINDS || t == NULL)
		return -1;
	buf_init(&raw, TEXT_MAX);
	buf_init(&text, 2 * TEXT_MAX + 2);
	buf_init(&subj, 8192);
	max = MESSAGE_MAX;
	if (in->attach != NULL) {
		if (in->attach_len > (SIZE_MAX - MESSAGE_MAX) / 2)
			goto out;
		max += 2 * in->attach_len;
	}
	buf_init(&body, max);
	buf_init(&msg, max + 16384);
	if (vars_fill(v, kind, in) < 0)
		goto out;
	if (render(&t->t[kind], &t->t[kind].body, v, &raw) != BUF_OK ||
	    crlf_text(&text, &raw) != BUF_OK ||
	    render(&t->t[kind], &t->t[kind].subject, v, &subj) != BUF_OK ||
	    (subject = clean(buf_cstr(&subj), VALUE_MAX)) == NULL)
		goto out;
	random_hex(rnd, 16);
	if (in->attach != NULL) {
		for (i = 0; i < in->attach_len && !eightbit; i++)
			eightbit = (unsigned char)in->attach[i] >= 0x80;
		snprintf(boundary, sizeof(boundary), "=_dlp_notice_%s", rnd);
	}
	if (build_body(&body, buf_cstr(&text), text.len, in,
		in->attach ? boundary : NULL, eightbit) != BUF_OK)
		goto out;

	/* the header */
	from_domain(in->from, dom, sizeof(dom));
	rfc5322_date(now, date, sizeof(date));
	random_hex(rnd, 8);
	if (from_header(&msg, in->from ? in->from : "dlp-milter") != BUF_OK ||
	    to_header(&msg, in->to, in->n_to,
		in->inc ? in->inc->sender : NULL) != BUF_OK ||
	    text_header(&msg, "Subject", subject) != BUF_OK)
		goto out;
	snprintf(line, sizeof(line),
	    "Date: %s\r\nMessage-ID: <%s.%s@%s>\r\nMIME-Version: 1.0\r\n", date,
	    id ? id : "digest", rnd, dom);
	if (buf_puts(&msg, line) != BUF_OK)
		goto out;
	if (in->attach != NULL)
		snprintf(line, sizeof(line),
		    "Content-Type: multipart/mixed; boundary=\"%s\"\r\n%s",
		    boundary,
		    eightbit ? "Content-Transfer-Encoding: 8bit\r\n" : "");
	else
		snprintf(line, sizeof(line),
		    "Content-Type: text/plain; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: base64\r\n");
	if (buf_puts(&msg, line) != BUF_OK ||
	    buf_puts(&msg,
		"Auto-Submitted: auto-generated\r\n"
		"X-Auto-Response-Suppress: All\r\n") != BUF_OK)
		goto out;
	if (id != NULL) {
		char *cid = clean(id, sizeof(in->inc->id));

		snprintf(line, sizeof(line), "X-DLP-Incident: %s\r\n",
		    cid ? cid : "");
		free(cid);
		if (buf_puts(&msg, line) != BUF_OK)
			goto out;
	}
	if (keylen > 0) {
		struct canon c;

		canon_init(&c);
		canon_update(
		    &c, body.data ? body.data : (unsigned char *)"", body.len);
		canon_final(&c, hash);
		sign(key, keylen, now, hash, mac);
		i = (size_t)snprintf(line, sizeof(line),
		    NOTICE_HEADER ": v1; t=%lld; mac=", now);
		for (size_t k = 0; k < sizeof(mac); k++)
			i += (size_t)snprintf(
			    line + i, sizeof(line) - i, "%02x", mac[k]);
		snprintf(line + i, sizeof(line) - i, "\r\n");
		if (buf_puts(&msg, line) != BUF_OK)
			goto out;
	}
	if (buf_puts(&msg, "\r\n") != BUF_OK ||
	    buf_append(&msg, body.data ? body.data : (unsigned char *)"",
		body.len) != BUF_OK)
		goto out;
	*out = buf_steal(&msg, outlen);
	rc = *out != NULL ? 0 : -1;
out:
	vars_free(v);
	free(subject);
	buf_free(&raw);
	buf_free(&text);
	buf_free(&subj);
	buf_free(&body);
	buf_free(&msg);
	return rc;
}

/* ---- notice_check ---- */

struct notice_check {
	bool parsed; /* the header value was well formed */
	long long t;
	uint8_t mac[SHA256_DIGEST_SIZE];
	struct canon c;
	bool finished;
	char hash[65];
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* "v1; t=DIGITS; mac=64HEX", whitespace and folding allowed. */
static bool
parse_value(struct notice_check *c, const char *v)
{
	bool have_t = false, have_mac = false;
	const char *p = skip_ws(v);
	size_t i;

	if (strncmp(p, "v1", 2) != 0)
		return false;
	p = skip_ws(p + 2);
	while (*p == ';') {
		p = skip_ws(p + 1);
		if (strncmp(p, "t=", 2) == 0 && !have_t) {
			long long t = 0;

			p += 2;
			for (i = 0; p[i] >= '0' && p[i] <= '9'; i++) {
				if (i >= 18)
					return false;
				t = t * 10 + (p[i] - '0');
			}
			if (i == 0)
				return false;
			c->t = t;
			p += i;
			have_t = true;
		} else if (strncmp(p, "mac=", 4) == 0 && !have_mac) {
			p += 4;
			for (i = 0; i < sizeof(c->mac); i++) {
				int hi = hexval(p[2 * i]), lo;

				if (hi < 0 || (lo = hexval(p[2 * i + 1])) < 0)
					return false;
				c->mac[i] = (uint8_t)(hi << 4 | lo);
			}
			p += 2 * sizeof(c->mac);
			if (hexval(*p) >= 0)
				return false;
			have_mac = true;
		} else
			return false;
		p = skip_ws(p);
	}
	return *p == '\0' && have_t && have_mac;
}

struct notice_check *
notice_check_new(const char *header_value)
{
	struct notice_check *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	canon_init(&c->c);
	c->parsed = header_value != NULL && parse_value(c, header_value);
	return c;
}

void
notice_check_body(struct notice_check *c, const void *data, size_t len)
{
	if (c == NULL || c->finished || !c->parsed)
		return;
	canon_update(&c->c, data, len);
}

bool
notice_check_valid(struct notice_check *c, const unsigned char *key,
    size_t keylen, long long now, long long max_age)
{
	uint8_t mac[SHA256_DIGEST_SIZE], diff = 0;
	size_t i;

	if (c == NULL || !c->parsed || key == NULL || keylen == 0)
		return false;
	if (!c->finished) {
		canon_final(&c->c, c->hash);
		c->finished = true;
	}
	sign(key, keylen, c->t, c->hash, mac);
	for (i = 0; i < sizeof(mac); i++)
		diff |= mac[i] ^ c->mac[i];
	if (diff != 0)
		return false;
	return now - c->t <= max_age && c->t - now <= FUTURE_SKEW;
}

void
notice_check_free(struct notice_check *c)
{
	if (c == NULL)
		return;
	explicit_bzero(c, sizeof(*c));
	free(c);
}

int
notice_kind_for_action(enum dlp_action a)
{
	switch (a) {
	case DLP_REJECT:
		return NOTICE_SENDER_REJECT;
	case DLP_QUARANTINE:
		return NOTICE_SENDER_QUARANTINE;
	case DLP_APPROVE:
		return NOTICE_SENDER_APPROVE;
	case DLP_TAG:
		return NOTICE_SENDER_TAG;
	default:
		return -1;
	}
}
