/* A size-class allocator for long-lived objects (registration bindings,
 * the emulated SAD's SAs), 64-byte aligned.
 * They come from chunks mapped apart from the malloc heap, so they never
 * pin heap pages that the short-lived allocations of message handling
 * free again; malloc_trim can then return those pages, and resident memory
 * per registration stays what the bindings need. Not thread-safe: the
 * owner's lock covers it. */
#ifndef SBC_SIP_SLAB_H
#define SBC_SIP_SLAB_H

#include <stddef.h>

struct sbc_sip_slab;

struct sbc_sip_slab *sbc_sip_slab_new(void);
/* Unmaps every chunk; objects still allocated are gone with them. */
void sbc_sip_slab_destroy(struct sbc_sip_slab *slab);
/* Zeroed memory of `size` bytes (objects over 2 KiB come from malloc). */
void *sbc_sip_slab_alloc(struct sbc_sip_slab *slab, size_t size);
/* Give back an object with the size it was allocated with. */
void sbc_sip_slab_free(struct sbc_sip_slab *slab, void *p, size_t size);

#endif
