/* TCP and TLS connections from UEs: accept (TLS: a non-blocking handshake
 * under a bound on pending handshakes and a timeout), read with framing by
 * Content-Length (RFC 3261 18.3) under a bounded buffer, write with a
 * bounded backlog, idle close. Responses go back over the connection the
 * request used. */
#ifndef SBC_SIP_CONN_H
#define SBC_SIP_CONN_H

#include <stdint.h>
#include <time.h>

#include "sbc_sip_internal.h"

struct sbc_sip_listener;

struct sbc_sip_conns *sbc_sip_conns_new(void);
/* Close every connection. */
void sbc_sip_conns_free(struct sbc_sip_conns *conns, int epfd);
void sbc_sip_conns_accept(struct sbc_sip_core *core, struct sbc_sip_listener *l);
/* A readiness event for a connection. */
void sbc_sip_conns_event(struct sbc_sip_core *core, struct sbc_sip_pollable *p, uint32_t events);
/* Queue bytes on connection `id` (which must still be open on fd). */
int sbc_sip_conns_send(struct sbc_sip_core *core, int fd, uint64_t id, const char *buf, size_t len);
/* Close connections idle for longer than inactive-dynamic-conn, TLS
 * handshakes older than tls-handshake-timeout (sip-config), and lingering
 * ones (answered 513) that had their time. */
void sbc_sip_conns_sweep(struct sbc_sip_core *core, time_t now);

/* Framing: the length of the first complete message in buf, after
 * skipping leading CRLF keep-alives (*skip). 0: need more bytes; -1: the
 * stream is broken (why says how) and must be closed. */
long sbc_sip_frame(const char *buf, size_t len, size_t *skip, const char **why);
/* The same under a size bound max (<= SBC_SIP_MAX_MSG), and -2 when the
 * message is larger than max but its header block (*hlen bytes after
 * *skip) is whole, so the request can be answered 513. */
long sbc_sip_frame_max(const char *buf, size_t len, size_t max, size_t *skip, size_t *hlen,
		       const char **why);

#endif
