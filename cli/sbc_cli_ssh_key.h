/* The SSH host key of the element: DATA_DIR/ssh_host_ed25519_key, generated
 * (mode 0600) at first start and loaded on every start after. */
#ifndef SBC_CLI_SSH_KEY_H
#define SBC_CLI_SSH_KEY_H

#include <libssh/libssh.h>

#include "sbc_cfg_value.h"

/* The loaded private key (caller frees with ssh_key_free), or NULL + err. */
ssh_key sbc_cli_ssh_host_key(const char *data_dir, struct sbc_cfg_error *err);

#endif
