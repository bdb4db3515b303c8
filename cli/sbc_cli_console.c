/* The daemon side of the local console (protocol in sbc_cli_console.h): one
 * thread per attached client runs each received line with cli_run_command,
 * sends the output back as records, and answers the client's `?` and TAB
 * requests with libcli's own help and completion. Console sessions
 * start privileged and do not count against max-sessions. */
#include "sbc_cli_console.h"

#include <errno.h>
#include <libcli.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sbc_cli_comphelp.h"
#include "sbc_cli_conn.h"
#include "sbc_cli_sessions.h"
#include "sbc_log.h"

struct sbc_cli_console_conn {
	const struct sbc_cli_env *env;
	int fd;
	struct sbc_cli_slot *slot;
	size_t in_len;
	char in[CLI_MAX_LINE_LENGTH];     /* received, not yet consumed */
	char line[CLI_MAX_LINE_LENGTH];   /* the command being run */
};

static int send_record(struct sbc_cli_console_conn *c, char type, const char *text)
{
	size_t len = strlen(text);
	char *rec = malloc(len + 2);
	size_t n = 0;
	int rc;

	if (rec == NULL)
		return -1;
	rec[n++] = type;
	for (size_t i = 0; i < len; i++)
		if (text[i] != '\n' && text[i] != '\r')
			rec[n++] = text[i];
	rec[n++] = '\n';
	rc = sbc_cli_conn_write(c->fd, rec, n);
	free(rec);
	return rc;
}

/* The next line from the client, without its '\n'. -1 at the end. */
static int read_line(struct sbc_cli_console_conn *c, char *buf, size_t len)
{
	for (;;) {
		char *nl = memchr(c->in, '\n', c->in_len);
		ssize_t n;

		if (nl != NULL) {
			size_t l = (size_t)(nl - c->in);
			size_t copy = l < len - 1 ? l : len - 1;

			memcpy(buf, c->in, copy);
			buf[copy] = '\0';
			memmove(c->in, nl + 1, c->in_len - l - 1);
			c->in_len -= l + 1;
			return 0;
		}
		if (c->in_len == sizeof(c->in))
			return -1;  /* a line longer than any command: not our client */
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c->in_len += (size_t)n;
	}
}

static void console_print(void *io_ctx, const char *text)
{
	send_record(io_ctx, SBC_CLI_CONSOLE_OUTPUT, text);
}

/* The client reads a key on a terminal and sends it as a line. */
static int console_more(void *io_ctx, const char *prompt)
{
	struct sbc_cli_console_conn *c = io_ctx;
	char key[16];

	if (send_record(c, SBC_CLI_CONSOLE_MORE, prompt) < 0)
		return -1;
	for (;;) {
		if (read_line(c, key, sizeof(key)) < 0)
			return -1;
		if (key[0] == '\0')
			return SBC_CLI_MORE_LINE;
		if (key[0] == ' ')
			return SBC_CLI_MORE_PAGE;
		if (key[0] == 'q' || key[0] == 'Q' || key[0] == 0x03)
			return SBC_CLI_MORE_QUIT;
		if (send_record(c, SBC_CLI_CONSOLE_MORE, prompt) < 0)  /* ask again */
			return -1;
	}
}

static void send_output(void *ctx, const char *text)
{
	send_record(ctx, SBC_CLI_CONSOLE_OUTPUT, text);
}

static void send_candidate(void *ctx, const char *text)
{
	send_record(ctx, SBC_CLI_CONSOLE_CANDIDATE, text);
}

/* `?` or TAB while the client edits a line: libcli answers (see
 * sbc_cli_comphelp.h), then "E" with the line to go on editing. */
static int answer_request(struct sbc_cli_console_conn *c, struct cli_def *cli, const char *req)
{
	char completed[CLI_MAX_LINE_LENGTH];
	const char *line = req + 2;

	if (req[1] == SBC_CLI_CONSOLE_COMPLETE) {
		sbc_cli_comphelp_complete(cli, line, completed, sizeof(completed), send_candidate, c);
		return send_record(c, SBC_CLI_CONSOLE_END, completed);
	}
	if (req[1] == SBC_CLI_CONSOLE_HELP)
		sbc_cli_comphelp_help(cli, line, send_output, c);
	return send_record(c, SBC_CLI_CONSOLE_END, line);
}

/* After a prompt: answer requests until a command line arrives. */
static int read_command(struct sbc_cli_console_conn *c, struct cli_def *cli)
{
	for (;;) {
		if (read_line(c, c->line, sizeof(c->line)) < 0)
			return -1;
		if (c->line[0] != SBC_CLI_CONSOLE_REQUEST)
			return 0;
		if (c->line[1] == '\0' || answer_request(c, cli, c->line) < 0)
			return -1;
	}
}

static int console_ask(void *io_ctx, const char *prompt, bool echo, char *buf, size_t len)
{
	struct sbc_cli_console_conn *c = io_ctx;

	if (len == 0 ||
	    send_record(c, echo ? SBC_CLI_CONSOLE_ASK : SBC_CLI_CONSOLE_SECRET, prompt) < 0)
		return -1;
	return read_line(c, buf, len);
}

static void run_session(struct sbc_cli_console_conn *c)
{
	struct sbc_cli_session_opts opts = {
		.origin = SBC_CLI_CONSOLE, .peer = "console", .start_privileged = true,
		.io = { .ask = console_ask, .more = console_more, .print = console_print,
			.io_ctx = c },
	};
	struct cli_def *cli = sbc_cli_session_new(c->env->store, &opts);
	char prompt[128];

	if (cli == NULL)
		return;
	sbc_log_info("ACLI console session opened");
	for (;;) {
		char *cmd = c->line;
		size_t len;

		sbc_cli_session_prompt(cli, prompt, sizeof(prompt));
		if (send_record(c, SBC_CLI_CONSOLE_PROMPT, prompt) < 0 || read_command(c, cli) < 0)
			break;
		while (*cmd == ' ' || *cmd == '\t')
			cmd++;
		len = strlen(cmd);
		while (len > 0 && (cmd[len - 1] == ' ' || cmd[len - 1] == '\t'))
			cmd[--len] = '\0';
		if (*cmd != '\0' && cli_run_command(cli, cmd) == CLI_QUIT)
			break;
	}
	send_record(c, SBC_CLI_CONSOLE_QUIT, "");
	sbc_log_info("ACLI console session closed");
	sbc_cli_session_free(cli);
}

static void *console_main(void *arg)
{
	struct sbc_cli_console_conn *c = arg;
	const struct sbc_cli_env *env = c->env;
	int fd = c->fd;

	run_session(c);
	sbc_cli_sessions_leave(env->sessions, c->slot);
	close(fd);
	free(c);
	return NULL;
}

/* The socket is 0600 already; the peer's credentials are checked as well
 * so a mode change on the file does not open the console to others. */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

void sbc_cli_console_accept(void *ctx, int fd, const char *peer)
{
	const struct sbc_cli_env *env = ctx;
	struct sbc_cli_console_conn *c = NULL;
	pthread_t thread;
	int rc;

	(void)peer;
	if (!peer_allowed(fd)) {
		sbc_log_warnx("ACLI console connection refused: peer is not root");
		goto fail;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto fail;
	c->env = env;
	c->fd = fd;
	c->slot = sbc_cli_sessions_enter(env->sessions, fd);
	if (c->slot == NULL)
		goto fail;
	/* Joinable: the registry joins it after it left (see sbc_cli_sessions.h). */
	rc = pthread_create(&thread, NULL, console_main, c);
	if (rc == 0)
		return;
	sbc_cli_sessions_drop(env->sessions, c->slot);
fail:
	free(c);
	close(fd);
}
