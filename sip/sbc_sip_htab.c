/* Chained hash table (see sbc_sip_htab.h): FNV-1a over the key mixed with a
 * per-table random seed; load factor kept at or under 1. */
#include "sbc_sip_htab.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

static uint32_t hash_key(uint32_t seed, const char *key)
{
	uint32_t h = 2166136261u ^ seed;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x45d9f3bu;
	h ^= h >> 16;
	return h;
}

int sbc_sip_htab_init(struct sbc_sip_htab *t)
{
	memset(t, 0, sizeof(*t));
	t->nbuckets = 64;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets)
		return -1;
	if (RAND_bytes((unsigned char *)&t->seed, sizeof t->seed) != 1)
		t->seed = 0x9e3779b9u;
	return 0;
}

void sbc_sip_htab_destroy(struct sbc_sip_htab *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->nbuckets = t->count = 0;
}

struct sbc_sip_hnode *sbc_sip_htab_find(const struct sbc_sip_htab *t, const char *key)
{
	uint32_t h = hash_key(t->seed, key);

	for (struct sbc_sip_hnode *n = t->buckets[h & (t->nbuckets - 1)]; n; n = n->next)
		if (n->hash == h && strcmp(n->key, key) == 0)
			return n;
	return NULL;
}

/* Doubling; on allocation failure the table simply stays denser. */
static void grow(struct sbc_sip_htab *t)
{
	size_t nb = t->nbuckets * 2;
	struct sbc_sip_hnode **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct sbc_sip_hnode *n = t->buckets[i], *next;
		for (; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

int sbc_sip_htab_insert(struct sbc_sip_htab *t, struct sbc_sip_hnode *node)
{
	if (t->count >= t->nbuckets)
		grow(t);
	node->hash = hash_key(t->seed, node->key);
	struct sbc_sip_hnode **b = &t->buckets[node->hash & (t->nbuckets - 1)];
	node->next = *b;
	*b = node;
	t->count++;
	return 0;
}

void sbc_sip_htab_remove(struct sbc_sip_htab *t, struct sbc_sip_hnode *node)
{
	struct sbc_sip_hnode **pp = &t->buckets[node->hash & (t->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == node) {
			*pp = node->next;
			node->next = NULL;
			t->count--;
			return;
		}
	}
}

void sbc_sip_htab_foreach(struct sbc_sip_htab *t, void (*fn)(struct sbc_sip_hnode *, void *),
			  void *arg)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct sbc_sip_hnode *n = t->buckets[i], *next;
		for (; n; n = next) {
			next = n->next;
			fn(n, arg);
		}
	}
}

static uint64_t rev64(uint64_t v)
{
	uint64_t r = 0;

	for (int i = 0; i < 64; i++, v >>= 1)
		r = (r << 1) | (v & 1);
	return r;
}

uint64_t sbc_sip_htab_next_bucket(uint64_t cursor, size_t nbuckets)
{
	return rev64(rev64(cursor | ~(uint64_t)(nbuckets - 1)) + 1);
}
