/* The log API: lines as vsnprintf would format them (its own fast path
 * for the common conversions included), one per call, level tags, and
 * the SIP thread's batching. stderr is a temporary file here. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbc_log.h"
#include "sbc_test_run.h"

static FILE *captured;
static int saved_stderr = -1;

static void capture_start(void)
{
	captured = tmpfile();
	ck_assert_ptr_nonnull(captured);
	saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_eq(dup2(fileno(captured), STDERR_FILENO), STDERR_FILENO);
}

/* What was written since capture_start, stderr restored. */
static char *capture_end(void)
{
	static char text[65536];

	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	rewind(captured);
	size_t n = fread(text, 1, sizeof text - 1, captured);
	text[n] = '\0';
	fclose(captured);
	return text;
}

/* Logs fmt and checks the line's message against snprintf's. */
#define SAME_AS_SNPRINTF(...) \
	do { \
		char want[2048]; \
		snprintf(want, sizeof want, __VA_ARGS__); \
		capture_start(); \
		sbc_log_info(__VA_ARGS__); \
		char *got = capture_end(); \
		char *msg = strstr(got, " sbcemu[info]: "); \
		ck_assert_ptr_nonnull(msg); \
		msg += strlen(" sbcemu[info]: "); \
		ck_assert_int_gt(strlen(msg), 0); \
		ck_assert_int_eq(msg[strlen(msg) - 1], '\n'); \
		msg[strlen(msg) - 1] = '\0'; \
		ck_assert_str_eq(msg, want); \
	} while (0)

START_TEST(conversions_as_printf)
{
	SAME_AS_SNPRINTF("plain text, no conversion");
	SAME_AS_SNPRINTF("%s chosen for %s from %s (rule %s)", "ipsec-3gpp", "sip:u@d",
			 "127.0.0.1:5060", "sec-agree-pref");
	SAME_AS_SNPRINTF("%s|%s|", "", "x");
	SAME_AS_SNPRINTF("%d %d %d %i", 0, -1, INT_MIN, INT_MAX);
	SAME_AS_SNPRINTF("%u %u", 0u, UINT_MAX);
	SAME_AS_SNPRINTF("%ld %ld %lu", LONG_MIN, LONG_MAX, ULONG_MAX);
	SAME_AS_SNPRINTF("%lld %llu", LLONG_MIN, ULLONG_MAX);
	SAME_AS_SNPRINTF("%zu %zd %zd", (size_t)SIZE_MAX, (ssize_t)-5, (ssize_t)7);
	SAME_AS_SNPRINTF("100%% %c%c", 'o', 'k');
	/* Others go to vsnprintf, arguments intact. */
	SAME_AS_SNPRINTF("%s %03o %.3f %s", "a", 8u, 1.5, "b");
	SAME_AS_SNPRINTF("%5d|%-4s|%x|%.2s", 42, "ab", 255u, "xyz");
	SAME_AS_SNPRINTF("%d then %p", 1, (void *)0);
}
END_TEST

START_TEST(long_message_cut_at_1023)
{
	char big[3000];

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	capture_start();
	sbc_log_info("%s", big);
	sbc_log_info("%d %s", 7, big);
	char *got = capture_end();
	char *first = strstr(got, " sbcemu[info]: ");
	ck_assert_ptr_nonnull(first);
	first += strlen(" sbcemu[info]: ");
	ck_assert_int_eq(strcspn(first, "\n"), 1023);
	char *second = strstr(first, " sbcemu[info]: ");
	ck_assert_ptr_nonnull(second);
	second += strlen(" sbcemu[info]: ");
	ck_assert_int_eq(strcspn(second, "\n"), 1023);
	ck_assert(strncmp(second, "7 xxx", 5) == 0);
}
END_TEST

START_TEST(levels_and_batching)
{
	capture_start();
	sbc_log_set_level(SBC_LOG_WARN);
	sbc_log_info("hidden %d", 1);
	sbc_log_warnx("shown %d", 2);
	sbc_log_set_level(SBC_LOG_INFO);
	ck_assert_int_eq(sbc_log_batch_begin(), 0);
	sbc_log_info("held %s", "a");
	/* A warning is written at once, after what is held. */
	sbc_log_warnx("now %s", "b");
	sbc_log_info("held %s", "c");
	off_t before_flush = lseek(STDERR_FILENO, 0, SEEK_CUR);
	sbc_log_flush();
	off_t after_flush = lseek(STDERR_FILENO, 0, SEEK_CUR);
	sbc_log_batch_end();
	char *got = capture_end();
	ck_assert_ptr_null(strstr(got, "hidden"));
	char *shown = strstr(got, "sbcemu[warn]: shown 2\n");
	char *a = strstr(got, "sbcemu[info]: held a\n");
	char *b = strstr(got, "sbcemu[warn]: now b\n");
	char *c = strstr(got, "sbcemu[info]: held c\n");
	ck_assert(shown && a && b && c);
	ck_assert(shown < a && a < b && b < c);
	ck_assert_int_gt(after_flush, before_flush);  /* c waited for the flush */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, conversions_as_printf);
	tcase_add_test(tc, long_message_cut_at_1023);
	tcase_add_test(tc, levels_and_batching);
	suite_add_tcase(s, tc);
	return sbc_test_run(s);
}
