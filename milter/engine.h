/*
 * engine - the internals of struct dlp_engine, shared by engine.c (load,
 * reference counting) and scan.c (which reads it). Not part of the public
 * API: programs use dlp.h.
 */
#ifndef DLP_ENGINE_H
#define DLP_ENGINE_H

#include "config.h"
#include "detect.h"
#include "dlp.h"

struct dlp_engine {
	unsigned refs; /* atomic: engines are shared by threads */
	struct dlp_config *cfg;
	struct ruleset *rules;
};

#endif
