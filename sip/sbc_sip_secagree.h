/* Sec-agree on the P-CSCF (RFC 3329 client-initiated, TS 33.203 / 24.229,
 * as the Oracle SBC's sec-agree-feature does it, see docs/sec-agree.md):
 * the decisions taken on each REGISTER, each other request and each
 * answer of the core, using the grammar (sbc_sip_secagree_hdr.h), the
 * policy (sbc_sip_secagree_policy.h) and the association table
 * (sbc_sip_assoc.h). Called by the P-CSCF on the SIP thread only. */
#ifndef SBC_SIP_SECAGREE_H
#define SBC_SIP_SECAGREE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <osipparser2/osip_parser.h>

#include "sbc_cfg_model.h"
#include "sbc_sip_internal.h"
#include "sbc_sip_msg.h"

enum sbc_sip_secagree_verdict {
	SBC_SIP_SECAGREE_FORWARD,  /* go on (req may have been rewritten) */
	SBC_SIP_SECAGREE_ANSWERED, /* answered here; do not forward */
};

/* A REGISTER from a UE, parsed apart from its own lines (`own`, may be
 * NULL: sbc_sip_msg_parse_apart): negotiate, verify or check a refresh.
 * On FORWARD the request carries the integrity-protected the P-CSCF
 * vouches for, and own has lost its sec-agree option tags and
 * Security-Client / -Verify lines: the caller restores the rest into req. */
enum sbc_sip_secagree_verdict sbc_sip_secagree_register(struct sbc_sip_core *core,
							const struct sbc_cfg *cfg,
							const struct sbc_sip_source *src,
							osip_message_t *req, struct sbc_sip_own *own,
							const char *key);
/* Any other request: the unprotected-port and no-association rules.
 * *emergency tells the caller to forward without the registration check. */
enum sbc_sip_secagree_verdict sbc_sip_secagree_request(struct sbc_sip_core *core,
						       const struct sbc_cfg *cfg,
						       const struct sbc_sip_source *src,
						       osip_message_t *req, const char *key,
						       bool *emergency);
/* The core's answer (our Via already removed) to a REGISTER of the UE at
 * src, transaction key: Security-Server added to a 401, associations
 * established, refreshed or ended. Returns a response to send instead
 * (a 494 when the core did not challenge a negotiation), or NULL. */
osip_message_t *sbc_sip_secagree_response(struct sbc_sip_core *core,
					  const struct sbc_sip_source *src,
					  osip_message_t *resp, const char *key);
/* After the response from sbc_sip_secagree_response went out: free the
 * association a de-REGISTER ended (its SAs carried that response). */
void sbc_sip_secagree_sent(struct sbc_sip_core *core, const osip_message_t *resp);
/* Whether a message that arrived on a protected port matches an inbound
 * SA (sbc_sip_sa_lookup_inbound); if not it is counted, logged, and must
 * be dropped. True for every other port. */
bool sbc_sip_secagree_inbound_ok(struct sbc_sip_core *core, const struct sbc_sip_source *src,
				 size_t len);
/* A TCP / TLS connection closed: its association ends. */
void sbc_sip_secagree_conn_closed(struct sbc_sip_core *core, uint64_t conn_id);
/* Once a second: associations whose registration or negotiation expired. */
void sbc_sip_secagree_tick(struct sbc_sip_core *core, time_t now);

#endif
