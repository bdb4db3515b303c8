/* MurmurHash3's 64-bit finaliser, for the hash indexes keyed by integers
 * or words (associations, the emulated SAD): every input bit reaches
 * every output bit, and it is a bijection, so distinct words never
 * collide before the bucket mask. */
#ifndef SBC_SIP_MIX_H
#define SBC_SIP_MIX_H

#include <stdint.h>

static inline uint64_t sbc_sip_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

#endif
