/* Counters of the SIP core for `show registration` and `show sipd status`.
 * Written by the SIP thread, read by ACLI threads: every field is a relaxed
 * atomic, so a reader sees each counter whole (not a consistent set, which
 * the real SBC's periodic counters do not promise either). */
#ifndef SBC_SIP_STATS_H
#define SBC_SIP_STATS_H

#include <stdatomic.h>
#include <stdint.h>

enum sbc_sip_stat {
	/* registrations (show registration) */
	SBC_SIP_STAT_REG_TOTAL,        /* bindings created */
	SBC_SIP_STAT_REG_HIGH,         /* most bindings at once */
	SBC_SIP_STAT_REG_FORWARDS,     /* REGISTERs forwarded to a core */
	SBC_SIP_STAT_REG_REFRESHES,    /* bindings refreshed */
	SBC_SIP_STAT_REG_REJECTS,      /* REGISTERs answered >= 300 other than 401 */
	SBC_SIP_STAT_REG_TIMEOUTS,     /* REGISTERs the external core did not answer */
	SBC_SIP_STAT_REG_DEREGS,
	SBC_SIP_STAT_REG_EXPIRED,
	/* sipd status */
	SBC_SIP_STAT_REQ_IN,           /* requests received from UEs */
	SBC_SIP_STAT_RESP_OUT,         /* responses sent to UEs */
	SBC_SIP_STAT_RETRANS,          /* retransmissions absorbed */
	SBC_SIP_STAT_MALFORMED,        /* dropped or answered 400 */
	SBC_SIP_STAT_OTHER_FWD,        /* non-REGISTER requests forwarded */
	SBC_SIP_STAT_UNREG_REJECT,     /* 403: source not registered */
	SBC_SIP_STAT_CANCELS,          /* CANCELs that found their request */
	SBC_SIP_STAT_CANCEL_481,       /* CANCELs that did not */
	SBC_SIP_STAT_TXN_TIMEOUTS,     /* 408 after the external core's silence */
	SBC_SIP_STAT_AGENT_OUT,        /* requests sent to the session-agent */
	SBC_SIP_STAT_AGENT_IN,         /* responses from the session-agent */
	SBC_SIP_STAT_AUTS_RESYNC,      /* valid AUTS: SQN resynchronised */
	SBC_SIP_STAT_AUTS_BAD,         /* AUTS that failed MAC-S */
	/* sec-agree (show sec-agree counters) */
	SBC_SIP_STAT_SA_NEG_TLS,       /* negotiations that chose tls */
	SBC_SIP_STAT_SA_NEG_IPSEC,     /* negotiations that chose ipsec-3gpp */
	SBC_SIP_STAT_SA_TLS_PRIOR,     /* TLS set up before registration */
	SBC_SIP_STAT_SA_NO_COMMON,     /* no common mechanism */
	SBC_SIP_STAT_SA_494,           /* 494 responses sent */
	SBC_SIP_STAT_SA_420,           /* 420: sec-agree-feature disabled */
	SBC_SIP_STAT_SA_VERIFY_FAIL,   /* Security-Verify / -Client check failed */
	SBC_SIP_STAT_SA_REFRESH_REJECT,/* refresh REGISTERs rejected */
	SBC_SIP_STAT_SA_UNPROTECTED_REJECT, /* requests on an unprotected port */
	SBC_SIP_STAT_SA_NOASSOC_REJECT,/* TLS / protected requests without association */
	SBC_SIP_STAT_SA_NO_SA_DROP,    /* dropped on a protected port: no inbound SA */
	SBC_SIP_STAT_SA_SPI_EXHAUSTED, /* 503: SPI pool exhausted */
	SBC_SIP_STAT_SA_INSTALL_FAIL,  /* SAs not installed (no IK/CK, backend refused) */
	/* limits (show sipd limits; sip-config, sbc_sip_limits.h) */
	SBC_SIP_STAT_LIM_CONNS,        /* connections closed at accept: max-incoming-conns */
	SBC_SIP_STAT_LIM_CONNS_SRC,    /* ... per-src-ip-max-incoming-conns */
	SBC_SIP_STAT_LIM_TLS_PENDING,  /* ... max-pending-tls-handshakes */
	SBC_SIP_STAT_LIM_TLS_TIMEOUT,  /* handshakes closed: tls-handshake-timeout */
	SBC_SIP_STAT_LIM_CONN_IDLE,    /* connections closed: inactive-dynamic-conn */
	SBC_SIP_STAT_LIM_MSG_UDP,      /* datagrams dropped: sip-message-len */
	SBC_SIP_STAT_LIM_MSG_STREAM,   /* 513 + close on TCP/TLS: sip-message-len */
	SBC_SIP_STAT_LIM_HEADERS,      /* 400 or dropped: max-headers */
	SBC_SIP_STAT_LIM_SEC_CLIENT,   /* 400: max-security-client-entries */
	SBC_SIP_STAT_LIM_ASSOCS,       /* 503: max-sec-agree-associations */
	SBC_SIP_STAT_LIM_PENDING_NEG,  /* 503: max-pending-negotiations */
	SBC_SIP_STAT_COUNT
};

struct sbc_sip_stats {
	_Atomic uint64_t v[SBC_SIP_STAT_COUNT];
	_Atomic uint64_t client_txns;  /* pending at the session-agent now */
	_Atomic uint64_t conns_open;   /* TCP + TLS connections from UEs now */
	_Atomic uint64_t tls_pending;  /* of which still in their TLS handshake */
};

static inline void sbc_sip_stat_inc(struct sbc_sip_stats *s, enum sbc_sip_stat i)
{
	atomic_fetch_add_explicit(&s->v[i], 1, memory_order_relaxed);
}

static inline uint64_t sbc_sip_stat_get(struct sbc_sip_stats *s, enum sbc_sip_stat i)
{
	return atomic_load_explicit(&s->v[i], memory_order_relaxed);
}

/* HIGH = max(HIGH, now). */
static inline void sbc_sip_stat_high(struct sbc_sip_stats *s, enum sbc_sip_stat i, uint64_t now)
{
	if (now > atomic_load_explicit(&s->v[i], memory_order_relaxed))
		atomic_store_explicit(&s->v[i], now, memory_order_relaxed);
}

#endif
