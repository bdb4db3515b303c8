/* The ims-subscribers of a running configuration hashed by IMPI and by
 * IMPU, built when a configuration is applied, so the registrar finds a
 * subscriber in O(1) instead of scanning them all on every REGISTER.
 * Immutable once built. It maps identities to positions in the element's
 * list and owns copies of its keys, so it serves every later snapshot whose
 * ims-subscribers carry the same identities in the same order
 * (sbc_sip_subindex_fits): an activate-config that changed other elements,
 * or only a subscriber's password or keys, reuses it. */
#ifndef SBC_SIP_SUBINDEX_H
#define SBC_SIP_SUBINDEX_H

#include <stdbool.h>

#include "sbc_cfg_model.h"

struct sbc_sip_subindex;

/* Index the subscribers of cfg; NULL when out of memory. */
struct sbc_sip_subindex *sbc_sip_subindex_build(const struct sbc_cfg *cfg);
/* Frees idx and every index chained behind it (sbc_sip_subindex_chain).
 * Reads no snapshot. NULL is allowed. */
void sbc_sip_subindex_free(struct sbc_sip_subindex *idx);
/* Put idx at the head of the chain *list (indexes waiting to be freed). */
void sbc_sip_subindex_chain(struct sbc_sip_subindex **list, struct sbc_sip_subindex *idx);
/* Whether idx answers for cfg: the same number of ims-subscribers, each
 * with the same IMPI and the same IMPUs (ignoring case) in the same order.
 * O(subscribers), string compares only. */
bool sbc_sip_subindex_fits(const struct sbc_sip_subindex *idx, const struct sbc_cfg *cfg);

/* Lookups return the subscriber object of cfg, which must fit idx.
 * Exact match, as the Digest username is compared. */
const struct sbc_cfg_ims_subscriber *sbc_sip_subindex_by_impi(const struct sbc_sip_subindex *idx,
							      const struct sbc_cfg *cfg,
							      const char *impi);
/* Case-insensitive match of a whole public identity ("sip:user@host",
 * "tel:+1..."). When several subscribers list the same IMPI or IMPU, the
 * first in configuration order wins, as a scan of the list would. */
const struct sbc_cfg_ims_subscriber *sbc_sip_subindex_by_impu(const struct sbc_sip_subindex *idx,
							      const struct sbc_cfg *cfg,
							      const char *impu);

#endif
