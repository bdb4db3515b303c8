/* Implementation of the log API: formatted lines on stderr, one write each so
 * lines from different threads do not interleave. */
#include "sbc_log.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static enum sbc_log_level log_level = SBC_LOG_INFO;
static const char *const level_names[] = { "error", "warn", "info", "debug" };
/* What follows the time stamp, copied rather than formatted per line. */
static const char *const level_tags[] = { " sbcemu[error]: ", " sbcemu[warn]: ",
					   " sbcemu[info]: ", " sbcemu[debug]: " };

void sbc_log_set_level(enum sbc_log_level level)
{
	log_level = level;
}

int sbc_log_level_parse(const char *name)
{
	for (int i = 0; i <= SBC_LOG_DEBUG; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

/* "2026-11-23T06:30:00 ": strftime once per second and thread (the SIP
 * thread logs thousands of lines a second under load). */
static size_t stamp(char *out, size_t size)
{
	static _Thread_local time_t cached_sec = -1;
	static _Thread_local char cached[32];
	static _Thread_local size_t cached_len;
	time_t now = time(NULL);

	if (now != cached_sec) {
		struct tm tm;
		cached_len = strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", gmtime_r(&now, &tm));
		cached_sec = now;
	}
	size_t n = cached_len < size ? cached_len : size - 1;
	memcpy(out, cached, n);
	out[n] = '\0';
	return n;
}

/* A thread that logs a lot (the SIP loop) may batch its lines: they are
 * written together by sbc_log_flush, which that thread calls before it
 * waits for more work, so a line is at most one loop iteration late. */
enum { BATCH_SIZE = 16384 };
static _Thread_local char *batch;
static _Thread_local size_t batch_len;

static void write_all(const char *p, size_t n)
{
	for (size_t off = 0; off < n;) {
		ssize_t w = write(STDERR_FILENO, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

static void flush_batch(void)
{
	if (batch && batch_len) {
		write_all(batch, batch_len);
		batch_len = 0;
	}
}

/* The conversions log lines use (%s, %d, %i, %u, %c and %% with the
 * l, ll, z length modifiers, no flags, width or precision) written
 * straight into out: vsnprintf costs ~400 instructions a conversion,
 * and the SIP thread formats several lines per registration. The
 * message's length; -1, having consumed nothing the caller needs, on any
 * other conversion or when it would not fit (vsnprintf then does it). */
static int format_simple(char *out, size_t size, const char *fmt, va_list ap_in)
{
	va_list ap;
	size_t n = 0;
	int rc = -1;

	va_copy(ap, ap_in);
	for (const char *f = fmt; *f; f++) {
		const char *s;
		size_t len;
		char num[24];
		if (*f != '%') {  /* the text up to the next conversion, at once */
			const char *e = strchrnul(f, '%');
			len = (size_t)(e - f);
			if (n + len >= size)
				goto out;
			memcpy(out + n, f, len);
			n += len;
			f = e - 1;
			continue;
		}
		f++;
		int lmod = 0;  /* 0 int, 1 long, 2 long long, 3 size_t */
		if (*f == 'l' && f[1] == 'l')
			lmod = 2, f += 2;
		else if (*f == 'l')
			lmod = 1, f++;
		else if (*f == 'z')
			lmod = 3, f++;
		if (*f == 's' && lmod == 0) {
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			len = strlen(s);
		} else if (*f == 'c' && lmod == 0) {
			num[0] = (char)va_arg(ap, int);
			s = num, len = 1;
		} else if (*f == '%' && lmod == 0) {
			s = "%", len = 1;
		} else if (*f == 'd' || *f == 'i' || *f == 'u') {
			unsigned long long v;
			bool neg = false;
			if (*f == 'u')
				v = lmod == 0 ? va_arg(ap, unsigned) : lmod == 1 ? va_arg(ap, unsigned long)
					: lmod == 2 ? va_arg(ap, unsigned long long) : va_arg(ap, size_t);
			else {
				long long sv = lmod == 0 ? va_arg(ap, int) : lmod == 1 ? va_arg(ap, long)
					       : lmod == 2 ? va_arg(ap, long long) : va_arg(ap, ssize_t);
				neg = sv < 0;
				v = neg ? 0ull - (unsigned long long)sv : (unsigned long long)sv;
			}
			char *e = num + sizeof num, *b = e;
			do
				*--b = (char)('0' + v % 10);
			while (v /= 10);
			if (neg)
				*--b = '-';
			s = b, len = (size_t)(e - b);
		} else {
			goto out;
		}
		if (n + len >= size)
			goto out;
		memcpy(out + n, s, len);
		n += len;
	}
	out[n] = '\0';
	rc = (int)n;
out:
	va_end(ap);
	return rc;
}

/* One line formatted in place and written with one write(2), so lines of
 * different threads do not interleave (stderr is unbuffered anyway). */
static void log_emit(enum sbc_log_level level, const char *suffix, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	enum { MSG_MAX = 1024 };  /* the message proper, as before: 1023 characters at most */
	char line[64 + MSG_MAX + 256];
	int saved = errno;
	size_t n = stamp(line, 32);
	size_t tag = strlen(level_tags[level]);
	memcpy(line + n, level_tags[level], tag);
	n += tag;
	int m = format_simple(line + n, MSG_MAX, fmt, ap);
	if (m < 0)
		m = vsnprintf(line + n, MSG_MAX, fmt, ap);
	if (m > 0)
		n += (size_t)m < MSG_MAX ? (size_t)m : MSG_MAX - 1;
	if (suffix) {
		int k = snprintf(line + n, sizeof line - n - 1, ": %s", suffix);
		if (k > 0)
			n += (size_t)k < sizeof line - n - 1 ? (size_t)k : sizeof line - n - 2;
	}
	line[n++] = '\n';
	if (batch && n <= BATCH_SIZE - batch_len) {
		memcpy(batch + batch_len, line, n);
		batch_len += n;
		if (level <= SBC_LOG_WARN)  /* warnings and errors are not held */
			flush_batch();
	} else {
		flush_batch();  /* keep the order */
		write_all(line, n);
	}
	errno = saved;
}

int sbc_log_batch_begin(void)
{
	if (!batch && !(batch = malloc(BATCH_SIZE)))
		return -1;
	batch_len = 0;
	return 0;
}

void sbc_log_flush(void)
{
	int saved = errno;

	flush_batch();
	errno = saved;
}

void sbc_log_batch_end(void)
{
	sbc_log_flush();
	free(batch);
	batch = NULL;
}

#define LOG_FN(fn, level) \
	void fn(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		log_emit(level, NULL, fmt, ap); \
		va_end(ap); \
	}
LOG_FN(sbc_log_info, SBC_LOG_INFO)
LOG_FN(sbc_log_debug, SBC_LOG_DEBUG)
LOG_FN(sbc_log_warnx, SBC_LOG_WARN)
LOG_FN(sbc_log_error, SBC_LOG_ERROR)

void sbc_log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	log_emit(SBC_LOG_WARN, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void sbc_log_fatalx(const char *fmt, ...)
{
	va_list ap;
	flush_batch();
	va_start(ap, fmt);
	log_emit(SBC_LOG_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

void sbc_log_openssl(const char *what)
{
	unsigned long code;
	char buf[256];
	while ((code = ERR_get_error()) != 0) {
		ERR_error_string_n(code, buf, sizeof buf);
		sbc_log_warnx("%s: %s", what, buf);
	}
}
