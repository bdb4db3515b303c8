/* Slab: one free list and one bump chunk per 64-byte size class, chunks of
 * 256 KiB from mmap. Freed objects are reused by the next allocation of
 * their class; chunks are only returned when the slab is destroyed. */
#include "sbc_sip_slab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define GRAIN 64
#define MAX_OBJECT 2048
#define CLASSES (MAX_OBJECT / GRAIN)
#define CHUNK (256 * 1024)

struct chunk {
	struct chunk *next;
};

struct free_obj {
	struct free_obj *next;
};

struct sbc_sip_slab {
	struct chunk *chunks;
	struct free_obj *free[CLASSES];
	char *bump[CLASSES];     /* next unused byte of the class's current chunk */
	char *bump_end[CLASSES];
};

struct sbc_sip_slab *sbc_sip_slab_new(void)
{
	return calloc(1, sizeof(struct sbc_sip_slab));
}

void sbc_sip_slab_destroy(struct sbc_sip_slab *slab)
{
	if (!slab)
		return;
	for (struct chunk *c = slab->chunks, *next; c; c = next) {
		next = c->next;
		munmap(c, CHUNK);
	}
	free(slab);
}

static size_t class_of(size_t size)
{
	return (size + GRAIN - 1) / GRAIN - 1;
}

void *sbc_sip_slab_alloc(struct sbc_sip_slab *slab, size_t size)
{
	if (size == 0 || size > MAX_OBJECT)
		return calloc(1, size ? size : 1);
	size_t k = class_of(size), bytes = (k + 1) * GRAIN;
	if (slab->free[k]) {
		struct free_obj *o = slab->free[k];
		slab->free[k] = o->next;
		return memset(o, 0, bytes);
	}
	if (!slab->bump[k] || slab->bump[k] + bytes > slab->bump_end[k]) {
		struct chunk *c = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED)
			return NULL;
		c->next = slab->chunks;
		slab->chunks = c;
		/* The chunk header takes the first grain; objects stay aligned. */
		slab->bump[k] = (char *)c + GRAIN;
		slab->bump_end[k] = (char *)c + CHUNK;
	}
	void *p = slab->bump[k];
	slab->bump[k] += bytes;
	return p; /* fresh mmap pages are zero */
}

void sbc_sip_slab_free(struct sbc_sip_slab *slab, void *p, size_t size)
{
	if (!p)
		return;
	if (size == 0 || size > MAX_OBJECT) {
		free(p);
		return;
	}
	size_t k = class_of(size);
	struct free_obj *o = p;
	o->next = slab->free[k];
	slab->free[k] = o;
}
