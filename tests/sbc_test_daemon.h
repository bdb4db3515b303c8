/* Runs the real ./sbcemu daemon for end-to-end tests: a private temporary
 * directory with a generated boot config on free loopback ports, readiness
 * by polling the telnet port (bounded), stop by PID with SIGTERM. */
#ifndef SBC_TEST_DAEMON_H
#define SBC_TEST_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sbc_test_daemon {
	pid_t pid;
	uint16_t telnet_port;
	uint16_t ssh_port;
	char dir[64];             /* temporary root, removed by stop */
	char data_dir[PATH_MAX];  /* dir/data, the daemon's --data-dir */
	char config[PATH_MAX];    /* dir/boot.xml, the daemon's --config */
	char log[PATH_MAX];       /* dir/stderr.log, the daemon's stderr */
};

/* A port free on 127.0.0.1 for both TCP and UDP, outside the ephemeral
 * range and claimed for this process until it exits (0 if none is left). */
uint16_t sbc_test_free_port(void);

/* Connect once to 127.0.0.1:port: does a listener accept there now? */
bool sbc_test_port_accepts(uint16_t port);

/* Start the daemon (binary from $SBCEMU, else ./sbcemu) with a boot config
 *   <sbcemu-config version="1">
 *     <management-access telnet-port=".." ssh-port=".." MA_ATTRS/> BODY
 *   </sbcemu-config>
 * MA_ATTRS (e.g. `max-sessions="2"`) and BODY (more elements) may be NULL.
 * Returns 0 once the telnet port accepts and "ready" is logged (10 s bound),
 * -1 (and nothing left running) otherwise. */
int sbc_test_daemon_start(struct sbc_test_daemon *d, const char *ma_attrs, const char *body);

/* SIGTERM, waitpid (SIGKILL after 10 s), remove the directory. Returns the
 * exit status (0 for a clean exit), or -1 when it did not exit by itself. */
int sbc_test_daemon_stop(struct sbc_test_daemon *d);

/* Stop it (as stop does) and start it again on the same directory, data
 * dir and boot config; the log starts afresh. 0 once ready, -1 otherwise. */
int sbc_test_daemon_restart(struct sbc_test_daemon *d);

/* The daemon's stderr so far, as a heap string the caller frees. */
char *sbc_test_daemon_log(const struct sbc_test_daemon *d);

/* Wait (bounded) until the daemon's stderr contains `text`. 0 / -1. */
int sbc_test_daemon_wait_log(const struct sbc_test_daemon *d, const char *text, int timeout_ms);

#endif
