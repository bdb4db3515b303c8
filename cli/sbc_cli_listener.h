/* One listening socket of the access layer (telnet, SSH or the console's
 * unix socket) with its accept thread. Binding and running are separate so
 * an apply hook can bind in prepare() and start in commit(). */
#ifndef SBC_CLI_LISTENER_H
#define SBC_CLI_LISTENER_H

#include <stdbool.h>
#include <stdint.h>

#include "sbc_cfg_value.h"

struct sbc_cli_listener;

/* Called on the accept thread with a new connection it now owns; `peer` is
 * "address:port" (or "console") and only valid during the call. */
struct sbc_cli_accept {
	void (*fn)(void *ctx, int fd, const char *peer);
	void *ctx;
};

/* Bind `address`:`port` (numeric IPv4 or IPv6). On failure err names the
 * management-access attribute `what` ("telnet" or "ssh"). */
struct sbc_cli_listener *sbc_cli_listener_tcp(const char *what, const char *address,
					      uint32_t port, struct sbc_cfg_error *err);
/* Bind a unix socket at `path` (mode 0600, a stale file is replaced). */
struct sbc_cli_listener *sbc_cli_listener_unix(const char *path, struct sbc_cfg_error *err);

/* Whether this listener is bound to exactly address:port. */
bool sbc_cli_listener_is(const struct sbc_cli_listener *l, const char *address, uint32_t port);
/* Start the accept thread. 0 / -1. */
int sbc_cli_listener_run(struct sbc_cli_listener *l, const struct sbc_cli_accept *accept);
/* Stop the thread (if running), close the socket, unlink a unix path. */
void sbc_cli_listener_free(struct sbc_cli_listener *l);

#endif
