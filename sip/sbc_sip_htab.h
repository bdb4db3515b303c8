/* A string-keyed intrusive hash table with chaining, grown by doubling so
 * that a million registrations cost one pointer per bucket. Entries embed a
 * struct sbc_sip_hnode and own their key. Not thread-safe: the SIP event
 * loop is its only user. */
#ifndef SBC_SIP_HTAB_H
#define SBC_SIP_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct sbc_sip_hnode {
	struct sbc_sip_hnode *next;
	const char *key;          /* points into the entry */
	uint32_t hash;
};

struct sbc_sip_htab {
	struct sbc_sip_hnode **buckets;
	size_t nbuckets;          /* a power of two */
	size_t count;
	uint32_t seed;            /* random per table, against chosen-key chains */
};

int sbc_sip_htab_init(struct sbc_sip_htab *t);
/* Frees the bucket array only; entries must have been removed. */
void sbc_sip_htab_destroy(struct sbc_sip_htab *t);
struct sbc_sip_hnode *sbc_sip_htab_find(const struct sbc_sip_htab *t, const char *key);
/* Insert a node whose key is not in the table yet. */
int sbc_sip_htab_insert(struct sbc_sip_htab *t, struct sbc_sip_hnode *node);
void sbc_sip_htab_remove(struct sbc_sip_htab *t, struct sbc_sip_hnode *node);
/* The bucket after `cursor` among nbuckets (a power of two) in
 * reverse-binary order (Redis' SCAN): a listing paged by bucket visits no
 * bucket twice and skips none when the table doubles between two pages.
 * Start at 0; 0 again once every bucket was visited. */
uint64_t sbc_sip_htab_next_bucket(uint64_t cursor, size_t nbuckets);
/* Call fn on every node; fn may remove the node it is given. */
void sbc_sip_htab_foreach(struct sbc_sip_htab *t, void (*fn)(struct sbc_sip_hnode *, void *),
			  void *arg);

#define SBC_SIP_CONTAINER(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#endif
