/* The SSH side of the ACLI: a libssh server on sockets the listener accepts,
 * password authentication with the ACLI users, and a PTY shell bridged to a
 * libcli session over a socketpair. The host key is generated at first start. */
#ifndef SBC_CLI_SSH_H
#define SBC_CLI_SSH_H

#include "sbc_cfg_value.h"
#include "sbc_cli_conn.h"

struct sbc_cli_ssh;

/* Load DATA_DIR/ssh_host_ed25519_key, creating it (0600) when missing. */
struct sbc_cli_ssh *sbc_cli_ssh_new(const struct sbc_cli_env *env, const char *data_dir,
				    struct sbc_cfg_error *err);
/* Only once no listener uses it any more. */
void sbc_cli_ssh_free(struct sbc_cli_ssh *ssh);

/* sbc_cli_accept.fn of the SSH listener; ctx is the struct sbc_cli_ssh. */
void sbc_cli_ssh_accept(void *ctx, int fd, const char *peer);

#endif
