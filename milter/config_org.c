/*
 * config_org - the organisation's part of the configuration: the policy's
 * organisation keys (max_message_size, recipients, groups, exceptions,
 * attachment_ban, recipient_exposure) and approval: with its approvers
 * map file; also the value checks (addresses, domains, text) that
 * config_ops.c shares. config.h declares the structs; conf/dlp-milter.yaml
 * says what every key means and shows its default.
 *
 * As in config.c, every key and value is checked, and a mistake is
 * refused as "file:line: message": a typo in an exception or a domain
 * rule must not silently widen what leaves. The approvers map is a file
 * of its own; its errors name that file and its line. Relative paths are
 * taken beside the config file. policy.groups exist only while the file
 * loads: "group:NAME" in a sender list is replaced by the group's members.
 *
 * Limits: ORG_LIST_MAX entries in any list (after groups are expanded),
 * GROUPS_MAX groups, MAP_LINE_MAX bytes in a map line, MAP_ENTRIES_MAX
 * lines in the map. One loader per config_load() call; the loaded config
 * is immutable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

#define ORG_LIST_MAX	10000  /* entries of one list */
#define GROUPS_MAX	1000   /* policy.groups */
#define ID_MAX		64     /* bytes of an exception id */
#define NAME_MAX_LEN	128    /* a group, kind or rule name */
#define MAP_LINE_MAX	4096   /* bytes of one approvers map line */
#define MAP_ENTRIES_MAX 100000 /* lines of the approvers map */

/* A named address list (policy.groups), kept while the file loads. */
struct cfg_group {
	char *name;
	char **v;
	size_t n;
};

/* ---- small string checks ---------------------------------------------- */

void
config_lower(char *s)
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
bool
config_addr_ok(const char *s, bool allow_domain)
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
char *
config_get_text(
    struct loader *ld, struct fy_node *n, const char *what, size_t max)
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
	config_lower(s);
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
	config_lower(s);
	if (!config_addr_ok(s, allow_domain)) {
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
int
config_load_addrs(struct loader *ld, struct fy_node *seq, const char *what,
    char ***v, size_t *n)
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
	    (e->reason = config_get_text(ld, v, "reason", TEXT_MAX)) == NULL)
		return -1;
	if ((v = yaml_get(it, "approved_by")) == NULL ||
	    (e->approved_by =
		    config_get_text(ld, v, "approved_by", TEXT_MAX)) == NULL)
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

	config_lower(line);
	if ((n = split_words(line, w, MAP_WORDS_MAX)) == 0)
		return 0;
	if (n > MAP_WORDS_MAX || a->n_map >= MAP_ENTRIES_MAX) {
		dlp_error_set(ld->err, file, lineno,
		    "too many entries (%d lines, %d approvers a line)",
		    MAP_ENTRIES_MAX, MAP_WORDS_MAX - 1);
		return -1;
	}
	if (!config_addr_ok(w[0], true)) {
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

		if (!config_addr_ok(w[i], false)) {
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
	    config_load_addrs(ld, v, "approval.default", &a->default_approvers,
		&a->n_default) < 0)
		return -1;
	if ((v = yaml_get(m, "map_file")) == NULL)
		return 0;
	if (config_replace_path(ld, v, true, &a->map_file) < 0)
		return -1;
	return a->map_file != NULL ? load_map(ld, v, a->map_file) : 0;
}

/* ---- defaults and freeing ---------------------------------------------- */

int
config_org_defaults(struct dlp_config *c)
{
	c->policy.size_action = DLP_REJECT;
	c->policy.ban_action = DLP_REJECT;
	c->policy.exposure_action = DLP_QUARANTINE;
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
}
