/* A small log API in the manner of OpenBSD's log.h: info, warn (with errno),
 * warnx, debug, and fatal for start-up only. Lines go to stderr with a level
 * tag; OpenSSL's error queue can be drained into it. */
#ifndef SBC_LOG_H
#define SBC_LOG_H

enum sbc_log_level { SBC_LOG_ERROR, SBC_LOG_WARN, SBC_LOG_INFO, SBC_LOG_DEBUG };

void sbc_log_set_level(enum sbc_log_level level);
/* Parse "error", "warn", "info", "debug"; -1 if unknown. */
int sbc_log_level_parse(const char *name);

void sbc_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sbc_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sbc_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* appends strerror(errno) */
void sbc_log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sbc_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void sbc_log_fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Batching for the calling thread (the SIP loop, thousands of lines a
 * second under load): its info and debug lines are kept and written
 * together by sbc_log_flush, which it calls before it waits for work;
 * warnings and errors are written at once, after what is held. 0 / -1. */
int sbc_log_batch_begin(void);
void sbc_log_flush(void);
/* Flush and stop batching. */
void sbc_log_batch_end(void);
/* Log and clear every entry in OpenSSL's error queue, prefixed by `what`. */
void sbc_log_openssl(const char *what);

#endif
