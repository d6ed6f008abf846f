/*
 * notice_int.h - what the notice files share; not an API (see notice.h).
 *
 *   notice_template.c  the parsed templates: struct notice_templates
 *   notice.c           values, rendering, notice_findings_text(); the
 *                      value cleaning (notice_clean)
 *   notice_mime.c      header fields, encoded-words, base64, dates
 *   notice_sign.c      the X-DLP-Notice signature and its check
 */
#ifndef DLP_NOTICE_INT_H
#define DLP_NOTICE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "notice.h"

/* The placeholders, in the order of notice_var_names[]. */
enum notice_var {
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

/* Their names in templates (conf/templates/README.md). */
extern const char *const notice_var_names[NVARS];

/* A parsed template: operations over the file's bytes. */
enum op_type { OP_TEXT, OP_VAR, OP_SECTION, OP_END };

struct notice_op {
	enum op_type type;
	unsigned var;
	bool inverted; /* {{^name}} */
	unsigned line;
	size_t off, len; /* OP_TEXT: bytes of the template's source */
	size_t end;	 /* OP_SECTION: index of its OP_END */
};

struct notice_ops {
	struct notice_op *v;
	size_t n, cap;
};

struct notice_tpl {
	char *src; /* the file's bytes, NUL-terminated */
	struct notice_ops subject, body;
};

struct notice_templates {
	struct notice_tpl t[NOTICE_KINDS];
};

/* notice_utf8_len: the length of the valid UTF-8 sequence at s (n bytes
   left), 0 when it is not one; *cp gets the code point. */
size_t notice_utf8_len(const unsigned char *s, size_t n, uint32_t *cp);

/* notice_clean: a copy of s fit to show on one line (controls become
   spaces, bidirectional controls dropped, invalid UTF-8 '?', at most max
   bytes then "..."). NULL when s is NULL or memory ran out. */
char *notice_clean(const char *s, size_t max);

/* ---- notice_mime.c: append to b, return a BUF_* code ---- */

/* in as base64; lines of 76 with CRLF when lines is true. */
int notice_base64(
    struct buf *b, const unsigned char *in, size_t len, bool lines);

/* "Name: value" with value RFC 2047 encoded when it is not short ASCII. */
int notice_header_text(struct buf *b, const char *name, const char *value);

/* "From: name <addr>" from a config value "Name <addr>" or "addr". */
int notice_header_from(struct buf *b, const char *from);

/* "To: <a>, <b>" (folded); dflt when n is 0; undisclosed-recipients
   when there is neither. */
int notice_header_to(
    struct buf *b, const char *const *to, size_t n, const char *dflt);

/* An RFC 5322 date in the local zone. */
void notice_date(long long t, char *out, size_t outlen);

/* 2 * nbytes (at most 16) random lower-case hex digits and a NUL. */
void notice_random_hex(char *out, size_t nbytes);

/* The domain of the address in from, for Message-ID. */
void notice_from_domain(const char *from, char *out, size_t outlen);

/* ---- notice_sign.c ---- */

/* The header line "X-DLP-Notice: v1; t=T; mac=HEX" and CRLF for a
   body, signed with the key derived from secret (keylen bytes). */
void notice_signature(const unsigned char *secret, size_t keylen, long long t,
    const void *body, size_t bodylen, char *out, size_t outlen);

#endif
