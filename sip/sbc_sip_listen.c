/* Listener sets (see sbc_sip_listen.h): bind / reuse / close the UDP, TCP
 * and TLS sockets of the sip-ports in a configuration. */
#include "sbc_sip_listen.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sbc_log.h"
#include "sbc_sip_tls.h"

static const char *transport_name(int t)
{
	return t == SBC_CFG_TRANSPORT_UDP ? "UDP" : t == SBC_CFG_TRANSPORT_TCP ? "TCP" : "TLS";
}

static struct sbc_sip_listener *find(const struct sbc_sip_lset *set, int transport,
				     const char *address, uint16_t port)
{
	for (size_t i = 0; set && i < set->count; i++) {
		struct sbc_sip_listener *l = set->items[i];
		if (l->transport == transport && l->port == port && strcmp(l->address, address) == 0)
			return l;
	}
	return NULL;
}

static int open_socket(struct sbc_sip_listener *l, struct sbc_cfg_error *err)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_family = AF_UNSPEC };
	struct addrinfo *ai = NULL;
	char port[8];
	int one = 1, fd = -1;
	bool udp = l->transport == SBC_CFG_TRANSPORT_UDP;

	hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
	snprintf(port, sizeof port, "%u", l->port);
	if (getaddrinfo(*l->address ? l->address : NULL, port, &hints, &ai) != 0 || !ai) {
		sbc_cfg_errorf(err, "sip-port [%s:%u] has an address that is not an IP address",
			       l->address, l->port);
		goto fail;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (!udp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || (!udp && listen(fd, 1024) != 0)) {
		sbc_cfg_errorf(err, "sip-port [%s:%u/%s] cannot be bound: %s", l->address, l->port,
			       transport_name(l->transport), strerror(errno));
		goto fail;
	}
	l->local_len = sizeof l->local;
	getsockname(fd, (struct sockaddr *)&l->local, &l->local_len);
	freeaddrinfo(ai);
	l->p.fd = fd;
	l->p.kind = udp ? SBC_SIP_POLL_UDP : SBC_SIP_POLL_TCP_LISTEN;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	return -1;
}

static int add_port(struct sbc_sip_lset *set, const struct sbc_sip_lset *cur,
		    const struct sbc_cfg_sip_port *sp, const struct sbc_sip_tls_ctxs *tls,
		    bool prot, struct sbc_cfg_error *err)
{
	const char *addr = sp->address ? sp->address : "";
	struct sbc_sip_listener *l;
	SSL_CTX *ctx = NULL;

	if (sp->transport_protocol == SBC_CFG_TRANSPORT_TLS &&
	    !(ctx = sbc_sip_tls_ctxs_get(tls, sp->tls_profile))) {
		sbc_cfg_errorf(err, "sip-port [%s:%u/TLS] has no usable tls-profile [%s]", addr,
			       sp->port, sp->tls_profile);
		return -1;
	}
	if (find(set, sp->transport_protocol, addr, (uint16_t)sp->port))
		return 0;  /* the same port twice in the config: one socket */
	l = find(cur, sp->transport_protocol, addr, (uint16_t)sp->port);
	if (l && l->protected_port != prot)
		l = NULL;  /* a sip-port became protected or back: bind anew */
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l) {
			sbc_cfg_errorf(err, "out of memory");
			return -1;
		}
		l->transport = sp->transport_protocol;
		snprintf(l->address, sizeof l->address, "%s", addr);
		l->port = (uint16_t)sp->port;
		l->protected_port = prot;
		if (open_socket(l, err) != 0) {
			free(l);
			return -1;
		}
	}
	l->refs++;
	if (ctx)
		SSL_CTX_up_ref(ctx);
	set->tls[set->count] = ctx;
	set->items[set->count++] = l;
	return 0;
}

/* The protected ports (port-c, port-s; UDP and TCP) of the sip-port's
 * ims-aka-profile, on the sip-port's address: where ipsec-3gpp SAs end
 * (sbc_sip_sa.h). */
static int add_protected(struct sbc_sip_lset *set, const struct sbc_sip_lset *cur,
			 const struct sbc_cfg *cfg, const struct sbc_cfg_sip_port *sp,
			 struct sbc_cfg_error *err)
{
	long at = sp->ims_aka_profile && *sp->ims_aka_profile
			  ? sbc_cfg_find(cfg, SBC_CFG_IMS_AKA_PROFILE, sp->ims_aka_profile)
			  : -1;
	if (at < 0)
		return 0;
	const struct sbc_cfg_ims_aka_profile *aka = cfg->elements[SBC_CFG_IMS_AKA_PROFILE].items[at];
	uint32_t ports[2] = { aka->protected_client_port, aka->protected_server_port };
	for (int i = 0; i < 2; i++) {
		for (int t = SBC_CFG_TRANSPORT_UDP; ports[i] && t <= SBC_CFG_TRANSPORT_TCP; t++) {
			struct sbc_cfg_sip_port p = { .address = sp->address, .port = ports[i],
						      .transport_protocol = t };
			if (add_port(set, cur, &p, NULL, true, err) != 0)
				return -1;
		}
	}
	return 0;
}

struct sbc_sip_lset *sbc_sip_lset_build(const struct sbc_cfg *cfg, const struct sbc_sip_lset *cur,
					const struct sbc_sip_tls_ctxs *tls,
					struct sbc_cfg_error *err)
{
	const struct sbc_cfg_objs *ifs = &cfg->elements[SBC_CFG_SIP_INTERFACE];
	struct sbc_sip_lset *set = calloc(1, sizeof(*set));
	size_t total = 0;

	for (size_t i = 0; i < ifs->count; i++)  /* each may add 4 protected ports */
		total += 5 * ((const struct sbc_cfg_sip_interface *)ifs->items[i])->sip_ports.count;
	if (!set || !(set->items = calloc(total + 1, sizeof(*set->items))) ||
	    !(set->tls = calloc(total + 1, sizeof(*set->tls)))) {
		if (set)
			free(set->items);
		free(set);
		sbc_cfg_errorf(err, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < ifs->count; i++) {
		const struct sbc_cfg_sip_interface *sif = ifs->items[i];
		if (!sif->state)
			continue;
		for (size_t j = 0; j < sif->sip_ports.count; j++)
			if (add_port(set, cur, sif->sip_ports.items[j], tls, false, err) != 0 ||
			    add_protected(set, cur, cfg, sif->sip_ports.items[j], err) != 0)
				goto fail;
	}
	return set;
fail:
	sbc_sip_lset_release(set, -1);
	return NULL;
}

int sbc_sip_lset_poll(struct sbc_sip_lset *set, int epfd)
{
	for (size_t i = 0; i < set->count; i++) {
		struct sbc_sip_listener *l = set->items[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->p };
		if (set->tls[i] && set->tls[i] != l->tls_ctx) {
			SSL_CTX_up_ref(set->tls[i]);
			SSL_CTX_free(l->tls_ctx);  /* its connections hold their own reference */
			l->tls_ctx = set->tls[i];
		}
		if (l->polled)
			continue;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, l->p.fd, &ev) != 0) {
			sbc_log_warn("sip: cannot poll %s:%u", l->address, l->port);
			return -1;
		}
		l->polled = true;
		sbc_log_info("sip: listening on %s %s:%u", transport_name(l->transport), l->address,
			     l->port);
	}
	return 0;
}

void sbc_sip_lset_release(struct sbc_sip_lset *set, int epfd)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->count; i++) {
		struct sbc_sip_listener *l = set->items[i];
		SSL_CTX_free(set->tls[i]);
		if (--l->refs > 0)
			continue;
		if (l->polled && epfd >= 0)
			epoll_ctl(epfd, EPOLL_CTL_DEL, l->p.fd, NULL);
		if (l->polled)
			sbc_log_info("sip: closed %s %s:%u", transport_name(l->transport), l->address,
				     l->port);
		close(l->p.fd);
		SSL_CTX_free(l->tls_ctx);
		free(l);
	}
	free(set->items);
	free(set->tls);
	free(set);
}
