/*
 * config_int - what config.c, config_org.c and config_ops.c share while a
 * file loads: the loader's state and the small readers of values
 * (strings, actions, sizes, paths, addresses, lists) that every section
 * uses. Private to the three files; nothing here outlives config_load().
 *
 * Every reader returns 0, or -1 with ld->err set to "file:line: message"
 * at the offending node. Not thread-safe per loader; a loader is used by
 * one call of config_load() only.
 */
#ifndef DLP_CONFIG_INT_H
#define DLP_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "yamlutil.h"

/* The loader's state: the file name for errors, the config being built. */
struct loader {
	const char *path;
	struct dlp_error *err;
	struct dlp_config *c;
	/* policy.groups while the policy loads (see config_org.c) */
	struct cfg_group *groups;
	size_t n_groups;
};

/* config_free_strv: free n strings and the vector; NULL is a no-op. */
void config_free_strv(char **v, size_t n);

/* config_replace_str: *dst becomes a copy of the scalar n. */
int config_replace_str(struct loader *ld, struct fy_node *n, char **dst);

/* config_get_action: an action name (accept .. tempfail, approve). */
int config_get_action(
    struct loader *ld, struct fy_node *n, enum dlp_action *out);

/*
 * config_get_limit: a size or count from min (0 or 1) to max; sizes may
 * be written 64k, 16M, 1G.
 */
int config_get_limit(struct loader *ld, struct fy_node *n,
    unsigned long long min, unsigned long long max, unsigned long long *out);

/*
 * config_path: a malloc'ed path: value itself when it is absolute or the
 * config file has no directory part, else value beside the config file.
 * NULL on ENOMEM (err set at n, which may be NULL).
 */
char *config_path(struct loader *ld, struct fy_node *n, const char *value);

/*
 * config_replace_path: *dst becomes the scalar n resolved by config_path;
 * an empty string gives NULL when empty_ok, else is an error.
 */
int config_replace_path(
    struct loader *ld, struct fy_node *n, bool empty_ok, char **dst);

#define ADDR_MAX   320	/* an address: 64 + "@" + 255 */
#define DOMAIN_MAX 253	/* a domain name (RFC 1035) */
#define TEXT_MAX   1024 /* reason, approved_by, contact, from */

/* Value checks (config_org.c), shared with config_ops.c. */
void config_lower(char *s); /* ASCII letters to lower case, in place */
/* "local@domain", or with allow_domain also "@domain"; s lower case */
bool config_addr_ok(const char *s, bool allow_domain);
/* a scalar of 1..max bytes without control characters, malloc'ed */
char *config_get_text(
    struct loader *ld, struct fy_node *n, const char *what, size_t max);
/* a list of addresses (no "@domain"), lower case, each once; replaces *v */
int config_load_addrs(struct loader *ld, struct fy_node *seq, const char *what,
    char ***v, size_t *n);

/* The sections config_org.c reads (see conf/dlp-milter.yaml). */
int config_org_defaults(struct dlp_config *c);
int config_load_org_policy(struct loader *ld, struct fy_node *policy);
int config_load_approval(struct loader *ld, struct fy_node *m);
void config_org_free(struct dlp_config *c);
void config_groups_free(struct loader *ld);

/* The sections config_ops.c reads. */
int config_ops_defaults(struct dlp_config *c);
int config_load_notices(struct loader *ld, struct fy_node *m);
int config_load_quarantine(struct loader *ld, struct fy_node *m);
int config_load_audit(struct loader *ld, struct fy_node *m);
/* secret_file (n may be NULL: the default beside the file), then read */
int config_load_secret(struct loader *ld, struct fy_node *n);
void config_ops_free(struct dlp_config *c);

#endif
