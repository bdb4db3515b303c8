/* `secret login` / `secret enable` (new password asked twice, not echoed,
 * stored hashed) and the check behind libcli's `enable`, both against the
 * management-access element. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbc_cli_internal.h"
#include "sbc_core_store.h"
#include "sbc_log.h"
#include "sbc_sec_password.h"

/* Which hashed management-access attribute each `secret` word sets. The
 * names are checked against the schema table at registration. */
static const struct {
	const char *word;
	const char *attr;
	const char *help;
} secrets[] = {
	{ "login", "user-password", "change the login password" },
	{ "enable", "enable-password", "change the enable password" },
};

/* libcli's enable callback has no context argument. A daemon has exactly
 * one store, so the one bound by the latest session is the right one. The
 * peer for the log line: every telnet and SSH session runs cli_loop (and
 * so the callback) on the thread that created it. */
static _Atomic(struct sbc_core_store *) enable_store;
static _Thread_local char enable_peer[96];

static int enable_check(const char *password)
{
	struct sbc_core_store *store = atomic_load(&enable_store);
	const struct sbc_cfg *run = store ? sbc_core_running_acquire(store) : NULL;
	bool ok = false;

	if (run && run->elements[SBC_CFG_MANAGEMENT_ACCESS].count) {
		const struct sbc_cfg_management_access *ma = SBC_CFG_SINGLETON(
			run, SBC_CFG_MANAGEMENT_ACCESS, struct sbc_cfg_management_access);
		ok = sbc_sec_password_verify(password, ma->enable_password);
	}
	if (run)
		sbc_core_running_release(store, run);
	if (!ok) {
		/* Slow down guessing; only this session's thread waits. */
		struct timespec delay = { .tv_sec = 1 };
		sbc_log_warnx("ACLI enable refused: wrong enable password from %s",
			      enable_peer[0] ? enable_peer : "unknown peer");
		nanosleep(&delay, NULL);
	}
	return ok;
}

void sbc_cli_secret_bind(struct cli_def *cli, struct sbc_core_store *store)
{
	struct sbc_cli_sess *s = cli_get_context(cli);
	static const char *const via[] = { [SBC_CLI_TELNET] = "telnet", [SBC_CLI_SSH] = "ssh",
					   [SBC_CLI_CONSOLE] = "console" };

	if (s->origin == SBC_CLI_CONSOLE)
		snprintf(enable_peer, sizeof enable_peer, "the console");
	else
		snprintf(enable_peer, sizeof enable_peer, "%s over %s", s->peer, via[s->origin]);
	atomic_store(&enable_store, store);
	cli_set_enable_callback(cli, enable_check);
}

static void wipe(char *buf, size_t len)
{
	explicit_bzero(buf, len);
}

static int cmd_secret(struct cli_def *cli, const char *command, char **argv, int argc)
{
	struct sbc_cli_sess *s = sbc_cli_sess(cli);
	const char *word = strrchr(command, ' ');
	const char *attr = NULL;
	char first[256], second[256];
	struct sbc_cfg_error err = { .text = "" };
	char *hash = NULL;
	int rc = CLI_ERROR;

	(void)argv;
	word = word ? word + 1 : command;
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		if (strcmp(secrets[i].word, word) == 0)
			attr = secrets[i].attr;
	if (!attr || argc > 0) {
		cli_print(cli, "%% invalid number of arguments");
		return CLI_ERROR;
	}
	if (sbc_cli_ask(s, "Enter new password : ", false, first, sizeof first) != 0 ||
	    sbc_cli_ask(s, "Enter password again : ", false, second, sizeof second) != 0)
		goto fail;
	if (strcmp(first, second) != 0) {
		cli_print(cli, "%% passwords do not match; nothing changed");
		goto fail;
	}
	if (first[0] == '\0') {
		cli_print(cli, "%% an empty password is not allowed; nothing changed");
		goto fail;
	}
	if (!(hash = sbc_sec_password_hash(first))) {
		cli_print(cli, "%% cannot hash the password; nothing changed");
		goto fail;
	}
	if (sbc_core_patch_everywhere(s->store, SBC_CFG_MANAGEMENT_ACCESS, "", attr, hash,
				      &err) != 0) {
		cli_print(cli, "%% %s", err.text);
		goto fail;
	}
	sbc_log_info("acli: %s changed by %s", attr, s->peer);
	cli_print(cli, "task done");
	rc = CLI_OK;
fail:
	wipe(first, sizeof first);
	wipe(second, sizeof second);
	free(hash);
	return rc;
}

int sbc_cli_secret_register(struct sbc_cli_sess *s)
{
	const struct sbc_cfg_element *ma = sbc_cfg_elements[SBC_CFG_MANAGEMENT_ACCESS];
	struct cli_command *secret;

	secret = cli_register_command(s->cli, NULL, "secret", NULL, PRIVILEGE_PRIVILEGED, MODE_EXEC,
				      "change a password");
	if (!secret)
		return -1;
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
		const struct sbc_cfg_attr *attr = sbc_cfg_attr_by_name(ma, secrets[i].attr);
		if (!attr || !(attr->flags & SBC_CFG_F_HASHED))
			return -1; /* the table and this list disagree */
		if (!cli_register_command(s->cli, secret, secrets[i].word, cmd_secret,
					  PRIVILEGE_PRIVILEGED, MODE_EXEC, secrets[i].help))
			return -1;
	}
	return 0;
}
