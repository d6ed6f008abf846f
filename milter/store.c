/*
 * store - the incident store (store.h): one SQLite database in WAL mode.
 *
 * Why SQLite and this shape: the daemon writes one small transaction per
 * stopped message from many threads, while dlp-quarantine reads and
 * decides from another process; WAL lets readers go on while one writer
 * commits, and synchronous=NORMAL keeps a commit to one fsync of the WAL
 * at checkpoints (a crash may lose the last commits, never corrupt the
 * file). Every statement is prepared with bound parameters; no value is
 * ever pasted into SQL text (only fixed fragments chosen from constant
 * tables, as the stats period's expression).
 *
 * Deleted rows are overwritten (secure_delete): a sent notice may have
 * carried an expired original back to its sender, and a purged incident
 * should not linger in free pages.
 *
 * Tables (schema version 1, PRAGMA user_version): incidents, recipients,
 * findings, approvers, history (every decision), notices and
 * notice_rcpts (the outbox). Children go with their incident (foreign
 * keys, ON DELETE CASCADE); notices do not reference incidents, so a
 * notice survives a purge and an incident that failed to be recorded.
 *
 * What it does not do: decide anything about mail (the caller does the
 * MTA action first, then records it here), log, or keep a value in
 * clear (findings carry masked samples and keyed fingerprints; a subject
 * or file name in which a finding was made is kept with its digits
 * masked; the one exception is an
 * expired original on its way back to its sender, in the outbox until it
 * is sent).
 *
 * Limits: store_list() returns at most STORE_LIST_MAX incidents; an
 * incident's strings are bounded by what the engine produced.
 *
 * Thread-safety: one struct store per thread, or serialised by the
 * caller (the connection itself is opened in SQLite's serialised mode).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "buf.h"
#include "report.h"
#include "store.h"

#define SCHEMA_VERSION 1
#define BUSY_MS	       5000
#define STORE_LIST_MAX 100000

struct store {
	sqlite3 *db;
	char err[512];
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS incidents ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " time INTEGER NOT NULL,"
    " queue_id TEXT,"
    " sender TEXT NOT NULL,"
    " subject TEXT,"
    " size INTEGER NOT NULL DEFAULT 0,"
    " action TEXT NOT NULL,"
    " would TEXT NOT NULL,"
    " why INTEGER NOT NULL DEFAULT 0,"
    " reasons TEXT,"
    " ruleset TEXT,"
    " state TEXT NOT NULL,"
    " decided_by TEXT,"
    " decided_at INTEGER NOT NULL DEFAULT 0,"
    " decision_reason TEXT);"
    "CREATE INDEX IF NOT EXISTS incidents_time ON incidents (time);"
    "CREATE INDEX IF NOT EXISTS incidents_state ON incidents (state, time);"
    "CREATE INDEX IF NOT EXISTS incidents_sender ON incidents "
    " (sender COLLATE NOCASE);"
    "CREATE TABLE IF NOT EXISTS recipients ("
    " incident TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " addr TEXT NOT NULL,"
    " PRIMARY KEY (incident, seq));"
    "CREATE TABLE IF NOT EXISTS findings ("
    " incident TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " path TEXT NOT NULL,"
    " place TEXT,"
    " location TEXT,"
    " rule_id TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " name_ja TEXT,"
    " name_en TEXT,"
    " confidence TEXT NOT NULL,"
    " distinct_values INTEGER NOT NULL,"
    " masked TEXT,"
    " fingerprint TEXT,"
    " counted INTEGER NOT NULL,"
    " PRIMARY KEY (incident, seq));"
    "CREATE INDEX IF NOT EXISTS findings_rule ON findings (rule_id);"
    "CREATE INDEX IF NOT EXISTS findings_kind ON findings (kind);"
    "CREATE TABLE IF NOT EXISTS approvers ("
    " incident TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,"
    " addr TEXT NOT NULL COLLATE NOCASE,"
    " PRIMARY KEY (incident, addr));"
    "CREATE INDEX IF NOT EXISTS approvers_addr ON approvers (addr);"
    "CREATE TABLE IF NOT EXISTS history ("
    " id INTEGER PRIMARY KEY,"
    " incident TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,"
    " time INTEGER NOT NULL,"
    " from_state TEXT NOT NULL,"
    " to_state TEXT NOT NULL,"
    " actor TEXT NOT NULL,"
    " reason TEXT);"
    "CREATE INDEX IF NOT EXISTS history_incident ON history (incident);"
    "CREATE TABLE IF NOT EXISTS notices ("
    " id INTEGER PRIMARY KEY,"
    " incident TEXT,"
    " created INTEGER NOT NULL,"
    " envelope_from TEXT NOT NULL,"
    " message BLOB NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_try INTEGER NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'queued');"
    "CREATE INDEX IF NOT EXISTS notices_due ON notices (state, next_try);"
    "CREATE TABLE IF NOT EXISTS notice_rcpts ("
    " notice INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " addr TEXT NOT NULL,"
    " PRIMARY KEY (notice, seq));";

static const char *const state_names[] = {
	[STORE_DONE] = "done",
	[STORE_HELD] = "held",
	[STORE_RELEASED] = "released",
	[STORE_DELETED] = "deleted",
	[STORE_APPROVED] = "approved",
	[STORE_REJECTED] = "rejected",
	[STORE_EXPIRED] = "expired",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
store_state_name(enum store_state s)
{
	return (size_t)s < NELEM(state_names) ? state_names[s] : "?";
}

int
store_state_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < NELEM(state_names); i++)
		if (strcmp(name, state_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
store_errmsg(const struct store *st)
{
	return st != NULL ? st->err : "no store";
}

static void __attribute__((format(printf, 2, 3)))
set_err(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

/* An SQLite failure: what we were doing and what SQLite said. */
static int
db_fail(struct store *st, const char *what)
{
	int code = sqlite3_errcode(st->db);

	set_err(st, "%s: %s", what, sqlite3_errmsg(st->db));
	return code == SQLITE_NOMEM ? STORE_ENOMEM : STORE_EIO;
}

static int
exec(struct store *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, what);
	return 0;
}

static int
prep(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK) {
		*stmt = NULL;
		return db_fail(st, "prepare");
	}
	return 0;
}

static void
rollback(struct store *st)
{
	/* keeps the first error: the rollback's own would hide it */
	(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	return v != NULL ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT)
			 : sqlite3_bind_null(s, i);
}

/* Copy column i (text or NULL) into *out. false when memory ran out. */
static bool
col_dup(sqlite3_stmt *s, int i, char **out)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	*out = NULL;
	if (t == NULL) /* NULL, or SQLite's own allocation failed */
		return sqlite3_column_type(s, i) == SQLITE_NULL;
	return (*out = strdup((const char *)t)) != NULL;
}

static bool
dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return true;
	return (*dst = strdup(src)) != NULL;
}

/* An address without its <> (and surrounding blanks); "" for NULL. */
static char *
addr_dup(const char *a)
{
	size_t n;

	if (a == NULL)
		a = "";
	while (*a == ' ' || *a == '\t')
		a++;
	n = strlen(a);
	while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
		n--;
	if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
		a++;
		n -= 2;
	}
	return strndup(a, n);
}

/* ---- open ---- */

/* mkdir -p of path's directory, new directories 0700. */
static int
make_parent(const char *path, char *msg, size_t msglen)
{
	char dir[PATH_MAX];
	char *slash, c;
	size_t i;
	struct stat sb;

	if (strlen(path) >= sizeof(dir)) {
		snprintf(msg, msglen, "%s: path too long", path);
		return -1;
	}
	memcpy(dir, path, strlen(path) + 1);
	if ((slash = strrchr(dir, '/')) == NULL)
		return 0; /* the current directory */
	if (slash == dir)
		return 0; /* "/x.db" */
	*slash = '\0';
	if (stat(dir, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return 0;
		snprintf(msg, msglen, "%s: not a directory", dir);
		return -1;
	}
	for (i = 1; dir[i - 1] != '\0'; i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		c = dir[i];
		dir[i] = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			snprintf(msg, msglen, "cannot create %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		dir[i] = c;
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(msg, msglen, "%s: not a directory", dir);
		return -1;
	}
	return 0;
}

static int
user_version(struct store *st, int *v)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = prep(st, "PRAGMA user_version", &s)) != 0)
		return rc;
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = db_fail(st, "read the schema version");
		sqlite3_finalize(s);
		return rc;
	}
	*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

static int
setup(struct store *st, const char *path)
{
	sqlite3_stmt *s;
	int v, rc;

	sqlite3_busy_timeout(st->db, BUSY_MS);
	if ((rc = user_version(st, &v)) != 0)
		return rc;
	if (v > SCHEMA_VERSION) {
		set_err(st,
		    "%s: schema version %d is newer than this program's (%d)",
		    path, v, SCHEMA_VERSION);
		return STORE_EIO;
	}
	/* journal_mode answers with the mode now in force */
	if ((rc = prep(st, "PRAGMA journal_mode=WAL", &s)) != 0)
		return rc;
	if (sqlite3_step(s) != SQLITE_ROW ||
	    sqlite3_column_text(s, 0) == NULL ||
	    strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
		rc = db_fail(st, "set journal_mode WAL");
		sqlite3_finalize(s);
		return rc;
	}
	sqlite3_finalize(s);
	if ((rc = exec(st,
		 "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
		 " PRAGMA secure_delete=ON",
		 "set pragmas")) != 0)
		return rc;
	if (v == SCHEMA_VERSION)
		return 0;
	if ((rc = exec(st, "BEGIN IMMEDIATE", "begin")) != 0)
		return rc;
	/* another process may have created it while we waited */
	if ((rc = user_version(st, &v)) != 0)
		goto fail;
	if (v == 0) {
		if ((rc = exec(st, schema_sql, "create the schema")) != 0 ||
		    (rc = exec(st, "PRAGMA user_version=1",
			 "set the schema version")) != 0)
			goto fail;
	} else if (v != SCHEMA_VERSION) {
		set_err(st, "%s: schema version %d is not %d", path, v,
		    SCHEMA_VERSION);
		rc = STORE_EIO;
		goto fail;
	}
	return exec(st, "COMMIT", "commit the schema");
fail:
	rollback(st);
	return rc;
}

struct store *
store_open(const char *path, char *msg, size_t msglen)
{
	struct store *st;
	int fd;

	if (path == NULL || *path == '\0') {
		snprintf(msg, msglen, "no database path configured");
		return NULL;
	}
	if (make_parent(path, msg, msglen) != 0)
		return NULL;
	/* created here with 0600, so that no umask widens it; SQLite
	   gives its -wal and -shm files the database file's mode */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(
		    msg, msglen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	close(fd);
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &st->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
		NULL) != SQLITE_OK) {
		snprintf(msg, msglen, "cannot open %s: %s", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return NULL;
	}
	sqlite3_extended_result_codes(st->db, 0);
	if (setup(st, path) != 0) {
		snprintf(msg, msglen, "%s", st->err);
		store_close(st);
		return NULL;
	}
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_close_v2(st->db);
	free(st);
}

/* ---- incidents in memory ---- */

static void
finding_clear(struct store_finding *f)
{
	free(f->path);
	free(f->where);
	free(f->location);
	free(f->rule_id);
	free(f->kind);
	free(f->name_ja);
	free(f->name_en);
	buf_free_string(f->masked);
	free(f->fingerprint);
	memset(f, 0, sizeof(*f));
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

void
store_incident_clear(struct store_incident *inc)
{
	size_t i;

	if (inc == NULL)
		return;
	free(inc->queue_id);
	free(inc->sender);
	strv_free(inc->rcpts, inc->n_rcpts);
	buf_free_string(inc->subject);
	free(inc->reasons);
	free(inc->ruleset);
	free(inc->decided_by);
	free(inc->decision_reason);
	strv_free(inc->approvers, inc->n_approvers);
	for (i = 0; inc->findings != NULL && i < inc->n_findings; i++)
		finding_clear(&inc->findings[i]);
	free(inc->findings);
	memset(inc, 0, sizeof(*inc));
}

static char *
join_reasons(const struct dlp_report *rep)
{
	struct buf b;
	size_t i;
	char *out;

	buf_init(&b, 64 * 1024);
	for (i = 0; i < rep->n_reasons; i++) {
		if (rep->reasons[i] == NULL)
			continue;
		if (b.len > 0 && buf_puts(&b, "; ") == BUF_ENOMEM)
			goto nomem;
		if (buf_puts(&b, rep->reasons[i]) == BUF_ENOMEM)
			goto nomem;
	}
	out = strdup(buf_cstr(&b)); /* a cut-off list is still useful */
	buf_free(&b);
	return out;
nomem:
	buf_free(&b);
	return NULL;
}

/* Whether a finding lies in the subject: its digits are then masked. */
static bool
subject_has_finding(const struct dlp_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n_findings; i++)
		if (rep->findings[i].path != NULL &&
		    strcmp(rep->findings[i].path, "subject") == 0)
			return true;
	return false;
}

/*
 * Every digit of s[0..len) as '*', ASCII or full-width (U+FF10..19
 * become U+FF0A, FULLWIDTH ASTERISK), in place: lengths do not change.
 * The same rule as the notices' (notice.c), so a masked text stays as
 * it is when a notice masks it again.
 */
static void
mask_digits(char *s, size_t len)
{
	unsigned char *p = (unsigned char *)s;
	size_t i;

	for (i = 0; i < len && p[i] != '\0'; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			p[i] = '*';
		else if (i + 2 < len && p[i] == 0xef && p[i + 1] == 0xbc &&
		    p[i + 2] >= 0x90 && p[i + 2] <= 0x99) {
			p[i + 2] = 0x8a;
			i += 2;
		}
	}
}

/* A node path's names, after its MIME section ("2/名簿.zip/a.csv"). */
static void
mask_path_names(char *path)
{
	char *slash = strchr(path, '/');

	if (slash != NULL)
		mask_digits(slash, strlen(slash));
}

/*
 * Whether the node at path is, or lies inside, a file whose name held a
 * value (a finding at location "name"): then the names in its path and
 * place are masked, since they carry the value.
 */
static bool
name_flagged(const struct dlp_report *rep, const char *path)
{
	const struct dlp_finding *g;
	size_t i, n;

	if (path == NULL)
		return false;
	for (i = 0; i < rep->n_findings; i++) {
		g = &rep->findings[i];
		if (g->location == NULL || strcmp(g->location, "name") != 0 ||
		    g->path == NULL || strchr(g->path, '/') == NULL)
			continue;
		n = strlen(g->path);
		if (strncmp(path, g->path, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

/* The names of flagged files where the reasons quote their paths. */
static void
mask_reasons(char *reasons, const struct dlp_report *rep)
{
	const struct dlp_finding *g;
	char *hit, *slash;
	size_t i, n;

	for (i = 0; i < rep->n_findings; i++) {
		g = &rep->findings[i];
		if (g->location == NULL || strcmp(g->location, "name") != 0 ||
		    g->path == NULL || (slash = strchr(g->path, '/')) == NULL)
			continue;
		n = strlen(g->path);
		for (hit = strstr(reasons, g->path); hit != NULL;
		     hit = strstr(hit + n, g->path))
			mask_digits(hit + (slash - g->path),
			    n - (size_t)(slash - g->path));
	}
}

static int
findings_from_report(struct store_incident *inc, const struct dlp_report *rep)
{
	size_t i;

	if (rep->n_findings == 0)
		return 0;
	inc->findings = calloc(rep->n_findings, sizeof(*inc->findings));
	if (inc->findings == NULL)
		return STORE_ENOMEM;
	for (i = 0; i < rep->n_findings; i++) {
		const struct dlp_finding *f = &rep->findings[i];
		struct store_finding *o = &inc->findings[i];

		inc->n_findings = i + 1;
		if (!dup_str(&o->path, f->path ? f->path : "") ||
		    !dup_str(&o->location, f->location) ||
		    !dup_str(&o->rule_id, f->rule_id ? f->rule_id : "") ||
		    !dup_str(&o->kind, f->kind ? f->kind : "") ||
		    !dup_str(&o->name_ja, f->name_ja) ||
		    !dup_str(&o->name_en, f->name_en) ||
		    !dup_str(&o->masked, f->masked) ||
		    !dup_str(&o->fingerprint, f->fingerprint))
			return STORE_ENOMEM;
		/* NULL both when no file name contains it and on ENOMEM:
		   a missing place only makes the notice less precise */
		o->where = report_place(rep, f->path);
		if (name_flagged(rep, f->path)) {
			mask_path_names(o->path);
			if (o->where != NULL)
				mask_digits(o->where, strlen(o->where));
		}
		o->confidence = f->confidence;
		o->count = f->count;
		o->counted = !f->monitor && f->exception == NULL;
	}
	return 0;
}

int
store_incident_from_report(struct store_incident *inc, const char *incident_id,
    const char *queue_id, const struct dlp_envelope *env,
    const struct dlp_report *rep, enum dlp_action action, long long now)
{
	size_t i;

	memset(inc, 0, sizeof(*inc));
	snprintf(inc->id, sizeof(inc->id), "%s",
	    incident_id != NULL ? incident_id : "");
	inc->time = now;
	inc->action = action;
	inc->would = rep != NULL ? rep->would_action : action;
	inc->why = rep != NULL ? rep->why : 0;
	inc->state = action == DLP_QUARANTINE || action == DLP_APPROVE
	    ? STORE_HELD
	    : STORE_DONE;
	if (!dup_str(&inc->queue_id, queue_id))
		goto nomem;
	if ((inc->sender = addr_dup(env != NULL ? env->sender : NULL)) == NULL)
		goto nomem;
	if (env != NULL && env->n_rcpts > 0) {
		inc->rcpts = calloc(env->n_rcpts, sizeof(*inc->rcpts));
		if (inc->rcpts == NULL)
			goto nomem;
		for (i = 0; i < env->n_rcpts; i++) {
			if ((inc->rcpts[i] = addr_dup(env->rcpts[i])) == NULL)
				goto nomem;
			inc->n_rcpts = i + 1;
		}
	}
	if (rep == NULL)
		return 0;
	inc->size = rep->message_size;
	if (!dup_str(&inc->subject, rep->subject))
		goto nomem;
	if (inc->subject != NULL && subject_has_finding(rep))
		mask_digits(inc->subject, strlen(inc->subject));
	if ((inc->reasons = join_reasons(rep)) == NULL ||
	    !dup_str(&inc->ruleset, rep->ruleset_version))
		goto nomem;
	mask_reasons(inc->reasons, rep);
	if (findings_from_report(inc, rep) != 0)
		goto nomem;
	return 0;
nomem:
	store_incident_clear(inc);
	return STORE_ENOMEM;
}

/* ---- writing an incident ---- */

static int
step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE)
		return db_fail(st, what);
	return 0;
}

static int
add_findings(struct store *st, const struct store_incident *inc)
{
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if ((rc = prep(st,
		 "INSERT INTO findings (incident, seq, path, place, location,"
		 " rule_id, kind, name_ja, name_en, confidence,"
		 " distinct_values, masked, fingerprint, counted)"
		 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		 &s)) != 0)
		return rc;
	for (i = 0; i < inc->n_findings && rc == 0; i++) {
		const struct store_finding *f = &inc->findings[i];

		sqlite3_reset(s);
		bind_text(s, 1, inc->id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, f->path != NULL ? f->path : "");
		bind_text(s, 4, f->where);
		bind_text(s, 5, f->location);
		bind_text(s, 6, f->rule_id != NULL ? f->rule_id : "");
		bind_text(s, 7, f->kind != NULL ? f->kind : "");
		bind_text(s, 8, f->name_ja);
		bind_text(s, 9, f->name_en);
		bind_text(s, 10, dlp_confidence_name(f->confidence));
		sqlite3_bind_int64(s, 11, (sqlite3_int64)f->count);
		bind_text(s, 12, f->masked);
		bind_text(s, 13, f->fingerprint);
		sqlite3_bind_int(s, 14, f->counted ? 1 : 0);
		rc = step_done(st, s, "insert a finding");
	}
	sqlite3_finalize(s);
	return rc;
}

/* Insert addresses into table (incident, seq, addr) or approvers. */
static int
add_addrs(struct store *st, const char *sql, const char *id, char *const *v,
    size_t n, bool lower)
{
	sqlite3_stmt *s;
	size_t i, j;
	int rc;

	if (n == 0)
		return 0;
	if ((rc = prep(st, sql, &s)) != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		char *a = addr_dup(v[i]);

		if (a == NULL) {
			rc = STORE_ENOMEM;
			break;
		}
		for (j = 0; lower && a[j] != '\0'; j++)
			if (a[j] >= 'A' && a[j] <= 'Z')
				a[j] = (char)(a[j] - 'A' + 'a');
		sqlite3_reset(s);
		bind_text(s, 1, id);
		if (lower) {
			bind_text(s, 2, a);
		} else {
			sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
			bind_text(s, 3, a);
		}
		free(a);
		rc = step_done(st, s, "insert an address");
	}
	sqlite3_finalize(s);
	return rc;
}

int
store_add(struct store *st, const struct store_incident *inc)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (inc->id[0] == '\0') {
		set_err(st, "an incident without an id");
		return STORE_EIO;
	}
	if ((rc = exec(st, "BEGIN IMMEDIATE", "begin")) != 0)
		return rc;
	if ((rc = prep(st,
		 "INSERT INTO incidents (id, time, queue_id, sender, subject,"
		 " size, action, would, why, reasons, ruleset, state,"
		 " decided_by, decided_at, decision_reason)"
		 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		 &s)) != 0)
		goto fail;
	bind_text(s, 1, inc->id);
	sqlite3_bind_int64(s, 2, inc->time);
	bind_text(s, 3, inc->queue_id);
	bind_text(s, 4, inc->sender != NULL ? inc->sender : "");
	bind_text(s, 5, inc->subject);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)inc->size);
	bind_text(s, 7, dlp_action_name(inc->action));
	bind_text(s, 8, dlp_action_name(inc->would));
	sqlite3_bind_int64(s, 9, inc->why);
	bind_text(s, 10, inc->reasons);
	bind_text(s, 11, inc->ruleset);
	bind_text(s, 12, store_state_name(inc->state));
	bind_text(s, 13, inc->decided_by);
	sqlite3_bind_int64(s, 14, inc->decided_at);
	bind_text(s, 15, inc->decision_reason);
	if ((rc = step_done(st, s, "insert the incident")) != 0)
		goto fail;
	if ((rc = add_addrs(st,
		 "INSERT INTO recipients (incident, seq, addr) VALUES (?,?,?)",
		 inc->id, inc->rcpts, inc->n_rcpts, false)) != 0 ||
	    (rc = add_addrs(st,
		 "INSERT OR IGNORE INTO approvers (incident, addr)"
		 " VALUES (?,?)",
		 inc->id, inc->approvers, inc->n_approvers, true)) != 0 ||
	    (rc = add_findings(st, inc)) != 0)
		goto fail;
	sqlite3_finalize(s);
	s = NULL;
	if ((rc = exec(st, "COMMIT", "commit")) != 0)
		goto fail;
	return 0;
fail:
	sqlite3_finalize(s);
	rollback(st);
	return rc;
}

/* ---- reading incidents ---- */

#define INCIDENT_COLS                                                      \
	"i.id, i.time, i.queue_id, i.sender, i.subject, i.size, i.action," \
	" i.would, i.why, i.reasons, i.ruleset, i.state, i.decided_by,"    \
	" i.decided_at, i.decision_reason"

static int
row_incident(sqlite3_stmt *s, struct store_incident *inc)
{
	const unsigned char *t;
	int v;

	memset(inc, 0, sizeof(*inc));
	t = sqlite3_column_text(s, 0);
	snprintf(inc->id, sizeof(inc->id), "%s", t ? (const char *)t : "");
	inc->time = sqlite3_column_int64(s, 1);
	if (!col_dup(s, 2, &inc->queue_id) || !col_dup(s, 3, &inc->sender) ||
	    !col_dup(s, 4, &inc->subject))
		return STORE_ENOMEM;
	inc->size = (size_t)sqlite3_column_int64(s, 5);
	v = dlp_action_parse((const char *)sqlite3_column_text(s, 6));
	inc->action = v < 0 ? DLP_ACCEPT : (enum dlp_action)v;
	v = dlp_action_parse((const char *)sqlite3_column_text(s, 7));
	inc->would = v < 0 ? DLP_ACCEPT : (enum dlp_action)v;
	inc->why = (unsigned)sqlite3_column_int64(s, 8);
	if (!col_dup(s, 9, &inc->reasons) || !col_dup(s, 10, &inc->ruleset))
		return STORE_ENOMEM;
	v = store_state_parse((const char *)sqlite3_column_text(s, 11));
	inc->state = v < 0 ? STORE_DONE : (enum store_state)v;
	if (!col_dup(s, 12, &inc->decided_by))
		return STORE_ENOMEM;
	inc->decided_at = sqlite3_column_int64(s, 13);
	if (!col_dup(s, 14, &inc->decision_reason))
		return STORE_ENOMEM;
	if (inc->sender == NULL && (inc->sender = strdup("")) == NULL)
		return STORE_ENOMEM;
	return 0;
}

/* The single text column of every row of sql (bound to id) into *v. */
static int
load_strings(
    struct store *st, const char *sql, const char *id, char ***v, size_t *n)
{
	sqlite3_stmt *s;
	char **a = NULL, **na;
	size_t cap = 0;
	int rc, step;

	*v = NULL;
	*n = 0;
	if ((rc = prep(st, sql, &s)) != 0)
		return rc;
	bind_text(s, 1, id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			if ((na = realloc(a, cap * sizeof(*a))) == NULL) {
				rc = STORE_ENOMEM;
				break;
			}
			a = na;
		}
		if (!col_dup(s, 0, &a[*n]) ||
		    (a[*n] == NULL && (a[*n] = strdup("")) == NULL)) {
			rc = STORE_ENOMEM;
			break;
		}
		(*n)++;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_fail(st, "read addresses");
	sqlite3_finalize(s);
	if (rc != 0) {
		strv_free(a, *n);
		*n = 0;
		return rc;
	}
	*v = a;
	return 0;
}

static int
load_addrs(struct store *st, struct store_incident *inc)
{
	int rc;

	rc = load_strings(st,
	    "SELECT addr FROM recipients WHERE incident = ? ORDER BY seq",
	    inc->id, &inc->rcpts, &inc->n_rcpts);
	if (rc == 0)
		rc = load_strings(st,
		    "SELECT addr FROM approvers WHERE incident = ?"
		    " ORDER BY addr",
		    inc->id, &inc->approvers, &inc->n_approvers);
	return rc;
}

static int
load_findings(struct store *st, struct store_incident *inc)
{
	sqlite3_stmt *s;
	struct store_finding *v = NULL, *nv;
	size_t cap = 0, n = 0;
	int rc, step, c;

	if ((rc = prep(st,
		 "SELECT path, place, location, rule_id, kind, name_ja,"
		 " name_en, confidence, distinct_values, masked, fingerprint,"
		 " counted FROM findings WHERE incident = ? ORDER BY seq",
		 &s)) != 0)
		return rc;
	bind_text(s, 1, inc->id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_finding *f;

		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				rc = STORE_ENOMEM;
				break;
			}
			v = nv;
		}
		f = &v[n++];
		memset(f, 0, sizeof(*f));
		if (!col_dup(s, 0, &f->path) || !col_dup(s, 1, &f->where) ||
		    !col_dup(s, 2, &f->location) ||
		    !col_dup(s, 3, &f->rule_id) || !col_dup(s, 4, &f->kind) ||
		    !col_dup(s, 5, &f->name_ja) ||
		    !col_dup(s, 6, &f->name_en) || !col_dup(s, 9, &f->masked) ||
		    !col_dup(s, 10, &f->fingerprint)) {
			rc = STORE_ENOMEM;
			break;
		}
		c = dlp_confidence_parse(
		    (const char *)sqlite3_column_text(s, 7));
		f->confidence = c < 0 ? DLP_CONF_NONE : (enum dlp_confidence)c;
		f->count = (size_t)sqlite3_column_int64(s, 8);
		f->counted = sqlite3_column_int(s, 11) != 0;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_fail(st, "read findings");
	sqlite3_finalize(s);
	inc->findings = v;
	inc->n_findings = n;
	return rc;
}

int
store_get(struct store *st, const char *id, struct store_incident *inc)
{
	sqlite3_stmt *s;
	int rc, step;

	memset(inc, 0, sizeof(*inc));
	if ((rc = prep(st,
		 "SELECT " INCIDENT_COLS " FROM incidents i WHERE i.id = ?",
		 &s)) != 0)
		return rc;
	bind_text(s, 1, id);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		set_err(st, "no incident %s", id);
		rc = STORE_ENOENT;
	} else if (step != SQLITE_ROW) {
		rc = db_fail(st, "read the incident");
	} else {
		rc = row_incident(s, inc);
	}
	sqlite3_finalize(s);
	if (rc == 0)
		rc = load_addrs(st, inc);
	if (rc == 0)
		rc = load_findings(st, inc);
	if (rc != 0)
		store_incident_clear(inc);
	return rc;
}

void
store_list_free(struct store_incident *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		store_incident_clear(&v[i]);
	free(v);
}

int
store_list(struct store *st, const struct store_filter *f,
    struct store_incident **out, size_t *n)
{
	static const struct store_filter all = { -1, 0, 0, NULL, NULL, 0 };
	sqlite3_stmt *s;
	struct store_incident *v = NULL, *nv;
	size_t cap = 0, i, limit;
	int rc, step;
	char *sender = NULL, *approver = NULL;

	*out = NULL;
	*n = 0;
	if (f == NULL)
		f = &all;
	limit = f->limit == 0 || f->limit > STORE_LIST_MAX ? STORE_LIST_MAX
							   : f->limit;
	if ((f->sender != NULL && (sender = addr_dup(f->sender)) == NULL) ||
	    (f->approver != NULL &&
		(approver = addr_dup(f->approver)) == NULL)) {
		free(sender);
		return STORE_ENOMEM;
	}
	/* one statement for every filter: an unset one is bound NULL */
	if ((rc = prep(st,
		 "SELECT " INCIDENT_COLS " FROM incidents i"
		 " WHERE (?1 IS NULL OR i.state = ?1)"
		 " AND i.time >= ?2 AND (?3 = 0 OR i.time < ?3)"
		 " AND (?4 IS NULL OR i.sender = ?4 COLLATE NOCASE)"
		 " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM approvers a"
		 "  WHERE a.incident = i.id AND a.addr = ?5))"
		 " ORDER BY i.time DESC, i.id DESC LIMIT ?6",
		 &s)) != 0)
		goto out;
	bind_text(s, 1,
	    f->state >= 0 ? store_state_name((enum store_state)f->state)
			  : NULL);
	sqlite3_bind_int64(s, 2, f->since);
	sqlite3_bind_int64(s, 3, f->before);
	bind_text(s, 4, sender);
	bind_text(s, 5, approver);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)limit);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				rc = STORE_ENOMEM;
				break;
			}
			v = nv;
		}
		rc = row_incident(s, &v[*n]);
		(*n)++;
		if (rc != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_fail(st, "list incidents");
	sqlite3_finalize(s);
	for (i = 0; rc == 0 && i < *n; i++)
		rc = load_addrs(st, &v[i]);
	if (rc != 0) {
		store_list_free(v, *n);
		v = NULL;
		*n = 0;
	}
	*out = v;
out:
	free(sender);
	free(approver);
	return rc;
}

/* ---- decisions ---- */

static bool
decision_state(enum store_state s)
{
	return s == STORE_RELEASED || s == STORE_DELETED ||
	    s == STORE_APPROVED || s == STORE_REJECTED || s == STORE_EXPIRED;
}

/*
 * May "by" approve or reject this incident: one of its approvers, and
 * not the sender (nobody approves their own mail). Inside the caller's
 * transaction.
 */
static int
check_approver(
    struct store *st, const char *id, const char *sender, const char *by)
{
	sqlite3_stmt *s;
	int rc, step;

	if (*by == '\0' || strcasecmp(by, sender) == 0) {
		set_err(st, "%s: the sender may not decide on own mail", id);
		return STORE_EACCESS;
	}
	if ((rc = prep(st,
		 "SELECT 1 FROM approvers WHERE incident = ? AND addr = ?",
		 &s)) != 0)
		return rc;
	bind_text(s, 1, id);
	bind_text(s, 2, by);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		set_err(st, "%s: not an approver of this incident", id);
		rc = STORE_EACCESS;
	} else if (step != SQLITE_ROW) {
		rc = db_fail(st, "read approvers");
	}
	sqlite3_finalize(s);
	return rc;
}

int
store_decide(struct store *st, const char *id, enum store_state state,
    const char *by, const char *reason, long long now)
{
	sqlite3_stmt *s = NULL;
	char *who = NULL, *sender = NULL;
	const unsigned char *cur;
	int rc, step;

	if (!decision_state(state)) {
		set_err(st, "%s: %s is not a decision", id,
		    store_state_name(state));
		return STORE_ESTATE;
	}
	if ((who = addr_dup(by)) == NULL)
		return STORE_ENOMEM;
	if ((rc = exec(st, "BEGIN IMMEDIATE", "begin")) != 0)
		goto out;
	if ((rc = prep(st, "SELECT state, sender FROM incidents WHERE id = ?",
		 &s)) != 0)
		goto fail;
	bind_text(s, 1, id);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		set_err(st, "no incident %s", id);
		rc = STORE_ENOENT;
		goto fail;
	}
	if (step != SQLITE_ROW) {
		rc = db_fail(st, "read the incident");
		goto fail;
	}
	cur = sqlite3_column_text(s, 0);
	if (cur == NULL || strcmp((const char *)cur, "held") != 0) {
		set_err(st, "%s is not held (state %s)", id,
		    cur != NULL ? (const char *)cur : "?");
		rc = STORE_ESTATE;
		goto fail;
	}
	if (!col_dup(s, 1, &sender) ||
	    (sender == NULL && (sender = strdup("")) == NULL)) {
		rc = STORE_ENOMEM;
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	if ((state == STORE_APPROVED || state == STORE_REJECTED) &&
	    (rc = check_approver(st, id, sender, who)) != 0)
		goto fail;
	if ((rc = prep(st,
		 "UPDATE incidents SET state = ?, decided_by = ?,"
		 " decided_at = ?, decision_reason = ?"
		 " WHERE id = ? AND state = 'held'",
		 &s)) != 0)
		goto fail;
	bind_text(s, 1, store_state_name(state));
	bind_text(s, 2, who);
	sqlite3_bind_int64(s, 3, now);
	bind_text(s, 4, reason);
	bind_text(s, 5, id);
	if ((rc = step_done(st, s, "update the incident")) != 0)
		goto fail;
	sqlite3_finalize(s);
	if ((rc = prep(st,
		 "INSERT INTO history (incident, time, from_state, to_state,"
		 " actor, reason) VALUES (?, ?, 'held', ?, ?, ?)",
		 &s)) != 0)
		goto fail;
	bind_text(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	bind_text(s, 3, store_state_name(state));
	bind_text(s, 4, who);
	bind_text(s, 5, reason);
	if ((rc = step_done(st, s, "record the decision")) != 0)
		goto fail;
	sqlite3_finalize(s);
	s = NULL;
	rc = exec(st, "COMMIT", "commit");
	if (rc != 0)
		goto fail;
	goto out;
fail:
	sqlite3_finalize(s);
	rollback(st);
out:
	free(who);
	free(sender);
	return rc;
}

int
store_set_queue_id(struct store *st, const char *id, const char *qid)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = prep(st, "UPDATE incidents SET queue_id = ? WHERE id = ?",
		 &s)) != 0)
		return rc;
	bind_text(s, 1, qid);
	bind_text(s, 2, id);
	rc = step_done(st, s, "set the queue id");
	sqlite3_finalize(s);
	if (rc == 0 && sqlite3_changes(st->db) == 0) {
		set_err(st, "no incident %s", id);
		rc = STORE_ENOENT;
	}
	return rc;
}

int
store_purge(struct store *st, long long before, size_t *n)
{
	sqlite3_stmt *s;
	int rc;

	if (n != NULL)
		*n = 0;
	if ((rc = prep(st,
		 "DELETE FROM incidents WHERE time < ? AND state != 'held'",
		 &s)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, before);
	rc = step_done(st, s, "purge");
	sqlite3_finalize(s);
	if (rc == 0 && n != NULL)
		*n = (size_t)sqlite3_changes(st->db);
	return rc;
}

/* ---- statistics ---- */

/* The period's label, from the incident's UTC time (fixed SQL text). */
static const char *
period_expr(const char *period)
{
	if (period == NULL)
		return "''";
	if (strcmp(period, "day") == 0)
		return "strftime('%Y-%m-%d', i.time, 'unixepoch')";
	if (strcmp(period, "week") == 0)
		return "strftime('%Y-W%W', i.time, 'unixepoch')";
	if (strcmp(period, "month") == 0)
		return "strftime('%Y-%m', i.time, 'unixepoch')";
	return NULL;
}

static const char *const counted_states[] = { "released", "approved", "deleted",
	"rejected", "expired" };

static json_t *
new_group(
    const char *by, const char *name, const char *kind, const char *period)
{
	json_t *g = json_object();
	size_t i;

	if (g == NULL)
		return NULL;
	if (json_object_set_new(g, by, json_string(name)) != 0 ||
	    (kind != NULL &&
		json_object_set_new(g, "kind", json_string(kind)) != 0) ||
	    json_object_set_new(g, "period",
		*period != '\0' ? json_string(period) : json_null()) != 0 ||
	    json_object_set_new(g, "actions", json_object()) != 0)
		goto fail;
	for (i = 0; i < NELEM(counted_states); i++)
		if (json_object_set_new(
			g, counted_states[i], json_integer(0)) != 0)
			goto fail;
	return g;
fail:
	json_decref(g);
	return NULL;
}

/* Add the first query's row (totals of one group) to map. */
static int
group_totals(json_t *map, const char *key, bool by_rule, sqlite3_stmt *s)
{
	const char *name = (const char *)sqlite3_column_text(s, 0);
	const char *per = (const char *)sqlite3_column_text(s, 1);
	const char *kind = (const char *)sqlite3_column_text(s, 2);
	json_t *g;

	g = new_group(by_rule ? "rule_id" : "kind", name != NULL ? name : "",
	    by_rule ? (kind != NULL ? kind : "") : NULL,
	    per != NULL ? per : "");
	if (g == NULL || json_object_set_new(map, key, g) != 0)
		return -1;
	if (json_object_set_new(
		g, "hits", json_integer(sqlite3_column_int64(s, 3))) != 0 ||
	    json_object_set_new(
		g, "messages", json_integer(sqlite3_column_int64(s, 4))) != 0 ||
	    json_object_set_new(
		g, "values", json_integer(sqlite3_column_int64(s, 5))) != 0 ||
	    json_object_set_new(g, "fingerprints",
		json_integer(sqlite3_column_int64(s, 6))) != 0)
		return -1;
	return 0;
}

/* Add a row of the action (q 1) or state (q 2) query to its group. */
static int
group_count(json_t *map, const char *key, int q, sqlite3_stmt *s)
{
	const char *what = (const char *)sqlite3_column_text(s, 2);
	json_t *g = json_object_get(map, key);

	if (g == NULL || what == NULL)
		return 0;
	if (q == 1)
		return json_object_set_new(json_object_get(g, "actions"), what,
		    json_integer(sqlite3_column_int64(s, 3)));
	/* only decisions are counted: held and done stay out */
	if (json_object_get(g, what) == NULL)
		return 0;
	return json_object_set_new(
	    g, what, json_integer(sqlite3_column_int64(s, 3)));
}

/* release_rate of each group, then the groups into arr. */
static int
group_finish(json_t *map, json_t *arr)
{
	const char *k;
	json_t *g;
	json_int_t freed, reviewed;

	json_object_foreach(map, k, g)
	{
		freed = json_integer_value(json_object_get(g, "released")) +
		    json_integer_value(json_object_get(g, "approved"));
		reviewed = freed +
		    json_integer_value(json_object_get(g, "deleted")) +
		    json_integer_value(json_object_get(g, "rejected"));
		if (json_object_set_new(g, "release_rate",
			reviewed > 0
			    ? json_real((double)freed / (double)reviewed)
			    : json_null()) != 0 ||
		    json_array_append(arr, g) != 0)
			return -1;
	}
	return 0;
}

/*
 * One grouping (by rule or by kind): three queries over the findings of
 * incidents in [since, before): totals, incidents per action, incidents
 * per state; merged into one object per (name, period) in arr.
 */
static int
stats_group(struct store *st, bool by_rule, const char *pexpr, long long since,
    long long before, json_t *arr)
{
	const char *col = by_rule ? "f.rule_id" : "f.kind";
	const char *tail =
	    " FROM findings f JOIN incidents i ON i.id = f.incident"
	    " WHERE i.time >= ?1 AND i.time < ?2";
	json_t *map = json_object();
	char sql[1024], key[512];
	const char *name, *per;
	sqlite3_stmt *s = NULL;
	int rc = 0, q, step;

	if (map == NULL)
		return STORE_ENOMEM;
	for (q = 0; q < 3 && rc == 0; q++) {
		/* only constant fragments: the column and period are ours */
		if (q == 0)
			snprintf(sql, sizeof(sql),
			    "SELECT %s, %s, min(f.kind), count(*),"
			    " count(DISTINCT f.incident),"
			    " sum(f.distinct_values),"
			    " count(DISTINCT f.fingerprint)%s"
			    " GROUP BY 1, 2",
			    col, pexpr, tail);
		else
			snprintf(sql, sizeof(sql),
			    "SELECT %s, %s, i.%s, count(DISTINCT i.id)%s"
			    " GROUP BY 1, 2, 3",
			    col, pexpr, q == 1 ? "action" : "state", tail);
		if ((rc = prep(st, sql, &s)) != 0)
			break;
		sqlite3_bind_int64(s, 1, since);
		sqlite3_bind_int64(s, 2, before);
		while ((step = sqlite3_step(s)) == SQLITE_ROW) {
			name = (const char *)sqlite3_column_text(s, 0);
			per = (const char *)sqlite3_column_text(s, 1);
			if (snprintf(key, sizeof(key), "%s\x1f%s",
				name != NULL ? name : "",
				per != NULL ? per : "") >= (int)sizeof(key))
				continue; /* an absurd rule id: left out */
			if ((q == 0 ? group_totals(map, key, by_rule, s)
				    : group_count(map, key, q, s)) != 0) {
				rc = STORE_ENOMEM;
				break;
			}
		}
		if (rc == 0 && step != SQLITE_DONE)
			rc = db_fail(st, "statistics");
		sqlite3_finalize(s);
		s = NULL;
	}
	if (rc == 0 && group_finish(map, arr) != 0)
		rc = STORE_ENOMEM;
	json_decref(map);
	return rc;
}

static int
cmp_group(const void *a, const void *b, const char *by)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *px = json_string_value(json_object_get(x, "period"));
	const char *py = json_string_value(json_object_get(y, "period"));
	int c = strcmp(px ? px : "", py ? py : "");

	if (c != 0)
		return c;
	return strcmp(json_string_value(json_object_get(x, by)),
	    json_string_value(json_object_get(y, by)));
}

static int
cmp_rule(const void *a, const void *b)
{
	return cmp_group(a, b, "rule_id");
}

static int
cmp_kind(const void *a, const void *b)
{
	return cmp_group(a, b, "kind");
}

/* Sort a JSON array of groups in place (by period, then name). */
static int
sort_groups(json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr), i;
	json_t **v;

	if (n < 2)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return STORE_ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp);
	json_array_clear(arr);
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, v[i]) != 0) {
			for (; i < n; i++)
				json_decref(v[i]);
			free(v);
			return STORE_ENOMEM;
		}
	free(v);
	return 0;
}

int
store_stats(struct store *st, long long since, long long before,
    const char *period, char **json)
{
	const char *pexpr = period_expr(period);
	json_t *root, *rules, *kinds;
	int rc = STORE_ENOMEM;

	*json = NULL;
	if (pexpr == NULL) {
		set_err(st, "unknown period '%s' (day, week, month)", period);
		return STORE_EIO;
	}
	if (before <= 0)
		before = LLONG_MAX;
	root = json_object();
	rules = json_array();
	kinds = json_array();
	if (root == NULL || rules == NULL || kinds == NULL ||
	    json_object_set_new(root, "since", json_integer(since)) != 0 ||
	    json_object_set_new(root, "before", json_integer(before)) != 0 ||
	    json_object_set_new(root, "period",
		period != NULL ? json_string(period) : json_null()) != 0)
		goto out;
	if ((rc = stats_group(st, true, pexpr, since, before, rules)) != 0 ||
	    (rc = stats_group(st, false, pexpr, since, before, kinds)) != 0 ||
	    (rc = sort_groups(rules, cmp_rule)) != 0 ||
	    (rc = sort_groups(kinds, cmp_kind)) != 0)
		goto out;
	rc = STORE_ENOMEM;
	if (json_object_set(root, "rules", rules) != 0 ||
	    json_object_set(root, "kinds", kinds) != 0)
		goto out;
	if ((*json = json_dumps(root, JSON_COMPACT)) == NULL)
		goto out;
	rc = 0;
out:
	if (rc == STORE_ENOMEM)
		set_err(st, "statistics: out of memory");
	json_decref(rules);
	json_decref(kinds);
	json_decref(root);
	return rc;
}

/* ---- the notice outbox ---- */

int
store_notice_add(struct store *st, const char *incident,
    const char *envelope_from, const char *const *rcpts, size_t n_rcpts,
    const char *message, size_t message_len, long long now)
{
	sqlite3_stmt *s = NULL;
	sqlite3_int64 id;
	size_t i;
	int rc;

	if (n_rcpts == 0 || message == NULL) {
		set_err(st, "a notice without recipients or message");
		return STORE_EIO;
	}
	if (message_len > INT_MAX) {
		set_err(st, "a notice of %zu bytes is too large", message_len);
		return STORE_EIO;
	}
	if ((rc = exec(st, "BEGIN IMMEDIATE", "begin")) != 0)
		return rc;
	if ((rc = prep(st,
		 "INSERT INTO notices (incident, created, envelope_from,"
		 " message, attempts, next_try, state)"
		 " VALUES (?, ?, ?, ?, 0, ?, 'queued')",
		 &s)) != 0)
		goto fail;
	bind_text(s, 1, incident);
	sqlite3_bind_int64(s, 2, now);
	bind_text(s, 3, envelope_from != NULL ? envelope_from : "");
	sqlite3_bind_blob(s, 4, message, (int)message_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now);
	if ((rc = step_done(st, s, "queue a notice")) != 0)
		goto fail;
	sqlite3_finalize(s);
	id = sqlite3_last_insert_rowid(st->db);
	if ((rc = prep(st,
		 "INSERT INTO notice_rcpts (notice, seq, addr) VALUES (?,?,?)",
		 &s)) != 0)
		goto fail;
	for (i = 0; i < n_rcpts && rc == 0; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		bind_text(s, 3, rcpts[i] != NULL ? rcpts[i] : "");
		rc = step_done(st, s, "queue a notice recipient");
	}
	if (rc != 0)
		goto fail;
	sqlite3_finalize(s);
	s = NULL;
	if ((rc = exec(st, "COMMIT", "commit")) != 0)
		goto fail;
	return 0;
fail:
	sqlite3_finalize(s);
	rollback(st);
	return rc;
}

void
store_notice_clear(struct store_notice *n)
{
	if (n == NULL)
		return;
	free(n->incident);
	free(n->envelope_from);
	strv_free(n->rcpts, n->n_rcpts);
	if (n->message != NULL)
		explicit_bzero(n->message, n->message_len);
	free(n->message);
	memset(n, 0, sizeof(*n));
}

int
store_notice_next(struct store *st, long long now, struct store_notice *out)
{
	sqlite3_stmt *s;
	char idtext[32];
	const void *blob;
	int rc, step, len;

	memset(out, 0, sizeof(*out));
	if ((rc = prep(st,
		 "SELECT id, incident, envelope_from, message, attempts,"
		 " next_try FROM notices WHERE state = 'queued'"
		 " AND next_try <= ? ORDER BY id LIMIT 1",
		 &s)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, now);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		set_err(st, "no notice due");
		sqlite3_finalize(s);
		return STORE_ENOENT;
	}
	if (step != SQLITE_ROW) {
		rc = db_fail(st, "read the outbox");
		sqlite3_finalize(s);
		return rc;
	}
	out->id = sqlite3_column_int64(s, 0);
	out->attempts = (unsigned)sqlite3_column_int64(s, 4);
	out->next_try = sqlite3_column_int64(s, 5);
	blob = sqlite3_column_blob(s, 3);
	len = sqlite3_column_bytes(s, 3);
	if (!col_dup(s, 1, &out->incident) ||
	    !col_dup(s, 2, &out->envelope_from) ||
	    (out->envelope_from == NULL &&
		(out->envelope_from = strdup("")) == NULL) ||
	    (out->message = malloc((size_t)len + 1)) == NULL) {
		rc = STORE_ENOMEM;
	} else {
		if (len > 0)
			memcpy(out->message, blob, (size_t)len);
		out->message[len] = '\0';
		out->message_len = (size_t)len;
	}
	sqlite3_finalize(s);
	if (rc == 0) {
		snprintf(idtext, sizeof(idtext), "%lld", out->id);
		rc = load_strings(st,
		    "SELECT addr FROM notice_rcpts WHERE notice = ?"
		    " ORDER BY seq",
		    idtext, &out->rcpts, &out->n_rcpts);
	}
	if (rc != 0)
		store_notice_clear(out);
	return rc;
}

static int
notice_changed(
    struct store *st, sqlite3_stmt *s, long long id, const char *what)
{
	int rc = step_done(st, s, what);

	sqlite3_finalize(s);
	if (rc == 0 && sqlite3_changes(st->db) == 0) {
		set_err(st, "no notice %lld", id);
		rc = STORE_ENOENT;
	}
	return rc;
}

int
store_notice_done(struct store *st, long long id)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = prep(st, "DELETE FROM notices WHERE id = ?", &s)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	return notice_changed(st, s, id, "remove a sent notice");
}

int
store_notice_retry(
    struct store *st, long long id, long long next_try, unsigned max_attempts)
{
	sqlite3_stmt *s;
	int rc;

	/* the right-hand sides see the row as it was */
	if ((rc = prep(st,
		 "UPDATE notices SET attempts = attempts + 1, next_try = ?,"
		 " state = CASE WHEN attempts + 1 >= ? THEN 'failed'"
		 " ELSE 'queued' END WHERE id = ? AND state = 'queued'",
		 &s)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, next_try);
	sqlite3_bind_int64(s, 2, max_attempts);
	sqlite3_bind_int64(s, 3, id);
	return notice_changed(st, s, id, "reschedule a notice");
}
