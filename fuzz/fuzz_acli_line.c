/* libFuzzer target: ACLI command lines in a real session (libcli instance
 * with sbcemu's command tree) against a store in a temporary data
 * directory, as tests/check_cli_commands.c drives it but with no socket.
 * The input is lines separated by '\n': each is run with cli_run_command
 * unless a command is asking something (`select`'s "selection: ", the
 * "Save Changes [y/n]?" of `exit`, a password twice, a "--More--" pause),
 * which takes the next line as the answer; no line left is the session
 * ending. A first line of exactly ">" starts the session unprivileged.
 * The store (editing, saved, running, backups) is recreated every
 * SBCEMU_FUZZ_RESET inputs (default 1, so each crash reproduces from its
 * file). */
#include <ftw.h>
#include <libcli.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbc_cli_session.h"
#include "sbc_core_store.h"
#include "sbc_log.h"

#define MAX_LINES 64
#define MAX_LINE 1024

static char data_dir[64];
static struct sbc_core_store *store;
static unsigned long inputs, reset_every = 1;

/* The input's lines, consumed by commands and answers alike. */
struct feed {
	const char *p, *end;
	int lines;
};

static int next_line(struct feed *f, char *buf, size_t size)
{
	if (f->p >= f->end || f->lines >= MAX_LINES)
		return -1;
	const char *nl = memchr(f->p, '\n', (size_t)(f->end - f->p));
	size_t n = (size_t)((nl ? nl : f->end) - f->p);
	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), f->p);
	f->p += n + (nl ? 1 : 0);
	f->lines++;
	return 0;
}

static int on_ask(void *ctx, const char *prompt, bool echo, char *buf, size_t len)
{
	(void)prompt;
	(void)echo;
	return next_line(ctx, buf, len);
}

static int on_more(void *ctx, const char *prompt)
{
	char key[8];

	(void)prompt;
	if (next_line(ctx, key, sizeof key) != 0)
		return -1;
	return key[0] == ' ' ? SBC_CLI_MORE_PAGE : key[0] == 'q' ? SBC_CLI_MORE_QUIT
								 : SBC_CLI_MORE_LINE;
}

static void on_print(struct cli_def *cli, const char *line)
{
	(void)cli;
	(void)line;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void store_close(void)
{
	sbc_core_store_close(store);
	store = NULL;
	if (*data_dir)
		nftw(data_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	*data_dir = '\0';
}

/* A fresh data directory (on tmpfs when there is one: save-config fsyncs). */
static void store_open(void)
{
	struct sbc_cfg_error err = { .text = "" };
	const char *tmp = getenv("TMPDIR");

	if (!tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(data_dir, sizeof data_dir, "%s/sbcemu-fuzz-acli-XXXXXX", tmp);
	if (!mkdtemp(data_dir) || !(store = sbc_core_store_open(data_dir, NULL, &err))) {
		fprintf(stderr, "fuzz_acli_line: no store in %s: %s\n", data_dir, err.text);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *env = getenv("SBCEMU_FUZZ_RESET");

	(void)argc;
	(void)argv;
	if (env && atol(env) > 0)
		reset_every = (unsigned long)atol(env);
	if (!getenv("SBCEMU_FUZZ_VERBOSE"))
		sbc_log_set_level(SBC_LOG_ERROR);
	atexit(store_close);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed feed = { .p = (const char *)data, .end = (const char *)data + size };
	struct sbc_cli_session_opts opts = {
		.origin = SBC_CLI_CONSOLE, .peer = "fuzz", .start_privileged = true,
		.io = { .ask = on_ask, .more = on_more, .io_ctx = &feed },
	};
	char line[MAX_LINE];

	if (!store)
		store_open();
	if (size >= 2 && memcmp(data, ">\n", 2) == 0) {
		opts.start_privileged = false;
		feed.p += 2;
	}
	struct cli_def *cli = sbc_cli_session_new(store, &opts);
	if (!cli)
		abort();
	cli_print_callback(cli, on_print);
	while (next_line(&feed, line, sizeof line) == 0)
		if (cli_run_command(cli, line) == CLI_QUIT)
			break;
	sbc_cli_session_free(cli);
	/* Closed at the end of the input, not the start of the next one:
	 * libFuzzer looks for leaks when an input allocates more than it frees. */
	if (++inputs % reset_every == 0)
		store_close();
	return 0;
}
