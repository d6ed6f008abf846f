/*
 * store_stats - the statistics of the incident store (store_stats() in
 * store.h, where the JSON is described): per rule and per kind, per
 * period, from three grouped queries over findings joined to their
 * incidents (totals, incidents per action, incidents per decision),
 * merged into one JSON object per (name, period).
 *
 * The SQL text is built from constant fragments only (the grouping
 * column and the period's expression); the range is bound.
 *
 * Thread-safety: as the store's.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

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
		if ((rc = store_prep(st, sql, &s)) != 0)
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
			rc = store_dbfail(st, "statistics");
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
		store_seterr(
		    st, "unknown period '%s' (day, week, month)", period);
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
		store_seterr(st, "statistics: out of memory");
	json_decref(rules);
	json_decref(kinds);
	json_decref(root);
	return rc;
}
