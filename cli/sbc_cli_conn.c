/* One ACLI connection driven by libcli's cli_loop (see sbc_cli_conn.h):
 * login through libcli's auth callback against management-access, the idle
 * timeout, and the line reader behind sbc_cli_io.ask. */
#include "sbc_cli_conn.h"

#include <errno.h>
#include <libcli.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sbc_cli_lockout.h"
#include "sbc_core_store.h"
#include "sbc_log.h"
#include "sbc_sec_password.h"

#define SBC_CLI_LOGIN_DELAY_S 1     /* after a wrong password, as the real SBC */
#define SBC_CLI_LOGIN_TRIES 3       /* wrong passwords before the connection drops */

enum { TN_IAC = 255, TN_WILL = 251, TN_DONT = 254, TN_SB = 250, TN_SE = 240 };

/* libcli's auth and idle-timeout callbacks get no context pointer, and each
 * session runs cli_loop on its own thread: this thread-local pointer is how
 * they find their connection (store, peer for logs, the cli to escalate). */
static _Thread_local struct sbc_cli_conn *sbc_cli_conn_current;

int sbc_cli_conn_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static const struct sbc_cfg_management_access *mgmt(const struct sbc_cfg *cfg)
{
	return SBC_CFG_SINGLETON(cfg, SBC_CFG_MANAGEMENT_ACCESS, struct sbc_cfg_management_access);
}

unsigned sbc_cli_conn_max_sessions(struct sbc_core_store *store)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(store);
	unsigned max = mgmt(cfg)->max_sessions;

	sbc_core_running_release(store, cfg);
	return max;
}

unsigned sbc_cli_conn_idle_timeout(struct sbc_core_store *store)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(store);
	unsigned secs = mgmt(cfg)->idle_timeout;

	sbc_core_running_release(store, cfg);
	return secs;
}

/* A user name fit for a log line: the peer typed it. */
static void log_safe(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < len; i++)
		out[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[i] = '\0';
}

bool sbc_cli_conn_check_login(struct sbc_core_store *store, const char *user, const char *password,
			      const char *peer, const char *via, bool *admin, unsigned *locked)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(store);
	const struct sbc_cfg_management_access *ma = mgmt(cfg);
	unsigned max = ma->max_login_attempts, secs = ma->lockout_interval;
	const char *hash = NULL;
	char name[33], src[48];
	bool ok;

	log_safe(user, name, sizeof(name));
	*admin = strcmp(user, "admin") == 0;
	/* A locked-out source is refused before its password is even looked at. */
	if ((*locked = sbc_cli_lockout_check(peer)) > 0) {
		sbc_core_running_release(store, cfg);
		sbc_log_warnx("ACLI login refused: user '%s' from %s over %s: source locked out "
			      "for %us more (rule max-login-attempts)", name, peer, via, *locked);
		return false;
	}
	if (strcmp(user, "user") == 0)
		hash = ma->user_password;
	else if (*admin)
		hash = ma->enable_password;
	ok = hash != NULL && sbc_sec_password_verify(password, hash);
	sbc_core_running_release(store, cfg);
	if (ok) {
		sbc_cli_lockout_succeeded(peer);
		sbc_log_info("ACLI login: user '%s' from %s over %s", name, peer, via);
		return true;
	}
	sbc_log_warnx("ACLI login refused: user '%s' from %s over %s", name, peer, via);
	if ((*locked = sbc_cli_lockout_failed(peer, max, secs)) > 0) {
		sbc_cli_lockout_source(peer, src, sizeof src);
		sbc_log_warnx("ACLI logins from %s locked out for %us after %u failed attempts "
			      "(rule max-login-attempts)", src, secs, max);
	}
	/* Slow down guessing; each session has its own thread, so only the
	 * guesser waits. */
	nanosleep(&(struct timespec){ .tv_sec = SBC_CLI_LOGIN_DELAY_S }, NULL);
	return false;
}

static const char *origin_name(enum sbc_cli_origin origin)
{
	return origin == SBC_CLI_SSH ? "ssh" : origin == SBC_CLI_TELNET ? "telnet" : "console";
}

static int sbc_cli_conn_auth(const char *user, const char *password)
{
	struct sbc_cli_conn *c = sbc_cli_conn_current;
	bool admin = false, ok;
	unsigned locked = 0;

	if (c == NULL)
		return CLI_ERROR;
	if (c->preauth_user != NULL) {
		ok = strcmp(user, c->preauth_user) == 0;
		admin = strcmp(user, "admin") == 0;
	} else {
		ok = sbc_cli_conn_check_login(c->env->store, user, password, c->peer,
					      origin_name(c->origin), &admin, &locked);
	}
	if (!ok && locked) {
		/* Say why, then end the connection as after too many tries. */
		char src[48], line[160];
		sbc_cli_lockout_source(c->peer, src, sizeof src);
		int n = snprintf(line, sizeof line, "\r\n" SBC_CLI_LOCKOUT_FMT, src, locked);
		sbc_cli_conn_write(c->fd, line, (size_t)n);
		shutdown(c->fd, SHUT_RD);
		return CLI_ERROR;
	}
	if (!ok) {
		/* libcli would ask again forever; end the connection after a few
		 * tries. Shutting down reading lets it print "Access denied" first. */
		if (++c->failures >= SBC_CLI_LOGIN_TRIES)
			shutdown(c->fd, SHUT_RD);
		return CLI_ERROR;
	}
	/* cli_loop reset the privilege before the login; an admin login lands
	 * privileged, as an Oracle admin login does. */
	if (admin)
		cli_set_privilege(c->cli, PRIVILEGE_PRIVILEGED);
	if (c->preauth_user != NULL) {
		c->preauth_user = NULL;
		sbc_cli_conn_write(c->fd, SBC_CLI_CONN_LOGIN_MARK, strlen(SBC_CLI_CONN_LOGIN_MARK));
	}
	return CLI_OK;
}

static void idle_notice(struct sbc_cli_conn *c)
{
	static const char msg[] = "\r\n% Idle timeout, closing the session\r\n";

	sbc_cli_conn_write(c->fd, msg, sizeof(msg) - 1);
	sbc_log_info("ACLI %s session from %s: idle timeout", origin_name(c->origin), c->peer);
}

static int sbc_cli_conn_idle(struct cli_def *cli)
{
	(void)cli;
	if (sbc_cli_conn_current != NULL)
		idle_notice(sbc_cli_conn_current);
	return CLI_ERROR;  /* ends cli_loop */
}

int sbc_cli_conn_run(struct sbc_cli_conn *c)
{
	struct sbc_cli_session_opts opts = {
		.origin = c->origin, .peer = c->peer, .start_privileged = false,
		.io = { .ask = sbc_cli_conn_ask, .more = sbc_cli_conn_more, .io_ctx = c },
	};
	unsigned idle = sbc_cli_conn_idle_timeout(c->env->store);
	int lfd = -1, rc;

	c->cli = sbc_cli_session_new(c->env->store, &opts);
	if (c->cli == NULL)
		goto fail;
	cli_set_auth_callback(c->cli, sbc_cli_conn_auth);
	cli_telnet_protocol(c->cli, c->telnet);
	if (idle > 0)
		cli_set_idle_timeout_callback(c->cli, idle, sbc_cli_conn_idle);
	/* cli_loop fclose()s the fd it is given; keep ours open so the session
	 * registry can shut it down until this thread has left. */
	lfd = dup(c->fd);
	if (lfd < 0 || lfd >= FD_SETSIZE)  /* libcli select()s on it */
		goto fail;
	sbc_log_info("ACLI %s session from %s opened", origin_name(c->origin), c->peer);
	sbc_cli_conn_current = c;
	rc = cli_loop(c->cli, lfd);
	sbc_cli_conn_current = NULL;
	if (rc != CLI_OK)  /* failed before taking ownership of lfd */
		close(lfd);
	sbc_log_info("ACLI %s session from %s closed", origin_name(c->origin), c->peer);
	sbc_cli_session_free(c->cli);
	c->cli = NULL;
	return rc == CLI_OK ? 0 : -1;
fail:
	if (lfd >= 0)
		close(lfd);
	if (c->cli != NULL)
		sbc_cli_session_free(c->cli);
	c->cli = NULL;
	return -1;
}

/* One byte of the answer, -1 when the peer left or stayed idle too long. */
static int read_byte(struct sbc_cli_conn *c, int timeout_ms, unsigned char *out)
{
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int r = poll(&pfd, 1, timeout_ms);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			idle_notice(c);
			shutdown(c->fd, SHUT_RDWR);  /* so cli_loop ends too */
			return -1;
		}
		if (r < 0)
			return -1;
		n = recv(c->fd, out, 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		return n == 1 ? 0 : -1;
	}
}

/* Skip a telnet command after IAC (an escaped 0xff included). */
static int skip_telnet(struct sbc_cli_conn *c, int timeout_ms)
{
	unsigned char b, prev = 0;

	if (read_byte(c, timeout_ms, &b) < 0)
		return -1;
	if (b == TN_IAC)
		return 0;
	if (b >= TN_WILL && b <= TN_DONT)
		return read_byte(c, timeout_ms, &b);
	if (b != TN_SB)
		return 0;
	do {  /* subnegotiation: up to IAC SE */
		prev = b;
		if (read_byte(c, timeout_ms, &b) < 0)
			return -1;
	} while (!(prev == TN_IAC && b == TN_SE));
	return 0;
}

/* How long an answer or a --More-- key may take: idle-timeout, or forever. */
static int key_timeout_ms(const struct sbc_cli_conn *c)
{
	unsigned idle = sbc_cli_conn_idle_timeout(c->env->store);

	return idle > 0 ? (int)idle * 1000 : -1;
}

/* The next byte the operator typed, telnet commands skipped (an escaped
 * 0xff is no printable key either); -1 when the peer left or stayed idle. */
static int read_key(struct sbc_cli_conn *c, int timeout_ms, unsigned char *b)
{
	for (;;) {
		if (read_byte(c, timeout_ms, b) < 0)
			return -1;
		if (*b != TN_IAC || !c->telnet)
			return 0;
		if (skip_telnet(c, timeout_ms) < 0)
			return -1;
	}
}

int sbc_cli_conn_ask(void *io_ctx, const char *prompt, bool echo, char *buf, size_t len)
{
	struct sbc_cli_conn *c = io_ctx;
	int timeout_ms = key_timeout_ms(c);
	size_t n = 0;

	if (len == 0 || sbc_cli_conn_write(c->fd, prompt, strlen(prompt)) < 0)
		return -1;
	for (;;) {
		unsigned char b;

		if (read_key(c, timeout_ms, &b) < 0)
			return -1;
		/* Enter is CR (telnet sends CR LF or CR NUL, an SSH pty CR); like
		 * cli_loop, ignore LF and NUL so the leftover of the command line
		 * that started this command is not taken as an empty answer. */
		if (b == '\r')
			break;
		if (b == '\n' || b == '\0')
			continue;
		if (b == 0x7f || b == 0x08) {
			if (n > 0) {
				n--;
				if (echo)
					sbc_cli_conn_write(c->fd, "\b \b", 3);
			}
		} else if (b == 0x15) {  /* ^U: erase the answer */
			for (; n > 0; n--)
				if (echo)
					sbc_cli_conn_write(c->fd, "\b \b", 3);
		} else if (b == 0x03) {  /* ^C: give up, an empty answer */
			n = 0;
			break;
		} else if (b >= 0x20 && n + 1 < len) {
			buf[n++] = (char)b;
			if (echo)
				sbc_cli_conn_write(c->fd, &b, 1);
		}
	}
	buf[n] = '\0';
	sbc_cli_conn_write(c->fd, "\r\n", 2);
	return 0;
}

int sbc_cli_conn_more(void *io_ctx, const char *prompt)
{
	struct sbc_cli_conn *c = io_ctx;
	int timeout_ms = key_timeout_ms(c);
	int key = -1;
	char erase[96];
	int n;

	if (sbc_cli_conn_write(c->fd, prompt, strlen(prompt)) < 0)
		return -1;
	while (key < 0) {
		unsigned char b;

		if (read_key(c, timeout_ms, &b) < 0)
			return -1;
		if (b == ' ')
			key = SBC_CLI_MORE_PAGE;
		else if (b == '\r')
			key = SBC_CLI_MORE_LINE;
		else if (b == 'q' || b == 'Q' || b == 0x03)
			key = SBC_CLI_MORE_QUIT;
		else if (b != '\n' && b != '\0')  /* the LF or NUL after a CR: not a key */
			sbc_cli_conn_write(c->fd, "\a", 1);
	}
	/* Blank the prompt so the next line starts where it stood. */
	n = snprintf(erase, sizeof(erase), "\r%*s\r", (int)strlen(prompt), "");
	if (n > 0 && (size_t)n < sizeof(erase))
		sbc_cli_conn_write(c->fd, erase, (size_t)n);
	return key;
}
