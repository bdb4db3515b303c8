/* Registration bindings (see sbc_sip_regtable.h). Expiry sweeps the whole
 * table once a second from the event loop: a million entries take a few
 * milliseconds, cheaper in memory than a timer per binding. */
#include "sbc_sip_regtable.h"
#include "sbc_sip_slab.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbc_log.h"

struct sbc_sip_regtable {
	struct sbc_sip_htab tab;
	struct sbc_sip_slab *slab;  /* the bindings; see sbc_sip_slab.h for why */
};

static void reg_free(struct sbc_sip_regtable *t, struct sbc_sip_reg *r)
{
	sbc_sip_slab_free(t->slab, r, r->alloc_size);
}

struct sbc_sip_regtable *sbc_sip_regtable_new(void)
{
	struct sbc_sip_regtable *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (!(t->slab = sbc_sip_slab_new()) || sbc_sip_htab_init(&t->tab) != 0) {
		sbc_sip_slab_destroy(t->slab);
		free(t);
		return NULL;
	}
	return t;
}

static void free_node(struct sbc_sip_hnode *n, void *arg)
{
	struct sbc_sip_regtable *t = arg;

	sbc_sip_htab_remove(&t->tab, n);
	reg_free(t, SBC_SIP_CONTAINER(n, struct sbc_sip_reg, node));
}

void sbc_sip_regtable_free(struct sbc_sip_regtable *t)
{
	if (!t)
		return;
	sbc_sip_htab_foreach(&t->tab, free_node, t);
	sbc_sip_htab_destroy(&t->tab);
	sbc_sip_slab_destroy(t->slab);
	free(t);
}

static const char *const integrity_names[] = {
	[SBC_SIP_INTEGRITY_ABSENT] = "absent", [SBC_SIP_INTEGRITY_NO] = "no",
	[SBC_SIP_INTEGRITY_YES] = "yes", [SBC_SIP_INTEGRITY_TLS_PENDING] = "tls-pending",
	[SBC_SIP_INTEGRITY_TLS_YES] = "tls-yes",
	[SBC_SIP_INTEGRITY_IP_ASSOC_PENDING] = "ip-assoc-pending",
	[SBC_SIP_INTEGRITY_IP_ASSOC_YES] = "ip-assoc-yes",
	[SBC_SIP_INTEGRITY_AUTH_DONE] = "auth-done", [SBC_SIP_INTEGRITY_OTHER] = "other",
};

enum sbc_sip_integrity sbc_sip_integrity_parse(const char *value)
{
	if (!value)
		return SBC_SIP_INTEGRITY_ABSENT;
	for (int i = SBC_SIP_INTEGRITY_NO; i < SBC_SIP_INTEGRITY_OTHER; i++)
		if (strcasecmp(value, integrity_names[i]) == 0)
			return (enum sbc_sip_integrity)i;
	return SBC_SIP_INTEGRITY_OTHER;
}

const char *sbc_sip_integrity_name(enum sbc_sip_integrity v)
{
	return (unsigned)v <= SBC_SIP_INTEGRITY_OTHER ? integrity_names[v] : "other";
}

int sbc_sip_regtable_set(struct sbc_sip_regtable *t, const struct sbc_sip_reg_info *in,
			 time_t now)
{
	const char *parts[4] = { in->aor, in->contact, in->call_id, in->path ? in->path : "" };
	size_t lens[4], total = 0;
	struct sbc_sip_hnode *old = sbc_sip_htab_find(&t->tab, in->aor);
	struct sbc_sip_reg *r;
	char *p;

	for (int i = 0; i < 4; i++)
		total += lens[i] = strlen(parts[i]) + 1;
	r = sbc_sip_slab_alloc(t->slab, sizeof(*r) + total);
	if (!r)
		return -1;
	r->alloc_size = (uint32_t)(sizeof(*r) + total);
	p = r->strings;
	const char **dst[4] = { &r->aor, &r->contact, &r->call_id, &r->path };
	for (int i = 0; i < 4; i++) {
		memcpy(p, parts[i], lens[i]);
		*dst[i] = p;
		p += lens[i];
	}
	r->node.key = r->aor;
	r->expires = in->expires;
	r->registered = old ? SBC_SIP_CONTAINER(old, struct sbc_sip_reg, node)->registered : now;
	r->cseq = in->cseq;
	r->transport = (uint8_t)in->transport;
	r->integrity = (uint8_t)in->integrity;
	memcpy(&r->peer, in->peer, in->peer_len < sizeof r->peer ? in->peer_len : sizeof r->peer);
	if (in->local)
		memcpy(&r->local, in->local,
		       in->local_len < sizeof r->local ? in->local_len : sizeof r->local);
	sbc_sip_regtable_remove(t, in->aor);
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
	reg_free(t, SBC_SIP_CONTAINER(n, struct sbc_sip_reg, node));
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
	reg_free(x->t, r);
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

struct foreach_ctx {
	void (*fn)(const struct sbc_sip_reg *, void *);
	void *arg;
};

static void foreach_node(struct sbc_sip_hnode *n, void *arg)
{
	struct foreach_ctx *x = arg;

	x->fn(SBC_SIP_CONTAINER(n, struct sbc_sip_reg, node), x->arg);
}

void sbc_sip_regtable_foreach(struct sbc_sip_regtable *t,
			      void (*fn)(const struct sbc_sip_reg *, void *), void *arg)
{
	struct foreach_ctx x = { fn, arg };

	sbc_sip_htab_foreach(&t->tab, foreach_node, &x);
}
