/* Sec-agree association table (see sbc_sip_assoc.h): two string-keyed
 * hash tables, by state + IMPU and by TLS connection, and a mutex that
 * writers (the SIP thread) hold while changing them and readers (show
 * commands) hold while copying. */
#include "sbc_sip_assoc.h"
#include "sbc_sip_spi.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sbc_sip_assocs {
	struct sbc_sip_htab byimpu, byconn;
	size_t pending;          /* of byimpu, in state PENDING (sip-config limits) */
	pthread_mutex_t lock;
};

/* byimpu insert / remove, keeping `pending` (remove of a node not in the
 * table changes nothing). */
static int link_impu(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	int rc = sbc_sip_htab_insert(&t->byimpu, &a->node);

	if (rc == 0 && a->state == SBC_SIP_ASSOC_PENDING)
		t->pending++;
	return rc;
}

static void unlink_impu(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	size_t before = t->byimpu.count;

	sbc_sip_htab_remove(&t->byimpu, &a->node);
	if (t->byimpu.count < before && a->state == SBC_SIP_ASSOC_PENDING)
		t->pending--;
}

struct sbc_sip_assocs *sbc_sip_assocs_new(void)
{
	struct sbc_sip_assocs *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (sbc_sip_htab_init(&t->byimpu) != 0 || sbc_sip_htab_init(&t->byconn) != 0) {
		sbc_sip_htab_destroy(&t->byimpu);
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

static void ipsec_release(struct sbc_sip_assoc_ipsec *s)
{
	if (!s)
		return;
	if (s->installed)
		sbc_sip_ipsec_remove(s->backend, &s->p);
	if (s->p.pcscf_spi_c)
		sbc_sip_spi_release(s->pool, s->p.pcscf_spi_c);
	if (s->p.pcscf_spi_s)
		sbc_sip_spi_release(s->pool, s->p.pcscf_spi_s);
	free(s);
}

void sbc_sip_assoc_free(struct sbc_sip_assoc *a)
{
	if (!a)
		return;
	ipsec_release(a->ipsec);
	free(a->key);
	free(a->username);
	free(a->realm);
	free(a->uri);
	sbc_sip_secagree_clear(&a->client_list);
	sbc_sip_secagree_clear(&a->server_list);
	free(a->server);
	free(a->fwd_key);
	free(a);
}

static void unlink_one(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	unlink_impu(t, a);
	if (a->conn_id)
		sbc_sip_htab_remove(&t->byconn, &a->conn_node);
	if (a->ipsec && a->ipsec->indexed) {
		sbc_sip_htab_remove(&t->byconn, &a->ipsec->spi_ref[0].node);
		sbc_sip_htab_remove(&t->byconn, &a->ipsec->spi_ref[1].node);
		a->ipsec->indexed = false;
	}
}

static void free_node(struct sbc_sip_hnode *n, void *arg)
{
	struct sbc_sip_assocs *t = arg;
	struct sbc_sip_assoc *a = SBC_SIP_CONTAINER(n, struct sbc_sip_assoc, node);

	unlink_one(t, a);
	sbc_sip_assoc_free(a);
}

void sbc_sip_assocs_free(struct sbc_sip_assocs *t)
{
	if (!t)
		return;
	sbc_sip_htab_foreach(&t->byimpu, free_node, t);
	sbc_sip_htab_destroy(&t->byimpu);
	sbc_sip_htab_destroy(&t->byconn);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

int sbc_sip_assoc_set(char **field, const char *value)
{
	char *copy = value ? strdup(value) : NULL;

	if (value && !copy)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

/* The longest IMPU an association takes (was the size of a key array). */
#define IMPU_MAX 517

static char state_char(enum sbc_sip_assoc_state s)
{
	return s == SBC_SIP_ASSOC_ESTABLISHED ? 'E' : 'P';
}

struct sbc_sip_assoc *sbc_sip_assoc_new(const char *impu, enum sbc_sip_secagree_mech mech)
{
	size_t n = strlen(impu);
	struct sbc_sip_assoc *a = n <= IMPU_MAX ? calloc(1, sizeof(*a)) : NULL;

	if (!a || !(a->key = malloc(n + 2))) {
		free(a);
		return NULL;
	}
	a->key[0] = state_char(SBC_SIP_ASSOC_PENDING);
	memcpy(a->key + 1, impu, n + 1);
	a->impu = a->key + 1;
	a->mech = mech;
	a->state = SBC_SIP_ASSOC_PENDING;
	a->phase = SBC_SIP_ASSOC_IDLE;
	return a;
}

static struct sbc_sip_assoc *find_locked(struct sbc_sip_assocs *t, const char *impu,
					 enum sbc_sip_assoc_state s)
{
	char key[IMPU_MAX + 2];
	size_t n = strlen(impu);

	if (n > IMPU_MAX)
		return NULL;
	key[0] = state_char(s);
	memcpy(key + 1, impu, n + 1);
	struct sbc_sip_hnode *hn = sbc_sip_htab_find(&t->byimpu, key);
	return hn ? SBC_SIP_CONTAINER(hn, struct sbc_sip_assoc, node) : NULL;
}

/* Index a->conn_id; a connection belongs to one association only. */
static int index_conn(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	snprintf(a->conn_key, sizeof a->conn_key, "c%" PRIu64, a->conn_id);
	a->conn_node.key = a->conn_key;
	struct sbc_sip_hnode *n = sbc_sip_htab_find(&t->byconn, a->conn_key);
	if (n) {
		struct sbc_sip_assoc *other = SBC_SIP_CONTAINER(n, struct sbc_sip_assoc, conn_node);
		sbc_sip_htab_remove(&t->byconn, n);
		other->conn_id = 0;
	}
	return sbc_sip_htab_insert(&t->byconn, &a->conn_node);
}

static int index_spis(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	struct sbc_sip_assoc_ipsec *s = a->ipsec;
	uint32_t spis[2] = { s->p.pcscf_spi_c, s->p.pcscf_spi_s };

	if (s->indexed)
		return 0;
	for (int i = 0; i < 2; i++) {
		struct sbc_sip_assoc_spi_ref *r = &s->spi_ref[i];
		snprintf(r->key, sizeof r->key, "s%" PRIu32, spis[i]);
		r->node.key = r->key;
		r->owner = a;
		if (sbc_sip_htab_insert(&t->byconn, &r->node) != 0) {
			if (i == 1)
				sbc_sip_htab_remove(&t->byconn, &s->spi_ref[0].node);
			return -1;
		}
	}
	s->indexed = true;
	return 0;
}

int sbc_sip_assoc_put(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	int rc;

	pthread_mutex_lock(&t->lock);
	struct sbc_sip_assoc *old = find_locked(t, a->impu, a->state);
	if (old && old != a) {
		unlink_one(t, old);
		sbc_sip_assoc_free(old);
	}
	a->key[0] = state_char(a->state);
	a->node.key = a->key;
	rc = link_impu(t, a);
	if (rc == 0 && a->conn_id && (rc = index_conn(t, a)) != 0)
		unlink_impu(t, a);
	if (rc == 0 && a->ipsec && a->ipsec->installed && (rc = index_spis(t, a)) != 0)
		unlink_one(t, a);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int sbc_sip_assoc_index_spis(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	pthread_mutex_lock(&t->lock);
	int rc = index_spis(t, a);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

struct sbc_sip_assoc *sbc_sip_assoc_by_spi(struct sbc_sip_assocs *t, uint32_t spi)
{
	char key[16];

	snprintf(key, sizeof key, "s%" PRIu32, spi);
	struct sbc_sip_hnode *n = sbc_sip_htab_find(&t->byconn, key);
	if (!n)
		return NULL;
	return SBC_SIP_CONTAINER(n, struct sbc_sip_assoc_spi_ref, node)->owner;
}

void sbc_sip_assoc_drop(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&t->lock);
	unlink_one(t, a);
	pthread_mutex_unlock(&t->lock);
	sbc_sip_assoc_free(a);
}

int sbc_sip_assoc_establish(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a, time_t expires)
{
	pthread_mutex_lock(&t->lock);
	a->expires = expires;
	a->phase = SBC_SIP_ASSOC_IDLE;
	if (a->state == SBC_SIP_ASSOC_ESTABLISHED) {
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	unlink_one(t, a);
	a->state = SBC_SIP_ASSOC_ESTABLISHED;
	pthread_mutex_unlock(&t->lock);
	return sbc_sip_assoc_put(t, a);
}

int sbc_sip_assoc_bind_conn(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a, uint64_t conn_id,
			    const struct sockaddr_storage *peer)
{
	int rc = 0;

	pthread_mutex_lock(&t->lock);
	if (a->conn_id)
		sbc_sip_htab_remove(&t->byconn, &a->conn_node);
	a->conn_id = conn_id;
	a->ue = *peer;
	if (conn_id)
		rc = index_conn(t, a);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

struct sbc_sip_assoc *sbc_sip_assoc_find(struct sbc_sip_assocs *t, const char *impu,
					 enum sbc_sip_assoc_state state)
{
	/* Only the SIP thread writes, and it is the caller: no lock needed. */
	return find_locked(t, impu, state);
}

struct sbc_sip_assoc *sbc_sip_assoc_by_conn(struct sbc_sip_assocs *t, uint64_t conn_id)
{
	char key[24];

	snprintf(key, sizeof key, "c%" PRIu64, conn_id);
	struct sbc_sip_hnode *n = sbc_sip_htab_find(&t->byconn, key);
	return n ? SBC_SIP_CONTAINER(n, struct sbc_sip_assoc, conn_node) : NULL;
}

struct expire_ctx {
	struct sbc_sip_assocs *t;
	time_t now;
	size_t removed;
};

static void expire_one(struct sbc_sip_hnode *n, void *arg)
{
	struct expire_ctx *x = arg;
	struct sbc_sip_assoc *a = SBC_SIP_CONTAINER(n, struct sbc_sip_assoc, node);

	if (a->expires > x->now)
		return;
	unlink_one(x->t, a);
	sbc_sip_assoc_free(a);
	x->removed++;
}

size_t sbc_sip_assoc_expire(struct sbc_sip_assocs *t, time_t now)
{
	struct expire_ctx x = { .t = t, .now = now };

	pthread_mutex_lock(&t->lock);
	sbc_sip_htab_foreach(&t->byimpu, expire_one, &x);
	pthread_mutex_unlock(&t->lock);
	return x.removed;
}

size_t sbc_sip_assoc_pending_count(struct sbc_sip_assocs *t)
{
	pthread_mutex_lock(&t->lock);
	size_t n = t->pending;
	pthread_mutex_unlock(&t->lock);
	return n;
}

size_t sbc_sip_assoc_count(struct sbc_sip_assocs *t)
{
	pthread_mutex_lock(&t->lock);
	size_t n = t->byimpu.count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

struct copy_ctx {
	struct sbc_sip_assoc_view *views;
	size_t n, max;
};

static void copy_one(struct sbc_sip_hnode *n, void *arg)
{
	struct copy_ctx *c = arg;
	const struct sbc_sip_assoc *a = SBC_SIP_CONTAINER(n, struct sbc_sip_assoc, node);

	if (c->n >= c->max)
		return;
	struct sbc_sip_assoc_view *v = &c->views[c->n++];
	snprintf(v->impu, sizeof v->impu, "%s", a->impu);
	snprintf(v->username, sizeof v->username, "%s", a->username ? a->username : "");
	snprintf(v->server, sizeof v->server, "%s", a->server ? a->server : "");
	snprintf(v->tls_peer, sizeof v->tls_peer, "%s", a->conn_id ? a->tls_peer : "");
	v->mech = a->mech;
	v->state = a->state;
	v->negotiated = a->negotiated;
	v->transport = a->transport;
	v->ue = a->ue;
	v->local = a->local;
	v->expires = a->expires;
	if (a->ipsec) {
		const struct sbc_sip_ipsec_params *p = &a->ipsec->p;
		v->has_ipsec = true;
		v->installed = a->ipsec->installed;
		v->ue_port_c = p->ue_port_c;
		v->ue_port_s = p->ue_port_s;
		v->pcscf_port_c = p->pcscf_port_c;
		v->pcscf_port_s = p->pcscf_port_s;
		v->ue_spi_c = p->ue_spi_c;
		v->ue_spi_s = p->ue_spi_s;
		v->pcscf_spi_c = p->pcscf_spi_c;
		v->pcscf_spi_s = p->pcscf_spi_s;
		memcpy(v->alg, a->ipsec->alg, sizeof v->alg);
		memcpy(v->ealg, a->ipsec->ealg, sizeof v->ealg);
	}
}

void sbc_sip_assoc_foreach(struct sbc_sip_assocs *t,
			   void (*fn)(const struct sbc_sip_assoc_view *, void *), void *arg)
{
	struct copy_ctx c = { 0 };

	pthread_mutex_lock(&t->lock);
	c.max = t->byimpu.count;
	c.views = c.max ? calloc(c.max, sizeof(*c.views)) : NULL;
	if (c.views)
		sbc_sip_htab_foreach(&t->byimpu, copy_one, &c);
	pthread_mutex_unlock(&t->lock);
	for (size_t i = 0; i < c.n; i++)
		fn(&c.views[i], arg);
	free(c.views);
}
