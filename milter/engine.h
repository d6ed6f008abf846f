/*
 * engine - the internals of struct dlp_engine, shared by engine.c (load,
 * reference counting) and scan.c (which reads it). Not part of the public
 * API: programs use dlp.h.
 */
#ifndef DLP_ENGINE_H
#define DLP_ENGINE_H

#include <pthread.h>

#include "config.h"
#include "detect.h"
#include "dlp.h"

struct dlp_engine {
	unsigned refs; /* atomic: engines are shared by threads */
	struct dlp_config *cfg;
	struct ruleset *rules;
	/* idle libmagic cookies: a cookie serves one thread at a time and
	   costs a database load to make, so scans borrow and return them */
	pthread_mutex_t magic_lock;
	void **magic_idle;
	size_t n_magic_idle, cap_magic_idle;
};

/*
 * engine_magic_get: a loaded libmagic cookie (magic_t) for one scan, or
 * NULL when none can be made (content is then identified by our own
 * signatures only). Give it back with engine_magic_put().
 */
void *engine_magic_get(struct dlp_engine *e);
void engine_magic_put(struct dlp_engine *e, void *magic);

#endif
