/* The SIP listening sockets of a configuration: one UDP socket or TCP / TLS
 * listener per sip-port of each enabled sip-interface. A new set reuses the
 * sockets of the current one for unchanged ports, so activate-config binds
 * only what is new and closes only what was removed; a TLS listener takes
 * the new set's SSL_CTX when the set is committed. */
#ifndef SBC_SIP_LISTEN_H
#define SBC_SIP_LISTEN_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "sbc_cfg_model.h"
#include "sbc_cfg_value.h"
#include "sbc_sip_internal.h"

struct sbc_sip_listener {
	struct sbc_sip_pollable p;
	int transport;             /* enum sbc_cfg_transport */
	char address[64];
	uint16_t port;
	int refs;                  /* sets holding it */
	bool polled;               /* registered with epoll */
	struct sockaddr_storage local;
	socklen_t local_len;
	SSL_CTX *tls_ctx;          /* TLS: for new connections; changed under the core lock */
	bool protected_port;       /* an ims-aka-profile's protected port (sec-agree ipsec-3gpp) */
};

struct sbc_sip_lset {
	struct sbc_sip_listener **items;
	SSL_CTX **tls;             /* per item: the context this set gives it (TLS) */
	size_t count;
	struct sbc_sip_lset *next_retired;
};

struct sbc_sip_tls_ctxs;

/* Build the set for cfg, sharing sockets of `cur` (may be NULL); TLS ports
 * take their tls-profile's context from `tls`. Caller holds the core lock.
 * NULL with err set when a port cannot be bound. */
struct sbc_sip_lset *sbc_sip_lset_build(const struct sbc_cfg *cfg, const struct sbc_sip_lset *cur,
					const struct sbc_sip_tls_ctxs *tls,
					struct sbc_cfg_error *err);
/* Register every listener not polled yet and hand TLS listeners this set's
 * contexts (connections already open keep theirs). Caller holds the core
 * lock. 0 / -1. */
int sbc_sip_lset_poll(struct sbc_sip_lset *set, int epfd);
/* Drop a set: listeners no other set holds are removed from epoll (when
 * epfd >= 0) and closed. */
void sbc_sip_lset_release(struct sbc_sip_lset *set, int epfd);

#endif
