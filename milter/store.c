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
 * masked; the one exception is an expired original on its way back to
 * its sender, in the outbox until it is sent).
 *
 * Limits: store_list() returns at most STORE_LIST_MAX incidents; an
 * incident's strings are bounded by what the engine produced.
 *
 * Files: store.c (opening, the schema, writing and reading incidents,
 * decisions, purge), store_incident.c (incidents in memory, from a
 * report), store_stats.c (statistics), store_notice.c (the outbox);
 * store_int.h holds what they share.
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

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

#define SCHEMA_VERSION 1
#define BUSY_MS	       5000
#define STORE_LIST_MAX 100000

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

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

void __attribute__((format(printf, 2, 3)))
store_seterr(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

/* An SQLite failure: what we were doing and what SQLite said. */
int
store_dbfail(struct store *st, const char *what)
{
	int code = sqlite3_errcode(st->db);

	store_seterr(st, "%s: %s", what, sqlite3_errmsg(st->db));
	return code == SQLITE_NOMEM ? STORE_ENOMEM : STORE_EIO;
}

int
store_exec(struct store *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_dbfail(st, what);
	return 0;
}

int
store_prep(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK) {
		*stmt = NULL;
		return store_dbfail(st, "prepare");
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	/* keeps the first error: the rollback's own would hide it */
	(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_bind(sqlite3_stmt *s, int i, const char *v)
{
	return v != NULL ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT)
			 : sqlite3_bind_null(s, i);
}

/* Copy column i (text or NULL) into *out. false when memory ran out. */
bool
store_coldup(sqlite3_stmt *s, int i, char **out)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	*out = NULL;
	if (t == NULL) /* NULL, or SQLite's own allocation failed */
		return sqlite3_column_type(s, i) == SQLITE_NULL;
	return (*out = strdup((const char *)t)) != NULL;
}

bool
store_dupstr(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return true;
	return (*dst = strdup(src)) != NULL;
}

void
store_strvfree(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

int
store_step(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE)
		return store_dbfail(st, what);
	return 0;
}

/* The single text column of every row of sql (bound to id) into *v. */
int
store_strings(
    struct store *st, const char *sql, const char *id, char ***v, size_t *n)
{
	sqlite3_stmt *s;
	char **a = NULL, **na;
	size_t cap = 0;
	int rc, step;

	*v = NULL;
	*n = 0;
	if ((rc = store_prep(st, sql, &s)) != 0)
		return rc;
	store_bind(s, 1, id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			if ((na = realloc(a, cap * sizeof(*a))) == NULL) {
				rc = STORE_ENOMEM;
				break;
			}
			a = na;
		}
		if (!store_coldup(s, 0, &a[*n]) ||
		    (a[*n] == NULL && (a[*n] = strdup("")) == NULL)) {
			rc = STORE_ENOMEM;
			break;
		}
		(*n)++;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_dbfail(st, "read addresses");
	sqlite3_finalize(s);
	if (rc != 0) {
		store_strvfree(a, *n);
		*n = 0;
		return rc;
	}
	*v = a;
	return 0;
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

	if ((rc = store_prep(st, "PRAGMA user_version", &s)) != 0)
		return rc;
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = store_dbfail(st, "read the schema version");
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
		store_seterr(st,
		    "%s: schema version %d is newer than this program's (%d)",
		    path, v, SCHEMA_VERSION);
		return STORE_EIO;
	}
	/* journal_mode answers with the mode now in force */
	if ((rc = store_prep(st, "PRAGMA journal_mode=WAL", &s)) != 0)
		return rc;
	if (sqlite3_step(s) != SQLITE_ROW ||
	    sqlite3_column_text(s, 0) == NULL ||
	    strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
		rc = store_dbfail(st, "set journal_mode WAL");
		sqlite3_finalize(s);
		return rc;
	}
	sqlite3_finalize(s);
	if ((rc = store_exec(st,
		 "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
		 " PRAGMA secure_delete=ON",
		 "set pragmas")) != 0)
		return rc;
	if (v == SCHEMA_VERSION)
		return 0;
	if ((rc = store_exec(st, "BEGIN IMMEDIATE", "begin")) != 0)
		return rc;
	/* another process may have created it while we waited */
	if ((rc = user_version(st, &v)) != 0)
		goto fail;
	if (v == 0) {
		if ((rc = store_exec(st, schema_sql, "create the schema")) !=
			0 ||
		    (rc = store_exec(st, "PRAGMA user_version=1",
			 "set the schema version")) != 0)
			goto fail;
	} else if (v != SCHEMA_VERSION) {
		store_seterr(st, "%s: schema version %d is not %d", path, v,
		    SCHEMA_VERSION);
		rc = STORE_EIO;
		goto fail;
	}
	return store_exec(st, "COMMIT", "commit the schema");
fail:
	store_rollback(st);
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
	/*
	 * Created here with 0600, so that no umask widens it; SQLite
	 * gives its -wal and -shm files the database file's mode. Only
	 * when it does not exist (O_EXCL): closing any descriptor of an
	 * open database drops every POSIX lock this process holds on it,
	 * and another process could then delete a WAL still in use (seen:
	 * the daemon's second connection made dlp-quarantine delete the
	 * daemon's WAL, and the incidents in it were lost).
	 */
	fd = open(
	    path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno != EEXIST) {
		snprintf(
		    msg, msglen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fd >= 0)
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

/* ---- writing an incident ---- */

static int
add_findings(struct store *st, const struct store_incident *inc)
{
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if ((rc = store_prep(st,
		 "INSERT INTO findings (incident, seq, path, place, location,"
		 " rule_id, kind, name_ja, name_en, confidence,"
		 " distinct_values, masked, fingerprint, counted)"
		 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		 &s)) != 0)
		return rc;
	for (i = 0; i < inc->n_findings && rc == 0; i++) {
		const struct store_finding *f = &inc->findings[i];

		sqlite3_reset(s);
		store_bind(s, 1, inc->id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		store_bind(s, 3, f->path != NULL ? f->path : "");
		store_bind(s, 4, f->where);
		store_bind(s, 5, f->location);
		store_bind(s, 6, f->rule_id != NULL ? f->rule_id : "");
		store_bind(s, 7, f->kind != NULL ? f->kind : "");
		store_bind(s, 8, f->name_ja);
		store_bind(s, 9, f->name_en);
		store_bind(s, 10, dlp_confidence_name(f->confidence));
		sqlite3_bind_int64(s, 11, (sqlite3_int64)f->count);
		store_bind(s, 12, f->masked);
		store_bind(s, 13, f->fingerprint);
		sqlite3_bind_int(s, 14, f->counted ? 1 : 0);
		rc = store_step(st, s, "insert a finding");
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
	if ((rc = store_prep(st, sql, &s)) != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		char *a = config_addr_dup(v[i]);

		if (a == NULL) {
			rc = STORE_ENOMEM;
			break;
		}
		for (j = 0; lower && a[j] != '\0'; j++)
			if (a[j] >= 'A' && a[j] <= 'Z')
				a[j] = (char)(a[j] - 'A' + 'a');
		sqlite3_reset(s);
		store_bind(s, 1, id);
		if (lower) {
			store_bind(s, 2, a);
		} else {
			sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
			store_bind(s, 3, a);
		}
		free(a);
		rc = store_step(st, s, "insert an address");
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
		store_seterr(st, "an incident without an id");
		return STORE_EIO;
	}
	if ((rc = store_exec(st, "BEGIN IMMEDIATE", "begin")) != 0)
		return rc;
	if ((rc = store_prep(st,
		 "INSERT INTO incidents (id, time, queue_id, sender, subject,"
		 " size, action, would, why, reasons, ruleset, state,"
		 " decided_by, decided_at, decision_reason)"
		 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		 &s)) != 0)
		goto fail;
	store_bind(s, 1, inc->id);
	sqlite3_bind_int64(s, 2, inc->time);
	store_bind(s, 3, inc->queue_id);
	store_bind(s, 4, inc->sender != NULL ? inc->sender : "");
	store_bind(s, 5, inc->subject);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)inc->size);
	store_bind(s, 7, dlp_action_name(inc->action));
	store_bind(s, 8, dlp_action_name(inc->would));
	sqlite3_bind_int64(s, 9, inc->why);
	store_bind(s, 10, inc->reasons);
	store_bind(s, 11, inc->ruleset);
	store_bind(s, 12, store_state_name(inc->state));
	store_bind(s, 13, inc->decided_by);
	sqlite3_bind_int64(s, 14, inc->decided_at);
	store_bind(s, 15, inc->decision_reason);
	if ((rc = store_step(st, s, "insert the incident")) != 0)
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
	if ((rc = store_exec(st, "COMMIT", "commit")) != 0)
		goto fail;
	return 0;
fail:
	sqlite3_finalize(s);
	store_rollback(st);
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
	if (!store_coldup(s, 2, &inc->queue_id) ||
	    !store_coldup(s, 3, &inc->sender) ||
	    !store_coldup(s, 4, &inc->subject))
		return STORE_ENOMEM;
	inc->size = (size_t)sqlite3_column_int64(s, 5);
	v = dlp_action_parse((const char *)sqlite3_column_text(s, 6));
	inc->action = v < 0 ? DLP_ACCEPT : (enum dlp_action)v;
	v = dlp_action_parse((const char *)sqlite3_column_text(s, 7));
	inc->would = v < 0 ? DLP_ACCEPT : (enum dlp_action)v;
	inc->why = (unsigned)sqlite3_column_int64(s, 8);
	if (!store_coldup(s, 9, &inc->reasons) ||
	    !store_coldup(s, 10, &inc->ruleset))
		return STORE_ENOMEM;
	v = store_state_parse((const char *)sqlite3_column_text(s, 11));
	inc->state = v < 0 ? STORE_DONE : (enum store_state)v;
	if (!store_coldup(s, 12, &inc->decided_by))
		return STORE_ENOMEM;
	inc->decided_at = sqlite3_column_int64(s, 13);
	if (!store_coldup(s, 14, &inc->decision_reason))
		return STORE_ENOMEM;
	if (inc->sender == NULL && (inc->sender = strdup("")) == NULL)
		return STORE_ENOMEM;
	return 0;
}

static int
load_addrs(struct store *st, struct store_incident *inc)
{
	int rc;

	rc = store_strings(st,
	    "SELECT addr FROM recipients WHERE incident = ? ORDER BY seq",
	    inc->id, &inc->rcpts, &inc->n_rcpts);
	if (rc == 0)
		rc = store_strings(st,
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

	if ((rc = store_prep(st,
		 "SELECT path, place, location, rule_id, kind, name_ja,"
		 " name_en, confidence, distinct_values, masked, fingerprint,"
		 " counted FROM findings WHERE incident = ? ORDER BY seq",
		 &s)) != 0)
		return rc;
	store_bind(s, 1, inc->id);
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
		if (!store_coldup(s, 0, &f->path) ||
		    !store_coldup(s, 1, &f->where) ||
		    !store_coldup(s, 2, &f->location) ||
		    !store_coldup(s, 3, &f->rule_id) ||
		    !store_coldup(s, 4, &f->kind) ||
		    !store_coldup(s, 5, &f->name_ja) ||
		    !store_coldup(s, 6, &f->name_en) ||
		    !store_coldup(s, 9, &f->masked) ||
		    !store_coldup(s, 10, &f->fingerprint)) {
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
		rc = store_dbfail(st, "read findings");
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
	if ((rc = store_prep(st,
		 "SELECT " INCIDENT_COLS " FROM incidents i WHERE i.id = ?",
		 &s)) != 0)
		return rc;
	store_bind(s, 1, id);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		store_seterr(st, "no incident %s", id);
		rc = STORE_ENOENT;
	} else if (step != SQLITE_ROW) {
		rc = store_dbfail(st, "read the incident");
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
	if ((f->sender != NULL &&
		(sender = config_addr_dup(f->sender)) == NULL) ||
	    (f->approver != NULL &&
		(approver = config_addr_dup(f->approver)) == NULL)) {
		free(sender);
		return STORE_ENOMEM;
	}
	/* one statement for every filter: an unset one is bound NULL */
	if ((rc = store_prep(st,
		 "SELECT " INCIDENT_COLS " FROM incidents i"
		 " WHERE (?1 IS NULL OR i.state = ?1)"
		 " AND i.time >= ?2 AND (?3 = 0 OR i.time < ?3)"
		 " AND (?4 IS NULL OR i.sender = ?4 COLLATE NOCASE)"
		 " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM approvers a"
		 "  WHERE a.incident = i.id AND a.addr = ?5))"
		 " ORDER BY i.time DESC, i.id DESC LIMIT ?6",
		 &s)) != 0)
		goto out;
	store_bind(s, 1,
	    f->state >= 0 ? store_state_name((enum store_state)f->state)
			  : NULL);
	sqlite3_bind_int64(s, 2, f->since);
	sqlite3_bind_int64(s, 3, f->before);
	store_bind(s, 4, sender);
	store_bind(s, 5, approver);
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
		rc = store_dbfail(st, "list incidents");
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
		store_seterr(
		    st, "%s: the sender may not decide on own mail", id);
		return STORE_EACCESS;
	}
	if ((rc = store_prep(st,
		 "SELECT 1 FROM approvers WHERE incident = ? AND addr = ?",
		 &s)) != 0)
		return rc;
	store_bind(s, 1, id);
	store_bind(s, 2, by);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		store_seterr(st, "%s: not an approver of this incident", id);
		rc = STORE_EACCESS;
	} else if (step != SQLITE_ROW) {
		rc = store_dbfail(st, "read approvers");
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
		store_seterr(st, "%s: %s is not a decision", id,
		    store_state_name(state));
		return STORE_ESTATE;
	}
	if ((who = config_addr_dup(by)) == NULL)
		return STORE_ENOMEM;
	if ((rc = store_exec(st, "BEGIN IMMEDIATE", "begin")) != 0)
		goto out;
	if ((rc = store_prep(st,
		 "SELECT state, sender FROM incidents WHERE id = ?", &s)) != 0)
		goto fail;
	store_bind(s, 1, id);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		store_seterr(st, "no incident %s", id);
		rc = STORE_ENOENT;
		goto fail;
	}
	if (step != SQLITE_ROW) {
		rc = store_dbfail(st, "read the incident");
		goto fail;
	}
	cur = sqlite3_column_text(s, 0);
	if (cur == NULL || strcmp((const char *)cur, "held") != 0) {
		store_seterr(st, "%s is not held (state %s)", id,
		    cur != NULL ? (const char *)cur : "?");
		rc = STORE_ESTATE;
		goto fail;
	}
	if (!store_coldup(s, 1, &sender) ||
	    (sender == NULL && (sender = strdup("")) == NULL)) {
		rc = STORE_ENOMEM;
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	if ((state == STORE_APPROVED || state == STORE_REJECTED) &&
	    (rc = check_approver(st, id, sender, who)) != 0)
		goto fail;
	if ((rc = store_prep(st,
		 "UPDATE incidents SET state = ?, decided_by = ?,"
		 " decided_at = ?, decision_reason = ?"
		 " WHERE id = ? AND state = 'held'",
		 &s)) != 0)
		goto fail;
	store_bind(s, 1, store_state_name(state));
	store_bind(s, 2, who);
	sqlite3_bind_int64(s, 3, now);
	store_bind(s, 4, reason);
	store_bind(s, 5, id);
	if ((rc = store_step(st, s, "update the incident")) != 0)
		goto fail;
	sqlite3_finalize(s);
	if ((rc = store_prep(st,
		 "INSERT INTO history (incident, time, from_state, to_state,"
		 " actor, reason) VALUES (?, ?, 'held', ?, ?, ?)",
		 &s)) != 0)
		goto fail;
	store_bind(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	store_bind(s, 3, store_state_name(state));
	store_bind(s, 4, who);
	store_bind(s, 5, reason);
	if ((rc = store_step(st, s, "record the decision")) != 0)
		goto fail;
	sqlite3_finalize(s);
	s = NULL;
	rc = store_exec(st, "COMMIT", "commit");
	if (rc != 0)
		goto fail;
	goto out;
fail:
	sqlite3_finalize(s);
	store_rollback(st);
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

	if ((rc = store_prep(st,
		 "UPDATE incidents SET queue_id = ? WHERE id = ?", &s)) != 0)
		return rc;
	store_bind(s, 1, qid);
	store_bind(s, 2, id);
	rc = store_step(st, s, "set the queue id");
	sqlite3_finalize(s);
	if (rc == 0 && sqlite3_changes(st->db) == 0) {
		store_seterr(st, "no incident %s", id);
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
	if ((rc = store_prep(st,
		 "DELETE FROM incidents WHERE time < ? AND state != 'held'",
		 &s)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, before);
	rc = store_step(st, s, "purge");
	sqlite3_finalize(s);
	if (rc == 0 && n != NULL)
		*n = (size_t)sqlite3_changes(st->db);
	return rc;
}
