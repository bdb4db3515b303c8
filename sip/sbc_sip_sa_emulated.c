/* The emulated SA backend: an SAD in memory, indexed by SPI+destination for
 * deletion and by the selector (source and destination address and port)
 * for the inbound check the protected sockets make on every message. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_sip_sa.h"

struct entry {
	struct sbc_sip_sa sa;
	struct entry *next_by_selector, *next_by_spi;
};

struct emulated {
	pthread_mutex_t lock;
	size_t max, count, nbuckets;
	struct entry **by_selector, **by_spi;
};

bool sbc_sip_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
	}
	return false;
}

/* FNV-1a over the address bytes and port of a sockaddr. */
static uint64_t hash_addr(uint64_t h, const struct sockaddr *sa)
{
	const uint8_t *p = NULL;
	size_t len = 0;
	uint16_t port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		p = (const uint8_t *)&in->sin_addr;
		len = sizeof in->sin_addr;
		port = in->sin_port;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		p = (const uint8_t *)&in6->sin6_addr;
		len = sizeof in6->sin6_addr;
		port = in6->sin6_port;
	}
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h = (h ^ (port & 0xff)) * 0x100000001b3ULL;
	return (h ^ (port >> 8)) * 0x100000001b3ULL;
}

static size_t selector_bucket(const struct emulated *e, const struct sockaddr *src,
			      const struct sockaddr *dst)
{
	return hash_addr(hash_addr(0xcbf29ce484222325ULL, src), dst) % e->nbuckets;
}

static size_t spi_bucket(const struct emulated *e, uint32_t spi, const struct sockaddr *dst)
{
	return hash_addr(0xcbf29ce484222325ULL ^ spi, dst) % e->nbuckets;
}

static struct entry *find_selector(struct emulated *e, const struct sockaddr *src,
				   const struct sockaddr *dst)
{
	for (struct entry *n = e->by_selector[selector_bucket(e, src, dst)]; n; n = n->next_by_selector)
		if (sbc_sip_sockaddr_equal((const void *)&n->sa.src, src) &&
		    sbc_sip_sockaddr_equal((const void *)&n->sa.dst, dst))
			return n;
	return NULL;
}

static struct entry **find_spi(struct emulated *e, uint32_t spi, const struct sockaddr *dst)
{
	for (struct entry **p = &e->by_spi[spi_bucket(e, spi, dst)]; *p; p = &(*p)->next_by_spi)
		if ((*p)->sa.spi == spi && sbc_sip_sockaddr_equal((const void *)&(*p)->sa.dst, dst))
			return p;
	return NULL;
}

static int emu_add(void *impl, const struct sbc_sip_sa *sa, char *err, size_t errlen)
{
	struct emulated *e = impl;
	const struct sockaddr *src = (const void *)&sa->src, *dst = (const void *)&sa->dst;
	int rc = -1;
	pthread_mutex_lock(&e->lock);
	if (e->count >= e->max)
		snprintf(err, errlen, "the SA database is full (%zu SAs)", e->max);
	else if (find_spi(e, sa->spi, dst))
		snprintf(err, errlen, "SPI %u is already in use toward that address", sa->spi);
	else if (find_selector(e, src, dst))
		snprintf(err, errlen, "an SA with the same addresses and ports exists");
	else
		rc = 0;
	struct entry *n = rc == 0 ? calloc(1, sizeof *n) : NULL;
	if (rc == 0 && !n) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	if (n) {
		n->sa = *sa;
		size_t s = selector_bucket(e, src, dst), k = spi_bucket(e, sa->spi, dst);
		n->next_by_selector = e->by_selector[s];
		e->by_selector[s] = n;
		n->next_by_spi = e->by_spi[k];
		e->by_spi[k] = n;
		e->count++;
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

static int emu_del(void *impl, uint32_t spi, const struct sockaddr *dst)
{
	struct emulated *e = impl;
	pthread_mutex_lock(&e->lock);
	struct entry **p = find_spi(e, spi, dst);
	struct entry *n = p ? *p : NULL;
	if (n) {
		*p = n->next_by_spi;
		struct entry **q = &e->by_selector[selector_bucket(e, (const void *)&n->sa.src,
								   (const void *)&n->sa.dst)];
		while (*q != n)
			q = &(*q)->next_by_selector;
		*q = n->next_by_selector;
		e->count--;
	}
	pthread_mutex_unlock(&e->lock);
	if (!n)
		return -1;
	sbc_sec_esp_keys_wipe(&n->sa.keys);
	free(n);
	return 0;
}

static uint32_t emu_lookup_inbound(void *impl, const struct sockaddr *src, const struct sockaddr *dst)
{
	struct emulated *e = impl;
	pthread_mutex_lock(&e->lock);
	struct entry *n = find_selector(e, src, dst);
	uint32_t spi = n && n->sa.inbound ? n->sa.spi : 0;
	pthread_mutex_unlock(&e->lock);
	return spi;
}

static size_t emu_list(void *impl, struct sbc_sip_sa_view *out, size_t max)
{
	struct emulated *e = impl;
	size_t n = 0;
	pthread_mutex_lock(&e->lock);
	for (size_t b = 0; b < e->nbuckets && n < max; b++)
		for (struct entry *x = e->by_spi[b]; x && n < max; x = x->next_by_spi) {
			struct sbc_sip_sa_view *v = &out[n++];
			v->spi = x->sa.spi;
			v->src = x->sa.src;
			v->dst = x->sa.dst;
			memcpy(v->alg, x->sa.alg, sizeof v->alg);
			memcpy(v->ealg, x->sa.ealg, sizeof v->ealg);
			v->inbound = x->sa.inbound;
		}
	pthread_mutex_unlock(&e->lock);
	return n;
}

static size_t emu_count(void *impl)
{
	struct emulated *e = impl;
	pthread_mutex_lock(&e->lock);
	size_t n = e->count;
	pthread_mutex_unlock(&e->lock);
	return n;
}

static void emu_free(void *impl)
{
	struct emulated *e = impl;
	for (size_t b = 0; b < e->nbuckets; b++)
		for (struct entry *n = e->by_spi[b], *next; n; n = next) {
			next = n->next_by_spi;
			sbc_sec_esp_keys_wipe(&n->sa.keys);
			free(n);
		}
	free(e->by_selector);
	free(e->by_spi);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static const struct sbc_sip_sa_ops emulated_ops = {
	.add = emu_add, .del = emu_del, .lookup_inbound = emu_lookup_inbound,
	.list = emu_list, .count = emu_count, .free = emu_free,
};

struct sbc_sip_sa_backend *sbc_sip_sa_emulated_new(size_t max_sas)
{
	struct sbc_sip_sa_backend *b = calloc(1, sizeof *b);
	struct emulated *e = calloc(1, sizeof *e);
	if (!b || !e || max_sas == 0)
		goto fail;
	e->max = max_sas;
	/* About one bucket per SA, bounded so a huge limit does not cost
	 * memory before SAs exist. */
	e->nbuckets = max_sas < (1u << 20) ? max_sas : (1u << 20);
	e->by_selector = calloc(e->nbuckets, sizeof *e->by_selector);
	e->by_spi = calloc(e->nbuckets, sizeof *e->by_spi);
	if (!e->by_selector || !e->by_spi)
		goto fail;
	pthread_mutex_init(&e->lock, NULL);
	*b = (struct sbc_sip_sa_backend){ .name = "emulated", .ops = &emulated_ops, .impl = e };
	return b;
fail:
	if (e) {
		free(e->by_selector);
		free(e->by_spi);
	}
	free(e);
	free(b);
	return NULL;
}

void sbc_sip_sa_backend_free(struct sbc_sip_sa_backend *b)
{
	if (b) {
		b->ops->free(b->impl);
		free(b);
	}
}

int sbc_sip_sa_add(struct sbc_sip_sa_backend *b, const struct sbc_sip_sa *sa, char *err,
		   size_t errlen)
{
	return b->ops->add(b->impl, sa, err, errlen);
}

int sbc_sip_sa_del(struct sbc_sip_sa_backend *b, uint32_t spi, const struct sockaddr *dst)
{
	return b->ops->del(b->impl, spi, dst);
}

uint32_t sbc_sip_sa_lookup_inbound(struct sbc_sip_sa_backend *b, const struct sockaddr *src,
				   const struct sockaddr *dst)
{
	return b->ops->lookup_inbound(b->impl, src, dst);
}

size_t sbc_sip_sa_list(struct sbc_sip_sa_backend *b, struct sbc_sip_sa_view *out, size_t max)
{
	return b->ops->list(b->impl, out, max);
}

size_t sbc_sip_sa_count(struct sbc_sip_sa_backend *b)
{
	return b->ops->count(b->impl);
}
