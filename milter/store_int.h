/*
 * store_int.h - what the store's files (store.c, store_incident.c,
 * store_stats.c, store_notice.c) share: the connection and the helpers
 * around SQLite. Not for anything outside the store.
 */
#ifndef DLP_STORE_INT_H
#define DLP_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

#include "config.h"

struct store {
	sqlite3 *db;
	char err[512]; /* the last error, for store_errmsg() */
};

/* store_seterr: the error text (printf-style). */
void store_seterr(struct store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* store_dbfail: an SQLite failure: what we did and what SQLite said;
   returns STORE_ENOMEM or STORE_EIO. */
int store_dbfail(struct store *st, const char *what);

/* store_exec: run fixed SQL (no values); 0 or store_dbfail(). */
int store_exec(struct store *st, const char *sql, const char *what);

/* store_prep: prepare sql into *stmt (NULL on failure); 0 or an error. */
int store_prep(struct store *st, const char *sql, sqlite3_stmt **stmt);

/* store_step: step a statement that returns no row; 0 or an error. */
int store_step(struct store *st, sqlite3_stmt *s, const char *what);

/* store_rollback: end a failed transaction, keeping the first error. */
void store_rollback(struct store *st);

/* store_bind: bind text, or NULL when v is NULL. */
int store_bind(sqlite3_stmt *s, int i, const char *v);

/* store_coldup: copy column i (text or NULL) into *out; false on ENOMEM. */
bool store_coldup(sqlite3_stmt *s, int i, char **out);

/* store_dupstr: *dst = a copy of src (NULL stays NULL); false on ENOMEM. */
bool store_dupstr(char **dst, const char *src);

/* store_strvfree: free n strings and their array; NULL is a no-op. */
void store_strvfree(char **v, size_t n);

/*
 * store_strings: the text column of every row of sql (its one parameter
 * bound to id) into a new array *v of *n strings (NULL column: "").
 */
int store_strings(
    struct store *st, const char *sql, const char *id, char ***v, size_t *n);

#endif
