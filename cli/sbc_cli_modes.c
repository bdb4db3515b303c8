/* The ACLI mode tree, derived from the schema table: configure terminal,
 * one path per distinct element path (session-router, security, ...), one
 * mode per element and sub-element, their prompts, entering and `exit`. */
#include <stdio.h>
#include <string.h>

#include "sbc_cli_internal.h"

/* libcli reserves 0 (exec) and 1 (its own config mode, which it jumps to on
 * its own); our nodes live above both. */
#define SBC_CLI_MODE_BASE 10

static int node_add(struct sbc_cli_sess *s, enum sbc_cli_node_kind kind, int parent,
		    const char *command, const char *prompt)
{
	if (s->nnodes == SBC_CLI_MAX_NODES)
		return -1;
	int i = s->nnodes++;
	struct sbc_cli_node *n = &s->nodes[i];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->mode = i == 0 ? MODE_EXEC : SBC_CLI_MODE_BASE + i;
	n->parent = parent;
	n->command = command;
	n->prompt = prompt;
	return i;
}

static int path_node(struct sbc_cli_sess *s, const char *path)
{
	for (int i = 0; i < s->nnodes; i++)
		if (s->nodes[i].kind == SBC_CLI_NODE_PATH && strcmp(s->nodes[i].prompt, path) == 0)
			return i;
	return node_add(s, SBC_CLI_NODE_PATH, 1, path, path);
}

/* An element node and, below it, one node per CHILDREN row. */
static int element_node(struct sbc_cli_sess *s, int parent, const struct sbc_cfg_element *el,
			const struct sbc_cfg_attr *via)
{
	int i = node_add(s, SBC_CLI_NODE_ELEMENT, parent, via ? via->name : el->name, el->name);
	if (i < 0)
		return -1;
	s->nodes[i].el = el;
	s->nodes[i].via = via;
	snprintf(s->nodes[i].help, sizeof s->nodes[i].help, "%s", via ? via->help : el->help);
	for (size_t a = 0; a < el->nattrs; a++)
		if (el->attrs[a].type == SBC_CFG_CHILDREN &&
		    element_node(s, i, el->attrs[a].child, &el->attrs[a]) < 0)
			return -1;
	return i;
}

/* "configure session-router elements: sip-interface session-agent". */
static void path_help(struct sbc_cli_sess *s, int path)
{
	struct sbc_cli_node *p = &s->nodes[path];
	size_t used = (size_t)snprintf(p->help, sizeof p->help, "configure %s elements:", p->prompt);

	for (int i = 0; i < s->nnodes && used < sizeof p->help; i++)
		if (s->nodes[i].parent == path)
			used += (size_t)snprintf(p->help + used, sizeof p->help - used, " %s",
						 s->nodes[i].command);
}

int sbc_cli_modes_build(struct sbc_cli_sess *s)
{
	s->nnodes = 0;
	if (node_add(s, SBC_CLI_NODE_EXEC, -1, NULL, NULL) != 0 ||
	    node_add(s, SBC_CLI_NODE_CONFIGURE, 0, "terminal", "configure") != 1)
		return -1;
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++) {
		const struct sbc_cfg_element *el = sbc_cfg_elements[id];
		int path = path_node(s, el->path);
		if (path < 0 || element_node(s, path, el, NULL) < 0)
			return -1;
	}
	for (int i = 0; i < s->nnodes; i++)
		if (s->nodes[i].kind == SBC_CLI_NODE_PATH)
			path_help(s, i);
	return 0;
}

int sbc_cli_node_by_mode(const struct sbc_cli_sess *s, int mode)
{
	for (int i = 0; i < s->nnodes; i++)
		if (s->nodes[i].mode == mode)
			return i;
	return -1;
}

void sbc_cli_goto(struct sbc_cli_sess *s, int node)
{
	char text[80];

	s->cur = node;
	cli_set_configmode(s->cli, s->nodes[node].mode, NULL);
	if (node == 0) {
		cli_set_modestring(s->cli, NULL);
		return;
	}
	snprintf(text, sizeof text, "(%s)", s->nodes[node].prompt);
	cli_set_modestring(s->cli, text);
}

int sbc_cli_leave(struct sbc_cli_sess *s)
{
	const struct sbc_cli_node *n = &s->nodes[s->cur];

	if (n->kind == SBC_CLI_NODE_EXEC)
		return CLI_QUIT;
	if (n->kind == SBC_CLI_NODE_ELEMENT) {
		struct sbc_cli_frame *f = sbc_cli_top_frame(s);
		if (f && !sbc_cli_confirm_leave(s, f))
			return CLI_OK;
		sbc_cli_frame_pop(s);
	}
	sbc_cli_goto(s, n->parent);
	return CLI_OK;
}

bool sbc_cli_follow_ctrl_z(struct sbc_cli_sess *s, bool prompt_shown)
{
	const char *mark = s->cli->promptchar ? s->cli->promptchar : "";
	bool dirty = false;

	for (int i = 0; i < s->depth; i++)
		dirty = dirty || sbc_cli_frame_dirty(s, &s->frames[i]);
	if (dirty && prompt_shown)  /* libcli showed "ORACLE# " */
		s->ask_erase = strlen(s->hostname) + strlen(mark);
	sbc_cli_goto(s, s->cur);  /* undo libcli's jump: leave from where we were */
	while (s->cur != 0) {
		int from = s->cur;
		sbc_cli_leave(s);
		if (s->cur == from)
			break;  /* neither y nor n: stay, as `exit` does */
	}
	s->ask_erase = 0;
	return dirty;
}

static int cmd_exit(struct cli_def *cli, const char *command, char **argv, int argc)
{
	(void)command;
	(void)argv;
	(void)argc;
	return sbc_cli_leave(sbc_cli_sess(cli));
}

static int cmd_configure_terminal(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);

	(void)command;
	(void)argv;
	if (argc > 0) {
		cli_print(cli, "%% invalid number of arguments");
		return CLI_ERROR;
	}
	sbc_cli_goto(s, 1);
	return CLI_OK;
}

/* Typed a path, element or sub-element name: enter that node. */
static int cmd_enter(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);

	(void)argv;
	if (argc > 0) {
		cli_print(cli, "%% invalid number of arguments");
		return CLI_ERROR;
	}
	for (int i = 0; i < s->nnodes; i++) {
		const struct sbc_cli_node *n = &s->nodes[i];
		if (n->parent != s->cur || strcmp(n->command, command) != 0)
			continue;
		if (n->kind == SBC_CLI_NODE_ELEMENT && sbc_cli_frame_push(s, i) != 0) {
			cli_print(cli, "%% cannot edit %s now", n->prompt);
			return CLI_ERROR;
		}
		sbc_cli_goto(s, i);
		return CLI_OK;
	}
	cli_print(cli, "%% %s is not available here", command);
	return CLI_ERROR;
}

int sbc_cli_modes_register(struct sbc_cli_sess *s)
{
	struct cli_command *c;

	c = cli_register_command(s->cli, NULL, "configure", NULL, PRIVILEGE_PRIVILEGED, MODE_EXEC,
				 "enter configuration mode");
	if (!c || !cli_register_command(s->cli, c, "terminal", cmd_configure_terminal,
					PRIVILEGE_PRIVILEGED, MODE_EXEC, "configure from the terminal"))
		return -1;
	if (!cli_register_command(s->cli, NULL, "exit", cmd_exit, PRIVILEGE_UNPRIVILEGED, MODE_ANY,
				  "leave this level (log out at the top level)"))
		return -1;
	for (int i = 2; i < s->nnodes; i++) {
		const struct sbc_cli_node *n = &s->nodes[i];
		if (!cli_register_command(s->cli, NULL, n->command, cmd_enter, PRIVILEGE_PRIVILEGED,
					  s->nodes[n->parent].mode, n->help))
			return -1;
		if (n->kind == SBC_CLI_NODE_ELEMENT &&
		    (sbc_cli_element_register(s, i) != 0 || sbc_cli_select_register(s, i) != 0))
			return -1;
		/* `show running-config` and the rest work at every level */
		if (n->kind == SBC_CLI_NODE_PATH && sbc_cli_show_tree_register(s, n->mode, NULL) != 0)
			return -1;
	}
	return sbc_cli_show_tree_register(s, s->nodes[1].mode, NULL);
}
