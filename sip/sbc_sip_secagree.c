/* Sec-agree decisions of the P-CSCF (see sbc_sip_secagree.h and
 * docs/sec-agree.md). Every decision logs one line naming its rule and
 * counts into sbc_sip_stats. The running configuration is read per event
 * (the caller's snapshot), so sec-agree-feature / sec-agree-pref changes
 * apply to the next negotiation; associations keep the mechanism they got. */
#include "sbc_sip_secagree.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbc_log.h"
#include "sbc_sec_digest.h"
#include "sbc_sip_assoc.h"
#include "sbc_sip_limits.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_pcscf.h"
#include "sbc_sip_registrar.h"
#include "sbc_sip_sa.h"
#include "sbc_sip_secagree_msg.h"
#include "sbc_sip_secagree_policy.h"
#include "sbc_sip_spi.h"
#include "sbc_sip_stats.h"

/* How long a negotiation may take between the first REGISTER and the
 * protected one: the embedded core's nonce lifetime. */
#define PENDING_TTL 120

/* Everything one REGISTER needs, gathered once. */
struct sa_ctx {
	struct sbc_sip_core *core;
	const struct sbc_cfg *cfg;
	const struct sbc_sip_source *src;
	osip_message_t *req;
	struct sbc_sip_own *own;  /* req's own lines (sbc_sip_msg_parse_apart) */
	const char *key;
	const struct sbc_cfg_sip_interface *si;
	char *impu;
	char peer[80];
	struct sbc_sip_secagree_hdrs h;      /* sec-agree tags, Security-Client / -Verify */
	struct sbc_sip_assoc *by_sa;         /* on a protected port: whose SA carried it */
	struct sbc_sec_digest_creds creds;  /* parsed on first use (load_creds) */
	bool has_creds, creds_loaded;
};

/* --- lookups --- */

static bool addr_matches(const char *cfg_addr, const struct sockaddr_storage *local)
{
	unsigned char want[16];

	if (!cfg_addr || !*cfg_addr)
		return true;
	if (local->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)local;
		if (inet_pton(AF_INET, cfg_addr, want) != 1)
			return false;
		return memcmp(want, "\0\0\0\0", 4) == 0 || memcmp(want, &s->sin_addr, 4) == 0;
	}
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)local;
	if (inet_pton(AF_INET6, cfg_addr, want) != 1)
		return false;
	return memcmp(want, &in6addr_any, 16) == 0 || memcmp(want, &s6->sin6_addr, 16) == 0;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? ntohs(((const struct sockaddr_in *)ss)->sin_port)
					: ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static const struct sbc_cfg_ims_aka_profile *aka_of(const struct sbc_cfg *cfg,
						     const struct sbc_cfg_sip_port *sp)
{
	long at = sp->ims_aka_profile && *sp->ims_aka_profile
			  ? sbc_cfg_find(cfg, SBC_CFG_IMS_AKA_PROFILE, sp->ims_aka_profile)
			  : -1;
	return at >= 0 ? cfg->elements[SBC_CFG_IMS_AKA_PROFILE].items[at] : NULL;
}

/* Whether port is a protected port of the sip-port's ims-aka-profile. */
static bool protected_of(const struct sbc_cfg *cfg, const struct sbc_cfg_sip_port *sp,
			 uint16_t port)
{
	const struct sbc_cfg_ims_aka_profile *aka = aka_of(cfg, sp);

	return aka && (aka->protected_client_port == port || aka->protected_server_port == port);
}

/* The enabled sip-interface whose sip-port (or protected port of its
 * ims-aka-profile) the message arrived on. */
static const struct sbc_cfg_sip_interface *interface_of(const struct sbc_cfg *cfg,
							const struct sbc_sip_source *src)
{
	const struct sbc_cfg_objs *sis = &cfg->elements[SBC_CFG_SIP_INTERFACE];
	uint16_t port = port_of(&src->local);

	for (size_t i = 0; i < sis->count; i++) {
		const struct sbc_cfg_sip_interface *si = sis->items[i];
		if (!si->state)
			continue;
		for (size_t j = 0; j < si->sip_ports.count; j++) {
			const struct sbc_cfg_sip_port *sp = si->sip_ports.items[j];
			if (!addr_matches(sp->address, &src->local))
				continue;
			if (src->protected_port ? protected_of(cfg, sp, port)
						: sp->port == port &&
							  sp->transport_protocol == src->transport)
				return si;
		}
	}
	return NULL;
}

/* What the interface offers now (the running snapshot of this event). */
static void caps_now(const struct sbc_cfg *cfg, const struct sbc_cfg_sip_interface *si,
		     struct sbc_sip_secagree_caps *caps)
{
	sbc_sip_secagree_caps_of(cfg, si, caps);
}

static const char *pref_name(int pref)
{
	switch (pref) {
	case SBC_CFG_PREF_IPSEC3GPP: return "ipsec3gpp";
	case SBC_CFG_PREF_TLS: return "tls";
	case SBC_CFG_PREF_IPSEC3GPP_TLS: return "ipsec3gpp-tls";
	default: return "tls-ipsec3gpp";
	}
}

/* --- answers --- */

/* Answers of our own are the exception on the registration path: cold,
 * so that the compiler keeps them out of the hot code's cache lines. */
__attribute__((cold)) static osip_message_t *make_answer(const osip_message_t *req, int code,
							 const char *reason, const char *hname,
							 const char *hvalue)
{
	osip_message_t *resp = sbc_sip_msg_response(req, code, reason, NULL);

	if (resp && code == 494 && osip_message_set_header(resp, "Require", "sec-agree") != 0)
		goto fail;
	if (resp && hname && hvalue && osip_message_set_header(resp, hname, hvalue) != 0)
		goto fail;
	return resp;
fail:
	osip_message_free(resp);
	return NULL;
}

__attribute__((cold)) static enum sbc_sip_secagree_verdict answer(struct sa_ctx *x, int code,
								  const char *reason,
								  const char *hname,
								  const char *hvalue)
{
	osip_message_t *resp = make_answer(x->req, code, reason, hname, hvalue);

	if (code == 494)
		sbc_sip_stat_inc(x->core->stats, SBC_SIP_STAT_SA_494);
	if (resp) {
		sbc_sip_pcscf_send(x->core, x->src, resp, x->key);
		osip_message_free(resp);
	}
	return SBC_SIP_SECAGREE_ANSWERED;
}

/* 494 with Security-Server (omitted when there is nothing to list). */
__attribute__((cold)) static enum sbc_sip_secagree_verdict reject_494(struct sa_ctx *x,
								      const char *server,
								      const char *rule)
{
	sbc_log_info("sec-agree: 494 to REGISTER of %s from %s (rule %s)%s%s",
		     x->impu ? x->impu : "?", x->peer, rule, server ? ", Security-Server: " : "",
		     server ? server : "");
	return answer(x, 494, "Security Agreement Required", "Security-Server", server);
}

/* --- request edits --- */

/* What the core gets: no sec-agree tags, no Security-Client / -Verify,
 * and the integrity-protected the P-CSCF vouches for (NULL: none). With
 * `identity`, the Authorization's identity is read into x->creds in the
 * same pass (load_creds), unless it was read before. */
static int rewrite(struct sa_ctx *x, const char *integrity, bool identity)
{
	bool read = identity && !x->creds_loaded;
	int rc = sbc_sip_secagree_rewrite(x->req, x->own, integrity, read ? &x->creds : NULL,
					  read ? &x->has_creds : NULL);

	x->creds_loaded = x->creds_loaded || read;
	return rc;
}

static int take_identity(struct sa_ctx *x, struct sbc_sip_assoc *a);

/* Forward for `a`, whose identity becomes the Authorization's. */
static enum sbc_sip_secagree_verdict forward(struct sa_ctx *x, struct sbc_sip_assoc *a,
					     enum sbc_sip_assoc_phase phase, const char *integrity)
{
	if (rewrite(x, integrity, true) != 0 || take_identity(x, a) != 0 ||
	    sbc_sip_assoc_set(&a->fwd_key, x->key) != 0) {
		sbc_log_warnx("sec-agree: out of memory rewriting a REGISTER from %s", x->peer);
		return answer(x, 500, "Server Internal Error", NULL, NULL);
	}
	a->phase = phase;
	return SBC_SIP_SECAGREE_FORWARD;
}

/* TS 24.229 5.2.2.1: the integrity-protected the P-CSCF vouches for on a
 * REGISTER outside any association. SIP digest over TLS: tls-yes on the
 * connection (its peer address and port) the AoR is registered over,
 * tls-pending on any other; IMS AKA (an AKAv* algorithm, RFC 3310)
 * unprotected: no; SIP digest without TLS (MD5, the RFC 2617 default when
 * algorithm is absent): none. */
static const char *unprotected_integrity(const struct sa_ctx *x)
{
	const char *auth = sbc_sip_msg_header(x->req, "Authorization");
	osip_authorization_t *a = NULL;
	bool aka = false;

	if (x->src->transport == SBC_CFG_TRANSPORT_TLS)
		return sbc_sip_registrar_is_registered(x->core->registrar, x->impu,
						       (const struct sockaddr *)&x->src->peer,
						       time(NULL))
			       ? "tls-yes" : "tls-pending";
	if (!auth || osip_authorization_init(&a) != 0)
		return NULL;
	if (osip_authorization_parse(a, auth) == 0 && a->algorithm) {
		const char *alg = a->algorithm + (a->algorithm[0] == '"');
		aka = strncasecmp(alg, "AKAv", 4) == 0;
	}
	osip_authorization_free(a);
	return aka ? "no" : NULL;
}

/* A REGISTER sec-agree lets through as it is: the UE's integrity-protected
 * never passes (a UE cannot assert protection), the P-CSCF's goes in. */
static enum sbc_sip_secagree_verdict plain(struct sa_ctx *x)
{
	if (rewrite(x, unprotected_integrity(x), false) != 0) {
		sbc_log_warnx("sec-agree: out of memory rewriting a REGISTER from %s", x->peer);
		return answer(x, 500, "Server Internal Error", NULL, NULL);
	}
	return SBC_SIP_SECAGREE_FORWARD;
}

/* Authorization -> creds, once, and only for REGISTERs sec-agree
 * handles (plain ones cost nothing more). */
static void load_creds(struct sa_ctx *x)
{
	const char *auth = sbc_sip_msg_header(x->req, "Authorization");

	if (x->creds_loaded)
		return;
	x->creds_loaded = true;
	/* Only username / realm / uri are read here (the core checks the rest). */
	x->has_creds = auth && sbc_sip_secagree_auth_identity(auth, &x->creds) == 0;
}

static int take_identity(struct sa_ctx *x, struct sbc_sip_assoc *a)
{
	const struct sbc_sec_digest_creds *c = &x->creds;

	load_creds(x);

	return sbc_sip_assoc_set_identity(x->core->assocs, a, x->has_creds ? c->username : NULL,
					  x->has_creds ? c->realm : NULL,
					  x->has_creds ? c->uri : NULL);
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* --- the REGISTER cases --- */

/* ipsec-3gpp: the P-CSCF's SPI pair (never the UE's SPIs) and the SA
 * parameters, kept in `a` so that freeing it gives them back. 0; 1 when
 * the pool is exhausted; 2 when the offer lacks its SPIs or ports. */
static int ipsec_prepare(struct sa_ctx *x, const struct sbc_sip_secagree_caps *caps,
			 const struct sbc_sip_secagree_choice *ch, struct sbc_sip_assoc *a)
{
	const struct sbc_sip_secmech *o = ch->offer;
	struct sbc_sip_assoc_ipsec *s;

	if (!o->spi_c || !o->spi_s || !o->port_c || !o->port_s)
		return 2;
	if (!(s = sbc_sip_assoc_ipsec_attach(a, x->core->sa_backend, x->core->spi_pool)))
		return -1;
	if (sbc_sip_spi_alloc_pair(s->pool, o->spi_c, o->spi_s, &s->p.pcscf_spi_c,
				   &s->p.pcscf_spi_s) != 0)
		return 1;
	s->p.alg = (uint8_t)sbc_sip_sa_alg_of(ch->alg);
	s->p.ealg = (uint8_t)sbc_sip_sa_ealg_of(ch->ealg);
	sbc_sip_sa_addr_set(&s->p.ue, (const struct sockaddr *)&x->src->peer);
	sbc_sip_sa_addr_set(&s->p.pcscf, (const struct sockaddr *)&x->src->local);
	s->p.ue.port = s->p.pcscf.port = 0;
	s->p.ue_port_c = o->port_c;
	s->p.ue_port_s = o->port_s;
	s->p.ue_spi_c = o->spi_c;
	s->p.ue_spi_s = o->spi_s;
	s->p.pcscf_port_c = (uint16_t)caps->aka->protected_client_port;
	s->p.pcscf_port_s = (uint16_t)caps->aka->protected_server_port;
	return 0;
}

__attribute__((cold)) static enum sbc_sip_secagree_verdict no_common(
	struct sa_ctx *x, const struct sbc_sip_secagree_caps *caps, const char *why)
{
	char *all = sbc_sip_secagree_supported_value(caps);
	char rule[96];

	snprintf(rule, sizeof rule, "%s, sec-agree-pref %s", why, pref_name(caps->pref));
	sbc_sip_stat_inc(x->core->stats, SBC_SIP_STAT_SA_NO_COMMON);
	enum sbc_sip_secagree_verdict v = reject_494(x, all, rule);
	free(all);
	return v;
}

/* Fill a new association from the first REGISTER; an answer was sent
 * when this returns ANSWERED (and `a` is freed). */
static enum sbc_sip_secagree_verdict setup(struct sa_ctx *x, struct sbc_sip_assoc *a,
					   const struct sbc_sip_secagree_caps *caps,
					   const struct sbc_sip_secagree_choice *choice)
{
	if (choice->mech == SBC_SECAGREE_IPSEC3GPP) {
		int rc = ipsec_prepare(x, caps, choice, a);
		if (rc == 1) {
			sbc_sip_assoc_free(a);
			sbc_sip_stat_inc(x->core->stats, SBC_SIP_STAT_SA_SPI_EXHAUSTED);
			sbc_log_warnx("sec-agree: 503 to REGISTER of %s from %s (rule spi-pool-"
				      "exhausted: %zu SPIs in use)", x->impu, x->peer,
				      sbc_sip_spi_in_use(x->core->spi_pool));
			osip_message_t *r = make_answer(x->req, 503, "Service Unavailable - "
							"No Free SPI", "Retry-After", "30");
			if (r) {
				sbc_sip_pcscf_send(x->core, x->src, r, x->key);
				osip_message_free(r);
			}
			return SBC_SIP_SECAGREE_ANSWERED;
		}
		if (rc == 2) {
			sbc_sip_assoc_free(a);
			return no_common(x, caps, "ipsec-3gpp-offer-without-spi-or-port");
		}
		if (rc != 0)
			goto fail;
	}
	/* Texts kept while pending; once established the Security-Server is
	 * rebuilt from the SA parameters (sbc_sip_assoc_server) and the
	 * Security-Client text stays. Canonical only when too long as text. */
	a->negotiated = true;
	if ((!x->h.client_raw[0] && sbc_sip_assoc_set_client(a, &x->h.client) != 0) ||
	    sbc_sip_assoc_keep_sent(a, x->h.client_raw) != 0)
		goto fail;
	a->transport = (uint8_t)x->src->transport;
	sbc_sip_sa_addr_set(&a->ue, (const struct sockaddr *)&x->src->peer);
	sbc_sip_sa_addr_set(&a->local, (const struct sockaddr *)&x->src->local);
	a->created = time(NULL);
	a->expires = a->created + PENDING_TTL;
	return SBC_SIP_SECAGREE_FORWARD;
fail:
	sbc_sip_assoc_free(a);
	return answer(x, 500, "Server Internal Error", NULL, NULL);
}

/* First REGISTER of a negotiation: choose, remember, forward. `pend` is
 * the IMPU's pending association (NULL: none), which this one replaces. */
static enum sbc_sip_secagree_verdict negotiate(struct sa_ctx *x, struct sbc_sip_assoc *pend)
{
	struct sbc_sip_secagree_caps caps;
	struct sbc_sip_secagree_choice choice;
	struct sbc_sip_assoc *a;

	caps_now(x->cfg, x->si, &caps);
	sbc_sip_assoc_drop(x->core->assocs, pend);  /* with its SAs */
	if (!x->h.has_client)
		return no_common(x, &caps, "sec-agree-without-security-client");
	if (sbc_sip_secagree_choose(&caps, &x->h.client, &choice) == SBC_SECAGREE_NONE)
		return no_common(x, &caps, "no-common-mechanism");
	if (sbc_sip_limits_refuse_negotiation(x->core, x->src, x->req, x->key, x->impu))
		return SBC_SIP_SECAGREE_ANSWERED;
	if (!(a = sbc_sip_assoc_new(x->impu, choice.mech)))
		return answer(x, 500, "Server Internal Error", NULL, NULL);
	if (setup(x, a, &caps, &choice) != SBC_SIP_SECAGREE_FORWARD)
		return SBC_SIP_SECAGREE_ANSWERED;
	if (sbc_sip_assoc_put(x->core->assocs, a) != 0) {
		sbc_sip_assoc_free(a);
		return answer(x, 500, "Server Internal Error", NULL, NULL);
	}
	bool tls = choice.mech == SBC_SECAGREE_TLS;
	char server[SBC_SIP_ASSOC_SERVER_MAX];
	sbc_sip_stat_inc(x->core->stats, tls ? SBC_SIP_STAT_SA_NEG_TLS : SBC_SIP_STAT_SA_NEG_IPSEC);
	sbc_log_info("sec-agree: %s chosen for %s from %s (rule sec-agree-pref %s), "
		     "Security-Server with the challenge: %s",
		     sbc_sip_secagree_mech_name(choice.mech), x->impu, x->peer,
		     pref_name(caps.pref), sbc_sip_assoc_server(a, server, sizeof server));
	/* Seed 003: no integrity-protected when TLS is selected; TS 24.229
	 * 5.2.2.1: "no" on the unprotected REGISTER of ipsec-3gpp. */
	return forward(x, a, SBC_SIP_ASSOC_FIRST, tls ? NULL : "no");
}

/* The REGISTER over the negotiated TLS connection or the SA from the UE's
 * port-c to our port-s (TS 33.203 7.2 checks). */
static enum sbc_sip_secagree_verdict verify(struct sa_ctx *x, struct sbc_sip_assoc *a)
{
	const char *rule = NULL;

	if (!x->h.has_verify)
		rule = "security-verify-missing";
	else if (!x->h.verify_as_expected && !sbc_sip_assoc_same_server(a, &x->h.verify))
		rule = "security-verify-mismatch";
	else if (!x->h.has_client)
		rule = "security-client-missing";
	else if (!x->h.client_as_expected &&
		 !sbc_sip_assoc_same_client(a, x->h.client_raw, &x->h.client))
		rule = "security-client-changed";
	if (rule) {
		char buf[SBC_SIP_ASSOC_SERVER_MAX];  /* outlives the association for the answer */
		const char *server = sbc_sip_assoc_server(a, buf, sizeof buf);
		bool sas = a->ipsec != NULL;
		sbc_sip_assoc_drop(x->core->assocs, a);
		sbc_sip_stat_inc(x->core->stats, SBC_SIP_STAT_SA_VERIFY_FAIL);
		if (sas)
			sbc_log_info("sec-agree: pending association of %s discarded with its SAs and "
				     "SPIs (%zu SAs in the SAD)", x->impu,
				     sbc_sip_sa_count(x->core->sa_backend));
		return reject_494(x, server, rule);
	}
	bool tls = a->mech == SBC_SECAGREE_TLS;
	if (tls && sbc_sip_assoc_bind_conn(x->core->assocs, a, x->src->conn_id,
					   &x->src->peer) != 0)
		return answer(x, 500, "Server Internal Error", NULL, NULL);
	a->transport = (uint8_t)x->src->transport;
	sbc_sip_sa_addr_set(&a->local, (const struct sockaddr *)&x->src->local);
	sbc_log_info("sec-agree: %s verified over %s from %s (rule ts33203-verify): "
		     "integrity-protected=%s", x->impu,
		     tls ? "TLS" : "the SA", x->peer, tls ? "tls-pending" : "yes");
	return forward(x, a, SBC_SIP_ASSOC_VERIFY, tls ? "tls-pending" : "yes");
}

/* Seed 003, second flow: TLS set up before registration, no sec-agree
 * headers. The first REGISTER goes without integrity-protected, the one
 * answering the challenge with tls-pending. */
static enum sbc_sip_secagree_verdict tls_prior(struct sa_ctx *x)
{
	struct sbc_sip_assoc *a = sbc_sip_assoc_find(x->core->assocs, x->impu,
						     SBC_SIP_ASSOC_PENDING);

	if (a && !a->negotiated && a->conn_id == x->src->conn_id) {
		sbc_log_info("sec-agree: REGISTER of %s over TLS from %s before registration "
			     "completes (rule tls-prior-to-registration): "
			     "integrity-protected=tls-pending", x->impu, x->peer);
		return forward(x, a, SBC_SIP_ASSOC_VERIFY, "tls-pending");
	}
	sbc_sip_assoc_drop(x->core->assocs, a);
	if (sbc_sip_limits_refuse_negotiation(x->core, x->src, x->req, x->key, x->impu))
		return SBC_SIP_SECAGREE_ANSWERED;
	if (!(a = sbc_sip_assoc_new(x->impu, SBC_SECAGREE_TLS)))
		return answer(x, 500, "Server Internal Error", NULL, NULL);
	a->transport = (uint8_t)x->src->transport;
	sbc_sip_sa_addr_set(&a->local, (const struct sockaddr *)&x->src->local);
	a->created = time(NULL);
	a->expires = a->created + PENDING_TTL;
	a->conn_id = x->src->conn_id;
	sbc_sip_sa_addr_set(&a->ue, (const struct sockaddr *)&x->src->peer);  /* the TLS peer */
	if (sbc_sip_assoc_put(x->core->assocs, a) != 0) {
		sbc_sip_assoc_free(a);
		return answer(x, 500, "Server Internal Error", NULL, NULL);
	}
	sbc_sip_stat_inc(x->core->stats, SBC_SIP_STAT_SA_TLS_PRIOR);
	sbc_log_info("sec-agree: REGISTER of %s over TLS from %s without sec-agree "
		     "(rule tls-prior-to-registration): pending TLS association", x->impu, x->peer);
	return forward(x, a, SBC_SIP_ASSOC_FIRST, NULL);
}

/* Refresh (or de-REGISTER) over the association's TLS connection or SA. */
static enum sbc_sip_secagree_verdict refresh(struct sa_ctx *x, struct sbc_sip_assoc *a)
{
	const char *rule = NULL;

	if (a->negotiated && (!x->h.has_client || !x->h.has_verify))
		rule = "refresh-security-headers-missing";
	else if (a->negotiated &&
		 ((!x->h.client_as_expected &&
		   !sbc_sip_assoc_same_client(a, x->h.client_raw, &x->h.client)) ||
		  !sbc_sip_assoc_same_server(a, &x->h.verify)))
		rule = "refresh-security-headers-changed";
	if (rule) {
		char server[SBC_SIP_ASSOC_SERVER_MAX];
		sbc_sip_stat_inc(x->core->stats, SBC_SIP_STAT_SA_REFRESH_REJECT);
		return reject_494(x, sbc_sip_assoc_server(a, server, sizeof server), rule);
	}
	const struct sbc_sec_digest_creds *c = &x->creds;
	load_creds(x);
	if (!x->has_creds || !same_str(c->username, a->username) || !same_str(c->realm, a->realm) ||
	    !same_str(c->uri, a->uri)) {
		sbc_sip_stat_inc(x->core->stats, SBC_SIP_STAT_SA_REFRESH_REJECT);
		sbc_log_info("sec-agree: 403 to refresh REGISTER of %s from %s "
			     "(rule refresh-authorization-mismatch: username/realm/uri differ "
			     "from the association's)", x->impu, x->peer);
		return answer(x, 403, "Forbidden", NULL, NULL);
	}
	bool tls = a->mech == SBC_SECAGREE_TLS;
	sbc_log_info("sec-agree: refresh REGISTER of %s over its %s from %s "
		     "(rule refresh-over-association): integrity-protected=%s", x->impu,
		     tls ? "TLS connection" : "SA", x->peer, tls ? "tls-yes" : "yes");
	return forward(x, a, SBC_SIP_ASSOC_REFRESH, tls ? "tls-yes" : "yes");
}

/* The association whose inbound SA carried the message, or NULL. */
static struct sbc_sip_assoc *by_sa(struct sbc_sip_core *core, const struct sbc_sip_source *src)
{
	uint32_t spi = sbc_sip_sa_lookup_inbound(core->sa_backend,
						 (const struct sockaddr *)&src->peer,
						 (const struct sockaddr *)&src->local);

	return spi ? sbc_sip_assoc_by_spi(core->assocs, spi) : NULL;
}

/* A REGISTER on a protected port (its SA was checked on arrival). */
static enum sbc_sip_secagree_verdict over_sa(struct sa_ctx *x)
{
	struct sbc_sip_assoc *a = x->by_sa;
	const char *rule = !a ? "no-association-on-protected-channel"
			   : strcmp(a->impu, x->impu) != 0 ? "impu-not-of-association" : NULL;

	if (rule) {
		sbc_sip_stat_inc(x->core->stats, SBC_SIP_STAT_SA_NOASSOC_REJECT);
		sbc_log_info("sec-agree: 403 to REGISTER of %s from %s (rule %s)", x->impu, x->peer,
			     rule);
		return answer(x, 403, "Forbidden - Security Association Required", NULL, NULL);
	}
	return a->state == SBC_SIP_ASSOC_PENDING ? verify(x, a) : refresh(x, a);
}

static enum sbc_sip_secagree_verdict decide(struct sa_ctx *x)
{
	struct sbc_sip_assocs *t = x->core->assocs;
	bool over_tls = x->src->transport == SBC_CFG_TRANSPORT_TLS;

	if (x->src->protected_port)
		return over_sa(x);
	struct sbc_sip_assoc *est = sbc_sip_assoc_find(t, x->impu, SBC_SIP_ASSOC_ESTABLISHED);
	struct sbc_sip_assoc *pend = sbc_sip_assoc_find(t, x->impu, SBC_SIP_ASSOC_PENDING);
	/* Established associations keep their rules even if the feature was
	 * turned off since (docs/sec-agree.md, hot apply). */
	if (est && over_tls && est->conn_id && est->conn_id == x->src->conn_id)
		return refresh(x, est);
	if (!x->si || !x->si->sec_agree_feature) {
		if (!x->h.proxy_require_tag)
			return plain(x);
		sbc_sip_stat_inc(x->core->stats, SBC_SIP_STAT_SA_420);
		sbc_log_info("sec-agree: 420 to REGISTER of %s from %s (rule sec-agree-feature-"
			     "disabled: Proxy-Require sec-agree)", x->impu, x->peer);
		return answer(x, 420, "Bad Extension", "Unsupported", "sec-agree");
	}
	if (pend && pend->negotiated && pend->mech == SBC_SECAGREE_TLS && over_tls &&
	    (x->h.has_verify || x->h.require_tag || x->h.proxy_require_tag))
		return verify(x, pend);
	if (x->h.has_verify) {
		sbc_sip_stat_inc(x->core->stats, SBC_SIP_STAT_SA_VERIFY_FAIL);
		char buf[SBC_SIP_ASSOC_SERVER_MAX];
		const char *server = pend ? sbc_sip_assoc_server(pend, buf, sizeof buf) : NULL;
		sbc_sip_assoc_drop(t, pend);
		enum sbc_sip_secagree_verdict v = reject_494(
			x, server, over_tls ? "security-verify-without-negotiation"
					    : "security-verify-not-over-negotiated-mechanism");
		return v;
	}
	if (x->h.require_tag || x->h.proxy_require_tag || x->h.has_client)
		return negotiate(x, pend);
	if (over_tls)
		return tls_prior(x);
	return plain(x);  /* a plain REGISTER: allowed unprotected */
}

enum sbc_sip_secagree_verdict sbc_sip_secagree_register(struct sbc_sip_core *core,
							const struct sbc_cfg *cfg,
							const struct sbc_sip_source *src,
							osip_message_t *req, struct sbc_sip_own *own,
							const char *key)
{
	struct sa_ctx x = { .core = core, .cfg = cfg, .src = src, .req = req, .own = own,
			    .key = key };
	enum sbc_sip_secagree_verdict v;
	char err[200];

	sbc_sip_addr_str(&src->peer, x.peer, sizeof x.peer);
	x.si = interface_of(cfg, src);
	x.impu = sbc_sip_registrar_aor(req->to ? req->to->url : NULL);
	/* A REGISTER over an SA usually repeats the first one's Security-Client
	 * byte for byte, and the protected REGISTER of a pending association
	 * echoes our Security-Server so: compared as text, not parsed. */
	struct sbc_sip_secagree_expect expect = { 0 };
	if (src->protected_port && (x.by_sa = by_sa(core, src)) && x.impu &&
	    x.by_sa->negotiated && strcmp(x.by_sa->impu, x.impu) == 0) {
		expect.client = sbc_sip_assoc_client_raw(x.by_sa);
		expect.verify = sbc_sip_assoc_server_sent(x.by_sa);  /* NULL once established */
	}
	int bad = sbc_sip_secagree_read(own, &expect, &x.h, err, sizeof err);
	if (!x.impu) {
		v = plain(&x);  /* the core answers 400 (To) */
	} else if (bad) {
		char reason[260];
		snprintf(reason, sizeof reason, "Bad Request - %s", err);
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_MALFORMED);
		sbc_log_info("sec-agree: 400 to REGISTER from %s (rule malformed-security-header: %s)",
			     x.peer, err);
		v = answer(&x, 400, reason, NULL, NULL);
	} else if (sbc_sip_limits_refuse_sec_client(core, src, req, key, x.h.client.count)) {
		v = SBC_SIP_SECAGREE_ANSWERED;
	} else {
		v = decide(&x);
	}
	sbc_sip_secagree_hdrs_clear(&x.h);
	sbc_sec_digest_creds_free(&x.creds);
	free(x.impu);
	return v;
}

/* --- other requests --- */

enum sbc_sip_secagree_verdict sbc_sip_secagree_request(struct sbc_sip_core *core,
						       const struct sbc_cfg *cfg,
						       const struct sbc_sip_source *src,
						       osip_message_t *req, const char *key,
						       bool *emergency)
{
	struct sa_ctx x = { .core = core, .cfg = cfg, .src = src, .req = req, .key = key };
	const char *rule;

	*emergency = false;
	x.si = interface_of(cfg, src);
	sbc_sip_addr_str(&src->peer, x.peer, sizeof x.peer);
	if (src->protected_port) {  /* the SA matched on arrival; whose is it? */
		struct sbc_sip_assoc *a = by_sa(core, src);
		if (a && a->state == SBC_SIP_ASSOC_ESTABLISHED)
			return SBC_SIP_SECAGREE_FORWARD;
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_SA_NOASSOC_REJECT);
		sbc_log_info("sec-agree: 403 to %s from %s (rule no-established-association-on-"
			     "protected-port)", req->sip_method, x.peer);
		answer(&x, 403, "Forbidden - Security Association Required", NULL, NULL);
		return SBC_SIP_SECAGREE_ANSWERED;
	}
	if (!x.si || !x.si->sec_agree_feature)
		return SBC_SIP_SECAGREE_FORWARD;
	if (sbc_sip_secagree_is_emergency(req->req_uri)) {
		*emergency = true;
		sbc_log_info("sec-agree: %s from %s to an emergency URN allowed unprotected "
			     "(rule emergency-exception)", req->sip_method, x.peer);
		return SBC_SIP_SECAGREE_FORWARD;
	}
	if (src->transport == SBC_CFG_TRANSPORT_TLS) {
		struct sbc_sip_assoc *a = sbc_sip_assoc_by_conn(core->assocs, src->conn_id);
		if (a && a->state == SBC_SIP_ASSOC_ESTABLISHED)
			return SBC_SIP_SECAGREE_FORWARD;
		rule = "no-association-on-protected-channel";
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_SA_NOASSOC_REJECT);
	} else {
		rule = "unprotected-port";
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_SA_UNPROTECTED_REJECT);
	}
	sbc_log_info("sec-agree: 403 to %s from %s (rule %s)", req->sip_method, x.peer, rule);
	answer(&x, 403, "Forbidden - Security Association Required", NULL, NULL);
	return SBC_SIP_SECAGREE_ANSWERED;
}

bool sbc_sip_secagree_inbound_ok(struct sbc_sip_core *core, const struct sbc_sip_source *src,
				 size_t len)
{
	char peer[80], local[80];

	if (!src->protected_port ||
	    sbc_sip_sa_lookup_inbound(core->sa_backend, (const struct sockaddr *)&src->peer,
				      (const struct sockaddr *)&src->local) != 0)
		return true;
	sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_SA_NO_SA_DROP);
	sbc_log_info("sec-agree: dropped %zu bytes from %s on protected port %s: no inbound SA "
		     "(rule protected-port-needs-sa)", len,
		     sbc_sip_addr_str(&src->peer, peer, sizeof peer),
		     sbc_sip_addr_str(&src->local, local, sizeof local));
	return false;
}

/* --- the core's answers --- */

/* The first 401 of an ipsec-3gpp negotiation: the 4 SAs from IK / CK.
 * NULL when installed, else the answer to send instead (a is freed). */
static osip_message_t *install(struct sbc_sip_core *core, struct sbc_sip_assoc *a,
			       const osip_message_t *resp, const uint8_t ck[16],
			       const uint8_t ik[16], bool keys)
{
	char err[160] = "the core's 401 carries no ck / ik (the subscriber is not AKA)";
	struct sbc_sip_assoc_ipsec *s = a->ipsec;

	if (keys) {
		int rc = sbc_sip_ipsec_install(s->backend, &s->p, ik, ck, err, sizeof err);
		if (rc == 0) {
			s->installed = true;
			if (sbc_sip_assoc_index_spis(core->assocs, a) == 0) {
				sbc_log_info("sec-agree: 4 SAs of %s installed, P-CSCF spi-c %u spi-s "
					     "%u, UE spi-c %u spi-s %u (%zu SAs in the SAD)", a->impu,
					     s->p.pcscf_spi_c, s->p.pcscf_spi_s, s->p.ue_spi_c,
					     s->p.ue_spi_s, sbc_sip_sa_count(s->backend));
				return NULL;
			}
			snprintf(err, sizeof err, "out of memory indexing the SAs");
		}
	}
	sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_SA_INSTALL_FAIL);
	sbc_log_warnx("sec-agree: 500 instead of the core's 401 for %s (rule ipsec-sa-install-"
		      "failed: %s)", a->impu, err);
	sbc_sip_assoc_drop(core->assocs, a);
	return make_answer(resp, 500, "Server Internal Error - No Security Association", NULL,
			   NULL);
}

static struct sbc_sip_assoc *waiting_for(struct sbc_sip_core *core, const char *impu,
					 const char *key)
{
	struct sbc_sip_assoc *a = sbc_sip_assoc_find(core->assocs, impu, SBC_SIP_ASSOC_PENDING);

	if (a && a->fwd_key && strcmp(a->fwd_key, key) == 0)
		return a;
	a = sbc_sip_assoc_find(core->assocs, impu, SBC_SIP_ASSOC_ESTABLISHED);
	return a && a->fwd_key && strcmp(a->fwd_key, key) == 0 ? a : NULL;
}

/* A final 2xx: the registration holds (establish / refresh) or ended. */
static void registered(struct sbc_sip_core *core, struct sbc_sip_assoc *a,
		       osip_message_t *resp)
{
	long expires = sbc_sip_msg_expires(resp, 0);
	time_t now = time(NULL);

	if (osip_list_size(&resp->contacts) <= 0 || expires <= 0) {
		/* Freed (SAs deleted) once this 200 went out through them. */
		sbc_log_info("sec-agree: %s association of %s ended (rule de-register)",
			     sbc_sip_secagree_mech_name(a->mech), a->impu);
		sbc_sip_assoc_mark_ending(core->assocs, a);
		return;
	}
	bool was = a->state == SBC_SIP_ASSOC_ESTABLISHED;
	sbc_sip_assoc_establish(core->assocs, a, now + expires);
	sbc_log_info("sec-agree: %s association of %s %s for %lds (rule registration-%s)",
		     sbc_sip_secagree_mech_name(a->mech), a->impu,
		     was ? "refreshed" : "established", expires, was ? "refreshed" : "completed");
}

osip_message_t *sbc_sip_secagree_response(struct sbc_sip_core *core,
					  const struct sbc_sip_source *src,
					  osip_message_t *resp, const char *key)
{
	char *impu;
	struct sbc_sip_assoc *a;
	osip_message_t *instead = NULL;

	uint8_t ck[16], ik[16];
	char server[SBC_SIP_ASSOC_SERVER_MAX];
	bool keys = false;
	int code = resp->status_code;

	(void)src;
	/* CK / IK are the P-CSCF's alone: out of every 401, whatever else. */
	if ((code == 401 || code == 407) && sbc_sip_secagree_take_keys(resp, ck, ik, &keys) != 0)
		sbc_log_warnx("sec-agree: out of memory taking ck / ik out of a 401");
	if (!key || !resp->to || !(impu = sbc_sip_registrar_aor(resp->to->url)))
		goto wipe;
	if (!(a = waiting_for(core, impu, key)))
		goto out;
	bool first = a->phase == SBC_SIP_ASSOC_FIRST && a->state == SBC_SIP_ASSOC_PENDING;
	free(a->fwd_key);
	a->fwd_key = NULL;
	a->phase = SBC_SIP_ASSOC_IDLE;
	if (code == 401 || code == 407) {
		/* Seed 003: the chosen mechanism rides on the core's challenge. */
		if (first && a->ipsec && !a->ipsec->installed &&
		    (instead = install(core, a, resp, ck, ik, keys)) != NULL)
			goto out;
		if (first && a->negotiated &&
		    osip_message_set_header(resp, "Security-Server",
					    sbc_sip_assoc_server(a, server, sizeof server)) != 0)
			sbc_log_warnx("sec-agree: cannot add Security-Server for %s", impu);
	} else if (code >= 200 && code < 300 && first && a->negotiated) {
		/* RFC 3329 2.3.1: an unprotected sec-agree request is answered
		 * 494 even when the core lets it through without a challenge. */
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_SA_494);
		sbc_sip_assoc_server(a, server, sizeof server);
		sbc_log_info("sec-agree: 494 instead of the core's %d for %s (rule "
			     "core-did-not-challenge), Security-Server: %s", code, impu, server);
		instead = make_answer(resp, 494, "Security Agreement Required", "Security-Server",
				      server);
	} else if (code >= 200 && code < 300) {
		registered(core, a, resp);
	} else if (code >= 300 && a->state == SBC_SIP_ASSOC_PENDING) {
		sbc_log_info("sec-agree: pending %s association of %s discarded (rule "
			     "core-rejected-%d)", sbc_sip_secagree_mech_name(a->mech), impu, code);
		sbc_sip_assoc_drop(core->assocs, a);
	}
out:
	free(impu);
wipe:
	explicit_bzero(ck, sizeof ck);
	explicit_bzero(ik, sizeof ik);
	return instead;
}

void sbc_sip_secagree_sent(struct sbc_sip_core *core, const osip_message_t *resp)
{
	/* Only a 2xx ends an association (registered() marks it ending); most
	 * 2xx end none, and then no IMPU is looked up. */
	if (!MSG_IS_STATUS_2XX(resp) || !sbc_sip_assoc_any_ending(core->assocs))
		return;
	char *impu = resp->to ? sbc_sip_registrar_aor(resp->to->url) : NULL;
	struct sbc_sip_assoc *a;

	for (int s = SBC_SIP_ASSOC_PENDING; impu && s <= SBC_SIP_ASSOC_ESTABLISHED; s++) {
		if (!(a = sbc_sip_assoc_find(core->assocs, impu, s)) || !a->ending)
			continue;
		bool sas = a->ipsec && a->ipsec->installed;
		sbc_sip_assoc_drop(core->assocs, a);
		sbc_log_info("sec-agree: association of %s removed after its final response%s "
			     "(%zu SAs in the SAD)", impu, sas ? ", SAs deleted" : "",
			     sbc_sip_sa_count(core->sa_backend));
	}
	free(impu);
}

void sbc_sip_secagree_conn_closed(struct sbc_sip_core *core, uint64_t conn_id)
{
	struct sbc_sip_assoc *a;

	if (!core->assocs)
		return;
	while ((a = sbc_sip_assoc_by_conn(core->assocs, conn_id)) != NULL) {
		sbc_log_info("sec-agree: %s %s association of %s ended (rule tls-connection-closed)",
			     a->state == SBC_SIP_ASSOC_ESTABLISHED ? "established" : "pending",
			     sbc_sip_secagree_mech_name(a->mech), a->impu);
		sbc_sip_assoc_drop(core->assocs, a);
	}
}

void sbc_sip_secagree_tick(struct sbc_sip_core *core, time_t now)
{
	size_t n = sbc_sip_assoc_expire(core->assocs, now);

	if (n)
		sbc_log_info("sec-agree: %zu association(s) expired (rule registration-expired)", n);
}
