/*
 * store_notice - the notice outbox of the incident store (store.h):
 * rendered notices queued durably (store_notice_add()), taken oldest
 * first when due (store_notice_next()), removed when sent, rescheduled
 * or failed for good (store_notice_retry()). The sending itself is
 * mailout's (mailout_flush()).
 *
 * A queued message may carry an expired original back to its sender;
 * the store's secure_delete overwrites it once it is sent.
 *
 * Thread-safety: as the store's.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

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
		store_seterr(st, "a notice without recipients or message");
		return STORE_EIO;
	}
	if (message_len > INT_MAX) {
		store_seterr(
		    st, "a notice of %zu bytes is too large", message_len);
		return STORE_EIO;
	}
	if ((rc = store_exec(st, "BEGIN IMMEDIATE", "begin")) != 0)
		return rc;
	if ((rc = store_prep(st,
		 "INSERT INTO notices (incident, created, envelope_from,"
		 " message, attempts, next_try, state)"
		 " VALUES (?, ?, ?, ?, 0, ?, 'queued')",
		 &s)) != 0)
		goto fail;
	store_bind(s, 1, incident);
	sqlite3_bind_int64(s, 2, now);
	store_bind(s, 3, envelope_from != NULL ? envelope_from : "");
	sqlite3_bind_blob(s, 4, message, (int)message_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now);
	if ((rc = store_step(st, s, "queue a notice")) != 0)
		goto fail;
	sqlite3_finalize(s);
	id = sqlite3_last_insert_rowid(st->db);
	if ((rc = store_prep(st,
		 "INSERT INTO notice_rcpts (notice, seq, addr) VALUES (?,?,?)",
		 &s)) != 0)
		goto fail;
	for (i = 0; i < n_rcpts && rc == 0; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)i);
		store_bind(s, 3, rcpts[i] != NULL ? rcpts[i] : "");
		rc = store_step(st, s, "queue a notice recipient");
	}
	if (rc != 0)
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

void
store_notice_clear(struct store_notice *n)
{
	if (n == NULL)
		return;
	free(n->incident);
	free(n->envelope_from);
	store_strvfree(n->rcpts, n->n_rcpts);
	if (n->message != NULL)
		explicit_bzero(n->message, n->message_len);
	free(n->message);
	memset(n, 0, sizeof(*n));
}

/*
 * How long a notice handed out by store_notice_next() stays claimed: the
 * daemon's outbox thread and dlp-quarantine flush the same outbox, and
 * a notice must go out once. A sender that dies mid-send leaves it to be
 * tried again after this.
 */
#define NOTICE_LEASE 600

static int notice_read(
    struct store *st, long long now, struct store_notice *out);

/* claim: move next_try past the lease, unless another flusher did. */
static int
claim(struct store *st, const struct store_notice *n, long long now)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prep(st,
		 "UPDATE notices SET next_try = ? WHERE id = ?"
		 " AND next_try = ? AND state = 'queued'",
		 &s)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, now + NOTICE_LEASE);
	sqlite3_bind_int64(s, 2, n->id);
	sqlite3_bind_int64(s, 3, n->next_try);
	rc = store_step(st, s, "claim a notice");
	sqlite3_finalize(s);
	if (rc != 0)
		return rc;
	return sqlite3_changes(st->db) == 1 ? 0 : STORE_ENOENT;
}

int
store_notice_next(struct store *st, long long now, struct store_notice *out)
{
	unsigned tries;
	int rc;

	/* another flusher may take the same one between read and claim */
	for (tries = 0; tries < 8; tries++) {
		if ((rc = notice_read(st, now, out)) != 0)
			return rc;
		if ((rc = claim(st, out, now)) == 0)
			return 0;
		store_notice_clear(out);
		if (rc != STORE_ENOENT)
			return rc;
	}
	store_seterr(st, "the outbox is busy");
	return STORE_ENOENT;
}

static int
notice_read(struct store *st, long long now, struct store_notice *out)
{
	sqlite3_stmt *s;
	char idtext[32];
	const void *blob;
	int rc, step, len;

	memset(out, 0, sizeof(*out));
	if ((rc = store_prep(st,
		 "SELECT id, incident, envelope_from, message, attempts,"
		 " next_try FROM notices WHERE state = 'queued'"
		 " AND next_try <= ? ORDER BY id LIMIT 1",
		 &s)) != 0)
		return rc;
	sqlite3_bind_int64(s, 1, now);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		store_seterr(st, "no notice due");
		sqlite3_finalize(s);
		return STORE_ENOENT;
	}
	if (step != SQLITE_ROW) {
		rc = store_dbfail(st, "read the outbox");
		sqlite3_finalize(s);
		return rc;
	}
	out->id = sqlite3_column_int64(s, 0);
	out->attempts = (unsigned)sqlite3_column_int64(s, 4);
	out->next_try = sqlite3_column_int64(s, 5);
	blob = sqlite3_column_blob(s, 3);
	len = sqlite3_column_bytes(s, 3);
	if (!store_coldup(s, 1, &out->incident) ||
	    !store_coldup(s, 2, &out->envelope_from) ||
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
		rc = store_strings(st,
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
	int rc = store_step(st, s, what);

	sqlite3_finalize(s);
	if (rc == 0 && sqlite3_changes(st->db) == 0) {
		store_seterr(st, "no notice %lld", id);
		rc = STORE_ENOENT;
	}
	return rc;
}

int
store_notice_done(struct store *st, long long id)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prep(st, "DELETE FROM notices WHERE id = ?", &s)) != 0)
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
	if ((rc = store_prep(st,
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
