/* The emulated SA backend: an SAD in memory, indexed by SPI+destination for
 * deletion and by the selector (source and destination address and port)
 * for the inbound check the protected sockets make on every message.
 * An SA is one object sized to what it holds: 4-byte addresses for
 * IPv4, keys as long as the algorithms need (56 bytes for IPv4 with
 * hmac-sha-1-96 and null). The objects come from a slab of 64-byte
 * aligned grains: such an SA is one cache line (a 64-byte malloc chunk is
 * 16-byte aligned, so most straddled two, both cold when an association
 * ~500 registrations old is deleted), and SAs, which live as long as
 * registrations, stay out of the heap that message handling churns.
 * Both indexes double
 * as they fill (at most 2 SAs per bucket), so memory follows the SAs held,
 * not the configured maximum. Also the compact address helpers of
 * sbc_sip_sa.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "sbc_sip_htab.h"
#include "sbc_sip_mix.h"
#include "sbc_sip_sa.h"
#include "sbc_sip_slab.h"

/* --- compact addresses --- */

void sbc_sip_sa_addr_set(struct sbc_sip_sa_addr *out, const struct sockaddr *sa)
{
	memset(out, 0, sizeof *out);
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		out->family = AF_INET;
		out->port = ntohs(in->sin_port);
		memcpy(out->ip, &in->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		out->family = AF_INET6;
		out->port = ntohs(in6->sin6_port);
		memcpy(out->ip, &in6->sin6_addr, 16);
	}
}

void sbc_sip_sa_addr_with_port(struct sbc_sip_sa_addr *out, const struct sbc_sip_sa_addr *a,
			       uint16_t port)
{
	*out = *a;
	out->port = port;
}

void sbc_sip_sa_addr_get(const struct sbc_sip_sa_addr *a, struct sockaddr_storage *out)
{
	memset(out, 0, sizeof *out);
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)out;
		in->sin_family = AF_INET;
		in->sin_port = htons(a->port);
		memcpy(&in->sin_addr, a->ip, 4);
	} else if (a->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(a->port);
		memcpy(&in6->sin6_addr, a->ip, 16);
	}
}

bool sbc_sip_sa_addr_equal(const struct sbc_sip_sa_addr *a, const struct sbc_sip_sa_addr *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

const char *sbc_sip_sa_addr_str(const struct sbc_sip_sa_addr *a, bool with_port, char *buf,
				size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->ip, host, sizeof host))
		snprintf(buf, size, "-");
	else if (!with_port)
		snprintf(buf, size, "%s", host);
	else
		snprintf(buf, size, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, a->port);
	return buf;
}

static int parse_port(const char *text, uint16_t *port)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	if (!*text || *end || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int sbc_sip_sa_addr_parse(const char *text, struct sbc_sip_sa_addr *out, bool *has_port)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':'), *port = NULL;
	size_t n;

	memset(out, 0, sizeof *out);
	*has_port = false;
	if (*text == '[') {  /* [v6]:port */
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':')
			return -1;
		n = (size_t)(close - text - 1);
		port = close + 2;
		text++;
	} else if (colon && strchr(text, ':') == colon) {  /* v4:port */
		n = (size_t)(colon - text);
		port = colon + 1;
	} else {
		n = strlen(text);
	}
	if (n >= sizeof host)
		return -1;
	memcpy(host, text, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, out->ip) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, host, out->ip) == 1)
		out->family = AF_INET6;
	else
		return -1;
	if (port && parse_port(port, &out->port) != 0)
		return -1;
	*has_port = port != NULL;
	return 0;
}

bool sbc_sip_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	struct sbc_sip_sa_addr x, y;

	sbc_sip_sa_addr_set(&x, a);
	sbc_sip_sa_addr_set(&y, b);
	return x.family && sbc_sip_sa_addr_equal(&x, &y);
}

/* --- algorithms --- */

static const char *const alg_names[] = { "unknown", "hmac-md5-96", "hmac-sha-1-96" };
static const char *const ealg_names[] = { "unknown", "null", "aes-cbc", "des-ede3-cbc" };
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum sbc_sip_sa_alg sbc_sip_sa_alg_of(const char *name)
{
	for (size_t i = 1; name && i < COUNT(alg_names); i++)
		if (strcmp(name, alg_names[i]) == 0)
			return (enum sbc_sip_sa_alg)i;
	return SBC_SIP_SA_ALG_UNKNOWN;
}

enum sbc_sip_sa_ealg sbc_sip_sa_ealg_of(const char *name)
{
	for (size_t i = 1; name && i < COUNT(ealg_names); i++)
		if (strcmp(name, ealg_names[i]) == 0)
			return (enum sbc_sip_sa_ealg)i;
	return SBC_SIP_SA_EALG_UNKNOWN;
}

const char *sbc_sip_sa_alg_name(unsigned alg)
{
	return alg_names[alg < COUNT(alg_names) ? alg : 0];
}

const char *sbc_sip_sa_ealg_name(unsigned ealg)
{
	return ealg_names[ealg < COUNT(ealg_names) ? ealg : 0];
}

/* TS 33.203 Annex I key lengths (sbc_sec_esp_keys_derive). */
static size_t ik_len(unsigned alg)
{
	return alg == SBC_SIP_SA_HMAC_MD5_96 ? 16 : alg == SBC_SIP_SA_HMAC_SHA1_96 ? 20 : 0;
}

static size_t ck_len(unsigned ealg)
{
	return ealg == SBC_SIP_SA_AES_CBC ? 16 : ealg == SBC_SIP_SA_DES_EDE3_CBC ? 24 : 0;
}

/* --- the SAD --- */

/* data: source address, destination address (4 or 16 bytes each), the
 * integrity key, the encryption key. */
struct entry {
	struct entry *next_by_selector, *next_by_spi;
	uint32_t spi;
	uint8_t family, alg, ealg;
	bool inbound;
	uint16_t sport, dport;
	uint8_t data[];
};

struct index {
	struct entry **b;
	size_t n;                /* a power of two */
};

struct emulated {
	pthread_mutex_t lock;
	struct sbc_sip_slab *slab;  /* the entries; under lock */
	size_t max, count;
	uint64_t seed;
	struct index by_selector, by_spi;
};

static size_t ip_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static size_t entry_size(uint8_t family, unsigned alg, unsigned ealg)
{
	return sizeof(struct entry) + 2 * ip_len(family) + ik_len(alg) + ck_len(ealg);
}

static void entry_addr(const struct entry *e, bool dst, struct sbc_sip_sa_addr *out)
{
	size_t len = ip_len(e->family);

	memset(out, 0, sizeof *out);
	out->family = e->family;
	out->port = dst ? e->dport : e->sport;
	memcpy(out->ip, e->data + (dst ? len : 0), len);
}

static bool entry_is(const struct entry *e, bool dst, const struct sbc_sip_sa_addr *a)
{
	return e->family == a->family && (dst ? e->dport : e->sport) == a->port &&
	       memcmp(e->data + (dst ? ip_len(e->family) : 0), a->ip, ip_len(e->family)) == 0;
}

/* The address and port folded into h (seeded per backend): whole words,
 * not a byte at a time, since every SA added, deleted or looked up
 * hashes two addresses several times. An IPv4 address and its port fill
 * one word; IPv6 takes three mixes so that no choice of address bits can
 * cancel the port's. */
static uint64_t hash_addr(uint64_t h, const struct sbc_sip_sa_addr *a)
{
	uint64_t w[2] = { 0, 0 };

	memcpy(w, a->ip, ip_len(a->family));
	if (a->family != AF_INET6)
		return sbc_sip_mix64(h ^ w[0] ^ (uint64_t)a->port << 32);
	h = sbc_sip_mix64(h ^ w[0]);
	h = sbc_sip_mix64(h ^ w[1]);
	return sbc_sip_mix64(h ^ a->port);
}

static uint64_t selector_hash(const struct emulated *e, const struct sbc_sip_sa_addr *src,
			      const struct sbc_sip_sa_addr *dst)
{
	return hash_addr(hash_addr(e->seed, src), dst);
}

static uint64_t spi_hash(const struct emulated *e, uint32_t spi, const struct sbc_sip_sa_addr *dst)
{
	return hash_addr(e->seed ^ ((uint64_t)spi * 0x9e3779b97f4a7c15ULL), dst);
}

static uint64_t entry_hash(const struct emulated *e, const struct entry *x, bool by_spi)
{
	struct sbc_sip_sa_addr src, dst;

	entry_addr(x, false, &src);
	entry_addr(x, true, &dst);
	return by_spi ? spi_hash(e, x->spi, &dst) : selector_hash(e, &src, &dst);
}

static struct entry **next_of(struct entry *x, bool by_spi)
{
	return by_spi ? &x->next_by_spi : &x->next_by_selector;
}

/* Double an index; false on allocation failure (it simply stays denser). */
static bool grow(struct emulated *e, struct index *ix, bool by_spi)
{
	size_t n = ix->n * 2;
	struct entry **b = calloc(n, sizeof *b);

	if (!b)
		return false;
	for (size_t i = 0; i < ix->n; i++)
		for (struct entry *x = ix->b[i], *next; x; x = next) {
			next = *next_of(x, by_spi);
			size_t k = entry_hash(e, x, by_spi) & (n - 1);
			*next_of(x, by_spi) = b[k];
			b[k] = x;
		}
	free(ix->b);
	ix->b = b;
	ix->n = n;
	return true;
}

/* The SA with these addresses in the chain of hash h (selector_hash). */
static struct entry *find_selector_at(struct emulated *e, uint64_t h,
				      const struct sbc_sip_sa_addr *src,
				      const struct sbc_sip_sa_addr *dst)
{
	for (struct entry *x = e->by_selector.b[h & (e->by_selector.n - 1)]; x;
	     x = x->next_by_selector)
		if (entry_is(x, false, src) && entry_is(x, true, dst))
			return x;
	return NULL;
}

static struct entry *find_selector(struct emulated *e, const struct sbc_sip_sa_addr *src,
				   const struct sbc_sip_sa_addr *dst)
{
	return find_selector_at(e, selector_hash(e, src, dst), src, dst);
}

/* Where the link to the SA (spi, dst) is in the chain of hash h (spi_hash). */
static struct entry **find_spi_at(struct emulated *e, uint64_t h, uint32_t spi,
				  const struct sbc_sip_sa_addr *dst)
{
	for (struct entry **p = &e->by_spi.b[h & (e->by_spi.n - 1)]; *p; p = &(*p)->next_by_spi)
		if ((*p)->spi == spi && entry_is(*p, true, dst))
			return p;
	return NULL;
}

/* Why sa cannot be added (err), or NULL; sh / kh its selector and SPI
 * hashes. */
static const char *refusal(struct emulated *e, const struct sbc_sip_sa *sa, uint64_t sh,
			   uint64_t kh, char *err, size_t errlen)
{
	if ((sa->src.family != AF_INET && sa->src.family != AF_INET6) ||
	    sa->dst.family != sa->src.family)
		snprintf(err, errlen, "the SA's addresses are not of one family");
	else if (!ik_len(sa->alg) || !sa->ealg || sa->ealg > SBC_SIP_SA_DES_EDE3_CBC || !sa->keys ||
		 sa->keys->ik_len != ik_len(sa->alg) || sa->keys->ck_len != ck_len(sa->ealg))
		snprintf(err, errlen, "unsupported algorithms %s / %s", sbc_sip_sa_alg_name(sa->alg),
			 sbc_sip_sa_ealg_name(sa->ealg));
	else if (e->count >= e->max)
		snprintf(err, errlen, "the SA database is full (%zu SAs)", e->max);
	else if (find_spi_at(e, kh, sa->spi, &sa->dst))
		snprintf(err, errlen, "SPI %u is already in use toward that address", sa->spi);
	else if (find_selector_at(e, sh, &sa->src, &sa->dst))
		snprintf(err, errlen, "an SA with the same addresses and ports exists");
	else
		return NULL;
	return err;
}

static struct entry *entry_new(struct emulated *e, const struct sbc_sip_sa *sa)
{
	size_t len = ip_len(sa->src.family), ik = ik_len(sa->alg), ck = ck_len(sa->ealg);
	struct entry *x = sbc_sip_slab_alloc(e->slab, entry_size(sa->src.family, sa->alg,
								 sa->ealg));

	if (!x)
		return NULL;
	*x = (struct entry){ .spi = sa->spi, .family = sa->src.family, .alg = sa->alg,
			     .ealg = sa->ealg, .inbound = sa->inbound, .sport = sa->src.port,
			     .dport = sa->dst.port };
	memcpy(x->data, sa->src.ip, len);
	memcpy(x->data + len, sa->dst.ip, len);
	memcpy(x->data + 2 * len, sa->keys->ik, ik);
	memcpy(x->data + 2 * len + ik, sa->keys->ck, ck);
	return x;
}

static void entry_free(struct emulated *e, struct entry *x)
{
	size_t size = entry_size(x->family, x->alg, x->ealg);

	explicit_bzero(x, size);  /* the keys */
	sbc_sip_slab_free(e->slab, x, size);
}

static void link_entry(struct emulated *e, struct entry *x, uint64_t sh, uint64_t kh)
{
	size_t s = sh & (e->by_selector.n - 1), k = kh & (e->by_spi.n - 1);

	x->next_by_selector = e->by_selector.b[s];
	e->by_selector.b[s] = x;
	x->next_by_spi = e->by_spi.b[k];
	e->by_spi.b[k] = x;
	e->count++;
}

/* Unlink and free the SA at *at (its link in the SPI chain); sh its
 * selector hash. */
static void drop_entry(struct emulated *e, struct entry **at, uint64_t sh)
{
	struct entry *x = *at, **q = &e->by_selector.b[sh & (e->by_selector.n - 1)];

	*at = x->next_by_spi;
	while (*q != x)
		q = &(*q)->next_by_selector;
	*q = x->next_by_selector;
	e->count--;
	entry_free(e, x);
}

/* An association's 4 SAs are added or deleted together, ~500
 * registrations after anything near them was last touched: each chain
 * step is a cache miss, one after the other (~40 % of the negotiation's
 * time in a perf profile). Loading the buckets, then the chains' first
 * and second entries, for all of them at once overlaps those misses. */
static void prefetch_chains(struct emulated *e, const uint64_t *sh, const uint64_t *kh, size_t n)
{
	struct entry **at[2 * SBC_SIP_SA_BATCH];
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		at[m++] = &e->by_spi.b[kh[i] & (e->by_spi.n - 1)];
		at[m++] = &e->by_selector.b[sh[i] & (e->by_selector.n - 1)];
	}
	for (size_t i = 0; i < m; i++)
		__builtin_prefetch(at[i]);
	for (size_t i = 0; i < m; i++)
		if (*at[i])
			__builtin_prefetch(*at[i]);
	for (size_t i = 0; i < m; i++) {
		struct entry *x = *at[i];
		struct entry *next = !x ? NULL : i % 2 ? x->next_by_selector : x->next_by_spi;
		if (next)
			__builtin_prefetch(next);
	}
}

/* Each hash once (outside the lock): for the checks, then for the links. */
static void hash_all(const struct emulated *e, const struct sbc_sip_sa *sas, size_t n,
		     uint64_t *sh, uint64_t *kh)
{
	for (size_t i = 0; i < n; i++) {
		sh[i] = selector_hash(e, &sas[i].src, &sas[i].dst);
		kh[i] = spi_hash(e, sas[i].spi, &sas[i].dst);
	}
}

static int emu_add(void *impl, const struct sbc_sip_sa *sas, size_t n, char *err, size_t errlen)
{
	struct emulated *e = impl;
	uint64_t sh[SBC_SIP_SA_BATCH], kh[SBC_SIP_SA_BATCH];
	size_t added = 0;

	if (n > SBC_SIP_SA_BATCH) {
		snprintf(err, errlen, "more than %d SAs at once", SBC_SIP_SA_BATCH);
		return -1;
	}
	hash_all(e, sas, n, sh, kh);
	pthread_mutex_lock(&e->lock);
	while (e->count + n > 2 * e->by_selector.n && grow(e, &e->by_selector, false))
		;
	while (e->count + n > 2 * e->by_spi.n && grow(e, &e->by_spi, true))
		;
	prefetch_chains(e, sh, kh, n);
	/* One at a time, so that the batch's own SAs are checked against
	 * each other as well as against the table. */
	for (; added < n; added++) {
		struct entry *x = NULL;
		if (!refusal(e, &sas[added], sh[added], kh[added], err, errlen) &&
		    !(x = entry_new(e, &sas[added])))
			snprintf(err, errlen, "out of memory");
		if (!x)
			break;
		link_entry(e, x, sh[added], kh[added]);
	}
	bool all = added == n;
	while (!all && added-- > 0)  /* all or nothing: the latest is first in its chains */
		drop_entry(e, &e->by_spi.b[kh[added] & (e->by_spi.n - 1)], sh[added]);
	pthread_mutex_unlock(&e->lock);
	return all ? 0 : -1;
}

static size_t emu_del(void *impl, const struct sbc_sip_sa *sas, size_t n)
{
	struct emulated *e = impl;
	uint64_t sh[SBC_SIP_SA_BATCH], kh[SBC_SIP_SA_BATCH];
	size_t found = 0;

	n = n < SBC_SIP_SA_BATCH ? n : SBC_SIP_SA_BATCH;
	hash_all(e, sas, n, sh, kh);
	pthread_mutex_lock(&e->lock);
	prefetch_chains(e, sh, kh, n);
	for (size_t i = 0; i < n; i++) {
		struct entry **p = find_spi_at(e, kh[i], sas[i].spi, &sas[i].dst);
		if (!p)
			continue;
		/* The selector hash given, unless the caller's src is not the SA's. */
		bool same_src = entry_is(*p, false, &sas[i].src);
		drop_entry(e, p, same_src ? sh[i] : entry_hash(e, *p, false));
		found++;
	}
	pthread_mutex_unlock(&e->lock);
	return found;
}

static uint32_t emu_lookup_inbound(void *impl, const struct sbc_sip_sa_addr *src,
				   const struct sbc_sip_sa_addr *dst)
{
	struct emulated *e = impl;

	pthread_mutex_lock(&e->lock);
	struct entry *x = find_selector(e, src, dst);
	uint32_t spi = x && x->inbound ? x->spi : 0;
	pthread_mutex_unlock(&e->lock);
	return spi;
}

static size_t emu_list(void *impl, uint64_t *cursor, struct sbc_sip_sa_view *out, size_t max)
{
	struct emulated *e = impl;
	size_t got = 0;

	pthread_mutex_lock(&e->lock);
	uint64_t c = *cursor;
	do {
		size_t chain = 0;
		const struct entry *x = e->by_spi.b[c & (e->by_spi.n - 1)];
		for (const struct entry *y = x; y; y = y->next_by_spi)
			chain++;
		if (got && got + chain > max)
			break;  /* next page; a chain longer than a page is cut (load <= 2) */
		for (; x && got < max; x = x->next_by_spi) {
			struct sbc_sip_sa_view *v = &out[got++];
			v->spi = x->spi;
			entry_addr(x, false, &v->src);
			entry_addr(x, true, &v->dst);
			v->alg = x->alg;
			v->ealg = x->ealg;
			v->inbound = x->inbound;
		}
		c = sbc_sip_htab_next_bucket(c, e->by_spi.n);
	} while (c != 0 && got < max);
	*cursor = c;
	pthread_mutex_unlock(&e->lock);
	return got;
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
	for (size_t b = 0; b < e->by_spi.n; b++)
		for (struct entry *x = e->by_spi.b[b], *next; x; x = next) {
			next = x->next_by_spi;
			entry_free(e, x);
		}
	sbc_sip_slab_destroy(e->slab);
	free(e->by_selector.b);
	free(e->by_spi.b);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static const struct sbc_sip_sa_ops emulated_ops = {
	.add = emu_add, .del = emu_del, .lookup_inbound = emu_lookup_inbound,
	.list = emu_list, .count = emu_count, .free = emu_free,
};

#define FIRST_BUCKETS 256

struct sbc_sip_sa_backend *sbc_sip_sa_emulated_new(size_t max_sas)
{
	struct sbc_sip_sa_backend *b = calloc(1, sizeof *b);
	struct emulated *e = calloc(1, sizeof *e);
	if (!b || !e || max_sas == 0)
		goto fail;
	e->max = max_sas;
	e->by_selector = (struct index){ calloc(FIRST_BUCKETS, sizeof(struct entry *)),
					 FIRST_BUCKETS };
	e->by_spi = (struct index){ calloc(FIRST_BUCKETS, sizeof(struct entry *)), FIRST_BUCKETS };
	e->slab = sbc_sip_slab_new();
	if (!e->by_selector.b || !e->by_spi.b || !e->slab)
		goto fail;
	if (RAND_bytes((unsigned char *)&e->seed, sizeof e->seed) != 1)
		e->seed = 0xcbf29ce484222325ULL;
	pthread_mutex_init(&e->lock, NULL);
	*b = (struct sbc_sip_sa_backend){ .name = "emulated", .ops = &emulated_ops, .impl = e };
	return b;
fail:
	if (e) {
		free(e->by_selector.b);
		free(e->by_spi.b);
		sbc_sip_slab_destroy(e->slab);
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
	return b->ops->add(b->impl, sa, 1, err, errlen);
}

int sbc_sip_sa_add_all(struct sbc_sip_sa_backend *b, const struct sbc_sip_sa *sas, size_t n,
		       char *err, size_t errlen)
{
	return b->ops->add(b->impl, sas, n, err, errlen);
}

int sbc_sip_sa_del(struct sbc_sip_sa_backend *b, uint32_t spi, const struct sbc_sip_sa_addr *dst)
{
	struct sbc_sip_sa sa = { .spi = spi, .dst = *dst };

	return b->ops->del(b->impl, &sa, 1) == 1 ? 0 : -1;
}

size_t sbc_sip_sa_del_all(struct sbc_sip_sa_backend *b, const struct sbc_sip_sa *sas, size_t n)
{
	return b->ops->del(b->impl, sas, n);
}

uint32_t sbc_sip_sa_lookup_inbound(struct sbc_sip_sa_backend *b, const struct sockaddr *src,
				   const struct sockaddr *dst)
{
	struct sbc_sip_sa_addr s, d;

	sbc_sip_sa_addr_set(&s, src);
	sbc_sip_sa_addr_set(&d, dst);
	return b->ops->lookup_inbound(b->impl, &s, &d);
}

size_t sbc_sip_sa_list(struct sbc_sip_sa_backend *b, uint64_t *cursor,
		       struct sbc_sip_sa_view *out, size_t max)
{
	return max ? b->ops->list(b->impl, cursor, out, max) : 0;
}

size_t sbc_sip_sa_count(struct sbc_sip_sa_backend *b)
{
	return b->ops->count(b->impl);
}
