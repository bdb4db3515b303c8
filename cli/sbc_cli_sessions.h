/* The registry of live ACLI session threads (telnet, SSH, console): counts
 * the ones that hold a management-access max-sessions slot, and lets the
 * server shut every session down and join the threads. */
#ifndef SBC_CLI_SESSIONS_H
#define SBC_CLI_SESSIONS_H

struct sbc_cli_sessions;
struct sbc_cli_slot;

struct sbc_cli_sessions *sbc_cli_sessions_new(void);
/* Only after sbc_cli_sessions_stop(). */
void sbc_cli_sessions_free(struct sbc_cli_sessions *s);

/* Track a session thread about to start; `fd` is shut down on stop (-1 for
 * none yet). NULL when stopping or out of memory. */
struct sbc_cli_slot *sbc_cli_sessions_enter(struct sbc_cli_sessions *s, int fd);
/* Change the fd stop shuts down: set -1 before closing it, so stop never
 * touches a descriptor number the process reused. */
void sbc_cli_sessions_set_fd(struct sbc_cli_sessions *s, struct sbc_cli_slot *slot, int fd);
/* Count the slot against max-sessions: 0, or -1 when `max` are in use. */
int sbc_cli_sessions_claim(struct sbc_cli_sessions *s, struct sbc_cli_slot *slot, unsigned max);
/* Called by the session thread itself as its last call into the server;
 * the thread must be joinable: stop (or a later enter) joins it, so the
 * process never exits under a thread still tearing down (OpenSSL's
 * per-thread state would be reported as leaked). */
void sbc_cli_sessions_leave(struct sbc_cli_sessions *s, struct sbc_cli_slot *slot);
/* For a slot whose thread never started: forget it. */
void sbc_cli_sessions_drop(struct sbc_cli_sessions *s, struct sbc_cli_slot *slot);

/* Refuse new sessions, shut down the fd of every live one and wait until
 * all threads have left. */
void sbc_cli_sessions_stop(struct sbc_cli_sessions *s);

#endif
