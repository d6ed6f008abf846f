/*
 * config_org - the organisation's part of the configuration: the policy's
 * organisation keys (max_message_size, recipients, groups, exceptions,
 * attachment_ban, recipient_exposure), and the sections approval: (with
 * its approvers map file), notices:, quarantine:, audit: and
 * secret_file:. config.h declares the structs; conf/dlp-milter.yaml says
 * what every key means and shows its default.
 *
 * As in config.c, every key and value is checked, and a mistake is
 * refused as "file:line: message": a typo in an exception or a domain
 * rule must not silently widen what leaves. The approvers map is a file
 * of its own; its errors name that file and its line. Relative paths are
 * taken beside the config file. policy.groups exist only while the file
 * loads: "group:NAME" in a sender list is replaced by the group's members.
 *
 * The secret file is read here too. It must be a regular file private to
 * its owner (no permission bits for group or others): whoever reads it
 * can forge notices and tie fingerprints back to values. It holds 64 or
 * more hex digits (whitespace ignored) or raw bytes, DLP_SECRET_MIN to
 * DLP_SECRET_MAX of them once decoded. config_secret_create() makes one.
 *
 * Limits: ORG_LIST_MAX entries in any list (after groups are expanded),
 * GROUPS_MAX groups, MAP_LINE_MAX bytes in a map line and MAP_ENTRIES_MAX
 * lines in the map, SECRET_FILE_MAX bytes of secret file. One loader per
 * config_load() call; the loaded config is immutable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"

#define ORG_LIST_MAX	    10000  /* entries of one list */
#define GROUPS_MAX	    1000   /* policy.groups */
#define ID_MAX		    64	   /* bytes of an exception id */
#define NAME_MAX_LEN	    128	   /* a group, kind or rule name */
#define TEXT_MAX	    1024   /* reason, approved_by, contact, from */
#define ADDR_MAX	    320	   /* an address: 64 + "@" + 255 */
#define DOMAIN_MAX	    253	   /* a domain name (RFC 1035) */
#define MAP_LINE_MAX	    4096   /* bytes of one approvers map line */
#define MAP_ENTRIES_MAX	    100000 /* lines of the approvers map */
#define SECRET_FILE_MAX	    4096   /* bytes of the secret file */
#define SECRET_HEX_MIN	    64	   /* hex digits of a hex secret */
#define SECRET_CREATE_BYTES 32
#define DURATION_MAX	    (3650LL * 86400) /* ten years */

/* A named address list (policy.groups), kept while the file loads. */
struct cfg_group {
	char *name;
	char **v;
	size_t n;
};

/* ---- small string checks ---------------------------------------------- */

static void
lower_ascii(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* No control characters: the text goes into headers, logs and JSON. */
static bool
text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/*
 * A domain name: labels of letters, digits and '-' (or UTF-8 bytes, for
 * internationalised names), 1 to 63 bytes each, not starting or ending
 * with '-'; with need_dot at least two labels. s is lower case already.
 */
static bool
domain_ok(const char *s, bool need_dot)
{
	size_t len = strlen(s), lab = 0, labels = 1, i;

	if (len == 0 || len > DOMAIN_MAX)
		return false;
	for (i = 0; i <= len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.' || ch == '\0') {
			if (lab == 0 || lab > 63 || s[i - 1] == '-')
				return false;
			if (ch == '.')
				labels++;
			lab = 0;
			continue;
		}
		if (lab == 0 && ch == '-')
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			ch == '-' || ch >= 0x80))
			return false;
		lab++;
	}
	return !need_dot || labels >= 2;
}

/*
 * An address "local@domain" (lower case), or with allow_domain "@domain".
 * The local part is the unquoted kind mail systems use in practice: no
 * spaces, brackets, quotes or separators.
 */
static bool
addr_ok(const char *s, bool allow_domain)
{
	const char *at;
	size_t i;

	if (strlen(s) > ADDR_MAX)
		return false;
	if (s[0] == '@')
		return allow_domain && domain_ok(s + 1, false);
	if ((at = strrchr(s, '@')) == NULL || at == s)
		return false;
	for (i = 0; s + i < at; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= ' ' || ch == 0x7f || strchr("<>,;:\"()[]\\@", ch))
			return false;
	}
	return domain_ok(at + 1, false);
}

/* A group, kind or rule name: lower case letters, digits, '_', '-', '.'. */
static bool
name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			s[i] == '-' || s[i] == '.'))
			return false;
	return i > 0 && i < NAME_MAX_LEN;
}

/* Append s (owned: freed on failure) to a vector; -1 on ENOMEM. */
static int
strv_add(char ***v, size_t *n, char *s)
{
	char **nv;

	if ((nv = realloc(*v, (*n + 1) * sizeof(char *))) == NULL) {
		free(s);
		return -1;
	}
	*v = nv;
	nv[(*n)++] = s;
	return 0;
}

static bool
strv_has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/*
 * The node to name in an error: an empty collection ([] or {}) has no
 * line of its own in libfyaml 0.7 (see yaml_line()), so its key's.
 */
static struct fy_node *
at(struct fy_node *n)
{
	struct fy_node *parent;
	struct fy_node_pair *pair;
	void *iter = NULL;

	if (n == NULL || yaml_line(n) != 0 ||
	    (parent = fy_node_get_parent(n)) == NULL ||
	    !fy_node_is_mapping(parent))
		return n;
	while ((pair = fy_node_mapping_iterate(parent, &iter)) != NULL)
		if (fy_node_pair_value(pair) == n)
			return fy_node_pair_key(pair);
	return n;
}

/* A list node: a sequence of at most ORG_LIST_MAX items. */
static int
check_list(
    struct loader *ld, struct fy_node *seq, const char *what, bool need_items)
{
	int n;

	if (!fy_node_is_sequence(seq))
		return yaml_fail(ld->err, ld->path, at(seq),
		    "%s must be a list%s", what,
		    need_items ? "" : " (maybe empty: [])");
	n = fy_node_sequence_item_count(seq);
	if (need_items && n == 0)
		return yaml_fail(
		    ld->err, ld->path, at(seq), "%s must not be empty", what);
	if (n > ORG_LIST_MAX)
		return yaml_fail(ld->err, ld->path, seq,
		    "%s: at most %d entries", what, ORG_LIST_MAX);
	return 0;
}

/* A scalar's text, checked to be 1..max bytes without control chars. */
static char *
get_text(struct loader *ld, struct fy_node *n, const char *what, size_t max)
{
	char *s;

	if ((s = yaml_strdup(ld->err, ld->path, n)) == NULL)
		return NULL;
	if (s[0] == '\0' || strlen(s) > max || !text_ok(s)) {
		yaml_fail(ld->err, ld->path, n,
		    "%s must be 1 to %zu bytes of text on one line", what, max);
		free(s);
		return NULL;
	}
	return s;
}

/* A domain of a recipient rule: lower case, no leading "@" or dot. */
static char *
get_domain(struct loader *ld, struct fy_node *n)
{
	char *s;
	size_t len;

	if ((s = yaml_strdup(ld->err, ld->path, n)) == NULL)
		return NULL;
	lower_ascii(s);
	if (s[0] == '@' || s[0] == '.')
		memmove(s, s + 1, strlen(s));
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		s[len - 1] = '\0';
	if (!domain_ok(s, true)) {
		yaml_fail(ld->err, ld->path, n,
		    "'%s' is not a domain name (like partner.example)", s);
		free(s);
		return NULL;
	}
	return s;
}

/* An address (or with allow_domain "@domain"), lower case. */
static char *
get_addr(struct loader *ld, struct fy_node *n, bool allow_domain)
{
	char *s;

	if ((s = yaml_strdup(ld->err, ld->path, n)) == NULL)
		return NULL;
	lower_ascii(s);
	if (!addr_ok(s, allow_domain)) {
		yaml_fail(ld->err, ld->path, n, "'%s' is not an address%s", s,
		    allow_domain ? " or @domain" : "");
		free(s);
		return NULL;
	}
	return s;
}

static const struct cfg_group *
find_group(const struct loader *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->n_groups; i++)
		if (strcmp(ld->groups[i].name, name) == 0)
			return &ld->groups[i];
	return NULL;
}

/*
 * A sender list: addresses and "@domain"; with groups_ok also
 * "group:NAME", replaced by the group's members. Duplicates are dropped.
 */
static int
load_senders(struct loader *ld, struct fy_node *seq, const char *what,
    bool groups_ok, bool need_items, char ***v, size_t *n)
{
	const struct cfg_group *g;
	struct fy_node *it;
	void *iter = NULL;
	const char *t;
	size_t i, len;
	char *s;

	if (check_list(ld, seq, what, need_items) < 0)
		return -1;
	while ((it = fy_node_sequence_iterate(seq, &iter)) != NULL) {
		if (groups_ok && fy_node_is_scalar(it) &&
		    (t = fy_node_get_scalar(it, &len)) != NULL && len >= 6 &&
		    memcmp(t, "group:", 6) == 0) {
			char name[NAME_MAX_LEN + 8];

			if (yaml_scalar(
				ld->err, ld->path, it, name, sizeof(name)) < 0)
				return -1;
			if ((g = find_group(ld, name + 6)) == NULL)
				return yaml_fail(ld->err, ld->path, it,
				    "unknown group '%s' (policy.groups)",
				    name + 6);
			for (i = 0; i < g->n; i++) {
				if (strv_has(*v, *n, g->v[i]))
					continue;
				if (*n >= ORG_LIST_MAX)
					return yaml_fail(ld->err, ld->path, it,
					    "%s: at most %d addresses", what,
					    ORG_LIST_MAX);
				if ((s = strdup(g->v[i])) == NULL ||
				    strv_add(v, n, s) < 0)
					return yaml_fail(ld->err, ld->path, it,
					    "out of memory");
			}
			continue;
		}
		if ((s = get_addr(ld, it, true)) == NULL)
			return -1;
		if (strv_has(*v, *n, s)) {
			free(s);
			continue;
		}
		if (*n >= ORG_LIST_MAX) {
			free(s);
			return yaml_fail(ld->err, ld->path, it,
			    "%s: at most %d addresses", what, ORG_LIST_MAX);
		}
		if (strv_add(v, n, s) < 0)
			return yaml_fail(
			    ld->err, ld->path, it, "out of memory");
	}
	return 0;
}

/* A list of plain addresses (approvers, admins): no "@domain". */
static int
load_addrs(struct loader *ld, struct fy_node *seq, const char *what, char ***v,
    size_t *n)
{
	struct fy_node *it;
	void *iter = NULL;
	char *s;

	if (check_list(ld, seq, what, false) < 0)
		return -1;
	config_free_strv(*v, *n);
	*v = NULL;
	*n = 0;
	while ((it = fy_node_sequence_iterate(seq, &iter)) != NULL) {
		if ((s = get_addr(ld, it, false)) == NULL)
			return -1;
		if (strv_has(*v, *n, s)) {
			free(s);
			continue;
		}
		if (strv_add(v, n, s) < 0)
			return yaml_fail(
			    ld->err, ld->path, it, "out of memory");
	}
	return 0;
}

/* An action other than tempfail (a retry would send the same mail). */
static int
get_final_action(struct loader *ld, struct fy_node *n, const char *what,
    enum dlp_action *out)
{
	if (config_get_action(ld, n, out) < 0)
		return -1;
	if (*out == DLP_TEMPFAIL)
		return yaml_fail(ld->err, ld->path, n,
		    "%s cannot be tempfail (a retry sends the same mail)",
		    what);
	return 0;
}

/* ---- policy: groups, recipients, exceptions, ban, exposure ------------ */

/* groups: {NAME: [address | "@domain"]}; no groups inside groups. */
static int
load_groups(struct loader *ld, struct fy_node *m)
{
	struct fy_node_pair *pair;
	void *iter = NULL;
	struct cfg_group *g;
	size_t n;
	char *name;

	if (!fy_node_is_mapping(m))
		return yaml_fail(ld->err, ld->path, at(m),
		    "groups must be a mapping of NAME: [addresses]");
	n = (size_t)fy_node_mapping_item_count(m);
	if (n > GROUPS_MAX)
		return yaml_fail(ld->err, ld->path, m,
		    "groups: at most %d groups", GROUPS_MAX);
	if ((ld->groups = calloc(n + 1, sizeof(*ld->groups))) == NULL)
		return yaml_fail(ld->err, ld->path, m, "out of memory");
	while ((pair = fy_node_mapping_iterate(m, &iter)) != NULL) {
		struct fy_node *k = fy_node_pair_key(pair);

		if ((name = yaml_strdup(ld->err, ld->path, k)) == NULL)
			return -1;
		g = &ld->groups[ld->n_groups++];
		g->name = name;
		if (!name_ok(name))
			return yaml_fail(ld->err, ld->path, k,
			    "group name '%s': lower case letters, digits, "
			    "'_', '-' and '.' only",
			    name);
		if (load_senders(ld, fy_node_pair_value(pair), "a group", false,
			false, &g->v, &g->n) < 0)
			return -1;
	}
	return 0;
}

/* The domain rules of both lists: a domain is in one place only. */
static int
check_domain_unique(struct loader *ld, struct fy_node *n, const char *d)
{
	const struct dlp_policy *p = &ld->c->policy;
	size_t i;

	for (i = 0; i < p->n_allow; i++)
		if (p->allow[i].domain != NULL &&
		    strcmp(p->allow[i].domain, d) == 0)
			return yaml_fail(ld->err, ld->path, n,
			    "domain '%s' is already in recipients.allow "
			    "(line %u)",
			    d, p->allow[i].line);
	for (i = 0; i < p->n_deny; i++)
		if (p->deny[i].domain != NULL &&
		    strcmp(p->deny[i].domain, d) == 0)
			return yaml_fail(ld->err, ld->path, n,
			    "domain '%s' is already in recipients.deny "
			    "(line %u)",
			    d, p->deny[i].line);
	return 0;
}

/* relax: [kind | "*"] */
static int
load_relax(struct loader *ld, struct fy_node *seq, struct dlp_domain_rule *r)
{
	struct fy_node *it;
	void *iter = NULL;
	char *s;

	if (check_list(ld, seq, "relax", true) < 0)
		return -1;
	while ((it = fy_node_sequence_iterate(seq, &iter)) != NULL) {
		if ((s = yaml_strdup(ld->err, ld->path, it)) == NULL)
			return -1;
		if (strcmp(s, "*") != 0 && !name_ok(s)) {
			yaml_fail(ld->err, ld->path, it,
			    "'%s' is not a kind name (or \"*\" for all)", s);
			free(s);
			return -1;
		}
		if (strv_add(&r->kinds, &r->n_kinds, s) < 0)
			return yaml_fail(
			    ld->err, ld->path, it, "out of memory");
	}
	return 0;
}

static int
load_domain_rules(struct loader *ld, struct fy_node *seq, bool allow)
{
	static const char *const allow_keys[] = { "domain", "skip", "relax",
		NULL };
	static const char *const deny_keys[] = { "domain", "action", NULL };
	struct dlp_policy *p = &ld->c->policy;
	struct dlp_domain_rule **rules = allow ? &p->allow : &p->deny;
	size_t *nrules = allow ? &p->n_allow : &p->n_deny;
	const char *what = allow ? "recipients.allow" : "recipients.deny";
	struct fy_node *it, *v;
	void *iter = NULL;
	size_t n;

	if (check_list(ld, seq, what, false) < 0)
		return -1;
	n = (size_t)fy_node_sequence_item_count(seq);
	if ((*rules = calloc(n + 1, sizeof(**rules))) == NULL)
		return yaml_fail(ld->err, ld->path, seq, "out of memory");
	while ((it = fy_node_sequence_iterate(seq, &iter)) != NULL) {
		struct dlp_domain_rule r = { 0 };
		char *d;

		if (yaml_check_keys(ld->err, ld->path, it,
			allow ? allow_keys : deny_keys) < 0)
			return -1;
		if ((v = yaml_get(it, "domain")) == NULL)
			return yaml_fail(ld->err, ld->path, it,
			    "each %s entry needs a domain", what);
		if ((d = get_domain(ld, v)) == NULL)
			return -1;
		if (check_domain_unique(ld, v, d) < 0) {
			free(d);
			return -1;
		}
		r.domain = d;
		r.line = yaml_line(it);
		r.action = DLP_REJECT;
		(*rules)[(*nrules)++] = r; /* freed with the config */
		if (!allow) {
			if ((v = yaml_get(it, "action")) != NULL &&
			    get_final_action(ld, v, "a deny action",
				&(*rules)[*nrules - 1].action) < 0)
				return -1;
			continue;
		}
		if ((v = yaml_get(it, "skip")) != NULL &&
		    yaml_bool(
			ld->err, ld->path, v, &(*rules)[*nrules - 1].skip) < 0)
			return -1;
		if ((v = yaml_get(it, "relax")) != NULL &&
		    load_relax(ld, v, &(*rules)[*nrules - 1]) < 0)
			return -1;
		if (!(*rules)[*nrules - 1].skip &&
		    (*rules)[*nrules - 1].n_kinds == 0)
			return yaml_fail(ld->err, ld->path, it,
			    "an allow entry needs skip: true or relax: "
			    "[kinds]");
	}
	return 0;
}

static int
load_recipients(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "allow", "deny", NULL };
	struct fy_node *v;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "allow")) != NULL &&
	    load_domain_rules(ld, v, true) < 0)
		return -1;
	if ((v = yaml_get(m, "deny")) != NULL &&
	    load_domain_rules(ld, v, false) < 0)
		return -1;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (civil calendar). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * expires: YYYY-MM-DD, a real day from 1970 to 9999; the result is the
 * first UTC second after that day ends.
 */
static int
get_expiry(struct loader *ld, struct fy_node *n, long long *out)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };
	unsigned y, m, d, i, dim;
	char v[16];

	if (yaml_scalar(ld->err, ld->path, n, v, sizeof(v)) < 0)
		return -1;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? v[i] != '-' : (v[i] < '0' || v[i] > '9'))
			break;
	if (i != 10 || v[10] != '\0')
		return yaml_fail(ld->err, ld->path, n,
		    "expires must be a date YYYY-MM-DD, not '%s'", v);
	y = (unsigned)strtoul(v, NULL, 10);
	m = (unsigned)strtoul(v + 5, NULL, 10);
	d = (unsigned)strtoul(v + 8, NULL, 10);
	dim = m >= 1 && m <= 12 ? mdays[m - 1] : 0;
	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		dim = 29;
	if (y < 1970 || d < 1 || d > dim)
		return yaml_fail(
		    ld->err, ld->path, n, "expires: no such day '%s'", v);
	*out = (days_from_civil(y, m, d) + 1) * 86400LL;
	return 0;
}

/* rules: [rule id | kind | "*"]: checked against the rules later, if
   ever (rules load after the config), so any short name is taken */
static int
load_exception_rules(
    struct loader *ld, struct fy_node *seq, struct dlp_exception *e)
{
	struct fy_node *it;
	void *iter = NULL;
	size_t i;
	char *s;

	if (check_list(ld, seq, "rules", true) < 0)
		return -1;
	while ((it = fy_node_sequence_iterate(seq, &iter)) != NULL) {
		if ((s = yaml_strdup(ld->err, ld->path, it)) == NULL)
			return -1;
		for (i = 0; s[i] != '\0'; i++)
			if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
				break;
		if (s[i] != '\0' || i == 0 || i >= NAME_MAX_LEN) {
			yaml_fail(ld->err, ld->path, it,
			    "'%s' is not a rule id, kind or \"*\"", s);
			free(s);
			return -1;
		}
		if (strv_add(&e->rules, &e->n_rules, s) < 0)
			return yaml_fail(
			    ld->err, ld->path, it, "out of memory");
	}
	return 0;
}

static int
get_exception_id(struct loader *ld, struct fy_node *n, char **out)
{
	const struct dlp_policy *p = &ld->c->policy;
	size_t i;
	char *s;

	if ((s = yaml_strdup(ld->err, ld->path, n)) == NULL)
		return -1;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') ||
			strchr("_-.:", s[i]) != NULL))
			break;
	if (s[i] != '\0' || i == 0 || i > ID_MAX) {
		yaml_fail(ld->err, ld->path, n,
		    "exception id: 1 to %d letters, digits, '_', '-', '.', "
		    "':'",
		    ID_MAX);
		free(s);
		return -1;
	}
	for (i = 0; i < p->n_exceptions; i++)
		if (p->exceptions[i].id != NULL &&
		    strcmp(p->exceptions[i].id, s) == 0) {
			yaml_fail(ld->err, ld->path, n,
			    "exception id '%s' is already used (line %u)", s,
			    p->exceptions[i].line);
			free(s);
			return -1;
		}
	*out = s;
	return 0;
}

static int
load_exception(struct loader *ld, struct fy_node *it, struct dlp_exception *e)
{
	static const char *const keys[] = { "id", "senders", "rules", "expires",
		"reason", "approved_by", NULL };
	struct fy_node *v;
	size_t i;

	if (yaml_check_keys(ld->err, ld->path, it, keys) < 0)
		return -1;
	e->line = yaml_line(it);
	for (i = 0; keys[i] != NULL; i++)
		if (yaml_get(it, keys[i]) == NULL)
			return yaml_fail(ld->err, ld->path, it,
			    "an exception needs %s (id, senders, rules, "
			    "expires, reason and approved_by are required)",
			    keys[i]);
	if (get_exception_id(ld, yaml_get(it, "id"), &e->id) < 0 ||
	    load_senders(ld, yaml_get(it, "senders"), "senders", true, true,
		&e->senders, &e->n_senders) < 0 ||
	    load_exception_rules(ld, yaml_get(it, "rules"), e) < 0 ||
	    get_expiry(ld, yaml_get(it, "expires"), &e->expires) < 0)
		return -1;
	if ((v = yaml_get(it, "reason")) == NULL ||
	    (e->reason = get_text(ld, v, "reason", TEXT_MAX)) == NULL)
		return -1;
	if ((v = yaml_get(it, "approved_by")) == NULL ||
	    (e->approved_by = get_text(ld, v, "approved_by", TEXT_MAX)) == NULL)
		return -1;
	return 0;
}

static int
load_exceptions(struct loader *ld, struct fy_node *seq)
{
	struct dlp_policy *p = &ld->c->policy;
	struct fy_node *it;
	void *iter = NULL;
	size_t n;

	if (check_list(ld, seq, "exceptions", false) < 0)
		return -1;
	n = (size_t)fy_node_sequence_item_count(seq);
	if ((p->exceptions = calloc(n + 1, sizeof(*p->exceptions))) == NULL)
		return yaml_fail(ld->err, ld->path, seq, "out of memory");
	while ((it = fy_node_sequence_iterate(seq, &iter)) != NULL) {
		/* counted first: a half-loaded entry is freed with the
		   config, and its id is not yet set for the duplicate check */
		if (load_exception(ld, it, &p->exceptions[p->n_exceptions++]) <
		    0)
			return -1;
	}
	return 0;
}

/*
 * A client network: an IPv4 or IPv6 address, with or without /prefix.
 * IPv4 is stored IPv4-mapped (::ffff:a.b.c.d, prefix + 96), the form a
 * dual-stack socket reports. Host bits beyond the prefix are refused: they
 * are a typo more often than not (192.0.2.1/24 for 192.0.2.0/24).
 */
static int
get_cidr(struct loader *ld, struct fy_node *n, struct dlp_cidr *out)
{
	char v[64], *slash, *end;
	unsigned long pfx;
	unsigned max, i;
	bool v4;

	if (yaml_scalar(ld->err, ld->path, n, v, sizeof(v)) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	if ((slash = strchr(v, '/')) != NULL)
		*slash = '\0';
	v4 = strchr(v, ':') == NULL;
	if (v4) {
		out->addr[10] = 0xff;
		out->addr[11] = 0xff;
	}
	if (inet_pton(v4 ? AF_INET : AF_INET6, v,
		v4 ? out->addr + 12 : out->addr) != 1)
		return yaml_fail(ld->err, ld->path, n,
		    "'%s' is not an IP address or network (192.0.2.0/24, "
		    "2001:db8::/32)",
		    v);
	max = v4 ? 32 : 128;
	pfx = max;
	if (slash != NULL) {
		errno = 0;
		if (slash[1] < '0' || slash[1] > '9' ||
		    (pfx = strtoul(slash + 1, &end, 10)) > max ||
		    *end != '\0' || errno != 0)
			return yaml_fail(ld->err, ld->path, n,
			    "'%s/%s': the prefix must be 0 to %u", v, slash + 1,
			    max);
	}
	out->prefix = (unsigned)pfx + (v4 ? 96 : 0);
	for (i = out->prefix; i < 128; i++)
		if (out->addr[i / 8] & (0x80 >> (i % 8)))
			return yaml_fail(ld->err, ld->path, n,
			    "'%s/%lu' has host bits set beyond the prefix", v,
			    pfx);
	return 0;
}

static int
load_clients(struct loader *ld, struct fy_node *seq, struct dlp_addr_list *l)
{
	struct fy_node *it;
	void *iter = NULL;
	size_t n;

	if (check_list(ld, seq, "clients", false) < 0)
		return -1;
	n = (size_t)fy_node_sequence_item_count(seq);
	if ((l->nets = calloc(n + 1, sizeof(*l->nets))) == NULL)
		return yaml_fail(ld->err, ld->path, seq, "out of memory");
	while ((it = fy_node_sequence_iterate(seq, &iter)) != NULL)
		if (get_cidr(ld, it, &l->nets[l->n_nets++]) < 0)
			return -1;
	return 0;
}

/* attachment_ban: {senders: [...], clients: [CIDR], action: ACTION} */
static int
load_ban(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "senders", "clients", "action",
		NULL };
	struct dlp_policy *p = &ld->c->policy;
	struct fy_node *v;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "senders")) != NULL &&
	    load_senders(ld, v, "attachment_ban.senders", true, false,
		&p->ban.v, &p->ban.n) < 0)
		return -1;
	if ((v = yaml_get(m, "clients")) != NULL &&
	    load_clients(ld, v, &p->ban) < 0)
		return -1;
	if ((v = yaml_get(m, "action")) != NULL &&
	    get_final_action(ld, v, "attachment_ban.action", &p->ban_action) <
		0)
		return -1;
	return 0;
}

/* recipient_exposure: {max_external: N, action: ACTION | notify} */
static int
load_exposure(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "max_external", "action", NULL };
	struct dlp_policy *p = &ld->c->policy;
	unsigned long long x;
	struct fy_node *v;
	char a[16];

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "max_external")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 0, 1000000, &x) < 0)
			return -1;
		p->exposure_max_external = (unsigned)x;
	}
	if ((v = yaml_get(m, "action")) == NULL)
		return 0;
	if (yaml_scalar(ld->err, ld->path, v, a, sizeof(a)) < 0)
		return -1;
	if (strcmp(a, "notify") == 0) {
		p->exposure_notify = true;
		p->exposure_action = DLP_ACCEPT;
		return 0;
	}
	if (dlp_action_parse(a) < 0)
		return yaml_fail(ld->err, ld->path, v,
		    "recipient_exposure.action must be notify or an action, "
		    "not '%s'",
		    a);
	p->exposure_notify = false;
	return get_final_action(
	    ld, v, "recipient_exposure.action", &p->exposure_action);
}

int
config_load_org_policy(struct loader *ld, struct fy_node *m)
{
	struct dlp_policy *p = &ld->c->policy;
	unsigned long long x;
	struct fy_node *v;

	if ((v = yaml_get(m, "max_message_size")) != NULL) {
		if (config_get_limit(ld, v, 0, 1ULL << 40, &x) < 0)
			return -1;
		p->max_message_size = (size_t)x;
	}
	if ((v = yaml_get(m, "max_message_size_action")) != NULL &&
	    get_final_action(
		ld, v, "max_message_size_action", &p->size_action) < 0)
		return -1;
	/* groups first: the lists below refer to them */
	if ((v = yaml_get(m, "groups")) != NULL && load_groups(ld, v) < 0)
		return -1;
	if ((v = yaml_get(m, "recipients")) != NULL &&
	    load_recipients(ld, v) < 0)
		return -1;
	if ((v = yaml_get(m, "exceptions")) != NULL &&
	    load_exceptions(ld, v) < 0)
		return -1;
	if ((v = yaml_get(m, "attachment_ban")) != NULL && load_ban(ld, v) < 0)
		return -1;
	if ((v = yaml_get(m, "recipient_exposure")) != NULL &&
	    load_exposure(ld, v) < 0)
		return -1;
	return 0;
}

void
config_groups_free(struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->n_groups; i++) {
		free(ld->groups[i].name);
		config_free_strv(ld->groups[i].v, ld->groups[i].n);
	}
	free(ld->groups);
	ld->groups = NULL;
	ld->n_groups = 0;
}

/* ---- approval and the approvers map ------------------------------------ */

/* One map line's words: split at spaces, tabs and commas, in place. */
static size_t
split_words(char *s, char **w, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s == '\0' || n == max)
			return *s == '\0' ? n : max + 1;
		w[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != ',')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

#define MAP_WORDS_MAX 65 /* who and 64 approvers */

/* One line of the map, already without its comment and newline. */
static int
map_line(struct loader *ld, const char *file, unsigned lineno, char *line)
{
	struct dlp_approval_conf *a = &ld->c->approval;
	struct dlp_approver_entry *e;
	char *w[MAP_WORDS_MAX];
	size_t n, i;

	lower_ascii(line);
	if ((n = split_words(line, w, MAP_WORDS_MAX)) == 0)
		return 0;
	if (n > MAP_WORDS_MAX || a->n_map >= MAP_ENTRIES_MAX) {
		dlp_error_set(ld->err, file, lineno,
		    "too many entries (%d lines, %d approvers a line)",
		    MAP_ENTRIES_MAX, MAP_WORDS_MAX - 1);
		return -1;
	}
	if (!addr_ok(w[0], true)) {
		dlp_error_set(ld->err, file, lineno,
		    "'%s' is not an address or @domain", w[0]);
		return -1;
	}
	if (n == 1) {
		dlp_error_set(ld->err, file, lineno,
		    "'%s' has no approver (who approver[, approver...])", w[0]);
		return -1;
	}
	for (i = 0; i < a->n_map; i++)
		if (strcmp(a->map[i].who, w[0]) == 0) {
			dlp_error_set(ld->err, file, lineno,
			    "'%s' is listed twice", w[0]);
			return -1;
		}
	if ((e = realloc(a->map, (a->n_map + 1) * sizeof(*e))) == NULL)
		goto nomem;
	a->map = e;
	e = &a->map[a->n_map++];
	memset(e, 0, sizeof(*e));
	if ((e->who = strdup(w[0])) == NULL)
		goto nomem;
	for (i = 1; i < n; i++) {
		char *s;

		if (!addr_ok(w[i], false)) {
			dlp_error_set(ld->err, file, lineno,
			    "approver '%s' is not an address", w[i]);
			return -1;
		}
		if (strv_has(e->approvers, e->n_approvers, w[i]))
			continue;
		if ((s = strdup(w[i])) == NULL ||
		    strv_add(&e->approvers, &e->n_approvers, s) < 0)
			goto nomem;
	}
	return 0;
nomem:
	dlp_error_set(ld->err, file, lineno, "out of memory");
	return -1;
}

/*
 * The approvers map: "who approver[, approver...]" a line, who an address
 * or "@domain"; '#' at the start of a line or after a space starts a
 * comment. Errors carry the map's own file and line.
 */
static int
load_map(struct loader *ld, struct fy_node *n, const char *file)
{
	char line[MAP_LINE_MAX + 1], *hash;
	unsigned lineno = 0;
	bool bad = false;
	size_t len = 0;
	FILE *fp;
	int ch, rc = -1;

	if ((fp = fopen(file, "r")) == NULL)
		return yaml_fail(ld->err, ld->path, n,
		    "approval.map_file: cannot open %s: %s", file,
		    strerror(errno));
	/* byte by byte: a NUL must be seen, not end the line unseen */
	while ((ch = getc(fp)) != EOF || len > 0 || bad) {
		if (ch != '\n' && ch != EOF) {
			if ((ch < 0x20 && ch != '\t' && ch != '\r') ||
			    ch == 0x7f)
				bad = true;
			else if (len == MAP_LINE_MAX) {
				dlp_error_set(ld->err, file, lineno + 1,
				    "line longer than %d bytes", MAP_LINE_MAX);
				goto out;
			} else
				line[len++] = (char)ch;
			continue;
		}
		lineno++;
		if (bad) {
			dlp_error_set(ld->err, file, lineno,
			    "a control character or NUL in the line");
			goto out;
		}
		if (len > 0 && line[len - 1] == '\r')
			len--;
		line[len] = '\0';
		len = 0;
		for (hash = line; (hash = strchr(hash, '#')) != NULL; hash++)
			if (hash == line || hash[-1] == ' ' ||
			    hash[-1] == '\t') {
				*hash = '\0';
				break;
			}
		if (map_line(ld, file, lineno, line) < 0)
			goto out;
		if (ch == EOF)
			break;
	}
	if (ferror(fp)) {
		dlp_error_set(
		    ld->err, file, lineno, "read error: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	fclose(fp);
	return rc;
}

int
config_load_approval(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "map_file", "default", NULL };
	struct dlp_approval_conf *a = &ld->c->approval;
	struct fy_node *v;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "default")) != NULL &&
	    load_addrs(ld, v, "approval.default", &a->default_approvers,
		&a->n_default) < 0)
		return -1;
	if ((v = yaml_get(m, "map_file")) == NULL)
		return 0;
	if (config_replace_path(ld, v, true, &a->map_file) < 0)
		return -1;
	return a->map_file != NULL ? load_map(ld, v, a->map_file) : 0;
}

/* ---- notices ----------------------------------------------------------- */

/* from: "Name <addr>" or "addr"; the address must be one. */
static int
check_from(struct loader *ld, struct fy_node *n, const char *from)
{
	const char *lt = strrchr(from, '<');
	char addr[ADDR_MAX + 1];
	size_t len;

	if (lt != NULL) {
		len = strlen(lt + 1);
		if (len < 2 || lt[len] != '>' || len - 1 > ADDR_MAX)
			goto bad;
		memcpy(addr, lt + 1, len - 1);
		addr[len - 1] = '\0';
	} else {
		if ((len = strlen(from)) > ADDR_MAX)
			goto bad;
		memcpy(addr, from, len + 1);
	}
	lower_ascii(addr);
	if (addr_ok(addr, false))
		return 0;
bad:
	return yaml_fail(ld->err, ld->path, n,
	    "from must be \"Name <address>\" or an address");
}

static int
load_notice_sender(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "reject", "quarantine", "approve",
		"tag", NULL };
	static const enum dlp_action acts[] = { DLP_REJECT, DLP_QUARANTINE,
		DLP_APPROVE, DLP_TAG };
	struct fy_node *v;
	size_t i;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	for (i = 0; keys[i] != NULL; i++)
		if ((v = yaml_get(m, keys[i])) != NULL &&
		    yaml_bool(ld->err, ld->path, v,
			&ld->c->notices.sender[acts[i]]) < 0)
			return -1;
	return 0;
}

static int
load_notice_smtp(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "host", "port", NULL };
	struct dlp_notice_conf *nc = &ld->c->notices;
	unsigned long long x;
	struct fy_node *v;
	char *h;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "host")) != NULL) {
		if ((h = get_text(ld, v, "smtp.host", DOMAIN_MAX)) == NULL)
			return -1;
		free(nc->smtp_host);
		nc->smtp_host = h;
		if (strchr(h, ' ') != NULL)
			return yaml_fail(ld->err, ld->path, v,
			    "smtp.host must be a host name or address");
	}
	if ((v = yaml_get(m, "port")) != NULL) {
		if (yaml_uint(ld->err, ld->path, v, 1, 65535, &x) < 0)
			return -1;
		nc->smtp_port = (unsigned)x;
	}
	return 0;
}

static int
load_notice_admin(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "to", "mode", "min_action", NULL };
	struct dlp_notice_conf *nc = &ld->c->notices;
	struct fy_node *v;
	char mode[16];

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "to")) != NULL &&
	    load_addrs(ld, v, "admin.to", &nc->admin_to, &nc->n_admin_to) < 0)
		return -1;
	if ((v = yaml_get(m, "min_action")) != NULL &&
	    config_get_action(ld, v, &nc->admin_min_action) < 0)
		return -1;
	if ((v = yaml_get(m, "mode")) == NULL)
		return 0;
	if (yaml_scalar(ld->err, ld->path, v, mode, sizeof(mode)) < 0)
		return -1;
	if (strcmp(mode, "none") == 0)
		nc->admin_mode = DLP_ADMIN_NONE;
	else if (strcmp(mode, "incident") == 0)
		nc->admin_mode = DLP_ADMIN_PER_INCIDENT;
	else if (strcmp(mode, "digest") == 0)
		nc->admin_mode = DLP_ADMIN_DIGEST;
	else
		return yaml_fail(ld->err, ld->path, v,
		    "admin.mode must be none, incident or digest");
	if (nc->admin_mode != DLP_ADMIN_NONE && nc->n_admin_to == 0)
		return yaml_fail(ld->err, ld->path, v,
		    "admin.mode %s needs admin.to addresses", mode);
	return 0;
}

int
config_load_notices(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "sender", "outcome", "templates",
		"from", "envelope_from", "transport", "sendmail", "smtp",
		"contact", "admin", NULL };
	struct dlp_notice_conf *nc = &ld->c->notices;
	struct fy_node *v;
	char t[16], *s;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "sender")) != NULL &&
	    load_notice_sender(ld, v) < 0)
		return -1;
	if ((v = yaml_get(m, "outcome")) != NULL &&
	    yaml_bool(ld->err, ld->path, v, &nc->outcome) < 0)
		return -1;
	if ((v = yaml_get(m, "templates")) != NULL &&
	    config_replace_path(ld, v, false, &nc->templates_dir) < 0)
		return -1;
	if ((v = yaml_get(m, "from")) != NULL) {
		if ((s = get_text(ld, v, "from", TEXT_MAX)) == NULL)
			return -1;
		free(nc->from);
		nc->from = s;
		if (check_from(ld, v, s) < 0)
			return -1;
	}
	if ((v = yaml_get(m, "envelope_from")) != NULL) {
		if (config_replace_str(ld, v, &nc->envelope_from) < 0)
			return -1;
		lower_ascii(nc->envelope_from);
		if (nc->envelope_from[0] != '\0' &&
		    !addr_ok(nc->envelope_from, false))
			return yaml_fail(ld->err, ld->path, v,
			    "envelope_from must be an address, or \"\" for "
			    "the null sender");
	}
	if ((v = yaml_get(m, "transport")) != NULL) {
		if (yaml_scalar(ld->err, ld->path, v, t, sizeof(t)) < 0)
			return -1;
		if (strcmp(t, "sendmail") == 0)
			nc->transport = DLP_NOTICE_SENDMAIL;
		else if (strcmp(t, "smtp") == 0)
			nc->transport = DLP_NOTICE_SMTP;
		else
			return yaml_fail(ld->err, ld->path, v,
			    "transport must be sendmail or smtp");
	}
	if ((v = yaml_get(m, "sendmail")) != NULL &&
	    config_replace_path(ld, v, false, &nc->sendmail_path) < 0)
		return -1;
	if ((v = yaml_get(m, "smtp")) != NULL && load_notice_smtp(ld, v) < 0)
		return -1;
	if ((v = yaml_get(m, "contact")) != NULL) {
		if ((s = get_text(ld, v, "contact", TEXT_MAX)) == NULL)
			return -1;
		free(nc->contact);
		nc->contact = s;
	}
	if ((v = yaml_get(m, "admin")) != NULL && load_notice_admin(ld, v) < 0)
		return -1;
	return 0;
}

/* ---- quarantine and audit ---------------------------------------------- */

/* A duration: seconds, or with s, m, h or d; 0 is allowed (never). */
static int
get_duration(struct loader *ld, struct fy_node *n, long long *out)
{
	char v[32], *end;
	unsigned long long x;
	long long mul = 1;
	size_t len;

	if (yaml_scalar(ld->err, ld->path, n, v, sizeof(v)) < 0)
		return -1;
	len = strlen(v);
	if (len > 1 && strchr("smhd", v[len - 1]) != NULL) {
		mul = v[len - 1] == 's' ? 1
		    : v[len - 1] == 'm' ? 60
		    : v[len - 1] == 'h' ? 3600
					: 86400;
		v[len - 1] = '\0';
	}
	errno = 0;
	if (v[0] < '0' || v[0] > '9' ||
	    (x = strtoull(v, &end, 10), *end != '\0') || errno != 0 ||
	    x > (unsigned long long)(DURATION_MAX / mul))
		return yaml_fail(ld->err, ld->path, n,
		    "expected a duration (seconds, or 30m, 12h, 14d) up to "
		    "3650d");
	*out = (long long)x * mul;
	return 0;
}

int
config_load_quarantine(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "database", "mta",
		"postfix_config_dir", "postsuper", "postcat", "sendmail",
		"sendmail_queue", "expire_after", "expire_action", NULL };
	static const struct {
		const char *key;
		size_t off;
	} paths[] = {
		{ "database", offsetof(struct dlp_quarantine_conf, db_path) },
		{ "postsuper",
		    offsetof(struct dlp_quarantine_conf, postsuper_path) },
		{ "postcat",
		    offsetof(struct dlp_quarantine_conf, postcat_path) },
		{ "sendmail",
		    offsetof(struct dlp_quarantine_conf, sendmail_path) },
		{ "sendmail_queue",
		    offsetof(struct dlp_quarantine_conf, sendmail_queue_dir) },
	};
	struct dlp_quarantine_conf *q = &ld->c->quarantine;
	struct fy_node *v;
	char w[16];
	size_t i;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if ((v = yaml_get(m, paths[i].key)) != NULL &&
		    config_replace_path(
			ld, v, false, (char **)((char *)q + paths[i].off)) < 0)
			return -1;
	if ((v = yaml_get(m, "postfix_config_dir")) != NULL &&
	    config_replace_path(ld, v, true, &q->postfix_config_dir) < 0)
		return -1;
	if ((v = yaml_get(m, "mta")) != NULL) {
		if (yaml_scalar(ld->err, ld->path, v, w, sizeof(w)) < 0)
			return -1;
		if (strcmp(w, "postfix") == 0)
			q->mta = DLP_MTA_POSTFIX;
		else if (strcmp(w, "sendmail") == 0)
			q->mta = DLP_MTA_SENDMAIL;
		else
			return yaml_fail(ld->err, ld->path, v,
			    "mta must be postfix or sendmail");
	}
	if ((v = yaml_get(m, "expire_after")) != NULL &&
	    get_duration(ld, v, &q->expire_after) < 0)
		return -1;
	if ((v = yaml_get(m, "expire_action")) != NULL) {
		if (yaml_scalar(ld->err, ld->path, v, w, sizeof(w)) < 0)
			return -1;
		if (strcmp(w, "delete") == 0)
			q->expire_action = DLP_EXPIRE_DELETE;
		else if (strcmp(w, "return") == 0)
			q->expire_action = DLP_EXPIRE_RETURN;
		else
			return yaml_fail(ld->err, ld->path, v,
			    "expire_action must be delete or return");
	}
	return 0;
}

int
config_load_audit(struct loader *ld, struct fy_node *m)
{
	static const char *const keys[] = { "file", "syslog", NULL };
	struct dlp_audit_conf *a = &ld->c->audit;
	struct fy_node *v;

	if (yaml_check_keys(ld->err, ld->path, m, keys) < 0)
		return -1;
	if ((v = yaml_get(m, "file")) != NULL &&
	    config_replace_path(ld, v, true, &a->file) < 0)
		return -1;
	if ((v = yaml_get(m, "syslog")) != NULL &&
	    yaml_bool(ld->err, ld->path, v, &a->syslog) < 0)
		return -1;
	return 0;
}

/* ---- the secret --------------------------------------------------------- */

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Decode the file's bytes: hex when every byte is a hex digit or
 * whitespace, raw bytes otherwise. 0 or -1 with err (the file, line 0).
 */
static int
secret_decode(const char *file, const unsigned char *b, size_t len,
    unsigned char *out, size_t *outlen, struct dlp_error *err)
{
	size_t i, digits = 0;
	bool hex = true;

	for (i = 0; i < len && hex; i++)
		if (hexval(b[i]) >= 0)
			digits++;
		else if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r' &&
		    b[i] != '\n')
			hex = false;
	if (!hex) {
		if (len < DLP_SECRET_MIN || len > DLP_SECRET_MAX) {
			dlp_error_set(err, file, 0,
			    "the secret must be %d to %d bytes, not %zu",
			    DLP_SECRET_MIN, DLP_SECRET_MAX, len);
			return -1;
		}
		memcpy(out, b, len);
		*outlen = len;
		return 0;
	}
	if (digits < SECRET_HEX_MIN || digits % 2 != 0 ||
	    digits / 2 > DLP_SECRET_MAX) {
		dlp_error_set(err, file, 0,
		    "a hex secret must be an even number of hex digits, "
		    "%d to %d, not %zu",
		    SECRET_HEX_MIN, 2 * DLP_SECRET_MAX, digits);
		return -1;
	}
	*outlen = 0;
	for (i = 0; i < len; i++) {
		int h = hexval(b[i]);

		if (h < 0)
			continue;
		if (digits-- % 2 == 0)
			out[*outlen] = (unsigned char)(h << 4);
		else
			out[(*outlen)++] |= (unsigned char)h;
	}
	return 0;
}

/*
 * Read the secret file into c. 0 when loaded, 1 when it does not exist,
 * -1 with err when it cannot be used.
 */
static int
secret_read(struct dlp_config *c, struct dlp_error *err)
{
	unsigned char b[SECRET_FILE_MAX + 1];
	const char *file = c->secret_file;
	size_t len = 0;
	struct stat st;
	ssize_t r;
	int fd, rc = -1;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		if (errno == ENOENT)
			return 1;
		dlp_error_set(err, file, 0, "cannot open the secret: %s",
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		dlp_error_set(err, file, 0, "the secret is not a regular file");
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		dlp_error_set(err, file, 0,
		    "the secret is open to group or others (mode %04o): "
		    "chmod 600 it",
		    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	while (len < sizeof(b) &&
	    ((r = read(fd, b + len, sizeof(b) - len)) > 0 ||
		(r < 0 && errno == EINTR)))
		if (r > 0)
			len += (size_t)r;
	if (r < 0) {
		dlp_error_set(err, file, 0, "cannot read the secret: %s",
		    strerror(errno));
		goto out;
	}
	if (len > SECRET_FILE_MAX) {
		dlp_error_set(err, file, 0,
		    "the secret file is longer than %d bytes", SECRET_FILE_MAX);
		goto out;
	}
	if (secret_decode(file, b, len, c->secret, &c->secret_len, err) < 0)
		goto out;
	rc = 0;
out:
	explicit_bzero(b, sizeof(b));
	close(fd);
	return rc;
}

int
config_load_secret(struct loader *ld, struct fy_node *n)
{
	struct dlp_config *c = ld->c;
	char *s;

	free(c->secret_file);
	c->secret_file = NULL;
	if (n == NULL)
		c->secret_file = config_path(ld, NULL, "dlp-milter.key");
	else if ((s = get_text(ld, n, "secret_file", 4096)) != NULL) {
		c->secret_file = config_path(ld, n, s);
		free(s);
	}
	if (c->secret_file == NULL)
		return -1;
	return secret_read(c, ld->err) < 0 ? -1 : 0;
}

int
config_secret_create(struct dlp_config *c, struct dlp_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[SECRET_CREATE_BYTES];
	char text[2 * SECRET_CREATE_BYTES + 1];
	size_t got = 0, i;
	ssize_t r;
	int fd, rc;

	if (c->secret_file == NULL || c->secret_len > 0)
		return 0;
	fd = open(c->secret_file,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST) {
		dlp_error_set(err, c->secret_file, 0,
		    "cannot create the secret: %s", strerror(errno));
		return -1;
	}
	if (fd >= 0) {
		while (got < sizeof(raw) &&
		    ((r = getrandom(raw + got, sizeof(raw) - got, 0)) > 0 ||
			(r < 0 && errno == EINTR)))
			if (r > 0)
				got += (size_t)r;
		for (i = 0; i < sizeof(raw); i++) {
			text[2 * i] = hex[raw[i] >> 4];
			text[2 * i + 1] = hex[raw[i] & 15];
		}
		text[sizeof(text) - 1] = '\n';
		rc = got == sizeof(raw) &&
			write(fd, text, sizeof(text)) ==
			    (ssize_t)sizeof(text) &&
			fsync(fd) == 0
		    ? 0
		    : -1;
		explicit_bzero(raw, sizeof(raw));
		explicit_bzero(text, sizeof(text));
		if (close(fd) < 0 || rc < 0) {
			dlp_error_set(err, c->secret_file, 0,
			    "cannot write the secret: %s",
			    got == sizeof(raw) ? strerror(errno)
					       : "no random bytes");
			unlink(c->secret_file);
			return -1;
		}
	}
	/* ours, or one another process made just now: read it either way */
	if ((rc = secret_read(c, err)) > 0)
		dlp_error_set(err, c->secret_file, 0,
		    "the secret vanished after it was created");
	return rc == 0 ? 0 : -1;
}

/* ---- defaults and freeing ---------------------------------------------- */

int
config_org_defaults(struct dlp_config *c)
{
	struct dlp_notice_conf *nc = &c->notices;
	struct dlp_quarantine_conf *q = &c->quarantine;

	c->policy.size_action = DLP_REJECT;
	c->policy.ban_action = DLP_REJECT;
	c->policy.exposure_action = DLP_QUARANTINE;
	nc->sender[DLP_REJECT] = true;
	nc->sender[DLP_QUARANTINE] = true;
	nc->sender[DLP_APPROVE] = true;
	nc->outcome = true;
	nc->transport = DLP_NOTICE_SENDMAIL;
	nc->smtp_port = 25;
	nc->admin_mode = DLP_ADMIN_NONE;
	nc->admin_min_action = DLP_QUARANTINE;
	q->mta = DLP_MTA_POSTFIX;
	q->expire_after = 14 * 86400LL;
	q->expire_action = DLP_EXPIRE_DELETE;
	c->audit.syslog = false;
	if ((nc->templates_dir = strdup("conf/templates")) == NULL ||
	    (nc->from = strdup("dlp-milter <postmaster@localhost>")) == NULL ||
	    (nc->envelope_from = strdup("")) == NULL ||
	    (nc->sendmail_path = strdup("/usr/sbin/sendmail")) == NULL ||
	    (nc->smtp_host = strdup("127.0.0.1")) == NULL ||
	    (nc->contact = strdup("メール管理者 (your mail administrator)")) ==
		NULL ||
	    (q->db_path = strdup("/var/lib/dlp-milter/incidents.db")) == NULL ||
	    (q->postsuper_path = strdup("/usr/sbin/postsuper")) == NULL ||
	    (q->postcat_path = strdup("/usr/sbin/postcat")) == NULL ||
	    (q->sendmail_path = strdup("/usr/sbin/sendmail")) == NULL ||
	    (q->sendmail_queue_dir = strdup("/var/spool/mqueue")) == NULL ||
	    (c->audit.file = strdup("/var/log/dlp-milter/audit.jsonl")) == NULL)
		return -1;
	return 0;
}

static void
domain_rules_free(struct dlp_domain_rule *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].domain);
		config_free_strv(r[i].kinds, r[i].n_kinds);
	}
	free(r);
}

void
config_org_free(struct dlp_config *c)
{
	struct dlp_policy *p = &c->policy;
	size_t i;

	domain_rules_free(p->allow, p->n_allow);
	domain_rules_free(p->deny, p->n_deny);
	for (i = 0; i < p->n_exceptions; i++) {
		struct dlp_exception *e = &p->exceptions[i];

		free(e->id);
		config_free_strv(e->senders, e->n_senders);
		config_free_strv(e->rules, e->n_rules);
		free(e->reason);
		free(e->approved_by);
	}
	free(p->exceptions);
	config_free_strv(p->ban.v, p->ban.n);
	free(p->ban.nets);
	free(c->approval.map_file);
	for (i = 0; i < c->approval.n_map; i++) {
		free(c->approval.map[i].who);
		config_free_strv(c->approval.map[i].approvers,
		    c->approval.map[i].n_approvers);
	}
	free(c->approval.map);
	config_free_strv(c->approval.default_approvers, c->approval.n_default);
	free(c->notices.templates_dir);
	free(c->notices.from);
	free(c->notices.envelope_from);
	free(c->notices.sendmail_path);
	free(c->notices.smtp_host);
	free(c->notices.contact);
	config_free_strv(c->notices.admin_to, c->notices.n_admin_to);
	free(c->quarantine.db_path);
	free(c->quarantine.postfix_config_dir);
	free(c->quarantine.postsuper_path);
	free(c->quarantine.postcat_path);
	free(c->quarantine.sendmail_path);
	free(c->quarantine.sendmail_queue_dir);
	free(c->audit.file);
	free(c->secret_file);
	explicit_bzero(c->secret, sizeof(c->secret));
	c->secret_len = 0;
}
