/* `show` commands contributed by other subsystems (SIP registrations,
 * sec-agree associations, ...): registered once at start-up, before the
 * first ACLI session, and offered as `show <name>` by every session. */
#ifndef SBC_CLI_SHOW_H
#define SBC_CLI_SHOW_H

#include <stdbool.h>

struct cli_def;

struct sbc_cli_show_cmd {
	const char *name;      /* "registrations" gives `show registrations` */
	const char *help;      /* one line for `show ?` */
	bool privileged;       /* only after `enable` */
	/* Print with cli_print() so `| include` and paging apply. argv holds
	 * the words after the name. Return CLI_OK or CLI_ERROR. */
	int (*run)(struct cli_def *cli, void *ctx, char **argv, int argc);
	void *ctx;
};

/* Add a command (copied). 0, or -1 when the name is taken or the table is
 * full. Not for use while sessions run. */
int sbc_cli_show_add(const struct sbc_cli_show_cmd *cmd);
/* Whether the operator quit the current command's output at --More--:
 * a command producing output in pieces stops making them. */
bool sbc_cli_show_stopped(struct cli_def *cli);
/* Forget every added command (tests, shutdown). */
void sbc_cli_show_clear(void);

#endif
