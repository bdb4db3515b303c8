/* One ACLI session (sbc_cli_session.h): a libcli instance with sbcemu's
 * command tree, the session state behind it, the prompt, and the output and
 * question plumbing every command shares. */
#include "sbc_cli_session.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_cli_internal.h"
#include "sbc_core_store.h"

/* How soon a Ctrl-Z is noticed (see on_tick). */
#define SBC_CLI_TICK_US 100000

/* libcli's own `count` filter writes its total to cli->client only, which
 * is NULL when output goes through a print callback (SSH, tests); this one
 * prints through libcli like everything else. */
static int count_filter(struct cli_def *cli, const char *string, void *data)
{
	int *count = data;

	if (!string) {
		cli_error(cli, "%d", *count);
		free(count);
		return CLI_OK;
	}
	while (isspace((unsigned char)*string))
		string++;
	if (*string)
		(*count)++;
	return CLI_ERROR;
}

static int count_filter_init(struct cli_def *cli, int argc, char **argv, struct cli_filter *filt)
{
	(void)argv;
	if (argc > 1) {
		cli_error(cli, "%% count takes no arguments");
		return CLI_ERROR;
	}
	filt->filter = count_filter;
	filt->data = calloc(1, sizeof(int));
	return filt->data ? CLI_OK : CLI_ERROR;
}

void sbc_cli_refresh_hostname(struct sbc_cli_sess *s)
{
	const struct sbc_cfg *run = sbc_core_running_acquire(s->store);
	const char *name = "ORACLE";

	if (run && run->elements[SBC_CFG_SYSTEM_CONFIG].count) {
		const struct sbc_cfg_system_config *sys = SBC_CFG_SINGLETON(
			run, SBC_CFG_SYSTEM_CONFIG, struct sbc_cfg_system_config);
		if (sys->hostname && *sys->hostname)
			name = sys->hostname;
	}
	if (strcmp(name, s->hostname) != 0) {
		snprintf(s->hostname, sizeof s->hostname, "%s", name);
		cli_set_hostname(s->cli, s->hostname);
	}
	if (run)
		sbc_core_running_release(s->store, run);
}

static bool node_within(const struct sbc_cli_sess *s, int node, int ancestor)
{
	for (; node >= 0; node = s->nodes[node].parent)
		if (node == ancestor)
			return true;
	return false;
}

struct sbc_cli_sess *sbc_cli_sess(struct cli_def *cli)
{
	struct sbc_cli_sess *s = cli_get_context(cli);

	if (cli->mode == MODE_EXEC && s->cur != 0) {
		sbc_cli_follow_ctrl_z(s, false);  /* typed ahead of the tick below */
	} else if (cli->mode != s->nodes[s->cur].mode) {
		/* libcli moved otherwise (quit): drop the edits of nodes left. */
		int n = sbc_cli_node_by_mode(s, cli->mode);
		if (n < 0)
			n = 0;
		while (s->depth > 0 && !node_within(s, n, s->frames[s->depth - 1].node))
			sbc_cli_frame_pop(s);
		sbc_cli_goto(s, n);
	}
	sbc_cli_refresh_hostname(s);
	return s;
}

void sbc_cli_show_sink_line(void *ctx, const char *text)
{
	cli_print(ctx, "%s", text);
}

struct sbc_cfg_show_sink sbc_cli_sink(struct sbc_cli_sess *s)
{
	return (struct sbc_cfg_show_sink){ .line = sbc_cli_show_sink_line, .ctx = s->cli };
}

int sbc_cli_ask(struct sbc_cli_sess *s, const char *prompt, bool echo, char *buf, size_t len)
{
	char *shown = NULL;
	int rc;

	if (!s->io.ask || len == 0)
		return -1;
	buf[0] = '\0';
	/* Blank the prompt libcli already printed on this line (Ctrl-Z). */
	if (s->ask_erase > 0 &&
	    asprintf(&shown, "\r%*s\r%s", (int)s->ask_erase, "", prompt) < 0)
		shown = NULL;
	s->ask_erase = 0;
	rc = s->io.ask(s->io.io_ctx, shown ? shown : prompt, echo, buf, len);
	free(shown);
	sbc_cli_pager_restart(s);
	if (rc != 0)
		return -1;
	buf[len - 1] = '\0';
	/* Telnet clients send CR LF; the answer is the text before it. */
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* libcli calls this whenever the line editor sat idle for timeout_tm: how
 * a Ctrl-Z (which libcli handles on its own, jumping to exec) is noticed
 * right away, so undone changes are asked about as `exit` would. */
static int on_tick(struct cli_def *cli)
{
	struct sbc_cli_sess *s = cli_get_context(cli);

	if (cli->mode == MODE_EXEC && s->cur != 0 && sbc_cli_follow_ctrl_z(s, true))
		cli_reprompt(cli);
	return CLI_OK;
}

/* libcli 1.10's include / exclude / grep / egrep tell themselves apart by
 * the word typed, not the filter found: an abbreviation (`| inc x`,
 * `| eg x`) compiles a regex but matches with strstr on the regex_t and
 * frees it as a string, leaking it on every command (found by
 * fuzz/fuzz_acli_line). These know which filter they are. */
enum match_kind { MATCH_INCLUDE, MATCH_EXCLUDE, MATCH_GREP, MATCH_EGREP };

struct match_filter {
	bool regex, invert;
	char *text;
	regex_t re;
};

static int match_filter(struct cli_def *cli, const char *string, void *data)
{
	struct match_filter *m = data;
	bool hit;

	(void)cli;
	if (!string) {
		if (m->regex)
			regfree(&m->re);
		free(m->text);
		free(m);
		return CLI_OK;
	}
	hit = m->regex ? regexec(&m->re, string, 0, NULL, 0) == 0 : strstr(string, m->text) != NULL;
	return hit != m->invert ? CLI_OK : CLI_ERROR;
}

static int match_init(struct cli_def *cli, struct cli_filter *filt, enum match_kind kind)
{
	const char *pattern = cli_get_optarg_value(cli, "search_pattern", NULL);
	const char *flags = cli_get_optarg_value(cli, "search_flags", NULL);
	struct match_filter *m = calloc(1, sizeof *m);
	int rflags = REG_NOSUB | (kind == MATCH_EGREP ? REG_EXTENDED : 0);

	if (!m || !pattern)
		goto fail;
	m->invert = kind == MATCH_EXCLUDE;
	for (const char *f = flags ? flags + 1 : ""; *f; f++) {
		if (*f == 'v')
			m->invert = true;
		else if (*f == 'i')
			rflags |= REG_ICASE;
	}
	if (kind == MATCH_GREP || kind == MATCH_EGREP) {
		if (regcomp(&m->re, pattern, rflags) != 0) {
			cli_error(cli, "%% invalid pattern \"%s\"", pattern);
			goto fail;
		}
		m->regex = true;
	} else if (!(m->text = strdup(pattern))) {
		goto fail;
	}
	filt->filter = match_filter;  /* only now: libcli tears down what has one */
	filt->data = m;
	return CLI_OK;
fail:
	free(m);
	return CLI_ERROR;
}

static int include_init(struct cli_def *cli, int argc, char **argv, struct cli_filter *filt)
{
	(void)argc;
	(void)argv;
	return match_init(cli, filt, MATCH_INCLUDE);
}

static int exclude_init(struct cli_def *cli, int argc, char **argv, struct cli_filter *filt)
{
	(void)argc;
	(void)argv;
	return match_init(cli, filt, MATCH_EXCLUDE);
}

static int grep_init(struct cli_def *cli, int argc, char **argv, struct cli_filter *filt)
{
	(void)argc;
	(void)argv;
	return match_init(cli, filt, MATCH_GREP);
}

static int egrep_init(struct cli_def *cli, int argc, char **argv, struct cli_filter *filt)
{
	(void)argc;
	(void)argv;
	return match_init(cli, filt, MATCH_EGREP);
}

/* grep / egrep flags: a hyphen, then any of i, v, e. */
static int search_flags_ok(struct cli_def *cli, const char *name, const char *value)
{
	(void)cli;
	(void)name;
	return value && value[0] == '-' && value[1] && strspn(value + 1, "ive") == strlen(value + 1)
		       ? CLI_OK
		       : CLI_ERROR;
}

static int register_match_filters(struct cli_def *cli)
{
	static const struct {
		const char *name, *help;
		int (*init)(struct cli_def *, int, char **, struct cli_filter *);
		bool flags;
	} f[] = {
		{ "include", "Include lines that match", include_init, false },
		{ "exclude", "Exclude lines that match", exclude_init, false },
		{ "grep", "Include lines that match regex (options: -v, -i, -e)", grep_init, true },
		{ "egrep", "Include lines that match extended regex", egrep_init, true },
	};

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		cli_unregister_filter(cli, f[i].name);
		struct cli_command *c = cli_register_filter(cli, f[i].name, f[i].init, match_filter,
							    PRIVILEGE_UNPRIVILEGED, MODE_ANY, f[i].help);
		if (!c ||
		    (f[i].flags && !cli_register_optarg(c, "search_flags", CLI_CMD_HYPHENATED_OPTION,
							PRIVILEGE_UNPRIVILEGED, MODE_ANY,
							"Search flags (-[ive])", NULL, search_flags_ok,
							NULL)) ||
		    !cli_register_optarg(c, "search_pattern",
					 CLI_CMD_ARGUMENT | CLI_CMD_REMAINDER_OF_LINE,
					 PRIVILEGE_UNPRIVILEGED, MODE_ANY, "Search pattern", NULL, NULL,
					 NULL))
			return -1;
	}
	return 0;
}

/* libcli's `configure` and `exit` know only MODE_CONFIG; ours walk the
 * node tree. Its `count` and match filters are replaced (see count_filter
 * and match_filter). */
static int replace_builtins(struct cli_def *cli)
{
	cli_unregister_command(cli, "configure");
	cli_unregister_command(cli, "exit");
	cli_unregister_filter(cli, "count");
	if (!cli_register_filter(cli, "count", count_filter_init, count_filter,
				 PRIVILEGE_UNPRIVILEGED, MODE_ANY, "Count of lines"))
		return -1;
	return register_match_filters(cli);
}

struct cli_def *sbc_cli_session_new(struct sbc_core_store *store,
				    const struct sbc_cli_session_opts *opts)
{
	struct sbc_cli_sess *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->store = store;
	s->io = opts->io;
	s->origin = opts->origin;
	if (!(s->peer = strdup(opts->peer ? opts->peer : "")))
		goto fail;
	if (!(s->cli = cli_init()))
		goto fail;
	cli_set_context(s->cli, s);
	if (replace_builtins(s->cli) != 0 || sbc_cli_modes_build(s) != 0 ||
	    sbc_cli_modes_register(s) != 0 || sbc_cli_toplevel_register(s) != 0 ||
	    sbc_cli_secret_register(s) != 0)
		goto fail;
	if (sbc_cli_pager_attach(s) != 0)
		goto fail;
	sbc_cli_secret_bind(s->cli, store);
	cli_regular(s->cli, on_tick);
	s->cli->timeout_tm = (struct timeval){ .tv_sec = 0, .tv_usec = SBC_CLI_TICK_US };
	sbc_cli_refresh_hostname(s);
	sbc_cli_goto(s, 0);
	if (opts->start_privileged)
		cli_set_privilege(s->cli, PRIVILEGE_PRIVILEGED);
	return s->cli;
fail:
	if (s->cli)
		cli_done(s->cli);
	sbc_cli_pager_detach(s);
	free(s->peer);
	free(s);
	return NULL;
}

void sbc_cli_session_free(struct cli_def *cli)
{
	struct sbc_cli_sess *s;

	if (!cli)
		return;
	s = cli_get_context(cli);
	while (s && s->depth > 0)
		sbc_cli_frame_pop(s);
	cli_done(cli);
	if (s) {
		sbc_cli_pager_detach(s);
		free(s->peer);
		free(s);
	}
}

void sbc_cli_session_prompt(struct cli_def *cli, char *buf, size_t len)
{
	struct sbc_cli_sess *s = cli_get_context(cli);
	const char *mark = cli->privilege == PRIVILEGE_PRIVILEGED ? "#" : ">";

	if (cli->mode != s->nodes[s->cur].mode)
		sbc_cli_sess(cli);
	else
		sbc_cli_refresh_hostname(s);
	snprintf(buf, len, "%s%s%s", s->hostname, cli->modestring ? cli->modestring : "", mark);
}
