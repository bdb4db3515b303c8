/* The local console: a unix socket DATA_DIR/console.sock (0600, root only)
 * that `sbcemu console` attaches to. Wire protocol, one record per line:
 *   daemon -> client   "P<prompt>"  ready for a command (the session prompt)
 *                      "O<text>"    one line of command output
 *                      "A<prompt>"  a question, answer echoed (select, y/n)
 *                      "S<prompt>"  a question, answer not echoed (secret)
 *                      "Q"          the session is over
 *   client -> daemon   "<line>"     a command after P, an answer after A/S
 * Every record ends with '\n', which text never contains. */
#ifndef SBC_CLI_CONSOLE_H
#define SBC_CLI_CONSOLE_H

#define SBC_CLI_CONSOLE_SOCKET "console.sock"

enum sbc_cli_console_record {
	SBC_CLI_CONSOLE_PROMPT = 'P',
	SBC_CLI_CONSOLE_OUTPUT = 'O',
	SBC_CLI_CONSOLE_ASK = 'A',
	SBC_CLI_CONSOLE_SECRET = 'S',
	SBC_CLI_CONSOLE_QUIT = 'Q',
};

/* sbc_cli_accept.fn of the console listener; ctx is a struct sbc_cli_env. */
void sbc_cli_console_accept(void *ctx, int fd, const char *peer);

#endif
