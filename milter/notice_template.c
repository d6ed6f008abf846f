/*
 * notice_template - reading and parsing the notice templates. See
 * notice.h for the syntax and conf/templates/README.md for the names.
 *
 * A template is parsed once, at load, into a flat list of operations
 * (text, value, section start, section end) whose section starts know
 * where their section ends, so rendering (notice.c) is one loop without
 * recursion, and every error (unknown placeholder, unbalanced section,
 * an unterminated "{{", bad UTF-8, a header line other than Subject) is
 * found at load with its file:line, never when a mail is stopped. A line
 * that holds nothing but a section tag vanishes with the tag, so
 * templates can put {{#x}} and {{/x}} on lines of their own.
 *
 * Limits: a file is at most 64 KB; sections nest at most 16 deep.
 * Loaded templates are immutable and may be shared by threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notice_int.h"

#define TEMPLATE_MAX  (64 * 1024)
#define SECTION_DEPTH 16

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

/* The placeholders a template may use (conf/templates/README.md). */
const char *const notice_var_names[NVARS] = {
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

static int
ops_add(struct notice_ops *o, const struct notice_op *op)
{
	struct notice_op *v;

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
    unsigned line, struct notice_ops *o, struct dlp_error *err)
{
	size_t stack[SECTION_DEPTH], depth = 0, pos = start;
	const char *open;
	struct notice_op op;

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
			/* (ls never passes pos: a tag earlier on the
			   line is not blank) */
			if (blank(src + ls, text_end - ls) &&
			    blank(src + after, le - after)) {
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
			const struct notice_op *sec;

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
		const struct notice_op *sec = &o->v[stack[depth - 1]];

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
		l = notice_utf8_len((const unsigned char *)s + i, len - i, &c);
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
    const char *file, struct notice_tpl *t, size_t len, struct dlp_error *err)
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
