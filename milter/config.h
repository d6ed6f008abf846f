/*
 * config - the dlp-milter configuration: one YAML file, loaded once, then
 * read-only.
 *
 * The file (conf/dlp-milter.yaml documents every key) has these sections:
 * milter (daemon settings the engine never reads), rules (where the rule
 * files are), policy (what to do with what is found, and the
 * organisation's rules: recipients, exceptions, bans), limits (the scan
 * budget), approval (who approves whose mail), notices, quarantine (the
 * incident store and hold queue), audit, and secret_file. config_load()
 * checks every key and value; an unknown key, a value of the wrong type or
 * out of range is an error reported as "file:line: message", because a
 * typo in a DLP's config must not silently weaken it. Relative paths in
 * the file are taken relative to the file's own directory.
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

/*
 * config_default_path: DLP_TREE_CONFIG when the running program is
 * <cwd>/build/<name> and that file exists, else DLP_SYSTEM_CONFIG: a
 * development build run from the tree finds its own config, an installed
 * program never picks up a file from whatever directory it runs in.
 */
const char *config_default_path(void);

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

/*
 * A recipient domain rule (policy.recipients). A domain matches itself
 * and its subdomains. allow: when EVERY recipient is internal or allowed,
 * an entry with skip accepts the mail unscanned; otherwise the kinds
 * listed ("*": all) do not count for mail whose external recipients are
 * all allowed by entries relaxing them. deny: any recipient in the
 * domain gives action (reason DLP_WHY_DENIED_DOMAIN).
 */
struct dlp_domain_rule {
	char *domain; /* lower case, no leading "@" */
	bool skip;
	char **kinds; /* relaxed kinds or "*" (allow) */
	size_t n_kinds;
	enum dlp_action action; /* deny */
	unsigned line;
};

/*
 * An exception (policy.exceptions): findings of the listed rules or
 * kinds ("*": all) in mail from the listed senders are reported but do
 * not count, until the end of the expiry day (UTC). Senders are
 * addresses, "@domain" (and its subdomains) or "group:NAME"
 * (policy.groups), resolved at load. Every exception names why and who
 * approved it; both are required.
 */
struct dlp_exception {
	char *id;
	char **senders; /* addresses and "@domain", lower case */
	size_t n_senders;
	char **rules; /* rule ids or kinds, or "*" */
	size_t n_rules;
	long long expires; /* UTC seconds: the first second after expiry */
	char *reason;
	char *approved_by;
	unsigned line;
};

/* A sender address, "@domain" or an IP network (CIDR) list. */
struct dlp_addr_list {
	char **v; /* addresses and "@domain", lower case */
	size_t n;
	/* client networks: address bytes (IPv4-mapped for v4) and prefix */
	struct dlp_cidr {
		unsigned char addr[16];
		unsigned prefix; /* 0..128 */
	} * nets;
	size_t n_nets;
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
	/* organisation policies (see conf/dlp-milter.yaml) */
	size_t max_message_size; /* bytes; 0: no limit */
	enum dlp_action size_action;
	struct dlp_domain_rule *allow; /* recipients.allow */
	size_t n_allow;
	struct dlp_domain_rule *deny; /* recipients.deny */
	size_t n_deny;
	struct dlp_exception *exceptions;
	size_t n_exceptions;
	/* attachment_ban: mail with any attachment from these senders or
	   client networks gets ban_action */
	struct dlp_addr_list ban;
	enum dlp_action ban_action;
	/* recipient_exposure: more than max_external external addresses
	   visible in To/Cc (0: off) gives exposure_action, or, with
	   exposure_notify, delivery with a notice advising Bcc */
	unsigned exposure_max_external;
	enum dlp_action exposure_action;
	bool exposure_notify;
};

/* Supervisor approval (approval:): who approves whose mail. */
struct dlp_approver_entry {
	char *who; /* an address or "@domain", lower case */
	char **approvers;
	size_t n_approvers;
};

struct dlp_approval_conf {
	char *map_file; /* resolved path, or NULL */
	struct dlp_approver_entry *map;
	size_t n_map;
	char **default_approvers;
	size_t n_default;
};

/* Sender and administrator notices (notices:). */
enum dlp_notice_transport { DLP_NOTICE_SENDMAIL = 0, DLP_NOTICE_SMTP };
enum dlp_admin_mode {
	DLP_ADMIN_NONE = 0,
	DLP_ADMIN_PER_INCIDENT,
	DLP_ADMIN_DIGEST,
};

struct dlp_notice_conf {
	/* per action: notify the sender (reject, quarantine, approve, and
	   DLP_TAG for tagged mail); indexed by enum dlp_action */
	bool sender[DLP_TEMPFAIL + 1];
	/* the sender is also told the outcome of a release, delete,
	   approval, rejection or expiry */
	bool outcome;
	char *templates_dir; /* resolved */
	char *from;	     /* header From: "dlp-milter <postmaster@...>" */
	char *envelope_from; /* MAIL FROM; "" for the null sender */
	enum dlp_notice_transport transport;
	char *sendmail_path; /* /usr/sbin/sendmail */
	char *smtp_host;     /* 127.0.0.1 */
	unsigned smtp_port;  /* 25 */
	char *contact;	     /* whom senders contact (text, UTF-8) */
	char **admin_to;
	size_t n_admin_to;
	enum dlp_admin_mode admin_mode;
	enum dlp_action admin_min_action; /* notify admins from this on */
};

/* The incident store and the MTA's hold queue (quarantine:). */
enum dlp_mta { DLP_MTA_POSTFIX = 0, DLP_MTA_SENDMAIL };
enum dlp_expire_action { DLP_EXPIRE_DELETE = 0, DLP_EXPIRE_RETURN };

struct dlp_quarantine_conf {
	char *db_path; /* resolved; SQLite, created on first start */
	enum dlp_mta mta;
	char *postfix_config_dir; /* -c for postsuper/postcat, or NULL */
	char *postsuper_path;
	char *postcat_path;
	char *sendmail_path;	  /* Sendmail's binary (release) */
	char *sendmail_queue_dir; /* /var/spool/mqueue (delete, show) */
	long long expire_after;	  /* seconds; 0: never */
	enum dlp_expire_action expire_action;
};

/* The audit trail (audit:): one JSON line per scanned message. */
struct dlp_audit_conf {
	char *file; /* resolved, or NULL */
	bool syslog;
};

struct dlp_milter_conf {
	char *socket;	       /* libmilter syntax: inet:PORT@HOST, unix:PATH */
	unsigned socket_mode;  /* for unix sockets, e.g. 0660 */
	unsigned timeout;      /* seconds, smfi_settimeout */
	char *syslog_facility; /* "mail", "local0".. */
	char *syslog_ident;
	char *reply_contact; /* said in the reject reply; may be NULL */
	/* started as root: the user (and its group) to run as after the
	   socket is open; NULL or "": stay who we are */
	char *user;
	/* owner of a unix socket, "user" or "user:group"; NULL: as made */
	char *socket_owner;
};

/* The worker processes that parse and scan (workers:, see pool.h). */
struct dlp_workers_conf {
	unsigned count;		  /* kept ready */
	unsigned timeout;	  /* seconds of wall time per message */
	unsigned memory_mb;	  /* address space per worker; 0: no limit */
	unsigned cpu;		  /* CPU seconds per message; 0: no limit */
	unsigned max_messages;	  /* then the worker is replaced */
	char *temp_dir;		  /* spool and private directories go below */
	unsigned spool_memory_kb; /* a spool in memory up to this; 0: file */
	bool seccomp;		  /* the system call filter */
	/* a worker lost a message (crash, timeout, limit): DLP_ACCEPT means
	   "policy" (the message is not-inspectable, policy decides),
	   DLP_TEMPFAIL asks the sender's MTA to try again later */
	enum dlp_action on_failure;
};

/* The secret (secret_file:): keys fingerprints and signs notices. */
#define DLP_SECRET_MIN 16
#define DLP_SECRET_MAX 256

struct dlp_config {
	char *path;		 /* the file it was loaded from */
	char *rules_dir;	 /* absolute or relative to the cwd, resolved */
	unsigned rules_dir_line; /* where rules.dir is set, 0 if not */
	struct dlp_milter_conf milter;
	struct dlp_workers_conf workers;
	struct dlp_policy policy;
	struct dlp_limits limits;
	struct dlp_approval_conf approval;
	struct dlp_notice_conf notices;
	struct dlp_quarantine_conf quarantine;
	struct dlp_audit_conf audit;
	/* secret_file: resolved path (NULL: none configured); the secret's
	   bytes when the file exists (secret_len 0 when it does not yet:
	   the daemon creates it, see config_secret_create()) */
	char *secret_file;
	unsigned char secret[DLP_SECRET_MAX];
	size_t secret_len;
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

/*
 * config_addr_in: whether addr ("<a@b>" or "a@b", any case) is one of
 * list's addresses, or in one of its "@domain" entries (subdomains too).
 */
bool config_addr_in(const char *const *list, size_t n, const char *addr);

/*
 * config_addr_dup: a new copy of an envelope address without its <> and
 * surrounding blanks ("" for NULL or "<>"); NULL when memory ran out.
 */
char *config_addr_dup(const char *addr);

/* config_domain_in: whether dom (dlen bytes) is d or a subdomain of it. */
bool config_domain_in(const char *dom, size_t dlen, const char *d);

/*
 * config_approvers: the approvers of mail from sender: the map's entry
 * for the address, else for its domain (the longest match), else the
 * default. *n gets the count; NULL/0 when there are none.
 */
const char *const *config_approvers(
    const struct dlp_config *cfg, const char *sender, size_t *n);

/*
 * config_secret_create: when cfg names a secret_file that does not exist,
 * create it (mode 0600, 32 random bytes, hex) and load it into cfg.
 * Returns 0 (also when there was nothing to do) or -1 with err filled.
 */
int config_secret_create(struct dlp_config *cfg, struct dlp_error *err);

#endif
