/* One ACLI session: a libcli instance carrying sbcemu's command tree, bound
 * to the element's configuration store. The access layer (telnet, SSH,
 * console) creates one per connection and runs it. */
#ifndef SBC_CLI_SESSION_H
#define SBC_CLI_SESSION_H

#include <stdbool.h>
#include <stddef.h>

struct cli_def;
struct sbc_core_store;

enum sbc_cli_origin { SBC_CLI_TELNET, SBC_CLI_SSH, SBC_CLI_CONSOLE };

/* What a key pressed at "--More--" asks for. */
enum sbc_cli_more_key {
	SBC_CLI_MORE_PAGE,   /* space: the next page */
	SBC_CLI_MORE_LINE,   /* Enter: one more line */
	SBC_CLI_MORE_QUIT,   /* q or Ctrl-C: drop the rest of this command's output */
};

/* How the command tree talks to the operator beyond libcli's own line
 * editor; the access layer provides it.
 * ask:   a question mid-command (`select`'s "selection: ", `secret`'s
 *        password twice, "Save Changes [y/n]?: "): print `prompt`, read one
 *        line (not echoed when echo is false) into buf; 0, or -1 when the
 *        session ended.
 * more:  the pager's pause: show `prompt`, wait for one key (a line where
 *        only lines can be read), erase the prompt; an enum sbc_cli_more_key,
 *        or -1 when the session ended. NULL: output is never paged.
 * print: one line of output, without its line end. NULL: libcli's own
 *        client stream (the sessions cli_loop runs). */
struct sbc_cli_io {
	int (*ask)(void *io_ctx, const char *prompt, bool echo, char *buf, size_t len);
	int (*more)(void *io_ctx, const char *prompt);
	void (*print)(void *io_ctx, const char *line);
	void *io_ctx;
};

struct sbc_cli_session_opts {
	enum sbc_cli_origin origin;
	const char *peer;          /* "127.0.0.1:41234", for logs */
	bool start_privileged;     /* console, or an SSH "admin" login */
	struct sbc_cli_io io;
};

struct cli_def *sbc_cli_session_new(struct sbc_core_store *store,
				    const struct sbc_cli_session_opts *opts);
void sbc_cli_session_free(struct cli_def *cli);

/* The prompt the session shows now, e.g. "ORACLE(sip-interface)#". */
void sbc_cli_session_prompt(struct cli_def *cli, char *buf, size_t len);

#endif
