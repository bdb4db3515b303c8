/* What the SIP core's files share: the core object, the objects the event
 * loop polls, and where a message came from so the answer goes back the
 * same way (RFC 3261 18.2.2). Only the event-loop thread touches these,
 * except the listener sets, which the apply hook swaps under `lock`. */
#ifndef SBC_SIP_INTERNAL_H
#define SBC_SIP_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "sbc_sip_limits.h"

/* The buffers' size: the largest sip-message-len allows. The configured
 * limits themselves are in core->limits (sbc_sip_limits.h). */
#define SBC_SIP_MAX_MSG 65535

enum sbc_sip_poll_kind { SBC_SIP_POLL_WAKE, SBC_SIP_POLL_UDP, SBC_SIP_POLL_TCP_LISTEN, SBC_SIP_POLL_CONN,
			 SBC_SIP_POLL_UPLINK /* our socket toward a session-agent */ };

/* First member of everything registered with epoll. */
struct sbc_sip_pollable {
	enum sbc_sip_poll_kind kind;
	int fd;
};

struct sbc_sip_source {
	int transport;            /* enum sbc_cfg_transport */
	int fd;                   /* UDP socket, or the TCP connection's socket */
	uint64_t conn_id;         /* TCP: which connection (fd numbers get reused) */
	bool protected_port;      /* an ims-aka-profile's port-c / port-s (ipsec-3gpp SAs) */
	struct sockaddr_storage peer, local;
	socklen_t peer_len, local_len;
};

struct sbc_sip_lset;
struct sbc_sip_conns;
struct sbc_sip_txn;
struct sbc_sip_registrar;
struct sbc_sip_agent;
struct sbc_sip_stats;
struct sbc_sip_assocs;
struct sbc_sip_spi_pool;
struct sbc_sip_sa_backend;
struct sbc_core_store;
struct sbc_cfg_error;

struct sbc_sip_core {
	struct sbc_core_store *store;
	int epfd;
	struct sbc_sip_pollable wake;   /* eventfd: stop, or retired listener sets */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	struct sbc_sip_lset *active;    /* listening now */
	struct sbc_sip_lset *prepared;  /* built by prepare(), not yet committed */
	struct sbc_sip_lset *retired;   /* replaced, to be closed by the loop */
	bool stopping;
	struct sbc_sip_conns *conns;
	struct sbc_sip_txn *txn;
	size_t transient_peak;      /* cached responses + challenges since the last trim */
	struct sbc_sip_registrar *registrar;
	struct sbc_sip_agent *agent;      /* external core (sbc_sip_agent.h) */
	struct sbc_sip_stats *stats;      /* counters, read by the ACLI (sbc_sip_stats.h) */
	struct sbc_sip_assocs *assocs;    /* sec-agree associations (sbc_sip_assoc.h) */
	struct sbc_sip_spi_pool *spi_pool;      /* P-CSCF SPIs (sbc_sip_spi.h) */
	struct sbc_sip_sa_backend *sa_backend;  /* ipsec-3gpp SAs (sbc_sip_sa.h) */
	struct sbc_sip_limits limits;     /* sip-config of the running snapshot */
	struct timespec apply_start;      /* prepare() of the activation in progress */
	/* The TLS contexts of the active and the prepared listener sets, kept
	 * so that an activate-config shares the unchanged ones (apply hook). */
	struct sbc_sip_tls_ctxs *tls_active, *tls_prepared;
	bool apply_index_built;           /* prepare() built a new subscriber index */
	char *udp_buf;                  /* SBC_SIP_MAX_MSG + 1 bytes, loop thread only */
	/* When set, sbc_sip_send hands every message to this instead of a
	 * socket: the fuzz targets drive the P-CSCF without any (fuzz/). */
	int (*send_sink)(void *ctx, const struct sbc_sip_source *src, const char *buf, size_t len);
	void *send_sink_ctx;
};

/* The SIP core's state without its thread, sockets and apply hook (what
 * sbc_sip_core_start builds on): the fuzz targets feed it messages through
 * sbc_sip_handle_message and collect what it sends through send_sink. The
 * SPI pool is sized and the limits loaded from the running configuration;
 * the registrar's subscriber index is left to the caller. NULL with err. */
struct sbc_sip_core *sbc_sip_core_new_detached(struct sbc_core_store *store,
					       struct sbc_cfg_error *err);
void sbc_sip_core_free_detached(struct sbc_sip_core *core);

/* Send on the socket / connection the request came from. 0 / -1. */
int sbc_sip_send(struct sbc_sip_core *core, const struct sbc_sip_source *src, const char *buf,
		 size_t len);

/* One complete message from a UE (UDP datagram or framed TCP message). */
void sbc_sip_handle_message(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			    const char *buf, size_t len);

/* "udp:127.0.0.1:5060" style text for logs, into buf. */
const char *sbc_sip_addr_str(const struct sockaddr_storage *ss, char *buf, size_t size);

#endif
