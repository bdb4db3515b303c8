/* TCP and TLS connections (see sbc_sip_conn.h). The header block is handed
 * to libosip2 to learn Content-Length; no SIP text is parsed here. TLS runs
 * the same framing over SSL_read / SSL_write (sbc_sip_tls.c). */
#include "sbc_sip_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <openssl/err.h>

#include "sbc_cfg_model.h"
#include "sbc_log.h"
#include "sbc_sip_listen.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_secagree.h"
#include "sbc_sip_tls.h"

#define WBUF_MAX (1024 * 1024)

struct sbc_sip_conn {
	struct sbc_sip_pollable p;
	uint64_t id;
	int transport;             /* SBC_CFG_TRANSPORT_TCP or _TLS */
	struct sockaddr_storage peer, local;
	socklen_t peer_len, local_len;
	char *rbuf;
	size_t rlen;
	char *wbuf;
	size_t wlen;
	time_t last_active;
	uint32_t events;           /* what epoll watches now */
	/* TLS only */
	SSL *ssl;
	bool handshaking;
	bool tls_broken;           /* fatal SSL error: no close_notify */
	bool protected_port;       /* accepted on an ims-aka-profile protected port */
	bool write_blocked;        /* SSL_write waits for POLLOUT */
	bool read_blocked;         /* SSL_read waits for POLLOUT */
	time_t accepted;
};

struct sbc_sip_conns {
	struct sbc_sip_conn **byfd;  /* indexed by socket number */
	size_t nbyfd;
	size_t count;
	size_t handshakes;           /* TLS connections still in their handshake */
	uint64_t next_id;
};

static const char *conn_name(const struct sbc_sip_conn *c)
{
	return c->transport == SBC_CFG_TRANSPORT_TLS ? "TLS" : "TCP";
}

static void conn_free(struct sbc_sip_conn *c)
{
	if (c->ssl) {
		if (!c->handshaking && !c->tls_broken) {
			/* close_notify, best effort: the socket is non-blocking. */
			ERR_clear_error();
			SSL_shutdown(c->ssl);
			ERR_clear_error();
		}
		SSL_free(c->ssl);
	}
	close(c->p.fd);
	free(c->rbuf);
	free(c->wbuf);
	free(c);
}

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
		sbc_log_info("sip: closing %s connection from %s: %s", conn_name(c),
			     sbc_sip_addr_str(&c->peer, addr, sizeof addr), why);
	if (core)
		epoll_ctl(core->epfd, EPOLL_CTL_DEL, c->p.fd, NULL);
	if (core)  /* a TLS association ends with its connection */
		sbc_sip_secagree_conn_closed(core, c->id);
	if (core && core->conns) {
		core->conns->byfd[c->p.fd] = NULL;
		core->conns->count--;
		if (c->ssl && c->handshaking)
			core->conns->handshakes--;
	}
	conn_free(c);
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
		conn_free(c);
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

/* A TLS connection starts with an SSL from the listener's current context
 * (read under the lock the apply hook swaps it with). */
static int tls_start(struct sbc_sip_core *core, struct sbc_sip_listener *l,
		     struct sbc_sip_conn *c)
{
	if (core->conns->handshakes >= SBC_SIP_TLS_MAX_PENDING) {
		sbc_log_warnx("sip: TLS connection refused on %s:%u: %d handshakes pending",
			      l->address, l->port, SBC_SIP_TLS_MAX_PENDING);
		return -1;
	}
	pthread_mutex_lock(&core->lock);
	c->ssl = l->tls_ctx ? sbc_sip_tls_new(l->tls_ctx, c->p.fd) : NULL;
	pthread_mutex_unlock(&core->lock);
	if (!c->ssl)
		return -1;
	c->handshaking = true;
	c->accepted = time(NULL);
	core->conns->handshakes++;
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
		c->transport = l->transport;
		c->protected_port = l->protected_port;
		if (c->transport == SBC_CFG_TRANSPORT_TLS && tls_start(core, l, c) != 0) {
			conn_free(c);
			continue;
		}
		c->id = conns->next_id++;
		c->peer = peer;
		c->peer_len = plen;
		c->local_len = sizeof c->local;
		getsockname(fd, (struct sockaddr *)&c->local, &c->local_len);
		c->last_active = time(NULL);
		c->events = ev.events;
		ev.data.ptr = &c->p;
		if (epoll_ctl(core->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			if (c->ssl)
				conns->handshakes--;
			conn_free(c);
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
			c->tls_broken = true;  /* no close_notify to a peer sending junk */
			conn_close(core, c, why);
			return -1;
		}
		if (n == 0) {
			memmove(c->rbuf, c->rbuf + skip, c->rlen - skip);
			c->rlen -= skip;
			return 0;
		}
		struct sbc_sip_source src = { .transport = c->transport, .fd = c->p.fd,
					      .conn_id = c->id, .protected_port = c->protected_port,
					      .peer = c->peer, .local = c->local,
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

/* Watch for writability only while something waits for it. */
static void conn_rearm(struct sbc_sip_core *core, struct sbc_sip_conn *c, bool out)
{
	uint32_t want = out ? EPOLLIN | EPOLLOUT : EPOLLIN;
	struct epoll_event ev = { .events = want, .data.ptr = &c->p };

	if (want != c->events && epoll_ctl(core->epfd, EPOLL_CTL_MOD, c->p.fd, &ev) == 0)
		c->events = want;
}

static bool conn_wants_out(const struct sbc_sip_conn *c)
{
	if (!c->ssl)
		return c->wlen > 0;
	if (c->handshaking)
		return c->write_blocked;
	return (c->wlen > 0 && c->write_blocked) || c->read_blocked;
}

/* Write what is queued. -1: the connection was closed. */
static int conn_flush(struct sbc_sip_core *core, struct sbc_sip_conn *c)
{
	char peer[80];

	if (c->ssl)
		sbc_sip_addr_str(&c->peer, peer, sizeof peer);
	c->write_blocked = false;
	while (c->wlen > 0 && !(c->ssl && c->handshaking)) {
		size_t n = 0;
		if (c->ssl) {
			enum sbc_sip_tls_io r = sbc_sip_tls_write(c->ssl, c->wbuf, c->wlen, &n, peer);
			if (r == SBC_SIP_TLS_WANT_WRITE || r == SBC_SIP_TLS_WANT_READ) {
				c->write_blocked = r == SBC_SIP_TLS_WANT_WRITE;
				break;
			}
			if (r != SBC_SIP_TLS_DONE) {
				c->tls_broken = r == SBC_SIP_TLS_FAIL;
				conn_close(core, c, "write failed");
				return -1;
			}
		} else {
			ssize_t w = send(c->p.fd, c->wbuf, c->wlen, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (w <= 0) {
				conn_close(core, c, "write failed");
				return -1;
			}
			n = (size_t)w;
		}
		memmove(c->wbuf, c->wbuf + n, c->wlen - n);
		c->wlen -= n;
	}
	conn_rearm(core, c, conn_wants_out(c));
	return 0;
}

/* One handshake step. 1: done, 0: waiting, -1: closed. */
static int tls_handshake(struct sbc_sip_core *core, struct sbc_sip_conn *c, const char *peer)
{
	enum sbc_sip_tls_io r = sbc_sip_tls_handshake(c->ssl, peer);

	if (r == SBC_SIP_TLS_FAIL || r == SBC_SIP_TLS_EOF) {
		c->tls_broken = true;
		conn_close(core, c, r == SBC_SIP_TLS_FAIL ? "TLS handshake failed"
							  : "closed by the peer during the TLS handshake");
		return -1;
	}
	c->write_blocked = r == SBC_SIP_TLS_WANT_WRITE;
	if (r != SBC_SIP_TLS_DONE) {
		conn_rearm(core, c, c->write_blocked);
		return 0;
	}
	c->handshaking = false;
	c->write_blocked = false;
	core->conns->handshakes--;
	c->last_active = time(NULL);
	return 1;
}

/* Read records until the socket has no more (plus what SSL holds back). */
static void tls_readable(struct sbc_sip_core *core, struct sbc_sip_conn *c, const char *peer)
{
	c->read_blocked = false;
	for (int i = 0; i < 64 || SSL_pending(c->ssl) > 0; i++) {
		size_t n = 0;
		enum sbc_sip_tls_io r = sbc_sip_tls_read(c->ssl, c->rbuf + c->rlen,
							 SBC_SIP_MAX_MSG + 1 - c->rlen, &n, peer);
		if (r == SBC_SIP_TLS_WANT_READ)
			break;
		if (r == SBC_SIP_TLS_WANT_WRITE) {
			c->read_blocked = true;
			break;
		}
		if (r != SBC_SIP_TLS_DONE) {
			c->tls_broken = r == SBC_SIP_TLS_FAIL;
			conn_close(core, c, r == SBC_SIP_TLS_EOF ? NULL : "TLS read failed");
			return;
		}
		c->rlen += n;
		c->last_active = time(NULL);
		if (conn_frames(core, c) != 0)
			return;
	}
	conn_rearm(core, c, conn_wants_out(c));
}

static void tls_event(struct sbc_sip_core *core, struct sbc_sip_conn *c)
{
	char peer[80];

	sbc_sip_addr_str(&c->peer, peer, sizeof peer);
	if (c->handshaking && tls_handshake(core, c, peer) <= 0)
		return;
	/* Either direction may be waiting on either readiness (RFC 8446
	 * key updates, TLS 1.2 records): retry both on any event. */
	if (c->wlen > 0 && conn_flush(core, c) != 0)
		return;
	tls_readable(core, c, peer);
}

void sbc_sip_conns_event(struct sbc_sip_core *core, struct sbc_sip_pollable *p, uint32_t events)
{
	struct sbc_sip_conn *c = (struct sbc_sip_conn *)p;

	if (c->ssl) {
		tls_event(core, c);
		return;
	}
	if (events & EPOLLOUT) {
		if (conn_flush(core, c) != 0)
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
	return conn_flush(core, c);
}

void sbc_sip_conns_sweep(struct sbc_sip_core *core, time_t now)
{
	struct sbc_sip_conns *conns = core->conns;

	for (size_t i = 0; i < conns->nbyfd; i++) {
		struct sbc_sip_conn *c = conns->byfd[i];
		if (!c)
			continue;
		if (c->ssl && c->handshaking && now - c->accepted >= SBC_SIP_TLS_HANDSHAKE_SECS)
			conn_close(core, c, "TLS handshake timed out");
		else if (now - c->last_active > SBC_SIP_CONN_IDLE)
			conn_close(core, c, "idle");
	}
}
