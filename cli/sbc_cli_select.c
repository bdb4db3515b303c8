/* `select` and `no` in an element mode: the Oracle selection dialog
 * (`<realm-id>:`, a numbered list, `selection: `) over the editing
 * configuration, or over the parent's private copy for a sub-element. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_cli_internal.h"
#include "sbc_core_store.h"

/* The objects one can choose from. Top-level: copies taken under the
 * store's lock (owned). Sub-element: the parent frame's list (borrowed). */
struct pick_list {
	const struct sbc_cfg_element *el;
	void **items;
	size_t count;
	bool owned;
};

struct copy_all {
	int id;
	struct pick_list *list;
};

static int copy_all_apply(struct sbc_cfg *editing, void *arg)
{
	struct copy_all *c = arg;
	const struct sbc_cfg_objs *objs = &editing->elements[c->id];

	c->list->items = calloc(objs->count + 1, sizeof *c->list->items);
	if (!c->list->items)
		return -1;
	for (size_t i = 0; i < objs->count; i++) {
		if (!(c->list->items[i] = sbc_cfg_obj_copy(c->list->el, objs->items[i])))
			return -1;
		c->list->count++;
	}
	return 0;
}

static void list_free(struct pick_list *l)
{
	if (l->owned) {
		for (size_t i = 0; i < l->count; i++)
			sbc_cfg_obj_free(l->el, l->items[i]);
		free(l->items);
	}
	memset(l, 0, sizeof *l);
}

static int list_load(struct sbc_cli_sess *s, const struct sbc_cli_frame *f, struct pick_list *l)
{
	const struct sbc_cli_node *n = &s->nodes[f->node];

	memset(l, 0, sizeof *l);
	l->el = n->el;
	if (n->via) {
		const struct sbc_cli_frame *parent = f - 1;
		struct sbc_cfg_objs *kids = SBC_CFG_FIELD(parent->obj, n->via, struct sbc_cfg_objs);
		l->items = kids->items;
		l->count = kids->count;
		return 0;
	}
	struct copy_all c = { .id = sbc_cfg_element_id(n->el), .list = l };
	l->owned = true;
	if (sbc_core_editing_apply(s->store, copy_all_apply, &c) != 0) {
		list_free(l);
		return -1;
	}
	return 0;
}

static long find_key(const struct pick_list *l, const char *key)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(sbc_cfg_obj_key(l->el, l->items[i]), key) == 0)
			return (long)i;
	return -1;
}

/* The answer: a number from the list or a key. -1 for no choice. */
static long parse_choice(struct sbc_cli_sess *s, const struct pick_list *l, const char *answer)
{
	char *end;
	unsigned long n;

	if (*answer == '\0')
		return -1; /* Enter alone: nothing selected, as on the real ACLI */
	n = strtoul(answer, &end, 10);
	if (*end == '\0' && n >= 1 && n <= l->count)
		return (long)n - 1;
	long at = find_key(l, answer);
	if (at < 0)
		cli_print(s->cli, "%% invalid selection '%s'", answer);
	return at;
}

/* The dialog. `select KEY` skips it. Returns the index chosen or -1. */
static long pick(struct sbc_cli_sess *s, const struct pick_list *l, char **argv, int argc)
{
	const struct sbc_cfg_attr *key = sbc_cfg_key_attr(l->el);
	char answer[128];

	if (argc > 1) {
		cli_print(s->cli, "%% invalid number of arguments");
		return -1;
	}
	if (argc == 1)
		return parse_choice(s, l, argv[0]);
	cli_print(s->cli, "<%s>:", key ? key->name : l->el->name);
	if (l->count == 0) {
		cli_print(s->cli, "%% no %s is configured", l->el->name);
		return -1;
	}
	for (size_t i = 0; i < l->count; i++) {
		char *label = sbc_cfg_obj_label(l->el, l->items[i]);
		cli_print(s->cli, "%zu: %s", i + 1, label ? label : "");
		free(label);
	}
	cli_print(s->cli, "%s", "");
	if (sbc_cli_ask(s, "selection: ", true, answer, sizeof answer) != 0)
		return -1;
	return parse_choice(s, l, answer);
}

/* Make l->items[at] the frame's object. */
static int take(struct sbc_cli_frame *f, struct pick_list *l, long at)
{
	void *obj = sbc_cfg_obj_copy(l->el, l->items[at]);
	void *orig = sbc_cfg_obj_copy(l->el, l->items[at]);

	if (!obj || !orig) {
		sbc_cfg_obj_free(l->el, obj);
		sbc_cfg_obj_free(l->el, orig);
		return -1;
	}
	sbc_cfg_obj_free(l->el, f->obj);
	sbc_cfg_obj_free(l->el, f->orig);
	f->obj = obj;
	f->orig = orig;
	f->selected = true;
	f->index = at;
	return 0;
}

static int cmd_select(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);
	struct sbc_cli_frame *f = sbc_cli_top_frame(s);
	struct pick_list l;
	long at;
	int rc = CLI_ERROR;

	(void)command;
	if (!f)
		return CLI_ERROR;
	if (s->nodes[f->node].el->singleton && !s->nodes[f->node].via)
		return CLI_OK; /* the one object is already being edited */
	if (!sbc_cli_confirm_leave(s, f))
		return CLI_OK;
	if (list_load(s, f, &l) != 0) {
		cli_print(cli, "%% out of memory");
		return CLI_ERROR;
	}
	at = pick(s, &l, argv, argc);
	if (at >= 0 && take(f, &l, at) == 0)
		rc = CLI_OK;
	list_free(&l);
	return rc;
}

/* --- no --- */

struct no_ctx {
	int id;
	const char *key;
};

static int no_apply(struct sbc_cfg *editing, void *arg)
{
	struct no_ctx *d = arg;
	long at = sbc_cfg_find(editing, d->id, d->key);
	void *obj;

	if (at < 0)
		return -1;
	obj = editing->elements[d->id].items[at];
	sbc_cfg_objs_remove(&editing->elements[d->id], (size_t)at);
	sbc_cfg_obj_free(sbc_cfg_elements[d->id], obj);
	return 0;
}

/* Remove a top-level object by key from the editing configuration. */
static int remove_key(struct sbc_cli_sess *s, const struct sbc_cli_frame *f, const char *key)
{
	struct no_ctx d = { .id = sbc_cfg_element_id(s->nodes[f->node].el), .key = key };

	return sbc_core_editing_apply(s->store, no_apply, &d);
}

/* Remove a sub-element by position from the parent's private copy. */
static int remove_child(struct sbc_cli_sess *s, const struct sbc_cli_frame *f, long at)
{
	const struct sbc_cli_node *n = &s->nodes[f->node];
	struct sbc_cfg_objs *kids = SBC_CFG_FIELD((f - 1)->obj, n->via, struct sbc_cfg_objs);
	void *obj;

	if (at < 0 || (size_t)at >= kids->count)
		return -1;
	obj = kids->items[at];
	sbc_cfg_objs_remove(kids, (size_t)at);
	sbc_cfg_obj_free(n->el, obj);
	return 0;
}

/* A fresh object in the frame after its object was removed. */
static int reset_frame(struct sbc_cli_sess *s, struct sbc_cli_frame *f)
{
	const struct sbc_cfg_element *el = s->nodes[f->node].el;
	void *obj = sbc_cfg_obj_new(el);
	void *orig = sbc_cfg_obj_new(el);

	if (!obj || !orig) {
		sbc_cfg_obj_free(el, obj);
		sbc_cfg_obj_free(el, orig);
		return -1;
	}
	sbc_cfg_obj_free(el, f->obj);
	sbc_cfg_obj_free(el, f->orig);
	f->obj = obj;
	f->orig = orig;
	f->selected = false;
	f->index = -1;
	return 0;
}

static int cmd_no(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);
	struct sbc_cli_frame *f = sbc_cli_top_frame(s);
	const struct sbc_cfg_element *el;
	struct pick_list l;
	char *key = NULL;
	long at;
	int rc = CLI_ERROR;

	(void)command;
	if (!f)
		return CLI_ERROR;
	el = s->nodes[f->node].el;
	if (f->selected && argc == 0) {
		at = f->index;
		key = strdup(sbc_cfg_obj_key(el, f->orig));
	} else {
		/* Nothing selected: choose what to delete, as `select` does. */
		if (list_load(s, f, &l) != 0)
			goto fail;
		at = pick(s, &l, argv, argc);
		if (at >= 0)
			key = strdup(sbc_cfg_obj_key(el, l.items[at]));
		list_free(&l);
		if (at < 0)
			return CLI_OK;
	}
	if (!key)
		goto fail;
	if ((s->nodes[f->node].via ? remove_child(s, f, at) : remove_key(s, f, key)) != 0) {
		cli_print(cli, "%% %s [%s] does not exist", el->name, key);
		goto fail;
	}
	if (reset_frame(s, f) == 0)
		rc = CLI_OK;
fail:
	free(key);
	return rc;
}

int sbc_cli_select_register(struct sbc_cli_sess *s, int node)
{
	const struct sbc_cli_node *n = &s->nodes[node];

	if (!cli_register_command(s->cli, NULL, "select", cmd_select, PRIVILEGE_PRIVILEGED, n->mode,
				  "select an object to edit"))
		return -1;
	if (n->el->singleton && !n->via)
		return 0; /* a singleton cannot be deleted */
	if (!cli_register_command(s->cli, NULL, "no", cmd_no, PRIVILEGE_PRIVILEGED, n->mode,
				  "delete the selected object (or choose one)"))
		return -1;
	return 0;
}
