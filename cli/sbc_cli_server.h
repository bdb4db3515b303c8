/* The ACLI access layer: telnet and SSH listeners and the local console
 * socket, following management-access of the running configuration (an apply
 * hook re-binds them on activate-config). */
#ifndef SBC_CLI_SERVER_H
#define SBC_CLI_SERVER_H

#include "sbc_cfg_value.h"

struct sbc_core_store;
struct sbc_cli_server;

struct sbc_cli_server *sbc_cli_server_start(struct sbc_core_store *store,
					    struct sbc_cfg_error *err);
void sbc_cli_server_stop(struct sbc_cli_server *server);

/* `sbcemu console`: attach to the running element's console socket in
 * data_dir with libedit line editing. Returns the process exit status. */
int sbc_cli_console_run(const char *data_dir);

#endif
