/* `sbcemu console`: attaches to the running element's console socket
 * (protocol in sbc_cli_console.h). On a terminal, commands are read with
 * libedit line editing and history, `?` and TAB ask the daemon for libcli's
 * help and completion, and `--More--` takes one key; otherwise lines come
 * from stdin as they are (scripts, tests), are echoed after the prompt like
 * a transcript, and output is never paged (as more(1) into a pipe). */
#include "sbc_cli_server.h"

#include <errno.h>
#include <histedit.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "sbc_cli_conn.h"
#include "sbc_cli_console.h"

struct sbc_cli_console_client {
	int fd;
	FILE *from;         /* records from the daemon */
	bool tty;
	EditLine *el;
	History *hist;
	char *prompt;       /* what libedit's prompt callback shows */
};

static char *el_prompt(EditLine *el)
{
	struct sbc_cli_console_client *cc = NULL;

	el_get(el, EL_CLIENTDATA, &cc);
	return cc != NULL && cc->prompt != NULL ? cc->prompt : "";
}

static int send_line(struct sbc_cli_console_client *cc, const char *line);

/* Ask the daemon for help or completion of the line being edited. Every
 * "O" or "C" record goes to *list (heap, '\n'-separated, may be NULL); the
 * "E" record's line is returned (heap), NULL when the daemon went away. */
static char *request(struct sbc_cli_console_client *cc, char what, const char *line, char **list)
{
	char head[3] = { SBC_CLI_CONSOLE_REQUEST, what, '\0' }, *req = NULL, *rec = NULL;
	char *end = NULL;
	size_t cap = 0, used = 0;

	*list = NULL;
	if (asprintf(&req, "%s%s", head, line) < 0)
		return NULL;
	if (send_line(cc, req) < 0)
		goto out;
	while (getline(&rec, &cap, cc->from) > 0) {
		size_t n;

		rec[strcspn(rec, "\n")] = '\0';
		if (rec[0] == SBC_CLI_CONSOLE_END) {
			end = strdup(rec + 1);
			break;
		}
		n = strlen(rec + 1);
		char *grown = realloc(*list, used + n + 2);
		if (grown == NULL)
			break;
		*list = grown;
		memcpy(*list + used, rec + 1, n);
		used += n;
		(*list)[used++] = '\n';
		(*list)[used] = '\0';
	}
out:
	free(rec);
	free(req);
	return end;
}

/* The line libedit holds up to the cursor (help and completion, like
 * libcli's, only apply at the end of the line). NULL when mid-line. */
static char *edited_line(EditLine *el)
{
	const LineInfo *li = el_line(el);

	if (li->cursor != li->lastchar)
		return NULL;
	return strndup(li->buffer, (size_t)(li->lastchar - li->buffer));
}

static unsigned char ed_help(EditLine *el, int ch)
{
	struct sbc_cli_console_client *cc = NULL;
	char *line = edited_line(el), *list = NULL, *end;
	unsigned char rc = CC_REDISPLAY;

	(void)ch;
	el_get(el, EL_CLIENTDATA, &cc);
	if (line == NULL) {  /* mid-line: an ordinary character */
		el_insertstr(el, "?");
		return CC_REFRESH;
	}
	end = request(cc, SBC_CLI_CONSOLE_HELP, line, &list);
	if (end == NULL)
		rc = CC_EOF;
	else if (list == NULL)
		rc = CC_REFRESH_BEEP;
	else
		printf("\n%s", list);
	fflush(stdout);
	free(end);
	free(list);
	free(line);
	return rc;
}

/* Candidates four to a line, as libcli lists them on a double TAB. */
static void list_candidates(char *list)
{
	int i = 0;

	for (char *save = NULL, *w = strtok_r(list, "\n", &save); w != NULL;
	     w = strtok_r(NULL, "\n", &save), i++)
		printf("%s%s", i % 4 == 0 ? "\n" : " ", w);
	printf("\n");
}

static unsigned char ed_complete(EditLine *el, int ch)
{
	struct sbc_cli_console_client *cc = NULL;
	char *line = edited_line(el), *list = NULL, *end;
	unsigned char rc = CC_REFRESH;

	(void)ch;
	el_get(el, EL_CLIENTDATA, &cc);
	if (line == NULL)
		return CC_REFRESH_BEEP;
	end = request(cc, SBC_CLI_CONSOLE_COMPLETE, line, &list);
	if (end == NULL) {
		rc = CC_EOF;
	} else if (strcmp(end, line) != 0) {
		el_deletestr(el, (int)strlen(line));
		el_insertstr(el, end);
	} else if (list != NULL && strchr(list, '\n') != strrchr(list, '\n')) {
		list_candidates(list);  /* no progress among several: show them */
		rc = CC_REDISPLAY;
	} else {
		rc = CC_REFRESH_BEEP;
	}
	fflush(stdout);
	free(end);
	free(list);
	free(line);
	return rc;
}

static int edit_init(struct sbc_cli_console_client *cc)
{
	HistEvent ev;

	cc->el = el_init("sbcemu", stdin, stdout, stderr);
	cc->hist = history_init();
	if (cc->el == NULL || cc->hist == NULL)
		return -1;
	history(cc->hist, &ev, H_SETSIZE, 500);
	history(cc->hist, &ev, H_SETUNIQUE, 1);
	el_set(cc->el, EL_CLIENTDATA, cc);
	el_set(cc->el, EL_PROMPT, el_prompt);
	el_set(cc->el, EL_EDITOR, "emacs");
	el_set(cc->el, EL_HIST, history, cc->hist);
	el_set(cc->el, EL_SIGNAL, 1);
	/* The wide call keeps these static names; el_set(EL_ADDFN) would leak
	 * copies of them (libedit's eln.c says so itself). */
	el_wset(cc->el, EL_ADDFN, L"sbc-help", L"ACLI help for the line", ed_help);
	el_wset(cc->el, EL_ADDFN, L"sbc-complete", L"ACLI completion of the last word",
		ed_complete);
	el_set(cc->el, EL_BIND, "?", "sbc-help", NULL);
	el_set(cc->el, EL_BIND, "^I", "sbc-complete", NULL);
	return 0;
}

/* One key at "--More--", sent as a line: "" for Enter, else the key. */
static void answer_more(struct sbc_cli_console_client *cc, const char *prompt)
{
	struct termios old, raw;
	unsigned char key = 'q';
	char line[2] = { 0 };

	if (!cc->tty) {  /* into a pipe: never paged */
		send_line(cc, " ");
		return;
	}
	fputs(prompt, stdout);
	fflush(stdout);
	if (tcgetattr(0, &old) == 0) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);  /* Ctrl-C is a key here */
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		tcsetattr(0, TCSANOW, &raw);
		if (read(0, &key, 1) != 1)
			key = 'q';
		tcsetattr(0, TCSANOW, &old);
	}
	printf("\r%*s\r", (int)strlen(prompt), "");
	fflush(stdout);
	if (key != '\r' && key != '\n')
		line[0] = key == 0x03 ? 'q' : (char)key;
	send_line(cc, line);
}

/* A line typed on the terminal with echo off (secrets). */
static char *read_secret(const char *prompt)
{
	struct termios old, quiet;
	char *line = NULL;
	size_t cap = 0;
	bool restore;

	fputs(prompt, stdout);
	fflush(stdout);
	restore = tcgetattr(0, &old) == 0;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	if (restore)
		tcsetattr(0, TCSAFLUSH, &quiet);
	if (getline(&line, &cap, stdin) < 0) {
		free(line);
		line = NULL;
	}
	if (restore)
		tcsetattr(0, TCSAFLUSH, &old);
	fputs("\n", stdout);
	return line;
}

/* The operator's next line (heap, without '\n'), NULL at end of input. */
static char *read_input(struct sbc_cli_console_client *cc, const char *text, char type)
{
	char *line = NULL, prompt[256];
	size_t cap = 0;

	/* The session prompt has no trailing space; telnet and SSH show
	 * libcli's "ORACLE# ", so the console does the same. */
	snprintf(prompt, sizeof(prompt), "%s%s", text, type == SBC_CLI_CONSOLE_PROMPT ? " " : "");

	if (cc->tty && type == SBC_CLI_CONSOLE_SECRET) {
		line = read_secret(prompt);
	} else if (cc->tty) {
		int count;
		const char *got;

		free(cc->prompt);
		cc->prompt = strdup(prompt);
		got = el_gets(cc->el, &count);
		if (got == NULL || count <= 0)
			return NULL;
		line = strdup(got);
	} else {
		fputs(prompt, stdout);
		if (getline(&line, &cap, stdin) < 0) {
			free(line);
			fputs("\n", stdout);
			return NULL;
		}
		/* A transcript shows what was typed, but never a secret. */
		fputs(type == SBC_CLI_CONSOLE_SECRET ? "\n" : line, stdout);
		if (line[0] != '\0' && line[strlen(line) - 1] != '\n')
			fputs("\n", stdout);
	}
	if (line != NULL)
		line[strcspn(line, "\r\n")] = '\0';
	return line;
}

static int send_line(struct sbc_cli_console_client *cc, const char *line)
{
	if (sbc_cli_conn_write(cc->fd, line, strlen(line)) < 0)
		return -1;
	return sbc_cli_conn_write(cc->fd, "\n", 1);
}

static void remember(struct sbc_cli_console_client *cc, const char *line)
{
	HistEvent ev;

	if (cc->hist != NULL && line[0] != '\0')
		history(cc->hist, &ev, H_ENTER, line);
}

/* Follow the daemon's records until the session ends. Exit status. */
static int converse(struct sbc_cli_console_client *cc)
{
	char *rec = NULL;
	size_t cap = 0;
	int status = 1;  /* the daemon going away mid-session is a failure */

	while (getline(&rec, &cap, cc->from) > 0) {
		char type = rec[0], *text = rec + 1, *line;

		text[strcspn(text, "\n")] = '\0';
		if (type == SBC_CLI_CONSOLE_OUTPUT) {
			puts(text);
			continue;
		}
		if (type == SBC_CLI_CONSOLE_QUIT) {
			status = 0;
			break;
		}
		if (type == SBC_CLI_CONSOLE_MORE) {
			answer_more(cc, text);
			continue;
		}
		fflush(stdout);
		line = read_input(cc, text, type);
		if (line == NULL) {  /* end of input: leave quietly */
			status = 0;
			break;
		}
		if (type == SBC_CLI_CONSOLE_PROMPT) {
			remember(cc, line);
			for (char *p = line; *p; p++)  /* no control bytes: \x01 starts a request */
				if ((unsigned char)*p < 0x20)
					*p = ' ';
		}
		if (send_line(cc, line) < 0) {
			explicit_bzero(line, strlen(line));
			free(line);
			break;
		}
		explicit_bzero(line, strlen(line));  /* may have been a secret */
		free(line);
	}
	free(rec);
	fflush(stdout);
	return status;
}

int sbc_cli_console_run(const char *data_dir)
{
	struct sbc_cli_console_client cc = { .fd = -1 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int status = 1;

	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", data_dir,
			     SBC_CLI_CONSOLE_SOCKET) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "sbcemu console: data directory path too long: %s\n", data_dir);
		return 1;
	}
	cc.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cc.fd < 0 || connect(cc.fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "sbcemu console: cannot attach to %s: %s (is sbcemu running?)\n",
			sun.sun_path, strerror(errno));
		goto out;
	}
	cc.from = fdopen(dup(cc.fd), "r");
	cc.tty = isatty(0) && isatty(1);
	if (cc.from == NULL || (cc.tty && edit_init(&cc) < 0))
		goto out;
	status = converse(&cc);
out:
	if (cc.el != NULL)
		el_end(cc.el);
	if (cc.hist != NULL)
		history_end(cc.hist);
	if (cc.from != NULL)
		fclose(cc.from);
	if (cc.fd >= 0)
		close(cc.fd);
	free(cc.prompt);
	return status;
}
