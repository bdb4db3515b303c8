/* Registration bindings of the embedded registrar, keyed by AoR (one
 * contact per AoR: a newer REGISTER for the AoR replaces the binding).
 * One allocation per binding, strings inline, sized so 1,000,000 bindings
 * fit in well under 1 KiB each. */
#ifndef SBC_SIP_REGTABLE_H
#define SBC_SIP_REGTABLE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sbc_sip_htab.h"

struct sbc_sip_reg {
	struct sbc_sip_hnode node;  /* node.key is aor */
	time_t expires;             /* absolute */
	uint32_t cseq;
	uint8_t transport;          /* enum sbc_cfg_transport */
	struct sockaddr_in6 peer;   /* UE address (sockaddr_in fits) */
	const char *aor, *contact, *call_id, *path;
	char strings[];             /* aor, contact, call_id, path, each NUL-ended */
};

struct sbc_sip_regtable;

struct sbc_sip_regtable *sbc_sip_regtable_new(void);
void sbc_sip_regtable_free(struct sbc_sip_regtable *t);
/* Insert or replace the binding of aor. 0 / -1. */
int sbc_sip_regtable_set(struct sbc_sip_regtable *t, const char *aor, const char *contact,
			 const char *call_id, const char *path, uint32_t cseq, time_t expires,
			 int transport, const struct sockaddr *peer, socklen_t peer_len);
/* The binding of aor if it has not expired at now, else NULL. */
const struct sbc_sip_reg *sbc_sip_regtable_get(struct sbc_sip_regtable *t, const char *aor,
					       time_t now);
/* 0 when removed, -1 when there was none. */
int sbc_sip_regtable_remove(struct sbc_sip_regtable *t, const char *aor);
/* Remove bindings expired at now; returns how many. */
size_t sbc_sip_regtable_expire(struct sbc_sip_regtable *t, time_t now);
size_t sbc_sip_regtable_count(const struct sbc_sip_regtable *t);

#endif
