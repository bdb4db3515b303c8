/* The SIP core's bounds (see sbc_sip_limits.h): loading sip-config, the
 * header count, and the refusals shared by the transport and sec-agree. */
#include "sbc_sip_limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sbc_log.h"
#include "sbc_sip_assoc.h"
#include "sbc_sip_internal.h"
#include "sbc_sip_msg.h"
#include "sbc_sip_pcscf.h"

void sbc_sip_limits_load(struct sbc_sip_limits *l, const struct sbc_cfg *cfg)
{
	const struct sbc_cfg_sip_config *sc =
		SBC_CFG_SINGLETON(cfg, SBC_CFG_SIP_CONFIG, struct sbc_cfg_sip_config);
	const uint32_t v[SBC_SIP_LIMIT_COUNT] = {
		[SBC_SIP_LIMIT_TRANS_EXPIRE] = sc->trans_expire,
		[SBC_SIP_LIMIT_MSG_LEN] = sc->sip_message_len,
		[SBC_SIP_LIMIT_HEADERS] = sc->max_headers,
		[SBC_SIP_LIMIT_CONNS] = sc->max_incoming_conns,
		[SBC_SIP_LIMIT_CONNS_PER_SRC] = sc->per_src_ip_max_incoming_conns,
		[SBC_SIP_LIMIT_CONN_IDLE] = sc->inactive_dynamic_conn,
		[SBC_SIP_LIMIT_TLS_PENDING] = sc->max_pending_tls_handshakes,
		[SBC_SIP_LIMIT_TLS_TIMEOUT] = sc->tls_handshake_timeout,
		[SBC_SIP_LIMIT_SEC_CLIENT] = sc->max_security_client_entries,
		[SBC_SIP_LIMIT_ASSOCS] = sc->max_sec_agree_associations,
		[SBC_SIP_LIMIT_PENDING_NEG] = sc->max_pending_negotiations,
	};

	for (int i = 0; i < SBC_SIP_LIMIT_COUNT; i++)
		atomic_store_explicit(&l->v[i], v[i], memory_order_relaxed);
}

void sbc_sip_limits_refused(struct sbc_sip_core *core, enum sbc_sip_stat stat, const char *fmt, ...)
{
	struct sbc_sip_limits *l = &core->limits;
	time_t now = time(NULL);
	char line[400];
	va_list ap;

	sbc_sip_stat_inc(core->stats, stat);
	/* A flood of refusals must not become a flood of log lines. */
	if (l->logged_at[stat] == now) {
		l->suppressed[stat]++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (l->suppressed[stat])
		sbc_log_warnx("%s (%u more like it not logged)", line, l->suppressed[stat]);
	else
		sbc_log_warnx("%s", line);
	l->logged_at[stat] = now;
	l->suppressed[stat] = 0;
}

/* Header fields of the message: lines of the header block after the
 * start line, folded continuation lines (RFC 3261 7.3.1) not counted. */
static size_t count_headers(const char *buf, size_t len, size_t stop_after)
{
	const char *p = memchr(buf, '\n', len), *end = buf + len;
	size_t n = 0;

	while (p && ++p < end) {
		if (*p == '\r' || *p == '\n')
			break;  /* the empty line: end of the header block */
		if (*p != ' ' && *p != '\t' && ++n > stop_after)
			break;
		p = memchr(p, '\n', (size_t)(end - p));
	}
	return n;
}

int sbc_sip_limits_answer_raw(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			      const char *buf, size_t len, int code, const char *reason)
{
	osip_message_t *req = NULL, *resp = NULL;
	const char *why;
	int rc = -1;

	if (sbc_sip_msg_parse(buf, len, &req, &why) == SBC_SIP_PARSE_GARBAGE || !req)
		goto out;
	if (!MSG_IS_REQUEST(req) || !sbc_sip_msg_branch(req) || strcmp(req->sip_method, "ACK") == 0)
		goto out;
	if (!(resp = sbc_sip_msg_response(req, code, reason, NULL)))
		goto out;
	if (code == 503 && osip_message_set_header(resp, "Retry-After",
						   SBC_SIP_LIMITS_RETRY_AFTER) != 0)
		goto out;
	sbc_sip_pcscf_send(core, src, resp, NULL);
	rc = 0;
out:
	osip_message_free(resp);
	osip_message_free(req);
	return rc;
}

bool sbc_sip_limits_headers_ok(struct sbc_sip_core *core, const struct sbc_sip_source *src,
			       const char *buf, size_t len)
{
	uint32_t max = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_HEADERS);
	size_t n = count_headers(buf, len, max);
	char peer[80];

	if (n <= max)
		return true;
	sbc_sip_addr_str(&src->peer, peer, sizeof peer);
	/* A protected port without an SA drops, it never answers. */
	bool answered = !src->protected_port &&
			sbc_sip_limits_answer_raw(core, src, buf, len, 400,
						  "Bad Request - Too Many Headers") == 0;
	sbc_sip_limits_refused(core, SBC_SIP_STAT_LIM_HEADERS,
			       "sip: %s message from %s: more than %u header fields "
			       "(rule max-headers)", answered ? "400 to a" : "dropped a", peer, max);
	return false;
}

static void answer(struct sbc_sip_core *core, const struct sbc_sip_source *src,
		   osip_message_t *req, const char *key, int code, const char *reason)
{
	osip_message_t *resp = sbc_sip_msg_response(req, code, reason, NULL);

	if (resp && (code != 503 || osip_message_set_header(resp, "Retry-After",
							    SBC_SIP_LIMITS_RETRY_AFTER) == 0))
		sbc_sip_pcscf_send(core, src, resp, key);
	osip_message_free(resp);
}

bool sbc_sip_limits_refuse_sec_client(struct sbc_sip_core *core, const struct sbc_sip_source *src,
				      osip_message_t *req, const char *key, size_t entries)
{
	uint32_t max = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_SEC_CLIENT);
	char peer[80];

	if (entries <= max)
		return false;
	answer(core, src, req, key, 400, "Bad Request - Too Many Security-Client Entries");
	sbc_sip_limits_refused(core, SBC_SIP_STAT_LIM_SEC_CLIENT,
			       "sec-agree: 400 to REGISTER from %s (rule max-security-client-entries: "
			       "%zu entries, limit %u)",
			       sbc_sip_addr_str(&src->peer, peer, sizeof peer), entries, max);
	return true;
}

bool sbc_sip_limits_refuse_negotiation(struct sbc_sip_core *core,
				       const struct sbc_sip_source *src, osip_message_t *req,
				       const char *key, const char *impu)
{
	uint32_t max_pend = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_PENDING_NEG);
	uint32_t max_all = sbc_sip_limit(&core->limits, SBC_SIP_LIMIT_ASSOCS);
	size_t pend = sbc_sip_assoc_pending_count(core->assocs);
	size_t all = sbc_sip_assoc_count(core->assocs);
	enum sbc_sip_stat stat;
	const char *rule;
	char peer[80];
	size_t now;
	uint32_t max;

	if (pend >= max_pend) {
		stat = SBC_SIP_STAT_LIM_PENDING_NEG, rule = "max-pending-negotiations";
		now = pend, max = max_pend;
	} else if (all >= max_all) {
		stat = SBC_SIP_STAT_LIM_ASSOCS, rule = "max-sec-agree-associations";
		now = all, max = max_all;
	} else {
		return false;
	}
	answer(core, src, req, key, 503, "Service Unavailable - Too Many Security Associations");
	sbc_sip_limits_refused(core, stat,
			       "sec-agree: 503 to REGISTER of %s from %s (rule %s: %zu in use, "
			       "limit %u)", impu ? impu : "?",
			       sbc_sip_addr_str(&src->peer, peer, sizeof peer), rule, now, max);
	return true;
}
