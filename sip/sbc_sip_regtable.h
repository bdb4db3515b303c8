/* Registration bindings of the embedded registrar, keyed by AoR (one
 * contact per AoR: a newer REGISTER for the AoR replaces the binding).
 * One allocation per binding, strings inline, sized so 1,000,000 bindings
 * fit in well under 1 KiB each. Not thread-safe: the registrar locks. */
#ifndef SBC_SIP_REGTABLE_H
#define SBC_SIP_REGTABLE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sbc_sip_htab.h"

/* The Authorization integrity-protected values of TS 24.229 7.2A.2 that
 * the P-CSCF passed to the core, kept as one byte per binding. */
enum sbc_sip_integrity {
	SBC_SIP_INTEGRITY_ABSENT, SBC_SIP_INTEGRITY_NO, SBC_SIP_INTEGRITY_YES,
	SBC_SIP_INTEGRITY_TLS_PENDING, SBC_SIP_INTEGRITY_TLS_YES,
	SBC_SIP_INTEGRITY_IP_ASSOC_PENDING, SBC_SIP_INTEGRITY_IP_ASSOC_YES,
	SBC_SIP_INTEGRITY_AUTH_DONE, SBC_SIP_INTEGRITY_OTHER,
};
/* NULL (absent) -> ABSENT; an unknown token -> OTHER. */
enum sbc_sip_integrity sbc_sip_integrity_parse(const char *value);
const char *sbc_sip_integrity_name(enum sbc_sip_integrity v);

struct sbc_sip_reg {
	struct sbc_sip_hnode node;  /* node.key is aor */
	time_t expires;             /* absolute */
	time_t registered;          /* first registration of this binding */
	uint32_t cseq;
	uint32_t alloc_size;        /* for the slab (sbc_sip_slab.h) */
	uint8_t transport;          /* enum sbc_cfg_transport */
	uint8_t integrity;          /* enum sbc_sip_integrity */
	struct sockaddr_in6 peer;   /* UE address (sockaddr_in fits) */
	struct sockaddr_in6 local;  /* our sip-port it registered through */
	const char *aor, *contact, *call_id, *path;
	char strings[];             /* aor, contact, call_id, path, each NUL-ended */
};

/* What a binding is made of (copied by _set). */
struct sbc_sip_reg_info {
	const char *aor, *contact, *call_id, *path;
	uint32_t cseq;
	time_t expires;
	int transport;
	enum sbc_sip_integrity integrity;
	const struct sockaddr *peer, *local;
	socklen_t peer_len, local_len;
};

struct sbc_sip_regtable;

struct sbc_sip_regtable *sbc_sip_regtable_new(void);
void sbc_sip_regtable_free(struct sbc_sip_regtable *t);
/* Insert or replace the binding of in->aor (a refresh keeps `registered`).
 * 0 / -1. */
int sbc_sip_regtable_set(struct sbc_sip_regtable *t, const struct sbc_sip_reg_info *in,
			 time_t now);
/* The binding of aor if it has not expired at now, else NULL. */
const struct sbc_sip_reg *sbc_sip_regtable_get(struct sbc_sip_regtable *t, const char *aor,
					       time_t now);
/* 0 when removed, -1 when there was none. */
int sbc_sip_regtable_remove(struct sbc_sip_regtable *t, const char *aor);
/* Remove bindings expired at now; returns how many. */
size_t sbc_sip_regtable_expire(struct sbc_sip_regtable *t, time_t now);
size_t sbc_sip_regtable_count(const struct sbc_sip_regtable *t);
/* Call fn on every binding (fn must not change the table). */
void sbc_sip_regtable_foreach(struct sbc_sip_regtable *t,
			      void (*fn)(const struct sbc_sip_reg *, void *), void *arg);

#endif
