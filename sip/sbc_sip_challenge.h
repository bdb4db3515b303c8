/* Outstanding authentication challenges of the embedded IMS core, keyed by
 * nonce, and the per-subscriber AKA sequence number (TS 33.102 Annex C
 * style: SEQ in the upper bits, IND 0, +32 per vector).
 *
 * A challenge is pending until answered. An AKA challenge (RAND / AUTN) is
 * good for one authentication: answered or refused, it is consumed (freed).
 * A Digest nonce answered correctly stays usable for refreshes with a
 * higher nonce-count (RFC 2617 3.2.2; the test UE and sipp refresh that
 * way) until it expires, but it no longer counts against the pending
 * bound: answered nonces have their own bound, past which the oldest
 * answered one is dropped (its next use earns a 401 stale=TRUE). */
#ifndef SBC_SIP_CHALLENGE_H
#define SBC_SIP_CHALLENGE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "sbc_sec_digest.h"
#include "sbc_sip_htab.h"

#define SBC_SIP_CHAL_MAX 200000   /* pending (unanswered) challenges */
#define SBC_SIP_CHAL_ANSWERED_MAX 100000 /* answered Digest nonces kept for refreshes */

struct sbc_sip_chal {
	struct sbc_sip_hnode node;    /* node.key is the nonce */
	struct sbc_sip_chal *prev, *next; /* in the pending or the answered list */
	time_t expires;
	bool aka;
	bool answered;                /* Digest, answered correctly: kept for refreshes */
	uint32_t last_nc;             /* Digest: highest nonce-count seen */
	struct sbc_sec_aka_vector vec;/* AKA only */
	const char *impi;
	char strings[];               /* nonce, impi */
};

struct sbc_sip_challenges;

struct sbc_sip_challenges *sbc_sip_chal_new(void);
void sbc_sip_chal_free(struct sbc_sip_challenges *cs);
/* A new Digest MD5 challenge (random nonce) valid for ttl seconds (ims-core
 * nonce-lifetime), or NULL (table full). */
const struct sbc_sip_chal *sbc_sip_chal_digest(struct sbc_sip_challenges *cs, const char *impi,
					       time_t now, unsigned ttl);
/* A new AKA challenge: fresh RAND, the subscriber's next SQN. */
const struct sbc_sip_chal *sbc_sip_chal_aka(struct sbc_sip_challenges *cs, const char *impi,
					    const struct sbc_sec_aka_subscriber *sub, time_t now,
					    unsigned ttl);
/* The live challenge with this nonce, or NULL. */
struct sbc_sip_chal *sbc_sip_chal_find(struct sbc_sip_challenges *cs, const char *nonce,
				       time_t now);
/* Spent (AKA vectors, failed attempts): removed and freed; c is invalid
 * afterwards. */
void sbc_sip_chal_consume(struct sbc_sip_challenges *cs, struct sbc_sip_chal *c);
/* A Digest challenge answered correctly: kept for refreshes (bounded by
 * SBC_SIP_CHAL_ANSWERED_MAX), no longer pending. */
void sbc_sip_chal_answered(struct sbc_sip_challenges *cs, struct sbc_sip_chal *c);
/* After a valid AUTS: continue from SQN_MS (the next vector uses SQN_MS + 32). */
void sbc_sip_chal_resync(struct sbc_sip_challenges *cs, const char *impi, const uint8_t sqn_ms[6]);
/* Challenges held (pending and answered). */
size_t sbc_sip_chal_count(const struct sbc_sip_challenges *cs);
/* Pending (unanswered) challenges: what SBC_SIP_CHAL_MAX bounds. */
size_t sbc_sip_chal_pending(const struct sbc_sip_challenges *cs);
void sbc_sip_chal_expire(struct sbc_sip_challenges *cs, time_t now);

#endif
