/* The telnet side of the ACLI: each accepted connection gets a thread that
 * runs libcli's cli_loop with telnet negotiation, within max-sessions. */
#ifndef SBC_CLI_TELNET_H
#define SBC_CLI_TELNET_H

/* sbc_cli_accept.fn of the telnet listener; ctx is a struct sbc_cli_env. */
void sbc_cli_telnet_accept(void *ctx, int fd, const char *peer);

#endif
