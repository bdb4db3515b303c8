/* Registration bindings (see sbc_sip_regtable.h). Expiry sweeps the whole
 * table once a second from the event loop: a million entries take a few
 * milliseconds, cheaper in memory than a timer per binding. */
#include "sbc_sip_regtable.h"

#include <stdlib.h>
#include <string.h>

#include "sbc_log.h"

struct sbc_sip_regtable {
	struct sbc_sip_htab tab;
};

struct sbc_sip_regtable *sbc_sip_regtable_new(void)
{
	struct sbc_sip_regtable *t = calloc(1, sizeof(*t));

	if (t && sbc_sip_htab_init(&t->tab) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

static void free_node(struct sbc_sip_hnode *n, void *arg)
{
	struct sbc_sip_regtable *t = arg;

	sbc_sip_htab_remove(&t->tab, n);
	free(SBC_SIP_CONTAINER(n, struct sbc_sip_reg, node));
}

void sbc_sip_regtable_free(struct sbc_sip_regtable *t)
{
	if (!t)
		return;
	sbc_sip_htab_foreach(&t->tab, free_node, t);
	sbc_sip_htab_destroy(&t->tab);
	free(t);
}

int sbc_sip_regtable_set(struct sbc_sip_regtable *t, const char *aor, const char *contact,
			 const char *call_id, const char *path, uint32_t cseq, time_t expires,
			 int transport, const struct sockaddr *peer, socklen_t peer_len)
{
	const char *parts[4] = { aor, contact, call_id, path ? path : "" };
	size_t lens[4], total = 0;
	struct sbc_sip_reg *r;
	char *p;

	for (int i = 0; i < 4; i++)
		total += lens[i] = strlen(parts[i]) + 1;
	r = calloc(1, sizeof(*r) + total);
	if (!r)
		return -1;
	p = r->strings;
	const char **dst[4] = { &r->aor, &r->contact, &r->call_id, &r->path };
	for (int i = 0; i < 4; i++) {
		memcpy(p, parts[i], lens[i]);
		*dst[i] = p;
		p += lens[i];
	}
	r->node.key = r->aor;
	r->expires = expires;
	r->cseq = cseq;
	r->transport = (uint8_t)transport;
	memcpy(&r->peer, peer, peer_len < sizeof r->peer ? peer_len : sizeof r->peer);
	sbc_sip_regtable_remove(t, aor);
	return sbc_sip_htab_insert(&t->tab, &r->node);
}

const struct sbc_sip_reg *sbc_sip_regtable_get(struct sbc_sip_regtable *t, const char *aor,
					       time_t now)
{
	struct sbc_sip_hnode *n = sbc_sip_htab_find(&t->tab, aor);
	const struct sbc_sip_reg *r = n ? SBC_SIP_CONTAINER(n, struct sbc_sip_reg, node) : NULL;

	return r && r->expires > now ? r : NULL;
}

int sbc_sip_regtable_remove(struct sbc_sip_regtable *t, const char *aor)
{
	struct sbc_sip_hnode *n = sbc_sip_htab_find(&t->tab, aor);

	if (!n)
		return -1;
	sbc_sip_htab_remove(&t->tab, n);
	free(SBC_SIP_CONTAINER(n, struct sbc_sip_reg, node));
	return 0;
}

struct expire_ctx {
	struct sbc_sip_regtable *t;
	time_t now;
	size_t removed;
};

static void expire_node(struct sbc_sip_hnode *n, void *arg)
{
	struct expire_ctx *x = arg;
	struct sbc_sip_reg *r = SBC_SIP_CONTAINER(n, struct sbc_sip_reg, node);

	if (r->expires > x->now)
		return;
	sbc_log_info("registrar: binding of %s to %s expired", r->aor, r->contact);
	sbc_sip_htab_remove(&x->t->tab, n);
	free(r);
	x->removed++;
}

size_t sbc_sip_regtable_expire(struct sbc_sip_regtable *t, time_t now)
{
	struct expire_ctx x = { t, now, 0 };

	sbc_sip_htab_foreach(&t->tab, expire_node, &x);
	return x.removed;
}

size_t sbc_sip_regtable_count(const struct sbc_sip_regtable *t)
{
	return t->tab.count;
}
