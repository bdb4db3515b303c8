/* `--More--` paging (sbc_cli_pager.h). libcli applies the `|` filters and
 * then calls the print callback once per line; that callback counts the
 * lines of the running command and, every terminal-height - 1 lines, asks
 * the access layer for a key (sbc_cli_io.more). libcli has no "command
 * started/ended" hook, so each command's callback is wrapped instead. */
#include "sbc_cli_pager.h"

#include <stdint.h>
#include <stdlib.h>

#include "sbc_cli_internal.h"
#include "sbc_cli_show.h"
#include "sbc_core_store.h"

#define SBC_CLI_MORE_PROMPT "--More--"

typedef int (*sbc_cli_cmd_fn)(struct cli_def *, const char *, char **, int);

struct sbc_cli_wrapped {
	const struct cli_command *cmd;
	sbc_cli_cmd_fn fn;
};

/* Read once per command, when it starts producing output. */
static void pager_configure(struct sbc_cli_sess *s)
{
	const struct sbc_cfg *run = sbc_core_running_acquire(s->store);
	struct sbc_cli_pager *p = &s->pager;

	p->limit = 0;
	if (run && run->elements[SBC_CFG_SYSTEM_CONFIG].count) {
		const struct sbc_cfg_system_config *sys = SBC_CFG_SINGLETON(
			run, SBC_CFG_SYSTEM_CONFIG, struct sbc_cfg_system_config);
		if (sys->cli_more && sys->terminal_height > 1)
			p->limit = sys->terminal_height - 1;
	}
	if (run)
		sbc_core_running_release(s->store, run);
	p->configured = true;
}

/* Whether the next line may be shown, pausing at a page end. */
static bool pager_admit(struct sbc_cli_sess *s)
{
	struct sbc_cli_pager *p = &s->pager;

	if (!p->in_command)
		return true;  /* `?` help, parse errors: never held back */
	if (p->dropping)
		return false;
	if (!p->configured)
		pager_configure(s);
	if (p->limit == 0 || !s->io.more)
		return true;
	if (p->lines >= p->limit) {
		switch (s->io.more(s->io.io_ctx, SBC_CLI_MORE_PROMPT)) {
		case SBC_CLI_MORE_PAGE:
			p->lines = 0;
			break;
		case SBC_CLI_MORE_LINE:
			p->lines = p->limit - 1;
			break;
		default:  /* q, or the session ended */
			p->dropping = true;
			return false;
		}
	}
	p->lines++;
	return true;
}

static void pager_print(struct cli_def *cli, const char *line)
{
	struct sbc_cli_sess *s = cli_get_context(cli);

	if (!pager_admit(s))
		return;
	if (s->io.print)
		s->io.print(s->io.io_ctx, line);
	else if (cli->client)
		fprintf(cli->client, "%s\r\n", line);  /* what libcli does without a callback */
}

bool sbc_cli_show_stopped(struct cli_def *cli)
{
	/* Only a session's cli carries the pager (tests and benches print
	 * elsewhere). */
	if (cli->print_callback != pager_print)
		return false;
	struct sbc_cli_sess *s = cli_get_context(cli);
	return s && s->pager.dropping;
}

static int wrapped_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct sbc_cli_wrapped *)a)->cmd;
	uintptr_t y = (uintptr_t)((const struct sbc_cli_wrapped *)b)->cmd;

	return x < y ? -1 : x > y;
}

/* The scope around every command: libcli names the running command in
 * its pipeline, which finds the callback it was registered with. */
static int run_paged(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = cli_get_context(cli);
	struct sbc_cli_pager *p = &s->pager;
	struct sbc_cli_wrapped key = { 0 }, *w;
	bool outer = !p->in_command;
	int rc;

	if (cli->pipeline && cli->pipeline->current_stage)
		key.cmd = cli->pipeline->current_stage->command;
	w = bsearch(&key, p->wrapped, p->nwrapped, sizeof *w, wrapped_cmp);
	if (!w)
		return CLI_ERROR;
	if (outer)
		*p = (struct sbc_cli_pager){ .in_command = true, .wrapped = p->wrapped,
					     .nwrapped = p->nwrapped };
	rc = w->fn(cli, command, argv, argc);
	if (outer) {
		p->in_command = false;
		p->dropping = false;
	}
	return rc;
}

/* Count (out == NULL) or record and replace the regular commands' callbacks. */
static size_t wrap_tree(struct cli_command *c, struct sbc_cli_wrapped *out, size_t n)
{
	for (; c; c = c->next) {
		if (c->command_type == CLI_REGULAR_COMMAND && c->callback &&
		    c->callback != run_paged) {
			if (out) {
				out[n] = (struct sbc_cli_wrapped){ .cmd = c, .fn = c->callback };
				c->callback = run_paged;
			}
			n++;
		}
		n = wrap_tree(c->children, out, n);
	}
	return n;
}

int sbc_cli_pager_attach(struct sbc_cli_sess *s)
{
	struct sbc_cli_pager *p = &s->pager;
	size_t n = wrap_tree(s->cli->commands, NULL, 0);

	if (p->wrapped || !(p->wrapped = calloc(n ? n : 1, sizeof *p->wrapped)))
		return -1;
	p->nwrapped = wrap_tree(s->cli->commands, p->wrapped, 0);
	qsort(p->wrapped, p->nwrapped, sizeof *p->wrapped, wrapped_cmp);
	cli_print_callback(s->cli, pager_print);
	return 0;
}

void sbc_cli_pager_detach(struct sbc_cli_sess *s)
{
	free(s->pager.wrapped);
	s->pager.wrapped = NULL;
	s->pager.nwrapped = 0;
}

void sbc_cli_pager_restart(struct sbc_cli_sess *s)
{
	s->pager.lines = 0;
}
