/* A minimal SSH client (libssh) for the end-to-end tests: password login,
 * a shell on a pty, and expect-style reads with a time bound. */
#include "sbc_test_ssh.h"

#include <libssh/libssh.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sbc_test_ssh {
	ssh_session s;
	ssh_channel c;
	char buf[65536];
	size_t len;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sbc_test_ssh *sbc_test_ssh_open(uint16_t port, const char *user, const char *pw,
				       int *auth)
{
	struct sbc_test_ssh *cl = calloc(1, sizeof(*cl));
	int p = port, no = 0;

	*auth = SSH_AUTH_ERROR;
	if (cl == NULL)
		return NULL;
	cl->s = ssh_new();
	if (cl->s == NULL) {
		free(cl);
		return NULL;
	}
	ssh_options_set(cl->s, SSH_OPTIONS_HOST, "127.0.0.1");
	ssh_options_set(cl->s, SSH_OPTIONS_PORT, &p);
	ssh_options_set(cl->s, SSH_OPTIONS_USER, user);
	ssh_options_set(cl->s, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
	ssh_options_set(cl->s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &no);
	ssh_options_set(cl->s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	if (ssh_connect(cl->s) == SSH_OK)
		*auth = ssh_userauth_password(cl->s, NULL, pw);
	return cl;
}

int sbc_test_ssh_shell(struct sbc_test_ssh *cl)
{
	cl->c = ssh_channel_new(cl->s);
	if (cl->c == NULL || ssh_channel_open_session(cl->c) != SSH_OK ||
	    ssh_channel_request_pty(cl->c) != SSH_OK || ssh_channel_request_shell(cl->c) != SSH_OK)
		return -1;
	return 0;
}

void sbc_test_ssh_close(struct sbc_test_ssh *cl)
{
	if (cl == NULL)
		return;
	if (cl->c != NULL) {
		ssh_channel_close(cl->c);
		ssh_channel_free(cl->c);
	}
	ssh_disconnect(cl->s);
	ssh_free(cl->s);
	free(cl);
}

int sbc_test_ssh_send(struct sbc_test_ssh *cl, const char *keys)
{
	size_t n = strlen(keys);

	return ssh_channel_write(cl->c, keys, (uint32_t)n) == (int)n ? 0 : -1;
}

/* Take the first n bytes of the buffer as a heap string. */
static char *take(struct sbc_test_ssh *cl, size_t n)
{
	char *out = strndup(cl->buf, n);

	if (out == NULL)
		return NULL;
	memmove(cl->buf, cl->buf + n, cl->len - n + 1);
	cl->len -= n;
	return out;
}

char *sbc_test_ssh_expect(struct sbc_test_ssh *cl, const char *needle, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	const char *hit = NULL;

	while (needle == NULL || !(hit = strstr(cl->buf, needle))) {
		int got;

		if (now_ms() >= deadline || cl->len + 1 >= sizeof(cl->buf))
			return NULL;
		got = ssh_channel_read_timeout(cl->c, cl->buf + cl->len,
					       (uint32_t)(sizeof(cl->buf) - cl->len - 1), 0, 200);
		if (got < 0 || (got == 0 && ssh_channel_is_eof(cl->c)))
			return needle == NULL ? take(cl, cl->len) : NULL;
		cl->len += (size_t)got;
		cl->buf[cl->len] = '\0';
	}
	return take(cl, (size_t)(hit - cl->buf) + strlen(needle));
}

const char *sbc_test_ssh_pending(const struct sbc_test_ssh *cl)
{
	return cl->buf;
}

const char *sbc_test_ssh_error(struct sbc_test_ssh *cl)
{
	return ssh_get_error(cl->s);
}
