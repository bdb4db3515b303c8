/* A minimal telnet client for the end-to-end tests (see sbc_test_telnet.h):
 * a byte-level IAC state machine that accepts the server's ECHO and SGA,
 * refuses everything else, and keeps the plain text in a growing buffer. */
#include "sbc_test_telnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { TN_IAC = 255, TN_DONT = 254, TN_DO = 253, TN_WONT = 252, TN_WILL = 251,
       TN_SB = 250, TN_SE = 240, TN_ECHO = 1, TN_SGA = 3 };

enum tn_state { ST_DATA, ST_IAC, ST_OPT, ST_SB, ST_SB_IAC };

struct sbc_test_telnet {
	int fd;
	bool plain;          /* not a socket (a pty master): read and write */
	enum tn_state state;
	unsigned char verb;  /* WILL/WONT/DO/DONT awaiting its option byte */
	char *text;          /* received text, NUL-terminated */
	size_t len, cap;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const void *buf, size_t len, bool plain)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = plain ? write(fd, p, len) : send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct sbc_test_telnet *sbc_test_telnet_connect(uint16_t port, int timeout_ms)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	long long deadline = now_ms() + timeout_ms;
	struct sbc_test_telnet *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (;;) {
		t->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (t->fd < 0)
			goto fail;
		if (connect(t->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			break;
		close(t->fd);
		t->fd = -1;
		if (now_ms() >= deadline)
			goto fail;
		/* Bounded retry while the listener comes up; not a readiness sleep. */
		poll(NULL, 0, 20);
	}
	t->cap = 4096;
	t->text = calloc(1, t->cap);
	if (t->text == NULL)
		goto fail;
	return t;
fail:
	sbc_test_telnet_close(t);
	return NULL;
}

struct sbc_test_telnet *sbc_test_console_connect(const char *data_dir)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sbc_test_telnet *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->fd = -1;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/console.sock", data_dir) >=
	    sizeof(sun.sun_path))
		goto fail;
	t->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto fail;
	t->cap = 4096;
	t->text = calloc(1, t->cap);
	if (t->text == NULL)
		goto fail;
	return t;
fail:
	sbc_test_telnet_close(t);
	return NULL;
}

struct sbc_test_telnet *sbc_test_telnet_attach(int fd)
{
	struct sbc_test_telnet *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->fd = fd;
	t->plain = true;
	t->cap = 4096;
	t->text = calloc(1, t->cap);
	if (t->text == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void sbc_test_telnet_close(struct sbc_test_telnet *t)
{
	if (t == NULL)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->text);
	free(t);
}

int sbc_test_telnet_send_raw(struct sbc_test_telnet *t, const char *bytes, size_t len)
{
	return write_all(t->fd, bytes, len, t->plain);
}

int sbc_test_telnet_send(struct sbc_test_telnet *t, const char *line)
{
	/* One write, as a telnet client sends a line: a separate CR LF would
	 * wait for the ACK of the line (Nagle), ~40 ms of delayed ACK. */
	size_t n = strlen(line);
	char *buf = malloc(n + 2);
	int rc;

	if (buf == NULL)
		return -1;
	memcpy(buf, line, n);
	memcpy(buf + n, "\r\n", 2);
	rc = write_all(t->fd, buf, n + 2, t->plain);
	free(buf);
	return rc;
}

static int append(struct sbc_test_telnet *t, char c)
{
	if (t->len + 2 > t->cap) {
		char *n = realloc(t->text, t->cap * 2);

		if (n == NULL)
			return -1;
		t->text = n;
		t->cap *= 2;
	}
	t->text[t->len++] = c;
	t->text[t->len] = '\0';
	return 0;
}

/* Accept the server echoing and suppressing go-ahead; refuse the rest. */
static int answer_option(struct sbc_test_telnet *t, unsigned char verb, unsigned char opt)
{
	unsigned char reply[3] = { TN_IAC, 0, opt };
	bool ok = opt == TN_ECHO || opt == TN_SGA;

	if (verb == TN_WILL)
		reply[1] = ok ? TN_DO : TN_DONT;
	else if (verb == TN_DO)
		reply[1] = opt == TN_SGA ? TN_WILL : TN_WONT;
	else
		return 0;  /* WONT/DONT need no answer */
	return write_all(t->fd, reply, sizeof(reply), t->plain);
}

static int feed(struct sbc_test_telnet *t, unsigned char c)
{
	if (t->plain)  /* a terminal: no negotiation; NUL is only padding */
		return c == '\0' ? 0 : append(t, (char)c);
	switch (t->state) {
	case ST_DATA:
		if (c == TN_IAC) {
			t->state = ST_IAC;
			return 0;
		}
		return append(t, (char)c);
	case ST_IAC:
		t->state = ST_DATA;
		if (c == TN_IAC)
			return append(t, (char)c);
		if (c >= TN_WILL && c <= TN_DONT) {
			t->verb = c;
			t->state = ST_OPT;
		} else if (c == TN_SB) {
			t->state = ST_SB;
		}
		return 0;
	case ST_OPT:
		t->state = ST_DATA;
		return answer_option(t, t->verb, c);
	case ST_SB:
		if (c == TN_IAC)
			t->state = ST_SB_IAC;
		return 0;
	case ST_SB_IAC:
		t->state = c == TN_SE ? ST_DATA : ST_SB;
		return 0;
	}
	return 0;
}

/* Take the first n bytes of the buffer as a heap string. */
static char *take(struct sbc_test_telnet *t, size_t n)
{
	char *out = malloc(n + 1);

	if (out == NULL)
		return NULL;
	memcpy(out, t->text, n);
	out[n] = '\0';
	memmove(t->text, t->text + n, t->len - n + 1);
	t->len -= n;
	return out;
}

char *sbc_test_telnet_expect(struct sbc_test_telnet *t, const char *needle, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		unsigned char buf[512];
		struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
		const char *hit = needle != NULL ? strstr(t->text, needle) : NULL;
		long long left = deadline - now_ms();
		ssize_t n;

		if (hit != NULL)
			return take(t, (size_t)(hit - t->text) + strlen(needle));
		if (left <= 0)
			return NULL;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return NULL;
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = t->plain ? read(t->fd, buf, sizeof(buf)) : recv(t->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		/* closed (a pty master reads EIO once the child has gone):
		 * everything is the answer when no needle */
		if (n <= 0)
			return needle == NULL ? take(t, t->len) : NULL;
		for (ssize_t i = 0; i < n; i++)
			if (feed(t, buf[i]) < 0)
				return NULL;
	}
}

const char *sbc_test_telnet_pending(const struct sbc_test_telnet *t)
{
	return t->text;
}

char *sbc_test_telnet_cmd(struct sbc_test_telnet *t, const char *line, const char *prompt,
			  int timeout_ms)
{
	if (sbc_test_telnet_send(t, line) < 0)
		return NULL;
	return sbc_test_telnet_expect(t, prompt, timeout_ms);
}

char *sbc_test_telnet_admin_cmd(uint16_t port, const char *cmd, int timeout_ms, char *why,
				size_t whylen)
{
	struct sbc_test_telnet *t = sbc_test_telnet_connect(port, timeout_ms);
	char *out = NULL;

	if (t == NULL) {
		snprintf(why, whylen, "cannot connect to port %u", port);
		return NULL;
	}
	free(sbc_test_telnet_login(t, "admin", "packet", "ORACLE#", timeout_ms));
	out = sbc_test_telnet_cmd(t, cmd, "ORACLE#", timeout_ms);
	if (out == NULL)
		snprintf(why, whylen, "%s", sbc_test_telnet_pending(t));
	sbc_test_telnet_close(t);
	return out;
}

/* One line at the expected prompt; false (and why) otherwise. With
 * `clean`, output holding "%" or "ERROR" (an ACLI refusal) fails too. */
static bool acli_step(struct sbc_test_telnet *t, const char *line, const char *prompt,
		      bool clean, const char *want, int timeout_ms, char *why, size_t whylen)
{
	char *out = sbc_test_telnet_cmd(t, line, prompt, timeout_ms);
	bool ok = out != NULL && (!clean || (!strchr(out, '%') && !strstr(out, "ERROR"))) &&
		  (!want || strstr(out, want));

	if (!ok)
		snprintf(why, whylen, "`%s`: %s", line, out ? out : sbc_test_telnet_pending(t));
	free(out);
	return ok;
}

int sbc_test_acli_apply(uint16_t port, const char *const *path, const char *key,
			const char *const *lines, int timeout_ms, char *why, size_t whylen)
{
	struct sbc_test_telnet *t = sbc_test_telnet_connect(port, timeout_ms);
	char prompt[8][64], line[128];
	size_t depth = 0;
	bool ok;

	if (t == NULL) {
		snprintf(why, whylen, "cannot connect to port %u", port);
		return -1;
	}
	free(sbc_test_telnet_login(t, "admin", "packet", "ORACLE#", timeout_ms));
	snprintf(prompt[0], sizeof prompt[0], "ORACLE(configure)#");
	ok = acli_step(t, "configure terminal", prompt[0], true, NULL, timeout_ms, why, whylen);
	for (; ok && path[depth] && depth + 1 < 8; depth++) {
		snprintf(prompt[depth + 1], sizeof prompt[0], "ORACLE(%s)#", path[depth]);
		ok = acli_step(t, path[depth], prompt[depth + 1], true, NULL, timeout_ms, why,
			       whylen);
	}
	if (ok && key) {
		snprintf(line, sizeof line, "select %s", key);
		ok = acli_step(t, line, prompt[depth], true, NULL, timeout_ms, why, whylen);
	}
	for (; ok && lines && *lines; lines++)
		ok = acli_step(t, *lines, prompt[depth], true, NULL, timeout_ms, why, whylen);
	if (ok)
		ok = acli_step(t, "done", prompt[depth], true, NULL, timeout_ms, why, whylen);
	while (ok && depth-- > 0)
		ok = acli_step(t, "exit", prompt[depth], false, NULL, timeout_ms, why, whylen);
	ok = ok && acli_step(t, "exit", "ORACLE#", false, NULL, timeout_ms, why, whylen) &&
	     acli_step(t, "save-config", "ORACLE#", false, "Save complete", timeout_ms, why,
		       whylen) &&
	     acli_step(t, "activate-config", "ORACLE#", false, "Activate Complete", timeout_ms,
		       why, whylen);
	sbc_test_telnet_close(t);
	return ok ? 0 : -1;
}

long sbc_test_show_value(const char *out, const char *row)
{
	const char *p = out ? strstr(out, row) : NULL;
	long v = -1;

	if (p != NULL)
		sscanf(p + strlen(row), "%ld", &v);
	return v;
}

char *sbc_test_telnet_login(struct sbc_test_telnet *t, const char *user, const char *password,
			    const char *prompt, int timeout_ms)
{
	char *s = sbc_test_telnet_expect(t, "Username:", timeout_ms);

	if (s == NULL)
		return NULL;
	free(s);
	s = sbc_test_telnet_cmd(t, user, "Password:", timeout_ms);
	if (s == NULL)
		return NULL;
	free(s);
	return sbc_test_telnet_cmd(t, password, prompt, timeout_ms);
}
