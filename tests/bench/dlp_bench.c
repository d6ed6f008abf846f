/*
 * dlp-bench - how fast the engine scans messages, measured in one run
 * against baselines from the same run, because these machines are shared
 * and noisy: absolute figures mean little, ratios do.
 *
 * Usage: dlp-bench [-c CONFIG] [-t MS] [-r RULES] [-d] [-e] [-x TEXT]...
 *                  [-C DIR]... [-n PASSES] [BASELINE.eml MESSAGE.eml...]
 *
 * Each message is read into memory once and scanned repeatedly (whole
 * message per scan, fed in 64 KiB chunks as the daemon would) for at
 * least MS milliseconds (default 2000), after one warm-up scan. For each
 * it prints the input size, scans per second, milliseconds per scan, MB/s
 * of input, and the ratio of its MB/s to the baseline's; a memcpy loop
 * over the baseline gives the machine's memory speed for scale. Output is
 * one line per file, key=value, easy to put in a table.
 *
 * After each message's line a "stages" line says where its time went,
 * from the engine's own stage clock (dlp.h, struct dlp_stage_times),
 * summed over the timed scans: per stage (mime, extract, normalize,
 * detect, other) the milliseconds per scan, the share of the wall time
 * and the MB/s of what that stage read (its bytes over its time);
 * "outside" is what the stage clock does not see (dlp_scan_new() and
 * dlp_scan_free(): setting up and wiping).
 *
 * Each -C DIR scans a corpus: every file of DIR, each as one message. A
 * DIR with a MANIFEST.tsv (../shared/corpus/external) gives its files in
 * its first column and their kind in its fifth: mail kinds (mime-*,
 * smime-*, pgp-*, text-charset) are scanned as they are, every other
 * file as the only attachment of a small generated message, as
 * tests/corpus/ does with dlp-scan --attachment; any other DIR gives
 * every regular file below it (not *.json, not dot files), .eml as it
 * is and the rest attached. The files are read and wrapped once, scanned
 * once to warm up, then PASSES times (default 3); the corpus line gives
 * messages/s, MB/s and the ratio of its MB/s to the baseline's (the
 * first message, which -C needs), and its stages line the same per-stage
 * figures per pass, each stage's MB/s also as a ratio to the baseline's
 * ("ratio=-" where the baseline does not run that stage). The five
 * slowest files follow, with their dominant stage.
 *
 * Each -x TEXT (UTF-8, any size; a few MB is right) measures the two text
 * stages on their own, each against a plain copy loop (memcpy of the same
 * buffer) timed in the same invocation: normalisation of the file, and
 * detection with every rule of RULES (default patterns) over the
 * normalised text. MB/s are of the file (normalisation) and of the
 * normalised text (detection); the _cpu_ figures divide by the CPU time
 * of the thread instead of the wall-clock time, which is what one core
 * does when others compete for the machine. With -d only detection is
 * timed (the file is normalised once, no copy loops): a profiler then
 * sees the detect phase alone. Detection runs as the daemon's scan does
 * (no explanations); with -e as dlp-scan --explain does (every
 * candidate, each with its window and explanation).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attach_msg.h"
#include "detect.h"
#include "dlp.h"
#include "normalize.h"

#define CHUNK	  (64 * 1024)
#define MAX_FILES 100000
#define MAX_PATH  4096
#define N_SLOWEST 5

struct input {
	const char *name;
	unsigned char *data;
	size_t len;
};

/* One corpus file in memory, as the message scanned. */
struct cfile {
	char *path;
	unsigned char *data;
	size_t len;
	bool wrapped;		       /* attached to a generated message */
	struct dlp_stage_times stages; /* summed over the passes */
};

/* CPU seconds of this thread: what one core spent, whatever the load. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
read_file(const char *path, struct input *in)
{
	FILE *fp = fopen(path, "rb");
	long n;

	in->name = path;
	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0 ||
	    (in->data = malloc((size_t)n + 1)) == NULL ||
	    fread(in->data, 1, (size_t)n, fp) != (size_t)n) {
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	in->len = (size_t)n;
	fclose(fp);
	return 0;
}

/*
 * One scan of the whole message; the action, or -1 on failure. With
 * text_bytes, the text is kept and its size (normalised) returned there.
 */
static int
scan_once(struct dlp_engine *e, const struct input *in, size_t *text_bytes,
    struct dlp_stage_times *acc)
{
	static const char *const rcpt[] = { "<x@outside.test>" };
	struct dlp_envelope env = { "<bench@example.jp>", rcpt, 1, NULL, 0 };
	struct dlp_scan *s = dlp_scan_new(e, &env);
	size_t off, n;
	int action;

	if (s == NULL)
		return -1;
	if (text_bytes != NULL)
		dlp_scan_set_flags(s, DLP_SCAN_KEEP_TEXT);
	for (off = 0; off < in->len; off += n) {
		n = in->len - off < CHUNK ? in->len - off : CHUNK;
		if (dlp_scan_feed(s, in->data + off, n) == DLP_EFATAL)
			break;
	}
	dlp_scan_finish(s);
	action = (int)dlp_scan_report(s)->action;
	if (acc != NULL) {
		const struct dlp_stage_times *st = &dlp_scan_report(s)->stages;
		unsigned k;

		for (k = 0; k < DLP_N_STAGES; k++) {
			acc->ns[k] += st->ns[k];
			acc->bytes[k] += st->bytes[k];
		}
		acc->elapsed_ns += st->elapsed_ns;
	}
	if (text_bytes != NULL) {
		const struct dlp_report *r = dlp_scan_report(s);
		size_t i;

		*text_bytes = 0;
		for (i = 0; i < r->n_nodes; i++)
			*text_bytes += r->nodes[i].text_len;
	}
	dlp_scan_free(s);
	return action;
}

/*
 * Scans per second of in, over at least min_s seconds; the stages of the
 * timed scans are added to acc, their count and wall time put in *n and
 * *wall_s.
 */
static double
rate(struct dlp_engine *e, const struct input *in, double min_s, int *action,
    size_t *text_bytes, struct dlp_stage_times *acc, long *n, double *wall_s)
{
	double t0, t;

	*action = scan_once(e, in, text_bytes, NULL); /* warm-up */
	*n = 0;
	t0 = now_s();
	do {
		if (scan_once(e, in, NULL, acc) < 0)
			return -1;
		(*n)++;
		t = now_s() - t0;
	} while (t < min_s);
	*wall_s = t;
	return (double)*n / t;
}

/* MB/s of one stage: its bytes over its time; 0 when it did not run. */
static double
stage_mbs(const struct dlp_stage_times *st, unsigned k)
{
	return st->ns[k] > 0 ? (double)st->bytes[k] * 1e3 / (double)st->ns[k]
			     : 0;
}

/*
 * One "stages" line: per stage ms per unit (a scan, a pass), share of
 * the wall time, MB/s, and with base the ratio of that MB/s to base's.
 */
static void
print_stages(const char *what, const char *name,
    const struct dlp_stage_times *st, long units, double wall_s,
    const struct dlp_stage_times *base)
{
	double wall_ns = wall_s * 1e9, sum = 0;
	unsigned k;

	printf("stages %s=%s", what, name);
	for (k = 0; k < DLP_N_STAGES; k++) {
		const char *nm = dlp_stage_name((enum dlp_stage)k);

		sum += (double)st->ns[k];
		printf(" %s_ms=%.3f %s_share=%.3f %s_MB/s=%.2f", nm,
		    (double)st->ns[k] / 1e6 / (double)units, nm,
		    (double)st->ns[k] / wall_ns, nm, stage_mbs(st, k));
		if (base == NULL)
			continue;
		if (stage_mbs(st, k) > 0 && stage_mbs(base, k) > 0)
			printf(" %s_ratio=%.3f", nm,
			    stage_mbs(st, k) / stage_mbs(base, k));
		else
			printf(" %s_ratio=-", nm);
	}
	printf(" outside_ms=%.3f outside_share=%.3f\n",
	    (wall_ns - sum) / 1e6 / (double)units, (wall_ns - sum) / wall_ns);
	fflush(stdout);
}

/* MB/s of memcpy over len bytes, for scale. */
static double
copy_rate(size_t len, double min_s)
{
	unsigned char *a = malloc(len), *b = malloc(len);
	volatile unsigned char sink = 0;
	double t0, t;
	long n = 0;

	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return -1;
	}
	memset(a, 'x', len);
	t0 = now_s();
	do {
		memcpy(b, a, len);
		sink ^= b[n % len];
		n++;
		t = now_s() - t0;
	} while (t < min_s);
	free(a);
	free(b);
	(void)sink;
	return (double)len * (double)n / t / 1e6;
}

static int
count_cb(void *arg, const struct detect_match *m)
{
	size_t *n = arg;

	(void)m;
	(*n)++;
	return 0;
}

/*
 * Normalisation and detection throughput over one text file, each as
 * MB/s and as a ratio to a copy loop over the same bytes.
 */
static int
text_bench(const struct ruleset *rs, const char *path, double min_s,
    bool det_only, unsigned det_flags)
{
	struct dlp_limits lim;
	struct input in;
	struct buf norm;
	double t0, t, c0, norm_mbs, det_mbs, copy_in, copy_norm;
	double norm_cpu, det_cpu;
	size_t hits = 0;
	long n;
	int rc;

	if (read_file(path, &in) < 0) {
		fprintf(stderr, "dlp-bench: cannot read %s\n", path);
		return -1;
	}
	memset(&lim, 0, sizeof(lim));
	lim.pcre2_match_limit = 1000000;
	lim.pcre2_depth_limit = 10000;
	buf_init(&norm, 4 * in.len + 64);
	n = 0;
	t0 = now_s();
	c0 = cpu_s();
	do {
		if (det_only && n > 0)
			break;
		buf_reset(&norm);
		if (normalize_text((const char *)in.data, in.len, &norm) !=
		    BUF_OK) {
			fprintf(
			    stderr, "dlp-bench: %s: normalize failed\n", path);
			return -1;
		}
		n++;
		t = now_s() - t0;
	} while (t < min_s);
	norm_mbs = (double)in.len * (double)n / t / 1e6;
	norm_cpu = (double)in.len * (double)n / (cpu_s() - c0) / 1e6;
	rc = detect_text_flags(rs, buf_cstr(&norm), norm.len, &lim, det_flags,
	    count_cb, &hits); /* warm-up, and the hit count */
	n = 0;
	t0 = now_s();
	c0 = cpu_s();
	do {
		size_t h = 0;

		rc = detect_text_flags(rs, buf_cstr(&norm), norm.len, &lim,
		    det_flags, count_cb, &h);
		n++;
		t = now_s() - t0;
	} while (t < min_s && rc != DLP_EFATAL);
	det_mbs = (double)norm.len * (double)n / t / 1e6;
	det_cpu = (double)norm.len * (double)n / (cpu_s() - c0) / 1e6;
	if (det_only) {
		printf("text=%s norm_bytes=%zu hits=%zu rc=%d detect_MB/s=%.1f "
		       "detect_cpu_MB/s=%.1f\n",
		    path, norm.len, hits, rc, det_mbs, det_cpu);
		goto out;
	}
	copy_in = copy_rate(in.len, min_s);
	copy_norm = copy_rate(norm.len, min_s);
	printf("text=%s bytes=%zu norm_bytes=%zu hits=%zu rc=%d "
	       "norm_MB/s=%.1f norm_cpu_MB/s=%.1f norm_ratio_to_copy=%.4f "
	       "detect_MB/s=%.1f detect_cpu_MB/s=%.1f "
	       "detect_ratio_to_copy=%.4f copy_MB/s=%.1f\n",
	    path, in.len, norm.len, hits, rc, norm_mbs, norm_cpu,
	    norm_mbs / copy_in, det_mbs, det_cpu, det_mbs / copy_norm,
	    copy_norm);
out:
	fflush(stdout);
	buf_free(&norm);
	free(in.data);
	return rc == DLP_EFATAL ? -1 : 0;
}

/* Corpus mode (-C) */

/*
 * f's bytes as the only attachment of a small message, as dlp-scan
 * --attachment makes it (attach_msg.h).
 */
static int
wrap(struct cfile *f, unsigned char *raw, size_t len)
{
	struct buf m;

	buf_init(&m, len / 3 * 4 + len / 57 + 16384);
	if (attach_msg_head(
		&m, f->path, "bench@example.jp", "x@outside.test") != BUF_OK ||
	    attach_msg_base64(&m, raw, len) != BUF_OK ||
	    buf_puts(&m, ATTACH_MSG_TAIL) != BUF_OK) {
		buf_free(&m);
		return -1;
	}
	f->data = (unsigned char *)buf_steal(&m, &f->len);
	f->wrapped = true;
	return 0;
}

/* Read path into f, attached to a message unless as_mail. */
static int
cfile_load(struct cfile *f, const char *path, bool as_mail)
{
	struct input in;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL || read_file(path, &in) < 0) {
		fprintf(stderr, "dlp-bench: cannot read %s\n", path);
		return -1;
	}
	if (as_mail) {
		f->data = in.data;
		f->len = in.len;
		return 0;
	}
	rc = wrap(f, in.data, in.len);
	free(in.data);
	return rc;
}

struct corpus {
	struct cfile *f;
	size_t n, cap;
};

static int
corpus_add(struct corpus *c, const char *path, bool as_mail)
{
	if (c->n == MAX_FILES) {
		fprintf(stderr, "dlp-bench: more than %d files\n", MAX_FILES);
		return -1;
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		void *p = realloc(c->f, ncap * sizeof(*c->f));

		if (p == NULL)
			return -1;
		c->f = p;
		c->cap = ncap;
	}
	if (cfile_load(&c->f[c->n], path, as_mail) < 0) {
		free(c->f[c->n].path);
		return -1;
	}
	c->n++;
	return 0;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* The files a MANIFEST.tsv lists; mail kinds are read as messages. */
static int
corpus_manifest(struct corpus *c, const char *dir, FILE *fp)
{
	char *line = NULL, path[MAX_PATH], *kind, *tab;
	size_t cap = 0;
	ssize_t len;
	int field, rc = 0;
	bool first = true, mail;

	while (rc == 0 && (len = getline(&line, &cap, fp)) > 0) {
		if (first) { /* the header */
			first = false;
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if ((tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		for (kind = tab + 1, field = 2; field < 5 && kind != NULL;
		     field++) {
			kind = strchr(kind, '\t');
			kind = kind ? kind + 1 : NULL;
		}
		if (kind == NULL)
			continue;
		kind[strcspn(kind, "\t")] = '\0';
		mail = strncmp(kind, "mime-", 5) == 0 ||
		    strncmp(kind, "smime-", 6) == 0 ||
		    strncmp(kind, "pgp-", 4) == 0 ||
		    strcmp(kind, "text-charset") == 0;
		if (snprintf(path, sizeof(path), "%s/%s", dir, line) >=
		    (int)sizeof(path))
			rc = -1;
		else
			rc = corpus_add(c, path, mail);
	}
	free(line);
	return rc;
}

/* Every regular file below dir (not *.json, not dot files). */
static int
corpus_walk(struct corpus *c, const char *dir, unsigned depth)
{
	char path[MAX_PATH];
	struct dirent *d;
	struct stat st;
	DIR *dp;
	int rc = 0;

	if (depth > 32 || (dp = opendir(dir)) == NULL) {
		fprintf(stderr, "dlp-bench: cannot read %s\n", dir);
		return -1;
	}
	while (rc == 0 && (d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.' || ends_with(d->d_name, ".json"))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >=
			(int)sizeof(path) ||
		    lstat(path, &st) < 0)
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc = corpus_walk(c, path, depth + 1);
		else if (S_ISREG(st.st_mode))
			rc = corpus_add(c, path, ends_with(path, ".eml"));
	}
	closedir(dp);
	return rc;
}

static int
cmp_path(const void *a, const void *b)
{
	return strcmp(
	    ((const struct cfile *)a)->path, ((const struct cfile *)b)->path);
}

static int
cmp_slow(const void *a, const void *b)
{
	uint64_t x = ((const struct cfile *)a)->stages.elapsed_ns;
	uint64_t y = ((const struct cfile *)b)->stages.elapsed_ns;

	return x < y ? 1 : x > y ? -1 : 0;
}

static void
corpus_free(struct corpus *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->f[i].path);
		free(c->f[i].data);
	}
	free(c->f);
}

/*
 * Scan every file of dir once to warm up, then passes times; print the
 * corpus line, its stages and the slowest files, against the baseline
 * (its MB/s and stages per scan).
 */
static int
corpus_bench(struct dlp_engine *e, const char *dir, long passes,
    double base_mbs, const struct dlp_stage_times *base)
{
	struct corpus c = { 0 };
	struct dlp_stage_times all = { 0 };
	struct input in;
	char mpath[MAX_PATH];
	size_t i, bytes = 0, wrapped = 0;
	double t0, t, mbs;
	long p;
	unsigned k, top;
	FILE *fp;
	int rc = 0;

	snprintf(mpath, sizeof(mpath), "%s/MANIFEST.tsv", dir);
	if ((fp = fopen(mpath, "r")) != NULL) {
		rc = corpus_manifest(&c, dir, fp);
		fclose(fp);
	} else {
		rc = corpus_walk(&c, dir, 0);
		qsort(c.f, c.n, sizeof(*c.f), cmp_path);
	}
	if (rc < 0 || c.n == 0) {
		fprintf(stderr, "dlp-bench: %s: no corpus\n", dir);
		corpus_free(&c);
		return -1;
	}
	for (i = 0; i < c.n; i++) {
		bytes += c.f[i].len;
		wrapped += c.f[i].wrapped;
		in = (struct input){ c.f[i].path, c.f[i].data, c.f[i].len };
		if (scan_once(e, &in, NULL, NULL) < 0) /* warm-up */
			rc = -1;
	}
	t0 = now_s();
	for (p = 0; p < passes && rc == 0; p++)
		for (i = 0; i < c.n && rc == 0; i++) {
			in = (struct input){ c.f[i].path, c.f[i].data,
				c.f[i].len };
			if (scan_once(e, &in, NULL, &c.f[i].stages) < 0)
				rc = -1;
		}
	t = now_s() - t0;
	if (rc < 0) {
		fprintf(stderr, "dlp-bench: %s: scan failed\n", dir);
		corpus_free(&c);
		return -1;
	}
	for (i = 0; i < c.n; i++) {
		for (k = 0; k < DLP_N_STAGES; k++) {
			all.ns[k] += c.f[i].stages.ns[k];
			all.bytes[k] += c.f[i].stages.bytes[k];
		}
		all.elapsed_ns += c.f[i].stages.elapsed_ns;
	}
	mbs = (double)bytes * (double)passes / t / 1e6;
	printf("corpus=%s files=%zu attached=%zu bytes=%zu passes=%ld "
	       "msgs/s=%.1f ms/pass=%.1f MB/s=%.2f ratio_to_baseline=%.3f\n",
	    dir, c.n, wrapped, bytes, passes, (double)c.n * (double)passes / t,
	    t * 1000.0 / (double)passes, mbs, mbs / base_mbs);
	print_stages("corpus", dir, &all, passes, t, base);
	qsort(c.f, c.n, sizeof(*c.f), cmp_slow);
	for (i = 0; i < c.n && i < N_SLOWEST; i++) {
		const struct dlp_stage_times *st = &c.f[i].stages;

		for (top = 0, k = 1; k < DLP_N_STAGES; k++)
			if (st->ns[k] > st->ns[top])
				top = k;
		printf("slow corpus=%s file=%s bytes=%zu ms/scan=%.3f "
		       "top_stage=%s top_share=%.3f\n",
		    dir, c.f[i].path, c.f[i].len,
		    (double)st->elapsed_ns / 1e6 / (double)passes,
		    dlp_stage_name((enum dlp_stage)top),
		    st->elapsed_ns
			? (double)st->ns[top] / (double)st->elapsed_ns
			: 0);
	}
	fflush(stdout);
	corpus_free(&c);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *config = "conf/dlp-milter.yaml", *rules = "patterns";
	const char *texts[64], *corpora[16];
	size_t n_texts = 0, n_corpora = 0, k;
	struct ruleset *rs;
	struct dlp_error err = { 0 };
	struct dlp_stage_times base_st = { 0 }, st;
	struct dlp_engine *e;
	struct input in;
	double min_s = 2.0, base_mbs = 0, r, mbs, wall;
	size_t text = 0;
	long passes = 3, n;
	char msg[1200];
	int ch, i, action;
	bool det_only = false;
	unsigned det_flags = 0;

	while ((ch = getopt(argc, argv, "c:det:r:x:C:n:")) != -1) {
		switch (ch) {
		case 'd':
			det_only = true;
			break;
		case 'e':
			det_flags = DETECT_DROPPED | DETECT_EXPLAIN;
			break;
		case 'c':
			config = optarg;
			break;
		case 'r':
			rules = optarg;
			break;
		case 'x':
			if (n_texts < sizeof(texts) / sizeof(texts[0]))
				texts[n_texts++] = optarg;
			break;
		case 'C':
			if (n_corpora < sizeof(corpora) / sizeof(corpora[0]))
				corpora[n_corpora++] = optarg;
			break;
		case 'n':
			passes = strtol(optarg, NULL, 10);
			if (passes < 1 || passes > 1000000)
				passes = 1;
			break;
		case 't':
			min_s = strtod(optarg, NULL) / 1000.0;
			break;
		default:
			fprintf(stderr,
			    "usage: dlp-bench [-c CONFIG] [-t MS] [-r RULES] "
			    "[-d] [-e] [-x TEXT]... [-C DIR]... [-n PASSES]\n"
			    "                 [BASELINE.eml MESSAGE.eml...]\n");
			return 2;
		}
	}
	if (n_texts > 0) {
		if ((rs = ruleset_load(rules, &err)) == NULL) {
			dlp_error_format(&err, msg, sizeof(msg));
			fprintf(stderr, "dlp-bench: %s\n", msg);
			return 2;
		}
		for (k = 0; k < n_texts; k++)
			if (text_bench(
				rs, texts[k], min_s, det_only, det_flags) < 0) {
				ruleset_free(rs);
				return 3;
			}
		ruleset_free(rs);
		if (optind >= argc)
			return 0;
	}
	if (optind >= argc) {
		fprintf(stderr, "dlp-bench: no baseline message\n");
		return 2;
	}
	if ((e = dlp_engine_load(config, &err)) == NULL) {
		dlp_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "dlp-bench: %s\n", msg);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		if (read_file(argv[i], &in) < 0) {
			fprintf(stderr, "dlp-bench: cannot read %s\n", argv[i]);
			return 2;
		}
		memset(&st, 0, sizeof(st));
		if ((r = rate(e, &in, min_s, &action, &text, &st, &n, &wall)) <
		    0) {
			fprintf(
			    stderr, "dlp-bench: %s: scan failed\n", argv[i]);
			return 3;
		}
		mbs = (double)in.len * r / 1e6;
		if (i == optind) {
			base_mbs = mbs;
			base_st = st;
			printf("copy bytes=%zu MB/s=%.1f\n", in.len,
			    copy_rate(in.len, min_s));
		}
		printf("file=%s bytes=%zu text_bytes=%zu action=%s "
		       "scans/s=%.1f ms/scan=%.3f MB/s=%.2f text_MB/s=%.2f "
		       "ratio_to_baseline=%.3f\n",
		    in.name, in.len, text,
		    dlp_action_name((enum dlp_action)action), r, 1000.0 / r,
		    mbs, (double)text * r / 1e6, mbs / base_mbs);
		print_stages("file", in.name, &st, n, wall,
		    i == optind ? NULL : &base_st);
		free(in.data);
	}
	for (k = 0; k < n_corpora; k++)
		if (corpus_bench(e, corpora[k], passes, base_mbs, &base_st) <
		    0) {
			dlp_engine_unref(e);
			return 3;
		}
	dlp_engine_unref(e);
	return 0;
}
