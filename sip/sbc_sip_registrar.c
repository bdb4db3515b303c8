/* Registrar / S-CSCF logic (see sbc_sip_registrar.h). Each rejection logs
 * the rule that decided it. An unknown user gets 403 Forbidden: that is
 * what an IMS network answers, since the I-CSCF maps the HSS's
 * DIAMETER_ERROR_USER_UNKNOWN to 403 (TS 24.229 5.3.1.2, TS 29.228). */
#include "sbc_sip_registrar.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "sbc_log.h"
#include "sbc_sec_digest.h"
#include "sbc_sip_challenge.h"
#include "sbc_sip_internal.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_regtable.h"
#include "sbc_sip_stats.h"
#include "sbc_sip_subindex.h"

/* Only the SIP thread calls in here, except the readers at the end of
 * sbc_sip_registrar.h: `lock` is held around every change of `regs` (and
 * by those readers), so the SIP thread's own reads need no lock. */
struct sbc_sip_registrar {
	struct sbc_sip_regtable *regs;
	struct sbc_sip_challenges *chals;
	struct sbc_sip_stats *stats;
	pthread_mutex_t lock;
	/* Subscriber indexes: the apply hook (ACLI thread) sets them, the SIP
	 * thread picks the one of the snapshot it holds. idx_lock guards the
	 * pointers; an index itself is immutable. An index whose identities
	 * still fit is shared by the committed and the prepared snapshot
	 * (idx_next == idx_cur). Replaced ones wait in idx_retired for the SIP
	 * thread's next tick, when no event can still be using them. */
	pthread_mutex_t idx_lock;
	struct sbc_sip_subindex *idx_cur;      /* of the committed snapshot */
	const struct sbc_cfg *idx_cur_cfg;
	uint64_t idx_cur_gen;                  /* its ims-subscriber generation */
	struct sbc_sip_subindex *idx_next;     /* prepared, not committed yet */
	const struct sbc_cfg *idx_next_cfg;
	uint64_t idx_next_gen;
	struct sbc_sip_subindex *idx_retired;  /* chain, freed by the tick */
	unsigned long idx_builds;              /* indexes built, for tests */
};

/* Everything one REGISTER needs, gathered once. */
struct reg_ctx {
	struct sbc_sip_registrar *r;
	const struct sbc_cfg *cfg;
	const struct sbc_cfg_ims_core *core;
	const osip_message_t *req;
	const struct sbc_sip_source *src;
	time_t now;
	char *aor;
	struct sbc_sec_digest_creds creds;
	bool has_creds;
	const struct sbc_cfg_ims_subscriber *sub;
	const char *impi;
	struct sbc_sip_core_answer *ans;
};

struct sbc_sip_registrar *sbc_sip_registrar_new(struct sbc_sip_stats *stats)
{
	struct sbc_sip_registrar *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->stats = stats;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->idx_lock, NULL);
	r->regs = sbc_sip_regtable_new();
	r->chals = sbc_sip_chal_new();
	if (!r->regs || !r->chals) {
		sbc_sip_registrar_free(r);
		return NULL;
	}
	return r;
}

void sbc_sip_registrar_free(struct sbc_sip_registrar *r)
{
	if (!r)
		return;
	sbc_sip_regtable_free(r->regs);
	sbc_sip_chal_free(r->chals);
	if (r->idx_next != r->idx_cur)
		sbc_sip_subindex_free(r->idx_next);
	sbc_sip_subindex_free(r->idx_cur);
	sbc_sip_subindex_free(r->idx_retired);
	pthread_mutex_destroy(&r->idx_lock);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void sbc_sip_registrar_tick(struct sbc_sip_registrar *r, time_t now)
{
	pthread_mutex_lock(&r->lock);
	size_t n = sbc_sip_regtable_expire(r->regs, now);
	pthread_mutex_unlock(&r->lock);
	for (size_t i = 0; i < n; i++)
		sbc_sip_stat_inc(r->stats, SBC_SIP_STAT_REG_EXPIRED);
	sbc_sip_chal_expire(r->chals, now);
	/* Between events on the SIP thread, the only reader: nobody holds a
	 * snapshot older than the committed one any more. */
	pthread_mutex_lock(&r->idx_lock);
	struct sbc_sip_subindex *retired = r->idx_retired;
	r->idx_retired = NULL;
	pthread_mutex_unlock(&r->idx_lock);
	sbc_sip_subindex_free(retired);
}

/* The committed index when next's ims-subscriber element is the same
 * (equal generations: O(1)) or its identities still fit (O(n) compares, a
 * password changed), else a new one. */
int sbc_sip_registrar_index_prepare(struct sbc_sip_registrar *r, const struct sbc_cfg *next,
				    uint64_t gen)
{
	/* Only the apply hook changes idx_cur, and hooks run one at a time. */
	struct sbc_sip_subindex *idx = r->idx_cur;
	bool built = false, same = idx && gen && gen == r->idx_cur_gen;

	if (!same && (!idx || !sbc_sip_subindex_fits(idx, next))) {
		if (!(idx = sbc_sip_subindex_build(next)))
			return -1;
		built = true;
	}
	pthread_mutex_lock(&r->idx_lock);
	if (r->idx_next != r->idx_cur)  /* never left over, but safe */
		sbc_sip_subindex_chain(&r->idx_retired, r->idx_next);
	r->idx_next = idx;
	r->idx_next_cfg = next;
	r->idx_next_gen = gen;
	r->idx_builds += built;
	pthread_mutex_unlock(&r->idx_lock);
	return 0;
}

void sbc_sip_registrar_index_commit(struct sbc_sip_registrar *r)
{
	pthread_mutex_lock(&r->idx_lock);
	if (r->idx_next) {
		if (r->idx_cur != r->idx_next)
			sbc_sip_subindex_chain(&r->idx_retired, r->idx_cur);
		r->idx_cur = r->idx_next;
		r->idx_cur_cfg = r->idx_next_cfg;
		r->idx_cur_gen = r->idx_next_gen;
		r->idx_next = NULL;
		r->idx_next_cfg = NULL;
	}
	pthread_mutex_unlock(&r->idx_lock);
}

void sbc_sip_registrar_index_abort(struct sbc_sip_registrar *r)
{
	/* Never published, so no reader can have picked it; a shared one
	 * stays with the committed snapshot. */
	pthread_mutex_lock(&r->idx_lock);
	struct sbc_sip_subindex *idx = r->idx_next == r->idx_cur ? NULL : r->idx_next;
	r->idx_next = NULL;
	r->idx_next_cfg = NULL;
	pthread_mutex_unlock(&r->idx_lock);
	sbc_sip_subindex_free(idx);
}

unsigned long sbc_sip_registrar_index_builds(struct sbc_sip_registrar *r)
{
	pthread_mutex_lock(&r->idx_lock);
	unsigned long n = r->idx_builds;
	pthread_mutex_unlock(&r->idx_lock);
	return n;
}

size_t sbc_sip_registrar_count(struct sbc_sip_registrar *r)
{
	pthread_mutex_lock(&r->lock);
	size_t n = sbc_sip_regtable_count(r->regs);
	pthread_mutex_unlock(&r->lock);
	return n;
}

size_t sbc_sip_registrar_challenges(struct sbc_sip_registrar *r)
{
	pthread_mutex_lock(&r->lock);
	size_t n = sbc_sip_chal_count(r->chals);
	pthread_mutex_unlock(&r->lock);
	return n;
}

void sbc_sip_registrar_foreach(struct sbc_sip_registrar *r,
			       void (*fn)(const struct sbc_sip_reg *, void *), void *arg)
{
	pthread_mutex_lock(&r->lock);
	sbc_sip_regtable_foreach(r->regs, fn, arg);
	pthread_mutex_unlock(&r->lock);
}

/* Insert / replace / remove under the lock, counting what happened. */
static int binding_set(struct sbc_sip_registrar *r, const struct sbc_sip_reg_info *in,
		       bool refresh, time_t now)
{
	pthread_mutex_lock(&r->lock);
	int rc = sbc_sip_regtable_set(r->regs, in, now);
	size_t n = sbc_sip_regtable_count(r->regs);
	pthread_mutex_unlock(&r->lock);
	if (rc == 0) {
		sbc_sip_stat_inc(r->stats, refresh ? SBC_SIP_STAT_REG_REFRESHES : SBC_SIP_STAT_REG_TOTAL);
		sbc_sip_stat_high(r->stats, SBC_SIP_STAT_REG_HIGH, n);
	}
	return rc;
}

static int binding_remove(struct sbc_sip_registrar *r, const char *aor)
{
	pthread_mutex_lock(&r->lock);
	int rc = sbc_sip_regtable_remove(r->regs, aor);
	pthread_mutex_unlock(&r->lock);
	if (rc == 0)
		sbc_sip_stat_inc(r->stats, SBC_SIP_STAT_REG_DEREGS);
	return rc;
}

/* "sip:user@host" of a URI, without parameters (heap). */
static char *aor_of(const osip_uri_t *u)
{
	char *s = NULL;

	if (!u || !u->scheme || !u->host)
		return NULL;
	if (asprintf(&s, "%s:%s%s%s", u->scheme, u->username ? u->username : "",
		     u->username ? "@" : "", u->host) < 0)
		return NULL;
	return s;
}

static bool has_impu(const struct sbc_cfg_ims_subscriber *s, const char *aor)
{
	for (size_t i = 0; i < s->impu.count; i++)
		if (strcasecmp(s->impu.items[i], aor) == 0)
			return true;
	return false;
}

/* The index built for exactly this snapshot: the committed one, or the
 * prepared one when the store has published cfg but not yet run our
 * commit. Only those two are compared, since a retired index's snapshot
 * may be freed and its address reused. */
static const struct sbc_sip_subindex *index_of(struct sbc_sip_registrar *r,
					       const struct sbc_cfg *cfg)
{
	const struct sbc_sip_subindex *idx = NULL;

	pthread_mutex_lock(&r->idx_lock);
	if (r->idx_cur && r->idx_cur_cfg == cfg)
		idx = r->idx_cur;
	else if (r->idx_next && r->idx_next_cfg == cfg)
		idx = r->idx_next;
	pthread_mutex_unlock(&r->idx_lock);
	return idx;
}

/* By IMPI (Authorization username) when given, else by public identity.
 * Through the snapshot's index; a snapshot that never went through the
 * apply hook (none is served that way today) is scanned. */
static const struct sbc_cfg_ims_subscriber *find_subscriber(struct sbc_sip_registrar *r,
							    const struct sbc_cfg *cfg,
							    const char *impi, const char *aor)
{
	const struct sbc_cfg_objs *subs = &cfg->elements[SBC_CFG_IMS_SUBSCRIBER];
	const struct sbc_sip_subindex *idx = index_of(r, cfg);

	if (idx)
		return impi ? sbc_sip_subindex_by_impi(idx, cfg, impi)
			    : sbc_sip_subindex_by_impu(idx, cfg, aor);
	for (size_t i = 0; i < subs->count; i++) {
		const struct sbc_cfg_ims_subscriber *s = subs->items[i];
		if (impi ? strcmp(s->impi, impi) == 0 : has_impu(s, aor))
			return s;
	}
	return NULL;
}

static int respond(struct reg_ctx *x, int code, const char *reason)
{
	unsigned char raw[6];
	char tag[16];

	if (RAND_bytes(raw, sizeof raw) != 1)
		return -1;
	snprintf(tag, sizeof tag, "%02x%02x%02x%02x%02x%02x", raw[0], raw[1], raw[2], raw[3],
		 raw[4], raw[5]);
	x->ans->resp = sbc_sip_msg_response(x->req, code, reason, tag);
	return x->ans->resp ? 0 : -1;
}

static int reject(struct reg_ctx *x, int code, const char *reason, const char *rule)
{
	char addr[80];

	sbc_log_info("registrar: %d %s for %s from %s (rule %s)", code, reason,
		     x->aor ? x->aor : "?", sbc_sip_addr_str(&x->src->peer, addr, sizeof addr), rule);
	return respond(x, code, reason);
}

static int challenge(struct reg_ctx *x, bool stale)
{
	bool aka = x->sub->auth_scheme == SBC_CFG_AUTH_AKA;
	const struct sbc_sip_chal *c;
	char *hdr = NULL;
	int rc = -1;

	if (aka) {
		struct sbc_sec_aka_subscriber sub;
		if (sbc_sec_aka_subscriber_init(&sub, x->sub->k, x->sub->op, x->sub->opc,
						x->sub->amf) != 0)
			return reject(x, 403, "Forbidden", "aka-subscriber-keys-invalid");
		c = sbc_sip_chal_aka(x->r->chals, x->impi, &sub, x->now, x->core->nonce_lifetime);
		explicit_bzero(&sub, sizeof sub);
	} else {
		c = sbc_sip_chal_digest(x->r->chals, x->impi, x->now, x->core->nonce_lifetime);
	}
	if (!c)
		return reject(x, 503, "Service Unavailable", "challenge-table-full");
	/* AKA: CK and IK for the P-CSCF's SAs as an S-CSCF sends them (TS
	 * 33.203 7.2, TS 24.229 5.4.1.2.1); the P-CSCF strips them. */
	char keys[120] = "";
	if (aka) {
		char ck[33], ik[33];
		for (int i = 0; i < 16; i++) {
			snprintf(ck + 2 * i, 3, "%02x", c->vec.ck[i]);
			snprintf(ik + 2 * i, 3, "%02x", c->vec.ik[i]);
		}
		snprintf(keys, sizeof keys, ", ck=\"%s\", ik=\"%s\"", ck, ik);
		explicit_bzero(ck, sizeof ck);
		explicit_bzero(ik, sizeof ik);
	}
	if (asprintf(&hdr, "Digest realm=\"%s\", nonce=\"%s\", algorithm=%s, qop=\"auth\"%s%s",
		     x->core->home_domain, c->node.key, aka ? "AKAv1-MD5" : "MD5",
		     stale ? ", stale=TRUE" : "", keys) < 0)
		return -1;
	explicit_bzero(keys, sizeof keys);
	/* Raw: libosip2's WWW-Authenticate has no room for ck / ik. */
	if (respond(x, 401, "Unauthorized") != 0 ||
	    sbc_sip_msg_add_raw(x->ans->resp, "WWW-Authenticate", hdr) != 0)
		goto out;
	if (aka) {
		x->ans->has_keys = true;
		memcpy(x->ans->ck, c->vec.ck, 16);
		memcpy(x->ans->ik, c->vec.ik, 16);
	}
	rc = 0;
out:
	if (hdr)
		explicit_bzero(hdr, strlen(hdr));  /* it held CK / IK */
	free(hdr);
	return rc;
}

/* RFC 2617 check of the Authorization against the live challenge. */
static bool response_ok(struct reg_ctx *x, struct sbc_sip_chal *c, const char **rule)
{
	const struct sbc_sec_digest_creds *cr = &x->creds;
	char ha1[SBC_SEC_DIGEST_HEX_SIZE], want[SBC_SEC_DIGEST_HEX_SIZE];
	unsigned long nc;
	char *end = NULL;
	int rc;

	*rule = "wrong-response";
	if (!cr->realm || strcmp(cr->realm, x->core->home_domain) != 0)
		return *rule = "realm-mismatch", false;
	if (!cr->qop || strcasecmp(cr->qop, "auth") != 0 || !cr->nc || !cr->cnonce || !cr->uri ||
	    !cr->response)
		return *rule = "qop-auth-fields-missing", false;
	nc = strtoul(cr->nc, &end, 16);
	if (!end || *end || nc <= c->last_nc)
		return *rule = "nonce-count-replayed", false;
	if (c->aka)
		rc = sbc_sec_digest_ha1(cr->username, cr->realm, c->vec.xres, 8, ha1);
	else
		rc = sbc_sec_digest_ha1(cr->username, cr->realm, x->sub->password,
					strlen(x->sub->password), ha1);
	if (rc != 0 || sbc_sec_digest_response(ha1, x->req->sip_method, cr->uri, cr->nonce, cr->nc,
					       cr->cnonce, cr->qop, want) != 0)
		return *rule = "digest-internal-error", false;
	explicit_bzero(ha1, sizeof ha1);
	c->last_nc = (uint32_t)nc;
	return sbc_sec_digest_equal(want, cr->response);
}

/* Path values of the request, comma-joined, for the binding and the 200. */
static char *path_of(const osip_message_t *req)
{
	osip_header_t *h = NULL;
	char *all = NULL, *tmp;

	for (int i = 0; osip_message_header_get_byname(req, "path", i, &h) >= 0; i++) {
		if (!h || !h->hvalue)
			break;
		if (asprintf(&tmp, "%s%s%s", all ? all : "", all ? ", " : "", h->hvalue) < 0) {
			free(all);
			return NULL;
		}
		free(all);
		all = tmp;
	}
	return all ? all : strdup("");
}

/* 200 OK: Contact with expires, Path echoed (RFC 3327), Service-Route
 * (RFC 3608) and P-Associated-URI (RFC 7315). */
static int accept_binding(struct reg_ctx *x, const char *contact, long expires)
{
	char *path = path_of(x->req), *hdr = NULL;
	int rc = -1;

	if (!path || respond(x, 200, "OK") != 0)
		goto out;
	if (contact && expires > 0 &&
	    (asprintf(&hdr, "<%s>;expires=%ld", contact, expires) < 0 ||
	     osip_message_set_contact(x->ans->resp, hdr) != 0))
		goto out;
	if (*path && osip_message_set_header(x->ans->resp, "Path", path) != 0)
		goto out;
	free(hdr);
	hdr = NULL;
	if (asprintf(&hdr, "<sip:orig@scscf.%s;lr>", x->core->home_domain) < 0 ||
	    osip_message_set_header(x->ans->resp, "Service-Route", hdr) != 0)
		goto out;
	for (size_t i = 0; i < x->sub->impu.count; i++) {
		free(hdr);
		hdr = NULL;
		if (asprintf(&hdr, "<%s>", x->sub->impu.items[i]) < 0 ||
		    osip_message_set_header(x->ans->resp, "P-Associated-URI", hdr) != 0)
			goto out;
	}
	rc = 0;
out:
	free(hdr);
	free(path);
	return rc;
}

/* The authenticated REGISTER: add, refresh, remove or query the binding. */
static int update_binding(struct reg_ctx *x)
{
	osip_contact_t *ct = osip_list_get(&x->req->contacts, 0);
	long expires = sbc_sip_msg_expires(x->req, x->core->default_expires);
	char *contact = NULL, *path = NULL, *call_id = NULL;
	int rc = -1;

	if (expires < 0)
		return reject(x, 400, "Bad Request - Expires", "expires-not-a-number");
	if (!ct) {  /* a query: list what is bound */
		const struct sbc_sip_reg *reg = sbc_sip_regtable_get(x->r->regs, x->aor, x->now);
		return accept_binding(x, reg ? reg->contact : NULL,
				      reg ? (long)(reg->expires - x->now) : 0);
	}
	if (expires == 0 || (ct->displayname && strcmp(ct->displayname, "*") == 0)) {
		if (binding_remove(x->r, x->aor) == 0)
			sbc_log_info("registrar: %s de-registered", x->aor);
		return accept_binding(x, NULL, 0);
	}
	if (expires < (long)x->core->min_expires) {
		char min[16];
		snprintf(min, sizeof min, "%u", x->core->min_expires);
		if (reject(x, 423, "Interval Too Brief", "below-min-expires") != 0)
			return -1;
		return osip_message_set_header(x->ans->resp, "Min-Expires", min) == 0 ? 0 : -1;
	}
	if (x->core->max_expires && expires > (long)x->core->max_expires)
		expires = x->core->max_expires;
	/* The whole Call-ID (number@host), as `show` reports it. */
	if (osip_uri_to_str(ct->url, &contact) != 0 || !(path = path_of(x->req)) ||
	    osip_call_id_to_str(x->req->call_id, &call_id) != 0)
		goto out;
	bool refresh = sbc_sip_regtable_get(x->r->regs, x->aor, x->now) != NULL;
	struct sbc_sip_reg_info in = {
		.aor = x->aor, .contact = contact, .call_id = call_id, .path = path,
		.cseq = (uint32_t)strtoul(x->req->cseq->number, NULL, 10),
		.expires = x->now + expires, .transport = x->src->transport,
		.integrity = sbc_sip_integrity_parse(x->creds.integrity_protected),
		.peer = (const struct sockaddr *)&x->src->peer, .peer_len = x->src->peer_len,
		.local = (const struct sockaddr *)&x->src->local, .local_len = x->src->local_len,
	};
	if (binding_set(x->r, &in, refresh, x->now) != 0)
		goto out;
	sbc_log_info("registrar: %s %s to %s for %lds", x->aor, refresh ? "refreshed" : "registered",
		     contact, expires);
	rc = accept_binding(x, contact, expires);
out:
	osip_free(contact);
	osip_free(call_id);
	free(path);
	return rc;
}

/* Authorization header -> creds. The value is the one received (see
 * sbc_sip_msg_parse), so auts and integrity-protected are still there. */
static int read_creds(struct reg_ctx *x)
{
	const char *text = sbc_sip_msg_header(x->req, "Authorization");

	if (!text)
		return 0;
	if (sbc_sec_digest_parse(text, &x->creds) != 0)
		return -1;
	x->has_creds = true;
	return 0;
}

/* AKA synchronisation failure (RFC 3310 3.4, TS 33.102 6.3.5): the UE
 * answered our challenge with AUTS instead of RES. A valid MAC-S moves
 * the subscriber's SQN to the UE's and earns a fresh challenge; anything
 * else is refused, and either way the challenged vector is spent. */
static int resync(struct reg_ctx *x, struct sbc_sip_chal *c)
{
	struct sbc_sec_aka_subscriber sub;
	uint8_t rand[16], sqn_ms[6];
	int rc;

	if (!c->aka) {
		sbc_sip_chal_consume(x->r->chals, c);
		return reject(x, 403, "Forbidden", "auts-without-aka-challenge");
	}
	memcpy(rand, c->vec.rand, sizeof rand);
	sbc_sip_chal_consume(x->r->chals, c);
	if (sbc_sec_aka_subscriber_init(&sub, x->sub->k, x->sub->op, x->sub->opc,
					x->sub->amf) != 0)
		return reject(x, 403, "Forbidden", "aka-subscriber-keys-invalid");
	rc = sbc_sec_aka_auts_check(&sub, rand, x->creds.auts, sqn_ms);
	explicit_bzero(&sub, sizeof sub);
	if (rc != 0) {
		sbc_sip_stat_inc(x->r->stats, SBC_SIP_STAT_AUTS_BAD);
		return reject(x, 403, "Forbidden", "auts-mac-s-invalid");
	}
	uint64_t sqn = 0;
	for (int i = 0; i < 6; i++)
		sqn = sqn << 8 | sqn_ms[i];
	sbc_sip_chal_resync(x->r->chals, x->impi, sqn_ms);
	sbc_sip_stat_inc(x->r->stats, SBC_SIP_STAT_AUTS_RESYNC);
	sbc_log_info("registrar: AKA resynchronisation for %s: SQN now %llu, challenging again",
		     x->impi, (unsigned long long)sqn);
	return challenge(x, false);
}

static int authenticate_and_bind(struct reg_ctx *x)
{
	const struct sbc_sec_digest_creds *cr = &x->creds;
	const char *rule;

	/* No credentials yet, or the seed's initial form with an empty nonce. */
	if (!x->has_creds || !cr->nonce || !*cr->nonce)
		return challenge(x, false);
	struct sbc_sip_chal *c = sbc_sip_chal_find(x->r->chals, cr->nonce, x->now);
	if (!c || strcmp(c->impi, x->impi) != 0) {
		sbc_log_info("registrar: stale or unknown nonce from %s, challenging again", x->impi);
		return challenge(x, true);
	}
	if (cr->auts)
		return resync(x, c);
	if (!response_ok(x, c, &rule)) {
		sbc_sip_chal_consume(x->r->chals, c);
		return reject(x, 403, "Forbidden", rule);
	}
	if (c->aka)  /* an AKA vector is good for one authentication */
		sbc_sip_chal_consume(x->r->chals, c);
	else  /* Digest: reusable for refreshes with a higher nc, no longer pending */
		sbc_sip_chal_answered(x->r->chals, c);
	return update_binding(x);
}

int sbc_sip_registrar_register(struct sbc_sip_registrar *r, const struct sbc_cfg *cfg,
			       const osip_message_t *req, const struct sbc_sip_source *src,
			       time_t now, struct sbc_sip_core_answer *ans)
{
	struct reg_ctx x = { .r = r, .cfg = cfg, .req = req, .src = src, .now = now, .ans = ans };
	int rc;

	memset(ans, 0, sizeof(*ans));
	x.core = SBC_CFG_SINGLETON(cfg, SBC_CFG_IMS_CORE, struct sbc_cfg_ims_core);
	x.aor = aor_of(req->to->url);
	if (!x.core->state) {
		rc = reject(&x, 503, "Service Unavailable", "ims-core-disabled");
		goto out;
	}
	if (!x.aor) {
		rc = reject(&x, 400, "Bad Request - To", "to-uri-not-an-aor");
		goto out;
	}
	if (read_creds(&x) != 0) {
		rc = reject(&x, 400, "Bad Request - Authorization", "authorization-unparseable");
		goto out;
	}
	/* What the P-CSCF told the core (sec-agree tests read this line). */
	sbc_log_info("core: REGISTER for %s received: integrity-protected=%s, Require=%s, "
		     "Proxy-Require=%s, Security-Client=%s, Security-Verify=%s", x.aor,
		     x.has_creds && x.creds.integrity_protected ? x.creds.integrity_protected
								 : "(absent)",
		     sbc_sip_msg_header(req, "Require") ? sbc_sip_msg_header(req, "Require") : "(absent)",
		     sbc_sip_msg_header(req, "Proxy-Require") ? sbc_sip_msg_header(req, "Proxy-Require")
							     : "(absent)",
		     sbc_sip_msg_header(req, "Security-Client") ? "present" : "(absent)",
		     sbc_sip_msg_header(req, "Security-Verify") ? "present" : "(absent)");
	x.sub = find_subscriber(r, cfg, x.has_creds ? x.creds.username : NULL, x.aor);
	if (!x.sub) {
		rc = reject(&x, 403, "Forbidden", "unknown-user");
		goto out;
	}
	x.impi = x.sub->impi;
	if (!has_impu(x.sub, x.aor)) {
		rc = reject(&x, 403, "Forbidden", "impu-not-of-impi");
		goto out;
	}
	rc = authenticate_and_bind(&x);
out:
	sbc_sec_digest_creds_free(&x.creds);
	free(x.aor);
	return rc;
}

/* The terminating side of an INVITE, which the emulated core does not
 * ring: 486 Busy Here when the Request-URI's AoR has a live binding (a
 * final answer keeps the P-CSCF's INVITE server transaction to a cached
 * non-2xx, whose ACK it absorbs: no dialog is ever set up), 480
 * Temporarily Unavailable when it has none, whether or not the AoR is a
 * subscriber's IMPU (the core does not tell the caller which). */
static int answer_invite(struct reg_ctx *x)
{
	char *callee = aor_of(x->req->req_uri);
	bool bound = false;

	if (callee)  /* the SIP thread's own read: no lock (see the struct) */
		bound = sbc_sip_regtable_get(x->r->regs, callee, time(NULL)) != NULL;
	sbc_log_info("core: %d for INVITE to %s (rule %s)", bound ? 486 : 480,
		     callee ? callee : "?",
		     bound ? "callee-registered-not-rung" : "callee-not-registered");
	free(callee);
	return bound ? respond(x, 486, "Busy Here") : respond(x, 480, "Temporarily Unavailable");
}

int sbc_sip_registrar_request(struct sbc_sip_registrar *r, const osip_message_t *req,
			      struct sbc_sip_core_answer *ans)
{
	struct reg_ctx x = { .r = r, .req = req, .ans = ans };
	bool served = strcmp(req->sip_method, "MESSAGE") == 0 ||
		      strcmp(req->sip_method, "OPTIONS") == 0;

	memset(ans, 0, sizeof(*ans));
	if (strcmp(req->sip_method, "INVITE") == 0)
		return answer_invite(&x);
	if (!served) {
		sbc_log_info("core: 501 for %s (rule method-not-served-by-core)", req->sip_method);
		return respond(&x, 501, "Not Implemented");
	}
	return respond(&x, 200, "OK");
}

void sbc_sip_registrar_learn(struct sbc_sip_registrar *r, const osip_message_t *req,
			     const osip_message_t *resp, const struct sbc_sip_source *src,
			     time_t now)
{
	osip_contact_t *ct = osip_list_get(&resp->contacts, 0);
	long expires = sbc_sip_msg_expires(resp, 0);
	char *aor = aor_of(req->to ? req->to->url : NULL), *contact = NULL, *call_id = NULL;

	if (!aor)
		return;
	if (!ct || expires <= 0) {
		if (binding_remove(r, aor) == 0)
			sbc_log_info("pcscf: %s de-registered at the session-agent", aor);
		goto out;
	}
	if (osip_uri_to_str(ct->url, &contact) != 0 ||
	    osip_call_id_to_str(req->call_id, &call_id) != 0)
		goto out;
	bool refresh = sbc_sip_regtable_get(r->regs, aor, now) != NULL;
	struct sbc_sip_reg_info in = {
		.aor = aor, .contact = contact, .call_id = call_id,
		.path = sbc_sip_msg_header(resp, "Path"),
		.cseq = (uint32_t)strtoul(req->cseq->number, NULL, 10),
		.expires = now + expires, .transport = src->transport,
		.peer = (const struct sockaddr *)&src->peer, .peer_len = src->peer_len,
		.local = (const struct sockaddr *)&src->local, .local_len = src->local_len,
	};
	if (binding_set(r, &in, refresh, now) == 0)
		sbc_log_info("pcscf: %s %s at the session-agent, %s for %lds", aor,
			     refresh ? "refreshed" : "registered", contact, expires);
out:
	osip_free(contact);
	osip_free(call_id);
	free(aor);
}

/* Same family, address and port. */
static bool same_addr(const struct sockaddr_in6 *a, const struct sockaddr *b)
{
	if (a->sin6_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *y = (const void *)b;
	return a->sin6_port == y->sin6_port &&
	       memcmp(&a->sin6_addr, &y->sin6_addr, sizeof y->sin6_addr) == 0;
}

bool sbc_sip_registrar_is_registered(struct sbc_sip_registrar *r, const char *aor,
				     const struct sockaddr *peer, time_t now)
{
	const struct sbc_sip_reg *reg = aor ? sbc_sip_regtable_get(r->regs, aor, now) : NULL;

	return reg && same_addr(&reg->peer, peer);
}

char *sbc_sip_registrar_aor(const osip_uri_t *uri)
{
	return aor_of(uri);
}
