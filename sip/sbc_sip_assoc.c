/* Sec-agree association table (see sbc_sip_assoc.h): a string-keyed hash
 * table by state + IMPU, intrusive secondary indexes (TLS connection, the
 * IMPU's user part, the UE's address), the SPI pool's owner slots for the
 * P-CSCF's two inbound SPIs, and a
 * mutex that writers (the SIP thread) hold while changing them and readers
 * (show commands) hold while copying one association or one page. Also
 * the canonical Security-* text the equality checks compare, and the
 * strings shared between associations (realm, uri). */
#include "sbc_sip_assoc.h"
#include "sbc_sip_mix.h"
#include "sbc_sip_secagree_hdr.h"
#include "sbc_sip_spi.h"

#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

/* --- secondary indexes: chained, grown by doubling at 2 entries per
 * bucket, the link inside the association at a fixed offset --- */

struct sbc_sip_assocs;
typedef uint64_t index_hash(const struct sbc_sip_assocs *t, const struct sbc_sip_assoc *a);

struct lindex {
	struct sbc_sip_assoc_link **b;
	size_t n, count;
	size_t off;        /* of the link from the start of the association */
	index_hash *hash;
};

/* An ipsec-3gpp association is one allocation: this. */
struct assoc_block {
	struct sbc_sip_assoc a;
	struct sbc_sip_assoc_ipsec s;
};

struct sbc_sip_assocs {
	struct sbc_sip_htab byimpu;
	struct lindex byconn, byuser, byip;
	struct sbc_sip_spi_pool *spi_pool;  /* of the associations indexed by SPI */
	uint64_t seed;
	size_t pending;          /* of byimpu, in state PENDING (sip-config limits) */
	size_t ending;           /* of byimpu, marked ending */
	pthread_mutex_t lock;
};

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n, bool fold)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint64_t)(fold ? tolower(c[i]) : c[i])) * 0x100000001b3ULL;
	return sbc_sip_mix64(h);
}

/* The user part of an IMPU: after the scheme's ':' up to '@'; the whole
 * text without a ':'. */
static const char *user_part(const char *impu, size_t *len)
{
	const char *colon = strchr(impu, ':');
	const char *from = colon ? colon + 1 : impu, *at = strchr(from, '@');

	*len = colon && at ? (size_t)(at - from) : strlen(from);
	return from;
}

static uint64_t hash_user_text(const struct sbc_sip_assocs *t, const char *text)
{
	size_t n;
	const char *u = user_part(text, &n);

	return hash_bytes(t->seed, u, n, true);
}

static uint64_t hash_ip_addr(const struct sbc_sip_assocs *t, const struct sbc_sip_sa_addr *a)
{
	return hash_bytes(t->seed ^ a->family, a->ip, sizeof a->ip, false);
}

static uint64_t h_conn(const struct sbc_sip_assocs *t, const struct sbc_sip_assoc *a)
{
	return sbc_sip_mix64(t->seed ^ a->conn_id);
}

static uint64_t h_user(const struct sbc_sip_assocs *t, const struct sbc_sip_assoc *a)
{
	return hash_user_text(t, a->impu);
}

static uint64_t h_ip(const struct sbc_sip_assocs *t, const struct sbc_sip_assoc *a)
{
	return hash_ip_addr(t, &a->ue);
}

static struct sbc_sip_assoc *owner(const struct lindex *ix, const struct sbc_sip_assoc_link *l)
{
	return (struct sbc_sip_assoc *)(void *)((char *)(uintptr_t)l - ix->off);
}

static struct sbc_sip_assoc_link *link_of(const struct lindex *ix, struct sbc_sip_assoc *a)
{
	return (struct sbc_sip_assoc_link *)(void *)((char *)a + ix->off);
}

static int lindex_init(struct lindex *ix, size_t off, index_hash *hash)
{
	*ix = (struct lindex){ .b = calloc(64, sizeof(*ix->b)), .n = 64, .off = off, .hash = hash };
	return ix->b ? 0 : -1;
}

/* Doubling; on allocation failure the index simply stays denser. */
static void chain_push(struct sbc_sip_assoc_link **head, struct sbc_sip_assoc_link *l)
{
	l->next = *head;
	if (*head)
		(*head)->pprev = &l->next;
	*head = l;
	l->pprev = head;
}

static void lindex_grow(const struct sbc_sip_assocs *t, struct lindex *ix)
{
	size_t n = ix->n * 2;
	struct sbc_sip_assoc_link **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < ix->n; i++)
		for (struct sbc_sip_assoc_link *l = ix->b[i], *next; l; l = next) {
			next = l->next;
			size_t k = ix->hash(t, owner(ix, l)) & (n - 1);
			chain_push(&b[k], l);
		}
	free(ix->b);
	ix->b = b;
	ix->n = n;
}

static void lindex_insert(const struct sbc_sip_assocs *t, struct lindex *ix,
			  struct sbc_sip_assoc *a)
{
	if (ix->count >= 2 * ix->n)
		lindex_grow(t, ix);
	chain_push(&ix->b[ix->hash(t, a) & (ix->n - 1)], link_of(ix, a));
	ix->count++;
}

static void lindex_remove(struct lindex *ix, struct sbc_sip_assoc *a)
{
	struct sbc_sip_assoc_link *l = link_of(ix, a);

	if (!l->pprev)
		return;
	*l->pprev = l->next;
	if (l->next)
		l->next->pprev = l->pprev;
	l->next = NULL;
	l->pprev = NULL;
	ix->count--;
}

/* The chain a hash falls in. */
static struct sbc_sip_assoc_link *lindex_chain(const struct lindex *ix, uint64_t hash)
{
	return ix->b[hash & (ix->n - 1)];
}

/* --- strings shared between associations (realm and uri are the same
 * for every subscriber of a home network) --- */

struct istr {
	struct sbc_sip_hnode node;
	size_t refs;
	char s[];
};

static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sbc_sip_htab interned;  /* buckets NULL while empty */

/* s shared, NULL for NULL; *failed on allocation failure. */
static const char *intern(const char *s, bool *failed)
{
	struct istr *x = NULL;

	if (!s)
		return NULL;
	pthread_mutex_lock(&intern_lock);
	struct sbc_sip_hnode *n =
		interned.buckets || sbc_sip_htab_init(&interned) == 0
			? sbc_sip_htab_find(&interned, s) : NULL;
	if (n) {
		x = SBC_SIP_CONTAINER(n, struct istr, node);
	} else if (interned.buckets && (x = malloc(sizeof *x + strlen(s) + 1)) != NULL) {
		strcpy(x->s, s);
		x->node.key = x->s;
		x->refs = 0;
		sbc_sip_htab_insert(&interned, &x->node);
	}
	if (x)
		x->refs++;
	pthread_mutex_unlock(&intern_lock);
	*failed |= !x;
	return x ? x->s : NULL;
}

static void unintern(const char *s)
{
	if (!s)
		return;
	struct istr *x = (struct istr *)(void *)((char *)(uintptr_t)s - offsetof(struct istr, s));
	pthread_mutex_lock(&intern_lock);
	if (--x->refs == 0) {
		sbc_sip_htab_remove(&interned, &x->node);
		free(x);
		if (interned.count == 0)
			sbc_sip_htab_destroy(&interned);
	}
	pthread_mutex_unlock(&intern_lock);
}

/* --- canonical Security-* text --- */

static int param_cmp(const struct sbc_sip_secparam *x, const struct sbc_sip_secparam *y)
{
	int c = strcasecmp(x->name, y->name);

	if (c || !x->value || !y->value)
		return c ? c : (x->value != NULL) - (y->value != NULL);
	return strcmp(x->value, y->value);
}

static bool is_q(const struct sbc_sip_secparam *p)
{
	return strcasecmp(p->name, "q") == 0;
}

static size_t canon_len(const struct sbc_sip_secmech_list *list)
{
	size_t n = 1;

	for (size_t i = 0; i < list->count; i++) {
		const struct sbc_sip_secmech *m = &list->items[i];
		n += strlen(m->name) + 1 + (m->has_q ? 7 : 0);  /* ",", ";q=1000" */
		for (size_t j = 0; j < m->nparams; j++)
			n += 2 + strlen(m->params[j].name) +
			     (m->params[j].value ? strlen(m->params[j].value) : 0);
	}
	return n;
}

static char *put_lower(char *out, const char *s)
{
	while (*s)
		*out++ = (char)tolower((unsigned char)*s++);
	return out;
}

/* One mechanism; order: room for its parameters. */
static char *canon_mech(char *out, const struct sbc_sip_secmech *m,
			const struct sbc_sip_secparam **order)
{
	size_t n = 0;

	for (size_t j = 0; j < m->nparams; j++) {  /* insertion sort, q aside */
		const struct sbc_sip_secparam *p = &m->params[j];
		if (is_q(p))
			continue;
		size_t k = n++;
		for (; k > 0 && param_cmp(order[k - 1], p) > 0; k--)
			order[k] = order[k - 1];
		order[k] = p;
	}
	out = put_lower(out, m->name);
	for (size_t k = 0; k < n; k++) {
		*out++ = ';';
		out = put_lower(out, order[k]->name);
		if (order[k]->value) {
			*out++ = '=';
			size_t len = strlen(order[k]->value);
			memcpy(out, order[k]->value, len);
			out += len;
		}
	}
	if (m->has_q)
		out += sprintf(out, ";q=%u", m->q > 1000 ? 1000 : m->q);
	return out;
}

/* Writes into buf when it is large enough, else into the heap (*heap). */
static char *canon_into(const struct sbc_sip_secmech_list *list, char *buf, size_t size,
			char **heap)
{
	const struct sbc_sip_secparam *stack_order[32], **order = stack_order;
	size_t most = 0, len = canon_len(list);
	char *out = len <= size ? buf : (*heap = malloc(len));

	for (size_t i = 0; i < list->count; i++)
		most = list->items[i].nparams > most ? list->items[i].nparams : most;
	if (most > 32 && !(order = malloc(most * sizeof(*order))))
		out = NULL;
	if (!out) {
		free(*heap);
		*heap = NULL;
		if (order != stack_order)
			free(order);
		return NULL;
	}
	char *p = out;
	for (size_t i = 0; i < list->count; i++) {
		if (i)
			*p++ = ',';
		p = canon_mech(p, &list->items[i], order);
	}
	*p = '\0';
	if (order != stack_order)
		free(order);
	return out;
}

char *sbc_sip_assoc_canon(const struct sbc_sip_secmech_list *list)
{
	char *heap = NULL;

	canon_into(list, NULL, 0, &heap);
	return heap;
}

int sbc_sip_assoc_set_client(struct sbc_sip_assoc *a, const struct sbc_sip_secmech_list *client)
{
	char *c = sbc_sip_assoc_canon(client);

	if (!c)
		return -1;
	free(a->client);
	a->client = c;
	a->client_is_raw = false;
	return 0;
}

/* got's canonical text equals want's. */
static bool canon_equal(const char *want, const struct sbc_sip_secmech_list *got)
{
	char buf[1024], *heap = NULL;
	const char *text = canon_into(got, buf, sizeof buf, &heap);
	bool same = text && strcmp(text, want) == 0;

	free(heap);
	return same;
}

bool sbc_sip_assoc_same_client(const struct sbc_sip_assoc *a, const char *got_raw,
			       const struct sbc_sip_secmech_list *got)
{
	const char *raw = sbc_sip_assoc_client_raw(a);

	if (!a->negotiated)
		return false;
	if (raw && got_raw && strcmp(raw, got_raw) == 0)
		return true;  /* the same text: the same list */
	if (!raw)  /* kept canonical (too long as text), or nothing kept */
		return a->client && canon_equal(a->client, got);
	/* Other text: the same list written otherwise? (rare: parsed now) */
	struct sbc_sip_secmech_list kept = { 0 };
	char err[160], buf[1024], *heap = NULL;
	const char *canon = sbc_sip_secagree_parse(raw, &kept, err, sizeof err) == 0
				    ? canon_into(&kept, buf, sizeof buf, &heap)
				    : NULL;
	bool same = canon && canon_equal(canon, got);
	free(heap);
	sbc_sip_secagree_clear(&kept);
	return same;
}

/* One decimal, as sbc_sip_secagree_ipsec_server writes it. */
static const char *decimal(uint32_t v, char buf[11])
{
	char *p = buf + 10;

	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return p;
}

struct expected_param {
	const char *name, *value;
};

/* m is name;want[0];...;want[n-1] in some order: canonical equality
 * (names case-insensitive, values verbatim, no q, nothing else, each
 * parameter once) decided field by field, without writing either text. */
static bool mech_is(const struct sbc_sip_secmech *m, const char *name,
		    const struct expected_param *want, size_t n)
{
	unsigned seen = 0;
	size_t count = 0;

	if (m->has_q || strcasecmp(m->name, name) != 0)
		return false;
	for (unsigned j = 0; j < m->nparams; j++) {
		const struct sbc_sip_secparam *p = &m->params[j];
		size_t k = 0;
		if (is_q(p))
			continue;
		while (k < n && strcasecmp(p->name, want[k].name) != 0)
			k++;
		if (k == n || seen & 1u << k || !p->value || strcmp(p->value, want[k].value) != 0)
			return false;
		seen |= 1u << k;
		count++;
	}
	return count == n;
}

/* got equals a's Security-Server (RFC 3329 2.3.1) exactly when its
 * canonical text equals that of sbc_sip_assoc_server's (a test holds the
 * two to each other); compared without formatting, since every protected
 * REGISTER asks. */
bool sbc_sip_assoc_same_server(const struct sbc_sip_assoc *a,
			       const struct sbc_sip_secmech_list *got)
{
	if (!a->negotiated || got->count != 1)
		return false;
	if (a->mech == SBC_SECAGREE_TLS || !a->ipsec)
		return mech_is(&got->items[0], "tls", NULL, 0);
	const struct sbc_sip_ipsec_params *p = &a->ipsec->p;
	char spi_c[11], spi_s[11], port_c[11], port_s[11];
	const struct expected_param want[] = {
		{ "alg", sbc_sip_sa_alg_name(p->alg) },
		{ "ealg", sbc_sip_sa_ealg_name(p->ealg) },
		{ "prot", "esp" },
		{ "mod", "trans" },
		{ "spi-c", decimal(p->pcscf_spi_c, spi_c) },
		{ "spi-s", decimal(p->pcscf_spi_s, spi_s) },
		{ "port-c", decimal(p->pcscf_port_c, port_c) },
		{ "port-s", decimal(p->pcscf_port_s, port_s) },
	};
	return mech_is(&got->items[0], "ipsec-3gpp", want, sizeof want / sizeof want[0]);
}

int sbc_sip_assoc_keep_sent(struct sbc_sip_assoc *a, const char *client_raw)
{
	char server[SBC_SIP_ASSOC_SERVER_MAX];

	if (!sbc_sip_assoc_server(a, server, sizeof server))
		return -1;
	size_t c = strlen(client_raw) + 1, s = strlen(server) + 1;
	char *sent = malloc(c + s);
	if (!sent)
		return -1;
	memcpy(sent, client_raw, c);
	memcpy(sent + c, server, s);
	free(a->sent);
	a->sent = sent;
	return 0;
}

const char *sbc_sip_assoc_client_raw(const struct sbc_sip_assoc *a)
{
	if (a->sent)
		return a->sent[0] ? a->sent : NULL;
	return a->client_is_raw ? a->client : NULL;
}

const char *sbc_sip_assoc_server_sent(const struct sbc_sip_assoc *a)
{
	return a->sent ? a->sent + strlen(a->sent) + 1 : NULL;
}

const char *sbc_sip_assoc_server(const struct sbc_sip_assoc *a, char *buf, size_t size)
{
	if (!a->negotiated)
		return NULL;
	const char *kept = sbc_sip_assoc_server_sent(a);
	if (kept && size) {  /* written once while pending (sbc_sip_assoc_keep_sent) */
		size_t n = strlen(kept);
		n = n < size ? n : size - 1;
		memcpy(buf, kept, n);
		buf[n] = '\0';
		return buf;
	}
	if (a->mech == SBC_SECAGREE_TLS || !a->ipsec) {
		snprintf(buf, size, "tls");
		return buf;
	}
	const struct sbc_sip_ipsec_params *p = &a->ipsec->p;
	sbc_sip_secagree_ipsec_server(buf, size, sbc_sip_sa_alg_name(p->alg),
				      sbc_sip_sa_ealg_name(p->ealg), p->pcscf_spi_c, p->pcscf_spi_s,
				      p->pcscf_port_c, p->pcscf_port_s);
	return buf;
}

/* --- associations --- */

struct sbc_sip_assocs *sbc_sip_assocs_new(void)
{
	struct sbc_sip_assocs *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (RAND_bytes((unsigned char *)&t->seed, sizeof t->seed) != 1)
		t->seed = 0x9e3779b97f4a7c15ULL;
	int rc = sbc_sip_htab_init(&t->byimpu);
	rc |= lindex_init(&t->byconn, offsetof(struct sbc_sip_assoc, conn_link), h_conn);
	rc |= lindex_init(&t->byuser, offsetof(struct sbc_sip_assoc, user_link), h_user);
	rc |= lindex_init(&t->byip, offsetof(struct sbc_sip_assoc, ip_link), h_ip);
	if (rc != 0) {
		sbc_sip_htab_destroy(&t->byimpu);
		struct lindex *ix[] = { &t->byconn, &t->byuser, &t->byip };
		for (size_t i = 0; i < sizeof ix / sizeof ix[0]; i++)
			free(ix[i]->b);
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
}

void sbc_sip_assoc_free(struct sbc_sip_assoc *a)
{
	if (!a)
		return;
	ipsec_release(a->ipsec);
	free((char *)(uintptr_t)a->username);
	unintern(a->realm);
	unintern(a->uri);
	free(a->client);
	free(a->sent);
	free(a->fwd_key);
	free(a);
}

static void unlink_one(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	if (!a->linked)
		return;
	sbc_sip_htab_remove(&t->byimpu, &a->node);
	if (a->state == SBC_SIP_ASSOC_PENDING)
		t->pending--;
	t->ending -= a->ending;
	lindex_remove(&t->byuser, a);
	lindex_remove(&t->byip, a);
	if (a->conn_id)
		lindex_remove(&t->byconn, a);
	if (a->ipsec && a->ipsec->indexed) {
		const struct sbc_sip_ipsec_params *p = &a->ipsec->p;
		if (sbc_sip_spi_owner(a->ipsec->pool, p->pcscf_spi_c) == a)
			sbc_sip_spi_set_owner(a->ipsec->pool, p->pcscf_spi_c, NULL);
		if (sbc_sip_spi_owner(a->ipsec->pool, p->pcscf_spi_s) == a)
			sbc_sip_spi_set_owner(a->ipsec->pool, p->pcscf_spi_s, NULL);
		a->ipsec->indexed = false;
	}
	a->linked = false;
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
	struct lindex *ix[] = { &t->byconn, &t->byuser, &t->byip };
	for (size_t i = 0; i < sizeof ix / sizeof ix[0]; i++)
		free(ix[i]->b);
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

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int sbc_sip_assoc_set_identity(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a,
			       const char *username, const char *realm, const char *uri)
{
	if (same_str(a->username, username) && same_str(a->realm, realm) && same_str(a->uri, uri))
		return 0;  /* the usual case on the protected REGISTER */
	bool failed = false;
	char *user = username ? strdup(username) : NULL;
	const char *r = intern(realm, &failed), *u = intern(uri, &failed);
	failed |= username && !user;
	if (failed) {
		free(user);
		unintern(r);
		unintern(u);
		return -1;
	}
	const char *old_user = a->username, *old_realm = a->realm, *old_uri = a->uri;
	if (t && a->linked)
		pthread_mutex_lock(&t->lock);
	a->username = user;
	a->realm = r;
	a->uri = u;
	if (t && a->linked)
		pthread_mutex_unlock(&t->lock);
	free((char *)(uintptr_t)old_user);
	unintern(old_realm);
	unintern(old_uri);
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
	size_t size = mech == SBC_SECAGREE_IPSEC3GPP ? sizeof(struct assoc_block)
						     : sizeof(struct sbc_sip_assoc);
	/* The key right after the association, in its allocation. */
	struct sbc_sip_assoc *a = n <= IMPU_MAX ? calloc(1, size + n + 2) : NULL;

	if (!a)
		return NULL;
	a->key = (char *)a + size;
	a->key[0] = state_char(SBC_SIP_ASSOC_PENDING);
	memcpy(a->key + 1, impu, n + 1);
	a->impu = a->key + 1;
	a->mech = (uint8_t)mech;
	a->state = SBC_SIP_ASSOC_PENDING;
	a->phase = SBC_SIP_ASSOC_IDLE;
	return a;
}

struct sbc_sip_assoc_ipsec *sbc_sip_assoc_ipsec_attach(struct sbc_sip_assoc *a,
						       struct sbc_sip_sa_backend *backend,
						       struct sbc_sip_spi_pool *pool)
{
	if (a->mech != SBC_SECAGREE_IPSEC3GPP)
		return NULL;
	struct sbc_sip_assoc_ipsec *s = &((struct assoc_block *)(void *)a)->s;
	ipsec_release(a->ipsec);
	*s = (struct sbc_sip_assoc_ipsec){ .backend = backend, .pool = pool };
	a->ipsec = s;
	return s;
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

static struct sbc_sip_assoc *by_conn_locked(struct sbc_sip_assocs *t, uint64_t conn_id)
{
	struct sbc_sip_assoc probe = { .conn_id = conn_id };

	for (struct sbc_sip_assoc_link *l = lindex_chain(&t->byconn, h_conn(t, &probe)); l;
	     l = l->next)
		if (owner(&t->byconn, l)->conn_id == conn_id)
			return owner(&t->byconn, l);
	return NULL;
}

/* Index a->conn_id; a connection belongs to one association only. */
static void index_conn(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	struct sbc_sip_assoc *other = by_conn_locked(t, a->conn_id);

	if (other && other != a) {
		lindex_remove(&t->byconn, other);
		other->conn_id = 0;
	}
	if (other != a)
		lindex_insert(t, &t->byconn, a);
}

/* Only the SIP thread looks associations up by SPI: the pool's slots. */
static void index_spis(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	struct sbc_sip_assoc_ipsec *s = a->ipsec;

	if (s->indexed || !s->pool)
		return;
	t->spi_pool = s->pool;  /* the core has one pool */
	sbc_sip_spi_set_owner(s->pool, s->p.pcscf_spi_c, a);
	sbc_sip_spi_set_owner(s->pool, s->p.pcscf_spi_s, a);
	s->indexed = true;
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
	unlink_one(t, a);
	a->key[0] = state_char(a->state);
	a->node.key = a->key;
	rc = sbc_sip_htab_insert(&t->byimpu, &a->node);
	if (rc == 0) {
		a->linked = true;
		t->pending += a->state == SBC_SIP_ASSOC_PENDING;
		t->ending += a->ending;
		lindex_insert(t, &t->byuser, a);
		lindex_insert(t, &t->byip, a);
		if (a->conn_id)
			index_conn(t, a);
		if (a->ipsec && a->ipsec->installed)
			index_spis(t, a);
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int sbc_sip_assoc_index_spis(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	if (!a->ipsec || !a->linked)
		return -1;
	pthread_mutex_lock(&t->lock);
	index_spis(t, a);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

struct sbc_sip_assoc *sbc_sip_assoc_by_spi(struct sbc_sip_assocs *t, uint32_t spi)
{
	return t->spi_pool ? sbc_sip_spi_owner(t->spi_pool, spi) : NULL;
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

/* The association a new registration replaces was last touched about one
 * registration of every other subscriber ago: its teardown misses the
 * cache at its index neighbours and its strings, one after the other.
 * Requested together first, those misses overlap (its SAs are requested
 * the same way by sbc_sip_ipsec_remove). */
static void prefetch_teardown(const struct sbc_sip_assoc *a)
{
	const void *lines[] = {
		a->user_link.next, a->user_link.pprev, a->ip_link.next, a->ip_link.pprev,
		a->conn_link.next, a->conn_link.pprev, a->username, a->client, a->sent,
		a->fwd_key,
	};

	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (lines[i])
			__builtin_prefetch(lines[i], 1);
}

/* Established, the Security-Server sent is no longer compared as text
 * (refreshes echo it parsed, sbc_sip_assoc_same_server): of the texts kept
 * while pending only the first REGISTER's Security-Client stays, for the
 * refreshes to compare, unless it was kept canonical. */
static void keep_client_raw(struct sbc_sip_assoc *a)
{
	if (a->sent && a->sent[0] && !a->client) {
		/* A copy of its own size: shrinking `sent` in place would leave
		 * a hole per association that the next ones do not fit. */
		size_t n = strlen(a->sent) + 1;
		char *raw = malloc(n);
		if (raw) {
			memcpy(raw, a->sent, n);
			free(a->sent);
		}
		a->client = raw ? raw : a->sent;
		a->client_is_raw = true;
	} else {
		free(a->sent);
	}
	a->sent = NULL;
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
	bool linked = a->linked;
	if (linked) {
		struct sbc_sip_assoc *old = find_locked(t, a->impu, SBC_SIP_ASSOC_ESTABLISHED);
		if (old) {
			prefetch_teardown(old);
			unlink_one(t, old);
			sbc_sip_assoc_free(old);
		}
		/* Only the main key says the state: the user, address, connection
		 * and SPI links stay where they are (each relink touched two
		 * neighbours that other subscribers' registrations left cold). */
		sbc_sip_htab_remove(&t->byimpu, &a->node);
		t->pending--;
	}
	a->state = SBC_SIP_ASSOC_ESTABLISHED;
	a->key[0] = state_char(a->state);
	if (linked)
		sbc_sip_htab_insert(&t->byimpu, &a->node);
	pthread_mutex_unlock(&t->lock);
	keep_client_raw(a);
	return linked ? 0 : sbc_sip_assoc_put(t, a);
}

int sbc_sip_assoc_bind_conn(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a, uint64_t conn_id,
			    const struct sockaddr_storage *peer)
{
	pthread_mutex_lock(&t->lock);
	if (a->linked) {
		if (a->conn_id)
			lindex_remove(&t->byconn, a);
		lindex_remove(&t->byip, a);
	}
	a->conn_id = conn_id;
	sbc_sip_sa_addr_set(&a->ue, (const struct sockaddr *)peer);
	if (a->linked) {
		lindex_insert(t, &t->byip, a);
		if (conn_id)
			index_conn(t, a);
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

struct sbc_sip_assoc *sbc_sip_assoc_find(struct sbc_sip_assocs *t, const char *impu,
					 enum sbc_sip_assoc_state state)
{
	/* Only the SIP thread writes, and it is the caller: no lock needed. */
	return find_locked(t, impu, state);
}

struct sbc_sip_assoc *sbc_sip_assoc_by_conn(struct sbc_sip_assocs *t, uint64_t conn_id)
{
	return conn_id ? by_conn_locked(t, conn_id) : NULL;
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

void sbc_sip_assoc_mark_ending(struct sbc_sip_assocs *t, struct sbc_sip_assoc *a)
{
	pthread_mutex_lock(&t->lock);
	if (!a->ending && a->linked)
		t->ending++;
	a->ending = true;
	pthread_mutex_unlock(&t->lock);
}

bool sbc_sip_assoc_any_ending(const struct sbc_sip_assocs *t)
{
	return t->ending > 0;  /* the SIP thread, its only writer, asks */
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

/* --- views --- */

static void fill_view(const struct sbc_sip_assoc *a, struct sbc_sip_assoc_view *v)
{
	memset(v, 0, sizeof *v);
	snprintf(v->impu, sizeof v->impu, "%s", a->impu);
	snprintf(v->username, sizeof v->username, "%s", a->username ? a->username : "");
	if (!sbc_sip_assoc_server(a, v->server, sizeof v->server))
		v->server[0] = '\0';
	v->mech = (enum sbc_sip_secagree_mech)a->mech;
	v->state = (enum sbc_sip_assoc_state)a->state;
	v->negotiated = a->negotiated;
	v->transport = a->transport;
	v->conn_id = a->conn_id;
	v->ue = a->ue;
	v->local = a->local;
	v->expires = a->expires;
	if (a->ipsec) {
		v->has_ipsec = true;
		v->installed = a->ipsec->installed;
		v->p = a->ipsec->p;
	}
}

/* `show ... by-user` semantics: the IMPU without case, or its user part. */
static bool user_matches(const struct sbc_sip_assoc *a, const char *user)
{
	size_t n;
	const char *u = user_part(a->impu, &n);

	if (strcasecmp(a->impu, user) == 0)
		return true;
	return strchr(a->impu, ':') && n == strlen(user) && strncmp(u, user, n) == 0;
}

static size_t user_chain(struct sbc_sip_assocs *t, struct sbc_sip_assoc_link *l,
			 const char *user, struct sbc_sip_assoc_view *out, size_t max,
			 size_t found)
{
	for (; l; l = l->next) {
		const struct sbc_sip_assoc *a = owner(&t->byuser, l);
		if (!user_matches(a, user))
			continue;
		if (found < max)
			fill_view(a, &out[found]);
		found++;
	}
	return found;
}

size_t sbc_sip_assoc_view_user(struct sbc_sip_assocs *t, const char *user,
			       struct sbc_sip_assoc_view *out, size_t max)
{
	/* An association matching `user` as its user part hashes like `user`;
	 * one whose IMPU equals `user` without case, like user's user part. */
	size_t found = 0;
	uint64_t h1 = hash_bytes(t->seed, user, strlen(user), true);
	uint64_t h2 = hash_user_text(t, user);

	pthread_mutex_lock(&t->lock);
	size_t mask = t->byuser.n - 1;
	found = user_chain(t, lindex_chain(&t->byuser, h1), user, out, max, found);
	if ((h1 & mask) != (h2 & mask))
		found = user_chain(t, lindex_chain(&t->byuser, h2), user, out, max, found);
	pthread_mutex_unlock(&t->lock);
	return found;
}

size_t sbc_sip_assoc_view_ip(struct sbc_sip_assocs *t, const char *ip,
			     struct sbc_sip_assoc_view *out, size_t max)
{
	struct sbc_sip_sa_addr want;
	bool with_port;
	size_t found = 0;

	if (sbc_sip_sa_addr_parse(ip, &want, &with_port) != 0)
		return 0;
	uint16_t port = want.port;
	want.port = 0;
	pthread_mutex_lock(&t->lock);
	for (struct sbc_sip_assoc_link *l = lindex_chain(&t->byip, hash_ip_addr(t, &want)); l;
	     l = l->next) {
		const struct sbc_sip_assoc *a = owner(&t->byip, l);
		if (a->ue.family != want.family || memcmp(a->ue.ip, want.ip, sizeof want.ip) != 0 ||
		    (with_port && a->ue.port != port))
			continue;
		if (found < max)
			fill_view(a, &out[found]);
		found++;
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

size_t sbc_sip_assoc_view_page(struct sbc_sip_assocs *t, struct sbc_sip_assoc_cursor *c,
			       struct sbc_sip_assoc_view *out, size_t max)
{
	size_t got = 0;

	pthread_mutex_lock(&t->lock);
	size_t n = t->byimpu.nbuckets;
	if (c->nbuckets != n)
		c->skip = 0;  /* the table grew: that bucket split, list it whole */
	c->nbuckets = n;
	while (!c->done && got < max) {
		const struct sbc_sip_hnode *x = t->byimpu.buckets[c->bucket & (n - 1)];
		size_t len = 0, i = 0;
		for (const struct sbc_sip_hnode *y = x; y; y = y->next)
			len++;
		if (got > 0 && got + (len > c->skip ? len - c->skip : 0) > max)
			break;  /* pages end between buckets, so a growing table repeats none */
		for (; x && got < max; x = x->next, i++)
			if (i >= c->skip)
				fill_view(SBC_SIP_CONTAINER(x, struct sbc_sip_assoc, node), &out[got++]);
		if (x) {
			c->skip = i;  /* a bucket longer than a page (load <= 1: rare) */
			break;
		}
		c->skip = 0;
		c->bucket = sbc_sip_htab_next_bucket(c->bucket, n);
		c->done = c->bucket == 0;
	}
	pthread_mutex_unlock(&t->lock);
	return got;
}
