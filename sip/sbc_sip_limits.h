/* The SIP core's bounds (sip-config: message size, header count,
 * connections, TLS handshakes, sec-agree associations): the values of the
 * running snapshot, copied by the apply hook's commit into atomics the loop
 * reads per event, and the refusals every limit shares (answer, log line
 * at most once a second per limit, counter). */
#ifndef SBC_SIP_LIMITS_H
#define SBC_SIP_LIMITS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <osipparser2/osip_parser.h>

#include "sbc_cfg_model.h"
#include "sbc_sip_stats.h"

struct sbc_sip_core;
struct sbc_sip_source;

enum sbc_sip_limit {
	SBC_SIP_LIMIT_TRANS_EXPIRE,   /* trans-expire */
	SBC_SIP_LIMIT_MSG_LEN,        /* sip-message-len */
	SBC_SIP_LIMIT_HEADERS,        /* max-headers */
	SBC_SIP_LIMIT_CONNS,          /* max-incoming-conns */
	SBC_SIP_LIMIT_CONNS_PER_SRC,  /* per-src-ip-max-incoming-conns, 0 = none */
	SBC_SIP_LIMIT_CONN_IDLE,      /* inactive-dynamic-conn */
	SBC_SIP_LIMIT_TLS_PENDING,    /* max-pending-tls-handshakes */
	SBC_SIP_LIMIT_TLS_TIMEOUT,    /* tls-handshake-timeout */
	SBC_SIP_LIMIT_SEC_CLIENT,     /* max-security-client-entries */
	SBC_SIP_LIMIT_ASSOCS,         /* max-sec-agree-associations */
	SBC_SIP_LIMIT_PENDING_NEG,    /* max-pending-negotiations */
	SBC_SIP_LIMIT_COUNT
};

struct sbc_sip_limits {
	_Atomic uint32_t v[SBC_SIP_LIMIT_COUNT];
	/* log rate limiting, loop thread only: per refusal counter */
	time_t logged_at[SBC_SIP_STAT_COUNT];
	unsigned suppressed[SBC_SIP_STAT_COUNT];
};

/* Copy the sip-config of cfg (the snapshot being committed). */
void sbc_sip_limits_load(struct sbc_sip_limits *l, const struct sbc_cfg *cfg);

static inline uint32_t sbc_sip_limit(const struct sbc_sip_limits *l, enum sbc_sip_limit i)
{
	return atomic_load_explicit(&l->v[i], memory_order_relaxed);
}

/* Count `stat` and log the refusal, at most once a second per stat (the
 * line then says how many were not logged). Loop thread only. */
void sbc_sip_limits_refused(struct sbc_sip_core *core, enum sbc_sip_stat stat, const char *fmt,
			    ...) __attribute__((format(printf, 3, 4)));

/* Before a message goes to sbc_sip_handle_message: false when it has more
 * header fields than max-headers (a request is answered 400, on a
 * protected port and for responses it is dropped; logged and counted). */
bool sbc_sip_limits_headers_ok(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			       const char *buf, size_t len);

/* Answer the request in buf (len bytes, as received) with `code reason`,
 * when it parses well enough to be answered (a request with a Via branch).
 * 0 when an answer was sent. */
int sbc_sip_limits_answer_raw(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			      const char *buf, size_t len, int code, const char *reason);

/* Sec-agree entry points (sbc_sip_secagree.c). Each returns true when the
 * REGISTER was refused (answered, logged, counted): */
/* the Security-Client list has more than max-security-client-entries (400) */
bool sbc_sip_limits_refuse_sec_client(struct sbc_sip_core *core, const struct sbc_sip_source *src,
				      osip_message_t *req, const char *key, size_t entries);
/* a new pending association would exceed max-pending-negotiations or
 * max-sec-agree-associations (503 with Retry-After) */
bool sbc_sip_limits_refuse_negotiation(struct sbc_sip_core *core,
				       const struct sbc_sip_source *src, osip_message_t *req,
				       const char *key, const char *impu);

#define SBC_SIP_LIMITS_RETRY_AFTER "30"  /* seconds, in 503s of the limits */

#endif
