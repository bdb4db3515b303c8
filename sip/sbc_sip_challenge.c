/* Challenges and sequence numbers (see sbc_sip_challenge.h). Pending
 * challenges expire in FIFO order since they all live nonce-lifetime
 * seconds (after a change of it, the ones made before leave on their own
 * schedule, held at most the old lifetime longer). Answered Digest nonces are listed in the order they were
 * answered, which is nearly their creation order: the sweep frees the
 * expired ones at the head, and a lookup frees an expired one it meets, so
 * one that expired behind a younger head waits at most another TTL, within
 * SBC_SIP_CHAL_ANSWERED_MAX. */
#include "sbc_sip_challenge.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "sbc_log.h"
#include "sbc_sec_b64.h"

struct sqn_entry {
	struct sbc_sip_hnode node;
	uint64_t sqn;              /* last SQN used, 48 bits */
	char impi[];
};

struct chal_list {
	struct sbc_sip_chal *head, *tail;
	size_t count;
};

struct sbc_sip_challenges {
	struct sbc_sip_htab by_nonce;
	struct sbc_sip_htab sqns;
	struct chal_list pending, answered;
};

static void list_append(struct chal_list *l, struct sbc_sip_chal *c)
{
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	l->count++;
}

static void list_unlink(struct chal_list *l, struct sbc_sip_chal *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	l->count--;
}

static void chal_wipe_free(struct sbc_sip_chal *c)
{
	explicit_bzero(&c->vec, sizeof c->vec);
	free(c);
}

struct sbc_sip_challenges *sbc_sip_chal_new(void)
{
	struct sbc_sip_challenges *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return NULL;
	if (sbc_sip_htab_init(&cs->by_nonce) != 0 || sbc_sip_htab_init(&cs->sqns) != 0) {
		sbc_sip_chal_free(cs);
		return NULL;
	}
	return cs;
}

static void free_sqn(struct sbc_sip_hnode *n, void *arg)
{
	sbc_sip_htab_remove(arg, n);
	free(SBC_SIP_CONTAINER(n, struct sqn_entry, node));
}

void sbc_sip_chal_free(struct sbc_sip_challenges *cs)
{
	if (!cs)
		return;
	struct chal_list *lists[] = { &cs->pending, &cs->answered };
	for (size_t i = 0; i < 2; i++)
		while (lists[i]->head) {
			struct sbc_sip_chal *c = lists[i]->head;
			list_unlink(lists[i], c);
			chal_wipe_free(c);
		}
	if (cs->sqns.buckets)
		sbc_sip_htab_foreach(&cs->sqns, free_sqn, &cs->sqns);
	sbc_sip_htab_destroy(&cs->sqns);
	sbc_sip_htab_destroy(&cs->by_nonce);
	free(cs);
}

static struct sbc_sip_chal *chal_add(struct sbc_sip_challenges *cs, const char *nonce,
				     const char *impi, time_t now, unsigned ttl)
{
	size_t nl = strlen(nonce) + 1, il = strlen(impi) + 1;
	struct sbc_sip_chal *c;

	if (cs->pending.count >= SBC_SIP_CHAL_MAX) {
		sbc_log_warnx("registrar: %d challenges outstanding, refusing more", SBC_SIP_CHAL_MAX);
		return NULL;
	}
	c = calloc(1, sizeof(*c) + nl + il);
	if (!c)
		return NULL;
	memcpy(c->strings, nonce, nl);
	memcpy(c->strings + nl, impi, il);
	c->node.key = c->strings;
	c->impi = c->strings + nl;
	c->expires = now + (time_t)ttl;
	if (sbc_sip_htab_insert(&cs->by_nonce, &c->node) != 0) {
		free(c);
		return NULL;
	}
	list_append(&cs->pending, c);
	return c;
}

const struct sbc_sip_chal *sbc_sip_chal_digest(struct sbc_sip_challenges *cs, const char *impi,
					       time_t now, unsigned ttl)
{
	unsigned char raw[18];
	char *nonce;
	struct sbc_sip_chal *c;

	if (RAND_bytes(raw, sizeof raw) != 1)
		return NULL;
	nonce = sbc_sec_b64_encode(raw, sizeof raw, 1);
	if (!nonce)
		return NULL;
	c = chal_add(cs, nonce, impi, now, ttl);
	free(nonce);
	return c;
}

static struct sqn_entry *sqn_get(struct sbc_sip_challenges *cs, const char *impi)
{
	struct sbc_sip_hnode *n = sbc_sip_htab_find(&cs->sqns, impi);
	size_t len = strlen(impi) + 1;
	struct sqn_entry *e;

	if (n)
		return SBC_SIP_CONTAINER(n, struct sqn_entry, node);
	e = calloc(1, sizeof(*e) + len);
	if (!e)
		return NULL;
	memcpy(e->impi, impi, len);
	e->node.key = e->impi;
	sbc_sip_htab_insert(&cs->sqns, &e->node);
	return e;
}

const struct sbc_sip_chal *sbc_sip_chal_aka(struct sbc_sip_challenges *cs, const char *impi,
					    const struct sbc_sec_aka_subscriber *sub, time_t now,
					    unsigned ttl)
{
	struct sqn_entry *s = sqn_get(cs, impi);
	struct sbc_sec_aka_vector vec;
	uint8_t rand[16], sqn[6];
	struct sbc_sip_chal *c = NULL;
	char *nonce = NULL;

	if (!s || RAND_bytes(rand, sizeof rand) != 1)
		return NULL;
	s->sqn = (s->sqn + 32) & 0xffffffffffffULL;
	for (int i = 0; i < 6; i++)
		sqn[i] = (uint8_t)(s->sqn >> (40 - 8 * i));
	if (sbc_sec_aka_vector_make(sub, rand, sqn, &vec) != 0 || !(nonce = sbc_sec_aka_nonce(&vec)))
		goto out;
	c = chal_add(cs, nonce, impi, now, ttl);
	if (c) {
		c->aka = true;
		c->vec = vec;
	}
out:
	explicit_bzero(&vec, sizeof vec);
	free(nonce);
	return c;
}

struct sbc_sip_chal *sbc_sip_chal_find(struct sbc_sip_challenges *cs, const char *nonce,
				       time_t now)
{
	struct sbc_sip_hnode *n = nonce ? sbc_sip_htab_find(&cs->by_nonce, nonce) : NULL;
	struct sbc_sip_chal *c = n ? SBC_SIP_CONTAINER(n, struct sbc_sip_chal, node) : NULL;

	if (c && c->expires <= now) {
		sbc_sip_chal_consume(cs, c);
		return NULL;
	}
	return c;
}

void sbc_sip_chal_consume(struct sbc_sip_challenges *cs, struct sbc_sip_chal *c)
{
	sbc_sip_htab_remove(&cs->by_nonce, &c->node);
	list_unlink(c->answered ? &cs->answered : &cs->pending, c);
	chal_wipe_free(c);
}

void sbc_sip_chal_answered(struct sbc_sip_challenges *cs, struct sbc_sip_chal *c)
{
	if (c->answered)
		return;
	list_unlink(&cs->pending, c);
	c->answered = true;
	list_append(&cs->answered, c);
	if (cs->answered.count > SBC_SIP_CHAL_ANSWERED_MAX)
		sbc_sip_chal_consume(cs, cs->answered.head);
}

void sbc_sip_chal_resync(struct sbc_sip_challenges *cs, const char *impi, const uint8_t sqn_ms[6])
{
	struct sqn_entry *s = sqn_get(cs, impi);
	uint64_t v = 0;

	if (!s)
		return;
	for (int i = 0; i < 6; i++)
		v = v << 8 | sqn_ms[i];
	s->sqn = v;
}

size_t sbc_sip_chal_count(const struct sbc_sip_challenges *cs)
{
	return cs->by_nonce.count;
}

size_t sbc_sip_chal_pending(const struct sbc_sip_challenges *cs)
{
	return cs->pending.count;
}

void sbc_sip_chal_expire(struct sbc_sip_challenges *cs, time_t now)
{
	while (cs->pending.head && cs->pending.head->expires <= now)
		sbc_sip_chal_consume(cs, cs->pending.head);
	while (cs->answered.head && cs->answered.head->expires <= now)
		sbc_sip_chal_consume(cs, cs->answered.head);
}
