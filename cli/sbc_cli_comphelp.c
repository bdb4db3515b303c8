/* `?` and TAB for the console (sbc_cli_comphelp.h). The matching is
 * libcli's: cli_get_completions, the function cli_loop itself calls. What
 * cli_loop then does with the entries (the "<cr>" line, replacing the last
 * word, the common prefix) is repeated here, since it lives inside cli_loop. */
#include "sbc_cli_comphelp.h"

#include <libcli.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Exported by libcli 1.10 (cli_loop's engine) but not declared in libcli.h. */
void cli_get_completions(struct cli_def *cli, const char *command, char lastchar,
			 struct cli_comphelp *comphelp);

int sbc_cli_comphelp_help(struct cli_def *cli, const char *line, sbc_cli_comphelp_out out,
			  void *ctx)
{
	struct cli_comphelp ch = { 0 };
	bool show_cr = true;
	int n;

	cli_get_completions(cli, line, '?', &ch);
	n = ch.num_entries;
	for (int i = 0; i < n; i++) {
		/* Only optional words left: the command is complete as typed. */
		if (strlen(ch.entries[i]) < 3 || ch.entries[i][2] != '[')
			show_cr = false;
		out(ctx, ch.entries[i]);
	}
	if (n > 0 && show_cr)
		out(ctx, "  <cr>");
	cli_free_comphelp(&ch);
	if (n < 0) {  /* a complete command without arguments */
		out(ctx, "  <cr>");
		n = 1;
	}
	return n;
}

/* Where the word being completed starts, as cli_loop finds it. */
static size_t word_start(const char *line, size_t l, bool comma)
{
	for (; l > 0; l--)
		if (line[l - 1] == ' ' || line[l - 1] == '|' || (comma && line[l - 1] == ','))
			break;
	return l;
}

/* How many leading characters all candidates share (cli_loop's rule: a
 * leading '[' is skipped, any '<' placeholder means none). *from is where
 * the shared text starts in the first entry. */
static size_t shared_prefix(const struct cli_comphelp *ch, const char **from)
{
	const char *first = ch->entries[0];
	size_t k = strlen(first);

	if (*first == '[')
		first++;
	else if (*first == '<')
		k = 0;
	for (int i = 1; k != 0 && i < ch->num_entries; i++) {
		const char *w = ch->entries[i];
		size_t j;

		if (*w == '[')
			w++;
		else if (*w == '<')
			k = 0;
		for (j = 0; j < k && j < strlen(w); j++)
			if (strncasecmp(first + j, w + j, 1) != 0)
				break;
		k = j;
	}
	*from = first;
	return k;
}

int sbc_cli_comphelp_complete(struct cli_def *cli, const char *line, char *completed, size_t len,
			      sbc_cli_comphelp_out out, void *ctx)
{
	struct cli_comphelp ch = { 0 };
	size_t l = strlen(line), start;
	int n;

	if (len == 0)
		return -1;
	snprintf(completed, len, "%s", line);
	cli_get_completions(cli, line, '\t', &ch);
	n = ch.num_entries > 0 ? ch.num_entries : 0;
	for (int i = 0; i < n; i++)
		out(ctx, ch.entries[i]);
	start = word_start(line, l, ch.comma_separated);
	if (n == 1 && ch.entries[0][0] != '[' && ch.entries[0][0] != '<') {
		snprintf(completed, len, "%.*s%s ", (int)start, line, ch.entries[0]);
	} else if (n > 1) {
		const char *from;
		size_t k = shared_prefix(&ch, &from);

		if (k && ch.entries[n - 1][0] != '[')
			snprintf(completed, len, "%.*s%.*s", (int)start, line, (int)k, from);
	}
	cli_free_comphelp(&ch);
	return n;
}
