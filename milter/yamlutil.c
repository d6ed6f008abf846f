/*
 * yamlutil - libfyaml helpers with file:line errors. See yamlutil.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "yamlutil.h"

/* The first diagnostic libfyaml prints: "FILE:LINE:COL: error: MSG". */
struct first_diag {
	bool seen;
	unsigned line;
	char msg[256];
};

static void
capture_diag(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	struct first_diag *fd = user;
	const char *e, *p;
	size_t mlen;

	if (fd->seen || (e = memmem(buf, len, ": error: ", 9)) == NULL)
		return;
	fd->seen = true;
	/* back over ":COL" and ":LINE" (the file name may hold colons) */
	for (p = e; p > buf && p[-1] >= '0' && p[-1] <= '9'; p--)
		;
	if (p > buf && p[-1] == ':') {
		for (p--; p > buf && p[-1] >= '0' && p[-1] <= '9'; p--)
			;
		fd->line = (unsigned)strtoul(p, NULL, 10);
	}
	e += 9;
	mlen = len - (size_t)(e - buf);
	while (mlen > 0 && (e[mlen - 1] == '\n' || e[mlen - 1] == '\r'))
		mlen--;
	if (mlen >= sizeof(fd->msg))
		mlen = sizeof(fd->msg) - 1;
	memcpy(fd->msg, e, mlen);
	fd->msg[mlen] = '\0';
}

/* Lines in the file, so an error "at the end" names the last line. */
static unsigned
count_lines(const char *path)
{
	unsigned n = 0;
	int c, last = '\n';
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return 0;
	while ((c = getc(fp)) != EOF) {
		if (c == '\n')
			n++;
		last = c;
	}
	fclose(fp);
	return last == '\n' ? n : n + 1;
}

/*
 * bad_utf8_line: the line of the first byte sequence in fp that is not
 * well-formed UTF-8 (overlong forms, surrogates and values past
 * U+10FFFF included), or 0 when the whole file is UTF-8. libfyaml 0.7.12
 * loops for ever on some invalid bytes (in a directive line: found by
 * tests/fuzz/fuzz_config and fuzz_rules), and YAML is UTF-8 anyway, so
 * such a file is refused before libfyaml sees it.
 */
static unsigned
bad_utf8_line(FILE *fp)
{
	unsigned line = 1, need = 0;
	unsigned char lo = 0x80, hi = 0xbf; /* the next byte's range */
	int c;

	while ((c = getc(fp)) != EOF) {
		if (need > 0) {
			if (c < lo || c > hi)
				return line;
			need--;
			lo = 0x80;
			hi = 0xbf;
			continue;
		}
		if (c == '\n')
			line++;
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else {
			return line;
		}
	}
	return need > 0 ? line : 0;
}

struct fy_document *
yaml_load(const char *path, struct dlp_error *err)
{
	struct first_diag fd = { 0 };
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag = NULL;
	struct fy_parse_cfg pcfg;
	struct fy_document *fyd = NULL;
	unsigned nlines;
	FILE *fp;

	/* fy_document_build_from_file says nothing useful on ENOENT */
	if ((fp = fopen(path, "r")) == NULL) {
		dlp_error_set(err, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	nlines = bad_utf8_line(fp);
	fclose(fp);
	if (nlines > 0) {
		dlp_error_set(err, path, nlines,
		    "not UTF-8 (YAML files are UTF-8): an invalid byte "
		    "sequence");
		return NULL;
	}
	/* collected errors leak in libfyaml 0.7; a callback does not */
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = capture_diag;
	dcfg.user = &fd;
	dcfg.colorize = false;
	dcfg.show_source = false;
	dcfg.show_position = true;
	dcfg.show_type = false;
	dcfg.show_module = false;
	if ((diag = fy_diag_create(&dcfg)) == NULL) {
		dlp_error_set(err, path, 0, "out of memory");
		return NULL;
	}
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.flags = FYPCF_QUIET;
	pcfg.diag = diag;
	fyd = fy_document_build_from_file(&pcfg, path);
	if (fyd == NULL) {
		nlines = count_lines(path);
		if (fd.line > nlines)
			fd.line = nlines;
		if (fd.seen)
			dlp_error_set(
			    err, path, fd.line, "YAML syntax: %s", fd.msg);
		else
			dlp_error_set(err, path, 0, "empty document");
	} else if (fy_document_root(fyd) == NULL) {
		dlp_error_set(err, path, 0, "empty document");
		fy_document_destroy(fyd);
		fyd = NULL;
	}
	fy_diag_unref(diag);
	return fyd;
}

/*
 * libfyaml 0.7 has marks on tokens only: a collection's line is taken from
 * its first scalar (a mapping's first key, a sequence's first item).
 */
unsigned
yaml_line(struct fy_node *n)
{
	const struct fy_mark *m;
	struct fy_token *t;
	struct fy_node_pair *pair;
	void *iter = NULL;
	int depth;

	for (depth = 0; n != NULL && depth < 64; depth++) {
		if (fy_node_is_scalar(n)) {
			if ((t = fy_node_get_scalar_token(n)) == NULL ||
			    (m = fy_token_start_mark(t)) == NULL)
				return 0;
			return (unsigned)m->line + 1;
		}
		iter = NULL;
		if (fy_node_is_mapping(n)) {
			pair = fy_node_mapping_iterate(n, &iter);
			n = pair != NULL ? fy_node_pair_key(pair) : NULL;
		} else if (fy_node_is_sequence(n)) {
			n = fy_node_sequence_iterate(n, &iter);
		} else {
			return 0;
		}
	}
	return 0;
}

int
yaml_fail(struct dlp_error *err, const char *path, struct fy_node *n,
    const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dlp_error_set(err, path, yaml_line(n), "%s", msg);
	return -1;
}

int
yaml_scalar(struct dlp_error *err, const char *path, struct fy_node *n,
    char *out, size_t outlen)
{
	const char *s;
	size_t len;

	if (n == NULL || !fy_node_is_scalar(n))
		return yaml_fail(err, path, n, "expected a single value");
	if ((s = fy_node_get_scalar(n, &len)) == NULL)
		return yaml_fail(err, path, n, "unreadable value");
	if (len >= outlen || memchr(s, '\0', len) != NULL)
		return yaml_fail(err, path, n, "value too long");
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

char *
yaml_strdup(struct dlp_error *err, const char *path, struct fy_node *n)
{
	const char *s;
	size_t len;
	char *p;

	if (n == NULL || !fy_node_is_scalar(n)) {
		yaml_fail(err, path, n, "expected a single value");
		return NULL;
	}
	if ((s = fy_node_get_scalar(n, &len)) == NULL ||
	    memchr(s, '\0', len) != NULL) {
		yaml_fail(err, path, n, "unreadable value");
		return NULL;
	}
	if ((p = strndup(s, len)) == NULL)
		yaml_fail(err, path, n, "out of memory");
	return p;
}

int
yaml_bool(struct dlp_error *err, const char *path, struct fy_node *n, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	char v[16];
	size_t i;

	if (yaml_scalar(err, path, n, v, sizeof(v)) < 0)
		return -1;
	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	return yaml_fail(err, path, n, "expected true or false, not '%s'", v);
}

int
yaml_uint(struct dlp_error *err, const char *path, struct fy_node *n,
    unsigned long long min, unsigned long long max, unsigned long long *out)
{
	char v[32], *end;
	unsigned long long x;

	if (yaml_scalar(err, path, n, v, sizeof(v)) < 0)
		return -1;
	if (v[0] < '0' || v[0] > '9')
		return yaml_fail(
		    err, path, n, "expected a number, not '%s'", v);
	errno = 0;
	x = strtoull(v, &end, v[0] == '0' && v[1] != '\0' ? 8 : 10);
	if (errno != 0 || *end != '\0')
		return yaml_fail(
		    err, path, n, "expected a number, not '%s'", v);
	if (x < min || x > max)
		return yaml_fail(err, path, n,
		    "%llu is out of range (%llu to %llu)", x, min, max);
	*out = x;
	return 0;
}

int
yaml_check_keys(struct dlp_error *err, const char *path, struct fy_node *n,
    const char *const *allowed)
{
	struct fy_node_pair *pair;
	void *iter = NULL;
	const char *k;
	size_t klen, i;

	if (n == NULL || !fy_node_is_mapping(n))
		return yaml_fail(
		    err, path, n, "expected a mapping (key: value)");
	while ((pair = fy_node_mapping_iterate(n, &iter)) != NULL) {
		struct fy_node *key = fy_node_pair_key(pair);

		if (key == NULL || !fy_node_is_scalar(key) ||
		    (k = fy_node_get_scalar(key, &klen)) == NULL)
			return yaml_fail(err, path, key, "bad key");
		for (i = 0; allowed[i] != NULL; i++)
			if (strlen(allowed[i]) == klen &&
			    memcmp(allowed[i], k, klen) == 0)
				break;
		if (allowed[i] == NULL)
			return yaml_fail(err, path, key, "unknown key '%.*s'",
			    (int)(klen > 64 ? 64 : klen), k);
	}
	return 0;
}

struct fy_node *
yaml_get(struct fy_node *n, const char *key)
{
	if (n == NULL || !fy_node_is_mapping(n))
		return NULL;
	return fy_node_mapping_lookup_by_string(n, key, strlen(key));
}
