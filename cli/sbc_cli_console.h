/* The local console: a unix socket DATA_DIR/console.sock (0600, root only)
 * that `sbcemu console` attaches to. Wire protocol, one record per line:
 *   daemon -> client   "P<prompt>"  ready for a command (the session prompt)
 *                      "O<text>"    one line of command output (or of help)
 *                      "A<prompt>"  a question, answer echoed (select, y/n)
 *                      "S<prompt>"  a question, answer not echoed (secret)
 *                      "M<prompt>"  "--More--": answer " " (next page), ""
 *                                   (one more line) or "q" (drop the rest)
 *                      "C<word>"    one TAB completion candidate
 *                      "E<line>"    end of a help or completion answer: the
 *                                   line to go on editing
 *                      "Q"          the session is over
 *   client -> daemon   "<line>"     a command after P, an answer after A/S/M
 *                      "\x01?<line>"  while editing after P: `?` at the end
 *                                   of line; answered by "O" records, "E"
 *                      "\x01\t<line>" while editing after P: TAB at the end
 *                                   of line; answered by "C" records, "E"
 * Every record ends with '\n', which text never contains; the client never
 * sends a command line starting with the request byte \x01. */
#ifndef SBC_CLI_CONSOLE_H
#define SBC_CLI_CONSOLE_H

#define SBC_CLI_CONSOLE_SOCKET "console.sock"

enum sbc_cli_console_record {
	SBC_CLI_CONSOLE_PROMPT = 'P',
	SBC_CLI_CONSOLE_OUTPUT = 'O',
	SBC_CLI_CONSOLE_ASK = 'A',
	SBC_CLI_CONSOLE_SECRET = 'S',
	SBC_CLI_CONSOLE_MORE = 'M',
	SBC_CLI_CONSOLE_CANDIDATE = 'C',
	SBC_CLI_CONSOLE_END = 'E',
	SBC_CLI_CONSOLE_QUIT = 'Q',
};

/* The first byte of a client request; the second names it. */
#define SBC_CLI_CONSOLE_REQUEST '\x01'
#define SBC_CLI_CONSOLE_HELP '?'
#define SBC_CLI_CONSOLE_COMPLETE '\t'

/* sbc_cli_accept.fn of the console listener; ctx is a struct sbc_cli_env. */
void sbc_cli_console_accept(void *ctx, int fd, const char *peer);

#endif
