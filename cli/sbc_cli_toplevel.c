/* Exec-level ACLI commands (ORACLE#): save-config, activate-config,
 * verify-config, backups, configuration versions and `show`. They go
 * through the store only; nothing here touches the running configuration
 * except activate-config and restore-backup-config ... running. */
#include <stdlib.h>
#include <string.h>

#include "sbc_cli_internal.h"
#include "sbc_cli_show.h"
#include "sbc_core_store.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* Print multi-line text (a verify report) line by line. */
static void print_text(struct cli_def *cli, const char *text)
{
	const char *p = text;

	while (p && *p) {
		size_t n = strcspn(p, "\n");
		cli_print(cli, "%.*s", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static bool no_args(struct cli_def *cli, int argc)
{
	if (argc == 0)
		return true;
	cli_print(cli, "%% invalid number of arguments");
	return false;
}

static int cmd_verify(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);
	char *report = NULL;
	int errors;

	(void)command;
	(void)argv;
	if (!no_args(cli, argc))
		return CLI_ERROR;
	errors = sbc_core_verify(s->store, &report);
	print_text(cli, report);
	free(report);
	return errors == 0 ? CLI_OK : CLI_ERROR;
}

static int cmd_save(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);
	struct sbc_cfg_error err = { .text = "" };
	char *report = NULL;
	int errors;

	(void)command;
	(void)argv;
	if (!no_args(cli, argc))
		return CLI_ERROR;
	cli_print(cli, "checking configuration");
	errors = sbc_core_verify(s->store, &report);
	if (errors > 0) {
		/* The problems between rulers, then nothing is saved. */
		cli_print(cli, "---------------------------------------------------------------------");
		print_text(cli, report);
		cli_print(cli, "---------------------------------------------------------------------");
		cli_print(cli, "%% Save-Config failed: %d error%s in the configuration; nothing "
			       "was saved", errors, errors == 1 ? "" : "s");
	}
	free(report);
	if (errors > 0)
		return CLI_ERROR;
	if (sbc_core_save(s->store, &err) != 0) {
		cli_print(cli, "%% Save-Config failed: %s", err.text);
		return CLI_ERROR;
	}
	cli_print(cli, "Save-Config received, processing.");
	cli_print(cli, "waiting for request to finish");
	cli_print(cli, "Request to 'SAVE-CONFIG' has Finished,");
	cli_print(cli, "Save complete");
	if (sbc_core_saved_differs_from_running(s->store)) {
		cli_print(cli, "Currently active and saved configurations do not match!");
		cli_print(cli, "To sync & activate, run 'activate-config' or 'reboot activate'.");
	}
	return CLI_OK;
}

static int cmd_activate(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);
	struct sbc_cfg_error err = { .text = "" };

	(void)command;
	(void)argv;
	if (!no_args(cli, argc))
		return CLI_ERROR;
	cli_print(cli, "Activate-Config received, processing.");
	cli_print(cli, "waiting for request to finish");
	if (sbc_core_activate(s->store, &err) != 0) {
		cli_print(cli, "%% Activate-Config failed: %s", err.text);
		cli_print(cli, "The running configuration is unchanged.");
		return CLI_ERROR;
	}
	cli_print(cli, "Request to 'ACTIVATE-CONFIG' has Finished,");
	cli_print(cli, "Activate Complete");
	sbc_cli_refresh_hostname(s); /* a new system-config hostname shows now */
	return CLI_OK;
}

static int cmd_backup(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);
	struct sbc_cfg_error err = { .text = "" };
	const char *name = cli_get_optarg_value(cli, "name", NULL);

	(void)argv;
	if (!no_args(cli, argc) || !name)
		return CLI_ERROR;
	if (strcmp(command, "backup-config") == 0 ? sbc_core_backup_create(s->store, name, &err)
						  : sbc_core_backup_delete(s->store, name, &err)) {
		cli_print(cli, "%% %s", err.text);
		return CLI_ERROR;
	}
	cli_print(cli, "task done");
	return CLI_OK;
}

static int cmd_display_backups(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);
	char **names;

	(void)command;
	(void)argv;
	if (!no_args(cli, argc))
		return CLI_ERROR;
	if (!(names = sbc_core_backup_list(s->store)))
		return CLI_ERROR;
	for (size_t i = 0; names[i]; i++)
		cli_print(cli, "%s", names[i]);
	sbc_core_backup_list_free(names);
	return CLI_OK;
}

static int cmd_restore(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);
	struct sbc_cfg_error err = { .text = "" };
	const char *name = cli_get_optarg_value(cli, "name", NULL);
	const char *target = cli_get_optarg_value(cli, "target", NULL);
	bool running = target && strcmp(target, "running") == 0;

	(void)command;
	(void)argv;
	if (!no_args(cli, argc) || !name)
		return CLI_ERROR;
	if (sbc_core_backup_restore(s->store, name, running ? SBC_CORE_RESTORE_RUNNING
							    : SBC_CORE_RESTORE_SAVED, &err) != 0) {
		cli_print(cli, "%% %s", err.text);
		return CLI_ERROR;
	}
	if (!running)
		cli_print(cli, "Need to perform activate-config or reboot activate for changes to "
			       "take effect...");
	sbc_cli_refresh_hostname(s);
	cli_print(cli, "task done");
	return CLI_OK;
}

static int cmd_version_of(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);

	(void)argv;
	if (!no_args(cli, argc))
		return CLI_ERROR;
	if (strcmp(command, "display-current-cfg-version") == 0)
		cli_print(cli, "Current configuration version is %u",
			  sbc_core_saved_version(s->store));
	else
		cli_print(cli, "Running configuration version is %u",
			  sbc_core_running_version(s->store));
	return CLI_OK;
}

/* --- show --- */

static const struct sbc_cfg_element *top_element(const char *name)
{
	const struct sbc_cfg_element *el = name ? sbc_cfg_element_by_name(name) : NULL;

	return el && sbc_cfg_element_id(el) >= 0 ? el : NULL;
}

static int validate_element(struct cli_def *cli, const char *name, const char *value)
{
	(void)cli;
	(void)name;
	return top_element(value) ? CLI_OK : CLI_ERROR;
}

static int complete_element(struct cli_def *cli, const char *name, const char *word,
			    struct cli_comphelp *comphelp)
{
	(void)cli;
	(void)name;
	for (int id = 0; id < SBC_CFG_ELEM_COUNT; id++)
		if (!word || strncmp(sbc_cfg_elements[id]->name, word, strlen(word)) == 0)
			cli_add_comphelp_entry(comphelp, sbc_cfg_elements[id]->name);
	return CLI_OK;
}

/* show running-config / show configuration [ELEMENT]. */
static int cmd_show_config(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);
	struct sbc_cfg_show_sink sink = sbc_cli_sink(s);
	const struct sbc_cfg_element *only = top_element(cli_get_optarg_value(cli, "element", NULL));
	bool running = strstr(command, "running-config") != NULL;
	int rc;

	if (argc > 0) {
		cli_print(cli, "%% unknown element '%s'", argv[0]);
		return CLI_ERROR;
	}
	if (running) {
		const struct sbc_cfg *cfg = sbc_core_running_acquire(s->store);
		rc = cfg ? sbc_cfg_show_cfg(cfg, only, &sink) : -1;
		if (cfg)
			sbc_core_running_release(s->store, cfg);
	} else {
		struct sbc_cfg *cfg = sbc_core_editing_copy(s->store);
		rc = cfg ? sbc_cfg_show_cfg(cfg, only, &sink) : -1;
		sbc_cfg_free(cfg);
	}
	if (rc != 0)
		return CLI_ERROR;
	cli_print(cli, "task done");
	return CLI_OK;
}

static int cmd_show_version(struct cli_def *cli, const char *command, char **argv, int argc)
{
	(void)command;
	(void)argv;
	if (!no_args(cli, argc))
		return CLI_ERROR;
	sbc_cli_sess(cli);
	cli_print(cli, "sbcemu %s: Oracle (Acme Packet) SBC / IMS P-CSCF emulator",
		  PACKAGE_VERSION);
	return CLI_OK;
}

/* The `show` tree in one mode: exec (`run` NULL: `show` alone is
 * incomplete) and every element mode, where `show` alone runs `run` (the
 * object being edited) and `show running-config ...` and the rest are the
 * exec commands, as on the Oracle ACLI. */
int sbc_cli_show_tree_register(struct sbc_cli_sess *s, int mode,
			       int (*run)(struct cli_def *, const char *, char **, int))
{
	struct cli_command *show, *c;
	const char *which[] = { "running-config", "configuration" };
	const char *help[] = { "show the running configuration (or one element)",
			       "show the editing configuration (or one element)" };

	show = cli_register_command(s->cli, NULL, "show", run, PRIVILEGE_UNPRIVILEGED, mode,
				    run ? "show the object being edited, or configuration and state"
					: "show configuration and state");
	if (!show)
		return -1;
	for (int i = 0; i < 2; i++) {
		c = cli_register_command(s->cli, show, which[i], cmd_show_config,
					 PRIVILEGE_UNPRIVILEGED, mode, help[i]);
		if (!c || !cli_register_optarg(c, "element", CLI_CMD_OPTIONAL_FLAG,
					       PRIVILEGE_UNPRIVILEGED, mode,
					       "only the objects of this element",
					       complete_element, validate_element, NULL))
			return -1;
	}
	if (!cli_register_command(s->cli, show, "version", cmd_show_version,
				  PRIVILEGE_UNPRIVILEGED, mode, "show the software version"))
		return -1;
	return sbc_cli_show_register_all(s, show, mode);
}

static int complete_backup(struct cli_def *cli, const char *name, const char *word,
			   struct cli_comphelp *comphelp)
{
	struct sbc_cli_sess *s = cli_get_context(cli);
	char **names = sbc_core_backup_list(s->store);

	(void)name;
	for (size_t i = 0; names && names[i]; i++)
		if (!word || strncmp(names[i], word, strlen(word)) == 0)
			cli_add_comphelp_entry(comphelp, names[i]);
	sbc_core_backup_list_free(names);
	return CLI_OK;
}

static int validate_target(struct cli_def *cli, const char *name, const char *value)
{
	(void)cli;
	(void)name;
	return strcmp(value, "saved") == 0 || strcmp(value, "running") == 0 ? CLI_OK : CLI_ERROR;
}

static int complete_target(struct cli_def *cli, const char *name, const char *word,
			   struct cli_comphelp *comphelp)
{
	(void)cli;
	(void)name;
	for (const char *const *t = (const char *const[]){ "saved", "running", NULL }; *t; t++)
		if (!word || strncmp(*t, word, strlen(word)) == 0)
			cli_add_comphelp_entry(comphelp, *t);
	return CLI_OK;
}

/* A privileged exec command, with its "name" argument when `named`. */
static struct cli_command *exec_cmd(struct sbc_cli_sess *s, const char *name,
				    int (*fn)(struct cli_def *, const char *, char **, int),
				    const char *help, bool named, bool complete)
{
	struct cli_command *c = cli_register_command(s->cli, NULL, name, fn, PRIVILEGE_PRIVILEGED,
						     MODE_EXEC, help);
	if (c && named &&
	    !cli_register_optarg(c, "name", CLI_CMD_ARGUMENT, PRIVILEGE_PRIVILEGED, MODE_EXEC,
				 "name of the backup", complete ? complete_backup : NULL, NULL,
				 NULL))
		return NULL;
	return c;
}

int sbc_cli_toplevel_register(struct sbc_cli_sess *s)
{
	struct cli_command *c;

	if (!exec_cmd(s, "save-config", cmd_save, "verify and save the editing configuration",
		      false, false) ||
	    !exec_cmd(s, "activate-config", cmd_activate,
		      "make the saved configuration the running one", false, false) ||
	    !exec_cmd(s, "verify-config", cmd_verify, "check the editing configuration", false,
		      false) ||
	    !exec_cmd(s, "backup-config", cmd_backup, "back up the saved configuration", true,
		      false) ||
	    !exec_cmd(s, "delete-backup-config", cmd_backup, "delete a backup", true, true) ||
	    !exec_cmd(s, "display-backups", cmd_display_backups, "list the backups", false,
		      false) ||
	    !(c = exec_cmd(s, "restore-backup-config", cmd_restore,
			   "restore a backup as the saved (or running) configuration", true, true)))
		return -1;
	if (!cli_register_optarg(c, "target", CLI_CMD_OPTIONAL_FLAG, PRIVILEGE_PRIVILEGED, MODE_EXEC,
				 "saved (default) or running", complete_target, validate_target,
				 NULL))
		return -1;
	if (!cli_register_command(s->cli, NULL, "display-current-cfg-version", cmd_version_of,
				  PRIVILEGE_UNPRIVILEGED, MODE_EXEC,
				  "show the version of the saved configuration") ||
	    !cli_register_command(s->cli, NULL, "display-running-cfg-version", cmd_version_of,
				  PRIVILEGE_UNPRIVILEGED, MODE_EXEC,
				  "show the version of the running configuration"))
		return -1;
	return sbc_cli_show_tree_register(s, MODE_EXEC, NULL);
}
