/* TCP and TLS connections (see sbc_sip_conn.h). The header block is handed
 * to libosip2 to learn Content-Length; no SIP text is parsed here. TLS runs
 * the same framing over SSL_read / SSL_write (sbc_sip_tls.c). A response
 * whose connection is gone opens a new one (RFC 3261 18.2.2), which then
 * serves like an accepted one. Every close that is not the peer's own
 * says why and which rule decided it. */
#include "sbc_sip_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <openssl/err.h>

#include "sbc_cfg_model.h"
#include "sbc_log.h"
#include "sbc_sip_htab.h"
#include "sbc_sip_listen.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_secagree.h"
#include "sbc_sip_tls.h"

#define WBUF_MAX (1024 * 1024)
#define LINGER_SECS 2   /* a connection closed after a 513 drains this long at most */

/* Connections open from one source address (per-src-ip-max-incoming-conns). */
struct src_count {
	struct sbc_sip_hnode node;
	char key[INET6_ADDRSTRLEN];
	uint32_t n;
};

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
	bool lingering;            /* answered, closing: input is discarded */
	bool shut_wr;              /* lingering and the answer is out: shut down */
	bool outbound;             /* opened by us for a response (RFC 3261 18.2.2) */
	bool connecting;           /* outbound, connect() still in progress */
	time_t accepted;
	struct src_count *src;     /* its source address's count */
};

struct sbc_sip_conns {
	struct sbc_sip_conn **byfd;  /* indexed by socket number */
	size_t nbyfd;
	size_t count;
	size_t handshakes;           /* TLS connections still in their handshake */
	uint64_t next_id;
	struct sbc_sip_htab bysrc;   /* struct src_count by address text */
	SSL_CTX *tls_client;         /* for responses on a new TLS connection, made on first use */
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

	if (!c)
		return NULL;
	if (sbc_sip_htab_init(&c->bysrc) != 0) {
		free(c);
		return NULL;
	}
	c->next_id = 1;
	return c;
}

/* --- per-source counts --- */

static void src_key(const struct sockaddr_storage *ss, char *key, size_t size)
{
	const void *a = ss->ss_family == AF_INET6
				? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
				: (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (!inet_ntop(ss->ss_family, a, key, (socklen_t)size))
		snprintf(key, size, "?");
}

static struct src_count *src_find(struct sbc_sip_conns *conns, const char *key)
{
	struct sbc_sip_hnode *n = sbc_sip_htab_find(&conns->bysrc, key);

	return n ? SBC_SIP_CONTAINER(n, struct src_count, node) : NULL;
}

/* Count one more connection from key. NULL when out of memory. */
static struct src_count *src_hold(struct sbc_sip_conns *conns, const char *key)
{
	struct src_count *sc = src_find(conns, key);

	if (!sc) {
		if (!(sc = calloc(1, sizeof(*sc))))
			return NULL;
		snprintf(sc->key, sizeof sc->key, "%s", key);
		sc->node.key = sc->key;
		if (sbc_sip_htab_insert(&conns->bysrc, &sc->node) != 0) {
			free(sc);
			return NULL;
		}
	}
	sc->n++;
	return sc;
}

static void src_release(struct sbc_sip_conns *conns, struct src_count *sc)
{
	if (sc && --sc->n == 0) {
		sbc_sip_htab_remove(&conns->bysrc, &sc->node);
		free(sc);
	}
}

static void gauges(struct sbc_sip_core *core)
{
	atomic_store_explicit(&core->stats->conns_open, core->conns->count, memory_order_relaxed);
	atomic_store_explicit(&core->stats->tls_pending, core->conns->handshakes,
			      memory_order_relaxed);
}

/* Close c; unless the peer closed it (why NULL), log why and the rule. */
static void conn_close(struct sbc_sip_core *core, struct sbc_sip_conn *c, const char *why,
		       const char *rule)
{
	char addr[80];

	if (why)
		sbc_log_info("sip: closing %s connection %s %s: %s (rule %s)", conn_name(c),
			     c->outbound ? "to" : "from",
			     sbc_sip_addr_str(&c->peer, addr, sizeof addr), why, rule);
	if (core)
		epoll_ctl(core->epfd, EPOLL_CTL_DEL, c->p.fd, NULL);
	if (core)  /* a TLS association ends with its connection */
		sbc_sip_secagree_conn_closed(core, c->id);
	if (core && core->conns) {
		core->conns->byfd[c->p.fd] = NULL;
		core->conns->count--;
		if (c->ssl && c->handshaking)
			core->conns->handshakes--;
		src_release(core->conns, c->src);
		gauges(core);
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
		src_release(conns, c->src);
		conn_free(c);
	}
	sbc_sip_htab_destroy(&conns->bysrc);
	SSL_CTX_free(conns->tls_client);
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
	uint32_t max = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_TLS_PENDING);

	if (core->conns->handshakes >= max) {
		char addr[80];
		sbc_sip_limits_refused(core, SBC_SIP_STAT_LIM_TLS_PENDING,
				       "sip: TLS connection from %s refused on %s:%u: %zu handshakes "
				       "pending (rule max-pending-tls-handshakes %u)",
				       sbc_sip_addr_str(&c->peer, addr, sizeof addr), l->address,
				       l->port, core->conns->handshakes, max);
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

/* Whether a connection from peer may be opened now (max-incoming-conns,
 * per-src-ip-max-incoming-conns); refusals are logged and counted. */
static bool admit(struct sbc_sip_core *core, struct sbc_sip_listener *l,
		  const struct sockaddr_storage *peer, const char *key)
{
	struct sbc_sip_conns *conns = core->conns;
	uint32_t max = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_CONNS);
	uint32_t per_src = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_CONNS_PER_SRC);
	const char *proto = l->transport == SBC_CFG_TRANSPORT_TLS ? "TLS" : "TCP";
	struct src_count *sc;
	char addr[80];

	if (conns->count >= max) {
		sbc_sip_limits_refused(core, SBC_SIP_STAT_LIM_CONNS,
				       "sip: %s connection from %s refused on %s:%u: %zu connections "
				       "open (rule max-incoming-conns %u)", proto,
				       sbc_sip_addr_str(peer, addr, sizeof addr), l->address, l->port,
				       conns->count, max);
		return false;
	}
	if (per_src && (sc = src_find(conns, key)) && sc->n >= per_src) {
		sbc_sip_limits_refused(core, SBC_SIP_STAT_LIM_CONNS_SRC,
				       "sip: %s connection from %s refused on %s:%u: %u connections "
				       "open from %s (rule per-src-ip-max-incoming-conns %u)", proto,
				       sbc_sip_addr_str(peer, addr, sizeof addr), l->address, l->port,
				       sc->n, key, per_src);
		return false;
	}
	return true;
}

/* A new connection on fd, or NULL (fd not closed). */
/* A connection on fd, accepted or opened by us, its source address
 * (key) counted; not yet in the event loop (conn_enroll). NULL when out
 * of memory (fd stays open). */
static struct sbc_sip_conn *conn_new(struct sbc_sip_core *core, int fd, int transport,
				     const struct sockaddr_storage *peer, socklen_t plen,
				     const char *key)
{
	struct sbc_sip_conn *c = NULL;

	if (index_fd(core->conns, fd) != 0 || !(c = calloc(1, sizeof(*c))) ||
	    !(c->rbuf = malloc(SBC_SIP_MAX_MSG + 1)) || !(c->src = src_hold(core->conns, key))) {
		if (c)
			free(c->rbuf);
		free(c);
		return NULL;
	}
	c->p.kind = SBC_SIP_POLL_CONN;
	c->p.fd = fd;
	c->transport = transport;
	c->peer = *peer;
	c->peer_len = plen;
	c->local_len = sizeof c->local;
	getsockname(fd, (struct sockaddr *)&c->local, &c->local_len);
	return c;
}

/* c joins the event loop, watched for `events`, and the open count.
 * 0, or -1 with errno (c is left to the caller). */
static int conn_enroll(struct sbc_sip_core *core, struct sbc_sip_conn *c, uint32_t events)
{
	struct sbc_sip_conns *conns = core->conns;
	struct epoll_event ev = { .events = events, .data.ptr = &c->p };

	c->id = conns->next_id++;
	c->last_active = time(NULL);
	c->events = events;
	if (epoll_ctl(core->epfd, EPOLL_CTL_ADD, c->p.fd, &ev) != 0)
		return -1;
	conns->byfd[c->p.fd] = c;
	conns->count++;
	gauges(core);
	return 0;
}

void sbc_sip_conns_accept(struct sbc_sip_core *core, struct sbc_sip_listener *l)
{
	struct sbc_sip_conns *conns = core->conns;

	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		char key[INET6_ADDRSTRLEN];
		int fd = accept4(l->p.fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				sbc_log_warn("sip: accept on %s:%u", l->address, l->port);
			return;
		}
		/* Every write is a whole SIP message or TLS flight: Nagle would
		 * only hold the second of two writes for the peer's delayed ACK. */
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		src_key(&peer, key, sizeof key);
		struct sbc_sip_conn *c = NULL;
		if (!admit(core, l, &peer, key)) {
			close(fd);
			continue;
		}
		if (!(c = conn_new(core, fd, l->transport, &peer, plen, key))) {
			sbc_log_warnx("sip: connection on %s:%u refused: out of memory", l->address,
				      l->port);
			close(fd);
			continue;
		}
		c->protected_port = l->protected_port;
		if (c->transport == SBC_CFG_TRANSPORT_TLS && tls_start(core, l, c) != 0) {
			src_release(conns, c->src);
			conn_free(c);
			continue;
		}
		if (conn_enroll(core, c, EPOLLIN) != 0) {
			if (c->ssl)
				conns->handshakes--;
			src_release(conns, c->src);
			conn_free(c);
		}
	}
}

long sbc_sip_frame_max(const char *buf, size_t len, size_t max, size_t *skip, size_t *hlen_out,
		       const char **why)
{
	osip_message_t *m = NULL;
	const char *end;
	long total = -1;

	*skip = 0;
	*hlen_out = 0;
	*why = NULL;
	while (*skip < len && (buf[*skip] == '\r' || buf[*skip] == '\n'))
		(*skip)++;  /* RFC 5626 CRLF keep-alives */
	buf += *skip;
	len -= *skip;
	end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return len > max ? (*why = "header block too large", -1) : 0;
	size_t hlen = (size_t)(end - buf) + 4;
	if (hlen > max)
		return *why = "header block too large", -1;
	if (osip_message_init(&m) != 0) {
		*why = "not SIP";
		goto out;
	}
	/* With a Content-Type, libosip2 refuses a header block whose body has
	 * not arrived yet, but only at its body step: the headers it read by
	 * then, Content-Length among them, still frame the message, and the
	 * whole message is parsed again once it is there. */
	int parsed = osip_message_parse(m, buf, hlen);
	osip_content_length_t *cl = osip_message_get_content_length(m);
	if (parsed != 0 && (!cl || !cl->value || !osip_message_get_content_type(m))) {
		*why = "not SIP";
		goto out;
	}
	char *e = NULL;
	unsigned long body = cl && cl->value ? strtoul(cl->value, &e, 10) : 0;
	if (!cl || !cl->value) {
		*why = "no Content-Length on a stream";
	} else if (!e || *e || cl->value[0] == '-') {
		*why = "bad or oversized Content-Length";
	} else if (body > max - hlen) {
		*why = "message larger than sip-message-len";
		*hlen_out = hlen;  /* the header block is whole: it can be answered */
		total = -2;
	} else {
		total = (long)(hlen + body);
		if ((size_t)total > len)
			total = 0;
	}
out:
	osip_message_free(m);
	return total;
}

long sbc_sip_frame(const char *buf, size_t len, size_t *skip, const char **why)
{
	size_t hlen;
	long n = sbc_sip_frame_max(buf, len, SBC_SIP_MAX_MSG, skip, &hlen, why);

	return n < 0 ? -1 : n;
}

/* Answered and done: stop writing after what is queued, discard what the
 * peer still sends, close on its EOF or after LINGER_SECS. Closing at once
 * with unread input would reset the connection and could lose the answer. */
static void linger_shut(struct sbc_sip_conn *c)
{
	if (!c->lingering || c->shut_wr || c->wlen > 0)
		return;
	if (c->ssl && !c->handshaking) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);  /* close_notify, best effort */
		ERR_clear_error();
	}
	shutdown(c->p.fd, SHUT_WR);
	c->shut_wr = true;
}

static void conn_linger(struct sbc_sip_conn *c)
{
	c->lingering = true;
	c->rlen = 0;
	c->last_active = time(NULL);
	linger_shut(c);
}

/* A message over sip-message-len: 513 when the request can be answered,
 * then linger-close (RFC 3261 21.5.14; the framing is lost either way). */
static void conn_too_large(struct sbc_sip_core *core, struct sbc_sip_conn *c, size_t skip,
			   size_t hlen)
{
	uint32_t max = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_MSG_LEN);
	struct sbc_sip_source src = { .transport = c->transport, .fd = c->p.fd, .conn_id = c->id,
				      .protected_port = c->protected_port, .peer = c->peer,
				      .local = c->local, .peer_len = c->peer_len,
				      .local_len = c->local_len };
	uint64_t id = c->id;
	int fd = c->p.fd;
	char addr[80];

	bool answered = !c->protected_port &&
			sbc_sip_limits_answer_raw(core, &src, c->rbuf + skip, hlen, 513,
						  "Message Too Large") == 0;
	sbc_sip_limits_refused(core, SBC_SIP_STAT_LIM_MSG_STREAM,
			       "sip: %s%s message from %s larger than %u bytes, closing "
			       "(rule sip-message-len)", answered ? "513 to a " : "", conn_name(c),
			       sbc_sip_addr_str(&c->peer, addr, sizeof addr), max);
	if (core->conns->byfd[fd] == c && c->id == id)  /* the send may have closed it */
		conn_linger(c);
}

/* Drain complete messages from the read buffer. -1: close the connection. */
static int conn_frames(struct sbc_sip_core *core, struct sbc_sip_conn *c)
{
	size_t max = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_MSG_LEN);

	for (;;) {
		size_t skip, hlen;
		const char *why;
		long n = sbc_sip_frame_max(c->rbuf, c->rlen, max, &skip, &hlen, &why);
		if (n == -2) {
			conn_too_large(core, c, skip, hlen);
			return -1;
		}
		if (n < 0) {
			c->tls_broken = true;  /* no close_notify to a peer sending junk */
			/* RFC 3261 18.3: a stream without sound framing cannot be
			 * resynchronised; an endless header block is a size matter. */
			conn_close(core, c, why,
				   strcmp(why, "header block too large") == 0 ? "sip-message-len"
									      : "stream-framing");
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
		if (sbc_sip_limits_headers_ok(core, &src, c->rbuf + skip, (size_t)n))
			sbc_sip_handle_message(core, &src, c->rbuf + skip, (size_t)n);
		/* Sending the answer may have failed and closed the connection. */
		if (core->conns->byfd[fd] != c || c->id != id)
			return -1;
		size_t used = skip + (size_t)n;
		memmove(c->rbuf, c->rbuf + used, c->rlen - used);
		c->rlen -= used;
	}
}

/* The peer's end of the stream: a partial message left unframed is
 * dropped with a log line, a clean end closes quietly. */
static void conn_eof(struct sbc_sip_core *core, struct sbc_sip_conn *c)
{
	char why[96];

	if (c->lingering || c->rlen == 0) {
		conn_close(core, c, NULL, NULL);
		return;
	}
	snprintf(why, sizeof why, "closed by the peer in the middle of a message (%zu bytes "
		 "unframed)", c->rlen);
	conn_close(core, c, why, "stream-truncated");
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
	if (c->connecting)
		return true;
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
	while (c->wlen > 0 && !c->connecting && !(c->ssl && c->handshaking)) {
		size_t n = 0;
		if (c->ssl) {
			enum sbc_sip_tls_io r = sbc_sip_tls_write(c->ssl, c->wbuf, c->wlen, &n, peer);
			if (r == SBC_SIP_TLS_WANT_WRITE || r == SBC_SIP_TLS_WANT_READ) {
				c->write_blocked = r == SBC_SIP_TLS_WANT_WRITE;
				break;
			}
			if (r != SBC_SIP_TLS_DONE) {
				c->tls_broken = r == SBC_SIP_TLS_FAIL;
				conn_close(core, c, "write failed", "write-error");
				return -1;
			}
		} else {
			ssize_t w = send(c->p.fd, c->wbuf, c->wlen, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (w <= 0) {
				conn_close(core, c, "write failed", "write-error");
				return -1;
			}
			n = (size_t)w;
		}
		memmove(c->wbuf, c->wbuf + n, c->wlen - n);
		c->wlen -= n;
	}
	linger_shut(c);
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
							  : "closed by the peer during the TLS handshake",
			   "tls-handshake");
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
	gauges(core);
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
			if (r == SBC_SIP_TLS_EOF)
				conn_eof(core, c);
			else
				conn_close(core, c, "TLS read failed", "read-error");
			return;
		}
		if (c->lingering)
			continue;  /* discarded */
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

/* An outbound connect() has completed (or failed). -1: closed. */
static int conn_connected(struct sbc_sip_core *core, struct sbc_sip_conn *c)
{
	int err = 0;
	socklen_t elen = sizeof err;
	char why[96];

	if (getsockopt(c->p.fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		err = errno;
	if (err) {
		snprintf(why, sizeof why, "connect for a response failed: %s", strerror(err));
		c->tls_broken = true;
		conn_close(core, c, why, "response-new-connection");
		return -1;
	}
	c->connecting = false;
	c->local_len = sizeof c->local;
	getsockname(c->p.fd, (struct sockaddr *)&c->local, &c->local_len);
	c->last_active = time(NULL);
	return 0;
}

void sbc_sip_conns_event(struct sbc_sip_core *core, struct sbc_sip_pollable *p, uint32_t events)
{
	struct sbc_sip_conn *c = (struct sbc_sip_conn *)p;

	if (c->connecting && conn_connected(core, c) != 0)
		return;
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
	if (n == 0 || (n < 0 && c->lingering)) {
		conn_eof(core, c);
		return;
	}
	if (n < 0) {
		conn_close(core, c, "read failed", "read-error");
		return;
	}
	if (c->lingering)
		return;  /* discarded */
	c->rlen += (size_t)n;
	c->last_active = time(NULL);
	conn_frames(core, c);
}

/* --- RFC 3261 18.2.2: a response whose connection is gone --- */

/* Where: the top Via's received address, else its sent-by host (numeric:
 * the event loop does not wait on DNS), and its sent-by port, else 5060
 * (TCP) or 5061 (TLS). -1 with *why. */
static int fallback_target(const osip_message_t *m, int *transport, struct sockaddr_storage *to,
			   socklen_t *tolen, const char **why)
{
	osip_via_t *via = osip_list_get(&m->vias, 0);
	osip_generic_param_t *rcv = NULL;
	struct sockaddr_in *sin = (struct sockaddr_in *)to;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)to;

	if (!via || !via->protocol || !via->host)
		return *why = "no Via", -1;
	if (strcasecmp(via->protocol, "TCP") == 0)
		*transport = SBC_CFG_TRANSPORT_TCP;
	else if (strcasecmp(via->protocol, "TLS") == 0)
		*transport = SBC_CFG_TRANSPORT_TLS;
	else
		return *why = "the Via's transport is neither TCP nor TLS", -1;
	osip_via_param_get_byname(via, "received", &rcv);
	const char *host = rcv && rcv->gvalue && *rcv->gvalue ? rcv->gvalue : via->host;
	char *end = NULL;
	unsigned long port = via->port && *via->port ? strtoul(via->port, &end, 10)
			     : *transport == SBC_CFG_TRANSPORT_TLS ? 5061 : 5060;
	if ((end && *end) || port == 0 || port > 65535)
		return *why = "the Via's sent-by port is not a port", -1;
	memset(to, 0, sizeof(*to));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*tolen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*tolen = sizeof(*sin6);
	} else {
		return *why = "the Via's address is not numeric", -1;
	}
	return 0;
}

/* The client side of a new TLS connection. The UE's certificate is not
 * verified: the response goes where the request's Via says, as it would
 * over TCP, and UEs seldom hold a certificate a P-CSCF could check. */
static SSL *fallback_ssl(struct sbc_sip_conns *conns, int fd)
{
	SSL *ssl = NULL;

	if (!conns->tls_client) {
		conns->tls_client = SSL_CTX_new(TLS_client_method());
		if (!conns->tls_client ||
		    SSL_CTX_set_min_proto_version(conns->tls_client, TLS1_2_VERSION) != 1) {
			SSL_CTX_free(conns->tls_client);
			conns->tls_client = NULL;
			return NULL;
		}
		SSL_CTX_set_verify(conns->tls_client, SSL_VERIFY_NONE, NULL);
	}
	if (!(ssl = SSL_new(conns->tls_client)) || SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_connect_state(ssl);
	return ssl;
}

/* A new outbound connection to `to`, registered like an accepted one;
 * NULL with *why. */
static struct sbc_sip_conn *conn_open(struct sbc_sip_core *core, int transport,
				      const struct sockaddr_storage *to, socklen_t tolen,
				      const char **why)
{
	struct sbc_sip_conns *conns = core->conns;
	uint32_t max = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_CONNS);
	struct sbc_sip_conn *c = NULL;
	char key[INET6_ADDRSTRLEN];
	int one = 1, fd;

	if (conns->count >= max)
		return *why = "max-incoming-conns connections open", NULL;
	fd = socket(to->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (connect(fd, (const struct sockaddr *)to, tolen) != 0 && errno != EINPROGRESS)) {
		*why = strerror(errno);
		goto fail;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	src_key(to, key, sizeof key);
	if (!(c = conn_new(core, fd, transport, to, tolen, key))) {
		*why = "out of memory";
		goto fail;
	}
	c->outbound = c->connecting = true;
	c->accepted = time(NULL);
	if (transport == SBC_CFG_TRANSPORT_TLS && !(c->ssl = fallback_ssl(conns, fd))) {
		*why = "no TLS client context";
		goto fail;
	}
	c->handshaking = c->ssl != NULL;
	conns->handshakes += c->handshaking;
	if (conn_enroll(core, c, EPOLLIN | EPOLLOUT) != 0) {
		*why = strerror(errno);
		conns->handshakes -= c->handshaking;
		goto fail;
	}
	return c;
fail:
	if (c) {
		src_release(conns, c->src);
		conn_free(c);  /* closes fd */
	} else if (fd >= 0) {
		close(fd);
	}
	return NULL;
}

/* Queue buf on c and write what can be. 0 / -1 (c closed). */
static int conn_queue(struct sbc_sip_core *core, struct sbc_sip_conn *c, const char *buf,
		      size_t len)
{
	if (c->wlen + len > WBUF_MAX) {
		conn_close(core, c, "peer does not read its responses", "write-backlog");
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

/* The response in buf on a new connection to its top Via (RFC 3261
 * 18.2.2); logged either way. 0 / -1. */
static int conn_fallback(struct sbc_sip_core *core, const char *buf, size_t len)
{
	struct sockaddr_storage to;
	socklen_t tolen = 0;
	osip_message_t *m = NULL;
	const char *why = NULL;
	int transport = SBC_CFG_TRANSPORT_TCP, rc = -1;
	char addr[80] = "?";

	if (sbc_sip_msg_parse(buf, len, &m, &why) != SBC_SIP_PARSE_OK || !MSG_IS_RESPONSE(m)) {
		why = "not a response";
		goto out;
	}
	if (fallback_target(m, &transport, &to, &tolen, &why) != 0)
		goto out;
	sbc_sip_addr_str(&to, addr, sizeof addr);
	struct sbc_sip_conn *c = conn_open(core, transport, &to, tolen, &why);
	if (!c)
		goto out;
	sbc_log_info("sip: %d response to %s over a new %s connection: the request's connection "
		     "is closed (rule response-new-connection)", m->status_code, addr,
		     conn_name(c));
	rc = conn_queue(core, c, buf, len);
out:
	if (rc != 0 && why)
		sbc_log_info("sip: %d response to %s dropped: its connection is closed and no new "
			     "one could be opened: %s (rule response-new-connection)",
			     m ? m->status_code : 0, addr, why);
	osip_message_free(m);
	return rc;
}

int sbc_sip_conns_send(struct sbc_sip_core *core, int fd, uint64_t id, const char *buf, size_t len)
{
	struct sbc_sip_conns *conns = core->conns;
	struct sbc_sip_conn *c = fd >= 0 && (size_t)fd < conns->nbyfd ? conns->byfd[fd] : NULL;

	if (!c || c->id != id)
		return conn_fallback(core, buf, len);  /* the connection closed meanwhile */
	return conn_queue(core, c, buf, len);
}

void sbc_sip_conns_sweep(struct sbc_sip_core *core, time_t now)
{
	struct sbc_sip_conns *conns = core->conns;
	time_t hs = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_TLS_TIMEOUT);
	time_t idle = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_CONN_IDLE);
	char addr[80];

	for (size_t i = 0; i < conns->nbyfd; i++) {
		struct sbc_sip_conn *c = conns->byfd[i];
		if (!c)
			continue;
		if (c->lingering) {
			if (now - c->last_active >= LINGER_SECS)
				conn_close(core, c, NULL, NULL);
		} else if (c->ssl && c->handshaking && now - c->accepted >= hs) {
			sbc_sip_limits_refused(core, SBC_SIP_STAT_LIM_TLS_TIMEOUT,
					       "sip: closing TLS connection from %s: TLS handshake timed "
					       "out after %lds (rule tls-handshake-timeout)",
					       sbc_sip_addr_str(&c->peer, addr, sizeof addr), (long)hs);
			c->tls_broken = true;
			conn_close(core, c, NULL, NULL);
		} else if (now - c->last_active > idle) {
			sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_LIM_CONN_IDLE);
			conn_close(core, c, "idle", "inactive-dynamic-conn");
		}
	}
}
