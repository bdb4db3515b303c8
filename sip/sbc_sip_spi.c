/* SPI pool: a bitmap over the range with a next-fit cursor, so a released
 * SPI is not handed out again at once (late packets of an old SA must not
 * land in a new one), and an owner slot per SPI. The slots are one
 * calloc'ed array: its pages become resident as the cursor reaches them,
 * and next-fit keeps the SPIs of recent negotiations (the ones looked up)
 * on neighbouring cache lines. Not thread-safe: the SIP core's loop owns
 * it. */
#include "sbc_sip_spi.h"

#include <stdbool.h>
#include <stdlib.h>

struct sbc_sip_spi_pool {
	uint32_t first, count, cursor;
	size_t in_use;
	uint64_t *bits;
	void **owners;
};

struct sbc_sip_spi_pool *sbc_sip_spi_pool_new(uint32_t first, uint32_t count)
{
	if (first < 256 || count < 2 || (uint64_t)first + count - 1 > UINT32_MAX)
		return NULL;
	struct sbc_sip_spi_pool *pool = calloc(1, sizeof *pool);
	if (!pool || !(pool->bits = calloc((count + 63) / 64, sizeof *pool->bits)) ||
	    !(pool->owners = calloc(count, sizeof *pool->owners))) {
		if (pool)
			free(pool->bits);
		free(pool);
		return NULL;
	}
	pool->first = first;
	pool->count = count;
	return pool;
}

void sbc_sip_spi_pool_free(struct sbc_sip_spi_pool *pool)
{
	if (pool) {
		free(pool->bits);
		free(pool->owners);
		free(pool);
	}
}

static bool taken(const struct sbc_sip_spi_pool *pool, uint32_t i)
{
	return pool->bits[i / 64] >> (i % 64) & 1;
}

static void set(struct sbc_sip_spi_pool *pool, uint32_t i, bool on)
{
	if (on)
		pool->bits[i / 64] |= UINT64_C(1) << (i % 64);
	else
		pool->bits[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

static bool allocated(const struct sbc_sip_spi_pool *pool, uint32_t spi)
{
	return spi >= pool->first && spi - pool->first < pool->count && taken(pool, spi - pool->first);
}

/* The next free index from the cursor whose SPI is not avoided. */
static int find_free(struct sbc_sip_spi_pool *pool, uint32_t avoid_a, uint32_t avoid_b,
		     uint32_t *index)
{
	for (uint32_t n = 0; n < pool->count; n++) {
		uint32_t i = (pool->cursor + n) % pool->count;
		uint32_t spi = pool->first + i;
		if (taken(pool, i) || spi == avoid_a || spi == avoid_b)
			continue;
		*index = i;
		pool->cursor = (i + 1) % pool->count;
		return 0;
	}
	return -1;
}

int sbc_sip_spi_alloc_pair(struct sbc_sip_spi_pool *pool, uint32_t avoid_a, uint32_t avoid_b,
			   uint32_t *spi_c, uint32_t *spi_s)
{
	uint32_t c, s, cursor = pool->cursor;
	if (find_free(pool, avoid_a, avoid_b, &c) != 0)
		return -1;
	set(pool, c, true);
	if (find_free(pool, avoid_a, avoid_b, &s) != 0) {
		set(pool, c, false); /* nothing leaks on failure */
		pool->cursor = cursor;
		return -1;
	}
	set(pool, s, true);
	pool->in_use += 2;
	*spi_c = pool->first + c;
	*spi_s = pool->first + s;
	return 0;
}

int sbc_sip_spi_release(struct sbc_sip_spi_pool *pool, uint32_t spi)
{
	if (!allocated(pool, spi))
		return -1;
	set(pool, spi - pool->first, false);
	pool->owners[spi - pool->first] = NULL;
	pool->in_use--;
	return 0;
}

void sbc_sip_spi_set_owner(struct sbc_sip_spi_pool *pool, uint32_t spi, void *owner)
{
	if (allocated(pool, spi))
		pool->owners[spi - pool->first] = owner;
}

void *sbc_sip_spi_owner(const struct sbc_sip_spi_pool *pool, uint32_t spi)
{
	return allocated(pool, spi) ? pool->owners[spi - pool->first] : NULL;
}

size_t sbc_sip_spi_in_use(const struct sbc_sip_spi_pool *pool)
{
	return pool->in_use;
}
