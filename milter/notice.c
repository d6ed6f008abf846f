/*
 * notice - the values and the rendering of the mails dlp-milter writes.
 * See notice.h for the contract and conf/templates/README.md for the
 * placeholders. The templates are parsed by notice_template.c, the
 * header fields encoded by notice_mime.c, the signature made and checked
 * by notice_sign.c.
 *
 * Values come from a stored incident: everything inserted is cleaned of
 * control characters and bidirectional overrides (a file name must not
 * reorder or forge lines of the notice) and bounded; only masked samples
 * exist in a store_incident, so no detected value can reach a notice.
 *
 * The message is UTF-8 text/plain in base64 (76 columns), so its body is
 * 7-bit and no MTA rewrites it (a multipart/mixed with the original as
 * message/rfc822 when one is attached); the signature (X-DLP-Notice)
 * covers the body as transmitted.
 *
 * Limits: the rendered text 1 MB (findings lists stop after 50 places of
 * 10 kinds each, digests after 200 incidents, recipient lists after
 * 50); the message 4 MB plus twice the attachment. Thread-safe; the date
 * values use localtime_r() (the process's zone, set before threads
 * start).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notice_int.h"

#define TEXT_MAX    (1024 * 1024)
#define MESSAGE_MAX (4 * 1024 * 1024)
#define PLACES_MAX  50
#define KINDS_MAX   10
#define DIGEST_MAX  200
#define RCPTS_SHOWN 50
#define VALUE_MAX   1000 /* one inserted single-line value, bytes */

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
size_t
notice_utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
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
		len = notice_utf8_len(p + i, n - i, &c);
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
char *
notice_clean(const char *s, size_t max)
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

/* Whether a finding (counted or not) is in the mail's subject. */
static bool
subject_found(const struct store_incident *inc)
{
	size_t i;

	for (i = 0; i < inc->n_findings; i++)
		if (inc->findings[i].path != NULL &&
		    strcmp(inc->findings[i].path, "subject") == 0)
			return true;
	return false;
}

/*
 * Whether f's place names a file whose name held a value: the place of a
 * finding at location "name", or a place inside that file.
 */
static bool
name_flagged(const struct store_incident *inc, const struct store_finding *f)
{
	static const char sep[] = " \xe2\x80\xba "; /* " › " */
	size_t i, n;

	if (f->where == NULL)
		return false;
	for (i = 0; i < inc->n_findings; i++) {
		const struct store_finding *g = &inc->findings[i];

		if (g->location == NULL || strcmp(g->location, "name") != 0 ||
		    g->where == NULL)
			continue;
		n = strlen(g->where);
		if (strncmp(f->where, g->where, n) == 0 &&
		    (f->where[n] == '\0' ||
			strncmp(f->where + n, sep, sizeof(sep) - 1) == 0))
			return true;
	}
	return false;
}

/*
 * A subject or file name that held a detected value is shown with every
 * digit (ASCII or full-width) as '*': the sender still knows the mail
 * and the file, and the notice holds no value. In place (a full-width
 * digit stays 3 bytes).
 */
static void
mask_digits(char *s)
{
	unsigned char *p = (unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			*p = '*';
		else if (p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x90 &&
		    p[2] <= 0x99) {
			p[2] = 0x8a; /* U+FF0A FULLWIDTH ASTERISK */
			p += 2;
		}
	}
}

/*
 * The place of a finding, for people, in one language; the file names'
 * digits masked when a value was found in the name of that file (or of
 * the file it is in).
 */
static int
place_label(struct buf *b, const struct store_incident *inc,
    const struct store_finding *f, bool ja)
{
	const char *loc = f->location, *bang;
	size_t mark;
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
		mark = b->len;
		if (rc == BUF_OK)
			rc = clean_into(b, f->where, 300, false);
		if (rc == BUF_OK && name_flagged(inc, f))
			mask_digits((char *)b->data + mark);
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
		if (place_label(&key, inc, f, true) != BUF_OK)
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
			rc = place_label(&b, inc, p->first, ja);
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
	    (v[V_CONTACT] = notice_clean(in->contact, VALUE_MAX)) == NULL)
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
	if ((by != NULL &&
		(v[V_DECIDED_BY] = notice_clean(by, VALUE_MAX)) == NULL) ||
	    (why != NULL &&
		(v[V_DECISION_REASON] = notice_clean(why, VALUE_MAX)) == NULL))
		return -1;
	if (inc == NULL)
		return 0;
	format_date(inc->time, tmp, sizeof(tmp));
	if ((v[V_INCIDENT] = notice_clean(inc->id, sizeof(inc->id))) == NULL ||
	    (v[V_DATE] = strdup(tmp)) == NULL ||
	    (v[V_ACTION_JA] = strdup(action_name(inc->action, true))) == NULL ||
	    (v[V_ACTION_EN] = strdup(action_name(inc->action, false))) ==
		NULL ||
	    (v[V_SENDER] = notice_clean(
		 inc->sender ? inc->sender : "<>", 320)) == NULL ||
	    (v[V_RECIPIENTS] = join_list(inc->rcpts, inc->n_rcpts)) == NULL ||
	    (v[V_APPROVERS] = join_list(inc->approvers, inc->n_approvers)) ==
		NULL ||
	    (v[V_FINDINGS_JA] = findings_text(inc, true, is_admin(kind))) ==
		NULL ||
	    (v[V_FINDINGS_EN] = findings_text(inc, false, is_admin(kind))) ==
		NULL)
		return -1;
	if ((inc->subject != NULL &&
		(v[V_SUBJECT] = notice_clean(inc->subject, VALUE_MAX)) ==
		    NULL) ||
	    (inc->queue_id != NULL &&
		(v[V_QUEUE_ID] = notice_clean(inc->queue_id, 64)) == NULL) ||
	    (inc->reasons != NULL &&
		(v[V_REASONS] = notice_clean(inc->reasons, 4 * VALUE_MAX)) ==
		    NULL) ||
	    (inc->ruleset != NULL &&
		(v[V_RULESET] = notice_clean(inc->ruleset, 100)) == NULL))
		return -1;
	if (v[V_SUBJECT] != NULL && subject_found(inc))
		mask_digits(v[V_SUBJECT]);
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
render(const struct notice_tpl *t, const struct notice_ops *o, char *const *v,
    struct buf *b)
{
	size_t i;
	int rc = BUF_OK;

	for (i = 0; i < o->n && rc == BUF_OK; i++) {
		const struct notice_op *op = &o->v[i];

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
		rc = notice_base64(
		    b, (const unsigned char *)text, textlen, true);
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
	char boundary[48], rnd[33], dom[128], date[64], line[512];
	const char *id = in->inc ? in->inc->id : NULL;
	long long now = in->now ? in->now : (long long)time(NULL);
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
	    (subject = notice_clean(buf_cstr(&subj), VALUE_MAX)) == NULL)
		goto out;
	notice_random_hex(rnd, 16);
	if (in->attach != NULL) {
		for (i = 0; i < in->attach_len && !eightbit; i++)
			eightbit = (unsigned char)in->attach[i] >= 0x80;
		snprintf(boundary, sizeof(boundary), "=_dlp_notice_%s", rnd);
	}
	if (build_body(&body, buf_cstr(&text), text.len, in,
		in->attach ? boundary : NULL, eightbit) != BUF_OK)
		goto out;

	/* the header */
	notice_from_domain(in->from, dom, sizeof(dom));
	notice_date(now, date, sizeof(date));
	notice_random_hex(rnd, 8);
	if (notice_header_from(&msg, in->from ? in->from : "dlp-milter") !=
		BUF_OK ||
	    notice_header_to(&msg, in->to, in->n_to,
		in->inc ? in->inc->sender : NULL) != BUF_OK ||
	    notice_header_text(&msg, "Subject", subject) != BUF_OK)
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
		char *cid = notice_clean(id, sizeof(in->inc->id));

		snprintf(line, sizeof(line), "X-DLP-Incident: %s\r\n",
		    cid ? cid : "");
		free(cid);
		if (buf_puts(&msg, line) != BUF_OK)
			goto out;
	}
	if (keylen > 0) {
		notice_signature(key, keylen, now,
		    body.data ? body.data : (unsigned char *)"", body.len, line,
		    sizeof(line));
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
