# The ACLI access layer: telnet, SSH and local console listeners.
cli_libsbccli_a_SOURCES += cli/sbc_cli_server.h cli/sbc_cli_server.c \
	cli/sbc_cli_sessions.h cli/sbc_cli_sessions.c \
	cli/sbc_cli_listener.h cli/sbc_cli_listener.c \
	cli/sbc_cli_conn.h cli/sbc_cli_conn.c \
	cli/sbc_cli_lockout.h cli/sbc_cli_lockout.c \
	cli/sbc_cli_telnet.h cli/sbc_cli_telnet.c \
	cli/sbc_cli_ssh.h cli/sbc_cli_ssh.c \
	cli/sbc_cli_ssh_key.h cli/sbc_cli_ssh_key.c \
	cli/sbc_cli_console.h cli/sbc_cli_console.c cli/sbc_cli_console_client.c
