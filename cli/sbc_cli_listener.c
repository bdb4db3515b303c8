/* A listening socket with its accept thread (see sbc_cli_listener.h). The
 * thread polls the socket and a pipe; writing to the pipe stops it, so a
 * listener can be replaced on activate-config while sessions carry on. */
#include "sbc_cli_listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sbc_log.h"

struct sbc_cli_listener {
	int fd;
	int stop[2];            /* pipe: a byte on stop[1] ends the thread */
	bool running;
	pthread_t thread;
	struct sbc_cli_accept accept;
	char *address;          /* TCP: as configured; unix: NULL */
	uint32_t port;
	char *path;             /* unix socket path, unlinked on free */
};

static struct sbc_cli_listener *listener_new(void)
{
	struct sbc_cli_listener *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->fd = -1;
	if (pipe2(l->stop, O_CLOEXEC) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

struct sbc_cli_listener *sbc_cli_listener_tcp(const char *what, const char *address,
					      uint32_t port, struct sbc_cfg_error *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *ai = NULL;
	struct sbc_cli_listener *l = listener_new();
	char service[16];
	int one = 1, rc;

	if (l == NULL) {
		sbc_cfg_errorf(err, "ERROR: out of memory for the %s listener", what);
		return NULL;
	}
	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(address, service, &hints, &ai);
	if (rc != 0) {
		sbc_cfg_errorf(err, "ERROR: management-access %s-address [%s] is not usable: %s",
			       what, address, gai_strerror(rc));
		goto fail;
	}
	l->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0 ||
	    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(l->fd, 16) < 0) {
		sbc_cfg_errorf(err, "ERROR: management-access %s-port [%u] cannot be bound on %s: %s",
			       what, port, address, strerror(errno));
		goto fail;
	}
	l->address = strdup(address);
	l->port = port;
	if (l->address == NULL)
		goto fail;
	freeaddrinfo(ai);
	return l;
fail:
	if (ai != NULL)
		freeaddrinfo(ai);
	sbc_cli_listener_free(l);
	return NULL;
}

struct sbc_cli_listener *sbc_cli_listener_unix(const char *path, struct sbc_cfg_error *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sbc_cli_listener *l = listener_new();

	if (l == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		sbc_cfg_errorf(err, "ERROR: console socket path %s is not usable", path);
		goto fail;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* fchmod before bind sets the mode the socket file is created with on
	 * Linux, so it is never reachable by others, even briefly. */
	if (l->fd < 0 || fchmod(l->fd, 0600) < 0) {
		sbc_cfg_errorf(err, "ERROR: console socket: %s", strerror(errno));
		goto fail;
	}
	unlink(path);  /* a stale socket of a previous run */
	if (bind(l->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(path, 0600) < 0 ||
	    listen(l->fd, 4) < 0) {
		sbc_cfg_errorf(err, "ERROR: console socket %s cannot be bound: %s", path,
			       strerror(errno));
		goto fail;
	}
	l->path = strdup(path);
	if (l->path == NULL)
		goto fail;
	return l;
fail:
	sbc_cli_listener_free(l);
	return NULL;
}

bool sbc_cli_listener_is(const struct sbc_cli_listener *l, const char *address, uint32_t port)
{
	return l != NULL && l->address != NULL && strcmp(l->address, address) == 0 &&
	       l->port == port;
}

static void peer_name(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?", port[8] = "?";

	if (ss->ss_family == AF_UNIX) {
		snprintf(buf, len, "console");
		return;
	}
	getnameinfo((const struct sockaddr *)ss, sizeof(*ss), host, sizeof(host), port,
		    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(buf, len, ss->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

static void *listener_main(void *arg)
{
	struct sbc_cli_listener *l = arg;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = l->fd, .events = POLLIN },
					 { .fd = l->stop[0], .events = POLLIN } };
		struct sockaddr_storage ss;
		socklen_t sslen = sizeof(ss);
		char peer[64];
		int fd;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			sbc_log_warn("ACLI listener poll");
			break;
		}
		if (pfd[1].revents != 0)
			break;
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
		if (fd < 0) {
			/* The peer may have gone already, or fds ran out: keep serving. */
			if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
				sbc_log_warn("ACLI accept");
			continue;
		}
		if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
			/* The ACLI answers in several small writes; with Nagle each
			 * reply waited ~40 ms for the client's delayed ACK. */
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		}
		peer_name(&ss, peer, sizeof(peer));
		l->accept.fn(l->accept.ctx, fd, peer);
	}
	return NULL;
}

int sbc_cli_listener_run(struct sbc_cli_listener *l, const struct sbc_cli_accept *accept)
{
	l->accept = *accept;
	if (pthread_create(&l->thread, NULL, listener_main, l) != 0)
		return -1;
	l->running = true;
	return 0;
}

void sbc_cli_listener_free(struct sbc_cli_listener *l)
{
	if (l == NULL)
		return;
	if (l->running) {
		ssize_t n;

		do
			n = write(l->stop[1], "x", 1);
		while (n < 0 && errno == EINTR);
		pthread_join(l->thread, NULL);
	}
	if (l->fd >= 0)
		close(l->fd);
	if (l->path != NULL)
		unlink(l->path);
	close(l->stop[0]);
	close(l->stop[1]);
	free(l->address);
	free(l->path);
	free(l);
}
