/*
 * Unit tests for person (the person_record detector): the examples of
 * patterns/person_record.yaml run through the detector directly, every
 * error path of load, counting (the same person twice is one value),
 * masking, the bounds (records, emit asking to stop, long lines), and a
 * speed figure printed (MB/s against memchr; never asserted). Every name,
 * street number and phone number is synthetic; the dictionaries are the
 * ones `make` generates in patterns/dict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "detector.h"
#include "normalize.h"
#include "person.h"
#include "yamlutil.h"

#define RULES "patterns"
#define RULE  RULES "/person_record.yaml"

static const char *v_sur[] = { "dict/jp_surnames.txt" };
static const char *v_giv[] = { "dict/jp_given_names.txt" };
static const char *v_post[] = { "dict/jp_postal.txt" };

static void *shared; /* loaded once with the three dictionaries */

struct hits {
	size_t n;
	enum dlp_confidence best;
	char values[64][256];
	char masked[64][128];
	char seen[64][512];
	enum dlp_confidence conf[64];
	size_t stop_after; /* 0: never stop */
};

static int
collect(void *arg, const struct detector_hit *h)
{
	struct hits *hs = arg;

	if (hs->n < 64) {
		snprintf(
		    hs->values[hs->n], sizeof(hs->values[0]), "%s", h->value);
		snprintf(
		    hs->masked[hs->n], sizeof(hs->masked[0]), "%s", h->masked);
		snprintf(hs->seen[hs->n], sizeof(hs->seen[0]), "%s",
		    h->context_seen);
		hs->conf[hs->n] = h->confidence;
	}
	if (h->confidence > hs->best)
		hs->best = h->confidence;
	hs->n++;
	return hs->stop_after != 0 && hs->n >= hs->stop_after;
}

static void *
load3(struct detector_param *extra, size_t n_extra, struct dlp_error *err)
{
	struct detector_param p[8] = {
		{ "surnames", v_sur, 1, 1 },
		{ "given_names", v_giv, 1, 2 },
		{ "postal", v_post, 1, 3 },
	};
	size_t i;

	for (i = 0; i < n_extra && i < 5; i++)
		p[3 + i] = extra[i];
	return person_record_ops.load(RULES, "t.yaml", p, 3 + n_extra, err);
}

/* Normalise text as the scan does, then run the detector. */
static int
run_text(const void *st, const char *text, struct hits *hs)
{
	struct buf b;
	int rc;

	buf_init(&b, 1u << 26);
	assert_int_equal(normalize_text(text, strlen(text), &b), BUF_OK);
	rc = person_record_ops.run(
	    st, b.data ? (const char *)b.data : "", b.len, false, collect, hs);
	buf_free(&b);
	return rc;
}

static int
setup(void **state)
{
	struct dlp_error err;

	shared = load3(NULL, 0, &err);
	if (shared == NULL)
		fprintf(
		    stderr, "load: %s:%u: %s\n", err.file, err.line, err.msg);
	return shared == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	person_record_ops.free(shared);
	return 0;
}

static const char *
conf_name(enum dlp_confidence c)
{
	static const char *const n[] = { "none", "low", "medium", "high" };

	return n[c];
}

static enum dlp_confidence
conf_parse(const char *s)
{
	if (strcmp(s, "low") == 0)
		return DLP_CONF_LOW;
	if (strcmp(s, "medium") == 0)
		return DLP_CONF_MEDIUM;
	if (strcmp(s, "high") == 0)
		return DLP_CONF_HIGH;
	fail_msg("unknown confidence %s", s);
	return DLP_CONF_NONE;
}

/* ---- the rule file's examples ---- */

static void
test_rule_file_examples_behave_as_written(void **state)
{
	struct dlp_error err;
	struct fy_document *doc = yaml_load(RULE, &err);
	struct fy_node *rule, *params, *ex, *list, *it;
	struct detector_param p[16];
	const char *vals[16][64];
	void *iter = NULL, *st;
	struct fy_node_pair *pair;
	size_t np = 0, n_match = 0, n_no = 0;

	assert_non_null(doc);
	rule = fy_node_sequence_get_by_index(
	    yaml_get(fy_document_root(doc), "rules"), 0);
	assert_non_null(rule);
	assert_string_equal(
	    fy_node_get_scalar0(yaml_get(rule, "detector")), "person_record");
	params = yaml_get(rule, "params");
	assert_non_null(params);
	while ((pair = fy_node_mapping_iterate(params, &iter)) != NULL &&
	    np < 16) {
		struct fy_node *v = fy_node_pair_value(pair);
		size_t nv = 0;

		p[np].key = fy_node_get_scalar0(fy_node_pair_key(pair));
		p[np].line = yaml_line(fy_node_pair_key(pair));
		if (fy_node_is_sequence(v)) {
			void *i2 = NULL;

			while (
			    (it = fy_node_sequence_iterate(v, &i2)) != NULL &&
			    nv < 64)
				vals[np][nv++] = fy_node_get_scalar0(it);
		} else
			vals[np][nv++] = fy_node_get_scalar0(v);
		p[np].values = vals[np];
		p[np].n_values = nv;
		np++;
	}
	st = person_record_ops.load(RULES, RULE, p, np, &err);
	if (st == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	ex = yaml_get(rule, "examples");
	list = yaml_get(ex, "match");
	iter = NULL;
	while ((it = fy_node_sequence_iterate(list, &iter)) != NULL) {
		struct hits hs = { 0 };
		const char *text = fy_node_is_mapping(it)
		    ? fy_node_get_scalar0(yaml_get(it, "text"))
		    : fy_node_get_scalar0(it);
		struct fy_node *c =
		    fy_node_is_mapping(it) ? yaml_get(it, "confidence") : NULL;

		assert_int_equal(run_text(st, text, &hs), DLP_OK);
		if (hs.best == DLP_CONF_NONE)
			fail_msg("match example not matched (line %u)",
			    yaml_line(it));
		if (c != NULL && hs.best != conf_parse(fy_node_get_scalar0(c)))
			fail_msg("match example at line %u: %s, not %s (%s)",
			    yaml_line(it), conf_name(hs.best),
			    fy_node_get_scalar0(c), hs.seen[0]);
		n_match++;
	}
	list = yaml_get(ex, "no_match");
	iter = NULL;
	while ((it = fy_node_sequence_iterate(list, &iter)) != NULL) {
		struct hits hs = { 0 };

		assert_int_equal(
		    run_text(st, fy_node_get_scalar0(it), &hs), DLP_OK);
		if (hs.best != DLP_CONF_NONE)
			fail_msg("no_match example at line %u matched: %s (%s)",
			    yaml_line(it), conf_name(hs.best), hs.seen[0]);
		n_no++;
	}
	assert_true(n_match >= 10);
	assert_true(n_no >= 5);
	person_record_ops.free(st);
	fy_document_destroy(doc);
}

/* ---- load: every error path ---- */

static void
expect_load_error(struct detector_param *p, size_t n, bool with_files,
    const char *needle, unsigned line)
{
	struct dlp_error err;
	void *st;

	memset(&err, 0, sizeof(err));
	if (with_files)
		st = load3(p, n, &err);
	else
		st = person_record_ops.load(RULES, "t.yaml", p, n, &err);
	assert_null(st);
	if (strstr(err.msg, needle) == NULL)
		fail_msg("error '%s' lacks '%s'", err.msg, needle);
	assert_string_equal(err.file, "t.yaml");
	assert_int_equal(err.line, line);
}

static void
test_load_fails_on_a_missing_dictionary(void **state)
{
	const char *nofile[] = { "dict/no_such_file.txt" };
	struct detector_param p[3] = {
		{ "surnames", nofile, 1, 4 },
		{ "given_names", v_giv, 1, 5 },
		{ "postal", v_post, 1, 6 },
	};

	expect_load_error(p, 3, false, "no_such_file.txt", 4);
	p[0].values = v_sur;
	p[2].values = nofile;
	expect_load_error(p, 3, false, "cannot open", 6);
}

static void
test_load_fails_on_an_empty_dictionary(void **state)
{
	char dir[] = "/tmp/test_person.XXXXXX", path[128], rel[160];
	const char *v[] = { rel };
	struct detector_param p[3] = {
		{ "surnames", v_sur, 1, 4 },
		{ "given_names", v, 1, 5 },
		{ "postal", v_post, 1, 6 },
	};
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/empty.txt", dir);
	snprintf(rel, sizeof(rel), "%s", path); /* absolute: kept as is */
	assert_non_null(fp = fopen(path, "w"));
	fputs("# only a comment\n\n", fp);
	fclose(fp);
	expect_load_error(p, 3, false, "no entries", 5);
	/* an empty postal table, and a malformed one */
	p[1].values = v_giv;
	p[2].values = v;
	expect_load_error(p, 3, false, "no entries", 6);
	assert_non_null(fp = fopen(path, "w"));
	fputs("1000001\t東京都千代田区千代田\n100001 /東京都/\n", fp);
	fclose(fp);
	expect_load_error(p, 3, false, ":2: not", 6);
	unlink(path);
	rmdir(dir);
}

static void
test_load_fails_on_unknown_missing_and_bad_params(void **state)
{
	const char *one[] = { "x" }, *zero[] = { "0" }, *big[] = { "1001" };
	const char *two[] = { "a.txt", "b.txt" };
	const char *toolong[] = {
		"ああああああああああああああああああああああああ"
	};
	struct detector_param unknown = { "surname", one, 1, 9 };
	struct detector_param window0 = { "window", zero, 1, 10 };
	struct detector_param window_big = { "window", big, 1, 11 };
	struct detector_param window_text = { "window", one, 1, 12 };
	struct detector_param recs = { "max_records", zero, 1, 13 };
	struct detector_param org = { "org_words", toolong, 1, 14 };
	struct detector_param org_empty = { "org_words", one, 0, 15 };
	struct detector_param only_two[2] = {
		{ "surnames", v_sur, 1, 4 },
		{ "postal", v_post, 1, 6 },
	};
	struct detector_param two_files[3] = {
		{ "surnames", two, 2, 4 },
		{ "given_names", v_giv, 1, 5 },
		{ "postal", v_post, 1, 6 },
	};

	expect_load_error(&unknown, 1, true, "unknown param 'surname'", 9);
	expect_load_error(&window0, 1, true, "window", 10);
	expect_load_error(&window_big, 1, true, "window", 11);
	expect_load_error(&window_text, 1, true, "window", 12);
	expect_load_error(&recs, 1, true, "max_records", 13);
	expect_load_error(&org, 1, true, "org_words: entry 1", 14);
	expect_load_error(&org_empty, 1, true, "org_words: empty", 15);
	expect_load_error(only_two, 2, false, "missing param 'given_names'", 0);
	expect_load_error(two_files, 3, false, "one file name", 4);
}

static void
test_load_accepts_lists_that_replace_the_defaults(void **state)
{
	const char *orgs[] = { "商店" }, *w[] = { "200" };
	struct detector_param p[2] = { { "org_words", orgs, 1, 7 },
		{ "window", w, 1, 8 } };
	struct dlp_error err;
	struct hits hs = { 0 };
	void *st = load3(p, 2, &err);

	assert_non_null(st);
	/* 商店 is now an organisation word; 株式会社 no longer is */
	run_text(st, "高橋 健一\n高橋商店\n東京都世田谷区太子堂1-2-3\n", &hs);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.conf[0], DLP_CONF_LOW);
	memset(&hs, 0, sizeof(hs));
	run_text(st, "高橋 健一\n株式会社\n東京都世田谷区太子堂1-2-3\n", &hs);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.conf[0], DLP_CONF_MEDIUM);
	person_record_ops.free(st);
	person_record_ops.free(NULL);
}

/* ---- records ---- */

static void
test_same_person_written_twice_is_one_value(void **state)
{
	struct hits hs = { 0 };

	run_text(shared,
	    "氏名: 山口 恵子\n住所: 東京都新宿区新宿3丁目4番5号\n\n"
	    "山口恵子,東京都新宿区新宿3-4-5,090-3333-4444\n",
	    &hs);
	assert_int_equal(hs.n, 2);
	assert_string_equal(hs.values[0], hs.values[1]);
	assert_string_equal(hs.values[0], "山口恵子|東京都新宿区|3-4-5");
	/* one distinct person: no "two records" support */
	assert_null(strstr(hs.seen[0], "records:2+"));
}

static void
test_masked_form_hides_name_and_street(void **state)
{
	struct hits hs = { 0 };
	size_t i;

	run_text(shared,
	    "氏名,住所\n松本 拓也,京都府京都市中京区菱屋町12-34\n"
	    "井上 優子,石川県金沢市香林坊5-6-7\n",
	    &hs);
	assert_int_equal(hs.n, 2);
	for (i = 0; i < 2; i++) {
		assert_null(strstr(hs.masked[i], "拓也"));
		assert_null(strstr(hs.masked[i], "優子"));
		assert_null(strstr(hs.masked[i], "12-34"));
		assert_null(strstr(hs.masked[i], "5-6-7"));
		assert_non_null(strstr(hs.masked[i], "**"));
	}
	assert_string_equal(hs.masked[0], "松** / 京都府京都市中京区…");
}

static void
test_header_with_split_address_columns_gives_roles(void **state)
{
	struct hits hs = { 0 };

	/* 都道府県 and 市区町村 hold anchors: the header is still a header */
	run_text(shared,
	    "氏名\tフリガナ\t郵便番号\t都道府県\t市区町村\t番地\n"
	    "松本 拓也\tマツモト タクヤ\t604-8131\t京都府\t京都市中京区菱屋町\t"
	    "12-34\n",
	    &hs);
	assert_int_equal(hs.n, 1);
	assert_string_equal(hs.values[0], "松本拓也|京都府京都市中京区|12-34");
	assert_non_null(strstr(hs.seen[0], "column:氏名"));
	assert_non_null(strstr(hs.seen[0], "postal:agrees"));
	assert_non_null(strstr(hs.seen[0], "table:header"));
	assert_int_equal(hs.best, DLP_CONF_HIGH);
}

static void
test_two_distinct_records_support_each_other(void **state)
{
	struct hits hs = { 0 };

	/* alone, a labelled name and a full address are medium */
	run_text(
	    shared, "氏名: 森 真一\n住所: 熊本県熊本市中央区花畑町1-2\n", &hs);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.best, DLP_CONF_MEDIUM);
	memset(&hs, 0, sizeof(hs));
	run_text(shared,
	    "氏名: 森 真一\n住所: 熊本県熊本市中央区花畑町1-2\n\n"
	    "氏名: 池田 千尋\n住所: 広島県広島市中区基町3-4\n",
	    &hs);
	assert_int_equal(hs.n, 2);
	assert_int_equal(hs.conf[0], DLP_CONF_HIGH);
	assert_int_equal(hs.conf[1], DLP_CONF_HIGH);
}

static void
test_text_without_anchor_emits_nothing(void **state)
{
	struct hits hs = { 0 };

	assert_int_equal(
	    person_record_ops.run(shared, "", 0, true, collect, &hs), DLP_OK);
	assert_int_equal(
	    run_text(shared,
		"本日の会議は15時からです。山田さん、資料をお願いします。",
		&hs),
	    DLP_OK);
	assert_int_equal(hs.n, 0);
}

static void
test_dropped_candidates_only_with_report_dropped(void **state)
{
	const char *t = "株式会社サンプル（本社：東京都千代田区千代田1-2-3、"
			"代表取締役社長：山田太郎）";
	struct buf b;
	struct hits hs = { 0 };

	buf_init(&b, 1u << 20);
	assert_int_equal(normalize_text(t, strlen(t), &b), BUF_OK);
	person_record_ops.run(
	    shared, (const char *)b.data, b.len, false, collect, &hs);
	assert_int_equal(hs.n, 0);
	person_record_ops.run(
	    shared, (const char *)b.data, b.len, true, collect, &hs);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.conf[0], DLP_CONF_NONE);
	assert_non_null(strstr(hs.seen[0], "rejected:office address"));
	buf_free(&b);
}

static void
test_table_typed_with_spaces_finds_names_by_column(void **state)
{
	struct hits hs = { 0 };

	/* header and rows split on single spaces; the surnames are not in
	   the dictionary: the name is the word(s) in the name column */
	run_text(shared,
	    "No. 氏名 郵便番号 住所 電話番号\n"
	    "1 汐見坂 詠弥 604-8131 京都府京都市中京区菱屋町12-34 "
	    "090-1111-2222\n"
	    "2 霞ヶ淵 朔良 920-0961 石川県金沢市香林坊5-6-7 松風ハイツ 101 "
	    "080-3333-4444\n"
	    "3 苔丸 楓雅 530-0001 大阪府大阪市北区梅田1丁目2番3号 "
	    "06-5555-6666\n",
	    &hs);
	assert_int_equal(hs.n, 3);
	assert_string_equal(
	    hs.values[0], "汐見坂詠弥|京都府京都市中京区|12-34");
	assert_string_equal(hs.values[2], "苔丸楓雅|大阪府大阪市北区|1-2-3");
	assert_non_null(strstr(hs.seen[0], "column:氏名"));
	assert_non_null(strstr(hs.seen[0], "table:header"));
	assert_int_equal(hs.conf[0], DLP_CONF_HIGH);
	/* a row without a name of its own takes no neighbour's */
	memset(&hs, 0, sizeof(hs));
	run_text(shared,
	    "氏名 住所\n汐見坂 詠弥 京都府京都市中京区菱屋町12-34\n"
	    "- 石川県金沢市香林坊5-6-7\n苔丸 楓雅 大阪府大阪市北区梅田1-2-3\n",
	    &hs);
	assert_int_equal(hs.n, 2);
	assert_string_equal(
	    hs.values[0], "汐見坂詠弥|京都府京都市中京区|12-34");
	assert_string_equal(hs.values[1], "苔丸楓雅|大阪府大阪市北区|1-2-3");
}

static void
test_table_typed_with_spaces_reading_and_runs(void **state)
{
	struct hits hs = { 0 };

	/* a name without a space, then its reading: the reading is not
	   the given name */
	run_text(shared,
	    "氏名 フリガナ 住所\n"
	    "汐見坂詠弥 シオミザカ エイヤ 京都府京都市中京区菱屋町12-34\n"
	    "苔丸楓雅 コケマル フウガ 大阪府大阪市北区梅田1-2-3\n",
	    &hs);
	assert_int_equal(hs.n, 2);
	assert_string_equal(
	    hs.values[0], "汐見坂詠弥|京都府京都市中京区|12-34");
	assert_non_null(strstr(hs.seen[0], "reading"));
	/* columns aligned with runs of spaces (full-width spaces too) */
	memset(&hs, 0, sizeof(hs));
	run_text(shared,
	    "氏名　　　　　住所\n"
	    "汐見坂　詠弥　京都府京都市中京区菱屋町12-34\n"
	    "苔丸　楓雅　　大阪府大阪市北区梅田1-2-3\n",
	    &hs);
	assert_int_equal(hs.n, 2);
	assert_string_equal(hs.values[1], "苔丸楓雅|大阪府大阪市北区|1-2-3");
	assert_int_equal(hs.best, DLP_CONF_HIGH);
}

static void
test_sentence_naming_labels_is_no_header(void **state)
{
	struct hits hs = { 0 };

	/* labels in prose: no table, so no column gives a name */
	run_text(shared,
	    "氏名 住所 をご記入ください\n汐見坂 詠弥 "
	    "京都府京都市中京区菱屋町12-34\n",
	    &hs);
	assert_int_equal(hs.n, 0);
}

static void
test_two_kanji_words_before_an_honorific_are_a_name(void **state)
{
	struct hits hs = { 0 };

	run_text(shared,
	    "〒604-8131 京都府京都市中京区菱屋町12-34\n汐見坂 詠弥 様\n", &hs);
	assert_int_equal(hs.n, 1);
	assert_string_equal(
	    hs.values[0], "汐見坂詠弥|京都府京都市中京区|12-34");
	assert_non_null(strstr(hs.seen[0], "honorific:様"));
	assert_int_equal(hs.best, DLP_CONF_MEDIUM);
	/* one unknown word (a greeting's surname, a company) is not */
	memset(&hs, 0, sizeof(hs));
	run_text(
	    shared, "〒604-8131 京都府京都市中京区菱屋町12-34\n苔丸様\n", &hs);
	assert_int_equal(hs.n, 0);
}

static void
test_placeholder_inside_a_place_name_does_not_count(void **state)
{
	struct hits hs = { 0 };

	/* 見本 inside 吉見本町 (a town) */
	run_text(shared,
	    "氏名: 苔丸 楓雅\n住所: 山口県下関市吉見本町8丁目9番1号\n", &hs);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.best, DLP_CONF_MEDIUM);
	assert_null(strstr(hs.seen[0], "placeholder"));
	/* 見本 as a word of its own still does */
	memset(&hs, 0, sizeof(hs));
	run_text(shared,
	    "見本\n氏名: 苔丸 楓雅\n住所: 山口県下関市吉見本町8丁目9番1号\n",
	    &hs);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.best, DLP_CONF_LOW);
	assert_non_null(strstr(hs.seen[0], "placeholder:見本"));
}

/* The hits of a text with report_dropped: rejected names come too. */
static void
run_dropped(const void *st, const char *text, struct hits *hs)
{
	struct buf b;

	buf_init(&b, 1u << 20);
	assert_int_equal(normalize_text(text, strlen(text), &b), BUF_OK);
	person_record_ops.run(
	    st, (const char *)b.data, b.len, true, collect, hs);
	buf_free(&b);
}

/*
 * A name is looked up in the organisation and placeholder lists only
 * when its line has such a word somewhere: a placeholder word glued into
 * a name (吉見本子) does not mark the line, yet still rejects the name; an
 * organisation word that starts with a digit (which the line's scan
 * steps over as a number) still rejects the name before it.
 */
static void
test_names_with_organisation_or_placeholder_words_are_rejected(void **state)
{
	const char *orgs[] = { "3M", "商店" };
	struct detector_param p[1] = { { "org_words", orgs, 2, 7 } };
	struct dlp_error err;
	struct hits hs = { 0 };
	void *st;

	run_dropped(shared,
	    "氏名: 吉見本子 花子\n住所: 東京都世田谷区太子堂1-2-3\n", &hs);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.conf[0], DLP_CONF_NONE);
	assert_non_null(strstr(hs.seen[0], "rejected:placeholder"));
	assert_null(strstr(hs.seen[0], "placeholder:"));
	st = load3(p, 1, &err);
	assert_non_null(st);
	memset(&hs, 0, sizeof(hs));
	run_dropped(st, "高橋 健一 3M\n東京都世田谷区太子堂1-2-3\n", &hs);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.conf[0], DLP_CONF_NONE);
	assert_non_null(strstr(hs.seen[0], "rejected:org"));
	/* without the word, the same record is one */
	memset(&hs, 0, sizeof(hs));
	run_dropped(st, "高橋 健一\n東京都世田谷区太子堂1-2-3\n", &hs);
	assert_int_equal(hs.n, 1);
	assert_int_equal(hs.conf[0], DLP_CONF_MEDIUM);
	person_record_ops.free(st);
}

/*
 * Records with the same facts share their explanation (it is built once
 * and reused): a record whose facts differ from the one before must not
 * get the earlier one's.
 */
static void
test_each_record_gets_its_own_explanation(void **state)
{
	struct hits hs = { 0 };

	run_dropped(shared,
	    "氏名\t住所\t電話\n"
	    "山田 花子\t東京都世田谷区太子堂1-2-3\t090-1111-2222\n"
	    "佐藤 次郎\t東京都世田谷区太子堂4-5-6\t090-1111-3333\n"
	    "株式会社テスト\t東京都世田谷区太子堂7-8-9\t090-1111-4444\n"
	    "鈴木 一郎\t東京都世田谷区太子堂\t\n"
	    "高橋 健一\t東京都世田谷区太子堂2-3-4\t\n",
	    &hs);
	assert_int_equal(hs.n, 5);
	assert_string_equal(hs.seen[0], hs.seen[1]);
	assert_non_null(strstr(hs.seen[0], "row:phone"));
	assert_non_null(strstr(hs.seen[2], "rejected:org"));
	assert_non_null(strstr(hs.seen[3], "address:partial"));
	assert_null(strstr(hs.seen[4], "row:phone"));
	assert_non_null(strstr(hs.seen[4], "address:block"));
	assert_int_equal(hs.conf[0], DLP_CONF_HIGH);
	assert_int_equal(hs.conf[2], DLP_CONF_NONE);
	assert_int_equal(hs.conf[4], DLP_CONF_HIGH);
}

static void
test_key_value_csv_rows_are_labels(void **state)
{
	struct hits hs = { 0 };

	run_text(shared,
	    "項目,内容\n氏名,苔丸 楓雅\n住所,〒530-0001 "
	    "大阪府大阪市北区梅田1-2-3\n",
	    &hs);
	assert_int_equal(hs.n, 1);
	assert_string_equal(hs.values[0], "苔丸楓雅|大阪府大阪市北区|1-2-3");
	assert_non_null(strstr(hs.seen[0], "label:氏名"));
	/* a comma after a label inside a sentence is no label */
	memset(&hs, 0, sizeof(hs));
	run_text(
	    shared, "ご氏名,苔丸 楓雅\n住所 大阪府大阪市北区梅田1-2-3\n", &hs);
	assert_int_equal(hs.n, 1);
	assert_null(strstr(hs.seen[0], "label"));
}

/* A synthetic roster: n rows, from a fixed seed. */
static char *
make_roster(size_t n, size_t *len)
{
	static const char *const sn[] = { "山田", "佐藤", "鈴木", "高橋",
		"田中", "伊藤", "渡辺", "中村", "小林", "加藤" };
	static const char *const gn[] = { "太郎", "花子", "一郎", "美咲",
		"健太", "陽子", "直樹", "真由美", "翔太", "結衣" };
	static const char *const ad[] = { "東京都千代田区千代田",
		"大阪府大阪市北区梅田", "北海道札幌市中央区北一条西",
		"愛知県名古屋市中村区名駅", "福岡県福岡市博多区博多駅前" };
	static const char *const pc[] = { "100-0001", "530-0001", "060-0001",
		"450-0002", "812-0011" };
	size_t cap = n * 160 + 128, l, i;
	char *s = malloc(cap);
	unsigned seed = 20240401;

	assert_non_null(s);
	l = (size_t)snprintf(s, cap, "氏名,フリガナ,郵便番号,住所,電話番号\n");
	for (i = 0; i < n; i++) {
		unsigned a, b, c;

		seed = seed * 1103515245u + 12345u;
		a = (seed >> 8) % 10;
		b = (seed >> 12) % 10;
		c = (seed >> 16) % 5;
		l += (size_t)snprintf(s + l, cap - l,
		    "%s %s,ヤマダ タロウ,%s,%s%u-%u-%u,090-%04u-%04u\n", sn[a],
		    gn[b], pc[c], ad[c], (unsigned)(i % 9) + 1,
		    (unsigned)(i / 9 % 20) + 1, (unsigned)(i / 180) + 1,
		    (unsigned)(i % 10000), (seed >> 7) % 10000);
	}
	*len = l;
	return s;
}

static void
test_max_records_and_emit_stop_make_the_run_partial(void **state)
{
	const char *one[] = { "3" };
	struct detector_param p = { "max_records", one, 1, 7 };
	struct dlp_error err;
	struct hits hs = { 0 };
	size_t len;
	char *s = make_roster(10, &len);
	void *st = load3(&p, 1, &err);

	assert_non_null(st);
	assert_int_equal(person_record_ops.run(st, s, len, false, collect, &hs),
	    DLP_PARTIAL);
	assert_true(hs.n <= 3);
	memset(&hs, 0, sizeof(hs));
	hs.stop_after = 2;
	assert_int_equal(
	    person_record_ops.run(shared, s, len, false, collect, &hs),
	    DLP_PARTIAL);
	assert_int_equal(hs.n, 2);
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(
	    person_record_ops.run(shared, s, len, false, collect, &hs), DLP_OK);
	assert_int_equal(hs.n, 10);
	assert_int_equal(hs.best, DLP_CONF_HIGH);
	person_record_ops.free(st);
	free(s);
}

static void
test_record_after_a_long_line_is_found(void **state)
{
	size_t pad = 100000, n;
	const char *rec = " 氏名: 石井 大輔 住所: 東京都品川区大崎1-2-3 電話 "
			  "090-5555-6666";
	char *s = malloc(pad + strlen(rec) + 1);
	struct hits hs = { 0 };

	assert_non_null(s);
	memset(s, 'a', pad);
	memcpy(s + pad, rec, strlen(rec) + 1);
	n = strlen(s);
	assert_int_equal(
	    person_record_ops.run(shared, s, n, false, collect, &hs), DLP_OK);
	assert_int_equal(hs.n, 1);
	assert_string_equal(hs.values[0], "石井大輔|東京都品川区|1-2-3");
	free(s);
}

/* ---- speed: printed, never asserted ---- */

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
speed(const void *st, const char *what, const char *s, size_t len)
{
	struct hits hs = { 0 };
	volatile size_t sink = 0;
	double t0, t_det, t_memchr;
	int r;

	t0 = cpu_now();
	for (r = 0; r < 3; r++)
		sink += (size_t)(memchr(s, 0x01, len) != NULL);
	t_memchr = (cpu_now() - t0) / 3;
	t0 = cpu_now();
	for (r = 0; r < 3; r++)
		person_record_ops.run(st, s, len, false, collect, &hs);
	t_det = (cpu_now() - t0) / 3;
	printf("# person_record %s: %.1f MB, %zu hits a run: %.0f MB/s; "
	       "memchr %.0f MB/s; ratio %.4f\n",
	    what, (double)len / 1e6, hs.n / 3, (double)len / t_det / 1e6,
	    (double)len / t_memchr / 1e6, t_memchr / t_det);
}

static void
test_speed_is_printed(void **state)
{
	static const char para[] =
	    "本日は会議の議事録をお送りします。来期の計画について、各部門から"
	    "の意見をまとめました。ご確認のほどよろしくお願いいたします。"
	    "Meeting notes: see the attached plan for Q3.\n";
	size_t len = 8u << 20, n = 0, rl;
	char *s = malloc(len), *roster;
	const char *many[] = { "1000000" };
	struct detector_param p = { "max_records", many, 1, 7 };
	struct dlp_error err;
	void *st = load3(&p, 1, &err);

	assert_non_null(s);
	assert_non_null(st);
	while (n + sizeof(para) < len) {
		memcpy(s + n, para, sizeof(para) - 1);
		n += sizeof(para) - 1;
	}
	speed(st, "text without candidates", s, n);
	roster = make_roster(60000, &rl);
	speed(st, "dense roster (CSV)", roster, rl);
	free(roster);
	person_record_ops.free(st);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_file_examples_behave_as_written),
		cmocka_unit_test(test_load_fails_on_a_missing_dictionary),
		cmocka_unit_test(test_load_fails_on_an_empty_dictionary),
		cmocka_unit_test(
		    test_load_fails_on_unknown_missing_and_bad_params),
		cmocka_unit_test(
		    test_load_accepts_lists_that_replace_the_defaults),
		cmocka_unit_test(test_same_person_written_twice_is_one_value),
		cmocka_unit_test(test_masked_form_hides_name_and_street),
		cmocka_unit_test(
		    test_header_with_split_address_columns_gives_roles),
		cmocka_unit_test(test_two_distinct_records_support_each_other),
		cmocka_unit_test(
		    test_table_typed_with_spaces_finds_names_by_column),
		cmocka_unit_test(test_table_typed_with_spaces_reading_and_runs),
		cmocka_unit_test(test_sentence_naming_labels_is_no_header),
		cmocka_unit_test(
		    test_two_kanji_words_before_an_honorific_are_a_name),
		cmocka_unit_test(
		    test_placeholder_inside_a_place_name_does_not_count),
		cmocka_unit_test(
		    test_names_with_organisation_or_placeholder_words_are_rejected),
		cmocka_unit_test(test_each_record_gets_its_own_explanation),
		cmocka_unit_test(test_key_value_csv_rows_are_labels),
		cmocka_unit_test(test_text_without_anchor_emits_nothing),
		cmocka_unit_test(
		    test_dropped_candidates_only_with_report_dropped),
		cmocka_unit_test(
		    test_max_records_and_emit_stop_make_the_run_partial),
		cmocka_unit_test(test_record_after_a_long_line_is_found),
		cmocka_unit_test(test_speed_is_printed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
