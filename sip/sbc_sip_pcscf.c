/* The P-CSCF: every message from a UE arrives here. Malformed input is
 * answered 400 or dropped with a log line; retransmissions get the cached
 * answer; REGISTER goes to the embedded IMS core with our Via (RFC 3261
 * 16.6 branch) and Path (RFC 3327), and the core's answer goes back the way
 * the request came, minus our Via. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "sbc_cfg_model.h"
#include "sbc_core_store.h"
#include "sbc_log.h"
#include "sbc_sip_internal.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_registrar.h"
#include "sbc_sip_txn.h"

static const char *transport_name(int t)
{
	return t == SBC_CFG_TRANSPORT_TCP ? "TCP" : t == SBC_CFG_TRANSPORT_TLS ? "TLS" : "UDP";
}

/* Serialise, send, and remember for retransmissions when key is set. */
static void send_msg(struct sbc_sip_core *core, const struct sbc_sip_source *src,
		     osip_message_t *resp, const char *key)
{
	char *text = NULL;
	size_t len = 0;

	if (sbc_sip_msg_to_str(resp, &text, &len) != 0) {
		sbc_log_warnx("sip: cannot serialise a %d response", resp->status_code);
		return;
	}
	if (sbc_sip_send(core, src, text, len) == 0 && key)
		sbc_sip_txn_store(core->txn, key, text, len, time(NULL));
	osip_free(text);
}

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
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(txn_key, strlen(txn_key), md, &n, EVP_sha256(), NULL);
	snprintf(out, 40, "z9hG4bK");
	for (int i = 0; i < 12; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

static int add_via_and_path(osip_message_t *req, const struct sbc_sip_source *src,
			    const char *txn_key)
{
	char host[80], branch[40], *via = NULL, *path = NULL;
	int rc = -1;

	sbc_sip_addr_str(&src->local, host, sizeof host);
	our_branch(txn_key, branch);
	if (asprintf(&via, "SIP/2.0/%s %s;branch=%s", transport_name(src->transport), host,
		     branch) < 0 ||
	    asprintf(&path, "<sip:term@%s;lr>", host) < 0)
		goto out;
	osip_via_t *v = NULL;
	if (osip_via_init(&v) != 0 || osip_via_parse(v, via) != 0) {
		osip_via_free(v);
		goto out;
	}
	osip_list_add(&req->vias, v, 0);
	/* Our Path goes first, above any the UE's other proxies added. */
	osip_header_t *h = NULL;
	if (osip_header_init(&h) != 0)
		goto out;
	h->hname = osip_strdup("Path");
	h->hvalue = osip_strdup(path);
	osip_list_add(&req->headers, h, 0);
	rc = 0;
out:
	free(via);
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

static void forward_register(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			     osip_message_t *req, const char *key)
{
	const struct sbc_cfg *cfg = sbc_core_running_acquire(core->store);
	struct sbc_sip_core_answer ans;

	if (add_via_and_path(req, src, key) != 0 ||
	    sbc_sip_registrar_register(core->registrar, cfg, req, src, time(NULL), &ans) != 0) {
		sbc_core_running_release(core->store, cfg);
		pop_our_via(req);
		answer(core, src, req, 500, "Server Internal Error", key);
		return;
	}
	sbc_core_running_release(core->store, cfg);
	pop_our_via(ans.resp);
	/* CK / IK are for the P-CSCF's security associations (issue 5); the
	 * UE derives its own, so they stop here. */
	explicit_bzero(ans.ck, sizeof ans.ck);
	explicit_bzero(ans.ik, sizeof ans.ik);
	send_msg(core, src, ans.resp, key);
	osip_message_free(ans.resp);
}

static void handle_request(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			   osip_message_t *req, const char *peer)
{
	char host[80], *colon;
	const char *cached;
	size_t len;
	char *key;

	/* received / rport on the UE's Via (RFC 3261 18.2.1, RFC 3581). */
	snprintf(host, sizeof host, "%s", peer);
	colon = strrchr(host, ':');
	if (colon) {
		*colon = '\0';
		osip_message_fix_last_via_header(req, host[0] == '[' ? host + 1 : host,
						 atoi(colon + 1));
	}
	if (strcmp(req->sip_method, "ACK") == 0)
		return;  /* no INVITE transactions here yet: nothing to acknowledge */
	key = sbc_sip_txn_key(req, peer);
	if (!key)
		return;
	if ((cached = sbc_sip_txn_lookup(core->txn, key, &len)) != NULL) {
		sbc_log_debug("sip: retransmitted %s from %s absorbed", req->sip_method, peer);
		sbc_sip_send(core, src, cached, len);
	} else if (strcmp(req->sip_method, "REGISTER") == 0) {
		forward_register(core, src, req, key);
	} else {
		sbc_log_info("sip: 501 for %s from %s (rule method-not-served)", req->sip_method,
			     peer);
		answer(core, src, req, 501, "Not Implemented", key);
	}
	free(key);
}

void sbc_sip_handle_message(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			    const char *buf, size_t len)
{
	char peer[80];
	osip_message_t *msg = NULL;
	const char *why = NULL;

	sbc_sip_addr_str(&src->peer, peer, sizeof peer);
	switch (sbc_sip_msg_parse(buf, len, &msg, &why)) {
	case SBC_SIP_PARSE_GARBAGE:
		sbc_log_info("sip: dropped %zu bytes from %s/%s: %s", len, peer,
			     transport_name(src->transport), why);
		return;
	case SBC_SIP_PARSE_INCOMPLETE:
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
			handle_request(core, src, msg, peer);
		else
			sbc_log_debug("sip: dropped a stray %d response from %s", msg->status_code,
				      peer);
		break;
	}
	osip_message_free(msg);
}
