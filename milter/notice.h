/*
 * notice - the mails dlp-milter writes: to the sender whose mail stopped,
 * to the approvers asked to decide, to administrators; rendered from the
 * templates in conf/templates/ (documented in conf/templates/README.md).
 *
 * A template is a text file: header lines ("Subject: ..."; only Subject
 * is taken from the template), an empty line, then the body. Both may
 * use placeholders:
 *   {{name}}                 a value (see notice_var_names[])
 *   {{#name}}...{{/name}}    shown when the value is set and not empty
 *                            (for a DLP_WHY_* flag: when it applies)
 *   {{^name}}...{{/name}}    shown when it is not
 * An unknown placeholder or an unbalanced section is an error with the
 * template's file:line, found when the templates are loaded (dlp-milter
 * -n checks them), never when a mail is stopped.
 *
 * The message: UTF-8, one text/plain part with the Japanese text and
 * the English text as the template writes them, in base64, Subject RFC
 * 2047 encoded, Date, Message-ID, Auto-Submitted: auto-generated,
 * X-DLP-Incident, and X-DLP-Notice: a signature over the body (HMAC
 * with a key derived from the config's secret, see notice_check_new())
 * so that the milter lets its own notices through and nobody else's: a
 * sender cannot forge it without the secret, and copying it onto other
 * content breaks it. Values inserted are cleaned of controls and
 * bidirectional overrides; header values cannot add header lines.
 *
 * Findings are listed per place: "添付ファイル 名簿.zip › 2024/名簿.xlsx
 * (Sheet1): 個人番号 12件 (例 ****-****-9018)" and in English
 * "attachment 名簿.zip › 2024/名簿.xlsx (Sheet1): My Number: 12 (e.g.
 * ****-****-9018)". Only masked samples are used: a notice never holds a
 * detected value.
 *
 * Pure (no I/O but reading templates at load) and thread-safe once
 * loaded. Implemented by notice.c, notice_template.c, notice_mime.c and
 * notice_sign.c (notice_int.h).
 */
#ifndef DLP_NOTICE_H
#define DLP_NOTICE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "dlp.h"
#include "store.h"

/* Which notice (one template file each, "NAME.txt"). */
enum notice_kind {
	NOTICE_SENDER_REJECT = 0, /* sender-reject.txt */
	NOTICE_SENDER_QUARANTINE, /* sender-quarantine.txt */
	NOTICE_SENDER_APPROVE,	  /* sender-approve.txt: waiting */
	NOTICE_SENDER_TAG,	  /* sender-tag.txt */
	NOTICE_SENDER_EXPOSURE,	  /* sender-exposure.txt: use Bcc */
	NOTICE_SENDER_RELEASED,	  /* sender-released.txt */
	NOTICE_SENDER_DELETED,	  /* sender-deleted.txt */
	NOTICE_SENDER_APPROVED,	  /* sender-approved.txt */
	NOTICE_SENDER_REJECTED,	  /* sender-rejected.txt (by approver) */
	NOTICE_SENDER_EXPIRED,	  /* sender-expired.txt */
	NOTICE_APPROVER_REQUEST,  /* approver-request.txt */
	NOTICE_ADMIN_INCIDENT,	  /* admin-incident.txt */
	NOTICE_ADMIN_DIGEST,	  /* admin-digest.txt */
	NOTICE_KINDS
};

struct notice_templates;

/*
 * notice_templates_load: read every template from dir. Returns NULL with
 * err filled (file:line: message) when one is missing or wrong.
 */
struct notice_templates *notice_templates_load(
    const char *dir, struct dlp_error *err);
void notice_templates_free(struct notice_templates *t);

/* What a notice is about: an incident as stored, plus who decides. */
struct notice_input {
	const struct store_incident *inc;
	const char *contact;   /* whom to contact (config notices.contact) */
	const char *from;      /* From: header */
	const char *const *to; /* To: header addresses */
	size_t n_to;
	/* for a digest: the incidents, newest first */
	const struct store_incident *list;
	size_t n_list;
	long long now; /* Date: header; 0: now */
	/* the original message, attached as message/rfc822 (an expired
	   mail returned to its sender), or NULL */
	const char *attach;
	size_t attach_len;
	/* approval outcome and releases: who decided and why (or NULL) */
	const char *decided_by;
	const char *decision_reason;
};

/*
 * notice_render: the complete message (headers and body, CRLF lines)
 * for kind, signed with key: the config's secret (cfg->secret,
 * cfg->secret_len), from which the signing key is derived; keylen 0:
 * unsigned (e.g. dlp-scan without a secret). *out is malloc'ed (the
 * caller frees), *outlen its length. Returns 0, or -1 when memory ran out
 * or the rendered text passed its bound (1 MB).
 */
int notice_render(const struct notice_templates *t, enum notice_kind kind,
    const struct notice_input *in, const unsigned char *key, size_t keylen,
    char **out, size_t *outlen);

/*
 * notice_findings_text: the findings lines alone (lang "ja" or "en"),
 * counted findings only, each line ending in "\n" ("" when none). A new
 * string the caller frees; NULL for another lang or when memory ran out.
 */
char *notice_findings_text(const struct store_incident *inc, const char *lang);

/*
 * The signature header: "X-DLP-Notice: v1; t=UNIXTIME; mac=HEX" where
 * mac is HMAC-SHA-256(key, "dlp-notice-v1\n" t "\n" body-hash), key is
 * HMAC-SHA-256(secret, "dlp-notice-v1") and body-hash the lower-case hex
 * SHA-256 of the body with CR removed and trailing empty lines dropped
 * (so the MTA's line-ending changes do not break it).
 */
#define NOTICE_HEADER "X-DLP-Notice"

/*
 * struct notice_check: the milter feeds the header value and the body as
 * it comes (any chunking), then asks whether the signature holds and is
 * younger than max_age seconds (and not more than 300 s ahead of now).
 * key is the config's secret, as for notice_render(). notice_check_new()
 * accepts any value (NULL, malformed: the check then fails) and returns
 * NULL only when memory ran out; the other calls accept NULL.
 */
struct notice_check;
struct notice_check *notice_check_new(const char *header_value);
void notice_check_body(struct notice_check *c, const void *data, size_t len);
bool notice_check_valid(struct notice_check *c, const unsigned char *key,
    size_t keylen, long long now, long long max_age);
void notice_check_free(struct notice_check *c);

/* notice_kind_for_action: the sender notice for an action, or -1. */
int notice_kind_for_action(enum dlp_action a);

#endif
