/*
 * replay_main - a main() for the fuzz targets without libFuzzer: reads
 * each file named on the command line (a directory: every regular file
 * in it, in name order) and calls LLVMFuzzerTestOneInput() once per
 * file, after LLVMFuzzerInitialize() when the target has one.
 *
 * Built with gcc under ASan and UBSan into build/fuzz-replay/<target>,
 * it lets make test replay the committed crashers and a few seeds on a
 * machine without clang. A bug shows as a sanitizer report and a
 * non-zero exit (run it with UBSAN_OPTIONS=halt_on_error=1); the file
 * being replayed is printed first, so the report names it.
 *
 * Limits: a file is read whole, up to REPLAY_MAX bytes (larger files are
 * an error: no fuzz input is that large).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX (64u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int
replay_file(const char *path)
{
	FILE *fp;
	uint8_t *p = NULL;
	long n;
	int rc = -1;

	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    (size_t)n > REPLAY_MAX || fseek(fp, 0, SEEK_SET) != 0) {
		fprintf(stderr, "%s: cannot size, or over %u bytes\n", path,
		    REPLAY_MAX);
		goto out;
	}
	/* exactly n bytes: ASan then sees a read past the input */
	if ((p = malloc(n > 0 ? (size_t)n : 1)) == NULL ||
	    fread(p, 1, (size_t)n, fp) != (size_t)n) {
		fprintf(stderr, "%s: cannot read\n", path);
		goto out;
	}
	fprintf(stderr, "replay %s (%ld bytes)\n", path, n);
	LLVMFuzzerTestOneInput(p, (size_t)n);
	rc = 0;
out:
	free(p);
	fclose(fp);
	return rc;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* replay_dir: every regular file of dir, in name order; -1 on error. */
static int
replay_dir(const char *dir, size_t *count)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, **tmp, path[4096];
	size_t n = 0, cap = 0, i;
	struct stat st;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((tmp = realloc(names, cap * sizeof(*names))) ==
			    NULL) {
				rc = -1;
				break;
			}
			names = tmp;
		}
		if ((names[n] = strdup(e->d_name)) == NULL) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		if (rc == 0 &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			names[i]) < sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) < 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat st;
	size_t count = 0;
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				rc = 1;
		} else if (replay_file(argv[i]) < 0) {
			rc = 1;
		} else {
			count++;
		}
	}
	fprintf(stderr, "replayed %zu inputs\n", count);
	return rc;
}
