/* `--More--` paging of a command's output (system-config cli-more and
 * terminal-height), sitting after libcli's `| include`-style filters as the
 * session's print callback. Internal to the command tree. */
#ifndef SBC_CLI_PAGER_H
#define SBC_CLI_PAGER_H

#include <stdbool.h>
#include <stddef.h>

struct sbc_cli_sess;
struct sbc_cli_wrapped;

struct sbc_cli_pager {
	bool in_command;    /* a command callback is running: its output is paged */
	bool configured;    /* limit read from the running config for this command */
	bool dropping;      /* the operator pressed q: drop the rest */
	unsigned limit;     /* lines per page (terminal-height - 1), 0: no paging */
	unsigned lines;     /* lines shown since the command started or last paused */
	struct sbc_cli_wrapped *wrapped;  /* every command's own callback, by command */
	size_t nwrapped;
};

/* Install the print callback and run every registered command (libcli's
 * built-ins too) inside a paging scope: the count starts at the command and
 * a `q` never outlives it. Call once the command tree is complete. 0 / -1. */
int sbc_cli_pager_attach(struct sbc_cli_sess *s);
void sbc_cli_pager_detach(struct sbc_cli_sess *s);

/* The operator just typed an answer: a new screen starts here. */
void sbc_cli_pager_restart(struct sbc_cli_sess *s);

#endif
