/* The P-CSCF toward an external IMS core (an enabled session-agent of the
 * running config): UDP sockets on our side, the client transactions pending
 * there (RFC 3261 17.1.2: retransmitted, 408 to the UE when the core stays
 * silent), INVITE client transactions (RFC 3261 17.1.1, 16.6-16.10), the
 * core's responses routed back to the UE, and CANCEL of a pending
 * request. Used only by the SIP thread. */
#ifndef SBC_SIP_AGENT_H
#define SBC_SIP_AGENT_H

#include <stdbool.h>
#include <time.h>

#include <osipparser2/osip_parser.h>

#include "sbc_cfg_model.h"
#include "sbc_sip_internal.h"

struct sbc_sip_agent;

struct sbc_sip_agent *sbc_sip_agent_new(void);
void sbc_sip_agent_free(struct sbc_sip_agent *a, int epfd);

/* The session-agent requests go to: the first one enabled with an
 * ip-address, or NULL for the embedded core. */
const struct sbc_cfg_session_agent *sbc_sip_agent_pick(const struct sbc_cfg *cfg);

/* Forward req (as received from the UE at src, Path already added for a
 * REGISTER) to sa with our Via and `branch` on top; a top Route naming
 * the sip-port it came to is removed (RFC 3261 16.4). key is the UE's
 * transaction key, under which the final answer is cached; a CANCEL of it
 * is matched by sbc_sip_agent_cancel_key. An INVITE also gets our
 * Record-Route and 100 Trying goes to the UE; its client transaction
 * retransmits (Timer A), times out with 408 (Timer B = trans-expire),
 * relays 1xx, 2xx and 2xx retransmissions, and ACKs a non-2xx final
 * itself. 0, or -1 when it could not be sent (the caller answers 503). */
int sbc_sip_agent_forward(struct sbc_sip_core *core, const struct sbc_cfg_session_agent *sa,
			  osip_message_t *req, const struct sbc_sip_source *src, const char *key,
			  const char *branch);
/* An ACK for a 2xx (its own transaction, RFC 3261 13.2.2.4) sent on to
 * sa statelessly with our Via and `branch`, our Route removed. 0 / -1. */
int sbc_sip_agent_forward_ack(struct sbc_sip_core *core, const struct sbc_cfg_session_agent *sa,
			      osip_message_t *ack, const struct sbc_sip_source *src,
			      const char *branch);
/* Whether a request with our branch is known here (the UE retransmitted
 * it): absorbed, since we retransmit ourselves; an INVITE still waiting
 * gets the last provisional response again (RFC 3261 17.2.1). */
bool sbc_sip_agent_retransmission(struct sbc_sip_core *core, const char *branch);
/* RFC 3261 9.2 matching of a CANCEL: its key is the cancelled request's
 * branch, sent-by and source. Heap string or NULL. */
char *sbc_sip_agent_cancel_key(const osip_message_t *req, const char *peer);
/* CANCEL of a pending request, 0: a non-INVITE gets 487 (cached under
 * its key) and the CANCEL goes on to the core; for an INVITE the CANCEL
 * goes on once the agent sent a provisional response (RFC 3261 9.1) and
 * the agent's 487 is relayed (ours after trans-expire if none comes).
 * -1 when nothing is pending under cancel_key. */
int sbc_sip_agent_cancel(struct sbc_sip_core *core, const char *cancel_key);
/* A datagram on one of our session-agent sockets. */
void sbc_sip_agent_readable(struct sbc_sip_core *core, struct sbc_sip_pollable *p);
/* Retransmissions and timeouts; called every second. */
void sbc_sip_agent_tick(struct sbc_sip_core *core, time_t now);

#endif
