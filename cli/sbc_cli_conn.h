/* One ACLI connection driven by libcli's cli_loop on a stream socket: the
 * telnet socket itself, or for SSH one end of a socketpair. Provides the
 * login (libcli's auth callback), the idle timeout, and the `ask` and `more`
 * the command tree uses to read an answer or a key mid-command. */
#ifndef SBC_CLI_CONN_H
#define SBC_CLI_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "sbc_cli_session.h"

struct sbc_core_store;
struct sbc_cli_sessions;

/* What a connection needs from the server. */
struct sbc_cli_env {
	struct sbc_core_store *store;
	struct sbc_cli_sessions *sessions;
};

struct sbc_cli_conn {
	const struct sbc_cli_env *env;
	enum sbc_cli_origin origin;
	int fd;                  /* the socket cli_loop and ask read */
	bool telnet;             /* the peer speaks telnet: strip IAC sequences */
	bool pending_cr;         /* swallow the LF or NUL that follows a CR */
	const char *preauth_user;/* SSH: user already authenticated by SSH */
	unsigned failures;       /* wrong passwords so far */
	struct cli_def *cli;
	char peer[64];
};

/* Marker the auth callback writes on the socket when an SSH pre-authenticated
 * login completes: the SSH bridge drops libcli's login dialogue up to it. */
#define SBC_CLI_CONN_LOGIN_MARK "\x1b[sbcemu-login-done]"

/* Run the session: create the command tree, cli_loop until the peer leaves
 * or exits, free it. The fd stays open (the caller closes it). 0 / -1. */
int sbc_cli_conn_run(struct sbc_cli_conn *c);

/* The sbc_cli_io.ask of telnet and SSH sessions (io_ctx is the conn). */
int sbc_cli_conn_ask(void *io_ctx, const char *prompt, bool echo, char *buf, size_t len);

/* The sbc_cli_io.more of telnet and SSH sessions: one key, as on a real
 * SBC (space, Enter, q or Ctrl-C; anything else rings the bell). */
int sbc_cli_conn_more(void *io_ctx, const char *prompt);

/* Check a login against management-access of the running configuration:
 * "user" with the user password, "admin" with the enable password. Sets
 * *admin. Wrong passwords cost a delay and are logged with `peer`; they
 * count toward the source's lockout (sbc_cli_lockout.h): *locked is the
 * seconds of lockout left when the source is, or just became, locked out
 * (the login is then refused whatever the password), else 0. */
bool sbc_cli_conn_check_login(struct sbc_core_store *store, const char *user, const char *password,
			      const char *peer, const char *via, bool *admin, unsigned *locked);

/* max-sessions and idle-timeout of the running configuration. */
unsigned sbc_cli_conn_max_sessions(struct sbc_core_store *store);
unsigned sbc_cli_conn_idle_timeout(struct sbc_core_store *store);

/* Write all of buf to a socket, never raising SIGPIPE. 0 / -1. */
int sbc_cli_conn_write(int fd, const void *buf, size_t len);

#endif
