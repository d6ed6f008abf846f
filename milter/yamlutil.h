/*
 * yamlutil - the small layer over libfyaml that config and rule loading
 * share: load a file with its syntax errors collected (not printed), and
 * report any node's problem as "file:line: message".
 *
 * Why: a typo in a DLP's config or rule must be refused with its place, so
 * every reader here checks types and keys and names the line. Nothing in
 * here keeps state; thread-safe.
 */
#ifndef DLP_YAMLUTIL_H
#define DLP_YAMLUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <libfyaml.h>

#include "dlp.h"

/*
 * yaml_load: parse path into a document. Returns NULL with err set to the
 * first syntax error (file:line) or the open error. The caller frees the
 * document with fy_document_destroy().
 */
struct fy_document *yaml_load(const char *path, struct dlp_error *err);

/* yaml_line: the 1-based line a node starts on (0 when unknown). */
unsigned yaml_line(struct fy_node *n);

/* yaml_fail: dlp_error_set() at a node's line; always returns -1. */
int yaml_fail(struct dlp_error *err, const char *path, struct fy_node *n,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * yaml_scalar: a scalar node's text as a NUL-terminated string copy in
 * out (outlen bytes); -1 with err set when n is not a scalar or too long.
 */
int yaml_scalar(struct dlp_error *err, const char *path, struct fy_node *n,
    char *out, size_t outlen);

/* yaml_strdup: a malloc'ed copy of a scalar; NULL with err set. */
char *yaml_strdup(struct dlp_error *err, const char *path, struct fy_node *n);

/* yaml_bool: true/false/yes/no/on/off; -1 with err set otherwise. */
int yaml_bool(
    struct dlp_error *err, const char *path, struct fy_node *n, bool *out);

/* yaml_uint: a decimal (or 0-prefixed octal) number within [min, max]. */
int yaml_uint(struct dlp_error *err, const char *path, struct fy_node *n,
    unsigned long long min, unsigned long long max, unsigned long long *out);

/*
 * yaml_check_keys: n must be a mapping whose keys are all in the
 * NULL-terminated list allowed; -1 with err at the first unknown key.
 */
int yaml_check_keys(struct dlp_error *err, const char *path, struct fy_node *n,
    const char *const *allowed);

/* yaml_get: the value of key in mapping n, or NULL. */
struct fy_node *yaml_get(struct fy_node *n, const char *key);

#endif
