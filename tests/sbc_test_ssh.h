/* A minimal SSH client (libssh) for the end-to-end tests: logs in with a
 * password to the daemon's loopback SSH listener, opens a shell on a pty,
 * sends keys and reads until an expected string appears, within a bound. */
#ifndef SBC_TEST_SSH_H
#define SBC_TEST_SSH_H

#include <stdint.h>

struct sbc_test_ssh;

/* Connect to 127.0.0.1:port as `user` (no host key checks, no ssh config)
 * and authenticate with `pw`. *auth is libssh's answer (SSH_AUTH_SUCCESS,
 * SSH_AUTH_DENIED, ...), SSH_AUTH_ERROR when the connection itself failed:
 * sbc_test_ssh_error() says why. NULL only when out of memory. */
struct sbc_test_ssh *sbc_test_ssh_open(uint16_t port, const char *user, const char *pw,
				       int *auth);
/* Open a session channel with a pty and a shell. 0 / -1. */
int sbc_test_ssh_shell(struct sbc_test_ssh *cl);
void sbc_test_ssh_close(struct sbc_test_ssh *cl);

/* Write `keys` as they are (add "\r" for Enter). 0 / -1. */
int sbc_test_ssh_send(struct sbc_test_ssh *cl, const char *keys);
/* Read until `needle` appears: what came up to and including it as a heap
 * string the caller frees; what follows stays for the next call. NULL on
 * timeout or when the channel closed first; sbc_test_ssh_pending() shows
 * what did arrive. With needle NULL, reads until the channel closes and
 * returns all of it. */
char *sbc_test_ssh_expect(struct sbc_test_ssh *cl, const char *needle, int timeout_ms);
const char *sbc_test_ssh_pending(const struct sbc_test_ssh *cl);
/* libssh's last error on this session, for failure messages. */
const char *sbc_test_ssh_error(struct sbc_test_ssh *cl);

#endif
