/*
 * config - the dlp-milter configuration: one YAML file, loaded once, then
 * read-only.
 *
 * The file (conf/dlp-milter.yaml documents every key) has four sections:
 * milter (daemon settings the engine never reads), rules (where the rule
 * files are), policy (what to do with what is found) and limits (the scan
 * budget). config_load() checks every key and value; an unknown key, a
 * value of the wrong type or out of range is an error reported as
 * "file:line: message", because a typo in a DLP's config must not silently
 * weaken it. Relative paths in the file are taken relative to the file's
 * own directory.
 *
 * A loaded struct dlp_config is immutable and may be shared by threads.
 */
#ifndef DLP_CONFIG_H
#define DLP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dlp.h"

/* Where the tools look for the config without -c: the source tree's file
   (when they run from a build tree), else the installed one. */
#ifndef DLP_SYSCONFDIR
#define DLP_SYSCONFDIR "/etc"
#endif
#define DLP_TREE_CONFIG	  "conf/dlp-milter.yaml"
#define DLP_SYSTEM_CONFIG DLP_SYSCONFDIR "/dlp-milter/dlp-milter.yaml"

/* The scan budget of one message. Every limit that is hit is reported. */
struct dlp_limits {
	size_t max_header_bytes;       /* one unfolded header field */
	size_t max_header_block_bytes; /* one header block (top or nested) */
	unsigned max_depth;	       /* MIME nesting incl. message/rfc822 */
	unsigned max_parts;	       /* MIME parts per message */
	size_t max_decoded_bytes;      /* decoded bytes per message */
	size_t max_part_bytes;	       /* decoded bytes kept per leaf part */
	size_t max_line_bytes;	       /* a raw line before it is split */
	unsigned max_hits;	       /* candidate hits kept per message */
	uint32_t pcre2_match_limit;
	uint32_t pcre2_depth_limit;
	unsigned max_scan_ms; /* wall time of one scan */
	/* attachments and the containers inside them */
	unsigned max_container_depth; /* archives in archives, docs in zips */
	unsigned max_members;	      /* members of one container */
	size_t max_member_bytes;      /* one member, unpacked */
	unsigned max_ratio;	      /* unpacked / packed, per member */
	size_t max_expanded_bytes;    /* everything unpacked, per message */
	unsigned pdf_max_pages;
	unsigned pdf_max_ms;
};

/*
 * One threshold of a kind's policy: when at least min_count distinct values
 * of the kind were found with at least this confidence, the action applies.
 * A kind's result is the most severe action among its thresholds met.
 */
struct dlp_threshold {
	enum dlp_confidence confidence;
	unsigned min_count;
	enum dlp_action action;
};

struct dlp_kind_policy {
	char *kind; /* "my_number"; "default" for the default entry */
	struct dlp_threshold *thresholds;
	size_t n_thresholds;
};

struct dlp_policy {
	bool monitor_only; /* mode: monitor: every action becomes monitor */
	char **internal_domains;
	size_t n_internal_domains;
	bool scan_internal; /* scan mail whose recipients are all internal */
	struct dlp_kind_policy *kinds;
	size_t n_kinds;
	struct dlp_kind_policy default_kind;
	enum dlp_action encrypted;	 /* content that is encrypted */
	enum dlp_action not_inspectable; /* content that could not be read */
	enum dlp_action on_internal_error;
	/* encryption methods that count as protection (families match
	   "family-..."); others are not-inspectable(unapproved-encryption) */
	char **accepted_encryption;
	size_t n_accepted_encryption;
	/* classification: labels that require encryption (normalised like
	   text, spaces removed), and what a required label on content that
	   leaves unencrypted leads to (see policy.h) */
	char **class_labels;
	size_t n_class_labels;
	enum dlp_action class_action;
};

struct dlp_milter_conf {
	char *socket;	       /* libmilter syntax: inet:PORT@HOST, unix:PATH */
	unsigned socket_mode;  /* for unix sockets, e.g. 0660 */
	unsigned timeout;      /* seconds, smfi_settimeout */
	char *syslog_facility; /* "mail", "local0".. */
	char *syslog_ident;
	char *reply_contact; /* said in the reject reply; may be NULL */
};

struct dlp_config {
	char *path;		 /* the file it was loaded from */
	char *rules_dir;	 /* absolute or relative to the cwd, resolved */
	unsigned rules_dir_line; /* where rules.dir is set, 0 if not */
	struct dlp_milter_conf milter;
	struct dlp_policy policy;
	struct dlp_limits limits;
};

/*
 * config_load: read and check the file. On success returns a new config
 * that the caller frees with config_free(). On failure returns NULL and
 * fills err (file, line, message).
 */
struct dlp_config *config_load(const char *path, struct dlp_error *err);

/* config_defaults: a config with every default and no file (tests). */
struct dlp_config *config_defaults(void);

/* config_free: release; NULL is a no-op. */
void config_free(struct dlp_config *cfg);

/* config_kind_policy: the policy for a kind, or the default entry. */
const struct dlp_kind_policy *config_kind_policy(
    const struct dlp_config *cfg, const char *kind);

/*
 * config_encryption_accepted: whether method (e.g. "winzip-aes-256") is
 * listed in accepted_encryption, itself or by its family ("winzip-aes").
 */
bool config_encryption_accepted(
    const struct dlp_config *cfg, const char *method);

/* config_is_internal: whether an address ("<a@b>" or "a@b") is internal. */
bool config_is_internal(const struct dlp_config *cfg, const char *addr);

#endif
