/* Outstanding authentication challenges of the embedded IMS core, keyed by
 * nonce, and the per-subscriber AKA sequence number (TS 33.102 Annex C
 * style: SEQ in the upper bits, IND 0, +32 per vector). */
#ifndef SBC_SIP_CHALLENGE_H
#define SBC_SIP_CHALLENGE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "sbc_sec_digest.h"
#include "sbc_sip_htab.h"

#define SBC_SIP_CHAL_TTL 120      /* seconds a nonce stays valid */
#define SBC_SIP_CHAL_MAX 200000   /* outstanding challenges */

struct sbc_sip_chal {
	struct sbc_sip_hnode node;    /* node.key is the nonce */
	struct sbc_sip_chal *fifo_next;
	time_t expires;
	bool aka;
	bool consumed;                /* no longer findable; freed by expiry */
	uint32_t last_nc;             /* Digest: highest nonce-count seen */
	struct sbc_sec_aka_vector vec;/* AKA only */
	const char *impi;
	char strings[];               /* nonce, impi */
};

struct sbc_sip_challenges;

struct sbc_sip_challenges *sbc_sip_chal_new(void);
void sbc_sip_chal_free(struct sbc_sip_challenges *cs);
/* A new Digest MD5 challenge (random nonce), or NULL (table full). */
const struct sbc_sip_chal *sbc_sip_chal_digest(struct sbc_sip_challenges *cs, const char *impi,
					       time_t now);
/* A new AKA challenge: fresh RAND, the subscriber's next SQN. */
const struct sbc_sip_chal *sbc_sip_chal_aka(struct sbc_sip_challenges *cs, const char *impi,
					    const struct sbc_sec_aka_subscriber *sub, time_t now);
/* The live challenge with this nonce, or NULL. */
struct sbc_sip_chal *sbc_sip_chal_find(struct sbc_sip_challenges *cs, const char *nonce,
				       time_t now);
/* One-time use (AKA vectors, failed attempts). */
void sbc_sip_chal_consume(struct sbc_sip_challenges *cs, struct sbc_sip_chal *c);
/* After a valid AUTS: continue from SQN_MS (the next vector uses SQN_MS + 32). */
void sbc_sip_chal_resync(struct sbc_sip_challenges *cs, const char *impi, const uint8_t sqn_ms[6]);
/* Outstanding challenges. */
size_t sbc_sip_chal_count(const struct sbc_sip_challenges *cs);
void sbc_sip_chal_expire(struct sbc_sip_challenges *cs, time_t now);

#endif
