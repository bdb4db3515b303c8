/* TCP connections (see sbc_sip_conn.h). The header block is handed to
 * libosip2 to learn Content-Length; no SIP text is parsed here. */
#include "sbc_sip_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sbc_cfg_model.h"
#include "sbc_log.h"
#include "sbc_sip_listen.h"
#include "sbc_sip_msg.h"

#define WBUF_MAX (1024 * 1024)

struct sbc_sip_conn {
	struct sbc_sip_pollable p;
	uint64_t id;
	struct sockaddr_storage peer, local;
	socklen_t peer_len, local_len;
	char *rbuf;
	size_t rlen;
	char *wbuf;
	size_t wlen;
	time_t last_active;
};

struct sbc_sip_conns {
	struct sbc_sip_conn **byfd;  /* indexed by socket number */
	size_t nbyfd;
	size_t count;
	uint64_t next_id;
};

struct sbc_sip_conns *sbc_sip_conns_new(void)
{
	struct sbc_sip_conns *c = calloc(1, sizeof(*c));

	if (c)
		c->next_id = 1;
	return c;
}

static void conn_close(struct sbc_sip_core *core, struct sbc_sip_conn *c, const char *why)
{
	char addr[80];

	if (why)
		sbc_log_info("sip: closing TCP connection from %s: %s",
			     sbc_sip_addr_str(&c->peer, addr, sizeof addr), why);
	if (core)
		epoll_ctl(core->epfd, EPOLL_CTL_DEL, c->p.fd, NULL);
	if (core && core->conns) {
		core->conns->byfd[c->p.fd] = NULL;
		core->conns->count--;
	}
	close(c->p.fd);
	free(c->rbuf);
	free(c->wbuf);
	free(c);
}

void sbc_sip_conns_free(struct sbc_sip_conns *conns, int epfd)
{
	if (!conns)
		return;
	for (size_t i = 0; i < conns->nbyfd; i++) {
		struct sbc_sip_conn *c = conns->byfd[i];
		if (!c)
			continue;
		if (epfd >= 0)
			epoll_ctl(epfd, EPOLL_CTL_DEL, c->p.fd, NULL);
		close(c->p.fd);
		free(c->rbuf);
		free(c->wbuf);
		free(c);
	}
	free(conns->byfd);
	free(conns);
}

static int index_fd(struct sbc_sip_conns *conns, int fd)
{
	if ((size_t)fd >= conns->nbyfd) {
		size_t n = (size_t)fd * 2 + 16;
		struct sbc_sip_conn **b = realloc(conns->byfd, n * sizeof(*b));
		if (!b)
			return -1;
		memset(b + conns->nbyfd, 0, (n - conns->nbyfd) * sizeof(*b));
		conns->byfd = b;
		conns->nbyfd = n;
	}
	return 0;
}

void sbc_sip_conns_accept(struct sbc_sip_core *core, struct sbc_sip_listener *l)
{
	struct sbc_sip_conns *conns = core->conns;

	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		int fd = accept4(l->p.fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				sbc_log_warn("sip: accept on %s:%u", l->address, l->port);
			return;
		}
		struct sbc_sip_conn *c = NULL;
		struct epoll_event ev = { .events = EPOLLIN };
		if (conns->count >= SBC_SIP_MAX_CONNS || index_fd(conns, fd) != 0 ||
		    !(c = calloc(1, sizeof(*c))) || !(c->rbuf = malloc(SBC_SIP_MAX_MSG + 1))) {
			sbc_log_warnx("sip: TCP connection refused: %zu connections open (limit %d)",
				      conns->count, SBC_SIP_MAX_CONNS);
			if (c)
				free(c);
			close(fd);
			continue;
		}
		c->p.kind = SBC_SIP_POLL_CONN;
		c->p.fd = fd;
		c->id = conns->next_id++;
		c->peer = peer;
		c->peer_len = plen;
		c->local_len = sizeof c->local;
		getsockname(fd, (struct sockaddr *)&c->local, &c->local_len);
		c->last_active = time(NULL);
		ev.data.ptr = &c->p;
		if (epoll_ctl(core->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			free(c->rbuf);
			free(c);
			close(fd);
			continue;
		}
		conns->byfd[fd] = c;
		conns->count++;
	}
}

long sbc_sip_frame(const char *buf, size_t len, size_t *skip, const char **why)
{
	osip_message_t *m = NULL;
	const char *end;
	long total = -1;

	*skip = 0;
	*why = NULL;
	while (*skip < len && (buf[*skip] == '\r' || buf[*skip] == '\n'))
		(*skip)++;  /* RFC 5626 CRLF keep-alives */
	buf += *skip;
	len -= *skip;
	end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return len > SBC_SIP_MAX_MSG ? (*why = "header block too large", -1) : 0;
	size_t hlen = (size_t)(end - buf) + 4;
	if (hlen > SBC_SIP_MAX_MSG)
		return *why = "header block too large", -1;
	if (osip_message_init(&m) != 0 || osip_message_parse(m, buf, hlen) != 0) {
		*why = "not SIP";
		goto out;
	}
	osip_content_length_t *cl = osip_message_get_content_length(m);
	char *e = NULL;
	unsigned long body = cl && cl->value ? strtoul(cl->value, &e, 10) : 0;
	if (!cl || !cl->value) {
		*why = "no Content-Length on a stream";
	} else if (!e || *e || cl->value[0] == '-' || body > SBC_SIP_MAX_MSG - hlen) {
		*why = "bad or oversized Content-Length";
	} else {
		total = (long)(hlen + body);
		if ((size_t)total > len)
			total = 0;
	}
out:
	osip_message_free(m);
	return total;
}

/* Drain complete messages from the read buffer. -1: close the connection. */
static int conn_frames(struct sbc_sip_core *core, struct sbc_sip_conn *c)
{
	for (;;) {
		size_t skip;
		const char *why;
		long n = sbc_sip_frame(c->rbuf, c->rlen, &skip, &why);
		if (n < 0) {
			conn_close(core, c, why);
			return -1;
		}
		if (n == 0) {
			memmove(c->rbuf, c->rbuf + skip, c->rlen - skip);
			c->rlen -= skip;
			return 0;
		}
		struct sbc_sip_source src = { .transport = SBC_CFG_TRANSPORT_TCP, .fd = c->p.fd,
					      .conn_id = c->id, .peer = c->peer, .local = c->local,
					      .peer_len = c->peer_len, .local_len = c->local_len };
		uint64_t id = c->id;
		int fd = c->p.fd;
		sbc_sip_handle_message(core, &src, c->rbuf + skip, (size_t)n);
		/* Sending the answer may have failed and closed the connection. */
		if (core->conns->byfd[fd] != c || c->id != id)
			return -1;
		size_t used = skip + (size_t)n;
		memmove(c->rbuf, c->rbuf + used, c->rlen - used);
		c->rlen -= used;
	}
}

static void conn_flush(struct sbc_sip_core *core, struct sbc_sip_conn *c)
{
	while (c->wlen > 0) {
		ssize_t n = send(c->p.fd, c->wbuf, c->wlen, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			conn_close(core, c, "write failed");
			return;
		}
		memmove(c->wbuf, c->wbuf + n, c->wlen - (size_t)n);
		c->wlen -= (size_t)n;
	}
	struct epoll_event ev = { .events = EPOLLIN | (c->wlen ? EPOLLOUT : 0), .data.ptr = &c->p };
	epoll_ctl(core->epfd, EPOLL_CTL_MOD, c->p.fd, &ev);
}

void sbc_sip_conns_event(struct sbc_sip_core *core, struct sbc_sip_pollable *p, uint32_t events)
{
	struct sbc_sip_conn *c = (struct sbc_sip_conn *)p;

	if (events & EPOLLOUT) {
		conn_flush(core, c);
		if (core->conns->byfd[p->fd] != c)
			return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	ssize_t n = recv(c->p.fd, c->rbuf + c->rlen, SBC_SIP_MAX_MSG + 1 - c->rlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(core, c, n == 0 ? NULL : "read failed");
		return;
	}
	c->rlen += (size_t)n;
	c->last_active = time(NULL);
	conn_frames(core, c);
}

int sbc_sip_conns_send(struct sbc_sip_core *core, int fd, uint64_t id, const char *buf, size_t len)
{
	struct sbc_sip_conns *conns = core->conns;
	struct sbc_sip_conn *c = fd >= 0 && (size_t)fd < conns->nbyfd ? conns->byfd[fd] : NULL;

	if (!c || c->id != id)
		return -1;  /* the connection closed meanwhile */
	if (c->wlen + len > WBUF_MAX) {
		conn_close(core, c, "peer does not read its responses");
		return -1;
	}
	char *w = realloc(c->wbuf, c->wlen + len);
	if (!w)
		return -1;
	c->wbuf = w;
	memcpy(c->wbuf + c->wlen, buf, len);
	c->wlen += len;
	conn_flush(core, c);
	return 0;
}

void sbc_sip_conns_sweep(struct sbc_sip_core *core, time_t now)
{
	struct sbc_sip_conns *conns = core->conns;

	for (size_t i = 0; i < conns->nbyfd; i++) {
		struct sbc_sip_conn *c = conns->byfd[i];
		if (c && now - c->last_active > SBC_SIP_CONN_IDLE)
			conn_close(core, c, "idle");
	}
}
