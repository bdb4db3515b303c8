/* Failed ACLI logins per source address and the lockout that follows
 * (management-access max-login-attempts, lockout-interval), shared by
 * telnet and SSH. One table per process, like the show registry: bounded
 * (SBC_CLI_LOCKOUT_SOURCES entries; the stalest gives way), mutex-guarded
 * since every session has its own thread. */
#ifndef SBC_CLI_LOCKOUT_H
#define SBC_CLI_LOCKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SBC_CLI_LOCKOUT_SOURCES 256

struct sbc_cli_lockout_stats {
	uint64_t failed;          /* wrong passwords */
	uint64_t lockouts;        /* sources locked out */
	uint64_t refused_locked;  /* logins / connections refused while locked out */
	uint64_t sessions_refused;/* connections refused: max-sessions */
	uint64_t locked_now;      /* sources locked out now */
};

/* The address part of a peer as the listener names it ("1.2.3.4:5",
 * "[::1]:5"), into src. */
void sbc_cli_lockout_source(const char *peer, char *src, size_t size);

/* Seconds left of peer's lockout, 0 when it may log in. A non-zero answer
 * counts as a refusal. */
unsigned sbc_cli_lockout_check(const char *peer);
/* A wrong password from peer. Returns the lockout seconds when this
 * failure reached max (the source is now locked out), else 0. */
unsigned sbc_cli_lockout_failed(const char *peer, unsigned max, unsigned secs);
/* A successful login: peer's failures are forgotten. */
void sbc_cli_lockout_succeeded(const char *peer);
/* A connection refused by max-sessions (counted here for the same show). */
void sbc_cli_lockout_count_session_refused(void);

void sbc_cli_lockout_get_stats(struct sbc_cli_lockout_stats *out);
/* Each locked-out source and its seconds left; returns how many. */
size_t sbc_cli_lockout_foreach(void (*fn)(const char *src, unsigned left, void *arg), void *arg);
/* Add `show login-lockout` (counters and locked-out sources) to the ACLI,
 * once per process. */
void sbc_cli_lockout_show_add(void);
/* Forget everything (tests). */
void sbc_cli_lockout_reset(void);

/* The line a locked-out telnet peer reads. */
#define SBC_CLI_LOCKOUT_FMT "%% Too many failed logins from %s: locked out, try again in %u seconds\r\n"

#endif
