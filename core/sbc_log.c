/* Implementation of the log API: formatted lines on stderr, one write each so
 * lines from different threads do not interleave. */
#include "sbc_log.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum sbc_log_level log_level = SBC_LOG_INFO;
static const char *const level_names[] = { "error", "warn", "info", "debug" };

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

static void log_emit(enum sbc_log_level level, const char *suffix, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", gmtime_r(&now, &tm));
	fprintf(stderr, "%s sbcemu[%s]: %s%s%s\n", stamp, level_names[level], msg,
		suffix ? ": " : "", suffix ? suffix : "");
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
