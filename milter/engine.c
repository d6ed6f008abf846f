/*
 * engine - load the config and the rules into one immutable, shared,
 * reference-counted object. See dlp.h.
 *
 * Why reference counting: the daemon will swap in a new engine on reload
 * while messages in flight keep scanning under the one they started with;
 * each scan holds a reference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <magic.h>

#include "engine.h"

/*
 * An error about the rules directory itself (missing, empty) is the
 * config's: say so at the line of rules.dir, where the administrator has
 * to look. Errors inside a rule file keep that file's place.
 */
static void
blame_rules_dir(const struct dlp_config *cfg, struct dlp_error *err)
{
	/* room for both; dlp_error_set() cuts to its own size */
	char msg[sizeof(err->msg) + sizeof(err->file) + 16];

	if (err == NULL || strcmp(err->file, cfg->rules_dir) != 0)
		return;
	snprintf(
	    msg, sizeof(msg), "rules.dir %s: %s", cfg->rules_dir, err->msg);
	dlp_error_set(err, cfg->path, cfg->rules_dir_line, "%s", msg);
}

struct dlp_engine *
dlp_engine_load(const char *config_path, struct dlp_error *err)
{
	struct dlp_engine *e;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		dlp_error_set(err, config_path, 0, "out of memory");
		return NULL;
	}
	e->refs = 1;
	pthread_mutex_init(&e->magic_lock, NULL);
	/* libxml2 wants this once, before threads use it; it is idempotent */
	xmlInitParser();
	if ((e->cfg = config_load(config_path, err)) == NULL)
		goto fail;
	if ((e->rules = ruleset_load(e->cfg->rules_dir, err)) == NULL) {
		blame_rules_dir(e->cfg, err);
		goto fail;
	}
	return e;
fail:
	config_free(e->cfg);
	pthread_mutex_destroy(&e->magic_lock);
	free(e);
	return NULL;
}

void *
engine_magic_get(struct dlp_engine *e)
{
	size_t bytes_max = 1024 * 1024;
	magic_t m = NULL;

	pthread_mutex_lock(&e->magic_lock);
	if (e->n_magic_idle > 0)
		m = e->magic_idle[--e->n_magic_idle];
	pthread_mutex_unlock(&e->magic_lock);
	if (m != NULL)
		return m;
	/* no decompression, no external helpers: the bytes, as they are */
	if ((m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS |
		 MAGIC_NO_CHECK_ELF)) == NULL)
		return NULL;
	if (magic_load(m, NULL) != 0 ||
	    magic_setparam(m, MAGIC_PARAM_BYTES_MAX, &bytes_max) != 0) {
		magic_close(m);
		return NULL;
	}
	return m;
}

void
engine_magic_put(struct dlp_engine *e, void *magic)
{
	void **p;

	if (magic == NULL)
		return;
	pthread_mutex_lock(&e->magic_lock);
	if (e->n_magic_idle == e->cap_magic_idle) {
		size_t ncap = e->cap_magic_idle ? e->cap_magic_idle * 2 : 4;

		if ((p = realloc(e->magic_idle, ncap * sizeof(*p))) == NULL) {
			pthread_mutex_unlock(&e->magic_lock);
			magic_close(magic);
			return;
		}
		e->magic_idle = p;
		e->cap_magic_idle = ncap;
	}
	e->magic_idle[e->n_magic_idle++] = magic;
	pthread_mutex_unlock(&e->magic_lock);
}

struct dlp_engine *
dlp_engine_ref(struct dlp_engine *e)
{
	if (e != NULL)
		__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
	return e;
}

void
dlp_engine_unref(struct dlp_engine *e)
{
	if (e == NULL || __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	ruleset_free(e->rules);
	config_free(e->cfg);
	while (e->n_magic_idle > 0)
		magic_close(e->magic_idle[--e->n_magic_idle]);
	free(e->magic_idle);
	pthread_mutex_destroy(&e->magic_lock);
	free(e);
}

const struct dlp_config *
dlp_engine_config(const struct dlp_engine *e)
{
	return e->cfg;
}

const char *
dlp_engine_ruleset_version(const struct dlp_engine *e)
{
	return ruleset_version(e->rules);
}

size_t
dlp_engine_rule_count(const struct dlp_engine *e)
{
	return ruleset_count(e->rules);
}

size_t
dlp_engine_test_rules(const struct dlp_engine *e,
    void (*report)(void *arg, const char *rule_id, const char *example,
	bool expected_match),
    void *arg, size_t *n_examples)
{
	return ruleset_test_examples(
	    e->rules, &e->cfg->limits, report, arg, n_examples);
}
