/*
 * Unit tests for log: the escaping of untrusted strings, facility names,
 * the stderr line format and its bounds, fatal().
 *
 * log.c is a daemon file, not part of libdlp.a, so it is compiled in here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.c"

struct printable_case {
	const char *name;
	const char *in;
	size_t outlen;
	const char *want;
};

static const struct printable_case printable_cases[] = {
	{ "plain ascii is kept", "<a@example.jp>", 64, "<a@example.jp>" },
	{ "NULL gives a dash", NULL, 64, "-" },
	{ "empty gives a dash", "", 64, "-" },
	{ "space is escaped", "a b", 64, "a\\x20b" },
	{ "newline cannot forge a line", "a\nverdict x=1", 64,
	    "a\\x0averdict\\x20x=1" },
	{ "carriage return and tab", "\r\t", 64, "\\x0d\\x09" },
	{ "quote and backslash", "\"\\", 64, "\\x22\\x5c" },
	{ "DEL", "\x7f", 64, "\\x7f" },
	{ "valid UTF-8 stays readable", "2/名簿.xlsx", 64, "2/名簿.xlsx" },
	{ "lone continuation byte", "a\x80z", 64, "a\\x80z" },
	{ "truncated sequence at the end", "a\xe5\x90", 64, "a\\xe5\\x90" },
	{ "overlong slash", "\xc0\xaf", 64, "\\xc0\\xaf" },
	{ "UTF-16 surrogate", "\xed\xa0\x80", 64, "\\xed\\xa0\\x80" },
	{ "beyond U+10FFFF", "\xf4\x90\x80\x80", 64, "\\xf4\\x90\\x80\\x80" },
	{ "C1 control NEL", "a\xc2\x85z", 64, "a\\xc2\\x85z" },
	{ "bidi override RLO", "\xe2\x80\xae", 64, "\\xe2\\x80\\xae" },
	{ "line separator", "\xe2\x80\xa8", 64, "\\xe2\\x80\\xa8" },
	{ "byte order mark", "\xef\xbb\xbf", 64, "\\xef\\xbb\\xbf" },
	{ "exact fit is not cut", "abcdef", 7, "abcdef" },
	{ "one too long is cut with dots", "abcdefg", 7, "abc..." },
	{ "cut never splits an escape", "ab\ncdefgh", 9, "ab..." },
	{ "cut never splits a character", "名簿名簿", 10, "名簿..." },
	{ "cut inside the second character", "名簿名簿", 9, "名..." },
	{ "too small for dots", "abcdef", 3, "ab" },
	{ "room for the NUL only", "abc", 1, "" },
};

static void
test_printable_table(void **state)
{
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(printable_cases) / sizeof(printable_cases[0]);
	     i++) {
		const struct printable_case *c = &printable_cases[i];
		char *r;

		memset(out, 'Z', sizeof(out));
		r = log_printable(out, c->outlen, c->in);
		if (strcmp(out, c->want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", c->name, out,
			    c->want);
		assert_ptr_equal(r, out);
		assert_true(strlen(out) < c->outlen);
	}
}

static void
test_printable_zero_outlen_writes_nothing(void **state)
{
	char out[4] = "xyz";

	assert_ptr_equal(log_printable(out, 0, "abc"), out);
	assert_string_equal(out, "xyz");
}

static void
test_printable_output_never_has_space_or_control(void **state)
{
	char in[256], out[1100];
	size_t i;

	/* every byte value once: nothing may come out raw below 0x21 */
	for (i = 0; i < 255; i++)
		in[i] = (char)(i + 1);
	in[255] = '\0';
	log_printable(out, sizeof(out), in);
	for (i = 0; out[i] != '\0'; i++)
		assert_true((unsigned char)out[i] > 0x20 &&
		    (unsigned char)out[i] != 0x7f);
}

static void
test_facility_names(void **state)
{
	assert_int_equal(log_facility("mail"), LOG_MAIL);
	assert_int_equal(log_facility("daemon"), LOG_DAEMON);
	assert_int_equal(log_facility("local0"), LOG_LOCAL0);
	assert_int_equal(log_facility("local7"), LOG_LOCAL7);
	assert_int_equal(log_facility("user"), LOG_USER);
	assert_int_equal(log_facility("mial"), -1);
	assert_int_equal(log_facility("MAIL"), -1);
	assert_int_equal(log_facility(""), -1);
	assert_int_equal(log_facility(NULL), -1);
}

/* capture: run fn with stderr sent to a temp file; returns its text. */
static char *
capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved;
	long len;
	char *text;

	assert_non_null(tmp);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	fn();
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
	len = ftell(tmp);
	rewind(tmp);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, tmp), (size_t)len);
	fclose(tmp);
	return text;
}

static void
three_levels(void)
{
	log_init("dlp-test", LOG_MAIL, true);
	log_info("verdict queue_id=%s", "ABC");
	log_warn("something %d", 2);
	log_err("broken");
}

static void
test_stderr_lines_carry_ident_and_level(void **state)
{
	char *text = capture(three_levels);
	char *l2, *l3;

	assert_non_null(strstr(text, " dlp-test["));
	assert_non_null(strstr(text, "]: verdict queue_id=ABC\n"));
	assert_non_null(l2 = strstr(text, "]: warning: something 2\n"));
	assert_non_null(l3 = strstr(text, "]: error: broken\n"));
	assert_true(l2 < l3);
	free(text);
}

static void
one_long_line(void)
{
	char big[LOG_LINE_MAX * 2];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_init("dlp-test", LOG_MAIL, true);
	log_info("%s", big);
}

static void
test_overlong_message_is_cut_to_one_line(void **state)
{
	char *text = capture(one_long_line);
	size_t len = strlen(text);

	assert_true(len <= LOG_LINE_MAX + 128);
	assert_true(len > LOG_LINE_MAX - 1);
	assert_int_equal(text[len - 1], '\n');
	assert_ptr_equal(strchr(text, '\n'), text + len - 1);
	free(text);
}

static void
syslog_then_back(void)
{
	/* no syslog daemon needed: the message is just dropped */
	log_init("dlp-test", LOG_MAIL, false);
	log_info("to syslog");
	log_init("dlp-test", LOG_MAIL, true);
	log_info("to stderr");
}

static void
test_switching_to_syslog_and_back(void **state)
{
	char *text = capture(syslog_then_back);

	assert_null(strstr(text, "to syslog"));
	assert_non_null(strstr(text, "to stderr"));
	free(text);
}

static void
test_fatal_logs_and_exits_1(void **state)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		log_init("dlp-test", LOG_MAIL, true);
		fatal("cannot start: %s", "test");
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_table),
		cmocka_unit_test(test_printable_zero_outlen_writes_nothing),
		cmocka_unit_test(
		    test_printable_output_never_has_space_or_control),
		cmocka_unit_test(test_facility_names),
		cmocka_unit_test(test_stderr_lines_carry_ident_and_level),
		cmocka_unit_test(test_overlong_message_is_cut_to_one_line),
		cmocka_unit_test(test_switching_to_syslog_and_back),
		cmocka_unit_test(test_fatal_logs_and_exits_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
