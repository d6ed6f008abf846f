/*
 * person - the person_record detector (detector.h): a person's name and
 * address in one table row, line or short window, one hit per record.
 *
 * How a record is found. The text is scanned for address anchors only
 * (address_next_anchor: the last character of a prefecture, 市, 区, 〒,
 * ddd-dddd); text without one costs that scan and nothing else. Around an
 * anchor a block of lines is analysed: from up to BACK_LINES lines before
 * it (stopping at a blank line) to a blank line, QUIET_LINES lines without
 * an anchor, or MAX_LINES lines. In each line:
 *  - cells: split on TAB (spreadsheet rows), on ',' (CSV, quotes kept
 *    together) or '|' when there are at least two of them;
 *  - a header row (a line without anchor whose cells are column labels
 *    such as 氏名/住所/郵便番号/電話番号/生年月日/フリガナ, at least two of
 *    them and one for a name or an address) gives roles to the columns of
 *    the rows after it, until a blank line;
 *  - in such a table, the name is the name column (or 姓 + 名 columns),
 *    the address the 郵便番号 and address columns read together;
 *  - a table typed into a mail has no separator but spaces (single ones,
 *    or runs of them to align the columns), and its cells hold spaces
 *    too (山田 太郎, an address with a building, a reading): its header
 *    is the line's words, all labels or short kana-less words (No.) and
 *    labels the majority; in its rows the address comes from
 *    address_scan and the name from its place: the columns before the
 *    name's are one word each, the name is the next word, with the word
 *    after it when that has a given name's shape (at most 4 characters,
 *    not the address, not a katakana reading after a written name);
 *  - a table's row pairs only within itself: a row whose name was not
 *    found takes no neighbour's;
 *  - elsewhere, addresses come from address_scan and names from a label
 *    (氏名: 山田 花子, or 氏名,山田 花子 opening a key/value CSV row; a
 *    label followed by another label is a header, not a name), an
 *    honorific after a known surname (山田様) or after two kanji words
 *    the dictionary lacks (栄木 小坡 様: a surname and a given name by
 *    their shape), or a surname and a given name both in the
 *    dictionaries (山田太郎, 山田 太郎, 山田,太郎), else a known surname
 *    alone as a whole token (weak); a katakana reading right after a
 *    name strengthens it;
 *  - a name candidate is rejected when it overlaps an address, starts
 *    with a label, contains or is followed by an organisation word
 *    (株式会社, 銀行, 病院, 市役所...) or contains a placeholder word
 *    (テスト, サンプル, 記入例...). A famous sample name (山田太郎) is not
 *    rejected by itself: a placeholder word in the record's lines is what
 *    makes it a sample, so the decision is the context's.
 *  - the line's supporting identifiers (phone, birth date, e-mail, a
 *    12-digit My Number shape, a 4-6 pension number shape), organisation
 *    words, floors (5F, 3階) and placeholder words are noted (not a
 *    placeholder glued to kanji on both sides: 見本 in the town name
 *    吉見本町).
 * Each address is paired with the nearest unused name on its line, else
 * the nearest before it, else after it, within `window` code points and
 * with no other address between. The record's zone is its lines, widened
 * by up to 3 lines either way over lines holding no other record (so a
 * signature's company line belongs to it, a table's neighbour rows do
 * not).
 *
 * Confidence, and why. The default policy acts on medium and above from
 * a number of distinct records, so what must never reach medium is a
 * signature or a business contact, and what must reach high is a roster:
 *  - none: the name was rejected (only emitted with report_dropped);
 *  - low: an organisation word or a floor in the zone (a business
 *    contact, a signature with 株式会社 and an office address, a press
 *    release), a placeholder word in the zone, or weak evidence: an
 *    address without a block and without a valid postal code (a city
 *    mentioned in prose), a postal code that contradicts the address;
 *  - high: strong name evidence (name column, label, honorific, surname
 *    and given name both known, a reading) and a full address
 *    (prefecture/city + block, or a postal code that agrees) and support:
 *    an identifier in the zone, a table with a header, or at least two
 *    distinct records in the text;
 *  - medium: otherwise (a strong name with a full address or a valid
 *    postal code; a weak name with a full address).
 * "Two distinct records" needs the whole text: the first eligible record
 * is held back until a second, different one appears or the text ends.
 *
 * Value: the name without spaces, "|", prefecture and municipality, "|",
 * the block digits (1丁目2番3号 and 1-2-3 agree) or the postal code; so
 * the same person written twice counts once. Masked: the first character
 * of the name and the prefecture and municipality (山** / 東京都千代田区…),
 * never the full name or street.
 *
 * Limits: a line longer than MAX_LINE bytes is read as segments of
 * MAX_LINE bytes (so nothing is skipped), MAX_CELLS cells a row,
 * MAX_LINES lines a block, MAX_ITEMS names and addresses a block, and
 * max_records records a text (then DLP_PARTIAL). Dictionaries as dict.h.
 * The state is immutable after load; run() allocates its own work area.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "dict.h"
#include "person.h"

#define MAX_LINE    4096
#define MAX_CELLS   64
#define MAX_LINES   256
#define MAX_ITEMS   1024
#define BACK_LINES  4
#define QUIET_LINES 4
#define ZONE_LINES  3
#define MAX_NAME_CH 12

struct person_state {
	struct dict *surnames, *given, *labels, *honorifics, *orgs,
	    *placeholders, *offices;
	struct postal_table *postal;
	size_t window;
	size_t max_records;
	/* first characters of organisation and placeholder words: one
	   test a character for both lists */
	unsigned char line_first[DICT_FIRST_BYTES];
	/* and of their first two characters, when no word is one
	   character long (line_pairs set) */
	unsigned char line_pair[DICT_FIRST_BYTES];
	bool line_pairs;
	/* no organisation or placeholder word starts with a digit or '-'
	   (which line_facts steps over as runs): then its flags say
	   whether a line holds any, and a name in a line without any
	   need not be looked up */
	bool facts_cover;
};

/* ---- loading ---- */

static const char *const def_labels[] = { "氏名", "名前", "お名前", "姓名",
	"宛名", "担当", "担当者", "受取人", "依頼主", "ご依頼主", "送り主",
	"差出人", "契約者", "申込者", "保護者", "世帯主", "患者名", "顧客名",
	"会員名", "利用者名", "被保険者", "Name", NULL };
static const char *const def_honorifics[] = { "様", "殿", "さん", "くん",
	"ちゃん", NULL };
static const char *const def_orgs[] = { "株式会社", "有限会社", "合同会社",
	"合資会社", "合名会社", "(株)", "(有)", "(同)", "一般社団法人",
	"社団法人", "財団法人", "法人", "銀行", "信用金庫", "病院", "医院",
	"クリニック", "市役所", "区役所", "役場", "役所", "県庁", "都庁",
	"府庁", "大学", "学校", "学園", "協会", "組合", "事務所", "支店",
	"支社", "本社", "営業所", "工場", "代表取締役", "取締役", "社長",
	"Inc.", "Co.,", "Ltd", NULL };
static const char *const def_offices[] = { "本社", "本店", "所在地", "支店",
	"支社", "営業所", "事務所", "工場", "本部", "会社住所", NULL };
static const char *const def_placeholders[] = { "テスト", "サンプル", "ダミー",
	"記入例", "見本", "○○", "〇〇", "××", NULL };

/* era names before the year of a birth date (平成5年) */
static const char *const eras[] = { "昭和", "平成", "令和", "大正" };

static struct dict *
dict_from_list(const char *const *w, size_t n)
{
	struct dict *d = dict_new(4096);
	size_t i;

	if (d == NULL)
		return NULL;
	for (i = 0; i < n && w[i] != NULL; i++)
		if (dict_add(d, w[i], strlen(w[i])) != 0) {
			dict_free(d);
			return NULL;
		}
	return d;
}

static void
person_free(void *p)
{
	struct person_state *st = p;

	if (st == NULL)
		return;
	dict_free(st->surnames);
	dict_free(st->given);
	dict_free(st->labels);
	dict_free(st->honorifics);
	dict_free(st->orgs);
	dict_free(st->placeholders);
	dict_free(st->offices);
	postal_free(st->postal);
	free(st);
}

static bool
param_size(const struct detector_param *p, size_t lo, size_t hi, size_t *v)
{
	const char *s;
	size_t n = 0;

	if (p->n_values != 1)
		return false;
	s = p->values[0];
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > hi)
			return false;
		n = n * 10 + (size_t)(*s - '0');
	}
	if (n < lo || n > hi)
		return false;
	*v = n;
	return true;
}

/* A file path param, relative to rules_dir; NULL on error (err set). */
static bool
param_path(const char *rules_dir, const struct detector_param *p, char *out,
    size_t outlen)
{
	int n;

	if (p->n_values != 1 || p->values[0][0] == '\0')
		return false;
	if (p->values[0][0] == '/')
		n = snprintf(out, outlen, "%s", p->values[0]);
	else
		n = snprintf(out, outlen, "%s/%s", rules_dir, p->values[0]);
	return n > 0 && (size_t)n < outlen;
}

static void *
person_load(const char *rules_dir, const char *file,
    const struct detector_param *params, size_t n_params, struct dlp_error *err)
{
	struct person_state *st;
	const struct detector_param *have[3] = { NULL, NULL, NULL };
	static const char *const files[3] = { "surnames", "given_names",
		"postal" };
	char path[1024], msg[600];
	struct dict *eras_d;
	size_t i, k;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		dlp_error_set(err, file, 0, "out of memory");
		return NULL;
	}
	st->window = 60;
	st->max_records = 10000;
	for (i = 0; i < n_params; i++) {
		const struct detector_param *p = &params[i];
		struct dict **lst = NULL;

		for (k = 0; k < 3; k++)
			if (strcmp(p->key, files[k]) == 0)
				break;
		if (k < 3) {
			have[k] = p;
			continue;
		}
		if (strcmp(p->key, "window") == 0) {
			if (!param_size(p, 1, 1000, &st->window)) {
				dlp_error_set(err, file, p->line,
				    "window: a number of characters, 1..1000");
				goto fail;
			}
			continue;
		}
		if (strcmp(p->key, "max_records") == 0) {
			if (!param_size(p, 1, 1000000, &st->max_records)) {
				dlp_error_set(err, file, p->line,
				    "max_records: a number, 1..1000000");
				goto fail;
			}
			continue;
		}
		if (strcmp(p->key, "name_labels") == 0)
			lst = &st->labels;
		else if (strcmp(p->key, "honorifics") == 0)
			lst = &st->honorifics;
		else if (strcmp(p->key, "org_words") == 0)
			lst = &st->orgs;
		else if (strcmp(p->key, "placeholder_words") == 0)
			lst = &st->placeholders;
		else if (strcmp(p->key, "office_words") == 0)
			lst = &st->offices;
		if (lst == NULL) {
			dlp_error_set(err, file, p->line,
			    "person_record: unknown param '%s'", p->key);
			goto fail;
		}
		dict_free(*lst);
		*lst = dict_new(4096);
		if (*lst == NULL) {
			dlp_error_set(err, file, p->line, "out of memory");
			goto fail;
		}
		for (k = 0; k < p->n_values; k++)
			if (dict_add(*lst, p->values[k],
				strlen(p->values[k])) != 0) {
				dlp_error_set(err, file, p->line,
				    "%s: entry %zu empty, too long (%d bytes "
				    "max) or too many",
				    p->key, k + 1, DICT_MAX_ENTRY);
				goto fail;
			}
		if (dict_size(*lst) == 0) {
			dlp_error_set(
			    err, file, p->line, "%s: empty list", p->key);
			goto fail;
		}
	}
	for (k = 0; k < 3; k++) {
		if (have[k] == NULL) {
			dlp_error_set(err, file, 0,
			    "person_record: missing param '%s'", files[k]);
			goto fail;
		}
		if (!param_path(rules_dir, have[k], path, sizeof(path))) {
			dlp_error_set(err, file, have[k]->line,
			    "%s: one file name expected", files[k]);
			goto fail;
		}
		if (k == 0)
			st->surnames = dict_load(path, msg, sizeof(msg));
		else if (k == 1)
			st->given = dict_load(path, msg, sizeof(msg));
		else
			st->postal = postal_load(path, msg, sizeof(msg));
		if ((k == 0 && st->surnames == NULL) ||
		    (k == 1 && st->given == NULL) ||
		    (k == 2 && st->postal == NULL)) {
			dlp_error_set(
			    err, file, have[k]->line, "%s: %s", files[k], msg);
			goto fail;
		}
	}
	if ((st->labels == NULL &&
		(st->labels = dict_from_list(def_labels, 64)) == NULL) ||
	    (st->honorifics == NULL &&
		(st->honorifics = dict_from_list(def_honorifics, 64)) ==
		    NULL) ||
	    (st->orgs == NULL &&
		(st->orgs = dict_from_list(def_orgs, 64)) == NULL) ||
	    (st->placeholders == NULL &&
		(st->placeholders = dict_from_list(def_placeholders, 64)) ==
		    NULL) ||
	    (st->offices == NULL &&
		(st->offices = dict_from_list(def_offices, 64)) == NULL)) {
		dlp_error_set(err, file, 0, "out of memory");
		goto fail;
	}
	dict_first_chars(st->orgs, st->line_first);
	dict_first_chars(st->placeholders, st->line_first);
	for (i = 0; i < sizeof(eras) / sizeof(eras[0]); i++) {
		unsigned c = dict_first_cp(eras[i], strlen(eras[i]));

		st->line_first[c / 8] |= (unsigned char)(1u << (c % 8));
	}
	if ((eras_d = dict_from_list(eras, 4)) == NULL) {
		dlp_error_set(err, file, 0, "out of memory");
		goto fail;
	}
	st->line_pairs = dict_first_pairs(st->orgs, st->line_pair) &&
	    dict_first_pairs(st->placeholders, st->line_pair) &&
	    dict_first_pairs(eras_d, st->line_pair);
	dict_free(eras_d);
	st->facts_cover = !(st->line_first['-' / 8] & (1u << ('-' % 8)));
	for (i = '0'; i <= '9'; i++)
		if (st->line_first[i / 8] & (1u << (i % 8)))
			st->facts_cover = false;
	return st;
fail:
	person_free(st);
	return NULL;
}

/* ---- column headers ---- */

enum role {
	R_OTHER = 0,
	R_NAME,
	R_SURNAME,
	R_GIVEN,
	R_READING,
	R_ADDRESS,
	R_POSTAL,
	R_PHONE,
	R_BIRTH,
	R_EMAIL,
	R_IDNUM,
};

static const struct {
	const char *label;
	enum role role;
} headers[] = { { "氏名", R_NAME }, { "名前", R_NAME }, { "お名前", R_NAME },
	{ "姓名", R_NAME }, { "宛名", R_NAME }, { "受取人", R_NAME },
	{ "顧客名", R_NAME }, { "会員名", R_NAME }, { "利用者名", R_NAME },
	{ "患者名", R_NAME }, { "生徒名", R_NAME }, { "児童名", R_NAME },
	{ "社員名", R_NAME }, { "職員名", R_NAME }, { "担当者", R_NAME },
	{ "保護者名", R_NAME }, { "世帯主", R_NAME }, { "被保険者名", R_NAME },
	{ "name", R_NAME }, { "full name", R_NAME }, { "姓", R_SURNAME },
	{ "苗字", R_SURNAME }, { "名字", R_SURNAME }, { "氏", R_SURNAME },
	{ "名", R_GIVEN }, { "フリガナ", R_READING }, { "ふりがな", R_READING },
	{ "カナ", R_READING }, { "氏名カナ", R_READING },
	{ "カナ氏名", R_READING }, { "氏名(カナ)", R_READING },
	{ "氏名(フリガナ)", R_READING }, { "よみがな", R_READING },
	{ "ヨミガナ", R_READING }, { "セイ", R_READING }, { "メイ", R_READING },
	{ "住所", R_ADDRESS }, { "現住所", R_ADDRESS }, { "所在地", R_ADDRESS },
	{ "都道府県", R_ADDRESS }, { "市区町村", R_ADDRESS },
	{ "番地", R_ADDRESS }, { "町名番地", R_ADDRESS },
	{ "建物名", R_ADDRESS }, { "address", R_ADDRESS },
	{ "郵便番号", R_POSTAL }, { "〒", R_POSTAL }, { "郵便", R_POSTAL },
	{ "zip", R_POSTAL }, { "電話", R_PHONE }, { "電話番号", R_PHONE },
	{ "TEL", R_PHONE }, { "携帯", R_PHONE }, { "携帯番号", R_PHONE },
	{ "携帯電話", R_PHONE }, { "連絡先", R_PHONE }, { "FAX", R_PHONE },
	{ "phone", R_PHONE }, { "生年月日", R_BIRTH }, { "誕生日", R_BIRTH },
	{ "birthday", R_BIRTH }, { "メール", R_EMAIL },
	{ "メールアドレス", R_EMAIL }, { "e-mail", R_EMAIL },
	{ "email", R_EMAIL }, { "個人番号", R_IDNUM },
	{ "マイナンバー", R_IDNUM }, { "基礎年金番号", R_IDNUM },
	{ "年金番号", R_IDNUM } };

/* The role of a header cell: the longest label it starts with, when at
   most 8 bytes follow (住所1, 住所(番地)); R_OTHER with *known false. */
static enum role
header_role(const char *s, size_t len, bool *known, size_t *matched)
{
	size_t k, best = 0;
	enum role r = R_OTHER;

	*known = false;
	for (k = 0; k < sizeof(headers) / sizeof(headers[0]); k++) {
		size_t n = strlen(headers[k].label);

		if (n <= len && len - n <= 8 && n > best &&
		    strncasecmp(s, headers[k].label, n) == 0) {
			best = n;
			r = headers[k].role;
		}
	}
	*known = best > 0;
	*matched = best;
	return r;
}

/* Whether s starts with a column label (住所, 郵便番号, 電話番号...). */
static bool
starts_with_header(const char *s, size_t len)
{
	size_t k;

	for (k = 0; k < sizeof(headers) / sizeof(headers[0]); k++) {
		size_t n = strlen(headers[k].label);

		if (n <= len && (unsigned char)s[0] >= 0x80 &&
		    memcmp(s, headers[k].label, n) == 0)
			return true;
	}
	return false;
}

/* ---- the work area of one run ---- */

enum {
	L_PHONE = 1u << 0,
	L_BIRTH = 1u << 1,
	L_EMAIL = 1u << 2,
	L_MYNUM = 1u << 3,
	L_PENSION = 1u << 4,
	L_ORG = 1u << 5,
	L_FLOOR = 1u << 6,
	L_PLACEHOLDER = 1u << 7,
	L_TABLE = 1u << 8,
	L_ITEMS = 1u << 9, /* holds an accepted name or an address */
};
#define L_SUPPORT (L_PHONE | L_BIRTH | L_EMAIL | L_MYNUM | L_PENSION)

enum {
	E_LABEL = 1u << 0,
	E_COLUMN = 1u << 1,
	E_HONOR = 1u << 2,
	E_DICT2 = 1u << 3,
	E_DICT1 = 1u << 4,
	E_READING = 1u << 5,
};
#define E_STRONG (E_LABEL | E_COLUMN | E_HONOR | E_DICT2 | E_READING)

struct pline {
	size_t s, e; /* bytes in the text; e excludes the newline */
	unsigned flags;
	char org[32], ph[32]; /* the first organisation/placeholder word */
	bool any_ph;	      /* a placeholder word, even inside a word */
	size_t first_name, n_names;
};

struct pname {
	size_t s, e;
	size_t line;
	unsigned ev;
	const char *reject; /* why it is not a name, or NULL */
	bool used;
	char canon[64];
	char label[32]; /* the label, column header or honorific */
};

struct paddr {
	struct address a; /* offsets in the text */
	size_t line;
	bool office; /* labelled as an organisation's: 本社: 東京都... */
};

struct cell {
	size_t s, e;
};

struct rec {
	const struct pname *nm;
	const struct paddr *ad;
	unsigned zone; /* line flags over the record's zone */
	char org[32], ph[32];
	char value[256], masked[128];
};

/* The facts the last evidence line was built from. */
struct seen_key {
	bool valid;
	unsigned ev, zone;
	enum postal_state postal_state;
	bool block, multi, office;
	const char *reject;
	char label[32], org[32], ph[32];
};

struct prun {
	const struct person_state *st;
	const char *t;
	size_t len;
	bool report_dropped;
	detector_emit emit;
	void *arg;
	int rc;
	size_t hw_nl, hw_nn, hw_na; /* high-water marks, for the wipe */
	struct pline lines[MAX_LINES];
	size_t nl;
	struct pname names[MAX_ITEMS];
	size_t nn;
	struct paddr addrs[MAX_ITEMS];
	size_t na;
	/* the current table */
	bool table;
	bool loose;	 /* its header was split on spaces: rows are too */
	size_t name_col; /* the name's column, MAX_CELLS when unknown */
	bool name_at;	 /* every column before it is one word (No., ID) */
	size_t ncols;
	enum role roles[MAX_CELLS];
	char role_label[MAX_CELLS][32];
	/* records */
	size_t n_records;
	bool multi;
	bool pending; /* the first eligible record, held back */
	struct rec p_rec;
	struct pname p_nm;
	struct paddr p_ad;
	/* the explanation of the last record emitted, kept for the next
	   one with the same facts: how and key say what why[] says */
	const char *why_how;
	unsigned why_key;
	char why[256];
	struct seen_key seen_key;
	char seen[512];
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static uint32_t
cp_before(const char *t, size_t lo, size_t i, size_t *start)
{
	size_t b = i, n;

	if (i <= lo) {
		*start = i;
		return 0;
	}
	b--;
	while (b > lo && ((unsigned char)t[b] & 0xc0) == 0x80)
		b--;
	*start = b;
	return u8_next(t + b, i - b, &n);
}

static size_t
count_cp(const char *t, size_t a, size_t b)
{
	size_t n = 0;

	for (; a < b; a++)
		n += ((unsigned char)t[a] & 0xc0) != 0x80;
	return n;
}

static bool
is_wordch(uint32_t c)
{
	return cp_is_kanji(c) || cp_is_hira(c) || cp_is_kata(c);
}

static bool
has_hira(const char *t, size_t s, size_t e)
{
	size_t n;

	for (; s < e; s += n)
		if (cp_is_hira(u8_next(t + s, e - s, &n)))
			return true;
	return false;
}

static void
scopy(char *dst, size_t dstlen, const char *src, size_t n)
{
	if (n >= dstlen) {
		n = dstlen - 1;
		/* never cut a character in half */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Append strings to a bounded buffer, cutting at a character boundary:
   the hot path's string building, without printf. */
static void
cat(char *buf, size_t *n, size_t cap, const char *const *parts, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++) {
		size_t l = strlen(parts[i]);

		if (*n + l >= cap) {
			l = cap - 1 - *n;
			while (l > 0 &&
			    ((unsigned char)parts[i][l] & 0xc0) == 0x80)
				l--;
		}
		memcpy(buf + *n, parts[i], l);
		*n += l;
	}
	buf[*n] = '\0';
}

/* ---- cells ---- */

static size_t
split_cells(const char *t, size_t s, size_t e, struct cell *c, char *sep)
{
	size_t n = 0, i, start;
	const char *p;
	bool quotes, q = false;

	*sep = 0;
	if (memchr(t + s, '\t', e - s) != NULL)
		*sep = '\t';
	else if ((p = memchr(t + s, ',', e - s)) != NULL &&
	    memchr(p + 1, ',', (size_t)(t + e - p - 1)) != NULL)
		*sep = ',';
	else if ((p = memchr(t + s, '|', e - s)) != NULL &&
	    memchr(p + 1, '|', (size_t)(t + e - p - 1)) != NULL)
		*sep = '|';
	if (*sep == 0) {
		c[0].s = s;
		c[0].e = e;
		return 1;
	}
	quotes = *sep == ',' && memchr(t + s, '"', e - s) != NULL;
	for (start = s, i = s; i <= e && n < MAX_CELLS;) {
		size_t a = start, b;

		if (!quotes) {
			p = memchr(t + i, *sep, e - i);
			i = p != NULL ? (size_t)(p - t) : e;
		} else {
			for (; i < e && (t[i] != *sep || q); i++)
				if (t[i] == '"')
					q = !q;
		}
		b = i;
		while (a < b && (is_space(t[a]) || t[a] == '"'))
			a++;
		while (b > a && (is_space(t[b - 1]) || t[b - 1] == '"'))
			b--;
		c[n].s = a;
		c[n].e = b;
		n++;
		start = ++i;
	}
	return n;
}

/* ---- line facts: identifiers, organisations, placeholders ---- */

static bool
isdig(char c)
{
	return c >= '0' && c <= '9';
}

static bool
isalnum_(char c)
{
	return isdig(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * digit_run: the facts of the run of digits (and '-' between digits) at
 * i, into *f; returns its end. A run glued to a letter or digit before it
 * is part of a word (a product code) and says nothing.
 */
static size_t
digit_run(const char *t, size_t s, size_t e, size_t i, unsigned *f)
{
	size_t j = i, d = 0, dashes = 0, first = 0;

	while (j < e &&
	    (isdig(t[j]) || (t[j] == '-' && j + 1 < e && isdig(t[j + 1])))) {
		if (t[j] == '-') {
			dashes++;
			if (first == 0)
				first = d;
		} else
			d++;
		j++;
	}
	if (i > s && isalnum_(t[i - 1]))
		return j;
	if (j < e && isalnum_(t[j])) {
		if (d >= 1 && (t[j] == 'F' || t[j] == 'f') &&
		    (j + 1 >= e || !isalnum_(t[j + 1])))
			*f |= L_FLOOR;
		return j;
	}
	if (t[i] == '0' && (d == 10 || d == 11))
		*f |= L_PHONE;
	else if (d == 12 && (dashes == 0 || dashes == 2))
		*f |= L_MYNUM;
	else if (d == 10 && t[i] != '0' && (dashes == 0 || first == 4))
		*f |= L_PENSION;
	else if (d == 4 && j < e &&
	    (t[j] == '/' || t[j] == '.' ||
		(j + 3 <= e && memcmp(t + j, "年", 3) == 0)) &&
	    (t[i] == '1' || t[i] == '2'))
		*f |= L_BIRTH; /* 1980/01/02, 1980年1月2日 */
	else if (d == 8 && dashes == 2 && first == 4 &&
	    (t[i] == '1' || t[i] == '2'))
		*f |= L_BIRTH; /* 1980-01-02 */
	else if (j + 3 <= e && memcmp(t + j, "階", 3) == 0)
		*f |= L_FLOOR;
	return j;
}

/*
 * A word glued to kanji on both sides is part of a longer word: 見本 in
 * 吉見本町 is a place name, not a sample.
 */
static bool
inside_word(const char *t, size_t s, size_t e, size_t ws, size_t we)
{
	size_t b, n;

	return ws > s && we < e && cp_is_kanji(cp_before(t, s, ws, &b)) &&
	    cp_is_kanji(u8_next(t + we, e - we, &n));
}

/* The era of a birth date starting at t[i] (6 bytes), or -1. */
static int
era_at(const char *t, size_t i, size_t e)
{
	int k;

	if (i + 6 > e)
		return -1;
	for (k = 0; k < 4; k++)
		if (memcmp(t + i, eras[k], 6) == 0)
			return k;
	return -1;
}

/*
 * line_facts: one pass over the line for identifiers (digit runs, '@'),
 * for the first characters of organisation and placeholder words and of
 * the era names of birth dates (one bitmap for the three). An era counts
 * when its first occurrence in the line is followed by a digit or 元.
 */
static unsigned
line_facts(struct prun *r, struct pline *l)
{
	const char *t = r->t;
	const unsigned char *u = (const unsigned char *)t;
	const struct person_state *st = r->st;
	const unsigned char *first = st->line_first;
	size_t s = l->s, e = l->e, i = s, n;
	unsigned f = 0, eras_seen = 0;
	int k;

	while (i < e) {
		unsigned b = u[i], c;
		size_t step = 1;

		if (b < 0x80) {
			if (isdig((char)b)) {
				i = digit_run(t, s, e, i, &f);
				continue;
			}
			if (b == '@' && i > s && i + 3 < e &&
			    isalnum_(t[i - 1]) && isalnum_(t[i + 1]) &&
			    memchr(t + i, '.', e - i > 64 ? 64 : e - i))
				f |= L_EMAIL;
			c = (b >= 'A' && b <= 'Z') ? b + 32 : b;
		} else if (b >= 0xe0 && b < 0xf0 && i + 2 < e) {
			c = (b & 0x0f) << 12 |
			    (unsigned)(u[i + 1] & 0x3f) << 6 |
			    (u[i + 2] & 0x3f);
			step = 3;
		} else if ((b & 0xc0) == 0x80) {
			i++;
			continue;
		} else
			c = dict_first_cp(t + i, e - i);
		if (!(first[c / 8] & (1u << (c % 8))) ||
		    (st->line_pairs &&
			!dict_pair_in(st->line_pair, t + i, e - i))) {
			i += step;
			continue;
		}
		/* 昭, 平, 令, 大: the eras' first characters */
		if ((c == 0x662D || c == 0x5E73 || c == 0x4EE4 ||
			c == 0x5927) &&
		    !(f & L_BIRTH) && (k = era_at(t, i, e)) >= 0 &&
		    !(eras_seen & (1u << k))) {
			eras_seen |= 1u << k;
			if (i + 6 < e &&
			    (isdig(t[i + 6]) ||
				(i + 9 <= e &&
				    memcmp(t + i + 6, "元", 3) == 0)))
				f |= L_BIRTH;
		}
		if (!(f & L_ORG) &&
		    (n = dict_longest(r->st->orgs, t + i, e - i)) != 0) {
			f |= L_ORG;
			scopy(l->org, sizeof(l->org), t + i, n);
		}
		if (!(f & L_PLACEHOLDER) &&
		    (n = dict_longest(r->st->placeholders, t + i, e - i)) !=
			0) {
			l->any_ph = true;
			if (!inside_word(t, s, e, i, i + n)) {
				f |= L_PLACEHOLDER;
				scopy(l->ph, sizeof(l->ph), t + i, n);
			}
		}
		i++;
	}
	return f;
}

/* ---- names ---- */

static bool
overlaps_addr(const struct prun *r, size_t line, size_t s, size_t e)
{
	size_t k;

	for (k = r->na; k > 0 && r->addrs[k - 1].line == line; k--)
		if (s < r->addrs[k - 1].a.end && r->addrs[k - 1].a.start < e)
			return true;
	return false;
}

static bool
has_reading(const struct prun *r, size_t e, size_t le)
{
	const char *t = r->t;
	size_t n, k = 0;
	uint32_t c;

	while (e < le &&
	    (is_space(t[e]) || t[e] == ',' || t[e] == '(' || t[e] == '/'))
		e++;
	while (e < le && k < 16) {
		c = u8_next(t + e, le - e, &n);
		if (c == ' ' && k > 0) {
			e++;
			continue;
		}
		if (!cp_is_kata(c))
			break;
		e += n;
		k++;
	}
	return k >= 2;
}

/*
 * add_name: a name candidate [s, e) on line li, with its evidence; it is
 * checked, canonicalised and stored (rejected ones too, with the reason).
 * Returns the stored name or NULL when it is no name candidate at all.
 */
static struct pname *
add_name(struct prun *r, size_t li, size_t s, size_t e, unsigned ev,
    const char *label, size_t label_len)
{
	const struct person_state *st = r->st;
	const char *t = r->t;
	struct pline *l = &r->lines[li];
	struct pname *nm;
	size_t i, n, chars = 0, spaces = 0, cl = 0, at, k;

	while (s < e && t[s] == ' ')
		s++;
	while (e > s && t[e - 1] == ' ')
		e--;
	for (i = s; i < e; i += n) {
		uint32_t c = u8_next(t + i, e - i, &n);

		if (c == ' ' || c == '\t' || c == ',')
			spaces++; /* 山田 太郎; 山田<TAB>太郎 from two cells */
		else if (is_wordch(c))
			chars++;
		else
			return NULL;
	}
	if (chars < 2 || chars > MAX_NAME_CH || spaces > 1 ||
	    r->nn >= MAX_ITEMS || overlaps_addr(r, li, s, e) ||
	    dict_longest(st->labels, t + s, e - s) != 0)
		return NULL;
	for (k = l->first_name; k < r->nn; k++)
		if (s < r->names[k].e && r->names[k].s < e)
			return NULL; /* found already, by stronger evidence */
	nm = &r->names[r->nn];
	memset(nm, 0, sizeof(*nm));
	nm->s = s;
	nm->e = e;
	nm->line = li;
	nm->ev = ev;
	scopy(nm->label, sizeof(nm->label), label, label_len);
	for (i = s; i < e && cl + 1 < sizeof(nm->canon); i++)
		if (t[i] != ' ' && t[i] != '\t' && t[i] != ',')
			nm->canon[cl++] = t[i];
	nm->canon[cl] = '\0';
	i = e;
	if (i < l->e && t[i] == ' ')
		i++;
	/* line_facts looked at every word of the line: without an
	   organisation or placeholder word in it, the name has none */
	if ((!st->facts_cover || (l->flags & L_ORG)) &&
	    (dict_find(st->orgs, t + s, e - s, &at) != 0 ||
		(i < l->e && dict_longest(st->orgs, t + i, l->e - i) != 0)))
		nm->reject = "org";
	else if ((!st->facts_cover || l->any_ph) &&
	    dict_find(st->placeholders, t + s, e - s, &at) != 0)
		nm->reject = "placeholder";
	if (has_reading(r, e, l->e))
		nm->ev |= E_READING;
	if (nm->reject == NULL)
		l->flags |= L_ITEMS;
	r->nn++;
	l->n_names++;
	return nm;
}

/* The end of a name run at i: name characters and one space, bounded. */
static size_t
name_run(const char *t, size_t i, size_t le)
{
	size_t n, k = 0, end = i, spaces = 0;

	while (i < le && k < MAX_NAME_CH + 1) {
		uint32_t c = u8_next(t + i, le - i, &n);

		if (c == ' ' && spaces == 0 && k > 0) {
			spaces++;
			i++;
			continue;
		}
		if (!is_wordch(c))
			break;
		i += n;
		end = i;
		k++;
	}
	return end;
}

static bool
all_of(const char *t, size_t s, size_t e, bool (*is)(uint32_t))
{
	size_t n;

	if (s >= e)
		return false;
	for (; s < e; s += n)
		if (!is(u8_next(t + s, e - s, &n)))
			return false;
	return true;
}

static bool
is_kata_or_kanji_or_hira(uint32_t c)
{
	return is_wordch(c);
}

/* 氏名: 山田 花子 */
static void
label_names(struct prun *r, size_t li)
{
	const struct pline *l = &r->lines[li];
	const char *t = r->t;
	size_t i = l->s, at, n;

	while (i < l->e &&
	    (n = dict_find(r->st->labels, t + i, l->e - i, &at)) != 0) {
		size_t ls = i + at, q = ls + n, e;

		i = q;
		/* a key/value row of a CSV starts with its label: 氏名,... */
		if (q < l->e && t[q] == ',' && ls == l->s)
			q++;
		else if (q >= l->e ||
		    !(t[q] == ':' || t[q] == ' ' || t[q] == '\t' ||
			(q + 3 <= l->e && memcmp(t + q, "】", 3) == 0)))
			continue;
		while (q < l->e &&
		    (t[q] == ':' || t[q] == ' ' || t[q] == '\t' || t[q] == ']'))
			q++;
		if (q + 3 <= l->e && memcmp(t + q, "】", 3) == 0)
			q += 3;
		while (q < l->e && t[q] == ' ')
			q++;
		e = name_run(t, q, l->e);
		if (starts_with_header(t + q, e - q))
			continue; /* 氏名 住所 ...: labels in a row, no name */
		if (e > q &&
		    dict_find(r->st->honorifics, t + q, e - q, &at) != 0 &&
		    at > 0)
			e = q + at; /* 佐藤 様: the honorific is not the name */
		if (e > q && add_name(r, li, q, e, E_LABEL, t + ls, n) != NULL)
			i = e;
	}
}

/* 山田様, 山田 花子 様: the run before an honorific, from a surname on. */
static void
honorific_names(struct prun *r, size_t li)
{
	const struct pline *l = &r->lines[li];
	const char *t = r->t;
	size_t i = l->s, at, n;

	while (i < l->e &&
	    (n = dict_find(r->st->honorifics, t + i, l->e - i, &at)) != 0) {
		size_t h = i + at, b = h, k, m, starts[12], ns = 0, j,
		       sp_at = 0;
		uint32_t c;
		bool sp = false;
		const struct pname *got = NULL;

		i = h + n;
		if (h + n < l->e) {
			c = u8_next(t + h + n, l->e - h - n, &m);
			if (cp_is_kanji(c) && (unsigned char)t[h] != 0xe3)
				continue; /* 様式, 殿堂 */
		}
		if (b > l->s && t[b - 1] == ' ')
			b--;
		for (k = 0; k < 8; k++) {
			size_t cs;

			c = cp_before(t, l->s, b, &cs);
			if (c == ' ' && !sp && k > 0) {
				sp = true;
				sp_at = cs;
				b = cs;
				continue;
			}
			if (c == 0 || !is_wordch(c))
				break;
			b = cs;
			if (ns < 12)
				starts[ns++] = b;
		}
		/* the leftmost position where a known surname begins */
		for (j = ns; j > 0; j--) {
			size_t s = starts[j - 1];

			if (dict_longest(r->st->surnames, t + s, h - s) != 0) {
				got = add_name(r, li, s, h, E_HONOR, t + h, n);
				break;
			}
		}
		/*
		 * A surname the dictionary lacks: a whole run of two kanji
		 * words, a surname and a given name (栄木 小坡 様), is a
		 * name by its shape; one word (a company's 御中-less name,
		 * a greeting's surname) is not.
		 */
		if (got == NULL && sp && k < 8 && ns >= 2 &&
		    all_of(t, b, sp_at, cp_is_kanji) &&
		    all_of(t, sp_at + 1, h > 0 && t[h - 1] == ' ' ? h - 1 : h,
			is_wordch) &&
		    count_cp(t, b, sp_at) <= 4)
			add_name(r, li, b, h, E_HONOR, t + h, n);
	}
}

/* Known surname (+ separator) + known given name, as a whole token. */
static void
dict_names(struct prun *r, size_t li)
{
	const struct pline *l = &r->lines[li];
	const struct person_state *st = r->st;
	const char *t = r->t;
	size_t i = l->s, n, tokens = 0;
	bool prev_word = false;

	while (i < l->e && tokens < 64) {
		uint32_t c = u8_next(t + i, l->e - i, &n);
		size_t sl[4], ns, k, done = 0;

		if (!is_wordch(c)) {
			prev_word = false;
			i += n;
			continue;
		}
		if (prev_word) {
			i += n;
			continue;
		}
		prev_word = true;
		tokens++;
		ns = dict_match(st->surnames, t + i, l->e - i, sl, 4);
		for (k = 0; k < ns && done == 0; k++) {
			size_t p = i + sl[k], gl[4], ng, g, m;
			uint32_t d;

			if (p < l->e &&
			    (t[p] == ' ' || t[p] == ',' || t[p] == '\t'))
				p++;
			ng = dict_match(st->given, t + p, l->e - p, gl, 4);
			for (g = 0; g < ng; g++) {
				size_t e = p + gl[g];

				d = e < l->e ? u8_next(t + e, l->e - e, &m) : 0;
				if ((!is_wordch(d) ||
					overlaps_addr(r, li, e, e + 1)) &&
				    add_name(r, li, i, e, E_DICT2, "", 0) !=
					NULL) {
					done = e;
					break;
				}
			}
			if (done == 0 && count_cp(t, i, i + sl[k]) >= 2) {
				size_t e = i + sl[k];

				d = e < l->e ? u8_next(t + e, l->e - e, &m) : 0;
				if (!is_wordch(d) &&
				    add_name(r, li, i, e, E_DICT1, "", 0) !=
					NULL)
					done = e;
			}
		}
		i = done ? done : i + n;
		if (done)
			prev_word = false;
	}
}

/* ---- lines ---- */

static void
add_addresses(struct prun *r, size_t li, const char *s, size_t len, size_t base,
    size_t span_s, size_t span_e)
{
	struct address a[8];
	size_t n = address_scan(r->st->postal, s, len, a, 8), k;

	for (k = 0; k < n && r->na < MAX_ITEMS; k++) {
		struct paddr *p = &r->addrs[r->na++];

		p->a = a[k];
		if (span_e != 0) { /* read from a buffer: the cells' span */
			p->a.start = span_s;
			p->a.end = span_e;
		} else {
			p->a.start += base;
			p->a.end += base;
		}
		p->line = li;
		p->office = false;
		if (span_e == 0) {
			/* 本社:, 所在地 up to 8 characters before */
			size_t b = p->a.start, k2, at;

			for (k2 = 0; k2 < 8 && b > r->lines[li].s; k2++)
				cp_before(r->t, r->lines[li].s, b, &b);
			p->office = dict_find(r->st->offices, r->t + b,
					p->a.start - b, &at) != 0;
		}
		r->lines[li].flags |= L_ITEMS;
	}
}

/* A row of a table with a header: the roles say what each cell is. */
static void
table_row(struct prun *r, size_t li, const struct cell *c, size_t nc)
{
	const char *t = r->t;
	char buf[1024];
	size_t bl = 0, k, sur = MAX_CELLS, giv = MAX_CELLS, as = 0, ae = 0;
	bool reading = false, have_addr_col = false;

	for (k = 0; k < nc && k < r->ncols; k++) {
		size_t n = c[k].e - c[k].s;

		switch (r->roles[k]) {
		case R_NAME:
			add_name(r, li, c[k].s, c[k].e, E_COLUMN,
			    r->role_label[k], strlen(r->role_label[k]));
			break;
		case R_SURNAME:
			sur = k;
			break;
		case R_GIVEN:
			giv = k;
			break;
		case R_READING:
			reading = reading || n > 0;
			break;
		case R_POSTAL:
		case R_ADDRESS:
			have_addr_col = true;
			if (n == 0 || bl + n + 4 >= sizeof(buf))
				break;
			if (as == 0)
				as = c[k].s;
			ae = c[k].e;
			if (r->roles[k] == R_POSTAL && t[c[k].s] != '\xe3') {
				memcpy(buf + bl, "〒", 3);
				bl += 3;
			}
			memcpy(buf + bl, t + c[k].s, n);
			bl += n;
			if (r->roles[k] == R_POSTAL)
				buf[bl++] = ' ';
			break;
		default:
			break;
		}
	}
	if (sur < nc && giv < nc && c[sur].e > c[sur].s &&
	    c[giv].e > c[giv].s) {
		/* 姓 and 名 in two cells: one name over both */
		struct pname *nm = add_name(r, li, c[sur].s, c[sur].e, E_COLUMN,
		    r->role_label[sur], strlen(r->role_label[sur]));

		if (nm != NULL) {
			size_t cl = strlen(nm->canon), gl = c[giv].e - c[giv].s;

			if (cl + gl < sizeof(nm->canon)) {
				memcpy(nm->canon + cl, t + c[giv].s, gl);
				nm->canon[cl + gl] = '\0';
			}
			if (c[giv].e > nm->e)
				nm->e = c[giv].e;
		}
	}
	if (reading)
		for (k = r->lines[li].first_name; k < r->nn; k++)
			r->names[k].ev |= E_READING;
	if (have_addr_col && bl > 0)
		add_addresses(r, li, buf, bl, 0, as, ae);
	else
		add_addresses(r, li, t + r->lines[li].s,
		    r->lines[li].e - r->lines[li].s, r->lines[li].s, 0, 0);
	r->lines[li].flags |= L_TABLE;
}

/*
 * A line without an anchor may be a header row: roles for the rows after.
 * loose: the cells are the line's words (split on spaces, as a table
 * typed into a mail is); then every cell must be a label, or a short
 * word without kana (No., 備考), and the labels the majority, so that a
 * sentence that names two labels is no header.
 */
static bool
header_row(struct prun *r, const struct cell *c, size_t nc, bool loose)
{
	enum role roles[MAX_CELLS];
	size_t k, known = 0, unknown = 0, name_col = MAX_CELLS;
	bool person = false, name_at = true;

	if (nc < 2)
		return false;
	for (k = 0; k < nc; k++) {
		bool kn;
		size_t m, len = c[k].e - c[k].s;

		roles[k] = header_role(r->t + c[k].s, len, &kn, &m);
		known += kn;
		if (loose && (!kn || m < len) &&
		    (count_cp(r->t, c[k].s, c[k].e) > 6 ||
			has_hira(r->t, c[k].s + m, c[k].e)))
			return false;
		unknown += !kn;
		person = person || roles[k] == R_NAME ||
		    roles[k] == R_SURNAME || roles[k] == R_ADDRESS;
		if (name_col == MAX_CELLS &&
		    (roles[k] == R_NAME || roles[k] == R_SURNAME))
			name_col = k;
		else if (name_col == MAX_CELLS && roles[k] != R_OTHER &&
		    roles[k] != R_PHONE && roles[k] != R_EMAIL &&
		    roles[k] != R_BIRTH)
			name_at = false; /* a cell of many words before it */
	}
	if (known < 2 || !person || (loose && unknown * 2 > known))
		return false;
	r->table = true;
	r->loose = loose;
	r->name_col = name_col;
	r->name_at = name_at && name_col < MAX_CELLS;
	r->ncols = nc;
	for (k = 0; k < nc; k++) {
		r->roles[k] = roles[k];
		scopy(r->role_label[k], sizeof(r->role_label[k]), r->t + c[k].s,
		    c[k].e - c[k].s);
	}
	return true;
}

/* The words of a line (split on runs of spaces and TABs), as cells. */
static size_t
split_words(const char *t, size_t s, size_t e, struct cell *c)
{
	size_t n = 0;

	while (s < e && n < MAX_CELLS) {
		while (s < e && is_space(t[s]))
			s++;
		if (s == e)
			break;
		c[n].s = s;
		while (s < e && !is_space(t[s]))
			s++;
		c[n++].e = s;
	}
	return n;
}

/*
 * A row of a table whose header was split on spaces: the cells cannot be
 * told apart by a separator (a name, an address and a reading hold
 * spaces themselves), so the name is found by its place. The columns
 * before the name's are one word each (No., an ID); the name is the next
 * word, and the word after it too when it is a given name's shape (a
 * word of at most 4 characters, not the address, not a katakana reading
 * after a written name) or the header has 姓 and 名 columns.
 */
static void
loose_row(struct prun *r, size_t li)
{
	const char *t = r->t;
	struct pline *l = &r->lines[li];
	struct cell w[MAX_CELLS];
	size_t nw = split_words(t, l->s, l->e, w), k = r->name_col;
	const char *lab = r->role_label[k < MAX_CELLS ? k : 0];
	bool two;

	add_addresses(r, li, t + l->s, l->e - l->s, l->s, 0, 0);
	l->flags |= L_TABLE;
	if (r->name_at && k < nw &&
	    all_of(t, w[k].s, w[k].e, is_kata_or_kanji_or_hira)) {
		two = k + 1 < nw &&
		    all_of(
			t, w[k + 1].s, w[k + 1].e, is_kata_or_kanji_or_hira) &&
		    !overlaps_addr(r, li, w[k + 1].s, w[k + 1].e) &&
		    ((k + 1 < r->ncols && r->roles[k] == R_SURNAME &&
			 r->roles[k + 1] == R_GIVEN) ||
			(count_cp(t, w[k + 1].s, w[k + 1].e) <= 4 &&
			    (!all_of(t, w[k + 1].s, w[k + 1].e, cp_is_kata) ||
				all_of(t, w[k].s, w[k].e, cp_is_kata))));
		if ((two &&
			add_name(r, li, w[k].s, w[k + 1].e, E_COLUMN, lab,
			    strlen(lab)) != NULL) ||
		    add_name(r, li, w[k].s, w[k].e, E_COLUMN, lab,
			strlen(lab)) != NULL)
			return;
	}
	label_names(r, li);
	honorific_names(r, li);
	dict_names(r, li);
}

static bool
few_digits(const char *t, size_t s, size_t e)
{
	size_t n = 0;

	for (; s < e; s++)
		n += t[s] >= '0' && t[s] <= '9';
	return n <= 3;
}

static void
analyse_line(struct prun *r, size_t li, bool anchor)
{
	struct pline *l = &r->lines[li];
	struct cell c[MAX_CELLS], w[MAX_CELLS];
	char sep;
	size_t nc = split_cells(r->t, l->s, l->e, c, &sep);

	l->first_name = r->nn;
	/* a header row has no address, but may have anchors (都道府県,
	   市区町村); it has few digits (住所1, 住所2), a data row many */
	if ((!anchor || (!r->table && few_digits(r->t, l->s, l->e)))) {
		if (sep != 0 && header_row(r, c, nc, false))
			return;
		if (sep == 0 &&
		    header_row(r, w, split_words(r->t, l->s, l->e, w), true))
			return;
	}
	l->flags |= line_facts(r, l);
	if (r->table && r->loose && sep == 0) {
		if (anchor)
			loose_row(r, li);
		return;
	}
	if (r->table && sep != 0 && nc >= 2) {
		if (anchor)
			table_row(r, li, c, nc);
		return;
	}
	if (anchor)
		add_addresses(r, li, r->t + l->s, l->e - l->s, l->s, 0, 0);
	label_names(r, li);
	honorific_names(r, li);
	dict_names(r, li);
}

/* ---- records ---- */

static enum dlp_confidence
confidence(struct prun *r, const struct rec *rc, bool multi)
{
	const struct address *a = &rc->ad->a;
	bool strong = (rc->nm->ev & E_STRONG) != 0;
	bool postal_ok =
	    a->postal_state == POSTAL_VALID || a->postal_state == POSTAL_AGREES;
	bool support = (rc->zone & (L_SUPPORT | L_TABLE)) != 0 || multi;
	enum dlp_confidence c;
	const char *how;
	unsigned key;

	if (rc->nm->reject != NULL) {
		c = DLP_CONF_NONE;
		how = strcmp(rc->nm->reject, "org") == 0
		    ? "the name is an organisation"
		    : strcmp(rc->nm->reject, "place") == 0
		    ? "the name is the address's place name"
		    : "the name is a placeholder";
	} else if (rc->ad->office) {
		c = DLP_CONF_NONE;
		how =
		    "the address is an organisation's (office word before it)";
	} else if (rc->zone & (L_ORG | L_FLOOR)) {
		c = DLP_CONF_LOW;
		how = "business contact (organisation word or floor)";
	} else if (rc->zone & L_PLACEHOLDER) {
		c = DLP_CONF_LOW;
		how = "placeholder word nearby";
	} else if (a->postal_state == POSTAL_DISAGREES) {
		c = DLP_CONF_LOW;
		how = "postal code contradicts the address";
	} else if (strong && a->full && support) {
		c = DLP_CONF_HIGH;
		how = "a roster's record";
	} else if ((strong && (a->full || postal_ok)) || a->full) {
		c = DLP_CONF_MEDIUM;
		how = strong ? "strong name and address, no support"
			     : "weak name with a full address";
	} else {
		c = DLP_CONF_LOW;
		how = "weak evidence (no block, no valid postal code)";
	}
	/* the same facts as the last record's: the same line (a roster's
	   rows mostly are) */
	key =
	    (unsigned)strong | (unsigned)a->full << 1 | (unsigned)support << 2;
	if (r->why_how != how || r->why_key != key) {
		const char *parts[] = { "name ", strong ? "strong" : "weak",
			", address ", a->full ? "full" : "partial",
			support ? ", supported" : "", "; ", how, " -> ",
			c == DLP_CONF_HIGH	   ? "high"
			    : c == DLP_CONF_MEDIUM ? "medium"
			    : c == DLP_CONF_LOW	   ? "low"
						   : "none" };
		size_t n = 0;

		cat(r->why, &n, sizeof(r->why), parts,
		    sizeof(parts) / sizeof(parts[0]));
		r->why_how = how;
		r->why_key = key;
	}
	return c;
}

static void
add_seen(
    char *buf, size_t *np, size_t len, const char *what, const char *detail)
{
	size_t n = *np, w = strlen(what);
	size_t dl = detail != NULL ? strlen(detail) : 0;

	if (n + 2 + w + dl + 1 >= len)
		return;
	if (n > 0)
		buf[n++] = ',';
	memcpy(buf + n, what, w);
	n += w;
	if (dl > 0) {
		buf[n++] = ':';
		memcpy(buf + n, detail, dl);
		n += dl;
	}
	buf[n] = '\0';
	*np = n;
}

/*
 * Whether the evidence line of rc would be the last one built (the same
 * facts, the same label, organisation and placeholder words); if not,
 * remember rc's facts.
 */
static bool
same_evidence(struct prun *r, const struct rec *rc, bool multi)
{
	struct seen_key *k = &r->seen_key;
	const struct pname *nm = rc->nm;
	const struct address *a = &rc->ad->a;
	bool labelled = (nm->ev & (E_COLUMN | E_LABEL | E_HONOR)) != 0;
	bool same = k->valid && k->ev == nm->ev && k->zone == rc->zone &&
	    k->postal_state == a->postal_state &&
	    k->block == (a->block[0] != '\0') && k->multi == multi &&
	    k->reject == nm->reject && k->office == rc->ad->office &&
	    (!labelled || strcmp(k->label, nm->label) == 0) &&
	    (!(rc->zone & L_ORG) || strcmp(k->org, rc->org) == 0) &&
	    (!(rc->zone & L_PLACEHOLDER) || strcmp(k->ph, rc->ph) == 0);

	if (same)
		return true;
	k->valid = true;
	k->ev = nm->ev;
	k->zone = rc->zone;
	k->postal_state = a->postal_state;
	k->block = a->block[0] != '\0';
	k->multi = multi;
	k->reject = nm->reject;
	k->office = rc->ad->office;
	memcpy(k->label, nm->label, sizeof(k->label));
	memcpy(k->org, rc->org, sizeof(k->org));
	memcpy(k->ph, rc->ph, sizeof(k->ph));
	return false;
}

static void
evidence(const struct rec *rc, bool multi, char *buf, size_t len)
{
	unsigned ev = rc->nm->ev, z = rc->zone;
	static const char *const ps[] = { NULL, "unknown", "valid", "agrees",
		"disagrees" };
	size_t n = 0;

	buf[0] = '\0';
	if (ev & E_COLUMN)
		add_seen(buf, &n, len, "column", rc->nm->label);
	if (ev & E_LABEL)
		add_seen(buf, &n, len, "label", rc->nm->label);
	if (ev & E_HONOR)
		add_seen(buf, &n, len, "honorific", rc->nm->label);
	if (ev & E_DICT2)
		add_seen(buf, &n, len, "dict", "surname+given");
	if (ev & E_DICT1)
		add_seen(buf, &n, len, "dict", "surname");
	if (ev & E_READING)
		add_seen(buf, &n, len, "reading", NULL);
	add_seen(
	    buf, &n, len, "address", rc->ad->a.block[0] ? "block" : "partial");
	if (rc->ad->a.postal_state != POSTAL_NONE)
		add_seen(buf, &n, len, "postal", ps[rc->ad->a.postal_state]);
	if (z & L_PHONE)
		add_seen(buf, &n, len, "row", "phone");
	if (z & L_BIRTH)
		add_seen(buf, &n, len, "row", "birth");
	if (z & L_EMAIL)
		add_seen(buf, &n, len, "row", "email");
	if (z & L_MYNUM)
		add_seen(buf, &n, len, "row", "my_number");
	if (z & L_PENSION)
		add_seen(buf, &n, len, "row", "pension");
	if (z & L_TABLE)
		add_seen(buf, &n, len, "table", "header");
	if (multi)
		add_seen(buf, &n, len, "records", "2+");
	if (z & L_ORG)
		add_seen(buf, &n, len, "org", rc->org);
	if (z & L_FLOOR)
		add_seen(buf, &n, len, "floor", NULL);
	if (z & L_PLACEHOLDER)
		add_seen(buf, &n, len, "placeholder", rc->ph);
	if (rc->nm->reject != NULL)
		add_seen(buf, &n, len, "rejected", rc->nm->reject);
	if (rc->ad->office)
		add_seen(buf, &n, len, "rejected", "office address");
}

static int
emit_rec(struct prun *r, const struct rec *rc, bool multi)
{
	struct detector_hit h;
	size_t s = rc->nm->s < rc->ad->a.start ? rc->nm->s : rc->ad->a.start;
	size_t e = rc->nm->e > rc->ad->a.end ? rc->nm->e : rc->ad->a.end;

	h.confidence = confidence(r, rc, multi);
	if (h.confidence == DLP_CONF_NONE && !r->report_dropped)
		return 0;
	if (!same_evidence(r, rc, multi))
		evidence(rc, multi, r->seen, sizeof(r->seen));
	h.value = rc->value;
	h.masked = rc->masked;
	h.offset = s;
	h.length = e - s;
	h.context_seen = r->seen;
	h.why = r->why;
	if (r->emit(r->arg, &h) != 0) {
		r->rc = DLP_PARTIAL;
		return -1;
	}
	return 0;
}

/* Hold the first eligible record until a second, different one comes. */
static int
record(struct prun *r, struct rec *rc)
{
	const struct pname *nm = rc->nm;
	const struct address *a = &rc->ad->a;
	size_t n;
	char tmp[8];
	bool eligible;

	{
		const char *v[] = { nm->canon, "|", a->pref, a->city, "|",
			a->block[0] ? a->block : a->postal };
		const char *m[] = { tmp, "** / ",
			a->pref[0] ? a->pref : "〒***", a->city, "…" };
		size_t vn = 0, mn = 0;

		u8_next(nm->canon, strlen(nm->canon), &n);
		scopy(tmp, sizeof(tmp), nm->canon, n < sizeof(tmp) ? n : 0);
		cat(rc->value, &vn, sizeof(rc->value), v, 6);
		cat(rc->masked, &mn, sizeof(rc->masked), m, 5);
	}
	if (++r->n_records > r->st->max_records) {
		r->rc = DLP_PARTIAL;
		return -1;
	}
	eligible = nm->reject == NULL && !rc->ad->office &&
	    !(rc->zone & (L_ORG | L_FLOOR | L_PLACEHOLDER)) &&
	    a->postal_state != POSTAL_DISAGREES;
	if (!eligible || r->multi)
		return emit_rec(r, rc, r->multi);
	if (!r->pending) {
		r->pending = true;
		r->p_nm = *nm;
		r->p_ad = *rc->ad;
		r->p_rec = *rc;
		r->p_rec.nm = &r->p_nm;
		r->p_rec.ad = &r->p_ad;
		return 0;
	}
	if (strcmp(r->p_rec.value, rc->value) == 0)
		return emit_rec(r, rc, false);
	r->multi = true;
	r->pending = false;
	if (emit_rec(r, &r->p_rec, true) != 0)
		return -1;
	return emit_rec(r, rc, true);
}

static bool
wanted(const struct pname *nm, bool accepted)
{
	return !nm->used &&
	    (accepted ? nm->reject == NULL : nm->reject != NULL);
}

/* The name for the k-th address: same line, else before, else after. */
static struct pname *
find_name(struct prun *r, size_t k, bool accepted)
{
	const struct paddr *ad = &r->addrs[k];
	const struct pline *l = &r->lines[ad->line];
	struct pname *best = NULL;
	size_t i, bestd = (size_t)-1, li;

	for (i = l->first_name; i < l->first_name + l->n_names; i++) {
		struct pname *nm = &r->names[i];
		size_t d = nm->e <= ad->a.start ? ad->a.start - nm->e
						: nm->s - ad->a.end;

		if (nm->s < ad->a.end && ad->a.start < nm->e)
			d = 0;
		if (wanted(nm, accepted) && d < bestd) {
			best = nm;
			bestd = d;
		}
	}
	if (best != NULL || (l->flags & L_TABLE))
		return best;
	for (li = ad->line; li > 0 && ad->line - li < 8;) {
		const struct pline *pl = &r->lines[--li];

		for (i = pl->first_name + pl->n_names; i > pl->first_name;) {
			struct pname *nm = &r->names[--i];

			if (count_cp(r->t, nm->e, ad->a.start) >
				r->st->window ||
			    (k > 0 && r->addrs[k - 1].a.end > nm->e &&
				r->addrs[k - 1].a.end <= ad->a.start))
				goto after;
			if (wanted(nm, accepted))
				return nm;
		}
	}
after:
	for (li = ad->line + 1; li < r->nl && li - ad->line < 8; li++) {
		const struct pline *nl = &r->lines[li];

		for (i = nl->first_name; i < nl->first_name + nl->n_names;
		     i++) {
			struct pname *nm = &r->names[i];

			if (count_cp(r->t, ad->a.end, nm->s) > r->st->window ||
			    (k + 1 < r->na && r->addrs[k + 1].a.start < nm->s &&
				r->addrs[k + 1].a.start >= ad->a.end))
				return NULL;
			if (wanted(nm, accepted))
				return nm;
		}
	}
	return NULL;
}

static int
finish_block(struct prun *r)
{
	size_t k;

	for (k = 0; k < r->na; k++) {
		struct paddr *ad = &r->addrs[k];
		struct pname *nm = find_name(r, k, true);
		struct rec rc;
		size_t lo, hi, i, up;

		if (nm != NULL && nm->ev == E_DICT1 &&
		    memmem(r->t + ad->a.start, ad->a.end - ad->a.start,
			nm->canon, strlen(nm->canon)) != NULL)
			nm->reject = "place"; /* 上野 beside 台東区上野1-2-3 */
		if (nm != NULL && nm->reject != NULL && !r->report_dropped)
			continue;
		if (nm == NULL && r->report_dropped)
			nm = find_name(r, k, false);
		if (nm == NULL)
			continue;
		nm->used = true;
		/* not a memset of the whole: value and masked (most of it)
		   are written by record() */
		rc.zone = 0;
		rc.org[0] = rc.ph[0] = rc.value[0] = rc.masked[0] = '\0';
		rc.nm = nm;
		rc.ad = ad;
		lo = nm->line < ad->line ? nm->line : ad->line;
		hi = nm->line > ad->line ? nm->line : ad->line;
		if (!(r->lines[ad->line].flags & L_TABLE)) {
			for (up = 0; up < ZONE_LINES && lo > 0 &&
			     !(r->lines[lo - 1].flags & L_ITEMS);
			     up++)
				lo--;
			for (up = 0; up < ZONE_LINES && hi + 1 < r->nl &&
			     !(r->lines[hi + 1].flags & L_ITEMS);
			     up++)
				hi++;
		}
		for (i = lo; i <= hi; i++) {
			const struct pline *l = &r->lines[i];

			rc.zone |= l->flags & ~(unsigned)L_ITEMS;
			if ((l->flags & L_ORG) && rc.org[0] == '\0')
				memcpy(rc.org, l->org, sizeof(rc.org));
			if ((l->flags & L_PLACEHOLDER) && rc.ph[0] == '\0')
				memcpy(rc.ph, l->ph, sizeof(rc.ph));
		}
		if (record(r, &rc) != 0)
			return -1;
	}
	return 0;
}

static bool
blank(const char *t, size_t s, size_t e)
{
	for (; s < e; s++)
		if (!is_space(t[s]))
			return false;
	return true;
}

/* The end of the line segment at p: the newline, or MAX_LINE bytes on. */
static size_t
segment_end(const char *t, size_t p, size_t len, size_t *next)
{
	size_t max = len - p > MAX_LINE ? MAX_LINE : len - p;
	const char *nl = memchr(t + p, '\n', max);
	size_t e;

	if (nl != NULL) {
		e = (size_t)(nl - t);
		*next = e + 1;
		return e;
	}
	e = p + max;
	while (e < len && e > p && ((unsigned char)t[e] & 0xc0) == 0x80)
		e--;
	if (e == p)
		e = p + max;
	*next = e;
	return e;
}

static size_t
process_block(struct prun *r, size_t p)
{
	const char *t = r->t;
	bool seen_anchor = false;
	size_t quiet = 0;

	r->nl = r->nn = r->na = 0;
	while (p < r->len && r->nl < MAX_LINES && r->nn + 256 < MAX_ITEMS &&
	    r->na + 16 < MAX_ITEMS) {
		size_t next, e = segment_end(t, p, r->len, &next);
		bool anchor;
		struct pline *l;

		if (blank(t, p, e)) {
			r->table = false;
			p = next;
			if (seen_anchor)
				break;
			r->nl = r->nn = r->na = 0;
			continue;
		}
		anchor = address_next_anchor(t + p, e - p) < e - p;
		if (anchor) {
			quiet = 0;
			seen_anchor = true;
		} else if (seen_anchor && ++quiet > QUIET_LINES) {
			r->table = false;
			break;
		}
		l = &r->lines[r->nl];
		l->s = p;
		l->e = e;
		l->flags = 0;
		l->org[0] = l->ph[0] = '\0';
		l->any_ph = false;
		l->first_name = r->nn;
		l->n_names = 0;
		analyse_line(r, r->nl++, anchor);
		p = next;
	}
	if (r->nl > r->hw_nl)
		r->hw_nl = r->nl;
	if (r->nn > r->hw_nn)
		r->hw_nn = r->nn;
	if (r->na > r->hw_na)
		r->hw_na = r->na;
	if (finish_block(r) != 0 && r->rc == DLP_OK)
		r->rc = DLP_PARTIAL;
	return p;
}

static int
person_run(const void *state, const char *text, size_t len, bool report_dropped,
    detector_emit emit, void *arg)
{
	struct prun *r = NULL;
	size_t pos = 0;
	int rc;

	while (pos < len) {
		size_t a = address_next_anchor(text + pos, len - pos), anc, ls,
		       bs, k, end;
		const char *nl;

		if (a == len - pos)
			break;
		if (r == NULL) {
			if ((r = malloc(sizeof(*r))) == NULL)
				return DLP_EFATAL;
			r->st = state;
			r->t = text;
			r->len = len;
			r->report_dropped = report_dropped;
			r->emit = emit;
			r->arg = arg;
			r->rc = DLP_OK;
			r->table = false;
			r->n_records = 0;
			r->multi = r->pending = false;
			r->hw_nl = r->hw_nn = r->hw_na = 0;
			r->why_how = NULL;
			r->seen_key.valid = false;
		}
		anc = pos + a;
		nl = anc > pos ? memrchr(text + pos, '\n', anc - pos) : NULL;
		ls = nl != NULL ? (size_t)(nl - text) + 1 : pos;
		if (anc - ls > MAX_LINE / 2)
			ls = anc - MAX_LINE / 2;
		while (ls < anc && ((unsigned char)text[ls] & 0xc0) == 0x80)
			ls++;
		for (bs = ls, k = 0; k < BACK_LINES && bs > pos + 1; k++) {
			size_t pe = bs - 1, ps;

			if (text[pe] != '\n')
				break;
			nl = memrchr(text + pos, '\n', pe - pos);
			ps = nl != NULL ? (size_t)(nl - text) + 1 : pos;
			if (pe - ps > MAX_LINE || blank(text, ps, pe))
				break;
			bs = ps;
		}
		end = process_block(r, bs);
		if (end <= anc) { /* never: the anchor's line is read */
			size_t next;

			segment_end(text, anc, len, &next);
			end = next;
		}
		pos = end;
		if (r->rc != DLP_OK)
			break;
	}
	if (r == NULL)
		return DLP_OK;
	if (r->pending && r->rc == DLP_OK)
		emit_rec(r, &r->p_rec, false);
	rc = r->rc;
	/* names and addresses were copied here: wipe what was used */
	explicit_bzero(r->lines, r->hw_nl * sizeof(r->lines[0]));
	explicit_bzero(r->names, r->hw_nn * sizeof(r->names[0]));
	explicit_bzero(r->addrs, r->hw_na * sizeof(r->addrs[0]));
	explicit_bzero(&r->p_rec, sizeof(r->p_rec));
	explicit_bzero(&r->p_nm, sizeof(r->p_nm));
	explicit_bzero(&r->p_ad, sizeof(r->p_ad));
	explicit_bzero(&r->seen_key, sizeof(r->seen_key));
	explicit_bzero(r->seen, sizeof(r->seen));
	free(r);
	return rc;
}

const struct detector_ops person_record_ops = {
	.name = "person_record",
	.load = person_load,
	.free = person_free,
	.run = person_run,
};
