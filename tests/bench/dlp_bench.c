/*
 * dlp-bench - how fast the engine scans messages, measured in one run
 * against baselines from the same run, because these machines are shared
 * and noisy: absolute figures mean little, ratios do.
 *
 * Usage: dlp-bench [-c CONFIG] [-t MS] [-r RULES] [-d] [-x TEXT]...
 *                  [BASELINE.eml MESSAGE.eml...]
 *
 * Each message is read into memory once and scanned repeatedly (whole
 * message per scan, fed in 64 KiB chunks as the daemon would) for at
 * least MS milliseconds (default 2000), after one warm-up scan. For each
 * it prints the input size, scans per second, milliseconds per scan, MB/s
 * of input, and the ratio of its MB/s to the baseline's; a memcpy loop
 * over the baseline gives the machine's memory speed for scale. Output is
 * one line per file, key=value, easy to put in a table.
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
 * sees the detect phase alone.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "detect.h"
#include "dlp.h"
#include "normalize.h"

#define CHUNK (64 * 1024)

struct input {
	const char *name;
	unsigned char *data;
	size_t len;
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
scan_once(struct dlp_engine *e, const struct input *in, size_t *text_bytes)
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

/* Scans per second of in, over at least min_s seconds. */
static double
rate(struct dlp_engine *e, const struct input *in, double min_s, int *action,
    size_t *text_bytes)
{
	double t0, t;
	long n = 0;

	*action = scan_once(e, in, text_bytes); /* warm-up */
	t0 = now_s();
	do {
		if (scan_once(e, in, NULL) < 0)
			return -1;
		n++;
		t = now_s() - t0;
	} while (t < min_s);
	return (double)n / t;
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
text_bench(
    const struct ruleset *rs, const char *path, double min_s, bool det_only)
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
	rc = detect_text(rs, buf_cstr(&norm), norm.len, &lim, false, count_cb,
	    &hits); /* warm-up, and the hit count */
	n = 0;
	t0 = now_s();
	c0 = cpu_s();
	do {
		size_t h = 0;

		rc = detect_text(
		    rs, buf_cstr(&norm), norm.len, &lim, false, count_cb, &h);
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

int
main(int argc, char **argv)
{
	const char *config = "conf/dlp-milter.yaml", *rules = "patterns";
	const char *texts[64];
	size_t n_texts = 0, k;
	struct ruleset *rs;
	struct dlp_error err = { 0 };
	struct dlp_engine *e;
	struct input in;
	double min_s = 2.0, base_mbs = 0, r, mbs;
	size_t text = 0;
	char msg[1200];
	int ch, i, action;
	bool det_only = false;

	while ((ch = getopt(argc, argv, "c:dt:r:x:")) != -1) {
		switch (ch) {
		case 'd':
			det_only = true;
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
		case 't':
			min_s = strtod(optarg, NULL) / 1000.0;
			break;
		default:
			fprintf(stderr,
			    "usage: dlp-bench [-c CONFIG] [-t MS] [-r RULES] "
			    "[-d] "
			    "[-x TEXT]... [BASELINE.eml MESSAGE.eml...]\n");
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
			if (text_bench(rs, texts[k], min_s, det_only) < 0) {
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
		if ((r = rate(e, &in, min_s, &action, &text)) < 0) {
			fprintf(
			    stderr, "dlp-bench: %s: scan failed\n", argv[i]);
			return 3;
		}
		mbs = (double)in.len * r / 1e6;
		if (i == optind) {
			base_mbs = mbs;
			printf("copy bytes=%zu MB/s=%.1f\n", in.len,
			    copy_rate(in.len, min_s));
		}
		printf("file=%s bytes=%zu text_bytes=%zu action=%s "
		       "scans/s=%.1f ms/scan=%.3f MB/s=%.2f text_MB/s=%.2f "
		       "ratio_to_baseline=%.3f\n",
		    in.name, in.len, text,
		    dlp_action_name((enum dlp_action)action), r, 1000.0 / r,
		    mbs, (double)text * r / 1e6, mbs / base_mbs);
		fflush(stdout);
		free(in.data);
	}
	dlp_engine_unref(e);
	return 0;
}
