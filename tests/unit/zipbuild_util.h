/*
 * zipbuild_util.h - zips built in memory for the document extractors'
 * unit tests (OOXML and ODF packages, bombs, damaged archives), with
 * libarchive's writer, and fixtures written by Debian's Python packages.
 *
 *	static const struct zpart parts[] = {
 *		{ "[Content_Types].xml", CT, 0 },	// len 0: strlen
 *		{ "word/document.xml", doc, 0 },
 *	};
 *	size_t len;
 *	unsigned char *zip = zip_build(parts, 2, NULL, &len);	// free()
 *
 * options: a libarchive option string ("zip:compression=store",
 * "zip:encryption=traditional" with the passphrase "secret"), or NULL.
 * Include it in one test file per binary (it defines functions).
 */
#ifndef DLP_ZIPBUILD_UTIL_H
#define DLP_ZIPBUILD_UTIL_H

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"

#define ZB_UNUSED __attribute__((unused))

struct zpart {
	const char *name;
	const char *data;
	size_t len; /* 0: strlen(data) */
};

static la_ssize_t
zb_write(struct archive *a, void *arg, const void *p, size_t n)
{
	return buf_append(arg, p, n) == BUF_OK ? (la_ssize_t)n : -1;
}

/* zip_build: a zip of the parts; NULL on failure. The caller frees. */
ZB_UNUSED static unsigned char *
zip_build(const struct zpart *parts, size_t n, const char *options, size_t *len)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	struct buf out;
	size_t i, l;
	bool ok = true;

	buf_init(&out, 1u << 30);
	archive_write_set_format_zip(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (options != NULL) {
		ok = archive_write_set_options(a, options) == ARCHIVE_OK;
		if (strstr(options, "encryption") != NULL)
			ok = ok &&
			    archive_write_set_passphrase(a, "secret") ==
				ARCHIVE_OK;
	}
	ok = ok &&
	    archive_write_open2(a, &out, NULL, zb_write, NULL, NULL) ==
		ARCHIVE_OK;
	for (i = 0; ok && i < n; i++) {
		l = parts[i].len ? parts[i].len : strlen(parts[i].data);
		e = archive_entry_new();
		archive_entry_set_pathname(e, parts[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)l);
		ok = archive_write_header(a, e) == ARCHIVE_OK &&
		    (l == 0 ||
			archive_write_data(a, parts[i].data, l) ==
			    (la_ssize_t)l);
		archive_entry_free(e);
	}
	ok = archive_write_close(a) == ARCHIVE_OK && ok;
	archive_write_free(a);
	if (!ok) {
		buf_free(&out);
		return NULL;
	}
	return (unsigned char *)buf_steal(&out, len);
}

/* zb_repeat: n copies of s, then tail, as a malloc'ed string. */
ZB_UNUSED static char *
zb_repeat(const char *head, const char *s, size_t n, const char *tail)
{
	size_t hl = strlen(head), sl = strlen(s), tl = strlen(tail), i;
	char *p = malloc(hl + sl * n + tl + 1), *q = p;

	if (p == NULL)
		return NULL;
	memcpy(q, head, hl);
	q += hl;
	for (i = 0; i < n; i++, q += sl)
		memcpy(q, s, sl);
	memcpy(q, tail, tl + 1);
	return p;
}

/*
 * zb_python: run a Python script (Debian's /usr/bin/python3, whose
 * packages the Makefile installs) with a new temporary directory as
 * argv[1]; the directory is written to dir (size 64). module is imported
 * first. Returns 0 when the script succeeded, -1 when Python or the
 * module is missing (the caller skips), -2 when it failed otherwise.
 */
ZB_UNUSED static int
zb_python(const char *module, const char *script, char *dir)
{
	char cmd[256], path[128];
	FILE *fp;
	int rc;

	snprintf(dir, 64, "/tmp/dlp-zb.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -2;
	snprintf(path, sizeof(path), "%s/gen.py", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -2;
	fprintf(fp,
	    "import sys\ntry:\n    import %s\nexcept ImportError:\n"
	    "    sys.exit(77)\n",
	    module);
	fputs(script, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s 2>&1", path, dir);
	rc = system(cmd);
	if (rc != -1 && WIFEXITED(rc) &&
	    (WEXITSTATUS(rc) == 77 || WEXITSTATUS(rc) == 127)) {
		unlink(path);
		rmdir(dir);
		return -1;
	}
	return rc == 0 ? 0 : -2;
}

/* zb_cleanup: remove the directory zb_python made (files one deep). */
ZB_UNUSED static void
zb_cleanup(const char *dir, const char *const *files)
{
	char path[128];
	size_t i;

	snprintf(path, sizeof(path), "%s/gen.py", dir);
	unlink(path);
	for (i = 0; files[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

#endif
