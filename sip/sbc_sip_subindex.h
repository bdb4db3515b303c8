/* The ims-subscribers of one running configuration hashed by IMPI and by
 * IMPU, built when that configuration is applied, so the registrar finds a
 * subscriber in O(1) instead of scanning them all on every REGISTER.
 * Immutable once built; it points into the snapshot it was built from. */
#ifndef SBC_SIP_SUBINDEX_H
#define SBC_SIP_SUBINDEX_H

#include "sbc_cfg_model.h"

struct sbc_sip_subindex;

/* Index the subscribers of cfg; NULL when out of memory. */
struct sbc_sip_subindex *sbc_sip_subindex_build(const struct sbc_cfg *cfg);
/* Frees idx and every index chained behind it (sbc_sip_subindex_chain).
 * Reads neither the snapshot nor the keys, so it is safe after the
 * snapshot itself was freed. NULL is allowed. */
void sbc_sip_subindex_free(struct sbc_sip_subindex *idx);
/* Put idx at the head of the chain *list (indexes waiting to be freed). */
void sbc_sip_subindex_chain(struct sbc_sip_subindex **list, struct sbc_sip_subindex *idx);
/* The snapshot idx was built from. */
const struct sbc_cfg *sbc_sip_subindex_cfg(const struct sbc_sip_subindex *idx);

/* Exact match, as the Digest username is compared. */
const struct sbc_cfg_ims_subscriber *sbc_sip_subindex_by_impi(const struct sbc_sip_subindex *idx,
							      const char *impi);
/* Case-insensitive match of a whole public identity ("sip:user@host",
 * "tel:+1..."). When several subscribers list the same IMPI or IMPU, the
 * first in configuration order wins, as a scan of the list would. */
const struct sbc_cfg_ims_subscriber *sbc_sip_subindex_by_impu(const struct sbc_sip_subindex *idx,
							      const char *impu);

#endif
