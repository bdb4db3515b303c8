/* Shared inside the ACLI command tree (not for the access layer): the
 * session state behind a libcli instance, the mode tree derived from the
 * schema table, and the edit stack of objects being changed. */
#ifndef SBC_CLI_INTERNAL_H
#define SBC_CLI_INTERNAL_H

#include <libcli.h>

#include "sbc_cfg_show.h"
#include "sbc_cfg_value.h"
#include "sbc_cli_pager.h"
#include "sbc_cli_session.h"

struct sbc_core_store;

/* Where an operator can be: each node is one libcli mode and one prompt. */
enum sbc_cli_node_kind {
	SBC_CLI_NODE_EXEC,      /* ORACLE# */
	SBC_CLI_NODE_CONFIGURE, /* ORACLE(configure)# */
	SBC_CLI_NODE_PATH,      /* ORACLE(session-router)# */
	SBC_CLI_NODE_ELEMENT,   /* ORACLE(sip-interface)#, ORACLE(sip-port)# */
};

struct sbc_cli_node {
	enum sbc_cli_node_kind kind;
	int mode;                           /* libcli mode number */
	int parent;                         /* node index, -1 for exec */
	const char *command;                /* typed to enter: "sip-ports" */
	const char *prompt;                 /* shown: "sip-port" */
	const struct sbc_cfg_element *el;   /* ELEMENT only */
	const struct sbc_cfg_attr *via;     /* sub-element: parent's CHILDREN row */
	char help[160];                     /* derived from the table */
};

/* exec, configure, 5 paths, 10 elements, their sub-elements: room to spare. */
#define SBC_CLI_MAX_NODES 48
#define SBC_CLI_MAX_DEPTH 4

/* One object being edited in an element mode. */
struct sbc_cli_frame {
	int node;
	void *obj;      /* the private copy the attribute commands change */
	void *orig;     /* as selected or created: undone changes, concurrent edits */
	bool selected;  /* obj replaces orig on done; else done adds a new object */
	long index;     /* sub-element: index in the parent's list, -1 when new */
};

struct sbc_cli_sess {
	struct sbc_core_store *store;
	struct sbc_cli_io io;
	enum sbc_cli_origin origin;
	char *peer;
	struct cli_def *cli;
	struct sbc_cli_node nodes[SBC_CLI_MAX_NODES];
	int nnodes;
	int cur;                                   /* current node */
	struct sbc_cli_frame frames[SBC_CLI_MAX_DEPTH];
	int depth;                                 /* element frames in use */
	char hostname[64];
	struct sbc_cli_pager pager;
	size_t ask_erase;      /* columns of a prompt libcli showed, blanked before asking */
};

/* The session of a command callback, resynchronised with libcli's mode
 * (Ctrl-Z and `quit` change it behind our back) and the running hostname. */
struct sbc_cli_sess *sbc_cli_sess(struct cli_def *cli);
void sbc_cli_refresh_hostname(struct sbc_cli_sess *s);

/* modes.c: the node tree and moving between nodes. */
int sbc_cli_modes_build(struct sbc_cli_sess *s);
int sbc_cli_modes_register(struct sbc_cli_sess *s);
void sbc_cli_goto(struct sbc_cli_sess *s, int node);
int sbc_cli_node_by_mode(const struct sbc_cli_sess *s, int mode);
/* Leave the current node (`exit`): asks before dropping undone changes.
 * Returns CLI_QUIT at exec level. */
int sbc_cli_leave(struct sbc_cli_sess *s);
/* libcli jumped to exec on Ctrl-Z: leave level by level from where the
 * operator was, as `exit` does (asking about undone changes). When libcli
 * already showed its exec prompt, `prompt_shown` blanks it before asking.
 * Returns true when the operator was asked something. */
bool sbc_cli_follow_ctrl_z(struct sbc_cli_sess *s, bool prompt_shown);

/* element.c: per-element commands and the edit stack. */
int sbc_cli_element_register(struct sbc_cli_sess *s, int node);
struct sbc_cli_frame *sbc_cli_top_frame(struct sbc_cli_sess *s);
int sbc_cli_frame_push(struct sbc_cli_sess *s, int node);
void sbc_cli_frame_pop(struct sbc_cli_sess *s);
/* The frame's changes are not done yet. */
bool sbc_cli_frame_dirty(const struct sbc_cli_sess *s, const struct sbc_cli_frame *f);
/* `done`: store the frame's object (editing config or parent). 0 / -1. */
int sbc_cli_frame_done(struct sbc_cli_sess *s, struct sbc_cli_frame *f);
/* Ask "Save changes?" for a dirty frame: 1 leave (saved or dropped), 0 stay. */
int sbc_cli_confirm_leave(struct sbc_cli_sess *s, struct sbc_cli_frame *f);

/* select.c: `select` and `no`. */
int sbc_cli_select_register(struct sbc_cli_sess *s, int node);

/* toplevel.c, secret.c, show.c: exec-level commands. */
int sbc_cli_toplevel_register(struct sbc_cli_sess *s);
int sbc_cli_secret_register(struct sbc_cli_sess *s);
/* libcli's `enable` checks the running enable-password through this. */
void sbc_cli_secret_bind(struct cli_def *cli, struct sbc_core_store *store);
int sbc_cli_show_register_all(struct sbc_cli_sess *s, struct cli_command *show, int mode);
/* The `show` command and its sub-commands in `mode`; `run` (may be NULL)
 * handles `show` with no sub-command. */
int sbc_cli_show_tree_register(struct sbc_cli_sess *s, int mode,
			       int (*run)(struct cli_def *, const char *, char **, int));

/* Output helpers: one line per call through libcli (filters apply). */
void sbc_cli_show_sink_line(void *ctx, const char *text);
struct sbc_cfg_show_sink sbc_cli_sink(struct sbc_cli_sess *s);
/* Ask the operator through the access layer; -1 when the session ended or
 * there is no way to ask. */
int sbc_cli_ask(struct sbc_cli_sess *s, const char *prompt, bool echo, char *buf, size_t len);

#endif
