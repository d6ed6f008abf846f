/*
 * Unit tests for notice: template loading and its errors (file:line),
 * sections, the findings lines per place, the rendered message (headers,
 * RFC 2047 subject, base64 body, CRLF, attachment), header injection,
 * value cleaning, and the X-DLP-Notice signature and its checks.
 *
 * Run from the source tree (conf/templates). The zone is set to JST-9.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "notice.h"

#define TEMPLATES "conf/templates"
#define T0	  1795310100LL /* 2026-11-22 10:15:00 JST */

static const unsigned char secret[] = "0123456789abcdef0123456789abcdef";
#define SECRET_LEN (sizeof(secret) - 1)
#define HEX64	   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ---- helpers ---- */

static int
b64val(int c)
{
	const char *a =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;

	return p ? (int)(p - a) : -1;
}

/* Decode base64 (whitespace skipped) into a new NUL-terminated string. */
static char *
b64decode(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t o = 0, i;
	uint32_t acc = 0;
	int bits = 0, v;

	assert_non_null(out);
	for (i = 0; i < len; i++) {
		if (s[i] == '=' || s[i] == '\r' || s[i] == '\n')
			continue;
		v = b64val((unsigned char)s[i]);
		assert_true(v >= 0);
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

/* The message split: header block and body. */
static void
split(const char *msg, char **head, const char **body)
{
	const char *sep = strstr(msg, "\r\n\r\n");

	assert_non_null(sep);
	*head = strndup(msg, (size_t)(sep - msg) + 2);
	*body = sep + 4;
}

/* The unfolded value of header name in head, or NULL. */
static char *
header(const char *head, const char *name)
{
	size_t n = strlen(name);
	const char *p = head;
	char *out;
	size_t o = 0;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			out = malloc(strlen(p) + 1);
			while (*p != '\0') {
				if (p[0] == '\r' && p[1] == '\n' &&
				    (p[2] == ' ' || p[2] == '\t')) {
					p += 2;
					continue;
				}
				if (p[0] == '\r' && p[1] == '\n')
					break;
				out[o++] = *p++;
			}
			out[o] = '\0';
			return out;
		}
		p = strstr(p, "\r\n");
		p = p ? p + 2 : NULL;
	}
	return NULL;
}

/* Decode a header value made of "=?UTF-8?B?...?=" words (and text). */
static char *
decode_words(const char *v)
{
	char *out = calloc(1, strlen(v) + 1), *w;
	const char *p = v, *end;

	assert_non_null(out);
	while (*p != '\0') {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
			end = strstr(p + 10, "?=");
			assert_non_null(end);
			w = b64decode(p + 10, (size_t)(end - p - 10));
			strcat(out, w);
			free(w);
			p = end + 2;
			/* space between two encoded-words is not text */
			if (*p == ' ' && strncmp(p + 1, "=?UTF-8?B?", 10) == 0)
				p++;
		} else {
			strncat(out, p, 1);
			p++;
		}
	}
	return out;
}

/* Every line ends in CRLF and no bare CR or LF exists. */
static void
assert_crlf(const char *msg, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (msg[i] == '\n')
			assert_true(i > 0 && msg[i - 1] == '\r');
		if (msg[i] == '\r')
			assert_true(i + 1 < len && msg[i + 1] == '\n');
	}
	assert_true(len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n');
}

static struct notice_templates *
shipped(void)
{
	struct dlp_error err = { 0 };
	struct notice_templates *t = notice_templates_load(TEMPLATES, &err);

	if (t == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	return t;
}

/* A synthetic incident: My Number and pension number in an attachment,
   a My Number in the body, a monitor-rule finding, an exception. */
static char *rcpts_v[] = { "partner@example.com", "other@example.net" };

static struct store_finding findings_v[] = {
	{ .path = "1",
	    .rule_id = "jp.my_number",
	    .kind = "my_number",
	    .name_ja = "個人番号",
	    .name_en = "My Number",
	    .confidence = DLP_CONF_HIGH,
	    .count = 1,
	    .masked = "****-****-1234",
	    .counted = true },
	{ .path = "2/名簿.zip/2024/名簿.xlsx",
	    .where = "名簿.zip › 2024/名簿.xlsx",
	    .location = "Sheet1!B7",
	    .rule_id = "jp.my_number",
	    .kind = "my_number",
	    .name_ja = "個人番号",
	    .name_en = "My Number",
	    .confidence = DLP_CONF_HIGH,
	    .count = 10,
	    .masked = "****-****-9018",
	    .counted = true },
	{ .path = "2/名簿.zip/2024/名簿.xlsx",
	    .where = "名簿.zip › 2024/名簿.xlsx",
	    .location = "Sheet1!C2",
	    .rule_id = "jp.my_number.table",
	    .kind = "my_number",
	    .name_ja = "個人番号",
	    .name_en = "My Number",
	    .confidence = DLP_CONF_MEDIUM,
	    .count = 2,
	    .masked = "****-****-5555",
	    .counted = true },
	{ .path = "2/名簿.zip/2024/名簿.xlsx",
	    .where = "名簿.zip › 2024/名簿.xlsx",
	    .location = "Sheet1!D2",
	    .rule_id = "jp.pension",
	    .kind = "pension_number",
	    .name_ja = "基礎年金番号",
	    .name_en = "Basic Pension Number",
	    .confidence = DLP_CONF_HIGH,
	    .count = 3,
	    .masked = "****-**1234",
	    .counted = true },
	{ .path = "2/名簿.zip/2024/名簿.xlsx",
	    .where = "名簿.zip › 2024/名簿.xlsx",
	    .location = "Sheet1!E2",
	    .rule_id = "jp.phone",
	    .kind = "phone",
	    .name_ja = "電話番号",
	    .name_en = "Phone number",
	    .confidence = DLP_CONF_LOW,
	    .count = 4,
	    .masked = "***-****-0000",
	    .counted = false },
	{ .path = "subject",
	    .rule_id = "jp.my_number",
	    .kind = "my_number",
	    .name_ja = "個人番号",
	    .name_en = "My Number",
	    .confidence = DLP_CONF_HIGH,
	    .count = 1,
	    .masked = "****-****-7777",
	    .counted = true },
	{ .path = "3/マイナンバー.txt",
	    .where = "マイナンバー.txt",
	    .location = "name",
	    .rule_id = "jp.word",
	    .kind = "keyword",
	    .name_ja = "キーワード",
	    .name_en = "Keyword",
	    .confidence = DLP_CONF_LOW,
	    .count = 1,
	    .masked = "マイ****",
	    .counted = true },
};

static void
incident(struct store_incident *inc)
{
	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "DLP-20261122-1A2B3C4D");
	inc->time = T0;
	inc->queue_id = "4ABCD12345";
	inc->sender = "taro@example.jp";
	inc->rcpts = rcpts_v;
	inc->n_rcpts = 2;
	inc->subject = "名簿の送付 (10月分)";
	inc->size = 123456;
	inc->action = DLP_REJECT;
	inc->would = DLP_REJECT;
	inc->why = DLP_WHY_PERSONAL | DLP_WHY_UNAPPROVED_ENC;
	inc->reasons = "my_number: 13 distinct (high) -> reject";
	inc->ruleset = "2026.11.1";
	inc->state = STORE_DONE;
	inc->findings = findings_v;
	inc->n_findings = sizeof(findings_v) / sizeof(findings_v[0]);
}

static void
render_ok(const struct notice_templates *t, enum notice_kind kind,
    const struct notice_input *in, bool sign, char **msg, size_t *len)
{
	assert_int_equal(notice_render(t, kind, in, sign ? secret : NULL,
			     sign ? SECRET_LEN : 0, msg, len),
	    0);
	assert_non_null(*msg);
	assert_int_equal(strlen(*msg), *len);
	assert_crlf(*msg, *len);
}

/* The decoded text of a single-part notice. */
static char *
body_text(const char *msg)
{
	char *head, *text;
	const char *body;

	split(msg, &head, &body);
	assert_non_null(strstr(head, "Content-Transfer-Encoding: base64"));
	text = b64decode(body, strlen(body));
	free(head);
	return text;
}

/* ---- template directories for error cases ---- */

static const char *const kinds[] = { "sender-reject", "sender-quarantine",
	"sender-approve", "sender-tag", "sender-exposure", "sender-released",
	"sender-deleted", "sender-approved", "sender-rejected",
	"sender-expired", "approver-request", "admin-incident",
	"admin-digest" };

static void
write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(text, 1, len, fp), len);
	fclose(fp);
}

/* A directory of 13 small good templates. */
static void
good_dir(char *dir)
{
	char name[64];
	size_t i;

	strcpy(dir, "/tmp/test_notice.XXXXXX");
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		static const char t[] = "# comment\nSubject: s {{incident}}\n\n"
					"body {{subject}}\n";

		snprintf(name, sizeof(name), "%s.txt", kinds[i]);
		write_file(dir, name, t, sizeof(t) - 1);
	}
}

static void
rm_dir(const char *dir)
{
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.txt", dir, kinds[i]);
		unlink(path);
	}
	rmdir(dir);
}

struct bad_case {
	const char *name;
	const char *text;
	unsigned line;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ "unknown placeholder", "Subject: x\n\nline\n{{nosuch}}\n", 4,
	    "unknown placeholder \"{{nosuch}}\"" },
	{ "unknown placeholder in the subject", "Subject: {{subjekt}}\n\nb\n",
	    1, "unknown placeholder" },
	{ "section not closed", "Subject: x\n\n{{#why_size}}\nbig\n", 3,
	    "\"{{#why_size}}\" is not closed" },
	{ "close of another section",
	    "Subject: x\n\n{{#why_size}}\n{{/why_personal}}\n", 4,
	    "closes \"{{#why_size}}\" of line 3" },
	{ "close without open", "Subject: x\n\na\nb {{/why_size}}\n", 4,
	    "closes no section" },
	{ "unterminated tag", "Subject: x\n\na\nb {{subject\n}}\n", 4,
	    "unterminated" },
	{ "no Subject line", "# c\n\nbody\n", 2, "no Subject: line" },
	{ "no empty line", "Subject: x\n", 2, "no empty line" },
	{ "second Subject line", "Subject: x\nSubject: y\n\nb\n", 2,
	    "a second Subject: line" },
	{ "other header line", "Subject: x\nFrom: a@b\n\nb\n", 2,
	    "only Subject:" },
	{ "invalid UTF-8", "Subject: x\n\nok\nbad \xff\n", 4, "not UTF-8" },
	{ "NUL byte", "Subject: x\n\nok\n\0\n", 4, "not UTF-8" },
	{ "sections nested too deep",
	    "Subject: x\n\n{{#date}}{{#date}}{{#date}}{{#date}}{{#date}}"
	    "{{#date}}{{#date}}{{#date}}{{#date}}{{#date}}{{#date}}{{#date}}"
	    "{{#date}}{{#date}}{{#date}}{{#date}}{{#date}}\n",
	    3, "nested deeper" },
};

static void
test_load_errors_name_file_and_line(void **state)
{
	char dir[64], want_file[512];
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct dlp_error err = { 0 };
		size_t len = strlen(c->text);

		if (strstr(c->name, "NUL") != NULL)
			len = strlen("Subject: x\n\nok\n") + 2;
		good_dir(dir);
		write_file(dir, "sender-tag.txt", c->text, len);
		if (notice_templates_load(dir, &err) != NULL)
			fail_msg("%s: loaded", c->name);
		snprintf(
		    want_file, sizeof(want_file), "%s/sender-tag.txt", dir);
		if (strcmp(err.file, want_file) != 0 || err.line != c->line ||
		    strstr(err.msg, c->msg) == NULL)
			fail_msg("%s: got %s:%u: %s", c->name, err.file,
			    err.line, err.msg);
		rm_dir(dir);
	}
}

static void
test_load_missing_and_oversized_file(void **state)
{
	struct dlp_error err = { 0 };
	char dir[64], path[512], *big;

	good_dir(dir);
	snprintf(path, sizeof(path), "%s/admin-digest.txt", dir);
	unlink(path);
	assert_null(notice_templates_load(dir, &err));
	assert_string_equal(err.file, path);
	assert_non_null(strstr(err.msg, "No such file"));

	big = malloc(64 * 1024 + 2);
	memset(big, 'a', 64 * 1024 + 1);
	memcpy(big, "Subject: x\n\n", 12);
	write_file(dir, "admin-digest.txt", big, 64 * 1024 + 1);
	assert_null(notice_templates_load(dir, &err));
	assert_non_null(strstr(err.msg, "larger than 65536"));
	/* exactly the limit loads */
	write_file(dir, "admin-digest.txt", big, 64 * 1024);
	struct notice_templates *t = notice_templates_load(dir, &err);
	assert_non_null(t);
	notice_templates_free(t);
	free(big);
	rm_dir(dir);
	assert_null(notice_templates_load(NULL, &err));
	notice_templates_free(NULL);
}

static void
test_shipped_templates_load(void **state)
{
	struct notice_templates *t = shipped();

	notice_templates_free(t);
}

/* Sections, inverted sections, standalone tag lines, values. */
static void
test_sections_and_standalone_lines(void **state)
{
	static const char tpl[] =
	    "Subject: {{#why_size}}BIG {{/why_size}}{{incident}}\n"
	    "\n"
	    "a\n"
	    "{{#why_size}}\n"
	    "size {{size}}\n"
	    "{{/why_size}}\n"
	    "  {{^why_size}}  \n"
	    "not big\n"
	    "  {{/why_size}}\n"
	    "{{#queue_id}}q={{queue_id}}{{/queue_id}}{{^queue_id}}no "
	    "queue{{/queue_id}}\n"
	    "{{#why_personal}}{{#why_exposure}}both{{/why_exposure}}"
	    "{{^why_exposure}}personal only{{/why_exposure}}"
	    "{{/why_personal}}\n"
	    "end";
	struct notice_templates *t;
	struct store_incident inc;
	struct notice_input in = { 0 };
	struct dlp_error err = { 0 };
	char dir[64], *msg, *text, *head, *subj;
	const char *body;
	size_t len;

	good_dir(dir);
	write_file(dir, "sender-tag.txt", tpl, sizeof(tpl) - 1);
	t = notice_templates_load(dir, &err);
	if (t == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	incident(&inc);
	inc.queue_id = NULL;
	in.inc = &inc;
	in.now = T0;
	render_ok(t, NOTICE_SENDER_TAG, &in, false, &msg, &len);
	text = body_text(msg);
	assert_string_equal(text,
	    "a\r\nnot big\r\nno queue\r\npersonal only\r\n"
	    "end\r\n");
	free(text);
	split(msg, &head, &body);
	subj = header(head, "Subject");
	assert_string_equal(subj, "DLP-20261122-1A2B3C4D");
	free(subj);
	free(head);
	free(msg);

	inc.why = DLP_WHY_SIZE | DLP_WHY_PERSONAL | DLP_WHY_EXPOSURE;
	inc.queue_id = "QID1";
	render_ok(t, NOTICE_SENDER_TAG, &in, false, &msg, &len);
	text = body_text(msg);
	assert_string_equal(
	    text, "a\r\nsize 120.6 KB\r\nq=QID1\r\nboth\r\nend\r\n");
	free(text);
	split(msg, &head, &body);
	subj = header(head, "Subject");
	assert_string_equal(subj, "BIG DLP-20261122-1A2B3C4D");
	free(subj);
	free(head);
	free(msg);
	notice_templates_free(t);
	rm_dir(dir);
}

/* A template saved with CRLF line ends renders as with LF. */
static void
test_crlf_template(void **state)
{
	static const char tpl[] =
	    "# c\r\nSubject: s {{incident}}\r\n\r\n"
	    "a\r\n{{#why_size}}\r\nbig\r\n{{/why_size}}\r\n"
	    "{{^why_size}}\r\nsmall\r\n{{/why_size}}\r\nz\r\n";
	struct notice_templates *t;
	struct store_incident inc;
	struct notice_input in = { 0 };
	struct dlp_error err = { 0 };
	char dir[64], *msg, *text, *head, *subj;
	const char *body;
	size_t len;

	good_dir(dir);
	write_file(dir, "admin-incident.txt", tpl, sizeof(tpl) - 1);
	t = notice_templates_load(dir, &err);
	if (t == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	incident(&inc);
	in.inc = &inc;
	in.now = T0;
	render_ok(t, NOTICE_ADMIN_INCIDENT, &in, false, &msg, &len);
	text = body_text(msg);
	assert_string_equal(text, "a\r\nsmall\r\nz\r\n");
	split(msg, &head, &body);
	subj = header(head, "Subject");
	assert_string_equal(subj, "s DLP-20261122-1A2B3C4D");
	free(subj);
	free(head);
	free(text);
	free(msg);
	notice_templates_free(t);
	rm_dir(dir);
}

static void
test_findings_grouped_by_place(void **state)
{
	struct store_incident inc;
	char *ja, *en;

	incident(&inc);
	ja = notice_findings_text(&inc, "ja");
	en = notice_findings_text(&inc, "en");
	assert_non_null(ja);
	assert_non_null(en);
	assert_string_equal(ja,
	    "- 本文: 個人番号 1件 (例 ****-****-1234)\n"
	    "- 添付ファイル 名簿.zip › 2024/名簿.xlsx (Sheet1): 個人番号 12件 "
	    "(例 ****-****-9018)、基礎年金番号 3件 (例 ****-**1234)\n"
	    "- 件名: 個人番号 1件 (例 ****-****-7777)\n"
	    "- 添付ファイル マイナンバー.txt のファイル名: キーワード 1件 (例 "
	    "マイ****)\n");
	assert_string_equal(en,
	    "- message body: My Number: 1 (e.g. ****-****-1234)\n"
	    "- attachment 名簿.zip › 2024/名簿.xlsx (Sheet1): My Number: 12 "
	    "(e.g. ****-****-9018); Basic Pension Number: 3 (e.g. "
	    "****-**1234)\n"
	    "- subject: My Number: 1 (e.g. ****-****-7777)\n"
	    "- file name of attachment マイナンバー.txt: Keyword: 1 (e.g. "
	    "マイ****)\n");
	/* the uncounted phone finding is not in the sender's list */
	assert_null(strstr(ja, "電話"));
	free(ja);
	free(en);
	assert_null(notice_findings_text(&inc, "fr"));
	assert_null(notice_findings_text(NULL, "ja"));
	inc.n_findings = 0;
	ja = notice_findings_text(&inc, "ja");
	assert_string_equal(ja, "");
	free(ja);
}

static void
test_findings_bounded(void **state)
{
	struct store_finding *f = calloc(300, sizeof(*f));
	struct store_incident inc;
	char names[300][32], *ja, *en;
	size_t i;

	incident(&inc);
	for (i = 0; i < 300; i++) {
		snprintf(names[i], sizeof(names[i]), "file%03zu.csv", i);
		f[i].path = names[i];
		f[i].where = names[i];
		f[i].kind = "my_number";
		f[i].name_ja = "個人番号";
		f[i].name_en = "My Number";
		f[i].count = 1;
		f[i].masked = "****-****-0001";
		f[i].counted = true;
	}
	inc.findings = f;
	inc.n_findings = 300;
	ja = notice_findings_text(&inc, "ja");
	en = notice_findings_text(&inc, "en");
	assert_non_null(strstr(ja, "file049.csv"));
	assert_null(strstr(ja, "file050.csv"));
	assert_non_null(strstr(ja, "- ほか 250 か所\n"));
	assert_non_null(strstr(en, "- and 250 more places\n"));
	free(ja);
	free(en);
	free(f);
}

/* A file name that held a value is shown with its digits masked, as is
   every place inside that file; other places are not. */
static void
test_file_name_digits_masked(void **state)
{
	struct store_finding f[] = {
		{ .path = "2/申請書_123456789018.zip",
		    .where = "申請書_123456789018.zip",
		    .location = "name",
		    .kind = "my_number",
		    .name_ja = "個人番号",
		    .name_en = "My Number",
		    .count = 1,
		    .masked = "****-****-9018",
		    .counted = true },
		{ .path = "2/申請書_123456789018.zip/2024.csv",
		    .where = "申請書_123456789018.zip › 2024.csv",
		    .kind = "my_number",
		    .name_ja = "個人番号",
		    .name_en = "My Number",
		    .count = 2,
		    .masked = "****-****-1111",
		    .counted = true },
		{ .path = "3/2024年度.csv",
		    .where = "2024年度.csv",
		    .kind = "my_number",
		    .name_ja = "個人番号",
		    .name_en = "My Number",
		    .count = 1,
		    .masked = "****-****-2222",
		    .counted = true },
		{ .path = "4/申請書_123456789018.zip.txt",
		    .where = "申請書_123456789018.zip.txt",
		    .kind = "my_number",
		    .name_ja = "個人番号",
		    .name_en = "My Number",
		    .count = 1,
		    .masked = "****-****-3333",
		    .counted = true },
	};
	struct store_incident inc;
	char *ja, *en;

	incident(&inc);
	inc.findings = f;
	inc.n_findings = 4;
	ja = notice_findings_text(&inc, "ja");
	en = notice_findings_text(&inc, "en");
	assert_string_equal(ja,
	    "- 添付ファイル 申請書_************.zip のファイル名: 個人番号 1件 "
	    "(例 ****-****-9018)\n"
	    "- 添付ファイル 申請書_************.zip › ****.csv: 個人番号 2件 "
	    "(例 ****-****-1111)\n"
	    "- 添付ファイル 2024年度.csv: 個人番号 1件 (例 ****-****-2222)\n"
	    "- 添付ファイル 申請書_123456789018.zip.txt: 個人番号 1件 (例 "
	    "****-****-3333)\n");
	assert_non_null(strstr(en,
	    "- file name of attachment 申請書_************.zip: My Number: "
	    "1"));
	free(ja);
	free(en);
}

/* File names cannot carry controls, bidi overrides or bad UTF-8. */
static void
test_values_cleaned(void **state)
{
	struct store_finding f = { .path = "2/x",
		.kind = "my_number",
		.where = "evil\xe2\x80\xaegpj.exe\r\nBcc: x\x01\xff",
		.name_ja = "個人番号",
		.name_en = "My Number",
		.count = 1,
		.masked = "****",
		.counted = true };
	struct store_incident inc;
	char *en;

	incident(&inc);
	inc.findings = &f;
	inc.n_findings = 1;
	en = notice_findings_text(&inc, "en");
	assert_string_equal(en,
	    "- attachment evilgpj.exe  Bcc: x ?: My Number: 1 (e.g. ****)\n");
	free(en);
}

static void
test_sender_reject_message(void **state)
{
	struct notice_templates *t = shipped();
	struct store_incident inc;
	const char *to[] = { "taro@example.jp" };
	struct notice_input in = { 0 };
	char *msg, *head, *text, *v, *subj;
	const char *body, *p;
	size_t len;

	incident(&inc);
	in.inc = &inc;
	in.contact = "情報セキュリティ担当 security@example.jp";
	in.from = "DLP 通知 <postmaster@example.jp>";
	in.to = to;
	in.n_to = 1;
	in.now = T0 + 5;
	render_ok(t, NOTICE_SENDER_REJECT, &in, true, &msg, &len);
	split(msg, &head, &body);

	v = header(head, "From");
	subj = decode_words(v);
	assert_string_equal(subj, "DLP 通知 <postmaster@example.jp>");
	free(subj);
	free(v);
	assert_non_null(strstr(head, "\r\nTo: <taro@example.jp>\r\n"));
	v = header(head, "Subject");
	subj = decode_words(v);
	/* a value was found in the subject: its digits are masked */
	assert_string_equal(subj,
	    "[DLP] 送信できませんでした / Not sent: "
	    "名簿の送付 (**月分)");
	free(subj);
	free(v);
	assert_non_null(
	    strstr(head, "\r\nDate: Sun, 22 Nov 2026 10:15:05 +0900\r\n"));
	v = header(head, "Message-ID");
	assert_int_equal(strncmp(v, "<DLP-20261122-1A2B3C4D.", 23), 0);
	assert_int_equal(strlen(v), 23 + 16 + strlen("@example.jp>"));
	assert_string_equal(v + 23 + 16, "@example.jp>");
	free(v);
	assert_non_null(strstr(head, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(
	    strstr(head, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(head, "\r\nAuto-Submitted: auto-generated\r\n"));
	assert_non_null(
	    strstr(head, "\r\nX-DLP-Incident: DLP-20261122-1A2B3C4D\r\n"));
	v = header(head, NOTICE_HEADER);
	assert_non_null(v);
	assert_int_equal(strncmp(v, "v1; t=1795310105; mac=", 22), 0);
	assert_int_equal(strlen(v), 22 + 64);
	free(v);
	/* base64 lines of 76 */
	for (p = body; *p != '\0'; p = strstr(p, "\r\n") + 2)
		assert_true(strstr(p, "\r\n") - p <= 76);

	text = body_text(msg);
	assert_non_null(strstr(text, "taro@example.jp 様\r\n"));
	assert_non_null(strstr(text, "  件名: 名簿の送付 (**月分)\r\n"));
	assert_null(strstr(text, "10月分"));
	assert_non_null(
	    strstr(text, "  宛先: partner@example.com, other@example.net\r\n"));
	assert_non_null(strstr(text, "  日時: 2026-11-22 10:15 JST\r\n"));
	assert_non_null(strstr(text, "  サイズ: 120.6 KB\r\n"));
	assert_non_null(strstr(text,
	    "- 添付ファイル 名簿.zip › 2024/名簿.xlsx (Sheet1): 個人番号 "
	    "12件 (例 ****-****-9018)、基礎年金番号 3件 (例 ****-**1234)\r\n"));
	assert_non_null(strstr(text, "暗号化されていない個人情報を"));
	assert_non_null(
	    strstr(text, "承認されていない方法で暗号化されています"));
	assert_null(strstr(text, "サイズが上限を超えています"));
	assert_null(strstr(text, "Bcc"));
	assert_non_null(strstr(text, "パスワード付き ZIP、S/MIME"));
	assert_non_null(strstr(
	    text, "インシデント番号 DLP-20261122-1A2B3C4D をお知らせください"));
	assert_non_null(strstr(
	    text, "連絡先: 情報セキュリティ担当 security@example.jp\r\n"));
	/* then English */
	assert_true(
	    strstr(text, "Dear taro@example.jp,") > strstr(text, "連絡先"));
	assert_non_null(strstr(text, "  Time:       2026-11-22 10:15 JST\r\n"));
	assert_non_null(strstr(text,
	    "- attachment 名簿.zip › 2024/名簿.xlsx (Sheet1): My Number: 12 "
	    "(e.g. ****-****-9018)"));
	assert_non_null(strstr(text, "unencrypted, to an address outside"));
	assert_non_null(strstr(text, "password-protected ZIP with AES"));
	assert_non_null(strstr(text, "ask your supervisor for approval"));
	assert_non_null(
	    strstr(text, "Please quote the incident ID DLP-20261122-1A2B3C4D"));
	/* no section tag or placeholder left over; no empty-flag gaps */
	assert_null(strstr(text, "{{"));
	assert_null(strstr(text, "\r\n\r\n\r\n"));
	free(text);
	free(head);
	free(msg);
	notice_templates_free(t);
}

/* Every kind renders from the shipped templates, ja before en. */
static void
test_every_shipped_kind_renders(void **state)
{
	struct notice_templates *t = shipped();
	char *approvers[] = { "boss@example.jp" };
	struct store_incident inc, list[2];
	struct notice_input in = { 0 };
	char *msg, *text;
	size_t len;
	int k;

	incident(&inc);
	inc.approvers = approvers;
	inc.n_approvers = 1;
	list[0] = inc;
	list[1] = inc;
	snprintf(list[1].id, sizeof(list[1].id), "DLP-20261121-00000002");
	in.inc = &inc;
	in.now = T0;
	in.list = list;
	in.n_list = 2;
	in.decided_by = "admin@example.jp";
	in.decision_reason = "checked with the sender";
	for (k = 0; k < NOTICE_KINDS; k++) {
		in.inc = k == NOTICE_ADMIN_DIGEST ? NULL : &inc;
		render_ok(t, (enum notice_kind)k, &in, false, &msg, &len);
		text = body_text(msg);
		assert_null(strstr(text, "{{"));
		if (k != NOTICE_ADMIN_INCIDENT && k != NOTICE_ADMIN_DIGEST) {
			assert_non_null(strstr(text, "DLP-20261122-1A2B3C4D"));
			assert_non_null(strstr(text, "名簿の送付"));
		}
		if (k >= NOTICE_SENDER_RELEASED && k <= NOTICE_SENDER_EXPIRED) {
			assert_non_null(strstr(text, "admin@example.jp"));
			assert_non_null(
			    strstr(text, "checked with the sender"));
		}
		if (k == NOTICE_SENDER_APPROVE)
			assert_non_null(strstr(text, "boss@example.jp"));
		if (k == NOTICE_ADMIN_INCIDENT) {
			/* administrators see the uncounted finding too */
			assert_non_null(strstr(text,
			    "電話番号 4件 (例 "
			    "***-****-0000) "
			    "[集計対象外]"));
			assert_non_null(strstr(text, "[not counted]"));
			assert_non_null(strstr(text, "4ABCD12345"));
		}
		if (k == NOTICE_ADMIN_DIGEST) {
			assert_non_null(strstr(text, "インシデント: 2 件"));
			assert_non_null(strstr(text,
			    "- DLP-20261122-1A2B3C4D  2026-11-22 10:15 JST  "
			    "差し戻し (送信拒否) [done]  taro@example.jp → "
			    "宛先 2 件: my_number"));
			assert_non_null(
			    strstr(text, "- DLP-20261121-00000002"));
			assert_non_null(
			    strstr(text, "Incidents in this period: 2"));
			assert_null(strstr(msg, "X-DLP-Incident"));
		}
		free(text);
		free(msg);
	}
	/* a digest of nothing */
	in.inc = NULL;
	in.n_list = 0;
	in.list = NULL;
	render_ok(t, NOTICE_ADMIN_DIGEST, &in, false, &msg, &len);
	text = body_text(msg);
	assert_non_null(strstr(text, "No incidents in this period."));
	assert_non_null(strstr(msg, "To: undisclosed-recipients:;\r\n"));
	free(text);
	free(msg);
	assert_int_equal(
	    notice_render(t, NOTICE_KINDS, &in, NULL, 0, &msg, &len), -1);
	notice_templates_free(t);
}

/* A long subject: encoded-words <= 75, lines <= 76, no split character. */
static void
test_subject_encoding_and_folding(void **state)
{
	struct notice_templates *t = shipped();
	struct store_incident inc;
	struct notice_input in = { 0 };
	char subject[600], *msg, *head, *v, *dec, *w;
	const char *body, *p, *q;
	size_t len, i;

	incident(&inc);
	subject[0] = '\0';
	for (i = 0; i < 20; i++)
		strcat(subject, i % 3 ? "個人情報" : "ab");
	inc.subject = subject;
	in.inc = &inc;
	in.now = T0;
	render_ok(t, NOTICE_SENDER_QUARANTINE, &in, false, &msg, &len);
	split(msg, &head, &body);
	/* every line of the header at most 76 */
	for (p = head; *p != '\0'; p = q + 2) {
		q = strstr(p, "\r\n");
		assert_true(q - p <= 76);
	}
	v = header(head, "Subject");
	for (p = v; (p = strstr(p, "=?UTF-8?B?")) != NULL; p = q + 2) {
		q = strstr(p, "?=");
		assert_true(q + 2 - p <= 75);
		/* each word is whole UTF-8 by itself */
		w = b64decode(p + 10, (size_t)(q - p - 10));
		assert_true(strlen(w) > 0);
		assert_true(((unsigned char)w[0] & 0xc0) != 0x80);
		free(w);
	}
	dec = decode_words(v);
	assert_non_null(strstr(dec, subject));
	assert_int_equal(
	    strncmp(dec, "[DLP] 送信を保留しました / Held: ", 40), 0);
	free(dec);
	free(v);
	free(head);
	free(msg);
	notice_templates_free(t);
}

/* Untrusted subject and addresses cannot add header lines. */
static void
test_header_injection(void **state)
{
	struct notice_templates *t = shipped();
	struct store_incident inc;
	const char *to[] = { "victim@example.jp>\r\nBcc: <x@evil.example" };
	struct notice_input in = { 0 };
	char *msg, *head, *v, *dec;
	const char *body, *p;
	size_t len;

	incident(&inc);
	inc.subject = "hi\r\nBcc: spam@evil.example\r\n\r\nbody";
	inc.sender = "a@b\r\nX-Evil: 1";
	in.inc = &inc;
	in.to = to;
	in.n_to = 1;
	in.from = "x\r\nX-Evil: 2 <p@example.jp>";
	in.now = T0;
	render_ok(t, NOTICE_SENDER_REJECT, &in, false, &msg, &len);
	split(msg, &head, &body);
	for (p = head; p != NULL && *p != '\0'; p = strstr(p, "\r\n")) {
		if (*p == '\r')
			p += 2;
		assert_true(strncasecmp(p, "Bcc:", 4) != 0);
		assert_true(strncasecmp(p, "X-Evil:", 7) != 0);
	}
	v = header(head, "To");
	assert_string_equal(v, "<victim@example.jpBcc:x@evil.example>");
	free(v);
	v = header(head, "Subject");
	dec = decode_words(v);
	assert_string_equal(dec,
	    "[DLP] 送信できませんでした / Not sent: hi  "
	    "Bcc: spam@evil.example    body");
	free(dec);
	free(v);
	free(head);
	free(msg);
	notice_templates_free(t);
}

/* The original mail attached as message/rfc822, its lines in CRLF. */
static void
test_attachment(void **state)
{
	static const char orig[] = "From: <taro@example.jp>\nSubject: x\n\n"
				   "本文\r\nline2\n";
	struct notice_templates *t = shipped();
	struct store_incident inc;
	struct notice_input in = { 0 };
	char *msg, *head, *ct, bnd[64], *text, want[128];
	const char *body, *p, *q;
	size_t len;

	incident(&inc);
	in.inc = &inc;
	in.now = T0;
	in.attach = orig;
	in.attach_len = sizeof(orig) - 1;
	render_ok(t, NOTICE_SENDER_EXPIRED, &in, true, &msg, &len);
	split(msg, &head, &body);
	ct = header(head, "Content-Type");
	assert_int_equal(
	    strncmp(ct, "multipart/mixed; boundary=\"=_dlp_notice_", 40), 0);
	snprintf(
	    bnd, sizeof(bnd), "--%.*s", (int)(strlen(ct) - 27 - 1), ct + 27);
	assert_non_null(strstr(head, "Content-Transfer-Encoding: 8bit\r\n"));
	p = strstr(body, bnd);
	assert_non_null(p);
	assert_non_null(strstr(p,
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"));
	/* the text part decodes to the expired notice */
	p = strstr(p, "base64\r\n\r\n") + 10;
	q = strstr(p, bnd);
	text = b64decode(p, (size_t)(q - p));
	assert_non_null(strstr(text, "期限までに判断されなかった"));
	free(text);
	snprintf(
	    want, sizeof(want), "%s\r\nContent-Type: message/rfc822\r\n", bnd);
	p = strstr(body, want);
	assert_non_null(p);
	assert_non_null(strstr(p,
	    "\r\n\r\nFrom: <taro@example.jp>\r\nSubject: x\r\n\r\n本文\r\n"
	    "line2\r\n"));
	snprintf(want, sizeof(want), "%s--\r\n", bnd);
	assert_non_null(strstr(body, want));
	/* the signature covers the whole body */
	{
		char *hv = header(head, NOTICE_HEADER);
		struct notice_check *c = notice_check_new(hv);

		notice_check_body(c, body, strlen(body));
		assert_true(
		    notice_check_valid(c, secret, SECRET_LEN, T0 + 1, 3600));
		notice_check_free(c);
		free(hv);
	}
	free(ct);
	free(head);
	free(msg);
	notice_templates_free(t);
}

/* Feed body in pieces of n bytes, LF line ends when lf. */
static bool
check(const char *hv, const char *body, size_t n, bool lf,
    const unsigned char *key, size_t keylen, long long now, long long max)
{
	struct notice_check *c = notice_check_new(hv);
	char *b = strdup(body), *w = b;
	size_t i, len;
	bool ok;

	assert_non_null(c);
	if (lf) {
		for (i = 0; b[i] != '\0'; i++)
			if (b[i] != '\r')
				*w++ = b[i];
		*w = '\0';
	}
	len = strlen(b);
	for (i = 0; i < len; i += n)
		notice_check_body(c, b + i, len - i < n ? len - i : n);
	ok = notice_check_valid(c, key, keylen, now, max);
	notice_check_free(c);
	free(b);
	return ok;
}

static void
test_signature(void **state)
{
	struct notice_templates *t = shipped();
	struct store_incident inc;
	struct notice_input in = { 0 };
	char *msg, *head, *hv, *extra, *bad;
	const char *body;
	size_t len;

	incident(&inc);
	in.inc = &inc;
	in.now = T0;
	render_ok(t, NOTICE_SENDER_REJECT, &in, true, &msg, &len);
	split(msg, &head, &body);
	hv = header(head, NOTICE_HEADER);
	assert_non_null(hv);
	assert_true(
	    check(hv, body, 1 << 20, false, secret, SECRET_LEN, T0, 3600));
	/* any chunking, LF line ends, empty lines added at the end */
	assert_true(check(hv, body, 1, false, secret, SECRET_LEN, T0, 3600));
	assert_true(check(hv, body, 7, true, secret, SECRET_LEN, T0, 3600));
	extra = malloc(strlen(body) + 8);
	sprintf(extra, "%s\r\n\r\n\n", body);
	assert_true(check(hv, extra, 13, false, secret, SECRET_LEN, T0, 3600));
	free(extra);
	/* a changed body, key, age or future time fails */
	bad = strdup(body);
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	assert_false(check(hv, bad, 64, false, secret, SECRET_LEN, T0, 3600));
	free(bad);
	assert_false(check(
	    hv, body, 64, false, (const unsigned char *)"x", 1, T0, 3600));
	assert_false(check(hv, body, 64, false, secret, 0, T0, 3600));
	assert_false(check(hv, body, 64, false, NULL, 0, T0, 3600));
	assert_true(
	    check(hv, body, 64, false, secret, SECRET_LEN, T0 + 3600, 3600));
	assert_false(
	    check(hv, body, 64, false, secret, SECRET_LEN, T0 + 3601, 3600));
	assert_true(
	    check(hv, body, 64, false, secret, SECRET_LEN, T0 - 300, 3600));
	assert_false(
	    check(hv, body, 64, false, secret, SECRET_LEN, T0 - 301, 3600));
	/* the header cannot be moved to another time */
	{
		char moved[200];

		snprintf(moved, sizeof(moved), "v1; t=%lld; mac=%s", T0 + 10,
		    strstr(hv, "mac=") + 4);
		assert_false(check(
		    moved, body, 64, false, secret, SECRET_LEN, T0 + 10, 3600));
	}
	/* folded header value */
	{
		char folded[200];

		snprintf(folded, sizeof(folded), "v1;\r\n\tt=%lld;\r\n mac=%s",
		    T0, strstr(hv, "mac=") + 4);
		assert_true(check(
		    folded, body, 64, false, secret, SECRET_LEN, T0, 3600));
	}
	free(hv);
	free(head);
	free(msg);
	/* unsigned without a key */
	render_ok(t, NOTICE_SENDER_REJECT, &in, false, &msg, &len);
	assert_null(strstr(msg, NOTICE_HEADER));
	free(msg);
	notice_templates_free(t);
}

static void
test_malformed_signature_headers(void **state)
{
	static const char *const bad[] = { NULL, "", "v2; t=1; mac=00",
		"v1; t=; mac=" HEX64, "v1; t=12", "v1; mac=" HEX64,
		"v1; t=1; mac=" HEX64 "0", "v1; t=1; mac=" HEX64 "; x=1",
		"v1; t=1; t=2; mac=" HEX64, "v1; t=1; mac=zz" HEX64,
		"v1; t=9999999999999999999; mac=" HEX64 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct notice_check *c = notice_check_new(bad[i]);

		assert_non_null(c);
		notice_check_body(c, "x\n", 2);
		if (notice_check_valid(c, secret, SECRET_LEN, 1, 1LL << 40))
			fail_msg("accepted: %s", bad[i] ? bad[i] : "NULL");
		notice_check_free(c);
	}
	notice_check_body(NULL, "x", 1);
	assert_false(notice_check_valid(NULL, secret, SECRET_LEN, 1, 1));
	notice_check_free(NULL);
}

/* The subject is shown as it is, unless a value was found in it. */
static void
test_subject_masked_when_found_in_it(void **state)
{
	struct notice_templates *t = shipped();
	struct store_incident inc;
	struct notice_input in = { 0 };
	char *msg, *text;
	size_t len;

	incident(&inc);
	inc.subject = "番号 1234-5678-7777 と１２３４";
	in.inc = &inc;
	in.now = T0;
	render_ok(t, NOTICE_ADMIN_INCIDENT, &in, false, &msg, &len);
	text = body_text(msg);
	assert_non_null(strstr(text, "番号 ****-****-**** と＊＊＊＊\r\n"));
	assert_null(strstr(text, "1234-5678"));
	assert_null(strstr(text, "１２３４"));
	free(text);
	free(msg);
	/* no finding in the subject: shown whole */
	inc.n_findings = 5;
	render_ok(t, NOTICE_ADMIN_INCIDENT, &in, false, &msg, &len);
	text = body_text(msg);
	assert_non_null(strstr(text, "番号 1234-5678-7777 と１２３４\r\n"));
	free(text);
	free(msg);
	notice_templates_free(t);
}

/* No reason flags (an older incident): counted findings mean personal
   data; without counted findings no reason is made up. */
static void
test_why_fallback(void **state)
{
	struct notice_templates *t = shipped();
	struct store_incident inc;
	struct notice_input in = { 0 };
	char *msg, *text;
	size_t len;

	incident(&inc);
	inc.why = 0;
	in.inc = &inc;
	in.now = T0;
	render_ok(t, NOTICE_SENDER_QUARANTINE, &in, false, &msg, &len);
	text = body_text(msg);
	assert_non_null(strstr(text, "暗号化されていない個人情報を"));
	assert_null(strstr(text, "承認されていない方法"));
	free(text);
	free(msg);
	inc.n_findings = 0;
	inc.why = DLP_WHY_SIZE;
	render_ok(t, NOTICE_SENDER_QUARANTINE, &in, false, &msg, &len);
	text = body_text(msg);
	assert_null(strstr(text, "暗号化されていない個人情報を"));
	assert_non_null(strstr(text, "メールのサイズが上限を超えています"));
	assert_non_null(strstr(text, "larger than the permitted size"));
	assert_non_null(strstr(text, "split them"));
	free(text);
	free(msg);
	/* uncounted findings alone are no reason */
	inc.findings = &findings_v[4];
	inc.n_findings = 1;
	inc.why = 0;
	render_ok(t, NOTICE_SENDER_QUARANTINE, &in, false, &msg, &len);
	text = body_text(msg);
	assert_null(strstr(text, "暗号化されていない個人情報を"));
	assert_null(strstr(text, "電話番号"));
	free(text);
	free(msg);
	notice_templates_free(t);
}

static void
test_kind_for_action(void **state)
{
	assert_int_equal(
	    notice_kind_for_action(DLP_REJECT), NOTICE_SENDER_REJECT);
	assert_int_equal(
	    notice_kind_for_action(DLP_QUARANTINE), NOTICE_SENDER_QUARANTINE);
	assert_int_equal(
	    notice_kind_for_action(DLP_APPROVE), NOTICE_SENDER_APPROVE);
	assert_int_equal(notice_kind_for_action(DLP_TAG), NOTICE_SENDER_TAG);
	assert_int_equal(notice_kind_for_action(DLP_ACCEPT), -1);
	assert_int_equal(notice_kind_for_action(DLP_MONITOR), -1);
	assert_int_equal(notice_kind_for_action(DLP_TEMPFAIL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_errors_name_file_and_line),
		cmocka_unit_test(test_load_missing_and_oversized_file),
		cmocka_unit_test(test_shipped_templates_load),
		cmocka_unit_test(test_sections_and_standalone_lines),
		cmocka_unit_test(test_crlf_template),
		cmocka_unit_test(test_findings_grouped_by_place),
		cmocka_unit_test(test_findings_bounded),
		cmocka_unit_test(test_file_name_digits_masked),
		cmocka_unit_test(test_values_cleaned),
		cmocka_unit_test(test_sender_reject_message),
		cmocka_unit_test(test_every_shipped_kind_renders),
		cmocka_unit_test(test_subject_encoding_and_folding),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_attachment),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_malformed_signature_headers),
		cmocka_unit_test(test_subject_masked_when_found_in_it),
		cmocka_unit_test(test_why_fallback),
		cmocka_unit_test(test_kind_for_action),
	};

	setenv("TZ", "JST-9", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
