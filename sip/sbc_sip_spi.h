/* The P-CSCF's SPI pool for ipsec-3gpp: SPIs are allocated in pairs
 * (spi-c, spi-s), never equal to the UE's own SPIs of the same association,
 * released exactly once, and the pool's exhaustion is reported so the
 * P-CSCF can answer a clear 5xx instead of reusing a live SPI. */
#ifndef SBC_SIP_SPI_H
#define SBC_SIP_SPI_H

#include <stddef.h>
#include <stdint.h>

struct sbc_sip_spi_pool;

/* SPIs first .. first + count - 1; first must be >= 256 (RFC 4303 reserves
 * 1-255). NULL on bad arguments or allocation failure. */
struct sbc_sip_spi_pool *sbc_sip_spi_pool_new(uint32_t first, uint32_t count);
void sbc_sip_spi_pool_free(struct sbc_sip_spi_pool *pool);

/* Two free SPIs, neither equal to avoid_a or avoid_b (the UE's spi-c and
 * spi-s). 0, or -1 when the pool is exhausted. */
int sbc_sip_spi_alloc_pair(struct sbc_sip_spi_pool *pool, uint32_t avoid_a, uint32_t avoid_b,
			   uint32_t *spi_c, uint32_t *spi_s);
/* Return an SPI; -1 if it was not allocated (a double release). */
int sbc_sip_spi_release(struct sbc_sip_spi_pool *pool, uint32_t spi);
size_t sbc_sip_spi_in_use(const struct sbc_sip_spi_pool *pool);

/* What an allocated SPI belongs to (the association whose inbound SA it
 * names): one slot per SPI of the pool, so the lookup on every protected
 * message is one array read. Setting it on an SPI that is not allocated
 * does nothing; a release clears it. */
void sbc_sip_spi_set_owner(struct sbc_sip_spi_pool *pool, uint32_t spi, void *owner);
/* NULL for an SPI outside the pool, free, or without an owner. */
void *sbc_sip_spi_owner(const struct sbc_sip_spi_pool *pool, uint32_t spi);

#endif
