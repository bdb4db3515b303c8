/* The P-CSCF: every message from a UE arrives here. Malformed input is
 * answered 400 or dropped with a log line; retransmissions get the cached
 * answer; REGISTER goes to the IMS core with our Via (RFC 3261 16.6
 * branch) and Path (RFC 3327); other requests go there only from a UE
 * registered from that address (else 403). The core is the embedded one,
 * or an enabled session-agent (sbc_sip_agent.h); its answer goes back the
 * way the request came, minus our Via. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "sbc_cfg_model.h"
#include "sbc_core_store.h"
#include "sbc_log.h"
#include "sbc_sec_evp.h"
#include "sbc_sip_agent.h"
#include "sbc_sip_internal.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_pcscf.h"
#include "sbc_sip_registrar.h"
#include "sbc_sip_secagree.h"
#include "sbc_sip_stats.h"
#include "sbc_sip_txn.h"

static const char *transport_name(int t)
{
	return t == SBC_CFG_TRANSPORT_TCP ? "TCP" : t == SBC_CFG_TRANSPORT_TLS ? "TLS" : "UDP";
}

void sbc_sip_pcscf_send(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			osip_message_t *resp, const char *key)
{
	char *text = NULL;
	size_t len = 0;

	if (sbc_sip_msg_to_str(resp, &text, &len) != 0) {
		sbc_log_warnx("sip: cannot serialise a %d response", resp->status_code);
		return;
	}
	sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_RESP_OUT);
	if (sbc_sip_send(core, src, text, len) == 0 && key)
		sbc_sip_txn_store(core->txn, key, text, len, time(NULL));
	osip_free(text);
}

#define send_msg sbc_sip_pcscf_send

static void answer(struct sbc_sip_core *core, const struct sbc_sip_source *src,
		   const osip_message_t *req, int code, const char *reason, const char *key)
{
	osip_message_t *resp = sbc_sip_msg_response(req, code, reason, NULL);

	if (resp) {
		send_msg(core, src, resp, key);
		osip_message_free(resp);
	}
}

/* Branch of our Via: a hash of the incoming transaction, so a retransmission
 * that reaches the core again maps to the same branch (RFC 3261 16.11). */
static void our_branch(const char *txn_key, char out[40])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE] = { 0 };
	unsigned int n = 0;

	EVP_Digest(txn_key, strlen(txn_key), md, &n, sbc_sec_evp_sha256(), NULL);
	memcpy(out, "z9hG4bK", 7);
	for (int i = 0; i < 12; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[31] = '\0';
}

/* Our Via for the embedded core, which is called in process. */
static int add_via(osip_message_t *req, const struct sbc_sip_source *src, const char *txn_key)
{
	char host[80], branch[40], *via = NULL;
	int rc = -1;

	sbc_sip_addr_str(&src->local, host, sizeof host);
	our_branch(txn_key, branch);
	if (asprintf(&via, "SIP/2.0/%s %s;branch=%s", transport_name(src->transport), host,
		     branch) < 0)
		return -1;
	osip_via_t *v = NULL;
	if (osip_via_init(&v) != 0 || osip_via_parse(v, via) != 0) {
		osip_via_free(v);
		goto out;
	}
	osip_list_add(&req->vias, v, 0);
	rc = 0;
out:
	free(via);
	return rc;
}

static int add_path(osip_message_t *req, const struct sbc_sip_source *src)
{
	char host[80], *path = NULL;
	int rc = -1;

	sbc_sip_addr_str(&src->local, host, sizeof host);
	if (asprintf(&path, "<sip:term@%s;lr>", host) < 0)
		return -1;
	/* Our Path goes first, above any the UE's other proxies added. */
	osip_header_t *h = NULL;
	if (osip_header_init(&h) != 0)
		goto out;
	h->hname = osip_strdup("Path");
	h->hvalue = osip_strdup(path);
	osip_list_add(&req->headers, h, 0);
	rc = 0;
out:
	free(path);
	return rc;
}

/* Remove our Via from the core's answer (RFC 3261 16.7 step 3). */
static void pop_our_via(osip_message_t *resp)
{
	osip_via_t *v = osip_list_get(&resp->vias, 0);

	if (v) {
		osip_list_remove(&resp->vias, 0);
		osip_via_free(v);
	}
}

void sbc_sip_pcscf_relay(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			 osip_message_t *resp, const char *key, bool is_register, bool learn)
{
	osip_message_t *instead = NULL;

	pop_our_via(resp);
	if (is_register && resp->status_code >= 300 && resp->status_code != 401)
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_REG_REJECTS);
	if (is_register && learn && MSG_IS_STATUS_2XX(resp))
		sbc_sip_registrar_learn(core->registrar, resp, resp, src, time(NULL));
	if (is_register)  /* Security-Server on the 401, associations (issue 5) */
		instead = sbc_sip_secagree_response(core, src, resp, key);
	send_msg(core, src, instead ? instead : resp, key);
	if (is_register)
		sbc_sip_secagree_sent(core, resp);
	osip_message_free(instead);
}

/* To the session-agent when one is enabled, else to the embedded core. */
static void to_core(struct sbc_sip_core *core, const struct sbc_sip_source *src,
		    osip_message_t *req, const char *key)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(core->store);
	const struct sbc_cfg_session_agent *sa = sbc_sip_agent_pick(cfg);
	bool reg = strcmp(req->sip_method, "REGISTER") == 0;
	struct sbc_sip_core_answer ans;
	char branch[40];
	int rc;

	sbc_sip_stat_inc(core->stats, reg ? SBC_SIP_STAT_REG_FORWARDS : SBC_SIP_STAT_OTHER_FWD);
	if (reg && add_path(req, src) != 0) {
		rc = -1;
	} else if (sa) {
		our_branch(key, branch);
		rc = sbc_sip_agent_forward(core, sa, req, src, key, branch);
		if (rc != 0) {
			char peer[80];
			sbc_log_info("pcscf: 503 for %s from %s: not sent to session-agent %s (rule "
				     "session-agent-unreachable)", req->sip_method,
				     sbc_sip_addr_str(&src->peer, peer, sizeof peer), sa->hostname);
			answer(core, src, req, 503, "Service Unavailable", key);
		}
		sbc_core_running_release(core->store, cfg);
		return;
	} else if ((rc = add_via(req, src, key)) == 0) {
		rc = reg ? sbc_sip_registrar_register(core->registrar, cfg, req, src, time(NULL), &ans)
			 : sbc_sip_registrar_request(core->registrar, req, &ans);
		pop_our_via(req);
	}
	sbc_core_running_release(core->store, cfg);
	if (rc != 0) {
		char peer[80];
		sbc_log_info("pcscf: 500 for %s from %s: the embedded core could not take it "
			     "(rule core-internal-error)", req->sip_method,
			     sbc_sip_addr_str(&src->peer, peer, sizeof peer));
		answer(core, src, req, 500, "Server Internal Error", key);
		return;
	}
	/* CK / IK are for the P-CSCF's security associations (issue 5); the
	 * UE derives its own, so they stop here. */
	explicit_bzero(ans.ck, sizeof ans.ck);
	explicit_bzero(ans.ik, sizeof ans.ik);
	sbc_sip_pcscf_relay(core, src, ans.resp, key, reg, false);
	osip_message_free(ans.resp);
}

/* RFC 3261 9.2 as a stateful proxy (16.10): 200 to a CANCEL that finds
 * its request still waiting for the core (which then gets 487), 481
 * otherwise. Requests the embedded core answers are never waiting. */
static void cancel(struct sbc_sip_core *core, const struct sbc_sip_source *src,
		   osip_message_t *req, const char *peer, const char *key)
{
	char *ckey = sbc_sip_agent_cancel_key(req, peer);

	if (ckey && sbc_sip_agent_cancel(core, ckey) == 0) {
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_CANCELS);
		sbc_log_info("pcscf: CANCEL from %s: 200, and 487 to the request", peer);
		answer(core, src, req, 200, "OK", key);
	} else {
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_CANCEL_481);
		sbc_log_info("pcscf: 481 to CANCEL from %s (rule no-pending-request)", peer);
		answer(core, src, req, 481, "Call/Transaction Does Not Exist", key);
	}
	free(ckey);
}

/* Whether req's From identity is registered from src's address; *aor is
 * that identity (heap, may be NULL). */
static bool registered_source(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			      const osip_message_t *req, char **aor)
{
	*aor = sbc_sip_registrar_aor(req->from->url);
	return sbc_sip_registrar_is_registered(core->registrar, *aor,
					       (const struct sockaddr *)&src->peer, time(NULL));
}

/* Non-REGISTER: only from the address a From identity registered from. */
static void from_ue(struct sbc_sip_core *core, const struct sbc_sip_source *src,
		    osip_message_t *req, const char *peer, const char *key)
{
	char *aor;

	if (!registered_source(core, src, req, &aor)) {
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_UNREG_REJECT);
		sbc_log_info("pcscf: 403 for %s from %s as %s (rule not-registered-source)",
			     req->sip_method, peer, aor ? aor : "?");
		answer(core, src, req, 403, "Forbidden", key);
	} else {
		to_core(core, src, req, key);
	}
	free(aor);
}

/* ACK. One for a non-2xx final the UE got through us ends that INVITE
 * transaction here: we acknowledged the session-agent's ourselves
 * (sbc_sip_agent.c), and the embedded core answers INVITE only with
 * non-2xx. One for a 2xx is a request of its own (RFC 3261 13.2.2.4),
 * sent on to the session-agent, our Route (the Record-Route we added)
 * removed. ACK is never answered, so what is not sent on is dropped. */
static void ack(struct sbc_sip_core *core, const struct sbc_sip_source *src, osip_message_t *req,
		const char *peer)
{
	char *ikey = sbc_sip_txn_key_as(req, peer, "INVITE"), *key = NULL, *aor = NULL;
	const char *cached = ikey ? sbc_sip_txn_lookup(core->txn, ikey, &(size_t){ 0 }) : NULL;
	const struct sbc_cfg *cfg = sbc_core_running_acquire(core->store);
	const struct sbc_cfg_session_agent *sa = sbc_sip_agent_pick(cfg);
	char branch[40];

	if (!ikey || !sa || (cached && strncmp(cached, "SIP/2.0 2", 9) != 0)) {
		sbc_log_debug("sip: ACK from %s absorbed", peer);
	} else if (!registered_source(core, src, req, &aor)) {
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_UNREG_REJECT);
		sbc_log_info("pcscf: ACK from %s as %s dropped (rule not-registered-source)", peer,
			     aor ? aor : "?");
	} else if ((key = sbc_sip_txn_key(req, peer)) != NULL) {
		our_branch(key, branch);
		if (sbc_sip_agent_forward_ack(core, sa, req, src, branch) != 0)
			sbc_log_info("pcscf: ACK from %s dropped: not sent to session-agent %s (rule "
				     "session-agent-unreachable)", peer, sa->hostname);
	}
	sbc_core_running_release(core->store, cfg);
	free(key);
	free(aor);
	free(ikey);
}

/* The sec-agree rules (sbc_sip_secagree.h) on the running configuration:
 * REGISTER when emergency is NULL, any other request otherwise. */
static enum sbc_sip_secagree_verdict secagree(struct sbc_sip_core *core,
					      const struct sbc_sip_source *src,
					      osip_message_t *req, struct sbc_sip_own *own,
					      const char *key, bool *emergency)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(core->store);
	enum sbc_sip_secagree_verdict v =
		emergency ? sbc_sip_secagree_request(core, cfg, src, req, key, emergency)
			  : sbc_sip_secagree_register(core, cfg, src, req, own, key);

	sbc_core_running_release(core->store, cfg);
	return v;
}

/* A REGISTER that sec-agree lets through: its own lines that travel on
 * (sbc_sip_secagree_register took out its own) back in, then the core. */
static void register_to_core(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			     osip_message_t *req, struct sbc_sip_own *own, const char *key)
{
	if (sbc_sip_own_restore(req, own) == 0) {
		to_core(core, src, req, key);
		return;
	}
	sbc_log_warnx("sip: out of memory restoring the headers of a REGISTER");
	answer(core, src, req, 500, "Server Internal Error", key);
}

/* own: a REGISTER's own lines, still apart (NULL for other requests,
 * whose own lines are back in req). */
static void handle_request(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			   osip_message_t *req, struct sbc_sip_own *own, const char *peer)
{
	char host[80], *colon;
	const char *cached;
	size_t len;
	char *key;
	bool emergency = false;

	/* received / rport on the UE's Via (RFC 3261 18.2.1, RFC 3581). */
	snprintf(host, sizeof host, "%s", peer);
	colon = strrchr(host, ':');
	if (colon) {
		*colon = '\0';
		osip_message_fix_last_via_header(req, host[0] == '[' ? host + 1 : host,
						 atoi(colon + 1));
	}
	if (strcmp(req->sip_method, "ACK") == 0) {
		ack(core, src, req, peer);
		return;
	}
	key = sbc_sip_txn_key(req, peer);
	if (!key)
		return;
	sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_REQ_IN);
	char branch[40];
	our_branch(key, branch);
	if ((cached = sbc_sip_txn_lookup(core->txn, key, &len)) != NULL) {
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_RETRANS);
		sbc_log_debug("sip: retransmitted %s from %s absorbed", req->sip_method, peer);
		sbc_sip_send(core, src, cached, len);
	} else if (sbc_sip_agent_retransmission(core, branch)) {
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_RETRANS);
		sbc_log_debug("sip: retransmitted %s from %s: still at the session-agent",
			      req->sip_method, peer);
	} else if (strcmp(req->sip_method, "REGISTER") == 0) {
		if (secagree(core, src, req, own, key, NULL) == SBC_SIP_SECAGREE_FORWARD)
			register_to_core(core, src, req, own, key);
	} else if (secagree(core, src, req, NULL, key, &emergency) ==
		   SBC_SIP_SECAGREE_ANSWERED) {
		;  /* rejected by a sec-agree rule (logged there) */
	} else if (emergency) {
		/* Emergency requests need no registration (TS 24.229 5.2.10). */
		to_core(core, src, req, key);
	} else if (strcmp(req->sip_method, "CANCEL") == 0) {
		cancel(core, src, req, peer, key);
	} else {
		from_ue(core, src, req, peer, key);
	}
	free(key);
}

void sbc_sip_handle_message(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			    const char *buf, size_t len)
{
	char peer[80];
	osip_message_t *msg = NULL;
	struct sbc_sip_own *own = NULL;
	const char *why = NULL;
	enum sbc_sip_parse_result parsed;

	sbc_sip_addr_str(&src->peer, peer, sizeof peer);
	if (!sbc_sip_secagree_inbound_ok(core, src, len))
		return;  /* a protected port without an SA (logged and counted there) */
	/* A REGISTER's Security-* and option-tag lines stay apart for
	 * sec-agree, which reads and edits them there; any other message
	 * gets them back at once. */
	parsed = sbc_sip_msg_parse_apart(buf, len, &msg, &why, &own);
	if (parsed == SBC_SIP_PARSE_OK && MSG_IS_REQUEST(msg) &&
	    strcmp(msg->sip_method, "REGISTER") == 0) {
		handle_request(core, src, msg, own, peer);
		goto out;
	}
	if (msg && sbc_sip_own_restore(msg, own) != 0) {
		sbc_log_warnx("sip: out of memory parsing %zu bytes from %s", len, peer);
		goto out;
	}
	switch (parsed) {
	case SBC_SIP_PARSE_GARBAGE:
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_MALFORMED);
		sbc_log_info("sip: dropped %zu bytes from %s/%s: %s", len, peer,
			     transport_name(src->transport), why);
		break;
	case SBC_SIP_PARSE_INCOMPLETE:
		sbc_sip_stat_inc(core->stats, SBC_SIP_STAT_MALFORMED);
		if (MSG_IS_REQUEST(msg) && sbc_sip_msg_branch(msg)) {
			char reason[64];
			snprintf(reason, sizeof reason, "Bad Request - %s", why);
			sbc_log_info("sip: 400 to %s from %s (rule missing-or-bad-header: %s)",
				     msg->sip_method, peer, why);
			answer(core, src, msg, 400, reason, NULL);
		} else {
			sbc_log_info("sip: dropped a message from %s without %s", peer, why);
		}
		break;
	case SBC_SIP_PARSE_OK:
		if (MSG_IS_REQUEST(msg))
			handle_request(core, src, msg, NULL, peer);
		else
			sbc_log_debug("sip: dropped a stray %d response from %s", msg->status_code,
				      peer);
		break;
	}
out:
	sbc_sip_own_free(own);
	osip_message_free(msg);
}
