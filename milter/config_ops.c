/*
 * config_ops - the operational sections of the configuration: notices:
 * (how senders and administrators are told), quarantine: (the incident
 * store and the MTA's hold queue), audit: (the JSON-lines trail) and
 * secret_file: (the key of fingerprints and notice signatures).
 * config.h declares the structs; conf/dlp-milter.yaml says what every key
 * means and shows its default.
 *
 * As in config.c, every key and value is checked and refused with
 * "file:line: message". Paths are taken beside the config file. Text that
 * ends up in mail headers (from, contact) is refused when it holds a
 * control character, so a config cannot inject header fields.
 *
 * The secret file must be a regular file private to its owner (no
 * permission bits for group or others): whoever reads it can forge
 * notices and tie fingerprints back to values. It holds 64 or more hex
 * digits (whitespace ignored) or raw bytes, DLP_SECRET_MIN to
 * DLP_SECRET_MAX of them once decoded; errors name the secret file (line
 * 0). config_secret_create() makes one with O_EXCL, so two daemons
 * starting at once agree on one secret. The secret is wiped when the
 * config is freed.
 *
 * Limits: SECRET_FILE_MAX bytes of secret file; durations up to ten
 * years. One loader per config_load() call; the result is immutable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"

#define SECRET_FILE_MAX	    4096 /* bytes of the secret file */
#define SECRET_HEX_MIN	    64	 /* hex digits of a hex secret */
#define SECRET_CREATE_BYTES 32
#define DURATION_MAX	    (3650LL * 86400) /* ten years */

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
	config_lower(addr);
	if (config_addr_ok(addr, false))
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
		if ((h = config_get_text(ld, v, "smtp.host", DOMAIN_MAX)) ==
		    NULL)
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
	    config_load_addrs(
		ld, v, "admin.to", &nc->admin_to, &nc->n_admin_to) < 0)
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
		if ((s = config_get_text(ld, v, "from", TEXT_MAX)) == NULL)
			return -1;
		free(nc->from);
		nc->from = s;
		if (check_from(ld, v, s) < 0)
			return -1;
	}
	if ((v = yaml_get(m, "envelope_from")) != NULL) {
		if (config_replace_str(ld, v, &nc->envelope_from) < 0)
			return -1;
		config_lower(nc->envelope_from);
		if (nc->envelope_from[0] != '\0' &&
		    !config_addr_ok(nc->envelope_from, false))
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
		if ((s = config_get_text(ld, v, "contact", TEXT_MAX)) == NULL)
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
	else if ((s = config_get_text(ld, n, "secret_file", 4096)) != NULL) {
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
config_ops_defaults(struct dlp_config *c)
{
	struct dlp_notice_conf *nc = &c->notices;
	struct dlp_quarantine_conf *q = &c->quarantine;

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

void
config_ops_free(struct dlp_config *c)
{
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
