/* The registry behind sbc_cli_show.h, and `show <name>` in every session.
 * SIP issues add their show commands here instead of editing the tree. */
#include "sbc_cli_show.h"

#include <pthread.h>
#include <string.h>

#include "sbc_cli_internal.h"

#define SHOW_MAX 32

/* Written at start-up, read by session threads: the mutex keeps a late
 * registration from being seen half-copied. */
static pthread_mutex_t show_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sbc_cli_show_cmd show_cmds[SHOW_MAX];
static size_t show_count;

int sbc_cli_show_add(const struct sbc_cli_show_cmd *cmd)
{
	int rc = -1;

	if (!cmd || !cmd->name || !cmd->run)
		return -1;
	pthread_mutex_lock(&show_lock);
	if (show_count == SHOW_MAX)
		goto fail;
	for (size_t i = 0; i < show_count; i++)
		if (strcmp(show_cmds[i].name, cmd->name) == 0)
			goto fail;
	show_cmds[show_count++] = *cmd;
	rc = 0;
fail:
	pthread_mutex_unlock(&show_lock);
	return rc;
}

void sbc_cli_show_clear(void)
{
	pthread_mutex_lock(&show_lock);
	show_count = 0;
	pthread_mutex_unlock(&show_lock);
}

static int cmd_show_added(struct cli_def *cli, const char *command, char **argv, int argc)
{
	const char *name = strrchr(command, ' ');
	struct sbc_cli_show_cmd found = { 0 };

	sbc_cli_sess(cli);
	name = name ? name + 1 : command;
	pthread_mutex_lock(&show_lock);
	for (size_t i = 0; i < show_count; i++)
		if (strcmp(show_cmds[i].name, name) == 0)
			found = show_cmds[i];
	pthread_mutex_unlock(&show_lock);
	if (!found.run) {
		cli_print(cli, "%% show %s is not available", name);
		return CLI_ERROR;
	}
	return found.run(cli, found.ctx, argv, argc);
}

int sbc_cli_show_register_all(struct sbc_cli_sess *s, struct cli_command *show, int mode)
{
	int rc = 0;

	pthread_mutex_lock(&show_lock);
	for (size_t i = 0; i < show_count && rc == 0; i++) {
		const struct sbc_cli_show_cmd *c = &show_cmds[i];
		if (!cli_register_command(s->cli, show, c->name, cmd_show_added,
					  c->privileged ? PRIVILEGE_PRIVILEGED : PRIVILEGE_UNPRIVILEGED,
					  mode, c->help))
			rc = -1;
	}
	pthread_mutex_unlock(&show_lock);
	return rc;
}
